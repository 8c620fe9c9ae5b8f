// OCPP 2.1 transaction limits (issue 16, E16) against a strict CSMS that picked
// ocpp2.1: npm ocpp-rpc with the OCA's 2.1 schemas (lib/csms.mjs) validates every
// TransactionEvent borne sends and every answer it gets. A CSMS answering the
// Started with transactionLimit {maxEnergy}: the station confirms it once
// (Updated, triggerReason LimitSet, transactionInfo.transactionLimit) however
// often the CSMS repeats it, then suspends the energy once that energy was
// delivered (Updated, triggerReason EnergyLimitReached, chargingState
// SuspendedEVSE, the EVSE held at 0 A, limited_by "transaction"), the
// transaction going on; the CSMS raising the limit lets the energy flow again
// (LimitSet, Charging) until the new one; the Ended at the unplug says the
// limit (stoppedReason EnergyLimitReached). maxTime likewise on the simulated
// clock (TimeLimitReached, not before the time; the badge then ends it);
// maxCost against the CSMS's CostUpdated (CostLimitReached; LocalOutOfCredit);
// TxStopPoint EnergyTransfer: the limit ends the transaction (Ended,
// EnergyLimitReached); a maxTime kept on disk through a kill -9 (the CSMS does
// not say it again) suspends the resumed transaction. BORNE_OCPP_PEER=ocpp-ws-io
// runs it against the second strict CSMS (ocpp21_txlimit_ws_io.test.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { getVariableResults, ocpp201Rig, setVariable } from './lib/ocpp201.mjs';

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

const setVar = (component, variable, value) => setVariable(csms, component, variable, value);
const getVar = async (component, variable) => (await getVariableResults(csms, [[component, variable]]))[0];
const isTx = (tx) => (p) => p.transactionInfo.transactionId === tx;

test('TxCtrlr.SupportedLimits: the members borne holds a transaction to, read-only', async () => {
  const r = await getVar('TxCtrlr', 'SupportedLimits');
  assert.equal(r.attributeStatus, 'Accepted');
  assert.equal(r.attributeValue, 'maxEnergy,maxTime,maxCost');
  assert.equal(await setVar('TxCtrlr', 'SupportedLimits', 'maxEnergy'), 'Rejected');
  csms.assertNoViolations();
});

test('maxEnergy: one LimitSet however often the CSMS repeats it, the energy suspended at it (EnergyLimitReached, SuspendedEVSE), flowing again once the CSMS raises it, the Ended at the unplug saying the limit', async () => {
  let cap = 400;
  limitFor = (p) => {
    // the CSMS sells 400 Wh more when told the first was used up
    if (p.triggerReason === 'EnergyLimitReached' && cap === 400) cap = 800;
    return p.eventType !== 'Ended' ? { maxEnergy: cap } : null;
  };
  const { from, started, tx } = await charge(1, 'GOOD1');
  assert.equal(started.transactionInfo.transactionLimit, undefined, 'no limit before the CSMS sets one');
  const set = await csms.waitCall('TransactionEvent', { from, match: (p) => p.triggerReason === 'LimitSet' && isTx(tx)(p) });
  assert.equal(set.params.eventType, 'Updated');
  assert.deepEqual({ ...set.params.transactionInfo.transactionLimit }, { maxEnergy: 400 });
  const begin = register(started, 'Transaction.Begin');
  const reached = await csms.waitCall('TransactionEvent', { from, match: (p) => p.triggerReason === 'EnergyLimitReached' && isTx(tx)(p) });
  assert.equal(reached.params.eventType, 'Updated', 'suspended, not ended');
  assert.equal(reached.params.transactionInfo.chargingState, 'SuspendedEVSE');
  const at = register(reached.params, 'Sample.Periodic');
  assert.ok(at - begin >= 400, `delivered ${at - begin} Wh at the limit of 400 Wh`);
  // the CSMS's answer raised it: confirmed, the energy flows again
  const raised = await csms.waitCall('TransactionEvent', { from, match: (p) => p.triggerReason === 'LimitSet' && isTx(tx)(p) && p.transactionInfo.transactionLimit?.maxEnergy === 800 });
  assert.equal(raised.params.eventType, 'Updated');
  const again = await csms.waitCall('TransactionEvent', { from, match: (p) => p.triggerReason === 'ChargingStateChanged' && p.transactionInfo.chargingState === 'Charging' && isTx(tx)(p) && p.seqNo > raised.params.seqNo });
  assert.equal(again.params.eventType, 'Updated');
  const lifted = await st.waitEvent('ocpp_tx_limit_lifted', { match: (e) => e.detail.includes(tx) });
  assert.match(lifted.detail, /EnergyLimitReached/);
  // and suspended again at the new limit
  const second = await csms.waitCall('TransactionEvent', { from, match: (p) => p.triggerReason === 'EnergyLimitReached' && isTx(tx)(p) && p.seqNo > again.params.seqNo });
  assert.equal(second.params.transactionInfo.chargingState, 'SuspendedEVSE');
  assert.ok(register(second.params, 'Sample.Periodic') - begin >= 800);
  const held = await st.waitFor((x) => x.connectors[0].status === 'SuspendedEVSE' && x.connectors[0].limited_by === 'transaction', { what: 'held by its transaction' });
  assert.equal(held.connectors[0].offered_a, 0);
  assert.ok((await st.connector(1)).session, 'the session goes on');
  assert.equal(st.ctl('unplug', '1').code, 0);
  const ended = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Ended' && isTx(tx)(p) });
  assert.equal(ended.params.triggerReason, 'EVCommunicationLost');
  assert.equal(ended.params.transactionInfo.stoppedReason, 'EnergyLimitReached');
  await flushed();
  const events = eventsOf(tx, from);
  assert.equal(events.filter((e) => e.triggerReason === 'LimitSet').length, 2, 'each limit confirmed once');
  assert.equal(events.filter((e) => e.triggerReason === 'EnergyLimitReached').length, 2);
  assert.deepEqual(events.map((e) => e.seqNo), events.map((_, i) => i), 'no gap in seqNo');
  await st.waitStatus(1, 'Available');
  csms.assertNoViolations();
});

test('maxTime: suspended at that time from the start, not before (TimeLimitReached); the badge ends it', async () => {
  limitFor = (p) => (p.eventType === 'Started' ? { maxTime: 60 } : null);
  const { from, started, tx } = await charge(1, 'GOOD1');
  const set = await csms.waitCall('TransactionEvent', { from, match: (p) => p.triggerReason === 'LimitSet' && isTx(tx)(p) });
  assert.deepEqual({ ...set.params.transactionInfo.transactionLimit }, { maxTime: 60 });
  const reached = await csms.waitCall('TransactionEvent', { from, match: (p) => p.triggerReason === 'TimeLimitReached' && isTx(tx)(p) });
  assert.equal(reached.params.eventType, 'Updated');
  assert.equal(reached.params.transactionInfo.chargingState, 'SuspendedEVSE');
  const ran = Date.parse(reached.params.timestamp) - Date.parse(started.timestamp);
  assert.ok(ran >= 60000 && ran < 90000, `ran ${ran} ms for a maxTime of 60 s`);
  assert.equal(st.ctl('tap', 'GOOD1').code, 0);
  const ended = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Ended' && isTx(tx)(p) });
  assert.equal(ended.params.transactionInfo.stoppedReason, 'TimeLimitReached');
  assert.equal(st.ctl('unplug', '1').code, 0);
  await st.waitStatus(1, 'Available');
  csms.assertNoViolations();
});

test('maxCost against the CSMS\'s running cost (CostUpdated): not below it, suspended once reached (CostLimitReached), LocalOutOfCredit at the end', async () => {
  limitFor = (p) => (p.eventType === 'Started' ? { maxCost: 2.5 } : null);
  const { from, tx } = await charge(1, 'GOOD1');
  const set = await csms.waitCall('TransactionEvent', { from, match: (p) => p.triggerReason === 'LimitSet' && isTx(tx)(p) });
  assert.deepEqual({ ...set.params.transactionInfo.transactionLimit }, { maxCost: 2.5 });
  await st.waitStatus(1, 'Charging');
  assert.deepEqual({ ...(await csms.call('CostUpdated', { totalCost: 1.25, transactionId: tx })) }, {});
  assert.equal((await st.connector(1)).status, 'Charging', 'still charging below the limit');
  assert.deepEqual({ ...(await csms.call('CostUpdated', { totalCost: 2.5, transactionId: tx })) }, {});
  const reached = await csms.waitCall('TransactionEvent', { from, match: (p) => p.triggerReason === 'CostLimitReached' && isTx(tx)(p) });
  assert.equal(reached.params.eventType, 'Updated');
  assert.equal(reached.params.transactionInfo.chargingState, 'SuspendedEVSE');
  assert.equal(st.ctl('unplug', '1').code, 0);
  const ended = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Ended' && isTx(tx)(p) });
  assert.equal(ended.params.transactionInfo.stoppedReason, 'LocalOutOfCredit');
  await st.waitStatus(1, 'Available');
  csms.assertNoViolations();
});

test('TxStopPoint EnergyTransfer: the limit reached ends the transaction (Ended, EnergyLimitReached)', async () => {
  assert.equal(await setVar('TxCtrlr', 'TxStopPoint', 'EnergyTransfer'), 'Accepted');
  try {
    limitFor = (p) => (p.eventType === 'Started' ? { maxEnergy: 200 } : null);
    const { from, tx } = await charge(1, 'GOOD1');
    const ended = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Ended' && isTx(tx)(p) });
    assert.equal(ended.params.triggerReason, 'EnergyLimitReached');
    assert.equal(ended.params.transactionInfo.stoppedReason, 'EnergyLimitReached');
    assert.equal(eventsOf(tx, from).filter((e) => e.triggerReason === 'EnergyLimitReached').length, 1, 'said once, by the Ended');
    assert.equal(st.ctl('unplug', '1').code, 0);
    await st.waitStatus(1, 'Available');
  } finally {
    assert.equal(await setVar('TxCtrlr', 'TxStopPoint', 'EVConnected,Authorized'), 'Accepted');
  }
  csms.assertNoViolations();
});

test('a maxTime kept through a kill -9: the resumed transaction is suspended at it, the CSMS not telling it again', async () => {
  limitFor = (p) => (p.eventType === 'Started' ? { maxTime: 150 } : null);
  const { from, tx } = await charge(1, 'GOOD2');
  await csms.waitCall('TransactionEvent', { from, match: (p) => p.triggerReason === 'LimitSet' && isTx(tx)(p) });
  const session = (await st.connector(1)).session.id;
  await flushed();
  limitFor = () => null;
  await st.kill();
  // the car stayed plugged in through the crash: the session goes on (resumed)
  st = await rig.start(csms.url, { 'sim.plugged': '1' });
  await rig.registered(st);
  await st.waitFor((x) => x.connectors[0].session?.id === session, { what: 'the session resumed' });
  const reached = await csms.waitCall('TransactionEvent', { from, timeoutMs: 30000, match: (p) => p.triggerReason === 'TimeLimitReached' && isTx(tx)(p) });
  assert.equal(reached.params.eventType, 'Updated');
  assert.equal(reached.params.transactionInfo.chargingState, 'SuspendedEVSE');
  assert.equal(eventsOf(tx, from).filter((e) => e.triggerReason === 'LimitSet').length, 1);
  assert.equal(st.ctl('unplug', '1').code, 0);
  const ended = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Ended' && isTx(tx)(p) });
  assert.equal(ended.params.transactionInfo.stoppedReason, 'TimeLimitReached');
  await st.waitStatus(1, 'Available');
  csms.assertNoViolations();
});
