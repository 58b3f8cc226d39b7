/* hormiga-node-thread.c — the application's node, on a thread of its own
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Two halves that share nothing but a mailbox:
 *
 * - The Worker lives on the node thread. It owns the identity, the
 *   HormigaNode (signaling client, peer connections, DHT) and, when
 *   needed, the built-in hormiguero, all on the worker's own GMainContext,
 *   and keeps a NodeStatus. Whenever the status changes it posts a full
 *   copy to the UI context as an idle source. It also posts a snapshot of
 *   the peers (connections and routing table contacts, as plain
 *   HormigaPeerState copies) on every ::connections-changed and every
 *   PEERS_INTERVAL_MS.
 * - The HormigaNodeThread object lives on the UI thread. It applies each
 *   copy there, notifying the properties that changed, and merges each
 *   peer snapshot into its list model (items updated in place, one
 *   items-changed per run of insertions and removals), so the UI only
 *   ever sees its own thread and never a node object. It reaches the
 *   worker once, to stop it (an idle source on the worker's context),
 *   then joins the thread.
 *
 * The Mailbox is shared by both threads (atomic reference count); its
 * `owner` pointer is read and written only on the UI thread, so copies that
 * arrive after stop() or after the object is gone are dropped there.
 *
 * Start: load the identity; join the configured hormiguero; if there is
 * none, or the first join fails or takes longer than the start timeout,
 * start a built-in hormiguero on 127.0.0.1 (an ephemeral port) and join it.
 * After a first admission a lost connection is only reported: the signaling
 * client reconnects by itself.
 */
#include <string.h>

#include <glib/gi18n.h>

#include "hormiga-contingency-service.h"
#include "hormiga-hormiguero.h"
#include "hormiga-identity.h"
#include "hormiga-node.h"
#include "hormiga-peer-id.h"
#include "hormiga-signaling-client.h"
#include "hormiga-transfer-manager.h"

#include "hormiga-node-thread.h"
#include "hormiga-peer-item-private.h"
#include "hormiga-transfer-item-private.h"

G_DEFINE_ENUM_TYPE (HormigaNodeState, hormiga_node_state,
  G_DEFINE_ENUM_VALUE (HORMIGA_NODE_STATE_STOPPED, "stopped"),
  G_DEFINE_ENUM_VALUE (HORMIGA_NODE_STATE_STARTING, "starting"),
  G_DEFINE_ENUM_VALUE (HORMIGA_NODE_STATE_CONNECTING, "connecting"),
  G_DEFINE_ENUM_VALUE (HORMIGA_NODE_STATE_ADMITTED, "admitted"),
  G_DEFINE_ENUM_VALUE (HORMIGA_NODE_STATE_OFFLINE, "offline"),
  G_DEFINE_ENUM_VALUE (HORMIGA_NODE_STATE_FAILED, "failed"))

/* How long the worker keeps iterating after leaving, so that close frames
 * go out and a built-in hormiguero says goodbye to its peers. */
#define DRAIN_MS 100

/* How often the peers are posted when no connection changes (traffic
 * counters, routing table contacts). */
#define PEERS_INTERVAL_MS 2000
/* The longest a graceful leave may hold the node thread's end (the core
 * gives its handoffs 5 s). */
#define LEAVE_LIMIT_MS 7000

/* How often the worker looks for news of its uploads, and how long after
 * its last chunk an upload is over. */
#define UPLOADS_INTERVAL_MS 500
#define UPLOAD_IDLE_US      (3 * G_USEC_PER_SEC)

/* ---------------------------------------------------------------- status */

typedef struct
{
  HormigaNodeState  state;
  char             *server_url;
  gboolean          embedded;
  char             *fallback_reason;
  char             *peer_id;
  guint             n_known_peers;
  gboolean          dht_ready;
  char             *error_message;
} NodeStatus;

static void
node_status_clear (NodeStatus *status)
{
  g_clear_pointer (&status->server_url, g_free);
  g_clear_pointer (&status->fallback_reason, g_free);
  g_clear_pointer (&status->peer_id, g_free);
  g_clear_pointer (&status->error_message, g_free);
  status->state = HORMIGA_NODE_STATE_STOPPED;
  status->embedded = FALSE;
  status->n_known_peers = 0;
  status->dht_ready = FALSE;
}

static void
node_status_copy (const NodeStatus *from,
                  NodeStatus       *to)
{
  to->state = from->state;
  to->server_url = g_strdup (from->server_url);
  to->embedded = from->embedded;
  to->fallback_reason = g_strdup (from->fallback_reason);
  to->peer_id = g_strdup (from->peer_id);
  to->n_known_peers = from->n_known_peers;
  to->dht_ready = from->dht_ready;
  to->error_message = g_strdup (from->error_message);
}

/* --------------------------------------------------------------- mailbox */

typedef struct
{
  gatomicrefcount    ref_count;
  GMainContext      *ui_context;
  HormigaNodeThread *owner;       /* UI thread only */
} Mailbox;

static Mailbox *
mailbox_new (HormigaNodeThread *owner,
             GMainContext      *ui_context)
{
  Mailbox *mailbox = g_new0 (Mailbox, 1);

  g_atomic_ref_count_init (&mailbox->ref_count);
  mailbox->ui_context = g_main_context_ref (ui_context);
  mailbox->owner = owner;
  return mailbox;
}

static Mailbox *
mailbox_ref (Mailbox *mailbox)
{
  g_atomic_ref_count_inc (&mailbox->ref_count);
  return mailbox;
}

static void
mailbox_unref (Mailbox *mailbox)
{
  if (g_atomic_ref_count_dec (&mailbox->ref_count))
    {
      g_main_context_unref (mailbox->ui_context);
      g_free (mailbox);
    }
}

typedef struct
{
  Mailbox    *mailbox;
  NodeStatus  status;
} NodeUpdate;

static void
node_update_free (gpointer data)
{
  NodeUpdate *update = data;

  mailbox_unref (update->mailbox);
  node_status_clear (&update->status);
  g_free (update);
}

static void hormiga_node_thread_apply (HormigaNodeThread *self,
                                       const NodeStatus  *status);

static gboolean
on_update (gpointer data)
{
  NodeUpdate *update = data;

  if (update->mailbox->owner != NULL)
    hormiga_node_thread_apply (update->mailbox->owner, &update->status);
  return G_SOURCE_REMOVE;
}

typedef struct
{
  Mailbox *mailbox;
  GArray  *peers;       /* HormigaPeerState, sorted */
} PeersUpdate;

static void
peers_update_free (gpointer data)
{
  PeersUpdate *update = data;

  mailbox_unref (update->mailbox);
  g_array_unref (update->peers);
  g_free (update);
}

static void hormiga_node_thread_apply_peers (HormigaNodeThread *self,
                                             GArray            *peers);

static gboolean
on_peers_update (gpointer data)
{
  PeersUpdate *update = data;

  if (update->mailbox->owner != NULL)
    hormiga_node_thread_apply_peers (update->mailbox->owner, update->peers);
  return G_SOURCE_REMOVE;
}

/* The transfers, as plain copies (HormigaTransferSnapshot, by id). */
typedef struct
{
  Mailbox *mailbox;
  GArray  *transfers;
} TransfersUpdate;

static void
transfers_update_free (gpointer data)
{
  TransfersUpdate *update = data;

  mailbox_unref (update->mailbox);
  g_array_unref (update->transfers);
  g_free (update);
}

static void hormiga_node_thread_apply_transfers (HormigaNodeThread *self,
                                                 GArray            *transfers);

static gboolean
on_transfers_update (gpointer data)
{
  TransfersUpdate *update = data;

  if (update->mailbox->owner != NULL)
    hormiga_node_thread_apply_transfers (update->mailbox->owner, update->transfers);
  return G_SOURCE_REMOVE;
}

/* An offer that came in (peer_id set), or one that was answered. */
typedef struct
{
  Mailbox *mailbox;
  guint    id;
  char    *peer_id;     /* NULL: answered */
  char    *name;
  guint64  size;
  GStrv    files;       /* a folder's paths, NULL for a file */
  GArray  *sizes;       /* their sizes (guint64) */
} OfferUpdate;

static void
offer_update_free (gpointer data)
{
  OfferUpdate *update = data;

  mailbox_unref (update->mailbox);
  g_free (update->peer_id);
  g_free (update->name);
  g_strfreev (update->files);
  g_clear_pointer (&update->sizes, g_array_unref);
  g_free (update);
}

static void hormiga_node_thread_apply_offer (HormigaNodeThread *self,
                                             const OfferUpdate *update);

static gboolean
on_offer_update (gpointer data)
{
  OfferUpdate *update = data;

  if (update->mailbox->owner != NULL)
    hormiga_node_thread_apply_offer (update->mailbox->owner, update);
  return G_SOURCE_REMOVE;
}

/* The answer to a request of the UI thread: @text (a link) or @error. */
typedef struct
{
  Mailbox *mailbox;
  guint    request;
  guint    value;
  char    *text;
  GError  *error;
} Reply;

static void
reply_free (gpointer data)
{
  Reply *reply = data;

  mailbox_unref (reply->mailbox);
  g_free (reply->text);
  g_clear_error (&reply->error);
  g_free (reply);
}

static void hormiga_node_thread_apply_reply (HormigaNodeThread *self,
                                             Reply             *reply);

static gboolean
on_reply (gpointer data)
{
  Reply *reply = data;

  if (reply->mailbox->owner != NULL)
    hormiga_node_thread_apply_reply (reply->mailbox->owner, reply);
  return G_SOURCE_REMOVE;
}

/* Posts @data to the UI context, always as an idle source. */
static void
mailbox_post (Mailbox        *mailbox,
              const char     *name,
              GSourceFunc     callback,
              gpointer        data,
              GDestroyNotify  destroy)
{
  GSource *source = g_idle_source_new ();

  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_static_name (source, name);
  g_source_set_callback (source, callback, data, destroy);
  g_source_attach (source, mailbox->ui_context);
  g_source_unref (source);
}

static void
post_reply (Mailbox *mailbox,
            guint    request,
            guint    value,
            char    *text,
            GError  *error)
{
  Reply *reply = g_new0 (Reply, 1);

  reply->mailbox = mailbox_ref (mailbox);
  reply->request = request;
  reply->value = value;
  reply->text = text;
  reply->error = error;
  mailbox_post (mailbox, "[hormiga] node reply", on_reply, reply, reply_free);
}

/* ------------------------------------------------------------- settings */

/* What the preferences tell the node, applied at once whenever they change
 * (hormiga_node_thread_set_upload_limit() and the like). */
typedef struct
{
  guint  upload_limit;    /* KiB/s; 0: none */
  char  *display_name;    /* NULL: none */
  GStrv  stun_servers;    /* NULL: none */
  GStrv  turn_servers;
} NodeSettings;

static void
node_settings_clear (NodeSettings *settings)
{
  g_clear_pointer (&settings->display_name, g_free);
  g_clear_pointer (&settings->stun_servers, g_strfreev);
  g_clear_pointer (&settings->turn_servers, g_strfreev);
}

static void
node_settings_copy (const NodeSettings *from,
                    NodeSettings       *to)
{
  to->upload_limit = from->upload_limit;
  to->display_name = g_strdup (from->display_name);
  to->stun_servers = g_strdupv (from->stun_servers);
  to->turn_servers = g_strdupv (from->turn_servers);
}

/* ---------------------------------------------------------------- worker */

typedef struct
{
  GMainContext           *context;
  GMainLoop              *loop;
  Mailbox                *mailbox;

  char                   *configured_url;
  char                   *data_dir;
  char                   *ice_address;
  guint                   start_timeout;

  HormigaIdentity        *identity;
  HormigaNode            *node;
  HormigaSignalingClient *client;       /* the node's */
  HormigaHormiguero      *hormiguero;
  GSource                *begin_source;
  GSource                *start_timeout_source;
  GSource                *fallback_source;
  GSource                *peers_source;
  GPtrArray              *retired;      /* stopped nodes and managers, released when idle */
  char                   *download_folder;
  HormigaTransferManager *manager;      /* the node's */
  HormigaContingencyService *contingency; /* the node's; NULL with 0 contingents */
  guint                   contingents;
  GHashTable             *transfer_ids; /* HormigaTransfer → id (guint) */
  guint                   last_transfer_id;
  GHashTable             *offers;       /* id → HormigaTransferOffer, unanswered */
  guint                   last_offer_id;
  GSource                *transfers_source;
  GSource                *uploads_source;
  GHashTable             *upload_ids;   /* "PEERID CID" → id (guint) */
  guint64                 bytes_served; /* as last posted */
  gboolean                uploads_active;
  gboolean                ever_admitted;

  NodeStatus              status;       /* as last posted */
  NodeSettings            settings;     /* as last posted by the UI thread */
} Worker;

static void
worker_free (Worker *worker)
{
  g_assert (worker->node == NULL && worker->client == NULL && worker->hormiguero == NULL);
  g_assert (worker->manager == NULL && worker->transfers_source == NULL);
  g_assert (worker->contingency == NULL);
  g_assert (worker->begin_source == NULL && worker->peers_source == NULL);
  g_assert (worker->uploads_source == NULL);
  g_assert (worker->start_timeout_source == NULL && worker->fallback_source == NULL);

  g_clear_pointer (&worker->retired, g_ptr_array_unref);
  g_clear_object (&worker->identity);
  g_clear_pointer (&worker->loop, g_main_loop_unref);
  g_clear_pointer (&worker->context, g_main_context_unref);
  g_clear_pointer (&worker->mailbox, mailbox_unref);
  g_free (worker->configured_url);
  g_free (worker->data_dir);
  g_free (worker->ice_address);
  g_free (worker->download_folder);
  g_clear_pointer (&worker->transfer_ids, g_hash_table_unref);
  g_clear_pointer (&worker->upload_ids, g_hash_table_unref);
  g_clear_pointer (&worker->offers, g_hash_table_unref);
  node_status_clear (&worker->status);
  node_settings_clear (&worker->settings);
  g_free (worker);
}

/* Posts the current status to the UI context. Always an idle source, never
 * a direct call: the UI context is never run on this thread. */
static void
worker_post (Worker *worker)
{
  NodeUpdate *update = g_new0 (NodeUpdate, 1);
  GSource *source = g_idle_source_new ();

  update->mailbox = mailbox_ref (worker->mailbox);
  node_status_copy (&worker->status, &update->status);

  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_static_name (source, "[hormiga] node status");
  g_source_set_callback (source, on_update, update, node_update_free);
  g_source_attach (source, worker->mailbox->ui_context);
  g_source_unref (source);
}

static void
worker_set_state (Worker           *worker,
                  HormigaNodeState  state,
                  const char       *error_message)
{
  worker->status.state = state;
  g_free (worker->status.error_message);
  worker->status.error_message = g_strdup (error_message);
  worker_post (worker);
}

static void
clear_source (GSource **source)
{
  if (*source != NULL)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}

/* ----------------------------------------------------------------- peers */

static void
peer_state_clear (gpointer data)
{
  _hormiga_peer_state_clear (data);
}

static int
compare_peer_states (gconstpointer a,
                     gconstpointer b)
{
  return _hormiga_peer_state_compare (a, b);
}

static HormigaPeerState *
peer_state_lookup (GArray              *peers,
                   GHashTable          *index,
                   const HormigaPeerId *peer,
                   const HormigaDhtKey *own_key)
{
  const char *text = hormiga_peer_id_to_string (peer);
  gpointer position;
  HormigaPeerState state = { 0 };
  HormigaDhtKey key;

  if (g_hash_table_lookup_extended (index, text, NULL, &position))
    return &g_array_index (peers, HormigaPeerState, GPOINTER_TO_UINT (position));

  hormiga_dht_key_from_peer_id (&key, peer);
  state.peer_id = g_strdup (text);
  memcpy (state.key, key.bytes, sizeof state.key);
  state.kind = HORMIGA_PEER_KIND_KNOWN;
  state.bucket = MIN (hormiga_dht_key_common_prefix (own_key, &key), HORMIGA_DHT_KEY_BITS - 1);
  state.role = HORMIGA_PEER_ROLE_NEIGHBOUR;
  state.rtt_ms = -1;
  g_array_append_val (peers, state);
  g_hash_table_insert (index, state.peer_id, GUINT_TO_POINTER (peers->len - 1));
  return &g_array_index (peers, HormigaPeerState, peers->len - 1);
}

/* Connected, then being set up, then known only. */
static int
kind_rank (HormigaPeerKind kind)
{
  switch (kind)
    {
    case HORMIGA_PEER_KIND_DIRECT:
    case HORMIGA_PEER_KIND_RELAYED:
      return 2;
    case HORMIGA_PEER_KIND_CONNECTING:
      return 1;
    case HORMIGA_PEER_KIND_KNOWN:
    default:
      return 0;
    }
}

/* Every peer the node has a connection to (open or being set up) or a
 * routing table contact for, as plain copies, sorted. */
static GArray *
worker_collect_peers (Worker *worker)
{
  GArray *peers = g_array_new (FALSE, TRUE, sizeof (HormigaPeerState));
  g_autoptr(GHashTable) index = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) connections = NULL;
  HormigaDht *dht;
  HormigaDhtKey own_key;

  g_array_set_clear_func (peers, peer_state_clear);
  if (worker->node == NULL || worker->identity == NULL)
    return peers;

  hormiga_dht_key_from_peer_id (&own_key, hormiga_identity_get_peer_id (worker->identity));
  connections = hormiga_node_list_connections (worker->node);
  for (guint i = 0; i < connections->len; i++)
    {
      HormigaNodeConnectionInfo *info = g_ptr_array_index (connections, i);
      HormigaPeerState *state = peer_state_lookup (peers, index, info->peer, &own_key);
      HormigaPeerKind kind = HORMIGA_PEER_KIND_CONNECTING;

      if (info->open)
        kind = g_strcmp0 (info->path, "relay") == 0 ? HORMIGA_PEER_KIND_RELAYED
                                                     : HORMIGA_PEER_KIND_DIRECT;
      state->bytes_sent += info->bytes_sent;
      state->bytes_received += info->bytes_received;
      /* Two links to one peer: the best one says how it is reached; the
       * oldest open one since when. */
      if (kind_rank (kind) > kind_rank (state->kind)
          || (kind_rank (kind) == kind_rank (state->kind) && info->open
              && info->opened_at < state->connected_since))
        {
          state->kind = kind;
          state->overlay = info->overlay;
          state->incoming = info->incoming;
          state->connected_since = info->open ? info->opened_at : 0;
          state->rtt_ms = info->open ? info->rtt_ms : -1;
        }
    }

  dht = hormiga_node_get_dht (worker->node);
  if (dht != NULL)
    {
      g_autoptr(GPtrArray) contacts =
        hormiga_dht_routing_table_list (hormiga_dht_get_routing_table (dht));

      for (guint i = 0; i < contacts->len; i++)
        {
          HormigaDhtContact *contact = g_ptr_array_index (contacts, i);

          peer_state_lookup (peers, index, contact->peer, &own_key)->in_routing_table = TRUE;
        }
    }

  /* File chunks count as traffic too: what the manager served each peer,
   * and what each download took from it. */
  if (worker->manager != NULL)
    {
      g_autoptr(GPtrArray) uploads = hormiga_transfer_manager_list_uploads (worker->manager);
      GListModel *transfers = hormiga_transfer_manager_get_transfers (worker->manager);
      gpointer position;

      for (guint i = 0; i < uploads->len; i++)
        {
          HormigaTransferUpload *upload = g_ptr_array_index (uploads, i);

          if (g_hash_table_lookup_extended (index, hormiga_peer_id_to_string (upload->peer), NULL,
                                            &position))
            g_array_index (peers, HormigaPeerState, GPOINTER_TO_UINT (position)).bytes_sent +=
              upload->bytes_sent;
        }
      for (guint i = 0; i < g_list_model_get_n_items (transfers); i++)
        {
          g_autoptr(HormigaTransfer) transfer = g_list_model_get_item (transfers, i);
          g_autoptr(GPtrArray) sources = hormiga_transfer_list_sources (transfer);

          for (guint j = 0; j < sources->len; j++)
            {
              HormigaTransferSource *source = g_ptr_array_index (sources, j);

              if (g_hash_table_lookup_extended (index, hormiga_peer_id_to_string (source->peer),
                                                NULL, &position))
                g_array_index (peers, HormigaPeerState, GPOINTER_TO_UINT (position)).bytes_received +=
                  source->bytes;
            }
        }
    }

  /* Who protects whom: our contingents and the nodes we protect, known
   * or connected. */
  if (worker->contingency != NULL)
    {
      HormigaContingency *core = hormiga_contingency_service_get_contingency (worker->contingency);
      g_autoptr(GPtrArray) contingents = hormiga_contingency_list_contingents (core);
      g_autoptr(GPtrArray) protected = hormiga_contingency_list_protected (core);

      for (guint i = 0; i < contingents->len; i++)
        {
          HormigaContingentInfo *info = g_ptr_array_index (contingents, i);

          peer_state_lookup (peers, index, info->peer, &own_key)->role = HORMIGA_PEER_ROLE_CONTINGENT;
        }
      for (guint i = 0; i < protected->len; i++)
        {
          HormigaProtectedInfo *info = g_ptr_array_index (protected, i);
          HormigaPeerState *state = peer_state_lookup (peers, index, info->peer, &own_key);

          state->role = state->role == HORMIGA_PEER_ROLE_CONTINGENT ? HORMIGA_PEER_ROLE_MUTUAL
                                                                    : HORMIGA_PEER_ROLE_PROTECTED;
        }
    }

  /* What each calls itself, if it said. */
  for (guint i = 0; i < peers->len; i++)
    {
      HormigaPeerState *state = &g_array_index (peers, HormigaPeerState, i);
      g_autoptr(HormigaPeerId) peer = hormiga_peer_id_parse (state->peer_id, NULL);

      if (peer != NULL)
        state->display_name = hormiga_node_dup_peer_name (worker->node, peer);
    }

  g_array_sort (peers, compare_peer_states);
  return peers;
}

static void
worker_post_peers (Worker *worker)
{
  PeersUpdate *update = g_new0 (PeersUpdate, 1);

  update->mailbox = mailbox_ref (worker->mailbox);
  update->peers = worker_collect_peers (worker);
  g_main_context_invoke_full (worker->mailbox->ui_context, G_PRIORITY_DEFAULT,
                              on_peers_update, update, peers_update_free);
}

static void
on_dht_ready (HormigaNode *node,
              guint        contacts,
              gpointer     user_data)
{
  Worker *worker = user_data;

  worker->status.dht_ready = TRUE;
  worker_post (worker);
}

static void
on_connections_changed (HormigaNode *node,
                        gpointer     user_data)
{
  worker_post_peers (user_data);
}

static void worker_check_offers (Worker *worker);

static gboolean
on_peers_interval (gpointer user_data)
{
  worker_post_peers (user_data);
  worker_check_offers (user_data);
  return G_SOURCE_CONTINUE;
}

/* ------------------------------------------------------------- transfers */

/* How long changes to the transfers gather before they are posted: at
 * most ten snapshots a second reach the UI thread. */
#define TRANSFERS_DELAY_MS 100

static void
transfer_snapshot_clear (gpointer data)
{
  _hormiga_transfer_snapshot_clear (data);
}

static guint
worker_transfer_id (Worker          *worker,
                    HormigaTransfer *transfer)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (worker->transfer_ids, transfer));
}

static HormigaTransfer *
worker_lookup_transfer (Worker *worker,
                        guint   id)
{
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, worker->transfer_ids);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (GPOINTER_TO_UINT (value) == id)
      return key;
  return NULL;
}

static void worker_schedule_transfers (Worker *worker);

static void
on_transfer_notify (GObject    *object,
                    GParamSpec *pspec,
                    gpointer    user_data)
{
  worker_schedule_transfers (user_data);
}

static int
compare_snapshot_ids (gconstpointer a,
                      gconstpointer b)
{
  guint x = ((const HormigaTransferSnapshot *) a)->id;
  guint y = ((const HormigaTransferSnapshot *) b)->id;

  return x < y ? -1 : x > y;
}

/* What the manager served, one upload per peer and content: going on
 * while chunks left in the last UPLOAD_IDLE_US, done after. */
static void
worker_collect_uploads (Worker *worker,
                        GArray *transfers)
{
  g_autoptr(GPtrArray) uploads = hormiga_transfer_manager_list_uploads (worker->manager);
  gint64 now = g_get_monotonic_time ();

  worker->uploads_active = FALSE;
  worker->bytes_served = hormiga_transfer_manager_get_bytes_served (worker->manager);
  for (guint i = 0; i < uploads->len; i++)
    {
      HormigaTransferUpload *upload = g_ptr_array_index (uploads, i);
      g_autofree char *cid = hormiga_content_id_to_string (&upload->cid);
      const char *peer = hormiga_peer_id_to_string (upload->peer);
      g_autofree char *key = g_strconcat (peer, " ", cid, NULL);
      HormigaTransferSnapshot snapshot = { 0 };
      gboolean active = now - upload->last_sent < UPLOAD_IDLE_US;
      gint64 elapsed = MAX (upload->last_sent - upload->first_sent, 1000);
      guint id = GPOINTER_TO_UINT (g_hash_table_lookup (worker->upload_ids, key));

      if (id == 0)
        {
          id = ++worker->last_transfer_id;
          g_hash_table_insert (worker->upload_ids, g_steal_pointer (&key), GUINT_TO_POINTER (id));
        }
      snapshot.id = id;
      snapshot.direction = HORMIGA_TRANSFER_DIRECTION_UPLOAD;
      snapshot.state = active ? HORMIGA_TRANSFER_DOWNLOADING : HORMIGA_TRANSFER_DONE;
      snapshot.name = g_strdup (upload->name);
      snapshot.size = upload->size;
      snapshot.received = MIN (upload->bytes_sent, upload->size);
      snapshot.eta = -1;
      if (active)
        {
          snapshot.speed = (double) upload->bytes_sent * G_USEC_PER_SEC / (double) elapsed;
          snapshot.n_sources = 1;
          if (snapshot.speed > 0 && snapshot.received < snapshot.size)
            snapshot.eta = (gint64) ((double) (snapshot.size - snapshot.received) / snapshot.speed);
          worker->uploads_active = TRUE;
        }
      snapshot.sources = g_strdupv ((char *[]) { (char *) peer, NULL });
      g_array_append_val (transfers, snapshot);
    }
}

/* Every transfer of the manager, as plain copies, by id. */
static GArray *
worker_collect_transfers (Worker *worker)
{
  GArray *transfers = g_array_new (FALSE, TRUE, sizeof (HormigaTransferSnapshot));
  GListModel *model;
  guint n;

  g_array_set_clear_func (transfers, transfer_snapshot_clear);
  if (worker->manager == NULL)
    return transfers;

  model = hormiga_transfer_manager_get_transfers (worker->manager);
  n = g_list_model_get_n_items (model);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(HormigaTransfer) transfer = g_list_model_get_item (model, i);
      g_autoptr(GPtrArray) sources = hormiga_transfer_list_sources (transfer);
      g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
      HormigaTransferSnapshot snapshot = { 0 };
      guint id = worker_transfer_id (worker, transfer);

      if (id == 0)
        {
          id = ++worker->last_transfer_id;
          g_hash_table_insert (worker->transfer_ids, g_object_ref (transfer), GUINT_TO_POINTER (id));
          g_signal_connect (transfer, "notify", G_CALLBACK (on_transfer_notify), worker);
        }
      for (guint j = 0; j < sources->len; j++)
        {
          HormigaTransferSource *source = g_ptr_array_index (sources, j);

          if (source->chunks > 0)
            g_strv_builder_add (builder, hormiga_peer_id_to_string (source->peer));
        }

      snapshot.id = id;
      snapshot.direction = HORMIGA_TRANSFER_DIRECTION_DOWNLOAD;
      snapshot.state = hormiga_transfer_get_state (transfer);
      snapshot.name = g_strdup (hormiga_transfer_get_name (transfer));
      snapshot.size = hormiga_transfer_get_size (transfer);
      snapshot.received = hormiga_transfer_get_received (transfer);
      snapshot.speed = hormiga_transfer_get_speed (transfer);
      snapshot.eta = hormiga_transfer_get_eta (transfer);
      snapshot.n_sources = hormiga_transfer_get_n_sources (transfer);
      snapshot.sources = g_strv_builder_end (builder);
      snapshot.error = g_strdup (hormiga_transfer_get_error (transfer));
      snapshot.path = g_strdup (hormiga_transfer_get_path (transfer));
      snapshot.folder = g_strdup (hormiga_transfer_get_folder (transfer));
      g_array_append_val (transfers, snapshot);
    }
  worker_collect_uploads (worker, transfers);
  g_array_sort (transfers, compare_snapshot_ids);
  return transfers;
}

static void
worker_post_transfers (Worker *worker)
{
  TransfersUpdate *update = g_new0 (TransfersUpdate, 1);

  update->mailbox = mailbox_ref (worker->mailbox);
  update->transfers = worker_collect_transfers (worker);
  mailbox_post (worker->mailbox, "[hormiga] transfers", on_transfers_update, update,
                transfers_update_free);
}

static gboolean
on_transfers_delay (gpointer user_data)
{
  Worker *worker = user_data;

  g_clear_pointer (&worker->transfers_source, g_source_unref);
  worker_post_transfers (worker);
  return G_SOURCE_REMOVE;
}

static void
worker_schedule_transfers (Worker *worker)
{
  if (worker->transfers_source != NULL)
    return;
  worker->transfers_source = g_timeout_source_new (TRANSFERS_DELAY_MS);
  g_source_set_static_name (worker->transfers_source, "[hormiga] transfers");
  g_source_set_callback (worker->transfers_source, on_transfers_delay, worker, NULL);
  g_source_attach (worker->transfers_source, worker->context);
}

/* Uploads have no signals: news of them is looked for. */
static gboolean
on_uploads_interval (gpointer user_data)
{
  Worker *worker = user_data;

  if (worker->manager != NULL
      && (worker->uploads_active
          || hormiga_transfer_manager_get_bytes_served (worker->manager) != worker->bytes_served))
    worker_schedule_transfers (worker);
  return G_SOURCE_CONTINUE;
}

static void
on_transfers_changed (GListModel *model,
                      guint       position,
                      guint       removed,
                      guint       added,
                      gpointer    user_data)
{
  worker_schedule_transfers (user_data);
}

static void
worker_post_offer_closed (Worker *worker,
                          guint   id)
{
  OfferUpdate *update = g_new0 (OfferUpdate, 1);

  update->mailbox = mailbox_ref (worker->mailbox);
  update->id = id;
  mailbox_post (worker->mailbox, "[hormiga] offer answered", on_offer_update, update,
                offer_update_free);
}

/* The user answers: the offer waits in worker->offers until then (or
 * until it times out, HORMIGA_TRANSFER_OFFER_TIMEOUT_S). */
static gboolean
on_offer (HormigaTransferManager *manager,
          HormigaTransferOffer   *offer,
          gpointer                user_data)
{
  Worker *worker = user_data;
  OfferUpdate *update = g_new0 (OfferUpdate, 1);
  guint id = ++worker->last_offer_id;

  g_hash_table_insert (worker->offers, GUINT_TO_POINTER (id), g_object_ref (offer));
  update->mailbox = mailbox_ref (worker->mailbox);
  update->id = id;
  update->peer_id = g_strdup (hormiga_peer_id_to_string (hormiga_transfer_offer_get_peer (offer)));
  update->name = g_strdup (hormiga_transfer_offer_get_name (offer));
  update->size = hormiga_transfer_offer_get_size (offer);
  if (hormiga_transfer_offer_is_folder (offer))
    {
      guint n_files = hormiga_transfer_offer_get_n_files (offer);

      update->files = g_new0 (char *, n_files + 1);
      update->sizes = g_array_sized_new (FALSE, FALSE, sizeof (guint64), n_files);
      for (guint i = 0; i < n_files; i++)
        {
          guint64 size = hormiga_transfer_offer_get_file_size (offer, i);

          update->files[i] = g_strdup (hormiga_transfer_offer_get_file_path (offer, i));
          g_array_append_val (update->sizes, size);
        }
    }
  mailbox_post (worker->mailbox, "[hormiga] offer", on_offer_update, update, offer_update_free);
  return TRUE;
}

/* Offers answered otherwise (timed out, the manager gone) are withdrawn
 * from the UI. */
static void
worker_check_offers (Worker *worker)
{
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, worker->offers);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (hormiga_transfer_offer_is_answered (value))
      {
        worker_post_offer_closed (worker, GPOINTER_TO_UINT (key));
        g_hash_table_iter_remove (&iter);
      }
}

/* Before the node starts: the files channel must be on every connection. */
static void
worker_add_manager (Worker *worker)
{
  g_autofree char *library = g_build_filename (worker->data_dir, "library", NULL);

  g_assert (worker->manager == NULL);
  worker->manager = hormiga_transfer_manager_new (worker->node, worker->download_folder, library);
  g_signal_connect (worker->manager, "offer", G_CALLBACK (on_offer), worker);
  g_signal_connect (hormiga_transfer_manager_get_transfers (worker->manager), "items-changed",
                    G_CALLBACK (on_transfers_changed), worker);
}

static void
on_contingency_event (HormigaContingencyService     *service,
                      const HormigaContingencyEvent *event,
                      gpointer                       user_data)
{
  /* The chain changed: the peers say so at once, not at the next refresh. */
  switch (event->type)
    {
    case HORMIGA_CONTINGENCY_EVENT_CONTINGENT_ASSIGNED:
    case HORMIGA_CONTINGENCY_EVENT_CONTINGENT_LOST:
    case HORMIGA_CONTINGENCY_EVENT_CONTINGENT_REPLACED:
    case HORMIGA_CONTINGENCY_EVENT_CONTINGENT_RELEASED:
    case HORMIGA_CONTINGENCY_EVENT_PROTECTING:
    case HORMIGA_CONTINGENCY_EVENT_HANDOFF_RECEIVED:
    case HORMIGA_CONTINGENCY_EVENT_PROTECTED_DROPPED:
      worker_post_peers (user_data);
      break;
    default:
      break;
    }
}

/* Before the node starts, like the manager: channel 3 on every connection. */
static void
worker_add_contingency (Worker *worker)
{
  HormigaContingencyConfig config = HORMIGA_CONTINGENCY_CONFIG_INIT;

  g_assert (worker->contingency == NULL);
  if (worker->contingents == 0)
    return;
  config.r = worker->contingents;
  worker->contingency = hormiga_contingency_service_new (worker->node, &config);
  g_signal_connect (worker->contingency, "event", G_CALLBACK (on_contingency_event), worker);
}

static void
worker_drop_contingency (Worker *worker)
{
  if (worker->contingency == NULL)
    return;
  g_signal_handlers_disconnect_by_data (worker->contingency, worker);
  g_ptr_array_add (worker->retired, g_steal_pointer (&worker->contingency));
}

static void
worker_drop_manager (Worker *worker)
{
  GHashTableIter iter;
  gpointer key;

  if (worker->manager == NULL)
    return;
  g_signal_handlers_disconnect_by_data (worker->manager, worker);
  g_signal_handlers_disconnect_by_data (hormiga_transfer_manager_get_transfers (worker->manager),
                                        worker);
  g_hash_table_iter_init (&iter, worker->transfer_ids);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_signal_handlers_disconnect_by_data (key, worker);
  g_hash_table_remove_all (worker->transfer_ids);
  g_hash_table_remove_all (worker->upload_ids);
  worker->bytes_served = 0;
  worker->uploads_active = FALSE;
  hormiga_transfer_manager_shutdown (worker->manager);
  g_ptr_array_add (worker->retired, g_steal_pointer (&worker->manager));
  worker_check_offers (worker);
  g_hash_table_remove_all (worker->offers);
  clear_source (&worker->transfers_source);
  /* No transfers are left. */
  worker_post_transfers (worker);
}

/* What the settings say, to the node and its manager of the moment. */
static void
worker_apply_settings (Worker *worker)
{
  g_autoptr(GError) error = NULL;

  if (worker->manager != NULL)
    hormiga_transfer_manager_set_upload_limit (worker->manager, worker->settings.upload_limit);
  if (worker->node != NULL &&
      !hormiga_node_set_display_name (worker->node, worker->settings.display_name, &error))
    g_message ("The display name “%s” is not used: %s", worker->settings.display_name,
               error->message);
  g_clear_error (&error);
  /* For the connections made from now on. */
  if (worker->node != NULL &&
      !hormiga_node_set_ice_servers (worker->node,
                                     (const char * const *) worker->settings.stun_servers,
                                     (const char * const *) worker->settings.turn_servers, &error))
    g_message ("The STUN and TURN servers are not used: %s", error->message);
}

typedef struct
{
  Worker       *worker;   /* valid whenever this runs: on the node thread */
  NodeSettings  settings;
} SettingsUpdate;

static void
settings_update_free (gpointer data)
{
  SettingsUpdate *update = data;

  node_settings_clear (&update->settings);
  g_free (update);
}

static gboolean
on_settings_update (gpointer data)
{
  SettingsUpdate *update = data;

  node_settings_clear (&update->worker->settings);
  node_settings_copy (&update->settings, &update->worker->settings);
  worker_apply_settings (update->worker);
  return G_SOURCE_REMOVE;
}

/* ------------------------------------------------------------------- ops */

/* What the UI thread asks of the node: run on the node's context. */
typedef enum {
  OP_PAUSE,
  OP_RESUME,
  OP_CANCEL,
  OP_DOWNLOAD,
  OP_SHARE,
  OP_SEND,
  OP_ACCEPT,
  OP_DECLINE,
} OpKind;

typedef struct
{
  Worker  *worker;      /* valid whenever the op runs: on the node thread */
  Mailbox *mailbox;
  OpKind   kind;
  guint    id;          /* a transfer's or an offer's */
  guint    request;     /* the UI thread's task, 0 for none */
  char    *text;        /* a link, a reason, a PeerID */
  char    *path;        /* a file */
  char    *folder;
  GStrv    paths;       /* the part of a folder to accept */
} Op;

static void
op_free (gpointer data)
{
  Op *op = data;

  mailbox_unref (op->mailbox);
  g_free (op->text);
  g_free (op->path);
  g_free (op->folder);
  g_strfreev (op->paths);
  g_free (op);
}

/* The manager's async results come back here even after the worker is
 * gone: they only hold the mailbox. */
typedef struct
{
  Mailbox *mailbox;
  guint    request;
} Pending;

static Pending *
pending_new (Op *op)
{
  Pending *pending = g_new0 (Pending, 1);

  pending->mailbox = mailbox_ref (op->mailbox);
  pending->request = op->request;
  return pending;
}

static void
pending_free (Pending *pending)
{
  mailbox_unref (pending->mailbox);
  g_free (pending);
}

static void
on_shared (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  Pending *pending = user_data;
  GError *error = NULL;
  char *link = hormiga_transfer_manager_share_finish (HORMIGA_TRANSFER_MANAGER (object), result,
                                                      &error);

  post_reply (pending->mailbox, pending->request, 0, link, error);
  pending_free (pending);
}

static void
on_sent (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  Pending *pending = user_data;
  GError *error = NULL;
  gboolean accepted = hormiga_transfer_manager_send_finish (HORMIGA_TRANSFER_MANAGER (object),
                                                            result, &error);

  post_reply (pending->mailbox, pending->request, accepted, NULL, error);
  pending_free (pending);
}

static GError *
no_node_error (void)
{
  return g_error_new_literal (G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED, _("The node is not running"));
}

static gboolean
on_op (gpointer data)
{
  Op *op = data;
  Worker *worker = op->worker;
  HormigaTransfer *transfer = NULL;
  HormigaTransferOffer *offer = NULL;
  GError *error = NULL;

  if (worker->manager != NULL)
    {
      transfer = worker_lookup_transfer (worker, op->id);
      offer = g_hash_table_lookup (worker->offers, GUINT_TO_POINTER (op->id));
    }

  switch (op->kind)
    {
    case OP_PAUSE:
      if (transfer != NULL)
        hormiga_transfer_pause (transfer);
      break;
    case OP_RESUME:
      if (transfer != NULL)
        hormiga_transfer_resume (transfer);
      break;
    case OP_CANCEL:
      if (transfer != NULL)
        hormiga_transfer_cancel (transfer);
      break;

    case OP_DOWNLOAD:
      if (worker->manager == NULL)
        {
          post_reply (op->mailbox, op->request, 0, NULL, no_node_error ());
          break;
        }
      transfer = hormiga_transfer_manager_download (worker->manager, op->text, op->folder, &error);
      if (transfer == NULL)
        {
          post_reply (op->mailbox, op->request, 0, NULL, error);
          break;
        }
      /* Its snapshot first, then the answer: the item exists when the
       * UI thread hears of it. */
      clear_source (&worker->transfers_source);
      worker_post_transfers (worker);
      post_reply (op->mailbox, op->request, worker_transfer_id (worker, transfer), NULL, NULL);
      break;

    case OP_SHARE:
    case OP_SEND:
      if (worker->manager == NULL)
        {
          post_reply (op->mailbox, op->request, 0, NULL, no_node_error ());
          break;
        }
      {
        g_autoptr(GFile) file = g_file_new_for_path (op->path);

        if (op->kind == OP_SHARE)
          hormiga_transfer_manager_share_async (worker->manager, file, NULL, on_shared,
                                                pending_new (op));
        else
          {
            g_autoptr(HormigaPeerId) peer = hormiga_peer_id_parse (op->text, &error);

            if (peer == NULL)
              {
                post_reply (op->mailbox, op->request, 0, NULL, error);
                break;
              }
            hormiga_transfer_manager_send_async (worker->manager, peer, file, NULL, on_sent,
                                                 pending_new (op));
          }
      }
      break;

    case OP_ACCEPT:
    case OP_DECLINE:
      if (offer == NULL)
        break;
      if (op->kind == OP_ACCEPT)
        {
          HormigaTransfer *taken =
            op->paths == NULL
              ? hormiga_transfer_offer_accept (offer, op->folder, &error)
              : hormiga_transfer_offer_accept_paths (offer, op->folder,
                                                     (const char * const *) op->paths, &error);

          if (taken == NULL)
            {
              g_message ("cannot accept the offer of %s: %s",
                         hormiga_transfer_offer_get_name (offer), error->message);
              g_clear_error (&error);
            }
        }
      else
        hormiga_transfer_offer_decline (offer, op->text);
      worker_post_offer_closed (worker, op->id);
      g_hash_table_remove (worker->offers, GUINT_TO_POINTER (op->id));
      break;

    default:
      g_assert_not_reached ();
    }
  return G_SOURCE_REMOVE;
}

static gboolean
on_release (gpointer user_data)
{
  Worker *worker = user_data;

  g_ptr_array_set_size (worker->retired, 0);
  return G_SOURCE_REMOVE;
}

static void
worker_drop_client (Worker *worker)
{
  GSource *source;

  if (worker->node == NULL)
    return;
  g_signal_handlers_disconnect_by_data (worker->client, worker);
  g_signal_handlers_disconnect_by_data (worker->node, worker);
  worker_drop_manager (worker);
  worker_drop_contingency (worker);
  hormiga_node_stop (worker->node);
  worker->client = NULL;

  /* The node is released once the idle sources its stop left behind (the
   * connector drops its ended sessions from them) have run: its dispose
   * cannot remove them from a context other than the default one. */
  g_ptr_array_add (worker->retired, g_steal_pointer (&worker->node));
  source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_LOW);
  g_source_set_static_name (source, "[hormiga] node release");
  g_source_set_callback (source, on_release, worker, NULL);
  g_source_attach (source, worker->context);
  g_source_unref (source);
  /* No peers are left. */
  worker_post_peers (worker);
}

static void worker_start_embedded (Worker *worker);

static void
on_client_admitted (HormigaSignalingClient *client,
                    const char             *peer_id,
                    const char * const     *peers,
                    gpointer                user_data)
{
  Worker *worker = user_data;
  guint n = 0;

  for (guint i = 0; peers != NULL && peers[i] != NULL; i++)
    if (g_strcmp0 (peers[i], peer_id) != 0)
      n++;

  worker->ever_admitted = TRUE;
  clear_source (&worker->start_timeout_source);
  worker->status.n_known_peers = n;
  worker_set_state (worker, HORMIGA_NODE_STATE_ADMITTED, NULL);
}

static gboolean
on_fallback (gpointer user_data)
{
  Worker *worker = user_data;

  g_clear_pointer (&worker->fallback_source, g_source_unref);
  worker_drop_client (worker);
  worker_start_embedded (worker);
  return G_SOURCE_REMOVE;
}

/* Falls back to a built-in hormiguero from an idle source: this may run
 * inside an emission of the client, which must not be dropped there. */
static void
worker_schedule_fallback (Worker     *worker,
                          const char *reason)
{
  if (worker->fallback_source != NULL)
    return;
  clear_source (&worker->start_timeout_source);
  g_free (worker->status.fallback_reason);
  worker->status.fallback_reason = g_strdup (reason);

  worker->fallback_source = g_idle_source_new ();
  g_source_set_static_name (worker->fallback_source, "[hormiga] fall back");
  g_source_set_callback (worker->fallback_source, on_fallback, worker, NULL);
  g_source_attach (worker->fallback_source, worker->context);
}

static void
on_client_disconnected (HormigaSignalingClient *client,
                        const GError           *error,
                        gpointer                user_data)
{
  Worker *worker = user_data;
  const char *message = error != NULL ? error->message : _("disconnected");

  /* The configured hormiguero never admitted us: use our own. */
  if (!worker->ever_admitted && !worker->status.embedded)
    {
      worker_schedule_fallback (worker, message);
      return;
    }
  worker->status.n_known_peers = 0;
  worker->status.dht_ready = FALSE;
  worker_set_state (worker, HORMIGA_NODE_STATE_OFFLINE, message);
}

static void
on_client_state (HormigaSignalingClient *client,
                 GParamSpec             *pspec,
                 gpointer                user_data)
{
  Worker *worker = user_data;
  HormigaSignalingState state = hormiga_signaling_client_get_state (client);

  /* After a loss the node stays OFFLINE, with its reason, through the
   * client's reconnection attempts, until it is admitted again. */
  if ((state == HORMIGA_SIGNALING_STATE_CONNECTING || state == HORMIGA_SIGNALING_STATE_JOINING)
      && worker->status.state != HORMIGA_NODE_STATE_OFFLINE
      && worker->status.state != HORMIGA_NODE_STATE_CONNECTING)
    worker_set_state (worker, HORMIGA_NODE_STATE_CONNECTING, NULL);
}

static void
worker_connect (Worker     *worker,
                const char *url)
{
  g_autoptr(GError) error = NULL;

  g_assert (worker->node == NULL);

  g_free (worker->status.server_url);
  worker->status.server_url = g_strdup (url);

  worker->node = hormiga_node_new (worker->identity, url, NULL, worker->context, &error);
  if (worker->node == NULL)
    {
      worker_set_state (worker, HORMIGA_NODE_STATE_FAILED, error->message);
      return;
    }
  worker_set_state (worker, HORMIGA_NODE_STATE_CONNECTING, NULL);
  if (worker->ice_address != NULL)
    hormiga_node_set_local_address (worker->node, worker->ice_address);
  worker->client = hormiga_node_get_signaling_client (worker->node);
  g_signal_connect (worker->node, "connections-changed", G_CALLBACK (on_connections_changed),
                    worker);
  g_signal_connect (worker->node, "dht-ready", G_CALLBACK (on_dht_ready), worker);
  g_signal_connect (worker->client, "admitted", G_CALLBACK (on_client_admitted), worker);
  g_signal_connect (worker->client, "disconnected", G_CALLBACK (on_client_disconnected), worker);
  g_signal_connect (worker->client, "notify::state", G_CALLBACK (on_client_state), worker);
  worker_add_manager (worker);
  worker_add_contingency (worker);
  worker_apply_settings (worker);
  hormiga_node_start (worker->node);
}

static void
worker_start_embedded (Worker *worker)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;

  worker->hormiguero = hormiga_hormiguero_new (worker->context);
  if (!hormiga_hormiguero_listen (worker->hormiguero, "127.0.0.1", 0, &error))
    {
      g_autofree char *message =
        g_strdup_printf (_("cannot start a built-in hormiguero: %s"), error->message);

      g_clear_object (&worker->hormiguero);
      worker_set_state (worker, HORMIGA_NODE_STATE_FAILED, message);
      return;
    }

  url = hormiga_hormiguero_dup_ws_url (worker->hormiguero);
  g_debug ("node: built-in hormiguero at %s", url);
  worker->status.embedded = TRUE;
  worker_connect (worker, url);
}

static gboolean
on_start_timeout (gpointer user_data)
{
  Worker *worker = user_data;
  guint seconds = (worker->start_timeout + 999) / 1000;
  g_autofree char *reason = NULL;

  g_clear_pointer (&worker->start_timeout_source, g_source_unref);
  reason = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                         "%s did not admit this node within %u second",
                                         "%s did not admit this node within %u seconds",
                                         seconds),
                            worker->configured_url, seconds);
  worker_schedule_fallback (worker, reason);
  return G_SOURCE_REMOVE;
}

static gboolean
on_worker_begin (gpointer user_data)
{
  Worker *worker = user_data;
  g_autoptr(GError) error = NULL;

  g_clear_pointer (&worker->begin_source, g_source_unref);
  worker_set_state (worker, HORMIGA_NODE_STATE_STARTING, NULL);

  worker->identity = hormiga_identity_load_or_create (worker->data_dir, &error);
  if (worker->identity == NULL)
    {
      worker_set_state (worker, HORMIGA_NODE_STATE_FAILED, error->message);
      return G_SOURCE_REMOVE;
    }
  worker->status.peer_id =
    g_strdup (hormiga_peer_id_to_string (hormiga_identity_get_peer_id (worker->identity)));

  if (worker->configured_url == NULL || worker->configured_url[0] == '\0')
    {
      g_free (worker->status.fallback_reason);
      worker->status.fallback_reason = g_strdup (_("no hormiguero is configured"));
      worker_start_embedded (worker);
      return G_SOURCE_REMOVE;
    }

  worker->start_timeout_source = g_timeout_source_new (worker->start_timeout);
  g_source_set_static_name (worker->start_timeout_source, "[hormiga] start timeout");
  g_source_set_callback (worker->start_timeout_source, on_start_timeout, worker, NULL);
  g_source_attach (worker->start_timeout_source, worker->context);
  worker_connect (worker, worker->configured_url);
  return G_SOURCE_REMOVE;
}

static gboolean
quit_loop (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

static void
on_left (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  hormiga_contingency_service_leave_finish (HORMIGA_CONTINGENCY_SERVICE (source), result, NULL);
  g_main_loop_quit (user_data);
}

/* The graceful leave: what we hold for others goes to their next
 * contingents, and ours hear that we go, before the node stops. */
static void
worker_leave (Worker *worker)
{
  GSource *limit;

  if (worker->contingency == NULL || !hormiga_contingency_service_is_running (worker->contingency))
    return;
  hormiga_contingency_service_leave_async (worker->contingency, NULL, on_left, worker->loop);
  limit = g_timeout_source_new (LEAVE_LIMIT_MS);
  g_source_set_static_name (limit, "[hormiga] leave limit");
  g_source_set_callback (limit, quit_loop, worker->loop, NULL);
  g_source_attach (limit, worker->context);
  g_main_loop_run (worker->loop);
  g_source_destroy (limit);
  g_source_unref (limit);
}

static gpointer
worker_main (gpointer data)
{
  Worker *worker = data;
  GSource *source;

  g_main_context_push_thread_default (worker->context);

  worker->peers_source = g_timeout_source_new (PEERS_INTERVAL_MS);
  g_source_set_static_name (worker->peers_source, "[hormiga] peers");
  g_source_set_callback (worker->peers_source, on_peers_interval, worker, NULL);
  g_source_attach (worker->peers_source, worker->context);

  worker->uploads_source = g_timeout_source_new (UPLOADS_INTERVAL_MS);
  g_source_set_static_name (worker->uploads_source, "[hormiga] uploads");
  g_source_set_callback (worker->uploads_source, on_uploads_interval, worker, NULL);
  g_source_attach (worker->uploads_source, worker->context);

  g_main_loop_run (worker->loop);

  /* Leave: the node first (gracefully, then a normal close), then the
   * built-in server. */
  worker_leave (worker);
  clear_source (&worker->begin_source);
  clear_source (&worker->peers_source);
  clear_source (&worker->uploads_source);
  clear_source (&worker->start_timeout_source);
  clear_source (&worker->fallback_source);
  worker_drop_client (worker);
  if (worker->hormiguero != NULL)
    hormiga_hormiguero_shutdown (worker->hormiguero);

  source = g_timeout_source_new (DRAIN_MS);
  g_source_set_static_name (source, "[hormiga] node drain");
  g_source_set_callback (source, quit_loop, worker->loop, NULL);
  g_source_attach (source, worker->context);
  g_source_unref (source);
  g_main_loop_run (worker->loop);

  g_ptr_array_set_size (worker->retired, 0);
  g_clear_object (&worker->hormiguero);
  g_main_context_pop_thread_default (worker->context);
  worker_free (worker);
  return NULL;
}

/* ------------------------------------------------------------ the object */

struct _HormigaNodeThread
{
  GObject       parent_instance;

  GMainContext *ui_context;
  char         *configured_url;
  char         *data_dir;
  char         *ice_address;
  guint         contingents;
  guint         start_timeout;

  GListStore   *peers;          /* HormigaPeerItem, as last applied */
  GListStore   *transfers;      /* HormigaTransferItem, by id, as last applied */
  GHashTable   *requests;       /* request id → GTask, waiting for the node */
  guint         last_request;
  char         *download_folder;
  gpointer      worker;         /* never dereferenced here: for the ops */
  guint         n_connected;
  guint         n_direct;
  guint         n_relayed;
  guint         n_overlay;
  guint         n_contacts;
  guint         n_active_transfers;

  GThread      *thread;
  GMainContext *node_context;   /* the worker's, while the thread runs */
  GMainLoop    *node_loop;
  Mailbox      *mailbox;

  NodeStatus    status;          /* as last applied */
  NodeSettings  settings;        /* as the UI thread last set them */
};

G_DEFINE_FINAL_TYPE (HormigaNodeThread, hormiga_node_thread, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_CONFIGURED_URL,
  PROP_DATA_DIR,
  PROP_START_TIMEOUT,
  PROP_STATE,
  PROP_SERVER_URL,
  PROP_EMBEDDED,
  PROP_FALLBACK_REASON,
  PROP_PEER_ID,
  PROP_N_KNOWN_PEERS,
  PROP_DHT_READY,
  PROP_ERROR_MESSAGE,
  PROP_ICE_ADDRESS,
  PROP_N_CONNECTED,
  PROP_N_DIRECT,
  PROP_N_RELAYED,
  PROP_N_OVERLAY,
  PROP_N_CONTACTS,
  PROP_DOWNLOAD_FOLDER,
  PROP_N_ACTIVE_TRANSFERS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_OFFER,
  SIGNAL_OFFER_CLOSED,
  SIGNAL_TRANSFER_FINISHED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
set_string (HormigaNodeThread  *self,
            char              **field,
            const char         *value,
            guint               prop_id)
{
  if (g_strcmp0 (*field, value) == 0)
    return;
  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
}

static void
hormiga_node_thread_apply (HormigaNodeThread *self,
                           const NodeStatus  *status)
{
  g_object_freeze_notify (G_OBJECT (self));

  set_string (self, &self->status.server_url, status->server_url, PROP_SERVER_URL);
  set_string (self, &self->status.fallback_reason, status->fallback_reason,
              PROP_FALLBACK_REASON);
  set_string (self, &self->status.peer_id, status->peer_id, PROP_PEER_ID);
  set_string (self, &self->status.error_message, status->error_message, PROP_ERROR_MESSAGE);
  if (self->status.embedded != status->embedded)
    {
      self->status.embedded = status->embedded;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_EMBEDDED]);
    }
  if (self->status.dht_ready != status->dht_ready)
    {
      self->status.dht_ready = status->dht_ready;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DHT_READY]);
    }
  if (self->status.n_known_peers != status->n_known_peers)
    {
      self->status.n_known_peers = status->n_known_peers;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_KNOWN_PEERS]);
    }
  /* Last, so that a handler of notify::state sees the rest current. */
  if (self->status.state != status->state)
    {
      self->status.state = status->state;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
    }

  g_object_thaw_notify (G_OBJECT (self));
}

static void
set_uint (HormigaNodeThread *self,
          guint             *field,
          guint              value,
          guint              prop_id)
{
  if (*field == value)
    return;
  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
}

/* Merges @peers (sorted as the list is) into the list: items of peers
 * still there are updated in place; each run of removals and insertions
 * between them is one splice, so one ::items-changed for that range only. */
/* Marks the peers that chunks are moving to or from now: the sources of
 * downloads in progress, the peers of uploads still going. */
static void
hormiga_node_thread_update_transferring (HormigaNodeThread *self)
{
  g_autoptr(GHashTable) busy = g_hash_table_new (g_str_hash, g_str_equal);
  guint n;

  n = g_list_model_get_n_items (G_LIST_MODEL (self->transfers));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(HormigaTransferItem) item = g_list_model_get_item (G_LIST_MODEL (self->transfers), i);
      const char * const *sources = hormiga_transfer_item_get_sources (item);

      if (hormiga_transfer_item_get_state (item) != HORMIGA_TRANSFER_DOWNLOADING || sources == NULL)
        continue;
      for (guint j = 0; sources[j] != NULL; j++)
        g_hash_table_add (busy, (gpointer) sources[j]);
    }
  n = g_list_model_get_n_items (G_LIST_MODEL (self->peers));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(HormigaPeerItem) item = g_list_model_get_item (G_LIST_MODEL (self->peers), i);

      _hormiga_peer_item_set_transferring (
        item, g_hash_table_contains (busy, hormiga_peer_item_get_peer_id (item)));
    }
}

static void
hormiga_node_thread_apply_peers (HormigaNodeThread *self,
                                 GArray            *peers)
{
  GListModel *model = G_LIST_MODEL (self->peers);
  guint position = 0;
  guint next = 0;
  guint n_connected = 0, n_direct = 0, n_relayed = 0, n_overlay = 0, n_contacts = 0;

  while (position < g_list_model_get_n_items (model) || next < peers->len)
    {
      guint n_items = g_list_model_get_n_items (model);
      guint n_removed = 0;
      guint first_added = next;
      g_autoptr(GPtrArray) added = g_ptr_array_new_with_free_func (g_object_unref);

      /* Items before the next peer (or all that are left) are gone; peers
       * before the next item are new. */
      for (;;)
        {
          g_autoptr(HormigaPeerItem) item = NULL;
          int order;

          if (position + n_removed >= n_items)
            break;
          if (next >= peers->len)
            {
              n_removed = n_items - position;
              break;
            }
          item = g_list_model_get_item (model, position + n_removed);
          order = _hormiga_peer_item_compare_state (
                    item, &g_array_index (peers, HormigaPeerState, next));
          if (order < 0)
            n_removed++;
          else if (order > 0)
            g_ptr_array_add (added, _hormiga_peer_item_new (
                                      &g_array_index (peers, HormigaPeerState, next++)));
          else
            break;
        }
      if (position + n_removed >= n_items)
        while (next < peers->len)
          g_ptr_array_add (added, _hormiga_peer_item_new (
                                    &g_array_index (peers, HormigaPeerState, next++)));

      if (n_removed > 0 || added->len > 0)
        g_list_store_splice (self->peers, position, n_removed, added->pdata, added->len);
      position += added->len;
      g_assert (next - first_added == added->len);

      /* The same peer on both sides: update it in place. */
      if (position < g_list_model_get_n_items (model) && next < peers->len)
        {
          g_autoptr(HormigaPeerItem) item = g_list_model_get_item (model, position);

          _hormiga_peer_item_update (item, &g_array_index (peers, HormigaPeerState, next));
          position++;
          next++;
        }
    }

  for (guint i = 0; i < peers->len; i++)
    {
      const HormigaPeerState *state = &g_array_index (peers, HormigaPeerState, i);

      if (state->in_routing_table)
        n_contacts++;
      if (state->kind != HORMIGA_PEER_KIND_DIRECT && state->kind != HORMIGA_PEER_KIND_RELAYED)
        continue;
      n_connected++;
      if (state->kind == HORMIGA_PEER_KIND_RELAYED)
        n_relayed++;
      else
        n_direct++;
      if (state->overlay)
        n_overlay++;
    }

  g_object_freeze_notify (G_OBJECT (self));
  set_uint (self, &self->n_direct, n_direct, PROP_N_DIRECT);
  set_uint (self, &self->n_relayed, n_relayed, PROP_N_RELAYED);
  set_uint (self, &self->n_overlay, n_overlay, PROP_N_OVERLAY);
  set_uint (self, &self->n_contacts, n_contacts, PROP_N_CONTACTS);
  /* Last: a handler of notify::n-connected sees the rest current. */
  set_uint (self, &self->n_connected, n_connected, PROP_N_CONNECTED);
  g_object_thaw_notify (G_OBJECT (self));
  /* New items start idle. */
  hormiga_node_thread_update_transferring (self);
}

/* Merges @transfers (by id, as the list is) into the list: items of
 * transfers still there are updated in place. A transfer that reaches DONE
 * is announced once, after the list is current. */
static void
hormiga_node_thread_apply_transfers (HormigaNodeThread *self,
                                     GArray            *transfers)
{
  GListModel *model = G_LIST_MODEL (self->transfers);
  g_autoptr(GPtrArray) finished = g_ptr_array_new_with_free_func (g_object_unref);
  guint position = 0;
  guint next = 0;

  while (position < g_list_model_get_n_items (model) || next < transfers->len)
    {
      const HormigaTransferSnapshot *snapshot =
        next < transfers->len ? &g_array_index (transfers, HormigaTransferSnapshot, next) : NULL;
      g_autoptr(HormigaTransferItem) item = g_list_model_get_item (model, position);

      if (item != NULL && (snapshot == NULL || hormiga_transfer_item_get_id (item) < snapshot->id))
        {
          g_list_store_remove (self->transfers, position);
          continue;
        }
      g_assert (snapshot != NULL);
      if (item == NULL || snapshot->id < hormiga_transfer_item_get_id (item))
        {
          g_autoptr(HormigaTransferItem) added = _hormiga_transfer_item_new (snapshot);

          g_list_store_insert (self->transfers, position, added);
          if (snapshot->state == HORMIGA_TRANSFER_DONE
              && snapshot->direction == HORMIGA_TRANSFER_DIRECTION_DOWNLOAD)
            g_ptr_array_add (finished, g_object_ref (added));
        }
      else
        {
          gboolean was_done = hormiga_transfer_item_get_state (item) == HORMIGA_TRANSFER_DONE;

          _hormiga_transfer_item_update (item, snapshot);
          if (!was_done && snapshot->state == HORMIGA_TRANSFER_DONE
              && snapshot->direction == HORMIGA_TRANSFER_DIRECTION_DOWNLOAD)
            g_ptr_array_add (finished, g_object_ref (item));
        }
      position++;
      next++;
    }

  {
    guint n_active = 0;

    for (guint i = 0; i < transfers->len; i++)
      {
        HormigaTransferState state = g_array_index (transfers, HormigaTransferSnapshot, i).state;

        if (state == HORMIGA_TRANSFER_LOOKING || state == HORMIGA_TRANSFER_DOWNLOADING
            || state == HORMIGA_TRANSFER_VERIFYING)
          n_active++;
      }
    set_uint (self, &self->n_active_transfers, n_active, PROP_N_ACTIVE_TRANSFERS);
  }
  hormiga_node_thread_update_transferring (self);
  for (guint i = 0; i < finished->len; i++)
    g_signal_emit (self, signals[SIGNAL_TRANSFER_FINISHED], 0, g_ptr_array_index (finished, i));
}

static void
hormiga_node_thread_apply_offer (HormigaNodeThread *self,
                                 const OfferUpdate *update)
{
  if (update->peer_id != NULL)
    g_signal_emit (self, signals[SIGNAL_OFFER], 0, update->id, update->peer_id, update->name,
                   update->size, update->files, update->sizes);
  else
    g_signal_emit (self, signals[SIGNAL_OFFER_CLOSED], 0, update->id);
}

/* The task's result: the link (share), the transfer's id (download),
 * whether the peer accepted (send). */
static void
hormiga_node_thread_apply_reply (HormigaNodeThread *self,
                                 Reply             *reply)
{
  g_autoptr(GTask) task = NULL;

  if (!g_hash_table_steal_extended (self->requests, GUINT_TO_POINTER (reply->request), NULL,
                                    (gpointer *) &task))
    return;
  if (reply->error != NULL)
    g_task_return_error (task, g_steal_pointer (&reply->error));
  else if (reply->text != NULL)
    g_task_return_pointer (task, g_steal_pointer (&reply->text), g_free);
  else
    g_task_return_int (task, reply->value);
}

/* An op that never reached the node: nothing of the mailbox to release. */
static void
op_free_unposted (Op *op)
{
  g_free (op->text);
  g_free (op->path);
  g_free (op->folder);
  g_strfreev (op->paths);
  g_free (op);
}

/* Runs @op on the node's context; with @task, its answer completes it. */
static void
hormiga_node_thread_post_op (HormigaNodeThread *self,
                             Op                *op,
                             GTask             *task)
{
  GSource *source;

  if (self->thread == NULL)
    {
      if (task != NULL)
        g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                                 _("The node is not running"));
      op_free_unposted (op);
      return;
    }
  op->worker = self->worker;
  op->mailbox = mailbox_ref (self->mailbox);
  if (task != NULL)
    {
      op->request = ++self->last_request;
      g_hash_table_insert (self->requests, GUINT_TO_POINTER (op->request), g_object_ref (task));
    }
  /* Never g_main_context_invoke(): before the thread enters its loop the
   * context is free, and the op would run here, on the UI thread. */
  source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_static_name (source, "[hormiga] node op");
  g_source_set_callback (source, on_op, op, op_free);
  g_source_attach (source, self->node_context);
  g_source_unref (source);
}

static Op *
op_new (OpKind kind,
        guint  id)
{
  Op *op = g_new0 (Op, 1);

  op->kind = kind;
  op->id = id;
  return op;
}

void
hormiga_node_thread_invoke (HormigaNodeThread *self,
                            GSourceFunc        func,
                            gpointer           data,
                            GDestroyNotify     destroy)
{
  GSource *source;

  g_return_if_fail (HORMIGA_IS_NODE_THREAD (self));
  g_return_if_fail (self->thread != NULL);

  source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_static_name (source, "[hormiga] node invoke");
  g_source_set_callback (source, func, data, destroy);
  g_source_attach (source, self->node_context);
  g_source_unref (source);
}

GListModel *
hormiga_node_thread_get_transfers (HormigaNodeThread *self)
{
  g_return_val_if_fail (HORMIGA_IS_NODE_THREAD (self), NULL);
  return G_LIST_MODEL (self->transfers);
}

HormigaTransferItem *
hormiga_node_thread_lookup_transfer (HormigaNodeThread *self,
                                     guint              id)
{
  GListModel *model;

  g_return_val_if_fail (HORMIGA_IS_NODE_THREAD (self), NULL);

  model = G_LIST_MODEL (self->transfers);
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(HormigaTransferItem) item = g_list_model_get_item (model, i);

      if (hormiga_transfer_item_get_id (item) == id)
        return item;
    }
  return NULL;
}

void
hormiga_node_thread_pause_transfer (HormigaNodeThread *self,
                                    guint              id)
{
  g_return_if_fail (HORMIGA_IS_NODE_THREAD (self));
  hormiga_node_thread_post_op (self, op_new (OP_PAUSE, id), NULL);
}

void
hormiga_node_thread_resume_transfer (HormigaNodeThread *self,
                                     guint              id)
{
  g_return_if_fail (HORMIGA_IS_NODE_THREAD (self));
  hormiga_node_thread_post_op (self, op_new (OP_RESUME, id), NULL);
}

void
hormiga_node_thread_cancel_transfer (HormigaNodeThread *self,
                                     guint              id)
{
  g_return_if_fail (HORMIGA_IS_NODE_THREAD (self));
  hormiga_node_thread_post_op (self, op_new (OP_CANCEL, id), NULL);
}

void
hormiga_node_thread_accept_offer (HormigaNodeThread *self,
                                  guint              id,
                                  const char        *folder)
{
  Op *op;

  g_return_if_fail (HORMIGA_IS_NODE_THREAD (self));

  op = op_new (OP_ACCEPT, id);
  op->folder = g_strdup (folder);
  hormiga_node_thread_post_op (self, op, NULL);
}

void
hormiga_node_thread_accept_offer_paths (HormigaNodeThread  *self,
                                        guint               id,
                                        const char         *folder,
                                        const char * const *paths)
{
  Op *op;

  g_return_if_fail (HORMIGA_IS_NODE_THREAD (self));

  op = op_new (OP_ACCEPT, id);
  op->folder = g_strdup (folder);
  op->paths = g_strdupv ((char **) paths);
  hormiga_node_thread_post_op (self, op, NULL);
}

void
hormiga_node_thread_decline_offer (HormigaNodeThread *self,
                                   guint              id,
                                   const char        *reason)
{
  Op *op;

  g_return_if_fail (HORMIGA_IS_NODE_THREAD (self));

  op = op_new (OP_DECLINE, id);
  op->text = g_strdup (reason);
  hormiga_node_thread_post_op (self, op, NULL);
}

void
hormiga_node_thread_download_async (HormigaNodeThread   *self,
                                    const char          *link,
                                    const char          *folder,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Op *op;

  g_return_if_fail (HORMIGA_IS_NODE_THREAD (self));
  g_return_if_fail (link != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hormiga_node_thread_download_async);
  op = op_new (OP_DOWNLOAD, 0);
  op->text = g_strdup (link);
  op->folder = g_strdup (folder);
  hormiga_node_thread_post_op (self, op, task);
}

guint
hormiga_node_thread_download_finish (HormigaNodeThread  *self,
                                     GAsyncResult       *result,
                                     GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), 0);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == hormiga_node_thread_download_async, 0);

  gssize id = g_task_propagate_int (G_TASK (result), error);

  /* -1 with an error. */
  return id > 0 ? (guint) id : 0;
}

void
hormiga_node_thread_share_async (HormigaNodeThread   *self,
                                 GFile               *file,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Op *op;

  g_return_if_fail (HORMIGA_IS_NODE_THREAD (self));
  g_return_if_fail (G_IS_FILE (file));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hormiga_node_thread_share_async);
  op = op_new (OP_SHARE, 0);
  op->path = g_file_get_path (file);
  if (op->path == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                               _("Only local files can be shared"));
      op_free_unposted (op);
      return;
    }
  hormiga_node_thread_post_op (self, op, task);
}

char *
hormiga_node_thread_share_finish (HormigaNodeThread  *self,
                                  GAsyncResult       *result,
                                  GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == hormiga_node_thread_share_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
hormiga_node_thread_send_async (HormigaNodeThread   *self,
                                const char          *peer_id,
                                GFile               *file,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Op *op;

  g_return_if_fail (HORMIGA_IS_NODE_THREAD (self));
  g_return_if_fail (peer_id != NULL);
  g_return_if_fail (G_IS_FILE (file));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hormiga_node_thread_send_async);
  op = op_new (OP_SEND, 0);
  op->text = g_strdup (peer_id);
  op->path = g_file_get_path (file);
  if (op->path == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                               _("Only local files can be sent"));
      op_free_unposted (op);
      return;
    }
  hormiga_node_thread_post_op (self, op, task);
}

gboolean
hormiga_node_thread_send_finish (HormigaNodeThread  *self,
                                 GAsyncResult       *result,
                                 GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == hormiga_node_thread_send_async, FALSE);

  /* -1 with an error: declined, unreachable, … */
  return g_task_propagate_int (G_TASK (result), error) > 0;
}

void
hormiga_node_thread_set_download_folder (HormigaNodeThread *self,
                                         const char        *folder)
{
  g_return_if_fail (HORMIGA_IS_NODE_THREAD (self));
  g_return_if_fail (self->thread == NULL);

  if (g_strcmp0 (self->download_folder, folder) == 0)
    return;
  g_free (self->download_folder);
  self->download_folder = g_strdup (folder);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DOWNLOAD_FOLDER]);
}

const char *
hormiga_node_thread_get_download_folder (HormigaNodeThread *self)
{
  g_return_val_if_fail (HORMIGA_IS_NODE_THREAD (self), NULL);
  return self->download_folder;
}

/* $XDG_DOWNLOAD_DIR, else ~/Downloads. */
char *
hormiga_node_thread_default_download_folder (void)
{
  const char *dir = g_get_user_special_dir (G_USER_DIRECTORY_DOWNLOAD);

  if (dir != NULL && dir[0] != '\0')
    return g_strdup (dir);
  return g_build_filename (g_get_home_dir (), "Downloads", NULL);
}

HormigaNodeThread *
hormiga_node_thread_new (const char *server_url,
                         const char *data_dir)
{
  g_return_val_if_fail (data_dir != NULL, NULL);

  return g_object_new (HORMIGA_TYPE_NODE_THREAD,
                       "configured-url", server_url,
                       "data-dir", data_dir,
                       NULL);
}

void
hormiga_node_thread_start (HormigaNodeThread *self)
{
  Worker *worker;

  g_return_if_fail (HORMIGA_IS_NODE_THREAD (self));
  g_return_if_fail (self->thread == NULL);

  self->mailbox = mailbox_new (self, self->ui_context);

  worker = g_new0 (Worker, 1);
  worker->context = g_main_context_new ();
  worker->loop = g_main_loop_new (worker->context, FALSE);
  worker->mailbox = mailbox_ref (self->mailbox);
  worker->configured_url = g_strdup (self->configured_url);
  worker->data_dir = g_strdup (self->data_dir);
  worker->ice_address = g_strdup (self->ice_address);
  worker->contingents = self->contingents;
  node_settings_copy (&self->settings, &worker->settings);
  worker->retired = g_ptr_array_new_with_free_func (g_object_unref);
  worker->start_timeout = self->start_timeout;
  worker->transfer_ids = g_hash_table_new_full (NULL, NULL, g_object_unref, NULL);
  worker->upload_ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  worker->offers = g_hash_table_new_full (NULL, NULL, NULL, g_object_unref);
  if (self->download_folder != NULL && self->download_folder[0] != '\0')
    worker->download_folder = g_strdup (self->download_folder);
  else
    worker->download_folder = hormiga_node_thread_default_download_folder ();
  self->worker = worker;

  /* Attached here, at a priority above the ops': a download asked for at
   * once (a link on the command line) finds the node's transfer manager. */
  worker->begin_source = g_idle_source_new ();
  g_source_set_priority (worker->begin_source, G_PRIORITY_HIGH);
  g_source_set_static_name (worker->begin_source, "[hormiga] node start");
  g_source_set_callback (worker->begin_source, on_worker_begin, worker, NULL);
  g_source_attach (worker->begin_source, worker->context);

  self->node_context = g_main_context_ref (worker->context);
  self->node_loop = g_main_loop_ref (worker->loop);
  self->thread = g_thread_new ("hormiga-node", worker_main, worker);
}

void
hormiga_node_thread_stop (HormigaNodeThread *self)
{
  NodeStatus stopped = { .state = HORMIGA_NODE_STATE_STOPPED };
  GSource *source;

  g_return_if_fail (HORMIGA_IS_NODE_THREAD (self));

  if (self->thread == NULL)
    return;

  /* An idle source rather than g_main_loop_quit(): the thread may not have
   * entered its loop yet, and a quit before the run would be lost. */
  source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_HIGH);
  g_source_set_static_name (source, "[hormiga] node stop");
  g_source_set_callback (source, quit_loop, g_main_loop_ref (self->node_loop),
                         (GDestroyNotify) g_main_loop_unref);
  g_source_attach (source, self->node_context);
  g_source_unref (source);

  g_thread_join (g_steal_pointer (&self->thread));
  g_clear_pointer (&self->node_context, g_main_context_unref);
  g_clear_pointer (&self->node_loop, g_main_loop_unref);

  /* Copies still queued on the UI context are dropped from now on. */
  self->mailbox->owner = NULL;
  g_clear_pointer (&self->mailbox, mailbox_unref);

  stopped.peer_id = self->status.peer_id;
  hormiga_node_thread_apply (self, &stopped);
  {
    g_autoptr(GArray) none = g_array_new (FALSE, TRUE, sizeof (HormigaPeerState));

    hormiga_node_thread_apply_peers (self, none);
  }
  {
    g_autoptr(GArray) none = g_array_new (FALSE, TRUE, sizeof (HormigaTransferSnapshot));

    hormiga_node_thread_apply_transfers (self, none);
  }
  self->worker = NULL;
  /* What the node never answered. */
  {
    g_autoptr(GList) tasks = g_hash_table_get_values (self->requests);

    g_hash_table_steal_all (self->requests);
    for (GList *l = tasks; l != NULL; l = l->next)
      {
        g_autoptr(GTask) task = l->data;

        g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                 _("The node has stopped"));
      }
  }
}

HormigaNodeState
hormiga_node_thread_get_state (HormigaNodeThread *self)
{
  g_return_val_if_fail (HORMIGA_IS_NODE_THREAD (self), HORMIGA_NODE_STATE_STOPPED);
  return self->status.state;
}

const char *
hormiga_node_thread_get_configured_url (HormigaNodeThread *self)
{
  g_return_val_if_fail (HORMIGA_IS_NODE_THREAD (self), NULL);
  return self->configured_url;
}

const char *
hormiga_node_thread_get_data_dir (HormigaNodeThread *self)
{
  g_return_val_if_fail (HORMIGA_IS_NODE_THREAD (self), NULL);
  return self->data_dir;
}

const char *
hormiga_node_thread_get_server_url (HormigaNodeThread *self)
{
  g_return_val_if_fail (HORMIGA_IS_NODE_THREAD (self), NULL);
  return self->status.server_url;
}

gboolean
hormiga_node_thread_get_embedded (HormigaNodeThread *self)
{
  g_return_val_if_fail (HORMIGA_IS_NODE_THREAD (self), FALSE);
  return self->status.embedded;
}

const char *
hormiga_node_thread_get_fallback_reason (HormigaNodeThread *self)
{
  g_return_val_if_fail (HORMIGA_IS_NODE_THREAD (self), NULL);
  return self->status.fallback_reason;
}

const char *
hormiga_node_thread_get_peer_id (HormigaNodeThread *self)
{
  g_return_val_if_fail (HORMIGA_IS_NODE_THREAD (self), NULL);
  return self->status.peer_id;
}

gboolean
hormiga_node_thread_get_dht_ready (HormigaNodeThread *self)
{
  g_return_val_if_fail (HORMIGA_IS_NODE_THREAD (self), FALSE);
  return self->status.dht_ready;
}

guint
hormiga_node_thread_get_n_known_peers (HormigaNodeThread *self)
{
  g_return_val_if_fail (HORMIGA_IS_NODE_THREAD (self), 0);
  return self->status.n_known_peers;
}

const char *
hormiga_node_thread_get_error_message (HormigaNodeThread *self)
{
  g_return_val_if_fail (HORMIGA_IS_NODE_THREAD (self), NULL);
  return self->status.error_message;
}

void
hormiga_node_thread_set_contingents (HormigaNodeThread *self,
                                     guint              contingents)
{
  g_return_if_fail (HORMIGA_IS_NODE_THREAD (self));
  g_return_if_fail (self->thread == NULL);
  g_return_if_fail (contingents <= 8);

  self->contingents = contingents;
}

void
hormiga_node_thread_set_ice_address (HormigaNodeThread *self,
                                     const char        *address)
{
  g_return_if_fail (HORMIGA_IS_NODE_THREAD (self));
  g_return_if_fail (self->thread == NULL);

  if (g_strcmp0 (self->ice_address, address) == 0)
    return;
  g_free (self->ice_address);
  self->ice_address = g_strdup (address);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ICE_ADDRESS]);
}

const char *
hormiga_node_thread_get_ice_address (HormigaNodeThread *self)
{
  g_return_val_if_fail (HORMIGA_IS_NODE_THREAD (self), NULL);
  return self->ice_address;
}

/* The node, if it runs, takes the settings at once. */
static void
hormiga_node_thread_post_settings (HormigaNodeThread *self)
{
  SettingsUpdate *update;
  GSource *source;

  if (self->thread == NULL)
    return;
  update = g_new0 (SettingsUpdate, 1);
  update->worker = self->worker;
  node_settings_copy (&self->settings, &update->settings);
  source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_static_name (source, "[hormiga] node settings");
  g_source_set_callback (source, on_settings_update, update, settings_update_free);
  g_source_attach (source, self->node_context);
  g_source_unref (source);
}

void
hormiga_node_thread_set_upload_limit (HormigaNodeThread *self,
                                      guint              kib_per_s)
{
  g_return_if_fail (HORMIGA_IS_NODE_THREAD (self));

  if (self->settings.upload_limit == kib_per_s)
    return;
  self->settings.upload_limit = kib_per_s;
  hormiga_node_thread_post_settings (self);
}

void
hormiga_node_thread_set_display_name (HormigaNodeThread *self,
                                      const char        *name)
{
  g_return_if_fail (HORMIGA_IS_NODE_THREAD (self));

  if (name != NULL && name[0] == '\0')
    name = NULL;
  if (g_strcmp0 (self->settings.display_name, name) == 0)
    return;
  g_free (self->settings.display_name);
  self->settings.display_name = g_strdup (name);
  hormiga_node_thread_post_settings (self);
}

void
hormiga_node_thread_set_ice_servers (HormigaNodeThread  *self,
                                     const char * const *stun,
                                     const char * const *turn)
{
  g_return_if_fail (HORMIGA_IS_NODE_THREAD (self));

  g_clear_pointer (&self->settings.stun_servers, g_strfreev);
  g_clear_pointer (&self->settings.turn_servers, g_strfreev);
  self->settings.stun_servers = g_strdupv ((char **) stun);
  self->settings.turn_servers = g_strdupv ((char **) turn);
  hormiga_node_thread_post_settings (self);
}

GListModel *
hormiga_node_thread_get_peers (HormigaNodeThread *self)
{
  g_return_val_if_fail (HORMIGA_IS_NODE_THREAD (self), NULL);
  return G_LIST_MODEL (self->peers);
}

guint
hormiga_node_thread_get_n_connected (HormigaNodeThread *self)
{
  g_return_val_if_fail (HORMIGA_IS_NODE_THREAD (self), 0);
  return self->n_connected;
}

guint
hormiga_node_thread_get_n_direct (HormigaNodeThread *self)
{
  g_return_val_if_fail (HORMIGA_IS_NODE_THREAD (self), 0);
  return self->n_direct;
}

guint
hormiga_node_thread_get_n_relayed (HormigaNodeThread *self)
{
  g_return_val_if_fail (HORMIGA_IS_NODE_THREAD (self), 0);
  return self->n_relayed;
}

guint
hormiga_node_thread_get_n_overlay (HormigaNodeThread *self)
{
  g_return_val_if_fail (HORMIGA_IS_NODE_THREAD (self), 0);
  return self->n_overlay;
}

guint
hormiga_node_thread_get_n_active_transfers (HormigaNodeThread *self)
{
  g_return_val_if_fail (HORMIGA_IS_NODE_THREAD (self), 0);
  return self->n_active_transfers;
}

guint
hormiga_node_thread_get_n_contacts (HormigaNodeThread *self)
{
  g_return_val_if_fail (HORMIGA_IS_NODE_THREAD (self), 0);
  return self->n_contacts;
}

static void
hormiga_node_thread_constructed (GObject *object)
{
  HormigaNodeThread *self = HORMIGA_NODE_THREAD (object);

  G_OBJECT_CLASS (hormiga_node_thread_parent_class)->constructed (object);

  self->ui_context = g_main_context_ref_thread_default ();
}

static void
hormiga_node_thread_dispose (GObject *object)
{
  HormigaNodeThread *self = HORMIGA_NODE_THREAD (object);

  hormiga_node_thread_stop (self);

  G_OBJECT_CLASS (hormiga_node_thread_parent_class)->dispose (object);
}

static void
hormiga_node_thread_finalize (GObject *object)
{
  HormigaNodeThread *self = HORMIGA_NODE_THREAD (object);

  g_assert (self->thread == NULL && self->mailbox == NULL);

  node_status_clear (&self->status);
  g_clear_object (&self->peers);
  g_clear_object (&self->transfers);
  g_clear_pointer (&self->requests, g_hash_table_unref);
  g_free (self->download_folder);
  g_free (self->configured_url);
  g_free (self->data_dir);
  g_free (self->ice_address);
  node_settings_clear (&self->settings);
  g_clear_pointer (&self->ui_context, g_main_context_unref);

  G_OBJECT_CLASS (hormiga_node_thread_parent_class)->finalize (object);
}

static void
hormiga_node_thread_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  HormigaNodeThread *self = HORMIGA_NODE_THREAD (object);

  switch (prop_id)
    {
    case PROP_CONFIGURED_URL:  g_value_set_string (value, self->configured_url); break;
    case PROP_DATA_DIR:        g_value_set_string (value, self->data_dir); break;
    case PROP_START_TIMEOUT:   g_value_set_uint (value, self->start_timeout); break;
    case PROP_STATE:           g_value_set_enum (value, self->status.state); break;
    case PROP_SERVER_URL:      g_value_set_string (value, self->status.server_url); break;
    case PROP_EMBEDDED:        g_value_set_boolean (value, self->status.embedded); break;
    case PROP_FALLBACK_REASON: g_value_set_string (value, self->status.fallback_reason); break;
    case PROP_PEER_ID:         g_value_set_string (value, self->status.peer_id); break;
    case PROP_N_KNOWN_PEERS:   g_value_set_uint (value, self->status.n_known_peers); break;
    case PROP_DHT_READY:       g_value_set_boolean (value, self->status.dht_ready); break;
    case PROP_ERROR_MESSAGE:   g_value_set_string (value, self->status.error_message); break;
    case PROP_ICE_ADDRESS:     g_value_set_string (value, self->ice_address); break;
    case PROP_N_CONNECTED:     g_value_set_uint (value, self->n_connected); break;
    case PROP_N_DIRECT:        g_value_set_uint (value, self->n_direct); break;
    case PROP_N_RELAYED:       g_value_set_uint (value, self->n_relayed); break;
    case PROP_N_OVERLAY:       g_value_set_uint (value, self->n_overlay); break;
    case PROP_N_CONTACTS:      g_value_set_uint (value, self->n_contacts); break;
    case PROP_DOWNLOAD_FOLDER: g_value_set_string (value, self->download_folder); break;
    case PROP_N_ACTIVE_TRANSFERS: g_value_set_uint (value, self->n_active_transfers); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hormiga_node_thread_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  HormigaNodeThread *self = HORMIGA_NODE_THREAD (object);

  switch (prop_id)
    {
    case PROP_CONFIGURED_URL: self->configured_url = g_value_dup_string (value); break;
    case PROP_DATA_DIR:       self->data_dir = g_value_dup_string (value); break;
    case PROP_START_TIMEOUT:  self->start_timeout = g_value_get_uint (value); break;
    case PROP_ICE_ADDRESS:    hormiga_node_thread_set_ice_address (self, g_value_get_string (value)); break;
    case PROP_DOWNLOAD_FOLDER: hormiga_node_thread_set_download_folder (self, g_value_get_string (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hormiga_node_thread_class_init (HormigaNodeThreadClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags construct = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS;
  GParamFlags readable = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->constructed = hormiga_node_thread_constructed;
  object_class->dispose = hormiga_node_thread_dispose;
  object_class->finalize = hormiga_node_thread_finalize;
  object_class->get_property = hormiga_node_thread_get_property;
  object_class->set_property = hormiga_node_thread_set_property;

  properties[PROP_CONFIGURED_URL] =
    g_param_spec_string ("configured-url", NULL, NULL, NULL, construct);
  properties[PROP_DATA_DIR] =
    g_param_spec_string ("data-dir", NULL, NULL, NULL, construct);
  properties[PROP_START_TIMEOUT] =
    g_param_spec_uint ("start-timeout", NULL, NULL, 1, G_MAXINT32,
                       HORMIGA_NODE_THREAD_DEFAULT_START_TIMEOUT, construct);
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, HORMIGA_TYPE_NODE_STATE,
                       HORMIGA_NODE_STATE_STOPPED, readable);
  properties[PROP_SERVER_URL] =
    g_param_spec_string ("server-url", NULL, NULL, NULL, readable);
  properties[PROP_EMBEDDED] =
    g_param_spec_boolean ("embedded", NULL, NULL, FALSE, readable);
  properties[PROP_FALLBACK_REASON] =
    g_param_spec_string ("fallback-reason", NULL, NULL, NULL, readable);
  properties[PROP_PEER_ID] =
    g_param_spec_string ("peer-id", NULL, NULL, NULL, readable);
  properties[PROP_N_KNOWN_PEERS] =
    g_param_spec_uint ("n-known-peers", NULL, NULL, 0, G_MAXUINT, 0, readable);
  properties[PROP_DHT_READY] =
    g_param_spec_boolean ("dht-ready", NULL, NULL, FALSE, readable);
  properties[PROP_ERROR_MESSAGE] =
    g_param_spec_string ("error-message", NULL, NULL, NULL, readable);
  properties[PROP_ICE_ADDRESS] =
    g_param_spec_string ("ice-address", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_N_CONNECTED] =
    g_param_spec_uint ("n-connected", NULL, NULL, 0, G_MAXUINT, 0, readable);
  properties[PROP_N_DIRECT] =
    g_param_spec_uint ("n-direct", NULL, NULL, 0, G_MAXUINT, 0, readable);
  properties[PROP_N_RELAYED] =
    g_param_spec_uint ("n-relayed", NULL, NULL, 0, G_MAXUINT, 0, readable);
  properties[PROP_N_OVERLAY] =
    g_param_spec_uint ("n-overlay", NULL, NULL, 0, G_MAXUINT, 0, readable);
  properties[PROP_N_CONTACTS] =
    g_param_spec_uint ("n-contacts", NULL, NULL, 0, G_MAXUINT, 0, readable);
  properties[PROP_DOWNLOAD_FOLDER] =
    g_param_spec_string ("download-folder", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_N_ACTIVE_TRANSFERS] =
    g_param_spec_uint ("n-active-transfers", NULL, NULL, 0, G_MAXUINT, 0, readable);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* A peer offers a file or a folder: answer with accept_offer(),
   * accept_offer_paths() or decline_offer(). A folder's offer carries its
   * files' paths (a GStrv, NULL for a file) and sizes (a GArray of
   * guint64). */
  signals[SIGNAL_OFFER] =
    g_signal_new ("offer", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 6, G_TYPE_UINT, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_UINT64,
                  G_TYPE_STRV, G_TYPE_ARRAY);
  /* The offer was answered (here, or it timed out): stop asking. */
  signals[SIGNAL_OFFER_CLOSED] =
    g_signal_new ("offer-closed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
  /* A download is complete (its item, in the transfers model). */
  signals[SIGNAL_TRANSFER_FINISHED] =
    g_signal_new ("transfer-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 1, HORMIGA_TYPE_TRANSFER_ITEM);
}

static void
hormiga_node_thread_init (HormigaNodeThread *self)
{
  self->start_timeout = HORMIGA_NODE_THREAD_DEFAULT_START_TIMEOUT;
  self->contingents = 2;
  self->peers = g_list_store_new (HORMIGA_TYPE_PEER_ITEM);
  self->transfers = g_list_store_new (HORMIGA_TYPE_TRANSFER_ITEM);
  self->requests = g_hash_table_new_full (NULL, NULL, NULL, g_object_unref);
}
