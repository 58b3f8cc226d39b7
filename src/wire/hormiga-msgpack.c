/* hormiga-msgpack.c — small msgpack-c helpers every codec shares
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "hormiga-msgpack.h"

/* GLib aborts on out-of-memory, so appending cannot fail. */
int
hormiga_msgpack_append (void       *data,
                        const char *buffer,
                        size_t      length)
{
  g_byte_array_append (data, (const guint8 *) buffer, (guint) length);
  return 0;
}

void
hormiga_msgpack_pack_str (msgpack_packer *packer,
                          const char     *text)
{
  size_t length = strlen (text);

  msgpack_pack_str (packer, length);
  msgpack_pack_str_body (packer, text, length);
}

void
hormiga_msgpack_pack_bin (msgpack_packer *packer,
                          const void     *data,
                          size_t          length)
{
  msgpack_pack_bin (packer, length);
  if (length > 0)
    msgpack_pack_bin_body (packer, data, length);
}

gboolean
hormiga_msgpack_key_is (const msgpack_object *key,
                        const char           *name)
{
  size_t length = strlen (name);

  return key->type == MSGPACK_OBJECT_STR && key->via.str.size == length &&
         memcmp (key->via.str.ptr, name, length) == 0;
}

char *
hormiga_msgpack_describe (const msgpack_object *object)
{
  switch (object->type)
    {
    case MSGPACK_OBJECT_NIL:
      return g_strdup ("nil");
    case MSGPACK_OBJECT_BOOLEAN:
      return g_strdup (object->via.boolean ? "true" : "false");
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
      return g_strdup_printf ("uint %" G_GUINT64_FORMAT, (guint64) object->via.u64);
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
      return g_strdup_printf ("negative int %" G_GINT64_FORMAT, (gint64) object->via.i64);
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64:
      return g_strdup ("float");
    case MSGPACK_OBJECT_STR:
      return g_strdup_printf ("str of %u byte%s", object->via.str.size,
                              object->via.str.size == 1 ? "" : "s");
    case MSGPACK_OBJECT_BIN:
      return g_strdup_printf ("bin of %u byte%s", object->via.bin.size,
                              object->via.bin.size == 1 ? "" : "s");
    case MSGPACK_OBJECT_ARRAY:
      return g_strdup_printf ("array of %u element%s", object->via.array.size,
                              object->via.array.size == 1 ? "" : "s");
    case MSGPACK_OBJECT_MAP:
      return g_strdup_printf ("map of %u entr%s", object->via.map.size,
                              object->via.map.size == 1 ? "y" : "ies");
    case MSGPACK_OBJECT_EXT:
    default:
      return g_strdup ("extension object");
    }
}

char *
hormiga_msgpack_quote_text (const char *text,
                            gsize       length)
{
  GString *quoted = g_string_new ("\"");
  const char *end = text + length;
  const char *p = text;

  while (p < end)
    {
      const char *next = g_utf8_next_char (p);
      guchar c = (guchar) *p;

      if (next > end)
        next = end;
      if ((gsize) (next - text) > 64)
        {
          g_string_append (quoted, "...");
          break;
        }
      if (c < 0x20 || c == 0x7f || c == '"' || c == '\\')
        g_string_append_printf (quoted, "\\x%02x", c);
      else
        g_string_append_len (quoted, p, next - p);
      p = next;
    }
  g_string_append_c (quoted, '"');
  return g_string_free (quoted, FALSE);
}
