/* hormiga-dht-key.c — 256-bit Kademlia keys and XOR distance
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <sodium.h>

#include "hormiga-dht-key.h"

void
hormiga_dht_key_from_peer_id (HormigaDhtKey       *key,
                              const HormigaPeerId *peer)
{
  g_return_if_fail (key != NULL && peer != NULL);

  memcpy (key->bytes, hormiga_peer_id_get_dht_key (peer), HORMIGA_DHT_KEY_SIZE);
}

void
hormiga_dht_key_hash (HormigaDhtKey *key,
                      const guint8  *data,
                      gsize          length)
{
  g_return_if_fail (key != NULL);
  g_return_if_fail (data != NULL || length == 0);

  crypto_hash_sha256 (key->bytes, data, length);
}

gboolean
hormiga_dht_key_equal (const HormigaDhtKey *a,
                       const HormigaDhtKey *b)
{
  return memcmp (a->bytes, b->bytes, HORMIGA_DHT_KEY_SIZE) == 0;
}

void
hormiga_dht_key_distance (const HormigaDhtKey *a,
                          const HormigaDhtKey *b,
                          HormigaDhtKey       *distance)
{
  for (guint i = 0; i < HORMIGA_DHT_KEY_SIZE; i++)
    distance->bytes[i] = a->bytes[i] ^ b->bytes[i];
}

int
hormiga_dht_key_compare_distance (const HormigaDhtKey *target,
                                  const HormigaDhtKey *a,
                                  const HormigaDhtKey *b)
{
  for (guint i = 0; i < HORMIGA_DHT_KEY_SIZE; i++)
    {
      guint8 da = a->bytes[i] ^ target->bytes[i];
      guint8 db = b->bytes[i] ^ target->bytes[i];

      if (da != db)
        return da < db ? -1 : 1;
    }
  return 0;
}

guint
hormiga_dht_key_common_prefix (const HormigaDhtKey *a,
                               const HormigaDhtKey *b)
{
  for (guint i = 0; i < HORMIGA_DHT_KEY_SIZE; i++)
    {
      guint8 x = a->bytes[i] ^ b->bytes[i];

      if (x != 0)
        return i * 8 + (guint) __builtin_clz ((unsigned int) x) - 24;
    }
  return HORMIGA_DHT_KEY_BITS;
}

void
hormiga_dht_key_random_in_bucket (const HormigaDhtKey *key,
                                  guint                prefix,
                                  const guint8         random_bytes[HORMIGA_DHT_KEY_SIZE],
                                  HormigaDhtKey       *out)
{
  g_return_if_fail (prefix < HORMIGA_DHT_KEY_BITS);

  for (guint i = 0; i < HORMIGA_DHT_KEY_SIZE; i++)
    {
      guint bit0 = i * 8;
      guint8 keep;

      /* Bits before @prefix come from @key, bit @prefix is flipped, the
       * rest are random. */
      if (bit0 + 8 <= prefix)
        keep = 0xff;
      else if (bit0 >= prefix)
        keep = 0;
      else
        keep = (guint8) (0xff << (8 - (prefix - bit0)));
      out->bytes[i] = (key->bytes[i] & keep) | (random_bytes[i] & ~keep);
    }
  out->bytes[prefix / 8] ^= (guint8) ((out->bytes[prefix / 8] ^ ~key->bytes[prefix / 8]) &
                                      (0x80 >> (prefix % 8)));
}

char *
hormiga_dht_key_to_hex (const HormigaDhtKey *key)
{
  char *hex = g_malloc (HORMIGA_DHT_KEY_SIZE * 2 + 1);

  sodium_bin2hex (hex, HORMIGA_DHT_KEY_SIZE * 2 + 1, key->bytes, HORMIGA_DHT_KEY_SIZE);
  return hex;
}
