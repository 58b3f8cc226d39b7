/* hormiga-peer-connection.h — ICE + DTLS + SCTP + data channels, one peer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Offer/answer as in the browser: the offerer calls create_offer(), sends
 * it, and later set_remote_description() with the answer; the answerer
 * calls set_remote_description() with the offer, then create_answer().
 * Candidates trickle through ::local-candidate / add_remote_candidate().
 * Transport is not this object's business: the caller carries the strings.
 */
#pragma once

#include <gio/gio.h>

#include "hormiga-data-channel.h"
#include "hormiga-ice-transport.h"
#include "hormiga-identity.h"
#include "hormiga-peer-id.h"
#include "hormiga-sdp.h"
#include "hormiga-types.h"

G_BEGIN_DECLS

typedef enum {
  HORMIGA_PEER_CONNECTION_NEW,
  HORMIGA_PEER_CONNECTION_CONNECTING,
  HORMIGA_PEER_CONNECTION_CONNECTED,
  HORMIGA_PEER_CONNECTION_FAILED,
  HORMIGA_PEER_CONNECTION_CLOSED,
} HormigaPeerConnectionState;

#define HORMIGA_TYPE_PEER_CONNECTION (hormiga_peer_connection_get_type ())
G_DECLARE_FINAL_TYPE (HormigaPeerConnection, hormiga_peer_connection, HORMIGA, PEER_CONNECTION, GObject)

/* @identity signs our side of the identity binding on channel 0. */
HormigaPeerConnection *hormiga_peer_connection_new          (GMainContext          *context,
                                                             HormigaCertificate    *certificate,
                                                             HormigaIdentity       *identity);

/* The PeerID the remote identity proof must come from; without one, any
 * valid proof is accepted (and get_remote_peer() says whose it was). */
void                   hormiga_peer_connection_set_expected_peer (HormigaPeerConnection *self,
                                                                  const HormigaPeerId   *peer);

/* The peer whose proof verified (transfer none), NULL before CONNECTED. */
HormigaPeerId         *hormiga_peer_connection_get_remote_peer   (HormigaPeerConnection *self);

/* How long a silent peer is tolerated once DTLS is up before the
 * connection fails (default 15,000 ms, at least 500); before the offer or
 * answer. SCTP heartbeats run at a third of it. */
void                   hormiga_peer_connection_set_peer_timeout  (HormigaPeerConnection *self,
                                                                  guint                  timeout_ms);

/* For ICE settings (local addresses, STUN, TURN, relay-only) before the
 * first description; owned by the connection. The controlling role is set
 * by create_offer(). */
HormigaIceTransport   *hormiga_peer_connection_get_ice      (HormigaPeerConnection *self);

char                  *hormiga_peer_connection_create_offer (HormigaPeerConnection *self,
                                                             GError               **error);
char                  *hormiga_peer_connection_create_answer (HormigaPeerConnection *self,
                                                              GError               **error);
gboolean               hormiga_peer_connection_set_remote_description (HormigaPeerConnection  *self,
                                                                       HormigaSdpType          type,
                                                                       const char             *sdp,
                                                                       GError                **error);
gboolean               hormiga_peer_connection_add_remote_candidate   (HormigaPeerConnection  *self,
                                                                       const char             *candidate,
                                                                       GError                **error);
void                   hormiga_peer_connection_remote_end_of_candidates (HormigaPeerConnection *self);

/* A channel that opens once the association is up (or at once if it is). */
HormigaDataChannel    *hormiga_peer_connection_create_data_channel    (HormigaPeerConnection            *self,
                                                                       const char                       *label,
                                                                       const HormigaDataChannelOptions  *options,
                                                                       GError                          **error);

void                   hormiga_peer_connection_close        (HormigaPeerConnection *self);
HormigaPeerConnectionState hormiga_peer_connection_get_state (HormigaPeerConnection *self);
/* The SCTP association's smoothed round-trip time in ms; -1 before it is
 * up or after it closed. */
gint                   hormiga_peer_connection_get_rtt      (HormigaPeerConnection *self);

G_END_DECLS
