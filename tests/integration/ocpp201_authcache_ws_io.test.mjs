// The OCPP 2.0.1 C/D scenarios of ocpp201_authcache.test.mjs (AuthCacheCtrlr.LifeTime, the
// Storage of the cache and of the local list) against the second, independent strict CSMS: npm
// ocpp-ws-io in strict mode (lib/csms_ws_io.mjs), which validates every 2.0.1 frame both ways.
process.env.BORNE_OCPP_PEER = 'ocpp-ws-io';
await import('./ocpp201_authcache.test.mjs');
