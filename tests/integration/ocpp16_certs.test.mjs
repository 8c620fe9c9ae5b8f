// OCPP 1.6 security whitepaper certificate management against a strict
// ocpp-rpc central system (every message schema-checked): InstallCertificate
// -> GetInstalledCertificateIds (hash fields compared with `openssl ocsp`'s
// CertID, computed independently) -> DeleteCertificate; ExtendedTriggerMessage
// SignChargePointCertificate -> SignCertificate with a CSR the test signs with
// its CA -> CertificateSigned; a certificate for another key refused with an
// InvalidChargePointCertificate security event; under security profile 3 the
// station reconnects with its new certificate, and the root in use for the
// TLS connection cannot be deleted; a client certificate not there yet (the
// TLS client cannot be made) is tried again at each retry until it is;
// AdditionalRootCertificateCheck (a new root signed by the installed one on
// trial, fallback and confirmation over real TLS connections).
// Certificates are made with the openssl CLI at test time.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBorned } from './lib/borne.mjs';
import { Csms, startCsms } from './lib/csms.mjs';

let pki;

function makePki() {
  const dir = mkdtempSync(join(tmpdir(), 'borne-certs-'));
  const ossl = (...args) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  // serial 0x0abc: the whitepaper's serialNumber drops the leading zero
  ossl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-set_serial', '0x0abc', '-subj', '/CN=borne certs test CA');
  ossl('req', '-x509', ...ec, '-keyout', 'other.key', '-out', 'other.pem', '-days', '2', '-subj', '/CN=an unrelated CA');
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  ossl('req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
  ossl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-set_serial', '100', '-out', 'server.pem', '-days', '2', '-extfile', 'server.ext');
  // AdditionalRootCertificateCheck: the next root, signed by the first, and a server under it
  writeFileSync(join(dir, 'root.ext'), 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n');
  ossl('req', ...ec, '-keyout', 'g2.key', '-out', 'g2.csr', '-subj', '/CN=borne certs test CA G2');
  ossl('x509', '-req', '-in', 'g2.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-set_serial', '200', '-out', 'g2.pem', '-days', '2', '-extfile', 'root.ext');
  ossl('req', ...ec, '-keyout', 'server2.key', '-out', 'server2.csr', '-subj', '/CN=127.0.0.1');
  ossl('x509', '-req', '-in', 'server2.csr', '-CA', 'g2.pem', '-CAkey', 'g2.key', '-set_serial', '201', '-out', 'server2.pem', '-days', '2', '-extfile', 'server.ext');
  // a first client identity for profile 3, made outside the station
  ossl('req', ...ec, '-keyout', 'client.key', '-out', 'client.csr', '-subj', '/CN=cp-certs-3/O=borne tests');
  ossl('x509', '-req', '-in', 'client.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-set_serial', '101', '-out', 'client.pem', '-days', '2');
  const read = (f) => readFileSync(join(dir, f), 'utf8');
  /** The CSR signed by the test CA with `serial`: the PEM certificate. */
  const sign = (csr, serial, ca = 'ca') => {
    writeFileSync(join(dir, `cp-${serial}.csr`), csr);
    ossl('x509', '-req', '-in', `cp-${serial}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-set_serial', String(serial), '-out', `cp-${serial}.pem`, '-days', '2');
    return read(`cp-${serial}.pem`);
  };
  /** The CSR's subject line and signature check, as openssl prints them. */
  const csrText = (csr) => {
    writeFileSync(join(dir, 'check.csr'), csr);
    return execFileSync('openssl', ['req', '-in', 'check.csr', '-noout', '-verify', '-subject', '-nameopt', 'RFC2253'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
  };
  /** certificateHashData of a self-signed cert, from openssl's OCSP CertID. */
  const certId = (file, alg = 'sha256') => {
    const text = ossl('ocsp', '-issuer', file, `-${alg}`, '-cert', file, '-no_nonce', '-req_text');
    // long hashes are wrapped with a backslash at the end of the line
    const field = (name) => text.match(new RegExp(`${name}: ([0-9A-F\\\\\\n]+)`))[1].replace(/[\\\n]/g, '');
    return {
      hashAlgorithm: alg.toUpperCase(),
      issuerNameHash: field('Issuer Name Hash').toLowerCase(),
      issuerKeyHash: field('Issuer Key Hash').toLowerCase(),
      serialNumber: field('Serial Number').replace(/^0+(?=.)/, '').toLowerCase(),
    };
  };
  return { dir, path: (f) => join(dir, f), read, sign, csrText, certId };
}

before(() => { pki = makePki(); });
after(() => rmSync(pki.dir, { recursive: true, force: true }));

test('InstallCertificate -> GetInstalledCertificateIds lists it with the right hashes -> DeleteCertificate', async () => {
  const csms = await startCsms({});
  const st = await startBorned({ connectors: 1, auth: 'free', args: ['--csms', csms.url], set: { 'station.id': 'cp-certs-1' } });
  try {
    await csms.waitCall('BootNotification');
    const cs = 'CentralSystemRootCertificate';
    assert.deepEqual(await csms.call('GetInstalledCertificateIds', { certificateType: cs }), { status: 'NotFound' });
    assert.deepEqual(await csms.call('InstallCertificate', { certificateType: cs, certificate: 'not a certificate' }), { status: 'Rejected' });
    const leaf = pki.read('server.pem'); // not a root
    assert.deepEqual(await csms.call('InstallCertificate', { certificateType: cs, certificate: leaf }), { status: 'Rejected' });
    assert.deepEqual(await csms.call('InstallCertificate', { certificateType: cs, certificate: pki.read('ca.pem') }), { status: 'Accepted' });

    const ids = await csms.call('GetInstalledCertificateIds', { certificateType: cs });
    assert.equal(ids.status, 'Accepted');
    const want = pki.certId(pki.path('ca.pem'));
    assert.equal(want.serialNumber, 'abc');
    assert.deepEqual(ids.certificateHashData, [want]);
    assert.deepEqual(await csms.call('GetInstalledCertificateIds', { certificateType: 'ManufacturerRootCertificate' }), { status: 'NotFound' });
    // stored with mode 0600 under the data directory
    assert.equal(statSync(join(st.dataDir, 'certs', 'ca-bundle.pem')).mode & 0o777, 0o600);

    // the station compares hashes of the algorithm the back end picks
    const by384 = pki.certId(pki.path('ca.pem'), 'sha384');
    assert.deepEqual(await csms.call('DeleteCertificate', { certificateHashData: by384 }), { status: 'Accepted' });
    assert.deepEqual(await csms.call('DeleteCertificate', { certificateHashData: want }), { status: 'NotFound' });
    assert.deepEqual(await csms.call('GetInstalledCertificateIds', { certificateType: cs }), { status: 'NotFound' });
    csms.assertNoViolations();
  } finally {
    await st.stop(); st.cleanup(); await csms.close();
  }
});

test('SignChargePointCertificate: a CSR with CN = charge point id and O = CpoName, signed by the CA, is Accepted', async () => {
  const csms = await startCsms({});
  const st = await startBorned({ connectors: 1, auth: 'free', args: ['--csms', csms.url], set: { 'station.id': 'cp-certs-2' } });
  try {
    await csms.waitCall('BootNotification');
    const trigger = { requestedMessage: 'SignChargePointCertificate' };
    // no CpoName, no organizationName to put in the request
    assert.deepEqual(await csms.call('ExtendedTriggerMessage', trigger), { status: 'Rejected' });
    assert.equal(st.ctl('set', 'ocpp.CpoName=Borne Test CPO').code, 0);
    assert.deepEqual(await csms.call('InstallCertificate', { certificateType: 'CentralSystemRootCertificate', certificate: pki.read('ca.pem') }), { status: 'Accepted' });

    const from = csms.calls.length;
    assert.deepEqual(await csms.call('ExtendedTriggerMessage', trigger), { status: 'Accepted' });
    const req = await csms.waitCall('SignCertificate', { from });
    assert.match(req.params.csr, /^-----BEGIN CERTIFICATE REQUEST-----/);
    const text = pki.csrText(req.params.csr);
    assert.match(text, /subject=CN=cp-certs-2,O=Borne Test CPO|subject=O=Borne Test CPO,CN=cp-certs-2/);

    // a certificate for another key: refused, and the back end hears why
    const wrong = await csms.call('CertificateSigned', { certificateChain: pki.read('client.pem') });
    assert.deepEqual(wrong, { status: 'Rejected' });
    const ev = await csms.waitCall('SecurityEventNotification', { from, match: (p) => p.type === 'InvalidChargePointCertificate' });
    assert.match(ev.params.techInfo, /key/);

    const cert = pki.sign(req.params.csr, 200);
    assert.deepEqual(await csms.call('CertificateSigned', { certificateChain: cert }), { status: 'Accepted' });
    // on trial (client-new.pem) until a profile 3 connection has been made with it
    assert.equal(statSync(join(st.dataDir, 'certs', 'client-new.pem')).mode & 0o777, 0o600);
    const stored = readFileSync(join(st.dataDir, 'certs', 'client-new.pem'), 'utf8');
    assert.match(stored, /PRIVATE KEY/);
    assert.ok(stored.includes(cert.trim()));
    csms.assertNoViolations();
  } finally {
    await st.stop(); st.cleanup(); await csms.close();
  }
});

test('security profile 3: the station reconnects with the certificate from CertificateSigned; the root in use cannot be deleted', async () => {
  const csms = await new Csms({}).listenTls({ key: pki.read('server.key'), cert: pki.read('server.pem'), ca: pki.read('ca.pem'), requestCert: true });
  const peers = [];
  csms.server.auth((accept, reject, handshake) => {
    peers.push(handshake.request.socket.getPeerCertificate());
    csms.lastHandshake = handshake;
    accept({ identity: handshake.identity });
  });
  const st = await startBorned({
    connectors: 1, auth: 'free', args: ['--csms', csms.url],
    set: {
      'station.id': 'cp-certs-3', 'ocpp.CpoName': 'Borne Test CPO', 'ocpp.security_profile': '3',
      'ocpp.ca_file': pki.path('ca.pem'), 'ocpp.cert_file': pki.path('client.pem'), 'ocpp.key_file': pki.path('client.key'),
    },
  });
  try {
    await csms.waitCall('BootNotification');
    assert.equal(peers.at(-1).serialNumber.replace(/^0+/, ''), '65'); // 101: the installer's certificate

    // the root that verified this connection is in use
    const cs = 'CentralSystemRootCertificate';
    assert.deepEqual(await csms.call('InstallCertificate', { certificateType: cs, certificate: pki.read('ca.pem') }), { status: 'Accepted' });
    assert.deepEqual(await csms.call('DeleteCertificate', { certificateHashData: pki.certId(pki.path('ca.pem')) }), { status: 'Failed' });

    const from = csms.calls.length;
    const after = await st.lastEventId();
    assert.deepEqual(await csms.call('ExtendedTriggerMessage', { requestedMessage: 'SignChargePointCertificate' }), { status: 'Accepted' });
    const req = await csms.waitCall('SignCertificate', { from });
    const cert = pki.sign(req.params.csr, 300);
    assert.deepEqual(await csms.call('CertificateSigned', { certificateChain: cert }), { status: 'Accepted' });
    await st.waitEvent('ocpp_reconfigured', { after, match: (e) => /client certificate/.test(e.detail ?? JSON.stringify(e)) });
    const boot = await csms.waitCall('BootNotification', { from: from + 1 });
    assert.equal(boot.identity, 'cp-certs-3');
    assert.equal(peers.at(-1).serialNumber.replace(/^0+/, ''), '012C'.replace(/^0+/, '')); // 300 = 0x12C
    csms.assertNoViolations();
  } finally {
    await st.stop(); st.cleanup(); await csms.close();
  }
});

test('AdditionalRootCertificateCheck (whitepaper M05.FR.08-13): a root signed by the installed one on trial, the old one back when the server does not verify with it, the only one once connected', async () => {
  const csms = await new Csms({}).listenTls({ key: pki.read('server.key'), cert: pki.read('server.pem') });
  const sockets = new Set();
  csms.https.on('secureConnection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  const hangUp = () => { for (const s of sockets) s.destroy(); };
  const st = await startBorned({
    connectors: 1, auth: 'free', args: ['--csms', csms.url],
    set: {
      'station.id': 'cp-certs-root', 'ocpp.security_profile': '2', 'ocpp.AuthorizationKey': '0123456789abcdef',
      'ocpp.ca_file': pki.path('ca.pem'), 'ocpp.AdditionalRootCertificateCheck': 'true',
    },
  });
  const cs = 'CentralSystemRootCertificate';
  const roots = async () => {
    const r = await csms.call('GetInstalledCertificateIds', { certificateType: cs });
    return r.certificateHashData.map((h) => h.serialNumber);
  };
  const install = (file) => csms.call('InstallCertificate', { certificateType: cs, certificate: pki.read(file) });
  try {
    await csms.waitCall('BootNotification');
    const conf = await csms.call('GetConfiguration', { key: ['AdditionalRootCertificateCheck'] });
    assert.deepEqual(conf.configurationKey, [{ key: 'AdditionalRootCertificateCheck', readonly: true, value: 'true' }]);
    assert.deepEqual(await csms.call('ChangeConfiguration', { key: 'AdditionalRootCertificateCheck', value: 'false' }), { status: 'Rejected' });

    assert.deepEqual(await install('ca.pem'), { status: 'Accepted' });
    let after = await st.lastEventId();
    assert.equal(st.ctl('set', 'ocpp.ca_file=').code, 0); // the store's root alone
    await st.waitEvent('ocpp_connected', { after });
    assert.deepEqual(await install('other.pem'), { status: 'Rejected' }); // self-signed (M05.FR.10)
    assert.deepEqual(await install('g2.pem'), { status: 'Accepted' }); // M05.FR.11
    assert.deepEqual(await roots(), ['c8', 'abc']);

    // the server's certificate is still the old root's: back to it at once (M05.FR.13)
    let from = csms.calls.length;
    after = await st.lastEventId();
    hangUp();
    await st.waitEvent('ocpp_certificate', { after, match: (e) => /does not verify with the new CSMS root/.test(e.detail ?? JSON.stringify(e)) });
    await csms.waitCall('SecurityEventNotification', { from, match: (p) => p.type === 'InvalidCentralSystemCertificate' });
    assert.deepEqual(await roots(), ['abc']);

    // again, the server now under the new root: connected with it, the old one removed (M05.FR.12)
    assert.deepEqual(await install('g2.pem'), { status: 'Accepted' });
    after = await st.lastEventId();
    csms.https.setSecureContext({ key: pki.read('server2.key'), cert: pki.read('server2.pem') });
    hangUp();
    await st.waitEvent('ocpp_certificate', { after, match: (e) => /new CSMS root certificate connected/.test(e.detail ?? JSON.stringify(e)) });
    assert.deepEqual(await roots(), ['c8']);
    csms.assertNoViolations();
  } finally {
    await st.stop(); st.cleanup(); await csms.close();
  }
});

test('security profile 3: a new certificate the central system refuses in the TLS handshake: back to the previous one, InvalidChargePointCertificate', async () => {
  const csms = await new Csms({}).listenTls({ key: pki.read('server.key'), cert: pki.read('server.pem'), ca: pki.read('ca.pem'), requestCert: true });
  const peers = [];
  csms.server.auth((accept, reject, handshake) => {
    peers.push(handshake.request.socket.getPeerCertificate());
    accept({ identity: handshake.identity });
  });
  const st = await startBorned({
    connectors: 1, auth: 'free', args: ['--csms', csms.url],
    set: {
      'station.id': 'cp-certs-3', 'ocpp.CpoName': 'Borne Test CPO', 'ocpp.security_profile': '3',
      'ocpp.ca_file': pki.path('ca.pem'), 'ocpp.cert_file': pki.path('client.pem'), 'ocpp.key_file': pki.path('client.key'),
    },
  });
  try {
    await csms.waitCall('BootNotification');
    assert.equal(peers.at(-1).serialNumber.replace(/^0+/, ''), '65'); // 101: the installer's certificate
    let from = csms.calls.length;
    const after = await st.lastEventId();
    assert.deepEqual(await csms.call('ExtendedTriggerMessage', { requestedMessage: 'SignChargePointCertificate' }), { status: 'Accepted' });
    const req = await csms.waitCall('SignCertificate', { from });
    // no CentralSystemRootCertificate installed: the station takes one of a CA the server does not trust
    from = csms.calls.length;
    assert.deepEqual(await csms.call('CertificateSigned', { certificateChain: pki.sign(req.params.csr, 302, 'other') }), { status: 'Accepted' });
    await st.waitEvent('ocpp_reconfigured', { after, match: (e) => /client certificate refused/.test(e.detail ?? JSON.stringify(e)) });
    const ev = await csms.waitCall('SecurityEventNotification', { from, match: (p) => p.type === 'InvalidChargePointCertificate' });
    assert.match(ev.params.techInfo, /refused the new client certificate/);
    assert.equal(peers.at(-1).serialNumber.replace(/^0+/, ''), '65'); // connected again with the installer's
    assert.match(readFileSync(join(st.dataDir, 'certs', 'client-refused.pem'), 'utf8'), /BEGIN CERTIFICATE/);
    csms.assertNoViolations();
  } finally {
    await st.stop(); st.cleanup(); await csms.close();
  }
});

test('security profile 3: a new certificate whose TLS session is accepted but whose upgrade is answered HTTP 503 stays on trial, then is kept once connected', async () => {
  const csms = await new Csms({}).listenTls({ key: pki.read('server.key'), cert: pki.read('server.pem'), ca: pki.read('ca.pem'), requestCert: true });
  const peers = [];
  let busy = 0;
  csms.server.auth((accept, reject, handshake) => {
    const serial = handshake.request.socket.getPeerCertificate().serialNumber.replace(/^0+/, '');
    peers.push(serial);
    // the back end is busy twice when the new certificate first comes
    if (serial === '12F' && busy < 2) { busy++; return reject(503, 'busy'); }
    accept({ identity: handshake.identity });
  });
  const st = await startBorned({
    connectors: 1, auth: 'free', args: ['--csms', csms.url],
    set: {
      'station.id': 'cp-certs-3', 'ocpp.CpoName': 'Borne Test CPO', 'ocpp.security_profile': '3', 'ocpp.reconnect_max_s': '2',
      'ocpp.ca_file': pki.path('ca.pem'), 'ocpp.cert_file': pki.path('client.pem'), 'ocpp.key_file': pki.path('client.key'),
    },
  });
  try {
    await csms.waitCall('BootNotification');
    const from = csms.calls.length;
    const after = await st.lastEventId();
    assert.deepEqual(await csms.call('ExtendedTriggerMessage', { requestedMessage: 'SignChargePointCertificate' }), { status: 'Accepted' });
    const req = await csms.waitCall('SignCertificate', { from });
    assert.deepEqual(await csms.call('CertificateSigned', { certificateChain: pki.sign(req.params.csr, 303) }), { status: 'Accepted' });
    await st.waitEvent('ocpp_certificate', { after, match: (e) => /connected: kept/.test(e.detail ?? JSON.stringify(e)) });
    assert.equal(busy, 2);
    assert.deepEqual(peers.slice(1), ['12F', '12F', '12F']); // never back to the installer's (65)
    assert.equal(csms.callsOf('SecurityEventNotification').filter((c) => c.params.type === 'InvalidChargePointCertificate').length, 0);
    csms.assertNoViolations();
  } finally {
    await st.stop(); st.cleanup(); await csms.close();
  }
});

test('a client certificate the TLS client cannot load yet: the link keeps retrying and connects once it is there', async () => {
  const csms = await new Csms({}).listenTls({ key: pki.read('server.key'), cert: pki.read('server.pem'), ca: pki.read('ca.pem'), requestCert: true });
  const later = pki.path('later-client.pem'); // not there yet: the client vhost cannot be made
  const st = await startBorned({
    connectors: 1, auth: 'free', args: ['--csms', csms.url],
    set: {
      'station.id': 'cp-certs-4', 'ocpp.security_profile': '3', 'ocpp.reconnect_max_s': '2',
      'ocpp.ca_file': pki.path('ca.pem'), 'ocpp.cert_file': later, 'ocpp.key_file': pki.path('client.key'),
    },
  });
  try {
    // two failed attempts: each retry tries to make the vhost again
    const s = await st.waitFor((x) => x.station.ocpp?.reconnects >= 2, { what: 'retries', timeoutMs: 20000 });
    assert.notEqual(s.station.ocpp.state, 'connected');
    assert.match(s.station.ocpp.last_error, /cannot create a client context/);
    assert.equal(csms.calls.length, 0);
    writeFileSync(later, pki.read('client.pem'));
    await csms.waitCall('BootNotification', { timeoutMs: 20000 });
    await st.waitFor((x) => x.station.ocpp?.state === 'connected', { what: 'connected' });
    csms.assertNoViolations();
  } finally {
    await st.stop(); st.cleanup(); await csms.close();
  }
});
