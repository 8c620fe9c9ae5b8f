/*
 * The ad hoc payment QR code (AFIR): the URL from the `payment.qr_url`
 * template, and the QR code as a small SVG made with libqrencode. Pure.
 */
#ifndef BORNE_WEB_QR_H
#define BORNE_WEB_QR_H

#include <stddef.h>

/* Expands {station} and {connector} in tpl into out. Returns the length, or
 * -1 when out is too small. Other text (and unknown {names}) is copied. */
int web_qr_url(const char *tpl, const char *station, int connector, char *out, size_t len);
/* SVG of the QR code of `text` (error correction M, byte mode, the 4-module
 * quiet zone of ISO/IEC 18004), malloc'd; NULL with a reason in err. */
char *web_qr_svg(const char *text, char *err, size_t errlen);

#endif
