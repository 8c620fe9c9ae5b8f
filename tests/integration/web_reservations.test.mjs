// Local reservations (issue 19): the reception holds a charge point for a
// guest (a user: any of the user's badges; or one badge) from a time until an
// expiry, through GET/POST /api/v1/reservations and DELETE
// /api/v1/reservations/{id}; the station core's reservation engine (the one
// OCPP's ReserveNow uses) holds the connector; kept across a restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startBorned } from './lib/borne.mjs';
import { setupPins } from './lib/web.mjs';
import { launch, newPage, login, open, checkPage } from './lib/browser.mjs';
import { startCsms } from './lib/csms.mjs';

const iso = (ms) => new Date(ms).toISOString();

test('a reservation for a user holds the connector for the user\'s badges only, until used', async () => {
  const st = await startBorned({ connectors: 2 });
  try {
    assert.equal((await st.api('POST', '/api/v1/users', { name: 'Room 12' })).status, 201);
    assert.equal(st.ctl('badges', 'add', '04A1', '--user', 'Room 12').code, 0);
    assert.equal(st.ctl('badges', 'add', '04A2', '--user', 'Room 12').code, 0);
    assert.equal(st.ctl('badges', 'add', '04B9').code, 0);
    const hour = Date.now() + 3600e3;

    // bad requests name the field
    for (const [body, status, re] of [
      [{ connector: 3, user: 'Room 12', expiry: iso(hour) }, 400, /connector: this station has connectors 1 to 2/],
      [{ connector: 1, user: 'Room 12', badge: '04A1', expiry: iso(hour) }, 400, /badge or user/],
      [{ connector: 1, user: 'Room 12' }, 400, /expiry: required/],
      [{ connector: 1, user: 'Room 12', expiry: '2020-01-01T00:00:00Z' }, 400, /expiry: must be in the future/],
      [{ connector: 1, user: 'Room 12', expiry: 'tomorrow' }, 400, /expiry: `tomorrow` is not an ISO-8601 time/],
      [{ connector: 1, user: 'Nobody', expiry: iso(hour) }, 400, /no user named `Nobody`/],
      [{ connector: 1, badge: 'FFFF', expiry: iso(hour) }, 400, /no badge `FFFF`/],
      [{ connector: 1, user: 'Room 12', expiry: iso(hour), colour: 'red' }, 400, /colour/],
    ]) {
      const r = await st.api('POST', '/api/v1/reservations', body);
      assert.equal(r.status, status, JSON.stringify(body));
      assert.match(r.body.error, re);
    }

    let from = await st.lastEventId();
    const made = await st.api('POST', '/api/v1/reservations', { connector: 1, user: 'Room 12', expiry: iso(hour) });
    assert.equal(made.status, 201);
    assert.ok(made.body.id < 0, 'local reservations have negative ids');
    assert.equal(made.body.user, 'Room 12');
    assert.equal(made.body.state, 'active');
    await st.waitStatus(1, 'Reserved');
    assert.equal((await st.connector(2)).status, 'Available');
    assert.equal((await st.waitEvent('reservation_added', { after: from })).connector, 1);
    // the same connector at an overlapping time: 409
    const clash = await st.api('POST', '/api/v1/reservations', { connector: 1, badge: '04B9', start: iso(hour - 60e3), expiry: iso(hour + 60e3) });
    assert.equal(clash.status, 409);
    assert.match(clash.body.error, /connector 1 is already reserved then/);
    const list = await st.ok('GET', '/api/v1/reservations');
    assert.deepEqual(list.reservations.map((r) => [r.id, r.connector, r.user, r.badge ?? null, r.state]),
      [[made.body.id, 1, 'Room 12', null, 'active']]);

    // another guest's badge does not start on the held connector
    assert.equal(st.ctl('plug', '1').code, 0);
    from = await st.lastEventId();
    assert.equal(st.ctl('tap', '04B9').code, 0);
    await st.waitEvent('auth_accepted', { after: from });
    assert.equal((await st.connector(1)).session, null, 'the reserved connector stays free for Room 12');
    // a second badge of the user does
    assert.equal(st.ctl('tap', '04A2').code, 0);
    const used = await st.waitEvent('reservation_used', { after: from });
    assert.equal(used.connector, 1);
    const s = await st.waitFor((x) => x.connectors[0].session?.user === 'Room 12', { what: 'Room 12 charging on 1' });
    assert.ok(s.connectors[0].session);
    assert.deepEqual((await st.ok('GET', '/api/v1/reservations')).reservations, []);
  } finally { await st.stop(); st.cleanup(); }
});

test('with OCPP authorization a reservation for a user still holds for the user\'s badges only (the back end\'s answer has no parent)', async () => {
  const csms = await startCsms({ tags: { '04A1': 'Accepted', '04A2': 'Accepted', '04B9': 'Accepted' } });
  const st = await startBorned({ connectors: 2, auth: 'ocpp', args: ['--csms', csms.url], set: { 'ocpp.MinimumStatusDuration': '0' } });
  try {
    await csms.connected();
    await st.waitFor((x) => x.station.ocpp?.state === 'connected', { what: 'ocpp connected' });
    assert.equal((await st.api('POST', '/api/v1/users', { name: 'Room 12' })).status, 201);
    assert.equal(st.ctl('badges', 'add', '04A2', '--user', 'Room 12').code, 0);
    assert.equal(st.ctl('badges', 'add', '04B9').code, 0);
    const made = await st.ok('POST', '/api/v1/reservations', { connector: 1, user: 'Room 12', expiry: iso(Date.now() + 3600e3) });
    await st.waitStatus(1, 'Reserved');
    assert.equal(st.ctl('plug', '1').code, 0);
    // another guest's badge, accepted by the back end, does not take the held point
    let from = await st.lastEventId();
    assert.equal(st.ctl('tap', '04B9').code, 0);
    await csms.waitCall('Authorize', { match: (p) => p.idTag === '04B9' });
    await st.waitEvent('auth_accepted', { after: from });
    assert.equal((await st.connector(1)).session, null, 'the reserved connector stays free for Room 12');
    assert.deepEqual((await st.ok('GET', '/api/v1/reservations')).reservations.map((r) => r.id), [made.id]);
    // the user's badge, accepted by the back end, does
    from = await st.lastEventId();
    assert.equal(st.ctl('tap', '04A2').code, 0);
    await csms.waitCall('Authorize', { match: (p) => p.idTag === '04A2' });
    assert.equal((await st.waitEvent('reservation_used', { after: from })).connector, 1);
    const s = await st.waitFor((x) => x.connectors[0].session?.badge === '04A2', { what: '04A2 charging on 1' });
    assert.ok(s.connectors[0].session);
    await csms.waitCall('StartTransaction', { match: (p) => p.idTag === '04A2' && p.connectorId === 1 });
  } finally { await st.stop(); st.cleanup(); await csms.close(); }
});

test('a reservation from a later time holds the connector from its start to its expiry, and survives a restart', async () => {
  let st = await startBorned({ connectors: 2 });
  const dataDir = st.dataDir;
  try {
    assert.equal(st.ctl('badges', 'add', '04C3').code, 0);
    const now = Date.now();
    let from = await st.lastEventId();
    const later = await st.api('POST', '/api/v1/reservations', { connector: 2, badge: '04c3', start: iso(now + 1500), expiry: iso(now + 3500) });
    assert.equal(later.status, 201);
    assert.equal(later.body.state, 'pending');
    assert.equal(later.body.badge, '04C3', 'the badge as stored');
    assert.equal((await st.connector(2)).status, 'Available', 'free before its start');
    assert.equal((await st.waitEvent('reserved', { after: from })).connector, 2);
    assert.equal((await st.connector(2)).status, 'Reserved');
    const over = await st.waitEvent('reservation_expired', { after: from });
    assert.equal(over.connector, 2);
    await st.waitStatus(2, 'Available');
    assert.deepEqual((await st.ok('GET', '/api/v1/reservations')).reservations, []);

    // one for tonight, kept across a restart, then cancelled
    const night = await st.ok('POST', '/api/v1/reservations', { connector: 1, badge: '04C3', expiry: iso(Date.now() + 3600e3) });
    await st.waitStatus(1, 'Reserved');
    await st.stop();
    st = await startBorned({ connectors: 2, dataDir });
    await st.waitStatus(1, 'Reserved');
    const kept = (await st.ok('GET', '/api/v1/reservations')).reservations;
    assert.deepEqual(kept.map((r) => r.id), [night.id]);
    assert.equal((await st.api('DELETE', '/api/v1/reservations/999')).status, 404);
    from = await st.lastEventId();
    assert.deepEqual(await st.ok('DELETE', `/api/v1/reservations/${night.id}`), { deleted: night.id });
    await st.waitEvent('reservation_cancelled', { after: from });
    await st.waitStatus(1, 'Available');
  } finally { await st.stop(); st.cleanup(); }
});

test('the reception reserves a charge point for a guest on the Users and badges page, and cancels it', async () => {
  const st = await startBorned({ connectors: 2 });
  const browser = await launch();
  try {
    const pins = await setupPins(st);
    assert.equal((await st.api('POST', '/api/v1/users', { name: 'Room 12' })).status, 201);
    assert.equal(st.ctl('badges', 'add', '04A1', '--user', 'Room 12').code, 0);
    const page = await newPage(browser, st);
    await login(page, 'owner', pins.owner);
    await open(page, 'users');
    const form = 'form[data-test=add-reservation]';
    await page.waitForSelector(`${form} #resv-who option[value="u:Room 12"]`, { state: "attached" });
    await page.selectOption('#resv-point', '2');
    await page.selectOption('#resv-who', 'u:Room 12');
    // an expiry in the past: the error is shown and the field focused
    await page.fill('#resv-expiry', '2020-01-01T10:00');
    await page.click(`${form} button[type=submit]`);
    await page.waitForFunction(() => document.activeElement?.id === 'resv-expiry' && document.activeElement.getAttribute('aria-invalid') === 'true');
    const until = new Date(Date.now() + 5 * 3600e3);
    const local = new Date(until - until.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
    await page.fill('#resv-expiry', local);
    await page.click(`${form} button[type=submit]`);
    const row = await page.waitForSelector('[data-test=reservations] tr[data-reservation]');
    assert.match(await row.textContent(), /Room 12/);
    assert.match(await row.textContent(), /holding the point/);
    await st.waitStatus(2, 'Reserved');
    const [r] = (await st.ok('GET', '/api/v1/reservations')).reservations;
    assert.equal(r.connector, 2);
    assert.equal(r.user, 'Room 12');
    await checkPage(page, 'users-reservations-phone');
    const all = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
    assert.deepEqual(all.violations.map((v) => `${v.id} (${v.impact})`), [], 'every impact');
    // cancel, after a confirmation
    page.once('dialog', (d) => d.accept());
    await page.click(`tr[data-reservation="${r.id}"] button`);
    await page.waitForSelector('[data-test=reservations]', { state: 'detached' });
    await st.waitStatus(2, 'Available');
  } finally { await browser.close(); await st.stop(); st.cleanup(); }
});
