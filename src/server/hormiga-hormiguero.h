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
#define HORMIGUERO_DEFAULT_TURN_TTL            43200  /* s: TURN credentials' lifetime */

/* Everything the server does runs on @context (NULL: the thread-default
 * context at construction). Call its methods from the thread that runs it. */
HormigaHormiguero *hormiga_hormiguero_new           (GMainContext       *context);

/* Hands every admitted peer TURN credentials for @urls (1–4 TURN URLs,
 * e.g. "turn:turn.example.org:3478?transport=udp") in its welcome, made
 * with @secret as coturn's REST API expects (`use-auth-secret`,
 * `static-auth-secret`): username "EXPIRY:PEERID", with EXPIRY @ttl_s from
 * now in unix seconds, and credential base64(HMAC-SHA1(@secret, username)). */
void               hormiga_hormiguero_set_turn      (HormigaHormiguero  *self,
                                                     const char * const *urls,
                                                     const char         *secret,
                                                     guint               ttl_s);

/* @peer_id (NULL: none) is the server's own DHT node: once admitted, it
 * comes first in every other peer's bootstrap sample, so every newcomer
 * has one stable, always-on peer to start from. */
void               hormiga_hormiguero_set_anchor    (HormigaHormiguero  *self,
                                                     const char         *peer_id);

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
