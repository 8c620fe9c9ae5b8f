/*
 * The setup button's decision (network.ap_button, docs/network.md): which
 * level changes are presses that open the setup access point. Pure: the
 * caller gives each level with the time it saw it (the station's clock in
 * borned, a virtual clock in tests/unit/test_network_button.c).
 */
#ifndef BORNE_NETWORK_NETWORK_BUTTON_H
#define BORNE_NETWORK_NETWORK_BUTTON_H

#include <stdbool.h>

#include "core/types.h"

/* Presses closer than this to the one that opened the access point are the
 * same press (contact bounce, an impatient finger): one request, not a queue. */
#define NET_AP_BUTTON_REPEAT_MS 2000

typedef struct {
  bool known; /* a level was seen (the first one is the level at start-up) */
  bool down;  /* the last level */
  bool used;  /* a press opened the access point at `at` */
  borne_ms at;
} net_ap_button;

/* The button reads `pressed` at `now`: true when this is a press (released →
 * pressed, not the level at start-up, not within NET_AP_BUTTON_REPEAT_MS of the
 * press that last opened the access point) that opens it. */
bool net_ap_button_level(net_ap_button *b, bool pressed, borne_ms now);

#endif
