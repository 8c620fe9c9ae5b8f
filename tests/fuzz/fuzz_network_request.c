/*
 * Fuzz target for the network actions' bodies (src/network/network_req.c):
 * the first byte picks the action, the rest is the body, parsed the way the
 * route parses it. A request the parser accepts must hold only what its
 * checks promise (NUL-terminated fields within their bounds, a valid key
 * shape), and must write out as JSON that parses back into the same request.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_body.h"
#include "network/network_req.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0 || size > 4096) return 0;
  net_op op = (net_op)(1 + data[0] % 5);
  http_response res = {0};
  json_t *body = fuzz_body_object(data + 1, size - 1, "/api/v1/network/join", 1, &res);
  free(res.body);
  if (!body) return 0;
  net_request r;
  char err[200];
  if (net_request_parse(op, body, &r, err, sizeof err) == 0) {
    if (memchr(r.ssid, 0, sizeof r.ssid) == NULL || memchr(r.psk, 0, sizeof r.psk) == NULL ||
        memchr(r.apn, 0, sizeof r.apn) == NULL || r.dns_count < 0 || r.dns_count > NET_DNS_MAX)
      abort();
    if (op == NET_OP_JOIN && (!net_ssid_ok(r.ssid) || (r.psk[0] && !net_psk_ok(r.psk)))) abort();
    json_t *back = net_request_json(&r);
    json_object_del(back, "op");
    if (op == NET_OP_JOIN && !r.psk[0]) json_object_del(back, "psk");
    /* setup_ap's message to borne-nm also carries the access point's name and
     * key, which the module fills in: the API's body has only "on" */
    if (op == NET_OP_SETUP_AP) {
      json_object_del(back, "ssid");
      json_object_del(back, "psk");
    }
    net_request again;
    if (net_request_parse(op, back, &again, err, sizeof err) != 0 ||
        memcmp(&r, &again, sizeof r) != 0)
      abort();
    json_decref(back);
  } else if (!err[0]) {
    abort();
  }
  json_decref(body);
  return 0;
}
