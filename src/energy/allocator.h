/*
 * Site current allocator: shares what the building's connection has left
 * between the charging sessions, one round at a time, on a clock passed in.
 * Pure logic: no I/O, no clock reads, no allocation after allocator_new().
 *
 * One round: available per grid phase = limit - (building load - borne's own
 * draw) - margin (or the failsafe budget when the grid data is stale), then
 * max-min fair sharing (water-filling over the three phases and an optional
 * total-power cap, 1- and 3-phase sessions mixed, priorities first), 6 A
 * minimum per session (else paused, "waiting for power", rotating with the
 * charging ones on a fairness timer), minimum on/off times, and a stable
 * output: decreases at once, increases only after a hysteresis delay, in
 * bounded steps, no faster than the EV's reaction time. See docs/energy.md.
 */
#ifndef BORNE_ENERGY_ALLOCATOR_H
#define BORNE_ENERGY_ALLOCATOR_H

#include <stdbool.h>

#include "core/types.h"

#define ALLOC_MAX_CONNECTORS 4096
/* IEC 61851-1 Annex A (A.2.2): the lowest current a PWM duty cycle may offer. */
#define ALLOC_MIN_A 6.0
/* An EV that draws 2 A or more below its offer for this long takes no more:
 * its share is capped at its draw + 1 A so the others get the rest; the cap
 * is dropped when it draws up to it, at the next fairness turn, or when the
 * session ends. Longer than the 5-30 s EVs take to ramp up. */
#define ALLOC_EV_CAP_MS 30000
/* The EV follows a lower PWM offer within 5 s (IEC 61851-1 Annex A, the
 * same rule as CS_EV_ADAPT_MS in core/connector.h). */
#define ALLOC_EV_REACTION_MS 5000

typedef struct {
  double limit_a[3];       /* site limit per grid phase (main breaker / subscription) */
  double total_limit_a;    /* site limit on the sum of the phases' currents (site.limit_kva
                              at the nominal voltage); <= 0: none */
  int phases;              /* grid phases of the supply: 3, or 1 (only L1 exists) */
  double circuit_limit_a;  /* charging circuit limit per phase for borne alone; <= 0: none */
  double margin_a;         /* kept free on every phase */
  double min_a;            /* least current a session is given, >= ALLOC_MIN_A (6 A) */
  double fallback_a;       /* failsafe budget per phase for borne; < 0: computed (see .c) */
  borne_ms stale_ms;       /* grid data older than this: failsafe */
  borne_ms rotation_ms;    /* fairness period: a session that charged this long yields */
  borne_ms min_on_ms;      /* a started session is not paused before this (unless overload) */
  borne_ms min_off_ms;     /* a paused session is not restarted before this */
  borne_ms hysteresis_ms;  /* an increase must be wanted this long before it happens */
  double hysteresis_a;     /* ... and be at least this big */
  double step_a;           /* the most one increase adds */
  borne_ms ev_reaction_ms; /* at least this between two increases of one session */
  bool use_grid;           /* false: no grid data (grid.source=none): the limit is borne's */
} alloc_config;

/* Defaults documented in docs/energy.md (energy_keys.c repeats them). */
void alloc_config_defaults(alloc_config *c);

/* What bounds a budget or a share this round, as bits (several when they
 * tie): the site's grid connection on a phase (site.limit_a less the
 * building's other loads and the margin), its subscription on the sum of
 * the phases (site.limit_kva), a cap the grid operator sends (the EnWG 14a
 * contact, alloc_grid_in.total_limit_a), the failsafe budget (grid data
 * stale or missing: it stands for the grid connection it cannot see), and
 * borne's own charging circuit (site.circuit_limit_a: a limit of the local
 * installation, not the grid's). */
enum {
  ALLOC_BOUND_GRID = 1u << 0,
  ALLOC_BOUND_KVA = 1u << 1,
  ALLOC_BOUND_GRID_CAP = 1u << 2,
  ALLOC_BOUND_FAILSAFE = 1u << 3,
  ALLOC_BOUND_CIRCUIT = 1u << 4,
};
/* The constraints that protect the grid connection: a share or a budget
 * bound by any of them is critical for the grid (OCPP 2.0.1 isGridCritical),
 * even when the circuit binds too. */
#define ALLOC_BOUND_GRID_SIDE                                                                      \
  (ALLOC_BOUND_GRID | ALLOC_BOUND_KVA | ALLOC_BOUND_GRID_CAP | ALLOC_BOUND_FAILSAFE)

typedef struct {
  /* grid lines it draws from: 1 or 3; 2: a single-phase car in an IT grid,
   * between grid_phase[0] and grid_phase[1] (core/grid_type.h) */
  int phases;
  int grid_phase[3]; /* grid phase (0..2) of connector phase k */
  bool wants;        /* a session that may draw power (running, EV connected) */
  double max_a;      /* most it may take from every other limit and the EV; < 6: held */
  double draw_a[3];  /* measured draw per connector phase, A */
  int priority;      /* higher first; equal: fair share */
} alloc_conn_in;

typedef enum {
  ALLOC_IDLE,    /* no session that wants power */
  ALLOC_HELD,    /* another limit (schedule, OCPP, ...) holds it below 6 A */
  ALLOC_CHARGE,  /* share >= 6 A */
  ALLOC_WAITING, /* paused: "waiting for power" */
} alloc_state;

typedef struct {
  double limit_a;  /* load-management limit to apply: >= 6, or 0 (paused/held/idle) */
  double target_a; /* fair share this round, before the stability rules */
  alloc_state state;
  borne_ms since;       /* when it last started, was paused or began to want power */
  borne_ms off_at;      /* when the allocator last paused it (0: never in this session) */
  borne_ms up_since;    /* an increase is wanted since (0 none) */
  borne_ms last_up;     /* last increase */
  long changes;         /* how many times limit_a changed (for tests and status) */
  double ev_cap_a;      /* what the EV was seen to take when offered more (0: not known) */
  borne_ms under_since; /* draws clearly less than offered since (0: no) */
  borne_ms ev_cap_at;   /* when ev_cap_a was learnt */
  /* what held its share below what it could take this round (ALLOC_BOUND_*
   * bits: the budgets it did not fit in, or that were full when its fair
   * share stopped rising, or that left no room for an increase); 0: nothing
   * did (its other limits or the EV decide, or only the stability rules
   * hold it: a ramp, a rest after a pause) */
  unsigned bound;
  unsigned last_bound; /* the last nonzero `bound` of this session (0: none yet) */
} alloc_conn_out;

typedef struct {
  bool grid_valid;      /* a sample was ever received */
  double grid_a[3];     /* building load per grid phase incl. borne, A */
  borne_ms grid_at;     /* when it was measured */
  bool has_own;         /* own_a is borne's draw when the sample was taken */
  double own_a[3];      /* ... per grid phase (else the draw now is used) */
  double total_limit_a; /* cap on the sum of all phases' currents (EnWG 14a); <= 0: none */
  /* drawn by borne beyond conn[] per grid phase, out of the allocation's
   * reach (an installation's members the leader cannot reach, docs/site.md):
   * counted in borne's own draw and taken off its budget */
  double reserved_a[3];
} alloc_grid_in;

typedef struct {
  bool failsafe;            /* grid data stale or missing: the fallback budget applies */
  double building_a[3];     /* last building load per grid phase (incl. borne) */
  double own_a[3];          /* borne's measured draw per grid phase */
  double other_a[3];        /* building load without borne */
  double available_a[3];    /* budget for borne per grid phase this round */
  double available_total_a; /* budget for the sum of the phases (kVA limit, EnWG 14a); inf: none */
  double allocated_a[3];    /* sum of limits given, per grid phase */
  int charging, waiting;    /* sessions in each state */
  unsigned phase_bound[3];  /* what sets available_a[p] (ALLOC_BOUND_* bits) */
  unsigned total_bound;     /* what sets available_total_a; 0: no total */
  unsigned bound;           /* what bound the sessions' shares: the union of their `bound` */
} alloc_report;

typedef struct allocator allocator;

allocator *allocator_new(int connectors, const alloc_config *cfg);
void allocator_free(allocator *a);
void allocator_set_config(allocator *a, const alloc_config *cfg);
/* One round at `now`: conn[] has allocator's connector count entries. */
void allocator_round(allocator *a, borne_ms now, const alloc_grid_in *grid,
                     const alloc_conn_in *conn);
/* Connector i is charging at `amps` already (load management takes over a
 * running station: site limit set at run time, EnWG 14a contact, restart):
 * the next round starts from there instead of from a pause. */
void allocator_seed(allocator *a, int i, double amps, borne_ms now);
const alloc_conn_out *allocator_conn(const allocator *a, int i);
const alloc_report *allocator_report(const allocator *a);
int allocator_count(const allocator *a);
/* What every connector may draw together this round, A per phase: the
 * lowest of the supply's phases' budgets and the total budget spread evenly
 * over the phases; *bound (may be NULL) gets what sets it, every
 * constraint that ties (ALLOC_BOUND_* bits). */
double allocator_station_budget(const allocator *a, unsigned *bound);
const char *alloc_state_name(alloc_state s); /* idle, held, charging, waiting_for_power */

#endif
