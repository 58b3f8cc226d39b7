/* hormiga-content.h — content addressing: chunk hashes, Merkle root, IDs
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every hash is BLAKE2b-256 (libsodium's crypto_generichash, no key, 32-byte
 * output). A file is cut into chunks of chunk_size bytes (the last one
 * shorter); each chunk is hashed; a Merkle tree over the chunk hashes gives
 * the root, and the root, the size and the chunk size give the file's
 * content ID (docs/PROTOCOL.md, "File sharing"):
 *
 *   chunk hash  = H(chunk bytes)
 *   parent      = H(0x01 ‖ left ‖ right); an odd node at the end of a level
 *                 is promoted unchanged; no chunk → 32 zero bytes; one
 *                 chunk → its hash
 *   content ID  = H("hormiga/file/v1" ‖ size, 8 bytes LE ‖ chunk_size,
 *                 4 bytes LE ‖ root)
 *
 * Pure functions, no I/O: hormiga-content-hasher.h hashes files.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A framed chunk (hormiga-share-message.h) fits the 256 KiB message limit
 * of browsers. */
#define HORMIGA_CONTENT_CHUNK_SIZE      (255 * 1024)
#define HORMIGA_CONTENT_MIN_CHUNK_SIZE  (16 * 1024)
#define HORMIGA_CONTENT_MAX_CHUNK_SIZE  HORMIGA_CONTENT_CHUNK_SIZE
#define HORMIGA_CONTENT_HASH_SIZE       32

/**
 * HormigaContentId:
 * @bytes: the 32 bytes of a BLAKE2b-256 hash
 *
 * What a file or folder is called on the network: a value type, copy it
 * with `=`.
 */
typedef struct
{
  guint8 bytes[HORMIGA_CONTENT_HASH_SIZE];
} HormigaContentId;

/* For GHashTable: both take `const HormigaContentId *`. */
gboolean          hormiga_content_id_equal     (gconstpointer            a,
                                                gconstpointer            b);
guint             hormiga_content_id_hash      (gconstpointer            id);
/* A g_malloc()ed copy (free with g_free), e.g. for a GHashTable key. */
HormigaContentId *hormiga_content_id_dup       (const HormigaContentId  *id);
/* 64 lowercase hexadecimal digits; free with g_free(). */
char             *hormiga_content_id_to_string (const HormigaContentId  *id);
/* Exactly 64 hexadecimal digits, either case, nothing else (no spaces, no
 * prefix). FALSE and HORMIGA_SHARE_ERROR_MALFORMED otherwise; @out is
 * written only on success. */
gboolean          hormiga_content_id_parse     (const char              *text,
                                                HormigaContentId        *out,
                                                GError                 **error);

/* ceil(@size / @chunk_size), without overflow; @chunk_size > 0. */
guint64           hormiga_content_n_chunks     (guint64                  size,
                                                guint32                  chunk_size);
/* How long chunk @index of a file of @size bytes is: @chunk_size, or less
 * for the last one; 0 for an index past the end. */
guint32           hormiga_content_chunk_length (guint64                  size,
                                                guint32                  chunk_size,
                                                guint64                  index);
/* The hash of one chunk, @length bytes at @data, into @out (32 bytes). */
void              hormiga_content_hash_chunk   (const guint8            *data,
                                                gsize                    length,
                                                guint8                  *out);
/* The Merkle root of @n_chunks hashes (n × 32 bytes at @hashes) into @out
 * (32 bytes). Allocates a scratch level of n / 2 hashes. */
void              hormiga_content_merkle_root  (const guint8            *hashes,
                                                guint                    n_chunks,
                                                guint8                  *out);
/**
 * hormiga_content_file_id:
 * @hashes: the chunk hashes, @n_chunks × 32 bytes
 * @n_chunks: how many; must equal ceil(@size / @chunk_size)
 * @size: the file's size in bytes
 * @chunk_size: HORMIGA_CONTENT_MIN_CHUNK_SIZE to HORMIGA_CONTENT_MAX_CHUNK_SIZE
 * @out: (out): the file's content ID
 *
 * Returns: TRUE; FALSE (a programmer error, with a critical warning) if
 *   the arguments do not agree
 */
gboolean          hormiga_content_file_id      (const guint8            *hashes,
                                                guint                    n_chunks,
                                                guint64                  size,
                                                guint32                  chunk_size,
                                                HormigaContentId        *out);

G_END_DECLS
