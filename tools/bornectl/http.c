/*
 * bornectl's HTTP client: one libcurl easy handle reused for every request
 * (keep-alive across the long-poll loop of `wait` and `events --follow`).
 * It turns transport failures into "cannot reach" (exit 3) and API error
 * answers into "bornectl: STATUS: message" (exit 1). It must never print a
 * token and never retry a request that changes something.
 */
#include "ctl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int ctl_http_init(ctl_http *h, const char *base_url, const char *token, const char *token_note) {
  memset(h, 0, sizeof *h);
  snprintf(h->base_url, sizeof h->base_url, "%s", base_url);
  if (token && *token)
    snprintf(h->auth_header, sizeof h->auth_header, "Authorization: Bearer %s", token);
  snprintf(h->token_note, sizeof h->token_note, "%s", token_note ? token_note : "");
  /* An http_proxy in the environment must never capture the local daemon. */
  const char *env = getenv("no_proxy");
  if (!env || !*env) env = getenv("NO_PROXY");
  snprintf(h->no_proxy, sizeof h->no_proxy, "localhost,127.0.0.1,::1%s%s", env && *env ? "," : "",
           env && *env ? env : "");
  h->curl = curl_easy_init();
  return h->curl ? 0 : -1;
}

void ctl_http_cleanup(ctl_http *h) {
  if (h->curl) curl_easy_cleanup(h->curl);
  h->curl = NULL;
}

void ctl_reply_free(ctl_reply *r) {
  free(r->body);
  r->body = NULL;
  r->len = 0;
}

static size_t on_data(char *data, size_t size, size_t nmemb, void *userp) {
  ctl_reply *r = userp;
  size_t n = size * nmemb;
  char *p = realloc(r->body, r->len + n + 1);
  if (!p) return 0; /* makes curl fail the transfer with CURLE_WRITE_ERROR */
  memcpy(p + r->len, data, n);
  r->len += n;
  p[r->len] = '\0';
  r->body = p;
  return n;
}

int ctl_http_call(ctl_http *h, const char *method, const char *path, const char *body,
                  long timeout_s, ctl_reply *reply, char *err, size_t errlen) {
  memset(reply, 0, sizeof *reply);
  char url[CTL_TEXT_MAX + CTL_PATH_MAX];
  snprintf(url, sizeof url, "%s%s", h->base_url, path);
  char curl_err[CURL_ERROR_SIZE] = "";
  struct curl_slist *headers = NULL;
  headers = curl_slist_append(headers, "Accept: application/json");
  /* lws answers 100-continue poorly and our bodies are small: send at once. */
  headers = curl_slist_append(headers, "Expect:");
  if (h->auth_header[0]) headers = curl_slist_append(headers, h->auth_header);
  if (body) headers = curl_slist_append(headers, "Content-Type: application/json");

  CURL *c = h->curl;
  curl_easy_reset(c);
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, reply);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, curl_err);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout_s);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "bornectl/" BORNE_VERSION);
  curl_easy_setopt(c, CURLOPT_NOPROXY, h->no_proxy);
  if (h->ca_file[0]) curl_easy_setopt(c, CURLOPT_CAINFO, h->ca_file);
  if (body) {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
  } else if (strcmp(method, "GET") == 0) {
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
  }
  CURLcode rc = curl_easy_perform(c);
  curl_slist_free_all(headers);
  if (rc != CURLE_OK) {
    long os_errno = 0;
    curl_easy_getinfo(c, CURLINFO_OS_ERRNO, &os_errno);
    if (rc == CURLE_COULDNT_CONNECT && os_errno != 0)
      snprintf(err, errlen, "%s", strerror((int)os_errno));
    else
      snprintf(err, errlen, "%s", curl_err[0] ? curl_err : curl_easy_strerror(rc));
    ctl_reply_free(reply);
    return -1;
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &reply->status);
  char *ct = NULL;
  curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct);
  snprintf(reply->content_type, sizeof reply->content_type, "%s", ct ? ct : "");
  if (!reply->body) {
    reply->body = calloc(1, 1);
    if (!reply->body) {
      snprintf(err, errlen, "out of memory");
      return -1;
    }
  }
  return 0;
}

int ctl_report_unreachable(ctl_ctx *ctx, const char *reason) {
  fprintf(ctx->err, "bornectl: cannot reach borned at %s: %s\n", ctx->http.base_url, reason);
  return CTL_EXIT_UNREACHABLE;
}

int ctl_report_api_error(ctl_ctx *ctx, const ctl_reply *r) {
  json_t *o = json_loads(r->body, 0, NULL);
  const char *msg = json_string_value(json_object_get(o, "error"));
  if (msg) {
    fprintf(ctx->err, "bornectl: %ld: %s\n", r->status, msg);
  } else {
    /* Not borned's JSON error (a proxy, another server): show the start of it. */
    size_t n = strcspn(r->body, "\r\n");
    fprintf(ctx->err, "bornectl: %ld: %.*s\n", r->status, (int)(n > 200 ? 200 : n),
            n ? r->body : "(empty answer)");
  }
  if (r->status == 401 && ctx->http.token_note[0])
    fprintf(ctx->err, "bornectl: %s\n", ctx->http.token_note);
  json_decref(o);
  return CTL_EXIT_API;
}

int ctl_api(ctl_ctx *ctx, const char *method, const char *path, json_t *body, long timeout_s,
            json_t **out) {
  *out = NULL;
  char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
  ctl_reply r;
  char err[CURL_ERROR_SIZE + 64];
  int rc = ctl_http_call(&ctx->http, method, path, text, timeout_s, &r, err, sizeof err);
  free(text);
  if (rc != 0) return ctl_report_unreachable(ctx, err);
  if (r.status < 200 || r.status > 299) {
    rc = ctl_report_api_error(ctx, &r);
    ctl_reply_free(&r);
    return rc;
  }
  json_error_t jerr;
  *out = json_loads(r.body, JSON_DECODE_ANY, &jerr);
  if (!*out) {
    fprintf(ctx->err, "bornectl: %ld: the answer is not JSON (%s)\n", r.status, jerr.text);
    rc = CTL_EXIT_API;
  }
  ctl_reply_free(&r);
  return rc;
}

/* `set` values: JSON when the text is a JSON scalar (12, 6.5, true, null,
 * "quoted"), else the text as a string, so `station.id=borne-01` needs no quotes. */
static json_t *guess_value(const char *text) {
  json_t *v = json_loads(text, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, NULL);
  if (v && (json_is_object(v) || json_is_array(v))) {
    json_decref(v);
    v = NULL;
  }
  return v ? v : json_string(text);
}

json_t *ctl_body_json(const ctl_command *cmd) {
  if (!cmd->has_body) return NULL;
  json_t *o = json_object();
  for (int i = 0; i < cmd->field_count; i++) {
    const ctl_field *f = &cmd->fields[i];
    json_t *v;
    switch (f->kind) {
    case CTL_VAL_NUMBER:
      v = strpbrk(f->text, ".eE") ? json_real(strtod(f->text, NULL))
                                  : json_integer(strtoll(f->text, NULL, 10));
      break;
    case CTL_VAL_INTEGER:
      v = json_integer(strtoll(f->text, NULL, 10));
      break;
    case CTL_VAL_BOOL:
      v = json_boolean(strcmp(f->text, "true") == 0);
      break;
    case CTL_VAL_GUESS:
      v = guess_value(f->text);
      break;
    default:
      v = json_string(f->text);
      break;
    }
    if (json_object_set_new(o, f->key, v) != 0) { /* NULL v: text not UTF-8 */
      json_decref(o);
      return NULL;
    }
  }
  return o;
}
