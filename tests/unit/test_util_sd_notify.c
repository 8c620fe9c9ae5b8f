/*
 * The sd_notify datagram protocol (util/sd_notify.h) against sockets the test
 * owns: a path socket and an abstract one ('@') receive exactly the state
 * sent; no NOTIFY_SOCKET is "nothing to do"; a malformed one is an error, not
 * a crash; WATCHDOG_USEC counts only for the process WATCHDOG_PID names, and
 * a malformed value means no watchdog. The journal check of util/log.h: only
 * a JOURNAL_STREAM naming stderr's device and inode counts.
 */
/* cmocka.h needs these first */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "util/log.h"
#include "util/sd_notify.h"

static int bound_socket(const char *name, bool abstract) {
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  assert_true(fd >= 0);
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  size_t len = strlen(name);
  memcpy(sa.sun_path + (abstract ? 1 : 0), name, len);
  socklen_t salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + 1);
  assert_int_equal(bind(fd, (struct sockaddr *)&sa, salen), 0);
  return fd;
}

static void expect_datagram(int fd, const char *want) {
  char buf[256];
  ssize_t n = recv(fd, buf, sizeof buf - 1, MSG_DONTWAIT);
  assert_true(n >= 0);
  buf[n] = '\0';
  assert_string_equal(buf, want);
}

static void test_path_socket(void **state) {
  (void)state;
  char path[] = "/tmp/borne-sdn-XXXXXX";
  assert_non_null(mkdtemp(path));
  char sock[64];
  snprintf(sock, sizeof sock, "%s/notify", path);
  int fd = bound_socket(sock, false);
  setenv("NOTIFY_SOCKET", sock, 1);
  assert_int_equal(sd_notify_send("READY=1\nSTATUS=up"), 1);
  expect_datagram(fd, "READY=1\nSTATUS=up");
  assert_int_equal(sd_notify_send("WATCHDOG=1"), 1);
  expect_datagram(fd, "WATCHDOG=1");
  close(fd);
  unlink(sock);
  rmdir(path);
  /* The manager went away: an error with errno, never a crash or a signal. */
  assert_int_equal(sd_notify_send("WATCHDOG=1"), -1);
  unsetenv("NOTIFY_SOCKET");
}

static void test_abstract_socket(void **state) {
  (void)state;
  char name[64];
  snprintf(name, sizeof name, "borne-sdn-test-%ld", (long)getpid());
  int fd = bound_socket(name, true);
  char env[80];
  snprintf(env, sizeof env, "@%s", name);
  setenv("NOTIFY_SOCKET", env, 1);
  assert_int_equal(sd_notify_send("STOPPING=1"), 1);
  expect_datagram(fd, "STOPPING=1");
  close(fd);
  unsetenv("NOTIFY_SOCKET");
}

static void test_no_or_bad_socket(void **state) {
  (void)state;
  unsetenv("NOTIFY_SOCKET");
  assert_int_equal(sd_notify_send("READY=1"), 0);
  setenv("NOTIFY_SOCKET", "", 1);
  assert_int_equal(sd_notify_send("READY=1"), 0);
  setenv("NOTIFY_SOCKET", "relative/path", 1);
  assert_int_equal(sd_notify_send("READY=1"), -1);
  assert_int_equal(errno, EINVAL);
  char longpath[200];
  memset(longpath, 'a', sizeof longpath - 1);
  longpath[0] = '/';
  longpath[sizeof longpath - 1] = '\0';
  setenv("NOTIFY_SOCKET", longpath, 1);
  assert_int_equal(sd_notify_send("READY=1"), -1);
  assert_int_equal(errno, EINVAL);
  unsetenv("NOTIFY_SOCKET");
}

static void test_watchdog_usec(void **state) {
  (void)state;
  unsetenv("WATCHDOG_PID");
  unsetenv("WATCHDOG_USEC");
  assert_int_equal(sd_notify_watchdog_usec(), 0);
  setenv("WATCHDOG_USEC", "30000000", 1);
  assert_int_equal(sd_notify_watchdog_usec(), 30000000);
  char pid[32];
  snprintf(pid, sizeof pid, "%ld", (long)getpid());
  setenv("WATCHDOG_PID", pid, 1);
  assert_int_equal(sd_notify_watchdog_usec(), 30000000);
  snprintf(pid, sizeof pid, "%ld", (long)getpid() + 1);
  setenv("WATCHDOG_PID", pid, 1); /* meant for another process */
  assert_int_equal(sd_notify_watchdog_usec(), 0);
  setenv("WATCHDOG_PID", "12x", 1);
  assert_int_equal(sd_notify_watchdog_usec(), 0);
  unsetenv("WATCHDOG_PID");
  const char *bad[] = {"", "-5", "12abc", "99999999999999999999999", "abc"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    setenv("WATCHDOG_USEC", bad[i], 1);
    assert_int_equal(sd_notify_watchdog_usec(), 0);
  }
  unsetenv("WATCHDOG_USEC");
}

static void test_journal_stream(void **state) {
  (void)state;
  unsetenv("JOURNAL_STREAM");
  assert_false(log_stderr_is_journal());
  struct stat sb;
  assert_int_equal(fstat(2, &sb), 0);
  char js[64];
  snprintf(js, sizeof js, "%llu:%llu", (unsigned long long)sb.st_dev,
           (unsigned long long)sb.st_ino);
  setenv("JOURNAL_STREAM", js, 1);
  assert_true(log_stderr_is_journal());
  snprintf(js, sizeof js, "%llu:%llu", (unsigned long long)sb.st_dev,
           (unsigned long long)sb.st_ino + 1);
  setenv("JOURNAL_STREAM", js, 1); /* stderr was redirected since */
  assert_false(log_stderr_is_journal());
  setenv("JOURNAL_STREAM", "garbage", 1);
  assert_false(log_stderr_is_journal());
  unsetenv("JOURNAL_STREAM");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_path_socket),      cmocka_unit_test(test_abstract_socket),
      cmocka_unit_test(test_no_or_bad_socket), cmocka_unit_test(test_watchdog_usec),
      cmocka_unit_test(test_journal_stream),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
