/*
 * Temporary directories for unit tests that need real files (databases,
 * fake sysfs trees): made under /tmp, removed with everything in them.
 */
#ifndef BORNE_TEST_TMPDIR_H
#define BORNE_TEST_TMPDIR_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Fills `dir` with a fresh directory named /tmp/PREFIX-XXXXXX; 0 on success. */
static inline int test_tmpdir_make(char *dir, size_t len, const char *prefix) {
  snprintf(dir, len, "/tmp/%s-XXXXXX", prefix);
  return mkdtemp(dir) ? 0 : -1;
}

/* Removes `dir` and everything in it (subdirectories too; symlinks are
 * removed, never followed). */
static inline int test_tmpdir_remove(const char *dir) {
  DIR *d = opendir(dir);
  if (d) {
    struct dirent *e;
    char p[600];
    while ((e = readdir(d)) != NULL) {
      if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
      snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
      if (unlink(p) != 0) test_tmpdir_remove(p); /* a directory */
    }
    closedir(d);
  }
  return rmdir(dir);
}

/* A fresh directory and the path of a database file in it, as a cmocka
 * state: the rig of the tests that open a store on disk. */
typedef struct {
  char dir[64];
  char path[128];
} test_tmpdb;

static inline int test_tmpdb_setup(void **state, const char *prefix) {
  test_tmpdb *t = calloc(1, sizeof *t);
  if (!t || test_tmpdir_make(t->dir, sizeof t->dir, prefix) != 0) {
    free(t);
    return -1;
  }
  snprintf(t->path, sizeof t->path, "%s/borne.db", t->dir);
  *state = t;
  return 0;
}

static inline int test_tmpdb_teardown(void **state) {
  test_tmpdb *t = *state;
  int rc = test_tmpdir_remove(t->dir);
  free(t);
  return rc;
}

#endif
