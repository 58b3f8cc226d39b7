/* test-peer-id.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Known vectors:
 * - libp2p/specs, peer-ids/peer-ids.md, "Test vectors": the Ed25519 public
 *   key protobuf 080112201ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e
 *   (its private key protobuf carries the seed 7e0830617c4a…60fee7d, used in
 *   test-identity.c). The PeerID text and the SHA-256 DHT key below were
 *   computed independently (Python: base58 of 00 24 ‖ protobuf; hashlib).
 * - libp2p/specs, peer-ids/peer-ids.md, "String representation", the
 *   examples under "Decoding": the Ed25519 PeerID 12D3KooWD3eck…QAJU5SA, the
 *   sha256 PeerID QmYyQSo1…Djhx5N and its CID form bafzbeie5745…5xqxe. The
 *   bytes and DHT key of the first were decoded independently (Python).
 * - RFC 8032 §7.1 TEST 1 public key d75a9801…07511a, same derivation.
 */
#include "hormiga-identity-error.h"
#include "hormiga-peer-id.h"

static const char spec_public_key_hex[] =
  "1ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e";
static const char spec_peer_id[] = "12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq";
static const char spec_dht_key_hex[] =
  "dfd53212a4bd2beda3ea8e82d08285370c70a70cfe9c588e28754b23c8033121";

static const char rfc8032_public_key_hex[] =
  "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
static const char rfc8032_peer_id[] = "12D3KooWQK1wnefoLrcVHbbnf5tLzbopUd3K3bFAoJpA7YJgL5pV";
static const char rfc8032_dht_key_hex[] =
  "06567cf09231b70576326a32e0f6c2fa5dc6004222b79b851ae39d426f83409e";

static const char spec_example_peer_id[] = "12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA";
static const char spec_example_bytes_hex[] =
  "002408011220"
  "2ffa35a99d3a3cfbb17bb7c1dc5561b18a8dcca4df38dc613ea859c37eb1336b";
static const char spec_example_dht_key_hex[] =
  "a9fb3b592b9e6cee5658eaf7de67433434163a081d97cc77e303b300c816251e";

static void
from_hex (const char *hex,
          guint8     *out,
          gsize       length)
{
  g_assert_cmpuint (strlen (hex), ==, length * 2);
  for (gsize i = 0; i < length; i++)
    out[i] = (guint8) (g_ascii_xdigit_value (hex[2 * i]) << 4
                       | g_ascii_xdigit_value (hex[2 * i + 1]));
}

static void
test_spec_vector (void)
{
  guint8 key[32], dht_key[32];
  static const guint8 header[] = { 0x00, 0x24, 0x08, 0x01, 0x12, 0x20 };
  g_autoptr(HormigaPeerId) id = NULL;
  g_autoptr(HormigaPeerId) parsed = NULL;
  g_autoptr(GError) error = NULL;
  const guint8 *bytes;
  gsize length;

  from_hex (spec_public_key_hex, key, sizeof key);
  from_hex (spec_dht_key_hex, dht_key, sizeof dht_key);
  id = hormiga_peer_id_new_from_public_key (key);

  g_assert_cmpstr (hormiga_peer_id_to_string (id), ==, spec_peer_id);
  bytes = hormiga_peer_id_get_bytes (id, &length);
  g_assert_cmpuint (length, ==, HORMIGA_PEER_ID_LENGTH);
  g_assert_cmpmem (bytes, sizeof header, header, sizeof header);
  g_assert_cmpmem (bytes + 6, 32, key, 32);
  g_assert_cmpmem (hormiga_peer_id_get_public_key (id), 32, key, 32);
  g_assert_cmpmem (hormiga_peer_id_get_dht_key (id), 32, dht_key, 32);

  parsed = hormiga_peer_id_parse (spec_peer_id, &error);
  g_assert_no_error (error);
  g_assert_true (hormiga_peer_id_equal (id, parsed));
  g_assert_cmpuint (hormiga_peer_id_hash (id), ==, hormiga_peer_id_hash (parsed));
}

static void
test_spec_text_example (void)
{
  guint8 expected[HORMIGA_PEER_ID_LENGTH], dht_key[32];
  g_autoptr(HormigaPeerId) id = NULL;
  g_autoptr(HormigaPeerId) from_key = NULL;
  g_autoptr(GError) error = NULL;
  const guint8 *bytes;
  gsize length;

  from_hex (spec_example_bytes_hex, expected, sizeof expected);
  from_hex (spec_example_dht_key_hex, dht_key, sizeof dht_key);

  id = hormiga_peer_id_parse (spec_example_peer_id, &error);
  g_assert_no_error (error);
  bytes = hormiga_peer_id_get_bytes (id, &length);
  g_assert_cmpmem (bytes, length, expected, sizeof expected);
  g_assert_cmpmem (hormiga_peer_id_get_public_key (id), 32, expected + 6, 32);
  g_assert_cmpmem (hormiga_peer_id_get_dht_key (id), 32, dht_key, 32);
  g_assert_cmpstr (hormiga_peer_id_to_string (id), ==, spec_example_peer_id);

  from_key = hormiga_peer_id_new_from_public_key (expected + 6);
  g_assert_true (hormiga_peer_id_equal (id, from_key));
}

static void
test_rfc8032_vector (void)
{
  guint8 key[32], dht_key[32];
  g_autoptr(HormigaPeerId) id = NULL;
  g_autoptr(HormigaPeerId) from_bytes = NULL;
  g_autoptr(GError) error = NULL;
  const guint8 *bytes;
  gsize length;

  from_hex (rfc8032_public_key_hex, key, sizeof key);
  from_hex (rfc8032_dht_key_hex, dht_key, sizeof dht_key);
  id = hormiga_peer_id_new_from_public_key (key);
  g_assert_cmpstr (hormiga_peer_id_to_string (id), ==, rfc8032_peer_id);
  g_assert_true (g_str_has_prefix (hormiga_peer_id_to_string (id), "12D3KooW"));
  g_assert_cmpmem (hormiga_peer_id_get_dht_key (id), 32, dht_key, 32);

  bytes = hormiga_peer_id_get_bytes (id, &length);
  from_bytes = hormiga_peer_id_new_from_bytes (bytes, length, &error);
  g_assert_no_error (error);
  g_assert_true (hormiga_peer_id_equal (id, from_bytes));
  g_assert_cmpstr (hormiga_peer_id_to_string (from_bytes), ==, rfc8032_peer_id);
}

static void
check_rejected (const char *text,
                int         code,
                const char *fragment)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HormigaPeerId) id = hormiga_peer_id_parse (text, &error);

  g_assert_null (id);
  g_assert_error (error, HORMIGA_IDENTITY_ERROR, code);
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
  if (fragment != NULL && strstr (error->message, fragment) == NULL)
    g_error ("“%s” was refused with “%s”, which does not mention “%s”",
             g_utf8_validate (text, -1, NULL) ? text : "(not UTF-8)", error->message, fragment);
}

static void
test_rejects_text (void)
{
  g_autofree char *too_long = g_strnfill (200, 'z');
  g_autofree char *truncated = g_strndup (spec_peer_id, 40);
  g_autofree char *extended = g_strconcat (spec_peer_id, "z", NULL);

  check_rejected ("", HORMIGA_IDENTITY_ERROR_INVALID_PEER_ID, "empty");
  check_rejected (too_long, HORMIGA_IDENTITY_ERROR_INVALID_PEER_ID, "longer");
  check_rejected ("12D3KooW0nope", HORMIGA_IDENTITY_ERROR_INVALID_PEER_ID, "position");
  check_rejected (truncated, HORMIGA_IDENTITY_ERROR_INVALID_PEER_ID, "bytes");
  check_rejected (extended, HORMIGA_IDENTITY_ERROR_INVALID_PEER_ID, "bytes");
  /* The CID form of a PeerID (the spec's example), and other multibases. */
  check_rejected ("bafzbeie5745rpv2m6tjyuugywy4d5ewrqgqqhfnf445he3omzpjbx5xqxe",
                  HORMIGA_IDENTITY_ERROR_INVALID_PEER_ID, "CID");
  check_rejected ("k51qzi5uqu5dj16qyiq0tajolkojyl9qdkr254920wxv7ghtuwcz593tp69z9m",
                  HORMIGA_IDENTITY_ERROR_INVALID_PEER_ID, "CID");
  check_rejected ("z5AanNVJCxnN4WUyz1tPDQxHx1QZxndwaCCeHAFj4tcadpRKaht3QxV",
                  HORMIGA_IDENTITY_ERROR_INVALID_PEER_ID, "CID");
  check_rejected ("\xf0\x9f\x9a\x80\xf0\x9f\x9a\x80",  /* base256emoji */
                  HORMIGA_IDENTITY_ERROR_INVALID_PEER_ID, "CID");
  /* Neither base58 PeerID nor CID; text that is not UTF-8 is not quoted. */
  check_rejected ("Xyz", HORMIGA_IDENTITY_ERROR_INVALID_PEER_ID, "starts with");
  check_rejected ("\xff\xfe", HORMIGA_IDENTITY_ERROR_INVALID_PEER_ID, "the text is not");
  check_rejected ("12D3\x01", HORMIGA_IDENTITY_ERROR_INVALID_PEER_ID, "the text is not");
  check_rejected ("12D3KooW\xc3\xa9", HORMIGA_IDENTITY_ERROR_INVALID_PEER_ID, "non-ASCII");
  /* A sha256 PeerID ("Qm…", RSA or ECDSA): the spec's example. */
  check_rejected ("QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N",
                  HORMIGA_IDENTITY_ERROR_UNSUPPORTED_KEY, "only Ed25519");
}

static void
test_rejects_bytes (void)
{
  guint8 good[HORMIGA_PEER_ID_LENGTH];
  guint8 bad[HORMIGA_PEER_ID_LENGTH];
  static const guint8 secp256k1[] = { 0x00, 0x25, 0x08, 0x02, 0x12, 0x21 };
  g_autoptr(GError) error = NULL;
  HormigaPeerId *id;

  good[0] = 0x00; good[1] = 0x24; good[2] = 0x08; good[3] = 0x01; good[4] = 0x12; good[5] = 0x20;
  from_hex (spec_public_key_hex, good + 6, 32);

  id = hormiga_peer_id_new_from_bytes (good, sizeof good - 1, &error);
  g_assert_null (id);
  g_assert_error (error, HORMIGA_IDENTITY_ERROR, HORMIGA_IDENTITY_ERROR_INVALID_PEER_ID);
  g_clear_error (&error);

  /* Wrong multihash length byte. */
  memcpy (bad, good, sizeof bad);
  bad[1] = 0x23;
  id = hormiga_peer_id_new_from_bytes (bad, sizeof bad, &error);
  g_assert_null (id);
  g_assert_error (error, HORMIGA_IDENTITY_ERROR, HORMIGA_IDENTITY_ERROR_INVALID_PEER_ID);
  g_clear_error (&error);

  /* Wrong protobuf header: Data of 33 bytes, or field 3 instead of 2. */
  memcpy (bad, good, sizeof bad);
  bad[5] = 0x21;
  id = hormiga_peer_id_new_from_bytes (bad, sizeof bad, &error);
  g_assert_null (id);
  g_assert_error (error, HORMIGA_IDENTITY_ERROR, HORMIGA_IDENTITY_ERROR_INVALID_PEER_ID);
  g_clear_error (&error);

  memcpy (bad, good, sizeof bad);
  bad[4] = 0x1a;
  id = hormiga_peer_id_new_from_bytes (bad, sizeof bad, &error);
  g_assert_null (id);
  g_assert_error (error, HORMIGA_IDENTITY_ERROR, HORMIGA_IDENTITY_ERROR_INVALID_PEER_ID);
  g_clear_error (&error);

  /* Nothing at all. */
  id = hormiga_peer_id_new_from_bytes (NULL, 0, &error);
  g_assert_null (id);
  g_assert_error (error, HORMIGA_IDENTITY_ERROR, HORMIGA_IDENTITY_ERROR_INVALID_PEER_ID);
  g_clear_error (&error);

  /* Another key type. */
  id = hormiga_peer_id_new_from_bytes (secp256k1, sizeof secp256k1, &error);
  g_assert_null (id);
  g_assert_error (error, HORMIGA_IDENTITY_ERROR, HORMIGA_IDENTITY_ERROR_UNSUPPORTED_KEY);
  g_clear_error (&error);

  /* A sha256 multihash (a "Qm…" PeerID) is unsupported; a cut one invalid. */
  memset (bad, 0xab, sizeof bad);
  bad[0] = 0x12;
  bad[1] = 0x20;
  id = hormiga_peer_id_new_from_bytes (bad, 34, &error);
  g_assert_null (id);
  g_assert_error (error, HORMIGA_IDENTITY_ERROR, HORMIGA_IDENTITY_ERROR_UNSUPPORTED_KEY);
  g_clear_error (&error);

  id = hormiga_peer_id_new_from_bytes (bad, 20, &error);
  g_assert_null (id);
  g_assert_error (error, HORMIGA_IDENTITY_ERROR, HORMIGA_IDENTITY_ERROR_INVALID_PEER_ID);
  g_clear_error (&error);

  /* A key that is not a point of the curve (y = 2 is not on it) or has
   * small order (the identity point, y = 1). */
  memcpy (bad, good, sizeof bad);
  memset (bad + 6, 0, 32);
  bad[6] = 0x02;
  id = hormiga_peer_id_new_from_bytes (bad, sizeof bad, &error);
  g_assert_null (id);
  g_assert_error (error, HORMIGA_IDENTITY_ERROR, HORMIGA_IDENTITY_ERROR_INVALID_KEY);
  g_clear_error (&error);

  bad[6] = 0x01;
  id = hormiga_peer_id_new_from_bytes (bad, sizeof bad, &error);
  g_assert_null (id);
  g_assert_error (error, HORMIGA_IDENTITY_ERROR, HORMIGA_IDENTITY_ERROR_INVALID_KEY);
}

static void
test_equal_and_hash (void)
{
  guint8 a_key[32], b_key[32];
  g_autoptr(HormigaPeerId) a = NULL;
  g_autoptr(HormigaPeerId) b = NULL;
  g_autoptr(GHashTable) set = g_hash_table_new ((GHashFunc) hormiga_peer_id_hash,
                                                (GEqualFunc) hormiga_peer_id_equal);

  from_hex (spec_public_key_hex, a_key, 32);
  from_hex (rfc8032_public_key_hex, b_key, 32);
  a = hormiga_peer_id_new_from_public_key (a_key);
  b = hormiga_peer_id_new_from_public_key (b_key);

  g_assert_false (hormiga_peer_id_equal (a, b));
  g_hash_table_add (set, a);
  g_assert_true (g_hash_table_contains (set, a));
  g_assert_false (g_hash_table_contains (set, b));

  g_assert_true (hormiga_peer_id_ref (a) == a);
  hormiga_peer_id_unref (a);
  g_assert_true (G_TYPE_IS_BOXED (HORMIGA_TYPE_PEER_ID));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/hormiga/peer-id/spec-vector", test_spec_vector);
  g_test_add_func ("/hormiga/peer-id/spec-text-example", test_spec_text_example);
  g_test_add_func ("/hormiga/peer-id/rfc8032-vector", test_rfc8032_vector);
  g_test_add_func ("/hormiga/peer-id/rejects-text", test_rejects_text);
  g_test_add_func ("/hormiga/peer-id/rejects-bytes", test_rejects_bytes);
  g_test_add_func ("/hormiga/peer-id/equal-and-hash", test_equal_and_hash);
  return g_test_run ();
}
