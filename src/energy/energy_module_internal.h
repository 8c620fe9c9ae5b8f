/*
 * Shared between the files of the energy module (energy_module*.c): the
 * module's state and the functions one file offers the others. The module
 * is split by concern: the allocation rounds and hooks (energy_module.c), the
 * grid sources and POST /api/v1/grid (energy_module_grid.c), the users' own
 * charging windows (energy_module_users.c), the status JSON
 * (energy_module_status.c). Not for use outside src/energy.
 */
#ifndef BORNE_ENERGY_ENERGY_MODULE_INTERNAL_H
#define BORNE_ENERGY_ENERGY_MODULE_INTERNAL_H

#include <stdbool.h>
#include <uv.h>
#include "core/grid_type.h"

#include "energy/allocator.h"
#include "energy/energy_remote.h"
#include "energy/limit_log.h"
#include "energy/schedule.h"
#include "energy/solar.h"
#include "energy/tzrule.h"
#include "station/station.h"

#define HELD_A (ALLOC_MIN_A - 0.1)

/* The grid sources, in the order of energy.src[] (energy_module_grid.c). */
extern const char *const energy_source_names[];
#define NSOURCES 6

/* The latest of each kind of information from one source: a contact or
 * tariff report does not replace the load measurement, nor the reverse. */
typedef struct {
  bool have;       /* a load measurement (current or power) */
  grid_sample g;   /* ... the latest */
  double own_a[3]; /* borne's draw per grid phase when it arrived */
  long count;
  bool contact_known, contact;
  borne_ms contact_at;
  bool offpeak_known, offpeak;
  char tariff[16];
  borne_ms offpeak_at;
} source_slot;

typedef struct {
  schedule sched;
  bool open;
  char text[SCHED_MAX_TEXT + 1];
} user_window;

typedef struct {
  station *st;
  int n;
  bool enabled;            /* site.limit_a set */
  unsigned long loaded_at; /* config_generation() of the last load_config() */
  allocator *alloc;
  alloc_config acfg;
  int source;     /* index in source_names, -1: none */
  double voltage; /* W per A summed over the phases: site.voltage_v, / sqrt(3) on a 3-phase IT
                     supply */
  grid_type grid; /* site.grid_type */
  double contact_limit_w;
  /* The per-connector arrays below hold n entries (one block, conn_block,
   * allocated by energy_attach: 8 of each before, 2.9 kB whatever the
   * station's connectors; issue 18) */
  void *conn_block;
  int (*rotation)[3];
  int *priority;
  /* phases each car was seen drawing from this session (1 or 3); 0: not yet */
  int *car_phases;
  /* NSOURCES slots, allocated by the first grid sample: NULL while none came
   * (a station without a grid input, every swarm station: 1.2 kB) */
  source_slot *src;
  alloc_conn_in *in;
  double *applied; /* LIMIT_LOAD_MANAGEMENT as applied; < 0: cleared */
  alloc_state *prev_state;
  limit_log *limit_logged; /* the `limit` events (issue 19) */
  /* charging windows (schedule.windows): NULL when none are set, as on most
   * stations: a schedule takes 3 kB (issues 15 and 18: memory per station) */
  schedule *sched;
  tz_rule tz;
  char tz_name[64];
  bool window_open;
  bool window_known;
  borne_ms window_next;    /* next change, 0: none within the horizon */
  double *sched_applied;   /* LIMIT_SCHEDULE as applied; < 0: cleared */
  lazy_timer window_timer; /* made by the first window to wait for (station/lazy_timer.h) */
  bool follow_offpeak;
  int window_from_meter; /* the window follows the meter's off-peak: 1, else 0 */
  /* per-user windows of the running sessions (replace the station's) */
  /* The windows of the user charging on each connector, NULL when they have
   * none (most sessions): allocated only then, as a schedule and its text
   * take 5 kB per connector (issues 15 and 18: memory per station). */
  user_window **user;
  /* solar-surplus charging (energy_module_solar.c) */
  solar *sol;
  solar_config scfg;
  solar_mode *mode; /* connector.N.charge_mode */
  solar_conn_in *sol_in;
  int *phase_req;        /* energy_request_phases(): 1 or 3, 0: none */
  double *solar_applied; /* LIMIT_SOLAR as applied; < 0: cleared */
  solar_state *solar_prev;
  bool has_inverter;   /* solar.inverter names a meter */
  bool pv_have;        /* an inverter sample arrived */
  borne_ms pv_at;      /* ... measured then */
  double pv_w;         /* its production, W */
  double house_load_w; /* solar.house_load_w */
  bool lm_active;      /* load management acted in the last round */
  bool failsafe;
  bool contact;
  long rounds;
  uv_timer_t tick;
  lazy_timer soon; /* made by the first round asked for */
  bool soon_armed;
  bool in_round;
  bool closed;
  /* an installation's members (energy_remote.h): slots after the n local ones */
  bool has_remote;
  energy_remote remote;
  alloc_conn_in *all_in; /* n + remote.slots */
  double *seed;          /* remote.slots */
} energy;

/* The station's charging windows: an empty schedule (always open) when none. */
extern const schedule energy_no_windows;
static inline const schedule *energy_sched(const energy *e) {
  return e->sched ? e->sched : &energy_no_windows;
}

static inline borne_ms energy_now(const energy *e) { return clock_now(&e->st->clock); }

/* energy_module.c */
void energy_round_soon(energy *e);
void energy_arm_window(energy *e);
bool energy_window_open(const energy *e, int c);

/* energy_module_grid.c */
int energy_source_index(const char *name);
void energy_grid_input(const energy *e, alloc_grid_in *g);
bool energy_contact_asserted(const energy *e);
int energy_offpeak_now(const energy *e, borne_ms now);
void energy_on_grid(void *ctx, const char *source, const grid_sample *g);
void energy_grid_routes(energy *e);

/* energy_module_solar.c: energy_request_phases() */
int energy_solar_request_phases(energy *e, int c, int phases);
/* energy_module_users.c */
extern const char *const energy_users_migrations[];
extern const int energy_users_migration_count;
void energy_load_user_windows(energy *e, int c);
void energy_users_routes(energy *e);

/* energy_module_solar.c */
void energy_solar_config(energy *e);
int energy_solar_attach(energy *e);
void energy_solar_round(energy *e, borne_ms now);
void energy_solar_status(const energy *e, int connector, json_t *obj);
bool energy_solar_offpeak(const energy *e, borne_ms now);

/* energy_module_status.c */
void energy_status_json(void *ctx, int connector, json_t *obj);

#endif
