/* hormiga-hormiguero.h — the signaling and bootstrap server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "hormiga-types.h"
#include "hormiga-server-metrics.h"

G_BEGIN_DECLS

#define HORMIGA_TYPE_HORMIGUERO (hormiga_hormiguero_get_type ())
G_DECLARE_FINAL_TYPE (HormigaHormiguero, hormiga_hormiguero, HORMIGA, HORMIGUERO, GObject)

/* Defaults; each is a property of the same name and a hormiguero option. */
#define HORMIGUERO_DEFAULT_MAX_CONNECTIONS     10000
#define HORMIGUERO_DEFAULT_HANDSHAKE_TIMEOUT   10000  /* ms */
#define HORMIGUERO_DEFAULT_PING_INTERVAL       15000  /* ms */
#define HORMIGUERO_DEFAULT_PONG_TIMEOUT        10000  /* ms */
#define HORMIGUERO_DEFAULT_RATE                50.0   /* frames per second */
#define HORMIGUERO_DEFAULT_BURST               200.0  /* frames */
#define HORMIGUERO_DEFAULT_BOOTSTRAP_SAMPLE    16

/* Everything the server does runs on @context (NULL: the thread-default
 * context at construction). Call its methods from the thread that runs it. */
HormigaHormiguero *hormiga_hormiguero_new           (GMainContext       *context);

/* Listens on @address (an IP literal) and @port (0: an ephemeral port). */
gboolean           hormiga_hormiguero_listen        (HormigaHormiguero  *self,
                                                     const char         *address,
                                                     guint16             port,
                                                     GError            **error);
/* The port actually bound; 0 before listen. */
guint16            hormiga_hormiguero_get_port      (HormigaHormiguero  *self);
/* ws://ADDR:PORT/ws; NULL before listen. */
char              *hormiga_hormiguero_dup_ws_url    (HormigaHormiguero  *self);

guint              hormiga_hormiguero_get_n_peers   (HormigaHormiguero  *self);
const HormigaServerMetrics *
                   hormiga_hormiguero_get_metrics   (HormigaHormiguero  *self);

/* Closes every connection with 1001 (going away) and stops listening. */
void               hormiga_hormiguero_shutdown      (HormigaHormiguero  *self);

G_END_DECLS
