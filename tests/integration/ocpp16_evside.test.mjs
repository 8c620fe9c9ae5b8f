// OCPP 1.6J "EV side disconnect" (section 4.9, 4.10 and 9.1: the keys
// StopTransactionOnEVSideDisconnect and UnlockConnectorOnEVSideDisconnect;
// OCTT TC_005_1_CS, TC_005_2_CS, TC_005_3_CS as ocpplab.com renders the
// 2025-06 test case document) against a strict central system. The car
// unplugs its side only (`bornectl unplug C --side ev`): the cable stays in
// the station's socket (PP) until `--side station` takes it out, which the
// simulated lock refuses while it holds the cable.
// ocpp16_evside_ws_io.test.mjs runs the same against ocpp-ws-io strict.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ocpp16Down, ocpp16Up } from './lib/ocpp16.mjs';

let csms, st;

before(async () => ({ csms, st } = await ocpp16Up('cp-evside-16', { tags: { GOOD1: 'Accepted', GOOD2: 'Accepted' } })));
after(() => ocpp16Down(st, csms));

const statuses = (from) => csms.calls.slice(from).filter((x) => x.action === 'StatusNotification' && x.params.connectorId === 1).map((x) => x.params.status);

async function configure(stopTx, unlock) {
  assert.equal((await csms.call('ChangeConfiguration', { key: 'StopTransactionOnEVSideDisconnect', value: String(stopTx) })).status, 'Accepted');
  assert.equal((await csms.call('ChangeConfiguration', { key: 'UnlockConnectorOnEVSideDisconnect', value: String(unlock) })).status, 'Accepted');
  const keys = (await csms.call('GetConfiguration', { key: ['StopTransactionOnEVSideDisconnect', 'UnlockConnectorOnEVSideDisconnect'] })).configurationKey;
  assert.deepEqual(keys.map((k) => [k.key, k.value, k.readonly]), [
    ['StopTransactionOnEVSideDisconnect', String(stopTx), false],
    ['UnlockConnectorOnEVSideDisconnect', String(unlock), false],
  ]);
}

// the reusable state Charging: a badge, the car charging
async function charging(from) {
  assert.equal(st.ctl('plug', '1', '--ev-max-current', '16').code, 0);
  assert.equal(st.ctl('tap', 'GOOD1').code, 0);
  const start = await csms.waitCall('StartTransaction', { from, match: (p) => p.connectorId === 1 });
  await csms.waitCall('StatusNotification', { from, match: (p) => p.connectorId === 1 && p.status === 'Charging' });
  await st.waitFor((s) => s.connectors[0].locked, { what: 'cable locked' });
  return start;
}

/* The keys set, the reusable state Charging, then the car unplugs its side: the
 * StartTransaction, its transactionId and the calls' count before the unplug. */
async function chargingThenCarLeaves(stopTx, unlock) {
  await configure(stopTx, unlock);
  const start = await charging(csms.calls.length);
  const tx = (await st.connector(1)).ocpp_transaction_id;
  const mark = csms.calls.length;
  assert.equal(st.ctl('unplug', '1', '--side', 'ev').code, 0);
  return { start, tx, mark };
}

test('OCTT TC_005_1_CS: StopTransactionOnEVSideDisconnect and UnlockConnectorOnEVSideDisconnect true: EVDisconnected, Finishing until the cable leaves the socket, then Available', async () => {
  const { mark } = await chargingThenCarLeaves(true, true);
  const stop = await csms.waitCall('StopTransaction', { from: mark });
  assert.equal(stop.params.reason, 'EVDisconnected');
  // 4.9: Finishing, NoError, the reason in info
  const finishing = await csms.waitCall('StatusNotification', { from: mark, match: (p) => p.connectorId === 1 && p.status === 'Finishing' });
  assert.equal(finishing.params.errorCode, 'NoError');
  assert.equal(finishing.params.info, 'EV side disconnected');
  await st.waitFor((s) => !s.connectors[0].locked, { what: 'cable unlocked' });
  assert.equal((await st.connector(1)).status, 'Finishing');
  assert.equal(st.ctl('unplug', '1', '--side', 'station').code, 0);
  await csms.waitCall('StatusNotification', { from: mark, match: (p) => p.connectorId === 1 && p.status === 'Available' });
  assert.deepEqual(statuses(mark), ['Finishing', 'Available']);
  csms.assertNoViolations();
});

test('OCTT TC_005_2_CS: UnlockConnectorOnEVSideDisconnect false: the transaction stops, the cable stays locked until UnlockConnector', async () => {
  const { mark } = await chargingThenCarLeaves(true, false);
  const stop = await csms.waitCall('StopTransaction', { from: mark });
  assert.equal(stop.params.reason, 'EVDisconnected');
  await csms.waitCall('StatusNotification', { from: mark, match: (p) => p.connectorId === 1 && p.status === 'Finishing' });
  assert.equal((await st.connector(1)).locked, true);
  const refused = st.ctl('unplug', '1', '--side', 'station');
  assert.notEqual(refused.code, 0, 'the lock holds the cable');
  assert.match(refused.stderr, /locked/);
  assert.equal((await csms.call('UnlockConnector', { connectorId: 1 })).status, 'Unlocked');
  await st.waitFor((s) => !s.connectors[0].locked, { what: 'cable unlocked' });
  assert.equal(st.ctl('unplug', '1', '--side', 'station').code, 0);
  await csms.waitCall('StatusNotification', { from: mark, match: (p) => p.connectorId === 1 && p.status === 'Available' });
  assert.deepEqual(statuses(mark), ['Finishing', 'Available']);
  assert.equal(csms.calls.slice(mark).filter((x) => x.action === 'StopTransaction').length, 1);
  csms.assertNoViolations();
});

test('UnlockConnectorOnEVSideDisconnect false: the badge of the transaction releases the cable', async () => {
  const { mark } = await chargingThenCarLeaves(true, false);
  await csms.waitCall('StopTransaction', { from: mark });
  await st.waitStatus(1, 'Finishing');
  assert.equal((await st.connector(1)).locked, true);
  assert.equal(st.ctl('tap', 'GOOD1').code, 0);
  await st.waitFor((s) => !s.connectors[0].locked, { what: 'cable unlocked by the badge' });
  assert.equal(csms.calls.slice(mark).filter((x) => x.action === 'StartTransaction').length, 0);
  assert.equal(st.ctl('unplug', '1', '--side', 'station').code, 0);
  await st.waitStatus(1, 'Available');
  csms.assertNoViolations();
});

test('OCTT TC_005_3_CS: StopTransactionOnEVSideDisconnect false: SuspendedEV, the transaction goes on (energy again when a car comes back), RemoteStopTransaction ends it', async () => {
  const charged = await chargingThenCarLeaves(false, false);
  const { start, tx } = charged;
  let { mark } = charged;
  // 4.9: SuspendedEV, NoError, the reason in info; the transaction is not stopped
  const suspended = await csms.waitCall('StatusNotification', { from: mark, match: (p) => p.connectorId === 1 && p.status === 'SuspendedEV' });
  assert.equal(suspended.params.errorCode, 'NoError');
  assert.equal(suspended.params.info, 'EV side disconnected');
  const s = await st.connector(1);
  assert.equal(s.locked, true, 'the cable stays locked (StopTransactionOnEVSideDisconnect false has priority)');
  assert.equal(s.ocpp_transaction_id, tx);
  assert.equal(st.ctl('unplug', '1', '--side', 'station').code === 0, false);
  // a car on the same cable: the same transaction charges again
  assert.equal(st.ctl('plug', '1', '--ev-max-current', '16').code, 0);
  await csms.waitCall('StatusNotification', { from: mark, match: (p) => p.connectorId === 1 && p.status === 'Charging' });
  assert.equal((await st.connector(1)).ocpp_transaction_id, tx);
  assert.equal(csms.calls.slice(mark).filter((x) => x.action === 'StopTransaction' || x.action === 'StartTransaction').length, 0);
  // it leaves again; the central system stops the transaction
  mark = csms.calls.length;
  assert.equal(st.ctl('unplug', '1', '--side', 'ev').code, 0);
  await csms.waitCall('StatusNotification', { from: mark, match: (p) => p.connectorId === 1 && p.status === 'SuspendedEV' });
  assert.equal((await csms.call('RemoteStopTransaction', { transactionId: tx })).status, 'Accepted');
  const stop = await csms.waitCall('StopTransaction', { from: mark });
  assert.equal(stop.params.transactionId, tx);
  assert.equal(stop.params.reason, 'Remote');
  assert.ok(stop.params.meterStop >= start.params.meterStart);
  await csms.waitCall('StatusNotification', { from: mark, match: (p) => p.connectorId === 1 && p.status === 'Finishing' });
  await st.waitFor((s2) => !s2.connectors[0].locked, { what: 'unlocked at the end' });
  assert.equal(st.ctl('unplug', '1', '--side', 'station').code, 0);
  await csms.waitCall('StatusNotification', { from: mark, match: (p) => p.connectorId === 1 && p.status === 'Available' });
  assert.deepEqual(statuses(mark), ['SuspendedEV', 'Finishing', 'Available']);
  await configure(true, true);
  csms.assertNoViolations();
});
