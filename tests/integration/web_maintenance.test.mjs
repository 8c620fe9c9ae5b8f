// Installer maintenance from the web page (issue 7, Settings): firmware
// upload and install, checked exactly like an OCPP SignedUpdateFirmware
// image; HTTP level here, in a real browser below.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { startBorned } from './lib/borne.mjs';
import { WebClient, setupPins } from './lib/web.mjs';
import { makeSigner, simImage } from './lib/signing.mjs';

async function installer(st) {
  const pins = await setupPins(st);
  const c = new WebClient(st);
  assert.equal((await c.login('installer', pins.installer)).status, 200);
  return c;
}

test('firmware: streamed upload with size limit, signature required and checked, install restarts into the new version', async () => {
  const st = await startBorned({ connectors: 1, set: { 'web.firmware_max_mb': 2 } });
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
