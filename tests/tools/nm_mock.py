#!/usr/bin/python3
"""NetworkManager stand-in for tests/integration/network.test.mjs.

Starts a private system bus (dbus-daemon) and python3-dbusmock's
NetworkManager template on it, adds an Ethernet port (eth0, connected), a
Wi-Fi interface (wlan0) with two access points, then prints one JSON line
{"bus": ADDRESS} on stdout. Then answers commands, one per line on stdin:
  connections -> [{"id", "type", "ssid", "mode", "psk", "method", "addresses", "autoconnect",
                   "gsm", "ppp"}...] of the mock's saved connections
  active      -> [{"id", "state", "devices"}...] of its active connections
  modem       -> adds a cellular modem (wwan0, GSM, operator 20801) as NetworkManager shows one
                 that ModemManager found: a Device.Modem, announced (InterfacesAdded, DeviceAdded);
                 answers its object path
and stops the mock and the bus at the end of stdin, on SIGTERM or when it fails.

The bus runs without --fork (dbusmock's start_system_bus forks it into a
session of its own): the bus and the template server stay in this process's
group, so the test can end all three at once even if this script dies
(tests/integration/lib/peers.mjs).
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile

import dbus
import dbusmock
from dbusmock.templates.networkmanager import (DeviceState, NM80211ApSecurityFlags,
                                               InfrastructureMode, MANAGER_OBJ, MANAGER_IFACE,
                                               SETTINGS_OBJ, SETTINGS_IFACE, CSETTINGS_IFACE,
                                               ACTIVE_CONNECTION_IFACE)


def plain(v):
    if isinstance(v, dbus.Array) and v.signature == 'y':
        return bytes(v).decode('utf-8', 'replace')
    if isinstance(v, (dbus.Array, list)):
        return [plain(x) for x in v]
    if isinstance(v, (dbus.Dictionary, dict)):
        return {str(k): plain(x) for k, x in v.items()}
    if isinstance(v, dbus.ByteArray):
        return bytes(v).decode('utf-8', 'replace')
    if isinstance(v, (dbus.Boolean,)):
        return bool(v)
    if isinstance(v, (dbus.Int32, dbus.UInt32, dbus.Int64, dbus.UInt64, dbus.Byte)):
        return int(v)
    if isinstance(v, dbus.String):
        return str(v)
    return v


def add_modem(bus, mock, nm):
    """The template has no modem: one made as AddEthernetDevice makes an Ethernet port."""
    path = '/org/freedesktop/NetworkManager/Devices/mock_Modem1'
    modem_iface = 'org.freedesktop.NetworkManager.Device.Modem'
    device_iface = 'org.freedesktop.NetworkManager.Device'
    props_iface = 'org.freedesktop.DBus.Properties'
    gsm_umts = dbus.UInt32(0x4)  # NM_DEVICE_MODEM_CAPABILITY_GSM_UMTS
    mock.AddObject(path, modem_iface,
                   {'ModemCapabilities': gsm_umts, 'CurrentCapabilities': gsm_umts,
                    'DeviceId': '860000000000001', 'OperatorCode': '20801', 'Apn': ''},
                   dbus.Array([], signature='(ssss)'), signature='ssa{sv}a(ssss)')
    dev = bus.get_object('org.freedesktop.NetworkManager', path)
    dev.AddProperties(device_iface,
                      {'DeviceType': dbus.UInt32(8),  # NM_DEVICE_TYPE_MODEM
                       'State': dbus.UInt32(DeviceState.DISCONNECTED),
                       'StateReason': (dbus.UInt32(DeviceState.DISCONNECTED), dbus.UInt32(0)),
                       'Interface': 'cdc-wdm0', 'IpInterface': 'wwan0',
                       'ActiveConnection': dbus.ObjectPath('/'),
                       'AvailableConnections': dbus.Array([], signature='o'),
                       'AutoConnect': False, 'Managed': True, 'Driver': 'dbusmock'},
                      dbus_interface=dbusmock.MOCK_IFACE, signature='sa{sv}')
    ifaces = {i: dev.GetAll(i, dbus_interface=props_iface) for i in (device_iface, modem_iface)}
    mock.EmitSignal('org.freedesktop.DBus.ObjectManager', 'InterfacesAdded', 'oa{sa{sv}}',
                    dbus.Array([dbus.ObjectPath(path),
                                dbus.Dictionary(ifaces, signature='sa{sv}')], signature='v'),
                    signature='sssav')
    devices = nm.Get(MANAGER_IFACE, 'Devices', dbus_interface=props_iface)
    devices.append(dbus.ObjectPath(path))
    nm.Set(MANAGER_IFACE, 'Devices', devices, dbus_interface=props_iface)
    nm.EmitSignal(MANAGER_IFACE, 'DeviceAdded', 'o', [dbus.ObjectPath(path)],
                  dbus_interface=dbusmock.MOCK_IFACE)
    return path


BUS_CONF = '''<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <keep_umask/>
  <listen>unix:tmpdir={dir}</listen>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
'''


def start_bus(tmp):
    """A private system bus in the foreground (our process group); sets DBUS_SYSTEM_BUS_ADDRESS."""
    conf = os.path.join(tmp, 'system.conf')
    with open(conf, 'w', encoding='utf-8') as f:
        f.write(BUS_CONF.format(dir=tmp))
    daemon = subprocess.Popen(['dbus-daemon', '--nofork', '--nopidfile', '--print-address=1',
                               '--config-file=' + conf],
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True)
    address = daemon.stdout.readline().strip()
    if not address:
        raise RuntimeError('dbus-daemon gave no address')
    os.environ['DBUS_SYSTEM_BUS_ADDRESS'] = address
    return daemon


def stop(proc):
    if proc is not None and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main():
    # SIGTERM (the test's stop) ends like the end of stdin: through the finally below
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    tmp = tempfile.mkdtemp(prefix='borne-nm-mock-')
    procs = []  # the bus, then the template server: stopped in reverse, whatever happened
    try:
        procs.append(start_bus(tmp))
        serve(procs)
    finally:
        for proc in reversed(procs):
            stop(proc)
        shutil.rmtree(tmp, ignore_errors=True)


def serve(procs):
    bus = dbusmock.DBusTestCase.get_dbus(system_bus=True)
    server, mock = dbusmock.DBusTestCase.spawn_server_template('networkmanager', {},
                                                                stdout=sys.stderr)
    procs.append(server)
    mock.AddEthernetDevice('mock_Ethernet1', 'eth0', DeviceState.ACTIVATED)
    wifi = mock.AddWiFiDevice('mock_WiFi1', 'wlan0', DeviceState.DISCONNECTED)
    mock.AddAccessPoint(wifi, 'Mock_AP1', 'borne-lab', '00:23:F8:7E:12:BA',
                        InfrastructureMode.NM_802_11_MODE_INFRA, 2425, 5400, 82,
                        NM80211ApSecurityFlags.NM_802_11_AP_SEC_KEY_MGMT_PSK)
    mock.AddAccessPoint(wifi, 'Mock_AP2', 'cafe-libre', '00:23:F8:7E:12:BB',
                        InfrastructureMode.NM_802_11_MODE_INFRA, 5180, 5400, 41,
                        NM80211ApSecurityFlags.NM_802_11_AP_SEC_NONE)
    print(json.dumps({'bus': os.environ['DBUS_SYSTEM_BUS_ADDRESS']}), flush=True)
    nm = bus.get_object('org.freedesktop.NetworkManager', MANAGER_OBJ)
    settings = bus.get_object('org.freedesktop.NetworkManager', SETTINGS_OBJ)
    for line in sys.stdin:
        cmd = line.strip()
        out = []
        if cmd == 'connections':
            for path in settings.ListConnections(dbus_interface=SETTINGS_IFACE):
                s = plain(bus.get_object('org.freedesktop.NetworkManager', path)
                          .GetSettings(dbus_interface=CSETTINGS_IFACE))
                wl = s.get('802-11-wireless', {})
                ip4 = s.get('ipv4', {})
                out.append({'id': s['connection'].get('id'), 'type': s['connection'].get('type'),
                            'ssid': wl.get('ssid'), 'mode': wl.get('mode'),
                            'psk': s.get('802-11-wireless-security', {}).get('psk'),
                            'method': ip4.get('method'), 'apn': s.get('gsm', {}).get('apn'),
                            'addresses': ip4.get('address-data'),
                            'autoconnect': s['connection'].get('autoconnect', True),
                            'gsm': s.get('gsm'), 'ppp': s.get('ppp')})
        elif cmd == 'active':
            for path in nm.Get(MANAGER_IFACE, 'ActiveConnections',
                               dbus_interface='org.freedesktop.DBus.Properties'):
                ac = bus.get_object('org.freedesktop.NetworkManager', path)
                props = plain(ac.GetAll(ACTIVE_CONNECTION_IFACE,
                                        dbus_interface='org.freedesktop.DBus.Properties'))
                out.append({'id': props.get('Id'), 'state': props.get('State'),
                            'devices': [str(d) for d in props.get('Devices', [])]})
        elif cmd == 'modem':
            out = add_modem(bus, mock, nm)
        print(json.dumps(out), flush=True)


if __name__ == '__main__':
    main()
