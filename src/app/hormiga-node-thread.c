/* hormiga-node-thread.c — the application's node, on a thread of its own
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Two halves that share nothing but a mailbox:
 *
 * - The Worker lives on the node thread. It owns the identity, the
 *   signaling client and, when needed, the built-in hormiguero, all on the
 *   worker's own GMainContext, and keeps a NodeStatus. Whenever the status
 *   changes it posts a full copy to the UI context as an idle source.
 * - The HormigaNodeThread object lives on the UI thread. It applies each
 *   copy there, notifying the properties that changed, so the UI only ever
 *   sees its own thread. It reaches the worker once, to stop it (an idle
 *   source on the worker's context), then joins the thread.
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
#include <glib/gi18n.h>

#include "hormiga-hormiguero.h"
#include "hormiga-identity.h"
#include "hormiga-peer-id.h"
#include "hormiga-signaling-client.h"

#include "hormiga-node-thread.h"

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

/* ---------------------------------------------------------------- status */

typedef struct
{
  HormigaNodeState  state;
  char             *server_url;
  gboolean          embedded;
  char             *fallback_reason;
  char             *peer_id;
  guint             n_known_peers;
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

/* ---------------------------------------------------------------- worker */

typedef struct
{
  GMainContext           *context;
  GMainLoop              *loop;
  Mailbox                *mailbox;

  char                   *configured_url;
  char                   *data_dir;
  guint                   start_timeout;

  HormigaIdentity        *identity;
  HormigaSignalingClient *client;
  HormigaHormiguero      *hormiguero;
  GSource                *begin_source;
  GSource                *start_timeout_source;
  GSource                *fallback_source;
  gboolean                ever_admitted;

  NodeStatus              status;       /* as last posted */
} Worker;

static void
worker_free (Worker *worker)
{
  g_assert (worker->client == NULL && worker->hormiguero == NULL);
  g_assert (worker->begin_source == NULL);
  g_assert (worker->start_timeout_source == NULL && worker->fallback_source == NULL);

  g_clear_object (&worker->identity);
  g_clear_pointer (&worker->loop, g_main_loop_unref);
  g_clear_pointer (&worker->context, g_main_context_unref);
  g_clear_pointer (&worker->mailbox, mailbox_unref);
  g_free (worker->configured_url);
  g_free (worker->data_dir);
  node_status_clear (&worker->status);
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

static void
worker_drop_client (Worker *worker)
{
  if (worker->client == NULL)
    return;
  g_signal_handlers_disconnect_by_data (worker->client, worker);
  hormiga_signaling_client_stop (worker->client);
  g_clear_object (&worker->client);
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
  g_assert (worker->client == NULL);

  g_free (worker->status.server_url);
  worker->status.server_url = g_strdup (url);
  worker_set_state (worker, HORMIGA_NODE_STATE_CONNECTING, NULL);

  worker->client = hormiga_signaling_client_new (url, worker->identity, worker->context);
  g_signal_connect (worker->client, "admitted", G_CALLBACK (on_client_admitted), worker);
  g_signal_connect (worker->client, "disconnected", G_CALLBACK (on_client_disconnected), worker);
  g_signal_connect (worker->client, "notify::state", G_CALLBACK (on_client_state), worker);
  hormiga_signaling_client_start (worker->client);
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

static gpointer
worker_main (gpointer data)
{
  Worker *worker = data;
  GSource *source;

  g_main_context_push_thread_default (worker->context);

  worker->begin_source = g_idle_source_new ();
  g_source_set_static_name (worker->begin_source, "[hormiga] node start");
  g_source_set_callback (worker->begin_source, on_worker_begin, worker, NULL);
  g_source_attach (worker->begin_source, worker->context);

  g_main_loop_run (worker->loop);

  /* Leave: the client first (a normal close), then the built-in server. */
  clear_source (&worker->begin_source);
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
  guint         start_timeout;

  GThread      *thread;
  GMainContext *node_context;   /* the worker's, while the thread runs */
  GMainLoop    *node_loop;
  Mailbox      *mailbox;

  NodeStatus    status;          /* as last applied */
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
  PROP_ERROR_MESSAGE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

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
  worker->start_timeout = self->start_timeout;

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
  g_free (self->configured_url);
  g_free (self->data_dir);
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
    case PROP_ERROR_MESSAGE:   g_value_set_string (value, self->status.error_message); break;
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
  properties[PROP_ERROR_MESSAGE] =
    g_param_spec_string ("error-message", NULL, NULL, NULL, readable);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
hormiga_node_thread_init (HormigaNodeThread *self)
{
  self->start_timeout = HORMIGA_NODE_THREAD_DEFAULT_START_TIMEOUT;
}
