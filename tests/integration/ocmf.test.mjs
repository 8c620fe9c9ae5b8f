// Signed meter data (OCMF): the records of a real session on a simulated
// station are verified by an independent implementation, @road-labs/ocmf with
// the @noble/curves backend (@road-labs/ocmf-crypto-noble), using the public
// key the station exports. A changed digit or another key fails. Pagination
// numbers survive restarts and SIGKILL (between sessions, mid-session, and at
// random instants right after a session begins): never reused, always rising.
// With a Modbus meter (pymodbus SDM630), its identity and register are signed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import ocmf from '@road-labs/ocmf'; // CommonJS packages: default import
import noble from '@road-labs/ocmf-crypto-noble';
import { SOAK, runBornedExpectingFailure, startBorned, tempDataDir } from './lib/borne.mjs';
import { ModbusServer, waitServed } from './lib/modbus.mjs';

const crypto = new noble.Crypto();
const verifier = new ocmf.Verifier(crypto);

async function publicKey(hex) {
  return crypto.decodeEcPublicKey(Uint8Array.from(Buffer.from(hex, 'hex')), 'spki-der');
}

async function verify(record, key) {
  try {
    return (await verifier.parseAndVerify(record, key)).verified;
  } catch {
    return false; // unparsable counts as not verified
  }
}

const sessionRecords = async (st, id) => st.ok('GET', `/api/v1/sessions/${id}/ocmf`);

test('records of a real session verify with the exported key, and only with it', async () => {
  const st = await startBorned({ connectors: 2, auth: 'badge', speed: 600 });
  try {
    const uid = '04A1B2C3D4E5F6';
    assert.equal(st.ctl('badges', 'add', uid, '--user', 'Alice').code, 0);
    const pub = await st.ok('GET', '/api/v1/ocmf/pubkey');
    assert.match(pub.hex, /^3059301306072A8648CE3D020106082A8648CE3D030107034200[0-9A-F]{130}$/);
    // the PEM is the same key as the hex DER
    assert.equal(createPublicKey(pub.pem).export({ type: 'spki', format: 'der' }).toString('hex').toUpperCase(), pub.hex);
    assert.equal(pub.signature_algorithm, 'ECDSA-secp256r1-SHA256');

    // plug, tap, charge
    await st.ok('POST', '/api/v1/sim/connectors/1/plug', {});
    await st.ok('POST', '/api/v1/sim/tap', { uid });
    const charging = await st.waitFor((s) => s.connectors[0].session !== null && s.connectors[0].status === 'Charging', { what: 'charging' });
    const id = charging.connectors[0].session.id;
    await st.waitFor((s) => s.connectors[0].session.energy_wh > 50, { what: 'some energy' });
    const mid = await st.ok('POST', '/api/v1/connectors/1/ocmf', {});
    assert.equal(mid.session, id);
    const midWh = (await st.connector(1)).session.energy_wh;
    await st.waitFor((s) => s.connectors[0].session.energy_wh > midWh + 50, { what: 'more energy' });
    const after = await st.lastEventId();
    await st.ok('POST', '/api/v1/connectors/1/stop', {});
    await st.waitEvent('ocmf', { after, match: (e) => e.detail.includes('"kind":"E"') });

    const session = await st.ok('GET', `/api/v1/sessions/${id}`);
    const got = await sessionRecords(st, id);
    assert.equal(got.session, id);
    assert.deepEqual(got.records.map((r) => r.kind), ['B', 'C', 'E']);
    assert.equal(got.public_key.hex, pub.hex);
    assert.equal(got.records[1].record, mid.record);

    const key = await publicKey(pub.hex);
    let lastPg = 0;
    for (const r of got.records) {
      const res = await verifier.parseAndVerify(r.record, key);
      assert.equal(res.verified, true, `record ${r.kind} does not verify: ${r.record}`);
      const p = res.value.payloadData;
      assert.equal(p.FV, '1.0');
      const pg = Number(p.PG.slice(1));
      assert.equal(p.PG, `T${r.pagination}`);
      assert.ok(pg > lastPg, 'pagination rises');
      lastPg = pg;
      assert.equal(p.IS, true);
      assert.equal(p.IT, 'ISO14443');
      assert.equal(p.ID, uid);
      assert.equal(p.CT, 'CBIDC');
      assert.equal(p.CI, 'borne-sim-1 1');
      assert.equal(p.RD.length, 1);
      assert.equal(p.RD[0].TX, r.kind);
      assert.equal(p.RD[0].RI, '1-b:1.8.0');
      assert.equal(p.RD[0].RU, 'kWh');
      assert.equal(p.RD[0].ST, 'G');
      assert.match(p.RD[0].TM, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d,\d{3}[+-]\d{4} [UISR]$/);
      assert.equal(res.value.signature.SA, 'ECDSA-secp256r1-SHA256');
    }
    // begin and end readings are the session's durable registers, in kWh
    const rv = got.records.map((r) => JSON.parse(r.record.split('|')[1]).RD[0].RV);
    assert.equal(rv[0], Math.round(session.meter_start_wh) / 1000);
    assert.equal(rv[2], Math.round(session.meter_stop_wh) / 1000);
    assert.ok(rv[0] < rv[1] && rv[1] < rv[2], `readings rise: ${rv}`);

    // one digit of the end reading changed: no longer verifies
    const end = got.records[2].record;
    const m = end.match(/"RV":(\d+)\.(\d{3})/);
    const digit = m[2][2] === '9' ? '8' : String(Number(m[2][2]) + 1);
    const forged = end.replace(m[0], `"RV":${m[1]}.${m[2].slice(0, 2)}${digit}`);
    assert.notEqual(forged, end);
    // (the record still parses: it is the signature that fails)
    assert.equal((await verifier.parseAndVerify(forged, key)).verified, false);
    // another key: no record verifies
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'der' });
    const otherKey = await publicKey(other.toString('hex'));
    for (const r of got.records) assert.equal((await verifier.parseAndVerify(r.record, otherKey)).verified, false);

    // bornectl: the PEM, both forms with --json, and the records of the session
    const ctlPem = st.ctl('meter', 'pubkey');
    assert.equal(ctlPem.code, 0, ctlPem.stderr);
    assert.equal(ctlPem.stdout, pub.pem);
    const ctlKey = st.ctlJson('meter', 'pubkey');
    assert.equal(ctlKey.hex, pub.hex);
    assert.equal(ctlKey.pem, pub.pem);
    const shown = st.ctl('sessions', 'ocmf', String(id));
    assert.equal(shown.code, 0, shown.stderr);
    const lines = shown.stdout.trim().split('\n');
    assert.deepEqual(lines.filter((l) => l.startsWith('OCMF|')), got.records.map((r) => r.record));
    assert.match(lines[0], new RegExp(`^# T${got.records[0].pagination} B `));
    assert.deepEqual(st.ctlJson('sessions', 'ocmf', String(id)).records, got.records);
    assert.equal(st.ctl('sessions', 'ocmf', '999').code, 1);

    // no session on connector 2: no intermediate reading
    assert.equal((await st.api('POST', '/api/v1/connectors/2/ocmf', {})).status, 409);
    assert.equal((await st.api('GET', '/api/v1/sessions/999/ocmf')).status, 404);
  } finally {
    await st.stop();
    st.cleanup();
  }
});

const ROUNDS = SOAK ? 60 : 6;

test(`pagination is never reused across ${ROUNDS} restarts with SIGKILL`, async () => {
  const dataDir = tempDataDir();
  let keyHex = null;
  const killedMidSession = [];
  for (let round = 0; round < ROUNDS; round++) {
    const st = await startBorned({ dataDir, connectors: 1, auth: 'free', speed: 600 });
    const pub = await st.ok('GET', '/api/v1/ocmf/pubkey');
    keyHex ??= pub.hex;
    assert.equal(pub.hex, keyHex, 'the key file is kept across restarts');
    await st.waitFor((s) => s.station.selftest_done && s.connectors[0].status === 'Available', { what: 'Available' });
    const after = await st.lastEventId();
    await st.ok('POST', '/api/v1/sim/connectors/1/plug', {});
    const kind = round % 3;
    if (kind === 2) {
      // a random instant right after the session begins (maybe mid-record)
      await st.waitFor((s) => s.connectors[0].session !== null, { what: 'session' });
      await delay(Math.floor(Math.random() * 30)); // the crash instant, not a wait for a condition
    } else {
      await st.waitEvent('ocmf', { after, match: (e) => e.detail.includes('"kind":"B"') });
      if (kind === 0) {
        // a whole session, then a kill between sessions
        await st.ok('POST', '/api/v1/sim/connectors/1/unplug', {});
        await st.waitEvent('ocmf', { after, match: (e) => e.detail.includes('"kind":"E"') });
      } else {
        killedMidSession.push((await st.connector(1)).session.id);
      }
    }
    await st.kill();
  }
  // a last clean run: sessions left open by a kill get their end record
  const st = await startBorned({ dataDir, connectors: 1, auth: 'free' });
  try {
    await st.waitFor((s) => s.station.selftest_done, { what: 'self-test' });
    const key = await publicKey(keyHex);
    const sessions = (await st.ok('GET', '/api/v1/sessions')).sessions.sort((a, b) => a.id - b.id);
    assert.ok(sessions.length >= ROUNDS - 1);
    const all = [];
    for (const s of sessions) {
      const recs = (await sessionRecords(st, s.id)).records;
      for (const r of recs) {
        assert.equal(await verify(r.record, key), true, `session ${s.id} record T${r.pagination}`);
        assert.match(r.record, new RegExp(`"PG":"T${r.pagination}"`));
        all.push(r.pagination);
      }
      if (killedMidSession.includes(s.id)) assert.deepEqual(recs.map((r) => r.kind), ['B', 'E'], `session ${s.id} killed mid-session`);
    }
    assert.ok(all.length >= ROUNDS);
    assert.equal(new Set(all).size, all.length, `a pagination number was used twice: ${all}`);
    for (let i = 1; i < all.length; i++) assert.ok(all[i] > all[i - 1], `pagination not rising in emission order: ${all}`);
  } finally {
    await st.stop();
    st.cleanup();
  }
});

test('an installer key is used as given; a missing or wrong one stops borned; ocmf.enabled=false', async () => {
  const dataDir = tempDataDir();
  const keyFile = join(dataDir, 'installer.pem');
  const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  writeFileSync(keyFile, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  const wantHex = pair.publicKey.export({ type: 'spki', format: 'der' }).toString('hex').toUpperCase();
  let st = await startBorned({ dataDir, auth: 'free', set: { 'ocmf.key_file': keyFile } });
  try {
    assert.equal((await st.ok('GET', '/api/v1/ocmf/pubkey')).hex, wantHex);
    assert.throws(() => statSync(join(dataDir, 'ocmf-key.pem')), 'no key generated beside an installer key');
  } finally {
    await st.stop();
  }
  // a missing installer key is not replaced by a new one: borned refuses to start
  const missing = runBornedExpectingFailure(['--sim', '--data-dir', dataDir, '--http', '127.0.0.1:0', '--set', `ocmf.key_file=${join(dataDir, 'nope.pem')}`]);
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /nope\.pem/);
  // a key on another curve is refused with the reason
  writeFileSync(keyFile, generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
  const wrong = runBornedExpectingFailure(['--sim', '--data-dir', dataDir, '--http', '127.0.0.1:0', '--set', `ocmf.key_file=${keyFile}`]);
  assert.notEqual(wrong.code, 0);
  assert.match(wrong.stderr, /secp256r1/);
  // the generated key is private to the daemon's user; it is made at its first use
  st = await startBorned({ dataDir, auth: 'free' });
  try {
    assert.throws(() => statSync(join(dataDir, 'ocmf-key.pem')), 'no key work on the start path');
    assert.match((await st.ok('GET', '/api/v1/ocmf/pubkey')).hex, /^[0-9A-F]+$/);
    assert.equal(statSync(join(dataDir, 'ocmf-key.pem')).mode & 0o777, 0o600);
  } finally {
    await st.stop();
  }
  // OCMF off: no routes, no records
  st = await startBorned({ dataDir, auth: 'free', set: { 'ocmf.enabled': 'false' } });
  try {
    assert.equal((await st.api('GET', '/api/v1/ocmf/pubkey')).status, 404);
    await st.ok('POST', '/api/v1/sim/connectors/1/plug', {});
    const s = await st.waitFor((x) => x.connectors[0].session !== null, { what: 'session' });
    assert.equal((await st.api('GET', `/api/v1/sessions/${s.connectors[0].session.id}/ocmf`)).status, 404);
  } finally {
    await st.stop();
    st.cleanup();
  }
});

test('a Modbus meter: its identity and its own register are what is signed', async (t) => {
  const srv = await ModbusServer.start({ meters: ['1:sdm630'] });
  t.after(() => srv.kill());
  await srv.set(1, { voltage_l1: 230, voltage_l2: 230, voltage_l3: 230, energy_import: 1234567, frequency: 50 });
  const st = await startBorned({
    connectors: 1, auth: 'free',
    set: {
      'meter.poll_interval_ms': 200, 'meter.p1.model': 'sdm630', 'meter.p1.port': `tcp://127.0.0.1:${srv.port}`,
      'meter.p1.unit_id': 1, 'meter.p1.timeout_ms': 200, 'connector.1.meter': 'p1',
      'meter.p1.serial_number': 'SDM-0042', 'meter.p1.firmware': '2.1',
    },
  });
  t.after(async () => { await st.stop(); st.cleanup(); });
  await waitServed(st, srv, 1, (x) => x.connectors[0].meter?.ok && Math.abs(x.connectors[0].energy_wh - 1234567) < 1, { what: 'meter answering' });
  let after = await st.lastEventId();
  await st.ok('POST', '/api/v1/sim/connectors/1/plug', {});
  const b = await st.waitEvent('ocmf', { after, match: (e) => e.detail.includes('"kind":"B"') });
  const id = JSON.parse(b.detail).session;
  await srv.set(1, { energy_import: 1240000 });
  await waitServed(st, srv, 1, (x) => Math.abs(x.connectors[0].energy_wh - 1240000) < 1, { what: 'new register' });
  after = await st.lastEventId();
  await st.ok('POST', '/api/v1/sim/connectors/1/unplug', {});
  await st.waitEvent('ocmf', { after, match: (e) => e.detail.includes('"kind":"E"') });
  const got = await sessionRecords(st, id);
  const key = await publicKey(got.public_key.hex);
  const payloads = [];
  for (const r of got.records) {
    const res = await verifier.parseAndVerify(r.record, key);
    assert.equal(res.verified, true);
    payloads.push(res.value.payloadData);
  }
  assert.deepEqual(payloads.map((p) => p.RD[0].TX), ['B', 'E']);
  for (const p of payloads) {
    assert.equal(p.MV, 'Eastron');
    assert.equal(p.MM, 'SDM630');
    assert.equal(p.MS, 'SDM-0042');
    assert.equal(p.MF, '2.1');
    assert.equal(p.IS, false); // free mode: no user assignment
    assert.equal(p.RD[0].ST, 'G');
  }
  // the SDM630 register is float32 kWh: 1234.567 kWh within its resolution
  assert.ok(Math.abs(payloads[0].RD[0].RV - 1234.567) <= 0.001, `begin ${payloads[0].RD[0].RV}`);
  assert.equal(payloads[1].RD[0].RV, 1240);
});
