/* fuzz-contingency-message.c — libFuzzer target for contingency messages
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every input either fails with one of the three decoding errors of
 * HORMIGA_CONTINGENCY_ERROR and a message, or decodes to a message whose canonical
 * encoding is no longer than the input and decodes to itself.
 */
#include <glib.h>
#include <stdint.h>

#include "hormiga-contingency-error.h"
#include "hormiga-contingency-message.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GBytes) bytes = g_bytes_new (data, size);
  g_autoptr(GError) error = NULL;
  g_autoptr(HormigaContingencyMessage) message = hormiga_contingency_message_decode (bytes, &error);

  if (message == NULL)
    {
      g_assert_nonnull (error);
      g_assert_true (error->domain == HORMIGA_CONTINGENCY_ERROR);
      g_assert_true (error->code == HORMIGA_CONTINGENCY_ERROR_MALFORMED ||
                     error->code == HORMIGA_CONTINGENCY_ERROR_UNKNOWN_TYPE ||
                     error->code == HORMIGA_CONTINGENCY_ERROR_TOO_LARGE);
      g_assert_true (error->message[0] != '\0');
      return 0;
    }
  g_assert_no_error (error);
  g_assert_cmpuint (message->peers->len, <=, HORMIGA_CONTINGENCY_MESSAGE_MAX_PEERS);
  g_assert_cmpuint (message->records->len, <=, HORMIGA_CONTINGENCY_MESSAGE_MAX_RECORDS);
  g_assert_cmpuint (message->removed->len, <=, HORMIGA_CONTINGENCY_MESSAGE_MAX_REMOVED);
  if (message->blob != NULL)
    g_assert_cmpuint (message->blob_offset + g_bytes_get_size (message->blob), <=, message->blob_size);

  /* decode ∘ encode is the identity on what decodes, and the canonical
   * encoding (shortest headers, no unknown keys) never grows. */
  {
    g_autoptr(GBytes) encoded = hormiga_contingency_message_encode (message);
    g_autoptr(HormigaContingencyMessage) back = NULL;
    g_autoptr(GBytes) again = NULL;

    g_assert_nonnull (encoded);
    g_assert_cmpuint (g_bytes_get_size (encoded), <=, size);
    back = hormiga_contingency_message_decode (encoded, &error);
    g_assert_no_error (error);
    g_assert_cmpint (back->type, ==, message->type);
    g_assert_cmpuint (back->seq, ==, message->seq);
    g_assert_cmpint (!!back->more, ==, !!message->more);
    g_assert_cmpuint (back->peers->len, ==, message->peers->len);
    g_assert_cmpuint (back->records->len, ==, message->records->len);
    g_assert_cmpuint (back->removed->len, ==, message->removed->len);
    g_assert_true ((back->blob == NULL) == (message->blob == NULL));
    g_assert_cmpstr (back->text, ==, message->text);
    again = hormiga_contingency_message_encode (back);
    g_assert_true (g_bytes_equal (encoded, again));
  }
  return 0;
}
