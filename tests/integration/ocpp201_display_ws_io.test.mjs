// The OCPP 2.0.1 display-message and cost scenarios of
// ocpp201_display.test.mjs (O01-O06, I02, I03) against the second,
// independent strict CSMS: npm ocpp-ws-io in strict mode
// (lib/csms_ws_io.mjs), which validates every 2.0.1 frame both ways with its
// own schemas.
process.env.BORNE_OCPP_PEER = 'ocpp-ws-io';
await import('./ocpp201_display.test.mjs');
