// OCPP 1.6J: OCTT Charge Point test cases (Test Case Document, Trial 2025-06,
// as ocpplab.com renders it) that a third-party implementation of them,
// EVtivity's packages/octt (v1_6/cs), led to check on a one-connector station
// (the test cases' "SetConnectorUnavailable for all unused connectors"):
// TC_046_1_CS, TC_016_CS, TC_014_CS. docs/ocpp16.md, "OCTT 1.6 test cases".
// ocpp16_octt_evt_ws_io.test.mjs runs the same against ocpp-ws-io strict.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ocpp16Down, ocpp16Up } from './lib/ocpp16.mjs';

let csms, st;

before(async () => ({ csms, st } = await ocpp16Up('cp-octt-evt', { tags: { GOOD1: 'Accepted', GOOD2: 'Accepted' } })));
after(() => ocpp16Down(st, csms));

const statuses = (from, to = csms.calls.length) =>
  csms.calls.slice(from, to).filter((x) => x.action === 'StatusNotification' && x.params.connectorId === 1).map((x) => x.params.status);

// TC_046_1_CS: step 5 "The Charge Point does NOT send an Authorize.req" for
// another badge (5.13: the reserved connector refuses every other idTag);
// step 8 a StatusNotification after the reserved badge (Preparing, as
// TC_004_1_CS: the badge before the car); step 10 StartTransaction with the
// reservationId. TC_016_CS then: soft reset during the transaction,
// StopTransaction SoftReset, Finishing, before the restart.
test('OCTT TC_046_1_CS, TC_016_CS: another badge on the reserved connector is refused without Authorize; the reserved badge makes it Preparing, the car starts with the reservationId; a soft reset stops with SoftReset then Finishing', async () => {
  const from = csms.calls.length;
  const expiryDate = new Date(Date.now() + 3600e3).toISOString();
  assert.equal((await csms.call('ReserveNow', { connectorId: 1, expiryDate, idTag: 'GOOD1', reservationId: 46 })).status, 'Accepted');
  await csms.waitCall('StatusNotification', { from, match: (p) => p.connectorId === 1 && p.status === 'Reserved' });
  const other = await st.lastEventId();
  assert.equal(st.ctl('tap', 'GOOD2').code, 0);
  const refused = await st.waitEvent('auth_refused', { after: other, match: (e) => e.detail.startsWith('GOOD2') });
  assert.equal(refused.reason, 'connector_reserved');
  assert.equal(refused.connector, 1);
  assert.equal(csms.calls.slice(from).filter((c) => c.action === 'Authorize').length, 0);
  const mine = csms.calls.length;
  assert.equal(st.ctl('tap', 'GOOD1').code, 0);
  await csms.waitCall('Authorize', { from: mine, match: (p) => p.idTag === 'GOOD1' });
  await csms.waitCall('StatusNotification', { from: mine, match: (p) => p.connectorId === 1 && p.status === 'Preparing' });
  assert.equal(st.ctl('plug', '1').code, 0);
  const start = await csms.waitCall('StartTransaction', { from: mine });
  assert.equal(start.params.idTag, 'GOOD1');
  assert.equal(start.params.reservationId, 46);
  await csms.waitCall('StatusNotification', { from: mine, match: (p) => p.connectorId === 1 && p.status === 'Charging' });
  assert.equal(statuses(mine)[0], 'Preparing');
  assert.equal(csms.calls.slice(from).filter((c) => c.action === 'Authorize' && c.params.idTag === 'GOOD2').length, 0);

  const reset = csms.calls.length;
  assert.equal((await csms.call('Reset', { type: 'Soft' })).status, 'Accepted');
  const stop = await csms.waitCall('StopTransaction', { from: reset, timeoutMs: 30000 });
  assert.equal(stop.params.reason, 'SoftReset');
  const boot = await csms.waitCall('BootNotification', { from: reset, timeoutMs: 30000 });
  const finishing = csms.calls.findIndex((c, i) => i > csms.calls.indexOf(stop) && c.action === 'StatusNotification' && c.params.connectorId === 1 && c.params.status === 'Finishing');
  assert.ok(finishing > 0 && finishing < csms.calls.indexOf(boot), 'Finishing after StopTransaction, before the BootNotification');
  await st.waitReady(2);
  await st.waitStatus(1, 'Available'); /* the simulated car does not outlive the restart */
  csms.assertNoViolations();
});

// TC_014_CS: the connector made Inoperative stays Unavailable across a soft
// reset, Available again once Operative.
test('OCTT TC_014_CS: a connector made Inoperative is still Unavailable after a soft reset; Operative makes it Available', async () => {
  const from = csms.calls.length;
  assert.equal((await csms.call('ChangeAvailability', { connectorId: 1, type: 'Inoperative' })).status, 'Accepted');
  await csms.waitCall('StatusNotification', { from, match: (p) => p.connectorId === 1 && p.status === 'Unavailable' });
  const reset = csms.calls.length;
  assert.equal((await csms.call('Reset', { type: 'Soft' })).status, 'Accepted');
  const boot = await csms.waitCall('BootNotification', { from: reset, timeoutMs: 30000 });
  const after = csms.calls.indexOf(boot) + 1;
  await csms.waitCall('StatusNotification', { from: after, match: (p) => p.connectorId === 1 && p.status === 'Unavailable' });
  assert.deepEqual([...new Set(statuses(after))], ['Unavailable']);
  await st.waitReady(3);
  const back = csms.calls.length;
  assert.equal((await csms.call('ChangeAvailability', { connectorId: 1, type: 'Operative' })).status, 'Accepted');
  await csms.waitCall('StatusNotification', { from: back, match: (p) => p.connectorId === 1 && p.status === 'Available' });
  csms.assertNoViolations();
});

// 5.11: with AuthorizeRemoteTxRequests true the Charge Point "SHALL behave as
// if in response to a local action ... first try to authorize the idTag,
// using the Local Authorization List, Authorization Cache and/or an
// Authorize.req": with LocalPreAuthorize a cached idTag starts without an
// Authorize.req (EVtivity's third-party TC_007_2_CS, "Remote Start Charging
// Session - Cached Id": Preparing, StartTransaction, Charging). TC_023_5_CS
// (EVtivity; the OCA page not found): an idTag the Authorize.conf says
// Invalid starts nothing, the car plugged in is Preparing.
test('AuthorizeRemoteTxRequests (5.11, TC_007_2_CS, TC_023_5_CS): a cached idTag starts without Authorize under LocalPreAuthorize; an Invalid one is asked for and starts nothing', async () => {
  for (const [key, value] of [['AuthorizeRemoteTxRequests', 'true'], ['LocalPreAuthorize', 'true'], ['AuthorizationCacheEnabled', 'true']])
    assert.equal((await csms.call('ChangeConfiguration', { key, value })).status, 'Accepted');
  // GOOD1 is in the cache since its Authorize.conf above
  const from = csms.calls.length;
  assert.equal((await csms.call('RemoteStartTransaction', { connectorId: 1, idTag: 'GOOD1' })).status, 'Accepted');
  await csms.waitCall('StatusNotification', { from, match: (p) => p.connectorId === 1 && p.status === 'Preparing' });
  assert.equal(st.ctl('plug', '1').code, 0);
  const start = await csms.waitCall('StartTransaction', { from });
  assert.equal(start.params.idTag, 'GOOD1');
  await csms.waitCall('StatusNotification', { from, match: (p) => p.connectorId === 1 && p.status === 'Charging' });
  assert.equal(csms.calls.slice(from).filter((c) => c.action === 'Authorize').length, 0);
  assert.equal((await csms.call('RemoteStopTransaction', { transactionId: (await st.connector(1)).ocpp_transaction_id })).status, 'Accepted');
  await csms.waitCall('StopTransaction', { from });
  assert.equal(st.ctl('unplug', '1').code, 0);
  await st.waitStatus(1, 'Available');

  const bad = csms.calls.length;
  const mark = await st.lastEventId();
  assert.equal((await csms.call('RemoteStartTransaction', { connectorId: 1, idTag: 'NOBODY' })).status, 'Accepted');
  await csms.waitCall('Authorize', { from: bad, match: (p) => p.idTag === 'NOBODY' });
  await st.waitEvent('auth_refused', { after: mark, match: (e) => e.detail.includes('NOBODY') });
  assert.equal(st.ctl('plug', '1').code, 0);
  await csms.waitCall('StatusNotification', { from: bad, match: (p) => p.connectorId === 1 && p.status === 'Preparing' });
  const s = await st.connector(1);
  assert.equal(s.session, null);
  assert.equal(csms.calls.slice(bad).filter((c) => c.action === 'StartTransaction').length, 0);
  assert.equal(st.ctl('unplug', '1').code, 0);
  await st.waitStatus(1, 'Available');
  for (const [key, value] of [['AuthorizeRemoteTxRequests', 'false'], ['LocalPreAuthorize', 'false']])
    assert.equal((await csms.call('ChangeConfiguration', { key, value })).status, 'Accepted');
  csms.assertNoViolations();
});

// OCPP 1.6 3.5 (errata 4.0): a StartTransaction.conf that refuses the idTag while the
// transaction goes on, StopTransactionOnInvalidId false: "only stop energy delivery to the
// vehicle" — SuspendedEVSE, no StopTransaction, until the badge stops it (EVtivity's third-party
// TC_037_2_CS expects the same SuspendedEVSE). The idTag is accepted by the local list under
// LocalPreAuthorize, the central system does not know it.
test('StopTransactionOnInvalidId false (3.5, TC_037_2_CS): an idTag the StartTransaction.conf refuses stops the energy, not the transaction; its badge ends it', async () => {
  for (const [key, value] of [['LocalAuthListEnabled', 'true'], ['LocalPreAuthorize', 'true'], ['StopTransactionOnInvalidId', 'false']])
    assert.equal((await csms.call('ChangeConfiguration', { key, value })).status, 'Accepted');
  assert.equal((await csms.call('SendLocalList', { listVersion: 37, updateType: 'Full', localAuthorizationList: [{ idTag: 'LOCALONLY', idTagInfo: { status: 'Accepted' } }] })).status, 'Accepted');
  const from = csms.calls.length;
  assert.equal(st.ctl('plug', '1').code, 0);
  assert.equal(st.ctl('tap', 'LOCALONLY').code, 0);
  const start = await csms.waitCall('StartTransaction', { from, match: (p) => p.idTag === 'LOCALONLY' });
  assert.equal(start.params.connectorId, 1);
  await csms.waitCall('StatusNotification', { from, match: (p) => p.connectorId === 1 && p.status === 'SuspendedEVSE' });
  const held = await st.waitFor((x) => x.connectors[0].limited_by === 'deauthorized', { what: 'energy held by the refusal' });
  assert.equal(held.connectors[0].offered_a, 0);
  assert.notEqual(held.connectors[0].session, null, 'the transaction goes on');
  assert.equal(csms.calls.slice(from).filter((c) => c.action === 'StopTransaction').length, 0);
  assert.equal(st.ctl('tap', 'LOCALONLY').code, 0);
  const stop = await csms.waitCall('StopTransaction', { from });
  assert.notEqual(stop.params.reason, 'DeAuthorized');
  assert.equal(st.ctl('unplug', '1').code, 0);
  await st.waitStatus(1, 'Available');
  assert.equal((await st.connector(1)).limited_by === 'deauthorized', false, 'ends with the session');
  for (const [key, value] of [['StopTransactionOnInvalidId', 'true'], ['LocalPreAuthorize', 'false']])
    assert.equal((await csms.call('ChangeConfiguration', { key, value })).status, 'Accepted');
  csms.assertNoViolations();
});
