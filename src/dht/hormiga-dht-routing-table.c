/* hormiga-dht-routing-table.c — Kademlia k-buckets
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <arpa/inet.h>
#include <string.h>

#include "hormiga-dht-routing-table.h"

typedef struct
{
  GPtrArray *contacts;      /* HormigaDhtContact, least recently seen first */
  GPtrArray *replacements;  /* HormigaDhtContact, oldest first, at most k */
  gint64     touched;
} Bucket;

struct _HormigaDhtRoutingTable
{
  HormigaDhtKey  self;
  guint          k;
  guint          max_per_group_bucket;
  guint          max_per_group_table;
  Bucket         buckets[HORMIGA_DHT_KEY_BITS];
  GHashTable    *groups;    /* group → count in the table */
  guint          size;
};

static void
contact_free (HormigaDhtContact *contact)
{
  hormiga_peer_id_unref (contact->peer);
  g_free (contact->group);
  g_free (contact);
}

static HormigaDhtContact *
contact_new (const HormigaPeerId *peer,
             const HormigaDhtKey *key,
             const char          *group,
             gint64               now)
{
  HormigaDhtContact *contact = g_new0 (HormigaDhtContact, 1);

  contact->peer = hormiga_peer_id_ref ((HormigaPeerId *) peer);
  contact->key = *key;
  contact->group = g_strdup (group);
  contact->last_seen = now;
  return contact;
}

static char *
ipv4_group (const guint8 a[4])
{
  if (a[0] == 0 || a[0] == 10 || a[0] == 127 ||
      (a[0] == 100 && (a[1] & 0xc0) == 64) ||
      (a[0] == 169 && a[1] == 254) ||
      (a[0] == 172 && (a[1] & 0xf0) == 16) ||
      (a[0] == 192 && a[1] == 168))
    return NULL;
  return g_strdup_printf ("4:%u.%u", a[0], a[1]);
}

char *
hormiga_dht_network_group (const char *address)
{
  static const guint8 mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
  static const guint8 unspecified[16] = { 0 };
  guint8 bytes[16];

  if (address == NULL)
    return NULL;
  if (inet_pton (AF_INET, address, bytes) == 1)
    return ipv4_group (bytes);
  if (inet_pton (AF_INET6, address, bytes) != 1)
    return NULL;
  if (memcmp (bytes, mapped, sizeof mapped) == 0)
    return ipv4_group (bytes + 12);
  /* ::, ::1, fe80::/10, fc00::/7 */
  if (memcmp (bytes, unspecified, 15) == 0 ||
      (bytes[0] == 0xfe && (bytes[1] & 0xc0) == 0x80) ||
      (bytes[0] & 0xfe) == 0xfc)
    return NULL;
  return g_strdup_printf ("6:%02x%02x%02x%02x", bytes[0], bytes[1], bytes[2], bytes[3]);
}

HormigaDhtRoutingTable *
hormiga_dht_routing_table_new (const HormigaDhtKey *self,
                               guint                k,
                               guint                max_per_group_bucket,
                               guint                max_per_group_table)
{
  HormigaDhtRoutingTable *table;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (k > 0, NULL);

  table = g_new0 (HormigaDhtRoutingTable, 1);
  table->self = *self;
  table->k = k;
  table->max_per_group_bucket = max_per_group_bucket;
  table->max_per_group_table = max_per_group_table;
  table->groups = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  return table;
}

void
hormiga_dht_routing_table_free (HormigaDhtRoutingTable *table)
{
  if (table == NULL)
    return;
  for (guint i = 0; i < HORMIGA_DHT_KEY_BITS; i++)
    {
      g_clear_pointer (&table->buckets[i].contacts, g_ptr_array_unref);
      g_clear_pointer (&table->buckets[i].replacements, g_ptr_array_unref);
    }
  g_hash_table_unref (table->groups);
  g_free (table);
}

static Bucket *
bucket_for (HormigaDhtRoutingTable *table,
            const HormigaDhtKey    *key)
{
  guint index = hormiga_dht_key_common_prefix (&table->self, key);
  Bucket *bucket;

  if (index >= HORMIGA_DHT_KEY_BITS)
    return NULL;
  bucket = &table->buckets[index];
  if (bucket->contacts == NULL)
    {
      bucket->contacts = g_ptr_array_new_with_free_func ((GDestroyNotify) contact_free);
      bucket->replacements = g_ptr_array_new_with_free_func ((GDestroyNotify) contact_free);
    }
  return bucket;
}

static gint
find_in (GPtrArray           *contacts,
         const HormigaDhtKey *key)
{
  for (guint i = 0; i < contacts->len; i++)
    {
      HormigaDhtContact *contact = g_ptr_array_index (contacts, i);

      if (hormiga_dht_key_equal (&contact->key, key))
        return (gint) i;
    }
  return -1;
}

static guint
group_count_in (GPtrArray  *contacts,
                const char *group)
{
  guint count = 0;

  for (guint i = 0; i < contacts->len; i++)
    {
      HormigaDhtContact *contact = g_ptr_array_index (contacts, i);

      if (contact->group != NULL && g_str_equal (contact->group, group))
        count++;
    }
  return count;
}

static gboolean
group_allows (HormigaDhtRoutingTable *table,
              Bucket                 *bucket,
              const char             *group)
{
  if (group == NULL)
    return TRUE;
  if (table->max_per_group_table > 0 &&
      GPOINTER_TO_UINT (g_hash_table_lookup (table->groups, group)) >= table->max_per_group_table)
    return FALSE;
  if (table->max_per_group_bucket > 0 &&
      group_count_in (bucket->contacts, group) >= table->max_per_group_bucket)
    return FALSE;
  return TRUE;
}

static void
group_add (HormigaDhtRoutingTable *table,
           const char             *group,
           gint                    delta)
{
  guint count;

  if (group == NULL)
    return;
  count = GPOINTER_TO_UINT (g_hash_table_lookup (table->groups, group));
  count = (guint) ((gint) count + delta);
  if (count == 0)
    g_hash_table_remove (table->groups, group);
  else
    g_hash_table_insert (table->groups, g_strdup (group), GUINT_TO_POINTER (count));
}

static void
insert (HormigaDhtRoutingTable *table,
        Bucket                 *bucket,
        HormigaDhtContact      *contact)
{
  g_ptr_array_add (bucket->contacts, contact);
  group_add (table, contact->group, 1);
  table->size++;
}

HormigaDhtTableResult
hormiga_dht_routing_table_seen (HormigaDhtRoutingTable  *table,
                                const HormigaPeerId     *peer,
                                const char              *group,
                                gint64                   now,
                                const HormigaPeerId    **oldest)
{
  HormigaDhtKey key;
  Bucket *bucket;
  gint at;

  g_return_val_if_fail (table != NULL && peer != NULL, HORMIGA_DHT_TABLE_REFUSED);

  hormiga_dht_key_from_peer_id (&key, peer);
  bucket = bucket_for (table, &key);
  if (bucket == NULL)
    return HORMIGA_DHT_TABLE_REFUSED;
  bucket->touched = now;

  at = find_in (bucket->contacts, &key);
  if (at >= 0)
    {
      HormigaDhtContact *contact = g_ptr_array_steal_index (bucket->contacts, (guint) at);

      contact->last_seen = now;
      contact->failures = 0;
      g_ptr_array_add (bucket->contacts, contact);
      return HORMIGA_DHT_TABLE_UPDATED;
    }

  if (!group_allows (table, bucket, group))
    return HORMIGA_DHT_TABLE_REFUSED;

  if (bucket->contacts->len < table->k)
    {
      insert (table, bucket, contact_new (peer, &key, group, now));
      return HORMIGA_DHT_TABLE_ADDED;
    }

  /* Full: the newcomer waits (the most recent replacement is last). */
  at = find_in (bucket->replacements, &key);
  if (at >= 0)
    g_ptr_array_remove_index (bucket->replacements, (guint) at);
  else if (bucket->replacements->len >= table->k)
    g_ptr_array_remove_index (bucket->replacements, 0);
  g_ptr_array_add (bucket->replacements, contact_new (peer, &key, group, now));
  if (oldest != NULL)
    *oldest = ((HormigaDhtContact *) g_ptr_array_index (bucket->contacts, 0))->peer;
  return HORMIGA_DHT_TABLE_PENDING;
}

static void
remove_at (HormigaDhtRoutingTable *table,
           Bucket                 *bucket,
           guint                   at)
{
  HormigaDhtContact *contact = g_ptr_array_index (bucket->contacts, at);

  group_add (table, contact->group, -1);
  table->size--;
  g_ptr_array_remove_index (bucket->contacts, at);

  /* The newest replacement that the diversity limits admit moves in. */
  for (guint i = bucket->replacements->len; i-- > 0;)
    {
      HormigaDhtContact *candidate = g_ptr_array_index (bucket->replacements, i);

      if (group_allows (table, bucket, candidate->group))
        {
          insert (table, bucket, g_ptr_array_steal_index (bucket->replacements, i));
          break;
        }
    }
}

gboolean
hormiga_dht_routing_table_failed (HormigaDhtRoutingTable *table,
                                  const HormigaPeerId    *peer,
                                  guint                   max_failures)
{
  HormigaDhtKey key;
  Bucket *bucket;
  HormigaDhtContact *contact;
  gint at;

  g_return_val_if_fail (table != NULL && peer != NULL, FALSE);

  hormiga_dht_key_from_peer_id (&key, peer);
  bucket = bucket_for (table, &key);
  if (bucket == NULL)
    return FALSE;
  at = find_in (bucket->contacts, &key);
  if (at < 0)
    {
      /* A waiting replacement that fails is forgotten. */
      at = find_in (bucket->replacements, &key);
      if (at >= 0)
        g_ptr_array_remove_index (bucket->replacements, (guint) at);
      return FALSE;
    }
  contact = g_ptr_array_index (bucket->contacts, (guint) at);
  if (++contact->failures < MAX (max_failures, 1))
    return FALSE;
  remove_at (table, bucket, (guint) at);
  return TRUE;
}

void
hormiga_dht_routing_table_remove (HormigaDhtRoutingTable *table,
                                  const HormigaPeerId    *peer)
{
  HormigaDhtKey key;
  Bucket *bucket;
  gint at;

  g_return_if_fail (table != NULL && peer != NULL);

  hormiga_dht_key_from_peer_id (&key, peer);
  bucket = bucket_for (table, &key);
  if (bucket == NULL)
    return;
  at = find_in (bucket->contacts, &key);
  if (at >= 0)
    remove_at (table, bucket, (guint) at);
  at = find_in (bucket->replacements, &key);
  if (at >= 0)
    g_ptr_array_remove_index (bucket->replacements, (guint) at);
}

gboolean
hormiga_dht_routing_table_contains (HormigaDhtRoutingTable *table,
                                    const HormigaPeerId    *peer)
{
  HormigaDhtKey key;
  guint index;

  g_return_val_if_fail (table != NULL && peer != NULL, FALSE);

  hormiga_dht_key_from_peer_id (&key, peer);
  index = hormiga_dht_key_common_prefix (&table->self, &key);
  return index < HORMIGA_DHT_KEY_BITS && table->buckets[index].contacts != NULL &&
         find_in (table->buckets[index].contacts, &key) >= 0;
}

static gint
compare_for_target (gconstpointer a,
                    gconstpointer b,
                    gpointer      target)
{
  const HormigaDhtContact *x = *(HormigaDhtContact * const *) a;
  const HormigaDhtContact *y = *(HormigaDhtContact * const *) b;

  return hormiga_dht_key_compare_distance (target, &x->key, &y->key);
}

GPtrArray *
hormiga_dht_routing_table_list (HormigaDhtRoutingTable *table)
{
  GPtrArray *all;

  g_return_val_if_fail (table != NULL, NULL);

  all = g_ptr_array_sized_new (table->size);
  for (guint i = 0; i < HORMIGA_DHT_KEY_BITS; i++)
    if (table->buckets[i].contacts != NULL)
      for (guint j = 0; j < table->buckets[i].contacts->len; j++)
        g_ptr_array_add (all, g_ptr_array_index (table->buckets[i].contacts, j));
  return all;
}

/* Appends the contacts of buckets [@first, @last] to @out, sorted. */
static void
add_sorted (HormigaDhtRoutingTable *table,
            guint                   first,
            guint                   last,
            const HormigaDhtKey    *target,
            GPtrArray              *out)
{
  g_autoptr(GPtrArray) group = g_ptr_array_new ();

  for (guint i = first; i <= last && i < HORMIGA_DHT_KEY_BITS; i++)
    if (table->buckets[i].contacts != NULL)
      for (guint j = 0; j < table->buckets[i].contacts->len; j++)
        g_ptr_array_add (group, g_ptr_array_index (table->buckets[i].contacts, j));
  g_ptr_array_sort_with_data (group, compare_for_target, (gpointer) target);
  for (guint i = 0; i < group->len; i++)
    g_ptr_array_add (out, hormiga_peer_id_ref (((HormigaDhtContact *) g_ptr_array_index (group, i))->peer));
}

/* With c the prefix @target shares with us, a contact's distance to the
 * target first differs at bit c if it is in a bucket deeper than c, at a
 * bit after c if it is in bucket c, and at bit i if it is in a shallower
 * bucket i. So: bucket c, then every deeper bucket together, then the
 * shallower ones from c − 1 up — each group sorted, no more than needed. */
GPtrArray *
hormiga_dht_routing_table_closest (HormigaDhtRoutingTable *table,
                                   const HormigaDhtKey    *target,
                                   guint                   n)
{
  GPtrArray *closest;
  guint c;

  g_return_val_if_fail (table != NULL && target != NULL, NULL);

  closest = g_ptr_array_new_full (n, (GDestroyNotify) hormiga_peer_id_unref);
  c = hormiga_dht_key_common_prefix (&table->self, target);
  if (c < HORMIGA_DHT_KEY_BITS)
    {
      add_sorted (table, c, c, target, closest);
      if (closest->len < n)
        add_sorted (table, c + 1, HORMIGA_DHT_KEY_BITS - 1, target, closest);
    }
  else
    add_sorted (table, 0, HORMIGA_DHT_KEY_BITS - 1, target, closest);
  for (guint i = MIN (c, HORMIGA_DHT_KEY_BITS); i-- > 0 && closest->len < n;)
    add_sorted (table, i, i, target, closest);
  if (closest->len > n)
    g_ptr_array_set_size (closest, n);
  return closest;
}

guint
hormiga_dht_routing_table_get_size (HormigaDhtRoutingTable *table)
{
  g_return_val_if_fail (table != NULL, 0);

  return table->size;
}

guint
hormiga_dht_routing_table_bucket_size (HormigaDhtRoutingTable *table,
                                       guint                   index)
{
  g_return_val_if_fail (table != NULL, 0);

  if (index >= HORMIGA_DHT_KEY_BITS || table->buckets[index].contacts == NULL)
    return 0;
  return table->buckets[index].contacts->len;
}

guint
hormiga_dht_routing_table_depth (HormigaDhtRoutingTable *table)
{
  g_return_val_if_fail (table != NULL, 0);

  for (guint i = HORMIGA_DHT_KEY_BITS; i-- > 0;)
    if (table->buckets[i].contacts != NULL && table->buckets[i].contacts->len > 0)
      return i;
  return 0;
}

gint64
hormiga_dht_routing_table_bucket_touched (HormigaDhtRoutingTable *table,
                                          guint                   index)
{
  g_return_val_if_fail (table != NULL, 0);

  return index < HORMIGA_DHT_KEY_BITS ? table->buckets[index].touched : 0;
}
