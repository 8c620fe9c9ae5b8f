/* A libuv timer made by its first start: see lazy_timer.h. */
#include "station/lazy_timer.h"

#include <stdlib.h>

int lazy_timer_start(lazy_timer *t, uv_loop_t *loop, uv_timer_cb cb, void *data,
                     uint64_t timeout_ms, uint64_t repeat_ms) {
  if (t->closed) return -1;
  if (!t->h) {
    t->h = malloc(sizeof *t->h);
    if (!t->h) return -1;
    uv_timer_init(loop, t->h);
  }
  t->h->data = data;
  return uv_timer_start(t->h, cb, timeout_ms, repeat_ms) == 0 ? 0 : -1;
}

void lazy_timer_stop(lazy_timer *t) {
  if (t->h) uv_timer_stop(t->h);
}

bool lazy_timer_active(const lazy_timer *t) {
  return t->h && uv_is_active((const uv_handle_t *)t->h);
}

static void closed(uv_handle_t *h) { free(h); }

void lazy_timer_release(lazy_timer *t) {
  if (!t->h) return;
  uv_timer_stop(t->h);
  uv_close((uv_handle_t *)t->h, closed);
  t->h = NULL;
}

void lazy_timer_close(lazy_timer *t) {
  t->closed = true;
  if (!t->h) return;
  uv_timer_stop(t->h);
  uv_close((uv_handle_t *)t->h, closed);
  t->h = NULL;
}
