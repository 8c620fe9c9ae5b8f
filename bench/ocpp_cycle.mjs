// Benchmark of the whole station against an OCPP back end (make bench; issue 15): a strict
// ocpp-rpc central system (tests/integration/lib/csms.mjs), borned with 2 simulated connectors,
// OCPP connected and the web server up, driven only through its HTTP API. It measures what a
// station costs the box it runs on: start to BootNotification and to both connectors
// Available at the back end (warm, and cold after dropping the page cache when allowed),
// private memory and RSS at idle, CPU per authorize -> start -> meter values -> stop cycle and
// per idle minute (from /proc: utime+stime, and per cycle also schedstat's ns), shared libraries
// and the stripped binary. With
// MICROOCPP_SIM=/path/to/mo_simulator the same cycle runs MicroOcppSimulator against the same
// back end, and a ratio column is printed. Prints a markdown table; asserts nothing.
// BENCH_OCPP=2.0.1 runs the same cycle in OCPP 2.0.1 (issue 16): the back end speaks
// `ocpp2.0.1` (ocpp-rpc strict, the 2.0.1 schemas), borned has `ocpp.version=2.0.1`,
// MicroOcppSimulator is switched to 2.0.1 by `OcppVersion` in its mo_store/simulator.jsn (its
// back end URL and identity then come from mo_store/ws-conn-v201.jsn); the transaction is
// TransactionEvent Started / Updated / Ended, the meter values a MeterValues asked for by
// TriggerMessage (an implementation that does not accept it goes on without: the table says so).
// BENCH_TRIGGER=0 leaves the TriggerMessage step out of the cycle (for both implementations).
//
// A restart is measured too: a station stopped and started again on the data it kept (its
// database, MicroOcpp's mo_store), which is how a station installed once starts at each power-up;
// the first start of a fresh data directory is the "warm" row.
//
// Environment: BENCH_RUNS (warm runs, default 5; medians), BENCH_COLD_RUNS (default 3),
// BENCH_RESTART_RUNS (restarts on kept data, default 3),
// BENCH_CYCLES (charging cycles per run, default 20), BENCH_IDLE_S (idle CPU window, default 60).
// BORNED=path/to/borned measures that binary instead of BUILD/borned (an A/B of two builds).
// BENCH_ATTACH='perf stat -e instructions -p {pid}' runs that command (split on spaces, {pid}
// replaced) attached to each implementation during its counted cycles and stops it with SIGINT
// after them; its output goes to stderr (a profile or an instruction count per cycle).
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { once } from 'node:events';
import { startBorned } from '../tests/integration/lib/borne.mjs';
import { startCsms } from '../tests/integration/lib/csms.mjs';

const build = process.argv[2] ?? 'build';
process.env.BORNED ??= `${build}/borned`;
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const COLD_RUNS = Number(process.env.BENCH_COLD_RUNS ?? Math.min(3, RUNS));
const RESTART_RUNS = Number(process.env.BENCH_RESTART_RUNS ?? Math.min(3, RUNS));
const CYCLES = Number(process.env.BENCH_CYCLES ?? 20);
const IDLE_S = Number(process.env.BENCH_IDLE_S ?? 60);
const SETTLE_MS = 2000; /* after both Available, before "idle" figures */
const MO_SIM = process.env.MICROOCPP_SIM ? resolve(process.env.MICROOCPP_SIM) : null;
const TAG = 'BENCH01';
const V201 = process.env.BENCH_OCPP === '2.0.1';
if (process.env.BENCH_OCPP && !V201 && process.env.BENCH_OCPP !== '1.6') throw new Error(`BENCH_OCPP: 1.6 or 2.0.1, not ${process.env.BENCH_OCPP}`);
const TRIGGER = process.env.BENCH_TRIGGER !== '0';
const PROTOCOL = V201 ? 'ocpp2.0.1' : 'ocpp1.6';
const TICK_MS = 1000 / Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim() || 100);

const now = () => Number(process.hrtime.bigint()) / 1e6;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[Math.floor(s.length / 2)] : NaN; };

function cpuTicks(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(f[11]) + Number(f[12]); /* utime + stime */
}
/* CPU time in ns of every thread alive (sum_exec_runtime, /proc/PID/task/TID/schedstat): the
 * same clock as utime+stime without its 10 ms tick, which over 20 cycles only resolves 0.5 ms. */
function cpuNs(pid) {
  let ns = 0;
  for (const t of readdirSync(`/proc/${pid}/task`)) {
    try { ns += Number(readFileSync(`/proc/${pid}/task/${t}/schedstat`, 'utf8').split(' ')[0]); } catch { /* thread gone */ }
  }
  return ns;
}
function memory(pid) {
  const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kb = (k) => Number(text.match(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm'))[1]);
  /* the [heap] mapping's private dirty pages (glibc's main arena) */
  const heap = readFileSync(`/proc/${pid}/smaps`, 'utf8').match(/\[heap\]\n(?:.*\n)*?Private_Dirty:\s+(\d+) kB/);
  return { rss: kb('Rss'), pss: kb('Pss'), priv: kb('Private_Clean') + kb('Private_Dirty'), dirty: kb('Private_Dirty'), heap: heap ? Number(heap[1]) : 0 };
}
function mappedLibs(pid) {
  const paths = new Set();
  for (const line of readFileSync(`/proc/${pid}/maps`, 'utf8').split('\n')) {
    const p = line.split(/\s+/)[5];
    if (p && p.startsWith('/') && /\.so(\.|$)/.test(p)) paths.add(p);
  }
  return { n: paths.size, bytes: [...paths].reduce((a, p) => a + statSync(p).size, 0) };
}
function lddClosure(bin) {
  const out = spawnSync('ldd', [bin], { encoding: 'utf8' }).stdout ?? '';
  const paths = new Set();
  for (const m of out.matchAll(/(\/\S+\.so[^\s]*)/g)) paths.add(m[1]);
  return { n: paths.size, bytes: [...paths].reduce((a, p) => a + statSync(p).size, 0) };
}
function strippedSize(bin) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-strip-'));
  const copy = join(dir, 'bin');
  copyFileSync(bin, copy);
  spawnSync('strip', [copy]);
  const size = statSync(copy).size;
  rmSync(dir, { recursive: true, force: true });
  return size;
}
/* Cold start: drop the page cache (needs root and a writable /proc/sys). */
function dropCaches() {
  spawnSync('sync');
  try { writeFileSync('/proc/sys/vm/drop_caches', '3\n'); return null; } catch (e) { return e.code ?? String(e); }
}
async function freePort() {
  const srv = createServer();
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address();
  await new Promise((r) => srv.close(r));
  return port;
}
async function http(method, url, body, headers = {}) {
  const res = await fetch(url, { method, headers: body === undefined ? headers : { ...headers, 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  if (res.status < 200 || res.status > 299) throw new Error(`${method} ${url} -> ${res.status}: ${text}`);
  return text;
}

/* The back end's view of a start: when BootNotification and both Available arrived. */
function watchStart(csms, t0, what, timeoutMs = 20000) {
  const seen = { boot: null, avail: null };
  const avail = new Set();
  let t;
  seen.done = new Promise((resolve, reject) => {
    t = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
    csms.on('call', (c) => {
      if (c.action === 'BootNotification' && seen.boot === null) seen.boot = now() - t0;
      /* 1.6: connectorId and status; 2.0.1: evseId (and connectorId 1 of it) and connectorStatus */
      const id = V201 ? c.params.evseId : c.params.connectorId;
      if (c.action === 'StatusNotification' && (V201 ? c.params.connectorStatus : c.params.status) === 'Available' && id > 0) {
        avail.add(id);
        if (avail.size === 2 && seen.avail === null) { seen.avail = now() - t0; resolve(); }
      }
    });
  }).finally(() => clearTimeout(t));
  return seen;
}

/* borned: 2 connectors, authorization by the back end, API and web page on a port. */
const borne = {
  name: 'borne',
  bin: process.env.BORNED,
  async start(csms, dataDir) {
    return startBorned({
      connectors: 2, auth: 'ocpp', dataDir,
      args: ['--csms', csms.url],
      set: { 'station.id': 'bench-borne', 'ocpp.MinimumStatusDuration': '0', ...(V201 ? { 'ocpp.version': '2.0.1' } : {}) },
    }).then((st) => ({
      pid: st.proc.pid,
      plug: () => st.ok('POST', '/api/v1/sim/connectors/1/plug', {}),
      tap: () => st.ok('POST', '/api/v1/sim/tap', { uid: TAG }),
      unplug: () => st.ok('POST', '/api/v1/sim/connectors/1/unplug', {}),
      stop: async (keepData) => { await st.stop(); if (!keepData) st.cleanup(); },
    }));
  },
};

/* MicroOcppSimulator: its store (./mo_store) in a fresh directory, REST API on a free port. */
const micro = {
  name: 'MicroOcpp',
  bin: MO_SIM,
  async start(csms, keptDir) {
    const dir = keptDir ?? mkdtempSync(join(tmpdir(), 'bench-mo-'));
    mkdirSync(join(dir, 'mo_store'), { recursive: true });
    const apiPort = await freePort();
    const api = `http://127.0.0.1:${apiPort}`;
    writeFileSync(join(dir, 'mo_store', 'api.jsn'), JSON.stringify({ url: api }));
    const cfg = (type, key, value) => ({ type, key, value });
    const head = { 'content-type': 'ocpp_config_file', version: '2.0' };
    if (V201) {
      /* the simulator reads OcppVersion from simulator.jsn (src/main.cpp, load_ocpp_version);
       * in 2.0.1 its WebSocket client keeps the URL and identity as SecurityCtrlr variables */
      writeFileSync(join(dir, 'mo_store', 'simulator.jsn'), JSON.stringify({ head, configurations: [cfg('string', 'OcppVersion', '2.0.1')] }));
      const v = (name, valActual) => ({ component: 'SecurityCtrlr', name, valActual });
      writeFileSync(join(dir, 'mo_store', 'ws-conn-v201.jsn'), JSON.stringify({ variables: [v('CsmsUrl', csms.url), v('Identity', 'bench-mo'), v('BasicAuthPassword', '')] }));
    } else {
      writeFileSync(join(dir, 'mo_store', 'ws-conn.jsn'), JSON.stringify({
        head,
        configurations: [cfg('string', 'Cst_BackendUrl', csms.url), cfg('string', 'Cst_ChargeBoxId', 'bench-mo')],
      }));
    }
    const proc = spawn(MO_SIM, [], { cwd: dir, stdio: ['ignore', 'ignore', 'ignore'] });
    const exited = once(proc, 'exit');
    /* ready when the API answers */
    for (const deadline = Date.now() + 20000; ;) {
      try { await http('GET', `${api}/api/connectors`); break; } catch (e) {
        if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`MicroOcppSimulator did not come up: ${e.message}`);
        await sleep(5);
      }
    }
    return {
      pid: proc.pid,
      plug: () => http('POST', `${api}/api/plugin?evse_id=1`),
      tap: () => http('POST', `${api}/api/connector/1/transaction`, { idTag: TAG }),
      unplug: () => http('POST', `${api}/api/plugout?evse_id=1`),
      stop: async (keepData) => {
        if (proc.exitCode === null) proc.kill('SIGINT');
        const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(t);
        if (!keepData) rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

/*
 * One charging cycle on connector 1, seen from the back end: EV plugged, badge presented
 * (Authorize, StartTransaction), Charging; meter values asked for by TriggerMessage; the same
 * badge again (StopTransaction); EV unplugged, Available. Returns the OCPP calls it took.
 */
async function cycle16(csms, h) {
  const from = csms.calls.length;
  await h.plug();
  await h.tap();
  await csms.waitCall('StartTransaction', { from, match: (p) => p.connectorId === 1 });
  await csms.waitCall('StatusNotification', { from, match: (p) => p.connectorId === 1 && p.status === 'Charging' });
  const mvFrom = csms.calls.length;
  const r = await csms.call('TriggerMessage', { requestedMessage: 'MeterValues', connectorId: 1 });
  if (r.status !== 'Accepted') throw new Error(`TriggerMessage MeterValues: ${r.status}`);
  await csms.waitCall('MeterValues', { from: mvFrom, match: (p) => p.connectorId === 1 });
  await h.tap();
  await csms.waitCall('StopTransaction', { from });
  await h.unplug();
  await csms.waitCall('StatusNotification', { from, match: (p) => p.connectorId === 1 && p.status === 'Available' });
  return csms.calls.slice(from).map((c) => (c.action === 'StatusNotification' ? `Status(${c.params.connectorId} ${c.params.status})` : c.action));
}

/*
 * The same cycle in OCPP 2.0.1: EV plugged, badge presented (Authorize, TransactionEvent
 * Started / Updated) until the transaction is Charging; the back end sends TriggerMessage
 * MeterValues for EVSE 1 -> MeterValues (when the station accepts it: `h.noTrigger` is set
 * otherwise); the same badge again (TransactionEvent with StopAuthorized or Ended); EV unplugged,
 * the transaction Ended and the EVSE Available.
 */
async function cycle201(csms, h) {
  const from = csms.calls.length;
  const te = (p) => p.evse?.id === 1 || p.evse === undefined;
  await h.plug();
  await h.tap();
  await csms.waitCall('TransactionEvent', { from, match: (p) => te(p) && p.eventType !== 'Ended' && p.transactionInfo.chargingState === 'Charging' });
  if (TRIGGER) {
    const mvFrom = csms.calls.length;
    const r = await csms.call('TriggerMessage', { requestedMessage: 'MeterValues', evse: { id: 1 } });
    if (r.status === 'Accepted') await csms.waitCall('MeterValues', { from: mvFrom, match: (p) => p.evseId === 1 });
    else h.noTrigger = r.status;
  }
  const stopFrom = csms.calls.length;
  await h.tap();
  await csms.waitCall('TransactionEvent', { from: stopFrom, match: (p) => te(p) && (p.eventType === 'Ended' || p.triggerReason === 'StopAuthorized') });
  await h.unplug();
  await csms.waitCall('TransactionEvent', { from, match: (p) => te(p) && p.eventType === 'Ended' });
  await csms.waitCall('StatusNotification', { from, match: (p) => p.evseId === 1 && p.connectorStatus === 'Available' });
  return csms.calls.slice(from).map((c) =>
    c.action === 'StatusNotification' ? `Status(${c.params.evseId}/${c.params.connectorId} ${c.params.connectorStatus})`
      : c.action === 'TransactionEvent' ? `TransactionEvent(${c.params.eventType} ${c.params.triggerReason}${c.params.transactionInfo.chargingState ? ` ${c.params.transactionInfo.chargingState}` : ''})`
        : c.action);
}
const cycle = V201 ? cycle201 : cycle16;

/* BENCH_ATTACH: a profiler or counter attached to `pid` for the counted cycles. */
async function attach(impl, pid) {
  if (!process.env.BENCH_ATTACH) return null;
  const argv = process.env.BENCH_ATTACH.split(' ').filter(Boolean).map((a) => a.replaceAll('{pid}', String(pid)).replaceAll('{impl}', impl.name));
  process.stderr.write(`attached to ${impl.name} (pid ${pid}): ${argv.join(' ')}\n`);
  const p = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'inherit', 'inherit'] });
  const exited = once(p, 'exit');
  await sleep(500); /* the tool attached */
  return { stop: async () => { p.kill('SIGINT'); await exited; } };
}

/* One start of `impl` against a fresh back end; keep = leave it running (for the idle figures). */
async function run(impl, { cold, cycles, keep }) {
  const csms = await startCsms({ tags: { [TAG]: 'Accepted' }, protocol: PROTOCOL });
  let dropErr = null;
  if (cold) dropErr = dropCaches();
  const t0 = now();
  const seen = watchStart(csms, t0, `${impl.name}: both connectors Available at the back end`);
  const h = await impl.start(csms);
  await seen.done;
  const out = { boot: seen.boot, avail: seen.avail, dropErr };
  if (!cold) {
    await sleep(SETTLE_MS);
    out.mem = memory(h.pid);
    if (cycles) {
      out.trace = await cycle(csms, h); /* warm-up, not counted */
      const attached = await attach(impl, h.pid);
      const c0 = cpuTicks(h.pid), n0 = cpuNs(h.pid);
      let calls = 0, txEvents = 0;
      for (let i = 0; i < cycles; i++) {
        const trace = await cycle(csms, h);
        calls += trace.length;
        txEvents += trace.filter((a) => /^(TransactionEvent|StartTransaction|StopTransaction)/.test(a)).length;
      }
      out.cycleMs = ((cpuTicks(h.pid) - c0) * TICK_MS) / cycles;
      out.cycleNsMs = (cpuNs(h.pid) - n0) / 1e6 / cycles;
      await attached?.stop();
      out.callsPerCycle = calls / cycles;
      out.txPerCycle = txEvents / cycles;
      out.noTrigger = h.noTrigger;
    }
  }
  csms.assertNoViolations();
  if (keep) return { ...out, h, csms };
  await h.stop();
  await csms.close();
  return out;
}

/* A restart: a first start on a fresh data directory (not counted), stopped, then a start on
 * the data it kept against the same back end, timed as a first start is. */
async function restart(impl) {
  const csms = await startCsms({ tags: { [TAG]: 'Accepted' }, protocol: PROTOCOL });
  const dir = mkdtempSync(join(tmpdir(), 'bench-restart-'));
  const first = watchStart(csms, now(), `${impl.name}: first start`);
  let h = await impl.start(csms, dir);
  await first.done;
  await h.stop(true);
  const t0 = now();
  const seen = watchStart(csms, t0, `${impl.name}: both connectors Available after a restart`);
  h = await impl.start(csms, dir);
  await seen.done;
  csms.assertNoViolations();
  await h.stop(true);
  rmSync(dir, { recursive: true, force: true });
  await csms.close();
  return { boot: seen.boot, avail: seen.avail };
}

const impls = [borne, ...(MO_SIM ? [micro] : [])];
const loadBefore = loadavg().map((x) => x.toFixed(2)).join(' ');
const res = Object.fromEntries(impls.map((i) => [i.name, { warm: [], cold: [], restart: [] }]));
let coldNote = null;

for (let i = 0; i < COLD_RUNS; i++) {
  for (const impl of impls) {
    const r = await run(impl, { cold: true });
    if (r.dropErr) coldNote = `page cache could not be dropped (${r.dropErr}): "cold" is only the first start`;
    res[impl.name].cold.push(r);
    process.stderr.write(`cold ${i + 1}/${COLD_RUNS} ${impl.name}: boot ${r.boot.toFixed(0)} ms, available ${r.avail.toFixed(0)} ms${r.dropErr ? ` (page cache not dropped: ${r.dropErr})` : ''}\n`);
  }
  if (coldNote) break;
}
for (let i = 0; i < RESTART_RUNS; i++) {
  for (const impl of impls) {
    const r = await restart(impl);
    res[impl.name].restart.push(r);
    process.stderr.write(`restart ${i + 1}/${RESTART_RUNS} ${impl.name}: boot ${r.boot.toFixed(0)} ms, available ${r.avail.toFixed(0)} ms\n`);
  }
}
const kept = {};
for (let i = 0; i < RUNS; i++) {
  for (const impl of impls) {
    const last = i === RUNS - 1;
    const r = await run(impl, { cold: false, cycles: CYCLES, keep: last });
    res[impl.name].warm.push(r);
    if (last) kept[impl.name] = r;
    process.stderr.write(`run ${i + 1}/${RUNS} ${impl.name}: boot ${r.boot.toFixed(0)} ms, available ${r.avail.toFixed(0)} ms, cycle ${r.cycleMs.toFixed(1)} ms CPU (schedstat ${r.cycleNsMs.toFixed(2)} ms), private ${r.mem.priv} kB (dirty ${r.mem.dirty} kB, heap ${r.mem.heap} kB); calls in a cycle: ${r.trace.join(', ')}\n`);
  }
}
/* Idle: all kept processes at once, each against its own back end. */
const idle0 = Object.fromEntries(impls.map((i) => [i.name, cpuTicks(kept[i.name].h.pid)]));
await sleep(IDLE_S * 1000);
for (const impl of impls) {
  const k = kept[impl.name];
  res[impl.name].idleMs = ((cpuTicks(k.h.pid) - idle0[impl.name]) * TICK_MS * 60) / IDLE_S;
  res[impl.name].libs = mappedLibs(k.h.pid);
  res[impl.name].ldd = lddClosure(impl.bin);
  res[impl.name].stripped = strippedSize(impl.bin);
  await k.h.stop();
  await k.csms.close();
}

/* The table. */
const fig = {};
for (const impl of impls) {
  const r = res[impl.name];
  const w = r.warm;
  fig[impl.name] = {
    bootWarm: median(w.map((x) => x.boot)),
    bootCold: r.cold.length ? median(r.cold.map((x) => x.boot)) : NaN,
    availWarm: median(w.map((x) => x.avail)),
    availCold: r.cold.length ? median(r.cold.map((x) => x.avail)) : NaN,
    bootRestart: r.restart.length ? median(r.restart.map((x) => x.boot)) : NaN,
    availRestart: r.restart.length ? median(r.restart.map((x) => x.avail)) : NaN,
    priv: median(w.map((x) => x.mem.priv)),
    dirty: median(w.map((x) => x.mem.dirty)),
    pss: median(w.map((x) => x.mem.pss)),
    rss: median(w.map((x) => x.mem.rss)),
    cycle: median(w.map((x) => x.cycleMs)),
    cycleNs: median(w.map((x) => x.cycleNsMs)),
    calls: median(w.map((x) => x.callsPerCycle)),
    tx: median(w.map((x) => x.txPerCycle)),
    noTrigger: w.find((x) => x.noTrigger)?.noTrigger,
    idle: r.idleMs,
    libs: r.libs,
    ldd: r.ldd,
    stripped: r.stripped,
  };
}
const ms = (x) => (Number.isFinite(x) ? `${x.toFixed(0)} ms` : 'n/a');
const kB = (x) => `${Math.round(x).toLocaleString('en').replace(/,/g, ' ')} kB`;
const MB = (b) => `${(b / 1048576).toFixed(1)} MB`;
const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}×` : '—');
const rows = [
  ['process start → BootNotification received, warm / cold', (f) => `${ms(f.bootWarm)} / ${ms(f.bootCold)}`, (a, b) => `${ratio(a.bootWarm, b.bootWarm)} / ${ratio(a.bootCold, b.bootCold)}`],
  ['start → both connectors\' StatusNotification (Available) received, warm / cold', (f) => `${ms(f.availWarm)} / ${ms(f.availCold)}`, (a, b) => `${ratio(a.availWarm, b.availWarm)} / ${ratio(a.availCold, b.availCold)}`],
  ['restart on kept data → BootNotification / both Available received', (f) => `${ms(f.bootRestart)} / ${ms(f.availRestart)}`, (a, b) => `${ratio(a.bootRestart, b.bootRestart)} / ${ratio(a.availRestart, b.availRestart)}`],
  ['private memory at idle (smaps_rollup Private_Clean + Private_Dirty)', (f) => kB(f.priv), (a, b) => ratio(a.priv, b.priv)],
  ['private dirty', (f) => kB(f.dirty), (a, b) => ratio(a.dirty, b.dirty)],
  ['PSS at idle', (f) => kB(f.pss), (a, b) => ratio(a.pss, b.pss)],
  ['RSS at idle', (f) => kB(f.rss), (a, b) => ratio(a.rss, b.rss)],
  [`CPU for one authorize → start → ${TRIGGER ? 'meter values → ' : ''}stop cycle (utime+stime, ${CYCLES} cycles)`, (f) => `${f.cycle.toFixed(1)} ms`, (a, b) => ratio(a.cycle, b.cycle)],
  [`the same, from schedstat (ns, every thread)`, (f) => `${f.cycleNs.toFixed(2)} ms`, (a, b) => ratio(a.cycleNs, b.cycleNs)],
  ['OCPP calls from the station per cycle', (f) => `${f.calls}`, () => '—'],
  [V201 ? 'TransactionEvents per cycle' : 'StartTransaction + StopTransaction per cycle', (f) => `${f.tx}`, () => '—'],
  ...(V201 && TRIGGER ? [['TriggerMessage MeterValues in the cycle', (f) => (f.noTrigger ? `answered ${f.noTrigger}: no MeterValues` : 'Accepted, MeterValues sent'), () => '—']] : []),
  [`idle CPU per minute (over ${IDLE_S} s)`, (f) => ms(f.idle), (a, b) => ratio(a.idle, b.idle)],
  ['shared libraries mapped at idle (/proc/PID/maps)', (f) => `${f.libs.n} (${MB(f.libs.bytes)})`, (a, b) => ratio(a.libs.n, b.libs.n)],
  ['shared libraries, ldd closure', (f) => `${f.ldd.n} (${MB(f.ldd.bytes)})`, (a, b) => ratio(a.ldd.n, b.ldd.n)],
  ['stripped binary', (f) => kB(f.stripped / 1024), (a, b) => ratio(a.stripped, b.stripped)],
];
const cols = impls.map((i) => i.name);
const two = impls.length === 2;
console.log(`\nOCPP cycle benchmark (OCPP ${V201 ? '2.0.1' : '1.6'}${TRIGGER ? '' : ', no TriggerMessage step'}): medians of ${RUNS} warm runs (${COLD_RUNS} cold, ${RESTART_RUNS} restarts), ${CYCLES} cycles per run, CPU tick ${TICK_MS} ms`);
console.log(`load average (1, 5, 15 min) at start ${loadBefore}, at end ${loadavg().map((x) => x.toFixed(2)).join(' ')}; ${spawnSync('nproc', { encoding: 'utf8' }).stdout.trim()} CPUs`);
if (coldNote) console.log(`note: ${coldNote}`);
console.log(`\n| metric | ${cols.join(' | ')}${two ? ' | borne / MicroOcpp' : ''} |`);
console.log(`|---|${cols.map(() => '---').join('|')}|${two ? '---|' : ''}`);
for (const [label, f, rf] of rows)
  console.log(`| ${label} | ${cols.map((c) => f(fig[c])).join(' | ')}${two ? ` | ${rf(fig.borne, fig.MicroOcpp)}` : ''} |`);
