// Long-lived peers of the integration tests (the NetworkManager mock and its
// dbus-daemon, mosquitto, pymodbus servers, socat, rauc, borned itself): a
// peer that crashes or hangs may fail a test, never keep it running until
// ctest's timeout.
//
// Why: Node's test process only ends once every child's stdio pipe is closed.
// A peer that crashed and left its own children behind (nm_mock.py's
// dbusmock server held nm_mock.py's stderr) kept the pipe open, so the test
// failed at once but the process never exited (issue 20: 600 s under ctest).
// So: spawnPeer() starts a peer in its own process group (stopping it ends its
// children too), stopPeer() is bounded (SIGTERM, then SIGKILL after graceMs)
// and drops the pipes, and when the test process ends (ctest runs node with
// --test-force-exit: it ends once the file's tests and hooks are done, open
// pipes or not) every peer group still there is killed.
import { spawn } from 'node:child_process';

const live = new Set();

function running(proc) { return Boolean(proc.pid) && proc.exitCode === null && proc.signalCode === null; }

function killGroup(proc, signal) {
  if (!proc.pid) return;
  try { process.kill(proc.group ? -proc.pid : proc.pid, signal); } catch { /* gone already */ }
}

function dropPipes(proc) {
  for (const s of [proc.stdin, proc.stdout, proc.stderr]) s?.destroy();
}

/**
 * spawn() for a peer: own process group unless opts.group === false (a
 * program that must stay in ours), tracked until stopPeer().
 * proc.exited resolves with { code, signal } (or an error when it could not start).
 */
export function spawnPeer(cmd, args, opts = {}) {
  const { group = true, ...rest } = opts;
  const proc = spawn(cmd, args, { ...rest, detached: group });
  proc.group = group;
  proc.exited = new Promise((resolve) => {
    proc.once('exit', (code, signal) => resolve({ code, signal }));
    proc.once('error', (error) => { if (!proc.pid) resolve({ code: null, signal: null, error }); });
  });
  live.add(proc);
  return proc;
}

/** Track a child spawned elsewhere (not in its own group) for the last-resort stop. */
export function trackPeer(proc) {
  proc.group = false;
  if (!proc.exited) proc.exited = new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
  live.add(proc);
  proc.once('exit', () => live.delete(proc)); // its pid is no longer ours to signal
  return proc;
}

/**
 * Stop a peer: `signal` to its group, SIGKILL after graceMs; then whatever is
 * left of its group is killed and its pipes dropped. Resolves with
 * { code, signal, forced } — forced when SIGKILL was needed.
 */
export async function stopPeer(proc, { signal = 'SIGTERM', graceMs = 10000 } = {}) {
  let forced = false;
  if (running(proc)) {
    killGroup(proc, signal);
    let timer;
    const late = new Promise((resolve) => { timer = setTimeout(() => resolve('late'), graceMs); });
    if (await Promise.race([proc.exited, late]) === 'late') {
      forced = true;
      killGroup(proc, 'SIGKILL');
    }
    clearTimeout(timer);
  }
  const res = await proc.exited;
  if (proc.group) killGroup(proc, 'SIGKILL'); // children it left behind
  dropPipes(proc);
  live.delete(proc);
  return { ...res, forced };
}

// Interrupted (ctest's timeout, Ctrl-C): peers in their own groups do not get
// the signal, so they are ended here before the signal's default action.
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(sig, () => {
    for (const p of live) killGroup(p, 'SIGKILL');
    process.kill(process.pid, sig);
  });
}
// a peer a failed test did not stop (tracked borned included)
process.once('exit', () => { for (const p of live) killGroup(p, 'SIGKILL'); });
