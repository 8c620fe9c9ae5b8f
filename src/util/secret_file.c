/*
 * One way to write a secret file, so that every secret borned creates gets
 * the same guarantees (exclusive create, no symlink, 0600, synced).
 */
#include "util/secret_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int secret_file_create(const char *path, const char *text, char *err, size_t errlen) {
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
    return -1;
  }
  size_t len = strlen(text);
  bool ok = fchmod(fd, 0600) == 0 && write(fd, text, len) == (ssize_t)len &&
            write(fd, "\n", 1) == 1 && fsync(fd) == 0;
  int saved = errno;
  close(fd);
  if (!ok) {
    unlink(path);
    snprintf(err, errlen, "cannot write %s: %s", path, strerror(saved));
    return -1;
  }
  return 0;
}
