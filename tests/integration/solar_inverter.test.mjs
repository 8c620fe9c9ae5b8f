// Solar charging from a PV inverter, no grid meter: the inverter is a SunSpec
// model 103 device (meters/sunspec-inverter.map: integer values with scale
// factors) served by the Modbus simulator (tests/tools/modbus_server.py,
// python3-pymodbus, which writes the model header and the scale-factor
// registers itself), named by solar.inverter; solar.house_load_w is the
// house's assumed consumption. The surplus is the inverter's production
// minus that load: the car starts when it covers 3 x 6 A for
// solar.start_delay_s, takes the surplus over its three phases, and stops
// when the production falls (after solar.stop_delay_s and
// solar.min_charge_s); a silent inverter is no surplus. Station time runs
// 10 times faster; the timings are station seconds.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startBorned } from './lib/borne.mjs';
import { ModbusServer } from './lib/modbus.mjs';

const UNIT = 3;
const VOLTS = 230;
const HOUSE_W = 690; /* 3 A in all */

let energyWh = 1e6;
function inverterImage(watts) {
  const a = watts / VOLTS / 3;
  energyWh += 1; /* the lifetime register only grows */
  return {
    voltage_l1: VOLTS, voltage_l2: VOLTS, voltage_l3: VOLTS,
    current_l1: a, current_l2: a, current_l3: a,
    power_total: watts, frequency: 50, energy_import: energyWh,
  };
}

const srv = await ModbusServer.start({ meters: [`${UNIT}:sunspec-inverter`] });
await srv.set(UNIT, inverterImage(0));

const st = await startBorned({
  connectors: 1,
  auth: 'free',
  speed: 10,
  set: {
    'meter.poll_interval_ms': 100,
    'meter.pv.model': 'sunspec-inverter',
    'meter.pv.port': `tcp://127.0.0.1:${srv.port}`,
    'meter.pv.unit_id': UNIT,
    'meter.pv.timeout_ms': 200,
    'solar.inverter': 'pv',
    'solar.house_load_w': HOUSE_W,
    'grid.stale_s': 10,
    'connector.1.charge_mode': 'solar',
    'solar.start_delay_s': 10,
    'solar.stop_delay_s': 20,
    'solar.min_charge_s': 30,
    'solar.min_pause_s': 20,
    'solar.smoothing_s': 2,
  },
}).catch(async (e) => { await srv.kill(); throw e; });

after(async () => {
  await st.stop();
  st.cleanup();
  await srv.kill();
});

const c1 = (s) => s.connectors[0];
const time = (s) => Date.parse(s.station.time);

test('the inverter read through its SunSpec map', async () => {
  const s = await st.waitFor((x) => x.station.inverter?.ok, { what: 'inverter read', timeoutMs: 30000 });
  assert.equal(s.station.inverter.model, 'sunspec-inverter');
  assert.equal(s.station.inverter.name, 'pv');
  assert.equal(s.station.site.solar.source, 'inverter');
  assert.equal(s.station.site.solar.pv_w, 0);
});

test('charging on the inverter\'s production minus the house load', async () => {
  assert.equal(st.ctl('plug', '1', '--ev-max-current', '16', '--phases', '3').code, 0);
  let s = await st.waitFor((x) => c1(x).status === 'SuspendedEVSE' && c1(x).solar?.state === 'waiting',
    { what: 'waiting for surplus', timeoutMs: 30000 });
  assert.equal(c1(s).limited_by, 'solar');

  // 15 A of production, 3 A of house: 12 A of surplus is short of 3 x 6 A
  await srv.set(UNIT, inverterImage(15 * VOLTS));
  s = await st.waitFor((x) => x.station.site.solar.pv_w === 15 * VOLTS, { what: 'pv 3450 W', timeoutMs: 30000 });
  const lowAt = time(s);
  s = await st.waitFor((x) => time(x) - lowAt >= 15000, { what: '15 s of low sun', timeoutMs: 30000 });
  assert.equal(c1(s).solar.state, 'waiting');
  assert.ok(Math.abs(s.station.site.solar.surplus_a - 12) < 0.5, `surplus ${s.station.site.solar.surplus_a}`);

  // 30 A of production: 27 A of surplus, 9 A on each phase after the start delay
  await srv.set(UNIT, inverterImage(30 * VOLTS));
  const sunAt = time(await st.status());
  s = await st.waitFor((x) => c1(x).status === 'Charging' && c1(x).offered_a >= 8.5,
    { what: 'charging on the inverter surplus', timeoutMs: 40000 });
  assert.ok(time(s) - sunAt >= 10000, `started ${time(s) - sunAt} ms after the sun`);
  assert.ok(c1(s).offered_a <= 9.01, `offered ${c1(s).offered_a}`);
  assert.equal(c1(s).limited_by, 'solar');
  assert.equal(s.station.site.solar.source, 'inverter');

  // the production falls below the house + 18 A: the car stops
  await srv.set(UNIT, inverterImage(10 * VOLTS));
  s = await st.waitFor((x) => c1(x).status === 'SuspendedEVSE' && c1(x).solar.state === 'waiting',
    { what: 'stopped for lack of sun', timeoutMs: 60000 });
  assert.equal(c1(s).solar.stops, 1);
  assert.equal(c1(s).offered_a, 0);
});

test('a silent inverter is no surplus', async () => {
  await srv.set(UNIT, inverterImage(30 * VOLTS));
  await srv.mode(UNIT, 'silent');
  const s = await st.waitFor((x) => x.station.site.solar.source === 'none',
    { what: 'no source once the inverter data is stale', timeoutMs: 30000 });
  assert.equal(s.station.inverter.ok, false);
  assert.equal(c1(s).solar.state, 'waiting');
});
