/* hormiga-control-server.c — a running node's control socket
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each client has a reader (hormiga-control-protocol.h) that cuts its
 * bytes into frames, a queue of reply frames written one after the other,
 * and a cancellable for its DHT operations. Reading pauses while too many
 * reply bytes wait; requests beyond the in-flight limit are refused at
 * once. A client is a reference-counted box: every pending callback holds
 * a reference, and `server` is cleared when the server stops, so a late
 * callback finds out and does nothing.
 *
 * The file operations go to the node's HormigaTransferManager, when it has
 * one (hormiga_control_server_set_transfers()): share and send end later,
 * like the DHT's; download, transfers, pause, resume and cancel answer at
 * once (a download goes on in the node; a client follows it by asking for
 * the transfers again).
 */
#include <errno.h>
#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "hormiga-control-protocol.h"
#include "hormiga-control-server.h"
#include "hormiga-dht-error.h"
#include "hormiga-msgpack.h"
#include "hormiga-transfer-manager.h"

#define READ_CHUNK 16384

struct _HormigaControlServer
{
  GObject          parent_instance;

  HormigaNode     *node;
  HormigaTransferManager *transfers;  /* (nullable) */
  HormigaContingencyService *contingency; /* (nullable) */
  GMainContext    *context;
  char            *path;
  GSocketService  *service;
  GPtrArray       *clients;        /* Client, counted against the limit */
  GPtrArray       *refused;        /* Client, told the limit and closing */
  dev_t            dev;            /* the socket file we made */
  ino_t            ino;
  gboolean         stopped;
};

G_DEFINE_FINAL_TYPE (HormigaControlServer, hormiga_control_server, G_TYPE_OBJECT)

enum {
  SIGNAL_QUIT_REQUESTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

typedef struct
{
  HormigaControlServer *server;    /* NULL once closed */
  GSocketConnection    *connection;
  GInputStream         *input;
  GOutputStream        *output;
  GCancellable         *cancellable;
  HormigaControlReader *reader;
  guint8               *buffer;
  GQueue                queue;     /* GBytes frames to write */
  gsize                 queued_bytes;
  GSource              *idle;
  guint                 in_flight;
  gboolean              reading;
  gboolean              writing;
  gboolean              eof;       /* the client sent all it will */
  gboolean              closing;   /* close once the queue is written */
  gboolean              quit_after_write;
} Client;

static void client_read (Client *client);
static void client_close (Client *client);

static Client *
client_ref (Client *client)
{
  return g_rc_box_acquire (client);
}

static void
client_clear (gpointer data)
{
  Client *client = data;

  g_assert (client->server == NULL);
  g_queue_clear_full (&client->queue, (GDestroyNotify) g_bytes_unref);
  g_clear_pointer (&client->reader, hormiga_control_reader_free);
  g_clear_pointer (&client->buffer, g_free);
  g_clear_object (&client->cancellable);
  /* Nothing is pending on the streams any more: every callback held a
   * reference. Closing a Unix socket does not block. */
  if (client->connection != NULL)
    g_io_stream_close (G_IO_STREAM (client->connection), NULL, NULL);
  g_clear_object (&client->connection);
}

static void
client_unref (Client *client)
{
  g_rc_box_release_full (client, client_clear);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Client, client_unref)

static gboolean
client_is_open (Client *client)
{
  return client->server != NULL;
}

/* ---- writing ------------------------------------------------------------------------- */

static void client_write_next (Client *client);

static void
on_written (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(Client) client = user_data;
  g_autoptr(GError) error = NULL;
  GBytes *frame;

  client->writing = FALSE;
  frame = g_queue_pop_head (&client->queue);
  client->queued_bytes -= g_bytes_get_size (frame);
  g_bytes_unref (frame);

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error))
    {
      /* The client went away; its replies go nowhere. */
      client_close (client);
      return;
    }
  if (!client_is_open (client))
    return;

  if (client->quit_after_write && g_queue_is_empty (&client->queue))
    {
      HormigaControlServer *server = client->server;

      client->quit_after_write = FALSE;
      g_signal_emit (server, signals[SIGNAL_QUIT_REQUESTED], 0);
      if (!client_is_open (client))
        return;
    }

  client_write_next (client);
  /* Reading (or answering frames already read) paused for the queue. */
  client_read (client);
  if (client_is_open (client) && !client->writing && g_queue_is_empty (&client->queue) &&
      (client->closing || (client->eof && client->in_flight == 0)))
    client_close (client);
}

static void
client_write_next (Client *client)
{
  GBytes *frame;
  gsize length = 0;
  const void *data;

  if (client->writing || g_queue_is_empty (&client->queue))
    return;
  frame = g_queue_peek_head (&client->queue);
  data = g_bytes_get_data (frame, &length);
  client->writing = TRUE;
  /* Not the client's cancellable: a reply already started goes out
   * whole or not at all, and close ends it anyway. */
  g_output_stream_write_all_async (client->output, data, length, G_PRIORITY_DEFAULT, NULL,
                                   on_written, client_ref (client));
}

/* Takes @frame. */
static void
client_send (Client *client,
             GBytes *frame)
{
  if (!client_is_open (client))
    {
      g_bytes_unref (frame);
      return;
    }
  client->queued_bytes += g_bytes_get_size (frame);
  g_queue_push_tail (&client->queue, frame);
  client_write_next (client);
}

static void
client_send_error (Client             *client,
                   guint64             id,
                   HormigaControlError code,
                   const char         *message)
{
  client_send (client, hormiga_control_error_reply (id, code, message));
}

/* ---- closing ---------------------------------------------------------------------------- */

static void
client_close (Client *client)
{
  HormigaControlServer *server = client->server;
  GSocket *socket;

  if (server == NULL)
    return;
  client->server = NULL;
  g_cancellable_cancel (client->cancellable);
  if (client->idle != NULL)
    {
      g_source_destroy (client->idle);
      g_clear_pointer (&client->idle, g_source_unref);
    }
  /* The other end sees the end now, whatever callback still holds the
   * client; the descriptor closes with the last reference. */
  socket = g_socket_connection_get_socket (client->connection);
  g_socket_shutdown (socket, TRUE, TRUE, NULL);
  /* The lists hold one reference each. */
  if (!g_ptr_array_remove (server->clients, client))
    g_ptr_array_remove (server->refused, client);
}

static gboolean
on_idle_timeout (gpointer user_data)
{
  Client *client = user_data;

  if (client->in_flight > 0 || client->writing)
    return G_SOURCE_CONTINUE;
  g_clear_pointer (&client->idle, g_source_unref);
  client_close (client);
  return G_SOURCE_REMOVE;
}

static void
client_touch (Client *client)
{
  if (!client_is_open (client))
    return;
  if (client->idle != NULL)
    {
      g_source_destroy (client->idle);
      g_source_unref (client->idle);
    }
  client->idle = g_timeout_source_new_seconds (HORMIGA_CONTROL_IDLE_TIMEOUT_S);
  /* The source dies with the client (client_close destroys it first). */
  g_source_set_callback (client->idle, on_idle_timeout, client, NULL);
  g_source_attach (client->idle, client->server->context);
}

/* ---- operations ---------------------------------------------------------------------- */

/* One DHT operation of a client, answered when it ends. */
typedef struct
{
  Client  *client;
  guint64  id;
  char    *subject;      /* the peer looked up, or the record's name */
  char    *owner;        /* get: the record's owner */
} Operation;

static Operation *
operation_new (Client     *client,
               guint64     id,
               const char *subject)
{
  Operation *op = g_new0 (Operation, 1);

  op->client = client_ref (client);
  op->id = id;
  op->subject = g_strdup (subject);
  client->in_flight++;
  return op;
}

static void
operation_free (Operation *op)
{
  op->client->in_flight--;
  client_unref (op->client);
  g_free (op->subject);
  g_free (op->owner);
  g_free (op);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Operation, operation_free)

/* The reply to a failed DHT operation; @error from the node. */
static void
operation_fail (Operation    *op,
                const GError *error,
                const char   *not_found)
{
  if (g_error_matches (error, HORMIGA_DHT_ERROR, HORMIGA_DHT_ERROR_NOT_FOUND))
    client_send_error (op->client, op->id, HORMIGA_CONTROL_ERROR_NOT_FOUND, not_found);
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    client_send_error (op->client, op->id, HORMIGA_CONTROL_ERROR_FAILED,
                       "the node is stopping");
  else
    client_send_error (op->client, op->id, HORMIGA_CONTROL_ERROR_FAILED, error->message);
}

static void
on_found (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(Operation) op = user_data;
  g_autoptr(GError) error = NULL;
  guint hops = 0;

  if (hormiga_node_find_peer_finish (HORMIGA_NODE (source), result, &hops, &error))
    {
      msgpack_packer packer;
      GByteArray *frame = hormiga_control_reply_begin (&packer, op->id);

      msgpack_pack_map (&packer, 2);
      hormiga_msgpack_pack_str (&packer, "peer");
      hormiga_msgpack_pack_str (&packer, op->subject);
      hormiga_msgpack_pack_str (&packer, "hops");
      msgpack_pack_uint32 (&packer, hops);
      client_send (op->client, hormiga_control_reply_end (frame));
    }
  else
    {
      g_autofree char *message = g_strdup_printf ("the DHT lookup did not reach %s: %s",
                                                  op->subject, error->message);

      operation_fail (op, error, message);
    }
}

static void
on_put (GObject      *source,
        GAsyncResult *result,
        gpointer      user_data)
{
  g_autoptr(Operation) op = user_data;
  g_autoptr(GError) error = NULL;
  guint stored = hormiga_node_put_finish (HORMIGA_NODE (source), result, &error);

  if (error == NULL)
    {
      msgpack_packer packer;
      GByteArray *frame = hormiga_control_reply_begin (&packer, op->id);

      msgpack_pack_map (&packer, 2);
      hormiga_msgpack_pack_str (&packer, "name");
      hormiga_msgpack_pack_str (&packer, op->subject);
      hormiga_msgpack_pack_str (&packer, "stored");
      msgpack_pack_uint32 (&packer, stored);
      client_send (op->client, hormiga_control_reply_end (frame));
    }
  else
    {
      g_autofree char *message = g_strdup_printf ("no node took the record “%s”: %s",
                                                  op->subject, error->message);

      operation_fail (op, error, message);
    }
}

static void
on_got (GObject      *source,
        GAsyncResult *result,
        gpointer      user_data)
{
  g_autoptr(Operation) op = user_data;
  g_autoptr(GError) error = NULL;
  guint hops = 0;
  g_autoptr(GBytes) value = hormiga_node_get_finish (HORMIGA_NODE (source), result, &hops,
                                                     &error);

  if (value != NULL)
    {
      msgpack_packer packer;
      GByteArray *frame = hormiga_control_reply_begin (&packer, op->id);
      gsize length = 0;
      const char *data = g_bytes_get_data (value, &length);
      gboolean is_text = (length == 0 || memchr (data, '\0', length) == NULL) &&
                         g_utf8_validate (data != NULL ? data : "", (gssize) length, NULL);

      msgpack_pack_map (&packer, 4 + !!is_text);
      hormiga_msgpack_pack_str (&packer, "peer");
      hormiga_msgpack_pack_str (&packer, op->owner);
      hormiga_msgpack_pack_str (&packer, "name");
      hormiga_msgpack_pack_str (&packer, op->subject);
      hormiga_msgpack_pack_str (&packer, "value");
      hormiga_msgpack_pack_bin (&packer, data, length);
      if (is_text)
        {
          hormiga_msgpack_pack_str (&packer, "text");
          msgpack_pack_str (&packer, length);
          if (length > 0)
            msgpack_pack_str_body (&packer, data, length);
        }
      hormiga_msgpack_pack_str (&packer, "hops");
      msgpack_pack_uint32 (&packer, hops);
      client_send (op->client, hormiga_control_reply_end (frame));
    }
  else
    {
      g_autofree char *message = g_strdup_printf ("%s has no record “%s” in the DHT: %s",
                                                  op->owner, op->subject, error->message);

      operation_fail (op, error, message);
    }
}

/* ---- immediate answers ----------------------------------------------------------------- */

static void
pack_kv_str (msgpack_packer *packer,
             const char     *key,
             const char     *value)
{
  hormiga_msgpack_pack_str (packer, key);
  if (value != NULL)
    hormiga_msgpack_pack_str (packer, value);
  else
    msgpack_pack_nil (packer);
}

static void
pack_kv_u64 (msgpack_packer *packer,
             const char     *key,
             guint64         value)
{
  hormiga_msgpack_pack_str (packer, key);
  msgpack_pack_uint64 (packer, value);
}

static void
pack_kv_bool (msgpack_packer *packer,
              const char     *key,
              gboolean        value)
{
  hormiga_msgpack_pack_str (packer, key);
  if (value)
    msgpack_pack_true (packer);
  else
    msgpack_pack_false (packer);
}

static GBytes *
answer_peers (HormigaControlServer *self,
              guint64               id)
{
  g_autoptr(GPtrArray) connections = hormiga_node_list_connections (self->node);
  msgpack_packer packer;
  GByteArray *frame = hormiga_control_reply_begin (&packer, id);

  msgpack_pack_map (&packer, 1);
  hormiga_msgpack_pack_str (&packer, "peers");
  msgpack_pack_array (&packer, connections->len);
  for (guint i = 0; i < connections->len; i++)
    {
      HormigaNodeConnectionInfo *info = g_ptr_array_index (connections, i);

      msgpack_pack_map (&packer, 11);
      pack_kv_str (&packer, "peer", hormiga_peer_id_to_string (info->peer));
      pack_kv_str (&packer, "name", info->name);
      pack_kv_bool (&packer, "open", info->open);
      pack_kv_bool (&packer, "incoming", info->incoming);
      pack_kv_bool (&packer, "overlay", info->overlay);
      pack_kv_str (&packer, "path", info->path);
      pack_kv_u64 (&packer, "opened_at", (guint64) MAX (info->opened_at, 0));
      pack_kv_u64 (&packer, "messages_sent", info->messages_sent);
      pack_kv_u64 (&packer, "messages_received", info->messages_received);
      pack_kv_u64 (&packer, "bytes_sent", info->bytes_sent);
      pack_kv_u64 (&packer, "bytes_received", info->bytes_received);
    }
  return hormiga_control_reply_end (frame);
}

static int
compare_contacts (gconstpointer a,
                  gconstpointer b,
                  gpointer      user_data)
{
  const HormigaDhtKey *self = user_data;
  const HormigaDhtContact *ca = *(HormigaDhtContact * const *) a;
  const HormigaDhtContact *cb = *(HormigaDhtContact * const *) b;

  return hormiga_dht_key_compare_distance (self, &ca->key, &cb->key);
}

static GBytes *
answer_routing_table (HormigaControlServer *self,
                      HormigaDht           *dht,
                      guint64               id)
{
  HormigaDhtRoutingTable *table = hormiga_dht_get_routing_table (dht);
  g_autoptr(GPtrArray) contacts = hormiga_dht_routing_table_list (table);
  const HormigaPeerId *me = hormiga_dht_get_peer_id (dht);
  msgpack_packer packer;
  GByteArray *frame = hormiga_control_reply_begin (&packer, id);
  HormigaDhtKey key;

  hormiga_dht_key_from_peer_id (&key, me);
  /* Closest first: the deepest buckets lead. */
  g_ptr_array_sort_with_data (contacts, compare_contacts, &key);

  msgpack_pack_map (&packer, 3);
  pack_kv_str (&packer, "peer", hormiga_peer_id_to_string (me));
  pack_kv_u64 (&packer, "size", contacts->len);
  hormiga_msgpack_pack_str (&packer, "contacts");
  msgpack_pack_array (&packer, contacts->len);
  for (guint i = 0; i < contacts->len; i++)
    {
      const HormigaDhtContact *contact = g_ptr_array_index (contacts, i);

      msgpack_pack_map (&packer, 5);
      pack_kv_str (&packer, "peer", hormiga_peer_id_to_string (contact->peer));
      pack_kv_u64 (&packer, "bucket", hormiga_dht_key_common_prefix (&key, &contact->key));
      pack_kv_str (&packer, "group", contact->group);
      pack_kv_u64 (&packer, "last_seen", (guint64) MAX (contact->last_seen, 0));
      pack_kv_u64 (&packer, "failures", contact->failures);
    }
  return hormiga_control_reply_end (frame);
}

static GBytes *
answer_stats (HormigaControlServer *self,
              HormigaDht           *dht,
              guint64               id)
{
  HormigaNodeCounters c;
  msgpack_packer packer;
  GByteArray *frame = hormiga_control_reply_begin (&packer, id);

  hormiga_node_get_counters (self->node, &c);
  msgpack_pack_map (&packer, 7);
  pack_kv_str (&packer, "peer", hormiga_peer_id_to_string (hormiga_dht_get_peer_id (dht)));
  pack_kv_u64 (&packer, "contacts",
               hormiga_dht_routing_table_get_size (hormiga_dht_get_routing_table (dht)));
  pack_kv_u64 (&packer, "connections", hormiga_node_get_n_connections (self->node));
  pack_kv_u64 (&packer, "max_connections", hormiga_node_get_max_connections (self->node));
  pack_kv_u64 (&packer, "records", hormiga_dht_store_get_n_records (hormiga_dht_get_store (dht)));
  pack_kv_u64 (&packer, "record_bytes",
               hormiga_dht_store_get_n_bytes (hormiga_dht_get_store (dht)));
  hormiga_msgpack_pack_str (&packer, "counters");
  msgpack_pack_map (&packer, 21);
  pack_kv_u64 (&packer, "connections_offered", c.connections_offered);
  pack_kv_u64 (&packer, "connections_answered", c.connections_answered);
  pack_kv_u64 (&packer, "connections_failed", c.connections_failed);
  pack_kv_u64 (&packer, "connections_lost", c.connections_lost);
  pack_kv_u64 (&packer, "connections_evicted", c.connections_evicted);
  pack_kv_u64 (&packer, "messages_sent", c.messages_sent);
  pack_kv_u64 (&packer, "messages_received", c.messages_received);
  pack_kv_u64 (&packer, "messages_dropped", c.messages_dropped);
  pack_kv_u64 (&packer, "connections_offered_overlay", c.connections_offered_overlay);
  pack_kv_u64 (&packer, "connections_answered_overlay", c.connections_answered_overlay);
  pack_kv_u64 (&packer, "overlay_fallbacks", c.overlay_fallbacks);
  pack_kv_u64 (&packer, "connections_established", c.connections_established);
  pack_kv_u64 (&packer, "connections_established_overlay", c.connections_established_overlay);
  pack_kv_u64 (&packer, "signals_server", c.signals_server);
  pack_kv_u64 (&packer, "signals_overlay", c.signals_overlay);
  pack_kv_u64 (&packer, "relays_forwarded", c.relays_forwarded);
  pack_kv_u64 (&packer, "relays_dropped", c.relays_dropped);
  pack_kv_u64 (&packer, "lookups_proxied", c.lookups_proxied);
  pack_kv_u64 (&packer, "proxy_failures", c.proxy_failures);
  pack_kv_u64 (&packer, "lookups_served_as_proxy", c.lookups_served_as_proxy);
  pack_kv_u64 (&packer, "lookups_refused_as_proxy", c.lookups_refused_as_proxy);
  return hormiga_control_reply_end (frame);
}

static GBytes *
answer_quit (HormigaControlServer *self,
             guint64               id)
{
  msgpack_packer packer;
  GByteArray *frame = hormiga_control_reply_begin (&packer, id);
  HormigaIdentity *identity = hormiga_node_get_identity (self->node);

  msgpack_pack_map (&packer, 1);
  pack_kv_str (&packer, "peer", hormiga_peer_id_to_string (hormiga_identity_get_peer_id (identity)));
  return hormiga_control_reply_end (frame);
}

/* ---- files ---------------------------------------------------------------------------------- */

static void
pack_kv_i64 (msgpack_packer *packer,
             const char     *key,
             gint64          value)
{
  hormiga_msgpack_pack_str (packer, key);
  msgpack_pack_int64 (packer, value);
}

static void
on_shared (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(Operation) op = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *link = hormiga_transfer_manager_share_finish (HORMIGA_TRANSFER_MANAGER (source),
                                                                 result, &error);

  if (link != NULL)
    {
      msgpack_packer packer;
      GByteArray *frame = hormiga_control_reply_begin (&packer, op->id);

      msgpack_pack_map (&packer, 2);
      pack_kv_str (&packer, "link", link);
      pack_kv_str (&packer, "path", op->subject);
      client_send (op->client, hormiga_control_reply_end (frame));
    }
  else
    operation_fail (op, error, error->message);
}

static void
on_sent (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(Operation) op = user_data;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) taken = NULL;

  if (hormiga_transfer_manager_send_finish_paths (HORMIGA_TRANSFER_MANAGER (source), result,
                                                  &taken, &error))
    {
      msgpack_packer packer;
      GByteArray *frame = hormiga_control_reply_begin (&packer, op->id);

      msgpack_pack_map (&packer, taken != NULL ? 5 : 3);
      pack_kv_str (&packer, "peer", op->owner);
      pack_kv_str (&packer, "path", op->subject);
      pack_kv_bool (&packer, "accepted", TRUE);
      if (taken != NULL)
        {
          /* A folder taken in part: how many files, and the first of them
           * (at most HORMIGA_CONTROL_MAX_TRANSFERS, 1 MiB of paths). */
          guint n = g_strv_length (taken);
          guint listed = 0;
          gsize bytes = 0;

          while (listed < n && listed < HORMIGA_CONTROL_MAX_TRANSFERS &&
                 bytes + strlen (taken[listed]) <= 1024 * 1024)
            bytes += strlen (taken[listed++]);
          pack_kv_u64 (&packer, "taken", n);
          hormiga_msgpack_pack_str (&packer, "files");
          msgpack_pack_array (&packer, listed);
          for (guint i = 0; i < listed; i++)
            hormiga_msgpack_pack_str (&packer, taken[i]);
        }
      client_send (op->client, hormiga_control_reply_end (frame));
    }
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED))
    /* "PEERID declined: its reason" */
    operation_fail (op, error, error->message);
  else
    {
      g_autofree char *message = g_strdup_printf ("could not offer %s to %s: %s", op->subject,
                                                  op->owner, error->message);

      operation_fail (op, error, message);
    }
}

/* What `transfers` says of one transfer (a map of 13). */
static void
pack_transfer (msgpack_packer  *packer,
               HormigaTransfer *transfer)
{
  g_autofree char *cid = hormiga_content_id_to_string (hormiga_transfer_get_content_id (transfer));
  g_autoptr(GPtrArray) sources = hormiga_transfer_list_sources (transfer);
  double speed = hormiga_transfer_get_speed (transfer);

  msgpack_pack_map (packer, 13);
  pack_kv_str (packer, "cid", cid);
  pack_kv_str (packer, "name", hormiga_transfer_get_name (transfer));
  pack_kv_str (packer, "state",
               hormiga_transfer_state_to_string (hormiga_transfer_get_state (transfer)));
  pack_kv_u64 (packer, "size", hormiga_transfer_get_size (transfer));
  pack_kv_u64 (packer, "received", hormiga_transfer_get_received (transfer));
  pack_kv_u64 (packer, "downloaded", hormiga_transfer_get_downloaded (transfer));
  pack_kv_u64 (packer, "resumed", hormiga_transfer_get_resumed (transfer));
  pack_kv_u64 (packer, "speed", speed > 0 && speed < 1e18 ? (guint64) (speed + 0.5) : 0);
  pack_kv_i64 (packer, "eta", hormiga_transfer_get_eta (transfer));
  pack_kv_str (packer, "folder", hormiga_transfer_get_folder (transfer));
  pack_kv_str (packer, "path", hormiga_transfer_get_path (transfer));
  pack_kv_str (packer, "error", hormiga_transfer_get_error (transfer));
  hormiga_msgpack_pack_str (packer, "sources");
  msgpack_pack_array (packer, sources->len);
  for (guint i = 0; i < sources->len; i++)
    {
      const HormigaTransferSource *source = g_ptr_array_index (sources, i);

      msgpack_pack_map (packer, 5);
      pack_kv_str (packer, "peer", hormiga_peer_id_to_string (source->peer));
      pack_kv_u64 (packer, "chunks", source->chunks);
      pack_kv_u64 (packer, "bytes", source->bytes);
      pack_kv_u64 (packer, "bad_chunks", source->bad_chunks);
      pack_kv_bool (packer, "dropped", source->dropped);
    }
}

/* Every transfer, oldest first; when there are too many to fit a reply,
 * the newest that do (`total` says how many there are). */
static void
pack_kv_hex (msgpack_packer *packer,
             const char     *key,
             const guint8   *data,
             gsize           length)
{
  g_autoptr(GString) hex = g_string_sized_new (length * 2);

  for (gsize i = 0; i < length; i++)
    g_string_append_printf (hex, "%02x", data[i]);
  pack_kv_str (packer, key, hex->str);
}

static const char *
contingent_state_name (HormigaContingentState state)
{
  switch (state)
    {
    case HORMIGA_CONTINGENT_ASSIGNING: return "assigning";
    case HORMIGA_CONTINGENT_ACTIVE:    return "active";
    case HORMIGA_CONTINGENT_LEAVING:   return "leaving";
    }
  return "?";
}

/* Our contingents and the nodes we protect (docs/PROTOCOL.md,
 * "Contingency"); times are milliseconds ago. A protected node's
 * encrypted blob is included when it has at most
 * HORMIGA_CONTROL_MAX_BLOB_SHOWN bytes. */
#define HORMIGA_CONTROL_MAX_BLOB_SHOWN (64 * 1024)

static GBytes *
answer_contingency (HormigaControlServer *self,
                    guint64               id)
{
  HormigaContingency *core = hormiga_contingency_service_get_contingency (self->contingency);
  g_autoptr(GPtrArray) contingents = hormiga_contingency_list_contingents (core);
  g_autoptr(GPtrArray) protected = hormiga_contingency_list_protected (core);
  g_autoptr(GPtrArray) records = hormiga_contingency_dup_records (core);
  gint64 now = g_get_real_time () / 1000;
  guint8 digest[HORMIGA_CONTINGENCY_DIGEST_SIZE];
  msgpack_packer packer;
  GByteArray *frame;

  frame = hormiga_control_reply_begin (&packer, id);
  msgpack_pack_map (&packer, 9);
  pack_kv_str (&packer, "peer", hormiga_peer_id_to_string (hormiga_contingency_get_peer_id (core)));
  pack_kv_bool (&packer, "running", hormiga_contingency_service_is_running (self->contingency));
  pack_kv_u64 (&packer, "r", hormiga_contingency_get_config (core)->r);
  pack_kv_u64 (&packer, "seq", hormiga_contingency_get_seq (core));
  pack_kv_u64 (&packer, "bytes", hormiga_contingency_get_backup_bytes (core));
  pack_kv_u64 (&packer, "records", records->len);
  hormiga_contingency_get_digest (core, digest);
  pack_kv_hex (&packer, "digest", digest, sizeof digest);
  hormiga_msgpack_pack_str (&packer, "contingents");
  msgpack_pack_array (&packer, contingents->len);
  for (guint i = 0; i < contingents->len; i++)
    {
      const HormigaContingentInfo *info = g_ptr_array_index (contingents, i);

      msgpack_pack_map (&packer, 9);
      pack_kv_str (&packer, "peer", hormiga_peer_id_to_string (info->peer));
      pack_kv_u64 (&packer, "rank", info->rank);
      pack_kv_str (&packer, "state", contingent_state_name (info->state));
      pack_kv_bool (&packer, "synced", info->synced);
      pack_kv_i64 (&packer, "last_heard_ms", now - info->last_heard_ms);
      pack_kv_i64 (&packer, "since_ms", now - info->since_ms);
      pack_kv_u64 (&packer, "acked_seq", info->acked_seq);
      pack_kv_hex (&packer, "acked_digest", info->acked_digest, sizeof info->acked_digest);
      pack_kv_u64 (&packer, "bytes", info->bytes);
    }
  hormiga_msgpack_pack_str (&packer, "protected");
  msgpack_pack_array (&packer, protected->len);
  for (guint i = 0; i < protected->len; i++)
    {
      const HormigaProtectedInfo *info = g_ptr_array_index (protected, i);
      g_autoptr(GBytes) blob = hormiga_contingency_dup_held_blob (core, info->peer);
      gboolean show_blob = blob != NULL && g_bytes_get_size (blob) <= HORMIGA_CONTROL_MAX_BLOB_SHOWN;
      gboolean has_digest = hormiga_contingency_get_held_digest (core, info->peer, digest);

      msgpack_pack_map (&packer, 11 + (has_digest ? 1 : 0) + (show_blob ? 1 : 0));
      pack_kv_str (&packer, "peer", hormiga_peer_id_to_string (info->peer));
      pack_kv_bool (&packer, "assigned", info->assigned);
      pack_kv_u64 (&packer, "rank", info->rank);
      pack_kv_u64 (&packer, "seq", info->seq);
      pack_kv_u64 (&packer, "bytes", info->bytes);
      pack_kv_u64 (&packer, "records", info->n_records);
      pack_kv_bool (&packer, "has_blob", info->has_blob);
      pack_kv_i64 (&packer, "age_ms", now - info->updated_ms);
      pack_kv_i64 (&packer, "last_heard_ms", now - info->last_heard_ms);
      pack_kv_bool (&packer, "taken_over", info->taken_over);
      pack_kv_u64 (&packer, "blob_bytes", blob != NULL ? g_bytes_get_size (blob) : 0);
      if (has_digest)
        pack_kv_hex (&packer, "digest", digest, sizeof digest);
      if (show_blob)
        {
          gsize length;
          const guint8 *data = g_bytes_get_data (blob, &length);

          hormiga_msgpack_pack_str (&packer, "blob");
          msgpack_pack_bin (&packer, length);
          msgpack_pack_bin_body (&packer, data, length);
        }
    }
  return hormiga_control_reply_end (frame);
}

static GBytes *
answer_transfers (HormigaControlServer *self,
                  guint64               id)
{
  GListModel *transfers = hormiga_transfer_manager_get_transfers (self->transfers);
  guint n = g_list_model_get_n_items (transfers);
  g_autoptr(GPtrArray) packed =
    g_ptr_array_new_with_free_func ((GDestroyNotify) g_byte_array_unref);
  /* Room for the reply's envelope besides the transfers. */
  gsize budget = HORMIGA_CONTROL_MAX_RESPONSE - 4096;
  msgpack_packer packer;
  GByteArray *frame;

  for (guint i = n; i > 0 && packed->len < HORMIGA_CONTROL_MAX_TRANSFERS; i--)
    {
      g_autoptr(HormigaTransfer) transfer = g_list_model_get_item (transfers, i - 1);
      GByteArray *one = g_byte_array_new ();
      msgpack_packer one_packer;

      msgpack_packer_init (&one_packer, one, hormiga_msgpack_append);
      pack_transfer (&one_packer, transfer);
      if (one->len > budget)
        {
          g_byte_array_unref (one);
          break;
        }
      budget -= one->len;
      g_ptr_array_add (packed, one);
    }

  frame = hormiga_control_reply_begin (&packer, id);
  msgpack_pack_map (&packer, 2);
  pack_kv_u64 (&packer, "total", n);
  hormiga_msgpack_pack_str (&packer, "transfers");
  msgpack_pack_array (&packer, packed->len);
  for (guint i = packed->len; i > 0; i--)
    {
      GByteArray *one = g_ptr_array_index (packed, i - 1);

      g_byte_array_append (frame, one->data, one->len);
    }
  return hormiga_control_reply_end (frame);
}

static GBytes *
answer_download (HormigaControlServer  *self,
                 HormigaControlRequest *request)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *cid = NULL;
  HormigaTransfer *transfer;
  msgpack_packer packer;
  GByteArray *frame;

  transfer = hormiga_transfer_manager_download (self->transfers, request->link, request->folder,
                                                &error);
  if (transfer == NULL)
    {
      g_autofree char *message = g_strdup_printf ("cannot download %s: %s", request->link,
                                                  error->message);

      return hormiga_control_error_reply (request->id, HORMIGA_CONTROL_ERROR_FAILED, message);
    }
  cid = hormiga_content_id_to_string (hormiga_transfer_get_content_id (transfer));
  frame = hormiga_control_reply_begin (&packer, request->id);
  msgpack_pack_map (&packer, 4);
  pack_kv_str (&packer, "cid", cid);
  pack_kv_str (&packer, "name", hormiga_transfer_get_name (transfer));
  pack_kv_str (&packer, "folder", hormiga_transfer_get_folder (transfer));
  pack_kv_str (&packer, "state",
               hormiga_transfer_state_to_string (hormiga_transfer_get_state (transfer)));
  return hormiga_control_reply_end (frame);
}

/* pause, resume, cancel: the newest transfer of the content. */
static GBytes *
answer_transfer_action (HormigaControlServer  *self,
                        HormigaControlRequest *request)
{
  GListModel *transfers = hormiga_transfer_manager_get_transfers (self->transfers);
  g_autofree char *cid = hormiga_content_id_to_string (request->cid);
  g_autoptr(HormigaTransfer) transfer = NULL;
  msgpack_packer packer;
  GByteArray *frame;

  for (guint i = g_list_model_get_n_items (transfers); i > 0 && transfer == NULL; i--)
    {
      g_autoptr(HormigaTransfer) candidate = g_list_model_get_item (transfers, i - 1);

      if (hormiga_content_id_equal (hormiga_transfer_get_content_id (candidate), request->cid))
        transfer = g_steal_pointer (&candidate);
    }
  if (transfer == NULL)
    {
      g_autofree char *message = g_strdup_printf ("this node has no transfer of %s; "
                                                  "`hormiga-node transfers` lists them", cid);

      return hormiga_control_error_reply (request->id, HORMIGA_CONTROL_ERROR_NOT_FOUND, message);
    }
  switch (request->op)
    {
    case HORMIGA_CONTROL_OP_PAUSE:
      hormiga_transfer_pause (transfer);
      break;
    case HORMIGA_CONTROL_OP_RESUME:
      hormiga_transfer_resume (transfer);
      break;
    case HORMIGA_CONTROL_OP_CANCEL:
      hormiga_transfer_cancel (transfer);
      break;
    default:
      g_assert_not_reached ();
    }
  frame = hormiga_control_reply_begin (&packer, request->id);
  msgpack_pack_map (&packer, 2);
  pack_kv_str (&packer, "cid", cid);
  pack_kv_str (&packer, "state",
               hormiga_transfer_state_to_string (hormiga_transfer_get_state (transfer)));
  return hormiga_control_reply_end (frame);
}

static gboolean
is_file_op (HormigaControlOp op)
{
  return op >= HORMIGA_CONTROL_OP_SHARE && op <= HORMIGA_CONTROL_OP_CANCEL;
}

/* ---- requests ---------------------------------------------------------------------------- */

static void
client_handle (Client                *client,
               HormigaControlRequest *request)
{
  HormigaControlServer *self = client->server;
  HormigaDht *dht = hormiga_node_get_dht (self->node);

  if (client->in_flight >= HORMIGA_CONTROL_MAX_IN_FLIGHT)
    {
      g_autofree char *message =
        g_strdup_printf ("%u requests of this client are already being answered; wait for a "
                         "reply before sending more", HORMIGA_CONTROL_MAX_IN_FLIGHT);

      client_send_error (client, request->id, HORMIGA_CONTROL_ERROR_BUSY, message);
      return;
    }
  if (dht == NULL)
    {
      client_send_error (client, request->id, HORMIGA_CONTROL_ERROR_FAILED,
                         "the node is stopping");
      return;
    }
  if (is_file_op (request->op) && self->transfers == NULL)
    {
      client_send_error (client, request->id, HORMIGA_CONTROL_ERROR_FAILED,
                         "this node does not share files");
      return;
    }

  switch (request->op)
    {
    case HORMIGA_CONTROL_OP_PEERS:
      client_send (client, answer_peers (self, request->id));
      break;
    case HORMIGA_CONTROL_OP_ROUTING_TABLE:
      client_send (client, answer_routing_table (self, dht, request->id));
      break;
    case HORMIGA_CONTROL_OP_STATS:
      client_send (client, answer_stats (self, dht, request->id));
      break;
    case HORMIGA_CONTROL_OP_QUIT:
      client->quit_after_write = TRUE;
      client_send (client, answer_quit (self, request->id));
      break;
    case HORMIGA_CONTROL_OP_FIND:
      hormiga_node_find_peer_async (self->node, request->peer, client->cancellable, on_found,
                                    operation_new (client, request->id,
                                                   hormiga_peer_id_to_string (request->peer)));
      break;
    case HORMIGA_CONTROL_OP_PUT:
      hormiga_node_put_async (self->node, request->name, request->value, client->cancellable,
                              on_put, operation_new (client, request->id, request->name));
      break;
    case HORMIGA_CONTROL_OP_GET:
      {
        Operation *op = operation_new (client, request->id, request->name);

        op->owner = g_strdup (hormiga_peer_id_to_string (request->peer));
        hormiga_node_get_async (self->node, request->peer, request->name, client->cancellable,
                                on_got, op);
      }
      break;
    case HORMIGA_CONTROL_OP_SHARE:
      {
        g_autoptr(GFile) file = g_file_new_for_path (request->path);

        hormiga_transfer_manager_share_async (self->transfers, file, client->cancellable,
                                              on_shared,
                                              operation_new (client, request->id, request->path));
      }
      break;
    case HORMIGA_CONTROL_OP_SEND:
      {
        g_autoptr(GFile) file = g_file_new_for_path (request->path);
        Operation *op = operation_new (client, request->id, request->path);

        op->owner = g_strdup (hormiga_peer_id_to_string (request->peer));
        hormiga_transfer_manager_send_async (self->transfers, request->peer, file,
                                             client->cancellable, on_sent, op);
      }
      break;
    case HORMIGA_CONTROL_OP_DOWNLOAD:
      client_send (client, answer_download (self, request));
      break;
    case HORMIGA_CONTROL_OP_TRANSFERS:
      client_send (client, answer_transfers (self, request->id));
      break;
    case HORMIGA_CONTROL_OP_CONTINGENCY:
      if (self->contingency == NULL)
        client_send_error (client, request->id, HORMIGA_CONTROL_ERROR_FAILED,
                           "this node keeps no contingents (it runs with --contingents 0)");
      else
        client_send (client, answer_contingency (self, request->id));
      break;
    case HORMIGA_CONTROL_OP_PAUSE:
    case HORMIGA_CONTROL_OP_RESUME:
    case HORMIGA_CONTROL_OP_CANCEL:
      client_send (client, answer_transfer_action (self, request));
      break;
    default:
      g_assert_not_reached ();
    }
}

/* Answers every complete frame the reader holds, while the replies fit. */
static void
client_process (Client *client)
{
  while (client_is_open (client) && !client->closing &&
         client->queued_bytes < HORMIGA_CONTROL_MAX_OUTPUT)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) body = hormiga_control_reader_next (client->reader, &error);
      g_autoptr(HormigaControlRequest) request = NULL;
      gsize length = 0;
      const guint8 *data;
      guint64 id = 0;

      if (body == NULL)
        {
          if (error != NULL)
            {
              /* The stream cannot be cut into frames after this. */
              client_send_error (client, 0, HORMIGA_CONTROL_ERROR_TOO_LARGE, error->message);
              client->closing = TRUE;
            }
          return;
        }
      data = g_bytes_get_data (body, &length);
      request = hormiga_control_request_decode (data, length, &id, &error);
      if (request == NULL)
        client_send_error (client, id, (HormigaControlError) error->code, error->message);
      else
        client_handle (client, request);
    }
}

static void
on_read (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(Client) client = user_data;
  g_autoptr(GError) error = NULL;
  gssize length = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);

  client->reading = FALSE;
  if (!client_is_open (client))
    return;
  if (length < 0)
    {
      client_close (client);
      return;
    }
  if (length == 0)
    {
      /* The client said all it will: answer what it asked (a partial
       * frame at the end is dropped), then close (on_written). */
      client->eof = TRUE;
      client_process (client);
      if (client_is_open (client) && client->in_flight == 0 && !client->writing &&
          g_queue_is_empty (&client->queue))
        client_close (client);
      return;
    }

  client_touch (client);
  hormiga_control_reader_push (client->reader, client->buffer, (gsize) length);
  client_process (client);
  client_read (client);
}

/* Answers the frames already read, then reads on unless the client is
 * done, closing, or its replies wait. */
static void
client_read (Client *client)
{
  if (!client_is_open (client) || client->reading || client->closing)
    return;
  client_process (client);
  if (!client_is_open (client) || client->closing || client->eof ||
      client->queued_bytes >= HORMIGA_CONTROL_MAX_OUTPUT)
    return;
  client->reading = TRUE;
  g_input_stream_read_async (client->input, client->buffer, READ_CHUNK, G_PRIORITY_DEFAULT,
                             client->cancellable, on_read, client_ref (client));
}

static Client *
client_new (HormigaControlServer *self,
            GSocketConnection    *connection)
{
  Client *client = g_rc_box_new0 (Client);

  client->server = self;
  client->connection = g_object_ref (connection);
  client->input = g_io_stream_get_input_stream (G_IO_STREAM (connection));
  client->output = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  client->cancellable = g_cancellable_new ();
  client->reader = hormiga_control_reader_new (HORMIGA_CONTROL_MAX_REQUEST);
  client->buffer = g_malloc (READ_CHUNK);
  g_queue_init (&client->queue);
  return client;
}

/* Someone other than the owner (root aside) has no business here; the
 * socket's mode already keeps them out, this says so if it did not. */
static gboolean
peer_is_owner (GSocketConnection *connection)
{
  g_autoptr(GCredentials) credentials =
    g_socket_get_credentials (g_socket_connection_get_socket (connection), NULL);
  uid_t uid;

  if (credentials == NULL)
    return TRUE;
  uid = g_credentials_get_unix_user (credentials, NULL);
  return uid == (uid_t) -1 || uid == getuid () || uid == 0;
}

static gboolean
on_incoming (GSocketService    *service,
             GSocketConnection *connection,
             GObject           *source_object,
             gpointer           user_data)
{
  HormigaControlServer *self = user_data;
  Client *client;

  if (self->stopped)
    return FALSE;

  if (self->clients->len >= HORMIGA_CONTROL_MAX_CLIENTS || !peer_is_owner (connection))
    {
      g_autofree char *message = NULL;

      /* Told why, within a bound of their own; beyond it, closed. */
      if (self->refused->len >= HORMIGA_CONTROL_MAX_CLIENTS)
        {
          g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
          return TRUE;
        }
      if (!peer_is_owner (connection))
        message = g_strdup ("this node's control socket belongs to another user");
      else
        message = g_strdup_printf ("%u clients are connected to this node already (the limit); "
                                   "try again when one is done", HORMIGA_CONTROL_MAX_CLIENTS);
      client = client_new (self, connection);
      g_ptr_array_add (self->refused, client);
      client->closing = TRUE;
      client_send_error (client, 0, HORMIGA_CONTROL_ERROR_BUSY, message);
      return TRUE;
    }

  client = client_new (self, connection);
  g_ptr_array_add (self->clients, client);
  client_touch (client);
  client_read (client);
  return TRUE;
}

/* ---- the socket file ----------------------------------------------------------------------- */

/* The directory must be a directory of ours that nobody else can enter. */
static gboolean
check_directory (const char  *dir,
                 GError     **error)
{
  GStatBuf st;

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "cannot create the control socket's directory %s: %s", dir,
                   g_strerror (saved));
      return FALSE;
    }
  if (g_stat (dir, &st) != 0 || !S_ISDIR (st.st_mode))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_DIRECTORY,
                   "the control socket's directory %s is not a directory", dir);
      return FALSE;
    }
  if (st.st_uid != getuid ())
    {
      g_set_error (error, HORMIGA_CONTROL_ERROR, HORMIGA_CONTROL_ERROR_UNSAFE,
                   "the control socket's directory %s belongs to another user; use --control "
                   "PATH in a directory of yours that only you can enter", dir);
      return FALSE;
    }
  if ((st.st_mode & 0077) != 0)
    {
      g_set_error (error, HORMIGA_CONTROL_ERROR, HORMIGA_CONTROL_ERROR_UNSAFE,
                   "other users can enter the control socket's directory %s (mode %04o); "
                   "make it private (chmod 700 %s) or use --control PATH in a directory only "
                   "you can enter", dir, (unsigned) (st.st_mode & 07777), dir);
      return FALSE;
    }
  return TRUE;
}

/* A socket file at @path: a live node keeps it, a stale one goes. */
static gboolean
clear_stale_socket (const char  *path,
                    GError     **error)
{
  g_autoptr(GSocketClient) probe = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) connect_error = NULL;
  GStatBuf st;

  if (g_lstat (path, &st) != 0)
    return TRUE;
  if (!S_ISSOCK (st.st_mode))
    {
      g_set_error (error, HORMIGA_CONTROL_ERROR, HORMIGA_CONTROL_ERROR_IN_USE,
                   "%s exists and is not a socket; remove it, or use --control PATH for "
                   "another one", path);
      return FALSE;
    }

  probe = g_socket_client_new ();
  address = g_unix_socket_address_new (path);
  connection = g_socket_client_connect (probe, G_SOCKET_CONNECTABLE (address), NULL,
                                        &connect_error);
  if (connection != NULL)
    {
      g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
      g_set_error (error, HORMIGA_CONTROL_ERROR, HORMIGA_CONTROL_ERROR_IN_USE,
                   "another hormiga-node is running with the control socket %s; stop it "
                   "first (hormiga-node --control %s quit) or give this one --control PATH",
                   path, path);
      return FALSE;
    }
  if (!g_error_matches (connect_error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED))
    {
      g_set_error (error, G_IO_ERROR, connect_error->domain == G_IO_ERROR
                                        ? connect_error->code : G_IO_ERROR_FAILED,
                   "cannot tell whether a node is running on %s: %s", path,
                   connect_error->message);
      return FALSE;
    }
  /* Nobody listens: a node that ended without removing it. */
  if (g_unlink (path) != 0 && errno != ENOENT)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "cannot remove the stale control socket %s: %s", path, g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

static gboolean
server_listen (HormigaControlServer  *self,
               GError               **error)
{
  g_autofree char *dir = g_path_get_dirname (self->path);
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GError) bind_error = NULL;
  GStatBuf st;

  if (strlen (self->path) >= sizeof (((struct sockaddr_un *) NULL)->sun_path))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FILENAME_TOO_LONG,
                   "the control socket path %s has %" G_GSIZE_FORMAT " bytes, and Unix sockets "
                   "take at most %" G_GSIZE_FORMAT "; use --control with a shorter path",
                   self->path, strlen (self->path),
                   sizeof (((struct sockaddr_un *) NULL)->sun_path) - 1);
      return FALSE;
    }
  if (!check_directory (dir, error) || !clear_stale_socket (self->path, error))
    return FALSE;

  /* Inactive until it is ready: it accepts on the thread-default context
   * of the moment it starts. */
  self->service = g_object_new (G_TYPE_SOCKET_SERVICE, "active", FALSE, NULL);
  address = g_unix_socket_address_new (self->path);
  if (!g_socket_listener_add_address (G_SOCKET_LISTENER (self->service), address,
                                      G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT, NULL,
                                      NULL, &bind_error))
    {
      if (g_error_matches (bind_error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE))
        g_set_error (error, HORMIGA_CONTROL_ERROR, HORMIGA_CONTROL_ERROR_IN_USE,
                     "another hormiga-node took the control socket %s as this one started; "
                     "stop it first or give this one --control PATH", self->path);
      else
        g_set_error (error, G_IO_ERROR, bind_error->domain == G_IO_ERROR
                                          ? bind_error->code : G_IO_ERROR_FAILED,
                     "cannot listen on %s: %s", self->path, bind_error->message);
      return FALSE;
    }
  /* The directory is private already; the socket is too. */
  if (g_chmod (self->path, 0600) != 0 || g_lstat (self->path, &st) != 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "cannot make the control socket %s private: %s", self->path,
                   g_strerror (saved));
      g_socket_listener_close (G_SOCKET_LISTENER (self->service));
      g_unlink (self->path);
      return FALSE;
    }
  self->dev = st.st_dev;
  self->ino = st.st_ino;

  g_signal_connect (self->service, "incoming", G_CALLBACK (on_incoming), self);
  g_main_context_push_thread_default (self->context);
  g_socket_service_start (self->service);
  g_main_context_pop_thread_default (self->context);
  return TRUE;
}

/* ---- the object ---------------------------------------------------------------------------------- */

void
hormiga_control_server_stop (HormigaControlServer *self)
{
  GStatBuf st;

  g_return_if_fail (HORMIGA_IS_CONTROL_SERVER (self));

  if (self->stopped)
    return;
  self->stopped = TRUE;

  if (self->service != NULL)
    {
      g_socket_service_stop (self->service);
      g_socket_listener_close (G_SOCKET_LISTENER (self->service));
      g_signal_handlers_disconnect_by_func (self->service, on_incoming, self);
      /* Only our own: another node may have replaced a file we lost. */
      if (g_lstat (self->path, &st) == 0 && st.st_dev == self->dev && st.st_ino == self->ino)
        g_unlink (self->path);
    }
  /* Removed before each close: client_close removes from the lists. */
  while (self->clients->len > 0)
    client_close (g_ptr_array_index (self->clients, self->clients->len - 1));
  while (self->refused->len > 0)
    client_close (g_ptr_array_index (self->refused, self->refused->len - 1));
}

static void
hormiga_control_server_dispose (GObject *object)
{
  HormigaControlServer *self = HORMIGA_CONTROL_SERVER (object);

  if (self->clients != NULL)
    hormiga_control_server_stop (self);
  g_clear_object (&self->service);
  g_clear_object (&self->transfers);
  g_clear_object (&self->contingency);
  g_clear_object (&self->node);

  G_OBJECT_CLASS (hormiga_control_server_parent_class)->dispose (object);
}

static void
hormiga_control_server_finalize (GObject *object)
{
  HormigaControlServer *self = HORMIGA_CONTROL_SERVER (object);

  g_clear_pointer (&self->clients, g_ptr_array_unref);
  g_clear_pointer (&self->refused, g_ptr_array_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_free (self->path);

  G_OBJECT_CLASS (hormiga_control_server_parent_class)->finalize (object);
}

static void
hormiga_control_server_class_init (HormigaControlServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hormiga_control_server_dispose;
  object_class->finalize = hormiga_control_server_finalize;

  /**
   * HormigaControlServer::quit-requested:
   *
   * A client asked the node to stop, and has its reply. The owner stops
   * the node (and this server).
   */
  signals[SIGNAL_QUIT_REQUESTED] =
    g_signal_new ("quit-requested", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 0);
}

static void
hormiga_control_server_init (HormigaControlServer *self)
{
  self->clients = g_ptr_array_new_with_free_func ((GDestroyNotify) client_unref);
  self->refused = g_ptr_array_new_with_free_func ((GDestroyNotify) client_unref);
}

HormigaControlServer *
hormiga_control_server_new (HormigaNode   *node,
                            const char    *path,
                            GMainContext  *context,
                            GError       **error)
{
  g_autoptr(HormigaControlServer) self = NULL;

  g_return_val_if_fail (HORMIGA_IS_NODE (node), NULL);
  g_return_val_if_fail (path != NULL && *path != '\0', NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (HORMIGA_TYPE_CONTROL_SERVER, NULL);
  self->node = g_object_ref (node);
  self->path = g_strdup (path);
  self->context = context != NULL ? g_main_context_ref (context)
                                  : g_main_context_ref_thread_default ();
  if (!server_listen (self, error))
    {
      self->stopped = TRUE;
      return NULL;
    }
  return g_steal_pointer (&self);
}

const char *
hormiga_control_server_get_path (HormigaControlServer *self)
{
  g_return_val_if_fail (HORMIGA_IS_CONTROL_SERVER (self), NULL);

  return self->path;
}

guint
hormiga_control_server_get_n_clients (HormigaControlServer *self)
{
  g_return_val_if_fail (HORMIGA_IS_CONTROL_SERVER (self), 0);

  return self->clients->len;
}

void
hormiga_control_server_set_transfers (HormigaControlServer   *self,
                                      HormigaTransferManager *transfers)
{
  g_return_if_fail (HORMIGA_IS_CONTROL_SERVER (self));
  g_return_if_fail (transfers == NULL || HORMIGA_IS_TRANSFER_MANAGER (transfers));

  g_set_object (&self->transfers, transfers);
}

void
hormiga_control_server_set_contingency (HormigaControlServer      *self,
                                        HormigaContingencyService *service)
{
  g_return_if_fail (HORMIGA_IS_CONTROL_SERVER (self));
  g_return_if_fail (service == NULL || HORMIGA_IS_CONTINGENCY_SERVICE (service));

  g_set_object (&self->contingency, service);
}
