/*
 * Long-poll waiters for the event feed. One loop timer serves all waiters
 * (earliest deadline). Must never hold a waiter past its deadline nor answer
 * one twice.
 */
#include "station/events.h"

#include <stdlib.h>
#include <string.h>

#include "http/http_json.h"
#include "station/station.h"

typedef struct {
  json_t *list;
  int64_t last_id;
} collect_ctx;

static int collect(void *ctx, const event_row *row) {
  collect_ctx *cc = ctx;
  json_t *e = json_object();
  json_object_set_new(e, "id", json_integer(row->id));
  json_object_set_new(e, "time", json_time(row->at));
  json_object_set_new(e, "connector", json_integer(row->connector));
  json_object_set_new(e, "kind", json_string(row->kind));
  json_object_set_new(e, "detail", json_string(row->detail));
  if (row->reason[0]) json_object_set_new(e, "reason", json_string(row->reason));
  json_array_append_new(cc->list, e);
  cc->last_id = row->id;
  return 0;
}

json_t *events_json(station *st, int64_t after_id, int limit) {
  collect_ctx cc = {.list = json_array(), .last_id = after_id};
  if (cc.last_id < 0) cc.last_id = 0;
  store_events_query(st->db, after_id, limit, collect, &cc);
  if (json_array_size(cc.list) == 0) {
    int64_t last = store_events_last_id(st->db);
    if (after_id > last) cc.last_id = last;
  }
  json_t *o = json_object();
  json_object_set_new(o, "events", cc.list);
  json_object_set_new(o, "last_id", json_integer(cc.last_id));
  return o;
}

static void answer(station *st, events_waiter *w) {
  http_response res = {.status = 200};
  json_t *o = events_json(st, w->after_id, w->limit);
  http_json_body(&res, o);
  http_complete(w->pending, &res);
}

static void remove_at(station *st, int i) {
  st->waiters[i] = st->waiters[st->waiter_count - 1];
  st->waiter_count--;
}

static void arm(station *st);

static void timer_cb(uv_timer_t *t) {
  station *st = t->data;
  uint64_t now = uv_now(st->loop);
  for (int i = 0; i < st->waiter_count;) {
    if (st->waiters[i].deadline_real_ms <= now) {
      answer(st, &st->waiters[i]);
      remove_at(st, i);
    } else {
      i++;
    }
  }
  arm(st);
}

static void arm(station *st) {
  if (st->closing) return;
  if (st->waiter_count == 0) {
    lazy_timer_stop(&st->waiter_timer);
    return;
  }
  uint64_t next = UINT64_MAX;
  for (int i = 0; i < st->waiter_count; i++)
    if (st->waiters[i].deadline_real_ms < next) next = st->waiters[i].deadline_real_ms;
  uint64_t now = uv_now(st->loop);
  lazy_timer_start(&st->waiter_timer, st->loop, timer_cb, st, next > now ? next - now : 0, 0);
}

int events_waiter_add(station *st, http_pending *p, int64_t after_id, int limit, unsigned wait_ms) {
  if (st->waiter_count == STATION_MAX_WAITERS) return -1;
  if (!st->waiters && !(st->waiters = calloc(STATION_MAX_WAITERS, sizeof *st->waiters))) return -1;
  events_waiter *w = &st->waiters[st->waiter_count++];
  w->pending = p;
  w->after_id = after_id;
  w->limit = limit;
  w->deadline_real_ms = uv_now(st->loop) + wait_ms;
  arm(st);
  return 0;
}

void events_waiters_wake(station *st) {
  if (st->waiter_count == 0) return;
  int64_t last = store_events_last_id(st->db);
  for (int i = 0; i < st->waiter_count;) {
    if (st->waiters[i].after_id < last) {
      answer(st, &st->waiters[i]);
      remove_at(st, i);
    } else {
      i++;
    }
  }
  arm(st);
}

void events_waiters_close(station *st) {
  for (int i = 0; i < st->waiter_count; i++)
    http_complete_error(st->waiters[i].pending, 503, "borned is shutting down");
  st->waiter_count = 0;
}
