// The OCTT 1.6 scenarios of ocpp16_octt_evt.test.mjs (TC_046_1_CS,
// TC_016_CS, TC_014_CS) against the second, independent strict back end:
// npm ocpp-ws-io in strict mode (lib/csms_ws_io.mjs).
process.env.BORNE_OCPP_PEER = 'ocpp-ws-io';
await import('./ocpp16_octt_evt.test.mjs');
