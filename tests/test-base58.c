/* test-base58.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Vectors, all checked against an independent big-integer implementation
 * (Python):
 * - draft-msporny-base58 (IETF, "The Base58 Encoding Scheme"), test vectors:
 *   "Hello World!", the quick brown fox, and 00 00 28 7f b4 cd → "11233QC4".
 * - multiformats/multibase, tests/basic.csv, leading_zero.csv,
 *   two_leading_zeros.csv and test1.csv: the base58btc ('z') rows, without
 *   their multibase prefix.
 */
#include "hormiga-base58.h"
#include "hormiga-identity-error.h"

static void
check_vector (const guint8 *data,
              gsize         length,
              const char   *text)
{
  g_autofree char *encoded = hormiga_base58_encode (data, length);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) decoded = NULL;

  g_assert_cmpstr (encoded, ==, text);
  decoded = hormiga_base58_decode (text, 64, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (decoded, NULL), g_bytes_get_size (decoded), data, length);
}

static void
test_vectors (void)
{
  static const guint8 zeros[] = { 0x00, 0x00, 0x28, 0x7f, 0xb4, 0xcd };
  static const guint8 one_zero[] = { 0x00 };

  check_vector ((const guint8 *) "Hello World!", 12, "2NEpo7TZRRrLZSi2U");
  check_vector ((const guint8 *) "The quick brown fox jumps over the lazy dog.", 44,
                "USm3fpXnKG5EUBx2ndxBDMPVciP5hGey2Jh4NDv6gmeo1LkMeiKrLJUUBk6Z");
  check_vector (zeros, sizeof zeros, "11233QC4");
  check_vector ((const guint8 *) "yes mani !", 10, "7paNL19xttacUY");
  check_vector ((const guint8 *) "\0yes mani !", 11, "17paNL19xttacUY");
  check_vector ((const guint8 *) "\0\0yes mani !", 12, "117paNL19xttacUY");
  check_vector ((const guint8 *) "Decentralize everything!!", 25,
                "UXE7GvtEk8XTXs1GF8HSGbVA9FCX9SEBPe");
  check_vector (one_zero, 1, "1");
  check_vector ((const guint8 *) "", 0, "");
}

static void
test_round_trip (void)
{
  for (guint i = 0; i < 200; i++)
    {
      guint8 data[48];
      gsize length = (gsize) g_test_rand_int_range (0, sizeof data + 1);
      g_autofree char *text = NULL;
      g_autoptr(GBytes) back = NULL;
      g_autoptr(GError) error = NULL;

      for (gsize j = 0; j < length; j++)
        data[j] = (guint8) g_test_rand_int_range (0, 256);
      /* Exercise leading zeros too. */
      if (length > 2 && i % 3 == 0)
        data[0] = data[1] = 0;

      text = hormiga_base58_encode (data, length);
      back = hormiga_base58_decode (text, sizeof data, &error);
      g_assert_no_error (error);
      g_assert_cmpmem (g_bytes_get_data (back, NULL), g_bytes_get_size (back), data, length);
    }
}

static void
test_rejects (void)
{
  const char *bad[] = { "0abc", "abcO", "I", "xyzl", "ab+c", "abc d", "caf\xc3\xa9", "ab\tc",
                        "\x7f", NULL };

  for (guint i = 0; bad[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) bytes = hormiga_base58_decode (bad[i], 64, &error);

      g_assert_null (bytes);
      g_assert_error (error, HORMIGA_IDENTITY_ERROR, HORMIGA_IDENTITY_ERROR_INVALID_PEER_ID);
      g_assert_nonnull (strstr (error->message, "position"));
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
    }
}

static void
test_reject_message (void)
{
  g_autoptr(GError) error = NULL;

  /* The message names the character and where it is. */
  g_assert_null (hormiga_base58_decode ("2NEpo7TZ0RrLZSi2U", 64, &error));
  g_assert_error (error, HORMIGA_IDENTITY_ERROR, HORMIGA_IDENTITY_ERROR_INVALID_PEER_ID);
  g_assert_nonnull (strstr (error->message, "“0” at position 8"));
  g_clear_error (&error);

  g_assert_null (hormiga_base58_decode ("12\x01", 64, &error));
  g_assert_nonnull (strstr (error->message, "byte 0x01 at position 2"));
}

static void
test_max_length (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) ok = NULL;
  g_autoptr(GBytes) too_long = NULL;
  g_autofree char *long_text = g_strnfill (1000, 'z');

  /* "2NEpo7TZRRrLZSi2U" is 12 bytes: accepted with 12, refused with 11. */
  ok = hormiga_base58_decode ("2NEpo7TZRRrLZSi2U", 12, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (ok), ==, 12);

  too_long = hormiga_base58_decode ("2NEpo7TZRRrLZSi2U", 11, &error);
  g_assert_null (too_long);
  g_assert_error (error, HORMIGA_IDENTITY_ERROR, HORMIGA_IDENTITY_ERROR_INVALID_PEER_ID);
  g_clear_error (&error);

  /* Long text is refused before any arithmetic. */
  g_assert_null (hormiga_base58_decode (long_text, 38, &error));
  g_assert_error (error, HORMIGA_IDENTITY_ERROR, HORMIGA_IDENTITY_ERROR_INVALID_PEER_ID);
  g_clear_error (&error);

  /* Leading '1's are a byte each and count too. */
  g_assert_null (hormiga_base58_decode ("1111", 3, &error));
  g_assert_error (error, HORMIGA_IDENTITY_ERROR, HORMIGA_IDENTITY_ERROR_INVALID_PEER_ID);
  g_clear_error (&error);

  /* No limit at all does not overflow the length check. */
  g_clear_pointer (&ok, g_bytes_unref);
  ok = hormiga_base58_decode ("2NEpo7TZRRrLZSi2U", G_MAXSIZE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (ok), ==, 12);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/hormiga/base58/vectors", test_vectors);
  g_test_add_func ("/hormiga/base58/round-trip", test_round_trip);
  g_test_add_func ("/hormiga/base58/rejects", test_rejects);
  g_test_add_func ("/hormiga/base58/reject-message", test_reject_message);
  g_test_add_func ("/hormiga/base58/max-length", test_max_length);
  return g_test_run ();
}
