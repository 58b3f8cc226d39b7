/* test-wire-check.c — hormiga_wire_check() on hand-built frames
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "hormiga-wire-error.h"
#include "hormiga-wire-limits.h"
#include "test-msgpack-writer.h"

/* Checks @frame and asserts it is refused with @code and a message that
 * contains each of the NULL-terminated @needles. */
static void
assert_refused (GByteArray              *frame,
                const HormigaWireLimits *limits,
                HormigaWireError         code,
                ...)
{
  g_autoptr(GError) error = NULL;
  const char *needle;
  va_list args;

  g_assert_false (hormiga_wire_check (frame->data, frame->len, limits, &error));
  g_assert_error (error, HORMIGA_WIRE_ERROR, (gint) code);
  g_test_message ("refused: %s", error->message);

  va_start (args, code);
  while ((needle = va_arg (args, const char *)) != NULL)
    {
      if (strstr (error->message, needle) == NULL)
        g_error ("\"%s\" is missing from the message \"%s\"", needle, error->message);
    }
  va_end (args);
}

static void
assert_accepted (GByteArray              *frame,
                 const HormigaWireLimits *limits)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (hormiga_wire_check (frame->data, frame->len, limits, &error));
  g_assert_no_error (error);
}

/* One array holding an object of every MessagePack format the protocol
 * allows, each in every size class. */
static GByteArray *
build_every_format (void)
{
  GByteArray *b = g_byte_array_new ();
  g_autofree char *long_text = g_strnfill (300, 'x');

  mp_array (b, 34);
  mp_byte (b, 0xc0);                         /* nil */
  mp_byte (b, 0xc2);                         /* false */
  mp_byte (b, 0xc3);                         /* true */
  mp_byte (b, 0x7f);                         /* positive fixint */
  mp_byte (b, 0xe0);                         /* negative fixint */
  mp_byte (b, 0xcc); mp_be (b, 0xff, 1);     /* uint 8 */
  mp_byte (b, 0xcd); mp_be (b, 0xffff, 2);   /* uint 16 */
  mp_byte (b, 0xce); mp_be (b, 1, 4);        /* uint 32 */
  mp_byte (b, 0xcf); mp_be (b, 1, 8);        /* uint 64 */
  mp_byte (b, 0xd0); mp_be (b, 0x80, 1);     /* int 8 */
  mp_byte (b, 0xd1); mp_be (b, 0x8000, 2);   /* int 16 */
  mp_byte (b, 0xd2); mp_be (b, 1, 4);        /* int 32 */
  mp_int64 (b, -1);                          /* int 64 */
  mp_byte (b, 0xca); mp_be (b, 0x3f800000, 4); /* float 32: 1.0 */
  mp_byte (b, 0xcb); mp_be (b, G_GUINT64_CONSTANT (0x3ff0000000000000), 8); /* float 64 */
  mp_str (b, "fixstr");
  mp_byte (b, 0xd9); mp_be (b, 2, 1); g_byte_array_append (b, (const guint8 *) "s8", 2);
  mp_byte (b, 0xda); mp_be (b, 3, 2); g_byte_array_append (b, (const guint8 *) "s16", 3);
  mp_byte (b, 0xdb); mp_be (b, 3, 4); g_byte_array_append (b, (const guint8 *) "s32", 3);
  mp_str (b, long_text);                     /* str 16 */
  mp_str (b, "añil ✓ 🐜");                   /* multi-byte UTF-8 */
  mp_byte (b, 0xc4); mp_be (b, 1, 1); mp_byte (b, 0);           /* bin 8 */
  mp_byte (b, 0xc5); mp_be (b, 1, 2); mp_byte (b, 0);           /* bin 16 */
  mp_byte (b, 0xc6); mp_be (b, 0, 4);                           /* bin 32, empty */
  mp_byte (b, 0x90);                                            /* fixarray, empty */
  mp_byte (b, 0x91); mp_byte (b, 0xc0);                         /* fixarray */
  mp_byte (b, 0xdc); mp_be (b, 1, 2); mp_byte (b, 0x01);        /* array 16 */
  mp_byte (b, 0xdd); mp_be (b, 1, 4); mp_byte (b, 0x02);        /* array 32 */
  mp_byte (b, 0x80);                                            /* fixmap, empty */
  mp_byte (b, 0x81); mp_str (b, "k"); mp_byte (b, 0xc3);        /* fixmap */
  mp_byte (b, 0xde); mp_be (b, 1, 2); mp_byte (b, 1); mp_byte (b, 2); /* map 16 */
  mp_byte (b, 0xdf); mp_be (b, 1, 4); mp_str (b, "m"); mp_array (b, 0); /* map 32 */
  mp_str_len (b, "a\0b", 3);                 /* U+0000 is valid UTF-8 */
  mp_map (b, 2);                             /* a nested envelope-like map */
  mp_str (b, "v");
  mp_uint (b, 1);
  mp_str (b, "t");
  mp_str (b, "ping");
  return b;
}

static void
test_every_format (void)
{
  g_autoptr(GByteArray) frame = build_every_format ();

  assert_accepted (frame, NULL);
  assert_accepted (frame, hormiga_wire_limits_default ());
}

static void
test_top_level_scalar (void)
{
  g_autoptr(GByteArray) frame = g_byte_array_new ();

  /* The checker only checks MessagePack; the envelope is the decoder's job. */
  mp_uint (frame, 7);
  assert_accepted (frame, NULL);
}

static void
test_defaults (void)
{
  const HormigaWireLimits *limits = hormiga_wire_limits_default ();

  g_assert_cmpuint (limits->max_frame_size, ==, 65536);
  g_assert_cmpuint (limits->max_depth, ==, 8);
  g_assert_cmpuint (limits->max_string_length, ==, 4096);
  g_assert_cmpuint (limits->max_binary_length, ==, 65536);
  g_assert_cmpuint (limits->max_array_length, ==, 1024);
  g_assert_cmpuint (limits->max_map_length, ==, 64);
  g_assert_cmpuint (limits->max_total_items, ==, 8192);
}

static void
test_frame_too_large (void)
{
  g_autoptr(GByteArray) frame = g_byte_array_new ();
  HormigaWireLimits limits = *hormiga_wire_limits_default ();

  /* A valid str that would pass every other limit. */
  g_byte_array_set_size (frame, 70000);
  memset (frame->data, 0xc0, frame->len);
  assert_refused (frame, NULL, HORMIGA_WIRE_ERROR_TOO_LARGE, "70000", "65536", NULL);

  /* Exactly the limit passes the size check (then fails as trailing nils). */
  g_byte_array_set_size (frame, 65536);
  assert_refused (frame, NULL, HORMIGA_WIRE_ERROR_TRAILING_DATA, NULL);

  g_byte_array_set_size (frame, 0);
  mp_str_fill (frame, 'a', 100);
  limits.max_frame_size = 101;
  assert_refused (frame, &limits, HORMIGA_WIRE_ERROR_TOO_LARGE, "102", "101", NULL);
  limits.max_frame_size = 102;
  assert_accepted (frame, &limits);
}

static GByteArray *
build_nested (guint levels,
              gboolean maps)
{
  GByteArray *b = g_byte_array_new ();

  for (guint i = 1; i < levels; i++)
    {
      if (maps)
        {
          mp_map (b, 1);
          mp_str (b, "k");
        }
      else
        mp_array (b, 1);
    }
  if (maps)
    mp_map (b, 0);
  else
    mp_array (b, 0);
  return b;
}

static void
test_depth (void)
{
  for (guint maps = 0; maps <= 1; maps++)
    {
      g_autoptr(GByteArray) eight = build_nested (8, maps);
      g_autoptr(GByteArray) nine = build_nested (9, maps);
      HormigaWireLimits limits = *hormiga_wire_limits_default ();

      assert_accepted (eight, NULL);
      assert_refused (nine, NULL, HORMIGA_WIRE_ERROR_TOO_DEEP, "9 levels", "limit is 8", NULL);

      limits.max_depth = 9;
      assert_accepted (nine, &limits);
      limits.max_depth = 1;
      assert_refused (eight, &limits, HORMIGA_WIRE_ERROR_TOO_DEEP, "2 levels", "limit is 1",
                      NULL);
    }

  /* The deepest the checker supports: 32 (msgpack-c's own nesting limit). */
  {
    g_autoptr(GByteArray) deep = build_nested (32, FALSE);
    HormigaWireLimits limits = *hormiga_wire_limits_default ();

    limits.max_depth = 32;
    assert_accepted (deep, &limits);
  }
}

static void
test_string_length (void)
{
  g_autoptr(GByteArray) at_limit = g_byte_array_new ();
  g_autoptr(GByteArray) over = g_byte_array_new ();
  g_autoptr(GByteArray) huge = g_byte_array_new ();

  mp_str_fill (at_limit, 'a', 4096);
  assert_accepted (at_limit, NULL);

  mp_str_fill (over, 'a', 4097);
  assert_refused (over, NULL, HORMIGA_WIRE_ERROR_STRING_TOO_LONG, "4097", "4096", "offset 0",
                  NULL);

  /* str 32 announcing 2^32-1 bytes in a 5-byte frame: refused on the header. */
  mp_byte (huge, 0xdb);
  mp_be (huge, G_MAXUINT32, 4);
  assert_refused (huge, NULL, HORMIGA_WIRE_ERROR_STRING_TOO_LONG, "4294967295", NULL);
}

static void
test_binary_length (void)
{
  g_autoptr(GByteArray) at_limit = g_byte_array_new ();
  g_autoptr(GByteArray) over = g_byte_array_new ();
  g_autoptr(GByteArray) huge = g_byte_array_new ();
  HormigaWireLimits limits = *hormiga_wire_limits_default ();

  limits.max_binary_length = 300;
  mp_bin (at_limit, NULL, 300);
  assert_accepted (at_limit, &limits);

  mp_bin (over, NULL, 301);
  assert_refused (over, &limits, HORMIGA_WIRE_ERROR_BINARY_TOO_LONG, "301", "300", NULL);

  mp_byte (huge, 0xc6);
  mp_be (huge, G_MAXUINT32, 4);
  assert_refused (huge, NULL, HORMIGA_WIRE_ERROR_BINARY_TOO_LONG, "4294967295", "65536", NULL);
}

static void
test_array_length (void)
{
  g_autoptr(GByteArray) at_limit = g_byte_array_new ();
  g_autoptr(GByteArray) over = g_byte_array_new ();
  g_autoptr(GByteArray) huge = g_byte_array_new ();

  mp_array (at_limit, 1024);
  for (guint i = 0; i < 1024; i++)
    mp_byte (at_limit, 0xc0);
  assert_accepted (at_limit, NULL);

  mp_array (over, 1025);
  for (guint i = 0; i < 1025; i++)
    mp_byte (over, 0xc0);
  assert_refused (over, NULL, HORMIGA_WIRE_ERROR_TOO_MANY_ITEMS, "1025", "1024", NULL);

  /* Five bytes announcing 4 billion elements: refused without reading on. */
  mp_byte (huge, 0xdd);
  mp_be (huge, G_MAXUINT32, 4);
  g_assert_cmpuint (huge->len, ==, 5);
  assert_refused (huge, NULL, HORMIGA_WIRE_ERROR_TOO_MANY_ITEMS, "4294967295", "1024", NULL);
}

static void
test_map_length (void)
{
  g_autoptr(GByteArray) at_limit = g_byte_array_new ();
  g_autoptr(GByteArray) over = g_byte_array_new ();
  g_autoptr(GByteArray) huge = g_byte_array_new ();

  mp_map (at_limit, 64);
  for (guint i = 0; i < 64; i++)
    {
      mp_uint (at_limit, i);
      mp_byte (at_limit, 0xc0);
    }
  assert_accepted (at_limit, NULL);

  mp_map (over, 65);
  for (guint i = 0; i < 65; i++)
    {
      mp_uint (over, i);
      mp_byte (over, 0xc0);
    }
  assert_refused (over, NULL, HORMIGA_WIRE_ERROR_TOO_MANY_ITEMS, "65 entries", "64", NULL);

  mp_byte (huge, 0xdf);
  mp_be (huge, G_MAXUINT32, 4);
  assert_refused (huge, NULL, HORMIGA_WIRE_ERROR_TOO_MANY_ITEMS, "4294967295", NULL);
}

/* An array of @n_arrays arrays of @n_each nils: 1 + n_arrays * (1 + n_each)
 * objects. */
static GByteArray *
build_grid (guint n_arrays,
            guint n_each)
{
  GByteArray *b = g_byte_array_new ();

  mp_array (b, n_arrays);
  for (guint i = 0; i < n_arrays; i++)
    {
      mp_array (b, n_each);
      for (guint j = 0; j < n_each; j++)
        mp_byte (b, 0xc0);
    }
  return b;
}

static void
test_total_items (void)
{
  HormigaWireLimits limits = *hormiga_wire_limits_default ();
  g_autoptr(GByteArray) small = g_byte_array_new ();
  g_autoptr(GByteArray) fits = build_grid (8, 1022);  /* 1 + 8 * 1023 = 8185 */
  g_autoptr(GByteArray) over = build_grid (8, 1023);  /* 1 + 8 * 1024 = 8193 */

  assert_accepted (fits, NULL);
  assert_refused (over, NULL, HORMIGA_WIRE_ERROR_TOO_MANY_ITEMS, "8192", NULL);

  /* An array of 9 nils is 10 objects. */
  limits.max_total_items = 10;
  mp_array (small, 9);
  for (guint i = 0; i < 9; i++)
    mp_byte (small, 0xc0);
  assert_accepted (small, &limits);
  limits.max_total_items = 9;
  assert_refused (small, &limits, HORMIGA_WIRE_ERROR_TOO_MANY_ITEMS, "more than 9", NULL);
}

static void
test_truncated (void)
{
  g_autoptr(GByteArray) frame = build_every_format ();

  for (guint length = 0; length < frame->len; length++)
    {
      g_autoptr(GError) error = NULL;
      /* A copy of exactly @length bytes, so ASan sees any read past it. */
      g_autofree guint8 *prefix = g_memdup2 (frame->data, length);

      g_assert_false (hormiga_wire_check (prefix, length, NULL, &error));
      g_assert_error (error, HORMIGA_WIRE_ERROR, HORMIGA_WIRE_ERROR_MALFORMED);
      g_assert_cmpstr (error->message, !=, "");
      if (length > 0)
        g_assert_nonnull (strstr (error->message, "truncated"));
    }
}

static void
test_truncated_messages (void)
{
  g_autoptr(GByteArray) header = g_byte_array_new ();
  g_autoptr(GByteArray) body = g_byte_array_new ();
  g_autoptr(GByteArray) elements = g_byte_array_new ();

  g_byte_array_append (header, (const guint8 *) "\x91\xcd\x01", 3);
  assert_refused (header, NULL, HORMIGA_WIRE_ERROR_MALFORMED, "offset 1", "needs 3 bytes",
                  "only 2 remain", NULL);

  g_byte_array_append (body, (const guint8 *) "\xa5he", 3);
  assert_refused (body, NULL, HORMIGA_WIRE_ERROR_MALFORMED, "string at offset 0",
                  "needs 6 bytes", NULL);

  g_byte_array_append (elements, (const guint8 *) "\x93\xc0", 2);
  assert_refused (elements, NULL, HORMIGA_WIRE_ERROR_MALFORMED, "ends at offset 2",
                  "2 more object", NULL);
}

static void
test_trailing_data (void)
{
  g_autoptr(GByteArray) one_extra = g_byte_array_new ();
  g_autoptr(GByteArray) two_objects = g_byte_array_new ();

  mp_map (one_extra, 0);
  mp_byte (one_extra, 0x00);
  assert_refused (one_extra, NULL, HORMIGA_WIRE_ERROR_TRAILING_DATA, "1 byte", "offset 1", NULL);

  mp_envelope (two_objects, "ping", 0);
  mp_envelope (two_objects, "ping", 0);
  assert_refused (two_objects, NULL, HORMIGA_WIRE_ERROR_TRAILING_DATA, "11 byte", "offset 11",
                  NULL);
}

static void
test_extension_types (void)
{
  static const guint8 ext_bytes[] = { 0xc7, 0xc8, 0xc9, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8 };

  for (guint i = 0; i < G_N_ELEMENTS (ext_bytes); i++)
    {
      g_autoptr(GByteArray) frame = g_byte_array_new ();
      g_autofree char *hex = g_strdup_printf ("0x%02x", ext_bytes[i]);

      /* Inside an array, with a plausible body after it. */
      mp_array (frame, 1);
      mp_byte (frame, ext_bytes[i]);
      for (guint j = 0; j < 20; j++)
        mp_byte (frame, 1);
      assert_refused (frame, NULL, HORMIGA_WIRE_ERROR_MALFORMED, hex, "offset 1",
                      "extension types are not used by this protocol", NULL);
    }
}

static void
test_never_used_byte (void)
{
  g_autoptr(GByteArray) frame = g_byte_array_new ();

  mp_map (frame, 1);
  mp_str (frame, "k");
  mp_byte (frame, 0xc1);
  assert_refused (frame, NULL, HORMIGA_WIRE_ERROR_MALFORMED, "0xc1", "offset 3", NULL);
}

static void
test_invalid_utf8 (void)
{
  static const char *const bad[] = {
    "\xff",              /* never valid */
    "ok\xc0\x80",        /* overlong NUL */
    "\xe2\x82",          /* truncated sequence */
    "\xed\xa0\x80",      /* UTF-16 surrogate */
    "a\xf4\x90\x80\x80", /* above U+10FFFF */
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GByteArray) frame = g_byte_array_new ();

      mp_array (frame, 2);
      mp_str (frame, "fine");
      mp_str (frame, bad[i]);
      assert_refused (frame, NULL, HORMIGA_WIRE_ERROR_MALFORMED,
                      "string at offset 6 is not valid UTF-8", NULL);
    }

  /* Invalid bytes after a NUL are still found. */
  {
    g_autoptr(GByteArray) frame = g_byte_array_new ();

    mp_str_len (frame, "a\0\xff", 3);
    assert_refused (frame, NULL, HORMIGA_WIRE_ERROR_MALFORMED, "offset 0", "UTF-8", NULL);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/hormiga/wire-check/every-format", test_every_format);
  g_test_add_func ("/hormiga/wire-check/top-level-scalar", test_top_level_scalar);
  g_test_add_func ("/hormiga/wire-check/defaults", test_defaults);
  g_test_add_func ("/hormiga/wire-check/frame-too-large", test_frame_too_large);
  g_test_add_func ("/hormiga/wire-check/depth", test_depth);
  g_test_add_func ("/hormiga/wire-check/string-length", test_string_length);
  g_test_add_func ("/hormiga/wire-check/binary-length", test_binary_length);
  g_test_add_func ("/hormiga/wire-check/array-length", test_array_length);
  g_test_add_func ("/hormiga/wire-check/map-length", test_map_length);
  g_test_add_func ("/hormiga/wire-check/total-items", test_total_items);
  g_test_add_func ("/hormiga/wire-check/truncated", test_truncated);
  g_test_add_func ("/hormiga/wire-check/truncated-messages", test_truncated_messages);
  g_test_add_func ("/hormiga/wire-check/trailing-data", test_trailing_data);
  g_test_add_func ("/hormiga/wire-check/extension-types", test_extension_types);
  g_test_add_func ("/hormiga/wire-check/never-used-byte", test_never_used_byte);
  g_test_add_func ("/hormiga/wire-check/invalid-utf8", test_invalid_utf8);
  return g_test_run ();
}
