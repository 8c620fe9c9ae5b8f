/*
 * borne-nm as a child of borned (see network_nm.h). Requests carry an id;
 * answers come back as lines {"id":N,"ok":true,"network":{...}} or
 * {"id":N,"ok":false,"error":"..."}, in any order. When the helper exits,
 * every pending request fails with the reason and the next one starts it
 * again. Everything here runs on the loop thread; nothing blocks.
 */
#include "network/network_nm.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"

#define MOD "network"
#define LINE_MAX_BYTES (256 * 1024)

typedef struct pending {
  struct pending *next;
  long long id;
  net_nm_done done;
  void *ctx;
} pending;

struct net_nm {
  uv_loop_t *loop;
  char helper[512];
  uv_process_t proc;
  uv_pipe_t in, out; /* the helper's stdin and stdout */
  bool running;
  bool proc_open; /* the process handle is not closed yet (its exit may still come) */
  int open_handles;
  bool freeing;
  long long next_id;
  pending *waiting;
  char *buf;
  size_t len;
};

static void fail_all(net_nm *n, const char *why) {
  pending *p = n->waiting;
  n->waiting = NULL;
  while (p) {
    pending *next = p->next;
    p->done(p->ctx, NULL, why);
    free(p);
    p = next;
  }
}

static void maybe_free(net_nm *n) {
  if (n->freeing && n->open_handles == 0) {
    free(n->buf);
    free(n);
  }
}

static void on_handle_closed(uv_handle_t *h) {
  net_nm *n = h->data;
  n->open_handles--;
  maybe_free(n);
}

static void stop_child(net_nm *n, const char *why) {
  if (!n->running) return;
  n->running = false;
  uv_close((uv_handle_t *)&n->in, on_handle_closed);
  uv_close((uv_handle_t *)&n->out, on_handle_closed);
  n->len = 0;
  fail_all(n, why);
}

static void on_exit_cb(uv_process_t *p, int64_t status, int sig) {
  net_nm *n = p->data;
  char why[128];
  snprintf(why, sizeof why, "borne-nm exited (status %lld, signal %d)", (long long)status, sig);
  if (n->running) log_warn(MOD, "%s", why);
  stop_child(n, why);
  n->proc_open = false;
  uv_close((uv_handle_t *)p, on_handle_closed);
}

static void answer(net_nm *n, const char *line) {
  json_error_t jerr;
  json_t *o = json_loads(line, JSON_REJECT_DUPLICATES, &jerr);
  json_t *id = json_object_get(o, "id");
  if (!json_is_integer(id)) {
    log_warn(MOD, "borne-nm: unexpected line ignored");
    json_decref(o);
    return;
  }
  for (pending **pp = &n->waiting; *pp; pp = &(*pp)->next) {
    if ((*pp)->id != json_integer_value(id)) continue;
    pending *p = *pp;
    *pp = p->next;
    if (json_is_true(json_object_get(o, "ok")))
      p->done(p->ctx, json_incref(json_object_get(o, "network")), NULL);
    else {
      const char *e = json_string_value(json_object_get(o, "error"));
      p->done(p->ctx, NULL, e ? e : "NetworkManager refused the request");
    }
    free(p);
    break;
  }
  json_decref(o);
}

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b) {
  net_nm *n = h->data;
  (void)hint;
  size_t want = n->len + 16384;
  char *nb = want <= LINE_MAX_BYTES + 16384 ? realloc(n->buf, want) : NULL;
  if (!nb) {
    *b = uv_buf_init(NULL, 0);
    return;
  }
  n->buf = nb;
  *b = uv_buf_init(n->buf + n->len, 16384);
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *b) {
  net_nm *n = s->data;
  (void)b;
  if (nread < 0) {
    stop_child(n, nread == UV_EOF ? "borne-nm closed its output" : uv_strerror((int)nread));
    return;
  }
  n->len += (size_t)nread;
  size_t start = 0;
  for (size_t i = 0; i < n->len; i++) {
    if (n->buf[i] != '\n') continue;
    n->buf[i] = '\0';
    answer(n, n->buf + start);
    if (!n->running) return; /* a callback freed or stopped us */
    start = i + 1;
  }
  memmove(n->buf, n->buf + start, n->len - start);
  n->len -= start;
  if (n->len > LINE_MAX_BYTES) stop_child(n, "borne-nm: answer too long");
}

static int start_child(net_nm *n, char *err, size_t errlen) {
  uv_pipe_init(n->loop, &n->in, 0);
  uv_pipe_init(n->loop, &n->out, 0);
  n->in.data = n->out.data = n->proc.data = n;
  char *args[] = {n->helper, NULL};
  uv_stdio_container_t stdio[3] = {
      {.flags = UV_CREATE_PIPE | UV_READABLE_PIPE, .data.stream = (uv_stream_t *)&n->in},
      {.flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE, .data.stream = (uv_stream_t *)&n->out},
      {.flags = UV_INHERIT_FD, .data.fd = 2}, /* its messages go to borned's journal */
  };
  uv_process_options_t opt = {
      .exit_cb = on_exit_cb, .file = n->helper, .args = args, .stdio_count = 3, .stdio = stdio};
  n->open_handles += 2;
  int rc = uv_spawn(n->loop, &n->proc, &opt);
  if (rc != 0) {
    snprintf(err, errlen, "cannot start %s: %s", n->helper, uv_strerror(rc));
    uv_close((uv_handle_t *)&n->in, on_handle_closed);
    uv_close((uv_handle_t *)&n->out, on_handle_closed);
    uv_close((uv_handle_t *)&n->proc, on_handle_closed);
    n->open_handles++;
    return -1;
  }
  n->open_handles++; /* the process handle */
  n->proc_open = true;
  n->running = true;
  uv_read_start((uv_stream_t *)&n->out, on_alloc, on_read);
  return 0;
}

net_nm *net_nm_new(uv_loop_t *loop, const char *helper) {
  net_nm *n = calloc(1, sizeof *n);
  if (!n) return NULL;
  n->loop = loop;
  snprintf(n->helper, sizeof n->helper, "%s", helper);
  n->next_id = 1;
  return n;
}

typedef struct {
  uv_write_t w;
  char *text;
} write_req;

static void on_written(uv_write_t *w, int status) {
  write_req *wr = (write_req *)w;
  (void)status; /* a broken pipe shows as the helper's exit */
  free(wr->text);
  free(wr);
}

void net_nm_submit(net_nm *n, const net_request *r, net_nm_done done, void *ctx) {
  char err[600];
  if (!n->running && n->proc_open) { /* its output closed, its exit not seen yet */
    done(ctx, NULL, "borne-nm is restarting: try again");
    return;
  }
  if (!n->running && start_child(n, err, sizeof err) != 0) {
    done(ctx, NULL, err);
    return;
  }
  pending *p = calloc(1, sizeof *p);
  json_t *o = net_request_json(r);
  write_req *wr = calloc(1, sizeof *wr);
  if (o) json_object_set_new(o, "id", json_integer(n->next_id));
  char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
  json_decref(o);
  if (!p || !wr || !text) {
    free(p);
    free(wr);
    free(text);
    done(ctx, NULL, "out of memory");
    return;
  }
  size_t tl = strlen(text);
  text[tl] = '\n'; /* json_dumps' NUL becomes the line's end */
  wr->text = text;
  p->id = n->next_id++;
  p->done = done;
  p->ctx = ctx;
  p->next = n->waiting;
  n->waiting = p;
  uv_buf_t b = uv_buf_init(text, (unsigned)(tl + 1));
  if (uv_write(&wr->w, (uv_stream_t *)&n->in, &b, 1, on_written) != 0) {
    free(text);
    free(wr);
    stop_child(n, "cannot write to borne-nm");
  }
}

void net_nm_free(net_nm *n) {
  if (!n) return;
  n->freeing = true;
  if (n->running) {
    uv_process_kill(&n->proc, SIGTERM);
    stop_child(n, "the station is stopping");
  }
  maybe_free(n);
}
