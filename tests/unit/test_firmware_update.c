/*
 * Firmware update on a real libuv loop with real libcurl transfers from a
 * local HTTP server on the same loop (test_httpd.h): the status sequence,
 * retries, simulated and command installs, the signature check of
 * SignedUpdateFirmware (against the manufacturer root
 * configured at the time of the check), the report after restart, and the locations that are
 * never fetched (file://, gopher://, ..., a redirect to file://): no request
 * leaves, the installer never runs, the status is DownloadFailed.
 */
/* cmocka.h needs these first */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "firmware/firmware.h"
#include "test_httpd.h"
#include "test_tmpdir.h"

typedef struct {
  char dir[64];
  uv_loop_t loop;
  station_clock clock;
  curl_uv *cu;
  httpd http; /* serves the images: GET /NAME */
  firmware *fw;
  fw_status seen[32];
  char details[32][200];
  int count;
  int restarts;
  char reboot_command[300]; /* RAUC's reboot command, "" (the default): none */
  bool sessions;            /* a charging session runs (may_install says no) */
  bool holds[8];            /* on_hold's calls, in order */
  int hold_count;
} rig;

static void on_status(void *ctx, fw_status s, int request_id, const char *detail) {
  (void)request_id;
  rig *r = ctx;
  if (r->count < 32) {
    snprintf(r->details[r->count], sizeof r->details[0], "%s", detail);
    r->seen[r->count++] = s;
  }
  uv_stop(&r->loop); /* the waiting loops look again */
}

static void on_restart(void *ctx) { ((rig *)ctx)->restarts++; }

static bool may_install(void *ctx) { return !((rig *)ctx)->sessions; }

static void on_hold(void *ctx, bool hold) {
  rig *r = ctx;
  if (r->hold_count < 8) r->holds[r->hold_count++] = hold;
}

/* The tests of the transfer and install steps allow unchecked images
 * (firmware.allow_unsigned); unchecked_images_are_refused_by_default makes
 * one with the default. */
static firmware *make_policy(rig *r, const char *install_command, const char *ca_file,
                             bool allow_unsigned) {
  fw_config cfg = {.loop = &r->loop,
                   .clock = &r->clock,
                   .data_dir = r->dir,
                   .install_command = install_command,
                   .ca_file = ca_file,
                   .allow_unsigned = allow_unsigned,
                   .on_status = on_status,
                   .on_restart = on_restart,
                   .ctx = r};
  return firmware_new(&cfg, r->cu);
}

static firmware *make(rig *r, const char *install_command, const char *ca_file) {
  return make_policy(r, install_command, ca_file, true);
}

static int setup(void **state) {
  rig *r = calloc(1, sizeof *r);
  if (!r || test_tmpdir_make(r->dir, sizeof r->dir, "borne-fw") != 0) return -1;
  uv_loop_init(&r->loop);
  clock_init(&r->clock, 1000.0); /* station seconds pass in real milliseconds */
  r->cu = curl_uv_new(&r->loop);
  if (httpd_start(&r->http, &r->loop) != 0) return -1;
  r->fw = make(r, "", NULL);
  *state = r;
  return 0;
}

static int teardown(void **state) {
  rig *r = *state;
  curl_uv_close(r->cu);
  firmware_close(r->fw);
  httpd_stop(&r->http);
  while (uv_run(&r->loop, UV_RUN_DEFAULT) != 0) {
  } /* on_status may have stopped it */
  assert_int_equal(uv_loop_close(&r->loop), 0);
  int rc = test_tmpdir_remove(r->dir);
  free(r);
  return rc;
}

static void run_until_done(rig *r) {
  for (int i = 0; i < 100000 && firmware_busy(r->fw); i++) uv_run(&r->loop, UV_RUN_ONCE);
  assert_false(firmware_busy(r->fw));
}

/* DIR/NAME with `text`, also served at http://127.0.0.1:PORT/NAME (url). */
static void write_text(rig *r, const char *name, const char *text, char *url, size_t len) {
  char path[256];
  snprintf(path, sizeof path, "%s/%s", r->dir, name);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
  char route[200];
  snprintf(route, sizeof route, "/%s", name);
  httpd_set(&r->http, route, 200, text, strlen(text), NULL);
  if (url) httpd_url(&r->http, route, url, len);
}

static void expect(const rig *r, const fw_status *want, int n) {
  if (r->count != n) {
    for (int i = 0; i < r->count; i++)
      print_message("  seen %s (%s)\n", fw_status_name(r->seen[i]), r->details[i]);
  }
  assert_int_equal(r->count, n);
  for (int i = 0; i < n; i++)
    assert_string_equal(fw_status_name(r->seen[i]), fw_status_name(want[i]));
}

static void run_until(rig *r, fw_status s) {
  for (int i = 0; i < 100000 && !(r->count && r->seen[r->count - 1] == s); i++)
    uv_run(&r->loop, UV_RUN_ONCE);
  assert_true(r->count && r->seen[r->count - 1] == s);
}

static void install_then_restart_reports_installed_once(void **state) {
  rig *r = *state;
  char url[300], err[160];
  write_text(r, "image.bin", "borne-sim-firmware 2.0.0-test\n", url, sizeof url);
  fw_request req = {.location = url, .request_id = 42};
  assert_int_equal(firmware_update(r->fw, &req, err, sizeof err), 0);
  run_until(r, FW_INSTALL_REBOOTING);
  static const fw_status want[] = {FW_DOWNLOADING, FW_DOWNLOADED, FW_INSTALLING,
                                   FW_INSTALL_REBOOTING};
  expect(r, want, 4);
  assert_int_equal(r->restarts, 1);
  assert_string_equal(r->details[3], "2.0.0-test");
  /* the "restarted" daemon */
  firmware_close(r->fw);
  r->fw = make(r, "", NULL);
  r->count = 0;
  assert_string_equal(firmware_version(r->fw), "2.0.0-test");
  assert_true(firmware_boot_report(r->fw));
  assert_int_equal(r->count, 1);
  assert_int_equal(r->seen[0], FW_INSTALLED);
  assert_false(firmware_boot_report(r->fw)); /* once */
  char path[256];
  struct stat sb;
  snprintf(path, sizeof path, "%s/firmware.download", r->dir);
  assert_int_not_equal(stat(path, &sb), 0); /* the image is gone */
}

/* OCPP L01.FR.06/07: the install (and the restart after it) waits for the
 * sessions to end, the connectors held meanwhile; a new request cancels the
 * wait (the hold released), the end of the sessions installs. */
static void install_waits_for_the_sessions_to_end(void **state) {
  rig *r = *state;
  firmware_close(r->fw);
  fw_config cfg = {.loop = &r->loop,
                   .clock = &r->clock,
                   .data_dir = r->dir,
                   .install_command = "",
                   .allow_unsigned = true,
                   .on_status = on_status,
                   .on_restart = on_restart,
                   .may_install = may_install,
                   .on_hold = on_hold,
                   .ctx = r};
  r->fw = firmware_new(&cfg, r->cu);
  assert_non_null(r->fw);
  char url[300], err[160];
  /* no session: held during the install too (a session started then would be
   * cut by the restart), released when the install fails */
  char bad[300];
  write_text(r, "foreign.bin", "not an image\n", bad, sizeof bad);
  fw_request foreign = {.location = bad, .request_id = 6};
  assert_int_equal(firmware_update(r->fw, &foreign, err, sizeof err), 0);
  run_until(r, FW_INSTALLATION_FAILED);
  assert_int_equal(r->hold_count, 2);
  assert_true(r->holds[0]);
  assert_false(r->holds[1]);
  r->hold_count = 0;
  r->count = 0;
  write_text(r, "image.bin", "borne-sim-firmware 2.0.1-wait\n", url, sizeof url);
  fw_request req = {.location = url, .request_id = 7};
  r->sessions = true;
  assert_int_equal(firmware_update(r->fw, &req, err, sizeof err), 0);
  run_until(r, FW_DOWNLOADED);
  assert_true(firmware_waiting_for_sessions(r->fw));
  assert_true(firmware_busy(r->fw));
  assert_int_equal(r->hold_count, 1);
  assert_true(r->holds[0]);
  firmware_sessions_ended(r->fw); /* a session ended, another still runs */
  for (int i = 0; i < 20; i++) uv_run(&r->loop, UV_RUN_NOWAIT);
  static const fw_status downloaded[] = {FW_DOWNLOADING, FW_DOWNLOADED};
  expect(r, downloaded, 2);
  assert_int_equal(r->restarts, 0);
  /* a new request cancels the wait: Idle, the connectors released */
  assert_int_equal(firmware_cancel(r->fw, err, sizeof err), 1);
  assert_false(firmware_waiting_for_sessions(r->fw));
  assert_int_equal(r->hold_count, 2);
  assert_false(r->holds[1]);
  /* again; the last session ends: installed, the restart asked (the hold kept) */
  r->count = 0;
  assert_int_equal(firmware_update(r->fw, &req, err, sizeof err), 0);
  run_until(r, FW_DOWNLOADED);
  assert_true(firmware_waiting_for_sessions(r->fw));
  r->sessions = false;
  firmware_sessions_ended(r->fw);
  run_until(r, FW_INSTALL_REBOOTING);
  static const fw_status want[] = {FW_DOWNLOADING, FW_DOWNLOADED, FW_INSTALLING,
                                   FW_INSTALL_REBOOTING};
  expect(r, want, 4);
  assert_int_equal(r->restarts, 1);
  assert_int_equal(r->hold_count, 3);
  assert_true(r->holds[2]);
}

static void missing_image_is_retried_then_fails(void **state) {
  rig *r = *state;
  char url[300], err[160];
  httpd_url(&r->http, "/nothing-here.bin", url, sizeof url); /* 404 */
  fw_request req = {.location = url, .retries = 2, .retry_interval_s = 10};
  borne_ms t0 = clock_now(&r->clock);
  assert_int_equal(firmware_update(r->fw, &req, err, sizeof err), 0);
  run_until_done(r);
  static const fw_status want[] = {FW_DOWNLOADING, FW_DOWNLOAD_FAILED};
  expect(r, want, 2);
  assert_true(clock_now(&r->clock) - t0 >= 20000); /* two waits of 10 s between 3 attempts */
  assert_int_equal(r->http.requests, 3);
  assert_int_equal(r->restarts, 0);
}

/* A station whose installer leaves DIR/installed.bin: it must never run. */
static void with_marking_installer(rig *r, char *marker, size_t len) {
  char cmd[300];
  snprintf(marker, len, "%s/installed.bin", r->dir);
  snprintf(cmd, sizeof cmd, "cp {file} %s", marker);
  firmware_close(r->fw);
  r->fw = make(r, cmd, NULL);
}

static void refused_locations_are_never_fetched(void **state) {
  rig *r = *state;
  char marker[256], err[160], image[300], gopher[200], dict[200];
  with_marking_installer(r, marker, sizeof marker);
  /* a good simulator image on the station's disk: a file:// download of it
   * would install */
  write_text(r, "image.bin", "borne-sim-firmware 6.6.6\n", NULL, 0);
  snprintf(image, sizeof image, "file://%s/image.bin", r->dir);
  snprintf(gopher, sizeof gopher, "gopher://127.0.0.1:%d/_SET%%20x%%201", r->http.port);
  snprintf(dict, sizeof dict, "dict://127.0.0.1:%d/info", r->http.port);
  const char *const bad[] = {
      "file:///etc/passwd", image, "FILE:///etc/passwd", gopher, dict, "sftp://127.0.0.1/fw.img",
      "127.0.0.1/image.bin"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    r->count = 0;
    fw_request req = {.location = bad[i], .retries = 2, .retry_interval_s = 1, .request_id = 7};
    assert_int_equal(firmware_update(r->fw, &req, err, sizeof err), -1);
    static const fw_status want[] = {FW_DOWNLOAD_FAILED};
    expect(r, want, 1);
    if (!strstr(r->details[0], "not allowed") && !strstr(r->details[0], "not a URL"))
      fail_msg("%s: %s", bad[i], r->details[0]);
    assert_string_equal(err, r->details[0]);
    assert_false(firmware_busy(r->fw));
  }
  uv_run(&r->loop, UV_RUN_NOWAIT);
  assert_int_equal(r->http.connections, 0); /* not one byte to the LAN */
  struct stat sb;
  assert_int_not_equal(stat(marker, &sb), 0);
  assert_int_equal(r->restarts, 0);
  assert_string_equal(firmware_version(r->fw), BORNE_VERSION);
  /* the refusal leaves the updater ready for a good location */
  char url[300];
  write_text(r, "good.bin", "any bytes\n", url, sizeof url);
  r->count = 0;
  fw_request good = {.location = url};
  assert_int_equal(firmware_update(r->fw, &good, err, sizeof err), 0);
  run_until(r, FW_INSTALL_REBOOTING);
  assert_int_equal(stat(marker, &sb), 0);
}

static void redirect_to_a_file_fails_the_download(void **state) {
  rig *r = *state;
  char marker[256], err[160], url[300], to[300];
  with_marking_installer(r, marker, sizeof marker);
  write_text(r, "image.bin", "borne-sim-firmware 6.6.6\n", NULL, 0);
  snprintf(to, sizeof to, "file://%s/image.bin", r->dir);
  httpd_set(&r->http, "/fw.img", 302, NULL, 0, to);
  httpd_url(&r->http, "/fw.img", url, sizeof url);
  fw_request req = {.location = url, .retries = 1, .retry_interval_s = 1};
  assert_int_equal(firmware_update(r->fw, &req, err, sizeof err), 0);
  run_until_done(r);
  static const fw_status want[] = {FW_DOWNLOADING, FW_DOWNLOAD_FAILED};
  expect(r, want, 2);
  assert_non_null(strstr(r->details[1], "file"));
  assert_int_equal(r->http.requests, 2); /* the first attempt and its retry */
  struct stat sb;
  assert_int_not_equal(stat(marker, &sb), 0);
  char dl[256];
  snprintf(dl, sizeof dl, "%s/firmware.download", r->dir);
  assert_int_not_equal(stat(dl, &sb), 0);
  assert_int_equal(r->restarts, 0);
}

static void scheduled_download_waits_for_its_time(void **state) {
  rig *r = *state;
  char url[300], err[160];
  write_text(r, "image.bin", "borne-sim-firmware 3\n", url, sizeof url);
  borne_ms t0 = clock_now(&r->clock);
  fw_request req = {.location = url, .retrieve_at = t0 + 30000};
  assert_int_equal(firmware_update(r->fw, &req, err, sizeof err), 0);
  assert_int_equal(r->seen[0], FW_DOWNLOAD_SCHEDULED);
  run_until(r, FW_INSTALL_REBOOTING);
  assert_int_equal(r->seen[1], FW_DOWNLOADING);
  assert_true(clock_now(&r->clock) - t0 >= 30000);
}

static void foreign_image_fails_to_install(void **state) {
  rig *r = *state;
  char url[300], err[160];
  write_text(r, "image.bin",
             "\x7f"
             "ELF not for the simulator\n",
             url, sizeof url);
  fw_request req = {.location = url};
  assert_int_equal(firmware_update(r->fw, &req, err, sizeof err), 0);
  run_until_done(r);
  static const fw_status want[] = {FW_DOWNLOADING, FW_DOWNLOADED, FW_INSTALLING,
                                   FW_INSTALLATION_FAILED};
  expect(r, want, 4);
  assert_non_null(strstr(r->details[3], "not a simulator image"));
  assert_string_equal(firmware_version(r->fw), BORNE_VERSION);
}

static void install_command_decides(void **state) {
  rig *r = *state;
  char url[300], err[160], cmd[300];
  write_text(r, "image.bin", "any bytes for a real installer\n", url, sizeof url);
  snprintf(cmd, sizeof cmd, "cp {file} %s/installed.bin", r->dir);
  firmware_close(r->fw);
  r->fw = make(r, cmd, NULL);
  fw_request req = {.location = url};
  assert_int_equal(firmware_update(r->fw, &req, err, sizeof err), 0);
  run_until(r, FW_INSTALL_REBOOTING);
  char path[256];
  struct stat sb;
  snprintf(path, sizeof path, "%s/installed.bin", r->dir);
  assert_int_equal(stat(path, &sb), 0);
  assert_int_equal(r->restarts, 1);
  /* a failing installer */
  firmware_close(r->fw);
  r->fw = make(r, "exit 3", NULL);
  r->count = 0;
  assert_true(firmware_boot_report(r->fw)); /* the first one's marker */
  r->count = 0;
  assert_int_equal(firmware_update(r->fw, &req, err, sizeof err), 0);
  run_until_done(r);
  assert_int_equal(r->seen[r->count - 1], FW_INSTALLATION_FAILED);
  assert_non_null(strstr(r->details[r->count - 1], "exit 3"));
}

/* A self-signed signing certificate and the base64 signature of `data`. */
static void sign(const char *data, const char *cert_path, char *cert_pem, size_t pemlen,
                 char *sig_b64, size_t siglen) {
  EVP_PKEY *key = EVP_EC_gen("P-256");
  assert_non_null(key);
  X509 *x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
  X509_gmtime_adj(X509_getm_notBefore(x), -60);
  X509_gmtime_adj(X509_getm_notAfter(x), 3600);
  X509_set_pubkey(x, key);
  X509_NAME *name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"borne test", -1, -1,
                             0);
  X509_set_issuer_name(x, name);
  assert_true(X509_sign(x, key, EVP_sha256()) > 0);
  BIO *b = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(b, x);
  char *p;
  long n = BIO_get_mem_data(b, &p);
  assert_true((size_t)n < pemlen);
  memcpy(cert_pem, p, (size_t)n);
  cert_pem[n] = '\0';
  BIO_free(b);
  if (cert_path) {
    FILE *f = fopen(cert_path, "w");
    fputs(cert_pem, f);
    fclose(f);
  }
  EVP_MD_CTX *md = EVP_MD_CTX_new();
  unsigned char sig[256];
  size_t sl = sizeof sig;
  assert_int_equal(EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key), 1);
  assert_int_equal(EVP_DigestSign(md, sig, &sl, (const unsigned char *)data, strlen(data)), 1);
  assert_true(4 * ((sl + 2) / 3) < siglen);
  EVP_EncodeBlock((unsigned char *)sig_b64, sig, (int)sl);
  EVP_MD_CTX_free(md);
  X509_free(x);
  EVP_PKEY_free(key);
}

static void signed_image_is_verified_before_install(void **state) {
  rig *r = *state;
  const char *image = "borne-sim-firmware 4.0-signed\npayload\n";
  char url[300], err[160], pem[4096], sig[200], root[256];
  snprintf(root, sizeof root, "%s/root.pem", r->dir);
  sign(image, root, pem, sizeof pem, sig, sizeof sig);
  write_text(r, "image.bin", image, url, sizeof url);
  /* the signing certificate is its own root here: installed as manufacturer root */
  firmware_close(r->fw);
  r->fw = make(r, "", root);
  fw_request req = {
      .location = url, .signature_b64 = sig, .signing_cert_pem = pem, .request_id = 9};
  assert_int_equal(firmware_update(r->fw, &req, err, sizeof err), 0);
  run_until(r, FW_INSTALL_REBOOTING);
  static const fw_status want[] = {FW_DOWNLOADING, FW_DOWNLOADED, FW_SIGNATURE_VERIFIED,
                                   FW_INSTALLING, FW_INSTALL_REBOOTING};
  expect(r, want, 5);
}

static void tampered_or_foreign_signatures_are_refused(void **state) {
  rig *r = *state;
  const char *image = "borne-sim-firmware 4.0-signed\npayload\n";
  char url[300], err[160], pem[4096], sig[200], other_pem[4096], other_sig[200], root[256];
  snprintf(root, sizeof root, "%s/root.pem", r->dir);
  sign(image, root, pem, sizeof pem, sig, sizeof sig);
  sign(image, NULL, other_pem, sizeof other_pem, other_sig, sizeof other_sig);
  write_text(r, "image.bin", "borne-sim-firmware 4.0-signed\npayloaD\n", url, sizeof url);
  firmware_close(r->fw);
  r->fw = make(r, "", root);
  fw_request req = {.location = url, .signature_b64 = sig, .signing_cert_pem = pem};
  assert_int_equal(firmware_update(r->fw, &req, err, sizeof err), 0);
  run_until_done(r);
  assert_int_equal(r->seen[r->count - 1], FW_INVALID_SIGNATURE);
  assert_non_null(strstr(r->details[r->count - 1], "does not match"));
  /* a valid signature by a certificate the manufacturer root did not issue */
  write_text(r, "image.bin", image, NULL, 0);
  r->count = 0;
  fw_request foreign = {.location = url, .signature_b64 = other_sig, .signing_cert_pem = other_pem};
  assert_int_equal(firmware_update(r->fw, &foreign, err, sizeof err), 0);
  run_until_done(r);
  assert_int_equal(r->seen[r->count - 1], FW_INVALID_SIGNATURE);
  assert_non_null(strstr(r->details[r->count - 1], "not from the manufacturer"));
  /* garbage */
  r->count = 0;
  fw_request bad = {.location = url, .signature_b64 = "not base64!", .signing_cert_pem = pem};
  assert_int_equal(firmware_update(r->fw, &bad, err, sizeof err), 0);
  run_until_done(r);
  assert_non_null(strstr(r->details[r->count - 1], "base64"));
  fw_request nocert = {.location = url, .signature_b64 = sig};
  assert_int_equal(firmware_update(r->fw, &nocert, err, sizeof err), -1);
}

/* An image uploaded from the local page: the same check, without a download. */
static void local_file_is_checked_like_a_download(void **state) {
  rig *r = *state;
  const char *image = "borne-sim-firmware 5.0-local\npayload\n";
  char err[160], pem[4096], sig[200], root[256], path[256];
  snprintf(root, sizeof root, "%s/root.pem", r->dir);
  snprintf(path, sizeof path, "%s/firmware.upload", r->dir);
  sign(image, root, pem, sizeof pem, sig, sizeof sig);
  firmware_close(r->fw);
  r->fw = make(r, "", root);
  /* no file, a signature without its certificate */
  assert_int_equal(firmware_install_file(r->fw, path, sig, pem, err, sizeof err), -1);
  assert_non_null(strstr(err, "cannot take the image"));
  write_text(r, "firmware.upload", "borne-sim-firmware 5.0-local\npayloaD\n", NULL, 0);
  assert_int_equal(firmware_install_file(r->fw, path, sig, NULL, err, sizeof err), -1);
  assert_int_equal(r->count, 0);
  /* tampered: refused and deleted */
  assert_int_equal(firmware_install_file(r->fw, path, sig, pem, err, sizeof err), 0);
  run_until_done(r);
  static const fw_status bad[] = {FW_DOWNLOADED, FW_INVALID_SIGNATURE};
  expect(r, bad, 2);
  struct stat sb;
  assert_int_not_equal(stat(path, &sb), 0);
  char dl[256];
  snprintf(dl, sizeof dl, "%s/firmware.download", r->dir);
  assert_int_not_equal(stat(dl, &sb), 0);
  /* the right image installs and restarts */
  r->count = 0;
  write_text(r, "firmware.upload", image, NULL, 0);
  assert_int_equal(firmware_install_file(r->fw, path, sig, pem, err, sizeof err), 0);
  assert_int_equal(firmware_install_file(r->fw, path, sig, pem, err, sizeof err), -1);
  assert_non_null(strstr(err, "already"));
  run_until(r, FW_INSTALL_REBOOTING);
  static const fw_status good[] = {FW_DOWNLOADED, FW_SIGNATURE_VERIFIED, FW_INSTALLING,
                                   FW_INSTALL_REBOOTING};
  expect(r, good, 4);
  assert_string_equal(r->details[3], "5.0-local");
  assert_int_equal(r->restarts, 1);
}

/* Issue 22: a manufacturer root set after the updater was made is the one
 * the next check uses (the updater used to copy it once, at creation). */
static void root_set_later_applies_to_the_next_check(void **state) {
  rig *r = *state; /* made without a root */
  const char *image = "borne-sim-firmware 6.0-rooted\npayload\n";
  char err[160], pem[4096], sig[200], other_pem[4096], other_sig[200], root[256], path[256];
  snprintf(root, sizeof root, "%s/root.pem", r->dir);
  snprintf(path, sizeof path, "%s/firmware.upload", r->dir);
  sign(image, root, pem, sizeof pem, sig, sizeof sig);
  sign(image, NULL, other_pem, sizeof other_pem, other_sig, sizeof other_sig);
  assert_string_equal(firmware_ca_file(r->fw), "");
  firmware_set_ca_file(r->fw, root);
  assert_string_equal(firmware_ca_file(r->fw), root);
  /* a self-made certificate: its signature is right, its issuer is not the root */
  write_text(r, "firmware.upload", image, NULL, 0);
  assert_int_equal(firmware_install_file(r->fw, path, other_sig, other_pem, err, sizeof err), 0);
  run_until_done(r);
  static const fw_status refused[] = {FW_DOWNLOADED, FW_INVALID_SIGNATURE};
  expect(r, refused, 2);
  assert_non_null(strstr(r->details[1], "not from the manufacturer"));
  assert_int_equal(r->restarts, 0);
  /* the manufacturer's own signature installs */
  r->count = 0;
  write_text(r, "firmware.upload", image, NULL, 0);
  assert_int_equal(firmware_install_file(r->fw, path, sig, pem, err, sizeof err), 0);
  run_until(r, FW_INSTALL_REBOOTING);
  assert_string_equal(fw_status_name(r->seen[1]), "SignatureVerified");
  /* and back to none: any signer's certificate is taken again */
  firmware_set_ca_file(r->fw, NULL);
  assert_string_equal(firmware_ca_file(r->fw), "");
}

/* firmware.allow_unsigned false (the default): only a signature checked
 * against a manufacturer root installs; nothing else is even fetched. */
static void unchecked_images_are_refused_by_default(void **state) {
  rig *r = *state;
  const char *image = "borne-sim-firmware 6.0-checked\npayload\n";
  char url[300], err[320], pem[4096], sig[200], root[256], path[256];
  snprintf(root, sizeof root, "%s/root.pem", r->dir);
  snprintf(path, sizeof path, "%s/firmware.upload", r->dir);
  sign(image, root, pem, sizeof pem, sig, sizeof sig);
  write_text(r, "image.bin", image, url, sizeof url);
  firmware_close(r->fw);
  r->fw = make_policy(r, "", NULL, false);
  assert_false(firmware_allow_unsigned(r->fw));
  /* unsigned: InstallationFailed with the reason at once, no request made */
  fw_request plain = {.location = url, .request_id = 3};
  assert_int_equal(firmware_update(r->fw, &plain, err, sizeof err), -1);
  assert_non_null(strstr(err, "firmware.allow_unsigned"));
  static const fw_status refused[] = {FW_INSTALLATION_FAILED};
  expect(r, refused, 1);
  assert_non_null(strstr(r->details[0], "unsigned firmware refused"));
  assert_false(firmware_busy(r->fw));
  /* signed, but no root to check the certificate against: refused, no status */
  r->count = 0;
  fw_request signed_req = {.location = url, .signature_b64 = sig, .signing_cert_pem = pem};
  assert_int_equal(firmware_update(r->fw, &signed_req, err, sizeof err), -1);
  assert_non_null(strstr(err, "firmware.ca_file"));
  assert_int_equal(r->count, 0);
  /* the local page's image: refused, left where it is */
  write_text(r, "firmware.upload", image, NULL, 0);
  assert_int_equal(firmware_install_file(r->fw, path, sig, pem, err, sizeof err), -1);
  assert_non_null(strstr(err, "firmware.ca_file"));
  assert_int_equal(firmware_install_file(r->fw, path, NULL, NULL, err, sizeof err), -1);
  assert_non_null(strstr(err, "unsigned firmware refused"));
  struct stat sb;
  assert_int_equal(stat(path, &sb), 0);
  assert_int_equal(r->http.requests, 0);
  /* with the root: verified and installed */
  firmware_set_ca_file(r->fw, root);
  assert_int_equal(firmware_update(r->fw, &signed_req, err, sizeof err), 0);
  run_until(r, FW_INSTALL_REBOOTING);
  static const fw_status ok[] = {FW_DOWNLOADING, FW_DOWNLOADED, FW_SIGNATURE_VERIFIED,
                                 FW_INSTALLING, FW_INSTALL_REBOOTING};
  expect(r, ok, 5);
}

/* Allowed when asked, refused when the installer takes it back before the
 * image is installed (the policy is looked at again at install time). */
static void allow_unsigned_is_checked_again_at_install(void **state) {
  rig *r = *state;
  char url[300], err[320];
  write_text(r, "image.bin", "borne-sim-firmware 6.1-plain\n", url, sizeof url);
  firmware_close(r->fw);
  r->fw = make_policy(r, "", NULL, true);
  borne_ms now = clock_now(&r->clock);
  fw_request later = {.location = url, .retrieve_at = now + 2000};
  assert_int_equal(firmware_update(r->fw, &later, err, sizeof err), 0);
  firmware_set_allow_unsigned(r->fw, false);
  run_until_done(r);
  static const fw_status want[] = {FW_DOWNLOAD_SCHEDULED, FW_DOWNLOADING, FW_DOWNLOADED,
                                   FW_INSTALLATION_FAILED};
  expect(r, want, 4);
  assert_non_null(strstr(r->details[3], "unsigned firmware refused"));
  assert_int_equal(r->restarts, 0);
  char dl[256];
  struct stat sb;
  snprintf(dl, sizeof dl, "%s/firmware.download", r->dir);
  assert_int_not_equal(stat(dl, &sb), 0);
}

static void trust_refusal_table(void **state) {
  (void)state;
  assert_null(firmware_trust_refusal(true, "/etc/borne/root.pem", false));
  assert_non_null(firmware_trust_refusal(true, "", false));
  assert_non_null(firmware_trust_refusal(true, NULL, false));
  assert_non_null(firmware_trust_refusal(false, "/etc/borne/root.pem", false));
  assert_non_null(firmware_trust_refusal(false, "", false));
  assert_null(firmware_trust_refusal(false, "", true));
  assert_null(firmware_trust_refusal(true, "", true));
}

/* ---------- RAUC (firmware.installer rauc) with a fake rauc CLI ---------- */

/* DIR/rauc: logs its arguments to DIR/rauc.log, fails `install` when
 * DIR/rauc-fail exists. */
static void fake_rauc(rig *r, char *bin, size_t len) {
  snprintf(bin, len, "%s/rauc", r->dir);
  FILE *f = fopen(bin, "w");
  assert_non_null(f);
  fprintf(f,
          "#!/bin/sh\necho \"$*\" >> '%s/rauc.log'\n"
          "case \"$2\" in install) test -e '%s/rauc-fail' && exit 1;; esac\nexit 0\n",
          r->dir, r->dir);
  fclose(f);
  chmod(bin, 0700);
}

static firmware *make_rauc(rig *r, bool confirm_backend) {
  char bin[256], cmdline[256];
  fake_rauc(r, bin, sizeof bin);
  snprintf(cmdline, sizeof cmdline, "%s/cmdline", r->dir);
  fw_config cfg = {.loop = &r->loop,
                   .clock = &r->clock,
                   .data_dir = r->dir,
                   .allow_unsigned = true,
                   .installer = FW_INSTALLER_RAUC,
                   .rauc_bin = bin,
                   .rauc_conf = "/etc/test/system.conf",
                   .confirm_backend = confirm_backend,
                   .confirm_timeout_s = 30,
                   .reboot_command = r->reboot_command,
                   .cmdline_path = cmdline,
                   .on_status = on_status,
                   .on_restart = on_restart,
                   .ctx = r};
  return firmware_new(&cfg, r->cu);
}

static void rauc_log(rig *r, char *out, size_t len) {
  char path[256];
  snprintf(path, sizeof path, "%s/rauc.log", r->dir);
  FILE *f = fopen(path, "r");
  out[0] = '\0';
  if (!f) return;
  size_t n = fread(out, 1, len - 1, f);
  out[n] = '\0';
  fclose(f);
}

static void run_until_restarts(rig *r, int n) {
  for (int i = 0; i < 100000 && r->restarts < n; i++) uv_run(&r->loop, UV_RUN_ONCE);
  assert_int_equal(r->restarts, n);
}

/* Installs an image through the fake rauc and "reboots" into it. */
static void rauc_install_and_reboot(rig *r, bool confirm_backend) {
  char url[300], err[160], log[2000], want[400];
  write_text(r, "image.raucb", "a RAUC bundle\n", url, sizeof url);
  firmware_close(r->fw);
  r->fw = make_rauc(r, confirm_backend);
  fw_request req = {.location = url, .request_id = 7};
  assert_int_equal(firmware_update(r->fw, &req, err, sizeof err), 0);
  run_until(r, FW_INSTALL_REBOOTING);
  assert_int_equal(r->restarts, 1);
  rauc_log(r, log, sizeof log);
  snprintf(want, sizeof want, "--conf=/etc/test/system.conf install %s/firmware.download\n",
           r->dir);
  assert_string_equal(log, want);
  firmware_close(r->fw);
  r->fw = make_rauc(r, confirm_backend);
  r->count = 0;
  r->restarts = 0;
  assert_true(firmware_busy(r->fw)); /* no other update while it proves itself */
  assert_true(firmware_boot_pending(r->fw));
}

static void rauc_image_is_marked_good_once_available(void **state) {
  rig *r = *state;
  char log[2000];
  rauc_install_and_reboot(r, false);
  assert_true(firmware_boot_report(r->fw)); /* the back end accepted us: not yet Installed */
  assert_int_equal(r->count, 0);
  firmware_station_available(r->fw);
  run_until(r, FW_INSTALLED);
  assert_int_equal(r->count, 1);
  rauc_log(r, log, sizeof log);
  assert_non_null(strstr(log, "--conf=/etc/test/system.conf status mark-good\n"));
  assert_null(strstr(log, "mark-bad"));
  assert_false(firmware_busy(r->fw));
  /* the next start has nothing left to confirm or report */
  firmware_close(r->fw);
  r->fw = make_rauc(r, false);
  assert_false(firmware_busy(r->fw));
  assert_false(firmware_boot_report(r->fw));
}

static void rauc_image_not_available_in_time_rolls_back(void **state) {
  rig *r = *state;
  char log[2000];
  rauc_install_and_reboot(r, false);
  assert_true(firmware_boot_report(r->fw));
  run_until_restarts(r, 1); /* 30 station seconds without Available */
  rauc_log(r, log, sizeof log);
  assert_non_null(strstr(log, "status mark-bad\n"));
  assert_null(strstr(log, "mark-good"));
  assert_int_equal(r->count, 0); /* the failure is told by the previous image */
  /* the bootloader started the previous slot */
  firmware_close(r->fw);
  r->fw = make_rauc(r, false);
  assert_false(firmware_busy(r->fw));
  assert_true(firmware_boot_pending(r->fw)); /* 2.0.1 boots with reason FirmwareUpdate */
  assert_true(firmware_boot_report(r->fw));
  assert_int_equal(r->count, 1);
  assert_int_equal(r->seen[0], FW_INSTALLATION_FAILED);
  assert_non_null(strstr(r->details[0], "rolled back to the previous firmware: not Available"));
  assert_false(firmware_boot_report(r->fw)); /* once */
}

static void rauc_waits_for_the_backend_when_configured(void **state) {
  rig *r = *state;
  char log[2000];
  rauc_install_and_reboot(r, true);
  firmware_station_available(r->fw); /* Available, but no back end ever accepts it */
  run_until_restarts(r, 1);
  rauc_log(r, log, sizeof log);
  assert_non_null(strstr(log, "status mark-bad\n"));
  assert_null(strstr(log, "mark-good"));
  firmware_close(r->fw);
  r->fw = make_rauc(r, true);
  assert_true(firmware_boot_report(r->fw));
  assert_int_equal(r->seen[0], FW_INSTALLATION_FAILED);
  assert_non_null(strstr(r->details[0], "accepted by its back end"));
}

/* The roll-back runs `rauc status mark-bad` and, from its exit, the reboot
 * command: a second child spawned while the first one's handle is still
 * closing (it once re-used that handle, which libuv does not allow). */
static void rauc_roll_back_runs_the_reboot_command(void **state) {
  rig *r = *state;
  char log[2000], path[300];
  rauc_install_and_reboot(r, false);
  /* the same start, now with a reboot command */
  snprintf(r->reboot_command, sizeof r->reboot_command, "echo reboot >> '%s/reboots'", r->dir);
  firmware_close(r->fw);
  r->fw = make_rauc(r, false);
  assert_true(firmware_boot_report(r->fw));
  snprintf(path, sizeof path, "%s/reboots", r->dir);
  /* 30 station seconds without Available, then mark-bad, then the command */
  for (int i = 0; i < 100000 && access(path, F_OK) != 0; i++) uv_run(&r->loop, UV_RUN_ONCE);
  rauc_log(r, log, sizeof log);
  assert_non_null(strstr(log, "status mark-bad\n"));
  FILE *f = fopen(path, "r");
  assert_non_null(f);
  char line[64] = "";
  assert_non_null(fgets(line, sizeof line, f));
  fclose(f);
  assert_string_equal(line, "reboot\n");
  assert_int_equal(r->restarts, 0); /* the command reboots, not the station itself */
}

/* The kernel command line names the booted slot: the install ran on A, the
 * next start is on A again (the new image never came up and the bootloader
 * fell back): reported as a roll-back, and A is not marked bad. */
static void rauc_bootloader_fall_back_is_reported(void **state) {
  rig *r = *state;
  char url[300], err[160], log[2000];
  write_text(r, "cmdline", "console=ttyS0 rauc.slot=A quiet\n", NULL, 0);
  write_text(r, "image.raucb", "a RAUC bundle\n", url, sizeof url);
  firmware_close(r->fw);
  r->fw = make_rauc(r, false);
  fw_request req = {.location = url, .request_id = 9};
  assert_int_equal(firmware_update(r->fw, &req, err, sizeof err), 0);
  run_until(r, FW_INSTALL_REBOOTING);
  /* booted on B: the new image proves itself as usual */
  write_text(r, "cmdline", "console=ttyS0 rauc.slot=B\n", NULL, 0);
  firmware_close(r->fw);
  r->fw = make_rauc(r, false);
  assert_true(firmware_busy(r->fw));
  /* ... but booted on A again: */
  write_text(r, "cmdline", "rauc.slot=A\n", NULL, 0);
  firmware_close(r->fw);
  r->fw = make_rauc(r, false);
  r->count = 0;
  assert_false(firmware_busy(r->fw));
  firmware_station_available(r->fw);
  assert_true(firmware_boot_report(r->fw));
  assert_int_equal(r->count, 1);
  assert_int_equal(r->seen[0], FW_INSTALLATION_FAILED);
  assert_non_null(strstr(r->details[0], "did not start (slot A booted again)"));
  rauc_log(r, log, sizeof log);
  assert_null(strstr(log, "mark-"));
}

static void rauc_install_failure_is_reported(void **state) {
  rig *r = *state;
  char url[300], err[160], path[256];
  write_text(r, "image.raucb", "not a bundle\n", url, sizeof url);
  write_text(r, "rauc-fail", "", NULL, 0);
  firmware_close(r->fw);
  r->fw = make_rauc(r, false);
  fw_request req = {.location = url};
  assert_int_equal(firmware_update(r->fw, &req, err, sizeof err), 0);
  run_until_done(r);
  assert_int_equal(r->seen[r->count - 1], FW_INSTALLATION_FAILED);
  assert_non_null(strstr(r->details[r->count - 1], "exit 1"));
  assert_int_equal(r->restarts, 0);
  struct stat sb;
  snprintf(path, sizeof path, "%s/firmware-rauc", r->dir);
  assert_int_not_equal(stat(path, &sb), 0);
}

/* L01.FR.24: firmware_cancel aborts a stalled download (its connection
 * closed, the partial image gone) and a scheduled one, reports Idle
 * "cancelled", and the next update runs; an install under way is kept. */
static void a_running_update_is_cancelled(void **state) {
  rig *r = *state;
  char url[300], err[160];
  assert_int_equal(firmware_cancel(r->fw, err, sizeof err), 0); /* nothing runs */
  httpd_set(&r->http, "/stall.bin", 0, NULL, 0, NULL);          /* never answered */
  httpd_url(&r->http, "/stall.bin", url, sizeof url);
  fw_request req = {.location = url, .retries = 3, .retry_interval_s = 1, .request_id = 7};
  assert_int_equal(firmware_update(r->fw, &req, err, sizeof err), 0);
  for (int i = 0; i < 100000 && r->http.held < 1; i++) uv_run(&r->loop, UV_RUN_ONCE);
  assert_int_equal(r->http.held, 1);
  assert_int_equal(firmware_cancel(r->fw, err, sizeof err), 1);
  assert_false(firmware_busy(r->fw));
  fw_status want[] = {FW_DOWNLOADING, FW_IDLE};
  expect(r, want, 2);
  assert_string_equal(r->details[1], "cancelled by a new update request");
  char partial[300];
  snprintf(partial, sizeof partial, "%s/firmware.download", r->dir);
  assert_int_equal(access(partial, F_OK), -1);
  for (int i = 0; i < 100000 && r->http.peer_closed < 1; i++) uv_run(&r->loop, UV_RUN_ONCE);
  assert_int_equal(r->http.peer_closed, 1); /* the transfer was aborted, not left to stall */
  /* a scheduled download: its timer stopped, nothing fetched */
  borne_ms t0 = clock_now(&r->clock);
  fw_request later = {.location = url, .retrieve_at = t0 + 5000, .request_id = 8};
  assert_int_equal(firmware_update(r->fw, &later, err, sizeof err), 0);
  assert_int_equal(firmware_cancel(r->fw, err, sizeof err), 1);
  assert_int_equal(r->count, 4);
  assert_int_equal(r->seen[3], FW_IDLE);
  /* installed at its install time, unless cancelled while InstallScheduled */
  write_text(r, "image.bin", "borne-sim-firmware 4\n", url, sizeof url);
  fw_request at = {.location = url, .install_at = clock_now(&r->clock) + 60000, .request_id = 9};
  assert_int_equal(firmware_update(r->fw, &at, err, sizeof err), 0);
  run_until(r, FW_INSTALL_SCHEDULED);
  assert_int_equal(firmware_cancel(r->fw, err, sizeof err), 1);
  assert_int_equal(r->seen[r->count - 1], FW_IDLE);
  assert_int_equal(access(partial, F_OK), -1);
  /* the requests before (one waited for 5 s, one 60 s of station time) are
   * gone: the next update alone runs, to the end */
  fw_request now = {.location = url, .request_id = 10};
  int before = r->count;
  assert_int_equal(firmware_update(r->fw, &now, err, sizeof err), 0);
  run_until(r, FW_INSTALL_REBOOTING);
  fw_status rest[] = {FW_DOWNLOADING, FW_DOWNLOADED, FW_INSTALLING, FW_INSTALL_REBOOTING};
  assert_int_equal(r->count - before, 4);
  for (int i = 0; i < 4; i++) assert_int_equal(r->seen[before + i], rest[i]);
  /* past the point of no return: kept */
  assert_int_equal(firmware_cancel(r->fw, err, sizeof err), -1);
  assert_non_null(strstr(err, "cannot be cancelled"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(root_set_later_applies_to_the_next_check, setup, teardown),
      cmocka_unit_test_setup_teardown(install_then_restart_reports_installed_once, setup, teardown),
      cmocka_unit_test_setup_teardown(install_waits_for_the_sessions_to_end, setup, teardown),
      cmocka_unit_test_setup_teardown(missing_image_is_retried_then_fails, setup, teardown),
      cmocka_unit_test_setup_teardown(refused_locations_are_never_fetched, setup, teardown),
      cmocka_unit_test_setup_teardown(redirect_to_a_file_fails_the_download, setup, teardown),
      cmocka_unit_test_setup_teardown(scheduled_download_waits_for_its_time, setup, teardown),
      cmocka_unit_test_setup_teardown(a_running_update_is_cancelled, setup, teardown),
      cmocka_unit_test_setup_teardown(foreign_image_fails_to_install, setup, teardown),
      cmocka_unit_test_setup_teardown(install_command_decides, setup, teardown),
      cmocka_unit_test_setup_teardown(signed_image_is_verified_before_install, setup, teardown),
      cmocka_unit_test_setup_teardown(tampered_or_foreign_signatures_are_refused, setup, teardown),
      cmocka_unit_test_setup_teardown(local_file_is_checked_like_a_download, setup, teardown),
      cmocka_unit_test_setup_teardown(unchecked_images_are_refused_by_default, setup, teardown),
      cmocka_unit_test_setup_teardown(allow_unsigned_is_checked_again_at_install, setup, teardown),
      cmocka_unit_test(trust_refusal_table),
      cmocka_unit_test_setup_teardown(rauc_image_is_marked_good_once_available, setup, teardown),
      cmocka_unit_test_setup_teardown(rauc_image_not_available_in_time_rolls_back, setup, teardown),
      cmocka_unit_test_setup_teardown(rauc_waits_for_the_backend_when_configured, setup, teardown),
      cmocka_unit_test_setup_teardown(rauc_install_failure_is_reported, setup, teardown),
      cmocka_unit_test_setup_teardown(rauc_roll_back_runs_the_reboot_command, setup, teardown),
      cmocka_unit_test_setup_teardown(rauc_bootloader_fall_back_is_reported, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
