// OCPP-J 2.1 frames (issue 16): CALLRESULTERROR (message type 5) and SEND
// (type 6), spoken only when the back end picked ocpp2.1. A raw WebSocket
// back end answers a Heartbeat with a CALLRESULT that fails the 2.1 schema:
// the station says so with a CALLRESULTERROR of the same message id. It
// refuses one of the station's own answers with a CALLRESULTERROR: the
// station reports it (event ocpp_result_refused) and sends nothing back. It
// sends SEND frames (NotifyPeriodicEventStream, valid or not): never
// answered. The same frames from a back end that picked ocpp2.0.1 are
// MessageTypeNotSupported.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { WebSocketServer } from 'ws';
import { startBorned } from './lib/borne.mjs';

async function rawBackend(protocol) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: (p) => (p.has(protocol) ? protocol : false) });
  await once(wss, 'listening');
  const b = { frames: [], waiters: [], url: `ws://127.0.0.1:${wss.address().port}/ocpp` };
  wss.on('connection', (ws) => {
    b.ws = ws;
    ws.on('message', (data) => {
      const f = JSON.parse(String(data));
      b.frames.push(f);
      if (f[0] === 2 && f[2] === 'StatusNotification') ws.send(JSON.stringify([3, f[1], {}]));
      if (f[0] === 2 && f[2] === 'SecurityEventNotification') ws.send(JSON.stringify([3, f[1], {}]));
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
  b.send = (frame) => b.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  b.close = () => { for (const c of wss.clients) c.terminate(); wss.close(); };
  return b;
}

async function booted(b) {
  const boot = await b.next((f) => f[0] === 2 && f[2] === 'BootNotification', 'BootNotification');
  b.send([3, boot[1], { status: 'Accepted', currentTime: new Date().toISOString(), interval: 300 }]);
  await b.next((f) => f[0] === 2 && f[2] === 'StatusNotification', 'StatusNotification');
}

const stream = { id: 1, pending: 0, basetime: new Date().toISOString(), data: [{ t: 0, v: '230.1' }] };

test('OCPP 2.1: CALLRESULTERROR both ways, SEND received without an answer', async () => {
  const b = await rawBackend('ocpp2.1');
  const st = await startBorned({ connectors: 1, auth: 'free', args: ['--csms', b.url], set: { 'station.id': 'cp-21-frames', 'ocpp.version': '2.1' } });
  try {
    await booted(b);
    // a CALLRESULT the station cannot accept (Heartbeat without currentTime): CALLRESULTERROR
    b.send([2, 'trig-1', 'TriggerMessage', { requestedMessage: 'Heartbeat' }]);
    assert.equal((await b.next((f) => f[0] === 3 && f[1] === 'trig-1', 'the TriggerMessage answer'))[2].status, 'Accepted');
    const hb = await b.next((f) => f[0] === 2 && f[2] === 'Heartbeat', 'Heartbeat');
    b.send([3, hb[1], {}]);
    const cre = await b.next((f) => f[0] === 5, 'a CALLRESULTERROR');
    assert.equal(cre[1], hb[1], 'the id of the refused CALLRESULT');
    assert.equal(cre[2], 'OccurrenceConstraintViolation');
    assert.equal(typeof cre[3], 'string');
    assert.deepEqual(cre[4], {});

    // one received: reported, never answered
    const after = await st.lastEventId();
    b.send([5, 'trig-1', 'FormatViolation', 'cannot read your answer', {}]);
    const ev = await st.waitEvent('ocpp_result_refused', { after });
    assert.match(ev.detail, /^TriggerMessage: FormatViolation cannot read your answer/);

    // SEND: a valid one and a wrong one, neither answered; a CALL after them is
    const mark = b.frames.length;
    b.send([6, 'send-1', 'NotifyPeriodicEventStream', stream]);
    b.send([6, 'send-2', 'NotifyPeriodicEventStream', { id: 'one' }]);
    b.send([2, 'cc-1', 'ClearCache', {}]);
    const cleared = await b.next((f) => f[0] === 3 && f[1] === 'cc-1', 'the ClearCache answer');
    assert.equal(cleared[2].status, 'Accepted');
    const answered = b.frames.slice(mark).filter((f) => ['send-1', 'send-2', 'trig-1'].includes(f[1]));
    assert.deepEqual(answered, [], 'nothing answers a SEND or a CALLRESULTERROR');
    assert.equal((await st.status()).station.ocpp.state, 'connected');
  } finally {
    await st.stop();
    st.cleanup();
    b.close();
  }
});

test('OCPP 2.0.1 has neither: types 5 and 6 are MessageTypeNotSupported, a bad CALLRESULT is not answered', async () => {
  const b = await rawBackend('ocpp2.0.1');
  const st = await startBorned({ connectors: 1, auth: 'free', args: ['--csms', b.url], set: { 'station.id': 'cp-201-no21', 'ocpp.version': '2.0.1' } });
  try {
    await booted(b);
    b.send([6, 'send-1', 'NotifyPeriodicEventStream', stream]);
    const e6 = await b.next((f) => f[0] === 4 && f[1] === 'send-1', 'the CALLERROR to a SEND');
    assert.equal(e6[2], 'MessageTypeNotSupported');
    b.send([5, 'x-1', 'FormatViolation', 'no', {}]);
    const e5 = await b.next((f) => f[0] === 4 && f[1] === 'x-1', 'the CALLERROR to a CALLRESULTERROR');
    assert.equal(e5[2], 'MessageTypeNotSupported');
    b.send([2, 'trig-1', 'TriggerMessage', { requestedMessage: 'Heartbeat' }]);
    const hb = await b.next((f) => f[0] === 2 && f[2] === 'Heartbeat', 'Heartbeat');
    const mark = b.frames.length;
    b.send([3, hb[1], {}]);
    b.send([2, 'cc-1', 'ClearCache', {}]);
    await b.next((f) => f[0] === 3 && f[1] === 'cc-1', 'the ClearCache answer');
    assert.equal(b.frames.slice(mark).filter((f) => f[0] === 5).length, 0, 'no CALLRESULTERROR in 2.0.1');
  } finally {
    await st.stop();
    st.cleanup();
    b.close();
  }
});

test('OCPP 2.0.1 refuses 2.1\'s certificate values (OEMRootCertificate, V2G20Certificate, SignV2G20Certificate) with a CALLERROR', async () => {
  const b = await rawBackend('ocpp2.0.1');
  const st = await startBorned({ connectors: 1, auth: 'free', args: ['--csms', b.url], set: { 'station.id': 'cp-201-no21c', 'ocpp.version': '2.0.1', 'ocpp.CpoName': 'Borne Test CPO' } });
  try {
    await booted(b);
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    const calls = [
      ['c-1', 'InstallCertificate', { certificateType: 'OEMRootCertificate', certificate: pem }],
      ['c-2', 'GetInstalledCertificateIds', { certificateType: ['OEMRootCertificate'] }],
      ['c-3', 'CertificateSigned', { certificateType: 'V2G20Certificate', certificateChain: pem }],
      ['c-4', 'TriggerMessage', { requestedMessage: 'SignV2G20Certificate' }],
    ];
    for (const [id, action, payload] of calls) {
      b.send([2, id, action, payload]);
      const e = await b.next((f) => (f[0] === 3 || f[0] === 4) && f[1] === id, `the answer to ${action}`);
      assert.equal(e[0], 4, `${action}: ${JSON.stringify(e)}`);
      assert.match(e[2], /ConstraintViolation|FormatViolation/);
    }
    assert.equal(b.frames.filter((f) => f[0] === 2 && f[2] === 'SignCertificate').length, 0);
  } finally {
    await st.stop();
    st.cleanup();
    b.close();
  }
});

test('a message larger than the station takes (4 MiB) is answered with a CALLERROR FormatViolation to its id, not dropped; the link stays up', async () => {
  const b = await rawBackend('ocpp2.1');
  const st = await startBorned({ connectors: 1, auth: 'free', args: ['--csms', b.url], set: { 'station.id': 'cp-21-big', 'ocpp.version': '2.1' } });
  try {
    await booted(b);
    const data = 'x'.repeat(4 * 1024 * 1024);
    b.send([2, 'big-1', 'DataTransfer', { vendorId: 'borne.test', data }]);
    const e = await b.next((f) => (f[0] === 3 || f[0] === 4) && f[1] === 'big-1', 'the answer to the large DataTransfer');
    assert.equal(e[0], 4);
    assert.equal(e[2], 'FormatViolation');
    assert.match(e[3], /at most 4194304/);
    // the next message is read as usual
    b.send([2, 'cc-1', 'ClearCache', {}]);
    const ok = await b.next((f) => f[1] === 'cc-1', 'the ClearCache answer');
    assert.equal(ok[0], 3);
  } finally {
    await st.stop();
    st.cleanup();
    b.close();
  }
});
