// OCPP 2.0.1 (issue 16) Reservation (H) with Transactions (E) against a strict CSMS: npm
// ocpp-rpc in strict mode validates every frame both ways.
// - H03 S1/S2 scenario #2 (Edition 3 errata 2025-09) and G01.FR.09: with TxStartPoint
//   EVConnected a car plugged into a reserved EVSE starts the transaction at the plug while the
//   EVSE stays Reserved; another badge does not start a session there; the reservation's token
//   (or a token of its groupIdToken) does, which uses the reservation (reservationId in its
//   Updated, H03.FR.09 / E01.FR.13); a car gone before it ends the transaction, the reservation
//   kept.
// - H01 connectorType without evseId on a station whose EVSEs differ (EVSE 1 a Type 2 socket,
//   EVSE 2 a tethered Type 2 cable): only the EVSEs of that type are reserved and answer.
// - H01: a station-wide reservation (no evseId) stays while cars occupy the EVSEs: one stays
//   free for its token, the others' badges charge on the rest; the last Available EVSE kept for
//   it is shown Reserved (TC_H_14), a car plugged there without the token leaves it so.
// - H01 / TC_H_14: as many station-wide reservations as EVSEs can serve them (a third is
//   Occupied); as many Available EVSEs as reservations: all Reserved, another badge refused;
//   the reserved token charges on one, the other stays Reserved (a remote start of another token
//   there Rejected); a kill -9 keeps them; a cancel makes the EVSE Available (H02.FR.06); one of
//   two expiring makes both EVSEs Available again (H04).
// - connector.N.type: EVSE 2 set to a Type 1 cable (cType1) is what Connector.ConnectorType says
//   and what ReserveNow connectorType finds; a socket's type on a tethered connector refused.
// BORNE_OCPP_PEER=ocpp-ws-io runs it against npm ocpp-ws-io strict (ocpp201_resv_ws_io.test.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ocpp201Rig, setVariable } from './lib/ocpp201.mjs';

const TAGS = { GOOD1: 'Accepted', GOOD2: 'Accepted', OTHER1: 'Accepted', FAMILY1: 'Accepted' };
const GROUPS = { FAMILY1: 'FAMILY' };
const info = (c, tag) => (GROUPS[tag] ? { status: 'Accepted', groupIdToken: { idToken: GROUPS[tag], type: 'Central' } } : c.idTagInfo(tag));
const handlers = {
  Authorize: (c, p) => ({ idTokenInfo: info(c, p.idToken.idToken) }),
  TransactionEvent: (c, p) => (p.idToken ? { idTokenInfo: info(c, p.idToken.idToken) } : {}),
};
// EVSE 2 has a tethered cable (cType2), EVSE 1 a socket (sType2); no periodic Updated events;
// a badge held for a car waits 10 s (station time)
const rig = ocpp201Rig('cp-201-resv', {
  peer: { tags: TAGS, bootInterval: 60, handlers },
  set: { 'ocpp.MeterValueSampleInterval': '0', 'connector.2.tethered': 'true', 'auth.timeout_s': '10' },
});

let csms, st;
before(async () => ({ csms, st } = await rig.up()));
after(() => rig.down(st, csms));

const setVar = (component, variable, value) => setVariable(csms, component, variable, value);
const expiry = async (s = 3600) => new Date(Date.parse((await st.status()).station.time) + s * 1e3).toISOString();
const tok = (idToken) => ({ idToken, type: 'ISO14443' });
const eventsOf = (tx, from = 0) => csms.calls.slice(from)
  .filter((x) => x.action === 'TransactionEvent' && x.params.transactionInfo.transactionId === tx).map((x) => x.params);
const noGap = (events) => {
  const seqs = events.map((e) => e.seqNo);
  assert.deepEqual(seqs, seqs.map((_, i) => i), `seqNo from 0 without a gap: ${JSON.stringify(events.map((e) => [e.seqNo, e.eventType, e.triggerReason]))}`);
};

test('H03/E02: TxStartPoint EVConnected on a reserved EVSE: the plug starts the transaction, the EVSE stays Reserved until the reservation\'s token', async () => {
  assert.equal(await setVar('TxCtrlr', 'TxStartPoint', 'EVConnected'), 'Accepted');
  assert.equal(await setVar('TxCtrlr', 'TxStopPoint', 'EVConnected,Authorized'), 'Accepted');
  let from = csms.calls.length;
  assert.equal((await csms.call('ReserveNow', { id: 21, evseId: 1, expiryDateTime: await expiry(), idToken: tok('GOOD1') })).status, 'Accepted');
  await csms.waitCall('StatusNotification', { from, match: (p) => p.evseId === 1 && p.connectorStatus === 'Reserved' });
  // a car gone before the badge: Started at the plug, Ended when it leaves; the reservation stays
  assert.equal(st.ctl('plug', '1').code, 0);
  const s1 = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Started' && p.evse?.id === 1 });
  assert.equal(s1.params.triggerReason, 'CablePluggedIn');
  assert.equal(s1.params.transactionInfo.chargingState, 'EVConnected');
  assert.equal(s1.params.idToken, undefined);
  assert.equal(s1.params.reservationId, undefined, 'not used yet');
  const tx1 = s1.params.transactionInfo.transactionId;
  assert.equal((await st.connector(1)).status, 'Reserved', 'the EVSE stays Reserved (G01.FR.09)');
  assert.equal((await st.connector(1)).ocpp_transaction_id, tx1);
  assert.equal(st.ctl('unplug', '1').code, 0);
  const e1 = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Ended' && p.transactionInfo.transactionId === tx1 });
  assert.equal(e1.params.triggerReason, 'EVCommunicationLost');
  assert.equal(e1.params.transactionInfo.stoppedReason, 'EVDisconnected');
  assert.deepEqual(eventsOf(tx1, from).map((e) => e.eventType), ['Started', 'Ended']);
  await st.waitFor((x) => !x.connectors[0].ocpp_transaction_id, { what: 'no transaction on 1' });
  assert.equal((await st.connector(1)).status, 'Reserved');
  assert.ok(!csms.calls.slice(from).some((x) => x.action === 'StatusNotification' && x.params.evseId === 1 && x.params.connectorStatus !== 'Reserved'), 'Reserved throughout');
  // the car again; another badge does not start a session there; the reserved token does
  from = csms.calls.length;
  assert.equal(st.ctl('plug', '1').code, 0);
  const s2 = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Started' && p.evse?.id === 1 });
  const tx2 = s2.params.transactionInfo.transactionId;
  assert.notEqual(tx2, tx1);
  const mark = await st.lastEventId();
  assert.equal(st.ctl('tap', 'OTHER1').code, 0);
  await st.waitEvent('auth_accepted', { after: mark, match: (e) => /OTHER1/.test(e.detail) });
  await st.waitEvent('auth_expired', { after: mark, match: (e) => /OTHER1/.test(e.detail) }); // held for another car, none came
  const c1 = await st.connector(1);
  assert.equal(c1.session ?? null, null, 'no session for another badge');
  assert.equal(c1.status, 'Reserved');
  assert.ok(!eventsOf(tx2, from).some((e) => e.idToken), 'the transaction has no token yet');
  assert.equal(st.ctl('tap', 'GOOD1').code, 0);
  const used = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Updated' && p.triggerReason === 'Authorized' });
  assert.equal(used.params.transactionInfo.transactionId, tx2, 'the transaction begun at the plug');
  assert.equal(used.params.idToken.idToken, 'GOOD1');
  assert.equal(used.params.reservationId, 21);
  await st.waitStatus(1, 'Charging');
  await csms.waitCall('StatusNotification', { from, match: (p) => p.evseId === 1 && p.connectorStatus === 'Occupied' });
  assert.equal((await csms.call('CancelReservation', { reservationId: 21 })).status, 'Rejected', 'used');
  assert.equal(csms.calls.slice(from).filter((x) => x.action === 'ReservationStatusUpdate').length, 0);
  assert.equal(st.ctl('unplug', '1').code, 0);
  await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Ended' && p.transactionInfo.transactionId === tx2 });
  noGap(eventsOf(tx2, from));
  await st.waitStatus(1, 'Available');
  // reserved for a group: a token of the group uses it
  from = csms.calls.length;
  assert.equal((await csms.call('ReserveNow', { id: 22, evseId: 1, expiryDateTime: await expiry(), idToken: tok('GOOD2'), groupIdToken: { idToken: 'FAMILY', type: 'Central' } })).status, 'Accepted');
  await st.waitStatus(1, 'Reserved');
  assert.equal(st.ctl('plug', '1').code, 0);
  const s3 = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Started' && p.evse?.id === 1 });
  const tx3 = s3.params.transactionInfo.transactionId;
  assert.equal(st.ctl('tap', 'FAMILY1').code, 0);
  const g = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Updated' && p.triggerReason === 'Authorized' });
  assert.equal(g.params.transactionInfo.transactionId, tx3);
  assert.equal(g.params.idToken.idToken, 'FAMILY1');
  assert.equal(g.params.reservationId, 22);
  await st.waitStatus(1, 'Charging');
  assert.equal(st.ctl('unplug', '1').code, 0);
  await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Ended' && p.transactionInfo.transactionId === tx3 });
  noGap(eventsOf(tx3, from));
  await st.waitStatus(1, 'Available');
  assert.equal(await setVar('TxCtrlr', 'TxStartPoint', 'PowerPathClosed'), 'Accepted');
  assert.equal(await setVar('TxCtrlr', 'TxStopPoint', 'EVConnected,Authorized'), 'Accepted');
  csms.assertNoViolations();
});

test('H01: a station-wide reservation stays while cars occupy the EVSEs: one stays free for its token', async () => {
  const from = csms.calls.length;
  assert.equal((await csms.call('ReserveNow', { id: 31, expiryDateTime: await expiry(), idToken: tok('GOOD2') })).status, 'Accepted');
  assert.equal((await st.connector(2)).status, 'Available', 'two Available EVSEs for one reservation: none kept');
  assert.equal(st.ctl('plug', '1').code, 0);
  await st.waitStatus(1, 'Preparing');
  // one Available EVSE left for one reservation: it is Reserved (TC_H_14) ...
  await csms.waitCall('StatusNotification', { from, match: (p) => p.evseId === 2 && p.connectorStatus === 'Reserved' });
  // ... and a car plugged there without the token leaves it so (G01.FR.09)
  const mark0 = await st.lastEventId();
  assert.equal(st.ctl('plug', '2').code, 0);
  await st.waitEvent('reserved_plug', { after: mark0, match: (e) => e.connector === 2 });
  assert.equal((await st.connector(2)).status, 'Reserved');
  // every EVSE taken by a car: the reservation is kept (no ReservationStatusUpdate), a ReserveNow is Occupied
  assert.equal((await csms.call('ReserveNow', { id: 32, expiryDateTime: await expiry(), idToken: tok('GOOD1') })).status, 'Occupied');
  // another badge takes one EVSE, the other stays for the reservation's token
  assert.equal(st.ctl('tap', 'OTHER1').code, 0);
  const other = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Started' && p.idToken?.idToken === 'OTHER1' });
  assert.equal(other.params.reservationId, undefined);
  const mark = await st.lastEventId();
  assert.equal(st.ctl('tap', 'GOOD1').code, 0); // a third badge: no EVSE for it
  await st.waitEvent('auth_accepted', { after: mark, match: (e) => /GOOD1/.test(e.detail) });
  await st.waitEvent('auth_expired', { after: mark, match: (e) => /GOOD1/.test(e.detail) });
  assert.ok(!csms.calls.slice(from).some((x) => x.action === 'TransactionEvent' && x.params.idToken?.idToken === 'GOOD1'), 'GOOD1 did not charge');
  assert.equal(st.ctl('tap', 'GOOD2').code, 0);
  const used = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Started' && p.idToken?.idToken === 'GOOD2' });
  assert.equal(used.params.reservationId, 31);
  assert.notEqual(used.params.evse.id, other.params.evse.id);
  assert.equal(csms.calls.slice(from).filter((x) => x.action === 'ReservationStatusUpdate').length, 0, 'never Removed');
  assert.ok(!csms.calls.slice(from).some((x) => x.action === 'StatusNotification' && x.params.evseId === 2 && x.params.connectorStatus === 'Available'), 'EVSE 2 Reserved until used');
  assert.equal((await csms.call('CancelReservation', { reservationId: 31 })).status, 'Rejected', 'used');
  for (const c of [1, 2]) assert.equal(st.ctl('unplug', String(c)).code, 0);
  await st.waitStatus(1, 'Available');
  await st.waitStatus(2, 'Available');
  csms.assertNoViolations();
});

test('H01 connectorType without evseId on EVSEs of different types: only those of that type are reserved and answer', async () => {
  // EVSE 1 a socket (sType2), EVSE 2 a tethered cable (cType2), as the device model says
  const types = (await csms.call('GetVariables', { getVariableData: [1, 2].map((id) => ({ component: { name: 'Connector', evse: { id, connectorId: 1 } }, variable: { name: 'ConnectorType' } })) })).getVariableResult;
  assert.deepEqual(types.map((r) => r.attributeValue), ['sType2', 'cType2']);
  let from = csms.calls.length;
  assert.equal((await csms.call('ReserveNow', { id: 40, connectorType: 'cCCS2', expiryDateTime: await expiry(), idToken: tok('GOOD2') })).status, 'Rejected');
  assert.equal((await csms.call('ReserveNow', { id: 41, connectorType: 'cType2', expiryDateTime: await expiry(), idToken: tok('GOOD2') })).status, 'Accepted');
  // as many Available EVSEs of the type as reservations of it (one): EVSE 2 Reserved (TC_H_16),
  // EVSE 1 of another type not concerned; cars on both, EVSE 2 plugged first (still Reserved)
  await st.waitStatus(2, 'Reserved');
  assert.equal((await st.connector(1)).status, 'Available');
  const mark0 = await st.lastEventId();
  assert.equal(st.ctl('plug', '2').code, 0);
  await st.waitEvent('reserved_plug', { after: mark0, match: (e) => e.connector === 2 });
  assert.equal(st.ctl('plug', '1').code, 0);
  await st.waitStatus(1, 'Preparing');
  // another badge: the last EVSE of the type stays for the reservation, it charges on the socket
  assert.equal(st.ctl('tap', 'OTHER1').code, 0);
  const other = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Started' && p.idToken?.idToken === 'OTHER1' });
  assert.equal(other.params.evse.id, 1);
  assert.equal(other.params.reservationId, undefined);
  const mark = await st.lastEventId();
  assert.equal(st.ctl('tap', 'GOOD1').code, 0);
  await st.waitEvent('auth_expired', { after: mark, match: (e) => /GOOD1/.test(e.detail) });
  assert.equal((await st.connector(2)).session ?? null, null, 'not for GOOD1');
  // every EVSE of a type occupied: Occupied; no EVSE of the type: Rejected
  assert.equal((await csms.call('ReserveNow', { id: 42, connectorType: 'sType2', expiryDateTime: await expiry(), idToken: tok('GOOD1') })).status, 'Occupied');
  assert.equal(st.ctl('tap', 'GOOD2').code, 0);
  const used = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Started' && p.idToken?.idToken === 'GOOD2' });
  assert.equal(used.params.evse.id, 2);
  assert.equal(used.params.reservationId, 41);
  assert.equal((await csms.call('CancelReservation', { reservationId: 41 })).status, 'Rejected', 'used');
  assert.equal((await csms.call('ReserveNow', { id: 43, connectorType: 'cType2', expiryDateTime: await expiry(), idToken: tok('GOOD1') })).status, 'Occupied');
  for (const c of [1, 2]) assert.equal(st.ctl('unplug', String(c)).code, 0);
  await st.waitStatus(1, 'Available');
  await st.waitStatus(2, 'Available');
  // the EVSEs of the type inoperative: Unavailable, the other type still Accepted
  assert.equal((await csms.call('ChangeAvailability', { operationalStatus: 'Inoperative', evse: { id: 2 } })).status, 'Accepted');
  await st.waitStatus(2, 'Unavailable');
  assert.equal((await csms.call('ReserveNow', { id: 44, connectorType: 'cType2', expiryDateTime: await expiry(), idToken: tok('GOOD1') })).status, 'Unavailable');
  assert.equal((await csms.call('ReserveNow', { id: 45, connectorType: 'sType2', expiryDateTime: await expiry(), idToken: tok('GOOD1') })).status, 'Accepted');
  await st.waitStatus(1, 'Reserved');
  assert.equal((await csms.call('CancelReservation', { reservationId: 45 })).status, 'Accepted');
  await st.waitStatus(1, 'Available');
  assert.equal((await csms.call('ChangeAvailability', { operationalStatus: 'Operative', evse: { id: 2 } })).status, 'Accepted');
  await st.waitStatus(2, 'Available');
  // H04: an EVSE of another type inoperative keeps it; the last of its type inoperative removes it
  from = csms.calls.length;
  assert.equal((await csms.call('ReserveNow', { id: 46, connectorType: 'cType2', expiryDateTime: await expiry(), idToken: tok('GOOD2') })).status, 'Accepted');
  assert.equal((await csms.call('ChangeAvailability', { operationalStatus: 'Inoperative', evse: { id: 1 } })).status, 'Accepted');
  await st.waitStatus(1, 'Unavailable');
  assert.equal((await csms.call('ChangeAvailability', { operationalStatus: 'Inoperative', evse: { id: 2 } })).status, 'Accepted');
  const removed = await csms.waitCall('ReservationStatusUpdate', { from });
  assert.deepEqual(removed.params, { reservationId: 46, reservationUpdateStatus: 'Removed' });
  assert.equal(csms.calls.slice(from).filter((x) => x.action === 'ReservationStatusUpdate').length, 1);
  assert.equal((await csms.call('ChangeAvailability', { operationalStatus: 'Operative' })).status, 'Accepted');
  await st.waitStatus(1, 'Available');
  await st.waitStatus(2, 'Available');
  csms.assertNoViolations();
});

test('H01 connectorType without evseId survives a restart: still only among the EVSEs of its type; an EVSE reservation may not take the last EVSE kept', async () => {
  const from = csms.calls.length;
  assert.equal((await csms.call('ReserveNow', { id: 47, connectorType: 'cType2', expiryDateTime: await expiry(), idToken: tok('GOOD2') })).status, 'Accepted');
  await st.waitStatus(2, 'Reserved');
  st = await rig.restart(st, csms);
  await csms.waitCall('BootNotification', { from });
  await st.waitStatus(2, 'Reserved');
  assert.equal((await st.connector(1)).status, 'Available');
  // EVSE 2 (its type) plugged first: another badge still charges on EVSE 1
  const mark0 = await st.lastEventId();
  assert.equal(st.ctl('plug', '2').code, 0);
  await st.waitEvent('reserved_plug', { after: mark0, match: (e) => e.connector === 2 });
  assert.equal(st.ctl('plug', '1').code, 0);
  await st.waitStatus(1, 'Preparing');
  assert.equal(st.ctl('tap', 'OTHER1').code, 0);
  const other = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Started' && p.idToken?.idToken === 'OTHER1' });
  assert.equal(other.params.evse.id, 1);
  assert.equal(st.ctl('tap', 'GOOD2').code, 0);
  const used = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Started' && p.idToken?.idToken === 'GOOD2' });
  assert.equal(used.params.evse.id, 2);
  assert.equal(used.params.reservationId, 47);
  for (const c of [1, 2]) assert.equal(st.ctl('unplug', String(c)).code, 0);
  await st.waitStatus(1, 'Available');
  await st.waitStatus(2, 'Available');
  // an EVSE reservation may not take the last EVSE a station-wide one keeps: of its type, or any
  assert.equal((await csms.call('ReserveNow', { id: 48, connectorType: 'cType2', expiryDateTime: await expiry(), idToken: tok('GOOD2') })).status, 'Accepted');
  assert.equal((await csms.call('ReserveNow', { id: 49, evseId: 2, expiryDateTime: await expiry(), idToken: tok('GOOD1') })).status, 'Occupied');
  assert.equal((await csms.call('ReserveNow', { id: 49, evseId: 1, expiryDateTime: await expiry(), idToken: tok('GOOD1') })).status, 'Accepted');
  for (const id of [48, 49]) assert.equal((await csms.call('CancelReservation', { reservationId: id })).status, 'Accepted');
  await st.waitStatus(1, 'Available');
  assert.equal((await csms.call('ReserveNow', { id: 50, expiryDateTime: await expiry(), idToken: tok('GOOD2') })).status, 'Accepted');
  assert.equal((await csms.call('ReserveNow', { id: 51, evseId: 1, expiryDateTime: await expiry(), idToken: tok('GOOD1') })).status, 'Accepted');
  await st.waitStatus(1, 'Reserved');
  assert.equal((await csms.call('ReserveNow', { id: 52, evseId: 2, expiryDateTime: await expiry(), idToken: tok('GOOD1') })).status, 'Occupied');
  for (const id of [50, 51]) assert.equal((await csms.call('CancelReservation', { reservationId: id })).status, 'Accepted');
  await st.waitStatus(1, 'Available');
  // the same id moved to another EVSE: the first is free again (H01.FR.02, replaced)
  assert.equal((await csms.call('ReserveNow', { id: 53, evseId: 1, expiryDateTime: await expiry(), idToken: tok('GOOD1') })).status, 'Accepted');
  await st.waitStatus(1, 'Reserved');
  assert.equal((await csms.call('ReserveNow', { id: 53, evseId: 2, expiryDateTime: await expiry(), idToken: tok('GOOD1') })).status, 'Accepted');
  await st.waitStatus(2, 'Reserved');
  await st.waitStatus(1, 'Available');
  assert.equal((await csms.call('CancelReservation', { reservationId: 53 })).status, 'Accepted');
  await st.waitStatus(2, 'Available');
  csms.assertNoViolations();
});

test('H01 / TC_H_14: two station-wide reservations on two EVSEs: both Reserved, another badge refused, the reserved token charges on one while the other stays Reserved; kill -9 keeps them; a cancel frees the EVSE', async () => {
  let from = csms.calls.length;
  assert.equal((await csms.call('ReserveNow', { id: 60, expiryDateTime: await expiry(), idToken: tok('GOOD1') })).status, 'Accepted');
  assert.deepEqual([(await st.connector(1)).status, (await st.connector(2)).status], ['Available', 'Available'], 'two EVSEs for one reservation');
  assert.equal((await csms.call('ReserveNow', { id: 61, expiryDateTime: await expiry(), idToken: tok('GOOD2') })).status, 'Accepted', 'a second station-wide reservation');
  for (const evseId of [1, 2]) await csms.waitCall('StatusNotification', { from, match: (p) => p.evseId === evseId && p.connectorStatus === 'Reserved' });
  // no third: every Available EVSE is kept (TC_H_09: Occupied); nor an EVSE reservation there
  assert.equal((await csms.call('ReserveNow', { id: 62, expiryDateTime: await expiry(), idToken: tok('OTHER1') })).status, 'Occupied');
  assert.equal((await csms.call('ReserveNow', { id: 63, evseId: 1, expiryDateTime: await expiry(), idToken: tok('OTHER1') })).status, 'Occupied');
  // kill -9: both kept, both Reserved again after the boot
  await st.kill();
  from = csms.calls.length;
  st = await rig.start(csms.url);
  await rig.registered(st, 'registered after kill -9');
  for (const evseId of [1, 2]) await csms.waitCall('StatusNotification', { from, match: (p) => p.evseId === evseId && p.connectorStatus === 'Reserved' });
  assert.ok(!csms.calls.slice(from).some((x) => x.action === 'StatusNotification' && x.params.connectorStatus === 'Available'), 'never shown Available');
  // a car of another badge on EVSE 1: refused there, the EVSE stays Reserved
  const mark = await st.lastEventId();
  assert.equal(st.ctl('plug', '1').code, 0);
  await st.waitEvent('reserved_plug', { after: mark, match: (e) => e.connector === 1 });
  assert.equal(st.ctl('tap', 'OTHER1').code, 0);
  await st.waitEvent('auth_accepted', { after: mark, match: (e) => /OTHER1/.test(e.detail) });
  await st.waitEvent('auth_expired', { after: mark, match: (e) => /OTHER1/.test(e.detail) }); // held, never given
  assert.equal((await st.connector(1)).session ?? null, null, 'no session for another badge');
  assert.equal((await st.connector(1)).status, 'Reserved');
  // the first reservation's token charges there; EVSE 2 stays Reserved for the second
  assert.equal(st.ctl('tap', 'GOOD1').code, 0);
  const used = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Started' && p.idToken?.idToken === 'GOOD1' });
  assert.equal(used.params.evse.id, 1);
  assert.equal(used.params.reservationId, 60);
  await st.waitStatus(1, 'Charging');
  assert.equal((await st.connector(2)).status, 'Reserved');
  assert.equal((await csms.call('CancelReservation', { reservationId: 60 })).status, 'Rejected', 'used');
  assert.equal((await csms.call('ReserveNow', { id: 62, expiryDateTime: await expiry(), idToken: tok('OTHER1') })).status, 'Occupied', 'EVSE 2 kept for 61');
  // nor a remote start of another token there (F01 with the H03 remark: not authorized)
  assert.equal((await csms.call('RequestStartTransaction', { evseId: 2, remoteStartId: 64, idToken: { idToken: 'OTHER1', type: 'Central' } })).status, 'Rejected');
  // H02: the second cancelled, EVSE 2 Available again (H02.FR.06)
  const before = csms.calls.length;
  assert.equal((await csms.call('CancelReservation', { reservationId: 61 })).status, 'Accepted');
  await csms.waitCall('StatusNotification', { from: before, match: (p) => p.evseId === 2 && p.connectorStatus === 'Available' });
  assert.ok(!csms.calls.slice(from).some((x) => x.action === 'StatusNotification' && x.params.evseId === 2 && x.params.connectorStatus !== 'Reserved' && csms.calls.indexOf(x) < before), 'EVSE 2 Reserved until the cancel');
  assert.equal(st.ctl('unplug', '1').code, 0);
  await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Ended' && p.transactionInfo.transactionId === used.params.transactionInfo.transactionId });
  await st.waitStatus(1, 'Available');
  assert.equal(csms.calls.slice(from).filter((x) => x.action === 'ReservationStatusUpdate').length, 0);
  // H04: one of two expires: Expired, and both EVSEs Available again (one reservation, two EVSEs)
  const mark2 = csms.calls.length;
  assert.equal((await csms.call('ReserveNow', { id: 65, expiryDateTime: await expiry(60), idToken: tok('GOOD1') })).status, 'Accepted');
  assert.equal((await csms.call('ReserveNow', { id: 66, expiryDateTime: await expiry(), idToken: tok('GOOD2') })).status, 'Accepted');
  let reserved = 0;
  for (const evseId of [1, 2]) reserved = Math.max(reserved, csms.calls.indexOf(await csms.waitCall('StatusNotification', { from: mark2, match: (p) => p.evseId === evseId && p.connectorStatus === 'Reserved' })));
  const expired = await csms.waitCall('ReservationStatusUpdate', { from: mark2 });
  assert.deepEqual(expired.params, { reservationId: 65, reservationUpdateStatus: 'Expired' });
  for (const evseId of [1, 2]) await csms.waitCall('StatusNotification', { from: reserved + 1, match: (p) => p.evseId === evseId && p.connectorStatus === 'Available' });
  assert.equal((await csms.call('CancelReservation', { reservationId: 66 })).status, 'Accepted');
  assert.equal((await csms.call('CancelReservation', { reservationId: 65 })).status, 'Rejected', 'expired');
  csms.assertNoViolations();
});

test('connector.N.type: a Type 1 cable (cType1) is what the device model says and what ReserveNow connectorType finds', async () => {
  await st.waitStatus(2, 'Available');
  const typeOf2 = async () => (await csms.call('GetVariables', { getVariableData: [{ component: { name: 'Connector', evse: { id: 2, connectorId: 1 } }, variable: { name: 'ConnectorType' } }] })).getVariableResult[0].attributeValue;
  await st.ok('PUT', '/api/v1/settings', { 'connector.2.type': 'cType1' });
  assert.equal(await typeOf2(), 'cType1');
  assert.equal((await csms.call('ReserveNow', { id: 70, connectorType: 'cType2', expiryDateTime: await expiry(), idToken: tok('GOOD1') })).status, 'Rejected', 'no EVSE of that type now');
  assert.equal((await csms.call('ReserveNow', { id: 71, connectorType: 'cType1', expiryDateTime: await expiry(), idToken: tok('GOOD1') })).status, 'Accepted');
  await st.waitStatus(2, 'Reserved');
  assert.equal((await st.connector(1)).status, 'Available');
  assert.equal((await csms.call('CancelReservation', { reservationId: 71 })).status, 'Accepted');
  await st.waitStatus(2, 'Available');
  // a socket's type on the tethered connector is refused, the type unchanged
  const bad = await st.api('PUT', '/api/v1/settings', { 'connector.2.type': 'sType2' });
  assert.equal(bad.status, 400, JSON.stringify(bad.body));
  assert.match(JSON.stringify(bad.body), /socket/);
  assert.equal(await typeOf2(), 'cType1');
  await st.ok('PUT', '/api/v1/settings', { 'connector.2.type': 'auto' });
  assert.equal(await typeOf2(), 'cType2');
  csms.assertNoViolations();
});
