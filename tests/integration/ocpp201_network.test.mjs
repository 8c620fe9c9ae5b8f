// OCPP 2.0.1 B09 / B10 (issue 16): network connection profiles in
// configuration slots and the fallback between them, against both strict
// 2.0.1 peers (npm ocpp-rpc and npm ocpp-ws-io; every frame validated both
// ways). The station starts on slot 1 (ocpp.url, security profile 1, HTTP
// Basic) at back end A. A sends SetNetworkProfile for slot 2 (back end B,
// started by the test), the checks of B09.FR.04/05 answered Rejected with
// the errata's reasonCode, then NetworkConfigurationPriority "2,1" and a
// Reset: the station comes up at B (B10.FR.04) and boots there. B goes away
// while a session runs: after NetworkProfileConnectionAttempts failed
// attempts the station falls back to slot 1 (B10.FR.07/08), boots at A
// again (B10.FR.10) and delivers the queue there, in order, without a gap.
import { test } from 'node:test';
import { execFileSync } from 'node:child_process';
import assert from 'node:assert/strict';
import { startBorned } from './lib/borne.mjs';
import { Csms } from './lib/csms.mjs';
import { CsmsWsIo } from './lib/csms_ws_io.mjs';

const KEY = 'borne-network-key-01';

for (const [name, Peer] of [['ocpp-rpc', Csms], ['ocpp-ws-io', CsmsWsIo]]) {
  test(`SetNetworkProfile, priority and Reset move the station to a new back end; it falls back when that one is gone (${name})`, async () => {
    const peer = () => new Peer({ protocol: 'ocpp2.0.1', tags: { FREECHARGING: 'Accepted' }, bootInterval: 3600, password: KEY }).listen(0);
    const a = await peer();
    const b = await peer();
    const st = await startBorned({
      connectors: 1, auth: 'free', speed: 3600, args: ['--csms', a.url],
      set: {
        'station.id': `cp-net-${name}`, 'ocpp.version': '2.0.1',
        'ocpp.security_profile': '1', 'ocpp.AuthorizationKey': KEY,
        'ocpp.MinimumStatusDuration': '0', 'ocpp.reconnect_max_s': '2',
        'ocpp.MeterValueSampleInterval': '300', 'ocpp.NetworkProfileConnectionAttempts': '3',
      },
    });
    try {
      await a.waitCall('BootNotification');
      await st.waitFor((s) => s.station.ocpp?.registration === 'Accepted', { what: 'accepted at A' });
      assert.equal((await st.status()).station.ocpp.configuration_slot, 1);
      const data = (url, securityProfile) => ({ ocppVersion: 'OCPP20', ocppTransport: 'JSON', ocppCsmsUrl: url, messageTimeout: 20, securityProfile, ocppInterface: 'Wired0' });

      // B09.FR.04: a lower security profile than the one in use; B09.FR.05: a slot not in the valuesList, or the installer's
      const lower = await a.call('SetNetworkProfile', { configurationSlot: 2, connectionData: data(b.url, 0) });
      assert.equal(lower.status, 'Rejected');
      assert.equal(lower.statusInfo.reasonCode, 'NoSecurityDowngrade');
      for (const slot of [1, 7]) {
        const r = await a.call('SetNetworkProfile', { configurationSlot: slot, connectionData: data(b.url, 1) });
        assert.equal(r.status, 'Rejected', `slot ${slot}`);
        assert.equal(r.statusInfo.reasonCode, 'InvalidConfSlot');
      }
      // B09.FR.02: TLS profile on a ws:// URL
      assert.equal((await a.call('SetNetworkProfile', { configurationSlot: 3, connectionData: data(b.url, 2) })).statusInfo.reasonCode, 'InvalidNetworkConf');
      // B09.FR.01
      assert.equal((await a.call('SetNetworkProfile', { configurationSlot: 2, connectionData: data(b.url, 1) })).status, 'Accepted');
      await a.waitCall('SecurityEventNotification', { match: (p) => p.type === 'ReconfigurationOfSecurityParameters' });
      // NetworkConfigurationPriority: only slots of its valuesList (1-4)
      const badPrio = await a.call('SetVariables', { setVariableData: [{ attributeValue: '9,1', component: { name: 'OCPPCommCtrlr' }, variable: { name: 'NetworkConfigurationPriority' } }] });
      assert.equal(badPrio.setVariableResult[0].attributeStatus, 'Rejected');
      const prio = await a.call('SetVariables', { setVariableData: [{ attributeValue: '2,1', component: { name: 'OCPPCommCtrlr' }, variable: { name: 'NetworkConfigurationPriority' } }] });
      assert.equal(prio.setVariableResult[0].attributeStatus, 'Accepted');
      const got = await a.call('GetVariables', { getVariableData: [{ component: { name: 'OCPPCommCtrlr' }, variable: { name: 'NetworkConfigurationPriority' } }] });
      assert.equal(got.getVariableResult[0].attributeValue, '2,1');
      // still at A until a restart (B10.FR.04)
      assert.equal((await st.status()).station.ocpp.configuration_slot, 1);

      // B10: Reset -> the first entry of the priority, back end B
      assert.equal((await a.call('Reset', { type: 'Immediate' })).status, 'Accepted');
      const bootB = await b.waitCall('BootNotification', { timeoutMs: 30000 });
      assert.equal(bootB.identity, `cp-net-${name}`, 'the station identity appended to the slot\'s URL');
      await st.waitReady(2);
      await st.waitFor((s) => s.station.ocpp?.registration === 'Accepted' && s.station.ocpp.configuration_slot === 2, { what: 'accepted at B on slot 2', timeoutMs: 30000 });
      assert.equal((await st.status()).station.ocpp.url, b.url, 'the status names the URL in use');
      const active = await b.call('GetVariables', { getVariableData: [{ component: { name: 'OCPPCommCtrlr' }, variable: { name: 'ActiveNetworkProfile' } }] });
      assert.equal(active.getVariableResult[0].attributeValue, '2');

      // B gone while a session runs: the queue waits, then goes to A after the fallback
      const fromA = a.calls.length;
      await b.close();
      await st.waitFor((s) => s.station.ocpp.state !== 'connected', { what: 'B gone' });
      const after = await st.lastEventId();
      assert.equal(st.ctl('plug', '1', '--ev-max-current', '16', '--phases', '1', '--battery-kwh', '6.6', '--soc', '90', '--target-soc', '100').code, 0);
      await st.waitFor((s) => s.station.ocpp.queue_length >= 1 || s.station.ocpp.configuration_slot === 1, { what: 'the Started event queued' });
      await st.waitEvent('ocpp_network_slot', { after, match: (e) => /configuration slot 1/.test(e.detail), timeoutMs: 60000 });
      const bootA = await a.waitCall('BootNotification', { from: fromA, timeoutMs: 30000 });
      assert.ok(bootA, 'B10.FR.10: a BootNotification at the back end fallen back to');
      await st.waitFor((s) => ['SuspendedEV', 'Finishing'].includes(s.connectors[0].status), { what: 'full', timeoutMs: 60000 });
      assert.equal(st.ctl('unplug', '1').code, 0);
      await st.waitFor((s) => s.station.ocpp.queue_length === 0 && s.station.ocpp.configuration_slot === 1 && s.station.ocpp.state === 'connected', { what: 'queue delivered at A', timeoutMs: 60000 });
      await a.waitCall('TransactionEvent', { from: fromA, match: (p) => p.eventType === 'Ended', timeoutMs: 30000 });
      const events = a.calls.slice(fromA).filter((c) => c.action === 'TransactionEvent').map((c) => c.params);
      assert.equal(events[0].eventType, 'Started');
      assert.equal(new Set(events.map((e) => e.transactionInfo.transactionId)).size, 1);
      assert.deepEqual(events.map((e) => e.seqNo), events.map((_, i) => i), 'seqNo without a gap');
      assert.equal(b.callsOf('TransactionEvent').length, 0);
      a.assertNoViolations();
      b.assertNoViolations();
    } finally {
      await st.stop();
      st.cleanup();
      await a.close();
      await b.close().catch(() => {});
    }
  });
}

// B09: a profile's `apn` on a Wireless interface is brought up on the
// station's cellular modem (network.backend sim: the simulated modem) while
// the link uses that slot, as a connection of its own; falling back to slot
// 1 brings the installer's cellular connection back. A profile with a `vpn`
// (the station has no VPN client) or an APN the modem would not take is
// Rejected, InvalidNetworkConf (B09.FR.02).
for (const [name, Peer] of [['ocpp-rpc', Csms], ['ocpp-ws-io', CsmsWsIo]]) {
  test(`a profile's APN is brought up on the modem while its slot is in use, the installer's back after the fallback (${name})`, async () => {
    const peer = () => new Peer({ protocol: 'ocpp2.0.1', bootInterval: 3600, password: KEY }).listen(0);
    const a = await peer();
    const b = await peer();
    const st = await startBorned({
      connectors: 1, auth: 'free', speed: 3600, args: ['--csms', a.url],
      set: {
        'station.id': `cp-apn-${name}`, 'ocpp.version': '2.0.1',
        'ocpp.security_profile': '1', 'ocpp.AuthorizationKey': KEY,
        'ocpp.reconnect_max_s': '2', 'ocpp.NetworkProfileConnectionAttempts': '2',
        'network.backend': 'sim', 'network.setup_ap_s': '0',
      },
    });
    const modem = async () => (await st.ok('GET', '/api/v1/network')).interfaces.find((i) => i.name === 'wwan0');
    try {
      await a.waitCall('BootNotification');
      await st.waitFor((s) => s.station.ocpp?.registration === 'Accepted', { what: 'accepted at A' });
      await st.ok('POST', '/api/v1/network/cellular', { apn: 'installer.example' });
      assert.deepEqual([(await modem()).apn, (await modem()).connection], ['installer.example', 'borne-cellular']);

      const data = (apn, extra = {}) => ({ ocppVersion: 'OCPP20', ocppTransport: 'JSON', ocppCsmsUrl: b.url, messageTimeout: 20, securityProfile: 1, ocppInterface: 'Wireless0', apn, ...extra });
      const apn = { apn: 'm2m.csms-b.example', apnUserName: 'cs42', apnPassword: 'secret', simPin: 1234, apnAuthentication: 'CHAP' };
      const vpn = await a.call('SetNetworkProfile', { configurationSlot: 2, connectionData: data(apn, { vpn: { server: 'vpn.example', user: 'u', password: 'p', key: 'k', type: 'IKEv2' } }) });
      assert.deepEqual([vpn.status, vpn.statusInfo?.reasonCode], ['Rejected', 'InvalidNetworkConf']);
      const bad = await a.call('SetNetworkProfile', { configurationSlot: 2, connectionData: data({ apn: 'not an apn', apnAuthentication: 'AUTO' }) });
      assert.deepEqual([bad.status, bad.statusInfo?.reasonCode], ['Rejected', 'InvalidNetworkConf']);
      assert.equal((await a.call('SetNetworkProfile', { configurationSlot: 2, connectionData: data(apn) })).status, 'Accepted');
      const prio = await a.call('SetVariables', { setVariableData: [{ attributeValue: '1,2', component: { name: 'OCPPCommCtrlr' }, variable: { name: 'NetworkConfigurationPriority' } }] });
      assert.equal(prio.setVariableResult[0].attributeStatus, 'Accepted');
      assert.equal((await modem()).apn, 'installer.example', 'nothing changes while slot 1 answers');

      // A gone: after its attempts the link takes slot 2, its APN comes up on the modem
      let after = await st.lastEventId();
      await a.close();
      await b.waitCall('BootNotification', { timeoutMs: 60000 });
      await st.waitEvent('network', { after, match: (e) => /configuration slot 2: cellular APN m2m\.csms-b\.example brought up/.test(e.detail), timeoutMs: 30000 });
      let m = await modem();
      assert.deepEqual([m.apn, m.connection, m.state], ['m2m.csms-b.example', 'borne-cellular-slot2', 'connected']);
      await st.waitFor((s) => s.station.ocpp?.configuration_slot === 2 && s.station.ocpp.state === 'connected', { what: 'connected on slot 2' });

      // B gone too: back to slot 1, and to the installer's cellular connection
      after = await st.lastEventId();
      await b.close();
      await st.waitEvent('ocpp_network_slot', { after, match: (e) => /configuration slot 1/.test(e.detail), timeoutMs: 60000 });
      m = await modem();
      assert.deepEqual([m.apn, m.connection], ['installer.example', 'borne-cellular']);
      a.assertNoViolations();
      b.assertNoViolations();
    } finally {
      await st.stop();
      st.cleanup();
      await a.close().catch(() => {});
      await b.close().catch(() => {});
    }
  });
}

// B09/B10: a profile's ocppInterface binds the slot's OCPP connection to the
// OS interface network.interface.<ocppInterface> names (SO_BINDTODEVICE;
// root here as on a station). Slot 3 names Wired1 -> `nosuch0`, an interface
// that does not exist, with back end A's URL: were the binding ignored the
// station would reach A on it. Slot 2 names Wired0 -> `lo` with back end B.
// After the priority "3,2,1" and a Reset, every attempt on slot 3 fails, the
// station falls back to slot 2 and boots at B through lo: `ss` shows its
// socket bound to lo (127.0.0.1%lo), the status names the interface.
for (const [name, Peer] of [['ocpp-rpc', Csms], ['ocpp-ws-io', CsmsWsIo]]) {
  test(`ocppInterface binds the slot's connection to its interface; a missing one falls back to the next slot (${name})`, async () => {
    const peer = () => new Peer({ protocol: 'ocpp2.0.1', bootInterval: 3600, password: KEY }).listen(0);
    const a = await peer();
    const b = await peer();
    const st = await startBorned({
      connectors: 1, auth: 'free', args: ['--csms', a.url],
      set: {
        'station.id': `cp-iface-${name}`, 'ocpp.version': '2.0.1',
        'ocpp.security_profile': '1', 'ocpp.AuthorizationKey': KEY,
        'ocpp.reconnect_max_s': '2', 'ocpp.NetworkProfileConnectionAttempts': '2',
        'network.interface.Wired0': 'lo', 'network.interface.Wired1': 'nosuch0',
      },
    });
    const boundTo = (port) => execFileSync('ss', ['-tnH', 'state', 'established', 'dst', `127.0.0.1:${port}`], { encoding: 'utf8' })
      .split('\n').filter((l) => l.trim()).map((l) => l.trim().split(/\s+/)[2]);
    try {
      await a.waitCall('BootNotification');
      await st.waitFor((s) => s.station.ocpp?.registration === 'Accepted', { what: 'accepted at A' });
      const s1 = (await st.status()).station.ocpp;
      assert.deepEqual([s1.configuration_slot, s1.interface], [1, null], 'slot 1 (ocpp.url) is not bound');
      assert.ok(boundTo(a.port).every((local) => !local.includes('%')), 'slot 1: the routing picks the interface');

      const data = (url, ocppInterface) => ({ ocppVersion: 'OCPP20', ocppTransport: 'JSON', ocppCsmsUrl: url, messageTimeout: 20, securityProfile: 1, ocppInterface });
      assert.equal((await a.call('SetNetworkProfile', { configurationSlot: 2, connectionData: data(b.url, 'Wired0') })).status, 'Accepted');
      assert.equal((await a.call('SetNetworkProfile', { configurationSlot: 3, connectionData: data(a.url, 'Wired1') })).status, 'Accepted');
      const prio = await a.call('SetVariables', { setVariableData: [{ attributeValue: '3,2,1', component: { name: 'OCPPCommCtrlr' }, variable: { name: 'NetworkConfigurationPriority' } }] });
      assert.equal(prio.setVariableResult[0].attributeStatus, 'Accepted');

      const fromA = a.calls.length;
      assert.equal((await a.call('Reset', { type: 'Immediate' })).status, 'Accepted');
      await st.waitReady(2);
      await st.waitEvent('ocpp_network_slot', { match: (e) => /configuration slot 2: connecting to .* through lo \(Wired0\)/.test(e.detail), timeoutMs: 60000 });
      const bootB = await b.waitCall('BootNotification', { timeoutMs: 30000 });
      assert.equal(bootB.identity, `cp-iface-${name}`);
      await st.waitFor((s) => s.station.ocpp?.registration === 'Accepted' && s.station.ocpp.configuration_slot === 2, { what: 'accepted at B on slot 2', timeoutMs: 30000 });
      assert.equal((await st.status()).station.ocpp.interface, 'lo', 'the status names the interface in use');
      assert.deepEqual(boundTo(b.port).map((local) => local.replace(/:\d+$/, '')), ['127.0.0.1%lo'], 'the socket is bound to lo');
      assert.equal(a.calls.slice(fromA).filter((c) => c.action === 'BootNotification').length, 0, 'slot 3 never reached A');
      assert.match(st.log, /the network interface nosuch0 does not exist/);

      // a run-time change of the slot's interface reconnects it: emptied, the routing picks
      const fromB = b.calls.length;
      await st.ok('PUT', '/api/v1/settings', { 'network.interface.Wired0': '' });
      await b.waitCall('BootNotification', { from: fromB, timeoutMs: 30000 }); // each connection boots
      await st.waitFor((s) => s.station.ocpp.state === 'connected' && s.station.ocpp.interface === null, { what: 'reconnected unbound', timeoutMs: 30000 });
      assert.ok(boundTo(b.port).every((local) => !local.includes('%')), 'no longer bound');
      a.assertNoViolations();
      b.assertNoViolations();
    } finally {
      await st.stop();
      st.cleanup();
      await a.close().catch(() => {});
      await b.close().catch(() => {});
    }
  });
}
