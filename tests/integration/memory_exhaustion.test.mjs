// The database's bound (store.max_size_mb) reached for real: a station with
// a 1 MiB bound charges while its back end is away, with a reading every
// simulated second, until its queue fills the database. The station makes
// room (its own history first, then every second queued periodic reading)
// and raises MemoryExhaustion once; when the back end comes back it gets
// the SecurityEventNotification MemoryExhaustion once, the transaction's
// start and end exactly once and in order, and the station is still up.
// OCPP 1.6 against the strict ocpp-rpc; OCPP 2.0.1 against the strict
// ocpp-rpc, and against the strict ocpp-ws-io in memory_exhaustion_ws_io.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startBorned, tempDataDir } from './lib/borne.mjs';
import { Csms } from './lib/csms.mjs';
import { Peer201 } from './lib/ocpp201.mjs';

const WS_IO = process.env.BORNE_OCPP_PEER === 'ocpp-ws-io';
const SPEED = 600;

const SET = {
  'store.max_size_mb': '1',
  'meter.sample_interval_s': '1',
  'ocpp.MinimumStatusDuration': '0',
  'ocpp.reconnect_max_s': '2',
  'ocpp.MeterValueSampleInterval': '1',
  // large readings (every phase): the megabyte fills in fewer of them
  'ocpp.MeterValuesSampledData': 'Energy.Active.Import.Register,Power.Active.Import,Current.Import,Voltage,Frequency,Current.Offered',
  'ocpp.TransactionMessageRetryInterval': '1',
};

const isExhaustion = (e) => e.detail.startsWith('MemoryExhaustion');

/* Offline, both connectors charging (20 readings a second each: the meter's
 * pace at a high --sim-speed), until the station says it is out of room;
 * then the cars leave (the transactions' ends are queued on a full
 * database). */
async function fillOffline(st) {
  await st.waitFor((s) => s.station.ocpp && s.station.ocpp.state !== 'connected', { what: 'ocpp offline' });
  for (const c of ['1', '2'])
    assert.equal(st.ctl('plug', c, '--ev-max-current', '32', '--phases', '3', '--battery-kwh', '200', '--soc', '1').code, 0);
  await st.waitFor((s) => s.connectors.every((c) => c.status === 'Charging'), { what: 'both charging' });
  const ev = await st.waitEvent('security', { match: isExhaustion, timeoutMs: 60000 });
  assert.ok(ev.detail.includes('full'), ev.detail);
  for (const c of ['1', '2']) assert.equal(st.ctl('unplug', c).code, 0);
  await st.waitFor((s) => s.connectors.every((c) => c.status === 'Available'), { what: 'both available' });
  // once per episode: the back end still away, no second MemoryExhaustion
  const again = (await st.ok('GET', `/api/v1/events?after=${ev.id}&limit=1000`)).events.filter((e) => e.kind === 'security' && isExhaustion(e));
  assert.equal(again.length, 0, 'MemoryExhaustion raised once while the back end is away');
  return ev;
}

function assertAlive(st) {
  assert.equal(st.proc.exitCode, null, 'borned did not exit');
  assert.equal(st.proc.signalCode, null, 'borned did not crash');
}

test('OCPP 1.6: the queue fills the bounded database offline; MemoryExhaustion once, the start and the stop once each, in order', { skip: WS_IO }, async () => {
  let csms = await new Csms({ bootInterval: 3600 }).listen(0);
  const port = csms.port;
  const st = await startBorned({
    dataDir: tempDataDir(), connectors: 2, auth: 'free', speed: SPEED, args: ['--csms', csms.url],
    set: { ...SET, 'station.id': 'cp-memex16' },
  });
  try {
    await csms.waitCall('BootNotification');
    await csms.close();
    await fillOffline(st);
    csms = await new Csms({ bootInterval: 3600 }).listen(port);
    await csms.waitCall('StopTransaction', { timeoutMs: 60000 });
    await st.waitFor((s) => s.station.ocpp.state === 'connected' && s.station.ocpp.queue_length === 0, { what: 'queue flushed', timeoutMs: 60000 });
    const mem = csms.callsOf('SecurityEventNotification').filter((c) => c.params.type === 'MemoryExhaustion');
    assert.equal(mem.length, 1, 'one SecurityEventNotification MemoryExhaustion');
    // per transaction: its start, its readings in time order, its stop, each once
    const starts = csms.callsOf('StartTransaction');
    const stops = csms.callsOf('StopTransaction');
    assert.equal(starts.length, 2, 'one StartTransaction per connector');
    assert.equal(stops.length, 2, 'one StopTransaction per connector');
    for (const [i, start] of starts.entries()) {
      const c = start.params.connectorId;
      const tx = csms.calls.filter((m) => ['StartTransaction', 'MeterValues', 'StopTransaction'].includes(m.action) && m.params.connectorId === c);
      const stop = stops.filter((m) => m.params.transactionId === 1000 + i);
      assert.equal(stop.length, 1, `one stop for transaction ${1000 + i}`);
      assert.equal(tx[0], start, `connector ${c}: the start first`);
      const mv = tx.filter((m) => m.action === 'MeterValues');
      assert.ok(mv.length > 2, `connector ${c}: periodic readings delivered (${mv.length})`);
      assert.ok(mv.every((m) => m.params.transactionId === 1000 + i), 'readings carry the back end\'s transaction id');
      const times = mv.map((m) => m.params.meterValue[0].timestamp);
      assert.deepEqual(times, [...times].sort(), `connector ${c}: readings in time order`);
      assert.ok(csms.calls.indexOf(stop[0]) > csms.calls.indexOf(mv.at(-1)), `connector ${c}: the stop after the readings`);
    }
    assertAlive(st);
    csms.assertNoViolations();
  } finally {
    await st.stop();
    st.cleanup();
    await csms.close();
  }
});

test(`OCPP 2.0.1 (${WS_IO ? 'ocpp-ws-io' : 'ocpp-rpc'} strict): the queue fills the bounded database offline; MemoryExhaustion once, Started and Ended once each, in order`, async () => {
  const peer = (port = 0) => new Peer201({ protocol: 'ocpp2.0.1', bootInterval: 3600, tags: { FREECHARGING: 'Accepted' } }).listen(port);
  let csms = await peer();
  const port = csms.port;
  const st = await startBorned({
    dataDir: tempDataDir(), connectors: 2, auth: 'free', speed: SPEED, args: ['--csms', csms.url],
    set: { ...SET, 'station.id': WS_IO ? 'cs-memex16-wsio' : 'cs-memex16', 'ocpp.version': '2.0.1' },
  });
  try {
    await csms.waitCall('BootNotification');
    await csms.close();
    await fillOffline(st);
    csms = await peer(port);
    await csms.waitCall('TransactionEvent', { match: (p) => p.eventType === 'Ended', timeoutMs: 60000 });
    await st.waitFor((s) => s.station.ocpp.state === 'connected' && s.station.ocpp.queue_length === 0, { what: 'queue flushed', timeoutMs: 60000 });
    const mem = csms.callsOf('SecurityEventNotification').filter((c) => c.params.type === 'MemoryExhaustion');
    assert.equal(mem.length, 1, 'one SecurityEventNotification MemoryExhaustion');
    const all = csms.callsOf('TransactionEvent');
    const ids = [...new Set(all.map((c) => c.params.transactionInfo.transactionId))];
    assert.equal(ids.length, 2, 'one transaction per connector');
    for (const id of ids) {
      const tx = all.filter((c) => c.params.transactionInfo.transactionId === id);
      assert.equal(tx.filter((c) => c.params.eventType === 'Started').length, 1, `${id}: Started once`);
      assert.equal(tx.filter((c) => c.params.eventType === 'Ended').length, 1, `${id}: Ended once`);
      assert.equal(tx[0].params.eventType, 'Started', `${id}: Started first`);
      assert.equal(tx.at(-1).params.eventType, 'Ended', `${id}: Ended last`);
      // seqNo grows through the transaction (readings refused leave gaps, never a repeat)
      for (let i = 1; i < tx.length; i++) assert.ok(tx[i].params.seqNo > tx[i - 1].params.seqNo, `${id}: seqNo ${tx[i].params.seqNo} after ${tx[i - 1].params.seqNo}`);
    }
    const tx = all;
    assert.ok(tx.every((c) => c.params.offline === true), 'every event says it was queued offline');
    assertAlive(st);
    csms.assertNoViolations();
  } finally {
    await st.stop();
    st.cleanup();
    await csms.close();
  }
});
