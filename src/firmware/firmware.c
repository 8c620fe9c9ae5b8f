/* The firmware updater: download, signature check, install, restart (see firmware.h). */
#include "firmware/firmware.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "station/lazy_timer.h"
#include "util/log.h"

#define MOD "firmware"
#define SIM_MAGIC "borne-sim-firmware "

struct firmware {
  fw_config cfg;
  /* strings owned, sized to their value (a swarm holds thousands of
   * updaters: fixed 512-byte buffers were 4 kB of each) */
  char *data_dir;
  char *install_command;
  char *ca_file;       /* the configured root(s), changed by firmware_set_ca_file() */
  char *verify_ca;     /* the one the running check uses (read by the worker), NULL: none */
  bool allow_unsigned; /* firmware.allow_unsigned, changed by firmware_set_allow_unsigned() */
  curl_uv *cu;
  uv_timer_t timer;
  borne_ms timer_at; /* station time the timer stands for */
  /* the running child's handle, NULL when none; one handle per spawn, freed
   * by its close callback: a step that spawns from the exit callback (mark-bad
   * → reboot) must not re-initialise the handle libuv is still closing */
  uv_process_t *proc;
  enum { PROC_INSTALL, PROC_MARK_GOOD, PROC_MARK_BAD, PROC_REBOOT } proc_kind;
  /* RAUC: the new image's time to prove itself; made by its start (an
   * updater that never installs with RAUC has none: station/lazy_timer.h) */
  lazy_timer confirm_timer;
  char *rauc_bin, *rauc_conf, *reboot_command, *cmdline_path; /* owned */
  bool confirming;  /* RAUC: booted into a new image not yet marked good */
  bool available;   /* a connector reached Available since the start */
  bool backend_ok;  /* firmware_boot_report() was called (the back end accepted us) */
  bool marked_good; /* `rauc status mark-good` succeeded, Installed not yet reported */
  bool rolled_back; /* the InstallationFailed reported is a roll-back */
  uv_work_t work;
  bool proc_running;
  bool work_running;
  bool closing;
  bool cancelling; /* firmware_cancel aborting the download: its callback ends there */
  int open_handles;
  fw_status status;
  /* the request being served, strings owned */
  char *location, *signature, *cert;
  int request_id;
  int retries_left;
  int retry_interval_s;
  borne_ms install_at;   /* the request's install time, 0: at once */
  bool waiting_sessions; /* verified, due, waiting for the sessions to end (L01.FR.06) */
  bool held;             /* on_hold(true) told, not yet released */
  FILE *out;
  char *path; /* the download's file, owned */
  char version[64];
  /* signature check result, written by the worker */
  bool verified;
  char verify_error[200];
};

static const char *const status_names[] = {
    [FW_IDLE] = "Idle",
    [FW_DOWNLOAD_SCHEDULED] = "DownloadScheduled",
    [FW_DOWNLOADING] = "Downloading",
    [FW_DOWNLOADED] = "Downloaded",
    [FW_DOWNLOAD_FAILED] = "DownloadFailed",
    [FW_SIGNATURE_VERIFIED] = "SignatureVerified",
    [FW_INVALID_SIGNATURE] = "InvalidSignature",
    [FW_INSTALLING] = "Installing",
    [FW_INSTALL_REBOOTING] = "InstallRebooting",
    [FW_INSTALLED] = "Installed",
    [FW_INSTALLATION_FAILED] = "InstallationFailed",
    [FW_INSTALL_SCHEDULED] = "InstallScheduled",
};

const char *fw_status_name(fw_status s) {
  return (unsigned)s < sizeof status_names / sizeof status_names[0] ? status_names[s] : "?";
}

static bool finished(fw_status s);

static void set_status(firmware *fw, fw_status s, const char *detail) {
  if (finished(s)) {
    fw->waiting_sessions = false;
    if (fw->held) {
      fw->held = false; /* failed or cancelled: nothing restarts, the connectors serve again */
      if (fw->cfg.on_hold) fw->cfg.on_hold(fw->cfg.ctx, false);
    }
  }
  fw->status = s;
  log_info(MOD, "%s%s%s", fw_status_name(s), detail[0] ? ": " : "", detail);
  if (fw->cfg.on_status) fw->cfg.on_status(fw->cfg.ctx, s, fw->request_id, detail);
}

static bool finished(fw_status s) {
  return s == FW_IDLE || s == FW_DOWNLOAD_FAILED || s == FW_INVALID_SIGNATURE ||
         s == FW_INSTALLED || s == FW_INSTALLATION_FAILED;
}

/* ---------- files in the data directory ---------- */

static void data_path(const firmware *fw, char *out, size_t len, const char *name) {
  snprintf(out, len, "%s/%s", fw->data_dir, name);
}

/* Write atomically: temp file, fsync, rename. */
static int write_file(const firmware *fw, const char *name, const char *text) {
  char path[600], tmp[620];
  data_path(fw, path, sizeof path, name);
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return -1;
  size_t n = strlen(text);
  bool ok = write(fd, text, n) == (ssize_t)n && fsync(fd) == 0;
  close(fd);
  if (!ok || rename(tmp, path) != 0) {
    unlink(tmp);
    return -1;
  }
  return 0;
}

static int read_line(const char *path, char *out, size_t len) {
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  bool ok = fgets(out, (int)len, f) != NULL;
  fclose(f);
  if (!ok) return -1;
  out[strcspn(out, "\r\n")] = '\0';
  return 0;
}

static void free_strings(firmware *fw) {
  free(fw->data_dir);
  free(fw->install_command);
  free(fw->ca_file);
  free(fw->verify_ca);
  free(fw->rauc_bin);
  free(fw->rauc_conf);
  free(fw->reboot_command);
  free(fw->cmdline_path);
  free(fw->path);
}

/* A copy of s ("" for NULL), NULL when out of memory. */
static char *dup_or_empty(const char *s) { return strdup(s ? s : ""); }

/* A uv handle or work item of ours is done; the last one after close frees. */
static void handle_done(firmware *fw) {
  if (--fw->open_handles > 0 || !fw->closing) return;
  free(fw->location);
  free(fw->signature);
  free(fw->cert);
  free_strings(fw);
  free(fw);
}

/* ---------- steps ---------- */

static void start_download(firmware *fw);
static void install(firmware *fw);

static void at_station_time(firmware *fw, borne_ms when);
static void install_now(firmware *fw);

static void on_timer(uv_timer_t *t) {
  firmware *fw = t->data;
  if (fw->closing) return;
  /* libuv counts from the time cached at the start of the loop turn, so a
   * timer armed late in a turn can fire before the station time it stands
   * for (seconds early at a high --sim-speed): wait out the rest */
  if (clock_now(fw->cfg.clock) < fw->timer_at) {
    at_station_time(fw, fw->timer_at);
    return;
  }
  if (fw->status == FW_INSTALL_SCHEDULED || fw->waiting_sessions)
    install_now(fw);
  else
    start_download(fw);
}

static void at_station_time(firmware *fw, borne_ms when) {
  fw->timer_at = when;
  uv_timer_start(&fw->timer, on_timer, clock_real_delay_ms(fw->cfg.clock, when), 0);
}

static void download_done(void *ctx, CURLcode result, long code, const char *error) {
  firmware *fw = ctx;
  if (fw->out) fclose(fw->out);
  fw->out = NULL;
  if (fw->closing || fw->cancelling) return;
  if (result != CURLE_OK) {
    char detail[300];
    snprintf(detail, sizeof detail, "%s%s", error,
             code >= 400 ? " (the server answered an error)" : "");
    if (fw->retries_left > 0) {
      fw->retries_left--;
      log_warn(MOD, "download failed (%s); %d retries left", detail, fw->retries_left);
      at_station_time(fw, clock_now(fw->cfg.clock) + (borne_ms)fw->retry_interval_s * 1000);
      return;
    }
    unlink(fw->path);
    set_status(fw, FW_DOWNLOAD_FAILED, detail);
    return;
  }
  set_status(fw, FW_DOWNLOADED, "");
  install(fw);
}

static void start_download(firmware *fw) {
  /* libcurl is loaded by the first transfer; without it this one fails at
   * once (retrying would not install it) */
  char why[400];
  const curl_fns *curl = curl_uv_load(why, sizeof why);
  if (!curl) {
    log_error(MOD, "%s", why);
    set_status(fw, FW_DOWNLOAD_FAILED, why);
    return;
  }
  fw->out = fopen(fw->path, "wb");
  if (!fw->out) {
    char detail[300];
    snprintf(detail, sizeof detail, "cannot write %s: %s", fw->path, strerror(errno));
    set_status(fw, FW_DOWNLOAD_FAILED, detail);
    return;
  }
  if (fw->status != FW_DOWNLOADING) set_status(fw, FW_DOWNLOADING, fw->location);
  CURL *easy = curl->easy_init();
  if (!easy) {
    fclose(fw->out);
    fw->out = NULL;
    set_status(fw, FW_DOWNLOAD_FAILED, "out of memory");
    return;
  }
  curl->easy_setopt(easy, CURLOPT_URL, fw->location);
  curl->easy_setopt(easy, CURLOPT_WRITEDATA, fw->out);
  curl->easy_setopt(easy, CURLOPT_FAILONERROR, 1L);
  curl->easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 1L); /* at most CURL_UV_MAX_REDIRS (curl_uv) */
  curl->easy_setopt(easy, CURLOPT_CONNECTTIMEOUT, 30L);
  /* a stalled transfer (less than 1 byte/s for a minute) fails and is retried */
  curl->easy_setopt(easy, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl->easy_setopt(easy, CURLOPT_LOW_SPEED_TIME, 60L);
  if (curl_uv_start(fw->cu, easy, download_done, fw) != 0) {
    fclose(fw->out);
    fw->out = NULL;
    set_status(fw, FW_DOWNLOAD_FAILED, "cannot start the transfer");
  }
}

/* ---------- signature (worker thread: hashing a large image must not stall the loop) ---------- */

static int decode_base64(const char *in, unsigned char **out, size_t *outlen) {
  size_t n = strlen(in);
  if (n == 0 || n % 4 != 0) return -1;
  unsigned char *buf = malloc(n / 4 * 3 + 1);
  if (!buf) return -1;
  int len = EVP_DecodeBlock(buf, (const unsigned char *)in, (int)n);
  if (len < 0) {
    free(buf);
    return -1;
  }
  size_t pad = (in[n - 1] == '=') + (n > 1 && in[n - 2] == '=');
  *out = buf;
  *outlen = (size_t)len - pad;
  return 0;
}

int firmware_check_signing_cert(const char *ca_file, const char *cert_pem, char *err,
                                size_t errlen) {
  int rc = -1;
  X509 *cert = NULL;
  X509_STORE *store = NULL;
  X509_STORE_CTX *xctx = NULL;
  BIO *bio = cert_pem ? BIO_new_mem_buf(cert_pem, -1) : NULL;
  if (bio) cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
  BIO_free(bio);
  if (!cert) {
    snprintf(err, errlen, "the signing certificate is not PEM");
    goto out;
  }
  if (!ca_file || !ca_file[0]) {
    rc = 0; /* nothing to check against: firmware_trust_refusal() decides */
    goto out;
  }
  store = X509_STORE_new();
  xctx = X509_STORE_CTX_new();
  if (!store || !xctx || X509_STORE_load_file(store, ca_file) != 1 ||
      X509_STORE_CTX_init(xctx, store, cert, NULL) != 1) {
    snprintf(err, errlen, "cannot read the manufacturer root %s", ca_file);
    goto out;
  }
  if (X509_verify_cert(xctx) != 1) {
    snprintf(err, errlen, "the signing certificate is not from the manufacturer: %s",
             X509_verify_cert_error_string(X509_STORE_CTX_get_error(xctx)));
    goto out;
  }
  rc = 0;
out:
  X509_STORE_CTX_free(xctx);
  X509_STORE_free(store);
  X509_free(cert);
  return rc;
}

static void verify_work(uv_work_t *w) {
  firmware *fw = w->data;
  fw->verified = false;
  X509 *cert = NULL;
  X509_STORE *store = NULL;
  X509_STORE_CTX *xctx = NULL;
  EVP_MD_CTX *md = NULL;
  unsigned char *sig = NULL;
  size_t siglen = 0;
  FILE *f = NULL;
  BIO *bio = BIO_new_mem_buf(fw->cert, -1);
  if (bio) cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
  BIO_free(bio);
  if (!cert) {
    snprintf(fw->verify_error, sizeof fw->verify_error, "the signing certificate is not PEM");
    goto out;
  }
  if (fw->verify_ca && fw->verify_ca[0]) {
    store = X509_STORE_new();
    xctx = X509_STORE_CTX_new();
    if (!store || !xctx || X509_STORE_load_file(store, fw->verify_ca) != 1 ||
        X509_STORE_CTX_init(xctx, store, cert, NULL) != 1) {
      snprintf(fw->verify_error, sizeof fw->verify_error, "cannot read the manufacturer root %s",
               fw->verify_ca);
      goto out;
    }
    if (X509_verify_cert(xctx) != 1) {
      snprintf(fw->verify_error, sizeof fw->verify_error,
               "the signing certificate is not from the manufacturer: %s",
               X509_verify_cert_error_string(X509_STORE_CTX_get_error(xctx)));
      goto out;
    }
  }
  if (decode_base64(fw->signature, &sig, &siglen) != 0) {
    snprintf(fw->verify_error, sizeof fw->verify_error, "the signature is not base64");
    goto out;
  }
  md = EVP_MD_CTX_new();
  f = fopen(fw->path, "rb");
  if (!md || !f ||
      EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, X509_get0_pubkey(cert)) != 1) {
    snprintf(fw->verify_error, sizeof fw->verify_error, "cannot check the signature");
    goto out;
  }
  unsigned char chunk[16384];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) EVP_DigestVerifyUpdate(md, chunk, n);
  if (EVP_DigestVerifyFinal(md, sig, siglen) != 1) {
    snprintf(fw->verify_error, sizeof fw->verify_error,
             "the image does not match its signature (SHA-256 with the certificate's key)");
    goto out;
  }
  fw->verified = true;
out:
  if (f) fclose(f);
  EVP_MD_CTX_free(md);
  free(sig);
  X509_STORE_CTX_free(xctx);
  X509_STORE_free(store);
  X509_free(cert);
}

static void verify_done(uv_work_t *w, int status) {
  firmware *fw = w->data;
  fw->work_running = false;
  bool closing = fw->closing;
  handle_done(fw);
  if (closing) return;
  if (status != 0 || !fw->verified) {
    unlink(fw->path);
    set_status(fw, FW_INVALID_SIGNATURE, status ? "cancelled" : fw->verify_error);
    return;
  }
  set_status(fw, FW_SIGNATURE_VERIFIED, "");
  install_now(fw);
}

/* ---------- install ---------- */

static void proc_closed(uv_handle_t *h) {
  firmware *fw = h->data;
  free(h);
  handle_done(fw);
}
static void on_exit_cb(uv_process_t *p, int64_t exit_status, int term_signal);
static int spawn(firmware *fw, int kind, char **args, char *err, size_t errlen);
static int spawn_rauc(firmware *fw, int kind, const char *verb1, const char *verb2, char *err,
                      size_t errlen);

/* Into the new image: the reboot command (RAUC: the bootloader starts the
 * other slot) or the station's own restart. */
static void reboot(firmware *fw) {
  if (fw->cfg.installer == FW_INSTALLER_RAUC && fw->reboot_command[0]) {
    char *args[] = {"/bin/sh", "-c", fw->reboot_command, NULL};
    char err[300];
    if (spawn(fw, PROC_REBOOT, args, err, sizeof err) == 0) return;
    log_error(MOD, "%s; the station restarts itself instead", err);
  }
  if (fw->cfg.on_restart) fw->cfg.on_restart(fw->cfg.ctx);
}

/* The booted slot's bootname from the kernel command line (`rauc.slot=A`, as
 * the bootloader gives it to RAUC); -1 when not there. */
static int booted_slot(const firmware *fw, char *out, size_t len) {
  char line[4096];
  if (read_line(fw->cmdline_path, line, sizeof line) != 0) return -1;
  for (char *p = line; (p = strstr(p, "rauc.slot=")) != NULL; p++) {
    if (p != line && p[-1] != ' ') continue;
    p += strlen("rauc.slot=");
    size_t n = strcspn(p, " \t");
    if (n == 0 || n >= len) return -1;
    memcpy(out, p, n);
    out[n] = '\0';
    return 0;
  }
  return -1;
}

static void installed(firmware *fw, const char *version) {
  char marker[96];
  snprintf(marker, sizeof marker, "%d %s\n", fw->request_id, version);
  /* RAUC: the next start must confirm the new slot (before the marker that
   * says an install restarted us, so no start sees the one without the other) */
  if ((fw->cfg.installer == FW_INSTALLER_RAUC && write_file(fw, "firmware-rauc", marker) != 0) ||
      write_file(fw, "firmware-pending", marker) != 0) {
    set_status(fw, FW_INSTALLATION_FAILED, "cannot record the installation");
    return;
  }
  char slot[64];
  if (fw->cfg.installer == FW_INSTALLER_RAUC && booted_slot(fw, slot, sizeof slot) == 0) {
    /* the next start tells the new slot from a fall-back to this one */
    char text[80];
    snprintf(text, sizeof text, "%s\n", slot);
    if (write_file(fw, "firmware-rauc-from", text) != 0)
      log_warn(MOD, "cannot record the booted slot; a fall-back by the bootloader goes unseen");
  }
  unlink(fw->path);
  set_status(fw, FW_INSTALL_REBOOTING, version);
  reboot(fw);
}

static void remove_marker(const firmware *fw, const char *name) {
  char path[600];
  data_path(fw, path, sizeof path, name);
  unlink(path);
}

/* RAUC: Installed once the slot is marked good and the report is wanted. */
static void report_installed(firmware *fw) {
  if (!fw->marked_good || !fw->backend_ok) return;
  fw->marked_good = false;
  remove_marker(fw, "firmware-pending");
  set_status(fw, FW_INSTALLED, fw->version);
}

/* RAUC: the new image did not prove itself: mark its slot bad, remember why
 * for the next start (the previous image reports it), reboot. */
static void roll_back(firmware *fw, const char *why) {
  fw->confirming = false;
  lazy_timer_stop(&fw->confirm_timer);
  char marker[400];
  snprintf(marker, sizeof marker, "%d %s\n", fw->request_id, why);
  log_error(MOD, "the new firmware is rolled back: %s", why);
  if (write_file(fw, "firmware-rollback", marker) != 0)
    log_error(MOD, "cannot record the roll-back; the back end will not be told");
  remove_marker(fw, "firmware-rauc");
  remove_marker(fw, "firmware-rauc-from");
  remove_marker(fw, "firmware-pending");
  char err[300];
  if (spawn_rauc(fw, PROC_MARK_BAD, "status", "mark-bad", err, sizeof err) != 0) {
    log_error(MOD, "%s", err);
    reboot(fw);
  }
}

static void try_confirm(firmware *fw) {
  if (!fw->confirming || fw->proc_running || fw->closing || !fw->available ||
      (fw->cfg.confirm_backend && !fw->backend_ok))
    return;
  char err[300];
  if (spawn_rauc(fw, PROC_MARK_GOOD, "status", "mark-good", err, sizeof err) != 0)
    roll_back(fw, err);
}

static void on_confirm_timeout(uv_timer_t *t) {
  firmware *fw = t->data;
  if (fw->closing || !fw->confirming) return;
  if (fw->proc_running) return; /* mark-good runs: its exit decides */
  char why[200];
  snprintf(why, sizeof why, "not %s within %d s of the start",
           fw->cfg.confirm_backend ? "Available and accepted by its back end" : "Available",
           fw->cfg.confirm_timeout_s);
  roll_back(fw, why);
}

static void proc_exited(firmware *fw, bool ok, const char *how) {
  char detail[200];
  switch (fw->proc_kind) {
  case PROC_INSTALL:
    if (ok) {
      installed(fw, "(installed by the installer)");
      return;
    }
    snprintf(detail, sizeof detail, "the installer failed (%s)", how);
    unlink(fw->path);
    set_status(fw, FW_INSTALLATION_FAILED, detail);
    return;
  case PROC_MARK_GOOD:
    if (!ok) {
      snprintf(detail, sizeof detail, "rauc status mark-good failed (%s)", how);
      roll_back(fw, detail);
      return;
    }
    log_info(MOD, "the new firmware is marked good");
    fw->confirming = false;
    lazy_timer_stop(&fw->confirm_timer);
    remove_marker(fw, "firmware-rauc");
    remove_marker(fw, "firmware-rauc-from");
    fw->status = FW_IDLE;
    fw->marked_good = true;
    report_installed(fw);
    return;
  case PROC_MARK_BAD:
    if (!ok) log_error(MOD, "rauc status mark-bad failed (%s)", how);
    reboot(fw);
    return;
  case PROC_REBOOT:
    if (!ok) {
      log_error(MOD, "the reboot command failed (%s); the station restarts itself", how);
      if (fw->cfg.on_restart) fw->cfg.on_restart(fw->cfg.ctx);
    }
    return;
  }
}

static void proc_exited(firmware *fw, bool ok, const char *how);

static void on_exit_cb(uv_process_t *p, int64_t exit_status, int term_signal) {
  firmware *fw = p->data;
  fw->proc_running = false;
  fw->proc = NULL;
  uv_close((uv_handle_t *)p, proc_closed);
  if (fw->closing) return;
  char how[80];
  snprintf(how, sizeof how, "exit %lld, signal %d", (long long)exit_status, term_signal);
  proc_exited(fw, exit_status == 0 && term_signal == 0, how);
}

/* Runs argv off the loop (its output goes to our stderr); on_exit_cb follows. */
static int spawn(firmware *fw, int kind, char **args, char *err, size_t errlen) {
  uv_stdio_container_t stdio[3] = {{.flags = UV_IGNORE},
                                   {.flags = UV_INHERIT_FD, .data.fd = 2},
                                   {.flags = UV_INHERIT_FD, .data.fd = 2}};
  uv_process_options_t opt = {
      .file = args[0], .args = args, .exit_cb = on_exit_cb, .stdio_count = 3, .stdio = stdio};
  uv_process_t *proc = calloc(1, sizeof *proc);
  if (!proc) {
    snprintf(err, errlen, "cannot run %s: out of memory", args[0]);
    return -1;
  }
  proc->data = fw;
  fw->proc_kind = kind;
  int rc = uv_spawn(fw->cfg.loop, proc, &opt);
  fw->open_handles++;
  if (rc != 0) {
    uv_close((uv_handle_t *)proc, proc_closed);
    snprintf(err, errlen, "cannot run %s: %s", args[0], uv_strerror(rc));
    return -1;
  }
  fw->proc = proc;
  fw->proc_running = true;
  return 0;
}

/* `rauc [--conf=FILE] VERB...` */
static int spawn_rauc(firmware *fw, int kind, const char *verb1, const char *verb2, char *err,
                      size_t errlen) {
  char conf[600];
  char *args[6];
  int n = 0;
  args[n++] = fw->rauc_bin;
  if (fw->rauc_conf[0]) {
    snprintf(conf, sizeof conf, "--conf=%s", fw->rauc_conf);
    args[n++] = conf;
  }
  args[n++] = (char *)verb1;
  args[n++] = (char *)verb2;
  args[n] = NULL;
  return spawn(fw, kind, args, err, errlen);
}

/* `{file}` in the command becomes the image path, single-quoted for sh. */
static int build_command(const firmware *fw, char *out, size_t len) {
  size_t o = 0;
  for (const char *p = fw->install_command; *p; p++) {
    if (strncmp(p, "{file}", 6) == 0) {
      int n = snprintf(out + o, len - o, "'%s'", fw->path);
      if (n < 0 || (size_t)n >= len - o) return -1;
      o += (size_t)n;
      p += 5;
    } else {
      if (o + 1 >= len) return -1;
      out[o++] = *p;
    }
  }
  out[o] = '\0';
  return 0;
}

static void install_sim(firmware *fw) {
  char line[128];
  if (read_line(fw->path, line, sizeof line) != 0 ||
      strncmp(line, SIM_MAGIC, sizeof SIM_MAGIC - 1) != 0) {
    unlink(fw->path);
    set_status(fw, FW_INSTALLATION_FAILED,
               "not a simulator image (first line must be `" SIM_MAGIC "VERSION`)");
    return;
  }
  const char *v = line + sizeof SIM_MAGIC - 1;
  size_t n = strlen(v);
  bool ok = n >= 1 && n <= 32;
  for (size_t i = 0; ok && i < n; i++) ok = isgraph((unsigned char)v[i]);
  if (!ok) {
    unlink(fw->path);
    set_status(fw, FW_INSTALLATION_FAILED, "the image's version is not 1-32 printable characters");
    return;
  }
  char text[64];
  snprintf(text, sizeof text, "%s\n", v);
  if (write_file(fw, "firmware-version", text) != 0) {
    set_status(fw, FW_INSTALLATION_FAILED, "cannot write the installed version");
    return;
  }
  installed(fw, v);
}

static void install_now(firmware *fw) {
  borne_ms now = clock_now(fw->cfg.clock);
  if (fw->install_at > now && fw->status != FW_INSTALL_SCHEDULED) {
    /* OCPP 2.0.1 installDateTime: verified now, installed then */
    set_status(fw, FW_INSTALL_SCHEDULED, "");
    at_station_time(fw, fw->install_at);
    return;
  }
  if (fw->cfg.may_install && !fw->cfg.may_install(fw->cfg.ctx)) {
    /* L01.FR.06/07: the restart would end the sessions; wait for them, the
     * connectors held out of service meanwhile */
    fw->waiting_sessions = true;
    log_info(MOD, "the install waits for the charging sessions to end");
    if (!fw->held) {
      fw->held = true;
      if (fw->cfg.on_hold) fw->cfg.on_hold(fw->cfg.ctx, true);
    }
    return;
  }
  fw->waiting_sessions = false;
  if (!fw->held) {
    /* no session may start during the install: the restart would cut it */
    fw->held = true;
    if (fw->cfg.on_hold) fw->cfg.on_hold(fw->cfg.ctx, true);
  }
  set_status(fw, FW_INSTALLING, "");
  if (fw->cfg.installer == FW_INSTALLER_RAUC) {
    char detail[300];
    if (spawn_rauc(fw, PROC_INSTALL, "install", fw->path, detail, sizeof detail) != 0)
      set_status(fw, FW_INSTALLATION_FAILED, detail);
    return;
  }
  if (!fw->install_command[0]) {
    install_sim(fw);
    return;
  }
  char cmd[1200];
  if (build_command(fw, cmd, sizeof cmd) != 0) {
    set_status(fw, FW_INSTALLATION_FAILED, "install command too long");
    return;
  }
  char *args[] = {"/bin/sh", "-c", cmd, NULL};
  char detail[300];
  if (spawn(fw, PROC_INSTALL, args, detail, sizeof detail) != 0)
    set_status(fw, FW_INSTALLATION_FAILED, detail);
}

static void install(firmware *fw) {
  bool has_signature = fw->signature && fw->signature[0];
  /* again at install time: the policy may have changed since the request */
  const char *refusal = firmware_trust_refusal(has_signature, fw->ca_file, fw->allow_unsigned);
  if (refusal) {
    unlink(fw->path);
    set_status(fw, has_signature ? FW_INVALID_SIGNATURE : FW_INSTALLATION_FAILED, refusal);
    return;
  }
  if (has_signature) {
    /* the root configured now, not when the updater was made (issue 22) */
    char *ca = strdup(fw->ca_file);
    if (!ca) {
      unlink(fw->path);
      set_status(fw, FW_INSTALLATION_FAILED, "out of memory");
      return;
    }
    free(fw->verify_ca); /* no check runs: work_running is false here */
    fw->verify_ca = ca;
    fw->work.data = fw;
    fw->work_running = true;
    fw->open_handles++;
    uv_queue_work(fw->cfg.loop, &fw->work, verify_work, verify_done);
    return;
  }
  install_now(fw);
}

/* ---------- public ---------- */

static void timer_closed(uv_handle_t *h) { handle_done(h->data); }

firmware *firmware_new(const fw_config *cfg, curl_uv *cu) {
  firmware *fw = calloc(1, sizeof *fw);
  if (!fw) return NULL;
  fw->cfg = *cfg;
  fw->cu = cu;
  fw->data_dir = dup_or_empty(cfg->data_dir);
  fw->install_command = dup_or_empty(cfg->install_command);
  fw->ca_file = dup_or_empty(cfg->ca_file);
  fw->rauc_bin = dup_or_empty(cfg->rauc_bin && cfg->rauc_bin[0] ? cfg->rauc_bin : "rauc");
  fw->rauc_conf = dup_or_empty(cfg->rauc_conf);
  fw->reboot_command = dup_or_empty(cfg->reboot_command);
  fw->cmdline_path = dup_or_empty(cfg->cmdline_path ? cfg->cmdline_path : "/proc/cmdline");
  size_t plen = strlen(fw->data_dir ? fw->data_dir : "") + sizeof "/firmware.download";
  fw->path = malloc(plen);
  if (!fw->data_dir || !fw->install_command || !fw->ca_file || !fw->rauc_bin || !fw->rauc_conf ||
      !fw->reboot_command || !fw->cmdline_path || !fw->path) {
    free_strings(fw);
    free(fw);
    return NULL;
  }
  fw->cfg.data_dir = fw->data_dir;
  fw->cfg.install_command = fw->install_command;
  fw->cfg.ca_file = NULL; /* fw->ca_file is the one: firmware_set_ca_file() replaces it */
  fw->allow_unsigned = cfg->allow_unsigned;
  data_path(fw, fw->path, plen, "firmware.download");
  char vpath[600];
  data_path(fw, vpath, sizeof vpath, "firmware-version");
  if (read_line(vpath, fw->version, sizeof fw->version) != 0 || !fw->version[0])
    snprintf(fw->version, sizeof fw->version, "%s", BORNE_VERSION);
  uv_timer_init(cfg->loop, &fw->timer);
  fw->timer.data = fw;
  fw->open_handles = 1;
  fw->status = FW_IDLE;
  char mpath[600];
  data_path(fw, mpath, sizeof mpath, "firmware-rauc");
  char from[600], was[64], now_slot[64], line[96];
  data_path(fw, from, sizeof from, "firmware-rauc-from");
  if (cfg->installer == FW_INSTALLER_RAUC && access(mpath, F_OK) == 0 &&
      read_line(from, was, sizeof was) == 0 && booted_slot(fw, now_slot, sizeof now_slot) == 0 &&
      strcmp(was, now_slot) == 0 && read_line(mpath, line, sizeof line) == 0) {
    /* the slot the install ran on booted again: the new image did not start
     * (the bootloader's boot attempts ran out); it is not marked bad, that
     * would be this slot */
    char marker[200];
    snprintf(marker, sizeof marker, "%d the new firmware did not start (slot %s booted again)\n",
             atoi(line), now_slot);
    if (write_file(fw, "firmware-rollback", marker) != 0)
      log_error(MOD, "cannot record the roll-back; the back end will not be told");
    remove_marker(fw, "firmware-rauc");
    remove_marker(fw, "firmware-rauc-from");
    remove_marker(fw, "firmware-pending");
  }
  if (cfg->installer == FW_INSTALLER_RAUC && access(mpath, F_OK) == 0) {
    /* booted into a new slot that must prove itself; no other update meanwhile */
    fw->confirming = true;
    fw->status = FW_INSTALL_REBOOTING;
    int secs = cfg->confirm_timeout_s > 0 ? cfg->confirm_timeout_s : 600;
    lazy_timer_start(&fw->confirm_timer, cfg->loop, on_confirm_timeout, fw,
                     clock_real_delay_ms(cfg->clock, clock_now(cfg->clock) + (borne_ms)secs * 1000),
                     0);
  }
  return fw;
}

void firmware_set_ca_file(firmware *fw, const char *ca_file) {
  char *s = dup_or_empty(ca_file);
  if (!s) {
    log_error(MOD, "out of memory: firmware.ca_file unchanged");
    return;
  }
  free(fw->ca_file); /* the running check reads verify_ca, its own copy */
  fw->ca_file = s;
}

const char *firmware_ca_file(const firmware *fw) { return fw->ca_file; }

void firmware_set_allow_unsigned(firmware *fw, bool allow) { fw->allow_unsigned = allow; }
bool firmware_allow_unsigned(const firmware *fw) { return fw->allow_unsigned; }

const char *firmware_trust_refusal(bool has_signature, const char *ca_file, bool allow_unsigned) {
  if (allow_unsigned) return NULL;
  if (!has_signature)
    return "unsigned firmware refused: only a signed image is installed (an installer may allow "
           "unsigned ones with firmware.allow_unsigned)";
  if (!ca_file || !ca_file[0])
    return "no manufacturer root (firmware.ca_file) to check the signing certificate against: "
           "any self-made certificate would pass, so the image is refused (set firmware.ca_file, "
           "or allow unchecked images with firmware.allow_unsigned)";
  return NULL;
}

int firmware_cancel(firmware *fw, char *err, size_t errlen) {
  if (!firmware_busy(fw)) return 0;
  bool cancellable = fw->status == FW_DOWNLOAD_SCHEDULED || fw->status == FW_DOWNLOADING ||
                     fw->status == FW_INSTALL_SCHEDULED || fw->waiting_sessions;
  if (!cancellable || fw->work_running || fw->proc_running || fw->confirming) {
    snprintf(err, errlen, "the firmware update is %s and cannot be cancelled",
             fw->work_running ? "checking the image's signature" : fw_status_name(fw->status));
    return -1;
  }
  uv_timer_stop(&fw->timer); /* the download's start, a retry or the install time */
  fw->cancelling = true;
  curl_uv_cancel(fw->cu, fw); /* download_done closes the file */
  fw->cancelling = false;
  if (fw->out) fclose(fw->out);
  fw->out = NULL;
  unlink(fw->path);
  set_status(fw, FW_IDLE, "cancelled by a new update request");
  return 1;
}

bool firmware_busy(const firmware *fw) { return !finished(fw->status); }

void firmware_sessions_ended(firmware *fw) {
  if (!fw->waiting_sessions || fw->closing) return;
  if (fw->cfg.may_install && !fw->cfg.may_install(fw->cfg.ctx)) return;
  /* on the next loop turn: called from a status change, which the install's
   * own status changes must not re-enter */
  at_station_time(fw, clock_now(fw->cfg.clock));
}

bool firmware_waiting_for_sessions(const firmware *fw) { return fw->waiting_sessions; }
fw_status firmware_status(const firmware *fw) { return fw->status; }
const char *firmware_version(const firmware *fw) { return fw->version; }

static char *dup_or_null(const char *s) { return s && s[0] ? strdup(s) : NULL; }

int firmware_update(firmware *fw, const fw_request *req, char *err, size_t errlen) {
  if (firmware_busy(fw)) {
    snprintf(err, errlen, "a firmware update is already %s", fw_status_name(fw->status));
    return -1;
  }
  if (!req->location || !req->location[0]) {
    snprintf(err, errlen, "no location");
    return -1;
  }
  if (req->signature_b64 && req->signature_b64[0] &&
      (!req->signing_cert_pem || !req->signing_cert_pem[0])) {
    snprintf(err, errlen, "a signature needs its signing certificate");
    return -1;
  }
  if (!curl_uv_url_allowed(req->location, err, errlen)) {
    /* never handed to libcurl: file:// would read the station's own files,
     * gopher:// and the like send raw bytes to any host */
    fw->request_id = req->request_id;
    set_status(fw, FW_DOWNLOAD_FAILED, err);
    return -1;
  }
  bool has_signature = req->signature_b64 && req->signature_b64[0];
  const char *refusal = firmware_trust_refusal(has_signature, fw->ca_file, fw->allow_unsigned);
  if (refusal) {
    /* not fetched: no byte of an image we would not install */
    snprintf(err, errlen, "%s", refusal);
    if (!has_signature) {
      fw->request_id = req->request_id;
      set_status(fw, FW_INSTALLATION_FAILED, refusal);
    }
    return -1;
  }
  free(fw->location);
  free(fw->signature);
  free(fw->cert);
  fw->location = strdup(req->location);
  fw->signature = dup_or_null(req->signature_b64);
  fw->cert = dup_or_null(req->signing_cert_pem);
  fw->request_id = req->request_id;
  fw->retries_left = req->retries > 0 ? req->retries : 0;
  fw->retry_interval_s = req->retry_interval_s > 0 ? req->retry_interval_s : 0;
  fw->install_at = req->install_at;
  borne_ms now = clock_now(fw->cfg.clock);
  if (req->retrieve_at > now) {
    set_status(fw, FW_DOWNLOAD_SCHEDULED, "");
    at_station_time(fw, req->retrieve_at);
  } else {
    set_status(fw, FW_DOWNLOADING, fw->location);
    start_download(fw);
  }
  return 0;
}

int firmware_install_file(firmware *fw, const char *path, const char *signature_b64,
                          const char *signing_cert_pem, char *err, size_t errlen) {
  if (firmware_busy(fw)) {
    snprintf(err, errlen, "a firmware update is already %s", fw_status_name(fw->status));
    return -1;
  }
  if (signature_b64 && signature_b64[0] && (!signing_cert_pem || !signing_cert_pem[0])) {
    snprintf(err, errlen, "a signature needs its signing certificate");
    return -1;
  }
  const char *refusal =
      firmware_trust_refusal(signature_b64 && signature_b64[0], fw->ca_file, fw->allow_unsigned);
  if (refusal) {
    snprintf(err, errlen, "%s", refusal);
    return -1;
  }
  if (!path || rename(path, fw->path) != 0) {
    snprintf(err, errlen, "cannot take the image %s: %s", path ? path : "(none)", strerror(errno));
    return -1;
  }
  free(fw->location);
  free(fw->signature);
  free(fw->cert);
  fw->location = strdup("local file");
  fw->signature = dup_or_null(signature_b64);
  fw->cert = dup_or_null(signing_cert_pem);
  fw->request_id = 0;
  fw->retries_left = 0;
  fw->install_at = 0;
  set_status(fw, FW_DOWNLOADED, "uploaded image");
  install(fw);
  return 0;
}

bool firmware_boot_report(firmware *fw) {
  char path[600], line[400];
  data_path(fw, path, sizeof path, "firmware-rollback");
  if (read_line(path, line, sizeof line) == 0) {
    /* the previous image runs again: the new one did not prove itself */
    unlink(path);
    char *why = strchr(line, ' ');
    fw->request_id = atoi(line);
    fw->rolled_back = true;
    char detail[460];
    snprintf(detail, sizeof detail, "rolled back to the previous firmware: %s",
             why ? why + 1 : "(no reason recorded)");
    set_status(fw, FW_INSTALLATION_FAILED, detail);
    fw->rolled_back = false;
    return true;
  }
  if (fw->confirming || fw->marked_good) {
    /* RAUC: Installed once the slot is also marked good */
    fw->backend_ok = true;
    data_path(fw, path, sizeof path, "firmware-pending");
    if (read_line(path, line, sizeof line) == 0) fw->request_id = atoi(line);
    try_confirm(fw);
    report_installed(fw);
    return true;
  }
  data_path(fw, path, sizeof path, "firmware-pending");
  if (read_line(path, line, sizeof line) != 0) return false;
  unlink(path);
  int id = atoi(line);
  fw->request_id = id;
  set_status(fw, FW_INSTALLED, fw->version);
  return true;
}

void firmware_station_available(firmware *fw) {
  if (fw->available) return;
  fw->available = true;
  try_confirm(fw);
}

bool firmware_rolled_back(const firmware *fw) { return fw->rolled_back; }

bool firmware_boot_pending(const firmware *fw) {
  char path[600];
  data_path(fw, path, sizeof path, "firmware-pending");
  if (access(path, F_OK) == 0) return true;
  data_path(fw, path, sizeof path, "firmware-rollback");
  return access(path, F_OK) == 0;
}

void firmware_close(firmware *fw) {
  if (!fw || fw->closing) return;
  fw->closing = true;
  if (fw->out) fclose(fw->out);
  fw->out = NULL;
  if (fw->proc_running && fw->proc) uv_process_kill(fw->proc, SIGTERM);
  uv_timer_stop(&fw->timer);
  uv_close((uv_handle_t *)&fw->timer, timer_closed);
  lazy_timer_close(&fw->confirm_timer);
}
