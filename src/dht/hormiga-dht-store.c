/* hormiga-dht-store.c — the records a node holds for others
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Records live in slots, one slot per key: the slot's value record (peer,
 * mutable or immutable) and its provider records. Slots sit in a balanced
 * tree ordered by key, not a hash table, because provider keys are chosen
 * by whoever stores them and must not be able to degrade lookups. A second
 * tree orders every entry by expiry, so expire() touches only what goes.
 *
 * Bytes are counted by encoded size. Each entry remembers the peer that
 * stored it and is charged to it; removing or replacing the entry gives the
 * bytes back.
 */
#include "hormiga-dht-error.h"
#include "hormiga-dht-store.h"

typedef struct _Slot Slot;

typedef struct
{
  HormigaDhtRecord *record;
  HormigaPeerId    *from;    /* NULL: stored by this node, charged to no one */
  guint64           serial;  /* breaks ties in the expiry order */
  Slot             *slot;
} Entry;

struct _Slot
{
  HormigaDhtKey  key;
  Entry         *value;      /* peer, mutable or immutable record, or NULL */
  GPtrArray     *providers;  /* Entry*, at most max_providers_per_key */
};

struct _HormigaDhtStore
{
  gsize       max_bytes;
  gsize       max_bytes_per_peer;
  guint       max_providers_per_key;

  GTree      *slots;         /* HormigaDhtKey* → Slot* (owned) */
  GTree      *by_expiry;     /* Entry* → Entry*, soonest first */
  GHashTable *peer_bytes;    /* HormigaPeerId* → gsize*, bytes charged to it */
  guint64     next_serial;
  guint       n_records;
  gsize       n_bytes;
};

static gsize
entry_size (const Entry *entry)
{
  return g_bytes_get_size (entry->record->encoded);
}

static int
compare_keys (gconstpointer a,
              gconstpointer b,
              gpointer      user_data)
{
  return memcmp (a, b, HORMIGA_DHT_KEY_SIZE);
}

static int
compare_expiry (gconstpointer a,
                gconstpointer b,
                gpointer      user_data)
{
  const Entry *x = a, *y = b;

  if (x->record->expires != y->record->expires)
    return x->record->expires < y->record->expires ? -1 : 1;
  if (x->serial != y->serial)
    return x->serial < y->serial ? -1 : 1;
  return 0;
}

static void
slot_free (Slot *slot)
{
  g_assert (slot->value == NULL && slot->providers->len == 0);
  g_ptr_array_unref (slot->providers);
  g_free (slot);
}

HormigaDhtStore *
hormiga_dht_store_new (gsize max_bytes,
                       gsize max_bytes_per_peer,
                       guint max_providers_per_key)
{
  HormigaDhtStore *store;

  g_return_val_if_fail (max_providers_per_key > 0, NULL);

  store = g_new0 (HormigaDhtStore, 1);
  store->max_bytes = max_bytes;
  store->max_bytes_per_peer = max_bytes_per_peer;
  store->max_providers_per_key = max_providers_per_key;
  store->slots = g_tree_new_full (compare_keys, NULL, NULL, (GDestroyNotify) slot_free);
  store->by_expiry = g_tree_new_full (compare_expiry, NULL, NULL, NULL);
  store->peer_bytes = g_hash_table_new_full ((GHashFunc) hormiga_peer_id_hash,
                                             (GEqualFunc) hormiga_peer_id_equal,
                                             (GDestroyNotify) hormiga_peer_id_unref, g_free);
  return store;
}

static void
entry_free (Entry *entry)
{
  hormiga_dht_record_unref (entry->record);
  g_clear_pointer (&entry->from, hormiga_peer_id_unref);
  g_free (entry);
}

static gboolean
free_slot_entries (gpointer key,
                   gpointer value,
                   gpointer user_data)
{
  Slot *slot = value;

  g_clear_pointer (&slot->value, entry_free);
  for (guint i = 0; i < slot->providers->len; i++)
    entry_free (slot->providers->pdata[i]);
  g_ptr_array_set_size (slot->providers, 0);
  return FALSE;
}

void
hormiga_dht_store_free (HormigaDhtStore *store)
{
  if (store == NULL)
    return;

  g_tree_destroy (store->by_expiry);
  g_tree_foreach (store->slots, free_slot_entries, NULL);
  g_tree_destroy (store->slots);
  g_hash_table_destroy (store->peer_bytes);
  g_free (store);
}

/* ---- accounting -------------------------------------------------------- */

static gsize
peer_usage (HormigaDhtStore     *store,
            const HormigaPeerId *peer)
{
  gsize *used = g_hash_table_lookup (store->peer_bytes, peer);

  return used != NULL ? *used : 0;
}

static void
charge (HormigaDhtStore     *store,
        const HormigaPeerId *peer,
        gsize                size)
{
  gsize *used = g_hash_table_lookup (store->peer_bytes, peer);

  if (used == NULL)
    {
      used = g_new0 (gsize, 1);
      g_hash_table_insert (store->peer_bytes, hormiga_peer_id_ref ((HormigaPeerId *) peer), used);
    }
  *used += size;
}

static void
release (HormigaDhtStore     *store,
         const HormigaPeerId *peer,
         gsize                size)
{
  gsize *used = g_hash_table_lookup (store->peer_bytes, peer);

  g_assert (used != NULL && *used >= size);
  *used -= size;
  if (*used == 0)
    g_hash_table_remove (store->peer_bytes, peer);
}

/* ---- entries ----------------------------------------------------------- */

static Slot *
lookup_slot (HormigaDhtStore     *store,
             const HormigaDhtKey *key)
{
  return g_tree_lookup (store->slots, key);
}

static void
entry_add (HormigaDhtStore     *store,
           HormigaDhtRecord    *record,
           const HormigaPeerId *from)
{
  Slot *slot = lookup_slot (store, &record->key);
  Entry *entry = g_new0 (Entry, 1);

  if (slot == NULL)
    {
      slot = g_new0 (Slot, 1);
      slot->key = record->key;
      slot->providers = g_ptr_array_new ();
      g_tree_insert (store->slots, &slot->key, slot);
    }

  entry->record = hormiga_dht_record_ref (record);
  entry->from = from != NULL ? hormiga_peer_id_ref ((HormigaPeerId *) from) : NULL;
  entry->serial = store->next_serial++;
  entry->slot = slot;
  if (record->kind == HORMIGA_DHT_RECORD_PROVIDER)
    g_ptr_array_add (slot->providers, entry);
  else
    {
      g_assert (slot->value == NULL);
      slot->value = entry;
    }

  g_tree_insert (store->by_expiry, entry, entry);
  if (from != NULL)
    charge (store, from, entry_size (entry));
  store->n_records++;
  store->n_bytes += entry_size (entry);
}

/* Takes @entry out of the store and frees it; frees its slot when that
 * leaves the slot empty. */
static void
entry_remove (HormigaDhtStore *store,
              Entry           *entry)
{
  Slot *slot = entry->slot;
  HormigaDhtKey key = slot->key;

  if (slot->value == entry)
    slot->value = NULL;
  else
    g_assert_true (g_ptr_array_remove_fast (slot->providers, entry));

  g_assert_true (g_tree_remove (store->by_expiry, entry));
  if (entry->from != NULL)
    release (store, entry->from, entry_size (entry));
  store->n_records--;
  store->n_bytes -= entry_size (entry);
  entry_free (entry);

  if (slot->value == NULL && slot->providers->len == 0)
    g_tree_remove (store->slots, &key); /* frees the slot */
}

static gboolean
entry_is_live (const Entry *entry,
               guint64      now)
{
  return entry->record->expires > now;
}

/* ---- put --------------------------------------------------------------- */

static const char *
kind_name (HormigaDhtRecordKind kind)
{
  switch (kind)
    {
    case HORMIGA_DHT_RECORD_PEER:
      return "peer";
    case HORMIGA_DHT_RECORD_MUTABLE:
      return "mutable";
    case HORMIGA_DHT_RECORD_IMMUTABLE:
      return "immutable";
    case HORMIGA_DHT_RECORD_PROVIDER:
    default:
      return "provider";
    }
}

/* Which held value record @record would replace: sets *replaced (NULL when
 * none is held), or fails with STALE. */
static gboolean
check_value (Slot                    *slot,
             const HormigaDhtRecord  *record,
             Entry                  **replaced,
             GError                 **error)
{
  const HormigaDhtRecord *held;

  *replaced = NULL;
  if (slot == NULL || slot->value == NULL)
    return TRUE;
  held = slot->value->record;

  if (held->kind == HORMIGA_DHT_RECORD_IMMUTABLE && record->kind == HORMIGA_DHT_RECORD_IMMUTABLE)
    {
      /* The same key is the same value: a second put only extends it. */
      if (record->expires <= held->expires)
        {
          g_set_error (error, HORMIGA_DHT_ERROR, HORMIGA_DHT_ERROR_STALE,
                       "this immutable record is already held until %" G_GUINT64_FORMAT
                       "; a new copy is kept only if it expires later (this one: %"
                       G_GUINT64_FORMAT ")", held->expires, record->expires);
          return FALSE;
        }
    }
  else if (held->kind == HORMIGA_DHT_RECORD_IMMUTABLE)
    {
      /* An immutable value can hash to a peer or mutable key (its value
       * being a PeerID, say); the owner's signed record wins the key. */
    }
  else if (record->kind == HORMIGA_DHT_RECORD_IMMUTABLE)
    {
      g_set_error (error, HORMIGA_DHT_ERROR, HORMIGA_DHT_ERROR_STALE,
                   "a signed %s record is held under this key; an immutable record does not "
                   "replace it", kind_name (held->kind));
      return FALSE;
    }
  else if (!hormiga_dht_record_supersedes (record, held))
    {
      if (held->kind != record->kind || memcmp (held->owner, record->owner, 32) != 0)
        g_set_error (error, HORMIGA_DHT_ERROR, HORMIGA_DHT_ERROR_STALE,
                     "a %s record of another owner is held under this key", kind_name (held->kind));
      else
        g_set_error (error, HORMIGA_DHT_ERROR, HORMIGA_DHT_ERROR_STALE,
                     "the %s record held has seq %" G_GUINT64_FORMAT "; this one has seq %"
                     G_GUINT64_FORMAT " and a replacement needs a higher one",
                     kind_name (held->kind), held->seq, record->seq);
      return FALSE;
    }

  *replaced = slot->value;
  return TRUE;
}

/* Which held provider record @record would replace: the owner's previous
 * one, or, when the key has its fill of providers, the one that expires
 * first if @record outlives it. */
static gboolean
check_provider (HormigaDhtStore         *store,
                Slot                    *slot,
                const HormigaDhtRecord  *record,
                Entry                  **replaced,
                GError                 **error)
{
  Entry *soonest = NULL;

  *replaced = NULL;
  if (slot == NULL)
    return TRUE;

  for (guint i = 0; i < slot->providers->len; i++)
    {
      Entry *entry = slot->providers->pdata[i];

      if (memcmp (entry->record->owner, record->owner, 32) == 0)
        {
          if (!hormiga_dht_record_supersedes (record, entry->record))
            {
              g_set_error (error, HORMIGA_DHT_ERROR, HORMIGA_DHT_ERROR_STALE,
                           "the provider record held for this owner has seq %" G_GUINT64_FORMAT
                           "; this one has seq %" G_GUINT64_FORMAT " and a replacement needs a "
                           "higher one", entry->record->seq, record->seq);
              return FALSE;
            }
          *replaced = entry;
          return TRUE;
        }
      if (soonest == NULL || compare_expiry (entry, soonest, NULL) < 0)
        soonest = entry;
    }

  if (slot->providers->len < store->max_providers_per_key)
    return TRUE;
  if (record->expires <= soonest->record->expires)
    {
      g_set_error (error, HORMIGA_DHT_ERROR, HORMIGA_DHT_ERROR_STORAGE_FULL,
                   "this key already has %u providers, the soonest expiring at %" G_GUINT64_FORMAT
                   "; a new one is kept only if it expires later (this one: %" G_GUINT64_FORMAT ")",
                   slot->providers->len, soonest->record->expires, record->expires);
      return FALSE;
    }
  *replaced = soonest;
  return TRUE;
}

/* Drops the expired entries of the slot under @key. */
static void
expire_slot (HormigaDhtStore     *store,
             const HormigaDhtKey *key,
             guint64              now)
{
  g_autoptr(GPtrArray) expired = g_ptr_array_new ();
  Slot *slot = lookup_slot (store, key);

  if (slot == NULL)
    return;
  if (slot->value != NULL && !entry_is_live (slot->value, now))
    g_ptr_array_add (expired, slot->value);
  for (guint i = 0; i < slot->providers->len; i++)
    if (!entry_is_live (slot->providers->pdata[i], now))
      g_ptr_array_add (expired, slot->providers->pdata[i]);
  for (guint i = 0; i < expired->len; i++)
    entry_remove (store, expired->pdata[i]);
}

gboolean
hormiga_dht_store_put (HormigaDhtStore      *store,
                       HormigaDhtRecord     *record,
                       const HormigaPeerId  *from,
                       guint64               now,
                       GError              **error)
{
  Entry *replaced = NULL;
  gsize size, freed, freed_from;
  Slot *slot;

  g_return_val_if_fail (store != NULL, FALSE);
  g_return_val_if_fail (record != NULL && record->encoded != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (record->expires <= now)
    {
      g_set_error (error, HORMIGA_DHT_ERROR, HORMIGA_DHT_ERROR_EXPIRED,
                   "the %s record expired at %" G_GUINT64_FORMAT "; it is now %" G_GUINT64_FORMAT,
                   kind_name (record->kind), record->expires, now);
      return FALSE;
    }

  /* What has expired under this key counts as gone. */
  expire_slot (store, &record->key, now);
  slot = lookup_slot (store, &record->key);
  if (record->kind == HORMIGA_DHT_RECORD_PROVIDER)
    {
      if (!check_provider (store, slot, record, &replaced, error))
        return FALSE;
    }
  else if (!check_value (slot, record, &replaced, error))
    return FALSE;

  size = g_bytes_get_size (record->encoded);
  freed = replaced != NULL ? entry_size (replaced) : 0;
  freed_from = replaced != NULL && replaced->from != NULL && from != NULL &&
               hormiga_peer_id_equal (replaced->from, from) ? freed : 0;
  if (from != NULL)
    {
      gsize used = peer_usage (store, from);

      if (store->n_bytes - freed + size > store->max_bytes)
        {
          g_set_error (error, HORMIGA_DHT_ERROR, HORMIGA_DHT_ERROR_STORAGE_FULL,
                       "the store holds %" G_GSIZE_FORMAT " of its %" G_GSIZE_FORMAT " bytes; "
                       "this %s record needs %" G_GSIZE_FORMAT,
                       store->n_bytes, store->max_bytes, kind_name (record->kind), size);
          return FALSE;
        }
      if (used - freed_from + size > store->max_bytes_per_peer)
        {
          g_set_error (error, HORMIGA_DHT_ERROR, HORMIGA_DHT_ERROR_STORAGE_FULL,
                       "%s has stored %" G_GSIZE_FORMAT " of its %" G_GSIZE_FORMAT " bytes; "
                       "this %s record needs %" G_GSIZE_FORMAT,
                       hormiga_peer_id_to_string (from), used, store->max_bytes_per_peer,
                       kind_name (record->kind), size);
          return FALSE;
        }
    }

  if (replaced != NULL)
    entry_remove (store, replaced);
  entry_add (store, record, from);
  return TRUE;
}

/* ---- queries ----------------------------------------------------------- */

HormigaDhtRecord *
hormiga_dht_store_get (HormigaDhtStore     *store,
                       const HormigaDhtKey *key,
                       guint64              now)
{
  Slot *slot;

  g_return_val_if_fail (store != NULL && key != NULL, NULL);

  slot = lookup_slot (store, key);
  if (slot == NULL || slot->value == NULL || !entry_is_live (slot->value, now))
    return NULL;
  return slot->value->record;
}

/* Latest expiry first, then highest seq, then by owner: refreshed records
 * first, in an order that does not depend on arrival. */
static int
compare_providers (gconstpointer a,
                   gconstpointer b)
{
  const HormigaDhtRecord *x = *(HormigaDhtRecord * const *) a;
  const HormigaDhtRecord *y = *(HormigaDhtRecord * const *) b;

  if (x->expires != y->expires)
    return x->expires > y->expires ? -1 : 1;
  if (x->seq != y->seq)
    return x->seq > y->seq ? -1 : 1;
  return memcmp (x->owner, y->owner, 32);
}

GPtrArray *
hormiga_dht_store_get_providers (HormigaDhtStore     *store,
                                 const HormigaDhtKey *key,
                                 guint64              now,
                                 guint                max)
{
  GPtrArray *records;
  Slot *slot;

  g_return_val_if_fail (store != NULL && key != NULL, NULL);

  records = g_ptr_array_new_with_free_func ((GDestroyNotify) hormiga_dht_record_unref);
  slot = lookup_slot (store, key);
  if (slot == NULL)
    return records;

  for (guint i = 0; i < slot->providers->len; i++)
    {
      Entry *entry = slot->providers->pdata[i];

      if (entry_is_live (entry, now))
        g_ptr_array_add (records, hormiga_dht_record_ref (entry->record));
    }
  g_ptr_array_sort (records, compare_providers);
  if (records->len > max)
    g_ptr_array_set_size (records, max);
  return records;
}

typedef struct
{
  guint64    now;
  GPtrArray *expired;
} ExpireData;

static gboolean
collect_expired (gpointer key,
                 gpointer value,
                 gpointer user_data)
{
  ExpireData *data = user_data;
  Entry *entry = value;

  if (entry_is_live (entry, data->now))
    return TRUE; /* everything after it expires later */
  g_ptr_array_add (data->expired, entry);
  return FALSE;
}

guint
hormiga_dht_store_expire (HormigaDhtStore *store,
                          guint64          now)
{
  g_autoptr(GPtrArray) expired = g_ptr_array_new ();
  ExpireData data = { now, expired };

  g_return_val_if_fail (store != NULL, 0);

  g_tree_foreach (store->by_expiry, collect_expired, &data);
  for (guint i = 0; i < expired->len; i++)
    entry_remove (store, expired->pdata[i]);
  return expired->len;
}

static gboolean
collect_records (gpointer key,
                 gpointer value,
                 gpointer user_data)
{
  GPtrArray *records = user_data;
  Slot *slot = value;

  if (slot->value != NULL)
    g_ptr_array_add (records, hormiga_dht_record_ref (slot->value->record));
  for (guint i = 0; i < slot->providers->len; i++)
    {
      Entry *entry = slot->providers->pdata[i];

      g_ptr_array_add (records, hormiga_dht_record_ref (entry->record));
    }
  return FALSE;
}

GPtrArray *
hormiga_dht_store_list (HormigaDhtStore *store)
{
  GPtrArray *records;

  g_return_val_if_fail (store != NULL, NULL);

  records = g_ptr_array_new_full (store->n_records, (GDestroyNotify) hormiga_dht_record_unref);
  g_tree_foreach (store->slots, collect_records, records);
  return records;
}

guint
hormiga_dht_store_get_n_records (HormigaDhtStore *store)
{
  g_return_val_if_fail (store != NULL, 0);

  return store->n_records;
}

gsize
hormiga_dht_store_get_n_bytes (HormigaDhtStore *store)
{
  g_return_val_if_fail (store != NULL, 0);

  return store->n_bytes;
}
