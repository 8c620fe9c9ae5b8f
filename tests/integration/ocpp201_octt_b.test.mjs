// The OCA's test cases of block B (OCPP 2.0.1 Part 6, FINAL 2023-06-30) whose tool validations
// were read (ocpplab.com's renderings, docs/ocpp201.md "OCTT test cases B and C"), each
// checked step by step against a strict CSMS: npm ocpp-rpc strict here, npm ocpp-ws-io strict
// through ocpp201_octt_b_ws_io.test.mjs. The station runs on its accelerated clock (20 x):
// every step waits for what it expects.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ocpp201Rig } from './lib/ocpp201.mjs';

const rig = ocpp201Rig('cp-201-octt-b', {
  peer: { bootStatus: 'Pending', bootInterval: 1, handlers: { NotifyReport: () => ({}) } },
});

let csms, st;
before(async () => {
  csms = await rig.peer();
  st = await rig.start(csms.url);
});
after(() => rig.down(st, csms));

const cv = (component, variable, extra = {}) => ({ component: { name: component }, variable: { name: variable }, ...extra });
const set = async (...items) => (await csms.call('SetVariables', { setVariableData: items })).setVariableResult;
const get = async (...items) => (await csms.call('GetVariables', { getVariableData: items })).getVariableResult;
/** "attributeStatusInfo is absent or attributeStatusInfo.reasonCode = NoError" */
const noError = (r) => r.attributeStatusInfo === undefined || r.attributeStatusInfo.reasonCode === 'NoError';

// TC_B_02_CS: while Pending the CSMS sets and reads variables and gets a base report; a remote
// start is refused; TriggerMessage BootNotification (F06.FR.17) boots at once, reason Triggered;
// Accepted, every connector's state follows.
test('TC_B_02_CS: Pending: SetVariables, GetVariables, GetBaseReport, RequestStartTransaction Rejected, TriggerMessage BootNotification', async () => {
  await csms.waitCall('BootNotification');
  await st.waitFor((x) => x.station.ocpp?.registration === 'Pending', { what: 'Pending' });
  const s = await set(cv('OCPPCommCtrlr', 'OfflineThreshold', { attributeValue: '300' }));
  assert.equal(s[0].attributeStatus, 'Accepted');
  const g = await get(cv('OCPPCommCtrlr', 'OfflineThreshold'));
  assert.equal(g[0].attributeStatus, 'Accepted');
  assert.equal(g[0].attributeValue, '300');
  let from = csms.calls.length;
  assert.equal((await csms.call('GetBaseReport', { requestId: 7, reportBase: 'FullInventory' })).status, 'Accepted');
  await csms.waitCall('NotifyReport', { from, match: (p) => p.requestId === 7 && !p.tbc });
  assert.equal((await csms.call('RequestStartTransaction', { evseId: 1, remoteStartId: 1, idToken: { idToken: 'GOOD1', type: 'Central' } })).status, 'Rejected');
  from = csms.calls.length;
  csms.bootStatus = 'Accepted';
  assert.equal((await csms.call('TriggerMessage', { requestedMessage: 'BootNotification' })).status, 'Accepted');
  const boot = await csms.waitCall('BootNotification', { from });
  assert.equal(boot.params.reason, 'Triggered');
  for (const evseId of [1, 2]) await csms.waitCall('StatusNotification', { from, match: (p) => p.evseId === evseId && p.connectorStatus === 'Available' });
  await rig.registered(st);
  csms.assertNoViolations();
});

test('TC_B_09_CS, TC_B_10_CS: SetVariables OfflineThreshold (and LocalAuthorizeOffline), attributeType Actual', async () => {
  const one = await set(cv('OCPPCommCtrlr', 'OfflineThreshold', { attributeValue: '300', attributeType: 'Actual' }));
  assert.equal(one.length, 1);
  assert.equal(one[0].attributeStatus, 'Accepted');
  assert.equal(one[0].attributeType, 'Actual');
  assert.equal(one[0].component.name, 'OCPPCommCtrlr');
  assert.equal(one[0].variable.name, 'OfflineThreshold');
  assert.ok(noError(one[0]));
  const two = await set(
    cv('OCPPCommCtrlr', 'OfflineThreshold', { attributeValue: '300', attributeType: 'Actual' }),
    cv('AuthCtrlr', 'LocalAuthorizeOffline', { attributeValue: 'true', attributeType: 'Actual' }),
  );
  for (const [r, component, variable] of [[two[0], 'OCPPCommCtrlr', 'OfflineThreshold'], [two[1], 'AuthCtrlr', 'LocalAuthorizeOffline']]) {
    assert.equal(r.attributeStatus, 'Accepted');
    assert.equal(r.attributeType, 'Actual');
    assert.equal(r.component.name, component);
    assert.equal(r.variable.name, variable);
    assert.ok(noError(r));
  }
  // TC_B_06_CS, TC_B_07_CS: read back
  const back = await get(cv('OCPPCommCtrlr', 'OfflineThreshold', { attributeType: 'Actual' }), cv('AuthCtrlr', 'LocalAuthorizeOffline', { attributeType: 'Actual' }));
  assert.deepEqual(back.map((r) => [r.attributeStatus, r.attributeType, r.attributeValue]), [['Accepted', 'Actual', '300'], ['Accepted', 'Actual', 'true']]);
  assert.ok(back.every(noError));
  csms.assertNoViolations();
});

// TC_B_11_CS: 1, 1.1, true, a time and "abc" for an integer (OfflineThreshold) and a decimal
// (LimitChangeSignificance): a value the variable does not take is Rejected with reasonCode
// InvalidValue, one it takes Accepted. (Steps 5-6, ClockCtrlr.NextTimeOffsetTransitionDateTime,
// are for a station that has it; borne has not.)
test('TC_B_11_CS: SetVariables of invalidly formatted values: Rejected InvalidValue', async () => {
  const values = ['1', '1.1', 'true', new Date().toISOString(), 'abc'];
  const expect = {
    OfflineThreshold: ['Accepted', 'Rejected', 'Rejected', 'Rejected', 'Rejected'],
    LimitChangeSignificance: ['Accepted', 'Accepted', 'Rejected', 'Rejected', 'Rejected'],
  };
  for (const [i, value] of values.entries())
    for (const [component, variable] of [['OCPPCommCtrlr', 'OfflineThreshold'], ['SmartChargingCtrlr', 'LimitChangeSignificance']]) {
      const [r] = await set(cv(component, variable, { attributeValue: value }));
      assert.equal(r.attributeStatus, expect[variable][i], `${variable} = ${value}`);
      if (r.attributeStatus === 'Rejected') assert.equal(r.attributeStatusInfo?.reasonCode, 'InvalidValue', `${variable} = ${value}`);
      else assert.ok(noError(r));
    }
  assert.equal((await set(cv('OCPPCommCtrlr', 'OfflineThreshold', { attributeValue: '300' })))[0].attributeStatus, 'Accepted');
  csms.assertNoViolations();
});

// TC_B_28_CS (B11/B12): a station that cannot reset an EVSE alone answers Reset with an evseId
// Rejected, without a transaction too (TC_B_29_CS, with one, in ocpp201.test.mjs); it stays up.
test('TC_B_28_CS: Reset OnIdle of one EVSE, none charging: Rejected', async () => {
  const from = csms.calls.length;
  assert.equal((await csms.call('Reset', { type: 'OnIdle', evseId: 1 })).status, 'Rejected');
  await csms.call('TriggerMessage', { requestedMessage: 'Heartbeat' });
  await csms.waitCall('Heartbeat', { from });
  assert.equal(csms.calls.slice(from).some((c) => c.action === 'BootNotification'), false, 'no restart');
  csms.assertNoViolations();
});
