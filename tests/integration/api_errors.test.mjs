// Bad API requests get a clear JSON error and change nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { readFileSync } from 'node:fs';
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

/**
 * Sends `raw` at once on a new connection and collects the answer until the
 * server closes the connection, 1 s passes without a byte from it, or more
 * than 1 MB came. Returns { how, statuses: the "HTTP/1.1 NNN" lines }.
 */
function rawExchange(port, raw, { quietMs = 1000, maxBytes = 1 << 20 } = {}) {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1');
    const chunks = [];
    let size = 0;
    let timer;
    const done = (how) => {
      clearTimeout(timer);
      sock.destroy();
      const text = Buffer.concat(chunks).toString('latin1');
      resolve({ how, text, statuses: text.match(/HTTP\/1\.1 \d{3}/g) ?? [] });
    };
    const quiet = () => { clearTimeout(timer); timer = setTimeout(() => done('idle'), quietMs); };
    sock.on('connect', () => { sock.write(raw); quiet(); });
    sock.on('data', (d) => { chunks.push(d); size += d.length; if (size > maxBytes) done('flood'); else quiet(); });
    sock.on('end', () => done('closed'));
    sock.on('error', (e) => (e.code === 'ECONNRESET' ? done('reset') : reject(e)));
  });
}

/** CPU time borned has used so far, in ms (utime + stime of /proc/PID/stat). */
function cpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 10; /* clock ticks of 10 ms */
}

/** rawExchange, also asserting that borned did not burn a core meanwhile. */
async function exchangeCheckingCpu(raw, opts) {
  const cpu0 = cpuMs(st.proc.pid), t0 = Date.now();
  const r = await rawExchange(st.port, raw, opts);
  const cpu = cpuMs(st.proc.pid) - cpu0, wall = Date.now() - t0;
  assert.ok(cpu <= wall / 2 + 200, `borned used ${cpu} ms of CPU in ${wall} ms`);
  return r;
}

const auth = () => `Authorization: Bearer ${st.token}\r\n`;

test('bytes after a request body: one answer, then the connection closes (issue 22)', async () => {
  // The stream: no login, a body, one more byte. It got 401 in an endless loop.
  let r = await exchangeCheckingCpu('POST /api/v1/badges HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}X');
  assert.deepEqual(r.statuses, ['HTTP/1.1 401']);
  assert.match(r.text, /\r\nConnection: close\r\n/i);
  assert.ok(['closed', 'reset'].includes(r.how), r.how);
  // A POST followed by a GET repeated the POST's answer: now it is answered once, the handler ran once.
  const body = '{"uid":"0A0B0C"}';
  r = await exchangeCheckingCpu(`POST /api/v1/badges HTTP/1.1\r\nHost: x\r\n${auth()}Content-Type: application/json\r\n` +
    `Content-Length: ${body.length}\r\n\r\n${body}GET /api/v1/badges HTTP/1.1\r\nHost: x\r\n${auth()}\r\n`);
  assert.equal(r.statuses.length, 1, r.text.slice(0, 300));
  assert.match(r.statuses[0], /HTTP\/1\.1 20[01]/);
  assert.ok(['closed', 'reset'].includes(r.how), r.how);
  assert.deepEqual((await st.ok('GET', '/api/v1/badges')).badges.map((b) => b.uid), ['0A0B0C']);
});

test('pipelined requests: those without a body are answered in turn, one with a body closes the connection unread', async () => {
  const get = `GET /api/v1/badges HTTP/1.1\r\nHost: x\r\n${auth()}\r\n`;
  let r = await exchangeCheckingCpu(get + get + get);
  assert.deepEqual(r.statuses, ['HTTP/1.1 200', 'HTTP/1.1 200', 'HTTP/1.1 200']);
  assert.equal(r.how, 'idle'); // kept for more requests
  // lws 4.1 read such a body from the wrong bytes and then hung the whole daemon.
  const body = '{"uid":"0D0E0F"}';
  r = await exchangeCheckingCpu(get + `POST /api/v1/badges HTTP/1.1\r\nHost: x\r\n${auth()}Content-Type: application/json\r\n` +
    `Content-Length: ${body.length}\r\n\r\n${body}`);
  assert.deepEqual(r.statuses, ['HTTP/1.1 200']);
  assert.ok(['closed', 'reset'].includes(r.how), r.how);
  assert.deepEqual((await st.ok('GET', '/api/v1/badges')).badges.map((b) => b.uid), ['0A0B0C']);
  // the same POST sent again on its own connection is served
  assert.equal((await st.api('POST', '/api/v1/badges', { uid: '0D0E0F' })).status < 300, true);
});
