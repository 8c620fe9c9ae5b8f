// borne-swarm killed with SIGKILL while its stations charge offline (docs/swarm.md,
// "Storage: what is promised"): 20 stations boot against the strict ocpp-rpc back
// end (a first run, ended), then run with the back end out of reach (their
// ocpp.url refused) while cars come and go, so every station queues its
// StartTransaction and StopTransaction messages; once enough are queued the swarm
// is killed (-9), then started again on the same --data-dir with the same ids, the
// back end back and no cars. Checks at the back end: every transaction's start and
// stop arrived exactly once, the start before the stop, each connector's messages
// in the order they happened, and all of them after the restart. Nothing is in
// flight at the kill (no station can reach the back end), so exactly once is what
// the journal promises, not luck: a message whose answer a cut line loses is sent
// again, as OCPP wants. Waits on the swarm's progress lines and the back end's
// calls, never sleeps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDataDir } from './lib/borne.mjs';
import { Csms } from './lib/csms.mjs';

const SWARM = process.env.BORNE_SWARM ?? 'build/borne-swarm';
const STATIONS = 20;

/* borne-swarm with its progress lines as events: `last` is the latest line's counts */
function startSwarm(args) {
  const proc = spawn(SWARM, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const run = Object.assign(new EventEmitter(), { proc, stderr: '', last: null });
  proc.stderr.on('data', (d) => {
    run.stderr += d;
    for (const m of String(d).matchAll(/\[\s*(\d+)s\] stations (\d+)\/\d+\s+connected (\d+)\s+booting (\d+)\s+booted (\d+)\s+charging (\d+)\s+offline (\d+)\s+queued (\d+)/g)) {
      run.last = { t: +m[1], started: +m[2], connected: +m[3], booted: +m[5], charging: +m[6], offline: +m[7], queued: +m[8] };
      run.emit('line');
    }
  });
  run.exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  return run;
}

/* resolves when ready() holds after a progress line, rejects if the swarm ends first */
function until(run, ready, what) {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!ready(run.last)) return;
      run.off('line', check);
      resolve();
    };
    run.on('line', check);
    run.exited.then(({ code, signal }) =>
      reject(new Error(`borne-swarm ended (${code ?? signal}) before ${what}: ${JSON.stringify(run.last)}\n${run.stderr.slice(-2000)}`)));
  });
}

test('kill -9 of the swarm with queued transactions: each start and stop arrives once, in order', { timeout: 240000 }, async () => {
  const tags = {};
  for (let i = 1; i <= 20; i++) tags[`KILL${String(i).padStart(4, '0')}`] = 'Accepted';
  const csms = await new Csms({ tags, bootInterval: 60 }).listen();
  const dir = tempDataDir();
  const common = ['--stations', String(STATIONS), '--id-prefix', 'KL', '--ramp', '200/s', '--duration', '90s',
    '--data-dir', join(dir, 'stations'), '--progress', '1',
    '--set', 'ocpp.reconnect_max_s=2', '--set', 'ocpp.TransactionMessageRetryInterval=1'];
  /* 360 cars an hour per station, a few seconds' stay; a badge the station has
   * not seen starts a session offline (ocpp.AllowOfflineTxForUnknownId) */
  writeFileSync(join(dir, 'cars.json'), JSON.stringify({
    seed: 9,
    arrivals_per_hour: 360,
    session_minutes: { mean: 0.08, sd: 0.02, min: 0.05, max: 0.12 },
    energy_kwh: { mean: 5, sd: 1, min: 1, max: 10 },
    badges: { count: 20, prefix: 'KILL', unknown_share: 0 },
    meter_interval_s: 60,
    heartbeat_interval_s: 60,
  }));
  writeFileSync(join(dir, 'quiet.json'), JSON.stringify({ seed: 9, arrivals_per_hour: 0 }));
  const runs = [];
  const start = (args) => {
    const run = startSwarm(args);
    runs.push(run);
    return run;
  };
  try {
    // 1. every station boots once against the back end; ended normally
    const boot = start(['--csms', csms.url, ...common, '--scenario', join(dir, 'quiet.json')]);
    await until(boot, (l) => l && l.booted === STATIONS, 'every station booted');
    boot.proc.kill('SIGTERM');
    assert.equal((await boot.exited).code, 0, boot.stderr.slice(-2000));
    const bootCalls = csms.calls.length;

    // 2. the back end out of reach, cars charging (about 2 a second in all):
    // killed 20 s into the run by its clock (its progress lines)
    const cut = start(['--csms', 'ws://127.0.0.1:9/ocpp', ...common, '--scenario', join(dir, 'cars.json'),
      '--set', 'ocpp.AllowOfflineTxForUnknownId=true']);
    await until(cut, (l) => l && l.started === STATIONS && l.t >= 20 && l.queued >= 16, '20 s of queueing');
    cut.proc.kill('SIGKILL');
    assert.equal((await cut.exited).signal, 'SIGKILL');
    const killedAt = Date.now();
    assert.equal(csms.calls.length, bootCalls, 'the back end heard from a station it was cut off from');

    // 3. the back end back, no cars: every queue drains, as many stops as starts
    // (a session the kill cut short is ended by the restart)
    const again = start(['--csms', csms.url, ...common, '--scenario', join(dir, 'quiet.json')]);
    const balanced = () => csms.callsOf('StopTransaction').length >= csms.callsOf('StartTransaction').length;
    await until(again, (l) => l && l.started === STATIONS && l.connected === STATIONS && l.booted === STATIONS &&
      l.queued === 0 && balanced(), 'every queue drained');
    again.proc.kill('SIGTERM');
    const ended = await again.exited;
    assert.equal(ended.code, 0, again.stderr.slice(-3000));
    csms.assertNoViolations();

    const starts = csms.callsOf('StartTransaction');
    const stops = csms.callsOf('StopTransaction');
    assert.ok(starts.length >= 8, `only ${starts.length} sessions started`);
    for (const c of [...starts, ...stops]) {
      assert.ok(c.at > killedAt, `${c.identity} ${c.action} reached the back end before the restart`);
      assert.ok(Date.parse(c.params.timestamp) < killedAt, `${c.identity} ${c.action} at ${c.params.timestamp}: after the kill`);
    }
    // exactly once: no start twice (its station, connector and time)
    const keys = starts.map((s) => `${s.identity}/${s.params.connectorId}/${s.params.timestamp}`);
    assert.equal(new Set(keys).size, keys.length, 'a StartTransaction reached the back end twice');
    // the back end numbers transactions from 1000 in the order of the starts
    const startOf = new Map(starts.map((s, i) => [1000 + i, s]));
    const stopped = new Map();
    for (const s of stops) {
      const tx = s.params.transactionId;
      const st = startOf.get(tx);
      assert.ok(st, `StopTransaction for unknown transaction ${tx}`);
      assert.equal(st.identity, s.identity, `transaction ${tx} stopped by another station`);
      assert.ok(!stopped.has(tx), `transaction ${tx} stopped twice: ${JSON.stringify([stopped.get(tx), s])}`);
      assert.ok(s.at >= st.at, `transaction ${tx}: its stop arrived before its start`);
      assert.ok(Date.parse(s.params.timestamp) >= Date.parse(st.params.timestamp), `transaction ${tx}: stopped before started`);
      stopped.set(tx, s);
    }
    for (const tx of startOf.keys()) assert.ok(stopped.has(tx), `transaction ${tx} never stopped`);
    // each connector's sessions follow one another: its starts and stops arrived in
    // the order they happened (a session the kill cut short is stopped, PowerLoss,
    // at the last moment the station knew, before its other connector's later news)
    const byConnector = new Map();
    for (const c of csms.calls.filter((c) => c.action === 'StartTransaction' || c.action === 'StopTransaction')) {
      const st = c.action === 'StartTransaction' ? c : startOf.get(c.params.transactionId);
      const key = `${c.identity}/${st.params.connectorId}`;
      if (!byConnector.has(key)) byConnector.set(key, []);
      byConnector.get(key).push(c);
    }
    for (const [key, list] of byConnector)
      for (let i = 1; i < list.length; i++) {
        assert.notEqual(list[i].action, list[i - 1].action, `${key}: two ${list[i].action} in a row`);
        assert.ok(Date.parse(list[i].params.timestamp) >= Date.parse(list[i - 1].params.timestamp),
          `${key}: ${list[i].action} at ${list[i].params.timestamp} arrived after ${list[i - 1].action} at ${list[i - 1].params.timestamp}`);
      }
  } finally {
    for (const run of runs) if (run.proc.exitCode === null && run.proc.signalCode === null) run.proc.kill('SIGKILL');
    await csms.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
