/*
 * Rules of the layout that a compiler does not check, checked by reading the
 * tree (docs/architecture.md):
 * - the station is closed: outside src/station (and the pure core itself)
 *   no code reaches into the station's core, neither to read it (modules use
 *   station_view() and its single-field helpers) nor to write it (they call
 *   station_set_*): no `->core`, no direct cs_*()/sc_*() call;
 * - every C source and header starts with a comment that says why it exists.
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

#define TREE BORNE_TEST_DATA_DIR "/../.."
#define SRC_DIR TREE "/src"

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

typedef int (*file_rule)(const char *path, const char *text);

/* Does the file start (after blank lines) with a comment? 1 when not. */
static int lacks_header_comment(const char *path, const char *text) {
  while (*text == '\n' || *text == ' ') text++;
  if (text[0] == '/' && (text[1] == '*' || text[1] == '/')) return 0;
  print_message("%s: no comment at the top saying why the file exists\n", path);
  return 1;
}

/* Files scanned (count) and offences found under dir; `skip_owners` leaves
 * src/station and src/core out (they own the core). */
static int scan(const char *dir, file_rule rule, bool skip_owners, int *files) {
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
      if (skip_owners && (strcmp(e->d_name, "station") == 0 || strcmp(e->d_name, "core") == 0))
        continue;
      if (strcmp(e->d_name, "corpus") == 0 || strcmp(e->d_name, "node_modules") == 0) continue;
      found += scan(path, rule, skip_owners, files);
      continue;
    }
    size_t n = strlen(e->d_name);
    if (n < 2 || e->d_name[n - 2] != '.' || (e->d_name[n - 1] != 'c' && e->d_name[n - 1] != 'h'))
      continue;
    char *text = read_all(path);
    assert_non_null(text);
    found += rule(path, text);
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
  int found = scan(SRC_DIR, offending_lines, true, &files);
  assert_true(files > 50); /* the tree was really read */
  assert_int_equal(found, 0);
}

static void every_source_file_says_why_it_exists(void **state) {
  (void)state;
  assert_int_equal(lacks_header_comment("sample", "#include <stdio.h>\n"), 1);
  assert_int_equal(lacks_header_comment("sample", "\n/* why */\n#include <stdio.h>\n"), 0);
  static const char *const dirs[] = {"src",        "tools",      "bench",
                                     "tests/unit", "tests/fuzz", "tests/tools"};
  int files = 0, found = 0;
  for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
    char dir[512];
    snprintf(dir, sizeof dir, "%s/%s", TREE, dirs[i]);
    found += scan(dir, lacks_header_comment, false, &files);
  }
  assert_true(files > 100);
  assert_int_equal(found, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(the_rule_catches_core_access),
      cmocka_unit_test(no_module_touches_the_station_core),
      cmocka_unit_test(every_source_file_says_why_it_exists),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
