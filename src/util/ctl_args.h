/*
 * bornectl's command grammar: argv -> a description of what to ask borned
 * (method, path with query, typed body members, how to show the answer).
 * It lives in util, not in tools/bornectl, so that it is unit-tested without
 * a daemon; it does no I/O and reads no environment (the caller passes env
 * values in). The verb and option names are a public interface (docs/cli.md).
 */
#ifndef BORNE_UTIL_CTL_ARGS_H
#define BORNE_UTIL_CTL_ARGS_H

#include <stdbool.h>
#include <stddef.h>

/* Exit codes of bornectl (docs/cli.md). */
enum {
  CTL_EXIT_OK = 0,
  CTL_EXIT_API = 1,         /* the API answered an error, or `wait` timed out */
  CTL_EXIT_USAGE = 2,       /* bad command line: nothing was sent */
  CTL_EXIT_UNREACHABLE = 3, /* no answer from borned */
};

#define CTL_DEFAULT_URL "http://127.0.0.1:8080"
#define CTL_DEFAULT_DATA_DIR "/var/lib/borne"
#define CTL_MAX_FIELDS 32
#define CTL_KEY_MAX 128
#define CTL_TEXT_MAX 256
#define CTL_PATH_MAX 1024
#define CTL_MAX_CONNECTOR 8 /* BORNE_MAX_CONNECTORS; the daemon checks its own count */

/* How a body member's text becomes JSON. */
typedef enum {
  CTL_VAL_STRING,  /* always a JSON string */
  CTL_VAL_NUMBER,  /* validated decimal number */
  CTL_VAL_INTEGER, /* validated integer */
  CTL_VAL_BOOL,    /* "true" or "false" */
  CTL_VAL_GUESS,   /* `set`: JSON number/true/false/null/"string" when it parses, else a string */
} ctl_value_kind;

typedef struct {
  char key[CTL_KEY_MAX];
  ctl_value_kind kind;
  char text[CTL_TEXT_MAX];
} ctl_field;

/* What to do once the command line is understood. */
typedef enum {
  CTL_RUN_HELP,    /* print usage to stdout, exit 0 */
  CTL_RUN_REQUEST, /* one API request, answer shown with `view` */
  CTL_RUN_EVENTS,  /* page through /events from `after`; keep long-polling with `follow` */
  CTL_RUN_WAIT,    /* status + long-poll until connector has `status` or `timeout_s` passes */
  /* print DIR/setup-code (nothing sent) */
  CTL_RUN_SETUP_CODE,
} ctl_run;

/* How the answer of a CTL_RUN_REQUEST is shown without --json. */
typedef enum {
  CTL_VIEW_STATUS,   /* station line + connector table */
  CTL_VIEW_SESSIONS, /* session table */
  CTL_VIEW_CSV,      /* the body as is (sessions --csv) */
  CTL_VIEW_BADGES,   /* badge table */
  CTL_VIEW_BADGE,    /* one badge, then `done` ("added", "enabled", ...) */
  CTL_VIEW_USERS,    /* user table */
  CTL_VIEW_USER,     /* one user, then `done` */
  CTL_VIEW_SETTINGS, /* key/value table, or one value when `key` is set */
  CTL_VIEW_APPLIED,  /* answer of PUT /settings */
  CTL_VIEW_DONE,     /* a one-line confirmation: `done` with the answer's fields */
  CTL_VIEW_OCPP,     /* back-end connection line + OCPP configuration key table */
  CTL_VIEW_RAW,      /* the body as is (config export) */
  CTL_VIEW_IMPORT,   /* answer of POST /config/import: what changed, what needs a restart */
  CTL_VIEW_OCMF,     /* sessions ocmf: one signed record per line */
  CTL_VIEW_PUBKEY,   /* meter pubkey: the PEM */
  CTL_VIEW_NETWORK,  /* network state line, interface table, Wi-Fi networks in range */
} ctl_view;

typedef struct {
  char url[CTL_TEXT_MAX];
  bool url_given;
  char data_dir[CTL_TEXT_MAX];
  bool data_dir_given;
  bool json;
} ctl_globals;

typedef struct {
  ctl_run run;
  const char *verb;   /* "status", "badges add", ... (static text, for messages) */
  const char *method; /* "GET", "POST", "PUT", "DELETE" */
  char path[CTL_PATH_MAX];
  bool has_body; /* send a JSON object made of `fields` (possibly empty) */
  ctl_field fields[CTL_MAX_FIELDS];
  int field_count;
  ctl_view view;
  char key[CTL_KEY_MAX];        /* `get KEY` */
  char done[CTL_TEXT_MAX];      /* CTL_VIEW_DONE: e.g. "connector 1: plugged" */
  char body_file[CTL_TEXT_MAX]; /* the request body is this file's content ("-": stdin) */
  /* events */
  long long after;
  bool follow;
  /* wait */
  int connector;
  char status[32]; /* canonical OCPP 1.6 spelling, e.g. "SuspendedEV" */
  double timeout_s;
} ctl_command;

/* Parse argv (argv[0] is the program). Global options (--json, --url URL,
 * --data-dir DIR, also as --opt=value) may appear anywhere; "--" ends option
 * parsing. Returns 0, or -1 with a one-line reason in `err` (a usage error:
 * nothing must be sent). */
int ctl_parse(int argc, char *const argv[], ctl_globals *g, ctl_command *cmd, char *err,
              size_t errlen);

/* The usage text (static). */
const char *ctl_usage(void);

/* URL: --url, else $BORNE_URL (env_url, may be NULL or ""), else the default.
 * A trailing '/' is dropped. */
void ctl_resolve_url(const ctl_globals *g, const char *env_url, char *out, size_t len);
/* Token file: DIR/api-token with DIR = --data-dir, else $BORNE_DATA_DIR, else the default. */
void ctl_token_path(const ctl_globals *g, const char *env_data_dir, char *out, size_t len);
/* DIR/name, DIR as for the token. */
void ctl_data_path(const ctl_globals *g, const char *env_data_dir, const char *name, char *out,
                   size_t len);

/* The canonical OCPP 1.6 ChargePointStatus spelling of `name` (any case),
 * or NULL when it is not one. */
const char *ctl_status_canonical(const char *name);

/* A badge UID as a path segment: "04:d4:e5:f6" -> "04D4E5F6" (the form the
 * daemon stores); a UID that is not hex with separators is percent-encoded
 * as is, for the daemon to judge. -1 when it does not fit. */
int ctl_uid_segment(const char *uid, char *out, size_t len);

#endif
