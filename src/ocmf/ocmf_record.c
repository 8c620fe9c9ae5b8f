/* OCMF record builder (see ocmf_record.h). */
#include "ocmf/ocmf_record.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util/errbuf.h"

typedef struct {
  char *p;
  size_t cap, len;
  bool overflow;
} sbuf;

static void put(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(sbuf *b, const char *fmt, ...) {
  if (b->overflow) return;
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
  va_end(ap);
  if (n < 0 || (size_t)n >= b->cap - b->len) {
    b->overflow = true;
    return;
  }
  b->len += (size_t)n;
}

/* A JSON string value we emit verbatim: no quote, backslash, control
 * character, and no '|' (the section separator may not appear inside a
 * section, "JSON based OCMF Format"). */
static bool plain(const char *s) {
  for (const unsigned char *p = (const unsigned char *)s; *p; p++)
    if (*p < 0x20 || *p == 0x7f || *p == '"' || *p == '\\' || *p == '|') return false;
  return strlen(s) <= 250;
}

static bool hex_only(const char *s) {
  for (; *s; s++)
    if (!((*s >= '0' && *s <= '9') || (*s >= 'A' && *s <= 'F') || (*s >= 'a' && *s <= 'f')))
      return false;
  return true;
}

const char *ocmf_id_type(const char *uid) {
  if (!uid || !uid[0]) return "NONE";
  size_t n = strlen(uid);
  if (!hex_only(uid)) return "UNDEFINED";
  if (n == 8 || n == 14) return "ISO14443"; /* 4 or 7 bytes (Table 17) */
  if (n == 16) return "ISO15693";           /* 8 bytes */
  return "UNDEFINED";
}

int ocmf_format_time(int64_t time_ms, int tz_offset_min, char status, char *out, size_t outlen) {
  if (time_ms < 0 || tz_offset_min < -24 * 60 || tz_offset_min > 24 * 60 ||
      !strchr("UISR", status) || !status)
    return -1;
  time_t local = (time_t)(time_ms / 1000) + (time_t)tz_offset_min * 60;
  struct tm tm;
  if (!gmtime_r(&local, &tm) || tm.tm_year + 1900 > 9999) return -1;
  int off = tz_offset_min < 0 ? -tz_offset_min : tz_offset_min;
  /* ISO 8601 with milliseconds after a comma and a +hhmm zone (Table 7, TM). */
  int n =
      snprintf(out, outlen, "%04d-%02d-%02dT%02d:%02d:%02d,%03d%c%02d%02d %c", tm.tm_year + 1900,
               tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(time_ms % 1000),
               tz_offset_min < 0 ? '-' : '+', off / 60, off % 60, status);
  return n > 0 && (size_t)n < outlen ? 0 : -1;
}

static bool str_ok(const char *s) { return !s || plain(s); }

int ocmf_payload_build(const ocmf_payload *p, char *out, size_t outlen, char *err, size_t errlen) {
  const char *fields[] = {p->gateway_id,     p->gateway_serial, p->gateway_version,
                          p->meter_vendor,   p->meter_model,    p->meter_serial,
                          p->meter_firmware, p->id_data,        p->id_flag,
                          p->cp_type,        p->cp_id};
  for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
    if (!str_ok(fields[i]))
      return errbuf_fail(err, errlen,
                         "OCMF: field text `%s` has a quote, backslash, '|' or control "
                         "character, or is longer than 250",
                         fields[i]);
  if (p->reading_count < 1 || p->reading_count > OCMF_MAX_READINGS)
    return errbuf_fail(err, errlen, "OCMF: %s", "a record needs 1 to 4 readings");
  if (p->pagination == 0) return errbuf_fail(err, errlen, "OCMF: %s", "pagination starts at 1");
  bool user = p->id_data && p->id_data[0];
  sbuf b = {out, outlen, 0, false};
  if (!outlen) return errbuf_fail(err, errlen, "OCMF: %s", "no buffer");
  out[0] = '\0';
  /* Field order: the sections of the specification in turn (general,
   * pagination, meter, user assignment, charge point, readings), as in its
   * example (Figure 1). */
  put(&b, "{\"FV\":\"%s\"", OCMF_FORMAT_VERSION);
  if (p->gateway_id) put(&b, ",\"GI\":\"%s\"", p->gateway_id);
  if (p->gateway_serial) put(&b, ",\"GS\":\"%s\"", p->gateway_serial);
  if (p->gateway_version) put(&b, ",\"GV\":\"%s\"", p->gateway_version);
  put(&b, ",\"PG\":\"T%llu\"", (unsigned long long)p->pagination);
  if (p->meter_vendor) put(&b, ",\"MV\":\"%s\"", p->meter_vendor);
  if (p->meter_model) put(&b, ",\"MM\":\"%s\"", p->meter_model);
  put(&b, ",\"MS\":\"%s\"", p->meter_serial ? p->meter_serial : "");
  if (p->meter_firmware) put(&b, ",\"MF\":\"%s\"", p->meter_firmware);
  /* User assignment (Table 4, 11, 13, 17): a badge UID read by the station's
   * reader is an unsecured assignment, HEARSAY with RFID_PLAIN. */
  put(&b, ",\"IS\":%s,\"IL\":\"%s\",\"IF\":[\"%s\"],\"IT\":\"%s\"", user ? "true" : "false",
      user ? "HEARSAY" : "NONE", p->id_flag ? p->id_flag : (user ? "RFID_PLAIN" : "RFID_NONE"),
      ocmf_id_type(p->id_data));
  if (user) put(&b, ",\"ID\":\"%s\"", p->id_data);
  if (p->cp_type && p->cp_id) put(&b, ",\"CT\":\"%s\",\"CI\":\"%s\"", p->cp_type, p->cp_id);
  put(&b, ",\"RD\":[");
  for (int i = 0; i < p->reading_count; i++) {
    const ocmf_reading *r = &p->readings[i];
    char tm[48];
    if (ocmf_format_time(r->time_ms, r->tz_offset_min, r->time_status, tm, sizeof tm) != 0)
      return errbuf_fail(err, errlen, "OCMF: %s", "reading time or time status out of range");
    if (!r->tx || !strchr("BCXELRAPST", r->tx))
      return errbuf_fail(err, errlen, "OCMF: %s", "reading TX must be one of B C X E L R A P S T");
    if (!r->status || !strchr("NGTDRMXIOSEF", r->status))
      return errbuf_fail(err, errlen, "OCMF: %s", "reading status must be a letter of Table 10");
    if (!isfinite(r->value_wh) || r->value_wh < 0 || r->value_wh > 1e15)
      return errbuf_fail(err, errlen, "OCMF: %s", "reading value out of range");
    /* The import register in kWh with Wh resolution: integer arithmetic, so
     * the text is exact and independent of float printing (RV, Table 7). */
    long long wh = llround(r->value_wh);
    put(&b,
        "%s{\"TM\":\"%s\",\"TX\":\"%c\",\"RV\":%lld.%03lld,\"RI\":\"1-b:1.8.0\",\"RU\":\"kWh\","
        "\"RT\":\"AC\",\"ST\":\"%c\"}",
        i ? "," : "", tm, r->tx, wh / 1000, wh % 1000, r->status);
  }
  put(&b, "]}");
  if (b.overflow) return errbuf_fail(err, errlen, "OCMF: %s", "payload longer than the buffer");
  return (int)b.len;
}

int ocmf_record_sign(const ocmf_payload *p, const ocmf_key *k, char *out, size_t outlen, char *err,
                     size_t errlen) {
  char payload[OCMF_PAYLOAD_MAX];
  int n = ocmf_payload_build(p, payload, sizeof payload, err, errlen);
  if (n < 0) return -1;
  char sig[OCMF_SIG_HEX_MAX];
  if (ocmf_key_sign(k, payload, (size_t)n, sig, sizeof sig, err, errlen) != 0) return -1;
  int m = snprintf(out, outlen, "OCMF|%s|{\"SA\":\"%s\",\"SD\":\"%s\"}", payload,
                   OCMF_SIGNATURE_ALGORITHM, sig);
  if (m < 0 || (size_t)m >= outlen)
    return errbuf_fail(err, errlen, "OCMF: %s", "record buffer too small");
  return m;
}

int ocmf_record_split(const char *record, char *buf, size_t buflen, const char **payload,
                      const char **sig_hex) {
  size_t n = strlen(record);
  if (n + 1 > buflen || strncmp(record, "OCMF|", 5) != 0) return -1;
  memcpy(buf, record, n + 1);
  char *pl = buf + 5;
  char *bar = strchr(pl, '|');
  if (!bar || bar == pl || strchr(bar + 1, '|')) return -1;
  *bar = '\0';
  char *sig = bar + 1;
  char *sd = strstr(sig, "\"SD\":\"");
  if (sig[0] != '{' || !sd) return -1;
  sd += 6;
  char *end = strchr(sd, '"');
  if (!end || end == sd) return -1;
  *end = '\0';
  *payload = pl;
  *sig_hex = sd;
  return 0;
}
