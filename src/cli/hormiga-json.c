/* hormiga-json.c — JSON text for the CLI's --json output
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <string.h>

#include "hormiga-json.h"
#include "hormiga-msgpack.h"

void
hormiga_json_append_string (GString    *out,
                            const char *text,
                            gssize      length)
{
  const char *p, *end;

  g_return_if_fail (out != NULL);
  g_return_if_fail (text != NULL || length <= 0);

  if (text == NULL)
    text = "";
  if (length < 0)
    length = (gssize) strlen (text);
  p = text;
  end = text + length;

  g_string_append_c (out, '"');
  while (p < end)
    {
      guchar c = (guchar) *p;
      gunichar ch;

      if (c < 0x80)
        {
          switch (c)
            {
            case '"':  g_string_append (out, "\\\""); break;
            case '\\': g_string_append (out, "\\\\"); break;
            case '\n': g_string_append (out, "\\n"); break;
            case '\r': g_string_append (out, "\\r"); break;
            case '\t': g_string_append (out, "\\t"); break;
            case '\b': g_string_append (out, "\\b"); break;
            case '\f': g_string_append (out, "\\f"); break;
            default:
              if (c < 0x20 || c == 0x7f)
                g_string_append_printf (out, "\\u%04x", c);
              else
                g_string_append_c (out, (char) c);
            }
          p++;
          continue;
        }

      /* A multi-byte character, copied when valid; U+FFFD for each byte
       * that does not start one. */
      ch = g_utf8_get_char_validated (p, end - p);
      if (ch == (gunichar) -1 || ch == (gunichar) -2)
        {
          g_string_append (out, "\\ufffd");
          p++;
          continue;
        }
      {
        const char *next = g_utf8_next_char (p);

        g_string_append_len (out, p, next - p);
        p = next;
      }
    }
  g_string_append_c (out, '"');
}

void
hormiga_json_append_msgpack (GString              *out,
                             const msgpack_object *object)
{
  g_return_if_fail (out != NULL && object != NULL);

  switch (object->type)
    {
    case MSGPACK_OBJECT_NIL:
      g_string_append (out, "null");
      break;
    case MSGPACK_OBJECT_BOOLEAN:
      g_string_append (out, object->via.boolean ? "true" : "false");
      break;
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
      g_string_append_printf (out, "%" G_GUINT64_FORMAT, (guint64) object->via.u64);
      break;
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
      g_string_append_printf (out, "%" G_GINT64_FORMAT, (gint64) object->via.i64);
      break;
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64:
      if (isfinite (object->via.f64))
        {
          char buffer[G_ASCII_DTOSTR_BUF_SIZE];

          g_string_append (out, g_ascii_dtostr (buffer, sizeof buffer, object->via.f64));
        }
      else
        g_string_append (out, "null");
      break;
    case MSGPACK_OBJECT_STR:
      hormiga_json_append_string (out, object->via.str.ptr, object->via.str.size);
      break;
    case MSGPACK_OBJECT_BIN:
      {
        g_autofree char *encoded = g_base64_encode ((const guchar *) object->via.bin.ptr,
                                                    object->via.bin.size);

        hormiga_json_append_string (out, encoded, -1);
      }
      break;
    case MSGPACK_OBJECT_ARRAY:
      g_string_append_c (out, '[');
      for (guint32 i = 0; i < object->via.array.size; i++)
        {
          if (i > 0)
            g_string_append_c (out, ',');
          hormiga_json_append_msgpack (out, &object->via.array.ptr[i]);
        }
      g_string_append_c (out, ']');
      break;
    case MSGPACK_OBJECT_MAP:
      g_string_append_c (out, '{');
      for (guint32 i = 0; i < object->via.map.size; i++)
        {
          const msgpack_object *key = &object->via.map.ptr[i].key;

          if (i > 0)
            g_string_append_c (out, ',');
          if (key->type == MSGPACK_OBJECT_STR)
            hormiga_json_append_string (out, key->via.str.ptr, key->via.str.size);
          else
            {
              g_autofree char *described = hormiga_msgpack_describe (key);

              hormiga_json_append_string (out, described, -1);
            }
          g_string_append_c (out, ':');
          hormiga_json_append_msgpack (out, &object->via.map.ptr[i].val);
        }
      g_string_append_c (out, '}');
      break;
    case MSGPACK_OBJECT_EXT:
    default:
      g_string_append (out, "null");
      break;
    }
}
