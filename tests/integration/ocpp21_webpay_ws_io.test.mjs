// The OCPP 2.1 dynamic QR code scenarios of ocpp21_webpay.test.mjs
// (WebPaymentsCtrlr, the public page's code, NotifyWebPaymentStarted, the
// paid RequestStartTransaction) against the second, independent strict CSMS:
// npm ocpp-ws-io in strict mode (lib/csms_ws_io.mjs), which validates every
// 2.1 frame both ways with its own schemas.
process.env.BORNE_OCPP_PEER = 'ocpp-ws-io';
await import('./ocpp21_webpay.test.mjs');
