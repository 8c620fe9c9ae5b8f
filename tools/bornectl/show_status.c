/*
 * `bornectl status` without --json: one line about the station, then one row
 * per connector (status, pilot state, offered current and what limits it,
 * power, session energy, badge, error). Reads the answer only; the columns
 * are for people, scripts use --json.
 */
#include "ctl.h"

#include <string.h>

#include "util/timefmt.h"

static void station_line(ctl_ctx *ctx, const json_t *st) {
  char id[96], fw[64], mode[32], auth[32], up[32], now[40];
  json_t *uptime = json_object_get(st, "uptime_s");
  if (json_is_number(uptime))
    timefmt_duration((int64_t)json_number_value(uptime), up, sizeof up);
  else
    snprintf(up, sizeof up, "-");
  fprintf(ctx->out, "station %s  firmware %s  mode %s  auth %s  up %s  time %s UTC",
          ctl_cell(st, "id", id, sizeof id), ctl_cell(st, "firmware_version", fw, sizeof fw),
          ctl_cell(st, "mode", mode, sizeof mode), ctl_cell(st, "auth_mode", auth, sizeof auth), up,
          ctl_time_cell(json_object_get(st, "time"), now, sizeof now));
  json_t *speed = json_object_get(st, "sim_speed");
  if (json_is_number(speed) && json_number_value(speed) != 1.0)
    fprintf(ctx->out, "  speed x%g", json_number_value(speed));
  fputc('\n', ctx->out);
  const json_t *ocpp = json_object_get(st, "ocpp");
  const char *ocpp_url = json_string_value(json_object_get(ocpp, "url"));
  if (ocpp_url && ocpp_url[0]) {
    char url[256], state[32], since[40], last[40], proto[32];
    fprintf(ctx->out, "back end %s  %s since %s  last message %s  queue %lld  protocol %s\n",
            ctl_cell(ocpp, "url", url, sizeof url), ctl_cell(ocpp, "state", state, sizeof state),
            ctl_time_cell(json_object_get(ocpp, "since"), since, sizeof since),
            ctl_time_cell(json_object_get(ocpp, "last_message"), last, sizeof last),
            (long long)json_integer_value(json_object_get(ocpp, "queue_length")),
            ctl_cell(ocpp, "subprotocol", proto, sizeof proto));
    /* Why the station is not connected (a TLS reason, a refused upgrade…):
     * the installer's first question, so it is on the status screen too. */
    const char *error = json_string_value(json_object_get(ocpp, "last_error"));
    if (error && error[0]) fprintf(ctx->out, "back end last error: %s\n", error);
  }
  const json_t *site = json_object_get(st, "site");
  if (json_is_true(json_object_get(site, "load_management"))) {
    const json_t *b = json_object_get(site, "building_a"),
                 *av = json_object_get(site, "available_a");
    char source[32];
    fprintf(
        ctx->out,
        "site limit %.0f A  building %.1f/%.1f/%.1f A  available %.1f/%.1f/%.1f A  source %s%s\n",
        json_number_value(json_object_get(site, "limit_a")),
        json_number_value(json_array_get(b, 0)), json_number_value(json_array_get(b, 1)),
        json_number_value(json_array_get(b, 2)), json_number_value(json_array_get(av, 0)),
        json_number_value(json_array_get(av, 1)), json_number_value(json_array_get(av, 2)),
        ctl_cell(site, "source", source, sizeof source),
        json_is_true(json_object_get(site, "failsafe")) ? "  FAILSAFE (no grid data)" : "");
  }
  json_t *web = json_object_get(st, "web");
  json_t *fp = json_object_get(web, "fingerprint_sha256");
  if (json_is_true(json_object_get(web, "https")) && json_is_string(fp))
    fprintf(ctx->out, "web page HTTPS, certificate SHA-256 %s\n", json_string_value(fp));
}

static double num(const json_t *a, size_t i) { return json_number_value(json_array_get(a, i)); }

/* One line per connector with a Modbus meter: V, A per phase, the lifetime
 * register (what the owner reads for billing) and the meter's health. */
static void meter_lines(ctl_ctx *ctx, const json_t *connectors) {
  size_t i;
  json_t *c;
  json_array_foreach(connectors, i, c) {
    const json_t *m = json_object_get(c, "meter");
    if (!json_is_object(m)) continue;
    const json_t *v = json_object_get(c, "voltage_v"), *a = json_object_get(c, "current_a");
    const char *err = json_string_value(json_object_get(m, "error"));
    fprintf(ctx->out,
            "meter %s (%s, %s unit %lld) on %lld: %.1f/%.1f/%.1f V  %.2f/%.2f/%.2f A  "
            "register %.2f kWh  %s\n",
            json_string_value(json_object_get(m, "name")),
            json_string_value(json_object_get(m, "model")),
            json_string_value(json_object_get(m, "port")),
            (long long)json_integer_value(json_object_get(m, "unit_id")),
            (long long)json_integer_value(json_object_get(c, "id")), num(v, 0), num(v, 1),
            num(v, 2), num(a, 0), num(a, 1), num(a, 2),
            json_number_value(json_object_get(c, "energy_wh")) / 1000.0,
            json_is_true(json_object_get(m, "ok")) ? "ok" : (err ? err : "not answering"));
  }
}

int ctl_show_status(ctl_ctx *ctx, const json_t *answer) {
  station_line(ctx, json_object_get(answer, "station"));
  static const char *const headers[] = {"C",        "STATUS",      "CP",    "OFFERED",
                                        "POWER kW", "SESSION kWh", "BADGE", "ERROR"};
  text_table t;
  table_init(&t, 8, headers);
  table_set_align(&t, 0, TABLE_RIGHT);
  table_set_align(&t, 4, TABLE_RIGHT);
  table_set_align(&t, 5, TABLE_RIGHT);
  size_t i;
  json_t *c;
  json_array_foreach(json_object_get(answer, "connectors"), i, c) {
    char id[16], status[32], cp[8], offered[96], power[32], energy[32], badge[160], error[192];
    json_t *o = json_object_get(c, "offered_a");
    const char *by = json_string_value(json_object_get(c, "limited_by"));
    if (json_is_number(o))
      snprintf(offered, sizeof offered, "%.1f A%s%s%s", json_number_value(o), by ? " (" : "",
               by ? by : "", by ? ")" : "");
    else
      snprintf(offered, sizeof offered, "-");
    json_t *p = json_object_get(c, "power_w");
    if (json_is_number(p))
      snprintf(power, sizeof power, "%.2f", json_number_value(p) / 1000.0);
    else
      snprintf(power, sizeof power, "-");
    json_t *s = json_object_get(c, "session");
    json_t *se = json_object_get(s, "energy_wh");
    if (json_is_number(se))
      snprintf(energy, sizeof energy, "%.2f", json_number_value(se) / 1000.0);
    else
      snprintf(energy, sizeof energy, "-");
    const char *uid = json_string_value(json_object_get(s, "badge"));
    const char *user = json_string_value(json_object_get(s, "user"));
    if (uid && *uid && user && *user)
      snprintf(badge, sizeof badge, "%s (%s)", uid, user);
    else if (user && *user)
      snprintf(badge, sizeof badge, "(%s)", user);
    else
      snprintf(badge, sizeof badge, "%s", uid && *uid ? uid : "-");
    json_t *e = json_object_get(c, "error");
    char code[32];
    if (json_is_object(e))
      snprintf(error, sizeof error, "%s %s", ctl_cell(e, "code", code, sizeof code),
               json_string_value(json_object_get(e, "text"))
                   ? json_string_value(json_object_get(e, "text"))
                   : "");
    else
      snprintf(error, sizeof error, "-");
    const char *row[] = {ctl_cell(c, "id", id, sizeof id),
                         ctl_cell(c, "status", status, sizeof status),
                         ctl_cell(c, "cp_state", cp, sizeof cp),
                         offered,
                         power,
                         energy,
                         badge,
                         error};
    table_add_row(&t, row);
  }
  ctl_print_table(ctx, &t);
  meter_lines(ctx, json_object_get(answer, "connectors"));
  return CTL_EXIT_OK;
}
