// Nothing lost over OCPP 1.6J: sessions run while the back end is down, the
// station is killed with SIGKILL while its queue flushes, a session runs
// entirely offline across a restart. The central system (strict ocpp-rpc)
// must then have received every StartTransaction, transaction MeterValues and
// StopTransaction exactly once, in order, with energies that add up.
// make test runs small counts; make soak (BORNE_SOAK=1) the figures:
// 100 sessions over 24 simulated hours and 50 kills.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startBorned, tempDataDir, SOAK } from './lib/borne.mjs';
import { Csms } from './lib/csms.mjs';

const SESSIONS = SOAK ? 100 : 10;
const KILLS = SOAK ? 50 : 5;
const SPEED = 3600;

const OCPP_SET = {
  'station.id': 'cp-offline',
  'ocpp.MeterValueSampleInterval': '300',
  'ocpp.MinimumStatusDuration': '0',
  'ocpp.reconnect_max_s': '2',
  'ocpp.TransactionMessageRetryInterval': '1',
};

async function csmsOn(port, opts = {}) {
  return new Csms({ tags: { FREECHARGING: 'Accepted' }, bootInterval: 3600, ...opts }).listen(port);
}

function borned(csmsUrl, dataDir) {
  return startBorned({ dataDir, connectors: 2, auth: 'free', speed: SPEED, args: ['--csms', csmsUrl], set: OCPP_SET });
}

/* One session: plug a small car that fills itself (about 29 simulated minutes
 * at 6 A on one phase), wait until it is full, unplug. */
async function runSession(st, c) {
  assert.equal(st.ctl('plug', String(c), '--ev-max-current', '6', '--phases', '1', '--battery-kwh', '6.6', '--soc', '90', '--target-soc', '100').code, 0);
  await st.waitFor((s) => s.connectors[c - 1].status === 'SuspendedEV' || s.connectors[c - 1].status === 'Finishing', { what: `connector ${c} full`, timeoutMs: 60000 });
  assert.equal(st.ctl('unplug', String(c)).code, 0);
  await st.waitStatus(c, 'Available');
}

async function offlineState(st) {
  return st.waitFor((s) => s.station.ocpp && s.station.ocpp.state !== 'connected', { what: 'ocpp offline' });
}

/**
 * The central system's books: the transaction messages it acknowledged, in
 * order. Checks every session of the station's history is there exactly once
 * with its meter values in between and energies that add up.
 */
async function assertBooks(csms, st, expectedSessions) {
  const tx = csms.calls.filter((c) => ['StartTransaction', 'StopTransaction', 'MeterValues'].includes(c.action) && c.acked);
  const starts = tx.filter((c) => c.action === 'StartTransaction');
  const stops = tx.filter((c) => c.action === 'StopTransaction');
  assert.equal(starts.length, expectedSessions, `StartTransaction count ${starts.length}`);
  assert.equal(stops.length, expectedSessions, `StopTransaction count ${stops.length}`);
  const ids = new Set(starts.map((s) => s.result.transactionId));
  assert.equal(ids.size, expectedSessions, 'distinct transaction ids');
  assert.equal(new Set(stops.map((s) => s.params.transactionId)).size, expectedSessions, 'one stop per transaction');
  const history = (await st.ok('GET', '/api/v1/sessions?limit=1000')).sessions;
  assert.equal(history.length, expectedSessions);
  // Per connector: Start, its MeterValues, Stop, in order and in time order.
  const open = new Map();
  let lastStartTime = '';
  for (const m of tx) {
    if (m.action === 'StartTransaction') {
      assert.ok(!open.has(m.params.connectorId), `second start on connector ${m.params.connectorId} before its stop`);
      assert.ok(m.params.timestamp >= lastStartTime, 'starts delivered in time order');
      lastStartTime = m.params.timestamp;
      open.set(m.params.connectorId, { start: m, tx: m.result.transactionId, last: m.params.meterStart, values: 0 });
    } else if (m.action === 'MeterValues') {
      const o = open.get(m.params.connectorId);
      assert.ok(o, 'transaction meter values only inside a transaction');
      assert.equal(m.params.transactionId, o.tx, 'meter values carry the back end\'s transaction id');
      for (const mv of m.params.meterValue)
        for (const sv of mv.sampledValue)
          if ((sv.measurand ?? 'Energy.Active.Import.Register') === 'Energy.Active.Import.Register') {
            const wh = Number(sv.value) * (sv.unit === 'kWh' ? 1000 : 1);
            assert.ok(wh >= o.last, `register never goes back (${wh} < ${o.last})`);
            o.last = wh;
          }
      o.values++;
    } else {
      const o = [...open.entries()].find(([, v]) => v.tx === m.params.transactionId);
      assert.ok(o, `stop for an open transaction ${m.params.transactionId}`);
      const [c, v] = o;
      assert.ok(m.params.meterStop >= v.last, 'stop reading is the last');
      const session = history.find((h) => h.connector === c && Math.round(h.meter_start_wh) === v.start.params.meterStart);
      assert.ok(session, `session of transaction ${v.tx} in the station's history`);
      assert.equal(m.params.meterStop - v.start.params.meterStart, Math.round(session.energy_wh), `energy of transaction ${v.tx}`);
      open.delete(c);
    }
  }
  assert.equal(open.size, 0, 'every transaction stopped');
}

/* Records, for each call, whether the central system answered it on a live
 * connection: the books hold only acknowledged messages. */
function keepBooks(csms) { keepBooksRound(csms, () => 'answer'); }

test(`back end down while ${SESSIONS} sessions run: all delivered once, in order, after reconnect`, async () => {
  let csms = await csmsOn(0);
  const port = csms.port;
  keepBooks(csms);
  const dataDir = tempDataDir();
  const st = await borned(csms.url, dataDir);
  try {
    await csms.waitCall('BootNotification');
    await csms.close();
    await offlineState(st);
    for (let i = 0; i < SESSIONS / 2; i++) await Promise.all([runSession(st, 1), runSession(st, 2)]);
    const queued = (await st.status()).station.ocpp.queue_length;
    assert.ok(queued >= SESSIONS * 2, `queue holds the offline messages (${queued})`);
    const books = csmsOn(port);
    csms = await books;
    keepBooks(csms);
    await csms.waitCall('StopTransaction', { match: () => csms.callsOf('StopTransaction').filter((c) => c.acked).length >= SESSIONS - 1, timeoutMs: 120000 });
    await st.waitFor((s) => s.station.ocpp.queue_length === 0, { what: 'queue empty', timeoutMs: 60000 });
    await assertBooks(csms, st, SESSIONS);
    csms.assertNoViolations();
  } finally {
    await st.stop();
    st.cleanup();
    await csms.close();
  }
});

test(`SIGKILL ${KILLS} times while the queue flushes: nothing lost, nothing twice`, async () => {
  let csms = await csmsOn(0);
  const port = csms.port;
  keepBooks(csms);
  const dataDir = tempDataDir();
  let st = await borned(csms.url, dataDir);
  const sessions = Math.max(4, Math.ceil(KILLS / 3) * 2);
  try {
    await csms.waitCall('BootNotification');
    await csms.close();
    await offlineState(st);
    for (let i = 0; i < sessions / 2; i++) await Promise.all([runSession(st, 1), runSession(st, 2)]);
    // The central system keeps its books across the station's deaths: each
    // round it answers a random number of transaction messages, then the
    // station is killed the instant the next one arrives (unanswered).
    const books = await csmsOn(port);
    csms = books;
    let kills = 0;
    for (let k = 0; k < KILLS; k++) {
      const allow = 1 + Math.floor(Math.random() * 4);
      let answered = 0;
      let killed;
      const died = new Promise((resolve) => { killed = resolve; });
      csms.handlers = { ...csms.handlers };
      keepBooksRound(csms, () => {
        if (answered++ < allow) return 'answer';
        st.proc.kill('SIGKILL');
        killed();
        return 'drop';
      });
      if (k > 0) st = await borned(csms.url, dataDir);
      // the wait for the flush's end is given up when the station dies first (no 60 s timer left behind)
      const giveUp = new AbortController();
      const done = csms.waitCall('StopTransaction', { match: () => ackedStops(csms) >= sessions, timeoutMs: 60000, signal: giveUp.signal }).then(() => 'done', () => 'timeout');
      const r = await Promise.race([died.then(() => 'died'), done]);
      giveUp.abort();
      await (r === 'died' ? st.exited : Promise.resolve());
      if (r !== 'died') break;
      kills++;
    }
    assert.ok(kills >= Math.min(KILLS, 3), `the station was killed during the flush (${kills} times)`);
    if (st.proc.exitCode !== null || st.proc.signalCode !== null) st = await borned(csms.url, dataDir);
    keepBooksRound(csms, () => 'answer');
    await st.waitFor((s) => s.station.ocpp.state === 'connected' && s.station.ocpp.queue_length === 0, { what: 'queue flushed', timeoutMs: 120000 });
    await assertBooks(csms, st, sessions);
    csms.assertNoViolations();
  } finally {
    await st.stop();
    st.cleanup();
    await csms.close();
  }
});

function ackedStops(csms) { return csms.calls.filter((c) => c.action === 'StopTransaction' && c.acked).length; }

/* The books, with a per-call decision that can kill the station first. */
function keepBooksRound(csms, decide) {
  for (const action of ['StartTransaction', 'StopTransaction', 'MeterValues']) {
    csms.handlers[action] = (c, params) => {
      const entry = c.calls[c.calls.length - 1];
      // killed before the answer: never answered (no CALLERROR counted)
      if (decide(entry) === 'drop') return new Promise(() => {});
      const result = DEFAULT_RESULT[action](c, params);
      entry.result = result;
      entry.acked = true;
      return result;
    };
  }
}

const DEFAULT_RESULT = {
  StartTransaction: (c, p) => ({ transactionId: c.nextTransactionId++, idTagInfo: c.idTagInfo(p.idTag) }),
  StopTransaction: (c, p) => (p.idTag ? { idTagInfo: c.idTagInfo(p.idTag) } : {}),
  MeterValues: () => ({}),
};

test('a session that runs entirely offline across a restart is delivered with its Start and its Stop', async () => {
  let csms = await csmsOn(0);
  const port = csms.port;
  const dataDir = tempDataDir();
  let st = await borned(csms.url, dataDir);
  try {
    await csms.waitCall('BootNotification');
    await csms.close();
    await offlineState(st);
    assert.equal(st.ctl('plug', '1', '--ev-max-current', '16').code, 0);
    await st.waitStatus(1, 'Charging');
    // past a few durable meter samples (meter.sample_interval_s)
    await st.waitFor((s) => s.connectors[0].session?.energy_wh > 1500, { what: 'some energy' });
    await st.kill();
    st = await borned(`ws://127.0.0.1:${port}/ocpp`, dataDir);
    // after the power cut the interrupted session is closed (PowerLoss)
    await st.waitStatus(1, 'Available');
    csms = await csmsOn(port);
    keepBooks(csms);
    await st.waitFor((s) => s.station.ocpp.state === 'connected' && s.station.ocpp.queue_length === 0, { what: 'queue flushed', timeoutMs: 60000 });
    const starts = csms.callsOf('StartTransaction');
    const stops = csms.callsOf('StopTransaction');
    const history = (await st.ok('GET', '/api/v1/sessions?limit=10')).sessions;
    assert.equal(starts.length, history.length);
    assert.equal(stops.length, history.length);
    const first = stops.find((s) => s.params.transactionId === starts[0].result.transactionId);
    assert.ok(first, 'the offline session is stopped under the id the back end gave');
    assert.ok(['PowerLoss', 'Reboot'].includes(first.params.reason), `stop reason ${first.params.reason}`);
    assert.ok(first.params.meterStop > starts[0].params.meterStart);
    csms.assertNoViolations();
  } finally {
    await st.stop();
    st.cleanup();
    await csms.close();
  }
});
