// Switching OCPP version keeps the queue (issue 16): sessions run while the
// 1.6 back end is down, queued as 1.6 StartTransaction / MeterValues /
// StopTransaction; the station (ocpp.version 1.6,2.0.1) then reconnects to a
// back end that picks 2.0.1. Every transaction must arrive as TransactionEvent
// Started .. Ended (seqNo 0, 1, 2... in order), valid under the strict 2.0.1
// peer's schemas, each queued message said again (event ocpp_reencoded) and
// none dropped; the sessions and the badges stay the station's. And back:
// a queue filled under 2.0.1 reaches a back end that picks 1.6 as 1.6
// messages, the stops carrying the transactionId the 1.6 back end gave.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startBorned, tempDataDir } from './lib/borne.mjs';
import { Csms } from './lib/csms.mjs';
import { CsmsWsIo } from './lib/csms_ws_io.mjs';

const SESSIONS = 4;

/* A 2-connector station behind `csms` offering `versions` (the switch tests' settings). */
function switchingStation(csms, id, versions, dataDir = tempDataDir()) {
  return startBorned({
    dataDir, connectors: 2, auth: 'free', speed: 3600, args: ['--csms', csms.url],
    set: {
      'station.id': id,
      'ocpp.version': versions,
      'ocpp.MeterValueSampleInterval': '300',
      'ocpp.MinimumStatusDuration': '0',
      'ocpp.reconnect_max_s': '2',
    },
  });
}

/* A strict back end of `protocol` (ocpp-rpc, or the `Peer` given) on `port` (0: a free one). */
function backEnd(protocol, port = 0, Peer = Csms) {
  return new Peer({ protocol, tags: { FREECHARGING: 'Accepted' }, bootInterval: 3600 }).listen(port);
}

/* A test's end: the station stopped and its data gone, the back end it reached last closed. */
async function ends(st, csms) {
  await st.stop();
  st.cleanup();
  await csms?.close();
}

/* The station registered in `version`, then its back end closed: offline. */
async function acceptedThenOffline(st, csms, version) {
  await st.waitFor((s) => s.station.ocpp?.version === version && s.station.ocpp.registration === 'Accepted', { what: `${version} accepted` });
  await csms.close();
  await st.waitFor((s) => s.station.ocpp.state !== 'connected', { what: 'offline' });
}

async function runSession(st, c) {
  assert.equal(st.ctl('plug', String(c), '--ev-max-current', '6', '--phases', '1', '--battery-kwh', '6.6', '--soc', '90', '--target-soc', '100').code, 0);
  await st.waitFor((s) => ['SuspendedEV', 'Finishing'].includes(s.connectors[c - 1].status), { what: `connector ${c} full`, timeoutMs: 60000 });
  assert.equal(st.ctl('unplug', String(c)).code, 0);
  await st.waitStatus(c, 'Available');
}

test('a queue filled under 1.6 is delivered as 2.0.1 TransactionEvents when the server picks 2.0.1', async () => {
  const csms16 = await backEnd('ocpp1.6');
  const port = csms16.port;
  const st = await switchingStation(csms16, 'cp-switch', '1.6,2.0.1');
  let csms201;
  try {
    assert.equal((await csms16.connected()).protocol, 'ocpp1.6');
    await csms16.waitCall('BootNotification');
    await acceptedThenOffline(st, csms16, '1.6');
    for (let i = 0; i < SESSIONS / 2; i++) await Promise.all([runSession(st, 1), runSession(st, 2)]);
    const queued = (await st.status()).station.ocpp.queue_length;
    assert.ok(queued >= SESSIONS * 2, `the 1.6 messages are queued (${queued})`);
    const after = await st.lastEventId();

    /* the same address now answers 2.0.1 only */
    csms201 = await backEnd('ocpp2.0.1', port);
    assert.equal((await csms201.connected({ timeoutMs: 30000 })).protocol, 'ocpp2.0.1');
    await st.waitEvent('ocpp_version', { after, match: (e) => e.detail === '2.0.1' });
    await st.waitFor((s) => s.station.ocpp.version === '2.0.1' && s.station.ocpp.queue_length === 0, { what: 'queue flushed under 2.0.1', timeoutMs: 60000 });

    const events = csms201.callsOf('TransactionEvent').map((c) => c.params);
    const byTx = new Map();
    for (const e of events) {
      const id = e.transactionInfo.transactionId;
      if (!byTx.has(id)) byTx.set(id, []);
      byTx.get(id).push(e);
    }
    assert.equal(byTx.size, SESSIONS, `transactions: ${[...byTx.keys()]}`);
    for (const [id, list] of byTx) {
      assert.deepEqual(list.map((e) => e.seqNo), list.map((_, i) => i), `${id}: seqNo in order`);
      assert.equal(list[0].eventType, 'Started');
      assert.equal(list.at(-1).eventType, 'Ended');
      assert.ok(list[0].evse?.id === 1 || list[0].evse?.id === 2, `${id}: Started names its EVSE`);
      const begin = list[0].meterValue[0].sampledValue[0].value;
      const end = list.at(-1).meterValue[0].sampledValue[0].value;
      assert.ok(end > begin, `${id}: energy delivered (${begin} -> ${end})`);
    }
    assert.equal(csms201.callsOf('StartTransaction').length, 0);
    const history = (await st.ok('GET', '/api/v1/events?limit=1000')).events ?? [];
    assert.equal(history.filter((e) => e.kind === 'ocpp_dropped').length, 0, 'nothing dropped');
    assert.ok(history.filter((e) => e.kind === 'ocpp_reencoded').length >= SESSIONS * 2, 'each queued message said again');
    assert.equal((await st.ok('GET', '/api/v1/sessions?limit=100')).sessions.length, SESSIONS);
    csms201.assertNoViolations();
    csms16.assertNoViolations();
  } finally {
    await ends(st, csms201);
  }
});

test('and back: a queue filled under 2.0.1 is delivered as 1.6 messages when the server picks 1.6', async () => {
  const csms201 = await backEnd('ocpp2.0.1');
  const port = csms201.port;
  const st = await switchingStation(csms201, 'cp-switch-back', '2.0.1,1.6');
  let csms16;
  try {
    assert.equal((await csms201.connected()).protocol, 'ocpp2.0.1');
    await acceptedThenOffline(st, csms201, '2.0.1');
    await Promise.all([runSession(st, 1), runSession(st, 2)]);
    const after = await st.lastEventId();
    csms16 = await backEnd('ocpp1.6', port);
    assert.equal((await csms16.connected({ timeoutMs: 30000 })).protocol, 'ocpp1.6');
    await st.waitEvent('ocpp_version', { after, match: (e) => e.detail === '1.6' });
    await st.waitFor((s) => s.station.ocpp.version === '1.6' && s.station.ocpp.queue_length === 0, { what: 'queue flushed under 1.6', timeoutMs: 60000 });
    const starts = csms16.callsOf('StartTransaction');
    const stops = csms16.callsOf('StopTransaction');
    assert.equal(starts.length, 2);
    assert.equal(stops.length, 2);
    /* each stop names the transactionId the 1.6 back end gave its start */
    const given = new Set([1000, 1001]);
    for (const s of stops) assert.ok(given.has(s.params.transactionId), `stop of transaction ${s.params.transactionId}`);
    for (const m of csms16.callsOf('MeterValues')) assert.ok(given.has(m.params.transactionId));
    const events = (await st.ok('GET', `/api/v1/events?after=${after}&limit=1000`)).events;
    /* only what 1.6 cannot say is dropped: an Updated event without meter values */
    for (const e of events.filter((x) => x.kind === 'ocpp_dropped')) assert.match(e.detail, /without meter values/);
    assert.ok(events.filter((e) => e.kind === 'ocpp_reencoded').length >= 4);
    csms16.assertNoViolations();
    csms201.assertNoViolations();
  } finally {
    await ends(st, csms16);
  }
});

test('a switch to 1.6 ends the 2.0.1 transaction begun at the plug that waits for its badge, or at a badge that waits for its car; 1.6 then starts its own with the badge', async () => {
  const tags = { AB01: 'Accepted' };
  const csms201 = await new Csms({ protocol: 'ocpp2.0.1', tags, bootInterval: 3600 }).listen(0);
  const port = csms201.port;
  const st = await startBorned({
    connectors: 2, auth: 'ocpp', speed: 20, args: ['--csms', csms201.url],
    set: { 'station.id': 'cp-switch-early', 'ocpp.version': '2.0.1,1.6', 'ocpp.TxStartPoint': 'EVConnected', 'ocpp.MinimumStatusDuration': '0', 'ocpp.reconnect_max_s': '2' },
  });
  let csms16, csms201b, csms201c;
  try {
    await st.waitFor((s) => s.station.ocpp?.version === '2.0.1' && s.station.ocpp.registration === 'Accepted', { what: '2.0.1 accepted' });
    assert.equal(st.ctl('plug', '1').code, 0);
    const started = await csms201.waitCall('TransactionEvent', { match: (p) => p.eventType === 'Started' && p.triggerReason === 'CablePluggedIn' });
    const tx = started.params.transactionInfo.transactionId;
    await st.waitFor((s) => s.station.ocpp.queue_length === 0, { what: 'the Started delivered' });
    await csms201.close();
    await st.waitFor((s) => s.station.ocpp.state !== 'connected', { what: 'offline' });
    const after = await st.lastEventId();
    csms16 = await new Csms({ protocol: 'ocpp1.6', tags, bootInterval: 3600 }).listen(port);
    await st.waitEvent('ocpp_version', { after, match: (e) => e.detail === '1.6', timeoutMs: 30000 });
    // ended at the switch, its Ended queued before 1.6 speaks; 1.6 cannot say it (never numbered
    // there): set aside for the next 2.0.1 back end, not dropped
    await st.waitEvent('ocpp_tx_left', { after, match: (e) => e.detail.startsWith(tx) });
    await st.waitEvent('ocpp_parked', { after });
    await st.waitFor((s) => s.station.ocpp.registration === 'Accepted' && s.station.ocpp.queue_length === 0, { what: 'queue flushed under 1.6' });
    const events = (await st.ok('GET', `/api/v1/events?after=${after}&limit=1000`)).events;
    assert.ok(!events.some((e) => e.kind === 'ocpp_dropped'), 'nothing dropped');
    assert.equal(csms16.callsOf('StopTransaction').length, 0, 'the 1.6 back end hears nothing of it');
    assert.equal(csms16.callsOf('StartTransaction').length, 0, 'no 1.6 transaction without a badge');
    // the badge: borne's session, a 1.6 transaction of its own
    assert.equal(st.ctl('tap', 'AB01').code, 0);
    const start = await csms16.waitCall('StartTransaction');
    assert.equal(start.params.connectorId, 1);
    assert.equal(start.params.idTag, 'AB01');
    assert.equal(st.ctl('unplug', '1').code, 0);
    await csms16.waitCall('StopTransaction');
    await st.waitStatus(1, 'Available');
    await st.waitFor((s) => s.station.ocpp.queue_length === 0, { what: 'queue flushed under 1.6' });
    csms16.assertNoViolations();
    csms201.assertNoViolations();
    // back to 2.0.1, a badge before the car (TxStartPoint Authorized), then 1.6 again: it ends
    // too, the badge's authorization stays held and the car starts a 1.6 transaction with it
    await csms16.close();
    const again = await st.lastEventId();
    csms201b = await new Csms({ protocol: 'ocpp2.0.1', tags, bootInterval: 3600 }).listen(port);
    await st.waitEvent('ocpp_version', { after: again, match: (e) => e.detail === '2.0.1', timeoutMs: 30000 });
    await st.waitFor((s) => s.station.ocpp.version === '2.0.1' && s.station.ocpp.registration === 'Accepted', { what: '2.0.1 again' });
    // the 2.0.1 back end that got the Started gets its Ended now, seqNo after the Started's
    const ended = await csms201b.waitCall('TransactionEvent', { match: (p) => p.eventType === 'Ended' && p.transactionInfo.transactionId === tx });
    assert.equal(ended.params.seqNo, started.params.seqNo + 1);
    assert.equal(ended.params.triggerReason, 'AbnormalCondition');
    assert.equal(ended.params.transactionInfo.stoppedReason, 'Other');
    await st.waitFor((s) => s.station.ocpp.queue_length === 0, { what: 'the Ended delivered' });
    const set = await csms201b.call('SetVariables', { setVariableData: [{ component: { name: 'TxCtrlr' }, variable: { name: 'TxStartPoint' }, attributeValue: 'Authorized' }] });
    assert.equal(set.setVariableResult[0].attributeStatus, 'Accepted');
    assert.equal(st.ctl('tap', 'AB01').code, 0);
    const held = await csms201b.waitCall('TransactionEvent', { match: (p) => p.eventType === 'Started' && p.triggerReason === 'Authorized' });
    const tx2 = held.params.transactionInfo.transactionId;
    await st.waitFor((s) => s.station.ocpp.queue_length === 0, { what: 'the badge\'s Started delivered' });
    await csms201b.close();
    await st.waitFor((s) => s.station.ocpp.state !== 'connected', { what: 'offline again' });
    const third = await st.lastEventId();
    csms16 = await new Csms({ protocol: 'ocpp1.6', tags, bootInterval: 3600 }).listen(port);
    await st.waitEvent('ocpp_version', { after: third, match: (e) => e.detail === '1.6', timeoutMs: 30000 });
    await st.waitEvent('ocpp_tx_left', { after: third, match: (e) => e.detail.startsWith(tx2) });
    await st.waitFor((s) => s.station.ocpp.registration === 'Accepted' && s.station.ocpp.queue_length === 0, { what: 'queue flushed under 1.6 again' });
    assert.equal(st.ctl('plug', '2').code, 0);
    const start2 = await csms16.waitCall('StartTransaction');
    assert.equal(start2.params.connectorId, 2);
    assert.equal(start2.params.idTag, 'AB01');
    assert.equal(st.ctl('unplug', '2').code, 0);
    await csms16.waitCall('StopTransaction');
    await st.waitFor((s) => s.station.ocpp.queue_length === 0, { what: 'queue flushed under 1.6 again' });
    csms16.assertNoViolations();
    // 2.0.1 once more: the badge's transaction gets its Ended too; each Ended reached 2.0.1 once
    await csms16.close();
    const fourth = await st.lastEventId();
    csms201c = await new Csms({ protocol: 'ocpp2.0.1', tags, bootInterval: 3600 }).listen(port);
    await st.waitEvent('ocpp_version', { after: fourth, match: (e) => e.detail === '2.0.1', timeoutMs: 30000 });
    const ended2 = await csms201c.waitCall('TransactionEvent', { match: (p) => p.eventType === 'Ended' && p.transactionInfo.transactionId === tx2 });
    assert.equal(ended2.params.seqNo, held.params.seqNo + 1);
    assert.equal(ended2.params.transactionInfo.stoppedReason, 'Other');
    await st.waitFor((s) => s.station.ocpp.version === '2.0.1' && s.station.ocpp.queue_length === 0, { what: 'queue flushed under 2.0.1' });
    const endsOf = (c, id) => c.callsOf('TransactionEvent').filter((x) => x.params.eventType === 'Ended' && x.params.transactionInfo.transactionId === id).length;
    assert.equal(endsOf(csms201, tx) + endsOf(csms201b, tx) + endsOf(csms201c, tx), 1, 'the first Ended once');
    assert.equal(endsOf(csms201b, tx2) + endsOf(csms201c, tx2), 1, 'the badge\'s Ended once');
    csms201b.assertNoViolations();
    csms201c.assertNoViolations();
  } finally {
    await ends(st, csms201c ?? csms16);
  }
});

test('a station restarted straight into 1.6 (2.0.1 no longer offered) ends the 2.0.1 transaction waiting for its badge; the 2.0.1 back end gets the Ended once when 2.0.1 is offered again', async () => {
  const tags = { AB01: 'Accepted' };
  const dataDir = tempDataDir();
  const csms201 = await new Csms({ protocol: 'ocpp2.0.1', tags, bootInterval: 3600 }).listen(0);
  const port = csms201.port;
  const borned = (versions) => startBorned({
    dataDir, connectors: 2, auth: 'ocpp', speed: 20, args: ['--csms', csms201.url],
    set: { 'station.id': 'cp-switch-restart16', 'ocpp.version': versions, 'ocpp.TxStartPoint': 'EVConnected', 'ocpp.MinimumStatusDuration': '0', 'ocpp.reconnect_max_s': '2' },
  });
  let st = await borned('2.0.1');
  let csms16, csms201b;
  try {
    await st.waitFor((s) => s.station.ocpp?.version === '2.0.1' && s.station.ocpp.registration === 'Accepted', { what: '2.0.1 accepted' });
    assert.equal(st.ctl('plug', '1').code, 0);
    const started = await csms201.waitCall('TransactionEvent', { match: (p) => p.eventType === 'Started' && p.triggerReason === 'CablePluggedIn' });
    const tx = started.params.transactionInfo.transactionId;
    await st.waitFor((s) => s.station.ocpp.queue_length === 0, { what: 'the Started delivered' });
    await st.stop();
    await csms201.close();
    // started again offering 1.6 only: the 2.0.1 dialect does not run, the transaction ends in
    // the journal at the start and its Ended is set aside for 2.0.1
    csms16 = await new Csms({ protocol: 'ocpp1.6', tags, bootInterval: 3600 }).listen(port);
    st = await borned('1.6');
    await st.waitEvent('ocpp_tx_left', { after: 0, match: (e) => e.detail.startsWith(tx) });
    await st.waitEvent('ocpp_parked', { after: 0 });
    await st.waitFor((s) => s.station.ocpp?.version === '1.6' && s.station.ocpp.registration === 'Accepted' && s.station.ocpp.queue_length === 0, { what: '1.6 accepted, queue flushed' });
    assert.equal(csms16.callsOf('StopTransaction').length, 0, 'the 1.6 back end hears nothing of it');
    csms16.assertNoViolations();
    await st.stop();
    await csms16.close();
    // 2.0.1 offered again: the Ended, once, seqNo after the Started's
    csms201b = await new Csms({ protocol: 'ocpp2.0.1', tags, bootInterval: 3600 }).listen(port);
    st = await borned('2.0.1');
    const ended = await csms201b.waitCall('TransactionEvent', { match: (p) => p.eventType === 'Ended' && p.transactionInfo.transactionId === tx });
    assert.equal(ended.params.seqNo, started.params.seqNo + 1);
    assert.equal(ended.params.triggerReason, 'AbnormalCondition');
    assert.equal(ended.params.transactionInfo.stoppedReason, 'Other');
    await st.waitFor((s) => s.station.ocpp?.version === '2.0.1' && s.station.ocpp.registration === 'Accepted' && s.station.ocpp.queue_length === 0, { what: '2.0.1 again, queue flushed' });
    const endsOf = (c) => c.callsOf('TransactionEvent').filter((x) => x.params.transactionInfo.transactionId === tx && x.params.eventType === 'Ended').length;
    assert.equal(endsOf(csms201) + endsOf(csms201b), 1, 'the Ended once');
    assert.equal(csms201b.callsOf('TransactionEvent').filter((x) => x.params.transactionInfo.transactionId === tx).length, 1, 'nothing else of it');
    csms201.assertNoViolations();
    csms201b.assertNoViolations();
  } finally {
    await ends(st, csms201b ?? csms16);
  }
});

test('the version picked last survives a restart: queued offline in it, nothing re-encoded when the server picks it again', async () => {
  const csms16 = await backEnd('ocpp1.6');
  const port = csms16.port;
  const dataDir = tempDataDir();
  const borned = () => switchingStation(csms16, 'cp-switch-restart', '2.0.1,1.6', dataDir);
  let st = await borned();
  let again;
  try {
    assert.equal((await csms16.connected()).protocol, 'ocpp1.6');
    await acceptedThenOffline(st, csms16, '1.6');
    await st.stop();
    /* started again with the back end still down: it speaks 1.6, not 2.0.1 (offered first) */
    st = await borned();
    const after = await st.lastEventId();
    await st.waitFor((s) => s.station.ocpp?.version === '1.6' && s.station.ocpp.state !== 'connected', { what: 'offline in 1.6 after the restart' });
    await runSession(st, 1);
    const queued = (await st.status()).station.ocpp.queue_length;
    assert.ok(queued >= 2, `the session is queued (${queued})`);

    again = await backEnd('ocpp1.6', port);
    assert.equal((await again.connected({ timeoutMs: 30000 })).protocol, 'ocpp1.6');
    await st.waitFor((s) => s.station.ocpp.version === '1.6' && s.station.ocpp.queue_length === 0, { what: 'queue flushed under 1.6', timeoutMs: 60000 });
    assert.equal(again.callsOf('StartTransaction').length, 1);
    assert.equal(again.callsOf('StopTransaction').length, 1);
    assert.equal(again.callsOf('TransactionEvent').length, 0);
    const events = (await st.ok('GET', `/api/v1/events?after=${after}&limit=1000`)).events;
    assert.equal(events.filter((e) => e.kind === 'ocpp_reencoded').length, 0, 'nothing re-encoded');
    assert.equal(events.filter((e) => e.kind === 'ocpp_dropped').length, 0, 'nothing dropped');
    again.assertNoViolations();
    csms16.assertNoViolations();
  } finally {
    await ends(st, again);
  }
});

test('a session running across the switch to 2.0.1: its queued 1.6 messages take the first seqNo, in time order', async () => {
  const csms16 = await backEnd('ocpp1.6');
  const port = csms16.port;
  const st = await switchingStation(csms16, 'cp-switch-running', '1.6,2.0.1');
  let csms201;
  try {
    assert.equal((await csms16.connected()).protocol, 'ocpp1.6');
    await acceptedThenOffline(st, csms16, '1.6');
    /* a big battery: it still charges after the switch */
    assert.equal(st.ctl('plug', '1', '--ev-max-current', '16', '--phases', '1', '--battery-kwh', '80', '--soc', '5', '--target-soc', '100').code, 0);
    await st.waitStatus(1, 'Charging');
    await st.waitFor((s) => s.station.ocpp.queue_length >= 4, { what: 'Start and meter values queued in 1.6' });

    const after = await st.lastEventId();
    csms201 = await backEnd('ocpp2.0.1', port);
    assert.equal((await csms201.connected({ timeoutMs: 30000 })).protocol, 'ocpp2.0.1');
    /* the 2.0.1 dialect's own events of the running session arrive (online) */
    await csms201.waitCall('TransactionEvent', { match: (p) => p.eventType === 'Updated' && p.offline !== true, timeoutMs: 60000 });
    assert.equal(st.ctl('unplug', '1').code, 0);
    await st.waitStatus(1, 'Available');
    await st.waitFor((s) => s.station.ocpp.queue_length === 0, { what: 'queue flushed under 2.0.1', timeoutMs: 60000 });

    const events = csms201.callsOf('TransactionEvent').map((c) => c.params);
    assert.equal(new Set(events.map((e) => e.transactionInfo.transactionId)).size, 1, 'one transaction');
    assert.deepEqual(events.map((e) => e.seqNo), events.map((_, i) => i), 'seqNo in the order sent');
    assert.equal(events[0].eventType, 'Started');
    assert.equal(events.at(-1).eventType, 'Ended');
    for (let i = 1; i < events.length; i++)
      assert.ok(Date.parse(events[i].timestamp) >= Date.parse(events[i - 1].timestamp), `seqNo ${i} not older than ${i - 1}`);
    const history = (await st.ok('GET', `/api/v1/events?after=${after}&limit=1000`)).events ?? [];
    const reencoded = history.filter((e) => e.kind === 'ocpp_reencoded');
    assert.ok(reencoded.length >= 2 && reencoded.some((e) => /TransactionEvent Started seqNo 0/.test(e.detail)), `the queued 1.6 messages said again: ${reencoded.map((e) => e.detail)}`);
    assert.equal(history.filter((e) => e.kind === 'ocpp_dropped').length, 0, 'nothing dropped');
    csms201.assertNoViolations();
    csms16.assertNoViolations();
  } finally {
    await ends(st, csms201);
  }
});

// A transaction keeps one transactionId across the switch: its StartTransaction was delivered
// under 1.6 (the 1.6 back end numbered it 1000), then the station speaks 2.0.1. The 1.6 back
// end's id wins (docs/ocpp201.md, "Switching version"): the queued 1.6 MeterValues said again
// and the 2.0.1 dialect's own Updated / Ended events all carry "1000", seqNo 0, 1, 2... without
// a gap (no Started: the back end has it already). A TxProfile the 1.6 back end bound to it still
// limits it under 2.0.1 and is reported with that transactionId. Against both strict 2.0.1 peers.
for (const [peer, Peer201] of [['ocpp-rpc', Csms], ['ocpp-ws-io', CsmsWsIo]]) {
  test(`a session delivered under 1.6 keeps its transactionId under 2.0.1 (${peer})`, async () => {
    const csms16 = await backEnd('ocpp1.6');
    const port = csms16.port;
    const st = await switchingStation(csms16, `cp-switch-txid-${peer}`, '1.6,2.0.1');
    let csms201;
    try {
      assert.equal((await csms16.connected()).protocol, 'ocpp1.6');
      await st.waitFor((s) => s.station.ocpp?.version === '1.6' && s.station.ocpp.registration === 'Accepted', { what: '1.6 accepted' });
      assert.equal(st.ctl('plug', '1', '--ev-max-current', '16', '--phases', '1', '--battery-kwh', '80', '--soc', '5', '--target-soc', '100').code, 0);
      const start = await csms16.waitCall('StartTransaction', { timeoutMs: 30000 });
      assert.equal(start.params.connectorId, 1);
      await st.waitFor((s) => s.connectors[0].status === 'Charging' && s.station.ocpp.queue_length === 0, { what: 'the StartTransaction delivered under 1.6' });
      // a TxProfile the 1.6 back end bound to the transaction (8 A) follows it into 2.0.1 (one profile store)
      const txProfile = {
        chargingProfileId: 77, transactionId: 1000, stackLevel: 1, chargingProfilePurpose: 'TxProfile', chargingProfileKind: 'Relative',
        chargingSchedule: { chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 8 }] },
      };
      assert.equal((await csms16.call('SetChargingProfile', { connectorId: 1, csChargingProfiles: txProfile })).status, 'Accepted');
      await st.waitFor((s) => s.connectors[0].offered_a === 8 && s.connectors[0].limited_by === 'ocpp_profile', { what: 'the 1.6 TxProfile in force' });
      await csms16.close();
      await st.waitFor((s) => s.station.ocpp.state !== 'connected', { what: 'offline' });
      await st.waitFor((s) => s.station.ocpp.queue_length >= 2, { what: '1.6 MeterValues queued offline' });

      const after = await st.lastEventId();
      csms201 = await backEnd('ocpp2.0.1', port, Peer201);
      assert.equal((await csms201.connected({ timeoutMs: 30000 })).protocol, 'ocpp2.0.1');
      await csms201.waitCall('TransactionEvent', { match: (p) => p.eventType === 'Updated' && p.offline !== true, timeoutMs: 60000 });
      const shown = (await st.status()).connectors[0];
      assert.equal(shown.ocpp_transaction_id, '1000', 'the status shows the id the back end knows');
      assert.equal(shown.offered_a, 8, 'the TxProfile set under 1.6 still limits its transaction');
      assert.equal(shown.limited_by, 'ocpp_profile');
      const asked = csms201.calls.length;
      assert.equal((await csms201.call('GetChargingProfiles', { requestId: 5, chargingProfile: { chargingProfilePurpose: 'TxProfile' } })).status, 'Accepted');
      const report = await csms201.waitCall('ReportChargingProfiles', { from: asked, match: (p) => p.requestId === 5 && !p.tbc });
      assert.equal(report.params.evseId, 1);
      assert.deepEqual(report.params.chargingProfile.map((p) => [p.id, p.transactionId, p.chargingSchedule[0].chargingSchedulePeriod[0].limit]), [[77, '1000', 8]]);
      assert.equal(st.ctl('unplug', '1').code, 0);
      await st.waitStatus(1, 'Available');
      await st.waitFor((s) => s.station.ocpp.queue_length === 0, { what: 'queue flushed under 2.0.1', timeoutMs: 60000 });

      const events = csms201.callsOf('TransactionEvent').map((c) => c.params);
      assert.ok(events.some((e) => e.offline === true) && events.some((e) => e.offline !== true), 'both re-encoded 1.6 messages and the dialect\'s own events');
      assert.deepEqual([...new Set(events.map((e) => e.transactionInfo.transactionId))], ['1000'], 'one transaction, one transactionId');
      assert.deepEqual(events.map((e) => e.seqNo), events.map((_, i) => i), 'seqNo without a gap');
      assert.equal(events.filter((e) => e.eventType === 'Started').length, 0, 'its start was delivered under 1.6');
      assert.equal(events.at(-1).eventType, 'Ended');
      const history = (await st.ok('GET', `/api/v1/events?after=${after}&limit=1000`)).events ?? [];
      assert.equal(history.filter((e) => e.kind === 'ocpp_dropped').length, 0, 'nothing dropped');
      assert.ok(history.some((e) => e.kind === 'ocpp_reencoded'), 'the queued 1.6 messages said again');
      csms201.assertNoViolations();
      csms16.assertNoViolations();
    } finally {
      await ends(st, csms201);
    }
  });
}
