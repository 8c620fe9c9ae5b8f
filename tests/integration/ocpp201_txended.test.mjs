// OCPP 2.0.1 J (issue 16): the meter values a transaction keeps for its TransactionEvent Ended,
// against a strict CSMS (npm ocpp-rpc strict; BORNE_OCPP_PEER=ocpp-ws-io:
// ocpp201_txended_ws_io.test.mjs). SampledDataCtrlr.TxEndedInterval (ocpp.SampledDataTxEndedInterval):
// the TxEndedMeasurands (ocpp.StopTxnSampledData) every interval from the transaction's start,
// context Sample.Periodic; AlignedDataCtrlr.TxEndedInterval (ocpp.AlignedDataTxEndedInterval):
// its TxEndedMeasurands (ocpp.StopTxnAlignedData) at the instants aligned on the interval from
// midnight UTC, context Sample.Clock; all of them in the Ended's meterValue before the
// Transaction.End value. Each reading is on disk with its transaction when taken: a kill -9 loses
// none, the Ended after the restart carries them, none twice, the seqNo without a gap. A
// transaction begun at the plug (TxStartPoint EVConnected) keeps them from the plug on, and one
// waiting for the car after its session (TxStopPoint EVConnected) until the car leaves. Bounded:
// a long transaction with a 1 s interval keeps at most 100 readings a series on disk, evenly
// spread, and its Ended stays under 65 000 bytes (the middle of the series thinned evenly, the
// first and the last reading kept). With SampledDataCtrlr / AlignedDataCtrlr SignReadings each
// reading's register is signed when it is taken (an OCMF record, TX C, verified here with
// node:crypto), the Ended still under 65 000 bytes: the records it keeps verify one by one, their
// pagination increasing with gaps where readings were thinned out.
// The station runs on its accelerated clock (20 x): every step waits for what it expects.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { verifyOcmf } from './lib/ocmf_check.mjs';
import { getVariableResults, ocpp201Rig, setVariables } from './lib/ocpp201.mjs';

const rig = ocpp201Rig('cp-201-txended', {
  peer: { tags: { GOOD1: 'Accepted', GOOD2: 'Accepted' }, bootInterval: 300 },
  set: { 'ocpp.MeterValueSampleInterval': '0', 'ocpp.ClockAlignedDataInterval': '0' },
});

let csms, st;
before(async () => ({ csms, st } = await rig.up()));
after(() => rig.down(st, csms));

const setVars = (list) => setVariables(csms, list);
const getVars = async (list) => (await getVariableResults(csms, list)).map((r) => r.attributeValue);
const stationTime = async () => Date.parse((await st.status()).station.time);
const measurands = (mv) => [...new Set(mv.sampledValue.map((s) => s.measurand ?? 'Energy.Active.Import.Register'))].sort();
const contextOf = (mv) => mv.sampledValue[0].context;
const eventsOf = (tx, from = 0) => csms.calls.slice(from)
  .filter((x) => x.action === 'TransactionEvent' && x.params.transactionInfo.transactionId === tx).map((x) => x.params);
const noGap = (events) => {
  const seqs = [...new Set(events.map((e) => e.seqNo))];
  assert.deepEqual(seqs, seqs.map((_, i) => i), `seqNo from 0 without a gap: ${JSON.stringify(events.map((e) => [e.seqNo, e.eventType]))}`);
};

async function charge(c, tag) {
  const from = csms.calls.length;
  assert.equal(st.ctl('plug', String(c)).code, 0);
  assert.equal(st.ctl('tap', tag).code, 0);
  const started = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Started' && p.evse.id === c });
  return { tx: started.params.transactionInfo.transactionId, start: Date.parse(started.params.timestamp) };
}

/** The station's clock past `at` (ms). */
const until = (at, what) => st.waitFor((x) => Date.parse(x.station.time) >= at, { what, timeoutMs: 60000 });

test('J: the Ended carries the TxEnded series, Sample.Periodic from the start and Sample.Clock on the aligned instants, then Transaction.End', async () => {
  // read only, 0, before: now the settings
  assert.deepEqual(await getVars([['SampledDataCtrlr', 'TxEndedInterval'], ['AlignedDataCtrlr', 'TxEndedInterval']]), ['0', '0']);
  assert.deepEqual(await setVars([
    ['SampledDataCtrlr', 'TxEndedInterval', '60'],
    ['SampledDataCtrlr', 'TxEndedMeasurands', 'Energy.Active.Import.Register,Power.Active.Import'],
    ['AlignedDataCtrlr', 'TxEndedInterval', '60'],
    ['AlignedDataCtrlr', 'TxEndedMeasurands', 'Energy.Active.Import.Register,Current.Import'],
  ]), ['Accepted', 'Accepted', 'Accepted', 'Accepted']);
  assert.deepEqual(await getVars([['SampledDataCtrlr', 'TxEndedInterval'], ['AlignedDataCtrlr', 'TxEndedInterval']]), ['60', '60']);
  // a value out of range is refused by the setting's check
  assert.deepEqual(await setVars([['SampledDataCtrlr', 'TxEndedInterval', '-1']]), ['Rejected']);

  const { tx, start } = await charge(1, 'GOOD1');
  await until(start + 200000, '200 s of the transaction');
  const from = csms.calls.length;
  assert.equal(st.ctl('unplug', '1').code, 0);
  const ended = (await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Ended' && p.transactionInfo.transactionId === tx })).params;
  const mv = ended.meterValue;
  const end = Date.parse(ended.timestamp);
  assert.equal(contextOf(mv.at(-1)), 'Transaction.End', 'the Transaction.End value last');
  const periodic = mv.filter((m) => contextOf(m) === 'Sample.Periodic');
  const clock = mv.filter((m) => contextOf(m) === 'Sample.Clock');
  // the signed start value first (the OCA application note, 4.1.2), the session's begin record
  assert.equal(contextOf(mv[0]), 'Transaction.Begin', 'the signed Transaction.Begin value first');
  assert.equal(Date.parse(mv[0].timestamp), start, 'the start, as the Started said');
  assert.ok(mv[0].sampledValue[0].signedMeterValue, 'signed');
  assert.equal(periodic.length + clock.length + 2, mv.length, `only the begin, the series and the end: ${JSON.stringify(mv.map(contextOf))}`);
  // every 60 s from the start: 60, 120, 180 s (each taken when due, a little late at most)
  assert.ok(periodic.length >= 3, `${periodic.length} periodic readings`);
  periodic.forEach((m, i) => {
    const late = Date.parse(m.timestamp) - (start + (i + 1) * 60000);
    assert.ok(late >= 0 && late < 20000, `reading ${i} at ${m.timestamp}, start ${new Date(start).toISOString()}`);
    assert.deepEqual(measurands(m), ['Energy.Active.Import.Register', 'Power.Active.Import']);
    assert.ok(m.sampledValue.every((s) => s.context === 'Sample.Periodic' && typeof s.value === 'number'));
  });
  // on the aligned minutes, one interval apart, none twice
  assert.ok(clock.length >= 3, `${clock.length} clock-aligned readings`);
  const clockTimes = clock.map((m) => Date.parse(m.timestamp));
  clockTimes.forEach((t, i) => {
    assert.equal(t % 60000, 0, `aligned: ${clock[i].timestamp}`);
    if (i) assert.equal(t - clockTimes[i - 1], 60000, 'no instant lost');
    assert.deepEqual(measurands(clock[i]), ['Current.Import', 'Energy.Active.Import.Register']);
  });
  for (const m of mv.slice(1)) {
    const t = Date.parse(m.timestamp);
    assert.ok(t > start && t <= end, `within the transaction: ${m.timestamp}`);
  }
  // the register never goes back, reading after reading (in the order taken)
  const register = mv.map((m) => m.sampledValue.find((s) => (s.measurand ?? 'Energy.Active.Import.Register') === 'Energy.Active.Import.Register' && !s.phase)?.value);
  assert.ok(register.every((v) => typeof v === 'number'), 'each reading has the register');
  for (let i = 1; i < register.length; i++) assert.ok(register[i] >= register[i - 1], `register ${register}`);
  // the Updated events carry none of them (periodic and clock-aligned Updated are off)
  assert.equal(eventsOf(tx).filter((e) => e.eventType === 'Updated' && e.meterValue).length, 0);
  noGap(eventsOf(tx));
  await st.waitStatus(1, 'Available');
  csms.assertNoViolations();
});

test('J: the kept readings survive a kill -9: the Ended after the restart carries them, none twice, seqNo without a gap', async () => {
  assert.deepEqual(await setVars([['AlignedDataCtrlr', 'TxEndedInterval', '0']]), ['Accepted']);
  const { tx, start } = await charge(2, 'GOOD2');
  await until(start + 140000, 'two readings kept');
  const killedAt = await stationTime();
  await st.kill(); // the simulated car leaves with the station
  st = await rig.start(csms.url);
  const ended = (await csms.waitCall('TransactionEvent', { timeoutMs: 60000, match: (p) => p.eventType === 'Ended' && p.transactionInfo.transactionId === tx })).params;
  await rig.registered(st);
  const periodic = ended.meterValue.filter((m) => contextOf(m) === 'Sample.Periodic');
  const times = periodic.map((m) => Date.parse(m.timestamp));
  assert.ok(periodic.length >= 2, `the readings taken before the kill: ${JSON.stringify(ended.meterValue.map((m) => [contextOf(m), m.timestamp]))}`);
  assert.ok(times.filter((t) => t <= killedAt).length >= 2, 'taken before the kill');
  assert.equal(new Set(times).size, times.length, 'none twice');
  times.forEach((t, i) => assert.ok(t - (start + (i + 1) * 60000) >= 0 && t - (start + (i + 1) * 60000) < 20000, `reading ${i} on its instant`));
  assert.equal(contextOf(ended.meterValue.at(-1)), 'Transaction.End');
  assert.equal(ended.meterValue.filter((m) => contextOf(m) === 'Sample.Clock').length, 0, 'the clock-aligned series off');
  noGap(eventsOf(tx));
  // the next transaction starts with nothing kept
  await st.waitStatus(2, 'Available');
  const again = await charge(2, 'GOOD2');
  await until(again.start + 70000, 'one reading of the next transaction');
  const from = csms.calls.length;
  assert.equal(st.ctl('unplug', '2').code, 0);
  const next = (await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Ended' && p.transactionInfo.transactionId === again.tx })).params;
  const nextTimes = next.meterValue.filter((m) => contextOf(m) === 'Sample.Periodic').map((m) => Date.parse(m.timestamp));
  assert.ok(nextTimes.length >= 1 && nextTimes.every((t) => t > again.start), 'only its own readings');
  assert.deepEqual(await setVars([['SampledDataCtrlr', 'TxEndedInterval', '0']]), ['Accepted']);
  csms.assertNoViolations();
});

test('J: a transaction begun at the plug keeps its readings from the plug on, and one waiting for the car after its session goes on until the car leaves', async () => {
  assert.deepEqual(await setVars([
    ['SampledDataCtrlr', 'TxEndedInterval', '0'],
    ['AlignedDataCtrlr', 'TxEndedInterval', '0'],
    ['TxCtrlr', 'TxStartPoint', 'EVConnected'],
    ['TxCtrlr', 'TxStopPoint', 'EVConnected'],
  ]), ['Accepted', 'Accepted', 'Accepted', 'Accepted']);
  let from = csms.calls.length;
  assert.equal(st.ctl('plug', '1').code, 0); // the plug starts the transaction, no badge yet
  const started = (await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Started' && p.evse.id === 1 })).params;
  const tx = started.transactionInfo.transactionId;
  const plugAt = Date.parse(started.timestamp);
  // set while the transaction runs (no session yet): it counts from the transaction's start
  assert.deepEqual(await setVars([['SampledDataCtrlr', 'TxEndedInterval', '60']]), ['Accepted']);
  assert.ok(await stationTime() < plugAt + 50000, 'set before the first instant');
  await until(plugAt + 130000, 'two readings before the badge');
  assert.equal(st.ctl('tap', 'GOOD1').code, 0); // the badge: borne's session takes the transaction over
  const authorized = (await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Updated' && p.triggerReason === 'Authorized' && p.transactionInfo.transactionId === tx })).params;
  const badgeAt = Date.parse(authorized.timestamp);
  await st.waitFor((x) => x.connectors[0].session, { what: 'the session on 1' });
  await until(badgeAt + 70000, 'a reading with the session');
  assert.equal(st.ctl('tap', 'GOOD1').code, 0); // the driver stops: the transaction waits for the car
  const deauth = (await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Updated' && p.triggerReason === 'StopAuthorized' && p.transactionInfo.transactionId === tx })).params;
  const stopAt = Date.parse(deauth.timestamp);
  await st.waitFor((x) => !x.connectors[0].session, { what: 'the session ended' });
  await until(stopAt + 70000, 'a reading while the car stays');
  from = csms.calls.length;
  assert.equal(st.ctl('unplug', '1').code, 0);
  const ended = (await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Ended' && p.transactionInfo.transactionId === tx })).params;
  const times = ended.meterValue.filter((m) => contextOf(m) === 'Sample.Periodic').map((m) => Date.parse(m.timestamp));
  const msg = JSON.stringify({ plugAt, badgeAt, stopAt, times });
  // every 60 s from the plug (the transaction's start), before, with and after the session
  times.forEach((t, i) => assert.ok(t - (plugAt + (i + 1) * 60000) >= 0 && t - (plugAt + (i + 1) * 60000) < 20000, msg));
  assert.ok(times.filter((t) => t < badgeAt).length >= 2, `before the badge: ${msg}`);
  assert.ok(times.some((t) => t > badgeAt && t < stopAt), `with the session: ${msg}`);
  assert.ok(times.some((t) => t > stopAt), `waiting for the car: ${msg}`);
  assert.equal(new Set(times).size, times.length, 'none twice');
  assert.equal(contextOf(ended.meterValue.at(-1)), 'Transaction.End');
  noGap(eventsOf(tx));
  await st.waitStatus(1, 'Available');
  assert.deepEqual(await setVars([
    ['SampledDataCtrlr', 'TxEndedInterval', '0'],
    ['TxCtrlr', 'TxStartPoint', 'PowerPathClosed'],
    ['TxCtrlr', 'TxStopPoint', 'EVConnected,Authorized'],
  ]), ['Accepted', 'Accepted', 'Accepted']);
  csms.assertNoViolations();
});

test('J: a long transaction with a 1 s interval: the Ended stays under 65 000 bytes, the first and the last reading kept, the middle thinned evenly', async () => {
  const all = 'Energy.Active.Import.Register,Power.Active.Import,Current.Import,Voltage';
  assert.deepEqual(await setVars([
    ['SampledDataCtrlr', 'TxEndedInterval', '1'],
    ['SampledDataCtrlr', 'TxEndedMeasurands', all],
    ['AlignedDataCtrlr', 'TxEndedInterval', '1'],
    ['AlignedDataCtrlr', 'TxEndedMeasurands', all],
  ]), ['Accepted', 'Accepted', 'Accepted', 'Accepted']);
  const { tx, start } = await charge(1, 'GOOD1');
  // 400 s: 400 readings of each series, about 2 kB each (some 1.6 MB in all)
  await until(start + 400000, '400 s of the transaction');
  const from = csms.calls.length;
  assert.equal(st.ctl('unplug', '1').code, 0);
  const ended = (await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Ended' && p.transactionInfo.transactionId === tx })).params;
  const end = Date.parse(ended.timestamp);
  const frame = Buffer.byteLength(JSON.stringify([2, 'x'.repeat(36), 'TransactionEvent', ended]));
  assert.ok(frame <= 65000, `the Ended frame is ${frame} bytes`);
  const mv = ended.meterValue;
  assert.equal(contextOf(mv.at(-1)), 'Transaction.End', 'the Transaction.End value last');
  const periodic = mv.filter((m) => contextOf(m) === 'Sample.Periodic').map((m) => Date.parse(m.timestamp));
  const clock = mv.filter((m) => contextOf(m) === 'Sample.Clock').map((m) => Date.parse(m.timestamp));
  const msg = JSON.stringify({ start, end, frame, periodic: periodic.map((t) => t - start), clock: clock.map((t) => t - start) });
  for (const times of [periodic, clock]) {
    assert.ok(times.length >= 8 && times.length <= 101, `thinned, some kept: ${msg}`);
    assert.ok(times[0] - start <= 3000, `the first reading kept: ${msg}`);
    assert.ok(end - times.at(-1) <= 3000, `the last reading kept: ${msg}`);
    // evenly: the gaps between them (but the last) alike, several seconds each (in readings taken:
    // the station's tick at 20 x takes a 1 s series a little unevenly)
    const gaps = times.slice(1, -1).map((t, i) => t - times[i]);
    const median = [...gaps].sort((a, b) => a - b)[gaps.length >> 1];
    assert.ok(median >= 4000, `the middle thinned: ${msg}`);
    assert.ok(gaps.every((g) => g >= median * 0.5 && g <= median * 2), `evenly: ${msg}`);
    for (let i = 1; i < times.length; i++) assert.ok(times[i] > times[i - 1], `in order, none twice: ${msg}`);
  }
  assert.ok(clock.every((t) => t % 1000 === 0), 'the clock-aligned ones on their instants');
  noGap(eventsOf(tx));
  await st.waitStatus(1, 'Available');
  assert.deepEqual(await setVars([['SampledDataCtrlr', 'TxEndedInterval', '0'], ['AlignedDataCtrlr', 'TxEndedInterval', '0']]), ['Accepted', 'Accepted']);
  csms.assertNoViolations();
});

test('J: signed TxEnded readings (SignReadings): each kept one verifies, the Ended under 65 000 bytes, pagination increasing with gaps where thinned', async () => {
  const pubDer = Buffer.from((await st.ok('GET', '/api/v1/ocmf/pubkey')).hex, 'hex');
  assert.deepEqual(await setVars([
    ['SampledDataCtrlr', 'TxEndedInterval', '1'],
    ['SampledDataCtrlr', 'TxEndedMeasurands', 'Energy.Active.Import.Register,Power.Active.Import'],
    ['AlignedDataCtrlr', 'TxEndedInterval', '1'],
    ['AlignedDataCtrlr', 'TxEndedMeasurands', 'Energy.Active.Import.Register'],
    ['SampledDataCtrlr', 'SignReadings', 'true'],
    ['AlignedDataCtrlr', 'SignReadings', 'true'],
  ]), ['Accepted', 'Accepted', 'Accepted', 'Accepted', 'Accepted', 'Accepted']);
  const { tx, start } = await charge(1, 'GOOD1');
  const session = (await st.connector(1)).session.id;
  // 150 s: some 300 signed readings (about 1.1 kB each with the key), more than the Ended holds
  await until(start + 150000, '150 s of the transaction');
  const from = csms.calls.length;
  assert.equal(st.ctl('unplug', '1').code, 0);
  const ended = (await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Ended' && p.transactionInfo.transactionId === tx })).params;
  const frame = Buffer.byteLength(JSON.stringify([2, 'x'.repeat(36), 'TransactionEvent', ended]));
  assert.ok(frame <= 65000, `the Ended frame is ${frame} bytes`);
  const pages = [];
  const kept = ended.meterValue.filter((m) => ['Sample.Periodic', 'Sample.Clock'].includes(contextOf(m)));
  assert.ok(kept.length >= 8, `some readings kept: ${kept.length}`);
  // the signed Begin first, never thinned out (the OCA application note, 4.1.2), then the series, the End
  assert.equal(contextOf(ended.meterValue[0]), 'Transaction.Begin');
  for (const m of [ended.meterValue[0], ...kept, ended.meterValue.at(-1)]) {
    const reg = m.sampledValue.find((v) => (v.measurand ?? 'Energy.Active.Import.Register') === 'Energy.Active.Import.Register');
    const sv = reg.signedMeterValue;
    assert.ok(sv, `signed: ${JSON.stringify(m)}`);
    assert.equal(sv.publicKey, pubDer.toString('base64'), 'EveryMeterValue: the key with each');
    const record = Buffer.from(sv.signedMeterData, 'base64').toString('utf8');
    const payload = verifyOcmf(record, pubDer);
    assert.equal(payload.RD[0].TX, { 'Transaction.Begin': 'B', 'Transaction.End': 'E' }[contextOf(m)] ?? 'C');
    assert.equal(Math.round(payload.RD[0].RV * 1000), Math.round(reg.value), 'the value it rides on, in kWh');
    for (const other of m.sampledValue.filter((v) => v !== reg)) assert.equal(other.signedMeterValue, undefined);
    pages.push(Number(/^T(\d+)$/.exec(payload.PG)[1]));
  }
  for (let i = 1; i < pages.length; i++) assert.ok(pages[i] > pages[i - 1], `pagination increasing: ${pages}`);
  assert.ok(pages.some((p, i) => i > 0 && p - pages[i - 1] > 1), `gaps where thinned: ${pages}`);
  // every record the Ended carries is the session's, kept by the station (the thinned ones too)
  const records = (await st.ok('GET', `/api/v1/sessions/${session}/ocmf`)).records;
  assert.ok(records.filter((k) => k.origin === 'ocpp').length > kept.length, 'the station keeps the thinned-out records');
  noGap(eventsOf(tx));
  await st.waitStatus(1, 'Available');
  assert.deepEqual(await setVars([
    ['SampledDataCtrlr', 'TxEndedInterval', '0'], ['AlignedDataCtrlr', 'TxEndedInterval', '0'],
    ['SampledDataCtrlr', 'SignReadings', 'false'], ['AlignedDataCtrlr', 'SignReadings', 'false'],
  ]), ['Accepted', 'Accepted', 'Accepted', 'Accepted']);
  csms.assertNoViolations();
});
