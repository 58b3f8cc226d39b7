/* hormiga-transfer-manager.h — sharing files with peers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The node's file service. It adds the files channel (negotiated id 2,
 * "hormiga-files", docs/PROTOCOL.md "File sharing") to every connection
 * of its HormigaNode, so it must be made before the node starts.
 *
 * Sharing: share_async() hashes a file (off the main loop), keeps its
 * manifest, announces this node as a provider of its content ID in the
 * DHT and returns its `hormiga:` link. Peers that ask are served chunks
 * read from the file and checked against their hashes on the way out (a
 * file changed since it was shared is not served); each peer may have at
 * most HORMIGA_TRANSFER_MAX_UPLOADS_PER_PEER chunk requests waiting, and
 * what goes out waits while the channel holds HORMIGA_TRANSFER_HIGH_WATER
 * bytes. With an upload limit (set_upload_limit()), the chunks served to
 * all peers together leave at most at that rate, after a burst of at most
 * HORMIGA_TRANSFER_UPLOAD_BURST bytes. Nothing outside the shared files (and the verified chunks of
 * downloads in progress) can be read. With a library folder, what is
 * shared is remembered there and announced again at the next start.
 *
 * Downloading: download() makes a HormigaTransfer (hormiga-transfer.h);
 * get_transfers() lists them all. A finished download is shared in turn
 * (set_share_downloads()).
 *
 * Sending: send_async() offers a file or folder to one peer, which
 * accepts, accepts part of a folder, or declines (::offer on its side)
 * and then downloads what it took.
 *
 * Everything runs on the node's context.
 */
#pragma once

#include <gio/gio.h>

#include "hormiga-node.h"
#include "hormiga-share-message.h"
#include "hormiga-transfer-offer.h"
#include "hormiga-transfer.h"

G_BEGIN_DECLS

#define HORMIGA_TRANSFER_MAX_UPLOADS_PER_PEER 32
#define HORMIGA_TRANSFER_HIGH_WATER           (4 * 1024 * 1024)
#define HORMIGA_TRANSFER_LOW_WATER            (1 * 1024 * 1024)
#define HORMIGA_TRANSFER_DEFAULT_GIVE_UP_MS   60000
/* With an upload limit, the most chunk bytes that leave at once: one
 * message (a chunk and its header). */
#define HORMIGA_TRANSFER_UPLOAD_BURST         HORMIGA_SHARE_MAX_MESSAGE

#define HORMIGA_TYPE_TRANSFER_MANAGER (hormiga_transfer_manager_get_type ())
G_DECLARE_FINAL_TYPE (HormigaTransferManager, hormiga_transfer_manager, HORMIGA, TRANSFER_MANAGER, GObject)

/* @folder: where downloads go by default; @library: (nullable) where what
 * is shared is remembered. Call before hormiga_node_start(). */
HormigaTransferManager *hormiga_transfer_manager_new (HormigaNode *node,
                                                      const char  *folder,
                                                      const char  *library);

/* Shares @file, a file or a folder (every file in it, and the folder's
 * manifest): returns its hormiga: link (transfer full), or NULL and an
 * error (it cannot be read, it is neither). Announcing it in the DHT goes
 * on in the background. */
void        hormiga_transfer_manager_share_async  (HormigaTransferManager *self,
                                                   GFile                  *file,
                                                   GCancellable           *cancellable,
                                                   GAsyncReadyCallback     callback,
                                                   gpointer                user_data);
char       *hormiga_transfer_manager_share_finish (HormigaTransferManager *self,
                                                   GAsyncResult           *result,
                                                   GError                **error);

/* Starts downloading @link into @folder (NULL: the default one); the same
 * content already downloading is returned again (transfer none). */
HormigaTransfer *hormiga_transfer_manager_download (HormigaTransferManager *self,
                                                    const char             *link,
                                                    const char             *folder,
                                                    GError                **error);

/* Shares @file and offers it to @peer: TRUE if the peer accepted, FALSE
 * with an error saying why not (declined, no answer, unreachable). */
void        hormiga_transfer_manager_send_async   (HormigaTransferManager *self,
                                                   const HormigaPeerId    *peer,
                                                   GFile                  *file,
                                                   GCancellable           *cancellable,
                                                   GAsyncReadyCallback     callback,
                                                   gpointer                user_data);
gboolean    hormiga_transfer_manager_send_finish  (HormigaTransferManager *self,
                                                   GAsyncResult           *result,
                                                   GError                **error);
/* The same, and, when the peer took only part of a folder, the paths (as
 * in the folder's manifest) of the files it took in @accepted (NULL when
 * it took everything; free with g_strfreev()). */
gboolean    hormiga_transfer_manager_send_finish_paths (HormigaTransferManager  *self,
                                                        GAsyncResult            *result,
                                                        GStrv                   *accepted,
                                                        GError                 **error);

/* Every download (HormigaTransfer), in the order they started. */
GListModel *hormiga_transfer_manager_get_transfers (HormigaTransferManager *self);

/* Finished downloads are shared too (default TRUE). */
void        hormiga_transfer_manager_set_share_downloads (HormigaTransferManager *self,
                                                          gboolean                share);
/* A download with no peer for this long fails (default 60 s). */
void        hormiga_transfer_manager_set_give_up      (HormigaTransferManager *self,
                                                       guint                   ms);

guint       hormiga_transfer_manager_get_n_shares     (HormigaTransferManager *self);
/* The chunks served to all peers together leave at most at @kib_per_s
 * KiB/s (0: no limit, the default); a change applies to the next chunk.
 * Chunk messages count whole; manifests, answers and requests are not
 * held back. */
void        hormiga_transfer_manager_set_upload_limit (HormigaTransferManager *self,
                                                       guint                   kib_per_s);
guint       hormiga_transfer_manager_get_upload_limit (HormigaTransferManager *self);
/* Chunks and bytes served to peers since the start. */
guint64     hormiga_transfer_manager_get_chunks_served (HormigaTransferManager *self);
guint64     hormiga_transfer_manager_get_bytes_served  (HormigaTransferManager *self);

/**
 * HormigaTransferUpload:
 * @peer: whom the chunks went to
 * @cid: of what
 * @name: the file's name
 * @size: the whole file's size
 * @bytes_sent: chunk bytes handed to that peer's channel so far
 * @first_sent: monotonic time (µs) of the first of them
 * @last_sent: monotonic time (µs) of the last of them
 *
 * What this node served one peer of one content (read-only copies).
 */
typedef struct
{
  HormigaPeerId    *peer;
  HormigaContentId  cid;
  char             *name;
  guint64           size;
  guint64           bytes_sent;
  gint64            first_sent;
  gint64            last_sent;
} HormigaTransferUpload;

void        hormiga_transfer_upload_free              (HormigaTransferUpload  *upload);
/* The last HORMIGA_TRANSFER_MAX_UPLOADS_LISTED (peer, content) pairs
 * served since the start, as HormigaTransferUpload copies (transfer
 * full). */
#define HORMIGA_TRANSFER_MAX_UPLOADS_LISTED 256
GPtrArray  *hormiga_transfer_manager_list_uploads     (HormigaTransferManager *self);

/* Leaves: every transfer stops (keeping what it verified). */
void        hormiga_transfer_manager_shutdown         (HormigaTransferManager *self);

G_END_DECLS
