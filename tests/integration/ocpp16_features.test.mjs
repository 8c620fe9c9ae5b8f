// OCPP 1.6J against a strict central system (ocpp-rpc strict mode):
// authorization online, from the cache and the local list, offline rules;
// hard reset during a transaction; firmware update from a local HTTP server
// through Downloading/Downloaded/Installing/Installed into the new version;
// firmware and diagnostics locations outside OCPP's schemes (file://,
// gopher://, a redirect to file://) never fetched, never written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { once } from 'node:events';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startBorned, tempDataDir } from './lib/borne.mjs';
import { Csms } from './lib/csms.mjs';
import { makeSigner } from './lib/signing.mjs';

const SET = { 'station.id': 'cp-features', 'ocpp.MinimumStatusDuration': '0', 'ocpp.reconnect_max_s': '2' };

async function csmsOn(port = 0, opts = {}) {
  return new Csms({ tags: { GOOD1: 'Accepted', GOOD2: 'Accepted', CHILD: 'Accepted' }, ...opts }).listen(port);
}

async function offline(st) {
  return st.waitFor((s) => s.station.ocpp.state !== 'connected', { what: 'offline' });
}

async function online(st) {
  return st.waitFor((s) => s.station.ocpp.state === 'connected' && s.station.ocpp.registration === 'Accepted', { what: 'online', timeoutMs: 30000 });
}

async function tapExpect(st, tag, accepted) {
  const after = await st.lastEventId();
  assert.equal(st.ctl('tap', tag).code, 0);
  const kinds = accepted ? ['session_start', 'auth_ok', 'authorized'] : ['auth_refused'];
  return st.waitEvent(accepted ? 'session_start' : 'auth_refused', { after, match: () => true }).catch(async (e) => {
    throw new Error(`${tag}: expected ${kinds.join('/')}: ${e.message}\n${JSON.stringify((await st.ok('GET', `/api/v1/events?after=${after}`)).events)}`);
  });
}

test('local list and cache authorize offline; unknown badges follow AllowOfflineTxForUnknownId', async () => {
  let csms = await csmsOn();
  const port = csms.port;
  const dataDir = tempDataDir();
  const st = await startBorned({ dataDir, connectors: 1, auth: 'ocpp', args: ['--csms', csms.url], set: { ...SET, 'auth.offline_local_badges': 'false' } });
  try {
    await online(st);
    // the local list: full then differential, with versions
    assert.equal((await csms.call('SendLocalList', { listVersion: 3, updateType: 'Full', localAuthorizationList: [{ idTag: 'LOCAL1', idTagInfo: { status: 'Accepted' } }, { idTag: 'LOCALX', idTagInfo: { status: 'Blocked' } }] })).status, 'Accepted');
    assert.equal((await csms.call('GetLocalListVersion', {})).listVersion, 3);
    assert.equal((await csms.call('SendLocalList', { listVersion: 3, updateType: 'Differential', localAuthorizationList: [{ idTag: 'LOCAL2', idTagInfo: { status: 'Accepted' } }] })).status, 'VersionMismatch');
    assert.equal((await csms.call('SendLocalList', { listVersion: 4, updateType: 'Differential', localAuthorizationList: [{ idTag: 'LOCAL2', idTagInfo: { status: 'Accepted' } }] })).status, 'Accepted');
    assert.equal((await csms.call('GetLocalListVersion', {})).listVersion, 4);
    // GOOD1 authorized online goes into the cache
    assert.equal(st.ctl('plug', '1').code, 0);
    await tapExpect(st, 'GOOD1', true);
    await csms.waitCall('Authorize', { match: (p) => p.idTag === 'GOOD1' });
    await st.waitStatus(1, 'Charging');
    assert.equal(st.ctl('tap', 'GOOD1').code, 0);
    await csms.waitCall('StopTransaction');
    assert.equal(st.ctl('unplug', '1').code, 0);
    await st.waitStatus(1, 'Available');
    // back end down
    await csms.close();
    await offline(st);
    for (const [tag, ok] of [['LOCAL2', true], ['GOOD1', true], ['LOCALX', false], ['STRANGER', false]]) {
      assert.equal(st.ctl('plug', '1').code, 0);
      await tapExpect(st, tag, ok);
      if (ok) {
        await st.waitStatus(1, 'Charging');
        assert.equal(st.ctl('tap', tag).code, 0);
        await st.waitFor((s) => s.connectors[0].session === null, { what: `${tag} stopped` });
      }
      assert.equal(st.ctl('unplug', '1').code, 0);
      await st.waitStatus(1, 'Available');
    }
    // an unknown badge is let in offline only when the back end allows it
    csms = await csmsOn(port);
    await online(st);
    assert.equal((await csms.call('ChangeConfiguration', { key: 'AllowOfflineTxForUnknownId', value: 'true' })).status, 'Accepted');
    assert.equal((await csms.call('ClearCache', {})).status, 'Accepted');
    await csms.close();
    await offline(st);
    assert.equal(st.ctl('plug', '1').code, 0);
    await tapExpect(st, 'STRANGER', true);
    await st.waitStatus(1, 'Charging');
    // back online: the back end refuses STRANGER in the StartTransaction answer,
    // StopTransactionOnInvalidId stops the session
    csms = await csmsOn(port);
    await csms.waitCall('StartTransaction', { match: (p) => p.idTag === 'STRANGER', timeoutMs: 30000 });
    const stop = await csms.waitCall('StopTransaction', { match: (p) => p.reason === 'DeAuthorized', timeoutMs: 30000 });
    assert.equal(stop.params.reason, 'DeAuthorized');
    csms.assertNoViolations();
  } finally {
    await st.stop(); st.cleanup(); await csms.close();
  }
});

test('the station\'s own badges authorize offline when auth.offline_local_badges is set', async () => {
  const csms = await csmsOn();
  const st = await startBorned({ connectors: 1, auth: 'ocpp', args: ['--csms', csms.url], set: SET });
  try {
    await online(st);
    assert.equal(st.ctl('badges', 'add', 'A1B2C3D4').code, 0);
    assert.equal(st.ctl('badges', 'add', 'C0FFEE01').code, 0);
    // online the back end decides: C0FFEE01 is unknown there
    assert.equal(st.ctl('plug', '1').code, 0);
    await tapExpect(st, 'C0FFEE01', false);
    await csms.close();
    await offline(st);
    await tapExpect(st, 'A1B2C3D4', true);
    await st.waitStatus(1, 'Charging');
  } finally {
    await st.stop(); st.cleanup(); await csms.close();
  }
});

test('a hard reset during a transaction stops it with HardReset and the station comes back', async () => {
  const csms = await csmsOn();
  const st = await startBorned({ connectors: 1, auth: 'ocpp', args: ['--csms', csms.url], set: SET });
  try {
    await online(st);
    assert.equal(st.ctl('plug', '1').code, 0);
    assert.equal((await csms.call('RemoteStartTransaction', { connectorId: 1, idTag: 'GOOD1' })).status, 'Accepted');
    await csms.waitCall('StartTransaction');
    const from = csms.calls.length;
    assert.equal((await csms.call('Reset', { type: 'Hard' })).status, 'Accepted');
    const stop = await csms.waitCall('StopTransaction', { from, timeoutMs: 30000 });
    assert.equal(stop.params.reason, 'HardReset');
    await csms.waitCall('BootNotification', { from, timeoutMs: 30000 });
    await st.waitReady(2);
    await online(st);
    csms.assertNoViolations();
  } finally {
    await st.stop(); st.cleanup(); await csms.close();
  }
});

test('firmware update from an HTTP server: every status, then the new version boots', async () => {
  const image = Buffer.from('borne-sim-firmware 9.9.9\nsimulated image body\n');
  let downloads = 0;
  const http = createServer((req, res) => {
    downloads++;
    if (req.url !== '/fw/borne-9.9.9.img') { res.statusCode = 404; res.end(); return; }
    res.setHeader('Content-Length', image.length);
    res.end(image);
  });
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  const csms = await csmsOn();
  const st = await startBorned({ connectors: 1, auth: 'free', args: ['--csms', csms.url], set: { ...SET, 'firmware.allow_unsigned': 'true' } });
  try {
    await online(st);
    const from = csms.calls.length;
    const location = `http://127.0.0.1:${http.address().port}/fw/borne-9.9.9.img`;
    await csms.call('UpdateFirmware', { location, retrieveDate: new Date().toISOString(), retries: 2, retryInterval: 5 });
    const seen = [];
    for (const status of ['Downloading', 'Downloaded', 'Installing']) {
      const c = await csms.waitCall('FirmwareStatusNotification', { from, match: (p) => p.status === status, timeoutMs: 30000 });
      seen.push(c.params.status);
    }
    const boot = await csms.waitCall('BootNotification', { from, timeoutMs: 30000 });
    assert.equal(boot.params.firmwareVersion, '9.9.9');
    await csms.waitCall('FirmwareStatusNotification', { from, match: (p) => p.status === 'Installed', timeoutMs: 30000 });
    assert.ok(downloads >= 1);
    await st.waitReady(2);
    assert.equal((await st.status()).station.firmware_version, '9.9.9');
    // a location that does not exist ends in DownloadFailed after the retries
    const from2 = csms.calls.length;
    await csms.call('UpdateFirmware', { location: `http://127.0.0.1:${http.address().port}/fw/missing.img`, retrieveDate: new Date().toISOString(), retries: 1, retryInterval: 1 });
    await csms.waitCall('FirmwareStatusNotification', { from: from2, match: (p) => p.status === 'DownloadFailed', timeoutMs: 30000 });
    csms.assertNoViolations();
  } finally {
    await st.stop(); st.cleanup(); await csms.close(); http.close();
  }
});

test('firmware.allow_unsigned false (the default): unsigned or unverifiable images are refused before any download', async () => {
  const image = Buffer.from('borne-sim-firmware 9.9.8\nsimulated image body\n');
  let downloads = 0;
  const http = createServer((req, res) => { downloads++; res.setHeader('Content-Length', image.length); res.end(image); });
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  const dataDir = tempDataDir();
  const csms = await csmsOn();
  const st = await startBorned({ dataDir, connectors: 1, auth: 'free', args: ['--csms', csms.url], set: SET });
  try {
    await online(st);
    const location = `http://127.0.0.1:${http.address().port}/fw/borne-9.9.8.img`;
    const version = (await st.status()).station.firmware_version;
    // plain UpdateFirmware: InstallationFailed at once, with the reason in the status
    let from = csms.calls.length;
    assert.deepEqual(await csms.call('UpdateFirmware', { location, retrieveDate: new Date().toISOString() }), {});
    await csms.waitCall('FirmwareStatusNotification', { from, match: (p) => p.status === 'InstallationFailed', timeoutMs: 30000 });
    assert.match((await st.status()).station.firmware.detail, /unsigned firmware refused.*firmware\.allow_unsigned/);
    assert.equal((await st.status()).station.firmware.allow_unsigned, false);
    // SignedUpdateFirmware with no manufacturer root: InvalidCertificate and its security event
    const signer = makeSigner('self-made');
    from = csms.calls.length;
    assert.deepEqual(await csms.call('SignedUpdateFirmware', {
      requestId: 41, retries: 0,
      firmware: { location, retrieveDateTime: new Date().toISOString(), signingCertificate: signer.cert, signature: signer.sign(image) },
    }), { status: 'InvalidCertificate' });
    const ev = await csms.waitCall('SecurityEventNotification', { from, match: (p) => p.type === 'InvalidFirmwareSigningCertificate', timeoutMs: 30000 });
    assert.match(ev.params.techInfo ?? '', /firmware\.ca_file/);
    await csms.call('TriggerMessage', { requestedMessage: 'Heartbeat' });
    await csms.waitCall('Heartbeat', { from });
    assert.equal(csms.calls.slice(from).filter((c) => c.action === 'SignedFirmwareStatusNotification').length, 0, 'no update started');
    assert.equal(downloads, 0, 'not one byte fetched');
    assert.equal((await st.status()).station.firmware_version, version);
    // with the manufacturer root set, the same request installs
    const root = join(dataDir, 'root.pem');
    writeFileSync(root, signer.cert);
    assert.equal(st.ctl('set', `firmware.ca_file=${root}`).code, 0);
    from = csms.calls.length;
    assert.deepEqual(await csms.call('SignedUpdateFirmware', {
      requestId: 42, retries: 0,
      firmware: { location, retrieveDateTime: new Date().toISOString(), signingCertificate: signer.cert, signature: signer.sign(image) },
    }), { status: 'Accepted' });
    await csms.waitCall('SignedFirmwareStatusNotification', { from, match: (p) => p.status === 'SignatureVerified', timeoutMs: 30000 });
    await csms.waitCall('SignedFirmwareStatusNotification', { from, match: (p) => p.status === 'Installed', timeoutMs: 60000 });
    await st.waitReady(2);
    assert.equal((await st.status()).station.firmware_version, '9.9.8');
    csms.assertNoViolations();
  } finally {
    await st.stop(); st.cleanup(); await csms.close(); http.close();
  }
});

test('firmware and diagnostics locations outside https/http/ftps/ftp are never fetched nor written', async () => {
  // a LAN host a gopher:// URL would send raw bytes to
  let lanBytes = 0;
  const lan = createTcpServer((sock) => { sock.on('data', (d) => { lanBytes += d.length; }); sock.on('error', () => {}); });
  lan.listen(0, '127.0.0.1');
  await once(lan, 'listening');
  // an HTTP server that redirects to the station's own files
  let redirects = 0;
  const http = createServer((req, res) => {
    redirects++;
    res.statusCode = 302;
    res.setHeader('Location', 'file:///etc/passwd');
    res.end();
  });
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  const dataDir = tempDataDir();
  const marker = join(dataDir, 'installer-ran');
  const outDir = join(dataDir, 'diag-out');
  mkdirSync(outDir);
  const csms = await csmsOn();
  const st = await startBorned({
    dataDir, connectors: 1, auth: 'free', args: ['--csms', csms.url],
    set: { ...SET, 'firmware.install_command': `touch '${marker}'`, 'firmware.allow_unsigned': 'true' },
  });
  try {
    await online(st);
    const conf = await csms.call('GetConfiguration', { key: ['SupportedFileTransferProtocols'] });
    assert.deepEqual(conf.configurationKey, [{ key: 'SupportedFileTransferProtocols', readonly: true, value: 'FTP,FTPS,HTTP,HTTPS' }]);

    const failed = async (location, what) => {
      const from = csms.calls.length;
      const after = await st.lastEventId();
      assert.deepEqual(await csms.call('UpdateFirmware', { location, retrieveDate: new Date().toISOString(), retries: 1, retryInterval: 1 }), {});
      await csms.waitCall('FirmwareStatusNotification', { from, match: (p) => p.status === 'DownloadFailed', timeoutMs: 30000 });
      const ev = await st.waitEvent('firmware', { after, match: (e) => /^DownloadFailed/.test(e.detail) });
      assert.match(ev.detail, what, location);
      const statuses = csms.calls.slice(from).filter((c) => c.action === 'FirmwareStatusNotification').map((c) => c.params.status);
      return { statuses, ev };
    };
    // the station's own files
    let r = await failed('file:///etc/passwd', /scheme file is not allowed/);
    assert.deepEqual(r.statuses, ['DownloadFailed'], 'not even Downloading');
    r = await failed('FILE:///etc/shadow', /scheme FILE is not allowed/);
    assert.deepEqual(r.statuses, ['DownloadFailed']);
    // raw bytes to a LAN host
    r = await failed(`gopher://127.0.0.1:${lan.address().port}/_FLUSHALL%0D%0A`, /scheme gopher is not allowed/);
    assert.deepEqual(r.statuses, ['DownloadFailed']);
    // an allowed scheme that redirects to file://: libcurl refuses the redirect (each attempt)
    r = await failed(`http://127.0.0.1:${http.address().port}/fw/borne.img`, /file/);
    assert.deepEqual(r.statuses, ['Downloading', 'DownloadFailed']);
    assert.equal(redirects, 2, 'the first attempt and its retry');
    assert.match((await st.status()).station.firmware.detail, /file/);

    // SignedUpdateFirmware and GetLog: refused up front, nothing follows
    const from = csms.calls.length;
    const signer = makeSigner();
    assert.deepEqual(await csms.call('SignedUpdateFirmware', {
      requestId: 31, retries: 1,
      firmware: { location: 'file:///etc/passwd', retrieveDateTime: new Date().toISOString(), signingCertificate: signer.cert, signature: signer.sign(Buffer.from('x')) },
    }), { status: 'Rejected' });
    assert.deepEqual(await csms.call('GetLog', { logType: 'DiagnosticsLog', requestId: 32, log: { remoteLocation: `file://${outDir}/` } }), { status: 'Rejected' });
    // GetDiagnostics: no file name, UploadFailed, nothing written there
    assert.deepEqual(await csms.call('GetDiagnostics', { location: `file://${outDir}/`, retries: 2, retryInterval: 1 }), {});
    await csms.waitCall('DiagnosticsStatusNotification', { from, match: (p) => p.status === 'UploadFailed' });
    const from2 = csms.calls.length;
    assert.deepEqual(await csms.call('GetDiagnostics', { location: `dict://127.0.0.1:${lan.address().port}/info` }), {});
    await csms.waitCall('DiagnosticsStatusNotification', { from: from2, match: (p) => p.status === 'UploadFailed' });
    // a round trip after everything: anything queued would have arrived
    await csms.call('TriggerMessage', { requestedMessage: 'Heartbeat' });
    await csms.waitCall('Heartbeat', { from });
    const later = csms.calls.slice(from).map((c) => c.action);
    assert.ok(!later.includes('SignedFirmwareStatusNotification'), later.join());
    assert.ok(!later.includes('LogStatusNotification'), later.join());
    assert.deepEqual(csms.calls.slice(from).filter((c) => c.action === 'DiagnosticsStatusNotification').map((c) => c.params.status), ['UploadFailed', 'UploadFailed']);
    assert.deepEqual(readdirSync(outDir), []);
    assert.deepEqual(readdirSync(dataDir).filter((f) => /^borne-(diagnostics|log)-/.test(f)), [], 'nothing collected');
    assert.equal(lanBytes, 0, 'not one byte to the LAN host');
    assert.equal(existsSync(marker), false, 'the installer never ran');
    csms.assertNoViolations();
  } finally {
    await st.stop(); st.cleanup(); await csms.close(); http.close(); lan.close();
  }
});
