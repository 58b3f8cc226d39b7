/* hormiga-chunk-io.h — the disk work of transfers, off the main loop
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every operation runs in a GTask worker thread and reports back on the
 * caller's thread-default context: reading a chunk to serve it (checked
 * against its hash, so a shared file that changed on disk is noticed, not
 * served), checking and writing a received chunk into a `.part` file,
 * preparing that file, and the final whole-file check. Errors are
 * G_IO_ERROR with the path in the message, or HORMIGA_SHARE_ERROR_MISMATCH
 * for data that does not hash to what the manifest says.
 */
#pragma once

#include <gio/gio.h>

#include "hormiga-manifest.h"

G_BEGIN_DECLS

/* Reads chunk @index of @path and checks it against @manifest (which the
 * caller keeps alive until the callback). */
void     hormiga_chunk_io_read_async   (const char             *path,
                                        const HormigaManifest  *manifest,
                                        guint64                 index,
                                        GCancellable           *cancellable,
                                        GAsyncReadyCallback     callback,
                                        gpointer                user_data);
GBytes  *hormiga_chunk_io_read_finish  (GAsyncResult           *result,
                                        GError                **error);

/* Checks @data against chunk @index of @manifest, then writes it at its
 * offset in @path (which prepare() made). */
void     hormiga_chunk_io_write_async  (const char             *path,
                                        const HormigaManifest  *manifest,
                                        guint64                 index,
                                        GBytes                 *data,
                                        GCancellable           *cancellable,
                                        GAsyncReadyCallback     callback,
                                        gpointer                user_data);
gboolean hormiga_chunk_io_write_finish (GAsyncResult           *result,
                                        GError                **error);

/* Makes the partial file of a download of @size bytes: @part when resuming
 * (kept, its size set), else a free name for "@name.part" in @folder
 * (created, with the folder). Also writes @manifest_bytes next to it, as
 * "PART.manifest", when given. Returns the partial file's path. */
void     hormiga_chunk_io_prepare_async  (const char           *folder,
                                          const char           *name,
                                          const char           *part,
                                          guint64               size,
                                          GBytes               *manifest_bytes,
                                          GCancellable         *cancellable,
                                          GAsyncReadyCallback   callback,
                                          gpointer              user_data);
char    *hormiga_chunk_io_prepare_finish (GAsyncResult         *result,
                                          GError              **error);

/* Writes @contents to @path atomically (a temporary file renamed over it). */
void     hormiga_chunk_io_save_async     (const char           *path,
                                          GBytes               *contents,
                                          GCancellable         *cancellable,
                                          GAsyncReadyCallback   callback,
                                          gpointer              user_data);
gboolean hormiga_chunk_io_save_finish    (GAsyncResult         *result,
                                          GError              **error);

/* Deletes the files of @paths (NULL-terminated; missing ones are fine). */
void     hormiga_chunk_io_delete_async   (const char * const   *paths);

/**
 * HormigaChunkIoResume:
 * @part: a file's partial file; a folder's: the folder being filled
 * @state: its state file
 * @bits: a file's: the chunks it holds; a folder's: the files finished,
 *   one bit per entry of its manifest (as the state file says)
 * @manifest: the manifest saved next to it
 * @folder: whether it is a folder's download
 * @selected: a folder accepted in part: the entries taken, one bit each;
 *   NULL when all of it was
 */
typedef struct
{
  char     *part;
  char     *state;
  GBytes   *bits;
  GBytes   *manifest;
  gboolean  folder;
  GBytes   *selected;
} HormigaChunkIoResume;

void hormiga_chunk_io_resume_free (HormigaChunkIoResume *resume);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HormigaChunkIoResume, hormiga_chunk_io_resume_free)

/* The suffix of a folder download's state file, next to the folder
 * ("FOLDER.hormiga-folder", its manifest in "FOLDER.hormiga-folder.manifest");
 * a file's is ".part.hormiga". */
#define HORMIGA_CHUNK_IO_FOLDER_STATE ".hormiga-folder"

/* Looks in @folder for the state file of a download of @cid: a file's
 * ("*.part.hormiga", for the file @name when given) or a folder's
 * ("*.hormiga-folder", whose folder still exists); NULL (and no error) when
 * there is none. */
void                  hormiga_chunk_io_find_resume_async  (const char             *folder,
                                                           const HormigaContentId *cid,
                                                           const char             *name,
                                                           GCancellable           *cancellable,
                                                           GAsyncReadyCallback     callback,
                                                           gpointer                user_data);
HormigaChunkIoResume *hormiga_chunk_io_find_resume_finish (GAsyncResult           *result,
                                                           GError                **error);

/* Hashes the whole of @path and compares it with @manifest; on success
 * renames it to a free name for @name in @dir (see
 * hormiga_share_free_name()) and returns that path. */
void     hormiga_chunk_io_finish_async   (const char             *path,
                                          const HormigaManifest  *manifest,
                                          const char             *dir,
                                          const char             *name,
                                          GCancellable           *cancellable,
                                          GAsyncReadyCallback     callback,
                                          gpointer                user_data);
char    *hormiga_chunk_io_finish_finish  (GAsyncResult           *result,
                                          GError                **error);

/**
 * HormigaChunkIoTree:
 * @folder: the folder's manifest (entries sorted by path)
 * @paths: (element-type utf8): each file's path on disk, in the order of
 *   @manifests
 * @manifests: (element-type HormigaManifest): each file's manifest
 */
typedef struct
{
  HormigaManifest *folder;
  GPtrArray       *paths;
  GPtrArray       *manifests;
} HormigaChunkIoTree;

void hormiga_chunk_io_tree_free (HormigaChunkIoTree *tree);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HormigaChunkIoTree, hormiga_chunk_io_tree_free)

/* Hashes every regular file under @path (symbolic links are skipped, at
 * most HORMIGA_MANIFEST_MAX_ENTRIES files and 32 levels) into a folder
 * manifest named after the folder. */
void                hormiga_chunk_io_hash_tree_async  (const char          *path,
                                                       guint32              chunk_size,
                                                       GCancellable        *cancellable,
                                                       GAsyncReadyCallback  callback,
                                                       gpointer             user_data);
HormigaChunkIoTree *hormiga_chunk_io_hash_tree_finish (GAsyncResult        *result,
                                                       GError             **error);

/* Makes a new folder in @parent named @name, or a free variant of it
 * ("NAME (1)"), and returns its path. */
void                hormiga_chunk_io_make_folder_async  (const char          *parent,
                                                         const char          *name,
                                                         GCancellable        *cancellable,
                                                         GAsyncReadyCallback  callback,
                                                         gpointer             user_data);
char               *hormiga_chunk_io_make_folder_finish (GAsyncResult        *result,
                                                         GError             **error);

G_END_DECLS
