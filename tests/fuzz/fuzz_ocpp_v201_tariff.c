/*
 * The OCPP 2.1 local cost's JSON (src/ocpp/v201/tariff_json.c) and the
 * calculator (src/tariff/tariff21.c) on any input. Byte 0 picks what the
 * rest is: even, a TariffType as a CSMS sends it; odd, a saved state as the
 * disk gives it back. A tariff taken (or a state restored) is run through a
 * few readings drawn from byte 0, and its costDetails, when it has one, is
 * valid in a 2.1 TransactionEvent (the generated validator); the state saved
 * is restored again. Nothing may crash or leak.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ocpp/v201/tariff_json.h"
#include "ocpp21_messages.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define T0 (1796679000000LL) /* 2026-12-07T21:30:00Z */

static void check_details(const tariff21_run *r) {
  json_t *d = v201_cost_details_json(r, true);
  if (!d) return;
  json_t *ev = json_pack("{s:s, s:s, s:s, s:i, s:{s:s}, s:o}", "eventType", "Ended", "timestamp",
                         "2026-12-07T22:30:00Z", "triggerReason", "EVCommunicationLost", "seqNo", 2,
                         "transactionInfo", "transactionId", "tx-1", "costDetails", d);
  ocpp_error err;
  if (!ev || ocpp21_validate("TransactionEvent", true, ev, &err) != 0) abort();
  json_decref(ev);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  tariff21_run r;
  json_t *tariff = NULL;
  bool driver = false;
  if (data[0] & 1) {
    char *text = malloc(size);
    if (!text) return 0;
    memcpy(text, data + 1, size - 1);
    text[size - 1] = 0;
    int rc = v201_tariff_restore(text, &r, &tariff, &driver);
    free(text);
    if (rc != 0) return 0;
  } else {
    json_t *j = json_loadb((const char *)data + 1, size - 1, JSON_DECODE_ANY, NULL);
    if (!j) return 0;
    tariff21 t;
    const char *why;
    if (strcmp(v201_tariff_of_json(j, &t, &why), "Accepted") != 0) {
      json_decref(j);
      return 0;
    }
    t21_start(&r, &t, T0, (data[0] >> 1) * 900, 1000);
    tariff = j;
  }
  double wh = r.last_wh;
  for (int i = 1; i <= 6; i++) {
    wh += (data[0] >> (i % 8)) & 1 ? 1500 : 0;
    t21_step(&r, r.last_ms + i * 600000LL, 3600, wh, i % 3 != 0, 16, 11000);
  }
  if (data[0] & 2) t21_change(&r, &r.t, r.last_ms + 60000, 0, wh + 100);
  (void)t21_cost(&r);
  check_details(&r);
  char *state = v201_tariff_state(&r, tariff, driver);
  if (state) {
    tariff21_run again;
    json_t *t2 = NULL;
    bool d2;
    if (v201_tariff_restore(state, &again, &t2, &d2) != 0) abort(); /* what was saved comes back */
    json_decref(t2);
    free(state);
  }
  json_decref(tariff);
  return 0;
}
