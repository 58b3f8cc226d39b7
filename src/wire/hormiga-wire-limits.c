/* hormiga-wire-limits.c — a bounded walk over raw MessagePack bytes
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * hormiga_wire_check() runs on every frame before msgpack-c does. It reads
 * each object header once, left to right, keeping only a fixed array of
 * "elements still expected" counters, one per open array/map. It never
 * allocates and never recurses, so its cost is O(frame length) whatever the
 * headers announce.
 */
#include "hormiga-wire-limits.h"

#include <string.h>

#include "hormiga-wire-error.h"

/* The deepest max_depth the checker supports: the size of its stack. It
 * matches the nesting msgpack-c's own unpacker can handle
 * (MSGPACK_EMBED_STACK_SIZE), so a frame that passes here also unpacks. */
#define CHECK_STACK_SIZE 32

static const HormigaWireLimits default_limits = {
  .max_frame_size = HORMIGA_WIRE_DEFAULT_MAX_FRAME_SIZE,
  .max_depth = HORMIGA_WIRE_DEFAULT_MAX_DEPTH,
  .max_string_length = HORMIGA_WIRE_DEFAULT_MAX_STRING,
  .max_binary_length = HORMIGA_WIRE_DEFAULT_MAX_BINARY,
  .max_array_length = HORMIGA_WIRE_DEFAULT_MAX_ARRAY,
  .max_map_length = HORMIGA_WIRE_DEFAULT_MAX_MAP,
  .max_total_items = HORMIGA_WIRE_DEFAULT_MAX_TOTAL_ITEMS,
};

/**
 * hormiga_wire_limits_default:
 *
 * Returns: (transfer none): the limits every Hormiga decoder uses unless told
 *   otherwise; the values are the HORMIGA_WIRE_DEFAULT_* constants.
 */
const HormigaWireLimits *
hormiga_wire_limits_default (void)
{
  return &default_limits;
}

typedef enum {
  KIND_SCALAR,   /* nil, bool, int, float: fixed size */
  KIND_STR,
  KIND_BIN,
  KIND_ARRAY,
  KIND_MAP,
} Kind;

static guint64
read_be (const guint8 *p,
         guint         n_bytes)
{
  guint64 value = 0;

  for (guint i = 0; i < n_bytes; i++)
    value = (value << 8) | p[i];
  return value;
}

/* Checks that str bytes are UTF-8. U+0000 is valid UTF-8 but
 * g_utf8_validate_len() refuses NUL bytes, so the text is validated piecewise
 * between NULs (a NUL byte is never part of a multi-byte sequence). Whether a
 * NUL is acceptable is for the message layer to decide. */
static gboolean
utf8_valid_allowing_nul (const guint8 *text,
                         gsize         length)
{
  while (length > 0)
    {
      const guint8 *nul = memchr (text, '\0', length);
      gsize piece = nul != NULL ? (gsize) (nul - text) : length;

      if (!g_utf8_validate_len ((const char *) text, piece, NULL))
        return FALSE;
      if (nul == NULL)
        break;
      text += piece + 1;
      length -= piece + 1;
    }
  return TRUE;
}

static gboolean
set_truncated (GError     **error,
               const char  *what,
               gsize        offset,
               guint64      needed,
               gsize        available)
{
  g_set_error (error, HORMIGA_WIRE_ERROR, HORMIGA_WIRE_ERROR_MALFORMED,
               "frame is truncated: the %s at offset %" G_GSIZE_FORMAT " needs %" G_GUINT64_FORMAT
               " bytes but only %" G_GSIZE_FORMAT " remain",
               what, offset, needed, available);
  return FALSE;
}

/**
 * hormiga_wire_check:
 * @data: (array length=length): the frame
 * @length: its size in bytes
 * @limits: (nullable): the limits to enforce; %NULL for the defaults
 * @error: return location for a #HORMIGA_WIRE_ERROR
 *
 * Checks that @data holds exactly one well-formed MessagePack object within
 * @limits, and that every str in it is valid UTF-8. Extension types (and the
 * never-used byte 0xc1) are refused: the protocol has no use for them.
 * @limits->max_depth must be at most 32.
 *
 * Returns: %TRUE if the frame may be handed to msgpack-c
 */
gboolean
hormiga_wire_check (const guint8             *data,
                    gsize                     length,
                    const HormigaWireLimits  *limits,
                    GError                  **error)
{
  /* remaining[i]: objects still expected by the open container at depth i+1 */
  guint64 remaining[CHECK_STACK_SIZE];
  guint depth = 0;
  guint64 n_items = 0;
  gsize pos = 0;

  g_return_val_if_fail (data != NULL || length == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (limits == NULL)
    limits = &default_limits;
  g_return_val_if_fail (limits->max_depth <= CHECK_STACK_SIZE, FALSE);

  if (length > limits->max_frame_size)
    {
      g_set_error (error, HORMIGA_WIRE_ERROR, HORMIGA_WIRE_ERROR_TOO_LARGE,
                   "frame is %" G_GSIZE_FORMAT " bytes; the limit is %" G_GSIZE_FORMAT,
                   length, limits->max_frame_size);
      return FALSE;
    }

  if (length == 0)
    {
      g_set_error_literal (error, HORMIGA_WIRE_ERROR, HORMIGA_WIRE_ERROR_MALFORMED,
                           "frame is empty; it must hold one MessagePack map");
      return FALSE;
    }

  for (;;)
    {
      const gsize start = pos;
      const gsize available = length - pos;
      Kind kind = KIND_SCALAR;
      guint len_bytes = 0;  /* size of the length/count field after the type byte */
      guint64 size = 0;     /* bytes of data after the header (scalars, str, bin) */
      guint64 count = 0;    /* elements (array) or pairs (map) */
      gsize header;
      guint8 b;

      if (available == 0)
        {
          g_assert (depth > 0);
          g_set_error (error, HORMIGA_WIRE_ERROR, HORMIGA_WIRE_ERROR_MALFORMED,
                       "frame is truncated: it ends at offset %" G_GSIZE_FORMAT " while an "
                       "array or map still expects %" G_GUINT64_FORMAT " more object(s)",
                       length, remaining[depth - 1]);
          return FALSE;
        }

      n_items++;
      if (n_items > limits->max_total_items)
        {
          g_set_error (error, HORMIGA_WIRE_ERROR, HORMIGA_WIRE_ERROR_TOO_MANY_ITEMS,
                       "frame holds more than %u objects by offset %" G_GSIZE_FORMAT
                       " (keys, values and elements all count); the limit is %u",
                       limits->max_total_items, start, limits->max_total_items);
          return FALSE;
        }

      b = data[pos];
      if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3)
        ;  /* fixint, nil, bool: the type byte is the whole object */
      else if (b <= 0x8f)
        {
          kind = KIND_MAP;
          count = b & 0x0f;
        }
      else if (b <= 0x9f)
        {
          kind = KIND_ARRAY;
          count = b & 0x0f;
        }
      else if (b <= 0xbf)
        {
          kind = KIND_STR;
          size = b & 0x1f;
        }
      else
        {
          switch (b)
            {
            case 0xc1:
              g_set_error (error, HORMIGA_WIRE_ERROR, HORMIGA_WIRE_ERROR_MALFORMED,
                           "byte 0xc1 at offset %" G_GSIZE_FORMAT " is never used in "
                           "MessagePack; the frame is corrupt or not MessagePack", start);
              return FALSE;

            case 0xc4: case 0xc5: case 0xc6:
              kind = KIND_BIN;
              len_bytes = 1u << (b - 0xc4);
              break;

            case 0xc7: case 0xc8: case 0xc9:
            case 0xd4: case 0xd5: case 0xd6: case 0xd7: case 0xd8:
              g_set_error (error, HORMIGA_WIRE_ERROR, HORMIGA_WIRE_ERROR_MALFORMED,
                           "byte 0x%02x at offset %" G_GSIZE_FORMAT " starts an extension "
                           "object; extension types are not used by this protocol", b, start);
              return FALSE;

            case 0xca:
              size = 4;
              break;
            case 0xcb:
              size = 8;
              break;

            case 0xcc: case 0xcd: case 0xce: case 0xcf:
              size = 1u << (b - 0xcc);
              break;
            case 0xd0: case 0xd1: case 0xd2: case 0xd3:
              size = 1u << (b - 0xd0);
              break;

            case 0xd9: case 0xda: case 0xdb:
              kind = KIND_STR;
              len_bytes = 1u << (b - 0xd9);
              break;

            case 0xdc: case 0xdd:
              kind = KIND_ARRAY;
              len_bytes = 2u << (b - 0xdc);
              break;

            case 0xde: case 0xdf:
              kind = KIND_MAP;
              len_bytes = 2u << (b - 0xde);
              break;

            default:
              g_assert_not_reached ();
            }
        }

      header = 1 + len_bytes;
      if (available < header)
        {
          static const char *const names[] = { "number", "str header", "bin header",
                                                "array header", "map header" };
          return set_truncated (error, names[kind], start, header, available);
        }

      if (len_bytes > 0)
        {
          guint64 value = read_be (data + pos + 1, len_bytes);

          if (kind == KIND_ARRAY || kind == KIND_MAP)
            count = value;
          else
            size = value;
        }

      switch (kind)
        {
        case KIND_STR:
          if (size > limits->max_string_length)
            {
              g_set_error (error, HORMIGA_WIRE_ERROR, HORMIGA_WIRE_ERROR_STRING_TOO_LONG,
                           "string at offset %" G_GSIZE_FORMAT " is %" G_GUINT64_FORMAT
                           " bytes; the limit is %" G_GSIZE_FORMAT,
                           start, size, limits->max_string_length);
              return FALSE;
            }
          break;

        case KIND_BIN:
          if (size > limits->max_binary_length)
            {
              g_set_error (error, HORMIGA_WIRE_ERROR, HORMIGA_WIRE_ERROR_BINARY_TOO_LONG,
                           "binary at offset %" G_GSIZE_FORMAT " is %" G_GUINT64_FORMAT
                           " bytes; the limit is %" G_GSIZE_FORMAT,
                           start, size, limits->max_binary_length);
              return FALSE;
            }
          break;

        case KIND_ARRAY:
        case KIND_MAP:
          {
            const char *what = kind == KIND_ARRAY ? "array" : "map";
            guint limit = kind == KIND_ARRAY ? limits->max_array_length : limits->max_map_length;

            if (count > limit)
              {
                g_set_error (error, HORMIGA_WIRE_ERROR, HORMIGA_WIRE_ERROR_TOO_MANY_ITEMS,
                             "%s at offset %" G_GSIZE_FORMAT " has %" G_GUINT64_FORMAT " %s; "
                             "the limit is %u",
                             what, start, count, kind == KIND_ARRAY ? "elements" : "entries",
                             limit);
                return FALSE;
              }
            if (depth + 1 > limits->max_depth)
              {
                g_set_error (error, HORMIGA_WIRE_ERROR, HORMIGA_WIRE_ERROR_TOO_DEEP,
                             "%s at offset %" G_GSIZE_FORMAT " is nested %u levels deep; "
                             "the limit is %u", what, start, depth + 1, limits->max_depth);
                return FALSE;
              }
          }
          break;

        case KIND_SCALAR:
        default:
          break;
        }

      if (size > available - header)
        {
          static const char *const names[] = { "number", "string", "binary", "array", "map" };
          return set_truncated (error, names[kind], start, header + size, available);
        }

      if (kind == KIND_STR && !utf8_valid_allowing_nul (data + pos + header, size))
        {
          g_set_error (error, HORMIGA_WIRE_ERROR, HORMIGA_WIRE_ERROR_MALFORMED,
                       "string at offset %" G_GSIZE_FORMAT " is not valid UTF-8", start);
          return FALSE;
        }

      pos += header + size;

      if ((kind == KIND_ARRAY || kind == KIND_MAP) && count > 0)
        {
          /* A map holds a key and a value per entry. */
          remaining[depth++] = kind == KIND_MAP ? count * 2 : count;
          continue;
        }

      /* This object is complete: so, maybe, are the containers around it. */
      while (depth > 0 && --remaining[depth - 1] == 0)
        depth--;
      if (depth == 0)
        break;
    }

  if (pos != length)
    {
      g_set_error (error, HORMIGA_WIRE_ERROR, HORMIGA_WIRE_ERROR_TRAILING_DATA,
                   "frame has %" G_GSIZE_FORMAT " byte(s) after the object that ends at "
                   "offset %" G_GSIZE_FORMAT "; a frame must hold exactly one object",
                   length - pos, pos);
      return FALSE;
    }

  return TRUE;
}
