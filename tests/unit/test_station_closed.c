/*
 * The station is closed (docs/architecture.md): outside src/station (and the
 * pure core itself) no code reaches into the station's core, neither to read
 * it (modules use station_view() and its single-field helpers) nor to write
 * it (they call station_set_*). This test reads every source file of src/
 * and fails on the first line that touches `core` through a station or calls
 * the core's connector/station functions directly.
 */
#include <dirent.h>
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#define SRC_DIR BORNE_TEST_DATA_DIR "/../../src"

/* `->core` or `.core.` (the station's member), or a call of cs_*() / sc_*(). */
static const char *const forbidden =
    "(->|\\.)core([^a-z_]|$)|(^|[^a-z_])(cs|sc)_[a-z_]+[[:space:]]*\\(";

static regex_t re;

/* Lines of `text` that break the rule, printed; their count. */
static int offending_lines(const char *path, const char *text) {
  int found = 0, line = 1;
  for (const char *p = text; *p;) {
    const char *end = strchr(p, '\n');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    char buf[1024];
    snprintf(buf, sizeof buf, "%.*s", (int)(len < sizeof buf - 1 ? len : sizeof buf - 1), p);
    const char *code = buf;
    while (*code == ' ') code++;
    bool comment = code[0] == '*' || (code[0] == '/' && (code[1] == '*' || code[1] == '/'));
    if (!comment && regexec(&re, buf, 0, NULL, 0) == 0) {
      print_message("%s:%d: %s\n", path, line, buf);
      found++;
    }
    if (!end) break;
    p = end + 1;
    line++;
  }
  return found;
}

static char *read_all(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *s = malloc((size_t)n + 1);
  size_t got = fread(s, 1, (size_t)n, f);
  s[got] = '\0';
  fclose(f);
  return s;
}

/* Files scanned (count) and offending lines found under dir. */
static int scan(const char *dir, int *files) {
  DIR *d = opendir(dir);
  assert_non_null(d);
  int found = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    struct stat sb;
    if (stat(path, &sb) != 0) continue;
    if (S_ISDIR(sb.st_mode)) {
      /* the station owns its core; the core is the core */
      if (strcmp(e->d_name, "station") == 0 || strcmp(e->d_name, "core") == 0) continue;
      found += scan(path, files);
      continue;
    }
    size_t n = strlen(e->d_name);
    if (n < 2 || e->d_name[n - 2] != '.' || (e->d_name[n - 1] != 'c' && e->d_name[n - 1] != 'h'))
      continue;
    char *text = read_all(path);
    assert_non_null(text);
    found += offending_lines(path, text);
    (*files)++;
    free(text);
  }
  closedir(d);
  return found;
}

static int setup(void **state) {
  (void)state;
  return regcomp(&re, forbidden, REG_EXTENDED | REG_NEWLINE);
}

static int teardown(void **state) {
  (void)state;
  regfree(&re);
  return 0;
}

/* The pattern catches what it must and lets the allowed calls through. */
static void the_rule_catches_core_access(void **state) {
  (void)state;
  assert_int_equal(offending_lines("sample", "  o->st->core.offline = true;"), 1);
  assert_int_equal(offending_lines("sample", "  int n = st->core.count;"), 1);
  assert_int_equal(offending_lines("sample", "  const led_state l = sc_led(&x, c, now);"), 1);
  assert_int_equal(offending_lines("sample", "  if (cs_has_session(sm)) return;"), 1);
  assert_int_equal(offending_lines("sample", "  station_set_offline(o->st, true);"), 0);
  assert_int_equal(offending_lines("sample", "  if (station_has_session(st, c)) return;"), 0);
  assert_int_equal(offending_lines("sample", " * the core decides (comment)"), 0);
  assert_int_equal(offending_lines("sample", "  hw->core_count = 2;"), 0);
}

static void no_module_touches_the_station_core(void **state) {
  (void)state;
  int files = 0;
  int found = scan(SRC_DIR, &files);
  assert_true(files > 50); /* the tree was really read */
  assert_int_equal(found, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(the_rule_catches_core_access),
      cmocka_unit_test(no_module_touches_the_station_core),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
