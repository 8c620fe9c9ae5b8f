// borne-swarm (docs/swarm.md): 50 real borne stations in one process against
// the strict ocpp-rpc back end for about 25 s, with the scenario of
// examples/swarm/short-test.json (cars every few seconds, 10 % unknown
// badges, an outage of 30 % of the stations for 10 s). Checks: every station
// boots, every frame validates, cars charge, each transaction's start and
// stop reach the back end exactly once and in order, the stations cut off
// queue their transaction messages and flush them when the line comes back,
// and the report's counts and latencies agree with what the back end saw.
// Then a misbehaving back end, a refused port and TLS against a plain server.
// The size (200 stations, an outage of 20 %, a boot storm) is
// swarm_storm.test.mjs. Runs under LeakSanitizer without suppressions (the
// stations share one lws context).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { WebSocketServer } from 'ws';
import { tempDataDir } from './lib/borne.mjs';
import { Csms } from './lib/csms.mjs';

const SWARM = process.env.BORNE_SWARM ?? 'build/borne-swarm';
const STATIONS = 50;

function runSwarm(args) {
  const proc = spawn(SWARM, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d; });
  return new Promise((resolve) => proc.on('exit', (code) => resolve({ code, stderr })));
}

// Resolves when check() holds, evaluated again at each of the back end's
// events (a call, a connection, a disconnection): no fixed waits.
function until(csms, check) {
  return new Promise((resolve) => {
    const again = () => {
      if (!check()) return;
      for (const e of ['call', 'connect', 'disconnect']) csms.off(e, again);
      resolve();
    };
    for (const e of ['call', 'connect', 'disconnect']) csms.on(e, again);
    again();
  });
}

test('50 stations boot, charge, ride out an outage and report', { timeout: 150000 }, async () => {
  const tags = {};
  for (let i = 1; i <= 20; i++) tags[`SWARM${String(i).padStart(4, '0')}`] = 'Accepted';
  const csms = await new Csms({ tags, bootInterval: 30 }).listen();
  const connects = new Map();
  const open = new Map(); /* identity -> its connections open now (a new one may come before the old one's close) */
  csms.on('connect', (c) => {
    connects.set(c.identity, (connects.get(c.identity) ?? 0) + 1);
    open.set(c.identity, (open.get(c.identity) ?? 0) + 1);
  });
  csms.on('disconnect', (c) => open.set(c.identity, open.get(c.identity) - 1));
  const online = () => [...open.values()].filter((n) => n > 0).length;
  const dir = tempDataDir();
  const scenario = JSON.parse(readFileSync(new URL('../../examples/swarm/short-test.json', import.meta.url), 'utf8'));
  /* the stations boot within about 10 s, 20 under ASan on a loaded machine: the outage comes after,
   * while cars charge, so that transaction messages are queued and flushed */
  scenario.outages = [{ at_s: 25, fraction: 0.5, length_s: 10 }];
  writeFileSync(join(dir, 'scenario.json'), JSON.stringify(scenario));
  const report = join(dir, 'report.json');
  const proc = spawn(SWARM, ['--csms', csms.url, '--stations', String(STATIONS), '--id-prefix', 'IT',
    '--ramp', '100/s', '--duration', '120s', '--scenario', join(dir, 'scenario.json'), '--report', report,
    '--data-dir', join(dir, 'stations'), '--progress', '0',
    '--set', 'ocpp.reconnect_max_s=2', '--set', 'ocpp.TransactionMessageRetryInterval=1'],
  { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise((resolve) => proc.on('exit', (code) => resolve(code)));
  try {
    // The run lasts until what is checked has happened (a loaded machine
    // under ASan boots the stations slower, and sessions last 6 to 15 s):
    // 20 sessions started and 10 stopped, an unknown badge tried, a transaction message queued during the outage
    // arrived late, and every station that lost the back end is back; then
    // SIGTERM ends it with its report (--duration is only a bound).
    const lateMsg = (c) => (c.action === 'StartTransaction' || c.action === 'StopTransaction') &&
      c.at - Date.parse(c.params.timestamp) > 1000;
    const done = until(csms, () => csms.callsOf('StartTransaction').length >= 20 &&
      csms.callsOf('StopTransaction').length >= 10 && csms.calls.some(lateMsg) &&
      csms.callsOf('Authorize').some((c) => !tags[c.params.idTag]) &&
      online() === STATIONS && csms.callsOf('BootNotification').length >= STATIONS);
    await Promise.race([done, exited]);
    proc.kill('SIGTERM');
    const code = await exited;
    assert.equal(code, 0, stderr);
    csms.assertNoViolations();

    // every station booted, under its own id
    const boots = new Set(csms.callsOf('BootNotification').map((c) => c.identity));
    assert.equal(boots.size, STATIONS);
    for (let i = 1; i <= STATIONS; i++) assert.ok(boots.has(`IT${String(i).padStart(5, '0')}`));

    // cars charged: each transaction started once and stopped at most once, after its start
    const starts = csms.callsOf('StartTransaction');
    assert.ok(starts.length >= 20, `only ${starts.length} sessions started`);
    const txOf = new Map(); /* transactionId -> identity */
    let id = 1000;
    for (const s of starts) txOf.set(id++, s.identity); /* the back end numbers them in order */
    const stops = csms.callsOf('StopTransaction');
    assert.ok(stops.length >= 10, `only ${stops.length} sessions stopped`);
    const stopped = new Set();
    for (const s of stops) {
      const tx = s.params.transactionId;
      assert.ok(txOf.has(tx), `StopTransaction of unknown transaction ${tx}`);
      assert.equal(txOf.get(tx), s.identity, `transaction ${tx} stopped by another station`);
      assert.ok(!stopped.has(tx), `transaction ${tx} stopped twice`);
      stopped.add(tx);
    }
    // one StartTransaction per (station, connector, timestamp): nothing sent twice
    const keys = starts.map((s) => `${s.identity}/${s.params.connectorId}/${s.params.timestamp}`);
    assert.equal(new Set(keys).size, keys.length, 'a StartTransaction reached the back end twice');
    // unknown badges were refused and started nothing
    const invalid = csms.callsOf('Authorize').filter((c) => !tags[c.params.idTag]);
    assert.ok(invalid.length > 0, 'no unknown badge was tried');
    for (const s of starts) assert.ok(tags[s.params.idTag], `${s.params.idTag} started a session`);

    // the outage: some stations reconnected, and transaction messages made
    // while they were cut off reached the back end late (queued, flushed)
    const reconnected = [...connects.values()].filter((n) => n >= 2).length;
    assert.ok(reconnected >= 1, `${reconnected} stations reconnected`);
    const late = [...starts, ...stops].filter((c) => c.at - Date.parse(c.params.timestamp) > 1000);
    assert.ok(late.length >= 1, 'no transaction message was queued during the outage');

    // the report
    const r = JSON.parse(readFileSync(report, 'utf8'));
    assert.equal(r.stations, STATIONS);
    assert.equal(r.booted, STATIONS);
    assert.ok(r.connected >= STATIONS - 1, `${r.connected} connected at the end`);
    assert.ok(r.rss_kb_max > 0);
    for (const action of ['BootNotification', 'StartTransaction', 'StopTransaction', 'Authorize', 'StatusNotification']) {
      const seen = csms.callsOf(action).length;
      // the report counts answered calls; the back end also saw those in flight at the end
      assert.ok(r.messages[action] <= seen && r.messages[action] >= seen - STATIONS, `${action}: ${r.messages[action]} vs ${seen}`);
      const l = r.latency_ms[action];
      assert.ok(l && l.p50 >= 0 && l.p50 <= l.p95 && l.p95 <= l.p99 && l.p99 < 30000, `${action} latencies ${JSON.stringify(l)}`);
    }
    assert.ok(r.sessions.started >= starts.length - 5 && r.sessions.started <= starts.length + STATIONS * 2);
    assert.ok(r.sessions.stopped >= 10);
    assert.ok(r.scenario.outages >= 5);
    const csv = readFileSync(report.replace(/\.json$/, '.csv'), 'utf8').trim().split('\n');
    assert.equal(csv[0], 'action,count,errors,answered,p50_ms,p95_ms,p99_ms');
    assert.ok(csv.some((l) => l.startsWith('StartTransaction,')));
  } finally {
    await csms.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--ocpp 2.0.1: the stations speak 2.0.1 to a strict 2.0.1 back end, outage included', { timeout: 90000 }, async () => {
  const tags = {};
  for (let i = 1; i <= 20; i++) tags[`SWARM${String(i).padStart(4, '0')}`] = 'Accepted';
  const csms = await new Csms({ protocol: 'ocpp2.0.1', tags, bootInterval: 30 }).listen();
  const connects = new Map();
  csms.on('connect', (c) => connects.set(c.identity, (connects.get(c.identity) ?? 0) + 1));
  const dir = tempDataDir();
  const scenario = JSON.parse(readFileSync(new URL('../../examples/swarm/short-test.json', import.meta.url), 'utf8'));
  scenario.outages = [{ at_s: 8, fraction: 0.5, length_s: 5 }];
  writeFileSync(join(dir, 'scenario.json'), JSON.stringify(scenario));
  const report = join(dir, 'report.json');
  const n = 10;
  try {
    const { code, stderr } = await runSwarm(['--csms', csms.url, '--ocpp', '2.0.1', '--stations', String(n), '--id-prefix', 'V2',
      '--ramp', '100/s', '--duration', '20s', '--scenario', join(dir, 'scenario.json'), '--report', report,
      '--data-dir', join(dir, 'stations'), '--progress', '0',
      '--set', 'ocpp.reconnect_max_s=2', '--set', 'ocpp.TransactionMessageRetryInterval=1']);
    assert.equal(code, 0, stderr);
    csms.assertNoViolations();
    assert.equal(new Set(csms.callsOf('BootNotification').map((c) => c.identity)).size, n);
    // the outage moved ocpp.url away and back at run time: the cut-off stations reconnected
    assert.ok([...connects.values()].filter((k) => k >= 2).length >= 2, 'no station reconnected after the outage');
    const events = csms.callsOf('TransactionEvent');
    const started = events.filter((c) => c.params.eventType === 'Started');
    assert.ok(started.length >= 3, `only ${started.length} transactions started`);
    // per transaction: one station, seqNo 0, 1, 2... in arrival order, nothing twice
    const byTx = new Map();
    for (const e of events) {
      const id = `${e.identity}/${e.params.transactionInfo.transactionId}`;
      if (!byTx.has(id)) byTx.set(id, []);
      byTx.get(id).push(e.params.seqNo);
    }
    for (const [id, seq] of byTx) assert.deepEqual(seq, seq.map((_, i) => i), `${id}: ${seq}`);
    for (const s of started) assert.ok(tags[s.params.idToken.idToken], `${s.params.idToken.idToken} started a session`);
    const r = JSON.parse(readFileSync(report, 'utf8'));
    assert.equal(r.booted, n);
    assert.ok(r.messages.TransactionEvent >= started.length);
  } finally {
    await csms.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

// borne-swarm's links read with a 512-byte lws buffer (docs/swarm.md): a
// CALL many times larger arrives in pieces and must be put together whole.
test('large CALLs from the back end reach a swarm station whole (512-byte receive buffer)', { timeout: 60000 }, async () => {
  const csms = await new Csms({ bootInterval: 300 }).listen();
  const dir = tempDataDir();
  const proc = spawn(SWARM, ['--csms', csms.url, '--stations', '1', '--id-prefix', 'BIG', '--duration', '120s',
    '--progress', '0', '--report', join(dir, 'report.json'), '--data-dir', join(dir, 'stations')],
  { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise((resolve) => proc.on('exit', (code) => resolve(code)));
  try {
    await csms.waitCall('BootNotification', { timeoutMs: 40000 });
    // about 40 kB: 600 badges
    const list = [];
    for (let i = 0; i < 600; i++) list.push({ idTag: `BIGLIST${String(i).padStart(5, '0')}`, idTagInfo: { status: i % 7 ? 'Accepted' : 'Blocked', expiryDate: '2030-01-01T00:00:00.000Z' } });
    assert.ok(JSON.stringify(list).length > 40000);
    assert.equal((await csms.call('SendLocalList', { listVersion: 7, updateType: 'Full', localAuthorizationList: list })).status, 'Accepted');
    assert.equal((await csms.call('GetLocalListVersion', {})).listVersion, 7);
    // a charging profile of 24 periods (ChargingScheduleMaxPeriods), about 1.3 kB
    const periods = [];
    for (let i = 0; i < 24; i++) periods.push({ startPeriod: i * 1800, limit: 6 + (i % 10), numberPhases: 3 });
    const profile = { chargingProfileId: 42, stackLevel: 1, chargingProfilePurpose: 'TxDefaultProfile', chargingProfileKind: 'Absolute',
      chargingSchedule: { chargingRateUnit: 'A', startSchedule: new Date(Date.now() - 60000).toISOString(), duration: 86400, chargingSchedulePeriod: periods } };
    assert.ok(JSON.stringify(profile).length > 1200); // 2.5 times the buffer
    assert.equal((await csms.call('SetChargingProfile', { connectorId: 1, csChargingProfiles: profile })).status, 'Accepted');
    assert.equal((await csms.call('ClearChargingProfile', { id: 42 })).status, 'Accepted');
    // the link is still up and answers small CALLs after the large ones
    assert.equal((await csms.call('GetLocalListVersion', {})).listVersion, 7);
    csms.assertNoViolations();
  } finally {
    proc.kill('SIGTERM');
    const code = await exited;
    await csms.close();
    rmSync(dir, { recursive: true, force: true });
    assert.equal(code, 0, stderr);
  }
});

test('--ocpp takes borned\'s version list: 2.1,2.0.1,1.6 speaks 2.1 to a strict 2.1 back end; a bad list is refused', { timeout: 60000 }, async () => {
  const bad = await runSwarm(['--csms', 'ws://127.0.0.1:9/', '--ocpp', '2.1,3.0']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--ocpp 2\.1,3\.0: unknown OCPP version '3\.0'/);
  const csms = await new Csms({ protocol: 'ocpp2.1', bootInterval: 30 }).listen();
  const dir = tempDataDir();
  const report = join(dir, 'report.json');
  const n = 3;
  try {
    const { code, stderr } = await runSwarm(['--csms', csms.url, '--ocpp', '2.1,2.0.1,1.6', '--stations', String(n), '--id-prefix', 'V21',
      '--ramp', '100/s', '--duration', '4s', '--report', report, '--data-dir', join(dir, 'stations'), '--progress', '0']);
    assert.equal(code, 0, stderr);
    csms.assertNoViolations();
    const boots = csms.callsOf('BootNotification');
    assert.equal(new Set(boots.map((c) => c.identity)).size, n);
    assert.ok(boots.every((c) => c.protocol === 'ocpp2.1'), 'every station spoke 2.1');
    assert.equal(JSON.parse(readFileSync(report, 'utf8')).booted, n);
  } finally {
    await csms.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

// A back end that misbehaves on purpose (raw `ws`, no schema checks on its
// side): answers that fail the schema, CALLERRORs, calls never answered,
// garbage frames, an unknown action, a dropped connection. The swarm keeps
// running, and the report counts each problem per kind and per station and
// action.
async function badBackEnd() {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', handleProtocols: (p) => (p.has('ocpp1.6') ? 'ocpp1.6' : false) });
  await new Promise((resolve) => wss.on('listening', resolve));
  const seen = { boots: new Set(), dropped: false };
  wss.on('connection', (ws, req) => {
    const id = decodeURIComponent(req.url.split('/').pop());
    const n = Number(id.slice(-1));
    ws.on('message', (data) => {
      let frame;
      try { frame = JSON.parse(String(data)); } catch { return; }
      if (frame[0] !== 2) return; /* answers to our own CALLs */
      const [, msgId, action] = frame;
      const reply = (payload) => ws.send(JSON.stringify([3, msgId, payload]));
      if (action === 'BootNotification') {
        seen.boots.add(id);
        reply({ status: 'Accepted', currentTime: new Date().toISOString(), interval: 1 });
        ws.send('this is not JSON');
        ws.send(JSON.stringify([2, 'u1', 'FooBar', {}])); /* an action OCPP 1.6 does not have */
        if (n === 1 && !seen.dropped) { seen.dropped = true; setTimeout(() => ws.terminate(), 300); }
      } else if (action === 'StatusNotification') {
        if (n % 2 === 0) reply({ unexpected: true }); /* fails StatusNotification.conf */
        else ws.send(JSON.stringify([4, msgId, 'InternalError', 'the back end failed', {}]));
      } else if (action === 'Heartbeat') {
        /* never answered: a Timeout after ocpp.call_timeout_s */
      } else {
        ws.send(JSON.stringify([4, msgId, 'NotSupported', `${action} is not supported here`, {}]));
      }
    });
  });
  return { wss, seen, url: `ws://127.0.0.1:${wss.address().port}/ocpp`, close: () => new Promise((r) => { for (const c of wss.clients) c.terminate(); wss.close(r); }) };
}

const NO_CARS = JSON.stringify({ seed: 1, arrivals_per_hour: 0, meter_interval_s: 60, heartbeat_interval_s: 1 });

test('a misbehaving back end: every problem counted per kind, station and action, nothing crashes', { timeout: 60000 }, async () => {
  const be = await badBackEnd();
  const dir = tempDataDir();
  writeFileSync(join(dir, 'scenario.json'), NO_CARS);
  const report = join(dir, 'report.json');
  try {
    const { code, stderr } = await runSwarm(['--csms', be.url, '--stations', '4', '--id-prefix', 'BAD', '--ramp', '100/s',
      '--duration', '15s', '--scenario', join(dir, 'scenario.json'), '--report', report, '--progress', '0',
      '--set', 'ocpp.call_timeout_s=5', '--set', 'ocpp.reconnect_max_s=2']);
    assert.equal(code, 0, stderr);
    assert.equal(be.seen.boots.size, 4);
    const r = JSON.parse(readFileSync(report, 'utf8'));
    assert.equal(r.booted, 4);
    assert.ok(r.errors.InvalidResponse >= 2, `InvalidResponse: ${JSON.stringify(r.errors)}`);
    assert.ok(r.errors.InternalError >= 2, `InternalError: ${JSON.stringify(r.errors)}`);
    assert.ok(r.errors.Timeout >= 4, `Timeout: ${JSON.stringify(r.errors)}`);
    assert.ok(r.errors.connection_lost >= 1, `connection_lost: ${JSON.stringify(r.errors)}`);
    const by = Object.fromEntries(r.stations_with_errors.map((m) => [m.id, m]));
    assert.equal(Object.keys(by).length, 4);
    // stations ending in an even digit got answers that fail the schema, the others CALLERRORs
    assert.ok(by.BAD00002.by_action.StatusNotification.InvalidResponse >= 1, JSON.stringify(by.BAD00002));
    assert.ok(by.BAD00001.by_action.StatusNotification.InternalError >= 1, JSON.stringify(by.BAD00001));
    assert.ok(by.BAD00003.by_action.Heartbeat.Timeout >= 1, JSON.stringify(by.BAD00003));
    assert.ok(by.BAD00001.by_action['(connection)'].connection_lost >= 1, JSON.stringify(by.BAD00001));
    assert.ok(!by.BAD00002.by_action['(connection)'], 'a station whose line held counted a connection error');
    for (const m of r.stations_with_errors) {
      const sum = Object.values(m.by_action).flatMap((k) => Object.values(k)).reduce((a, b) => a + b, 0) + (m.other ?? 0);
      assert.equal(sum, m.errors, `${m.id}: the breakdown does not add up`);
    }
    const csv = readFileSync(report.replace(/\.json$/, '.csv'), 'utf8');
    assert.match(csv, /^StatusNotification,\d+,[1-9]\d*,/m);
  } finally {
    await be.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('refused connections and a TLS handshake with a plain server are counted, not fatal', { timeout: 60000 }, async () => {
  const dir = tempDataDir();
  writeFileSync(join(dir, 'scenario.json'), NO_CARS);
  // a port nobody listens on: take a free one and close it
  const closed = await new Promise((resolve) => { const srv = createServer().listen(0, '127.0.0.1', () => { const { port } = srv.address(); srv.close(() => resolve(port)); }); });
  // a plain TCP server that answers TLS's ClientHello with text
  const plain = createServer((sock) => { sock.on('error', () => {}); sock.end('HTTP/1.1 400 Bad Request\r\n\r\n'); }).listen(0, '127.0.0.1');
  await new Promise((resolve) => plain.on('listening', resolve));
  try {
    for (const [url, extra, kind] of [
      [`ws://127.0.0.1:${closed}/ocpp`, [], 'connection_failed'],
      [`wss://127.0.0.1:${plain.address().port}/ocpp`, ['--security-profile', '2', '--password', '0123456789abcdef'], 'connection_tls'],
    ]) {
      const report = join(dir, `report-${kind}.json`);
      const { code, stderr } = await runSwarm(['--csms', url, '--stations', '3', '--id-prefix', 'OFF', '--ramp', '100/s',
        '--duration', '6s', '--scenario', join(dir, 'scenario.json'), '--report', report, '--progress', '0',
        '--data-dir', join(dir, kind), '--set', 'ocpp.reconnect_max_s=2', ...extra]);
      assert.equal(code, 0, stderr);
      const r = JSON.parse(readFileSync(report, 'utf8'));
      assert.equal(r.booted, 0);
      assert.ok(r.errors[kind] >= 3, `${kind}: ${JSON.stringify(r.errors)}`);
      assert.equal(r.stations_with_errors.length, 3);
      for (const m of r.stations_with_errors) assert.ok(m.by_action['(connection)'][kind] >= 1, JSON.stringify(m));
    }
  } finally {
    plain.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
