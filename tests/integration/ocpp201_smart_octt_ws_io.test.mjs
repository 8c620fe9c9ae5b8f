// The GetCompositeSchedule checks of the OCA's test cases (ocpp201_smart_octt.test.mjs) against
// the second, independent strict CSMS: npm ocpp-ws-io in strict mode (lib/csms_ws_io.mjs), which
// validates every 2.0.1 frame both ways with its own schemas.
process.env.BORNE_OCPP_PEER = 'ocpp-ws-io';
await import('./ocpp201_smart_octt.test.mjs');
