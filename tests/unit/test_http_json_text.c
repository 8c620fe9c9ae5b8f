/*
 * json_text_compact (src/http/json_text.h) writes the same bytes as jansson's
 * json_dumps(v, JSON_COMPACT | JSON_REAL_PRECISION(p)): every kind of value,
 * the escapes, the reals' spellings, what it hands to jansson (non-ASCII text,
 * deep nesting, a scalar at the top), and many generated values.
 */
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "http/json_text.h"

static void same_as_jansson(const json_t *v, int precision) {
  char *want = json_dumps(v, JSON_COMPACT | JSON_REAL_PRECISION(precision));
  char *got = json_text_compact(v, precision);
  if (!want || !got) {
    if (want || got)
      fail_msg("json_dumps %s, json_text_compact %s", want ? want : "NULL", got ? got : "NULL");
  } else if (strcmp(want, got) != 0) {
    fail_msg("json_dumps `%s`\njson_text_compact `%s`", want, got);
  }
  free(want);
  free(got);
}

static void loaded_same(const char *text) {
  json_error_t e;
  json_t *v = json_loads(text, JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
  if (!v) fail_msg("%s: %s", text, e.text);
  same_as_jansson(v, 0);
  same_as_jansson(v, 10);
  json_decref(v);
}

static void every_kind_of_value(void **state) {
  (void)state;
  const char *texts[] = {
      "{}",
      "[]",
      "[[],{},[{}]]",
      "{\"a\":1,\"b\":[true,false,null],\"c\":{\"d\":\"e\"}}",
      /* members in the object's order, not sorted */
      "{\"zeta\":1,\"alpha\":2,\"mid\":3}",
      "[0,-1,1,9223372036854775807,-9223372036854775808,42,-42,1000000]",
      "[0.0,-0.0,1.5,-1.5,0.1,0.2,1e300,-1e-300,123456789.125,3.0,1e21,1e-7,5e-324,"
      "1.7976931348623157e308,2.5e+15,100.0,12.34]",
      "[\"\",\"plain\",\"quote \\\" back \\\\ slash /\",\"\\b\\f\\n\\r\\t\","
      "\"\\u0001\\u001f\\u007f\",\"nul \\u0000 inside\"]",
      "{\"with \\\"escape\\\" key\":\"v\",\"\\n\":0}",
      /* non-ASCII: jansson's whole */
      "{\"name\":\"Borne é ✓ 😀\"}",
      "[\"\\u00e9\"]",
      /* a scalar at the top: json_dumps gives NULL without JSON_ENCODE_ANY */
      "\"alone\"",
      "5",
      "null",
  };
  for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) loaded_same(texts[i]);
}

static void reals_spelled_as_jansson(void **state) {
  (void)state;
  double values[] = {0.0,         -0.0,   1.0,   0.5,   1.0 / 3.0, 2.0 / 3.0,   1e15,
                     1e16,        1e17,   1e-5,  1e-4,  123.456,   DBL_MAX,     DBL_MIN,
                     DBL_EPSILON, 7.0e22, 230.1, 16.25, -273.15,   4294967296.0};
  json_t *a = json_array();
  for (size_t i = 0; i < sizeof values / sizeof values[0]; i++)
    json_array_append_new(a, json_real(values[i]));
  for (int p = 0; p <= 17; p++) same_as_jansson(a, p);
  json_decref(a);
}

static void deep_nesting_goes_to_jansson(void **state) {
  (void)state;
  json_t *v = json_integer(1);
  for (int i = 0; i < 200; i++) {
    json_t *a = json_array();
    json_array_append_new(a, v);
    v = a;
  }
  same_as_jansson(v, 0);
  json_decref(v);
}

/* ---------- generated values ---------- */

static unsigned long long seed = 88172645463325252ULL;
static unsigned rnd(unsigned n) {
  seed ^= seed << 13;
  seed ^= seed >> 7;
  seed ^= seed << 17;
  return (unsigned)(seed % n);
}

static json_t *gen(int depth) {
  switch (rnd(depth > 4 ? 6 : 8)) {
  case 0:
    return json_integer((json_int_t)((long long)rnd(2000000) - 1000000) *
                        (rnd(2) ? 1 : 1000000007LL));
  case 1: {
    double d = ((double)rnd(1000000) - 500000.0) / (double)(1 + rnd(1000));
    if (rnd(4) == 0) d *= pow(10.0, (double)rnd(600) - 300.0);
    return json_real(d);
  }
  case 2: {
    char s[40];
    size_t n = rnd(sizeof s);
    for (size_t i = 0; i < n; i++) s[i] = (char)(1 + rnd(127)); /* every ASCII byte but NUL */
    return json_stringn(s, n);
  }
  case 3:
    return json_boolean(rnd(2));
  case 4:
    return json_null();
  case 5:
    return json_string("ocpp");
  case 6: {
    json_t *a = json_array();
    for (unsigned i = rnd(5); i > 0; i--) json_array_append_new(a, gen(depth + 1));
    return a;
  }
  default: {
    json_t *o = json_object();
    for (unsigned i = rnd(5); i > 0; i--) {
      char key[12];
      snprintf(key, sizeof key, "k%u\t%c", rnd(50), (char)('a' + rnd(26)));
      json_object_set_new(o, key, gen(depth + 1));
    }
    return o;
  }
  }
}

static void generated_values(void **state) {
  (void)state;
  for (int i = 0; i < 3000; i++) {
    json_t *v = rnd(2) ? json_array() : json_object();
    for (unsigned k = 1 + rnd(6); k > 0; k--) {
      if (json_is_array(v))
        json_array_append_new(v, gen(1));
      else {
        char key[8];
        snprintf(key, sizeof key, "m%u", k);
        json_object_set_new(v, key, gen(1));
      }
    }
    same_as_jansson(v, 0);
    same_as_jansson(v, (int)rnd(18));
    json_decref(v);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(every_kind_of_value),
      cmocka_unit_test(reals_spelled_as_jansson),
      cmocka_unit_test(deep_nesting_goes_to_jansson),
      cmocka_unit_test(generated_values),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
