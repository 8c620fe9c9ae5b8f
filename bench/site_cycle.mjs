// Benchmark of an installation's leader (docs/site.md, docs/performance.md):
// one real `borned --sim` leader and N simulated followers (default 64 × 2
// connectors). The followers are Modbus TCP servers in this process, each
// serving the register map (version 2) of docs/modbus-server.md on its own loopback
// port: a car charging on every connector that draws what its setpoint
// offers (up to 16 A), so the figures are the leader's own cost, not that
// of 64 more daemons on the machine. Prints:
//   - the leader's round (write every member's setpoints, read its station
//     and connector blocks: `cycle_ms` of GET /api/v1/site), over ROUNDS
//     rounds: min, median, max;
//   - a grid overload posted to the leader (grid.source = api: the building
//     draws OTHER_A more) until every member has been written a setpoint
//     that fits the new budget: time from the POST to the last of those
//     writes, as the members saw it.
// Usage: node bench/site_cycle.mjs [build]   (BENCH_SITE_N, BENCH_SITE_CONN,
// BENCH_SITE_ROUNDS). Asserts nothing.
import { createServer } from 'node:net';
import { startBorned } from '../tests/integration/lib/borne.mjs';

const build = process.argv[2] ?? 'build';
process.env.BORNED ??= `${build}/borned`;
const N = Number(process.env.BENCH_SITE_N ?? 64);
const CONN = Number(process.env.BENCH_SITE_CONN ?? 2);
const ROUNDS = Number(process.env.BENCH_SITE_ROUNDS ?? 20);
const CAR_A = 16; /* what each simulated car takes at most */
const LIMIT = Math.min(2000, Math.round(N * CONN * 10)); /* 10 A a connector on average */
const MARGIN = 1;
const OTHER_A = Math.round(LIMIT / 4); /* the overload: a quarter of the limit */
const LIMIT_SITE = 11; /* limit_source index of `site` (src/core/limits.h) */

/* ---------- a simulated follower: the register map over MBAP ---------- */

const writeWaiters = new Set(); /* called on every setpoint write */

class Member {
  constructor(i) {
    this.i = i;
    this.setpoint = Array(CONN).fill(60); /* dA: starts in fail-safe (6 A) */
    this.failsafe = Array(CONN).fill(true);
    this.writtenAt = Array(CONN).fill(0);
    this.reads = 0;
  }
  draw(c) { const a = this.setpoint[c] / 10; return a >= 6 ? Math.min(a, CAR_A) : 0; }
  reg(addr) {
    if (addr < 100) {
      const id = `sim-${this.i + 1}`;
      switch (addr) {
        case 0: return 2; /* map version (docs/modbus-server.md "Register map, version 2") */
        case 1: return CONN;
        case 2: return 2; /* follower */
        case 3: return 60;
        case 4: return 10;
        case 5: return 1; /* the leader may write */
        /* 6 (HTTP port), 7 (HTTPS), 8-9 (directory version) and 42-49
         * (directory digest) read 0: no HTTP API, no directory copy held
         * (the bench's leader has no site.secret: it pushes no directory
         * and collects no sessions, docs/site.md) */
        case 6: case 7: case 8: case 9: return 0;
        default:
          if (addr >= 18 && addr < 42) {
            const k = (addr - 18) * 2;
            return ((id.charCodeAt(k) || 0) << 8) | (id.charCodeAt(k + 1) || 0);
          }
          return 0;
      }
    }
    const c = Math.floor(addr / 100) - 1;
    const off = addr % 100;
    if (c >= CONN) return null;
    const sp = this.setpoint[c];
    switch (off) {
      case 0: return 2; /* Charging */
      case 1: return 2; /* CP state C */
      case 2: return sp; /* offered */
      case 3: return this.failsafe[c] ? 12 : LIMIT_SITE;
      case 4: case 5: case 6: return Math.round(this.draw(c) * 10);
      case 7: case 8: case 9: return 2300;
      case 20: return this.i * CONN + c + 1; /* session id (low word) */
      case 31: return 3;
      case 32: return 123;
      case 40: return sp;
      case 41: return 1;
      case 42: return 3;
      case 43: return sp;
      case 44: return this.failsafe[c] ? 1 : 0;
      default: return off < 50 ? 0 : null;
    }
  }
  handle(pdu) {
    const fc = pdu[0];
    const exc = (code) => Buffer.from([fc | 0x80, code]);
    if (fc === 3 && pdu.length >= 5) {
      const addr = pdu.readUInt16BE(1), qty = pdu.readUInt16BE(3);
      if (qty < 1 || qty > 125) return exc(3);
      if (addr === 0) this.reads++;
      const out = Buffer.alloc(2 + qty * 2);
      out[0] = 3, out[1] = qty * 2;
      for (let k = 0; k < qty; k++) {
        const v = this.reg(addr + k);
        if (v === null) return exc(2);
        out.writeUInt16BE(v & 0xffff, 2 + k * 2);
      }
      return out;
    }
    if (fc === 6 && pdu.length >= 5) {
      const addr = pdu.readUInt16BE(1), v = pdu.readUInt16BE(3);
      const c = Math.floor(addr / 100) - 1;
      if (addr % 100 !== 40 || c < 0 || c >= CONN) return exc(2);
      this.setpoint[c] = v;
      this.failsafe[c] = false;
      this.writtenAt[c] = performance.now();
      for (const w of writeWaiters) w();
      return pdu.subarray(0, 5);
    }
    return exc(1);
  }
  listen(port) {
    this.server = createServer((sock) => {
      sock.setNoDelay(true);
      let buf = Buffer.alloc(0);
      sock.on('data', (d) => {
        buf = Buffer.concat([buf, d]);
        while (buf.length >= 7 && buf.length >= 6 + buf.readUInt16BE(4)) {
          const len = buf.readUInt16BE(4);
          const adu = buf.subarray(0, 6 + len);
          buf = buf.subarray(6 + len);
          const resp = this.handle(adu.subarray(7));
          const head = Buffer.alloc(7);
          adu.copy(head, 0, 0, 4);
          head.writeUInt16BE(resp.length + 1, 4);
          head[6] = adu[6];
          sock.write(Buffer.concat([head, resp]));
        }
      });
      sock.on('error', () => {});
    });
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.port = port;
        resolve();
      });
    });
  }
}

/* Ports of four digits: 64 × "127.0.0.1:PPPP," fits site.members (at most
 * 1000 characters, CONFIG_VALUE_MAX; 5-digit ports do not). A base taken by
 * someone else: the next one. */
let members = [];
for (let base = 2000 + (process.pid % 70) * 100; members.length < N; base += 100) {
  if (base + N > 9999) base = 2000;
  members = [];
  try {
    for (let i = 0; i < N; i++) {
      const m = new Member(i);
      members.push(m);
      await m.listen(base + i);
    }
  } catch {
    for (const m of members) m.server.close();
    members = [];
  }
}
const nextWrite = () => new Promise((resolve) => {
  const w = () => { writeWaiters.delete(w); resolve(); };
  writeWaiters.add(w);
});

const leader = await startBorned({
  connectors: 1, auth: 'free', logLevel: 'info',
  set: {
    'station.id': 'leader',
    'site.role': 'leader',
    'site.members': members.map((m) => `127.0.0.1:${m.port}`).join(','),
    'site.limit_a': LIMIT,
    'site.margin_a': MARGIN,
    'grid.source': 'api',
    'energy.min_on_s': 0,
    'energy.min_off_s': 0,
    'energy.hysteresis_s': 0,
  },
});

try {
  const totalDraw = () => members.reduce((s, m) => s + [...Array(CONN).keys()].reduce((a, c) => a + m.draw(c), 0), 0);
  const postGrid = (other) => {
    const a = totalDraw() + other;
    return leader.ok('POST', '/api/v1/grid', { current_a: [a, a, a] });
  };
  await postGrid(0);
  /* every member up and driven (written at least once on every connector) */
  for (;;) {
    const s = await leader.ok('GET', '/api/v1/site');
    if (s.members.every((m) => m.link === 'up') && members.every((m) => m.failsafe.every((f) => !f))) break;
    await nextWrite();
  }
  /* ROUNDS rounds: each one reads every member's station block once */
  const cycles = [];
  const r0 = members[N - 1].reads;
  let seen = r0;
  while (members[N - 1].reads < r0 + ROUNDS) {
    await nextWrite();
    if (members[N - 1].reads === seen) continue;
    seen = members[N - 1].reads;
    await postGrid(0); /* the grid meter follows the members' draw */
    const s = await leader.ok('GET', '/api/v1/site');
    if (typeof s.cycle_ms === 'number') cycles.push(s.cycle_ms);
  }
  cycles.sort((a, b) => a - b);
  const med = cycles[Math.floor(cycles.length / 2)];
  console.log(`site leader round, ${N} members × ${CONN} connectors (write setpoints, read every block): ` +
    `min ${cycles[0]} ms, median ${med} ms, max ${cycles[cycles.length - 1]} ms (${cycles.length} samples)`);

  /* the overload */
  const budgetBefore = (await leader.status()).station.site.available_a[0];
  const sumBefore = members.reduce((s, m) => s + m.setpoint.reduce((a, v) => a + (v >= 60 ? v / 10 : 0), 0), 0);
  const t0 = performance.now();
  await postGrid(OTHER_A);
  let took = null;
  for (;;) {
    const avail = (await leader.status()).station.site.available_a[0];
    const sum = members.reduce((s, m) => s + m.setpoint.reduce((a, v) => a + (v >= 60 ? v / 10 : 0), 0), 0);
    if (avail < budgetBefore - OTHER_A / 2 && sum <= avail + 1e-9) {
      took = Math.max(...members.flatMap((m) => m.writtenAt)) - t0;
      console.log(`grid overload (+${OTHER_A} A on a ${LIMIT} A site) to every member's setpoint within the ` +
        `new budget: ${took.toFixed(0)} ms (setpoints ${sumBefore.toFixed(0)} A -> ${sum.toFixed(0)} A, budget ${avail.toFixed(0)} A)`);
      break;
    }
    if (performance.now() - t0 > 20000) {
      console.log(`grid overload: setpoints ${sum} A still above ${avail} A after 20 s`);
      process.exitCode = 1;
      break;
    }
    await Promise.race([nextWrite(), new Promise((r) => setTimeout(r, 100))]);
  }
} finally {
  await leader.stop();
  leader.cleanup();
  for (const m of members) m.server.close();
}
