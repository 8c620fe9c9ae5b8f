// Costs with an off-peak price (issue 19): tariff.price_kwh_offpeak applies to
// the energy a session takes inside the charging windows (schedule.windows),
// counted per session (energy_offpeak_wh) in /api/v1/sessions, its CSV and
// GET /status; the CSV's totals=1 adds a total per guest and per month.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startBorned } from './lib/borne.mjs';
import { setupPins } from './lib/web.mjs';
import { launch, newPage, login, open, checkPage, PHONE } from './lib/browser.mjs';

const near = (a, b, tol, what) => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

async function charge(st, c, badge, wh) {
  assert.equal(st.ctl('plug', String(c), '--ev-max-current', '16').code, 0);
  await st.waitStatus(c, 'Preparing');
  assert.equal(st.ctl('tap', badge).code, 0);
  await st.waitFor((s) => (s.connectors[c - 1].session?.energy_wh ?? 0) >= wh, { what: `${wh} Wh on ${c}`, timeoutMs: 30000 });
  const from = await st.lastEventId();
  assert.equal(st.ctl('unplug', String(c)).code, 0);
  const stop = await st.waitEvent('session_stop', { after: from });
  assert.equal(stop.connector, c);
  const [last] = (await st.ok('GET', `/api/v1/sessions?badge=${badge}`)).sessions;
  assert.equal(last.active, false);
  return last;
}

test('energy inside the charging windows is priced off-peak; totals per guest and month in the CSV', async () => {
  const st = await startBorned({ connectors: 2, speed: 60, set: { 'tariff.price_kwh': '0.30', 'tariff.price_kwh_offpeak': '0.10', 'tariff.currency': 'EUR' } });
  try {
    assert.equal(st.ctl('badges', 'add', '04A1', '--user', 'Room 12').code, 0);
    assert.equal(st.ctl('badges', 'add', '04B2', '--user', 'Room 14').code, 0);
    const bad = await st.api('GET', '/api/v1/sessions?format=csv&totals=yes');
    assert.equal(bad.status, 400);
    assert.match(bad.body.error, /totals: `yes` is not 0 or 1/);

    // no charging window: every kWh at the day price
    const day = await charge(st, 1, '04A1', 300);
    assert.equal(day.energy_offpeak_wh, 0);
    near(day.cost, Math.round(day.energy_wh * 0.30 / 10) / 100, 0.011, 'day cost');

    // a window open all week: the whole charge is off-peak, live in GET /status too
    await st.ok('PUT', '/api/v1/settings', { 'schedule.windows': 'Mon-Sun 00:00-24:00' });
    assert.equal(st.ctl('plug', '2', '--ev-max-current', '16').code, 0);
    await st.waitStatus(2, 'Preparing');
    assert.equal(st.ctl('tap', '04B2').code, 0);
    const live = await st.waitFor((s) => (s.connectors[1].session?.energy_offpeak_wh ?? 0) > 100, { what: 'off-peak energy live', timeoutMs: 30000 });
    assert.equal(live.connectors[1].session.tariff.price_kwh_offpeak, 0.1);
    const from = await st.lastEventId();
    assert.equal(st.ctl('unplug', '2').code, 0);
    await st.waitEvent('session_stop', { after: from });
    const night = (await st.ok('GET', '/api/v1/sessions?badge=04B2')).sessions[0];
    near(night.energy_offpeak_wh, night.energy_wh, 0.5, 'off-peak energy of a charge inside the window');
    near(night.cost, Math.round(night.energy_wh * 0.10 / 10) / 100, 0.011, 'night cost');

    // the CSV: off-peak energy per session; totals on demand
    const plain = (await st.api('GET', '/api/v1/sessions?format=csv')).body.trim().split('\n');
    assert.equal(plain[0].split(',').at(-1), 'energy_offpeak_wh');
    assert.equal(plain.length, 3, 'no total rows by default');
    const rows = (await st.api('GET', '/api/v1/sessions?format=csv&totals=1')).body.trim().split('\n').map((l) => l.split(','));
    const head = rows[0];
    const col = (name) => head.indexOf(name);
    const r14 = rows.find((r) => r[col('id')] === String(night.id));
    near(Number(r14[col('energy_offpeak_wh')]), night.energy_offpeak_wh, 0.1, 'CSV off-peak');
    assert.equal(r14[col('cost')], night.cost.toFixed(2));
    const users = rows.filter((r) => r[0] === 'total_user');
    assert.deepEqual(users.map((r) => r[col('user')]).sort(), ['Room 12', 'Room 14']);
    const u12 = users.find((r) => r[col('user')] === 'Room 12');
    assert.equal(u12[col('connector')], '1', 'one session');
    assert.equal(u12[col('cost')], day.cost.toFixed(2));
    assert.equal(u12[col('currency')], 'EUR');
    const months = rows.filter((r) => r[0] === 'total_month');
    assert.equal(months.length, 1);
    assert.match(months[0][col('start')], /^\d{4}-\d\d$/);
    assert.equal(months[0][col('connector')], '2');
    assert.equal(months[0][col('cost')], (day.cost + night.cost).toFixed(2));
    near(Number(months[0][col('energy_wh')]), day.energy_wh + night.energy_wh, 0.2, 'month energy');
    near(Number(months[0][col('energy_offpeak_wh')]), night.energy_offpeak_wh, 0.2, 'month off-peak');

    // the history page: each session's off-peak energy, and the off-peak part of the totals
    const browser = await launch();
    try {
      const pins = await setupPins(st);
      const page = await newPage(browser, st, { viewport: { width: 1280, height: 900 } });
      await login(page, 'owner', pins.owner);
      await open(page, 'history');
      const kwh = (wh) => `${(wh / 1000).toFixed(2)} kWh`;
      await page.waitForSelector(`tr[data-session="${night.id}"] [data-test=offpeak]`);
      assert.equal(await page.textContent(`tr[data-session="${night.id}"] [data-test=offpeak]`), kwh(night.energy_offpeak_wh));
      assert.equal(await page.textContent(`tr[data-session="${day.id}"] [data-test=offpeak]`), '0.00 kWh');
      const perUser = await page.$$eval('[data-test=per-user] tr', (rows) => rows.map((r) => [r.querySelector('th').textContent, r.querySelector('[data-test=offpeak]').textContent]));
      assert.deepEqual(perUser.sort(), [['Room 12', 'off-peak 0.00 kWh'], ['Room 14', `off-peak ${kwh(night.energy_offpeak_wh)}`]]);
      await checkPage(page, 'history-offpeak');
      await page.setViewportSize(PHONE);
      await checkPage(page, 'history-offpeak-phone');
    } finally { await browser.close(); }
  } finally { await st.stop(); st.cleanup(); }
});
