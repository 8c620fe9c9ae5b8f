/* libmosquitto, opened when MQTT is configured (util/lazylib.h; the MQTT
 * module loads it first with lazylib_load to say why when it is missing). */
#include <errno.h>
#include <mosquitto.h>
#include <string.h>

#include "util/lazylib.h"

#define NS MOSQ_ERR_NOT_SUPPORTED
#define LAZYLIB_SELF lazy_mosquitto
#define MOSQUITTO_FNS(F, V)                                                                        \
  F(const char *, mosquitto_connack_string, (int connack_code), (connack_code),                    \
    "libmosquitto cannot be loaded")                                                               \
  F(int, mosquitto_connect_async, (struct mosquitto * mosq, const char *host, int port, int ka),   \
    (mosq, host, port, ka), NS)                                                                    \
  V(mosquitto_connect_callback_set,                                                                \
    (struct mosquitto * mosq, void (*on_connect)(struct mosquitto *, void *, int)),                \
    (mosq, on_connect))                                                                            \
  V(mosquitto_destroy, (struct mosquitto * mosq), (mosq))                                          \
  F(int, mosquitto_disconnect, (struct mosquitto * mosq), (mosq), NS)                              \
  V(mosquitto_disconnect_callback_set,                                                             \
    (struct mosquitto * mosq, void (*on_disconnect)(struct mosquitto *, void *, int)),             \
    (mosq, on_disconnect))                                                                         \
  F(int, mosquitto_int_option, (struct mosquitto * mosq, enum mosq_opt_t option, int value),       \
    (mosq, option, value), NS)                                                                     \
  F(int, mosquitto_lib_cleanup, (void), (), NS)                                                    \
  F(int, mosquitto_lib_init, (void), (), NS)                                                       \
  V(mosquitto_log_callback_set,                                                                    \
    (struct mosquitto * mosq, void (*on_log)(struct mosquitto *, void *, int, const char *)),      \
    (mosq, on_log))                                                                                \
  F(int, mosquitto_loop_misc, (struct mosquitto * mosq), (mosq), NS)                               \
  F(int, mosquitto_loop_read, (struct mosquitto * mosq, int max_packets), (mosq, max_packets), NS) \
  F(int, mosquitto_loop_write, (struct mosquitto * mosq, int max_packets), (mosq, max_packets),    \
    NS)                                                                                            \
  V(mosquitto_message_callback_set,                                                                \
    (struct mosquitto * mosq,                                                                      \
     void (*on_message)(struct mosquitto *, void *, const struct mosquitto_message *)),            \
    (mosq, on_message))                                                                            \
  F(struct mosquitto *, mosquitto_new, (const char *id, bool clean_session, void *obj),            \
    (id, clean_session, obj), NULL)                                                                \
  F(int, mosquitto_publish,                                                                        \
    (struct mosquitto * mosq, int *mid, const char *topic, int payloadlen, const void *payload,    \
     int qos, bool retain),                                                                        \
    (mosq, mid, topic, payloadlen, payload, qos, retain), NS)                                      \
  F(int, mosquitto_socket, (struct mosquitto * mosq), (mosq), -1)                                  \
  F(const char *, mosquitto_strerror, (int mosq_errno), (mosq_errno),                              \
    "libmosquitto (Debian package libmosquitto1) cannot be loaded")                                \
  F(int, mosquitto_subscribe, (struct mosquitto * mosq, int *mid, const char *sub, int qos),       \
    (mosq, mid, sub, qos), NS)                                                                     \
  F(int, mosquitto_username_pw_set,                                                                \
    (struct mosquitto * mosq, const char *username, const char *password),                         \
    (mosq, username, password), NS)                                                                \
  F(int, mosquitto_void_option, (struct mosquitto * mosq, enum mosq_opt_t option, void *value),    \
    (mosq, option, value), NS)                                                                     \
  F(bool, mosquitto_want_write, (struct mosquitto * mosq), (mosq), false)                          \
  F(int, mosquitto_will_set,                                                                       \
    (struct mosquitto * mosq, const char *topic, int payloadlen, const void *payload, int qos,     \
     bool retain),                                                                                 \
    (mosq, topic, payloadlen, payload, qos, retain), NS)

LAZYLIB_DEFINE(lazy_mosquitto, "libmosquitto.so.1", "libmosquitto1", MOSQUITTO_FNS)
