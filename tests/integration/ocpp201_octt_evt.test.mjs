// OCPP 2.0.1 TriggerMessage and RequestStopTransaction as the third-party
// implementation of the OCTT test cases (EVtivity's packages/octt, v2_1/cs
// F-remote-control; not the OCA's text, whose pages of these test cases were
// not in the copy at hand) checks them: TC_F_11_CS, TC_F_12_CS, TC_F_20_CS,
// TC_F_23_CS, TC_F_26_CS, TC_F_27_CS, TC_F_09_CS. docs/ocpp201.md, "OCTT test
// cases E and F". ocpp201_octt_evt_ws_io.test.mjs runs the same against
// ocpp-ws-io strict.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ocpp201Rig } from './lib/ocpp201.mjs';

const rig = ocpp201Rig('cp-201-evt', { peer: { tags: { GOOD1: 'Accepted' }, bootInterval: 60 }, set: { 'ocpp.MeterValueSampleInterval': '0' } });
let csms, st;
before(async () => ({ csms, st } = await rig.up()));
after(() => rig.down(st, csms));

test('OCTT TC_F_11/12/20/23/26/27_CS, TC_F_09_CS: TriggerMessage MeterValues of one EVSE or all (context Trigger), Heartbeat, StatusNotification Available; BootNotification once Accepted Rejected; SignCombinedCertificate NotImplemented; RequestStopTransaction of an unknown transaction Rejected', async () => {
  const trigger = async (req) => {
    const from = csms.calls.length;
    const r = await csms.call('TriggerMessage', req);
    return { status: r.status, from };
  };
  let t = await trigger({ requestedMessage: 'MeterValues', evse: { id: 1 } });
  assert.equal(t.status, 'Accepted');
  const mv1 = await csms.waitCall('MeterValues', { from: t.from });
  assert.equal(mv1.params.evseId, 1);
  assert.equal(mv1.params.meterValue[0].sampledValue[0].context, 'Trigger');

  t = await trigger({ requestedMessage: 'MeterValues' });
  assert.equal(t.status, 'Accepted');
  for (const evseId of [1, 2]) {
    const mv = await csms.waitCall('MeterValues', { from: t.from, match: (p) => p.evseId === evseId });
    assert.equal(mv.params.meterValue[0].sampledValue[0].context, 'Trigger');
  }

  t = await trigger({ requestedMessage: 'Heartbeat' });
  assert.equal(t.status, 'Accepted');
  await csms.waitCall('Heartbeat', { from: t.from });

  t = await trigger({ requestedMessage: 'StatusNotification', evse: { id: 1, connectorId: 1 } });
  assert.equal(t.status, 'Accepted');
  const sn = await csms.waitCall('StatusNotification', { from: t.from });
  assert.deepEqual([sn.params.evseId, sn.params.connectorId, sn.params.connectorStatus], [1, 1, 'Available']);

  t = await trigger({ requestedMessage: 'BootNotification' });
  assert.equal(t.status, 'Rejected');
  t = await trigger({ requestedMessage: 'SignCombinedCertificate' });
  assert.equal(t.status, 'NotImplemented');
  assert.equal((await csms.call('RequestStopTransaction', { transactionId: 'no-such-transaction' })).status, 'Rejected');
  assert.equal(csms.calls.slice(t.from).filter((c) => c.action === 'BootNotification').length, 0);
  csms.assertNoViolations();
});
