/*
 * The LED class driver of the Linux back end (see hal_linux_leds.h). Writes
 * small sysfs attributes only when the look changes; never sleeps, never
 * blinks from the loop.
 */
#include "hal/hal_linux_leds.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* Kernel trigger timings per pattern (docs/leds.md: slow blink about 1 s on,
 * 1 s off; flash3 short flashes for the ~3 s the state lasts; pulse a 2 s
 * breathing, or a 500 ms blink where the pattern trigger is missing). */
typedef struct {
  unsigned on_ms, off_ms; /* timer trigger; 0/0: steady */
  bool breathe;           /* pattern trigger first */
} pattern_timing;

static pattern_timing timing_of(led_pattern p) {
  switch (p) {
  case LED_SLOW_BLINK:
    return (pattern_timing){1000, 1000, false};
  case LED_FAST_BLINK:
    return (pattern_timing){250, 250, false};
  case LED_FLASH3:
    return (pattern_timing){150, 150, false};
  case LED_PULSE:
    return (pattern_timing){500, 500, true};
  default:
    return (pattern_timing){0, 0, false};
  }
}

static int write_attr(const char *dir, const char *attr, const char *text, char *err,
                      size_t errlen) {
  char path[480];
  snprintf(path, sizeof path, "%s/%s", dir, attr);
  FILE *f = fopen(path, "w");
  int ok = f && fputs(text, f) >= 0;
  if (f) ok = (fclose(f) == 0) && ok;
  if (!ok) {
    snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
    return -1;
  }
  return 0;
}

static int read_attr(const char *dir, const char *attr, char *out, size_t len) {
  char path[480];
  snprintf(path, sizeof path, "%s/%s", dir, attr);
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  size_t n = fread(out, 1, len - 1, f);
  fclose(f);
  out[n] = '\0';
  return 0;
}

static int open_one(const char *root, const char *name, size_t n, lx_led *led, int i, char *err,
                    size_t errlen) {
  if (n == 0 || n > 100 || memchr(name, '/', n) || (n <= 2 && strncmp(name, "..", n) == 0)) {
    snprintf(err, errlen, "LED `%.*s`: not an LED name of %s/class/leds", (int)n, name, root);
    return -1;
  }
  snprintf(led->dir[i], sizeof led->dir[i], "%s/class/leds/%.*s", root, (int)n, name);
  char text[32];
  unsigned max = 0;
  if (read_attr(led->dir[i], "max_brightness", text, sizeof text) != 0 ||
      sscanf(text, "%u", &max) != 1 || max == 0) {
    snprintf(err, errlen, "LED `%.*s`: cannot read %s/max_brightness: %s", (int)n, name,
             led->dir[i], errno ? strerror(errno) : "not a number");
    return -1;
  }
  led->max[i] = max;
  return 0;
}

int lx_led_open(const char *sysfs_root, const char *spec, lx_led *out, char *err, size_t errlen) {
  memset(out, 0, sizeof *out);
  const char *p = spec;
  int parts = 0;
  bool whole = false; /* every name of the spec was taken */
  while (parts < LX_LED_MAX_PARTS) {
    size_t n = strcspn(p, ",");
    errno = 0;
    if (open_one(sysfs_root, p, n, out, parts, err, errlen) != 0) return -1;
    parts++;
    if (!p[n]) {
      whole = true;
      break;
    }
    p += n + 1;
  }
  if (!whole || (parts != 1 && parts != 3)) {
    snprintf(err, errlen, "LED `%s`: one LED name, or three (red,green,blue)", spec);
    return -1;
  }
  out->parts = parts;
  char index[200];
  if (parts == 1 && read_attr(out->dir[0], "multi_index", index, sizeof index) == 0) {
    out->multi = true;
    /* "red green blue", in the driver's order (any order, maybe more colours) */
    char *save = NULL;
    for (char *w = strtok_r(index, " \t\n", &save); w && out->channels < 8;
         w = strtok_r(NULL, " \t\n", &save))
      out->channel[out->channels++] = strcmp(w, "red") == 0     ? 'r'
                                      : strcmp(w, "green") == 0 ? 'g'
                                      : strcmp(w, "blue") == 0  ? 'b'
                                                                : 0;
    if (out->channels == 0) {
      snprintf(err, errlen, "LED `%s`: %s/multi_index lists no colour", spec, out->dir[0]);
      return -1;
    }
  }
  return 0;
}

static unsigned component(unsigned rgb, char ch, unsigned max) {
  unsigned v = ch == 'r' ? (rgb >> 16) & 0xff : ch == 'g' ? (rgb >> 8) & 0xff : rgb & 0xff;
  return (v * max + 127) / 255;
}

/* One LED class device at `level` with the pattern's trigger. */
static int drive(const char *dir, unsigned level, unsigned max, led_pattern pattern, char *err,
                 size_t errlen) {
  char text[64];
  pattern_timing t = timing_of(pattern);
  if (level == 0 || (t.on_ms == 0 && !t.breathe)) {
    /* writing 0 to brightness also clears a trigger; "none" first for a steady level */
    if (write_attr(dir, "trigger", "none", err, errlen) != 0) return -1;
    snprintf(text, sizeof text, "%u", level);
    return write_attr(dir, "brightness", text, err, errlen);
  }
  snprintf(text, sizeof text, "%u", level);
  if (write_attr(dir, "brightness", text, err, errlen) != 0) return -1;
  if (t.breathe) {
    char ignored[200];
    /* ledtrig-pattern: brightness/duration pairs, ramped in between */
    snprintf(text, sizeof text, "0 1000 %u 1000", level <= max ? level : max);
    if (write_attr(dir, "trigger", "pattern", ignored, sizeof ignored) == 0 &&
        write_attr(dir, "pattern", text, ignored, sizeof ignored) == 0 &&
        write_attr(dir, "repeat", "-1", ignored, sizeof ignored) == 0)
      return 0;
    /* no pattern trigger in this kernel: a blink instead */
  }
  if (write_attr(dir, "trigger", "timer", err, errlen) != 0) return -1;
  snprintf(text, sizeof text, "%u", t.on_ms);
  if (write_attr(dir, "delay_on", text, err, errlen) != 0) return -1;
  snprintf(text, sizeof text, "%u", t.off_ms);
  return write_attr(dir, "delay_off", text, err, errlen);
}

int lx_led_show(lx_led *led, const led_look *look, char *err, size_t errlen) {
  if (led->shown && led->shown == look) return 0;
  bool dark = !look || strcmp(look->colour, "off") == 0 || look->rgb == 0;
  unsigned rgb = dark ? 0 : look->rgb;
  led_pattern pattern = dark ? LED_STEADY : look->pattern;
  led->shown = NULL; /* until every write went through */
  if (led->parts == 3) {
    static const char order[3] = {'r', 'g', 'b'};
    for (int i = 0; i < 3; i++)
      if (drive(led->dir[i], component(rgb, order[i], led->max[i]), led->max[i], pattern, err,
                errlen) != 0)
        return -1;
  } else if (led->multi) {
    char text[128] = "";
    size_t n = 0;
    for (int i = 0; i < led->channels; i++)
      n += (size_t)snprintf(text + n, sizeof text - n, "%s%u", i ? " " : "",
                            led->channel[i] ? component(rgb, led->channel[i], led->max[0]) : 0);
    /* hue first (every element, in multi_index order), then the lightness */
    if (write_attr(led->dir[0], "multi_intensity", text, err, errlen) != 0 ||
        drive(led->dir[0], dark ? 0 : led->max[0], led->max[0], pattern, err, errlen) != 0)
      return -1;
  } else {
    /* one colour: on or off, the pattern tells the states apart */
    if (drive(led->dir[0], dark ? 0 : led->max[0], led->max[0], pattern, err, errlen) != 0)
      return -1;
  }
  led->shown = look;
  return 0;
}
