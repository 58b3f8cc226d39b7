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
 *
 * It can signal through more than one hormiguero: those added with
 * hormiga_rtc_connector_add_signaling() after the one it was made with. An
 * offer that comes through one is answered through it. A session we start
 * goes through the first, and when that hormiguero answers `unknown-peer`
 * before the peer has answered, through the next one that has admitted us,
 * from the offer on (docs/PROTOCOL.md, "Several hormigueros").
 *
 * A session can also carry its signals another way (the node relays them
 * through the overlay, docs/PROTOCOL.md "Relay"): it is started with
 * hormiga_rtc_connector_connect_via(), or by an offer handed to
 * hormiga_rtc_connector_receive_signal(), and then all its signals take
 * that route.
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

/* Also signal through the hormiguero of @signaling (same identity and
 * context), after those added before. */
void                   hormiga_rtc_connector_add_signaling     (HormigaRtcConnector    *self,
                                                                HormigaSignalingClient *signaling);

/* Host candidates only on @address (an IP literal); tests use 127.0.0.1. */
void                   hormiga_rtc_connector_set_local_address (HormigaRtcConnector    *self,
                                                                const char             *address);

/* STUN and TURN servers for connections made from now on
 * (element-type HormigaIceServer, each host an IP literal; copied): the
 * first STUN server gives server-reflexive candidates (libnice asks one),
 * every TURN server a relayed one. NULL or empty for none. */
void                   hormiga_rtc_connector_set_ice_servers   (HormigaRtcConnector    *self,
                                                                GPtrArray              *servers);
/* Connections made from now on use relayed candidates only (TURN). */
void                   hormiga_rtc_connector_set_relay_only    (HormigaRtcConnector    *self,
                                                                gboolean                relay_only);

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

/**
 * HormigaRtcSignalRoute:
 * @send: hands @payload, a signal for session @sid, to @peer_id another way
 *   than hormiguero (through the overlay); FALSE with @error if it cannot
 * @user_data: for @send
 * @destroy: (nullable): frees @user_data when the session ends
 *
 * Another way for a session's signals than hormiguero.
 */
typedef gboolean (*HormigaRtcSignalSendFunc) (const char  *peer_id,
                                              const char  *sid,
                                              GBytes      *payload,
                                              gpointer     user_data,
                                              GError     **error);

/* As hormiga_rtc_connector_connect(), but every signal of the session,
 * both ways, goes through @send. */
HormigaPeerConnection *hormiga_rtc_connector_connect_via       (HormigaRtcConnector      *self,
                                                                const char               *peer_id,
                                                                HormigaRtcSignalSendFunc  send,
                                                                gpointer                  user_data,
                                                                GDestroyNotify            destroy,
                                                                GError                  **error);

/* A signal that came from @from another way than hormiguero. If it starts
 * a session (an offer), the session's signals go back through @send;
 * otherwise @user_data is destroyed at once. */
void                   hormiga_rtc_connector_receive_signal    (HormigaRtcConnector      *self,
                                                                const char               *from,
                                                                const char               *sid,
                                                                GBytes                   *payload,
                                                                HormigaRtcSignalSendFunc  send,
                                                                gpointer                  user_data,
                                                                GDestroyNotify            destroy);

/**
 * HormigaRtcConnectorCounters:
 * @signals_sent_server: signals sent through hormiguero
 * @signals_sent_other: signals sent another way (a #HormigaRtcSignalSendFunc)
 * @signals_received_server: signals received through hormiguero
 * @signals_received_other: through hormiga_rtc_connector_receive_signal()
 * @sessions_moved: sessions we started that went on through another
 *   hormiguero because one did not know the peer
 */
typedef struct
{
  guint64 signals_sent_server;
  guint64 signals_sent_other;
  guint64 signals_received_server;
  guint64 signals_received_other;
  guint64 sessions_moved;
} HormigaRtcConnectorCounters;

void                   hormiga_rtc_connector_get_counters      (HormigaRtcConnector         *self,
                                                                HormigaRtcConnectorCounters *counters);
/* TRUE when @pc's signals go another way than hormiguero. */
gboolean               hormiga_rtc_connector_is_routed         (HormigaRtcConnector      *self,
                                                                HormigaPeerConnection    *pc);

G_END_DECLS
