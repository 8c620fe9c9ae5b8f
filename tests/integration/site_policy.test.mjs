// An installation's charging windows and priorities, held by the leader for
// every member (docs/site.md "Charging windows and priorities"): a leader and
// a follower of two connectors, real borned --sim processes sharing
// site.secret (the follower authorizes from the leader's copy of the users
// and badges). The leader's station window is closed: a session on the
// follower whose badge's user has windows of their own (open) charges, a
// guest's waits; the user's windows removed on the leader, theirs waits too.
// The station window opened, the follower's connector 2, which has a
// priority of its own (site.member_priorities HOST/2=5), is served first
// under the site limit: more than connector 1, not an equal share. No sleeps: every step waits on
// events or on the stations' status.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startBorned } from './lib/borne.mjs';
import { startSiteFollower } from './lib/site.mjs';
import { launch, newPage, login, open } from './lib/browser.mjs';
import { setupPins } from './lib/web.mjs';
import { axe } from './lib/a11y.mjs';

const SECRET = 'installation-secret-0123456789';

const follower = await startSiteFollower(1, { secret: SECRET, auth: 'badge', connectors: 2 });
const member = `127.0.0.1:${follower.mbPort}`;
const leader = await startBorned({
  connectors: 1, auth: 'badge',
  set: {
    'station.id': 'leader',
    'sim.start': '2026-06-15T12:00:00Z', // a Monday, 12:00 UTC
    'schedule.windows': 'Mon-Sun 22:00-06:00', // closed now
    'site.role': 'leader',
    'site.secret': SECRET,
    'site.members': member,
    'site.limit_a': 20,
    'site.member_priorities': `${member}/2=5`,
  },
});

after(async () => {
  const codes = [await leader.stop(), await follower.stop()];
  leader.cleanup();
  follower.cleanup();
  assert.deepEqual(codes, [0, 0], 'both stop cleanly (no leak under ASan)');
});

const siteConn = async (c) => (await leader.ok('GET', '/api/v1/site')).members[0].connectors[c - 1];

/* Until the follower holds the leader's badges. */
async function waitBadges(n) {
  for (;;) {
    const mark = await follower.lastEventId();
    if ((await follower.ok('GET', '/api/v1/badges')).badges.length === n) return;
    await follower.waitEvent('site_directory_applied', { after: mark, timeoutMs: 15000 });
  }
}

let staff;

/* The leader's dashboard, Installation block: the member's connectors with their priority and
 * whose windows apply, [id, priority, windows, English, French], in both languages, no axe
 * finding of any impact. */
async function dashboardShows(want) {
  const browser = await launch();
  try {
    const pins = await setupPins(leader);
    for (const [locale, col] of [['en-GB', 3], ['fr-FR', 4]]) {
      const page = await newPage(browser, leader, { viewport: { width: 1280, height: 900 }, locale });
      await login(page, 'owner', pins.owner);
      await open(page, 'dashboard');
      await page.waitForFunction((n) => document.querySelectorAll('[data-test=installation-members] [data-test=member-connector][data-windows]').length === n, want.length);
      const shown = await page.$$eval('[data-test=installation-members] [data-test=member-connector]',
        (cs) => cs.map((c) => [c.dataset.connector, c.dataset.priority, c.dataset.windows, c.textContent]));
      assert.deepEqual(shown.map((x) => x.slice(0, 3)), want.map((w) => w.slice(0, 3)));
      for (let i = 0; i < want.length; i++) assert.ok(shown[i][3].endsWith(want[i][col]), `${locale}: ${shown[i][3]}`);
      assert.deepEqual(await axe(page, `installation ${locale}`), []);
      assert.deepEqual(page.errors, [], 'no script error');
      await page.context().close();
    }
  } finally {
    await browser.close();
  }
}

test('a member\'s session follows its user\'s windows, the others the leader\'s', async () => {
  assert.equal(leader.ctl('badges', 'add', 'AA01', '--user', 'Staff').code, 0);
  assert.equal(leader.ctl('badges', 'add', 'BB02', '--user', 'Guest').code, 0);
  staff = leader.ctlJson('users', 'list').users.find((u) => u.name === 'Staff').id;
  await leader.ok('PUT', `/api/v1/users/${staff}/windows`, { windows: 'Mon-Sun 00:00-24:00' });
  await waitBadges(2);

  assert.equal(follower.ctl('plug', '1').code, 0);
  assert.equal(follower.ctl('tap', 'AA01').code, 0);
  await follower.waitFor((x) => x.connectors[0].session, { what: 'staff session' });
  assert.equal(follower.ctl('plug', '2').code, 0);
  assert.equal(follower.ctl('tap', 'BB02').code, 0);
  const s = await follower.waitFor((x) => x.connectors[0].status === 'Charging' && x.connectors[0].offered_a >= 6 &&
    x.connectors[0].limited_by === 'site' &&
    x.connectors[1].session && x.connectors[1].offered_a === 0 && x.connectors[1].limited_by === 'site',
  { what: 'staff charges on the follower, the guest waits', timeoutMs: 20000 });
  assert.equal(s.connectors[1].status, 'SuspendedEVSE');
  const [c1, c2] = [await siteConn(1), await siteConn(2)];
  assert.equal(c1.windows, 'user');
  assert.equal(c2.windows, 'station');
  await dashboardShows([
    ['1', '0', 'user', 'priority 0, the user’s charging windows', 'priorité 0, plages de charge de l’utilisateur'],
    ['2', '5', 'station', 'priority 5, the station’s charging windows', 'priorité 5, plages de charge de la borne'],
  ]);

  /* the user's windows removed on the leader: the station's hold them too */
  await leader.ok('PUT', `/api/v1/users/${staff}/windows`, { windows: null });
  await follower.waitFor((x) => x.connectors[0].offered_a === 0 && x.connectors[1].offered_a === 0,
    { what: 'both wait for the station window', timeoutMs: 20000 });
  assert.equal((await siteConn(1)).windows, 'station');
});

test('a member\'s connector with a priority of its own is served first', async () => {
  assert.equal((await siteConn(1)).priority, 0);
  assert.equal((await siteConn(2)).priority, 5);
  await leader.ok('PUT', '/api/v1/settings', { 'schedule.windows': '' });
  /* shared equally they would have 9.5 A each; connector 2 is served first (its car's
   * whole demand up to the budget), connector 1 gets what is left, if any */
  const s = await follower.waitFor((x) => x.connectors[1].status === 'Charging' && x.connectors[1].offered_a > 10 &&
    x.connectors[0].session && x.connectors[0].offered_a < x.connectors[1].offered_a,
  { what: 'connector 2 served first', timeoutMs: 30000 });
  assert.ok(s.connectors[0].offered_a + s.connectors[1].offered_a <= 20 + 1e-6,
    `${s.connectors[0].offered_a} + ${s.connectors[1].offered_a} A under the 20 A limit`);
  assert.equal((await siteConn(2)).windows, 'station');
});
