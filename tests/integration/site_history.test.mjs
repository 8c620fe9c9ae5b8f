// The installation's history (docs/site.md): a leader and two followers,
// real borned --sim processes sharing site.secret. Sessions that end on the
// followers are collected by the leader (POST /api/v1/site/sessions/export,
// signed) into its table site_sessions and shown once each, with their
// station, in GET /api/v1/site/sessions (JSON and CSV) beside the leader's
// own; after a leader restart they are still there once each, and a session
// that ended while the leader was down is collected when it is back. A
// request for a member's sessions not signed with the secret is refused.
// In a browser (chromium) the leader's history page lists them with a
// station column; a follower's users page says who manages its badges.
// No sleeps: every step waits on events.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startBorned } from './lib/borne.mjs';
import { startSiteFollower } from './lib/site.mjs';
import { launch, newPage, login, open, checkPage } from './lib/browser.mjs';
import { setupPins } from './lib/web.mjs';

const SECRET = 'installation-secret-0123456789';

const startFollower = (i) => startSiteFollower(i, { secret: SECRET, auth: 'free' });

const followers = [await startFollower(1), await startFollower(2)];
const leaderOpts = (dataDir) => ({
  dataDir, connectors: 1, auth: 'free',
  set: {
    'station.id': 'leader',
    'site.role': 'leader',
    'site.secret': SECRET,
    'site.members': followers.map((f) => `127.0.0.1:${f.mbPort}`).join(','),
    'site.limit_a': 63,
  },
});
let leader = await startBorned(leaderOpts());

after(async () => {
  await leader.stop();
  leader.cleanup();
  for (const f of followers) { await f.stop(); f.cleanup(); }
});

/* One session on station st: plugged, charging, unplugged. */
async function oneSession(st) {
  assert.equal(st.ctl('plug', '1').code, 0);
  await st.waitFor((s) => s.connectors[0].session !== null, { what: 'a session' });
  const mark = await st.lastEventId();
  assert.equal(st.ctl('unplug', '1').code, 0);
  await st.waitEvent('session_stop', { after: mark });
}

const history = async () => (await leader.ok('GET', '/api/v1/site/sessions')).sessions;
const fromMembers = (list) => list.filter((s) => s.member !== null);

/* Until the leader's history holds n sessions of members, all finished (a
 * pull may have caught one while it ran: it is there, running, until the
 * next pull sees it ended). */
async function waitCollected(n) {
  for (;;) {
    const mark = await leader.lastEventId();
    const list = fromMembers(await history());
    if (list.length >= n && list.every((s) => s.stop !== null)) return list;
    await leader.waitEvent('site_sessions_collected', { after: mark, timeoutMs: 20000 });
  }
}

function assertOnceEach(list) {
  const keys = list.map((s) => `${s.member}#${s.id}`);
  assert.equal(new Set(keys).size, keys.length, `no duplicates: ${keys}`);
}

test('sessions on two followers appear once each in the leader\'s history', async () => {
  await oneSession(followers[0]);
  await oneSession(followers[1]);
  await oneSession(leader);
  const list = await waitCollected(2);
  assert.equal(list.length, 2);
  assertOnceEach(list);
  assert.deepEqual(list.map((s) => s.station_id).sort(), ['follower-1', 'follower-2']);
  for (const s of list) {
    assert.equal(s.connector, 1);
    assert.ok(s.stop, 'finished');
    assert.ok(s.energy_wh >= 0);
  }
  const own = (await history()).filter((s) => s.member === null);
  assert.equal(own.length, 1);
  assert.equal(own[0].station_id, 'leader');

  const csv = await leader.api('GET', '/api/v1/site/sessions?format=csv');
  assert.equal(csv.status, 200);
  assert.match(csv.headers.get('content-type'), /text\/csv/);
  const lines = csv.body.trim().split('\n');
  assert.equal(lines[0], 'station_id,member,id,connector,badge,user,start,stop,energy_wh,stop_reason');
  assert.equal(lines.length, 4);
  assert.ok(lines.some((l) => l.startsWith('follower-1,127.0.0.1:')));
  /* free charging: no badge, no user — empty cells, not quoted */
  assert.ok(lines.slice(1).every((l) => /,1,,,/.test(l) && !l.includes('""')), csv.body);
});

test('after a leader restart: still once each, and what ended meanwhile is collected', async () => {
  const dataDir = leader.dataDir;
  await leader.stop();
  await oneSession(followers[0]); /* while the leader is away */
  leader = await startBorned(leaderOpts(dataDir));
  const list = await waitCollected(3);
  assert.equal(list.length, 3);
  assertOnceEach(list);
  assert.equal(list.filter((s) => s.station_id === 'follower-1').length, 2);
  /* another round of pulls adds nothing */
  const mark = await leader.lastEventId();
  await oneSession(followers[1]);
  await leader.waitEvent('site_sessions_collected', { after: mark, timeoutMs: 20000 });
  const again = fromMembers(await history());
  assert.equal(again.length, 4);
  assertOnceEach(again);
});

test('a request for a member\'s sessions not signed with the secret is refused', async () => {
  const f = followers[0];
  const r = await f.api('POST', '/api/v1/site/sessions/export',
    { after: 0, signature: '0'.repeat(64) }, { token: null });
  assert.equal(r.status, 403);
  assert.match(r.body.error, /signature does not match/);
  assert.equal((await leader.api('GET', '/api/v1/site/sessions', undefined, { token: null })).status, 401);
});

test('the leader\'s history page shows the installation with a station column', async () => {
  const browser = await launch();
  try {
    const pins = await setupPins(leader);
    const page = await newPage(browser, leader, { viewport: { width: 1280, height: 900 } });
    await login(page, 'owner', pins.owner);
    await open(page, 'history');
    await page.waitForSelector('[data-test=whole-site]:checked');
    await page.waitForSelector('table[data-test=sessions] td[data-test=station]');
    const stations = await page.$$eval('td[data-test=station]', (tds) => tds.map((td) => td.textContent));
    assert.equal(stations.filter((x) => x === 'follower-1').length, 2);
    assert.equal(stations.filter((x) => x === 'follower-2').length, 2);
    assert.equal(stations.filter((x) => x === 'leader').length, 1);
    assert.deepEqual(page.errors, []);
    await checkPage(page, 'history-installation-leader', { shot: false });

    const f = followers[0];
    const fpins = await setupPins(f);
    const fpage = await newPage(browser, f);
    await login(fpage, 'owner', fpins.owner);
    await open(fpage, 'users');
    await fpage.waitForSelector('[data-test=managed-by]');
    /* the leader's (empty) copy applied: its, read-only */
    const note = await fpage.textContent('[data-test=managed-by]');
    assert.match(note, /managed by the leader 127\.0\.0\.1/);
    assert.equal(await fpage.isVisible('form[data-test=add-badge]'), false);
    assert.deepEqual(fpage.errors, []);
  } finally { await browser.close(); }
});

/* Until the leader's history has a session of member `member` with `id`
 * for which ok(session) holds. */
async function waitMemberSession(member, id, ok) {
  for (;;) {
    const mark = await leader.lastEventId();
    const s = (await history()).find((x) => x.member === member && x.id === id);
    if (s && ok(s)) return s;
    await leader.waitEvent('site_sessions_collected', { after: mark, timeoutMs: 20000 });
  }
}

test('a session still running on a follower is in the leader\'s history, updated when it ends', async () => {
  const f = followers[1];
  const member = `127.0.0.1:${f.mbPort}`;
  assert.equal(f.ctl('plug', '1').code, 0);
  const charging = await f.waitFor((s) => s.connectors[0].session !== null, { what: 'a session' });
  const id = charging.connectors[0].session.id;
  const running = await waitMemberSession(member, id, () => true);
  assert.equal(running.stop, null);
  assert.equal(running.stop_reason, null);
  assert.equal(running.station_id, 'follower-2');
  assert.ok(running.start);

  /* on the page: the station and "running" */
  const browser = await launch();
  try {
    await setupPins(leader).catch(() => null); /* done by the test before when run whole */
    const page = await newPage(browser, leader, { viewport: { width: 1280, height: 900 } });
    await login(page, 'owner', '1234');
    await open(page, 'history');
    const row = await page.waitForSelector(`table[data-test=sessions] tr:has(td[data-test=station]:text-is("follower-2")):has-text("running")`);
    assert.ok(row);
    assert.deepEqual(page.errors, []);
  } finally { await browser.close(); }

  const mark = await f.lastEventId();
  assert.equal(f.ctl('unplug', '1').code, 0);
  await f.waitEvent('session_stop', { after: mark });
  const ended = await waitMemberSession(member, id, (s) => s.stop !== null);
  assert.ok(ended.stop_reason);
  assert.ok(ended.energy_wh >= 0);
  assertOnceEach(fromMembers(await history()));
  /* the CSV has it once, finished */
  const csv = (await leader.api('GET', '/api/v1/site/sessions?format=csv')).body;
  assert.equal(csv.split('\n').filter((l) => l.startsWith(`follower-2,${member},${id},`)).length, 1);
});
