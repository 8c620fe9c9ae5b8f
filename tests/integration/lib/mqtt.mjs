// A real MQTT broker for the tests (Debian's mosquitto, started here on a
// free port, never the system service) and independent clients: mosquitto_sub
// to watch topics, mosquitto_pub to send commands.
import { spawnSync } from 'node:child_process';
import { spawnPeer, stopPeer } from './peers.mjs';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const MOSQUITTO = process.env.MOSQUITTO ?? '/usr/sbin/mosquitto';

export async function freePort() {
  const srv = createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const { port } = srv.address();
  srv.close();
  await once(srv, 'close');
  return port;
}

export class Broker {
  /** tls { cafile, certfile, keyfile }: the listener speaks TLS and requires a client certificate. */
  constructor(port, { tls } = {}) {
    this.port = port;
    this.dir = mkdtempSync(join(tmpdir(), 'borne-mqtt-'));
    this.conf = join(this.dir, 'mosquitto.conf');
    const conf = [`listener ${port} 127.0.0.1`];
    if (tls) conf.push(`cafile ${tls.cafile}`, `certfile ${tls.certfile}`, `keyfile ${tls.keyfile}`, 'require_certificate true');
    conf.push('allow_anonymous true', 'persistence false', 'log_dest stderr', 'log_type all', '');
    writeFileSync(this.conf, conf.join('\n'));
    this.log = '';
  }

  /** Starts mosquitto; resolves once it listens (its "running" log line). */
  async start() {
    this.proc = spawnPeer(MOSQUITTO, ['-c', this.conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    await new Promise((resolve, reject) => {
      let out = ''; // this run's lines only: after a restart the log already has a "running" line
      const onData = (c) => {
        this.log += c.toString();
        out += c.toString();
        if (/mosquitto version \S+ running/.test(out)) { this.proc.stderr.off('data', onData); resolve(); }
      };
      this.proc.stderr.on('data', onData);
      this.proc.once('exit', (code) => reject(new Error(`mosquitto exited (${code}):\n${this.log}`)));
    });
    this.proc.stderr.on('data', (c) => { this.log += c.toString(); });
  }

  async stop() {
    if (this.proc) await stopPeer(this.proc);
    this.proc = null;
  }

  async cleanup() { await this.stop(); rmSync(this.dir, { recursive: true, force: true }); }

  /** mosquitto_pub at QoS 1; an empty payload is sent as a zero-length message. */
  pub(topic, payload, { retain = false } = {}) {
    const args = ['-h', '127.0.0.1', '-p', String(this.port), '-q', '1', '-t', topic];
    if (payload === '') args.push('-n'); else args.push('-m', payload);
    if (retain) args.push('-r');
    const r = spawnSync('mosquitto_pub', args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`mosquitto_pub ${topic}: ${r.stderr}`);
  }

  /** A mosquitto_sub on `topic` collecting { retain, topic, payload } in order. */
  async sub(topic, extra = []) {
    const s = new Sub(this.port, topic, extra);
    await s.ready;
    return s;
  }
}

/** A broker on a free port, started (options as Broker's). */
export async function startBroker(opts) {
  const broker = new Broker(await freePort(), opts);
  await broker.start();
  return broker;
}

export class Sub {
  constructor(port, topic, extra) {
    this.messages = [];
    this.waiters = [];
    // %r retain flag, %l payload length, %t topic, %p payload; one line each (payloads are compact JSON)
    this.proc = spawnPeer('stdbuf', ['-oL', 'mosquitto_sub', '-h', '127.0.0.1', '-p', String(port), '-q', '1', '-t', topic,
      '-F', '%r\t%l\t%t\t%p', '-d', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
    let buf = '';
    this.proc.stdout.on('data', (c) => {
      buf += c.toString();
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        const [r, l, t, ...rest] = line.split('\t');
        if (t === undefined) continue; // -d debug lines go to stdout too
        const payload = rest.join('\t');
        this.messages.push({ retain: r === '1', length: Number(l), topic: t, payload });
        this.check();
      }
    });
    // -d prints "Client ... received SUBACK" once subscribed
    this.ready = new Promise((resolve, reject) => {
      let out = '';
      const onData = (c) => { out += c.toString(); if (/SUBACK/.test(out)) { this.proc.stdout.off('data', onData); resolve(); } };
      this.proc.stdout.on('data', onData);
      this.proc.once('exit', (code) => reject(new Error(`mosquitto_sub exited (${code}): ${out}`)));
    });
  }

  check() {
    for (const w of [...this.waiters]) {
      for (let i = w.from; i < this.messages.length; i++) {
        if (w.pred(this.messages[i])) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          clearTimeout(w.timer);
          w.resolve(this.messages[i]);
          break;
        }
      }
    }
  }

  /** Index of the next message: waitFor(..., { from: mark() }) ignores what came before. */
  mark() { return this.messages.length; }

  /** The first message from index `from` matching pred; rejects after timeoutMs. */
  waitFor(pred, { from = 0, what = 'message', timeoutMs = 20000 } = {}) {
    return new Promise((resolve, reject) => {
      const w = { pred, from, resolve };
      w.timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        reject(new Error(`timed out waiting for ${what}; last messages:\n${this.messages.slice(-8).map((m) => `${m.topic} ${m.payload}`).join('\n')}`));
      }, timeoutMs);
      this.waiters.push(w);
      this.check();
    });
  }

  /** Waits for a JSON message on `topic` whose parsed payload satisfies pred; returns it parsed. */
  async json(topic, pred = () => true, opts = {}) {
    const m = await this.waitFor((x) => x.topic === topic && x.length > 0 && pred(JSON.parse(x.payload)), { what: `${topic} matching`, ...opts });
    return JSON.parse(m.payload);
  }

  async stop() { await stopPeer(this.proc); }
}
