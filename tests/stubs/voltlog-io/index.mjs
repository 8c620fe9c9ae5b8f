// Why this exists: see package.json (a no-op logger for ocpp-ws-io).
import m from './index.js';
export const { createLogger, consoleTransport, prettyTransport } = m;
export default m;
