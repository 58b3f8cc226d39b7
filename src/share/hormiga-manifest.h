/* hormiga-manifest.h — what a content ID names: a file or a folder
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A manifest travels as one MessagePack map in canonical form
 * (docs/PROTOCOL.md, "File sharing"): exactly the fields of its kind, in a
 * fixed order, every header in its shortest form, so it has exactly one
 * encoding.
 *
 *   file:   {"v": 1, "kind": "file", "name", "size", "chunk", "hashes",
 *            "mime"?}
 *   folder: {"v": 1, "kind": "folder", "name",
 *            "entries": [{"path", "size", "cid"}, …]}
 *
 * A file manifest's ID is its file content ID (hormiga-content.h),
 * computed from its fields: a manifest cannot claim another. A folder's is
 * BLAKE2b-256("hormiga/folder/v1" ‖ its canonical encoding); its entries
 * name files by their content IDs.
 *
 * Names and paths are checked for UTF-8, NUL and length only: what a peer
 * sends must still go through hormiga-share-name.h before it touches a
 * file system.
 */
#pragma once

#include <glib.h>

#include "hormiga-content.h"

G_BEGIN_DECLS

#define HORMIGA_MANIFEST_MAX_SIZE     (16 * 1024 * 1024)  /* encoded bytes */
#define HORMIGA_MANIFEST_MAX_NAME     255     /* bytes of "name" */
#define HORMIGA_MANIFEST_MAX_MIME     127     /* bytes of "mime" */
#define HORMIGA_MANIFEST_MAX_PATH     4096    /* bytes of an entry's "path" */
#define HORMIGA_MANIFEST_MAX_ENTRIES  100000  /* entries of a folder */

typedef enum {
  HORMIGA_MANIFEST_FILE,
  HORMIGA_MANIFEST_FOLDER,
} HormigaManifestKind;

/**
 * HormigaManifestEntry:
 * @path: relative UTF-8 path with '/' separators, 1 to 4096 bytes, no NUL
 * @size: the file's size in bytes
 * @cid: the file's content ID
 *
 * One file of a folder. Owned by its folder manifest.
 */
typedef struct
{
  char             *path;
  guint64           size;
  HormigaContentId  cid;
} HormigaManifestEntry;

/**
 * HormigaManifest:
 * @kind: file or folder
 * @name: UTF-8, 1 to 255 bytes, no NUL; not yet safe as a file name
 * @size: file: its size in bytes; folder: 0 (see
 *   hormiga_manifest_get_total_size())
 * @chunk_size: file: HORMIGA_CONTENT_MIN_CHUNK_SIZE to
 *   HORMIGA_CONTENT_MAX_CHUNK_SIZE; folder: 0
 * @hashes: file: the chunk hashes, ceil(size / chunk_size) × 32 bytes;
 *   folder: NULL
 * @mime: file: the MIME type, at most 127 bytes, or NULL; folder: NULL
 * @entries: (element-type HormigaManifestEntry): folder: its files, at most
 *   100,000; decoded ones are sorted by path (bytewise) and unique; file:
 *   NULL
 *
 * Plain data, owned by whoever holds it; free with hormiga_manifest_free().
 */
typedef struct
{
  HormigaManifestKind  kind;
  char                *name;
  guint64              size;
  guint32              chunk_size;
  GBytes              *hashes;
  char                *mime;
  GPtrArray           *entries;
} HormigaManifest;

/* A file manifest; copies @name and @mime (nullable), refs @hashes. The
 * fields must be within the limits above (a programmer error otherwise:
 * NULL with a critical warning). */
HormigaManifest *hormiga_manifest_new_file   (const char              *name,
                                              guint64                  size,
                                              guint32                  chunk_size,
                                              GBytes                  *hashes,
                                              const char              *mime);
/* An empty folder manifest; copies @name. */
HormigaManifest *hormiga_manifest_new_folder (const char              *name);
/* Adds a file to a folder manifest; copies @path. The encoder sorts the
 * entries by path; two entries with the same path cannot be encoded. */
void             hormiga_manifest_add_entry  (HormigaManifest         *manifest,
                                              const char              *path,
                                              guint64                  size,
                                              const HormigaContentId  *cid);
void             hormiga_manifest_free       (HormigaManifest         *manifest);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HormigaManifest, hormiga_manifest_free)

const char      *hormiga_manifest_kind_to_string (HormigaManifestKind kind);

/* File: how many chunks (0 for an empty file); folder: 0. */
guint64          hormiga_manifest_get_n_chunks   (const HormigaManifest *manifest);
/* File: its size; folder: the sum of its entries' sizes (saturating). */
guint64          hormiga_manifest_get_total_size (const HormigaManifest *manifest);
/* File: the length chunk @index must have (the last one may be shorter). */
guint32          hormiga_manifest_get_chunk_length (const HormigaManifest *manifest,
                                                    guint64                index);
/* File: the 32-byte hash of chunk @index, pointing into @hashes. */
const guint8    *hormiga_manifest_get_chunk_hash (const HormigaManifest *manifest,
                                                  guint64                index);
/* File: TRUE if @data (@length bytes) is chunk @index: the right length and
 * hash. HORMIGA_SHARE_ERROR_MISMATCH otherwise. */
gboolean         hormiga_manifest_check_chunk    (const HormigaManifest  *manifest,
                                                  guint64                 index,
                                                  const guint8           *data,
                                                  gsize                   length,
                                                  GError                **error);

/* The manifest's content ID (see above); a folder's is computed from its
 * encoding. FALSE (with a critical warning) if the manifest cannot be
 * encoded. */
gboolean         hormiga_manifest_get_id     (const HormigaManifest   *manifest,
                                              HormigaContentId        *out);

/* The canonical encoding. (transfer full) (nullable): NULL, with a critical
 * warning, if a field is beyond its limit, two entries share a path or the
 * result is above HORMIGA_MANIFEST_MAX_SIZE. */
GBytes          *hormiga_manifest_encode     (const HormigaManifest   *manifest);
/* Decodes untrusted bytes: NULL and HORMIGA_SHARE_ERROR (MALFORMED,
 * TOO_LARGE, UNKNOWN_TYPE) with a message naming the field. */
HormigaManifest *hormiga_manifest_decode     (GBytes                  *bytes,
                                              GError                 **error);
/* The same, and the decoded manifest's ID must be @expected (what the link
 * said): HORMIGA_SHARE_ERROR_MISMATCH otherwise. */
HormigaManifest *hormiga_manifest_decode_expecting (GBytes                  *bytes,
                                                    const HormigaContentId  *expected,
                                                    GError                 **error);

G_END_DECLS
