// Benchmarks of the daemon as a whole (make bench): time from exec to both
// connectors Available, resident memory at idle with 2 and 8 connectors, and
// CPU time used over an idle period. Prints figures; asserts nothing.
import { readFileSync } from 'node:fs';
import { startBorned } from '../tests/integration/lib/borne.mjs';

const build = process.argv[2] ?? 'build';
process.env.BORNED ??= `${build}/borned`;
const IDLE_S = Number(process.env.BENCH_IDLE_S ?? 60);
const RUNS = Number(process.env.BENCH_RUNS ?? 10);

function rssKb(pid) {
  const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+) kB/);
  return Number(m[1]);
}
function smaps(pid) {
  const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kb = (k) => Number(text.match(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm'))[1]);
  return { pss: kb('Pss'), priv: kb('Private_Dirty') + kb('Private_Clean') };
}
function cpuTicks(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(f[11]) + Number(f[12]); // utime + stime, in clock ticks (1/100 s)
}

async function readyTime(connectors) {
  const t0 = process.hrtime.bigint();
  const st = await startBorned({ connectors, auth: 'free' });
  await st.waitFor((x) => x.connectors.every((c) => c.status === 'Available'), { what: 'Available' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  return { st, ms };
}

const times = [];
for (let i = 0; i < RUNS; i++) {
  const { st, ms } = await readyTime(2);
  times.push(ms);
  await st.stop();
  st.cleanup();
}
times.sort((a, b) => a - b);
console.log(`start to both connectors Available: median ${times[Math.floor(RUNS / 2)].toFixed(1)} ms, max ${times[RUNS - 1].toFixed(1)} ms (${RUNS} runs)`);

for (const n of [2, 8]) {
  const { st } = await readyTime(n);
  const rss = rssKb(st.proc.pid);
  const m = smaps(st.proc.pid);
  console.log(`memory at idle with ${n} connectors: RSS ${(rss / 1024).toFixed(2)} MiB, PSS ${(m.pss / 1024).toFixed(2)} MiB, private ${(m.priv / 1024).toFixed(2)} MiB`);
  if (n === 2) {
    const before = cpuTicks(st.proc.pid);
    await new Promise((r) => setTimeout(r, IDLE_S * 1000));
    const used = (cpuTicks(st.proc.pid) - before) * 10;
    console.log(`CPU time over ${IDLE_S} s idle: ${used} ms (${(used / (IDLE_S * 10)).toFixed(3)} % of one core)`);
  }
  await st.stop();
  st.cleanup();
}
