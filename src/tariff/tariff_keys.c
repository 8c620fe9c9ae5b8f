/* Configuration keys of the tariff module (its table is handed to the
 * registry, see config/config_tables.h). */
#include <stdio.h>

#include "tariff/tariff.h"
#include "config/config_tables.h"

static int check_currency(const char *v, char *why, size_t len) {
  if (tariff_currency_valid(v)) return 0;
  snprintf(why, len, "`%s` is not an ISO 4217 currency code (three capital letters, e.g. EUR)", v);
  return -1;
}

static const cfg_key_def rows[] = {
    {"tariff.price_kwh", CFG_NUMBER, "0", 0, 1000, NULL, true,
     "Price per kWh charged, in tariff.currency: each session's cost in the history, the API and "
     "its CSV; shown on the public page /c/N before charging. 0 with tariff.price_hour 0: no "
     "price (sessions carry no cost).",
     NULL, NULL},
    {"tariff.price_kwh_offpeak", CFG_NUMBER, "0", 0, 1000, NULL, true,
     "Price per kWh taken off-peak, inside the charging windows (schedule.windows), in "
     "tariff.currency; each session counts its off-peak energy (energy_offpeak_wh). 0: every kWh "
     "at tariff.price_kwh.",
     NULL, NULL},
    {"tariff.price_hour", CFG_NUMBER, "0", 0, 1000, NULL, true,
     "Price per hour of occupancy (from the start of a session to its end, charging or not), "
     "in tariff.currency, added to the energy's.",
     NULL, NULL},
    {"tariff.currency", CFG_STRING, "EUR", 0, 3, NULL, true,
     "Currency of the prices, ISO 4217 code (EUR, CHF, GBP…).", "three capital letters",
     check_currency},
    /* OCPP 2.0.1 TariffCostCtrlr (I04, I05), settable by the back end (SetVariables) */
    {"tariff.fallback_message", CFG_STRING, "", 0, 255, NULL, true,
     "OCPP 2.0.1 TariffCostCtrlr.TariffFallbackMessage: the tariff shown to drivers on the "
     "public page /c/N and the dashboard while the station cannot reach its OCPP back end. "
     "Empty: none.",
     NULL, NULL, .ocpp_name = "TariffFallbackMessage"},
    {"tariff.total_cost_fallback_message", CFG_STRING, "", 0, 255, NULL, true,
     "OCPP 2.0.1 TariffCostCtrlr.TotalCostFallbackMessage: shown to the driver once a "
     "transaction ended while the back end's total cost has not come (offline, or its answer had "
     "none). Empty: none.",
     NULL, NULL, .ocpp_name = "TotalCostFallbackMessage"},
    /* OCPP 2.1 TariffCostCtrlr (docs/ocpp21.md, Local cost) */
    {"tariff.offline_fallback_message", CFG_STRING, "", 0, 255, NULL, true,
     "OCPP 2.1 TariffCostCtrlr.OfflineTariffFallbackMessage: the tariff shown to drivers on the "
     "public page /c/N and the dashboard while the station cannot reach its OCPP back end and "
     "knows no tariff of its own for the EVSE (no transaction priced by a 2.1 tariff), instead "
     "of tariff.fallback_message. Empty: tariff.fallback_message is shown.",
     NULL, NULL, .ocpp_name = "OfflineTariffFallbackMessage"},
    {"tariff.running_cost_interval", CFG_INT, "60", 0, 86400, NULL, true,
     "OCPP 2.1 TariffCostCtrlr.Interval[Cost], seconds: a transaction the station prices with a "
     "2.1 tariff sends its cost so far (TransactionEvent Updated, triggerReason RunningCost, "
     "costDetails) this often. 0: none of its own (the cost still rides with the other Updated "
     "events).",
     NULL, NULL, .ocpp_name = "RunningCostInterval"},
    {0},
};

const cfg_key_table tariff_keys = {"tariff", rows, NULL};
