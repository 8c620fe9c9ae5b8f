/*
 * The pure part of the MQTT module (src/mqtt/mqtt_proto.c): topic names,
 * the connector and station state payloads, the command decoder (every
 * command, every refusal, topics that are not ours), the result payload,
 * and the Home Assistant discovery messages checked against the documented
 * schema of each entity type (required keys, unique ids, device block,
 * availability) in both languages.
 */
/* cmocka.h needs these first */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
// clang-format on

#include <jansson.h>
#include <stdlib.h>

#include "mqtt/mqtt_proto.h"

static void test_topics(void **state) {
  (void)state;
  char t[MQTT_TOPIC_MAX];
  assert_int_equal(mqtt_topic(t, sizeof t, "borne", "st-1", "connector/2/state"), 0);
  assert_string_equal(t, "borne/st-1/connector/2/state");
  char small[8];
  assert_int_equal(mqtt_topic(small, sizeof small, "borne", "st-1", "availability"), -1);
}

static void test_connector_state(void **state) {
  (void)state;
  mqtt_connector_state s = {.status = "Charging",
                            .cp_state = "C",
                            .power_w = 7360.04,
                            .energy_wh = 12345.67,
                            .session_wh = 800,
                            .has_session = true,
                            .offered_a = 16,
                            .current_a = {16, 15.96, 0},
                            .limited_by = "mqtt",
                            .charge_mode = "normal",
                            .enabled = true,
                            .limit_a = 16,
                            .error = NULL};
  char *text = mqtt_connector_state_json(&s);
  json_t *o = json_loads(text, 0, NULL);
  assert_non_null(o);
  assert_string_equal(json_string_value(json_object_get(o, "status")), "Charging");
  assert_true(json_real_value(json_object_get(o, "power_w")) == 7360.0);
  assert_true(json_real_value(json_object_get(o, "energy_wh")) == 12345.7);
  assert_true(json_real_value(json_object_get(o, "session_energy_wh")) == 800.0);
  assert_true(json_real_value(json_object_get(o, "offered_a")) == 16.0);
  assert_string_equal(json_string_value(json_object_get(o, "limited_by")), "mqtt");
  assert_string_equal(json_string_value(json_object_get(o, "charge_mode")), "normal");
  assert_true(json_is_true(json_object_get(o, "enabled")));
  assert_true(json_is_null(json_object_get(o, "error")));
  assert_int_equal(json_array_size(json_object_get(o, "current_a")), 3);
  json_decref(o);
  free(text);
  /* nothing limits, no session, no MQTT limit, a fault */
  s.limited_by = NULL;
  s.has_session = false;
  s.limit_a = -1;
  s.error = "Earth fault";
  text = mqtt_connector_state_json(&s);
  o = json_loads(text, 0, NULL);
  assert_true(json_is_null(json_object_get(o, "limited_by")));
  assert_true(json_is_null(json_object_get(o, "current_limit_a")));
  assert_true(json_real_value(json_object_get(o, "session_energy_wh")) == 0.0);
  assert_string_equal(json_string_value(json_object_get(o, "error")), "Earth fault");
  json_decref(o);
  free(text);
  mqtt_station_state ss = {
      .status = "Charging", .backend = "offline", .site_limit_a = -1, .connectors = 2};
  text = mqtt_station_state_json(&ss);
  assert_string_equal(
      text,
      "{\"backend\":\"offline\",\"connectors\":2,\"site_limit_a\":null,\"status\":\"Charging\"}");
  free(text);
}

static void test_station_status(void **state) {
  (void)state;
  const char *a[] = {"Available", "Faulted", "Charging"};
  assert_string_equal(mqtt_station_status(a, 3), "Charging");
  assert_string_equal(mqtt_station_status(a, 2), "Available"); /* one still free */
  const char *b[] = {"Available", "SuspendedEV"};
  assert_string_equal(mqtt_station_status(b, 2), "Occupied");
  const char *r[] = {"Unavailable", "Reserved"};
  assert_string_equal(mqtt_station_status(r, 2), "Occupied");
  const char *f[] = {"Unavailable", "Faulted"};
  assert_string_equal(mqtt_station_status(f, 2), "Faulted");
  assert_string_equal(mqtt_station_status(f, 1), "Unavailable");
  assert_string_equal(mqtt_station_status(f, 0), "Unavailable");
  const char *one[] = {"Available"};
  assert_string_equal(mqtt_station_status(one, 1), "Available");
}

static int parse(const char *topic, const char *payload, mqtt_command *c, char *err) {
  return mqtt_command_parse("borne", "st-1", 2, topic, payload, strlen(payload), c, err, 200);
}

static void test_commands(void **state) {
  (void)state;
  mqtt_command c;
  char err[200];
  assert_int_equal(parse("borne/st-1/connector/2/set/current_limit_a", " 10.5\n", &c, err), 0);
  assert_int_equal(c.kind, MQTT_CMD_CURRENT_LIMIT);
  assert_int_equal(c.connector, 2);
  assert_true(c.amps == 10.5);
  assert_int_equal(parse("borne/st-1/connector/1/set/current_limit_a", "", &c, err), 0);
  assert_true(c.amps < 0);
  assert_int_equal(parse("borne/st-1/connector/1/set/current_limit_a", "none", &c, err), 0);
  assert_true(c.amps < 0);
  assert_int_equal(parse("borne/st-1/connector/1/set/charge_mode", "solar_min", &c, err), 0);
  assert_int_equal(c.kind, MQTT_CMD_CHARGE_MODE);
  assert_string_equal(c.text, "solar_min");
  assert_int_equal(parse("borne/st-1/connector/1/set/start", "PRESS", &c, err), 0);
  assert_int_equal(c.kind, MQTT_CMD_START);
  assert_string_equal(c.text, "");
  assert_int_equal(parse("borne/st-1/connector/1/set/start", "04A2B3C4", &c, err), 0);
  assert_string_equal(c.text, "04A2B3C4");
  assert_int_equal(parse("borne/st-1/connector/1/set/stop", "PRESS", &c, err), 0);
  assert_int_equal(c.kind, MQTT_CMD_STOP);
  assert_int_equal(parse("borne/st-1/connector/1/set/enabled", "OFF", &c, err), 0);
  assert_int_equal(c.kind, MQTT_CMD_ENABLED);
  assert_false(c.on);
  assert_int_equal(parse("borne/st-1/connector/1/set/enabled", "ON", &c, err), 0);
  assert_true(c.on);
  assert_int_equal(parse("borne/st-1/set/site_limit_a", "40", &c, err), 0);
  assert_int_equal(c.kind, MQTT_CMD_SITE_LIMIT);
  assert_int_equal(c.connector, 0);
  assert_true(c.amps == 40);

  /* not ours: ignored */
  assert_int_equal(parse("borne/st-2/connector/1/set/stop", "", &c, err), 1);
  assert_int_equal(parse("borne/st-1/connector/1/state", "", &c, err), 1);
  assert_int_equal(parse("other/st-1/set/site_limit_a", "3", &c, err), 1);
  assert_int_equal(parse("borne/st-1", "", &c, err), 1);
  assert_int_equal(parse("borne/st-1/connector/x/set/stop", "", &c, err), 1);

  /* ours but wrong: refused with a reason */
  assert_int_equal(parse("borne/st-1/connector/3/set/stop", "", &c, err), -1);
  assert_non_null(strstr(err, "no connector 3"));
  assert_string_equal(c.name, "stop");
  assert_int_equal(parse("borne/st-1/connector/0/set/stop", "", &c, err), -1);
  assert_int_equal(parse("borne/st-1/connector/1/set/current_limit_a", "abc", &c, err), -1);
  assert_non_null(strstr(err, "current_limit_a"));
  assert_int_equal(parse("borne/st-1/connector/1/set/current_limit_a", "-3", &c, err), -1);
  assert_int_equal(parse("borne/st-1/connector/1/set/current_limit_a", "81", &c, err), -1);
  assert_int_equal(parse("borne/st-1/connector/1/set/current_limit_a", "nan", &c, err), -1);
  assert_int_equal(parse("borne/st-1/connector/1/set/charge_mode", "turbo", &c, err), -1);
  assert_non_null(strstr(err, "turbo"));
  assert_int_equal(parse("borne/st-1/connector/1/set/enabled", "maybe", &c, err), -1);
  assert_int_equal(parse("borne/st-1/connector/1/set/start", "a b", &c, err), -1);
  assert_int_equal(parse("borne/st-1/connector/1/set/fly", "1", &c, err), -1);
  assert_non_null(strstr(err, "unknown command `fly`"));
  assert_int_equal(parse("borne/st-1/set/reboot", "1", &c, err), -1);
  assert_int_equal(parse("borne/st-1/set/site_limit_a", "lots", &c, err), -1);
  char big[100];
  memset(big, '1', sizeof big - 1);
  big[sizeof big - 1] = 0;
  assert_int_equal(parse("borne/st-1/connector/1/set/current_limit_a", big, &c, err), -1);
  assert_non_null(strstr(err, "too long"));
  assert_int_equal(mqtt_command_parse("borne", "st-1", 2, "borne/st-1/connector/1/set/enabled",
                                      "O\0N", 3, &c, err, sizeof err),
                   -1);
  assert_non_null(strstr(err, "printable"));
  /* an empty message arrives as NULL */
  assert_int_equal(mqtt_command_parse("borne", "st-1", 2, "borne/st-1/connector/1/set/stop", NULL,
                                      0, &c, err, sizeof err),
                   0);
  assert_int_equal(mqtt_command_parse("borne", "st-1", 2, "borne/st-1/connector/1/set/enabled",
                                      NULL, 0, &c, err, sizeof err),
                   -1);
}

static void test_result(void **state) {
  (void)state;
  mqtt_command c = {.connector = 1};
  snprintf(c.name, sizeof c.name, "stop");
  char *t = mqtt_result_json("borne/st-1/connector/1/set/stop", &c, false, "no session");
  json_t *o = json_loads(t, 0, NULL);
  assert_false(json_is_true(json_object_get(o, "ok")));
  assert_string_equal(json_string_value(json_object_get(o, "error")), "no session");
  assert_string_equal(json_string_value(json_object_get(o, "command")), "stop");
  assert_int_equal(json_integer_value(json_object_get(o, "connector")), 1);
  json_decref(o);
  free(t);
  t = mqtt_result_json("borne/st-1/connector/1/set/stop", &c, true, NULL);
  o = json_loads(t, 0, NULL);
  assert_true(json_is_true(json_object_get(o, "ok")));
  assert_null(json_object_get(o, "error"));
  json_decref(o);
  free(t);
}

/* Home Assistant's MQTT docs: the required options of each entity type */
static const char *required(const char *component) {
  if (!strcmp(component, "sensor") || !strcmp(component, "binary_sensor")) return "state_topic";
  if (!strcmp(component, "select")) return "command_topic options";
  return "command_topic"; /* number, button, switch */
}

static void check_discovery(const char *lang, int connectors) {
  mqtt_discovery_ctx c = {.discovery_prefix = "homeassistant",
                          .prefix = "borne",
                          .id = "st 1",
                          .language = lang,
                          .version = "1.0",
                          .connectors = connectors,
                          .max_a = 16};
  mqtt_message m[128];
  int n = mqtt_discovery_messages(&c, m, 128);
  assert_int_equal(n, 3 + 19 * connectors);
  json_t *uids = json_object();
  int per_type[6] = {0};
  static const char *const types[] = {"sensor", "binary_sensor", "number",
                                      "select", "button",        "switch"};
  for (int i = 0; i < n; i++) {
    char comp[32], node[64], obj[64];
    assert_int_equal(
        sscanf(m[i].topic, "homeassistant/%31[^/]/%63[^/]/%63[^/]/config", comp, node, obj), 3);
    assert_string_equal(node, "borne_st_1"); /* the space is not allowed in a node id */
    int t = -1;
    for (int k = 0; k < 6; k++)
      if (!strcmp(comp, types[k])) t = k;
    assert_true(t >= 0);
    per_type[t]++;
    json_t *o = json_loads(m[i].payload, 0, NULL);
    assert_non_null(o);
    char req[64];
    snprintf(req, sizeof req, "%s", required(comp));
    for (char *k = strtok(req, " "); k; k = strtok(NULL, " "))
      assert_non_null(json_object_get(o, k));
    const char *uid = json_string_value(json_object_get(o, "unique_id"));
    assert_non_null(uid);
    assert_null(json_object_get(uids, uid));
    json_object_set_new(uids, uid, json_true());
    assert_string_equal(json_string_value(json_object_get(o, "availability_topic")),
                        "borne/st 1/availability");
    json_t *dev = json_object_get(o, "device");
    assert_string_equal(json_string_value(json_array_get(json_object_get(dev, "identifiers"), 0)),
                        "borne_st_1");
    assert_non_null(json_string_value(json_object_get(o, "name")));
    if (!strcmp(obj, "c1_power")) {
      assert_string_equal(json_string_value(json_object_get(o, "device_class")), "power");
      assert_string_equal(json_string_value(json_object_get(o, "unit_of_measurement")), "W");
      assert_string_equal(json_string_value(json_object_get(o, "state_class")), "measurement");
      assert_string_equal(json_string_value(json_object_get(o, "name")),
                          !strcmp(lang, "fr") ? "Puissance 1" : "Power 1");
    }
    if (!strcmp(obj, "status")) { /* the station's, on its own state topic */
      assert_string_equal(json_string_value(json_object_get(o, "state_topic")), "borne/st 1/state");
      assert_string_equal(json_string_value(json_object_get(o, "name")),
                          !strcmp(lang, "fr") ? "État" : "Status");
    }
    if (!strcmp(obj, "c1_energy"))
      assert_string_equal(json_string_value(json_object_get(o, "state_class")), "total_increasing");
    if (!strcmp(obj, "c1_current_limit"))
      assert_true(json_real_value(json_object_get(o, "max")) == 16.0);
    json_decref(o);
  }
  assert_int_equal(per_type[0], 2 + 11 * connectors);
  assert_int_equal(per_type[1], 3 * connectors);
  assert_int_equal(per_type[2], 1 + connectors);
  assert_int_equal(per_type[3], connectors);
  assert_int_equal(per_type[4], 2 * connectors);
  assert_int_equal(per_type[5], connectors);
  json_decref(uids);
  mqtt_messages_free(m, n);
  /* too small an array: nothing */
  assert_int_equal(mqtt_discovery_messages(&c, m, 3), -1);
}

static void test_discovery(void **state) {
  (void)state;
  check_discovery("en", 2);
  check_discovery("fr", 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_topics),    cmocka_unit_test(test_connector_state),
      cmocka_unit_test(test_commands),  cmocka_unit_test(test_result),
      cmocka_unit_test(test_discovery), cmocka_unit_test(test_station_status),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
