/* hormiga-msgpack.h — small msgpack-c helpers every codec shares
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <msgpack.h>

G_BEGIN_DECLS

/* A msgpack_packer write callback appending to the GByteArray @data. */
int       hormiga_msgpack_append     (void                 *data,
                                      const char           *buffer,
                                      size_t                length);
void      hormiga_msgpack_pack_str   (msgpack_packer       *packer,
                                      const char           *text);
void      hormiga_msgpack_pack_bin   (msgpack_packer       *packer,
                                      const void           *data,
                                      size_t                length);
/* TRUE if @key is the str @name. */
gboolean  hormiga_msgpack_key_is     (const msgpack_object *key,
                                      const char           *name);
/* What an object is, for "got …" in error messages ("uint 7", "bin of 31
 * bytes", "array of 2 elements"). */
char     *hormiga_msgpack_describe   (const msgpack_object *object);
/* Untrusted UTF-8 text quoted for an error message: at most 64 bytes (cut
 * on a character boundary, "..." appended), control characters, quotes and
 * backslashes escaped. */
char     *hormiga_msgpack_quote_text (const char           *text,
                                      gsize                 length);

G_END_DECLS
