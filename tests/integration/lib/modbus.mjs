// Meter simulators for the metering tests: tests/tools/modbus_server.py
// (Debian's python3-pymodbus) over TCP or over one end of a socat pty pair,
// driven through its stdin and watched through its stdout. Waits on its
// messages, never sleeps.
import { spawnPeer, stopPeer } from './peers.mjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

const here = dirname(fileURLToPath(import.meta.url));
export const SERVER = join(here, '..', '..', 'tools', 'modbus_server.py');
export const MAPS = join(here, '..', '..', '..', 'meters');
const CLIENT = join(here, '..', '..', 'tools', 'modbus_client.py');
const PYTHON = '/usr/bin/python3'; // Debian's, which has pymodbus

export class ModbusServer {
  /** opts: { meters: ['1:sdm630', ...], tcp: port (0 = any), rtu: device, baud } */
  static async start(opts) {
    const args = [SERVER, '--maps', MAPS];
    if (opts.rtu) args.push('--rtu', opts.rtu, '--baud', String(opts.baud ?? 9600));
    else args.push('--tcp', String(opts.tcp ?? 0));
    for (const m of opts.meters) args.push('--meter', m);
    const s = new ModbusServer();
    s.proc = spawnPeer(PYTHON, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    s.proc.stdin.on('error', () => {}); // a dead server: its exit rejects the waiters
    s.stderr = '';
    s.proc.stderr.on('data', (d) => { s.stderr += d.toString(); });
    s.waiters = [];
    createInterface({ input: s.proc.stdout }).on('line', (line) => {
      let msg;
      try { msg = JSON.parse(line); } catch { return; }
      s.waiters = s.waiters.filter((w) => !w(msg));
    });
    s.proc.once('exit', () => { for (const w of s.waiters) w(null); s.waiters = []; });
    const ready = await s.next((m) => m.event === 'ready');
    s.port = ready.port;
    return s;
  }

  /** Resolve with the next message matching pred (rejects if the server exits). */
  next(pred, { timeoutMs = 20000 } = {}) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`modbus server: no matching message\n${this.stderr}`)), timeoutMs);
      this.waiters.push((m) => {
        if (m === null) { clearTimeout(timer); reject(new Error(`modbus server exited\n${this.stderr}`)); return true; }
        if (!pred(m)) return false;
        clearTimeout(timer);
        resolve(m);
        return true;
      });
    });
  }

  async command(cmd) {
    const done = this.next((m) => m.event === 'done' || m.event === 'error');
    this.proc.stdin.write(JSON.stringify(cmd) + '\n');
    const m = await done;
    if (m.event === 'error') throw new Error(`modbus server: ${m.error}`);
  }

  set(unit, values) { return this.command({ cmd: 'set', unit, values }); }
  mode(unit, mode) { return this.command({ cmd: 'mode', unit, mode }); }
  served(unit) { return this.next((m) => m.event === 'served' && m.unit === unit); }

  async kill() { await stopPeer(this.proc, { signal: 'SIGKILL' }); }
}

/** A socat pty pair: { a, b } paths; close() ends socat. */
export async function ptyPair() {
  const dir = mkdtempSync(join(tmpdir(), 'borne-pty-'));
  const a = join(dir, 'A');
  const b = join(dir, 'B');
  const proc = spawnPeer('socat', ['-d', '-d', `pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`],
    { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  await new Promise((resolve, reject) => {
    proc.stderr.on('data', (d) => {
      log += d.toString();
      if (/starting data transfer loop/.test(log)) resolve();
    });
    proc.once('exit', (code) => reject(new Error(`socat exited (${code}):\n${log}`)));
  });
  return {
    a, b,
    async close() {
      await stopPeer(proc);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Re-read the station status after each answer the simulator gives `unit`
 * until predicate(status) holds: bounded by `tries` answers, no sleeping.
 */
export async function waitServed(station, server, unit, predicate, { tries = 40, what = 'condition' } = {}) {
  let st;
  for (let i = 0; i < tries; i++) {
    st = await station.status();
    if (predicate(st)) return st;
    await server.served(unit);
  }
  st = await station.status();
  if (predicate(st)) return st;
  throw new Error(`${what} not reached after ${tries} polls: ${JSON.stringify(st.connectors.map((c) => c.meter))}`);
}

/* A third-party Modbus master (tests/tools/modbus_client.py, pymodbus) reading and writing borned's
 * Modbus server over TCP (`--port N`) or RTU (`--rtu DEVICE`), one JSON answer per command. An
 * answer with `error` fails the test; an exit while waiting answers the waiters with its stderr. */
export class ModbusClient {
  static async start(args) {
    const c = new ModbusClient();
    c.proc = spawnPeer(PYTHON, [CLIENT, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    c.proc.stdin.on('error', () => {}); // a dead client: its exit answers the waiters
    c.stderr = '';
    c.proc.stderr.on('data', (d) => { c.stderr += d.toString(); });
    c.queue = [];
    c.waiters = [];
    createInterface({ input: c.proc.stdout }).on('line', (line) => {
      const msg = JSON.parse(line);
      const w = c.waiters.shift();
      if (w) w(msg); else c.queue.push(msg);
    });
    c.exited = c.proc.exited.then(() => {
      for (const w of c.waiters) w({ error: `client exited\n${c.stderr}` });
      c.waiters = [];
    });
    const ready = await c.next();
    if (ready.event !== 'ready') throw new Error(`modbus_client.py did not start: ${JSON.stringify(ready)} ${c.stderr}`);
    return c;
  }
  next({ timeoutMs = 20000 } = {}) {
    if (this.queue.length) return Promise.resolve(this.queue.shift());
    return new Promise((resolve) => {
      const w = (msg) => { clearTimeout(timer); resolve(msg); };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        resolve({ error: `no answer in ${timeoutMs / 1000} s\n${this.stderr}` });
      }, timeoutMs);
      this.waiters.push(w);
    });
  }
  async send(cmd) {
    this.proc.stdin.write(JSON.stringify(cmd) + '\n');
    const r = await this.next();
    if (r.error !== undefined) throw new Error(`${JSON.stringify(cmd)}: ${r.error}`);
    return r;
  }
  async read(addr, count = 1) {
    const r = await this.send({ cmd: 'read', addr, count });
    if (!r.regs) throw new Error(`read ${addr}: ${JSON.stringify(r)}`);
    return r.regs;
  }
  write(addr, value) { return this.send({ cmd: 'write', addr, value }); }
  async close() {
    this.proc.stdin.end(JSON.stringify({ cmd: 'quit' }) + '\n');
    let timer;
    await Promise.race([this.exited, new Promise((resolve) => { timer = setTimeout(resolve, 10000); })]);
    clearTimeout(timer);
    await stopPeer(this.proc);
  }
}
