/* test-dht-store.c — the records a node holds for others
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "hormiga-dht-error.h"
#include "hormiga-dht-store.h"

#define NOW G_GUINT64_CONSTANT (1767225600) /* 2026-01-01T00:00:00Z */

static HormigaIdentity *
identity_of (guint8 byte)
{
  guint8 seed[32];

  memset (seed, byte, sizeof seed);
  return hormiga_identity_new_from_seed (seed);
}

static gsize
size_of (const HormigaDhtRecord *record)
{
  return g_bytes_get_size (record->encoded);
}

static void
put_ok (HormigaDhtStore     *store,
        HormigaDhtRecord    *record,
        const HormigaPeerId *from,
        guint64              now)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (hormiga_dht_store_put (store, record, from, now, &error));
  g_assert_no_error (error);
}

static void
put_refused (HormigaDhtStore     *store,
             HormigaDhtRecord    *record,
             const HormigaPeerId *from,
             guint64              now,
             int                  code,
             const char          *fragment)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (hormiga_dht_store_put (store, record, from, now, &error));
  g_assert_error (error, HORMIGA_DHT_ERROR, code);
  if (strstr (error->message, fragment) == NULL)
    g_error ("\"%s\" does not contain \"%s\"", error->message, fragment);
}

static HormigaDhtStore *
store_new (void)
{
  return hormiga_dht_store_new (HORMIGA_DHT_STORE_DEFAULT_MAX_BYTES,
                                HORMIGA_DHT_STORE_DEFAULT_MAX_BYTES_PER_PEER,
                                HORMIGA_DHT_STORE_DEFAULT_MAX_PROVIDERS);
}

static void
test_newest_wins (void)
{
  g_autoptr(HormigaIdentity) alice = identity_of (0x11);
  g_autoptr(HormigaIdentity) bob = identity_of (0x22);
  const char *one[] = { "udp:192.0.2.1:4000", NULL };
  const char *two[] = { "udp:192.0.2.1:4000", "udp:198.51.100.7:4000", NULL };
  g_autoptr(HormigaDhtRecord) first = hormiga_dht_record_new_peer (alice, 1, NOW + 60, one);
  g_autoptr(HormigaDhtRecord) second = hormiga_dht_record_new_peer (alice, 2, NOW + 30, two);
  g_autoptr(GBytes) value = g_bytes_new_static ("v1", 2);
  g_autoptr(HormigaDhtRecord) named = hormiga_dht_record_new_mutable (alice, "n", 5, NOW + 60,
                                                                      value);
  g_autoptr(HormigaDhtStore) store = store_new ();
  HormigaPeerId *from = hormiga_identity_get_peer_id (bob);

  put_ok (store, first, from, NOW);
  g_assert_true (hormiga_dht_store_get (store, &first->key, NOW) == first);
  /* A higher seq wins even if it expires sooner. */
  put_ok (store, second, from, NOW);
  g_assert_true (hormiga_dht_store_get (store, &first->key, NOW) == second);
  g_assert_cmpuint (hormiga_dht_store_get_n_records (store), ==, 1);
  g_assert_cmpuint (hormiga_dht_store_get_n_bytes (store), ==, size_of (second));

  put_ok (store, named, from, NOW);
  g_assert_true (hormiga_dht_store_get (store, &named->key, NOW) == named);
  g_assert_cmpuint (hormiga_dht_store_get_n_records (store), ==, 2);
  g_assert_cmpuint (hormiga_dht_store_get_n_bytes (store), ==, size_of (second) + size_of (named));
}

static void
test_stale_refused (void)
{
  g_autoptr(HormigaIdentity) alice = identity_of (0x11);
  g_autoptr(GBytes) v1 = g_bytes_new_static ("v1", 2);
  g_autoptr(GBytes) v2 = g_bytes_new_static ("v2", 2);
  g_autoptr(HormigaDhtRecord) held = hormiga_dht_record_new_mutable (alice, "n", 5, NOW + 60, v1);
  g_autoptr(HormigaDhtRecord) same = hormiga_dht_record_new_mutable (alice, "n", 5, NOW + 90, v2);
  g_autoptr(HormigaDhtRecord) older = hormiga_dht_record_new_mutable (alice, "n", 4, NOW + 90, v2);
  g_autoptr(HormigaDhtStore) store = store_new ();

  put_ok (store, held, NULL, NOW);
  put_refused (store, same, NULL, NOW, HORMIGA_DHT_ERROR_STALE,
               "held has seq 5; this one has seq 5");
  put_refused (store, older, NULL, NOW, HORMIGA_DHT_ERROR_STALE, "needs a higher one");
  g_assert_true (hormiga_dht_store_get (store, &held->key, NOW) == held);

  /* Once the held record has expired, an older one is welcome again. */
  put_ok (store, older, NULL, NOW + 60);
  g_assert_true (hormiga_dht_store_get (store, &held->key, NOW + 60) == older);
  g_assert_cmpuint (hormiga_dht_store_get_n_records (store), ==, 1);
}

static void
test_immutable (void)
{
  g_autoptr(GBytes) value = g_bytes_new_static ("contenido", 9);
  g_autoptr(HormigaDhtRecord) first = hormiga_dht_record_new_immutable (value, NOW + 60);
  g_autoptr(HormigaDhtRecord) earlier = hormiga_dht_record_new_immutable (value, NOW + 30);
  g_autoptr(HormigaDhtRecord) later = hormiga_dht_record_new_immutable (value, NOW + 600);
  g_autoptr(HormigaIdentity) bob = identity_of (0x22);
  g_autoptr(HormigaIdentity) carol = identity_of (0x33);
  g_autoptr(HormigaDhtStore) store = hormiga_dht_store_new (1 << 20, size_of (first), 4);

  put_ok (store, first, hormiga_identity_get_peer_id (bob), NOW);
  put_refused (store, earlier, NULL, NOW, HORMIGA_DHT_ERROR_STALE, "already held until");
  put_refused (store, first, NULL, NOW, HORMIGA_DHT_ERROR_STALE, "expires later");
  /* A later copy refreshes the expiry; its bytes move to whoever sent it,
   * so bob's share is free again. */
  put_ok (store, later, hormiga_identity_get_peer_id (carol), NOW);
  g_assert_true (hormiga_dht_store_get (store, &first->key, NOW + 100) == later);
  g_assert_cmpuint (hormiga_dht_store_get_n_records (store), ==, 1);
  {
    g_autoptr(GBytes) other = g_bytes_new_static ("otro conten", 11);
    g_autoptr(HormigaDhtRecord) bobs = hormiga_dht_record_new_immutable (other, NOW + 60);

    g_assert_cmpuint (size_of (bobs), >, size_of (first));
    put_refused (store, bobs, hormiga_identity_get_peer_id (bob), NOW,
                 HORMIGA_DHT_ERROR_STORAGE_FULL, "has stored 0 of its");
  }
}

/* An immutable value can hash to a peer key (its value being the PeerID);
 * it must not keep the owner's record out, nor replace it. */
static void
test_signed_beats_immutable (void)
{
  g_autoptr(HormigaIdentity) alice = identity_of (0x11);
  gsize length;
  const guint8 *id = hormiga_peer_id_get_bytes (hormiga_identity_get_peer_id (alice), &length);
  g_autoptr(GBytes) squat_value = g_bytes_new (id, length);
  g_autoptr(HormigaDhtRecord) squat = hormiga_dht_record_new_immutable (squat_value, NOW + 600);
  g_autoptr(HormigaDhtRecord) peer = hormiga_dht_record_new_peer (alice, 1, NOW + 60, NULL);
  g_autoptr(HormigaDhtRecord) again = hormiga_dht_record_new_immutable (squat_value, NOW + 900);
  g_autoptr(HormigaDhtStore) store = store_new ();

  g_assert_true (hormiga_dht_key_equal (&squat->key, &peer->key));
  put_ok (store, squat, NULL, NOW);
  put_ok (store, peer, NULL, NOW);
  g_assert_true (hormiga_dht_store_get (store, &peer->key, NOW) == peer);
  put_refused (store, again, NULL, NOW, HORMIGA_DHT_ERROR_STALE, "a signed peer record is held");
  g_assert_cmpuint (hormiga_dht_store_get_n_records (store), ==, 1);
  g_assert_cmpuint (hormiga_dht_store_get_n_bytes (store), ==, size_of (peer));
}

static void
test_per_peer_quota (void)
{
  g_autoptr(HormigaIdentity) alice = identity_of (0x11);
  g_autoptr(HormigaIdentity) bob = identity_of (0x22);
  g_autoptr(HormigaIdentity) carol = identity_of (0x33);
  HormigaPeerId *from_bob = hormiga_identity_get_peer_id (bob);
  HormigaPeerId *from_carol = hormiga_identity_get_peer_id (carol);
  g_autoptr(GBytes) value = g_bytes_new_static ("0123456789", 10);
  g_autoptr(GPtrArray) records = g_ptr_array_new_with_free_func ((GDestroyNotify) hormiga_dht_record_unref);
  g_autoptr(HormigaDhtRecord) newer = NULL;
  g_autoptr(HormigaDhtRecord) fourth = NULL;
  g_autoptr(HormigaDhtStore) store = NULL;
  gsize size;

  /* Names of one length give records of one size. */
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *name = g_strdup_printf ("name-%u", i);

      g_ptr_array_add (records, hormiga_dht_record_new_mutable (alice, name, 1, NOW + 60 + i,
                                                               value));
    }
  fourth = hormiga_dht_record_new_mutable (alice, "name-3", 1, NOW + 600, value);
  newer = hormiga_dht_record_new_mutable (alice, "name-0", 2, NOW + 600, value);
  size = size_of (fourth);
  g_assert_cmpuint (size_of (newer), ==, size);
  store = hormiga_dht_store_new (1 << 20, 3 * size, 8);

  for (guint i = 0; i < records->len; i++)
    put_ok (store, records->pdata[i], from_bob, NOW);
  put_refused (store, fourth, from_bob, NOW, HORMIGA_DHT_ERROR_STORAGE_FULL,
               hormiga_peer_id_to_string (from_bob));
  /* Another peer has its own share; ourselves, none. */
  put_ok (store, fourth, from_carol, NOW);
  g_assert_cmpuint (hormiga_dht_store_get_n_records (store), ==, 4);

  /* Replacing one of bob's records gives back what the old one cost. */
  put_ok (store, newer, from_bob, NOW);
  g_assert_cmpuint (hormiga_dht_store_get_n_records (store), ==, 4);
  g_assert_cmpuint (hormiga_dht_store_get_n_bytes (store), ==, 4 * size);

  /* When name-1 expires, bob may store again. */
  {
    g_autoptr(HormigaDhtRecord) again = hormiga_dht_record_new_mutable (alice, "name-4", 1,
                                                                        NOW + 600, value);

    put_refused (store, again, from_bob, NOW + 60, HORMIGA_DHT_ERROR_STORAGE_FULL,
                 "has stored");
    g_assert_cmpuint (hormiga_dht_store_expire (store, NOW + 61), ==, 1);
    put_ok (store, again, from_bob, NOW + 61);
  }
}

static void
test_overall_quota (void)
{
  g_autoptr(HormigaIdentity) alice = identity_of (0x11);
  g_autoptr(HormigaIdentity) bob = identity_of (0x22);
  g_autoptr(HormigaIdentity) carol = identity_of (0x33);
  g_autoptr(HormigaIdentity) dave = identity_of (0x44);
  g_autoptr(HormigaDhtRecord) a = hormiga_dht_record_new_peer (alice, 1, NOW + 60, NULL);
  g_autoptr(HormigaDhtRecord) b = hormiga_dht_record_new_peer (bob, 1, NOW + 60, NULL);
  g_autoptr(HormigaDhtRecord) c = hormiga_dht_record_new_peer (carol, 1, NOW + 60, NULL);
  g_autoptr(HormigaDhtRecord) d = hormiga_dht_record_new_peer (dave, 1, NOW + 60, NULL);
  g_autoptr(HormigaDhtRecord) b2 = hormiga_dht_record_new_peer (bob, 2, NOW + 60, NULL);
  g_autoptr(HormigaDhtStore) store = hormiga_dht_store_new (2 * size_of (a), 1 << 20, 8);
  HormigaPeerId *from = hormiga_identity_get_peer_id (dave);

  put_ok (store, a, from, NOW);
  put_ok (store, b, hormiga_identity_get_peer_id (carol), NOW);
  put_refused (store, c, from, NOW, HORMIGA_DHT_ERROR_STORAGE_FULL, "the store holds");
  /* A replacement fits where the record it replaces was. */
  put_ok (store, b2, from, NOW);
  /* Our own records are never refused for space. */
  put_ok (store, d, NULL, NOW);
  g_assert_cmpuint (hormiga_dht_store_get_n_records (store), ==, 3);
  g_assert_cmpuint (hormiga_dht_store_get_n_bytes (store), ==, 3 * size_of (a));
  put_refused (store, c, from, NOW, HORMIGA_DHT_ERROR_STORAGE_FULL, "the store holds");
}

static void
test_providers (void)
{
  g_autoptr(GPtrArray) people = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(HormigaDhtStore) store = hormiga_dht_store_new (1 << 20, 1 << 20, 3);
  g_autoptr(GPtrArray) found = NULL;
  HormigaDhtKey content, other;
  HormigaDhtRecord *p[7];

  memset (content.bytes, 0xc0, sizeof content.bytes);
  memset (other.bytes, 0x0c, sizeof other.bytes);
  for (guint i = 0; i < 5; i++)
    g_ptr_array_add (people, identity_of (0x50 + i));

  /* Three providers fill the key. */
  p[0] = hormiga_dht_record_new_provider (people->pdata[0], &content, 1, NOW + 100);
  p[1] = hormiga_dht_record_new_provider (people->pdata[1], &content, 1, NOW + 300);
  p[2] = hormiga_dht_record_new_provider (people->pdata[2], &content, 1, NOW + 200);
  for (guint i = 0; i < 3; i++)
    put_ok (store, p[i], NULL, NOW);

  /* A fourth that expires before all of them is refused... */
  p[3] = hormiga_dht_record_new_provider (people->pdata[3], &content, 1, NOW + 50);
  put_refused (store, p[3], NULL, NOW, HORMIGA_DHT_ERROR_STORAGE_FULL, "already has 3 providers");
  /* ...one that outlives the soonest (p[0]) takes its place. */
  p[4] = hormiga_dht_record_new_provider (people->pdata[4], &content, 1, NOW + 400);
  put_ok (store, p[4], NULL, NOW);
  g_assert_cmpuint (hormiga_dht_store_get_n_records (store), ==, 3);

  /* The same owner again: newer seq replaces, not newer is stale. */
  p[5] = hormiga_dht_record_new_provider (people->pdata[2], &content, 2, NOW + 150);
  put_refused (store, p[2], NULL, NOW, HORMIGA_DHT_ERROR_STALE, "held for this owner has seq 1");
  put_ok (store, p[5], NULL, NOW);
  g_assert_cmpuint (hormiga_dht_store_get_n_records (store), ==, 3);

  /* Latest expiry first, cut at max; providers do not show as values. */
  found = hormiga_dht_store_get_providers (store, &content, NOW, 10);
  g_assert_cmpuint (found->len, ==, 3);
  g_assert_true (found->pdata[0] == p[4]);
  g_assert_true (found->pdata[1] == p[1]);
  g_assert_true (found->pdata[2] == p[5]);
  g_clear_pointer (&found, g_ptr_array_unref);
  found = hormiga_dht_store_get_providers (store, &content, NOW, 2);
  g_assert_cmpuint (found->len, ==, 2);
  g_clear_pointer (&found, g_ptr_array_unref);
  g_assert_null (hormiga_dht_store_get (store, &content, NOW));
  found = hormiga_dht_store_get_providers (store, &other, NOW, 10);
  g_assert_cmpuint (found->len, ==, 0);
  g_clear_pointer (&found, g_ptr_array_unref);

  /* Expired providers are not returned, and make room. */
  found = hormiga_dht_store_get_providers (store, &content, NOW + 150, 10);
  g_assert_cmpuint (found->len, ==, 2);
  g_clear_pointer (&found, g_ptr_array_unref);
  p[6] = hormiga_dht_record_new_provider (people->pdata[3], &content, 2, NOW + 500);
  put_ok (store, p[6], NULL, NOW + 150);
  g_assert_cmpuint (hormiga_dht_store_get_n_records (store), ==, 3);
  found = hormiga_dht_store_get_providers (store, &content, NOW + 150, 10);
  g_assert_cmpuint (found->len, ==, 3);
  g_assert_true (found->pdata[0] == p[6]);

  for (guint i = 0; i < G_N_ELEMENTS (p); i++)
    hormiga_dht_record_unref (p[i]);
}

/* A value record and providers may share a key: content and who has it. */
static void
test_value_and_providers_share_key (void)
{
  g_autoptr(HormigaIdentity) alice = identity_of (0x11);
  g_autoptr(GBytes) value = g_bytes_new_static ("contenido", 9);
  g_autoptr(HormigaDhtRecord) content = hormiga_dht_record_new_immutable (value, NOW + 60);
  g_autoptr(HormigaDhtRecord) provider =
    hormiga_dht_record_new_provider (alice, &content->key, 1, NOW + 30);
  g_autoptr(HormigaDhtStore) store = store_new ();
  g_autoptr(GPtrArray) found = NULL;

  put_ok (store, content, NULL, NOW);
  put_ok (store, provider, NULL, NOW);
  g_assert_true (hormiga_dht_store_get (store, &content->key, NOW) == content);
  found = hormiga_dht_store_get_providers (store, &content->key, NOW, 10);
  g_assert_cmpuint (found->len, ==, 1);
  g_assert_cmpuint (hormiga_dht_store_get_n_records (store), ==, 2);
  g_assert_cmpuint (hormiga_dht_store_expire (store, NOW + 30), ==, 1);
  g_assert_true (hormiga_dht_store_get (store, &content->key, NOW + 30) == content);
  g_assert_cmpuint (hormiga_dht_store_expire (store, NOW + 60), ==, 1);
  g_assert_cmpuint (hormiga_dht_store_get_n_records (store), ==, 0);
}

static void
test_expiry (void)
{
  g_autoptr(HormigaIdentity) alice = identity_of (0x11);
  g_autoptr(HormigaIdentity) bob = identity_of (0x22);
  g_autoptr(GBytes) v = g_bytes_new_static ("v", 1);
  g_autoptr(HormigaDhtRecord) soon = hormiga_dht_record_new_mutable (alice, "soon", 1, NOW + 10, v);
  g_autoptr(HormigaDhtRecord) late = hormiga_dht_record_new_mutable (alice, "late", 1, NOW + 90, v);
  g_autoptr(HormigaDhtRecord) mid = hormiga_dht_record_new_peer (alice, 1, NOW + 50, NULL);
  g_autoptr(HormigaDhtRecord) gone = hormiga_dht_record_new_peer (alice, 2, NOW, NULL);
  g_autoptr(HormigaDhtStore) store = store_new ();
  HormigaPeerId *from = hormiga_identity_get_peer_id (bob);
  g_autoptr(GPtrArray) all = NULL;

  put_refused (store, gone, from, NOW, HORMIGA_DHT_ERROR_EXPIRED, "expired at 1767225600");
  put_ok (store, soon, from, NOW);
  put_ok (store, late, from, NOW);
  put_ok (store, mid, from, NOW);
  g_assert_cmpuint (hormiga_dht_store_get_n_records (store), ==, 3);

  /* Never returned once expired, even before expire() runs. */
  g_assert_true (hormiga_dht_store_get (store, &soon->key, NOW + 9) == soon);
  g_assert_null (hormiga_dht_store_get (store, &soon->key, NOW + 10));
  g_assert_cmpuint (hormiga_dht_store_get_n_records (store), ==, 3);

  g_assert_cmpuint (hormiga_dht_store_expire (store, NOW + 9), ==, 0);
  g_assert_cmpuint (hormiga_dht_store_expire (store, NOW + 50), ==, 2);
  g_assert_cmpuint (hormiga_dht_store_get_n_records (store), ==, 1);
  g_assert_cmpuint (hormiga_dht_store_get_n_bytes (store), ==, size_of (late));
  all = hormiga_dht_store_list (store);
  g_assert_cmpuint (all->len, ==, 1);
  g_assert_true (all->pdata[0] == late);
  g_clear_pointer (&all, g_ptr_array_unref);

  g_assert_cmpuint (hormiga_dht_store_expire (store, G_MAXUINT64), ==, 1);
  g_assert_cmpuint (hormiga_dht_store_get_n_records (store), ==, 0);
  g_assert_cmpuint (hormiga_dht_store_get_n_bytes (store), ==, 0);
  all = hormiga_dht_store_list (store);
  g_assert_cmpuint (all->len, ==, 0);
}

/* Records outlive the store, and the store outlives the caller's refs. */
static void
test_references (void)
{
  g_autoptr(HormigaIdentity) alice = identity_of (0x11);
  HormigaDhtRecord *record = hormiga_dht_record_new_peer (alice, 1, NOW + 60, NULL);
  HormigaDhtStore *store = store_new ();
  g_autoptr(GPtrArray) all = NULL;

  put_ok (store, record, NULL, NOW);
  hormiga_dht_record_unref (record);
  all = hormiga_dht_store_list (store);
  hormiga_dht_store_free (store);
  g_assert_cmpuint (all->len, ==, 1);
  g_assert_cmpuint (((HormigaDhtRecord *) all->pdata[0])->seq, ==, 1);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/hormiga/dht-store/newest-wins", test_newest_wins);
  g_test_add_func ("/hormiga/dht-store/stale-refused", test_stale_refused);
  g_test_add_func ("/hormiga/dht-store/immutable", test_immutable);
  g_test_add_func ("/hormiga/dht-store/signed-beats-immutable", test_signed_beats_immutable);
  g_test_add_func ("/hormiga/dht-store/per-peer-quota", test_per_peer_quota);
  g_test_add_func ("/hormiga/dht-store/overall-quota", test_overall_quota);
  g_test_add_func ("/hormiga/dht-store/providers", test_providers);
  g_test_add_func ("/hormiga/dht-store/value-and-providers-share-key",
                   test_value_and_providers_share_key);
  g_test_add_func ("/hormiga/dht-store/expiry", test_expiry);
  g_test_add_func ("/hormiga/dht-store/references", test_references);

  return g_test_run ();
}
