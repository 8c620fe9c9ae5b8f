// Authorization modes: free charging (seed 000), refused badges, disabled
// badges and users, authorization timeout, remote start/stop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startBorned } from './lib/borne.mjs';

test('free mode: plug and charge, unplug ends the session', async () => {
  const st = await startBorned({ connectors: 1, auth: 'free', speed: 100 });
  try {
    await st.waitStatus(1, 'Available');
    assert.equal(st.ctl('plug', '1').code, 0);
    const s = await st.waitFor((x) => x.connectors[0].status === 'Charging' && x.connectors[0].power_w > 0, { what: 'charging' });
    assert.equal(s.connectors[0].session.badge, '');
    assert.equal(st.ctl('unplug', '1').code, 0);
    await st.waitStatus(1, 'Available');
    const [session] = st.ctlJson('sessions').sessions;
    assert.equal(session.stop_reason, 'EVDisconnected');
    assert.ok(session.energy_wh > 0);
  } finally { await st.stop(); st.cleanup(); }
});

test('badge mode: unknown, disabled badge and disabled user are refused; nothing charges', async () => {
  const st = await startBorned({ connectors: 1, auth: 'badge', speed: 50 });
  try {
    await st.waitStatus(1, 'Available');
    assert.equal(st.ctl('badges', 'add', 'AA11', '--user', 'Guest').code, 0);
    assert.equal(st.ctl('badges', 'disable', 'AA11').code, 0);
    assert.equal(st.ctl('badges', 'add', 'BB22', '--user', 'Gone').code, 0);
    const gone = st.ctlJson('users', 'list').users.find((u) => u.name === 'Gone');
    assert.equal((await st.api('PUT', `/api/v1/users/${gone.id}`, { enabled: false })).status, 200);
    assert.equal(st.ctl('plug', '1').code, 0);
    await st.waitStatus(1, 'Preparing');
    for (const uid of ['DEADBEEF', 'AA11', 'BB22']) {
      const mark = await st.lastEventId();
      assert.equal(st.ctl('tap', uid).code, 0);
      await st.waitEvent('auth_refused', { after: mark, match: (e) => e.detail.includes(uid) });
      const c = await st.connector(1);
      assert.equal(c.status, 'Preparing');
      assert.equal(c.contactor_closed, false);
      assert.equal(c.session, null);
    }
    assert.equal(st.ctlJson('sessions').sessions.length, 0);
  } finally { await st.stop(); st.cleanup(); }
});

test('an authorization tapped before plugging expires unused after auth.timeout_s', async () => {
  const st = await startBorned({ connectors: 1, auth: 'badge', speed: 20, set: { 'auth.timeout_s': 10 } });
  try {
    await st.waitStatus(1, 'Available');
    assert.equal(st.ctl('badges', 'add', 'CC33').code, 0);
    const mark = await st.lastEventId();
    assert.equal(st.ctl('tap', 'CC33').code, 0);
    await st.waitEvent('auth_accepted', { after: mark });
    await st.waitEvent('auth_expired', { after: mark, match: (e) => e.detail.includes('CC33') });
    assert.equal(st.ctl('plug', '1').code, 0);
    const s = await st.waitStatus(1, 'Preparing');
    assert.equal(s.connectors[0].session, null, 'the expired authorization is not used');
  } finally { await st.stop(); st.cleanup(); }
});

test('remote start and stop through the API', async () => {
  const st = await startBorned({ connectors: 2, auth: 'badge', speed: 50 });
  try {
    await st.waitStatus(2, 'Available');
    assert.equal(st.ctl('badges', 'add', 'DD44', '--user', 'Owner').code, 0);
    assert.equal(st.ctl('plug', '2').code, 0);
    await st.waitStatus(2, 'Preparing');
    assert.equal(st.ctl('start', '2', '--badge', 'DD44').code, 0);
    const s = await st.waitStatus(2, 'Charging');
    assert.equal(s.connectors[1].session.user, 'Owner');
    assert.equal(st.ctl('stop', '2').code, 0);
    await st.waitStatus(2, 'Finishing');
    const [session] = st.ctlJson('sessions').sessions;
    assert.equal(session.stop_reason, 'Remote');
    const again = st.ctl('stop', '2');
    assert.equal(again.code, 1, 'stopping a connector without a session is an error');
    assert.match(again.stderr, /no session/);
  } finally { await st.stop(); st.cleanup(); }
});
