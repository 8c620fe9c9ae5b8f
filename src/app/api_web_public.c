/*
 * The public connector page's data (no login): GET
 * /api/v1/public/connectors/{n} and the ad hoc payment QR code.
 */
#include "app/api_json.h"
#include "app/api_web.h"

void api_web_public_routes(web_ctx *w) { (void)w; }
