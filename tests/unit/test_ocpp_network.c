/*
 * Network connection profiles (ocpp_network.h, OCPP 2.0.1 B09/B10): the
 * priority list, SetNetworkProfile's checks with the errata's reason codes,
 * the fallback cursor over the priority's entries, and the table across a
 * reopening of the database.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "keys/key_tables.h"
#include "network/network_req.h"
#include "ocpp/ocpp_network.h"
#include "test_tmpdir.h"
#include "config/config_tables.h"
#include "store/store.h"
#include "util/log.h"

static void priority_lists(void **state) {
  (void)state;
  int s[OCPP_NET_SLOTS];
  char why[120];
  assert_int_equal(ocpp_net_priority_parse("1", s, why, sizeof why), 1);
  assert_int_equal(s[0], 1);
  assert_int_equal(ocpp_net_priority_parse("2,1", s, why, sizeof why), 2);
  assert_int_equal(s[0], 2);
  assert_int_equal(s[1], 1);
  assert_int_equal(ocpp_net_priority_parse("3, 1 ,4", s, why, sizeof why), 3);
  assert_int_equal(s[2], 4);
  const char *bad[] = {"", "0", "5", "1,1", "a", "1;2", "1,,2", "-1", NULL};
  for (int i = 0; bad[i]; i++) {
    why[0] = 0;
    assert_int_equal(ocpp_net_priority_parse(bad[i], s, why, sizeof why), -1);
    assert_true(why[0] != 0);
  }
}

static json_t *profile(const char *url, int security) {
  return json_pack("{s:s, s:s, s:s, s:i, s:i, s:s}", "ocppVersion", "OCPP20", "ocppTransport",
                   "JSON", "ocppCsmsUrl", url, "messageTimeout", 30, "securityProfile", security,
                   "ocppInterface", "Wired0");
}

static void checks_follow_b09(void **state) {
  (void)state;
  char why[200];
  json_t *p = profile("ws://csms.example/ocpp", 0);
  assert_null(ocpp_net_check(2, p, 0, false, why, sizeof why)); /* B09.FR.01 */
  /* B09.FR.05: not a slot of the valuesList (1..4); slot 1 is the installer's */
  assert_string_equal(ocpp_net_check(5, p, 0, false, why, sizeof why), "InvalidConfSlot");
  assert_string_equal(ocpp_net_check(0, p, 0, false, why, sizeof why), "InvalidConfSlot");
  assert_string_equal(ocpp_net_check(1, p, 0, false, why, sizeof why), "InvalidConfSlot");
  /* B09.FR.04: lower than the profile in use */
  json_t *p1 = profile("ws://csms.example/ocpp", 1);
  assert_string_equal(ocpp_net_check(2, p, 1, true, why, sizeof why), "NoSecurityDowngrade");
  assert_null(ocpp_net_check(2, p1, 1, true, why, sizeof why)); /* equal is fine */
  json_t *p3 = profile("wss://csms.example/ocpp", 3);
  assert_string_equal(ocpp_net_check(2, p1, 2, true, why, sizeof why), "NoSecurityDowngrade");
  assert_null(ocpp_net_check(2, p3, 2, false, why, sizeof why)); /* higher is fine */
  /* AllowSecurityProfileDowngrade: 3 may go to 2, never lower; without it, none */
  assert_int_equal(ocpp_net_downgrade_floor(3, true), 2);
  assert_int_equal(ocpp_net_downgrade_floor(3, false), 3);
  assert_int_equal(ocpp_net_downgrade_floor(2, true), 2);
  assert_int_equal(ocpp_net_downgrade_floor(1, true), 1);
  json_t *p2 = profile("wss://csms.example/ocpp", 2);
  assert_null(ocpp_net_check(2, p2, ocpp_net_downgrade_floor(3, true), true, why, sizeof why));
  assert_string_equal(
      ocpp_net_check(2, p2, ocpp_net_downgrade_floor(3, false), true, why, sizeof why),
      "NoSecurityDowngrade");
  assert_string_equal(
      ocpp_net_check(2, p1, ocpp_net_downgrade_floor(3, true), true, why, sizeof why),
      "NoSecurityDowngrade");
  json_decref(p2);
  /* B09.FR.02: what cannot work */
  assert_string_equal(ocpp_net_check(2, p1, 0, false, why, sizeof why), "InvalidNetworkConf");
  json_t *tls_plain = profile("ws://csms.example/ocpp", 2);
  assert_string_equal(ocpp_net_check(2, tls_plain, 0, true, why, sizeof why), "InvalidNetworkConf");
  json_t *soap = profile("ws://csms.example/ocpp", 0);
  json_object_set_new(soap, "ocppTransport", json_string("SOAP"));
  assert_string_equal(ocpp_net_check(2, soap, 0, false, why, sizeof why), "InvalidNetworkConf");
  json_t *no_timeout = profile("ws://csms.example/ocpp", 0);
  json_object_set_new(no_timeout, "messageTimeout", json_integer(0));
  assert_string_equal(ocpp_net_check(3, no_timeout, 0, false, why, sizeof why),
                      "InvalidNetworkConf");
  json_t *http = profile("http://csms.example/ocpp", 0);
  assert_string_equal(ocpp_net_check(3, http, 0, false, why, sizeof why), "InvalidNetworkConf");
  json_decref(p);
  json_decref(p1);
  json_decref(p3);
  json_decref(tls_plain);
  json_decref(soap);
  json_decref(no_timeout);
  json_decref(http);
}

/* A profile's APN (B09): brought up on the modem only for a Wireless
 * interface; its members as NetworkManager takes them; what the modem would
 * refuse is InvalidNetworkConf (B09.FR.02), as is a vpn (no VPN client). */
static void apn_of_a_profile(void **state) {
  (void)state;
  char why[200];
  net_request r;
  json_t *p = profile("ws://csms.example/ocpp", 0);
  assert_int_equal(ocpp_net_apn(p, 2, &r, why, sizeof why), 0); /* no apn */
  json_object_set_new(p, "apn",
                      json_pack("{s:s, s:s, s:s, s:i, s:s, s:b, s:s}", "apn", "m2m.csms.example",
                                "apnUserName", "cs42", "apnPassword", "secret", "simPin", 12,
                                "preferredNetwork", "20810", "useOnlyPreferredNetwork", 1,
                                "apnAuthentication", "CHAP"));
  assert_int_equal(ocpp_net_apn(p, 2, &r, why, sizeof why), 0); /* Wired0: not the modem's */
  json_object_set_new(p, "ocppInterface", json_string("Wireless1"));
  assert_int_equal(ocpp_net_apn(p, 3, &r, why, sizeof why), 1);
  assert_int_equal(r.op, NET_OP_CELLULAR);
  assert_int_equal(r.slot, 3);
  assert_string_equal(r.apn, "m2m.csms.example");
  assert_string_equal(r.apn_user, "cs42");
  assert_string_equal(r.apn_password, "secret");
  assert_string_equal(r.pin, "0012"); /* an integer in OCPP: at least 4 digits */
  assert_string_equal(r.network, "20810");
  assert_int_equal(r.auth, NET_AUTH_CHAP);
  assert_null(ocpp_net_check(2, p, 0, false, why, sizeof why));
  /* a preferred network the modem may leave: not forced */
  json_t *a = json_object_get(p, "apn");
  json_object_set_new(a, "useOnlyPreferredNetwork", json_false());
  assert_int_equal(ocpp_net_apn(p, 2, &r, why, sizeof why), 1);
  assert_string_equal(r.network, "");
  json_object_set_new(a, "apnAuthentication", json_string("NONE"));
  assert_int_equal(ocpp_net_apn(p, 2, &r, why, sizeof why), -1); /* NONE with a user name */
  assert_string_equal(ocpp_net_check(2, p, 0, false, why, sizeof why), "InvalidNetworkConf");
  json_object_del(a, "apnUserName");
  json_object_del(a, "apnPassword");
  assert_int_equal(ocpp_net_apn(p, 2, &r, why, sizeof why), 1);
  assert_int_equal(r.auth, NET_AUTH_NONE);
  /* what the modem would not take */
  json_object_set_new(a, "apn", json_string("http://not an apn"));
  assert_string_equal(ocpp_net_check(2, p, 0, false, why, sizeof why), "InvalidNetworkConf");
  assert_non_null(strstr(why, "apn.apn"));
  json_object_set_new(a, "apn", json_string("ok.apn"));
  json_object_set_new(a, "simPin", json_integer(123456789));
  assert_string_equal(ocpp_net_check(2, p, 0, false, why, sizeof why), "InvalidNetworkConf");
  json_object_del(a, "simPin");
  json_object_set_new(a, "useOnlyPreferredNetwork", json_true());
  json_object_set_new(a, "preferredNetwork", json_string("208"));
  assert_string_equal(ocpp_net_check(2, p, 0, false, why, sizeof why), "InvalidNetworkConf");
  json_object_del(a, "preferredNetwork");
  json_object_del(a, "useOnlyPreferredNetwork");
  assert_null(ocpp_net_check(2, p, 0, false, why, sizeof why));
  /* a VPN the station cannot bring up */
  json_object_set_new(p, "vpn",
                      json_pack("{s:s, s:s, s:s, s:s, s:s}", "server", "vpn.example", "user", "u",
                                "password", "p", "key", "k", "type", "IKEv2"));
  assert_string_equal(ocpp_net_check(2, p, 0, false, why, sizeof why), "InvalidNetworkConf");
  assert_non_null(strstr(why, "VPN"));
  json_decref(p);
}

static void cursor_falls_back_and_comes_round(void **state) {
  (void)state;
  ocpp_net_cursor c = {0};
  /* three attempts on each of two entries (B10.FR.03) */
  assert_false(ocpp_net_attempt_failed(&c, 3, 2));
  assert_false(ocpp_net_attempt_failed(&c, 3, 2));
  assert_true(ocpp_net_attempt_failed(&c, 3, 2));
  assert_int_equal(c.index, 1);
  /* a connection starts the count again */
  assert_false(ocpp_net_attempt_failed(&c, 3, 2));
  ocpp_net_connected(&c);
  assert_int_equal(c.failed, 0);
  assert_false(ocpp_net_attempt_failed(&c, 3, 2));
  assert_false(ocpp_net_attempt_failed(&c, 3, 2));
  /* after the last entry, the first again (B10.FR.08): never giving up */
  assert_true(ocpp_net_attempt_failed(&c, 3, 2));
  assert_int_equal(c.index, 0);
  /* one entry: nothing to switch to */
  ocpp_net_cursor one = {0};
  for (int i = 0; i < 10; i++) assert_false(ocpp_net_attempt_failed(&one, 1, 1));
  assert_int_equal(one.index, 0);
}

static void table_keeps_profiles(void **state) {
  (void)state;
  log_set_level(LOG_ERROR);
  void *t = NULL;
  assert_int_equal(test_tmpdb_setup(&t, "borne-ocpp-network"), 0);
  test_tmpdb *tmp = t;
  char err[256];
  store *db = NULL;
  assert_int_equal(store_open(&db, tmp->path, err, sizeof err), 0);
  assert_int_equal(ocpp_net_open(db, err, sizeof err), 0);
  assert_null(ocpp_net_load(db, 2));
  json_t *p = profile("ws://b.example/ocpp", 0);
  assert_int_equal(ocpp_net_save(db, 2, p), 0);
  assert_int_equal(ocpp_net_save(db, 1, p), -1); /* the installer's: never stored */
  assert_int_equal(ocpp_net_save(db, 5, p), -1);
  json_t *q = profile("ws://c.example/ocpp", 0);
  assert_int_equal(ocpp_net_save(db, 2, q), 0); /* replaces */
  store_close(db);
  assert_int_equal(store_open(&db, tmp->path, err, sizeof err), 0);
  assert_int_equal(ocpp_net_open(db, err, sizeof err), 0);
  json_t *back = ocpp_net_load(db, 2);
  assert_non_null(back);
  assert_string_equal(json_string_value(json_object_get(back, "ocppCsmsUrl")),
                      "ws://c.example/ocpp");
  assert_null(ocpp_net_load(db, 3));
  /* A05.FR.10: a priority naming a slot below the profile in use */
  json_t *p2 = profile("wss://d.example/ocpp", 2);
  assert_int_equal(ocpp_net_save(db, 3, p2), 0);
  assert_int_equal(ocpp_net_priority_downgrade(db, "3,2,1", 0, 0), 0);
  assert_int_equal(ocpp_net_priority_downgrade(db, "3,2,1", 2, 2), 2); /* slot 2 is profile 0 */
  assert_int_equal(ocpp_net_priority_downgrade(db, "3,1", 1, 2), 1);   /* the installer's 1 */
  assert_int_equal(ocpp_net_priority_downgrade(db, "3,1", 2, 2), 0);
  assert_int_equal(ocpp_net_priority_downgrade(db, "4,3", 0, 2), 0); /* 4 is empty: skipped */
  assert_int_equal(ocpp_net_priority_downgrade(db, "x", 0, 2), -1);
  /* A05.FR.02/03: the highest profile a priority list would bring, and its slot */
  int slot = 0;
  assert_int_equal(ocpp_net_priority_highest(db, "2,3,1", 1, &slot), 2);
  assert_int_equal(slot, 3);
  assert_int_equal(ocpp_net_priority_highest(db, "2,1", 1, &slot), 1); /* the installer's */
  assert_int_equal(slot, 1);
  slot = 0;
  assert_int_equal(ocpp_net_priority_highest(db, "4", 3, &slot), 0); /* 4 is empty */
  assert_int_equal(slot, 0);
  assert_int_equal(ocpp_net_priority_highest(db, "x", 3, &slot), -1);
  json_decref(p2);
  json_decref(back);
  json_decref(p);
  json_decref(q);
  store_close(db);
  test_tmpdb_teardown(&t);
}

/* B09: a profile's ocppInterface names the setting that holds its OS
 * interface; every one of OCPPInterfaceEnumType has its key, registered
 * (network.interface.*, empty by default: not bound), and names that are no
 * Linux interface are refused there. */
static void interface_of_a_profile(void **state) {
  (void)state;
  assert_int_equal(config_registry_add_table(&network_keys), 0);
  static const char *const names[] = {"Wired0",    "Wired1",    "Wired2",    "Wired3",
                                      "Wireless0", "Wireless1", "Wireless2", "Wireless3"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    json_t *p = json_pack("{s:s}", "ocppInterface", names[i]);
    const char *key = ocpp_net_interface_key(p);
    assert_non_null(key);
    assert_string_equal(key + strlen("network.interface."), names[i]);
    assert_int_equal(strncmp(key, "network.interface.", 18), 0);
    const cfg_key_def *def = config_key_def(key);
    assert_non_null(def);
    assert_string_equal(def->def, "");
    assert_non_null(def->check);
    char why[120];
    assert_int_equal(def->check("", why, sizeof why), 0);
    assert_int_equal(def->check("eth0", why, sizeof why), 0);
    assert_int_equal(def->check("wwan0", why, sizeof why), 0);
    assert_int_equal(def->check("eth0:1", why, sizeof why), -1);
    json_decref(p);
  }
  /* 2.1's Any, no ocppInterface, a name of no enum: not bound */
  json_t *any = json_pack("{s:s}", "ocppInterface", "Any");
  json_t *none = json_object();
  json_t *odd = json_pack("{s:s}", "ocppInterface", "Wired");
  json_t *wrong = json_pack("{s:i}", "ocppInterface", 0);
  assert_null(ocpp_net_interface_key(any));
  assert_null(ocpp_net_interface_key(none));
  assert_null(ocpp_net_interface_key(odd));
  assert_null(ocpp_net_interface_key(wrong));
  assert_null(ocpp_net_interface_key(NULL));
  json_decref(any);
  json_decref(none);
  json_decref(odd);
  json_decref(wrong);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(priority_lists),       cmocka_unit_test(checks_follow_b09),
      cmocka_unit_test(apn_of_a_profile),     cmocka_unit_test(cursor_falls_back_and_comes_round),
      cmocka_unit_test(table_keeps_profiles), cmocka_unit_test(interface_of_a_profile),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
