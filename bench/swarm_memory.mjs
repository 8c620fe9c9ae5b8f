// The memory figures of docs/performance.md (borne-swarm: memory per
// station): runs build/borne-swarm with N stations against the strict
// ocpp-rpc back end of the tests and prints its private memory from
// /proc/PID/smaps_rollup three seconds before the end, and the report's counts.
// usage (from tests/, where ocpp-rpc is installed):
//   node ../bench/swarm_memory.mjs STATIONS DURATION_S [RAMP]    e.g. 1000 90 50/s
import { Csms } from '../tests/integration/lib/csms.mjs';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [n = '100', seconds = '25', ramp = '200/s'] = process.argv.slice(2);
const swarm = process.env.BORNE_SWARM ?? new URL('../build/borne-swarm', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'borne-swarm-bench-'));
const report = join(dir, 'report.json');
const csms = await new Csms({ bootInterval: 300 }).listen();
const p = spawn(swarm, ['--csms', csms.url, '--stations', n, '--duration', `${seconds}s`, '--report', report,
  '--progress', '10', '--ramp', ramp], { stdio: ['ignore', 'ignore', 'inherit'] });
const timer = setTimeout(() => {
  const r = readFileSync(`/proc/${p.pid}/smaps_rollup`, 'utf8');
  const kb = (k) => Number(r.match(new RegExp(`^${k}:\\s+(\\d+)`, 'm'))[1]);
  console.log(JSON.stringify({ stations: Number(n), rss_kb: kb('Rss'), private_kb: kb('Private_Clean') + kb('Private_Dirty'),
    boots_seen: csms.callsOf('BootNotification').length }));
}, (Number(seconds) - 3) * 1000);
const code = await new Promise((resolve) => p.on('exit', resolve));
clearTimeout(timer);
const r = JSON.parse(readFileSync(report, 'utf8'));
console.log(JSON.stringify({ exit: code, booted: r.booted, connected: r.connected, rss_kb_max: r.rss_kb_max }));
await csms.close();
rmSync(dir, { recursive: true, force: true });
