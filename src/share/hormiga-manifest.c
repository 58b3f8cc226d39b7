/* hormiga-manifest.c — what a content ID names: a file or a folder
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Decoding: hormiga_wire_check() bounds the bytes, msgpack-c unpacks them,
 * the fields are matched in their one order and checked one by one, and the
 * manifest encoded again must give back the same bytes (canonical form).
 */
#include <msgpack.h>
#include <sodium.h>
#include <string.h>

#include "hormiga-manifest.h"
#include "hormiga-msgpack.h"
#include "hormiga-share-codec-private.h"
#include "hormiga-share-error.h"

#define VERSION 1
#define FOLDER_ID_PREFIX "hormiga/folder/v1"

G_STATIC_ASSERT (HORMIGA_CONTENT_MIN_CHUNK_SIZE == 16384);
G_STATIC_ASSERT (HORMIGA_CONTENT_MAX_CHUNK_SIZE == 261120);

/* The fields of each kind, in their order. */
enum { F_V, F_KIND, F_NAME, F_SIZE, F_CHUNK, F_HASHES, F_MIME, N_FILE_FIELDS };
static const char *const file_fields[N_FILE_FIELDS] = {
  "v", "kind", "name", "size", "chunk", "hashes", "mime",
};
enum { D_V, D_KIND, D_NAME, D_ENTRIES, N_FOLDER_FIELDS };
static const char *const folder_fields[N_FOLDER_FIELDS] = {
  "v", "kind", "name", "entries",
};
enum { E_PATH, E_SIZE, E_CID, N_ENTRY_FIELDS };
static const char *const entry_fields[N_ENTRY_FIELDS] = {
  "path", "size", "cid",
};

/* ---- construction ------------------------------------------------------ */

static gboolean
text_ok (const char *text,
         gsize       max)
{
  gsize length;

  if (text == NULL)
    return FALSE;
  length = strlen (text);
  return length >= 1 && length <= max && g_utf8_validate_len (text, length, NULL);
}

static void
entry_free (HormigaManifestEntry *entry)
{
  g_free (entry->path);
  g_free (entry);
}

HormigaManifest *
hormiga_manifest_new_file (const char *name,
                           guint64     size,
                           guint32     chunk_size,
                           GBytes     *hashes,
                           const char *mime)
{
  HormigaManifest *manifest;

  g_return_val_if_fail (text_ok (name, HORMIGA_MANIFEST_MAX_NAME), NULL);
  g_return_val_if_fail (chunk_size >= HORMIGA_CONTENT_MIN_CHUNK_SIZE &&
                        chunk_size <= HORMIGA_CONTENT_MAX_CHUNK_SIZE, NULL);
  g_return_val_if_fail (hashes != NULL, NULL);
  g_return_val_if_fail (g_bytes_get_size (hashes) ==
                        hormiga_content_n_chunks (size, chunk_size) * HORMIGA_CONTENT_HASH_SIZE,
                        NULL);
  g_return_val_if_fail (mime == NULL || text_ok (mime, HORMIGA_MANIFEST_MAX_MIME), NULL);

  manifest = g_new0 (HormigaManifest, 1);
  manifest->kind = HORMIGA_MANIFEST_FILE;
  manifest->name = g_strdup (name);
  manifest->size = size;
  manifest->chunk_size = chunk_size;
  manifest->hashes = g_bytes_ref (hashes);
  manifest->mime = g_strdup (mime);
  return manifest;
}

HormigaManifest *
hormiga_manifest_new_folder (const char *name)
{
  HormigaManifest *manifest;

  g_return_val_if_fail (text_ok (name, HORMIGA_MANIFEST_MAX_NAME), NULL);

  manifest = g_new0 (HormigaManifest, 1);
  manifest->kind = HORMIGA_MANIFEST_FOLDER;
  manifest->name = g_strdup (name);
  manifest->entries = g_ptr_array_new_with_free_func ((GDestroyNotify) entry_free);
  return manifest;
}

void
hormiga_manifest_add_entry (HormigaManifest        *manifest,
                            const char             *path,
                            guint64                 size,
                            const HormigaContentId *cid)
{
  HormigaManifestEntry *entry;

  g_return_if_fail (manifest != NULL && manifest->kind == HORMIGA_MANIFEST_FOLDER);
  g_return_if_fail (text_ok (path, HORMIGA_MANIFEST_MAX_PATH));
  g_return_if_fail (cid != NULL);

  entry = g_new0 (HormigaManifestEntry, 1);
  entry->path = g_strdup (path);
  entry->size = size;
  entry->cid = *cid;
  g_ptr_array_add (manifest->entries, entry);
}

void
hormiga_manifest_free (HormigaManifest *manifest)
{
  if (manifest == NULL)
    return;

  g_free (manifest->name);
  g_clear_pointer (&manifest->hashes, g_bytes_unref);
  g_free (manifest->mime);
  g_clear_pointer (&manifest->entries, g_ptr_array_unref);
  g_free (manifest);
}

const char *
hormiga_manifest_kind_to_string (HormigaManifestKind kind)
{
  switch (kind)
    {
    case HORMIGA_MANIFEST_FILE:
      return "file";
    case HORMIGA_MANIFEST_FOLDER:
      return "folder";
    default:
      return "unknown";
    }
}

/* ---- queries ----------------------------------------------------------- */

guint64
hormiga_manifest_get_n_chunks (const HormigaManifest *manifest)
{
  g_return_val_if_fail (manifest != NULL, 0);

  if (manifest->kind != HORMIGA_MANIFEST_FILE || manifest->chunk_size == 0)
    return 0;
  return hormiga_content_n_chunks (manifest->size, manifest->chunk_size);
}

guint64
hormiga_manifest_get_total_size (const HormigaManifest *manifest)
{
  guint64 total = 0;

  g_return_val_if_fail (manifest != NULL, 0);

  if (manifest->kind == HORMIGA_MANIFEST_FILE)
    return manifest->size;
  for (guint i = 0; manifest->entries != NULL && i < manifest->entries->len; i++)
    {
      const HormigaManifestEntry *entry = g_ptr_array_index (manifest->entries, i);

      total = entry->size > G_MAXUINT64 - total ? G_MAXUINT64 : total + entry->size;
    }
  return total;
}

guint32
hormiga_manifest_get_chunk_length (const HormigaManifest *manifest,
                                   guint64                index)
{
  g_return_val_if_fail (manifest != NULL && manifest->kind == HORMIGA_MANIFEST_FILE, 0);
  g_return_val_if_fail (index < hormiga_manifest_get_n_chunks (manifest), 0);

  return hormiga_content_chunk_length (manifest->size, manifest->chunk_size, index);
}

const guint8 *
hormiga_manifest_get_chunk_hash (const HormigaManifest *manifest,
                                 guint64                index)
{
  const guint8 *hashes;
  gsize size = 0;

  g_return_val_if_fail (manifest != NULL && manifest->kind == HORMIGA_MANIFEST_FILE, NULL);

  hashes = g_bytes_get_data (manifest->hashes, &size);
  g_return_val_if_fail (index < size / HORMIGA_CONTENT_HASH_SIZE, NULL);
  return hashes + index * HORMIGA_CONTENT_HASH_SIZE;
}

gboolean
hormiga_manifest_check_chunk (const HormigaManifest  *manifest,
                              guint64                 index,
                              const guint8           *data,
                              gsize                   length,
                              GError                **error)
{
  guint8 hash[HORMIGA_CONTENT_HASH_SIZE];
  guint32 expected;

  g_return_val_if_fail (manifest != NULL && manifest->kind == HORMIGA_MANIFEST_FILE, FALSE);
  g_return_val_if_fail (index < hormiga_manifest_get_n_chunks (manifest), FALSE);
  g_return_val_if_fail (data != NULL || length == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  expected = hormiga_manifest_get_chunk_length (manifest, index);
  if (length != expected)
    {
      g_set_error (error, HORMIGA_SHARE_ERROR, HORMIGA_SHARE_ERROR_MISMATCH,
                   "chunk %" G_GUINT64_FORMAT " is %" G_GSIZE_FORMAT " bytes; the manifest "
                   "says %u", index, length, expected);
      return FALSE;
    }
  hormiga_content_hash_chunk (data, length, hash);
  if (sodium_memcmp (hash, hormiga_manifest_get_chunk_hash (manifest, index), sizeof hash) != 0)
    {
      g_set_error (error, HORMIGA_SHARE_ERROR, HORMIGA_SHARE_ERROR_MISMATCH,
                   "chunk %" G_GUINT64_FORMAT " does not match its hash in the manifest", index);
      return FALSE;
    }
  return TRUE;
}

/* ---- encoding ---------------------------------------------------------- */

static int
compare_entries (gconstpointer a,
                 gconstpointer b)
{
  const HormigaManifestEntry *entry_a = *(HormigaManifestEntry *const *) a;
  const HormigaManifestEntry *entry_b = *(HormigaManifestEntry *const *) b;

  return strcmp (entry_a->path, entry_b->path);  /* bytewise: unsigned chars */
}

static gboolean
file_fields_ok (const HormigaManifest *manifest)
{
  return manifest->chunk_size >= HORMIGA_CONTENT_MIN_CHUNK_SIZE &&
         manifest->chunk_size <= HORMIGA_CONTENT_MAX_CHUNK_SIZE &&
         manifest->hashes != NULL &&
         g_bytes_get_size (manifest->hashes) ==
           hormiga_content_n_chunks (manifest->size, manifest->chunk_size) *
           HORMIGA_CONTENT_HASH_SIZE &&
         (manifest->mime == NULL || text_ok (manifest->mime, HORMIGA_MANIFEST_MAX_MIME));
}

/**
 * hormiga_manifest_encode:
 * @manifest: a manifest within the limits of hormiga-manifest.h
 *
 * Encodes @manifest in canonical form (docs/PROTOCOL.md, "File sharing"):
 * the fields of its kind in their order, "mime" only when set, a folder's
 * entries sorted by path; every header in its shortest form.
 *
 * Returns: (transfer full) (nullable): the bytes; %NULL with a critical
 *   warning if a field is beyond its limit, two entries share a path or
 *   the encoding is above %HORMIGA_MANIFEST_MAX_SIZE
 */
GBytes *
hormiga_manifest_encode (const HormigaManifest *manifest)
{
  g_autoptr(GByteArray) buffer = NULL;
  g_autoptr(GPtrArray) sorted = NULL;
  msgpack_packer packer;

  g_return_val_if_fail (manifest != NULL, NULL);
  g_return_val_if_fail (manifest->kind == HORMIGA_MANIFEST_FILE ||
                        manifest->kind == HORMIGA_MANIFEST_FOLDER, NULL);
  g_return_val_if_fail (text_ok (manifest->name, HORMIGA_MANIFEST_MAX_NAME), NULL);

  if (manifest->kind == HORMIGA_MANIFEST_FILE)
    g_return_val_if_fail (file_fields_ok (manifest), NULL);
  else
    {
      g_return_val_if_fail (manifest->entries != NULL, NULL);
      g_return_val_if_fail (manifest->entries->len <= HORMIGA_MANIFEST_MAX_ENTRIES, NULL);

      sorted = g_ptr_array_sized_new (manifest->entries->len);
      for (guint i = 0; i < manifest->entries->len; i++)
        {
          HormigaManifestEntry *entry = g_ptr_array_index (manifest->entries, i);

          g_return_val_if_fail (entry != NULL && text_ok (entry->path, HORMIGA_MANIFEST_MAX_PATH),
                                NULL);
          g_ptr_array_add (sorted, entry);
        }
      g_ptr_array_sort (sorted, compare_entries);
      for (guint i = 1; i < sorted->len; i++)
        if (compare_entries (&sorted->pdata[i - 1], &sorted->pdata[i]) == 0)
          {
            g_critical ("%s: two entries of the folder manifest have the path \"%s\"; each "
                        "path may appear once", G_STRFUNC,
                        ((HormigaManifestEntry *) sorted->pdata[i])->path);
            return NULL;
          }
    }

  buffer = g_byte_array_sized_new (manifest->kind == HORMIGA_MANIFEST_FILE
                                   ? 96 + (guint) g_bytes_get_size (manifest->hashes)
                                   : 64 + 64 * sorted->len);
  msgpack_packer_init (&packer, buffer, hormiga_msgpack_append);

  if (manifest->kind == HORMIGA_MANIFEST_FILE)
    {
      gsize size = 0;
      const void *hashes = g_bytes_get_data (manifest->hashes, &size);

      msgpack_pack_map (&packer, manifest->mime != NULL ? 7 : 6);
      hormiga_msgpack_pack_str (&packer, "v");
      msgpack_pack_uint64 (&packer, VERSION);
      hormiga_msgpack_pack_str (&packer, "kind");
      hormiga_msgpack_pack_str (&packer, "file");
      hormiga_msgpack_pack_str (&packer, "name");
      hormiga_msgpack_pack_str (&packer, manifest->name);
      hormiga_msgpack_pack_str (&packer, "size");
      msgpack_pack_uint64 (&packer, manifest->size);
      hormiga_msgpack_pack_str (&packer, "chunk");
      msgpack_pack_uint64 (&packer, manifest->chunk_size);
      hormiga_msgpack_pack_str (&packer, "hashes");
      hormiga_msgpack_pack_bin (&packer, hashes, size);
      if (manifest->mime != NULL)
        {
          hormiga_msgpack_pack_str (&packer, "mime");
          hormiga_msgpack_pack_str (&packer, manifest->mime);
        }
    }
  else
    {
      msgpack_pack_map (&packer, 4);
      hormiga_msgpack_pack_str (&packer, "v");
      msgpack_pack_uint64 (&packer, VERSION);
      hormiga_msgpack_pack_str (&packer, "kind");
      hormiga_msgpack_pack_str (&packer, "folder");
      hormiga_msgpack_pack_str (&packer, "name");
      hormiga_msgpack_pack_str (&packer, manifest->name);
      hormiga_msgpack_pack_str (&packer, "entries");
      msgpack_pack_array (&packer, sorted->len);
      for (guint i = 0; i < sorted->len; i++)
        {
          const HormigaManifestEntry *entry = g_ptr_array_index (sorted, i);

          msgpack_pack_map (&packer, 3);
          hormiga_msgpack_pack_str (&packer, "path");
          hormiga_msgpack_pack_str (&packer, entry->path);
          hormiga_msgpack_pack_str (&packer, "size");
          msgpack_pack_uint64 (&packer, entry->size);
          hormiga_msgpack_pack_str (&packer, "cid");
          hormiga_msgpack_pack_bin (&packer, entry->cid.bytes, HORMIGA_CONTENT_HASH_SIZE);
        }
    }

  if (buffer->len > HORMIGA_MANIFEST_MAX_SIZE)
    {
      g_critical ("%s: this %s manifest would be %u bytes; the limit is %u (use larger chunks "
                  "or split the folder)", G_STRFUNC,
                  hormiga_manifest_kind_to_string (manifest->kind), buffer->len,
                  (guint) HORMIGA_MANIFEST_MAX_SIZE);
      return NULL;
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&buffer));
}

static void
folder_id (const guint8     *encoded,
           gsize             length,
           HormigaContentId *out)
{
  crypto_generichash_state state;

  _hormiga_share_init_sodium ();
  crypto_generichash_init (&state, NULL, 0, HORMIGA_CONTENT_HASH_SIZE);
  crypto_generichash_update (&state, (const guint8 *) FOLDER_ID_PREFIX,
                             strlen (FOLDER_ID_PREFIX));
  crypto_generichash_update (&state, encoded, length);
  crypto_generichash_final (&state, out->bytes, HORMIGA_CONTENT_HASH_SIZE);
}

gboolean
hormiga_manifest_get_id (const HormigaManifest *manifest,
                         HormigaContentId      *out)
{
  g_autoptr(GBytes) encoded = NULL;

  g_return_val_if_fail (manifest != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  if (manifest->kind == HORMIGA_MANIFEST_FILE)
    {
      g_return_val_if_fail (file_fields_ok (manifest), FALSE);
      return hormiga_content_file_id (g_bytes_get_data (manifest->hashes, NULL),
                                      (guint) hormiga_manifest_get_n_chunks (manifest),
                                      manifest->size, manifest->chunk_size, out);
    }

  encoded = hormiga_manifest_encode (manifest);
  if (encoded == NULL)
    return FALSE;
  folder_id (g_bytes_get_data (encoded, NULL), g_bytes_get_size (encoded), out);
  return TRUE;
}

/* ---- decoding ---------------------------------------------------------- */

static gboolean
decode_file (const msgpack_object  **values,
             HormigaManifest        *manifest,
             GError                **error)
{
  static const char what[] = "the file manifest";
  const msgpack_object *hashes = values[F_HASHES];
  guint64 chunk = 0;
  guint64 n_chunks;

  if (!_hormiga_share_get_text (values[F_NAME], what, "name", 1, HORMIGA_MANIFEST_MAX_NAME,
                                &manifest->name, error) ||
      !_hormiga_share_get_uint (values[F_SIZE], what, "size", G_MAXUINT64, &manifest->size,
                                error))
    return FALSE;

  if (values[F_CHUNK]->type != MSGPACK_OBJECT_POSITIVE_INTEGER ||
      values[F_CHUNK]->via.u64 < HORMIGA_CONTENT_MIN_CHUNK_SIZE ||
      values[F_CHUNK]->via.u64 > HORMIGA_CONTENT_MAX_CHUNK_SIZE)
    return _hormiga_share_set_wrong (error, what, "chunk",
                                     "a uint from 16384 to 261120",
                                     values[F_CHUNK]);
  chunk = values[F_CHUNK]->via.u64;
  manifest->chunk_size = (guint32) chunk;

  if (hashes->type != MSGPACK_OBJECT_BIN)
    return _hormiga_share_set_wrong (error, what, "hashes",
                                     "a bin of 32 bytes per chunk", hashes);
  n_chunks = hormiga_content_n_chunks (manifest->size, manifest->chunk_size);
  if (hashes->via.bin.size % HORMIGA_CONTENT_HASH_SIZE != 0 ||
      hashes->via.bin.size / HORMIGA_CONTENT_HASH_SIZE != n_chunks)
    {
      g_set_error (error, HORMIGA_SHARE_ERROR, HORMIGA_SHARE_ERROR_MALFORMED,
                   "\"hashes\" in the file manifest is %u bytes; a file of %" G_GUINT64_FORMAT
                   " bytes in chunks of %u bytes has %" G_GUINT64_FORMAT " chunks, so it "
                   "needs %" G_GUINT64_FORMAT " × 32 bytes", hashes->via.bin.size,
                   manifest->size, manifest->chunk_size, n_chunks, n_chunks);
      return FALSE;
    }
  manifest->hashes = g_bytes_new (hashes->via.bin.ptr, hashes->via.bin.size);

  if (values[F_MIME] != NULL &&
      !_hormiga_share_get_text (values[F_MIME], what, "mime", 1, HORMIGA_MANIFEST_MAX_MIME,
                                &manifest->mime, error))
    return FALSE;
  return TRUE;
}

static gboolean
decode_folder (const msgpack_object  **values,
               HormigaManifest        *manifest,
               GError                **error)
{
  static const char what[] = "the folder manifest";
  const msgpack_object *entries = values[D_ENTRIES];

  if (!_hormiga_share_get_text (values[D_NAME], what, "name", 1, HORMIGA_MANIFEST_MAX_NAME,
                                &manifest->name, error))
    return FALSE;

  if (entries->type != MSGPACK_OBJECT_ARRAY)
    return _hormiga_share_set_wrong (error, what, "entries",
                                     "an array of {\"path\", \"size\", \"cid\"} maps", entries);
  if (entries->via.array.size > HORMIGA_MANIFEST_MAX_ENTRIES)
    {
      g_set_error (error, HORMIGA_SHARE_ERROR, HORMIGA_SHARE_ERROR_TOO_LARGE,
                   "\"entries\" in the folder manifest has %u elements; the limit is %u",
                   entries->via.array.size, (guint) HORMIGA_MANIFEST_MAX_ENTRIES);
      return FALSE;
    }

  for (guint32 i = 0; i < entries->via.array.size; i++)
    {
      const msgpack_object *element = &entries->via.array.ptr[i];
      const msgpack_object *fields[N_ENTRY_FIELDS];
      g_autofree char *entry_what = g_strdup_printf ("entries[%u] of the folder manifest", i);
      g_autoptr(GError) local_error = NULL;
      HormigaManifestEntry *entry;

      if (element->type != MSGPACK_OBJECT_MAP)
        return _hormiga_share_set_wrong (error, what, "entries[]",
                                         "a {\"path\", \"size\", \"cid\"} map", element);
      if (!_hormiga_share_match_fields (&element->via.map, entry_what, entry_fields,
                                        N_ENTRY_FIELDS, 0, fields, error))
        return FALSE;

      entry = g_new0 (HormigaManifestEntry, 1);
      g_ptr_array_add (manifest->entries, entry);
      if (!_hormiga_share_get_text (fields[E_PATH], entry_what, "path", 1,
                                    HORMIGA_MANIFEST_MAX_PATH, &entry->path, error) ||
          !_hormiga_share_get_uint (fields[E_SIZE], entry_what, "size", G_MAXUINT64,
                                    &entry->size, error) ||
          !_hormiga_share_get_hash (fields[E_CID], entry_what, "cid", entry->cid.bytes, error))
        return FALSE;

      if (i > 0)
        {
          const HormigaManifestEntry *previous = g_ptr_array_index (manifest->entries, i - 1);

          if (strcmp (previous->path, entry->path) >= 0)
            {
              g_autofree char *quoted = hormiga_msgpack_quote_text (entry->path,
                                                                    strlen (entry->path));

              g_set_error (error, HORMIGA_SHARE_ERROR, HORMIGA_SHARE_ERROR_MALFORMED,
                           "\"path\" %s of entries[%u] of the folder manifest %s; entries are "
                           "sorted by path, bytewise, each path once", quoted, i,
                           strcmp (previous->path, entry->path) == 0
                           ? "repeats the previous entry's" : "sorts before the previous one");
              return FALSE;
            }
        }
    }
  return TRUE;
}

/* Looser than the field limits where that lets a field slightly over its
 * limit get an error naming it. */
static const HormigaWireLimits manifest_limits = {
  .max_frame_size = HORMIGA_MANIFEST_MAX_SIZE,
  .max_depth = 3,
  .max_string_length = 2 * HORMIGA_MANIFEST_MAX_PATH,
  .max_binary_length = HORMIGA_MANIFEST_MAX_SIZE,
  .max_array_length = HORMIGA_MANIFEST_MAX_ENTRIES + 1,
  .max_map_length = 16,
  .max_total_items = 7 * (HORMIGA_MANIFEST_MAX_ENTRIES + 1) + 64,
};

static HormigaManifest *
manifest_from_object (const msgpack_object  *root,
                      GError               **error)
{
  g_autoptr(HormigaManifest) manifest = NULL;
  const msgpack_object *file_values[N_FILE_FIELDS];
  const msgpack_object *folder_values[N_FOLDER_FIELDS];
  const msgpack_object_map *map;
  const msgpack_object *version, *kind;

  if (root->type != MSGPACK_OBJECT_MAP || root->via.map.size < 2 ||
      !hormiga_msgpack_key_is (&root->via.map.ptr[0].key, "v") ||
      !hormiga_msgpack_key_is (&root->via.map.ptr[1].key, "kind"))
    {
      g_autofree char *description = hormiga_msgpack_describe (root);

      g_set_error (error, HORMIGA_SHARE_ERROR, HORMIGA_SHARE_ERROR_MALFORMED,
                   "a manifest is a map whose first fields are \"v\" and \"kind\"; got %s",
                   description);
      return NULL;
    }
  map = &root->via.map;
  version = &map->ptr[0].val;
  kind = &map->ptr[1].val;

  if (version->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
    {
      _hormiga_share_set_wrong (error, "a manifest", "v", "a uint", version);
      return NULL;
    }
  if (version->via.u64 != VERSION)
    {
      g_set_error (error, HORMIGA_SHARE_ERROR, HORMIGA_SHARE_ERROR_UNKNOWN_TYPE,
                   "manifest version %" G_GUINT64_FORMAT " is unknown; this node reads "
                   "version 1 (a newer Hormiga may read it)", (guint64) version->via.u64);
      return NULL;
    }
  if (kind->type != MSGPACK_OBJECT_STR)
    {
      _hormiga_share_set_wrong (error, "a manifest", "kind", "the str \"file\" or \"folder\"",
                                kind);
      return NULL;
    }

  manifest = g_new0 (HormigaManifest, 1);
  if (hormiga_msgpack_key_is (kind, "file"))
    {
      manifest->kind = HORMIGA_MANIFEST_FILE;
      if (!_hormiga_share_match_fields (map, "the file manifest", file_fields, N_FILE_FIELDS,
                                        1u << F_MIME, file_values, error) ||
          !decode_file (file_values, manifest, error))
        return NULL;
    }
  else if (hormiga_msgpack_key_is (kind, "folder"))
    {
      manifest->kind = HORMIGA_MANIFEST_FOLDER;
      manifest->entries = g_ptr_array_new_with_free_func ((GDestroyNotify) entry_free);
      if (!_hormiga_share_match_fields (map, "the folder manifest", folder_fields,
                                        N_FOLDER_FIELDS, 0, folder_values, error) ||
          !decode_folder (folder_values, manifest, error))
        return NULL;
    }
  else
    {
      g_autofree char *quoted = hormiga_msgpack_quote_text (kind->via.str.ptr, kind->via.str.size);

      g_set_error (error, HORMIGA_SHARE_ERROR, HORMIGA_SHARE_ERROR_UNKNOWN_TYPE,
                   "manifest kind %s is unknown; this node knows \"file\" and \"folder\"",
                   quoted);
      return NULL;
    }
  return g_steal_pointer (&manifest);
}

/**
 * hormiga_manifest_decode:
 * @bytes: an encoded manifest from a peer
 * @error: return location for a #HORMIGA_SHARE_ERROR
 *
 * Decodes and checks a manifest: everything docs/PROTOCOL.md ("File
 * sharing") does not allow is refused with %HORMIGA_SHARE_ERROR_TOO_LARGE
 * (above a size or count limit), %HORMIGA_SHARE_ERROR_UNKNOWN_TYPE (another
 * version or kind) or %HORMIGA_SHARE_ERROR_MALFORMED (the rest, including
 * bytes that are not the canonical encoding of what they hold).
 *
 * Returns: (transfer full) (nullable): the manifest, or %NULL with @error set
 */
HormigaManifest *
hormiga_manifest_decode (GBytes  *bytes,
                         GError **error)
{
  g_autoptr(HormigaManifest) manifest = NULL;
  g_autoptr(GBytes) canonical = NULL;
  msgpack_unpacked unpacked;
  const guint8 *data;
  gsize length = 0;

  g_return_val_if_fail (bytes != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  data = g_bytes_get_data (bytes, &length);
  msgpack_unpacked_init (&unpacked);
  if (_hormiga_share_unpack (data, length, &manifest_limits, "manifest", &unpacked, error))
    manifest = manifest_from_object (&unpacked.data, error);
  msgpack_unpacked_destroy (&unpacked);
  if (manifest == NULL)
    return NULL;

  canonical = hormiga_manifest_encode (manifest);
  if (canonical == NULL || !g_bytes_equal (canonical, bytes))
    {
      g_set_error (error, HORMIGA_SHARE_ERROR, HORMIGA_SHARE_ERROR_MALFORMED,
                   "the manifest is not in canonical form; every integer and every str, bin, "
                   "array and map header must take its shortest form");
      return NULL;
    }
  return g_steal_pointer (&manifest);
}

HormigaManifest *
hormiga_manifest_decode_expecting (GBytes                  *bytes,
                                   const HormigaContentId  *expected,
                                   GError                 **error)
{
  g_autoptr(HormigaManifest) manifest = NULL;
  HormigaContentId id;

  g_return_val_if_fail (bytes != NULL, NULL);
  g_return_val_if_fail (expected != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  manifest = hormiga_manifest_decode (bytes, error);
  if (manifest == NULL)
    return NULL;

  if (manifest->kind == HORMIGA_MANIFEST_FILE)
    hormiga_manifest_get_id (manifest, &id);
  else
    folder_id (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), &id);
  if (!hormiga_content_id_equal (&id, expected))
    {
      g_set_error (error, HORMIGA_SHARE_ERROR, HORMIGA_SHARE_ERROR_MISMATCH,
                   "the manifest does not match the link's content ID");
      return NULL;
    }
  return g_steal_pointer (&manifest);
}
