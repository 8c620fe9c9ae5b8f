// P1 / DSMR end to end: borned --sim reads grid.port, one end of a socat pty
// pair, and the test writes telegrams into the other end as the meter does
// every second (115200 8N1; the pty ignores the speed). The telegrams are the
// fixtures of tests/data/p1/ (the DSMR 5.0.2 and 4.2.2 companion standards'
// example telegrams and two of the same format). Checks the grid_input
// status object, the events, that a telegram with a bad CRC is ignored and
// counted, and that unplugging the line (killing socat) is reported and
// recovered.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startBorned } from './lib/borne.mjs';
import { PtyLine, fixture } from './lib/grid.mjs';

const near = (a, b, eps = 0.001) => Math.abs(a - b) <= eps;

test('P1: DSMR 5.0 and 4.2 telegrams, bad CRC ignored, line lost and back', async (t) => {
  const line = new PtyLine();
  t.after(() => line.close());
  await line.plug();
  const st = await startBorned({ set: { 'grid.source': 'p1', 'grid.port': line.device } });
  t.after(async () => { await st.stop(); st.cleanup(); });
  await st.waitEvent('grid', { match: (e) => /p1 line open on/.test(e.detail) });

  // The house telegram: 10 A and 5 A drawn on L1/L2, 2 A exported on L3, low tariff (NL: off-peak).
  let after = await st.lastEventId();
  line.write(fixture('p1', 'dsmr50_load.txt'), 64);
  const first = await st.waitEvent('grid', { after, match: (e) => /p1 data from meter/.test(e.detail) });
  assert.match(first.detail, /ISK5\\2M550T-1012.*off-peak/);
  let s = await st.status();
  let g = s.station.grid_input;
  assert.equal(g.source, 'p1');
  assert.equal(g.line, 'up');
  assert.equal(g.frames, 1);
  assert.deepEqual(g.current_a.map((x) => Math.round(x * 1000) / 1000), [10, 5, -2]);
  assert.deepEqual(g.power_w, [2300, 1150, -460]);
  assert.equal(g.power_total_w, 2990);
  assert.equal(g.tariff, '1');
  assert.equal(g.offpeak, true);
  assert.equal(g.crc_errors, 0);

  // The same telegram with one digit changed (its CRC no longer matches): ignored whole.
  const bad = Buffer.from(fixture('p1', 'dsmr50_load.txt'));
  const at = bad.indexOf('1-0:31.7.0(010*A)');
  bad[at + 12] = '9'.charCodeAt(0);
  after = await st.lastEventId();
  line.write(bad);
  await st.waitEvent('grid', { after, match: (e) => /p1: 1 telegram\(s\) ignored \(1 bad CRC/.test(e.detail) });
  s = await st.status();
  g = s.station.grid_input;
  assert.equal(g.crc_errors, 1);
  assert.equal(g.frames, 1);
  assert.ok(near(g.current_a[0], 10), 'the bad telegram changed nothing');

  // The 5.0.2 example telegram: tariff 2 (peak in NL), exporting on every phase.
  line.write(fixture('p1', 'dsmr50_example.txt'));
  await st.waitEvent('grid', { after, match: (e) => /p1 tariff period 1 -> 2 \(peak\)/.test(e.detail) });
  s = await st.status();
  g = s.station.grid_input;
  assert.equal(g.frames, 2);
  assert.equal(g.meter_id, 'ISk5\\2MT382-1000');
  assert.equal(g.power_total_w, 1193);
  assert.deepEqual(g.power_w, [-3333, -3333, -3333]);
  assert.ok(g.current_a.every((x) => x < -15), JSON.stringify(g.current_a));
  assert.equal(g.offpeak, false);

  // Unplug and plug back: reported, recovered, and the 4.2 example decodes after.
  after = await st.lastEventId();
  await line.unplug();
  await st.waitEvent('grid', { after, match: (e) => /p1 line lost/.test(e.detail) });
  s = await st.status();
  assert.equal(s.station.grid_input.line, 'down');
  assert.equal(s.station.grid_input.line_losses, 1);
  after = await st.lastEventId();
  await line.plug();
  await st.waitEvent('grid', { after, match: (e) => /p1 line back on/.test(e.detail) });
  line.write(fixture('p1', 'dsmr42_example.txt'));
  await st.waitEvent('grid', { after, match: (e) => /p1 data from meter ISk5\\2MT382-1000/.test(e.detail) });
  s = await st.status();
  g = s.station.grid_input;
  assert.equal(g.line, 'up');
  assert.equal(g.frames, 3);
  assert.deepEqual(g.current_a, [-1, -2, -3]); // DSMR 4.2 has no voltage: whole amperes
});

test('P1: Belgian single-phase meter with grid.p1_offpeak_tariff = 2', async (t) => {
  const line = new PtyLine();
  t.after(() => line.close());
  await line.plug();
  const st = await startBorned({ set: { 'grid.source': 'p1', 'grid.port': line.device, 'grid.p1_offpeak_tariff': 2 } });
  t.after(async () => { await st.stop(); st.cleanup(); });
  await st.waitEvent('grid', { match: (e) => /p1 line open on/.test(e.detail) });
  const after = await st.lastEventId();
  // a half telegram first (cut by the next '/'), then a whole one
  const whole = fixture('p1', 'emucs_mono.txt');
  line.write(Buffer.concat([whole.subarray(0, 120), whole]));
  await st.waitEvent('grid', { after, match: (e) => /p1 data from meter FLU5\\253769484_A, off-peak/.test(e.detail) });
  const s = await st.status();
  const g = s.station.grid_input;
  assert.equal(g.dropped, 1);
  assert.equal(g.crc_errors, 0);
  assert.deepEqual(g.current_a, [7, 0, 0]);
  assert.deepEqual(g.power_w, [1610, 0, 0]);
  assert.equal(g.offpeak, true);
});
