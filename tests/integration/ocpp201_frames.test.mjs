// OCPP-J 2.0.1 framing errors (issue 16: CALLERROR spellings per version):
// a raw WebSocket back end speaking ocpp2.0.1 sends malformed frames and
// CALLs the station must refuse; each gets the CALLERROR of OCPP-J 2.0.1
// part 4 (4.2.3 / 4.3) in 2.0.1's spelling (FormatViolation,
// OccurrenceConstraintViolation, MessageTypeNotSupported, RpcFrameworkError —
// 1.6 wrote FormationViolation and OccurenceConstraintViolation), and nothing
// in the station changes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { WebSocketServer } from 'ws';
import { startBorned } from './lib/borne.mjs';

async function rawBackend() {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: (p) => (p.has('ocpp2.0.1') ? 'ocpp2.0.1' : false) });
  await once(wss, 'listening');
  const b = { wss, frames: [], url: `ws://127.0.0.1:${wss.address().port}/ocpp`, waiters: [] };
  wss.on('connection', (ws) => {
    b.ws = ws;
    ws.on('message', (data) => {
      const f = JSON.parse(String(data));
      b.frames.push(f);
      if (f[0] === 2 && (f[2] === 'StatusNotification' || f[2] === 'SecurityEventNotification')) ws.send(JSON.stringify([3, f[1], {}]));
      if (f[0] === 2 && f[2] === 'Heartbeat') ws.send(JSON.stringify([3, f[1], { currentTime: new Date().toISOString() }]));
      b.waiters = b.waiters.filter((w) => !(w.match(f) && (w.resolve(f), true)));
    });
  });
  b.next = (match, what = 'a frame') => {
    const found = b.frames.find(match);
    if (found) return Promise.resolve(found);
    let timer;
    return new Promise((resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}; frames: ${JSON.stringify(b.frames).slice(-600)}`)), 20000);
      b.waiters.push({ match, resolve });
    }).finally(() => clearTimeout(timer));
  };
  b.send = (text) => b.ws.send(text);
  b.close = () => { for (const c of wss.clients) c.terminate(); wss.close(); };
  return b;
}

test('malformed 2.0.1 frames get the 2.0.1 CALLERROR and change nothing but the security event InvalidMessages (once per connection)', async () => {
  const b = await rawBackend();
  const st = await startBorned({ connectors: 1, auth: 'free', args: ['--csms', b.url], set: { 'station.id': 'cp-201-frames', 'ocpp.version': '2.0.1' } });
  try {
    const boot = await b.next((f) => f[0] === 2 && f[2] === 'BootNotification');
    b.send(JSON.stringify([3, boot[1], { status: 'Accepted', currentTime: new Date().toISOString(), interval: 300 }]));
    await b.next((f) => f[0] === 2 && f[2] === 'StatusNotification' && f[3].evseId === 1);
    const before = await st.status();
    const cases = [
      // valid messages the station does not handle first: not InvalidMessages
      ['unknown action', JSON.stringify([2, 'm3', 'MakeCoffee', {}]), 'm3', 'NotImplemented'],
      ['an action of 2.0.1 the station does not handle', JSON.stringify([2, 'm8', 'PublishFirmware', { location: 'https://csms.example/fw.img', checksum: 'd41d8cd98f00b204e9800998ecf8427e', requestId: 1 }]), 'm8', 'NotSupported'],
      ['not json', '{{{', '-1', 'RpcFrameworkError'],
      ['unknown message type', JSON.stringify([7, 'm1', 'Reset', {}]), 'm1', 'MessageTypeNotSupported'],
      ['unknown member', JSON.stringify([2, 'm9', 'Reset', { type: 'Immediate', when: 'now' }]), 'm9', 'FormatViolation'],
      ['wrong type', JSON.stringify([2, 'm4', 'UnlockConnector', { evseId: 'one', connectorId: 1 }]), 'm4', 'TypeConstraintViolation'],
      ['bad enum value', JSON.stringify([2, 'm5', 'Reset', { type: 'Sideways' }]), 'm5', 'PropertyConstraintViolation'],
      ['a value only 2.1 has (B13 ImmediateAndResume)', JSON.stringify([2, 'm11', 'Reset', { type: 'ImmediateAndResume' }]), 'm11', 'PropertyConstraintViolation'],
      ['required member missing', JSON.stringify([2, 'm6', 'ChangeAvailability', {}]), 'm6', 'OccurrenceConstraintViolation'],
      ['string too long', JSON.stringify([2, 'm7', 'RequestStopTransaction', { transactionId: 'X'.repeat(37) }]), 'm7', 'PropertyConstraintViolation'],
    ];
    for (const [what, text, id, code] of cases) {
      const from = b.frames.length;
      b.send(text);
      const answer = await b.next((f) => b.frames.indexOf(f) >= from && f[0] === 4 && f[1] === id, `the answer to ${what}`);
      assert.equal(answer[2], code, `${what}: ${JSON.stringify(answer)}`);
      assert.equal(typeof answer[3], 'string');
    }
    // A04 InvalidMessages: the first invalid frame, once for the connection
    const ev = await b.next((f) => f[0] === 2 && f[2] === 'SecurityEventNotification' && f[3].type === 'InvalidMessages', 'InvalidMessages');
    assert.match(ev[3].techInfo, /RpcFrameworkError/);
    const from = b.frames.length;
    b.send(JSON.stringify([2, 'm10', 'Reset', { type: 'Sideways' }]));
    await b.next((f) => b.frames.indexOf(f) >= from && f[0] === 4 && f[1] === 'm10', 'the answer to m10');
    assert.equal(b.frames.filter((f) => f[0] === 2 && f[2] === 'SecurityEventNotification' && f[3].type === 'InvalidMessages').length, 1);
    const after = await st.status();
    assert.deepEqual(after.connectors.map((c) => [c.status, c.session]), before.connectors.map((c) => [c.status, c.session]));
    assert.equal(after.station.ocpp.state, 'connected');
  } finally {
    await st.stop(); st.cleanup(); b.close();
  }
});
