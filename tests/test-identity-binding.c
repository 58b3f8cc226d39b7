/* test-identity-binding.c — the channel-0 identity proof, without I/O
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "hormiga-identity-binding.h"
#include "hormiga-rtc-error.h"

typedef struct
{
  guint8 client[32];
  guint8 server[32];
} Fingerprints;

static void
fingerprints_init (Fingerprints *f)
{
  memset (f->client, 0xc1, sizeof f->client);
  memset (f->server, 0x5e, sizeof f->server);
}

static void
assert_refused (GBytes              *proof,
                gboolean             peer_is_client,
                const Fingerprints  *f,
                const HormigaPeerId *expected,
                const char          *fragment)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HormigaPeerId) peer =
    hormiga_identity_binding_verify (g_bytes_get_data (proof, NULL), g_bytes_get_size (proof),
                                     peer_is_client, f->client, f->server, expected, &error);

  g_assert_null (peer);
  g_assert_error (error, HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_IDENTITY);
  g_assert_nonnull (strstr (error->message, fragment));
}

static void
test_transcript_layout (void)
{
  Fingerprints f;
  guint8 transcript[HORMIGA_IDENTITY_BINDING_TRANSCRIPT_SIZE];

  fingerprints_init (&f);
  hormiga_identity_binding_transcript (TRUE, f.client, f.server, transcript);
  g_assert_cmpmem (transcript, 15, "hormiga/bind/v1", 15);
  g_assert_cmpuint (transcript[15], ==, 'c');
  g_assert_cmpmem (transcript + 16, 32, f.client, 32);
  g_assert_cmpmem (transcript + 48, 32, f.server, 32);
  hormiga_identity_binding_transcript (FALSE, f.client, f.server, transcript);
  g_assert_cmpuint (transcript[15], ==, 's');
}

static void
test_round_trip (void)
{
  g_autoptr(HormigaIdentity) alice = hormiga_identity_generate ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) proof = NULL;
  g_autoptr(HormigaPeerId) peer = NULL;
  Fingerprints f;

  fingerprints_init (&f);
  proof = hormiga_identity_binding_encode (alice, TRUE, f.client, f.server);
  g_assert_cmpuint (g_bytes_get_size (proof), <=, HORMIGA_IDENTITY_BINDING_MAX_SIZE);
  peer = hormiga_identity_binding_verify (g_bytes_get_data (proof, NULL), g_bytes_get_size (proof),
                                          TRUE, f.client, f.server,
                                          hormiga_identity_get_peer_id (alice), &error);
  g_assert_no_error (error);
  g_assert_true (hormiga_peer_id_equal (peer, hormiga_identity_get_peer_id (alice)));
}

/* A middle node makes each side see a different certificate. */
static void
test_other_fingerprints_refused (void)
{
  g_autoptr(HormigaIdentity) alice = hormiga_identity_generate ();
  g_autoptr(GBytes) proof = NULL;
  Fingerprints f, seen;

  fingerprints_init (&f);
  proof = hormiga_identity_binding_encode (alice, TRUE, f.client, f.server);
  seen = f;
  seen.client[7] ^= 1;
  assert_refused (proof, TRUE, &seen, NULL, "man in the middle");
  seen = f;
  seen.server[31] ^= 0x80;
  assert_refused (proof, TRUE, &seen, NULL, "man in the middle");
  /* Fingerprints in the other order, or the other role, do not verify either. */
  memcpy (seen.client, f.server, 32);
  memcpy (seen.server, f.client, 32);
  assert_refused (proof, TRUE, &seen, NULL, "does not cover");
  assert_refused (proof, FALSE, &f, NULL, "does not cover");
}

static void
test_unexpected_peer_refused (void)
{
  g_autoptr(HormigaIdentity) alice = hormiga_identity_generate ();
  g_autoptr(HormigaIdentity) bob = hormiga_identity_generate ();
  g_autoptr(GBytes) proof = NULL;
  Fingerprints f;

  fingerprints_init (&f);
  proof = hormiga_identity_binding_encode (alice, FALSE, f.client, f.server);
  assert_refused (proof, FALSE, &f, hormiga_identity_get_peer_id (bob),
                  hormiga_peer_id_to_string (hormiga_identity_get_peer_id (bob)));
  assert_refused (proof, FALSE, &f, hormiga_identity_get_peer_id (bob),
                  hormiga_peer_id_to_string (hormiga_identity_get_peer_id (alice)));
}

/* Bad input: every malformed proof gets an error saying what is wrong. */
static void
test_malformed_refused (void)
{
  static const struct { const char *bytes; gsize length; const char *fragment; } cases[] = {
    { "", 0, "malformed" },
    { "\x80", 1, "map of v, t, key and sig" },
    { "\x93\x01\x02\x03", 4, "map of v, t, key and sig" },
    { "\x84\xa1v\x02\xa1t\xa4" "bind\xa3key\xc4\x00\xa3sig\xc4\x00", 23, "\"v\": 1" },
    { "\x84\xa1v\x01\xa1t\xa4" "bond\xa3key\xc4\x00\xa3sig\xc4\x00", 23, "\"t\": \"bind\"" },
    { "\x84\xa1v\x01\xa1t\xa4" "bind\xa3key\xc4\x00\xa3sig\xc4\x00", 23, "32-byte \"key\"" },
    { "\x81\xa1v\x81\xa1v\x01", 7, "malformed" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GBytes) proof = g_bytes_new_static (cases[i].bytes, cases[i].length);
      Fingerprints f;

      fingerprints_init (&f);
      assert_refused (proof, TRUE, &f, NULL, cases[i].fragment);
    }

  /* A valid proof with a byte more, or a byte less. */
  {
    g_autoptr(HormigaIdentity) alice = hormiga_identity_generate ();
    Fingerprints f;
    g_autoptr(GBytes) proof = NULL;
    g_autoptr(GByteArray) longer = g_byte_array_new ();
    g_autoptr(GBytes) longer_bytes = NULL;
    g_autoptr(GBytes) shorter = NULL;
    gsize length;
    const guint8 *data;

    fingerprints_init (&f);
    proof = hormiga_identity_binding_encode (alice, TRUE, f.client, f.server);
    data = g_bytes_get_data (proof, &length);
    g_byte_array_append (longer, data, length);
    g_byte_array_append (longer, (const guint8 *) "\x00", 1);
    longer_bytes = g_bytes_new (longer->data, longer->len);
    assert_refused (longer_bytes, TRUE, &f, NULL, "identity binding: ");
    shorter = g_bytes_new (data, length - 1);
    assert_refused (shorter, TRUE, &f, NULL, "malformed");
  }

  /* Above the size limit. */
  {
    g_autofree guint8 *big = g_malloc0 (HORMIGA_IDENTITY_BINDING_MAX_SIZE + 1);
    g_autoptr(GBytes) proof = NULL;
    Fingerprints f;

    big[0] = 0xc5; /* bin 16 */
    big[1] = (HORMIGA_IDENTITY_BINDING_MAX_SIZE - 2) >> 8;
    big[2] = (HORMIGA_IDENTITY_BINDING_MAX_SIZE - 2) & 0xff;
    proof = g_bytes_new_take (g_steal_pointer (&big), HORMIGA_IDENTITY_BINDING_MAX_SIZE + 1);
    fingerprints_init (&f);
    assert_refused (proof, TRUE, &f, NULL, "malformed");
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/hormiga/identity-binding/transcript-layout", test_transcript_layout);
  g_test_add_func ("/hormiga/identity-binding/round-trip", test_round_trip);
  g_test_add_func ("/hormiga/identity-binding/other-fingerprints-refused",
                   test_other_fingerprints_refused);
  g_test_add_func ("/hormiga/identity-binding/unexpected-peer-refused",
                   test_unexpected_peer_refused);
  g_test_add_func ("/hormiga/identity-binding/malformed-refused", test_malformed_refused);
  return g_test_run ();
}
