/*
 * OCPP 2.1 E16 transaction limits, the pure part (txlimit.h).
 */
#include "ocpp/v201/txlimit.h"

#include <stdio.h>

static bool wants(unsigned supported, v201_txlimit_kind k) { return supported & (1u << k); }

bool v201_txlimit_parse(const json_t *tl, unsigned supported, v201_txlimit *out) {
  if (!json_is_object(tl)) return false;
  v201_txlimit l = {0};
  const json_t *v;
  if (wants(supported, V201_TXLIM_COST) && json_is_number(v = json_object_get(tl, "maxCost"))) {
    l.has_cost = true;
    l.max_cost = json_number_value(v);
  }
  if (wants(supported, V201_TXLIM_ENERGY) && json_is_number(v = json_object_get(tl, "maxEnergy"))) {
    l.has_energy = true;
    l.max_energy_wh = json_number_value(v);
  }
  if (wants(supported, V201_TXLIM_TIME) && json_is_integer(v = json_object_get(tl, "maxTime"))) {
    l.has_time = true;
    l.max_time_s = json_integer_value(v);
  }
  if (wants(supported, V201_TXLIM_SOC) && json_is_integer(v = json_object_get(tl, "maxSoC")) &&
      json_integer_value(v) >= 0 && json_integer_value(v) <= 100) {
    l.has_soc = true;
    l.max_soc = (int)json_integer_value(v);
  }
  if (v201_txlimit_empty(&l)) return false;
  *out = l;
  return true;
}

json_t *v201_txlimit_json(const v201_txlimit *l) {
  if (!l || v201_txlimit_empty(l)) return NULL;
  json_t *o = json_object();
  if (l->has_cost) json_object_set_new(o, "maxCost", json_real(l->max_cost));
  if (l->has_energy) json_object_set_new(o, "maxEnergy", json_real(l->max_energy_wh));
  if (l->has_time) json_object_set_new(o, "maxTime", json_integer(l->max_time_s));
  if (l->has_soc) json_object_set_new(o, "maxSoC", json_integer(l->max_soc));
  return o;
}

bool v201_txlimit_empty(const v201_txlimit *l) {
  return !l->has_cost && !l->has_energy && !l->has_time && !l->has_soc;
}

bool v201_txlimit_equal(const v201_txlimit *a, const v201_txlimit *b) {
  return a->has_cost == b->has_cost && a->has_energy == b->has_energy &&
         a->has_time == b->has_time && a->has_soc == b->has_soc &&
         (!a->has_cost || a->max_cost == b->max_cost) &&
         (!a->has_energy || a->max_energy_wh == b->max_energy_wh) &&
         (!a->has_time || a->max_time_s == b->max_time_s) &&
         (!a->has_soc || a->max_soc == b->max_soc);
}

v201_txlimit v201_txlimit_merge(const v201_txlimit *in_force, const v201_txlimit *update) {
  v201_txlimit m = *in_force;
  if (update->has_cost) {
    m.has_cost = true;
    m.max_cost = update->max_cost;
  }
  if (update->has_energy) {
    m.has_energy = true;
    m.max_energy_wh = update->max_energy_wh;
  }
  if (update->has_time) {
    m.has_time = true;
    m.max_time_s = update->max_time_s;
  }
  if (update->has_soc) {
    m.has_soc = true;
    m.max_soc = update->max_soc;
  }
  return m;
}

v201_txlimit_kind v201_txlimit_reached(const v201_txlimit *l, const v201_txlimit_usage *u) {
  if (l->has_energy && u->energy_wh >= l->max_energy_wh) return V201_TXLIM_ENERGY;
  if (l->has_time && u->elapsed >= l->max_time_s * 1000) return V201_TXLIM_TIME;
  if (l->has_cost && u->cost_known && u->cost >= l->max_cost) return V201_TXLIM_COST;
  if (l->has_soc && u->soc_known && u->soc >= (double)l->max_soc) return V201_TXLIM_SOC;
  return V201_TXLIM_NONE;
}

borne_ms v201_txlimit_time_due(const v201_txlimit *l, borne_ms start) {
  if (!l->has_time) return INT64_MAX;
  int64_t s = l->max_time_s < 0 ? 0 : l->max_time_s;
  return s > (INT64_MAX - start) / 1000 ? INT64_MAX : start + s * 1000;
}

const char *v201_txlimit_trigger(v201_txlimit_kind k) {
  switch (k) {
  case V201_TXLIM_ENERGY:
    return "EnergyLimitReached";
  case V201_TXLIM_TIME:
    return "TimeLimitReached";
  case V201_TXLIM_COST:
    return "CostLimitReached";
  case V201_TXLIM_SOC:
    return "SoCLimitReached";
  default:
    return NULL;
  }
}

const char *v201_txlimit_stopped(v201_txlimit_kind k) {
  switch (k) {
  case V201_TXLIM_ENERGY:
    return "EnergyLimitReached";
  case V201_TXLIM_TIME:
    return "TimeLimitReached";
  case V201_TXLIM_COST:
    return "LocalOutOfCredit";
  case V201_TXLIM_SOC:
    return "SOCLimitReached";
  default:
    return NULL;
  }
}

const char *v201_txlimit_supported_list(unsigned supported, char *buf, size_t len) {
  static const struct {
    v201_txlimit_kind k;
    const char *name;
  } members[] = {{V201_TXLIM_ENERGY, "maxEnergy"},
                 {V201_TXLIM_TIME, "maxTime"},
                 {V201_TXLIM_COST, "maxCost"},
                 {V201_TXLIM_SOC, "maxSoC"}};
  size_t used = 0;
  if (len) buf[0] = 0;
  for (size_t i = 0; i < sizeof members / sizeof members[0]; i++) {
    if (!wants(supported, members[i].k)) continue;
    int n =
        snprintf(buf + used, len > used ? len - used : 0, "%s%s", used ? "," : "", members[i].name);
    if (n < 0 || (size_t)n >= (len > used ? len - used : 0)) {
      if (len) buf[used < len ? used : len - 1] = 0; /* the whole members that fit */
      break;
    }
    used += (size_t)n;
  }
  return buf;
}
