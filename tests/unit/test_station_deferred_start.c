/*
 * Issue 15: a station starts in two halves (station_options.defer_late).
 * station_open returns once what the first BootNotification needs is up (the
 * `attach` modules); the `attach_late` modules and the HTTP server's
 * listening socket follow from the loop once the OCPP traffic after the first
 * answer (station_ocpp_traffic) was quiet for STATION_LATE_QUIET_MS, or after
 * STATION_LATE_WAIT_MS, and
 * always before any module hears of a session. A failure of the second half
 * closes the station and says why. Without defer_late everything is up when
 * station_open returns. A failed station_open once modules attached (issue
 * 18) leaves its handles closing; station_free after the loop frees the rest.
 */
/* cmocka.h needs these first */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "keys/key_tables.h"
#include "station/station.h"
#include "test_tmpdir.h"
#include "hal/hal_sim.h"
#include "util/log.h"

#if defined(__SANITIZE_ADDRESS__)
#define BORNE_TEST_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BORNE_TEST_LSAN 1
#endif
#endif
#ifdef BORNE_TEST_LSAN
#include <sanitizer/lsan_interface.h>
#endif

static int early_count, late_count, late_heard_start;
static bool late_fails;
static int late_saw_early; /* early modules attached when the late one attached */

static void late_session_started(void *ctx, int c, const station_session_info *s) {
  (void)ctx;
  (void)c;
  (void)s;
  late_heard_start++;
}

static int early_attach(station *st, char *err, size_t errlen) {
  (void)st;
  (void)err;
  (void)errlen;
  early_count++;
  return 0;
}

static int late_attach(station *st, char *err, size_t errlen) {
  if (late_fails) {
    snprintf(err, errlen, "the late module refuses");
    return -1;
  }
  late_count++;
  late_saw_early = early_count;
  station_module m = {.name = "late", .session_started = late_session_started};
  return station_add_module(st, &m);
}

static const station_attach_fn early_list[] = {early_attach, NULL};
static const station_attach_fn late_list[] = {late_attach, NULL};
static const station_parts parts = {.attach = early_list, .attach_late = late_list};

/* A failed open once a module attached (issue 18): a module that owns a
 * block, then a failing attach, early or late. */
static int owning_freed;
static bool owning_closed;

static void owning_closing(void *ctx) {
  (void)ctx;
  owning_closed = true;
}

static void owning_free(void *ctx) {
  free(ctx);
  owning_freed++;
}

static int owning_attach(station *st, char *err, size_t errlen) {
  char *block = malloc(1000);
  if (!block) return snprintf(err, errlen, "out of memory"), -1;
  station_module m = {
      .name = "owning", .ctx = block, .closing = owning_closing, .free = owning_free};
  if (station_add_module(st, &m) != 0) {
    free(block);
    return snprintf(err, errlen, "out of memory"), -1;
  }
  return 0;
}

static int failing_attach(station *st, char *err, size_t errlen) {
  (void)st;
  snprintf(err, errlen, "the early module refuses");
  return -1;
}

static const station_attach_fn owning_then_failing[] = {owning_attach, failing_attach, NULL};
static const station_parts fails_early = {.attach = owning_then_failing};
static const station_attach_fn owning_only[] = {owning_attach, NULL};
static const station_parts fails_late = {.attach = owning_only, .attach_late = late_list};

typedef struct {
  uv_loop_t loop;
  station_clock clk;
  config *cfg;
  hal *hw;
  station *st;
  char dir[64];
  int started_calls;
  char started_err[256];
} fx;

static void on_started(void *ctx, const char *err) {
  fx *f = ctx;
  f->started_calls++;
  snprintf(f->started_err, sizeof f->started_err, "%s", err ? err : "");
}

static void set(config *cfg, const char *key, const char *value) {
  char err[256];
  if (config_set(cfg, key, value, err, sizeof err) != 0) fail_msg("%s=%s: %s", key, value, err);
}

/* A station on the sim HAL with one connector; with_backend sets ocpp.url
 * (no OCPP module is attached: the test plays the link's answers). */
static void open_fx(fx *f, bool with_backend, bool plugged, bool defer) {
  memset(f, 0, sizeof *f);
  early_count = late_count = late_heard_start = late_saw_early = 0;
  log_set_level(LOG_ERROR);
  char err[256];
  assert_int_equal(test_tmpdir_make(f->dir, sizeof f->dir, "borne-deferred"), 0);
  f->cfg = config_new();
  set(f->cfg, "auth.mode", "free");
  set(f->cfg, "http.listen", "127.0.0.1:0");
  set(f->cfg, "station.connectors", "1");
  set(f->cfg, "sim.speed", "50");
  if (with_backend) set(f->cfg, "ocpp.url", "ws://127.0.0.1:9/ocpp");
  clock_init(&f->clk, 50);
  double energy[1] = {1000};
  f->hw = hal_sim_create(1, &f->clk, 230.0, energy, false);
  if (plugged) {
    sim_ev_params ev = {
        .max_current_a = 16, .phases = 3, .battery_kwh = 50, .soc_pct = 20, .target_soc_pct = 90};
    assert_int_equal(hal_sim_plug(f->hw, 1, &ev, 220, err, sizeof err), 0);
  }
  uv_loop_init(&f->loop);
  f->st = calloc(1, sizeof *f->st);
  station_options opt = {
      .data_dir = f->dir, .cfg = f->cfg, .parts = &parts, .hw = f->hw, .defer_late = defer};
  if (station_open(f->st, &f->loop, &opt, err, sizeof err) != 0) fail_msg("%s", err);
  f->st->on_started = on_started;
  f->st->on_started_ctx = f;
}

static void close_fx(fx *f) {
  station_close(f->st);
  uv_run(&f->loop, UV_RUN_DEFAULT);
  assert_false(uv_loop_alive(&f->loop));
  station_free(f->st);
  free(f->st);
  assert_int_equal(uv_loop_close(&f->loop), 0);
  config_free(f->cfg);
  test_tmpdir_remove(f->dir);
}

/* Runs the loop until *flag reaches want (no sleeps: timers and I/O drive it). */
static bool run_until_count(fx *f, const int *flag, int want) {
  uint64_t end = uv_hrtime() + 60ull * 1000000000ull;
  while (*flag < want && uv_hrtime() < end) uv_run(&f->loop, UV_RUN_ONCE);
  return *flag >= want;
}

static bool selftest_done(fx *f) {
  uint64_t end = uv_hrtime() + 60ull * 1000000000ull;
  while (!f->st->selftest_done && uv_hrtime() < end) uv_run(&f->loop, UV_RUN_NOWAIT);
  return f->st->selftest_done;
}

/* Does something accept TCP connections on 127.0.0.1:port? */
static bool accepts(int port) {
  if (port <= 0) return false;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
  close(fd);
  return ok;
}

/* The api-token file as it is now: 1 and its token in out (its newline
 * dropped), 0 absent. */
static int token_file(const fx *f, char *out, size_t len) {
  char path[128];
  snprintf(path, sizeof path, "%s/api-token", f->dir);
  FILE *fp = fopen(path, "r");
  if (!fp) return 0;
  size_t n = fread(out, 1, len - 1, fp);
  fclose(fp);
  out[n] = '\0';
  out[strcspn(out, "\n")] = '\0';
  return 1;
}

static void the_late_half_waits_for_the_first_answer_then_listens(void **state) {
  (void)state;
  fx f;
  uint64_t t0 = uv_hrtime();
  open_fx(&f, true, false, true);
  assert_int_equal(early_count, 1);
  assert_int_equal(late_count, 0);
  assert_false(accepts(http_server_port(f.st->http))); /* port 0: nothing bound yet */
  /* the new api-token's file (a sync) is written by the late half, not on
   * the way to the first BootNotification; the token is made already */
  char tok[80];
  assert_int_equal(token_file(&f, tok, sizeof tok), 0);
  assert_true(strlen(f.st->token) >= 16);
  assert_true(selftest_done(&f));
  /* the self-test ran and the connector is Available; the second half still waits */
  if ((uv_hrtime() - t0) / 1000000 < STATION_LATE_WAIT_MS) assert_int_equal(late_count, 0);
  assert_int_equal(f.started_calls, late_count);
  station_ocpp_traffic(f.st, "BootNotification", false, 3, NULL);
  uv_update_time(&f.loop);
  uint64_t answered = uv_now(&f.loop);
  bool capped = answered + STATION_LATE_QUIET_MS > f.st->started_real_ms + STATION_LATE_WAIT_MS;
  assert_true(run_until_count(&f, &late_count, 1));
  /* not before the traffic was quiet (the loop's clock, ms), unless the wait
   * from the start ended first (a slow machine, ASan) */
  if (!capped) assert_true(uv_now(&f.loop) - answered >= STATION_LATE_QUIET_MS - 1);
  assert_int_equal(late_saw_early, 1);
  assert_int_equal(f.started_calls, 1);
  assert_string_equal(f.started_err, "");
  assert_true(accepts(http_server_port(f.st->http)));
  assert_int_equal(token_file(&f, tok, sizeof tok), 1); /* before the API listened */
  assert_string_equal(tok, f.st->token);
  /* once only */
  station_ocpp_traffic(f.st, "StatusNotification", false, 3, NULL);
  uv_run(&f.loop, UV_RUN_NOWAIT);
  assert_int_equal(late_count, 1);
  assert_int_equal(f.started_calls, 1);
  close_fx(&f);
}

static void without_an_answer_the_late_half_runs_after_the_wait(void **state) {
  (void)state;
  fx f;
  open_fx(&f, true, false, true);
  uint64_t t0 = uv_now(&f.loop);
  assert_int_equal(late_count, 0);
  assert_true(run_until_count(&f, &late_count, 1));
  assert_true(uv_now(&f.loop) - t0 >= STATION_LATE_WAIT_MS - 1);
  assert_int_equal(f.started_calls, 1);
  assert_true(accepts(http_server_port(f.st->http)));
  close_fx(&f);
}

static void without_a_back_end_the_late_half_runs_on_the_next_turn(void **state) {
  (void)state;
  fx f;
  open_fx(&f, false, false, true);
  assert_int_equal(late_count, 0);
  uv_run(&f.loop, UV_RUN_NOWAIT); /* the first loop turn: its due timers */
  assert_int_equal(late_count, 1);
  assert_true(accepts(http_server_port(f.st->http)));
  close_fx(&f);
}

static void no_module_hears_of_a_session_before_the_late_half(void **state) {
  (void)state;
  fx f;
  open_fx(&f, true, true, true); /* EV plugged, free charging: a session at the self-test */
  assert_int_equal(late_count, 0);
  assert_true(run_until_count(&f, &late_heard_start, 1));
  assert_int_equal(late_count, 1);
  assert_true(station_has_session(f.st, 1));
  close_fx(&f);
}

static void a_failing_late_half_closes_the_station_and_says_why(void **state) {
  (void)state;
  late_fails = true;
  fx f;
  open_fx(&f, false, false, true);
  assert_true(run_until_count(&f, &f.started_calls, 1));
  late_fails = false;
  assert_string_equal(f.started_err, "the late module refuses");
  assert_true(f.st->closing);
  assert_null(f.st->http);
  close_fx(&f); /* station_close again is a no-op; the loop ends */
}

static void without_defer_everything_is_up_when_open_returns(void **state) {
  (void)state;
  fx f;
  open_fx(&f, true, false, false);
  assert_int_equal(early_count, 1);
  assert_int_equal(late_count, 1);
  assert_true(accepts(http_server_port(f.st->http)));
  char tok[80];
  assert_int_equal(token_file(&f, tok, sizeof tok), 1);
  assert_string_equal(tok, f.st->token);
  close_fx(&f);
}

/* station_open fails after its modules attached: it returns -1 with the
 * reason, the modules were told of the close, and station_free after the
 * loop frees them, the connectors, the data directory and the store; the
 * HAL given stays the caller's. The ASan build's leak check finds any block
 * left behind. */
static void open_failing(const station_parts *p, bool defer, const char *why) {
  owning_freed = 0;
  owning_closed = false;
  log_set_level(LOG_ERROR);
  char dir[64], err[256] = "";
  assert_int_equal(test_tmpdir_make(dir, sizeof dir, "borne-openfail"), 0);
  config *cfg = config_new();
  set(cfg, "auth.mode", "free");
  set(cfg, "http.listen", "127.0.0.1:0");
  set(cfg, "station.connectors", "2");
  station_clock clk;
  clock_init(&clk, 50);
  double energy[2] = {1000, 2000};
  hal *hw = hal_sim_create(2, &clk, 230.0, energy, false);
  uv_loop_t loop;
  uv_loop_init(&loop);
  station *st = calloc(1, sizeof *st);
  station_options opt = {.data_dir = dir, .cfg = cfg, .parts = p, .hw = hw, .defer_late = defer};
  late_fails = true;
  assert_int_equal(station_open(st, &loop, &opt, err, sizeof err), -1);
  late_fails = false;
  assert_string_equal(err, why);
  assert_true(owning_closed);
  assert_int_equal(owning_freed, 0); /* its handles may still be closing */
  assert_non_null(st->data_dir);
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_false(uv_loop_alive(&loop));
  station_free(st);
  assert_int_equal(owning_freed, 1);
  assert_null(st->data_dir);
  assert_null(st->conn);
  assert_null(st->core_conns);
  assert_null(st->modules);
  assert_null(st->db);
  assert_null(st->hw);
  station_free(st); /* again: nothing left to free */
  free(st);
  assert_int_equal(uv_loop_close(&loop), 0);
  hw->ops->destroy(hw); /* the caller's */
  config_free(cfg);
  test_tmpdir_remove(dir);
#ifdef BORNE_TEST_LSAN
  assert_int_equal(__lsan_do_recoverable_leak_check(), 0);
#endif
}

static void a_failing_early_module_leaves_nothing_after_station_free(void **state) {
  (void)state;
  open_failing(&fails_early, false, "the early module refuses");
}

static void a_failing_late_half_in_open_leaves_nothing_after_station_free(void **state) {
  (void)state;
  open_failing(&fails_late, false, "the late module refuses");
}

/* borned opens the database to read the settings saved at run time and hands
 * that store to the station (station_options.db; issue 15: a restart on kept
 * data opened its database twice): the station takes it as its own and closes
 * it with itself, or at once when it fails before it got that far. The ASan
 * build's leak check finds a store left open. */
static void a_store_handed_in_is_the_stations_own(void **state) {
  (void)state;
  log_set_level(LOG_ERROR);
  char dir[64], path[128], err[256] = "";
  assert_int_equal(test_tmpdir_make(dir, sizeof dir, "borne-givendb"), 0);
  snprintf(path, sizeof path, "%s/borne.db", dir);
  store *db = NULL;
  assert_int_equal(store_open(&db, path, err, sizeof err), 0);
  config *cfg = config_new();
  set(cfg, "auth.mode", "free");
  set(cfg, "http.listen", "127.0.0.1:0");
  set(cfg, "station.connectors", "1");
  station_clock clk;
  clock_init(&clk, 50);
  double energy[1] = {1000};
  hal *hw = hal_sim_create(1, &clk, 230.0, energy, false);
  uv_loop_t loop;
  uv_loop_init(&loop);
  station *st = calloc(1, sizeof *st);
  station_options opt = {.data_dir = dir, .cfg = cfg, .parts = &parts, .hw = hw, .db = db};
  if (station_open(st, &loop, &opt, err, sizeof err) != 0) fail_msg("%s", err);
  assert_ptr_equal(st->db, db); /* not a second connection to the same file */
  station_close(st);
  uv_run(&loop, UV_RUN_DEFAULT);
  station_free(st);
  assert_null(st->db);
  /* a data directory that cannot be made: the store handed in is closed too */
  assert_int_equal(store_open(&db, path, err, sizeof err), 0);
  char file[128], bad[160];
  snprintf(file, sizeof file, "%s/a-file", dir);
  FILE *fp = fopen(file, "w");
  assert_non_null(fp);
  fclose(fp);
  snprintf(bad, sizeof bad, "%s/data", file);
  hw = hal_sim_create(1, &clk, 230.0, energy, false); /* the first is the station's, freed */
  opt.hw = hw;
  opt.data_dir = bad;
  opt.db = db;
  assert_int_equal(station_open(st, &loop, &opt, err, sizeof err), -1);
  assert_non_null(strstr(err, "cannot create data directory"));
  assert_null(st->db);
  uv_run(&loop, UV_RUN_DEFAULT);
  station_free(st);
  free(st);
  assert_int_equal(uv_loop_close(&loop), 0);
  hw->ops->destroy(hw); /* the caller's after a failure */
  config_free(cfg);
  test_tmpdir_remove(dir);
#ifdef BORNE_TEST_LSAN
  assert_int_equal(__lsan_do_recoverable_leak_check(), 0);
#endif
}

int main(void) {
  if (borne_keys_register() != 0) return 1; /* every module's configuration keys */
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(the_late_half_waits_for_the_first_answer_then_listens),
      cmocka_unit_test(without_an_answer_the_late_half_runs_after_the_wait),
      cmocka_unit_test(without_a_back_end_the_late_half_runs_on_the_next_turn),
      cmocka_unit_test(no_module_hears_of_a_session_before_the_late_half),
      cmocka_unit_test(a_failing_late_half_closes_the_station_and_says_why),
      cmocka_unit_test(without_defer_everything_is_up_when_open_returns),
      cmocka_unit_test(a_failing_early_module_leaves_nothing_after_station_free),
      cmocka_unit_test(a_failing_late_half_in_open_leaves_nothing_after_station_free),
      cmocka_unit_test(a_store_handed_in_is_the_stations_own),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
