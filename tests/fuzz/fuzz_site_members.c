/*
 * Fuzz target for the site.members parser (src/site/members.c), which the
 * key check runs on every value a client PUTs to /api/v1/settings: any
 * text. It must never crash or overrun; a list it accepts has 0..64
 * members, each with a non-empty host of letters, digits, dots and dashes
 * and a port 1..65535, and checking alone (no output) agrees with parsing.
 * The same text as site.member_priorities (against a fixed member list):
 * never a crash, a priority only 0..9 (a connector's own, HOST/C=P, too),
 * and a shape the check refuses is refused with the members too.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "site/members.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static site_member out[SITE_MAX_MEMBERS];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char text[2048];
  if (size >= sizeof text) size = sizeof text - 1;
  memcpy(text, data, size);
  text[size] = 0;
  char why[160];
  int n = site_members_parse(text, out, SITE_MAX_MEMBERS, why, sizeof why);
  int m = site_members_parse(text, NULL, SITE_MAX_MEMBERS, why, sizeof why);
  if (n != m || n < -1 || n > SITE_MAX_MEMBERS) abort();
  if (n < 0 && (!why[0] || strlen(why) >= sizeof why)) abort();
  for (int i = 0; i < n; i++) {
    const site_member *x = &out[i];
    if (!x->host[0] || x->port < 1 || x->port > 65535) abort();
    for (const char *p = x->host; *p; p++)
      if (!isalnum((unsigned char)*p) && *p != '.' && *p != '-') abort();
  }
  static site_member three[3];
  if (site_members_parse("10.0.0.12,10.0.0.13:1502,ev-3", three, 3, why, sizeof why) != 3) abort();
  int shape = site_member_priorities_parse(text, NULL, 0, why, sizeof why);
  int full = site_member_priorities_parse(text, three, 3, why, sizeof why);
  if (shape < 0 && full == 0) abort();
  if (full < 0 && (!why[0] || strlen(why) >= sizeof why)) abort();
  for (int i = 0; i < 3; i++) {
    if (three[i].priority < 0 || three[i].priority > 9) abort();
    for (int c = 0; c < SITE_MAX_CONN; c++) {
      int p = site_member_priority(&three[i], c);
      if (p < 0 || p > 9) abort();
    }
  }
  return 0;
}
