// The figures of docs/performance.md (borne-swarm: memory per station, boot
// time): runs build/borne-swarm with N stations against the strict ocpp-rpc
// back end of the tests and prints its private memory from
// /proc/PID/smaps_rollup three seconds before the end, when every station had
// booted (its first BootNotification reached the back end, from the swarm's
// start) and the swarm's CPU time then (user + system, from /proc/PID/stat:
// less sensitive than the wall clock to the other work of a shared machine), the loop's worst lag (a 10 ms timer of this process is not the
// swarm's loop: the lag is read from the swarm's progress lines, which are
// due every second: the largest gap between two of them), and the report's
// counts.
// usage (from tests/, where ocpp-rpc is installed):
//   node ../bench/swarm_memory.mjs STATIONS DURATION_S [RAMP]    e.g. 1000 90 50/s
// BENCH_GDB=1: also attach gdb at the measurement and read the process's
// heap (malloc_stats: in use, arenas) and SQLite's own count of its memory
// (sqlite3_memory_used), and count the descriptors (/proc/PID/fd).
// BENCH_BOOT_INTERVAL=S: the back end's heartbeat interval (default 300);
// BENCH_SCENARIO=FILE: the swarm's --scenario; BENCH_SET="K=V K=V": --set for
// every station. The swarm's CPU time is sampled every 10 s (cpu_samples:
// [s from start, CPU s]) for its steady state.
// BENCH_STDERR=FILE: the swarm's stderr (its progress lines) kept in FILE.
// Printed beside: long_gaps ([s from start, ms] of every gap between progress
// lines over 1.5 s: the loop held, e.g. at a minute mark),
// meter_values_latency_ms (the report's MeterValues p50/p95/p99: from the
// station's send to the answer) and mark_to_csms_ms (from a MeterValues
// reading's timestamp, the clock-aligned mark, to its arrival at the back
// end: p50, p95, max).
// BENCH_OCPP=2.0.1: the stations' --ocpp and the back end's protocol (ws://
// only; default 1.6).
// BENCH_TLS=1: security profile 2 (wss://, a P-256 server certificate from a
// CA made for the run, the stations' AuthorizationKey as the Basic password).
import { Csms } from '../tests/integration/lib/csms.mjs';
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [n = '100', seconds = '25', ramp = '200/s'] = process.argv.slice(2);
const swarm = process.env.BORNE_SWARM ?? new URL('../build/borne-swarm', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'borne-swarm-bench-'));
const report = join(dir, 'report.json');
const tls = process.env.BENCH_TLS === '1';
const KEY = '0123456789abcdef';
let csms;
let security = [];
if (tls) {
  const ossl = (...args) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  ossl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=borne bench CA');
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1\n');
  ossl('req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
  ossl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem',
    '-days', '2', '-extfile', 'server.ext');
  csms = await new Csms({ bootInterval: 300, password: KEY })
    .listenTls({ key: readFileSync(join(dir, 'server.key')), cert: readFileSync(join(dir, 'server.pem')) });
  security = ['--security-profile', '2', '--password', KEY, '--ca-file', join(dir, 'ca.pem')];
} else {
  csms = await new Csms({ bootInterval: Number(process.env.BENCH_BOOT_INTERVAL ?? 300),
    protocol: `ocpp${process.env.BENCH_OCPP ?? '1.6'}` }).listen();
}
const t0 = Date.now();
let allBootedS = null;
let cpuAtBootedS = null;
let p = null;
const cpuS = () => {
  const f = readFileSync(`/proc/${p.pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / 100; /* utime, stime in clock ticks (100 Hz) */
};
const booted = new Set();
/* MeterValues: from the reading's timestamp (the clock-aligned mark) to its
 * arrival at the back end, ms (the stations' clocks follow the back end's) */
const markDelays = [];
csms.on('call', (c) => {
  if (c.action === 'MeterValues') {
    const ts = Date.parse(c.params?.meterValue?.[0]?.timestamp ?? '');
    if (!Number.isNaN(ts)) markDelays.push(c.at - ts);
  }
  if (c.action !== 'BootNotification' || booted.has(c.identity)) return;
  booted.add(c.identity);
  if (booted.size === Number(n)) {
    allBootedS = (Date.now() - t0) / 1000;
    cpuAtBootedS = cpuS();
  }
});
p = spawn(swarm, ['--csms', csms.url, '--stations', n, '--duration', `${seconds}s`, '--report', report,
  '--progress', '1', '--ramp', ramp, ...security,
  ...(process.env.BENCH_OCPP ? ['--ocpp', process.env.BENCH_OCPP] : []),
  ...(process.env.BENCH_SCENARIO ? ['--scenario', process.env.BENCH_SCENARIO] : []),
  ...(process.env.BENCH_SET ?? '').split(' ').filter(Boolean).flatMap((kv) => ['--set', kv])],
{ stdio: ['ignore', 'ignore', 'pipe'] });
const cpuSamples = [];
/* the swarm's RSS read every 250 ms (as the swarm's own rss_kb_max), kept
 * every 2 s: [s from start, the highest VmRSS of those 2 s (kB), VmHWM kB]
 * (when its peak was reached: the ramp, a minute mark) */
const rssSamples = [];
let rssWindowMax = 0;
let rssReads = 0;
const rssSampler = setInterval(() => {
  try {
    const st = readFileSync(`/proc/${p.pid}/status`, 'utf8');
    const v = (k) => Number(st.match(new RegExp(`^${k}:\\s+(\\d+)`, 'm'))[1]);
    rssWindowMax = Math.max(rssWindowMax, v('VmRSS'));
    if (++rssReads % 8 === 0) {
      rssSamples.push([Math.round((Date.now() - t0) / 1000), rssWindowMax, v('VmHWM')]);
      rssWindowMax = 0;
    }
  } catch { /* gone */ }
}, 250);
const sampler = setInterval(() => {
  try {
    cpuSamples.push([Math.round((Date.now() - t0) / 1000), cpuS()]);
  } catch { /* gone */ }
}, 10000);
let lastLine = null;
let maxGapMs = 0;
const longGaps = []; /* [s from start, gap ms] of every gap over 1.5 s (the minute marks) */
let opened = 0; /* stations started, from the progress lines */
let errText = '';
const keepErr = process.env.BENCH_STDERR ? createWriteStream(process.env.BENCH_STDERR) : null;
p.stderr.on('data', (d) => {
  keepErr?.write(d);
  if (process.env.BENCH_GDB === '1') errText = (errText + String(d)).slice(-20000);
  for (const m of String(d).matchAll(/^\[\s*\d+s\] stations (\d+)\//gm)) {
    opened = Number(m[1]);
    const now = Date.now();
    if (lastLine !== null) maxGapMs = Math.max(maxGapMs, now - lastLine);
    if (lastLine !== null && now - lastLine > 1500) longGaps.push([Math.round((now - t0) / 1000), now - lastLine]);
    lastLine = now;
  }
});
let mem = null;
const timer = setTimeout(async () => {
  const r = readFileSync(`/proc/${p.pid}/smaps_rollup`, 'utf8');
  const kb = (k) => Number(r.match(new RegExp(`^${k}:\\s+(\\d+)`, 'm'))[1]);
  mem = { opened_then: opened, rss_kb: kb('Rss'), private_kb: kb('Private_Clean') + kb('Private_Dirty') };
  if (process.env.BENCH_GDB === '1') {
    mem.fds = readdirSync(`/proc/${p.pid}/fd`).length;
    /* gdb exits 1 when a command fails (borne_swarm_pool_mapped in a build
     * before it): what it printed is still read */
    const gdb = (args) => {
      try {
        return execFileSync('gdb', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      } catch (e) {
        return String(e.stdout ?? '');
      }
    };
    const out = gdb(['-p', String(p.pid), '-batch', '-nx',
      '-ex', 'call (long long)sqlite3_memory_used()', '-ex', 'call (int)malloc_trim(0)',
      '-ex', 'call (long long)sqlite3_memory_used()', '-ex', 'call (void)malloc_stats()',
      '-ex', 'call (long long)borne_swarm_pool_mapped()']);
    const vals = [...out.matchAll(/^\$\d+ = (-?\d+)/gm)].map((m) => Number(m[1]));
    mem.sqlite_kb = Math.round(vals[0] / 1024);
    /* SQLite's own pool (since 2026-12-07; absent before): mapped, not in malloc_stats */
    if (vals.length > 3) mem.sqlite_pool_kb = Math.round(vals[3] / 1024);
    const r2 = readFileSync(`/proc/${p.pid}/smaps_rollup`, 'utf8');
    const kb2 = (k) => Number(r2.match(new RegExp(`^${k}:\\s+(\\d+)`, 'm'))[1]);
    mem.private_kb_after_trim = kb2('Private_Clean') + kb2('Private_Dirty');
    await new Promise((resolve) => setTimeout(resolve, 300)); /* malloc_stats' lines on the pipe */
    const total = errText.split('Total (incl. mmap):')[1] ?? '';
    const num = (k) => Number((total.match(new RegExp(`${k} bytes\\s*=\\s*(\\d+)`)) ?? [])[1]);
    mem.heap_system_kb = Math.round(num('system') / 1024);
    mem.heap_in_use_kb = Math.round(num('in use') / 1024);
  }
}, (Number(seconds) - (process.env.BENCH_GDB === '1' ? 10 : 3)) * 1000);
const code = await new Promise((resolve) => p.on('exit', resolve));
clearTimeout(timer);
clearInterval(sampler);
clearInterval(rssSampler);
const r = JSON.parse(readFileSync(report, 'utf8'));
const pct = (a, q) => a[Math.min(a.length - 1, Math.max(0, Math.ceil(q * a.length) - 1))];
markDelays.sort((a, b) => a - b);
const markToCsms = markDelays.length ? { n: markDelays.length, p50: pct(markDelays, 0.5), p95: pct(markDelays, 0.95),
  max: markDelays[markDelays.length - 1] } : null;
console.log(JSON.stringify({ stations: Number(n), ramp, tls, ...mem, all_booted_s: allBootedS, cpu_s_at_all_booted: cpuAtBootedS,
  max_progress_gap_ms: maxGapMs, long_gaps: longGaps, meter_values_latency_ms: r.latency_ms?.MeterValues,
  mark_to_csms_ms: markToCsms, exit: code, booted: r.booted, connected: r.connected, rss_kb_max: r.rss_kb_max, rss_kb_max_stop: r.rss_kb_max_stop,
  messages: r.messages, errors: r.errors, cpu_samples: cpuSamples, rss_samples: rssSamples }));
await csms.close();
rmSync(dir, { recursive: true, force: true });
