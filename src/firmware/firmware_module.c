/*
 * The station's firmware updater, shared by OCPP and the web page: see
 * firmware_service.h.
 */
#include "firmware/firmware_module.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/log.h"

#define MOD "firmware"
#define MAX_LISTENERS 4
#define LAST_DETAIL_MAX 200

/* The service (its listeners, its last status) is made by the first call;
 * the updater (fw, cu: about 2 kB with their libuv handles and strings) by
 * the first station_firmware(), or at the service's start when the data
 * directory records an update or firmware.installer is rauc (made_at_start):
 * an idle station that never sees an update has none (issue 18). */
typedef struct {
  station *st;
  curl_uv *cu;  /* NULL until the updater is made */
  firmware *fw; /* NULL until the updater is made */
  struct {
    station_fw_listener fn;
    void *ctx;
  } listeners[MAX_LISTENERS];
  int listener_count;
  void (*restarter)(void *ctx);
  void *restarter_ctx;
  bool boot_claimed;
  bool closing; /* no updater made once the station closes */
  fw_status last;
  char *last_detail; /* LAST_DETAIL_MAX, allocated by the first status */
} fw_service;

static fw_service *find(station *st) {
  for (int i = 0; i < st->module_count; i++)
    if (st->modules[i].name && strcmp(st->modules[i].name, MOD) == 0) return st->modules[i].ctx;
  return NULL;
}

static void on_status(void *ctx, fw_status s, int request_id, const char *detail) {
  fw_service *f = ctx;
  station *st = f->st;
  f->last = s;
  if (!f->last_detail) f->last_detail = malloc(LAST_DETAIL_MAX);
  if (f->last_detail) snprintf(f->last_detail, LAST_DETAIL_MAX, "%s", detail);
  station_set_firmware_updating(st, s == FW_INSTALLING || s == FW_INSTALL_REBOOTING);
  station_event(st, 0, "firmware", "%s%s%s", fw_status_name(s), detail[0] ? ": " : "", detail);
  /* security events (OCPP security whitepaper names; the OCPP module forwards them) */
  if (s == FW_INVALID_SIGNATURE)
    station_event(st, 0, "security", "InvalidFirmwareSignature: %s", detail);
  if (s == FW_INSTALLED)
    station_event(st, 0, "security", "FirmwareUpdated: %s", firmware_version(f->fw));
  if (s == FW_INSTALLATION_FAILED && firmware_rolled_back(f->fw))
    station_event(st, 0, "security", "FirmwareRolledBack: %s", detail);
  for (int i = 0; i < f->listener_count; i++)
    f->listeners[i].fn(f->listeners[i].ctx, s, request_id, detail);
}

/* L01.FR.06: the restart into the new image ends every session; it waits
 * for them to end instead */
static bool may_install(void *ctx) {
  fw_service *f = ctx;
  for (int c = 1; c <= station_connector_count(f->st); c++)
    if (station_has_session(f->st, c)) return false;
  return true;
}

static void on_hold(void *ctx, bool hold) {
  fw_service *f = ctx;
  station_hold_for_firmware(f->st, hold);
}

static void on_restart(void *ctx) {
  fw_service *f = ctx;
  if (f->restarter)
    f->restarter(f->restarter_ctx);
  else
    station_reset(f->st, true, BOOT_REASON_FIRMWARE_UPDATE);
}

static const char *version_of(const fw_service *f) {
  return f->fw ? firmware_version(f->fw) : BORNE_VERSION;
}

static void on_status_json(void *ctx, int c, json_t *obj) {
  fw_service *f = ctx;
  if (c != 0) return;
  bool allow = f->fw ? firmware_allow_unsigned(f->fw)
                     : config_get_bool(f->st->cfg, "firmware.allow_unsigned");
  json_object_set_new(obj, "firmware_version", json_string(version_of(f)));
  json_object_set_new(obj, "firmware",
                      json_pack("{s:s, s:s, s:b, s:s, s:b}", "version", version_of(f), "status",
                                fw_status_name(f->last), "busy", f->fw && firmware_busy(f->fw),
                                "detail", f->last_detail ? f->last_detail : "", "allow_unsigned",
                                allow));
}

/* firmware.ca_file applies to the next signature check; install_command is
 * set in the configuration file only (a restart). */
static void on_setting_changed(void *ctx, const char *key) {
  fw_service *f = ctx;
  /* without an updater: read when it is made */
  if (f->fw && strcmp(key, "firmware.ca_file") == 0)
    firmware_set_ca_file(f->fw, config_get(f->st->cfg, "firmware.ca_file"));
}

static station_setting_state on_setting_state(void *ctx, const char *key) {
  fw_service *f = ctx;
  if (strcmp(key, "firmware.ca_file") != 0) return SETTING_UNUSED;
  if (!f->fw) return SETTING_CURRENT; /* read when the updater is made */
  const char *ca = config_get(f->st->cfg, key);
  return strcmp(firmware_ca_file(f->fw), ca ? ca : "") == 0 ? SETTING_CURRENT : SETTING_STALE;
}

static void on_closing(void *ctx) {
  fw_service *f = ctx;
  f->closing = true;
  firmware_close(f->fw); /* first: the aborted transfer then finds it closing */
  curl_uv_close(f->cu);
}

static void on_free(void *ctx) {
  fw_service *f = ctx;
  free(f->last_detail);
  free(f);
}

/* RAUC: a new image is good once the station reaches Available; an image
 * waiting for the sessions to end is installed once the last one ended */
static void on_status_changed(void *ctx, int connector, connector_status status, error_code error) {
  (void)connector;
  (void)error;
  fw_service *f = ctx;
  if (f->fw && status == STATUS_AVAILABLE) firmware_station_available(f->fw);
  if (f->fw && firmware_waiting_for_sessions(f->fw)) firmware_sessions_ended(f->fw);
}

static void check_available(fw_service *f) {
  for (int c = 1; c <= station_connector_count(f->st); c++) {
    station_connector_view v;
    station_view(f->st, c, &v);
    if (v.status == STATUS_AVAILABLE) firmware_station_available(f->fw);
  }
}

/* firmware.installer is rauc (a configuration without the firmware keys,
 * a test rig's, has none: the command) */
static bool is_rauc(const char *installer) { return installer && strcmp(installer, "rauc") == 0; }

/* Does the station need its updater from the start? An update recorded
 * in its data directory (the running version, an install waiting for its
 * report, a roll-back) or RAUC (the booted slot checked at start): the
 * updater reads them when made (firmware_new). Without them a new updater
 * starts idle, at BORNE_VERSION, with nothing to report. */
static bool made_at_start(station *st) {
  if (is_rauc(config_get(st->cfg, "firmware.installer"))) return true;
  static const char *const markers[] = {"firmware-version", "firmware-pending", "firmware-rollback",
                                        "firmware-rauc"};
  for (size_t i = 0; i < sizeof markers / sizeof markers[0]; i++) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", st->data_dir ? st->data_dir : ".", markers[i]);
    if (access(path, F_OK) == 0) return true;
  }
  return false;
}

static bool make_updater(fw_service *f) {
  station *st = f->st;
  f->cu = curl_uv_new(st->loop);
  fw_config fc = {.loop = st->loop,
                  .clock = &st->clock,
                  .data_dir = st->data_dir,
                  .install_command = config_get(st->cfg, "firmware.install_command"),
                  .ca_file = config_get(st->cfg, "firmware.ca_file"),
                  .allow_unsigned = config_get_bool(st->cfg, "firmware.allow_unsigned"),
                  .installer = is_rauc(config_get(st->cfg, "firmware.installer"))
                                   ? FW_INSTALLER_RAUC
                                   : FW_INSTALLER_COMMAND,
                  .rauc_conf = config_get(st->cfg, "firmware.rauc_conf"),
                  .confirm_backend = config_get_bool(st->cfg, "firmware.confirm_backend"),
                  .confirm_timeout_s = (int)config_get_int(st->cfg, "firmware.confirm_timeout_s"),
                  .reboot_command = config_get(st->cfg, "firmware.reboot_command"),
                  .on_status = on_status,
                  .on_restart = on_restart,
                  .may_install = may_install,
                  .on_hold = on_hold,
                  .ctx = f};
  f->fw = f->cu ? firmware_new(&fc, f->cu) : NULL;
  if (!f->fw) {
    log_error(MOD, "cannot make the firmware updater");
    curl_uv_close(f->cu);
    f->cu = NULL;
    return false;
  }
  check_available(f);
  return true;
}

/* The service, made by the first call (its updater too when needed from the
 * start); NULL when it cannot be made. */
static fw_service *service(station *st) {
  fw_service *f = find(st);
  if (f) return f;
  f = calloc(1, sizeof *f);
  if (!f) return NULL;
  f->st = st;
  station_module m = {.name = MOD,
                      .ctx = f,
                      .status_json = on_status_json,
                      .status_changed = on_status_changed,
                      .setting_changed = on_setting_changed,
                      .setting_state = on_setting_state,
                      .closing = on_closing,
                      .free = on_free};
  if (station_add_module(st, &m) != 0) {
    log_error(MOD, "cannot make the firmware service");
    free(f);
    return NULL;
  }
  if (made_at_start(st)) make_updater(f); /* on failure: tried again at the first use */
  return f;
}

firmware *station_firmware(station *st) {
  fw_service *f = service(st);
  if (!f) return NULL;
  if (!f->fw && !f->closing) make_updater(f);
  return f->fw;
}

firmware *station_firmware_made(station *st) {
  fw_service *f = find(st);
  return f ? f->fw : NULL;
}

const char *station_firmware_version(station *st) {
  fw_service *f = find(st);
  return f ? version_of(f) : BORNE_VERSION;
}

bool station_firmware_busy(station *st) {
  firmware *fw = station_firmware_made(st);
  return fw && firmware_busy(fw);
}

bool station_firmware_boot_pending(station *st) {
  firmware *fw = station_firmware_made(st);
  return fw && firmware_boot_pending(fw);
}

bool station_firmware_boot_report(station *st) {
  firmware *fw = station_firmware_made(st);
  return fw && firmware_boot_report(fw);
}

int station_firmware_listen(station *st, station_fw_listener fn, void *ctx) {
  fw_service *f = service(st);
  if (!f || f->listener_count == MAX_LISTENERS) return -1;
  f->listeners[f->listener_count].fn = fn;
  f->listeners[f->listener_count].ctx = ctx;
  f->listener_count++;
  return 0;
}

void station_firmware_set_restarter(station *st, void (*fn)(void *ctx), void *ctx) {
  fw_service *f = service(st);
  if (!f) return;
  f->restarter = fn;
  f->restarter_ctx = ctx;
}

void station_firmware_claim_boot_report(station *st) {
  fw_service *f = service(st);
  if (f) f->boot_claimed = true;
}

void station_firmware_boot(station *st) {
  fw_service *f = service(st);
  if (f && f->fw && !f->boot_claimed) firmware_boot_report(f->fw);
}

fw_status station_firmware_last(station *st, const char **detail) {
  fw_service *f = find(st);
  if (detail) *detail = f && f->last_detail ? f->last_detail : "";
  return f ? f->last : FW_IDLE;
}
