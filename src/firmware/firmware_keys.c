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
    {"firmware.installer", CFG_ENUM, "command", 0, 0, "command|rauc", CFG_FILE_ONLY,
     "Who installs a firmware image. command: firmware.install_command (or the simulator's "
     "install). rauc: RAUC on an A/B layout (`rauc install` into the other slot, then "
     "firmware.reboot_command); the new firmware is marked good (`rauc status mark-good`) only "
     "once the station reaches Available (and, with firmware.confirm_backend, its back end "
     "accepted it) within firmware.confirm_timeout_s, else it is marked bad and the station "
     "reboots into the previous one, which reports InstallationFailed and the security event "
     "FirmwareRolledBack. Configuration file (or --set) only.",
     NULL, NULL},
    {"firmware.rauc_conf", CFG_STRING, "", 0, 400, NULL, CFG_FILE_ONLY,
     "RAUC's system.conf, passed as `rauc --conf=FILE` (firmware.installer rauc). Empty: RAUC's "
     "default (/etc/rauc/system.conf).",
     "absolute path", config_check_abs_or_empty},
    {"firmware.confirm_backend", CFG_BOOL, "false", 0, 0, NULL, CFG_FILE_ONLY,
     "firmware.installer rauc: a new firmware is good only once its OCPP back end also accepted "
     "its BootNotification (not only Available). Configuration file (or --set) only.",
     NULL, NULL},
    {"firmware.confirm_timeout_s", CFG_INT, "600", 30, 86400, NULL, CFG_FILE_ONLY,
     "firmware.installer rauc: seconds a new firmware has after its start to prove itself "
     "(Available, and accepted by its back end with firmware.confirm_backend) before it is "
     "marked bad and the station reboots into the previous one.",
     "seconds", NULL},
    {"firmware.reboot_command", CFG_STRING, "systemctl reboot", 0, 400, NULL, CFG_FILE_ONLY,
     "firmware.installer rauc: command run with /bin/sh to boot into the other slot after an "
     "install or a roll-back. Empty: the station only restarts itself (tests; a supervisor that "
     "reboots). Configuration file (or --set) only.",
     "a shell command", NULL},
    {0},
};

const cfg_key_table firmware_keys = {"firmware", rows, NULL};
