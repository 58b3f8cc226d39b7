/* hormiga-contingency-service.c — contingency nodes on a running HormigaNode
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "hormiga-contingency-service.h"

#include <sodium.h>

#include "hormiga-dht-key.h"

struct _HormigaContingencyService
{
  GObject             parent_instance;

  HormigaNode        *node;
  HormigaContingency *core;
  GMainContext       *context;
  GCancellable       *cancellable;
  GHashTable         *outboxes;     /* PeerID string → Outbox */
  GHashTable         *links;        /* HormigaDataChannel → Link */
  GSource            *tick_source;
  GSource            *sync_source;
  GSource            *leave_source; /* a leave that outlasts the core's timeout */
  GPtrArray          *leave_tasks;  /* GTask */
  gboolean            running;
  gboolean            ready;        /* a first contingent answered */
  guint               ready_idle;
  gboolean            looking;      /* a lookup for candidates is running */
  gboolean            look_again;
  gboolean            left;
};

G_DEFINE_FINAL_TYPE (HormigaContingencyService, hormiga_contingency_service, G_TYPE_OBJECT)

enum {
  EVENT,
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* Messages for a peer whose channel is not open yet. */
typedef struct
{
  HormigaPeerId *peer;
  GQueue         messages;     /* GBytes */
  gsize          bytes;
  gboolean       connecting;
} Outbox;

/* One open channel 3 and the peer at its other end. */
typedef struct
{
  HormigaContingencyService *service;
  HormigaPeerId             *peer;
  HormigaDataChannel        *channel;
} Link;

static void schedule (HormigaContingencyService *self);

static void
outbox_free (Outbox *outbox)
{
  hormiga_peer_id_unref (outbox->peer);
  g_queue_clear_full (&outbox->messages, (GDestroyNotify) g_bytes_unref);
  g_free (outbox);
}

static void
link_free (Link *link)
{
  g_signal_handlers_disconnect_by_data (link->channel, link);
  g_object_unref (link->channel);
  hormiga_peer_id_unref (link->peer);
  g_free (link);
}

static void
destroy_source (GSource **source)
{
  if (*source == NULL)
    return;
  g_source_destroy (*source);
  g_clear_pointer (source, g_source_unref);
}

/* ---- sending ---------------------------------------------------------------------------- */

static gboolean
send_now (HormigaContingencyService *self,
          const HormigaPeerId       *to,
          GBytes                    *message)
{
  HormigaDataChannel *channel = hormiga_node_get_channel (self->node, to, HORMIGA_CONTINGENCY_CHANNEL_ID);
  g_autoptr(GError) error = NULL;
  gsize length;
  const guint8 *data;

  if (channel == NULL || hormiga_data_channel_get_state (channel) != HORMIGA_DATA_CHANNEL_OPEN)
    return FALSE;
  data = g_bytes_get_data (message, &length);
  if (!hormiga_data_channel_send (channel, data, length, &error))
    g_debug ("contingency: a message to %s was lost: %s", hormiga_peer_id_to_string (to),
             error->message);
  return TRUE;
}

/* Sends what waits for @outbox's peer if its channel is open now. */
static void
flush (HormigaContingencyService *self,
       Outbox                    *outbox)
{
  while (!g_queue_is_empty (&outbox->messages))
    {
      GBytes *message = g_queue_peek_head (&outbox->messages);

      if (!send_now (self, outbox->peer, message))
        return;
      outbox->bytes -= g_bytes_get_size (message);
      g_bytes_unref (g_queue_pop_head (&outbox->messages));
    }
  g_hash_table_remove (self->outboxes, hormiga_peer_id_to_string (outbox->peer));
}

static void
on_connected (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(HormigaPeerId) peer = user_data;
  g_autoptr(GError) error = NULL;
  HormigaContingencyService *self;
  Outbox *outbox;
  gboolean ok = hormiga_node_connect_finish (HORMIGA_NODE (source), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = g_object_get_data (source, "hormiga-contingency-service");
  if (self == NULL)
    return;
  outbox = g_hash_table_lookup (self->outboxes, hormiga_peer_id_to_string (peer));
  if (outbox == NULL)
    return;
  outbox->connecting = FALSE;
  if (!ok)
    {
      g_debug ("contingency: %u messages to %s dropped: %s", g_queue_get_length (&outbox->messages),
               hormiga_peer_id_to_string (peer), error->message);
      g_hash_table_remove (self->outboxes, hormiga_peer_id_to_string (peer));
      return;
    }
  flush (self, outbox);
}

static void
io_send (const HormigaPeerId *to,
         GBytes              *message,
         gpointer             user_data)
{
  HormigaContingencyService *self = user_data;
  Outbox *outbox = g_hash_table_lookup (self->outboxes, hormiga_peer_id_to_string (to));

  if (outbox == NULL && send_now (self, to, message))
    return;
  if (outbox == NULL)
    {
      outbox = g_new0 (Outbox, 1);
      outbox->peer = hormiga_peer_id_ref ((HormigaPeerId *) to);
      g_queue_init (&outbox->messages);
      g_hash_table_insert (self->outboxes, g_strdup (hormiga_peer_id_to_string (to)), outbox);
    }
  if (g_queue_get_length (&outbox->messages) >= HORMIGA_CONTINGENCY_MAX_QUEUED ||
      outbox->bytes + g_bytes_get_size (message) > HORMIGA_CONTINGENCY_MAX_QUEUED_BYTES)
    {
      g_debug ("contingency: a message to %s dropped: too many wait for its connection",
               hormiga_peer_id_to_string (to));
      return;
    }
  g_queue_push_tail (&outbox->messages, g_bytes_ref (message));
  outbox->bytes += g_bytes_get_size (message);
  if (!outbox->connecting)
    {
      outbox->connecting = TRUE;
      hormiga_node_connect_async (self->node, to, self->cancellable, on_connected,
                                  hormiga_peer_id_ref ((HormigaPeerId *) to));
    }
}

static gint64
io_now (gpointer user_data)
{
  return g_get_real_time () / 1000;
}

static void
io_random (guint8   *out,
           gsize     length,
           gpointer  user_data)
{
  randombytes_buf (out, length);
}

/* ---- candidates and records -------------------------------------------------------------- */

static void look_for_candidates (HormigaContingencyService *self);

static void
on_candidates (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) peers = hormiga_node_find_closest_finish (HORMIGA_NODE (source), result, &error);
  HormigaContingencyService *self;

  if (peers == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = user_data;
  self->looking = FALSE;
  if (peers == NULL)
    g_debug ("contingency: no candidates: %s", error->message);
  else if (!self->left)
    {
      hormiga_contingency_set_candidates (self->core, peers);
      schedule (self);
    }
  if (self->look_again)
    look_for_candidates (self);
}

/* The lookup of our own key gives the live server-mode nodes that follow
 * us on the ring. */
static void
look_for_candidates (HormigaContingencyService *self)
{
  HormigaDhtKey key;

  self->look_again = FALSE;
  if (self->looking)
    {
      self->look_again = TRUE;
      return;
    }
  self->looking = TRUE;
  hormiga_dht_key_from_peer_id (&key, hormiga_contingency_get_peer_id (self->core));
  hormiga_node_find_closest_async (self->node, &key, self->cancellable, on_candidates, self);
}

static void
sync_records (HormigaContingencyService *self)
{
  g_autoptr(GPtrArray) records = hormiga_node_dup_own_records (self->node);
  g_autoptr(GError) error = NULL;

  if (!hormiga_contingency_sync_records (self->core, records, &error))
    g_debug ("contingency: a record of ours is not backed up: %s", error->message);
  schedule (self);
}

/* Our first active contingent is the node's lookup proxy while it has few
 * connections. */
static void
update_lookup_proxy (HormigaContingencyService *self)
{
  g_autoptr(GPtrArray) contingents = NULL;
  const HormigaPeerId *first = NULL;

  if (self->node == NULL || self->core == NULL)
    return;
  contingents = hormiga_contingency_list_contingents (self->core);
  for (guint i = 0; i < contingents->len && first == NULL && !self->left; i++)
    {
      HormigaContingentInfo *info = g_ptr_array_index (contingents, i);

      if (info->state == HORMIGA_CONTINGENT_ACTIVE)
        first = info->peer;
    }
  hormiga_node_set_lookup_proxy (self->node, first);
}

static gboolean
on_sync (gpointer user_data)
{
  HormigaContingencyService *self = user_data;

  update_lookup_proxy (self);
  if (!self->left && self->ready)
    sync_records (self);
  g_signal_emit (self, signals[CHANGED], 0);
  return G_SOURCE_CONTINUE;
}

/* The backup follows the node's records only once a first contingent has
 * said what it holds for us: a copy newer than ours (we restarted without
 * our state) must be restored first, and our own sequence number starts
 * at 0 so that it is. */
static gboolean
on_ready (gpointer user_data)
{
  HormigaContingencyService *self = user_data;

  self->ready_idle = 0;
  self->ready = TRUE;
  if (!self->left)
    sync_records (self);
  return G_SOURCE_REMOVE;
}

static void
republish (HormigaContingencyService *self,
           GPtrArray                 *records)
{
  for (guint i = 0; records != NULL && i < records->len; i++)
    hormiga_node_publish_record (self->node, g_ptr_array_index (records, i));
}

/* ---- leaving ------------------------------------------------------------------------------ */

static void
complete_leave (HormigaContingencyService *self)
{
  g_autoptr(GPtrArray) tasks = g_steal_pointer (&self->leave_tasks);

  self->leave_tasks = g_ptr_array_new_with_free_func (g_object_unref);
  destroy_source (&self->leave_source);
  for (guint i = 0; i < tasks->len; i++)
    g_task_return_boolean (g_ptr_array_index (tasks, i), TRUE);
}

static gboolean
on_leave_timeout (gpointer user_data)
{
  HormigaContingencyService *self = user_data;

  g_debug ("contingency: the leave outlasted its timeout");
  g_clear_pointer (&self->leave_source, g_source_unref);
  self->left = TRUE;
  complete_leave (self);
  return G_SOURCE_REMOVE;
}

/* ---- the core's events and timers --------------------------------------------------------- */

static void
io_event (HormigaContingency            *core,
          const HormigaContingencyEvent *event,
          gpointer                       user_data)
{
  HormigaContingencyService *self = user_data;

  switch (event->type)
    {
    case HORMIGA_CONTINGENCY_EVENT_NEED_CANDIDATES:
      if (self->running)
        look_for_candidates (self);
      break;

    case HORMIGA_CONTINGENCY_EVENT_TAKEOVER:
    case HORMIGA_CONTINGENCY_EVENT_REPUBLISH:
      republish (self, event->records);
      break;

    case HORMIGA_CONTINGENCY_EVENT_RESTORED:
      republish (self, event->records);
      break;

    case HORMIGA_CONTINGENCY_EVENT_LEFT:
      self->left = TRUE;
      break;

    default:
      break;
    }
  /* After the event: the core compares the contingent's state with ours
   * right after reporting ASSIGNED. */
  if (!self->ready && self->ready_idle == 0 &&
      (event->type == HORMIGA_CONTINGENCY_EVENT_CONTINGENT_ASSIGNED ||
       event->type == HORMIGA_CONTINGENCY_EVENT_CONTINGENT_SYNCED ||
       event->type == HORMIGA_CONTINGENCY_EVENT_RESTORED))
    {
      GSource *source = g_idle_source_new ();

      g_source_set_callback (source, on_ready, self, NULL);
      g_source_set_static_name (source, "hormiga contingency ready");
      self->ready_idle = g_source_attach (source, self->context);
      g_source_unref (source);
    }
  update_lookup_proxy (self);
  g_signal_emit (self, signals[EVENT], 0, event);
  g_signal_emit (self, signals[CHANGED], 0);
  if (event->type == HORMIGA_CONTINGENCY_EVENT_LEFT)
    complete_leave (self);
}

static gboolean
on_tick (gpointer user_data)
{
  HormigaContingencyService *self = user_data;

  g_clear_pointer (&self->tick_source, g_source_unref);
  if (!self->left)
    hormiga_contingency_tick (self->core);
  schedule (self);
  return G_SOURCE_REMOVE;
}

static void
schedule (HormigaContingencyService *self)
{
  gint64 delay;

  if (!self->running || self->left || self->core == NULL)
    return;
  delay = hormiga_contingency_get_next_deadline (self->core) - io_now (NULL);
  destroy_source (&self->tick_source);
  self->tick_source = g_timeout_source_new ((guint) CLAMP (delay, 0, G_MAXINT));
  g_source_set_callback (self->tick_source, on_tick, self, NULL);
  g_source_set_static_name (self->tick_source, "hormiga contingency tick");
  g_source_attach (self->tick_source, self->context);
}

/* ---- the node ------------------------------------------------------------------------------ */

static void
on_message (HormigaDataChannel *channel,
            GBytes             *data,
            gboolean            is_text,
            gpointer            user_data)
{
  Link *link = user_data;
  HormigaContingencyService *self = link->service;

  if (is_text || self->left)
    return;
  hormiga_contingency_receive (self->core, link->peer, data);
  schedule (self);
}

static void
on_channel_open (HormigaNode        *node,
                 HormigaPeerId      *peer,
                 HormigaDataChannel *channel,
                 gpointer            user_data)
{
  HormigaContingencyService *self = user_data;
  Link *link;
  Outbox *outbox;

  if (hormiga_data_channel_get_id (channel) != HORMIGA_CONTINGENCY_CHANNEL_ID)
    return;
  link = g_new0 (Link, 1);
  link->service = self;
  link->peer = hormiga_peer_id_ref (peer);
  link->channel = g_object_ref (channel);
  g_signal_connect (channel, "message", G_CALLBACK (on_message), link);
  g_hash_table_replace (self->links, channel, link);
  outbox = g_hash_table_lookup (self->outboxes, hormiga_peer_id_to_string (peer));
  if (outbox != NULL)
    flush (self, outbox);
}

static void
on_channel_closed (HormigaNode        *node,
                   HormigaPeerId      *peer,
                   HormigaDataChannel *channel,
                   gpointer            user_data)
{
  HormigaContingencyService *self = user_data;

  g_hash_table_remove (self->links, channel);
}

static void
on_dht_ready (HormigaNode *node,
              guint        contacts,
              gpointer     user_data)
{
  HormigaContingencyService *self = user_data;

  if (self->left)
    return;
  if (!self->running)
    {
      self->running = TRUE;
      self->sync_source = g_timeout_source_new (HORMIGA_CONTINGENCY_SYNC_MS);
      g_source_set_callback (self->sync_source, on_sync, self, NULL);
      g_source_set_static_name (self->sync_source, "hormiga contingency sync");
      g_source_attach (self->sync_source, self->context);
    }
  /* Joined again (or for the first time): the ring around us may differ. */
  look_for_candidates (self);
  schedule (self);
}

/* ---- public -------------------------------------------------------------------------------- */

static const HormigaContingencyIo service_io = { io_send, io_now, io_random, io_event };

HormigaContingencyService *
hormiga_contingency_service_new (HormigaNode                    *node,
                                 const HormigaContingencyConfig *config)
{
  HormigaContingencyService *self;
  HormigaContingencyConfig defaults = HORMIGA_CONTINGENCY_CONFIG_INIT;

  g_return_val_if_fail (HORMIGA_IS_NODE (node), NULL);

  self = g_object_new (HORMIGA_TYPE_CONTINGENCY_SERVICE, NULL);
  self->node = g_object_ref (node);
  self->context = g_main_context_ref_thread_default ();
  self->core = hormiga_contingency_new (hormiga_node_get_identity (node),
                                        config != NULL ? config : &defaults, &service_io, self);
  g_object_set_data (G_OBJECT (node), "hormiga-contingency-service", self);
  hormiga_node_add_channel (node, HORMIGA_CONTINGENCY_CHANNEL_ID, HORMIGA_CONTINGENCY_CHANNEL_LABEL);
  g_signal_connect (node, "channel-open", G_CALLBACK (on_channel_open), self);
  g_signal_connect (node, "channel-closed", G_CALLBACK (on_channel_closed), self);
  g_signal_connect (node, "dht-ready", G_CALLBACK (on_dht_ready), self);
  return self;
}

HormigaNode *
hormiga_contingency_service_get_node (HormigaContingencyService *self)
{
  g_return_val_if_fail (HORMIGA_IS_CONTINGENCY_SERVICE (self), NULL);
  return self->node;
}

HormigaContingency *
hormiga_contingency_service_get_contingency (HormigaContingencyService *self)
{
  g_return_val_if_fail (HORMIGA_IS_CONTINGENCY_SERVICE (self), NULL);
  return self->core;
}

gboolean
hormiga_contingency_service_is_running (HormigaContingencyService *self)
{
  g_return_val_if_fail (HORMIGA_IS_CONTINGENCY_SERVICE (self), FALSE);
  return self->running && self->ready && !self->left;
}

gboolean
hormiga_contingency_service_set_private (HormigaContingencyService *self,
                                         GBytes                    *plaintext,
                                         GError                   **error)
{
  gboolean ok;

  g_return_val_if_fail (HORMIGA_IS_CONTINGENCY_SERVICE (self), FALSE);

  ok = hormiga_contingency_set_private (self->core, plaintext, error);
  schedule (self);
  return ok;
}

void
hormiga_contingency_service_leave_async (HormigaContingencyService *self,
                                         GCancellable              *cancellable,
                                         GAsyncReadyCallback        callback,
                                         gpointer                   user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (HORMIGA_IS_CONTINGENCY_SERVICE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hormiga_contingency_service_leave_async);
  if (!self->running || self->left)
    {
      self->left = TRUE;
      g_task_return_boolean (task, TRUE);
      return;
    }
  g_ptr_array_add (self->leave_tasks, g_steal_pointer (&task));
  if (hormiga_contingency_is_leaving (self->core))
    return;
  self->leave_source =
    g_timeout_source_new (hormiga_contingency_get_config (self->core)->leave_timeout_ms + 1000);
  g_source_set_callback (self->leave_source, on_leave_timeout, self, NULL);
  g_source_set_static_name (self->leave_source, "hormiga contingency leave");
  g_source_attach (self->leave_source, self->context);
  hormiga_contingency_leave (self->core);
  schedule (self);
}

gboolean
hormiga_contingency_service_leave_finish (HormigaContingencyService *self,
                                          GAsyncResult              *result,
                                          GError                   **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == hormiga_contingency_service_leave_async,
                        FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
hormiga_contingency_service_dispose (GObject *object)
{
  HormigaContingencyService *self = HORMIGA_CONTINGENCY_SERVICE (object);

  g_cancellable_cancel (self->cancellable);
  destroy_source (&self->tick_source);
  destroy_source (&self->sync_source);
  destroy_source (&self->leave_source);
  if (self->ready_idle != 0)
    g_source_destroy (g_main_context_find_source_by_id (self->context, self->ready_idle));
  self->ready_idle = 0;
  if (self->leave_tasks != NULL)
    {
      self->left = TRUE;
      complete_leave (self);
    }
  g_hash_table_remove_all (self->links);
  g_hash_table_remove_all (self->outboxes);
  if (self->node != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->node, self);
      g_object_set_data (G_OBJECT (self->node), "hormiga-contingency-service", NULL);
    }
  g_clear_object (&self->node);
  g_clear_pointer (&self->core, hormiga_contingency_free);

  G_OBJECT_CLASS (hormiga_contingency_service_parent_class)->dispose (object);
}

static void
hormiga_contingency_service_finalize (GObject *object)
{
  HormigaContingencyService *self = HORMIGA_CONTINGENCY_SERVICE (object);

  g_hash_table_unref (self->links);
  g_hash_table_unref (self->outboxes);
  g_ptr_array_unref (self->leave_tasks);
  g_object_unref (self->cancellable);
  g_main_context_unref (self->context);

  G_OBJECT_CLASS (hormiga_contingency_service_parent_class)->finalize (object);
}

static void
hormiga_contingency_service_class_init (HormigaContingencyServiceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hormiga_contingency_service_dispose;
  object_class->finalize = hormiga_contingency_service_finalize;

  /**
   * HormigaContingencyService::event:
   * @event: (type gpointer): the core's `const HormigaContingencyEvent *`
   */
  signals[EVENT] = g_signal_new ("event", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                 NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                   NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
hormiga_contingency_service_init (HormigaContingencyService *self)
{
  self->cancellable = g_cancellable_new ();
  self->outboxes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) outbox_free);
  self->links = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) link_free);
  self->leave_tasks = g_ptr_array_new_with_free_func (g_object_unref);
}
