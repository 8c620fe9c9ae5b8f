// OCPP 2.1 ad hoc payment via a dynamic QR code (C25, AFIR; issue 16, seed
// 003) against a strict CSMS that picked ocpp2.1: npm ocpp-rpc with the
// OCA's 2.1 schemas (lib/csms.mjs) validates every frame both ways.
// Covers WebPaymentsCtrlr in the device model (GetVariables, the write-only
// SharedSecret, SetVariables refusing what the station cannot take, the full
// report without the secret), the
// public page /c/N showing payment.qr_url's static code until the CSMS
// configured the dynamic one, then the dynamic URL with a one-time password
// the test checks on its own (TOTP v1, HMAC-SHA256 to base62, current,
// previous or next interval), the QR code's SVG read back with zbarimg, and
// the page /c/2 in Chromium (the code on the screen read back, drawn anew
// when its password changes, "payment in progress" instead of it);
// NotifyWebPaymentStarted (an unknown EVSE: CALLERROR; a payment in
// progress hides the code on that EVSE only and refuses a badge for the car
// waiting there, until its timeout or its revocation, or until
// the RequestStartTransaction that follows it, its idToken of 2.1's type
// DirectPayment starting the transaction); the code back once the EVSE is
// free again; the event naming that token with its type DirectPayment. Also
// idTokens longer than the 36 characters borne keeps (issue 16): refused
// wherever they enter, never cut. BORNE_OCPP_PEER=ocpp-ws-io runs it against the second strict
// CSMS (ocpp21_webpay_ws_io.test.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBorned, tempDataDir } from './lib/borne.mjs';
import { Csms } from './lib/csms.mjs';
import { CsmsWsIo } from './lib/csms_ws_io.mjs';
import { launch, checkPage } from './lib/browser.mjs';
import { reportPages } from './lib/ocpp201.mjs';

const Peer = process.env.BORNE_OCPP_PEER === 'ocpp-ws-io' ? CsmsWsIo : Csms;
const SECRET = 'secure!Charging!';
const TEMPLATE = 'https://pay.example.org/{chargingStationId}/{EVSE}/{totp}?v={version}';
let csms, st, scratch;

before(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'borne-webpay-'));
  csms = await new Peer({ protocol: 'ocpp2.1', bootInterval: 300, tags: { GOOD1: 'Accepted', 'PSP-REF-1': 'Accepted' }, handlers: { NotifyReport: () => ({}) } }).listen();
  st = await startBorned({
    dataDir: tempDataDir(), connectors: 2, auth: 'ocpp', args: ['--csms', csms.url],
    set: {
      'station.id': 'cp-w21', 'ocpp.version': '2.1', 'ocpp.MinimumStatusDuration': '0', 'ocpp.reconnect_max_s': '2',
      'payment.qr_url': 'https://static.example.org/{station}/{connector}',
    },
  });
  await st.waitFor((x) => x.station.ocpp?.version === '2.1' && x.station.ocpp.registration === 'Accepted', { what: 'registered in 2.1' });
});

after(async () => {
  await st?.stop();
  st?.cleanup();
  await csms?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

const cv = (variable, attributeValue) => ({ component: { name: 'WebPaymentsCtrlr' }, variable: { name: variable }, ...(attributeValue !== undefined ? { attributeValue } : {}) });
const get = async (...names) => (await csms.call('GetVariables', { getVariableData: names.map((n) => cv(n)) })).getVariableResult;
const set = async (pairs) => (await csms.call('SetVariables', { setVariableData: pairs.map(([n, v]) => cv(n, v)) })).setVariableResult.map((r) => r.attributeStatus);
const page = async (c) => st.ok('GET', `/api/v1/public/connectors/${c}`);

// OCPP 2.1 TOTP v1, written here from the algorithm, not from the station's code
function totp(secret, unixS, validity = 30, length = 12) {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(Math.floor(unixS / validity)));
  const h = createHmac('sha256', Buffer.from(secret, 'utf8')).update(b).digest();
  const a = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
  let s = '';
  for (let i = 0, off = h[h.length - 1] & 0x0f; i < length; i++) s += a[h[(off + i) % h.length] % a.length];
  return s;
}
const validNow = (code) => [0, -30, 30].some((d) => totp(SECRET, Date.now() / 1000 + d) === code);

// The QR code's SVG (1x1 squares of a path) drawn as a PGM image, read by zbarimg.
function decodeQr(svg) {
  const size = Number(/viewBox="0 0 (\d+) \d+"/.exec(svg)[1]);
  const scale = 6;
  const px = Buffer.alloc(size * scale * size * scale, 255);
  for (const [, x, y] of svg.matchAll(/M(\d+) (\d+)h1v1h-1z/g)) {
    for (let dy = 0; dy < scale; dy++) px.fill(0, ((Number(y) * scale + dy) * size + Number(x)) * scale, ((Number(y) * scale + dy) * size + Number(x) + 1) * scale);
  }
  const file = join(scratch, `qr-${Date.now()}.pgm`);
  writeFileSync(file, Buffer.concat([Buffer.from(`P5\n${size * scale} ${size * scale}\n255\n`), px]));
  return execFileSync('zbarimg', ['--raw', '-q', file], { encoding: 'utf8' }).trim();
}

test('WebPaymentsCtrlr: a view of the ocpp.WebPayments* settings, the secret write-only, what the station cannot take refused', async () => {
  const r = await get('Available', 'Enabled', 'TOTPVersion', 'Length', 'ValidityTime', 'URLTemplate', 'SharedSecret');
  assert.deepEqual(r.map((x) => `${x.variable.name}:${x.attributeStatus}:${x.attributeValue ?? ''}`), [
    'Available:Accepted:true', 'Enabled:Accepted:false', 'TOTPVersion:Accepted:v1', 'Length:Accepted:12',
    'ValidityTime:Accepted:30', 'URLTemplate:Accepted:', 'SharedSecret:Rejected:',
  ]);
  assert.deepEqual(await set([
    ['URLTemplate', 'https://pay.example.org/{evse}'], // no {totp}: a static, forgeable code
    ['ValidityTime', '5'], ['Length', '5'], ['TOTPVersion', 'v2'], ['SharedSecret', 'short'], ['Available', 'false'],
  ]), ['Rejected', 'Rejected', 'Rejected', 'Rejected', 'Rejected', 'Rejected']);
  // not configured yet: the static code of payment.qr_url
  const before = await page(1);
  assert.equal(before.web_payment, null);
  assert.equal(before.qr_url, 'https://static.example.org/cp-w21/1');
  assert.deepEqual(await set([['URLTemplate', TEMPLATE], ['SharedSecret', SECRET], ['ValidityTime', '30'], ['Length', '12'], ['Enabled', 'true']]),
    ['Accepted', 'Accepted', 'Accepted', 'Accepted', 'Accepted']);
  assert.equal((await get('SharedSecret'))[0].attributeStatus, 'Rejected');
  assert.equal((await get('URLTemplate'))[0].attributeValue, TEMPLATE);
  // the settings behind it, the secret never shown
  const settings = await st.ok('GET', '/api/v1/settings');
  assert.ok(!JSON.stringify(settings).includes(SECRET), 'the shared secret is not shown');
  // in the full report (NotifyReport, checked against the 2.1 schema): its variables, the secret WriteOnly, without a value
  const from = csms.calls.length;
  assert.equal((await csms.call('GetBaseReport', { requestId: 5, reportBase: 'FullInventory' })).status, 'Accepted');
  const pages = await reportPages(csms, 'NotifyReport', 5, from);
  assert.ok(!JSON.stringify(pages).includes(SECRET), 'the shared secret is not reported');
  const items = pages.flatMap((pg) => pg.reportData ?? []).filter((d) => d.component.name === 'WebPaymentsCtrlr');
  assert.deepEqual(items.map((d) => d.variable.name).sort(), ['Available', 'Enabled', 'Length', 'SharedSecret', 'TOTPVersion', 'URLTemplate', 'ValidityTime']);
  const secret = items.find((d) => d.variable.name === 'SharedSecret').variableAttribute[0];
  assert.equal(secret.mutability, 'WriteOnly');
  assert.equal(secret.value, undefined);
  csms.assertNoViolations();
});

test('the public page shows the dynamic QR code: the EVSE and a valid one-time password, read back from the SVG', async () => {
  const p = await page(2);
  assert.equal(p.qr, true);
  const m = /^https:\/\/pay\.example\.org\/cp-w21\/2\/([0-9A-Za-z]{12})\?v=v1$/.exec(p.qr_url);
  assert.ok(m, p.qr_url);
  assert.ok(validNow(m[1]), `${m[1]} is the code of this time`);
  assert.equal(p.web_payment.qr_url, p.qr_url);
  assert.ok(p.web_payment.refresh_s >= 1 && p.web_payment.refresh_s <= 30);
  assert.equal(p.web_payment.in_progress, false);
  const svg = await st.api('GET', '/api/v1/public/connectors/2/qr.svg');
  assert.equal(svg.status, 200);
  const read = decodeQr(svg.body);
  assert.match(read, /^https:\/\/pay\.example\.org\/cp-w21\/2\/[0-9A-Za-z]{12}\?v=v1$/);
  assert.ok(validNow(read.split('/')[5].split('?')[0]));
  // the dashboard's status has it too
  const c = await st.connector(1);
  assert.match(c.web_payment.qr_url, /\/cp-w21\/1\//);
});

test('the page /c/2 in Chromium: the dynamic QR code read back from the screen, drawn anew when its password changes, "payment in progress" while the driver pays', async () => {
  assert.deepEqual(await set([['ValidityTime', '6']]), ['Accepted']);
  const browser = await launch();
  try {
    const page = await (await browser.newContext({ locale: 'en-GB', viewport: { width: 360, height: 740 } })).newPage();
    page.errors = [];
    page.on('pageerror', (e) => page.errors.push(e.message));
    await page.goto(`${st.url}/c/2`);
    const loaded = () => page.waitForFunction(() => {
      const i = document.querySelector('img[data-test=web-payment-qr]');
      return i && i.complete && i.naturalWidth > 0;
    });
    await loaded();
    const first = await page.textContent('[data-test=web-payment-url]');
    const png = join(scratch, 'page-qr.png');
    await (await page.$('img[data-test=web-payment-qr]')).screenshot({ path: png });
    const read = execFileSync('zbarimg', ['--raw', '-q', png], { encoding: 'utf8' }).trim();
    assert.match(read, /^https:\/\/pay\.example\.org\/cp-w21\/2\/[0-9A-Za-z]{12}\?v=v1$/);
    assert.ok([0, -6, 6, -12].some((d) => totp(SECRET, Date.now() / 1000 + d, 6) === read.split('/')[5].split('?')[0]), read);
    await checkPage(page, 'public-web-payment');
    // a new password within ValidityTime: the page reads it again by itself
    await page.waitForFunction((was) => document.querySelector('[data-test=web-payment-url]')?.textContent !== was, first, { timeout: 15000 });
    await loaded();
    // the driver pays: the page shows it instead of the code
    assert.deepEqual(await csms.call('NotifyWebPaymentStarted', { evseId: 2, timeout: 600 }), {});
    await page.reload();
    await page.waitForSelector('[data-test=web-payment]');
    assert.match(await page.textContent('[data-test=web-payment]'), /Payment in progress/);
    assert.equal(await page.$('img[data-test=web-payment-qr]'), null);
    assert.deepEqual(page.errors, []);
  } finally {
    await browser.close();
    await csms.call('NotifyWebPaymentStarted', { evseId: 2, timeout: 0 });
    assert.deepEqual(await set([['ValidityTime', '30']]), ['Accepted']);
  }
});

test('NotifyWebPaymentStarted: an unknown EVSE is refused; a payment in progress hides the code of that EVSE until its timeout', async () => {
  await assert.rejects(csms.call('NotifyWebPaymentStarted', { evseId: 9, timeout: 60 }), (e) => (e.rpcErrorCode ?? e.code) === 'PropertyConstraintViolation');
  const from = await st.lastEventId();
  assert.deepEqual(await csms.call('NotifyWebPaymentStarted', { evseId: 2, timeout: 3 }), {});
  await st.waitEvent('web_payment', { after: from, match: (e) => e.connector === 2 && /in progress/.test(e.detail) });
  const p = await page(2);
  assert.equal(p.web_payment.in_progress, true);
  assert.ok(p.web_payment.until);
  assert.equal(p.qr, false);
  assert.equal(p.qr_url, null);
  assert.equal((await st.api('GET', '/api/v1/public/connectors/2/qr.svg')).status, 404);
  assert.equal((await page(1)).qr, true, 'the other EVSE keeps its code');
  await st.waitEvent('web_payment', { after: from, match: (e) => e.connector === 2 && /timed out/.test(e.detail) });
  const again = await page(2);
  assert.equal(again.web_payment.in_progress, false);
  assert.equal(again.qr, true);
  // revoked at once by a timeout of 0
  assert.deepEqual(await csms.call('NotifyWebPaymentStarted', { evseId: 2, timeout: 600 }), {});
  assert.equal((await page(2)).web_payment.in_progress, true);
  assert.deepEqual(await csms.call('NotifyWebPaymentStarted', { evseId: 2, timeout: 0 }), {});
  assert.equal((await page(2)).web_payment.in_progress, false);
  csms.assertNoViolations();
});

test('while its driver pays on the web page, a badge is refused for the car waiting there (web_payment); once revoked it starts the charge', async () => {
  assert.equal(st.ctl('plug', '2', '--ev-max-current', '16').code, 0);
  await st.waitFor((x) => x.connectors[1].status === 'Preparing', { what: 'car 2 waiting' });
  assert.deepEqual(await csms.call('NotifyWebPaymentStarted', { evseId: 2, timeout: 600 }), {});
  let from = await st.lastEventId();
  assert.equal(st.ctl('tap', 'GOOD1').code, 0);
  const refused = await st.waitEvent('auth_refused', { after: from });
  assert.equal(refused.reason, 'web_payment');
  assert.deepEqual(await csms.call('NotifyWebPaymentStarted', { evseId: 2, timeout: 0 }), {});
  from = await st.lastEventId();
  assert.equal(st.ctl('tap', 'GOOD1').code, 0);
  await st.waitEvent('session_start', { after: from, match: (e) => e.connector === 2 });
  assert.equal(st.ctl('unplug', '2').code, 0);
  await st.waitStatus(2, 'Available');
  csms.assertNoViolations();
});

test('the RequestStartTransaction that follows the payment (idToken DirectPayment) ends the wait and starts the charge; the code is back once the EVSE is free', async () => {
  const from = await st.lastEventId();
  assert.deepEqual(await csms.call('NotifyWebPaymentStarted', { evseId: 1, timeout: 120 }), {});
  assert.equal((await page(1)).web_payment.in_progress, true);
  const calls = csms.calls.length;
  const r = await csms.call('RequestStartTransaction', { evseId: 1, remoteStartId: 42, idToken: { idToken: 'PSP-REF-1', type: 'DirectPayment' } });
  assert.equal(r.status, 'Accepted');
  await st.waitEvent('web_payment', { after: from, match: (e) => e.connector === 1 && /transaction was started/.test(e.detail) });
  let p = await page(1);
  assert.equal(p.web_payment.in_progress, false);
  assert.equal(p.qr, false, 'no code while the paid start waits for the car');
  assert.equal(st.ctl('plug', '1', '--ev-max-current', '16').code, 0);
  const started = await csms.waitCall('TransactionEvent', { from: calls, match: (x) => x.eventType === 'Started' || x.transactionInfo?.remoteStartId === 42 });
  assert.equal(started.params.evse.id, 1);
  // the token the transaction is authorized by, with the type the CSMS gave it (not Central)
  const named = await csms.waitCall('TransactionEvent', { from: calls, match: (x) => x.idToken !== undefined });
  assert.deepEqual(named.params.idToken, { idToken: 'PSP-REF-1', type: 'DirectPayment' });
  assert.equal(named.params.transactionInfo.remoteStartId, 42);
  await st.waitStatus(1, 'Charging');
  assert.equal((await page(1)).qr, false, 'no code while charging');
  assert.equal(st.ctl('unplug', '1').code, 0);
  await st.waitStatus(1, 'Available');
  p = await page(1);
  assert.equal(p.qr, true);
  assert.ok(validNow(/\/1\/([0-9A-Za-z]{12})\?/.exec(p.qr_url)[1]));
  csms.assertNoViolations();
});

// Issue 16: 2.1 allows idTokens of 255 characters, borne keeps 36: each way in refuses a
// longer one with the reason the schema offers, never cuts it (a cut one could be
// another badge). LONG's first 36 characters are a badge of the local list.
test('idTokens longer than the 36 characters kept: refused, never cut (RequestStart, ReserveNow, SendLocalList, CustomerInformation, the reader)', async () => {
  const SHORT = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'; // 36
  const LONG = `${SHORT}-EXTRA`;
  const version = (await csms.call('GetLocalListVersion', {})).versionNumber;
  assert.deepEqual(await csms.call('SendLocalList', { versionNumber: version + 1, updateType: 'Differential',
    localAuthorizationList: [{ idToken: { idToken: SHORT, type: 'ISO14443' }, idTokenInfo: { status: 'Blocked' } }] }), { status: 'Accepted' });
  const invalid = (r, status) => {
    assert.equal(r.status, status, JSON.stringify(r));
    assert.equal(r.statusInfo?.reasonCode, 'InvalidIdToken', JSON.stringify(r));
  };
  invalid(await csms.call('RequestStartTransaction', { evseId: 1, remoteStartId: 50, idToken: { idToken: LONG, type: 'DirectPayment' } }), 'Rejected');
  invalid(await csms.call('ReserveNow', { id: 71, expiryDateTime: new Date(Date.now() + 600e3).toISOString(), evseId: 1, idToken: { idToken: LONG, type: 'VASReference' } }), 'Rejected');
  invalid(await csms.call('ReserveNow', { id: 72, expiryDateTime: new Date(Date.now() + 600e3).toISOString(), evseId: 1,
    idToken: { idToken: 'GOOD1', type: 'ISO14443' }, groupIdToken: { idToken: LONG, type: 'Central' } }), 'Rejected');
  assert.equal((await page(1)).qr, true, 'no reservation was made');
  // 2.1's own types with a token that fits are taken (decoded with the 2.1 types)
  assert.equal((await csms.call('ReserveNow', { id: 73, expiryDateTime: new Date(Date.now() + 600e3).toISOString(), evseId: 2, idToken: { idToken: 'VAS-1', type: 'VASReference' } })).status, 'Accepted');
  assert.deepEqual(await csms.call('CancelReservation', { reservationId: 73 }), { status: 'Accepted' });
  assert.equal((await csms.call('CustomerInformation', { requestId: 8, report: false, clear: true, idToken: { idToken: 'PSP-REF-1', type: 'DirectPayment' } })).status, 'Accepted');
  // a list with one entry too long fails as a whole: nothing changes, its version neither
  invalid(await csms.call('SendLocalList', { versionNumber: version + 2, updateType: 'Differential', localAuthorizationList: [
    { idToken: { idToken: 'NEW-1', type: 'ISO14443' }, idTokenInfo: { status: 'Accepted' } },
    { idToken: { idToken: LONG, type: 'ISO14443' }, idTokenInfo: { status: 'Accepted' } }] }), 'Failed');
  invalid(await csms.call('SendLocalList', { versionNumber: version + 2, updateType: 'Differential', localAuthorizationList: [
    { idToken: { idToken: 'NEW-1', type: 'ISO14443' }, idTokenInfo: { status: 'Accepted', groupIdToken: { idToken: LONG, type: 'Central' } } }] }), 'Failed');
  assert.equal((await csms.call('GetLocalListVersion', {})).versionNumber, version + 1);
  // the customer of LONG is not SHORT's: nothing reported, nothing cleared
  const from = csms.calls.length;
  invalid(await csms.call('CustomerInformation', { requestId: 9, report: true, clear: true, idToken: { idToken: LONG, type: 'ISO14443' } }), 'Rejected');
  // SHORT itself is as the list says; its report is the only one sent
  const kept = await csms.call('CustomerInformation', { requestId: 10, report: true, clear: false, idToken: { idToken: SHORT, type: 'ISO14443' } });
  assert.equal(kept.status, 'Accepted');
  const report = await csms.waitCall('NotifyCustomerInformation', { from, match: (x) => x.requestId === 10 });
  assert.match(report.params.data, /Blocked/);
  assert.deepEqual(csms.calls.slice(from).filter((c) => c.action === 'NotifyCustomerInformation' && c.params.requestId === 9), []);
  // a badge of 38 characters at the reader: refused at once, no Authorize with a cut token
  const ev = await st.lastEventId();
  const asked = csms.calls.length;
  assert.equal(st.ctl('tap', 'AB'.repeat(19)).code, 0);
  assert.equal((await st.waitEvent('auth_refused', { after: ev })).reason, 'token_too_long');
  assert.deepEqual(csms.calls.slice(asked).filter((c) => c.action === 'Authorize'), []);
  csms.assertNoViolations();
});

// The Authorize answer's groupIdToken of 41 characters whose first 36 are MasterPassGroupId:
// no group for the token (cut, it would be a master pass stopping every transaction).
test('a groupIdToken longer than 36 characters is no group: the token is no master pass', async () => {
  const SHORT = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  const LONG = `${SHORT}-EXTRA`;
  const setVar = async (v) => (await csms.call('SetVariables', { setVariableData: [{ component: { name: 'AuthCtrlr' }, variable: { name: 'MasterPassGroupId' }, attributeValue: v }] })).setVariableResult[0].attributeStatus;
  assert.equal(await setVar(LONG), 'Rejected', 'the setting keeps 36 characters');
  assert.equal(await setVar(SHORT), 'Accepted');
  const saved = csms.handlers.Authorize;
  csms.handlers.Authorize = (c, p) => (p.idToken.idToken === 'MASTER9'
    ? { idTokenInfo: { status: 'Accepted', groupIdToken: { idToken: LONG, type: 'Central' } } } : saved(c, p));
  try {
    assert.equal(st.ctl('plug', '1', '--ev-max-current', '16').code, 0);
    assert.equal(st.ctl('tap', 'GOOD1').code, 0);
    await st.waitFor((x) => x.connectors[0].session, { what: 'a session on 1' });
    const from = await st.lastEventId();
    assert.equal(st.ctl('tap', 'MASTER9').code, 0);
    // answered: accepted (a master pass would be heard as refused, reason master_pass)
    let answer;
    for (let after = from; !answer;) {
      const ev = await st.ok('GET', `/api/v1/events?after=${after}&wait=5`);
      answer = ev.events.find((e) => /^auth_(accepted|refused)$/.test(e.kind) && /MASTER9/.test(e.detail));
      after = ev.last_id;
    }
    assert.equal(answer.kind, 'auth_accepted', JSON.stringify(answer));
    const events = (await st.ok('GET', `/api/v1/events?after=${from}`)).events;
    assert.deepEqual(events.filter((e) => e.kind === 'ocpp_master_pass'), []);
    assert.ok((await st.status()).connectors[0].session, 'the transaction on 1 goes on');
  } finally {
    csms.handlers.Authorize = saved;
    assert.equal(st.ctl('unplug', '1').code, 0);
    await st.waitStatus(1, 'Available');
    assert.equal(await setVar(''), 'Accepted');
  }
  csms.assertNoViolations();
});
