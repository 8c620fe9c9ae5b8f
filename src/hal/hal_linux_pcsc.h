/*
 * PC/SC badge readers through pcsc-lite (pcscd): every contactless reader
 * with a PC/SC driver (ACR122U, Identiv, HID Omnikey, ... CCID readers). The
 * PC/SC API blocks (SCardGetStatusChange waits for a card), so one thread of
 * its own waits on it, reads each presented card's UID with the PC/SC
 * part 3 pseudo-APDU GET DATA (FF CA 00 00 00) and hands UIDs and the
 * reader's state to the loop through a uv_async; the loop thread never
 * calls PC/SC. docs/hal.md "Badge reader (PC/SC)".
 */
#ifndef BORNE_HAL_HAL_LINUX_PCSC_H
#define BORNE_HAL_HAL_LINUX_PCSC_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

typedef struct lx_pcsc lx_pcsc;

typedef struct {
  void (*uid)(void *ctx, const char *uid);            /* a new card on the reader */
  void (*state)(void *ctx, bool up, const char *why); /* on every change */
  void *ctx;
} lx_pcsc_cbs;

/* `reader`: the first reader whose name contains it ("" = the first one).
 * NULL only when out of memory or the thread cannot start. */
lx_pcsc *lx_pcsc_open(uv_loop_t *loop, const char *reader, const lx_pcsc_cbs *cbs);
/* Stops the thread (SCardCancel), joins it; freed once libuv closed the async. */
void lx_pcsc_close(lx_pcsc *p);
/* counters for hal_reader_state (loop thread) */
void lx_pcsc_counts(const lx_pcsc *p, uint64_t *cards, uint64_t *bad, uint64_t *badges);

/* The UID in a GET DATA answer (data, then SW1 SW2 = 90 00) as upper-case
 * hex into uid (len >= 2 * 10 + 1); -1 when the card refused or sent no UID. Pure. */
int lx_pcsc_uid_of(const uint8_t *resp, unsigned long n, char *uid, unsigned long len);

#endif
