// The OCPP 2.0.1 scenario of memory_exhaustion.test.mjs (the bounded
// database filled offline: MemoryExhaustion once, Started and Ended once
// each, in order) against the second, independent strict CSMS: npm
// ocpp-ws-io in strict mode (lib/csms_ws_io.mjs).
process.env.BORNE_OCPP_PEER = 'ocpp-ws-io';
await import('./memory_exhaustion.test.mjs');
