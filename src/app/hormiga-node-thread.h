/* hormiga-node-thread.h — the application's node, on a thread of its own
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "hormiga-peer-item.h"
#include "hormiga-transfer-item.h"

G_BEGIN_DECLS

typedef enum {
  HORMIGA_NODE_STATE_STOPPED,     /* not started, or stopped */
  HORMIGA_NODE_STATE_STARTING,    /* loading the identity */
  HORMIGA_NODE_STATE_CONNECTING,  /* opening the connection to hormiguero and joining */
  HORMIGA_NODE_STATE_ADMITTED,    /* joined: peer-id and n-known-peers are current */
  HORMIGA_NODE_STATE_OFFLINE,     /* connection lost (see error-message); reconnecting */
  HORMIGA_NODE_STATE_FAILED,      /* cannot run (see error-message); nothing is retried */
} HormigaNodeState;

GType hormiga_node_state_get_type (void);
#define HORMIGA_TYPE_NODE_STATE (hormiga_node_state_get_type ())

/* How long the first join to the configured hormiguero may take before the
 * node falls back to a built-in one. */
#define HORMIGA_NODE_THREAD_DEFAULT_START_TIMEOUT 10000  /* ms */

#define HORMIGA_TYPE_NODE_THREAD (hormiga_node_thread_get_type ())
G_DECLARE_FINAL_TYPE (HormigaNodeThread, hormiga_node_thread, HORMIGA, NODE_THREAD, GObject)

/* The object belongs to the thread that creates it (the UI thread): its
 * properties change, and are notified, only on the thread-default context
 * of that thread at construction. The node itself runs on a thread of its
 * own with its own GMainContext.
 *
 * @server_url: the hormiguero to join; NULL or "" for none. If it is none,
 * or if the first join fails or takes longer than the start timeout, the
 * node starts a built-in hormiguero on 127.0.0.1 (an ephemeral port) in its
 * thread and joins that one instead.
 * @data_dir: where the identity key lives (created on first start). */
HormigaNodeThread *hormiga_node_thread_new                (const char        *server_url,
                                                           const char        *data_dir);

/* Starts the node's thread. */
void               hormiga_node_thread_start              (HormigaNodeThread *self);
/* Leaves hormiguero, stops the built-in one if any, and joins the thread;
 * state becomes STOPPED. Called by dispose if needed. */
void               hormiga_node_thread_stop               (HormigaNodeThread *self);

HormigaNodeState   hormiga_node_thread_get_state          (HormigaNodeThread *self);
/* The configured hormiguero (construct property), NULL if none. */
const char        *hormiga_node_thread_get_configured_url (HormigaNodeThread *self);
const char        *hormiga_node_thread_get_data_dir       (HormigaNodeThread *self);
/* The hormiguero the node is using or trying now; NULL before. */
const char        *hormiga_node_thread_get_server_url     (HormigaNodeThread *self);
/* TRUE once the node uses its built-in hormiguero. */
gboolean           hormiga_node_thread_get_embedded       (HormigaNodeThread *self);
/* Why the built-in hormiguero is used (the configured one's failure, or
 * that none is configured); NULL while it is not. */
const char        *hormiga_node_thread_get_fallback_reason (HormigaNodeThread *self);
/* Our PeerID, once the identity is loaded. */
const char        *hormiga_node_thread_get_peer_id        (HormigaNodeThread *self);
/* Peers in hormiguero's bootstrap sample at the last admission. */
guint              hormiga_node_thread_get_n_known_peers  (HormigaNodeThread *self);
/* TRUE once the DHT's bootstrap lookup after the last admission ended. */
gboolean           hormiga_node_thread_get_dht_ready      (HormigaNodeThread *self);
/* Why the node is OFFLINE or FAILED; NULL otherwise. */
const char        *hormiga_node_thread_get_error_message  (HormigaNodeThread *self);

/* Host candidates only on @address (tests and demos on 127.0.0.1); NULL
 * for every interface. Before start. */
/* Contingency nodes the node keeps (0: none, and it protects nobody);
 * HORMIGA_CONTINGENCY_CONFIG_INIT's 2 by default. Before start. */
void               hormiga_node_thread_set_contingents    (HormigaNodeThread *self,
                                                           guint              contingents);
void               hormiga_node_thread_set_ice_address    (HormigaNodeThread *self,
                                                           const char        *address);
const char        *hormiga_node_thread_get_ice_address    (HormigaNodeThread *self);

/* Settings the node applies at once, before the start or while it runs. */
/* The chunks served to all peers together leave at most at @kib_per_s
 * KiB/s; 0 for no limit (the default). */
void               hormiga_node_thread_set_upload_limit   (HormigaNodeThread *self,
                                                           guint              kib_per_s);
/* The name peers see for this node (hormiga_node_set_display_name());
 * NULL or "" for none. One a hello cannot carry is left out, with a
 * message. */
void               hormiga_node_thread_set_display_name   (HormigaNodeThread *self,
                                                           const char        *name);
/* STUN and TURN servers (hormiga_node_set_ice_servers()) for the
 * connections the node makes from now on; if one of them is malformed,
 * none is used, with a message. */
void               hormiga_node_thread_set_ice_servers    (HormigaNodeThread  *self,
                                                           const char * const *stun,
                                                           const char * const *turn);

/* The peers the node is connected to, connecting to, or has in its DHT
 * routing table: a GListModel of HormigaPeerItem, closest DHT ring first,
 * then by PeerID. Items are updated in place as the node reports them
 * (on every change of its connections, and every 2 s); the model changes
 * only where peers come and go. Owned by @self. */
GListModel        *hormiga_node_thread_get_peers          (HormigaNodeThread *self);
/* Of those, how many have an open connection, and how: straight to the
 * peer, or through a TURN relay (the two add up to n-connected); and how
 * many of them were negotiated through the overlay rather than
 * hormiguero. n-contacts: peers in the routing table. */
guint              hormiga_node_thread_get_n_connected    (HormigaNodeThread *self);
guint              hormiga_node_thread_get_n_direct       (HormigaNodeThread *self);
guint              hormiga_node_thread_get_n_relayed      (HormigaNodeThread *self);
guint              hormiga_node_thread_get_n_overlay      (HormigaNodeThread *self);
guint              hormiga_node_thread_get_n_contacts     (HormigaNodeThread *self);

/* Runs @func on the node's thread, with the node's context as its
 * thread-default one, until it returns G_SOURCE_REMOVE. For code that must
 * share that context, such as a test's own peer (usrsctp is process-wide:
 * every peer connection of a process runs on one context). While the
 * thread runs. */
void               hormiga_node_thread_invoke             (HormigaNodeThread *self,
                                                           GSourceFunc        func,
                                                           gpointer           data,
                                                           GDestroyNotify     destroy);

/* ---- files --------------------------------------------------------------
 *
 * The node shares and fetches files with a HormigaTransferManager of its
 * own, on its thread. Everything here is called on the UI thread and only
 * posts to the node; answers and models come back on the UI thread. */

/* Where downloads go unless a call says otherwise; NULL or "" for
 * hormiga_node_thread_default_download_folder(). Before start. What is
 * shared is remembered in DATA_DIR/library. */
void               hormiga_node_thread_set_download_folder (HormigaNodeThread *self,
                                                            const char        *folder);
const char        *hormiga_node_thread_get_download_folder (HormigaNodeThread *self);
/* The XDG download folder, else ~/Downloads. */
char              *hormiga_node_thread_default_download_folder (void);

/* Every download of the node, and every upload (what its transfer manager
 * served one peer of one file: DOWNLOADING while chunks go out, DONE a few
 * seconds after the last, the peer as its one source): a GListModel of
 * HormigaTransferItem in the order they started, updated in place (at
 * most ten times a second). Only pause, resume and cancel downloads.
 * Owned by @self. */
GListModel        *hormiga_node_thread_get_transfers      (HormigaNodeThread *self);
/* Of those, how many are looking for peers, moving bytes or verifying. */
guint              hormiga_node_thread_get_n_active_transfers (HormigaNodeThread *self);
/* (transfer none) The item with that id, or NULL. */
HormigaTransferItem *hormiga_node_thread_lookup_transfer  (HormigaNodeThread *self,
                                                           guint              id);
void               hormiga_node_thread_pause_transfer     (HormigaNodeThread *self,
                                                           guint              id);
void               hormiga_node_thread_resume_transfer    (HormigaNodeThread *self,
                                                           guint              id);
/* Stops it for good and deletes the partial file. */
void               hormiga_node_thread_cancel_transfer    (HormigaNodeThread *self,
                                                           guint              id);

/* Starts downloading a hormiga: link into @folder (NULL: the default);
 * finish gives the transfer's id (its item is in the model by then), or 0
 * and an error (a bad link, the node not running). */
void               hormiga_node_thread_download_async     (HormigaNodeThread   *self,
                                                           const char          *link,
                                                           const char          *folder,
                                                           GCancellable        *cancellable,
                                                           GAsyncReadyCallback  callback,
                                                           gpointer             user_data);
guint              hormiga_node_thread_download_finish    (HormigaNodeThread   *self,
                                                           GAsyncResult        *result,
                                                           GError             **error);
/* Shares a local file: finish gives its hormiga: link. */
void               hormiga_node_thread_share_async        (HormigaNodeThread   *self,
                                                           GFile               *file,
                                                           GCancellable        *cancellable,
                                                           GAsyncReadyCallback  callback,
                                                           gpointer             user_data);
char              *hormiga_node_thread_share_finish       (HormigaNodeThread   *self,
                                                           GAsyncResult        *result,
                                                           GError             **error);
/* Offers a local file to @peer_id: TRUE once accepted, FALSE and an error
 * saying why not (declined and the reason, unreachable, no answer). */
void               hormiga_node_thread_send_async         (HormigaNodeThread   *self,
                                                           const char          *peer_id,
                                                           GFile               *file,
                                                           GCancellable        *cancellable,
                                                           GAsyncReadyCallback  callback,
                                                           gpointer             user_data);
gboolean           hormiga_node_thread_send_finish        (HormigaNodeThread   *self,
                                                           GAsyncResult        *result,
                                                           GError             **error);

/* Answers the offer ::offer announced: download into @folder (NULL: the
 * default), or decline with a reason the sender sees. */
void               hormiga_node_thread_accept_offer       (HormigaNodeThread *self,
                                                           guint              id,
                                                           const char        *folder);
/* Downloads only the files of a folder's offer that @paths name (paths
 * relative to the folder, of files or of folders in it; NULL: all). */
void               hormiga_node_thread_accept_offer_paths (HormigaNodeThread  *self,
                                                           guint               id,
                                                           const char         *folder,
                                                           const char * const *paths);
void               hormiga_node_thread_decline_offer      (HormigaNodeThread *self,
                                                           guint              id,
                                                           const char        *reason);

G_END_DECLS
