/*
 * OCPP 2.0.1/2.1 display messages (src/ocpp/v201/display_msgs.c) on any
 * input: the JSON after the first byte is a messageInfo. Every reader takes
 * any JSON without crashing (they read defensively); one the station takes
 * (byte 0: 2.1's QRCODE allowed) has a view, and its NotifyDisplayMessages
 * page passes the 2.0.1 schema whenever its SetDisplayMessage did.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <jansson.h>

#include "ocpp/v201/display_msgs.h"
#include "ocpp201_messages.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define T0 (1796518800LL * 1000)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  json_t *info = json_loadb((const char *)data + 1, size - 1, JSON_DECODE_ANY, NULL);
  if (!info) return 0;
  const char *refused = v201_display_refusal(info, 2, data[0] & 1);
  (void)v201_display_shown(info, 1 + (data[0] >> 1) % 2, "Charging", T0);
  (void)v201_display_selected(info, NULL, "InFront", NULL);
  (void)v201_display_end(info);
  (void)v201_display_transaction(info);
  if (!refused) {
    json_t *view = v201_display_view(info);
    if (!view) abort();
    json_decref(view);
  }
  json_t *req = json_pack("{s:O}", "message", info);
  ocpp_error err;
  if (req && ocpp201_validate("SetDisplayMessage", true, req, &err) == 0) {
    json_t *infos = json_pack("[O]", info);
    json_t *pages = v201_display_pages(infos, 1);
    if (json_array_size(pages) != 1 ||
        ocpp201_validate("NotifyDisplayMessages", true, json_array_get(pages, 0), &err) != 0)
      abort();
    json_decref(pages);
    json_decref(infos);
  }
  json_decref(req);
  json_decref(info);
  return 0;
}
