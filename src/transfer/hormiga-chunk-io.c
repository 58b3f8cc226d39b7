/* hormiga-chunk-io.c — the disk work of transfers, off the main loop
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include "hormiga-chunk-io.h"
#include "hormiga-content-hasher.h"
#include "hormiga-share-error.h"
#include "hormiga-share-name.h"

#include <string.h>

#define READ_BLOCK (1024 * 1024)

/* Chunk reads and writes (a hash each) run one at a time in a thread of
 * their own rather than in GLib's general pool, which grows to ten: a
 * transfer queues dozens of them, and more threads at once only take time
 * from the main loop that moves the data (on two processors, one thread
 * gave the steadiest and fastest transfers). */
typedef struct
{
  GTask           *task;
  GTaskThreadFunc  func;
} ChunkWork;

static void
chunk_pool_run (gpointer data,
                gpointer user_data)
{
  ChunkWork *work = data;

  work->func (work->task, g_task_get_source_object (work->task),
              g_task_get_task_data (work->task), g_task_get_cancellable (work->task));
  g_object_unref (work->task);
  g_free (work);
}

static void
run_in_chunk_pool (GTask           *task,
                   GTaskThreadFunc  func)
{
  static GThreadPool *pool;
  ChunkWork *work = g_new0 (ChunkWork, 1);

  if (g_once_init_enter (&pool))
    g_once_init_leave (&pool, g_thread_pool_new (chunk_pool_run, NULL,
                                                 1,
                                                 FALSE, NULL));
  work->task = g_object_ref (task);
  work->func = func;
  g_thread_pool_push (pool, work, NULL);
}

/* What one operation works on; each uses the fields it needs. */
typedef struct
{
  char                  *path;
  const HormigaManifest *manifest;        /* the caller's */
  GBytes                *manifest_bytes;  /* prepare: written next to the part */
  guint64                index;
  guint64                size;
  GBytes                *data;
  char                  *folder;
  char                  *name;
  char                  *part;
  GStrv                  paths;
  HormigaContentId       cid;
} Job;

static void
job_free (Job *job)
{
  g_free (job->path);
  g_clear_pointer (&job->manifest_bytes, g_bytes_unref);
  g_clear_pointer (&job->data, g_bytes_unref);
  g_free (job->folder);
  g_free (job->name);
  g_free (job->part);
  g_strfreev (job->paths);
  g_free (job);
}

static GTask *
job_task (Job                 *job,
          gpointer             source_tag,
          GCancellable        *cancellable,
          GAsyncReadyCallback  callback,
          gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, job, (GDestroyNotify) job_free);
  return task;
}

static void
set_errno_error (GError    **error,
                 int         saved,
                 const char *what,
                 const char *path)
{
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "cannot %s %s: %s", what, path,
               g_strerror (saved));
}

/* ---- read ----------------------------------------------------------------- */

static gboolean
pread_all (int       fd,
           guint8   *buffer,
           gsize     length,
           guint64   offset,
           GError  **error,
           const char *path)
{
  gsize done = 0;

  while (done < length)
    {
      ssize_t n = pread (fd, buffer + done, length - done, (off_t) (offset + done));

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          set_errno_error (error, errno, "read", path);
          return FALSE;
        }
      if (n == 0)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT,
                       "%s is shorter than when it was shared", path);
          return FALSE;
        }
      done += (gsize) n;
    }
  return TRUE;
}

static void
read_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  Job *job = task_data;
  guint32 length = hormiga_manifest_get_chunk_length (job->manifest, job->index);
  guint8 *buffer = g_malloc (MAX (length, 1));
  GError *error = NULL;
  int fd = g_open (job->path, O_RDONLY | O_CLOEXEC, 0);

  if (fd < 0)
    {
      set_errno_error (&error, errno, "open", job->path);
      g_free (buffer);
      g_task_return_error (task, error);
      return;
    }
  if (!pread_all (fd, buffer, length, job->index * job->manifest->chunk_size, &error, job->path) ||
      !hormiga_manifest_check_chunk (job->manifest, job->index, buffer, length, &error))
    {
      close (fd);
      g_free (buffer);
      g_task_return_error (task, error);
      return;
    }
  close (fd);
  g_task_return_pointer (task, g_bytes_new_take (buffer, length), (GDestroyNotify) g_bytes_unref);
}

void
hormiga_chunk_io_read_async (const char            *path,
                             const HormigaManifest *manifest,
                             guint64                index,
                             GCancellable          *cancellable,
                             GAsyncReadyCallback    callback,
                             gpointer               user_data)
{
  Job *job = g_new0 (Job, 1);
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (path != NULL && manifest != NULL);
  g_return_if_fail (index < hormiga_manifest_get_n_chunks (manifest));

  job->path = g_strdup (path);
  job->manifest = manifest;
  job->index = index;
  task = job_task (job, hormiga_chunk_io_read_async, cancellable, callback, user_data);
  run_in_chunk_pool (task, read_thread);
}

GBytes *
hormiga_chunk_io_read_finish (GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == hormiga_chunk_io_read_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- write ------------------------------------------------------------------- */

static void
write_thread (GTask        *task,
              gpointer      source,
              gpointer      task_data,
              GCancellable *cancellable)
{
  Job *job = task_data;
  gsize length;
  const guint8 *data = g_bytes_get_data (job->data, &length);
  guint64 offset = job->index * job->manifest->chunk_size;
  GError *error = NULL;
  gsize done = 0;
  int fd;

  if (!hormiga_manifest_check_chunk (job->manifest, job->index, data, length, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  fd = g_open (job->path, O_WRONLY | O_CLOEXEC, 0);
  if (fd < 0)
    {
      set_errno_error (&error, errno, "open", job->path);
      g_task_return_error (task, error);
      return;
    }
  while (done < length)
    {
      ssize_t n = pwrite (fd, data + done, length - done, (off_t) (offset + done));

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          set_errno_error (&error, errno, "write to", job->path);
          close (fd);
          g_task_return_error (task, error);
          return;
        }
      done += (gsize) n;
    }
  if (close (fd) < 0)
    {
      set_errno_error (&error, errno, "write to", job->path);
      g_task_return_error (task, error);
      return;
    }
  g_task_return_boolean (task, TRUE);
}

void
hormiga_chunk_io_write_async (const char            *path,
                              const HormigaManifest *manifest,
                              guint64                index,
                              GBytes                *data,
                              GCancellable          *cancellable,
                              GAsyncReadyCallback    callback,
                              gpointer               user_data)
{
  Job *job = g_new0 (Job, 1);
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (path != NULL && manifest != NULL && data != NULL);

  job->path = g_strdup (path);
  job->manifest = manifest;
  job->index = index;
  job->data = g_bytes_ref (data);
  task = job_task (job, hormiga_chunk_io_write_async, cancellable, callback, user_data);
  run_in_chunk_pool (task, write_thread);
}

gboolean
hormiga_chunk_io_write_finish (GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == hormiga_chunk_io_write_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- prepare ---------------------------------------------------------------------- */

static void
prepare_thread (GTask        *task,
                gpointer      source,
                gpointer      task_data,
                GCancellable *cancellable)
{
  Job *job = task_data;
  g_autofree char *part = NULL;
  GError *error = NULL;
  int flags = O_WRONLY | O_CLOEXEC;
  int fd;

  if (g_mkdir_with_parents (job->folder, 0755) < 0)
    {
      set_errno_error (&error, errno, "create the folder", job->folder);
      g_task_return_error (task, error);
      return;
    }
  if (job->part != NULL)
    part = g_strdup (job->part);
  else
    {
      g_autofree char *wanted = g_strconcat (job->name, ".part", NULL);
      g_autofree char *free_name = hormiga_share_free_name (job->folder, wanted);

      part = g_build_filename (job->folder, free_name, NULL);
      flags |= O_CREAT | O_EXCL;
    }
  fd = g_open (part, flags, 0644);
  if (fd < 0)
    {
      set_errno_error (&error, errno, job->part ? "open" : "create", part);
      g_task_return_error (task, error);
      return;
    }
  /* The space is taken now, so that a disk too small says so at once
   * rather than half way (file systems without fallocate: a sparse file). */
  if (job->size > 0)
    {
      int saved = posix_fallocate (fd, 0, (off_t) job->size);

      if (saved == EOPNOTSUPP || saved == EINVAL)
        saved = ftruncate (fd, (off_t) job->size) < 0 ? errno : 0;
      if (saved != 0)
        {
          set_errno_error (&error, saved, "make room for", part);
          close (fd);
          g_task_return_error (task, error);
          return;
        }
    }
  else if (ftruncate (fd, 0) < 0)
    {
      set_errno_error (&error, errno, "make room for", part);
      close (fd);
      g_task_return_error (task, error);
      return;
    }
  close (fd);
  if (job->manifest_bytes != NULL)
    {
      g_autofree char *manifest_path = g_strconcat (part, ".manifest", NULL);

      if (!g_file_set_contents (manifest_path, g_bytes_get_data (job->manifest_bytes, NULL),
                                (gssize) g_bytes_get_size (job->manifest_bytes), &error))
        {
          g_task_return_error (task, error);
          return;
        }
    }
  g_task_return_pointer (task, g_steal_pointer (&part), g_free);
}

void
hormiga_chunk_io_prepare_async (const char          *folder,
                                const char          *name,
                                const char          *part,
                                guint64              size,
                                GBytes              *manifest_bytes,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  Job *job = g_new0 (Job, 1);
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (folder != NULL && (name != NULL || part != NULL));

  job->folder = g_strdup (folder);
  job->name = g_strdup (name);
  job->part = g_strdup (part);
  job->size = size;
  job->manifest_bytes = manifest_bytes ? g_bytes_ref (manifest_bytes) : NULL;
  task = job_task (job, hormiga_chunk_io_prepare_async, cancellable, callback, user_data);
  g_task_run_in_thread (task, prepare_thread);
}

char *
hormiga_chunk_io_prepare_finish (GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == hormiga_chunk_io_prepare_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- save, delete -------------------------------------------------------------------- */

static void
save_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  Job *job = task_data;
  GError *error = NULL;

  if (!g_file_set_contents (job->path, g_bytes_get_data (job->data, NULL),
                            (gssize) g_bytes_get_size (job->data), &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
hormiga_chunk_io_save_async (const char          *path,
                             GBytes              *contents,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  Job *job = g_new0 (Job, 1);
  g_autoptr(GTask) task = NULL;

  job->path = g_strdup (path);
  job->data = g_bytes_ref (contents);
  task = job_task (job, hormiga_chunk_io_save_async, cancellable, callback, user_data);
  g_task_run_in_thread (task, save_thread);
}

gboolean
hormiga_chunk_io_save_finish (GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == hormiga_chunk_io_save_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
delete_thread (GTask        *task,
               gpointer      source,
               gpointer      task_data,
               GCancellable *cancellable)
{
  Job *job = task_data;

  for (guint i = 0; job->paths[i] != NULL; i++)
    if (g_unlink (job->paths[i]) < 0 && errno != ENOENT)
      g_debug ("chunk-io: cannot delete %s: %s", job->paths[i], g_strerror (errno));
  g_task_return_boolean (task, TRUE);
}

void
hormiga_chunk_io_delete_async (const char * const *paths)
{
  Job *job = g_new0 (Job, 1);
  g_autoptr(GTask) task = NULL;

  job->paths = g_strdupv ((GStrv) paths);
  task = job_task (job, hormiga_chunk_io_delete_async, NULL, NULL, NULL);
  g_task_run_in_thread (task, delete_thread);
}

/* ---- resume ----------------------------------------------------------------------------- */

void
hormiga_chunk_io_resume_free (HormigaChunkIoResume *resume)
{
  if (resume == NULL)
    return;
  g_free (resume->part);
  g_free (resume->state);
  g_clear_pointer (&resume->bits, g_bytes_unref);
  g_clear_pointer (&resume->manifest, g_bytes_unref);
  g_clear_pointer (&resume->selected, g_bytes_unref);
  g_free (resume);
}

/* Base64 in @keys' [@group] @key, decoded; NULL when absent. */
static GBytes *
get_bits (GKeyFile   *keys,
          const char *group,
          const char *key)
{
  g_autofree char *text = g_key_file_get_string (keys, group, key, NULL);
  gsize length = 0;
  guchar *decoded;

  if (text == NULL)
    return NULL;
  decoded = g_base64_decode (text, &length);
  return g_bytes_new_take (decoded, length);
}

/* The state file @entry of @job->folder, if it is a download of @job->cid
 * (and of the file @job->name, when given). */
static HormigaChunkIoResume *
try_resume (Job        *job,
            const char *want,
            const char *entry)
{
  g_autoptr(GKeyFile) keys = g_key_file_new ();
  g_autoptr(HormigaChunkIoResume) resume = g_new0 (HormigaChunkIoResume, 1);
  g_autofree char *cid = NULL;
  g_autofree char *part = NULL;
  g_autofree char *name = NULL;
  g_autofree char *manifest_path = NULL;
  g_autofree char *manifest = NULL;
  const char *group;
  gsize manifest_length = 0;

  if (g_str_has_suffix (entry, ".part.hormiga"))
    group = "download";
  else if (g_str_has_suffix (entry, HORMIGA_CHUNK_IO_FOLDER_STATE) && job->name == NULL)
    group = "folder";
  else
    return NULL;
  resume->folder = g_str_equal (group, "folder");
  resume->state = g_build_filename (job->folder, entry, NULL);
  if (!g_key_file_load_from_file (keys, resume->state, G_KEY_FILE_NONE, NULL))
    return NULL;
  cid = g_key_file_get_string (keys, group, "cid", NULL);
  part = g_key_file_get_string (keys, group, resume->folder ? "target" : "part", NULL);
  name = g_key_file_get_string (keys, group, "name", NULL);
  resume->bits = get_bits (keys, group, resume->folder ? "done" : "bits");
  resume->selected = resume->folder ? get_bits (keys, group, "selected") : NULL;
  if (cid == NULL || g_ascii_strcasecmp (cid, want) != 0 || part == NULL ||
      resume->bits == NULL || strchr (part, G_DIR_SEPARATOR) != NULL ||
      (job->name != NULL && g_strcmp0 (name, job->name) != 0))
    return NULL;
  /* The partial file (or folder) is the state file's name without its
   * suffix: a state file never points elsewhere. */
  resume->part = g_strndup (resume->state,
                            strlen (resume->state) -
                            strlen (resume->folder ? HORMIGA_CHUNK_IO_FOLDER_STATE : ".hormiga"));
  manifest_path = g_strconcat (resume->state, ".manifest", NULL);
  if (!resume->folder)
    {
      g_free (manifest_path);
      manifest_path = g_strconcat (resume->part, ".manifest", NULL);
    }
  if (!g_file_test (resume->part, resume->folder ? G_FILE_TEST_IS_DIR : G_FILE_TEST_IS_REGULAR) ||
      !g_file_get_contents (manifest_path, &manifest, &manifest_length, NULL))
    return NULL;
  resume->manifest = g_bytes_new_take (g_steal_pointer (&manifest), manifest_length);
  return g_steal_pointer (&resume);
}

static void
find_resume_thread (GTask        *task,
                    gpointer      source,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  Job *job = task_data;
  g_autofree char *want = hormiga_content_id_to_string (&job->cid);
  g_autoptr(GDir) dir = g_dir_open (job->folder, 0, NULL);
  const char *entry;

  while (dir != NULL && (entry = g_dir_read_name (dir)) != NULL)
    {
      HormigaChunkIoResume *resume = try_resume (job, want, entry);

      if (resume != NULL)
        {
          g_task_return_pointer (task, resume, (GDestroyNotify) hormiga_chunk_io_resume_free);
          return;
        }
    }
  g_task_return_pointer (task, NULL, NULL);
}

void
hormiga_chunk_io_find_resume_async (const char             *folder,
                                    const HormigaContentId *cid,
                                    const char             *name,
                                    GCancellable           *cancellable,
                                    GAsyncReadyCallback     callback,
                                    gpointer                user_data)
{
  Job *job = g_new0 (Job, 1);
  g_autoptr(GTask) task = NULL;

  job->folder = g_strdup (folder);
  job->cid = *cid;
  job->name = g_strdup (name);
  task = job_task (job, hormiga_chunk_io_find_resume_async, cancellable, callback, user_data);
  g_task_run_in_thread (task, find_resume_thread);
}

HormigaChunkIoResume *
hormiga_chunk_io_find_resume_finish (GAsyncResult  *result,
                                     GError       **error)
{
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        hormiga_chunk_io_find_resume_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- the final check --------------------------------------------------------------- */

/* The final check hashes the chunks of a file in ranges, one per core (at
 * most FINISH_MAX_THREADS), each range at least FINISH_MIN_CHUNKS long. */
#define FINISH_MAX_THREADS 8
#define FINISH_MIN_CHUNKS  16

typedef struct
{
  const char            *path;
  const HormigaManifest *manifest;
  guint64                first;
  guint64                end;
  guint8                *hashes;    /* of the whole file: this range's part */
  GError                *error;
} HashRange;

static gpointer
hash_range (gpointer data)
{
  HashRange *range = data;
  g_autofree guint8 *buffer = g_malloc (MAX (range->manifest->chunk_size, 1));
  int fd = g_open (range->path, O_RDONLY | O_CLOEXEC, 0);

  if (fd < 0)
    {
      set_errno_error (&range->error, errno, "open", range->path);
      return NULL;
    }
  for (guint64 i = range->first; i < range->end; i++)
    {
      guint32 length = hormiga_manifest_get_chunk_length (range->manifest, i);

      if (!pread_all (fd, buffer, length, i * range->manifest->chunk_size, &range->error,
                      range->path))
        break;
      hormiga_content_hash_chunk (buffer, length, range->hashes + i * HORMIGA_CONTENT_HASH_SIZE);
    }
  close (fd);
  return NULL;
}

static void
finish_thread (GTask        *task,
               gpointer      source,
               gpointer      task_data,
               GCancellable *cancellable)
{
  Job *job = task_data;
  guint64 n_chunks = hormiga_manifest_get_n_chunks (job->manifest);
  guint n_ranges = (guint) CLAMP (MIN ((guint64) g_get_num_processors (),
                                       n_chunks / FINISH_MIN_CHUNKS),
                                  1, FINISH_MAX_THREADS);
  g_autofree guint8 *hashes = g_malloc (MAX (n_chunks, 1) * HORMIGA_CONTENT_HASH_SIZE);
  HashRange ranges[FINISH_MAX_THREADS] = { { 0 } };
  GThread *threads[FINISH_MAX_THREADS] = { NULL };
  HormigaContentId expected, got;
  GError *error = NULL;
  char *final;

  /* Every chunk was checked as it arrived; this reads the file back and
   * checks it whole, its ranges hashed side by side. */
  for (guint r = 0; r < n_ranges; r++)
    {
      ranges[r].path = job->path;
      ranges[r].manifest = job->manifest;
      ranges[r].first = n_chunks * r / n_ranges;
      ranges[r].end = n_chunks * (r + 1) / n_ranges;
      ranges[r].hashes = hashes;
      if (r > 0)
        threads[r] = g_thread_try_new ("hormiga-check", hash_range, &ranges[r], NULL);
    }
  hash_range (&ranges[0]);
  for (guint r = 1; r < n_ranges; r++)
    {
      if (threads[r] != NULL)
        g_thread_join (threads[r]);
      else
        hash_range (&ranges[r]);
    }
  for (guint r = 0; r < n_ranges; r++)
    {
      if (ranges[r].error != NULL && error == NULL)
        error = g_steal_pointer (&ranges[r].error);
      g_clear_error (&ranges[r].error);
    }
  if (error != NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  hormiga_content_file_id (hashes, (guint) n_chunks, job->manifest->size,
                           job->manifest->chunk_size, &got);
  hormiga_manifest_get_id (job->manifest, &expected);
  if (!hormiga_content_id_equal (&expected, &got))
    {
      g_task_return_new_error (task, HORMIGA_SHARE_ERROR, HORMIGA_SHARE_ERROR_MISMATCH,
                               "%s does not hash to its content ID after the download",
                               job->path);
      return;
    }
  /* The free name is picked and taken here, in one thread, so that two
   * downloads of the same name cannot both take it. */
  {
    g_autofree char *name = hormiga_share_free_name (job->folder, job->name);

    final = g_build_filename (job->folder, name, NULL);
  }
  if (g_rename (job->path, final) < 0)
    {
      set_errno_error (&error, errno, "rename", job->path);
      g_free (final);
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, final, g_free);
}

void
hormiga_chunk_io_finish_async (const char            *path,
                               const HormigaManifest *manifest,
                               const char            *dir,
                               const char            *name,
                               GCancellable          *cancellable,
                               GAsyncReadyCallback    callback,
                               gpointer               user_data)
{
  Job *job = g_new0 (Job, 1);
  g_autoptr(GTask) task = NULL;

  job->path = g_strdup (path);
  job->manifest = manifest;
  job->folder = g_strdup (dir);
  job->name = g_strdup (name);
  task = job_task (job, hormiga_chunk_io_finish_async, cancellable, callback, user_data);
  g_task_run_in_thread (task, finish_thread);
}

char *
hormiga_chunk_io_finish_finish (GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == hormiga_chunk_io_finish_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- folders ---------------------------------------------------------------------------- */

#define MAX_DEPTH 32

void
hormiga_chunk_io_tree_free (HormigaChunkIoTree *tree)
{
  if (tree == NULL)
    return;
  g_clear_pointer (&tree->folder, hormiga_manifest_free);
  g_clear_pointer (&tree->paths, g_ptr_array_unref);
  g_clear_pointer (&tree->manifests, g_ptr_array_unref);
  g_free (tree);
}

static gboolean
walk (const char          *root,
      const char          *relative,
      guint                depth,
      guint32              chunk_size,
      HormigaChunkIoTree  *tree,
      GCancellable        *cancellable,
      GError             **error)
{
  g_autofree char *here = relative ? g_build_filename (root, relative, NULL) : g_strdup (root);
  g_autoptr(GDir) dir = g_dir_open (here, 0, error);
  const char *entry;

  if (dir == NULL)
    return FALSE;
  if (depth > MAX_DEPTH)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "%s is more than %u folders deep", here, MAX_DEPTH);
      return FALSE;
    }
  while ((entry = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (here, entry, NULL);
      g_autofree char *child_relative = relative ? g_build_filename (relative, entry, NULL)
                                                 : g_strdup (entry);
      HormigaManifest *manifest = NULL;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      if (g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        continue;
      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        {
          if (!walk (root, child_relative, depth + 1, chunk_size, tree, cancellable, error))
            return FALSE;
          continue;
        }
      if (!g_file_test (child, G_FILE_TEST_IS_REGULAR))
        continue;
      if (tree->paths->len >= HORMIGA_MANIFEST_MAX_ENTRIES)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s holds more than %u files", root,
                       HORMIGA_MANIFEST_MAX_ENTRIES);
          return FALSE;
        }
      {
        g_autoptr(GFile) file = g_file_new_for_path (child);

        manifest = hormiga_content_hash_file (file, chunk_size, cancellable, error);
        if (manifest == NULL)
          return FALSE;
      }
      {
        HormigaContentId id;
        /* Paths in a manifest always use '/'. */
        g_autofree char *wire_path = g_strdup (child_relative);

        g_strdelimit (wire_path, G_DIR_SEPARATOR_S, '/');
        hormiga_manifest_get_id (manifest, &id);
        hormiga_manifest_add_entry (tree->folder, wire_path, manifest->size, &id);
      }
      g_ptr_array_add (tree->paths, g_steal_pointer (&child));
      g_ptr_array_add (tree->manifests, manifest);
    }
  return TRUE;
}

static void
hash_tree_thread (GTask        *task,
                  gpointer      source,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  Job *job = task_data;
  g_autofree char *name = g_path_get_basename (job->path);
  HormigaChunkIoTree *tree = g_new0 (HormigaChunkIoTree, 1);
  GError *error = NULL;

  tree->folder = hormiga_manifest_new_folder (name);
  tree->paths = g_ptr_array_new_with_free_func (g_free);
  tree->manifests = g_ptr_array_new_with_free_func ((GDestroyNotify) hormiga_manifest_free);
  if (!walk (job->path, NULL, 0, (guint32) job->size, tree, cancellable, &error))
    {
      hormiga_chunk_io_tree_free (tree);
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, tree, (GDestroyNotify) hormiga_chunk_io_tree_free);
}

void
hormiga_chunk_io_hash_tree_async (const char          *path,
                                  guint32              chunk_size,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  Job *job = g_new0 (Job, 1);
  g_autoptr(GTask) task = NULL;

  job->path = g_strdup (path);
  job->size = chunk_size;
  task = job_task (job, hormiga_chunk_io_hash_tree_async, cancellable, callback, user_data);
  g_task_run_in_thread (task, hash_tree_thread);
}

HormigaChunkIoTree *
hormiga_chunk_io_hash_tree_finish (GAsyncResult  *result,
                                   GError       **error)
{
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == hormiga_chunk_io_hash_tree_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
make_folder_thread (GTask        *task,
                    gpointer      source,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  Job *job = task_data;
  GError *error = NULL;

  if (g_mkdir_with_parents (job->folder, 0755) < 0)
    {
      set_errno_error (&error, errno, "create the folder", job->folder);
      g_task_return_error (task, error);
      return;
    }
  /* A few tries: another download may take the same free name. */
  for (guint attempt = 0; attempt < 16; attempt++)
    {
      g_autofree char *name = hormiga_share_free_name (job->folder, job->name);
      g_autofree char *path = g_build_filename (job->folder, name, NULL);

      if (g_mkdir (path, 0755) == 0)
        {
          g_task_return_pointer (task, g_steal_pointer (&path), g_free);
          return;
        }
      if (errno != EEXIST)
        {
          set_errno_error (&error, errno, "create the folder", path);
          g_task_return_error (task, error);
          return;
        }
    }
  g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_EXISTS,
                           "no free name for the folder %s in %s", job->name, job->folder);
}

void
hormiga_chunk_io_make_folder_async (const char          *parent,
                                    const char          *name,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  Job *job = g_new0 (Job, 1);
  g_autoptr(GTask) task = NULL;

  job->folder = g_strdup (parent);
  job->name = g_strdup (name);
  task = job_task (job, hormiga_chunk_io_make_folder_async, cancellable, callback, user_data);
  g_task_run_in_thread (task, make_folder_thread);
}

char *
hormiga_chunk_io_make_folder_finish (GAsyncResult  *result,
                                     GError       **error)
{
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == hormiga_chunk_io_make_folder_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
