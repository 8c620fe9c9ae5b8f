// The shunt-trip output (issue 20, seed 001) on the simulator: a welded
// contactor (fault injection) pulses the output that trips the upstream
// breaker, once, with an event for the trip and one for its end (the
// simulated breaker does not cut the station's supply, so it says the
// station still runs); station.shunt_trip in the status.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startBorned } from './lib/borne.mjs';

test('a welded contactor trips the upstream breaker through the shunt-trip output', async () => {
  const st = await startBorned({ connectors: 2, auth: 'free', set: { 'shunt_trip.enabled': 'true', 'shunt_trip.pulse_ms': '200' } });
  try {
    let s = await st.waitFor((x) => x.station.shunt_trip && x.connectors.every((c) => c.status === 'Available'), { what: 'ready' });
    assert.deepEqual(s.station.shunt_trip, { output: false, trips: 0, last_trip: null, cause: null });
    assert.equal(st.ctl('plug', '1').code, 0);
    await st.waitStatus(1, 'Charging');
    const after = await st.lastEventId();
    assert.equal(st.ctl('fault', '1', 'welding').code, 0);
    assert.equal(st.ctl('ev', '1', 'pause').code, 0); // the station commands open, the contact stays closed
    s = await st.waitStatus(1, 'Faulted');
    assert.equal(s.connectors[0].error.code, 201);
    const on = await st.waitEvent('shunt_trip', { after, match: (e) => /^output on/.test(e.detail) });
    assert.equal(on.connector, 1);
    assert.match(on.detail, /contactor welded on connector 1 \(201\)/);
    const off = await st.waitEvent('shunt_trip', { after, match: (e) => /^output off/.test(e.detail) });
    assert.match(off.detail, /after 200 ms; the station still runs/);
    s = await st.status();
    assert.equal(s.station.shunt_trip.output, false);
    assert.equal(s.station.shunt_trip.trips, 1);
    assert.match(s.station.shunt_trip.cause, /contactor welded/);
    assert.ok(s.station.shunt_trip.last_trip);
    // the other connector's ordinary fault trips nothing
    assert.equal(st.ctl('fault', '2', 'overtemp').code, 0);
    await st.waitStatus(2, 'Faulted');
    assert.equal((await st.status()).station.shunt_trip.trips, 1);
    const evs = (await st.ok('GET', `/api/v1/events?after=${after}&limit=100`)).events.filter((e) => e.kind === 'shunt_trip');
    assert.equal(evs.length, 2, JSON.stringify(evs));
  } finally { await st.stop(); st.cleanup(); }
});

test('a failed RCD self-test at start trips it too; without shunt_trip.enabled nothing is driven', async () => {
  const st = await startBorned({ connectors: 2, set: { 'shunt_trip.enabled': 'true', 'sim.selftest_fail': '2:rcd' } });
  try {
    const on = await st.waitEvent('shunt_trip', { match: (e) => /^output on/.test(e.detail) });
    assert.match(on.detail, /residual-current monitor failed its self-test on connector 2 \(102\)/);
  } finally { await st.stop(); st.cleanup(); }
  const plain = await startBorned({ connectors: 1, set: { 'sim.selftest_fail': '1:rcd' } });
  try {
    await plain.waitStatus(1, 'Faulted');
    assert.equal((await plain.status()).station.shunt_trip, undefined);
    assert.equal((await plain.ok('GET', '/api/v1/events?limit=100')).events.filter((e) => e.kind === 'shunt_trip').length, 0);
  } finally { await plain.stop(); plain.cleanup(); }
});
