// The OCPP 1.6J EV side disconnect scenarios of ocpp16_evside.test.mjs
// (TC_005_1_CS, TC_005_2_CS, TC_005_3_CS) against the second, independent
// strict back end: npm ocpp-ws-io in strict mode (lib/csms_ws_io.mjs).
process.env.BORNE_OCPP_PEER = 'ocpp-ws-io';
await import('./ocpp16_evside.test.mjs');
