/*
 * bornectl's grammar (util/ctl_args): every verb becomes the request the API
 * contract asks for (method, path, typed body), and every usage error is
 * caught before anything would be sent.
 */
/* cmocka.h needs these first */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

#include <string.h>

#include "util/ctl_args.h"
#include "util/url.h"

typedef struct {
  ctl_globals g;
  ctl_command cmd;
  char err[512];
  int rc;
} parse_result;

/* Parses the NULL-terminated words after "bornectl". */
static parse_result parse_words(const char *first, ...) {
  static parse_result r; /* large: keep it off the test's stack */
  char *argv[64] = {"bornectl"};
  int argc = 1;
  va_list ap;
  va_start(ap, first);
  for (const char *w = first; w && argc < 63; w = va_arg(ap, const char *))
    argv[argc++] = (char *)w;
  va_end(ap);
  memset(&r, 0, sizeof r);
  r.rc = ctl_parse(argc, argv, &r.g, &r.cmd, r.err, sizeof r.err);
  return r;
}
#define PARSE(...) parse_words(__VA_ARGS__, NULL)

static const ctl_field *field(const ctl_command *c, const char *key) {
  for (int i = 0; i < c->field_count; i++)
    if (strcmp(c->fields[i].key, key) == 0) return &c->fields[i];
  return NULL;
}

static void expect_usage_error(parse_result r, const char *needle) {
  assert_int_equal(r.rc, -1);
  if (!strstr(r.err, needle)) fail_msg("error `%s` does not mention `%s`", r.err, needle);
}

static void status_and_globals_anywhere(void **state) {
  (void)state;
  parse_result r = PARSE("status");
  assert_int_equal(r.rc, 0);
  assert_int_equal(r.cmd.run, CTL_RUN_REQUEST);
  assert_string_equal(r.cmd.method, "GET");
  assert_string_equal(r.cmd.path, "/api/v1/status");
  assert_int_equal(r.cmd.view, CTL_VIEW_STATUS);
  assert_false(r.cmd.has_body);
  assert_false(r.g.json);

  r = PARSE("status", "--json", "--url", "http://10.0.0.5:8080", "--data-dir=/tmp/d");
  assert_int_equal(r.rc, 0);
  assert_true(r.g.json);
  assert_true(r.g.url_given);
  assert_string_equal(r.g.url, "http://10.0.0.5:8080");
  assert_true(r.g.data_dir_given);
  assert_string_equal(r.g.data_dir, "/tmp/d");

  r = PARSE("--json", "--url=http://x", "status");
  assert_int_equal(r.rc, 0);
  assert_string_equal(r.g.url, "http://x");
  expect_usage_error(PARSE("status", "--url"), "--url needs a value");
  expect_usage_error(PARSE("status", "extra"), "unexpected argument");
  expect_usage_error(PARSE("status", "--verbose"), "unknown option --verbose");
}

static void no_verb_unknown_verb_and_help(void **state) {
  (void)state;
  char *argv[] = {"bornectl"};
  ctl_globals g;
  ctl_command c;
  char err[200];
  assert_int_equal(ctl_parse(1, argv, &g, &c, err, sizeof err), -1);
  assert_non_null(strstr(err, "no verb"));
  expect_usage_error(PARSE("fly"), "unknown verb `fly`");
  parse_result r = PARSE("help");
  assert_int_equal(r.rc, 0);
  assert_int_equal(r.cmd.run, CTL_RUN_HELP);
  r = PARSE("plug", "--help");
  assert_int_equal(r.rc, 0);
  assert_int_equal(r.cmd.run, CTL_RUN_HELP);
  assert_non_null(strstr(ctl_usage(), "wait C STATUS"));
}

static void plug_builds_a_typed_body(void **state) {
  (void)state;
  parse_result r = PARSE("plug", "1", "--ev-max-current", "16", "--phases", "3", "--battery-kwh",
                         "40", "--soc", "30", "--target-soc=90");
  assert_int_equal(r.rc, 0);
  assert_string_equal(r.cmd.method, "POST");
  assert_string_equal(r.cmd.path, "/api/v1/sim/connectors/1/plug");
  assert_int_equal(r.cmd.field_count, 5);
  assert_int_equal(field(&r.cmd, "ev_max_current_a")->kind, CTL_VAL_NUMBER);
  assert_string_equal(field(&r.cmd, "ev_max_current_a")->text, "16");
  assert_int_equal(field(&r.cmd, "phases")->kind, CTL_VAL_INTEGER);
  assert_string_equal(field(&r.cmd, "battery_kwh")->text, "40");
  assert_string_equal(field(&r.cmd, "soc_pct")->text, "30");
  assert_string_equal(field(&r.cmd, "target_soc_pct")->text, "90");

  r = PARSE("plug", "2");
  assert_int_equal(r.rc, 0);
  assert_true(r.cmd.has_body); /* an empty object: the daemon's defaults */
  assert_int_equal(r.cmd.field_count, 0);
  assert_string_equal(r.cmd.path, "/api/v1/sim/connectors/2/plug");
}

static void plug_numbers_are_checked_before_sending(void **state) {
  (void)state;
  expect_usage_error(PARSE("plug", "1", "--phases", "2"), "--phases `2` is not allowed (1 or 3)");
  expect_usage_error(PARSE("plug", "1", "--phases", "3.0"), "--phases");
  expect_usage_error(PARSE("plug", "1", "--ev-max-current", "0"), "--ev-max-current");
  expect_usage_error(PARSE("plug", "1", "--ev-max-current", "16A"), "--ev-max-current");
  expect_usage_error(PARSE("plug", "1", "--ev-max-current", "nan"), "--ev-max-current");
  expect_usage_error(PARSE("plug", "1", "--soc", "101"), "--soc");
  expect_usage_error(PARSE("plug", "1", "--soc", "-1"), "--soc");
  expect_usage_error(PARSE("plug", "1", "--battery-kwh", ""), "--battery-kwh");
  expect_usage_error(PARSE("plug", "1", "--soc", "80", "--target-soc", "50"), "below --soc");
  expect_usage_error(PARSE("plug", "1", "--soc", "1", "--soc", "2"), "given twice");
  expect_usage_error(PARSE("plug", "1", "--soc"), "--soc needs a value");
  expect_usage_error(PARSE("plug"), "plug C");
  expect_usage_error(PARSE("plug", "0"), "connector `0`");
  expect_usage_error(PARSE("plug", "9"), "connector `9`");
  expect_usage_error(PARSE("plug", "one"), "connector `one`");
  expect_usage_error(PARSE("plug", "1", "2"), "unexpected argument `2`");
}

static void simulator_verbs(void **state) {
  (void)state;
  parse_result r = PARSE("unplug", "2");
  assert_int_equal(r.rc, 0);
  assert_string_equal(r.cmd.path, "/api/v1/sim/connectors/2/unplug");
  assert_string_equal(r.cmd.method, "POST");
  assert_string_equal(r.cmd.done, "connector 2: unplugged");
  assert_null(field(&r.cmd, "side")); /* the whole cable: the daemon's default */
  r = PARSE("unplug", "2", "--side", "ev");
  assert_int_equal(r.rc, 0);
  assert_string_equal(r.cmd.path, "/api/v1/sim/connectors/2/unplug");
  assert_string_equal(field(&r.cmd, "side")->text, "ev");
  assert_string_equal(r.cmd.done, "connector 2: unplugged on the EV side");
  r = PARSE("unplug", "1", "--side", "station");
  assert_int_equal(r.rc, 0);
  assert_string_equal(field(&r.cmd, "side")->text, "station");
  expect_usage_error(PARSE("unplug", "1", "--side", "car"), "`car` is not both, ev or station");

  r = PARSE("ev", "1", "ventilation");
  assert_int_equal(r.rc, 0);
  assert_string_equal(r.cmd.path, "/api/v1/sim/connectors/1/ev");
  assert_string_equal(field(&r.cmd, "state")->text, "ventilation");
  assert_int_equal(field(&r.cmd, "state")->kind, CTL_VAL_STRING);
  expect_usage_error(PARSE("ev", "1", "fly"), "`fly` is not charge, pause or ventilation");

  const char *kinds[] = {"rcd",       "diode",    "welding", "lock",
                         "lockstuck", "overtemp", "cpshort", "clear"};
  for (size_t i = 0; i < 7; i++) {
    r = PARSE("fault", "1", kinds[i]);
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.cmd.path, "/api/v1/sim/connectors/1/fault");
    assert_string_equal(field(&r.cmd, "kind")->text, kinds[i]);
  }
  expect_usage_error(PARSE("fault", "1", "meteor"), "`meteor` is not rcd");
  expect_usage_error(PARSE("fault", "1"), "fault C");

  r = PARSE("tap", "04A1B2C3");
  assert_int_equal(r.rc, 0);
  assert_string_equal(r.cmd.path, "/api/v1/sim/tap");
  assert_string_equal(field(&r.cmd, "uid")->text, "04A1B2C3");
  expect_usage_error(PARSE("tap"), "tap UID");
}

static void sessions_query_is_encoded(void **state) {
  (void)state;
  parse_result r = PARSE("sessions");
  assert_int_equal(r.rc, 0);
  assert_string_equal(r.cmd.path, "/api/v1/sessions");
  assert_int_equal(r.cmd.view, CTL_VIEW_SESSIONS);

  r = PARSE("sessions", "--since", "2026-01-01T01:00:00+01:00", "--until", "1767312000", "--user",
            "Room 12", "--badge", "04A1", "--connector", "2", "--csv");
  assert_int_equal(r.rc, 0);
  /* times go out normalised to UTC; the '+' of an offset never reaches the query raw */
  assert_string_equal(r.cmd.path, "/api/v1/sessions?since=2026-01-01T00%3A00%3A00.000Z"
                                  "&until=2026-01-02T00%3A00%3A00.000Z&badge=04A1"
                                  "&user=Room%2012&connector=2&format=csv");
  assert_int_equal(r.cmd.view, CTL_VIEW_CSV);
  expect_usage_error(PARSE("sessions", "--since", "yesterday"), "--since `yesterday`");
  expect_usage_error(PARSE("sessions", "--since", "2026-02-01", "--until", "2026-01-01"),
                     "--since is after --until");
  expect_usage_error(PARSE("sessions", "--connector", "x"), "connector `x`");
  expect_usage_error(PARSE("sessions", "--csv=yes"), "--csv takes no value");
}

static void badges_and_users(void **state) {
  (void)state;
  parse_result r = PARSE("badges", "list");
  assert_int_equal(r.rc, 0);
  assert_string_equal(r.cmd.method, "GET");
  assert_string_equal(r.cmd.path, "/api/v1/badges");
  assert_int_equal(r.cmd.view, CTL_VIEW_BADGES);

  r = PARSE("badges", "add", "04:d4:e5:f6", "--user", "Room 14");
  assert_int_equal(r.rc, 0);
  assert_string_equal(r.cmd.method, "POST");
  assert_string_equal(r.cmd.path, "/api/v1/badges");
  assert_string_equal(field(&r.cmd, "uid")->text, "04:d4:e5:f6"); /* the daemon normalises */
  assert_string_equal(field(&r.cmd, "user")->text, "Room 14");

  r = PARSE("badges", "add", "CC33");
  assert_int_equal(r.rc, 0);
  assert_null(field(&r.cmd, "user"));

  r = PARSE("badges", "disable", "04:d4:e5:f6");
  assert_int_equal(r.rc, 0);
  assert_string_equal(r.cmd.method, "PUT");
  assert_string_equal(r.cmd.path, "/api/v1/badges/04D4E5F6");
  assert_int_equal(field(&r.cmd, "enabled")->kind, CTL_VAL_BOOL);
  assert_string_equal(field(&r.cmd, "enabled")->text, "false");
  r = PARSE("badges", "enable", "aa11");
  assert_string_equal(r.cmd.path, "/api/v1/badges/AA11");
  assert_string_equal(field(&r.cmd, "enabled")->text, "true");

  r = PARSE("badges", "remove", "AA11");
  assert_int_equal(r.rc, 0);
  assert_string_equal(r.cmd.method, "DELETE");
  assert_string_equal(r.cmd.path, "/api/v1/badges/AA11");
  assert_false(r.cmd.has_body);

  expect_usage_error(PARSE("badges"), "badges list|add");
  expect_usage_error(PARSE("badges", "list", "X"), "badges list|add");
  expect_usage_error(PARSE("badges", "add"), "badges list|add");
  expect_usage_error(PARSE("badges", "burn", "X"), "`burn` is not list");
  expect_usage_error(PARSE("badges", "remove", "X", "--user", "Y"), "unknown option --user");

  r = PARSE("users", "list");
  assert_int_equal(r.rc, 0);
  assert_string_equal(r.cmd.path, "/api/v1/users");
  assert_int_equal(r.cmd.view, CTL_VIEW_USERS);
  r = PARSE("users", "add", "Room 12");
  assert_int_equal(r.rc, 0);
  assert_string_equal(r.cmd.method, "POST");
  assert_string_equal(field(&r.cmd, "name")->text, "Room 12");
  r = PARSE("users", "remove", "3");
  assert_int_equal(r.rc, 0);
  assert_string_equal(r.cmd.method, "DELETE");
  assert_string_equal(r.cmd.path, "/api/v1/users/3");
  expect_usage_error(PARSE("users", "remove", "Room 12"), "not a user id");
  expect_usage_error(PARSE("users", "add"), "users list|add NAME");
}

static void set_get_start_stop(void **state) {
  (void)state;
  parse_result r =
      PARSE("set", "connector.1.selector_a=12", "station.id=borne 01", "auth.mode=free");
  assert_int_equal(r.rc, 0);
  assert_string_equal(r.cmd.method, "PUT");
  assert_string_equal(r.cmd.path, "/api/v1/settings");
  assert_int_equal(r.cmd.field_count, 3);
  assert_int_equal(field(&r.cmd, "connector.1.selector_a")->kind, CTL_VAL_GUESS);
  assert_string_equal(field(&r.cmd, "connector.1.selector_a")->text, "12");
  assert_string_equal(field(&r.cmd, "station.id")->text, "borne 01");
  r = PARSE("set", "ocpp.url=ws://h/x?a=b");
  assert_string_equal(field(&r.cmd, "ocpp.url")->text, "ws://h/x?a=b"); /* split at the first = */
  r = PARSE("set", "station.id=");
  assert_int_equal(r.rc, 0);
  assert_string_equal(field(&r.cmd, "station.id")->text, "");
  expect_usage_error(PARSE("set"), "set KEY=VALUE");
  expect_usage_error(PARSE("set", "station.id"), "not KEY=VALUE");
  expect_usage_error(PARSE("set", "=3"), "not KEY=VALUE");
  expect_usage_error(PARSE("set", "a=1", "a=2"), "a given twice");

  r = PARSE("get");
  assert_int_equal(r.rc, 0);
  assert_string_equal(r.cmd.path, "/api/v1/settings");
  assert_string_equal(r.cmd.key, "");
  r = PARSE("get", "auth.mode");
  assert_string_equal(r.cmd.key, "auth.mode");
  expect_usage_error(PARSE("get", "a", "b"), "unexpected argument");

  r = PARSE("start", "2", "--badge", "DD44");
  assert_int_equal(r.rc, 0);
  assert_string_equal(r.cmd.path, "/api/v1/connectors/2/start");
  assert_string_equal(field(&r.cmd, "badge")->text, "DD44");
  r = PARSE("stop", "2");
  assert_int_equal(r.rc, 0);
  assert_string_equal(r.cmd.method, "POST");
  assert_string_equal(r.cmd.path, "/api/v1/connectors/2/stop");
}

static void events_and_wait(void **state) {
  (void)state;
  parse_result r = PARSE("events");
  assert_int_equal(r.rc, 0);
  assert_int_equal(r.cmd.run, CTL_RUN_EVENTS);
  assert_int_equal(r.cmd.after, 0);
  assert_false(r.cmd.follow);
  r = PARSE("events", "--after", "42", "--follow");
  assert_int_equal(r.cmd.after, 42);
  assert_true(r.cmd.follow);
  expect_usage_error(PARSE("events", "--after", "-1"), "not an event id");

  r = PARSE("wait", "1", "suspendedev");
  assert_int_equal(r.rc, 0);
  assert_int_equal(r.cmd.run, CTL_RUN_WAIT);
  assert_int_equal(r.cmd.connector, 1);
  assert_string_equal(r.cmd.status, "SuspendedEV"); /* case-insensitive, canonical */
  assert_true(r.cmd.timeout_s == 60);
  r = PARSE("wait", "2", "CHARGING", "--timeout", "2.5");
  assert_string_equal(r.cmd.status, "Charging");
  assert_true(r.cmd.timeout_s == 2.5);
  expect_usage_error(PARSE("wait", "1", "Sleeping"), "not an OCPP 1.6 status");
  expect_usage_error(PARSE("wait", "1", "Charging", "--timeout", "0"), "--timeout");
  expect_usage_error(PARSE("wait", "1"), "wait C STATUS");
}

static void double_dash_makes_words_literal(void **state) {
  (void)state;
  parse_result r = PARSE("users", "add", "--", "--json");
  assert_int_equal(r.rc, 0);
  assert_false(r.g.json);
  assert_string_equal(field(&r.cmd, "name")->text, "--json");
}

static void url_and_token_resolution(void **state) {
  (void)state;
  ctl_globals g = {0};
  char out[300];
  ctl_resolve_url(&g, NULL, out, sizeof out);
  assert_string_equal(out, "http://127.0.0.1:8080");
  ctl_resolve_url(&g, "", out, sizeof out);
  assert_string_equal(out, "http://127.0.0.1:8080");
  ctl_resolve_url(&g, "http://env:1/", out, sizeof out);
  assert_string_equal(out, "http://env:1");
  g.url_given = true;
  strcpy(g.url, "http://flag:2");
  ctl_resolve_url(&g, "http://env:1", out, sizeof out);
  assert_string_equal(out, "http://flag:2");

  ctl_token_path(&g, NULL, out, sizeof out);
  assert_string_equal(out, "/var/lib/borne/api-token");
  ctl_token_path(&g, "/srv/borne/", out, sizeof out);
  assert_string_equal(out, "/srv/borne/api-token");
  g.data_dir_given = true;
  strcpy(g.data_dir, "/tmp/x");
  ctl_token_path(&g, "/srv/borne", out, sizeof out);
  assert_string_equal(out, "/tmp/x/api-token");
  ctl_data_path(&g, "/srv/borne", "setup-code", out, sizeof out);
  assert_string_equal(out, "/tmp/x/setup-code");
}

/* setup-code reads a file of the data directory: no request at all. */
static void setup_code_sends_nothing(void **state) {
  (void)state;
  parse_result r = PARSE("--data-dir", "/srv/b", "setup-code");
  assert_int_equal(r.rc, 0);
  assert_int_equal(r.cmd.run, CTL_RUN_SETUP_CODE);
  assert_string_equal(r.g.data_dir, "/srv/b");
  assert_string_equal(r.cmd.path, "");
  expect_usage_error(PARSE("setup-code", "x"), "takes no arguments");
  assert_non_null(strstr(ctl_usage(), "setup-code"));
}

static void encoding_helpers(void **state) {
  (void)state;
  char out[64];
  assert_int_equal(url_encode("Room 12/é+&=", strlen("Room 12/é+&="), out, sizeof out), 27);
  assert_string_equal(out, "Room%2012%2F%C3%A9%2B%26%3D");
  assert_int_equal(url_encode("abc", 3, out, 4), 3);
  assert_int_equal(url_encode("abcd", 4, out, 4), -1);
  assert_int_equal(url_encode(" ", 1, out, 3), -1);

  assert_int_equal(ctl_uid_segment("04:d4-e5 f6", out, sizeof out), 0);
  assert_string_equal(out, "04D4E5F6");
  assert_int_equal(ctl_uid_segment("XYZ!", out, sizeof out), 0);
  assert_string_equal(out, "XYZ%21");
  assert_int_equal(ctl_uid_segment("::", out, sizeof out), 0);
  assert_string_equal(out, "%3A%3A");
  assert_int_equal(ctl_uid_segment("ABCDEF", out, 6), -1);

  assert_string_equal(ctl_status_canonical("faulted"), "Faulted");
  assert_string_equal(ctl_status_canonical("SUSPENDEDEVSE"), "SuspendedEVSE");
  assert_null(ctl_status_canonical("Suspended"));
}

static void config_export_and_import(void **state) {
  (void)state;
  parse_result r = PARSE("config", "export");
  assert_int_equal(r.rc, 0);
  assert_string_equal(r.cmd.method, "GET");
  assert_string_equal(r.cmd.path, "/api/v1/config/export");
  assert_int_equal(r.cmd.view, CTL_VIEW_RAW);
  assert_string_equal(r.cmd.body_file, "");
  r = PARSE("config", "import", "saved.json");
  assert_int_equal(r.rc, 0);
  assert_string_equal(r.cmd.method, "POST");
  assert_string_equal(r.cmd.path, "/api/v1/config/import");
  assert_string_equal(r.cmd.body_file, "saved.json");
  assert_int_equal(r.cmd.view, CTL_VIEW_IMPORT);
  assert_false(r.cmd.has_body);
  r = PARSE("config", "import", "-", "--dry-run");
  assert_int_equal(r.rc, 0);
  assert_string_equal(r.cmd.path, "/api/v1/config/import?dry_run=1");
  assert_string_equal(r.cmd.body_file, "-");
  expect_usage_error(PARSE("config"), "config: expected");
  expect_usage_error(PARSE("config", "import"), "config: expected");
  expect_usage_error(PARSE("config", "export", "x.json"), "config: expected");
  expect_usage_error(PARSE("config", "export", "--dry-run"), "config: expected");
  expect_usage_error(PARSE("config", "import", "a", "--force"), "unknown option --force");
  expect_usage_error(PARSE("config", "import", ""), "empty file name");
}

static void tamper_verbs(void **state) {
  (void)state;
  parse_result r = PARSE("tamper", "ack");
  assert_int_equal(r.rc, 0);
  assert_string_equal(r.cmd.method, "POST");
  assert_string_equal(r.cmd.path, "/api/v1/tamper/ack");
  assert_true(r.cmd.has_body);
  assert_int_equal(r.cmd.field_count, 0);
  r = PARSE("tamper", "open");
  assert_int_equal(r.rc, 0);
  assert_string_equal(r.cmd.path, "/api/v1/sim/tamper");
  assert_string_equal(field(&r.cmd, "open")->text, "true");
  r = PARSE("tamper", "close");
  assert_string_equal(field(&r.cmd, "open")->text, "false");
  expect_usage_error(PARSE("tamper"), "tamper ack|open|close");
  expect_usage_error(PARSE("tamper", "shut"), "`shut` is not ack, open or close");
  expect_usage_error(PARSE("tamper", "ack", "now"), "tamper");
}

static void network_verbs(void **state) {
  (void)state;
  parse_result r = PARSE("network", "status");
  assert_int_equal(r.rc, 0);
  assert_string_equal(r.cmd.method, "GET");
  assert_string_equal(r.cmd.path, "/api/v1/network");
  assert_false(r.cmd.has_body);
  r = PARSE("network", "scan");
  assert_string_equal(r.cmd.method, "POST");
  assert_string_equal(r.cmd.path, "/api/v1/network/scan");
  assert_true(r.cmd.has_body);
  r = PARSE("network", "join", "borne lab", "--psk", "secret-key");
  assert_int_equal(r.rc, 0);
  assert_string_equal(r.cmd.path, "/api/v1/network/join");
  assert_string_equal(field(&r.cmd, "ssid")->text, "borne lab");
  assert_string_equal(field(&r.cmd, "psk")->text, "secret-key");
  r = PARSE("network", "join", "cafe");
  assert_null(field(&r.cmd, "psk"));
  r = PARSE("network", "ethernet", "static", "10.0.0.2/8", "--gateway", "10.0.0.1", "--dns",
            "10.0.0.1,9.9.9.9");
  assert_int_equal(r.rc, 0);
  assert_string_equal(field(&r.cmd, "method")->text, "static");
  assert_string_equal(field(&r.cmd, "address")->text, "10.0.0.2/8");
  assert_string_equal(field(&r.cmd, "gateway")->text, "10.0.0.1");
  assert_string_equal(field(&r.cmd, "dns")->text, "10.0.0.1,9.9.9.9");
  r = PARSE("network", "ethernet", "dhcp");
  assert_int_equal(r.cmd.field_count, 1);
  r = PARSE("network", "cellular", "internet.example");
  assert_string_equal(field(&r.cmd, "apn")->text, "internet.example");
  assert_int_equal(r.cmd.field_count, 1);
  r = PARSE("network", "cellular", "m2m.op", "--user", "bob", "--password", "pw", "--pin", "0123",
            "--network", "20801", "--auth", "chap");
  assert_int_equal(r.rc, 0);
  assert_string_equal(field(&r.cmd, "username")->text, "bob");
  assert_string_equal(field(&r.cmd, "password")->text, "pw");
  assert_string_equal(field(&r.cmd, "pin")->text, "0123");
  assert_int_equal(field(&r.cmd, "pin")->kind, CTL_VAL_STRING);
  assert_string_equal(field(&r.cmd, "network")->text, "20801");
  assert_string_equal(field(&r.cmd, "auth")->text, "chap");
  expect_usage_error(PARSE("network", "join", "x", "--pin", "1234"), "--pin");
  r = PARSE("network", "ap", "on");
  assert_string_equal(r.cmd.path, "/api/v1/network/setup_ap");
  assert_string_equal(field(&r.cmd, "on")->text, "true");
  assert_int_equal(field(&r.cmd, "on")->kind, CTL_VAL_BOOL);
  r = PARSE("network", "ap", "off");
  assert_string_equal(field(&r.cmd, "on")->text, "false");
  expect_usage_error(PARSE("network"), "network: expected");
  expect_usage_error(PARSE("network", "reboot"), "network: expected");
  expect_usage_error(PARSE("network", "join"), "network: expected");
  expect_usage_error(PARSE("network", "ethernet", "static"), "network: expected");
  expect_usage_error(PARSE("network", "ethernet", "auto"), "`auto` is not dhcp or static");
  expect_usage_error(PARSE("network", "ethernet", "dhcp", "--dns", "1.1.1.1"), "--dns");
  expect_usage_error(PARSE("network", "scan", "--psk", "x"), "--psk goes with join");
  expect_usage_error(PARSE("network", "ap", "maybe"), "`maybe` is not on or off");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(status_and_globals_anywhere),
      cmocka_unit_test(no_verb_unknown_verb_and_help),
      cmocka_unit_test(plug_builds_a_typed_body),
      cmocka_unit_test(plug_numbers_are_checked_before_sending),
      cmocka_unit_test(simulator_verbs),
      cmocka_unit_test(sessions_query_is_encoded),
      cmocka_unit_test(badges_and_users),
      cmocka_unit_test(set_get_start_stop),
      cmocka_unit_test(events_and_wait),
      cmocka_unit_test(double_dash_makes_words_literal),
      cmocka_unit_test(url_and_token_resolution),
      cmocka_unit_test(encoding_helpers),
      cmocka_unit_test(config_export_and_import),
      cmocka_unit_test(setup_code_sends_nothing),
      cmocka_unit_test(tamper_verbs),
      cmocka_unit_test(network_verbs),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
