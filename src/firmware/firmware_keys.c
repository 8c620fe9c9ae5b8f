/* Configuration keys of the firmware module (its table is handed to the
 * registry, see config/config_tables.h). */
#include <stdio.h>
#include <string.h>

#include "config/config_tables.h"

static const cfg_key_def rows[] = {
    {"firmware.install_command", CFG_STRING, "", 0, 400, NULL, CFG_FILE_ONLY,
     "Command that installs a downloaded firmware image, run with /bin/sh; {file} is the image "
     "path (e.g. `rauc install {file}`). Empty: the simulator's install (the image's first line "
     "must be `borne-sim-firmware VERSION`). It runs as the station, so only the configuration "
     "file (or --set) sets it, never the API or OCPP.",
     "a shell command", NULL},
    {"firmware.ca_file", CFG_STRING, "", 0, 400, NULL, true,
     "PEM file of the manufacturer root certificate(s) that must have issued the signing "
     "certificate of a signed firmware update (OCPP SignedUpdateFirmware, the web page's upload). "
     "Empty: no image is installed, unless firmware.allow_unsigned (then the signature is "
     "checked against the certificate sent with it only).",
     "absolute path", config_check_abs_or_empty},
    {"firmware.allow_unsigned", CFG_BOOL, "false", 0, 0, NULL, CFG_FILE_ONLY,
     "Install firmware images whose origin is not checked: unsigned ones (OCPP UpdateFirmware) "
     "and signed ones when firmware.ca_file is empty (any self-made certificate would pass). "
     "false: such images are refused, only a signature by a certificate the manufacturer root "
     "issued is installed. An installer's decision: the configuration file (or --set) only, "
     "never the API or OCPP.",
     NULL, NULL},
    {0},
};

const cfg_key_table firmware_keys = {"firmware", rows, NULL};
