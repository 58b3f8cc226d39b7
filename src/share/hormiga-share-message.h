/* hormiga-share-message.h — the file transfer protocol on the wire
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Both sides of a peer connection create a negotiated data channel with id
 * 2, label "hormiga-files" (docs/PROTOCOL.md, "File sharing"). Each message
 * is one binary data channel message: one MessagePack map in canonical form
 * (the fields of its type in the order below, each once, shortest headers):
 *   {"v": 1, "t": TYPE, "id": uint32, …}
 *
 *   want {cid}                          → have {cid, state, bits?, msize?}
 *   get-manifest {cid, offset, length}  → manifest {cid, offset, total, data}
 *   get-chunk {cid, index}              → chunk {cid, index, data}
 *   offer {cid, kind, name, size, msize} → reply {accept, text?, entries?}
 *   cancel {}  (cancels request "id"; no response)
 *   error {code, text}  (answers any request)
 *
 * A response carries the id of its request.
 */
#pragma once

#include <glib.h>

#include "hormiga-content.h"
#include "hormiga-manifest.h"

G_BEGIN_DECLS

#define HORMIGA_SHARE_CHANNEL_ID     2
#define HORMIGA_SHARE_CHANNEL_LABEL  "hormiga-files"

/* A whole encoded message; a chunk of HORMIGA_CONTENT_CHUNK_SIZE fits. */
#define HORMIGA_SHARE_MAX_MESSAGE    (256 * 1024)
/* The most manifest bytes one get-manifest asks for / one manifest carries. */
#define HORMIGA_SHARE_MAX_PIECE      (240 * 1024)
/* The most chunk bytes one chunk message carries. */
#define HORMIGA_SHARE_MAX_CHUNK      HORMIGA_CONTENT_MAX_CHUNK_SIZE
/* error, reply: bytes of "text". */
#define HORMIGA_SHARE_MAX_TEXT       256
/* have: bytes of "bits": one bit per chunk of the largest manifest. */
#define HORMIGA_SHARE_MAX_BITS       (HORMIGA_MANIFEST_MAX_SIZE / HORMIGA_CONTENT_HASH_SIZE / 8)
/* reply: bytes of "entries": one bit per entry of the largest folder. */
#define HORMIGA_SHARE_MAX_ENTRY_BITS ((HORMIGA_MANIFEST_MAX_ENTRIES + 7) / 8)

typedef enum {
  HORMIGA_SHARE_MESSAGE_WANT,
  HORMIGA_SHARE_MESSAGE_HAVE,
  HORMIGA_SHARE_MESSAGE_GET_MANIFEST,
  HORMIGA_SHARE_MESSAGE_MANIFEST,
  HORMIGA_SHARE_MESSAGE_GET_CHUNK,
  HORMIGA_SHARE_MESSAGE_CHUNK,
  HORMIGA_SHARE_MESSAGE_ERROR,
  HORMIGA_SHARE_MESSAGE_CANCEL,
  HORMIGA_SHARE_MESSAGE_OFFER,
  HORMIGA_SHARE_MESSAGE_REPLY,
} HormigaShareMessageType;

/* have: how much of the content the responder holds. */
typedef enum {
  HORMIGA_SHARE_HAVE_NONE,
  HORMIGA_SHARE_HAVE_SOME,
  HORMIGA_SHARE_HAVE_ALL,
} HormigaShareHave;

/* error: "code" values (docs/PROTOCOL.md, "File sharing"). Decoders accept
 * any uint32: unknown codes mean "failed". */
typedef enum {
  HORMIGA_SHARE_CODE_NOT_FOUND = 1,          /* no such content (or chunk) here */
  HORMIGA_SHARE_CODE_BUSY = 2,               /* try again later, or elsewhere */
  HORMIGA_SHARE_CODE_BAD_REQUEST = 3,        /* out of range, wrong state */
  HORMIGA_SHARE_CODE_TOO_MANY_REQUESTS = 4,  /* above this peer's request limit */
  HORMIGA_SHARE_CODE_INTERNAL = 5,           /* the responder failed (disk error, …) */
} HormigaShareCode;

/**
 * HormigaShareMessage:
 * @type: what it is
 * @id: the request's id; a response (and cancel) carries its request's
 * @cid: want, have, get-manifest, manifest, get-chunk, chunk, offer: the
 *   content ID
 * @state: have
 * @bits: have, state some: one bit per chunk, most significant bit first,
 *   ceil(n / 8) bytes (check with hormiga_share_message_check_bits() once n
 *   is known); NULL otherwise
 * @msize: have (all, some), offer: the manifest's encoded size
 * @offset: get-manifest, manifest: where the piece starts in the manifest
 * @length: get-manifest: how many bytes, 1 to HORMIGA_SHARE_MAX_PIECE
 * @total: manifest: the manifest's encoded size
 * @data: manifest: the piece (at most HORMIGA_SHARE_MAX_PIECE bytes);
 *   chunk: the chunk (at most HORMIGA_SHARE_MAX_CHUNK bytes)
 * @index: get-chunk, chunk: the chunk's index
 * @code: error: a HormigaShareCode
 * @text: error: what went wrong, for people (≤ 256 bytes); reply: why, or
 *   NULL
 * @kind: offer
 * @name: offer: the name to show (1 to 255 bytes; sanitize before use)
 * @size: offer: the size in bytes (a folder's: the sum of its files')
 * @accept: reply
 * @entries: reply to a folder's offer, accepted in part: one bit per entry
 *   of the folder's manifest, in its order, most significant bit first, set
 *   for the entries taken (check with hormiga_share_message_check_entries()
 *   once the manifest is known); NULL when all of it is taken (or declined)
 *
 * Plain data, owned by whoever holds it; free with hormiga_share_message_free().
 * Fields that do not belong to the type are ignored by the encoder and
 * zero/NULL after decoding.
 */
typedef struct
{
  HormigaShareMessageType  type;
  guint32                  id;
  HormigaContentId         cid;
  HormigaShareHave         state;
  GBytes                  *bits;
  guint64                  msize;
  guint64                  offset;
  guint32                  length;
  guint64                  total;
  GBytes                  *data;
  guint32                  index;
  guint32                  code;
  char                    *text;
  HormigaManifestKind      kind;
  char                    *name;
  guint64                  size;
  gboolean                 accept;
  GBytes                  *entries;
} HormigaShareMessage;

/* An empty message of @type. */
HormigaShareMessage *hormiga_share_message_new  (HormigaShareMessageType  type,
                                                 guint32                  id);
void                 hormiga_share_message_free (HormigaShareMessage     *message);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HormigaShareMessage, hormiga_share_message_free)

/* TRUE for want, get-manifest, get-chunk and offer (the types a response
 * answers). */
gboolean    hormiga_share_message_is_request      (HormigaShareMessageType type);
/* "want", "get-chunk", …; "unknown" for a value out of range. */
const char *hormiga_share_message_type_to_string  (HormigaShareMessageType type);
/* "not-found", "busy", …; "unknown" for other codes. */
const char *hormiga_share_code_to_string          (guint32                 code);

/* A have's bits for content of @n_chunks: exactly ceil(n / 8) bytes and the
 * padding bits after the last chunk zero. HORMIGA_SHARE_ERROR_MALFORMED
 * otherwise. */
gboolean    hormiga_share_message_check_bits      (const HormigaShareMessage  *message,
                                                   guint64                     n_chunks,
                                                   GError                    **error);
/* A reply's entries for a folder of @n_entries: exactly ceil(n / 8)
 * bytes, the padding bits zero and at least one entry taken.
 * HORMIGA_SHARE_ERROR_MALFORMED otherwise. */
gboolean    hormiga_share_message_check_entries   (const HormigaShareMessage  *message,
                                                   guint64                     n_entries,
                                                   GError                    **error);
/* Bit @index of a have's @bits (MSB first); FALSE past the end. */
gboolean    hormiga_share_message_has_chunk       (const HormigaShareMessage  *message,
                                                   guint64                     index);

/* The canonical encoding. (transfer full) (nullable): NULL, with a critical
 * warning, if a field is beyond its limit. */
GBytes              *hormiga_share_message_encode (const HormigaShareMessage  *message);
/* NULL and HORMIGA_SHARE_ERROR (MALFORMED, UNKNOWN_TYPE, TOO_LARGE) with a
 * message that says which field is wrong. */
HormigaShareMessage *hormiga_share_message_decode (GBytes                     *bytes,
                                                   GError                    **error);

G_END_DECLS
