/*
 * The configuration value: keys explicitly set, validated against the
 * registry and stored in canonical text, with the defaults behind them; and
 * the cross-key checks. Every refusal is an error value naming the key and
 * the reason; this file must never print, exit, or accept a value it cannot
 * read back.
 */
#include "config/config.h"
#include "config/config_tables.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/types.h"
#include "util/errbuf.h"

#define VALUE_MAX CONFIG_VALUE_MAX

typedef struct {
  char *key;
  char *value;          /* NULL in `cleared` */
  unsigned long serial; /* the generation at which it last changed */
  /* in `cleared`: true when the key was cleared (it reads as unset, whatever
   * the shared defaults hold), false when it was reset (config_reset: the
   * shared default or the registry's shows again; only its serial kept) */
  bool masks;
} entry;

typedef struct {
  entry *at;
  size_t count, cap;
} entry_list;

struct config {
  entry_list set;     /* in insertion order */
  entry_list cleared; /* keys set once, then cleared or reset: only their serial */
  unsigned long generation;
  /* config_new_over: the shared defaults read beneath this configuration's
   * own keys (not owned, not changed while this one lives) */
  const config *base;
};

config *config_new(void) { return calloc(1, sizeof(config)); }

config *config_new_over(const config *base) {
  config *c = calloc(1, sizeof(config));
  if (!c) return NULL;
  c->base = base;
  /* generations go on from the base's: a key read from it changed no later
   * than this configuration's start */
  c->generation = base ? base->generation : 0;
  return c;
}

static void list_free(entry_list *l) {
  for (size_t i = 0; i < l->count; i++) {
    free(l->at[i].key);
    free(l->at[i].value);
  }
  free(l->at);
}

void config_free(config *c) {
  if (!c) return;
  list_free(&c->set);
  list_free(&c->cleared);
  free(c);
}

/* ---------- value parsing ---------- */

/* Decimal integer, optional sign, nothing else: rejects "", "12abc", " 1",
 * "0x10" and values that overflow a long. */
static int parse_long(const char *s, long *out) {
  const char *p = s;
  if (*p == '+' || *p == '-') p++;
  if (*p < '0' || *p > '9') return -1;
  errno = 0;
  char *end;
  long v = strtol(s, &end, 10);
  if (errno == ERANGE || *end != '\0') return -1;
  *out = v;
  return 0;
}

/* Decimal number (optional sign, fraction, exponent); rejects NaN, inf, hex
 * floats, garbage and values that overflow a double. */
static int parse_double(const char *s, double *out) {
  if (s[0] == '\0' || strspn(s, "0123456789+-.eE") != strlen(s)) return -1;
  const char *p = s;
  if (*p == '+' || *p == '-') p++;
  if (!((*p >= '0' && *p <= '9') || (*p == '.' && p[1] >= '0' && p[1] <= '9'))) return -1;
  errno = 0;
  char *end;
  double v = strtod(s, &end);
  if (*end != '\0' || !isfinite(v) || (errno == ERANGE && fabs(v) > 1.0)) return -1;
  *out = v;
  return 0;
}

static int parse_bool(const char *s, bool *out) {
  static const char *const yes[] = {"true", "yes", "on", "1"};
  static const char *const no[] = {"false", "no", "off", "0"};
  for (size_t i = 0; i < 4; i++) {
    if (strcmp(s, yes[i]) == 0) return *out = true, 0;
    if (strcmp(s, no[i]) == 0) return *out = false, 0;
  }
  return -1;
}

/* Is `s` one of the '|'-separated words of `choices`? */
static bool in_choices(const char *choices, const char *s) {
  size_t n = strlen(s);
  for (const char *p = choices; *p;) {
    size_t w = strcspn(p, "|");
    if (w == n && strncmp(p, s, n) == 0) return true;
    p += w;
    if (*p == '|') p++;
  }
  return false;
}

/* "a|b|c" -> "a, b or c" (sep ", ") */
static void choices_text(const char *choices, char *out, size_t len) {
  size_t o = 0, words = 1;
  for (const char *p = choices; *p; p++) words += *p == '|';
  size_t w = 0;
  out[0] = '\0';
  for (const char *p = choices; *p && o + 1 < len; p++) {
    if (*p == '|') {
      w++;
      const char *sep = w + 1 == words ? " or " : ", ";
      int k = snprintf(out + o, len - o, "%s", sep);
      if (k < 0 || (size_t)k >= len - o) break;
      o += (size_t)k;
    } else {
      out[o++] = *p;
      out[o] = '\0';
    }
  }
}

static void format_number(double v, char *out, size_t len) { snprintf(out, len, "%.15g", v); }

static bool has_control_char(const char *s) {
  for (; *s; s++)
    if ((unsigned char)*s < 0x20 || *s == 0x7f) return true;
  return false;
}

/* Validates `value` for `def` and writes its canonical text into canon. */
static int validate(const cfg_key_def *def, const char *key, const char *value, char *canon,
                    size_t canonlen, char *err, size_t errlen) {
  char why[256] = "";
  char range[128];
  char shown[VALUE_MAX + 8]; /* the value as quoted in messages */
  if (value[0])
    snprintf(shown, sizeof shown, "`%s`", value);
  else
    snprintf(shown, sizeof shown, "an empty value");
  size_t len = strlen(value);
  /* a string key's own bound first: the error names it */
  if (def->type == CFG_STRING && def->max >= 1 && (double)len > def->max) {
    errbuf_setf(err, errlen, "%s: the value is %zu characters long; at most %.0f are allowed", key,
                len, def->max);
    return -1;
  }
  if (len > VALUE_MAX) {
    errbuf_setf(err, errlen, "%s: the value is longer than %d characters", key, VALUE_MAX);
    return -1;
  }
  if (has_control_char(value)) {
    errbuf_setf(err, errlen, "%s: the value contains a control character", key);
    return -1;
  }
  switch (def->type) {
  case CFG_STRING:
    if (def->check && def->check(value, why, sizeof why) != 0) {
      errbuf_setf(err, errlen, "%s: %s", key, why);
      return -1;
    }

    snprintf(canon, canonlen, "%s", value);
    return 0;
  case CFG_INT: {
    long v;
    if (parse_long(value, &v) != 0) {
      errbuf_setf(err, errlen, "%s: %s is not a whole number", key, shown);
      return -1;
    }
    snprintf(canon, canonlen, "%ld", v);
    if (def->choices && !in_choices(def->choices, canon)) {
      choices_text(def->choices, range, sizeof range);
      errbuf_setf(err, errlen, "%s: %s is not allowed (%s)", key, value, range);
      return -1;
    }
    if (def->min < def->max && ((double)v < def->min || (double)v > def->max)) {
      errbuf_setf(err, errlen, "%s: %s is out of range (%.15g to %.15g)", key, value, def->min,
                  def->max);
      return -1;
    }
    return 0;
  }
  case CFG_NUMBER: {
    double v;
    if (parse_double(value, &v) != 0) {
      errbuf_setf(err, errlen, "%s: %s is not a number", key, shown);
      return -1;
    }
    if (def->min < def->max && (v < def->min || v > def->max)) {
      errbuf_setf(err, errlen, "%s: %s is out of range (%.15g to %.15g)", key, value, def->min,
                  def->max);
      return -1;
    }
    format_number(v == 0 ? 0.0 : v, canon, canonlen); /* no "-0" */
    return 0;
  }
  case CFG_BOOL: {
    bool b;
    if (parse_bool(value, &b) != 0) {
      errbuf_setf(err, errlen, "%s: %s is not a boolean (true/false, yes/no, on/off, 1/0)", key,
                  shown);
      return -1;
    }
    snprintf(canon, canonlen, "%s", b ? "true" : "false");
    return 0;
  }
  case CFG_ENUM:
    if (!in_choices(def->choices, value)) {
      choices_text(def->choices, range, sizeof range);
      errbuf_setf(err, errlen, "%s: %s is not one of %s", key, shown, range);
      return -1;
    }
    snprintf(canon, canonlen, "%s", value);
    return 0;
  }
  errbuf_setf(err, errlen, "%s: unsupported type", key);
  return -1;
}

static const cfg_key_def *lookup(const char *key, char *err, size_t errlen) {
  const cfg_key_def *def = config_key_def(key);
  if (!def) errbuf_setf(err, errlen, "unknown key `%s`", key ? key : "(null)");
  return def;
}

int config_validate(const char *key, const char *value, char *err, size_t errlen) {
  char canon[VALUE_MAX + 32];
  const cfg_key_def *def = lookup(key, err, errlen);
  if (!def) return -1;
  if (!value) {
    errbuf_setf(err, errlen, "%s: no value", key);
    return -1;
  }
  if (value[0] == '\0' && !def->def) return 0; /* clears an optional key */
  return validate(def, key, value, canon, sizeof canon, err, errlen);
}

static entry *find_in(const entry_list *l, const char *key) {
  for (size_t i = 0; i < l->count; i++)
    if (strcmp(l->at[i].key, key) == 0) return &l->at[i];
  return NULL;
}

static entry *find(const config *c, const char *key) { return find_in(&c->set, key); }

/* Does c's own layer hide the shared defaults' value of key (cleared)? */
static bool masked(const config *c, const char *key) {
  const entry *e = find_in(&c->cleared, key);
  return e && e->masks;
}

/* The key's explicitly set entry, in c's own layer or, when c does not
 * hide it, in its shared defaults'; NULL when unset. */
static const entry *set_entry(const config *c, const char *key) {
  for (; c; c = c->base) {
    const entry *e = find(c, key);
    if (e) return e;
    if (masked(c, key)) return NULL;
  }
  return NULL;
}

static void list_remove(entry_list *l, entry *e) {
  size_t i = (size_t)(e - l->at);
  memmove(e, e + 1, (l->count - i - 1) * sizeof *e);
  l->count--;
}

/* Appends {key (copied), value (taken)}; -1 when out of memory. */
static int list_append(entry_list *l, const char *key, char *value, unsigned long serial) {
  if (l->count == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 4;
    entry *grown = realloc(l->at, cap * sizeof *grown);
    if (!grown) return -1;
    l->at = grown;
    l->cap = cap;
  }
  char *k = strdup(key);
  if (!k) return -1;
  l->at[l->count++] = (entry){k, value, serial, true};
  return 0;
}

int config_set(config *c, const char *key, const char *value, char *err, size_t errlen) {
  char canon[VALUE_MAX + 32];
  if (!c) {
    errbuf_setf(err, errlen, "no configuration");
    return -1;
  }
  const cfg_key_def *def = lookup(key, err, errlen);
  if (!def) return -1;
  if (!value) {
    errbuf_setf(err, errlen, "%s: no value", key);
    return -1;
  }
  entry *e = find(c, key);
  if (value[0] == '\0' && !def->def) {
    /* back to unset, keeping the order of the others; over shared defaults
     * that set it, the key is hidden from them */
    if (e || (c->base && set_entry(c->base, key) && !masked(c, key))) {
      entry *old = find_in(&c->cleared, key);
      if (old) {
        old->serial = ++c->generation;
        old->masks = true;
      } else if (list_append(&c->cleared, key, NULL, c->generation + 1) != 0) {
        errbuf_setf(err, errlen, "%s: out of memory", key);
        return -1;
      } else {
        c->generation++;
      }
      if (e) {
        free(e->key);
        free(e->value);
        list_remove(&c->set, e);
      }
    }
    return 0;
  }
  if (validate(def, key, value, canon, sizeof canon, err, errlen) != 0) return -1;
  char *v = strdup(canon);
  if (!v) {
    errbuf_setf(err, errlen, "%s: out of memory", key);
    return -1;
  }
  if (e) {
    free(e->value);
    e->value = v;
    e->serial = ++c->generation;
    return 0;
  }
  if (list_append(&c->set, key, v, c->generation + 1) != 0) {
    free(v);
    errbuf_setf(err, errlen, "%s: out of memory", key);
    return -1;
  }
  c->generation++;
  entry *old = find_in(&c->cleared, key);
  if (old) {
    free(old->key);
    list_remove(&c->cleared, old);
  }
  return 0;
}

int config_reset(config *c, const char *key, char *err, size_t errlen) {
  if (!c) {
    errbuf_setf(err, errlen, "no configuration");
    return -1;
  }
  if (!lookup(key, err, errlen)) return -1;
  entry *e = find(c, key);
  entry *old = find_in(&c->cleared, key);
  if (!e && !(old && old->masks)) return 0; /* already the default beneath */
  if (old) {
    old->serial = ++c->generation;
    old->masks = false;
  } else if (list_append(&c->cleared, key, NULL, c->generation + 1) != 0) {
    errbuf_setf(err, errlen, "%s: out of memory", key);
    return -1;
  } else {
    c->generation++;
    c->cleared.at[c->cleared.count - 1].masks = false;
  }
  if (e) {
    free(e->key);
    free(e->value);
    list_remove(&c->set, e);
  }
  return 0;
}

unsigned long config_generation(const config *c) { return c ? c->generation : 0; }

unsigned long config_changed_at(const config *c, const char *key) {
  if (!c || !key) return 0;
  const entry *e = find(c, key);
  if (!e) e = find_in(&c->cleared, key);
  if (e) return e->serial;
  return c->base ? config_changed_at(c->base, key) : 0;
}

/* ---------- key flags ---------- */

bool config_key_runtime(const cfg_key_def *def) { return def && (def->flags & CFG_RUNTIME); }
bool config_key_secret(const cfg_key_def *def) { return def && (def->flags & CFG_SECRET); }
bool config_key_file_only(const cfg_key_def *def) { return def && (def->flags & CFG_FILE_ONLY); }

int config_settable_remotely(const char *key, char *err, size_t errlen) {
  const cfg_key_def *def = lookup(key, err, errlen);
  if (!def) return -1;
  if (config_key_file_only(def)) {
    errbuf_setf(err, errlen,
                "%s: can only be set in the configuration file (it names a command the station "
                "runs)",
                key);
    return -1;
  }
  return 0;
}

/* ---------- reading ---------- */

const char *config_get(const config *c, const char *key) {
  const cfg_key_def *def = config_key_def(key);
  if (!def) return NULL;
  const entry *e = c ? set_entry(c, key) : NULL;
  return e ? e->value : def->def;
}

long config_get_int(const config *c, const char *key) {
  const char *v = config_get(c, key);
  long n;
  return v && parse_long(v, &n) == 0 ? n : 0;
}

double config_get_number(const config *c, const char *key) {
  const char *v = config_get(c, key);
  double d;
  return v && parse_double(v, &d) == 0 ? d : 0.0;
}

bool config_get_bool(const config *c, const char *key) {
  const char *v = config_get(c, key);
  bool b;
  return v && parse_bool(v, &b) == 0 ? b : false;
}

int config_selector_amps(const config *c, int connector) {
  /* Seed 001 selector: positions 0-5 are 32/25/20/16/12/8 A; the reserved
   * positions 6-9 must fail safe to the lowest current, 8 A. */
  static const int amps_at[10] = {32, 25, 20, 16, 12, 8, 8, 8, 8, 8};
  char key[64];
  snprintf(key, sizeof key, "connector.%d.selector_position", connector);
  const char *pos = config_get(c, key);
  long p;
  if (pos && parse_long(pos, &p) == 0 && p >= 0 && p <= 9) return amps_at[p];
  snprintf(key, sizeof key, "connector.%d.selector_a", connector);
  return (int)config_get_int(c, key);
}

/* config_each_set over shared defaults: their keys first, each with the
 * value this configuration reads (its own when it overrides it), the ones it
 * cleared left out. */
typedef struct {
  const config *over;
  config_cb cb;
  void *ctx;
} each_over;

static int each_base(void *ctx, const char *key, const char *value) {
  each_over *w = ctx;
  const entry *own = find(w->over, key);
  if (own) return w->cb(w->ctx, key, own->value);
  if (masked(w->over, key)) return 0;
  return w->cb(w->ctx, key, value);
}

int config_each_set(const config *c, config_cb cb, void *ctx) {
  if (!c) return 0;
  if (c->base) {
    each_over w = {c, cb, ctx};
    int rc = config_each_set(c->base, each_base, &w);
    if (rc != 0) return rc;
  }
  for (size_t i = 0; i < c->set.count; i++) {
    if (c->base && set_entry(c->base, c->set.at[i].key)) continue; /* walked above */
    int rc = cb(ctx, c->set.at[i].key, c->set.at[i].value);
    if (rc != 0) return rc;
  }
  return 0;
}

/* ---------- cross-key checks ---------- */

static const char *conn_get(const config *c, int n, const char *rest, char *key, size_t len) {
  snprintf(key, len, "connector.%d.%s", n, rest);
  return config_get(c, key);
}

/* GPIO outputs and inputs that must exist for the Linux HAL to run a
 * connector safely; a socket outlet (not tethered) also needs its lock and
 * the PP input (IEC 61851-1 Annex B: the cable coding limits the current). */
static int check_linux_pins(const config *c, int n, char *err, size_t errlen) {
  static const char *const always[] = {"gpio.contactor", "pwm", "adc.cp"};
  static const char *const socket[] = {"gpio.lock", "adc.pp"};
  char key[64];
  for (size_t i = 0; i < 3; i++) {
    const char *v = conn_get(c, n, always[i], key, sizeof key);
    if (!v || !v[0]) {
      errbuf_setf(err, errlen, "%s: required when hal.backend = linux", key);
      return -1;
    }
  }
  snprintf(key, sizeof key, "connector.%d.tethered", n);
  if (!config_get_bool(c, key)) {
    for (size_t i = 0; i < 2; i++) {
      const char *v = conn_get(c, n, socket[i], key, sizeof key);
      if (!v || !v[0]) {
        errbuf_setf(err, errlen,
                    "%s: required when hal.backend = linux and the connector is a socket "
                    "(tethered = false)",
                    key);
        return -1;
      }
    }
  }
  return 0;
}

/* OCPP's connector types say a cable ('c...') or a socket ('s...'): the one
 * set must be what connector.N.tethered says the connector is. */
static int check_connector_type(const config *c, int n, char *err, size_t errlen) {
  char kt[64], kc[64];
  const char *type = conn_get(c, n, "type", kt, sizeof kt);
  snprintf(kc, sizeof kc, "connector.%d.tethered", n);
  bool tethered = config_get_bool(c, kc);
  if (!type || (type[0] != 'c' && type[0] != 's')) return 0; /* auto, Other... */
  if ((type[0] == 'c') == tethered) return 0;
  errbuf_setf(err, errlen, "%s: %s is a %s but %s is %s", kt, type,
              type[0] == 'c' ? "cable" : "socket", kc, tethered ? "true" : "false");
  return -1;
}

/* Two functions on one GPIO line or PWM channel would drive each other. */
static int check_pin_reuse(const config *c, int connectors, char *err, size_t errlen) {
  static const char *const pins[] = {"gpio.contactor",
                                     "gpio.contactor_feedback",
                                     "gpio.lock",
                                     "gpio.lock_feedback",
                                     "gpio.rcd_trip",
                                     "gpio.rcd_test",
                                     "gpio.phase_contactor",
                                     "pwm",
                                     "adc.cp",
                                     "adc.pp",
                                     "adc.temp"};
  enum { NPINS = sizeof pins / sizeof pins[0] };
  char ka[64], kb[64];
  for (int a = 0; a < connectors * (int)NPINS; a++) {
    const char *va = conn_get(c, a / NPINS + 1, pins[a % NPINS], ka, sizeof ka);
    if (!va || !va[0]) continue;
    for (int b = 0; b < a; b++) {
      const char *vb = conn_get(c, b / NPINS + 1, pins[b % NPINS], kb, sizeof kb);
      if (vb && strcmp(va, vb) == 0) {
        errbuf_setf(err, errlen, "%s: %s is already used by %s", ka, va, kb);
        return -1;
      }
    }
  }
  return 0;
}

/* "!gpiochip0:5" and "gpiochip0:5" are the same line. */
static const char *line_of(const char *spec) { return spec && spec[0] == '!' ? spec + 1 : spec; }

const char *config_pin_user(const config *c, const char *spec, char *key, size_t len) {
  static const char *const gpios[] = {"gpio.contactor", "gpio.contactor_feedback",
                                      "gpio.lock",      "gpio.lock_feedback",
                                      "gpio.rcd_trip",  "gpio.rcd_test"};
  const char *want = line_of(spec);
  if (!want || !want[0]) return NULL;
  int64_t connectors = config_get_int(c, "station.connectors");
  for (int n = 1; n <= connectors && n <= BORNE_MAX_CONNECTORS; n++)
    for (size_t i = 0; i < sizeof gpios / sizeof gpios[0]; i++) {
      const char *v = conn_get(c, n, gpios[i], key, len);
      if (v && v[0] && strcmp(line_of(v), want) == 0) return key;
    }
  return NULL;
}

typedef struct {
  long connectors;
  char *err;
  size_t errlen;
} check_connectors;

static int check_connector_key(void *ctx, const char *k, const char *value) {
  (void)value;
  check_connectors *cc = ctx;
  int n;
  if (sscanf(k, "connector.%d.", &n) == 1 && n > cc->connectors) {
    errbuf_setf(cc->err, cc->errlen, "%s: connector %d does not exist (station.connectors = %ld)",
                k, n, cc->connectors);
    return -1;
  }
  return 0;
}

int config_check(const config *c, char *err, size_t errlen) {
  if (!c) {
    errbuf_setf(err, errlen, "no configuration");
    return -1;
  }
  long connectors = config_get_int(c, "station.connectors");
  check_connectors cc = {connectors, err, errlen};
  if (config_each_set(c, check_connector_key, &cc) != 0) return -1;
  const char *fail = config_get(c, "sim.selftest_fail");
  if (fail && fail[0] && fail[0] - '0' > connectors) {
    errbuf_setf(err, errlen,
                "sim.selftest_fail: connector %c does not exist (station.connectors = %ld)",
                fail[0], connectors);
    return -1;
  }
  bool linux_hal = strcmp(config_get(c, "hal.backend"), "linux") == 0;
  for (int n = 1; n <= connectors; n++) {
    char kd[64], km[64];
    const char *derate = conn_get(c, n, "derate_temp_c", kd, sizeof kd);
    const char *max = conn_get(c, n, "max_temp_c", km, sizeof km);
    double d, m;
    if (derate && max && parse_double(derate, &d) == 0 && parse_double(max, &m) == 0 && m <= d) {
      errbuf_setf(err, errlen, "%s: %s must be above %s (%s): derating starts before the stop", km,
                  max, kd, derate);
      return -1;
    }
    if (linux_hal && check_linux_pins(c, n, err, errlen) != 0) return -1;
    if (check_connector_type(c, n, err, errlen) != 0) return -1;
  }
  if (linux_hal && check_pin_reuse(c, (int)connectors, err, errlen) != 0) return -1;
  if (config_registry_check(c, err, errlen) != 0) return -1;
  return 0;
}
