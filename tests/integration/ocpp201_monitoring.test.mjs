// OCPP 2.0.1 variable monitoring (issue 16, block N: N02-N07) against a
// strict CSMS: npm ocpp-rpc in strict mode validates every
// SetVariableMonitoring / ClearVariableMonitoring / SetMonitoringBase /
// SetMonitoringLevel / GetMonitoringReport answer, every
// NotifyMonitoringReport page and every NotifyEvent. Covers the per-item
// statuses, an UpperThreshold on EVSE Power crossed by a charging car, a
// Delta on AvailabilityState tripped by ChangeAvailability, the severity
// filter, the report paged with its criteria, clearing, the custom monitors
// after a restart and SetMonitoringBase; offline, the events within
// OfflineQueuingSeverity queued on disk and told once the CSMS is back. BORNE_OCPP_PEER=ocpp-ws-io runs it
// against the second strict CSMS (ocpp201_monitoring_ws_io.test.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ocpp201Rig, reportPages } from './lib/ocpp201.mjs';

const rig = ocpp201Rig('cp-mon', {
  peer: { tags: { GOOD1: 'Accepted' }, handlers: { NotifyMonitoringReport: () => ({}), NotifyEvent: () => ({}) } },
});
let csms, st;
before(async () => ({ csms, st } = await rig.up()));
after(() => rig.down(st, csms));

const evse = (name, id, connectorId) => ({ name, evse: connectorId ? { id, connectorId } : { id } });
const mon = (component, variable, type, value, severity, extra = {}) => ({
  component: typeof component === 'string' ? { name: component } : component, variable: { name: variable }, type, value, severity, ...extra,
});
const setMon = async (...items) => (await csms.call('SetVariableMonitoring', { setMonitoringData: items })).setMonitoringResult;
const events = (from) => csms.calls.slice(from).filter((c) => c.action === 'NotifyEvent').flatMap((c) => c.params.eventData);

/** Every NotifyMonitoringReport page of requestId sent after `from`, once the last (tbc false) came. */
const report = (requestId, from) => reportPages(csms, 'NotifyMonitoringReport', requestId, from);
async function monitorsNow(requestId, extra = {}) {
  const from = csms.calls.length;
  const r = await csms.call('GetMonitoringReport', { requestId, ...extra });
  if (r.status === 'EmptyResultSet') return [];
  assert.equal(r.status, 'Accepted');
  return (await report(requestId, from)).flatMap((p) => p.monitor);
}

let upperId, deltaId;

test('SetVariableMonitoring: every per-item status (N04)', async () => {
  const r = await setMon(
    mon(evse('EVSE', 1), 'Power', 'UpperThreshold', 1000, 4),
    mon(evse('EVSE', 2), 'AvailabilityState', 'Delta', 1, 5),
    mon(evse('EVSE', 2), 'AvailabilityState', 'UpperThreshold', 1, 5),
    mon('NoSuchCtrlr', 'Power', 'Delta', 1, 5),
    mon(evse('EVSE', 1), 'NoSuchVariable', 'Delta', 1, 5),
    mon(evse('EVSE', 1), 'Power', 'Delta', -5, 5),
    mon(evse('EVSE', 1), 'Power', 'UpperThreshold', 2000, 4),
    mon('OCPPCommCtrlr', 'HeartbeatInterval', 'Delta', 1, 5),
    mon(evse('EVSE', 1), 'Power', 'Delta', 1, 5, { id: 424242 }),
  );
  assert.deepEqual(r.map((x) => x.status), ['Accepted', 'Accepted', 'UnsupportedMonitorType', 'UnknownComponent',
    'UnknownVariable', 'Rejected', 'Duplicate', 'UnsupportedMonitorType', 'Rejected']);
  assert.ok(r[0].id > 0 && r[1].id > 0 && r[0].id !== r[1].id);
  assert.deepEqual(r[0].component, { name: 'EVSE', evse: { id: 1 } });
  assert.equal(r[0].type, 'UpperThreshold');
  upperId = r[0].id;
  deltaId = r[1].id;
  csms.assertNoViolations();
});

test('an UpperThreshold on EVSE Power: a charging car crosses it, a NotifyEvent says so (N07)', async () => {
  const from = csms.calls.length;
  assert.equal(st.ctl('plug', '1', '--ev-max-current', '32').code, 0);
  await st.waitStatus(1, 'Preparing');
  const r = await csms.call('RequestStartTransaction', { evseId: 1, remoteStartId: 5, idToken: { idToken: 'GOOD1', type: 'Central' } });
  assert.equal(r.status, 'Accepted');
  const started = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Started' });
  const ev = await csms.waitCall('NotifyEvent', { from, match: (p) => p.eventData.some((d) => d.variableMonitoringId === upperId) });
  const d = ev.params.eventData.find((x) => x.variableMonitoringId === upperId);
  assert.equal(d.trigger, 'Alerting');
  assert.equal(d.eventNotificationType, 'CustomMonitor');
  assert.deepEqual(d.component, { name: 'EVSE', evse: { id: 1 } });
  assert.equal(d.variable.name, 'Power');
  assert.ok(Number(d.actualValue) > 1000, d.actualValue);
  assert.equal(d.transactionId, started.params.transactionInfo.transactionId);
  assert.equal(d.cleared, undefined);
  // the car leaves: the power falls back below, the alert is cleared
  const f2 = csms.calls.length;
  assert.equal(st.ctl('unplug', '1').code, 0);
  const back = await csms.waitCall('NotifyEvent', { from: f2, match: (p) => p.eventData.some((x) => x.variableMonitoringId === upperId) });
  const c = back.params.eventData.find((x) => x.variableMonitoringId === upperId);
  assert.equal(c.cleared, true);
  assert.equal(c.cause, d.eventId);
  csms.assertNoViolations();
});

test('a Delta on AvailabilityState: ChangeAvailability trips it (N07)', async () => {
  const from = csms.calls.length;
  assert.equal((await csms.call('ChangeAvailability', { evse: { id: 2 }, operationalStatus: 'Inoperative' })).status, 'Accepted');
  const ev = await csms.waitCall('NotifyEvent', { from, match: (p) => p.eventData.some((d) => d.variableMonitoringId === deltaId) });
  const d = ev.params.eventData.find((x) => x.variableMonitoringId === deltaId);
  assert.equal(d.trigger, 'Delta');
  assert.equal(d.actualValue, 'Unavailable');
  assert.deepEqual(d.component, { name: 'EVSE', evse: { id: 2 } });
  const f2 = csms.calls.length;
  assert.equal((await csms.call('ChangeAvailability', { evse: { id: 2 }, operationalStatus: 'Operative' })).status, 'Accepted');
  const again = await csms.waitCall('NotifyEvent', { from: f2, match: (p) => p.eventData.some((x) => x.variableMonitoringId === deltaId) });
  assert.equal(again.params.eventData.find((x) => x.variableMonitoringId === deltaId).actualValue, 'Available');
  csms.assertNoViolations();
});

test('SetMonitoringLevel: only monitors of a severity within the level are told (N05)', async () => {
  const r = await setMon(mon(evse('Connector', 2, 1), 'AvailabilityState', 'Delta', 1, 3));
  assert.equal(r[0].status, 'Accepted');
  const connId = r[0].id;
  assert.equal((await csms.call('SetMonitoringLevel', { severity: 4 })).status, 'Accepted');
  const ctrlr = (await csms.call('GetVariables', { getVariableData: [
    { component: { name: 'MonitoringCtrlr' }, variable: { name: 'ActiveMonitoringLevel' } },
    { component: { name: 'MonitoringCtrlr' }, variable: { name: 'ItemsPerMessage', instance: 'SetVariableMonitoring' } },
  ] })).getVariableResult;
  assert.deepEqual(ctrlr.map((x) => x.attributeValue), ['4', '20']);
  const from = csms.calls.length;
  assert.equal((await csms.call('ChangeAvailability', { evse: { id: 2 }, operationalStatus: 'Inoperative' })).status, 'Accepted');
  // both monitors trip at the same change and would be told in one NotifyEvent
  const ev = await csms.waitCall('NotifyEvent', { from, match: (p) => p.eventData.some((d) => d.variableMonitoringId === connId) });
  assert.deepEqual(ev.params.eventData.map((d) => d.variableMonitoringId), [connId], 'the severity 5 monitor is filtered out');
  assert.equal((await csms.call('SetMonitoringLevel', { severity: 9 })).status, 'Accepted');
  const f2 = csms.calls.length;
  assert.equal((await csms.call('ChangeAvailability', { evse: { id: 2 }, operationalStatus: 'Operative' })).status, 'Accepted');
  const ev2 = await csms.waitCall('NotifyEvent', { from: f2, match: (p) => p.eventData.some((d) => d.variableMonitoringId === connId) });
  assert.deepEqual(ev2.params.eventData.map((d) => d.variableMonitoringId).sort(), [deltaId, connId].sort());
  csms.assertNoViolations();
});

test('GetMonitoringReport: paged, with its criteria; ClearVariableMonitoring (N02, N06)', async () => {
  // a Delta of severity 8 on every variable that can be monitored: 12 variables, two pages
  const items = [];
  for (const id of [1, 2]) {
    for (const v of ['Power', 'AvailabilityState', 'Available']) items.push(mon(evse('EVSE', id), v, 'Delta', v === 'Power' ? 500 : 1, 8));
    for (const v of ['AvailabilityState', 'Available']) items.push(mon(evse('Connector', id, 1), v, 'Delta', 1, 8));
  }
  items.push(mon('ChargingStation', 'AvailabilityState', 'Delta', 1, 8), mon('ChargingStation', 'Available', 'Delta', 1, 8));
  const r = await setMon(...items);
  assert.deepEqual(r.map((x) => x.status), items.map(() => 'Accepted'));
  const from = csms.calls.length;
  assert.equal((await csms.call('GetMonitoringReport', { requestId: 31 })).status, 'Accepted');
  const pages = await report(31, from);
  assert.equal(pages.length, 2);
  assert.deepEqual(pages.map((p) => p.seqNo), [0, 1]);
  assert.equal(pages[0].tbc, true);
  const all = pages.flatMap((p) => p.monitor);
  assert.equal(all.length, 12);
  const ids = all.flatMap((m) => m.variableMonitoring.map((x) => x.id));
  assert.equal(ids.length, 12 + 3);
  const power1 = all.find((m) => m.component.name === 'EVSE' && m.component.evse.id === 1 && m.variable.name === 'Power');
  assert.deepEqual(power1.variableMonitoring.map((x) => x.type).sort(), ['Delta', 'UpperThreshold']);
  const thresholds = await monitorsNow(32, { monitoringCriteria: ['ThresholdMonitoring'] });
  assert.deepEqual(thresholds.flatMap((m) => m.variableMonitoring.map((x) => x.id)), [upperId]);
  const onEvse2 = await monitorsNow(33, { componentVariable: [{ component: { name: 'EVSE', evse: { id: 2 } } }] });
  assert.deepEqual(onEvse2.map((m) => m.variable.name).sort(), ['AvailabilityState', 'Available', 'Power']);
  const cleared = await csms.call('ClearVariableMonitoring', { id: [upperId, 999999] });
  assert.deepEqual(cleared.clearMonitoringResult, [{ status: 'Accepted', id: upperId }, { status: 'NotFound', id: 999999 }]);
  assert.deepEqual(await monitorsNow(34, { monitoringCriteria: ['ThresholdMonitoring'] }), []);
  csms.assertNoViolations();
});

test('the custom monitors survive a restart; SetMonitoringBase FactoryDefault removes them (N03, N04)', async () => {
  const before = (await monitorsNow(40)).flatMap((m) => m.variableMonitoring.map((x) => x.id)).sort();
  assert.ok(before.includes(deltaId));
  st = await rig.restart(st, csms);
  const after = (await monitorsNow(41)).flatMap((m) => m.variableMonitoring.map((x) => x.id)).sort();
  assert.deepEqual(after, before);
  // still live after the restart
  const from = csms.calls.length;
  assert.equal((await csms.call('ChangeAvailability', { evse: { id: 2 }, operationalStatus: 'Inoperative' })).status, 'Accepted');
  await csms.waitCall('NotifyEvent', { from, match: (p) => p.eventData.some((d) => d.variableMonitoringId === deltaId) });
  assert.equal((await csms.call('ChangeAvailability', { evse: { id: 2 }, operationalStatus: 'Operative' })).status, 'Accepted');
  assert.equal((await csms.call('SetMonitoringBase', { monitoringBase: 'All' })).status, 'Accepted');
  assert.equal((await monitorsNow(42)).length, 12);
  assert.equal((await csms.call('SetMonitoringBase', { monitoringBase: 'FactoryDefault' })).status, 'Accepted');
  assert.equal((await csms.call('GetMonitoringReport', { requestId: 43 })).status, 'EmptyResultSet');
  const base = (await csms.call('GetVariables', { getVariableData: [
    { component: { name: 'MonitoringCtrlr' }, variable: { name: 'ActiveMonitoringBase' } }] })).getVariableResult;
  assert.equal(base[0].attributeValue, 'FactoryDefault');
  csms.assertNoViolations();
});

test('offline: the events within OfflineQueuingSeverity are queued and told once the CSMS is back, the others not (N07.FR.04)', async () => {
  const ctrlr = async () => (await csms.call('GetVariables', { getVariableData: [
    { component: { name: 'MonitoringCtrlr' }, variable: { name: 'OfflineQueuingSeverity' } }] })).getVariableResult[0];
  assert.equal((await ctrlr()).attributeValue, '4');
  const set = await csms.call('SetVariables', { setVariableData: [
    { component: { name: 'MonitoringCtrlr' }, variable: { name: 'OfflineQueuingSeverity' }, attributeValue: '3' },
    { component: { name: 'MonitoringCtrlr' }, variable: { name: 'OfflineQueuingSeverity' }, attributeValue: '10' }] });
  assert.deepEqual(set.setVariableResult.map((x) => x.attributeStatus), ['Accepted', 'Rejected']);
  assert.equal((await ctrlr()).attributeValue, '3');
  assert.equal((await csms.call('SetMonitoringBase', { monitoringBase: 'All' })).status, 'Accepted');
  assert.equal((await csms.call('SetMonitoringLevel', { severity: 9 })).status, 'Accepted');
  const r = await setMon(mon(evse('Connector', 1, 1), 'AvailabilityState', 'Delta', 1, 2),
    mon(evse('EVSE', 1), 'AvailabilityState', 'Delta', 1, 6));
  assert.deepEqual(r.map((x) => x.status), ['Accepted', 'Accepted']);
  const [kept, lost] = r.map((x) => x.id);
  csms.assertNoViolations();
  const port = csms.port;
  await csms.close();
  await st.waitFor((x) => x.station.ocpp?.state !== 'connected', { what: 'ocpp offline' });
  // a car comes and goes while the CSMS is away: both monitors trip twice
  assert.equal(st.ctl('plug', '1').code, 0);
  await st.waitStatus(1, 'Preparing');
  assert.equal(st.ctl('unplug', '1').code, 0);
  await st.waitStatus(1, 'Available');
  await st.waitFor((x) => x.station.ocpp.queue_length >= 2, { what: 'the severity 2 events queued' });
  csms = await rig.peer(port);
  await csms.waitCall('BootNotification');
  await csms.waitCall('NotifyEvent', { match: (p) => p.eventData.some((d) => d.variableMonitoringId === kept && d.actualValue === 'Available') });
  await st.waitFor((x) => x.station.ocpp?.registration === 'Accepted' && x.station.ocpp.queue_length === 0, { what: 'queue flushed' });
  const told = events(0).filter((d) => [kept, lost].includes(d.variableMonitoringId));
  assert.deepEqual(told.map((d) => [d.variableMonitoringId, d.actualValue]), [[kept, 'Occupied'], [kept, 'Available']],
    'the severity 2 events in order, the severity 6 ones not told');
  assert.ok(told[0].eventId < told[1].eventId);
  // online again: every severity within the level is told
  const from = csms.calls.length;
  assert.equal(st.ctl('plug', '1').code, 0);
  await csms.waitCall('NotifyEvent', { from, match: (p) => p.eventData.some((d) => d.variableMonitoringId === lost) });
  assert.equal(st.ctl('unplug', '1').code, 0);
  await st.waitStatus(1, 'Available');
  csms.assertNoViolations();
});
