/*
 * Configuration keys of an installation of many stations (site.role,
 * site.members; docs/site.md). Data and pure shape checks only; the site
 * limit, grid and windows keys are energy's (src/energy/energy_keys.c).
 */
#include <stdio.h>
#include <string.h>

#include "site/directory.h"

#include "site/members.h"
#include "config/config_tables.h"

static int check_members(const char *v, char *why, size_t len) {
  return site_members_parse(v, NULL, SITE_MAX_MEMBERS, why, len) < 0 ? -1 : 0;
}

static int check_priorities(const char *v, char *why, size_t len) {
  return site_member_priorities_parse(v, NULL, 0, why, len);
}

static int check_secret(const char *v, char *why, size_t len) {
  if (!v || !v[0] || strlen(v) >= SITE_DIR_SECRET_MIN) return 0;
  snprintf(why, len, "at least %d characters (or empty: no directory copies)", SITE_DIR_SECRET_MIN);
  return -1;
}

static const cfg_key_def rows[] = {
    {"site.role", CFG_ENUM, "standalone", 0, 0, "standalone|leader|follower", false,
     "This station in an installation of many stations (docs/site.md): `standalone`, the "
     "`leader` (reads and drives site.members over Modbus TCP with the site limit, grid meter, "
     "windows and priorities), or a `follower` (driven through its Modbus server: set "
     "modbus_server.listen and put the leader in modbus_server.allow).",
     NULL, NULL},
    {"site.members", CFG_STRING, "", 0, CONFIG_VALUE_MAX, NULL, false,
     "On the leader: the followers' Modbus TCP servers, at most 64 (port 502 when left out).",
     "HOST[:PORT],HOST[:PORT]...", check_members},
    {"site.member_priorities", CFG_STRING, "", 0, 1500, NULL, false,
     "On the leader: the load management priority of each member's charge points, 0-9 "
     "(higher served first, equal ones share fairly, as connector.N.priority on the leader's "
     "own); HOST[:PORT]/C=P gives connector C (1-8) of that member its own, over the "
     "member's; members not named have 0.",
     "HOST[:PORT]=P,HOST[:PORT]/C=P...", check_priorities},
    {"site.secret", CFG_STRING, "", 0, 128, NULL, CFG_SECRET,
     "The installation's shared secret, the same on the leader and every follower: the leader "
     "signs the users-and-badges directory it copies to the followers with it (HMAC-SHA256), "
     "a follower applies only a copy signed with it. Empty: each station keeps its own users "
     "and badges.",
     "16-128 characters", check_secret},
    {NULL},
};

const cfg_key_table site_keys = {"site", rows, NULL};
