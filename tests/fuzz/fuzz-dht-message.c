/* fuzz-dht-message.c — libFuzzer target for DHT messages
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every input either fails with one of the three decoding errors of
 * HORMIGA_DHT_ERROR and a message, or decodes to a message whose canonical
 * encoding is no longer than the input and decodes to itself.
 */
#include <glib.h>
#include <stdint.h>

#include "hormiga-dht-error.h"
#include "hormiga-dht-message.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GBytes) bytes = g_bytes_new (data, size);
  g_autoptr(GError) error = NULL;
  g_autoptr(HormigaDhtMessage) message = hormiga_dht_message_decode (bytes, &error);

  if (message == NULL)
    {
      g_assert_nonnull (error);
      g_assert_true (error->domain == HORMIGA_DHT_ERROR);
      g_assert_true (error->code == HORMIGA_DHT_ERROR_MALFORMED ||
                     error->code == HORMIGA_DHT_ERROR_UNKNOWN_TYPE ||
                     error->code == HORMIGA_DHT_ERROR_TOO_LARGE);
      g_assert_true (error->message[0] != '\0');
      return 0;
    }
  g_assert_no_error (error);
  g_assert_cmpuint (message->nodes->len, <=, HORMIGA_DHT_MESSAGE_MAX_NODES);
  g_assert_cmpuint (message->records->len, <=, HORMIGA_DHT_MESSAGE_MAX_RECORDS);

  /* decode ∘ encode is the identity on what decodes, and the canonical
   * encoding (shortest headers, no unknown keys) never grows. */
  {
    g_autoptr(GBytes) encoded = hormiga_dht_message_encode (message);
    g_autoptr(HormigaDhtMessage) back = NULL;
    g_autoptr(GBytes) again = NULL;

    g_assert_nonnull (encoded);
    g_assert_cmpuint (g_bytes_get_size (encoded), <=, size);
    back = hormiga_dht_message_decode (encoded, &error);
    g_assert_no_error (error);
    g_assert_cmpint (back->type, ==, message->type);
    g_assert_cmpuint (back->id, ==, message->id);
    g_assert_cmpint (!!back->client, ==, !!message->client);
    g_assert_cmpuint (back->nodes->len, ==, message->nodes->len);
    g_assert_cmpuint (back->records->len, ==, message->records->len);
    g_assert_true ((back->record == NULL) == (message->record == NULL));
    g_assert_cmpstr (back->text, ==, message->text);
    g_assert_cmpstr (back->name, ==, message->name);
    g_assert_true (message->name == NULL ||
                   hormiga_dht_message_check_name (message->name, -1, NULL));
    g_assert_cmpint (back->kind, ==, message->kind);
    g_assert_true (hormiga_dht_key_equal (&back->key, &message->key));
    again = hormiga_dht_message_encode (back);
    g_assert_true (g_bytes_equal (encoded, again));
  }
  return 0;
}
