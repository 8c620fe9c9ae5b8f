/*
 * Fuzz target for the MQTT command decoder (src/mqtt/mqtt_proto.c): the
 * input up to the first NUL is the topic, the rest the payload, as a broker
 * would hand them over. The decoder must never crash, must answer 0, 1 or
 * -1, give a reason with every refusal, and a decoded command must be
 * within its bounds; the result payload is built for every answer.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mqtt/mqtt_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const uint8_t *nul = memchr(data, 0, size);
  size_t tl = nul ? (size_t)(nul - data) : size;
  char *topic = malloc(tl + 1);
  if (!topic) return 0;
  memcpy(topic, data, tl);
  topic[tl] = 0;
  /* libmosquitto hands an empty message over as NULL */
  const uint8_t *payload = nul && nul + 1 < data + size ? nul + 1 : NULL;
  size_t pl = nul ? size - tl - 1 : 0;
  mqtt_command c;
  char err[200] = "";
  int rc = mqtt_command_parse("borne", "st-1", 2, topic, payload, pl, &c, err, sizeof err);
  if (rc < -1 || rc > 1) abort();
  if (rc == -1 && !err[0]) abort();
  if (rc == 0) {
    if (c.connector < 0 || c.connector > 2) abort();
    if (!isfinite(c.amps) || c.amps > 2000) abort();
    if (strlen(c.text) >= sizeof c.text || strlen(c.name) >= sizeof c.name) abort();
    if (c.kind != MQTT_CMD_SITE_LIMIT && c.connector == 0) abort();
  }
  char *r = mqtt_result_json(topic, &c, rc == 0, err);
  free(r);
  free(topic);
  return 0;
}
