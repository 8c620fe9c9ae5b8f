/*
 * Fuzz target for the installation's directory parser (src/site/directory.c),
 * which a follower runs on the body of PUT /api/v1/site/directory once its
 * signature verified (so only a holder of site.secret reaches it, but a
 * leader's bug must not crash every follower): any bytes. It must never
 * crash or overrun; a directory it accepts is within its bounds, has upper-
 * case hex UIDs, badges of listed users only, and serializes to a document
 * that parses back to the same bytes.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "site/directory.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  site_directory d;
  char why[160];
  if (site_dir_parse((const char *)data, size, &d, why, sizeof why) != 0) {
    if (!why[0] || strlen(why) >= sizeof why) abort();
    return 0;
  }
  if (d.n_users < 0 || d.n_users > SITE_DIR_MAX_USERS || d.n_badges < 0 ||
      d.n_badges > SITE_DIR_MAX_BADGES)
    abort();
  for (int i = 0; i < d.n_badges; i++) {
    const site_dir_badge *b = &d.badges[i];
    if (!b->uid[0]) abort();
    for (const char *p = b->uid; *p; p++)
      if (!isxdigit((unsigned char)*p) || islower((unsigned char)*p)) abort();
    bool known = !b->user[0];
    for (int k = 0; k < d.n_users && !known; k++) known = !strcmp(d.users[k].name, b->user);
    if (!known) abort();
  }
  char *text = site_dir_serialize(&d);
  if (text) {
    site_directory back;
    if (site_dir_parse(text, strlen(text), &back, why, sizeof why) != 0) abort();
    char *again = site_dir_serialize(&back);
    if (again && strcmp(again, text) != 0) abort();
    free(again);
    site_dir_free(&back);
    free(text);
  }
  site_dir_free(&d);
  return 0;
}
