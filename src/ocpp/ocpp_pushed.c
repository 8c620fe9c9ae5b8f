/* The payloads of the last queued messages (ocpp_pushed.h). */
#include "ocpp/ocpp_pushed.h"

#include <stdlib.h>
#include <string.h>

void ocpp_pushed_keep(ocpp_pushed *k, char *text, json_t *payload) {
  unsigned i = k->next++ % OCPP_PUSHED_KEEP;
  free(k->slot[i].text);
  json_decref(k->slot[i].payload);
  k->slot[i].text = text;
  k->slot[i].payload = payload;
}

json_t *ocpp_pushed_take(ocpp_pushed *k, const char *text, bool *kept) {
  for (unsigned i = 0; i < OCPP_PUSHED_KEEP; i++) {
    if (k->slot[i].text && strcmp(k->slot[i].text, text) == 0) {
      json_t *p = k->slot[i].payload;
      free(k->slot[i].text);
      k->slot[i].text = NULL;
      k->slot[i].payload = NULL;
      *kept = true;
      return p;
    }
  }
  *kept = false;
  return json_loads(text, 0, NULL);
}

void ocpp_pushed_clear(ocpp_pushed *k) {
  for (unsigned i = 0; i < OCPP_PUSHED_KEEP; i++) {
    free(k->slot[i].text);
    json_decref(k->slot[i].payload);
    k->slot[i].text = NULL;
    k->slot[i].payload = NULL;
  }
}
