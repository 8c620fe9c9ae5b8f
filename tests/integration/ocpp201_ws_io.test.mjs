// The OCPP 2.0.1 scenarios of ocpp201.test.mjs (boot, status, a badge charge
// with TransactionEvent Started / Updated / Ended, remote start and stop,
// availability, unlock, trigger, the CSMS gone while charging, reset) against
// the second, independent strict CSMS: npm ocpp-ws-io in strict mode
// (lib/csms_ws_io.mjs), which validates every 2.0.1 frame both ways with its
// own schemas.
process.env.BORNE_OCPP_PEER = 'ocpp-ws-io';
await import('./ocpp201.test.mjs');
