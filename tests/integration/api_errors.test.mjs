// Bad API requests get a clear JSON error and change nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startBorned } from './lib/borne.mjs';

let st;
before(async () => {
  st = await startBorned({ connectors: 2, auth: 'badge' });
  await st.waitStatus(2, 'Available');
});
after(async () => { await st.stop(); st.cleanup(); });

test('no token or a wrong token: 401 and nothing changes', async () => {
  for (const token of [null, 'wrong-token']) {
    const r = await st.api('POST', '/api/v1/badges', { uid: 'AB' }, { token });
    assert.equal(r.status, 401);
    assert.match(r.body.error, /token/);
    assert.equal((await st.api('GET', '/api/v1/status', undefined, { token })).status, 401);
  }
  assert.deepEqual((await st.ok('GET', '/api/v1/badges')).badges, []);
  const ctl = (await import('node:child_process')).spawnSync(process.env.BORNECTL ?? 'build/bornectl',
    ['--url', st.url, '--data-dir', '/nonexistent', 'status'], { encoding: 'utf8', env: { ...process.env, BORNE_TOKEN: 'nope' } });
  assert.equal(ctl.status, 1);
  assert.match(ctl.stderr, /401/);
});

test('malformed JSON, wrong types and unknown members: 400 naming the problem', async () => {
  let r = await st.api('POST', '/api/v1/badges', undefined, { raw: '{"uid": "AB"' });
  assert.equal(r.status, 400);
  assert.match(r.body.error, /malformed JSON/);
  r = await st.api('POST', '/api/v1/badges', { uid: 42 });
  assert.equal(r.status, 400);
  assert.match(r.body.error, /uid/);
  r = await st.api('POST', '/api/v1/badges', { uid: 'XYZ!' });
  assert.equal(r.status, 400);
  assert.match(r.body.error, /uid/);
  r = await st.api('POST', '/api/v1/badges', { uid: 'AB', colour: 'red' });
  assert.equal(r.status, 400);
  assert.match(r.body.error, /colour/);
  r = await st.api('POST', '/api/v1/badges', [1, 2]);
  assert.equal(r.status, 400);
  r = await st.api('PUT', '/api/v1/settings', { 'connector.1.phases': 2 });
  assert.equal(r.status, 400);
  assert.match(r.body.error, /connector\.1\.phases/);
  r = await st.api('PUT', '/api/v1/settings', { 'station.id': 'ok-id', 'auth.mode': 'nope' });
  assert.equal(r.status, 400);
  const settings = (await st.ok('GET', '/api/v1/settings')).settings;
  assert.notEqual(settings['station.id'], 'ok-id', 'all or nothing');
  r = await st.api('POST', '/api/v1/sim/connectors/1/plug', { phases: 2 });
  assert.equal(r.status, 400);
  r = await st.api('POST', '/api/v1/sim/connectors/1/ev', { state: 'fly' });
  assert.equal(r.status, 400);
  r = await st.api('POST', '/api/v1/sim/connectors/1/fault', { kind: 'meteor' });
  assert.equal(r.status, 400);
  assert.deepEqual((await st.ok('GET', '/api/v1/badges')).badges, []);
  assert.equal((await st.connector(1)).status, 'Available');
});

test('unknown connectors, sessions, badges and endpoints: 404', async () => {
  for (const [m, p, b] of [['POST', '/api/v1/sim/connectors/3/plug', {}], ['POST', '/api/v1/sim/connectors/0/unplug', {}],
    ['POST', '/api/v1/sim/connectors/x/plug', {}], ['POST', '/api/v1/connectors/9/stop', {}],
    ['GET', '/api/v1/sessions/12345'], ['DELETE', '/api/v1/badges/ABCD'], ['GET', '/api/v1/nothing']]) {
    const r = await st.api(m, p, b);
    assert.equal(r.status, 404, `${m} ${p}`);
    assert.equal(typeof r.body.error, 'string');
  }
  const ctl = st.ctl('plug', '7');
  assert.notEqual(ctl.code, 0);
});

test('query parameters are validated', async () => {
  assert.equal((await st.api('GET', '/api/v1/sessions?since=yesterday')).status, 400);
  assert.equal((await st.api('GET', '/api/v1/sessions?connector=5')).status, 400);
  assert.equal((await st.api('GET', '/api/v1/sessions?format=xml')).status, 400);
  assert.equal((await st.api('GET', '/api/v1/events?wait=-1')).status, 400);
  assert.equal((await st.api('GET', '/api/v1/sessions?since=2026-01-01T00:00:00Z')).status, 200);
});

test('the simulator endpoints exist only with --sim (checked on a plain start elsewhere); conflicting actions get 409', async () => {
  assert.equal((await st.api('POST', '/api/v1/sim/connectors/1/unplug', {})).status, 409);
  assert.equal((await st.api('POST', '/api/v1/sim/connectors/1/plug', {})).status, 200);
  assert.equal((await st.api('POST', '/api/v1/sim/connectors/1/plug', {})).status, 409);
  assert.equal((await st.api('POST', '/api/v1/sim/connectors/1/unplug', {})).status, 200);
});
