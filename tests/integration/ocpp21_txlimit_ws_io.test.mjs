// The OCPP 2.1 transaction limit scenarios of ocpp21_txlimit.test.mjs (E16: transactionLimit
// in the TransactionEventResponse, LimitSet, EnergyLimitReached, TimeLimitReached, a limit kept
// through a kill -9) against the second, independent strict CSMS: npm ocpp-ws-io in strict
// mode (lib/csms_ws_io.mjs), which validates every 2.1 frame both ways with its own schemas.
process.env.BORNE_OCPP_PEER = 'ocpp-ws-io';
await import('./ocpp21_txlimit.test.mjs');
