// OCPP 2.1 E17 (issue 16): a transaction resumed after a forced reboot is said resumed, against
// a strict CSMS that picked ocpp2.1 (npm ocpp-rpc with the OCA's 2.1 schemas, lib/csms.mjs). A
// charge whose periodic Updated events are queued while the CSMS is away, then a kill -9 with the
// car plugged in: the restarted station resumes the session and queues a TransactionEvent Updated,
// triggerReason TxResumed (chargingState Charging, the state the EVSE reaches), after the events
// the journal kept, the seqNo counting on without a gap;
// the Ended is the usual one when the car leaves. TxCtrlr.ResumptionTimeout 0 (session.resume_timeout_s):
// the car still there, the transaction ends at the restart (AbnormalCondition, PowerLoss), no TxResumed.
// TxCtrlr.AllowEnergyTransferResumption false (session.resume_energy_transfer): the resumed
// transaction is held without energy (TxResumed SuspendedEVSE) until it ends;
// EnergyTransferResumptionRandomRange (session.resume_random_range_s): it draws again after a
// random delay within the range.
// A 2.0.1 station (ocpp201_tx.test.mjs's kill -9 tests) says nothing of the kind. BORNE_OCPP_PEER=ocpp-ws-io runs it
// against the second strict CSMS (ocpp21_txresume_ws_io.test.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { getVariable, ocpp201Rig, setVariable } from './lib/ocpp201.mjs';

const rig = ocpp201Rig('cp-txres', {
  peer: { protocol: 'ocpp2.1', tags: { GOOD1: 'Accepted' } },
  // a periodic Updated every 10 simulated seconds (half a second at speed 20)
  set: { 'ocpp.version': '2.1', 'ocpp.MeterValueSampleInterval': '10' },
});

let csms, st;
before(async () => ({ csms, st } = await rig.up()));
after(() => rig.down(st, csms));

const setVar = (component, variable, value) => setVariable(csms, component, variable, value);
const getVar = (component, variable) => getVariable(csms, component, variable);
const flushed = () => st.waitFor((x) => x.station.ocpp?.registration === 'Accepted' && x.station.ocpp.queue_length === 0, { what: 'queue flushed' });
/* the events of `tx` in `calls`, each once (a retry sends the same seqNo again) */
const eventsOf = (tx, calls) => {
  const seen = new Set();
  return calls.filter((c) => c.action === 'TransactionEvent' && c.params.transactionInfo.transactionId === tx)
    .map((c) => c.params).filter((p) => !seen.has(p.seqNo) && seen.add(p.seqNo));
};

/* a charge on EVSE 1 by GOOD1 (the car plugged in first unless it is): its transactionId, its session and the calls' count before it */
async function charge({ plug = true } = {}) {
  const from = csms.calls.length;
  if (plug) assert.equal(st.ctl('plug', '1').code, 0);
  assert.equal(st.ctl('tap', 'GOOD1').code, 0);
  const started = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Started' && p.evse.id === 1 });
  await st.waitStatus(1, 'Charging');
  const session = (await st.connector(1)).session.id;
  await flushed();
  return { tx: started.params.transactionInfo.transactionId, session, from };
}

test('E17: after a kill -9 with the car plugged in, the resumed transaction\'s Updated TxResumed comes after the events queued before the crash, seqNo without a gap, and the Ended is the usual one', async () => {
  const { tx, session } = await charge();
  // the CSMS goes away: the periodic Updated events wait in the journal
  const port = csms.port;
  const early = csms.calls;
  await csms.close();
  await st.waitFor((x) => x.station.ocpp?.state !== 'connected', { what: 'ocpp offline' });
  await st.waitFor((x) => x.station.ocpp?.queue_length >= 2, { what: 'two Updated events queued' });
  await st.kill();
  // the car stayed plugged in through the crash: the session goes on (resumed), its TxResumed
  // queued (on disk) before any CSMS is there
  st = await rig.start(csms.url, { 'sim.plugged': '1' });
  await st.waitFor((x) => x.connectors[0].session?.id === session, { what: 'the session resumed' });
  csms = await rig.peer(port);
  await rig.registered(st);
  const resumed = await csms.waitCall('TransactionEvent', { match: (p) => p.triggerReason === 'TxResumed' });
  assert.equal(resumed.params.eventType, 'Updated');
  assert.equal(resumed.params.transactionInfo.transactionId, tx);
  assert.equal(resumed.params.evse.id, 1);
  // said with the state the EVSE reaches (the energy flows again: TC_E_113's Charging), not the
  // EVConnected of the instant the session is resumed; no ChargingStateChanged repeats it
  assert.equal(resumed.params.transactionInfo.chargingState, 'Charging');
  await st.waitStatus(1, 'Charging');
  await flushed();
  assert.ok(!csms.calls.some((c) => c.action === 'TransactionEvent' && c.params.transactionInfo.transactionId === tx && c.params.seqNo > resumed.params.seqNo && c.params.triggerReason === 'ChargingStateChanged'));
  const before = eventsOf(tx, early);
  const after = eventsOf(tx, csms.calls);
  const sent = [...before, ...after];
  assert.deepEqual(sent.map((e) => e.seqNo), sent.map((_, i) => i), 'seqNo from 0 without a gap');
  const at = after.findIndex((e) => e.triggerReason === 'TxResumed');
  assert.ok(at >= 2, `the events queued before the crash first (${after.map((e) => e.triggerReason)})`);
  assert.ok(after.slice(0, at).every((e) => e.eventType === 'Updated' && e.offline === true), 'queued offline before the crash');
  assert.equal(after[at].offline, true, 'queued before the CSMS was there again');
  assert.equal(sent.filter((e) => e.triggerReason === 'TxResumed').length, 1, 'said once');
  // then the transaction goes on as any other: the car leaves, the Ended counts on
  const all = await unplugEnded(tx, 0, before);
  assert.equal(all.at(-1).eventType, 'Ended');
  csms.assertNoViolations();
});

test('E17: TxCtrlr.ResumptionTimeout 0 — the car still plugged in, the transaction is not resumed: Ended AbnormalCondition / PowerLoss at the restart, no TxResumed, seqNo without a gap', async () => {
  assert.equal(await getVar('TxCtrlr', 'ResumptionTimeout'), '86400');
  assert.equal(await setVar('TxCtrlr', 'ResumptionTimeout', '0'), 'Accepted');
  assert.equal(await getVar('TxCtrlr', 'ResumptionTimeout'), '0');
  const { tx, session, from } = await charge();
  await st.kill();
  st = await rig.start(csms.url, { 'sim.plugged': '1' });
  await rig.registered(st);
  const ended = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Ended' && p.transactionInfo.transactionId === tx });
  assert.equal(ended.params.triggerReason, 'AbnormalCondition');
  assert.equal(ended.params.transactionInfo.stoppedReason, 'PowerLoss');
  await flushed();
  const sent = eventsOf(tx, csms.calls);
  assert.deepEqual(sent.map((e) => e.seqNo), sent.map((_, i) => i), 'seqNo from 0 without a gap');
  assert.equal(sent.filter((e) => e.triggerReason === 'TxResumed').length, 0);
  assert.notEqual((await st.connector(1)).session?.id, session, 'the session was closed, not resumed');
  assert.equal(await setVar('TxCtrlr', 'ResumptionTimeout', '86400'), 'Accepted');
  assert.equal(st.ctl('unplug', '1').code, 0);
  await st.waitStatus(1, 'Available');
  csms.assertNoViolations();
});

/* a charge on EVSE 1 (charge above), then a kill -9 and a restart with the car still plugged
 * in: the transaction's id, the calls' count before it, the resumed transaction's TxResumed */
async function chargeThenCrash() {
  const { tx, session, from } = await charge();
  await st.kill();
  st = await rig.start(csms.url, { 'sim.plugged': '1' });
  await rig.registered(st);
  await st.waitFor((x) => x.connectors[0].session?.id === session, { what: 'the session resumed' });
  const resumed = await csms.waitCall('TransactionEvent', { from, match: (p) => p.triggerReason === 'TxResumed' && p.transactionInfo.transactionId === tx });
  return { tx, from, resumed: resumed.params };
}

/* the car leaves: the usual Ended (EVCommunicationLost, EVDisconnected), Available, the queue
 * flushed; the transaction's events since call `from` after `earlier` (those a previous CSMS got),
 * seqNo from 0 without a gap: returned */
async function unplugEnded(tx, from, earlier = []) {
  const end = csms.calls.length;
  assert.equal(st.ctl('unplug', '1').code, 0);
  const ended = await csms.waitCall('TransactionEvent', { from: end, match: (p) => p.eventType === 'Ended' && p.transactionInfo.transactionId === tx });
  assert.equal(ended.params.triggerReason, 'EVCommunicationLost');
  assert.equal(ended.params.transactionInfo.stoppedReason, 'EVDisconnected');
  await st.waitStatus(1, 'Available');
  await flushed();
  const sent = [...earlier, ...eventsOf(tx, csms.calls.slice(from))];
  assert.deepEqual(sent.map((e) => e.seqNo), sent.map((_, i) => i), 'seqNo from 0 without a gap');
  return sent;
}

test('E17: TxCtrlr.AllowEnergyTransferResumption false — the resumed transaction is held without energy (Updated TxResumed SuspendedEVSE, limited_by resumed) until it ends', async () => {
  assert.equal(await getVar('TxCtrlr', 'AllowEnergyTransferResumption'), 'true');
  assert.equal(await setVar('TxCtrlr', 'AllowEnergyTransferResumption', 'false'), 'Accepted');
  assert.equal(await getVar('TxCtrlr', 'AllowEnergyTransferResumption'), 'false');
  const { tx, from, resumed } = await chargeThenCrash();
  assert.equal(resumed.eventType, 'Updated');
  assert.equal(resumed.transactionInfo.chargingState, 'SuspendedEVSE'); // TC_E_112's reading
  const held = await st.waitEvent('session_resume_held');
  assert.match(held.detail, /session_end/);
  const s = await st.waitFor((x) => x.connectors[0].status === 'SuspendedEVSE' && x.connectors[0].limited_by === 'resumed', { what: 'held by the resumption' });
  assert.equal(s.connectors[0].offered_a, 0);
  // still held two periodic readings later (MeterValueSampleInterval 10 s: 1 s real)
  const periodic = (n) => csms.waitCall('TransactionEvent', { from, match: (p) => p.triggerReason === 'MeterValuePeriodic' && p.transactionInfo.transactionId === tx && p.seqNo > resumed.seqNo + n });
  await periodic(1);
  assert.equal((await st.connector(1)).status, 'SuspendedEVSE');
  assert.ok(!csms.calls.some((c) => c.action === 'TransactionEvent' && c.params.transactionInfo.transactionId === tx && c.params.seqNo > resumed.seqNo && c.params.transactionInfo.chargingState === 'Charging'), 'no energy again');
  await unplugEnded(tx, from);
  assert.equal(await setVar('TxCtrlr', 'AllowEnergyTransferResumption', 'true'), 'Accepted');
  csms.assertNoViolations();
});

test('E17: TxCtrlr.EnergyTransferResumptionRandomRange — the resumed transaction draws again after a random delay within the range', async () => {
  assert.equal(await getVar('TxCtrlr', 'EnergyTransferResumptionRandomRange'), '0');
  assert.equal(await setVar('TxCtrlr', 'EnergyTransferResumptionRandomRange', '20'), 'Accepted');
  const { tx, from, resumed } = await chargeThenCrash();
  // a delay of 0 (one draw in 20001) holds nothing: TxResumed Charging as without a range
  // (the events of the test before stay in the journal: this one names its delay)
  const held = await st.waitEvent('session_resume_held', { timeoutMs: 3000, match: (e) => e.detail.includes('for_ms') }).catch(() => null);
  if (held) {
    const ms = JSON.parse(held.detail).for_ms;
    assert.ok(ms > 0 && ms <= 20000, `held ${ms} ms for a range of 20 s`);
    assert.equal(resumed.transactionInfo.chargingState, 'SuspendedEVSE');
    await st.waitEvent('session_resume_released', { after: held.id });
    const again = await csms.waitCall('TransactionEvent', { from, match: (p) => p.triggerReason === 'ChargingStateChanged' && p.transactionInfo.chargingState === 'Charging' && p.transactionInfo.transactionId === tx && p.seqNo > resumed.seqNo });
    const waited = Date.parse(again.params.timestamp) - Date.parse(resumed.timestamp);
    assert.ok(waited >= ms - 1000 && waited <= ms + 8000, `drew again ${waited} ms after the TxResumed, held ${ms} ms`);
  } else {
    assert.equal(resumed.transactionInfo.chargingState, 'Charging');
  }
  await st.waitStatus(1, 'Charging');
  await unplugEnded(tx, from);
  assert.equal(await setVar('TxCtrlr', 'EnergyTransferResumptionRandomRange', '0'), 'Accepted');
  csms.assertNoViolations();
});

test('B13: Reset ImmediateAndResume — Rejected for one EVSE or with TxCtrlr.ResumptionTimeout 0; during a charge Accepted, no Ended, BootNotification RemoteReset, the same transaction goes on (Updated TxResumed), seqNo without a gap', async () => {
  // the car stays plugged in through the restart: the station's own settings say so (a Reset
  // re-executes borned with its arguments)
  await st.stop();
  st = await rig.start(csms.url, { 'sim.plugged': '1' });
  await rig.registered(st);
  assert.equal((await csms.call('Reset', { type: 'ImmediateAndResume', evseId: 1 })).status, 'Rejected');
  assert.equal(await setVar('TxCtrlr', 'ResumptionTimeout', '0'), 'Accepted');
  assert.equal((await csms.call('Reset', { type: 'ImmediateAndResume' })).status, 'Rejected'); // TC_B_101
  assert.equal(await setVar('TxCtrlr', 'ResumptionTimeout', '86400'), 'Accepted');
  const { tx, session, from } = await charge({ plug: false }); // plugged in since the start
  const reset = csms.calls.length;
  assert.equal((await csms.call('Reset', { type: 'ImmediateAndResume' })).status, 'Accepted');
  const boot = await csms.waitCall('BootNotification', { from: reset, timeoutMs: 30000 });
  assert.equal(boot.params.reason, 'RemoteReset');
  await st.waitReady(2);
  await rig.registered(st, 'registered after the reset');
  await csms.waitCall('SecurityEventNotification', { from: reset, match: (p) => p.type === 'ResetOrReboot' });
  const resumed = await csms.waitCall('TransactionEvent', { from: reset, match: (p) => p.triggerReason === 'TxResumed' });
  assert.equal(resumed.params.eventType, 'Updated');
  assert.equal(resumed.params.transactionInfo.transactionId, tx);
  assert.ok(csms.calls.indexOf(resumed) > csms.calls.indexOf(boot), 'said after the restart');
  assert.equal(resumed.params.transactionInfo.chargingState, 'Charging'); // TC_B_103's reading
  await st.waitFor((x) => x.connectors[0].session?.id === session, { what: 'the session resumed' });
  await st.waitStatus(1, 'Charging');
  const sent = await unplugEnded(tx, from);
  assert.equal(sent.filter((e) => e.eventType === 'Ended').length, 1, 'one Ended, at the unplug');
  assert.equal(sent.filter((e) => e.triggerReason === 'TxResumed').length, 1, 'said once');
  // the next start is an ordinary one again: no car, a PowerUp
  st = await rig.restart(st, csms);
  csms.assertNoViolations();
});
