// OCPP 2.0.1 smart charging, what issue 16 added to block K, against a strict
// CSMS (npm ocpp-rpc strict; BORNE_OCPP_PEER=ocpp-ws-io: the second strict
// CSMS, ocpp201_smart_ext_ws_io.test.mjs): a TransactionEvent Updated
// ChargingRateChanged when the CSMS's own profile moves the rate of a running
// transaction by LimitChangeSignificance or more, none for a smaller move
// (K01.FR.61); borne's load management told as a grid-critical external
// limit (NotifyChargingLimit isGridCritical) and reported as a
// ChargingStationExternalConstraints profile (GetChargingProfiles with
// chargingLimitSource EMS; CSO leaves it out), the composite schedule taking
// it into account (K08), a SetChargingProfile of that purpose refused
// (K01.FR.22); the station-wide limit — load management's budget for every
// EVSE together, what the site's connection leaves — as EVSE 0's external
// constraint: NotifyChargingLimit without evseId (2.0.1: "evseId must be >
// 0"), a ChargingStationExternalConstraints profile reported for evseId 0
// (GetChargingProfiles evseId 0, or chargingLimitSource EMS alone), and
// GetCompositeSchedule evseId 0 (the grid connection) under it; isGridCritical
// from what binds load management: false while only site.circuit_limit_a
// (borne's own circuit) does, true once the site's subscription does too (told
// again at the same value), the way back not told alone but with the next value.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ocpp201Rig, reportPages } from './lib/ocpp201.mjs';

const rig = ocpp201Rig('cp-kx', { peer: { tags: { GOOD1: 'Accepted' } } });
let csms, st;
before(async () => ({ csms, st } = await rig.up()));
after(() => rig.down(st, csms));

const txProfile = (txId, limit) => ({
  id: 30, stackLevel: 1, chargingProfilePurpose: 'TxProfile', chargingProfileKind: 'Relative', transactionId: txId,
  chargingSchedule: [{ id: 1, chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit }] }],
});
const rateChanges = (from, to = csms.calls.length) => csms.calls.slice(from, to)
  .filter((c) => c.action === 'TransactionEvent' && c.params.triggerReason === 'ChargingRateChanged');
let txId;

test('K01.FR.61: a profile lowering the rate of a running transaction: one ChargingRateChanged; a move below LimitChangeSignificance none', async () => {
  assert.equal(st.ctl('plug', '1', '--ev-max-current', '32').code, 0);
  await st.waitStatus(1, 'Preparing');
  const from = csms.calls.length;
  assert.equal((await csms.call('RequestStartTransaction', { evseId: 1, remoteStartId: 5, idToken: { idToken: 'GOOD1', type: 'Central' } })).status, 'Accepted');
  const started = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Started' });
  txId = started.params.transactionInfo.transactionId;
  await st.waitStatus(1, 'Charging');
  const base = (await st.connector(1)).offered_a;
  assert.ok(base > 11, `offered before: ${base}`);
  // 10 A: more than 10 % below: told once
  const set = csms.calls.length;
  assert.equal((await csms.call('SetChargingProfile', { evseId: 1, chargingProfile: txProfile(txId, 10) })).status, 'Accepted');
  await st.waitFor((x) => x.connectors[0].offered_a === 10, { what: 'offered 10 A' });
  const told = await csms.waitCall('TransactionEvent', { from: set, match: (p) => p.triggerReason === 'ChargingRateChanged' });
  assert.equal(told.params.eventType, 'Updated');
  assert.equal(told.params.transactionInfo.transactionId, txId);
  // 9.5 A: 5 % of the 10 A told, not told; then 8 A: 20 % of the 10 A told, told
  const small = csms.calls.length;
  assert.equal((await csms.call('SetChargingProfile', { evseId: 1, chargingProfile: txProfile(txId, 9.5) })).status, 'Accepted');
  await st.waitFor((x) => x.connectors[0].offered_a === 9.5, { what: 'offered 9.5 A' });
  assert.equal(rateChanges(set, small).length, 1);
  const big = csms.calls.length;
  assert.equal((await csms.call('SetChargingProfile', { evseId: 1, chargingProfile: txProfile(txId, 8) })).status, 'Accepted');
  await st.waitFor((x) => x.connectors[0].offered_a === 8, { what: 'offered 8 A' });
  await csms.waitCall('TransactionEvent', { from: big, match: (p) => p.triggerReason === 'ChargingRateChanged' });
  // the meter readings and ticks between 9.5 A and 8 A told nothing
  assert.equal(rateChanges(small).length, 1, 'only the 8 A move is told after the 9.5 A one');
  csms.assertNoViolations();
});

test('load management: NotifyChargingLimit isGridCritical, a ChargingStationExternalConstraints profile (K09, EMS), the composite schedule under it (K08)', async () => {
  const from = csms.calls.length;
  // 5 kVA on 3 phases: about 7.2 A a phase, below the transaction's 8 A TxProfile
  await st.ok('PUT', '/api/v1/settings', { 'site.limit_kva': 5, 'site.margin_a': 0 });
  await st.waitFor((x) => x.connectors[0].limited_by === 'load_management' && x.connectors[0].offered_a > 0, { what: 'shared by load management' });
  const n = await csms.waitCall('NotifyChargingLimit', { from, match: (p) => p.evseId === 1 });
  assert.equal(n.params.chargingLimit.chargingLimitSource, 'EMS');
  assert.equal(n.params.chargingLimit.isGridCritical, true, 'the site\'s grid connection is grid critical');
  // GetChargingProfiles EMS: borne's own limit as a ChargingStationExternalConstraints profile
  const rf = csms.calls.length;
  assert.equal((await csms.call('GetChargingProfiles', { requestId: 41, evseId: 1, chargingProfile: { chargingLimitSource: ['EMS'] } })).status, 'Accepted');
  const pages = await reportPages(csms, 'ReportChargingProfiles', 41, rf);
  assert.equal(pages.length, 1);
  assert.equal(pages[0].evseId, 1);
  assert.equal(pages[0].chargingLimitSource, 'EMS');
  const ext = pages[0].chargingProfile[0];
  assert.equal(ext.chargingProfilePurpose, 'ChargingStationExternalConstraints');
  assert.equal(ext.id, -101);
  const extLimit = ext.chargingSchedule[0].chargingSchedulePeriod[0].limit;
  assert.ok(extLimit < 8, `external limit ${extLimit}`);
  // CSO: the CSMS's own TxProfile only
  const cf = csms.calls.length;
  assert.equal((await csms.call('GetChargingProfiles', { requestId: 42, evseId: 1, chargingProfile: { chargingLimitSource: ['CSO'] } })).status, 'Accepted');
  const cso = await reportPages(csms, 'ReportChargingProfiles', 42, cf);
  assert.deepEqual(cso.map((p) => p.chargingLimitSource), ['CSO']);
  assert.deepEqual(cso[0].chargingProfile.map((p) => p.id), [30]);
  // the composite schedule: the TxProfile's 8 A capped by the external limit
  const cs = await csms.call('GetCompositeSchedule', { evseId: 1, duration: 300, chargingRateUnit: 'A' });
  assert.equal(cs.status, 'Accepted');
  for (const p of cs.schedule.chargingSchedulePeriod) assert.ok(p.limit <= extLimit + 0.5, `composite ${p.limit} over ${extLimit}`);
  // the CSMS cannot set one (K01.FR.22)
  const bad = await csms.call('SetChargingProfile', { evseId: 1, chargingProfile: { ...txProfile(txId, 6), id: 31, chargingProfilePurpose: 'ChargingStationExternalConstraints', transactionId: undefined } });
  assert.equal(bad.status, 'Rejected');
  // released, the transaction stopped
  await st.ok('PUT', '/api/v1/settings', { 'site.limit_kva': 2000 });
  await st.waitFor((x) => x.connectors[0].limited_by !== 'load_management', { what: 'no longer capped' });
  assert.equal((await csms.call('RequestStopTransaction', { transactionId: txId })).status, 'Accepted');
  await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Ended' });
  assert.equal(st.ctl('unplug', '1').code, 0);
  csms.assertNoViolations();
});

test('the station-wide limit is EVSE 0\'s ChargingStationExternalConstraints: NotifyChargingLimit without evseId, reported for evseId 0 (K09), GetCompositeSchedule evseId 0 under it (K08)', async () => {
  const from = csms.calls.length;
  // 6 kVA on 3 phases at 230 V: 8.69 A a phase for every EVSE together, no session running
  await st.ok('PUT', '/api/v1/settings', { 'site.limit_kva': 6, 'site.margin_a': 0 });
  const limitOf = (p) => p.chargingSchedule[0].chargingSchedulePeriod[0].limit;
  const n = await csms.waitCall('NotifyChargingLimit', { from, match: (p) => p.evseId === undefined && limitOf(p) < 9 });
  assert.equal(n.params.chargingLimit.chargingLimitSource, 'EMS');
  assert.equal(n.params.chargingLimit.isGridCritical, true);
  assert.equal(limitOf(n.params), 8.6);
  // GetChargingProfiles evseId 0: only the station's own, here borne's limit (id -100)
  let rf = csms.calls.length;
  assert.equal((await csms.call('GetChargingProfiles', { requestId: 43, evseId: 0, chargingProfile: {} })).status, 'Accepted');
  let pages = await reportPages(csms, 'ReportChargingProfiles', 43, rf);
  assert.equal(pages.length, 1);
  assert.equal(pages[0].evseId, 0);
  assert.equal(pages[0].chargingLimitSource, 'EMS');
  assert.deepEqual(pages[0].chargingProfile.map((p) => [p.id, p.chargingProfilePurpose, p.stackLevel]), [[-100, 'ChargingStationExternalConstraints', 0]]);
  assert.equal(pages[0].chargingProfile[0].chargingSchedule[0].chargingSchedulePeriod[0].limit, 8.6);
  // chargingLimitSource EMS alone, every EVSE: the station's is among them; CSO alone: not
  rf = csms.calls.length;
  assert.equal((await csms.call('GetChargingProfiles', { requestId: 44, chargingProfile: { chargingLimitSource: ['EMS'] } })).status, 'Accepted');
  pages = await reportPages(csms, 'ReportChargingProfiles', 44, rf);
  assert.ok(pages.some((p) => p.evseId === 0 && p.chargingProfile[0].id === -100), JSON.stringify(pages));
  assert.equal((await csms.call('GetChargingProfiles', { requestId: 45, evseId: 0, chargingProfile: { chargingLimitSource: ['CSO'] } })).status, 'NoProfiles');
  // the grid connection's composite schedule: none of the CSMS's, borne's limit for the whole window
  const cs = await csms.call('GetCompositeSchedule', { evseId: 0, duration: 300, chargingRateUnit: 'A' });
  assert.equal(cs.status, 'Accepted');
  assert.equal(cs.schedule.evseId, 0);
  assert.equal(cs.schedule.duration, 300);
  assert.deepEqual(cs.schedule.chargingSchedulePeriod.map((p) => p.limit), [8.6]);
  const w = await csms.call('GetCompositeSchedule', { evseId: 0, duration: 300, chargingRateUnit: 'W' });
  assert.equal(w.status, 'Accepted');
  const watts = w.schedule.chargingSchedulePeriod[0].limit;
  assert.ok(watts > 5900 && watts <= 6000, `${watts} W`);
  // a larger budget (more than LimitChangeSignificance): told again, nothing cleared
  const mv = csms.calls.length;
  await st.ok('PUT', '/api/v1/settings', { 'site.limit_kva': 2000 });
  await csms.waitCall('NotifyChargingLimit', { from: mv, match: (p) => p.evseId === undefined && limitOf(p) > 100 });
  assert.equal(csms.calls.slice(mv).filter((c) => c.action === 'ClearedChargingLimit' && c.params.evseId === undefined).length, 0);
  csms.assertNoViolations();
});

test('isGridCritical says what binds load management: site.circuit_limit_a (borne\'s own circuit) false, the site\'s subscription true, told again when only it becomes critical (K11, K12)', async () => {
  const limitOf = (p) => p.chargingSchedule[0].chargingSchedulePeriod[0].limit;
  const notified = (from, to, evse) => csms.calls.slice(from, to).filter((c) => c.action === 'NotifyChargingLimit' && c.params.evseId === evse);
  await st.ok('PUT', '/api/v1/settings', { 'site.limit_kva': 2000, 'site.margin_a': 0 });
  assert.equal(st.ctl('plug', '1', '--ev-max-current', '32').code, 0);
  await st.waitStatus(1, 'Preparing');
  const from = csms.calls.length;
  assert.equal((await csms.call('RequestStartTransaction', { evseId: 1, remoteStartId: 6, idToken: { idToken: 'GOOD1', type: 'Central' } })).status, 'Accepted');
  const started = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Started' });
  const tx = started.params.transactionInfo.transactionId;
  await st.waitStatus(1, 'Charging');
  // the charging circuit's 10 A, far below the site's 2898 A a phase: not the grid's limit
  const circ = csms.calls.length;
  await st.ok('PUT', '/api/v1/settings', { 'site.circuit_limit_a': 10 });
  await st.waitFor((x) => x.connectors[0].limited_by === 'load_management' && x.connectors[0].offered_a === 10, { what: 'the circuit\'s 10 A' });
  const e1 = await csms.waitCall('NotifyChargingLimit', { from: circ, match: (p) => p.evseId === 1 && limitOf(p) === 10 });
  assert.equal(e1.params.chargingLimit.chargingLimitSource, 'EMS');
  assert.equal(e1.params.chargingLimit.isGridCritical, false, 'borne\'s own circuit is not the grid');
  const s1 = await csms.waitCall('NotifyChargingLimit', { from: circ, match: (p) => p.evseId === undefined && limitOf(p) === 10 });
  assert.equal(s1.params.chargingLimit.isGridCritical, false);
  await csms.waitCall('TransactionEvent', { from: circ, match: (p) => p.triggerReason === 'ChargingRateChanged' });
  // 6.9 kVA: 30 A over the three phases, 10 A each: the subscription binds as much as the circuit:
  // grid critical, the same value told again (EVSE 1 and the station), nothing cleared, the rate unchanged
  const tie = csms.calls.length;
  await st.ok('PUT', '/api/v1/settings', { 'site.limit_kva': 6.9 });
  const e2 = await csms.waitCall('NotifyChargingLimit', { from: tie, match: (p) => p.evseId === 1 });
  assert.equal(e2.params.chargingLimit.isGridCritical, true, 'the site\'s subscription binds too');
  assert.equal(limitOf(e2.params), 10);
  const s2 = await csms.waitCall('NotifyChargingLimit', { from: tie, match: (p) => p.evseId === undefined });
  assert.equal(s2.params.chargingLimit.isGridCritical, true);
  assert.equal(limitOf(s2.params), 10);
  assert.equal((await st.connector(1)).offered_a, 10);
  assert.equal(csms.calls.slice(tie).filter((c) => c.action === 'ClearedChargingLimit').length, 0);
  assert.equal(csms.calls.slice(tie).filter((c) => c.action === 'TransactionEvent' && c.params.triggerReason === 'ChargingRateChanged').length, 0);
  // the subscription large again, the circuit alone binds at the same 10 A: not told alone (the safe
  // side); the next change of value (the circuit at 8 A) carries it
  const back = csms.calls.length;
  await st.ok('PUT', '/api/v1/settings', { 'site.limit_kva': 2000 });
  await st.waitFor((x) => x.station.site.available_total_a > 1000, { what: 'the subscription large again' });
  const eight = csms.calls.length;
  await st.ok('PUT', '/api/v1/settings', { 'site.circuit_limit_a': 8 });
  const e3 = await csms.waitCall('NotifyChargingLimit', { from: eight, match: (p) => p.evseId === 1 && limitOf(p) === 8 });
  assert.equal(e3.params.chargingLimit.isGridCritical, false);
  const s3 = await csms.waitCall('NotifyChargingLimit', { from: eight, match: (p) => p.evseId === undefined && limitOf(p) === 8 });
  assert.equal(s3.params.chargingLimit.isGridCritical, false);
  assert.equal(notified(back, eight, 1).length, 0, 'the criticality lost is not told alone');
  assert.equal(notified(back, eight, undefined).length, 0);
  // the circuit above what the car takes: released
  const rel = csms.calls.length;
  await st.ok('PUT', '/api/v1/settings', { 'site.circuit_limit_a': 63 });
  await csms.waitCall('ClearedChargingLimit', { from: rel, match: (p) => p.evseId === 1 });
  assert.equal((await csms.call('RequestStopTransaction', { transactionId: tx })).status, 'Accepted');
  await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Ended' });
  assert.equal(st.ctl('unplug', '1').code, 0);
  csms.assertNoViolations();
});
