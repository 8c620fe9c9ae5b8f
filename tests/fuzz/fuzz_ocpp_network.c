/*
 * Fuzz target for the network connection profiles' checks (ocpp_network.h):
 * the first line of the input is a NetworkConfigurationPriority value
 * (ocpp_net_priority_parse), the rest a SetNetworkProfile connectionData as
 * JSON (ocpp_net_check, for each slot 0..5 and each profile in use 0..3).
 *
 * Checked, besides no crash / leak: a parsed list has 1..OCPP_NET_SLOTS
 * distinct slots in range, a refusal always names a reason the 2025 errata
 * lists and a sentence, and an accepted profile has a JSON transport, a
 * securityProfile not below the one in use and a URL of its scheme.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ocpp/ocpp_network.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *nl = memchr(data, '\n', size);
  size_t first = nl ? (size_t)(nl - (const char *)data) : size;
  char *csl = malloc(first + 1);
  if (!csl) return 0;
  memcpy(csl, data, first);
  csl[first] = 0;
  int slots[OCPP_NET_SLOTS];
  char why[200];
  int n = ocpp_net_priority_parse(csl, slots, why, sizeof why);
  if (n == 0 || n > OCPP_NET_SLOTS) abort();
  for (int i = 0; i < n; i++) {
    if (slots[i] < 1 || slots[i] > OCPP_NET_SLOTS) abort();
    for (int k = 0; k < i; k++)
      if (slots[k] == slots[i]) abort();
  }
  free(csl);
  if (!nl) return 0;
  json_t *data_j = json_loadb(nl + 1, size - first - 1, 0, NULL);
  for (int slot = 0; slot <= OCPP_NET_SLOTS + 1; slot++)
    for (int current = 0; current <= 3; current++) {
      why[0] = 0;
      const char *r = ocpp_net_check(slot, data_j, current, current & 1, why, sizeof why);
      if (r) {
        if (strcmp(r, "InvalidConfSlot") && strcmp(r, "InvalidNetworkConf") &&
            strcmp(r, "NoSecurityDowngrade"))
          abort();
        if (!why[0]) abort();
        continue;
      }
      const char *t = json_string_value(json_object_get(data_j, "ocppTransport"));
      json_int_t p = json_integer_value(json_object_get(data_j, "securityProfile"));
      const char *url = json_string_value(json_object_get(data_j, "ocppCsmsUrl"));
      if (!t || strcmp(t, "JSON") || p < current || !url) abort();
      if (strncmp(url, p >= 2 ? "wss://" : "ws://", p >= 2 ? 6 : 5)) abort();
    }
  json_decref(data_j);
  return 0;
}
