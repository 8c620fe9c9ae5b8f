/* bornectl network: the back end's state line, one row per interface, then
 * the Wi-Fi networks in range (docs/network.md). */
#include <stdio.h>
#include <string.h>

#include "ctl.h"

int ctl_show_network(ctl_ctx *ctx, const json_t *answer) {
  char a[64], b[64];
  const json_t *ap = json_object_get(answer, "setup_ap");
  fprintf(ctx->out, "network: %s (back end %s), setup access point %s%s%s\n",
          ctl_cell(answer, "state", a, sizeof a), ctl_cell(answer, "backend", b, sizeof b),
          json_is_true(json_object_get(ap, "on")) ? "on" : "off",
          json_is_string(json_object_get(ap, "until")) ? " until " : "",
          json_is_string(json_object_get(ap, "until"))
              ? json_string_value(json_object_get(ap, "until"))
              : "");
  static const char *const headers[] = {"INTERFACE", "TYPE", "STATE", "ADDRESSES", "CONNECTION"};
  text_table t;
  table_init(&t, 5, headers);
  size_t i;
  const json_t *itf;
  json_array_foreach(json_object_get(answer, "interfaces"), i, itf) {
    char name[64], type[32], state[32], conn[128], addrs[256] = "";
    size_t k;
    const json_t *ad;
    json_array_foreach(json_object_get(itf, "addresses"), k, ad) {
      size_t len = strlen(addrs);
      snprintf(addrs + len, sizeof addrs - len, "%s%s", k ? " " : "", json_string_value(ad));
    }
    const char *row[] = {ctl_cell(itf, "name", name, sizeof name),
                         ctl_cell(itf, "type", type, sizeof type),
                         ctl_cell(itf, "state", state, sizeof state), addrs[0] ? addrs : "-",
                         ctl_cell(itf, "connection", conn, sizeof conn)};
    table_add_row(&t, row);
  }
  ctl_print_table(ctx, &t);
  /* a modem: the APN it uses and its operator (MCC+MNC) */
  json_array_foreach(json_object_get(answer, "interfaces"), i, itf) {
    if (!json_is_string(json_object_get(itf, "apn")) &&
        !json_is_string(json_object_get(itf, "operator")))
      continue;
    const char *apn = json_string_value(json_object_get(itf, "apn"));
    const char *op = json_string_value(json_object_get(itf, "operator"));
    fprintf(ctx->out, "cellular %s: APN %s, operator %s\n",
            json_string_value(json_object_get(itf, "name")), apn ? apn : "-", op ? op : "-");
  }
  const json_t *wifi = json_object_get(answer, "wifi");
  if (json_array_size(wifi) == 0) return CTL_EXIT_OK;
  static const char *const wh[] = {"WI-FI NETWORK", "SIGNAL %", "SECURED", "JOINED"};
  table_init(&t, 4, wh);
  table_set_align(&t, 1, TABLE_RIGHT);
  const json_t *w;
  json_array_foreach(wifi, i, w) {
    char ssid[64], strength[16];
    const char *row[] = {ctl_cell(w, "ssid", ssid, sizeof ssid),
                         ctl_cell(w, "strength", strength, sizeof strength),
                         json_is_true(json_object_get(w, "secured")) ? "yes" : "no",
                         json_is_true(json_object_get(w, "active")) ? "yes" : ""};
    table_add_row(&t, row);
  }
  ctl_print_table(ctx, &t);
  return CTL_EXIT_OK;
}
