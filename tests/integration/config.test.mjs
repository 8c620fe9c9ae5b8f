// A bad configuration stops the start with one clear line naming the key and
// the reason, and a non-zero exit code: never a crash, never a silent default.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BORNED, runBornedExpectingFailure, startBorned, tempDataDir } from './lib/borne.mjs';

function failing(args) {
  const dir = tempDataDir();
  const r = runBornedExpectingFailure(['--sim', '--data-dir', dir, '--http', '127.0.0.1:0', ...args]);
  assert.notEqual(r.code, 0, `borned should refuse: ${args.join(' ')}`);
  assert.equal(r.code, 2, `exit code 2 for a configuration error, got ${r.code}: ${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line, got: ${r.stderr}`);
  return lines[0];
}

test('bad values on the command line name the key and the reason', () => {
  assert.match(failing(['--connectors', '9']), /station\.connectors.*9/);
  assert.match(failing(['--set', 'connector.1.phases=2']), /connector\.1\.phases.*2/);
  assert.match(failing(['--set', 'auth.mode=maybe']), /auth\.mode.*maybe/);
  assert.match(failing(['--set', 'site.grid_type=XX']), /site\.grid_type/);
  assert.match(failing(['--set', 'connector.1.selector_a=33']), /connector\.1\.selector_a/);
  assert.match(failing(['--set', 'connector.1.tethered=perhaps']), /connector\.1\.tethered/);
  assert.match(failing(['--set', 'no.such.key=1']), /no\.such\.key/);
  assert.match(failing(['--set', 'connector.3.phases=1', '--connectors', '2']), /connector\.3/);
  assert.match(failing(['--http', 'nonsense']), /http\.listen/);
  assert.match(failing(['--sim-speed', 'fast']), /sim\.speed/);
});

test('a bad config file names the file, the line and the key', () => {
  const dir = tempDataDir();
  const file = join(dir, 'borne.conf');
  writeFileSync(file, '# hotel\nstation.id = hotel-1\n[connector.1]\nphases = 3\nselector_a = 17\n');
  const line = failing(['--config', file]);
  assert.match(line, /borne\.conf:5/);
  assert.match(line, /connector\.1\.selector_a/);
  writeFileSync(file, 'station.id hotel\n');
  assert.match(failing(['--config', file]), /borne\.conf:1/);
  assert.match(failing(['--config', join(dir, 'missing.conf')]), /missing\.conf/);
});

test('a good config file is used, and flags override it', async () => {
  const dir = tempDataDir();
  const file = join(dir, 'borne.conf');
  writeFileSync(file, 'station.id = hotel-1\nauth.mode = free\n[connector.1]\nselector_a = 16\nphases = 1\n');
  const st = await startBorned({ dataDir: dir, config: file, connectors: 2, set: { 'auth.mode': 'badge' } });
  try {
    const s = await st.waitStatus(1, 'Available');
    assert.equal(s.station.id, 'hotel-1');
    assert.equal(s.station.auth_mode, 'badge', '--set wins over the file');
    assert.equal(s.connectors[0].phases, 1);
    assert.equal(s.connectors[1].phases, 3);
    assert.equal(s.connectors[0].offered_a, 16);
    assert.equal(s.connectors[0].limited_by, 'selector');
  } finally { await st.stop(); st.cleanup(); }
});

test('a setting changed at run time applies at once and survives a restart', async () => {
  const dir = tempDataDir();
  let st = await startBorned({ dataDir: dir, connectors: 1, auth: 'free', speed: 50 });
  try {
    await st.waitStatus(1, 'Available');
    assert.equal(st.ctl('plug', '1').code, 0);
    await st.waitStatus(1, 'Charging');
    const r = st.ctlJson('set', 'connector.1.selector_a=12');
    assert.deepEqual(r.restart_required, []);
    const s = await st.waitFor((x) => x.connectors[0].offered_a === 12, { what: 'offered 12 A' });
    assert.equal(s.connectors[0].limited_by, 'selector');
    assert.ok(Math.abs(s.connectors[0].pwm_duty_pct - 20) < 0.05);
    const bad = st.ctl('set', 'connector.1.selector_a=13');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /connector\.1\.selector_a/);
    assert.equal((await st.connector(1)).offered_a, 12, 'a refused setting changes nothing');
    await st.stop();
    st = await startBorned({ dataDir: dir, connectors: 1, auth: 'free' });
    const again = await st.waitStatus(1, 'Available');
    assert.equal(again.connectors[0].offered_a, 12);
  } finally { await st.stop(); st.cleanup(); }
});
