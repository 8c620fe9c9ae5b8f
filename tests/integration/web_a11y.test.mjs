// Accessibility (issue 19), on a phone: axe-core finds nothing, of any
// impact, on every page, every settings tab and sub-page, the login and the
// public page, in English and French (the desktop: web_a11y_desktop); a
// wrong setting on Save moves the focus to the first invalid field, and the
// focused control has a visible outline.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startBorned } from './lib/borne.mjs';
import { setupPins } from './lib/web.mjs';
import { launch, login, open, PHONE } from './lib/browser.mjs';
import { a11ySweep } from './lib/a11y.mjs';

const DESKTOP = { width: 1280, height: 900 };

test('no axe finding of any impact on any page or tab, in both languages, on a phone', async () => {
  assert.deepEqual(await a11ySweep('phone', PHONE), []);
});

test('Save moves the focus to the first invalid field, with a visible outline; the help in French', async () => {
  const st = await startBorned({ connectors: 2 });
  const browser = await launch();
  try {
    const pins = await setupPins(st);
    const context = await browser.newContext({ viewport: DESKTOP, locale: 'en-GB' });
    const page = await context.newPage();
    page.setDefaultTimeout(20000);
    await page.goto(`${st.url}/`);
    await login(page, 'installer', pins.installer);
    await open(page, 'settings');
    await page.click('#tab-installation');
    const field = '[name="connector.2.selector_a"]';
    await page.fill(field, '99');
    await page.click('form[data-tab=installation] button[type=submit]');
    await page.waitForFunction((sel) => document.activeElement === document.querySelector(sel), field);
    assert.equal(await page.getAttribute(field, 'aria-invalid'), 'true');
    // keyboard focus shows: an outline of at least 2 px that is not "none"
    await page.keyboard.press('Tab');
    await page.keyboard.press('Shift+Tab');
    const outline = await page.evaluate(() => { const s = getComputedStyle(document.activeElement); return [s.outlineStyle, parseFloat(s.outlineWidth)]; });
    assert.notEqual(outline[0], 'none');
    assert.ok(outline[1] >= 2, `outline ${outline}`);
    // in French, the fields' help is French (here one whose English help is the registry's)
    await page.click('#lang');
    await page.waitForFunction(() => document.documentElement.lang === 'fr');
    await page.waitForSelector('#tab-installation');
    await page.click('#tab-installation');
    const hint = await page.waitForSelector('#k-site-margin_a-hint');
    assert.match(await hint.textContent(), /^Ampères gardés libres sous la limite du site/);
    // every field of the task tabs has a human label: no key name left outside Advanced
    const labels = await page.$$eval('form[data-tab]:not([data-tab=advanced]) label[for^="k-"]', (ls) => ls.map((l) => l.textContent));
    assert.ok(labels.length > 60, `${labels.length} fields in the task tabs`);
    assert.deepEqual(labels.filter((x) => /^[a-z_]+(\.[a-z0-9_]+)+/.test(x)), []);
  } finally { await browser.close(); await st.stop(); st.cleanup(); }
});
