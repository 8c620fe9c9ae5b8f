/* libpcsclite, opened when a PC/SC badge reader is configured
 * (reader.type = pcsc; util/lazylib.h). */
#include <PCSC/winscard.h>
#include <PCSC/wintypes.h>
#include <errno.h>
#include <string.h>

#include "util/lazylib.h"

/* The protocol control information SCARD_PCI_T0/T1/RAW point to: data, not
 * functions, so defined here with pcsc-lite's values ({protocol, size}); the
 * library only reads them through the pointer given to SCardTransmit. */
const SCARD_IO_REQUEST g_rgSCardT0Pci = {SCARD_PROTOCOL_T0, sizeof(SCARD_IO_REQUEST)};
const SCARD_IO_REQUEST g_rgSCardT1Pci = {SCARD_PROTOCOL_T1, sizeof(SCARD_IO_REQUEST)};
const SCARD_IO_REQUEST g_rgSCardRawPci = {SCARD_PROTOCOL_RAW, sizeof(SCARD_IO_REQUEST)};

#define NL ((LONG)SCARD_E_NO_SERVICE)
#define LAZYLIB_SELF lazy_pcsc
#define PCSC_FNS(F, V)                                                                             \
  F(LONG, SCardEstablishContext,                                                                   \
    (DWORD dwScope, LPCVOID pvReserved1, LPCVOID pvReserved2, LPSCARDCONTEXT phContext),           \
    (dwScope, pvReserved1, pvReserved2, phContext), NL)                                            \
  F(LONG, SCardReleaseContext, (SCARDCONTEXT hContext), (hContext), NL)                            \
  F(LONG, SCardConnect,                                                                            \
    (SCARDCONTEXT hContext, LPCSTR szReader, DWORD dwShareMode, DWORD dwPreferredProtocols,        \
     LPSCARDHANDLE phCard, LPDWORD pdwActiveProtocol),                                             \
    (hContext, szReader, dwShareMode, dwPreferredProtocols, phCard, pdwActiveProtocol), NL)        \
  F(LONG, SCardDisconnect, (SCARDHANDLE hCard, DWORD dwDisposition), (hCard, dwDisposition), NL)   \
  F(LONG, SCardGetStatusChange,                                                                    \
    (SCARDCONTEXT hContext, DWORD dwTimeout, SCARD_READERSTATE * rgReaderStates, DWORD cReaders),  \
    (hContext, dwTimeout, rgReaderStates, cReaders), NL)                                           \
  F(LONG, SCardTransmit,                                                                           \
    (SCARDHANDLE hCard, const SCARD_IO_REQUEST *pioSendPci, LPCBYTE pbSendBuffer,                  \
     DWORD cbSendLength, SCARD_IO_REQUEST *pioRecvPci, LPBYTE pbRecvBuffer,                        \
     LPDWORD pcbRecvLength),                                                                       \
    (hCard, pioSendPci, pbSendBuffer, cbSendLength, pioRecvPci, pbRecvBuffer, pcbRecvLength), NL)  \
  F(LONG, SCardListReaders,                                                                        \
    (SCARDCONTEXT hContext, LPCSTR mszGroups, LPSTR mszReaders, LPDWORD pcchReaders),              \
    (hContext, mszGroups, mszReaders, pcchReaders), NL)                                            \
  F(LONG, SCardCancel, (SCARDCONTEXT hContext), (hContext), NL)                                    \
  F(const char *, pcsc_stringify_error, (const LONG rv), (rv),                                     \
    "libpcsclite (Debian package libpcsclite1) cannot be loaded")

LAZYLIB_DEFINE(lazy_pcsc, "libpcsclite.so.1", "libpcsclite1", PCSC_FNS)
