/*
 * GPIO provider of the Linux back end on libgpiod v1.6 (the kernel's GPIO
 * character device; sysfs GPIO is deprecated). Inputs are requested with
 * both-edge events so the loop watches their fd with uv_poll: no polling.
 * Must never block: events are read only when the fd is readable, with a
 * zero timeout. A leading '!' in a spec requests the line active-low, so a
 * board with inverting opto-couplers still reads 1 as "closed / tripped".
 */
#include <errno.h>
#include <gpiod.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hal/hal_linux.h"

struct gpio_line {
  struct gpiod_chip *chip;
  struct gpiod_line *line;
};

/* "[!]gpiochipN:LINE" -> chip name, line offset, active-low flag. */
static int parse_spec(const char *spec, char *chip, size_t len, unsigned *offset,
                      bool *active_low) {
  *active_low = spec[0] == '!';
  if (*active_low) spec++;
  const char *colon = strrchr(spec, ':');
  if (!colon || colon == spec || (size_t)(colon - spec) >= len || strchr(spec, '/')) return -1;
  char *end;
  unsigned long off = strtoul(colon + 1, &end, 10);
  if (*end || end == colon + 1 || off > 1023) return -1;
  memcpy(chip, spec, (size_t)(colon - spec));
  chip[colon - spec] = '\0';
  *offset = (unsigned)off;
  return 0;
}

static gpio_line *open_line(const char *dev_root, const char *spec, bool output, int initial,
                            int *fd, char *err, size_t errlen) {
  char chip_name[64], path[400];
  unsigned offset;
  bool active_low;
  if (parse_spec(spec, chip_name, sizeof chip_name, &offset, &active_low)) {
    snprintf(err, errlen, "`%s` is not gpiochipN:LINE", spec);
    return NULL;
  }
  snprintf(path, sizeof path, "%s/%s", dev_root, chip_name);
  gpio_line *l = calloc(1, sizeof *l);
  if (!l) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  l->chip = gpiod_chip_open(path);
  if (!l->chip) {
    snprintf(err, errlen, "cannot open %s line %u: %s", chip_name, offset, strerror(errno));
    free(l);
    return NULL;
  }
  int flags = active_low ? GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW : 0;
  l->line = gpiod_chip_get_line(l->chip, offset);
  int rc = -1;
  if (l->line) {
    rc = output ? gpiod_line_request_output_flags(l->line, "borne", flags, initial)
                : gpiod_line_request_both_edges_events_flags(l->line, "borne", flags);
  }
  if (rc != 0) {
    snprintf(err, errlen, "cannot request %s line %u (%s): %s", chip_name, offset, path,
             strerror(errno));
    gpiod_chip_close(l->chip);
    free(l);
    return NULL;
  }
  if (fd) *fd = gpiod_line_event_get_fd(l->line);
  return l;
}

static gpio_line *gpiod_open_output(void *ctx, const char *dev_root, const char *spec, int initial,
                                    char *err, size_t errlen) {
  (void)ctx;
  return open_line(dev_root, spec, true, initial, NULL, err, errlen);
}

static gpio_line *gpiod_open_input(void *ctx, const char *dev_root, const char *spec, int *fd,
                                   char *err, size_t errlen) {
  (void)ctx;
  return open_line(dev_root, spec, false, 0, fd, err, errlen);
}

static int gpiod_set(gpio_line *l, int value) { return gpiod_line_set_value(l->line, value); }
static int gpiod_get(gpio_line *l) { return gpiod_line_get_value(l->line); }

static int gpiod_read_events(gpio_line *l) {
  struct gpiod_line_event ev;
  struct timespec zero = {0, 0};
  /* Drain every queued edge: only the level after them matters. */
  while (gpiod_line_event_wait(l->line, &zero) == 1) {
    if (gpiod_line_event_read(l->line, &ev) != 0) break;
  }
  return gpiod_line_get_value(l->line);
}

static void gpiod_close(gpio_line *l) {
  if (!l) return;
  gpiod_line_release(l->line);
  gpiod_chip_close(l->chip);
  free(l);
}

static const gpio_provider provider = {
    .open_output = gpiod_open_output,
    .open_input = gpiod_open_input,
    .set = gpiod_set,
    .get = gpiod_get,
    .read_events = gpiod_read_events,
    .close = gpiod_close,
};

const gpio_provider *gpio_provider_gpiod(void) { return &provider; }
