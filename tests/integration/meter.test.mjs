// Modbus meters against a real Modbus server (pymodbus, tests/tools/modbus_server.py):
// SDM630 and PAC2200 register images over TCP and over RTU on a socat pty pair.
// Values written to the simulator come back through GET /api/v1/status and
// bornectl, scaled and in the connector's phase order; a meter that answers
// exceptions, garbage, bad CRCs, goes backwards or disappears gives the
// documented counters, events and 802 PowerMeterFailure, never a crash, and
// the connector recovers when the meter answers again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startBorned } from './lib/borne.mjs';
import { ModbusServer, ptyPair, waitServed } from './lib/modbus.mjs';

const near = (a, b, eps = 0.01) => Math.abs(a - b) <= eps;

const SDM = {
  voltage_l1: 231.1, voltage_l2: 232.2, voltage_l3: 233.3,
  current_l1: 10.5, current_l2: 11.25, current_l3: 12,
  power_l1: 2300, power_l2: 2400, power_l3: 2500, power_total: 7200,
  energy_import: 1234567, frequency: 50.02,
};
const PAC = {
  voltage_l1: 229.5, voltage_l2: 230.5, voltage_l3: 231.5,
  current_l1: 20, current_l2: 21, current_l3: 22,
  power_l1: 4500, power_l2: -300, power_l3: 100, power_total: 4300,
  energy_import: 98765432.5, frequency: 49.98,
};

function meterSet(url, extra = {}) {
  return {
    'meter.poll_interval_ms': 200,
    'meter.p1.model': 'sdm630', 'meter.p1.port': url, 'meter.p1.unit_id': 1, 'meter.p1.timeout_ms': 200,
    'meter.grid.model': 'pac2200', 'meter.grid.port': url, 'meter.grid.unit_id': 2, 'meter.grid.timeout_ms': 200,
    'connector.1.meter': 'p1', 'connector.1.meter_phases': 'L2L3L1',
    'grid.meter': 'grid',
    ...extra,
  };
}

test('TCP: SDM630 per connector and PAC2200 at the grid, scaled and phase-ordered', async (t) => {
  const srv = await ModbusServer.start({ meters: ['1:sdm630', '2:pac2200'] });
  t.after(() => srv.kill());
  await srv.set(1, SDM);
  await srv.set(2, PAC);
  const st = await startBorned({ connectors: 2, set: meterSet(`tcp://127.0.0.1:${srv.port}`) });
  t.after(async () => { await st.stop(); st.cleanup(); });

  const s = await waitServed(st, srv, 1, (x) => x.connectors[0].meter?.ok && x.station.grid_meter?.ok,
    { what: 'both meters answering' });
  const c = s.connectors[0];
  // connector phases 1,2,3 <- meter L2, L3, L1
  assert.ok(near(c.voltage_v[0], 232.2) && near(c.voltage_v[1], 233.3) && near(c.voltage_v[2], 231.1), JSON.stringify(c.voltage_v));
  assert.ok(near(c.current_a[0], 11.25) && near(c.current_a[1], 12) && near(c.current_a[2], 10.5), JSON.stringify(c.current_a));
  assert.deepEqual(c.meter.power_w.map(Math.round), [2400, 2500, 2300]);
  assert.ok(near(c.power_w, 7200));
  assert.ok(near(c.energy_wh, 1234567, 0.2)); // float32 kWh register: 0.1 Wh resolution here
  assert.ok(near(c.meter.frequency_hz, 50.02));
  assert.equal(c.meter_error, null);
  assert.equal(c.meter.model, 'sdm630');
  assert.equal(c.meter.unit_id, 1);
  assert.equal(c.meter.timeouts + c.meter.crc_errors + c.meter.exceptions + c.meter.implausible, 0);
  assert.equal(s.connectors[1].meter, undefined, 'connector 2 keeps the simulator meter');

  const g = s.station.grid_meter;
  assert.equal(g.model, 'pac2200');
  assert.deepEqual(g.power_w.map(Math.round), [4500, -300, 100]);
  assert.ok(near(g.frequency_hz, 49.98));

  // bornectl shows the same values
  const ctl = st.ctlJson('status');
  assert.ok(near(ctl.connectors[0].voltage_v[0], 232.2));
  assert.ok(near(ctl.connectors[0].energy_wh, 1234567, 0.2));
  const text = st.ctl('status');
  assert.equal(text.code, 0);
  assert.match(text.stdout, /meter p1 .*sdm630.*1234\.57 kWh/);

  // a change on the meter shows up
  await srv.set(1, { energy_import: 1240000, voltage_l2: 228 });
  const s2 = await waitServed(st, srv, 1, (x) => near(x.connectors[0].energy_wh, 1240000, 0.2), { what: 'new register' });
  assert.ok(near(s2.connectors[0].voltage_v[0], 228));
});

test('TCP: exceptions, energy going backwards and a vanished meter fault the connector (802), then it recovers', async (t) => {
  const srv1 = await ModbusServer.start({ meters: ['1:sdm630', '2:pac2200'] });
  let srv = srv1;
  t.after(() => srv.kill());
  await srv.set(1, SDM);
  await srv.set(2, PAC);
  const st = await startBorned({
    connectors: 1,
    set: meterSet(`tcp://127.0.0.1:${srv.port}`, { 'meter.failures_before_fault': 2 }),
  });
  t.after(async () => { await st.stop(); st.cleanup(); });
  await waitServed(st, srv, 1, (x) => x.connectors[0].meter?.ok, { what: 'meter answering' });
  await st.waitStatus(1, 'Available');

  // exception responses
  let after = await st.lastEventId();
  await srv.mode(1, 'exception');
  let s = await st.waitStatus(1, 'Faulted');
  let c = s.connectors[0];
  assert.equal(c.error.code, 802);
  assert.equal(c.error.ocpp, 'PowerMeterFailure');
  assert.ok(c.meter.exceptions >= 2, JSON.stringify(c.meter));
  assert.match(c.meter_error, /exception/);
  const fault = await st.waitEvent('meter_fault', { after });
  assert.match(fault.detail, /meter p1 failed 2 polls in a row/);
  after = await st.lastEventId();
  await srv.mode(1, 'ok');
  await st.waitStatus(1, 'Available');
  await st.waitEvent('meter_recovered', { after });

  // the lifetime register goes backwards: implausible
  await srv.set(1, { energy_import: 1000000 });
  s = await st.waitStatus(1, 'Faulted');
  c = s.connectors[0];
  assert.ok(c.meter.implausible >= 2);
  assert.match(c.meter.error, /energy_backward/);
  await srv.set(1, { energy_import: 1300000 }); // beyond the last good value: plausible again
  s = await st.waitStatus(1, 'Available');
  assert.ok(near(s.connectors[0].energy_wh, 1300000, 0.2));

  // power beyond the breaker (32 A x 230 V x 3 x 1.5)
  await srv.set(1, { power_total: 40000 });
  s = await st.waitStatus(1, 'Faulted');
  assert.match(s.connectors[0].meter.error, /power_too_high/);
  await srv.set(1, { power_total: 7200 });
  await st.waitStatus(1, 'Available');

  // the meter disappears
  const port = srv.port;
  await srv.kill();
  s = await st.waitStatus(1, 'Faulted');
  assert.ok(s.connectors[0].meter.io_errors + s.connectors[0].meter.timeouts >= 2, JSON.stringify(s.connectors[0].meter));
  assert.equal(s.station.grid_meter.ok, false);
  // ... and comes back on the same port
  srv = await ModbusServer.start({ meters: ['1:sdm630', '2:pac2200'], tcp: port });
  await srv.set(1, { ...SDM, energy_import: 1300000 });
  await srv.set(2, PAC);
  s = await st.waitStatus(1, 'Available');
  assert.equal(s.connectors[0].error, null);
  assert.equal(st.proc.exitCode, null, 'borned still runs');
});

test('meter.required = false: a failing meter is reported but the point stays in service', async (t) => {
  const srv = await ModbusServer.start({ meters: ['1:sdm630'] });
  t.after(() => srv.kill());
  await srv.set(1, SDM);
  const st = await startBorned({
    connectors: 1,
    set: {
      'meter.poll_interval_ms': 200, 'meter.required': 'false', 'meter.failures_before_fault': 1,
      'meter.p1.model': 'sdm630', 'meter.p1.port': `tcp://127.0.0.1:${srv.port}`, 'meter.p1.timeout_ms': 200,
      'connector.1.meter': 'p1',
    },
  });
  t.after(async () => { await st.stop(); st.cleanup(); });
  await waitServed(st, srv, 1, (x) => x.connectors[0].meter?.ok, { what: 'meter answering' });
  await srv.mode(1, 'exception');
  const s = await waitServed(st, srv, 1, (x) => x.connectors[0].meter.exceptions >= 3, { what: 'exceptions counted' });
  assert.equal(s.connectors[0].status, 'Available');
  assert.equal(s.connectors[0].meter.faulted, false);
  assert.match(s.connectors[0].meter_error, /exception/);
});

test('RTU over a socat pty pair: two meters on one bus, CRC errors and garbage counted', async (t) => {
  const pty = await ptyPair();
  t.after(() => pty.close());
  const srv = await ModbusServer.start({ meters: ['1:sdm630', '2:pac2200'], rtu: pty.a, baud: 38400 });
  t.after(() => srv.kill());
  await srv.set(1, SDM);
  await srv.set(2, PAC);
  const bus = { 'meter.p1.serial': '38400,8N1', 'meter.p2.serial': '38400,8N1' };
  const st = await startBorned({
    connectors: 2,
    set: {
      'meter.poll_interval_ms': 200, 'meter.failures_before_fault': 3, ...bus,
      'meter.p1.model': 'sdm630', 'meter.p1.port': pty.b, 'meter.p1.unit_id': 1, 'meter.p1.timeout_ms': 300,
      'meter.p2.model': 'pac2200', 'meter.p2.port': pty.b, 'meter.p2.unit_id': 2, 'meter.p2.timeout_ms': 300,
      'connector.1.meter': 'p1', 'connector.2.meter': 'p2', 'connector.2.phases': 1, 'connector.2.meter_phases': 'L3',
    },
  });
  t.after(async () => { await st.stop(); st.cleanup(); });
  let s = await waitServed(st, srv, 2, (x) => x.connectors[0].meter?.ok && x.connectors[1].meter?.ok,
    { what: 'both RTU meters answering' });
  const [c1, c2] = s.connectors;
  assert.ok(near(c1.voltage_v[0], 231.1) && near(c1.current_a[2], 12));
  assert.ok(near(c1.energy_wh, 1234567, 0.2));
  // the 1-phase point on the PAC2200's L3
  assert.ok(near(c2.voltage_v[0], 231.5) && near(c2.current_a[0], 22), JSON.stringify(c2));
  assert.equal(c2.current_a[1], 0);
  assert.ok(near(c2.power_w, 100)); // its phase's power, not the meter total
  assert.ok(near(c2.energy_wh, 98765432.5, 0.01)); // PAC2200: 64-bit double Wh

  await srv.mode(1, 'crc');
  s = await waitServed(st, srv, 1, (x) => x.connectors[0].meter.crc_errors >= 2, { what: 'CRC errors counted' });
  await srv.mode(1, 'garbage');
  s = await waitServed(st, srv, 1, (x) => x.connectors[0].meter.bad_frames >= 2, { what: 'bad frames counted' });
  s = await st.waitStatus(1, 'Faulted');
  assert.equal(s.connectors[0].error.code, 802);
  assert.equal(s.connectors[1].status, 'Available', 'the other meter on the bus is unaffected');
  await srv.mode(1, 'silent');
  s = await waitServed(st, srv, 1, (x) => x.connectors[0].meter.timeouts >= 1, { what: 'a timeout counted' });
  await srv.mode(1, 'ok');
  s = await st.waitStatus(1, 'Available');
  assert.ok(s.connectors[1].meter.ok);
  assert.equal(st.proc.exitCode, null);
});

test('a session bills stop register minus start register; a meter failure pauses it, recovery resumes it', async (t) => {
  const srv = await ModbusServer.start({ meters: ['1:sdm630'] });
  t.after(() => srv.kill());
  await srv.set(1, SDM);
  const st = await startBorned({
    connectors: 1, auth: 'free',
    set: {
      'meter.poll_interval_ms': 200, 'meter.failures_before_fault': 2,
      'meter.p1.model': 'sdm630', 'meter.p1.port': `tcp://127.0.0.1:${srv.port}`, 'meter.p1.timeout_ms': 200,
      'connector.1.meter': 'p1',
    },
  });
  t.after(async () => { await st.stop(); st.cleanup(); });
  await waitServed(st, srv, 1, (x) => x.connectors[0].meter?.ok, { what: 'meter answering' });
  await st.waitStatus(1, 'Available');
  assert.equal(st.ctl('plug', '1', '--ev-max-current', '16', '--phases', '3').code, 0);
  let s = await st.waitStatus(1, 'Charging');
  assert.ok(near(s.connectors[0].session.energy_wh, 0, 0.2), 'nothing billed before the register moves');

  await srv.mode(1, 'silent');
  s = await st.waitStatus(1, 'Faulted');
  assert.equal(s.connectors[0].contactor_closed, false);
  assert.notEqual(s.connectors[0].session, null, 'the session is kept');
  await srv.set(1, { energy_import: 1240000 });
  await srv.mode(1, 'ok');
  s = await st.waitStatus(1, 'Charging');
  assert.ok(near(s.connectors[0].energy_wh, 1240000, 0.2));
  assert.ok(near(s.connectors[0].session.energy_wh, 1240000 - 1234567, 0.5));

  assert.equal(st.ctl('unplug', '1').code, 0);
  await st.waitStatus(1, 'Available');
  const [session] = st.ctlJson('sessions').sessions;
  assert.ok(near(session.meter_start_wh, 1234567, 0.2), JSON.stringify(session));
  assert.ok(near(session.meter_stop_wh, 1240000, 0.2), JSON.stringify(session));
  assert.ok(near(session.energy_wh, 1240000 - 1234567, 0.5));
});
