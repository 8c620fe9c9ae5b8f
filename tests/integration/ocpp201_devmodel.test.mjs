// OCPP 2.0.1 device model (issue 16, block B Provisioning) against a strict
// CSMS: npm ocpp-rpc in strict mode validates every GetVariables /
// SetVariables / GetBaseReport / GetReport answer and every NotifyReport page
// against its 2.0.1 schemas. Covers the per-item statuses, SetVariables
// changing the running station (HeartbeatInterval: the next Heartbeat comes
// at the new interval) and surviving a restart (it is borne's setting), the
// three base reports and GetReport's filters paged into NotifyReport (seqNo,
// tbc, at most 20 items a page), the DeviceDataCtrlr limits, and ReserveNow
// without an EVSE (ReservationCtrlr.NonEvseSpecific). BORNE_OCPP_PEER=ocpp-ws-io
// runs it against the second strict CSMS (ocpp201_devmodel_ws_io.test.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startBorned } from './lib/borne.mjs';
import { ocpp201Rig, Peer201 as Peer, reportPages } from './lib/ocpp201.mjs';

const rig = ocpp201Rig('cp-dm', { peer: { handlers: { NotifyReport: () => ({}) } } });
let csms, st;
before(async () => ({ csms, st } = await rig.up()));
after(() => rig.down(st, csms));

const cv = (component, variable, extra = {}) => ({ component: typeof component === 'string' ? { name: component } : component, variable: typeof variable === 'string' ? { name: variable } : variable, ...extra });
const get = async (...items) => (await csms.call('GetVariables', { getVariableData: items })).getVariableResult;
const set = async (...items) => (await csms.call('SetVariables', { setVariableData: items })).setVariableResult;

/** Every NotifyReport page of requestId sent after `from`, once the last (tbc false) came. */
const report = (requestId, from) => reportPages(csms, 'NotifyReport', requestId, from);

test('GetVariables: values and every per-item status (B06)', async () => {
  const r = await get(
    cv('OCPPCommCtrlr', 'HeartbeatInterval'),
    cv('OCPPCommCtrlr', { name: 'MessageAttempts', instance: 'TransactionEvent' }),
    cv({ name: 'EVSE', evse: { id: 2 } }, 'AvailabilityState'),
    cv({ name: 'Connector', evse: { id: 1, connectorId: 1 } }, 'ConnectorType'),
    cv('SecurityCtrlr', 'Identity'),
    cv('DeviceDataCtrlr', { name: 'ItemsPerMessage', instance: 'GetVariables' }),
    cv('NoSuchCtrlr', 'HeartbeatInterval'),
    cv({ name: 'EVSE', evse: { id: 9 } }, 'AvailabilityState'),
    cv('OCPPCommCtrlr', 'NoSuchVariable'),
    cv('OCPPCommCtrlr', 'HeartbeatInterval', { attributeType: 'Target' }),
    cv('SecurityCtrlr', 'BasicAuthPassword'),
    cv({ name: 'EVSE', evse: { id: 1 } }, 'Power', { attributeType: 'MaxSet' }),
    // Target and MinSet: ConnectedEV's (ISO 15118) in the OCA device model, no variable of borne's
    cv({ name: 'EVSE', evse: { id: 1 } }, 'Power', { attributeType: 'MinSet' }),
    cv({ name: 'EVSE', evse: { id: 1 } }, 'Power', { attributeType: 'Target' }),
  );
  assert.deepEqual(r.map((x) => x.attributeStatus), ['Accepted', 'Accepted', 'Accepted', 'Accepted', 'Accepted', 'Accepted',
    'UnknownComponent', 'UnknownComponent', 'UnknownVariable', 'NotSupportedAttributeType', 'Rejected', 'Accepted',
    'NotSupportedAttributeType', 'NotSupportedAttributeType']);
  assert.equal(r[0].attributeValue, '300');
  assert.equal(r[1].attributeValue, '3');
  assert.equal(r[2].attributeValue, 'Available');
  assert.equal(r[3].attributeValue, 'sType2');
  assert.equal(r[4].attributeValue, 'cp-dm');
  assert.equal(r[5].attributeValue, '50');
  assert.equal(r[10].attributeValue, undefined, 'a write-only variable is never shown');
  assert.equal(r[11].attributeType, 'MaxSet');
  assert.ok(Number(r[11].attributeValue) > 0);
  assert.deepEqual(r[2].component, { name: 'EVSE', evse: { id: 2 } });
  csms.assertNoViolations();
});

test('SetVariables changes the running station and borne\'s setting (B05)', async () => {
  const from = csms.calls.length;
  const r = await set(
    cv('OCPPCommCtrlr', 'HeartbeatInterval', { attributeValue: '1' }),
    cv('OCPPCommCtrlr', 'HeartbeatInterval', { attributeValue: 'often' }),
    cv('SecurityCtrlr', 'SecurityProfile', { attributeValue: '3' }),
    cv('SampledDataCtrlr', 'TxUpdatedMeasurands', { attributeValue: 'Voltage,Bogus.Measurand' }),
    cv('SampledDataCtrlr', 'TxUpdatedMeasurands', { attributeValue: 'Energy.Active.Import.Register,Voltage' }),
    cv('AuthCtrlr', 'LocalPreAuthorize', { attributeValue: 'yes' }),
    cv('AuthCtrlr', 'LocalPreAuthorize', { attributeValue: 'true' }),
    cv('NoSuchCtrlr', 'Enabled', { attributeValue: 'true' }),
    cv('TxCtrlr', 'NoSuchVariable', { attributeValue: 'true' }),
    cv('OCPPCommCtrlr', 'HeartbeatInterval', { attributeValue: '5', attributeType: 'MaxSet' }),
  );
  assert.deepEqual(r.map((x) => x.attributeStatus), ['Accepted', 'Rejected', 'Rejected', 'Rejected', 'Accepted', 'Rejected', 'Accepted',
    'UnknownComponent', 'UnknownVariable', 'NotSupportedAttributeType']);
  // the heartbeat follows the new interval at once
  await csms.waitCall('Heartbeat', { from, timeoutMs: 10000 });
  assert.equal((await get(cv('OCPPCommCtrlr', 'HeartbeatInterval')))[0].attributeValue, '1');
  assert.equal((await get(cv('AuthCtrlr', 'LocalPreAuthorize')))[0].attributeValue, 'true');
  assert.equal((await get(cv('SampledDataCtrlr', 'TxUpdatedMeasurands')))[0].attributeValue, 'Energy.Active.Import.Register,Voltage');
  // the same setting the API, the config file and 1.6's ChangeConfiguration write
  const { settings } = await st.ok('GET', '/api/v1/settings');
  assert.equal(settings['ocpp.HeartbeatInterval'], 1);
  assert.equal(settings['ocpp.LocalPreAuthorize'], true);
  assert.equal((await set(cv('OCPPCommCtrlr', 'HeartbeatInterval', { attributeValue: '120' })))[0].attributeStatus, 'Accepted');
  csms.assertNoViolations();
});

test('TC_B_07_CS: OCPPCommCtrlr.OfflineThreshold and AuthCtrlr.LocalAuthorizeOffline in one GetVariables', async () => {
  const s = await set(cv('OCPPCommCtrlr', 'OfflineThreshold', { attributeValue: '300' }), cv('AuthCtrlr', 'LocalAuthorizeOffline', { attributeValue: 'true' }));
  assert.deepEqual(s.map((x) => x.attributeStatus), ['Accepted', 'Accepted']);
  const r = await get(cv('OCPPCommCtrlr', 'OfflineThreshold', { attributeType: 'Actual' }), cv('AuthCtrlr', 'LocalAuthorizeOffline', { attributeType: 'Actual' }));
  assert.deepEqual(r.map((x) => [x.attributeStatus, x.attributeType, x.attributeValue, x.component.name, x.variable.name, x.attributeStatusInfo?.reasonCode ?? 'NoError']),
    [['Accepted', 'Actual', '300', 'OCPPCommCtrlr', 'OfflineThreshold', 'NoError'], ['Accepted', 'Actual', 'true', 'AuthCtrlr', 'LocalAuthorizeOffline', 'NoError']]);
  assert.equal((await set(cv('OCPPCommCtrlr', 'OfflineThreshold', { attributeValue: '0' })))[0].attributeStatus, 'Accepted');
  csms.assertNoViolations();
});

test('too many items (DeviceDataCtrlr.ItemsPerMessage): TC_B_08_CS GetVariables answers the first ones and Rejected the last; SetVariables OccurrenceConstraintViolation', async () => {
  // TC_B_08_CS: ItemsPerMessageGetVariables + 1 items, either all Rejected or the last Rejected
  // and the others Accepted (a CALLERROR, which B06.FR.16 allows, is not among its answers)
  const max = Number((await get(cv('DeviceDataCtrlr', { name: 'ItemsPerMessage', instance: 'GetVariables' })))[0].attributeValue);
  const names = ['HeartbeatInterval', 'OfflineThreshold', 'RetryBackOffWaitMinimum', 'ResetRetries', 'NetworkConfigurationPriority'];
  const items = Array.from({ length: max + 1 }, (_, i) => cv('OCPPCommCtrlr', names[i % names.length], { attributeType: 'Actual' }));
  const r = await get(...items);
  assert.equal(r.length, max + 1);
  assert.deepEqual(r.slice(0, max).map((x) => x.attributeStatus), Array(max).fill('Accepted'));
  assert.equal(r[max].attributeStatus, 'Rejected');
  assert.equal(r[max].attributeValue, undefined);
  assert.deepEqual(r[max].variable, items[max].variable);
  const setItems = Array.from({ length: max + 1 }, () => cv('OCPPCommCtrlr', 'HeartbeatInterval', { attributeValue: '300' }));
  await assert.rejects(csms.call('SetVariables', { setVariableData: setItems }), (e) => (e.rpcErrorCode ?? e.code) === 'OccurrenceConstraintViolation');
  csms.assertNoViolations();
});

/** TC_B_12_CS / TC_B_13_CS's checks of a base report: requestId, generatedAt, seqNo from 0, every
 * variable with variableCharacteristics, a valuesList on every OptionList, SequenceList or
 * MemberList. */
function assertReportShape(pages, requestId) {
  assert.deepEqual(pages.map((p) => p.seqNo), pages.map((_, i) => i));
  for (const p of pages) {
    assert.equal(p.requestId, requestId);
    assert.ok(!Number.isNaN(Date.parse(p.generatedAt)), 'generatedAt');
    for (const x of p.reportData) {
      assert.ok(x.variableCharacteristics, `${x.component.name}.${x.variable.name} has variableCharacteristics`);
      if (['OptionList', 'SequenceList', 'MemberList'].includes(x.variableCharacteristics.dataType))
        assert.ok(x.variableCharacteristics.valuesList, `${x.component.name}.${x.variable.name} has a valuesList`);
    }
  }
}

test('GetBaseReport FullInventory: every variable, paged into NotifyReport (B07)', async () => {
  const from = csms.calls.length;
  assert.equal((await csms.call('GetBaseReport', { requestId: 7, reportBase: 'FullInventory' })).status, 'Accepted');
  const pages = await report(7, from);
  assert.deepEqual(pages.map((p) => p.seqNo), pages.map((_, i) => i));
  assert.deepEqual(pages.map((p) => p.tbc), pages.map((_, i) => i < pages.length - 1));
  assert.ok(pages.length >= 4, `${pages.length} pages`);
  for (const p of pages) assert.ok(p.reportData.length <= 20);
  const items = pages.flatMap((p) => p.reportData);
  const find = (c, v, evse) => items.find((x) => x.component.name === c && x.variable.name === v && (evse === undefined || x.component.evse?.id === evse));
  const hb = find('OCPPCommCtrlr', 'HeartbeatInterval');
  assert.deepEqual(hb.variableAttribute, [{ type: 'Actual', value: '120', mutability: 'ReadWrite', persistent: true, constant: false }]);
  assert.equal(hb.variableCharacteristics.dataType, 'integer');
  assert.equal(hb.variableCharacteristics.unit, 's');
  const power = find('EVSE', 'Power', 2);
  assert.deepEqual(power.variableAttribute.map((a) => a.type), ['Actual', 'MaxSet']);
  for (const c of ['ChargingStation', 'EVSE', 'Connector', 'OCPPCommCtrlr', 'SecurityCtrlr', 'AuthCtrlr', 'AuthCacheCtrlr', 'LocalAuthListCtrlr', 'TxCtrlr', 'SampledDataCtrlr', 'ReservationCtrlr', 'ClockCtrlr', 'DeviceDataCtrlr'])
    assert.ok(items.some((x) => x.component.name === c), c);
  assert.equal(find('SecurityCtrlr', 'BasicAuthPassword').variableAttribute[0].value, undefined);
  assert.equal(items.filter((x) => x.component.name === 'Connector').length, 8);
  assertReportShape(pages, 7); // TC_B_13_CS
  csms.assertNoViolations();
});

test('GetBaseReport ConfigurationInventory and SummaryInventory', async () => {
  let from = csms.calls.length;
  assert.equal((await csms.call('GetBaseReport', { requestId: 8, reportBase: 'ConfigurationInventory' })).status, 'Accepted');
  const confPages = await report(8, from);
  assertReportShape(confPages, 8); // TC_B_12_CS
  const conf = confPages.flatMap((p) => p.reportData);
  assert.ok(conf.length > 10);
  assert.ok(conf.every((x) => ['ReadWrite', 'WriteOnly'].includes(x.variableAttribute[0].mutability)));
  assert.ok(conf.some((x) => x.variable.name === 'BasicAuthPassword' && x.variableAttribute[0].mutability === 'WriteOnly'));
  from = csms.calls.length;
  assert.equal((await csms.call('GetBaseReport', { requestId: 9, reportBase: 'SummaryInventory' })).status, 'Accepted');
  const summary = (await report(9, from)).flatMap((p) => p.reportData);
  assert.equal(summary.length, 5); // the station, 2 EVSEs, 2 connectors
  assert.ok(summary.every((x) => x.variable.name === 'AvailabilityState'));
  csms.assertNoViolations();
});

test('GetReport: componentVariable and componentCriteria filters, EmptyResultSet (B08)', async () => {
  let from = csms.calls.length;
  assert.equal((await csms.call('GetReport', { requestId: 10, componentVariable: [{ component: { name: 'EVSE', evse: { id: 2 } } }, cv('TxCtrlr', 'TxStartPoint')] })).status, 'Accepted');
  const items = (await report(10, from)).flatMap((p) => p.reportData);
  // AvailabilityState, Available, Power, SupplyPhases, ACCurrent
  assert.equal(items.filter((x) => x.component.name === 'EVSE').length, 5);
  assert.ok(items.filter((x) => x.component.name === 'EVSE').every((x) => x.component.evse.id === 2));
  assert.equal(items.find((x) => x.variable.name === 'TxStartPoint').variableAttribute[0].value, 'PowerPathClosed');
  from = csms.calls.length;
  assert.equal((await csms.call('GetReport', { requestId: 11, componentCriteria: ['Enabled'], componentVariable: [{ component: { name: 'AuthCacheCtrlr' } }, { component: { name: 'ClockCtrlr' } }] })).status, 'Accepted');
  const enabled = (await report(11, from)).flatMap((p) => p.reportData);
  assert.ok(enabled.length > 0 && enabled.every((x) => x.component.name === 'AuthCacheCtrlr'));
  const mark = csms.calls.length;
  assert.equal((await csms.call('GetReport', { requestId: 12, componentVariable: [{ component: { name: 'NoSuchCtrlr' } }] })).status, 'EmptyResultSet');
  // nothing is sent for an empty result: the next report's pages come first
  assert.equal((await csms.call('GetBaseReport', { requestId: 13, reportBase: 'SummaryInventory' })).status, 'Accepted');
  await report(13, mark);
  assert.equal(csms.calls.slice(mark).filter((c) => c.action === 'NotifyReport' && c.params.requestId === 12).length, 0);
  csms.assertNoViolations();
});

test('ReserveNow without an EVSE is accepted (ReservationCtrlr.NonEvseSpecific)', async () => {
  assert.equal((await get(cv('ReservationCtrlr', 'NonEvseSpecific')))[0].attributeValue, 'true');
  const expiryDateTime = new Date(Date.now() + 3600e3).toISOString();
  assert.equal((await csms.call('ReserveNow', { id: 77, expiryDateTime, idToken: { idToken: 'ANY1', type: 'ISO14443' } })).status, 'Accepted');
  assert.equal((await csms.call('CancelReservation', { reservationId: 77 })).status, 'Accepted');
  csms.assertNoViolations();
});

test('BasicAuthPassword: write-only, set by the CSMS, a security event, the link made anew', async () => {
  const from = csms.calls.length;
  const r = await set(cv('SecurityCtrlr', 'BasicAuthPassword', { attributeValue: 'short' }), cv('SecurityCtrlr', 'BasicAuthPassword', { attributeValue: 'a-new-password-of-24-chr' }));
  assert.deepEqual(r.map((x) => x.attributeStatus), ['Rejected', 'Accepted']);
  const sec = await csms.waitCall('SecurityEventNotification', { from, match: (p) => p.type === 'ReconfigurationOfSecurityParameters' });
  assert.match(sec.params.techInfo, /BasicAuthPassword/);
  await csms.waitCall('BootNotification', { from });
  assert.equal((await get(cv('SecurityCtrlr', 'BasicAuthPassword')))[0].attributeStatus, 'Rejected');
  const { settings } = await st.ok('GET', '/api/v1/settings');
  assert.deepEqual(settings['ocpp.AuthorizationKey'], { set: true });
  csms.assertNoViolations();
});

test('registration Pending: the CSMS provisions the station, the report is sent (B02)', async () => {
  const pending = await new Peer({ protocol: 'ocpp2.0.1', bootStatus: 'Pending', bootInterval: 300, handlers: { NotifyReport: () => ({}) } }).listen();
  const other = await startBorned({
    connectors: 1, auth: 'ocpp', args: ['--csms', pending.url],
    set: { 'station.id': 'cp-pending', 'ocpp.version': '2.0.1', 'ocpp.reconnect_max_s': '2' },
  });
  try {
    await pending.waitCall('BootNotification');
    await other.waitFor((x) => x.station.ocpp?.registration === 'Pending', { what: 'Pending' });
    const from = pending.calls.length;
    assert.equal((await pending.call('SetVariables', { setVariableData: [cv('OCPPCommCtrlr', 'HeartbeatInterval', { attributeValue: '77' })] })).setVariableResult[0].attributeStatus, 'Accepted');
    assert.equal((await pending.call('GetBaseReport', { requestId: 3, reportBase: 'ConfigurationInventory' })).status, 'Accepted');
    const items = (await reportPages(pending, 'NotifyReport', 3, from)).flatMap((p) => p.reportData);
    assert.equal(items.find((x) => x.variable.name === 'HeartbeatInterval').variableAttribute[0].value, '77');
    pending.assertNoViolations();
  } finally {
    await other.stop();
    other.cleanup();
    await pending.close();
  }
});

test('a variable set by the CSMS survives a restart (it is borne\'s setting)', async () => {
  st = await rig.restart(st, csms);
  const r = await get(cv('OCPPCommCtrlr', 'HeartbeatInterval'), cv('AuthCtrlr', 'LocalPreAuthorize'));
  assert.deepEqual(r.map((x) => x.attributeValue), ['120', 'true']);
  csms.assertNoViolations();
});
