// OCPP 2.0.1 smart charging (issue 16, block K) against a strict CSMS: npm
// ocpp-rpc in strict mode validates every SetChargingProfile /
// ClearChargingProfile / GetChargingProfiles / GetCompositeSchedule answer and
// every ReportChargingProfiles borne sends against its 2.0.1 schemas. Covers
// a TxDefaultProfile of 10 A for the whole station that the offered current
// follows (limited_by ocpp_profile), GetCompositeSchedule (Accepted with the
// schedule, Rejected for an unknown EVSE), GetChargingProfiles answered and
// reported (requestId, evseId, the profile as set) or NoProfiles,
// SmartChargingCtrlr.Entries, profiles kept across a restart (the engine's
// store, shared with 1.6), ClearChargingProfile (Accepted, then Unknown),
// the refusals (ChargingStationExternalConstraints, a TxProfile of no running
// transaction) and RequestStartTransaction with a TxProfile bound to the
// transaction it starts and gone with it, and borne's own load management
// capping a charging EVSE told as an external limit (NotifyChargingLimit EMS,
// TransactionEvent ChargingRateChanged, ClearedChargingLimit when released,
// K11-K13; LimitChangeSignificance a setting), and a profile set in 2.0.1 in
// force and cleared in 1.6 after a switch of version (one store). Under 2.1
// (a peer that picked ocpp2.1, its frames checked against the OCA's 2.1
// schemas): a TxDefaultProfile with limit_L2 / limit_L3 that the offered
// current follows (the lowest phase), useLocalTime and randomizedDelay
// accepted and reported back, what an AC station without V2X refuses
// (LocalGeneration, a V2X operationMode; PriorityCharging: ocpp21_priority),
// a RequestStartTransaction's
// TxProfile with limit_L3 in force for the transaction it starts; a Dynamic profile (K28) whose
// limit the station pulls (PullDynamicScheduleUpdate every dynUpdateInterval)
// and the CSMS pushes (UpdateDynamicSchedule), the offered current following.
// BORNE_OCPP_PEER=ocpp-ws-io runs it
// against the second strict CSMS (ocpp201_smart_ws_io.test.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ocpp201Rig, Peer201 as Peer, reportPages } from './lib/ocpp201.mjs';

const rig = ocpp201Rig('cp-k', { peer: { tags: { GOOD1: 'Accepted' } } });
let csms, st;
before(async () => ({ csms, st } = await rig.up()));
after(() => rig.down(st, csms));

const schedule = (id, limit, extra = {}) => ({ id, chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit }], ...extra });
const TX_DEFAULT = {
  id: 1, stackLevel: 0, chargingProfilePurpose: 'TxDefaultProfile', chargingProfileKind: 'Absolute',
  chargingSchedule: [schedule(5, 10, { startSchedule: new Date(Date.now() - 60e3).toISOString() })],
};

/** The ReportChargingProfiles of requestId sent after `from`, once the last (tbc not true) came. */
const report = (requestId, from) => reportPages(csms, 'ReportChargingProfiles', requestId, from);

const entries = async () => (await csms.call('GetVariables', {
  getVariableData: [{ component: { name: 'SmartChargingCtrlr' }, variable: { name: 'Entries', instance: 'ChargingProfiles' } }],
})).getVariableResult[0].attributeValue;

test('a TxDefaultProfile of 10 A: the offered current follows, the composite schedule says it (K01, K08)', async () => {
  assert.equal(st.ctl('plug', '1', '--ev-max-current', '32').code, 0);
  const before = await st.waitFor((x) => x.connectors[0].status === 'Preparing', { what: 'plugged' });
  assert.ok(before.connectors[0].offered_a > 10, `offered ${before.connectors[0].offered_a} A before`);
  assert.equal((await csms.call('SetChargingProfile', { evseId: 0, chargingProfile: TX_DEFAULT })).status, 'Accepted');
  const s = await st.waitFor((x) => x.connectors[0].offered_a === 10, { what: 'offered 10 A' });
  assert.equal(s.connectors[0].limited_by, 'ocpp_profile');
  const comp = await csms.call('GetCompositeSchedule', { evseId: 1, duration: 3600, chargingRateUnit: 'A' });
  assert.equal(comp.status, 'Accepted');
  assert.equal(comp.schedule.evseId, 1);
  assert.equal(comp.schedule.chargingRateUnit, 'A');
  assert.equal(comp.schedule.chargingSchedulePeriod[0].startPeriod, 0);
  assert.equal(comp.schedule.chargingSchedulePeriod[0].limit, 10);
  const w = await csms.call('GetCompositeSchedule', { evseId: 1, duration: 600, chargingRateUnit: 'W' });
  assert.equal(w.schedule.chargingRateUnit, 'W');
  assert.ok(w.schedule.chargingSchedulePeriod[0].limit > 2000, JSON.stringify(w));
  assert.equal((await csms.call('GetCompositeSchedule', { evseId: 9, duration: 600 })).status, 'Rejected');
  assert.equal(await entries(), '1');
  csms.assertNoViolations();
});

test('GetChargingProfiles: answered, then reported per EVSE; NoProfiles when none matches (K09)', async () => {
  const from = csms.calls.length;
  assert.equal((await csms.call('GetChargingProfiles', { requestId: 7, chargingProfile: {} })).status, 'Accepted');
  const pages = await report(7, from);
  assert.equal(pages.length, 1);
  assert.equal(pages[0].evseId, 0);
  assert.equal(pages[0].chargingLimitSource, 'CSO');
  assert.equal(pages[0].chargingProfile.length, 1);
  const p = pages[0].chargingProfile[0];
  assert.equal(p.id, 1);
  assert.equal(p.chargingProfilePurpose, 'TxDefaultProfile');
  assert.equal(p.chargingSchedule[0].id, 5);
  assert.equal(p.chargingSchedule[0].chargingSchedulePeriod[0].limit, 10);
  assert.equal((await csms.call('GetChargingProfiles', { requestId: 8, chargingProfile: { chargingProfilePurpose: 'TxProfile' } })).status, 'NoProfiles');
  assert.equal((await csms.call('GetChargingProfiles', { requestId: 9, evseId: 2, chargingProfile: {} })).status, 'NoProfiles');
  csms.assertNoViolations();
});

test('refused: ChargingStationExternalConstraints, a TxProfile of no running transaction, a station maximum on an EVSE', async () => {
  const ext = { ...TX_DEFAULT, id: 2, chargingProfilePurpose: 'ChargingStationExternalConstraints' };
  const r1 = await csms.call('SetChargingProfile', { evseId: 0, chargingProfile: ext });
  assert.equal(r1.status, 'Rejected');
  assert.ok(r1.statusInfo.reasonCode.length > 0);
  const tx = { ...TX_DEFAULT, id: 3, stackLevel: 1, chargingProfilePurpose: 'TxProfile', transactionId: 'no-such-tx' };
  assert.equal((await csms.call('SetChargingProfile', { evseId: 1, chargingProfile: tx })).status, 'Rejected');
  const max = { ...TX_DEFAULT, id: 4, chargingProfilePurpose: 'ChargingStationMaxProfile' };
  assert.equal((await csms.call('SetChargingProfile', { evseId: 1, chargingProfile: max })).status, 'Rejected');
  // more than one chargingSchedule only in a TxProfile; phaseToUse without phase switching (K01.FR.20)
  const two = { ...TX_DEFAULT, id: 5, stackLevel: 2, chargingSchedule: [schedule(1, 6), schedule(2, 8)] };
  const r2 = await csms.call('SetChargingProfile', { evseId: 1, chargingProfile: two });
  assert.equal(r2.status, 'Rejected');
  assert.equal(r2.statusInfo.reasonCode, 'InvalidSchedule');
  const phase = { ...TX_DEFAULT, id: 6, stackLevel: 2, chargingSchedule: [{ id: 1, chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 6, numberPhases: 1, phaseToUse: 2 }] }] };
  const r3 = await csms.call('SetChargingProfile', { evseId: 1, chargingProfile: phase });
  assert.equal(r3.status, 'Rejected');
  assert.equal(r3.statusInfo.reasonCode, 'InvalidSchedule');
  assert.equal(await entries(), '1');
  csms.assertNoViolations();
});

test('the profiles survive a restart and limit the current again', async () => {
  st = await rig.restart(st, csms);
  const s = await st.waitFor((x) => x.connectors[0].offered_a === 10, { what: 'offered 10 A after the restart' });
  assert.equal(s.connectors[0].limited_by, 'ocpp_profile');
  assert.equal(await entries(), '1');
  csms.assertNoViolations();
});

test('ClearChargingProfile: Accepted, the current is free again; Unknown the second time (K10)', async () => {
  assert.equal((await csms.call('ClearChargingProfile', { chargingProfileId: 1 })).status, 'Accepted');
  const s = await st.waitFor((x) => x.connectors[0].offered_a > 10, { what: 'back to full current' });
  assert.notEqual(s.connectors[0].limited_by, 'ocpp_profile');
  assert.equal((await csms.call('ClearChargingProfile', { chargingProfileId: 1 })).status, 'Unknown');
  assert.equal((await csms.call('ClearChargingProfile', { chargingProfileCriteria: { chargingProfilePurpose: 'TxDefaultProfile' } })).status, 'Unknown');
  assert.equal(await entries(), '0');
  csms.assertNoViolations();
});

test('RequestStartTransaction with a TxProfile: bound to the transaction it starts, gone with it (F01, K05)', async () => {
  // the simulated car left with the restart: plugged in again
  if ((await st.connector(1)).status === 'Available') assert.equal(st.ctl('plug', '1', '--ev-max-current', '32').code, 0);
  await st.waitStatus(1, 'Preparing');
  const from = csms.calls.length;
  const txProfile = { id: 20, stackLevel: 2, chargingProfilePurpose: 'TxProfile', chargingProfileKind: 'Relative', chargingSchedule: [schedule(1, 8)] };
  const r = await csms.call('RequestStartTransaction', { evseId: 1, remoteStartId: 77, idToken: { idToken: 'GOOD1', type: 'Central' }, chargingProfile: txProfile });
  assert.equal(r.status, 'Accepted');
  const started = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Started' });
  const txId = started.params.transactionInfo.transactionId;
  const s = await st.waitFor((x) => x.connectors[0].offered_a === 8, { what: 'offered 8 A' });
  assert.equal(s.connectors[0].limited_by, 'ocpp_profile');
  const rfrom = csms.calls.length;
  assert.equal((await csms.call('GetChargingProfiles', { requestId: 11, evseId: 1, chargingProfile: { chargingProfilePurpose: 'TxProfile' } })).status, 'Accepted');
  const pages = await report(11, rfrom);
  assert.equal(pages[0].evseId, 1);
  assert.equal(pages[0].chargingProfile[0].id, 20);
  assert.equal(pages[0].chargingProfile[0].transactionId, txId);
  // a TxProfile of this transaction may now be set by SetChargingProfile too
  // with three chargingSchedules (the choice an ISO 15118 EV would make): the first applies, all are kept (K01)
  const more = { ...txProfile, id: 21, stackLevel: 3, transactionId: txId, chargingSchedule: [schedule(2, 6), schedule(3, 12), schedule(4, 16)] };
  assert.equal((await csms.call('SetChargingProfile', { evseId: 1, chargingProfile: more })).status, 'Accepted');
  await st.waitFor((x) => x.connectors[0].offered_a === 6, { what: 'offered 6 A' });
  const mfrom = csms.calls.length;
  assert.equal((await csms.call('GetChargingProfiles', { requestId: 13, evseId: 1, chargingProfile: { chargingProfileId: [21] } })).status, 'Accepted');
  assert.deepEqual((await report(13, mfrom))[0].chargingProfile[0].chargingSchedule.map((x) => x.id), [2, 3, 4]);
  // a profile that is not a TxProfile refuses the start
  const bad = await csms.call('RequestStartTransaction', { evseId: 2, remoteStartId: 78, idToken: { idToken: 'GOOD1', type: 'Central' }, chargingProfile: { ...TX_DEFAULT, id: 22 } });
  assert.equal(bad.status, 'Rejected');
  assert.equal((await csms.call('RequestStopTransaction', { transactionId: txId })).status, 'Accepted');
  await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Ended' });
  await st.waitFor((x) => x.connectors[0].limited_by !== 'ocpp_profile', { what: 'the TxProfiles gone' });
  assert.equal((await csms.call('GetChargingProfiles', { requestId: 12, chargingProfile: {} })).status, 'NoProfiles');
  assert.equal(st.ctl('unplug', '1').code, 0);
  csms.assertNoViolations();
});

test('load management caps a charging EVSE: NotifyChargingLimit EMS, ChargingRateChanged, ClearedChargingLimit (K11, K13)', async () => {
  if ((await st.connector(1)).status === 'Available') assert.equal(st.ctl('plug', '1', '--ev-max-current', '32').code, 0);
  await st.waitStatus(1, 'Preparing');
  const from = csms.calls.length;
  assert.equal((await csms.call('RequestStartTransaction', { evseId: 1, remoteStartId: 90, idToken: { idToken: 'GOOD1', type: 'Central' } })).status, 'Accepted');
  const started = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Started' });
  const txId = started.params.transactionInfo.transactionId;
  await st.waitStatus(1, 'Charging');
  assert.equal(csms.calls.slice(from).filter((c) => c.action === 'NotifyChargingLimit').length, 0);
  // 5 kVA on 3 phases: about 7.2 A a phase, below what the car and the installation take
  await st.ok('PUT', '/api/v1/settings', { 'site.limit_kva': 5, 'site.margin_a': 0 });
  await st.waitFor((x) => x.connectors[0].limited_by === 'load_management', { what: 'capped by load management' });
  // (the station-wide limit, EVSE 0, is told too: without evseId in 2.0.1, ocpp201_smart_ext)
  const n = await csms.waitCall('NotifyChargingLimit', { from, match: (p) => p.evseId !== undefined });
  assert.equal(n.params.evseId, 1);
  assert.equal(n.params.chargingLimit.chargingLimitSource, 'EMS');
  // the limit as a schedule (NotifyChargingLimitWithSchedules): one period from now (K11/K12);
  // load management may hold the EVSE at 0 A first, then share: each value told
  const limitOf = (p) => p.chargingSchedule[0].chargingSchedulePeriod[0].limit;
  const shared = await csms.waitCall('NotifyChargingLimit', { from, match: (p) => p.evseId === 1 && limitOf(p) > 0 });
  const told = limitOf(shared.params);
  assert.ok(told < 16, `limit told: ${told}`);
  const changed = await csms.waitCall('TransactionEvent', { from, match: (p) => p.triggerReason === 'ChargingRateChanged' });
  assert.equal(changed.params.eventType, 'Updated');
  assert.equal(changed.params.transactionInfo.transactionId, txId);
  // its value moves by more than LimitChangeSignificance (10 %): told again, same source, nothing cleared
  const mv = csms.calls.length;
  await st.ok('PUT', '/api/v1/settings', { 'site.limit_kva': 8 });
  const again = await csms.waitCall('NotifyChargingLimit', { from: mv, match: (p) => p.evseId === 1 && limitOf(p) >= told * 1.1 });
  assert.equal(again.params.chargingLimit.chargingLimitSource, 'EMS');
  assert.equal(csms.calls.slice(mv).filter((c) => c.action === 'ClearedChargingLimit').length, 0);
  // released: the site limit no longer binds
  const rel = csms.calls.length;
  await st.ok('PUT', '/api/v1/settings', { 'site.limit_kva': 2000 });
  await st.waitFor((x) => x.connectors[0].limited_by !== 'load_management', { what: 'no longer capped' });
  const cleared = await csms.waitCall('ClearedChargingLimit', { from: rel });
  assert.equal(cleared.params.chargingLimitSource, 'EMS');
  assert.equal(cleared.params.evseId, 1);
  await csms.waitCall('TransactionEvent', { from: rel, match: (p) => p.triggerReason === 'ChargingRateChanged' });
  assert.equal((await csms.call('RequestStopTransaction', { transactionId: txId })).status, 'Accepted');
  await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Ended' });
  const seq = csms.calls.filter((c) => c.action === 'TransactionEvent' && c.params.transactionInfo.transactionId === txId).map((c) => c.params.seqNo);
  assert.deepEqual(seq, seq.map((_, i) => i), `seqNo without gap: ${seq}`);
  csms.assertNoViolations();
});

test('SmartChargingCtrlr.LimitChangeSignificance is the setting ocpp.LimitChangeSignificance (percent 0-100, K12)', async () => {
  const v = { component: { name: 'SmartChargingCtrlr' }, variable: { name: 'LimitChangeSignificance' } };
  const set = async (attributeValue) => (await csms.call('SetVariables', { setVariableData: [{ ...v, attributeValue }] })).setVariableResult[0].attributeStatus;
  const get = async () => (await csms.call('GetVariables', { getVariableData: [v] })).getVariableResult[0].attributeValue;
  assert.equal(await get(), '10');
  assert.equal(await set('25'), 'Accepted');
  assert.equal(await get(), '25');
  const { settings } = await st.ok('GET', '/api/v1/settings');
  assert.equal(String(settings['ocpp.LimitChangeSignificance']), '25');
  for (const bad of ['101', '-1', 'many']) assert.equal(await set(bad), 'Rejected', bad);
  assert.equal(await get(), '25');
  assert.equal(await set('10'), 'Accepted');
  csms.assertNoViolations();
});

test('SmartChargingCtrlr.NotifyChargingLimitWithSchedules false: NotifyChargingLimit without the schedule (the setting ocpp.NotifyChargingLimitWithSchedules)', async () => {
  const v = { component: { name: 'SmartChargingCtrlr' }, variable: { name: 'NotifyChargingLimitWithSchedules' } };
  const set = async (attributeValue) => (await csms.call('SetVariables', { setVariableData: [{ ...v, attributeValue }] })).setVariableResult[0].attributeStatus;
  const get = async () => (await csms.call('GetVariables', { getVariableData: [v] })).getVariableResult[0].attributeValue;
  assert.equal(await get(), 'true');
  assert.equal(await set('maybe'), 'Rejected');
  assert.equal(await set('false'), 'Accepted');
  assert.equal(await get(), 'false');
  const { settings } = await st.ok('GET', '/api/v1/settings');
  assert.equal(settings['ocpp.NotifyChargingLimitWithSchedules'], false);
  // load management's budget for the whole station moves: told without a schedule
  const from = csms.calls.length;
  await st.ok('PUT', '/api/v1/settings', { 'site.limit_kva': 5, 'site.margin_a': 0 });
  const n = await csms.waitCall('NotifyChargingLimit', { from });
  assert.equal(n.params.chargingLimit.chargingLimitSource, 'EMS');
  assert.equal(n.params.chargingSchedule, undefined, JSON.stringify(n.params));
  // true again: the next one carries it
  assert.equal(await set('true'), 'Accepted');
  const again = csms.calls.length;
  await st.ok('PUT', '/api/v1/settings', { 'site.limit_kva': 8 });
  const m = await csms.waitCall('NotifyChargingLimit', { from: again });
  assert.ok(Array.isArray(m.params.chargingSchedule) && m.params.chargingSchedule.length === 1, JSON.stringify(m.params));
  await st.ok('PUT', '/api/v1/settings', { 'site.limit_kva': 2000 });
  csms.assertNoViolations();
});

test('one store: a profile set in 2.0.1 is in force, computed and cleared by 1.6 after a switch of version', async () => {
  // (load management, still on from the test above, may bind lower: the composite schedules say the profiles)
  const profile = { ...TX_DEFAULT, id: 30, stackLevel: 4, chargingSchedule: [schedule(6, 9, { startSchedule: new Date(Date.now() - 60e3).toISOString() })] };
  assert.equal((await csms.call('SetChargingProfile', { evseId: 2, chargingProfile: profile })).status, 'Accepted');
  const c201 = await csms.call('GetCompositeSchedule', { evseId: 2, duration: 600, chargingRateUnit: 'A' });
  assert.equal(c201.schedule.chargingSchedulePeriod[0].limit, 9);
  await st.stop();
  const csms16 = await new Peer({ protocol: 'ocpp1.6', bootInterval: 300 }).listen();
  try {
    st = await rig.start(csms16.url, { 'ocpp.version': '1.6' });
    await csms16.waitCall('BootNotification');
    await st.waitFor((x) => x.station.ocpp?.version === '1.6' && x.station.ocpp.registration === 'Accepted', { what: 'registered in 1.6' });
    const comp = await csms16.call('GetCompositeSchedule', { connectorId: 2, duration: 600, chargingRateUnit: 'A' });
    assert.equal(comp.status, 'Accepted');
    assert.equal(comp.chargingSchedule.chargingSchedulePeriod[0].limit, 9);
    assert.equal((await csms16.call('ClearChargingProfile', { id: 30 })).status, 'Accepted');
    assert.equal((await csms16.call('GetCompositeSchedule', { connectorId: 2, duration: 600 })).status, 'Rejected');
    csms16.assertNoViolations();
  } finally {
    await csms16.close();
  }
  csms.assertNoViolations();
});

test('2.1: limit_L2 / limit_L3 (the lowest phase is offered), useLocalTime and randomizedDelay kept and reported, LocalGeneration / V2X / a Dynamic profile of two periods refused', async () => {
  const rig21 = ocpp201Rig('cp-k21', { peer: { protocol: 'ocpp2.1', tags: { GOOD1: 'Accepted' } }, set: { 'ocpp.version': '2.1' } });
  const { csms: c21, st: s21 } = await rig21.up();
  try {
    assert.equal(s21.ctl('plug', '1', '--ev-max-current', '32').code, 0);
    await s21.waitFor((x) => x.connectors[0].status === 'Preparing', { what: 'plugged' });
    const start = new Date(Date.now() - 60e3).toISOString();
    const phases = {
      id: 41, stackLevel: 1, chargingProfilePurpose: 'TxDefaultProfile', chargingProfileKind: 'Absolute', maxOfflineDuration: 3600,
      chargingSchedule: [{ id: 41, startSchedule: start, chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 16, limit_L2: 11, limit_L3: 14, operationMode: 'ChargingOnly' }] }],
    };
    assert.equal((await c21.call('SetChargingProfile', { evseId: 0, chargingProfile: phases })).status, 'Accepted');
    const s = await s21.waitFor((x) => x.connectors[0].offered_a === 11, { what: 'offered 11 A (L2)' });
    assert.equal(s.connectors[0].limited_by, 'ocpp_profile');
    const comp = await c21.call('GetCompositeSchedule', { evseId: 1, duration: 600, chargingRateUnit: 'A' });
    assert.equal(comp.schedule.chargingSchedulePeriod[0].limit, 11);
    // useLocalTime on a daily schedule, randomizedDelay on a TxDefaultProfile (stack levels below: not in force)
    const local = {
      id: 42, stackLevel: 0, chargingProfilePurpose: 'TxDefaultProfile', chargingProfileKind: 'Recurring', recurrencyKind: 'Daily',
      chargingSchedule: [{ id: 42, startSchedule: '2026-01-01T22:00:00+01:00', useLocalTime: true, duration: 3600, chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 6 }] }],
    };
    assert.equal((await c21.call('SetChargingProfile', { evseId: 1, chargingProfile: local })).status, 'Accepted');
    const delayed = {
      id: 43, stackLevel: 0, chargingProfilePurpose: 'TxDefaultProfile', chargingProfileKind: 'Absolute',
      chargingSchedule: [{ id: 43, startSchedule: start, randomizedDelay: 300, chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 20 }] }],
    };
    assert.equal((await c21.call('SetChargingProfile', { evseId: 2, chargingProfile: delayed })).status, 'Accepted');
    const from = c21.calls.length;
    assert.equal((await c21.call('GetChargingProfiles', { requestId: 7, chargingProfile: {} })).status, 'Accepted');
    const pages = await reportPages(c21, 'ReportChargingProfiles', 7, from);
    const all = pages.flatMap((p) => p.chargingProfile);
    const byId = (id) => all.find((p) => p.id === id);
    assert.deepEqual(byId(41).chargingSchedule[0].chargingSchedulePeriod[0], { startPeriod: 0, limit: 16, limit_L2: 11, limit_L3: 14 });
    assert.equal(byId(41).maxOfflineDuration, 3600);
    assert.equal(byId(42).chargingSchedule[0].useLocalTime, true);
    assert.equal(byId(42).chargingSchedule[0].startSchedule, '2026-01-01T22:00:00.000Z'); // the wall-clock time, 22:00 local
    assert.equal(byId(43).chargingSchedule[0].randomizedDelay, 300);
    // refused: Dynamic, LocalGeneration, a V2X operationMode, randomizedDelay on the station maximum
    const base = { stackLevel: 2, chargingProfilePurpose: 'TxDefaultProfile', chargingProfileKind: 'Absolute' };
    const sched = (extra = {}, period = {}) => [{ id: 50, chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 8, ...period }], ...extra }];
    for (const [evseId, profile, reason] of [
      [1, { ...base, id: 50, chargingProfileKind: 'Dynamic', chargingSchedule: [{ ...sched()[0], chargingSchedulePeriod: [{ startPeriod: 0, limit: 8 }, { startPeriod: 60, limit: 6 }] }] }, 'InvalidSchedule'],
      [1, { ...base, id: 51, chargingProfilePurpose: 'LocalGeneration', chargingSchedule: sched() }, 'UnsupportedParam'],
      [1, { ...base, id: 52, chargingSchedule: sched({}, { operationMode: 'CentralSetpoint', setpoint: 2000 }) }, 'UnsupportedParam'],
      [0, { ...base, id: 53, chargingProfilePurpose: 'ChargingStationMaxProfile', chargingSchedule: sched({ randomizedDelay: 60 }) }, 'InvalidValue'],
    ]) {
      const r = await c21.call('SetChargingProfile', { evseId, chargingProfile: profile });
      assert.equal(r.status, 'Rejected', JSON.stringify(profile));
      assert.equal(r.statusInfo.reasonCode, reason);
    }
    // RequestStartTransaction's TxProfile with 2.1 members: read as 2.1's, bound to the transaction it starts
    const txProfile = {
      id: 44, stackLevel: 2, chargingProfilePurpose: 'TxProfile', chargingProfileKind: 'Relative',
      chargingSchedule: [{ id: 44, chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 20, limit_L3: 7 }] }],
    };
    const started = await c21.call('RequestStartTransaction', { evseId: 1, remoteStartId: 5, idToken: { idToken: 'GOOD1', type: 'Central' }, chargingProfile: txProfile });
    assert.equal(started.status, 'Accepted');
    await s21.waitFor((x) => x.connectors[0].status === 'Charging' && x.connectors[0].offered_a === 7, { what: 'charging at 7 A (the TxProfile\'s L3)' });
    assert.equal(s21.ctl('unplug', '1').code, 0);
    await s21.waitFor((x) => x.connectors[0].status === 'Available', { what: 'unplugged' });
    assert.equal((await c21.call('ClearChargingProfile', {})).status, 'Accepted');
    c21.assertNoViolations();
  } finally {
    await rig21.down(s21, c21);
  }
});

test('2.1 K28: a Dynamic profile: the station pulls its limit every dynUpdateInterval, the CSMS pushes one, the offered current follows; reported with dynUpdateTime', async () => {
  let pulled = { status: 'Accepted', scheduleUpdate: { limit: 9 } };
  const handlers = { PullDynamicScheduleUpdate: () => pulled };
  const rig21 = ocpp201Rig('cp-k28', { peer: { protocol: 'ocpp2.1', tags: { GOOD1: 'Accepted' }, handlers }, set: { 'ocpp.version': '2.1' } });
  const { csms: c21, st: s21 } = await rig21.up();
  try {
    assert.equal(s21.ctl('plug', '1', '--ev-max-current', '32').code, 0);
    await s21.waitFor((x) => x.connectors[0].status === 'Preparing', { what: 'plugged' });
    const dynamic = {
      id: 60, stackLevel: 3, chargingProfilePurpose: 'TxDefaultProfile', chargingProfileKind: 'Dynamic', dynUpdateInterval: 1,
      chargingSchedule: [{ id: 60, chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }] }],
    };
    const from = c21.calls.length;
    assert.equal((await c21.call('SetChargingProfile', { evseId: 1, chargingProfile: dynamic })).status, 'Accepted');
    // K28.FR.10: a second later the station asks, and takes the answer's limit
    const pull = await c21.waitCall('PullDynamicScheduleUpdate', { from });
    assert.deepEqual(pull.params, { chargingProfileId: 60 });
    await s21.waitFor((x) => x.connectors[0].offered_a === 9, { what: 'offered 9 A (pulled)' });
    // the CSMS pushes: the pulls answer nothing new now
    pulled = { status: 'Rejected' };
    assert.deepEqual(await c21.call('UpdateDynamicSchedule', { chargingProfileId: 60, scheduleUpdate: { limit: 13, limit_L2: 12 } }), { status: 'Accepted' });
    await s21.waitFor((x) => x.connectors[0].offered_a === 12, { what: 'offered 12 A (pushed, L2 the lowest)' });
    const r = await c21.call('UpdateDynamicSchedule', { chargingProfileId: 999, scheduleUpdate: { limit: 6 } });
    assert.equal(r.status, 'Rejected');
    const v2x = await c21.call('UpdateDynamicSchedule', { chargingProfileId: 60, scheduleUpdate: { setpoint: 3000 } });
    assert.equal(v2x.status, 'Rejected');
    const at = c21.calls.length;
    assert.equal((await c21.call('GetChargingProfiles', { requestId: 8, chargingProfile: { chargingProfileId: [60] } })).status, 'Accepted');
    const [page] = await reportPages(c21, 'ReportChargingProfiles', 8, at);
    const p = page.chargingProfile[0];
    assert.equal(p.chargingProfileKind, 'Dynamic');
    assert.equal(p.dynUpdateInterval, 1);
    assert.ok(Date.now() - Date.parse(p.dynUpdateTime) < 60e3, p.dynUpdateTime);
    assert.deepEqual(p.chargingSchedule[0].chargingSchedulePeriod[0], { startPeriod: 0, limit: 13, limit_L2: 12 });
    assert.equal((await c21.call('ClearChargingProfile', { chargingProfileId: 60 })).status, 'Accepted');
    c21.assertNoViolations();
  } finally {
    await rig21.down(s21, c21);
  }
});
