// The site's supply described as an installer finds it: a subscription in
// kVA (site.limit_kva) rather than amps, on top of or instead of the
// breaker per phase (site.limit_a), and a single-phase supply
// (site.phases = 1). No grid input here: the limit is borne's alone, so the
// expected shares follow from the settings. Changed at run time through
// PUT /api/v1/settings, as the installer's page does.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startBorned } from './lib/borne.mjs';

const st = await startBorned({
  connectors: 2,
  auth: 'free',
  speed: 5,
  set: {
    'site.limit_kva': 12,
    'site.voltage_v': 230,
    'site.margin_a': 1,
    'energy.min_on_s': 0,
    'energy.min_off_s': 0,
    'energy.hysteresis_s': 0,
  },
});
after(async () => { await st.stop(); st.cleanup(); });

const near = (a, b, tol = 0.01) => Math.abs(a - b) <= tol;
/* Offers are 0.1 A steps rounded down; increases smaller than 1 A are not made. */
const about = (a, share) => a <= share + 1e-9 && a > share - 1;

test('12 kVA without a breaker rating: each phase gets a third, less the margin', async () => {
  assert.equal(st.ctl('plug', '1', '--ev-max-current', '32', '--phases', '3').code, 0);
  // 12000 VA / 230 V = 52.17 A in all, 17.39 A per phase; 16.39 A after the margin
  const s = await st.waitFor((x) => x.connectors[0].status === 'Charging' && about(x.connectors[0].offered_a, 16.3),
    { what: 'connector 1 at 16.3 A', timeoutMs: 60000 });
  const site = s.station.site;
  assert.equal(site.load_management, true);
  assert.equal(site.limit_kva, 12);
  assert.equal(site.phases, 3);
  assert.ok(near(site.limit_a, 17.39), `limit_a ${site.limit_a}`);
  assert.ok(near(site.available_total_a, 52.17 - 3), `available_total_a ${site.available_total_a}`);
  assert.equal(s.connectors[0].limited_by, 'load_management');
});

test('with 32 A breakers the total binds: a 1-phase car and a 3-phase car share it evenly', async () => {
  await st.ok('PUT', '/api/v1/settings', { 'site.limit_a': 32 });
  assert.equal(st.ctl('plug', '2', '--ev-max-current', '32', '--phases', '1').code, 0);
  // per phase 32 - 1 = 31 A; in all 52.17 - 3 = 49.17 A = 3x + x: 12.29 A each
  const s = await st.waitFor((x) => x.connectors.every((c) => c.status === 'Charging' && about(c.offered_a, 12.2)),
    { what: 'both at 12.2 A', timeoutMs: 60000 });
  const site = s.station.site;
  assert.equal(site.limit_a, 32);
  // the 1-phase car on a 3-phase connector is counted on the phase it draws from
  assert.deepEqual(s.connectors.map((c) => c.allocation.phases), [3, 1]);
  const total = 3 * s.connectors[0].offered_a + s.connectors[1].offered_a;
  assert.ok(total <= 52.17 - 3 + 1e-9, `total ${total}`);
  assert.ok(total > 45, `the total is used: ${total}`);
});

test('a single-phase supply: both cars draw from L1 and share what 9 kVA leaves', async () => {
  await st.ok('PUT', '/api/v1/settings', { 'site.phases': 1, 'site.limit_kva': 9 });
  // L1 only: min(32, 9000 / 230 = 39.13) - 1 = 31 A for two cars
  const s = await st.waitFor((x) => x.connectors.every((c) => c.status === 'Charging' && about(c.offered_a, 15.5)),
    { what: 'both at 15.5 A', timeoutMs: 60000 });
  const site = s.station.site;
  assert.equal(site.phases, 1);
  assert.deepEqual(site.available_a.slice(1), [0, 0]);
  assert.ok(near(site.allocated_a[0], s.connectors[0].offered_a + s.connectors[1].offered_a));
  const r = await st.api('PUT', '/api/v1/settings', { 'site.phases': 2 });
  assert.equal(r.status, 400);
  assert.match(r.body.error, /site\.phases/);
});

test('a 16 A charging circuit caps borne per phase below the site limits', async () => {
  // back to three phases and 12 kVA with 32 A breakers (both cars at 12.2 A, as above), then a
  // 16 A breaker on the circuit feeding the charge points: 16 - 1 = 15 A per phase, and the
  // 1-phase car shares L1 with the 3-phase car: 7.5 A each
  await st.ok('PUT', '/api/v1/settings', { 'site.phases': 3, 'site.limit_kva': 12, 'site.circuit_limit_a': 16 });
  const s = await st.waitFor((x) => x.station.site.circuit_limit_a === 16
    && x.connectors.every((c) => c.status === 'Charging' && about(c.offered_a, 7.5)),
  { what: 'both at 7.5 A', timeoutMs: 60000 });
  const site = s.station.site;
  assert.equal(site.limit_a, 32);
  assert.deepEqual(site.available_a, [15, 15, 15]);
  assert.ok(near(site.available_total_a, 52.17 - 3), `the total does not bind: ${site.available_total_a}`);
  assert.ok(s.connectors[0].offered_a + s.connectors[1].offered_a <= 15 + 1e-9, 'L1 within the circuit');
  assert.ok(s.connectors.every((c) => c.limited_by === 'load_management'));
  // a larger circuit breaker: the kVA total binds again
  await st.ok('PUT', '/api/v1/settings', { 'site.circuit_limit_a': 63 });
  await st.waitFor((x) => x.connectors.every((c) => about(c.offered_a, 12.2)), { what: 'both at 12.2 A again', timeoutMs: 60000 });
});

test('a phase that exports (solar) is not counted as load: its current takes the sign of its power', async () => {
  await st.ok('PUT', '/api/v1/settings', { 'site.phases': 3, 'grid.source': 'api' });
  await st.ok('POST', '/api/v1/grid', { current_a: [10, 4, 4], power_w: [-2300, 920, 920] });
  const s = await st.waitFor((x) => x.station.site.source === 'api' && x.station.site.building_a?.[0] < 0,
    { what: 'L1 counted as export' });
  assert.deepEqual(s.station.site.building_a, [-10, 4, 4]);
  assert.equal(s.station.site.failsafe, false);
});
