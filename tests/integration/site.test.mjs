// An installation of many stations (docs/site.md): N real borned --sim
// processes on the loopback, each with its own data directory and ports: one
// leader (site.role = leader, the site limit) and N-1 followers driven
// through their Modbus TCP servers. N = 8 in make test, 32 in make soak
// (BORNE_SOAK=1), or BORNE_SITE_N. Cars are plugged in through bornectl.
// A sampler reads every station's offers all along: their sum never exceeds
// the site limit. kill -9 a follower: the leader counts it at its fail-safe
// current (or its last draw) and the others stay under the limit; restarted,
// it is re-admitted. kill -9 the leader: every follower drops to its
// fail-safe current within its fail-safe time; restarted, the leader takes
// the installation over again without overshooting. The leader's grid meter
// is a Siemens PAC2200 served by pymodbus (tests/tools/modbus_server.py):
// the sampler writes on it what the building draws, its own load plus every
// station's cars, and a load step on it must reach every member within 2 s.
// No sleeps: every step waits on station events or on the stations' answers.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startBorned, SOAK } from './lib/borne.mjs';
import { launch, newPage, login, open, checkPage } from './lib/browser.mjs';
import { setupPins } from './lib/web.mjs';
import { axe } from './lib/a11y.mjs';
import { ModbusServer } from './lib/modbus.mjs';
import { startSiteFollower } from './lib/site.mjs';

const N = Number(process.env.BORNE_SITE_N ?? (SOAK ? 32 : 8));
const LIMIT = 63;
const MARGIN = 1;
const FAILSAFE_S = 3;
/* every follower at its fail-safe must still fit under the limit */
const FAILSAFE_A = (N - 1) * 6 <= LIMIT - MARGIN ? 6 : 0;
const CHARGING = new Set(['Preparing', 'Charging', 'SuspendedEV', 'SuspendedEVSE']);
const UNIT = 2; /* the grid meter's unit id */
const VOLTS = 230;

/* What the PAC2200 at the building's entrance shows for these currents; the
 * import register constant and non-zero (a zero image is implausible). */
function meterImage(total) {
  return {
    voltage_l1: VOLTS, voltage_l2: VOLTS, voltage_l3: VOLTS,
    current_l1: total[0], current_l2: total[1], current_l3: total[2],
    power_l1: total[0] * VOLTS, power_l2: total[1] * VOLTS, power_l3: total[2] * VOLTS,
    power_total: (total[0] + total[1] + total[2]) * VOLTS,
    energy_import: 5e6, frequency: 50,
  };
}
let buildingOther = 0; /* the building's own load per phase, A */
const gridMeter = await ModbusServer.start({ meters: [`${UNIT}:pac2200`] });
await gridMeter.set(UNIT, meterImage([0, 0, 0]));

const startFollower = (i, { dataDir, port } = {}) =>
  startSiteFollower(i, { dataDir, port, failsafeA: FAILSAFE_A, failsafeS: FAILSAFE_S });

/* started side by side: each waits on its own start, not on the others' */
const followers = await Promise.all(Array.from({ length: N - 1 }, (_, i) => startFollower(i + 1)));
/* before any leader: the fail-safe holds */
const beforeLeader = await followers[0].connector(1);
const members = followers.map((f) => `127.0.0.1:${f.mbPort}`).join(',');
const leaderSet = {
  'station.id': 'leader',
  'site.role': 'leader',
  'site.members': members,
  'site.limit_a': LIMIT,
  'site.margin_a': MARGIN,
  'modbus_server.failsafe_a': FAILSAFE_A,
  'energy.min_on_s': 0,
  'energy.min_off_s': 0,
  'energy.hysteresis_s': 0,
  'grid.source': 'meter',
  'grid.meter': 'grid',
  'meter.grid.model': 'pac2200',
  'meter.grid.port': `tcp://127.0.0.1:${gridMeter.port}`,
  'meter.grid.unit_id': UNIT,
  'meter.poll_interval_ms': 200,
};
let leader = await startBorned({ connectors: 1, auth: 'free', set: leaderSet });
leader.name = 'leader';
const all = () => [leader, ...followers];
const dead = new Set();

/* The sampler: every station's offers to cars that may draw, summed. */
const violations = [];
let samples = 0;
let sampling = true;
let extraReserve = 0; /* a killed follower's fail-safe, counted by hand */
let gen = 0; /* bumped when a station dies or comes back: a sample begun before is dropped */
async function sampleOnce() {
  const g = gen;
  const live = all().filter((s) => !dead.has(s));
  const res = await Promise.all(live.map((s) => s.status().catch(() => null)));
  if (g !== gen) return;
  let sum = 0;
  const drawn = [buildingOther, buildingOther, buildingOther];
  for (const r of res) {
    if (!r) continue;
    for (const c of r.connectors) {
      if (CHARGING.has(c.status) && c.offered_a >= 6) sum += c.offered_a;
      for (let p = 0; p < 3; p++) drawn[p] += c.current_a?.[p] ?? 0;
    }
  }
  /* the grid meter shows what the building draws now */
  await gridMeter.set(UNIT, meterImage(drawn)).catch(() => {});
  samples++;
  if (sum + extraReserve > LIMIT + 1e-9) violations.push({ sum, extraReserve, at: new Date().toISOString() });
}
const sampler = (async () => {
  while (sampling) {
    await sampleOnce();
    await new Promise((r) => setTimeout(r, 100)); /* the sampling period, not a wait for a state */
  }
})();

after(async () => {
  sampling = false;
  await sampler;
  for (const s of all()) {
    if (!dead.has(s)) await s.stop();
    s.cleanup();
  }
  await gridMeter.kill();
});

async function site(st) { return st.ok('GET', '/api/v1/site'); }

/* Wait until pred(GET /api/v1/site of the leader), re-checked after every
 * event of the leader (or at most every second). */
async function waitLeaderSite(pred, what, timeoutMs = 30000) {
  let last;
  const deadline = Date.now() + timeoutMs;
  let after = await leader.lastEventId();
  for (;;) {
    last = await site(leader);
    if (pred(last)) return last;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(last)}`);
    const ev = await leader.ok('GET', `/api/v1/events?after=${after}&wait=1`);
    after = ev.last_id;
  }
}
test('followers wait at their fail-safe until a leader drives them; GET /api/v1/site', async () => {
  const s = await waitLeaderSite((x) => x.members.length === N - 1 && x.members.every((m) => m.link === 'up'),
    'every member up');
  assert.equal(s.role, 'leader');
  assert.equal(s.leader, null);
  assert.deepEqual(s.members.map((m) => m.station_id), followers.map((f) => f.name));
  assert.deepEqual(s.members.map((m) => m.address), followers.map((f) => `127.0.0.1:${f.mbPort}`));
  for (const m of s.members) {
    assert.equal(m.connectors.length, 1);
    const c = m.connectors[0];
    for (const k of ['id', 'status', 'offered_a', 'current_a']) assert.ok(k in c, `${k} in ${JSON.stringify(c)}`);
    assert.equal(c.status, 'Available');
  }
  assert.equal(beforeLeader.limited_by, 'failsafe');
  assert.ok(beforeLeader.offered_a <= FAILSAFE_A, `${beforeLeader.offered_a}`);
  /* the leader renews a setpoint on every connector, idle ones at 0 A */
  await followers[0].waitFor((x) => x.connectors[0].limited_by === 'site', { what: 'the leader\'s setpoint' });
  const f = await site(followers[0]);
  assert.equal(f.role, 'follower');
  assert.equal(f.leader, '127.0.0.1');
  assert.deepEqual(f.members, []);
});

test(`${N} cars share the ${LIMIT} A site limit; the sum of offers never exceeds it`, async () => {
  for (const st of all()) assert.equal(st.ctl('plug', '1', '--ev-max-current', '32', '--phases', '3').code, 0);
  const admitted = Math.min(N, Math.floor((LIMIT - MARGIN) / 6));
  const s = await waitLeaderSite((x) => x.members.filter((m) => m.connectors[0].status === 'Charging' && m.connectors[0].offered_a >= 6).length >= admitted - 1,
    `${admitted} cars charging`, 60000);
  const charging = s.members.filter((m) => m.connectors[0].offered_a >= 6);
  for (const m of charging) assert.equal(m.connectors[0].limited_by, 'site', JSON.stringify(m));
  const fc = await followers.find((f) => f.name === charging[0].station_id).connector(1);
  assert.equal(fc.limited_by, 'site');
  await sampleOnce();
  assert.deepEqual(violations, []);
});

test('the dashboard: the leader lists its members and their links, a follower says who leads it', async () => {
  const browser = await launch();
  try {
    const pins = await setupPins(leader);
    const page = await newPage(browser, leader, { viewport: { width: 1280, height: 900 } });
    await login(page, 'owner', pins.owner);
    await open(page, 'dashboard');
    await page.waitForFunction((n) => document.querySelectorAll('[data-test=installation-members] tbody tr[data-link=up]').length === n, N - 1);
    const text = await page.textContent('[data-test=installation]');
    assert.match(text, /This station leads the installation/);
    assert.match(text, /follower-1/);
    assert.match(text, /limited by|the installation’s leader/);
    await checkPage(page, 'dashboard-installation-leader');
    /* each member connector's priority and whose charging windows apply (GET /api/v1/site's
     * connectors[].priority and .windows), in both languages, no axe finding of any impact */
    const expectRows = async (pg, priority, windows) => {
      const api = await site(leader);
      const want = api.members.flatMap((m) => m.connectors.map((c) => [m.station_id, c.id, c.priority, c.windows]));
      for (const w of want) assert.equal(w[2], 0, `no member priority set here: ${JSON.stringify(w)}`);
      assert.ok(want.some((w) => w[3] === 'station'), `a session under the station's windows: ${JSON.stringify(want)}`);
      const shown = await pg.$$eval('[data-test=installation-members] tbody tr', (trs) => trs.flatMap((tr) =>
        [...tr.querySelectorAll('[data-test=member-connector]')].map((c) => [tr.querySelector('th').textContent,
          Number(c.dataset.connector), Number(c.dataset.priority), c.dataset.windows ?? null, c.textContent])));
      assert.deepEqual(shown.map((x) => x.slice(0, 4)), want, 'the page shows what the API says');
      for (const [, , p, win, label] of shown) {
        assert.ok(label.includes(priority(p)), label);
        if (win) assert.ok(label.includes(windows[win]), label);
      }
    };
    await expectRows(page, (p) => `priority ${p}`,
      { user: 'the user’s charging windows', station: 'the station’s charging windows' });
    assert.deepEqual(await axe(page, 'installation en'), []);
    const frPage = await newPage(browser, leader, { viewport: { width: 1280, height: 900 }, locale: 'fr-FR' });
    await login(frPage, 'owner', pins.owner);
    await open(frPage, 'dashboard');
    await frPage.waitForFunction((n) => document.querySelectorAll('[data-test=installation-members] tbody tr[data-link=up]').length === n, N - 1);
    assert.match(await frPage.textContent('[data-test=installation]'), /Cette borne pilote l’installation/);
    await expectRows(frPage, (p) => `priorité ${p}`,
      { user: 'plages de charge de l’utilisateur', station: 'plages de charge de la borne' });
    assert.deepEqual(await axe(frPage, 'installation fr'), []);
    assert.deepEqual([...page.errors, ...frPage.errors], [], 'no script error');
    const fpins = await setupPins(followers[1]);
    const fpage = await newPage(browser, followers[1]);
    await login(fpage, 'owner', fpins.owner);
    await open(fpage, 'dashboard');
    await fpage.waitForSelector('[data-test=installation-leader]');
    assert.equal(await fpage.textContent('[data-test=installation-leader]'), 'This station follows 127.0.0.1.');
    assert.match(await fpage.textContent('[data-connector="1"] [data-test=limit]'), /limited by the installation’s leader/);
    assert.deepEqual(fpage.errors, [], 'no script error');
  } finally {
    await browser.close();
  }
});

test('kill -9 a follower: counted at its fail-safe, the others stay under the limit; restarted, re-admitted', async () => {
  const victim = followers[0];
  const port = victim.mbPort;
  const mark = await leader.lastEventId();
  dead.add(victim);
  extraReserve = FAILSAFE_A;
  gen++;
  await victim.kill();
  await waitLeaderSite((x) => x.members[0].link === 'down', 'member 1 down');
  /* (on a loaded machine another member may miss a poll meanwhile: its own event) */
  const ev = await leader.waitEvent('site_member_down',
    { after: mark, match: (e) => e.detail.includes(`127.0.0.1:${port} `), timeoutMs: 10000 });
  /* its fail-safe (or its last draw, higher) comes off the site's budget */
  const ls = await leader.waitFor((x) => x.station.site.available_a[0] <= LIMIT - MARGIN - Math.max(FAILSAFE_A, 1) + 1e-9,
    { what: 'the member counted out of the budget', timeoutMs: 10000 });
  assert.ok(ls.station.site.available_a[0] >= 0);
  assert.match(ev.detail, /out of reach/);
  /* a few rounds with the member out of reach */
  const ref = samples;
  await leader.waitFor(() => samples >= ref + 10, { what: 'ten samples', timeoutMs: 30000 });
  assert.deepEqual(violations, []);
  const back = await startFollower(1, { dataDir: victim.dataDir, port });
  followers[0] = back;
  dead.delete(victim);
  extraReserve = 0;
  gen++;
  await waitLeaderSite((x) => x.members[0].link === 'up', 'member 1 up again');
  if ((await back.connector(1)).status === 'Available')
    assert.equal(back.ctl('plug', '1', '--ev-max-current', '32', '--phases', '3').code, 0);
  await back.waitFor((x) => x.connectors[0].limited_by === 'site' && CHARGING.has(x.connectors[0].status),
    { what: 'the restarted follower driven by the leader again', timeoutMs: 30000 });
  assert.deepEqual(violations, []);
});

test('kill -9 the leader: every follower at or below its fail-safe within its timeout; restarted, it takes over', async (t) => {
  const marks = await Promise.all(followers.map((f) => f.lastEventId()));
  const t0 = Date.now();
  dead.add(leader);
  gen++;
  await leader.kill();
  await Promise.all(followers.map((f) => f.waitFor(
    (x) => x.connectors[0].offered_a <= FAILSAFE_A + 1e-9 && x.connectors[0].limited_by === 'failsafe',
    { what: `${f.name} at its fail-safe`, timeoutMs: (FAILSAFE_S + 5) * 1000 })));
  /* each follower recorded its drop: within failsafe_s (+ 1 s, its check) of the leader's last write */
  const evs = await Promise.all(followers.map((f, i) => f.waitEvent('modbus_failsafe', { after: marks[i], timeoutMs: 10000 })));
  for (const e of evs) {
    const took = (Date.parse(e.time) - t0) / 1000;
    assert.ok(took <= FAILSAFE_S + 1.5, `fail-safe after ${took} s`);
    assert.match(e.detail, /no leader/);
  }
  const old = leader;
  leader = await startBorned({ dataDir: old.dataDir, connectors: 1, auth: 'free', set: leaderSet });
  leader.name = 'leader';
  dead.delete(old);
  gen++;
  await waitLeaderSite((x) => x.members.every((m) => m.link === 'up' && m.connectors[0].limited_by === 'site'),
    'the installation led again', 60000);
  const ref = samples;
  await leader.waitFor(() => samples >= ref + 10, { what: 'ten samples', timeoutMs: 30000 });
  assert.deepEqual(violations, []);
  assert.ok(samples > 20, `${samples} samples`);
  const led = await site(leader);
  assert.equal(typeof led.cycle_ms, 'number');
  t.diagnostic(`leader cycle (write and read ${N - 1} members on the loopback): ${led.cycle_ms} ms; ${samples} samples`);
});

test('a load step on the leader\'s grid meter (pymodbus PAC2200) reaches every member at once', async (t) => {
  await leader.waitFor((x) => x.station.grid_meter?.ok && x.station.site.failsafe === false,
    { what: 'the grid meter in use', timeoutMs: 30000 });
  const live = () => all().filter((s) => !dead.has(s));
  const statuses = async () => Promise.all(live().map((s) => s.status()));
  const offers = (res) => res.reduce((sum, r) => sum + r.connectors.reduce((a, c) => a + (CHARGING.has(c.status) && c.offered_a >= 6 ? c.offered_a : 0), 0), 0);
  const OTHER = 40; /* the building's other loads jump by 40 A */
  const t0 = Date.now();
  buildingOther = OTHER; /* the sampler writes it on the meter */
  let took = null;
  while (took === null) {
    const res = await statuses();
    const avail = res[0].station.site.available_a[0];
    if (avail < LIMIT - MARGIN - OTHER / 2 && offers(res) <= avail + 1e-9) took = Date.now() - t0;
    else if (Date.now() - t0 > 10000) throw new Error(`offers ${offers(res)} A above ${avail} A after 10 s`);
    else await new Promise((r) => setTimeout(r, 50)); /* the sampling period */
  }
  t.diagnostic(`grid meter load step to every member's new offer: ${took} ms (${N} stations, meter polled every 200 ms)`);
  assert.ok(took <= 2000, `${took} ms`);
  assert.deepEqual(violations, []);
});
