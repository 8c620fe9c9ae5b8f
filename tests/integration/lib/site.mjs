// A follower of an installation (docs/site.md) for the site tests: borned --sim
// on the loopback with its Modbus TCP server on `port` (0: a free one; st.mbPort,
// read from its log), the installation's shared site.secret when given, its
// fail-safe current and time (modbus_server.failsafe_a, _s); `connectors` (1)
// and more keys in `set` when a test needs them.
import { startBorned } from './borne.mjs';

export async function startSiteFollower(i, { secret, auth = 'free', dataDir, connectors = 1, set = {}, port = 0, failsafeA = 6, failsafeS = 5 } = {}) {
  const st = await startBorned({
    dataDir, connectors, auth, logLevel: 'info',
    set: {
      ...set,
      'station.id': `follower-${i}`,
      'site.role': 'follower',
      ...(secret === undefined ? {} : { 'site.secret': secret }),
      'modbus_server.listen': `127.0.0.1:${port}`,
      'modbus_server.allow': '127.0.0.1',
      'modbus_server.failsafe_a': failsafeA,
      'modbus_server.failsafe_s': failsafeS,
    },
  });
  st.mbPort = Number(st.log.match(/Modbus TCP server on \S+ \(port (\d+)/)[1]);
  st.name = `follower-${i}`;
  return st;
}
