// The block B test cases of ocpp201_octt_b.test.mjs against the second strict CSMS, npm
// ocpp-ws-io in strict mode (lib/csms_ws_io.mjs).
process.env.BORNE_OCPP_PEER = 'ocpp-ws-io';
await import('./ocpp201_octt_b.test.mjs');
