/*
 * The installation's directory of users and badges (src/site/directory.c):
 * a directory serialized and parsed back is the same; its signature under
 * site.secret verifies, and fails for a changed byte, another secret, a cut
 * or non-hex signature, a short secret; the digest tells two copies apart;
 * bad documents are refused with a reason (too large, not JSON, missing or
 * mistyped fields, a badge twice in two spellings, a badge of an unknown
 * user, a name twice, a UID not hex, too long). A follower's verdict on a
 * signed copy: a newer one applied, the one held acknowledged, an older one
 * or another under the same version refused (a replay); the leader's version
 * moved past a member holding another copy under a version at or above its own.
 */
/* cmocka.h needs these first */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "site/directory.h"
#include "site/history.h"

static const char SECRET[] = "installation-secret-0123";

static site_directory sample(void) {
  static site_dir_user users[2] = {{"alice", true, 0}, {"bob", false, 3}};
  static site_dir_badge badges[3] = {
      {"04A1B2C3", "alice", true}, {"DEADBEEF", "bob", true}, {"0011", "", false}};
  site_directory d = {.version = 7, .n_users = 2, .n_badges = 3, .users = users, .badges = badges};
  return d;
}

static void round_trip(void **state) {
  (void)state;
  site_directory d = sample();
  char *text = site_dir_serialize(&d);
  assert_non_null(text);
  site_directory back;
  char why[160] = "";
  assert_int_equal(site_dir_parse(text, strlen(text), &back, why, sizeof why), 0);
  assert_int_equal(back.version, 7);
  assert_int_equal(back.n_users, 2);
  assert_int_equal(back.n_badges, 3);
  assert_string_equal(back.users[1].name, "bob");
  assert_false(back.users[1].enabled);
  assert_int_equal(back.users[1].connectors, 3);
  assert_string_equal(back.badges[0].uid, "04A1B2C3");
  assert_string_equal(back.badges[0].user, "alice");
  assert_string_equal(back.badges[2].user, "");
  assert_false(back.badges[2].enabled);
  /* the same directory, the same bytes: the digest is the copy's identity */
  char *again = site_dir_serialize(&back);
  assert_string_equal(again, text);
  site_dir_free(&back);
  free(again);
  free(text);
}

static void signature(void **state) {
  (void)state;
  site_directory d = sample();
  char *text = site_dir_serialize(&d);
  size_t n = strlen(text);
  char sig[SITE_DIR_SIG_HEX + 1];
  assert_int_equal(site_dir_sign(SECRET, text, n, sig), 0);
  assert_int_equal(strlen(sig), SITE_DIR_SIG_HEX);
  assert_true(site_dir_verify(SECRET, text, n, sig));
  /* upper-case hex is the same signature */
  char up[SITE_DIR_SIG_HEX + 1];
  for (int i = 0; i <= SITE_DIR_SIG_HEX; i++)
    up[i] = (char)(sig[i] >= 'a' && sig[i] <= 'f' ? sig[i] - 32 : sig[i]);
  assert_true(site_dir_verify(SECRET, text, n, up));
  /* one byte changed: refused */
  text[n / 2] ^= 1;
  assert_false(site_dir_verify(SECRET, text, n, sig));
  text[n / 2] ^= 1;
  assert_false(site_dir_verify("another-secret-01234567", text, n, sig));
  assert_false(site_dir_verify(SECRET, text, n - 1, sig));
  char cut[SITE_DIR_SIG_HEX + 1];
  memcpy(cut, sig, sizeof cut);
  cut[SITE_DIR_SIG_HEX - 1] = 0;
  assert_false(site_dir_verify(SECRET, text, n, cut));
  memcpy(cut, sig, sizeof cut);
  cut[0] = 'g';
  assert_false(site_dir_verify(SECRET, text, n, cut));
  assert_false(site_dir_verify(SECRET, text, n, NULL));
  /* a secret too short signs nothing and verifies nothing */
  assert_int_equal(site_dir_sign("short", text, n, cut), -1);
  assert_false(site_dir_verify("short", text, n, sig));
  assert_false(site_dir_verify(NULL, text, n, sig));
  /* the digest: a change of version is another copy */
  uint8_t a[32], b[32];
  site_dir_digest(text, n, a);
  d.version = 8;
  char *text8 = site_dir_serialize(&d);
  site_dir_digest(text8, strlen(text8), b);
  assert_memory_not_equal(a, b, 32);
  site_dir_digest(text, n, b);
  assert_memory_equal(a, b, 32);
  free(text8);
  free(text);
}

static void refused(const char *doc, const char *reason) {
  site_directory d;
  char why[160] = "";
  assert_int_equal(site_dir_parse(doc, strlen(doc), &d, why, sizeof why), -1);
  if (!strstr(why, reason)) fail_msg("`%s`: `%s` does not say `%s`", doc, why, reason);
  assert_null(d.users);
  assert_null(d.badges);
}

static void bad_documents(void **state) {
  (void)state;
  refused("", "not JSON");
  refused("[]", "not a JSON object");
  refused("{\"users\":[],\"badges\":[]}", "\"version\"");
  refused("{\"version\":-1,\"users\":[],\"badges\":[]}", "\"version\"");
  refused("{\"version\":4294967296,\"users\":[],\"badges\":[]}", "\"version\"");
  refused("{\"version\":1,\"users\":{},\"badges\":[]}", "must be arrays");
  refused("{\"version\":1,\"users\":[1],\"badges\":[]}", "user 0: not an object");
  refused("{\"version\":1,\"users\":[{\"name\":\"\",\"enabled\":true,\"connectors\":0}],"
          "\"badges\":[]}",
          "is empty");
  refused("{\"version\":1,\"users\":[{\"name\":\"a\",\"enabled\":1,\"connectors\":0}],"
          "\"badges\":[]}",
          "true or false");
  refused("{\"version\":1,\"users\":[{\"name\":\"a\",\"enabled\":true,\"connectors\":-1}],"
          "\"badges\":[]}",
          "bit mask");
  refused("{\"version\":1,\"users\":[{\"name\":\"a\",\"enabled\":true,\"connectors\":0},"
          "{\"name\":\"a\",\"enabled\":false,\"connectors\":0}],\"badges\":[]}",
          "twice");
  refused("{\"version\":1,\"users\":[],\"badges\":[{\"uid\":\"XYZ\",\"user\":\"\",\"enabled\":"
          "true}]}",
          "not hex");
  refused("{\"version\":1,\"users\":[],\"badges\":[{\"uid\":\"01\",\"user\":\"carol\","
          "\"enabled\":true}]}",
          "not listed");
  refused("{\"version\":1,\"users\":[],\"badges\":[{\"uid\":\"0a1b\",\"user\":\"\",\"enabled\":"
          "true},{\"uid\":\"0A1B\",\"user\":\"\",\"enabled\":false}]}",
          "the badge 0A1B twice");
  refused("{\"version\":1,\"users\":[],\"badges\":[{\"uid\":\"0\\u00001\",\"user\":\"\","
          "\"enabled\":true}]}",
          "NUL");
  refused("{\"version\":1,\"version\":2,\"users\":[],\"badges\":[]}", "not JSON");
  char uid[BORNE_UID_MAX + 2];
  memset(uid, 'A', sizeof uid - 1);
  uid[sizeof uid - 1] = 0;
  char doc[300];
  snprintf(doc, sizeof doc,
           "{\"version\":1,\"users\":[],\"badges\":[{\"uid\":\"%s\",\"user\":\"\",\"enabled\":"
           "true}]}",
           uid);
  refused(doc, "longer than 40");
  /* too large: refused before parsing */
  site_directory d;
  char why[160];
  assert_int_equal(site_dir_parse("{}", SITE_DIR_MAX_BYTES + 1, &d, why, sizeof why), -1);
  assert_non_null(strstr(why, "larger than"));
}

static void too_many(void **state) {
  (void)state;
  size_t cap = 64 + (size_t)(SITE_DIR_MAX_USERS + 1) * 60;
  char *doc = malloc(cap);
  size_t k = (size_t)snprintf(doc, cap, "{\"version\":1,\"badges\":[],\"users\":[");
  for (int i = 0; i <= SITE_DIR_MAX_USERS; i++)
    k +=
        (size_t)snprintf(doc + k, cap - k, "%s{\"name\":\"u%d\",\"enabled\":true,\"connectors\":0}",
                         i ? "," : "", i);
  snprintf(doc + k, cap - k, "]}");
  refused(doc, "more than 2000 users");
  free(doc);
}

static void replays_refused(void **state) {
  (void)state;
  uint8_t a[32], b[32], none[32] = {0};
  site_dir_digest("a", 1, a);
  site_dir_digest("b", 1, b);
  /* nothing held: any copy */
  assert_int_equal(site_dir_judge(0, none, 1, a), SITE_DIR_APPLY);
  assert_int_equal(site_dir_judge(0, none, 7, b), SITE_DIR_APPLY);
  assert_int_equal(site_dir_judge(3, a, 4, b), SITE_DIR_APPLY);
  assert_int_equal(site_dir_judge(3, a, 3, a), SITE_DIR_SAME);
  /* the same version with other content: a replay of a forgotten leader, or forged */
  assert_int_equal(site_dir_judge(3, a, 3, b), SITE_DIR_STALE);
  /* an older copy, even the one held before */
  assert_int_equal(site_dir_judge(3, a, 2, a), SITE_DIR_STALE);
  assert_int_equal(site_dir_judge(UINT32_MAX, a, 1, b), SITE_DIR_STALE);
}

static void leader_moves_past(void **state) {
  (void)state;
  assert_int_equal(site_dir_version_past(5, 3, false), 5); /* the member is behind */
  assert_int_equal(site_dir_version_past(5, 5, true), 5);  /* it holds ours */
  assert_int_equal(site_dir_version_past(5, 5, false), 6); /* another copy as 5 */
  assert_int_equal(site_dir_version_past(1, 40, false), 41);
  assert_int_equal(site_dir_version_past(1, UINT32_MAX, false), 1); /* no way past: stays */
}

/* The texts a history pull's signature covers (docs/site.md "The
 * installation's history"): the ids held as running are signed too, so a
 * captured request cannot be replayed asking for other sessions. */
static void history_signed_texts(void **state) {
  (void)state;
  char t[256];
  site_history_signed_text(40, t, sizeof t);
  assert_string_equal(t, "borne-site-sessions after=40");
  site_history_signed_text_open(40, NULL, 0, t, sizeof t);
  assert_string_equal(t, "borne-site-sessions after=40 open=");
  const long long open[] = {3, 38};
  site_history_signed_text_open(40, open, 2, t, sizeof t);
  assert_string_equal(t, "borne-site-sessions after=40 open=3,38");
  const char *secret = "installation-secret-0123456789";
  char sig[SITE_DIR_SIG_HEX + 1], other[256];
  assert_int_equal(site_dir_sign(secret, t, strlen(t), sig), 0);
  assert_true(site_dir_verify(secret, t, strlen(t), sig));
  site_history_signed_text_open(40, open, 1, other, sizeof other);
  assert_false(site_dir_verify(secret, other, strlen(other), sig));
  /* cut, never past the buffer */
  char small[30];
  site_history_signed_text_open(40, open, 2, small, sizeof small);
  assert_true(strlen(small) < sizeof small);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(round_trip),           cmocka_unit_test(signature),
      cmocka_unit_test(bad_documents),        cmocka_unit_test(too_many),
      cmocka_unit_test(replays_refused),      cmocka_unit_test(leader_moves_past),
      cmocka_unit_test(history_signed_texts),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
