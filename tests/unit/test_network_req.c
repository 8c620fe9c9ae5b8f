/*
 * Network requests (src/network/network_req.c) and the simulated back end
 * (src/network/network_sim.c): every action's members are checked (lengths,
 * WPA2 key shapes of IEEE 802.11i H.4, CIDR addresses, APN characters,
 * unknown members) before anything reaches NetworkManager; what is accepted
 * is written to borne-nm's JSON as given; the simulated networks refuse an
 * unknown name and a wrong key, and their view follows each action.
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

#include "network/network_req.h"
#include "network/network_sim.h"

static int parse(net_op op, const char *text, net_request *r, char *err, size_t errlen) {
  json_t *body = json_loads(text, JSON_ALLOW_NUL, NULL);
  assert_non_null(body);
  int rc = net_request_parse(op, body, r, err, errlen);
  json_decref(body);
  return rc;
}

static void expect_refused(net_op op, const char *text, const char *member) {
  net_request r;
  char err[200] = "";
  assert_int_equal(parse(op, text, &r, err, sizeof err), -1);
  if (!strstr(err, member)) fail_msg("%s: error `%s` does not name %s", text, err, member);
}

static void test_action_names(void **s) {
  (void)s;
  assert_int_equal(net_op_from_name("join"), NET_OP_JOIN);
  assert_int_equal(net_op_from_name("setup_ap"), NET_OP_SETUP_AP);
  assert_int_equal(net_op_from_name("status"), -1); /* GET, not an action */
  assert_int_equal(net_op_from_name("reboot"), -1);
  assert_int_equal(net_op_from_name(NULL), -1);
  /* the OCPP link's own request is no route */
  assert_int_equal(net_op_from_name("cellular_installer"), -1);
}

static void test_join(void **s) {
  (void)s;
  net_request r;
  char err[200];
  assert_int_equal(
      parse(NET_OP_JOIN, "{\"ssid\":\"borne-lab\",\"psk\":\"12345678\"}", &r, err, sizeof err), 0);
  assert_string_equal(r.ssid, "borne-lab");
  assert_string_equal(r.psk, "12345678");
  assert_int_equal(parse(NET_OP_JOIN, "{\"ssid\":\"cafe\"}", &r, err, sizeof err), 0);
  assert_string_equal(r.psk, "");
  char hex[128];
  snprintf(hex, sizeof hex, "{\"ssid\":\"x\",\"psk\":\"%s\"}",
           "0123456789abcdef0123456789ABCDEF0123456789abcdef0123456789abcdef");
  assert_int_equal(parse(NET_OP_JOIN, hex, &r, err, sizeof err), 0);
  expect_refused(NET_OP_JOIN, "{}", "ssid");
  expect_refused(NET_OP_JOIN, "{\"ssid\":\"\"}", "ssid");
  expect_refused(NET_OP_JOIN, "{\"ssid\":\"123456789012345678901234567890123\"}", "ssid");
  expect_refused(NET_OP_JOIN, "{\"ssid\":\"a\\nb\"}", "ssid");
  expect_refused(NET_OP_JOIN, "{\"ssid\":\"a\\u0000b\"}", "ssid");
  expect_refused(NET_OP_JOIN, "{\"ssid\":5}", "ssid");
  expect_refused(NET_OP_JOIN, "{\"ssid\":\"x\",\"psk\":\"1234567\"}", "psk");
  expect_refused(NET_OP_JOIN, "{\"ssid\":\"x\",\"psk\":\"caf\\u00e9-caf\\u00e9\"}", "psk");
  /* 64 characters that are not all hex: neither a passphrase nor a key */
  expect_refused(NET_OP_JOIN,
                 "{\"ssid\":\"x\",\"psk\":"
                 "\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeg\"}",
                 "psk");
  expect_refused(NET_OP_JOIN, "{\"ssid\":\"x\",\"password\":\"12345678\"}", "password");
}

static void test_ethernet(void **s) {
  (void)s;
  net_request r;
  char err[200];
  assert_int_equal(parse(NET_OP_ETHERNET, "{\"method\":\"dhcp\"}", &r, err, sizeof err), 0);
  assert_true(r.dhcp);
  assert_int_equal(parse(NET_OP_ETHERNET,
                         "{\"method\":\"static\",\"address\":\"192.168.1.20/24\",\"gateway\":"
                         "\"192.168.1.1\",\"dns\":[\"1.1.1.1\",\"9.9.9.9\"]}",
                         &r, err, sizeof err),
                   0);
  assert_false(r.dhcp);
  assert_string_equal(r.address, "192.168.1.20/24");
  assert_string_equal(r.gateway, "192.168.1.1");
  assert_int_equal(r.dns_count, 2);
  assert_string_equal(r.dns[1], "9.9.9.9");
  /* bornectl's --dns: one string */
  assert_int_equal(parse(NET_OP_ETHERNET,
                         "{\"method\":\"static\",\"address\":\"10.0.0.2/8\",\"dns\":\"10.0.0.1,"
                         "10.0.0.3\"}",
                         &r, err, sizeof err),
                   0);
  assert_int_equal(r.dns_count, 2);
  assert_string_equal(r.dns[0], "10.0.0.1");
  expect_refused(NET_OP_ETHERNET, "{\"method\":\"auto\"}", "method");
  expect_refused(NET_OP_ETHERNET, "{}", "method");
  expect_refused(NET_OP_ETHERNET, "{\"method\":\"dhcp\",\"gateway\":\"1.2.3.4\"}",
                 "only with method static");
  expect_refused(NET_OP_ETHERNET, "{\"method\":\"static\"}", "address");
  static const char *const bad_addresses[] = {"10.0.0.1",      "10.0.0.1/33",  "10.0.0.1/0",
                                              "10.0.0.256/24", "10.0.0.1/2x",  "10.0.0.1/",
                                              "/24",           "10.0.0.1/024", "fe80::1/64"};
  for (size_t i = 0; i < sizeof bad_addresses / sizeof bad_addresses[0]; i++) {
    const char *bad = bad_addresses[i];
    char text[200];
    snprintf(text, sizeof text, "{\"method\":\"static\",\"address\":\"%s\"}", bad);
    expect_refused(NET_OP_ETHERNET, text, "address");
  }
  expect_refused(NET_OP_ETHERNET,
                 "{\"method\":\"static\",\"address\":\"10.0.0.2/8\",\"gateway\":\"10.0.0\"}",
                 "gateway");
  expect_refused(NET_OP_ETHERNET,
                 "{\"method\":\"static\",\"address\":\"10.0.0.2/8\",\"dns\":[\"1.1.1.1\","
                 "\"1.0.0.1\",\"9.9.9.9\",\"8.8.8.8\"]}",
                 "dns");
  expect_refused(NET_OP_ETHERNET, "{\"method\":\"static\",\"address\":\"10.0.0.2/8\",\"dns\":[1]}",
                 "dns");
  expect_refused(NET_OP_ETHERNET,
                 "{\"method\":\"static\",\"address\":\"10.0.0.2/8\",\"dns\":\"1.1.1.1,,x\"}",
                 "dns");
}

static void test_cellular_and_ap(void **s) {
  (void)s;
  net_request r;
  char err[200];
  assert_int_equal(
      parse(NET_OP_CELLULAR, "{\"apn\":\"internet.m2m-provider.fr\"}", &r, err, sizeof err), 0);
  assert_string_equal(r.apn, "internet.m2m-provider.fr");
  expect_refused(NET_OP_CELLULAR, "{}", "apn");
  expect_refused(NET_OP_CELLULAR, "{\"apn\":\"two words\"}", "apn");
  expect_refused(NET_OP_CELLULAR, "{\"apn\":\".internet\"}", "apn");
  assert_int_equal(parse(NET_OP_SETUP_AP, "{\"on\":true}", &r, err, sizeof err), 0);
  assert_true(r.on);
  assert_int_equal(parse(NET_OP_SETUP_AP, "{\"on\":false}", &r, err, sizeof err), 0);
  assert_false(r.on);
  expect_refused(NET_OP_SETUP_AP, "{\"on\":1}", "on");
  expect_refused(NET_OP_SETUP_AP, "{}", "on");
  expect_refused(NET_OP_SCAN, "{\"all\":true}", "all");
  assert_int_equal(parse(NET_OP_SCAN, "{}", &r, err, sizeof err), 0);
  json_t *arr = json_array();
  assert_int_equal(net_request_parse(NET_OP_SCAN, arr, &r, err, sizeof err), -1);
  json_decref(arr);
}

/* The cellular connection's other members: credentials, PIN, the network
 * to register on, the authentication allowed; each checked. */
static void test_cellular_members(void **s) {
  (void)s;
  net_request r;
  char err[200];
  assert_int_equal(parse(NET_OP_CELLULAR,
                         "{\"apn\":\"m2m.op\",\"username\":\"bob\",\"password\":\"p w!\","
                         "\"pin\":\"0123\",\"network\":\"20801\",\"auth\":\"chap\"}",
                         &r, err, sizeof err),
                   0);
  assert_string_equal(r.apn_user, "bob");
  assert_string_equal(r.apn_password, "p w!");
  assert_string_equal(r.pin, "0123");
  assert_string_equal(r.network, "20801");
  assert_int_equal(r.auth, NET_AUTH_CHAP);
  assert_int_equal(r.slot, NET_CELL_INSTALLER);
  assert_int_equal(parse(NET_OP_CELLULAR, "{\"apn\":\"m2m.op\"}", &r, err, sizeof err), 0);
  assert_int_equal(r.auth, NET_AUTH_AUTO);
  assert_string_equal(r.pin, "");
  expect_refused(NET_OP_CELLULAR, "{\"apn\":\"a\",\"pin\":\"123\"}", "pin");
  expect_refused(NET_OP_CELLULAR, "{\"apn\":\"a\",\"pin\":\"12a4\"}", "pin");
  expect_refused(NET_OP_CELLULAR, "{\"apn\":\"a\",\"pin\":\"123456789\"}", "pin");
  expect_refused(NET_OP_CELLULAR, "{\"apn\":\"a\",\"network\":\"2080\"}", "network");
  expect_refused(NET_OP_CELLULAR, "{\"apn\":\"a\",\"network\":\"20801x\"}", "network");
  expect_refused(NET_OP_CELLULAR, "{\"apn\":\"a\",\"auth\":\"mschap\"}", "auth");
  expect_refused(NET_OP_CELLULAR, "{\"apn\":\"a\",\"auth\":\"none\",\"username\":\"u\"}", "auth");
  expect_refused(NET_OP_CELLULAR, "{\"apn\":\"a\",\"username\":\"tab\\there\"}", "username");
  expect_refused(NET_OP_CELLULAR, "{\"apn\":\"a\",\"password\":7}", "password");
  expect_refused(NET_OP_CELLULAR, "{\"apn\":\"a\",\"slot\":2}", "slot"); /* not the API's */
  assert_int_equal(parse(NET_OP_CELLULAR, "{\"apn\":\"a\",\"auth\":\"none\"}", &r, err, sizeof err),
                   0);
  assert_int_equal(r.auth, NET_AUTH_NONE);

  /* borne-nm gets every member, and the slot */
  r = (net_request){.op = NET_OP_CELLULAR,
                    .apn = "m2m.op",
                    .apn_user = "bob",
                    .pin = "1234",
                    .auth = NET_AUTH_PAP,
                    .slot = 3};
  json_t *o = net_request_json(&r);
  char *text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
  assert_string_equal(text, "{\"apn\":\"m2m.op\",\"auth\":\"pap\",\"network\":\"\",\"op\":"
                            "\"cellular\",\"password\":\"\",\"pin\":\"1234\",\"slot\":3,"
                            "\"username\":\"bob\"}");
  free(text);
  json_decref(o);
  r = (net_request){.op = NET_OP_CELLULAR_INSTALLER};
  o = net_request_json(&r);
  text = json_dumps(o, JSON_COMPACT);
  assert_string_equal(text, "{\"op\":\"cellular_installer\"}");
  free(text);
  json_decref(o);
}

static void test_helper_json(void **s) {
  (void)s;
  net_request r;
  char err[200];
  assert_int_equal(
      parse(NET_OP_ETHERNET,
            "{\"method\":\"static\",\"address\":\"10.0.0.2/8\",\"dns\":[\"10.0.0.1\"]}", &r, err,
            sizeof err),
      0);
  json_t *o = net_request_json(&r);
  char *text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
  assert_string_equal(text, "{\"address\":\"10.0.0.2/8\",\"dns\":[\"10.0.0.1\"],\"method\":"
                            "\"static\",\"op\":\"ethernet\"}");
  free(text);
  json_decref(o);
  assert_int_equal(
      parse(NET_OP_JOIN, "{\"ssid\":\"a\\\"b\",\"psk\":\"12345678\"}", &r, err, sizeof err), 0);
  o = net_request_json(&r);
  assert_string_equal(json_string_value(json_object_get(o, "ssid")), "a\"b");
  assert_string_equal(json_string_value(json_object_get(o, "op")), "join");
  json_decref(o);
}

static const json_t *iface(const json_t *view, const char *name) {
  size_t i;
  const json_t *it;
  json_array_foreach(json_object_get(view, "interfaces"), i, it) {
    if (strcmp(json_string_value(json_object_get(it, "name")), name) == 0) return it;
  }
  fail_msg("no interface %s", name);
  return NULL;
}

static const char *member(const json_t *o, const char *name) {
  return json_string_value(json_object_get(o, name));
}

static void test_sim(void **s) {
  (void)s;
  net_sim sim;
  net_sim_init(&sim);
  char err[200];
  json_t *v = net_sim_status(&sim);
  assert_int_equal(json_array_size(json_object_get(v, "wifi")), 0); /* not scanned yet */
  assert_string_equal(member(iface(v, "eth0"), "method"), "dhcp");
  assert_string_equal(member(iface(v, "wlan0"), "state"), "disconnected");
  json_decref(v);

  net_request r = {.op = NET_OP_SCAN};
  assert_int_equal(net_sim_apply(&sim, &r, err, sizeof err), 0);
  r = (net_request){.op = NET_OP_JOIN, .ssid = "nowhere"};
  assert_int_equal(net_sim_apply(&sim, &r, err, sizeof err), -1);
  assert_non_null(strstr(err, "no Wi-Fi network named \"nowhere\""));
  r = (net_request){.op = NET_OP_JOIN, .ssid = "borne-lab", .psk = "wrong-key"};
  assert_int_equal(net_sim_apply(&sim, &r, err, sizeof err), -1);
  assert_non_null(strstr(err, "refused the key"));
  r = (net_request){.op = NET_OP_JOIN, .ssid = "borne-lab", .psk = "borne-lab-key"};
  assert_int_equal(net_sim_apply(&sim, &r, err, sizeof err), 0);
  r = (net_request){.op = NET_OP_ETHERNET, .address = "10.1.2.3/16", .gateway = "10.1.0.1"};
  assert_int_equal(net_sim_apply(&sim, &r, err, sizeof err), 0);
  r = (net_request){.op = NET_OP_CELLULAR, .apn = "internet"};
  assert_int_equal(net_sim_apply(&sim, &r, err, sizeof err), 0);

  v = net_sim_status(&sim);
  assert_string_equal(member(v, "state"), "connected");
  const json_t *w = iface(v, "wlan0");
  assert_string_equal(member(w, "state"), "connected");
  assert_string_equal(member(w, "connection"), "borne-lab");
  const json_t *lab = json_array_get(json_object_get(v, "wifi"), 0);
  assert_string_equal(member(lab, "ssid"), "borne-lab");
  assert_true(json_is_true(json_object_get(lab, "active")));
  assert_true(json_is_true(json_object_get(lab, "secured")));
  assert_false(
      json_is_true(json_object_get(json_array_get(json_object_get(v, "wifi"), 1), "secured")));
  const json_t *e = iface(v, "eth0");
  assert_string_equal(member(e, "method"), "static");
  assert_string_equal(json_string_value(json_array_get(json_object_get(e, "addresses"), 0)),
                      "10.1.2.3/16");
  assert_string_equal(member(e, "gateway"), "10.1.0.1");
  assert_string_equal(member(iface(v, "wwan0"), "connection"), "borne-cellular");
  assert_string_equal(member(iface(v, "wwan0"), "apn"), "internet");
  assert_string_equal(member(iface(v, "wwan0"), "operator"), "00101");
  json_decref(v);

  /* the setup access point takes the Wi-Fi interface while open */
  r = (net_request){.op = NET_OP_SETUP_AP, .on = true, .ssid = "borne-setup"};
  assert_int_equal(net_sim_apply(&sim, &r, err, sizeof err), 0);
  v = net_sim_status(&sim);
  assert_string_equal(member(iface(v, "wlan0"), "connection"), "borne-setup-ap");
  json_decref(v);
  r = (net_request){.op = NET_OP_SETUP_AP, .on = false};
  assert_int_equal(net_sim_apply(&sim, &r, err, sizeof err), 0);
  v = net_sim_status(&sim);
  assert_string_equal(member(iface(v, "wlan0"), "connection"), "borne-lab");
  json_decref(v);
}

/* The modem's connections: the installer's, and an OCPP slot's brought up
 * over it by the link, then the installer's back; a network the SIM cannot
 * register on fails. */
static void test_sim_cellular_slots(void **s) {
  (void)s;
  net_sim sim;
  net_sim_init(&sim);
  char err[200];
  json_t *v = net_sim_status(&sim);
  assert_string_equal(member(iface(v, "wwan0"), "state"), "disconnected");
  assert_true(json_is_null(json_object_get(iface(v, "wwan0"), "apn")));
  json_decref(v);
  /* back to the installer's with no slot's up: nothing happens */
  net_request r = {.op = NET_OP_CELLULAR_INSTALLER};
  assert_int_equal(net_sim_apply(&sim, &r, err, sizeof err), 0);
  v = net_sim_status(&sim);
  assert_string_equal(member(iface(v, "wwan0"), "state"), "disconnected");
  json_decref(v);

  r = (net_request){.op = NET_OP_CELLULAR, .apn = "installer.apn"};
  assert_int_equal(net_sim_apply(&sim, &r, err, sizeof err), 0);
  r = (net_request){.op = NET_OP_CELLULAR, .apn = "csms.apn", .slot = 2};
  assert_int_equal(net_sim_apply(&sim, &r, err, sizeof err), 0);
  v = net_sim_status(&sim);
  assert_string_equal(member(iface(v, "wwan0"), "connection"), "borne-cellular-slot2");
  assert_string_equal(member(iface(v, "wwan0"), "apn"), "csms.apn");
  json_decref(v);
  r = (net_request){.op = NET_OP_CELLULAR_INSTALLER};
  assert_int_equal(net_sim_apply(&sim, &r, err, sizeof err), 0);
  v = net_sim_status(&sim);
  assert_string_equal(member(iface(v, "wwan0"), "connection"), "borne-cellular");
  assert_string_equal(member(iface(v, "wwan0"), "apn"), "installer.apn");
  json_decref(v);

  r = (net_request){.op = NET_OP_CELLULAR, .apn = "other.apn", .slot = 3, .network = "20801"};
  assert_int_equal(net_sim_apply(&sim, &r, err, sizeof err), -1);
  assert_non_null(strstr(err, "cannot register on network 20801"));
  r = (net_request){
      .op = NET_OP_CELLULAR, .apn = "other.apn", .slot = 3, .network = NET_SIM_OPERATOR};
  assert_int_equal(net_sim_apply(&sim, &r, err, sizeof err), 0);
  r = (net_request){.op = NET_OP_CELLULAR, .apn = "x", .slot = NET_CELL_SLOTS};
  assert_int_equal(net_sim_apply(&sim, &r, err, sizeof err), -1);
}

/* Interface names (network.interface.*): what the kernel takes, ASCII. */
static void test_ifname(void **s) {
  (void)s;
  assert_true(net_ifname_ok("eth0"));
  assert_true(net_ifname_ok("lo"));
  assert_true(net_ifname_ok("wwan0"));
  assert_true(net_ifname_ok("enp0s31f6"));
  assert_true(net_ifname_ok("br-lan.10"));
  assert_true(net_ifname_ok("abcdefghijklmno")); /* 15 */
  assert_false(net_ifname_ok("abcdefghijklmnop"));
  assert_false(net_ifname_ok(""));
  assert_false(net_ifname_ok("."));
  assert_false(net_ifname_ok(".."));
  assert_false(net_ifname_ok("eth0:1"));
  assert_false(net_ifname_ok("a/b"));
  assert_false(net_ifname_ok("eth 0"));
  assert_false(net_ifname_ok("eth\t0"));
  assert_false(net_ifname_ok("eth\xc3\xa9"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_action_names),     cmocka_unit_test(test_join),
      cmocka_unit_test(test_ethernet),         cmocka_unit_test(test_cellular_and_ap),
      cmocka_unit_test(test_helper_json),      cmocka_unit_test(test_sim),
      cmocka_unit_test(test_cellular_members), cmocka_unit_test(test_sim_cellular_slots),
      cmocka_unit_test(test_ifname),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
