// The TriggerMessage / RequestStopTransaction checks of ocpp201_octt_evt.test.mjs
// against the second, independent strict back end: npm ocpp-ws-io in strict
// mode (lib/csms_ws_io.mjs).
process.env.BORNE_OCPP_PEER = 'ocpp-ws-io';
await import('./ocpp201_octt_evt.test.mjs');
