/* hormiga-protocol.h — constants of the signaling protocol (docs/PROTOCOL.md)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define HORMIGA_DEFAULT_PORT 8710

/* Domain-separation prefix of the join signature: the client signs
 * HORMIGA_JOIN_CONTEXT (without its NUL) followed by the 32-byte nonce. */
#define HORMIGA_JOIN_CONTEXT "hormiga/join/v1:"
#define HORMIGA_JOIN_TRANSCRIPT_LENGTH (sizeof HORMIGA_JOIN_CONTEXT - 1 + 32)

/* The bytes a join signs: HORMIGA_JOIN_CONTEXT then the 32-byte nonce. */
void hormiga_protocol_join_transcript (const guint8 nonce[32],
                                       guint8       transcript[HORMIGA_JOIN_TRANSCRIPT_LENGTH]);

/**
 * HormigaProtocolError:
 * The code carried by an `error` envelope. docs/PROTOCOL.md gives each one's
 * meaning and whether the connection is closed after it.
 */
typedef enum {
  HORMIGA_PROTOCOL_ERROR_MALFORMED = 1,         /* frame failed to decode */
  HORMIGA_PROTOCOL_ERROR_TOO_LARGE = 2,         /* frame above the size limit */
  HORMIGA_PROTOCOL_ERROR_RATE_LIMITED = 3,      /* frames arrive faster than allowed */
  HORMIGA_PROTOCOL_ERROR_BAD_SIGNATURE = 4,     /* join signature does not verify */
  HORMIGA_PROTOCOL_ERROR_HANDSHAKE_TIMEOUT = 5, /* no valid join in time */
  HORMIGA_PROTOCOL_ERROR_UNKNOWN_PEER = 6,      /* signal to a peer that is not connected */
  HORMIGA_PROTOCOL_ERROR_NOT_ADMITTED = 7,      /* message other than join before welcome */
  HORMIGA_PROTOCOL_ERROR_SERVER_FULL = 8,       /* too many connections */
  HORMIGA_PROTOCOL_ERROR_REPLACED = 9,          /* same PeerID joined on another connection */
  HORMIGA_PROTOCOL_ERROR_UNEXPECTED = 10,       /* message type not valid in this state/direction */
  HORMIGA_PROTOCOL_ERROR_UNSUPPORTED_VERSION = 11,
  HORMIGA_PROTOCOL_ERROR_SPOOFED_FROM = 12,     /* client set `from`; only the server may */
  HORMIGA_PROTOCOL_ERROR_PONG_TIMEOUT = 13,     /* no pong in time */
} HormigaProtocolError;

/* WebSocket close codes the server uses (RFC 6455 §7.4 plus private 4xxx). */
typedef enum {
  HORMIGA_CLOSE_NORMAL            = 1000,
  HORMIGA_CLOSE_GOING_AWAY        = 1001,
  HORMIGA_CLOSE_MALFORMED         = 1007,
  HORMIGA_CLOSE_TOO_LARGE         = 1009,
  HORMIGA_CLOSE_SERVER_FULL       = 4006,
  HORMIGA_CLOSE_PROTOCOL          = 4000,
  HORMIGA_CLOSE_HANDSHAKE_TIMEOUT = 4001,
  HORMIGA_CLOSE_BAD_SIGNATURE     = 4002,
  HORMIGA_CLOSE_RATE_LIMITED      = 4003,
  HORMIGA_CLOSE_REPLACED          = 4004,
  HORMIGA_CLOSE_PONG_TIMEOUT      = 4005,
} HormigaCloseCode;

const char *hormiga_protocol_error_to_string (HormigaProtocolError code);

G_END_DECLS
