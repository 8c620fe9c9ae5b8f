// Which connectors a user may use (issue 7, Users and badges): stored with
// the user, enforced where the station authorizes a badge (tap before or
// after plugging, remote start with a badge), refused with the reason in
// the event log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startBorned } from './lib/borne.mjs';

test('a badge whose user may use connector 2 only is refused on connector 1, with the reason logged', async () => {
  const st = await startBorned({ connectors: 2 });
  try {
    const created = await st.api('POST', '/api/v1/users', { name: 'Room 12', connectors: [2] });
    assert.equal(created.status, 201);
    assert.deepEqual(created.body.connectors, [2]);
    const id = created.body.id;
    assert.equal((await st.api('POST', '/api/v1/users', { name: 'Guest' })).body.connectors, null, 'every connector by default');
    assert.equal(st.ctl('badges', 'add', '04A1', '--user', 'Room 12').code, 0);
    for (const bad of [[], [3], [0], ['1'], 'all']) {
      const r = await st.api('PUT', `/api/v1/users/${id}`, { connectors: bad });
      assert.equal(r.status, 400, JSON.stringify(bad));
      assert.match(r.body.error, /connectors:/);
    }
    assert.deepEqual((await st.ok('GET', '/api/v1/users')).users.find((u) => u.id === id).connectors, [2]);

    // plugged on 1, then the badge: refused there
    assert.equal(st.ctl('plug', '1').code, 0);
    await st.waitStatus(1, 'Preparing');
    let from = await st.lastEventId();
    assert.equal(st.ctl('tap', '04A1').code, 0);
    const refused = await st.waitEvent('auth_refused', { after: from });
    assert.equal(refused.connector, 1);
    assert.equal(refused.detail, '04A1: its user may not charge on connector 1 (Users and badges)');
    assert.equal((await st.connector(1)).session, null);
    // a remote start with the badge on 1 is refused too
    const remote = await st.api('POST', '/api/v1/connectors/1/start', { badge: '04A1' });
    assert.equal(remote.status, 409);
    assert.match(remote.body.error, /Room 12 may not charge on connector 1/);
    assert.equal(st.ctl('unplug', '1').code, 0);
    await st.waitStatus(1, 'Available');

    // tapped first, then plugged on 1: refused when it is plugged
    from = await st.lastEventId();
    assert.equal(st.ctl('tap', '04A1').code, 0);
    await st.waitEvent('auth_accepted', { after: from });
    assert.equal(st.ctl('plug', '1').code, 0);
    const late = await st.waitEvent('auth_refused', { after: from });
    assert.equal(late.connector, 1);
    assert.equal(st.ctl('unplug', '1').code, 0);

    // on 2 it charges
    assert.equal(st.ctl('plug', '2').code, 0);
    await st.waitStatus(2, 'Preparing');
    assert.equal(st.ctl('tap', '04A1').code, 0);
    const s = await st.waitFor((x) => x.connectors[1].session?.badge === '04A1' || x.connectors[1].session?.uid === '04A1', { what: 'session on 2' });
    assert.equal(s.connectors[1].session.user, 'Room 12');

    // every connector again
    const all = await st.api('PUT', `/api/v1/users/${id}`, { connectors: null });
    assert.equal(all.body.connectors, null);
    assert.equal((await st.api('DELETE', `/api/v1/users/${id}`)).status, 200);
  } finally { await st.stop(); st.cleanup(); }
});
