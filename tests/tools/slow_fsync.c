/*
 * Fault injection for integration tests: a slow disk. Preloaded into borned
 * (LD_PRELOAD), it makes every fsync and fdatasync wait BORNE_SLOW_FSYNC_MS
 * (30 ms by default) before doing the real one, as an SD card under load
 * does. SQLite's synchronous commits then stall the event loop, which is
 * what the test wants to survive.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <time.h>

int fsync(int fd);
int fdatasync(int fd);

typedef int (*sync_fn)(int);

static void stall(void) {
  const char *v = getenv("BORNE_SLOW_FSYNC_MS");
  long ms = v ? strtol(v, NULL, 10) : 30;
  if (ms <= 0 || ms > 10000) return;
  struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

static sync_fn next(const char *name) {
  sync_fn f;
  void *sym = dlsym(RTLD_NEXT, name);
  *(void **)&f = sym; /* POSIX: a function pointer from dlsym */
  return f;
}

int fsync(int fd) {
  stall();
  return next("fsync")(fd);
}

int fdatasync(int fd) {
  stall();
  return next("fdatasync")(fd);
}
