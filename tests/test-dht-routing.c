/* test-dht-routing.c — keys, k-buckets and iterative lookups, without I/O
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "hormiga-dht-key.h"
#include "hormiga-dht-lookup.h"
#include "hormiga-dht-routing-table.h"
#include "hormiga-identity.h"

static HormigaPeerId *
new_peer (void)
{
  g_autoptr(HormigaIdentity) identity = hormiga_identity_generate ();
  return hormiga_peer_id_ref (hormiga_identity_get_peer_id (identity));
}

static void
test_key_distance (void)
{
  HormigaDhtKey a = { { 0 } }, b = { { 0 } }, c = { { 0 } }, d;
  guint8 random_bytes[32];

  b.bytes[0] = 0x80;          /* differs in the first bit */
  c.bytes[31] = 0x01;         /* differs in the last bit */
  g_assert_cmpuint (hormiga_dht_key_common_prefix (&a, &a), ==, 256);
  g_assert_cmpuint (hormiga_dht_key_common_prefix (&a, &b), ==, 0);
  g_assert_cmpuint (hormiga_dht_key_common_prefix (&a, &c), ==, 255);
  g_assert_cmpint (hormiga_dht_key_compare_distance (&a, &c, &b), <, 0);
  g_assert_cmpint (hormiga_dht_key_compare_distance (&a, &b, &c), >, 0);
  g_assert_cmpint (hormiga_dht_key_compare_distance (&a, &b, &b), ==, 0);
  hormiga_dht_key_distance (&b, &c, &d);
  g_assert_cmpuint (d.bytes[0], ==, 0x80);
  g_assert_cmpuint (d.bytes[31], ==, 0x01);

  /* A refresh target lands in exactly the bucket asked for. */
  for (guint prefix = 0; prefix < 256; prefix++)
    for (guint round = 0; round < 4; round++)
      {
        HormigaDhtKey self, target;

        for (guint i = 0; i < 32; i++)
          {
            self.bytes[i] = (guint8) g_random_int ();
            random_bytes[i] = (guint8) g_random_int ();
          }
        hormiga_dht_key_random_in_bucket (&self, prefix, random_bytes, &target);
        g_assert_cmpuint (hormiga_dht_key_common_prefix (&self, &target), ==, prefix);
      }

  {
    g_autofree char *hex = hormiga_dht_key_to_hex (&c);
    g_assert_cmpstr (hex, ==, "0000000000000000000000000000000000000000000000000000000000000001");
  }
}

/* Peers whose keys fall in the bucket at @index of @self's table. */
static GPtrArray *
peers_in_bucket (const HormigaDhtKey *self,
                 guint                index,
                 guint                n)
{
  GPtrArray *peers = g_ptr_array_new_with_free_func ((GDestroyNotify) hormiga_peer_id_unref);

  while (peers->len < n)
    {
      g_autoptr(HormigaPeerId) peer = new_peer ();
      HormigaDhtKey key;

      hormiga_dht_key_from_peer_id (&key, peer);
      if (hormiga_dht_key_common_prefix (self, &key) == index)
        g_ptr_array_add (peers, g_steal_pointer (&peer));
    }
  return peers;
}

static void
test_bucket_eviction (void)
{
  g_autoptr(HormigaPeerId) me = new_peer ();
  HormigaDhtKey self;
  g_autoptr(HormigaDhtRoutingTable) table = NULL;
  g_autoptr(GPtrArray) peers = NULL;
  const HormigaPeerId *oldest = NULL;

  hormiga_dht_key_from_peer_id (&self, me);
  table = hormiga_dht_routing_table_new (&self, 3, 0, 0);
  peers = peers_in_bucket (&self, 0, 5);

  g_assert_cmpint (hormiga_dht_routing_table_seen (table, me, NULL, 1, NULL), ==, HORMIGA_DHT_TABLE_REFUSED);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpint (hormiga_dht_routing_table_seen (table, g_ptr_array_index (peers, i), NULL, 10 + i, NULL),
                     ==, HORMIGA_DHT_TABLE_ADDED);
  g_assert_cmpuint (hormiga_dht_routing_table_bucket_size (table, 0), ==, 3);

  /* Seen again: most recent now; peers[1] is the oldest. */
  g_assert_cmpint (hormiga_dht_routing_table_seen (table, g_ptr_array_index (peers, 0), NULL, 20, NULL),
                   ==, HORMIGA_DHT_TABLE_UPDATED);
  g_assert_cmpint (hormiga_dht_routing_table_seen (table, g_ptr_array_index (peers, 3), NULL, 21, &oldest),
                   ==, HORMIGA_DHT_TABLE_PENDING);
  g_assert_true (hormiga_peer_id_equal (oldest, g_ptr_array_index (peers, 1)));
  g_assert_false (hormiga_dht_routing_table_contains (table, g_ptr_array_index (peers, 3)));

  /* The oldest answers the ping: it stays, the newcomer keeps waiting. */
  g_assert_cmpint (hormiga_dht_routing_table_seen (table, g_ptr_array_index (peers, 1), NULL, 22, NULL),
                   ==, HORMIGA_DHT_TABLE_UPDATED);
  g_assert_false (hormiga_dht_routing_table_contains (table, g_ptr_array_index (peers, 3)));

  /* Now the oldest (peers[2]) fails twice: it goes, the newcomer moves in. */
  g_assert_false (hormiga_dht_routing_table_failed (table, g_ptr_array_index (peers, 2), 2));
  g_assert_true (hormiga_dht_routing_table_failed (table, g_ptr_array_index (peers, 2), 2));
  g_assert_false (hormiga_dht_routing_table_contains (table, g_ptr_array_index (peers, 2)));
  g_assert_true (hormiga_dht_routing_table_contains (table, g_ptr_array_index (peers, 3)));
  g_assert_cmpuint (hormiga_dht_routing_table_get_size (table), ==, 3);
}

static void
test_diversity (void)
{
  g_autoptr(HormigaPeerId) me = new_peer ();
  HormigaDhtKey self;
  g_autoptr(HormigaDhtRoutingTable) table = NULL;
  g_autoptr(GPtrArray) peers = NULL;

  hormiga_dht_key_from_peer_id (&self, me);
  table = hormiga_dht_routing_table_new (&self, 20, 2, 3);
  peers = peers_in_bucket (&self, 0, 4);
  g_assert_cmpint (hormiga_dht_routing_table_seen (table, g_ptr_array_index (peers, 0), "10.0.0", 1, NULL), ==, HORMIGA_DHT_TABLE_ADDED);
  g_assert_cmpint (hormiga_dht_routing_table_seen (table, g_ptr_array_index (peers, 1), "10.0.0", 1, NULL), ==, HORMIGA_DHT_TABLE_ADDED);
  /* A third from the same group in one bucket: refused. */
  g_assert_cmpint (hormiga_dht_routing_table_seen (table, g_ptr_array_index (peers, 2), "10.0.0", 1, NULL), ==, HORMIGA_DHT_TABLE_REFUSED);
  g_assert_cmpint (hormiga_dht_routing_table_seen (table, g_ptr_array_index (peers, 3), "10.0.1", 1, NULL), ==, HORMIGA_DHT_TABLE_ADDED);

  /* Across the table: at most 3 per group. */
  {
    g_autoptr(GPtrArray) deeper = peers_in_bucket (&self, 1, 3);

    g_assert_cmpint (hormiga_dht_routing_table_seen (table, g_ptr_array_index (deeper, 0), "10.0.0", 1, NULL), ==, HORMIGA_DHT_TABLE_ADDED);
    g_assert_cmpint (hormiga_dht_routing_table_seen (table, g_ptr_array_index (deeper, 1), "10.0.0", 1, NULL), ==, HORMIGA_DHT_TABLE_REFUSED);
    /* Unknown groups are not limited. */
    g_assert_cmpint (hormiga_dht_routing_table_seen (table, g_ptr_array_index (deeper, 2), NULL, 1, NULL), ==, HORMIGA_DHT_TABLE_ADDED);
  }
}

static gint
compare_to (gconstpointer a,
            gconstpointer b,
            gpointer      target)
{
  HormigaDhtKey ka, kb;

  hormiga_dht_key_from_peer_id (&ka, *(HormigaPeerId * const *) a);
  hormiga_dht_key_from_peer_id (&kb, *(HormigaPeerId * const *) b);
  return hormiga_dht_key_compare_distance (target, &ka, &kb);
}

/* A network of 300 nodes, each with a real routing table filled from all
 * the others; lookups from every kind of start find exactly the k closest. */
static void
test_lookup_converges (void)
{
  const guint n = 300, k = 8;
  g_autoptr(GPtrArray) peers = g_ptr_array_new_with_free_func ((GDestroyNotify) hormiga_peer_id_unref);
  g_autoptr(GPtrArray) tables = g_ptr_array_new_with_free_func ((GDestroyNotify) hormiga_dht_routing_table_free);
  g_autoptr(GHashTable) index = g_hash_table_new ((GHashFunc) hormiga_peer_id_hash, (GEqualFunc) hormiga_peer_id_equal);
  GRand *rand = g_rand_new_with_seed (11);

  for (guint i = 0; i < n; i++)
    g_ptr_array_add (peers, new_peer ());
  for (guint i = 0; i < n; i++)
    {
      HormigaDhtKey self;
      HormigaDhtRoutingTable *table;

      hormiga_dht_key_from_peer_id (&self, g_ptr_array_index (peers, i));
      /* Buckets larger than the lookup's k, as a well-filled table would
       * be: with k-sized buckets a node close to the target can sit only
       * in replacement caches, and no exact answer is promised. */
      table = hormiga_dht_routing_table_new (&self, 20, 0, 0);
      for (guint j = 0; j < n; j++)
        if (j != i)
          hormiga_dht_routing_table_seen (table, g_ptr_array_index (peers, j), NULL, g_rand_int (rand), NULL);
      g_ptr_array_add (tables, table);
      g_hash_table_insert (index, g_ptr_array_index (peers, i), table);
    }

  for (guint round = 0; round < 30; round++)
    {
      guint start = g_rand_int_range (rand, 0, (gint32) n);
      const HormigaPeerId *me = g_ptr_array_index (peers, start);
      HormigaDhtKey target;
      guint8 seed[32];
      g_autoptr(HormigaDhtLookup) lookup = NULL;
      g_autoptr(GPtrArray) initial = NULL;
      g_autoptr(GPtrArray) result = NULL;
      g_autoptr(GPtrArray) sorted = NULL;
      const HormigaPeerId *next;
      guint dead = round % 3 == 0 ? (guint) g_rand_int_range (rand, 0, (gint32) n) : G_MAXUINT;

      for (guint i = 0; i < 32; i++)
        seed[i] = (guint8) g_rand_int (rand);
      hormiga_dht_key_hash (&target, seed, sizeof seed);
      lookup = hormiga_dht_lookup_new (&target, k, 3);
      initial = hormiga_dht_routing_table_closest (g_ptr_array_index (tables, start), &target, k);
      hormiga_dht_lookup_add (lookup, initial, NULL, me);

      /* Answer synchronously; one node is dead in some rounds. */
      while ((next = hormiga_dht_lookup_next (lookup)) != NULL ||
             hormiga_dht_lookup_get_in_flight (lookup) > 0)
        {
          g_autoptr(HormigaPeerId) asked = NULL;
          HormigaDhtRoutingTable *table;

          g_assert_nonnull (next);
          asked = hormiga_peer_id_ref ((HormigaPeerId *) next);
          if (dead != G_MAXUINT && hormiga_peer_id_equal (asked, g_ptr_array_index (peers, dead)))
            {
              hormiga_dht_lookup_failed (lookup, asked);
              continue;
            }
          table = g_hash_table_lookup (index, asked);
          {
            g_autoptr(GPtrArray) closer = hormiga_dht_routing_table_closest (table, &target, k);
            hormiga_dht_lookup_responded (lookup, asked, closer, me);
          }
        }
      g_assert_true (hormiga_dht_lookup_is_done (lookup));
      result = hormiga_dht_lookup_result (lookup);

      /* Brute force: the k closest live nodes other than the starter. */
      sorted = g_ptr_array_new ();
      for (guint i = 0; i < n; i++)
        if (i != start && i != dead)
          g_ptr_array_add (sorted, g_ptr_array_index (peers, i));
      g_ptr_array_sort_with_data (sorted, compare_to, &target);
      /* Every node answers with the k closest it knows, the dead one
       * included while it is in their tables: when it is among the k
       * closest, the (k+1)-th may never be named, and the lookup rightly
       * ends with k − 1. What it returns is exactly the closest live ones. */
      g_assert_cmpuint (result->len, >=, dead == G_MAXUINT ? k : k - 1);
      g_assert_cmpuint (result->len, <=, k);
      for (guint i = 0; i < result->len; i++)
        g_assert_true (hormiga_peer_id_equal (g_ptr_array_index (result, i), g_ptr_array_index (sorted, i)));
      g_assert_cmpuint (hormiga_dht_lookup_get_depth (lookup, g_ptr_array_index (result, 0)), >=, 1);
    }
  g_rand_free (rand);
}

/* A slow node leaves the lookup to the others, unless it is the node
 * looked for: that one is waited for until it answers or fails. */
static void
test_lookup_waits_for_target (void)
{
  g_autoptr(HormigaPeerId) me = new_peer ();
  g_autoptr(HormigaPeerId) target_peer = new_peer ();
  g_autoptr(HormigaPeerId) slow = new_peer ();
  g_autoptr(GPtrArray) initial = g_ptr_array_new ();
  g_autoptr(GPtrArray) none = g_ptr_array_new ();
  g_autoptr(HormigaDhtLookup) lookup = NULL;
  g_autoptr(GPtrArray) result = NULL;
  HormigaDhtKey target;

  hormiga_dht_key_from_peer_id (&target, target_peer);
  lookup = hormiga_dht_lookup_new (&target, 20, 3);
  g_ptr_array_add (initial, target_peer);
  g_ptr_array_add (initial, slow);
  hormiga_dht_lookup_add (lookup, initial, NULL, me);
  g_assert_nonnull (hormiga_dht_lookup_next (lookup));
  g_assert_nonnull (hormiga_dht_lookup_next (lookup));
  g_assert_null (hormiga_dht_lookup_next (lookup));

  /* Both stall: the other one no longer holds the lookup, the target does. */
  hormiga_dht_lookup_stalled (lookup, slow);
  hormiga_dht_lookup_stalled (lookup, target_peer);
  g_assert_false (hormiga_dht_lookup_is_done (lookup));
  hormiga_dht_lookup_responded (lookup, target_peer, none, me);
  g_assert_true (hormiga_dht_lookup_is_done (lookup));
  result = hormiga_dht_lookup_result (lookup);
  g_assert_cmpuint (result->len, ==, 1);
  g_assert_true (hormiga_peer_id_equal (g_ptr_array_index (result, 0), target_peer));

  /* A target that fails ends it too. */
  g_clear_pointer (&lookup, hormiga_dht_lookup_free);
  lookup = hormiga_dht_lookup_new (&target, 20, 3);
  hormiga_dht_lookup_add (lookup, initial, NULL, me);
  g_assert_nonnull (hormiga_dht_lookup_next (lookup));
  g_assert_nonnull (hormiga_dht_lookup_next (lookup));
  hormiga_dht_lookup_stalled (lookup, target_peer);
  hormiga_dht_lookup_responded (lookup, slow, none, me);
  g_assert_false (hormiga_dht_lookup_is_done (lookup));
  hormiga_dht_lookup_failed (lookup, target_peer);
  g_assert_true (hormiga_dht_lookup_is_done (lookup));
}

static void
test_network_group (void)
{
  static const struct { const char *address; const char *group; } cases[] = {
    { "203.0.113.7", "4:203.0" },
    { "198.51.100.200", "4:198.51" },
    { "::ffff:203.0.113.7", "4:203.0" },
    { "2001:db8:1234::1", "6:20010db8" },
    { "2a00:1450:4001:80b::200e", "6:2a001450" },
    /* No limit where honest nodes share prefixes. */
    { "127.0.0.1", NULL }, { "10.1.2.3", NULL }, { "172.16.0.1", NULL },
    { "172.31.255.1", NULL }, { "192.168.1.10", NULL }, { "169.254.3.4", NULL },
    { "100.64.0.1", NULL }, { "100.127.255.1", NULL }, { "0.0.0.0", NULL },
    { "::1", NULL }, { "::", NULL }, { "fe80::1", NULL }, { "fd12:3456::1", NULL },
    { "::ffff:192.168.0.1", NULL },
    /* Just outside the private ranges. */
    { "172.32.0.1", "4:172.32" }, { "100.128.0.1", "4:100.128" },
    /* Not addresses. */
    { "", NULL }, { "example.org", NULL }, { "1.2.3", NULL }, { NULL, NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *group = hormiga_dht_network_group (cases[i].address);

      g_assert_cmpstr (group, ==, cases[i].group);
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/hormiga/dht-routing/key-distance", test_key_distance);
  g_test_add_func ("/hormiga/dht-routing/bucket-eviction", test_bucket_eviction);
  g_test_add_func ("/hormiga/dht-routing/diversity", test_diversity);
  g_test_add_func ("/hormiga/dht-routing/lookup-converges", test_lookup_converges);
  g_test_add_func ("/hormiga/dht-routing/lookup-waits-for-target", test_lookup_waits_for_target);
  g_test_add_func ("/hormiga/dht-routing/network-group", test_network_group);
  return g_test_run ();
}
