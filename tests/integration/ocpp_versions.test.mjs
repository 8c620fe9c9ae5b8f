// `ocpp.version` (issue 16): the versions offered to the back end as
// WebSocket subprotocols, in order of preference, and the one the server
// picked shown in the status. A version borne has no behaviour for yet
// (2.1) is refused at start with one clear line, never offered to a back end
// that could pick it; so is a list of several (one dialect runs per start, the
// 2.0.1 one is tested in ocpp201.test.mjs).
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

test('bad version lists and versions not spoken yet are refused with the reason', () => {
  assert.match(failing(['--set', 'ocpp.version=2.1']), /ocpp\.version.*2\.1 is not implemented yet \(issue 16\)/);
  assert.match(failing(['--set', 'ocpp.version=2.1,1.6']), /ocpp\.version.*2\.1 is not implemented yet/);
  assert.match(failing(['--set', 'ocpp.version=2.0.1,1.6']), /ocpp\.version.*a list of OCPP versions is not done yet \(issue 16\)/);
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
