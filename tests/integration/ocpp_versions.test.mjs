// `ocpp.version` (issue 16): the versions offered to the back end as
// WebSocket subprotocols, in order of preference, the one the server picked
// spoken and shown in the status (and GET /api/v1/ocpp, event ocpp_version);
// 2.1 spoken through the 2.0.1 dialect, checked by a peer validating with the
// OCA's own 2.1 schemas (schemas/ocpp/v2.1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runBornedExpectingFailure, startBorned, tempDataDir } from './lib/borne.mjs';
import { startCsms } from './lib/csms.mjs';
import { RPCServer } from 'ocpp-rpc';
import { WebSocketServer } from 'ws';

function failing(args) {
  const r = runBornedExpectingFailure(['--sim', '--data-dir', tempDataDir(), '--http', '127.0.0.1:0', ...args]);
  assert.equal(r.code, 2, `exit code 2 for a configuration error, got ${r.code}: ${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line, got: ${r.stderr}`);
  return lines[0];
}

test('bad version lists are refused with the reason', () => {
  assert.match(failing(['--set', 'ocpp.version=1.6,1.6']), /ocpp\.version.*named twice/);
  assert.match(failing(['--set', 'ocpp.version=1.5']), /ocpp\.version.*unknown OCPP version '1\.5'/);
  assert.match(failing(['--set', 'ocpp.version=1.6,']), /ocpp\.version.*empty item/);
});

test('the station offers its versions as subprotocols and reports the one the server picked', async () => {
  const csms = await startCsms({ bootInterval: 60 });
  const st = await startBorned({
    connectors: 1, speed: 20, args: ['--csms', csms.url],
    set: { 'station.id': 'cp-versions', 'ocpp.version': '1.6' },
  });
  try {
    await csms.connected();
    await csms.waitCall('BootNotification');
    assert.deepEqual([...csms.lastHandshake.protocols], ['ocpp1.6']);
    const s = await st.waitFor((x) => x.station.ocpp?.state === 'connected', { what: 'ocpp connected' });
    assert.equal(s.station.ocpp.version, '1.6');
    assert.equal(s.station.ocpp.subprotocol, 'ocpp1.6');
    assert.equal(s.station.ocpp.offered, '1.6');
    const api = await st.ok('GET', '/api/v1/ocpp');
    assert.equal(api.connection.subprotocol, 'ocpp1.6');
    assert.equal(api.connection.version, '1.6');
    assert.match(st.ctl('status').stdout, /back end .*connected.*protocol ocpp1\.6/);
    assert.match(st.ctl('ocpp').stdout, /protocol ocpp1\.6  offered 1\.6/);
    csms.assertNoViolations();
  } finally {
    await st.stop();
    st.cleanup();
    await csms.close();
  }
});

// a back end that speaks none of the offered versions: the station does not
// talk to it and says why in the status (OCPP-J 1.6 / 2.0.1 part 4 3.1.2)
async function refusedBy(listen, what) {
  const { url, close } = await listen();
  const st = await startBorned({ connectors: 1, speed: 20, args: ['--csms', url], set: { 'station.id': 'cp-versions' } });
  try {
    const s = await st.waitFor((x) => x.station.ocpp?.last_error && x.station.ocpp.state !== 'connected', { what });
    assert.notEqual(s.station.ocpp.state, 'connected');
    return s.station.ocpp.last_error;
  } finally {
    await st.stop();
    st.cleanup();
    await close();
  }
}

test('a back end that answers without a subprotocol is not spoken to', async () => {
  const why = await refusedBy(async () => {
    const wss = new WebSocketServer({ port: 0, handleProtocols: () => false });
    await new Promise((r) => wss.once('listening', r));
    wss.on('connection', (ws) => ws.on('message', () => assert.fail('the station sent a frame')));
    return { url: `ws://127.0.0.1:${wss.address().port}/ocpp`, close: () => new Promise((r) => { for (const c of wss.clients) c.terminate(); wss.close(r); }) };
  }, 'refused: no subprotocol');
  assert.match(why, /agreed to none of the OCPP versions offered \(ocpp1\.6\)/);
});

test('a back end offering only OCPP 2.0.1 gets no 1.6 frames', async () => {
  let frames = 0;
  const why = await refusedBy(async () => {
    const server = new RPCServer({ protocols: ['ocpp2.0.1'], strictMode: true });
    server.on('client', (c) => {
      assert.equal(c.protocol, undefined, 'ocpp-rpc agreed to no version');
      c.on('message', (m) => { if (!m.outbound) frames++; });
    });
    const http = await server.listen(0);
    return { url: `ws://127.0.0.1:${http.address().port}/ocpp`, close: () => server.close({ force: true, awaitPending: false }) };
  }, 'refused: 2.0.1 only');
  assert.ok(why.length > 0);
  assert.equal(frames, 0);
});

async function charge(st, c = 1) {
  assert.equal(st.ctl('plug', String(c), '--ev-max-current', '6', '--phases', '1', '--battery-kwh', '6.6', '--soc', '95', '--target-soc', '100').code, 0);
  await st.waitFor((s) => ['Charging', 'SuspendedEV', 'Finishing'].includes(s.connectors[c - 1].status), { what: `connector ${c} charging` });
  assert.equal(st.ctl('unplug', String(c)).code, 0);
  await st.waitStatus(c, 'Available');
}

test('a list is offered in order and the station speaks the version the server picks', async () => {
  /* the server prefers 2.0.1 among what it speaks: the station offers 2.1 first */
  const csms = await startCsms({ protocol: 'ocpp2.0.1', protocols: ['ocpp2.0.1', 'ocpp1.6'], bootInterval: 60, tags: { FREECHARGING: 'Accepted' } });
  const st = await startBorned({
    connectors: 1, speed: 600, auth: 'free', args: ['--csms', csms.url],
    set: { 'station.id': 'cp-list', 'ocpp.version': '2.1,2.0.1,1.6', 'ocpp.MinimumStatusDuration': '0' },
  });
  try {
    const client = await csms.connected();
    assert.deepEqual([...csms.lastHandshake.protocols], ['ocpp2.1', 'ocpp2.0.1', 'ocpp1.6']);
    assert.equal(client.protocol, 'ocpp2.0.1');
    await csms.waitCall('BootNotification');
    await st.waitEvent('ocpp_version', { match: (e) => e.detail === '2.0.1' });
    const s = await st.waitFor((x) => x.station.ocpp?.state === 'connected', { what: 'ocpp connected' });
    assert.equal(s.station.ocpp.version, '2.0.1');
    assert.equal(s.station.ocpp.subprotocol, 'ocpp2.0.1');
    assert.equal(s.station.ocpp.offered, '2.1,2.0.1,1.6');
    const api = await st.ok('GET', '/api/v1/ocpp');
    assert.equal(api.connection.version, '2.0.1');
    await charge(st);
    const ended = await csms.waitCall('TransactionEvent', { match: (p) => p.eventType === 'Ended' });
    assert.ok(ended.params.transactionInfo.transactionId);
    assert.equal(csms.callsOf('StartTransaction').length, 0, 'no 1.6 frame on a 2.0.1 connection');
    csms.assertNoViolations();
  } finally {
    await st.stop();
    st.cleanup();
    await csms.close();
  }
});

test('a peer picking ocpp2.1 gets messages valid under the OCA 2.1 schemas', async () => {
  const csms = await startCsms({ protocol: 'ocpp2.1', bootInterval: 60, tags: { FREECHARGING: 'Accepted' } });
  const st = await startBorned({
    connectors: 1, speed: 600, auth: 'free', args: ['--csms', csms.url],
    set: { 'station.id': 'cp-21', 'ocpp.version': '2.1,1.6', 'ocpp.MinimumStatusDuration': '0' },
  });
  try {
    const client = await csms.connected();
    assert.equal(client.protocol, 'ocpp2.1');
    await csms.waitCall('BootNotification');
    await csms.waitCall('StatusNotification');
    const s = await st.waitFor((x) => x.station.ocpp?.registration === 'Accepted', { what: 'accepted' });
    assert.equal(s.station.ocpp.version, '2.1');
    assert.equal(s.station.ocpp.subprotocol, 'ocpp2.1');
    await charge(st);
    await csms.waitCall('TransactionEvent', { match: (p) => p.eventType === 'Ended' });
    /* a CSMS call answered under the 2.1 schemas too */
    const hb = await csms.call('TriggerMessage', { requestedMessage: 'Heartbeat' });
    assert.equal(hb.status, 'Accepted');
    await csms.waitCall('Heartbeat');
    assert.ok(csms.calls.every((c) => c.protocol === 'ocpp2.1'));
    csms.assertNoViolations();
  } finally {
    await st.stop();
    st.cleanup();
    await csms.close();
  }
});
