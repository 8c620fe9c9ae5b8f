// Nothing lost over OCPP 2.0.1 (issue 16, E): sessions run while the CSMS is
// down, the station is killed with SIGKILL while a car charges offline and
// again while its queue flushes. The strict CSMS (ocpp-rpc, ocpp2.0.1) must
// then have acknowledged every transaction's TransactionEvents exactly once:
// seqNo 0, 1, 2... without a gap, Started first, Ended last, every one marked
// offline, one station-made transactionId per session.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startBorned, tempDataDir, SOAK } from './lib/borne.mjs';
import { Csms } from './lib/csms.mjs';

const KILLS = SOAK ? 20 : 3;
const SET = {
  'station.id': 'cp-201-offline',
  'ocpp.version': '2.0.1',
  'ocpp.MeterValueSampleInterval': '300',
  'ocpp.MinimumStatusDuration': '0',
  'ocpp.reconnect_max_s': '2',
  'ocpp.TransactionMessageRetryInterval': '1',
};

const borned = (url, dataDir) => startBorned({ dataDir, connectors: 2, auth: 'free', speed: 3600, args: ['--csms', url], set: SET });

/* The CSMS's books: `decide(entry)` answers ('answer') or kills the station first ('drop'). */
function csmsOn(port, decide = () => 'answer') {
  const csms = new Csms({ protocol: 'ocpp2.0.1', tags: { FREECHARGING: 'Accepted' }, bootInterval: 3600 });
  csms.decide = decide;
  csms.handlers.TransactionEvent = (c) => {
    const entry = c.calls[c.calls.length - 1];
    if (c.decide(entry) === 'drop') return new Promise(() => {}); /* killed before the answer */
    entry.acked = true;
    return {};
  };
  return csms.listen(port);
}

/* A small car that fills itself in about half an hour of simulated time. */
async function runSession(st, c) {
  assert.equal(st.ctl('plug', String(c), '--ev-max-current', '6', '--phases', '1', '--battery-kwh', '6.6', '--soc', '90', '--target-soc', '100').code, 0);
  await st.waitFor((s) => ['SuspendedEV', 'Finishing'].includes(s.connectors[c - 1].status), { what: `connector ${c} full`, timeoutMs: 60000 });
  assert.equal(st.ctl('unplug', String(c)).code, 0);
  await st.waitStatus(c, 'Available');
}

function assertBooks(books, expected) {
  const acked = books.flatMap((b) => b.calls).filter((c) => c.action === 'TransactionEvent' && c.acked);
  const byTx = new Map();
  for (const e of acked) {
    const id = e.params.transactionInfo.transactionId;
    if (!byTx.has(id)) byTx.set(id, []);
    byTx.get(id).push(e.params);
  }
  assert.equal(byTx.size, expected, `transactions acknowledged: ${[...byTx.keys()]}`);
  for (const [id, events] of byTx) {
    const seq = events.map((e) => e.seqNo);
    assert.deepEqual(seq, seq.map((_, i) => i), `${id}: seqNo in order, no gap, nothing twice: ${seq}`);
    assert.equal(events[0].eventType, 'Started', `${id} starts with Started`);
    assert.equal(events.at(-1).eventType, 'Ended', `${id} ends with Ended`);
    assert.equal(events.filter((e) => e.eventType === 'Ended').length, 1);
    assert.ok(events.every((e) => e.offline === true), `${id}: every event happened offline`);
  }
}

test(`CSMS down, SIGKILL while charging and ${KILLS} times while the queue flushes: every event once, seqNo without gap`, { timeout: 300000 }, async () => {
  const books = [];
  let csms = await csmsOn(0);
  books.push(csms);
  const port = csms.port;
  const dataDir = tempDataDir();
  let st = await borned(csms.url, dataDir);
  try {
    await csms.waitCall('BootNotification');
    await csms.close();
    await st.waitFor((s) => s.station.ocpp?.state !== 'connected', { what: 'ocpp offline' });
    // a car charging offline, the station killed under it and started again
    // (a big battery: it still charges when the kill comes, at any speed)
    assert.equal(st.ctl('plug', '1', '--ev-max-current', '6', '--phases', '1', '--battery-kwh', '60', '--soc', '10', '--target-soc', '100').code, 0);
    await st.waitStatus(1, 'Charging');
    await st.waitFor((s) => s.station.ocpp.queue_length >= 1, { what: 'Started queued' });
    await st.kill();
    st = await borned(csms.url, dataDir);
    // the simulated car did not survive the kill: the session recovered is
    // ended (its Ended event queued after the ones from before the kill)
    await st.waitStatus(1, 'Available');
    await st.waitFor((s) => !s.connectors[0].session, { what: 'session ended after the restart' });
    // more sessions offline, on both EVSEs
    await Promise.all([runSession(st, 1), runSession(st, 2)]);
    const queued = (await st.status()).station.ocpp.queue_length;
    assert.ok(queued >= 6, `queue holds the offline events (${queued})`);
    const sessions = (await st.ok('GET', '/api/v1/sessions?limit=100')).sessions.length;
    // the CSMS comes back: each round it answers a few events, then the
    // station is killed the instant the next one arrives (unanswered)
    let kills = 0;
    for (let k = 0; k < KILLS; k++) {
      const allow = 1 + Math.floor(Math.random() * 3);
      let answered = 0;
      let killed;
      const died = new Promise((resolve) => { killed = resolve; });
      let victim = null;
      csms = await csmsOn(port, () => {
        if (answered++ < allow) return 'answer';
        victim = st; /* the station running now, whichever start it is */
        victim.proc.kill('SIGKILL');
        killed();
        return 'drop';
      });
      books.push(csms);
      if (st.proc.exitCode !== null || st.proc.signalCode !== null) st = await borned(csms.url, dataDir);
      const flushed = st.waitFor((s) => s.station.ocpp?.state === 'connected' && s.station.ocpp.queue_length === 0, { what: 'flushed', timeoutMs: 60000 }).then(() => 'flushed', () => 'timeout');
      const r = await Promise.race([died.then(() => 'died'), flushed]);
      if (r === 'died') {
        await victim.exited;
        kills++;
      }
      await csms.close();
      if (r !== 'died') break;
    }
    assert.ok(kills >= 1, 'the station was killed during the flush');
    csms = await csmsOn(port);
    books.push(csms);
    if (st.proc.exitCode !== null || st.proc.signalCode !== null) st = await borned(csms.url, dataDir);
    await st.waitFor((s) => s.station.ocpp?.state === 'connected' && s.station.ocpp.queue_length === 0, { what: 'queue flushed', timeoutMs: 60000 })
      .catch(async (e) => { throw new Error(`${e.message}\nocpp: ${JSON.stringify((await st.status()).station.ocpp)}\nlog: ${st.logRef?.().slice(-3000)}`); });
    assertBooks(books, sessions);
    for (const b of books) b.assertNoViolations();
  } finally {
    await st.stop();
    st.cleanup();
    await csms.close();
  }
});
