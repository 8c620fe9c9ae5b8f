// Installer maintenance from the web page (issue 7, Settings): firmware
// upload and install, checked exactly like an OCPP SignedUpdateFirmware
// image; HTTP level here, in a real browser below.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, watch, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { startBorned } from './lib/borne.mjs';
import { WebClient, setupPins } from './lib/web.mjs';
import { makeSigner, simImage } from './lib/signing.mjs';
import { launch, newPage, login, open, checkPage } from './lib/browser.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function installer(st) {
  const pins = await setupPins(st);
  const c = new WebClient(st);
  assert.equal((await c.login('installer', pins.installer)).status, 200);
  return c;
}

test('firmware: streamed upload with size limit, signature required and checked, install restarts into the new version', async () => {
  // self-made signers, no manufacturer root: the installer allowed unchecked images
  const st = await startBorned({ connectors: 1, set: { 'web.firmware_max_mb': 2, 'firmware.allow_unsigned': 'true' } });
  try {
    const c = await installer(st);
    const fw0 = (await c.req('GET', '/api/v1/firmware')).body;
    assert.equal(fw0.status, 'Idle');
    assert.equal(fw0.busy, false);
    assert.equal(fw0.image, null);
    assert.equal(fw0.max_bytes, 2 * 1024 * 1024);
    assert.equal(fw0.version, (await st.status()).station.firmware_version);
    // install before any upload, unsigned install
    assert.equal((await c.req('POST', '/api/v1/firmware/install', { signature: 'AA==', signing_certificate: 'x' })).status, 409);
    const signer = makeSigner();
    const image = simImage('7.1.0-web', 1536 * 1024); // far above the 64 kB of ordinary bodies
    assert.equal((await c.req('PUT', '/api/v1/firmware/image', undefined, { raw: Buffer.alloc(0) })).status, 400);
    const big = await c.req('PUT', '/api/v1/firmware/image', undefined, { raw: simImage('x', 2 * 1024 * 1024 + 1) });
    assert.equal(big.status, 413);
    assert.match(big.body.error, /web\.firmware_max_mb/);
    const up = await c.req('PUT', '/api/v1/firmware/image', undefined, { raw: image, headers: { 'Content-Type': 'application/octet-stream' } });
    assert.equal(up.status, 201, JSON.stringify(up.body));
    assert.equal(up.body.bytes, image.length);
    assert.equal(up.body.sha256, createHash('sha256').update(image).digest('hex'));
    assert.deepEqual((await c.req('GET', '/api/v1/firmware')).body.image, up.body);
    // a client that goes away mid-upload: the partial file is dropped, the next upload works
    // (once the station saw the connection close: the partial file's removal tells it)
    const partName = 'firmware.upload.part';
    const partGone = new Promise((resolve) => {
      const w = watch(st.dataDir, (_, name) => {
        if (name === partName && !existsSync(join(st.dataDir, partName))) { w.close(); resolve(); }
      });
    });
    await new Promise((resolve, reject) => {
      const sock = connect(st.port, '127.0.0.1', () => {
        sock.write(`PUT /api/v1/firmware/image HTTP/1.1\r\nHost: x\r\nCookie: ${c.cookie}\r\nX-CSRF-Token: ${c.csrf}\r\nContent-Length: ${image.length}\r\n\r\n`);
        sock.write(image.subarray(0, 200000), () => setImmediate(() => { sock.destroy(); resolve(); }));
      });
      sock.on('error', reject);
    });
    await partGone;
    const again = await c.req('PUT', '/api/v1/firmware/image', undefined, { raw: image });
    assert.equal(again.status, 201, JSON.stringify(again.body));
    assert.equal(existsSync(join(st.dataDir, 'firmware.upload.part')), false);
    const unsigned = await c.req('POST', '/api/v1/firmware/install', {});
    assert.equal(unsigned.status, 400);
    assert.match(unsigned.body.error, /signed images only/);

    // signed by someone else's key: InvalidSignature, the image is gone
    const from = await st.lastEventId();
    const other = makeSigner('not the manufacturer');
    assert.equal((await c.req('POST', '/api/v1/firmware/install', { signature: other.sign(image), signing_certificate: signer.cert })).status, 202);
    const bad = await st.waitEvent('firmware', { after: from, match: (e) => /^InvalidSignature/.test(e.detail) });
    assert.match(bad.detail, /does not match its signature/);
    assert.equal((await c.req('GET', '/api/v1/firmware')).body.image, null);
    await st.waitEvent('security', { after: from, match: (e) => /^InvalidFirmwareSignature: /.test(e.detail) });

    // the right one: Downloaded, SignatureVerified, Installing, InstallRebooting, then the new version runs
    assert.equal((await c.req('PUT', '/api/v1/firmware/image', undefined, { raw: image })).status, 201);
    const from2 = await st.lastEventId();
    const ok = await c.req('POST', '/api/v1/firmware/install', { signature: signer.sign(image), signing_certificate: signer.cert });
    assert.equal(ok.status, 202);
    await st.waitReady(2); // the station restarts at once (a new port)
    const s = await st.status();
    assert.equal(s.station.firmware_version, '7.1.0-web');
    assert.equal(s.station.firmware.status, 'Installed');
    const steps = (await st.ok('GET', `/api/v1/events?after=${from2}&limit=100`)).events.filter((e) => e.kind === 'firmware').map((e) => e.detail.split(':')[0]);
    assert.deepEqual(steps, ['Downloaded', 'SignatureVerified', 'Installing', 'InstallRebooting', 'Installed']);
    await st.waitEvent('security', { after: from2, match: (e) => e.detail === 'FirmwareUpdated: 7.1.0-web' });
  } finally { await st.stop(); st.cleanup(); }
});

test('self-test and error log: latest results, faults now with their action, the log filtered to faults, run again when unplugged', async () => {
  const st = await startBorned({ connectors: 2, set: { 'sim.selftest_fail': '2:rcd' } });
  try {
    const c = await installer(st);
    await st.waitFor((s) => s.station.selftest_done, { what: 'self-test done' });
    const t1 = (await c.req('GET', '/api/v1/selftest')).body;
    assert.equal(t1.done, true);
    assert.equal(t1.running, false);
    assert.deepEqual(t1.results.map((r) => `${r.connector}:${r.check}:${r.ok}`),
      ['1:contactor:true', '1:cp:true', '1:meter:true', '1:rcd:true', '2:contactor:true', '2:cp:true', '2:meter:true', '2:rcd:false']);
    assert.match(t1.results[7].detail, /residual current monitor/);

    const e1 = (await c.req('GET', '/api/v1/errors')).body;
    assert.equal(e1.current.length, 1);
    assert.equal(e1.current[0].connector, 2);
    assert.equal(e1.current[0].code, 102);
    assert.match(e1.current[0].action, /Replace or rewire the RCD module/);
    assert.equal(e1.current[0].vendor_code, 'borne.RcdSelfTest');
    assert.ok(e1.log.every((e) => ['error', 'error_cleared', 'meter_error', 'meter_ok', 'selftest'].includes(e.kind)), 'only faults');
    const fault = e1.log.find((e) => e.kind === 'error');
    assert.equal(fault.connector, 2);
    assert.equal(fault.error.code, 102);
    assert.ok(e1.log.some((e) => e.kind === 'selftest' && e.connector === 1 && e.detail === 'passed'));
    assert.ok(e1.log[0].id > e1.log.at(-1).id, 'newest first');
    // paging
    const older = (await c.req('GET', `/api/v1/errors?before=${e1.log[0].id}&limit=1`)).body.log;
    assert.equal(older.length, 1);
    assert.equal(older[0].id, e1.log[1].id);
    assert.equal((await c.req('GET', '/api/v1/errors?limit=0')).status, 400);
    assert.equal((await c.req('GET', '/api/v1/errors?before=x')).status, 400);

    // not while a cable is plugged in; then again, and the results are new
    assert.equal(st.ctl('plug', '1').code, 0);
    const busy = await c.req('POST', '/api/v1/selftest', {});
    assert.equal(busy.status, 409);
    assert.match(busy.body.error, /charge point 1 is in use/);
    assert.equal(st.ctl('unplug', '1').code, 0);
    await st.waitStatus(1, 'Available');
    const from = await st.lastEventId();
    assert.equal((await c.req('POST', '/api/v1/selftest', {})).status, 202);
    await st.waitEvent('selftest', { after: from, match: (e) => e.connector === 2 && /residual current/.test(e.detail) });
    await st.waitEvent('selftest', { after: from, match: (e) => e.connector === 1 && e.detail === 'passed' });
    const t2 = (await c.req('GET', '/api/v1/selftest')).body;
    assert.ok(t2.results.every((r, i) => r.time >= t1.results[i].time));
    assert.ok(t2.results.some((r, i) => r.time > t1.results[i].time));
  } finally { await st.stop(); st.cleanup(); }
});

test('configuration export and import: secrets left out, all or nothing with per-key errors, dry run, restart-needed keys', async () => {
  const st = await startBorned({ connectors: 2 });
  try {
    const c = await installer(st);
    const secret = 'S3cret-Basic-Auth-Key';
    assert.equal((await c.req('PUT', '/api/v1/settings', { 'ocpp.AuthorizationKey': secret, 'payment.notice': 'Tarif A' })).status, 200);
    const logged = (await st.ok('GET', '/api/v1/events?limit=1000')).events.filter((e) => e.kind === 'setting').map((e) => e.detail);
    assert.ok(logged.includes('ocpp.AuthorizationKey=(secret)'), 'the secret is not in the event log');
    assert.ok(!logged.some((d) => d.includes(secret)));
    const ex = await c.req('GET', '/api/v1/config/export');
    assert.equal(ex.status, 200);
    assert.match(ex.headers.get('content-disposition'), /attachment; filename="borne-config-borne-sim-1\.json"/);
    const doc = ex.body;
    assert.equal(doc.format, 'borne-config');
    assert.equal(doc.version, 1);
    assert.equal(doc.station, 'borne-sim-1');
    assert.deepEqual(doc.secrets_excluded, ['ocpp.AuthorizationKey']);
    assert.equal('ocpp.AuthorizationKey' in doc.settings, false);
    assert.doesNotMatch(JSON.stringify(doc), new RegExp(secret), 'the secret is nowhere in the file');
    assert.equal(doc.settings['payment.notice'], 'Tarif A');
    assert.equal(doc.settings['connector.2.selector_a'], (await st.ok('GET', '/api/v1/settings')).settings['connector.2.selector_a']);
    assert.ok(Object.values(doc.settings).every((v) => v !== null));

    // the same file changes nothing
    const same = (await c.req('POST', '/api/v1/config/import', doc)).body;
    assert.deepEqual(same.changed, []);
    assert.equal(same.unchanged, Object.keys(doc.settings).length);

    // a dry run shows the changes and saves nothing
    const edited = structuredClone(doc);
    edited.settings['payment.notice'] = 'Tarif B';
    edited.settings['web.session_minutes'] = 60;
    edited.settings['station.model'] = 'Borne Hotel';
    const dry = await c.req('POST', '/api/v1/config/import?dry_run=1', edited);
    assert.equal(dry.status, 200);
    assert.equal(dry.body.dry_run, true);
    assert.deepEqual(dry.body.changed.map((x) => [x.key, x.from, x.to, x.restart]).sort(), [
      ['payment.notice', 'Tarif A', 'Tarif B', false],
      ['station.model', (await st.ok('GET', '/api/v1/settings')).settings['station.model'], 'Borne Hotel', true],
      ['web.session_minutes', 480, 60, false],
    ]);
    assert.equal((await st.ok('GET', '/api/v1/settings')).settings['payment.notice'], 'Tarif A');

    // invalid keys: every one reported, nothing saved
    const broken = structuredClone(edited);
    broken.settings['web.session_minutes'] = 1;
    broken.settings['no.such.key'] = 3;
    broken.settings['auth.mode'] = { nested: true };
    const bad = await c.req('POST', '/api/v1/config/import', broken);
    assert.equal(bad.status, 400);
    assert.match(bad.body.error, /nothing was changed/);
    assert.deepEqual(bad.body.errors.map((e) => e.key).sort(), ['auth.mode', 'no.such.key', 'web.session_minutes']);
    assert.ok(bad.body.errors.every((e) => e.error.length > 5));
    assert.equal((await st.ok('GET', '/api/v1/settings')).settings['payment.notice'], 'Tarif A');
    assert.equal((await c.req('POST', '/api/v1/config/import', { ...doc, format: 'other' })).status, 400);
    assert.equal((await c.req('POST', '/api/v1/config/import', { ...doc, version: 2 })).status, 400);
    assert.equal((await c.req('POST', '/api/v1/config/import', { settings: {} })).status, 400);

    // the real import: runtime keys at once, the restart-needed one reported
    const from = await st.lastEventId();
    const ok = (await c.req('POST', '/api/v1/config/import', edited)).body;
    assert.equal(ok.dry_run, false);
    assert.equal(ok.changed.length, 3);
    assert.deepEqual(ok.restart_required, ['station.model']);
    const now = (await st.ok('GET', '/api/v1/settings')).settings;
    assert.equal(now['payment.notice'], 'Tarif B');
    assert.equal(now['web.session_minutes'], 60);
    assert.deepEqual(now['ocpp.AuthorizationKey'], { set: true }, 'the secret left out of the file is kept, and not shown');
    await st.waitEvent('config_import', { after: from, match: (e) => /^3 settings changed/.test(e.detail) });
  } finally { await st.stop(); st.cleanup(); }
});

test('a manufacturer root set at run time is used at once: an image signed by a self-made certificate is refused', async () => {
  const st = await startBorned({ connectors: 1 });
  try {
    const c = await installer(st);
    assert.equal((await c.req('GET', '/api/v1/firmware')).body.manufacturer_root, false);
    const manufacturer = makeSigner('manufacturer root');
    const root = join(st.dataDir, 'manufacturer-root.pem');
    writeFileSync(root, manufacturer.cert);
    const put = await c.req('PUT', '/api/v1/settings', { 'firmware.ca_file': root });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.deepEqual(put.body.restart_required, [], 'applied at once, no restart');
    assert.equal((await c.req('GET', '/api/v1/firmware')).body.manufacturer_root, true);

    const version = (await st.status()).station.firmware_version;
    const image = simImage('9.9.9-evil');
    const evil = makeSigner('not the manufacturer');
    assert.equal((await c.req('PUT', '/api/v1/firmware/image', undefined, { raw: image })).status, 201);
    const from = await st.lastEventId();
    assert.equal((await c.req('POST', '/api/v1/firmware/install', { signature: evil.sign(image), signing_certificate: evil.cert })).status, 202);
    const bad = await st.waitEvent('firmware', { after: from, match: (e) => /^InvalidSignature/.test(e.detail) });
    assert.match(bad.detail, /not from the manufacturer/);
    const steps = (await st.ok('GET', `/api/v1/events?after=${from}&limit=100`)).events.filter((e) => e.kind === 'firmware').map((e) => e.detail.split(':')[0]);
    assert.deepEqual(steps, ['Downloaded', 'InvalidSignature'], 'never SignatureVerified, never Installed');
    assert.equal((await st.status()).station.firmware_version, version);
  } finally { await st.stop(); st.cleanup(); }
});

test('firmware.allow_unsigned false (the default): without a manufacturer root no image installs, and the page says so', async () => {
  const st = await startBorned({ connectors: 1 });
  try {
    const c = await installer(st);
    const fw = (await c.req('GET', '/api/v1/firmware')).body;
    assert.equal(fw.allow_unsigned, false);
    assert.equal(fw.manufacturer_root, false);
    assert.equal((await st.status()).station.firmware.allow_unsigned, false);
    const version = fw.version;
    const image = simImage('9.9.9-selfmade');
    const selfMade = makeSigner('self-made');
    assert.equal((await c.req('PUT', '/api/v1/firmware/image', undefined, { raw: image })).status, 201);
    const from = await st.lastEventId();
    const refused = await c.req('POST', '/api/v1/firmware/install', { signature: selfMade.sign(image), signing_certificate: selfMade.cert });
    assert.equal(refused.status, 409);
    assert.match(refused.body.error, /no manufacturer root \(firmware\.ca_file\)/);
    assert.notEqual((await c.req('GET', '/api/v1/firmware')).body.image, null, 'the upload is kept for a later try');
    // the key is the installer's: not through the API
    const put = await c.req('PUT', '/api/v1/settings', { 'firmware.allow_unsigned': true });
    assert.equal(put.status, 403);
    assert.match(put.body.error, /^firmware\.allow_unsigned: can only be set in the configuration file/);
    // with the manufacturer's root, its own signature installs
    const root = join(st.dataDir, 'manufacturer-root.pem');
    writeFileSync(root, selfMade.cert);
    assert.equal((await c.req('PUT', '/api/v1/settings', { 'firmware.ca_file': root })).status, 200);
    assert.equal((await c.req('POST', '/api/v1/firmware/install', { signature: selfMade.sign(image), signing_certificate: selfMade.cert })).status, 202);
    await st.waitReady(2); // the station restarts at once (a new port)
    assert.equal((await st.status()).station.firmware_version, '9.9.9-selfmade');
    assert.notEqual(version, '9.9.9-selfmade');
    const steps = (await st.ok('GET', `/api/v1/events?after=${from}&limit=100`)).events.filter((e) => e.kind === 'firmware').map((e) => e.detail.split(':')[0]);
    assert.deepEqual(steps, ['Downloaded', 'SignatureVerified', 'Installing', 'InstallRebooting', 'Installed'], 'the refused try left no step');
  } finally { await st.stop(); st.cleanup(); }
});

test('settings: the command key only in the file, secrets write-only, every string bounded', async () => {
  const st = await startBorned({ connectors: 1 });
  try {
    const c = await installer(st);
    const cmd = await c.req('PUT', '/api/v1/settings', { 'firmware.install_command': 'sh -c id' });
    assert.equal(cmd.status, 403);
    assert.match(cmd.body.error, /^firmware\.install_command: can only be set in the configuration file/);
    assert.equal((await st.ok('GET', '/api/v1/settings')).settings['firmware.install_command'], '');
    assert.equal(st.ctl('set', 'firmware.install_command=sh -c id').code, 1, 'bornectl set is the API too');

    const key = 'Write-Only-0123456789';
    const put = await c.req('PUT', '/api/v1/settings', { 'ocpp.AuthorizationKey': key });
    assert.equal(put.status, 200);
    assert.deepEqual(put.body.applied, { 'ocpp.AuthorizationKey': { set: true } });
    const all = await c.req('GET', '/api/v1/settings');
    assert.doesNotMatch(JSON.stringify(all.body), new RegExp(key));
    assert.deepEqual(all.body.settings['ocpp.AuthorizationKey'], { set: true });
    const shown = st.ctl('get', 'ocpp.AuthorizationKey');
    assert.equal(shown.stdout.trim(), '(secret, set)');

    const schema = (await c.req('GET', '/api/v1/web/settings-schema')).body.keys;
    const def = (k) => schema.find((d) => d.key === k);
    assert.equal(def('ocpp.AuthorizationKey').secret, true);
    assert.equal(def('firmware.install_command').file_only, true);
    assert.equal(def('ocpp.free_id_tag').max_length, 20);
    assert.ok(schema.filter((d) => d.type === 'string').every((d) => d.max_length >= 1), 'every string key has a bound');

    const long = await c.req('PUT', '/api/v1/settings', { 'ocpp.free_id_tag': 'X'.repeat(60000) });
    assert.equal(long.status, 400);
    assert.match(long.body.error, /^ocpp\.free_id_tag: the value is 60000 characters long; at most 20 are allowed/);
    for (const [k, n] of [['ocpp.CpoName', 64], ['ocpp.ConnectorPhaseRotation', 500], ['ocpp.MeterValuesSampledData', 500]]) {
      const r = await c.req('PUT', '/api/v1/settings', { [k]: 'A'.repeat(n + 1) });
      assert.equal(r.status, 400, k);
      assert.match(r.body.error, new RegExp(`at most ${n} are allowed`));
    }
  } finally { await st.stop(); st.cleanup(); }
});

test('bornectl config export and config import FILE (dry run, errors per key, exit codes)', async () => {
  const st = await startBorned({ connectors: 1 });
  try {
    const exp = st.ctl('config', 'export');
    assert.equal(exp.code, 0, exp.stderr);
    const doc = JSON.parse(exp.stdout);
    assert.equal(doc.format, 'borne-config');
    const file = join(st.dataDir, 'exported.json');
    doc.settings['payment.notice'] = 'Chambre 12';
    doc.settings['station.vendor'] = 'Hotel';
    writeFileSync(file, JSON.stringify(doc));
    const dry = st.ctl('config', 'import', file, '--dry-run');
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /would change payment\.notice: "" -> "Chambre 12"/);
    assert.match(dry.stdout, /would change station\.vendor: .* -> "Hotel" \(after a restart\)/);
    assert.equal((await st.ok('GET', '/api/v1/settings')).settings['payment.notice'], '');
    const run = st.ctl('config', 'import', file);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^2 changed, \d+ unchanged$/m);
    assert.match(run.stdout, /restart borned for: station\.vendor/);
    assert.equal((await st.ok('GET', '/api/v1/settings')).settings['payment.notice'], 'Chambre 12');
    doc.settings['web.lockout_s'] = 0;
    doc.settings['nope.key'] = 1;
    writeFileSync(file, JSON.stringify(doc));
    const bad = st.ctl('config', 'import', file);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /bornectl: 400: settings are invalid: nothing was changed/);
    assert.match(bad.stderr, /^bornectl: {3}web\.lockout_s: /m);
    assert.match(bad.stderr, /^bornectl: {3}nope\.key: /m);
    assert.equal(st.ctl('config', 'import', join(st.dataDir, 'missing.json')).code, 2);
    const json = st.ctl('--json', 'config', 'import', file, '--dry-run');
    assert.equal(json.code, 1);
  } finally { await st.stop(); st.cleanup(); }
});

test('browser: the installer uploads a signed image, follows the steps live, and the station comes back with it', async () => {
  const st = await startBorned({ connectors: 1, set: { 'firmware.allow_unsigned': 'true' } });
  try {
    const pins = await setupPins(st);
    const page = await newPage(browser, st);
    await login(page, 'installer', pins.installer);
    await open(page, 'settings/firmware');
    const running = (await st.status()).station.firmware_version;
    await page.waitForFunction((v) => document.querySelector('[data-test=fw-version]')?.textContent === v, running);
    assert.equal(await page.textContent('[data-test=fw-status]'), 'Idle');
    assert.match(await page.textContent('[data-test=fw-unsigned-allowed]'), /firmware\.allow_unsigned/, 'warns that any signer is accepted');
    await page.waitForFunction(() => document.body.dataset.live === 'on');
    await checkPage(page, 'firmware');

    const signer = makeSigner();
    const image = simImage('8.2.0-page', 300 * 1024);
    const files = (img, sig) => Promise.all([
      page.setInputFiles('#fw-image', { name: 'borne-8.2.0.img', mimeType: 'application/octet-stream', buffer: img }),
      page.setInputFiles('#fw-signature', { name: 'borne-8.2.0.sig', mimeType: 'text/plain', buffer: Buffer.from(sig) }),
      page.setInputFiles('#fw-cert', { name: 'signer.pem', mimeType: 'text/plain', buffer: Buffer.from(signer.cert) }),
    ]);
    // a damaged image: refused, shown live, nothing restarts
    const damaged = Buffer.from(image);
    damaged[damaged.length - 1] ^= 1;
    await files(damaged, signer.sign(image));
    await page.click('form[data-test=fw-upload] button[type=submit]');
    await page.waitForFunction(() => document.querySelector('[data-test=fw-status]').textContent.startsWith('Invalid signature'));
    assert.match(await page.textContent('[data-test=fw-result]'), /not installed/);
    assert.match(await page.textContent('[data-test=fw-log]'), /Uploaded: 307200 bytes/);
    assert.equal(await page.getAttribute('[data-test=fw-progress]', 'value'), '100');

    // the signed one, with a binary (DER) signature file this time
    const der = Buffer.from(signer.sign(image), 'base64');
    await Promise.all([
      page.setInputFiles('#fw-image', { name: 'borne-8.2.0.img', mimeType: 'application/octet-stream', buffer: image }),
      page.setInputFiles('#fw-signature', { name: 'borne-8.2.0.sig', mimeType: 'application/octet-stream', buffer: der }),
    ]);
    await page.click('form[data-test=fw-upload] button[type=submit]');
    await page.waitForFunction(() => [...document.querySelectorAll('[data-test=fw-step]')].some((li) => li.textContent === 'SignatureVerified'));
    await st.waitReady(2);
    assert.equal((await st.status()).station.firmware_version, '8.2.0-page');
    // the station came back on a new port (tests listen on port 0): still logged in there (the
    // session survives a restart, and a cookie is the host's whatever the port)
    await page.goto(`${st.url}/#/settings/firmware`);
    await page.waitForSelector('#nav a[href="#/settings"]');
    assert.equal(await page.locator('form[data-test=login]').count(), 0);
    await page.waitForFunction(() => document.querySelector('[data-test=fw-version]')?.textContent === '8.2.0-page');
    assert.match(await page.textContent('[data-test=fw-status]'), /^Installed/);
    page.errors.length = 0; // the station went away under the old page
    await checkPage(page, 'firmware-installed', { shot: false });
  } finally { await st.stop(); st.cleanup(); }
});

test('browser: self-test and errors page shows the fault with its action, the failed check, the log, and runs the self-test again', async () => {
  const st = await startBorned({ connectors: 2, set: { 'sim.selftest_fail': '2:rcd' } });
  try {
    const pins = await setupPins(st);
    await st.waitFor((s) => s.station.selftest_done, { what: 'self-test done' });
    const page = await newPage(browser, st, { viewport: { width: 1024, height: 900 }, locale: 'fr-FR' });
    await login(page, 'installer', pins.installer);
    await open(page, 'settings/selftest');
    await page.waitForSelector('[data-test=fault][data-connector="2"]');
    assert.match(await page.textContent('[data-test=fault] h3'), /Point de charge 2 — code 102/);
    assert.match(await page.textContent('[data-test=fault] [data-test=action]'), /Replace or rewire the RCD module/);
    assert.equal(await page.locator('[data-test=selftest-results] tr[data-ok=false]').count(), 1);
    assert.match(await page.textContent('tr[data-check="2:rcd"]'), /Contrôleur de courant différentiel.*Échec/);
    assert.ok(await page.locator('[data-test=error-log] li[data-kind=error]').count() >= 1);
    await page.click('#lang'); // English for the screenshot
    await page.waitForSelector('[data-test=fault]');
    await page.waitForFunction(() => document.querySelector('[data-test=selftest-run]')?.textContent === 'Run the self-test again');
    await checkPage(page, 'selftest');
    // French on a phone, where the results table scrolls sideways: no axe finding at all (issue 19)
    await page.setViewportSize({ width: 360, height: 740 });
    await page.click('#lang');
    await page.waitForFunction(() => document.querySelector('[data-test=selftest-run]')?.textContent !== 'Run the self-test again');
    await page.waitForSelector('[data-test=selftest-results]');
    const all = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
    assert.deepEqual(all.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`), [], 'selftest, French phone: axe-core, every impact');
    await page.click('#lang');
    await page.waitForFunction(() => document.querySelector('[data-test=selftest-run]')?.textContent === 'Run the self-test again');
    await page.setViewportSize({ width: 1024, height: 900 });
    // refused while plugged, with the reason; then runs and the log grows live
    assert.equal(st.ctl('plug', '1').code, 0);
    await st.waitStatus(1, 'Preparing');
    await page.click('[data-test=selftest-run]');
    await page.waitForFunction(() => /charge point 1 is in use/.test(document.querySelector('[data-test=selftest-result]').textContent));
    assert.equal(st.ctl('unplug', '1').code, 0);
    await st.waitStatus(1, 'Available');
    const before = await page.locator('[data-test=error-log] li[data-kind=selftest]').count();
    await page.click('[data-test=selftest-run]');
    await page.waitForFunction(() => /Self-test started/.test(document.querySelector('[data-test=selftest-result]').textContent));
    await page.waitForFunction((n) => document.querySelectorAll('[data-test=error-log] li[data-kind=selftest]').length >= n + 3, before);
    assert.deepEqual(page.errors, []);
  } finally { await st.stop(); st.cleanup(); }
});

test('browser: the installer downloads the configuration, and imports an edited one after checking it', async () => {
  const st = await startBorned({ connectors: 1 });
  try {
    const pins = await setupPins(st);
    const page = await newPage(browser, st);
    await login(page, 'installer', pins.installer);
    await open(page, 'settings/backup');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-test=export]')]);
    assert.equal(download.suggestedFilename(), 'borne-config-borne-sim-1.json');
    const file = join(st.dataDir, 'download.json');
    await download.saveAs(file);
    const doc = JSON.parse(readFileSync(file, 'utf8'));
    const api = (await st.ok('GET', '/api/v1/config/export'));
    delete doc.exported_at;
    delete api.exported_at;
    assert.deepEqual(doc, api, 'the download is the API export');

    const put = (d) => page.setInputFiles('#import-file', { name: 'config.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(d)) });
    // wrong keys: listed one by one, nothing to apply
    await put({ ...doc, settings: { ...doc.settings, 'payment.notice': 'Hôtel du Lac', 'web.lockout_s': 0, 'nope.key': 1 } });
    await page.click('form[data-test=import] button[type=submit]');
    await page.waitForSelector('[data-test=import-errors]');
    assert.deepEqual(await page.$$eval('[data-test=import-errors] li', (li) => li.map((x) => x.dataset.key).sort()), ['nope.key', 'web.lockout_s']);
    assert.equal(await page.isHidden('[data-test=import-apply]'), true);
    // not JSON
    await page.setInputFiles('#import-file', { name: 'x.json', mimeType: 'application/json', buffer: Buffer.from('{oops') });
    await page.click('form[data-test=import] button[type=submit]');
    await page.waitForFunction(() => /not JSON/.test(document.querySelector('[data-test=import-result]').textContent));
    // a good edit: preview, then apply
    await put({ ...doc, settings: { ...doc.settings, 'payment.notice': 'Hôtel du Lac', 'station.vendor': 'Lac' } });
    await page.click('form[data-test=import] button[type=submit]');
    await page.waitForSelector('[data-test=import-changes] tr[data-key="payment.notice"]');
    assert.match(await page.textContent('[data-test=import-changes] tr[data-key="station.vendor"]'), /after a restart/);
    assert.equal((await st.ok('GET', '/api/v1/settings')).settings['payment.notice'], '', 'a check changes nothing');
    await checkPage(page, 'backup');
    await page.click('[data-test=import-apply]');
    await page.waitForSelector('[data-test=import-done]');
    assert.match(await page.textContent('[data-test=import-restart]'), /station\.vendor/);
    assert.equal((await st.ok('GET', '/api/v1/settings')).settings['payment.notice'], 'Hôtel du Lac');
  } finally { await st.stop(); st.cleanup(); }
});

test('browser: the owner chooses the charge points of a user; the station then refuses the badge elsewhere', async () => {
  const st = await startBorned({ connectors: 2 });
  try {
    const pins = await setupPins(st);
    const u = (await st.api('POST', '/api/v1/users', { name: 'Room 12' })).body;
    assert.equal(st.ctl('badges', 'add', '04A1', '--user', 'Room 12').code, 0);
    const page = await newPage(browser, st, { viewport: { width: 1024, height: 800 } });
    await login(page, 'owner', pins.owner);
    await open(page, 'users');
    const box1 = `#user-${u.id}-point-1`;
    await page.waitForSelector(box1);
    assert.equal(await page.isChecked(box1), true, 'every point by default');
    await page.uncheck(box1);
    await page.waitForFunction(async (id) => {
      const r = await fetch('/api/v1/users');
      return JSON.stringify((await r.json()).users.find((x) => x.id === id).connectors) === '[2]';
    }, u.id);
    // the last one cannot be unticked
    await page.click(`#user-${u.id}-point-2`);
    await page.waitForFunction(() => /at least one charge point/.test(document.getElementById('toast').textContent));
    assert.equal(await page.isChecked(`#user-${u.id}-point-2`), true);
    await checkPage(page, 'users-points');
    assert.equal(st.ctl('plug', '1').code, 0);
    await st.waitStatus(1, 'Preparing');
    const from = await st.lastEventId();
    assert.equal(st.ctl('tap', '04A1').code, 0);
    assert.equal((await st.waitEvent('auth_refused', { after: from })).connector, 1);
  } finally { await st.stop(); st.cleanup(); }
});
