/* hormiga-share-codec-private.h — what the manifest and message codecs share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <msgpack.h>

#include "hormiga-share-error.h"
#include "hormiga-wire-limits.h"

G_BEGIN_DECLS

/* Runs hormiga_wire_check() with @limits and unpacks one object into
 * @unpacked (to be destroyed by the caller, also on failure). Errors are
 * HORMIGA_SHARE_ERROR (TOO_LARGE for a limit, MALFORMED otherwise),
 * prefixed with "@what: ". */
gboolean _hormiga_share_unpack (const guint8             *data,
                                gsize                     length,
                                const HormigaWireLimits  *limits,
                                const char               *what,
                                msgpack_unpacked         *unpacked,
                                GError                  **error);

/* Matches the entries of @map to @names (n_names of them) in that order:
 * values[i] is the value of names[i], or NULL when absent. Fails with
 * MALFORMED (naming the field) on a key that is not a str, a key not in
 * @names, one that appears twice or out of order, or a missing one whose
 * bit (1 << i) is not in @optional. @what names the map in messages ("a
 * file manifest", "entries[3]"). */
gboolean _hormiga_share_match_fields (const msgpack_object_map  *map,
                                      const char                *what,
                                      const char *const         *names,
                                      guint                      n_names,
                                      guint                      optional,
                                      const msgpack_object     **values,
                                      GError                   **error);

/* "@what needs "@field": @expected; got <description>" (MALFORMED). */
gboolean _hormiga_share_set_wrong (GError               **error,
                                   const char            *what,
                                   const char            *field,
                                   const char            *expected,
                                   const msgpack_object  *got);

/* A uint no greater than @max, into @out. */
gboolean _hormiga_share_get_uint (const msgpack_object  *object,
                                  const char            *what,
                                  const char            *field,
                                  guint64                max,
                                  guint64               *out,
                                  GError               **error);

/* A str of @min to @max bytes without NUL (UTF-8 was checked by the wire
 * check): a copy into @out. TOO_LARGE above @max, MALFORMED otherwise. */
gboolean _hormiga_share_get_text (const msgpack_object  *object,
                                  const char            *what,
                                  const char            *field,
                                  gsize                  min,
                                  gsize                  max,
                                  char                 **out,
                                  GError               **error);

/* A bin of 32 bytes, into @out. */
gboolean _hormiga_share_get_hash (const msgpack_object  *object,
                                  const char            *what,
                                  const char            *field,
                                  guint8                *out,
                                  GError               **error);

/* sodium_init(): libsodium then uses its fastest BLAKE2b. Idempotent and
 * thread-safe; if it fails the reference code gives the same hashes. */
void     _hormiga_share_init_sodium (void);

/* Packs @key, a str. */
void     _hormiga_share_pack_key  (msgpack_packer       *packer,
                                   const char           *key);

G_END_DECLS
