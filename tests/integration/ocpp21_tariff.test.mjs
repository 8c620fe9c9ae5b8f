// OCPP 2.1 local cost (issue 16, block I) against a strict CSMS that picked
// ocpp2.1: npm ocpp-rpc with the OCA's 2.1 schemas (lib/csms.mjs) validates
// every SetDefaultTariff / GetTariffs / ClearTariffs / ChangeTransactionTariff
// answer and every TransactionEvent borne sends (its costDetails too).
// Covers default tariffs per EVSE and for all (Accepted, DuplicateTariffId,
// an unknown EVSE, ConditionNotSupported, TooManyElements), read back by
// GetTariffs, cleared by id (NoTariff for an unknown one), kept across a
// restart; a transaction priced by the station from its EVSE's default
// tariff, its running cost shown like the CSMS's (source "local"),
// ChangeTransactionTariff (TxNotFound, NoCurrencyChange, Accepted: a second
// charging period, a DriverTariff in GetTariffs, an Updated event TariffChanged
// with costDetails, a triggered Updated with them), and the Ended event's
// costDetails matching the final cost shown and kept in the history; a
// driver's tariff in the Authorize answer pricing that driver's transaction.
// TariffCostCtrlr's 2.1 variables (Interval[Cost] writable, Interval[Tariff],
// OfflineTariffFallbackMessage, Problem): the RunningCost Updated events every
// Interval[Cost] seconds without chargingPeriods and costDetails in the
// Started (I12.FR.02, errata 2025-09), a driver tariff the station cannot
// take told by a NotifyEvent of TariffCostCtrlr.Problem (I08.FR.37), the
// offline message shown for an EVSE without a tariff while offline, and a
// transaction started offline from the authorization cache priced by the
// driver tariff of its token's last Authorize answer.
// Also N09 by customerIdentifier under 2.1 (nothing is kept by it: one page saying so).
// BORNE_OCPP_PEER=ocpp-ws-io runs it against the second strict CSMS
// (ocpp21_tariff_ws_io.test.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ocpp201Rig } from './lib/ocpp201.mjs';

// the Authorize answer of DRIVER1 gives the driver's own tariff
const handlers = {
  Authorize: (c, p) => ({
    idTokenInfo: c.idTagInfo(p.idToken.idToken),
    ...(p.idToken.idToken === 'DRIVER1' ? { tariff: { tariffId: 'T-DRV', currency: 'EUR', energy: { prices: [{ priceKwh: 0.1 }] } } } : {}),
    // a tariff the station cannot take: a price per payment brand (no terminal)
    ...(p.idToken.idToken === 'DRIVER2' ? { tariff: { tariffId: 'T-CARD', currency: 'EUR', energy: { prices: [{ priceKwh: 0.1 }] }, fixedFee: { prices: [{ priceFixed: 1, conditions: { paymentBrand: 'VISA' } }] } } } : {}),
  }),
};

const rig = ocpp201Rig('cp-t21', {
  peer: { protocol: 'ocpp2.1', tags: { GOOD1: 'Accepted', DRIVER1: 'Accepted', DRIVER2: 'Accepted' }, handlers },
  set: { 'ocpp.version': '2.1', 'tariff.currency': 'CHF' },
});

let csms, st;
before(async () => ({ csms, st } = await rig.up()));
after(() => rig.down(st, csms));

const vat = [{ type: 'VAT', tax: 20 }];
const tariff = (tariffId, priceKwh, extra = {}) => ({
  tariffId, currency: 'EUR',
  energy: { prices: [{ priceKwh }], taxRates: vat },
  fixedFee: { prices: [{ priceFixed: 1 }] },
  ...extra,
});
const setDefault = async (evseId, t) => (await csms.call('SetDefaultTariff', { evseId, tariff: t })).status;
const assignments = async (evseId) => {
  const r = await csms.call('GetTariffs', { evseId });
  return r.status === 'Accepted' ? r.tariffAssignments.map((a) => `${a.tariffId}:${a.tariffKind}:${(a.evseIds ?? []).join(',')}`) : r.status;
};

test('SetDefaultTariff, GetTariffs, ClearTariffs: per EVSE and for all, refused when the station cannot take it, kept across a restart', async () => {
  assert.equal(await assignments(0), 'NoTariff');
  assert.equal(await setDefault(0, tariff('T-ALL', 0.3)), 'Accepted');
  assert.equal(await setDefault(2, tariff('T-2', 0.5)), 'Accepted');
  assert.equal(await setDefault(1, tariff('T-2', 0.5)), 'DuplicateTariffId');
  assert.equal(await setDefault(9, tariff('T-9', 0.5)), 'Rejected');
  assert.equal(await setDefault(1, tariff('T-PAY', 0.5, { fixedFee: { prices: [{ priceFixed: 1, conditions: { paymentBrand: 'VISA' } }] } })), 'ConditionNotSupported');
  const many = Array.from({ length: 9 }, (_, i) => ({ priceKwh: 0.1 * (i + 1), conditions: { minEnergy: i * 1000 } }));
  assert.equal(await setDefault(1, tariff('T-MANY', 0.5, { energy: { prices: many } })), 'TooManyElements');
  // TariffCostCtrlr's 2.1 variables say so: 8 prices a component, conditions, costDetails while running
  const tc = (name, instance) => ({ component: { name: 'TariffCostCtrlr' }, variable: { name, instance } });
  const dm = await csms.call('GetVariables', { getVariableData: [tc('MaxElements', 'Tariff'), tc('ConditionsSupported', 'Tariff'), tc('Enabled', 'RunningCost'), tc('HandleFailedTariff', 'Tariff'),
    tc('Interval', 'Cost'), tc('Interval', 'Tariff'), tc('OfflineTariffFallbackMessage'), tc('Problem')] });
  assert.deepEqual(dm.getVariableResult.map((x) => `${x.variable.name}:${x.attributeStatus}:${x.attributeValue ?? ''}`),
    ['MaxElements:Accepted:8', 'ConditionsSupported:Accepted:true', 'Enabled:Accepted:true', 'HandleFailedTariff:UnknownVariable:',
      'Interval:Accepted:60', 'Interval:Accepted:1', 'OfflineTariffFallbackMessage:Accepted:', 'Problem:Accepted:false']);
  assert.deepEqual(await assignments(0), ['T-ALL:DefaultTariff:1,2', 'T-2:DefaultTariff:2']);
  assert.deepEqual(await assignments(1), ['T-ALL:DefaultTariff:1']);
  const cleared = await csms.call('ClearTariffs', { tariffIds: ['T-2', 'nope'] });
  assert.deepEqual(cleared.clearTariffsResult.map((x) => `${x.tariffId}:${x.status}`), ['T-2:Accepted', 'nope:NoTariff']);
  assert.deepEqual(await assignments(2), ['T-ALL:DefaultTariff:2']);
  st = await rig.restart(st, csms);
  assert.deepEqual(await assignments(0), ['T-ALL:DefaultTariff:1,2']);
  csms.assertNoViolations();
});

test('a transaction priced by the station: running cost shown, ChangeTransactionTariff, costDetails in the Ended event, the cost in the history', async () => {
  assert.equal(st.ctl('plug', '1', '--ev-max-current', '16').code, 0);
  await st.waitStatus(1, 'Preparing');
  const from = csms.calls.length;
  assert.equal(st.ctl('tap', 'GOOD1').code, 0);
  const started = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Started' });
  const txId = started.params.transactionInfo.transactionId;
  await st.waitStatus(1, 'Charging');
  // the fixed fee at once, then the energy (0.30 EUR/kWh + 20 %)
  let s = await st.waitFor((x) => x.connectors[0].ocpp_cost?.total > 1.2, { what: 'a running local cost' });
  let cost = s.connectors[0].ocpp_cost;
  assert.equal(cost.source, 'local');
  assert.equal(cost.currency, 'EUR');
  assert.equal(cost.final, false);
  assert.equal(cost.transaction_id, txId);
  assert.equal((await st.ok('GET', '/api/v1/public/connectors/1')).ocpp_cost.source, 'local');
  // ChangeTransactionTariff
  const change = async (transactionId, t) => (await csms.call('ChangeTransactionTariff', { transactionId, tariff: t })).status;
  assert.equal(await change('no-such-tx', tariff('T-NEW', 0.1)), 'TxNotFound');
  assert.equal(await change(txId, { ...tariff('T-CHF', 0.1), currency: 'CHF' }), 'NoCurrencyChange');
  // signed readings on (issue 16): the reading of the change is signed as one (OCMF TX "T")
  const signOn = await csms.call('SetVariables', { setVariableData: [
    { component: { name: 'SampledDataCtrlr' }, variable: { name: 'SignReadings' }, attributeValue: 'true' },
  ] });
  assert.equal(signOn.setVariableResult[0].attributeStatus, 'Accepted');
  const f1 = csms.calls.length;
  assert.equal(await change(txId, tariff('T-NEW', 0.1, { chargingTime: { prices: [{ priceMinute: 0.02 }] } })), 'Accepted');
  // the change told at once: an Updated event (TariffChanged) with the cost so far
  const changed = await csms.waitCall('TransactionEvent', { from: f1, match: (p) => p.eventType === 'Updated' && p.triggerReason === 'TariffChanged' });
  const atChange = changed.params.meterValue.flatMap((m) => m.sampledValue).find((v) => v.context === 'Sample.Periodic' && (v.measurand ?? 'Energy.Active.Import.Register') === 'Energy.Active.Import.Register');
  const signedAt = Buffer.from(atChange.signedMeterValue.signedMeterData, 'base64').toString('utf8');
  assert.equal(JSON.parse(signedAt.split('|')[1]).RD[0].TX, 'T', 'a tariff change reading');
  const signOff = await csms.call('SetVariables', { setVariableData: [
    { component: { name: 'SampledDataCtrlr' }, variable: { name: 'SignReadings' }, attributeValue: 'false' },
  ] });
  assert.equal(signOff.setVariableResult[0].attributeStatus, 'Accepted');
  const cd = changed.params.costDetails;
  assert.ok(cd, 'costDetails in the Updated event');
  assert.equal(cd.totalCost.currency, 'EUR');
  assert.equal(cd.totalCost.fixed.exclTax, 1);
  assert.deepEqual(cd.chargingPeriods.map((p) => p.tariffId), ['T-ALL', 'T-NEW']);
  // every Updated event of a locally priced transaction carries it (here a triggered one)
  const f3 = csms.calls.length;
  assert.equal((await csms.call('TriggerMessage', { requestedMessage: 'TransactionEvent', evse: { id: 1 } })).status, 'Accepted');
  const trig = await csms.waitCall('TransactionEvent', { from: f3, match: (p) => p.eventType === 'Updated' && p.triggerReason === 'Trigger' });
  assert.ok(trig.params.costDetails.totalCost.total.inclTax >= cd.totalCost.total.inclTax, 'the cost so far, never going back');
  assert.equal(trig.params.costDetails.chargingPeriods, undefined, 'a running cost update has no chargingPeriods (I12.FR.02)');
  assert.deepEqual(await assignments(1), ['T-ALL:DefaultTariff:1', 'T-NEW:DriverTariff:1']);
  const before = (await st.status()).connectors[0].ocpp_cost.total;
  await st.waitFor((x) => x.connectors[0].ocpp_cost.total > before, { what: 'the cost going on under the new tariff' });
  // the end: costDetails
  const f2 = csms.calls.length;
  assert.equal((await csms.call('RequestStopTransaction', { transactionId: txId })).status, 'Accepted');
  const ended = await csms.waitCall('TransactionEvent', { from: f2, match: (p) => p.eventType === 'Ended' });
  const d = ended.params.costDetails;
  assert.ok(d, 'costDetails in the Ended event');
  assert.equal(d.totalCost.currency, 'EUR');
  assert.equal(d.totalCost.typeOfCost, 'NormalCost');
  assert.equal(d.totalCost.fixed.exclTax, 1);
  assert.ok(d.totalCost.energy.inclTax > d.totalCost.energy.exclTax, 'the VAT on the energy');
  assert.deepEqual(d.chargingPeriods.map((p) => p.tariffId), ['T-ALL', 'T-NEW']);
  assert.ok(d.totalUsage.energy > 0);
  const energy = d.chargingPeriods.flatMap((p) => p.dimensions).filter((x) => x.type === 'Energy').reduce((a, x) => a + x.volume, 0);
  assert.ok(Math.abs(energy - d.totalUsage.energy) < 1e-6, 'the periods add up to the usage');
  s = await st.waitFor((x) => x.connectors[0].ocpp_cost?.final === true, { what: 'the final local cost' });
  cost = s.connectors[0].ocpp_cost;
  assert.equal(cost.total, d.totalCost.total.inclTax);
  const { sessions } = await st.ok('GET', '/api/v1/sessions?connector=1');
  const mine = sessions.find((x) => x.backend_cost?.transaction_id === txId);
  assert.equal(mine.backend_cost.source, 'local');
  assert.equal(mine.backend_cost.total, d.totalCost.total.inclTax);
  assert.equal(mine.backend_cost.currency, 'EUR');
  assert.equal(st.ctl('unplug', '1').code, 0);
  csms.assertNoViolations();
});

const tcVar = (name, instance) => ({ component: { name: 'TariffCostCtrlr' }, variable: { name, instance } });
const problem = async () => (await csms.call('GetVariables', { getVariableData: [tcVar('Problem')] })).getVariableResult[0].attributeValue;

test('I12.FR.02: RunningCost Updated events every TariffCostCtrlr.Interval[Cost] seconds, costDetails without chargingPeriods, in the Started too', async () => {
  const w = await csms.call('SetVariables', { setVariableData: [{ ...tcVar('Interval', 'Cost'), attributeValue: '30' }] });
  assert.equal(w.setVariableResult[0].attributeStatus, 'Accepted');
  const settings = await st.ok('GET', '/api/v1/settings');
  assert.equal(Number(settings['tariff.running_cost_interval'] ?? settings.settings?.['tariff.running_cost_interval']), 30, 'a view of borne\'s setting');
  assert.equal(st.ctl('plug', '1', '--ev-max-current', '16').code, 0);
  await st.waitStatus(1, 'Preparing');
  const from = csms.calls.length;
  assert.equal(st.ctl('tap', 'GOOD1').code, 0);
  const started = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Started' && p.evse?.id === 1 });
  const txId = started.params.transactionInfo.transactionId;
  assert.ok(started.params.costDetails, 'costDetails in the Started event (I12.FR.02)');
  assert.equal(started.params.costDetails.chargingPeriods, undefined);
  assert.equal(started.params.costDetails.totalCost.fixed.inclTax, 1, 'the fixed fee of T-ALL, counted at the start');
  const running = [];
  for (let i = 0; i < 3; i++) {
    const after = running.length ? csms.calls.indexOf(running[i - 1]) + 1 : from;
    running.push(await csms.waitCall('TransactionEvent', { from: after, match: (p) => p.triggerReason === 'RunningCost' && p.transactionInfo.transactionId === txId }));
  }
  const at = running.map((c) => Date.parse(c.params.timestamp));
  for (let i = 1; i < at.length; i++) {
    const gap = (at[i] - at[i - 1]) / 1000;
    assert.ok(gap >= 30 && gap < 60, `a RunningCost update every 30 s (station time), never sooner: ${gap} s`);
  }
  for (const c of running) {
    assert.equal(c.params.eventType, 'Updated');
    assert.equal(c.params.costDetails.chargingPeriods, undefined, 'no chargingPeriods in a running cost update');
    assert.equal(c.params.costDetails.totalCost.currency, 'EUR');
    assert.equal(c.params.meterValue, undefined, 'the cost, no readings');
  }
  assert.ok(running[2].params.costDetails.totalCost.total.inclTax > running[0].params.costDetails.totalCost.total.inclTax, 'the cost going up');
  assert.equal((await csms.call('SetVariables', { setVariableData: [{ ...tcVar('Interval', 'Cost'), attributeValue: '60' }] })).setVariableResult[0].attributeStatus, 'Accepted');
  const f2 = csms.calls.length;
  assert.equal((await csms.call('RequestStopTransaction', { transactionId: txId })).status, 'Accepted');
  const ended = await csms.waitCall('TransactionEvent', { from: f2, match: (p) => p.eventType === 'Ended' && p.transactionInfo.transactionId === txId });
  assert.deepEqual(ended.params.costDetails.chargingPeriods.map((p) => p.tariffId), ['T-ALL'], 'the Ended event has them');
  assert.equal(st.ctl('unplug', '1').code, 0);
  await st.waitStatus(1, 'Available');
  csms.assertNoViolations();
});

test('I08.FR.37: a driver tariff the station cannot take is told by a NotifyEvent of TariffCostCtrlr.Problem; the transaction is left to the CSMS\'s cost', async () => {
  assert.equal(await problem(), 'false');
  assert.equal(st.ctl('plug', '2', '--ev-max-current', '16').code, 0);
  await st.waitStatus(2, 'Preparing');
  const from = csms.calls.length;
  assert.equal(st.ctl('tap', 'DRIVER2').code, 0);
  const ev = await csms.waitCall('NotifyEvent', { from, match: (p) => p.eventData.some((d) => d.component.name === 'TariffCostCtrlr') });
  const d = ev.params.eventData.find((x) => x.component.name === 'TariffCostCtrlr');
  assert.equal(d.variable.name, 'Problem');
  assert.equal(d.actualValue, 'true');
  assert.equal(d.trigger, 'Alerting');
  assert.equal(d.eventNotificationType, 'HardWiredNotification');
  assert.equal(d.techCode, 'ConditionNotSupported');
  assert.equal(await problem(), 'true');
  const started = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Started' && p.evse?.id === 2 });
  const txId = started.params.transactionInfo.transactionId;
  assert.equal(started.params.costDetails, undefined, 'no local cost: the CSMS\'s counts');
  assert.notEqual((await st.status()).connectors[1].ocpp_cost?.source, 'local');
  const f2 = csms.calls.length;
  assert.equal((await csms.call('RequestStopTransaction', { transactionId: txId })).status, 'Accepted');
  const ended = await csms.waitCall('TransactionEvent', { from: f2, match: (p) => p.eventType === 'Ended' && p.transactionInfo.transactionId === txId });
  assert.equal(ended.params.costDetails, undefined);
  assert.equal(st.ctl('unplug', '2').code, 0);
  await st.waitStatus(2, 'Available');
  csms.assertNoViolations();
});

test('a driver\'s tariff in the Authorize answer prices that driver\'s transaction (a DriverTariff)', async () => {
  assert.equal(st.ctl('plug', '2', '--ev-max-current', '16').code, 0);
  await st.waitStatus(2, 'Preparing');
  const from = csms.calls.length;
  assert.equal(st.ctl('tap', 'DRIVER1').code, 0);
  const started = await csms.waitCall('TransactionEvent', { from, match: (p) => p.eventType === 'Started' && p.evse?.id === 2 });
  const txId = started.params.transactionInfo.transactionId;
  await st.waitFor((x) => x.connectors[1].ocpp_cost?.source === 'local' && x.connectors[1].ocpp_cost.total > 0, { what: 'the driver tariff\'s cost' });
  assert.deepEqual(await assignments(2), ['T-ALL:DefaultTariff:2', 'T-DRV:DriverTariff:2']);
  const f2 = csms.calls.length;
  assert.equal((await csms.call('RequestStopTransaction', { transactionId: txId })).status, 'Accepted');
  const ended = await csms.waitCall('TransactionEvent', { from: f2, match: (p) => p.eventType === 'Ended' });
  assert.deepEqual(ended.params.costDetails.chargingPeriods.map((p) => p.tariffId), ['T-DRV']);
  assert.equal(ended.params.costDetails.totalCost.fixed.exclTax, 0, 'no fixed fee in the driver tariff');
  assert.equal(await problem(), 'false', 'a driver tariff taken again: no Problem');
  assert.equal(st.ctl('unplug', '2').code, 0);
  csms.assertNoViolations();
});

test('offline: OfflineTariffFallbackMessage for an EVSE without a tariff of its own, TariffFallbackMessage for one the station prices; a transaction started offline from the cache priced by the driver tariff of its token\'s last Authorize', async () => {
  const off = ocpp201Rig('cp-t21off', {
    peer: { protocol: 'ocpp2.1', tags: { GOOD1: 'Accepted', DRIVER1: 'Accepted' }, handlers },
    set: { 'ocpp.version': '2.1' },
  });
  let { csms: peer, st: st2 } = await off.up();
  try {
    assert.equal((await peer.call('SetDefaultTariff', { evseId: 0, tariff: tariff('T-0', 0.3) })).status, 'Accepted');
    const w = await peer.call('SetVariables', { setVariableData: [
      { ...tcVar('TariffFallbackMessage'), attributeValue: '0.40 EUR/kWh' },
      { ...tcVar('OfflineTariffFallbackMessage'), attributeValue: 'Offline: 0.45 EUR/kWh' },
    ] });
    assert.deepEqual(w.setVariableResult.map((x) => x.attributeStatus), ['Accepted', 'Accepted']);
    const settings = await st2.ok('GET', '/api/v1/settings');
    assert.equal(settings['tariff.offline_fallback_message'] ?? settings.settings?.['tariff.offline_fallback_message'], 'Offline: 0.45 EUR/kWh');
    // online: DRIVER1 charges on EVSE 2 under its driver tariff (kept with the cache)
    const charge = async (c, token) => {
      assert.equal(st2.ctl('plug', String(c), '--ev-max-current', '16').code, 0);
      await st2.waitStatus(c, 'Preparing');
      assert.equal(st2.ctl('tap', token).code, 0);
      await st2.waitFor((x) => x.connectors[c - 1].session && x.connectors[c - 1].ocpp_cost?.source === 'local', { what: `EVSE ${c} priced by the station` });
    };
    await charge(2, 'DRIVER1');
    const drv = await peer.waitCall('TransactionEvent', { match: (p) => p.eventType === 'Started' && p.evse?.id === 2 });
    const f0 = peer.calls.length;
    assert.equal((await peer.call('RequestStopTransaction', { transactionId: drv.params.transactionInfo.transactionId })).status, 'Accepted');
    const ended0 = await peer.waitCall('TransactionEvent', { from: f0, match: (p) => p.eventType === 'Ended' });
    assert.deepEqual(ended0.params.costDetails.chargingPeriods.map((p) => p.tariffId), ['T-DRV']);
    assert.equal(st2.ctl('unplug', '2').code, 0);
    await st2.waitStatus(2, 'Available');
    await charge(1, 'GOOD1');
    assert.equal((await st2.status()).connectors[1].ocpp_cost?.tariff_fallback ?? null, null, 'online: no fallback');
    peer.assertNoViolations();
    const port = peer.port;
    await peer.close();
    let s = await st2.waitFor((x) => x.connectors[1].ocpp_cost?.tariff_fallback === 'Offline: 0.45 EUR/kWh', { what: 'the offline tariff message for EVSE 2' });
    assert.equal(s.connectors[0].ocpp_cost.tariff_fallback, '0.40 EUR/kWh', 'EVSE 1 has its tariff: the general message');
    assert.equal((await st2.ok('GET', '/api/v1/public/connectors/2')).ocpp_cost.tariff_fallback, 'Offline: 0.45 EUR/kWh');
    // offline: DRIVER1 again, from the cache: its driver tariff, not T-0
    await charge(2, 'DRIVER1');
    s = await st2.status();
    assert.equal(s.connectors[1].ocpp_cost.tariff_fallback, '0.40 EUR/kWh', 'EVSE 2 priced now: the general message');
    assert.ok(s.connectors[1].ocpp_cost.total < 1, 'no fixed fee: not the default tariff T-0');
    peer = await off.peer(port);
    const started = await peer.waitCall('TransactionEvent', { match: (p) => p.eventType === 'Started' && p.evse?.id === 2 });
    const txId = started.params.transactionInfo.transactionId;
    assert.equal(started.params.offline, true, 'started offline');
    await st2.waitFor((x) => x.station.ocpp?.registration === 'Accepted' && x.station.ocpp.queue_length === 0, { what: 'the queue delivered' });
    const r = await peer.call('GetTariffs', { evseId: 2 });
    assert.deepEqual(r.tariffAssignments.map((a) => `${a.tariffId}:${a.tariffKind}`), ['T-0:DefaultTariff', 'T-DRV:DriverTariff']);
    const f2 = peer.calls.length;
    assert.equal((await peer.call('RequestStopTransaction', { transactionId: txId })).status, 'Accepted');
    const ended = await peer.waitCall('TransactionEvent', { from: f2, match: (p) => p.eventType === 'Ended' && p.transactionInfo.transactionId === txId });
    assert.deepEqual(ended.params.costDetails.chargingPeriods.map((p) => p.tariffId), ['T-DRV']);
    // N09 reports it; ClearCache forgets it with the cache
    const report = async (requestId) => {
      const from = peer.calls.length;
      assert.equal((await peer.call('CustomerInformation', { requestId, report: true, clear: false, idToken: { idToken: 'DRIVER1', type: 'ISO14443' } })).status, 'Accepted');
      return (await peer.waitCall('NotifyCustomerInformation', { from, match: (p) => p.requestId === requestId && !p.tbc })).params.data;
    };
    assert.match(await report(81), /driver tariff kept with the authorization cache: T-DRV/);
    assert.equal((await peer.call('ClearCache', {})).status, 'Accepted');
    assert.doesNotMatch(await report(82), /driver tariff/);
    peer.assertNoViolations();
  } finally {
    await off.down(st2);
    await peer.close().catch(() => {});
  }
});

test('N09 under 2.1: CustomerInformation by customerIdentifier is accepted and reports that the station keeps nothing by it', async () => {
  const from = csms.calls.length;
  assert.deepEqual(await csms.call('CustomerInformation', { requestId: 71, report: true, clear: true, customerIdentifier: 'CUST-42' }), { status: 'Accepted' });
  const page = await csms.waitCall('NotifyCustomerInformation', { from, match: (p) => p.requestId === 71 && !p.tbc });
  assert.equal(page.params.seqNo, 0);
  assert.match(page.params.data, /keeps nothing by customerIdentifier/);
  csms.assertNoViolations();
});
