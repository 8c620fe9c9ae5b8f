/*
 * The last messages a dialect queued in the journal, their parsed payload
 * kept beside the text the journal holds: the pump takes a payload back when
 * the journal hands it that very text, instead of parsing it again (issue
 * 15: a queued message was written, then parsed back at once to be sent).
 * Shared by the 1.6 and 2.0.1 dialects.
 */
#ifndef BORNE_OCPP_PUSHED_H
#define BORNE_OCPP_PUSHED_H

#include <stdbool.h>

#include <jansson.h>

#define OCPP_PUSHED_KEEP 4

typedef struct {
  struct {
    char *text;
    json_t *payload;
  } slot[OCPP_PUSHED_KEEP];
  unsigned next;
} ocpp_pushed;

/* Keeps `payload` (a reference taken over: nobody may change it) beside
 * `text` (taken over, json_dumps of it), pushing out the oldest. */
void ocpp_pushed_keep(ocpp_pushed *k, char *text, json_t *payload);
/* The payload kept for `text`, taken out (*kept true); else `text` parsed
 * (*kept false; NULL when it does not parse). The caller owns it. */
json_t *ocpp_pushed_take(ocpp_pushed *k, const char *text, bool *kept);
/* Everything kept freed. */
void ocpp_pushed_clear(ocpp_pushed *k);

#endif
