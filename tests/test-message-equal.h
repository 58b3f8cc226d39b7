/* test-message-equal.h — field-by-field comparison of two HormigaMessages
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Shared by tests/test-message.c and tests/fuzz/fuzz-message.c. It compares
 * fields, not encodings, so it checks the encoder instead of trusting it.
 */
#pragma once

#include <string.h>

#include "hormiga-message.h"

static inline gboolean
hormiga_test_bytes_equal (GBytes *a,
                          GBytes *b)
{
  if (a == NULL || b == NULL)
    return a == b;
  return g_bytes_equal (a, b);
}

static inline gboolean
hormiga_test_message_equal (const HormigaMessage *a,
                            const HormigaMessage *b)
{
  if (a->type != b->type)
    return FALSE;

  switch (a->type)
    {
    case HORMIGA_MESSAGE_CHALLENGE:
      return memcmp (a->challenge.nonce, b->challenge.nonce, HORMIGA_NONCE_LENGTH) == 0 &&
             g_strcmp0 (a->challenge.server, b->challenge.server) == 0;

    case HORMIGA_MESSAGE_JOIN:
      return memcmp (a->join.public_key, b->join.public_key, HORMIGA_PUBLIC_KEY_LENGTH) == 0 &&
             memcmp (a->join.signature, b->join.signature, HORMIGA_SIGNATURE_LENGTH) == 0 &&
             a->join.client == b->join.client;

    case HORMIGA_MESSAGE_WELCOME:
      if (g_strcmp0 (a->welcome.peer_id, b->welcome.peer_id) != 0)
        return FALSE;
      if (a->welcome.peers == NULL || b->welcome.peers == NULL)
        return a->welcome.peers == b->welcome.peers;
      if (a->welcome.peers->len != b->welcome.peers->len)
        return FALSE;
      for (guint i = 0; i < a->welcome.peers->len; i++)
        if (g_strcmp0 (g_ptr_array_index (a->welcome.peers, i),
                       g_ptr_array_index (b->welcome.peers, i)) != 0)
          return FALSE;
      if ((a->welcome.turn_urls == NULL) != (b->welcome.turn_urls == NULL))
        return FALSE;
      if (a->welcome.turn_urls != NULL)
        {
          if (a->welcome.turn_urls->len != b->welcome.turn_urls->len ||
              g_strcmp0 (a->welcome.turn_username, b->welcome.turn_username) != 0 ||
              g_strcmp0 (a->welcome.turn_credential, b->welcome.turn_credential) != 0)
            return FALSE;
          for (guint i = 0; i < a->welcome.turn_urls->len; i++)
            if (g_strcmp0 (g_ptr_array_index (a->welcome.turn_urls, i),
                           g_ptr_array_index (b->welcome.turn_urls, i)) != 0)
              return FALSE;
        }
      return TRUE;

    case HORMIGA_MESSAGE_SIGNAL:
      return g_strcmp0 (a->signal.from, b->signal.from) == 0 &&
             g_strcmp0 (a->signal.to, b->signal.to) == 0 &&
             g_strcmp0 (a->signal.sid, b->signal.sid) == 0 &&
             hormiga_test_bytes_equal (a->signal.payload, b->signal.payload);

    case HORMIGA_MESSAGE_ERROR:
      return a->error.code == b->error.code &&
             g_strcmp0 (a->error.message, b->error.message) == 0 &&
             g_strcmp0 (a->error.sid, b->error.sid) == 0;

    case HORMIGA_MESSAGE_PING:
    case HORMIGA_MESSAGE_PONG:
      return a->ping.seq == b->ping.seq;

    case HORMIGA_MESSAGE_N_TYPES:
    default:
      return FALSE;
    }
}
