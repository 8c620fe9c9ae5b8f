/*
 * The tamper switch's glue (see tamper_module.h): one station-wide input, an
 * alarm latch kept on disk (DATA_DIR/tamper-alarm, written and synced before
 * the connectors are released or the alarm reported, so a power cut cannot
 * lose it), and the acknowledgement route. Decides nothing about charging
 * itself: the core's CS_EV_TAMPER does.
 */
#include "tamper/tamper_module.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http/http_json.h"
#include "util/log.h"

#define MOD "tamper"

typedef struct {
  station *st;
  bool out_of_service; /* tamper.out_of_service */
  bool known;          /* the first level arrived */
  bool open;           /* the switch says the station is open */
  bool latched;        /* out of service until acknowledged */
  borne_ms since;      /* of the current level */
  borne_ms alarm_at;   /* the last alarm (0: none) */
  uint64_t alarms;
  char path[600]; /* DATA_DIR/tamper-alarm */
} tamper_state;

/* Written and synced before it counts (rename after fsync). */
static int write_latch(tamper_state *t, borne_ms at) {
  char tmp[620], text[32];
  snprintf(tmp, sizeof tmp, "%s.tmp", t->path);
  int n = snprintf(text, sizeof text, "%lld\n", (long long)at);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return -1;
  bool ok = write(fd, text, (size_t)n) == n && fsync(fd) == 0;
  ok = close(fd) == 0 && ok;
  if (!ok || rename(tmp, t->path) != 0) {
    unlink(tmp);
    return -1;
  }
  return 0;
}

static void set_connectors(tamper_state *t, bool tampered) {
  for (int c = 1; c <= station_connector_count(t->st); c++)
    station_connector_event(t->st, c, &(cs_event){.type = CS_EV_TAMPER, .flag = tampered});
}

static void latch(tamper_state *t, borne_ms now) {
  if (write_latch(t, now) != 0)
    log_error(MOD, "cannot record the tamper alarm in %s: %s", t->path, strerror(errno));
  t->latched = true;
  set_connectors(t, true);
}

static void on_tamper(void *ctx, bool open) {
  tamper_state *t = ctx;
  bool first = !t->known;
  if (!first && open == t->open) return;
  borne_ms now = clock_now(&t->st->clock);
  t->known = true;
  t->open = open;
  t->since = now;
  if (!open) {
    if (!first)
      station_event(t->st, 0, "tamper", "cover closed%s",
                    t->latched ? ": out of service until acknowledged" : "");
    return;
  }
  t->alarms++;
  t->alarm_at = now;
  if (t->out_of_service) latch(t, now);
  /* the whitepaper's critical event: queued and never dropped by OCPP */
  station_event(t->st, 0, "security", "TamperDetectionActivated: %s",
                first ? "the station was open at start" : "the cover was opened");
  station_event(t->st, 0, "tamper", "cover opened%s",
                t->out_of_service ? ": out of service until acknowledged" : "");
  log_warn(MOD, "tamper alarm: the cover is open");
}

static int post_ack(void *ctx, const http_request *req, http_response *res) {
  (void)req;
  tamper_state *t = ctx;
  if (t->open)
    return http_json_error(res, 409, "the cover is still open: close it, then acknowledge"), 0;
  if (!t->latched) return http_json_error(res, 409, "no tamper alarm to acknowledge"), 0;
  if (unlink(t->path) != 0 && errno != ENOENT) {
    http_json_error(res, 500, "cannot clear %s: %s", t->path, strerror(errno));
    return 0;
  }
  t->latched = false;
  set_connectors(t, false);
  /* The whitepaper's list has no type for the end of an alarm; a security
   * event type is free text (string[50]), so the back end learns who lifted
   * it, and when, through the same queue as the alarm. Not a critical event
   * (cp_security_event_kind says why): dropped only in a flood of 100 newer
   * security events while offline. */
  station_event(t->st, 0, "security", "TamperAlarmAcknowledged: cover closed, acknowledged%s%s",
                req->principal ? " by " : "", req->principal ? req->principal : "");
  station_event(t->st, 0, "tamper", "alarm acknowledged%s%s: back in service",
                req->principal ? " by " : "", req->principal ? req->principal : "");
  http_json_body(res, json_pack("{s:b, s:b}", "open", t->open, "out_of_service", t->latched));
  return 0;
}

static void status_json(void *ctx, int c, json_t *obj) {
  tamper_state *t = ctx;
  if (c != 0) return;
  json_object_set_new(obj, "tamper",
                      json_pack("{s:o, s:b, s:o, s:o, s:I}", "open",
                                t->known ? json_boolean(t->open) : json_null(), "out_of_service",
                                t->latched, "since", json_time(t->since), "last_alarm",
                                t->alarm_at ? json_time(t->alarm_at) : json_null(), "alarms",
                                (json_int_t)t->alarms));
}

static void free_state(void *ctx) { free(ctx); }

int tamper_attach(station *st, char *err, size_t errlen) {
  if (!config_get_bool(st->cfg, "tamper.enabled")) return 0;
  const char *spec = config_get(st->cfg, "tamper.gpio");
  if (!st->sim && (!spec || !spec[0])) {
    snprintf(err, errlen, "tamper.gpio: required with tamper.enabled (gpiochipN:LINE)");
    return -1;
  }
  if (!st->hw->ops->watch_tamper) {
    snprintf(err, errlen, "tamper.enabled: the %s HAL has no tamper input", st->hw->ops->name);
    return -1;
  }
  tamper_state *t = calloc(1, sizeof *t);
  if (!t) {
    snprintf(err, errlen, "tamper: out of memory");
    return -1;
  }
  t->st = st;
  t->out_of_service = config_get_bool(st->cfg, "tamper.out_of_service");
  snprintf(t->path, sizeof t->path, "%s/tamper-alarm", st->data_dir);
  station_module m = {.name = MOD, .ctx = t, .status_json = status_json, .free = free_state};
  if (station_add_module(st, &m) != 0) {
    free(t);
    snprintf(err, errlen, "tamper: too many station modules");
    return -1;
  }
  /* an alarm not acknowledged before the restart still holds */
  if (access(t->path, F_OK) == 0) {
    t->latched = true;
    set_connectors(t, true);
    station_event(st, 0, "tamper",
                  "alarm from before the restart: out of service until "
                  "acknowledged");
  }
  http_add_route(st->http, &(http_route){"POST", "/api/v1/tamper/ack", post_ack, t});
  if (st->hw->ops->watch_tamper(st->hw, spec ? spec : "", on_tamper, t) != 0) {
    snprintf(err, errlen, "tamper.gpio: %s", st->hw->ops->last_error(st->hw));
    return -1;
  }
  log_info(MOD, "tamper switch on %s%s", spec && spec[0] && !st->sim ? spec : "the simulator",
           t->out_of_service ? " (an alarm takes the station out of service)" : "");
  return 0;
}
