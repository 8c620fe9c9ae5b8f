/*
 * `bornectl events` and `bornectl wait`: the verbs that are a loop of
 * requests. Both wait on the daemon's long-poll (GET /api/v1/events?wait=S),
 * never by sleeping: `wait` reads the newest event id first, then the status,
 * then long-polls for anything newer, so no status change can slip between
 * two looks. Must never spin: every loop turn either blocks in the daemon or
 * ends the command.
 */
#include "ctl.h"

#include <stdint.h>
#include <stdlib.h>
#include <strings.h>
#include <time.h>

#include "util/timefmt.h"

#define PAGE 1000                    /* the daemon's largest `limit` */
#define POLL_MAX_S 30                /* one long-poll; the daemon accepts up to 300 */
#define REQUEST_TIMEOUT_S 30         /* a plain request */
#define NEWEST_ID "9007199254740991" /* after this, last_id is the newest id (docs/api.md) */

static double mono_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void ctl_print_event(ctl_ctx *ctx, const json_t *e) {
  char id[24], when[40], kind[64], detail[512];
  json_t *c = json_object_get(e, "connector");
  char where[16];
  if (json_is_integer(c) && json_integer_value(c) > 0)
    snprintf(where, sizeof where, "c%lld", (long long)json_integer_value(c));
  else
    snprintf(where, sizeof where, "-");
  fprintf(ctx->out, "%6s  %s  %-3s  %-16s  %s\n", ctl_cell(e, "id", id, sizeof id),
          ctl_time_cell(json_object_get(e, "time"), when, sizeof when), where,
          ctl_cell(e, "kind", kind, sizeof kind), ctl_cell(e, "detail", detail, sizeof detail));
}

/* GET one page of events after `*after`; advances `*after`. */
static int fetch_page(ctl_ctx *ctx, long long *after, int wait_s, json_t **page) {
  char path[160];
  if (wait_s > 0)
    snprintf(path, sizeof path, "/api/v1/events?after=%lld&limit=%d&wait=%d", *after, PAGE, wait_s);
  else
    snprintf(path, sizeof path, "/api/v1/events?after=%lld&limit=%d", *after, PAGE);
  int rc = ctl_api(ctx, "GET", path, NULL, REQUEST_TIMEOUT_S + wait_s, page);
  if (rc != CTL_EXIT_OK) return rc;
  json_t *last = json_object_get(*page, "last_id");
  json_t *events = json_object_get(*page, "events");
  long long next = json_is_integer(last) ? (long long)json_integer_value(last) : *after;
  /* Never stay put after new events, even if last_id were missing. */
  size_t n = json_array_size(events);
  if (n > 0) {
    json_t *id = json_object_get(json_array_get(events, n - 1), "id");
    if (json_is_integer(id) && json_integer_value(id) > next)
      next = (long long)json_integer_value(id);
  }
  *after = next;
  return CTL_EXIT_OK;
}

static void emit(ctl_ctx *ctx, const json_t *events) {
  size_t i;
  json_t *e;
  json_array_foreach(events, i, e) {
    if (ctx->json) {
      char *line = json_dumps(e, JSON_COMPACT);
      if (line) fprintf(ctx->out, "%s\n", line);
      free(line);
    } else {
      ctl_print_event(ctx, e);
    }
  }
  fflush(ctx->out);
}

int ctl_run_events(ctl_ctx *ctx, const ctl_command *cmd) {
  long long after = cmd->after;
  json_t *all = json_array();
  int rc = CTL_EXIT_OK;
  for (;;) { /* what is there already, page by page */
    json_t *page;
    if ((rc = fetch_page(ctx, &after, 0, &page)) != CTL_EXIT_OK) break;
    json_t *events = json_object_get(page, "events");
    size_t n = json_array_size(events);
    if (ctx->json && !cmd->follow)
      json_array_extend(all, events);
    else
      emit(ctx, events);
    json_decref(page);
    if (n < PAGE) break;
  }
  if (rc == CTL_EXIT_OK && !cmd->follow && ctx->json) {
    json_t *o = json_pack("{s:O, s:I}", "events", all, "last_id", (json_int_t)after);
    ctl_print_json(ctx, o);
    json_decref(o);
  }
  json_decref(all);
  while (rc == CTL_EXIT_OK && cmd->follow) { /* then whatever comes; ends on an error or ^C */
    json_t *page;
    if ((rc = fetch_page(ctx, &after, POLL_MAX_S, &page)) != CTL_EXIT_OK) break;
    emit(ctx, json_object_get(page, "events"));
    json_decref(page);
  }
  return rc;
}

/* The connector `id` in a status answer, or NULL. */
static json_t *find_connector(json_t *status, int id, size_t *count) {
  json_t *list = json_object_get(status, "connectors");
  *count = json_array_size(list);
  size_t i;
  json_t *c;
  json_array_foreach(list, i, c) {
    json_t *cid = json_object_get(c, "id");
    if (json_is_integer(cid) && json_integer_value(cid) == id) return c;
  }
  return NULL;
}

int ctl_run_wait(ctl_ctx *ctx, const ctl_command *cmd) {
  double deadline = mono_s() + cmd->timeout_s;
  json_t *first;
  int rc = ctl_api(ctx, "GET", "/api/v1/events?limit=1&after=" NEWEST_ID, NULL, REQUEST_TIMEOUT_S,
                   &first);
  if (rc != CTL_EXIT_OK) return rc;
  json_t *last = json_object_get(first, "last_id");
  long long after = json_is_integer(last) ? (long long)json_integer_value(last) : 0;
  json_decref(first);
  for (;;) {
    json_t *status;
    if ((rc = ctl_api(ctx, "GET", "/api/v1/status", NULL, REQUEST_TIMEOUT_S, &status)) != 0)
      return rc;
    size_t count;
    json_t *c = find_connector(status, cmd->connector, &count);
    if (!c) {
      fprintf(ctx->err, "bornectl: connector %d does not exist (this station has %zu)\n",
              cmd->connector, count);
      json_decref(status);
      return CTL_EXIT_API;
    }
    const char *now = json_string_value(json_object_get(c, "status"));
    if (now && strcasecmp(now, cmd->status) == 0) {
      if (ctx->json)
        ctl_print_json(ctx, c);
      else
        fprintf(ctx->out, "connector %d: %s\n", cmd->connector, now);
      json_decref(status);
      return CTL_EXIT_OK;
    }
    double left = deadline - mono_s();
    if (left <= 0) {
      fprintf(ctx->err, "bornectl: timed out after %g s: connector %d is %s, not %s\n",
              cmd->timeout_s, cmd->connector, now ? now : "?", cmd->status);
      json_decref(status);
      return CTL_EXIT_API;
    }
    json_decref(status);
    int wait_s = left >= POLL_MAX_S ? POLL_MAX_S : (int)left + (left > (int)left); /* ceil */
    json_t *page;
    if ((rc = fetch_page(ctx, &after, wait_s, &page)) != CTL_EXIT_OK) return rc;
    json_decref(page);
  }
}
