// CT clamps end to end on the simulator: POST /api/v1/sim/grid sets the RMS
// current the three simulated 100 A / 333 mV clamps see; borned reads a
// block of ADC samples per clamp in a worker thread every
// grid.ct_interval_ms, computes the RMS with each clamp's calibration and
// shows it in station.grid_input.ct (and publishes it as grid_sample "ct").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startBorned } from './lib/borne.mjs';

const near = (a, b, eps = 0.01) => Math.abs(a - b) <= eps;

/* Re-read the status after each second of the event long-poll until pred holds. */
async function waitCt(st, pred, what) {
  for (let i = 0; i < 20; i++) {
    const s = await st.status();
    if (pred(s.station.grid_input.ct)) return s.station.grid_input.ct;
    const after = await st.lastEventId();
    await st.ok('GET', `/api/v1/events?after=${after}&wait=1`);
  }
  throw new Error(`CT: ${what} not reached`);
}

test('CT clamps: RMS per phase with calibration', async (t) => {
  const st = await startBorned({ set: { 'grid.source': 'ct', 'grid.ct_interval_ms': 100, 'grid.ct.l2.gain': 1.1 } });
  t.after(async () => { await st.stop(); st.cleanup(); });
  let ct = await waitCt(st, (c) => c.reads > 0, 'first reading');
  assert.deepEqual(ct.current_a, [0, 0, 0]);
  assert.equal(ct.errors, 0);
  assert.equal(ct.last_error, null);
  assert.ok(ct.last_at);

  await st.ok('POST', '/api/v1/sim/grid', { ct_current_a: [12.5, 8.0, 10.1] });
  ct = await waitCt(st, (c) => c.current_a[0] > 0, 'the new load');
  assert.ok(near(ct.current_a[0], 12.5), JSON.stringify(ct.current_a));
  assert.ok(near(ct.current_a[1], 8.8), 'L2 has a gain of 1.1');
  assert.ok(near(ct.current_a[2], 10.1));
  assert.deepEqual(ct.clipped, [false, false, false]);

  // a load step down is seen at the next reading
  await st.ok('POST', '/api/v1/sim/grid', { ct_current_a: [0.1, 40, 63] });
  ct = await waitCt(st, (c) => c.current_a[2] > 60, 'the step');
  assert.equal(ct.current_a[0], 0, 'under the 0.2 A noise floor');
  assert.ok(near(ct.current_a[1], 44));
  assert.ok(near(ct.current_a[2], 63));
});

test('CT clamps: a bad calibration is refused at start', async () => {
  const { runBornedExpectingFailure, tempDataDir } = await import('./lib/borne.mjs');
  const r = runBornedExpectingFailure(['--sim', '--data-dir', tempDataDir(), '--http', '127.0.0.1:0',
    '--set', 'grid.source=ct', '--set', 'grid.ct.l1.gain=7']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /grid\.ct\.l1\.gain/);
});
