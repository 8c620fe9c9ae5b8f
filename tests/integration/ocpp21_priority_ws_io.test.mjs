// The OCPP 2.1 priority charging scenarios of ocpp21_priority.test.mjs (K21,
// K22: PriorityCharging profiles, UsePriorityCharging, NotifyPriorityCharging)
// against the second, independent strict CSMS: npm ocpp-ws-io in strict mode
// (lib/csms_ws_io.mjs), which validates every 2.1 frame both ways with its own
// schemas.
process.env.BORNE_OCPP_PEER = 'ocpp-ws-io';
await import('./ocpp21_priority.test.mjs');
