/* test-share-content.c — content IDs: Merkle roots, file IDs, hashing files
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The expected values are computed here from crypto_generichash() on
 * hand-built inputs, independently of hormiga-content.c.
 */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <sodium.h>
#include <string.h>

#include "hormiga-content.h"
#include "hormiga-content-hasher.h"
#include "hormiga-share-error.h"
#include "hormiga-test-util.h"

#define H 32

static void
blake (guint8       *out,
       const guint8 *data,
       gsize         length)
{
  crypto_generichash (out, H, data, length, NULL, 0);
}

/* H(0x01 ‖ left ‖ right) */
static void
parent (guint8       *out,
        const guint8 *left,
        const guint8 *right)
{
  guint8 input[1 + 2 * H];

  input[0] = 0x01;
  memcpy (input + 1, left, H);
  memcpy (input + 1 + H, right, H);
  blake (out, input, sizeof input);
}

/* Leaf i: the hash of the 3-byte chunk "c" i i. */
static void
leaf (guint8 *out,
      guint   i)
{
  guint8 chunk[3] = { 'c', (guint8) i, (guint8) i };

  blake (out, chunk, sizeof chunk);
}

static void
test_merkle_vectors (void)
{
  guint8 leaves[5][H];
  guint8 all[5 * H];
  guint8 root[H], expected[H], zero[H] = { 0 };
  guint8 p01[H], p23[H], p0123[H];

  for (guint i = 0; i < 5; i++)
    {
      leaf (leaves[i], i);
      memcpy (all + i * H, leaves[i], H);
    }

  /* 0 chunks: 32 zero bytes. */
  hormiga_content_merkle_root (NULL, 0, root);
  g_assert_cmpmem (root, H, zero, H);

  /* 1 chunk: its hash. */
  hormiga_content_merkle_root (all, 1, root);
  g_assert_cmpmem (root, H, leaves[0], H);

  /* 2 chunks: H(01 ‖ h0 ‖ h1). */
  parent (p01, leaves[0], leaves[1]);
  hormiga_content_merkle_root (all, 2, root);
  g_assert_cmpmem (root, H, p01, H);

  /* 3 chunks: h2 is promoted: H(01 ‖ H(01‖h0‖h1) ‖ h2). */
  parent (expected, p01, leaves[2]);
  hormiga_content_merkle_root (all, 3, root);
  g_assert_cmpmem (root, H, expected, H);

  /* 5 chunks: level 1 = p01, p23, h4; level 2 = p0123, h4; root. */
  parent (p23, leaves[2], leaves[3]);
  parent (p0123, p01, p23);
  parent (expected, p0123, leaves[4]);
  hormiga_content_merkle_root (all, 5, root);
  g_assert_cmpmem (root, H, expected, H);
}

/* The file ID from its definition: H("hormiga/file/v1" ‖ size LE64 ‖ chunk
 * LE32 ‖ root). */
static void
expected_file_id (guint8       *out,
                  guint64       size,
                  guint32       chunk_size,
                  const guint8 *root)
{
  guint8 input[15 + 8 + 4 + H];

  memcpy (input, "hormiga/file/v1", 15);
  for (guint i = 0; i < 8; i++)
    input[15 + i] = (guint8) (size >> (8 * i));
  for (guint i = 0; i < 4; i++)
    input[23 + i] = (guint8) (chunk_size >> (8 * i));
  memcpy (input + 27, root, H);
  blake (out, input, sizeof input);
}

static void
test_file_id_vectors (void)
{
  static const guint sizes[] = { 0, 1, 2, 3, 5 };
  const guint32 chunk = HORMIGA_CONTENT_MIN_CHUNK_SIZE;

  for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
    {
      guint n = sizes[s];
      guint64 size = n == 0 ? 0 : (guint64) (n - 1) * chunk + 7;
      g_autofree guint8 *hashes = g_malloc0 (n * H + 1);
      guint8 root[H], expected[H];
      HormigaContentId id;

      for (guint i = 0; i < n; i++)
        leaf (hashes + i * H, i);
      hormiga_content_merkle_root (hashes, n, root);
      expected_file_id (expected, size, chunk, root);
      g_assert_cmpuint (hormiga_content_n_chunks (size, chunk), ==, n);
      g_assert_true (hormiga_content_file_id (hashes, n, size, chunk, &id));
      g_assert_cmpmem (id.bytes, H, expected, H);
    }

  /* The empty file's ID spelled out: root of zeros, size 0, chunk 16384. */
  {
    guint8 zero[H] = { 0 };
    guint8 input[15 + 8 + 4 + H] = { 0 };
    guint8 expected[H];
    HormigaContentId id;

    memcpy (input, "hormiga/file/v1", 15);
    input[23] = 0x00;
    input[24] = 0x40;  /* 16384 = 0x4000, little-endian 00 40 00 00 */
    memcpy (input + 27, zero, H);
    blake (expected, input, sizeof input);
    g_assert_true (hormiga_content_file_id (NULL, 0, 0, chunk, &id));
    g_assert_cmpmem (id.bytes, H, expected, H);
  }
}

/* The examples of docs/PROTOCOL.md ("File sharing"), as fixed strings. */
static void
test_documented_ids (void)
{
  g_autofree char *empty = NULL;
  g_autofree char *hola = NULL;
  g_autofree char *hola_chunk = NULL;
  guint8 hash[H];
  HormigaContentId id;

  g_assert_true (hormiga_content_file_id (NULL, 0, 0, HORMIGA_CONTENT_CHUNK_SIZE, &id));
  empty = hormiga_content_id_to_string (&id);
  g_assert_cmpstr (empty, ==, "62dd37f09a82ccd8f253a460dbababcd5c0870261e7c071b1459067f06342c5a");

  hormiga_content_hash_chunk ((const guint8 *) "hola", 4, hash);
  memcpy (id.bytes, hash, H);
  hola_chunk = hormiga_content_id_to_string (&id);
  g_assert_cmpstr (hola_chunk, ==, "4ee0cdb64e70bb9da93113f8ddcb3e2fd23bef1cda2c6d45afec7ef959ac6298");
  g_assert_true (hormiga_content_file_id (hash, 1, 4, HORMIGA_CONTENT_CHUNK_SIZE, &id));
  hola = hormiga_content_id_to_string (&id);
  g_assert_cmpstr (hola, ==, "fe9f49fd0b74f978d0b1a8f60b83b179cf4a13902fe2e7c1fd084cfbe17fe93d");
}

static void
test_file_id_mismatch (void)
{
  guint8 hashes[2 * H] = { 0 };
  HormigaContentId id;

  g_test_expect_message (G_LOG_DOMAIN, G_LOG_LEVEL_CRITICAL, "*n_chunks*");
  g_assert_false (hormiga_content_file_id (hashes, 2, HORMIGA_CONTENT_CHUNK_SIZE,
                                           HORMIGA_CONTENT_CHUNK_SIZE, &id));
  g_test_assert_expected_messages ();

  g_test_expect_message (G_LOG_DOMAIN, G_LOG_LEVEL_CRITICAL, "*chunk_size*");
  g_assert_false (hormiga_content_file_id (hashes, 1, 10, 1024, &id));
  g_test_assert_expected_messages ();
}

static void
test_chunk_arithmetic (void)
{
  const guint32 c = HORMIGA_CONTENT_CHUNK_SIZE;

  g_assert_cmpuint (hormiga_content_n_chunks (0, c), ==, 0);
  g_assert_cmpuint (hormiga_content_n_chunks (1, c), ==, 1);
  g_assert_cmpuint (hormiga_content_n_chunks (c, c), ==, 1);
  g_assert_cmpuint (hormiga_content_n_chunks ((guint64) c + 1, c), ==, 2);
  g_assert_cmpuint (hormiga_content_n_chunks (G_MAXUINT64, c), ==, G_MAXUINT64 / c + 1);
  g_assert_cmpuint (hormiga_content_chunk_length ((guint64) c + 1, c, 0), ==, c);
  g_assert_cmpuint (hormiga_content_chunk_length ((guint64) c + 1, c, 1), ==, 1);
  g_assert_cmpuint (hormiga_content_chunk_length ((guint64) c + 1, c, 2), ==, 0);
  g_assert_cmpuint (hormiga_content_chunk_length (2 * (guint64) c, c, 1), ==, c);
}

static void
test_id_strings (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *upper = NULL;
  g_autofree HormigaContentId *copy = NULL;
  HormigaContentId id, parsed;
  static const char *const bad[] = {
    "", "00", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde",
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0",
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeg",
    " 123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    "0x23456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
  };

  for (guint i = 0; i < H; i++)
    id.bytes[i] = (guint8) (i * 37 + 1);
  text = hormiga_content_id_to_string (&id);
  g_assert_cmpuint (strlen (text), ==, 64);
  for (guint i = 0; text[i] != '\0'; i++)
    g_assert_true (g_ascii_isdigit (text[i]) || (text[i] >= 'a' && text[i] <= 'f'));
  g_assert_true (hormiga_content_id_parse (text, &parsed, &error));
  g_assert_no_error (error);
  g_assert_true (hormiga_content_id_equal (&id, &parsed));
  g_assert_cmpuint (hormiga_content_id_hash (&id), ==, hormiga_content_id_hash (&parsed));

  upper = g_ascii_strup (text, -1);
  memset (&parsed, 0, sizeof parsed);
  g_assert_true (hormiga_content_id_parse (upper, &parsed, &error));
  g_assert_true (hormiga_content_id_equal (&id, &parsed));

  copy = hormiga_content_id_dup (&id);
  g_assert_true (hormiga_content_id_equal (copy, &id));

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_assert_false (hormiga_content_id_parse (bad[i], &parsed, &error));
      g_assert_error (error, HORMIGA_SHARE_ERROR, HORMIGA_SHARE_ERROR_MALFORMED);
      g_assert_nonnull (strstr (error->message, "64 hexadecimal digits"));
      g_clear_error (&error);
    }
}

static GBytes *
random_bytes (gsize size)
{
  guint8 *data = g_malloc (size + 1);

  randombytes_buf (data, size);
  return g_bytes_new_take (data, size);
}

/* One-shot: hash each chunk, then the file ID. */
static GBytes *
one_shot (GBytes           *content,
          guint32           chunk_size,
          HormigaContentId *id)
{
  gsize size = 0;
  const guint8 *data = g_bytes_get_data (content, &size);
  guint n = (guint) hormiga_content_n_chunks (size, chunk_size);
  guint8 *hashes = g_malloc (n * H + 1);

  for (guint i = 0; i < n; i++)
    hormiga_content_hash_chunk (data + (gsize) i * chunk_size,
                                hormiga_content_chunk_length (size, chunk_size, i),
                                hashes + i * H);
  g_assert_true (hormiga_content_file_id (hashes, n, size, chunk_size, id));
  return g_bytes_new_take (hashes, n * H);
}

static void
test_hasher_equals_one_shot (void)
{
  const guint32 chunk = HORMIGA_CONTENT_MIN_CHUNK_SIZE;
  const gsize sizes[] = { 0, 1, chunk - 1, chunk, chunk + 1, 3 * chunk, 5 * chunk + 123 };
  const gsize pieces[] = { 1, 7, 1000, chunk, chunk + 3, 100000 };

  for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
    {
      g_autoptr(GBytes) content = random_bytes (sizes[s]);
      HormigaContentId expected_id;
      g_autoptr(GBytes) expected = one_shot (content, chunk, &expected_id);

      for (guint p = 0; p < G_N_ELEMENTS (pieces); p++)
        {
          g_autoptr(HormigaContentHasher) hasher = hormiga_content_hasher_new (chunk);
          const guint8 *data = g_bytes_get_data (content, NULL);
          g_autoptr(GBytes) hashes = NULL;
          HormigaContentId id;

          if (sizes[s] > 20000 && pieces[p] < 1000)
            continue;  /* slow, and covered by the small sizes */
          for (gsize off = 0; off < sizes[s]; off += pieces[p])
            hormiga_content_hasher_update (hasher, data + off, MIN (pieces[p], sizes[s] - off));
          g_assert_cmpuint (hormiga_content_hasher_get_size (hasher), ==, sizes[s]);
          hashes = hormiga_content_hasher_finish (hasher, &id);
          g_assert_true (g_bytes_equal (hashes, expected));
          g_assert_true (hormiga_content_id_equal (&id, &expected_id));
        }
    }
}

/* ---- hash_file_async --------------------------------------------------- */

typedef struct
{
  HormigaManifest *manifest;
  GError          *error;
  gboolean         done;
  GThread         *caller;
} HashResult;

static void
hashed (GObject      *source,
        GAsyncResult *result,
        gpointer      user_data)
{
  HashResult *r = user_data;

  g_assert_true (g_thread_self () == r->caller);
  r->manifest = hormiga_content_hash_file_finish (result, &r->error);
  r->done = TRUE;
}

static gboolean
is_done (gpointer user_data)
{
  return ((HashResult *) user_data)->done;
}

static HormigaManifest *
hash_file (GFile         *file,
           guint32        chunk_size,
           GCancellable  *cancellable,
           GError       **error)
{
  HashResult r = { .caller = g_thread_self () };

  hormiga_content_hash_file_async (file, chunk_size, cancellable, hashed, &r);
  g_assert_true (hormiga_test_wait_until (is_done, &r, 30000));
  if (r.error != NULL)
    g_propagate_error (error, r.error);
  return r.manifest;
}

static void
test_hash_file (void)
{
  const guint32 chunk = HORMIGA_CONTENT_CHUNK_SIZE;
  const gsize sizes[] = { 0, 1, chunk, chunk + 1, 3 * 1000 * 1000 };
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("hormiga-share-XXXXXX", &error);

  g_assert_no_error (error);
  for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
    {
      g_autoptr(GBytes) content = random_bytes (sizes[s]);
      g_autofree char *name = g_strdup_printf ("file %u.txt", s);
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autoptr(GFile) file = g_file_new_for_path (path);
      g_autoptr(HormigaManifest) manifest = NULL;
      g_autoptr(GBytes) expected = NULL;
      HormigaContentId expected_id, id;

      g_assert_true (g_file_set_contents (path, g_bytes_get_data (content, NULL),
                                          (gssize) sizes[s], &error));
      expected = one_shot (content, chunk, &expected_id);
      manifest = hash_file (file, chunk, NULL, &error);
      g_assert_no_error (error);
      g_assert_nonnull (manifest);
      g_assert_cmpint (manifest->kind, ==, HORMIGA_MANIFEST_FILE);
      g_assert_cmpstr (manifest->name, ==, name);
      g_assert_cmpstr (manifest->mime, ==, "text/plain");
      g_assert_cmpuint (manifest->size, ==, sizes[s]);
      g_assert_cmpuint (manifest->chunk_size, ==, chunk);
      g_assert_true (g_bytes_equal (manifest->hashes, expected));
      g_assert_true (hormiga_manifest_get_id (manifest, &id));
      g_assert_true (hormiga_content_id_equal (&id, &expected_id));
      g_assert_cmpint (g_unlink (path), ==, 0);
    }
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

static void
test_hash_file_errors (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) missing = g_file_new_for_path ("/nonexistent/hormiga/nothing.bin");
  g_autoptr(GFile) folder = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(HormigaManifest) manifest = NULL;
  g_autofree char *dir = g_dir_make_tmp ("hormiga-share-XXXXXX", &error);

  manifest = hash_file (missing, HORMIGA_CONTENT_CHUNK_SIZE, NULL, &error);
  g_assert_null (manifest);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "/nonexistent/hormiga/nothing.bin"));
  g_clear_error (&error);

  folder = g_file_new_for_path (dir);
  manifest = hash_file (folder, HORMIGA_CONTENT_CHUNK_SIZE, NULL, &error);
  g_assert_null (manifest);
  g_assert_true (error != NULL && error->domain == G_IO_ERROR);
  g_assert_nonnull (strstr (error->message, dir));
  g_clear_error (&error);

  g_cancellable_cancel (cancellable);
  manifest = hash_file (folder, HORMIGA_CONTENT_CHUNK_SIZE, cancellable, &error);
  g_assert_null (manifest);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_assert_cmpint (sodium_init (), >=, 0);

  g_test_add_func ("/hormiga/share-content/merkle-vectors", test_merkle_vectors);
  g_test_add_func ("/hormiga/share-content/file-id-vectors", test_file_id_vectors);
  g_test_add_func ("/hormiga/share-content/documented-ids", test_documented_ids);
  g_test_add_func ("/hormiga/share-content/file-id-mismatch", test_file_id_mismatch);
  g_test_add_func ("/hormiga/share-content/chunk-arithmetic", test_chunk_arithmetic);
  g_test_add_func ("/hormiga/share-content/id-strings", test_id_strings);
  g_test_add_func ("/hormiga/share-content/hasher-equals-one-shot", test_hasher_equals_one_shot);
  g_test_add_func ("/hormiga/share-content/hash-file", test_hash_file);
  g_test_add_func ("/hormiga/share-content/hash-file-errors", test_hash_file_errors);
  return g_test_run ();
}
