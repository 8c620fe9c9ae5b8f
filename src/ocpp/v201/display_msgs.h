/*
 * Pure: OCPP 2.0.1 / 2.1 display messages (block O) as the station keeps
 * them. A message is the CSMS's messageInfo object exactly as it came in
 * SetDisplayMessage — already checked by the link against the schema of the
 * version spoken, so that NotifyDisplayMessages sends it back as it was set
 * — and these functions read it: whether the station takes it, when it is
 * shown, which ones a GetDisplayMessages selects, the NotifyDisplayMessages
 * pages and the API's view. No I/O: display.c keeps the set on disk.
 */
#ifndef BORNE_OCPP_V201_DISPLAY_MSGS_H
#define BORNE_OCPP_V201_DISPLAY_MSGS_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "util/clock.h"

#define V201_DISPLAY_MAX 32     /* DisplayMessageCtrlr.DisplayMessages */
#define V201_DISPLAY_PER_PAGE 8 /* messageInfo per NotifyDisplayMessages */
#define V201_DISPLAY_NEVER INT64_MAX

/* The answer's status for messageInfo `info` on a station of `evses` EVSEs
 * (qr: QRCODE is a format it shows, 2.1): NULL when it is taken, else
 * "NotSupportedMessageFormat" or "Rejected" (a display on an EVSE the station
 * does not have, an end not after the start, not a messageInfo). The
 * transaction and the number of messages are the caller's to check. */
const char *v201_display_refusal(const json_t *info, int evses, bool qr);

int v201_display_id(const json_t *info);
/* The EVSE of its display component, 0 for the whole station. */
int v201_display_evse(const json_t *info);
const char *v201_display_transaction(const json_t *info); /* NULL: none */
/* Its endDateTime, V201_DISPLAY_NEVER without one. */
borne_ms v201_display_end(const json_t *info);
/* Shown at `now` on EVSE `evse` whose state (messageInfo's words: Charging,
 * Faulted, Idle, Unavailable) is `state`. */
bool v201_display_shown(const json_t *info, int evse, const char *state, borne_ms now);

/* GetDisplayMessages' selection: ids (an array of integers, NULL or empty:
 * any), priority and state (NULL: any); every criterion given must match. */
bool v201_display_selected(const json_t *info, const json_t *ids, const char *priority,
                           const char *state);

/* The NotifyDisplayMessages payloads for `infos` (a non-empty array of
 * messageInfo), V201_DISPLAY_PER_PAGE each, `tbc` on all but the last. */
json_t *v201_display_pages(const json_t *infos, int request_id);

/* The API's view of one message: id, priority, state, format, language,
 * content, start, end, transaction_id, evse (null where absent). */
json_t *v201_display_view(const json_t *info);

/* Sort key: AlwaysFront 0, InFront 1, NormalCycle 2. */
int v201_display_rank(const json_t *info);

#endif
