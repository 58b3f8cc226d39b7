/* fuzz-share-message.c — libFuzzer target for file sharing messages
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every input either fails with one of the decoder's HORMIGA_SHARE_ERROR
 * codes and a UTF-8 message, or is a message within the limits of
 * hormiga-share-message.h that encodes back to the same bytes. The seeds
 * hold one message of each type and a few invalid ones.
 */
#include <glib.h>
#include <stdint.h>
#include <string.h>

#include "hormiga-share-error.h"
#include "hormiga-share-message.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GBytes) bytes = g_bytes_new (data, size);
  g_autoptr(GError) error = NULL;
  g_autoptr(HormigaShareMessage) message = hormiga_share_message_decode (bytes, &error);
  g_autoptr(GBytes) again = NULL;

  if (message == NULL)
    {
      g_assert_nonnull (error);
      g_assert_true (error->domain == HORMIGA_SHARE_ERROR);
      g_assert_true (error->code == HORMIGA_SHARE_ERROR_MALFORMED ||
                     error->code == HORMIGA_SHARE_ERROR_UNKNOWN_TYPE ||
                     error->code == HORMIGA_SHARE_ERROR_TOO_LARGE);
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
      return 0;
    }
  g_assert_no_error (error);

  g_assert_cmpuint (size, <=, HORMIGA_SHARE_MAX_MESSAGE);
  g_assert_cmpstr (hormiga_share_message_type_to_string (message->type), !=, "unknown");
  if (message->text != NULL)
    {
      g_assert_cmpuint (strlen (message->text), <=, HORMIGA_SHARE_MAX_TEXT);
      g_assert_true (g_utf8_validate (message->text, -1, NULL));
    }
  if (message->name != NULL)
    {
      g_assert_cmpuint (strlen (message->name), >=, 1);
      g_assert_cmpuint (strlen (message->name), <=, HORMIGA_MANIFEST_MAX_NAME);
      g_assert_true (g_utf8_validate (message->name, -1, NULL));
    }
  switch (message->type)
    {
    case HORMIGA_SHARE_MESSAGE_HAVE:
      g_assert_true ((message->bits != NULL) == (message->state == HORMIGA_SHARE_HAVE_SOME));
      g_assert_true ((message->msize != 0) == (message->state != HORMIGA_SHARE_HAVE_NONE));
      if (message->bits != NULL)
        {
          guint64 n = g_bytes_get_size (message->bits) * 8;

          g_assert_cmpuint (g_bytes_get_size (message->bits), <=, HORMIGA_SHARE_MAX_BITS);
          g_assert_true (hormiga_share_message_check_bits (message, n, NULL));
          (void) hormiga_share_message_has_chunk (message, n - 1);
          g_assert_false (hormiga_share_message_has_chunk (message, n));
        }
      break;
    case HORMIGA_SHARE_MESSAGE_GET_MANIFEST:
      g_assert_cmpuint (message->length, >=, 1);
      g_assert_cmpuint (message->length, <=, HORMIGA_SHARE_MAX_PIECE);
      g_assert_cmpuint (message->offset, <, HORMIGA_MANIFEST_MAX_SIZE);
      break;
    case HORMIGA_SHARE_MESSAGE_MANIFEST:
      g_assert_nonnull (message->data);
      g_assert_cmpuint (g_bytes_get_size (message->data), >=, 1);
      g_assert_cmpuint (g_bytes_get_size (message->data), <=, HORMIGA_SHARE_MAX_PIECE);
      g_assert_cmpuint (message->total, <=, HORMIGA_MANIFEST_MAX_SIZE);
      g_assert_cmpuint (message->offset + g_bytes_get_size (message->data), <=, message->total);
      break;
    case HORMIGA_SHARE_MESSAGE_CHUNK:
      g_assert_nonnull (message->data);
      g_assert_cmpuint (g_bytes_get_size (message->data), <=, HORMIGA_SHARE_MAX_CHUNK);
      break;
    case HORMIGA_SHARE_MESSAGE_ERROR:
      g_assert_nonnull (message->text);
      (void) hormiga_share_code_to_string (message->code);
      break;
    case HORMIGA_SHARE_MESSAGE_OFFER:
      g_assert_nonnull (message->name);
      g_assert_cmpuint (message->msize, >=, 1);
      break;
    case HORMIGA_SHARE_MESSAGE_WANT:
    case HORMIGA_SHARE_MESSAGE_GET_CHUNK:
    case HORMIGA_SHARE_MESSAGE_CANCEL:
    case HORMIGA_SHARE_MESSAGE_REPLY:
    default:
      break;
    }

  again = hormiga_share_message_encode (message);
  g_assert_true (g_bytes_equal (again, bytes));
  return 0;
}
