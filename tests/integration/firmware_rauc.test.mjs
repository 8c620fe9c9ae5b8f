// Firmware roll-back through the real RAUC (Debian `rauc` 1.8) on an A/B layout of two image
// files (issue 20): RAUC's custom bootloader back end is a script that keeps its state in
// files, `rauc service` runs on a private D-Bus daemon (Debian's CLI installs through the
// service) with the booted slot given by --override-boot-slot, and a "reboot" is borned
// ending (its firmware.reboot_command) and the test starting the slot the bootloader state
// names, with the same data directory. Against the strict OCPP 1.6 back end:
// - a good image: installed into the other slot, marked good once Available and accepted by
//   its back end (firmware.confirm_backend), Installed reported;
// - a bad one (its back end rejects it, so it never proves itself): marked bad after
//   firmware.confirm_timeout_s, reboot, the bootloader starts the previous slot, which tells
//   the back end InstallationFailed and the security event FirmwareRolledBack.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { spawnPeer, stopPeer } from './lib/peers.mjs';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { mkdirSync, writeFileSync, readFileSync, existsSync, chmodSync, rmSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { startBorned, tempDataDir } from './lib/borne.mjs';
import { Csms } from './lib/csms.mjs';

const SET = { 'station.id': 'cp-rauc', 'ocpp.MinimumStatusDuration': '0', 'ocpp.reconnect_max_s': '2' };

// The A/B layout, the keyring and a bundle built with `rauc bundle`.
function makeLayout(dir) {
  mkdirSync(join(dir, 'content'), { recursive: true });
  mkdirSync(join(dir, 'mnt'));
  mkdirSync(join(dir, 'rauc-data'));
  mkdirSync(join(dir, 'boot'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'),
    '-out', join(dir, 'cert.pem'), '-subj', '/CN=borne rauc test', '-days', '2'], { stdio: 'ignore' });
  // RAUC's custom bootloader interface (get-primary, set-primary, get-state, set-state,
  // get-current); set-primary gives the slot fresh boot attempts, as real bootloaders do
  const boot = join(dir, 'boot');
  writeFileSync(join(dir, 'bootloader.sh'), `#!/bin/sh
D='${boot}'
case "$1" in
get-primary) cat "$D/primary" 2>/dev/null || echo A ;;
set-primary) echo "$2" > "$D/primary"; echo good > "$D/state.$2" ;;
get-state) cat "$D/state.$2" 2>/dev/null || echo good ;;
set-state) echo "$3" > "$D/state.$2" ;;
get-current) cat "$D/current" 2>/dev/null || echo A ;;
*) exit 1 ;;
esac
`);
  chmodSync(join(dir, 'bootloader.sh'), 0o755);
  for (const s of ['A', 'B']) { writeFileSync(join(dir, `slot${s}.img`), ''); truncateSync(join(dir, `slot${s}.img`), 1 << 20); }
  writeFileSync(join(dir, 'system.conf'), `[system]
compatible=borne-test
bootloader=custom
mountprefix=${join(dir, 'mnt')}
data-directory=${join(dir, 'rauc-data')}

[keyring]
path=${join(dir, 'cert.pem')}

[handlers]
bootloader-custom-backend=${join(dir, 'bootloader.sh')}

[slot.rootfs.0]
device=${join(dir, 'slotA.img')}
type=raw
bootname=A

[slot.rootfs.1]
device=${join(dir, 'slotB.img')}
type=raw
bootname=B
`);
  // format=plain: a verity bundle needs device-mapper, which a container may not have
  writeFileSync(join(dir, 'content', 'rootfs.img'), Buffer.alloc(65536, 0x5a));
  writeFileSync(join(dir, 'content', 'manifest.raucm'), `[update]
compatible=borne-test
version=2.0

[bundle]
format=plain

[image.rootfs]
filename=rootfs.img
`);
  execFileSync('rauc', ['bundle', `--cert=${join(dir, 'cert.pem')}`, `--key=${join(dir, 'key.pem')}`,
    join(dir, 'content'), join(dir, 'bundle.raucb')], { stdio: 'ignore' });
}

// A private bus that `rauc service` owns its name on; resolves once the name is there.
async function startBus(dir) {
  const addr = `unix:path=${join(dir, 'bus')}`;
  const bus = spawnPeer('dbus-daemon', ['--session', `--address=${addr}`, '--nofork', '--nopidfile', '--print-address'], { stdio: ['ignore', 'pipe', 'inherit'] });
  await once(bus.stdout, 'data');
  return { bus, addr };
}

async function startRauc(dir, addr, slot) {
  const env = { ...process.env, DBUS_SYSTEM_BUS_ADDRESS: addr };
  const svc = spawnPeer('rauc', [`--conf=${join(dir, 'system.conf')}`, `--override-boot-slot=${slot}`, 'service'], { stdio: ['ignore', 'ignore', 'pipe'], env });
  let log = '';
  svc.stderr.on('data', (c) => { log += c; });
  // gdbus wait blocks until the name appears on the bus (no polling here)
  const waiter = spawn('gdbus', ['wait', '--system', '--timeout', '30', 'de.pengutronix.rauc'], { env, stdio: 'ignore' });
  const [code] = await once(waiter, 'exit');
  assert.equal(code, 0, `rauc service did not start:\n${log}`);
  return { svc, log: () => log };
}

// bounded, and the file's last hook stops what a failed test left (lib/peers.mjs)
async function stopProc(p) { await stopPeer(p); }

function raucStatus(dir, addr) {
  const out = execFileSync('rauc', [`--conf=${join(dir, 'system.conf')}`, 'status', '--output-format=json'], { env: { ...process.env, DBUS_SYSTEM_BUS_ADDRESS: addr } });
  return JSON.parse(out.toString());
}

function slotStatus(status, bootname) {
  for (const s of status.slots) for (const v of Object.values(s)) if (v.bootname === bootname) return v.boot_status;
  return undefined;
}

// What the bootloader starts: the primary slot unless it was marked bad.
function bootedSlot(dir) {
  const primary = readFileSync(join(dir, 'boot', 'primary'), 'utf8').trim();
  const f = join(dir, 'boot', `state.${primary}`);
  const bad = existsSync(f) && readFileSync(f, 'utf8').trim() === 'bad';
  return bad ? (primary === 'A' ? 'B' : 'A') : primary;
}

test('firmware through RAUC: a good image marked good, a bad one marked bad and rolled back, the back end told', async () => {
  const dir = tempDataDir();
  const dataDir = tempDataDir();
  makeLayout(dir);
  const bundle = readFileSync(join(dir, 'bundle.raucb'));
  const http = createServer((req, res) => {
    if (req.url !== '/fw/update.raucb') { res.statusCode = 404; res.end(); return; }
    res.setHeader('Content-Length', bundle.length);
    res.end(bundle);
  });
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  const location = `http://127.0.0.1:${http.address().port}/fw/update.raucb`;
  const { bus, addr } = await startBus(dir);
  const csms = await new Csms({ tags: { GOOD1: 'Accepted' } }).listen();
  let rauc = null;
  let st = null;
  const reboots = join(dir, 'reboots');
  const boot = async (slot) => {
    rauc = await startRauc(dir, addr, slot);
    st = await startBorned({
      dataDir, connectors: 1, auth: 'free', speed: 10, args: ['--csms', csms.url],
      env: { DBUS_SYSTEM_BUS_ADDRESS: addr },
      set: {
        ...SET, 'firmware.allow_unsigned': 'true', 'firmware.installer': 'rauc', 'firmware.rauc_conf': join(dir, 'system.conf'),
        'firmware.confirm_backend': 'true', 'firmware.confirm_timeout_s': '30',
        // $PPID: borned, which runs the command with /bin/sh
        'firmware.reboot_command': `echo reboot >> '${reboots}'; kill -TERM $PPID`,
      },
    });
  };
  // the "reboot": borned ended by its reboot command, the rauc service goes down with the system
  const rebooted = async () => {
    await st.exited;
    await stopProc(rauc.svc);
  };
  try {
    await boot('A');
    await st.waitFor((s) => s.station.ocpp.registration === 'Accepted', { what: 'online', timeoutMs: 30000 });

    // 1. a good image: installed into B, marked good once Available and accepted
    let from = csms.calls.length;
    await csms.call('UpdateFirmware', { location, retrieveDate: new Date().toISOString() });
    await rebooted(); // the statuses sent before the reboot or queued for the next start
    assert.equal(readFileSync(reboots, 'utf8'), 'reboot\n');
    assert.equal(readFileSync(join(dir, 'boot', 'primary'), 'utf8').trim(), 'B');
    assert.deepEqual(readFileSync(join(dir, 'slotB.img')).subarray(0, 65536), Buffer.alloc(65536, 0x5a), 'the bundle\'s image is in slot B');
    assert.equal(bootedSlot(dir), 'B');
    await boot('B');
    for (const status of ['Downloading', 'Downloaded', 'Installing', 'Installed'])
      await csms.waitCall('FirmwareStatusNotification', { from, match: (p) => p.status === status, timeoutMs: 30000 });
    let status = raucStatus(dir, addr);
    assert.equal(status.booted, 'B');
    assert.equal(slotStatus(status, 'B'), 'good');
    assert.ok(!csms.calls.slice(from).some((c) => c.action === 'FirmwareStatusNotification' && c.params.status === 'InstallationFailed'));

    // 2. a bad image: its back end never accepts it (confirm_backend), so it is marked bad
    from = csms.calls.length;
    await csms.call('UpdateFirmware', { location, retrieveDate: new Date().toISOString() });
    await rebooted();
    assert.equal(readFileSync(join(dir, 'boot', 'primary'), 'utf8').trim(), 'A');
    csms.bootStatus = 'Rejected';
    await boot('A');
    const afterBadBoot = csms.calls.length;
    await rebooted(); // 30 station seconds (3 s at speed 10) without the back end: mark-bad, reboot
    assert.equal(readFileSync(reboots, 'utf8'), 'reboot\nreboot\nreboot\n');
    assert.equal(readFileSync(join(dir, 'boot', 'state.A'), 'utf8').trim(), 'bad');
    assert.ok(!csms.calls.slice(afterBadBoot).some((c) => c.action === 'FirmwareStatusNotification'), 'the rejected image reported nothing');
    assert.equal(bootedSlot(dir), 'B', 'the bootloader starts the previous slot');
    csms.bootStatus = 'Accepted';
    await boot('B');
    const failed = await csms.waitCall('FirmwareStatusNotification', { from: afterBadBoot, match: (p) => p.status === 'InstallationFailed', timeoutMs: 30000 });
    assert.ok(failed);
    const sec = await csms.waitCall('SecurityEventNotification', { from: afterBadBoot, match: (p) => p.type === 'FirmwareRolledBack', timeoutMs: 30000 });
    assert.match(sec.params.techInfo, /rolled back to the previous firmware: not Available and accepted by its back end within 30 s/);
    await st.waitEvent('firmware', { match: (e) => /^InstallationFailed: rolled back/.test(e.detail) });
    status = raucStatus(dir, addr);
    assert.equal(status.booted, 'B');
    assert.equal(slotStatus(status, 'A'), 'bad');
    assert.equal(slotStatus(status, 'B'), 'good');
    // nothing left to confirm: a later start reports nothing again
    assert.equal((await st.status()).station.firmware.busy, false);
  } finally {
    if (st) await st.stop();
    if (rauc) await stopProc(rauc.svc);
    await stopProc(bus);
    csms.close && await csms.close();
    http.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  }
});
