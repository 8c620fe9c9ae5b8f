/*
 * PC/SC reader thread (see hal_linux_pcsc.h).
 */
#include "hal/hal_linux_pcsc.h"

#include <PCSC/winscard.h>
#include <PCSC/wintypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define QUEUE 8
#define RETRY_MS 1000

struct lx_pcsc {
  uv_async_t async;
  uv_thread_t thread;
  uv_mutex_t lock;
  uv_cond_t wake;
  lx_pcsc_cbs cbs;
  char filter[200];
  /* under lock */
  bool stop;
  SCARDCONTEXT ctx;
  bool has_ctx;
  char uids[QUEUE][21];
  int nuids;
  bool up, up_sent, state_pending;
  char why[160];
  uint64_t cards, bad, badges;
};

int lx_pcsc_uid_of(const uint8_t *resp, unsigned long n, char *uid, unsigned long len) {
  if (n < 3 || n - 2 > 10 || resp[n - 2] != 0x90 || resp[n - 1] != 0x00 || len < 2 * (n - 2) + 1)
    return -1;
  for (unsigned long i = 0; i + 2 < n; i++) snprintf(uid + 2 * i, 3, "%02X", resp[i]);
  return 0;
}

static void post_state(lx_pcsc *p, bool up, const char *why) {
  uv_mutex_lock(&p->lock);
  if (p->up != up || !p->up_sent || strcmp(p->why, why) != 0) {
    p->up = up;
    snprintf(p->why, sizeof p->why, "%s", why);
    p->state_pending = true;
  }
  uv_mutex_unlock(&p->lock);
  uv_async_send(&p->async);
}

/* Waits up to RETRY_MS unless stopped; true when stopping. */
static bool pause_or_stop(lx_pcsc *p) {
  uv_mutex_lock(&p->lock);
  if (!p->stop) uv_cond_timedwait(&p->wake, &p->lock, (uint64_t)RETRY_MS * 1000000u);
  bool stop = p->stop;
  uv_mutex_unlock(&p->lock);
  return stop;
}

static void read_card(lx_pcsc *p, SCARDCONTEXT ctx, const char *reader) {
  SCARDHANDLE card;
  DWORD proto = 0;
  LONG rv = SCardConnect(ctx, reader, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
                         &card, &proto);
  char uid[21] = "";
  bool ok = false;
  if (rv == SCARD_S_SUCCESS) {
    static const BYTE get_uid[] = {0xFF, 0xCA, 0x00, 0x00, 0x00}; /* PC/SC part 3 GET DATA */
    BYTE resp[64];
    DWORD n = sizeof resp;
    rv = SCardTransmit(card, proto == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1, get_uid,
                       sizeof get_uid, NULL, resp, &n);
    ok = rv == SCARD_S_SUCCESS && lx_pcsc_uid_of(resp, n, uid, sizeof uid) == 0;
    SCardDisconnect(card, SCARD_LEAVE_CARD);
  }
  uv_mutex_lock(&p->lock);
  p->cards++;
  if (!ok) p->bad++;
  if (ok && p->nuids < QUEUE) {
    snprintf(p->uids[p->nuids++], sizeof p->uids[0], "%s", uid);
    p->badges++;
  }
  uv_mutex_unlock(&p->lock);
  uv_async_send(&p->async);
}

static void run(void *arg) {
  lx_pcsc *p = arg;
  char why[160];
  for (;;) {
    SCARDCONTEXT ctx;
    LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &ctx);
    if (rv != SCARD_S_SUCCESS) {
      snprintf(why, sizeof why, "PC/SC: cannot reach pcscd: %s", pcsc_stringify_error(rv));
      post_state(p, false, why);
      if (pause_or_stop(p)) return;
      continue;
    }
    uv_mutex_lock(&p->lock);
    bool stop = p->stop;
    p->ctx = ctx;
    p->has_ctx = true;
    uv_mutex_unlock(&p->lock);
    while (!stop) {
      char names[2048];
      DWORD len = sizeof names;
      rv = SCardListReaders(ctx, NULL, names, &len);
      const char *reader = NULL;
      for (const char *r = names; rv == SCARD_S_SUCCESS && *r; r += strlen(r) + 1)
        if (!reader && strstr(r, p->filter)) reader = r;
      if (!reader) {
        snprintf(why, sizeof why, "PC/SC: no reader%s%s%s (%s)",
                 p->filter[0] ? " named like `" : "", p->filter, p->filter[0] ? "`" : "",
                 rv == SCARD_S_SUCCESS ? "others only" : pcsc_stringify_error(rv));
        post_state(p, false, why);
        if (rv == SCARD_E_NO_SERVICE || rv == SCARD_E_SERVICE_STOPPED) break;
        stop = pause_or_stop(p);
        continue;
      }
      char name[256];
      snprintf(name, sizeof name, "%s", reader);
      post_state(p, true, "");
      SCARD_READERSTATE rs = {.szReader = name, .dwCurrentState = SCARD_STATE_UNAWARE};
      for (;;) {
        rv = SCardGetStatusChange(ctx, INFINITE, &rs, 1);
        if (rv == SCARD_E_TIMEOUT) continue;
        if (rv != SCARD_S_SUCCESS) break;
        if (rs.dwEventState & (SCARD_STATE_UNKNOWN | SCARD_STATE_UNAVAILABLE)) {
          rv = SCARD_E_UNKNOWN_READER;
          break;
        }
        bool present = rs.dwEventState & SCARD_STATE_PRESENT;
        bool was = rs.dwCurrentState & SCARD_STATE_PRESENT;
        if (present && !was && !(rs.dwEventState & SCARD_STATE_MUTE)) read_card(p, ctx, name);
        rs.dwCurrentState = rs.dwEventState & ~(DWORD)SCARD_STATE_CHANGED;
      }
      uv_mutex_lock(&p->lock);
      stop = p->stop;
      uv_mutex_unlock(&p->lock);
      if (stop) break;
      snprintf(why, sizeof why, "PC/SC: reader `%s` lost: %s", name, pcsc_stringify_error(rv));
      post_state(p, false, why);
      if (rv == SCARD_E_NO_SERVICE || rv == SCARD_E_SERVICE_STOPPED) break;
      stop = pause_or_stop(p);
    }
    uv_mutex_lock(&p->lock);
    p->has_ctx = false;
    stop = p->stop;
    uv_mutex_unlock(&p->lock);
    SCardReleaseContext(ctx);
    if (stop || pause_or_stop(p)) return;
  }
}

static void on_async(uv_async_t *a) {
  lx_pcsc *p = a->data;
  char uids[QUEUE][21];
  uv_mutex_lock(&p->lock);
  int n = p->nuids;
  memcpy(uids, p->uids, sizeof uids);
  p->nuids = 0;
  bool state = p->state_pending, up = p->up;
  char why[160];
  snprintf(why, sizeof why, "%s", p->why);
  p->state_pending = false;
  p->up_sent = true;
  uv_mutex_unlock(&p->lock);
  if (state && p->cbs.state) p->cbs.state(p->cbs.ctx, up, why);
  for (int i = 0; i < n; i++)
    if (p->cbs.uid) p->cbs.uid(p->cbs.ctx, uids[i]);
}

lx_pcsc *lx_pcsc_open(uv_loop_t *loop, const char *reader, const lx_pcsc_cbs *cbs) {
  lx_pcsc *p = calloc(1, sizeof *p);
  if (!p) return NULL;
  p->cbs = *cbs;
  snprintf(p->filter, sizeof p->filter, "%s", reader ? reader : "");
  uv_mutex_init(&p->lock);
  uv_cond_init(&p->wake);
  uv_async_init(loop, &p->async, on_async);
  p->async.data = p;
  if (uv_thread_create(&p->thread, run, p) != 0) {
    lx_pcsc_close(p);
    return NULL;
  }
  return p;
}

static void on_closed(uv_handle_t *h) {
  lx_pcsc *p = h->data;
  uv_mutex_destroy(&p->lock);
  uv_cond_destroy(&p->wake);
  free(p);
}

void lx_pcsc_close(lx_pcsc *p) {
  if (!p) return;
  uv_mutex_lock(&p->lock);
  bool running = !p->stop;
  p->stop = true;
  if (p->has_ctx) SCardCancel(p->ctx); /* ends a waiting SCardGetStatusChange */
  uv_cond_signal(&p->wake);
  uv_mutex_unlock(&p->lock);
  if (running) uv_thread_join(&p->thread);
  uv_close((uv_handle_t *)&p->async, on_closed);
}

void lx_pcsc_counts(const lx_pcsc *p, uint64_t *cards, uint64_t *bad, uint64_t *badges) {
  uv_mutex_lock((uv_mutex_t *)&p->lock);
  *cards = p->cards, *bad = p->bad, *badges = p->badges;
  uv_mutex_unlock((uv_mutex_t *)&p->lock);
}
