/*
 * An installation's members as the leader knows them (docs/site.md), pure:
 * what each poll read from a member's Modbus registers goes in, the
 * allocator's consumers for its connectors come out, and a member out of
 * reach becomes a reserved draw (its last measured draw or its fail-safe
 * current, whichever is higher, per grid phase) until it answers again. No
 * I/O and no clock of its own: `now` is passed in (a virtual clock in tests).
 */
#ifndef BORNE_SITE_MEMBERS_H
#define BORNE_SITE_MEMBERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "energy/allocator.h"
#include "core/types.h"

#define SITE_MAX_MEMBERS 64
#define SITE_MAX_CONN 8 /* connectors per member the register map has (MBS_MAX_CONNECTORS) */
/* A member whose last good poll is older than this counts as out of reach
 * even when no poll failed yet (a poll stuck behind a slow network). */
#define SITE_STALE_MS 3000
#define SITE_DEFAULT_PORT 502

/* One connector as a poll read it (docs/modbus-server.md, connector block). */
typedef struct {
  int status;          /* connector_status */
  double offered_a;    /* what it offers now */
  int limited_by;      /* limit_source, -1: none */
  double current_a[3]; /* measured per connector phase */
  int phases;          /* 1 or 3 */
  int rotation;        /* 123, 231, 312: grid phase of its L1 L2 L3 */
  int error;           /* error_code */
  bool session;        /* a session id is set */
  uint64_t session_id; /* the member's own session id, 0: none */
  char id_tag[21];     /* the running session's id tag (badge), "" when none */
  double active_a;     /* the setpoint slot now (setpoint or fail-safe), < 0: none */
  bool failsafe;       /* the member's fail-safe holds it */
} site_conn_read;

/* One poll of one member. */
typedef struct {
  bool ok;            /* every read answered */
  bool write_allowed; /* the member lets the leader write (its modbus_server.allow) */
  int connectors;
  double failsafe_a;
  char station_id[49];
  /* map version 2 (0 from an older member): where its API is, which copy of
   * the installation's directory it holds (docs/site.md) */
  int http_port;
  bool https;
  uint32_t dir_version;
  uint8_t dir_digest[16];
  site_conn_read conn[SITE_MAX_CONN];
} site_read;

typedef struct {
  char address[80]; /* as configured: host:port */
  char host[64];
  int port;
  bool ever_up; /* read once since the leader started */
  bool up;      /* the last poll answered and the member takes the leader's writes */
  bool refused; /* it answers but refuses the leader's writes: out of reach */
  borne_ms last_ok;
  site_read last;                   /* the last good poll */
  double last_draw[3];              /* per grid phase, from the last good poll */
  bool reseed;                      /* came (back) up: the next round goes on from its offers */
  int car_phases[SITE_MAX_CONN];    /* learnt as in energy: 1 or 3, 0 unknown */
  bool has_setpoint[SITE_MAX_CONN]; /* the allocation decided since it came up */
  double setpoint_a[SITE_MAX_CONN];
  int priority; /* site.member_priorities: its connectors' priority in the allocation */
  /* site.member_priorities HOST[:PORT]/C=P: connector C's own, over the member's */
  bool has_conn_priority[SITE_MAX_CONN];
  int conn_priority[SITE_MAX_CONN];
} site_member;

/* members: "host[:port],host[:port]..." (port 502 when left out), at most
 * `max` (out may be NULL: only checked). Returns the count, or -1 with why. */
int site_members_parse(const char *list, site_member *out, int max, char *why, size_t len);

/* site.member_priorities: "HOST[:PORT]=P,HOST[:PORT]/C=P,..." (P 0..9;
 * port 502 when left out; /C: connector C, 1..8, of that member only).
 * With members (n of them) each named one gets its priority, the others 0,
 * and a named connector its own (site_member_priority); -1 with why for a
 * bad shape, a priority or connector out of range, a member or connector
 * named twice or, with members, one that is not in site.members. members
 * NULL: the shape only. */
int site_member_priorities_parse(const char *text, site_member *members, int n, char *why,
                                 size_t len);

/* The allocation priority of connector c (0-based) of a member: its own
 * when site.member_priorities names it, else the member's. */
int site_member_priority(const site_member *m, int c);

/* A poll's outcome at `now`: true when the link changed (up <-> down). A
 * member that answers but refuses the leader's writes is down (it cannot be
 * driven), with its fresh readings for the accounting. */
bool site_member_update(site_member *m, const site_read *r, borne_ms now);

/* Is the member in reach at `now` (last poll answered, not stale)? */
bool site_member_up(const site_member *m, borne_ms now);

/* The member's consumers for a round at `now`: in[0..SITE_MAX_CONN)
 * (zeroed by the caller), seed_a[] (> 0: go on from that offer), and what
 * it adds to reserved_a[3] while out of reach. default_failsafe_a counts a
 * member never read since the leader started (one connector). */
void site_member_fill(site_member *m, borne_ms now, double default_failsafe_a, alloc_conn_in *in,
                      double *seed_a, double reserved_a[3]);

/* The allocation's setpoint for connector c (0-based) of a member in reach. */
void site_member_result(site_member *m, borne_ms now, int c, double amps);

/* "L2L3L1"-style rotation code 231 -> grid phase of connector phase k. */
void site_rotation_phases(int code, int out[3]);

#endif
