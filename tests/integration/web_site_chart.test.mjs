// The dashboard's chart of the site against its limit covers the last two
// hours, not only the time since the page opened (issue 19): the station
// keeps the building's highest phase per 10 s (GET /api/v1/site/readings)
// and the page starts its chart from them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startBorned } from './lib/borne.mjs';
import { setupPins } from './lib/web.mjs';
import { launch, newPage, login, checkPage } from './lib/browser.mjs';

test('readings taken before the page opened are on the site chart', async () => {
  const st = await startBorned({ connectors: 1, set: { 'site.limit_a': '40', 'grid.source': 'api' } });
  const browser = await launch();
  try {
    const pins = await setupPins(st);
    assert.deepEqual((await st.ok('GET', '/api/v1/site/readings')).readings, []);
    await st.ok('POST', '/api/v1/grid', { current_a: [10, 12, 8] });
    await st.ok('POST', '/api/v1/grid', { current_a: [30, 35, 28] }); // the same 10 s: its highest
    const r = await st.ok('GET', '/api/v1/site/readings');
    assert.equal(r.step_s, 10);
    assert.equal(r.readings.length, 1);
    assert.equal(r.readings[0].current_a, 35);
    assert.equal(r.readings[0].limit_a, 40);
    assert.ok(Math.abs(Date.parse(r.readings[0].time) - Date.now()) < 60e3);
    // only the owner and the installer read it
    const anon = await fetch(`${st.url}/api/v1/site/readings`);
    assert.equal(anon.status, 401);
    const page = await newPage(browser, st);
    await login(page, 'owner', pins.owner);
    await page.waitForFunction(() => document.querySelector('[data-test=site-chart] desc')?.textContent === 'Now 35.0 A, highest 35.0 A, limit 40.0 A.');
    assert.equal(await page.$$eval('[data-test=site-chart] line.limit', (l) => l.length), 1);
    await checkPage(page, 'dashboard-site-history');
  } finally { await browser.close(); await st.stop(); st.cleanup(); }
});
