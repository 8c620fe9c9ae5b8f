/*
 * Firmware from the web page (installer): the running version and the
 * updater's state, an image uploaded from the browser, and its install.
 *
 *   GET  /api/v1/firmware          version, status, the uploaded image
 *   PUT  /api/v1/firmware/image    the image as the raw body (any size up to
 *                                  web.firmware_max_mb), streamed to
 *                                  DATA_DIR/firmware.upload, never held whole
 *                                  in memory; answers its size and SHA-256
 *   POST /api/v1/firmware/install  {"signature", "signing_certificate"}: hands
 *                                  the uploaded image to the station's updater
 *                                  (firmware/firmware_module.h), checked exactly as
 *                                  an OCPP SignedUpdateFirmware image; the
 *                                  steps follow as `firmware` events
 *
 * Only signed images are installed from the page: an unsigned install stays
 * with OCPP UpdateFirmware (the back end's choice) and the installer's shell.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "firmware/firmware_module.h"
#include "http/http_json.h"
#include "webpage/page_api.h"

#define UPLOAD_NAME "firmware.upload"
#define CERT_MAX 16384
#define SIG_MAX 4096

typedef struct {
  web_ctx *w;
  int fd;
  size_t length, bytes;
  EVP_MD_CTX *md;
  char part[600];
} upload;

static void upload_path(const web_ctx *w, char *out, size_t len, const char *suffix) {
  snprintf(out, len, "%s/" UPLOAD_NAME "%s", w->st->data_dir, suffix);
}

static void upload_free(upload *u, bool remove) {
  if (u->fd >= 0) close(u->fd);
  if (remove) unlink(u->part);
  EVP_MD_CTX_free(u->md);
  u->w->uploading = false;
  free(u);
}

static void *upload_begin(void *ctx, const http_request *req, size_t length, int *status, char *msg,
                          size_t msglen) {
  (void)req;
  web_ctx *w = ctx;
  if (w->uploading) {
    *status = 409;
    snprintf(msg, msglen, "another image is being uploaded");
    return NULL;
  }
  firmware *fw = station_firmware(w->st);
  if (!fw || firmware_busy(fw)) {
    *status = 409;
    snprintf(msg, msglen, "a firmware update is running (%s)",
             fw ? fw_status_name(firmware_status(fw)) : "no updater");
    return NULL;
  }
  if (length == 0) {
    *status = 400;
    snprintf(msg, msglen, "the image is empty");
    return NULL;
  }
  int64_t max_mb = config_get_int(w->st->cfg, "web.firmware_max_mb");
  if ((int64_t)length > max_mb * 1024 * 1024) {
    *status = 413;
    snprintf(msg, msglen, "the image (%zu bytes) is larger than web.firmware_max_mb (%lld MB)",
             length, (long long)max_mb);
    return NULL;
  }
  upload *u = calloc(1, sizeof *u);
  if (!u) {
    *status = 500;
    snprintf(msg, msglen, "out of memory");
    return NULL;
  }
  u->w = w;
  u->length = length;
  upload_path(w, u->part, sizeof u->part, ".part");
  u->fd = open(u->part, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  u->md = EVP_MD_CTX_new();
  if (u->fd < 0 || !u->md || EVP_DigestInit_ex(u->md, EVP_sha256(), NULL) != 1) {
    *status = 500;
    snprintf(msg, msglen, "cannot write %s: %s", u->part, strerror(errno));
    w->uploading = true; /* upload_free clears it */
    upload_free(u, true);
    return NULL;
  }
  w->uploading = true;
  return u;
}

static int upload_chunk(void *state, const char *data, size_t len, char *msg, size_t msglen) {
  upload *u = state;
  if (u->bytes + len > u->length) {
    snprintf(msg, msglen, "the body is longer than its Content-Length");
    return 400;
  }
  /* a local file: short writes of a page-cache copy, no network wait */
  for (size_t off = 0; off < len;) {
    ssize_t n = write(u->fd, data + off, len - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      snprintf(msg, msglen, "cannot write the image: %s", n < 0 ? strerror(errno) : "disk full");
      return 507;
    }
    off += (size_t)n;
  }
  EVP_DigestUpdate(u->md, data, len);
  u->bytes += len;
  return 0;
}

static void upload_abort(void *state) { upload_free(state, true); }

/* The server's hard limit; web.firmware_max_mb (at most this) is checked in
 * upload_begin so that it can change at run time. */
#define IMAGE_MAX_MB 2048

static const http_body_sink image_sink = {
    .max_body = (size_t)IMAGE_MAX_MB * 1024 * 1024,
    .begin = upload_begin,
    .chunk = upload_chunk,
    .abort = upload_abort,
};

static int put_image(void *ctx, const http_request *req, http_response *res) {
  web_ctx *w = ctx;
  upload *u = req->body_state;
  if (!u) {
    http_json_error(res, 400, "no image in the body");
    return 0;
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int dlen = 0;
  EVP_DigestFinal_ex(u->md, digest, &dlen);
  char hex[2 * EVP_MAX_MD_SIZE + 1];
  for (unsigned i = 0; i < dlen; i++) snprintf(hex + 2 * i, 3, "%02x", digest[i]);
  char path[600];
  upload_path(w, path, sizeof path, "");
  bool whole = u->bytes == u->length;
  int rc = whole && fsync(u->fd) == 0 ? rename(u->part, path) : -1;
  size_t bytes = u->bytes;
  upload_free(u, rc != 0);
  if (!whole) {
    http_json_error(res, 400, "the image is shorter than its Content-Length");
    return 0;
  }
  if (rc != 0) {
    http_json_error(res, 500, "cannot keep the image: %s", strerror(errno));
    return 0;
  }
  snprintf(w->upload_sha256, sizeof w->upload_sha256, "%s", hex);
  w->upload_bytes = (int64_t)bytes;
  station_event(w->st, 0, "firmware", "Uploaded: %zu bytes, SHA-256 %s", bytes, hex);
  res->status = 201;
  http_json_body(res, json_pack("{s:I, s:s}", "bytes", (json_int_t)bytes, "sha256", hex));
  return 0;
}

static json_t *image_json(web_ctx *w) {
  char path[600];
  upload_path(w, path, sizeof path, "");
  struct stat sb;
  if (stat(path, &sb) != 0) return json_null();
  if ((int64_t)sb.st_size != w->upload_bytes) /* from before a restart: size only */
    return json_pack("{s:I, s:n}", "bytes", (json_int_t)sb.st_size, "sha256");
  return json_pack("{s:I, s:s}", "bytes", (json_int_t)sb.st_size, "sha256", w->upload_sha256);
}

static int get_firmware(void *ctx, const http_request *req, http_response *res) {
  (void)req;
  web_ctx *w = ctx;
  firmware *fw = station_firmware(w->st);
  if (!fw) {
    http_json_error(res, 503, "no firmware updater");
    return 0;
  }
  const char *detail = "";
  fw_status last = station_firmware_last(w->st, &detail);
  const char *ca = config_get(w->st->cfg, "firmware.ca_file");
  http_json_body(
      res,
      json_pack("{s:s, s:s, s:s, s:b, s:o, s:I, s:b, s:b}", "version", firmware_version(fw),
                "status", fw_status_name(last), "detail", detail, "busy", firmware_busy(fw),
                "image", image_json(w), "max_bytes",
                (json_int_t)config_get_int(w->st->cfg, "web.firmware_max_mb") * 1024 * 1024,
                "manufacturer_root", ca && ca[0], "allow_unsigned", firmware_allow_unsigned(fw)));
  return 0;
}

static int post_install(void *ctx, const http_request *req, http_response *res) {
  web_ctx *w = ctx;
  json_t *o = http_parse_object(req, res, 0);
  if (!o) return 0;
  static const char *const allowed[] = {"signature", "signing_certificate", NULL};
  const char *sig = NULL, *cert = NULL;
  if (http_only_members(o, allowed, res) != 0 ||
      http_opt_string(o, "signature", SIG_MAX, &sig, res) < 0 ||
      http_opt_string(o, "signing_certificate", CERT_MAX, &cert, res) < 0)
    goto out;
  if (!sig || !sig[0] || !cert || !cert[0]) {
    http_json_error(res, 400,
                    "signature and signing_certificate are required: the page installs signed "
                    "images only");
    goto out;
  }
  if (w->uploading) {
    http_json_error(res, 409, "an image is still being uploaded");
    goto out;
  }
  char path[600], err[300];
  upload_path(w, path, sizeof path, "");
  struct stat sb;
  firmware *fw = station_firmware(w->st);
  if (stat(path, &sb) != 0) {
    http_json_error(res, 409, "upload an image first (PUT /api/v1/firmware/image)");
    goto out;
  }
  if (!fw || firmware_install_file(fw, path, sig, cert, err, sizeof err) != 0) {
    http_json_error(res, 409, "%s", fw ? err : "no firmware updater");
    goto out;
  }
  w->upload_bytes = -1;
  res->status = 202;
  http_json_body(res, json_pack("{s:s}", "status", fw_status_name(firmware_status(fw))));
out:
  json_decref(o);
  return 0;
}

void api_web_firmware_routes(web_ctx *w) {
  http_add_route(w->st->http, &(http_route){"GET", "/api/v1/firmware", get_firmware, w});
  http_add_route_sink(w->st->http, &(http_route){"PUT", "/api/v1/firmware/image", put_image, w},
                      &image_sink);
  http_add_route(w->st->http, &(http_route){"POST", "/api/v1/firmware/install", post_install, w});
}
