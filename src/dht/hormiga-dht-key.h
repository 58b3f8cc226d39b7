/* hormiga-dht-key.h — 256-bit Kademlia keys and XOR distance
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A node's key is SHA-256 of its PeerID bytes (hormiga_peer_id_get_dht_key);
 * a record's key depends on its kind (hormiga-dht-record.h). Plain data.
 */
#pragma once

#include <glib.h>

#include "hormiga-peer-id.h"

G_BEGIN_DECLS

#define HORMIGA_DHT_KEY_SIZE 32
#define HORMIGA_DHT_KEY_BITS 256

typedef struct
{
  guint8 bytes[HORMIGA_DHT_KEY_SIZE];
} HormigaDhtKey;

void     hormiga_dht_key_from_peer_id       (HormigaDhtKey        *key,
                                             const HormigaPeerId  *peer);
/* SHA-256 of @length bytes. */
void     hormiga_dht_key_hash               (HormigaDhtKey        *key,
                                             const guint8         *data,
                                             gsize                 length);

gboolean hormiga_dht_key_equal              (const HormigaDhtKey  *a,
                                             const HormigaDhtKey  *b);
/* a XOR b. */
void     hormiga_dht_key_distance           (const HormigaDhtKey  *a,
                                             const HormigaDhtKey  *b,
                                             HormigaDhtKey        *distance);
/* < 0 if @a is closer to @target than @b, 0 if as close (a == b), > 0 if farther. */
int      hormiga_dht_key_compare_distance   (const HormigaDhtKey  *target,
                                             const HormigaDhtKey  *a,
                                             const HormigaDhtKey  *b);
/* Number of leading bits @a and @b share, 0–256 (256 when equal): the
 * k-bucket of @b in @a's routing table. */
guint    hormiga_dht_key_common_prefix      (const HormigaDhtKey  *a,
                                             const HormigaDhtKey  *b);
/* A random key that shares exactly @prefix leading bits with @key (for
 * bucket refresh); @random_bytes supplies 32 random bytes. */
void     hormiga_dht_key_random_in_bucket   (const HormigaDhtKey  *key,
                                             guint                 prefix,
                                             const guint8          random_bytes[HORMIGA_DHT_KEY_SIZE],
                                             HormigaDhtKey        *out);
/* 64 lowercase hex digits (caller frees). */
char    *hormiga_dht_key_to_hex             (const HormigaDhtKey  *key);

G_END_DECLS
