// The hotel of seed 002: one station, two points, the hotel's room badges.
// Two cars charge at once; the history knows who charged what.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startBorned } from './lib/borne.mjs';

// A badge tapped before plugging waits auth.timeout_s of simulated time: at
// x200 the default 60 s is 0.3 s of real time, less than a loaded CI machine
// may take between the tap and the plug, so the test gives it the maximum.
const st = await startBorned({ connectors: 2, auth: 'badge', speed: 200, set: { 'auth.timeout_s': '600' } });
after(async () => { await st.stop(); st.cleanup(); });

test('badges are managed with bornectl', () => {
  assert.equal(st.ctl('badges', 'add', '04A1B2C3', '--user', 'Room 12').code, 0);
  assert.equal(st.ctl('badges', 'add', '04:d4:e5:f6', '--user', 'Room 14').code, 0);
  const list = st.ctlJson('badges', 'list').badges;
  assert.deepEqual(list.map((b) => [b.uid, b.user, b.enabled]).sort(),
    [['04A1B2C3', 'Room 12', true], ['04D4E5F6', 'Room 14', true]]);
  const users = st.ctlJson('users', 'list').users.map((u) => u.name).sort();
  assert.deepEqual(users, ['Room 12', 'Room 14']);
});

test('both connectors are Available after the self-test', async () => {
  const s = await st.waitFor((x) => x.connectors.every((c) => c.status === 'Available'), { what: 'Available' });
  for (const c of s.connectors) {
    assert.equal(c.cp_state, 'A');
    assert.equal(c.contactor_closed, false);
    assert.equal(c.session, null);
    assert.equal(c.error, null);
    assert.equal(c.led.colour, 'green');
  }
  assert.equal(s.station.mode, 'sim');
  assert.equal(s.station.auth_mode, 'badge');
  assert.equal(s.station.grid_type, 'TN');
});

test('plugging without a badge waits for authorization, contactor open', async () => {
  assert.equal(st.ctl('plug', '1', '--ev-max-current', '16', '--phases', '3', '--battery-kwh', '40', '--soc', '30', '--target-soc', '90').code, 0);
  const s = await st.waitStatus(1, 'Preparing');
  const c = s.connectors[0];
  assert.equal(c.cp_state, 'B');
  assert.equal(c.contactor_closed, false);
  assert.equal(c.pwm_duty_pct, 100);
  assert.equal(c.session, null);
});

test('a room badge starts charging at min(offered, EV max)', async () => {
  assert.equal(st.ctl('tap', '04A1B2C3').code, 0);
  const s = await st.waitFor((x) => x.connectors[0].status === 'Charging' && x.connectors[0].power_w > 0 &&
    x.connectors[0].led.colour === 'blue', { what: 'charging with power, LED blue once the accepted-badge flash is over' });
  const c = s.connectors[0];
  assert.equal(c.contactor_closed, true);
  assert.equal(c.locked, true);
  assert.equal(c.cp_state, 'C');
  assert.equal(c.offered_a, 32);
  assert.ok(['cable', 'selector', 'installation'].includes(c.limited_by), c.limited_by);
  assert.ok(Math.abs(c.pwm_duty_pct - 53.3) < 0.05, `duty ${c.pwm_duty_pct}`);
  assert.deepEqual(c.current_a.map(Math.round), [16, 16, 16]);
  assert.ok(Math.abs(c.power_w - 16 * 230 * 3) < 1, `power ${c.power_w}`);
  assert.equal(c.session.badge, '04A1B2C3');
  assert.equal(c.session.user, 'Room 12');
  assert.equal(c.led.colour, 'blue');
});

test('badge tapped before plugging goes to the next car plugged', async () => {
  assert.equal(st.ctl('tap', '04D4E5F6').code, 0);
  await st.waitEvent('auth_accepted', { match: (e) => e.detail.includes('04D4E5F6') });
  assert.equal(st.ctl('plug', '2', '--ev-max-current', '32', '--phases', '1').code, 0);
  const s = await st.waitFor((x) => x.connectors[1].status === 'Charging' && x.connectors[1].power_w > 0, { what: 'connector 2 charging' });
  assert.equal(s.connectors[1].session.user, 'Room 14');
  assert.deepEqual(s.connectors[1].current_a.map(Math.round), [32, 0, 0]);
  assert.equal(s.connectors[0].status, 'Charging', 'both cars charge at once');
});

test('energy accumulates on both points and tapping the same badge stops its session', async () => {
  const before = await st.status();
  await st.waitFor((x) => x.connectors[0].session.energy_wh > before.connectors[0].session.energy_wh + 100 &&
    x.connectors[1].session.energy_wh > before.connectors[1].session.energy_wh + 100, { what: 'energy growing' });
  // the same card, read with another spelling of its UID, stops its session
  assert.equal((await st.api('POST', '/api/v1/sim/tap', { uid: '04:a1:b2:c3' })).status, 200);
  const s = await st.waitStatus(1, 'Finishing');
  assert.equal(s.connectors[0].contactor_closed, false);
  assert.equal(s.connectors[0].session, null);
  assert.equal(s.connectors[1].status, 'Charging', 'the other point is not affected');
  assert.equal(st.ctl('unplug', '1').code, 0);
  await st.waitStatus(1, 'Available');
});

test('unplugging the second car ends its session with EVDisconnected', async () => {
  assert.equal(st.ctl('unplug', '2').code, 0);
  await st.waitStatus(2, 'Available');
});

test('the history is right, per user and badge, in JSON and CSV', async () => {
  const sessions = st.ctlJson('sessions').sessions;
  assert.equal(sessions.length, 2);
  const byUser = Object.fromEntries(sessions.map((s) => [s.user, s]));
  assert.equal(byUser['Room 12'].connector, 1);
  assert.equal(byUser['Room 12'].badge, '04A1B2C3');
  assert.equal(byUser['Room 12'].stop_reason, 'Local');
  assert.equal(byUser['Room 14'].connector, 2);
  assert.equal(byUser['Room 14'].stop_reason, 'EVDisconnected');
  for (const s of sessions) {
    assert.equal(s.active, false);
    assert.ok(s.energy_wh > 100, `energy ${s.energy_wh}`);
    assert.ok(Math.abs(s.meter_stop_wh - s.meter_start_wh - s.energy_wh) < 0.01);
    assert.ok(Date.parse(s.stop) > Date.parse(s.start));
  }
  const room12 = st.ctlJson('sessions', '--user', 'Room 12').sessions;
  assert.deepEqual(room12.map((s) => s.id), [byUser['Room 12'].id]);
  const byBadge = st.ctlJson('sessions', '--badge', '04D4E5F6').sessions;
  assert.deepEqual(byBadge.map((s) => s.id), [byUser['Room 14'].id]);
  const csv = await st.api('GET', '/api/v1/sessions?format=csv');
  assert.equal(csv.status, 200);
  assert.match(csv.headers.get('content-type'), /text\/csv/);
  const lines = csv.body.trim().split('\n');
  assert.equal(lines[0], 'id,connector,badge,user,start,stop,meter_start_wh,meter_stop_wh,energy_wh,stop_reason,active,cost,currency,start_local,stop_local,energy_offpeak_wh');
  assert.equal(lines.length, 3);
  const row12 = lines.find((l) => l.includes('Room 12')).split(',');
  assert.equal(Number(row12[0]), byUser['Room 12'].id);
  assert.ok(Math.abs(Number(row12[8]) - byUser['Room 12'].energy_wh) < 0.1);
});

test('the lifetime register only grows and equals the sum of the sessions', async () => {
  const s = await st.status();
  const sessions = st.ctlJson('sessions').sessions;
  for (const c of s.connectors) {
    const mine = sessions.filter((x) => x.connector === c.id);
    const total = mine.reduce((a, x) => a + x.energy_wh, 0);
    assert.ok(Math.abs(c.energy_wh - total) < 1, `connector ${c.id}: register ${c.energy_wh} vs sessions ${total}`);
  }
});
