// Linky TIC end to end: borned --sim reads grid.port, one end of a socat pty
// pair, and the test writes telegrams into the other end as the meter would
// (7-bit characters; the pty ignores the baud rate). The telegrams are the
// fixtures of tests/data/tic/ written from Enedis-NOI-CPT_54E. Checks the
// grid_input status object, the events, that groups with a bad checksum are
// counted and ignored, and that unplugging the line (killing socat) is
// reported and recovered.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startBorned } from './lib/borne.mjs';
import { PtyLine, fixture } from './lib/grid.mjs';

const gridInput = (s) => s.station.grid_input;

test('TIC: historic and standard frames, bad groups, line lost and back', async (t) => {
  const line = new PtyLine();
  t.after(() => line.close());
  await line.plug();
  const st = await startBorned({ set: { 'grid.source': 'tic', 'grid.port': line.device, 'grid.tic_mode': 'auto' } });
  t.after(async () => { await st.stop(); st.cleanup(); });

  await st.waitEvent('grid', { match: (e) => /tic line open on/.test(e.detail) });
  let s = await st.status();
  assert.equal(gridInput(s).line, 'up');
  assert.equal(gridInput(s).frames, 0);
  assert.equal(gridInput(s).current_a, null);

  // A historic single-phase frame, written in small pieces as a 1200 baud line delivers it.
  let after = await st.lastEventId();
  line.write(fixture('tic', 'historic_mono.tic'), 7);
  const first = await st.waitEvent('grid', { after, match: (e) => /tic data from meter/.test(e.detail) });
  assert.match(first.detail, /meter 031762120162, historic mode, off-peak/);
  s = await st.status();
  let g = gridInput(s);
  assert.equal(g.frames, 1);
  assert.equal(g.mode, 'historic');
  assert.equal(g.meter_id, '031762120162');
  assert.deepEqual(g.current_a, [12, 0, 0]);
  assert.equal(g.power_total_w, 2760);
  assert.equal(g.offpeak, true);
  assert.equal(g.tariff, 'HC..');
  assert.equal(g.groups_bad, 0);
  assert.ok(g.last_frame_at);

  // A standard three-phase frame with one corrupted group (IRMS2's value
  // changed under its old checksum), then the same frame intact.
  const good = fixture('tic', 'standard_tri.tic');
  const bad = Buffer.from(good);
  const at = bad.indexOf('IRMS2\t008');
  bad[at + 8] = '9'.charCodeAt(0);
  after = await st.lastEventId();
  line.write(Buffer.concat([bad, good]));
  await st.waitEvent('grid', { after, match: (e) => /tic: 1 bad group\(s\) dropped/.test(e.detail) });
  await st.waitEvent('grid', { after, match: (e) => /tic tariff period HC\.\. -> HEURE  CREUSE \(off-peak\)/.test(e.detail) });
  s = await st.waitFor((x) => gridInput(x).frames === 3, { what: 'three frames' });
  g = gridInput(s);
  assert.equal(g.groups_bad, 1);
  assert.equal(g.mode, 'standard');
  assert.deepEqual(g.current_a, [12, 8, 10]);
  assert.deepEqual(g.power_w, [2780, 1850, 2500]);
  assert.equal(g.power_total_w, 7130);
  assert.equal(g.meter_id, '041876097467');

  // Unplug: the line goes down and says why; plug back: it comes back by itself.
  after = await st.lastEventId();
  await line.unplug();
  const lost = await st.waitEvent('grid', { after, match: (e) => /tic line lost/.test(e.detail) });
  assert.match(lost.detail, new RegExp(line.device.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  s = await st.status();
  assert.equal(gridInput(s).line, 'down');
  assert.ok(gridInput(s).line_error);
  assert.equal(gridInput(s).line_losses, 1);
  // the last values stay visible, with their time, while the line is down
  assert.equal(gridInput(s).frames, 3);

  after = await st.lastEventId();
  await line.plug();
  await st.waitEvent('grid', { after, match: (e) => /tic line back on/.test(e.detail) });
  line.write(fixture('tic', 'historic_tri.tic'));
  const again = await st.waitEvent('grid', { after, match: (e) => /tic data from meter 031762120163/.test(e.detail) });
  assert.match(again.detail, /historic mode/);
  s = await st.status();
  g = gridInput(s);
  assert.equal(g.line, 'up');
  assert.equal(g.line_error, null);
  assert.equal(g.frames, 4);
  assert.deepEqual(g.current_a, [10, 5, 20]);
  assert.equal(g.offpeak, null); // TH.. : a single-tariff contract says nothing
});

test('TIC: a fixed mode drops the other mode\'s groups; a missing device is retried', async (t) => {
  const line = new PtyLine();
  t.after(() => line.close());
  // borned starts before the device exists: not an error, the line is down and retried
  const st = await startBorned({ set: { 'grid.source': 'tic', 'grid.port': line.device, 'grid.tic_mode': 'standard' } });
  t.after(async () => { await st.stop(); st.cleanup(); });
  await st.waitEvent('grid', { match: (e) => /tic line not open: cannot open/.test(e.detail) });
  let s = await st.status();
  assert.equal(s.station.grid_input.line, 'down');
  assert.equal(s.station.grid_input.line_losses, 0);

  const after = await st.lastEventId();
  await line.plug();
  await st.waitEvent('grid', { after, match: (e) => /tic line back on|tic line open on/.test(e.detail) });
  line.write(fixture('tic', 'historic_mono.tic'));
  await st.waitEvent('grid', { after, match: (e) => /tic: \d+ bad group\(s\)/.test(e.detail) });
  line.write(fixture('tic', 'standard_mono_injection.tic'));
  await st.waitEvent('grid', { after, match: (e) => /tic data from meter 041876097468, standard mode/.test(e.detail) });
  s = await st.status();
  const g = s.station.grid_input;
  assert.equal(g.groups_bad, 11);
  assert.equal(g.frames, 1);
  assert.deepEqual(g.current_a, [-5, 0, 0]); // exporting: SINSTI 1150 VA, SINSTS 0
  assert.equal(g.power_total_w, -1150);
});

test('TIC: grid.port is required with grid.source = tic', async () => {
  const { runBornedExpectingFailure, tempDataDir } = await import('./lib/borne.mjs');
  const r = runBornedExpectingFailure(['--sim', '--data-dir', tempDataDir(), '--http', '127.0.0.1:0',
    '--set', 'grid.source=tic']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /grid\.port: required when grid\.source = tic/);
});
