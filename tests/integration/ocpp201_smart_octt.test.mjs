// OCPP 2.0.1 K08 GetCompositeSchedule as the OCA's test cases check it (Part 6, TC_K_39_CS,
// TC_K_40_CS and TC_K_41_CS as the errata 2025-04 word their tool validations) against a strict
// CSMS (npm ocpp-rpc strict; BORNE_OCPP_PEER=ocpp-ws-io: the second strict CSMS,
// ocpp201_smart_octt_ws_io.test.mjs): the composite schedule of a known EVSE is Accepted even
// with no profile installed, starts when it is asked for and lasts the duration asked; where no
// profile applies — before a startSchedule or a validFrom, after the profiles end — the EVSE's own
// maximum (its current selector; for EVSE 0 all of them together) stands.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ocpp201Rig } from './lib/ocpp201.mjs';

// the station's clock is the wall clock (simulation speed 1): the schedules are compared with it
const rig = ocpp201Rig('cp-koctt', { peer: { tags: { GOOD1: 'Accepted' } }, speed: 1 });
let csms, st;
before(async () => ({ csms, st } = await rig.up()));
after(() => rig.down(st, csms));

const DEV = 5; // <Configured max time deviation>, seconds
const iso = (ms) => new Date(ms).toISOString();
const profile = (id, purpose, stackLevel, start, duration, periods, extra = {}) => ({
  id, stackLevel, chargingProfilePurpose: purpose, chargingProfileKind: 'Absolute', ...extra,
  chargingSchedule: [{ id: 1, startSchedule: iso(start), duration, chargingRateUnit: 'A',
    chargingSchedulePeriod: periods.map(([startPeriod, limit]) => ({ startPeriod, limit, numberPhases: 3 })) }],
});
const composite = async (evseId, duration) => {
  const sent = Date.now();
  const r = await csms.call('GetCompositeSchedule', { evseId, duration, chargingRateUnit: 'A' });
  assert.equal(r.status, 'Accepted', JSON.stringify(r));
  assert.equal(r.schedule.evseId, evseId);
  assert.equal(r.schedule.duration, duration);
  assert.equal(r.schedule.chargingRateUnit, 'A');
  const start = Date.parse(r.schedule.scheduleStart);
  assert.ok(Math.abs(start - sent) <= DEV * 1000, `scheduleStart ${r.schedule.scheduleStart}, asked at ${iso(sent)}`);
  assert.equal(r.schedule.chargingSchedulePeriod[0].startPeriod, 0);
  return { start, periods: r.schedule.chargingSchedulePeriod.map((p) => [p.startPeriod, p.limit]) };
};
/** The periods, their startPeriod within a second of the one expected. */
const near = (got, want) => {
  assert.equal(got.length, want.length, `${JSON.stringify(got)} for ${JSON.stringify(want)}`);
  got.forEach(([s, l], i) => {
    assert.equal(l, want[i][1], `limit of period ${i}: ${JSON.stringify(got)}`);
    assert.ok(Math.abs(s - want[i][0]) <= 1, `startPeriod of period ${i}: ${JSON.stringify(got)} for ${JSON.stringify(want)}`);
  });
};
const clearAll = async () => { await csms.call('ClearChargingProfile', {}); };

test('K08 / TC_K_39_CS: no profile installed: Accepted for EVSE 0 and EVSE 1 (the own maximum), Rejected for an EVSE the station lacks', async () => {
  await clearAll();
  const own1 = (await st.connector(1)).offered_a;
  const grid = await composite(0, 300);
  assert.deepEqual(grid.periods.map(([, l]) => l), [2 * own1], 'the grid connection: both EVSEs at their maximum');
  const evse = await composite(1, 300);
  assert.deepEqual(evse.periods, [[0, own1]]);
  const unknown = await csms.call('GetCompositeSchedule', { evseId: 9, duration: 300 });
  assert.equal(unknown.status, 'Rejected');
  csms.assertNoViolations();
});

test('K08 / TC_K_40_CS: two TxDefaultProfiles of one startSchedule stacked: the higher stack level while it lasts, then the lower', async () => {
  await clearAll();
  const t0 = Date.now() - DEV * 1000; // <startScheduleTime>
  const valid = { validFrom: iso(Date.now() - DEV * 1000), validTo: iso(Date.now() + (DEV + 401) * 1000) };
  assert.equal((await csms.call('SetChargingProfile', { evseId: 1, chargingProfile: profile(401, 'TxDefaultProfile', 0, t0, 400 + DEV, [[0, 6], [100, 8], [200, 10]], valid) })).status, 'Accepted');
  assert.equal((await csms.call('SetChargingProfile', { evseId: 1, chargingProfile: profile(402, 'TxDefaultProfile', 1, t0, 150 + DEV, [[0, 7], [100, 9]], valid) })).status, 'Accepted');
  const c = await composite(1, 350);
  const x = (c.start - t0) / 1000;
  near(c.periods, [[0, 7], [100 - x, 9], [150 + DEV - x, 8], [200 - x, 10]]);
  csms.assertNoViolations();
});

test('K08 / TC_K_41_CS (without its TxProfile): the ChargingStationMaxProfile caps the TxDefaultProfile and stands once it ended; a validFrom to come: the maximum until then', async () => {
  await clearAll();
  const t0 = Date.now() - DEV * 1000;
  assert.equal((await csms.call('SetChargingProfile', { evseId: 0, chargingProfile: profile(411, 'ChargingStationMaxProfile', 0, t0, 86400, [[0, 10]]) })).status, 'Accepted');
  assert.equal((await csms.call('SetChargingProfile', { evseId: 1, chargingProfile: profile(412, 'TxDefaultProfile', 0, t0, 300, [[0, 6], [60, 10], [120, 8], [180, 15], [260, 8]]) })).status, 'Accepted');
  let c = await composite(1, 400);
  let x = (c.start - t0) / 1000;
  near(c.periods, [[0, 6], [60 - x, 10], [120 - x, 8], [180 - x, 10], [260 - x, 8], [300 - x, 10]]);
  // TC_K_21_CS's profile: valid 300 s from now on; the maximum (here the station's 10 A) until then
  await clearAll();
  const own1 = (await st.connector(1)).offered_a;
  const from = Date.now();
  assert.equal((await csms.call('SetChargingProfile', { evseId: 1, chargingProfile: {
    id: 413, stackLevel: 0, chargingProfilePurpose: 'TxDefaultProfile', chargingProfileKind: 'Relative', validFrom: iso(from + 300e3),
    chargingSchedule: [{ id: 1, chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 6 }] }] } })).status, 'Accepted');
  c = await composite(1, 400);
  x = (c.start - from) / 1000;
  near(c.periods, [[0, own1], [300 - x, 6]]);
  await clearAll();
  csms.assertNoViolations();
});
