// Test harness: starts a real borned (simulated hardware) in a fresh data
// directory and drives it only through its HTTP API and bornectl, as an
// operator would. Waits on events (API long-poll, process output), never sleeps.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { trackPeer } from './peers.mjs';

export const BORNED = process.env.BORNED ?? 'build/borned';
export const BORNECTL = process.env.BORNECTL ?? 'build/bornectl';
/* Soak runs (make soak) use large counts; make test uses small ones. */
export const SOAK = process.env.BORNE_SOAK === '1';
/* tests/tools/slow_fsync.c, built by CMake: a slow disk for fault injection. */
export const SLOW_FSYNC = process.env.BORNE_SLOW_FSYNC ?? 'build/libslow_fsync.so';

/** Environment that preloads the slow disk into borned (ASan wants to know). */
export function slowDiskEnv(ms = 30) {
  const asan = process.env.ASAN_OPTIONS ? `${process.env.ASAN_OPTIONS}:` : '';
  return { LD_PRELOAD: SLOW_FSYNC, BORNE_SLOW_FSYNC_MS: String(ms), ASAN_OPTIONS: `${asan}verify_asan_link_order=0` };
}

export function tempDataDir() {
  return mkdtempSync(join(tmpdir(), 'borne-it-'));
}

/**
 * Start borned. Resolves once it logged the "ready" line with its port.
 * opts: { dataDir, connectors, auth, speed, args: [], set: {key: value}, config: path }
 */
export async function startBorned(opts = {}) {
  const dataDir = opts.dataDir ?? tempDataDir();
  const args = ['--sim', '--data-dir', dataDir, '--http', '127.0.0.1:0', '--log-level', opts.logLevel ?? 'info'];
  if (opts.connectors) args.push('--connectors', String(opts.connectors));
  if (opts.speed) args.push('--sim-speed', String(opts.speed));
  if (opts.config) args.push('--config', opts.config);
  const set = { 'auth.mode': opts.auth ?? 'badge', ...(opts.set ?? {}) };
  for (const [k, v] of Object.entries(set)) args.push('--set', `${k}=${v}`);
  args.push(...(opts.args ?? []));
  const env = opts.env ? { ...process.env, ...opts.env } : process.env;
  // tracked: a test that fails before its stop() does not leave borned running (lib/peers.mjs)
  const proc = trackPeer(spawn(BORNED, args, { stdio: ['ignore', 'ignore', 'pipe'], env }));
  let log = '';
  let scheme = 'http';
  const port = await new Promise((resolve, reject) => {
    const onData = (chunk) => {
      log += chunk.toString();
      const m = log.match(/ready: API on (https?):\/\/\S+ \(port (\d+)\)/);
      if (m) {
        proc.stderr.off('data', onData);
        scheme = m[1];
        resolve(Number(m[2]));
      }
    };
    proc.stderr.on('data', onData);
    proc.once('exit', (code, sig) => reject(new Error(`borned exited (${code ?? sig}) before ready:\n${log}`)));
  });
  proc.stderr.on('data', (chunk) => { log += chunk.toString(); });
  const token = readFileSync(join(dataDir, 'api-token'), 'utf8').trim();
  const station = new Station({ proc, port, dataDir, token, logRef: () => log, scheme });
  return station;
}

export class Station {
  constructor({ proc, port, dataDir, token, logRef, scheme = 'http' }) {
    Object.assign(this, { proc, port, dataDir, token, logRef, scheme });
    this.url = `${scheme}://127.0.0.1:${port}`;
    this.exited = once(proc, 'exit');
  }

  get log() { return this.logRef(); }

  /** Raw API call; returns { status, body (parsed JSON or text), headers }. */
  async api(method, path, body, { token = this.token, raw } = {}) {
    const headers = {};
    if (token) headers.Authorization = `Bearer ${token}`;
    let payload;
    if (raw !== undefined) payload = raw;
    else if (body !== undefined) { payload = JSON.stringify(body); headers['Content-Type'] = 'application/json'; }
    const res = await fetch(this.url + path, { method, headers, body: payload });
    const text = await res.text();
    let parsed = text;
    if ((res.headers.get('content-type') ?? '').includes('json') && text) parsed = JSON.parse(text);
    return { status: res.status, body: parsed, headers: res.headers };
  }

  /** API call that must succeed (2xx); returns the parsed body. */
  async ok(method, path, body) {
    const r = await this.api(method, path, body);
    if (r.status < 200 || r.status > 299) throw new Error(`${method} ${path} -> ${r.status}: ${JSON.stringify(r.body)}`);
    return r.body;
  }

  /** Run bornectl against this station. */
  ctl(...args) {
    const r = spawnSync(BORNECTL, ['--url', this.url, '--data-dir', this.dataDir, ...args], { encoding: 'utf8' });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  /** bornectl ... --json, must exit 0; returns parsed JSON. */
  ctlJson(...args) {
    const r = this.ctl('--json', ...args);
    if (r.code !== 0) throw new Error(`bornectl ${args.join(' ')} -> ${r.code}: ${r.stderr}`);
    return JSON.parse(r.stdout);
  }

  async status() { return this.ok('GET', '/api/v1/status'); }
  async connector(c) { return (await this.status()).connectors[c - 1]; }

  /**
   * Wait until predicate(status) is true, re-checking after every station
   * event (long-poll) and at least once a second (much of the status, a
   * queue's length or the energy, changes without an event: a 5 s long-poll
   * left such a wait up to 5 s behind), up to timeoutMs. Returns the status
   * that satisfied it.
   */
  async waitFor(predicate, { timeoutMs = 20000, what = 'condition' } = {}) {
    const deadline = Date.now() + timeoutMs;
    let after = (await this.ok('GET', '/api/v1/events?limit=1&after=999999999')).last_id;
    for (;;) {
      const st = await this.status();
      if (predicate(st)) return st;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; last status: ${JSON.stringify(st.connectors.map((c) => [c.id, c.status, c.error]))}`);
      const ev = await this.ok('GET', `/api/v1/events?after=${after}&wait=1`);
      after = ev.last_id;
    }
  }

  async waitStatus(c, status, opts = {}) {
    return this.waitFor((s) => s.connectors[c - 1].status === status, { what: `connector ${c} ${status}`, ...opts });
  }

  /** Wait for an event of `kind` (optionally matching a predicate) after event id `after`. */
  async waitEvent(kind, { after = 0, match = () => true, timeoutMs = 20000 } = {}) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for event ${kind}`);
      const ev = await this.ok('GET', `/api/v1/events?after=${after}&wait=${Math.max(1, Math.min(5, Math.ceil(left / 1000)))}`);
      for (const e of ev.events) if (e.kind === kind && match(e)) return e;
      after = ev.last_id;
    }
  }

  async lastEventId() { return (await this.ok('GET', '/api/v1/events?limit=1&after=999999999')).last_id; }

  /** Graceful stop (SIGTERM); resolves with the exit code. */
  async stop({ graceMs = 30000 } = {}) {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill('SIGTERM');
    let timer;
    const late = new Promise((resolve) => { timer = setTimeout(() => resolve('late'), graceMs); });
    const first = await Promise.race([this.exited, late]);
    clearTimeout(timer);
    if (first === 'late') {
      this.proc.kill('SIGKILL');
      await this.exited;
      throw new Error(`borned did not stop within ${graceMs / 1000} s of SIGTERM (killed):\n${this.log.slice(-4000)}`);
    }
    const [code] = first;
    return code;
  }

  /** SIGKILL: the crash case. */
  async kill() {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill('SIGKILL');
    await this.exited;
  }

  cleanup() { rmSync(this.dataDir, { recursive: true, force: true }); }

  /**
   * After a reset the daemon re-executes itself (same pid) and logs a new
   * ready line with a new port: wait for ready line number `n` (1-based) and
   * point this object at the new port.
   */
  async waitReady(n, { timeoutMs = 20000 } = {}) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const all = [...this.log.matchAll(/ready: API on https?:\/\/\S+ \(port (\d+)\)/g)];
      if (all.length >= n) {
        this.port = Number(all[n - 1][1]);
        this.url = `${this.scheme}://127.0.0.1:${this.port}`;
        return this.port;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ready line ${n}:\n${this.log}`);
      await once(this.proc.stderr, 'data');
    }
  }
}

/** Run borned expecting it to fail at start; returns { code, stderr }. */
export function runBornedExpectingFailure(args) {
  const r = spawnSync(BORNED, args, { encoding: 'utf8', timeout: 10000 });
  return { code: r.status, stderr: r.stderr };
}
