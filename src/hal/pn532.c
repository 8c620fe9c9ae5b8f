/*
 * PN532 HSU frames and reader dialogue (see pn532.h). The decoder is a
 * byte-at-a-time state machine over a fixed buffer: whatever the line sends,
 * nothing is read or written out of bounds.
 */
#include "hal/pn532.h"

#include <stdio.h>
#include <string.h>

enum { S_ZERO, S_FF, S_LEN, S_LCS, S_XLENM, S_XLENL, S_XLCS, S_BODY, S_DCS };

size_t pn532_build_frame(uint8_t tfi, const uint8_t *data, size_t n, uint8_t *out, size_t outlen) {
  if (n > 254 || outlen < n + 8) return 0;
  size_t k = 0;
  out[k++] = 0x00;
  out[k++] = 0x00;
  out[k++] = 0xFF;
  uint8_t len = (uint8_t)(n + 1);
  out[k++] = len;
  out[k++] = (uint8_t)(0x100 - len);
  uint8_t sum = tfi;
  out[k++] = tfi;
  for (size_t i = 0; i < n; i++) {
    out[k++] = data[i];
    sum = (uint8_t)(sum + data[i]);
  }
  out[k++] = (uint8_t)(0x100 - sum);
  out[k++] = 0x00;
  return k;
}

void pn532_decoder_init(pn532_decoder *d) { memset(d, 0, sizeof *d); }

static void bad(pn532_decoder *d) {
  d->bad_frames++;
  d->state = S_ZERO;
}

int pn532_feed(pn532_decoder *d, const uint8_t *bytes, size_t n, pn532_frame_cb on_frame,
               void *ctx) {
  int count = 0;
  for (size_t i = 0; i < n; i++) {
    uint8_t c = bytes[i];
    switch (d->state) {
    case S_ZERO: /* preamble / start code's 00 (any number of 00 before FF) */
      if (c == 0x00) d->state = S_FF;
      break;
    case S_FF:
      d->state = c == 0xFF ? S_LEN : c == 0x00 ? S_FF : S_ZERO;
      break;
    case S_LEN:
      d->need = c;
      d->state = S_LCS;
      break;
    case S_LCS:
      if (d->need == 0x00 && c == 0xFF) { /* ACK */
        d->frames++, count++, d->state = S_ZERO;
        if (on_frame) on_frame(ctx, PN532_ACK, NULL, 0);
      } else if (d->need == 0xFF && c == 0x00) { /* NACK */
        d->frames++, count++, d->state = S_ZERO;
        if (on_frame) on_frame(ctx, PN532_NACK, NULL, 0);
      } else if (d->need == 0xFF && c == 0xFF) { /* extended information frame */
        d->state = S_XLENM;
      } else if (d->need == 0 || (uint8_t)(d->need + c) != 0) {
        bad(d);
      } else {
        d->len = 0, d->sum = 0, d->state = S_BODY;
      }
      break;
    case S_XLENM:
      d->need = (size_t)c << 8;
      d->state = S_XLENL;
      break;
    case S_XLENL:
      d->need |= c;
      d->state = S_XLCS;
      break;
    case S_XLCS:
      if ((uint8_t)((d->need >> 8) + (d->need & 0xFF) + c) != 0 || d->need == 0 ||
          d->need > PN532_MAX_DATA)
        bad(d);
      else
        d->len = 0, d->sum = 0, d->state = S_BODY;
      break;
    case S_BODY:
      if (d->len == 0 && c != PN532_TFI_HOST && c != PN532_TFI_CHIP && c != PN532_TFI_ERROR) {
        bad(d);
        break;
      }
      d->body[d->len++] = c;
      d->sum = (uint8_t)(d->sum + c);
      if (d->len == d->need) d->state = S_DCS;
      break;
    case S_DCS:
      if ((uint8_t)(d->sum + c) != 0) {
        bad(d);
        break;
      }
      d->frames++, count++, d->state = S_ZERO;
      if (on_frame)
        on_frame(ctx, d->body[0] == PN532_TFI_ERROR ? PN532_ERROR_FRAME : PN532_INFO, d->body,
                 d->len);
      break;
    default:
      d->state = S_ZERO;
    }
  }
  return count;
}

int pn532_target_uid(const uint8_t *body, size_t n, char uid[21]) {
  if (n < 3 || body[0] != PN532_TFI_CHIP || body[1] != PN532_CMD_IN_LIST_PASSIVE_TARGET + 1)
    return -1;
  if (body[2] == 0) return 0;
  /* Tg SENS_RES(2) SEL_RES NFCIDLength NFCID1 */
  if (n < 8) return -1;
  size_t idlen = body[7];
  if ((idlen != 4 && idlen != 7 && idlen != 10) || n < 8 + idlen) return -1;
  for (size_t i = 0; i < idlen; i++) snprintf(uid + 2 * i, 3, "%02X", body[8 + i]);
  return 1;
}

/* ---- the dialogue ---- */

void pn532_reader_init(pn532_reader *r, void (*on_uid)(void *ctx, const char *uid), void *ctx) {
  memset(r, 0, sizeof *r);
  pn532_decoder_init(&r->dec);
  r->on_uid = on_uid;
  r->ctx = ctx;
  snprintf(r->why, sizeof r->why, "not answered yet");
}

void pn532_reader_reset(pn532_reader *r) {
  r->dec.state = 0;
  r->step = PN532_IDLE;
  r->answering = false;
  r->out_len = 0;
  snprintf(r->why, sizeof r->why, "not answered yet");
}

static void send_cmd(pn532_reader *r, const uint8_t *data, size_t n, borne_ms now) {
  r->out_len +=
      pn532_build_frame(PN532_TFI_HOST, data, n, r->out + r->out_len, sizeof r->out - r->out_len);
  r->acked = false;
  r->sent_at = now;
}

static void wake(pn532_reader *r, borne_ms now) {
  /* 0x55 0x55 and a long preamble wake an HSU PN532 from power-down */
  static const uint8_t wakeup[16] = {0x55, 0x55};
  memcpy(r->out, wakeup, sizeof wakeup);
  r->out_len = sizeof wakeup;
  static const uint8_t sam[] = {PN532_CMD_SAM_CONFIGURATION, 0x01}; /* normal mode, no SAM */
  send_cmd(r, sam, sizeof sam, now);
  r->step = PN532_WAKING;
}

static void list_targets(pn532_reader *r, borne_ms now) {
  static const uint8_t list[] = {PN532_CMD_IN_LIST_PASSIVE_TARGET, 0x01, 0x00};
  r->out_len = 0;
  send_cmd(r, list, sizeof list, now);
  r->step = PN532_POLLING;
}

void pn532_reader_tick(pn532_reader *r, borne_ms now) {
  r->out_len = 0;
  switch (r->step) {
  case PN532_IDLE:
    wake(r, now);
    break;
  case PN532_READY:
    if (now >= r->next_poll) list_targets(r, now);
    break;
  default: /* a command is out */
    if (now - r->sent_at >= PN532_ANSWER_MS) {
      r->timeouts++;
      r->answering = false;
      snprintf(r->why, sizeof r->why, "the PN532 does not answer (%s)",
               r->acked ? "acknowledged, no response" : "no ACK");
      wake(r, now);
    }
  }
}

borne_ms pn532_reader_next_ms(const pn532_reader *r, borne_ms now) {
  borne_ms due = r->step == PN532_IDLE    ? now
                 : r->step == PN532_READY ? r->next_poll
                                          : r->sent_at + PN532_ANSWER_MS;
  return due > now ? due - now : 0;
}

static void on_frame(void *ctx, pn532_kind kind, const uint8_t *body, size_t n) {
  pn532_reader *r = ctx;
  borne_ms now = r->now;
  if (r->step == PN532_IDLE || r->step == PN532_READY) return; /* nothing asked */
  if (kind == PN532_ACK) {
    r->acked = true;
    return;
  }
  /* a NACK or an error frame: the command is lost, the answer timeout starts over */
  if (kind != PN532_INFO || body[0] != PN532_TFI_CHIP || n < 2) return;
  uint8_t expect = r->step == PN532_WAKING    ? PN532_CMD_SAM_CONFIGURATION + 1
                   : r->step == PN532_SETTING ? PN532_CMD_RF_CONFIGURATION + 1
                                              : PN532_CMD_IN_LIST_PASSIVE_TARGET + 1;
  if (body[1] != expect) return; /* a late answer to an older command */
  r->answering = true;
  r->why[0] = '\0';
  if (r->step == PN532_WAKING) {
    /* RFConfiguration MaxRetries: MxRtyATR FF, MxRtyPSL 01, MxRtyPassiveActivation 02 */
    static const uint8_t retries[] = {PN532_CMD_RF_CONFIGURATION, 0x05, 0xFF, 0x01, 0x02};
    send_cmd(r, retries, sizeof retries, now);
    r->step = PN532_SETTING;
    return;
  }
  bool listed = r->step == PN532_POLLING;
  r->step = PN532_READY;
  r->next_poll = listed ? now + PN532_POLL_MS : now;
  if (!listed) return;
  char uid[21] = "";
  int found = pn532_target_uid(body, n, uid);
  if (found < 0) {
    r->bad_answers++;
    return;
  }
  if (found == 0) return;
  bool repeat =
      strcmp(uid, r->last_uid) == 0 && now >= r->last_at && now - r->last_at < PN532_REPEAT_MS;
  memcpy(r->last_uid, uid, sizeof r->last_uid);
  r->last_at = now;
  if (repeat) return;
  r->badges++;
  if (r->on_uid) r->on_uid(r->ctx, uid);
}

void pn532_reader_feed(pn532_reader *r, const uint8_t *bytes, size_t n, borne_ms now) {
  r->out_len = 0;
  r->now = now;
  pn532_feed(&r->dec, bytes, n, on_frame, r);
}
