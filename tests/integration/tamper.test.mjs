// The cover/tamper switch (issue 20, seed 001) end to end on the simulator
// against the strict OCPP 1.6 back end: POST /api/v1/sim/tamper opens the
// simulated cover; borned sends the critical security event
// TamperDetectionActivated, shows the alarm in the status and the event log,
// takes every connector out of service (Faulted, error 1001, no session)
// until an operator acknowledges it with the cover closed, and keeps that
// across a restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startBorned, tempDataDir } from './lib/borne.mjs';
import { Csms } from './lib/csms.mjs';

const SET = { 'station.id': 'cp-tamper', 'ocpp.MinimumStatusDuration': '0', 'ocpp.reconnect_max_s': '2', 'tamper.enabled': 'true' };

async function online(st) {
  return st.waitFor((s) => s.station.ocpp.state === 'connected' && s.station.ocpp.registration === 'Accepted', { what: 'online', timeoutMs: 30000 });
}

test('tamper: security event, out of service until acknowledged with the cover closed, kept across a restart', async () => {
  let csms = await new Csms({ tags: { GOOD1: 'Accepted', FREECHARGING: 'Accepted' } }).listen();
  const port = csms.port;
  const dataDir = tempDataDir();
  let st = await startBorned({ dataDir, connectors: 2, auth: 'free', args: ['--csms', csms.url], set: SET });
  try {
    await online(st);
    let s = await st.waitFor((x) => x.station.tamper?.open === false && x.connectors.every((c) => c.status === 'Available'), { what: 'cover closed at start' });
    assert.equal(s.station.tamper.out_of_service, false);
    assert.equal(s.station.tamper.alarms, 0);

    // a session runs, then the cover opens
    assert.equal(st.ctl('plug', '1').code, 0);
    await st.waitStatus(1, 'Charging');
    let from = csms.calls.length;
    let after = await st.lastEventId();
    assert.deepEqual(await st.ok('POST', '/api/v1/sim/tamper', { open: true }), { open: true });
    const sec = await csms.waitCall('SecurityEventNotification', { from, match: (p) => p.type === 'TamperDetectionActivated', timeoutMs: 30000 });
    assert.match(sec.params.techInfo, /cover was opened/);
    await csms.waitCall('StopTransaction', { from, timeoutMs: 30000 });
    for (const c of [1, 2]) {
      const n = await csms.waitCall('StatusNotification', { from, match: (p) => p.connectorId === c && p.status === 'Faulted', timeoutMs: 30000 });
      assert.equal(n.params.errorCode, 'OtherError');
      assert.equal(n.params.vendorErrorCode, 'borne.Tamper');
    }
    await st.waitEvent('tamper', { after, match: (e) => /cover opened: out of service until acknowledged/.test(e.detail) });
    await st.waitEvent('security', { after, match: (e) => /^TamperDetectionActivated/.test(e.detail) });
    s = await st.status();
    assert.equal(s.station.tamper.open, true);
    assert.equal(s.station.tamper.out_of_service, true);
    assert.equal(s.station.tamper.alarms, 1);
    assert.ok(s.station.tamper.last_alarm);
    assert.ok(s.connectors.every((c) => c.status === 'Faulted' && c.error?.code === 1001), JSON.stringify(s.connectors.map((c) => c.error)));
    // the page's error log: the fault now with its action, and the alarm in the log
    const errs = await st.ok('GET', '/api/v1/errors?limit=50');
    assert.deepEqual(errs.current.map((f) => [f.connector, f.code, f.vendor_code]), [[1, 1001, 'borne.Tamper'], [2, 1001, 'borne.Tamper']]);
    assert.match(errs.current[0].action, /bornectl tamper ack/);
    assert.ok(errs.log.some((e) => e.kind === 'tamper' && /cover opened/.test(e.detail)), JSON.stringify(errs.log));

    // no new session, an acknowledgement while open is refused, an operator's fault clear changes nothing
    assert.equal((await st.api('POST', '/api/v1/connectors/2/start', { uid: 'GOOD1' })).status >= 400, true);
    const early = await st.api('POST', '/api/v1/tamper/ack');
    assert.equal(early.status, 409);
    assert.match(early.body.error, /still open/);
    assert.ok(!csms.calls.slice(from).some((c) => c.action === 'SecurityEventNotification' && c.params?.type === 'TamperAlarmAcknowledged'), 'no acknowledgement while open');
    assert.equal(st.ctl('tamper', 'ack').code, 1);
    assert.equal(st.ctl('fault', '1', 'clear').code, 0);
    assert.equal((await st.connector(1)).status, 'Faulted');

    // closed: still out of service (and after a restart) until acknowledged
    assert.equal(st.ctl('tamper', 'close').code, 0);
    await st.waitFor((x) => x.station.tamper.open === false, { what: 'cover closed' });
    assert.equal((await st.connector(2)).status, 'Faulted');
    await st.stop();
    csms.close && await csms.close();
    csms = await new Csms({ tags: { GOOD1: 'Accepted', FREECHARGING: 'Accepted' } }).listen(port);
    st = await startBorned({ dataDir, connectors: 2, auth: 'free', args: ['--csms', csms.url], set: SET });
    await online(st);
    s = await st.waitFor((x) => x.station.tamper?.open === false, { what: 'restarted' });
    assert.equal(s.station.tamper.out_of_service, true);
    await st.waitFor((x) => x.connectors.every((c) => c.status === 'Faulted'), { what: 'still out of service after the restart' });

    from = csms.calls.length;
    after = await st.lastEventId();
    const ack = st.ctl('tamper', 'ack');
    assert.equal(ack.code, 0, ack.stderr);
    for (const c of [1, 2])
      await csms.waitCall('StatusNotification', { from, match: (p) => p.connectorId === c && p.status !== 'Faulted' && p.errorCode === 'NoError', timeoutMs: 30000 });
    await st.waitEvent('tamper', { after, match: (e) => /alarm acknowledged.*back in service/.test(e.detail) });
    // the back end learns that the alarm was lifted, with the cover closed
    const acked = await csms.waitCall('SecurityEventNotification', { from, match: (p) => p.type === 'TamperAlarmAcknowledged', timeoutMs: 30000 });
    assert.match(acked.params.techInfo, /cover closed, acknowledged/);
    await st.waitEvent('security', { after, match: (e) => /^TamperAlarmAcknowledged/.test(e.detail) });
    s = await st.waitFor((x) => x.connectors[1].status === 'Available', { what: 'back in service' });
    assert.equal(s.station.tamper.out_of_service, false);
    assert.equal((await st.api('POST', '/api/v1/tamper/ack')).status, 409, 'nothing left to acknowledge');
    // a session starts again
    assert.equal(st.ctl('plug', '2').code, 0);
    await st.waitStatus(2, 'Charging');
    csms.assertNoViolations();
  } finally {
    await st.stop(); st.cleanup(); await csms.close();
  }
});

test('tamper.out_of_service = false: the alarm is reported, charging goes on; bad bodies are refused', async () => {
  const st = await startBorned({ connectors: 1, auth: 'free', set: { 'tamper.enabled': 'true', 'tamper.out_of_service': 'false' } });
  try {
    assert.equal(st.ctl('plug', '1').code, 0);
    await st.waitStatus(1, 'Charging');
    const after = await st.lastEventId();
    assert.equal(st.ctl('tamper', 'open').code, 0);
    const ev = await st.waitEvent('tamper', { after, match: (e) => /cover opened/.test(e.detail) });
    assert.doesNotMatch(ev.detail, /out of service/);
    await st.waitEvent('security', { after, match: (e) => /^TamperDetectionActivated/.test(e.detail) });
    const s = await st.status();
    assert.equal(s.station.tamper.open, true);
    assert.equal(s.station.tamper.out_of_service, false);
    assert.equal(s.connectors[0].status, 'Charging');
    assert.equal((await st.api('POST', '/api/v1/sim/tamper', { open: 'yes' })).status, 400);
    assert.equal((await st.api('POST', '/api/v1/sim/tamper', { closed: true })).status, 400);
    assert.equal(st.ctl('tamper', 'maybe').code, 2);
  } finally { await st.stop(); st.cleanup(); }
});

test('without tamper.enabled there is no tamper input, status member nor route', async () => {
  const st = await startBorned({ connectors: 1 });
  try {
    assert.equal((await st.status()).station.tamper, undefined);
    assert.equal((await st.api('POST', '/api/v1/tamper/ack')).status, 404);
  } finally { await st.stop(); st.cleanup(); }
});
