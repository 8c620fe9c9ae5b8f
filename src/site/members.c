/*
 * The leader's view of an installation's members (members.h): parsing
 * site.members, taking each poll's reading, turning members into the
 * allocator's consumers, and counting a member out of reach at the higher of
 * its last measured draw and its fail-safe current so the site stays under
 * its limit whatever that member does meanwhile (docs/site.md).
 */
#include "site/members.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "core/pilot.h"

static double dmax(double a, double b) { return a > b ? a : b; }

int site_members_parse(const char *list, site_member *out, int max, char *why, size_t len) {
  int n = 0;
  const char *p = list ? list : "";
  while (*p) {
    while (*p == ' ' || *p == ',') p++;
    if (!*p) break;
    const char *end = p;
    while (*end && *end != ',') end++;
    const char *e = end;
    while (e > p && e[-1] == ' ') e--;
    size_t tl = (size_t)(e - p);
    if (n == max) {
      snprintf(why, len, "at most %d members", max);
      return -1;
    }
    site_member tmp;
    site_member *m = out ? &out[n] : &tmp;
    memset(m, 0, sizeof *m);
    if (tl >= sizeof m->address) {
      snprintf(why, len, "`%.*s...`: too long", 20, p);
      return -1;
    }
    memcpy(m->address, p, tl);
    m->address[tl] = 0;
    const char *colon = strchr(m->address, ':');
    size_t hl = colon ? (size_t)(colon - m->address) : tl;
    if (hl == 0 || hl >= sizeof m->host) {
      snprintf(why, len, "`%s`: HOST or HOST:PORT", m->address);
      return -1;
    }
    for (size_t i = 0; i < hl; i++)
      if (!isalnum((unsigned char)m->address[i]) && m->address[i] != '.' && m->address[i] != '-') {
        snprintf(why, len, "`%s`: bad character in the host", m->address);
        return -1;
      }
    memcpy(m->host, m->address, hl);
    m->host[hl] = 0;
    m->port = SITE_DEFAULT_PORT;
    if (colon) {
      char *pe;
      long port = strtol(colon + 1, &pe, 10);
      if (!colon[1] || *pe || port < 1 || port > 65535) {
        snprintf(why, len, "`%s`: the port must be 1..65535", m->address);
        return -1;
      }
      m->port = (int)port;
    }
    n++;
    p = end;
  }
  return n;
}

void site_rotation_phases(int code, int out[3]) {
  int d[3] = {code / 100, code / 10 % 10, code % 10};
  bool ok = code >= 100 && code <= 999;
  for (int k = 0; k < 3; k++) ok = ok && d[k] >= 1 && d[k] <= 3;
  for (int k = 0; k < 3; k++) out[k] = ok ? d[k] - 1 : k;
}

/* The grid phases connector c draws from and how many. */
static int conn_phases(const site_conn_read *r, int gp[3]) {
  site_rotation_phases(r->rotation, gp);
  return r->phases == 1 ? 1 : 3;
}

bool site_member_update(site_member *m, const site_read *r, borne_ms now) {
  bool was = m->up;
  m->refused = r->ok && !r->write_allowed;
  if (!r->ok || m->refused) {
    m->up = false;
    memset(m->has_setpoint, 0, sizeof m->has_setpoint);
    if (!r->ok) return was;
  } else {
    m->up = true;
    m->last_ok = now;
  }
  m->ever_up = true;
  m->last = *r;
  if (m->last.connectors > SITE_MAX_CONN) m->last.connectors = SITE_MAX_CONN;
  if (m->last.connectors < 0) m->last.connectors = 0;
  memset(m->last_draw, 0, sizeof m->last_draw);
  for (int c = 0; c < m->last.connectors; c++) {
    const site_conn_read *cr = &m->last.conn[c];
    int gp[3];
    int ph = conn_phases(cr, gp);
    for (int k = 0; k < ph; k++) m->last_draw[gp[k]] += dmax(0, cr->current_a[k]);
    if (!cr->session) m->car_phases[c] = 0;
  }
  if (m->refused) return was;
  if (!was) {
    m->reseed = true;
    memset(m->has_setpoint, 0, sizeof m->has_setpoint);
  }
  return !was;
}

bool site_member_up(const site_member *m, borne_ms now) {
  return m->up && now - m->last_ok <= SITE_STALE_MS;
}

static bool wants_power(const site_conn_read *r) {
  if (!r->session || r->error != 0) return false;
  return r->status == STATUS_PREPARING || r->status == STATUS_CHARGING ||
         r->status == STATUS_SUSPENDED_EV || r->status == STATUS_SUSPENDED_EVSE;
}

/* Is the offer the leader's own doing (its setpoint, the fail-safe of its
 * absence), or does one of the member's own limits decide it? */
static bool leader_limits(int by) {
  return by < 0 || by == LIMIT_SITE || by == LIMIT_FAILSAFE || by == LIMIT_MODBUS;
}

/* As energy's drawn_phases(): a 1-phase car on a 3-phase connector draws
 * from its L1 only; learnt while it charges, kept for the session. */
static int car_phases(site_member *m, int c, const site_conn_read *r) {
  if (r->phases == 1) return 1;
  if (r->status == STATUS_CHARGING) {
    const double *a = r->current_a;
    if (a[0] >= 2.0 && a[1] < 0.5 && a[2] < 0.5)
      m->car_phases[c] = 1;
    else if (a[1] >= 2.0 || a[2] >= 2.0)
      m->car_phases[c] = 3;
  }
  return m->car_phases[c] ? m->car_phases[c] : 3;
}

void site_member_fill(site_member *m, borne_ms now, double default_failsafe_a, alloc_conn_in *in,
                      double *seed_a, double reserved_a[3]) {
  if (m->up && !site_member_up(m, now)) { /* stale: out of reach from now on */
    m->up = false;
    memset(m->has_setpoint, 0, sizeof m->has_setpoint);
  }
  if (!m->up) {
    /* counted at its last draw or its fail-safe, whichever is higher: it
     * may hold its last setpoint until its fail-safe time, then the
     * fail-safe current on every connector */
    int n = m->ever_up ? m->last.connectors : 1;
    double fs = m->ever_up ? m->last.failsafe_a : default_failsafe_a;
    double fsp[3] = {0};
    for (int c = 0; c < n; c++) {
      int gp[3] = {0, 1, 2};
      int ph = m->ever_up ? conn_phases(&m->last.conn[c], gp) : 3;
      for (int k = 0; k < ph; k++) fsp[gp[k]] += fs;
    }
    for (int p = 0; p < 3; p++) reserved_a[p] += dmax(m->ever_up ? m->last_draw[p] : 0, fsp[p]);
    return;
  }
  for (int c = 0; c < m->last.connectors; c++) {
    const site_conn_read *r = &m->last.conn[c];
    alloc_conn_in *x = &in[c];
    int gp[3];
    conn_phases(r, gp);
    memcpy(x->grid_phase, gp, sizeof gp);
    x->phases = car_phases(m, c, r);
    x->wants = wants_power(r);
    x->max_a = leader_limits(r->limited_by) ? PILOT_MAX_CURRENT_A : r->offered_a;
    for (int k = 0; k < 3; k++) x->draw_a[k] = dmax(0, r->current_a[k]);
    x->priority = site_member_priority(m, c);
    if (m->reseed && x->wants && r->offered_a >= ALLOC_MIN_A && leader_limits(r->limited_by))
      seed_a[c] = r->offered_a;
  }
  m->reseed = false;
}

void site_member_result(site_member *m, borne_ms now, int c, double amps) {
  if (!site_member_up(m, now) || c < 0 || c >= m->last.connectors) return;
  m->has_setpoint[c] = true;
  m->setpoint_a[c] = amps;
}

int site_member_priority(const site_member *m, int c) {
  return c >= 0 && c < SITE_MAX_CONN && m->has_conn_priority[c] ? m->conn_priority[c] : m->priority;
}

int site_member_priorities_parse(const char *text, site_member *members, int n, char *why,
                                 size_t len) {
  for (int i = 0; members && i < n; i++) {
    members[i].priority = 0;
    memset(members[i].has_conn_priority, 0, sizeof members[i].has_conn_priority);
  }
  char seen[SITE_MAX_MEMBERS * (SITE_MAX_CONN + 1)][80];
  int count = 0;
  const char *p = text ? text : "";
  while (*p) {
    while (*p == ' ' || *p == ',') p++;
    if (!*p) break;
    const char *end = p;
    while (*end && *end != ',') end++;
    const char *e = end;
    while (e > p && e[-1] == ' ') e--;
    char item[120];
    size_t tl = (size_t)(e - p);
    if (tl >= sizeof item) {
      snprintf(why, len, "`%.*s...`: too long", 20, p);
      return -1;
    }
    memcpy(item, p, tl);
    item[tl] = 0;
    p = end;
    char *eq = strchr(item, '=');
    if (!eq) {
      snprintf(why, len, "`%s`: HOST[:PORT]=PRIORITY or HOST[:PORT]/CONNECTOR=PRIORITY", item);
      return -1;
    }
    *eq = 0;
    int conn = 0; /* 0: the member's */
    char *slash = strchr(item, '/');
    if (slash) {
      char *ce;
      long cv = strtol(slash + 1, &ce, 10);
      if (!slash[1] || *ce || cv < 1 || cv > SITE_MAX_CONN) {
        snprintf(why, len, "`%s`: the connector must be 1..%d", item, SITE_MAX_CONN);
        return -1;
      }
      conn = (int)cv;
      *slash = 0;
    }
    char *pe;
    long prio = strtol(eq + 1, &pe, 10);
    if (!eq[1] || *pe || prio < 0 || prio > 9) {
      snprintf(why, len, "`%s`: the priority must be 0..9", item);
      return -1;
    }
    site_member one;
    char w[120] = "";
    if (site_members_parse(item, &one, 1, w, sizeof w) != 1) {
      if (w[0])
        snprintf(why, len, "%s", w);
      else /* no host before the = */
        snprintf(why, len, "`%s=%s`: HOST[:PORT]=PRIORITY", item, eq + 1);
      return -1;
    }
    char key[80];
    snprintf(key, sizeof key, "%s:%d/%d", one.host, one.port, conn);
    if (conn) *slash = '/'; /* the item as written, for the messages below */
    for (int k = 0; k < count; k++)
      if (!strcmp(seen[k], key)) {
        snprintf(why, len, "`%s` named twice", item);
        return -1;
      }
    if (count == (int)(sizeof seen / sizeof seen[0])) {
      snprintf(why, len, "at most %d entries", (int)(sizeof seen / sizeof seen[0]));
      return -1;
    }
    snprintf(seen[count++], sizeof seen[0], "%s", key);
    if (!members) continue;
    int found = -1;
    for (int i = 0; i < n && found < 0; i++)
      if (!strcmp(members[i].host, one.host) && members[i].port == one.port) found = i;
    if (found < 0) {
      snprintf(why, len, "`%s` is not in site.members", item);
      return -1;
    }
    if (conn) {
      members[found].has_conn_priority[conn - 1] = true;
      members[found].conn_priority[conn - 1] = (int)prio;
    } else {
      members[found].priority = (int)prio;
    }
  }
  return 0;
}
