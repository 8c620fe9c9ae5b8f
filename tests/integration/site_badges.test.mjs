// Users and badges managed once for an installation (docs/site.md): a leader
// and two followers, real borned --sim processes on the loopback, sharing
// site.secret. A badge added on the leader is copied to both followers
// (PUT /api/v1/site/directory, signed) and works there; a badge blocked on
// the leader is refused there; on a follower the users and badges are
// read-only. The leader killed, a follower goes on authorizing from its
// copy, after its own restart too. A push signed with another secret, an
// older (replayed) copy, and a body without a signature are refused with
// 403/400 and the event site_directory_refused; a push signed with the
// right secret needs no login. No sleeps: every step waits on events.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { rmSync } from 'node:fs';
import { startBorned, runBornedExpectingFailure, tempDataDir } from './lib/borne.mjs';
import { startSiteFollower } from './lib/site.mjs';

const SECRET = 'installation-secret-0123456789';

const startFollower = (i, { dataDir } = {}) => startSiteFollower(i, { secret: SECRET, auth: 'badge', dataDir });

const followers = [await startFollower(1), await startFollower(2)];
const leader = await startBorned({
  connectors: 1, auth: 'badge',
  set: {
    'station.id': 'leader',
    'site.role': 'leader',
    'site.secret': SECRET,
    'site.members': followers.map((f) => `127.0.0.1:${f.mbPort}`).join(','),
    'site.limit_a': 63,
    'site.member_priorities': `127.0.0.1:${followers[1].mbPort}=5`,
  },
});
let leaderAlive = true;

after(async () => {
  if (leaderAlive) await leader.stop();
  leader.cleanup();
  for (const f of followers) { await f.stop(); f.cleanup(); }
});

const site = async (st) => (await st.ok('GET', '/api/v1/site')).directory;

const badgeList = async (st) => (await st.ok('GET', '/api/v1/badges')).badges
  .map((b) => [b.uid, b.user, b.enabled]).sort();

/* Until the follower's badges are these (the leader's copy applied). */
async function waitBadges(f, want) {
  for (;;) {
    const mark = await f.lastEventId();
    if (JSON.stringify(await badgeList(f)) === JSON.stringify(want)) return;
    await f.waitEvent('site_directory_applied', { after: mark, timeoutMs: 15000 });
  }
}

async function tapOutcome(st, uid) {
  const mark = await st.lastEventId();
  assert.equal(st.ctl('tap', uid).code, 0);
  for (let after = mark; ;) {
    const ev = await st.ok('GET', `/api/v1/events?after=${after}&wait=5`);
    for (const e of ev.events)
      if ((e.kind === 'auth_accepted' || e.kind === 'auth_refused') && e.detail.includes(uid)) return e;
    after = ev.last_id;
  }
}

function signedBody(wire, secret = SECRET) {
  return { directory: wire, signature: createHmac('sha256', secret).update(wire).digest('hex') };
}

test('a badge added on the leader works on a follower; a blocked one is refused there', async () => {
  assert.equal(leader.ctl('badges', 'add', 'AA11', '--user', 'Alice').code, 0);
  assert.equal(leader.ctl('badges', 'add', 'BB22', '--user', 'Bob').code, 0);
  assert.equal(leader.ctl('badges', 'disable', 'BB22').code, 0);
  const want = [['AA11', 'Alice', true], ['BB22', 'Bob', false]];
  assert.deepEqual(await badgeList(leader), want);
  for (const f of followers) {
    await waitBadges(f, want);
    assert.equal((await site(f)).from, '127.0.0.1');
  }
  /* the leader sees each member's copy in its registers at its next poll */
  for (let after = await leader.lastEventId(); ;) {
    const { members, directory } = await leader.ok('GET', '/api/v1/site');
    if (members.every((m) => m.directory?.current === true && m.directory.version === directory.version)) break;
    after = (await leader.ok('GET', `/api/v1/events?after=${after}&wait=1`)).last_id;
  }

  const [f1, f2] = followers;
  assert.equal(f1.ctl('plug', '1').code, 0);
  await f1.waitStatus(1, 'Preparing');
  const ok = await tapOutcome(f1, 'AA11');
  assert.equal(ok.kind, 'auth_accepted');
  await f1.waitFor((s) => s.connectors[0].session !== null, { what: 'a session on follower 1' });

  assert.equal(f2.ctl('plug', '1').code, 0);
  await f2.waitStatus(1, 'Preparing');
  const refused = await tapOutcome(f2, 'BB22');
  assert.equal(refused.kind, 'auth_refused');
  assert.equal(refused.reason, 'badge_disabled');
  assert.equal((await f2.connector(1)).session, null);

  /* unblocked on the leader: the next copy lets it charge on follower 2 */
  assert.equal(leader.ctl('badges', 'enable', 'BB22').code, 0);
  await waitBadges(f2, [['AA11', 'Alice', true], ['BB22', 'Bob', true]]);
  assert.equal((await tapOutcome(f2, 'BB22')).kind, 'auth_accepted');
});

test('site.member_priorities: each member\'s priority on the leader; an unknown member refused', async () => {
  const members = (await leader.ok('GET', '/api/v1/site')).members;
  assert.deepEqual(members.map((m) => m.priority), [0, 5]);
  const dir = tempDataDir();
  const r = runBornedExpectingFailure(['--sim', '--data-dir', dir, '--http', '127.0.0.1:0',
    '--set', 'site.role=leader', '--set', 'site.limit_a=63', '--set', 'site.members=127.0.0.1:1502',
    '--set', 'site.member_priorities=127.0.0.1:1503=2']);
  rmSync(dir, { recursive: true, force: true });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /site\.member_priorities: `127\.0\.0\.1:1503` is not in site\.members/);
});

test('on a follower the users and badges are read-only, managed by the leader', async () => {
  const f = followers[0];
  const r = await f.api('POST', '/api/v1/badges', { uid: 'CC33' });
  assert.equal(r.status, 409);
  assert.match(r.body.error, /managed by the leader 127\.0\.0\.1/);
  assert.equal((await f.api('DELETE', '/api/v1/badges/AA11')).status, 409);
  assert.equal((await f.api('POST', '/api/v1/users', { name: 'Eve' })).status, 409);
  assert.equal((await f.ok('GET', '/api/v1/badges')).managed_by, 'the leader 127.0.0.1');
  assert.equal((await leader.ok('GET', '/api/v1/badges')).managed_by, null);
});

test('forged, replayed and unsigned pushes are refused; a signed one needs no login', async () => {
  const f = followers[1];
  const held = await site(f);
  const wire = JSON.stringify({
    badges: [{ enabled: true, uid: 'EEEE', user: '' }], users: [], version: held.version + 10,
  });
  const put = (body) => f.api('PUT', '/api/v1/site/directory', body, { token: null });

  let mark = await f.lastEventId();
  let r = await put(signedBody(wire, 'another-secret-0123456789'));
  assert.equal(r.status, 403);
  assert.match(r.body.error, /signature does not match/);
  await f.waitEvent('site_directory_refused', { after: mark, match: (e) => /signature/.test(e.detail) });

  r = await put({ directory: wire });
  assert.equal(r.status, 400);

  const older = JSON.stringify({ badges: [{ enabled: true, uid: 'EEEE', user: '' }], users: [], version: 1 });
  mark = await f.lastEventId();
  r = await put(signedBody(older));
  assert.equal(r.status, 403);
  assert.match(r.body.error, /not newer than the copy held/);
  await f.waitEvent('site_directory_refused', { after: mark, match: (e) => /replayed/.test(e.detail) });

  const badges = (await f.ok('GET', '/api/v1/badges')).badges.map((b) => b.uid).sort();
  assert.deepEqual(badges, ['AA11', 'BB22'], 'nothing of the refused copies applied');
  assert.equal((await site(f)).version, held.version);
});

test('the leader killed: a follower authorizes from its copy, after its restart too', async () => {
  await leader.kill();
  leaderAlive = false;
  const f = followers[0];
  assert.equal(f.ctl('unplug', '1').code, 0);
  await f.waitStatus(1, 'Available');
  assert.equal(f.ctl('plug', '1').code, 0);
  await f.waitStatus(1, 'Preparing');
  assert.equal((await tapOutcome(f, 'AA11')).kind, 'auth_accepted');
  assert.equal(f.ctl('unplug', '1').code, 0);
  await f.waitStatus(1, 'Available');

  await f.stop();
  const again = await startFollower(1, { dataDir: f.dataDir });
  followers[0] = again;
  const copy = await site(again);
  assert.ok(copy.version >= 1);
  assert.equal((await again.ok('GET', '/api/v1/badges')).managed_by, 'the leader 127.0.0.1');
  assert.equal(again.ctl('plug', '1').code, 0);
  await again.waitStatus(1, 'Preparing');
  assert.equal((await tapOutcome(again, 'AA11')).kind, 'auth_accepted');
  assert.equal((await tapOutcome(again, 'DEAD01')).kind, 'auth_refused');
});
