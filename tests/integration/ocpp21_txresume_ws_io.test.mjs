// The OCPP 2.1 E17 scenario of ocpp21_txresume.test.mjs (a transaction resumed after a kill -9:
// Updated TxResumed after the events queued before the crash, seqNo without a gap, the usual
// Ended) against the second, independent strict CSMS: npm ocpp-ws-io in strict mode
// (lib/csms_ws_io.mjs), which validates every 2.1 frame both ways with its own schemas.
process.env.BORNE_OCPP_PEER = 'ocpp-ws-io';
await import('./ocpp21_txresume.test.mjs');
