/* Configuration keys of the ocmf module (see config_tables.h). */
#include "config/config_tables.h"

const cfg_key_def config_keys_ocmf[] = {
    {0},
};
