// A Modbus grid meter drives load management end to end: grid.source = meter
// with grid.meter = grid, a Siemens PAC2200 served by the Modbus simulator
// (tests/tools/modbus_server.py) over TCP, two cars on a 32 A per phase site.
// The test plays the building: a feeder reads the station status and writes
// on the meter what a real one at the building's entrance would measure, the
// building's own load plus what borne's cars draw now (currents, power per
// phase and total). The cars share what the meter leaves below the limit, a
// load step on L1 is followed at once and the site never stays over its limit
// longer than the allowed reaction, a silent meter (the simulator killed)
// falls back to grid.fallback_a after grid.stale_s and a meter back on the
// same port ends the failsafe. No sleeps: the feeder writes after every
// answer the meter gives, or after every station event while there is no
// meter.
//
// The image on the meter is up to one poll old when it is read (the feeder
// writes after an answer, the meter is read at the next poll), while borne
// subtracts what the cars draw when the reading arrives. When a car has just
// slowed down in between, borne sees more building load than there is for
// one reading and may pause a car that would fit; it resumes after
// energy.hysteresis_s. The checks below wait for the steady state and allow
// for such a reading. The opposite error (less load than there is, a car
// having just sped up) is not allowed for: increases wait
// energy.hysteresis_s, and the time over the limit is measured throughout.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startBorned } from './lib/borne.mjs';
import { ModbusServer, waitServed } from './lib/modbus.mjs';

const LIMIT = 32;
const MARGIN = 1;
const STALE_S = 3;
const FALLBACK_A = 12;
const UNIT = 2;
const VOLTS = 230;
/* The import register: constant, so never backwards (a zero image from a
 * freshly started simulator is then refused as implausible, not used). */
const ENERGY_WH = 5e6;
/* Allowed reaction (as in energy.test.mjs): a round within 1 s of the
 * measurement, then the EV's 5 s of IEC 61851-1 to follow. Station time. */
const REACTION_MS = 6000;

/* What the PAC2200 shows for these currents per phase. */
function meterImage(total) {
  return {
    voltage_l1: VOLTS, voltage_l2: VOLTS, voltage_l3: VOLTS,
    current_l1: total[0], current_l2: total[1], current_l3: total[2],
    power_l1: total[0] * VOLTS, power_l2: total[1] * VOLTS, power_l3: total[2] * VOLTS,
    power_total: (total[0] + total[1] + total[2]) * VOLTS,
    energy_import: ENERGY_WH, frequency: 50,
  };
}

const building = {
  other: [10, 10, 10], /* the building's own load per phase, A */
  srv: null, /* the meter's simulator; null while the meter is gone */
  running: false,
  writeWaiters: [],
  iterWaiters: [],
  overSince: null, longestOverMs: 0, wasOver: false, lastAt: null, maxGapMs: 0,
};

let srv = await ModbusServer.start({ meters: [`${UNIT}:pac2200`] });
const PORT = srv.port;
await srv.set(UNIT, meterImage(building.other));
building.srv = srv;

const st = await startBorned({
  connectors: 2,
  auth: 'free',
  speed: 4,
  set: {
    'meter.poll_interval_ms': 100,
    'meter.grid.model': 'pac2200',
    'meter.grid.port': `tcp://127.0.0.1:${PORT}`,
    'meter.grid.unit_id': UNIT,
    'meter.grid.timeout_ms': 200,
    'grid.source': 'meter',
    'grid.meter': 'grid',
    'grid.stale_s': STALE_S,
    'grid.fallback_a': FALLBACK_A,
    'site.limit_a': LIMIT,
    'site.margin_a': MARGIN,
    'energy.min_on_s': 0,
    'energy.min_off_s': 0,
  },
}).catch(async (e) => { await srv.kill(); throw e; });

/* What the site really draws now per phase: the building plus the cars. */
function observe(s, total) {
  const at = Date.parse(s.station.time);
  if (building.lastAt !== null) building.maxGapMs = Math.max(building.maxGapMs, at - building.lastAt);
  building.lastAt = at;
  if (total.some((t) => t > LIMIT + 0.01)) {
    building.wasOver = true;
    building.overSince ??= at;
    building.longestOverMs = Math.max(building.longestOverMs, at - building.overSince);
  } else {
    building.overSince = null;
  }
}

const own = (s) => [0, 1, 2].map((p) => s.connectors.reduce((sum, c) => sum + (c.current_a[p] ?? 0), 0));

async function feed() {
  let seen = await st.lastEventId();
  while (building.running) {
    for (const w of building.iterWaiters.splice(0)) w();
    const other = building.other;
    const meter = building.srv;
    const s = await st.status();
    const drawn = own(s);
    const total = other.map((o, p) => o + drawn[p]);
    observe(s, total);
    if (meter) {
      try {
        await meter.set(UNIT, meterImage(total));
        for (const w of building.writeWaiters.filter((x) => x.other === other)) w.resolve();
        building.writeWaiters = building.writeWaiters.filter((x) => x.other !== other);
        await meter.served(UNIT); /* the meter was read: look again */
      } catch (e) {
        if (building.srv === meter) throw e; /* else: unplugged on purpose meanwhile */
      }
    } else {
      /* no meter: the building goes on; look again after the next event (or second) */
      const ev = await st.ok('GET', `/api/v1/events?after=${seen}&wait=1`);
      seen = ev.last_id;
    }
  }
}

let feeder = null;
function startFeeder() {
  building.running = true;
  feeder = feed();
}

/* Resolves once the feeder wrote an image with this building load. */
const written = (other) => new Promise((resolve) => building.writeWaiters.push({ other, resolve }));
/* A status taken once the meter answered three more polls after the
 * feeder's next image (two of them at least began after it): the rounds
 * that used those readings have run. */
async function meterReadAgain(what) {
  await written(building.other);
  const polls = (await st.status()).station.grid_meter.polls;
  return waitServed(st, building.srv, UNIT, (x) => x.station.grid_meter.polls >= polls + 3, { what });
}
/* Resolves when the feeder starts its next look (the one before is over). */
const nextLook = () => new Promise((resolve) => (building.running ? building.iterWaiters.push(resolve) : resolve()));

after(async () => {
  building.running = false;
  await feeder;
  await st.stop();
  st.cleanup();
  await building.srv?.kill();
  await srv.kill();
});

const shares = (s) => s.connectors.map((c) => c.offered_a);
/* A fair share, or at most energy.hysteresis_a (1 A) below it. */
const fair = (a, share) => a <= share + 1e-9 && a > share - 1;
const near = (a, b, eps) => Math.abs(a - b) <= eps;

let calm = 0; /* event id once the meter's data was in use */

test('the meter\'s load, cars included, leaves two cars their share; a load step on L1 is followed at once', async () => {
  // the meter's first answer ends the failsafe of the start (no data yet)
  await st.waitFor((x) => x.station.grid_meter?.ok && x.station.site.failsafe === false,
    { what: 'grid meter in use', timeoutMs: 30000 });
  calm = await st.lastEventId();
  startFeeder();
  assert.equal(st.ctl('plug', '1', '--ev-max-current', '32', '--phases', '3').code, 0);
  assert.equal(st.ctl('plug', '2', '--ev-max-current', '32', '--phases', '3').code, 0);

  // 32 - 10 (building) - 1 (margin) = 21 A per phase: 10.5 A each
  await st.waitFor((x) => x.connectors.every((c) => c.status === 'Charging' && fair(c.offered_a, 10.5)),
    { what: 'both charging at 10.5 A', timeoutMs: 60000 });
  await waitServed(st, building.srv, UNIT, (x) => x.connectors.every((c) => near(c.current_a[0], c.offered_a, 1e-6)),
    { what: 'both drawing their share', tries: 200 });
  let s = await meterReadAgain('the meter read with both cars drawing');
  const site = s.station.site;
  assert.equal(site.load_management, true);
  assert.equal(site.source, 'meter');
  assert.equal(site.limit_a, LIMIT);
  assert.equal(site.failsafe, false);
  assert.ok(site.grid_age_s !== null && site.grid_age_s < STALE_S, `grid age ${site.grid_age_s}`);
  assert.equal(s.station.grid_meter.model, 'pac2200');
  assert.equal(s.station.grid_meter.unit_id, UNIT);
  const drawn = own(s);
  for (let p = 0; p < 3; p++) {
    // the meter measures the cars too: building_a is the meter's current,
    // own_a what the cars draw, and only the rest counts against the limit
    assert.ok(near(site.building_a[p], building.other[p] + drawn[p], 0.2), `building_a ${site.building_a} drawn ${drawn}`);
    assert.ok(near(site.own_a[p], drawn[p], 0.2), `own_a ${site.own_a}`);
    assert.ok(near(site.available_a[p], LIMIT - MARGIN - 10, 0.5), `available_a ${site.available_a}`);
    assert.ok(site.allocated_a[p] <= LIMIT - MARGIN - 10 + 1e-6, `allocated_a ${site.allocated_a}`);
  }
  assert.ok(shares(s).reduce((a, b) => a + b, 0) <= LIMIT - MARGIN - 10 + 1e-6, `shares ${shares(s)}`);
  for (const c of s.connectors) {
    assert.equal(c.limited_by, 'load_management');
    assert.equal(c.allocation.state, 'charging');
    assert.equal(c.allocation.share_a, c.offered_a);
  }
  assert.equal(building.wasOver, false, 'the site went over its limit before any load step');

  // the building steps up on L1 only: 32 - 25 - 1 = 6 A left there, room
  // for one car at the 6 A minimum
  const since = await st.lastEventId();
  building.other = [25, 10, 10];
  await written(building.other);
  // the round that used the first reading of the step has run: the
  // allocation is down already, before the cars followed
  s = await meterReadAgain('the step read on the meter');
  assert.ok(s.station.site.allocated_a[0] <= LIMIT - MARGIN - 25 + 0.1,
    `allocated ${s.station.site.allocated_a} with the building at 25 A on L1`);
  assert.ok(s.connectors.every((c) => c.offered_a <= LIMIT - MARGIN - 25 + 1e-6), `offered ${shares(s)}`);

  // once the cars followed: one charges at 6 A, the other waits for power;
  // L2 and L3 still have their 21 A (the meter's phases are the site's)
  s = await st.waitFor((x) => {
    const states = x.connectors.map((c) => c.allocation.state).sort();
    return states[0] === 'charging' && states[1] === 'waiting_for_power' &&
      near(x.station.site.available_a[0], 6, 0.5) &&
      x.station.site.available_a.slice(1).every((a) => near(a, 21, 0.5));
  }, { what: 'one car at 6 A, one waiting', timeoutMs: 30000 });
  const running = s.connectors.find((c) => c.allocation.state === 'charging');
  const waiting = s.connectors.find((c) => c.allocation.state === 'waiting_for_power');
  assert.ok(near(running.offered_a, 6, 1e-6), `offered ${running.offered_a}`);
  assert.equal(waiting.status, 'SuspendedEVSE');
  assert.equal(waiting.limited_by, 'load_management');
  assert.equal(waiting.allocation.reason, 'waiting for power');
  assert.equal(waiting.offered_a, 0);
  assert.ok(s.station.site.allocated_a[0] <= LIMIT - MARGIN - 25 + 1e-6, `allocated ${s.station.site.allocated_a}`);
  await st.waitEvent('energy_paused', { after: since, match: (e) => e.connector === waiting.id });
  // the step put the site over its limit until the cars followed, no longer
  // than the allowed reaction
  assert.equal(building.wasOver, true, 'the step did not overload the site');
  assert.ok(building.longestOverMs <= REACTION_MS,
    `site limit exceeded for ${building.longestOverMs} ms (looks ${building.maxGapMs} ms apart at most)`);
});

test('a silent meter falls back to grid.fallback_a after grid.stale_s; a meter back on the same port ends it', async () => {
  // the building back to 10 A: both cars charge again at 10.5 A
  building.other = [10, 10, 10];
  await st.waitFor((x) => x.connectors.every((c) => c.status === 'Charging' && fair(c.offered_a, 10.5)),
    { what: 'both back at 10.5 A', timeoutMs: 60000 });
  // a meter answering every 100 ms was never stale
  const evs = (await st.ok('GET', `/api/v1/events?after=${calm}&limit=1000`)).events;
  assert.deepEqual(evs.filter((e) => e.kind.startsWith('energy_failsafe')), [], 'failsafe while the meter answered');

  // the meter goes silent: its simulator is killed
  const since = await st.lastEventId();
  const before = Date.parse((await st.status()).station.time);
  const gone = building.srv;
  building.srv = null;
  await nextLook();
  await gone.kill();
  const ev = await st.waitEvent('energy_failsafe', { after: since, timeoutMs: 30000 });
  assert.match(ev.detail, /grid data \(meter\) stale or missing: connectors share 12\.0 A per phase/);
  const at = Date.parse(ev.time);
  assert.ok(at - before >= (STALE_S - 1) * 1000, `failsafe ${at - before} ms after the meter went, stale_s ${STALE_S}`);
  assert.ok(at - before <= (STALE_S + 5) * 1000, `failsafe ${at - before} ms after the meter went, stale_s ${STALE_S}`);
  // 12 A for both together: 6 A each
  let s = await st.waitFor((x) => x.station.site.failsafe && x.connectors.every((c) => c.offered_a === 6),
    { what: 'both at 6 A in failsafe', timeoutMs: 30000 });
  assert.deepEqual(s.station.site.available_a, [FALLBACK_A, FALLBACK_A, FALLBACK_A]);
  for (const a of s.station.site.allocated_a) assert.ok(a <= FALLBACK_A + 1e-6, `allocated ${s.station.site.allocated_a}`);
  assert.ok(s.station.site.grid_age_s >= STALE_S, `grid age ${s.station.site.grid_age_s}`);
  assert.equal(s.station.grid_meter.ok, false);
  assert.ok(s.station.grid_meter.io_errors + s.station.grid_meter.timeouts > 0, JSON.stringify(s.station.grid_meter));
  for (const c of s.connectors) {
    assert.equal(c.status, 'Charging');
    assert.equal(c.allocation.state, 'charging');
  }

  // a meter on the same port again: fresh data ends the failsafe
  srv = await ModbusServer.start({ meters: [`${UNIT}:pac2200`], tcp: PORT });
  building.srv = srv;
  await st.waitEvent('energy_failsafe_end', { after: since, timeoutMs: 30000 });
  await st.waitFor((x) => !x.station.site.failsafe && x.station.grid_meter.ok &&
    x.connectors.every((c) => fair(c.offered_a, 10.5)), { what: 'recovered', timeoutMs: 60000 });
  await waitServed(st, srv, UNIT, (x) => x.connectors.every((c) => near(c.current_a[0], c.offered_a, 1e-6)),
    { what: 'both drawing their share again', tries: 200 });
  s = await meterReadAgain('the new meter read with both cars drawing');
  assert.equal(s.station.site.failsafe, false);
  assert.equal(s.station.site.source, 'meter');
  for (const a of s.station.site.available_a) assert.ok(near(a, 21, 0.5), `available ${s.station.site.available_a}`);
  building.running = false;
  await feeder;
  // the site never stayed over its limit longer than the allowed reaction
  assert.ok(building.longestOverMs <= REACTION_MS,
    `site limit exceeded for ${building.longestOverMs} ms (looks ${building.maxGapMs} ms apart at most)`);
});
