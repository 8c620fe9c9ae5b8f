// Network set-up (issue 20, seed 004; docs/network.md). The nm back end
// against python3-dbusmock's NetworkManager template on a private system bus
// (tests/tools/nm_mock.py starts both): borned's borne-nm helper sees the
// mock's devices, a scan lists its access points, a join adds and activates a
// connection in the mock, a static Ethernet set-up and the setup access
// point (opened at start-up, closed on demand) land there too. Then the sim
// back end through bornectl, request checks and the none back end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { startBorned } from './lib/borne.mjs';
import { Csms } from './lib/csms.mjs';
import { spawnPeer, stopPeer } from './lib/peers.mjs';
import { setupPins } from './lib/web.mjs';
import { launch, newPage, login, open, checkPage } from './lib/browser.mjs';

const NM_MOCK = fileURLToPath(new URL('../tools/nm_mock.py', import.meta.url));

/**
 * The mock on its own bus; ask(cmd) sends one command and returns its JSON answer. A mock that
 * dies or stops answering fails the test at once (never a wait for ctest's timeout); its bus and
 * template server are in its process group and end with it (lib/peers.mjs).
 */
async function startMock(t) {
  const proc = spawnPeer('/usr/bin/python3', [NM_MOCK], { stdio: ['pipe', 'pipe', 'pipe'] });
  t.after(() => stopPeer(proc));
  let err = '';
  proc.stderr.on('data', (c) => { err += c.toString(); });
  proc.stdin.on('error', () => {}); // a dead mock: the exit below says why
  const lines = createInterface({ input: proc.stdout });
  const queue = [];
  const waiters = [];
  let gone = null;
  lines.on('line', (l) => { const w = waiters.shift(); if (w) w.resolve(l); else queue.push(l); });
  proc.exited.then(({ code, signal, error }) => {
    gone = new Error(`nm_mock exited (${error?.message ?? code ?? signal}):\n${err}`);
    for (const w of waiters.splice(0)) w.reject(gone);
  });
  const next = (what) => new Promise((resolve, reject) => {
    if (queue.length) return resolve(queue.shift());
    if (gone) return reject(gone);
    const w = { resolve: (l) => { clearTimeout(w.timer); resolve(l); }, reject: (e) => { clearTimeout(w.timer); reject(e); } };
    w.timer = setTimeout(() => {
      waiters.splice(waiters.indexOf(w), 1);
      reject(new Error(`nm_mock: no answer to ${what} in 20 s:\n${err}`));
    }, 20000);
    waiters.push(w);
  });
  const first = JSON.parse(await next('start-up'));
  return {
    bus: first.bus,
    async ask(cmd) { proc.stdin.write(cmd + '\n'); return JSON.parse(await next(cmd)); },
  };
}

test('nm back end against dbusmock NetworkManager: devices, scan, join, Ethernet, setup access point', async (t) => {
  const mock = await startMock(t);
  const st = await startBorned({
    set: { 'network.backend': 'nm', 'network.setup_ap_s': '600', 'network.setup_ap_ssid': 'borne-test-setup',
      'network.setup_ap_psk': 'label-key-1234', 'network.ap_button': 'sim' },
    env: { DBUS_SYSTEM_BUS_ADDRESS: mock.bus },
  });
  t.after(async () => { await st.stop(); st.cleanup(); });

  // opened at start-up for network.setup_ap_s
  await st.waitEvent('network', { match: (e) => /setup access point opened/.test(e.detail) });
  let conns = await mock.ask('connections');
  const ap = conns.find((c) => c.id === 'borne-setup-ap');
  assert.ok(ap, `setup AP connection in the mock: ${JSON.stringify(conns)}`);
  assert.equal(ap.mode, 'ap');
  assert.equal(ap.ssid, 'borne-test-setup');
  assert.equal(ap.method, 'shared');
  assert.ok((await mock.ask('active')).some((a) => a.id === 'borne-setup-ap'));

  let net = await st.ok('GET', '/api/v1/network');
  assert.equal(net.backend, 'nm');
  const names = net.interfaces.map((i) => `${i.name}:${i.type}`).sort();
  assert.deepEqual(names, ['eth0:ethernet', 'wlan0:wifi']);
  assert.equal(net.interfaces.find((i) => i.name === 'eth0').state, 'connected');
  assert.equal(net.setup_ap.on, true);
  assert.ok(Date.parse(net.setup_ap.until) > Date.now() + 590e3, `until ${net.setup_ap.until}`);

  // closed on demand
  net = await st.ok('POST', '/api/v1/network/setup_ap', { on: false });
  assert.equal(net.setup_ap.on, false);
  assert.ok(!(await mock.ask('active')).some((a) => a.id === 'borne-setup-ap'));

  // the setup button (network.ap_button, the simulator's) opens it again for network.setup_ap_s
  let after = await st.lastEventId();
  assert.deepEqual(await st.ok('POST', '/api/v1/sim/ap_button', { pressed: true }), { pressed: true });
  await st.waitEvent('network', { after, match: (e) => /setup button pressed/.test(e.detail) });
  await st.waitEvent('network', { after, match: (e) => /setup access point opened/.test(e.detail) });
  await st.ok('POST', '/api/v1/sim/ap_button', { pressed: false });
  assert.ok((await mock.ask('active')).some((a) => a.id === 'borne-setup-ap'), 'the button reopened the AP');
  net = await st.ok('GET', '/api/v1/network');
  assert.equal(net.setup_ap.on, true);
  assert.ok(Date.parse(net.setup_ap.until) > Date.now() + 590e3, `until ${net.setup_ap.until}`);
  net = await st.ok('POST', '/api/v1/network/setup_ap', { on: false });
  assert.equal(net.setup_ap.on, false);

  // a scan lists the mock's access points
  net = await st.ok('POST', '/api/v1/network/scan', {});
  const byName = Object.fromEntries(net.wifi.map((w) => [w.ssid, w]));
  assert.deepEqual(Object.keys(byName).sort(), ['borne-lab', 'cafe-libre']);
  assert.equal(byName['borne-lab'].strength, 82);
  assert.equal(byName['borne-lab'].secured, true);
  assert.equal(byName['cafe-libre'].secured, false);

  // a join creates and activates a connection in the mock
  net = await st.ok('POST', '/api/v1/network/join', { ssid: 'borne-lab', psk: 'borne-lab-key' });
  conns = await mock.ask('connections');
  const joined = conns.find((c) => c.ssid === 'borne-lab');
  assert.ok(joined, `joined connection in the mock: ${JSON.stringify(conns)}`);
  const active = await mock.ask('active');
  assert.ok(active.some((a) => a.devices.some((d) => d.endsWith('/mock_WiFi1')) && a.state === 2),
    `an activated connection on wlan0: ${JSON.stringify(active)}`);
  assert.equal(net.interfaces.find((i) => i.name === 'wlan0').state, 'connected');

  // a network not in range is refused by the helper, with the name
  let r = await st.api('POST', '/api/v1/network/join', { ssid: 'nowhere', psk: 'whatever-key' });
  assert.equal(r.status, 502);
  assert.match(r.body.error, /no Wi-Fi network named "nowhere"/);

  // static Ethernet lands in the mock's settings
  await st.ok('POST', '/api/v1/network/ethernet',
    { method: 'static', address: '192.168.7.20/24', gateway: '192.168.7.1', dns: ['192.168.7.1'] });
  conns = await mock.ask('connections');
  const eth = conns.filter((c) => c.id === 'borne-ethernet');
  assert.equal(eth.length, 1);
  assert.equal(eth[0].method, 'manual');
  assert.deepEqual(eth[0].addresses, [{ address: '192.168.7.20', prefix: 24 }]);
  // set again (DHCP): replaced, not added twice
  await st.ok('POST', '/api/v1/network/ethernet', { method: 'dhcp' });
  conns = await mock.ask('connections');
  assert.deepEqual(conns.filter((c) => c.id === 'borne-ethernet').map((c) => c.method), ['auto']);

  // the mock has no modem
  r = await st.api('POST', '/api/v1/network/cellular', { apn: 'internet.example' });
  assert.equal(r.status, 502);
  assert.match(r.body.error, /no cellular modem/);

  // a modem appears (ModemManager found one): the APN lands in a gsm connection, activated on it
  const modemPath = await mock.ask('modem');
  for (let i = 0; i < 50 && !net.interfaces.some((x) => x.type === 'cellular'); i++) {
    net = await st.ok('GET', '/api/v1/network'); // libnm learns of it from the bus signals
  }
  let modem = net.interfaces.find((x) => x.type === 'cellular');
  assert.ok(modem, `a cellular interface: ${JSON.stringify(net.interfaces)}`);
  assert.deepEqual([modem.name, modem.state, modem.apn, modem.operator], ['cdc-wdm0', 'disconnected', null, '20801']);
  net = await st.ok('POST', '/api/v1/network/cellular', { apn: 'internet.example' });
  conns = await mock.ask('connections');
  const gsm = conns.filter((c) => c.id === 'borne-cellular');
  assert.deepEqual(gsm.map((c) => [c.type, c.apn]), [['gsm', 'internet.example']]);
  assert.ok((await mock.ask('active')).some((a) => a.id === 'borne-cellular' && a.devices.includes(modemPath)),
    'borne-cellular active on the modem');
  modem = net.interfaces.find((x) => x.type === 'cellular');
  assert.deepEqual([modem.state, modem.connection, modem.apn, modem.operator],
    ['connected', 'borne-cellular', 'internet.example', '20801']);
  // another APN replaces the connection, not added twice
  await st.ok('POST', '/api/v1/network/cellular', { apn: 'm2m.operator.fr' });
  conns = await mock.ask('connections');
  assert.deepEqual(conns.filter((c) => c.id === 'borne-cellular').map((c) => c.apn), ['m2m.operator.fr']);
  // the APN's credentials, the SIM's PIN, a forced network and the authentication allowed
  await st.ok('POST', '/api/v1/network/cellular',
    { apn: 'm2m.operator.fr', username: 'cs42', password: 'secret', pin: '0123', network: '20801', auth: 'pap' });
  conns = await mock.ask('connections');
  const cell = conns.filter((c) => c.id === 'borne-cellular');
  assert.equal(cell.length, 1);
  assert.deepEqual([cell[0].gsm.username, cell[0].gsm.password, cell[0].gsm.pin, cell[0].gsm['network-id'], cell[0].autoconnect],
    ['cs42', 'secret', '0123', '20801', true]);
  assert.deepEqual([cell[0].ppp['refuse-pap'] ?? false, cell[0].ppp['refuse-chap'], cell[0].ppp['refuse-eap']], [false, true, true],
    `PAP only: ${JSON.stringify(cell[0].ppp)}`);

  // bornectl over the same back end
  const out = st.ctl('network', 'status');
  assert.equal(out.code, 0, out.stderr);
  assert.match(out.stdout, /wlan0/);
  assert.match(out.stdout, /borne-lab/);
  assert.match(out.stdout, /cellular cdc-wdm0: APN m2m\.operator\.fr, operator 20801/);
});

// OCPP 2.0.1 B09/B10 over NetworkManager: a network connection profile's APN
// is a gsm connection of its own (borne-cellular-slot2, not brought up at
// boot), activated on the modem when the link takes slot 2; the fallback to
// slot 1 activates the installer's borne-cellular again.
test('nm back end: an OCPP slot APN is a connection of its own, the installer connection back after the fallback', async (t) => {
  const mock = await startMock(t);
  const modemPath = await mock.ask('modem');
  const a = await new Csms({ protocol: 'ocpp2.0.1', bootInterval: 3600 }).listen(0);
  const b = await new Csms({ protocol: 'ocpp2.0.1', bootInterval: 3600 }).listen(0);
  t.after(async () => { await a.close().catch(() => {}); await b.close().catch(() => {}); });
  const st = await startBorned({
    connectors: 1, auth: 'free', args: ['--csms', a.url],
    set: { 'network.backend': 'nm', 'network.setup_ap_s': '0', 'ocpp.version': '2.0.1',
      'ocpp.reconnect_max_s': '2', 'ocpp.NetworkProfileConnectionAttempts': '2' },
    env: { DBUS_SYSTEM_BUS_ADDRESS: mock.bus },
  });
  t.after(async () => { await st.stop(); st.cleanup(); });
  await a.waitCall('BootNotification');
  for (let i = 0; i < 50 && !(await st.ok('GET', '/api/v1/network')).interfaces.some((x) => x.type === 'cellular'); i++);
  await st.ok('POST', '/api/v1/network/cellular', { apn: 'installer.example' });
  // activations on the modem, in order (the mock keeps a former one listed as active where
  // NetworkManager would take it down: the last one is the one up)
  const onModem = async () => (await mock.ask('active')).filter((c) => c.devices.includes(modemPath) && c.state === 2).map((c) => c.id);
  assert.deepEqual(await onModem(), ['borne-cellular']);

  const apn = { apn: 'm2m.csms-b.example', apnUserName: 'cs42', apnPassword: 'secret', simPin: 1234, apnAuthentication: 'CHAP' };
  const set = await a.call('SetNetworkProfile', { configurationSlot: 2, connectionData:
    { ocppVersion: 'OCPP20', ocppTransport: 'JSON', ocppCsmsUrl: b.url, messageTimeout: 20, securityProfile: 0, ocppInterface: 'Wireless0', apn } });
  assert.equal(set.status, 'Accepted');
  const prio = await a.call('SetVariables', { setVariableData: [{ attributeValue: '1,2', component: { name: 'OCPPCommCtrlr' }, variable: { name: 'NetworkConfigurationPriority' } }] });
  assert.equal(prio.setVariableResult[0].attributeStatus, 'Accepted');

  let after = await st.lastEventId();
  await a.close();
  await b.waitCall('BootNotification', { timeoutMs: 60000 });
  await st.waitEvent('network', { after, match: (e) => /configuration slot 2: cellular APN m2m\.csms-b\.example brought up/.test(e.detail), timeoutMs: 30000 });
  const slot = (await mock.ask('connections')).filter((c) => c.id === 'borne-cellular-slot2');
  assert.equal(slot.length, 1);
  assert.deepEqual([slot[0].gsm.apn, slot[0].gsm.username, slot[0].gsm.password, slot[0].gsm.pin, slot[0].autoconnect, slot[0].ppp['refuse-pap']],
    ['m2m.csms-b.example', 'cs42', 'secret', '1234', false, true]);
  assert.deepEqual(await onModem(), ['borne-cellular', 'borne-cellular-slot2']);
  assert.ok((await mock.ask('connections')).some((c) => c.id === 'borne-cellular' && c.apn === 'installer.example'), 'the installer\'s kept');

  after = await st.lastEventId();
  await b.close();
  await st.waitEvent('ocpp_network_slot', { after, match: (e) => /configuration slot 1/.test(e.detail), timeoutMs: 60000 });
  for (let i = 0; i < 50 && (await onModem()).length < 3; i++) await st.ok('GET', '/api/v1/network');
  assert.deepEqual(await onModem(), ['borne-cellular', 'borne-cellular-slot2', 'borne-cellular']);
  a.assertNoViolations();
  b.assertNoViolations();
});

test('sim back end: bornectl network, request checks, installer role', async (t) => {
  const st = await startBorned({ set: { 'network.backend': 'sim', 'network.setup_ap_s': '0',
    'network.ap_button': 'sim' } });
  t.after(async () => { await st.stop(); st.cleanup(); });
  let net = st.ctlJson('network', 'status');
  assert.equal(net.backend, 'sim');
  assert.equal(net.setup_ap.on, false); // setup_ap_s 0: not opened at start-up
  assert.deepEqual(net.wifi, []);
  net = st.ctlJson('network', 'scan');
  assert.deepEqual(net.wifi.map((w) => w.ssid).sort(), ['borne-lab', 'cafe-libre']);
  let r = st.ctl('network', 'join', 'borne-lab', '--psk', 'wrong-key-123');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /refused the key/);
  net = st.ctlJson('network', 'join', 'borne-lab', '--psk', 'borne-lab-key');
  assert.equal(net.interfaces.find((i) => i.name === 'wlan0').connection, 'borne-lab');
  net = st.ctlJson('network', 'ethernet', 'static', '10.1.2.3/16', '--gateway', '10.1.0.1', '--dns', '10.1.0.1,9.9.9.9');
  const eth = net.interfaces.find((i) => i.name === 'eth0');
  assert.deepEqual([eth.method, eth.addresses[0], eth.gateway], ['static', '10.1.2.3/16', '10.1.0.1']);
  net = st.ctlJson('network', 'cellular', 'internet.example');
  const wwan = net.interfaces.find((i) => i.name === 'wwan0');
  assert.deepEqual([wwan.connection, wwan.apn, wwan.operator], ['borne-cellular', 'internet.example', '00101']);
  assert.match(st.ctl('network', 'status').stdout, /cellular wwan0: APN internet\.example, operator 00101/);
  net = st.ctlJson('network', 'ap', 'on');
  assert.equal(net.setup_ap.on, true);
  assert.equal(net.setup_ap.until, null); // setup_ap_s 0: open until closed
  net = st.ctlJson('network', 'ap', 'off');
  assert.equal(net.setup_ap.on, false);

  // the setup button: a press opens the access point (setup_ap_s 0: until closed); a second press
  // within 2 s is the same press (bounce), one request
  const after = await st.lastEventId();
  await st.ok('POST', '/api/v1/sim/ap_button', { pressed: true });
  await st.waitEvent('network', { after, match: (e) => /setup access point opened/.test(e.detail) });
  await st.ok('POST', '/api/v1/sim/ap_button', { pressed: false });
  await st.ok('POST', '/api/v1/sim/ap_button', { pressed: true });
  await st.ok('POST', '/api/v1/sim/ap_button', { pressed: false });
  net = st.ctlJson('network', 'ap', 'off');
  assert.equal(net.setup_ap.on, false);
  const closed = await st.waitEvent('network', { after, match: (e) => /setup access point closed/.test(e.detail) });
  const ev = (await st.ok('GET', `/api/v1/events?after=${after}&limit=50`)).events
    .filter((e) => e.kind === 'network' && e.id <= closed.id).map((e) => e.detail);
  assert.deepEqual(ev, ['setup button pressed: opening the setup access point', 'setup access point opened',
    'setup access point closed']);
  assert.equal((await st.api('POST', '/api/v1/sim/ap_button', { pressed: 'yes' })).status, 400);

  for (const [action, body, re] of [
    ['join', { ssid: '' }, /ssid/],
    ['join', { ssid: 'x'.repeat(33) }, /ssid/],
    ['join', { ssid: 'borne-lab', psk: 'short' }, /psk/],
    ['ethernet', { method: 'static', address: '10.0.0.1' }, /address/],
    ['ethernet', { method: 'static', address: '10.0.0.1/24', dns: ['a.b'] }, /dns/],
    ['ethernet', { method: 'dhcp', address: '10.0.0.1/24' }, /only with method static/],
    ['cellular', { apn: 'bad apn' }, /apn/],
    ['setup_ap', { on: 'yes' }, /on/],
    ['scan', { extra: 1 }, /unknown member/],
  ]) {
    r = await st.api('POST', `/api/v1/network/${action}`, body);
    assert.equal(r.status, 400, `${action} ${JSON.stringify(body)}`);
    assert.match(r.body.error, re);
  }
  r = await st.api('POST', '/api/v1/network/reboot', {});
  assert.equal(r.status, 404);
});

test('none back end (the default): the system owns the network', async (t) => {
  const st = await startBorned();
  t.after(async () => { await st.stop(); st.cleanup(); });
  const net = await st.ok('GET', '/api/v1/network');
  assert.deepEqual([net.backend, net.state], ['none', 'unmanaged']);
  const r = await st.api('POST', '/api/v1/network/scan', {});
  assert.equal(r.status, 409);
  assert.match(r.body.error, /network.backend is none/);
});

test('web page: Settings → Network scans, joins and sets a fixed Ethernet address (sim back end, French)', async (t) => {
  const st = await startBorned({ set: { 'network.backend': 'sim', 'network.setup_ap_s': '0' } });
  t.after(async () => { await st.stop(); st.cleanup(); });
  const pins = await setupPins(st);
  const browser = await launch();
  t.after(() => browser.close());
  const page = await newPage(browser, st, { locale: 'fr-FR' });
  await login(page, 'installer', pins.installer);
  await open(page, 'settings/network');
  await page.waitForSelector('[data-test=net-interfaces] tr[data-iface=wlan0]');
  assert.match(await page.textContent('[data-test=net-scan] h2'), /Réseaux Wi-Fi à portée/);
  await page.click('[data-test=net-scan] button[type=submit]');
  await page.waitForSelector('[data-test=net-wifi] li[data-ssid=borne-lab]');
  // a wrong key: the station's refusal is shown, nothing joined
  await page.fill('#net-ssid', 'borne-lab');
  await page.fill('#net-psk', 'wrong-key-42');
  await page.click('[data-test=net-join] button[type=submit]');
  await page.waitForSelector('[data-test=net-join] p.error');
  assert.match(await page.textContent('[data-test=net-join] p.error'), /refused the key/);
  await page.fill('#net-psk', 'borne-lab-key');
  await page.click('[data-test=net-join] button[type=submit]');
  await page.waitForFunction(() => document.querySelector('[data-test=net-interfaces] tr[data-iface=wlan0]')?.textContent.includes('borne-lab'));
  await page.selectOption('#net-method', 'static');
  await page.fill('#net-address', '10.1.2.3/16');
  await page.fill('#net-gateway', '10.1.0.1');
  await page.fill('#net-dns', '10.1.0.1, 9.9.9.9');
  await page.click('[data-test=net-ethernet] button[type=submit]');
  await page.waitForFunction(() => document.querySelector('[data-test=net-interfaces] tr[data-iface=eth0]')?.textContent.includes('10.1.2.3/16'));
  const eth = (await st.ok('GET', '/api/v1/network')).interfaces.find((i) => i.name === 'eth0');
  assert.deepEqual([eth.method, eth.gateway], ['static', '10.1.0.1']);
  // the cellular APN with the optional members: a network the simulated SIM is not on is refused
  await page.fill('#net-apn', 'internet.example');
  await page.fill('#net-apn-user', 'cs42');
  await page.fill('#net-apn-password', 'secret');
  await page.fill('#net-sim-pin', '0123');
  await page.selectOption('#net-apn-auth', 'chap');
  await page.fill('#net-plmn', '20801');
  await page.click('[data-test=net-cellular] button[type=submit]');
  await page.waitForSelector('[data-test=net-cellular] p.error');
  assert.match(await page.textContent('[data-test=net-cellular] p.error'), /cannot register on network 20801/);
  // then the modem's row says which APN and operator
  await page.fill('#net-plmn', '00101');
  await page.click('[data-test=net-cellular] button[type=submit]');
  await page.waitForFunction(() => document.querySelector('[data-test=net-interfaces] tr[data-iface=wwan0] [data-test=net-cellular-info]')?.textContent.includes('internet.example'));
  assert.match(await page.textContent('tr[data-iface=wwan0] [data-test=net-cellular-info]'),
    /APN internet\.example · opérateur 00101/);
  await checkPage(page, 'network');
});
