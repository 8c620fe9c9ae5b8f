// Issue 15: the shared libraries only some configurations need (libmodbus, libmosquitto,
// libqrencode, libgpiod, libpcsclite; libcurl already) are opened at their first use
// (src/util/lazylib.h), so a station in the default configuration — OCPP connected, the web
// server up, 2 simulated connectors, as bench/ocpp_cycle.mjs starts it — maps at most 15 at
// idle. Drawing a QR code then loads libqrencode and works. The stripped borned stays smaller
// than MicroOcppSimulator's (issue 15: "keep what borne does better"). The features themselves are tested
// where they are (mqtt, modbus_server, meter, modbus_rtu, web_http, unit/test_hal_pcsc).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBorned } from './lib/borne.mjs';
import { startCsms } from './lib/csms.mjs';

const LAZY = ['libmodbus', 'libmosquitto', 'libqrencode', 'libgpiod', 'libpcsclite', 'libcurl'];

function mappedLibs(pid) {
  const paths = new Set();
  for (const line of readFileSync(`/proc/${pid}/maps`, 'utf8').split('\n')) {
    const p = line.split(/\s+/)[5];
    if (p && p.startsWith('/') && /\.so(\.|$)/.test(p)) paths.add(p);
  }
  return [...paths];
}

test('default configuration maps at most 15 shared libraries at idle; a QR code loads libqrencode', async () => {
  const csms = await startCsms();
  const st = await startBorned({ connectors: 2, auth: 'ocpp', args: ['--csms', csms.url] });
  try {
    await csms.connected();
    for (const id of [1, 2])
      await csms.waitCall('StatusNotification', { match: (p) => p.connectorId === id && p.status === 'Available' });
    let libs = mappedLibs(st.proc.pid);
    // under ASan (make sanitize) the sanitizers' runtimes come with the build, not with borne
    if (libs.some((p) => p.includes('/libasan.')))
      libs = libs.filter((p) => !/\/lib(asan|ubsan|stdc\+\+|gcc_s)\./.test(p));
    assert.ok(libs.length <= 15, `${libs.length} shared libraries mapped:\n${libs.join('\n')}`);
    for (const name of LAZY)
      assert.ok(!libs.some((p) => p.includes(`/${name}.`)), `${name} mapped at idle`);

    assert.equal((await st.api('PUT', '/api/v1/settings', { 'payment.qr_url': 'https://pay.example.org/{station}/{connector}' })).status, 200);
    const svg = await fetch(`${st.url}/api/v1/public/connectors/1/qr.svg`);
    assert.equal(svg.status, 200);
    assert.match(await svg.text(), /^<svg xmlns=/);
    assert.ok(mappedLibs(st.proc.pid).some((p) => p.includes('/libqrencode.')), 'libqrencode loaded by the QR code');
  } finally {
    await st.stop();
    st.cleanup();
    await csms.close();
  }
});

// MicroOcppSimulator (MicroOcpp 4b89f46) stripped, as bench/ocpp_cycle.mjs measures it.
const MICROOCPP_STRIPPED = 1512 * 1024;

test('the stripped borned is smaller than MicroOcppSimulator\'s stripped binary (1 512 kB)', (t) => {
  const bin = process.env.BORNED;
  if (/libasan/.test(spawnSync('ldd', [bin], { encoding: 'utf8' }).stdout ?? ''))
    return t.skip('a sanitizer build: not the binary a station runs');
  const dir = mkdtempSync(join(tmpdir(), 'borne-strip-'));
  try {
    const copy = join(dir, 'borned');
    copyFileSync(bin, copy);
    assert.equal(spawnSync('strip', [copy]).status, 0, 'strip');
    const size = statSync(copy).size;
    assert.ok(size < MICROOCPP_STRIPPED, `stripped borned ${Math.round(size / 1024)} kB, MicroOcppSimulator's 1512 kB`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
