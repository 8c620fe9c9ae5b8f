/*
 * Fuzz target for every parser of the web module that reads client input:
 * Accept-Encoding, If-None-Match, Cookie, Last-Event-ID, Origin against Host,
 * Content-Type, typed setup codes, the lock-out table's address keys, the
 * role table's path matcher, peer addresses, PIN format and stored-hash parsing, SSE
 * framing of arbitrary data and the QR URL template. The input is split at
 * the first NUL into two strings. Checks invariants, not just "no crash".
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "webpage/assets.h"
#include "webpage/auth.h"
#include "webpage/pin.h"
#include "webpage/qr.h"
#include "webpage/sse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *a = malloc(size + 2);
  if (!a) return 0;
  memcpy(a, data, size);
  a[size] = a[size + 1] = '\0';
  char *b = a + strlen(a) + (strlen(a) < size ? 1 : 0);

  (void)web_accepts_gzip(a);
  (void)web_etag_matches(a, "\"0123456789abcdef\"");
  char buf[80];
  const char *v = web_cookie_value(a, "borne_session", buf, sizeof buf);
  if (v && strlen(v) >= sizeof buf) abort();
  int64_t id = web_sse_last_id(a);
  if (id < -1) abort();
  (void)web_required_role("POST", a);
  (void)web_required_role(b, a);
  (void)web_peer_is_local(a);
  /* a matching Origin is an http(s) origin; a JSON type starts so */
  if (web_origin_matches(a, b) && strncasecmp(a, "http://", 7) != 0 &&
      strncasecmp(a, "https://", 8) != 0)
    abort();
  if (web_is_json_type(a) && strncasecmp(a + strspn(a, " \t"), "application/json", 16) != 0)
    abort();
  /* a typed code that reads as a code matches its own canonical form only */
  char code[WEB_SETUP_CODE_CHARS + 1];
  if (web_setup_code_canonical(a, code) == 0 &&
      (strlen(code) != WEB_SETUP_CODE_CHARS || !web_setup_code_matches(a, code)))
    abort();
  if (web_setup_code_matches(a, b) && web_setup_code_canonical(a, code) != 0) abort();
  /* two addresses: one entry each unless they are one address */
  static web_lock_table locks;
  memset(&locks, 0, sizeof locks);
  web_lock_entry *ea = web_lock_entry_for(&locks, a, 1000);
  web_lockout_fail(&ea->role[WEB_ROLE_OWNER], 1000, 30000);
  web_lock_entry *eb = web_lock_entry_for(&locks, b, 1000);
  if (strlen(ea->addr) >= WEB_ADDR_MAX || web_lock_entry_for(&locks, a, 1001) != ea) abort();
  if ((ea == eb) != (strcmp(ea->addr, eb->addr) == 0)) abort();
  char why[128];
  (void)web_pin_check_format(a, why, sizeof why);
  /* Malformed stored hashes are refused, never read past; a small iteration
   * count only, or the fuzzer would spend its time in PBKDF2. */
  if (strncmp(a, "pbkdf2-sha256$", 14) != 0 || strtol(a + 14, NULL, 10) <= 16)
    (void)web_pin_verify("1234", a);

  char out[1024];
  int n = web_sse_format(out, sizeof out, 7, b[0] ? b : NULL, a);
  if (n >= 0) {
    /* no field can be forged: every line is "id: ", "event: ", "data: " or empty */
    for (char *line = out; *line;) {
      char *nl = strchr(line, '\n');
      if (!nl) abort();
      if (nl != line && strncmp(line, "id: ", 4) && strncmp(line, "event: ", 7) &&
          strncmp(line, "data: ", 6))
        abort();
      line = nl + 1;
    }
    if ((size_t)n != strlen(out)) abort();
  }
  char url[256];
  n = web_qr_url(a, "borne-01", 3, url, sizeof url);
  if (n >= (int)sizeof url) abort();
  free(a);
  return 0;
}
