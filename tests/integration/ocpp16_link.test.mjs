// The OCPP 1.6J connection: security profiles 1-3 against a strict ocpp-rpc
// central system (TLS certificates made with the openssl CLI at test time),
// TLS failures named in last_error (certificate expired, unknown CA, host
// name mismatch, protocol version, not TLS) and in a firmware download's
// status, a back end that stops answering pings (a TCP proxy that freezes), malformed
// frames from the back end answered with the right CALLERROR, answers that
// fail the schema not trusted, boot Pending/Rejected, heartbeat and time, and
// a back-end URL changed with `bornectl ocpp url` without a restart.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { WebSocketServer } from 'ws';
import { startBorned } from './lib/borne.mjs';
import { Csms, startCsms } from './lib/csms.mjs';

const KEY = 'borne-test-key-0123456789';
let pki;

/* A CA, a server certificate for 127.0.0.1, a client certificate for the
 * station (CN = charge point id) and an unrelated CA; bad server certificates:
 * expired (2020), for another host, and from the unrelated CA. */
function makePki() {
  const dir = mkdtempSync(join(tmpdir(), 'borne-pki-'));
  const ossl = (...args) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  ossl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=borne test CA');
  ossl('req', '-x509', ...ec, '-keyout', 'other-ca.key', '-out', 'other-ca.pem', '-days', '2', '-subj', '/CN=someone else');
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  ossl('req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
  ossl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'server.ext');
  ossl('req', ...ec, '-keyout', 'client.key', '-out', 'client.csr', '-subj', '/CN=cp-link/O=borne tests');
  ossl('x509', '-req', '-in', 'client.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'client.pem', '-days', '2');
  // `openssl ca` sets any validity period: one that ended in 2020
  writeFileSync(join(dir, 'ca.cnf'), '[ca]\ndefault_ca = d\n[d]\ndatabase = index.txt\nnew_certs_dir = .\nserial = serial\n'
    + 'default_md = sha256\npolicy = p\ncopy_extensions = copy\nunique_subject = no\n[p]\ncommonName = supplied\n');
  writeFileSync(join(dir, 'index.txt'), '');
  writeFileSync(join(dir, 'serial'), '1000\n');
  ossl('ca', '-batch', '-config', 'ca.cnf', '-cert', 'ca.pem', '-keyfile', 'ca.key', '-in', 'server.csr', '-out', 'expired.pem',
    '-startdate', '20200101000000Z', '-enddate', '20200102000000Z', '-extfile', 'server.ext', '-notext');
  writeFileSync(join(dir, 'elsewhere.ext'), 'subjectAltName=IP:10.9.9.9,DNS:elsewhere.example\n');
  ossl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'elsewhere.pem', '-days', '2', '-extfile', 'elsewhere.ext');
  ossl('x509', '-req', '-in', 'server.csr', '-CA', 'other-ca.pem', '-CAkey', 'other-ca.key', '-CAcreateserial', '-out', 'foreign.pem', '-days', '2', '-extfile', 'server.ext');
  const read = (f) => readFileSync(join(dir, f), 'utf8');
  return { dir, path: (f) => join(dir, f), read, ca: read('ca.pem'), key: read('server.key'), cert: read('server.pem') };
}

before(() => { pki = makePki(); });
after(() => rmSync(pki.dir, { recursive: true, force: true }));

async function station(url, set = {}, extra = {}) {
  return startBorned({ connectors: 1, auth: 'free', args: ['--csms', url], set: { 'station.id': 'cp-link', ...set }, ...extra });
}

async function waitState(st, state, what) {
  return st.waitFor((s) => s.station.ocpp?.state === state, { what: what ?? `ocpp ${state}`, timeoutMs: 30000 });
}

test('security profile 1: HTTP Basic with the AuthorizationKey; a wrong key is refused (FailedToAuthenticateAtCentralSystem, once)', async () => {
  const csms = await startCsms({ password: KEY });
  const st = await station(csms.url, { 'ocpp.security_profile': '1', 'ocpp.AuthorizationKey': KEY });
  try {
    await csms.waitCall('BootNotification');
    assert.equal(csms.lastHandshake.identity, 'cp-link');
    assert.equal(csms.lastHandshake.password.toString(), KEY);
    const after = await st.lastEventId();
    assert.equal(st.ctl('set', 'ocpp.AuthorizationKey=another-key-0123456789').code, 0);
    await st.waitEvent('ocpp_disconnected', { after });
    const s = await st.waitFor((x) => x.station.ocpp.state !== 'connected' && x.station.ocpp.last_error, { what: 'refused' });
    assert.match(s.station.ocpp.last_error, /401|refused|handshake|upgrade/i);
    // the whitepaper's FailedToAuthenticateAtCentralSystem, once, delivered when the key is right again
    await st.waitEvent('security', { after, match: (e) => /FailedToAuthenticateAtCentralSystem/.test(e.detail ?? JSON.stringify(e)) });
    const n = (await st.status()).station.ocpp.reconnects;
    await st.waitFor((x) => x.station.ocpp.reconnects >= n + 1, { what: 'another refused attempt' });
    const from = csms.calls.length;
    assert.equal(st.ctl('set', `ocpp.AuthorizationKey=${KEY}`).code, 0);
    const ev = await csms.waitCall('SecurityEventNotification', { from, match: (p) => p.type === 'FailedToAuthenticateAtCentralSystem' });
    assert.match(ev.params.techInfo, /unauthorized/);
    await csms.call('GetConfiguration', { key: ['SecurityProfile'] });
    assert.equal(csms.callsOf('SecurityEventNotification').filter((c) => c.params.type === 'FailedToAuthenticateAtCentralSystem').length, 1);
    csms.assertNoViolations();
  } finally {
    await st.stop(); st.cleanup(); await csms.close();
  }
});

test('ChangeConfiguration AuthorizationKey: answered Accepted, then the link is made anew with the new key', async () => {
  const csms = await startCsms({ password: KEY });
  const st = await station(csms.url, { 'ocpp.security_profile': '1', 'ocpp.AuthorizationKey': KEY, 'ocpp.reconnect_max_s': '2' });
  try {
    await csms.waitCall('BootNotification');
    const first = csms.client;
    const NEW = 'the-new-key-0123456789ab';
    csms.password = NEW; // the reconnection must present it
    const connected = new Promise((resolve) => csms.on('connect', (c) => { if (c !== first) resolve(c); }));
    // the answer reaches the back end before the station hangs up to reconnect
    assert.deepEqual(await csms.call('ChangeConfiguration', { key: 'AuthorizationKey', value: NEW }), { status: 'Accepted' });
    await connected;
    assert.equal(csms.lastHandshake.password.toString(), NEW);
    await waitState(st, 'connected');
    const ev = await csms.waitCall('SecurityEventNotification', { match: (p) => p.type === 'ReconfigurationOfSecurityParameters' });
    assert.match(ev.params.techInfo ?? '', /AuthorizationKey/);
    // the link's other setting that makes it anew: SecurityProfile (1 -> 1 is not a change; 0 is refused as a downgrade)
    assert.equal((await csms.call('ChangeConfiguration', { key: 'SecurityProfile', value: '0' })).status, 'Rejected');
    csms.assertNoViolations();
  } finally {
    await st.stop(); st.cleanup(); await csms.close();
  }
});

test('security profile 2: TLS with the server certificate checked against ocpp.ca_file', async () => {
  const csms = await new Csms({}).listenTls({ key: pki.key, cert: pki.cert });
  csms.password = KEY;
  // reconnects back off up to 2 s, not 60: the refused attempts below come within seconds
  const st = await station(csms.url, { 'ocpp.security_profile': '2', 'ocpp.AuthorizationKey': KEY, 'ocpp.ca_file': pki.path('ca.pem'), 'ocpp.reconnect_max_s': '2' });
  try {
    await csms.waitCall('BootNotification');
    assert.equal(csms.lastHandshake.password.toString(), KEY);
    await waitState(st, 'connected');
    // a server the configured CA did not issue is not trusted
    const after = await st.lastEventId();
    assert.equal(st.ctl('set', `ocpp.ca_file=${pki.path('other-ca.pem')}`).code, 0);
    await st.waitEvent('ocpp_disconnected', { after });
    const s = await st.waitFor((x) => x.station.ocpp.state !== 'connected' && x.station.ocpp.reconnects > 0 && x.station.ocpp.last_error, { what: 'untrusted server' });
    assert.match(s.station.ocpp.last_error, /^TLS: unknown CA: .*not issued by a CA the station trusts/);
    // several refused attempts, then the right CA again: the back end hears of the refusal
    // once, as the whitepaper's InvalidCentralSystemCertificate with the reason
    await st.waitFor((x) => x.station.ocpp.reconnects >= s.station.ocpp.reconnects + 2, { what: 'two more refused attempts', timeoutMs: 30000 });
    const from = csms.calls.length;
    assert.equal(st.ctl('set', `ocpp.ca_file=${pki.path('ca.pem')}`).code, 0);
    const ev = await csms.waitCall('SecurityEventNotification', { from, match: (p) => p.type === 'InvalidCentralSystemCertificate', timeoutMs: 30000 });
    assert.match(ev.params.techInfo, /^TLS: unknown CA/);
    // every event queued while refused has been delivered: only one of them is this one
    await st.waitFor((x) => x.station.ocpp.queue_length === 0, { what: 'journal drained' });
    assert.equal(csms.callsOf('SecurityEventNotification').filter((c) => c.params.type === 'InvalidCentralSystemCertificate').length, 1);
    csms.assertNoViolations();
  } finally {
    await st.stop(); st.cleanup(); await csms.close();
  }
});

test('a ws:// back end changed to wss:// and back (the transport moves to a context with OpenSSL started)', async () => {
  const plain = await startCsms({ password: KEY });
  const secure = await new Csms({ password: KEY }).listenTls({ key: pki.key, cert: pki.cert });
  const st = await station(plain.url, { 'ocpp.security_profile': '1', 'ocpp.AuthorizationKey': KEY, 'ocpp.ca_file': pki.path('ca.pem') });
  try {
    await plain.waitCall('BootNotification');
    await waitState(st, 'connected');
    let after = await st.lastEventId();
    assert.equal(st.ctl('set', `ocpp.url=${secure.url.replace(/^ws:/, 'wss:')}`).code, 0);
    await st.waitEvent('ocpp_disconnected', { after });
    await secure.waitCall('BootNotification', { timeoutMs: 30000 });
    await waitState(st, 'connected');
    assert.equal(secure.lastHandshake.password.toString(), KEY);
    after = await st.lastEventId();
    const from = plain.calls.length;
    assert.equal(st.ctl('set', `ocpp.url=${plain.url}`).code, 0);
    await st.waitEvent('ocpp_disconnected', { after });
    await plain.waitCall('BootNotification', { from, timeoutMs: 30000 });
    await waitState(st, 'connected');
    plain.assertNoViolations(); secure.assertNoViolations();
  } finally {
    await st.stop(); st.cleanup(); await plain.close(); await secure.close();
  }
});

test('TLS failures say why in last_error (API and the OCPP route) and in a firmware download\'s status', async () => {
  const servers = {
    expired: await new Csms({}).listenTls({ key: pki.key, cert: pki.read('expired.pem') }),
    elsewhere: await new Csms({}).listenTls({ key: pki.key, cert: pki.read('elsewhere.pem') }),
    foreign: await new Csms({}).listenTls({ key: pki.key, cert: pki.read('foreign.pem') }),
    // TLS 1.0 and 1.1 only (the station wants 1.2 or later)
    old: await new Csms({}).listenTls({ key: pki.key, cert: pki.cert, minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT:@SECLEVEL=0' }),
    plain: await new Csms({}).listen(),
    good: await new Csms({}).listenTls({ key: pki.key, cert: pki.cert }),
  };
  for (const c of Object.values(servers)) c.password = KEY;
  const wss = (c) => c.url.replace(/^ws:/, 'wss:');
  // firmware.allow_unsigned: the unsigned UpdateFirmware below must reach its download
  const st = await station(wss(servers.expired), { 'ocpp.security_profile': '2', 'ocpp.AuthorizationKey': KEY, 'ocpp.ca_file': pki.path('ca.pem'), 'ocpp.reconnect_max_s': '2', 'firmware.allow_unsigned': 'true' });
  const reason = async (re, what) => {
    const s = await st.waitFor((x) => re.test(x.station.ocpp.last_error ?? ''), { what, timeoutMs: 30000 });
    assert.notEqual(s.station.ocpp.state, 'connected');
    assert.doesNotMatch(s.station.ocpp.last_error, /SSL err|lib\(0\)/);
    const route = await st.ok('GET', '/api/v1/ocpp');
    assert.match(route.connection.last_error, re, 'GET /api/v1/ocpp says it too');
    const ctlLine = st.ctl('status').stdout.split('\n').find((l) => l.startsWith('back end last error: '));
    assert.ok(ctlLine && re.test(ctlLine.slice('back end last error: '.length)), `bornectl status says it too: ${ctlLine}`);
    return s.station.ocpp.last_error;
  };
  try {
    assert.match(await reason(/^TLS: certificate expired/, 'expired'), /past its end date/);
    const next = async (name) => assert.equal(st.ctl('set', `ocpp.url=${wss(servers[name])}`).code, 0);
    await next('elsewhere');
    assert.match(await reason(/^TLS: host name mismatch/, 'host name mismatch'), /not for 127\.0\.0\.1/);
    await next('foreign');
    await reason(/^TLS: unknown CA/, 'unknown CA');
    await next('old');
    await reason(/^TLS: protocol version/, 'protocol version');
    await next('plain');
    await reason(/^TLS: the server did not answer in TLS/, 'not TLS');
    // the good one: connected, no error left
    await next('good');
    await waitState(st, 'connected');
    assert.equal((await st.status()).station.ocpp.last_error, null);
    // a firmware download from a server no CA of the station vouches for
    const from = servers.good.calls.length;
    const after = await st.lastEventId();
    await servers.good.call('UpdateFirmware', { location: `https://127.0.0.1:${servers.good.port}/fw.img`, retrieveDate: new Date().toISOString() });
    await servers.good.waitCall('FirmwareStatusNotification', { from, match: (p) => p.status === 'DownloadFailed', timeoutMs: 30000 });
    const ev = await st.waitEvent('firmware', { after, match: (e) => /^DownloadFailed/.test(e.detail) });
    assert.match(ev.detail, /TLS: unknown CA/);
    assert.match((await st.status()).station.firmware.detail, /^TLS: unknown CA/);
    for (const c of Object.values(servers)) c.assertNoViolations();
  } finally {
    await st.stop(); st.cleanup();
    for (const c of Object.values(servers)) await c.close();
  }
});

test('security profile 3: TLS with the station\'s client certificate', async () => {
  const csms = await new Csms({}).listenTls({ key: pki.key, cert: pki.cert, ca: pki.ca, requestCert: true });
  let peer;
  csms.server.auth((accept, reject, handshake) => {
    peer = handshake.request.socket.getPeerCertificate();
    csms.lastHandshake = handshake;
    accept({ identity: handshake.identity });
  });
  const st = await station(csms.url, {
    'ocpp.security_profile': '3', 'ocpp.ca_file': pki.path('ca.pem'),
    'ocpp.cert_file': pki.path('client.pem'), 'ocpp.key_file': pki.path('client.key'),
  });
  try {
    await csms.waitCall('BootNotification');
    assert.equal(peer.subject.CN, 'cp-link');
    assert.equal(csms.lastHandshake.password, undefined, 'no Basic password in profile 3');
    csms.assertNoViolations();
  } finally {
    await st.stop(); st.cleanup(); await csms.close();
  }
});

/* A TCP proxy that can freeze: bytes stop flowing both ways, the sockets stay
 * open (what a dead NAT entry or a pulled cable looks like). */
async function freezableProxy(targetPort) {
  const proxy = { frozen: false, pairs: [] };
  proxy.server = createServer((down) => {
    const up = connect(targetPort, '127.0.0.1');
    proxy.pairs.push([down, up]);
    down.on('data', (d) => { if (!proxy.frozen) up.write(d); });
    up.on('data', (d) => { if (!proxy.frozen) down.write(d); });
    const end = () => { down.destroy(); up.destroy(); };
    down.on('error', end); up.on('error', end); down.on('close', end); up.on('close', end);
  });
  proxy.server.listen(0, '127.0.0.1');
  await once(proxy.server, 'listening');
  proxy.port = proxy.server.address().port;
  proxy.close = () => { for (const [a, b] of proxy.pairs) { a.destroy(); b.destroy(); } proxy.server.close(); };
  return proxy;
}

test('a back end that stops answering pings is declared dead within two intervals and replaced', async () => {
  const csms = await startCsms({});
  const proxy = await freezableProxy(csms.port);
  const st = await station(`ws://127.0.0.1:${proxy.port}/ocpp`, { 'ocpp.WebSocketPingInterval': '2', 'ocpp.reconnect_max_s': '2' });
  try {
    await csms.waitCall('BootNotification');
    await waitState(st, 'connected');
    const after = await st.lastEventId();
    proxy.frozen = true;
    const frozenAt = Date.now();
    const down = await st.waitEvent('ocpp_disconnected', { after, timeoutMs: 15000 });
    const tookMs = Date.now() - frozenAt;
    // two ping intervals (4 s) plus the event's way to the test
    assert.ok(tookMs <= 4000 + 1500, `dead connection noticed after ${tookMs} ms`);
    assert.match(down.detail, /ping|pong|timeout|dead|answer/i);
    const s = await st.status();
    assert.notEqual(s.station.ocpp.state, 'connected', 'the status tells the truth');
    proxy.frozen = false;
    const boots = csms.callsOf('BootNotification').length;
    await waitState(st, 'connected', 'reconnected through the thawed proxy');
    assert.ok((await st.status()).station.ocpp.reconnects >= 1);
    assert.ok(csms.callsOf('BootNotification').length >= boots);
    csms.assertNoViolations();
  } finally {
    await st.stop(); st.cleanup(); proxy.close(); await csms.close();
  }
});

/* A raw WebSocket back end: scripted frames, every frame the station sends. */
async function rawBackend() {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: (p) => (p.has('ocpp1.6') ? 'ocpp1.6' : false) });
  await once(wss, 'listening');
  const b = { wss, frames: [], url: `ws://127.0.0.1:${wss.address().port}/ocpp`, waiters: [] };
  wss.on('connection', (ws) => {
    b.ws = ws;
    ws.on('message', (data) => {
      const f = JSON.parse(String(data));
      b.frames.push(f);
      // the station's notifications are acknowledged; the boot is scripted
      if (f[0] === 2 && ['StatusNotification', 'SecurityEventNotification', 'MeterValues'].includes(f[2]))
        ws.send(JSON.stringify([3, f[1], {}]));
      if (f[0] === 2 && f[2] === 'Heartbeat') ws.send(JSON.stringify([3, f[1], { currentTime: new Date().toISOString() }]));
      b.waiters = b.waiters.filter((w) => !(w.match(f) && (w.resolve(f), true)));
    });
  });
  b.next = (match, what = 'a frame') => {
    const found = b.frames.find(match);
    if (found) return Promise.resolve(found);
    let timer;
    return new Promise((resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}; frames: ${JSON.stringify(b.frames).slice(-600)}`)), 20000);
      b.waiters.push({ match, resolve });
    }).finally(() => clearTimeout(timer));
  };
  b.send = (text) => b.ws.send(text);
  b.close = () => { for (const c of wss.clients) c.terminate(); wss.close(); };
  return b;
}

test('malformed frames from the back end get the right CALLERROR and change nothing but the security event InvalidMessages (once per connection)', async () => {
  const b = await rawBackend();
  const st = await station(b.url);
  try {
    const boot = await b.next((f) => f[0] === 2 && f[2] === 'BootNotification');
    b.send(JSON.stringify([3, boot[1], { status: 'Accepted', currentTime: new Date().toISOString(), interval: 300 }]));
    await b.next((f) => f[0] === 2 && f[2] === 'StatusNotification' && f[3].connectorId === 1);
    const before = await st.status();
    const cases = [
      // valid messages the station does not handle first: not InvalidMessages
      ['unknown action', JSON.stringify([2, 'm3', 'MakeCoffee', {}]), 'm3', 'NotImplemented'],
      // OCPP-J 1.6 4.2.3: an action of the protocol a charge point does not handle
      ['action of the protocol the station does not handle',
        JSON.stringify([2, 'm8', 'BootNotification', { chargePointVendor: 'x', chargePointModel: 'y' }]), 'm8', 'NotSupported'],
      ['payload missing', JSON.stringify([2, 'm2', 'Reset']), 'm2', 'ProtocolError'],
      ['not json', '{{{', '-1', 'FormationViolation'],
      ['not a frame', JSON.stringify({ hello: 1 }), '-1', 'FormationViolation'],
      ['unknown type', JSON.stringify([7, 'm1', 'Reset', {}]), 'm1', 'FormationViolation'],
      ['unknown member', JSON.stringify([2, 'm9', 'Reset', { type: 'Soft', when: 'now' }]), 'm9', 'FormationViolation'],
      ['wrong type', JSON.stringify([2, 'm4', 'ChangeAvailability', { connectorId: 'one', type: 'Inoperative' }]), 'm4', 'TypeConstraintViolation'],
      ['bad enum value', JSON.stringify([2, 'm5', 'Reset', { type: 'Sideways' }]), 'm5', 'PropertyConstraintViolation'],
      ['required member missing', JSON.stringify([2, 'm6', 'ChangeAvailability', { connectorId: 1 }]), 'm6', 'OccurenceConstraintViolation'],
      ['string too long', JSON.stringify([2, 'm7', 'RemoteStartTransaction', { idTag: 'X'.repeat(21) }]), 'm7', 'PropertyConstraintViolation'],
    ];
    for (const [what, text, id, code] of cases) {
      const from = b.frames.length;
      b.send(text);
      const answer = await b.next((f) => b.frames.indexOf(f) >= from && f[0] === 4 && f[1] === id, `the answer to ${what}`);
      assert.equal(answer[2], code, `${what}: ${JSON.stringify(answer)}`);
      assert.equal(typeof answer[3], 'string');
    }
    // the whitepaper's InvalidMessages: the first invalid frame, once for the connection
    const ev = await b.next((f) => f[0] === 2 && f[2] === 'SecurityEventNotification' && f[3].type === 'InvalidMessages', 'InvalidMessages');
    assert.match(ev[3].techInfo, /ProtocolError/);
    assert.equal(b.frames.filter((f) => f[0] === 2 && f[2] === 'SecurityEventNotification' && f[3].type === 'InvalidMessages').length, 1);
    const after = await st.status();
    assert.deepEqual(after.connectors.map((c) => [c.status, c.session]), before.connectors.map((c) => [c.status, c.session]));
    assert.equal(after.station.ocpp.state, 'connected');
  } finally {
    await st.stop(); st.cleanup(); b.close();
  }
});

test('an answer that fails the schema is not trusted: the boot is retried', async () => {
  const b = await rawBackend();
  const st = await station(b.url, { 'ocpp.call_timeout_s': '5' });
  try {
    const first = await b.next((f) => f[0] === 2 && f[2] === 'BootNotification');
    b.send(JSON.stringify([3, first[1], { status: 'Maybe', currentTime: 'yesterday', interval: 'often' }]));
    const second = await b.next((f) => f[0] === 2 && f[2] === 'BootNotification' && f[1] !== first[1]);
    const s = await st.status();
    assert.notEqual(s.station.ocpp.registration, 'Accepted');
    assert.ok(!b.frames.some((f) => f[0] === 2 && f[2] === 'StatusNotification'), 'nothing sent before a valid boot answer');
    b.send(JSON.stringify([3, second[1], { status: 'Accepted', currentTime: new Date().toISOString(), interval: 300 }]));
    await st.waitFor((x) => x.station.ocpp.registration === 'Accepted', { what: 'accepted' });
  } finally {
    await st.stop(); st.cleanup(); b.close();
  }
});

test('boot Pending then Rejected then Accepted: nothing but the boot until accepted', async () => {
  const csms = await startCsms({ bootStatus: 'Pending', bootInterval: 1 });
  const st = await station(csms.url);
  try {
    await csms.waitCall('BootNotification');
    await st.waitFor((x) => x.station.ocpp.registration === 'Pending', { what: 'pending' });
    // 1.6 4.2: while Pending the back end may read and change the configuration,
    // but no transaction is started or stopped remotely
    assert.equal((await csms.call('ChangeConfiguration', { key: 'MeterValueSampleInterval', value: '17' })).status, 'Accepted');
    const got = await csms.call('GetConfiguration', { key: ['MeterValueSampleInterval'] });
    assert.equal(got.configurationKey[0].value, '17');
    assert.equal((await csms.call('RemoteStartTransaction', { connectorId: 1, idTag: 'GOOD1' })).status, 'Rejected');
    assert.equal((await csms.call('RemoteStopTransaction', { transactionId: 1 })).status, 'Rejected');
    csms.bootStatus = 'Rejected';
    const n = csms.callsOf('BootNotification').length;
    await csms.waitCall('BootNotification', { from: csms.calls.findLastIndex((c) => c.action === 'BootNotification') + 1 });
    assert.ok(csms.callsOf('BootNotification').length > n);
    await st.waitFor((x) => x.station.ocpp.registration === 'Rejected', { what: 'rejected' });
    // "While Rejected, the Charge Point SHALL NOT respond to any Central System
    // initiated message": no answer, and nothing carried out
    await assert.rejects(csms.call('ChangeConfiguration', { key: 'MeterValueSampleInterval', value: '23' }, { callTimeoutMs: 2000 }), /timeout|timed out/i);
    await assert.rejects(csms.call('RemoteStartTransaction', { connectorId: 1, idTag: 'GOOD1' }, { callTimeoutMs: 2000 }), /timeout|timed out/i);
    const s = await st.ok('GET', '/api/v1/settings');
    assert.equal(String(s.settings['ocpp.MeterValueSampleInterval']), '17');
    assert.deepEqual([...new Set(csms.calls.map((c) => c.action))], ['BootNotification']);
    csms.bootStatus = 'Accepted';
    csms.bootInterval = 1;
    await csms.waitCall('StatusNotification', { timeoutMs: 10000 });
    await st.waitFor((x) => x.station.ocpp.registration === 'Accepted', { what: 'accepted' });
    // the interval of the accepted boot is the heartbeat interval
    const from = csms.calls.length;
    await csms.waitCall('Heartbeat', { from });
    await csms.waitCall('Heartbeat', { from: csms.calls.length });
    csms.assertNoViolations();
  } finally {
    await st.stop(); st.cleanup(); await csms.close();
  }
});

test('the station takes the back end\'s time', async () => {
  const csms = await startCsms({ clockOffsetMs: 3 * 3600 * 1000 });
  const st = await station(csms.url);
  try {
    const ev = await st.waitEvent('time_sync', { timeoutMs: 20000 });
    assert.match(ev.detail, /clock moved/);
    const s = await st.status();
    const skew = Date.parse(s.station.time) - Date.now();
    assert.ok(Math.abs(skew - 3 * 3600 * 1000) < 60000, `station time follows (${skew} ms)`);
    csms.assertNoViolations();
  } finally {
    await st.stop(); st.cleanup(); await csms.close();
  }
});

test('bornectl ocpp shows the keys and changes the back end without a restart', async () => {
  const a = await startCsms({});
  const b = await startCsms({});
  const st = await station(a.url);
  try {
    await a.waitCall('BootNotification');
    const shown = st.ctlJson('ocpp');
    assert.equal(shown.connection.url, a.url);
    const hb = shown.keys.find((k) => k.key === 'HeartbeatInterval');
    assert.ok(hb && hb.readonly === false);
    assert.ok(!shown.keys.some((k) => k.key === 'AuthorizationKey'), 'write-only key never shown');
    const text = st.ctl('ocpp');
    assert.equal(text.code, 0);
    assert.match(text.stdout, /back end ws:\/\/127\.0\.0\.1:\d+\/ocpp\s+connected/);
    assert.match(text.stdout, /HeartbeatInterval/);
    assert.equal(st.ctl('ocpp', 'url', b.url).code, 0);
    await b.waitCall('BootNotification');
    const s = await waitState(st, 'connected');
    assert.equal(s.station.ocpp.url, b.url);
    assert.match(st.ctl('status').stdout, new RegExp(`back end ${b.url.replace(/[/.]/g, '\\$&')}\\s+connected`));
    assert.equal(st.ctl('ocpp', 'url', 'http://nope').code, 1, 'not a ws:// URL');
    a.assertNoViolations();
    b.assertNoViolations();
  } finally {
    await st.stop(); st.cleanup(); await a.close(); await b.close();
  }
});

test('a station started without a back end connects when the URL is set', async () => {
  const csms = await startCsms({});
  const st = await startBorned({ connectors: 1, auth: 'free', set: { 'station.id': 'cp-late' } });
  try {
    assert.equal((await st.status()).station.ocpp.state, 'disabled');
    assert.equal(st.ctl('ocpp', 'url', csms.url).code, 0);
    const boot = await csms.waitCall('BootNotification');
    assert.equal(boot.identity, 'cp-late');
    await waitState(st, 'connected');
    csms.assertNoViolations();
  } finally {
    await st.stop(); st.cleanup(); await csms.close();
  }
});
