// OCPP 2.0.1 variable monitoring (issue 16, block N: N02-N08) against a
// strict CSMS: npm ocpp-rpc in strict mode validates every
// SetVariableMonitoring / ClearVariableMonitoring / SetMonitoringBase /
// SetMonitoringLevel / GetMonitoringReport answer, every
// NotifyMonitoringReport page and every NotifyEvent. Covers the per-item
// statuses, an UpperThreshold on EVSE Power crossed by a charging car (and on
// EVSE ACCurrent; on TemperatureSensor.Temperature an overheating connector), a
// Delta on AvailabilityState tripped by ChangeAvailability, the severity
// filter, the report paged with its criteria, clearing, the custom monitors
// after a restart and SetMonitoringBase; the station's own monitors
// (hard-wired, preconfigured: N03, N04.FR.15/18, N06.FR.03) and
// MonitoringCtrlr.Enabled; offline, the events within OfflineQueuingSeverity
// queued on disk and told once the CSMS is back. BORNE_OCPP_PEER=ocpp-ws-io runs it
// against the second strict CSMS (ocpp201_monitoring_ws_io.test.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { getVariableResults, ocpp201Rig, reportPages, resumed, setVariable } from './lib/ocpp201.mjs';

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
/** The NotifyEvent after call `from` that tells monitor `id`, and its eventData of that monitor. */
async function eventOf(id, from) {
  const call = await csms.waitCall('NotifyEvent', { from, match: (p) => p.eventData.some((d) => d.variableMonitoringId === id) });
  return call.params.eventData.find((d) => d.variableMonitoringId === id);
}
const stationAvailability = async (operationalStatus) =>
  assert.equal((await csms.call('ChangeAvailability', { operationalStatus })).status, 'Accepted');
const getVar = async (component, variable, attributeType) => (await getVariableResults(csms, [[component, variable, attributeType]]))[0];
const setVar = (component, variable, value) => setVariable(csms, component, variable, value);
const idsOf = (monitors) => monitors.flatMap((m) => m.variableMonitoring.map((x) => x.id)).sort((a, b) => a - b);

// the station's own monitors (monitoring.c own_monitors): a preconfigured Delta on
// ChargingStation.Available, a hard-wired UpperThreshold on each EVSE's Power, a
// preconfigured UpperThreshold on each EVSE's TemperatureSensor.Temperature
const PRECONFIGURED = 1000000;
const HARDWIRED = [1000001, 1000002];
const TEMPERATURE = [1000101, 1000102];
const OWN = [PRECONFIGURED, ...HARDWIRED, ...TEMPERATURE];

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

test('EVSE.ACCurrent and TemperatureSensor.Temperature: a charging car, an overheating connector (N04, N07)', async () => {
  const r = await setMon(mon(evse('EVSE', 1), 'ACCurrent', 'UpperThreshold', 1, 4),
    mon(evse('TemperatureSensor', 2), 'Temperature', 'UpperThreshold', 60, 2));
  assert.deepEqual(r.map((x) => x.status), ['Accepted', 'Accepted']);
  const [amps, heat] = r.map((x) => x.id);
  let from = csms.calls.length;
  assert.equal(st.ctl('plug', '1', '--ev-max-current', '16').code, 0);
  await st.waitStatus(1, 'Preparing');
  assert.equal((await csms.call('RequestStartTransaction', { evseId: 1, remoteStartId: 6, idToken: { idToken: 'GOOD1', type: 'Central' } })).status, 'Accepted');
  let d = await eventOf(amps, from);
  assert.deepEqual([d.trigger, d.eventNotificationType, d.variable.name], ['Alerting', 'CustomMonitor', 'ACCurrent']);
  assert.deepEqual(d.component, { name: 'EVSE', evse: { id: 1 } });
  assert.ok(Number(d.actualValue) > 1 && Number(d.actualValue) <= 16 * 1.1, d.actualValue);
  const now = Number((await getVar(evse('EVSE', 1), 'ACCurrent')).attributeValue);
  assert.ok(now > 1, `GetVariables ACCurrent ${now}`);
  from = csms.calls.length;
  assert.equal(st.ctl('unplug', '1').code, 0);
  d = await eventOf(amps, from);
  assert.equal(d.cleared, true);
  // the connector's sensor (error 601 beyond connector.2.max_temp_c)
  assert.ok(Number((await getVar(evse('TemperatureSensor', 2), 'Temperature')).attributeValue) < 60);
  from = csms.calls.length;
  assert.equal(st.ctl('fault', '2', 'overtemp').code, 0);
  d = await eventOf(heat, from);
  assert.deepEqual([d.trigger, d.variable.name], ['Alerting', 'Temperature']);
  // the station's own threshold at connector.2.derate_temp_c (70) trips with it
  const own = await eventOf(TEMPERATURE[1], from);
  assert.deepEqual([own.trigger, own.eventNotificationType], ['Alerting', 'PreconfiguredMonitor']);
  assert.deepEqual(d.component, { name: 'TemperatureSensor', evse: { id: 2 } });
  assert.ok(Number(d.actualValue) > 60, d.actualValue);
  from = csms.calls.length;
  assert.equal(st.ctl('fault', '2', 'clear').code, 0);
  assert.equal((await eventOf(heat, from)).cleared, true);
  await st.waitStatus(2, 'Available');
  assert.deepEqual((await csms.call('ClearVariableMonitoring', { id: [amps, heat] })).clearMonitoringResult.map((x) => x.status), ['Accepted', 'Accepted']);
  csms.assertNoViolations();
});

test('SetMonitoringLevel: only monitors of a severity within the level are told (N05)', async () => {
  const r = await setMon(mon(evse('Connector', 2, 1), 'AvailabilityState', 'Delta', 1, 3));
  assert.equal(r[0].status, 'Accepted');
  const connId = r[0].id;
  // TC_N_17_CS as EVtivity reads it: a severity out of 0-9 is Rejected (N05.FR.02)
  assert.equal((await csms.call('SetMonitoringLevel', { severity: 10 })).status, 'Rejected');
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
  // a Delta of severity 8 on every variable that can be monitored: 16 variables, two pages
  const items = [];
  for (const id of [1, 2]) {
    for (const v of ['Power', 'ACCurrent', 'AvailabilityState', 'Available']) {
      items.push(mon(evse('EVSE', id), v, 'Delta', { Power: 500, ACCurrent: 2 }[v] ?? 1, 8));
    }
    for (const v of ['AvailabilityState', 'Available']) items.push(mon(evse('Connector', id, 1), v, 'Delta', 1, 8));
    items.push(mon(evse('TemperatureSensor', id), 'Temperature', 'Delta', 5, 8));
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
  assert.equal(all.length, 16);
  const ids = all.flatMap((m) => m.variableMonitoring.map((x) => x.id));
  assert.equal(ids.length, 16 + 3 + OWN.length, 'the custom monitors and the station\'s own five');
  const power1 = all.find((m) => m.component.name === 'EVSE' && m.component.evse.id === 1 && m.variable.name === 'Power');
  assert.deepEqual(power1.variableMonitoring.map((x) => x.type).sort(), ['Delta', 'UpperThreshold', 'UpperThreshold']);
  const thresholds = await monitorsNow(32, { monitoringCriteria: ['ThresholdMonitoring'] });
  assert.deepEqual(idsOf(thresholds), [upperId, ...HARDWIRED, ...TEMPERATURE]);
  const onEvse2 = await monitorsNow(33, { componentVariable: [{ component: { name: 'EVSE', evse: { id: 2 } } }] });
  assert.deepEqual(onEvse2.map((m) => m.variable.name).sort(), ['ACCurrent', 'AvailabilityState', 'Available', 'Power']);
  const cleared = await csms.call('ClearVariableMonitoring', { id: [upperId, 999999] });
  assert.deepEqual(cleared.clearMonitoringResult, [{ status: 'Accepted', id: upperId }, { status: 'NotFound', id: 999999 }]);
  assert.deepEqual(idsOf(await monitorsNow(34, { monitoringCriteria: ['ThresholdMonitoring'] })), [...HARDWIRED, ...TEMPERATURE]);
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
  assert.equal((await monitorsNow(42)).length, 16);
  assert.equal((await csms.call('SetMonitoringBase', { monitoringBase: 'FactoryDefault' })).status, 'Accepted');
  assert.deepEqual(idsOf(await monitorsNow(43)), OWN, 'the custom ones gone, the station\'s own left');
  assert.equal((await csms.call('GetMonitoringReport', { requestId: 44, monitoringCriteria: ['PeriodicMonitoring'] })).status, 'EmptyResultSet');
  const base = (await csms.call('GetVariables', { getVariableData: [
    { component: { name: 'MonitoringCtrlr' }, variable: { name: 'ActiveMonitoringBase' } }] })).getVariableResult;
  assert.equal(base[0].attributeValue, 'FactoryDefault');
  csms.assertNoViolations();
});

test('the station\'s own monitors: in the report, tripping as PreconfiguredMonitor / CustomMonitor, SetMonitoringBase and restarts (N03, N04.FR.15/18, N06.FR.03)', async () => {
  const own = await monitorsNow(50);
  const station = own.find((m) => m.component.name === 'ChargingStation');
  assert.equal(station.variable.name, 'Available');
  assert.deepEqual(station.variableMonitoring, [{ id: PRECONFIGURED, transaction: false, value: 1, type: 'Delta', severity: 5 }]);
  // the hard-wired threshold: the most the EVSE's settings allow, plus borne's overcurrent tolerance (10 %)
  const maxSet = Number((await getVar(evse('EVSE', 1), 'Power', 'MaxSet')).attributeValue);
  const power1 = own.find((m) => m.component.name === 'EVSE' && m.component.evse.id === 1).variableMonitoring[0];
  assert.equal(power1.id, HARDWIRED[0]);
  assert.equal(power1.type, 'UpperThreshold');
  assert.equal(power1.severity, 3);
  assert.ok(Math.abs(power1.value - maxSet * 1.1) < 0.01, `${power1.value} for MaxSet ${maxSet}`);
  // the preconfigured temperature threshold: connector.N.derate_temp_c (70 unless set)
  const heat2 = own.find((m) => m.component.name === 'TemperatureSensor' && m.component.evse.id === 2);
  assert.deepEqual(heat2.variableMonitoring, [{ id: TEMPERATURE[1], transaction: false, value: 70, type: 'UpperThreshold', severity: 6 }]);
  // a hard-wired monitor is neither replaced (N04.FR.18) nor cleared (N06.FR.03)
  const hw = await setMon(mon(evse('EVSE', 1), 'Power', 'UpperThreshold', 100, 2, { id: HARDWIRED[0] }));
  assert.equal(hw[0].status, 'Rejected');
  assert.deepEqual((await csms.call('ClearVariableMonitoring', { id: [HARDWIRED[0]] })).clearMonitoringResult, [{ status: 'Rejected', id: HARDWIRED[0] }]);
  // the preconfigured one trips when the whole station goes out of service, and back
  let from = csms.calls.length;
  await stationAvailability('Inoperative');
  let d = await eventOf(PRECONFIGURED, from);
  assert.deepEqual([d.trigger, d.actualValue, d.eventNotificationType], ['Delta', 'false', 'PreconfiguredMonitor']);
  assert.deepEqual(d.component, { name: 'ChargingStation' });
  from = csms.calls.length;
  await stationAvailability('Operative');
  assert.equal((await eventOf(PRECONFIGURED, from)).actualValue, 'true');
  // replaced by the CSMS it is a custom monitor with the same id (N04.FR.15), kept across a restart
  const r = await setMon(mon('ChargingStation', 'Available', 'Delta', 1, 6, { id: PRECONFIGURED }));
  assert.deepEqual([r[0].status, r[0].id], ['Accepted', PRECONFIGURED]);
  st = await rig.restart(st, csms);
  const after = (await monitorsNow(51)).find((m) => m.component.name === 'ChargingStation').variableMonitoring;
  assert.deepEqual(after.map((x) => [x.id, x.severity]), [[PRECONFIGURED, 6]]);
  from = csms.calls.length;
  await stationAvailability('Inoperative');
  d = await eventOf(PRECONFIGURED, from);
  assert.equal(d.eventNotificationType, 'CustomMonitor');
  await stationAvailability('Operative');
  // All keeps the replacement; FactoryDefault brings the preconfigured one back as shipped
  assert.equal((await csms.call('SetMonitoringBase', { monitoringBase: 'All' })).status, 'Accepted');
  assert.equal((await monitorsNow(52)).find((m) => m.component.name === 'ChargingStation').variableMonitoring[0].severity, 6);
  assert.equal((await csms.call('SetMonitoringBase', { monitoringBase: 'FactoryDefault' })).status, 'Accepted');
  assert.equal((await monitorsNow(53)).find((m) => m.component.name === 'ChargingStation').variableMonitoring[0].severity, 5);
  // cleared, it stays away across a restart until a base brings it back
  assert.deepEqual((await csms.call('ClearVariableMonitoring', { id: [PRECONFIGURED] })).clearMonitoringResult, [{ status: 'Accepted', id: PRECONFIGURED }]);
  st = await rig.restart(st, csms);
  assert.deepEqual(idsOf(await monitorsNow(54)), [...HARDWIRED, ...TEMPERATURE]);
  assert.equal((await csms.call('SetMonitoringBase', { monitoringBase: 'All' })).status, 'Accepted');
  assert.deepEqual(idsOf(await monitorsNow(55)), OWN);
  // HardWiredOnly: only the hard-wired ones, across a restart too; the station going out of
  // service is told by a custom monitor of the same check, not by the preconfigured one
  assert.equal((await csms.call('SetMonitoringBase', { monitoringBase: 'HardWiredOnly' })).status, 'Accepted');
  st = await rig.restart(st, csms);
  assert.deepEqual(idsOf(await monitorsNow(56)), HARDWIRED);
  assert.equal((await getVar('MonitoringCtrlr', 'ActiveMonitoringBase')).attributeValue, 'HardWiredOnly');
  const [witness] = (await setMon(mon('ChargingStation', 'AvailabilityState', 'Delta', 1, 7))).map((x) => x.id);
  from = csms.calls.length;
  await stationAvailability('Inoperative');
  await eventOf(witness, from);
  assert.deepEqual(events(from).filter((x) => x.variableMonitoringId === PRECONFIGURED), []);
  await stationAvailability('Operative');
  assert.equal((await csms.call('SetMonitoringBase', { monitoringBase: 'FactoryDefault' })).status, 'Accepted');
  csms.assertNoViolations();
});

test('MonitoringCtrlr.Enabled false: no monitor is checked nor tells, the calls still work; kept across a restart', async () => {
  assert.equal((await getVar('MonitoringCtrlr', 'Enabled')).attributeValue, 'true');
  const disabledAt = csms.calls.length;
  assert.equal(await setVar('MonitoringCtrlr', 'Enabled', 'false'), 'Accepted');
  assert.equal(await setVar('MonitoringCtrlr', 'Enabled', 'maybe'), 'Rejected');
  st = await rig.restart(st, csms);
  assert.equal((await getVar('MonitoringCtrlr', 'Enabled')).attributeValue, 'false');
  // the monitors are still set, reported and cleared
  const [witness] = (await setMon(mon('ChargingStation', 'AvailabilityState', 'Delta', 1, 7))).map((x) => x.id);
  assert.ok(idsOf(await monitorsNow(60)).includes(witness));
  // the station goes out of service and back: nothing is told
  await stationAvailability('Inoperative');
  await st.waitStatus(1, 'Unavailable');
  await st.waitStatus(2, 'Unavailable');
  await stationAvailability('Operative');
  await st.waitStatus(1, 'Available');
  await st.waitStatus(2, 'Available');
  assert.equal(await setVar('MonitoringCtrlr', 'Enabled', 'true'), 'Accepted');
  const from = csms.calls.length;
  await stationAvailability('Inoperative');
  const d = await eventOf(witness, from);
  assert.equal(d.actualValue, 'Unavailable');
  // the events are told in order (one queue): any told while disabled came before this one
  assert.deepEqual(events(disabledAt).filter((x) => [witness, PRECONFIGURED].includes(x.variableMonitoringId)).map((x) => x.eventId).sort(),
    events(from).filter((x) => [witness, PRECONFIGURED].includes(x.variableMonitoringId)).map((x) => x.eventId).sort());
  await stationAvailability('Operative');
  csms.assertNoViolations();
});

test('under OCPP 2.1 the report says each monitor\'s kind (eventNotificationType, required by 2.1\'s schema)', async () => {
  const rig21 = ocpp201Rig('cp-mon21', {
    peer: { protocol: 'ocpp2.1', handlers: { NotifyMonitoringReport: () => ({}), NotifyEvent: () => ({}) } },
    set: { 'ocpp.version': '2.1' },
  });
  const { csms: c21, st: s21 } = await rig21.up();
  try {
    const r = (await c21.call('SetVariableMonitoring', { setMonitoringData: [mon(evse('EVSE', 1), 'Power', 'Delta', 100, 8)] })).setMonitoringResult;
    assert.equal(r[0].status, 'Accepted');
    const from = c21.calls.length;
    assert.equal((await c21.call('GetMonitoringReport', { requestId: 70 })).status, 'Accepted');
    const kinds = Object.fromEntries((await reportPages(c21, 'NotifyMonitoringReport', 70, from))
      .flatMap((p) => p.monitor).flatMap((m) => m.variableMonitoring).map((x) => [x.id, x.eventNotificationType]));
    assert.deepEqual(kinds, { [r[0].id]: 'CustomMonitor', [PRECONFIGURED]: 'PreconfiguredMonitor',
      [HARDWIRED[0]]: 'HardWiredMonitor', [HARDWIRED[1]]: 'HardWiredMonitor',
      [TEMPERATURE[0]]: 'PreconfiguredMonitor', [TEMPERATURE[1]]: 'PreconfiguredMonitor' });
    c21.assertNoViolations();
  } finally {
    await rig21.down(s21, c21);
  }
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
  await resumed(st, csms); // the same back end: no BootNotification
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
