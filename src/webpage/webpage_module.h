/*
 * The local web page's glue to the station (module "web"): the embedded
 * files, PIN login with roles and CSRF, the live event stream and the public
 * connector page. Pure pieces live in src/webpage/.
 */
#ifndef BORNE_APP_WEB_H
#define BORNE_APP_WEB_H

#include <stddef.h>

struct station;

struct config;

/* HTTPS files for the HTTP server, decided before it starts: empty paths
 * when web.https is false; else the installer's web.cert_file/web.key_file,
 * or DATA_DIR/web-cert.pem and web-key.pem, made at the first start. 0, or
 * -1 with a reason. */
int web_tls_files(const struct config *cfg, const char *data_dir, char *cert, size_t certlen,
                  char *key, size_t keylen, char *err, size_t errlen);

/* Attach the web module (listed in main/modules.c). */
int webpage_attach(struct station *st, char *err, size_t errlen);

#endif
