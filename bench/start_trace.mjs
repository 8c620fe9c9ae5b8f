// Timeline of borned's start (issue 15): for each start, milliseconds from just before spawn to
// each phase as the outside sees it: the first log line (main runs), the back end's WebSocket
// connection, the BootNotification, both connectors' StatusNotification Available, the "ready"
// log line (HTTP server listening). Several builds are alternated start by start, so that a
// loaded machine weighs on each the same; medians per build. Each start gets a fresh data
// directory (a first start: schema, api-token, keys). Prints a markdown table; asserts nothing.
//
//   node bench/start_trace.mjs build/borned /path/to/other/borned ...
// Environment: BENCH_RUNS (starts per build, default 15). BENCH_KEPT=1: each timed start is a
// restart on kept data (a first start on the data directory, not timed, stopped with SIGTERM once
// both connectors are Available, then the timed start on what it kept: its database, api-token,
// keys), as a station installed once starts at each power-up.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { startCsms } from '../tests/integration/lib/csms.mjs';

const bins = process.argv.slice(2);
if (!bins.length) bins.push('build/borned');
const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const KEPT = process.env.BENCH_KEPT === '1';
const PHASES = ['first log line', 'WebSocket connected', 'BootNotification', 'both Available', 'ready (HTTP listening)'];

const now = () => Number(process.hrtime.bigint()) / 1e6;
const median = (xs) => { const s = xs.filter((x) => x !== null).sort((a, b) => a - b); return s.length ? s[Math.floor(s.length / 2)] : NaN; };

async function oneStart(bin, dir = mkdtempSync(join(tmpdir(), 'bench-trace-')), keep = false) {
  const csms = await startCsms();
  const t = Object.fromEntries(PHASES.map((p) => [p, null]));
  const avail = new Set();
  let done;
  const finished = new Promise((r) => { done = r; });
  const check = () => { if (PHASES.every((p) => t[p] !== null)) done(); };
  csms.on('connect', () => { t['WebSocket connected'] ??= now() - t0; check(); });
  csms.on('call', (c) => {
    if (c.action === 'BootNotification') t.BootNotification ??= now() - t0;
    if (c.action === 'StatusNotification' && c.params.status === 'Available' && c.params.connectorId > 0) {
      avail.add(c.params.connectorId);
      if (avail.size === 2) t['both Available'] ??= now() - t0;
    }
    check();
  });
  const args = ['--sim', '--data-dir', dir, '--http', '127.0.0.1:0', '--log-level', 'info', '--connectors', '2',
    '--csms', csms.url, '--set', 'auth.mode=ocpp', '--set', 'station.id=bench-trace', '--set', 'ocpp.MinimumStatusDuration=0'];
  const t0 = now();
  const proc = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  proc.stderr.on('data', (chunk) => {
    t['first log line'] ??= now() - t0;
    log += chunk.toString();
    if (/ready: API on/.test(log)) t['ready (HTTP listening)'] ??= now() - t0;
    check();
  });
  const timeout = setTimeout(done, 20000);
  await finished;
  clearTimeout(timeout);
  proc.kill('SIGTERM');
  if (proc.exitCode === null) await once(proc, 'exit');
  await csms.close?.();
  if (!keep) rmSync(dir, { recursive: true, force: true });
  return t;
}

/* A restart on kept data: a first start (not timed) on a fresh directory, then the timed one. */
async function oneRestart(bin) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-trace-'));
  await oneStart(bin, dir, true);
  return oneStart(bin, dir);
}

const results = bins.map(() => []);
const load0 = loadavg();
for (let r = 0; r < RUNS; r++)
  for (let i = 0; i < bins.length; i++) {
    const t = await (KEPT ? oneRestart : oneStart)(bins[i]);
    results[i].push(t);
    console.error(`run ${r + 1}/${RUNS} ${bins[i]}: ${PHASES.map((p) => `${p} ${t[p]?.toFixed(1)}`).join(', ')}`);
  }
const load1 = loadavg();
console.log(`\n${KEPT ? 'restart on kept data' : 'start'} timeline, ms from spawn, medians of ${RUNS} starts per build (alternated); load average ${load0.map((x) => x.toFixed(1)).join(' ')} -> ${load1.map((x) => x.toFixed(1)).join(' ')}\n`);
console.log(`| phase | ${bins.join(' | ')} |`);
console.log(`|---|${bins.map(() => '---|').join('')}`);
for (const p of PHASES) console.log(`| ${p} | ${results.map((rs) => median(rs.map((t) => t[p])).toFixed(1)).join(' | ')} |`);
// exec -> main moves most with the machine's load; what borned itself does comes after it
for (const p of PHASES.slice(1))
  console.log(`| ${p}, after the first log line | ${results.map((rs) => median(rs.map((t) => (t[p] === null || t[PHASES[0]] === null ? null : t[p] - t[PHASES[0]]))).toFixed(1)).join(' | ')} |`);
