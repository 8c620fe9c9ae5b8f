// The OCPP 1.6J signed intermediate readings of ocpp16_signed.test.mjs
// (SampledDataSignReadings, AlignedDataSignReadings) against the second,
// independent strict back end: npm ocpp-ws-io in strict mode
// (lib/csms_ws_io.mjs).
process.env.BORNE_OCPP_PEER = 'ocpp-ws-io';
await import('./ocpp16_signed.test.mjs');
