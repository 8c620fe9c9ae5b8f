// Operator commands that OCPP and the owner page use: unlock a socket,
// make a connector inoperative (scheduled while it charges), soft and hard
// reset (sessions end with the right reason and the daemon starts again).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startBorned } from './lib/borne.mjs';

const st = await startBorned({ connectors: 2, auth: 'free', speed: 50 });
after(async () => { await st.stop(); st.cleanup(); });

async function charging(c) {
  assert.equal(st.ctl('plug', String(c), '--ev-max-current', '16').code, 0);
  await st.waitFor((s) => s.connectors[c - 1].status === 'Charging', { what: `connector ${c} charging` });
}

async function sessionStop(after, c) {
  const e = await st.waitEvent('session_stop', { after, match: (x) => x.connector === c });
  return JSON.parse(e.detail);
}

test('unlock ends the session with UnlockCommand and releases the lock', async () => {
  await st.waitFor((s) => s.connectors.every((c) => c.status === 'Available'), { what: 'Available' });
  await charging(1);
  assert.equal((await st.connector(1)).locked, true);
  const from = await st.lastEventId();
  const r = await st.api('POST', '/api/v1/connectors/1/unlock', {});
  assert.equal(r.status, 200);
  assert.equal((await sessionStop(from, 1)).reason, 'UnlockCommand');
  const s = await st.waitFor((x) => x.connectors[0].locked === false, { what: 'unlocked' });
  assert.equal(s.connectors[0].contactor_closed, false);
  assert.equal(s.connectors[0].session, null, 'no new session on the same plug-in');
  assert.equal((await st.api('POST', '/api/v1/connectors/3/unlock', {})).status, 404);
  assert.equal(st.ctl('unplug', '1').code, 0);
  await st.waitStatus(1, 'Available');
});

test('inoperative while charging is scheduled until the session ends', async () => {
  await charging(2);
  const r = await st.ok('POST', '/api/v1/connectors/2/availability', { operative: false });
  assert.equal(r.result, 'scheduled');
  assert.equal((await st.connector(2)).status, 'Charging');
  assert.equal(st.ctl('unplug', '2').code, 0);
  const s = await st.waitStatus(2, 'Unavailable');
  assert.equal(s.connectors[1].operative, false);
  assert.equal(s.connectors[1].led.state, 'unavailable');
  /* a plug-in now starts nothing: the pilot is at -12 V (state F) */
  assert.equal(st.ctl('plug', '2').code, 0);
  const c2 = await st.connector(2);
  assert.equal(c2.session, null);
  assert.equal(c2.status, 'Unavailable');
  assert.equal(c2.pwm_duty_pct, 0);
  assert.equal((await st.ok('POST', '/api/v1/connectors/2/availability', { operative: true })).result, 'accepted');
  await st.waitStatus(2, 'Charging');
  const bad = await st.api('POST', '/api/v1/connectors/2/availability', { operative: 'no' });
  assert.equal(bad.status, 400);
  assert.match(bad.body.error, /operative/);
});

test('a soft reset ends sessions with SoftReset and the daemon starts again', async () => {
  const pid = st.proc.pid;
  const from = await st.lastEventId();
  const bad = await st.api('POST', '/api/v1/reset', { type: 'warm' });
  assert.equal(bad.status, 400);
  assert.equal((await st.ok('POST', '/api/v1/reset', { type: 'soft' })).result, 'accepted');
  const stop = await sessionStop(from, 2).catch(() => null);
  /* the event may be read from the restarted daemon (same database) */
  await st.waitReady(2);
  assert.equal(st.proc.pid, pid, 're-executed in place');
  assert.equal(st.proc.exitCode, null);
  const s = await st.waitFor((x) => x.station.selftest_done, { what: 'self-test after restart' });
  assert.ok(s.station.uptime_s < 60);
  const sessions = st.ctlJson('sessions').sessions;
  const last = sessions.find((x) => x.connector === 2 && x.stop_reason === 'SoftReset');
  assert.ok(last || (stop && stop.reason === 'SoftReset'), JSON.stringify(sessions));
  assert.ok(sessions.every((x) => x.stop), 'no session left open');
});
