// Meter simulators for the metering tests: tests/tools/modbus_server.py
// (Debian's python3-pymodbus) over TCP or over one end of a socat pty pair,
// driven through its stdin and watched through its stdout. Waits on its
// messages, never sleeps.
import { spawn } from 'node:child_process';
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
    s.proc = spawn(PYTHON, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    s.stderr = '';
    s.proc.stderr.on('data', (d) => { s.stderr += d.toString(); });
    s.waiters = [];
    s.exited = new Promise((resolve) => s.proc.once('exit', resolve));
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

  async kill() {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill('SIGKILL');
    await this.exited;
  }
}

/** A socat pty pair: { a, b } paths; close() ends socat. */
export async function ptyPair() {
  const dir = mkdtempSync(join(tmpdir(), 'borne-pty-'));
  const a = join(dir, 'A');
  const b = join(dir, 'B');
  const proc = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`],
    { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  await new Promise((resolve, reject) => {
    proc.stderr.on('data', (d) => {
      log += d.toString();
      if (/starting data transfer loop/.test(log)) resolve();
    });
    proc.once('exit', (code) => reject(new Error(`socat exited (${code}):\n${log}`)));
  });
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  return {
    a, b,
    async close() {
      if (proc.exitCode === null) proc.kill('SIGTERM');
      await exited;
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
    c.proc = spawn(PYTHON, [CLIENT, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    c.stderr = '';
    c.proc.stderr.on('data', (d) => { c.stderr += d.toString(); });
    c.queue = [];
    c.waiters = [];
    createInterface({ input: c.proc.stdout }).on('line', (line) => {
      const msg = JSON.parse(line);
      const w = c.waiters.shift();
      if (w) w(msg); else c.queue.push(msg);
    });
    c.exited = new Promise((resolve) => c.proc.once('exit', () => {
      for (const w of c.waiters) w({ error: `client exited\n${c.stderr}` });
      c.waiters = [];
      resolve();
    }));
    const ready = await c.next();
    if (ready.event !== 'ready') throw new Error(`modbus_client.py did not start: ${JSON.stringify(ready)} ${c.stderr}`);
    return c;
  }
  next() {
    if (this.queue.length) return Promise.resolve(this.queue.shift());
    return new Promise((resolve) => this.waiters.push(resolve));
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
  async close() { this.proc.stdin.end(JSON.stringify({ cmd: 'quit' }) + '\n'); await this.exited; }
}
