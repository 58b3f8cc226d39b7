/* fuzz-dht-record.c — libFuzzer target for DHT records
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Records are decoded at a fixed time, NOW below. Every input either fails
 * with one of the decoder's HORMIGA_DHT_ERROR codes and a message, or is a
 * record that keeps every promise of hormiga-dht-record.h: within the
 * limits, stored under the key its content gives, unexpired, and decoding
 * to the same record again. The seed corpus holds valid records of every
 * kind, signed by the identity of seed 0x42… and expiring at NOW + 3600.
 */
#include <glib.h>
#include <stdint.h>

#include "hormiga-dht-error.h"
#include "hormiga-dht-message.h"
#include "hormiga-dht-record.h"

#define NOW G_GUINT64_CONSTANT (1767225600) /* 2026-01-01T00:00:00Z */

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
assert_text (const char *text,
             gsize       max_length)
{
  gsize length = strlen (text);

  g_assert_cmpuint (length, >=, 1);
  g_assert_cmpuint (length, <=, max_length);
  g_assert_true (g_utf8_validate (text, (gssize) length, NULL));
}

static void
assert_same (const HormigaDhtRecord *a,
             const HormigaDhtRecord *b)
{
  g_assert_cmpint (a->kind, ==, b->kind);
  g_assert_true (hormiga_dht_key_equal (&a->key, &b->key));
  g_assert_cmpmem (a->owner, 32, b->owner, 32);
  g_assert_cmpstr (a->name, ==, b->name);
  g_assert_cmpuint (a->seq, ==, b->seq);
  g_assert_cmpuint (a->expires, ==, b->expires);
  g_assert_true (g_bytes_equal (a->value, b->value));
  g_assert_true ((a->addresses == NULL) == (b->addresses == NULL));
  if (a->addresses != NULL)
    g_assert_cmpstrv (a->addresses, b->addresses);
  g_assert_true (g_bytes_equal (a->encoded, b->encoded));
}

static void
assert_keyed (const HormigaDhtRecord *record)
{
  static const guint8 zero[32] = { 0 };
  g_autoptr(HormigaPeerId) owner = hormiga_dht_record_dup_owner (record);
  g_autoptr(GByteArray) input = g_byte_array_new ();
  HormigaDhtKey key;

  switch (record->kind)
    {
    case HORMIGA_DHT_RECORD_PEER:
      g_assert_nonnull (owner);
      g_assert_null (record->name);
      g_assert_cmpuint (g_bytes_get_size (record->value), ==, 0);
      g_assert_nonnull (record->addresses);
      g_assert_cmpuint (g_strv_length (record->addresses), <=, HORMIGA_DHT_RECORD_MAX_ADDRESSES);
      for (guint i = 0; record->addresses[i] != NULL; i++)
        assert_text (record->addresses[i], HORMIGA_DHT_RECORD_MAX_ADDRESS);
      g_assert_cmpmem (record->key.bytes, 32, hormiga_peer_id_get_dht_key (owner), 32);
      break;

    case HORMIGA_DHT_RECORD_MUTABLE:
      g_assert_nonnull (owner);
      g_assert_nonnull (record->name);
      assert_text (record->name, HORMIGA_DHT_RECORD_MAX_NAME);
      g_assert_null (record->addresses);
      g_byte_array_append (input, (const guint8 *) "hormiga/mutable/v1", 18);
      g_byte_array_append (input, record->owner, 32);
      g_byte_array_append (input, (const guint8 *) record->name, strlen (record->name));
      hormiga_dht_key_hash (&key, input->data, input->len);
      g_assert_true (hormiga_dht_key_equal (&key, &record->key));
      break;

    case HORMIGA_DHT_RECORD_IMMUTABLE:
      g_assert_null (owner);
      g_assert_cmpmem (record->owner, 32, zero, 32);
      g_assert_cmpuint (record->seq, ==, 0);
      g_assert_null (record->name);
      g_assert_null (record->addresses);
      hormiga_dht_key_hash (&key, g_bytes_get_data (record->value, NULL),
                            g_bytes_get_size (record->value));
      g_assert_true (hormiga_dht_key_equal (&key, &record->key));
      break;

    case HORMIGA_DHT_RECORD_PROVIDER:
      g_assert_nonnull (owner);
      g_assert_null (record->name);
      g_assert_null (record->addresses);
      g_assert_cmpuint (g_bytes_get_size (record->value), ==, 0);
      break;

    default:
      g_assert_not_reached ();
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GBytes) bytes = g_bytes_new (data, size);
  g_autoptr(GError) error = NULL;
  g_autoptr(HormigaDhtRecord) record = hormiga_dht_record_decode (bytes, NOW, &error);
  g_autoptr(HormigaDhtRecord) again = NULL;
  g_autoptr(HormigaDhtRecord) later = NULL;

  if (record == NULL)
    {
      g_assert_nonnull (error);
      g_assert_true (error->domain == HORMIGA_DHT_ERROR);
      g_assert_true (error->code == HORMIGA_DHT_ERROR_MALFORMED ||
                     error->code == HORMIGA_DHT_ERROR_UNKNOWN_TYPE ||
                     error->code == HORMIGA_DHT_ERROR_TOO_LARGE ||
                     error->code == HORMIGA_DHT_ERROR_BAD_SIGNATURE ||
                     error->code == HORMIGA_DHT_ERROR_WRONG_KEY ||
                     error->code == HORMIGA_DHT_ERROR_EXPIRED);
      g_assert_true (g_str_has_prefix (error->message, "DHT record: "));
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
      return 0;
    }
  g_assert_no_error (error);

  g_assert_cmpuint (size, <=, HORMIGA_DHT_RECORD_MAX_SIZE);
  g_assert_true (g_bytes_equal (record->encoded, bytes));
  g_assert_cmpuint (record->expires, >, NOW);
  g_assert_cmpuint (record->expires - NOW, <=, HORMIGA_DHT_RECORD_MAX_TTL_S);
  g_assert_nonnull (record->value);
  g_assert_cmpuint (g_bytes_get_size (record->value), <=, HORMIGA_DHT_RECORD_MAX_VALUE);
  assert_keyed (record);

  again = hormiga_dht_record_decode (record->encoded, NOW, &error);
  g_assert_no_error (error);
  assert_same (record, again);
  g_assert_false (hormiga_dht_record_supersedes (again, record));

  /* The same bytes, once their time has passed, are refused. */
  later = hormiga_dht_record_decode (record->encoded, record->expires, &error);
  g_assert_null (later);
  g_assert_error (error, HORMIGA_DHT_ERROR, HORMIGA_DHT_ERROR_EXPIRED);
  return 0;
}
