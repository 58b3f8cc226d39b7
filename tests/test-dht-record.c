/* test-dht-record.c — DHT records: encoding, signatures, keys, limits
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Records are also built here byte by byte from docs/PROTOCOL.md ("DHT
 * records"), independently of the codec, so the tests pin the format, not
 * just the round trip.
 */
#include "hormiga-dht-error.h"
#include "hormiga-dht-message.h"
#include "hormiga-dht-record.h"
#include "hormiga-dht-store.h"
#include "test-msgpack-writer.h"

#define NOW     G_GUINT64_CONSTANT (1767225600) /* 2026-01-01T00:00:00Z */
#define EXPIRES (NOW + 3600)

static HormigaIdentity *
identity_of (guint8 byte)
{
  guint8 seed[32];

  memset (seed, byte, sizeof seed);
  return hormiga_identity_new_from_seed (seed);
}

static GBytes *
bytes_of (guint8 byte,
          gsize  length)
{
  guint8 *data = g_malloc (length);

  memset (data, byte, length);
  return g_bytes_new_take (data, length);
}

static void
mutable_key (HormigaDhtKey   *key,
             HormigaIdentity *owner,
             const char      *name)
{
  g_autoptr(GByteArray) input = g_byte_array_new ();

  g_byte_array_append (input, (const guint8 *) "hormiga/mutable/v1", 18);
  g_byte_array_append (input, hormiga_identity_get_public_key (owner), 32);
  g_byte_array_append (input, (const guint8 *) name, strlen (name));
  hormiga_dht_key_hash (key, input->data, input->len);
}

/* ---- records built by hand -------------------------------------------- */

/* A record as the protocol spells it. Fields left NULL/FALSE are not
 * written; @signer adds "sig" over the documented signed bytes. */
typedef struct
{
  guint64             version;
  const char         *kind;
  const guint8       *key;
  const guint8       *owner;
  const char         *name;
  gboolean            with_seq;
  guint64             seq;
  gboolean            with_expires;
  guint64             expires;
  GBytes             *value;
  const char * const *addrs;
  guint               n_addrs;
  const char         *extra;     /* an extra str field, written last before "sig" */
  HormigaIdentity    *signer;
} Spec;

static GBytes *
build (const Spec *spec)
{
  g_autoptr(GByteArray) entries = g_byte_array_new ();
  GByteArray *record = g_byte_array_new ();
  guint n = 0;

  mp_str (entries, "v");
  mp_uint (entries, spec->version != 0 ? spec->version : 1);
  n++;
  mp_str (entries, "kind");
  mp_str (entries, spec->kind);
  n++;
  if (spec->key != NULL)
    {
      mp_str (entries, "key");
      mp_bin (entries, spec->key, 32);
      n++;
    }
  if (spec->owner != NULL)
    {
      mp_str (entries, "owner");
      mp_bin (entries, spec->owner, 32);
      n++;
    }
  if (spec->name != NULL)
    {
      mp_str (entries, "name");
      mp_str (entries, spec->name);
      n++;
    }
  if (spec->with_seq)
    {
      mp_str (entries, "seq");
      mp_uint (entries, spec->seq);
      n++;
    }
  if (spec->with_expires)
    {
      mp_str (entries, "expires");
      mp_uint (entries, spec->expires);
      n++;
    }
  if (spec->value != NULL)
    {
      mp_str (entries, "value");
      mp_bin (entries, g_bytes_get_data (spec->value, NULL), g_bytes_get_size (spec->value));
      n++;
    }
  if (spec->addrs != NULL)
    {
      mp_str (entries, "addrs");
      mp_array (entries, spec->n_addrs);
      for (guint i = 0; i < spec->n_addrs; i++)
        mp_str (entries, spec->addrs[i]);
      n++;
    }
  if (spec->extra != NULL)
    {
      mp_str (entries, spec->extra);
      mp_str (entries, "x");
      n++;
    }

  if (spec->signer != NULL)
    {
      g_autoptr(GByteArray) message = g_byte_array_new ();
      guint8 signature[64];

      g_byte_array_append (message, (const guint8 *) "hormiga/record/v1\0", 18);
      mp_map (message, n);
      g_byte_array_append (message, entries->data, entries->len);
      hormiga_identity_sign (spec->signer, message->data, message->len, signature);
      mp_str (entries, "sig");
      mp_bin (entries, signature, 64);
      n++;
    }

  mp_map (record, n);
  g_byte_array_append (record, entries->data, entries->len);
  return g_byte_array_free_to_bytes (record);
}

/* A valid peer record of @identity, as a Spec to vary. */
static Spec
peer_spec (HormigaIdentity    *identity,
           const char * const *addrs,
           guint               n_addrs)
{
  HormigaPeerId *peer = hormiga_identity_get_peer_id (identity);

  return (Spec) {
    .kind = "peer",
    .key = hormiga_peer_id_get_dht_key (peer),
    .owner = hormiga_identity_get_public_key (identity),
    .with_seq = TRUE, .seq = 7,
    .with_expires = TRUE, .expires = EXPIRES,
    .addrs = addrs, .n_addrs = n_addrs,
    .signer = identity,
  };
}

static void
assert_refused_at (GBytes     *encoded,
                   guint64     now,
                   int         code,
                   const char *fragment)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HormigaDhtRecord) record = hormiga_dht_record_decode (encoded, now, &error);

  g_assert_null (record);
  g_assert_error (error, HORMIGA_DHT_ERROR, code);
  if (strstr (error->message, fragment) == NULL)
    g_error ("\"%s\" does not contain \"%s\"", error->message, fragment);
  g_assert_true (g_str_has_prefix (error->message, "DHT record: "));
}

static void
assert_refused (GBytes     *encoded,
                int         code,
                const char *fragment)
{
  assert_refused_at (encoded, NOW, code, fragment);
}

static HormigaDhtRecord *
decode_ok (GBytes *encoded)
{
  g_autoptr(GError) error = NULL;
  HormigaDhtRecord *record = hormiga_dht_record_decode (encoded, NOW, &error);

  g_assert_no_error (error);
  g_assert_nonnull (record);
  g_assert_true (g_bytes_equal (record->encoded, encoded));
  return record;
}

/* @encoded with @length bytes at @offset replaced by @with. */
static GBytes *
patch (GBytes       *encoded,
       gsize         offset,
       const guint8 *with,
       gsize         length)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (encoded, &size);
  guint8 *copy = g_memdup2 (data, size);

  g_assert_cmpuint (offset + length, <=, size);
  memcpy (copy + offset, with, length);
  return g_bytes_new_take (copy, size);
}

/* Where @pattern first occurs in @encoded. */
static gsize
find (GBytes     *encoded,
      const void *pattern,
      gsize       length)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (encoded, &size);
  const guint8 *at = memmem (data, size, pattern, length);

  g_assert_nonnull (at);
  return (gsize) (at - data);
}

/* ---- round trips ------------------------------------------------------- */

static void
test_peer_round_trip (void)
{
  g_autoptr(HormigaIdentity) alice = identity_of (0x11);
  const char *addresses[] = { "udp:192.0.2.1:4000", "tcp:[2001:db8::1]:443", NULL };
  g_autoptr(HormigaDhtRecord) made = hormiga_dht_record_new_peer (alice, 7, EXPIRES, addresses);
  g_autoptr(HormigaDhtRecord) record = decode_ok (made->encoded);
  g_autoptr(HormigaPeerId) owner = hormiga_dht_record_dup_owner (record);
  Spec spec = peer_spec (alice, addresses, 2);
  g_autoptr(GBytes) by_hand = build (&spec);

  g_assert_true (g_bytes_equal (made->encoded, by_hand));
  g_assert_cmpint (record->kind, ==, HORMIGA_DHT_RECORD_PEER);
  g_assert_cmpmem (record->key.bytes, 32,
                   hormiga_peer_id_get_dht_key (hormiga_identity_get_peer_id (alice)), 32);
  g_assert_cmpmem (record->owner, 32, hormiga_identity_get_public_key (alice), 32);
  g_assert_true (hormiga_peer_id_equal (owner, hormiga_identity_get_peer_id (alice)));
  g_assert_null (record->name);
  g_assert_cmpuint (record->seq, ==, 7);
  g_assert_cmpuint (record->expires, ==, EXPIRES);
  g_assert_cmpuint (g_bytes_get_size (record->value), ==, 0);
  g_assert_cmpstrv (record->addresses, addresses);
}

static void
test_peer_no_addresses (void)
{
  g_autoptr(HormigaIdentity) alice = identity_of (0x11);
  g_autoptr(HormigaDhtRecord) made = hormiga_dht_record_new_peer (alice, 0, EXPIRES, NULL);
  g_autoptr(HormigaDhtRecord) record = decode_ok (made->encoded);

  g_assert_nonnull (record->addresses);
  g_assert_cmpuint (g_strv_length (record->addresses), ==, 0);
}

static void
test_mutable_round_trip (void)
{
  g_autoptr(HormigaIdentity) alice = identity_of (0x11);
  g_autoptr(GBytes) value = bytes_of (0xab, HORMIGA_DHT_RECORD_MAX_VALUE);
  const char *name = "perfil/ñandú";
  g_autoptr(HormigaDhtRecord) made =
    hormiga_dht_record_new_mutable (alice, name, 300, EXPIRES, value);
  g_autoptr(HormigaDhtRecord) record = decode_ok (made->encoded);
  HormigaDhtKey key;
  Spec spec = {
    .kind = "mutable", .key = record->key.bytes,
    .owner = hormiga_identity_get_public_key (alice), .name = name,
    .with_seq = TRUE, .seq = 300, .with_expires = TRUE, .expires = EXPIRES,
    .value = value, .signer = alice,
  };
  g_autoptr(GBytes) by_hand = build (&spec);

  mutable_key (&key, alice, name);
  g_assert_true (hormiga_dht_key_equal (&record->key, &key));
  g_assert_true (g_bytes_equal (made->encoded, by_hand));
  g_assert_cmpint (record->kind, ==, HORMIGA_DHT_RECORD_MUTABLE);
  g_assert_cmpstr (record->name, ==, name);
  g_assert_cmpuint (record->seq, ==, 300);
  g_assert_true (g_bytes_equal (record->value, value));
  g_assert_null (record->addresses);
  g_assert_cmpuint (g_bytes_get_size (record->encoded), <=, HORMIGA_DHT_RECORD_MAX_SIZE);
}

static void
test_immutable_round_trip (void)
{
  g_autoptr(GBytes) value = g_bytes_new_static ("hola", 4);
  g_autoptr(HormigaDhtRecord) made = hormiga_dht_record_new_immutable (value, EXPIRES);
  g_autoptr(HormigaDhtRecord) record = decode_ok (made->encoded);
  g_autoptr(HormigaPeerId) owner = hormiga_dht_record_dup_owner (record);
  static const guint8 zero[32] = { 0 };
  HormigaDhtKey key;
  Spec spec = {
    .kind = "immutable", .key = record->key.bytes,
    .with_expires = TRUE, .expires = EXPIRES, .value = value,
  };
  g_autoptr(GBytes) by_hand = build (&spec);

  hormiga_dht_key_hash (&key, (const guint8 *) "hola", 4);
  g_assert_true (hormiga_dht_key_equal (&record->key, &key));
  g_assert_true (g_bytes_equal (made->encoded, by_hand));
  g_assert_cmpint (record->kind, ==, HORMIGA_DHT_RECORD_IMMUTABLE);
  g_assert_null (owner);
  g_assert_cmpmem (record->owner, 32, zero, 32);
  g_assert_cmpuint (record->seq, ==, 0);
  g_assert_true (g_bytes_equal (record->value, value));
}

static void
test_provider_round_trip (void)
{
  g_autoptr(HormigaIdentity) alice = identity_of (0x11);
  HormigaDhtKey content;
  g_autoptr(HormigaDhtRecord) made = NULL;
  g_autoptr(HormigaDhtRecord) record = NULL;
  g_autoptr(GBytes) by_hand = NULL;
  Spec spec;

  memset (content.bytes, 0xc0, sizeof content.bytes);
  made = hormiga_dht_record_new_provider (alice, &content, G_MAXUINT64, EXPIRES);
  record = decode_ok (made->encoded);
  spec = (Spec) {
    .kind = "provider", .key = content.bytes, .owner = hormiga_identity_get_public_key (alice),
    .with_seq = TRUE, .seq = G_MAXUINT64, .with_expires = TRUE, .expires = EXPIRES,
    .signer = alice,
  };
  by_hand = build (&spec);

  g_assert_true (g_bytes_equal (made->encoded, by_hand));
  g_assert_cmpint (record->kind, ==, HORMIGA_DHT_RECORD_PROVIDER);
  g_assert_true (hormiga_dht_key_equal (&record->key, &content));
  g_assert_cmpuint (record->seq, ==, G_MAXUINT64);
  g_assert_cmpuint (g_bytes_get_size (record->value), ==, 0);
}

/* The layout docs/PROTOCOL.md gives: the map header, the fields in order,
 * "sig" last, and the signed bytes derived from the encoding itself. */
static void
test_layout_and_signed_bytes (void)
{
  static const guint8 head[] = {
    0x87, 0xa1, 'v', 0x01, 0xa4, 'k', 'i', 'n', 'd',
    0xa8, 'p', 'r', 'o', 'v', 'i', 'd', 'e', 'r', 0xa3, 'k', 'e', 'y', 0xc4, 0x20,
  };
  static const guint8 sig_head[] = { 0xa3, 's', 'i', 'g', 0xc4, 0x40 };
  g_autoptr(HormigaIdentity) alice = identity_of (0x11);
  g_autoptr(GByteArray) message = g_byte_array_new ();
  g_autoptr(HormigaDhtRecord) record = NULL;
  HormigaDhtKey content;
  const guint8 *data;
  gsize size;
  guint8 header;

  memset (content.bytes, 0xc0, sizeof content.bytes);
  record = hormiga_dht_record_new_provider (alice, &content, 1, EXPIRES);
  data = g_bytes_get_data (record->encoded, &size);
  /* 87, v, kind, key (32), owner (32), seq, expires (uint32), sig (64). */
  g_assert_cmpuint (size, ==, 1 + 3 + 14 + 4 + 34 + 6 + 34 + 4 + 1 + 8 + 5 + 4 + 66);
  g_assert_cmpmem (data, sizeof head, head, sizeof head);
  g_assert_cmpmem (data + size - 70, sizeof sig_head, sig_head, sizeof sig_head);

  header = data[0] - 1;
  g_byte_array_append (message, (const guint8 *) "hormiga/record/v1", 17);
  g_byte_array_append (message, (const guint8 *) "", 1);
  g_byte_array_append (message, &header, 1);
  g_byte_array_append (message, data + 1, size - 1 - 70);
  g_assert_true (hormiga_identity_verify (hormiga_identity_get_public_key (alice), message->data,
                                          message->len, data + size - 64));
}

/* The immutable example of docs/PROTOCOL.md, byte for byte. */
static void
test_immutable_golden (void)
{
  static const guint8 expected[] = {
    0x85, 0xa1, 0x76, 0x01, 0xa4, 0x6b, 0x69, 0x6e, 0x64,
    0xa9, 0x69, 0x6d, 0x6d, 0x75, 0x74, 0x61, 0x62, 0x6c, 0x65,
    0xa3, 0x6b, 0x65, 0x79, 0xc4, 0x20,
    0xb2, 0x21, 0xd9, 0xdb, 0xb0, 0x83, 0xa7, 0xf3, 0x34, 0x28, 0xd7, 0xc2, 0xa3, 0xc3, 0x19, 0x8a,
    0xe9, 0x25, 0x61, 0x4d, 0x70, 0x21, 0x0e, 0x28, 0x71, 0x6c, 0xca, 0xa7, 0xcd, 0x4d, 0xdb, 0x79,
    0xa7, 0x65, 0x78, 0x70, 0x69, 0x72, 0x65, 0x73, 0xce, 0x69, 0x55, 0xc7, 0x10,
    0xa5, 0x76, 0x61, 0x6c, 0x75, 0x65, 0xc4, 0x04, 0x68, 0x6f, 0x6c, 0x61,
  };
  g_autoptr(GBytes) value = g_bytes_new_static ("hola", 4);
  g_autoptr(HormigaDhtRecord) record = hormiga_dht_record_new_immutable (value, EXPIRES);

  g_assert_cmpuint (EXPIRES, ==, 1767229200);
  g_assert_cmpmem (g_bytes_get_data (record->encoded, NULL), g_bytes_get_size (record->encoded),
                   expected, sizeof expected);
}

/* The largest record the limits allow fits HORMIGA_DHT_RECORD_MAX_SIZE
 * with room to spare (docs/PROTOCOL.md gives its size). */
static void
test_largest (void)
{
  g_autoptr(HormigaIdentity) alice = identity_of (0x11);
  g_autofree char *name = g_strnfill (HORMIGA_DHT_RECORD_MAX_NAME, 'n');
  g_autoptr(GBytes) value = bytes_of (0xff, HORMIGA_DHT_RECORD_MAX_VALUE);
  g_autoptr(HormigaDhtRecord) record =
    hormiga_dht_record_new_mutable (alice, name, G_MAXUINT64, G_MAXUINT64, value);
  g_autoptr(HormigaDhtRecord) decoded = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (g_bytes_get_size (record->encoded), ==, 16852);
  g_assert_cmpuint (g_bytes_get_size (record->encoded), <, HORMIGA_DHT_RECORD_MAX_SIZE);
  decoded = hormiga_dht_record_decode (record->encoded, G_MAXUINT64 - 1, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (decoded->name, ==, name);
}

static void
test_boxed (void)
{
  g_autoptr(GBytes) value = g_bytes_new_static ("x", 1);
  HormigaDhtRecord *record = hormiga_dht_record_new_immutable (value, EXPIRES);
  HormigaDhtRecord *copy = g_boxed_copy (hormiga_dht_record_get_type (), record);

  g_assert_true (copy == record);
  g_boxed_free (hormiga_dht_record_get_type (), copy);
  hormiga_dht_record_unref (record);
}

/* ---- rejections -------------------------------------------------------- */

static void
test_forged_signature (void)
{
  g_autoptr(HormigaIdentity) alice = identity_of (0x11);
  const char *addresses[] = { "udp:192.0.2.1:4000", NULL };
  g_autoptr(HormigaDhtRecord) record = hormiga_dht_record_new_peer (alice, 0x41, EXPIRES,
                                                                    addresses);
  gsize size = g_bytes_get_size (record->encoded);
  const guint8 *data = g_bytes_get_data (record->encoded, NULL);
  static const guint8 seq_key[] = { 0xa3, 's', 'e', 'q', 0x41 };
  guint8 flipped;
  g_autoptr(GBytes) bad_sig = NULL;
  g_autoptr(GBytes) bad_seq = NULL;
  g_autoptr(GBytes) bad_address = NULL;
  gsize at;

  /* A bit of the signature. */
  flipped = data[size - 10] ^ 0x04;
  bad_sig = patch (record->encoded, size - 10, &flipped, 1);
  assert_refused (bad_sig, HORMIGA_DHT_ERROR_BAD_SIGNATURE, "does not verify");

  /* A bit of a signed field: seq 0x41 becomes 0x40. */
  at = find (record->encoded, seq_key, sizeof seq_key) + 4;
  flipped = data[at] ^ 0x01;
  bad_seq = patch (record->encoded, at, &flipped, 1);
  assert_refused (bad_seq, HORMIGA_DHT_ERROR_BAD_SIGNATURE, "signed by someone else");

  /* An address: 192.0.2.1 becomes 192.0.2.9. */
  at = find (record->encoded, "192.0.2.1", 9) + 8;
  bad_address = patch (record->encoded, at, (const guint8 *) "9", 1);
  assert_refused (bad_address, HORMIGA_DHT_ERROR_BAD_SIGNATURE, "does not verify");
}

/* Signed by someone other than the owner it names. */
static void
test_signed_by_another (void)
{
  g_autoptr(HormigaIdentity) alice = identity_of (0x11);
  g_autoptr(HormigaIdentity) mallory = identity_of (0x66);
  Spec spec = peer_spec (alice, NULL, 0);
  g_autoptr(GBytes) encoded = NULL;

  spec.addrs = (const char * const[]) { NULL };
  spec.signer = mallory;
  encoded = build (&spec);
  assert_refused (encoded, HORMIGA_DHT_ERROR_BAD_SIGNATURE,
                  hormiga_peer_id_to_string (hormiga_identity_get_peer_id (alice)));
}

/* A peer record of alice's, properly signed, that claims bob's key. */
static void
test_wrong_key (void)
{
  g_autoptr(HormigaIdentity) alice = identity_of (0x11);
  g_autoptr(HormigaIdentity) bob = identity_of (0x22);
  const char *addresses[] = { "udp:192.0.2.1:4000", NULL };
  Spec spec = peer_spec (alice, addresses, 1);
  g_autoptr(GBytes) value = g_bytes_new_static ("v", 1);
  g_autoptr(GBytes) peer = NULL;
  g_autoptr(GBytes) mutable = NULL;
  HormigaDhtKey other;

  spec.key = hormiga_peer_id_get_dht_key (hormiga_identity_get_peer_id (bob));
  peer = build (&spec);
  assert_refused (peer, HORMIGA_DHT_ERROR_WRONG_KEY, "owner's PeerID gives");

  /* A mutable record under the key of another of its owner's names. */
  mutable_key (&other, alice, "other");
  spec = (Spec) {
    .kind = "mutable", .key = other.bytes, .owner = hormiga_identity_get_public_key (alice),
    .name = "name", .with_seq = TRUE, .seq = 1, .with_expires = TRUE, .expires = EXPIRES,
    .value = value, .signer = alice,
  };
  mutable = build (&spec);
  assert_refused (mutable, HORMIGA_DHT_ERROR_WRONG_KEY, "owner and name gives");
}

static void
test_immutable_wrong_key (void)
{
  g_autoptr(GBytes) value = g_bytes_new_static ("hola", 4);
  HormigaDhtKey key;
  Spec spec = { .kind = "immutable", .with_expires = TRUE, .expires = EXPIRES, .value = value };
  g_autoptr(GBytes) encoded = NULL;

  hormiga_dht_key_hash (&key, (const guint8 *) "adios", 5);
  spec.key = key.bytes;
  encoded = build (&spec);
  assert_refused (encoded, HORMIGA_DHT_ERROR_WRONG_KEY, "its value gives");
}

static void
test_stale_in_store (void)
{
  g_autoptr(HormigaIdentity) alice = identity_of (0x11);
  g_autoptr(HormigaDhtStore) store = hormiga_dht_store_new (1 << 20, 1 << 16, 8);
  g_autoptr(HormigaDhtRecord) newer = hormiga_dht_record_new_peer (alice, 9, EXPIRES, NULL);
  g_autoptr(HormigaDhtRecord) older = hormiga_dht_record_new_peer (alice, 8, EXPIRES + 60, NULL);
  g_autoptr(HormigaDhtRecord) decoded = decode_ok (older->encoded);
  g_autoptr(GError) error = NULL;

  g_assert_true (hormiga_dht_record_supersedes (newer, decoded));
  g_assert_false (hormiga_dht_record_supersedes (decoded, newer));
  g_assert_false (hormiga_dht_record_supersedes (newer, newer));
  g_assert_true (hormiga_dht_store_put (store, newer, NULL, NOW, &error));
  g_assert_no_error (error);
  g_assert_false (hormiga_dht_store_put (store, decoded, NULL, NOW, &error));
  g_assert_error (error, HORMIGA_DHT_ERROR, HORMIGA_DHT_ERROR_STALE);
  g_assert_nonnull (strstr (error->message, "held has seq 9; this one has seq 8"));
  g_assert_true (hormiga_dht_store_get (store, &newer->key, NOW) == newer);
}

static void
test_oversize_value (void)
{
  g_autoptr(HormigaIdentity) alice = identity_of (0x11);
  g_autoptr(GBytes) value = bytes_of (0x00, HORMIGA_DHT_RECORD_MAX_VALUE + 1);
  HormigaDhtKey key;
  Spec spec;
  g_autoptr(GBytes) mutable = NULL;
  g_autoptr(GBytes) immutable = NULL;

  mutable_key (&key, alice, "big");
  spec = (Spec) {
    .kind = "mutable", .key = key.bytes, .owner = hormiga_identity_get_public_key (alice),
    .name = "big", .with_seq = TRUE, .seq = 1, .with_expires = TRUE, .expires = EXPIRES,
    .value = value, .signer = alice,
  };
  mutable = build (&spec);
  assert_refused (mutable, HORMIGA_DHT_ERROR_TOO_LARGE,
                  "the value is 16385 bytes; the limit is 16384");

  hormiga_dht_key_hash (&key, g_bytes_get_data (value, NULL), g_bytes_get_size (value));
  spec = (Spec) {
    .kind = "immutable", .key = key.bytes, .with_expires = TRUE, .expires = EXPIRES,
    .value = value,
  };
  immutable = build (&spec);
  assert_refused (immutable, HORMIGA_DHT_ERROR_TOO_LARGE, "16 KiB");
}

static void
test_oversize_record (void)
{
  g_autoptr(GBytes) huge = bytes_of (0x90, HORMIGA_DHT_RECORD_MAX_SIZE + 1);

  assert_refused (huge, HORMIGA_DHT_ERROR_TOO_LARGE, "is 20481 bytes; the limit is 20480");
}

static void
test_too_many_addresses (void)
{
  g_autoptr(HormigaIdentity) alice = identity_of (0x11);
  const char *many[HORMIGA_DHT_RECORD_MAX_ADDRESSES + 1];
  g_autofree char *long_address = g_strnfill (HORMIGA_DHT_RECORD_MAX_ADDRESS + 1, 'a');
  const char *one_long[] = { long_address };
  const char *with_nul[] = { "udp:\0x" };
  const char *empty[] = { "" };
  Spec spec;
  g_autoptr(GBytes) too_many = NULL;
  g_autoptr(GBytes) too_long = NULL;
  g_autoptr(GBytes) nul = NULL;
  g_autoptr(GBytes) empty_address = NULL;
  g_autoptr(GBytes) sixteen = NULL;
  g_autoptr(HormigaDhtRecord) record = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (many); i++)
    many[i] = "udp:192.0.2.1:4000";
  spec = peer_spec (alice, many, G_N_ELEMENTS (many));
  too_many = build (&spec);
  assert_refused (too_many, HORMIGA_DHT_ERROR_TOO_LARGE,
                  "at most 16 addresses; this one has 17");

  spec.n_addrs = HORMIGA_DHT_RECORD_MAX_ADDRESSES;
  sixteen = build (&spec);
  record = decode_ok (sixteen);
  g_assert_cmpuint (g_strv_length (record->addresses), ==, 16);

  spec = peer_spec (alice, one_long, 1);
  too_long = build (&spec);
  assert_refused (too_long, HORMIGA_DHT_ERROR_TOO_LARGE, "address 0 is 257 bytes");

  /* mp_str takes the length up to the NUL; build a str "udp:\0x" by hand
   * through a one-address spec whose text holds a NUL. */
  spec = peer_spec (alice, with_nul, 1);
  {
    g_autoptr(GByteArray) b = g_byte_array_new ();
    g_autoptr(GBytes) plain = build (&spec);
    gsize at = find (plain, "\xa4udp:", 5);
    const guint8 *data = g_bytes_get_data (plain, NULL);

    /* Replace the 4-byte "udp:" with the 6-byte "udp:\0x": the signature
     * no longer matters, the text is refused first. */
    g_byte_array_append (b, data, at);
    g_byte_array_append (b, (const guint8 *) "\xa6udp:\0x", 7);
    g_byte_array_append (b, data + at + 5, g_bytes_get_size (plain) - at - 5);
    nul = g_byte_array_free_to_bytes (g_steal_pointer (&b));
  }
  assert_refused (nul, HORMIGA_DHT_ERROR_MALFORMED, "address 0 contains a NUL byte");

  spec = peer_spec (alice, empty, 1);
  empty_address = build (&spec);
  assert_refused (empty_address, HORMIGA_DHT_ERROR_MALFORMED,
                  "address 0 must be a str of 1 to 256 bytes; got a str of 0 bytes");
}

static void
test_name_limits (void)
{
  g_autoptr(HormigaIdentity) alice = identity_of (0x11);
  g_autoptr(GBytes) value = g_bytes_new_static ("v", 1);
  g_autofree char *long_name = g_strnfill (HORMIGA_DHT_RECORD_MAX_NAME + 1, 'n');
  HormigaDhtKey key;
  Spec spec;
  g_autoptr(GBytes) too_long = NULL;
  g_autoptr(GBytes) empty = NULL;

  mutable_key (&key, alice, long_name);
  spec = (Spec) {
    .kind = "mutable", .key = key.bytes, .owner = hormiga_identity_get_public_key (alice),
    .name = long_name, .with_seq = TRUE, .seq = 1, .with_expires = TRUE, .expires = EXPIRES,
    .value = value, .signer = alice,
  };
  too_long = build (&spec);
  assert_refused (too_long, HORMIGA_DHT_ERROR_TOO_LARGE, "the name is 257 bytes");

  mutable_key (&key, alice, "");
  spec.name = "";
  empty = build (&spec);
  assert_refused (empty, HORMIGA_DHT_ERROR_MALFORMED, "the name must be a str of 1 to 256");
}

static void
test_expiry (void)
{
  g_autoptr(HormigaIdentity) alice = identity_of (0x11);
  g_autoptr(HormigaDhtRecord) at_now = hormiga_dht_record_new_peer (alice, 1, NOW, NULL);
  g_autoptr(HormigaDhtRecord) past = hormiga_dht_record_new_peer (alice, 1, NOW - 10, NULL);
  g_autoptr(HormigaDhtRecord) too_far =
    hormiga_dht_record_new_peer (alice, 1, NOW + HORMIGA_DHT_RECORD_MAX_TTL_S + 1, NULL);
  g_autoptr(HormigaDhtRecord) farthest =
    hormiga_dht_record_new_peer (alice, 1, NOW + HORMIGA_DHT_RECORD_MAX_TTL_S, NULL);
  g_autoptr(HormigaDhtRecord) ok = decode_ok (farthest->encoded);

  /* Exactly 48 h ahead is still within the limit. */
  g_assert_cmpuint (ok->expires, ==, NOW + HORMIGA_DHT_RECORD_MAX_TTL_S);
  assert_refused (at_now->encoded, HORMIGA_DHT_ERROR_EXPIRED, "expired at 1767225600, 0 s before");
  assert_refused (past->encoded, HORMIGA_DHT_ERROR_EXPIRED, "10 s before now");
  assert_refused (too_far->encoded, HORMIGA_DHT_ERROR_EXPIRED, "172801 s from now");
  assert_refused (too_far->encoded, HORMIGA_DHT_ERROR_EXPIRED, "48 h");
  /* Expiry is checked against the decoder's clock, not the sender's. */
  assert_refused_at (farthest->encoded, NOW - 1, HORMIGA_DHT_ERROR_EXPIRED, "the limit is");
  assert_refused_at (farthest->encoded, G_MAXUINT64, HORMIGA_DHT_ERROR_EXPIRED, "expired at");
}

static void
test_unknown_kind_and_version (void)
{
  g_autoptr(HormigaIdentity) alice = identity_of (0x11);
  Spec spec = peer_spec (alice, NULL, 0);
  g_autoptr(GBytes) kind = NULL;
  g_autoptr(GBytes) version = NULL;
  g_autoptr(GBytes) control = NULL;

  spec.addrs = (const char * const[]) { NULL };
  spec.kind = "pointer";
  kind = build (&spec);
  assert_refused (kind, HORMIGA_DHT_ERROR_UNKNOWN_TYPE, "kind \"pointer\" is unknown");

  spec.kind = "a\"b\n";
  control = build (&spec);
  assert_refused (control, HORMIGA_DHT_ERROR_UNKNOWN_TYPE, "kind \"a\\x22b\\x0a\" is unknown");

  spec.kind = "peer";
  spec.version = 2;
  version = build (&spec);
  assert_refused (version, HORMIGA_DHT_ERROR_UNKNOWN_TYPE, "version 2 is unknown");
}

static void
test_truncated (void)
{
  g_autoptr(HormigaIdentity) alice = identity_of (0x11);
  const char *addresses[] = { "udp:192.0.2.1:4000", NULL };
  g_autoptr(HormigaDhtRecord) record = hormiga_dht_record_new_peer (alice, 1, EXPIRES, addresses);
  gsize size = g_bytes_get_size (record->encoded);

  for (gsize length = 0; length < size; length++)
    {
      g_autoptr(GBytes) cut = g_bytes_new_from_bytes (record->encoded, 0, length);

      assert_refused (cut, HORMIGA_DHT_ERROR_MALFORMED, length == 0 ? "empty" : "truncated");
    }
}

/* Fields must be exactly the kind's, once each, in the documented order,
 * in their shortest form. */
static void
test_layout_refused (void)
{
  g_autoptr(HormigaIdentity) alice = identity_of (0x11);
  g_autoptr(GBytes) value = g_bytes_new_static ("hola", 4);
  g_autoptr(HormigaDhtRecord) immutable = hormiga_dht_record_new_immutable (value, EXPIRES);
  const guint8 *key = immutable->key.bytes;
  Spec spec;
  g_autoptr(GBytes) owner = NULL;
  g_autoptr(GBytes) peer_value = NULL;
  g_autoptr(GBytes) no_seq = NULL;
  g_autoptr(GBytes) extra = NULL;
  g_autoptr(GBytes) no_sig = NULL;
  g_autoptr(GBytes) wide = NULL;
  g_autoptr(GByteArray) reordered = g_byte_array_new ();
  g_autoptr(GBytes) reordered_bytes = NULL;
  g_autoptr(GByteArray) array = g_byte_array_new ();
  g_autoptr(GBytes) array_bytes = NULL;
  static const guint8 expires_key[] = { 0xa7, 'e', 'x', 'p', 'i', 'r', 'e', 's', 0xce };
  gsize at;

  spec = (Spec) {
    .kind = "immutable", .key = key, .owner = hormiga_identity_get_public_key (alice),
    .with_expires = TRUE, .expires = EXPIRES, .value = value,
  };
  owner = build (&spec);
  assert_refused (owner, HORMIGA_DHT_ERROR_MALFORMED,
                  "field \"owner\" does not belong to immutable records");

  spec = peer_spec (alice, NULL, 0);
  spec.addrs = (const char * const[]) { NULL };
  spec.value = value;
  peer_value = build (&spec);
  assert_refused (peer_value, HORMIGA_DHT_ERROR_MALFORMED,
                  "field \"value\" does not belong to peer records");

  spec = peer_spec (alice, NULL, 0);
  spec.addrs = (const char * const[]) { NULL };
  spec.with_seq = FALSE;
  no_seq = build (&spec);
  assert_refused (no_seq, HORMIGA_DHT_ERROR_MALFORMED, "peer records need a \"seq\" field");

  spec = peer_spec (alice, NULL, 0);
  spec.addrs = (const char * const[]) { NULL };
  spec.extra = "zzz";
  extra = build (&spec);
  assert_refused (extra, HORMIGA_DHT_ERROR_MALFORMED, "field \"zzz\" does not belong");

  spec = peer_spec (alice, NULL, 0);
  spec.addrs = (const char * const[]) { NULL };
  spec.signer = NULL;
  no_sig = build (&spec);
  assert_refused (no_sig, HORMIGA_DHT_ERROR_MALFORMED, "peer records need a \"sig\" field");

  /* "value" before "expires". */
  mp_map (reordered, 5);
  mp_str (reordered, "v");
  mp_uint (reordered, 1);
  mp_str (reordered, "kind");
  mp_str (reordered, "immutable");
  mp_str (reordered, "key");
  mp_bin (reordered, key, 32);
  mp_str (reordered, "value");
  mp_bin (reordered, (const guint8 *) "hola", 4);
  mp_str (reordered, "expires");
  mp_uint (reordered, EXPIRES);
  reordered_bytes = g_bytes_new (reordered->data, reordered->len);
  assert_refused (reordered_bytes, HORMIGA_DHT_ERROR_MALFORMED,
                  "field \"expires\" is repeated or out of order");

  /* expires as a uint64 rather than its shortest form, a uint32. */
  at = find (immutable->encoded, expires_key, sizeof expires_key);
  {
    g_autoptr(GByteArray) b = g_byte_array_new ();
    const guint8 *data = g_bytes_get_data (immutable->encoded, NULL);
    gsize size = g_bytes_get_size (immutable->encoded);

    g_byte_array_append (b, data, at + 8);
    g_byte_array_append (b, (const guint8 *) "\xcf\0\0\0\0", 5);
    g_byte_array_append (b, data + at + 9, size - at - 9);
    wide = g_byte_array_free_to_bytes (g_steal_pointer (&b));
  }
  assert_refused (wide, HORMIGA_DHT_ERROR_MALFORMED, "not in canonical form");

  mp_array (array, 1);
  mp_uint (array, 1);
  array_bytes = g_bytes_new (array->data, array->len);
  assert_refused (array_bytes, HORMIGA_DHT_ERROR_MALFORMED, "the record is an array");
}

/* An immutable record with @field's value written by @write. */
static GBytes *
immutable_with (const char *field,
                void      (*write) (GByteArray *b))
{
  static const guint8 key[32] = { 0 };
  g_autoptr(GByteArray) b = g_byte_array_new ();

  mp_map (b, 5);
  mp_str (b, "v");
  mp_uint (b, 1);
  mp_str (b, "kind");
  mp_str (b, "immutable");
  mp_str (b, "key");
  if (g_str_equal (field, "key"))
    write (b);
  else
    mp_bin (b, key, 32);
  mp_str (b, "expires");
  if (g_str_equal (field, "expires"))
    write (b);
  else
    mp_uint (b, EXPIRES);
  mp_str (b, "value");
  if (g_str_equal (field, "value"))
    write (b);
  else
    mp_bin (b, NULL, 0);
  return g_bytes_new (b->data, b->len);
}

static void
write_short_bin (GByteArray *b)
{
  mp_bin (b, NULL, 31);
}

static void
write_negative (GByteArray *b)
{
  mp_int64 (b, -1);
}

static void
write_str (GByteArray *b)
{
  mp_str (b, "hola");
}

static void
test_wrong_types (void)
{
  g_autoptr(GBytes) key = immutable_with ("key", write_short_bin);
  g_autoptr(GBytes) expires = immutable_with ("expires", write_negative);
  g_autoptr(GBytes) value = immutable_with ("value", write_str);

  assert_refused (key, HORMIGA_DHT_ERROR_MALFORMED,
                  "field \"key\" must be a bin of 32 bytes; got a bin of 31 bytes");
  assert_refused (expires, HORMIGA_DHT_ERROR_MALFORMED,
                  "field \"expires\" must be a uint; got negative int -1");
  assert_refused (value, HORMIGA_DHT_ERROR_MALFORMED,
                  "field \"value\" must be a bin; got a str of 4 bytes");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/hormiga/dht-record/peer-round-trip", test_peer_round_trip);
  g_test_add_func ("/hormiga/dht-record/peer-no-addresses", test_peer_no_addresses);
  g_test_add_func ("/hormiga/dht-record/mutable-round-trip", test_mutable_round_trip);
  g_test_add_func ("/hormiga/dht-record/immutable-round-trip", test_immutable_round_trip);
  g_test_add_func ("/hormiga/dht-record/provider-round-trip", test_provider_round_trip);
  g_test_add_func ("/hormiga/dht-record/layout-and-signed-bytes", test_layout_and_signed_bytes);
  g_test_add_func ("/hormiga/dht-record/immutable-golden", test_immutable_golden);
  g_test_add_func ("/hormiga/dht-record/largest", test_largest);
  g_test_add_func ("/hormiga/dht-record/boxed", test_boxed);
  g_test_add_func ("/hormiga/dht-record/forged-signature", test_forged_signature);
  g_test_add_func ("/hormiga/dht-record/signed-by-another", test_signed_by_another);
  g_test_add_func ("/hormiga/dht-record/wrong-key", test_wrong_key);
  g_test_add_func ("/hormiga/dht-record/immutable-wrong-key", test_immutable_wrong_key);
  g_test_add_func ("/hormiga/dht-record/stale-in-store", test_stale_in_store);
  g_test_add_func ("/hormiga/dht-record/oversize-value", test_oversize_value);
  g_test_add_func ("/hormiga/dht-record/oversize-record", test_oversize_record);
  g_test_add_func ("/hormiga/dht-record/too-many-addresses", test_too_many_addresses);
  g_test_add_func ("/hormiga/dht-record/name-limits", test_name_limits);
  g_test_add_func ("/hormiga/dht-record/expiry", test_expiry);
  g_test_add_func ("/hormiga/dht-record/unknown-kind-and-version", test_unknown_kind_and_version);
  g_test_add_func ("/hormiga/dht-record/truncated", test_truncated);
  g_test_add_func ("/hormiga/dht-record/layout-refused", test_layout_refused);
  g_test_add_func ("/hormiga/dht-record/wrong-types", test_wrong_types);

  return g_test_run ();
}
