// OCPP 2.0.1 C/D (issue 16): AuthCacheCtrlr.LifeTime (ocpp.AuthCacheLifeTime) and the Storage
// variables of the authorization cache and the local list, against a strict CSMS (npm ocpp-rpc
// strict; BORNE_OCPP_PEER=ocpp-ws-io: ocpp201_authcache_ws_io.test.mjs). With LocalPreAuthorize a
// badge the cache holds charges without an Authorize; one neither answered nor used for LifeTime
// seconds is gone: the next tap asks the CSMS again. Storage is the bytes the entries hold (token,
// status, group as UTF-8, 8 a time kept), read only, with its maxLimit. The station runs on its
// accelerated clock (20 x): every step waits for what it expects.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { getVariableResults, ocpp201Rig, setVariable } from './lib/ocpp201.mjs';

const rig = ocpp201Rig('cp-201-authcache', {
  peer: { tags: { CARD1: 'Accepted' }, bootInterval: 300, handlers: { NotifyReport: () => ({}) } },
  set: { 'ocpp.MeterValueSampleInterval': '0', 'ocpp.LocalPreAuthorize': 'true' },
});

let csms, st;
before(async () => ({ csms, st } = await rig.up()));
after(() => rig.down(st, csms));

const getVars = (list) => getVariableResults(csms, list);
const setVar = (component, variable, value) => setVariable(csms, component, variable, value);
const until = (at, what) => st.waitFor((x) => Date.parse(x.station.time) >= at, { what, timeoutMs: 60000 });

/** A charge on EVSE 1 with `tag`: whether the station asked Authorize, and the Started's time. */
async function charge(tag) {
  const from = csms.calls.length;
  assert.equal(st.ctl('plug', '1').code, 0);
  assert.equal(st.ctl('tap', tag).code, 0);
  const started = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Started' && p.evse.id === 1 });
  const tx = started.params.transactionInfo.transactionId;
  const asked = csms.calls.slice(from).some((c) => c.action === 'Authorize' && c.params.idToken.idToken === tag);
  const mark = csms.calls.length;
  assert.equal(st.ctl('unplug', '1').code, 0);
  await csms.waitCall('TransactionEvent', { from: mark, match: (p) => p.eventType === 'Ended' && p.transactionInfo.transactionId === tx });
  await st.waitStatus(1, 'Available');
  return { asked, at: Date.parse(started.params.timestamp) };
}

test('C/D: Storage of the cache and of the local list, read only, in bytes with their maxLimit', async () => {
  const [cache0, list0] = await getVars([['AuthCacheCtrlr', 'Storage'], ['LocalAuthListCtrlr', 'Storage']]);
  assert.equal(cache0.attributeStatus, 'Accepted');
  assert.equal(cache0.attributeValue, '0');
  assert.equal(list0.attributeValue, '0');
  // two entries: LOCAL1 Accepted (6 + 8 + 8 bytes), LOCAL22 Blocked in group FAM (7 + 7 + 3 + 8)
  const entry = (tok, status, group) => ({ idToken: { idToken: tok, type: 'ISO14443' }, idTokenInfo: { status, ...(group ? { groupIdToken: { idToken: group, type: 'Central' } } : {}) } });
  assert.equal((await csms.call('SendLocalList', { versionNumber: 1, updateType: 'Full', localAuthorizationList: [entry('LOCAL1', 'Accepted'), entry('LOCAL22', 'Blocked', 'FAM')] })).status, 'Accepted');
  assert.equal((await getVars([['LocalAuthListCtrlr', 'Storage']]))[0].attributeValue, String(22 + 25));
  // a badge the CSMS answered: CARD1 Accepted (5 + 8 + 24)
  const { asked } = await charge('CARD1');
  assert.equal(asked, true);
  assert.equal((await getVars([['AuthCacheCtrlr', 'Storage']]))[0].attributeValue, String(5 + 8 + 24));
  // read only
  assert.equal(await setVar('AuthCacheCtrlr', 'Storage', '0'), 'Rejected');
  assert.equal(await setVar('LocalAuthListCtrlr', 'Storage', '0'), 'Rejected');
  // NotifyReport: unit B and maxLimit (1 000 cache entries of at most 108 bytes; the list's
  // LocalAuthListMaxLength entries of at most 92), and the list's Entries with its maxLimit
  const from = csms.calls.length;
  assert.equal((await csms.call('GetReport', { requestId: 41, componentVariable: [{ component: { name: 'AuthCacheCtrlr' } }, { component: { name: 'LocalAuthListCtrlr' } }] })).status, 'Accepted');
  await csms.waitCall('NotifyReport', { from, match: (p) => p.requestId === 41 && !p.tbc });
  const items = csms.calls.slice(from).filter((c) => c.action === 'NotifyReport' && c.params.requestId === 41).flatMap((c) => c.params.reportData);
  const item = (comp, v) => items.find((r) => r.component.name === comp && r.variable.name === v);
  assert.equal(item('AuthCacheCtrlr', 'Storage').variableCharacteristics.unit, 'B');
  assert.equal(item('AuthCacheCtrlr', 'Storage').variableCharacteristics.maxLimit, 108000);
  assert.equal(item('LocalAuthListCtrlr', 'Storage').variableCharacteristics.maxLimit, 10000 * 92);
  assert.equal(item('LocalAuthListCtrlr', 'Entries').variableCharacteristics.maxLimit, 10000);
  assert.equal(item('AuthCacheCtrlr', 'LifeTime').variableAttribute[0].mutability, 'ReadWrite');
  csms.assertNoViolations();
});

test('C: AuthCacheCtrlr.LifeTime: a cached badge charges without Authorize until it was unused for LifeTime seconds', async () => {
  assert.equal((await getVars([['AuthCacheCtrlr', 'LifeTime']]))[0].attributeValue, '0');
  assert.equal(await setVar('AuthCacheCtrlr', 'LifeTime', '120'), 'Accepted');
  assert.equal((await getVars([['AuthCacheCtrlr', 'LifeTime']]))[0].attributeValue, '120');
  // CARD1 is in the cache (the test before): within its lifetime, no Authorize
  const second = await charge('CARD1');
  assert.equal(second.asked, false, 'from the cache');
  // its use and the Started's answer start the lifetime again: 130 s later it is gone
  await until(second.at + 130000, 'the lifetime past');
  const third = await charge('CARD1');
  assert.equal(third.asked, true, 'asked again once the lifetime passed');
  // 0: no limit
  assert.equal(await setVar('AuthCacheCtrlr', 'LifeTime', '0'), 'Accepted');
  await until(third.at + 130000, 'as long again');
  assert.equal((await charge('CARD1')).asked, false, 'no lifetime');
  csms.assertNoViolations();
});

// The OCA's Part 6 test cases (2023-06-30, as ocpplab.com renders them) of the authorization
// cache: TC_C_38_CS ClearCache while AuthCacheCtrlr.Enabled is false is Rejected (the cache
// kept); TC_C_37_CS ClearCache Accepted empties it: the cached badge is asked about again
// (Authorize, then the transaction); TC_C_36_CS with LocalPreAuthorize false a cached badge is
// asked about; TC_C_09_CS / TC_C_11_CS a badge cached Invalid or Expired is asked about again and
// starts nothing.
test('TC_C_36, TC_C_37, TC_C_38, TC_C_09, TC_C_10, TC_C_11: ClearCache Rejected while the cache is disabled, Accepted empties it; a cached badge asked about without LocalPreAuthorize or when not Accepted', async () => {
  const storage = async () => (await getVars([['AuthCacheCtrlr', 'Storage']]))[0].attributeValue;
  assert.equal((await charge('CARD1')).asked, false, 'CARD1 is cached');
  const kept = await storage();
  assert.notEqual(kept, '0');
  // TC_C_38_CS
  assert.equal(await setVar('AuthCacheCtrlr', 'Enabled', 'false'), 'Accepted');
  assert.equal((await csms.call('ClearCache', {})).status, 'Rejected');
  assert.equal(await storage(), kept, 'the cache kept');
  // TC_C_37_CS
  assert.equal(await setVar('AuthCacheCtrlr', 'Enabled', 'true'), 'Accepted');
  assert.equal((await csms.call('ClearCache', {})).status, 'Accepted');
  assert.equal(await storage(), '0');
  assert.equal((await charge('CARD1')).asked, true, 'asked again after ClearCache');
  assert.equal((await charge('CARD1')).asked, false, 'cached again');
  // TC_C_36_CS
  assert.equal(await setVar('AuthCtrlr', 'LocalPreAuthorize', 'false'), 'Accepted');
  assert.equal((await charge('CARD1')).asked, true, 'LocalPreAuthorize false: asked');
  assert.equal(await setVar('AuthCtrlr', 'LocalPreAuthorize', 'true'), 'Accepted');
  // TC_C_09_CS (Invalid), TC_C_10_CS (Blocked), TC_C_11_CS (Expired): cached by the first
  // answer, asked about again (AuthorizeRequest with the badge's idToken and type)
  csms.tags.set('CARD3', 'Expired');
  csms.tags.set('CARD5', 'Blocked');
  assert.equal(st.ctl('plug', '1').code, 0);
  for (const [tag, status] of [['CARD2', 'Invalid'], ['CARD5', 'Blocked'], ['CARD3', 'Expired']]) {
    for (let round = 0; round < 2; round++) {
      const from = csms.calls.length;
      const afterId = await st.lastEventId();
      assert.equal(st.ctl('tap', tag).code, 0);
      const asked = await csms.waitCall('Authorize', { from, match: (p) => p.idToken.idToken === tag });
      assert.equal(asked.params.idToken.type, 'ISO14443');
      const refused = await st.waitEvent('auth_refused', { after: afterId, match: (ev) => ev.detail.includes(tag) });
      assert.equal(refused.reason, `back_end_${status.toLowerCase()}`, `${tag} round ${round}`);
    }
  }
  assert.equal(csms.calls.some((c) => c.action === 'TransactionEvent' && ['CARD2', 'CARD3', 'CARD5'].includes(c.params.idToken?.idToken)), false, 'no transaction for them');
  assert.equal(st.ctl('unplug', '1').code, 0);
  await st.waitStatus(1, 'Available');
  csms.assertNoViolations();
});

// TC_C_04_CS: a badge other than the starter's, accepted without a group, during a transaction:
// it stops nothing and no TransactionEvent follows (the Authorize the test case shows is asked;
// the authorization then lapses, no car waiting for it). The test case wants a reader per EVSE;
// borne's one reader serves both EVSEs here, a one-EVSE station behaves the same (tried).
test('TC_C_04_CS: another accepted badge during a transaction stops nothing, no TransactionEvent', async () => {
  csms.tags.set('CARD4', 'Accepted');
  assert.equal(st.ctl('plug', '1').code, 0);
  let from = csms.calls.length;
  assert.equal(st.ctl('tap', 'CARD1').code, 0);
  const started = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Started' && p.evse.id === 1 });
  const tx = started.params.transactionInfo.transactionId;
  await st.waitStatus(1, 'Charging');
  from = csms.calls.length;
  const afterId = await st.lastEventId();
  assert.equal(st.ctl('tap', 'CARD4').code, 0);
  await csms.waitCall('Authorize', { from, match: (p) => p.idToken.idToken === 'CARD4' });
  await st.waitEvent('auth_expired', { after: afterId, match: (e) => e.detail.includes('CARD4'), timeoutMs: 60000 });
  assert.deepEqual(csms.calls.slice(from).filter((c) => c.action === 'TransactionEvent'), [], 'no TransactionEvent');
  assert.equal((await st.connector(1)).status, 'Charging');
  const mark = csms.calls.length;
  assert.equal(st.ctl('unplug', '1').code, 0);
  const ended = await csms.waitCall('TransactionEvent', { from: mark, match: (p) => p.eventType === 'Ended' && p.transactionInfo.transactionId === tx });
  assert.notEqual(ended.params.idToken?.idToken, 'CARD4');
  await st.waitStatus(1, 'Available');
  csms.assertNoViolations();
});
