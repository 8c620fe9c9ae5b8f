// The badge reader's state in the status (station.reader, issue 20) on the
// simulator: its taps counted, an unplugged reader (POST /api/v1/sim/reader)
// shown down with its reason, a card presented meanwhile lost, and the reader
// back. (The 125 kHz serial reader of the Linux back end is tested over a
// socat pty in tests/unit/test_hal_linux.c.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startBorned } from './lib/borne.mjs';

test('reader state: taps counted, unplugged shown with its reason, taps lost meanwhile', async () => {
  const st = await startBorned({ connectors: 1 });
  try {
    let r = (await st.status()).station.reader;
    assert.deepEqual(r, { type: 'sim', port: 'POST /api/v1/sim/tap', up: true, error: null, frames: 0, bad_frames: 0, badges: 0 });
    let after = await st.lastEventId();
    assert.equal(st.ctl('tap', 'CAFE01').code, 0);
    await st.waitEvent('tap', { after });
    assert.equal((await st.status()).station.reader.badges, 1);
    assert.deepEqual(await st.ok('POST', '/api/v1/sim/reader', { connected: false }), { connected: false });
    r = (await st.status()).station.reader;
    assert.equal(r.up, false);
    assert.equal(r.error, 'simulated reader unplugged');
    assert.equal(st.ctl('tap', 'CAFE02').code, 0);
    assert.equal((await st.status()).station.reader.bad_frames, 1);
    await st.ok('POST', '/api/v1/sim/reader', { connected: true });
    after = await st.lastEventId();
    assert.equal(st.ctl('tap', 'CAFE03').code, 0);
    const ev = await st.waitEvent('tap', { after });
    assert.match(ev.detail, /CAFE03/);
    r = (await st.status()).station.reader;
    assert.equal(r.up, true);
    assert.equal(r.badges, 2);
    assert.equal((await st.api('POST', '/api/v1/sim/reader', { connected: 'no' })).status, 400);
  } finally { await st.stop(); st.cleanup(); }
});
