// Nothing lost: borned is killed with SIGKILL at random instants while cars
// charge. After each restart every session that had begun is present, none
// is left open, none is counted twice, and the meter register never goes
// backwards. `make soak` (BORNE_SOAK=1) runs 1 000 rounds, `make test` 30.
// The random instants come from a seeded generator: the seed is printed, and
// BORNE_SEED=S runs the same instants again (the kills land at the same
// delays; what borned was doing then still depends on the machine's timing).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { SOAK, startBorned, tempDataDir } from './lib/borne.mjs';

const ROUNDS = SOAK ? 1000 : 30;
const SEED = process.env.BORNE_SEED ? Number(process.env.BORNE_SEED) >>> 0 : (Math.random() * 2 ** 32) >>> 0;

/** mulberry32: a small seeded generator of floats in [0, 1). */
function seeded(seed) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function checkHistory(sessions, registers) {
  const byConnector = new Map();
  for (const s of sessions) {
    assert.equal(s.active, false, `session ${s.id} left open`);
    assert.ok(s.meter_stop_wh >= s.meter_start_wh, `session ${s.id} negative energy`);
    if (!byConnector.has(s.connector)) byConnector.set(s.connector, []);
    byConnector.get(s.connector).push(s);
  }
  for (const [c, list] of byConnector) {
    list.sort((a, b) => a.id - b.id);
    for (let i = 1; i < list.length; i++) {
      // energy ranges of successive sessions never overlap: nothing counted twice
      assert.ok(list[i].meter_start_wh >= list[i - 1].meter_stop_wh - 1e-6,
        `connector ${c}: session ${list[i].id} starts at ${list[i].meter_start_wh} before ${list[i - 1].id} stopped at ${list[i - 1].meter_stop_wh}`);
    }
    const last = list[list.length - 1];
    assert.ok(registers[c - 1] >= last.meter_stop_wh - 1e-6, `connector ${c}: register ${registers[c - 1]} behind session ${last.id}`);
  }
}

test(`SIGKILL at ${ROUNDS} random instants during charging loses no session`, async () => {
  console.log(`crash: ${ROUNDS} rounds, seed ${SEED} (BORNE_SEED=${SEED} replays)`);
  const random = seeded(SEED);
  const dataDir = tempDataDir();
  const seen = new Set();
  let lastRegisters = [0, 0];
  let round = 0;
  for (; round < ROUNDS; round++) {
    const st = await startBorned({ dataDir, connectors: 2, auth: 'free', speed: 600 });
    // after a restart the history is complete and closed
    const status = await st.waitFor((x) => x.station.selftest_done && x.connectors.every((c) => c.status === 'Available'), { what: 'Available after restart' });
    const registers = status.connectors.map((c) => c.energy_wh);
    registers.forEach((r, i) => assert.ok(r >= lastRegisters[i] - 1e-6, `register of ${i + 1} went backwards: ${r} < ${lastRegisters[i]}`));
    lastRegisters = registers;
    const sessions = (await st.ok('GET', '/api/v1/sessions')).sessions;
    for (const id of seen) assert.ok(sessions.some((s) => s.id === id), `session ${id} lost after kill -9`);
    checkHistory(sessions, registers);
    for (const s of sessions) {
      if (seen.has(s.id)) continue;
      seen.add(s.id);
    }
    // charge, then die at a random instant
    await st.ok('POST', '/api/v1/sim/connectors/1/plug', {});
    if (round % 2 === 0) await st.ok('POST', '/api/v1/sim/connectors/2/plug', { phases: 1 });
    const charging = await st.waitFor((x) => x.connectors[0].session !== null, { what: 'session begun' });
    seen.add(charging.connectors[0].session.id);
    if (charging.connectors[1].session) seen.add(charging.connectors[1].session.id);
    await delay(Math.floor(random() * 300)); // the random instant of the crash, not a wait for a condition
    await st.kill();
  }
  const st = await startBorned({ dataDir, connectors: 2, auth: 'free' });
  try {
    const status = await st.waitFor((x) => x.station.selftest_done, { what: 'final start' });
    const sessions = (await st.ok('GET', '/api/v1/sessions')).sessions;
    for (const id of seen) assert.ok(sessions.some((s) => s.id === id), `session ${id} lost`);
    checkHistory(sessions, status.connectors.map((c) => c.energy_wh));
    assert.ok(sessions.every((s) => s.stop_reason === 'PowerLoss'), 'every interrupted session closed with PowerLoss');
    assert.ok(sessions.some((s) => s.energy_wh > 0), 'some energy was recorded');
    assert.equal(round, ROUNDS);
    console.log(`crash: ${round} rounds run, ${seen.size} sessions, none lost, seed ${SEED}`);
  } finally { await st.stop(); st.cleanup(); }
});
