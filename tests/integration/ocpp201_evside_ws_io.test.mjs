// The OCPP 2.0.1 EV side disconnect scenarios of ocpp201_evside.test.mjs
// (TC_E_24_CS, TC_E_25_CS, TC_E_26_CS, E06 over E10) against the second,
// independent strict CSMS: npm ocpp-ws-io in strict mode (lib/csms_ws_io.mjs).
process.env.BORNE_OCPP_PEER = 'ocpp-ws-io';
await import('./ocpp201_evside.test.mjs');
