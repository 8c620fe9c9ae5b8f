/*
 * borne-nm: borned's NetworkManager helper (network.backend = nm,
 * docs/network.md). Reads one JSON request per line on stdin ({"id":N,
 * "op":"status"|"scan"|"join"|"ethernet"|"cellular"|"cellular_installer"|
 * "setup_ap", ...}, made
 * by network_req.c from checked input), acts through libnm on the system
 * bus (DBUS_SYSTEM_BUS_ADDRESS), and writes one answer line per request on
 * stdout: {"id":N,"ok":true,"network":VIEW} or {"id":N,"ok":false,
 * "error":"..."}. It runs GLib's main loop, so libnm and GLib stay out of
 * borned's process and off its libuv loop. Never reads anything but stdin.
 */
#include <NetworkManager.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "network/network_req.h"

#define AP_CONN_ID "borne-setup-ap"
#define ETH_CONN_ID "borne-ethernet"
#define GSM_CONN_ID "borne-cellular"

typedef struct {
  long long id;
  json_t *req;
  NMDevice *dev;
  NMConnection *conn; /* to add, then activate */
  const char *ap_path;
} job;

static NMClient *client;
static GError *client_error;
static GMainLoop *main_loop;

static void emit(json_t *o) {
  char *s = json_dumps(o, JSON_COMPACT);
  if (s) {
    fputs(s, stdout);
    fputc('\n', stdout);
    fflush(stdout);
    free(s);
  }
  json_decref(o);
}

static const char *dev_type(NMDevice *d) {
  switch (nm_device_get_device_type(d)) {
  case NM_DEVICE_TYPE_ETHERNET:
    return "ethernet";
  case NM_DEVICE_TYPE_WIFI:
    return "wifi";
  case NM_DEVICE_TYPE_MODEM:
    return "cellular";
  default:
    return "other";
  }
}

static const char *dev_state(NMDeviceState s) {
  if (s == NM_DEVICE_STATE_ACTIVATED) return "connected";
  if (s > NM_DEVICE_STATE_DISCONNECTED && s < NM_DEVICE_STATE_ACTIVATED) return "connecting";
  if (s == NM_DEVICE_STATE_UNMANAGED) return "unmanaged";
  if (s == NM_DEVICE_STATE_UNAVAILABLE) return "unavailable";
  return "disconnected";
}

static char *ssid_text(GBytes *ssid) {
  if (!ssid) return NULL;
  gsize n;
  const guint8 *p = g_bytes_get_data(ssid, &n);
  return nm_utils_ssid_to_utf8(p, n);
}

/* A modem's APN (its connection's gsm setting, else what ModemManager reports
 * in use) and operator (MCC+MNC), null when unknown. */
static void modem_view(json_t *entry, NMDeviceModem *m, NMActiveConnection *ac) {
  NMRemoteConnection *rc = ac ? nm_active_connection_get_connection(ac) : NULL;
  NMSettingGsm *gsm = rc ? nm_connection_get_setting_gsm(NM_CONNECTION(rc)) : NULL;
  const char *apn = gsm ? nm_setting_gsm_get_apn(gsm) : NULL;
  if (!apn || !apn[0]) apn = nm_device_modem_get_apn(m);
  const char *op = nm_device_modem_get_operator_code(m);
  json_object_set_new(entry, "apn", apn && apn[0] ? json_string(apn) : json_null());
  json_object_set_new(entry, "operator", op && op[0] ? json_string(op) : json_null());
}

static json_t *view(void) {
  json_t *ifs = json_array(), *wifi = json_array();
  const GPtrArray *devs = nm_client_get_devices(client);
  for (guint i = 0; devs && i < devs->len; i++) {
    NMDevice *d = g_ptr_array_index(devs, i);
    if (nm_device_get_device_type(d) == NM_DEVICE_TYPE_LOOPBACK) continue;
    json_t *addrs = json_array();
    NMIPConfig *ip4 = nm_device_get_ip4_config(d);
    GPtrArray *list = ip4 ? nm_ip_config_get_addresses(ip4) : NULL;
    for (guint k = 0; list && k < list->len; k++) {
      NMIPAddress *a = g_ptr_array_index(list, k);
      char text[64];
      snprintf(text, sizeof text, "%s/%u", nm_ip_address_get_address(a),
               nm_ip_address_get_prefix(a));
      json_array_append_new(addrs, json_string(text));
    }
    NMActiveConnection *ac = nm_device_get_active_connection(d);
    json_t *entry = json_pack("{s:s, s:s, s:s, s:o, s:s?}", "name", nm_device_get_iface(d), "type",
                              dev_type(d), "state", dev_state(nm_device_get_state(d)), "addresses",
                              addrs, "connection", ac ? nm_active_connection_get_id(ac) : NULL);
    if (NM_IS_DEVICE_MODEM(d)) modem_view(entry, NM_DEVICE_MODEM(d), ac);
    json_array_append_new(ifs, entry);
    if (!NM_IS_DEVICE_WIFI(d)) continue;
    NMAccessPoint *active = nm_device_wifi_get_active_access_point(NM_DEVICE_WIFI(d));
    const GPtrArray *aps = nm_device_wifi_get_access_points(NM_DEVICE_WIFI(d));
    for (guint k = 0; aps && k < aps->len; k++) {
      NMAccessPoint *ap = g_ptr_array_index(aps, k);
      char *name = ssid_text(nm_access_point_get_ssid(ap));
      if (!name) continue;
      bool secured = (nm_access_point_get_flags(ap) & NM_802_11_AP_FLAGS_PRIVACY) ||
                     nm_access_point_get_wpa_flags(ap) || nm_access_point_get_rsn_flags(ap);
      json_array_append_new(wifi, json_pack("{s:s, s:i, s:b, s:b}", "ssid", name, "strength",
                                            (int)nm_access_point_get_strength(ap), "secured",
                                            secured, "active", ap == active));
      g_free(name);
    }
  }
  NMState st = nm_client_get_state(client);
  const char *state = st >= NM_STATE_CONNECTED_LOCAL ? "connected"
                      : st == NM_STATE_CONNECTING    ? "connecting"
                      : st == NM_STATE_ASLEEP        ? "asleep"
                                                     : "disconnected";
  return json_pack("{s:s, s:s, s:o, s:o}", "backend", "nm", "state", state, "interfaces", ifs,
                   "wifi", wifi);
}

static void finish(job *j, const char *error) {
  if (error)
    emit(json_pack("{s:I, s:b, s:s}", "id", (json_int_t)j->id, "ok", 0, "error", error));
  else
    emit(json_pack("{s:I, s:b, s:o}", "id", (json_int_t)j->id, "ok", 1, "network", view()));
  json_decref(j->req);
  if (j->conn) g_object_unref(j->conn);
  g_free(j);
}

static void finish_gerror(job *j, const char *what, GError *e) {
  char msg[512];
  snprintf(msg, sizeof msg, "%s: %s", what, e ? e->message : "failed");
  finish(j, msg);
  if (e) g_error_free(e);
}

static NMDevice *find_device(NMDeviceType type) {
  const GPtrArray *devs = nm_client_get_devices(client);
  for (guint i = 0; devs && i < devs->len; i++) {
    NMDevice *d = g_ptr_array_index(devs, i);
    if (nm_device_get_device_type(d) == type) return d;
  }
  return NULL;
}

static const char *str(const job *j, const char *name) {
  const char *s = json_string_value(json_object_get(j->req, name));
  return s ? s : "";
}

static NMConnection *new_connection(const char *id, const char *type, const char *iface,
                                    bool autoconnect) {
  NMConnection *c = nm_simple_connection_new();
  NMSetting *s = nm_setting_connection_new();
  char *uuid = nm_utils_uuid_generate();
  g_object_set(s, NM_SETTING_CONNECTION_ID, id, NM_SETTING_CONNECTION_UUID, uuid,
               NM_SETTING_CONNECTION_TYPE, type, NM_SETTING_CONNECTION_AUTOCONNECT, autoconnect,
               NULL);
  if (iface) g_object_set(s, NM_SETTING_CONNECTION_INTERFACE_NAME, iface, NULL);
  g_free(uuid);
  nm_connection_add_setting(c, s);
  return c;
}

static void add_wifi(NMConnection *c, const char *ssid, const char *psk, const char *mode) {
  NMSetting *w = nm_setting_wireless_new();
  GBytes *b = g_bytes_new(ssid, strlen(ssid));
  g_object_set(w, NM_SETTING_WIRELESS_SSID, b, NM_SETTING_WIRELESS_MODE, mode, NULL);
  g_bytes_unref(b);
  nm_connection_add_setting(c, w);
  if (psk && psk[0]) {
    NMSetting *sec = nm_setting_wireless_security_new();
    g_object_set(sec, NM_SETTING_WIRELESS_SECURITY_KEY_MGMT, "wpa-psk",
                 NM_SETTING_WIRELESS_SECURITY_PSK, psk, NULL);
    nm_connection_add_setting(c, sec);
  }
}

static void add_ip4(NMConnection *c, const char *method) {
  NMSetting *ip = nm_setting_ip4_config_new();
  g_object_set(ip, NM_SETTING_IP_CONFIG_METHOD, method, NULL);
  nm_connection_add_setting(c, ip);
}

/* ---- add (after deleting a former connection of ours), then activate ---- */

static void on_activated(GObject *src, GAsyncResult *res, gpointer data) {
  job *j = data;
  GError *e = NULL;
  NMActiveConnection *ac = nm_client_activate_connection_finish(NM_CLIENT(src), res, &e);
  if (!ac) return finish_gerror(j, "NetworkManager could not activate the connection", e);
  g_object_unref(ac);
  finish(j, NULL);
}

static void on_added(GObject *src, GAsyncResult *res, gpointer data) {
  job *j = data;
  GError *e = NULL;
  NMRemoteConnection *rc = nm_client_add_connection_finish(NM_CLIENT(src), res, &e);
  if (!rc) return finish_gerror(j, "NetworkManager refused the connection", e);
  nm_client_activate_connection_async(client, NM_CONNECTION(rc), j->dev, NULL, NULL, on_activated,
                                      j);
  g_object_unref(rc);
}

static void add_now(job *j) {
  nm_client_add_connection_async(client, j->conn, TRUE, NULL, on_added, j);
}

static void on_deleted(GObject *src, GAsyncResult *res, gpointer data) {
  GError *e = NULL;
  if (!nm_remote_connection_delete_finish(NM_REMOTE_CONNECTION(src), res, &e))
    return finish_gerror(data, "cannot replace the former connection", e);
  add_now(data);
}

static void replace_and_activate(job *j, const char *id) {
  NMRemoteConnection *old = nm_client_get_connection_by_id(client, id);
  if (old)
    nm_remote_connection_delete_async(old, NULL, on_deleted, j);
  else
    add_now(j);
}

/* ---- the actions ---- */

static void on_scanned(GObject *src, GAsyncResult *res, gpointer data) {
  GError *e = NULL;
  if (!nm_device_wifi_request_scan_finish(NM_DEVICE_WIFI(src), res, &e))
    return finish_gerror(data, "Wi-Fi scan", e);
  finish(data, NULL);
}

static void on_joined(GObject *src, GAsyncResult *res, gpointer data) {
  job *j = data;
  GError *e = NULL;
  NMActiveConnection *ac = nm_client_add_and_activate_connection_finish(NM_CLIENT(src), res, &e);
  if (!ac) return finish_gerror(j, "NetworkManager could not join the network", e);
  g_object_unref(ac);
  finish(j, NULL);
}

static void join(job *j) {
  const char *ssid = str(j, "ssid");
  const GPtrArray *aps = nm_device_wifi_get_access_points(NM_DEVICE_WIFI(j->dev));
  NMAccessPoint *found = NULL;
  for (guint k = 0; aps && k < aps->len && !found; k++) {
    NMAccessPoint *ap = g_ptr_array_index(aps, k);
    char *name = ssid_text(nm_access_point_get_ssid(ap));
    if (name && strcmp(name, ssid) == 0) found = ap;
    g_free(name);
  }
  if (!found) {
    char msg[128];
    snprintf(msg, sizeof msg, "no Wi-Fi network named \"%s\" in range", ssid);
    return finish(j, msg);
  }
  j->conn = new_connection(ssid, NM_SETTING_WIRELESS_SETTING_NAME, NULL, TRUE);
  add_wifi(j->conn, ssid, str(j, "psk"), NM_SETTING_WIRELESS_MODE_INFRA);
  add_ip4(j->conn, NM_SETTING_IP4_CONFIG_METHOD_AUTO);
  nm_client_add_and_activate_connection_async(
      client, j->conn, j->dev, nm_object_get_path(NM_OBJECT(found)), NULL, on_joined, j);
}

static void ethernet(job *j) {
  j->conn =
      new_connection(ETH_CONN_ID, NM_SETTING_WIRED_SETTING_NAME, nm_device_get_iface(j->dev), TRUE);
  nm_connection_add_setting(j->conn, nm_setting_wired_new());
  NMSetting *ip = nm_setting_ip4_config_new();
  if (strcmp(str(j, "method"), "dhcp") == 0) {
    g_object_set(ip, NM_SETTING_IP_CONFIG_METHOD, NM_SETTING_IP4_CONFIG_METHOD_AUTO, NULL);
  } else {
    g_object_set(ip, NM_SETTING_IP_CONFIG_METHOD, NM_SETTING_IP4_CONFIG_METHOD_MANUAL, NULL);
    char addr[NET_ADDR_MAX];
    snprintf(addr, sizeof addr, "%s", str(j, "address"));
    char *slash = strchr(addr, '/');
    guint prefix = slash ? (guint)strtoul(slash + 1, NULL, 10) : 32;
    if (slash) *slash = '\0';
    GError *e = NULL;
    NMIPAddress *a = nm_ip_address_new(AF_INET, addr, prefix, &e);
    if (!a) {
      g_object_unref(ip);
      return finish_gerror(j, "address", e);
    }
    nm_setting_ip_config_add_address(NM_SETTING_IP_CONFIG(ip), a);
    nm_ip_address_unref(a);
    if (str(j, "gateway")[0])
      g_object_set(ip, NM_SETTING_IP_CONFIG_GATEWAY, str(j, "gateway"), NULL);
    size_t i;
    json_t *d;
    json_array_foreach(json_object_get(j->req, "dns"), i, d)
        nm_setting_ip_config_add_dns(NM_SETTING_IP_CONFIG(ip), json_string_value(d));
  }
  nm_connection_add_setting(j->conn, ip);
  replace_and_activate(j, ETH_CONN_ID);
}

/* The connection of a cellular slot: the installer's (slot 0, brought up at
 * boot), or an OCPP network connection profile's (brought up by borned when
 * its link takes that slot, so not at boot). */
static void cellular_id(int slot, char *out, size_t len) {
  if (slot <= 0)
    snprintf(out, len, "%s", GSM_CONN_ID);
  else
    snprintf(out, len, "%s-slot%d", GSM_CONN_ID, slot);
}

static void cellular(job *j) {
  int slot = (int)json_integer_value(json_object_get(j->req, "slot"));
  char id[48];
  cellular_id(slot, id, sizeof id);
  j->conn = new_connection(id, NM_SETTING_GSM_SETTING_NAME, NULL, slot <= 0);
  NMSetting *g = nm_setting_gsm_new();
  g_object_set(g, NM_SETTING_GSM_APN, str(j, "apn"), NULL);
  if (str(j, "username")[0]) g_object_set(g, NM_SETTING_GSM_USERNAME, str(j, "username"), NULL);
  if (str(j, "password")[0]) g_object_set(g, NM_SETTING_GSM_PASSWORD, str(j, "password"), NULL);
  if (str(j, "pin")[0]) g_object_set(g, NM_SETTING_GSM_PIN, str(j, "pin"), NULL);
  /* registration forced on that network (NetworkManager has no "preferred") */
  if (str(j, "network")[0]) g_object_set(g, NM_SETTING_GSM_NETWORK_ID, str(j, "network"), NULL);
  nm_connection_add_setting(j->conn, g);
  /* The authentication allowed: NetworkManager hands the ppp setting's refusals
   * to ModemManager's bearer (allowed-auth) as well as to pppd. */
  const char *auth = str(j, "auth");
  bool pap = strcmp(auth, "pap") == 0, chap = strcmp(auth, "chap") == 0;
  if (pap || chap || strcmp(auth, "none") == 0) {
    NMSetting *ppp = nm_setting_ppp_new();
    g_object_set(ppp, NM_SETTING_PPP_REFUSE_PAP, !pap, NM_SETTING_PPP_REFUSE_CHAP, !chap,
                 NM_SETTING_PPP_REFUSE_MSCHAP, TRUE, NM_SETTING_PPP_REFUSE_MSCHAPV2, TRUE,
                 NM_SETTING_PPP_REFUSE_EAP, TRUE, NULL);
    nm_connection_add_setting(j->conn, ppp);
  }
  add_ip4(j->conn, NM_SETTING_IP4_CONFIG_METHOD_AUTO);
  replace_and_activate(j, id);
}

static void on_cellular_down(GObject *src, GAsyncResult *res, gpointer data) {
  GError *e = NULL;
  if (!nm_client_deactivate_connection_finish(NM_CLIENT(src), res, &e))
    return finish_gerror(data, "cannot take down the slot's cellular connection", e);
  finish(data, NULL);
}

/* Back to the installer's connection when a slot's connection is up on the
 * modem: the installer's activated when it exists, else the slot's taken
 * down. Nothing when no slot's connection is up (every start asks). */
static void cellular_installer(job *j) {
  const GPtrArray *acs = nm_client_get_active_connections(client);
  NMActiveConnection *slot_conn = NULL;
  for (guint i = 0; acs && i < acs->len && !slot_conn; i++) {
    NMActiveConnection *ac = g_ptr_array_index(acs, i);
    const char *id = nm_active_connection_get_id(ac) ? nm_active_connection_get_id(ac) : "";
    if (strncmp(id, GSM_CONN_ID "-slot", strlen(GSM_CONN_ID "-slot")) == 0) slot_conn = ac;
  }
  if (!slot_conn) return finish(j, NULL);
  NMRemoteConnection *mine = nm_client_get_connection_by_id(client, GSM_CONN_ID);
  if (mine)
    return nm_client_activate_connection_async(client, NM_CONNECTION(mine), j->dev, NULL, NULL,
                                               on_activated, j);
  nm_client_deactivate_connection_async(client, slot_conn, NULL, on_cellular_down, j);
}

static void on_ap_closed(GObject *src, GAsyncResult *res, gpointer data) {
  GError *e = NULL;
  if (!nm_client_deactivate_connection_finish(NM_CLIENT(src), res, &e))
    return finish_gerror(data, "cannot close the setup access point", e);
  finish(data, NULL);
}

static void setup_ap(job *j) {
  if (!json_is_true(json_object_get(j->req, "on"))) {
    const GPtrArray *acs = nm_client_get_active_connections(client);
    for (guint i = 0; acs && i < acs->len; i++) {
      NMActiveConnection *ac = g_ptr_array_index(acs, i);
      if (strcmp(nm_active_connection_get_id(ac) ? nm_active_connection_get_id(ac) : "",
                 AP_CONN_ID) == 0)
        return nm_client_deactivate_connection_async(client, ac, NULL, on_ap_closed, j);
    }
    return finish(j, NULL); /* already closed */
  }
  /* not started at boot again: borned opens it for network.setup_ap_s */
  j->conn = new_connection(AP_CONN_ID, NM_SETTING_WIRELESS_SETTING_NAME, NULL, FALSE);
  add_wifi(j->conn, str(j, "ssid"), str(j, "psk"), NM_SETTING_WIRELESS_MODE_AP);
  add_ip4(j->conn, NM_SETTING_IP4_CONFIG_METHOD_SHARED); /* DHCP for the installer's phone */
  replace_and_activate(j, AP_CONN_ID);
}

static void run(json_t *req) {
  job *j = g_new0(job, 1);
  j->req = req;
  j->id = json_integer_value(json_object_get(req, "id"));
  const char *op = str(j, "op");
  if (!client) {
    char msg[400];
    snprintf(msg, sizeof msg, "NetworkManager is not reachable: %s",
             client_error ? client_error->message : "no client");
    return finish(j, msg);
  }
  if (strcmp(op, "status") == 0) return finish(j, NULL);
  if (strcmp(op, "ethernet") == 0) {
    if (!(j->dev = find_device(NM_DEVICE_TYPE_ETHERNET))) return finish(j, "no Ethernet port");
    return ethernet(j);
  }
  if (strcmp(op, "cellular") == 0) {
    if (!(j->dev = find_device(NM_DEVICE_TYPE_MODEM))) return finish(j, "no cellular modem");
    return cellular(j);
  }
  if (strcmp(op, "cellular_installer") == 0) {
    if (!(j->dev = find_device(NM_DEVICE_TYPE_MODEM))) return finish(j, NULL); /* nothing to do */
    return cellular_installer(j);
  }
  if (!(j->dev = find_device(NM_DEVICE_TYPE_WIFI))) return finish(j, "no Wi-Fi interface");
  if (strcmp(op, "scan") == 0)
    return nm_device_wifi_request_scan_async(NM_DEVICE_WIFI(j->dev), NULL, on_scanned, j);
  if (strcmp(op, "join") == 0) return join(j);
  if (strcmp(op, "setup_ap") == 0) return setup_ap(j);
  finish(j, "unknown action");
}

static gboolean on_stdin(GIOChannel *ch, GIOCondition cond, gpointer data) {
  (void)cond;
  (void)data;
  for (;;) {
    char *line = NULL;
    gsize len = 0;
    GIOStatus s = g_io_channel_read_line(ch, &line, &len, NULL, NULL);
    if (s == G_IO_STATUS_AGAIN) return TRUE;
    if (s != G_IO_STATUS_NORMAL) { /* borned closed our input: it is stopping */
      g_main_loop_quit(main_loop);
      return FALSE;
    }
    json_t *req = json_loads(line, 0, NULL);
    g_free(line);
    if (json_is_object(req))
      run(req);
    else
      json_decref(req);
  }
}

int main(void) {
  client = nm_client_new(NULL, &client_error);
  if (!client)
    fprintf(stderr, "borne-nm: NetworkManager is not reachable: %s\n", client_error->message);
  main_loop = g_main_loop_new(NULL, FALSE);
  GIOChannel *in = g_io_channel_unix_new(0);
  g_io_channel_set_flags(in, G_IO_FLAG_NONBLOCK, NULL);
  g_io_add_watch(in, G_IO_IN | G_IO_HUP | G_IO_ERR, on_stdin, NULL);
  g_main_loop_run(main_loop);
  g_io_channel_unref(in);
  if (client) g_object_unref(client);
  g_main_loop_unref(main_loop);
  return 0;
}
