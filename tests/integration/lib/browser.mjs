// The browser side of the web page tests: Debian's chromium driven by
// playwright-core, a page per test with its script errors collected, login,
// navigation, and the checks every screen gets (no horizontal scroll,
// axe-core, a screenshot with BORNE_SCREENSHOTS=DIR).
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const AXE = readFileSync(join(here, '..', '..', 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
const SHOTS = process.env.BORNE_SCREENSHOTS;
export const PHONE = { width: 360, height: 740 };

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export async function newPage(browser, st, { viewport = PHONE, locale = 'en-GB' } = {}) {
  const context = await browser.newContext({ viewport, locale, acceptDownloads: true });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.errors = errors;
  page.setDefaultTimeout(20000);
  await page.goto(`${st.url}/`);
  return page;
}

export async function login(page, role, pin) {
  await page.waitForSelector('form[data-test=login]');
  await page.selectOption('#login-role', role);
  await page.fill('#login-pin', pin);
  await page.click('form[data-test=login] button[type=submit]');
  await page.waitForSelector('#nav a');
}

/* #/name or #/name/sub, once the page's navigation shows it. */
export async function open(page, name) {
  await page.evaluate((n) => { location.hash = `#/${n}`; }, name);
  const [top, sub] = name.split('/');
  await page.waitForSelector(`#nav a[aria-current=page][href="#/${top}"]`);
  if (sub) await page.waitForSelector(`.tabs.sub a[aria-current=page][data-sub="${sub}"]`);
}

/* No horizontal scroll, no serious accessibility violation, and a screenshot. */
export async function checkPage(page, name, { fullPage = true, shot = true } = {}) {
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  const viewport = page.viewportSize().width;
  assert.ok(width <= viewport, `${name}: page is ${width}px wide in a ${viewport}px viewport`);
  await page.addScriptTag({ content: AXE });
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`), [], `${name}: axe-core`);
  if (SHOTS && shot) {
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage });
  }
  assert.deepEqual(page.errors, [], `${name}: no script error`);
}

/* How many pixels of a chart's canvas (uPlot) are of `colour` (#rrggbb, give
 * or take the anti-aliasing: each channel within 40, mostly opaque): what was
 * really drawn, not only what the page says it drew. No other colour of the
 * charts (grid, axes, texts) comes that close to the line's or the limit's. */
export async function chartPixels(page, selector, colour = '#0b5cad') {
  return page.$eval(`${selector} canvas`, (c, hex) => {
    const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) {
      if (Math.abs(d[i] - r) <= 40 && Math.abs(d[i + 1] - g) <= 40 && Math.abs(d[i + 2] - b) <= 40 && d[i + 3] >= 160) n++;
    }
    return n;
  }, colour);
}
