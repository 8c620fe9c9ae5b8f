// Safety faults injected into the simulated hardware: the contactor opens,
// the connector is Faulted with the documented code, and recovers as the
// error table says (unplug, or an operator's clear for latched faults).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startBorned, slowDiskEnv } from './lib/borne.mjs';

let st;
before(async () => {
  st = await startBorned({ connectors: 2, auth: 'free', speed: 50 });
  await st.waitFor((x) => x.connectors.every((c) => c.status === 'Available'));
});
after(async () => { await st.stop(); st.cleanup(); });

async function charging(c) {
  assert.equal(st.ctl('plug', String(c)).code, 0);
  return st.waitFor((x) => x.connectors[c - 1].status === 'Charging' && x.connectors[c - 1].contactor_closed, { what: `connector ${c} charging` });
}

test('RCD trip: contactor opens at once, Faulted 101 until unplug', async () => {
  await charging(1);
  assert.equal(st.ctl('fault', '1', 'rcd').code, 0);
  const s = await st.waitStatus(1, 'Faulted');
  const c = s.connectors[0];
  assert.equal(c.contactor_closed, false);
  assert.equal(c.error.code, 101);
  assert.equal(c.error.ocpp, 'GroundFailure');
  assert.equal(c.led.colour, 'red');
  const [session] = st.ctlJson('sessions', '--connector', '1').sessions;
  assert.equal(session.active, false, 'the session ended with the trip');
  assert.equal(st.ctl('unplug', '1').code, 0);
  const s2 = await st.waitStatus(1, 'Available');
  assert.equal(s2.connectors[0].error, null);
});

test('welded contactor: Faulted 201, no new session until cleared', async () => {
  await charging(1);
  assert.equal(st.ctl('fault', '1', 'welding').code, 0);
  assert.equal(st.ctl('ev', '1', 'pause').code, 0); // EV stops: the station commands open, feedback stays closed
  const s = await st.waitStatus(1, 'Faulted');
  assert.equal(s.connectors[0].error.code, 201);
  assert.equal(st.ctl('unplug', '1').code, 0);
  // The point shows "EVSE unavailable" (state F) while latched: a new car gets no session.
  assert.equal(st.ctl('plug', '1').code, 0);
  const c = await st.connector(1);
  assert.equal(c.status, 'Faulted', 'welding is latched: unplug does not clear it');
  assert.equal(c.session, null);
  assert.equal(st.ctl('unplug', '1').code, 0);
  assert.equal(st.ctl('fault', '1', 'clear').code, 0);
  await st.waitStatus(1, 'Available');
});

test('lock failure: no charging, Faulted 301', async () => {
  assert.equal(st.ctl('fault', '2', 'lock').code, 0);
  assert.equal(st.ctl('plug', '2').code, 0);
  const s = await st.waitStatus(2, 'Faulted');
  assert.equal(s.connectors[1].error.code, 301);
  assert.equal(s.connectors[1].contactor_closed, false);
  assert.equal(st.ctl('unplug', '2').code, 0);
  assert.equal(st.ctl('fault', '2', 'clear').code, 0);
  await st.waitStatus(2, 'Available');
});

test('diode failure: Faulted 402, contactor open', async () => {
  await charging(2);
  assert.equal(st.ctl('fault', '2', 'diode').code, 0);
  const s = await st.waitStatus(2, 'Faulted');
  assert.equal(s.connectors[1].error.code, 402);
  assert.equal(s.connectors[1].contactor_closed, false);
  assert.equal(st.ctl('unplug', '2').code, 0);
  await st.waitStatus(2, 'Available');
});

test('over-temperature stops charging with 601 and recovers when cooled', async () => {
  await charging(2);
  assert.equal(st.ctl('fault', '2', 'overtemp').code, 0);
  const s = await st.waitFor((x) => x.connectors[1].error?.code === 601, { what: 'overtemp error' });
  assert.equal(s.connectors[1].contactor_closed, false);
  assert.equal(st.ctl('fault', '2', 'clear').code, 0);
  await st.waitFor((x) => x.connectors[1].error === null, { what: 'overtemp cleared' });
  assert.equal(st.ctl('unplug', '2').code, 0);
  await st.waitStatus(2, 'Available');
});

test('EV asking for ventilation (state D) on a station without it does not charge', async () => {
  await charging(1);
  assert.equal(st.ctl('ev', '1', 'ventilation').code, 0);
  const s = await st.waitFor((x) => x.connectors[0].error?.code === 702, { what: 'ventilation error' });
  assert.equal(s.connectors[0].contactor_closed, false);
  assert.equal(s.connectors[0].status, 'Faulted');
  assert.equal(st.ctl('unplug', '1').code, 0);
  await st.waitStatus(1, 'Available');
});

test('self-test failure at start makes the connector Faulted with its code', async () => {
  const bad = await startBorned({ connectors: 2, auth: 'free', set: { 'sim.selftest_fail': '2:rcd' } });
  try {
    const s = await bad.waitFor((x) => x.station.selftest_done && x.connectors[1].status === 'Faulted', { what: 'self-test fault' });
    assert.equal(s.connectors[1].error.code, 102);
    assert.equal(s.connectors[0].status, 'Available');
    const ev = (await bad.ok('GET', '/api/v1/events?limit=1000')).events;
    assert.ok(ev.some((e) => e.kind === 'selftest' && e.connector === 2 && e.detail !== 'passed'));
    assert.ok(ev.some((e) => e.kind === 'selftest' && e.connector === 1 && e.detail === 'passed'));
  } finally { await bad.stop(); bad.cleanup(); }
});

test('a slow disk stalling the loop never turns a contactor that followed into a welded fault', async () => {
  // Every fsync takes 30 ms (an SD card under load): at --sim-speed 50 each
  // synchronous commit is 1.5 s of station time, far past the 200 ms the
  // contactor's feedback has. The feedback came in time, only the loop was
  // busy: deadlines are judged after the inputs already waiting.
  const slow = await startBorned({ connectors: 2, auth: 'free', speed: 50, env: slowDiskEnv(30) });
  try {
    for (let round = 1; round <= 8; round++) {
      assert.equal(slow.ctl('plug', '1', '--ev-max-current', '16').code, 0);
      await slow.waitFor((x) => x.connectors[0].status === 'Charging' && x.connectors[0].contactor_closed,
        { what: `round ${round}: charging` });
      const from = await slow.lastEventId();
      assert.equal((await slow.api('POST', '/api/v1/connectors/1/unlock', {})).status, 200);
      await slow.waitEvent('session_stop', { after: from });
      const s = await slow.waitFor((x) => !x.connectors[0].contactor_closed || x.connectors[0].status === 'Faulted',
        { what: `round ${round}: contactor open` });
      assert.equal(s.connectors[0].error, null, `round ${round}: ${JSON.stringify(s.connectors[0].error)}`);
      assert.equal(slow.ctl('unplug', '1').code, 0);
      const a = await slow.waitFor((x) => ['Available', 'Faulted'].includes(x.connectors[0].status),
        { what: `round ${round}: Available` });
      assert.equal(a.connectors[0].status, 'Available', `round ${round}: ${JSON.stringify(a.connectors[0].error)}`);
    }
  } finally {
    await slow.stop();
    slow.cleanup();
  }
});
