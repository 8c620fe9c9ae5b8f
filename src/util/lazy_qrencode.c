/* libqrencode, opened at the first QR code drawn (util/lazylib.h). */
#include <errno.h>
#include <qrencode.h>
#include <string.h>

#include "util/lazylib.h"

#define LAZYLIB_SELF lazy_qrencode
#define QRENCODE_FNS(F, V)                                                                         \
  F(QRcode *, QRcode_encodeString,                                                                 \
    (const char *string, int version, QRecLevel level, QRencodeMode hint, int casesensitive),      \
    (string, version, level, hint, casesensitive), NULL)                                           \
  V(QRcode_free, (QRcode * qrcode), (qrcode))

LAZYLIB_DEFINE(lazy_qrencode, "libqrencode.so.4", "libqrencode4", QRENCODE_FNS)
