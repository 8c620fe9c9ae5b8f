/*
 * bornectl command line -> ctl_command. Everything an operator can get wrong
 * on the command line is caught here, before anything is sent (exit code 2):
 * unknown verbs and options, missing or extra arguments, numbers out of
 * range, times that are not times. What only the daemon can know (does
 * connector 7 exist, is this badge known) is left to the daemon. Pure: no
 * I/O, no environment, no allocation.
 */
#include "util/ctl_args.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/errbuf.h"
#include "util/timefmt.h"
#include "util/url.h"

#define MAX_TOKENS 128

static const char usage_text[] =
    "usage: bornectl [--url URL] [--data-dir DIR] [--json] VERB ...\n"
    "\n"
    "  status                          station and connectors\n"
    "  sessions [--since T] [--until T] [--badge UID] [--user NAME] [--connector N] [--csv]\n"
    "  sessions ocmf ID                signed meter records (OCMF) of session ID\n"
    "  meter pubkey                    the OCMF signing public key (PEM; --json: hex DER too)\n"
    "  badges list | add UID [--user NAME] | remove UID | enable UID | disable UID\n"
    "  users list | add NAME | remove ID\n"
    "  get [KEY]                       effective settings\n"
    "  set KEY=VALUE [KEY=VALUE...]    change settings (all or nothing)\n"
    "  start C [--badge UID]           remote start on connector C\n"
    "  stop C                          remote stop on connector C\n"
    "  events [--after ID] [--follow]  the event log; --follow keeps printing new events\n"
    "  wait C STATUS [--timeout S]     until connector C has STATUS (default 60 s)\n"
    "  pin set owner|installer PIN|-   set a web page PIN (- reads it from stdin)\n"
    "  setup-code                      the code the web page asks for with the first PINs\n"
    "                                  (read from DIR/setup-code, nothing sent)\n"
    "  ocpp [url URL]                  back-end connection and OCPP keys; url: change the back "
    "end\n"
    "  config export                   every setting as JSON on stdout (secrets left out)\n"
    "  config import FILE|- [--dry-run]  apply an exported file (all or nothing)\n"
    "  tamper ack                      put the station back in service after a tamper alarm\n"
    "  network status|scan             interfaces, addresses, Wi-Fi networks in range\n"
    "  network join SSID [--psk KEY]   join a Wi-Fi network\n"
    "  network ethernet dhcp|static [ADDR/PREFIX] [--gateway IP] [--dns IP,IP]\n"
    "  network cellular APN [--user U] [--password P] [--pin PIN] [--network MCCMNC]\n"
    "                  [--auth auto|pap|chap|none]  set up the cellular modem\n"
    "  network ap on|off               open or close the setup Wi-Fi access point\n"
    "  help                            this text\n"
    "simulator (borned --sim):\n"
    "  plug C [--ev-max-current A] [--phases 1|3] [--battery-kwh K] [--soc P] [--target-soc P]\n"
    "  unplug C [--side both|ev|station]\n"
    "  ev C charge|pause|ventilation\n"
    "  tap UID\n"
    "  fault C rcd|diode|welding|lock|lockstuck|overtemp|cpshort|clear\n"
    "  tamper open|close               the simulated cover/tamper switch\n"
    "\n"
    "T: ISO-8601 (2026-01-31, 2026-01-31T18:00:00Z, ...+01:00) or epoch seconds.\n"
    "URL: --url, else $BORNE_URL, else " CTL_DEFAULT_URL ".\n"
    "Token: $BORNE_TOKEN, else DIR/api-token, DIR = --data-dir, else $BORNE_DATA_DIR,\n"
    "else " CTL_DEFAULT_DATA_DIR ".\n"
    "--json prints the API's JSON answer. Exit codes: 0 ok, 1 the API answered an error\n"
    "(or wait timed out), 2 usage error, 3 cannot reach borned.\n";

const char *ctl_usage(void) { return usage_text; }

typedef struct {
  const char *text;
  bool literal; /* after "--": never an option */
} token;

typedef struct {
  const char *name; /* without the leading "--" */
  bool takes_value;
  const char *value; /* set when seen; "" for a flag */
} opt_spec;

static bool is_option(const token *t) {
  return !t->literal && strncmp(t->text, "--", 2) == 0 && t->text[2] != '\0';
}

/* Splits verb arguments into options (by `specs`) and positionals. */
static int split_opts(const char *verb, const token *tok, int n, opt_spec *specs, int nspecs,
                      const char **pos, int *npos, int maxpos, char *err, size_t errlen) {
  *npos = 0;
  for (int i = 0; i < n; i++) {
    if (!is_option(&tok[i])) {
      if (*npos == maxpos)
        return errbuf_fail(err, errlen, "%s: unexpected argument `%s`", verb, tok[i].text);
      pos[(*npos)++] = tok[i].text;
      continue;
    }
    const char *name = tok[i].text + 2;
    const char *eq = strchr(name, '=');
    size_t name_len = eq ? (size_t)(eq - name) : strlen(name);
    opt_spec *spec = NULL;
    for (int s = 0; s < nspecs; s++)
      if (strlen(specs[s].name) == name_len && strncmp(specs[s].name, name, name_len) == 0)
        spec = &specs[s];
    if (!spec)
      return errbuf_fail(err, errlen, "%s: unknown option --%.*s", verb, (int)name_len, name);
    if (spec->value) return errbuf_fail(err, errlen, "%s: --%s given twice", verb, spec->name);
    if (!spec->takes_value) {
      if (eq) return errbuf_fail(err, errlen, "%s: --%s takes no value", verb, spec->name);
      spec->value = "";
    } else if (eq) {
      spec->value = eq + 1;
    } else if (i + 1 < n) {
      spec->value = tok[++i].text;
    } else {
      return errbuf_fail(err, errlen, "%s: --%s needs a value", verb, spec->name);
    }
  }
  return 0;
}

static int parse_integer(const char *text, long long min, long long max, long long *out) {
  if (!text || !*text) return -1;
  char *end;
  errno = 0;
  long long v = strtoll(text, &end, 10);
  if (errno || *end || v < min || v > max) return -1;
  *out = v;
  return 0;
}

static int parse_number(const char *text, double min, double max, double *out) {
  if (!text || !*text || strchr(" \t\n", text[0])) return -1;
  char *end;
  errno = 0;
  double v = strtod(text, &end);
  if (errno || *end || !isfinite(v) || v < min || v > max) return -1;
  *out = v;
  return 0;
}

static int parse_connector(const char *verb, const char *text, int *out, char *err, size_t errlen) {
  long long c;
  if (parse_integer(text, 1, CTL_MAX_CONNECTOR, &c) != 0)
    return errbuf_fail(err, errlen, "%s: connector `%s` is not a number from 1 to %d", verb, text,
                       CTL_MAX_CONNECTOR);
  *out = (int)c;
  return 0;
}

static int add_field(ctl_command *cmd, const char *key, ctl_value_kind kind, const char *text,
                     char *err, size_t errlen) {
  if (cmd->field_count == CTL_MAX_FIELDS)
    return errbuf_fail(err, errlen, "%s: more than %d values", cmd->verb, CTL_MAX_FIELDS);
  if (strlen(key) >= CTL_KEY_MAX)
    return errbuf_fail(err, errlen, "%s: key `%.40s...` too long", cmd->verb, key);
  if (strlen(text) >= CTL_TEXT_MAX)
    return errbuf_fail(err, errlen, "%s: value for %s too long (at most %d bytes)", cmd->verb, key,
                       CTL_TEXT_MAX - 1);
  for (int i = 0; i < cmd->field_count; i++)
    if (strcmp(cmd->fields[i].key, key) == 0)
      return errbuf_fail(err, errlen, "%s: %s given twice", cmd->verb, key);
  ctl_field *f = &cmd->fields[cmd->field_count++];
  snprintf(f->key, sizeof f->key, "%s", key);
  f->kind = kind;
  snprintf(f->text, sizeof f->text, "%s", text);
  cmd->has_body = true;
  return 0;
}

static int set_path(ctl_command *cmd, char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int set_path(ctl_command *cmd, char *err, size_t errlen, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(cmd->path, sizeof cmd->path, fmt, ap);
  va_end(ap);
  if (n < 0 || (size_t)n >= sizeof cmd->path)
    return errbuf_fail(err, errlen, "%s: arguments too long", cmd->verb);
  return 0;
}

/* Appends "?name=value" or "&name=value" (value percent-encoded) to the path. */
static int add_query(ctl_command *cmd, const char *name, const char *value, char *err,
                     size_t errlen) {
  char enc[CTL_TEXT_MAX * 3];
  size_t len = strlen(cmd->path);
  if (url_encode(value, strlen(value), enc, sizeof enc) < 0)
    return errbuf_fail(err, errlen, "%s: %s too long", cmd->verb, name);
  int n = snprintf(cmd->path + len, sizeof cmd->path - len, "%c%s=%s",
                   strchr(cmd->path, '?') ? '&' : '?', name, enc);
  if (n < 0 || (size_t)n >= sizeof cmd->path - len)
    return errbuf_fail(err, errlen, "%s: arguments too long", cmd->verb);
  return 0;
}

static int need_args(const char *verb, int npos, int min, int max, const char *shape, char *err,
                     size_t errlen) {
  if (npos < min || npos > max) return errbuf_fail(err, errlen, "%s: expected %s", verb, shape);
  return 0;
}

static int one_of(const char *word, const char *const *choices) {
  for (int i = 0; choices[i]; i++)
    if (strcmp(word, choices[i]) == 0) return i;
  return -1;
}

/* ---- verbs ---- */

static int verb_status(ctl_command *cmd, const token *tok, int n, char *err, size_t errlen) {
  const char *pos[1] = {0};
  int npos;
  if (split_opts("status", tok, n, NULL, 0, pos, &npos, 0, err, errlen)) return -1;
  cmd->method = "GET";
  cmd->view = CTL_VIEW_STATUS;
  return set_path(cmd, err, errlen, "/api/v1/status");
}

static int verb_plug(ctl_command *cmd, const token *tok, int n, char *err, size_t errlen) {
  opt_spec specs[] = {{"ev-max-current", true, NULL},
                      {"phases", true, NULL},
                      {"battery-kwh", true, NULL},
                      {"soc", true, NULL},
                      {"target-soc", true, NULL}};
  const char *pos[1] = {0};
  int npos, c = 0;
  if (split_opts("plug", tok, n, specs, 5, pos, &npos, 1, err, errlen) ||
      need_args("plug", npos, 1, 1, "plug C [options]", err, errlen) ||
      parse_connector("plug", pos[0], &c, err, errlen))
    return -1;
  /* Ranges the simulated EV accepts (IEC 61851-1 allows 1- and 3-phase AC only). */
  static const struct {
    const char *json;
    double min, max;
    const char *what;
  } num[] = {{"ev_max_current_a", 1, 80, "a current from 1 to 80 A"},
             {NULL, 0, 0, NULL},
             {"battery_kwh", 1, 500, "a capacity from 1 to 500 kWh"},
             {"soc_pct", 0, 100, "a percentage from 0 to 100"},
             {"target_soc_pct", 0, 100, "a percentage from 0 to 100"}};
  for (int i = 0; i < 5; i++) {
    const char *v = specs[i].value;
    if (!v) continue;
    if (i == 1) {
      if (strcmp(v, "1") != 0 && strcmp(v, "3") != 0)
        return errbuf_fail(err, errlen, "plug: --phases `%s` is not allowed (1 or 3)", v);
      if (add_field(cmd, "phases", CTL_VAL_INTEGER, v, err, errlen)) return -1;
      continue;
    }
    double d;
    if (parse_number(v, num[i].min, num[i].max, &d) != 0)
      return errbuf_fail(err, errlen, "plug: --%s `%s` is not %s", specs[i].name, v, num[i].what);
    if (add_field(cmd, num[i].json, CTL_VAL_NUMBER, v, err, errlen)) return -1;
  }
  if (specs[3].value && specs[4].value && atof(specs[4].value) < atof(specs[3].value))
    return errbuf_fail(err, errlen, "plug: --target-soc is below --soc");
  cmd->method = "POST";
  cmd->has_body = true;
  cmd->view = CTL_VIEW_DONE;
  cmd->connector = c;
  snprintf(cmd->done, sizeof cmd->done, "connector %d: plugged", c);
  return set_path(cmd, err, errlen, "/api/v1/sim/connectors/%d/plug", c);
}

static int verb_connector_only(ctl_command *cmd, const char *verb, const char *path_fmt,
                               const char *done, const token *tok, int n, char *err,
                               size_t errlen) {
  const char *pos[1] = {0};
  int npos, c = 0;
  if (split_opts(verb, tok, n, NULL, 0, pos, &npos, 1, err, errlen) ||
      need_args(verb, npos, 1, 1, "a connector number", err, errlen) ||
      parse_connector(verb, pos[0], &c, err, errlen))
    return -1;
  cmd->method = "POST";
  cmd->has_body = true;
  cmd->view = CTL_VIEW_DONE;
  cmd->connector = c;
  snprintf(cmd->done, sizeof cmd->done, "connector %d: %s", c, done);
  return set_path(cmd, err, errlen, path_fmt, c);
}

/* `unplug C [--side both|ev|station]`: the whole cable, the car's side only
 * (the cable left in the socket), or that cable out of the socket. */
static int verb_unplug(ctl_command *cmd, const token *tok, int n, char *err, size_t errlen) {
  opt_spec specs[] = {{"side", true, NULL}};
  const char *pos[1] = {0};
  int npos, c = 0;
  if (split_opts("unplug", tok, n, specs, 1, pos, &npos, 1, err, errlen) ||
      need_args("unplug", npos, 1, 1, "unplug C [--side both|ev|station]", err, errlen) ||
      parse_connector("unplug", pos[0], &c, err, errlen))
    return -1;
  static const char *const sides[] = {"both", "ev", "station", NULL};
  static const char *const done[] = {"unplugged", "unplugged on the EV side",
                                     "cable out of the socket"};
  int side = 0;
  if (specs[0].value) {
    side = one_of(specs[0].value, sides);
    if (side < 0)
      return errbuf_fail(err, errlen, "unplug: --side `%s` is not both, ev or station",
                         specs[0].value);
    if (add_field(cmd, "side", CTL_VAL_STRING, specs[0].value, err, errlen)) return -1;
  }
  cmd->method = "POST";
  cmd->has_body = true;
  cmd->view = CTL_VIEW_DONE;
  cmd->connector = c;
  snprintf(cmd->done, sizeof cmd->done, "connector %d: %s", c, done[side]);
  return set_path(cmd, err, errlen, "/api/v1/sim/connectors/%d/unplug", c);
}

/* `ev C STATE` and `fault C KIND`: a connector and one word from a list. */
static int verb_connector_word(ctl_command *cmd, const char *verb, const char *member,
                               const char *const *choices, const char *choice_text,
                               const token *tok, int n, char *err, size_t errlen) {
  const char *pos[2] = {0};
  int npos, c = 0;
  char shape[160];
  snprintf(shape, sizeof shape, "%s C %s", verb, choice_text);
  if (split_opts(verb, tok, n, NULL, 0, pos, &npos, 2, err, errlen) ||
      need_args(verb, npos, 2, 2, shape, err, errlen) ||
      parse_connector(verb, pos[0], &c, err, errlen))
    return -1;
  if (one_of(pos[1], choices) < 0)
    return errbuf_fail(err, errlen, "%s: `%s` is not %s", verb, pos[1], choice_text);
  if (add_field(cmd, member, CTL_VAL_STRING, pos[1], err, errlen)) return -1;
  cmd->method = "POST";
  cmd->view = CTL_VIEW_DONE;
  cmd->connector = c;
  snprintf(cmd->done, sizeof cmd->done, "connector %d: %s %s", c, verb, pos[1]);
  return set_path(cmd, err, errlen, "/api/v1/sim/connectors/%d/%s", c, verb);
}

static int verb_tap(ctl_command *cmd, const token *tok, int n, char *err, size_t errlen) {
  const char *pos[1] = {0};
  int npos;
  if (split_opts("tap", tok, n, NULL, 0, pos, &npos, 1, err, errlen) ||
      need_args("tap", npos, 1, 1, "tap UID", err, errlen) ||
      add_field(cmd, "uid", CTL_VAL_STRING, pos[0], err, errlen))
    return -1;
  if (!pos[0][0]) return errbuf_fail(err, errlen, "tap: empty badge UID");
  cmd->method = "POST";
  cmd->view = CTL_VIEW_DONE;
  snprintf(cmd->done, sizeof cmd->done, "badge %.200s presented", pos[0]);
  return set_path(cmd, err, errlen, "/api/v1/sim/tap");
}

/* tamper ack (POST /api/v1/tamper/ack); tamper open|close: the simulator's
 * cover switch (POST /api/v1/sim/tamper). */
static int verb_tamper(ctl_command *cmd, const token *tok, int n, char *err, size_t errlen) {
  const char *pos[1] = {0};
  int npos;
  static const char *const words[] = {"ack", "open", "close", NULL};
  if (split_opts("tamper", tok, n, NULL, 0, pos, &npos, 1, err, errlen) ||
      need_args("tamper", npos, 1, 1, "tamper ack|open|close", err, errlen))
    return -1;
  int w = one_of(pos[0], words);
  if (w < 0) return errbuf_fail(err, errlen, "tamper: `%s` is not ack, open or close", pos[0]);
  cmd->method = "POST";
  cmd->view = CTL_VIEW_DONE;
  if (w == 0) {
    cmd->has_body = true; /* {}: the server wants a Content-Length on a POST */
    snprintf(cmd->done, sizeof cmd->done, "tamper alarm acknowledged: back in service");
    return set_path(cmd, err, errlen, "/api/v1/tamper/ack");
  }
  if (add_field(cmd, "open", CTL_VAL_BOOL, w == 1 ? "true" : "false", err, errlen)) return -1;
  snprintf(cmd->done, sizeof cmd->done, "simulated cover %s", w == 1 ? "opened" : "closed");
  return set_path(cmd, err, errlen, "/api/v1/sim/tamper");
}

/* network status|scan|join|ethernet|cellular|ap (GET /api/v1/network,
 * POST /api/v1/network/{action}; docs/network.md). */
static int verb_network(ctl_command *cmd, const token *tok, int n, char *err, size_t errlen) {
  const char *pos[3] = {0};
  int npos;
  opt_spec specs[] = {{"psk", true, NULL},     {"gateway", true, NULL},  {"dns", true, NULL},
                      {"user", true, NULL},    {"password", true, NULL}, {"pin", true, NULL},
                      {"network", true, NULL}, {"auth", true, NULL}};
  enum { NSPECS = sizeof specs / sizeof specs[0] };
  static const char shape[] = "network status|scan|join SSID|ethernet dhcp|static ADDR|"
                              "cellular APN|ap on|off";
  static const char *const words[] = {"status", "scan", "join", "ethernet", "cellular", "ap", NULL};
  if (split_opts("network", tok, n, specs, NSPECS, pos, &npos, 3, err, errlen) ||
      need_args("network", npos, 1, 3, shape, err, errlen))
    return -1;
  int w = one_of(pos[0], words);
  if (w < 0) return errbuf_fail(err, errlen, "network: expected %s", shape);
  static const int want[] = {1, 1, 2, 2, 2, 2}; /* positionals with the word */
  bool ethernet_static = w == 3 && npos > 1 && strcmp(pos[1], "static") == 0;
  int need = ethernet_static ? 3 : want[w];
  if (npos != need) return errbuf_fail(err, errlen, "network: expected %s", shape);
  bool cellular_opts = false;
  for (int i = 3; i < NSPECS; i++) cellular_opts = cellular_opts || specs[i].value;
  if ((specs[0].value && w != 2) || ((specs[1].value || specs[2].value) && !ethernet_static) ||
      (cellular_opts && w != 4))
    return errbuf_fail(err, errlen,
                       "network: --psk goes with join, --gateway and --dns with "
                       "ethernet static, --user, --password, --pin, --network and --auth "
                       "with cellular");
  cmd->view = CTL_VIEW_NETWORK;
  if (w == 0) {
    cmd->method = "GET";
    return set_path(cmd, err, errlen, "/api/v1/network");
  }
  cmd->method = "POST";
  cmd->has_body = true;
  static const char *const actions[] = {"", "scan", "join", "ethernet", "cellular", "setup_ap"};
  if (set_path(cmd, err, errlen, "/api/v1/network/%s", actions[w])) return -1;
  switch (w) {
  case 2:
    if (add_field(cmd, "ssid", CTL_VAL_STRING, pos[1], err, errlen)) return -1;
    return specs[0].value ? add_field(cmd, "psk", CTL_VAL_STRING, specs[0].value, err, errlen) : 0;
  case 3:
    if (strcmp(pos[1], "dhcp") != 0 && !ethernet_static)
      return errbuf_fail(err, errlen, "network ethernet: `%s` is not dhcp or static", pos[1]);
    if (add_field(cmd, "method", CTL_VAL_STRING, pos[1], err, errlen)) return -1;
    if (!ethernet_static) return 0;
    if (add_field(cmd, "address", CTL_VAL_STRING, pos[2], err, errlen)) return -1;
    if (specs[1].value && add_field(cmd, "gateway", CTL_VAL_STRING, specs[1].value, err, errlen))
      return -1;
    return specs[2].value ? add_field(cmd, "dns", CTL_VAL_STRING, specs[2].value, err, errlen) : 0;
  case 4: {
    if (add_field(cmd, "apn", CTL_VAL_STRING, pos[1], err, errlen)) return -1;
    static const char *const members[] = {"username", "password", "pin", "network", "auth"};
    for (int i = 3; i < NSPECS; i++)
      if (specs[i].value &&
          add_field(cmd, members[i - 3], CTL_VAL_STRING, specs[i].value, err, errlen))
        return -1;
    return 0;
  }
  case 5: {
    static const char *const onoff[] = {"on", "off", NULL};
    int o = one_of(pos[1], onoff);
    if (o < 0) return errbuf_fail(err, errlen, "network ap: `%s` is not on or off", pos[1]);
    return add_field(cmd, "on", CTL_VAL_BOOL, o == 0 ? "true" : "false", err, errlen);
  }
  default:
    return 0; /* scan: {} */
  }
}

/* pin set owner|installer PIN: the web page's PINs (POST /api/v1/web/pin). A
 * PIN of "-" is read from stdin by bornectl, so it stays out of `ps`. */
static int verb_pin(ctl_command *cmd, const token *tok, int n, char *err, size_t errlen) {
  const char *pos[3] = {0};
  int npos;
  static const char shape[] = "pin set owner|installer PIN|-";
  static const char *const roles[] = {"owner", "installer", NULL};
  if (split_opts("pin", tok, n, NULL, 0, pos, &npos, 3, err, errlen) ||
      need_args("pin", npos, 3, 3, shape, err, errlen))
    return -1;
  if (strcmp(pos[0], "set") != 0) return errbuf_fail(err, errlen, "pin: expected %s", shape);
  if (one_of(pos[1], roles) < 0)
    return errbuf_fail(err, errlen, "pin set: `%s` is not owner or installer", pos[1]);
  if (add_field(cmd, "role", CTL_VAL_STRING, pos[1], err, errlen) ||
      add_field(cmd, "pin", CTL_VAL_STRING, pos[2], err, errlen))
    return -1;
  cmd->verb = "pin set";
  cmd->method = "POST";
  cmd->view = CTL_VIEW_DONE;
  snprintf(cmd->done, sizeof cmd->done, "%s PIN set", pos[1]);
  return set_path(cmd, err, errlen, "/api/v1/web/pin");
}

/* ocpp: the back-end connection and the OCPP configuration keys
 * (GET /api/v1/ocpp); ocpp url URL: set ocpp.url (the station reconnects
 * at once, no restart). */
static int verb_ocpp(ctl_command *cmd, const token *tok, int n, char *err, size_t errlen) {
  const char *pos[2] = {0};
  int npos;
  static const char shape[] = "ocpp [url URL]";
  if (split_opts("ocpp", tok, n, NULL, 0, pos, &npos, 2, err, errlen)) return -1;
  if (npos == 0) {
    cmd->method = "GET";
    cmd->view = CTL_VIEW_OCPP;
    return set_path(cmd, err, errlen, "/api/v1/ocpp");
  }
  if (npos != 2 || strcmp(pos[0], "url") != 0)
    return errbuf_fail(err, errlen, "ocpp: expected %s", shape);
  if (add_field(cmd, "ocpp.url", CTL_VAL_STRING, pos[1], err, errlen)) return -1;
  cmd->verb = "ocpp url";
  cmd->method = "PUT";
  cmd->view = CTL_VIEW_APPLIED;
  return set_path(cmd, err, errlen, "/api/v1/settings");
}

/* config export | config import FILE [--dry-run]: the whole configuration
 * (GET /api/v1/config/export, POST /api/v1/config/import). */
static int verb_config(ctl_command *cmd, const token *tok, int n, char *err, size_t errlen) {
  opt_spec specs[] = {{"dry-run", false, NULL}};
  const char *pos[2] = {0};
  int npos;
  static const char shape[] = "config export | config import FILE|- [--dry-run]";
  if (split_opts("config", tok, n, specs, 1, pos, &npos, 2, err, errlen)) return -1;
  if (npos == 1 && strcmp(pos[0], "export") == 0 && !specs[0].value) {
    cmd->verb = "config export";
    cmd->method = "GET";
    cmd->view = CTL_VIEW_RAW;
    return set_path(cmd, err, errlen, "/api/v1/config/export");
  }
  if (npos != 2 || strcmp(pos[0], "import") != 0)
    return errbuf_fail(err, errlen, "config: expected %s", shape);
  if (!pos[1][0]) return errbuf_fail(err, errlen, "config import: empty file name");
  snprintf(cmd->body_file, sizeof cmd->body_file, "%s", pos[1]);
  cmd->verb = "config import";
  cmd->method = "POST";
  cmd->view = CTL_VIEW_IMPORT;
  if (set_path(cmd, err, errlen, "/api/v1/config/import")) return -1;
  return specs[0].value ? add_query(cmd, "dry_run", "1", err, errlen) : 0;
}

static int time_query(ctl_command *cmd, const char *opt, const char *text, int64_t *ms, char *err,
                      size_t errlen) {
  if (timefmt_parse(text, ms) != 0)
    return errbuf_fail(
        err, errlen,
        "sessions: --%s `%s` is not an ISO-8601 time (2026-01-31T18:00:00Z) or epoch "
        "seconds",
        opt, text);
  char iso[40];
  timefmt_iso(*ms, iso, sizeof iso);
  return add_query(cmd, opt, iso, err, errlen);
}

/* sessions ocmf ID: the signed meter records of one session. */
static int verb_sessions_ocmf(ctl_command *cmd, const token *tok, int n, char *err, size_t errlen) {
  const char *pos[1] = {0};
  int npos;
  if (split_opts("sessions ocmf", tok, n, NULL, 0, pos, &npos, 1, err, errlen) ||
      need_args("sessions ocmf", npos, 1, 1, "sessions ocmf ID", err, errlen))
    return -1;
  char *end;
  errno = 0;
  long long id = strtoll(pos[0], &end, 10);
  if (errno || end == pos[0] || *end || id < 1)
    return errbuf_fail(err, errlen, "sessions ocmf: `%s` is not a session id (a positive integer)",
                       pos[0]);
  cmd->verb = "sessions ocmf";
  cmd->method = "GET";
  cmd->view = CTL_VIEW_OCMF;
  return set_path(cmd, err, errlen, "/api/v1/sessions/%lld/ocmf", id);
}

/* meter pubkey: the public key that verifies the station's OCMF records. */
static int verb_meter(ctl_command *cmd, const token *tok, int n, char *err, size_t errlen) {
  const char *pos[1] = {0};
  int npos;
  if (split_opts("meter", tok, n, NULL, 0, pos, &npos, 1, err, errlen) ||
      need_args("meter", npos, 1, 1, "meter pubkey", err, errlen))
    return -1;
  if (strcmp(pos[0], "pubkey") != 0)
    return errbuf_fail(err, errlen, "meter: `%s` is not a meter command (meter pubkey)", pos[0]);
  cmd->verb = "meter pubkey";
  cmd->method = "GET";
  cmd->view = CTL_VIEW_PUBKEY;
  return set_path(cmd, err, errlen, "/api/v1/ocmf/pubkey");
}

static int verb_sessions(ctl_command *cmd, const token *tok, int n, char *err, size_t errlen) {
  if (n > 0 && !tok[0].literal && strcmp(tok[0].text, "ocmf") == 0)
    return verb_sessions_ocmf(cmd, tok + 1, n - 1, err, errlen);
  opt_spec specs[] = {{"since", true, NULL}, {"until", true, NULL},     {"badge", true, NULL},
                      {"user", true, NULL},  {"connector", true, NULL}, {"csv", false, NULL}};
  const char *pos[1] = {0};
  int npos;
  if (split_opts("sessions", tok, n, specs, 6, pos, &npos, 0, err, errlen)) return -1;
  cmd->method = "GET";
  if (set_path(cmd, err, errlen, "/api/v1/sessions")) return -1;
  int64_t since = 0, until = 0;
  if (specs[0].value && time_query(cmd, "since", specs[0].value, &since, err, errlen)) return -1;
  if (specs[1].value && time_query(cmd, "until", specs[1].value, &until, err, errlen)) return -1;
  if (specs[0].value && specs[1].value && since > until)
    return errbuf_fail(err, errlen, "sessions: --since is after --until");
  if (specs[2].value && add_query(cmd, "badge", specs[2].value, err, errlen)) return -1;
  if (specs[3].value && add_query(cmd, "user", specs[3].value, err, errlen)) return -1;
  if (specs[4].value) {
    int c;
    if (parse_connector("sessions", specs[4].value, &c, err, errlen) ||
        add_query(cmd, "connector", specs[4].value, err, errlen))
      return -1;
  }
  cmd->view = CTL_VIEW_SESSIONS;
  if (specs[5].value) {
    cmd->view = CTL_VIEW_CSV;
    if (add_query(cmd, "format", "csv", err, errlen)) return -1;
  }
  return 0;
}

static int verb_badges(ctl_command *cmd, const token *tok, int n, char *err, size_t errlen) {
  opt_spec specs[] = {{"user", true, NULL}};
  const char *pos[2] = {0};
  int npos;
  static const char shape[] = "badges list|add UID [--user NAME]|remove UID|enable UID|disable UID";
  if (split_opts("badges", tok, n, specs, 1, pos, &npos, 2, err, errlen) ||
      need_args("badges", npos, 1, 2, shape, err, errlen))
    return -1;
  static const char *const subs[] = {"list", "add", "remove", "enable", "disable", NULL};
  int sub = one_of(pos[0], subs);
  if (sub < 0)
    return errbuf_fail(err, errlen, "badges: `%s` is not list, add, remove, enable or disable",
                       pos[0]);
  if ((sub == 0) != (npos == 1)) return errbuf_fail(err, errlen, "badges: expected %s", shape);
  if (specs[0].value && sub != 1)
    return errbuf_fail(err, errlen, "badges %s: unknown option --user", pos[0]);
  if (sub == 0) {
    cmd->verb = "badges list";
    cmd->method = "GET";
    cmd->view = CTL_VIEW_BADGES;
    return set_path(cmd, err, errlen, "/api/v1/badges");
  }
  const char *uid = pos[1];
  if (!uid[0]) return errbuf_fail(err, errlen, "badges %s: empty badge UID", pos[0]);
  if (sub == 1) {
    cmd->verb = "badges add";
    if (add_field(cmd, "uid", CTL_VAL_STRING, uid, err, errlen)) return -1;
    if (specs[0].value && add_field(cmd, "user", CTL_VAL_STRING, specs[0].value, err, errlen))
      return -1;
    cmd->method = "POST";
    cmd->view = CTL_VIEW_BADGE;
    snprintf(cmd->done, sizeof cmd->done, "added");
    return set_path(cmd, err, errlen, "/api/v1/badges");
  }
  char seg[CTL_TEXT_MAX * 3];
  if (ctl_uid_segment(uid, seg, sizeof seg) != 0)
    return errbuf_fail(err, errlen, "badges: UID too long");
  if (sub == 2) {
    cmd->verb = "badges remove";
    cmd->method = "DELETE";
    cmd->view = CTL_VIEW_DONE;
    snprintf(cmd->done, sizeof cmd->done, "badge %.200s removed", uid);
  } else {
    cmd->verb = sub == 3 ? "badges enable" : "badges disable";
    if (add_field(cmd, "enabled", CTL_VAL_BOOL, sub == 3 ? "true" : "false", err, errlen))
      return -1;
    cmd->method = "PUT";
    cmd->view = CTL_VIEW_BADGE;
    snprintf(cmd->done, sizeof cmd->done, "%s", sub == 3 ? "enabled" : "disabled");
  }
  return set_path(cmd, err, errlen, "/api/v1/badges/%s", seg);
}

static int verb_users(ctl_command *cmd, const token *tok, int n, char *err, size_t errlen) {
  const char *pos[2] = {0};
  int npos;
  static const char shape[] = "users list|add NAME|remove ID";
  if (split_opts("users", tok, n, NULL, 0, pos, &npos, 2, err, errlen) ||
      need_args("users", npos, 1, 2, shape, err, errlen))
    return -1;
  static const char *const subs[] = {"list", "add", "remove", NULL};
  int sub = one_of(pos[0], subs);
  if (sub < 0) return errbuf_fail(err, errlen, "users: `%s` is not list, add or remove", pos[0]);
  if ((sub == 0) != (npos == 1)) return errbuf_fail(err, errlen, "users: expected %s", shape);
  if (sub == 0) {
    cmd->verb = "users list";
    cmd->method = "GET";
    cmd->view = CTL_VIEW_USERS;
    return set_path(cmd, err, errlen, "/api/v1/users");
  }
  if (sub == 1) {
    cmd->verb = "users add";
    if (!pos[1][0]) return errbuf_fail(err, errlen, "users add: empty name");
    if (add_field(cmd, "name", CTL_VAL_STRING, pos[1], err, errlen)) return -1;
    cmd->method = "POST";
    cmd->view = CTL_VIEW_USER;
    snprintf(cmd->done, sizeof cmd->done, "added");
    return set_path(cmd, err, errlen, "/api/v1/users");
  }
  cmd->verb = "users remove";
  long long id;
  if (parse_integer(pos[1], 1, 9007199254740991LL, &id) != 0)
    return errbuf_fail(err, errlen,
                       "users remove: `%s` is not a user id (see `bornectl users list`)", pos[1]);
  cmd->method = "DELETE";
  cmd->view = CTL_VIEW_DONE;
  snprintf(cmd->done, sizeof cmd->done, "user %lld removed", id);
  return set_path(cmd, err, errlen, "/api/v1/users/%lld", id);
}

static int verb_set(ctl_command *cmd, const token *tok, int n, char *err, size_t errlen) {
  const char *pos[CTL_MAX_FIELDS] = {0};
  int npos;
  if (split_opts("set", tok, n, NULL, 0, pos, &npos, CTL_MAX_FIELDS, err, errlen) ||
      need_args("set", npos, 1, CTL_MAX_FIELDS, "set KEY=VALUE [KEY=VALUE...]", err, errlen))
    return -1;
  for (int i = 0; i < npos; i++) {
    const char *eq = strchr(pos[i], '=');
    if (!eq || eq == pos[i]) return errbuf_fail(err, errlen, "set: `%s` is not KEY=VALUE", pos[i]);
    char key[CTL_KEY_MAX];
    if ((size_t)(eq - pos[i]) >= sizeof key) return errbuf_fail(err, errlen, "set: key too long");
    snprintf(key, sizeof key, "%.*s", (int)(eq - pos[i]), pos[i]);
    if (add_field(cmd, key, CTL_VAL_GUESS, eq + 1, err, errlen)) return -1;
  }
  cmd->method = "PUT";
  cmd->view = CTL_VIEW_APPLIED;
  return set_path(cmd, err, errlen, "/api/v1/settings");
}

static int verb_get(ctl_command *cmd, const token *tok, int n, char *err, size_t errlen) {
  const char *pos[1] = {0};
  int npos;
  if (split_opts("get", tok, n, NULL, 0, pos, &npos, 1, err, errlen)) return -1;
  if (npos == 1) {
    if (strlen(pos[0]) >= sizeof cmd->key) return errbuf_fail(err, errlen, "get: key too long");
    snprintf(cmd->key, sizeof cmd->key, "%s", pos[0]);
  }
  cmd->method = "GET";
  cmd->view = CTL_VIEW_SETTINGS;
  return set_path(cmd, err, errlen, "/api/v1/settings");
}

static int verb_start(ctl_command *cmd, const token *tok, int n, char *err, size_t errlen) {
  opt_spec specs[] = {{"badge", true, NULL}};
  const char *pos[1] = {0};
  int npos, c = 0;
  if (split_opts("start", tok, n, specs, 1, pos, &npos, 1, err, errlen) ||
      need_args("start", npos, 1, 1, "start C [--badge UID]", err, errlen) ||
      parse_connector("start", pos[0], &c, err, errlen))
    return -1;
  if (specs[0].value && add_field(cmd, "badge", CTL_VAL_STRING, specs[0].value, err, errlen))
    return -1;
  cmd->method = "POST";
  cmd->has_body = true;
  cmd->view = CTL_VIEW_DONE;
  cmd->connector = c;
  snprintf(cmd->done, sizeof cmd->done, "connector %d: remote start accepted", c);
  return set_path(cmd, err, errlen, "/api/v1/connectors/%d/start", c);
}

static int verb_events(ctl_command *cmd, const token *tok, int n, char *err, size_t errlen) {
  opt_spec specs[] = {{"after", true, NULL}, {"follow", false, NULL}};
  const char *pos[1] = {0};
  int npos;
  if (split_opts("events", tok, n, specs, 2, pos, &npos, 0, err, errlen)) return -1;
  if (specs[0].value && parse_integer(specs[0].value, 0, 9007199254740991LL, &cmd->after) != 0)
    return errbuf_fail(err, errlen, "events: --after `%s` is not an event id", specs[0].value);
  cmd->follow = specs[1].value != NULL;
  cmd->run = CTL_RUN_EVENTS;
  cmd->method = "GET";
  return set_path(cmd, err, errlen, "/api/v1/events");
}

static int verb_wait(ctl_command *cmd, const token *tok, int n, char *err, size_t errlen) {
  opt_spec specs[] = {{"timeout", true, NULL}};
  const char *pos[2] = {0};
  int npos;
  if (split_opts("wait", tok, n, specs, 1, pos, &npos, 2, err, errlen) ||
      need_args("wait", npos, 2, 2, "wait C STATUS [--timeout S]", err, errlen) ||
      parse_connector("wait", pos[0], &cmd->connector, err, errlen))
    return -1;
  const char *status = ctl_status_canonical(pos[1]);
  if (!status)
    return errbuf_fail(err, errlen,
                       "wait: `%s` is not an OCPP 1.6 status (Available, Preparing, Charging, "
                       "SuspendedEV, SuspendedEVSE, Finishing, Reserved, Unavailable, Faulted)",
                       pos[1]);
  snprintf(cmd->status, sizeof cmd->status, "%s", status);
  cmd->timeout_s = 60;
  if (specs[0].value && parse_number(specs[0].value, 0.001, 86400, &cmd->timeout_s) != 0)
    return errbuf_fail(err, errlen, "wait: --timeout `%s` is not a number of seconds (up to 86400)",
                       specs[0].value);
  cmd->run = CTL_RUN_WAIT;
  cmd->method = "GET";
  return set_path(cmd, err, errlen, "/api/v1/status");
}

int ctl_parse(int argc, char *const argv[], ctl_globals *g, ctl_command *cmd, char *err,
              size_t errlen) {
  memset(g, 0, sizeof *g);
  memset(cmd, 0, sizeof *cmd);
  cmd->run = CTL_RUN_REQUEST;
  if (errlen) err[0] = '\0';
  token tok[MAX_TOKENS];
  int n = 0;
  bool literal = false, help = false;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!literal) {
      if (strcmp(a, "--") == 0) {
        literal = true;
        continue;
      }
      if (strcmp(a, "--json") == 0) {
        g->json = true;
        continue;
      }
      if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
        help = true;
        continue;
      }
      bool is_url = strncmp(a, "--url", 5) == 0 && (a[5] == '\0' || a[5] == '=');
      bool is_dir = strncmp(a, "--data-dir", 10) == 0 && (a[10] == '\0' || a[10] == '=');
      if (is_url || is_dir) {
        const char *name = is_url ? "--url" : "--data-dir";
        const char *v = strchr(a, '=');
        if (v) {
          v++;
        } else if (i + 1 < argc) {
          v = argv[++i];
        } else {
          return errbuf_fail(err, errlen, "%s needs a value", name);
        }
        char *dst = is_url ? g->url : g->data_dir;
        size_t cap = is_url ? sizeof g->url : sizeof g->data_dir;
        if (!*v) return errbuf_fail(err, errlen, "%s: empty value", name);
        if (strlen(v) >= cap) return errbuf_fail(err, errlen, "%s: value too long", name);
        snprintf(dst, cap, "%s", v);
        *(is_url ? &g->url_given : &g->data_dir_given) = true;
        continue;
      }
    }
    if (n == MAX_TOKENS) return errbuf_fail(err, errlen, "too many arguments");
    tok[n++] = (token){a, literal};
  }
  if (help) {
    cmd->run = CTL_RUN_HELP;
    cmd->verb = "help";
    return 0;
  }
  if (n == 0) return errbuf_fail(err, errlen, "no verb given");
  const char *verb = tok[0].text;
  const token *rest = tok + 1;
  int nrest = n - 1;
  static const char *const ev_states[] = {"charge", "pause", "ventilation", NULL};
  static const char *const faults[] = {"rcd",      "diode",   "welding", "lock", "lockstuck",
                                       "overtemp", "cpshort", "clear",   NULL};
  static const char *const verbs[] = {
      "status", "plug", "unplug", "ev",    "tap",        "fault",  "sessions", "badges",
      "users",  "set",  "get",    "start", "stop",       "events", "wait",     "help",
      "pin",    "ocpp", "config", "meter", "setup-code", "tamper", "network",  NULL};
  int v = tok[0].literal ? -1 : one_of(verb, verbs);
  if (v < 0) return errbuf_fail(err, errlen, "unknown verb `%s`", verb);
  cmd->verb = verbs[v];
  switch (v) {
  case 0:
    return verb_status(cmd, rest, nrest, err, errlen);
  case 1:
    return verb_plug(cmd, rest, nrest, err, errlen);
  case 2:
    return verb_unplug(cmd, rest, nrest, err, errlen);
  case 3:
    return verb_connector_word(cmd, "ev", "state", ev_states, "charge, pause or ventilation", rest,
                               nrest, err, errlen);
  case 4:
    return verb_tap(cmd, rest, nrest, err, errlen);
  case 5:
    return verb_connector_word(cmd, "fault", "kind", faults,
                               "rcd, diode, welding, lock, lockstuck, overtemp, cpshort or clear",
                               rest, nrest, err, errlen);
  case 6:
    return verb_sessions(cmd, rest, nrest, err, errlen);
  case 7:
    return verb_badges(cmd, rest, nrest, err, errlen);
  case 8:
    return verb_users(cmd, rest, nrest, err, errlen);
  case 9:
    return verb_set(cmd, rest, nrest, err, errlen);
  case 10:
    return verb_get(cmd, rest, nrest, err, errlen);
  case 11:
    return verb_start(cmd, rest, nrest, err, errlen);
  case 12:
    return verb_connector_only(cmd, "stop", "/api/v1/connectors/%d/stop", "remote stop accepted",
                               rest, nrest, err, errlen);
  case 13:
    return verb_events(cmd, rest, nrest, err, errlen);
  case 14:
    return verb_wait(cmd, rest, nrest, err, errlen);
  case 16:
    return verb_pin(cmd, rest, nrest, err, errlen);
  case 17:
    return verb_ocpp(cmd, rest, nrest, err, errlen);
  case 18:
    return verb_config(cmd, rest, nrest, err, errlen);
  case 19:
    return verb_meter(cmd, rest, nrest, err, errlen);
  case 20:
    if (nrest > 0) return errbuf_fail(err, errlen, "setup-code: takes no arguments");
    cmd->run = CTL_RUN_SETUP_CODE;
    return 0;
  case 21:
    return verb_tamper(cmd, rest, nrest, err, errlen);
  case 22:
    return verb_network(cmd, rest, nrest, err, errlen);
  default:
    if (nrest > 0) return errbuf_fail(err, errlen, "help: takes no arguments");
    cmd->run = CTL_RUN_HELP;
    return 0;
  }
}

void ctl_resolve_url(const ctl_globals *g, const char *env_url, char *out, size_t len) {
  const char *url = g->url_given ? g->url : env_url && *env_url ? env_url : CTL_DEFAULT_URL;
  snprintf(out, len, "%s", url);
  size_t n = strlen(out);
  while (n > 0 && out[n - 1] == '/') out[--n] = '\0';
}

void ctl_data_path(const ctl_globals *g, const char *env_data_dir, const char *name, char *out,
                   size_t len) {
  const char *dir = g->data_dir_given               ? g->data_dir
                    : env_data_dir && *env_data_dir ? env_data_dir
                                                    : CTL_DEFAULT_DATA_DIR;
  size_t n = strlen(dir);
  snprintf(out, len, "%s%s%s", dir, n > 0 && dir[n - 1] == '/' ? "" : "/", name);
}

void ctl_token_path(const ctl_globals *g, const char *env_data_dir, char *out, size_t len) {
  ctl_data_path(g, env_data_dir, "api-token", out, len);
}

const char *ctl_status_canonical(const char *name) {
  static const char *const names[] = {"Available",     "Preparing", "Charging", "SuspendedEV",
                                      "SuspendedEVSE", "Finishing", "Reserved", "Unavailable",
                                      "Faulted",       NULL};
  for (int i = 0; names[i]; i++)
    if (strcasecmp(name, names[i]) == 0) return names[i];
  return NULL;
}

int ctl_uid_segment(const char *uid, char *out, size_t len) {
  bool hex_only = *uid != '\0';
  size_t digits = 0;
  for (const char *p = uid; *p; p++) {
    if ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') || (*p >= 'A' && *p <= 'F'))
      digits++;
    else if (!strchr(":- ", *p))
      hex_only = false;
  }
  if (!hex_only || digits == 0) return url_encode(uid, strlen(uid), out, len) < 0 ? -1 : 0;
  if (digits >= len) return -1;
  size_t o = 0;
  for (const char *p = uid; *p; p++)
    if (!strchr(":- ", *p)) out[o++] = (char)(*p >= 'a' && *p <= 'f' ? *p - 'a' + 'A' : *p);
  out[o] = '\0';
  return 0;
}
