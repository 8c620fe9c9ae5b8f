// A follower of an installation (docs/site.md) for the site tests: borned --sim
// on the loopback with its Modbus TCP server on a free port (st.mbPort, read
// from its log) and the installation's shared site.secret; `connectors` (1)
// and more keys in `set` when a test needs them.
import { startBorned } from './borne.mjs';

export async function startSiteFollower(i, { secret, auth = 'free', dataDir, connectors = 1, set = {} } = {}) {
  const st = await startBorned({
    dataDir, connectors, auth, logLevel: 'info',
    set: {
      ...set,
      'station.id': `follower-${i}`,
      'site.role': 'follower',
      'site.secret': secret,
      'modbus_server.listen': '127.0.0.1:0',
      'modbus_server.allow': '127.0.0.1',
      'modbus_server.failsafe_a': 6,
      'modbus_server.failsafe_s': 5,
    },
  });
  st.mbPort = Number(st.log.match(/Modbus TCP server on \S+ \(port (\d+)/)[1]);
  return st;
}
