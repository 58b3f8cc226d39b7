/* hormiga-base58.h — base58btc (the Bitcoin alphabet), as used by multibase 'z'
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Returns a newly allocated NUL-terminated string. */
char    *hormiga_base58_encode (const guint8 *data,
                                gsize         length);

/* Decodes @text (at most @max_length decoded bytes). Returns NULL and sets
 * @error (HORMIGA_IDENTITY_ERROR_INVALID_PEER_ID) on a character outside the
 * alphabet or a result longer than @max_length. */
GBytes  *hormiga_base58_decode (const char   *text,
                                gsize         max_length,
                                GError      **error);

G_END_DECLS
