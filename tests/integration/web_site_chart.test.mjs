// The dashboard's chart of the site against its limit covers the last
// hours, not only the time since the page opened, and a restart of the
// station keeps them (issue 19): the station keeps the building's highest
// phase of each minute for 48 hours in its database (GET
// /api/v1/site/readings) and the page starts its chart from them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startBorned } from './lib/borne.mjs';
import { setupPins } from './lib/web.mjs';
import { launch, newPage, login, checkPage, chartPixels } from './lib/browser.mjs';

test('readings taken before the page opened, and before a restart, are on the site chart', async () => {
  let st = await startBorned({ connectors: 1, set: { 'site.limit_a': '40', 'grid.source': 'api' } });
  const dataDir = st.dataDir;
  const browser = await launch();
  try {
    const pins = await setupPins(st);
    assert.deepEqual((await st.ok('GET', '/api/v1/site/readings')).readings, []);
    await st.ok('POST', '/api/v1/grid', { current_a: [10, 12, 8] });
    await st.ok('POST', '/api/v1/grid', { current_a: [30, 35, 28] });
    const r = await st.ok('GET', '/api/v1/site/readings');
    assert.equal(r.step_s, 60);
    // the highest of the minute (the two readings may straddle a minute's end)
    assert.ok(r.readings.length === 1 || r.readings.length === 2, JSON.stringify(r));
    assert.equal(r.readings.at(-1).current_a, 35);
    assert.equal(r.readings.at(-1).limit_a, 40);
    assert.equal(new Date(r.readings.at(-1).time).getUTCSeconds(), 0, 'a minute');
    assert.ok(Math.abs(Date.parse(r.readings.at(-1).time) - Date.now()) < 120e3);
    for (const bad of ['0', '49', 'x', '']) assert.equal((await st.api('GET', `/api/v1/site/readings?hours=${bad}`)).status, 400, bad);
    assert.deepEqual((await st.ok('GET', '/api/v1/site/readings?hours=1')).readings, r.readings);
    // only the owner and the installer read it
    const anon = await fetch(`${st.url}/api/v1/site/readings`);
    assert.equal(anon.status, 401);

    // a restart keeps them (written at the minute's end and at shutdown)
    await st.stop();
    st = await startBorned({ dataDir, connectors: 1, set: { 'site.limit_a': '40', 'grid.source': 'api' } });
    assert.deepEqual((await st.ok('GET', '/api/v1/site/readings')).readings, r.readings);

    const page = await newPage(browser, st);
    await login(page, 'owner', pins.owner);
    await page.waitForFunction(() => document.querySelector('[data-test=site-chart] .chart-desc')?.textContent === 'Now 35.0 A, highest 35.0 A, limit 40.0 A.');
    assert.equal(await page.getAttribute('[data-test=site-chart] figure', 'data-limit'), '40');
    assert.ok(await chartPixels(page, '[data-test=site-chart]', '#b3261e') > 10, 'the limit is drawn');
    assert.ok(await chartPixels(page, '[data-test=site-chart]') > 0, 'the reading is drawn');
    await checkPage(page, 'dashboard-site-history');
    // in French on a phone the long labels wrap: no value is squeezed into a narrow column
    await page.click('#lang');
    await page.waitForFunction(() => document.documentElement.lang === 'fr' && document.querySelector('#site-h')?.textContent === 'Site');
    // 'Site' is the same word in both languages: wait for the block drawn in French
    await page.waitForFunction(() => [...document.querySelectorAll('[data-test=site] dt')].some((dt) => dt.textContent.startsWith('Consommation du bâtiment')));
    await page.waitForSelector('[data-test=site] [data-test=site-building_a]');
    // queried and measured in one evaluation: the dashboard redraws the block with each status,
    // and $$eval's elements, found first, may be detached (0 px) by the time they are measured
    const narrowest = await page.evaluate(() => Math.min(...[...document.querySelectorAll('[data-test=site] dd')].map((d) => d.getBoundingClientRect().width)));
    assert.ok(narrowest >= 100, `a value of the site block is ${narrowest}px wide`);
    await checkPage(page, 'dashboard-site-history-fr');
  } finally { await browser.close(); await st.stop(); st.cleanup(); }
});
