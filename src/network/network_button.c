/* The setup button's decision (see network_button.h). */
#include "network/network_button.h"

bool net_ap_button_level(net_ap_button *b, bool pressed, borne_ms now) {
  bool first = !b->known, was = b->down;
  b->known = true;
  b->down = pressed;
  /* the level at start-up is no press: a button held or stuck then opens nothing */
  if (first || !pressed || was) return false;
  /* a clock set back is no reason to ignore presses until it catches up */
  if (b->used && now >= b->at && now - b->at < NET_AP_BUTTON_REPEAT_MS) return false;
  b->used = true;
  b->at = now;
  return true;
}
