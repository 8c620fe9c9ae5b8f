// The web page's HTTP contract (issue 7): embedded files with gzip and ETag,
// first-start PINs behind the installer's setup code, login and setup
// refused to other sites' pages (Origin, Content-Type), every write refused without a session (401) or without
// the CSRF token (403), the owner kept out of installer endpoints (403), a
// lock-out per client address that grows, is cleared by the right PIN and is
// logged as security events, the API token still
// working, live events over Server-Sent Events with Last-Event-ID resume, the
// public connector page and its QR code, and user text that never turns into
// markup.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { existsSync, statSync } from 'node:fs';
import { startBorned } from './lib/borne.mjs';
import { WebClient, setupPins, setupCode, openSse } from './lib/web.mjs';

/* Every endpoint that changes something, with a body that would succeed. */
const WRITES = [
  ['POST', '/api/v1/connectors/1/start', {}],
  ['POST', '/api/v1/connectors/1/stop', {}],
  ['POST', '/api/v1/connectors/1/unlock', {}],
  ['POST', '/api/v1/connectors/1/availability', { operative: false }],
  ['POST', '/api/v1/reset', { type: 'soft' }],
  ['POST', '/api/v1/users', { name: 'Room 1' }],
  ['PUT', '/api/v1/users/1', { enabled: false }],
  ['DELETE', '/api/v1/users/1', undefined],
  ['POST', '/api/v1/badges', { uid: 'AB12' }],
  ['PUT', '/api/v1/badges/AB12', { enabled: false }],
  ['DELETE', '/api/v1/badges/AB12', undefined],
  ['PUT', '/api/v1/settings', { 'payment.notice': 'x' }],
  ['POST', '/api/v1/sim/connectors/1/plug', {}],
  ['POST', '/api/v1/sim/tap', { uid: 'AB12' }],
  ['POST', '/api/v1/web/pin', { role: 'owner', pin: '9999' }],
  ['POST', '/api/v1/web/logout', {}],
  ['PUT', '/api/v1/firmware/image', 'borne-sim-firmware 1\n'],
  ['POST', '/api/v1/firmware/install', { signature: 'AA==', signing_certificate: 'x' }],
  ['POST', '/api/v1/selftest', {}],
  ['POST', '/api/v1/config/import', { settings: { 'payment.notice': 'x' } }],
];
const INSTALLER_ONLY = [
  ['GET', '/api/v1/settings'],
  ['PUT', '/api/v1/settings', { 'payment.notice': 'x' }],
  ['POST', '/api/v1/reset', { type: 'soft' }],
  ['POST', '/api/v1/connectors/1/availability', { operative: false }],
  ['POST', '/api/v1/web/pin', { role: 'owner', pin: '9999' }],
  ['GET', '/api/v1/web/settings-schema'],
  ['POST', '/api/v1/sim/connectors/1/plug', {}],
  ['GET', '/api/v1/firmware'],
  ['PUT', '/api/v1/firmware/image', 'borne-sim-firmware 1\n'],
  ['POST', '/api/v1/firmware/install', { signature: 'AA==', signing_certificate: 'x' }],
  ['GET', '/api/v1/selftest'],
  ['POST', '/api/v1/selftest', {}],
  ['GET', '/api/v1/errors'],
  ['GET', '/api/v1/config/export'],
  ['POST', '/api/v1/config/import', { settings: { 'payment.notice': 'x' } }],
];

test('the page is served from borned: types, gzip, ETag revalidation, no token needed', async () => {
  const st = await startBorned({ connectors: 1 });
  try {
    const plain = await fetch(`${st.url}/`, { headers: { 'Accept-Encoding': 'identity' } });
    assert.equal(plain.status, 200);
    assert.equal(plain.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(plain.headers.get('content-encoding'), null);
    const html = await plain.text();
    assert.match(html, /<script type="module" src="\/app.js">/);
    assert.doesNotMatch(html, /https?:\/\/(?!www\.w3\.org)/, 'no CDN');
    const etag = plain.headers.get('etag');
    assert.match(etag, /^"[0-9a-f]{16}"$/);

    // Node's fetch decodes gzip itself: ask with a raw http request instead.
    const { request } = await import('node:http');
    const gz = await new Promise((resolve, reject) => {
      request(`${st.url}/app.js`, { headers: { 'Accept-Encoding': 'gzip, br' } }, (res) => {
        const parts = [];
        res.on('data', (d) => parts.push(d));
        res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(parts) }));
      }).on('error', reject).end();
    });
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.equal(gz.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.match(gunzipSync(gz.body).toString(), /EventSource/);
    assert.match(gz.headers.vary, /Accept-Encoding/);

    const again = await fetch(`${st.url}/`, { headers: { 'If-None-Match': etag } });
    assert.equal(again.status, 304);
    assert.equal((await again.text()).length, 0);
    for (const [path, type] of [['/app.css', 'text/css'], ['/favicon.svg', 'image/svg+xml'], ['/c/1', 'text/html']]) {
      const r = await fetch(st.url + path);
      assert.equal(r.status, 200, path);
      assert.ok(r.headers.get('content-type').startsWith(type), path);
    }
    assert.equal((await fetch(`${st.url}/nope.js`)).status, 404);
    assert.equal((await fetch(`${st.url}/../borne.db`)).status, 404);
  } finally { await st.stop(); st.cleanup(); }
});

test('first start: PINs are set once from the local network, then only the installer changes them', async () => {
  const st = await startBorned({ connectors: 1 });
  try {
    const c = new WebClient(st);
    let s = (await c.req('GET', '/api/v1/web/session')).body;
    assert.deepEqual(s.pin_set, { owner: false, installer: false });
    assert.equal(s.can_setup, true);
    assert.equal(s.role, null);
    assert.equal((await c.login('owner', '1234')).status, 409, 'no factory default PIN');
    const code = setupCode(st);
    assert.equal((await c.req('POST', '/api/v1/web/setup', { setup_code: code, owner: '12' })).status, 400);
    assert.equal((await c.req('POST', '/api/v1/web/setup', { setup_code: code, owner: '1234', installer: '1234' })).status, 400);
    assert.equal((await c.req('POST', '/api/v1/web/setup', { setup_code: code, owner: '1234', root: '1' })).status, 400);
    const ok = await c.req('POST', '/api/v1/web/setup', { setup_code: code, owner: '1234', installer: '567890' });
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.body.set, ['owner', 'installer']);
    const again = await c.req('POST', '/api/v1/web/setup', { setup_code: code, owner: '0000' });
    assert.equal(again.status, 409);
    // its work done, the setup code is gone
    assert.equal(existsSync(`${st.dataDir}/setup-code`), false);
    const gone = st.ctl('setup-code');
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /PINs are already set/);
    s = (await c.req('GET', '/api/v1/web/session')).body;
    assert.deepEqual(s.pin_set, { owner: true, installer: true });
    assert.equal(s.can_setup, false);
    // the PINs are stored hashed, never in clear
    const { execFileSync } = await import('node:child_process');
    const rows = execFileSync('sqlite3', [`${st.dataDir}/borne.db`, 'SELECT role, hash FROM web_pins ORDER BY role'], { encoding: 'utf8' });
    assert.match(rows, /^installer\|pbkdf2-sha256\$\d+\$[0-9a-f]{32}\$[0-9a-f]{64}\nowner\|pbkdf2-sha256\$/);
    assert.doesNotMatch(rows, /1234|567890/);

    const r = await c.login('owner', '1234');
    assert.equal(r.status, 200);
    assert.equal(r.body.role, 'owner');
    assert.match(r.setCookie, /^borne_session=[0-9a-f]{64}; /);
    for (const attr of ['HttpOnly', 'SameSite=Strict', 'Path=/', 'Max-Age=28800']) assert.ok(r.setCookie.includes(attr), attr);
    assert.match(r.body.csrf, /^[0-9a-f]{64}$/);
    assert.equal((await c.req('GET', '/api/v1/web/session')).body.role, 'owner');

    // bornectl's token changes a PIN; the old one stops working, sessions of that role end
    const set = st.ctl('pin', 'set', 'owner', '2468');
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, /owner PIN set/);
    assert.equal(st.ctl('pin', 'set', 'root', '2468').code, 2);
    assert.equal(st.ctl('pin', 'set', 'owner', '12').code, 1, 'too short: refused by borned');
    assert.equal((await c.req('GET', '/api/v1/status')).status, 401, 'old owner session ended');
    assert.equal((await new WebClient(st).login('owner', '1234')).status, 401);
    assert.equal((await new WebClient(st).login('owner', '2468')).status, 200);
    // the PIN from stdin stays out of the process list
    const { spawnSync } = await import('node:child_process');
    const { BORNECTL } = await import('./lib/borne.mjs');
    const viaStdin = spawnSync(BORNECTL, ['--url', st.url, '--data-dir', st.dataDir, 'pin', 'set', 'installer', '-'], { input: '97531\n', encoding: 'utf8' });
    assert.equal(viaStdin.status, 0, viaStdin.stderr);
    assert.equal((await new WebClient(st).login('installer', '97531')).status, 200);
  } finally { await st.stop(); st.cleanup(); }
});

test('setup code: only the installer has it (bornectl setup-code, file 0600); without it, or wrong, no PIN is set', async () => {
  let st = await startBorned({ connectors: 1, set: { 'web.lockout_s': 30 } });
  const dataDir = st.dataDir;
  try {
    const file = `${dataDir}/setup-code`;
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const code = setupCode(st);
    assert.match(code, /^[2-9A-HJ-NP-Z]{5}-[2-9A-HJ-NP-Z]{5}$/);
    const printed = st.ctl('setup-code');
    assert.equal(printed.code, 0, printed.stderr);
    assert.equal(printed.stdout, `${code}\n`);
    assert.deepEqual(st.ctlJson('setup-code'), { setup_code: code });
  } finally { await st.stop(); }
  // kept across restarts until it is used, like a label
  st = await startBorned({ connectors: 1, dataDir, set: { 'web.lockout_s': 30 } });
  try {
    const code = setupCode(st);
    assert.equal(st.ctl('setup-code').stdout.trim(), code);
    const mark = await st.lastEventId();
    const c = new WebClient(st);
    const pinsSet = async () => (await c.req('GET', '/api/v1/web/session')).body.pin_set;

    let r = await c.req('POST', '/api/v1/web/setup', { owner: '2580', installer: '147258' });
    assert.equal(r.status, 400);
    assert.match(r.body.error, /setup_code: missing.*bornectl setup-code/);
    // wrong codes count toward the lock-out of that client address
    const guesser = new WebClient(st, { from: '127.0.0.2' });
    const wrong = code.startsWith('2') ? '33333-33333' : '22222-22222';
    for (let i = 0; i < 2; i++) {
      r = await guesser.req('POST', '/api/v1/web/setup', { setup_code: wrong, owner: '2580', installer: '147258' });
      assert.equal(r.status, 403);
      assert.match(r.body.error, /setup_code: wrong code/);
    }
    r = await guesser.req('POST', '/api/v1/web/setup', { setup_code: 'not a code', owner: '2580', installer: '147258' });
    assert.equal(r.status, 429);
    assert.equal(r.headers.get('retry-after'), '30');
    r = await guesser.req('POST', '/api/v1/web/setup', { setup_code: code, owner: '2580', installer: '147258' });
    assert.equal(r.status, 429, 'locked: even the right code is not looked at');
    assert.deepEqual(await pinsSet(), { owner: false, installer: false });
    await st.waitEvent('security', { after: mark, match: (e) => /MaintenanceLoginFailed: wrong setup code from 127\.0\.0\.2 \(3 in a row, locked 30 s\)/.test(e.detail) });

    // other sites' pages: no JSON type, or a foreign Origin
    const body = JSON.stringify({ setup_code: code, owner: '2580', installer: '147258' });
    r = await c.req('POST', '/api/v1/web/setup', undefined, { raw: body, headers: { 'Content-Type': 'text/plain' } });
    assert.equal(r.status, 415);
    assert.match(r.body.error, /application\/json/);
    r = await c.req('POST', '/api/v1/web/setup', undefined, { raw: body });
    assert.equal(r.status, 415, 'no Content-Type at all');
    r = await c.req('POST', '/api/v1/web/setup', undefined, { raw: body, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    assert.equal(r.status, 415);
    r = await c.req('POST', '/api/v1/web/setup', undefined, { raw: body, headers: { 'Content-Type': 'application/json', Origin: 'http://guest-laptop.example' } });
    assert.equal(r.status, 403);
    assert.match(r.body.error, /Origin/);
    r = await c.req('POST', '/api/v1/web/setup', undefined, { raw: body, headers: { 'Content-Type': 'application/json', Origin: 'null' } });
    assert.equal(r.status, 403);
    assert.deepEqual(await pinsSet(), { owner: false, installer: false });

    // the right code, as typed by a person, from this station's own page (its Origin)
    r = await c.req('POST', '/api/v1/web/setup', { setup_code: ` ${code.toLowerCase().replace('-', ' ')} `, owner: '2580', installer: '147258' },
      { headers: { 'Content-Type': 'application/json; charset=utf-8', Origin: `http://127.0.0.1:${st.port}` } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.set, ['owner', 'installer']);
    assert.deepEqual(await pinsSet(), { owner: true, installer: true });
    assert.equal(existsSync(`${dataDir}/setup-code`), false, 'used up');
    // no code any more: setup is over
    r = await c.req('POST', '/api/v1/web/setup', { setup_code: code, owner: '1111' });
    assert.equal(r.status, 409);

    // login: the same checks
    const login = JSON.stringify({ role: 'owner', pin: '2580' });
    r = await c.req('POST', '/api/v1/web/login', undefined, { raw: login, headers: { 'Content-Type': 'text/plain;charset=UTF-8' } });
    assert.equal(r.status, 415);
    r = await c.req('POST', '/api/v1/web/login', undefined, { raw: login, headers: { 'Content-Type': 'application/json', Origin: `http://127.0.0.1:${st.port + 1}` } });
    assert.equal(r.status, 403);
    r = await c.req('POST', '/api/v1/web/login', undefined, { raw: login, headers: { 'Content-Type': 'application/json', Origin: 'https://evil.example' } });
    assert.equal(r.status, 403);
    assert.equal(c.cookie, null);
    r = await c.req('POST', '/api/v1/web/login', undefined, { raw: login, headers: { 'Content-Type': 'application/json', Origin: `http://127.0.0.1:${st.port}` } });
    assert.equal(r.status, 200);
  } finally { await st.stop(); st.cleanup(); }
});

test('writes: 401 without a session, 403 without the CSRF token, 403 for the owner on installer endpoints; nothing changes', async () => {
  const st = await startBorned({ connectors: 1 });
  try {
    const pins = await setupPins(st);
    const anon = new WebClient(st);
    for (const [m, p, b] of WRITES) {
      const r = await anon.req(m, p, b);
      assert.equal(r.status, 401, `${m} ${p} without a session`);
      assert.match(r.body.error, /log in/);
    }
    // a forged or stale cookie is no session either
    anon.cookie = `borne_session=${'0'.repeat(64)}`;
    assert.equal((await anon.req('POST', '/api/v1/users', { name: 'x' })).status, 401);
    assert.equal((await anon.req('GET', '/api/v1/status')).status, 401);

    const owner = new WebClient(st);
    assert.equal((await owner.login('owner', pins.owner)).status, 200);
    for (const [m, p, b] of WRITES) {
      const r = await owner.req(m, p, b, { csrf: false });
      assert.equal(r.status, 403, `${m} ${p} without CSRF`);
      assert.match(r.body.error, /CSRF/);
      const wrong = await owner.req(m, p, b, { csrf: false, headers: { 'X-CSRF-Token': 'f'.repeat(64) } });
      assert.equal(wrong.status, 403, `${m} ${p} with a wrong CSRF token`);
    }
    for (const [m, p, b] of INSTALLER_ONLY) {
      const r = await owner.req(m, p, b);
      assert.equal(r.status, 403, `owner: ${m} ${p}`);
      assert.match(r.body.error, /installer/);
    }
    // nothing of the above happened
    assert.deepEqual((await st.ok('GET', '/api/v1/users')).users, []);
    assert.deepEqual((await st.ok('GET', '/api/v1/badges')).badges, []);
    const c1 = await st.connector(1);
    assert.equal(c1.operative, true);
    assert.equal(c1.status, 'Available');

    // the owner's own rights, with the token
    assert.equal((await owner.req('POST', '/api/v1/users', { name: 'Room 7' })).status, 201);
    assert.equal((await owner.req('POST', '/api/v1/badges', { uid: 'AB12', user: 'Room 7' })).status, 201);
    assert.equal((await owner.req('GET', '/api/v1/sessions?format=csv')).status, 200);
    assert.equal((await owner.req('POST', '/api/v1/connectors/1/start', { badge: 'AB12' })).status, 200);
    assert.equal((await owner.req('POST', '/api/v1/connectors/1/stop', {})).status, 409, 'reaches the handler');

    const inst = new WebClient(st);
    assert.equal((await inst.login('installer', pins.installer)).status, 200);
    assert.equal((await inst.req('PUT', '/api/v1/settings', { 'payment.notice': 'ok' })).status, 200);
    assert.equal((await inst.req('GET', '/api/v1/web/settings-schema')).status, 200);

    // bornectl's bearer token keeps working for everything
    assert.equal(st.ctl('badges', 'add', 'CD34').code, 0);
    assert.equal((await st.api('GET', '/api/v1/settings')).status, 200);
    assert.equal((await st.api('GET', '/api/v1/status', undefined, { token: 'wrong-token-wrong' })).status, 401);

    // logout ends the session
    assert.equal((await owner.req('POST', '/api/v1/web/logout', {})).status, 200);
    assert.equal(owner.cookie, null);
    owner.cookie = inst.cookie; // another live session is untouched
    assert.equal((await owner.req('GET', '/api/v1/status')).status, 200);
  } finally { await st.stop(); st.cleanup(); }
});

test('wrong PINs: a lock-out that grows, refuses even the right PIN, and is logged as security events', async () => {
  const st = await startBorned({ connectors: 1, set: { 'web.lockout_s': 30 } });
  try {
    const pins = await setupPins(st);
    const mark = await st.lastEventId();
    const c = new WebClient(st);
    let r = await c.login('owner', '0000');
    assert.equal(r.status, 401);
    assert.equal(r.body.attempts_left, 1);
    // the right PIN clears the count: the next wrong one starts again
    r = await c.login('owner', pins.owner);
    assert.equal(r.status, 200);
    r = await c.login('owner', '0000');
    assert.equal(r.status, 401);
    assert.equal(r.body.attempts_left, 1, 'the right PIN in between cleared the count');
    r = await c.login('owner', '0001');
    assert.equal(r.status, 401);
    assert.equal(r.body.attempts_left, 0);
    r = await c.login('owner', '0002');
    assert.equal(r.status, 429);
    assert.equal(r.body.locked_s, 30);
    assert.equal(r.headers.get('retry-after'), '30');
    r = await c.login('owner', pins.owner); // right PIN, but locked: not even looked at
    assert.equal(r.status, 429);
    assert.equal(r.body.locked_s, 60);
    r = await c.login('owner', '0003');
    assert.equal(r.status, 429);
    assert.equal(r.body.locked_s, 120);
    // the other role is not locked for this client
    assert.equal((await new WebClient(st).login('installer', pins.installer)).status, 200);
    // nor is the role for another client (another address)
    const other = new WebClient(st, { from: '127.0.0.2' });
    r = await other.login('owner', '0009');
    assert.equal(r.status, 401, 'a wrong PIN from elsewhere is checked, not refused as locked');
    assert.equal(r.body.attempts_left, 1);
    r = await other.login('owner', pins.owner);
    assert.equal(r.status, 200);
    assert.equal(r.body.role, 'owner');
    assert.equal((await other.req('GET', '/api/v1/status')).status, 200);
    // ...while the first one still is
    assert.equal((await new WebClient(st).login('owner', pins.owner)).status, 429);
    const failed = await st.waitEvent('security', { after: mark, match: (e) => /MaintenanceLoginFailed: wrong owner PIN .*3 in a row, locked 30 s/.test(e.detail) });
    assert.match(failed.detail, /from 127\.0\.0\.1/);
    await st.waitEvent('security', { after: mark, match: (e) => /MaintenanceLoginFailed: owner PIN tried while locked/.test(e.detail) });
    await st.waitEvent('security', { after: mark, match: (e) => /MaintenanceLoginAccepted: installer/.test(e.detail) });
    // bad input is refused before any PIN check
    assert.equal((await c.req('POST', '/api/v1/web/login', { role: 'admin', pin: '1234' })).status, 400);
    assert.equal((await c.req('POST', '/api/v1/web/login', { role: 'owner', pin: 'abcd' })).status, 400);
    assert.equal((await c.req('POST', '/api/v1/web/login', undefined, { raw: '{"role":', headers: { 'Content-Type': 'application/json' } })).status, 400);
  } finally { await st.stop(); st.cleanup(); }
});

test('live events: text/event-stream with ids, Last-Event-ID resume, meter readings while charging, login required', async () => {
  const st = await startBorned({ connectors: 1, auth: 'free', speed: 60 });
  try {
    const pins = await setupPins(st);
    const denied = await openSse(`${st.url}/api/v1/events/stream`);
    assert.equal(denied.status, 401);
    const c = new WebClient(st);
    await c.login('owner', pins.owner);
    const s = await openSse(`${st.url}/api/v1/events/stream`, { Cookie: c.cookie });
    assert.equal(s.status, 200);
    assert.equal(s.headers.get('content-type'), 'text/event-stream');
    assert.equal(s.headers.get('content-length'), null);
    const first = await s.next((m) => m.retry !== undefined);
    assert.equal(first.retry, 2000);
    assert.equal(st.ctl('plug', '1').code, 0);
    const prep = await s.next((m) => m.json?.kind === 'status' && m.json.detail === 'Preparing');
    assert.equal(prep.id, prep.json.id);
    assert.equal(prep.json.connector, 1);
    const started = await s.next((m) => m.json?.kind === 'session_start');
    const meter = await s.next((m) => m.event === 'meter' && m.json.power_w > 0);
    assert.equal(meter.id, null, 'meter readings are not in the event log');
    assert.equal(meter.json.connector, 1);
    assert.equal(meter.json.current_a.length, 3);
    assert.ok(meter.json.session_energy_wh >= 0);
    s.close();

    // resume: everything after the given id, in order, nothing twice
    const resumed = await openSse(`${st.url}/api/v1/events/stream`, { Cookie: c.cookie, 'Last-Event-ID': String(prep.id) });
    const ids = [];
    for (let m; !m || m.id < started.id;) {
      m = await resumed.next((x) => x.id !== null);
      ids.push(m.id);
    }
    assert.deepEqual(ids, Array.from({ length: started.id - prep.id }, (_, i) => prep.id + 1 + i));
    resumed.close();
    const q = await openSse(`${st.url}/api/v1/events/stream?after=${started.id - 1}`, { Cookie: c.cookie });
    assert.equal((await q.next((m) => m.id !== null)).id, started.id);
    q.close();
    const bad = await openSse(`${st.url}/api/v1/events/stream?after=x`, { Cookie: c.cookie });
    assert.equal(bad.status, 400);
  } finally { await st.stop(); st.cleanup(); }
});

test('public connector page and payment QR code need no login; user text stays text', async () => {
  const st = await startBorned({ connectors: 2 });
  try {
    let r = await fetch(`${st.url}/api/v1/public/connectors/2`);
    assert.equal(r.status, 200);
    let body = await r.json();
    assert.equal(body.connector, 2);
    assert.equal(body.status, 'Available');
    assert.equal(body.qr, false);
    assert.equal((await fetch(`${st.url}/api/v1/public/connectors/2/qr.svg`)).status, 404);
    assert.equal((await fetch(`${st.url}/api/v1/public/connectors/3`)).status, 404);
    assert.equal((await fetch(`${st.url}/api/v1/public/connectors/1`, { method: 'POST', body: '{}' })).status, 401);

    const evil = '<script>alert(1)</script>';
    assert.equal((await st.api('PUT', '/api/v1/settings', { 'payment.qr_url': 'https://pay.example.org/{station}/{connector}?x=1', 'payment.notice': `0.30 EUR/kWh ${evil}` })).status, 200);
    assert.equal((await st.api('PUT', '/api/v1/settings', { 'payment.qr_url': 'javascript:alert(1)' })).status, 400);
    r = await fetch(`${st.url}/api/v1/public/connectors/2`);
    body = await r.json();
    assert.equal(body.qr_url, 'https://pay.example.org/borne-sim-1/2?x=1');
    assert.equal(body.notice, `0.30 EUR/kWh ${evil}`, 'JSON carries the text as is');
    assert.equal(r.headers.get('content-type'), 'application/json');
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
    const svg = await fetch(`${st.url}/api/v1/public/connectors/2/qr.svg`);
    assert.equal(svg.status, 200);
    assert.equal(svg.headers.get('content-type'), 'image/svg+xml');
    assert.match(await svg.text(), /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" viewBox="0 0 (\d+) \1"/);

    // a user named <script>: the API answers JSON (never HTML, never sniffed), the
    // page's HTML is static and inserts data only as text (checked in the browser test)
    assert.equal((await st.api('POST', '/api/v1/users', { name: evil })).status, 201);
    const users = await st.api('GET', '/api/v1/users');
    assert.equal(users.headers.get('content-type'), 'application/json');
    assert.equal(users.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(users.body.users[0].name, evil);
    for (const path of ['/', '/c/1', '/app.js', '/users.js', '/dashboard.js', '/history.js', '/public.js', '/settings.js']) {
      const text = await (await fetch(st.url + path)).text();
      assert.doesNotMatch(text, /innerHTML|outerHTML|insertAdjacentHTML|document\.write/, `${path} builds no markup from strings`);
      assert.ok(!text.includes(evil), path);
    }
  } finally { await st.stop(); st.cleanup(); }
});

test('web.https: a self-signed certificate made once, its fingerprint in bornectl status, Secure cookies', async () => {
  const { request } = await import('node:https');
  const { readFileSync, statSync } = await import('node:fs');
  const { X509Certificate } = await import('node:crypto');
  const st = await startBorned({ connectors: 1, set: { 'web.https': true } });
  let dataDir = st.dataDir;
  try {
    assert.equal(st.scheme, 'https');
    const pem = readFileSync(`${dataDir}/web-cert.pem`, 'utf8');
    assert.equal(statSync(`${dataDir}/web-key.pem`).mode & 0o777, 0o600);
    const cert = new X509Certificate(pem);
    assert.match(cert.subjectAltName, /DNS:localhost/);
    assert.match(cert.subjectAltName, /IP Address:127\.0\.0\.1/);
    const call = (method, path, body, headers = {}) => new Promise((resolve, reject) => {
      const req = request(`${st.url}${path}`, { method, ca: pem, headers: { 'Content-Type': 'application/json', ...headers } }, (res) => {
        let text = '';
        res.on('data', (d) => { text += d; });
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text }));
      });
      req.on('error', reject);
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });
    assert.equal((await call('GET', '/')).status, 200);
    assert.equal((await call('POST', '/api/v1/web/setup', { setup_code: setupCode(st), owner: '1234', installer: '5678' })).status, 200);
    const login = await call('POST', '/api/v1/web/login', { role: 'owner', pin: '1234' });
    assert.equal(login.status, 200);
    assert.match(login.headers['set-cookie'][0], /; Secure$/);
    // bornectl trusts the station's own certificate from the data directory
    const status = st.ctl('status');
    assert.equal(status.code, 0, status.stderr);
    assert.ok(status.stdout.includes(`certificate SHA-256 ${cert.fingerprint256}`), status.stdout);
    assert.equal(st.ctlJson('status').station.web.fingerprint_sha256, cert.fingerprint256);
    // plain HTTP on the same port gets no page
    await assert.rejects(fetch(`http://127.0.0.1:${st.port}/`));
  } finally { await st.stop(); }
  // the certificate is kept across restarts
  const again = await startBorned({ connectors: 1, dataDir, set: { 'web.https': true } });
  try {
    const fp = new X509Certificate(readFileSync(`${dataDir}/web-cert.pem`)).fingerprint256;
    assert.equal(again.ctlJson('status').station.web.fingerprint_sha256, fp);
  } finally { await again.stop(); again.cleanup(); }
});
