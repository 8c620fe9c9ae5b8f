/*
 * OCPP 2.0.1 functional block I (TariffAndCost), the CSMS's cost: the
 * running total of a transaction sent with CostUpdated (I02) and the final
 * one in the answer to its TransactionEvent Ended (I03: `totalCost`, which
 * the schema says "SHALL only be sent when charging has ended"), with the
 * answer's `updatedPersonalMessage`. Each EVSE keeps the last one of its
 * transaction, in memory, until its next transaction starts; the web pages
 * show it through the status (`ocpp_cost` of each connector) in borne's
 * tariff.currency (TariffCostCtrlr.Currency).
 */
#include <string.h>

#include "ocpp/v201/v201_internal.h"

static void set_cost(ocpp201_station *o, int c, const char *tx_id, double total, bool final) {
  v201_evse *k = &o->evse[c - 1];
  if (strcmp(k->cost_tx, tx_id) != 0) k->cost_message[0] = 0;
  snprintf(k->cost_tx, sizeof k->cost_tx, "%s", tx_id);
  k->cost = total;
  k->cost_known = true;
  k->cost_final = final;
  station_event(o->st, c, "ocpp_cost", "{\"transaction_id\":\"%s\",\"total\":%.2f,\"final\":%s}",
                tx_id, total, final ? "true" : "false");
}

void v201_cost_session_started(ocpp201_station *o, int c) {
  v201_evse *k = &o->evse[c - 1];
  k->cost_known = false;
  k->cost_final = false;
  k->cost_tx[0] = 0;
  k->cost_message[0] = 0;
}

void v201_cost_answered(ocpp201_station *o, int64_t session_id, const json_t *result) {
  const json_t *total = json_object_get(result, "totalCost");
  const char *message = json_string_value(
      json_object_get(json_object_get(result, "updatedPersonalMessage"), "content"));
  if (!session_id || (!json_is_number(total) && !message)) return;
  session_row row;
  if (store_session_get(o->st->db, session_id, &row) != 0 || row.connector < 1 ||
      row.connector > o->count)
    return;
  char tx[CP_TX_ID_MAX + 1];
  v201_tx_id(row.id, row.start_ms, tx);
  v201_evse *k = &o->evse[row.connector - 1];
  /* a newer transaction on the EVSE already: this answer is history */
  if (k->session_id && k->session_id != session_id) return;
  if (json_is_number(total))
    set_cost(o, row.connector, tx, json_number_value(total), row.stop_ms != 0);
  if (message) {
    if (strcmp(k->cost_tx, tx) != 0) {
      snprintf(k->cost_tx, sizeof k->cost_tx, "%s", tx);
      k->cost_known = false;
    }
    snprintf(k->cost_message, sizeof k->cost_message, "%s", message);
  }
}

json_t *v201_cost_status(const ocpp201_station *o, int c) {
  const v201_evse *k = &o->evse[c - 1];
  if (!k->cost_tx[0]) return json_null();
  const char *currency = config_get(o->st->cfg, "tariff.currency");
  return json_pack("{s:s, s:o, s:s, s:b, s:o}", "transaction_id", k->cost_tx, "total",
                   k->cost_known ? json_real(k->cost) : json_null(), "currency",
                   currency ? currency : "", "final", k->cost_final, "message",
                   k->cost_message[0] ? json_string(k->cost_message) : json_null());
}

static void h_cost_updated(ocpp201_station *o, const json_t *req, ocpp_reply *r) {
  ocpp201_CostUpdatedRequest q;
  ocpp_error e;
  if (!v201_decoded(ocpp201_CostUpdatedRequest_decode(req, &q, &e), &e, r)) return;
  int on = 0;
  for (int c = 1; c <= o->count; c++)
    if (o->evse[c - 1].tx_id[0] && !strcmp(o->evse[c - 1].tx_id, q.transactionId)) on = c;
  if (on)
    set_cost(o, on, q.transactionId, q.totalCost, false);
  else /* the response has no status: an unknown transaction is only logged */
    station_event(o->st, 0, "ocpp_cost", "CostUpdated for a transaction not running here");
  ocpp201_CostUpdatedRequest_free(&q);
  r->result = json_object();
}

static const v201_handler handlers[] = {
    {"CostUpdated", h_cost_updated},
};
const v201_family v201_cost_calls = {handlers, sizeof handlers / sizeof handlers[0]};
