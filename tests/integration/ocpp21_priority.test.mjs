// OCPP 2.1 priority charging (issue 16, block K, K21 / K22) against a strict
// CSMS that picked ocpp2.1: npm ocpp-rpc with the OCA's 2.1 schemas
// (lib/csms.mjs) validates every SetChargingProfile / UsePriorityCharging /
// GetChargingProfiles / GetCompositeSchedule / ClearChargingProfile answer and
// every ReportChargingProfiles / NotifyPriorityCharging borne sends. Covers
// SmartChargingCtrlr.SupportedAdditionalPurposes, a PriorityCharging profile
// with a duration refused (K01.FR.70), UsePriorityCharging before any
// PriorityCharging profile (NoProfile) and for an unknown transaction
// (Rejected), a PriorityCharging profile installed and not in force until
// activated, then (Accepted) in force in place of the TxDefaultProfile for that
// transaction only, bounded by the ChargingStationMaxProfile, shown by the
// composite schedule, reported by GetChargingProfiles, deactivated by the CSMS;
// the local request (POST /api/v1/connectors/1/priority, K22, and the owner's
// dashboard button in French, axe-core) telling the CSMS NotifyPriorityCharging;
// the end of the transaction ending it (the profile
// stays), and ClearChargingProfile by the purpose PriorityCharging.
// BORNE_OCPP_PEER=ocpp-ws-io runs it against the second strict CSMS
// (ocpp21_priority_ws_io.test.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ocpp201Rig, reportPages } from './lib/ocpp201.mjs';
import { launch, newPage, login, checkPage } from './lib/browser.mjs';
import { setupPins } from './lib/web.mjs';

const handlers = { NotifyPriorityCharging: () => ({}) };
const rig = ocpp201Rig('cp-prio', {
  peer: { protocol: 'ocpp2.1', tags: { GOOD1: 'Accepted' }, handlers },
  set: { 'ocpp.version': '2.1' },
});

let csms, st;
before(async () => ({ csms, st } = await rig.up()));
after(() => rig.down(st, csms));

const period = (limit) => [{ startPeriod: 0, limit }];
const profile = (id, purpose, limit, extra = {}, sched = {}) => ({
  id, stackLevel: 0, chargingProfilePurpose: purpose, chargingProfileKind: 'Relative',
  chargingSchedule: [{ id, chargingRateUnit: 'A', chargingSchedulePeriod: period(limit), ...sched }],
  ...extra,
});
const set = async (evseId, p) => csms.call('SetChargingProfile', { evseId, chargingProfile: p });
const use = async (transactionId, activate) => csms.call('UsePriorityCharging', { transactionId, activate });
const offered = (a) => st.waitFor((x) => x.connectors[0].offered_a === a, { what: `offered ${a} A` });

test('SupportedAdditionalPurposes; a PriorityCharging profile with a duration refused; NoProfile, Rejected', async () => {
  const dm = await csms.call('GetVariables', {
    getVariableData: [{ component: { name: 'SmartChargingCtrlr' }, variable: { name: 'SupportedAdditionalPurposes' } }],
  });
  assert.equal(dm.getVariableResult[0].attributeStatus, 'Accepted');
  assert.equal(dm.getVariableResult[0].attributeValue, 'PriorityCharging');
  const r = await set(1, profile(9, 'PriorityCharging', 32, {}, { duration: 3600 }));
  assert.equal(r.status, 'Rejected');
  assert.equal(r.statusInfo.reasonCode, 'InvalidSchedule');
  assert.equal((await use('no-such-tx', true)).status, 'Rejected');
  csms.assertNoViolations();
});

test('K21: activated by the CSMS it replaces the TxDefaultProfile, bounded by the station maximum; composite schedule and report; K22: a local request tells the CSMS; the end of the transaction ends it', async () => {
  assert.equal((await set(0, profile(1, 'TxDefaultProfile', 8))).status, 'Accepted');
  assert.equal((await set(0, { ...profile(2, 'ChargingStationMaxProfile', 20), chargingProfileKind: 'Absolute' })).status, 'Accepted');
  assert.equal(st.ctl('plug', '1', '--ev-max-current', '32').code, 0);
  await st.waitStatus(1, 'Preparing');
  const from = csms.calls.length;
  assert.equal(st.ctl('tap', 'GOOD1').code, 0);
  const started = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Started' });
  const txId = started.params.transactionInfo.transactionId;
  await st.waitStatus(1, 'Charging');
  await offered(8);
  // no PriorityCharging profile yet
  const none = await use(txId, true);
  assert.equal(none.status, 'NoProfile');
  assert.equal((await st.connector(1)).ocpp_priority.available, false);
  // installed for EVSE 1: not in force until activated
  assert.equal((await set(1, profile(3, 'PriorityCharging', 32))).status, 'Accepted');
  let s = await st.waitFor((x) => x.connectors[0].ocpp_priority?.available === true, { what: 'priority available' });
  assert.equal(s.connectors[0].ocpp_priority.active, false);
  assert.equal(s.connectors[0].offered_a, 8);
  // activated: the PriorityCharging profile instead of the TxDefaultProfile, the station maximum still counts
  assert.equal((await use(txId, true)).status, 'Accepted');
  s = await offered(20);
  assert.equal(s.connectors[0].ocpp_priority.active, true);
  assert.equal(s.connectors[0].limited_by, 'ocpp_profile');
  const comp = await csms.call('GetCompositeSchedule', { evseId: 1, duration: 600, chargingRateUnit: 'A' });
  assert.equal(comp.status, 'Accepted');
  assert.equal(comp.schedule.chargingSchedulePeriod[0].limit, 20);
  const rf = csms.calls.length;
  assert.equal((await csms.call('GetChargingProfiles', { requestId: 4, chargingProfile: { chargingProfilePurpose: 'PriorityCharging' } })).status, 'Accepted');
  const pages = await reportPages(csms, 'ReportChargingProfiles', 4, rf);
  assert.deepEqual(pages.flatMap((p) => p.chargingProfile.map((q) => `${p.evseId}:${q.id}:${q.chargingProfilePurpose}`)), ['1:3:PriorityCharging']);
  // deactivated by the CSMS: the TxDefaultProfile again; no NotifyPriorityCharging for what the CSMS asked
  assert.equal((await use(txId, false)).status, 'Accepted');
  await offered(8);
  assert.equal(csms.callsOf('NotifyPriorityCharging').length, 0);
  // K22: asked for at the station (the API), the CSMS is told
  const nf = csms.calls.length;
  const local = await st.ok('POST', '/api/v1/connectors/1/priority', { activate: true });
  assert.equal(local.priority, true);
  const notified = await csms.waitCall('NotifyPriorityCharging', { from: nf });
  assert.deepEqual({ ...notified.params }, { transactionId: txId, activated: true });
  await offered(20);
  // the owner's dashboard (in French): the button ends it, the CSMS is told
  const pins = await setupPins(st);
  const browser = await launch();
  try {
    const page = await newPage(browser, st, { locale: 'fr-FR' });
    await login(page, 'owner', pins.owner);
    const btn = '[data-connector="1"] [data-test=priority]';
    await page.waitForSelector(`${btn}[aria-pressed=true]`);
    assert.equal((await page.textContent(btn)).trim(), 'Fin de la recharge prioritaire');
    await checkPage(page, 'dashboard-priority', { shot: false });
    const bf = csms.calls.length;
    await page.click(btn);
    const off = await csms.waitCall('NotifyPriorityCharging', { from: bf });
    assert.deepEqual({ ...off.params }, { transactionId: txId, activated: false });
    await page.waitForSelector(`${btn}[aria-pressed=false]`);
    assert.equal((await page.textContent(btn)).trim(), 'Recharge prioritaire');
    assert.equal(await page.$('[data-connector="2"] [data-test=priority]'), null); /* no transaction there */
    assert.deepEqual(page.errors, []);
  } finally {
    await browser.close();
  }
  await offered(8);
  assert.equal((await st.ok('POST', '/api/v1/connectors/1/priority', { activate: true })).priority, true);
  await offered(20);
  // refused locally: no transaction on connector 2, a bad body
  assert.equal((await st.api('POST', '/api/v1/connectors/2/priority', { activate: true })).status, 409);
  assert.equal((await st.api('POST', '/api/v1/connectors/1/priority', { activate: 'yes' })).status, 400);
  // the end of the transaction ends it; the profile stays
  const ef = csms.calls.length;
  assert.equal(st.ctl('unplug', '1').code, 0);
  await csms.waitCall('TransactionEvent', { from: ef, match: (p) => p.eventType === 'Ended' });
  s = await st.waitFor((x) => x.connectors[0].status === 'Available' && x.connectors[0].ocpp_priority?.active === false, { what: 'priority over' });
  assert.equal(s.connectors[0].ocpp_priority.available, true);
  assert.equal((await use(txId, true)).status, 'Rejected'); /* that transaction is over */
  // cleared by its purpose
  assert.equal((await csms.call('ClearChargingProfile', { chargingProfileCriteria: { chargingProfilePurpose: 'PriorityCharging' } })).status, 'Accepted');
  await st.waitFor((x) => x.connectors[0].ocpp_priority?.available === false, { what: 'no priority profile' });
  assert.equal((await csms.call('ClearChargingProfile', { chargingProfileCriteria: { chargingProfilePurpose: 'LocalGeneration' } })).status, 'Unknown');
  csms.assertNoViolations();
});
