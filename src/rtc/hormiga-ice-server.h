/* hormiga-ice-server.h — STUN and TURN server addresses
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The URLs a person configures (hormiga-node --stun/--turn, the
 * application's settings) and those hormiguero's welcome carries, in the
 * forms of RFC 7064 and RFC 7065 with the credentials of a configured TURN
 * server in the user information, as browsers' ICE server lists cannot:
 *
 *   stun:HOST[:PORT]
 *   turn:[USER:PASSWORD@]HOST[:PORT][?transport=udp|tcp]
 *
 * HOST is a name, an IPv4 address or an IPv6 address in brackets; PORT
 * 3478 by default; USER and PASSWORD may hold %XX escapes (for a ':' or an
 * '@'). TURN over TLS (turns:) is not offered. Parsing does no I/O: a host
 * name is resolved by the caller (HormigaNode does, off its context's
 * dispatch).
 */
#pragma once

#include <glib.h>

#include "hormiga-ice-transport.h"

G_BEGIN_DECLS

#define HORMIGA_ICE_SERVER_MAX_URL         512
#define HORMIGA_ICE_SERVER_MAX_CREDENTIAL  256   /* a user name or password, unescaped */
#define HORMIGA_ICE_SERVER_DEFAULT_PORT    3478

typedef enum {
  HORMIGA_ICE_SERVER_STUN,
  HORMIGA_ICE_SERVER_TURN,
} HormigaIceServerKind;

/**
 * HormigaIceServer:
 * @kind: STUN or TURN
 * @host: a name or an IP literal (IPv6 without brackets)
 * @port: 1–65535
 * @username: (nullable): TURN: the long-term credential's user
 * @password: (nullable): TURN: its password (set exactly when @username is)
 * @transport: TURN: how the server is reached (the relayed candidate is
 *   UDP either way)
 *
 * One server, parsed. Plain data; free with hormiga_ice_server_free().
 */
typedef struct
{
  HormigaIceServerKind      kind;
  char                     *host;
  guint16                   port;
  char                     *username;
  char                     *password;
  HormigaIceRelayTransport  transport;
} HormigaIceServer;

/* Parses @url (stun: or turn:). NULL and HORMIGA_RTC_ERROR_ICE with a
 * message saying what is wrong and the form expected. */
HormigaIceServer *hormiga_ice_server_parse (const char              *url,
                                            GError                 **error);
/* As a person configures one: a @kind server, and a TURN server with its
 * credentials (only hormiguero's welcome gives them apart). */
HormigaIceServer *hormiga_ice_server_parse_configured (const char            *url,
                                                       HormigaIceServerKind   kind,
                                                       GError               **error);
HormigaIceServer *hormiga_ice_server_copy  (const HormigaIceServer  *server);
void              hormiga_ice_server_free  (HormigaIceServer        *server);
/* The server as a URL again, without its password (for messages). */
char             *hormiga_ice_server_to_string (const HormigaIceServer *server);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HormigaIceServer, hormiga_ice_server_free)

G_END_DECLS
