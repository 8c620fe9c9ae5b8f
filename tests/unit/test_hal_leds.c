/*
 * The LED class driver of the Linux back end (hal_linux_leds.c) against a
 * fake /sys/class/leds tree in a temp dir: for every state of the LED scheme
 * (docs/leds.md) the files a multicolour LED, three single-colour LEDs and
 * one single-colour LED get; the pattern trigger's fallback; bad names.
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
#include <sys/stat.h>

#include "hal/hal_linux_leds.h"

static char root[64];

static void put(const char *rel, const char *text) {
  char path[300];
  snprintf(path, sizeof path, "%s/%s", root, rel);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

static const char *get(const char *rel) {
  static char buf[4][128];
  static int next;
  char *out = buf[next++ % 4];
  char path[300];
  snprintf(path, sizeof path, "%s/%s", root, rel);
  FILE *f = fopen(path, "r");
  if (!f) return "(missing)";
  if (!fgets(out, 128, f)) out[0] = '\0';
  fclose(f);
  out[strcspn(out, "\n")] = '\0';
  return out;
}

static void make_led(const char *name, const char *max, const char *multi_index) {
  char rel[200];
  snprintf(rel, sizeof rel, "%s/class/leds/%s", root, name);
  char cmd[300];
  snprintf(cmd, sizeof cmd, "mkdir -p '%s'", rel);
  assert_int_equal(system(cmd), 0);
  snprintf(rel, sizeof rel, "class/leds/%s/max_brightness", name);
  put(rel, max);
  snprintf(rel, sizeof rel, "class/leds/%s/brightness", name);
  put(rel, "0");
  snprintf(rel, sizeof rel, "class/leds/%s/trigger", name);
  put(rel, "[none] timer pattern");
  if (multi_index) {
    snprintf(rel, sizeof rel, "class/leds/%s/multi_index", name);
    put(rel, multi_index);
    snprintf(rel, sizeof rel, "class/leds/%s/multi_intensity", name);
    put(rel, "0 0 0");
  }
}

static int setup(void **state) {
  (void)state;
  snprintf(root, sizeof root, "/tmp/borne-leds-XXXXXX");
  return mkdtemp(root) ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
  return system(cmd) == 0 ? 0 : -1;
}

/* What each state of the scheme writes to a multicolour LED whose driver
 * orders its colours green, red, blue (max_brightness 255): the RGB of
 * docs/leds.md in that order, then the pattern as a kernel trigger. */
typedef struct {
  led_state state;
  const char *intensity; /* green red blue */
  const char *trigger;
  const char *delay_on, *delay_off; /* timer */
} expected;

static const expected scheme[] = {
    {LED_READY, "192 0 64", "none", NULL, NULL},               /* #00C040 steady */
    {LED_WAITING_AUTH, "176 255 0", "pattern", NULL, NULL},    /* #FFB000 pulse */
    {LED_AUTH_ACCEPTED, "192 0 64", "timer", "150", "150"},    /* flash3 */
    {LED_AUTH_REFUSED, "0 224 0", "timer", "150", "150"},      /* #E00000 flash3 */
    {LED_CONNECTED, "96 0 255", "none", NULL, NULL},           /* #0060FF steady */
    {LED_CHARGING, "96 0 255", "pattern", NULL, NULL},         /* pulse */
    {LED_PAUSED_BY_EV, "96 0 255", "timer", "1000", "1000"},   /* slow blink */
    {LED_WAITING_FOR_POWER, "208 96 255", "none", NULL, NULL}, /* #60D0FF */
    {LED_RESERVED, "96 255 0", "none", NULL, NULL},            /* #FF6000 */
    {LED_OFFLINE, "255 255 255", "none", NULL, NULL},          /* white */
    {LED_ERROR, "0 224 0", "none", NULL, NULL},                /* red steady */
    {LED_FIRMWARE_UPDATE, "0 144 255", "pattern", NULL, NULL}, /* #9000FF pulse */
    {LED_UNAVAILABLE, "0 224 0", "timer", "1000", "1000"},     /* red slow blink */
};

static void multicolour_led_shows_every_state(void **state) {
  (void)state;
  assert_int_equal(sizeof scheme / sizeof scheme[0], LED_STATE_COUNT - 1); /* every lit state */
  make_led("rgb:status", "255", "green red blue\n");
  lx_led led;
  char err[300];
  assert_int_equal(lx_led_open(root, "rgb:status", &led, err, sizeof err), 0);
  assert_true(led.multi);
  for (size_t i = 0; i < sizeof scheme / sizeof scheme[0]; i++) {
    const expected *e = &scheme[i];
    const led_look *look = led_look_of(e->state);
    assert_int_equal(lx_led_show(&led, look, err, sizeof err), 0);
    if (strcmp(get("class/leds/rgb:status/multi_intensity"), e->intensity) != 0)
      fail_msg("%s: multi_intensity `%s`, want `%s`", look->name,
               get("class/leds/rgb:status/multi_intensity"), e->intensity);
    assert_string_equal(get("class/leds/rgb:status/trigger"), e->trigger);
    assert_string_equal(get("class/leds/rgb:status/brightness"), "255");
    if (e->delay_on) {
      assert_string_equal(get("class/leds/rgb:status/delay_on"), e->delay_on);
      assert_string_equal(get("class/leds/rgb:status/delay_off"), e->delay_off);
    }
    if (strcmp(e->trigger, "pattern") == 0) {
      assert_string_equal(get("class/leds/rgb:status/pattern"), "0 1000 255 1000");
      assert_string_equal(get("class/leds/rgb:status/repeat"), "-1");
    }
  }
  /* the same look again writes nothing */
  put("class/leds/rgb:status/trigger", "touched");
  assert_int_equal(lx_led_show(&led, led_look_of(LED_UNAVAILABLE), err, sizeof err), 0);
  assert_string_equal(get("class/leds/rgb:status/trigger"), "touched");
  /* off: dark, no trigger */
  assert_int_equal(lx_led_show(&led, led_look_of(LED_OFF), err, sizeof err), 0);
  assert_string_equal(get("class/leds/rgb:status/trigger"), "none");
  assert_string_equal(get("class/leds/rgb:status/brightness"), "0");
  assert_string_equal(get("class/leds/rgb:status/multi_intensity"), "0 0 0");
}

/* Three gpio-leds (max_brightness 1): each colour on or off. */
static void three_single_leds_make_the_colour(void **state) {
  (void)state;
  make_led("red", "1", NULL);
  make_led("green", "1", NULL);
  make_led("blue", "1", NULL);
  lx_led led;
  char err[300];
  assert_int_equal(lx_led_open(root, "red,green,blue", &led, err, sizeof err), 0);
  assert_int_equal(led.parts, 3);
  assert_int_equal(lx_led_show(&led, led_look_of(LED_RESERVED), err, sizeof err), 0); /* FF6000 */
  assert_string_equal(get("class/leds/red/brightness"), "1");
  assert_string_equal(get("class/leds/green/brightness"), "0");
  assert_string_equal(get("class/leds/blue/brightness"), "0");
  assert_string_equal(get("class/leds/red/trigger"), "none");
  assert_int_equal(lx_led_show(&led, led_look_of(LED_PAUSED_BY_EV), err, sizeof err), 0);
  assert_string_equal(get("class/leds/blue/brightness"), "1");
  assert_string_equal(get("class/leds/blue/trigger"), "timer");
  assert_string_equal(get("class/leds/blue/delay_on"), "1000");
  assert_string_equal(get("class/leds/red/trigger"), "none"); /* a dark part does not blink */
  assert_string_equal(get("class/leds/red/brightness"), "0");
}

/* One single-colour LED: the pattern tells the states apart; a kernel without
 * the pattern trigger gets a 500 ms blink for the pulse. */
static void single_led_and_the_pulse_fallback(void **state) {
  (void)state;
  make_led("status", "255", NULL);
  char cmd[200];
  snprintf(cmd, sizeof cmd, "mkdir -p '%s/class/leds/status/pattern'", root); /* unwritable */
  assert_int_equal(system(cmd), 0);
  lx_led led;
  char err[300];
  assert_int_equal(lx_led_open(root, "status", &led, err, sizeof err), 0);
  assert_false(led.multi);
  assert_int_equal(lx_led_show(&led, led_look_of(LED_CHARGING), err, sizeof err), 0);
  assert_string_equal(get("class/leds/status/brightness"), "255");
  assert_string_equal(get("class/leds/status/trigger"), "timer");
  assert_string_equal(get("class/leds/status/delay_on"), "500");
  assert_int_equal(lx_led_show(&led, led_look_of(LED_ERROR), err, sizeof err), 0);
  assert_string_equal(get("class/leds/status/trigger"), "none");
  assert_string_equal(get("class/leds/status/brightness"), "255");
}

static void bad_names_are_refused(void **state) {
  (void)state;
  lx_led led;
  char err[300];
  assert_int_equal(lx_led_open(root, "nope", &led, err, sizeof err), -1);
  assert_non_null(strstr(err, "LED `nope`: cannot read"));
  assert_non_null(strstr(err, "class/leds/nope/max_brightness"));
  make_led("a", "255", NULL);
  make_led("b", "255", NULL);
  assert_int_equal(lx_led_open(root, "a,b", &led, err, sizeof err), -1);
  assert_non_null(strstr(err, "three (red,green,blue)"));
  assert_int_equal(lx_led_open(root, "../a", &led, err, sizeof err), -1);
  assert_non_null(strstr(err, "not an LED name"));
  assert_int_equal(lx_led_open(root, "a,b,a,b", &led, err, sizeof err), -1);
  make_led("empty-index", "255", "\n");
  assert_int_equal(lx_led_open(root, "empty-index", &led, err, sizeof err), -1);
  assert_non_null(strstr(err, "multi_index lists no colour"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(multicolour_led_shows_every_state, setup, teardown),
      cmocka_unit_test_setup_teardown(three_single_leds_make_the_colour, setup, teardown),
      cmocka_unit_test_setup_teardown(single_led_and_the_pulse_fallback, setup, teardown),
      cmocka_unit_test_setup_teardown(bad_names_are_refused, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
