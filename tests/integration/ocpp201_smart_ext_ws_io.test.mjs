// The scenarios of ocpp201_smart_ext.test.mjs (K01.FR.61, isGridCritical,
// ChargingStationExternalConstraints) against the second, independent strict
// CSMS: npm ocpp-ws-io in strict mode (lib/csms_ws_io.mjs), which validates
// every 2.0.1 frame both ways with its own schemas.
process.env.BORNE_OCPP_PEER = 'ocpp-ws-io';
await import('./ocpp201_smart_ext.test.mjs');
