/*
 * NXP PN532 NFC reader over its High Speed UART (HSU, 115200 8N1), after the
 * PN532 User Manual UM0701-02, §6.2 (frames) and §7 (commands). Pure: bytes
 * and a `now` in, bytes to send and badge UIDs out; the Linux back end moves
 * the bytes (serial_line) and runs the timer.
 *
 * Frames (§6.2.1): normal information frame
 *   00 (preamble)  00 FF (start code)  LEN  LCS  TFI  PD0..PDn  DCS  00 (postamble)
 * with LEN = bytes of TFI+PD, LEN + LCS = 0x00 (mod 256), TFI = D4 host -> PN532,
 * D5 PN532 -> host, TFI + PD0 + .. + PDn + DCS = 0x00 (mod 256); extended
 * information frame 00 00 FF FF FF LENM LENL LCS TFI .. DCS 00 with
 * LENM + LENL + LCS = 0x00; ACK 00 00 FF 00 FF 00; NACK 00 00 FF FF 00 00;
 * error frame (syntax error, TFI 7F) 00 00 FF 01 FF 7F 81 00.
 *
 * The dialogue: the HSU wake-up (0x55 0x55 then a long run of 00, the manual's HSU wake-up:
 * the PN532 sleeps after power-up) followed by SAMConfiguration (D4 14 01:
 * normal mode, no SAM); RFConfiguration MaxRetries (D4 32 05 FF 01 02: at
 * most 3 passive activation attempts, so InListPassiveTarget answers at
 * once when no card is there instead of waiting for ever); then
 * InListPassiveTarget (D4 4A 01 00: one target, 106 kbps type A) every
 * PN532_POLL_MS. Each command is acknowledged (ACK) then answered (code + 1);
 * no answer within PN532_ANSWER_MS means the reader is not answering: the
 * wake-up starts over at the next poll.
 */
#ifndef BORNE_HAL_PN532_H
#define BORNE_HAL_PN532_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/types.h"

#define PN532_TFI_HOST 0xD4
#define PN532_TFI_CHIP 0xD5
#define PN532_TFI_ERROR 0x7F
#define PN532_MAX_DATA 264 /* TFI + PD of the longest frame we keep */
#define PN532_MAX_OUT 48   /* the longest thing the host sends (wake-up + frame) */
#define PN532_POLL_MS 250
#define PN532_ANSWER_MS 1000
/* the same card again within this time of its last sighting is the same presentation */
#define PN532_REPEAT_MS 1000

#define PN532_CMD_SAM_CONFIGURATION 0x14
#define PN532_CMD_RF_CONFIGURATION 0x32
#define PN532_CMD_IN_LIST_PASSIVE_TARGET 0x4A

/* A normal information frame from the host: data = PD0..PDn (command code
 * first), n <= 254. Returns the frame's length, 0 when it does not fit. */
size_t pn532_build_frame(uint8_t tfi, const uint8_t *data, size_t n, uint8_t *out, size_t outlen);

typedef enum { PN532_ACK, PN532_NACK, PN532_ERROR_FRAME, PN532_INFO } pn532_kind;

typedef struct {
  int state;
  uint8_t body[PN532_MAX_DATA]; /* TFI + PD */
  size_t len, need;
  uint8_t sum;
  uint64_t frames;     /* valid frames of any kind */
  uint64_t bad_frames; /* a start code followed by a bad LCS, DCS or TFI */
} pn532_decoder;

typedef void (*pn532_frame_cb)(void *ctx, pn532_kind kind, const uint8_t *body, size_t n);

void pn532_decoder_init(pn532_decoder *d);
/* Feeds received bytes; `on_frame` gets each valid frame: ACK/NACK with no
 * body, an information frame's TFI + PD (TFI D4, D5 or 7F). Returns how many. */
int pn532_feed(pn532_decoder *d, const uint8_t *bytes, size_t n, pn532_frame_cb on_frame,
               void *ctx);

/* The UID (NFCID1, 4, 7 or 10 bytes) of an InListPassiveTarget answer's
 * first target (body D5 4B NbTg Tg SENS_RES(2) SEL_RES NFCIDLength NFCID1..),
 * as upper-case hex into uid (21 bytes). 1: a card; 0: no card; -1: malformed. */
int pn532_target_uid(const uint8_t *body, size_t n, char uid[21]);

typedef enum {
  PN532_IDLE,    /* not started, or lost: wake up at the next tick */
  PN532_WAKING,  /* SAMConfiguration sent */
  PN532_SETTING, /* RFConfiguration sent */
  PN532_READY,   /* waiting for the next poll */
  PN532_POLLING, /* InListPassiveTarget sent */
} pn532_step;

typedef struct {
  pn532_decoder dec;
  pn532_step step;
  bool acked;         /* the current command was acknowledged */
  borne_ms sent_at;   /* of the current command */
  borne_ms next_poll; /* READY: when to poll */
  bool answering;     /* the PN532 answered since the last wake-up */
  char why[80];       /* why it is not answering */
  char last_uid[21];
  borne_ms last_at;
  uint64_t badges;
  uint64_t timeouts;
  uint64_t bad_answers; /* valid frames with a malformed InListPassiveTarget answer */
  borne_ms now;         /* of the current feed */
  /* output of the last call: bytes to send now */
  uint8_t out[PN532_MAX_OUT];
  size_t out_len;
  void (*on_uid)(void *ctx, const char *uid);
  void *ctx;
} pn532_reader;

void pn532_reader_init(pn532_reader *r, void (*on_uid)(void *ctx, const char *uid), void *ctx);
/* The line (re)opened or was lost: starts over with the wake-up at the next tick. */
void pn532_reader_reset(pn532_reader *r);
/* The timer: sends the wake-up, a due poll, or gives up on a missing answer.
 * Bytes to send are left in r->out / r->out_len. */
void pn532_reader_tick(pn532_reader *r, borne_ms now);
/* Received bytes: may report badges and leave the next command in r->out. */
void pn532_reader_feed(pn532_reader *r, const uint8_t *bytes, size_t n, borne_ms now);
/* When the next tick is due (ms from now, >= 0). */
borne_ms pn532_reader_next_ms(const pn532_reader *r, borne_ms now);

#endif
