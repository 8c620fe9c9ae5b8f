/*
 * The files of the web page (web/ at the top of the repository), embedded in
 * borned at build time by tools/web-embed/web-embed.py: each with its content
 * type, its gzip (or the file itself when gzip does not make it smaller) and
 * an ETag. Pure lookups, no I/O: the HTTP glue is webpage/page_static.c.
 */
#ifndef BORNE_WEB_ASSETS_H
#define BORNE_WEB_ASSETS_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
  const char *path; /* "/index.html" */
  const char *content_type;
  /* One copy each: the gzip when it is smaller (data NULL; web_asset_inflate
   * for a client that does not take gzip), else the file (gz NULL). */
  const unsigned char *data;
  size_t len; /* of the file */
  const unsigned char *gz;
  size_t gz_len;
  const char *etag; /* quoted, e.g. "\"0123456789abcdef\"" */
} web_asset;

/* Ends with an entry whose path is NULL (generated file). */
extern const web_asset web_assets[];

/* The asset at `path` ("/app.js"), or NULL. */
const web_asset *web_asset_find(const char *path);
/* Whether an Accept-Encoding header value allows gzip (RFC 9110 §12.5.3:
 * "gzip" or "*" with a q-value other than 0). NULL: no. */
bool web_accepts_gzip(const char *accept_encoding);
/* Whether an If-None-Match header value names `etag` (or is "*"); weak
 * validators (W/"...") match too, as RFC 9110 §13.1.2 asks for GET. */
bool web_etag_matches(const char *if_none_match, const char *etag);
/* The file's bytes in `out` (a->len of them): a->data copied, or a->gz
 * inflated. -1 when the stored gzip does not inflate to a->len bytes. */
int web_asset_inflate(const web_asset *a, unsigned char *out);
/* Sum of the sizes sent to a browser that takes gzip (the page budget). */
size_t web_assets_gz_total(void);

#endif
