/*
 * Configuration keys of the Modbus server (modbus_server.*, see
 * docs/modbus-server.md): where it listens, who may write, and the
 * fail-safe of the current setpoints. Data and pure shape checks only.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_tables.h"
#include "util/errbuf.h"

/* HOST:PORT: a host name or IPv4 address, a port 0..65535 (0: any free
 * port, the one bound is logged). */
static int check_listen(const char *v, char *why, size_t len) {
  const char *colon = strrchr(v, ':');
  if (!colon || colon == v) return errbuf_fail(why, len, "`%s`: HOST:PORT, e.g. 0.0.0.0:502", v);
  for (const char *p = v; p < colon; p++)
    if (!isalnum((unsigned char)*p) && *p != '.' && *p != '-')
      return errbuf_fail(why, len, "`%s`: bad character in the host", v);
  char *end;
  long port = strtol(colon + 1, &end, 10);
  if (!colon[1] || *end || port < 0 || port > 65535)
    return errbuf_fail(why, len, "`%s`: the port must be 0..65535", v);
  return 0;
}

/* Comma-separated IPv4 addresses. */
static int check_allow(const char *v, char *why, size_t len) {
  for (const char *p = v; *p; p++)
    if (!isdigit((unsigned char)*p) && *p != '.' && *p != ',' && *p != ' ')
      return errbuf_fail(why, len, "`%s`: comma-separated IPv4 addresses", v);
  return 0;
}

static int check_dev(const char *v, char *why, size_t len) {
  if (v[0] && (v[0] != '/' || strstr(v, "..")))
    return errbuf_fail(why, len, "`%s`: a serial device path such as /dev/ttyUSB0", v);
  return 0;
}

static const cfg_key_def rows[] = {
    {"modbus_server.listen", CFG_STRING, NULL, 0, 270, NULL, false,
     "Modbus TCP server of the station (docs/modbus-server.md): the address and port it "
     "listens on (port 502 is the standard one; 0: any free port, logged); unset: no server.",
     "HOST:PORT", check_listen},
    {"modbus_server.rtu_port", CFG_STRING, NULL, 0, 255, NULL, false,
     "Serial device of the Modbus RTU slave (docs/modbus-server.md): the same register map "
     "on an RS-485 line, unit modbus_server.unit_id; unset: no RTU slave.",
     "/dev/...", check_dev},
    {"modbus_server.rtu_baud", CFG_INT, "9600", 0, 0,
     "1200|2400|4800|9600|19200|38400|57600|115200", false,
     "Baud rate of the RTU slave's serial line (8 data bits).", NULL, NULL},
    {"modbus_server.rtu_parity", CFG_ENUM, "E", 0, 0, "N|E|O", false,
     "Parity of the RTU slave's serial line: N (none), E (even, the Modbus default) or O "
     "(odd); one stop bit.",
     NULL, NULL},
    {"modbus_server.rtu_writes", CFG_BOOL, "false", 0, 0, NULL, false,
     "Whether a master on the RTU line may write registers (setpoints, enable, fail-safe): "
     "a serial line has no client address to check; false: reads only.",
     NULL, NULL},
    {"modbus_server.unit_id", CFG_INT, "1", 1, 247, NULL, false,
     "Modbus unit id (slave address) the server answers; requests to another unit are "
     "ignored (0 and 255 are always answered on TCP).",
     NULL, NULL},
    {"modbus_server.allow", CFG_STRING, "", 0, 400, NULL, false,
     "Client addresses allowed to write registers (setpoints, enable, fail-safe); empty: "
     "nobody writes, every client may read.",
     "IPv4 addresses, comma-separated", check_allow},
    {"modbus_server.failsafe_a", CFG_NUMBER, "6", 0, 80, NULL, false,
     "Current per phase a connector's Modbus setpoint drops to when no client renews it "
     "within modbus_server.failsafe_s (0: stop charging).",
     NULL, NULL},
    {"modbus_server.failsafe_s", CFG_INT, "60", 0, 3600, NULL, false,
     "Seconds a Modbus current setpoint holds without being written again; 0: it holds "
     "until changed.",
     NULL, NULL},
    {NULL},
};

const cfg_key_table modbus_server_keys = {"modbus_server", rows, NULL};
