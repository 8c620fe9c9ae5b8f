// OCPP 2.0.1 display messages and the CSMS's cost (issue 16, blocks O and I)
// against a strict CSMS: npm ocpp-rpc in strict mode validates every
// SetDisplayMessage / GetDisplayMessages / ClearDisplayMessage / CostUpdated
// answer and every NotifyDisplayMessages borne sends against its 2.0.1
// schemas. Covers a message set, shown in the status and on the public
// connector page's data, read back by GetDisplayMessages (NotifyDisplayMessages
// with the requestId, Unknown when none matches), replaced by id, kept across
// a restart, cleared (Accepted, then Unknown); one with an endDateTime gone at
// that time; one for a transaction refused for an unknown one
// (UnknownTransaction), shown during its transaction and gone when it ends;
// CostUpdated shown as the running cost, the TransactionEvent Ended answer's
// totalCost and updatedPersonalMessage as the final one; the
// DisplayMessageCtrlr and TariffCostCtrlr variables (Currency a view of
// tariff.currency); the driver's personal message of the Authorize answer
// replaced by a TransactionEvent answer's (I01, I06), the cost kept across a
// restart and in the history; the fallback messages offline and without a
// total cost (I04, I05); under 2.1 a QRCODE message drawn as a QR code, and /c/1
// in Chromium showing it and the message in the page's language. BORNE_OCPP_PEER=ocpp-ws-io
// runs it against the second strict CSMS (ocpp201_display_ws_io.test.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Csms } from './lib/csms.mjs';
import { ocpp201Rig, Peer201 } from './lib/ocpp201.mjs';
import { launch, checkPage } from './lib/browser.mjs';

const TOTAL = 7.35;
let nextMessage = null; // I06: the personal message the next TransactionEvent answer gives
let endTotal = true; // the Ended answer has the totalCost
const handlers = {
  NotifyDisplayMessages: () => ({}),
  Authorize: (csms, p) => ({
    idTokenInfo: { ...csms.idTagInfo(p.idToken.idToken), ...(p.idToken.idToken === 'MSG1' ? { personalMessage: { format: 'UTF8', content: 'Tarif: 0.30 CHF/kWh' } } : {}) },
  }),
  TransactionEvent: (csms, p) => {
    const updated = nextMessage;
    nextMessage = null;
    return {
      ...(p.idToken ? { idTokenInfo: csms.idTagInfo(p.idToken.idToken) } : {}),
      ...(updated ? { updatedPersonalMessage: { format: 'UTF8', content: updated } } : {}),
      ...(p.eventType === 'Ended' && endTotal ? { totalCost: TOTAL, updatedPersonalMessage: { format: 'UTF8', content: 'Merci, à bientôt' } } : {}),
    };
  },
};
const rig = ocpp201Rig('cp-o', { peer: { tags: { GOOD1: 'Accepted', MSG1: 'Accepted' }, handlers }, set: { 'tariff.currency': 'CHF' } });

let csms, st;
before(async () => ({ csms, st } = await rig.up()));
after(() => rig.down(st, csms));

const msg = (id, content, extra = {}) => ({ id, priority: 'NormalCycle', message: { format: 'UTF8', content, ...(extra.language ? { language: extra.language } : {}) }, ...extra, language: undefined });
const set = async (info) => (await csms.call('SetDisplayMessage', { message: JSON.parse(JSON.stringify(info)) })).status;
const shown = (x, c) => x.connectors[c - 1].display_messages.map((m) => m.content);
const pub = async (c) => st.ok('GET', `/api/v1/public/connectors/${c}`);

/** The NotifyDisplayMessages of requestId sent after `from`, once the last came. */
async function notified(requestId, from) {
  await csms.waitCall('NotifyDisplayMessages', { from, match: (p) => p.requestId === requestId && !p.tbc });
  return csms.calls.slice(from).filter((c) => c.action === 'NotifyDisplayMessages' && c.params.requestId === requestId).flatMap((c) => c.params.messageInfo ?? []);
}

test('SetDisplayMessage: shown in the status and on the public page, read back, replaced by id, kept across a restart (O01, O03, O06)', async () => {
  assert.equal(await set(msg(1, 'Welcome', { language: 'en' })), 'Accepted');
  assert.equal(await set(msg(2, 'Bienvenue', { language: 'fr', priority: 'AlwaysFront' })), 'Accepted');
  assert.equal(await set(msg(3, 'Only here', { display: { name: 'DisplayMessageCtrlr', evse: { id: 2 } } })), 'Accepted');
  assert.equal(await set(msg(4, 'No such EVSE', { display: { name: 'DisplayMessageCtrlr', evse: { id: 9 } } })), 'Rejected');
  const s = await st.status();
  assert.deepEqual(shown(s, 1), ['Bienvenue', 'Welcome'], 'AlwaysFront first');
  assert.deepEqual(shown(s, 2), ['Bienvenue', 'Welcome', 'Only here']);
  const m = s.connectors[0].display_messages[1];
  assert.equal(m.id, 1);
  assert.equal(m.language, 'en');
  assert.equal(m.format, 'UTF8');
  const p = await pub(2);
  assert.deepEqual(p.display_messages.map((x) => x.content), ['Bienvenue', 'Welcome', 'Only here']);
  // GetDisplayMessages: every one, then by priority, then none
  let from = csms.calls.length;
  assert.equal((await csms.call('GetDisplayMessages', { requestId: 5 })).status, 'Accepted');
  assert.deepEqual((await notified(5, from)).map((x) => x.id).sort(), [1, 2, 3]);
  from = csms.calls.length;
  assert.equal((await csms.call('GetDisplayMessages', { requestId: 6, priority: 'AlwaysFront' })).status, 'Accepted');
  const only = await notified(6, from);
  assert.equal(only.length, 1);
  assert.equal(only[0].message.content, 'Bienvenue');
  assert.equal((await csms.call('GetDisplayMessages', { requestId: 7, id: [42] })).status, 'Unknown');
  // TC_O_34_CS / TC_O_35_CS (as EVtivity's implementation of the 2.1 test cases reads them): a
  // known id whose state or priority does not match is Unknown: the filters are all met or none
  assert.equal((await csms.call('GetDisplayMessages', { requestId: 8, id: [2], priority: 'NormalCycle' })).status, 'Unknown');
  assert.equal((await csms.call('GetDisplayMessages', { requestId: 9, id: [1], state: 'Faulted' })).status, 'Unknown');
  from = csms.calls.length;
  assert.equal((await csms.call('GetDisplayMessages', { requestId: 10, id: [2], priority: 'AlwaysFront' })).status, 'Accepted');
  assert.deepEqual((await notified(10, from)).map((x) => x.id), [2]);
  // the same id replaces it
  assert.equal(await set(msg(1, 'Hello', { language: 'en' })), 'Accepted');
  assert.deepEqual(shown(await st.status(), 1), ['Bienvenue', 'Hello']);
  st = await rig.restart(st, csms);
  assert.deepEqual(shown(await st.status(), 2), ['Bienvenue', 'Hello', 'Only here']);
  csms.assertNoViolations();
});

test('ClearDisplayMessage: Accepted and gone, then Unknown (O05)', async () => {
  assert.equal((await csms.call('ClearDisplayMessage', { id: 3 })).status, 'Accepted');
  assert.deepEqual(shown(await st.status(), 2), ['Bienvenue', 'Hello']);
  assert.equal((await csms.call('ClearDisplayMessage', { id: 3 })).status, 'Unknown');
  csms.assertNoViolations();
});

test('a message with an endDateTime is gone at that time, one not started yet is not shown', async () => {
  const now = Date.parse((await st.status()).station.time);
  const after = st.lastEventId ? await st.lastEventId() : 0;
  assert.equal(await set(msg(10, 'Soon over', { endDateTime: new Date(now + 40e3).toISOString() })), 'Accepted');
  assert.equal(await set(msg(11, 'Later', { startDateTime: new Date(now + 3600e3).toISOString() })), 'Accepted');
  const s = await st.status();
  assert.ok(shown(s, 1).includes('Soon over'));
  assert.ok(!shown(s, 1).includes('Later'));
  await st.waitEvent('ocpp_display', { after, match: (e) => /"id":10,"state":"expired"/.test(e.detail) });
  assert.ok(!shown(await st.status(), 1).includes('Soon over'));
  assert.equal((await csms.call('GetDisplayMessages', { requestId: 12, id: [10] })).status, 'Unknown');
  assert.equal((await csms.call('ClearDisplayMessage', { id: 11 })).status, 'Accepted');
  csms.assertNoViolations();
});

test('a message for a transaction: refused for an unknown one, shown during it, gone when it ends; CostUpdated and the final totalCost shown (O02, I02, I03)', async () => {
  assert.equal(await set(msg(20, 'Your session', { transactionId: 'no-such-tx' })), 'UnknownTransaction');
  assert.equal(st.ctl('plug', '1', '--ev-max-current', '32').code, 0);
  await st.waitStatus(1, 'Preparing');
  const from = csms.calls.length;
  assert.equal((await csms.call('RequestStartTransaction', { evseId: 1, remoteStartId: 5, idToken: { idToken: 'GOOD1', type: 'Central' } })).status, 'Accepted');
  const started = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Started' });
  const txId = started.params.transactionInfo.transactionId;
  await st.waitStatus(1, 'Charging');
  assert.equal(await set(msg(20, 'Your session', { transactionId: txId, state: 'Charging' })), 'Accepted');
  let s = await st.status();
  assert.ok(shown(s, 1).includes('Your session'));
  assert.ok(!shown(s, 2).includes('Your session'), 'not on the other EVSE');
  // I02: the running cost
  assert.deepEqual(await csms.call('CostUpdated', { totalCost: 1.25, transactionId: txId }), {});
  s = await st.status();
  assert.equal(s.connectors[0].ocpp_cost.total, 1.25);
  assert.equal(s.connectors[0].ocpp_cost.currency, 'CHF');
  assert.equal(s.connectors[0].ocpp_cost.final, false);
  assert.equal(s.connectors[0].ocpp_cost.transaction_id, txId);
  assert.equal((await pub(1)).ocpp_cost.total, 1.25);
  assert.deepEqual(await csms.call('CostUpdated', { totalCost: 9, transactionId: 'other-tx' }), {});
  assert.equal((await st.connector(1)).ocpp_cost.total, 1.25);
  // the end: the message goes, the final cost comes
  assert.equal((await csms.call('RequestStopTransaction', { transactionId: txId })).status, 'Accepted');
  await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Ended' });
  s = await st.waitFor((x) => x.connectors[0].ocpp_cost?.final === true, { what: 'the final cost' });
  assert.equal(s.connectors[0].ocpp_cost.total, TOTAL);
  assert.equal(s.connectors[0].ocpp_cost.message, 'Merci, à bientôt');
  assert.ok(!shown(s, 1).includes('Your session'));
  assert.equal((await csms.call('ClearDisplayMessage', { id: 20 })).status, 'Unknown');
  const p = await pub(1);
  assert.equal(p.ocpp_cost.total, TOTAL);
  assert.equal(p.ocpp_cost.final, true);
  assert.equal(st.ctl('unplug', '1').code, 0);
  csms.assertNoViolations();
});

test('the driver\'s personal message: from the Authorize answer, replaced by a TransactionEvent answer; the cost kept across a restart and in the history (I01, I06)', async () => {
  assert.equal(st.ctl('plug', '1', '--ev-max-current', '16').code, 0);
  await st.waitStatus(1, 'Preparing');
  const from = csms.calls.length;
  assert.equal(st.ctl('tap', 'MSG1').code, 0);
  await csms.waitCall('Authorize', { from });
  const started = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Started' });
  const txId = started.params.transactionInfo.transactionId;
  let s = await st.waitFor((x) => x.connectors[0].ocpp_cost?.message === 'Tarif: 0.30 CHF/kWh', { what: 'the Authorize answer\'s personalMessage (I01)' });
  assert.equal(s.connectors[0].ocpp_cost.transaction_id, txId);
  assert.equal(s.connectors[0].ocpp_cost.total, null);
  assert.equal((await pub(1)).ocpp_cost.message, 'Tarif: 0.30 CHF/kWh');
  assert.deepEqual(await csms.call('CostUpdated', { totalCost: 2.5, transactionId: txId }), {});
  // I06: a TransactionEvent answer during the transaction replaces the message
  nextMessage = 'Tarif de nuit: 0.20 CHF/kWh';
  const f2 = csms.calls.length;
  assert.equal((await csms.call('TriggerMessage', { requestedMessage: 'TransactionEvent', evse: { id: 1 } })).status, 'Accepted');
  await csms.waitCall('TransactionEvent', { from: f2, match: (p) => p.eventType === 'Updated' });
  s = await st.waitFor((x) => x.connectors[0].ocpp_cost?.message === 'Tarif de nuit: 0.20 CHF/kWh', { what: 'the updated personal message (I06)' });
  assert.equal(s.connectors[0].ocpp_cost.total, 2.5);
  // SIGKILL: the session is recovered and ended (the simulated car does not
  // survive); its running cost and message come back from the disk, and the
  // Ended answer (without a totalCost this time) leaves them
  endTotal = false;
  await st.kill();
  const f3 = csms.calls.length;
  st = await rig.start(csms.url);
  await csms.waitCall('TransactionEvent', { from: f3, match: (p) => p.eventType === 'Ended' && p.transactionInfo.transactionId === txId });
  s = await st.waitFor((x) => x.station.ocpp?.queue_length === 0 && !x.connectors[0].session, { what: 'the Ended delivered' });
  endTotal = true;
  assert.equal(s.connectors[0].ocpp_cost.total, 2.5);
  assert.equal(s.connectors[0].ocpp_cost.final, false);
  assert.equal(s.connectors[0].ocpp_cost.message, 'Tarif de nuit: 0.20 CHF/kWh');
  // the history: the CSMS's cost with the session, after another restart too
  st = await rig.restart(st, csms);
  assert.equal((await st.status()).connectors[0].ocpp_cost.total, 2.5);
  const { sessions } = await st.ok('GET', '/api/v1/sessions?connector=1');
  const mine = sessions.find((x) => x.backend_cost?.transaction_id === txId);
  assert.ok(mine, 'the session has its backend_cost');
  assert.deepEqual({ ...mine.backend_cost }, { transaction_id: txId, total: 2.5, currency: 'CHF', final: false, source: 'csms', message: 'Tarif de nuit: 0.20 CHF/kWh' });
  csms.assertNoViolations();
});

test('TariffFallbackMessage shown while offline, TotalCostFallbackMessage once a transaction ended without its total cost (I04, I05)', async () => {
  const fb = ocpp201Rig('cp-fb', { peer: { tags: { GOOD1: 'Accepted' }, handlers: { TransactionEvent: (c, p) => (p.idToken ? { idTokenInfo: c.idTagInfo(p.idToken.idToken) } : {}) } }, connectors: 1 });
  const { csms: peer, st: st2 } = await fb.up();
  try {
    const cv = (name, attributeValue) => ({ component: { name: 'TariffCostCtrlr' }, variable: { name }, attributeValue });
    const w = await peer.call('SetVariables', { setVariableData: [cv('TariffFallbackMessage', '0.40 EUR/kWh'), cv('TotalCostFallbackMessage', 'Your receipt follows by e-mail')] });
    assert.deepEqual(w.setVariableResult.map((x) => x.attributeStatus), ['Accepted', 'Accepted']);
    const r = await peer.call('GetVariables', { getVariableData: [{ component: { name: 'TariffCostCtrlr' }, variable: { name: 'TariffFallbackMessage' } }] });
    assert.equal(r.getVariableResult[0].attributeValue, '0.40 EUR/kWh');
    const settings = await st2.ok('GET', '/api/v1/settings');
    assert.equal(settings['tariff.total_cost_fallback_message'] ?? settings.settings?.['tariff.total_cost_fallback_message'], 'Your receipt follows by e-mail');
    assert.equal((await st2.status()).connectors[0].ocpp_cost, null, 'online, no transaction: nothing');
    assert.equal(st2.ctl('plug', '1', '--ev-max-current', '16').code, 0);
    await st2.waitStatus(1, 'Preparing');
    const from = peer.calls.length;
    assert.equal(st2.ctl('tap', 'GOOD1').code, 0);
    await peer.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Started' });
    peer.assertNoViolations();
    await peer.close();
    let s = await st2.waitFor((x) => x.connectors[0].ocpp_cost?.tariff_fallback === '0.40 EUR/kWh', { what: 'the tariff fallback message offline (I04)' });
    assert.equal(s.connectors[0].ocpp_cost.total_cost_fallback, null);
    assert.equal((await st2.ok('GET', '/api/v1/public/connectors/1')).ocpp_cost.tariff_fallback, '0.40 EUR/kWh');
    assert.equal(st2.ctl('unplug', '1').code, 0);
    s = await st2.waitFor((x) => x.connectors[0].ocpp_cost?.total_cost_fallback === 'Your receipt follows by e-mail', { what: 'the total cost fallback message (I05)' });
    assert.equal(s.connectors[0].ocpp_cost.total, null);
  } finally {
    await fb.down(st2);
    await peer.close().catch(() => {});
  }
});

test('DisplayMessageCtrlr and TariffCostCtrlr in the device model (Currency is tariff.currency)', async () => {
  const r = await csms.call('GetVariables', {
    getVariableData: [
      { component: { name: 'DisplayMessageCtrlr' }, variable: { name: 'Available' } },
      { component: { name: 'DisplayMessageCtrlr' }, variable: { name: 'SupportedPriorities' } },
      { component: { name: 'DisplayMessageCtrlr' }, variable: { name: 'DisplayMessages' } },
      { component: { name: 'TariffCostCtrlr' }, variable: { name: 'Currency' } },
    ],
  });
  assert.deepEqual(r.getVariableResult.map((x) => x.attributeValue), ['true', 'AlwaysFront,InFront,NormalCycle', '32', 'CHF']);
  const w = await csms.call('SetVariables', { setVariableData: [{ component: { name: 'TariffCostCtrlr' }, variable: { name: 'Currency' }, attributeValue: 'EUR' }] });
  assert.equal(w.setVariableResult[0].attributeStatus, 'Rejected', 'a read-only view of tariff.currency');
  await st.ok('PUT', '/api/v1/settings', { 'tariff.currency': 'EUR' });
  const r2 = await csms.call('GetVariables', { getVariableData: [{ component: { name: 'TariffCostCtrlr' }, variable: { name: 'Currency' } }] });
  assert.equal(r2.getVariableResult[0].attributeValue, 'EUR');
  csms.assertNoViolations();
});

// 2.1 (the same dialect under the 2.1 schemas): a QRCODE message is taken and
// drawn as a QR code in the public page's data. Against ocpp-rpc with the
// OCA's 2.1 schemas (lib/csms.mjs) only: the ocpp-ws-io run leaves it out
// (lib/csms_ws_io.mjs speaks 2.1 too, see ocpp21_tariff_ws_io.test.mjs).
test('2.1: a QRCODE message is drawn as a QR code on the public page; 2.0.1 has no such format', { skip: Peer201 !== Csms }, async () => {
  const rig21 = ocpp201Rig('cp-o21', { peer: { protocol: 'ocpp2.1', handlers }, set: { 'ocpp.version': '2.1' }, connectors: 1 });
  const { csms: csms21, st: st21 } = await rig21.up();
  try {
    const qr = { id: 1, priority: 'InFront', message: { format: 'QRCODE', content: 'https://pay.example/cp-o21/1' } };
    assert.equal((await csms21.call('SetDisplayMessage', { message: qr })).status, 'Accepted');
    const p = await st21.ok('GET', '/api/v1/public/connectors/1');
    assert.equal(p.display_messages[0].format, 'QRCODE');
    assert.match(p.display_messages[0].qr_svg, /<svg[\s\S]*<\/svg>/);
    // the page /c/1 in Chromium: the QR code drawn, the message in the page's language only
    const text = (id, content, language) => ({ id, priority: 'NormalCycle', message: { format: 'UTF8', language, content } });
    assert.equal((await csms21.call('SetDisplayMessage', { message: text(2, 'Pay here', 'en') })).status, 'Accepted');
    assert.equal((await csms21.call('SetDisplayMessage', { message: text(3, 'Payez ici', 'fr') })).status, 'Accepted');
    const browser = await launch();
    try {
      const page = await (await browser.newContext({ locale: 'en-GB', viewport: { width: 360, height: 740 } })).newPage();
      page.errors = [];
      page.on('pageerror', (e) => page.errors.push(e.message));
      await page.goto(`${st21.url}/c/1`);
      await page.waitForSelector('[data-test=display-qr]');
      const shownTexts = await page.$$eval('[data-test=display-message]', (els) => els.map((e) => e.textContent));
      assert.deepEqual(shownTexts, ['', 'Pay here'], 'the QR code first (InFront), then the English message only');
      await checkPage(page, 'public-display-messages');
    } finally {
      await browser.close();
    }
    const from = csms21.calls.length;
    assert.equal((await csms21.call('GetDisplayMessages', { requestId: 3 })).status, 'Accepted');
    const n = await csms21.waitCall('NotifyDisplayMessages', { from });
    assert.ok(n.params.messageInfo.some((m) => m.message.format === 'QRCODE'));
    csms21.assertNoViolations();
  } finally {
    await rig21.down(st21, csms21);
  }
  // under 2.0.1 the format does not exist: the schema refuses it before it reaches the station
  await assert.rejects(csms.call('SetDisplayMessage', { message: { id: 9, priority: 'InFront', message: { format: 'QRCODE', content: 'x' } } }));
});
