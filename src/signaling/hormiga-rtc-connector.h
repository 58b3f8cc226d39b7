/* hormiga-rtc-connector.h — peer connections negotiated through hormiguero
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Carries offers, answers and trickled candidates in `signal` payloads
 * (hormiga-rtc-signal.h) between two nodes admitted by the same hormiguero.
 * Each negotiation is a session keyed by the peer and a random `sid`.
 * Every connection expects the identity proof of the PeerID it was made
 * with (docs/PROTOCOL.md, "Identity binding"); a connection that fails or
 * is closed sends `bye` and leaves the table, and one whose peer hormiguero
 * does not know (an `unknown-peer` error for its sid) is closed at once.
 */
#pragma once

#include <gio/gio.h>

#include "hormiga-peer-connection.h"
#include "hormiga-signaling-client.h"
#include "hormiga-types.h"

G_BEGIN_DECLS

#define HORMIGA_TYPE_RTC_CONNECTOR (hormiga_rtc_connector_get_type ())
G_DECLARE_FINAL_TYPE (HormigaRtcConnector, hormiga_rtc_connector, HORMIGA, RTC_CONNECTOR, GObject)

HormigaRtcConnector   *hormiga_rtc_connector_new               (HormigaSignalingClient *signaling,
                                                                HormigaCertificate     *certificate,
                                                                GMainContext           *context);

/* Host candidates only on @address (an IP literal); tests use 127.0.0.1. */
void                   hormiga_rtc_connector_set_local_address (HormigaRtcConnector    *self,
                                                                const char             *address);

/* How long a silent peer is tolerated before its connection fails, for
 * connections made from now on (default 15,000 ms; at least 500). */
void                   hormiga_rtc_connector_set_peer_timeout  (HormigaRtcConnector    *self,
                                                                guint                   timeout_ms);

/* Starts a negotiation with @peer_id as the offerer. The connection is
 * returned at once (transfer none; the connector keeps it until it closes):
 * make data channels on it now, they open when it connects. */
HormigaPeerConnection *hormiga_rtc_connector_connect           (HormigaRtcConnector    *self,
                                                                const char             *peer_id,
                                                                GError                **error);

guint                  hormiga_rtc_connector_get_n_sessions    (HormigaRtcConnector    *self);

G_END_DECLS
