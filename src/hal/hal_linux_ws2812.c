/*
 * WS2812 strip on spidev (see hal_linux_ws2812.h).
 */
#include "hal/hal_linux_ws2812.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/spi/spidev.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

int lx_strip_open(lx_strip *s, const char *path, char *err, size_t errlen) {
  memset(s, 0, sizeof *s);
  snprintf(s->path, sizeof s->path, "%s", path);
  s->fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
  if (s->fd < 0) {
    snprintf(err, errlen, "cannot open SPI device %s: %s", path, strerror(errno));
    return -1;
  }
  uint8_t mode = SPI_MODE_0, bits = 8;
  uint32_t hz = WS2812_SPI_HZ;
  if (ioctl(s->fd, SPI_IOC_WR_MODE, &mode) != 0 || ioctl(s->fd, SPI_IOC_WR_BITS_PER_WORD, &bits) ||
      ioctl(s->fd, SPI_IOC_WR_MAX_SPEED_HZ, &hz) != 0) {
    if (errno != ENOTTY && errno != EINVAL) { /* not a spidev (a test's file): bytes only */
      snprintf(err, errlen, "cannot set SPI device %s to %u Hz: %s", path, hz, strerror(errno));
      close(s->fd);
      s->fd = -1;
      return -1;
    }
  }
  return 0;
}

static int render(lx_strip *s, uint64_t now, char *err, size_t errlen);

static void on_step(uv_timer_t *t) {
  lx_strip *s = t->data;
  char err[300];
  render(s, uv_now(s->loop), err, sizeof err); /* a failure stays in s->error */
}

/* The step timer runs only while some LED blinks or breathes. */
static void schedule(lx_strip *s, bool animated) {
  if (!s->timer_init) return;
  bool active = uv_is_active((uv_handle_t *)&s->timer);
  if (animated && !active) uv_timer_start(&s->timer, on_step, WS2812_STEP_MS, WS2812_STEP_MS);
  if (!animated && active) uv_timer_stop(&s->timer);
}

static int render(lx_strip *s, uint64_t now, char *err, size_t errlen) {
  if (s->count == 0) return 0; /* no LED shown yet */
  uint32_t rgb[WS2812_MAX_LEDS] = {0};
  bool animated = false;
  for (int i = 0; i < s->count; i++) {
    const led_look *l = s->look[i];
    bool dark = !l || strcmp(l->colour, "off") == 0;
    rgb[i] =
        dark ? 0 : ws2812_scale(l->rgb, ws2812_level(l->pattern, (borne_ms)(now - s->since[i])));
    animated |= !dark && l->pattern != LED_STEADY;
  }
  uint8_t frame[WS2812_FRAME_MAX];
  size_t len = ws2812_encode(rgb, (size_t)s->count, frame, sizeof frame);
  schedule(s, animated);
  if (len == s->frame_len && memcmp(frame, s->frame, len) == 0) return 0;
  ssize_t w = s->fd >= 0 ? write(s->fd, frame, len) : -1;
  if (w != (ssize_t)len) {
    snprintf(err, errlen, "cannot write %zu bytes to %s: %s", len, s->path,
             w < 0 ? strerror(errno) : "short write");
    snprintf(s->error, sizeof s->error, "%s", err);
    s->frame_len = 0;
    return -1;
  }
  memcpy(s->frame, frame, len);
  s->frame_len = len;
  s->writes++;
  return 0;
}

int lx_strip_set(lx_strip *s, int index, const led_look *look, uint64_t now, char *err,
                 size_t errlen) {
  if (index < 0 || index >= WS2812_MAX_LEDS) {
    snprintf(err, errlen, "LED index %d out of 0..%d", index, WS2812_MAX_LEDS - 1);
    return -1;
  }
  if (index >= s->count) s->count = index + 1;
  if (s->look[index] == look && s->frame_len) return 0;
  s->look[index] = look;
  s->since[index] = now;
  return render(s, now, err, errlen);
}

void lx_strip_attach(lx_strip *s, uv_loop_t *loop) {
  if (loop && !s->timer_init) {
    s->loop = loop;
    uv_timer_init(loop, &s->timer);
    s->timer.data = s;
    s->timer_init = true;
    char err[300];
    render(s, uv_now(loop), err, sizeof err); /* starts the steps if something blinks */
  } else if (!loop && s->timer_init) {
    uv_timer_stop(&s->timer);
    uv_close((uv_handle_t *)&s->timer, NULL);
    s->timer_init = false;
    s->loop = NULL;
  }
}

void lx_strip_close(lx_strip *s) {
  if (s->fd < 0) return;
  for (int i = 0; i < s->count; i++) s->look[i] = NULL;
  char err[300];
  render(s, 0, err, sizeof err);
  close(s->fd);
  s->fd = -1;
}
