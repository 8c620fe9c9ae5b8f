/*
 * Fuzz target for the charging-window grammar and POSIX TZ rules: the input
 * is "TZ rule\nwindows" (or windows alone). Parsing must either succeed or
 * give an error sentence, never crash; a parsed schedule is evaluated around
 * a few instants (open, next change) and must stay consistent: the state
 * right before the next change differs from the state at it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "energy/schedule.h"
#include "energy/tzrule.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *text = malloc(size + 1);
  if (!text) return 0;
  memcpy(text, data, size);
  text[size] = '\0';
  char err[256];
  tz_rule tz;
  tz_rule_utc(&tz);
  char *windows = text;
  char *nl = strchr(text, '\n');
  if (nl) {
    *nl = '\0';
    windows = nl + 1;
    if (tz_rule_parse(text, &tz, err, sizeof err) != 0) {
      if (!err[0]) abort();
      tz_rule_utc(&tz);
    }
  }
  static schedule s;
  if (schedule_parse(windows, &s, err, sizeof err) == 0) {
    static const borne_ms instants[] = {1774735200000LL, 1792879200000LL, 1798675200000LL};
    for (size_t i = 0; i < sizeof instants / sizeof instants[0]; i++) {
      borne_ms t = instants[i];
      bool open = schedule_open(&s, &tz, t);
      borne_ms next = schedule_next_change(&s, &tz, t, 2LL * 86400000);
      if (next) {
        if (next <= t) abort();
        if (schedule_open(&s, &tz, next) == open) abort();
        if (schedule_open(&s, &tz, next - 1) != open) abort();
      }
    }
  } else if (!err[0]) {
    abort();
  }
  free(text);
  return 0;
}
