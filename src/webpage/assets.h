/*
 * The files of the web page (web/ at the top of the repository), embedded in
 * borned at build time by tools/web-embed/web-embed.py: each with its content
 * type, a gzip copy and an ETag. Pure lookups, no I/O: the HTTP glue is
 * webpage/page_static.c.
 */
#ifndef BORNE_WEB_ASSETS_H
#define BORNE_WEB_ASSETS_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
  const char *path; /* "/index.html" */
  const char *content_type;
  const unsigned char *data;
  size_t len;
  const unsigned char *gz; /* gzip of data */
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
/* Sum of the compressed sizes of every asset (the page budget). */
size_t web_assets_gz_total(void);

#endif
