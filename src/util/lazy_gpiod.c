/* libgpiod (v1), opened when the Linux HAL drives its first GPIO line
 * (util/lazylib.h). */
#include <errno.h>
#include <gpiod.h>
#include <string.h>

#include "util/lazylib.h"

#define LAZYLIB_SELF lazy_gpiod
#define GPIOD_FNS(F, V)                                                                            \
  F(struct gpiod_chip *, gpiod_chip_open, (const char *path), (path), NULL)                        \
  V(gpiod_chip_close, (struct gpiod_chip * chip), (chip))                                          \
  F(struct gpiod_line *, gpiod_chip_get_line, (struct gpiod_chip * chip, unsigned int offset),     \
    (chip, offset), NULL)                                                                          \
  F(int, gpiod_line_request_output_flags,                                                          \
    (struct gpiod_line * line, const char *consumer, int flags, int default_val),                  \
    (line, consumer, flags, default_val), -1)                                                      \
  F(int, gpiod_line_request_both_edges_events_flags,                                               \
    (struct gpiod_line * line, const char *consumer, int flags), (line, consumer, flags), -1)      \
  V(gpiod_line_release, (struct gpiod_line * line), (line))                                        \
  F(int, gpiod_line_get_value, (struct gpiod_line * line), (line), -1)                             \
  F(int, gpiod_line_set_value, (struct gpiod_line * line, int value), (line, value), -1)           \
  F(int, gpiod_line_event_wait, (struct gpiod_line * line, const struct timespec *timeout),        \
    (line, timeout), -1)                                                                           \
  F(int, gpiod_line_event_read, (struct gpiod_line * line, struct gpiod_line_event * event),       \
    (line, event), -1)                                                                             \
  F(int, gpiod_line_event_get_fd, (struct gpiod_line * line), (line), -1)

LAZYLIB_DEFINE(lazy_gpiod, "libgpiod.so.2", "libgpiod2", GPIOD_FNS)
