/*
 * A guard around libwebsockets' two-step context destruction on a foreign
 * libuv loop (lws 4.1.6): the first lws_context_destroy() closes the
 * context's event fd (and the connections' sockets), the second one, called
 * turns of the loop later, closes the event fd again. In between, anything
 * in the process (another station's SQLite, in borne-swarm; a restarted
 * station) may have been given that number, and the second close then closes
 * it under its owner: SQLite saw EBADF ("disk I/O error") and could as well
 * have written into another file.
 *
 * So: the descriptors the first call closed are held by /dev/null
 * placeholders until the second call has run, then the placeholders lws did
 * not close are closed here. Whatever lws closes twice is a placeholder.
 */
#ifndef BORNE_UTIL_FD_QUARANTINE_H
#define BORNE_UTIL_FD_QUARANTINE_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
  uint8_t *was_open; /* before the first step: 1 per open descriptor */
  int n;             /* size of was_open */
  int *held;         /* descriptors held by a placeholder */
  size_t nheld;
} fd_quarantine;

/* Before the first step: notes which descriptors are open. */
void fd_quarantine_begin(fd_quarantine *q);
/* After the first step: every descriptor that was open and is closed now
 * gets a placeholder, so nobody else can be given its number. */
void fd_quarantine_hold(fd_quarantine *q);
/* After the second step: closes the placeholders still open; frees q. */
void fd_quarantine_end(fd_quarantine *q);

#endif
