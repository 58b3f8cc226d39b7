/* fuzz-share-manifest.c — libFuzzer target for manifests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every input either fails with one of the decoder's HORMIGA_SHARE_ERROR
 * codes and a UTF-8 message, or is a manifest that keeps every promise of
 * hormiga-manifest.h: within the limits, the canonical encoding of itself,
 * its ID accepted by decode_expecting() (and another refused). Its names
 * and paths, sanitized, stay single relative components. The seeds are
 * file and folder manifests, a few of them invalid.
 */
#include <glib.h>
#include <stdint.h>
#include <string.h>

#include "hormiga-manifest.h"
#include "hormiga-share-error.h"
#include "hormiga-share-name.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
assert_text (const char *text,
             gsize       max_length)
{
  gsize length = strlen (text);

  g_assert_cmpuint (length, >=, 1);
  g_assert_cmpuint (length, <=, max_length);
  g_assert_true (g_utf8_validate (text, (gssize) length, NULL));
}

static void
assert_safe_path (const char *relative)
{
  g_autofree char *name = hormiga_share_sanitize_name (relative);
  g_autofree char *path = hormiga_share_sanitize_path (relative);
  g_auto(GStrv) parts = NULL;

  assert_text (name, HORMIGA_SHARE_NAME_MAX);
  g_assert_null (strchr (name, '/'));
  g_assert_cmpstr (name, !=, ".");
  g_assert_cmpstr (name, !=, "..");

  g_assert_false (g_path_is_absolute (path));
  parts = g_strsplit (path, G_DIR_SEPARATOR_S, -1);
  g_assert_cmpuint (g_strv_length (parts), >=, 1);
  g_assert_cmpuint (g_strv_length (parts), <=, HORMIGA_SHARE_PATH_MAX_DEPTH);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      assert_text (parts[i], HORMIGA_SHARE_NAME_MAX);
      g_assert_cmpstr (parts[i], !=, ".");
      g_assert_cmpstr (parts[i], !=, "..");
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GBytes) bytes = g_bytes_new (data, size);
  g_autoptr(GError) error = NULL;
  g_autoptr(HormigaManifest) manifest = hormiga_manifest_decode (bytes, &error);
  g_autoptr(HormigaManifest) checked = NULL;
  g_autoptr(GBytes) again = NULL;
  HormigaContentId id, other;

  if (manifest == NULL)
    {
      g_assert_nonnull (error);
      g_assert_true (error->domain == HORMIGA_SHARE_ERROR);
      g_assert_true (error->code == HORMIGA_SHARE_ERROR_MALFORMED ||
                     error->code == HORMIGA_SHARE_ERROR_UNKNOWN_TYPE ||
                     error->code == HORMIGA_SHARE_ERROR_TOO_LARGE);
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
      return 0;
    }
  g_assert_no_error (error);

  g_assert_cmpuint (size, <=, HORMIGA_MANIFEST_MAX_SIZE);
  assert_text (manifest->name, HORMIGA_MANIFEST_MAX_NAME);
  assert_safe_path (manifest->name);
  if (manifest->kind == HORMIGA_MANIFEST_FILE)
    {
      g_assert_cmpuint (manifest->chunk_size, >=, HORMIGA_CONTENT_MIN_CHUNK_SIZE);
      g_assert_cmpuint (manifest->chunk_size, <=, HORMIGA_CONTENT_MAX_CHUNK_SIZE);
      g_assert_cmpuint (g_bytes_get_size (manifest->hashes), ==,
                        hormiga_manifest_get_n_chunks (manifest) * HORMIGA_CONTENT_HASH_SIZE);
      if (manifest->mime != NULL)
        assert_text (manifest->mime, HORMIGA_MANIFEST_MAX_MIME);
      g_assert_null (manifest->entries);
    }
  else
    {
      g_assert_cmpint (manifest->kind, ==, HORMIGA_MANIFEST_FOLDER);
      g_assert_nonnull (manifest->entries);
      g_assert_cmpuint (manifest->entries->len, <=, HORMIGA_MANIFEST_MAX_ENTRIES);
      g_assert_null (manifest->hashes);
      for (guint i = 0; i < manifest->entries->len; i++)
        {
          const HormigaManifestEntry *entry = g_ptr_array_index (manifest->entries, i);

          assert_text (entry->path, HORMIGA_MANIFEST_MAX_PATH);
          assert_safe_path (entry->path);
          if (i > 0)
            g_assert_cmpint (strcmp (((HormigaManifestEntry *)
                                      g_ptr_array_index (manifest->entries, i - 1))->path,
                                     entry->path), <, 0);
        }
    }

  again = hormiga_manifest_encode (manifest);
  g_assert_true (g_bytes_equal (again, bytes));

  g_assert_true (hormiga_manifest_get_id (manifest, &id));
  checked = hormiga_manifest_decode_expecting (bytes, &id, &error);
  g_assert_no_error (error);
  g_assert_nonnull (checked);
  g_clear_pointer (&checked, hormiga_manifest_free);

  other = id;
  other.bytes[31] ^= 0x80;
  checked = hormiga_manifest_decode_expecting (bytes, &other, &error);
  g_assert_null (checked);
  g_assert_error (error, HORMIGA_SHARE_ERROR, HORMIGA_SHARE_ERROR_MISMATCH);
  return 0;
}
