/*
 * The pure part of the MQTT module: topic names, the state payloads, the
 * command decoder and the Home Assistant discovery payloads. No I/O, no
 * station: unit-tested (tests/unit/test_mqtt_proto.c) and fuzzed
 * (tests/fuzz/fuzz_mqtt_command.c). Topics and payloads: docs/mqtt.md.
 */
#ifndef BORNE_MQTT_PROTO_H
#define BORNE_MQTT_PROTO_H

#include <stdbool.h>
#include <stddef.h>

struct json_t;

#define MQTT_TOPIC_MAX 256
#define MQTT_MAX_CONNECTORS 8

/* One connector as published on <prefix>/<id>/connector/<n>/state. */
typedef struct {
  const char *status;     /* connector_status_name */
  const char *cp_state;   /* cp_state_name */
  double power_w;         /* active power now */
  double energy_wh;       /* the meter's lifetime import register */
  double session_wh;      /* energy of the running session, 0 without one */
  bool has_session;       /* a session runs */
  double offered_a;       /* current offered to the car, per phase */
  double current_a[3];    /* measured per phase */
  const char *limited_by; /* limit_source_name, NULL when nothing limits */
  const char *charge_mode;
  bool enabled;      /* operative */
  double limit_a;    /* the MQTT current limit, < 0 when none */
  const char *error; /* the fault's text, NULL without one */
} mqtt_connector_state;

/* The station as published on <prefix>/<id>/state. */
typedef struct {
  const char *status;  /* mqtt_station_status */
  const char *backend; /* "online", "offline", "none" (no back end configured) */
  double site_limit_a; /* < 0 when unset */
  int connectors;
} mqtt_station_state;

/* The station's status from its connectors' (connector_status_name), the
 * first that applies: "Charging" (a connector charges), "Occupied" (a car
 * or a reservation holds one: Preparing, SuspendedEV, SuspendedEVSE,
 * Finishing, Reserved), "Available" (one is free), "Faulted" (none is
 * usable and one is faulted), "Unavailable" (all taken out of service, or
 * no connector). */
const char *mqtt_station_status(const char *const *statuses, int n);

/* "<prefix>/<id>/<rest>" into buf; -1 when it does not fit. */
int mqtt_topic(char *buf, size_t len, const char *prefix, const char *id, const char *rest);

/* Compact JSON text of the payloads (free() them). */
char *mqtt_connector_state_json(const mqtt_connector_state *s);
char *mqtt_station_state_json(const mqtt_station_state *s);

typedef enum {
  MQTT_CMD_CURRENT_LIMIT, /* connector/<n>/set/current_limit_a: amps, or "" / "none" clears */
  MQTT_CMD_CHARGE_MODE,   /* connector/<n>/set/charge_mode */
  MQTT_CMD_START,         /* connector/<n>/set/start: payload = badge or empty */
  MQTT_CMD_STOP,          /* connector/<n>/set/stop */
  MQTT_CMD_ENABLED,       /* connector/<n>/set/enabled: ON / OFF */
  MQTT_CMD_SITE_LIMIT,    /* set/site_limit_a: amps, or "" / "none" clears */
} mqtt_command_kind;

typedef struct {
  mqtt_command_kind kind;
  int connector; /* 1..n; 0 for station commands */
  double amps;   /* < 0: clear */
  bool on;
  char text[64]; /* charge mode, badge */
  char name[32]; /* the command's name as in the topic */
} mqtt_command;

/* Decodes a message received on a topic under <prefix>/<id>/. Returns 0
 * with *out filled; 1 when the topic is not a command topic of this
 * station (ignored); -1 with the reason in err when it is one of ours but
 * invalid (unknown command, connector out of 1..connectors, bad payload).
 * out->name and out->connector are set as far as they could be read. */
int mqtt_command_parse(const char *prefix, const char *id, int connectors, const char *topic,
                       const void *payload, size_t len, mqtt_command *out, char *err,
                       size_t errlen);

/* The result published on <prefix>/<id>/result (free() it). */
char *mqtt_result_json(const char *topic, const mqtt_command *cmd, bool ok, const char *error);

/* Home Assistant discovery: the retained config messages of one station. */
typedef struct {
  const char *discovery_prefix;
  const char *prefix;
  const char *id;       /* station id */
  const char *language; /* "en" or "fr" */
  const char *version;  /* sw_version */
  int connectors;
  double max_a; /* top of the current-limit numbers */
} mqtt_discovery_ctx;

typedef struct {
  char topic[MQTT_TOPIC_MAX];
  char *payload; /* JSON text, free() it */
} mqtt_message;

/* Fills out[] (at most cap) with every entity's config message; returns
 * how many, or -1 when cap is too small. */
int mqtt_discovery_messages(const mqtt_discovery_ctx *c, mqtt_message *out, int cap);
void mqtt_messages_free(mqtt_message *m, int n);

#endif
