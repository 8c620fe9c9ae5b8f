// The OCPP 2.0.1 signed intermediate readings of ocpp201_signed.test.mjs
// (SampledDataCtrlr / AlignedDataCtrlr SignReadings,
// PublicKeyWithSignedMeterValue) against the second, independent strict CSMS:
// npm ocpp-ws-io in strict mode (lib/csms_ws_io.mjs).
process.env.BORNE_OCPP_PEER = 'ocpp-ws-io';
await import('./ocpp201_signed.test.mjs');
