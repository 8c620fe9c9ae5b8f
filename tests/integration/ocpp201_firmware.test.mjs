// OCPP 2.0.1 blocks L (firmware), N (diagnostics) and G05/N07 (faults) against
// a strict CSMS: npm ocpp-rpc in strict mode with the subprotocol ocpp2.0.1
// validates every frame both ways. A signed UpdateFirmware with every
// FirmwareStatusNotification in order (installDateTime: InstallScheduled),
// the restart into the image (BootNotification reason FirmwareUpdate, then
// Installed and the FirmwareUpdated security event); a bad signature
// (InvalidSignature), a certificate the manufacturer root does not vouch for
// (InvalidCertificate, nothing fetched), a download failing after its retries
// (DownloadFailed); TriggerMessage FirmwareStatusNotification and
// LogStatusNotification (Idle); GetLog DiagnosticsLog and SecurityLog
// uploaded to an HTTP server of the test with their LogStatusNotifications;
// a new UpdateFirmware / GetLog cancelling the running one (AcceptedCanceled,
// its transfer aborted); CustomerInformation report and clear; a fault and
// its end as NotifyEvent;
// the steps taken while the CSMS is gone queued on disk and told in order
// once it is back.
// BORNE_OCPP_PEER=ocpp-ws-io runs it against npm ocpp-ws-io strict
// (ocpp201_firmware_ws_io.test.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startBorned, tempDataDir } from './lib/borne.mjs';
import { Csms } from './lib/csms.mjs';
import { CsmsWsIo } from './lib/csms_ws_io.mjs';
import { resumed } from './lib/ocpp201.mjs';
import { makeSigner, simImage } from './lib/signing.mjs';

const Peer = process.env.BORNE_OCPP_PEER === 'ocpp-ws-io' ? CsmsWsIo : Csms;
const TAGS = { GOOD1: 'Accepted' };

const signer = makeSigner('borne 2.0.1 manufacturer');
const stranger = makeSigner('someone else');
const images = new Map(); // path -> Buffer
const uploads = []; // { url, body }
let http, base, csms, st;
let holdUploads = false; // the upload's answer waits until released (held)
const held = [];
// path -> (req, res): a transfer the test stalls (a download or upload never finished)
const stalls = new Map();

before(async () => {
  http = createServer((req, res) => {
    if (stalls.has(req.url)) { stalls.get(req.url)(req, res); return; }
    if (req.method === 'POST') {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        const done = () => { uploads.push({ url: req.url, body: Buffer.concat(chunks).toString('utf8') }); res.end('ok'); };
        if (holdUploads) held.push(done); else done();
      });
      return;
    }
    const img = images.get(req.url);
    if (!img) { res.statusCode = 404; res.end(); return; }
    res.setHeader('Content-Length', img.length);
    res.end(img);
  });
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  base = `http://127.0.0.1:${http.address().port}`;
  const dataDir = tempDataDir();
  const root = join(dataDir, 'manufacturer-root.pem');
  writeFileSync(root, signer.cert);
  csms = await new Peer({ protocol: 'ocpp2.0.1', tags: TAGS, bootInterval: 300 }).listen();
  st = await startBorned({
    dataDir, connectors: 1, auth: 'ocpp',
    args: ['--csms', csms.url],
    set: {
      // a list: the 1.6 dialect is open beside the 2.0.1 one the peer picks, and
      // the restart into the new image must still wait for 2.0.1's InstallRebooting
      'station.id': 'cp-201-fw', 'ocpp.version': '2.0.1,1.6', 'ocpp.MinimumStatusDuration': '0',
      'ocpp.reconnect_max_s': '2', 'firmware.ca_file': root,
    },
  });
  await csms.connected();
  await csms.waitCall('BootNotification');
  await st.waitFor((x) => x.station.ocpp?.registration === 'Accepted', { what: 'registered' });
});

after(async () => {
  await st?.stop();
  st?.cleanup();
  await csms?.close();
  http?.close();
});

const statusesFrom = (from) => csms.calls.slice(from).filter((c) => c.action === 'FirmwareStatusNotification');
const now = () => new Date().toISOString();

test('L01: a signed update reports every step with its requestId, boots with FirmwareUpdate, then Installed', async () => {
  const image = simImage('9.7.1', 4000);
  images.set('/fw/9.7.1.img', image);
  const from = csms.calls.length;
  const answer = await csms.call('UpdateFirmware', {
    requestId: 71, retries: 1, retryInterval: 1,
    firmware: {
      location: `${base}/fw/9.7.1.img`, retrieveDateTime: now(),
      installDateTime: new Date(Date.now() + 2000).toISOString(),
      signingCertificate: signer.cert, signature: signer.sign(image),
    },
  });
  assert.deepEqual(answer, { status: 'Accepted' });
  const boot = await csms.waitCall('BootNotification', { from, timeoutMs: 60000 });
  assert.equal(boot.params.reason, 'FirmwareUpdate');
  assert.equal(boot.params.chargingStation.firmwareVersion, '9.7.1');
  await csms.waitCall('FirmwareStatusNotification', { from, match: (p) => p.status === 'Installed', timeoutMs: 30000 });
  const steps = statusesFrom(from);
  assert.deepEqual(steps.map((c) => c.params.status),
    ['Downloading', 'Downloaded', 'SignatureVerified', 'InstallScheduled', 'Installing', 'InstallRebooting', 'Installed']);
  for (const c of steps) assert.equal(c.params.requestId, 71, `${c.params.status} carries the requestId`);
  // InstallRebooting went out before the restart's BootNotification
  const rebooting = csms.calls.indexOf(steps.find((c) => c.params.status === 'InstallRebooting'));
  assert.ok(rebooting < csms.calls.indexOf(boot));
  const sec = await csms.waitCall('SecurityEventNotification', { from, match: (p) => p.type === 'FirmwareUpdated' });
  assert.match(sec.params.techInfo, /9\.7\.1/);
  await st.waitReady(2); // the second start: the restart into the image
  assert.equal((await st.status()).station.firmware_version, '9.7.1');
  // no update runs: a triggered FirmwareStatusNotification says Idle, without requestId
  const from2 = csms.calls.length;
  assert.deepEqual(await csms.call('TriggerMessage', { requestedMessage: 'FirmwareStatusNotification' }), { status: 'Accepted' });
  const idle = await csms.waitCall('FirmwareStatusNotification', { from: from2 });
  assert.deepEqual(idle.params, { status: 'Idle' });
  csms.assertNoViolations();
});

test('L01: an image that does not match its signature is InvalidSignature, and not installed', async () => {
  const image = simImage('9.7.2', 3000);
  images.set('/fw/9.7.2.img', image);
  const from = csms.calls.length;
  assert.deepEqual(await csms.call('UpdateFirmware', {
    requestId: 72,
    firmware: {
      location: `${base}/fw/9.7.2.img`, retrieveDateTime: now(),
      signingCertificate: signer.cert, signature: signer.sign(simImage('6.6.6', 3000)),
    },
  }), { status: 'Accepted' });
  await csms.waitCall('FirmwareStatusNotification', { from, match: (p) => p.status === 'InvalidSignature', timeoutMs: 30000 });
  assert.deepEqual(statusesFrom(from).map((c) => [c.params.status, c.params.requestId]),
    [['Downloading', 72], ['Downloaded', 72], ['InvalidSignature', 72]]);
  const sec = await csms.waitCall('SecurityEventNotification', { from, match: (p) => p.type === 'InvalidFirmwareSignature' });
  assert.match(sec.params.techInfo, /signature/);
  assert.equal((await st.status()).station.firmware_version, '9.7.1');
  csms.assertNoViolations();
});

test('L01: a signing certificate the manufacturer root does not vouch for is InvalidCertificate, nothing fetched', async () => {
  const image = simImage('9.7.3', 3000);
  let fetched = 0;
  images.set('/fw/9.7.3.img', image);
  const count = (req) => { if (req.url === '/fw/9.7.3.img') fetched++; };
  http.on('request', count);
  try {
    const from = csms.calls.length;
    const answer = await csms.call('UpdateFirmware', {
      requestId: 73,
      firmware: {
        location: `${base}/fw/9.7.3.img`, retrieveDateTime: now(),
        signingCertificate: stranger.cert, signature: stranger.sign(image),
      },
    });
    assert.equal(answer.status, 'InvalidCertificate');
    assert.match(answer.statusInfo.additionalInfo, /not from the manufacturer/);
    const sec = await csms.waitCall('SecurityEventNotification', { from, match: (p) => p.type === 'InvalidFirmwareSigningCertificate' });
    assert.match(sec.params.techInfo, /manufacturer/);
    // an unsigned image (L02) the installer did not allow: Rejected
    const plain = await csms.call('UpdateFirmware', { requestId: 74, firmware: { location: `${base}/fw/9.7.3.img`, retrieveDateTime: now() } });
    assert.equal(plain.status, 'Rejected');
    assert.match(plain.statusInfo.additionalInfo, /allow_unsigned/);
    // a location outside http(s)/ftp(s): Rejected
    const file = await csms.call('UpdateFirmware', { requestId: 75, firmware: { location: 'file:///etc/passwd', retrieveDateTime: now(), signingCertificate: signer.cert, signature: signer.sign(image) } });
    assert.equal(file.status, 'Rejected');
    await csms.call('TriggerMessage', { requestedMessage: 'Heartbeat' });
    await csms.waitCall('Heartbeat', { from });
    assert.equal(statusesFrom(from).length, 0, 'no update started');
    assert.equal(fetched, 0, 'not one byte fetched');
    csms.assertNoViolations();
  } finally {
    http.off('request', count);
  }
});

test('L01: a download that keeps failing is tried 1 + retries times, then DownloadFailed', async () => {
  let tries = 0;
  const count = (req) => { if (req.url === '/fw/missing.img') tries++; };
  http.on('request', count);
  try {
    const image = simImage('9.7.4', 1000);
    const from = csms.calls.length;
    assert.deepEqual(await csms.call('UpdateFirmware', {
      requestId: 76, retries: 2, retryInterval: 1,
      firmware: { location: `${base}/fw/missing.img`, retrieveDateTime: now(), signingCertificate: signer.cert, signature: signer.sign(image) },
    }), { status: 'Accepted' });
    await csms.waitCall('FirmwareStatusNotification', { from, match: (p) => p.status === 'DownloadFailed', timeoutMs: 30000 });
    assert.deepEqual(statusesFrom(from).map((c) => [c.params.status, c.params.requestId]), [['Downloading', 76], ['DownloadFailed', 76]]);
    assert.equal(tries, 3);
    csms.assertNoViolations();
  } finally {
    http.off('request', count);
  }
});

test('N01: GetLog uploads the diagnostics and the security log with LogStatusNotifications', async () => {
  const logsFrom = (from) => csms.calls.slice(from).filter((c) => c.action === 'LogStatusNotification');
  let from = csms.calls.length;
  const n = uploads.length;
  const answer = await csms.call('GetLog', { logType: 'DiagnosticsLog', requestId: 81, retries: 1, retryInterval: 1, log: { remoteLocation: `${base}/logs/` } });
  assert.equal(answer.status, 'Accepted');
  assert.match(answer.filename, /^borne-log-cp-201-fw-\d{8}T\d{6}Z\.jsonl$/);
  await csms.waitCall('LogStatusNotification', { from, match: (p) => p.status === 'Uploaded', timeoutMs: 30000 });
  assert.deepEqual(logsFrom(from).map((c) => [c.params.status, c.params.requestId]), [['Uploading', 81], ['Uploaded', 81]]);
  assert.equal(uploads.length, n + 1);
  const diag = uploads[n].body;
  assert.ok(diag.includes(answer.filename), 'the multipart part is named after the filename');
  assert.match(diag, /"record":"selftest"/);
  assert.match(diag, /"kind":"firmware","detail":"InstallScheduled"/);
  // SecurityLog: the security events alone
  from = csms.calls.length;
  const sec = await csms.call('GetLog', { logType: 'SecurityLog', requestId: 82, log: { remoteLocation: `${base}/logs/` } });
  assert.equal(sec.status, 'Accepted');
  assert.match(sec.filename, /^borne-securitylog-/);
  await csms.waitCall('LogStatusNotification', { from, match: (p) => p.status === 'Uploaded' && p.requestId === 82, timeoutMs: 30000 });
  const body = uploads[n + 1].body;
  assert.match(body, /"kind":"security"/);
  assert.match(body, /StartupOfTheDevice/);
  assert.doesNotMatch(body, /"kind":"(?!security)/);
  assert.doesNotMatch(body, /"record":"selftest"/);
  // an upload to nowhere fails after its retries
  from = csms.calls.length;
  assert.equal((await csms.call('GetLog', { logType: 'DiagnosticsLog', requestId: 83, retries: 1, retryInterval: 1, log: { remoteLocation: 'http://127.0.0.1:9/nowhere/' } })).status, 'Accepted');
  await csms.waitCall('LogStatusNotification', { from, match: (p) => p.status === 'UploadFailure' && p.requestId === 83, timeoutMs: 30000 });
  // a location outside http(s)/ftp(s): Rejected, nothing follows
  assert.equal((await csms.call('GetLog', { logType: 'DiagnosticsLog', requestId: 84, log: { remoteLocation: 'file:///tmp/' } })).status, 'Rejected');
  // nothing runs: a triggered LogStatusNotification says Idle
  from = csms.calls.length;
  assert.deepEqual(await csms.call('TriggerMessage', { requestedMessage: 'LogStatusNotification' }), { status: 'Accepted' });
  const idle = await csms.waitCall('LogStatusNotification', { from });
  assert.deepEqual(idle.params, { status: 'Idle' });
  csms.assertNoViolations();
});

// N01.FR.07: every LogStatusNotification of an upload carries the requestId
// of the GetLogRequest that started it, 0 as well (it was told as 1).
test('N01.FR.07: a GetLog of requestId 0 is told Uploading then Uploaded with requestId 0', async () => {
  const from = csms.calls.length;
  const n = uploads.length;
  const answer = await csms.call('GetLog', { logType: 'SecurityLog', requestId: 0, log: { remoteLocation: `${base}/logs/` } });
  assert.equal(answer.status, 'Accepted');
  await csms.waitCall('LogStatusNotification', { from, match: (p) => p.status === 'Uploaded', timeoutMs: 30000 });
  const told = csms.calls.slice(from).filter((c) => c.action === 'LogStatusNotification').map((c) => [c.params.status, c.params.requestId]);
  assert.deepEqual(told, [['Uploading', 0], ['Uploaded', 0]]);
  assert.equal(uploads.length, n + 1);
  assert.ok(uploads[n].body.includes(answer.filename));
  csms.assertNoViolations();
});

// A transfer that starts and never ends: `started` once it reached the
// server (an upload: its whole body), `closed` once the station dropped it.
function stall(path) {
  let started, closed;
  const p = { started: new Promise((r) => { started = r; }), closed: new Promise((r) => { closed = r; }), isClosed: false };
  stalls.set(path, (req, res) => {
    req.socket.on('close', () => { p.isClosed = true; closed(); });
    if (req.method === 'POST') {
      req.on('data', () => {});
      req.on('end', started);
    } else {
      res.writeHead(200, { 'Content-Length': 1 << 20 });
      res.write(Buffer.alloc(1000));
      started();
    }
  });
  return p;
}

test('L01/N01: a new UpdateFirmware or GetLog cancels the running one: AcceptedCanceled, its transfer aborted', async () => {
  const image = simImage('9.7.5', 1000);
  const signed = (location, retrieveDateTime) => ({ location, retrieveDateTime, signingCertificate: signer.cert, signature: signer.sign(image) });
  const download = stall('/fw/stall.img');
  let from = csms.calls.length;
  assert.deepEqual(await csms.call('UpdateFirmware', { requestId: 91, firmware: signed(`${base}/fw/stall.img`, now()) }), { status: 'Accepted' });
  await download.started;
  await csms.waitCall('FirmwareStatusNotification', { from, match: (p) => p.status === 'Downloading' && p.requestId === 91 });
  // a request refused on its own merits cancels nothing
  assert.equal((await csms.call('UpdateFirmware', { requestId: 90, firmware: signed('file:///etc/passwd', now()) })).status, 'Rejected');
  assert.equal(download.isClosed, false);
  const trig = csms.calls.length; // still downloading, as a triggered notification says
  assert.deepEqual(await csms.call('TriggerMessage', { requestedMessage: 'FirmwareStatusNotification' }), { status: 'Accepted' });
  assert.deepEqual((await csms.waitCall('FirmwareStatusNotification', { from: trig })).params, { status: 'Downloading', requestId: 91 });
  // L01.FR.24: a running download is cancelled for a later one
  const later = new Date(Date.now() + 3600e3).toISOString();
  assert.deepEqual(await csms.call('UpdateFirmware', { requestId: 92, firmware: signed(`${base}/fw/9.7.5.img`, later) }), { status: 'AcceptedCanceled' });
  await download.closed; // the station dropped the transfer, it did not let it run on
  await csms.waitCall('FirmwareStatusNotification', { from, match: (p) => p.status === 'DownloadScheduled' && p.requestId === 92 });
  // a scheduled one too; the new request need not lead anywhere (its file is not looked for first)
  assert.deepEqual(await csms.call('UpdateFirmware', { requestId: 93, firmware: signed(`${base}/fw/none.img`, now()) }), { status: 'AcceptedCanceled' });
  await csms.waitCall('FirmwareStatusNotification', { from, match: (p) => p.status === 'DownloadFailed' && p.requestId === 93, timeoutMs: 30000 });
  assert.deepEqual(statusesFrom(from).map((c) => [c.params.status, c.params.requestId]),
    [['Downloading', 91], ['Downloading', 91], ['DownloadScheduled', 92], ['Downloading', 93], ['DownloadFailed', 93]]);
  await st.waitEvent('firmware', { match: (e) => /cancelled by a new update request/.test(e.detail) });

  // N01.FR.12 / N01.FR.20: GetLog
  const logsFrom = (f) => csms.calls.slice(f).filter((c) => c.action === 'LogStatusNotification');
  const upload = stall('/stall/');
  from = csms.calls.length;
  const n = uploads.length;
  assert.equal((await csms.call('GetLog', { logType: 'DiagnosticsLog', requestId: 95, log: { remoteLocation: `${base}/stall/` } })).status, 'Accepted');
  await upload.started;
  const second = await csms.call('GetLog', { logType: 'SecurityLog', requestId: 96, log: { remoteLocation: `${base}/logs/` } });
  assert.equal(second.status, 'AcceptedCanceled');
  assert.match(second.filename, /^borne-securitylog-/);
  await upload.closed;
  await csms.waitCall('LogStatusNotification', { from, match: (p) => p.status === 'Uploaded' && p.requestId === 96, timeoutMs: 30000 });
  assert.deepEqual(logsFrom(from).map((c) => [c.params.status, c.params.requestId]),
    [['Uploading', 95], ['AcceptedCanceled', 95], ['Uploading', 96], ['Uploaded', 96]]);
  assert.equal(uploads.length, n + 1);
  assert.equal(uploads[n].url, '/logs/');
  // a refused GetLog leaves nothing cancelled: Rejected, no notification
  assert.equal((await csms.call('GetLog', { logType: 'DiagnosticsLog', requestId: 97, log: { remoteLocation: 'file:///tmp/' } })).status, 'Rejected');
  csms.assertNoViolations();
});

test('N09/N10: CustomerInformation reports what the station keeps about an idToken, and clears it', async () => {
  const notes = (from, requestId) => csms.calls.slice(from)
    .filter((c) => c.action === 'NotifyCustomerInformation' && c.params.requestId === requestId);
  const reportOf = async (from, requestId) => {
    await csms.waitCall('NotifyCustomerInformation', { from, match: (p) => p.requestId === requestId && !p.tbc });
    const pages = notes(from, requestId);
    assert.deepEqual(pages.map((c) => c.params.seqNo), pages.map((_, i) => i));
    return pages.map((c) => c.params.data).join('\n');
  };
  // a charge with GOOD1: the CSMS's answer in the cache, a session on EVSE 1
  let from = csms.calls.length;
  assert.equal(st.ctl('plug', '1').code, 0);
  assert.equal(st.ctl('tap', 'GOOD1').code, 0);
  await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Started' });
  assert.equal(st.ctl('unplug', '1').code, 0);
  await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Ended' });
  // LISTED1 in the local list
  assert.deepEqual(await csms.call('SendLocalList', { versionNumber: 5, updateType: 'Full', localAuthorizationList: [{ idToken: { idToken: 'LISTED1', type: 'ISO14443' }, idTokenInfo: { status: 'Accepted' } }] }), { status: 'Accepted' });

  from = csms.calls.length;
  assert.deepEqual(await csms.call('CustomerInformation', { requestId: 91, report: true, clear: false, idToken: { idToken: 'good1', type: 'ISO14443' } }), { status: 'Accepted' });
  let text = await reportOf(from, 91);
  assert.match(text, /idToken good1/);
  assert.match(text, /authorization cache: Accepted/);
  assert.match(text, /local authorization list: none/);
  assert.match(text, /transaction on EVSE 1: \S+ to \S+, \d+\.\d{3} kWh, stopped EVDisconnected/);

  // clear and report: the report says what was kept, then it is gone
  from = csms.calls.length;
  assert.deepEqual(await csms.call('CustomerInformation', { requestId: 92, report: true, clear: true, idToken: { idToken: 'GOOD1', type: 'ISO14443' } }), { status: 'Accepted' });
  text = await reportOf(from, 92);
  assert.match(text, /transaction on EVSE 1/);
  await st.waitEvent('ocpp_customer_cleared', { match: (e) => /1 sessions/.test(e.detail) });
  from = csms.calls.length;
  assert.deepEqual(await csms.call('CustomerInformation', { requestId: 93, report: true, clear: false, idToken: { idToken: 'GOOD1', type: 'ISO14443' } }), { status: 'Accepted' });
  text = await reportOf(from, 93);
  assert.match(text, /authorization cache: none/);
  assert.match(text, /transactions: none/);
  const { sessions } = await st.ok('GET', '/api/v1/sessions');
  assert.equal(sessions.length, 1, 'the session is kept (the energy delivered is the operator\'s)');
  assert.equal(sessions[0].badge, '', 'without the idToken');

  // the local list is the CSMS's: reported, and kept by a clear (N10)
  from = csms.calls.length;
  assert.deepEqual(await csms.call('CustomerInformation', { requestId: 94, report: true, clear: true, idToken: { idToken: 'LISTED1', type: 'ISO14443' } }), { status: 'Accepted' });
  assert.match(await reportOf(from, 94), /local authorization list: Accepted, expires never/);
  assert.deepEqual(await csms.call('GetLocalListVersion', {}), { versionNumber: 5 });

  // clear without report: no NotifyCustomerInformation; no identifier: Invalid
  from = csms.calls.length;
  assert.deepEqual(await csms.call('CustomerInformation', { requestId: 95, report: false, clear: true, idToken: { idToken: 'GOOD2', type: 'ISO14443' } }), { status: 'Accepted' });
  const invalid = await csms.call('CustomerInformation', { requestId: 96, report: true, clear: false });
  assert.equal(invalid.status, 'Invalid');
  await csms.call('TriggerMessage', { requestedMessage: 'Heartbeat' });
  await csms.waitCall('Heartbeat', { from });
  assert.equal(csms.calls.slice(from).filter((c) => c.action === 'NotifyCustomerInformation').length, 0);
  csms.assertNoViolations();
});

test('G05/N07: a fault is a NotifyEvent of the Problem variable, its end a cleared one', async () => {
  const events = (from) => csms.calls.slice(from).filter((c) => c.action === 'NotifyEvent').map((c) => c.params.eventData[0]);
  // a lock that fails: the EVSE's ConnectorPlugRetentionLock (G05)
  let from = csms.calls.length;
  assert.equal(st.ctl('fault', '1', 'lock').code, 0);
  assert.equal(st.ctl('plug', '1').code, 0);
  assert.equal(st.ctl('tap', 'GOOD1').code, 0); // authorized: the station locks the cable
  await st.waitStatus(1, 'Faulted');
  await csms.waitCall('StatusNotification', { from, match: (p) => p.evseId === 1 && p.connectorStatus === 'Faulted' });
  const lock = (await csms.waitCall('NotifyEvent', { from })).params;
  assert.equal(lock.seqNo, 0);
  assert.equal(lock.eventData.length, 1);
  const fault = lock.eventData[0];
  assert.deepEqual(fault.component, { name: 'ConnectorPlugRetentionLock', evse: { id: 1, connectorId: 1 } });
  assert.deepEqual(fault.variable, { name: 'Problem' });
  assert.equal(fault.actualValue, 'true');
  assert.equal(fault.trigger, 'Delta');
  assert.equal(fault.eventNotificationType, 'HardWiredNotification');
  assert.equal(fault.techCode, 'borne.LockFailure');
  assert.match(fault.techInfo, /locked/);
  assert.equal(fault.cleared, undefined);
  assert.equal(st.ctl('unplug', '1').code, 0);
  assert.equal(st.ctl('fault', '1', 'clear').code, 0);
  await st.waitStatus(1, 'Available');
  const back = (await csms.waitCall('NotifyEvent', { from, match: (p) => p.eventData[0].cleared === true })).params.eventData[0];
  assert.equal(back.actualValue, 'false');
  assert.equal(back.cause, fault.eventId);
  assert.ok(back.eventId > fault.eventId);
  assert.deepEqual(back.component, fault.component);
  assert.equal(back.techCode, 'borne.LockFailure');
  assert.equal(events(from).length, 2, 'one event for the fault, one for its end');

  // a residual current trip while charging: the Connector's Problem
  from = csms.calls.length;
  assert.equal(st.ctl('plug', '1').code, 0);
  assert.equal(st.ctl('tap', 'GOOD1').code, 0);
  await st.waitStatus(1, 'Charging');
  assert.equal(st.ctl('fault', '1', 'rcd').code, 0);
  await st.waitStatus(1, 'Faulted');
  const rcd = (await csms.waitCall('NotifyEvent', { from })).params.eventData[0];
  assert.deepEqual(rcd.component, { name: 'Connector', evse: { id: 1, connectorId: 1 } });
  assert.equal(rcd.techCode, 'borne.RcdTrip');
  assert.equal(rcd.actualValue, 'true');
  assert.equal(st.ctl('unplug', '1').code, 0);
  await st.waitStatus(1, 'Available');
  const rcdBack = (await csms.waitCall('NotifyEvent', { from, match: (p) => p.eventData[0].cleared === true })).params.eventData[0];
  assert.equal(rcdBack.cause, rcd.eventId);
  assert.equal(rcdBack.techCode, 'borne.RcdTrip');
  await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Ended' });
  csms.assertNoViolations();
});

test('L01/N01: the steps taken while the CSMS is gone are queued on disk and told in order once it is back', async () => {
  const told = (from) => csms.calls.slice(from).filter((c) => ['FirmwareStatusNotification', 'LogStatusNotification'].includes(c.action))
    .map((c) => [c.action, c.params.status, c.params.requestId]);
  // an upload whose end the test's server holds back until the CSMS is gone
  holdUploads = true;
  const from = csms.calls.length;
  assert.equal((await csms.call('GetLog', { logType: 'SecurityLog', requestId: 85, log: { remoteLocation: `${base}/logs/` } })).status, 'Accepted');
  await csms.waitCall('LogStatusNotification', { from, match: (p) => p.status === 'Uploading' && p.requestId === 85 });
  // an update whose download starts in a few seconds, and fails (nothing there)
  const image = simImage('9.7.5', 1000);
  assert.deepEqual(await csms.call('UpdateFirmware', {
    requestId: 77,
    firmware: { location: `${base}/fw/absent.img`, retrieveDateTime: new Date(Date.now() + 4000).toISOString(), signingCertificate: signer.cert, signature: signer.sign(image) },
  }), { status: 'Accepted' });
  await csms.waitCall('FirmwareStatusNotification', { from, match: (p) => p.status === 'DownloadScheduled' });
  // the back end has the call, but the station forgets it only when the answer is back: closing
  // before that would (rightly) have it told again to the next back end
  await st.waitFor((s) => s.station.ocpp.queue_length === 0, { what: 'DownloadScheduled answered' });
  csms.assertNoViolations();
  const port = csms.port;
  await csms.close();
  await st.waitFor((s) => s.station.ocpp?.state !== 'connected', { what: 'ocpp offline' });
  holdUploads = false;
  held.splice(0).forEach((done) => done());
  // offline: Uploaded, then Downloading and DownloadFailed, on disk
  await st.waitFor((s) => s.station.ocpp.queue_length >= 3, { what: 'three notifications queued', timeoutMs: 30000 });
  assert.equal((await st.status()).station.ocpp.state === 'connected', false, 'still offline: nothing was sent');
  csms = await new Peer({ protocol: 'ocpp2.0.1', tags: TAGS, bootInterval: 300 }).listen(port);
  await resumed(st, csms, { timeoutMs: 30000 }); // the same back end: no BootNotification
  await csms.waitCall('FirmwareStatusNotification', { match: (p) => p.status === 'DownloadFailed', timeoutMs: 30000 });
  assert.deepEqual(told(0), [
    ['LogStatusNotification', 'Uploaded', 85],
    ['FirmwareStatusNotification', 'Downloading', 77],
    ['FirmwareStatusNotification', 'DownloadFailed', 77],
  ]);
  await st.waitFor((s) => s.station.ocpp.queue_length === 0, { what: 'queue flushed' });
  csms.assertNoViolations();
});

// What the CSMS heard of a fault is kept across a restart (table
// ocpp201_problem_told): a fault told before a restart that is gone after it
// is cleared once after the boot, its cause the fault's eventId; a second
// restart tells nothing more.
test('G05/N07: a fault told before a restart and gone after it is cleared after the boot, once', async () => {
  const peer = await new Peer({ protocol: 'ocpp2.0.1', tags: TAGS, bootInterval: 300 }).listen();
  const s = await startBorned({
    connectors: 2, auth: 'ocpp', args: ['--csms', peer.url],
    set: { 'station.id': 'cp-201-told', 'ocpp.version': '2.0.1', 'ocpp.MinimumStatusDuration': '0', 'ocpp.reconnect_max_s': '2' },
  });
  try {
    await peer.waitCall('BootNotification');
    await s.waitFor((x) => x.station.ocpp?.registration === 'Accepted', { what: 'registered' });
    assert.equal(s.ctl('fault', '2', 'lock').code, 0);
    assert.equal(s.ctl('plug', '2').code, 0);
    assert.equal(s.ctl('tap', 'GOOD1').code, 0);
    await s.waitStatus(2, 'Faulted');
    const fault = (await peer.waitCall('NotifyEvent', { match: (p) => !p.eventData[0].cleared })).params.eventData[0];
    assert.deepEqual(fault.component.evse, { id: 2, connectorId: 1 });

    // Reset: the daemon starts again (the simulated lock works again, the car is gone)
    let from = peer.calls.length;
    assert.equal((await peer.call('Reset', { type: 'Immediate' })).status, 'Accepted');
    await peer.waitCall('BootNotification', { from, timeoutMs: 30000 });
    await s.waitReady(2);
    await s.waitFor((x) => x.station.ocpp?.registration === 'Accepted' && x.connectors[1].status === 'Available', { what: 'registered again' });
    const back = (await peer.waitCall('NotifyEvent', { from, match: (p) => p.eventData[0].cleared === true, timeoutMs: 30000 })).params.eventData[0];
    assert.deepEqual([back.actualValue, back.cause, back.techCode], ['false', fault.eventId, 'borne.LockFailure']);
    assert.deepEqual(back.component, fault.component);

    // a second restart: nothing more to tell
    from = peer.calls.length;
    assert.equal((await peer.call('Reset', { type: 'Immediate' })).status, 'Accepted');
    await peer.waitCall('BootNotification', { from, timeoutMs: 30000 });
    await s.waitReady(3);
    await peer.waitCall('StatusNotification', { from, match: (p) => p.evseId === 2 && p.connectorStatus === 'Available' });
    // a round trip after the boot's statuses: what the station sent before its answer has arrived
    await peer.call('GetVariables', { getVariableData: [{ component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } }] });
    assert.equal(peer.calls.slice(from).filter((c) => c.action === 'NotifyEvent').length, 0, 'no fault told twice');
    peer.assertNoViolations();
  } finally {
    await s.stop();
    s.cleanup();
    await peer.close();
  }
});

test('L01.FR.06/07 (TC_L_13_CS, TC_L_15_CS): an update while a car charges installs once its transaction ended, the EVSEs Unavailable meanwhile', async () => {
  const peer = await new Peer({ protocol: 'ocpp2.0.1', tags: TAGS, bootInterval: 300 }).listen();
  const dataDir = tempDataDir();
  const root = join(dataDir, 'manufacturer-root.pem');
  writeFileSync(root, signer.cert);
  const s = await startBorned({
    dataDir, connectors: 2, auth: 'ocpp', args: ['--csms', peer.url],
    set: {
      'station.id': 'cp-201-fw-tx', 'ocpp.version': '2.0.1', 'ocpp.MinimumStatusDuration': '0',
      'ocpp.reconnect_max_s': '2', 'firmware.ca_file': root,
    },
  });
  try {
    await peer.waitCall('BootNotification');
    await s.waitFor((x) => x.station.ocpp?.registration === 'Accepted', { what: 'registered' });
    let from = peer.calls.length;
    assert.equal(s.ctl('plug', '1').code, 0);
    assert.equal(s.ctl('tap', 'GOOD1').code, 0);
    await peer.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Started' });
    await s.waitStatus(1, 'Charging');

    const image = simImage('9.7.9', 2000);
    images.set('/fw/9.7.9.img', image);
    from = peer.calls.length;
    assert.deepEqual(await peer.call('UpdateFirmware', {
      requestId: 131,
      firmware: { location: `${base}/fw/9.7.9.img`, retrieveDateTime: now(), signingCertificate: signer.cert, signature: signer.sign(image) },
    }), { status: 'Accepted' });
    await peer.waitCall('FirmwareStatusNotification', { from, match: (p) => p.status === 'SignatureVerified' });
    // L01.FR.07: the EVSE not in use is Unavailable at once, the charging one keeps charging
    const idle = await peer.waitCall('StatusNotification', { from, match: (p) => p.evseId === 2 && p.connectorStatus === 'Unavailable' });
    await s.waitEvent('availability', { match: (e) => /held for the firmware install/.test(e.detail) });
    assert.equal((await s.connector(1)).status, 'Charging');
    assert.equal((await s.connector(2)).status, 'Unavailable');
    // L01.FR.06: nothing installed while the transaction runs
    const seen = (action, match) => peer.calls.slice(from).filter((c) => c.action === action && match(c.params));
    assert.deepEqual(seen('FirmwareStatusNotification', (p) => p.status === 'Installing'), []);
    assert.deepEqual(seen('TransactionEvent', (p) => p.eventType === 'Ended'), []);

    // the driver stops: the transaction ends, its EVSE Unavailable too (the car still there), then the install
    assert.equal(s.ctl('tap', 'GOOD1').code, 0);
    const ended = await peer.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Ended' });
    const held1 = await peer.waitCall('StatusNotification', { from, match: (p) => p.evseId === 1 && p.connectorStatus === 'Unavailable' });
    const boot = await peer.waitCall('BootNotification', { from, timeoutMs: 60000 });
    assert.equal(boot.params.reason, 'FirmwareUpdate');
    assert.equal(boot.params.chargingStation.firmwareVersion, '9.7.9');
    await peer.waitCall('FirmwareStatusNotification', { from, match: (p) => p.status === 'Installed', timeoutMs: 30000 });
    const steps = peer.calls.slice(from).filter((c) => c.action === 'FirmwareStatusNotification');
    assert.deepEqual(steps.map((c) => [c.params.status, c.params.requestId]),
      [['Downloading', 131], ['Downloaded', 131], ['SignatureVerified', 131], ['Installing', 131], ['InstallRebooting', 131], ['Installed', 131]]);
    const at = (c) => peer.calls.indexOf(c);
    const installing = steps.find((c) => c.params.status === 'Installing');
    assert.ok(at(idle) < at(ended) && at(ended) < at(installing), 'EVSE 2 Unavailable, then the Ended, then Installing');
    assert.ok(at(held1) < at(installing), 'EVSE 1 Unavailable before Installing');
    // after the restart nothing is held: both EVSEs serve again
    await s.waitReady(2);
    await s.waitFor((x) => x.station.ocpp?.registration === 'Accepted' && x.connectors.every((c) => c.status === 'Available' || c.status === 'Occupied'), { what: 'in service again' });
    assert.equal((await s.connector(2)).status, 'Available');
    peer.assertNoViolations();
  } finally {
    await s.stop();
    s.cleanup();
    await peer.close();
  }
});
