// The Modbus TCP server (docs/modbus-server.md) driven by a third-party
// client, as an energy manager would: tests/tools/modbus_client.py (Debian's
// python3-pymodbus) reads the register map of a running borned --sim while a
// simulated car charges, writes a current setpoint and sees the offered
// current and `limited_by` follow, lets the fail-safe take over when it stops
// writing, is refused from an address not in modbus_server.allow, and sends
// garbage, after which borned still answers. No sleeps: every step waits on
// the client's answers or on station events.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startBorned } from './lib/borne.mjs';
import { ModbusClient } from './lib/modbus.mjs';

const FAILSAFE_S = 3;

function text(regs) {
  let s = '';
  for (const r of regs) s += String.fromCharCode(r >> 8, r & 0xff);
  return s.replace(/\0+$/, '');
}

const st = await startBorned({
  connectors: 1,
  auth: 'free',
  set: {
    'modbus_server.listen': '127.0.0.1:0',
    'modbus_server.allow': '127.0.0.1',
    'modbus_server.failsafe_a': 8,
    'modbus_server.failsafe_s': FAILSAFE_S,
  },
});
const PORT = Number(st.log.match(/Modbus TCP server on \S+ \(port (\d+)/)[1]);
const em = await ModbusClient.start(['--port', String(PORT)]); /* the energy manager, allowed to write */
const clients = [em];

after(async () => {
  for (const c of clients) c.close();
  const code = await st.stop();
  st.cleanup();
  assert.equal(code, 0, 'borned stops cleanly (no leak under ASan)');
});

test('the station block: map version, connectors, firmware, identity', async () => {
  const regs = await em.read(0, 50);
  const status = await st.status();
  assert.equal(regs[0], 2, 'map version 2');
  assert.equal(regs[1], 1, 'one connector');
  assert.equal(regs[2], 0, 'standalone');
  assert.equal(regs[3], 80, 'fail-safe 8.0 A');
  assert.equal(regs[4], FAILSAFE_S);
  assert.equal(regs[5], 1, 'this client may write');
  assert.equal(text(regs.slice(10, 18)), status.station.firmware_version);
  assert.equal(text(regs.slice(18, 42)), status.station.id);
  /* version 2: the API's port, plain HTTP, no directory copy held */
  assert.equal(regs[6], st.port);
  assert.equal(regs[7], 0);
  assert.deepEqual(regs.slice(8, 10), [0, 0]);
  assert.ok(regs.slice(42, 50).every((r) => r === 0));
});

test('a charging car read over Modbus matches the API', async () => {
  assert.equal(st.ctl('plug', '1', '--ev-max-current', '32', '--phases', '3').code, 0);
  const s = await st.waitFor((x) => x.connectors[0].status === 'Charging' && x.connectors[0].current_a[0] > 1,
    { what: 'charging with current' });
  const c = s.connectors[0];
  const regs = await em.read(100, 50);
  assert.equal(regs[0], 2, 'status Charging');
  assert.equal(regs[1], 2, 'control pilot C');
  assert.equal(regs[2], Math.round(c.offered_a * 10));
  const LIMITS = ['cable', 'selector', 'installation', 'thermal', 'load_management', 'schedule', 'ocpp_profile', 'api', 'modbus'];
  assert.equal(regs[3], c.limited_by === null ? 0xffff : LIMITS.indexOf(c.limited_by), `limited_by ${c.limited_by}`);
  /* the meter may tick between the two reads: a reading apart at most */
  for (let p = 0; p < 3; p++) {
    assert.ok(Math.abs(regs[4 + p] / 10 - c.current_a[p]) <= 1, `current L${p + 1}: ${regs[4 + p]} dA vs ${c.current_a[p]} A`);
    assert.ok(Math.abs(regs[7 + p] / 10 - c.voltage_v[p]) <= 3, `voltage L${p + 1}: ${regs[7 + p]} dV vs ${c.voltage_v[p]} V`);
  }
  const power = (regs[10] << 16 | regs[11]);
  assert.ok(Math.abs(power - c.power_w) <= 700, `power ${power} W vs ${c.power_w} W`);
  const sessionWh = regs[12] * 65536 + regs[13];
  const lifetimeWh = regs[14] * 65536 + regs[15];
  assert.ok(Math.abs(lifetimeWh - c.energy_wh) <= 20, `lifetime ${lifetimeWh} Wh vs ${c.energy_wh}`);
  assert.ok(Math.abs(sessionWh - c.session.energy_wh) <= 20, `session ${sessionWh} Wh vs ${c.session.energy_wh}`);
  assert.equal(regs[16], 0, 'no error');
  const sessionId = regs[17] * 2 ** 48 + regs[18] * 2 ** 32 + regs[19] * 2 ** 16 + regs[20];
  assert.equal(sessionId, c.session.id);
  assert.equal(text(regs.slice(21, 31)), c.session.badge);
  assert.equal(regs[31], 3, 'three phases');
  assert.equal(regs[40], 0xffff, 'no setpoint yet');
  assert.equal(regs[41], 1, 'enabled');
});

test('a setpoint limits the offered current (limited_by modbus), then the fail-safe takes over', async () => {
  const writtenAt = Date.now();
  assert.deepEqual(await em.write(140, 100), { ok: true });
  let s = await st.waitFor((x) => x.connectors[0].offered_a === 10 && x.connectors[0].limited_by === 'modbus',
    { what: 'offered 10 A by modbus' });
  assert.equal(s.connectors[0].limited_by, 'modbus');
  assert.equal((await em.read(102))[0], 100);
  assert.deepEqual(await em.read(140, 5), [100, 1, 3, 100, 0]);
  /* not renewed: the fail-safe current. The status is re-read after each
   * station event (at least every 5 s), so when it dropped is read from
   * borned's log line: within the timeout and the one-second check. */
  s = await st.waitFor((x) => x.connectors[0].offered_a === 8, { what: 'fail-safe 8 A', timeoutMs: (FAILSAFE_S + 8) * 1000 });
  const line = st.log.split('\n').find((l) => l.includes('not renewed within'));
  assert.ok(line, 'the fail-safe is logged');
  const after = Date.parse(line.split(' ')[0]) - writtenAt;
  assert.ok(after >= FAILSAFE_S * 1000 - 50 && after <= FAILSAFE_S * 1000 + 1200, `fail-safe ${after} ms after the write`);
  assert.equal(s.connectors[0].limited_by, 'modbus');
  assert.deepEqual(await em.read(143, 2), [80, 1]);
  /* a new setpoint ends it */
  await em.write(140, 120);
  await st.waitFor((x) => x.connectors[0].offered_a === 12, { what: 'offered 12 A' });
  assert.equal((await em.read(144))[0], 0);
});

test('charging disabled and enabled again over Modbus; no phase contactor', async () => {
  assert.deepEqual(await em.write(141, 0), { ok: true });
  await st.waitFor((x) => x.connectors[0].operative === false, { what: 'inoperative' });
  assert.equal((await em.read(141))[0], 0);
  assert.deepEqual(await em.write(141, 1), { ok: true });
  await st.waitFor((x) => x.connectors[0].operative === true, { what: 'operative again' });
  assert.equal((await em.read(141))[0], 1);
  /* no phase contactor (sim.phase_contactor is false): 3 -> 3 is fine, 3 -> 1 is refused */
  assert.deepEqual(await em.write(142, 3), { ok: true });
  assert.deepEqual(await em.write(142, 1), { exception: 1 });
});

test('phase switching at offset 42 on a board with a phase contactor (sim.phase_contactor); the request outlives a restart', async () => {
  const opts = {
    connectors: 1,
    auth: 'free',
    set: {
      'modbus_server.listen': '127.0.0.1:0',
      'modbus_server.allow': '127.0.0.1',
      'sim.phase_contactor': true,
      'solar.phase_switch_pause_s': 5,
    },
  };
  let p = await startBorned(opts);
  const mbPort = (st) => st.log.match(/Modbus TCP server on \S+ \(port (\d+)/)[1];
  let c = await ModbusClient.start(['--port', mbPort(p)]);
  try {
    assert.equal(p.ctl('plug', '1', '--ev-max-current', '16', '--phases', '3').code, 0);
    await p.waitFor((x) => x.connectors[0].status === 'Charging' && x.connectors[0].current_a[2] > 1,
      { what: 'charging on three phases' });
    assert.equal((await c.read(142))[0], 3, 'the contactor at three phases');
    /* to one phase: a pause, the contactor moves, the car charges again on L1 only */
    let mark = await p.lastEventId();
    assert.deepEqual(await c.write(142, 1), { ok: true });
    await p.waitEvent('phase_switch', { after: mark, match: (e) => /3 -> 1 phases/.test(e.detail), timeoutMs: 20000 });
    await p.waitFor((x) => x.connectors[0].status === 'Charging' && x.connectors[0].current_a[0] > 1 &&
      x.connectors[0].current_a[1] < 0.5 && x.connectors[0].current_a[2] < 0.5, { what: 'charging on L1 only', timeoutMs: 20000 });
    assert.equal((await c.read(142))[0], 1, 'the contactor at one phase');
    assert.equal((await c.read(131))[0], 3, 'three phases installed still');
    /* and back to three */
    mark = await p.lastEventId();
    assert.deepEqual(await c.write(142, 3), { ok: true });
    await p.waitEvent('phase_switch', { after: mark, match: (e) => /1 -> 3 phases/.test(e.detail), timeoutMs: 20000 });
    await p.waitFor((x) => x.connectors[0].status === 'Charging' && x.connectors[0].current_a[2] > 1,
      { what: 'charging on three phases again', timeoutMs: 20000 });
    assert.equal((await c.read(142))[0], 3);
    assert.deepEqual(await c.write(142, 2), { exception: 3 }, 'no such phase count');
    /* in a solar mode the solar rules own the contactor: SLAVE DEVICE FAILURE */
    assert.deepEqual(await c.write(145, 1), { ok: true });
    await p.waitFor((x) => x.connectors[0].charge_mode === 'solar', { what: 'solar mode' });
    assert.deepEqual(await c.write(142, 1), { exception: 4 });
    assert.deepEqual(await c.write(145, 0), { ok: true });

    /* one phase asked for, then a restart: the station comes back on one phase (the request is
     * kept in SQLite with the station's state), not on the three the contactor starts at */
    mark = await p.lastEventId();
    assert.deepEqual(await c.write(142, 1), { ok: true });
    await p.waitEvent('phase_switch', { after: mark, match: (e) => /3 -> 1 phases/.test(e.detail), timeoutMs: 20000 });
    assert.equal((await c.read(142))[0], 1);
    await c.close();
    mark = await p.lastEventId();
    assert.equal(await p.stop(), 0, 'borned stops cleanly');
    p = await startBorned({ ...opts, dataDir: p.dataDir });
    assert.match(p.log, /connector 1: 1 phases asked for \(kept from before the restart\)/);
    await p.waitEvent('phase_switch', { after: mark, match: (e) => /3 -> 1 phases/.test(e.detail), timeoutMs: 20000 });
    c = await ModbusClient.start(['--port', mbPort(p)]);
    assert.equal((await c.read(142))[0], 1, 'one phase after the restart');
    /* a car plugged in charges on L1 only */
    assert.equal(p.ctl('plug', '1', '--ev-max-current', '16', '--phases', '3').code, 0);
    await p.waitFor((x) => x.connectors[0].status === 'Charging' && x.connectors[0].current_a[0] > 1 &&
      x.connectors[0].current_a[1] < 0.5 && x.connectors[0].current_a[2] < 0.5, { what: 'charging on L1 only after the restart', timeoutMs: 20000 });
    /* three asked for again: kept too (the next restart starts on three) */
    mark = await p.lastEventId();
    assert.deepEqual(await c.write(142, 3), { ok: true });
    await p.waitEvent('phase_switch', { after: mark, match: (e) => /1 -> 3 phases/.test(e.detail), timeoutMs: 20000 });
    await c.close();
    assert.equal(await p.stop(), 0, 'borned stops cleanly');
    p = await startBorned({ ...opts, dataDir: p.dataDir });
    assert.match(p.log, /connector 1: 3 phases asked for \(kept from before the restart\)/);
    c = await ModbusClient.start(['--port', mbPort(p)]);
    assert.equal((await c.read(142))[0], 3);
  } finally {
    await c.close();
    assert.equal(await p.stop(), 0, 'borned stops cleanly');
    p.cleanup();
  }
});

test('the charging mode over Modbus: offset 45 is connector.N.charge_mode', async () => {
  assert.equal((await em.read(145))[0], 0, 'normal');
  assert.deepEqual(await em.write(145, 2), { ok: true });
  await st.waitFor((x) => x.connectors[0].charge_mode === 'solar_min', { what: 'solar_min' });
  assert.equal((await em.read(145))[0], 2);
  assert.deepEqual(await em.write(145, 4), { exception: 3 });
  assert.deepEqual(await em.write(145, 0), { ok: true });
  await st.waitFor((x) => x.connectors[0].charge_mode === 'normal', { what: 'normal again' });
});

test('a client not in modbus_server.allow reads but may not write', async () => {
  const other = await ModbusClient.start(['--port', String(PORT), '--source', '127.0.0.2']);
  clients.push(other);
  assert.equal((await other.read(5))[0], 0, 'the map tells it it may not write');
  assert.deepEqual(await other.write(140, 60), { exception: 1 });
  assert.deepEqual(await other.write(141, 0), { exception: 1 });
  assert.equal((await other.read(140))[0], 120, 'the setpoint is unchanged');
  assert.equal((await st.connector(1)).status, 'Charging');
});

test('bad requests get exceptions, garbage never stops borned', async () => {
  assert.deepEqual(await em.send({ cmd: 'read', addr: 300, count: 1 }), { exception: 2 });
  assert.deepEqual(await em.send({ cmd: 'read', addr: 0, count: 51 }), { exception: 2 });
  assert.deepEqual(await em.write(140, 2000), { exception: 3 });
  assert.deepEqual(await em.write(102, 100), { exception: 2 });
  /* coils (function 1): illegal function, answered in a well-formed frame */
  const r = await em.send({ cmd: 'raw', hex: '00070000000601010000000a' });
  assert.equal(r.reply, '000700000003018101');
  for (const hex of ['deadbeef', 'ffffffffffffffffffffffffffff', '0001000000ff01030000', '00010000000601']) {
    const g = await em.send({ cmd: 'raw', hex });
    assert.ok(g.closed || g.reply !== undefined);
  }
  assert.equal(st.proc.exitCode, null, 'borned runs');
  assert.equal((await em.read(0))[0], 2, 'and still answers');
  assert.equal((await st.status()).connectors[0].status, 'Charging');
});
