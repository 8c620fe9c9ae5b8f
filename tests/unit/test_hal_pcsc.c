/*
 * PC/SC badge reader (src/hal/hal_linux_pcsc.c) against the real pcsc-lite
 * daemon (Debian pcscd) and the virtual smart-card reader vpcd (Debian
 * vsmartcard-vpcd): the test starts its own pcscd with a reader.conf.d
 * naming vpcd on a free port, and plays the card itself over vpcd's socket
 * (a 2-byte big-endian length, then the message: 00 power off, 01 power on,
 * 02 reset, 04 get ATR, or a command APDU; the card answers the ATR and
 * each APDU). Connecting the card is presenting it, closing the socket
 * takes it away. Skipped with a message only when pcscd or vpcd is not
 * installed.
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
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uv.h>

#include "hal/hal_linux_pcsc.h"

#define PCSCD "/usr/sbin/pcscd"
#define VPCD "/usr/lib/pcsc/drivers/serial/libifdvpcd.so"

static void uid_of_answers(void **state) {
  (void)state;
  char uid[21];
  static const uint8_t ok[] = {0x04, 0xA2, 0x3B, 0x1C, 0x5D, 0x6E, 0x80, 0x90, 0x00};
  assert_int_equal(lx_pcsc_uid_of(ok, sizeof ok, uid, sizeof uid), 0);
  assert_string_equal(uid, "04A23B1C5D6E80");
  static const uint8_t refused[] = {0x6A, 0x81};
  assert_int_equal(lx_pcsc_uid_of(refused, sizeof refused, uid, sizeof uid), -1);
  static const uint8_t empty[] = {0x90, 0x00};
  assert_int_equal(lx_pcsc_uid_of(empty, sizeof empty, uid, sizeof uid), -1);
  static const uint8_t too_long[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x90, 0x00};
  assert_int_equal(lx_pcsc_uid_of(too_long, sizeof too_long, uid, sizeof uid), -1);
  static const uint8_t bad_sw[] = {1, 2, 3, 4, 0x63, 0x00};
  assert_int_equal(lx_pcsc_uid_of(bad_sw, sizeof bad_sw, uid, sizeof uid), -1);
}

/* ---- the virtual card, on a thread of its own (blocking socket) ---- */

typedef struct {
  int port;
  const uint8_t *uid;
  size_t uid_len;
  int fd;
  uv_thread_t thread;
  int apdus;
} vcard;

static bool read_all(int fd, uint8_t *b, size_t n) {
  while (n) {
    ssize_t r = read(fd, b, n);
    if (r <= 0) return false;
    b += r, n -= (size_t)r;
  }
  return true;
}

static void send_msg(int fd, const uint8_t *b, size_t n) {
  uint8_t len[2] = {(uint8_t)(n >> 8), (uint8_t)n};
  if (write(fd, len, 2) != 2 || write(fd, b, n) != (ssize_t)n) return;
}

static void card_run(void *arg) {
  vcard *c = arg;
  uint8_t msg[300], len[2];
  /* ATR: TS 3B, T0 80 (TD1 follows, no historical bytes), TD1 80 (TD2: T=0), TD2 01 (T=1), TCK */
  static const uint8_t atr[] = {0x3B, 0x80, 0x80, 0x01, 0x01};
  while (read_all(c->fd, len, 2)) {
    size_t n = (size_t)len[0] << 8 | len[1];
    if (n > sizeof msg || !read_all(c->fd, msg, n)) break;
    if (n == 1) {
      if (msg[0] == 0x04) send_msg(c->fd, atr, sizeof atr); /* power on/off, reset: no answer */
      continue;
    }
    c->apdus++;
    uint8_t resp[32];
    size_t k = 0;
    if (n == 5 && msg[0] == 0xFF && msg[1] == 0xCA && msg[2] == 0 && msg[3] == 0) {
      memcpy(resp, c->uid, c->uid_len);
      k = c->uid_len;
      resp[k++] = 0x90, resp[k++] = 0x00;
    } else {
      resp[k++] = 0x6D, resp[k++] = 0x00; /* INS not supported */
    }
    send_msg(c->fd, resp, k);
  }
}

/* vpcd listens once pcscd loaded it: retried until it accepts (bounded). */
static void card_insert(vcard *c, const uint8_t *uid, size_t n) {
  c->uid = uid, c->uid_len = n;
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)c->port)};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  for (int i = 0; i < 500; i++) {
    c->fd = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(c->fd, (struct sockaddr *)&a, sizeof a) == 0) break;
    close(c->fd);
    c->fd = -1;
    usleep(10000); /* the daemon is starting: a bounded retry, not a wait for a result */
  }
  assert_true(c->fd >= 0);
  assert_int_equal(uv_thread_create(&c->thread, card_run, c), 0);
}

static void card_remove(vcard *c) {
  shutdown(c->fd, SHUT_RDWR);
  uv_thread_join(&c->thread);
  close(c->fd);
  c->fd = -1;
}

/* ---- pcscd ---- */

static pid_t pcscd_start(const char *dir, int port) {
  char path[300];
  snprintf(path, sizeof path, "%s/conf", dir);
  mkdir(path, 0700);
  snprintf(path, sizeof path, "%s/conf/vpcd", dir);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fprintf(f,
          "FRIENDLYNAME \"Virtual PCD\"\nDEVICENAME /dev/null:0x%X\nLIBPATH %s\nCHANNELID "
          "0x%X\n",
          port, VPCD, port);
  fclose(f);
  int pipefd[2];
  assert_int_equal(pipe(pipefd), 0);
  pid_t pid = fork();
  if (pid == 0) {
    /* a failed assertion leaves without pcscd_stop: the daemon dies with the test, so no
     * stray pcscd holds the fixed socket for the next run */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    char conf[300];
    snprintf(conf, sizeof conf, "%s/conf", dir);
    dup2(pipefd[1], 1);
    dup2(pipefd[1], 2);
    close(pipefd[0]);
    execl(PCSCD, "pcscd", "-f", "-i", "-c", conf, (char *)NULL);
    _exit(127);
  }
  close(pipefd[1]);
  FILE *log = fdopen(pipefd[0], "r");
  char line[512];
  bool ready = false;
  while (!ready && fgets(line, sizeof line, log)) ready = strstr(line, "daemon ready") != NULL;
  if (!ready) fail_msg("pcscd did not start (is another pcscd running?)");
  /* keep reading its log on a thread would be cleaner; a pipe it never fills is enough here */
  return pid;
}

static void pcscd_stop(pid_t pid) {
  kill(pid, SIGTERM);
  int st;
  waitpid(pid, &st, 0);
}

/* ---- the reader ---- */

static char uids[4][21];
static int nuids;
static bool up;
static char why[160];
static void on_uid(void *ctx, const char *uid) {
  (void)ctx;
  if (nuids < 4) snprintf(uids[nuids], sizeof uids[0], "%s", uid);
  nuids++;
}
static void on_state(void *ctx, bool u, const char *w) {
  (void)ctx;
  up = u;
  snprintf(why, sizeof why, "%s", w);
}

static void bound_reached(uv_timer_t *t) { (void)t; }

static bool run_until(uv_loop_t *loop, bool (*cond)(void)) {
  uv_timer_t t; /* a bound: 10 s of loop time */
  uv_timer_init(loop, &t);
  uv_timer_start(&t, bound_reached, 10000, 0);
  while (!cond() && uv_is_active((uv_handle_t *)&t)) uv_run(loop, UV_RUN_ONCE);
  uv_close((uv_handle_t *)&t, NULL);
  uv_run(loop, UV_RUN_NOWAIT);
  return cond();
}
static bool is_up(void) { return up; }
static bool is_down(void) { return !up && why[0]; }
static bool one_badge(void) { return nuids >= 1; }
static bool two_badges(void) { return nuids >= 2; }

static void cards_through_pcscd_and_vpcd(void **state) {
  (void)state;
  if (access(PCSCD, X_OK) != 0 || access(VPCD, R_OK) != 0) {
    printf("SKIP: pcscd or vpcd missing (Debian pcscd, vsmartcard-vpcd)\n");
    skip();
  }
  char dir[] = "/tmp/borne-pcsc-XXXXXX";
  assert_non_null(mkdtemp(dir));
  /* vpcd's port, below Linux's ephemeral range (32768-60999): a port there may be the local
   * end of any outgoing connection on the machine (a swarm's thousands), and vpcd's bind then
   * fails and the reader never appears (seen once, on a loaded machine) */
  int port = 20000 + (int)(getpid() % 8000);
  pid_t pcscd = pcscd_start(dir, port);
  uv_loop_t loop;
  uv_loop_init(&loop);
  nuids = 0, up = false;
  lx_pcsc_cbs cbs = {.uid = on_uid, .state = on_state};
  lx_pcsc *p = lx_pcsc_open(&loop, "Virtual PCD", &cbs);
  assert_non_null(p);
  assert_true(run_until(&loop, is_up));
  /* a card presented: its UID, once */
  static const uint8_t card1[] = {0x04, 0xA2, 0x3B, 0x1C, 0x5D, 0x6E, 0x80};
  static const uint8_t card2[] = {0xDE, 0xAD, 0xBE, 0xEF};
  vcard c = {.port = port, .fd = -1};
  card_insert(&c, card1, sizeof card1);
  assert_true(run_until(&loop, one_badge));
  assert_string_equal(uids[0], "04A23B1C5D6E80");
  card_remove(&c);
  /* another card: a second badge */
  card_insert(&c, card2, sizeof card2);
  assert_true(run_until(&loop, two_badges));
  assert_string_equal(uids[1], "DEADBEEF");
  uint64_t cards, bad, badges;
  lx_pcsc_counts(p, &cards, &bad, &badges);
  assert_int_equal(badges, 2);
  assert_int_equal(bad, 0);
  card_remove(&c);
  /* the daemon stops: reported down with the reason */
  pcscd_stop(pcscd);
  assert_true(run_until(&loop, is_down));
  assert_non_null(strstr(why, "PC/SC"));
  lx_pcsc_close(p);
  assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
  assert_int_equal(uv_loop_close(&loop), 0);
  char cmd[100];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  assert_int_equal(system(cmd), 0);
  assert_int_equal(nuids, 2);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(uid_of_answers),
      cmocka_unit_test(cards_through_pcscd_and_vpcd),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
