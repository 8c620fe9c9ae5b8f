// OCPP 2.0.1 block A (Security) and the certificate use cases of block M
// (issue 16) against a strict CSMS: npm ocpp-rpc in strict mode validates
// every frame both ways with its 2.0.1 schemas; BORNE_OCPP_PEER=ocpp-ws-io
// runs the same scenarios against npm ocpp-ws-io in strict mode
// (ocpp201_security_ws_io.test.mjs). InstallCertificate / GetInstalledCertificateIds
// (certificateHashDataChain, filtered by type, hashes checked against
// `openssl ocsp`'s CertID) / DeleteCertificate over the one certificate store
// 1.6 uses; SecurityCtrlr.CertificateEntries counting them; TriggerMessage
// SignChargingStationCertificate -> SignCertificate with a CSR the test signs
// with its CA -> CertificateSigned -> under security profile 3 the station
// reconnects over TLS with the new certificate; a certificate for another key
// refused with the security event InvalidChargingStationCertificate; the
// SignCertificate sent again when no CertificateSigned follows
// (CertSigningWaitMinimum, CertSigningRepeatTimes); InvalidTLSCipherSuite for a
// CSMS without a cipher suite in common; InvalidCsmsCertificate
// after a TLS connection refused the CSMS's certificate; Get15118EVCertificate
// and GetCertificateStatus answered Failed (no ISO 15118 stack); the V2G
// certificate renewed by the station itself (A03) and deleted by its leaf's
// hash (M04); 2.1's TriggerMessage SignCombinedCertificate, OEMRootCertificate
// (installed, listed, deleted) and V2G20Certificate (TriggerMessage
// SignV2G20Certificate -> SignCertificate -> CertificateSigned);
// AdditionalRootCertificateCheck (M05: a CSMS root signed by the installed
// one on trial, the old one back when the server does not verify with it,
// the only one once connected, across a kill -9). Certificates
// are made with the openssl CLI at test time.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBorned } from './lib/borne.mjs';
import { Csms } from './lib/csms.mjs';
import { CsmsWsIo } from './lib/csms_ws_io.mjs';
import { getVariable, setVariable } from './lib/ocpp201.mjs';

const Peer = process.env.BORNE_OCPP_PEER === 'ocpp-ws-io' ? CsmsWsIo : Csms;
const HANDLERS = { SignCertificate: () => ({ status: 'Accepted' }), NotifyReport: () => ({}) };
const V201 = { 'ocpp.version': '2.0.1', 'ocpp.MinimumStatusDuration': '0', 'ocpp.reconnect_max_s': '2' };
let pki;

function makePki() {
  const dir = mkdtempSync(join(tmpdir(), 'borne-201-certs-'));
  const ossl = (...args) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  ossl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-set_serial', '0x0abc', '-subj', '/CN=borne 2.0.1 test CA');
  ossl('req', '-x509', ...ec, '-keyout', 'v2g.key', '-out', 'v2g.pem', '-days', '2', '-set_serial', '77', '-subj', '/CN=borne V2G root');
  ossl('req', '-x509', ...ec, '-keyout', 'oem.key', '-out', 'oem.pem', '-days', '2', '-set_serial', '78', '-subj', '/CN=borne OEM root');
  ossl('req', '-x509', ...ec, '-keyout', 'other.key', '-out', 'other.pem', '-days', '2', '-subj', '/CN=an unrelated CA');
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  ossl('req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
  ossl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-set_serial', '100', '-out', 'server.pem', '-days', '2', '-extfile', 'server.ext');
  // AdditionalRootCertificateCheck: the next CSMS root, signed by the first (not self-signed),
  // a server certificate under it, and a root the unrelated CA signs
  writeFileSync(join(dir, 'root.ext'), 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n');
  ossl('req', ...ec, '-keyout', 'g2.key', '-out', 'g2.csr', '-subj', '/CN=borne 2.0.1 test CA G2');
  ossl('x509', '-req', '-in', 'g2.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-set_serial', '200', '-out', 'g2.pem', '-days', '2', '-extfile', 'root.ext');
  ossl('x509', '-req', '-in', 'g2.csr', '-CA', 'other.pem', '-CAkey', 'other.key', '-set_serial', '202', '-out', 'g2-other.pem', '-days', '2', '-extfile', 'root.ext');
  ossl('req', ...ec, '-keyout', 'server2.key', '-out', 'server2.csr', '-subj', '/CN=127.0.0.1');
  ossl('x509', '-req', '-in', 'server2.csr', '-CA', 'g2.pem', '-CAkey', 'g2.key', '-set_serial', '201', '-out', 'server2.pem', '-days', '2', '-extfile', 'server.ext');
  ossl('req', ...ec, '-keyout', 'client.key', '-out', 'client.csr', '-subj', '/CN=cp-201-sec/O=borne tests');
  ossl('x509', '-req', '-in', 'client.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-set_serial', '101', '-out', 'client.pem', '-days', '2');
  // the same key for a year: no renewal (A03) of its own to race a test's SignCertificate
  ossl('x509', '-req', '-in', 'client.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-set_serial', '102', '-out', 'client-year.pem', '-days', '365');
  const read = (f) => readFileSync(join(dir, f), 'utf8');
  const sign = (csr, serial, ca = 'ca') => {
    writeFileSync(join(dir, `cs-${serial}.csr`), csr);
    ossl('x509', '-req', '-in', `cs-${serial}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-set_serial', String(serial), '-out', `cs-${serial}.pem`, '-days', '2');
    return read(`cs-${serial}.pem`);
  };
  const csrSubject = (csr) => {
    writeFileSync(join(dir, 'check.csr'), csr);
    return execFileSync('openssl', ['req', '-in', 'check.csr', '-noout', '-verify', '-subject', '-nameopt', 'RFC2253'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
  };
  /* certificateHashData of a self-signed certificate from openssl's OCSP CertID */
  const certId = (file, alg = 'sha256', issuer = file) => {
    const text = ossl('ocsp', '-issuer', join(dir, issuer), `-${alg}`, '-cert', join(dir, file), '-no_nonce', '-req_text');
    const field = (name) => text.match(new RegExp(`${name}: ([0-9A-F\\\\\\n]+)`))[1].replace(/[\\\n]/g, '');
    return {
      hashAlgorithm: alg.toUpperCase(),
      issuerNameHash: field('Issuer Name Hash').toLowerCase(),
      issuerKeyHash: field('Issuer Key Hash').toLowerCase(),
      serialNumber: field('Serial Number').replace(/^0+(?=.)/, '').toLowerCase(),
    };
  };
  return { dir, path: (f) => join(dir, f), read, sign, csrSubject, certId };
}

before(() => { pki = makePki(); });
after(() => rmSync(pki.dir, { recursive: true, force: true }));

const entries = async (csms) => {
  const r = await csms.call('GetVariables', { getVariableData: [{ component: { name: 'SecurityCtrlr' }, variable: { name: 'CertificateEntries' } }] });
  return Number(r.getVariableResult[0].attributeValue);
};

test('M05/M03/M04: install CSMS and V2G roots, list them by type with their hashes, delete them (A: CertificateEntries)', async () => {
  const csms = await new Peer({ protocol: 'ocpp2.0.1', handlers: HANDLERS }).listen();
  const st = await startBorned({ connectors: 1, auth: 'free', args: ['--csms', csms.url], set: { 'station.id': 'cp-201-sec-1', ...V201, 'ocpp.CpoName': 'Borne Test CPO' } });
  try {
    await csms.waitCall('BootNotification');
    assert.deepEqual(await csms.call('GetInstalledCertificateIds', {}), { status: 'NotFound' });
    assert.equal(await entries(csms), 0);
    const bad = await csms.call('InstallCertificate', { certificateType: 'CSMSRootCertificate', certificate: pki.read('server.pem') });
    assert.equal(bad.status, 'Rejected'); // a leaf, not a root
    assert.equal(bad.statusInfo.reasonCode, 'InvalidCertificate');
    assert.deepEqual(await csms.call('InstallCertificate', { certificateType: 'CSMSRootCertificate', certificate: pki.read('ca.pem') }), { status: 'Accepted' });
    assert.deepEqual(await csms.call('InstallCertificate', { certificateType: 'V2GRootCertificate', certificate: pki.read('v2g.pem') }), { status: 'Accepted' });
    assert.equal(await entries(csms), 2);

    const all = await csms.call('GetInstalledCertificateIds', {});
    assert.equal(all.status, 'Accepted');
    assert.deepEqual(all.certificateHashDataChain, [
      { certificateType: 'V2GRootCertificate', certificateHashData: pki.certId('v2g.pem') },
      { certificateType: 'CSMSRootCertificate', certificateHashData: pki.certId('ca.pem') },
    ]);
    const only = await csms.call('GetInstalledCertificateIds', { certificateType: ['CSMSRootCertificate', 'MORootCertificate'] });
    assert.deepEqual(only.certificateHashDataChain, [{ certificateType: 'CSMSRootCertificate', certificateHashData: pki.certId('ca.pem') }]);
    assert.deepEqual(await csms.call('GetInstalledCertificateIds', { certificateType: ['ManufacturerRootCertificate'] }), { status: 'NotFound' });

    // A02 for the V2G certificate: a CSR, signed under the V2G root, kept for a 15118 stack
    let from = csms.calls.length;
    assert.deepEqual(await csms.call('TriggerMessage', { requestedMessage: 'SignV2GCertificate' }), { status: 'Accepted' });
    const req = await csms.waitCall('SignCertificate', { from });
    assert.equal(req.params.certificateType, 'V2GCertificate');
    assert.match(pki.csrSubject(req.params.csr), /CN=cp-201-sec-1/);
    from = csms.calls.length;
    const wrong = await csms.call('CertificateSigned', { certificateChain: pki.sign(req.params.csr, 401, 'ca'), certificateType: 'V2GCertificate' });
    assert.equal(wrong.status, 'Rejected'); // not under the installed V2G root
    const refused = await csms.waitCall('SecurityEventNotification', { from, match: (p) => p.type === 'InvalidChargingStationCertificate' });
    assert.match(refused.params.techInfo, /V2GRootCertificate/);
    assert.deepEqual(await csms.call('CertificateSigned', { certificateChain: pki.sign(req.params.csr, 402, 'v2g'), certificateType: 'V2GCertificate' }), { status: 'Accepted' });
    const v2gChain = await csms.call('GetInstalledCertificateIds', { certificateType: ['V2GCertificateChain'] });
    assert.deepEqual(v2gChain.certificateHashDataChain, [
      { certificateType: 'V2GCertificateChain', certificateHashData: { ...pki.certId('v2g.pem'), serialNumber: (402).toString(16) } },
    ]);
    assert.equal(await entries(csms), 3); // two roots and the V2G certificate
    assert.equal(csms.callsOf('BootNotification').length, 1); // the link does not use it

    // A03 for the V2G certificate: it ends within a month (2 days), so at the next boot the
    // station asks for a new one by itself
    from = csms.calls.length;
    assert.equal((await csms.call('Reset', { type: 'Immediate' })).status, 'Accepted');
    await csms.waitCall('BootNotification', { from });
    const renew = await csms.waitCall('SignCertificate', { from });
    assert.equal(renew.params.certificateType, 'V2GCertificate');

    // M04: the V2G certificate itself, deleted by its leaf's hash data
    const leafId = v2gChain.certificateHashDataChain[0].certificateHashData;
    assert.deepEqual(await csms.call('DeleteCertificate', { certificateHashData: leafId }), { status: 'Accepted' });
    assert.deepEqual(await csms.call('GetInstalledCertificateIds', { certificateType: ['V2GCertificateChain'] }), { status: 'NotFound' });
    assert.equal(await entries(csms), 2);

    // the algorithm the CSMS picks
    assert.deepEqual(await csms.call('DeleteCertificate', { certificateHashData: pki.certId('v2g.pem', 'sha512') }), { status: 'Accepted' });
    assert.deepEqual(await csms.call('DeleteCertificate', { certificateHashData: pki.certId('v2g.pem') }), { status: 'NotFound' });
    assert.deepEqual(await csms.call('GetInstalledCertificateIds', { certificateType: ['V2GRootCertificate'] }), { status: 'NotFound' });
    assert.equal(await entries(csms), 1);

    // block M: no ISO 15118 stack, the hook's default answer
    const evc = await csms.call('Get15118EVCertificate', { iso15118SchemaVersion: 'urn:iso:15118:2:2013:MsgDef', action: 'Install', exiRequest: 'AAAA' });
    assert.equal(evc.status, 'Failed');
    assert.equal(evc.statusInfo.reasonCode, 'NotSupported');
    const ocsp = await csms.call('GetCertificateStatus', { ocspRequestData: { ...pki.certId('ca.pem'), responderURL: 'http://127.0.0.1:1/ocsp' } });
    assert.equal(ocsp.status, 'Failed');
    assert.equal(ocsp.statusInfo.reasonCode, 'NotSupported');
    csms.assertNoViolations();
  } finally {
    await st.stop(); st.cleanup(); await csms.close();
  }
});

test('A02: SignCertificate -> CertificateSigned; a wrong chain refused with InvalidChargingStationCertificate; profile 3 reconnects over TLS with the new certificate', async () => {
  const peers = [];
  const csms = await new Peer({ protocol: 'ocpp2.0.1', handlers: HANDLERS })
    .listenTls({ key: pki.read('server.key'), cert: pki.read('server.pem'), ca: pki.read('ca.pem'), requestCert: true });
  csms.https.on('secureConnection', (s) => peers.push(s.getPeerCertificate()));
  const st = await startBorned({
    connectors: 1, auth: 'free', args: ['--csms', csms.url],
    set: {
      'station.id': 'cp-201-sec', ...V201, 'ocpp.security_profile': '3',
      'ocpp.ca_file': pki.path('ca.pem'), 'ocpp.cert_file': pki.path('client.pem'), 'ocpp.key_file': pki.path('client.key'),
    },
  });
  try {
    await csms.waitCall('BootNotification');
    assert.equal(peers.at(-1).serialNumber.replace(/^0+/, ''), '65'); // 101: the installer's certificate
    const trigger = { requestedMessage: 'SignChargingStationCertificate' };
    // no OrganizationName yet: nothing to put in the request's O
    assert.deepEqual(await csms.call('TriggerMessage', trigger), { status: 'Rejected' });
    const set = await csms.call('SetVariables', { setVariableData: [{ component: { name: 'SecurityCtrlr' }, variable: { name: 'OrganizationName' }, attributeValue: 'Borne Test CPO' }] });
    assert.equal(set.setVariableResult[0].attributeStatus, 'Accepted');

    // the root that verified this connection is in use
    assert.deepEqual(await csms.call('InstallCertificate', { certificateType: 'CSMSRootCertificate', certificate: pki.read('ca.pem') }), { status: 'Accepted' });
    assert.deepEqual(await csms.call('DeleteCertificate', { certificateHashData: pki.certId('ca.pem') }), { status: 'Failed' });

    let from = csms.calls.length;
    assert.deepEqual(await csms.call('TriggerMessage', trigger), { status: 'Accepted' });
    const req = await csms.waitCall('SignCertificate', { from });
    assert.equal(req.params.certificateType, 'ChargingStationCertificate');
    assert.match(req.params.csr, /^-----BEGIN CERTIFICATE REQUEST-----/);
    assert.match(pki.csrSubject(req.params.csr), /subject=CN=cp-201-sec,O=Borne Test CPO|subject=O=Borne Test CPO,CN=cp-201-sec/);

    // a certificate for another key: refused, and the CSMS hears why
    const wrong = await csms.call('CertificateSigned', { certificateChain: pki.read('client.pem'), certificateType: 'ChargingStationCertificate' });
    assert.equal(wrong.status, 'Rejected');
    const ev = await csms.waitCall('SecurityEventNotification', { from, match: (p) => p.type === 'InvalidChargingStationCertificate' });
    assert.match(ev.params.techInfo, /key/);

    from = csms.calls.length;
    const after = await st.lastEventId();
    const cert = pki.sign(req.params.csr, 300);
    assert.deepEqual(await csms.call('CertificateSigned', { certificateChain: cert, certificateType: 'ChargingStationCertificate' }), { status: 'Accepted' });
    await st.waitEvent('ocpp_reconfigured', { after, match: (e) => /client certificate/.test(e.detail ?? JSON.stringify(e)) });
    const boot = await csms.waitCall('BootNotification', { from });
    assert.equal(boot.identity, 'cp-201-sec');
    assert.equal(peers.at(-1).serialNumber.replace(/^0+/, ''), '12C'); // 300: the new certificate
    // the CA and the station's own certificate
    assert.equal(await entries(csms), 2);
    csms.assertNoViolations();
  } finally {
    await st.stop(); st.cleanup(); await csms.close();
  }
});

// A00.FR.511 (2.0.1 Part 2): the Charging Station certificate's commonName is
// the station's unique serial number; the CSR the station makes says so
// (the station id only while station.serial is empty: the test above).
test('A02 / A00.FR.511: the ChargingStationCertificate CSR names station.serial (the BootNotification serialNumber) in CN, OrganizationName in O', async () => {
  const csms = await new Peer({ protocol: 'ocpp2.0.1', handlers: HANDLERS }).listen();
  const st = await startBorned({ connectors: 1, auth: 'free', args: ['--csms', csms.url], set: { 'station.id': 'cp-201-sec-sn', 'station.serial': 'SN-201-0042', ...V201, 'ocpp.CpoName': 'Borne Test CPO' } });
  try {
    const boot = await csms.waitCall('BootNotification');
    assert.equal(boot.params.chargingStation.serialNumber, 'SN-201-0042');
    const from = csms.calls.length;
    assert.deepEqual(await csms.call('TriggerMessage', { requestedMessage: 'SignChargingStationCertificate' }), { status: 'Accepted' });
    const req = await csms.waitCall('SignCertificate', { from });
    assert.equal(req.params.certificateType, 'ChargingStationCertificate');
    const subject = pki.csrSubject(req.params.csr);
    assert.match(subject, /CN=SN-201-0042(,|\s*$)/);
    assert.match(subject, /O=Borne Test CPO(,|\s*$)/);
    assert.doesNotMatch(subject, /cp-201-sec-sn/);
    csms.assertNoViolations();
  } finally {
    await st.stop(); st.cleanup(); await csms.close();
  }
});

test('A02: a new client certificate the CSMS refuses in the TLS handshake: back to the previous one, reported InvalidChargingStationCertificate; kept only once it connected', async () => {
  const peers = [];
  const csms = await new Peer({ protocol: 'ocpp2.0.1', handlers: HANDLERS })
    .listenTls({ key: pki.read('server.key'), cert: pki.read('server.pem'), ca: pki.read('ca.pem'), requestCert: true });
  csms.https.on('secureConnection', (s) => peers.push(s.getPeerCertificate()));
  const opts = {
    connectors: 1, auth: 'free', args: ['--csms', csms.url],
    set: {
      'station.id': 'cp-201-sec', ...V201, 'ocpp.security_profile': '3', 'ocpp.CpoName': 'Borne Test CPO',
      'ocpp.ca_file': pki.path('ca.pem'), 'ocpp.cert_file': pki.path('client-year.pem'), 'ocpp.key_file': pki.path('client.key'),
    },
  };
  let st = await startBorned(opts);
  try {
    await csms.waitCall('BootNotification');
    assert.equal(peers.at(-1).serialNumber.replace(/^0+/, ''), '66'); // 102: the installer's certificate
    let from = csms.calls.length;
    assert.deepEqual(await csms.call('TriggerMessage', { requestedMessage: 'SignChargingStationCertificate' }), { status: 'Accepted' });
    let req = await csms.waitCall('SignCertificate', { from });
    // no CSMS root in the store: the station takes a certificate of a CA the CSMS does not trust
    const refusedCert = pki.sign(req.params.csr, 310, 'other');
    from = csms.calls.length;
    let after = await st.lastEventId();
    assert.deepEqual(await csms.call('CertificateSigned', { certificateChain: refusedCert, certificateType: 'ChargingStationCertificate' }), { status: 'Accepted' });
    await st.waitEvent('ocpp_reconfigured', { after, match: (e) => /client certificate refused/.test(e.detail ?? JSON.stringify(e)) });
    const ev = await csms.waitCall('SecurityEventNotification', { from, match: (p) => p.type === 'InvalidChargingStationCertificate' });
    assert.match(ev.params.techInfo, /refused the new client certificate/);
    assert.equal(peers.at(-1).serialNumber.replace(/^0+/, ''), '66'); // connected again with the previous one

    // a good one connects and is kept: a restart uses it
    from = csms.calls.length;
    assert.deepEqual(await csms.call('TriggerMessage', { requestedMessage: 'SignChargingStationCertificate' }), { status: 'Accepted' });
    req = await csms.waitCall('SignCertificate', { from });
    from = csms.calls.length;
    after = await st.lastEventId();
    assert.deepEqual(await csms.call('CertificateSigned', { certificateChain: pki.sign(req.params.csr, 311), certificateType: 'ChargingStationCertificate' }), { status: 'Accepted' });
    await st.waitEvent('ocpp_certificate', { after, match: (e) => /connected: kept/.test(e.detail ?? JSON.stringify(e)) });
    await csms.waitCall('BootNotification', { from });
    assert.equal(peers.at(-1).serialNumber.replace(/^0+/, ''), '137'); // 311
    // kept on disk: after a crash the station connects with it
    await st.kill();
    from = csms.calls.length;
    st = await startBorned({ ...opts, dataDir: st.dataDir });
    await csms.waitCall('BootNotification', { from });
    assert.equal(peers.at(-1).serialNumber.replace(/^0+/, ''), '137');
    csms.assertNoViolations();
  } finally {
    await st.stop(); st.cleanup(); await csms.close();
  }
});

test('M05 AdditionalRootCertificateCheck: a new CSMS root must be signed by the installed one; on trial, the old one back when the server does not verify with it, the only one once it connected (across a kill -9)', async () => {
  const csms = await new Peer({ protocol: 'ocpp2.0.1', handlers: HANDLERS })
    .listenTls({ key: pki.read('server.key'), cert: pki.read('server.pem') });
  const sockets = new Set();
  csms.https.on('secureConnection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  const hangUp = () => { for (const s of sockets) s.destroy(); };
  const opts = {
    connectors: 1, auth: 'free', args: ['--csms', csms.url],
    set: {
      'station.id': 'cp-201-sec-root', ...V201, 'ocpp.security_profile': '2', 'ocpp.AuthorizationKey': '0123456789abcdef',
      'ocpp.ca_file': pki.path('ca.pem'), 'ocpp.AdditionalRootCertificateCheck': 'true',
    },
  };
  let st = await startBorned(opts);
  const csmsRoots = async () => {
    const r = await csms.call('GetInstalledCertificateIds', { certificateType: ['CSMSRootCertificate'] });
    return r.certificateHashDataChain.map((c) => c.certificateHashData.serialNumber);
  };
  const installRoot = (file) => csms.call('InstallCertificate', { certificateType: 'CSMSRootCertificate', certificate: pki.read(file) });
  try {
    await csms.waitCall('BootNotification');
    const variable = { component: { name: 'SecurityCtrlr' }, variable: { name: 'AdditionalRootCertificateCheck' } };
    const got = await csms.call('GetVariables', { getVariableData: [variable] });
    assert.equal(got.getVariableResult[0].attributeValue, 'true');
    const set = await csms.call('SetVariables', { setVariableData: [{ ...variable, attributeValue: 'false' }] });
    assert.equal(set.setVariableResult[0].attributeStatus, 'Rejected'); // ReadOnly: the installer's

    // the first root as always, then the installer's file goes: the store's root alone
    assert.deepEqual(await installRoot('ca.pem'), { status: 'Accepted' });
    let after = await st.lastEventId();
    assert.equal(st.ctl('set', 'ocpp.ca_file=').code, 0);
    await st.waitEvent('ocpp_version', { after });
    // refused: a self-signed root, the next root signed by another CA (M05.FR.10)
    for (const f of ['other.pem', 'g2-other.pem']) {
      const r = await installRoot(f);
      assert.equal(r.status, 'Rejected', f);
      assert.equal(r.statusInfo.reasonCode, 'InvalidCertificate');
    }
    assert.deepEqual(await csmsRoots(), ['abc']);

    // signed by the installed root: on trial, listed first, the old one kept (M05.FR.11)
    assert.deepEqual(await installRoot('g2.pem'), { status: 'Accepted' });
    assert.deepEqual(await csmsRoots(), ['c8', 'abc']);
    // the server still shows a certificate of the old root: it does not verify with the new
    // one, the old one is the link's again at once (M05.FR.13)
    let from = csms.calls.length;
    after = await st.lastEventId();
    hangUp();
    await st.waitEvent('ocpp_certificate', { after, match: (e) => /does not verify with the new CSMS root/.test(e.detail ?? JSON.stringify(e)) });
    const ev = await csms.waitCall('SecurityEventNotification', { from, match: (p) => p.type === 'InvalidCsmsCertificate' });
    assert.match(ev.params.techInfo, /TLS|certificate/);
    assert.deepEqual(await csmsRoots(), ['abc']);

    // again, and the CSMS moves to a certificate of the new root; a kill -9 before the
    // station reconnects: still on trial at the next start, kept once it connected (M05.FR.12)
    assert.deepEqual(await installRoot('g2.pem'), { status: 'Accepted' });
    await st.kill();
    csms.https.setSecureContext({ key: pki.read('server2.key'), cert: pki.read('server2.pem') });
    hangUp();
    from = csms.calls.length;
    st = await startBorned({ ...opts, set: { ...opts.set, 'ocpp.ca_file': '' }, dataDir: st.dataDir });
    await st.waitEvent('ocpp_certificate', { match: (e) => /new CSMS root certificate connected/.test(e.detail ?? JSON.stringify(e)) });
    await csms.waitCall('BootNotification', { from });
    assert.deepEqual(await csmsRoots(), ['c8']); // the old root removed
    // its hash data name its issuer, the old root, as OCSP's CertID does (M03)
    const ids = await csms.call('GetInstalledCertificateIds', { certificateType: ['CSMSRootCertificate'] });
    assert.deepEqual(ids.certificateHashDataChain[0].certificateHashData, pki.certId('g2.pem', 'sha256', 'ca.pem'));
    assert.deepEqual(await csms.call('DeleteCertificate', { certificateHashData: pki.certId('g2.pem', 'sha256', 'ca.pem') }), { status: 'Failed' }); // in use
    csms.assertNoViolations();
  } finally {
    await st.stop(); st.cleanup(); await csms.close();
  }
});

test('A02: no CertificateSigned after an accepted SignCertificate: asked again after CertSigningWaitMinimum', async () => {
  const csms = await new Peer({ protocol: 'ocpp2.0.1', handlers: HANDLERS }).listen();
  const st = await startBorned({
    connectors: 1, auth: 'free', args: ['--csms', csms.url],
    set: { 'station.id': 'cp-201-sec-2', ...V201, 'ocpp.CpoName': 'Borne Test CPO' },
  });
  try {
    await csms.waitCall('BootNotification');
    const r = await csms.call('SetVariables', { setVariableData: [
      { component: { name: 'SecurityCtrlr' }, variable: { name: 'CertSigningWaitMinimum' }, attributeValue: '1' },
      { component: { name: 'SecurityCtrlr' }, variable: { name: 'CertSigningRepeatTimes' }, attributeValue: '1' },
    ] });
    assert.deepEqual(r.setVariableResult.map((x) => x.attributeStatus), ['Accepted', 'Accepted']);
    const from = csms.calls.length;
    assert.deepEqual(await csms.call('TriggerMessage', { requestedMessage: 'SignChargingStationCertificate' }), { status: 'Accepted' });
    const first = await csms.waitCall('SignCertificate', { from });
    const again = await csms.waitCall('SignCertificate', { from: csms.calls.indexOf(first) + 1 });
    assert.ok(again.at - first.at >= 900, `asked again after ${again.at - first.at} ms`);
    assert.notEqual(again.params.csr, first.params.csr); // a new key pair each time
    csms.assertNoViolations();
  } finally {
    await st.stop(); st.cleanup(); await csms.close();
  }
});

test('A04: a TLS connection refusing the CSMS certificate raises InvalidCsmsCertificate, delivered once trusted', async () => {
  const csms = await new Peer({ protocol: 'ocpp2.0.1', handlers: HANDLERS })
    .listenTls({ key: pki.read('server.key'), cert: pki.read('server.pem') });
  const st = await startBorned({
    connectors: 1, auth: 'free', args: ['--csms', csms.url],
    set: { 'station.id': 'cp-201-sec-3', ...V201, 'ocpp.security_profile': '2', 'ocpp.AuthorizationKey': '0123456789abcdef', 'ocpp.ca_file': pki.path('other.pem') },
  });
  try {
    await st.waitEvent('security', { match: (e) => /InvalidCsmsCertificate/.test(e.detail ?? JSON.stringify(e)) });
    assert.equal(csms.calls.length, 0);
    assert.equal(st.ctl('set', `ocpp.ca_file=${pki.path('ca.pem')}`).code, 0);
    const ev = await csms.waitCall('SecurityEventNotification', { match: (p) => p.type === 'InvalidCsmsCertificate' });
    assert.match(ev.params.techInfo, /TLS/);
    csms.assertNoViolations();
  } finally {
    await st.stop(); st.cleanup(); await csms.close();
  }
});

test('A04: a password the CSMS refuses (HTTP 401) raises FailedToAuthenticateAtCsms once per run of refused attempts, delivered once accepted', async () => {
  const csms = await new Peer({ protocol: 'ocpp2.0.1', handlers: HANDLERS, password: 'the-right-password-01' }).listen();
  const st = await startBorned({
    connectors: 1, auth: 'free', args: ['--csms', csms.url],
    set: { 'station.id': 'cp-201-sec-5', ...V201, 'ocpp.security_profile': '1', 'ocpp.AuthorizationKey': 'a-wrong-password-0001' },
  });
  try {
    await st.waitEvent('security', { match: (e) => /FailedToAuthenticateAtCsms/.test(e.detail ?? JSON.stringify(e)) });
    // more refused attempts raise nothing more (counted below)
    const n = (await st.status()).station.ocpp.reconnects;
    await st.waitFor((x) => x.station.ocpp.reconnects >= n + 2, { what: 'two more attempts' });
    assert.equal(csms.calls.length, 0);
    assert.equal(st.ctl('set', 'ocpp.AuthorizationKey=the-right-password-01').code, 0);
    const ev = await csms.waitCall('SecurityEventNotification', { match: (p) => p.type === 'FailedToAuthenticateAtCsms' });
    assert.match(ev.params.techInfo, /unauthorized/);
    await csms.call('GetVariables', { getVariableData: [{ component: { name: 'SecurityCtrlr' }, variable: { name: 'SecurityProfile' } }] });
    assert.equal(csms.calls.filter((c) => c.action === 'SecurityEventNotification' && c.params.type === 'FailedToAuthenticateAtCsms').length, 1);
    csms.assertNoViolations();
  } finally {
    await st.stop(); st.cleanup(); await csms.close();
  }
});

// TC_A_01_CS and TC_A_09_CS (OCPP 2.0.1 Part 6, 2023-06-30, as ocpplab.com renders them): the
// upgrade request's header is `Basic base64(<ChargingStationId>:<BasicAuthPassword>)`, the id the
// one the URL ends with, the password 16 to 40 characters of passwordString only (A00.FR.205:
// a-z A-Z 0-9 * - _ = : + | @ .); a new password set by SetVariables is answered Accepted, then
// the station connects again with it. A ':' was refused, '!' or '#' taken.
test('A01 / TC_A_01_CS, TC_A_09_CS: BasicAuthPassword a passwordString (\':\' taken, \'!\' refused), the link made anew with it', async () => {
  const FIRST = 'the-first-password-01';
  const NEXT = 'new:pass|word+at@x.y=z_*-9';
  const csms = await new Peer({ protocol: 'ocpp2.0.1', handlers: HANDLERS, password: FIRST }).listen();
  const st = await startBorned({
    connectors: 1, auth: 'free', args: ['--csms', csms.url],
    set: { 'station.id': 'cp-201-sec-pw', ...V201, 'ocpp.security_profile': '1', 'ocpp.AuthorizationKey': FIRST },
  });
  const item = (attributeValue) => ({ component: { name: 'SecurityCtrlr' }, variable: { name: 'BasicAuthPassword' }, attributeValue });
  try {
    await csms.waitCall('BootNotification');
    assert.equal(csms.lastHandshake.identity, 'cp-201-sec-pw');
    assert.equal(csms.lastHandshake.password.toString(), FIRST);
    const first = csms.client;
    // not passwordString, too short, too long: Rejected, the link kept
    const refused = (await csms.call('SetVariables', { setVariableData: [item('has!bang#and-more-chars'), item('short:pw'), item('x'.repeat(41))] })).setVariableResult;
    assert.deepEqual(refused.map((x) => x.attributeStatus), ['Rejected', 'Rejected', 'Rejected']);
    assert.equal(csms.client, first);
    csms.password = NEXT; // the reconnection must present it
    const connected = new Promise((resolve) => csms.on('connect', (c) => { if (c !== first) resolve(c); }));
    const from = csms.calls.length;
    assert.equal(await setVariable(csms, 'SecurityCtrlr', 'BasicAuthPassword', NEXT), 'Accepted');
    await connected;
    assert.equal(csms.lastHandshake.identity, 'cp-201-sec-pw');
    assert.equal(csms.lastHandshake.password.toString(), NEXT);
    // TC_A_09_CS step 5: the station sends a BootNotification over the new connection
    await csms.waitCall('BootNotification', { from });
    const ev = await csms.waitCall('SecurityEventNotification', { match: (p) => p.type === 'ReconfigurationOfSecurityParameters' });
    assert.match(ev.params.techInfo ?? '', /BasicAuthPassword/);
    csms.assertNoViolations();
  } finally {
    await st.stop(); st.cleanup(); await csms.close();
  }
});

test('A04: a CSMS offering no TLS version the station accepts (TLS 1.1) raises InvalidTLSVersion, delivered by the next CSMS', async () => {
  const old = await new Peer({ protocol: 'ocpp2.0.1', handlers: HANDLERS })
    .listenTls({ key: pki.read('server.key'), cert: pki.read('server.pem'), minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' });
  const csms = await new Peer({ protocol: 'ocpp2.0.1', handlers: HANDLERS })
    .listenTls({ key: pki.read('server.key'), cert: pki.read('server.pem') });
  const st = await startBorned({
    connectors: 1, auth: 'free', args: ['--csms', old.url],
    set: { 'station.id': 'cp-201-sec-6', ...V201, 'ocpp.security_profile': '2', 'ocpp.AuthorizationKey': '0123456789abcdef', 'ocpp.ca_file': pki.path('ca.pem') },
  });
  try {
    await st.waitEvent('security', { match: (e) => /InvalidTLSVersion/.test(e.detail ?? JSON.stringify(e)) });
    assert.equal(old.calls.length, 0);
    assert.equal(st.ctl('set', `ocpp.url=${csms.url}`).code, 0);
    const ev = await csms.waitCall('SecurityEventNotification', { match: (p) => p.type === 'InvalidTLSVersion' });
    assert.match(ev.params.techInfo, /TLS version/);
    csms.assertNoViolations();
  } finally {
    await st.stop(); st.cleanup(); await csms.close(); await old.close();
  }
});

test('A04: a CSMS with no cipher suite in common with the station raises InvalidTLSCipherSuite, delivered by the next CSMS', async () => {
  // TLS 1.2 with RSA-authenticated suites only, and an ECDSA key: the CSMS refuses every hello
  const odd = await new Peer({ protocol: 'ocpp2.0.1', handlers: HANDLERS })
    .listenTls({ key: pki.read('server.key'), cert: pki.read('server.pem'), maxVersion: 'TLSv1.2', ciphers: 'AES128-SHA:AES256-SHA' });
  const csms = await new Peer({ protocol: 'ocpp2.0.1', handlers: HANDLERS })
    .listenTls({ key: pki.read('server.key'), cert: pki.read('server.pem') });
  const st = await startBorned({
    connectors: 1, auth: 'free', args: ['--csms', odd.url],
    set: { 'station.id': 'cp-201-sec-7', ...V201, 'ocpp.security_profile': '2', 'ocpp.AuthorizationKey': '0123456789abcdef', 'ocpp.ca_file': pki.path('ca.pem') },
  });
  try {
    await st.waitEvent('security', { match: (e) => /InvalidTLSCipherSuite/.test(e.detail ?? JSON.stringify(e)) });
    assert.equal(odd.calls.length, 0);
    assert.equal(st.ctl('set', `ocpp.url=${csms.url}`).code, 0);
    const ev = await csms.waitCall('SecurityEventNotification', { match: (p) => p.type === 'InvalidTLSCipherSuite' });
    assert.match(ev.params.techInfo, /cipher suite/);
    // once per run of refused attempts, and no InvalidTLSVersion for it
    const events = csms.callsOf('SecurityEventNotification').map((c) => c.params.type);
    assert.equal(events.filter((t) => t === 'InvalidTLSCipherSuite').length, 1);
    assert.ok(!events.includes('InvalidTLSVersion'));
    csms.assertNoViolations();
  } finally {
    await st.stop(); st.cleanup(); await csms.close(); await odd.close();
  }
});

test('A04: the clock set from the CSMS by more than TimeAdjustmentReportingThreshold is SettingSystemTime', async () => {
  const csms = await new Peer({ protocol: 'ocpp2.0.1', handlers: HANDLERS, clockOffsetMs: 3600 * 1000 }).listen();
  const st = await startBorned({ connectors: 1, auth: 'free', args: ['--csms', csms.url], set: { 'station.id': 'cp-201-sec-4', ...V201 } });
  try {
    const ev = await csms.waitCall('SecurityEventNotification', { match: (p) => p.type === 'SettingSystemTime' });
    assert.match(ev.params.techInfo, /clock moved by 3[56]\d\d s/);
    const r = await csms.call('GetVariables', { getVariableData: [{ component: { name: 'ClockCtrlr' }, variable: { name: 'TimeAdjustmentReportingThreshold' } }] });
    assert.equal(r.getVariableResult[0].attributeValue, '20');
    csms.assertNoViolations();
  } finally {
    await st.stop(); st.cleanup(); await csms.close();
  }
});

test('A03: a client certificate ending within a month: the station asks for a new one by itself', async () => {
  const csms = await new Peer({ protocol: 'ocpp2.0.1', handlers: HANDLERS })
    .listenTls({ key: pki.read('server.key'), cert: pki.read('server.pem'), ca: pki.read('ca.pem'), requestCert: true });
  const st = await startBorned({
    connectors: 1, auth: 'free', args: ['--csms', csms.url],
    set: {
      'station.id': 'cp-201-sec-5', ...V201, 'ocpp.security_profile': '3', 'ocpp.CpoName': 'Borne Test CPO',
      // the installer's certificate is valid for 2 days
      'ocpp.ca_file': pki.path('ca.pem'), 'ocpp.cert_file': pki.path('client.pem'), 'ocpp.key_file': pki.path('client.key'),
    },
  });
  try {
    const boot = await csms.waitCall('BootNotification');
    const req = await csms.waitCall('SignCertificate');
    assert.ok(csms.calls.indexOf(req) > csms.calls.indexOf(boot));
    assert.equal(req.params.certificateType, 'ChargingStationCertificate');
    assert.match(pki.csrSubject(req.params.csr), /CN=cp-201-sec-5/);
    csms.assertNoViolations();
  } finally {
    await st.stop(); st.cleanup(); await csms.close();
  }
});

test('one store: a root installed over 2.0.1 is listed and deleted over 1.6 by the same station', async () => {
  const csms201 = await new Peer({ protocol: 'ocpp2.0.1', handlers: HANDLERS }).listen();
  const port = csms201.port;
  const st = await startBorned({ connectors: 1, auth: 'free', args: ['--csms', csms201.url], set: { 'station.id': 'cp-201-sec-6', ...V201, 'ocpp.version': '2.0.1,1.6' } });
  let csms16;
  try {
    await csms201.waitCall('BootNotification');
    assert.deepEqual(await csms201.call('InstallCertificate', { certificateType: 'CSMSRootCertificate', certificate: pki.read('ca.pem') }), { status: 'Accepted' });
    csms201.assertNoViolations();
    await csms201.close();
    await st.waitFor((s) => s.station.ocpp.state !== 'connected', { what: 'offline' });
    /* the same address now answers 1.6 only */
    csms16 = await new Peer({ protocol: 'ocpp1.6' }).listen(port);
    await csms16.waitCall('BootNotification', { timeoutMs: 30000 });
    const cs = 'CentralSystemRootCertificate';
    const ids = await csms16.call('GetInstalledCertificateIds', { certificateType: cs });
    assert.deepEqual(ids, { status: 'Accepted', certificateHashData: [pki.certId('ca.pem')] });
    assert.deepEqual(await csms16.call('DeleteCertificate', { certificateHashData: pki.certId('ca.pem') }), { status: 'Accepted' });
    assert.deepEqual(await csms16.call('GetInstalledCertificateIds', { certificateType: cs }), { status: 'NotFound' });
    csms16.assertNoViolations();
  } finally {
    await st.stop(); st.cleanup(); await csms16?.close();
  }
});

test('2.1: TriggerMessage SignCombinedCertificate: a SignCertificate without certificateType, its CertificateSigned stored for the link and as the V2G certificate (A02)', async () => {
  const csms = await new Peer({ protocol: 'ocpp2.1', handlers: HANDLERS }).listen();
  const st = await startBorned({ connectors: 1, auth: 'free', args: ['--csms', csms.url], set: { 'station.id': 'cp-21-sec-1', ...V201, 'ocpp.version': '2.1', 'ocpp.CpoName': 'Borne Test CPO' } });
  try {
    await csms.waitCall('BootNotification');
    assert.deepEqual(await csms.call('InstallCertificate', { certificateType: 'CSMSRootCertificate', certificate: pki.read('ca.pem') }), { status: 'Accepted' });
    const from = csms.calls.length;
    assert.deepEqual(await csms.call('TriggerMessage', { requestedMessage: 'SignCombinedCertificate' }), { status: 'Accepted' });
    const req = await csms.waitCall('SignCertificate', { from });
    assert.equal(req.params.certificateType, undefined); // for both connections
    assert.match(pki.csrSubject(req.params.csr), /CN=cp-21-sec-1/);
    assert.deepEqual(await csms.call('CertificateSigned', { certificateChain: pki.sign(req.params.csr, 501) }), { status: 'Accepted' });
    const v2g = await csms.call('GetInstalledCertificateIds', { certificateType: ['V2GCertificateChain'] });
    assert.equal(v2g.certificateHashDataChain[0].certificateHashData.serialNumber, (501).toString(16));
    csms.assertNoViolations();
  } finally {
    await st.stop(); st.cleanup(); await csms.close();
  }
});

test('2.1: OEMRootCertificate installed, listed and deleted; V2G20Certificate asked for (SignV2G20Certificate), signed and listed (M03/M04/M05, A02)', async () => {
  const csms = await new Peer({ protocol: 'ocpp2.1', handlers: HANDLERS }).listen();
  const st = await startBorned({ connectors: 1, auth: 'free', args: ['--csms', csms.url], set: { 'station.id': 'cp-21-sec-2', ...V201, 'ocpp.version': '2.1', 'ocpp.CpoName': 'Borne Test CPO' } });
  try {
    await csms.waitCall('BootNotification');
    assert.deepEqual(await csms.call('InstallCertificate', { certificateType: 'OEMRootCertificate', certificate: pki.read('oem.pem') }), { status: 'Accepted' });
    assert.deepEqual(await csms.call('InstallCertificate', { certificateType: 'V2GRootCertificate', certificate: pki.read('v2g.pem') }), { status: 'Accepted' });
    const oemId = pki.certId('oem.pem');
    const oem = await csms.call('GetInstalledCertificateIds', { certificateType: ['OEMRootCertificate'] });
    assert.deepEqual(oem, { status: 'Accepted', certificateHashDataChain: [{ certificateType: 'OEMRootCertificate', certificateHashData: oemId }] });
    const all = await csms.call('GetInstalledCertificateIds', {});
    assert.deepEqual(all.certificateHashDataChain.map((e) => e.certificateType).sort(), ['OEMRootCertificate', 'V2GRootCertificate']);
    assert.equal(await entries(csms), 2);

    // the ISO 15118-20 certificate: its own CSR, signed under the V2G root
    const from = csms.calls.length;
    assert.deepEqual(await csms.call('TriggerMessage', { requestedMessage: 'SignV2G20Certificate' }), { status: 'Accepted' });
    const req = await csms.waitCall('SignCertificate', { from });
    assert.equal(req.params.certificateType, 'V2G20Certificate');
    assert.match(pki.csrSubject(req.params.csr), /CN=cp-21-sec-2/);
    // a chain under the OEM root is not one of a V2G root
    const bad = await csms.call('CertificateSigned', { certificateType: 'V2G20Certificate', certificateChain: pki.sign(req.params.csr, 601, 'oem') });
    assert.equal(bad.status, 'Rejected');
    assert.deepEqual(await csms.call('CertificateSigned', { certificateType: 'V2G20Certificate', certificateChain: pki.sign(req.params.csr, 602, 'v2g') }), { status: 'Accepted' });
    const chain = await csms.call('GetInstalledCertificateIds', { certificateType: ['V2GCertificateChain'] });
    assert.equal(chain.certificateHashDataChain.length, 1);
    const leaf = chain.certificateHashDataChain[0].certificateHashData;
    assert.equal(leaf.serialNumber, (602).toString(16));
    assert.equal(leaf.issuerNameHash, pki.certId('v2g.pem').issuerNameHash);

    // M04: each deleted by its hash
    assert.deepEqual(await csms.call('DeleteCertificate', { certificateHashData: leaf }), { status: 'Accepted' });
    assert.deepEqual(await csms.call('DeleteCertificate', { certificateHashData: oemId }), { status: 'Accepted' });
    assert.deepEqual(await csms.call('GetInstalledCertificateIds', { certificateType: ['OEMRootCertificate', 'V2GCertificateChain'] }), { status: 'NotFound' });
    csms.assertNoViolations();
  } finally {
    await st.stop(); st.cleanup(); await csms.close();
  }
});

// A05: a station on security profile 1 (ws://, HTTP Basic) is moved to profile 2 (TLS, HTTP
// Basic) by its back end: the CSMS root installed, SetNetworkProfile with securityProfile 2 on
// a wss:// URL in slot 2, NetworkConfigurationPriority "2,1" and a Reset. The station then
// connects over TLS (verifying the server with the installed root) with its Basic password, and
// from then on a priority naming the profile-1 slot is refused (A05.FR.10).
test('A05 / TC_A_19_CS, TC_A_20_CS, TC_A_21_CS: upgrade from security profile 1 to 2 through a network profile and a Reset, refused without a CSMS root (2) or a client certificate (3); the profile-1 slot then refused', async () => {
  const KEY = 'borne-a05-key-0123456';
  const a = await new Peer({ protocol: 'ocpp2.0.1', handlers: HANDLERS, password: KEY }).listen();
  const b = await new Peer({ protocol: 'ocpp2.0.1', handlers: HANDLERS, password: KEY })
    .listenTls({ key: pki.read('server.key'), cert: pki.read('server.pem') });
  const st = await startBorned({
    connectors: 1, auth: 'free', args: ['--csms', a.url],
    set: { 'station.id': 'cp-201-a05', ...V201, 'ocpp.security_profile': '1', 'ocpp.AuthorizationKey': KEY },
  });
  try {
    await a.waitCall('BootNotification');
    await st.waitFor((x) => x.station.ocpp?.registration === 'Accepted', { what: 'accepted at A' });
    const data = { ocppVersion: 'OCPP20', ocppTransport: 'JSON', ocppCsmsUrl: b.url, messageTimeout: 20, securityProfile: 2, ocppInterface: 'Wired0' };
    assert.equal((await a.call('SetNetworkProfile', { configurationSlot: 2, connectionData: data })).status, 'Accepted');
    assert.equal((await a.call('SetNetworkProfile', { configurationSlot: 3, connectionData: { ...data, securityProfile: 3 } })).status, 'Accepted');
    const priority = async (value) =>
      (await a.call('SetVariables', { setVariableData: [{ component: { name: 'OCPPCommCtrlr' }, variable: { name: 'NetworkConfigurationPriority' }, attributeValue: value }] })).setVariableResult[0];
    // TC_A_20_CS (A05.FR.02): no CSMS root installed, the upgrade to profile 2 is refused
    let r = await priority('2,1');
    assert.equal(r.attributeStatus, 'Rejected');
    assert.match(r.attributeStatusInfo.additionalInfo, /A05\.FR\.02/);
    assert.equal(await getVariable(a, 'OCPPCommCtrlr', 'NetworkConfigurationPriority'), '1', 'unchanged');
    assert.deepEqual(await a.call('InstallCertificate', { certificateType: 'CSMSRootCertificate', certificate: pki.read('ca.pem') }), { status: 'Accepted' });
    // TC_A_21_CS (A05.FR.03): a root but no ChargingStationCertificate, profile 3 refused
    r = await priority('3,2,1');
    assert.equal(r.attributeStatus, 'Rejected');
    assert.match(r.attributeStatusInfo.additionalInfo, /A05\.FR\.03/);
    assert.equal((await priority('2,1')).attributeStatus, 'Accepted');
    assert.equal((await a.call('Reset', { type: 'Immediate' })).status, 'Accepted');

    const boot = await b.waitCall('BootNotification', { timeoutMs: 30000 });
    assert.equal(boot.identity, 'cp-201-a05');
    await st.waitReady(2);
    await st.waitFor((x) => x.station.ocpp?.registration === 'Accepted' && x.station.ocpp.configuration_slot === 2, { what: 'accepted at B over TLS', timeoutMs: 30000 });
    assert.equal(await getVariable(b, 'SecurityCtrlr', 'SecurityProfile'), '2');
    // A05.FR.10: the profile-1 slot can no longer be put in the priority
    assert.equal(await setVariable(b, 'OCPPCommCtrlr', 'NetworkConfigurationPriority', '1,2'), 'Rejected');
    a.assertNoViolations();
    b.assertNoViolations();
  } finally {
    await st.stop();
    st.cleanup();
    await a.close();
    await b.close();
  }
});

// B09.FR.04 with SecurityCtrlr.AllowSecurityProfileDowngrade: a station on profile 3 (TLS with
// its client certificate) may be moved to a profile-2 back end (TLS, HTTP Basic) once the CSMS
// allowed the downgrade (the Basic password set by the installer); never to profile 1.
test('B09.FR.04: AllowSecurityProfileDowngrade lets a profile-3 station move to a profile-2 slot over TLS, never to profile 1', async () => {
  const KEY = 'borne-b09-key-0123456';
  const tls = { key: pki.read('server.key'), cert: pki.read('server.pem'), ca: pki.read('ca.pem') };
  const a = await new Peer({ protocol: 'ocpp2.0.1', handlers: HANDLERS }).listenTls({ ...tls, requestCert: true });
  const b = await new Peer({ protocol: 'ocpp2.0.1', handlers: HANDLERS, password: KEY }).listenTls(tls);
  const plain = await new Peer({ protocol: 'ocpp2.0.1', handlers: HANDLERS, password: KEY }).listen();
  const st = await startBorned({
    connectors: 1, auth: 'free', args: ['--csms', a.url],
    set: {
      'station.id': 'cp-201-sec', ...V201, 'ocpp.security_profile': '3', 'ocpp.AuthorizationKey': KEY,
      'ocpp.ca_file': pki.path('ca.pem'), 'ocpp.cert_file': pki.path('client.pem'), 'ocpp.key_file': pki.path('client.key'),
    },
  });
  try {
    await a.waitCall('BootNotification');
    await st.waitFor((x) => x.station.ocpp?.registration === 'Accepted', { what: 'accepted at A (profile 3)' });
    const profile = (url, securityProfile) => ({ configurationSlot: 2, connectionData: { ocppVersion: 'OCPP20', ocppTransport: 'JSON', ocppCsmsUrl: url, messageTimeout: 20, securityProfile, ocppInterface: 'Wired0' } });
    // not allowed yet: NoSecurityDowngrade
    let r = await a.call('SetNetworkProfile', profile(b.url, 2));
    assert.deepEqual([r.status, r.statusInfo?.reasonCode], ['Rejected', 'NoSecurityDowngrade']);
    assert.equal(await setVariable(a, 'SecurityCtrlr', 'AllowSecurityProfileDowngrade', 'true'), 'Accepted');
    r = await a.call('SetNetworkProfile', profile(plain.url, 1)); // never below 2
    assert.deepEqual([r.status, r.statusInfo?.reasonCode], ['Rejected', 'NoSecurityDowngrade']);
    assert.equal((await a.call('SetNetworkProfile', profile(b.url, 2))).status, 'Accepted');
    assert.equal(await setVariable(a, 'OCPPCommCtrlr', 'NetworkConfigurationPriority', '2,1'), 'Accepted');
    assert.equal((await a.call('Reset', { type: 'Immediate' })).status, 'Accepted');
    await b.waitCall('BootNotification', { timeoutMs: 30000 });
    await st.waitReady(2);
    await st.waitFor((x) => x.station.ocpp?.registration === 'Accepted' && x.station.ocpp.configuration_slot === 2, { what: 'accepted at B (profile 2)', timeoutMs: 30000 });
    assert.equal(await getVariable(b, 'SecurityCtrlr', 'SecurityProfile'), '2');
    assert.equal(plain.calls.length, 0);
    a.assertNoViolations();
    b.assertNoViolations();
  } finally {
    await st.stop();
    st.cleanup();
    await a.close();
    await b.close();
    await plain.close();
  }
});
