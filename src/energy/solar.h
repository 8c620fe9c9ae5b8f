/*
 * Solar-surplus charging: decides, one round at a time on a clock passed in,
 * how much each connector in a solar charging mode may take from the sun,
 * when it starts and stops, and whether its phase contactor should put the
 * car on one phase or three. Pure logic: no I/O, no clock reads.
 *
 * The surplus is what the building would export if borne's solar-mode
 * connectors drew nothing: their draw minus the grid meter's balance (import
 * positive, summed over the phases), smoothed; without a fresh grid sample,
 * a PV inverter's production minus an assumed house load. It is shared
 * among the solar-mode connectors: higher connector.N.priority first, equal
 * priorities max-min fairly (each at least its minimum while the surplus
 * covers it, the rest evenly; running sessions admitted before waiting ones). Start when the
 * surplus has stayed above the start level for start_delay, stop when it has stayed below the stop
 * level for stop_delay, never before min_charge after a start nor min_pause after a stop. The
 * result is a limit (LIMIT_SOLAR in the station) that composes with all the others: the site limit
 * always wins. See docs/energy.md "Solar surplus".
 */
#ifndef BORNE_ENERGY_SOLAR_H
#define BORNE_ENERGY_SOLAR_H

#include <stdbool.h>

#include "core/types.h"

typedef enum {
  SOLAR_MODE_NORMAL,           /* no solar rule: the other limits only */
  SOLAR_MODE_SOLAR,            /* surplus only: starts and stops with the sun */
  SOLAR_MODE_SOLAR_MIN,        /* the minimum from the grid, the rest from the surplus */
  SOLAR_MODE_OFFPEAK_OR_SOLAR, /* full in the off-peak period, surplus only outside */
  SOLAR_MODE_COUNT
} solar_mode;

/* "normal" "solar" "solar_min" "offpeak_or_solar"; -1 for anything else. */
int solar_mode_parse(const char *s);
const char *solar_mode_name(solar_mode m);

#define SOLAR_MAX_SWITCH_LOG 32 /* phase switches remembered for the per-hour limit */

typedef struct {
  double min_a;             /* least current per phase (IEC 61851-1: 6 A) */
  double start_threshold_a; /* surplus beyond the minimum power needed to start, A (sum) */
  double stop_threshold_a;  /* import tolerated at the minimum before the stop timer runs */
  borne_ms start_delay_ms;  /* surplus above the start level this long: start (or 1->3) */
  borne_ms stop_delay_ms;   /* surplus below the stop level this long: stop (or 3->1) */
  borne_ms min_charge_ms;   /* a solar start is not stopped before this */
  borne_ms min_pause_ms;    /* a solar stop is not restarted before this */
  borne_ms smoothing_ms;    /* time constant of the surplus' moving average */
  borne_ms phase_pause_ms;  /* no current this long around a phase switch */
  int max_switches_per_hour;
  borne_ms stale_ms; /* grid data older than this: no surplus known */
} solar_config;

void solar_config_defaults(solar_config *c);

typedef struct {
  solar_mode mode;
  bool wants;       /* a session that may draw power (running, EV connected) */
  int phases;       /* phases wired to the connector: 1 or 3 */
  bool switchable;  /* a phase contactor can put it on 1 or 3 phases */
  bool offpeak;     /* the off-peak period is on (offpeak_or_solar) */
  int priority;     /* connector.N.priority: a higher one is served first */
  double draw_a[3]; /* its measured draw per phase now, A */
  double max_a; /* the most its other limits allow per phase (cable, API, OCPP...); <= 0: none */
  /* normal mode, switchable: the phases asked for from outside the solar
   * rules (the Modbus server's offset 42), 1 or 3; 0: none (three phases) */
  int want_phases;
} solar_conn_in;

/* Sets in->phases and in->switchable from the connector's wiring: `wired`
 * phases (1 or 3), the phase contactor's position (`contactor` > 0: the
 * board has one; <= 0: none) and the car's phases as load management learnt
 * them from the meter (`car`: 1, 3, or 0 when not known yet). A single-phase
 * car on a three-phase connector without a contactor takes its share on its
 * one phase (spread over three it would use a third of it). */
void solar_conn_wiring(solar_conn_in *in, int wired, int contactor, int car);

typedef struct {
  bool valid;       /* a grid sample was ever received */
  borne_ms at;      /* when it was measured */
  double grid_a[3]; /* balance per phase at the grid connection, import positive, A */
  double own_a;     /* borne's total draw (all phases, all connectors) when it was measured */
  /* A PV inverter (solar.inverter, a SunSpec map): used when there is no
   * fresh grid sample. The surplus is then its production minus the
   * assumed house load (solar.house_load_w) minus the sessions that are
   * not in a solar mode. */
  bool has_pv;
  borne_ms pv_at; /* when it was measured */
  double pv_a;    /* its production, A (sum of the phases) */
  double house_a; /* the assumed house load, A (sum of the phases) */
} solar_grid_in;

/* How long a house load learnt from the grid meter (while it and the
 * inverter were both fresh) stands in for solar.house_load_w once the grid
 * meter has gone silent: the house's consumption drifts, an old figure is
 * no better than the installer's. */
#define SOLAR_HOUSE_LEARNT_MS (15 * 60000)

typedef enum {
  SOLAR_IDLE,      /* not in a solar mode, or no session */
  SOLAR_WAITING,   /* paused: not enough surplus (yet) */
  SOLAR_CHARGING,  /* charging on the surplus (or the minimum) */
  SOLAR_SWITCHING, /* paused around a phase switch */
  SOLAR_FULL,      /* offpeak_or_solar in the off-peak period: no solar limit */
} solar_state;

typedef struct {
  double limit_a; /* < 0: no solar limit; 0: paused; else the offer per phase */
  int phases;     /* where the phase contactor should be: 1 or 3 */
  solar_state state;
  const char *reason; /* a short sentence for the status */
  double share_a;     /* the surplus this connector may use, A (sum of phases) */
  borne_ms on_at, off_at;
  borne_ms above_since, below_since; /* start / stop timers (0: not running) */
  borne_ms up3_since, down1_since;   /* phase switch timers */
  borne_ms switch_at;                /* the phase switch in progress began (0: none) */
  int switch_to;
  bool switch_done;    /* the contactor moved (switch_to is now phases) */
  borne_ms last_up;    /* last increase of limit_a */
  borne_ms rise_since; /* a small increase is possible since (0: none) */
  /* What the car takes when it draws clearly less than it is offered (its
   * own maximum, a battery nearly full), per phase: its share is capped
   * there and the rest goes to the other solar sessions. 0: it follows its
   * offer (no cap). */
  double demand_a;
  borne_ms short_since; /* it has drawn clearly less than offered since (0: not) */
  borne_ms switch_log[SOLAR_MAX_SWITCH_LOG];
  int switch_log_n;
  long starts, stops, switches; /* counters, for tests and the status */
} solar_conn_out;

typedef struct solar solar;

solar *solar_new(int connectors, const solar_config *cfg);
void solar_free(solar *s);
void solar_set_config(solar *s, const solar_config *cfg);
/* The contactor's position at start (the HAL's, or 3 when it has none). */
void solar_set_phases(solar *s, int i, int phases);
/* One round at `now`: in[] has the solar's connector count entries. */
void solar_round(solar *s, borne_ms now, const solar_grid_in *g, const solar_conn_in *in);
const solar_conn_out *solar_conn(const solar *s, int i);
/* The smoothed site surplus, A (sum of phases); 0 when unknown. */
double solar_surplus_a(const solar *s);
/* The house load (A, sum of the phases) learnt from the grid meter while it
 * and the inverter were both fresh; < 0 when none is known. */
double solar_house_learnt_a(const solar *s, borne_ms now);
/* Where the last round's surplus came from. */
typedef enum { SOLAR_SRC_NONE, SOLAR_SRC_GRID, SOLAR_SRC_INVERTER } solar_source;
solar_source solar_surplus_source(const solar *s);
const char *solar_source_name(solar_source src); /* "none" "grid" "inverter" */
/* Phase switches of connector i in the hour before `now`. */
int solar_switches_last_hour(const solar *s, int i, borne_ms now);
const char *solar_state_name(solar_state st);

#endif
