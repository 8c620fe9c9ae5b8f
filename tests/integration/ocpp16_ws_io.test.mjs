// The OCPP 1.6J scenarios of ocpp16.test.mjs (boot, status, authorize /
// start / meter values / stop, remote start and stop, availability,
// reservations, configuration, smart charging, trigger, unlock, reset)
// against a second, independent strict back end: npm ocpp-ws-io in strict
// mode (lib/csms_ws_io.mjs), which validates every frame both ways with its
// own schemas. Two libraries agreeing is the proof, not one.
process.env.BORNE_OCPP_PEER = 'ocpp-ws-io';
await import('./ocpp16.test.mjs');
