/*
 * The systemd service notification protocol (sd_notify(3)), written here
 * rather than linking libsystemd (docs/dependencies.md): borned tells the
 * service manager it is ready, feeds the watchdog, reports its status and
 * says when it stops. Without NOTIFY_SOCKET (not run by systemd) every call
 * does nothing.
 */
#ifndef BORNE_UTIL_SD_NOTIFY_H
#define BORNE_UTIL_SD_NOTIFY_H

#include <stdint.h>

/* Sends STATE (e.g. "READY=1\nSTATUS=up") as one datagram to $NOTIFY_SOCKET
 * (a path, or an abstract socket when it starts with '@'). Returns 1 when
 * sent, 0 when there is no socket to notify, -1 with errno on failure. */
int sd_notify_send(const char *state);

/* The watchdog interval systemd asks for ($WATCHDOG_USEC, only when
 * $WATCHDOG_PID is unset or this process), in microseconds; 0 when none. */
uint64_t sd_notify_watchdog_usec(void);

#endif
