// OCPP 2.0.1 "cable disconnected on EV side" (E09, E10; TxCtrlr.StopTxOnEVSideDisconnect and
// OCPPCommCtrlr.UnlockOnEVSideDisconnect, ReadWrite on the settings of the 1.6 keys) against a
// strict CSMS: TC_E_24_CS, TC_E_25_CS, TC_E_26_CS, TC_E_27_CS (OCA Part 6, 2023-06-30, as
// ocpplab.com renders it). The car unplugs its side only (`bornectl unplug C --side ev`): the cable stays in
// the socket until `--side station`, which the simulated lock refuses while it holds the cable.
// ocpp201_evside_ws_io.test.mjs runs the same against npm ocpp-ws-io strict.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { getVariable, ocpp201Rig, setVariable } from './lib/ocpp201.mjs';

const TAGS = { GOOD1: 'Accepted' };
// connector 2 has a fixed cable (TC_E_27_CS)
const rig = ocpp201Rig('cp-201-evside', { peer: { tags: TAGS, bootInterval: 60 }, set: { 'ocpp.MeterValueSampleInterval': '0', 'connector.2.tethered': 'true' } });

let csms, st;
before(async () => ({ csms, st } = await rig.up()));
after(() => rig.down(st, csms));

const setVar = (component, variable, value) => setVariable(csms, component, variable, value);
const getVar = (component, variable) => getVariable(csms, component, variable);

async function configure(stopTx, unlock, stopPoint) {
  assert.equal(await setVar('TxCtrlr', 'StopTxOnEVSideDisconnect', String(stopTx)), 'Accepted');
  assert.equal(await setVar('OCPPCommCtrlr', 'UnlockOnEVSideDisconnect', String(unlock)), 'Accepted');
  assert.equal(await setVar('TxCtrlr', 'TxStopPoint', stopPoint), 'Accepted');
  assert.equal(await getVar('TxCtrlr', 'StopTxOnEVSideDisconnect'), String(stopTx));
  assert.equal(await getVar('OCPPCommCtrlr', 'UnlockOnEVSideDisconnect'), String(unlock));
}

const txEvents = (tx, from) => csms.calls.slice(from).filter((x) => x.action === 'TransactionEvent' && x.params.transactionInfo.transactionId === tx).map((x) => x.params);
const connectorStatuses = (from) => csms.calls.slice(from).filter((x) => x.action === 'StatusNotification' && x.params.evseId === 1).map((x) => x.params.connectorStatus);

// EnergyTransferStarted: a badge, the car charging, a socket's cable locked
async function charging(c = 1) {
  const from = csms.calls.length;
  assert.equal(st.ctl('plug', String(c)).code, 0);
  assert.equal(st.ctl('tap', 'GOOD1').code, 0);
  const started = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Started' && p.evse.id === c });
  const tx = started.params.transactionInfo.transactionId;
  await csms.waitCall('TransactionEvent', { from, match: (p) => p.transactionInfo.transactionId === tx && p.transactionInfo.chargingState === 'Charging' });
  if (c === 1) await st.waitFor((x) => x.connectors[0].locked, { what: 'cable locked' });
  return tx;
}

test('the EV side variables are ReadWrite booleans', async () => {
  const r = (await csms.call('GetVariables', { getVariableData: [{ component: { name: 'TxCtrlr' }, variable: { name: 'StopTxOnEVSideDisconnect' }, attributeType: 'Actual' }] })).getVariableResult[0];
  assert.equal(r.attributeStatus, 'Accepted');
  assert.equal(await setVar('TxCtrlr', 'StopTxOnEVSideDisconnect', 'maybe'), 'Rejected');
  assert.equal(await setVar('OCPPCommCtrlr', 'UnlockOnEVSideDisconnect', 'false'), 'Accepted');
  assert.equal(await setVar('OCPPCommCtrlr', 'UnlockOnEVSideDisconnect', 'true'), 'Accepted');
  csms.assertNoViolations();
});

test('TC_E_24_CS: StopTxOnEVSideDisconnect and UnlockOnEVSideDisconnect true: Ended EVCommunicationLost, Idle; unlocked; Available once the cable leaves the socket', async () => {
  await configure(true, true, 'Authorized');
  const tx = await charging();
  const from = csms.calls.length;
  assert.equal(st.ctl('unplug', '1', '--side', 'ev').code, 0);
  const ended = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Ended' && p.transactionInfo.transactionId === tx });
  assert.equal(ended.params.triggerReason, 'EVCommunicationLost');
  assert.equal(ended.params.transactionInfo.chargingState, 'Idle');
  assert.equal(ended.params.transactionInfo.stoppedReason, 'EVDisconnected');
  await st.waitFor((x) => !x.connectors[0].locked, { what: 'cable unlocked' });
  assert.deepEqual(connectorStatuses(from), []); // the cable still occupies the connector
  assert.equal(st.ctl('unplug', '1', '--side', 'station').code, 0);
  await csms.waitCall('StatusNotification', { from, match: (p) => p.evseId === 1 && p.connectorStatus === 'Available' });
  csms.assertNoViolations();
});

test('TC_E_25_CS: UnlockOnEVSideDisconnect false: the transaction ends, the cable stays locked until the IdToken that started it', async () => {
  await configure(true, false, 'Authorized');
  const tx = await charging();
  const from = csms.calls.length;
  assert.equal(st.ctl('unplug', '1', '--side', 'ev').code, 0);
  const ended = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Ended' && p.transactionInfo.transactionId === tx });
  assert.equal(ended.params.triggerReason, 'EVCommunicationLost');
  assert.equal(ended.params.transactionInfo.chargingState, 'Idle');
  assert.equal((await st.connector(1)).locked, true);
  assert.notEqual(st.ctl('unplug', '1', '--side', 'station').code, 0, 'the lock holds the cable');
  assert.equal(st.ctl('tap', 'GOOD1').code, 0);
  await st.waitFor((x) => !x.connectors[0].locked, { what: 'cable released by the IdToken' });
  assert.equal(csms.calls.slice(from).filter((x) => x.action === 'TransactionEvent' && x.params.eventType === 'Started').length, 0);
  assert.equal(st.ctl('unplug', '1', '--side', 'station').code, 0);
  await csms.waitCall('StatusNotification', { from, match: (p) => p.evseId === 1 && p.connectorStatus === 'Available' });
  csms.assertNoViolations();
});

test('TC_E_26_CS: StopTxOnEVSideDisconnect false, TxStopPoint Authorized: suspended (EVCommunicationLost, Idle, Available), energy again on reconnection, RequestStopTransaction ends it', async () => {
  await configure(false, false, 'Authorized');
  const tx = await charging();
  let from = csms.calls.length;
  assert.equal(st.ctl('unplug', '1', '--side', 'ev').code, 0);
  const lost = await csms.waitCall('TransactionEvent', { from, match: (p) => p.transactionInfo.transactionId === tx && p.triggerReason === 'EVCommunicationLost' });
  assert.equal(lost.params.eventType, 'Updated');
  assert.equal(lost.params.transactionInfo.chargingState, 'Idle');
  await csms.waitCall('StatusNotification', { from, match: (p) => p.evseId === 1 && p.connectorStatus === 'Available' });
  assert.equal((await st.connector(1)).locked, true, 'E10: locked until the IdToken');
  assert.notEqual(st.ctl('unplug', '1', '--side', 'station').code, 0);
  // reconnected: the same transaction charges again
  from = csms.calls.length;
  assert.equal(st.ctl('plug', '1').code, 0);
  const back = await csms.waitCall('TransactionEvent', { from, match: (p) => p.transactionInfo.transactionId === tx && p.triggerReason === 'CablePluggedIn' });
  assert.equal(back.params.eventType, 'Updated');
  assert.equal(back.params.transactionInfo.chargingState, 'EVConnected');
  await csms.waitCall('TransactionEvent', { from, match: (p) => p.transactionInfo.transactionId === tx && p.transactionInfo.chargingState === 'Charging' });
  await csms.waitCall('StatusNotification', { from, match: (p) => p.evseId === 1 && p.connectorStatus === 'Occupied' });
  assert.equal(txEvents(tx, from).filter((e) => e.eventType !== 'Updated').length, 0);
  // away again; the CSMS stops it
  from = csms.calls.length;
  assert.equal(st.ctl('unplug', '1', '--side', 'ev').code, 0);
  await csms.waitCall('TransactionEvent', { from, match: (p) => p.transactionInfo.transactionId === tx && p.triggerReason === 'EVCommunicationLost' });
  assert.equal((await csms.call('RequestStopTransaction', { transactionId: tx })).status, 'Accepted');
  const ended = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Ended' && p.transactionInfo.transactionId === tx });
  assert.equal(ended.params.triggerReason, 'RemoteStop');
  assert.equal(ended.params.transactionInfo.stoppedReason, 'Remote');
  await st.waitFor((x) => !x.connectors[0].locked, { what: 'unlocked at the end' });
  assert.equal(st.ctl('unplug', '1', '--side', 'station').code, 0);
  await st.waitStatus(1, 'Available');
  csms.assertNoViolations();
});

test('E06 over E10: StopTxOnEVSideDisconnect false but TxStopPoint EVConnected: the car leaving ends the transaction', async () => {
  await configure(false, true, 'EVConnected,Authorized');
  const tx = await charging();
  const from = csms.calls.length;
  assert.equal(st.ctl('unplug', '1').code, 0);
  const ended = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Ended' && p.transactionInfo.transactionId === tx });
  assert.equal(ended.params.triggerReason, 'EVCommunicationLost');
  assert.equal(ended.params.transactionInfo.stoppedReason, 'EVDisconnected');
  await st.waitStatus(1, 'Available');
  await configure(true, true, 'EVConnected,Authorized');
  csms.assertNoViolations();
});

test('TC_E_27_CS: a fixed cable, StopTxOnEVSideDisconnect false: suspended, then deauthorized after EVConnectionTimeOut (EVConnectTimeout, Timeout)', async () => {
  await configure(false, false, 'Authorized');
  const timeout = await getVar('TxCtrlr', 'EVConnectionTimeOut');
  assert.equal(await setVar('TxCtrlr', 'EVConnectionTimeOut', '20'), 'Accepted'); // 1 s at speed 20
  const tx = await charging(2);
  const from = csms.calls.length;
  const away = Date.parse((await st.status()).station.time);
  assert.equal(st.ctl('unplug', '2', '--side', 'ev').code, 0);
  const lost = await csms.waitCall('TransactionEvent', { from, match: (p) => p.transactionInfo.transactionId === tx && p.triggerReason === 'EVCommunicationLost' });
  assert.equal(lost.params.eventType, 'Updated');
  assert.equal(lost.params.transactionInfo.chargingState, 'Idle');
  await csms.waitCall('StatusNotification', { from, match: (p) => p.evseId === 2 && p.connectorStatus === 'Available' });
  const ended = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Ended' && p.transactionInfo.transactionId === tx });
  assert.equal(ended.params.triggerReason, 'EVConnectTimeout');
  assert.equal(ended.params.transactionInfo.stoppedReason, 'Timeout');
  assert.equal(ended.params.transactionInfo.chargingState, 'Idle');
  assert.ok(Date.parse(ended.params.timestamp) - away >= 20000, 'not before EVConnectionTimeOut');
  await st.waitStatus(2, 'Available');
  assert.equal(await setVar('TxCtrlr', 'EVConnectionTimeOut', timeout), 'Accepted');
  await configure(true, true, 'EVConnected,Authorized');
  csms.assertNoViolations();
});
