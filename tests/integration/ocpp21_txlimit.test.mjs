// OCPP 2.1 transaction limits (issue 16, E16) against a strict CSMS that picked
// ocpp2.1: npm ocpp-rpc with the OCA's 2.1 schemas (lib/csms.mjs) validates every
// TransactionEvent borne sends and every answer it gets. A CSMS answering the
// Started with transactionLimit {maxEnergy}: the station confirms it once
// (Updated, triggerReason LimitSet, transactionInfo.transactionLimit) however
// often the CSMS repeats it, then ends the transaction once that energy was
// delivered (triggerReason and stoppedReason EnergyLimitReached); maxTime
// likewise on the simulated clock (TimeLimitReached, not before the time); maxCost
// against the CSMS's CostUpdated (CostLimitReached, LocalOutOfCredit); a
// maxTime kept on disk through a kill -9 (the CSMS does not say it again) ends
// the resumed transaction. BORNE_OCPP_PEER=ocpp-ws-io runs it against the second
// strict CSMS (ocpp21_txlimit_ws_io.test.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ocpp201Rig } from './lib/ocpp201.mjs';

/* the limit the CSMS answers a TransactionEvent with, null: none */
let limitFor = () => null;
const handlers = {
  TransactionEvent: (csms, p) => {
    const r = p.idToken ? { idTokenInfo: csms.idTagInfo(p.idToken.idToken) } : {};
    const limit = limitFor(p);
    if (limit) r.transactionLimit = limit;
    return r;
  },
};
const rig = ocpp201Rig('cp-txlim', {
  peer: { protocol: 'ocpp2.1', tags: { GOOD1: 'Accepted', GOOD2: 'Accepted' }, handlers },
  set: { 'ocpp.version': '2.1' },
});

let csms, st;
before(async () => ({ csms, st } = await rig.up()));
after(() => rig.down(st, csms));

const flushed = () => st.waitFor((x) => x.station.ocpp?.registration === 'Accepted' && x.station.ocpp.queue_length === 0, { what: 'queue flushed' });
const eventsOf = (tx, from) => csms.calls.slice(from)
  .filter((c) => c.action === 'TransactionEvent' && c.params.transactionInfo.transactionId === tx).map((c) => c.params);
const register = (e, context) => e.meterValue?.flatMap((m) => m.sampledValue)
  .find((v) => v.context === context && (v.measurand ?? 'Energy.Active.Import.Register') === 'Energy.Active.Import.Register')?.value;

async function charge(c, tag) {
  const from = csms.calls.length;
  assert.equal(st.ctl('plug', String(c)).code, 0);
  assert.equal(st.ctl('tap', tag).code, 0);
  const started = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Started' && p.evse.id === c });
  return { from, started: started.params, tx: started.params.transactionInfo.transactionId };
}

test('maxEnergy in the answer to the Started: one LimitSet however often the CSMS repeats it, the transaction ended at that energy (EnergyLimitReached)', async () => {
  limitFor = (p) => (p.eventType !== 'Ended' ? { maxEnergy: 400 } : null);
  const { from, started, tx } = await charge(1, 'GOOD1');
  assert.equal(started.transactionInfo.transactionLimit, undefined, 'no limit before the CSMS sets one');
  const set = await csms.waitCall('TransactionEvent', { from, match: (p) => p.triggerReason === 'LimitSet' && p.transactionInfo.transactionId === tx });
  assert.equal(set.params.eventType, 'Updated');
  assert.deepEqual({ ...set.params.transactionInfo.transactionLimit }, { maxEnergy: 400 });
  const ended = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Ended' && p.transactionInfo.transactionId === tx });
  assert.equal(ended.params.triggerReason, 'EnergyLimitReached');
  assert.equal(ended.params.transactionInfo.stoppedReason, 'EnergyLimitReached');
  const begin = register(started, 'Transaction.Begin');
  const end = register(ended.params, 'Transaction.End');
  assert.ok(end - begin >= 400, `delivered ${end - begin} Wh, the limit 400 Wh`);
  const reached = await st.waitEvent('ocpp_tx_limit_reached', { match: (e) => e.detail.includes(tx) });
  assert.match(reached.detail, /EnergyLimitReached/);
  await flushed();
  const events = eventsOf(tx, from);
  assert.equal(events.filter((e) => e.triggerReason === 'LimitSet').length, 1, 'confirmed once');
  assert.deepEqual(events.map((e) => e.seqNo), events.map((_, i) => i), 'no gap in seqNo');
  assert.equal(st.ctl('unplug', '1').code, 0);
  await st.waitStatus(1, 'Available');
  csms.assertNoViolations();
});

test('maxTime: ended at that time from the start, not before (TimeLimitReached)', async () => {
  limitFor = (p) => (p.eventType === 'Started' ? { maxTime: 60 } : null);
  const { from, started, tx } = await charge(1, 'GOOD1');
  const set = await csms.waitCall('TransactionEvent', { from, match: (p) => p.triggerReason === 'LimitSet' && p.transactionInfo.transactionId === tx });
  assert.deepEqual({ ...set.params.transactionInfo.transactionLimit }, { maxTime: 60 });
  const ended = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Ended' && p.transactionInfo.transactionId === tx });
  assert.equal(ended.params.triggerReason, 'TimeLimitReached');
  assert.equal(ended.params.transactionInfo.stoppedReason, 'TimeLimitReached');
  const ran = Date.parse(ended.params.timestamp) - Date.parse(started.timestamp);
  assert.ok(ran >= 60000 && ran < 90000, `ran ${ran} ms for a maxTime of 60 s`);
  assert.equal(st.ctl('unplug', '1').code, 0);
  await st.waitStatus(1, 'Available');
  csms.assertNoViolations();
});

test('maxCost against the CSMS\'s running cost (CostUpdated): not below it, ended once reached (CostLimitReached, LocalOutOfCredit)', async () => {
  limitFor = (p) => (p.eventType === 'Started' ? { maxCost: 2.5 } : null);
  const { from, tx } = await charge(1, 'GOOD1');
  const set = await csms.waitCall('TransactionEvent', { from, match: (p) => p.triggerReason === 'LimitSet' && p.transactionInfo.transactionId === tx });
  assert.deepEqual({ ...set.params.transactionInfo.transactionLimit }, { maxCost: 2.5 });
  assert.deepEqual({ ...(await csms.call('CostUpdated', { totalCost: 1.25, transactionId: tx })) }, {});
  assert.ok((await st.connector(1)).session, 'still charging below the limit');
  assert.deepEqual({ ...(await csms.call('CostUpdated', { totalCost: 2.5, transactionId: tx })) }, {});
  const ended = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Ended' && p.transactionInfo.transactionId === tx });
  assert.equal(ended.params.triggerReason, 'CostLimitReached');
  assert.equal(ended.params.transactionInfo.stoppedReason, 'LocalOutOfCredit');
  assert.equal(st.ctl('unplug', '1').code, 0);
  await st.waitStatus(1, 'Available');
  csms.assertNoViolations();
});

test('a maxTime kept through a kill -9: the resumed transaction ends at it, the CSMS not telling it again', async () => {
  limitFor = (p) => (p.eventType === 'Started' ? { maxTime: 150 } : null);
  const { from, tx } = await charge(1, 'GOOD2');
  await csms.waitCall('TransactionEvent', { from, match: (p) => p.triggerReason === 'LimitSet' && p.transactionInfo.transactionId === tx });
  const session = (await st.connector(1)).session.id;
  await flushed();
  limitFor = () => null;
  await st.kill();
  // the car stayed plugged in through the crash: the session goes on (resumed)
  st = await rig.start(csms.url, { 'sim.plugged': '1' });
  await rig.registered(st);
  await st.waitFor((x) => x.connectors[0].session?.id === session, { what: 'the session resumed' });
  const ended = await csms.waitCall('TransactionEvent', { from, timeoutMs: 30000, match: (p) => p.eventType === 'Ended' && p.transactionInfo.transactionId === tx });
  assert.equal(ended.params.triggerReason, 'TimeLimitReached');
  assert.equal(ended.params.transactionInfo.stoppedReason, 'TimeLimitReached');
  assert.equal(eventsOf(tx, from).filter((e) => e.triggerReason === 'LimitSet').length, 1);
  assert.equal(st.ctl('unplug', '1').code, 0);
  await st.waitStatus(1, 'Available');
  csms.assertNoViolations();
});
