/* test-share-manifest.c — manifests: round trips, IDs, exact bytes, rejections
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <sodium.h>
#include <string.h>

#include "hormiga-manifest.h"
#include "hormiga-share-error.h"
#include "test-msgpack-writer.h"

#define CHUNK HORMIGA_CONTENT_MIN_CHUNK_SIZE

/* ---- helpers ----------------------------------------------------------- */

static GBytes *
hashes_new (guint n)
{
  guint8 *data = g_malloc (n * 32 + 1);

  for (guint i = 0; i < n * 32; i++)
    data[i] = (guint8) (i * 7 + 3);
  return g_bytes_new_take (data, n * 32);
}

static HormigaManifest *
file_new (guint64     size,
          const char *mime)
{
  g_autoptr(GBytes) hashes = hashes_new ((guint) hormiga_content_n_chunks (size, CHUNK));

  return hormiga_manifest_new_file ("report.pdf", size, CHUNK, hashes, mime);
}

static HormigaManifest *
decode_ok (GBytes *bytes)
{
  g_autoptr(GError) error = NULL;
  HormigaManifest *manifest = hormiga_manifest_decode (bytes, &error);

  g_assert_no_error (error);
  g_assert_nonnull (manifest);
  return manifest;
}

static void
assert_rejected (GByteArray *b,
                 gint        code,
                 const char *fragment)
{
  g_autoptr(GBytes) bytes = g_bytes_new (b->data, b->len);
  g_autoptr(GError) error = NULL;
  g_autoptr(HormigaManifest) manifest = hormiga_manifest_decode (bytes, &error);

  g_assert_null (manifest);
  g_assert_error (error, HORMIGA_SHARE_ERROR, code);
  if (strstr (error->message, fragment) == NULL)
    g_error ("\"%s\" does not mention \"%s\"", error->message, fragment);
}

/* ---- round trips ------------------------------------------------------- */

static void
test_file_round_trip (void)
{
  static const guint64 sizes[] = { 0, 1, CHUNK, CHUNK + 1, 10 * CHUNK };

  for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
    for (guint m = 0; m < 2; m++)
      {
        g_autoptr(HormigaManifest) manifest = file_new (sizes[s], m ? "application/pdf" : NULL);
        g_autoptr(HormigaManifest) decoded = NULL;
        g_autoptr(GBytes) encoded = hormiga_manifest_encode (manifest);
        g_autoptr(GBytes) again = NULL;
        HormigaContentId id, decoded_id;

        g_assert_nonnull (encoded);
        decoded = decode_ok (encoded);
        g_assert_cmpint (decoded->kind, ==, HORMIGA_MANIFEST_FILE);
        g_assert_cmpstr (decoded->name, ==, "report.pdf");
        g_assert_cmpuint (decoded->size, ==, sizes[s]);
        g_assert_cmpuint (decoded->chunk_size, ==, CHUNK);
        g_assert_true (g_bytes_equal (decoded->hashes, manifest->hashes));
        g_assert_cmpstr (decoded->mime, ==, manifest->mime);
        g_assert_null (decoded->entries);
        again = hormiga_manifest_encode (decoded);
        g_assert_true (g_bytes_equal (again, encoded));

        g_assert_true (hormiga_manifest_get_id (manifest, &id));
        g_assert_true (hormiga_manifest_get_id (decoded, &decoded_id));
        g_assert_true (hormiga_content_id_equal (&id, &decoded_id));
        g_assert_cmpuint (hormiga_manifest_get_n_chunks (decoded), ==,
                          hormiga_content_n_chunks (sizes[s], CHUNK));
        g_assert_cmpuint (hormiga_manifest_get_total_size (decoded), ==, sizes[s]);
      }
}

static void
test_file_exact_bytes (void)
{
  g_autoptr(GBytes) hashes = hashes_new (1);
  g_autoptr(HormigaManifest) manifest = hormiga_manifest_new_file ("a", 5, CHUNK, hashes,
                                                                   "text/plain");
  g_autoptr(GBytes) encoded = hormiga_manifest_encode (manifest);
  g_autoptr(GByteArray) b = g_byte_array_new ();

  mp_map (b, 7);
  mp_str (b, "v");
  mp_uint (b, 1);
  mp_str (b, "kind");
  mp_str (b, "file");
  mp_str (b, "name");
  mp_str (b, "a");
  mp_str (b, "size");
  mp_uint (b, 5);
  mp_str (b, "chunk");
  mp_uint (b, CHUNK);
  mp_str (b, "hashes");
  mp_bin (b, g_bytes_get_data (hashes, NULL), 32);
  mp_str (b, "mime");
  mp_str (b, "text/plain");
  g_assert_cmpmem (g_bytes_get_data (encoded, NULL), g_bytes_get_size (encoded), b->data, b->len);
}

static void
test_file_id_from_fields (void)
{
  g_autoptr(HormigaManifest) manifest = file_new (3 * CHUNK + 1, NULL);
  g_autoptr(GBytes) encoded = hormiga_manifest_encode (manifest);
  g_autoptr(GError) error = NULL;
  g_autoptr(HormigaManifest) checked = NULL;
  HormigaContentId id, other;

  g_assert_true (hormiga_manifest_get_id (manifest, &id));
  g_assert_true (hormiga_content_file_id (g_bytes_get_data (manifest->hashes, NULL), 4,
                                          manifest->size, CHUNK, &other));
  g_assert_true (hormiga_content_id_equal (&id, &other));

  checked = hormiga_manifest_decode_expecting (encoded, &id, &error);
  g_assert_no_error (error);
  g_assert_nonnull (checked);

  other = id;
  other.bytes[0] ^= 1;
  g_clear_pointer (&checked, hormiga_manifest_free);
  checked = hormiga_manifest_decode_expecting (encoded, &other, &error);
  g_assert_null (checked);
  g_assert_error (error, HORMIGA_SHARE_ERROR, HORMIGA_SHARE_ERROR_MISMATCH);
  g_assert_cmpstr (error->message, ==, "the manifest does not match the link's content ID");
}

static void
test_folder_round_trip (void)
{
  g_autoptr(HormigaManifest) manifest = hormiga_manifest_new_folder ("Fotos");
  g_autoptr(HormigaManifest) decoded = NULL;
  g_autoptr(GBytes) encoded = NULL;
  g_autoptr(GBytes) again = NULL;
  g_autoptr(GError) error = NULL;
  HormigaContentId cids[3], id, expected;
  const char *paths[] = { "z/last.jpg", "a.jpg", "\xc3\xb1/\xf0\x9f\x90\x9c.png" };

  for (guint i = 0; i < 3; i++)
    {
      memset (cids[i].bytes, (int) i + 1, sizeof cids[i].bytes);
      hormiga_manifest_add_entry (manifest, paths[i], 1000 * i, &cids[i]);
    }
  encoded = hormiga_manifest_encode (manifest);
  decoded = decode_ok (encoded);
  g_assert_cmpint (decoded->kind, ==, HORMIGA_MANIFEST_FOLDER);
  g_assert_cmpstr (decoded->name, ==, "Fotos");
  g_assert_cmpuint (decoded->entries->len, ==, 3);
  /* Sorted by path, bytewise. */
  g_assert_cmpstr (((HormigaManifestEntry *) decoded->entries->pdata[0])->path, ==, "a.jpg");
  g_assert_cmpstr (((HormigaManifestEntry *) decoded->entries->pdata[1])->path, ==, "z/last.jpg");
  g_assert_cmpstr (((HormigaManifestEntry *) decoded->entries->pdata[2])->path, ==, paths[2]);
  g_assert_cmpuint (((HormigaManifestEntry *) decoded->entries->pdata[2])->size, ==, 2000);
  g_assert_true (hormiga_content_id_equal (
    &((HormigaManifestEntry *) decoded->entries->pdata[2])->cid, &cids[2]));
  g_assert_cmpuint (hormiga_manifest_get_total_size (decoded), ==, 3000);
  again = hormiga_manifest_encode (decoded);
  g_assert_true (g_bytes_equal (again, encoded));

  /* ID = H("hormiga/folder/v1" ‖ encoding). */
  {
    g_autoptr(GByteArray) input = g_byte_array_new ();

    g_byte_array_append (input, (const guint8 *) "hormiga/folder/v1", 17);
    g_byte_array_append (input, g_bytes_get_data (encoded, NULL),
                         (guint) g_bytes_get_size (encoded));
    crypto_generichash (expected.bytes, 32, input->data, input->len, NULL, 0);
  }
  g_assert_true (hormiga_manifest_get_id (manifest, &id));
  g_assert_true (hormiga_content_id_equal (&id, &expected));
  g_clear_pointer (&decoded, hormiga_manifest_free);
  decoded = hormiga_manifest_decode_expecting (encoded, &expected, &error);
  g_assert_no_error (error);
  g_assert_nonnull (decoded);
}

static void
test_chunk_check (void)
{
  guint8 data[CHUNK + 10];
  guint8 hashes[64];
  g_autoptr(GBytes) hash_bytes = NULL;
  g_autoptr(HormigaManifest) manifest = NULL;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < sizeof data; i++)
    data[i] = (guint8) i;
  hormiga_content_hash_chunk (data, CHUNK, hashes);
  hormiga_content_hash_chunk (data + CHUNK, 10, hashes + 32);
  hash_bytes = g_bytes_new (hashes, sizeof hashes);
  manifest = hormiga_manifest_new_file ("x", sizeof data, CHUNK, hash_bytes, NULL);

  g_assert_cmpuint (hormiga_manifest_get_chunk_length (manifest, 0), ==, CHUNK);
  g_assert_cmpuint (hormiga_manifest_get_chunk_length (manifest, 1), ==, 10);
  g_assert_cmpmem (hormiga_manifest_get_chunk_hash (manifest, 1), 32, hashes + 32, 32);
  g_assert_true (hormiga_manifest_check_chunk (manifest, 0, data, CHUNK, &error));
  g_assert_true (hormiga_manifest_check_chunk (manifest, 1, data + CHUNK, 10, &error));
  g_assert_no_error (error);

  g_assert_false (hormiga_manifest_check_chunk (manifest, 1, data + CHUNK, 9, &error));
  g_assert_error (error, HORMIGA_SHARE_ERROR, HORMIGA_SHARE_ERROR_MISMATCH);
  g_clear_error (&error);
  data[CHUNK] ^= 1;
  g_assert_false (hormiga_manifest_check_chunk (manifest, 1, data + CHUNK, 10, &error));
  g_assert_error (error, HORMIGA_SHARE_ERROR, HORMIGA_SHARE_ERROR_MISMATCH);
}

/* A file manifest's map with the given name bytes, otherwise valid. */
static GByteArray *
file_with_name (const char *name,
                gsize       length)
{
  GByteArray *b = g_byte_array_new ();

  mp_map (b, 6);
  mp_str (b, "v");
  mp_uint (b, 1);
  mp_str (b, "kind");
  mp_str (b, "file");
  mp_str (b, "name");
  mp_str_len (b, name, length);
  mp_str (b, "size");
  mp_uint (b, 0);
  mp_str (b, "chunk");
  mp_uint (b, CHUNK);
  mp_str (b, "hashes");
  mp_bin (b, NULL, 0);
  return b;
}

static void
test_reject_names (void)
{
  g_autoptr(GByteArray) nul = file_with_name ("a\0b", 3);
  g_autoptr(GByteArray) empty = file_with_name ("", 0);
  g_autofree char *long_name = g_strnfill (256, 'n');
  g_autoptr(GByteArray) too_long = file_with_name (long_name, 256);
  g_autoptr(GByteArray) bad_utf8 = file_with_name ("a\xff" "b", 3);
  g_autoptr(GByteArray) longest = file_with_name (long_name, 255);
  g_autoptr(GBytes) longest_bytes = g_bytes_new (longest->data, longest->len);
  g_autoptr(HormigaManifest) manifest = decode_ok (longest_bytes);

  assert_rejected (nul, HORMIGA_SHARE_ERROR_MALFORMED, "\"name\" in the file manifest contains a NUL");
  assert_rejected (empty, HORMIGA_SHARE_ERROR_MALFORMED, "\"name\"");
  assert_rejected (too_long, HORMIGA_SHARE_ERROR_TOO_LARGE, "\"name\" in the file manifest is 256 bytes; the limit is 255");
  assert_rejected (bad_utf8, HORMIGA_SHARE_ERROR_MALFORMED, "UTF-8");
  g_assert_cmpuint (strlen (manifest->name), ==, 255);
}

/* ---- rejections -------------------------------------------------------- */

/* A map of @n entries starting "v": @v, "kind": @kind. */
static GByteArray *
start (guint       n,
       guint64     v,
       const char *kind)
{
  GByteArray *b = g_byte_array_new ();

  mp_map (b, n);
  mp_str (b, "v");
  mp_uint (b, v);
  mp_str (b, "kind");
  mp_str (b, kind);
  return b;
}

/* "name": "f", "size": @size, "chunk": CHUNK, "hashes": @n_hashes × 32. */
static void
file_body (GByteArray *b,
           guint64     size,
           guint       n_hashes)
{
  mp_str (b, "name");
  mp_str (b, "f");
  mp_str (b, "size");
  mp_uint (b, size);
  mp_str (b, "chunk");
  mp_uint (b, CHUNK);
  mp_str (b, "hashes");
  mp_bin (b, NULL, n_hashes * 32);
}

static void
test_reject_structure (void)
{
  g_autoptr(GByteArray) b = NULL;

  /* Not a map; a map that does not start with "v" and "kind". */
  b = g_byte_array_new ();
  mp_array (b, 0);
  assert_rejected (b, HORMIGA_SHARE_ERROR_MALFORMED, "first fields are \"v\" and \"kind\"");
  g_clear_pointer (&b, g_byte_array_unref);
  b = g_byte_array_new ();
  mp_map (b, 2);
  mp_str (b, "kind");
  mp_str (b, "file");
  mp_str (b, "v");
  mp_uint (b, 1);
  assert_rejected (b, HORMIGA_SHARE_ERROR_MALFORMED, "first fields");
  g_clear_pointer (&b, g_byte_array_unref);

  /* Version. */
  b = start (6, 2, "file");
  file_body (b, 0, 0);
  assert_rejected (b, HORMIGA_SHARE_ERROR_UNKNOWN_TYPE, "manifest version 2 is unknown");
  g_clear_pointer (&b, g_byte_array_unref);
  b = g_byte_array_new ();
  mp_map (b, 6);
  mp_str (b, "v");
  mp_str (b, "1");
  mp_str (b, "kind");
  mp_str (b, "file");
  file_body (b, 0, 0);
  assert_rejected (b, HORMIGA_SHARE_ERROR_MALFORMED, "\"v\" in a manifest must be a uint");
  g_clear_pointer (&b, g_byte_array_unref);

  /* Kind. */
  b = start (6, 1, "symlink");
  file_body (b, 0, 0);
  assert_rejected (b, HORMIGA_SHARE_ERROR_UNKNOWN_TYPE, "manifest kind \"symlink\" is unknown");
  g_clear_pointer (&b, g_byte_array_unref);
  b = g_byte_array_new ();
  mp_map (b, 6);
  mp_str (b, "v");
  mp_uint (b, 1);
  mp_str (b, "kind");
  mp_uint (b, 0);
  file_body (b, 0, 0);
  assert_rejected (b, HORMIGA_SHARE_ERROR_MALFORMED, "\"kind\"");
  g_clear_pointer (&b, g_byte_array_unref);

  /* A missing field. */
  b = start (5, 1, "file");
  mp_str (b, "name");
  mp_str (b, "f");
  mp_str (b, "size");
  mp_uint (b, 0);
  mp_str (b, "chunk");
  mp_uint (b, CHUNK);
  assert_rejected (b, HORMIGA_SHARE_ERROR_MALFORMED, "the file manifest needs \"hashes\"; it is missing");
  g_clear_pointer (&b, g_byte_array_unref);

  /* A duplicate field. */
  b = start (7, 1, "file");
  mp_str (b, "name");
  mp_str (b, "f");
  file_body (b, 0, 0);
  assert_rejected (b, HORMIGA_SHARE_ERROR_MALFORMED, "\"name\" appears twice");
  g_clear_pointer (&b, g_byte_array_unref);

  /* An unknown field, and one of the other kind. */
  b = start (7, 1, "file");
  file_body (b, 0, 0);
  mp_str (b, "extra");
  mp_uint (b, 1);
  assert_rejected (b, HORMIGA_SHARE_ERROR_MALFORMED, "unknown field \"extra\"");
  g_clear_pointer (&b, g_byte_array_unref);
  b = start (5, 1, "folder");
  mp_str (b, "name");
  mp_str (b, "f");
  mp_str (b, "entries");
  mp_array (b, 0);
  mp_str (b, "hashes");
  mp_bin (b, NULL, 0);
  assert_rejected (b, HORMIGA_SHARE_ERROR_MALFORMED, "unknown field \"hashes\"");
  g_clear_pointer (&b, g_byte_array_unref);

  /* Out of order. */
  b = start (6, 1, "file");
  mp_str (b, "size");
  mp_uint (b, 0);
  mp_str (b, "name");
  mp_str (b, "f");
  mp_str (b, "chunk");
  mp_uint (b, CHUNK);
  mp_str (b, "hashes");
  mp_bin (b, NULL, 0);
  assert_rejected (b, HORMIGA_SHARE_ERROR_MALFORMED, "\"size\" is out of order");
  g_clear_pointer (&b, g_byte_array_unref);
  b = start (7, 1, "file");
  mp_str (b, "name");
  mp_str (b, "f");
  mp_str (b, "size");
  mp_uint (b, 0);
  mp_str (b, "chunk");
  mp_uint (b, CHUNK);
  mp_str (b, "mime");
  mp_str (b, "text/plain");
  mp_str (b, "hashes");
  mp_bin (b, NULL, 0);
  assert_rejected (b, HORMIGA_SHARE_ERROR_MALFORMED, "\"mime\" is out of order");
  g_clear_pointer (&b, g_byte_array_unref);

  /* A key that is not a str. */
  b = start (7, 1, "file");
  file_body (b, 0, 0);
  mp_uint (b, 1);
  mp_uint (b, 1);
  assert_rejected (b, HORMIGA_SHARE_ERROR_MALFORMED, "keys must be str");
  g_clear_pointer (&b, g_byte_array_unref);

  /* Trailing bytes. */
  b = start (6, 1, "file");
  file_body (b, 0, 0);
  mp_byte (b, 0xc0);
  assert_rejected (b, HORMIGA_SHARE_ERROR_MALFORMED, "manifest: ");
  g_clear_pointer (&b, g_byte_array_unref);

  /* Not canonical: a size in a wider form than it needs. */
  b = start (6, 1, "file");
  mp_str (b, "name");
  mp_str (b, "f");
  mp_str (b, "size");
  mp_byte (b, 0xcf);
  mp_be (b, 1, 8);
  mp_str (b, "chunk");
  mp_uint (b, CHUNK);
  mp_str (b, "hashes");
  mp_bin (b, NULL, 32);
  assert_rejected (b, HORMIGA_SHARE_ERROR_MALFORMED, "canonical form");
  g_clear_pointer (&b, g_byte_array_unref);

  /* Empty input. */
  b = g_byte_array_new ();
  assert_rejected (b, HORMIGA_SHARE_ERROR_MALFORMED, "manifest: ");
}

static void
test_reject_file_fields (void)
{
  g_autoptr(GByteArray) b = NULL;

  /* Wrong types. */
  b = start (6, 1, "file");
  mp_str (b, "name");
  mp_bin (b, (const guint8 *) "f", 1);
  mp_str (b, "size");
  mp_uint (b, 0);
  mp_str (b, "chunk");
  mp_uint (b, CHUNK);
  mp_str (b, "hashes");
  mp_bin (b, NULL, 0);
  assert_rejected (b, HORMIGA_SHARE_ERROR_MALFORMED, "\"name\" in the file manifest must be a str");
  g_clear_pointer (&b, g_byte_array_unref);

  b = start (6, 1, "file");
  mp_str (b, "name");
  mp_str (b, "f");
  mp_str (b, "size");
  mp_int64 (b, -1);
  mp_str (b, "chunk");
  mp_uint (b, CHUNK);
  mp_str (b, "hashes");
  mp_bin (b, NULL, 0);
  assert_rejected (b, HORMIGA_SHARE_ERROR_MALFORMED, "\"size\" in the file manifest must be a uint");
  g_clear_pointer (&b, g_byte_array_unref);

  b = start (6, 1, "file");
  mp_str (b, "name");
  mp_str (b, "f");
  mp_str (b, "size");
  mp_uint (b, 0);
  mp_str (b, "chunk");
  mp_uint (b, CHUNK);
  mp_str (b, "hashes");
  mp_str (b, "");
  assert_rejected (b, HORMIGA_SHARE_ERROR_MALFORMED, "\"hashes\" in the file manifest must be a bin");
  g_clear_pointer (&b, g_byte_array_unref);

  /* Chunk size out of range, both ends. */
  for (guint i = 0; i < 3; i++)
    {
      const guint64 chunks[] = { CHUNK - 1, HORMIGA_CONTENT_MAX_CHUNK_SIZE + 1, 0 };

      b = start (6, 1, "file");
      mp_str (b, "name");
      mp_str (b, "f");
      mp_str (b, "size");
      mp_uint (b, 0);
      mp_str (b, "chunk");
      mp_uint (b, chunks[i]);
      mp_str (b, "hashes");
      mp_bin (b, NULL, 0);
      assert_rejected (b, HORMIGA_SHARE_ERROR_MALFORMED,
                       "\"chunk\" in the file manifest must be a uint from 16384 to 261120");
      g_clear_pointer (&b, g_byte_array_unref);
    }

  /* Hash counts that do not follow from the size. */
  b = start (6, 1, "file");
  file_body (b, 1, 0);
  assert_rejected (b, HORMIGA_SHARE_ERROR_MALFORMED, "has 1 chunks");
  g_clear_pointer (&b, g_byte_array_unref);
  b = start (6, 1, "file");
  file_body (b, CHUNK + 1, 1);
  assert_rejected (b, HORMIGA_SHARE_ERROR_MALFORMED, "has 2 chunks");
  g_clear_pointer (&b, g_byte_array_unref);
  b = start (6, 1, "file");
  file_body (b, 0, 1);
  assert_rejected (b, HORMIGA_SHARE_ERROR_MALFORMED, "has 0 chunks");
  g_clear_pointer (&b, g_byte_array_unref);
  b = start (6, 1, "file");
  mp_str (b, "name");
  mp_str (b, "f");
  mp_str (b, "size");
  mp_uint (b, 1);
  mp_str (b, "chunk");
  mp_uint (b, CHUNK);
  mp_str (b, "hashes");
  mp_bin (b, NULL, 33);
  assert_rejected (b, HORMIGA_SHARE_ERROR_MALFORMED, "\"hashes\" in the file manifest is 33 bytes");
  g_clear_pointer (&b, g_byte_array_unref);
  /* A size whose chunk count no hashes could ever match. */
  b = start (6, 1, "file");
  file_body (b, G_MAXUINT64, 1);
  assert_rejected (b, HORMIGA_SHARE_ERROR_MALFORMED, "\"hashes\"");
  g_clear_pointer (&b, g_byte_array_unref);

  /* MIME type: empty, too long, NUL, wrong type. */
  {
    g_autofree char *long_mime = g_strnfill (HORMIGA_MANIFEST_MAX_MIME + 1, 'm');
    struct { const char *mime; gsize length; gint code; const char *fragment; } cases[] = {
      { "", 0, HORMIGA_SHARE_ERROR_MALFORMED, "\"mime\" in the file manifest must be a str of 1 to 127" },
      { long_mime, HORMIGA_MANIFEST_MAX_MIME + 1, HORMIGA_SHARE_ERROR_TOO_LARGE, "the limit is 127" },
      { "text/\0plain", 11, HORMIGA_SHARE_ERROR_MALFORMED, "NUL" },
    };

    for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
      {
        b = start (7, 1, "file");
        file_body (b, 0, 0);
        mp_str (b, "mime");
        mp_str_len (b, cases[i].mime, cases[i].length);
        assert_rejected (b, cases[i].code, cases[i].fragment);
        g_clear_pointer (&b, g_byte_array_unref);
      }
    b = start (7, 1, "file");
    file_body (b, 0, 0);
    mp_str (b, "mime");
    mp_uint (b, 5);
    assert_rejected (b, HORMIGA_SHARE_ERROR_MALFORMED, "\"mime\"");
    g_clear_pointer (&b, g_byte_array_unref);
  }

  /* Longest mime: accepted. */
  {
    g_autofree char *mime = g_strnfill (HORMIGA_MANIFEST_MAX_MIME, 'm');
    g_autoptr(GBytes) bytes = NULL;
    g_autoptr(HormigaManifest) manifest = NULL;

    b = start (7, 1, "file");
    file_body (b, 0, 0);
    mp_str (b, "mime");
    mp_str (b, mime);
    bytes = g_bytes_new (b->data, b->len);
    manifest = decode_ok (bytes);
    g_assert_cmpstr (manifest->mime, ==, mime);
  }
}

/* A folder manifest with entries written by @write. */
static GByteArray *
folder_start (guint n_entries)
{
  GByteArray *b = start (4, 1, "folder");

  mp_str (b, "name");
  mp_str (b, "d");
  mp_str (b, "entries");
  mp_array (b, n_entries);
  return b;
}

static void
entry (GByteArray *b,
       const char *path,
       gsize       path_length,
       guint       cid_length)
{
  mp_map (b, 3);
  mp_str (b, "path");
  mp_str_len (b, path, path_length);
  mp_str (b, "size");
  mp_uint (b, 1);
  mp_str (b, "cid");
  mp_bin (b, NULL, cid_length);
}

static void
test_reject_folder_fields (void)
{
  g_autoptr(GByteArray) b = NULL;
  g_autofree char *long_path = g_strnfill (HORMIGA_MANIFEST_MAX_PATH + 1, 'p');

  b = start (4, 1, "folder");
  mp_str (b, "name");
  mp_str (b, "d");
  mp_str (b, "entries");
  mp_map (b, 0);
  assert_rejected (b, HORMIGA_SHARE_ERROR_MALFORMED, "\"entries\" in the folder manifest must be an array");
  g_clear_pointer (&b, g_byte_array_unref);

  b = folder_start (1);
  mp_str (b, "a");
  assert_rejected (b, HORMIGA_SHARE_ERROR_MALFORMED, "\"entries[]\" in the folder manifest must be a");
  g_clear_pointer (&b, g_byte_array_unref);

  b = folder_start (1);
  mp_map (b, 2);
  mp_str (b, "path");
  mp_str (b, "a");
  mp_str (b, "size");
  mp_uint (b, 1);
  assert_rejected (b, HORMIGA_SHARE_ERROR_MALFORMED, "entries[0] of the folder manifest needs \"cid\"");
  g_clear_pointer (&b, g_byte_array_unref);

  b = folder_start (2);
  entry (b, "a", 1, 32);
  entry (b, "b", 1, 31);
  assert_rejected (b, HORMIGA_SHARE_ERROR_MALFORMED, "\"cid\" in entries[1] of the folder manifest must be a bin of 32 bytes");
  g_clear_pointer (&b, g_byte_array_unref);

  b = folder_start (1);
  entry (b, "", 0, 32);
  assert_rejected (b, HORMIGA_SHARE_ERROR_MALFORMED, "\"path\" in entries[0]");
  g_clear_pointer (&b, g_byte_array_unref);

  b = folder_start (1);
  entry (b, long_path, HORMIGA_MANIFEST_MAX_PATH + 1, 32);
  assert_rejected (b, HORMIGA_SHARE_ERROR_TOO_LARGE, "is 4097 bytes; the limit is 4096");
  g_clear_pointer (&b, g_byte_array_unref);

  b = folder_start (1);
  entry (b, "a\0/../../x", 10, 32);
  assert_rejected (b, HORMIGA_SHARE_ERROR_MALFORMED, "contains a NUL");
  g_clear_pointer (&b, g_byte_array_unref);

  b = folder_start (2);
  entry (b, "b", 1, 32);
  entry (b, "a", 1, 32);
  assert_rejected (b, HORMIGA_SHARE_ERROR_MALFORMED, "sorts before the previous one");
  g_clear_pointer (&b, g_byte_array_unref);

  b = folder_start (2);
  entry (b, "a", 1, 32);
  entry (b, "a", 1, 32);
  assert_rejected (b, HORMIGA_SHARE_ERROR_MALFORMED, "repeats the previous entry's");
  g_clear_pointer (&b, g_byte_array_unref);

  /* Paths are not judged here (hormiga-share-name.h makes them safe): a
   * hostile one decodes. */
  {
    g_autoptr(GBytes) bytes = NULL;
    g_autoptr(HormigaManifest) manifest = NULL;

    b = folder_start (2);
    entry (b, "../../x", 7, 32);
    entry (b, "/etc/passwd", 11, 32);
    bytes = g_bytes_new (b->data, b->len);
    manifest = decode_ok (bytes);
    g_assert_cmpuint (manifest->entries->len, ==, 2);
  }
}

static void
test_reject_limits (void)
{
  g_autoptr(GByteArray) b = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(HormigaManifest) manifest = NULL;

  /* 100,000 entries decode; 100,001 do not. */
  for (guint extra = 0; extra < 2; extra++)
    {
      guint n = HORMIGA_MANIFEST_MAX_ENTRIES + extra;

      b = folder_start (n);
      for (guint i = 0; i < n; i++)
        {
          char path[16];

          g_snprintf (path, sizeof path, "f%07u", i);
          entry (b, path, strlen (path), 32);
        }
      if (extra == 0)
        {
          bytes = g_bytes_new (b->data, b->len);
          manifest = decode_ok (bytes);
          g_assert_cmpuint (manifest->entries->len, ==, n);
        }
      else
        assert_rejected (b, HORMIGA_SHARE_ERROR_TOO_LARGE,
                         "\"entries\" in the folder manifest has 100001 elements; the limit is 100000");
      g_clear_pointer (&b, g_byte_array_unref);
    }

  /* Above 16 MiB. */
  {
    guint64 n = HORMIGA_MANIFEST_MAX_SIZE / 32;

    b = start (6, 1, "file");
    file_body (b, n * CHUNK, (guint) n);
    g_assert_cmpuint (b->len, >, HORMIGA_MANIFEST_MAX_SIZE);
    assert_rejected (b, HORMIGA_SHARE_ERROR_TOO_LARGE, "the limit is 16777216");
  }
}

static void
test_encode_limits (void)
{
  g_autoptr(HormigaManifest) folder = hormiga_manifest_new_folder ("d");
  g_autoptr(GBytes) encoded = NULL;
  HormigaContentId cid = { { 0 } };

  hormiga_manifest_add_entry (folder, "same", 1, &cid);
  hormiga_manifest_add_entry (folder, "same", 2, &cid);
  g_test_expect_message (G_LOG_DOMAIN, G_LOG_LEVEL_CRITICAL, "*have the path \"same\"*");
  encoded = hormiga_manifest_encode (folder);
  g_test_assert_expected_messages ();
  g_assert_null (encoded);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/hormiga/share-manifest/file-round-trip", test_file_round_trip);
  g_test_add_func ("/hormiga/share-manifest/file-exact-bytes", test_file_exact_bytes);
  g_test_add_func ("/hormiga/share-manifest/file-id-from-fields", test_file_id_from_fields);
  g_test_add_func ("/hormiga/share-manifest/folder-round-trip", test_folder_round_trip);
  g_test_add_func ("/hormiga/share-manifest/chunk-check", test_chunk_check);
  g_test_add_func ("/hormiga/share-manifest/reject-names", test_reject_names);
  g_test_add_func ("/hormiga/share-manifest/reject-structure", test_reject_structure);
  g_test_add_func ("/hormiga/share-manifest/reject-file-fields", test_reject_file_fields);
  g_test_add_func ("/hormiga/share-manifest/reject-folder-fields", test_reject_folder_fields);
  g_test_add_func ("/hormiga/share-manifest/reject-limits", test_reject_limits);
  g_test_add_func ("/hormiga/share-manifest/encode-limits", test_encode_limits);
  return g_test_run ();
}
