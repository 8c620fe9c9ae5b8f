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
