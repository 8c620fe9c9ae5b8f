// The OCPP 2.0.1 meter value scenarios of ocpp201_meter.test.mjs (J01 / J02
// clock-aligned data, OCMF signed Begin / End readings) against the second,
// independent strict CSMS: npm ocpp-ws-io in strict mode (lib/csms_ws_io.mjs).
process.env.BORNE_OCPP_PEER = 'ocpp-ws-io';
await import('./ocpp201_meter.test.mjs');
