// OCPP 1.6J against a strict central system (ocpp-rpc in strict mode: every
// message borne sends and every answer it gives is validated against the
// official schemas; any violation fails the test). Covers the Core profile,
// authorization online and offline, remote start/stop, availability,
// configuration keys, reservation, smart charging, trigger, unlock, reset.
// ocpp16_ws_io.test.mjs runs the same scenarios against the second,
// independent strict back end (ocpp-ws-io) by setting BORNE_OCPP_PEER.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { startBorned } from './lib/borne.mjs';
import { resumed, startCsms } from './lib/csms.mjs';
import { startCsmsWsIo } from './lib/csms_ws_io.mjs';

const startPeer = process.env.BORNE_OCPP_PEER === 'ocpp-ws-io' ? startCsmsWsIo : startCsms;

let csms, st;

const PEER = { tags: { GOOD1: 'Accepted', GOOD2: 'Accepted', BLOCKED: 'Blocked', GOOD20CHARACTERS0001: 'Accepted' }, bootInterval: 60 };

before(async () => {
  csms = await startPeer(PEER);
  st = await startBorned({
    connectors: 2, auth: 'ocpp', speed: 20,
    args: ['--csms', csms.url],
    set: { 'station.id': 'cp-ocpp-1', 'station.serial': 'SN-OCTT-0001', 'ocpp.MeterValueSampleInterval': '60', 'ocpp.MinimumStatusDuration': '0' },
  });
  await csms.connected();
  await csms.waitCall('BootNotification');
});

after(async () => {
  await st?.stop();
  st?.cleanup();
  await csms?.close();
});

test('boot: the station identifies itself and reports every connector', async () => {
  const boot = csms.callsOf('BootNotification')[0];
  assert.equal(boot.identity, 'cp-ocpp-1');
  assert.equal(boot.params.chargePointVendor.length > 0, true);
  await csms.waitCall('StatusNotification', { match: (p) => p.connectorId === 0 });
  for (const c of [1, 2])
    await csms.waitCall('StatusNotification', { match: (p) => p.connectorId === c && p.status === 'Available' && p.errorCode === 'NoError' });
  const s = await st.waitFor((x) => x.station.ocpp?.state === 'connected' && x.station.ocpp.registration === 'Accepted', { what: 'ocpp connected' });
  assert.equal(s.station.ocpp.url, csms.url);
  assert.equal(s.station.ocpp.queue_length, 0);
  assert.ok(s.station.ocpp.last_message);
  csms.assertNoViolations();
});

test('a badge accepted by the back end starts a transaction; the same badge stops it', async () => {
  const from = csms.calls.length;
  assert.equal(st.ctl('plug', '1', '--ev-max-current', '16').code, 0);
  assert.equal(st.ctl('tap', 'GOOD1').code, 0);
  await csms.waitCall('Authorize', { from, match: (p) => p.idTag === 'GOOD1' });
  const start = await csms.waitCall('StartTransaction', { from, match: (p) => p.connectorId === 1 });
  assert.equal(start.params.idTag, 'GOOD1');
  assert.equal(typeof start.params.meterStart, 'number');
  await st.waitStatus(1, 'Charging');
  await csms.waitCall('StatusNotification', { from, match: (p) => p.connectorId === 1 && p.status === 'Charging' });
  const s = await st.connector(1);
  assert.ok(s.ocpp_transaction_id >= 1000);
  // an intermediate signed reading goes out at once as transaction MeterValues
  await st.ok('POST', '/api/v1/connectors/1/ocmf', {});
  const mv = await csms.waitCall('MeterValues', { from, match: (p) => p.meterValue.some((m) => m.sampledValue.some((sv) => sv.format === 'SignedData')) });
  assert.equal(mv.params.transactionId, s.ocpp_transaction_id);
  assert.equal(mv.params.meterValue[0].sampledValue[0].context, 'Sample.Periodic');
  assert.match(mv.params.meterValue[0].sampledValue[0].value, /^OCMF\|/);
  assert.equal(st.ctl('tap', 'GOOD1').code, 0);
  const stop = await csms.waitCall('StopTransaction', { from });
  assert.equal(stop.params.transactionId, s.ocpp_transaction_id);
  assert.equal(stop.params.reason, 'Local');
  assert.ok(stop.params.meterStop >= start.params.meterStart);
  // the OCMF signed records of the session travel as SignedData (issue 5)
  const signed = stop.params.transactionData.flatMap((mv) => mv.sampledValue).filter((sv) => sv.format === 'SignedData');
  assert.deepEqual(signed.map((sv) => sv.context), ['Transaction.Begin', 'Sample.Periodic', 'Transaction.End']);
  for (const sv of signed) assert.match(sv.value, /^OCMF\|\{.*\}\|\{"SA":"ECDSA-secp256r1-SHA256","SD":"[0-9A-Fa-f]+"\}$/);
  const payload = (sv) => JSON.parse(sv.value.split('|')[1]);
  assert.equal(payload(signed[2]).RD.at(-1).TX, 'E');
  assert.equal(payload(signed[0]).IS !== undefined, true);
  assert.equal(st.ctl('unplug', '1').code, 0);
  await st.waitStatus(1, 'Available');
  csms.assertNoViolations();
});

test('another badge of the same parentIdTag stops the transaction (3.5.1); StopTransaction names it', async () => {
  const parents = { FLEET1: 'FLEET', FLEET2: 'FLEET' };
  const plain = csms.idTagInfo;
  csms.idTagInfo = (tag) => (parents[tag] ? { status: 'Accepted', parentIdTag: parents[tag] } : plain.call(csms, tag));
  try {
    const from = csms.calls.length;
    assert.equal(st.ctl('plug', '1', '--ev-max-current', '16').code, 0);
    assert.equal(st.ctl('tap', 'FLEET1').code, 0);
    const start = await csms.waitCall('StartTransaction', { from, match: (p) => p.connectorId === 1 });
    assert.equal(start.params.idTag, 'FLEET1');
    await st.waitStatus(1, 'Charging');
    const tx = (await st.connector(1)).ocpp_transaction_id;
    // FLEET2 is not the badge that started it: its Authorize gives the same parentIdTag
    assert.equal(st.ctl('tap', 'FLEET2').code, 0);
    const auth = await csms.waitCall('Authorize', { from, match: (p) => p.idTag === 'FLEET2' });
    const stop = await csms.waitCall('StopTransaction', { from });
    assert.ok(csms.calls.indexOf(stop) > csms.calls.indexOf(auth));
    assert.equal(stop.params.transactionId, tx);
    assert.equal(stop.params.reason, 'Local');
    assert.equal(stop.params.idTag, 'FLEET2');
    await st.waitEvent('ocpp_group_stop', { match: (e) => /FLEET2/.test(e.detail) });
    // it started nothing of its own
    assert.equal(csms.calls.slice(from).filter((c) => c.action === 'StartTransaction').length, 1);
    assert.equal(st.ctl('unplug', '1').code, 0);
    await st.waitStatus(1, 'Available');
    csms.assertNoViolations();
  } finally {
    csms.idTagInfo = plain;
  }
});

test('a blocked or unknown badge is refused and starts nothing', async () => {
  const from = csms.calls.length;
  assert.equal(st.ctl('plug', '2').code, 0);
  // the event says why (issue 19): the back end's idTagInfo.status
  for (const [tag, reason] of [['BLOCKED', 'back_end_blocked'], ['NOBODY', 'back_end_invalid']]) {
    const after = await st.lastEventId();
    assert.equal(st.ctl('tap', tag).code, 0);
    const e = await st.waitEvent('auth_refused', { after, match: (ev) => ev.detail.includes(tag) });
    assert.equal(e.reason, reason);
  }
  assert.equal(csms.callsOf('StartTransaction').slice(from).length, 0);
  assert.equal((await st.connector(2)).session, null);
  assert.equal(st.ctl('unplug', '2').code, 0);
  await st.waitStatus(2, 'Available');
});

// An idTag is a CiString20: a longer badge is refused, never cut. Cut, this
// 24-character badge would be GOOD20CHARACTERS0001, which the back end accepts.
test('a badge longer than 20 characters is refused, never sent cut (not even as the accepted badge it begins with)', async () => {
  const LONG = 'GOOD20CHARACTERS0001XYZW';
  const from = csms.calls.length;
  assert.equal(st.ctl('plug', '2').code, 0);
  await st.waitStatus(2, 'Preparing');
  let after = await st.lastEventId();
  assert.equal(st.ctl('tap', LONG).code, 0);
  const e = await st.waitEvent('auth_refused', { after, match: (ev) => ev.detail.includes(LONG) });
  assert.equal(e.reason, 'token_too_long');
  // the API's start with it: refused the same way (a local badge would be heard cut)
  after = await st.lastEventId();
  const res = await st.api('POST', '/api/v1/connectors/2/start', { badge: LONG });
  assert.equal(res.status, 409);
  assert.equal((await st.waitEvent('auth_refused', { after })).reason, 'token_too_long');
  // the accepted 20-character badge itself still starts and stops: the link worked all along
  assert.equal(st.ctl('tap', 'GOOD20CHARACTERS0001').code, 0);
  const start = await csms.waitCall('StartTransaction', { from });
  assert.equal(start.params.idTag, 'GOOD20CHARACTERS0001');
  const sent = csms.calls.slice(from).filter((c) => c.action !== 'StatusNotification' && c.action !== 'MeterValues');
  assert.deepEqual(sent.map((c) => [c.action, c.params.idTag]).filter(([a]) => a === 'Authorize' || a === 'StartTransaction'),
    [['Authorize', 'GOOD20CHARACTERS0001'], ['StartTransaction', 'GOOD20CHARACTERS0001']]);
  assert.equal(st.ctl('unplug', '2').code, 0);
  await csms.waitCall('StopTransaction', { from });
  await st.waitStatus(2, 'Available');
  csms.assertNoViolations();
});

test('remote start and remote stop', async () => {
  const from = csms.calls.length;
  assert.equal(st.ctl('plug', '2').code, 0);
  await st.waitStatus(2, 'Preparing');
  const r = await csms.call('RemoteStartTransaction', { connectorId: 2, idTag: 'GOOD2' });
  assert.equal(r.status, 'Accepted');
  const start = await csms.waitCall('StartTransaction', { from, match: (p) => p.connectorId === 2 });
  await st.waitStatus(2, 'Charging');
  const tx = (await csms.waitCall('StartTransaction', { from })) && (await st.connector(2)).ocpp_transaction_id;
  assert.ok(tx);
  assert.equal((await csms.call('RemoteStopTransaction', { transactionId: 999999 })).status, 'Rejected');
  assert.equal((await csms.call('RemoteStopTransaction', { transactionId: tx })).status, 'Accepted');
  const stop = await csms.waitCall('StopTransaction', { from });
  assert.equal(stop.params.reason, 'Remote');
  assert.equal(start.params.idTag, 'GOOD2');
  csms.assertNoViolations();
});

test('unplugging mid-session stops with EVDisconnected', async () => {
  const from = csms.calls.length;
  assert.equal(st.ctl('unplug', '2').code, 0);
  assert.equal(st.ctl('plug', '2').code, 0);
  assert.equal((await csms.call('RemoteStartTransaction', { connectorId: 2, idTag: 'GOOD2' })).status, 'Accepted');
  await st.waitStatus(2, 'Charging');
  assert.equal(st.ctl('unplug', '2').code, 0);
  const stop = await csms.waitCall('StopTransaction', { from });
  assert.equal(stop.params.reason, 'EVDisconnected');
  await st.waitStatus(2, 'Available');
});

// OCTT TC_004_1_CS, TC_008_CS step 5, TC_011_1_CS, TC_011_2_CS (TC_004_2_CS):
// an authorization accepted before the car shows its connector Preparing
// (1.6 4.9: "when a user presents a tag"); when ConnectionTimeOut ends it
// without a car the connector is Available again. The station's own status
// (the API's, and 2.0.1's) stays Available until the car.
test('OCTT TC_004_1_CS, TC_011_1_CS, TC_011_2_CS: a badge or a remote start before the car shows Preparing; ConnectionTimeOut brings Available back', async () => {
  const statuses = (from, c) => csms.calls.slice(from).filter((x) => x.action === 'StatusNotification' && x.params.connectorId === c).map((x) => x.params.status);
  // two connectors free: a badge is for whichever car comes first, neither is taken
  let from = csms.calls.length;
  let after = await st.lastEventId();
  assert.equal(st.ctl('tap', 'GOOD1').code, 0);
  await st.waitEvent('auth_accepted', { after, match: (e) => e.detail === 'GOOD1' });
  assert.equal(st.ctl('plug', '2', '--ev-max-current', '16').code, 0);
  await csms.waitCall('StartTransaction', { from, match: (p) => p.connectorId === 2 && p.idTag === 'GOOD1' });
  await st.waitStatus(2, 'Charging');
  assert.deepEqual(statuses(from, 1), []);
  assert.equal(statuses(from, 2)[0], 'Preparing');
  assert.equal(st.ctl('tap', 'GOOD1').code, 0);
  await csms.waitCall('StopTransaction', { from });
  assert.equal(st.ctl('unplug', '2').code, 0);
  await csms.waitCall('StatusNotification', { from, match: (p) => p.connectorId === 2 && p.status === 'Available' });

  // TC_004_1_CS (TC_008_CS step 5): one connector left free, the badge is its
  from = csms.calls.length;
  assert.equal((await csms.call('ChangeAvailability', { connectorId: 2, type: 'Inoperative' })).status, 'Accepted');
  await csms.waitCall('StatusNotification', { from, match: (p) => p.connectorId === 2 && p.status === 'Unavailable' });
  assert.equal(st.ctl('tap', 'GOOD1').code, 0);
  await csms.waitCall('Authorize', { from, match: (p) => p.idTag === 'GOOD1' });
  await csms.waitCall('StatusNotification', { from, match: (p) => p.connectorId === 1 && p.status === 'Preparing' });
  assert.equal((await st.connector(1)).status, 'Available'); // the station's own, until the car
  assert.equal(st.ctl('plug', '1', '--ev-max-current', '16').code, 0);
  await csms.waitCall('StartTransaction', { from, match: (p) => p.connectorId === 1 && p.idTag === 'GOOD1' });
  await csms.waitCall('StatusNotification', { from, match: (p) => p.connectorId === 1 && p.status === 'Charging' });
  const untilCharging = (list) => list.slice(0, list.indexOf('Charging'));
  assert.equal(statuses(from, 1)[0], 'Preparing');
  assert.ok(!untilCharging(statuses(from, 1)).includes('Available'), statuses(from, 1).join()); // kept until the car
  assert.equal(st.ctl('tap', 'GOOD1').code, 0);
  await csms.waitCall('StopTransaction', { from });
  assert.equal(st.ctl('unplug', '1').code, 0);
  await csms.waitCall('StatusNotification', { from, match: (p) => p.connectorId === 1 && p.status === 'Available' });
  assert.equal((await csms.call('ChangeAvailability', { connectorId: 2, type: 'Operative' })).status, 'Accepted');
  await csms.waitCall('StatusNotification', { from, match: (p) => p.connectorId === 2 && p.status === 'Available' });

  // TC_011_1_CS: remote start naming connector 2, no car yet: Preparing, then the car
  from = csms.calls.length;
  assert.equal((await csms.call('RemoteStartTransaction', { connectorId: 2, idTag: 'GOOD2' })).status, 'Accepted');
  await csms.waitCall('StatusNotification', { from, match: (p) => p.connectorId === 2 && p.status === 'Preparing' });
  assert.deepEqual(statuses(from, 1), []);
  assert.equal(st.ctl('plug', '2', '--ev-max-current', '16').code, 0);
  await csms.waitCall('StartTransaction', { from, match: (p) => p.connectorId === 2 && p.idTag === 'GOOD2' });
  await csms.waitCall('StatusNotification', { from, match: (p) => p.connectorId === 2 && p.status === 'Charging' });
  assert.equal(statuses(from, 2)[0], 'Preparing');
  assert.ok(!untilCharging(statuses(from, 2)).includes('Available'), statuses(from, 2).join());
  const tx = (await st.connector(2)).ocpp_transaction_id;
  assert.equal((await csms.call('RemoteStopTransaction', { transactionId: tx })).status, 'Accepted');
  await csms.waitCall('StopTransaction', { from });
  assert.equal(st.ctl('unplug', '2').code, 0);
  await csms.waitCall('StatusNotification', { from, match: (p) => p.connectorId === 2 && p.status === 'Available' });

  // TC_011_2_CS: ConnectionTimeOut (its least, 5 s) passes without a car: Available again
  const timeout = (await csms.call('GetConfiguration', { key: ['ConnectionTimeOut'] })).configurationKey[0].value;
  assert.equal((await csms.call('ChangeConfiguration', { key: 'ConnectionTimeOut', value: '5' })).status, 'Accepted');
  from = csms.calls.length;
  after = await st.lastEventId();
  assert.equal((await csms.call('RemoteStartTransaction', { connectorId: 1, idTag: 'GOOD2' })).status, 'Accepted');
  const preparing = await csms.waitCall('StatusNotification', { from, match: (p) => p.connectorId === 1 && p.status === 'Preparing' });
  await st.waitEvent('auth_expired', { after, match: (e) => e.detail === 'GOOD2' });
  await csms.waitCall('StatusNotification', { from: csms.calls.indexOf(preparing) + 1, match: (p) => p.connectorId === 1 && p.status === 'Available' });
  assert.equal(csms.calls.slice(from).filter((x) => x.action === 'StartTransaction').length, 0);
  assert.deepEqual(statuses(from, 2), []);
  assert.equal((await csms.call('ChangeConfiguration', { key: 'ConnectionTimeOut', value: timeout })).status, 'Accepted');
  csms.assertNoViolations();
});

test('configuration keys: get, set, invalid, read-only, unknown', async () => {
  const all = await csms.call('GetConfiguration', {});
  const keys = new Map(all.configurationKey.map((k) => [k.key, k]));
  for (const k of ['HeartbeatInterval', 'MeterValueSampleInterval', 'NumberOfConnectors', 'SupportedFeatureProfiles', 'AuthorizeRemoteTxRequests'])
    assert.ok(keys.has(k), `${k} listed`);
  assert.equal(keys.get('NumberOfConnectors').readonly, true);
  assert.equal(keys.get('NumberOfConnectors').value, '2');
  assert.ok(!keys.has('AuthorizationKey') || keys.get('AuthorizationKey').value === undefined, 'AuthorizationKey never readable');
  assert.equal((await csms.call('ChangeConfiguration', { key: 'MeterValueSampleInterval', value: '30' })).status, 'Accepted');
  const one = await csms.call('GetConfiguration', { key: ['MeterValueSampleInterval', 'NoSuchKey'] });
  assert.equal(one.configurationKey[0].value, '30');
  assert.deepEqual(one.unknownKey, ['NoSuchKey']);
  assert.equal((await csms.call('ChangeConfiguration', { key: 'MeterValueSampleInterval', value: 'soon' })).status, 'Rejected');
  assert.equal((await csms.call('ChangeConfiguration', { key: 'NumberOfConnectors', value: '4' })).status, 'Rejected');
  assert.equal((await csms.call('ChangeConfiguration', { key: 'NoSuchKey', value: '1' })).status, 'NotSupported');
  // the registry's length bound (an X.509 organizationName is at most 64 characters)
  assert.equal((await csms.call('ChangeConfiguration', { key: 'CpoName', value: 'O'.repeat(65) })).status, 'Rejected');
  /* one store: the setting is borne's own */
  const settings = await st.ok('GET', '/api/v1/settings');
  assert.equal(String(settings.settings['ocpp.MeterValueSampleInterval']), '30');
  csms.assertNoViolations();
});

test('availability: inoperative during a transaction is scheduled', async () => {
  const from = csms.calls.length;
  assert.equal(st.ctl('plug', '1').code, 0);
  assert.equal((await csms.call('RemoteStartTransaction', { connectorId: 1, idTag: 'GOOD1' })).status, 'Accepted');
  await st.waitStatus(1, 'Charging');
  assert.equal((await csms.call('ChangeAvailability', { connectorId: 1, type: 'Inoperative' })).status, 'Scheduled');
  assert.equal((await st.connector(1)).status, 'Charging');
  assert.equal(st.ctl('unplug', '1').code, 0);
  await csms.waitCall('StatusNotification', { from, match: (p) => p.connectorId === 1 && p.status === 'Unavailable' });
  assert.equal((await csms.call('ChangeAvailability', { connectorId: 1, type: 'Operative' })).status, 'Accepted');
  await csms.waitCall('StatusNotification', { from, match: (p) => p.connectorId === 1 && p.status === 'Available' });
});

test('availability of connector 0: the whole station, and a StatusNotification for connector 0 too (1.6 5.2, 4.9)', async () => {
  const from = csms.calls.length;
  assert.equal((await csms.call('ChangeAvailability', { connectorId: 0, type: 'Inoperative' })).status, 'Accepted');
  for (const c of [0, 1, 2])
    await csms.waitCall('StatusNotification', { from, match: (p) => p.connectorId === c && p.status === 'Unavailable' });
  const back = csms.calls.length;
  assert.equal((await csms.call('ChangeAvailability', { connectorId: 0, type: 'Operative' })).status, 'Accepted');
  for (const c of [0, 1, 2])
    await csms.waitCall('StatusNotification', { from: back, match: (p) => p.connectorId === c && p.status === 'Available' });
  csms.assertNoViolations();
});

test('reservation: only the reserved badge may use the connector; cancel; expiry', async () => {
  const from = csms.calls.length;
  const expiry = new Date(Date.now() + 3600e3).toISOString();
  assert.equal((await csms.call('ReserveNow', { connectorId: 1, expiryDate: expiry, idTag: 'GOOD2', reservationId: 7 })).status, 'Accepted');
  await csms.waitCall('StatusNotification', { from, match: (p) => p.connectorId === 1 && p.status === 'Reserved' });
  assert.equal((await csms.call('RemoteStartTransaction', { connectorId: 1, idTag: 'GOOD1' })).status, 'Rejected');
  assert.equal((await csms.call('CancelReservation', { reservationId: 7 })).status, 'Accepted');
  assert.equal((await csms.call('CancelReservation', { reservationId: 7 })).status, 'Rejected');
  await csms.waitCall('StatusNotification', { from, match: (p) => p.connectorId === 1 && p.status === 'Available' });
  /* used: the StartTransaction names it */
  const mark = csms.calls.length;
  assert.equal((await csms.call('ReserveNow', { connectorId: 1, expiryDate: expiry, idTag: 'GOOD2', reservationId: 8 })).status, 'Accepted');
  await csms.waitCall('StatusNotification', { from: mark, match: (p) => p.connectorId === 1 && p.status === 'Reserved' });
  /* 1.6 4.9: a car plugged in without the reserved identity leaves it Reserved */
  assert.equal(st.ctl('plug', '1').code, 0);
  const plugged = await st.waitFor((x) => x.connectors[0].cp_state !== 'A', { what: 'car plugged in' });
  assert.equal(plugged.connectors[0].status, 'Reserved');
  assert.ok(!csms.calls.slice(mark).some((c) => c.action === 'StatusNotification' && c.params.connectorId === 1 && c.params.status === 'Preparing'));
  assert.equal(st.ctl('tap', 'GOOD2').code, 0);
  const start = await csms.waitCall('StartTransaction', { from, match: (p) => p.connectorId === 1 });
  assert.equal(start.params.reservationId, 8);
  assert.equal(st.ctl('tap', 'GOOD2').code, 0);
  await csms.waitCall('StopTransaction', { from });
  assert.equal(st.ctl('unplug', '1').code, 0);
  /* expiry: a reservation that ends by itself */
  const soon = new Date(Date.now() + 2e3).toISOString();
  assert.equal((await csms.call('ReserveNow', { connectorId: 2, expiryDate: soon, idTag: 'GOOD2', reservationId: 9 })).status, 'Accepted');
  await csms.waitCall('StatusNotification', { from, match: (p) => p.connectorId === 2 && p.status === 'Reserved' });
  const back = csms.calls.length;
  await csms.waitCall('StatusNotification', { from: back, match: (p) => p.connectorId === 2 && p.status === 'Available' });
  /* connector 0: GetConfiguration says ReserveConnectorZeroSupported=true, so it is accepted */
  assert.equal((await csms.call('ReserveNow', { connectorId: 0, expiryDate: expiry, idTag: 'GOOD2', reservationId: 10 })).status, 'Accepted');
  assert.equal((await csms.call('CancelReservation', { reservationId: 10 })).status, 'Accepted');
  /* 5.13: the same reservationId on another connector replaces it: the first is free again */
  const moved = csms.calls.length;
  assert.equal((await csms.call('ReserveNow', { connectorId: 1, expiryDate: expiry, idTag: 'GOOD2', reservationId: 11 })).status, 'Accepted');
  await csms.waitCall('StatusNotification', { from: moved, match: (p) => p.connectorId === 1 && p.status === 'Reserved' });
  assert.equal((await csms.call('ReserveNow', { connectorId: 2, expiryDate: expiry, idTag: 'GOOD2', reservationId: 11 })).status, 'Accepted');
  await csms.waitCall('StatusNotification', { from: moved, match: (p) => p.connectorId === 2 && p.status === 'Reserved' });
  await csms.waitCall('StatusNotification', { from: moved, match: (p) => p.connectorId === 1 && p.status === 'Available' });
  assert.equal((await csms.call('CancelReservation', { reservationId: 11 })).status, 'Accepted');
  await csms.waitCall('StatusNotification', { from: moved, match: (p) => p.connectorId === 2 && p.status === 'Available' });
  csms.assertNoViolations();
});

test('OCTT TC_049_CS: a reservation of connector 0 shows the connector the station cannot spare Reserved; only its idTag charges there, the StartTransaction names it', async () => {
  const from = csms.calls.length;
  const expiry = new Date(Date.now() + 3600e3).toISOString();
  // two connectors, both Available: one reservation spares either, none is shown Reserved
  assert.equal((await csms.call('ReserveNow', { connectorId: 0, expiryDate: expiry, idTag: 'GOOD2', reservationId: 49 })).status, 'Accepted');
  // connector 1 taken out of service (TC_046_1's "SetConnectorUnavailable for all unused connectors"): connector 2 is the one left
  assert.equal((await csms.call('ChangeAvailability', { connectorId: 1, type: 'Inoperative' })).status, 'Accepted');
  await csms.waitCall('StatusNotification', { from, match: (p) => p.connectorId === 2 && p.status === 'Reserved' });
  assert.ok(!csms.calls.slice(from).some((c) => c.action === 'StatusNotification' && c.params.status === 'Reserved' && c.params.connectorId !== 2), 'only the connector kept');
  assert.equal((await csms.call('RemoteStartTransaction', { connectorId: 2, idTag: 'GOOD1' })).status, 'Rejected');
  const use = csms.calls.length;
  assert.equal(st.ctl('plug', '2').code, 0);
  assert.equal(st.ctl('tap', 'GOOD2').code, 0);
  const start = await csms.waitCall('StartTransaction', { from: use, match: (p) => p.connectorId === 2 });
  assert.equal(start.params.reservationId, 49);
  assert.equal(start.params.idTag, 'GOOD2');
  await st.waitStatus(2, 'Charging');
  assert.equal(st.ctl('tap', 'GOOD2').code, 0);
  await csms.waitCall('StopTransaction', { from: use });
  assert.equal(st.ctl('unplug', '2').code, 0);
  await csms.waitCall('StatusNotification', { from: use, match: (p) => p.connectorId === 2 && p.status === 'Available' });
  assert.equal((await csms.call('CancelReservation', { reservationId: 49 })).status, 'Rejected', 'used, so gone');
  const back = csms.calls.length;
  assert.equal((await csms.call('ChangeAvailability', { connectorId: 1, type: 'Operative' })).status, 'Accepted');
  await csms.waitCall('StatusNotification', { from: back, match: (p) => p.connectorId === 1 && p.status === 'Available' });
  csms.assertNoViolations();
});

test('smart charging: a TxDefaultProfile lowers the offered current', async () => {
  assert.equal(st.ctl('plug', '2', '--ev-max-current', '32').code, 0);
  assert.equal((await csms.call('RemoteStartTransaction', { connectorId: 2, idTag: 'GOOD1' })).status, 'Accepted');
  await st.waitStatus(2, 'Charging');
  const profile = {
    chargingProfileId: 1, stackLevel: 0, chargingProfilePurpose: 'TxDefaultProfile', chargingProfileKind: 'Absolute',
    chargingSchedule: { startSchedule: new Date(Date.now() - 60e3).toISOString(), chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 10 }] },
  };
  assert.equal((await csms.call('SetChargingProfile', { connectorId: 2, csChargingProfiles: profile })).status, 'Accepted');
  const s = await st.waitFor((x) => x.connectors[1].offered_a === 10, { what: 'offered 10 A' });
  assert.equal(s.connectors[1].limited_by, 'ocpp_profile');
  const comp = await csms.call('GetCompositeSchedule', { connectorId: 2, duration: 3600, chargingRateUnit: 'A' });
  assert.equal(comp.status, 'Accepted');
  assert.equal(comp.chargingSchedule.chargingSchedulePeriod[0].limit, 10);
  assert.equal((await csms.call('ClearChargingProfile', { id: 1 })).status, 'Accepted');
  await st.waitFor((x) => x.connectors[1].offered_a > 10, { what: 'back to full current' });
  assert.equal(st.ctl('unplug', '2').code, 0);
  csms.assertNoViolations();
});

test('trigger messages are answered then sent', async () => {
  for (const requestedMessage of ['Heartbeat', 'StatusNotification', 'MeterValues', 'FirmwareStatusNotification', 'DiagnosticsStatusNotification', 'BootNotification']) {
    const from = csms.calls.length;
    const r = await csms.call('TriggerMessage', { requestedMessage, connectorId: requestedMessage === 'MeterValues' || requestedMessage === 'StatusNotification' ? 1 : undefined });
    assert.equal(r.status, 'Accepted', requestedMessage);
    await csms.waitCall(requestedMessage, { from });
  }
  csms.assertNoViolations();
});

test('frequency is sampled in Hertz, the unit of the OCA errata', async () => {
  const before = (await csms.call('GetConfiguration', { key: ['MeterValuesSampledData'] })).configurationKey[0].value;
  assert.equal((await csms.call('ChangeConfiguration', { key: 'MeterValuesSampledData', value: 'Energy.Active.Import.Register,Frequency' })).status, 'Accepted');
  const from = csms.calls.length;
  assert.equal((await csms.call('TriggerMessage', { requestedMessage: 'MeterValues', connectorId: 1 })).status, 'Accepted');
  const mv = await csms.waitCall('MeterValues', { from });
  const f = mv.params.meterValue[0].sampledValue.find((sv) => sv.measurand === 'Frequency');
  assert.ok(f, JSON.stringify(mv.params));
  assert.equal(f.unit, 'Hertz');
  assert.equal(Number(f.value), 50);
  assert.equal((await csms.call('ChangeConfiguration', { key: 'MeterValuesSampledData', value: before })).status, 'Accepted');
  csms.assertNoViolations();
});

test('clock-aligned meter values of idle connectors, without transactionId, queued (3.16.2)', async () => {
  for (const c of [1, 2]) assert.equal((await st.connector(c)).session ?? null, null, `connector ${c} idle`);
  const from = csms.calls.length;
  // 60 s of the station's clock: 3 s of the wall's at speed 20
  assert.equal((await csms.call('ChangeConfiguration', { key: 'ClockAlignedDataInterval', value: '60' })).status, 'Accepted');
  const aligned = (c) => csms.waitCall('MeterValues', {
    from, match: (p) => p.connectorId === c && p.meterValue[0].sampledValue.every((sv) => sv.context === 'Sample.Clock'),
  });
  for (const c of [1, 2]) {
    const mv = await aligned(c);
    assert.equal(mv.params.transactionId, undefined);
    // stamped with the instant on the clock: a whole minute of the station's clock
    assert.equal(new Date(mv.params.meterValue[0].timestamp).getUTCSeconds(), 0, mv.params.meterValue[0].timestamp);
    assert.ok(mv.params.meterValue[0].sampledValue.some((sv) => sv.measurand === undefined || sv.measurand === 'Energy.Active.Import.Register'));
  }
  assert.equal((await csms.call('ChangeConfiguration', { key: 'ClockAlignedDataInterval', value: '0' })).status, 'Accepted');
  csms.assertNoViolations();
});

test('unlock, data transfer and an unknown action', async () => {
  assert.equal((await csms.call('UnlockConnector', { connectorId: 1 })).status, 'Unlocked');
  assert.equal((await csms.call('UnlockConnector', { connectorId: 9 })).status, 'NotSupported');
  assert.equal((await csms.call('DataTransfer', { vendorId: 'com.example' })).status, 'UnknownVendorId');
  csms.assertNoViolations();
});

// OCPP-J 1.6 5.4 Reconnecting: "When reconnecting a charge point should not send a
// BootNotification unless one or more of the elements in the BootNotification have changed since
// the last connection". The back end goes away, a car is plugged meanwhile; back on the same URL
// the station sends no BootNotification and tells every connector's status, the new one included.
test('a reconnection to the same back end sends no BootNotification (OCPP-J 1.6 5.4); every status again, what changed offline included', async () => {
  const port = csms.port;
  csms.assertNoViolations();
  await csms.close();
  await st.waitFor((x) => x.station.ocpp?.state !== 'connected', { what: 'ocpp offline' });
  assert.equal(st.ctl('plug', '2').code, 0);
  await st.waitStatus(2, 'Preparing');
  csms = await startPeer({ ...PEER, port });
  await resumed(st, csms);
  await csms.waitCall('StatusNotification', { match: (p) => p.connectorId === 2 && p.status === 'Preparing' });
  for (const c of [0, 1]) await csms.waitCall('StatusNotification', { match: (p) => p.connectorId === c });
  assert.equal(csms.callsOf('BootNotification').length, 0);
  assert.equal(st.ctl('unplug', '2').code, 0);
  await st.waitStatus(2, 'Available');
  csms.assertNoViolations();
});

// The OCA's OCPP 1.6 Compliancy Testing Tool test cases (Test Case Document,
// Trial 2025-06), read as ocpplab.com renders them (docs/ocpp16.md, "OCTT 1.6
// test cases"): their tool validations, in the order they ask for them.
test('OCTT TC_027_CS, TC_012_CS, TC_018_1_CS, TC_055_CS, TC_042_2_CS: remote start on connector 0 Rejected; remote stop and unlock end in Finishing; trigger on an unknown connector Rejected; an empty list is version 0', async () => {
  let from = csms.calls.length;
  assert.equal(st.ctl('plug', '1', '--ev-max-current', '16').code, 0);
  await csms.waitCall('StatusNotification', { from, match: (p) => p.connectorId === 1 && p.status === 'Preparing' });
  // TC_027_CS: connectorId 0 names no connector (5.11: > 0): Rejected, the
  // waiting car not started (the handler acts before its answer is sent)
  assert.equal((await csms.call('RemoteStartTransaction', { connectorId: 0, idTag: 'GOOD1' })).status, 'Rejected');
  assert.equal((await st.connector(1)).session, null);
  // omitted, the station picks the car waiting for authorization
  assert.equal((await csms.call('RemoteStartTransaction', { idTag: 'GOOD1' })).status, 'Accepted');
  const start = await csms.waitCall('StartTransaction', { from, match: (p) => p.connectorId === 1 });
  assert.equal(start.params.idTag, 'GOOD1');
  assert.equal(csms.calls.slice(from).filter((c) => c.action === 'StartTransaction').length, 1);
  await st.waitStatus(1, 'Charging');
  // TC_012_CS: Accepted, StopTransaction Remote, StatusNotification Finishing
  const tx = (await st.connector(1)).ocpp_transaction_id;
  from = csms.calls.length;
  assert.equal((await csms.call('RemoteStopTransaction', { transactionId: tx })).status, 'Accepted');
  assert.equal((await csms.waitCall('StopTransaction', { from })).params.reason, 'Remote');
  await csms.waitCall('StatusNotification', { from, match: (p) => p.connectorId === 1 && p.status === 'Finishing' });
  assert.equal(st.ctl('unplug', '1').code, 0);
  await csms.waitCall('StatusNotification', { from, match: (p) => p.connectorId === 1 && p.status === 'Available' });
  // TC_018_1_CS: Unlocked, StopTransaction UnlockCommand, Finishing, then
  // Available once the cable is gone
  assert.equal(st.ctl('plug', '1', '--ev-max-current', '16').code, 0);
  assert.equal((await csms.call('RemoteStartTransaction', { connectorId: 1, idTag: 'GOOD1' })).status, 'Accepted');
  await st.waitStatus(1, 'Charging');
  from = csms.calls.length;
  assert.equal((await csms.call('UnlockConnector', { connectorId: 1 })).status, 'Unlocked');
  assert.equal((await csms.waitCall('StopTransaction', { from })).params.reason, 'UnlockCommand');
  const finishing = await csms.waitCall('StatusNotification', { from, match: (p) => p.connectorId === 1 && p.status === 'Finishing' });
  assert.equal(st.ctl('unplug', '1').code, 0);
  await csms.waitCall('StatusNotification', { from: csms.calls.indexOf(finishing) + 1, match: (p) => p.connectorId === 1 && p.status === 'Available' });
  // TC_055_CS: MeterValues of connector NumberOfConnectors + 1: Rejected, nothing sent
  from = csms.calls.length;
  assert.equal((await csms.call('TriggerMessage', { requestedMessage: 'MeterValues', connectorId: 3 })).status, 'Rejected');
  // TC_042_2_CS: a Full update of version 1 without entries; the empty list is version 0 (5.10)
  assert.equal((await csms.call('SendLocalList', { listVersion: 1, updateType: 'Full' })).status, 'Accepted');
  assert.equal((await csms.call('GetLocalListVersion', {})).listVersion, 0);
  assert.equal(csms.calls.slice(from).filter((c) => c.action === 'MeterValues' && c.params.connectorId === 3).length, 0);
  csms.assertNoViolations();
});

// TC_030_CS (5.18: "The response PDU SHALL indicate whether the Charge Point
// was able to unlock its connector"): a lock stuck closed is answered
// UnlockFailed once its switch still reads locked, after the session ended
// (StopTransaction UnlockCommand); a lock that opens, Unlocked after its
// switch read open.
test('OCTT TC_030_CS: UnlockConnector with the lock stuck closed is UnlockFailed (the transaction ended first); once it opens, Unlocked', async () => {
  let from = csms.calls.length;
  const after = await st.lastEventId();
  assert.equal(st.ctl('plug', '2', '--ev-max-current', '16').code, 0);
  assert.equal((await csms.call('RemoteStartTransaction', { connectorId: 2, idTag: 'GOOD1' })).status, 'Accepted');
  await st.waitStatus(2, 'Charging');
  assert.equal((await st.connector(2)).locked, true);
  assert.equal(st.ctl('fault', '2', 'lockstuck').code, 0);
  assert.equal((await csms.call('UnlockConnector', { connectorId: 2 })).status, 'UnlockFailed');
  const failed = await st.waitEvent('unlock_result', { after, match: (e) => e.connector === 2 });
  assert.equal(failed.detail, 'UnlockFailed');
  assert.equal((await st.connector(2)).locked, true); // the lock did not open
  assert.equal((await csms.waitCall('StopTransaction', { from })).params.reason, 'UnlockCommand');
  await csms.waitCall('StatusNotification', { from, match: (p) => p.connectorId === 2 && p.status === 'Finishing' });
  // the fault gone, the lock opens (released since the unlock); unplugged,
  // plugged and charging again, an unlock is Unlocked once it reads open
  assert.equal(st.ctl('fault', '2', 'clear').code, 0);
  assert.equal(st.ctl('unplug', '2').code, 0);
  await st.waitStatus(2, 'Available');
  assert.equal(st.ctl('plug', '2', '--ev-max-current', '16').code, 0);
  assert.equal((await csms.call('RemoteStartTransaction', { connectorId: 2, idTag: 'GOOD1' })).status, 'Accepted');
  await st.waitStatus(2, 'Charging');
  assert.equal((await st.connector(2)).locked, true);
  from = csms.calls.length;
  const mark = await st.lastEventId();
  assert.equal((await csms.call('UnlockConnector', { connectorId: 2 })).status, 'Unlocked');
  const unlocked = await st.waitEvent('unlock_result', { after: mark, match: (e) => e.connector === 2 });
  assert.equal(unlocked.detail, 'Unlocked');
  assert.equal((await st.connector(2)).locked, false);
  assert.equal((await csms.waitCall('StopTransaction', { from })).params.reason, 'UnlockCommand');
  assert.equal(st.ctl('unplug', '2').code, 0);
  await st.waitStatus(2, 'Available');
  csms.assertNoViolations();
});

// TC_073_CS (and TC_085_CS): OCPP-J 1.6 and the security whitepaper send the
// Basic password hex-encoded in AuthorizationKey; the station authenticates
// with the password itself, not with its hexadecimal digits.
test('OCTT TC_073_CS: AuthorizationKey carries the password hex-encoded; the station reconnects with the password itself', async () => {
  const reconnected = (before) => new Promise((resolve) => {
    const on = (c) => { if (c !== before) { csms.off('connect', on); resolve(c); } };
    csms.on('connect', on);
  });
  const PASSWORD = 'OCA_OCTT_admin_test';
  const hex = Buffer.from(PASSWORD).toString('hex').toUpperCase();
  assert.equal(hex, '4F43415F4F4354545F61646D696E5F74657374'); // the test case's value
  let client = await csms.connected();
  let again = reconnected(client);
  assert.deepEqual(await csms.call('ChangeConfiguration', { key: 'AuthorizationKey', value: hex }), { status: 'Accepted' });
  client = await again; // a changed key makes the link anew (security profile 0 still: no Basic header)
  // raised to security profile 1: HTTP Basic with the decoded password
  csms.password = PASSWORD;
  again = reconnected(client);
  assert.deepEqual(await csms.call('ChangeConfiguration', { key: 'SecurityProfile', value: '1' }), { status: 'Accepted' });
  await again;
  assert.equal(csms.lastHandshake.password.toString(), PASSWORD);
  await st.waitFor((x) => x.station.ocpp?.state === 'connected' && x.station.ocpp.registration === 'Accepted', { what: 'connected with the password' });
  // random binary bytes: ocpp.AuthorizationKey keeps printable text only: Rejected
  assert.deepEqual(await csms.call('ChangeConfiguration', { key: 'AuthorizationKey', value: '00112233445566778899aabbccddeeff' }), { status: 'Rejected' });
  csms.assertNoViolations();
});

test('a soft reset stops the transaction with SoftReset and boots again', async () => {
  assert.equal(st.ctl('plug', '1').code, 0);
  assert.equal((await csms.call('RemoteStartTransaction', { connectorId: 1, idTag: 'GOOD1' })).status, 'Accepted');
  await st.waitStatus(1, 'Charging');
  const from = csms.calls.length;
  // 1.6 5.14: the transaction is stopped (and its StopTransaction answered)
  // before the restart
  const client = await csms.connected();
  let closedAt = -1;
  client.once('close', () => { closedAt = csms.calls.length; });
  assert.equal((await csms.call('Reset', { type: 'Soft' })).status, 'Accepted');
  const stop = await csms.waitCall('StopTransaction', { from, timeoutMs: 30000 });
  assert.equal(stop.params.reason, 'SoftReset');
  await csms.waitCall('BootNotification', { from, timeoutMs: 30000 });
  assert.ok(closedAt > csms.calls.indexOf(stop), `StopTransaction (call ${csms.calls.indexOf(stop)}) before the connection closed (at ${closedAt})`);
  await st.waitReady(2);
  csms.assertNoViolations();
});

// TC_013_CS (hard reset without a transaction) and TC_034_CS (power failure
// with Unavailable status): the station made inoperative reports every
// connector and connector 0 Unavailable after its BootNotification, until
// made operative again.
test('OCTT TC_013_CS, TC_034_CS, TC_048_3_CS, TC_050_3_CS: inoperative is kept across a hard reset and reported after the boot; ReserveNow then Unavailable', async () => {
  await st.waitReady(2);
  const from = csms.calls.length;
  assert.equal((await csms.call('ChangeAvailability', { connectorId: 0, type: 'Inoperative' })).status, 'Accepted');
  for (const c of [0, 1, 2])
    await csms.waitCall('StatusNotification', { from, match: (p) => p.connectorId === c && p.status === 'Unavailable' });
  const reset = csms.calls.length;
  assert.equal((await csms.call('Reset', { type: 'Hard' })).status, 'Accepted');
  const boot = await csms.waitCall('BootNotification', { from: reset, timeoutMs: 30000 });
  const after = csms.calls.indexOf(boot) + 1;
  for (const c of [0, 1, 2])
    await csms.waitCall('StatusNotification', { from: after, match: (p) => p.connectorId === c && p.status === 'Unavailable' });
  assert.equal(csms.calls.slice(after).filter((x) => x.action === 'StatusNotification' && x.params.status !== 'Unavailable').length, 0);
  // TC_048_3_CS, TC_050_3_CS: a connector, or the Charge Point, out of service: ReserveNow Unavailable
  const expiryDate = new Date(Date.now() + 3600e3).toISOString();
  assert.equal((await csms.call('ReserveNow', { connectorId: 1, expiryDate, idTag: 'GOOD1', reservationId: 48 })).status, 'Unavailable');
  assert.equal((await csms.call('ReserveNow', { connectorId: 0, expiryDate, idTag: 'GOOD1', reservationId: 50 })).status, 'Unavailable');
  const back = csms.calls.length;
  assert.equal((await csms.call('ChangeAvailability', { connectorId: 0, type: 'Operative' })).status, 'Accepted');
  for (const c of [0, 1, 2])
    await csms.waitCall('StatusNotification', { from: back, match: (p) => p.connectorId === c && p.status === 'Available' });
  csms.assertNoViolations();
});

// TC_021_CS, TC_040_2_CS, TC_062_CS, TC_052_CS, TC_051_CS, TC_028_CS: a key
// set and read back, a value out of its range refused, an unknown vendor's
// DataTransfer refused, an unknown reservationId cancels nothing, a cancelled
// reservation frees its connector for another badge (no reservationId in its
// StartTransaction), a remote stop of an unknown transaction refused.
test('OCTT TC_021_CS, TC_040_2_CS, TC_062_CS, TC_052_CS, TC_051_CS, TC_028_CS: set and read back, -1 Rejected, DataTransfer refused, reservations cancelled by their id only, unknown transaction not stopped', async () => {
  await st.waitReady(3); // the API's port after the hard reset above
  const interval = async () => (await csms.call('GetConfiguration', { key: ['MeterValueSampleInterval'] })).configurationKey;
  const was = (await interval())[0].value;
  assert.equal((await csms.call('ChangeConfiguration', { key: 'MeterValueSampleInterval', value: '45' })).status, 'Accepted');
  assert.deepEqual(await interval(), [{ key: 'MeterValueSampleInterval', readonly: false, value: '45' }]);
  assert.equal((await csms.call('ChangeConfiguration', { key: 'MeterValueSampleInterval', value: '-1' })).status, 'Rejected');
  assert.equal((await interval())[0].value, '45');
  assert.equal((await csms.call('ChangeConfiguration', { key: 'MeterValueSampleInterval', value: was })).status, 'Accepted');
  const dt = await csms.call('DataTransfer', { vendorId: 'org.openchargealliance.octt', messageId: 'TestMessage', data: 'x' });
  assert.ok(['Rejected', 'UnknownMessageId', 'UnknownVendorId'].includes(dt.status), dt.status);
  // TC_052_CS: reserved; CancelReservation of another id Rejected; still reserved
  let from = csms.calls.length;
  const expiryDate = new Date(Date.now() + 3600e3).toISOString();
  assert.equal((await csms.call('ReserveNow', { connectorId: 1, expiryDate, idTag: 'GOOD1', reservationId: 51 })).status, 'Accepted');
  await csms.waitCall('StatusNotification', { from, match: (p) => p.connectorId === 1 && p.status === 'Reserved' });
  assert.equal((await csms.call('CancelReservation', { reservationId: 52 })).status, 'Rejected');
  assert.equal((await st.connector(1)).status, 'Reserved');
  // TC_051_CS: Accepted, Available, then another badge charges there without reservationId
  from = csms.calls.length;
  assert.equal((await csms.call('CancelReservation', { reservationId: 51 })).status, 'Accepted');
  await csms.waitCall('StatusNotification', { from, match: (p) => p.connectorId === 1 && p.status === 'Available' });
  assert.equal(st.ctl('plug', '1', '--ev-max-current', '16').code, 0);
  assert.equal(st.ctl('tap', 'GOOD2').code, 0);
  const start = await csms.waitCall('StartTransaction', { from, match: (p) => p.connectorId === 1 });
  assert.equal(start.params.idTag, 'GOOD2');
  assert.equal(start.params.reservationId, undefined);
  await st.waitStatus(1, 'Charging');
  // TC_028_CS: an unknown transactionId: Rejected, the transaction goes on
  const tx = (await st.connector(1)).ocpp_transaction_id;
  assert.equal((await csms.call('RemoteStopTransaction', { transactionId: tx + 1000 })).status, 'Rejected');
  assert.equal((await st.connector(1)).status, 'Charging');
  assert.equal(csms.calls.slice(from).filter((c) => c.action === 'StopTransaction').length, 0);
  assert.equal(st.ctl('tap', 'GOOD2').code, 0);
  await csms.waitCall('StopTransaction', { from });
  assert.equal(st.ctl('unplug', '1').code, 0);
  await csms.waitCall('StatusNotification', { from, match: (p) => p.connectorId === 1 && p.status === 'Available' });
  csms.assertNoViolations();
});

// TC_068_CS, TC_069_CS: during a transaction another badge stops nothing (its
// Authorize is allowed: one reader serves both connectors; accepted, it waits
// for a car at the free connector until ConnectionTimeOut); the starting badge
// stops it, StopTransaction naming it; a badge of the same parentIdTag stops
// it too, StopTransaction naming that badge; Finishing until the cable leaves.
test('OCTT TC_068_CS, TC_069_CS: another badge stops nothing; the starting badge or one of its parentIdTag stops the transaction, named in StopTransaction; Finishing', async () => {
  const timeout = (await csms.call('GetConfiguration', { key: ['ConnectionTimeOut'] })).configurationKey[0].value;
  assert.equal((await csms.call('ChangeConfiguration', { key: 'ConnectionTimeOut', value: '5' })).status, 'Accepted');
  let from = csms.calls.length;
  assert.equal(st.ctl('plug', '1', '--ev-max-current', '16').code, 0);
  assert.equal(st.ctl('tap', 'GOOD1').code, 0);
  await csms.waitCall('StartTransaction', { from, match: (p) => p.connectorId === 1 && p.idTag === 'GOOD1' });
  await st.waitStatus(1, 'Charging');
  const after = await st.lastEventId();
  assert.equal(st.ctl('tap', 'GOOD2').code, 0);
  await st.waitEvent('auth_expired', { after, match: (e) => e.detail === 'GOOD2' });
  assert.equal(csms.calls.slice(from).filter((c) => c.action === 'StopTransaction').length, 0);
  assert.equal((await st.connector(1)).status, 'Charging');
  from = csms.calls.length;
  assert.equal(st.ctl('tap', 'GOOD1').code, 0);
  const stop = await csms.waitCall('StopTransaction', { from });
  assert.equal(stop.params.idTag, 'GOOD1');
  const finishing = await csms.waitCall('StatusNotification', { from, match: (p) => p.connectorId === 1 && p.status === 'Finishing' });
  assert.equal(st.ctl('unplug', '1').code, 0);
  await csms.waitCall('StatusNotification', { from: csms.calls.indexOf(finishing) + 1, match: (p) => p.connectorId === 1 && p.status === 'Available' });

  const parents = { FLEET1: 'FLEET', FLEET2: 'FLEET' };
  const plain = csms.idTagInfo;
  csms.idTagInfo = (tag) => (parents[tag] ? { status: 'Accepted', parentIdTag: parents[tag] } : plain.call(csms, tag));
  try {
    from = csms.calls.length;
    assert.equal(st.ctl('plug', '1', '--ev-max-current', '16').code, 0);
    assert.equal(st.ctl('tap', 'FLEET1').code, 0);
    await csms.waitCall('StartTransaction', { from, match: (p) => p.connectorId === 1 && p.idTag === 'FLEET1' });
    await st.waitStatus(1, 'Charging');
    from = csms.calls.length;
    assert.equal(st.ctl('tap', 'FLEET2').code, 0);
    const auth = await csms.waitCall('Authorize', { from });
    assert.equal(auth.params.idTag, 'FLEET2');
    const groupStop = await csms.waitCall('StopTransaction', { from });
    assert.equal(groupStop.params.idTag, 'FLEET2');
    const fin = await csms.waitCall('StatusNotification', { from, match: (p) => p.connectorId === 1 && p.status === 'Finishing' });
    assert.equal(st.ctl('unplug', '1').code, 0);
    await csms.waitCall('StatusNotification', { from: csms.calls.indexOf(fin) + 1, match: (p) => p.connectorId === 1 && p.status === 'Available' });
  } finally {
    csms.idTagInfo = plain;
  }
  assert.equal((await csms.call('ChangeConfiguration', { key: 'ConnectionTimeOut', value: timeout })).status, 'Accepted');
  csms.assertNoViolations();
});

// TC_007_CS, TC_061_CS (AuthorizationCacheEnabled and LocalPreAuthorize true):
// a cached badge makes the connector Preparing and starts the transaction
// without an Authorize; unused it is Available again at ConnectionTimeOut;
// after ClearCache (Accepted) the same badge is asked for again. Connector 2
// out of service: with two free connectors a badge waits for either car and
// neither is Preparing (docs/ocpp16.md, "Preparing before the car").
test('OCTT TC_007_CS, TC_061_CS: a cached badge is Preparing and starts without Authorize; Available at ConnectionTimeOut; after ClearCache it is asked for again', async () => {
  const get = async (key) => (await csms.call('GetConfiguration', { key: [key] })).configurationKey[0].value;
  const saved = [['LocalPreAuthorize', await get('LocalPreAuthorize')], ['ConnectionTimeOut', await get('ConnectionTimeOut')]];
  for (const [key, value] of [['AuthorizationCacheEnabled', 'true'], ['LocalPreAuthorize', 'true'], ['ConnectionTimeOut', '5']])
    assert.equal((await csms.call('ChangeConfiguration', { key, value })).status, 'Accepted');
  let from = csms.calls.length;
  assert.equal((await csms.call('ChangeAvailability', { connectorId: 2, type: 'Inoperative' })).status, 'Accepted');
  await csms.waitCall('StatusNotification', { from, match: (p) => p.connectorId === 2 && p.status === 'Unavailable' });
  // TC_007_CS: GOOD1 was accepted online before: cached
  from = csms.calls.length;
  assert.equal(st.ctl('tap', 'GOOD1').code, 0);
  await csms.waitCall('StatusNotification', { from, match: (p) => p.connectorId === 1 && p.status === 'Preparing' });
  assert.equal(st.ctl('plug', '1', '--ev-max-current', '16').code, 0);
  const start = await csms.waitCall('StartTransaction', { from, match: (p) => p.connectorId === 1 });
  assert.equal(start.params.idTag, 'GOOD1');
  await csms.waitCall('StatusNotification', { from, match: (p) => p.connectorId === 1 && p.status === 'Charging' });
  assert.equal(csms.calls.slice(from).filter((c) => c.action === 'Authorize').length, 0);
  assert.equal(st.ctl('tap', 'GOOD1').code, 0);
  await csms.waitCall('StopTransaction', { from });
  assert.equal(st.ctl('unplug', '1').code, 0);
  await csms.waitCall('StatusNotification', { from, match: (p) => p.connectorId === 1 && p.status === 'Available' });
  // TC_061_CS steps 1 and 3: Preparing, then Available at ConnectionTimeOut
  from = csms.calls.length;
  let after = await st.lastEventId();
  assert.equal(st.ctl('tap', 'GOOD1').code, 0);
  const preparing = await csms.waitCall('StatusNotification', { from, match: (p) => p.connectorId === 1 && p.status === 'Preparing' });
  await st.waitEvent('auth_expired', { after, match: (e) => e.detail === 'GOOD1' });
  await csms.waitCall('StatusNotification', { from: csms.calls.indexOf(preparing) + 1, match: (p) => p.connectorId === 1 && p.status === 'Available' });
  assert.equal(csms.calls.slice(from).filter((c) => c.action === 'Authorize').length, 0);
  // steps 5 to 8: ClearCache Accepted; the same badge goes to the back end
  assert.deepEqual(await csms.call('ClearCache', {}), { status: 'Accepted' });
  from = csms.calls.length;
  after = await st.lastEventId();
  assert.equal(st.ctl('tap', 'GOOD1').code, 0);
  await csms.waitCall('Authorize', { from, match: (p) => p.idTag === 'GOOD1' });
  await st.waitEvent('auth_expired', { after, match: (e) => e.detail === 'GOOD1' });
  for (const [key, value] of saved)
    assert.equal((await csms.call('ChangeConfiguration', { key, value })).status, 'Accepted');
  from = csms.calls.length;
  assert.equal((await csms.call('ChangeAvailability', { connectorId: 2, type: 'Operative' })).status, 'Accepted');
  await csms.waitCall('StatusNotification', { from, match: (p) => p.connectorId === 2 && p.status === 'Available' });
  csms.assertNoViolations();
});

// TC_079_CS (whitepaper N01.FR.07): every LogStatusNotification of an upload
// carries the requestId of the GetLog.req that started it, 0 as well.
test('OCTT TC_079_CS: GetLog SecurityLog Accepted; Uploading then Uploaded with the GetLog.req requestId (0 too); the security log at the location', async () => {
  const uploads = [];
  const http = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => { uploads.push({ method: req.method, url: req.url, body: Buffer.concat(chunks).toString('utf8') }); res.end('ok'); });
  });
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  try {
    for (const requestId of [79, 0]) {
      const from = csms.calls.length;
      const n = uploads.length;
      const answer = await csms.call('GetLog', { logType: 'SecurityLog', requestId, log: { remoteLocation: `http://127.0.0.1:${http.address().port}/logs/` } });
      assert.equal(answer.status, 'Accepted');
      assert.match(answer.filename, /^borne-securitylog-/);
      await csms.waitCall('LogStatusNotification', { from, match: (p) => p.status === 'Uploaded', timeoutMs: 30000 });
      const statuses = csms.calls.slice(from).filter((c) => c.action === 'LogStatusNotification').map((c) => [c.params.status, c.params.requestId]);
      assert.deepEqual(statuses, [['Uploading', requestId], ['Uploaded', requestId]]);
      assert.equal(uploads.length, n + 1);
      assert.equal(uploads[n].url, '/logs/');
      assert.ok(uploads[n].body.includes(answer.filename), 'the part is named after the filename');
      assert.match(uploads[n].body, /"kind":"security"/);
      assert.doesNotMatch(uploads[n].body, /"kind":"(?!security)/);
    }
    csms.assertNoViolations();
  } finally {
    http.close();
  }
});

// TC_087_CS (whitepaper A00.FR.511): the charge point certificate's commonName
// is the charge point's unique serial number (chargePointSerialNumber), its
// organizationName the CPO; the CSR the station makes for it says so.
test('OCTT TC_087_CS: the CSR of the charge point certificate names the serial number in CN and CpoName in O', async () => {
  // the serial the BootNotification told (the one after the hard reset above)
  assert.equal(csms.callsOf('BootNotification').at(-1).params.chargePointSerialNumber, 'SN-OCTT-0001');
  assert.equal((await csms.call('ChangeConfiguration', { key: 'CpoName', value: 'Borne Test CPO' })).status, 'Accepted');
  const from = csms.calls.length;
  assert.deepEqual(await csms.call('ExtendedTriggerMessage', { requestedMessage: 'SignChargePointCertificate' }), { status: 'Accepted' });
  const req = await csms.waitCall('SignCertificate', { from });
  const subject = execFileSync('openssl', ['req', '-noout', '-subject', '-nameopt', 'RFC2253'], { input: req.params.csr }).toString().trim();
  assert.match(subject, /CN=SN-OCTT-0001(,|$)/);
  assert.match(subject, /O=Borne Test CPO(,|$)/);
  assert.doesNotMatch(subject, /cp-ocpp-1/);
  csms.assertNoViolations();
});

// TC_041_CS: a connector in fault reports Faulted (with its error code) and
// the driver's attempts start nothing: a badge with the car plugged in is
// held for another connector until ConnectionTimeOut, a remote start is
// Rejected (5.11: the connector cannot charge).
test('OCTT TC_041_CS: a faulted connector is reported Faulted and no transaction starts on it', async () => {
  const timeout = (await csms.call('GetConfiguration', { key: ['ConnectionTimeOut'] })).configurationKey[0].value;
  assert.equal((await csms.call('ChangeConfiguration', { key: 'ConnectionTimeOut', value: '5' })).status, 'Accepted');
  let from = csms.calls.length;
  assert.equal(st.ctl('plug', '1', '--ev-max-current', '16').code, 0);
  assert.equal((await csms.call('RemoteStartTransaction', { connectorId: 1, idTag: 'GOOD1' })).status, 'Accepted');
  await st.waitStatus(1, 'Charging');
  // a welded contactor: latched until cleared, unplugging included
  assert.equal(st.ctl('fault', '1', 'welding').code, 0);
  assert.equal(st.ctl('ev', '1', 'pause').code, 0);
  const faulted = await csms.waitCall('StatusNotification', { from, match: (p) => p.connectorId === 1 && p.status === 'Faulted' });
  assert.notEqual(faulted.params.errorCode, 'NoError');
  await csms.waitCall('StopTransaction', { from });
  assert.equal(st.ctl('unplug', '1').code, 0);
  from = csms.calls.length;
  assert.equal(st.ctl('plug', '1', '--ev-max-current', '16').code, 0);
  const after = await st.lastEventId();
  assert.equal(st.ctl('tap', 'GOOD1').code, 0);
  await st.waitEvent('auth_expired', { after, match: (e) => e.detail === 'GOOD1' });
  assert.equal((await csms.call('RemoteStartTransaction', { connectorId: 1, idTag: 'GOOD1' })).status, 'Rejected');
  assert.equal((await st.connector(1)).session, null);
  assert.equal(csms.calls.slice(from).filter((c) => c.action === 'StartTransaction').length, 0);
  assert.equal(st.ctl('unplug', '1').code, 0);
  assert.equal(st.ctl('fault', '1', 'clear').code, 0);
  await csms.waitCall('StatusNotification', { from, match: (p) => p.connectorId === 1 && p.status === 'Available' });
  assert.equal((await csms.call('ChangeConfiguration', { key: 'ConnectionTimeOut', value: timeout })).status, 'Accepted');
  csms.assertNoViolations();
});
