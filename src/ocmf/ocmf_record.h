/*
 * OCMF record builder: the text `OCMF|{payload}|{signature}` of the S.A.F.E.
 * Open Charge Metering Format, revision 1.2 (OCMF-en.md of
 * github.com/SAFE-eV/OCMF-Open-Charge-Metering-Format; the table numbers
 * below are that document's).
 *
 * Pure: the caller passes every value, times included (no clock is read);
 * only ocmf_record_sign() touches a key. The payload is emitted without
 * white space in a fixed field order, because the signature covers the
 * payload bytes exactly as emitted (section "Payload Data Section").
 */
#ifndef BORNE_OCMF_OCMF_RECORD_H
#define BORNE_OCMF_OCMF_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ocmf/ocmf_key.h"

#define OCMF_FORMAT_VERSION "1.0"
#define OCMF_SIGNATURE_ALGORITHM "ECDSA-secp256r1-SHA256"
#define OCMF_PAYLOAD_MAX 2048
#define OCMF_RECORD_MAX (OCMF_PAYLOAD_MAX + 256)
#define OCMF_MAX_READINGS 4

/* One reading (Table 7). */
typedef struct {
  int64_t time_ms;   /* epoch milliseconds of the reading */
  int tz_offset_min; /* local offset from UTC in minutes (+60 for +0100) */
  char time_status;  /* Table 19: 'U' unsynchronized, 'I' info clock, 'S' synchronized */
  char tx;           /* Table 7 TX: 'B' begin, 'C' charging, 'E' end, ... */
  double value_wh;   /* import register in Wh; emitted as kWh with 3 decimals */
  char status;       /* Table 10: 'G' meter OK */
} ocmf_reading;

typedef struct {
  const char *gateway_id;      /* GI: maker and model of the signing system */
  const char *gateway_serial;  /* GS */
  const char *gateway_version; /* GV: its software version */
  uint64_t pagination;         /* PG: transaction context, "T<n>" */
  const char *meter_vendor;    /* MV (NULL: omitted) */
  const char *meter_model;     /* MM (NULL: omitted) */
  const char *meter_serial;    /* MS (1..1: "" when unknown) */
  const char *meter_firmware;  /* MF (NULL: omitted) */
  const char *id_data;         /* ID: badge UID (hex); NULL or "": no user assigned */
  const char *id_flag;         /* IF single flag; NULL: RFID_PLAIN with a UID, else RFID_NONE */
  const char *cp_type;         /* CT: Table 18 "EVSEID" or "CBIDC" (NULL: CT, CI omitted) */
  const char *cp_id;           /* CI */
  ocmf_reading readings[OCMF_MAX_READINGS];
  int reading_count; /* 1..OCMF_MAX_READINGS */
} ocmf_payload;

/* Table 17 type of a badge UID: ISO14443 for 4 or 7 bytes of hex, ISO15693
 * for 8 bytes, UNDEFINED otherwise, NONE for no UID. */
const char *ocmf_id_type(const char *uid);

/* The time field of a reading: "2018-07-24T13:22:04,000+0200 S". */
int ocmf_format_time(int64_t time_ms, int tz_offset_min, char status, char *out, size_t outlen);

/* The payload JSON. Returns its length, or -1 with a reason in err (a
 * string with a control character, '|' or a quote, a value out of range,
 * no reading, a buffer too small). */
int ocmf_payload_build(const ocmf_payload *p, char *out, size_t outlen, char *err, size_t errlen);

/* The whole record: "OCMF|" payload "|{"SA":"ECDSA-secp256r1-SHA256","SD":"<hex>"}".
 * Returns its length or -1 with err. */
int ocmf_record_sign(const ocmf_payload *p, const ocmf_key *k, char *out, size_t outlen, char *err,
                     size_t errlen);

/* Split a record into its payload and its signature's SD (hex), pointing
 * into a copy in buf; -1 when it is not OCMF|...|{...} with an SD. For
 * tests and for verifying records read back. */
int ocmf_record_split(const char *record, char *buf, size_t buflen, const char **payload,
                      const char **sig_hex);

#endif
