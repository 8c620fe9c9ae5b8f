// OCPP 2.0.1 (issue 16): the group of a token and the master pass (C09/C16), GetTransactionStatus
// (E14) and OfflineThreshold (B04) against a strict CSMS: npm ocpp-rpc in
// strict mode validates every frame both ways. A token of the group
// AuthCtrlr.MasterPassGroupId stops every transaction (stoppedReason
// MasterPass) and starts none; GetTransactionStatus says whether a
// transaction runs and whether its events still wait in the journal; after
// an outage shorter than OfflineThreshold only the statuses that changed
// are told again, after a longer one (or with 0) all of them; TxStartPoint /
// TxStopPoint (E01/E06) take the points of an AC badge station, the 2.0.1
// transaction starting and ending at them (EnergyTransfer, EVConnected; one
// waiting for the car: RequestStopTransaction Accepted, a Reset OnIdle waits);
// AllowSecurityProfileDowngrade (B09.FR.04) is a setting.
// BORNE_OCPP_PEER=ocpp-ws-io runs it against npm ocpp-ws-io strict
// (ocpp201_tx_ws_io.test.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { getVariable, ocpp201Rig, resumed, setVariable } from './lib/ocpp201.mjs';

const TAGS = { GOOD1: 'Accepted', GOOD2: 'Accepted', MASTER1: 'Accepted', FAMILY1: 'Accepted', FAMILY2: 'Accepted', FA01: 'Accepted', FA02: 'Accepted' };
const GROUPS = { MASTER1: 'MASTERS', FAMILY1: 'FAMILY', FAMILY2: 'FAMILY', FA01: 'FAMILY', FA02: 'FAMILY' };
const info = (c, tag) => (GROUPS[tag] ? { status: 'Accepted', groupIdToken: { idToken: GROUPS[tag], type: 'Central' } } : c.idTagInfo(tag));
const held = []; // the answers to Ended events the test holds back
let hold = false;
const refusedInTx = new Set(); // tokens an Authorize accepts and a TransactionEvent's answer calls Invalid
const handlers = {
  Authorize: (c, p) => ({ idTokenInfo: info(c, p.idToken.idToken) }),
  TransactionEvent: (c, p) => {
    const answer = p.idToken ? { idTokenInfo: refusedInTx.has(p.idToken.idToken) ? { status: 'Invalid' } : info(c, p.idToken.idToken) } : {};
    return hold && p.eventType === 'Ended' ? new Promise((resolve) => held.push(() => resolve(answer))) : answer;
  },
};
// no periodic Updated events: the queue is empty unless the test says so
const rig = ocpp201Rig('cp-201-tx', { peer: { tags: TAGS, bootInterval: 60, handlers }, set: { 'ocpp.MeterValueSampleInterval': '0' } });

let csms, st;
before(async () => ({ csms, st } = await rig.up()));
after(() => rig.down(st, csms));

const setVar = (component, variable, value) => setVariable(csms, component, variable, value);
const getVar = (component, variable) => getVariable(csms, component, variable);
const flushed = () => st.waitFor((x) => x.station.ocpp?.registration === 'Accepted' && x.station.ocpp.queue_length === 0, { what: 'queue flushed' });

async function charge(c, tag) {
  const from = csms.calls.length;
  assert.equal(st.ctl('plug', String(c)).code, 0);
  assert.equal(st.ctl('tap', tag).code, 0);
  const started = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Started' && p.evse.id === c });
  // with TxStartPoint EVConnected the Started comes at the plug, before the badge's session
  await st.waitFor((x) => x.connectors[c - 1].session, { what: `a session on ${c}` });
  return started.params.transactionInfo.transactionId;
}

test('C16: a token of MasterPassGroupId stops every transaction and starts none', async () => {
  assert.equal(await getVar('AuthCtrlr', 'MasterPassGroupId'), '');
  assert.equal(await setVar('AuthCtrlr', 'MasterPassGroupId', 'MASTERS'), 'Accepted');
  assert.equal(await getVar('AuthCtrlr', 'MasterPassGroupId'), 'MASTERS');
  const tx1 = await charge(1, 'GOOD1');
  const tx2 = await charge(2, 'GOOD2');
  const from = csms.calls.length;
  assert.equal(st.ctl('tap', 'MASTER1').code, 0);
  for (const tx of [tx1, tx2]) {
    const ended = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Ended' && p.transactionInfo.transactionId === tx });
    assert.equal(ended.params.transactionInfo.stoppedReason, 'MasterPass');
    assert.equal(ended.params.triggerReason, 'StopAuthorized');
    assert.equal(ended.params.idToken.idToken, 'MASTER1');
  }
  await st.waitEvent('ocpp_master_pass', { match: (e) => /MASTER1: 2 transaction/.test(e.detail) });
  for (const c of [1, 2]) assert.equal(st.ctl('unplug', String(c)).code, 0);
  await st.waitStatus(1, 'Available');
  await st.waitStatus(2, 'Available');
  // a car waiting: the master pass does not start a transaction (C16.FR.01)
  const f2 = csms.calls.length;
  assert.equal(st.ctl('plug', '1').code, 0);
  await st.waitStatus(1, 'Preparing');
  assert.equal(st.ctl('tap', 'MASTER1').code, 0);
  await st.waitEvent('ocpp_master_pass', { match: (e) => /MASTER1: 0 transaction/.test(e.detail) });
  await csms.call('TriggerMessage', { requestedMessage: 'Heartbeat' });
  await csms.waitCall('Heartbeat', { from: f2 });
  assert.equal((await st.status()).connectors[0].session ?? null, null, 'no session started');
  assert.equal(csms.calls.slice(f2).filter((c) => c.action === 'TransactionEvent').length, 0);
  assert.equal(st.ctl('unplug', '1').code, 0);
  await st.waitStatus(1, 'Available');
  assert.equal(await setVar('AuthCtrlr', 'MasterPassGroupId', ''), 'Accepted');
  csms.assertNoViolations();
});

test('C09: a token of the starter\'s group stops its transaction, unless a car waits for it elsewhere', async () => {
  const tx = await charge(1, 'FAMILY1');
  let from = csms.calls.length;
  assert.equal(st.ctl('tap', 'FAMILY2').code, 0);
  const ended = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Ended' && p.transactionInfo.transactionId === tx });
  assert.equal(ended.params.idToken.idToken, 'FAMILY2');
  assert.equal(ended.params.triggerReason, 'StopAuthorized');
  await st.waitEvent('ocpp_group_stop', { match: (e) => /FAMILY2 \(group FAMILY\)/.test(e.detail) });
  assert.equal(st.ctl('unplug', '1').code, 0);
  await st.waitStatus(1, 'Available');
  // a car waits on EVSE 2: the group's token is for it, EVSE 1 keeps charging
  const tx1 = await charge(1, 'FAMILY1');
  from = csms.calls.length;
  assert.equal(st.ctl('plug', '2').code, 0);
  await st.waitStatus(2, 'Preparing');
  assert.equal(st.ctl('tap', 'FAMILY2').code, 0);
  const started = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Started' });
  assert.equal(started.params.evse.id, 2);
  assert.equal(csms.calls.slice(from).filter((c) => c.action === 'TransactionEvent' && c.params.eventType === 'Ended' && c.params.transactionInfo.transactionId === tx1).length, 0);
  for (const c of [1, 2]) assert.equal(st.ctl('unplug', String(c)).code, 0);
  await st.waitStatus(1, 'Available');
  await st.waitStatus(2, 'Available');
  // the same with EVSE 2 reserved for the badge: the car plugged in there
  // leaves it Reserved (not Preparing), yet it waits for the badge
  const tx3 = await charge(1, 'FAMILY1');
  const stationNow = Date.parse((await st.status()).station.time);
  const expiry = new Date(stationNow + 3600e3).toISOString();
  from = csms.calls.length;
  assert.equal((await csms.call('ReserveNow', { id: 91, evseId: 2, expiryDateTime: expiry, idToken: { idToken: 'FAMILY2', type: 'ISO14443' } })).status, 'Accepted');
  await csms.waitCall('StatusNotification', { from, match: (p) => p.evseId === 2 && p.connectorStatus === 'Reserved' });
  assert.equal(st.ctl('plug', '2').code, 0);
  await st.waitFor((x) => x.connectors[1].cp_state === 'B', { what: 'car plugged on 2' });
  assert.equal((await st.status()).connectors[1].status, 'Reserved');
  assert.equal(st.ctl('tap', 'FAMILY2').code, 0);
  const started2 = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Started' });
  assert.equal(started2.params.evse.id, 2);
  assert.equal(started2.params.reservationId, 91);
  assert.equal(csms.calls.slice(from).filter((c) => c.action === 'TransactionEvent' && c.params.eventType === 'Ended' && c.params.transactionInfo.transactionId === tx3).length, 0);
  for (const c of [1, 2]) assert.equal(st.ctl('unplug', String(c)).code, 0);
  await st.waitStatus(1, 'Available');
  await st.waitStatus(2, 'Available');
  csms.assertNoViolations();
});

test('C09 with the authorization cache disabled: the starter\'s group is its Authorize\'s, or the answer to its Started (remote start)', async () => {
  assert.equal((await csms.call('ClearCache', {})).status, 'Accepted');
  assert.equal(await setVar('AuthCacheCtrlr', 'Enabled', 'false'), 'Accepted');
  // a badge: its Authorize gave the group; the cache and the local list know nothing
  const tx = await charge(1, 'FAMILY1');
  let from = csms.calls.length;
  assert.equal(st.ctl('tap', 'FAMILY2').code, 0);
  const ended = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Ended' && p.transactionInfo.transactionId === tx });
  assert.equal(ended.params.idToken.idToken, 'FAMILY2');
  assert.equal(ended.params.triggerReason, 'StopAuthorized');
  assert.equal(st.ctl('unplug', '1').code, 0);
  await st.waitStatus(1, 'Available');
  // a remote start without Authorize (AuthorizeRemoteStart false) of the other token (the last
  // Authorize was FAMILY1's): the answer to its Started names the group
  from = csms.calls.length;
  assert.equal(st.ctl('plug', '1').code, 0);
  await st.waitStatus(1, 'Preparing');
  assert.equal((await csms.call('RequestStartTransaction', { idToken: { idToken: 'FAMILY2', type: 'ISO14443' }, remoteStartId: 78, evseId: 1 })).status, 'Accepted');
  const started = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Started' && p.evse.id === 1 });
  assert.equal(csms.calls.slice(from).filter((c) => c.action === 'Authorize').length, 0, 'no Authorize');
  const tx2 = started.params.transactionInfo.transactionId;
  await st.waitFor((x) => x.connectors[0].session, { what: 'the session on 1' });
  await flushed(); // the Started answered
  from = csms.calls.length;
  assert.equal(st.ctl('tap', 'FAMILY1').code, 0);
  const ended2 = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Ended' && p.transactionInfo.transactionId === tx2 });
  assert.equal(ended2.params.idToken.idToken, 'FAMILY1');
  assert.equal(st.ctl('unplug', '1').code, 0);
  await st.waitStatus(1, 'Available');
  assert.equal(await setVar('AuthCacheCtrlr', 'Enabled', 'true'), 'Accepted');
  csms.assertNoViolations();
});

test('C09 after a kill -9, the authorization cache disabled: the starter\'s group is kept with its session, a badge of the group stops it', async () => {
  assert.equal((await csms.call('ClearCache', {})).status, 'Accepted');
  assert.equal(await setVar('AuthCacheCtrlr', 'Enabled', 'false'), 'Accepted');
  // FA01 is not in the station's own list: the back end authorized it, the session keeps that
  const tx = await charge(1, 'FA01');
  const session = (await st.connector(1)).session.id;
  await flushed();
  await st.kill();
  // the car stayed plugged in through the crash: the session goes on (resumed)
  st = await rig.start(csms.url, { 'sim.plugged': '1' });
  await rig.registered(st);
  await st.waitFor((x) => x.connectors[0].session?.id === session, { what: 'the session resumed' });
  await flushed();
  // 2.0.1 has no TxResumed (2.1's E17): the resumed transaction goes on without a word
  assert.ok(!csms.calls.some((c) => c.action === 'TransactionEvent' && c.params.transactionInfo.transactionId === tx && c.params.triggerReason === 'AbnormalCondition'));
  const from = csms.calls.length;
  assert.equal(st.ctl('tap', 'FA02').code, 0);
  const ended = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Ended' && p.transactionInfo.transactionId === tx });
  assert.equal(ended.params.idToken.idToken, 'FA02');
  assert.equal(ended.params.triggerReason, 'StopAuthorized');
  await st.waitEvent('ocpp_group_stop', { match: (e) => /FA02 \(group FAMILY\)/.test(e.detail) });
  assert.equal(st.ctl('unplug', '1').code, 0);
  await st.waitStatus(1, 'Available');
  assert.equal(await setVar('AuthCacheCtrlr', 'Enabled', 'true'), 'Accepted');
  // the next tests' station has no car plugged in at start (a Reset restarts it with its settings)
  st = await rig.restart(st, csms);
  csms.assertNoViolations();
});

test('E14: GetTransactionStatus from the journal: ongoing, and messages still queued', async () => {
  await flushed();
  assert.deepEqual(await csms.call('GetTransactionStatus', {}), { messagesInQueue: false });
  const tx = await charge(1, 'GOOD1');
  await st.waitStatus(1, 'Charging'); // its ChargingStateChanged event is queued by then
  await flushed();
  assert.deepEqual(await csms.call('GetTransactionStatus', { transactionId: tx }), { ongoingIndicator: true, messagesInQueue: false });
  // the CSMS holds its answer: the Ended event stays in the journal meanwhile
  hold = true;
  const from = csms.calls.length;
  assert.equal(st.ctl('unplug', '1').code, 0);
  await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Ended' });
  assert.deepEqual(await csms.call('GetTransactionStatus', { transactionId: tx }), { ongoingIndicator: false, messagesInQueue: true });
  assert.deepEqual(await csms.call('GetTransactionStatus', {}), { messagesInQueue: true });
  hold = false;
  held.splice(0).forEach((release) => release());
  await flushed();
  assert.deepEqual(await csms.call('GetTransactionStatus', { transactionId: tx }), { ongoingIndicator: false, messagesInQueue: false });
  assert.deepEqual(await csms.call('GetTransactionStatus', { transactionId: 'no-such-transaction' }), { ongoingIndicator: false, messagesInQueue: false });
  csms.assertNoViolations();
});

// TC_B_52_CS / TC_B_51_CS (OCA part 6, 2023-06-30, read in ocpplab.com's rendering): the CSMS
// closes the connection and takes no reconnection; a car is plugged meanwhile; the station
// reconnects before (52) or after (51) OfflineThreshold. The same CSMS, nothing the
// BootNotification carries changed: no BootNotification (OCPP-J part 4, 2.0.1 5.3
// Reconnecting), straight on with the changed connector's StatusNotification (52) or every
// connector's (51; 0 is "always exceeded").
test('B04 / TC_B_52_CS, TC_B_51_CS: after an outage shorter than OfflineThreshold only the changed statuses, else all of them; no BootNotification on the reconnection', async () => {
  const statuses = () => csms.calls.filter((c) => c.action === 'StatusNotification').map((c) => [c.params.evseId, c.params.connectorStatus]);
  const outage = async (during) => {
    const port = csms.port;
    csms.assertNoViolations();
    await csms.close();
    await st.waitFor((x) => x.station.ocpp?.state !== 'connected', { what: 'ocpp offline' });
    await during();
    csms = await rig.peer(port);
    await resumed(st, csms);
    await csms.call('TriggerMessage', { requestedMessage: 'Heartbeat' });
    await csms.waitCall('Heartbeat');
    assert.equal(csms.callsOf('BootNotification').length, 0, 'no BootNotification on the reconnection');
  };
  assert.equal(await setVar('OCPPCommCtrlr', 'OfflineThreshold', '3600'), 'Accepted');
  assert.equal(await getVar('OCPPCommCtrlr', 'OfflineThreshold'), '3600');
  await outage(async () => {
    assert.equal(st.ctl('plug', '2').code, 0);
    await st.waitStatus(2, 'Preparing');
  });
  await csms.waitCall('StatusNotification', { match: (p) => p.evseId === 2 });
  assert.deepEqual(statuses(), [[2, 'Occupied']], 'only the EVSE that changed');
  assert.equal(await setVar('OCPPCommCtrlr', 'OfflineThreshold', '0'), 'Accepted');
  await outage(async () => {
    assert.equal(st.ctl('unplug', '2').code, 0);
    await st.waitStatus(2, 'Available');
  });
  await csms.waitCall('StatusNotification', { match: (p) => p.evseId === 2 });
  await csms.waitCall('StatusNotification', { match: (p) => p.evseId === 1 });
  assert.deepEqual(statuses().sort(), [[1, 'Available'], [2, 'Available']], 'every EVSE again');
  csms.assertNoViolations();
});

// TC_C_26_CS (C15, C13; Part 6 2023-06-30 as ocpplab.com renders it): offline, an unknown badge
// starts a transaction (OfflineTxForUnknownIdEnabled, LocalAuthorizeOffline; StopTxOnInvalidId
// false); back online every queued TransactionEvent says offline, the one with the idToken is
// answered Invalid and the transaction goes on; the badge again stops it (StopAuthorized).
test('C15 / TC_C_26_CS: an unknown badge offline starts a transaction, its queued events offline, the Invalid answer keeps it (StopTxOnInvalidId false), the badge stops it', async () => {
  for (const [c, v, value] of [['AuthCtrlr', 'LocalAuthorizeOffline', 'true'], ['AuthCtrlr', 'OfflineTxForUnknownIdEnabled', 'true'], ['TxCtrlr', 'StopTxOnInvalidId', 'false']])
    assert.equal(await setVar(c, v, value), 'Accepted', v);
  const port = csms.port;
  csms.assertNoViolations();
  await csms.close();
  await st.waitFor((x) => x.station.ocpp?.state !== 'connected', { what: 'ocpp offline' });
  assert.equal(st.ctl('plug', '1').code, 0);
  assert.equal(st.ctl('tap', 'UNKNOWN26').code, 0);
  await st.waitStatus(1, 'Charging');
  csms = await rig.peer(port);
  const from = csms.calls.length;
  await resumed(st, csms);
  await flushed();
  const events = csms.calls.slice(from).filter((c) => c.action === 'TransactionEvent');
  assert.ok(events.length >= 1, 'the queued events');
  assert.ok(events.every((c) => c.params.offline === true), 'step 1: every queued TransactionEvent offline');
  const started = events.find((c) => c.params.eventType === 'Started');
  const tx = started.params.transactionInfo.transactionId;
  assert.ok(events.some((c) => c.params.idToken?.idToken === 'UNKNOWN26'), 'the idToken told');
  // the CSMS answered Invalid (the badge is not known to it): StopTxOnInvalidId false, it goes on
  await csms.call('TriggerMessage', { requestedMessage: 'Heartbeat' });
  await csms.waitCall('Heartbeat', { from });
  assert.equal((await st.connector(1)).status, 'Charging');
  assert.equal(csms.calls.slice(from).some((c) => c.action === 'TransactionEvent' && c.params.eventType === 'Ended'), false, 'not ended by the Invalid answer');
  const mark = csms.calls.length;
  assert.equal(st.ctl('tap', 'UNKNOWN26').code, 0);
  const stop = await csms.waitCall('TransactionEvent', { from: mark, match: (p) => p.transactionInfo.transactionId === tx && p.triggerReason === 'StopAuthorized' });
  assert.equal(stop.params.eventType, 'Ended');
  assert.equal(stop.params.offline, undefined, 'online now');
  assert.equal(st.ctl('unplug', '1').code, 0);
  await st.waitStatus(1, 'Available');
  for (const [c, v, value] of [['AuthCtrlr', 'OfflineTxForUnknownIdEnabled', 'false'], ['TxCtrlr', 'StopTxOnInvalidId', 'true']])
    assert.equal(await setVar(c, v, value), 'Accepted', v);
  csms.assertNoViolations();
});

test('E01/E06: TxStartPoint and TxStopPoint take the points of an AC badge station, and refuse the others', async () => {
  const setMany = async (items) => (await csms.call('SetVariables', {
    setVariableData: items.map(([variable, attributeValue]) => ({ component: { name: 'TxCtrlr' }, variable: { name: variable }, attributeValue })),
  })).setVariableResult.map((x) => x.attributeStatus);
  assert.equal(await getVar('TxCtrlr', 'TxStartPoint'), 'PowerPathClosed');
  assert.equal(await getVar('TxCtrlr', 'TxStopPoint'), 'EVConnected,Authorized');
  assert.deepEqual(await setMany([
    ['TxStartPoint', 'EVConnected'], ['TxStartPoint', 'Authorized,EVConnected'], ['TxStartPoint', 'EnergyTransfer'],
    ['TxStartPoint', 'ParkingBayOccupancy'], ['TxStartPoint', 'DataSigned'],
    ['TxStopPoint', 'EVConnected'], ['TxStopPoint', 'EnergyTransfer,PowerPathClosed'], ['TxStopPoint', 'ParkingBayOccupancy'],
    ['TxStartPoint', 'PowerPathClosed'], ['TxStopPoint', 'Authorized,EVConnected'],
  ]), ['Accepted', 'Accepted', 'Accepted', 'Rejected', 'Rejected', 'Accepted', 'Accepted', 'Rejected', 'Accepted', 'Accepted']);
  assert.equal(await getVar('TxCtrlr', 'TxStopPoint'), 'Authorized,EVConnected');
  const report = (await csms.call('GetVariables', { getVariableData: [
    { component: { name: 'TxCtrlr' }, variable: { name: 'TxStartPoint' } }] })).getVariableResult[0];
  assert.equal(report.attributeStatus, 'Accepted');
  // a charge is the same as before
  const tx = await charge(2, 'GOOD2');
  const from = csms.calls.length;
  assert.equal(st.ctl('unplug', '2').code, 0);
  const ended = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Ended' && p.transactionInfo.transactionId === tx });
  assert.equal(ended.params.transactionInfo.stoppedReason, 'EVDisconnected');
  await st.waitStatus(2, 'Available');
  csms.assertNoViolations();
});

// The events of transaction `tx` the CSMS got from call index `from` on.
const eventsOf = (tx, from = 0) => csms.calls.slice(from)
  .filter((x) => x.action === 'TransactionEvent' && x.params.transactionInfo.transactionId === tx).map((x) => x.params);
// (an event the CSMS got just before a kill -9 comes again after the restart, the same seqNo:
// at least once)
const noGap = (events) => {
  const seqs = [...new Set(events.map((e) => e.seqNo))];
  assert.deepEqual(seqs, seqs.map((_, i) => i), `seqNo from 0 without a gap: ${JSON.stringify(events.map((e) => [e.seqNo, e.eventType, e.triggerReason]))}`);
};
// The events of a transaction, each once (an event told again after a kill -9 counted once).
const once = (events) => events.filter((e, i) => events.findIndex((x) => x.seqNo === e.seqNo) === i);

test('E01/E06: TxStartPoint and TxStopPoint EnergyTransfer: the transaction is the energy flow, the session runs on', async () => {
  assert.equal(await setVar('TxCtrlr', 'TxStartPoint', 'EnergyTransfer'), 'Accepted');
  assert.equal(await setVar('TxCtrlr', 'TxStopPoint', 'EnergyTransfer'), 'Accepted');
  const from = csms.calls.length;
  assert.equal(st.ctl('plug', '2').code, 0);
  assert.equal(st.ctl('tap', 'GOOD2').code, 0);
  const started = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Started' && p.evse.id === 2 });
  const tx = started.params.transactionInfo.transactionId;
  assert.equal(started.params.triggerReason, 'ChargingStateChanged');
  assert.equal(started.params.transactionInfo.chargingState, 'Charging');
  assert.equal(started.params.idToken.idToken, 'GOOD2');
  assert.equal(st.ctl('ev', '2', 'pause').code, 0); // the car stops drawing: the transaction ends
  const ended = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Ended' && p.transactionInfo.transactionId === tx });
  assert.equal(ended.params.triggerReason, 'ChargingStateChanged');
  assert.equal(ended.params.transactionInfo.stoppedReason, 'StoppedByEV');
  const c = await st.connector(2);
  assert.ok(c.session, 'borne\'s session runs on');
  assert.equal(c.ocpp_transaction_id ?? null, null, 'no transaction on the EVSE now');
  assert.equal(st.ctl('unplug', '2').code, 0);
  await st.waitStatus(2, 'Available');
  // the session's end says nothing more of the ended transaction
  await csms.waitCall('StatusNotification', { from, match: (p) => p.evseId === 2 && p.connectorStatus === 'Available' });
  const events = eventsOf(tx, from);
  assert.deepEqual(events.map((e) => e.eventType), ['Started', 'Ended']);
  noGap(events);
  csms.assertNoViolations();
});

test('E06: TxStopPoint EVConnected: a badge stop deauthorizes (Updated), the transaction ends when the car leaves', async () => {
  assert.equal(await setVar('TxCtrlr', 'TxStartPoint', 'Authorized,EVConnected'), 'Accepted');
  assert.equal(await setVar('TxCtrlr', 'TxStopPoint', 'EVConnected'), 'Accepted');
  const from = csms.calls.length;
  const tx = await charge(2, 'GOOD2');
  assert.equal(st.ctl('tap', 'GOOD2').code, 0); // the driver stops: borne's session ends
  const deauth = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Updated' && p.triggerReason === 'StopAuthorized' });
  assert.equal(deauth.params.transactionInfo.transactionId, tx);
  assert.equal(deauth.params.transactionInfo.chargingState, 'EVConnected');
  assert.equal(deauth.params.idToken.idToken, 'GOOD2');
  await st.waitFor((x) => !x.connectors[1].session, { what: 'the session ended' });
  assert.equal(eventsOf(tx, from).filter((e) => e.eventType === 'Ended').length, 0, 'still running');
  assert.equal((await csms.call('GetTransactionStatus', { transactionId: tx })).ongoingIndicator, true, 'E14: still ongoing');
  // F03: an ongoing transaction, deauthorized already: Accepted, it still waits for the car
  assert.equal((await csms.call('RequestStopTransaction', { transactionId: tx })).status, 'Accepted');
  assert.equal((await csms.call('RequestStopTransaction', { transactionId: 'no-such-transaction' })).status, 'Rejected');
  // B12: Reset OnIdle waits for its end
  const readyLines = [...st.log.matchAll(/ready: API on/g)].length;
  assert.equal((await csms.call('Reset', { type: 'OnIdle' })).status, 'Scheduled');
  assert.equal(eventsOf(tx, from).filter((e) => e.eventType === 'Ended').length, 0, 'still running');
  assert.equal(st.ctl('unplug', '2').code, 0); // the car leaves: the transaction ends
  const ended = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Ended' && p.transactionInfo.transactionId === tx });
  const boot = await csms.waitCall('BootNotification', { from, timeoutMs: 30000 });
  assert.ok(csms.calls.indexOf(boot) > csms.calls.indexOf(ended), 'the reset waited for the Ended');
  await st.waitReady(readyLines + 1); // the restart: its API's port
  await st.waitFor((x) => x.station.ocpp?.registration === 'Accepted', { what: 'registered again' });
  assert.equal(ended.params.triggerReason, 'EVCommunicationLost');
  assert.equal(ended.params.transactionInfo.chargingState, 'Idle'); // the car is gone (TC_E_14)
  // TC_E_14_CS: the connector's status (step 1) comes before the Ended (step 3)
  const avail = csms.calls.findIndex((c, i) => i >= from && c.action === 'StatusNotification' && c.params.evseId === 2 && c.params.connectorStatus === 'Available');
  assert.ok(avail >= 0 && avail < csms.calls.indexOf(ended), 'the status Available before the Ended');
  assert.equal(ended.params.transactionInfo.stoppedReason, 'Local');
  assert.ok(ended.params.meterValue?.flatMap((m) => m.sampledValue).some((v) => v.context === 'Transaction.End'));
  const events = eventsOf(tx, from);
  assert.deepEqual([events[0].eventType, events.at(-1).eventType], ['Started', 'Ended']);
  noGap(events);
  await st.waitStatus(2, 'Available');
  assert.equal((await csms.call('GetTransactionStatus', { transactionId: tx })).ongoingIndicator, false, 'E14: over');
  csms.assertNoViolations();
});

test('E06: TxStopPoint EVConnected: a transaction waiting for the car survives a kill -9, its Ended sent once the car is seen gone', async () => {
  const from = csms.calls.length;
  const tx = await charge(2, 'GOOD2');
  assert.equal(st.ctl('tap', 'GOOD2').code, 0);
  await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Updated' && p.triggerReason === 'StopAuthorized' && p.transactionInfo.transactionId === tx });
  await st.kill(); // the simulated car leaves with the station
  st = await rig.start(csms.url);
  const ended = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Ended' && p.transactionInfo.transactionId === tx });
  assert.equal(ended.params.triggerReason, 'EVCommunicationLost');
  assert.equal(ended.params.transactionInfo.stoppedReason, 'Local');
  noGap(eventsOf(tx, from));
  await rig.registered(st);
  assert.equal(await setVar('TxCtrlr', 'TxStartPoint', 'PowerPathClosed'), 'Accepted');
  assert.equal(await setVar('TxCtrlr', 'TxStopPoint', 'EVConnected,Authorized'), 'Accepted');
  csms.assertNoViolations();
});

// TC_E_17_CS (E06(S3), E06.FR.04): with StopTxOnEVSideDisconnect true (read-only here) the car
// leaving deauthorizes the transaction, so TxStopPoint Authorized (or PowerPathClosed) without
// EVConnected ends it there too: EVCommunicationLost, chargingState Idle, EVDisconnected.
test('E06 / TC_E_17, TC_E_20: TxStopPoint Authorized, PowerPathClosed or EVConnected: the car leaving (energy suspended) deauthorizes and ends the transaction', async () => {
  assert.equal(await getVar('TxCtrlr', 'StopTxOnEVSideDisconnect'), 'true');
  // EVConnected too: TC_E_20_CS (its StopTxOnEVSideDisconnect false applies only if ReadWrite)
  for (const stop of ['Authorized', 'PowerPathClosed', 'EVConnected']) {
    assert.equal(await setVar('TxCtrlr', 'TxStopPoint', stop), 'Accepted');
    const from = csms.calls.length;
    const tx = await charge(2, 'GOOD2');
    assert.equal(st.ctl('ev', '2', 'pause').code, 0); // EnergyTransferSuspended
    await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Updated' && p.transactionInfo.transactionId === tx && p.transactionInfo.chargingState === 'SuspendedEV' });
    assert.equal(st.ctl('unplug', '2').code, 0);
    const ended = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Ended' && p.transactionInfo.transactionId === tx });
    assert.equal(ended.params.triggerReason, 'EVCommunicationLost', stop);
    assert.equal(ended.params.transactionInfo.chargingState, 'Idle', stop);
    assert.equal(ended.params.transactionInfo.stoppedReason, 'EVDisconnected', stop);
    noGap(eventsOf(tx, from));
    await st.waitStatus(2, 'Available');
  }
  assert.equal(await setVar('TxCtrlr', 'TxStopPoint', 'EVConnected,Authorized'), 'Accepted');
  csms.assertNoViolations();
});

// The stops of OCPP 2.0.1 Part 6 (2023-06-30, as ocpplab.com renders it): TC_E_07_CS / TC_E_15_CS
// (a badge: StopAuthorized, Local, Ended), TC_E_21_CS / TC_E_35_CS (RequestStopTransaction
// Accepted: RemoteStop, Remote, Ended), TC_E_22_CS (TxStopPoint EnergyTransfer, the EV suspends:
// ChargingStateChanged, StoppedByEV, and an Ended says EVConnected — SuspendedEV only in an
// Updated), TC_E_08 (EnergyTransfer, a badge: the OCTT's own Ended says EVConnected, Local in
// TC_E_08_CSMS). No Ended says energy flows: chargingState EVConnected, the car still there.
test('E06 / TC_E_07, _08, _15, _21, _22, _35: the Ended of a badge stop, a remote stop and the EV suspending at TxStopPoint EnergyTransfer says EVConnected', async () => {
  assert.equal(await setVar('TxCtrlr', 'TxStartPoint', 'PowerPathClosed'), 'Accepted');
  const cases = [
    { stop: 'PowerPathClosed', how: 'badge', trigger: 'StopAuthorized', why: 'Local' }, // TC_E_07
    { stop: 'Authorized', how: 'badge', trigger: 'StopAuthorized', why: 'Local' }, // TC_E_15
    { stop: 'Authorized', how: 'remote', trigger: 'RemoteStop', why: 'Remote' }, // TC_E_21
    { stop: 'PowerPathClosed', how: 'remote', trigger: 'RemoteStop', why: 'Remote' }, // TC_E_35
    { stop: 'EnergyTransfer', how: 'badge', trigger: 'StopAuthorized', why: 'Local' }, // TC_E_08
    { stop: 'EnergyTransfer', how: 'ev', trigger: 'ChargingStateChanged', why: 'StoppedByEV' }, // TC_E_22
  ];
  for (const k of cases) {
    const what = `${k.stop} ${k.how}`;
    assert.equal(await setVar('TxCtrlr', 'TxStopPoint', k.stop), 'Accepted');
    const from = csms.calls.length;
    const tx = await charge(2, 'GOOD2');
    await csms.waitCall('TransactionEvent', { from, match: (p) => p.transactionInfo.transactionId === tx && p.transactionInfo.chargingState === 'Charging' });
    if (k.how === 'badge') assert.equal(st.ctl('tap', 'GOOD2').code, 0);
    else if (k.how === 'ev') assert.equal(st.ctl('ev', '2', 'pause').code, 0);
    else assert.equal((await csms.call('RequestStopTransaction', { transactionId: tx })).status, 'Accepted', what);
    const ended = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Ended' && p.transactionInfo.transactionId === tx });
    assert.equal(ended.params.triggerReason, k.trigger, what);
    assert.equal(ended.params.transactionInfo.stoppedReason, k.why, what);
    assert.equal(ended.params.transactionInfo.chargingState, 'EVConnected', what);
    if (k.how === 'badge') assert.equal(ended.params.idToken.idToken, 'GOOD2', what);
    const events = eventsOf(tx, from);
    assert.equal(events.filter((e) => e.eventType === 'Ended').length, 1, what);
    assert.ok(events.filter((e) => e.eventType !== 'Ended').every((e) => e.eventType === 'Started' || e.eventType === 'Updated'), what);
    noGap(events);
    assert.equal(st.ctl('unplug', '2').code, 0);
    await st.waitStatus(2, 'Available');
  }
  assert.equal(await setVar('TxCtrlr', 'TxStopPoint', 'EVConnected,Authorized'), 'Accepted');
  csms.assertNoViolations();
});

// TC_E_16_CS (E06.FR.04, C15.FR.04; Part 6 2023-06-30 as ocpplab.com renders it): StopTxOnInvalidId
// true, the CSMS's answer to the Started calls the token Invalid: the transaction ends, triggerReason
// Deauthorized, stoppedReason DeAuthorized (the test case's Started is an offline one; the answer
// is the same path here online).
test('E06 / TC_E_16: an Invalid idTokenInfo in the answer to the Started ends the transaction (Deauthorized, DeAuthorized)', async () => {
  assert.equal(await setVar('TxCtrlr', 'TxStopPoint', 'PowerPathClosed'), 'Accepted');
  assert.equal(await setVar('TxCtrlr', 'StopTxOnInvalidId', 'true'), 'Accepted');
  refusedInTx.add('GOOD2');
  try {
    const from = csms.calls.length;
    assert.equal(st.ctl('plug', '2').code, 0);
    assert.equal(st.ctl('tap', 'GOOD2').code, 0);
    const started = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Started' && p.evse.id === 2 });
    const tx = started.params.transactionInfo.transactionId;
    const ended = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Ended' && p.transactionInfo.transactionId === tx });
    assert.equal(ended.params.triggerReason, 'Deauthorized');
    assert.equal(ended.params.transactionInfo.stoppedReason, 'DeAuthorized');
    assert.equal(ended.params.transactionInfo.chargingState, 'EVConnected');
    noGap(eventsOf(tx, from));
  } finally {
    refusedInTx.clear();
  }
  assert.equal(st.ctl('unplug', '2').code, 0);
  await st.waitStatus(2, 'Available');
  assert.equal(await setVar('TxCtrlr', 'TxStopPoint', 'EVConnected,Authorized'), 'Accepted');
  csms.assertNoViolations();
});

// TC_F_13_CS / TC_F_14_CS (F06; Part 6 2023-06-30 as ocpplab.com renders it): TriggerMessage
// TransactionEvent for one EVSE and for all: Accepted, one Updated per transaction, triggerReason
// Trigger, chargingState Charging, its evse.id, a meterValue whose first sampledValue says Trigger.
test('F06 / TC_F_13, TC_F_14: TriggerMessage TransactionEvent for one EVSE and for all', async () => {
  assert.equal(await setVar('TxCtrlr', 'TxStopPoint', 'PowerPathClosed'), 'Accepted');
  const txs = { 1: await charge(1, 'GOOD1'), 2: await charge(2, 'GOOD2') };
  for (const c of [1, 2]) await st.waitStatus(c, 'Charging');
  const check = (p, c) => {
    assert.equal(p.eventType, 'Updated');
    assert.equal(p.evse.id, c);
    assert.equal(p.transactionInfo.transactionId, txs[c]);
    assert.equal(p.transactionInfo.chargingState, 'Charging');
    assert.equal(p.meterValue[0].sampledValue[0].context, 'Trigger');
  };
  let from = csms.calls.length;
  assert.equal((await csms.call('TriggerMessage', { requestedMessage: 'TransactionEvent', evse: { id: 1 } })).status, 'Accepted');
  check((await csms.waitCall('TransactionEvent', { from, match: (p) => p.triggerReason === 'Trigger' })).params, 1);
  from = csms.calls.length;
  assert.equal((await csms.call('TriggerMessage', { requestedMessage: 'TransactionEvent' })).status, 'Accepted');
  for (const c of [1, 2]) check((await csms.waitCall('TransactionEvent', { from, match: (p) => p.triggerReason === 'Trigger' && p.evse.id === c })).params, c);
  for (const c of [1, 2]) {
    assert.equal(st.ctl('unplug', String(c)).code, 0);
    await st.waitStatus(c, 'Available');
  }
  assert.equal(await setVar('TxCtrlr', 'TxStopPoint', 'EVConnected,Authorized'), 'Accepted');
  csms.assertNoViolations();
});

test('E06: TxStopPoint EnergyTransfer: a transaction ended with the energy is not ended again by its session recovered after a kill -9', async () => {
  assert.equal(await setVar('TxCtrlr', 'TxStopPoint', 'EnergyTransfer'), 'Accepted');
  const from = csms.calls.length;
  const tx = await charge(2, 'GOOD2');
  await st.waitStatus(2, 'Charging');
  assert.equal(st.ctl('ev', '2', 'pause').code, 0);
  await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Ended' && p.transactionInfo.transactionId === tx });
  await st.kill(); // the session runs on; the simulated car leaves with the station
  st = await rig.start(csms.url);
  await rig.registered(st);
  await st.waitFor((x) => !x.connectors[1].session, { what: 'the recovered session ended' });
  await st.waitFor((x) => x.station.ocpp?.queue_length === 0, { what: 'queue flushed' });
  const events = once(eventsOf(tx, from));
  assert.deepEqual(events.filter((e) => e.eventType !== 'Updated').map((e) => e.eventType), ['Started', 'Ended'],
    `one Ended only: ${JSON.stringify(events.map((e) => [e.seqNo, e.eventType, e.triggerReason, e.timestamp]))}`);
  noGap(events);
  assert.equal(await setVar('TxCtrlr', 'TxStopPoint', 'EVConnected,Authorized'), 'Accepted');
  csms.assertNoViolations();
});

test('E01/E02: TxStartPoint EVConnected: the plug starts the transaction, the badge or a remote start authorizes it (Updated), a car gone first ends it', async () => {
  assert.equal(await setVar('TxCtrlr', 'TxStartPoint', 'EVConnected'), 'Accepted');
  assert.equal(await setVar('TxCtrlr', 'TxStopPoint', 'EVConnected,Authorized'), 'Accepted');
  let from = csms.calls.length;
  assert.equal(st.ctl('plug', '1').code, 0);
  const started = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Started' && p.evse.id === 1 });
  const tx = started.params.transactionInfo.transactionId;
  assert.equal(started.params.triggerReason, 'CablePluggedIn');
  assert.equal(started.params.transactionInfo.chargingState, 'EVConnected');
  assert.equal(started.params.idToken, undefined, 'no badge yet');
  assert.equal(started.params.seqNo, 0);
  assert.equal((await st.connector(1)).ocpp_transaction_id, tx);
  assert.equal((await st.connector(1)).session ?? null, null, 'no session of borne yet');
  assert.equal((await csms.call('GetTransactionStatus', { transactionId: tx })).ongoingIndicator, true);
  assert.equal(st.ctl('tap', 'GOOD1').code, 0); // the badge: borne's session takes the transaction over
  const authorized = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Updated' && p.triggerReason === 'Authorized' });
  assert.equal(authorized.params.transactionInfo.transactionId, tx);
  assert.equal(authorized.params.idToken.idToken, 'GOOD1');
  assert.equal(authorized.params.seqNo, 1);
  await st.waitStatus(1, 'Charging');
  await csms.waitCall('TransactionEvent', { from, match: (p) => p.transactionInfo.transactionId === tx && p.transactionInfo.chargingState === 'Charging' });
  assert.equal((await st.connector(1)).ocpp_transaction_id, tx, 'the same transaction');
  assert.equal(st.ctl('unplug', '1').code, 0);
  const ended = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Ended' && p.transactionInfo.transactionId === tx });
  assert.equal(ended.params.transactionInfo.stoppedReason, 'EVDisconnected');
  let events = eventsOf(tx, from);
  assert.deepEqual([events[0].eventType, events.at(-1).eventType], ['Started', 'Ended']);
  assert.equal(events.filter((e) => e.eventType === 'Started').length, 1);
  noGap(events);
  await st.waitStatus(1, 'Available');
  // a remote start of the car waiting: the answer names the transaction, an Updated RemoteStart
  from = csms.calls.length;
  assert.equal(st.ctl('plug', '1').code, 0);
  const s2 = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Started' && p.evse.id === 1 });
  const tx2 = s2.params.transactionInfo.transactionId;
  assert.notEqual(tx2, tx);
  const answer = await csms.call('RequestStartTransaction', { idToken: { idToken: 'GOOD1', type: 'Central' }, remoteStartId: 77, evseId: 1 });
  assert.deepEqual(answer, { status: 'Accepted', transactionId: tx2 });
  const remote = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Updated' && p.triggerReason === 'RemoteStart' });
  assert.equal(remote.params.transactionInfo.transactionId, tx2);
  assert.equal(remote.params.transactionInfo.remoteStartId, 77);
  assert.equal(st.ctl('unplug', '1').code, 0);
  await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Ended' && p.transactionInfo.transactionId === tx2 });
  noGap(eventsOf(tx2, from));
  await st.waitStatus(1, 'Available');
  // a car gone before any badge: Started, then Ended (EVCommunicationLost, EVDisconnected)
  from = csms.calls.length;
  assert.equal(st.ctl('plug', '1').code, 0);
  const s3 = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Started' && p.evse.id === 1 });
  const tx3 = s3.params.transactionInfo.transactionId;
  assert.equal(st.ctl('unplug', '1').code, 0);
  const e3 = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Ended' && p.transactionInfo.transactionId === tx3 });
  assert.equal(e3.params.triggerReason, 'EVCommunicationLost');
  assert.equal(e3.params.transactionInfo.stoppedReason, 'EVDisconnected');
  assert.equal(e3.params.idToken, undefined);
  events = eventsOf(tx3, from);
  assert.deepEqual(events.map((e) => e.eventType), ['Started', 'Ended']);
  noGap(events);
  await st.waitStatus(1, 'Available');
  assert.equal((await st.connector(1)).ocpp_transaction_id ?? null, null);
  assert.equal((await csms.call('GetTransactionStatus', { transactionId: tx3 })).ongoingIndicator, false);
  // the CSMS stops one that waits for its badge: it ends (RemoteStop)
  from = csms.calls.length;
  assert.equal(st.ctl('plug', '1').code, 0);
  const s4 = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Started' && p.evse.id === 1 });
  const tx4 = s4.params.transactionInfo.transactionId;
  assert.equal((await csms.call('RequestStopTransaction', { transactionId: tx4 })).status, 'Accepted');
  const e4 = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Ended' && p.transactionInfo.transactionId === tx4 });
  assert.equal(e4.params.triggerReason, 'RemoteStop');
  assert.equal(e4.params.transactionInfo.stoppedReason, 'Remote');
  noGap(eventsOf(tx4, from));
  assert.equal(st.ctl('unplug', '1').code, 0);
  await st.waitStatus(1, 'Available');
  csms.assertNoViolations();
});

test('E01: a transaction begun at the plug, queued offline, survives a kill -9 while it waits for its badge: nothing lost, seqNo goes on', async () => {
  await flushed();
  const port = csms.port;
  csms.assertNoViolations();
  const before = csms.calls.length;
  await csms.close();
  await st.waitFor((x) => x.station.ocpp?.state !== 'connected', { what: 'ocpp offline' });
  assert.equal(st.ctl('plug', '1').code, 0);
  await st.waitFor((x) => x.connectors[0].ocpp_transaction_id, { what: 'a transaction begun at the plug' });
  const tx = (await st.connector(1)).ocpp_transaction_id;
  await st.waitFor((x) => x.station.ocpp?.queue_length > 0, { what: 'its Started queued' });
  await st.kill(); // the simulated car leaves with the station
  st = await rig.start(csms.url);
  csms = await rig.peer(port);
  const ended = await csms.waitCall('TransactionEvent', { match: (p) => p.eventType === 'Ended' && p.transactionInfo.transactionId === tx });
  assert.equal(ended.params.triggerReason, 'EVCommunicationLost');
  assert.equal(ended.params.transactionInfo.stoppedReason, 'EVDisconnected');
  const events = once(eventsOf(tx));
  assert.deepEqual(events.map((e) => [e.eventType, e.seqNo, e.offline]), [['Started', 0, true], ['Ended', 1, true]]);
  assert.equal(events[0].triggerReason, 'CablePluggedIn');
  assert.ok(before >= 0);
  await rig.registered(st);
  await st.waitStatus(1, 'Available');
  assert.equal((await st.connector(1)).ocpp_transaction_id ?? null, null);
  assert.equal(await setVar('TxCtrlr', 'TxStartPoint', 'PowerPathClosed'), 'Accepted');
  csms.assertNoViolations();
});

test('E01: a transaction begun at the plug survives a kill -9 with the car still there: it goes on waiting for its badge, the badge\'s Updated and the Ended follow its Started, seqNo without a gap', async () => {
  assert.equal(await setVar('TxCtrlr', 'TxStartPoint', 'EVConnected'), 'Accepted');
  await flushed();
  const from = csms.calls.length;
  assert.equal(st.ctl('plug', '1').code, 0);
  const started = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Started' });
  const tx = started.params.transactionInfo.transactionId;
  assert.equal(started.params.triggerReason, 'CablePluggedIn');
  await st.kill();
  st = await rig.start(csms.url, { 'sim.plugged': '1' }); // the car stayed through the crash
  await rig.registered(st);
  await st.waitFor((x) => x.connectors[0].ocpp_transaction_id === tx, { what: 'the transaction still waiting for its badge' });
  assert.equal(st.ctl('tap', 'GOOD1').code, 0);
  const authorized = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Updated' && p.triggerReason === 'Authorized' });
  assert.equal(authorized.params.transactionInfo.transactionId, tx);
  assert.equal(authorized.params.idToken.idToken, 'GOOD1');
  await st.waitFor((x) => x.connectors[0].session, { what: 'the session took the transaction over' });
  assert.equal(st.ctl('unplug', '1').code, 0);
  const ended = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Ended' && p.transactionInfo.transactionId === tx });
  assert.equal(ended.params.transactionInfo.stoppedReason, 'EVDisconnected');
  const events = once(eventsOf(tx, from));
  assert.equal(events.filter((e) => e.eventType === 'Started').length, 1);
  assert.equal(events.filter((e) => e.eventType === 'Ended').length, 1);
  noGap(events);
  await st.waitStatus(1, 'Available');
  assert.equal(await setVar('TxCtrlr', 'TxStartPoint', 'PowerPathClosed'), 'Accepted');
  csms.assertNoViolations();
});

test('E01/E03: TxStartPoint Authorized with the badge first: the badge starts the transaction, the car is an Updated, EVConnectionTimeOut ends one with no car', async () => {
  assert.equal(await setVar('TxCtrlr', 'TxStartPoint', 'Authorized'), 'Accepted');
  assert.equal(await setVar('TxCtrlr', 'TxStopPoint', 'EVConnected,Authorized'), 'Accepted');
  await flushed();
  let from = csms.calls.length;
  assert.equal(st.ctl('tap', 'GOOD1').code, 0); // no car yet: held for the next one
  const started = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Started' });
  const tx = started.params.transactionInfo.transactionId;
  assert.equal(started.params.triggerReason, 'Authorized');
  assert.equal(started.params.idToken.idToken, 'GOOD1');
  assert.equal(started.params.transactionInfo.chargingState, 'Idle');
  assert.equal(started.params.evse, undefined, 'no EVSE before the car');
  assert.equal(started.params.seqNo, 0);
  assert.equal((await csms.call('GetTransactionStatus', { transactionId: tx })).ongoingIndicator, true);
  assert.equal(st.ctl('plug', '2').code, 0); // the car: borne's session takes the transaction over
  const plugged = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Updated' && p.triggerReason === 'CablePluggedIn' });
  assert.equal(plugged.params.transactionInfo.transactionId, tx);
  assert.deepEqual(plugged.params.evse, { id: 2, connectorId: 1 });
  assert.equal(plugged.params.seqNo, 1);
  await st.waitFor((x) => x.connectors[1].session, { what: 'a session on 2' });
  assert.equal((await st.connector(2)).ocpp_transaction_id, tx);
  assert.equal(st.ctl('unplug', '2').code, 0);
  const ended = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Ended' && p.transactionInfo.transactionId === tx });
  assert.equal(ended.params.transactionInfo.stoppedReason, 'EVDisconnected');
  let events = eventsOf(tx, from);
  assert.equal(events.filter((e) => e.eventType === 'Started').length, 1);
  noGap(events);
  await st.waitStatus(2, 'Available');
  // no car within EVConnectionTimeOut: Ended, EVConnectTimeout / Timeout
  const timeout = await getVar('TxCtrlr', 'EVConnectionTimeOut');
  assert.equal(await setVar('TxCtrlr', 'EVConnectionTimeOut', '5'), 'Accepted');
  from = csms.calls.length;
  assert.equal(st.ctl('tap', 'GOOD1').code, 0);
  const s2 = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Started' });
  const tx2 = s2.params.transactionInfo.transactionId;
  assert.notEqual(tx2, tx);
  await st.waitEvent('auth_expired', { match: (e) => /GOOD1/.test(e.detail) });
  const e2 = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Ended' && p.transactionInfo.transactionId === tx2 });
  assert.equal(e2.params.triggerReason, 'EVConnectTimeout');
  assert.equal(e2.params.transactionInfo.stoppedReason, 'Timeout');
  events = eventsOf(tx2, from);
  assert.deepEqual(events.map((e) => e.eventType), ['Started', 'Ended']);
  noGap(events);
  assert.equal((await csms.call('GetTransactionStatus', { transactionId: tx2 })).ongoingIndicator, false);
  assert.equal(await setVar('TxCtrlr', 'EVConnectionTimeOut', timeout), 'Accepted');
  // F03: the CSMS stops it: Ended (RemoteStop), the badge no longer held for the next car
  from = csms.calls.length;
  assert.equal(st.ctl('tap', 'GOOD1').code, 0);
  const s4 = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Started' });
  const tx4 = s4.params.transactionInfo.transactionId;
  assert.equal((await csms.call('RequestStopTransaction', { transactionId: tx4 })).status, 'Accepted');
  const e4 = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Ended' && p.transactionInfo.transactionId === tx4 });
  assert.equal(e4.params.triggerReason, 'RemoteStop');
  assert.equal(e4.params.transactionInfo.stoppedReason, 'Remote');
  await st.waitEvent('auth_withdrawn', { match: (e) => e.detail === 'GOOD1' });
  assert.equal(st.ctl('plug', '1').code, 0);
  await st.waitStatus(1, 'Preparing'); // waits for its own badge
  assert.equal((await st.connector(1)).session ?? null, null);
  assert.equal(st.ctl('unplug', '1').code, 0);
  await st.waitStatus(1, 'Available');
  // a kill -9 while the badge waits for its car: the held authorization is gone, its transaction ends
  from = csms.calls.length;
  assert.equal(st.ctl('tap', 'GOOD1').code, 0);
  const s3 = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Started' });
  const tx3 = s3.params.transactionInfo.transactionId;
  await st.kill();
  st = await rig.start(csms.url);
  const e3 = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Ended' && p.transactionInfo.transactionId === tx3 });
  assert.equal(e3.params.transactionInfo.stoppedReason, 'PowerLoss');
  noGap(once(eventsOf(tx3, from)));
  await rig.registered(st);
  assert.equal(await setVar('TxCtrlr', 'TxStartPoint', 'PowerPathClosed'), 'Accepted');
  csms.assertNoViolations();
});

const beginOf = (p) => p.meterValue?.flatMap((m) => m.sampledValue).find((v) => v.context === 'Transaction.Begin');

test('E03/J: a transaction begun at a badge before the car: its Started carries the register (TxStartedMeasurands, Transaction.Begin) of the only EVSE a car can come to, else the car\'s Updated does', async () => {
  assert.equal(await setVar('TxCtrlr', 'TxStartPoint', 'Authorized'), 'Accepted');
  await flushed();
  // both EVSEs free: the car picks one, the Started cannot tell whose register; the plug's Updated says it
  let from = csms.calls.length;
  assert.equal(st.ctl('tap', 'GOOD1').code, 0);
  const s1 = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Started' });
  const tx1 = s1.params.transactionInfo.transactionId;
  assert.equal(beginOf(s1.params), undefined);
  const wh1 = (await st.connector(2)).energy_wh;
  assert.equal(st.ctl('plug', '2').code, 0);
  const u1 = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Updated' && p.triggerReason === 'CablePluggedIn' && p.transactionInfo.transactionId === tx1 });
  await st.waitFor((x) => x.connectors[1].session, { what: 'a session on 2' });
  const b1 = beginOf(u1.params);
  assert.ok(b1, 'the plug\'s Updated carries Transaction.Begin');
  assert.equal(b1.measurand ?? 'Energy.Active.Import.Register', 'Energy.Active.Import.Register');
  assert.ok(Math.abs(b1.value - wh1) < 1, `${b1.value} Wh, the register of EVSE 2 (${wh1})`);
  assert.equal(st.ctl('unplug', '2').code, 0);
  await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Ended' && p.transactionInfo.transactionId === tx1 });
  await st.waitStatus(2, 'Available');
  // EVSE 1 inoperative: EVSE 2 is the only one a car can come to, its register read at the badge
  assert.equal((await csms.call('ChangeAvailability', { operationalStatus: 'Inoperative', evse: { id: 1 } })).status, 'Accepted');
  await st.waitStatus(1, 'Unavailable');
  const wh = (await st.connector(2)).energy_wh;
  from = csms.calls.length;
  assert.equal(st.ctl('tap', 'GOOD1').code, 0);
  const s2 = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Started' });
  const tx2 = s2.params.transactionInfo.transactionId;
  const b2 = beginOf(s2.params);
  assert.ok(b2, 'the Started carries Transaction.Begin');
  assert.equal(b2.measurand ?? 'Energy.Active.Import.Register', 'Energy.Active.Import.Register');
  assert.ok(Math.abs(b2.value - wh) < 1, `${b2.value} Wh, the register of EVSE 2 (${wh})`);
  assert.equal(s2.params.evse, undefined, 'still no EVSE before the car');
  assert.equal(st.ctl('plug', '2').code, 0);
  const u2 = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Updated' && p.triggerReason === 'CablePluggedIn' && p.transactionInfo.transactionId === tx2 });
  assert.equal(beginOf(u2.params), undefined, 'told once');
  assert.equal(st.ctl('unplug', '2').code, 0);
  const e2 = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Ended' && p.transactionInfo.transactionId === tx2 });
  assert.ok(e2.params.meterValue.flatMap((m) => m.sampledValue).some((v) => v.context === 'Transaction.End'));
  noGap(eventsOf(tx2, from));
  await st.waitStatus(2, 'Available');
  assert.equal((await csms.call('ChangeAvailability', { operationalStatus: 'Operative', evse: { id: 1 } })).status, 'Accepted');
  await st.waitStatus(1, 'Available');
  assert.equal(await setVar('TxCtrlr', 'TxStartPoint', 'PowerPathClosed'), 'Accepted');
  csms.assertNoViolations();
});

test('B09.FR.04: SecurityCtrlr.AllowSecurityProfileDowngrade is reported and settable (it lowers the floor only under profile 3)', async () => {
  assert.equal(await getVar('SecurityCtrlr', 'AllowSecurityProfileDowngrade'), 'false');
  assert.equal(await setVar('SecurityCtrlr', 'AllowSecurityProfileDowngrade', 'true'), 'Accepted');
  assert.equal(await getVar('SecurityCtrlr', 'AllowSecurityProfileDowngrade'), 'true');
  // the station runs profile 0 here: a profile 0 slot is no downgrade, accepted
  const r = await csms.call('SetNetworkProfile', { configurationSlot: 2, connectionData: {
    ocppVersion: 'OCPP20', ocppTransport: 'JSON', ocppCsmsUrl: csms.url.replace(/\/cp-201-tx$/, ''), messageTimeout: 30, securityProfile: 0, ocppInterface: 'Wired0' } });
  assert.equal(r.status, 'Accepted');
  assert.equal(await setVar('SecurityCtrlr', 'AllowSecurityProfileDowngrade', 'false'), 'Accepted');
  csms.assertNoViolations();
});

test('G03/G04 / TC_G_06 … _09, _11 … _14, _16 … _19, _21: ChangeAvailability of a connector, an EVSE, the station; the state asked already held is told again; Scheduled while charging, Unavailable once the car left; kept across a restart', async () => {
  const told = (from, evse) => csms.calls.slice(from)
    .filter((c) => c.action === 'StatusNotification' && (evse === undefined || c.params.evseId === evse))
    .map((c) => `${c.params.evseId}/${c.params.connectorId}:${c.params.connectorStatus}`);
  const change = async (operationalStatus, evse) =>
    (await csms.call('ChangeAvailability', evse ? { operationalStatus, evse } : { operationalStatus })).status;
  const waitTold = (from, evseId, connectorStatus) =>
    csms.waitCall('StatusNotification', { from, match: (p) => p.evseId === evseId && p.connectorId === 1 && p.connectorStatus === connectorStatus })
      .catch((e) => { throw new Error(`EVSE ${evseId} never told ${connectorStatus}; told ${told(from)} (${e.message})`); });
  // TC_G_07_CS, TC_G_08_CS: the connector of EVSE 1, Operative to Inoperative and back
  let from = csms.calls.length;
  assert.equal(await change('Inoperative', { id: 1, connectorId: 1 }), 'Accepted');
  await waitTold(from, 1, 'Unavailable');
  // TC_G_16_CS: Inoperative to Inoperative: Accepted, its state told again
  from = csms.calls.length;
  assert.equal(await change('Inoperative', { id: 1, connectorId: 1 }), 'Accepted');
  await waitTold(from, 1, 'Unavailable');
  from = csms.calls.length;
  assert.equal(await change('Operative', { id: 1, connectorId: 1 }), 'Accepted');
  await waitTold(from, 1, 'Available');
  assert.deepEqual(told(from), ['1/1:Available'], 'no stale state told');
  // TC_G_09_CS: an EVSE Operative to Operative
  from = csms.calls.length;
  assert.equal(await change('Operative', { id: 2 }), 'Accepted');
  await waitTold(from, 2, 'Available');
  // TC_G_12_CS: the station Operative to Operative: every connector told
  from = csms.calls.length;
  assert.equal(await change('Operative'), 'Accepted');
  await waitTold(from, 1, 'Available');
  await waitTold(from, 2, 'Available');
  // TC_G_13_CS: the station Inoperative, then Inoperative again: every connector Unavailable, each time
  for (let round = 0; round < 2; round++) {
    from = csms.calls.length;
    assert.equal(await change('Inoperative'), 'Accepted');
    await waitTold(from, 1, 'Unavailable');
    await waitTold(from, 2, 'Unavailable');
  }
  // TC_G_06_CS: back to Operative
  from = csms.calls.length;
  assert.equal(await change('Operative'), 'Accepted');
  await waitTold(from, 1, 'Available');
  await waitTold(from, 2, 'Available');

  // TC_G_11_CS, TC_G_17_CS: EVSE 1 (then its connector) Inoperative while it charges: Scheduled,
  // nothing told while it charges; the badge stop ends the transaction (TxStopPoint here:
  // Authorized), then (step 4) the connector is told Unavailable, the car still there; the car
  // leaving (step 10) changes nothing: no Available in between
  const txEnded = (from) => csms.calls.findIndex((c, i) => i >= from && c.action === 'TransactionEvent' && c.params.eventType === 'Ended');
  for (const evse of [{ id: 1 }, { id: 1, connectorId: 1 }]) {
    await charge(1, 'GOOD1');
    from = csms.calls.length;
    assert.equal(await change('Inoperative', evse), 'Scheduled');
    assert.equal((await csms.call('ChangeAvailability', { operationalStatus: 'Inoperative', evse: { id: 2 } })).status, 'Accepted', 'EVSE 2 has no transaction');
    await waitTold(from, 2, 'Unavailable');
    assert.deepEqual(told(from, 1), [], 'EVSE 1 still charging: nothing told');
    assert.equal(st.ctl('tap', 'GOOD1').code, 0); // StopAuthorized
    const unavailable = await waitTold(from, 1, 'Unavailable');
    // the Ended (journaled, sent by the pump once on disk) and the status (sent at once) are
    // two messages of the same instant: their order on the wire is not fixed (under load the
    // status came first); the status was not told before the stop (above)
    await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Ended' });
    assert.ok(txEnded(from) >= 0, 'the transaction ended');
    assert.equal(st.ctl('unplug', '1').code, 0); // EVDisconnected
    await st.waitFor((x) => x.connectors[0].cp_state === 'A', { what: 'the car gone from 1' });
    from = csms.calls.length;
    assert.equal(await change('Operative'), 'Accepted');
    await waitTold(from, 1, 'Available');
    await waitTold(from, 2, 'Available');
    assert.deepEqual(told(csms.calls.indexOf(unavailable), 1), ['1/1:Unavailable', '1/1:Available'], 'the car leaving told nothing');
  }
  // TC_G_14: the station Inoperative while EVSE 1 charges: Scheduled, EVSE 2 Unavailable now,
  // EVSE 1 once its transaction ended
  await charge(1, 'GOOD1');
  from = csms.calls.length;
  assert.equal(await change('Inoperative'), 'Scheduled');
  await waitTold(from, 2, 'Unavailable');
  assert.deepEqual(told(from, 1), []);
  assert.equal(st.ctl('tap', 'GOOD1').code, 0);
  await waitTold(from, 1, 'Unavailable');
  assert.equal(st.ctl('unplug', '1').code, 0);
  await st.waitFor((x) => x.connectors[0].cp_state === 'A', { what: 'the car gone from 1' });

  // TC_G_18_CS, TC_G_19_CS, TC_G_21_CS: EVSE 2 operative again, EVSE 1 still not; a restart:
  // after the BootNotification EVSE 1 Unavailable, EVSE 2 Available, then StartupOfTheDevice
  from = csms.calls.length;
  assert.equal(await change('Operative', { id: 2 }), 'Accepted');
  await waitTold(from, 2, 'Available');
  from = csms.calls.length;
  st = await rig.restart(st, csms);
  const boot = await csms.waitCall('BootNotification', { from });
  const afterBoot = csms.calls.indexOf(boot);
  await waitTold(afterBoot, 1, 'Unavailable');
  await waitTold(afterBoot, 2, 'Available');
  assert.deepEqual(told(afterBoot).sort(), ['1/1:Unavailable', '2/1:Available']);
  const startup = await csms.waitCall('SecurityEventNotification', { from: afterBoot, match: (p) => p.type === 'StartupOfTheDevice' });
  const lastStatus = csms.calls.findLastIndex((c) => c.action === 'StatusNotification');
  assert.ok(lastStatus < csms.calls.indexOf(startup), 'TC_G_21 step 4 then step 6: the statuses, then StartupOfTheDevice');
  from = csms.calls.length;
  assert.equal(await change('Operative'), 'Accepted');
  await waitTold(from, 1, 'Available');
  csms.assertNoViolations();
});

// OCPP-J part 4 (Reconnecting) skips the BootNotification only on a reconnection to the CSMS
// that accepted one: a connection to another CSMS (ocpp.url changed at run time) boots there,
// and back at the first one it boots again (a restart boots too: rig.restart waits for it).
test('a CSMS URL changed at run time: a BootNotification at the new CSMS, and again back at the first', async () => {
  const other = await rig.peer();
  // the run's own reason, told at its start (LocalReset after rig.restart above): the station
  // did not restart for the new CSMS
  const started = csms.callsOf('BootNotification').at(-1).params.reason;
  assert.equal(started, 'LocalReset');
  try {
    await st.ok('PUT', '/api/v1/settings', { 'ocpp.url': other.url });
    const boot = await other.waitCall('BootNotification', { timeoutMs: 30000 });
    assert.equal(boot.params.reason, started);
    await st.waitFor((x) => x.station.ocpp?.url === other.url && x.station.ocpp.registration === 'Accepted', { what: 'registered at the other CSMS' });
    // back to the first one: it is a change of CSMS again, so a BootNotification again
    const from = csms.calls.length;
    await st.ok('PUT', '/api/v1/settings', { 'ocpp.url': csms.url });
    await csms.waitCall('BootNotification', { from, timeoutMs: 30000 });
    await rig.registered(st, 'registered back');
    other.assertNoViolations();
    csms.assertNoViolations();
  } finally {
    await other.close();
  }
});
