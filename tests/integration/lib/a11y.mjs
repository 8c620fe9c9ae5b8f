// The accessibility sweep of issue 19 (web_a11y, web_a11y_desktop): every
// page, every settings tab and sub-page, the login and the public page, in
// English and French, at one window size; axe-core findings of any impact.
// With BORNE_SCREENSHOTS=DIR (make screenshots) a PNG of each screen there.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBorned } from './borne.mjs';
import { setupPins } from './web.mjs';
import { launch, login, open } from './browser.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const AXE = readFileSync(join(here, '..', '..', 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
const SHOTS = process.env.BORNE_SCREENSHOTS;

/* settings, every tab, fr-FR phone -> settings-every-tab-fr-FR-phone.png */
async function shot(page, name) {
  if (!SHOTS) return;
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name.replace(/[^A-Za-z0-9]+/g, '-').replace(/-+$/, '')}.png`), fullPage: true });
}

/* axe-core's findings of any impact on the page as it is (also used by the tests of single blocks). */
export async function axe(page, name) {
  await shot(page, name);
  if (!(await page.evaluate(() => !!window.axe))) await page.addScriptTag({ content: AXE });
  const r = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  return r.violations.map((v) => `${name}: ${v.id} (${v.impact}) ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`);
}

/* Every screen at `viewport` ('phone' or 'desktop' in the names), both languages: the findings. */
export async function a11ySweep(size, viewport) {
  // with load management (the dashboard's site block and its chart) and a price (costs)
  const st = await startBorned({ connectors: 2, set: { 'tariff.price_kwh': '0.25', 'site.limit_a': '40', 'grid.source': 'api' } });
  const browser = await launch();
  try {
    const pins = await setupPins(st);
    assert.equal((await st.api('POST', '/api/v1/users', { name: 'Room 12' })).status, 201);
    assert.equal(st.ctl('badges', 'add', '04A1', '--user', 'Room 12').code, 0);
    await st.ok('POST', '/api/v1/grid', { current_a: [10, 12, 8] });
    assert.equal(st.ctl('plug', '1').code, 0);
    assert.equal(st.ctl('tap', '04A1').code, 0);
    await st.waitStatus(1, 'Charging');
    await st.ok('POST', '/api/v1/reservations', { connector: 2, user: 'Room 12', expiry: new Date(Date.now() + 3600e3).toISOString() });
    const found = [];
    for (const locale of ['en-GB', 'fr-FR']) {
      const context = await browser.newContext({ viewport, locale });
      const page = await context.newPage();
      const errors = [];
      page.on('pageerror', (e) => errors.push(e.message));
      page.setDefaultTimeout(20000);
      const tag = `${locale} ${size}`;
      await page.goto(`${st.url}/c/1`);
      await page.waitForSelector('[data-test=price]');
      found.push(...await axe(page, `public ${tag}`));
      await page.goto(`${st.url}/`);
      await page.waitForSelector('form[data-test=login]');
      found.push(...await axe(page, `login ${tag}`));
      await login(page, 'installer', pins.installer);
      for (const [name, ready] of [['dashboard', 'main:has([data-connector="1"] [data-test=session-cost]):has([data-test=site-chart] figure[data-points] canvas)'], ['history', '[data-session]'], ['users', '[data-test=reservations] tr[data-reservation]']]) {
        await open(page, name);
        await page.waitForSelector(ready);
        found.push(...await axe(page, `${name} ${tag}`));
      }
      await open(page, 'settings');
      await page.waitForSelector('#tab-advanced');
      const tabs = await page.$$eval('[role=tab]', (ts) => ts.map((x) => x.id));
      assert.ok(tabs.length >= 7, `settings tabs: ${tabs}`);
      await page.click('#tab-backend');
      await page.waitForSelector('#tab-backend[aria-selected=true]');
      found.push(...await axe(page, `settings, one tab shown, ${tag}`));
      // every tab at once: the hidden panels shown for one pass of axe
      await page.evaluate(() => { for (const p of document.querySelectorAll('[role=tabpanel]')) p.hidden = false; });
      found.push(...await axe(page, `settings, every tab, ${tag}`));
      for (const sub of ['firmware', 'selftest', 'backup']) {
        await open(page, `settings/${sub}`);
        await page.waitForLoadState('networkidle');
        found.push(...await axe(page, `settings/${sub} ${tag}`));
      }
      assert.deepEqual(errors, [], `${tag}: no script error`);
      await context.close();
    }
    return found;
  } finally { await browser.close(); await st.stop(); st.cleanup(); }
}
