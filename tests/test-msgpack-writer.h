/* test-msgpack-writer.h — a minimal MessagePack writer for building frames
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Independent of msgpack-c and of hormiga_message_encode(), so tests can
 * build hostile or unusual frames (wrong types, duplicate keys, headers that
 * lie about their size) byte by byte.
 */
#pragma once

#include <glib.h>
#include <string.h>

static inline void
mp_byte (GByteArray *b,
         guint8      byte)
{
  g_byte_array_append (b, &byte, 1);
}

static inline void
mp_be (GByteArray *b,
       guint64     value,
       guint       n_bytes)
{
  for (guint i = n_bytes; i > 0; i--)
    mp_byte (b, (value >> (8 * (i - 1))) & 0xff);
}

/* Shortest header for a str/bin/array/map, like msgpack-c's packer. */
static inline void
mp_map (GByteArray *b,
        guint32     n)
{
  if (n < 16)
    mp_byte (b, 0x80 | n);
  else if (n <= G_MAXUINT16)
    {
      mp_byte (b, 0xde);
      mp_be (b, n, 2);
    }
  else
    {
      mp_byte (b, 0xdf);
      mp_be (b, n, 4);
    }
}

static inline void
mp_array (GByteArray *b,
          guint32     n)
{
  if (n < 16)
    mp_byte (b, 0x90 | n);
  else if (n <= G_MAXUINT16)
    {
      mp_byte (b, 0xdc);
      mp_be (b, n, 2);
    }
  else
    {
      mp_byte (b, 0xdd);
      mp_be (b, n, 4);
    }
}

static inline void
mp_str_len (GByteArray *b,
            const char *text,
            gsize       length)
{
  if (length < 32)
    mp_byte (b, 0xa0 | length);
  else if (length <= G_MAXUINT8)
    {
      mp_byte (b, 0xd9);
      mp_be (b, length, 1);
    }
  else if (length <= G_MAXUINT16)
    {
      mp_byte (b, 0xda);
      mp_be (b, length, 2);
    }
  else
    {
      mp_byte (b, 0xdb);
      mp_be (b, length, 4);
    }
  g_byte_array_append (b, (const guint8 *) text, length);
}

static inline void
mp_str (GByteArray *b,
        const char *text)
{
  mp_str_len (b, text, strlen (text));
}

/* A str of @length copies of @c. */
static inline void
mp_str_fill (GByteArray *b,
             char        c,
             gsize       length)
{
  g_autofree char *text = g_strnfill (length, c);

  mp_str_len (b, text, length);
}

static inline void
mp_bin (GByteArray   *b,
        const guint8 *data,
        gsize         length)
{
  if (length <= G_MAXUINT8)
    {
      mp_byte (b, 0xc4);
      mp_be (b, length, 1);
    }
  else if (length <= G_MAXUINT16)
    {
      mp_byte (b, 0xc5);
      mp_be (b, length, 2);
    }
  else
    {
      mp_byte (b, 0xc6);
      mp_be (b, length, 4);
    }
  for (gsize i = 0; i < length; i++)
    mp_byte (b, data != NULL ? data[i] : (guint8) i);
}

static inline void
mp_uint (GByteArray *b,
         guint64     value)
{
  if (value < 0x80)
    mp_byte (b, value);
  else if (value <= G_MAXUINT8)
    {
      mp_byte (b, 0xcc);
      mp_be (b, value, 1);
    }
  else if (value <= G_MAXUINT16)
    {
      mp_byte (b, 0xcd);
      mp_be (b, value, 2);
    }
  else if (value <= G_MAXUINT32)
    {
      mp_byte (b, 0xce);
      mp_be (b, value, 4);
    }
  else
    {
      mp_byte (b, 0xcf);
      mp_be (b, value, 8);
    }
}

static inline void
mp_int64 (GByteArray *b,
          gint64      value)
{
  mp_byte (b, 0xd3);
  mp_be (b, (guint64) value, 8);
}

/* Opens an envelope map of @n_fields fields besides "v" and "t". */
static inline void
mp_envelope (GByteArray *b,
             const char *type,
             guint       n_fields)
{
  mp_map (b, 2 + n_fields);
  mp_str (b, "v");
  mp_uint (b, 1);
  mp_str (b, "t");
  mp_str (b, type);
}
