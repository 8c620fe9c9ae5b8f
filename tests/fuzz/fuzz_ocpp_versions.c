/*
 * Fuzz target for the `ocpp.version` list parser (src/ocpp/ocpp_version.c):
 * any bytes as the key's value must parse into at most three distinct
 * dialects whose offer fits, or be refused with a reason; never a crash.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ocpp/ocpp_version.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *text = malloc(size + 1);
  if (!text) return 0;
  memcpy(text, data, size);
  text[size] = 0;
  const ocpp_dialect *list[OCPP_VERSIONS_MAX];
  size_t n = 0;
  char why[200], offer[64];
  for (int spoken = 0; spoken < 2; spoken++)
    if (ocpp_version_list_parse(text, spoken, list, &n, why, sizeof why) == 0) {
      if (n < 1 || n > OCPP_VERSIONS_MAX) abort();
      if (ocpp_version_offer(list, n, offer, sizeof offer) != 0) abort();
      if (ocpp_version_picked(list, n, list[n - 1]->subprotocol) != list[n - 1]) abort();
    } else if (!why[0]) {
      abort();
    }
  free(text);
  return 0;
}
