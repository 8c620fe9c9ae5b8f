// Why this exists: see package.json (a no-op logger for ocpp-ws-io, whose own
// dependency voltlog-io cannot be installed here).
'use strict';
const noop = () => {};
function createLogger() {
  const l = { trace: noop, debug: noop, info: noop, warn: noop, error: noop, fatal: noop, log: noop };
  l.child = () => l;
  return l;
}
const consoleTransport = () => ({ name: 'console', write: noop });
const prettyTransport = () => ({ name: 'pretty', write: noop });
module.exports = { createLogger, consoleTransport, prettyTransport };
