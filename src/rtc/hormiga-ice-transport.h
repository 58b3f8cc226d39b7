/* hormiga-ice-transport.h — one ICE component (libnice) for a data channel session
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Full ICE (RFC 8445 via libnice's RFC 5245 mode) with trickle, consent
 * freshness and regular nomination; host, server-reflexive (STUN) and relay
 * (TURN over UDP or TCP) candidates; a relay-only policy. Candidates travel
 * as SDP attribute values ("candidate:…", without "a="). Browser mDNS host
 * candidates ("<uuid>.local") are resolved with GResolver before use, or
 * dropped with a debug message if they do not resolve.
 */
#pragma once

#include <gio/gio.h>

#include "hormiga-types.h"

G_BEGIN_DECLS

typedef void (*HormigaIceReceiveFunc) (const guint8 *data,
                                       gsize         length,
                                       gpointer      user_data);

typedef enum {
  HORMIGA_ICE_STATE_NEW,
  HORMIGA_ICE_STATE_CHECKING,
  HORMIGA_ICE_STATE_CONNECTED,
  HORMIGA_ICE_STATE_FAILED,
  HORMIGA_ICE_STATE_CLOSED,
} HormigaIceState;

typedef enum {
  HORMIGA_ICE_RELAY_UDP,
  HORMIGA_ICE_RELAY_TCP,
} HormigaIceRelayTransport;

#define HORMIGA_TYPE_ICE_TRANSPORT (hormiga_ice_transport_get_type ())
G_DECLARE_FINAL_TYPE (HormigaIceTransport, hormiga_ice_transport, HORMIGA, ICE_TRANSPORT, GObject)

/* @controlling: TRUE for the offerer. */
HormigaIceTransport *hormiga_ice_transport_new            (GMainContext          *context,
                                                           gboolean               controlling);

/* The offerer controls; set before gathering. */
void                 hormiga_ice_transport_set_controlling (HormigaIceTransport *self,
                                                            gboolean             controlling);

/* Gathers host candidates on @address (an IP literal) only, instead of on
 * every interface; may be called several times. Tests use 127.0.0.1. */
gboolean             hormiga_ice_transport_add_local_address (HormigaIceTransport  *self,
                                                              const char           *address,
                                                              GError              **error);

/* STUN server for server-reflexive candidates: an IP literal and port. */
void                 hormiga_ice_transport_set_stun_server (HormigaIceTransport  *self,
                                                            const char           *address,
                                                            guint16               port);
/* A TURN server (IP literal); may be called once per transport kind. */
gboolean             hormiga_ice_transport_add_relay      (HormigaIceTransport      *self,
                                                           const char               *address,
                                                           guint16                   port,
                                                           const char               *username,
                                                           const char               *password,
                                                           HormigaIceRelayTransport  transport,
                                                           GError                  **error);
/* Only relay candidates are used (no host or reflexive paths). */
void                 hormiga_ice_transport_set_relay_only (HormigaIceTransport  *self,
                                                           gboolean              relay_only);

void                 hormiga_ice_transport_set_receive    (HormigaIceTransport   *self,
                                                           HormigaIceReceiveFunc  receive,
                                                           gpointer               user_data,
                                                           GDestroyNotify         destroy);

/* Starts gathering; ::local-candidate for each, then ::gathering-done. */
gboolean             hormiga_ice_transport_gather         (HormigaIceTransport  *self,
                                                           GError              **error);

const char          *hormiga_ice_transport_get_local_ufrag (HormigaIceTransport *self);
const char          *hormiga_ice_transport_get_local_pwd   (HormigaIceTransport *self);

void                 hormiga_ice_transport_set_remote_credentials (HormigaIceTransport *self,
                                                                   const char          *ufrag,
                                                                   const char          *pwd);

/* @candidate: "candidate:…" (an "a=" prefix is accepted). Malformed lines
 * are refused with HORMIGA_RTC_ERROR_ICE; ".local" hosts are resolved first. */
gboolean             hormiga_ice_transport_add_remote_candidate (HormigaIceTransport  *self,
                                                                 const char           *candidate,
                                                                 GError              **error);
/* The peer sent end-of-candidates. */
void                 hormiga_ice_transport_remote_gathering_done (HormigaIceTransport *self);

/* Sends one datagram on the selected pair; FALSE if it could not be sent now. */
gboolean             hormiga_ice_transport_send           (HormigaIceTransport  *self,
                                                           const guint8         *data,
                                                           gsize                 length);

HormigaIceState      hormiga_ice_transport_get_state      (HormigaIceTransport  *self);
/* "host", "srflx", "prflx" or "relay": the local side of the selected pair;
 * NULL before one is selected. */
const char          *hormiga_ice_transport_get_selected_kind (HormigaIceTransport *self);
/* The IP address of the remote side of the selected pair; NULL before one
 * is selected, or when that side is a TURN relay (the address is then the
 * relay's, not the peer's). */
const char          *hormiga_ice_transport_get_remote_address (HormigaIceTransport *self);

void                 hormiga_ice_transport_close          (HormigaIceTransport  *self);

G_END_DECLS
