/* test-identity.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Vectors: RFC 8032 §7.1 TEST 1 (seed, public key, signature of the empty
 * message) and the Ed25519 key pair of the libp2p peer-id spec test vectors
 * (libp2p/specs, peer-ids/peer-ids.md).
 */
#include <glib/gstdio.h>
#include <sys/stat.h>

#include "hormiga-identity.h"
#include "hormiga-identity-error.h"
#include "hormiga-peer-id.h"

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
test_rfc8032 (void)
{
  guint8 seed[32], public_key[32], expected_signature[64], signature[64];
  g_autoptr(HormigaIdentity) identity = NULL;

  from_hex ("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60", seed, 32);
  from_hex ("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", public_key, 32);
  from_hex ("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
            "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
            expected_signature, 64);

  identity = hormiga_identity_new_from_seed (seed);
  g_assert_cmpmem (hormiga_identity_get_public_key (identity), 32, public_key, 32);
  hormiga_identity_sign (identity, (const guint8 *) "", 0, signature);
  g_assert_cmpmem (signature, 64, expected_signature, 64);
  g_assert_true (hormiga_identity_verify (public_key, (const guint8 *) "", 0, signature));
  g_assert_cmpstr (hormiga_peer_id_to_string (hormiga_identity_get_peer_id (identity)), ==,
                   "12D3KooWQK1wnefoLrcVHbbnf5tLzbopUd3K3bFAoJpA7YJgL5pV");
}

static void
test_libp2p_spec_key (void)
{
  guint8 seed[32];
  g_autoptr(HormigaIdentity) identity = NULL;

  from_hex ("7e0830617c4a7de83925dfb2694556b12936c477a0e1feb2e148ec9da60fee7d", seed, 32);
  identity = hormiga_identity_new_from_seed (seed);
  g_assert_cmpstr (hormiga_peer_id_to_string (hormiga_identity_get_peer_id (identity)), ==,
                   "12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq");
}

static void
test_sign_verify (void)
{
  g_autoptr(HormigaIdentity) a = hormiga_identity_generate ();
  g_autoptr(HormigaIdentity) b = hormiga_identity_generate ();
  const guint8 message[] = "hormiga/join/v1:nonce";
  guint8 signature[64];

  g_assert_false (hormiga_peer_id_equal (hormiga_identity_get_peer_id (a),
                                         hormiga_identity_get_peer_id (b)));

  hormiga_identity_sign (a, message, sizeof message, signature);
  g_assert_true (hormiga_identity_verify (hormiga_identity_get_public_key (a), message,
                                          sizeof message, signature));
  /* Another key, another message, a flipped bit: all refused. */
  g_assert_false (hormiga_identity_verify (hormiga_identity_get_public_key (b), message,
                                           sizeof message, signature));
  g_assert_false (hormiga_identity_verify (hormiga_identity_get_public_key (a), message,
                                           sizeof message - 1, signature));
  signature[10] ^= 0x01;
  g_assert_false (hormiga_identity_verify (hormiga_identity_get_public_key (a), message,
                                           sizeof message, signature));
}

typedef struct
{
  char *dir;       /* temporary root */
  char *data_dir;  /* dir/data (does not exist at first) */
  char *key_path;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  user_data)
{
  fixture->dir = g_dir_make_tmp ("hormiga-identity-XXXXXX", NULL);
  g_assert_nonnull (fixture->dir);
  fixture->data_dir = g_build_filename (fixture->dir, "data", NULL);
  fixture->key_path = g_build_filename (fixture->data_dir, HORMIGA_KEY_FILE_NAME, NULL);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  user_data)
{
  g_unlink (fixture->key_path);
  g_rmdir (fixture->data_dir);
  g_assert_cmpint (g_rmdir (fixture->dir), ==, 0);
  g_free (fixture->key_path);
  g_free (fixture->data_dir);
  g_free (fixture->dir);
}

static void
test_create_then_load (Fixture       *fixture,
                       gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HormigaIdentity) first = NULL;
  g_autoptr(HormigaIdentity) second = NULL;
  g_autoptr(GDir) dir = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  gsize before_length = 0, after_length = 0;
  GStatBuf st, st_after;

  first = hormiga_identity_load_or_create (fixture->data_dir, &error);
  g_assert_no_error (error);
  g_assert_nonnull (first);

  g_assert_cmpint (g_stat (fixture->data_dir, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);
  g_assert_cmpint (g_stat (fixture->key_path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_cmpint (st.st_size, ==, 72);

  /* The file holds the magic, the seed and the public key; no temporary
   * file is left beside it. */
  g_assert_true (g_file_get_contents (fixture->key_path, &before, &before_length, &error));
  g_assert_cmpmem (before, 8, "HRMGKEY1", 8);
  g_assert_cmpmem (before + 40, 32, hormiga_identity_get_public_key (first), 32);
  dir = g_dir_open (fixture->data_dir, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (g_dir_read_name (dir), ==, HORMIGA_KEY_FILE_NAME);
  g_assert_null (g_dir_read_name (dir));

  second = hormiga_identity_load_or_create (fixture->data_dir, &error);
  g_assert_no_error (error);
  g_assert_true (hormiga_peer_id_equal (hormiga_identity_get_peer_id (first),
                                        hormiga_identity_get_peer_id (second)));

  /* Loading leaves the file alone: same inode, same bytes. */
  g_assert_cmpint (g_stat (fixture->key_path, &st_after), ==, 0);
  g_assert_cmpuint (st_after.st_ino, ==, st.st_ino);
  g_assert_true (g_file_get_contents (fixture->key_path, &after, &after_length, &error));
  g_assert_cmpmem (after, after_length, before, before_length);
}

typedef struct
{
  const char      *data_dir;
  HormigaIdentity *identity;
  GError          *error;
} Racer;

static gpointer
race_load_or_create (gpointer data)
{
  Racer *racer = data;

  racer->identity = hormiga_identity_load_or_create (racer->data_dir, &racer->error);
  return NULL;
}

/* Nodes sharing a data directory that start at once end with one identity,
 * the one on disk. */
static void
test_concurrent_create (Fixture       *fixture,
                        gconstpointer  user_data)
{
  Racer racers[8] = { 0 };
  GThread *threads[G_N_ELEMENTS (racers)];
  g_autoptr(HormigaIdentity) on_disk = NULL;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (racers); i++)
    {
      racers[i].data_dir = fixture->data_dir;
      threads[i] = g_thread_new ("racer", race_load_or_create, &racers[i]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (racers); i++)
    g_thread_join (threads[i]);

  on_disk = hormiga_identity_load_or_create (fixture->data_dir, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (racers); i++)
    {
      g_assert_no_error (racers[i].error);
      g_assert_true (hormiga_peer_id_equal (hormiga_identity_get_peer_id (racers[i].identity),
                                            hormiga_identity_get_peer_id (on_disk)));
      g_object_unref (racers[i].identity);
    }
}

static void
check_bad_file (Fixture     *fixture,
                const char  *contents,
                gsize        length,
                const char  *fragment)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HormigaIdentity) identity = NULL;
  g_autofree char *after = NULL;
  gsize after_length = 0;

  g_assert_cmpint (g_mkdir_with_parents (fixture->data_dir, 0700), ==, 0);
  g_unlink (fixture->key_path);
  g_assert_true (g_file_set_contents_full (fixture->key_path, contents, (gssize) length,
                                           G_FILE_SET_CONTENTS_NONE, 0600, &error));

  identity = hormiga_identity_load_or_create (fixture->data_dir, &error);
  g_assert_null (identity);
  g_assert_error (error, HORMIGA_IDENTITY_ERROR, HORMIGA_IDENTITY_ERROR_KEY_FILE);
  g_assert_nonnull (strstr (error->message, fixture->key_path));
  if (strstr (error->message, fragment) == NULL)
    g_error ("“%s” does not mention “%s”", error->message, fragment);
  g_clear_error (&error);

  /* Never replaced: the bytes are what they were. */
  g_assert_true (g_file_get_contents (fixture->key_path, &after, &after_length, &error));
  g_assert_cmpmem (after, after_length, contents, length);
}

/* Creates a real key file in the fixture's data directory. */
static HormigaIdentity *
make_key_file (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;
  HormigaIdentity *identity = hormiga_identity_load_or_create (fixture->data_dir, &error);

  g_assert_no_error (error);
  return identity;
}

static void
test_truncated (Fixture       *fixture,
                gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *good = NULL;
  gsize length = 0;

  /* Make a real key file, then cut it. */
  g_object_unref (make_key_file (fixture));
  g_assert_true (g_file_get_contents (fixture->key_path, &good, &length, &error));
  g_assert_cmpuint (length, ==, 72);
  check_bad_file (fixture, good, 40, "is 40 bytes, not 72: it is truncated");
  check_bad_file (fixture, "", 0, "is 0 bytes, not 72: it is truncated");
}

static void
test_too_long (Fixture       *fixture,
               gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *good = NULL;
  g_autofree char *longer = NULL;
  g_autofree char *huge = g_malloc0 (1 << 20);
  gsize length = 0;

  g_object_unref (make_key_file (fixture));
  g_assert_true (g_file_get_contents (fixture->key_path, &good, &length, &error));
  longer = g_malloc (length + 1);
  memcpy (longer, good, length);
  longer[length] = '\n';
  check_bad_file (fixture, longer, length + 1, "is 73 bytes, not 72");

  memcpy (huge, good, length);
  check_bad_file (fixture, huge, 1 << 20, "is 1048576 bytes, not 72");
}

static void
test_not_a_file (Fixture       *fixture,
                 gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HormigaIdentity) identity = NULL;

  g_assert_cmpint (g_mkdir_with_parents (fixture->key_path, 0700), ==, 0);
  identity = hormiga_identity_load_or_create (fixture->data_dir, &error);
  g_assert_null (identity);
  g_assert_error (error, HORMIGA_IDENTITY_ERROR, HORMIGA_IDENTITY_ERROR_KEY_FILE);
  g_assert_nonnull (strstr (error->message, "not a regular file"));
  g_assert_true (g_file_test (fixture->key_path, G_FILE_TEST_IS_DIR));
  g_assert_cmpint (g_rmdir (fixture->key_path), ==, 0);
  g_clear_error (&error);

  /* A FIFO would block a plain open(). */
  g_assert_cmpint (mkfifo (fixture->key_path, 0600), ==, 0);
  identity = hormiga_identity_load_or_create (fixture->data_dir, &error);
  g_assert_null (identity);
  g_assert_error (error, HORMIGA_IDENTITY_ERROR, HORMIGA_IDENTITY_ERROR_KEY_FILE);
  g_assert_nonnull (strstr (error->message, "not a regular file"));
}

/* A key file others can read still loads, and is made 0600. */
static void
test_loose_permissions (Fixture       *fixture,
                        gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HormigaIdentity) created = make_key_file (fixture);
  g_autoptr(HormigaIdentity) loaded = NULL;
  GStatBuf st;

  g_assert_cmpint (g_chmod (fixture->key_path, 0644), ==, 0);
  g_test_expect_message (NULL, G_LOG_LEVEL_MESSAGE, "*could be read by other users*0644*");
  loaded = hormiga_identity_load_or_create (fixture->data_dir, &error);
  g_test_assert_expected_messages ();
  g_assert_no_error (error);
  g_assert_true (hormiga_peer_id_equal (hormiga_identity_get_peer_id (created),
                                        hormiga_identity_get_peer_id (loaded)));
  g_assert_cmpint (g_stat (fixture->key_path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
}

static void
test_wrong_magic (Fixture       *fixture,
                  gconstpointer  user_data)
{
  char contents[72];

  memset (contents, 'x', sizeof contents);
  check_bad_file (fixture, contents, sizeof contents, "not a Hormiga key file");
}

static void
test_corrupt (Fixture       *fixture,
              gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *good = NULL;
  gsize length = 0;

  g_object_unref (make_key_file (fixture));
  g_assert_true (g_file_get_contents (fixture->key_path, &good, &length, &error));
  good[20] ^= 0x40;  /* a bit of the seed: the stored public key no longer matches */
  check_bad_file (fixture, good, length, "corrupt");
  good[20] ^= 0x40;
  good[60] ^= 0x01;  /* a bit of the public key */
  check_bad_file (fixture, good, length, "corrupt");
}

static void
test_default_data_dir (void)
{
  g_autofree char *dir = hormiga_identity_default_data_dir ();
  g_autofree char *expected = g_build_filename (g_get_user_data_dir (), "hormiga", NULL);

  g_assert_cmpstr (dir, ==, expected);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/hormiga/identity/rfc8032", test_rfc8032);
  g_test_add_func ("/hormiga/identity/libp2p-spec-key", test_libp2p_spec_key);
  g_test_add_func ("/hormiga/identity/sign-verify", test_sign_verify);
  g_test_add_func ("/hormiga/identity/default-data-dir", test_default_data_dir);
  g_test_add ("/hormiga/identity/create-then-load", Fixture, NULL, fixture_set_up,
              test_create_then_load, fixture_tear_down);
  g_test_add ("/hormiga/identity/concurrent-create", Fixture, NULL, fixture_set_up,
              test_concurrent_create, fixture_tear_down);
  g_test_add ("/hormiga/identity/truncated", Fixture, NULL, fixture_set_up, test_truncated,
              fixture_tear_down);
  g_test_add ("/hormiga/identity/too-long", Fixture, NULL, fixture_set_up, test_too_long,
              fixture_tear_down);
  g_test_add ("/hormiga/identity/not-a-file", Fixture, NULL, fixture_set_up, test_not_a_file,
              fixture_tear_down);
  g_test_add ("/hormiga/identity/loose-permissions", Fixture, NULL, fixture_set_up,
              test_loose_permissions, fixture_tear_down);
  g_test_add ("/hormiga/identity/wrong-magic", Fixture, NULL, fixture_set_up, test_wrong_magic,
              fixture_tear_down);
  g_test_add ("/hormiga/identity/corrupt", Fixture, NULL, fixture_set_up, test_corrupt,
              fixture_tear_down);
  return g_test_run ();
}
