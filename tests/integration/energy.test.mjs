// Energy management end to end: a 40 A per phase site, two cars plugged at
// once, the building's load fed through POST /api/v1/grid the way a meter
// would see it (the building's own load + what borne draws, read from the
// status). The site limit holds, load steps are followed, a silent feed
// falls back to the failsafe and recovers. No sleeps: the feeder posts after
// every station event (long-poll) or at least once per real second.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startBorned } from './lib/borne.mjs';

const LIMIT = 40;
const st = await startBorned({
  connectors: 2,
  auth: 'free',
  speed: 5,
  set: {
    'site.limit_a': LIMIT,
    'site.margin_a': 1,
    'grid.source': 'api',
    'grid.stale_s': 30,
    'grid.fallback_a': 8,
    'energy.min_on_s': 0,
    'energy.min_off_s': 0,
  },
});

/* The simulated building: its own load per phase; the meter adds borne's draw. */
const building = { other: [10, 10, 10], running: false, posts: 0, overSince: null, longestOverMs: 0, lastAt: null, maxGapMs: 0 };
/* Allowed reaction (issue 6): a round within 1 s of the measurement, then the
 * EV's 5 s of IEC 61851-1 to follow a lower duty cycle. */
const REACTION_MS = 6000;
let feeder = null;

async function feedOnce() {
  const s = await st.status();
  const own = [0, 1, 2].map((p) => s.connectors.reduce((sum, c) => sum + (c.current_a[p] ?? 0), 0));
  const total = building.other.map((o, p) => o + own[p]);
  const at = Date.parse(s.station.time);
  if (building.lastAt !== null) building.maxGapMs = Math.max(building.maxGapMs, at - building.lastAt);
  building.lastAt = at;
  if (total.some((t) => t > LIMIT + 0.01)) {
    building.overSince ??= at;
    building.longestOverMs = Math.max(building.longestOverMs, at - building.overSince);
  } else {
    building.overSince = null;
  }
  await st.ok('POST', '/api/v1/grid', { current_a: total });
  building.posts++;
  return s;
}

function startFeeder() {
  building.running = true;
  feeder = (async () => {
    let after = await st.lastEventId();
    while (building.running) {
      await feedOnce();
      const ev = await st.ok('GET', `/api/v1/events?after=${after}&wait=1`);
      after = ev.last_id;
    }
  })();
}

async function stopFeeder() {
  building.running = false;
  await feeder;
  building.lastAt = null;
}

after(async () => { building.running = false; await feeder; await st.stop(); st.cleanup(); });

const shares = (s) => s.connectors.map((c) => c.offered_a);
/* A fair share, or at most energy.hysteresis_a (1 A) below it: smaller
 * increases are not made. */
const fair = (a, share) => a <= share + 1e-9 && a > share - 1;

test('POST /api/v1/grid refuses bad bodies with a clear message', async () => {
  for (const [body, re] of [
    [{}, /nothing to record/],
    [{ current_a: [1, 2] }, /current_a: an array of 3 numbers/],
    [{ current_a: [1, 'x', 3] }, /current_a\[1\]: a number/],
    [{ current_a: [1, 2, 1e9] }, /current_a\[2\]/],
    [{ current_a: [1, 2, 3], volts: 230 }, /volts/],
    [{ contact: 'yes' }, /contact/],
  ]) {
    const r = await st.api('POST', '/api/v1/grid', body);
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.match(r.body.error, re);
  }
  const r = await st.api('POST', '/api/v1/grid', undefined, { raw: '{"current_a": [1,2' });
  assert.equal(r.status, 400);
});

test('two cars share what the building leaves below the site limit', async () => {
  startFeeder();
  assert.equal(st.ctl('plug', '1', '--ev-max-current', '32', '--phases', '3').code, 0);
  assert.equal(st.ctl('plug', '2', '--ev-max-current', '32', '--phases', '3').code, 0);
  // 40 - 10 (building) - 1 (margin) = 29 A per phase: 14.5 A each
  const s = await st.waitFor((x) => x.connectors.every((c) => c.status === 'Charging' && fair(c.offered_a, 14.5)),
    { what: 'both charging at 14.5 A', timeoutMs: 60000 });
  assert.equal(s.station.site.load_management, true);
  assert.equal(s.station.site.source, 'api');
  assert.equal(s.station.site.limit_a, LIMIT);
  assert.equal(s.station.site.failsafe, false);
  for (const a of s.station.site.available_a) assert.ok(Math.abs(a - 29) < 0.5, `available ${a}`);
  for (const c of s.connectors) {
    assert.equal(c.limited_by, 'load_management');
    assert.equal(c.allocation.state, 'charging');
    assert.equal(c.allocation.share_a, c.offered_a);
  }
});

test('a building load step is followed at once and the limit holds', async () => {
  building.other = [25, 10, 10];
  // L1: 40 - 25 - 1 = 14 A for both: 7 A each
  await st.waitFor((x) => shares(x).every((a) => a === 7), { what: '7 A each', timeoutMs: 30000 });
  building.other = [36, 10, 10];
  // 3 A left: nobody can get 6 A, both wait for power
  const s = await st.waitFor((x) => x.connectors.every((c) => c.status === 'SuspendedEVSE'),
    { what: 'both waiting for power', timeoutMs: 30000 });
  for (const c of s.connectors) {
    assert.equal(c.limited_by, 'load_management');
    assert.equal(c.allocation.reason, 'waiting for power');
  }
  await st.waitEvent('energy_paused');
  building.other = [10, 10, 10];
  await st.waitFor((x) => shares(x).every((a) => fair(a, 14.5)), { what: 'back to 14.5 A each', timeoutMs: 60000 });
});

test('a silent grid feed falls back to grid.fallback_a, then recovers', async () => {
  const since = await st.lastEventId();
  await stopFeeder();
  const ev = await st.waitEvent('energy_failsafe', { after: since, timeoutMs: 60000 });
  assert.match(ev.detail, /stale/);
  // 8 A for both together: one charges at 8 A, the other waits
  const s = await st.waitFor((x) => x.station.site.failsafe &&
    shares(x).reduce((a, b) => a + b, 0) <= 8 && shares(x).some((a) => a === 8),
  { what: 'failsafe shares', timeoutMs: 30000 });
  assert.deepEqual(s.station.site.available_a, [8, 8, 8]);
  startFeeder();
  await st.waitEvent('energy_failsafe_end', { after: since, timeoutMs: 30000 });
  await st.waitFor((x) => !x.station.site.failsafe && shares(x).every((a) => fair(a, 14.5)),
    { what: 'recovered', timeoutMs: 60000 });
  await stopFeeder();
  // the feeder measured what a meter would: the site never stayed above its
  // limit longer than the allowed reaction time (plus the feeder's own
  // sampling gap, which is when it could notice)
  assert.ok(building.longestOverMs <= REACTION_MS + building.maxGapMs,
    `site limit exceeded for ${building.longestOverMs} ms (feed gap ${building.maxGapMs} ms)`);
});

// ---------------------------------------------------------------------------
// The hotel day (seed 002): a 40 A site in Europe/Paris, charging allowed
// 22:00-06:00, a building load following a daily curve, two cars plugged at
// 21:30 at once. Car 1 needs 24 kWh and finishes in the night; car 2 needs
// 100 kWh: it stops at 06:00, waits through the day and finishes the next
// night by itself. A simulated day and a bit at --sim-speed 600.
// ---------------------------------------------------------------------------

/* June: Paris is UTC+2 (the DST rules themselves are unit-tested). */
const PARIS_OFFSET_MS = 2 * 3600e3;
const localHour = (iso) => (((Date.parse(iso) + PARIS_OFFSET_MS) % 86400e3) / 3600e3);

/* The building without the cars, A per phase, by local hour. */
function dailyCurve(h) {
  let base;
  if (h < 6) base = 6;
  else if (h < 7) base = 6 + (h - 6) * 14; /* morning ramp */
  else if (h < 9) base = 20;
  else if (h < 17) base = 14;
  else if (h < 18) base = 14 + (h - 17) * 16; /* evening ramp */
  else if (h < 21) base = 30;
  else if (h < 22) base = 30 - (h - 21) * 18;
  else base = 12 - (h - 22) * 3;
  return [base, base * 0.8, base * 0.9];
}

const inWindow = (h) => h >= 22 || h < 6;

test('hotel day: the site limit holds, both cars finish, nothing charges outside 22:00-06:00', { timeout: 540000 }, async () => {
  const hotel = await startBorned({
    connectors: 2,
    auth: 'free',
    speed: 600,
    set: {
      'sim.start': '2026-06-15T19:25:00Z', /* 21:25 in Paris */
      'site.timezone': 'Europe/Paris',
      'schedule.windows': 'Mon-Sun 22:00-06:00',
      'site.limit_a': LIMIT,
      'site.margin_a': 1,
      'grid.source': 'api',
      'grid.stale_s': 3600,
    },
  });
  try {
    const end = Date.parse('2026-06-16T22:30:00Z'); /* 00:30 after the next evening */
    let after = await hotel.lastEventId();
    const plugged = { done: false };
    const stats = { posts: 0, overInRow: 0, maxOverInRow: 0, outsideCharging: [], decisions: 0, badDecisions: [] };
    const energyAt6 = [];
    let s = await hotel.status();
    assert.equal(s.station.site.window.configured, true);
    assert.equal(s.station.site.window.timezone, 'Europe/Paris');
    assert.equal(s.station.site.window.open, false);
    assert.equal(s.station.site.window.next_change, '2026-06-15T20:00:00.000Z');
    for (;;) {
      s = await hotel.status();
      const now = Date.parse(s.station.time);
      if (now >= end) break;
      const h = localHour(s.station.time);
      if (!plugged.done && h >= 21.5) {
        assert.equal(hotel.ctl('plug', '1', '--ev-max-current', '16', '--phases', '3', '--battery-kwh', '40', '--soc', '20', '--target-soc', '80').code, 0);
        assert.equal(hotel.ctl('plug', '2', '--ev-max-current', '16', '--phases', '3', '--battery-kwh', '100', '--soc', '0', '--target-soc', '100').code, 0);
        plugged.done = true;
        plugged.at = now;
      }
      // the meter: the building's own load plus what the cars draw now
      const other = dailyCurve(h);
      const own = [0, 1, 2].map((p) => s.connectors.reduce((sum, c) => sum + c.current_a[p], 0));
      const total = other.map((o, p) => o + own[p]);
      if (total.some((t) => t > LIMIT + 0.01)) stats.overInRow++;
      else stats.overInRow = 0;
      stats.maxOverInRow = Math.max(stats.maxOverInRow, stats.overInRow);
      // nothing charges outside the window (a minute of grace at the boundary)
      const hEarly = localHour(new Date(now - 60e3).toISOString());
      if (!inWindow(h) && !inWindow(hEarly)) {
        for (const c of s.connectors) {
          if (c.power_w > 0 || c.status === 'Charging') stats.outsideCharging.push([s.station.time, c.id, c.status, c.power_w]);
        }
      }
      if (h >= 6 && h < 6.5 && energyAt6.length === 0 && plugged.done) energyAt6.push(...s.connectors.map((c) => c.session?.energy_wh ?? 0));
      await hotel.ok('POST', '/api/v1/grid', { current_a: total });
      stats.posts++;
      // the decision that follows this measurement keeps the site under its limit
      const d = await hotel.status();
      if (!d.station.site.failsafe) {
        stats.decisions++;
        for (let p = 0; p < 3; p++) {
          const offered = d.connectors.reduce((sum, c) => sum + (c.offered_a >= 6 ? c.offered_a : 0), 0);
          // judged on what the station could know: the building's load is the
          // measurement less the cars' draw, and at 600x a car ramping between
          // the status read above and the station's round (a loaded machine)
          // draws more by then; the real site current is checked on its own
          // (maxOverInRow)
          const ownNow = d.connectors.reduce((sum, c) => sum + c.current_a[p], 0);
          const seen = Math.min(other[p], total[p] - ownNow);
          if (seen + offered > LIMIT + 0.01) stats.badDecisions.push([d.station.time, p, other[p], seen, offered]);
        }
      }
      const ev = await hotel.ok('GET', `/api/v1/events?after=${after}&wait=1`);
      after = ev.last_id;
    }
    assert.ok(stats.posts > 100, `only ${stats.posts} measurements`);
    assert.deepEqual(stats.badDecisions, [], 'a decision above the site limit');
    // a measured overload (the building stepped up) is gone at the next measurement
    assert.ok(stats.maxOverInRow <= 1, `site over its limit ${stats.maxOverInRow} measurements in a row`);
    assert.deepEqual(stats.outsideCharging, [], 'charging outside the window');
    // both cars finished: car 1 the first night, car 2 the second
    const f = await hotel.status();
    const [c1, c2] = f.connectors;
    assert.equal(c1.status, 'SuspendedEV', `car 1: ${JSON.stringify([c1.error, c1.session])}`);
    assert.equal(c2.status, 'SuspendedEV', `car 2: ${JSON.stringify([c2.error, c2.session])}`);
    assert.ok(c1.session.energy_wh >= 24000 * 0.97, `car 1 got ${c1.session.energy_wh} Wh`);
    assert.ok(c2.session.energy_wh >= 100000 * 0.97, `car 2 got ${c2.session.energy_wh} Wh`);
    // car 2 had not finished at 06:00: it waited through the day
    assert.ok(energyAt6[0] >= 24000 * 0.97, 'car 1 finished in the first night');
    assert.ok(energyAt6[1] < 100000 * 0.95, `car 2 had ${energyAt6[1]} Wh at 06:00`);
    // the events tell the story
    const evs = (await hotel.ok('GET', '/api/v1/events?after=0&limit=1000')).events;
    const kinds = evs.filter((e) => e.kind.startsWith('window_')).map((e) => [e.kind, e.time]);
    assert.deepEqual(kinds.map((k) => k[0]), ['window_open', 'window_closed', 'window_open']);
    // at the boundary, never before it; at --sim-speed 600 a simulated minute is 100 ms, so a
    // loaded sanitizer run may see the event a few simulated minutes late (seen: 04:02:31)
    const atBoundary = (time, boundary) => {
      const late = Date.parse(time) - Date.parse(boundary);
      return late >= 0 && late < 5 * 60000;
    };
    assert.ok(atBoundary(kinds[0][1], '2026-06-15T20:00:00Z'), kinds[0][1]);
    assert.ok(atBoundary(kinds[1][1], '2026-06-16T04:00:00Z'), kinds[1][1]);
    assert.ok(atBoundary(kinds[2][1], '2026-06-16T20:00:00Z'), kinds[2][1]);
  } finally {
    await hotel.stop();
    hotel.cleanup();
  }
});

test('before the window opens a plugged car waits for the allowed period', async () => {
  const h = await startBorned({
    connectors: 1,
    auth: 'free',
    speed: 10,
    set: {
      'sim.start': '2026-06-15T12:00:00Z',
      'site.timezone': 'Europe/Paris',
      'schedule.windows': 'Mon-Sun 22:00-06:00',
      'site.limit_a': LIMIT,
    },
  });
  try {
    assert.equal(h.ctl('plug', '1').code, 0);
    const s = await h.waitFor((x) => x.connectors[0].status === 'SuspendedEVSE' && x.connectors[0].session, { what: 'waiting' });
    const c = s.connectors[0];
    assert.equal(c.limited_by, 'schedule');
    assert.equal(c.offered_a, 0);
    assert.equal(c.allocation.state, 'held');
    assert.equal(c.allocation.reason, 'waiting for allowed period');
    assert.equal(s.station.site.window.open, false);
    // opening the window now (a runtime setting) lets it charge by itself
    await h.ok('PUT', '/api/v1/settings', { 'schedule.windows': 'Mon-Sun 00:00-24:00' });
    const r = await h.waitStatus(1, 'Charging');
    assert.equal(r.connectors[0].limited_by, 'load_management');
    assert.equal(r.station.site.window.open, true);
  } finally {
    await h.stop();
    h.cleanup();
  }
});

test('EnWG 14a contact through the API caps the charging power at once, then releases it', async () => {
  const h = await startBorned({ connectors: 2, auth: 'free', speed: 5, set: { 'grid.contact_limit_w': 4200 } });
  try {
    assert.equal(h.ctl('plug', '1', '--ev-max-current', '16', '--phases', '3').code, 0);
    assert.equal(h.ctl('plug', '2', '--ev-max-current', '16', '--phases', '3').code, 0);
    await h.waitFor((x) => x.connectors.every((c) => c.status === 'Charging' && c.offered_a === 32), { what: 'both charging, no load management' });
    const since = await h.lastEventId();
    await h.ok('POST', '/api/v1/grid', { contact: true });
    // the next look already shows the cap: 4200 W / 230 V = 18.3 A over all phases,
    // room for one three-phase car at 6 A
    const s = await h.status();
    const watts = s.connectors.reduce((sum, c) => sum + (c.offered_a >= 6 ? c.offered_a * 230 * 3 : 0), 0);
    assert.ok(watts <= 4200, `offered ${watts} W`);
    assert.equal(s.station.site.contact.asserted, true);
    assert.equal(s.station.site.contact.limit_w, 4200);
    assert.deepEqual(s.connectors.map((c) => c.offered_a).sort(), [0, 6]);
    await h.waitEvent('energy_contact', { after: since });
    await h.ok('POST', '/api/v1/grid', { contact: false });
    await h.waitFor((x) => x.connectors.every((c) => c.offered_a === 32) && !x.station.site.contact.asserted, { what: 'released' });
    await h.waitEvent('energy_contact_end', { after: since });
  } finally {
    await h.stop();
    h.cleanup();
  }
});

test('a badge group (a user and all their badges) with windows of its own charges when the station window is closed', async () => {
  const h = await startBorned({
    connectors: 2,
    auth: 'badge',
    speed: 10,
    set: { 'sim.start': '2026-06-15T12:00:00Z', 'site.timezone': 'Europe/Paris', 'schedule.windows': 'Mon-Sun 22:00-06:00' },
  });
  try {
    assert.equal(h.ctl('badges', 'add', 'AA01', '--user', 'Staff').code, 0);
    assert.equal(h.ctl('badges', 'add', 'AA02', '--user', 'Staff').code, 0);
    assert.equal(h.ctl('badges', 'add', 'BB02', '--user', 'Guest').code, 0);
    const users = h.ctlJson('users', 'list').users;
    const staff = users.find((u) => u.name === 'Staff').id;
    let r = await h.api('PUT', `/api/v1/users/${staff}/windows`, { windows: 'Mon-Sun 25:00-06:00' });
    assert.equal(r.status, 400);
    assert.match(r.body.error, /windows: rule 1 .*is not a time/);
    r = await h.api('PUT', `/api/v1/users/${staff}/windows`, { when: 'always' });
    assert.equal(r.status, 400);
    r = await h.api('PUT', '/api/v1/users/9999/windows', { windows: 'Mon-Sun 00:00-24:00' });
    assert.equal(r.status, 404);
    assert.deepEqual(await h.ok('PUT', `/api/v1/users/${staff}/windows`, { windows: 'Mon-Sun 00:00-24:00' }),
      { user: staff, windows: 'Mon-Sun 00:00-24:00' });
    assert.deepEqual(await h.ok('GET', `/api/v1/users/${staff}/windows`), { user: staff, windows: 'Mon-Sun 00:00-24:00' });
    assert.equal(h.ctl('plug', '1').code, 0);
    assert.equal(h.ctl('tap', 'AA02').code, 0); // the group's second badge: the user's windows
    assert.equal(h.ctl('plug', '2').code, 0);
    assert.equal(h.ctl('tap', 'BB02').code, 0);
    const s = await h.waitFor((x) => x.connectors[0].status === 'Charging' && x.connectors[1].status === 'SuspendedEVSE' && x.connectors[1].session,
      { what: 'staff charges, the guest waits' });
    assert.equal(s.connectors[1].limited_by, 'schedule');
    assert.equal(s.connectors[0].window.user_windows, 'Mon-Sun 00:00-24:00');
    assert.equal(s.connectors[0].window.open, true);
    assert.equal(s.connectors[1].window.open, false);
    // back to the station's windows: staff waits too
    assert.deepEqual(await h.ok('PUT', `/api/v1/users/${staff}/windows`, { windows: null }), { user: staff, windows: null });
    const t = await h.waitStatus(1, 'SuspendedEVSE');
    assert.equal(t.connectors[0].limited_by, 'schedule');
  } finally {
    await h.stop();
    h.cleanup();
  }
});

test('off-peak follows the meter: the tariff period reported by the grid input opens the window', async () => {
  const h = await startBorned({
    connectors: 1,
    auth: 'free',
    speed: 5,
    set: { 'schedule.follow_offpeak': true, 'grid.stale_s': 600 },
  });
  try {
    await h.ok('POST', '/api/v1/grid', { offpeak: false, tariff: 'HP' });
    assert.equal(h.ctl('plug', '1').code, 0);
    let s = await h.waitFor((x) => x.connectors[0].status === 'SuspendedEVSE' && x.connectors[0].session, { what: 'waiting for off-peak' });
    assert.equal(s.connectors[0].limited_by, 'schedule');
    assert.equal(s.station.site.window.open, false);
    assert.equal(s.station.site.window.source, 'meter');
    await h.ok('POST', '/api/v1/grid', { offpeak: true, tariff: 'HC' });
    s = await h.waitStatus(1, 'Charging');
    assert.equal(s.station.site.window.open, true);
    await h.waitEvent('window_open', { match: (e) => /off-peak/.test(e.detail) });
  } finally {
    await h.stop();
    h.cleanup();
  }
});
