// OCPP 1.6J signed intermediate readings (issue 16) against a strict central
// system (ocpp-rpc strict; BORNE_OCPP_PEER=ocpp-ws-io: ocpp16_signed_ws_io.test.mjs):
// the keys of the OCA application note "Signed Meter Values in OCPP"
// (SampledDataSignReadings, AlignedDataSignReadings; off by default) set by
// ChangeConfiguration make a transaction's periodic and clock-aligned
// MeterValues carry the register's signed OCMF record (format SignedData,
// TX "C"), verified with Node's own crypto under the station key; the
// StopTransaction keeps carrying the begin and end records only; a
// TriggerMessage(MeterValues) reading of a transaction is signed too. The station
// runs on its accelerated clock (60 x): no sleeps, every step waits for the
// call it expects.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { verifyOcmf } from './lib/ocmf_check.mjs';
import { startBorned } from './lib/borne.mjs';
import { startCsms } from './lib/csms.mjs';
import { startCsmsWsIo } from './lib/csms_ws_io.mjs';

const startPeer = process.env.BORNE_OCPP_PEER === 'ocpp-ws-io' ? startCsmsWsIo : startCsms;

let csms, st;

before(async () => {
  csms = await startPeer({ tags: { FREECHARGING: 'Accepted' }, bootInterval: 3600 });
  st = await startBorned({
    connectors: 1, auth: 'free', speed: 60,
    args: ['--csms', csms.url],
    set: {
      'station.id': 'cp-16-signed', 'ocpp.MinimumStatusDuration': '0',
      'ocpp.MeterValueSampleInterval': '30', 'ocpp.ClockAlignedDataInterval': '60',
      'ocpp.MeterValuesSampledData': 'Energy.Active.Import.Register,Power.Active.Import',
      'ocpp.MeterValuesAlignedData': 'Energy.Active.Import.Register',
    },
  });
  await csms.connected();
  await csms.waitCall('BootNotification');
});

after(async () => {
  await st?.stop();
  st?.cleanup();
  await csms?.close();
});

const sampled = (p) => p.meterValue.flatMap((m) => m.sampledValue);
const signedOf = (p, context) => sampled(p).find((s) => s.format === 'SignedData' && s.context === context);
const rawRegister = (p, context) => sampled(p).find((s) => s.format !== 'SignedData' && s.context === context && (s.measurand ?? 'Energy.Active.Import.Register') === 'Energy.Active.Import.Register');
const stationNow = async () => Date.parse((await st.waitFor(() => true, { what: 'status' })).station.time);

/** A SignedData value's OCMF record, its signature verified with node:crypto. */
function verified(sv, pubDer) {
  assert.ok(sv, 'a SignedData value');
  assert.equal(sv.measurand, 'Energy.Active.Import.Register');
  return verifyOcmf(sv.value, pubDer);
}

const configuration = async (...key) => Object.fromEntries((await csms.call('GetConfiguration', { key })).configurationKey.map((k) => [k.key, k.value]));

test('signed periodic and clock-aligned MeterValues: off by default, on by ChangeConfiguration, verified; StopTransaction keeps begin and end', async () => {
  const pubDer = Buffer.from((await st.ok('GET', '/api/v1/ocmf/pubkey')).hex, 'hex');
  assert.deepEqual(await configuration('SampledDataSignReadings', 'AlignedDataSignReadings'), { SampledDataSignReadings: 'false', AlignedDataSignReadings: 'false' });

  const from = csms.calls.length;
  assert.equal(st.ctl('plug', '1', '--ev-max-current', '16').code, 0);
  await csms.waitCall('StartTransaction', { from });
  const session = (await st.connector(1)).session.id;
  const ofTx = (p) => p.transactionId !== undefined && p.connectorId === 1;
  const plain = await csms.waitCall('MeterValues', { from, match: (p) => ofTx(p) && rawRegister(p, 'Sample.Periodic') });
  assert.equal(signedOf(plain.params, 'Sample.Periodic'), undefined, 'off by default');

  for (const key of ['SampledDataSignReadings', 'AlignedDataSignReadings'])
    assert.equal((await csms.call('ChangeConfiguration', { key, value: 'true' })).status, 'Accepted');
  assert.equal((await csms.call('ChangeConfiguration', { key: 'SampledDataSignReadings', value: 'maybe' })).status, 'Rejected');
  const onAt = await stationNow();
  const later = (p) => ofTx(p) && Date.parse(p.meterValue[0].timestamp) > onAt;
  const periodic = await csms.waitCall('MeterValues', { match: (p) => later(p) && rawRegister(p, 'Sample.Periodic') });
  const clock = await csms.waitCall('MeterValues', { timeoutMs: 30000, match: (p) => later(p) && rawRegister(p, 'Sample.Clock') });
  const records = [];
  for (const [call, context] of [[periodic, 'Sample.Periodic'], [clock, 'Sample.Clock']]) {
    const payload = verified(signedOf(call.params, context), pubDer);
    const rd = payload.RD[0];
    assert.equal(rd.TX, 'C');
    assert.equal(Math.round(rd.RV * 1000), Math.round(Number(rawRegister(call.params, context).value)), 'the register it goes with');
    assert.equal(payload.CI, 'cp-16-signed 1');
    records.push(signedOf(call.params, context).value);
  }

  assert.equal((await csms.call('ChangeConfiguration', { key: 'SampledDataSignReadings', value: 'false' })).status, 'Accepted');
  const offAt = await stationNow();
  const unsigned = await csms.waitCall('MeterValues', { match: (p) => ofTx(p) && Date.parse(p.meterValue[0].timestamp) > offAt && rawRegister(p, 'Sample.Periodic') });
  assert.equal(signedOf(unsigned.params, 'Sample.Periodic'), undefined);

  const stopFrom = csms.calls.length;
  assert.equal(st.ctl('unplug', '1').code, 0);
  const stop = await csms.waitCall('StopTransaction', { from: stopFrom });
  assert.equal(periodic.params.transactionId, stop.params.transactionId);
  assert.equal(clock.params.transactionId, stop.params.transactionId);
  // the periodic and clock-aligned records went with their MeterValues: not again here
  const signed = stop.params.transactionData.flatMap((m) => m.sampledValue).filter((s) => s.format === 'SignedData');
  assert.deepEqual(signed.map((s) => s.context), ['Transaction.Begin', 'Transaction.End']);
  // the session keeps them all, the OCPP ones marked so
  const kept = (await st.ok('GET', `/api/v1/sessions/${session}/ocmf`)).records;
  for (const r of records) assert.equal(kept.find((k) => k.record === r)?.origin, 'ocpp');
  assert.match(kept.map((k) => k.kind).join(''), /^BC{2,}E$/);
  csms.assertNoViolations();
});

test('TriggerMessage MeterValues during a transaction: the Trigger reading signed with SampledDataSignReadings (SignedData, TX "C"), not without, nor idle', async () => {
  const pubDer = Buffer.from((await st.ok('GET', '/api/v1/ocmf/pubkey')).hex, 'hex');
  const from = csms.calls.length;
  assert.equal(st.ctl('plug', '1', '--ev-max-current', '16').code, 0);
  await csms.waitCall('StartTransaction', { from });
  const session = (await st.connector(1)).session.id;
  const trigger = async () => {
    const at = csms.calls.length;
    assert.equal((await csms.call('TriggerMessage', { requestedMessage: 'MeterValues', connectorId: 1 })).status, 'Accepted');
    return (await csms.waitCall('MeterValues', { from: at, match: (p) => p.connectorId === 1 && rawRegister(p, 'Trigger') })).params;
  };
  // SampledDataSignReadings off (the previous test left it so): unsigned
  assert.equal(signedOf(await trigger(), 'Trigger'), undefined);
  assert.equal((await csms.call('ChangeConfiguration', { key: 'SampledDataSignReadings', value: 'true' })).status, 'Accepted');
  const p = await trigger();
  const sv = signedOf(p, 'Trigger');
  const payload = verified(sv, pubDer);
  assert.equal(payload.RD[0].TX, 'C');
  assert.equal(Math.round(payload.RD[0].RV * 1000), Math.round(Number(rawRegister(p, 'Trigger').value)), 'the register it goes with');
  assert.equal(typeof p.transactionId, 'number', 'the transaction\'s');
  // the session keeps it, marked as OCPP's, between its begin and end
  const kept = (await st.ok('GET', `/api/v1/sessions/${session}/ocmf`)).records;
  assert.equal(kept.find((k) => k.record === sv.value)?.origin, 'ocpp');
  assert.equal((await csms.call('ChangeConfiguration', { key: 'SampledDataSignReadings', value: 'false' })).status, 'Accepted');
  const stopFrom = csms.calls.length;
  assert.equal(st.ctl('unplug', '1').code, 0);
  const stop = await csms.waitCall('StopTransaction', { from: stopFrom });
  assert.equal(stop.params.transactionId, p.transactionId);
  // not again in the StopTransaction: begin and end only
  const signed = stop.params.transactionData.flatMap((m) => m.sampledValue).filter((s) => s.format === 'SignedData');
  assert.deepEqual(signed.map((s) => s.context), ['Transaction.Begin', 'Transaction.End']);
  // idle (no session, no OCMF record to make): unsigned even with the setting on
  await st.waitStatus(1, 'Available');
  assert.equal((await csms.call('ChangeConfiguration', { key: 'SampledDataSignReadings', value: 'true' })).status, 'Accepted');
  const idle = await trigger();
  assert.equal(idle.transactionId, undefined);
  assert.equal(signedOf(idle, 'Trigger'), undefined);
  assert.equal((await csms.call('ChangeConfiguration', { key: 'SampledDataSignReadings', value: 'false' })).status, 'Accepted');
  csms.assertNoViolations();
});
