/* hormiga-dht-store.h — the records a node holds for others
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Sans-I/O: time comes in as an argument. For peer, mutable and immutable
 * records one per key (newest wins); for provider records one per (key,
 * owner), at most max_providers_per_key per key. Bounded overall and per
 * peer that stored them (by encoded size); expired records go away on
 * hormiga_dht_store_expire() and are never returned by get and
 * get_providers. The rules are in docs/PROTOCOL.md, "DHT records".
 */
#pragma once

#include <glib.h>

#include "hormiga-dht-record.h"

G_BEGIN_DECLS

#define HORMIGA_DHT_STORE_DEFAULT_MAX_BYTES          (64 * 1024 * 1024)
#define HORMIGA_DHT_STORE_DEFAULT_MAX_BYTES_PER_PEER (1024 * 1024)
#define HORMIGA_DHT_STORE_DEFAULT_MAX_PROVIDERS      64

typedef struct _HormigaDhtStore HormigaDhtStore;

HormigaDhtStore  *hormiga_dht_store_new           (gsize                  max_bytes,
                                                   gsize                  max_bytes_per_peer,
                                                   guint                  max_providers_per_key);
void              hormiga_dht_store_free          (HormigaDhtStore       *store);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HormigaDhtStore, hormiga_dht_store_free)

/* Keeps @record (a verified one), stored by @from (charged to its quota;
 * NULL: ourselves, not charged and never refused for space, though it
 * counts in the store's bytes). Replacing a record gives back the bytes
 * charged for the old one. Fails with HORMIGA_DHT_ERROR_STALE when a
 * record held for the same key (and owner) is as new or newer (immutable:
 * expires no later; a signed record is held where an immutable one would
 * go), HORMIGA_DHT_ERROR_EXPIRED when it has expired at @now,
 * HORMIGA_DHT_ERROR_STORAGE_FULL when the store or @from's share is full,
 * or the key has its fill of providers that all expire no earlier. */
gboolean          hormiga_dht_store_put           (HormigaDhtStore       *store,
                                                   HormigaDhtRecord      *record,
                                                   const HormigaPeerId   *from,
                                                   guint64                now,
                                                   GError               **error);
/* The peer, mutable or immutable record under @key (transfer none), or NULL. */
HormigaDhtRecord *hormiga_dht_store_get           (HormigaDhtStore       *store,
                                                   const HormigaDhtKey   *key,
                                                   guint64                now);
/* Up to @max provider records for @key, latest expiry first (element-type
 * HormigaDhtRecord, transfer container; the array holds a reference to
 * each record and drops it when freed). */
GPtrArray        *hormiga_dht_store_get_providers (HormigaDhtStore       *store,
                                                   const HormigaDhtKey   *key,
                                                   guint64                now,
                                                   guint                  max);
/* Drops what has expired at @now; returns how many. */
guint             hormiga_dht_store_expire        (HormigaDhtStore       *store,
                                                   guint64                now);
/* Every record held, ordered by key, expired or not (call
 * hormiga_dht_store_expire() first), for replication (transfer container;
 * the array holds a reference to each record). */
GPtrArray        *hormiga_dht_store_list          (HormigaDhtStore       *store);
guint             hormiga_dht_store_get_n_records (HormigaDhtStore       *store);
gsize             hormiga_dht_store_get_n_bytes   (HormigaDhtStore       *store);

G_END_DECLS
