/* hormiga-protocol.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "hormiga-protocol.h"

/**
 * hormiga_protocol_error_to_string:
 * @code: a protocol error code, possibly one this build does not know
 *
 * Returns: (transfer none): the stable kebab-case name of @code, as used in
 *   logs, metrics and close reasons; "unknown" for a code not listed in
 *   #HormigaProtocolError.
 */
const char *
hormiga_protocol_error_to_string (HormigaProtocolError code)
{
  switch (code)
    {
    case HORMIGA_PROTOCOL_ERROR_MALFORMED:
      return "malformed";
    case HORMIGA_PROTOCOL_ERROR_TOO_LARGE:
      return "too-large";
    case HORMIGA_PROTOCOL_ERROR_RATE_LIMITED:
      return "rate-limited";
    case HORMIGA_PROTOCOL_ERROR_BAD_SIGNATURE:
      return "bad-signature";
    case HORMIGA_PROTOCOL_ERROR_HANDSHAKE_TIMEOUT:
      return "handshake-timeout";
    case HORMIGA_PROTOCOL_ERROR_UNKNOWN_PEER:
      return "unknown-peer";
    case HORMIGA_PROTOCOL_ERROR_NOT_ADMITTED:
      return "not-admitted";
    case HORMIGA_PROTOCOL_ERROR_SERVER_FULL:
      return "server-full";
    case HORMIGA_PROTOCOL_ERROR_REPLACED:
      return "replaced";
    case HORMIGA_PROTOCOL_ERROR_UNEXPECTED:
      return "unexpected";
    case HORMIGA_PROTOCOL_ERROR_UNSUPPORTED_VERSION:
      return "unsupported-version";
    case HORMIGA_PROTOCOL_ERROR_SPOOFED_FROM:
      return "spoofed-from";
    case HORMIGA_PROTOCOL_ERROR_PONG_TIMEOUT:
      return "pong-timeout";
    default:
      return "unknown";
    }
}

void
hormiga_protocol_join_transcript (const guint8 nonce[32],
                                  guint8       transcript[HORMIGA_JOIN_TRANSCRIPT_LENGTH])
{
  memcpy (transcript, HORMIGA_JOIN_CONTEXT, sizeof HORMIGA_JOIN_CONTEXT - 1);
  memcpy (transcript + sizeof HORMIGA_JOIN_CONTEXT - 1, nonce, 32);
}
