/*
 * Fuzz target for the OCMF code that takes outside text: ocmf_record_split()
 * (records read back, e.g. from a meter that signs itself) and verification
 * of what it returns, and the payload builder fed the input as its free-text
 * fields (configuration values, badge UIDs). Never a crash; a built payload
 * never contains '|' (the section separator) and always ends the JSON object.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ocmf/ocmf_record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A valid P-256 public key (DER SubjectPublicKeyInfo, hex). */
static const char pub[] =
    "3059301306072A8648CE3D020106082A8648CE3D030107034200047168BDEB18D6F6BBC9C32BFA6E122250895B9"
    "BE50B14EFED3EAEA87106273B98C92679B1A7A154C2A726E5F6637221661C290BC539D36D259DC2813FD6DB0D53";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *text = malloc(size + 1);
  if (!text) return 0;
  memcpy(text, data, size);
  text[size] = '\0';

  char buf[4096];
  const char *payload, *sd;
  if (ocmf_record_split(text, buf, sizeof buf, &payload, &sd) == 0) {
    if (payload < buf || payload >= buf + sizeof buf || sd < buf || sd >= buf + sizeof buf) abort();
    int v = ocmf_verify_hex(pub, payload, strlen(payload), sd);
    if (v < -1 || v > 1) abort();
  }
  char small[16];
  (void)ocmf_record_split(text, small, sizeof small, &payload, &sd);

  /* the input as free text: split at the first two NULs / thirds */
  size_t third = size / 3;
  char *a = strndup(text, third), *b = strndup(text + third, third),
       *c = strndup(text + 2 * third, size - 2 * third);
  if (a && b && c) {
    ocmf_payload p = {.gateway_id = a,
                      .gateway_serial = b,
                      .meter_model = c,
                      .meter_serial = b,
                      .id_data = a,
                      .cp_type = "CBIDC",
                      .cp_id = c,
                      .pagination = size + 1,
                      .reading_count = 1};
    p.readings[0] = (ocmf_reading){
        (int64_t)size * 1000, (int)(size % 1500) - 750, 'S', 'B', (double)size * 3.5, 'G'};
    char out[OCMF_PAYLOAD_MAX], err[300];
    int n = ocmf_payload_build(&p, out, sizeof out, err, sizeof err);
    if (n >= 0) {
      if ((size_t)n != strlen(out) || strchr(out, '|') || n < 2 || strcmp(out + n - 2, "]}") != 0)
        abort();
    }
  }
  free(a);
  free(b);
  free(c);
  free(text);
  return 0;
}
