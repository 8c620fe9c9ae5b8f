// The web page in a real browser (issue 7): Debian's chromium driven by
// playwright-core against `borned --sim`. First-start PIN setup, login and
// lock-out, a dashboard that follows a charging car live, learning a badge by
// tapping it, history and its CSV, roles, remote start/stop, the public page's
// QR code read back with zbarimg, a 360 px phone without horizontal scroll,
// and axe-core on every page. Waits only on the DOM and on station events.
// With BORNE_SCREENSHOTS=DIR it writes one PNG per page there (docs/web).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startBorned } from './lib/borne.mjs';
import { setupPins, setupCode } from './lib/web.mjs';
import { startCsms } from './lib/csms.mjs';
import { chartPixels } from './lib/browser.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const AXE = readFileSync(join(here, '..', 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
const SHOTS = process.env.BORNE_SCREENSHOTS;
const PHONE = { width: 360, height: 740 };
const scratch = mkdtempSync(join(tmpdir(), 'borne-web-'));
let browser;

before(async () => {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});
after(async () => {
  await browser?.close();
  rmSync(scratch, { recursive: true, force: true });
});

async function newPage(st, { viewport = PHONE, locale = 'en-GB', timezoneId } = {}) {
  const context = await browser.newContext({ viewport, locale, timezoneId, acceptDownloads: true });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.errors = errors;
  page.setDefaultTimeout(20000);
  await page.goto(`${st.url}/`);
  return page;
}

async function login(page, role, pin) {
  await page.waitForSelector('form[data-test=login]');
  await page.selectOption('#login-role', role);
  await page.fill('#login-pin', pin);
  await page.click('form[data-test=login] button[type=submit]');
  await page.waitForSelector('#nav a');
}

async function open(page, name) {
  await page.evaluate((n) => { location.hash = `#/${n}`; }, name);
  await page.waitForSelector(`#nav a[aria-current=page][href="#/${name}"]`);
}

/* No horizontal scroll, no serious accessibility violation, and a screenshot. */
async function checkPage(page, name) {
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  const viewport = page.viewportSize().width;
  assert.ok(width <= viewport, `${name}: page is ${width}px wide in a ${viewport}px viewport`);
  await page.addScriptTag({ content: AXE });
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`), [], `${name}: axe-core`);
  if (SHOTS) {
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: name !== 'settings' });
  }
  assert.deepEqual(page.errors, [], `${name}: no script error`);
}

test('first start sets the PINs; a wrong PIN is refused, then locked out; language switch', async () => {
  const st = await startBorned({ connectors: 2, set: { 'web.lockout_s': 30 } });
  try {
    const page = await newPage(st);
    await page.waitForSelector('form[data-test=setup]');
    await checkPage(page, 'setup');
    // without the installer's setup code the PINs are refused, with it they are set
    await page.fill('#setup-code', 'AAAAA-AAAAA');
    await page.fill('#setup-owner', '2580');
    await page.fill('#setup-installer', '147258');
    await page.click('form[data-test=setup] button[type=submit]');
    await page.waitForFunction(() => /wrong code/.test(document.querySelector('form[data-test=setup] .error').textContent));
    assert.equal(await page.locator('form[data-test=setup]').count(), 1);
    await page.fill('#setup-code', setupCode(st).toLowerCase());
    await page.fill('#setup-owner', '2580');
    await page.fill('#setup-installer', '147258');
    await page.click('form[data-test=setup] button[type=submit]');
    await page.waitForSelector('form[data-test=login]');
    await checkPage(page, 'login');
    // the lock comes at the third wrong PIN: each wrong one says how many tries are left
    for (const [pin, says] of [['0000', 'Wrong PIN. 2 tries left: a wrong PIN at the last one locks the login for a while.'], ['0001', 'Wrong PIN. Last try: one more wrong PIN locks the login for a while.']]) {
      await page.fill('#login-pin', pin);
      await page.click('form[data-test=login] button[type=submit]');
      await page.waitForFunction(() => document.querySelector('[data-test=login-error]').textContent.includes('Wrong PIN') && document.querySelector('#login-pin').value === '');
      assert.equal(await page.textContent('[data-test=login-error]'), says);
      await page.evaluate(() => { document.querySelector('[data-test=login-error]').textContent = ''; });
    }
    await page.fill('#login-pin', '0002');
    await page.click('form[data-test=login] button[type=submit]');
    await page.waitForFunction(() => /locked for 30 s/.test(document.querySelector('[data-test=login-error]').textContent));
    // the right PIN while locked does not get in, and the wait grows
    await page.fill('#login-pin', '2580');
    await page.click('form[data-test=login] button[type=submit]');
    await page.waitForFunction(() => /locked for 60 s/.test(document.querySelector('[data-test=login-error]').textContent));
    assert.equal(await page.locator('#nav a').count(), 0);
    // French from the switch, kept across reloads
    await page.click('#lang');
    await page.waitForFunction(() => document.documentElement.lang === 'fr' && document.querySelector('form[data-test=login] h1').textContent === 'Connexion');
    await page.reload();
    await page.waitForFunction(() => document.documentElement.lang === 'fr');
    // the installer can still come in
    await login(page, 'installer', '147258');
    assert.ok(await page.locator('#nav a[href="#/settings"]').count());
  } finally { await st.stop(); st.cleanup(); }
});

test('dashboard follows a charging car live; remote start and stop; owner has no settings', async () => {
  const st = await startBorned({ connectors: 2, speed: 60 });
  try {
    const pins = await setupPins(st);
    assert.equal(st.ctl('badges', 'add', '04A1B2C3', '--user', 'Room 12').code, 0);
    const page = await newPage(st, { viewport: { width: 1280, height: 900 } });
    await login(page, 'owner', pins.owner);
    await page.waitForSelector('[data-connector="1"][data-status="Available"]');
    assert.equal(await page.locator('#nav a[href="#/settings"]').count(), 0, 'no settings link for the owner');
    // remote start with the badge, then the car comes
    assert.equal(st.ctl('plug', '1', '--ev-max-current', '16').code, 0);
    await page.waitForSelector('[data-connector="1"][data-status="Preparing"]');
    await page.selectOption('#start-badge-1', '04A1B2C3');
    await page.click('[data-connector="1"] [data-test=start]');
    await page.waitForSelector('[data-connector="1"][data-status="Charging"]');
    const card = '[data-connector="1"]';
    await page.waitForFunction((c) => document.querySelector(`${c} [data-test=power]`).textContent !== '0.00 kW', card);
    const e1 = await page.textContent(`${card} [data-test=session-energy]`);
    // energy grows while we watch (pushed meter readings, no reload)
    await page.waitForFunction(([c, before]) => document.querySelector(`${c} [data-test=session-energy]`).textContent !== before, [card, e1]);
    const e2 = await page.textContent(`${card} [data-test=session-energy]`);
    await page.waitForFunction(([c, before]) => document.querySelector(`${c} [data-test=session-energy]`).textContent !== before, [card, e2]);
    assert.match(await page.textContent(`${card} [data-test=who]`), /Room 12 · 04A1B2C3/);
    assert.match(await page.textContent(`${card} [data-test=power]`), /^\d+(\.\d+)? kW$/);
    assert.match(await page.textContent(`${card} [data-test=limit]`), /^\d+\.\d A, limited by (the cable|the current selector)$/);
    await checkPage(page, 'dashboard');
    await page.setViewportSize(PHONE);
    await checkPage(page, 'dashboard-phone');
    // the owner sets the point's charging mode from its card (owner-settings)
    assert.equal(await page.inputValue(`${card} [data-test=charge-mode]`), 'normal');
    await page.selectOption(`${card} [data-test=charge-mode]`, 'solar_min');
    await st.waitFor((x) => x.connectors[0].charge_mode === 'solar_min', { what: 'mode solar_min' });
    await page.waitForFunction((c) => document.querySelector(`${c} [data-test=charge-mode]`).value === 'solar_min', card);
    await page.selectOption(`${card} [data-test=charge-mode]`, 'normal');
    await st.waitFor((x) => x.connectors[0].charge_mode === 'normal', { what: 'mode normal again' });
    // Stop asks first; Cancel keeps the charge going
    await page.click(`${card} [data-test=stop]`);
    await page.waitForSelector(`${card} [data-test=stop-question]`);
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.test), 'stop-confirm');
    await page.click(`${card} [data-test=stop-cancel]`);
    await page.waitForFunction((c) => document.activeElement === document.querySelector(`${c} [data-test=stop]`), card);
    assert.equal((await st.ok('GET', '/api/v1/sessions')).sessions[0].stop ?? null, null, 'still charging after Cancel');
    await page.click(`${card} [data-test=stop]`);
    await page.click(`${card} [data-test=stop-confirm]`);
    await page.waitForSelector(`${card}[data-status="Finishing"], ${card}[data-status="Preparing"], ${card}[data-status="SuspendedEVSE"]`);
    const [session] = (await st.ok('GET', '/api/v1/sessions')).sessions;
    assert.equal(session.stop_reason, 'Remote');
    assert.equal(session.badge, '04A1B2C3');
    // the owner cannot open the installer's settings
    await page.evaluate(() => { location.hash = '#/settings'; });
    await page.waitForSelector('[data-test=forbidden]');
    assert.equal(await page.locator('form[data-test=settings]').count(), 0);
  } finally { await st.stop(); st.cleanup(); }
});

test('learn a badge by tapping it, charge with it, see it in the history and download the same CSV as the API', async () => {
  // auth.timeout_s at its maximum: at x120 the default is half a second of real time
  const st = await startBorned({ connectors: 1, speed: 120, set: { 'auth.timeout_s': '600' } });
  try {
    const pins = await setupPins(st);
    const evil = '<img src=x onerror=alert(1)><script>alert(2)</script>';
    assert.equal((await st.api('POST', '/api/v1/users', { name: evil })).status, 201);
    const page = await newPage(st);
    await login(page, 'owner', pins.owner);
    await open(page, 'users');
    await page.fill('#new-user', 'Room 21');
    await page.click('form[data-test=add-user] button[type=submit]');
    await page.waitForSelector('[data-test=users] td:text-is("Room 21")');
    // a name with markup is shown as text, nothing is injected
    assert.equal(await page.locator('[data-test=users] td', { hasText: evil }).count(), 1);
    assert.equal(await page.locator('main img, main script').count(), 0);
    await page.click('[data-test=learn]');
    await page.waitForFunction(() => document.querySelector('[data-test=learn]').getAttribute('aria-pressed') === 'true');
    assert.equal(st.ctl('tap', '04:c3:d2:e1').code, 0);
    await page.waitForFunction(() => document.querySelector('#new-uid').value === '04C3D2E1');
    await page.selectOption('#new-badge-user', 'Room 21');
    await page.click('form[data-test=add-badge] button[type=submit]');
    await page.waitForSelector('[data-badge="04C3D2E1"]');
    await checkPage(page, 'users');
    const badge = (await st.ok('GET', '/api/v1/badges')).badges.find((b) => b.uid === '04C3D2E1');
    assert.equal(badge.user, 'Room 21');
    assert.equal(badge.enabled, true);

    // charge with the learned badge
    assert.equal(st.ctl('plug', '1').code, 0);
    await st.waitStatus(1, 'Preparing');
    assert.equal(st.ctl('tap', '04C3D2E1').code, 0);
    const s = await st.waitFor((x) => x.connectors[0].status === 'Charging' && x.connectors[0].session?.energy_wh > 0, { what: 'charging with the learned badge' });
    assert.equal(s.connectors[0].session.user, 'Room 21');
    assert.equal(st.ctl('unplug', '1').code, 0);
    await st.waitStatus(1, 'Available');

    await open(page, 'history');
    await page.waitForSelector('[data-test=sessions] tr[data-session]');
    const row = page.locator('[data-test=sessions] tbody tr').first();
    assert.match(await row.textContent(), /Room 21/);
    assert.match(await row.textContent(), /04C3D2E1/);
    assert.match(await page.textContent('[data-test=per-user]'), /Room 21/);
    await checkPage(page, 'history');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-test=csv]')]);
    const file = join(scratch, 'sessions.csv');
    await download.saveAs(file);
    const api = await st.api('GET', '/api/v1/sessions?format=csv');
    assert.equal(readFileSync(file, 'utf8'), api.body);
    assert.match(api.body, /Room 21/);
    // filters: a user with no session shows none
    await page.selectOption('#f-user', evil);
    await page.click('form.filters button[type=submit]');
    await page.waitForSelector('[data-test=no-sessions]');
    // the session's OCMF signed records and the station's public key, for transparency software
    await page.selectOption('#f-user', '');
    await page.click('form.filters button[type=submit]');
    await page.click('[data-test=sessions] tbody tr button');
    await page.waitForSelector('[data-test=ocmf] pre');
    const shown = await page.textContent('[data-test=ocmf]');
    assert.match(shown, /OCMF\|/);
    assert.match(shown, /BEGIN PUBLIC KEY/);
  } finally { await st.stop(); st.cleanup(); }
});

test('installer settings are grouped and saved; the public page shows the notice and a QR code that decodes to the URL', async () => {
  const st = await startBorned({ connectors: 2 });
  try {
    const pins = await setupPins(st);
    const page = await newPage(st);
    await login(page, 'installer', pins.installer);
    await open(page, 'settings');
    await page.waitForSelector('form[data-test=settings][data-tab=installation]');
    assert.ok(await page.locator('form[data-tab=badges] [name="auth.mode"]').count());
    // the Badges tab shows the reader's state (station.reader): here the simulator's
    assert.equal(await page.getAttribute('form[data-tab=badges] [data-test=reader-state]', 'data-state'), 'up');
    assert.match(await page.textContent('form[data-tab=badges] [data-test=reader-state]'), /sim · POST \/api\/v1\/sim\/tap — connected/);
    const url = 'https://pay.example.org/{station}/{connector}';
    await page.click('#tab-network');
    await page.fill('[name="payment.qr_url"]', url);
    await page.fill('[name="payment.notice"]', '0,35 €/kWh — <b>TVA</b> incluse');
    await page.click('form[data-tab=network] button[type=submit]');
    await page.waitForFunction(() => document.querySelector('form[data-tab=network] [data-test=settings-result]').textContent === 'Saved.');
    // a secret is write-only: an empty password field that says whether it is set
    await page.click('#tab-backend');
    const secret = page.locator('[name="ocpp.AuthorizationKey"]');
    assert.equal(await secret.getAttribute('type'), 'password');
    assert.equal(await secret.inputValue(), '');
    assert.equal(await secret.getAttribute('data-secret'), 'not-set');
    await secret.fill('Basic-Key-From-The-Page-01');
    // the install command is the configuration file's alone
    assert.equal(await page.locator('[name="firmware.install_command"]').isDisabled(), true);
    await page.click('form[data-tab=backend] button[type=submit]');
    await page.waitForFunction(() => document.querySelector('form[data-tab=backend] [data-test=settings-result]').textContent === 'Saved.');
    const saved = (await st.ok('GET', '/api/v1/settings')).settings;
    assert.equal(saved['payment.qr_url'], url);
    assert.deepEqual(saved['ocpp.AuthorizationKey'], { set: true });
    assert.equal(await secret.inputValue(), '', 'never shown back');
    assert.equal(await secret.getAttribute('data-secret'), 'set');
    await checkPage(page, 'settings');

    const pub = await browser.newPage({ viewport: PHONE, locale: 'fr-FR' });
    await pub.goto(`${st.url}/c/2`);
    const img = await pub.waitForSelector('img[data-test=qr]');
    await pub.waitForFunction(() => document.querySelector('img[data-test=qr]').complete && document.querySelector('img[data-test=qr]').naturalWidth > 0);
    assert.equal(await pub.textContent('[data-test=notice]'), '0,35 €/kWh — <b>TVA</b> incluse');
    assert.equal(await pub.textContent('[data-test=status]'), 'Disponible');
    const png = join(scratch, 'qr.png');
    await img.screenshot({ path: png });
    const decoded = execFileSync('zbarimg', ['--raw', '-q', png], { encoding: 'utf8' }).trim();
    assert.equal(decoded, 'https://pay.example.org/borne-sim-1/2');
    pub.errors = [];
    await checkPage(pub, 'public');
    await pub.close();
  } finally { await st.stop(); st.cleanup(); }
});

test('over HTTPS (web.https, self-signed): setup, login and live updates work the same', async () => {
  const st = await startBorned({ connectors: 1, auth: 'free', speed: 60, set: { 'web.https': true } });
  try {
    assert.equal(st.scheme, 'https');
    const context = await browser.newContext({ viewport: PHONE, ignoreHTTPSErrors: true });
    const page = await context.newPage();
    page.setDefaultTimeout(20000);
    await page.goto(`${st.url}/`);
    await page.fill('#setup-code', setupCode(st));
    await page.fill('#setup-owner', '2580');
    await page.fill('#setup-installer', '147258');
    await page.click('form[data-test=setup] button[type=submit]');
    await login(page, 'owner', '2580');
    await page.waitForFunction(() => document.body.dataset.live === 'on');
    assert.equal(st.ctl('plug', '1').code, 0);
    await page.waitForFunction(() => document.querySelector('[data-connector="1"] [data-test=power]')?.textContent !== '0.00 kW');
    const cookies = await context.cookies();
    assert.equal(cookies.find((c) => c.name === 'borne_session').secure, true);
    await context.close();
  } finally { await st.stop(); st.cleanup(); }
});

test('installer changes the OCPP back-end URL on the page and the station reconnects without a restart; the page says why a back end fails', async () => {
  const a = await startCsms({});
  const b = await startCsms({});
  const st = await startBorned({ connectors: 1, auth: 'free', args: ['--csms', a.url], set: { 'station.id': 'cp-web' } });
  try {
    await a.waitCall('BootNotification');
    const pins = await setupPins(st);
    const page = await newPage(st);
    await login(page, 'installer', pins.installer);
    await open(page, 'settings');
    await page.click('#tab-backend');
    const field = page.locator('[name="ocpp.url"]');
    await field.waitFor();
    assert.equal(await field.inputValue(), a.url);
    await field.fill(b.url);
    await page.click('form[data-tab=backend] button[type=submit]');
    await page.waitForFunction(() => document.querySelector('form[data-tab=backend] [data-test=settings-result]').textContent === 'Saved.');
    const boot = await b.waitCall('BootNotification');
    assert.equal(boot.identity, 'cp-web');
    const s = await st.waitFor((x) => x.station.ocpp.state === 'connected' && x.station.ocpp.url === b.url, { what: 'connected to the new back end' });
    assert.equal(s.station.ocpp.registration, 'Accepted');
    // the dashboard shows the back end's state: connected, its protocol and queue
    await open(page, 'dashboard');
    await page.waitForFunction(() => document.querySelector('[data-test=dashboard-backend] [data-test=ocpp-state]')?.dataset.state === 'connected');
    assert.equal(await page.textContent('[data-test=dashboard-backend] [data-test=ocpp-state]'), 'connected');
    assert.match(await page.textContent('[data-test=dashboard-backend]'), /ProtocolOCPP 1\.6/);
    assert.equal(await page.textContent('[data-test=dashboard-backend] [data-test=ocpp-queue]'), '0');
    // since when: the connection's start, in the page's date format (en-GB: dd/mm/yyyy, hh:mm)
    assert.match(await page.textContent('[data-test=dashboard-backend] [data-test=ocpp-since]'), /^\d\d\/\d\d\/\d{4},? \d\d:\d\d/);
    await open(page, 'settings');
    await page.click('#tab-backend');
    await page.waitForSelector('form[data-tab=backend] [data-test=ocpp-link]');
    assert.equal(await page.textContent('form[data-tab=backend] [data-test=ocpp-state]'), 'connected');
    // a back end the station cannot reach: the Back end tab says why
    await page.locator('[name="ocpp.url"]').fill(a.url.replace('ws://', 'wss://'));
    await page.click('form[data-tab=backend] button[type=submit]');
    await page.waitForFunction(() => document.querySelector('form[data-tab=backend] [data-test=settings-result]').textContent === 'Saved.');
    // the dashboard follows live (ocpp_disconnected event): not connected, and the last error
    await open(page, 'dashboard');
    const why = await st.waitFor((x) => /^TLS: /.test(x.station.ocpp.last_error ?? ''), { what: 'the TLS failure' });
    await page.waitForFunction(() => /^TLS: /.test(document.querySelector('[data-test=dashboard-backend] [data-test=ocpp-error]')?.textContent ?? ''));
    assert.notEqual(await page.getAttribute('[data-test=dashboard-backend] [data-test=ocpp-state]', 'data-state'), 'connected');
    assert.match(await page.textContent('[data-test=dashboard-backend] [data-test=ocpp-error]'), /did not answer in TLS/);
    // the log gets the event over the stream: wait for it rather than race it
    await page.waitForFunction(() => /Back end lost/.test(document.querySelector('[data-test=log]')?.textContent ?? ''));
    await checkPage(page, 'dashboard-ocpp-error');
    await open(page, 'settings');
    await page.click('#tab-backend');
    await page.waitForSelector('form[data-tab=backend] [data-test=ocpp-error]');
    assert.match(await page.textContent('form[data-tab=backend] [data-test=ocpp-error]'), /^TLS: .*did not answer in TLS/);
    assert.match(await page.textContent('form[data-tab=backend] [data-test=ocpp-state]'), /^(waiting to reconnect|connecting)$/);
    void why;
    await checkPage(page, 'settings-ocpp-error');
    // a back end that is not running (a closed port): the tab says so in words
    const closed = await new Promise((resolve) => {
      const srv = createServer().listen(0, '127.0.0.1', () => { const { port } = srv.address(); srv.close(() => resolve(port)); });
    });
    await page.locator('[name="ocpp.url"]').fill(`ws://127.0.0.1:${closed}/ocpp`);
    await page.click('form[data-tab=backend] button[type=submit]');
    await page.waitForFunction(() => document.querySelector('form[data-tab=backend] [data-test=settings-result]').textContent === 'Saved.');
    await st.waitFor((x) => /cannot connect to 127\.0\.0\.1 port/.test(x.station.ocpp.last_error ?? ''), { what: 'the refused connection' });
    await open(page, 'dashboard');
    await page.waitForFunction(() => /is the back end running/.test(document.querySelector('[data-test=dashboard-backend] [data-test=ocpp-error]')?.textContent ?? ''));
    assert.deepEqual(page.errors, []);
    b.assertNoViolations();
  } finally { await st.stop(); st.cleanup(); await a.close(); await b.close(); }
});

test('installer sets the charging windows on the settings page; a wrong window is refused with the reason', async () => {
  const st = await startBorned({ connectors: 1 });
  try {
    const pins = await setupPins(st);
    const page = await newPage(st);
    await login(page, 'installer', pins.installer);
    await open(page, 'settings');
    await page.click('#tab-load');
    const windows = page.locator('form[data-tab=load] [name="schedule.windows"]');
    await windows.fill('Mon-Sun 25:00-06:00');
    await page.click('form[data-tab=load] button[type=submit]');
    await page.waitForFunction(() => document.querySelector('form[data-tab=load] [data-test=settings-result]').className === 'error');
    assert.match(await page.textContent('form[data-tab=load] [data-test=settings-result]'), /schedule\.windows/);
    // the station's refusal is marked on the field itself, which gets the focus
    await page.waitForFunction(() => document.activeElement?.name === 'schedule.windows' && document.activeElement.getAttribute('aria-invalid') === 'true');
    assert.equal((await st.ok('GET', '/api/v1/settings')).settings['schedule.windows'] ?? '', '');
    await windows.fill('Mon-Fri 22:00-06:00; Sat-Sun 00:00-24:00');
    await page.click('form[data-tab=load] button[type=submit]');
    await page.waitForFunction(() => document.querySelector('form[data-tab=load] [data-test=settings-result]').textContent === 'Saved.');
    // the windows apply at once; the time zone (Installation) at the next start (the page says so)
    await page.click('#tab-installation');
    await page.fill('[name="site.timezone"]', 'Europe/Paris');
    await page.click('form[data-tab=installation] button[type=submit]');
    await page.waitForFunction(() => /^Saved/.test(document.querySelector('form[data-tab=installation] [data-test=settings-result]').textContent));
    assert.match(await page.textContent('form[data-tab=installation] [data-test=settings-result]'), /site\.timezone/);
    const s = await st.status();
    assert.equal(s.station.site.window.windows, 'Mon-Fri 22:00-06:00; Sat-Sun 00:00-24:00');
    assert.equal((await st.ok('GET', '/api/v1/settings')).settings['site.timezone'], 'Europe/Paris');
    assert.deepEqual(page.errors, []);
  } finally { await st.stop(); st.cleanup(); }
});

test('the owner gives a user charging windows of their own on the Users page', async () => {
  const st = await startBorned({ connectors: 1, set: { 'schedule.windows': 'Mon-Sun 22:00-06:00' } });
  try {
    const pins = await setupPins(st);
    const { id } = await st.ok('POST', '/api/v1/users', { name: 'Room 12' });
    const page = await newPage(st);
    await login(page, 'owner', pins.owner);
    await open(page, 'users');
    const input = page.locator(`#user-${id}-windows`);
    await input.waitFor();
    assert.equal(await input.getAttribute('placeholder'), 'Mon-Sun 22:00-06:00', 'the station\'s windows shown as the default');
    await input.fill('Sat-Sun 25:00-26:00');
    await input.press('Enter');
    await page.waitForFunction((sel) => document.querySelector(sel).getAttribute('aria-invalid') === 'true', `#user-${id}-windows`);
    assert.match(await page.textContent('#toast'), /windows/);
    assert.equal((await st.ok('GET', `/api/v1/users/${id}/windows`)).windows, null);
    await input.fill('Sat-Sun 00:00-24:00');
    await input.press('Enter');
    await page.waitForFunction((sel) => !document.querySelector(sel).hasAttribute('aria-invalid'), `#user-${id}-windows`);
    assert.equal((await st.ok('GET', `/api/v1/users/${id}/windows`)).windows, 'Sat-Sun 00:00-24:00');
    await checkPage(page, 'users-windows');
  } finally { await st.stop(); st.cleanup(); }
});

test('the dashboard shows the site: limit, building load per phase and what charging may use', async () => {
  const st = await startBorned({ connectors: 1, set: { 'site.limit_a': '40', 'grid.source': 'api' } });
  try {
    const pins = await setupPins(st);
    await st.ok('POST', '/api/v1/grid', { current_a: [10, 12, 8] });
    const page = await newPage(st);
    await login(page, 'owner', pins.owner);
    await page.waitForSelector('[data-test=site] [data-test=site-building_a]');
    assert.match(await page.textContent('[data-test=site-building_a]'), /10.*\/.*12.*\/.*8/);
    assert.match(await page.textContent('[data-test=site]'), /Site limit per phase/);
    // the building's load against the limit, drawn live from the grid readings
    await page.waitForSelector('[data-test=site-chart] figure[data-limit="40"] canvas', { state: 'attached' });
    for (const a of [[20, 25, 18], [30, 35, 28]]) {
      // the stream carries at most one grid reading a second: a reading in the same second is sent again
      for (let i = 0; ; i++) {
        await st.ok('POST', '/api/v1/grid', { current_a: a });
        try {
          await page.waitForFunction((max) => document.querySelector('[data-test=site-chart] .chart-desc')?.textContent.startsWith(`Now ${max}.0 A`), Math.max(...a), { timeout: 1500 });
          break;
        } catch (e) { if (i === 10) throw e; }
      }
    }
    assert.match(await page.textContent('[data-test=site-chart] .chart-desc'), /^Now 35\.0 A, highest 35\.0 A, limit 40\.0 A\.$/);
    // uPlot drew the load (blue) and the limit (red, dashed) on its canvas
    assert.ok(await chartPixels(page, '[data-test=site-chart]') > 10);
    assert.ok(await chartPixels(page, '[data-test=site-chart]', '#b3261e') > 10);
    await checkPage(page, 'dashboard-site');
  } finally { await st.stop(); st.cleanup(); }
});

test('the owner sets the station\'s charging windows on the Users page; settings stay the installer\'s', async () => {
  const st = await startBorned({ connectors: 1 });
  try {
    const pins = await setupPins(st);
    const page = await newPage(st);
    await login(page, 'owner', pins.owner);
    await open(page, 'users');
    const input = page.locator('form[data-test=station-windows] [name="schedule.windows"]');
    await input.fill('Mon-Sun 25:00-06:00');
    await page.click('form[data-test=station-windows] button[type=submit]');
    await page.waitForFunction(() => document.querySelector('[data-test=windows-result]').className === 'error');
    assert.match(await page.textContent('[data-test=windows-result]'), /schedule\.windows/);
    await input.fill('Mon-Sun 22:00-06:00');
    await page.click('form[data-test=station-windows] button[type=submit]');
    await page.waitForFunction(() => document.querySelector('[data-test=windows-result]').textContent === 'Saved.');
    assert.equal((await st.status()).station.site.window.windows, 'Mon-Sun 22:00-06:00');
    // the owner's session may change only those keys
    const denied = await page.evaluate(async () => {
      const csrf = (await (await fetch('/api/v1/web/session')).json()).csrf;
      const r = await fetch('/api/v1/owner-settings', { method: 'PUT', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf }, body: JSON.stringify({ 'site.limit_a': 10 }) });
      const r2 = await fetch('/api/v1/settings', { method: 'PUT', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf }, body: JSON.stringify({ 'schedule.windows': '' }) });
      return [r.status, r2.status];
    });
    assert.deepEqual(denied, [403, 403]);
    await checkPage(page, 'users-station-windows');
  } finally { await st.stop(); st.cleanup(); }
});

const TABS = {
  en: ['Installation', 'Meters', 'Load management and charging windows', 'Badges and readers', 'Back end (OCPP)', 'Network, web page and payment', 'Firmware and maintenance', 'Advanced (all keys)'],
  fr: ['Installation', 'Compteurs', 'Gestion de charge et plages horaires', 'Badges et lecteurs', 'Système central (OCPP)', 'Réseau, page web et paiement', 'Micrologiciel et maintenance', 'Avancé (toutes les clés)'],
};

test('settings are task tabs labelled in English and French; a wrong value is marked, explained and focused; the Back end tab saves while another tab holds it', async () => {
  const csms = await startCsms({});
  const st = await startBorned({ connectors: 2, auth: 'free' });
  try {
    const pins = await setupPins(st);
    const page = await newPage(st);
    await login(page, 'installer', pins.installer);
    await open(page, 'settings');
    await page.waitForSelector('[role=tab][data-tab=installation][aria-selected=true]');
    assert.deepEqual(await page.locator('[role=tab]').allTextContents(), TABS.en);
    assert.equal(await page.textContent('label[for="k-connector-1-selector_a"]'), 'Current selector (point 1) (A)');
    assert.equal(await page.textContent('label[for="k-site-limit_a"]'), 'Main breaker (site limit) (A)');
    // the raw key list is still there, by key name
    assert.equal(await page.textContent('form[data-tab=advanced] label[for="k-connector-1-tethered"]'), 'connector.1.tethered');
    // the Installation tab on a phone: its height (reported in docs/web.md)
    const height = await page.evaluate(() => document.documentElement.scrollHeight);
    console.log(`# settings page height on a ${PHONE.width}x${PHONE.height} phone, Installation tab: ${height} px`);
    assert.ok(height < 6000, `settings page is ${height} px tall on a phone`);
    // checked while typing, from the registry's allowed values
    const sel = page.locator('[name="connector.1.selector_a"]');
    await sel.fill('13');
    await page.waitForFunction(() => document.querySelector('[name="connector.1.selector_a"]').getAttribute('aria-invalid') === 'true');
    assert.equal(await page.textContent('#k-connector-1-selector_a-err'), 'One of: 32, 25, 20, 16, 12, 8.');
    assert.match(await sel.getAttribute('aria-describedby'), /k-connector-1-selector_a-err/);
    await checkPage(page, 'settings-invalid');
    // a range from the registry, too
    const margin = page.locator('[name="site.margin_a"]');
    const before = await margin.inputValue();
    await margin.fill('x');
    await page.waitForFunction(() => document.querySelector('[name="site.margin_a"]').getAttribute('aria-invalid') === 'true');
    await margin.fill(before);
    // Save on this tab: nothing is sent, the wrong field gets the focus
    await page.click('form[data-tab=installation] button[type=submit]');
    await page.waitForFunction(() => document.activeElement?.name === 'connector.1.selector_a');
    assert.equal(await page.textContent('form[data-tab=installation] [data-test=settings-result]'), 'Fix the marked field first: nothing was saved.');
    assert.equal((await st.ok('GET', '/api/v1/settings')).settings['connector.1.selector_a'], 32);
    // the Back end tab is saved all the same
    await page.click('#tab-backend');
    assert.equal(await page.getAttribute('[data-test=ocpp-link]', 'data-state'), 'disabled');
    await page.fill('[name="ocpp.url"]', csms.url);
    await page.fill('[name="ocpp.HeartbeatInterval"]', '90000');
    await page.waitForFunction(() => document.querySelector('#k-ocpp-HeartbeatInterval-err')?.textContent === 'From 0 to 86400.');
    await page.fill('[name="ocpp.HeartbeatInterval"]', '300');
    await page.waitForFunction(() => !document.querySelector('[name="ocpp.HeartbeatInterval"]').hasAttribute('aria-invalid'));
    await page.click('form[data-tab=backend] button[type=submit]');
    await page.waitForFunction(() => document.querySelector('form[data-tab=backend] [data-test=settings-result]').textContent === 'Saved.');
    const saved = (await st.ok('GET', '/api/v1/settings')).settings;
    assert.equal(saved['ocpp.url'], csms.url);
    assert.equal(saved['connector.1.selector_a'], 32, 'the invalid value of the other tab was not sent');
    await csms.waitCall('BootNotification');
    // French: the same tabs, labels and messages in French
    await page.click('#lang');
    await page.waitForFunction(() => document.documentElement.lang === 'fr' && document.querySelector('[role=tab][data-tab=meters]')?.textContent === 'Compteurs');
    assert.deepEqual(await page.locator('[role=tab]').allTextContents(), TABS.fr);
    assert.equal(await page.textContent('label[for="k-connector-1-selector_a"]'), 'Sélecteur de courant (point 1) (A)');
    await page.locator('[name="connector.2.selector_a"]').fill('7');
    await page.waitForFunction(() => document.querySelector('#k-connector-2-selector_a-err')?.textContent === 'Une de ces valeurs : 32, 25, 20, 16, 12, 8.');
    await checkPage(page, 'settings-fr');
  } finally { await st.stop(); st.cleanup(); await csms.close(); }
});

test('the dashboard log shows the limit load management sets, in English and French', async () => {
  const st = await startBorned({
    connectors: 1, auth: 'free',
    set: { 'site.limit_a': 20, 'site.margin_a': 0, 'grid.source': 'api', 'grid.stale_s': 3600, 'energy.min_on_s': 0, 'energy.min_off_s': 0 },
  });
  try {
    const pins = await setupPins(st);
    const page = await newPage(st);
    await login(page, 'owner', pins.owner);
    await page.waitForSelector('[data-test=log]');
    const from = await st.lastEventId();
    // the building already draws 12 A of the site's 20 A on every phase
    await st.ok('POST', '/api/v1/grid', { current_a: [12, 12, 12] });
    assert.equal(st.ctl('plug', '1').code, 0);
    // the session's share (the first event may say 0 A: waiting for its round)
    const lim = await st.waitEvent('limit', { after: from, match: (e) => JSON.parse(e.detail).current_a > 0 });
    assert.equal(lim.connector, 1);
    assert.equal(lim.reason, 'load_management');
    const { current_a: amps } = JSON.parse(lim.detail);
    assert.ok(amps >= 6 && amps <= 8, `offered ${amps} A`);
    await page.waitForSelector('[data-test=log] li[data-kind=limit]');
    assert.equal(await page.textContent('[data-test=log] li[data-kind=limit] [data-test=why]'), `${amps.toFixed(1)} A, set by load management`);
    assert.match(await page.textContent('[data-test=log] li[data-kind=limit]'), /Limit applied · Charge point 1/);
    await page.click('#lang');
    await page.waitForFunction(() => document.documentElement.lang === 'fr');
    await page.reload();
    await page.waitForSelector('[data-test=log] li[data-kind=limit]');
    assert.equal(await page.textContent('[data-test=log] li[data-kind=limit] [data-test=why]'), `${amps.toFixed(1)} A, fixé par la gestion de charge`);
  } finally { await st.stop(); st.cleanup(); }
});

test('the dashboard log says why a badge was refused, newest first, live', async () => {
  const st = await startBorned({ connectors: 1 });
  try {
    const pins = await setupPins(st);
    await st.ok('POST', '/api/v1/badges', { uid: '04:d4:e5:f6', user: 'Room 14', enabled: false });
    const page = await newPage(st);
    await login(page, 'owner', pins.owner);
    await page.waitForSelector('[data-test=log]');
    assert.equal(st.ctl('plug', '1').code, 0);
    assert.equal(st.ctl('tap', '04:d4:e5:f6').code, 0);
    await page.waitForSelector('[data-test=log] li[data-kind=auth_refused]');
    assert.equal(await page.textContent('[data-test=log] li[data-kind=auth_refused] [data-test=why]'), '04D4E5F6: badge disabled (Users and badges)');
    assert.match(await page.textContent('[data-test=log] li[data-kind=auth_refused]'), /Badge refused · Charge point 1/);
    // a badge nobody knows: the newest entry comes first
    assert.equal(st.ctl('tap', 'AABBCCDD').code, 0);
    await page.waitForFunction(() => document.querySelector('[data-test=log] li[data-kind=auth_refused] [data-test=why]')?.textContent.startsWith('AABBCCDD'));
    assert.equal(await page.textContent('[data-test=log] li:first-child [data-test=why]'), 'AABBCCDD: unknown badge (not in the list)');
    // the station recorded why (the event's reason), so the badge enabled since
    // changes nothing: after a reload the log is read back from the station's
    // event log, in the same order, with the reasons of the moment
    const refused = await st.ok('GET', '/api/v1/events?after=0&limit=1000');
    assert.deepEqual(refused.events.filter((e) => e.kind === 'auth_refused').map((e) => [e.detail, e.reason]),
      [['04D4E5F6', 'badge_disabled'], ['AABBCCDD', 'badge_unknown']]);
    await st.ok('PUT', '/api/v1/badges/04D4E5F6', { enabled: true });
    await page.reload();
    await page.waitForSelector('[data-test=log] li[data-kind=auth_refused]');
    const whys = await page.locator('[data-test=log] li[data-kind=auth_refused] [data-test=why]').allTextContents();
    assert.deepEqual(whys.slice(0, 2), ['AABBCCDD: unknown badge (not in the list)', '04D4E5F6: badge disabled (Users and badges)']);
    await checkPage(page, 'dashboard-log');
  } finally { await st.stop(); st.cleanup(); }
});

test('borned restarts with the page open: "connection lost" within 2 s, stale values greyed, back by itself, still logged in', async () => {
  const st = await startBorned({ connectors: 1 });
  let again;
  try {
    const pins = await setupPins(st);
    assert.equal(st.ctl('badges', 'add', '04A1B2C3', '--user', 'Room 12').code, 0);
    const page = await newPage(st, { viewport: { width: 1280, height: 900 } });
    await login(page, 'owner', pins.owner);
    await page.waitForSelector('[data-connector="1"][data-status="Available"]');
    await page.waitForFunction(() => document.body.dataset.live === 'on');
    assert.equal(await page.isHidden('[data-test=conn-lost]'), true);
    await st.stop();
    await page.waitForSelector('[data-test=conn-lost]:not([hidden])', { timeout: 2000 });
    assert.match(await page.textContent('[data-test=conn-lost]'), /^Connection to the station lost, reconnecting…/);
    // the values shown are greyed as stale
    assert.equal(await page.evaluate(() => getComputedStyle(document.querySelector('[data-connector="1"] [data-test=power]')).opacity), '0.75');
    // a click meanwhile says why nothing happened, not "Failed to fetch"
    await page.click('[data-connector="1"] [data-test=start]');
    await page.waitForFunction(() => document.getElementById('toast').textContent !== '');
    assert.equal(await page.textContent('#toast'), 'The station does not answer (restarting?): try again when the connection is back.');
    // the same station comes back on the same address
    again = await startBorned({ dataDir: st.dataDir, connectors: 1, args: ['--http', `127.0.0.1:${st.port}`] });
    assert.equal(again.port, st.port);
    await page.waitForSelector('[data-test=conn-lost]', { state: 'hidden' });
    await page.waitForFunction(() => document.body.dataset.live === 'on');
    // still logged in, with the same CSRF token: a remote start works without a new login
    assert.equal(await page.locator('form[data-test=login]').count(), 0);
    assert.equal(again.ctl('plug', '1', '--ev-max-current', '16').code, 0);
    await page.waitForSelector('[data-connector="1"][data-status="Preparing"]');
    await page.selectOption('#start-badge-1', '04A1B2C3');
    await page.click('[data-connector="1"] [data-test=start]');
    await page.waitForSelector('[data-connector="1"][data-status="Charging"]');
    assert.equal(await page.evaluate(() => getComputedStyle(document.querySelector('[data-connector="1"] [data-test=power]')).opacity), '1');
    await page.reload();
    await page.waitForSelector('[data-connector="1"][data-status="Charging"]');
    assert.deepEqual(page.errors, []);
    // a logout is kept across a restart too
    await page.click('#logout');
    await page.waitForSelector('form[data-test=login]');
    await again.stop();
    again = await startBorned({ dataDir: st.dataDir, connectors: 1, args: ['--http', `127.0.0.1:${st.port}`] });
    await page.reload();
    await page.waitForSelector('form[data-test=login]');
  } finally {
    await st.stop();
    if (again) await again.stop();
    st.cleanup();
  }
});

test('charts: a charge point\'s power live and from the stored samples, the energy per day in the history', async () => {
  const st = await startBorned({ connectors: 1, auth: 'free', speed: 60 });
  try {
    const pins = await setupPins(st);
    const page = await newPage(st, { viewport: { width: 1280, height: 900 } });
    await login(page, 'owner', pins.owner);
    const chart = '[data-connector="1"] [data-test=power-chart]';
    await page.waitForSelector(`${chart} [role=img] canvas`);
    // nothing yet, or the idle meter's 0 W readings (the station's clock runs 60 times faster)
    assert.match(await page.textContent(`${chart} .chart-desc`), /^(No charge in the last 2 hours\.|Highest 0\.00 kW, latest 0\.00 kW\.)$/);
    assert.equal(st.ctl('plug', '1', '--ev-max-current', '16').code, 0);
    await page.waitForSelector('[data-connector="1"][data-status="Charging"]');
    // the line grows from the live readings (a point per 10 s of station time)
    await page.waitForFunction((c) => Number(document.querySelector(`${c} figure`)?.dataset.points ?? 0) > 3
      && !document.querySelector(`${c} .chart-desc`).textContent.startsWith('Highest 0.00'), chart);
    assert.match(await page.textContent(`${chart} .chart-desc`), /^Highest \d+\.\d+ kW, latest \d+\.\d+ kW\.$/);
    assert.match(await page.getAttribute(`${chart} [role=img]`, 'aria-labelledby'), /-t .*-d$/);
    assert.ok(await chartPixels(page, chart) > 10, 'the line is on the canvas');
    // the station kept samples: downsampled by the API, and drawn at once after a reload
    const r = await st.ok('GET', '/api/v1/samples?connector=1&points=10');
    assert.ok(r.points.length >= 1 && r.points.length <= 10, JSON.stringify(r));
    assert.ok(r.points.some((p) => p.power_w > 1000 && p.samples >= 1), JSON.stringify(r.points));
    assert.equal(r.step_s, 720);
    assert.equal((await st.api('GET', '/api/v1/samples?connector=2')).status, 400);
    assert.equal((await st.api('GET', '/api/v1/samples?connector=1&points=0')).status, 400);
    assert.equal((await st.api('GET', '/api/v1/samples?connector=1&since=2026-01-02&until=2026-01-01')).status, 400);
    await page.reload();
    await page.waitForFunction((c) => Number(document.querySelector(`${c} figure`)?.dataset.points ?? 0) > 1, chart);
    assert.ok(await chartPixels(page, chart) > 10, 'the stored samples are drawn after a reload');
    await checkPage(page, 'dashboard-chart');
    await page.setViewportSize(PHONE);
    await checkPage(page, 'dashboard-chart-phone');
    assert.equal(st.ctl('unplug', '1').code, 0);
    await st.waitFor((s) => s.connectors[0].status === 'Available', { what: 'Available' });
    await open(page, 'history');
    await page.waitForSelector('[data-test=per-day] figure[data-points] canvas');
    // after navigation the focus is on the new page's title
    await page.waitForFunction(() => document.activeElement?.tagName === 'H1' && document.activeElement.textContent === 'History');
    assert.match(await page.textContent('[data-test=per-day] .chart-desc'), /^Days shown: 1; \d+\.\d\d kWh in all, most on .+: \d+\.\d\d kWh\.$/);
    assert.match(await page.textContent('[data-test=per-month-card] .chart-desc'), /^Months shown: 1; most in \w+ \d{4}: \d+\.\d\d kWh\.$/);
    assert.equal(await page.getAttribute('[data-test=per-month-card] figure', 'data-points'), '1');
    assert.ok(await chartPixels(page, '[data-test=per-day]') > 20, 'the day\'s bar is on the canvas');
    assert.ok(await chartPixels(page, '[data-test=per-month-card]') > 20, 'the month\'s bar is on the canvas');
    await checkPage(page, 'history-chart-phone');
  } finally { await st.stop(); st.cleanup(); }
});

test('costs: the price on the public page, the cost per session and per guest in the history, the API and its CSV; a later price change leaves past sessions alone', async () => {
  const st = await startBorned({ connectors: 1, speed: 60, set: { 'tariff.price_kwh': '0.25', 'tariff.price_hour': '1', 'tariff.currency': 'EUR' } });
  try {
    const pins = await setupPins(st);
    assert.equal(st.ctl('badges', 'add', '04A1B2C3', '--user', 'Room 12').code, 0);
    const page = await newPage(st);
    // the public page shows the price before charging
    await page.goto(`${st.url}/c/1`);
    await page.waitForSelector('[data-test=price]');
    assert.equal(await page.textContent('[data-test=price]'), 'Price: €0.25 per kWh + €1.00 per hour plugged in');
    assert.deepEqual((await st.ok('GET', '/api/v1/public/connectors/1')).tariff, { price_kwh: 0.25, price_hour: 1, currency: 'EUR' });
    // a charge with the guest's badge
    assert.equal(st.ctl('plug', '1', '--ev-max-current', '16').code, 0);
    await st.waitStatus(1, 'Preparing');
    assert.equal(st.ctl('tap', '04A1B2C3').code, 0);
    await st.waitStatus(1, 'Charging');
    assert.deepEqual((await st.connector(1)).session.tariff, { price_kwh: 0.25, price_kwh_offpeak: 0, price_hour: 1, currency: 'EUR' });
    // the dashboard shows the cost so far, growing live
    await page.goto(`${st.url}/`);
    await login(page, 'owner', pins.owner);
    const cost = '[data-connector="1"] [data-test=session-cost]';
    await page.waitForSelector(cost);
    const c1 = await page.textContent(cost);
    assert.match(c1, /^€\d+\.\d\d$/);
    await page.waitForFunction(([sel, before]) => document.querySelector(sel)?.textContent !== before, [cost, c1]);
    assert.equal(st.ctl('unplug', '1').code, 0);
    await st.waitStatus(1, 'Available');
    const [s] = (await st.ok('GET', '/api/v1/sessions')).sessions;
    const hours = (Date.parse(s.stop) - Date.parse(s.start)) / 3600000;
    assert.equal(s.currency, 'EUR');
    assert.equal(s.cost, Math.round((s.energy_wh / 1000 * 0.25 + hours) * 100) / 100);
    assert.ok(s.cost > 0);
    const csv = (await st.api('GET', '/api/v1/sessions?format=csv')).body.trim().split('\n');
    assert.match(csv[0], /,cost,currency,/);
    assert.ok(csv[1].includes(`,${s.cost.toFixed(2)},EUR,`), csv[1]);
    // a new price applies to new sessions only
    await st.ok('PUT', '/api/v1/settings', { 'tariff.price_kwh': 5 });
    assert.equal((await st.ok('GET', `/api/v1/sessions/${s.id}`)).cost, s.cost);
    // the history: cost per session, energy and cost per guest and per month
    await open(page, 'history');
    await page.waitForSelector(`[data-session="${s.id}"] [data-test=cost]`);
    const eur = new Intl.NumberFormat('en', { style: 'currency', currency: 'EUR' }).format(s.cost);
    assert.equal(await page.textContent(`[data-session="${s.id}"] [data-test=cost]`), eur);
    assert.equal(await page.textContent('[data-test=per-user] tr:has(th:text-is("Room 12")) [data-test=cost]'), eur);
    assert.equal(await page.textContent('[data-test=per-month] [data-test=cost]'), eur);
    await checkPage(page, 'history-costs-phone');
    // the badge filter takes a part of the UID, any case, with separators
    await page.fill('#f-badge', 'a1:b2');
    await page.click('form.filters button[type=submit]');
    await page.waitForSelector(`[data-session="${s.id}"]`);
    await page.fill('#f-badge', 'b2c4');
    await page.click('form.filters button[type=submit]');
    await page.waitForSelector('[data-test=no-sessions]');
    // the installer sets the prices in the Network, web page and payment tab
    await page.click('#logout');
    await login(page, 'installer', pins.installer);
    await open(page, 'settings');
    await page.click('#tab-network');
    assert.equal(await page.textContent('label[for="k-tariff-price_kwh"]'), 'Price per kWh (/kWh)');
    await page.fill('[name="tariff.price_kwh"]', '0.3');
    await page.click('form[data-tab=network] button[type=submit]');
    await page.waitForFunction(() => document.querySelector('form[data-tab=network] [data-test=settings-result]').textContent === 'Saved.');
    assert.equal((await st.ok('GET', '/api/v1/public/connectors/1')).tariff.price_kwh, 0.3);
  } finally { await st.stop(); st.cleanup(); }
});

test('dates and times in the page\'s language and the station\'s zone, typed dates in the page\'s order, the CSV\'s local times, history as cards on a phone', async () => {
  // the station in Tokyo (UTC+9, no DST), the browser in New York: the station's zone wins
  const st = await startBorned({ connectors: 1, auth: 'free', speed: 60, set: { 'site.timezone': 'Asia/Tokyo' } });
  try {
    const pins = await setupPins(st);
    assert.equal(st.ctl('plug', '1', '--ev-max-current', '16').code, 0);
    await st.waitStatus(1, 'Charging');
    assert.equal(st.ctl('unplug', '1').code, 0);
    await st.waitStatus(1, 'Available');
    const [s] = (await st.ok('GET', '/api/v1/sessions')).sessions;
    const inTokyo = (loc) => new Intl.DateTimeFormat(loc, { dateStyle: 'short', timeStyle: 'short', timeZone: 'Asia/Tokyo' }).format(new Date(s.start));
    const page = await newPage(st, { locale: 'fr-FR', timezoneId: 'America/New_York' });
    await login(page, 'owner', pins.owner);
    await open(page, 'history');
    await page.click('#lang'); // the browser is French; the switch makes the page English: en-GB, not US
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    await page.click('#lang');
    await page.waitForFunction(() => document.documentElement.lang === 'fr');
    await page.waitForSelector(`[data-session="${s.id}"]`);
    assert.equal(await page.textContent(`[data-session="${s.id}"] [data-test=start]`), inTokyo('fr-FR'));
    assert.equal(await page.getAttribute('#f-since', 'placeholder'), 'jj/mm/aaaa');
    // a wrong date is marked and explained, and nothing is asked of the station
    await page.fill('#f-since', '31/02/2026');
    await page.click('form.filters button[type=submit]');
    await page.waitForSelector('#f-since[aria-invalid=true]');
    assert.equal(await page.textContent('#f-since-err'), 'Ce n’est pas une date : tapez-la sous la forme jj/mm/aaaa.');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'f-since');
    // the day of the session in Tokyo finds it; the next day does not
    const day = new Intl.DateTimeFormat('fr-FR', { day: '2-digit', month: '2-digit', year: 'numeric', timeZone: 'Asia/Tokyo' }).format(new Date(s.start));
    const [dd, mm, yyyy] = day.split('/').map(Number);
    const next = new Date(Date.UTC(yyyy, mm - 1, dd + 1));
    const nextText = `${String(next.getUTCDate()).padStart(2, '0')}/${String(next.getUTCMonth() + 1).padStart(2, '0')}/${next.getUTCFullYear()}`;
    await page.fill('#f-since', nextText);
    await page.click('form.filters button[type=submit]');
    await page.waitForSelector('[data-test=no-sessions]');
    assert.equal(await page.getAttribute('#f-since', 'aria-invalid'), null);
    await page.fill('#f-since', day);
    await page.fill('#f-until', day);
    await page.click('form.filters button[type=submit]');
    await page.waitForSelector(`[data-session="${s.id}"]`);
    const href = await page.getAttribute('[data-test=csv]', 'href');
    assert.match(href, /since=\d{4}-\d\d-\d\dT15%3A00%3A00\.000Z/); // Tokyo's midnight in UTC
    // a card per session on a phone: labelled cells, nothing scrolls sideways
    assert.equal(await page.evaluate(() => getComputedStyle(document.querySelector('table.sessions tr[data-session]')).display), 'block');
    assert.equal(await page.evaluate(() => getComputedStyle(document.querySelector('table.sessions td[data-label]'), '::before').content), '"Début"');
    assert.ok(await page.evaluate(() => { const l = document.querySelector('table.sessions').parentElement; return l.scrollWidth <= l.clientWidth; }));
    await checkPage(page, 'history-phone-fr');
    // English: British dates, still Tokyo's time
    await page.click('#lang');
    await page.waitForSelector(`[data-session="${s.id}"]`);
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    await page.waitForFunction((want) => document.querySelector('[data-test=start]')?.textContent === want, inTokyo('en-GB'));
    // the CSV keeps UTC and adds the station's local times
    const csv = (await st.api('GET', '/api/v1/sessions?format=csv')).body.trim().split('\n');
    assert.match(csv[0], /,start_local,stop_local,energy_offpeak_wh$/);
    const local = new Date(Date.parse(s.start) + 9 * 3600000).toISOString().slice(0, 19);
    assert.ok(csv[1].includes(`,${s.start},`) && csv[1].includes(`,${local}+09:00,`), csv[1]);
  } finally { await st.stop(); st.cleanup(); }
});
