/* hormiga-share-codec.c — what the manifest and message codecs share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <sodium.h>
#include <string.h>

#include "hormiga-msgpack.h"
#include "hormiga-share-codec-private.h"
#include "hormiga-wire-error.h"

gboolean
_hormiga_share_unpack (const guint8             *data,
                       gsize                     length,
                       const HormigaWireLimits  *limits,
                       const char               *what,
                       msgpack_unpacked         *unpacked,
                       GError                  **error)
{
  g_autoptr(GError) wire_error = NULL;
  msgpack_unpack_return status;
  size_t offset = 0;

  if (length > limits->max_frame_size)
    {
      g_set_error (error, HORMIGA_SHARE_ERROR, HORMIGA_SHARE_ERROR_TOO_LARGE,
                   "%s: %" G_GSIZE_FORMAT " bytes; the limit is %" G_GSIZE_FORMAT,
                   what, length, limits->max_frame_size);
      return FALSE;
    }
  if (!hormiga_wire_check (data, length, limits, &wire_error))
    {
      /* Nesting too deep counts as too large here as well. */
      gboolean too_large = hormiga_wire_error_is_over_limit (wire_error) ||
                           g_error_matches (wire_error, HORMIGA_WIRE_ERROR,
                                            HORMIGA_WIRE_ERROR_TOO_DEEP);

      g_set_error (error, HORMIGA_SHARE_ERROR,
                   too_large ? HORMIGA_SHARE_ERROR_TOO_LARGE : HORMIGA_SHARE_ERROR_MALFORMED,
                   "%s: %s", what, wire_error->message);
      return FALSE;
    }

  status = msgpack_unpack_next (unpacked, (const char *) data, length, &offset);
  if (status != MSGPACK_UNPACK_SUCCESS || offset != length)
    {
      /* The wire check passed, so this is msgpack-c running out of memory
       * or disagreeing with the checker: report, do not guess. */
      g_set_error (error, HORMIGA_SHARE_ERROR, HORMIGA_SHARE_ERROR_MALFORMED,
                   "%s: msgpack-c could not unpack the %" G_GSIZE_FORMAT " bytes (status %d "
                   "at offset %" G_GSIZE_FORMAT ") although they passed the wire check",
                   what, length, (int) status, (gsize) offset);
      return FALSE;
    }
  return TRUE;
}

static GString *
field_list (const char *const *names,
            guint              n_names)
{
  GString *list = g_string_new (NULL);

  for (guint i = 0; i < n_names; i++)
    g_string_append_printf (list, "%s\"%s\"", i == 0 ? "" : ", ", names[i]);
  return list;
}

gboolean
_hormiga_share_match_fields (const msgpack_object_map  *map,
                             const char                *what,
                             const char *const         *names,
                             guint                      n_names,
                             guint                      optional,
                             const msgpack_object     **values,
                             GError                   **error)
{
  guint next = 0;

  for (guint i = 0; i < n_names; i++)
    values[i] = NULL;

  for (guint32 i = 0; i < map->size; i++)
    {
      const msgpack_object *key = &map->ptr[i].key;
      guint j;

      if (key->type != MSGPACK_OBJECT_STR)
        {
          g_autofree char *description = hormiga_msgpack_describe (key);

          g_set_error (error, HORMIGA_SHARE_ERROR, HORMIGA_SHARE_ERROR_MALFORMED,
                       "key %u of %s is %s; keys must be str", i, what, description);
          return FALSE;
        }
      for (j = 0; j < n_names; j++)
        if (hormiga_msgpack_key_is (key, names[j]))
          break;

      if (j == n_names)
        {
          g_autofree char *quoted = hormiga_msgpack_quote_text (key->via.str.ptr,
                                                                key->via.str.size);
          g_autoptr(GString) list = field_list (names, n_names);

          g_set_error (error, HORMIGA_SHARE_ERROR, HORMIGA_SHARE_ERROR_MALFORMED,
                       "%s has an unknown field %s; it has %s and nothing else", what, quoted,
                       list->str);
          return FALSE;
        }
      if (values[j] != NULL)
        {
          g_set_error (error, HORMIGA_SHARE_ERROR, HORMIGA_SHARE_ERROR_MALFORMED,
                       "\"%s\" appears twice in %s; each field may appear once", names[j],
                       what);
          return FALSE;
        }
      if (j < next)
        {
          g_autoptr(GString) list = field_list (names, n_names);

          g_set_error (error, HORMIGA_SHARE_ERROR, HORMIGA_SHARE_ERROR_MALFORMED,
                       "\"%s\" is out of order in %s; the fields come in the order %s",
                       names[j], what, list->str);
          return FALSE;
        }
      for (guint k = next; k < j; k++)
        if (!(optional & (1u << k)))
          {
            gboolean later = FALSE;

            for (guint32 l = i + 1; l < map->size && !later; l++)
              later = hormiga_msgpack_key_is (&map->ptr[l].key, names[k]);
            if (later)
              {
                g_autoptr(GString) list = field_list (names, n_names);

                g_set_error (error, HORMIGA_SHARE_ERROR, HORMIGA_SHARE_ERROR_MALFORMED,
                             "\"%s\" is out of order in %s; the fields come in the order %s",
                             names[j], what, list->str);
              }
            else
              g_set_error (error, HORMIGA_SHARE_ERROR, HORMIGA_SHARE_ERROR_MALFORMED,
                           "%s needs \"%s\" before \"%s\"; it is missing", what, names[k],
                           names[j]);
            return FALSE;
          }
      values[j] = &map->ptr[i].val;
      next = j + 1;
    }

  for (guint k = next; k < n_names; k++)
    if (!(optional & (1u << k)))
      {
        g_set_error (error, HORMIGA_SHARE_ERROR, HORMIGA_SHARE_ERROR_MALFORMED,
                     "%s needs \"%s\"; it is missing", what, names[k]);
        return FALSE;
      }
  return TRUE;
}

gboolean
_hormiga_share_set_wrong (GError               **error,
                          const char            *what,
                          const char            *field,
                          const char            *expected,
                          const msgpack_object  *got)
{
  g_autofree char *description = hormiga_msgpack_describe (got);

  g_set_error (error, HORMIGA_SHARE_ERROR, HORMIGA_SHARE_ERROR_MALFORMED,
               "\"%s\" in %s must be %s; got %s", field, what, expected, description);
  return FALSE;
}

gboolean
_hormiga_share_get_uint (const msgpack_object  *object,
                         const char            *what,
                         const char            *field,
                         guint64                max,
                         guint64               *out,
                         GError               **error)
{
  if (object->type != MSGPACK_OBJECT_POSITIVE_INTEGER || object->via.u64 > max)
    {
      g_autofree char *expected = g_strdup_printf ("a uint of at most %" G_GUINT64_FORMAT, max);

      return _hormiga_share_set_wrong (error, what, field, expected, object);
    }
  *out = object->via.u64;
  return TRUE;
}

gboolean
_hormiga_share_get_text (const msgpack_object  *object,
                         const char            *what,
                         const char            *field,
                         gsize                  min,
                         gsize                  max,
                         char                 **out,
                         GError               **error)
{
  if (object->type != MSGPACK_OBJECT_STR || object->via.str.size < min)
    {
      g_autofree char *expected = g_strdup_printf ("a str of %" G_GSIZE_FORMAT " to %"
                                                   G_GSIZE_FORMAT " bytes", min, max);

      return _hormiga_share_set_wrong (error, what, field, expected, object);
    }
  if (object->via.str.size > max)
    {
      g_set_error (error, HORMIGA_SHARE_ERROR, HORMIGA_SHARE_ERROR_TOO_LARGE,
                   "\"%s\" in %s is %u bytes; the limit is %" G_GSIZE_FORMAT,
                   field, what, object->via.str.size, max);
      return FALSE;
    }
  if (memchr (object->via.str.ptr, '\0', object->via.str.size) != NULL)
    {
      g_set_error (error, HORMIGA_SHARE_ERROR, HORMIGA_SHARE_ERROR_MALFORMED,
                   "\"%s\" in %s contains a NUL byte; text must not", field, what);
      return FALSE;
    }
  /* The wire check validated UTF-8 already; this keeps the promise local. */
  if (!g_utf8_validate_len (object->via.str.ptr, object->via.str.size, NULL))
    {
      g_set_error (error, HORMIGA_SHARE_ERROR, HORMIGA_SHARE_ERROR_MALFORMED,
                   "\"%s\" in %s is not valid UTF-8", field, what);
      return FALSE;
    }
  *out = g_strndup (object->via.str.ptr, object->via.str.size);
  return TRUE;
}

gboolean
_hormiga_share_get_hash (const msgpack_object  *object,
                         const char            *what,
                         const char            *field,
                         guint8                *out,
                         GError               **error)
{
  if (object->type != MSGPACK_OBJECT_BIN || object->via.bin.size != 32)
    return _hormiga_share_set_wrong (error, what, field, "a bin of 32 bytes", object);
  memcpy (out, object->via.bin.ptr, 32);
  return TRUE;
}

void
_hormiga_share_pack_key (msgpack_packer *packer,
                         const char     *key)
{
  hormiga_msgpack_pack_str (packer, key);
}

void
_hormiga_share_init_sodium (void)
{
  if (sodium_init () < 0)
    g_debug ("sodium_init() failed; hashing with libsodium's reference code");
}
