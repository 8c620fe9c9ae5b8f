// The dashboard's log (issue 19: "what happened and why, newest first"):
// remote starts and stops (with the stop's reason) and faults with their end
// arrive live over the stream, newest first, in English and French.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startBorned } from './lib/borne.mjs';
import { setupPins } from './lib/web.mjs';
import { launch, newPage, login, checkPage } from './lib/browser.mjs';

test('the dashboard log shows remote starts and stops with their reason, and a fault and its end, newest first', async () => {
  const st = await startBorned({ connectors: 1, speed: 60 });
  const browser = await launch();
  try {
    const pins = await setupPins(st);
    const page = await newPage(browser, st);
    await login(page, 'owner', pins.owner);
    await page.waitForSelector('[data-test=log]');
    assert.equal(st.ctl('plug', '1', '--ev-max-current', '16').code, 0);
    await page.waitForSelector('[data-connector="1"][data-status="Preparing"] [data-test=start]');
    await page.click('[data-connector="1"] [data-test=start]');
    await page.waitForSelector('[data-test=log] li[data-kind=session_start]');
    await page.click('[data-connector="1"] [data-test=stop]');
    await page.click('[data-connector="1"] [data-test=stop-confirm]');
    await page.waitForSelector('[data-test=log] li[data-kind=session_stop]');
    assert.match(await page.textContent('[data-test=log] li[data-kind=session_stop]'), /Remote/);
    assert.equal(st.ctl('unplug', '1').code, 0);
    await st.waitStatus(1, 'Available');
    assert.equal(st.ctl('fault', '1', 'rcd').code, 0);
    await page.waitForSelector('[data-test=log] li[data-kind=error]');
    assert.equal(st.ctl('fault', '1', 'clear').code, 0);
    await page.waitForSelector('[data-test=log] li[data-kind=error_cleared]');
    const kinds = await page.$$eval('[data-test=log] li[data-kind]', (li) => li.map((x) => x.dataset.kind));
    const at = (k) => kinds.indexOf(k);
    assert.ok(at('error_cleared') < at('error') && at('error') < at('session_stop') && at('session_stop') < at('session_start'), kinds.join());
    assert.match(await page.textContent('[data-test=log] li[data-kind=error]'), /Fault · Charge point 1 — 101 Residual current detected/);
    assert.match(await page.textContent('[data-test=log] li[data-kind=session_start]'), /Charge started · Charge point 1/);
    // a start from the page has no badge: no empty "badge: ," and no dash before nothing
    assert.doesNotMatch(await page.textContent('[data-test=log] li[data-kind=session_start]'), /badge: ,|badge: $/);
    for (const text of await page.$$eval('[data-test=log] li', (li) => li.map((x) => x.textContent)))
      assert.doesNotMatch(text, /— $/, text);
    await checkPage(page, 'dashboard-log-phone');
  } finally { await browser.close(); await st.stop(); st.cleanup(); }
});
