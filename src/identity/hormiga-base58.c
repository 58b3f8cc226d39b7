/* hormiga-base58.c — base58btc
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Plain big-number conversion, quadratic in the length: inputs are bounded
 * (PeerIDs are 38 bytes), and decode refuses text longer than the largest
 * result allowed could produce.
 */
#include <string.h>

#include "hormiga-base58.h"
#include "hormiga-identity-error.h"

static const char alphabet[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

char *
hormiga_base58_encode (const guint8 *data,
                       gsize         length)
{
  gsize zeros = 0;
  gsize size;
  g_autofree guint8 *digits = NULL;
  gsize n_digits = 0;
  GString *out;

  g_return_val_if_fail (data != NULL || length == 0, NULL);

  while (zeros < length && data[zeros] == 0)
    zeros++;

  /* log(256) / log(58) < 1.37 */
  size = (length - zeros) * 138 / 100 + 1;
  digits = g_malloc0 (size);

  for (gsize i = zeros; i < length; i++)
    {
      guint carry = data[i];

      for (gsize j = 0; j < n_digits; j++)
        {
          carry += (guint) digits[j] << 8;
          digits[j] = carry % 58;
          carry /= 58;
        }
      while (carry > 0)
        {
          g_assert (n_digits < size);
          digits[n_digits++] = carry % 58;
          carry /= 58;
        }
    }

  out = g_string_sized_new (zeros + n_digits + 1);
  for (gsize i = 0; i < zeros; i++)
    g_string_append_c (out, '1');
  for (gsize i = n_digits; i > 0; i--)
    g_string_append_c (out, alphabet[digits[i - 1]]);
  return g_string_free (out, FALSE);
}

static int
digit_value (char c)
{
  const char *at = (c != '\0') ? strchr (alphabet, c) : NULL;

  return at ? (int) (at - alphabet) : -1;
}

GBytes *
hormiga_base58_decode (const char  *text,
                       gsize        max_length,
                       GError     **error)
{
  gsize max_text;
  gsize text_length;
  gsize zeros = 0;
  gsize n_bytes = 0;
  g_autofree guint8 *bytes = NULL;
  guint8 *out;

  g_return_val_if_fail (text != NULL, NULL);

  /* Each character past the leading '1's carries more than 5.8 bits and each
   * leading '1' is one byte, so text longer than this cannot fit max_length
   * bytes. Not even strlen() looks further. */
  max_text = (max_length < (G_MAXSIZE - 2) / 2) ? max_length * 2 + 2 : G_MAXSIZE - 1;
  text_length = strnlen (text, max_text + 1);
  if (text_length > max_text)
    {
      g_set_error (error, HORMIGA_IDENTITY_ERROR, HORMIGA_IDENTITY_ERROR_INVALID_PEER_ID,
                   "base58 text is longer than %" G_GSIZE_FORMAT " characters; at most %"
                   G_GSIZE_FORMAT " bytes are expected", max_text, max_length);
      return NULL;
    }

  while (text[zeros] == '1')
    zeros++;

  bytes = g_malloc0 (text_length + 1);
  for (gsize i = zeros; i < text_length; i++)
    {
      int value = digit_value (text[i]);
      guint carry;

      if (value < 0)
        {
          if ((guchar) text[i] >= 0x80)
            g_set_error (error, HORMIGA_IDENTITY_ERROR, HORMIGA_IDENTITY_ERROR_INVALID_PEER_ID,
                         "non-ASCII byte at position %" G_GSIZE_FORMAT " is not base58", i);
          else if (!g_ascii_isgraph (text[i]))
            g_set_error (error, HORMIGA_IDENTITY_ERROR, HORMIGA_IDENTITY_ERROR_INVALID_PEER_ID,
                         "byte 0x%02x at position %" G_GSIZE_FORMAT " is not a base58 character",
                         (guint) (guchar) text[i], i);
          else
            g_set_error (error, HORMIGA_IDENTITY_ERROR, HORMIGA_IDENTITY_ERROR_INVALID_PEER_ID,
                         "“%c” at position %" G_GSIZE_FORMAT " is not a base58 character "
                         "(0, O, I and l are not used)", text[i], i);
          return NULL;
        }

      carry = (guint) value;
      for (gsize j = 0; j < n_bytes; j++)
        {
          carry += (guint) bytes[j] * 58;
          bytes[j] = carry & 0xff;
          carry >>= 8;
        }
      while (carry > 0)
        {
          bytes[n_bytes++] = carry & 0xff;
          carry >>= 8;
        }
    }

  if (zeros + n_bytes > max_length)
    {
      g_set_error (error, HORMIGA_IDENTITY_ERROR, HORMIGA_IDENTITY_ERROR_INVALID_PEER_ID,
                   "base58 text decodes to %" G_GSIZE_FORMAT " bytes; at most %" G_GSIZE_FORMAT
                   " are expected", zeros + n_bytes, max_length);
      return NULL;
    }

  out = g_malloc0 (zeros + n_bytes + 1);
  for (gsize i = 0; i < n_bytes; i++)
    out[zeros + i] = bytes[n_bytes - 1 - i];
  return g_bytes_new_take (out, zeros + n_bytes);
}
