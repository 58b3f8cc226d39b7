/* hormiga-content-hasher.h — hashing a file as it is read, and off the main loop
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "hormiga-content.h"
#include "hormiga-manifest.h"

G_BEGIN_DECLS

/**
 * HormigaContentHasher:
 *
 * Hashes a file fed in order, in pieces of any length: the chunk hashes and
 * the content ID of hormiga-content.h, as hormiga_content_file_id() gives
 * them for the whole. No I/O; one per file; not thread-safe (use it from one
 * thread at a time).
 */
typedef struct _HormigaContentHasher HormigaContentHasher;

/* @chunk_size: HORMIGA_CONTENT_MIN_CHUNK_SIZE to HORMIGA_CONTENT_MAX_CHUNK_SIZE. */
HormigaContentHasher *hormiga_content_hasher_new    (guint32                chunk_size);
void                  hormiga_content_hasher_free   (HormigaContentHasher  *hasher);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HormigaContentHasher, hormiga_content_hasher_free)

/* Feeds the next @length bytes of the file. */
void                  hormiga_content_hasher_update (HormigaContentHasher  *hasher,
                                                     const guint8          *data,
                                                     gsize                  length);
/* Bytes fed so far. */
guint64               hormiga_content_hasher_get_size (const HormigaContentHasher *hasher);
/**
 * hormiga_content_hasher_finish:
 * @hasher: a hasher; no update() after this
 * @id: (out) (optional): the file's content ID
 *
 * Returns: (transfer full): the chunk hashes, n × 32 bytes (empty for an
 *   empty file)
 */
GBytes               *hormiga_content_hasher_finish (HormigaContentHasher  *hasher,
                                                     HormigaContentId      *id);

/* What hormiga_content_hash_file_async() does, blocking: for a caller that
 * is already in a worker thread (hashing a folder, say). */
HormigaManifest      *hormiga_content_hash_file         (GFile               *file,
                                                        guint32              chunk_size,
                                                        GCancellable        *cancellable,
                                                        GError             **error);

/**
 * hormiga_content_hash_file_async:
 * @file: a regular file to read
 * @chunk_size: HORMIGA_CONTENT_MIN_CHUNK_SIZE to HORMIGA_CONTENT_MAX_CHUNK_SIZE
 * @cancellable: (nullable)
 * @callback: called on the thread-default main context of the caller
 * @user_data: for @callback
 *
 * Reads @file in 1 MiB blocks and hashes it in a GTask worker thread; the
 * caller's main loop never waits on the disk. The result is a file manifest
 * named after @file's basename (its display name when the basename is not
 * UTF-8), with its size, chunk size, chunk hashes and a MIME type guessed
 * from the name (or none).
 */
void                  hormiga_content_hash_file_async  (GFile               *file,
                                                        guint32              chunk_size,
                                                        GCancellable        *cancellable,
                                                        GAsyncReadyCallback  callback,
                                                        gpointer             user_data);
/* Returns: (transfer full): the file manifest; NULL and a G_IO_ERROR whose
 * message names the path (or G_IO_ERROR_CANCELLED) otherwise. */
HormigaManifest      *hormiga_content_hash_file_finish (GAsyncResult        *result,
                                                        GError             **error);

G_END_DECLS
