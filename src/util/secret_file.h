/*
 * Small secret files in the data directory (the API token, the setup code):
 * created once, never over an existing file or through a symlink, mode 0600
 * whatever the umask, and on disk (fsync) before anyone is told the secret.
 */
#ifndef BORNE_UTIL_SECRET_FILE_H
#define BORNE_UTIL_SECRET_FILE_H

#include <stddef.h>

/* Creates `path` holding `text` and a newline. Returns 0, or -1 with a
 * sentence in err ("cannot create PATH: why" / "cannot write PATH: why"); a
 * file left half-written is removed. */
int secret_file_create(const char *path, const char *text, char *err, size_t errlen);

#endif
