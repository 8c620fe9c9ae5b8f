// Solar-surplus charging end to end: connector.1.charge_mode = solar, the
// grid meter a Siemens PAC2200 served by the Modbus simulator
// (tests/tools/modbus_server.py) over TCP, a board with a phase contactor
// (sim.phase_contactor) and a three-phase car. The test plays the house: a
// feeder reads the station status and writes on the meter what the meter at
// the house's entrance would measure — the house's load minus the panels'
// production plus what the car draws now, export negative (signed power per
// phase, currents without sign, as a real PAC2200) — after every answer the
// meter gives. It replays a short day: a little sun (the car starts on one
// phase after solar.start_delay_s), a passing cloud (shorter than
// solar.stop_delay_s: the car goes on at the minimum), more sun (the
// contactor goes to three phases through a pause without current), a cloud
// that stays (the car stops, limited_by "solar") and the sun back (the car
// starts again after solar.min_pause_s). Throughout, while the car charges
// on the sun alone, the grid import stays within the bound: the house's own
// load plus the car's minimum (6 A on the phases it uses) plus 1 A, except
// for the reaction
// time after the sun drops (the moving average, a round, the EV's 5 s).
// Station time runs 10 times faster; the timings are station seconds.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startBorned } from './lib/borne.mjs';
import { ModbusServer } from './lib/modbus.mjs';

const UNIT = 2;
const VOLTS = 230;
const ENERGY_WH = 5e6; /* constant import register: never backwards */
const HOUSE_A = 1.5;   /* the house's own load per phase */
/* station ms the import may exceed the bound after the sun drops: smoothing
 * (2 s time constant: ~3 of them to fall), a round, the EV's 5 s */
const REACTION_MS = 12000;

function meterImage(total) {
  return {
    voltage_l1: VOLTS, voltage_l2: VOLTS, voltage_l3: VOLTS,
    current_l1: Math.abs(total[0]), current_l2: Math.abs(total[1]), current_l3: Math.abs(total[2]),
    power_l1: total[0] * VOLTS, power_l2: total[1] * VOLTS, power_l3: total[2] * VOLTS,
    power_total: (total[0] + total[1] + total[2]) * VOLTS,
    energy_import: ENERGY_WH, frequency: 50,
  };
}

const house = {
  pv: 0, /* the panels' production, A in all (spread over the three phases) */
  running: false,
  overSince: null, longestOverMs: 0, worstImport: 0, samples: 0,
  waiters: [],
};

/* Resolves with the first status the feeder sees (every meter poll, about
 * every second of station time) that satisfies pred. */
function until(pred, what, timeoutMs = 40000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}; last ${JSON.stringify(house.last?.connectors[0])}`)), timeoutMs);
    house.waiters.push({ pred, resolve: (s) => { clearTimeout(timer); resolve(s); } });
  });
}

const srv = await ModbusServer.start({ meters: [`${UNIT}:pac2200`] });
await srv.set(UNIT, meterImage([HOUSE_A, HOUSE_A, HOUSE_A]));

const st = await startBorned({
  connectors: 1,
  auth: 'free',
  speed: 10,
  set: {
    'meter.poll_interval_ms': 100,
    'meter.grid.model': 'pac2200',
    'meter.grid.port': `tcp://127.0.0.1:${srv.port}`,
    'meter.grid.unit_id': UNIT,
    'meter.grid.timeout_ms': 200,
    'grid.source': 'meter',
    'grid.meter': 'grid',
    'grid.stale_s': 30,
    'sim.phase_contactor': 'true',
    'connector.1.charge_mode': 'solar',
    'solar.start_delay_s': 10,
    'solar.stop_delay_s': 20,
    'solar.min_charge_s': 30,
    'solar.min_pause_s': 20,
    'solar.smoothing_s': 2,
    'solar.phase_switch_pause_s': 5,
  },
}).catch(async (e) => { await srv.kill(); throw e; });

/* The import bound while the car charges on the sun alone: the house's own
 * load plus the car's minimum on the phases it uses, plus 1 A. */
function observe(s, total) {
  const c = s.connectors[0];
  const at = Date.parse(s.station.time);
  const imp = total.reduce((a, b) => a + b, 0);
  const phases = c.solar?.phases ?? 3;
  const charging = c.current_a.some((a) => a > 0.5);
  house.samples++;
  if (charging && imp > 3 * HOUSE_A + 6 * phases + 1) {
    house.overSince ??= at;
    house.longestOverMs = Math.max(house.longestOverMs, at - house.overSince);
  } else {
    house.overSince = null;
  }
  if (charging) house.worstImport = Math.max(house.worstImport, imp);
}

async function feed() {
  while (house.running) {
    const s = await st.status();
    house.last = s;
    house.waiters = house.waiters.filter((w) => !(w.pred(s) && (w.resolve(s), true)));
    const c = s.connectors[0];
    const total = [0, 1, 2].map((p) => HOUSE_A - house.pv / 3 + (c.current_a[p] ?? 0));
    observe(s, total);
    await srv.set(UNIT, meterImage(total));
    await srv.served(UNIT); /* the meter was read: look again */
  }
}

let feeder = null;
after(async () => {
  house.running = false;
  await feeder;
  await st.stop();
  st.cleanup();
  await srv.kill();
});

const c1 = (s) => s.connectors[0];
const time = (s) => Date.parse(s.station.time);

test('charging follows the sun: start on the surplus, a passing cloud, 1 -> 3 phases, a cloud that stays, the sun back', async () => {
  await st.waitFor((x) => x.station.grid_meter?.ok, { what: 'grid meter read', timeoutMs: 30000 });
  house.running = true;
  feeder = feed();
  assert.equal(st.ctl('plug', '1', '--ev-max-current', '16', '--phases', '3').code, 0);

  // no sun: the session waits, limited by the solar mode
  let s = await until((x) => c1(x).status === 'SuspendedEVSE' && c1(x).solar?.state === 'waiting', 'waiting for surplus');
  assert.equal(c1(s).limited_by, 'solar');
  assert.equal(c1(s).charge_mode, 'solar');
  assert.equal(c1(s).solar.phase_contactor, true);

  // a little sun: 10 A of surplus starts the car on one phase (the contactor
  // moved while it drew nothing), not before solar.start_delay_s
  house.pv = 10 + 3 * HOUSE_A;
  const sunAt = time(await st.status());
  s = await until((x) => c1(x).status === 'Charging' && c1(x).current_a[0] > 5, 'charging on one phase');
  assert.ok(time(s) - sunAt >= 10000, `started ${time(s) - sunAt} ms after the sun`);
  assert.equal(c1(s).solar.phases, 1);
  assert.ok(c1(s).current_a[1] < 0.5 && c1(s).current_a[2] < 0.5, `current ${c1(s).current_a}`);
  assert.ok(c1(s).offered_a >= 6 && c1(s).offered_a <= 10.01, `offered ${c1(s).offered_a}`);
  assert.equal(c1(s).solar.starts, 1);
  let ev = await st.ok('GET', '/api/v1/events?limit=50');
  assert.ok(ev.events.some((e) => e.kind === 'phase_switch'), 'a phase_switch event');
  assert.ok(ev.events.some((e) => e.kind === 'solar_started'), 'a solar_started event');

  // a passing cloud, shorter than solar.stop_delay_s: the car goes on at 6 A
  house.pv = 0;
  const cloudAt = time(await st.status());
  s = await until((x) => c1(x).offered_a === 6, 'down to the minimum');
  s = await until((x) => time(x) - cloudAt >= 8000, '8 s of cloud');
  house.pv = 10 + 3 * HOUSE_A;
  s = await until((x) => time(x) - cloudAt >= 25000, 'the cloud passed');
  assert.equal(c1(s).status, 'Charging');
  assert.equal(c1(s).solar.stops, 0);

  // more sun: 30 A of surplus puts the car on three phases, through a pause
  house.pv = 30 + 3 * HOUSE_A;
  s = await until((x) => c1(x).solar.state === 'switching_phases', 'switching');
  assert.equal(c1(s).offered_a, 0);
  s = await until((x) => c1(x).solar.phases === 3 && c1(x).status === 'Charging' && c1(x).current_a[2] > 5, 'charging on three phases');
  assert.ok(c1(s).offered_a >= 8 && c1(s).offered_a <= 10.01, `offered ${c1(s).offered_a}`);
  assert.equal(c1(s).limited_by, 'solar');
  assert.equal(c1(s).solar.switches_last_hour, 2);

  // a cloud that stays: the car stops once solar.stop_delay_s has passed
  house.pv = 0;
  s = await until((x) => c1(x).status === 'SuspendedEVSE' && c1(x).solar.state === 'waiting', 'stopped for lack of sun');
  assert.equal(c1(s).limited_by, 'solar');
  assert.equal(c1(s).offered_a, 0);
  assert.equal(c1(s).solar.stops, 1);
  ev = await st.ok('GET', '/api/v1/events?limit=50');
  assert.ok(ev.events.some((e) => e.kind === 'solar_stopped'), 'a solar_stopped event');

  // the sun back: the car starts again once solar.min_pause_s has passed
  const stopAt = time(s);
  house.pv = 12 + 3 * HOUSE_A;
  s = await until((x) => c1(x).status === 'Charging' && c1(x).current_a[0] > 5, 'charging again');
  assert.ok(time(s) - stopAt >= 20000, `restarted ${time(s) - stopAt} ms after the stop`);
  assert.equal(c1(s).solar.starts, 2);

  // the import bound held throughout
  assert.ok(house.samples > 20, `only ${house.samples} samples`);
  assert.ok(house.longestOverMs <= REACTION_MS,
    `import above the minimum + 1 A for ${house.longestOverMs} ms (worst ${house.worstImport.toFixed(1)} A)`);

  // the mode can change at run time: normal lifts the solar limit
  await st.ok('PUT', '/api/v1/settings', { 'connector.1.charge_mode': 'normal' });
  s = await until((x) => c1(x).charge_mode === 'normal' && c1(x).limited_by !== 'solar' && c1(x).offered_a > 12, 'normal mode');
});
