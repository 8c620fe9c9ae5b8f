// The Modbus RTU slave (modbus_server.rtu_port, docs/modbus-server.md): a
// borned --sim on one end of a socat pty pair, a third-party RTU master
// (tests/tools/modbus_client.py --rtu, Debian's python3-pymodbus) on the
// other, as an energy manager or a PLC on an RS-485 line would be. It reads
// the register map, drives a charging car's setpoint (limited_by modbus);
// frames with a bad CRC or for another unit (and that unit's answer) get no
// answer and do not stop the slave; with modbus_server.rtu_writes = false every write is refused
// with exception 1. No sleeps: every step waits on the master's answers or
// on the station's status.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startBorned } from './lib/borne.mjs';
import { ModbusClient, ptyPair } from './lib/modbus.mjs';

const UNIT = 3;
const BAUD = 38400;

/* Modbus RTU's CRC-16 (poly 0xA001, low byte first), to build raw frames */
function crc16(bytes) {
  let crc = 0xffff;
  for (const b of bytes) {
    crc ^= b;
    for (let i = 0; i < 8; i++) crc = crc & 1 ? (crc >> 1) ^ 0xa001 : crc >> 1;
  }
  return [crc & 0xff, crc >> 8];
}
const frame = (bytes) => Buffer.from([...bytes, ...crc16(bytes)]).toString('hex');

async function station(writes) {
  const pty = await ptyPair();
  const st = await startBorned({
    connectors: 1,
    auth: 'free',
    set: {
      'modbus_server.rtu_port': pty.a,
      'modbus_server.rtu_baud': BAUD,
      'modbus_server.rtu_parity': 'N', // a pty takes no parity (pyserial: EINVAL),
      'modbus_server.rtu_writes': writes,
      'modbus_server.unit_id': UNIT,
      'modbus_server.failsafe_a': 8,
      'modbus_server.failsafe_s': 0,
    },
  });
  const master = await ModbusClient.start(['--rtu', pty.b, '--baud', String(BAUD), '--parity', 'N', '--unit', String(UNIT)]);
  return { pty, st, master };
}

const open = [];
after(async () => {
  for (const { pty, st, master } of open) {
    await master.close();
    const code = await st.stop();
    st.cleanup();
    await pty.close();
    assert.equal(code, 0, 'borned stops cleanly (no leak under ASan)');
  }
});

test('an RTU master reads the map and drives the setpoint of a charging car', async () => {
  const s = await station(true);
  open.push(s);
  const { st, master } = s;
  assert.match(st.log, /Modbus RTU slave on \S+ \(38400 baud, 8N1, unit 3, writes allowed\)/);
  const regs = await master.read(0, 50);
  const status = await st.status();
  assert.equal(regs[0], 2, 'map version 2');
  assert.equal(regs[1], 1, 'one connector');
  assert.equal(regs[3], 80, 'fail-safe 8.0 A');
  assert.equal(regs[5], 1, 'the master may write');
  assert.equal(String.fromCharCode(...regs.slice(18, 42).flatMap((r) => [r >> 8, r & 0xff])).replace(/\0+$/, ''),
    status.station.id);
  assert.equal(st.ctl('plug', '1', '--ev-max-current', '32', '--phases', '3').code, 0);
  await st.waitFor((x) => x.connectors[0].status === 'Charging', { what: 'charging' });
  assert.equal((await master.read(100))[0], 2, 'status Charging over RTU');
  assert.deepEqual(await master.write(140, 100), { ok: true });
  const c = (await st.waitFor((x) => x.connectors[0].offered_a === 10, { what: 'offered 10 A' })).connectors[0];
  assert.equal(c.limited_by, 'modbus');
  assert.equal((await master.read(102))[0], 100, 'the offer read back');
  assert.deepEqual(await master.write(140, 2000), { exception: 3 });
  assert.deepEqual(await master.send({ cmd: 'read', addr: 0, count: 51 }), { exception: 2 });
});

test('a bad CRC or another unit: no answer, and the slave goes on', async () => {
  const { st, master } = open[0];
  const good = [UNIT, 3, 0, 0, 0, 1];
  const ok = await master.send({ cmd: 'raw', hex: frame(good) });
  assert.equal(ok.reply, frame([UNIT, 3, 2, 0, 2]), 'a raw read of the map version');
  assert.deepEqual(await master.send({ cmd: 'raw', hex: frame([UNIT, 1, 0, 0, 0, 8]) }),
    { reply: frame([UNIT, 0x81, 1]) }, 'coils: illegal function');
  const bad = frame(good).slice(0, -2) + '00';
  assert.deepEqual(await master.send({ cmd: 'raw', hex: bad }), { reply: '' }, 'bad CRC: silence');
  assert.deepEqual(await master.send({ cmd: 'raw', hex: frame(good) }), ok, 'then answered again');
  assert.deepEqual(await master.send({ cmd: 'raw', hex: frame([UNIT + 1, 3, 0, 0, 0, 1]) }), { reply: '' },
    'another unit: silence');
  /* on a shared line the other unit answers; libmodbus skips that answer */
  assert.deepEqual(await master.send({ cmd: 'raw', hex: frame([UNIT + 1, 3, 2, 0, 7]) }), { reply: '' },
    'its answer: silence');
  assert.deepEqual(await master.send({ cmd: 'raw', hex: frame(good) }), ok, 'then answered again');
  await master.send({ cmd: 'raw', hex: 'ffffffffffffffffffff00' });
  assert.equal(st.proc.exitCode, null, 'borned runs');
  assert.equal((await master.read(0))[0], 2, 'and still answers');
});

test('modbus_server.rtu_writes = false: reads only', async () => {
  const s = await station(false);
  open.push(s);
  assert.match(s.st.log, /writes refused\)/);
  assert.equal((await s.master.read(5))[0], 0, 'the map says the master may not write');
  assert.deepEqual(await s.master.write(140, 100), { exception: 1 });
  assert.deepEqual(await s.master.write(141, 0), { exception: 1 });
  assert.equal((await s.master.read(140))[0], 0xffff, 'no setpoint');
});
