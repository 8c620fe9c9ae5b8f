/* Configuration keys of the MQTT module (src/mqtt/mqtt_module.c): the
 * broker, the credentials, the topic prefixes and Home Assistant discovery.
 * See docs/mqtt.md. */
#include <stdio.h>
#include <string.h>

#include "config/config_tables.h"
#include "util/errbuf.h"

/* mqtt://host[:port] or mqtts://host[:port] */
static int check_url(const char *v, char *why, size_t len) {
  const char *h = strncmp(v, "mqtt://", 7) == 0    ? v + 7
                  : strncmp(v, "mqtts://", 8) == 0 ? v + 8
                                                   : NULL;
  if (h && h[0] && h[0] != ':' && !strchr(h, '/') && !strchr(h, '@')) return 0;
  return errbuf_fail(why, len, "`%s`: mqtt://host[:port] or mqtts://host[:port]", v);
}

/* a topic level path: no wildcard, no empty level, no leading/trailing '/' */
static int check_prefix(const char *v, char *why, size_t len) {
  size_t n = strlen(v);
  if (n == 0) return 0;
  if (!strpbrk(v, "+#") && v[0] != '/' && v[n - 1] != '/' && !strstr(v, "//")) return 0;
  return errbuf_fail(why, len, "`%s`: topic levels without + # or empty levels", v);
}

static int check_topic_prefix(const char *v, char *why, size_t len) {
  if (!v[0]) return errbuf_fail(why, len, "must not be empty");
  return check_prefix(v, why, len);
}

static const cfg_key_def rows[] = {
    {"mqtt.url", CFG_STRING, NULL, 0, 200, NULL, false,
     "MQTT broker (mqtt:// plain, default port 1883; mqtts:// TLS, default port 8883). Unset: "
     "no MQTT.",
     "mqtt[s]://host[:port]", check_url},
    {"mqtt.username", CFG_STRING, NULL, 0, 128, NULL, false, "User name given to the broker.", NULL,
     NULL},
    {"mqtt.password", CFG_STRING, NULL, 0, 128, NULL, CFG_SECRET,
     "Password given to the broker (with mqtt.username).", NULL, NULL},
    {"mqtt.ca_file", CFG_STRING, NULL, 0, 255, NULL, false,
     "mqtts://: PEM file of the certificate authorities that sign the broker's certificate "
     "(unset: the system's, /etc/ssl/certs).",
     "path", NULL},
    {"mqtt.client_cert", CFG_STRING, NULL, 0, 255, NULL, false,
     "mqtts://: PEM client certificate presented to the broker (with mqtt.client_key).", "path",
     NULL},
    {"mqtt.client_key", CFG_STRING, NULL, 0, 255, NULL, false,
     "mqtts://: PEM private key of mqtt.client_cert.", "path", NULL},
    {"mqtt.topic_prefix", CFG_STRING, "borne", 0, 64, NULL, false,
     "First topic levels of everything borne publishes and listens to: "
     "<prefix>/<station id>/...",
     "levels/without/wildcards", check_topic_prefix},
    {"mqtt.discovery_prefix", CFG_STRING, "homeassistant", 0, 64, NULL, false,
     "Home Assistant discovery prefix; empty: no discovery (configurations published before are "
     "removed).",
     "levels/without/wildcards", check_prefix},
    {"mqtt.language", CFG_ENUM, "en", 0, 0, "en|fr", false,
     "Language of the entity names in Home Assistant discovery.", NULL, NULL},
    {"mqtt.publish_interval_s", CFG_INT, "60", 5, 3600, NULL, false,
     "Seconds between two full publications of the state (besides every change).", NULL, NULL},
    {0},
};

const cfg_key_table mqtt_keys = {"mqtt", rows, NULL};
