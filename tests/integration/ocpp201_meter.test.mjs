// OCPP 2.0.1 meter values (issue 16, J and E) against a strict CSMS (npm
// ocpp-rpc strict; BORNE_OCPP_PEER=ocpp-ws-io: ocpp201_meter_ws_io.test.mjs):
// J01 clock-aligned MeterValues of idle EVSEs (evseId, Sample.Clock, on the
// aligned instants of ocpp.ClockAlignedDataInterval = AlignedDataCtrlr.Interval),
// J02 TransactionEvent Updated with triggerReason MeterValueClock during a
// transaction, AlignedDataCtrlr.SendDuringIdle stopping those, and the OCMF
// records of Transaction.Begin / End as signedMeterValue, verified by an
// independent OCMF implementation (@road-labs/ocmf) with the station's key.
// The station runs on its accelerated clock (60 x): no sleeps, every step
// waits for the call it expects.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import ocmf from '@road-labs/ocmf'; // CommonJS packages: default import
import noble from '@road-labs/ocmf-crypto-noble';
import { startBorned } from './lib/borne.mjs';
import { Csms } from './lib/csms.mjs';
import { CsmsWsIo } from './lib/csms_ws_io.mjs';
import { resumed } from './lib/ocpp201.mjs';

const Peer = process.env.BORNE_OCPP_PEER === 'ocpp-ws-io' ? CsmsWsIo : Csms;
const crypto = new noble.Crypto();
const verifier = new ocmf.Verifier(crypto);

let csms, st;

before(async () => {
  csms = await new Peer({ protocol: 'ocpp2.0.1', tags: { FREECHARGING: 'Accepted' }, bootInterval: 3600 }).listen(0);
  st = await startBorned({
    connectors: 2, auth: 'free', speed: 60,
    args: ['--csms', csms.url],
    set: {
      'station.id': 'cp-201-meter', 'ocpp.version': '2.0.1', 'ocpp.MinimumStatusDuration': '0', 'ocpp.reconnect_max_s': '2',
      'ocpp.MeterValueSampleInterval': '0', 'ocpp.ClockAlignedDataInterval': '60',
      'ocpp.MeterValuesAlignedData': 'Energy.Active.Import.Register,Power.Active.Import',
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

const clockValues = (mv) => mv.flatMap((m) => m.sampledValue).filter((s) => s.context === 'Sample.Clock');
const aligned = (ts) => Date.parse(ts) % 60000 === 0;
const idleValues = (evseId, from) => csms.waitCall('MeterValues', { from, match: (p) => p.evseId === evseId && clockValues(p.meterValue).length > 0, timeoutMs: 30000 });

/** The OCMF record and key of a signedMeterValue, checked and verified. */
async function verifiedSigned(sv, pubHex) {
  const s = sv.signedMeterValue;
  assert.ok(s, 'a signedMeterValue');
  assert.equal(s.encodingMethod, 'OCMF');
  assert.equal(s.signingMethod, 'ECDSA-secp256r1-SHA256');
  assert.equal(Buffer.from(s.publicKey, 'base64').toString('hex').toUpperCase(), pubHex);
  const record = Buffer.from(s.signedMeterData, 'base64').toString('utf8');
  assert.match(record, /^OCMF\|\{.*\}\|\{"SA":"ECDSA-secp256r1-SHA256","SD":"[0-9A-Fa-f]+"\}$/);
  const key = await crypto.decodeEcPublicKey(Uint8Array.from(Buffer.from(pubHex, 'hex')), 'spki-der');
  assert.equal((await verifier.parseAndVerify(record, key)).verified, true);
  // a record changed by one character does not verify
  const forged = record.replace(/"TX":"[A-Z]"/, '"TX":"X"');
  let forgedOk = false;
  try { forgedOk = (await verifier.parseAndVerify(forged, key)).verified; } catch { forgedOk = false; }
  assert.equal(forgedOk, false);
  return record;
}

test('J01: idle EVSEs send clock-aligned MeterValues (evseId, Sample.Clock) on the aligned instants', async () => {
  const m1 = await idleValues(1, 0);
  const m2 = await idleValues(2, 0);
  for (const m of [m1, m2]) {
    assert.equal(m.params.meterValue.length, 1);
    assert.ok(aligned(m.params.meterValue[0].timestamp), `aligned: ${m.params.meterValue[0].timestamp}`);
    const measurands = clockValues(m.params.meterValue).map((s) => s.measurand ?? 'Energy.Active.Import.Register');
    assert.ok(measurands.includes('Energy.Active.Import.Register'));
    assert.ok(measurands.includes('Power.Active.Import'));
    for (const s of clockValues(m.params.meterValue)) assert.equal(typeof s.value, 'number');
  }
  // the next instant, one interval later
  const next = await idleValues(1, csms.calls.indexOf(m1) + 1);
  assert.equal(Date.parse(next.params.meterValue[0].timestamp) - Date.parse(m1.params.meterValue[0].timestamp), 60000);
  // AlignedDataCtrlr is the view of the same settings
  const got = await csms.call('GetVariables', { getVariableData: [
    { component: { name: 'AlignedDataCtrlr' }, variable: { name: 'Interval' } },
    { component: { name: 'AlignedDataCtrlr' }, variable: { name: 'Measurands' } },
    { component: { name: 'AlignedDataCtrlr' }, variable: { name: 'SendDuringIdle' } },
    { component: { name: 'SampledDataCtrlr' }, variable: { name: 'SignReadings' } },
  ] });
  assert.deepEqual(got.getVariableResult.map((r) => r.attributeValue), ['60', 'Energy.Active.Import.Register,Power.Active.Import', 'false', 'false']);
  csms.assertNoViolations();
});

test('J02 and E: a transaction gets MeterValueClock events, signed Begin / End readings; SendDuringIdle stops the clock values of transactions', async () => {
  const pub = await st.ok('GET', '/api/v1/ocmf/pubkey');
  const from = csms.calls.length;
  assert.equal(st.ctl('plug', '1', '--ev-max-current', '16').code, 0);
  const started = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Started' });
  const txId = started.params.transactionInfo.transactionId;
  const id = (await st.connector(1)).session.id;
  const begin = started.params.meterValue.flatMap((m) => m.sampledValue).find((s) => s.context === 'Transaction.Begin');
  const beginRecord = await verifiedSigned(begin, pub.hex);
  assert.match(beginRecord, /"TX":"B"/);

  const clock = await csms.waitCall('TransactionEvent', { from, timeoutMs: 30000, match: (p) => p.triggerReason === 'MeterValueClock' });
  assert.equal(clock.params.eventType, 'Updated');
  assert.equal(clock.params.transactionInfo.transactionId, txId);
  assert.ok(clock.params.seqNo > 0);
  assert.ok(aligned(clock.params.meterValue[0].timestamp));
  assert.ok(clockValues(clock.params.meterValue).length >= 2);
  // the other EVSE, idle, still gets its MeterValues at the same instant
  const other = await idleValues(2, from);
  assert.ok(aligned(other.params.meterValue[0].timestamp));
  // a transaction's EVSE sends no idle MeterValues
  const t0 = Date.parse(started.params.timestamp);
  assert.equal(csms.calls.slice(from).filter((c) => c.action === 'MeterValues' && c.params.evseId === 1 && Date.parse(c.params.meterValue[0].timestamp) > t0).length, 0);

  // SendDuringIdle: clock-aligned values for idle EVSEs only
  const set = await csms.call('SetVariables', { setVariableData: [
    { component: { name: 'AlignedDataCtrlr' }, variable: { name: 'SendDuringIdle' }, attributeValue: 'true' },
  ] });
  assert.equal(set.setVariableResult[0].attributeStatus, 'Accepted');
  // the station's time once the setting is in force: the instants after it are idle-only
  const setAt = Date.parse((await st.waitFor(() => true, { what: 'status' })).station.time);
  const later = await csms.waitCall('MeterValues', { timeoutMs: 30000, match: (p) => p.evseId === 2 && Date.parse(p.meterValue[0].timestamp) > setAt });
  const at = later.params.meterValue[0].timestamp;
  assert.ok(aligned(at));
  // every TransactionEvent queued before that MeterValues has been delivered before it
  assert.equal(csms.calls.filter((c) => c.action === 'TransactionEvent' && c.params.triggerReason === 'MeterValueClock' && Date.parse(c.params.meterValue[0].timestamp) > setAt).length, 0);

  const stopFrom = csms.calls.length;
  assert.equal(st.ctl('unplug', '1').code, 0);
  const ended = await csms.waitCall('TransactionEvent', { from: stopFrom, match: (p) => p.eventType === 'Ended' });
  assert.equal(ended.params.transactionInfo.transactionId, txId);
  const end = ended.params.meterValue.flatMap((m) => m.sampledValue).find((s) => s.context === 'Transaction.End');
  const endRecord = await verifiedSigned(end, pub.hex);
  assert.match(endRecord, /"TX":"E"/);
  // the Ended carries the signed start value too (OCA application note 4.1.2): the Started's record
  const again = ended.params.meterValue.flatMap((m) => m.sampledValue).find((s) => s.context === 'Transaction.Begin');
  assert.equal(await verifiedSigned(again, pub.hex), beginRecord);
  // the same records the station keeps for the session (the ones 1.6 sends as SignedData)
  const kept = (await st.ok('GET', `/api/v1/sessions/${id}/ocmf`)).records.map((r) => r.record);
  assert.ok(kept.includes(beginRecord));
  assert.ok(kept.includes(endRecord));
  // seqNo without gap over the transaction's events
  const seqs = csms.calls.filter((c) => c.action === 'TransactionEvent' && c.params.transactionInfo.transactionId === txId).map((c) => c.params.seqNo);
  assert.deepEqual(seqs, seqs.map((_, i) => i));
  csms.assertNoViolations();
});

test('J01 offline: the clock-aligned MeterValues measured while the CSMS is gone are queued and delivered in order', async () => {
  const port = csms.port;
  await csms.close();
  await st.waitFor((s) => s.station.ocpp?.state !== 'connected', { what: 'ocpp offline' });
  // two EVSEs, at least two instants: four MeterValues on disk
  await st.waitFor((s) => s.station.ocpp.queue_length >= 4, { what: 'clock-aligned values queued offline', timeoutMs: 30000 });
  csms = await new Peer({ protocol: 'ocpp2.0.1', tags: { FREECHARGING: 'Accepted' }, bootInterval: 3600 }).listen(port);
  await resumed(st, csms); // the same back end: no BootNotification
  await st.waitFor((s) => s.station.ocpp?.state === 'connected' && s.station.ocpp.queue_length === 0, { what: 'queue delivered', timeoutMs: 30000 });
  const mv = csms.calls.filter((c) => c.action === 'MeterValues');
  const late = mv.filter((c) => clockValues(c.params.meterValue).length > 0);
  assert.ok(late.length >= 4, `${late.length} clock-aligned MeterValues delivered`);
  const times = late.map((c) => Date.parse(c.params.meterValue[0].timestamp));
  assert.deepEqual(times, [...times].sort((a, b) => a - b), 'in the order measured');
  for (const evseId of [1, 2]) {
    const of = late.filter((c) => c.params.evseId === evseId).map((c) => Date.parse(c.params.meterValue[0].timestamp));
    assert.ok(of.length >= 2);
    assert.equal(new Set(of).size, of.length, 'nothing sent twice');
    for (let i = 1; i < of.length; i++) assert.equal(of[i] - of[i - 1], 60000, 'no instant lost');
  }
  csms.assertNoViolations();
});
