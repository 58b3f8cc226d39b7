/* hormiga-content-hasher.c — hashing a file as it is read, and off the main loop
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <sodium.h>
#include <string.h>

#include "hormiga-content-hasher.h"
#include "hormiga-share-codec-private.h"

#define READ_BLOCK (1024 * 1024)

struct _HormigaContentHasher
{
  guint32                   chunk_size;
  guint64                   size;
  guint32                   filled;   /* bytes of the current chunk hashed so far */
  crypto_generichash_state  state;    /* the current chunk's */
  GByteArray               *hashes;
  gboolean                  finished;
};

HormigaContentHasher *
hormiga_content_hasher_new (guint32 chunk_size)
{
  HormigaContentHasher *hasher;

  g_return_val_if_fail (chunk_size >= HORMIGA_CONTENT_MIN_CHUNK_SIZE &&
                        chunk_size <= HORMIGA_CONTENT_MAX_CHUNK_SIZE, NULL);

  _hormiga_share_init_sodium ();
  hasher = g_new0 (HormigaContentHasher, 1);
  hasher->chunk_size = chunk_size;
  hasher->hashes = g_byte_array_new ();
  crypto_generichash_init (&hasher->state, NULL, 0, HORMIGA_CONTENT_HASH_SIZE);
  return hasher;
}

void
hormiga_content_hasher_free (HormigaContentHasher *hasher)
{
  if (hasher == NULL)
    return;

  g_clear_pointer (&hasher->hashes, g_byte_array_unref);
  sodium_memzero (&hasher->state, sizeof hasher->state);
  g_free (hasher);
}

static void
end_chunk (HormigaContentHasher *hasher)
{
  guint8 hash[HORMIGA_CONTENT_HASH_SIZE];

  crypto_generichash_final (&hasher->state, hash, sizeof hash);
  g_byte_array_append (hasher->hashes, hash, sizeof hash);
  crypto_generichash_init (&hasher->state, NULL, 0, HORMIGA_CONTENT_HASH_SIZE);
  hasher->filled = 0;
}

void
hormiga_content_hasher_update (HormigaContentHasher *hasher,
                               const guint8         *data,
                               gsize                 length)
{
  g_return_if_fail (hasher != NULL);
  g_return_if_fail (!hasher->finished);
  g_return_if_fail (data != NULL || length == 0);

  while (length > 0)
    {
      gsize take = MIN (length, (gsize) (hasher->chunk_size - hasher->filled));

      /* A chunk ends only when more bytes follow it or at finish(), so an
       * exact multiple of the chunk size gives no empty last chunk. */
      if (take == 0)
        {
          end_chunk (hasher);
          continue;
        }
      crypto_generichash_update (&hasher->state, data, take);
      hasher->filled += (guint32) take;
      hasher->size += take;
      data += take;
      length -= take;
    }
}

guint64
hormiga_content_hasher_get_size (const HormigaContentHasher *hasher)
{
  g_return_val_if_fail (hasher != NULL, 0);

  return hasher->size;
}

GBytes *
hormiga_content_hasher_finish (HormigaContentHasher *hasher,
                               HormigaContentId     *id)
{
  guint n;

  g_return_val_if_fail (hasher != NULL, NULL);
  g_return_val_if_fail (!hasher->finished, NULL);

  hasher->finished = TRUE;
  if (hasher->filled > 0)
    end_chunk (hasher);
  n = hasher->hashes->len / HORMIGA_CONTENT_HASH_SIZE;
  if (id != NULL)
    hormiga_content_file_id (hasher->hashes->data, n, hasher->size, hasher->chunk_size, id);
  return g_bytes_new (hasher->hashes->data, hasher->hashes->len);
}

/* ---- files --------------------------------------------------------------- */

static char *
file_display_path (GFile *file)
{
  g_autofree char *path = g_file_get_path (file);

  if (path != NULL)
    return g_filename_display_name (path);
  return g_file_get_parse_name (file);
}

static char *
file_manifest_name (GFile *file)
{
  g_autofree char *basename = g_file_get_basename (file);
  char *name;

  if (basename == NULL || basename[0] == '\0' || strcmp (basename, "/") == 0)
    return g_strdup ("file");
  name = g_filename_display_name (basename);
  /* A manifest name has at most 255 bytes: cut on a character boundary. */
  if (strlen (name) > HORMIGA_MANIFEST_MAX_NAME)
    {
      const char *end = g_utf8_find_prev_char (name, name + HORMIGA_MANIFEST_MAX_NAME + 1);

      name[end - name] = '\0';
    }
  return name;
}

typedef struct
{
  GFile   *file;
  guint32  chunk_size;
} HashJob;

static void
hash_job_free (HashJob *job)
{
  g_clear_object (&job->file);
  g_free (job);
}

HormigaManifest *
hormiga_content_hash_file (GFile         *file,
                           guint32        chunk_size,
                           GCancellable  *cancellable,
                           GError       **error)
{
  g_autoptr(HormigaContentHasher) hasher = NULL;
  g_autoptr(GFileInputStream) stream = NULL;
  g_autoptr(GError) local = NULL;
  g_autoptr(GBytes) hashes = NULL;
  g_autofree guint8 *block = NULL;
  g_autofree char *name = NULL;
  g_autofree char *mime = NULL;

  g_return_val_if_fail (G_IS_FILE (file), NULL);
  g_return_val_if_fail (chunk_size >= HORMIGA_CONTENT_MIN_CHUNK_SIZE &&
                        chunk_size <= HORMIGA_CONTENT_MAX_CHUNK_SIZE, NULL);

  stream = g_file_read (file, cancellable, &local);
  if (stream == NULL)
    {
      g_autofree char *path = file_display_path (file);

      if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_propagate_error (error, g_steal_pointer (&local));
      else
        g_set_error (error, local->domain, local->code, "could not open %s to share it: %s", path,
                     local->message);
      return NULL;
    }

  hasher = hormiga_content_hasher_new (chunk_size);
  block = g_malloc (READ_BLOCK);
  for (;;)
    {
      gsize n_read = 0;

      if (!g_input_stream_read_all (G_INPUT_STREAM (stream), block, READ_BLOCK, &n_read,
                                    cancellable, &local))
        {
          g_autofree char *path = file_display_path (file);

          if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            g_propagate_error (error, g_steal_pointer (&local));
          else
            g_set_error (error, local->domain, local->code,
                         "could not read %s after %" G_GUINT64_FORMAT " bytes: %s",
                         path, hormiga_content_hasher_get_size (hasher), local->message);
          return NULL;
        }
      if (n_read == 0)
        break;
      hormiga_content_hasher_update (hasher, block, n_read);
      if (n_read < READ_BLOCK)
        break;
    }

  hashes = hormiga_content_hasher_finish (hasher, NULL);
  name = file_manifest_name (file);
  {
    g_autofree char *type = g_content_type_guess (name, NULL, 0, NULL);

    mime = g_content_type_get_mime_type (type);
    if (mime != NULL && (strlen (mime) > HORMIGA_MANIFEST_MAX_MIME ||
                         strcmp (mime, "application/octet-stream") == 0))
      g_clear_pointer (&mime, g_free);
  }
  return hormiga_manifest_new_file (name, hormiga_content_hasher_get_size (hasher),
                                    chunk_size, hashes, mime);
}

static void
hash_file_thread (GTask        *task,
                  gpointer      source_object,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  HashJob *job = task_data;
  GError *error = NULL;
  HormigaManifest *manifest = hormiga_content_hash_file (job->file, job->chunk_size, cancellable,
                                                         &error);

  if (manifest == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, manifest, (GDestroyNotify) hormiga_manifest_free);
}

void
hormiga_content_hash_file_async (GFile               *file,
                                 guint32              chunk_size,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  HashJob *job;

  g_return_if_fail (G_IS_FILE (file));
  g_return_if_fail (chunk_size >= HORMIGA_CONTENT_MIN_CHUNK_SIZE &&
                    chunk_size <= HORMIGA_CONTENT_MAX_CHUNK_SIZE);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  job = g_new0 (HashJob, 1);
  job->file = g_object_ref (file);
  job->chunk_size = chunk_size;
  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, hormiga_content_hash_file_async);
  g_task_set_name (task, "[hormiga] hash file");
  g_task_set_task_data (task, job, (GDestroyNotify) hash_job_free);
  g_task_set_return_on_cancel (task, FALSE);
  g_task_run_in_thread (task, hash_file_thread);
}

HormigaManifest *
hormiga_content_hash_file_finish (GAsyncResult  *result,
                                  GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_async_result_is_tagged (result, hormiga_content_hash_file_async),
                        NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
