// OCPP 2.0.1 signed intermediate readings (issue 16; J02.FR.21 / J01.FR.21)
// against a strict CSMS (npm ocpp-rpc strict; BORNE_OCPP_PEER=ocpp-ws-io:
// ocpp201_signed_ws_io.test.mjs): SampledDataCtrlr.SignReadings and
// AlignedDataCtrlr.SignReadings set by SetVariables (off by default), a
// transaction's periodic (Sample.Periodic, TxUpdatedInterval) and
// clock-aligned (Sample.Clock) register readings then carry a
// signedMeterValue whose OCMF record (TX "C", the next pagination number, the
// reading's register) verifies with Node's own crypto under the station key,
// and OCPPCommCtrlr.PublicKeyWithSignedMeterValue decides which of them carry
// the key (OncePerTransaction: not again after a kill -9). The station runs
// on its accelerated clock (60 x): no sleeps, every
// step waits for the call it expects.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { verifyOcmf } from './lib/ocmf_check.mjs';
import { startBorned } from './lib/borne.mjs';
import { Csms } from './lib/csms.mjs';
import { CsmsWsIo } from './lib/csms_ws_io.mjs';

const Peer = process.env.BORNE_OCPP_PEER === 'ocpp-ws-io' ? CsmsWsIo : Csms;

let csms, st;

before(async () => {
  csms = await new Peer({ protocol: 'ocpp2.0.1', tags: { FREECHARGING: 'Accepted' }, bootInterval: 3600 }).listen(0);
  st = await startBorned({
    connectors: 1, auth: 'free', speed: 60,
    args: ['--csms', csms.url],
    set: {
      'station.id': 'cp-201-signed', 'ocpp.version': '2.0.1', 'ocpp.MinimumStatusDuration': '0', 'ocpp.reconnect_max_s': '2',
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

const values = (p, context) => (p.meterValue ?? []).flatMap((m) => m.sampledValue).filter((s) => s.context === context);
const register = (p, context) => values(p, context).find((s) => (s.measurand ?? 'Energy.Active.Import.Register') === 'Energy.Active.Import.Register');
/** The station's time now: what is stamped later was made after what came before. */
const stationNow = async () => Date.parse((await st.waitFor(() => true, { what: 'status' })).station.time);

/** A signedMeterValue decoded and verified with node:crypto; `pubDer` the station key. */
function verified(sv, pubDer) {
  const s = sv?.signedMeterValue;
  assert.ok(s, `a signedMeterValue on ${JSON.stringify(sv)}`);
  assert.equal(s.encodingMethod, 'OCMF');
  assert.equal(s.signingMethod, 'ECDSA-secp256r1-SHA256');
  const record = Buffer.from(s.signedMeterData, 'base64').toString('utf8');
  const payload = verifyOcmf(record, pubDer);
  return { record, payload, reading: payload.RD[0], publicKey: s.publicKey };
}
const pg = (payload) => Number(/^T(\d+)$/.exec(payload.PG)[1]);

test('signed periodic and clock-aligned readings: off by default, on by SetVariables, each verified; PublicKeyWithSignedMeterValue', async () => {
  const pub = await st.ok('GET', '/api/v1/ocmf/pubkey');
  const pubDer = Buffer.from(pub.hex, 'hex');
  const keyB64 = pubDer.toString('base64');
  const got = await csms.call('GetVariables', { getVariableData: [
    { component: { name: 'SampledDataCtrlr' }, variable: { name: 'SignReadings' } },
    { component: { name: 'AlignedDataCtrlr' }, variable: { name: 'SignReadings' } },
    { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'PublicKeyWithSignedMeterValue' } },
  ] });
  assert.deepEqual(got.getVariableResult.map((r) => r.attributeValue), ['false', 'false', 'EveryMeterValue']);

  const from = csms.calls.length;
  assert.equal(st.ctl('plug', '1', '--ev-max-current', '16').code, 0);
  const started = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Started' });
  const txId = started.params.transactionInfo.transactionId;
  const session = (await st.connector(1)).session.id;
  const begin = verified(register(started.params, 'Transaction.Begin'), pubDer);
  assert.equal(begin.reading.TX, 'B');
  assert.equal(begin.publicKey, keyB64, 'EveryMeterValue: the key with the begin');
  const ofTx = (p) => p.transactionInfo?.transactionId === txId;

  // off by default: a periodic reading goes unsigned
  const plain = await csms.waitCall('TransactionEvent', { from, match: (p) => ofTx(p) && p.triggerReason === 'MeterValuePeriodic' });
  assert.ok(register(plain.params, 'Sample.Periodic'));
  assert.equal(register(plain.params, 'Sample.Periodic').signedMeterValue, undefined);

  // SetVariables: both on, the key once per transaction (the begin carried it already)
  const set = await csms.call('SetVariables', { setVariableData: [
    { component: { name: 'SampledDataCtrlr' }, variable: { name: 'SignReadings' }, attributeValue: 'true' },
    { component: { name: 'AlignedDataCtrlr' }, variable: { name: 'SignReadings' }, attributeValue: 'true' },
    { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'PublicKeyWithSignedMeterValue' }, attributeValue: 'OncePerTransaction' },
  ] });
  assert.deepEqual(set.setVariableResult.map((r) => r.attributeStatus), ['Accepted', 'Accepted', 'Accepted']);
  const bad = await csms.call('SetVariables', { setVariableData: [
    { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'PublicKeyWithSignedMeterValue' }, attributeValue: 'Sometimes' },
  ] });
  assert.equal(bad.setVariableResult[0].attributeStatus, 'Rejected');
  const onAt = await stationNow();
  const after = (p) => ofTx(p) && Date.parse(p.timestamp) > onAt;

  const p1 = await csms.waitCall('TransactionEvent', { match: (p) => after(p) && p.triggerReason === 'MeterValuePeriodic' });
  const p2 = await csms.waitCall('TransactionEvent', { from: csms.calls.indexOf(p1) + 1, match: (p) => after(p) && p.triggerReason === 'MeterValuePeriodic' });
  const clock = await csms.waitCall('TransactionEvent', { timeoutMs: 30000, match: (p) => after(p) && p.triggerReason === 'MeterValueClock' });
  const signed = [];
  for (const [call, context] of [[p1, 'Sample.Periodic'], [p2, 'Sample.Periodic'], [clock, 'Sample.Clock']]) {
    const sv = register(call.params, context);
    const v = verified(sv, pubDer);
    assert.equal(v.reading.TX, 'C', 'an intermediate reading');
    assert.equal(Math.round(v.reading.RV * 1000), Math.round(sv.value), 'the reading it is carried with, in kWh');
    assert.equal(v.reading.RI, '1-b:1.8.0');
    assert.equal(v.reading.ST, 'G');
    assert.equal(v.payload.CI, 'cp-201-signed 1');
    assert.ok(pg(v.payload) > pg(begin.payload));
    assert.equal(v.publicKey, '', 'OncePerTransaction: the begin had it');
    // its time is the reading's (OCMF local time with offset)
    const tm = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d),(\d{3})([+-]\d\d)(\d\d) [SU]$/.exec(v.reading.TM);
    assert.ok(tm, v.reading.TM);
    assert.equal(Date.parse(`${tm[1]}.${tm[2]}${tm[3]}:${tm[4]}`), Date.parse(call.params.meterValue[0].timestamp));
    // other values of the reading are not signed
    for (const other of call.params.meterValue.flatMap((m) => m.sampledValue).filter((s) => s !== sv)) assert.equal(other.signedMeterValue, undefined);
    signed.push(v);
  }
  assert.ok(pg(signed[1].payload) > pg(signed[0].payload), 'pagination increases');
  assert.ok(signed[1].reading.RV >= signed[0].reading.RV);

  // EveryMeterValue: the key again; SignReadings off: unsigned again
  const every = await csms.call('SetVariables', { setVariableData: [
    { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'PublicKeyWithSignedMeterValue' }, attributeValue: 'EveryMeterValue' },
  ] });
  assert.equal(every.setVariableResult[0].attributeStatus, 'Accepted');
  const everyAt = await stationNow();
  const withKey = await csms.waitCall('TransactionEvent', { match: (p) => ofTx(p) && Date.parse(p.timestamp) > everyAt && p.triggerReason === 'MeterValuePeriodic' });
  assert.equal(verified(register(withKey.params, 'Sample.Periodic'), pubDer).publicKey, keyB64);
  const off = await csms.call('SetVariables', { setVariableData: [
    { component: { name: 'SampledDataCtrlr' }, variable: { name: 'SignReadings' }, attributeValue: 'false' },
  ] });
  assert.equal(off.setVariableResult[0].attributeStatus, 'Accepted');
  const offAt = await stationNow();
  const unsigned = await csms.waitCall('TransactionEvent', { match: (p) => ofTx(p) && Date.parse(p.timestamp) > offAt && p.triggerReason === 'MeterValuePeriodic' });
  assert.equal(register(unsigned.params, 'Sample.Periodic').signedMeterValue, undefined);

  const stopFrom = csms.calls.length;
  assert.equal(st.ctl('unplug', '1').code, 0);
  const ended = await csms.waitCall('TransactionEvent', { from: stopFrom, match: (p) => p.eventType === 'Ended' });
  const end = verified(register(ended.params, 'Transaction.End'), pubDer);
  assert.equal(end.reading.TX, 'E');
  assert.ok(pg(end.payload) > pg(signed[2].payload));
  // the OCA application note, 4.1.2: the Ended carries the signed start value too, the very
  // record of the Started, on the Started's value and time
  const againBegin = verified(register(ended.params, 'Transaction.Begin'), pubDer);
  assert.equal(againBegin.record, begin.record);
  assert.equal(againBegin.reading.TX, 'B');
  assert.equal(register(ended.params, 'Transaction.Begin').value, register(started.params, 'Transaction.Begin').value);
  assert.equal(ended.params.meterValue[0].timestamp, started.params.meterValue[0].timestamp);

  // the session keeps every record it sent, intermediate ones included, in order
  const kept = (await st.ok('GET', `/api/v1/sessions/${session}/ocmf`)).records;
  const sent = [begin, ...signed, end].map((v) => v.record);
  for (const r of sent) assert.ok(kept.some((k) => k.record === r), 'kept by the session');
  for (const v of signed) assert.equal(kept.find((k) => k.record === v.record).origin, 'ocpp');
  assert.equal(kept.find((k) => k.record === begin.record).origin, undefined);
  const kinds = kept.map((k) => k.kind).join('');
  assert.match(kinds, /^BC{4,}E$/);
  assert.deepEqual(kept.map((k) => k.pagination), [...kept.map((k) => k.pagination)].sort((a, b) => a - b));
  // seqNo without gap over the transaction's events
  const seqs = csms.calls.filter((c) => c.action === 'TransactionEvent' && ofTx(c.params)).map((c) => c.params.seqNo);
  assert.deepEqual(seqs, seqs.map((_, i) => i));
  csms.assertNoViolations();
});

test('TriggerMessage MeterValues / TransactionEvent during a transaction: the Trigger reading signed with SampledDataCtrlr.SignReadings, not without', async () => {
  const pubDer = Buffer.from((await st.ok('GET', '/api/v1/ocmf/pubkey')).hex, 'hex');
  const from = csms.calls.length;
  assert.equal(st.ctl('plug', '1', '--ev-max-current', '16').code, 0);
  const started = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Started' });
  const txId = started.params.transactionInfo.transactionId;
  const trigger = async (requestedMessage, match) => {
    const at = csms.calls.length;
    assert.equal((await csms.call('TriggerMessage', { requestedMessage, evse: { id: 1 } })).status, 'Accepted');
    return (await csms.waitCall(requestedMessage, { from: at, match })).params;
  };
  const isTrigger = (p) => p.transactionInfo?.transactionId === txId && p.triggerReason === 'Trigger';
  // SignReadings off (the previous test left it so): unsigned
  assert.equal(register(await trigger('MeterValues', (p) => p.evseId === 1), 'Trigger').signedMeterValue, undefined);
  assert.equal(register(await trigger('TransactionEvent', isTrigger), 'Trigger').signedMeterValue, undefined);
  const on = await csms.call('SetVariables', { setVariableData: [
    { component: { name: 'SampledDataCtrlr' }, variable: { name: 'SignReadings' }, attributeValue: 'true' },
  ] });
  assert.equal(on.setVariableResult[0].attributeStatus, 'Accepted');
  const signed = [];
  for (const p of [await trigger('MeterValues', (x) => x.evseId === 1), await trigger('TransactionEvent', isTrigger)]) {
    const sv = register(p, 'Trigger');
    const v = verified(sv, pubDer);
    assert.equal(v.reading.TX, 'C');
    assert.equal(Math.round(v.reading.RV * 1000), Math.round(sv.value), 'the reading it rides on, in kWh');
    assert.equal(v.publicKey, pubDer.toString('base64'), 'EveryMeterValue');
    signed.push(v);
  }
  assert.ok(pg(signed[1].payload) > pg(signed[0].payload));
  const off = await csms.call('SetVariables', { setVariableData: [
    { component: { name: 'SampledDataCtrlr' }, variable: { name: 'SignReadings' }, attributeValue: 'false' },
  ] });
  assert.equal(off.setVariableResult[0].attributeStatus, 'Accepted');
  const stopFrom = csms.calls.length;
  assert.equal(st.ctl('unplug', '1').code, 0);
  await csms.waitCall('TransactionEvent', { from: stopFrom, match: (p) => p.eventType === 'Ended' && p.transactionInfo.transactionId === txId });
  csms.assertNoViolations();
});

test('OncePerTransaction survives kill -9: the key sent with the Started is not sent again after the restart', async () => {
  const csms2 = await new Peer({ protocol: 'ocpp2.0.1', tags: { FREECHARGING: 'Accepted' }, bootInterval: 3600 }).listen(0);
  const opts = {
    connectors: 1, auth: 'free', speed: 60,
    args: ['--csms', csms2.url],
    set: {
      'station.id': 'cp-201-signed-kill', 'ocpp.version': '2.0.1', 'ocpp.MinimumStatusDuration': '0', 'ocpp.reconnect_max_s': '2',
      'ocpp.PublicKeyWithSignedMeterValue': 'OncePerTransaction',
    },
  };
  let st2 = await startBorned(opts);
  try {
    await csms2.waitCall('BootNotification');
    const pubDer = Buffer.from((await st2.ok('GET', '/api/v1/ocmf/pubkey')).hex, 'hex');
    assert.equal(st2.ctl('plug', '1', '--ev-max-current', '16').code, 0);
    const started = await csms2.waitCall('TransactionEvent', { match: (p) => p.eventType === 'Started' });
    const txId = started.params.transactionInfo.transactionId;
    assert.equal(verified(register(started.params, 'Transaction.Begin'), pubDer).publicKey, pubDer.toString('base64'));
    await st2.waitFor((s) => s.station.ocpp.queue_length === 0, { what: 'Started answered' });
    await st2.kill();
    const from = csms2.calls.length;
    st2 = await startBorned({ ...opts, dataDir: st2.dataDir });
    // the simulated car did not survive the kill: the transaction ends, its
    // signed End without the key (the Started had it, before the kill)
    const ended = await csms2.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Ended' && p.transactionInfo.transactionId === txId });
    const end = verified(register(ended.params, 'Transaction.End'), pubDer);
    assert.equal(end.reading.TX, 'E');
    assert.equal(end.publicKey, '', 'OncePerTransaction: sent once, before the restart');
    // the signed start value again in the Ended, read from disk after the restart
    const begin = verified(register(ended.params, 'Transaction.Begin'), pubDer);
    assert.equal(begin.record, verified(register(started.params, 'Transaction.Begin'), pubDer).record);
    assert.equal(begin.publicKey, '', 'OncePerTransaction: the Started had it');
    csms2.assertNoViolations();
  } finally {
    await st2.stop();
    st2.cleanup();
    await csms2.close();
  }
});
