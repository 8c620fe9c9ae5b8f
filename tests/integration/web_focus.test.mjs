// After an action the focus goes to what the action changed (issue 19: "focus
// goes to the new content after navigation and after an action"): Start and
// Stop to the charge point's card, Apply in the history to the results, a new
// user or badge to its row; after navigation, to the new page's title.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startBorned } from './lib/borne.mjs';
import { setupPins } from './lib/web.mjs';
import { launch, newPage, login, open, checkPage } from './lib/browser.mjs';

const focused = (page) => page.evaluate(() => {
  const a = document.activeElement;
  return { tag: a?.tagName, id: a?.id, test: a?.dataset.test ?? null, row: a?.closest('tr')?.dataset.user ?? a?.closest('tr')?.dataset.badge ?? null };
});

test('the focus follows navigation and actions: start, stop, apply, a new user and badge', async () => {
  const st = await startBorned({ connectors: 1, speed: 60 });
  const browser = await launch();
  try {
    const pins = await setupPins(st);
    const page = await newPage(browser, st, { viewport: { width: 1280, height: 900 } });
    await login(page, 'owner', pins.owner);
    await page.waitForSelector('[data-connector="1"][data-status="Available"]');
    assert.equal(st.ctl('plug', '1', '--ev-max-current', '16').code, 0);
    await page.waitForSelector('[data-connector="1"][data-status="Preparing"] [data-test=start]');
    await page.click('[data-connector="1"] [data-test=start]');
    await page.waitForSelector('[data-connector="1"][data-status="Charging"]');
    await page.waitForFunction(() => document.activeElement?.id === 'conn-1');
    assert.equal(await page.textContent('#conn-1'), 'Charge point 1');
    await page.click('[data-connector="1"] [data-test=stop]');
    await page.click('[data-connector="1"] [data-test=stop-confirm]');
    await page.waitForSelector('[data-connector="1"]:not([data-status="Charging"])');
    await page.waitForFunction(() => document.activeElement?.id === 'conn-1');
    await checkPage(page, 'dashboard-focus');

    // History: navigation focuses the title, Apply the results
    await open(page, 'history');
    await page.waitForFunction(() => document.activeElement?.tagName === 'H1');
    await page.waitForSelector('[data-test=sessions]');
    await page.click('form.filters button[type=submit]');
    await page.waitForFunction(() => document.activeElement?.dataset.test === 'sessions');
    await page.fill('#f-badge', 'NOSUCHBADGE');
    await page.click('form.filters button[type=submit]');
    await page.waitForFunction(() => document.activeElement?.dataset.test === 'no-sessions');

    // Users: a new user, then a new badge, each focused in its row
    await open(page, 'users');
    await page.fill('#new-user', 'Room 21');
    await page.click('form[data-test=add-user] button[type=submit]');
    await page.waitForFunction(() => document.activeElement?.closest('tr')?.dataset.user !== undefined);
    const u = (await st.ok('GET', '/api/v1/users')).users.find((x) => x.name === 'Room 21');
    assert.equal((await focused(page)).row, String(u.id));
    await page.fill('form[data-test=add-badge] input[name=uid]', '04E1F2A3');
    await page.click('form[data-test=add-badge] button[type=submit]');
    await page.waitForFunction(() => document.activeElement?.closest('tr')?.dataset.badge === '04E1F2A3');
    await checkPage(page, 'users-focus');
  } finally { await browser.close(); await st.stop(); st.cleanup(); }
});
