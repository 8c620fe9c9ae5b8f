/*
 * Configuration keys of the ocmf module (its table is handed to the
 * registry, see config/config_tables.h): signed meter data in the Open
 * Charge Metering Format (docs/metering.md, "Signed meter data (OCMF)").
 */
#include <stdio.h>
#include <string.h>

#include "config/config_tables.h"

/* Text that goes verbatim into a signed OCMF payload: printable, no quote,
 * backslash or '|' (the OCMF section separator), at most 64 characters. */
static int check_ocmf_text(const char *v, char *why, size_t len) {
  if (strlen(v) > 64) {
    snprintf(why, len, "`%s`: at most 64 characters", v);
    return -1;
  }
  for (const unsigned char *p = (const unsigned char *)v; *p; p++)
    if (*p < 0x20 || *p == 0x7f || *p == '"' || *p == '\\' || *p == '|') {
      snprintf(why, len, "`%s` must not contain quotes, backslashes, '|' or control characters", v);
      return -1;
    }
  return 0;
}

static const cfg_key_def rows[] = {
    {"ocmf.enabled", CFG_BOOL, "true", 0, 0, NULL, false,
     "Sign the meter readings of each session (begin, end, on demand) as OCMF records with the "
     "station key.",
     NULL, NULL},
    {"ocmf.key_file", CFG_STRING, "", 0, 400, NULL, false,
     "Installer-provided PEM private key (EC secp256r1) to sign with; empty: "
     "DATA_DIR/ocmf-key.pem, generated at its first use (mode 0600).",
     "absolute path or empty", config_check_abs_or_empty},
    {"ocmf.gateway_id", CFG_STRING, "", 0, 64, NULL, false,
     "OCMF GI (maker and model of the signing system); empty: station.vendor and station.model.",
     "text without \" \\ |", check_ocmf_text},
    {"ocmf.gateway_serial", CFG_STRING, "", 0, 64, NULL, false,
     "OCMF GS (serial number of the signing system); empty: station.serial, else station.id.",
     "text without \" \\ |", check_ocmf_text},
    {"meter.*.serial_number", CFG_STRING, "", 0, 64, NULL, false,
     "Serial number printed on meter NAME, signed as OCMF MS; empty: the meter's name.",
     "text without \" \\ |", check_ocmf_text},
    {"meter.*.firmware", CFG_STRING, "", 0, 64, NULL, false,
     "Firmware version of meter NAME, signed as OCMF MF; empty: left out.", "text without \" \\ |",
     check_ocmf_text},
    {0},
};

const cfg_key_table ocmf_keys = {"ocmf", rows, NULL};
