/*
 * Pure: the variable monitors of OCPP 2.0.1 functional block N (N04
 * SetVariableMonitoring, N06 ClearVariableMonitoring, N03 SetMonitoringBase,
 * N07 the alert they raise). A monitor watches one variable of the device
 * model (device_model.h) and trips on a threshold crossed (UpperThreshold,
 * LowerThreshold: trigger Alerting, and Alerting again with cleared when the
 * value is back), a change of at least its value (Delta; any change for a
 * value that is not a number) or a period (Periodic, PeriodicClockAligned).
 * This file keeps the set of monitors, checks a new one against the rules of
 * N04, installs the station's own monitors as SetMonitoringBase asks (N03:
 * hard-wired ones always, preconfigured ones unless HardWiredOnly), decides
 * when one trips, from the value and a `now` the caller gives, and cuts the
 * events of one check into NotifyEvent messages; it reads no variable, sends
 * nothing and saves nothing (monitoring.c does). The unit tests and the fuzz
 * target run it as is.
 */
#ifndef BORNE_OCPP_V201_MONITOR_H
#define BORNE_OCPP_V201_MONITOR_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#define MON_MAX 64 /* custom monitors this station keeps */
/* the station's own monitors (hard-wired, preconfigured): monitoring.c's
 * list, at most this many, their ids from MON_BUILTIN_ID on (never given to
 * a custom monitor) */
#define MON_BUILTIN_MAX 24
#define MON_BUILTIN_ID 1000000
#define MON_CAPACITY (MON_MAX + MON_BUILTIN_MAX)
#define MON_NAME_MAX 50 /* ComponentType.name, VariableType.name: string(50) */
#define MON_VALUE_MAX 64

typedef enum { MON_UPPER, MON_LOWER, MON_DELTA, MON_PERIODIC, MON_PERIODIC_ALIGNED } mon_type;
/* eventNotificationType of the monitor's events */
typedef enum { MON_CUSTOM, MON_PRECONFIGURED, MON_HARDWIRED } mon_kind;
/* MonitoringBaseEnumType of SetMonitoringBase */
typedef enum { MON_BASE_ALL, MON_BASE_FACTORY_DEFAULT, MON_BASE_HARDWIRED_ONLY } mon_base;
/* SetMonitoringStatusEnumType (OutOfRange is 2.1's word, not used) */
typedef enum {
  MON_ACCEPTED,
  MON_UNKNOWN_COMPONENT,
  MON_UNKNOWN_VARIABLE,
  MON_UNSUPPORTED_TYPE,
  MON_REJECTED,
  MON_DUPLICATE,
} mon_status;

typedef struct {
  int id;
  mon_kind kind;
  mon_type type;
  double value;     /* threshold, delta, or period in seconds */
  int severity;     /* 0 (Danger) .. 9 (Debug) */
  bool transaction; /* only while a transaction runs */
  char component[MON_NAME_MAX + 1];
  int evse;      /* 0: none */
  int connector; /* 0: none */
  char variable[MON_NAME_MAX + 1];
  /* evaluation, not saved */
  bool tripped;                      /* a threshold is crossed */
  int trip_event_id;                 /* the eventId that told it: the cause of the clearing */
  char reference[MON_VALUE_MAX + 1]; /* Delta: the value last told */
  long long next_due;                /* Periodic: the next report (ms), 0 not yet set */
} mon_monitor;

typedef struct {
  mon_monitor m[MON_CAPACITY];
  int count;
  int next_id; /* the id of the next monitor without one (N04.FR.11) */
} mon_set;

/* What one evaluation of a monitor found. */
typedef struct {
  const char *trigger; /* EventTriggerEnumType: Alerting, Delta, Periodic */
  bool cleared;        /* a threshold monitor back to normal */
  int cause;           /* cleared: the eventId of the alert */
} mon_trip;

const char *mon_type_name(mon_type t);
bool mon_type_parse(const char *name, mon_type *out);
const char *mon_kind_name(mon_kind k); /* CustomMonitor, PreconfiguredMonitor, HardWiredMonitor */
const char *mon_status_name(mon_status s);
const char *mon_base_name(mon_base b);
bool mon_base_parse(const char *name, mon_base *out);

void mon_set_init(mon_set *s);

/* Adds `want` (has_id: replaces the monitor of that id) watching a variable
 * whose value now is `current` (NULL: unknown), a number when `numeric`.
 * Accepted with the monitor's id in *id_out, else why not in *why (a static
 * text). The caller checked the component and variable exist. */
mon_status mon_set_add(mon_set *s, const mon_monitor *want, bool has_id, bool numeric,
                       const char *current, long long now_ms, int *id_out, const char **why);

/* ClearMonitoringStatusEnumType: "Accepted", "Rejected" (hard-wired),
 * "NotFound". */
const char *mon_set_clear(mon_set *s, int id);

/* Removes the custom monitors (SetMonitoringBase FactoryDefault, HardWiredOnly). */
void mon_set_clear_custom(mon_set *s);

/* The station's own monitors (`own`, n of them, each with its kind and id):
 * adds those missing, the hard-wired ones always and the preconfigured ones
 * when `preconfigured` unless their id is in use (a custom monitor that
 * replaced one, N04.FR.15) or listed in `off` (noff ids: cleared by the
 * CSMS). Their evaluation starts afresh. */
void mon_set_install(mon_set *s, const mon_monitor *own, int n, bool preconfigured, const int *off,
                     int noff, long long now_ms);

/* SetMonitoringBase (N03, as the 2.0.1 errata 2025-01 words it): All keeps
 * the custom monitors and (re)activates the preconfigured ones not replaced
 * by one; FactoryDefault removes the custom monitors and (re)activates every
 * preconfigured one; HardWiredOnly removes both, the hard-wired ones stay. */
void mon_set_base(mon_set *s, mon_base base, const mon_monitor *own, int n, long long now_ms);

/* The station's own monitors whose value follows the settings take the
 * value of their definition in `own` (a custom monitor that replaced one
 * keeps its own). */
void mon_set_refresh(mon_set *s, const mon_monitor *own, int n);

/* The custom monitors in the set. */
int mon_set_custom_count(const mon_set *s);

mon_monitor *mon_set_find(mon_set *s, int id);

/* Whether monitor m trips with its variable's value now `value` (NULL:
 * unknown, nothing trips but a period): fills *out and updates the monitor's
 * evaluation state. A number when `numeric`. */
bool mon_check(mon_monitor *m, const char *value, bool numeric, long long now_ms, mon_trip *out);

/* The earliest time a periodic monitor is due, LLONG_MAX none. */
long long mon_next_due(const mon_set *s);

/* A monitor as saved (its definition, no evaluation state) and back; false
 * for JSON that is not one (the fuzz target feeds it anything). */
json_t *mon_to_json(const mon_monitor *m);
bool mon_from_json(const json_t *j, mon_monitor *out);

/* The NotifyEvent requests of one check's eventData (borrowed): as many
 * events each as fit in max_bytes of JSON (one alone when it does not),
 * seqNo from 0, tbc true on every message but the last; generated_at an
 * RFC 3339 time. A new array, empty for no events. */
json_t *mon_event_messages(const json_t *events, const char *generated_at, size_t max_bytes);

/* Whether `text` is a whole number in decimal ("12.5", "-3"); *out its value. */
bool mon_number(const char *text, double *out);

#endif
