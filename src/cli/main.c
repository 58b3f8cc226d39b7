/* main.c — hormiga-node, the headless Hormiga node
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   hormiga-node id                      print this node's PeerID
 *   hormiga-node [run] --server URL      join hormiguero and the DHT and
 *                                        print events; stdin takes
 *                                        `signal PEERID TEXT`,
 *                                        `connect PEERID`, `send PEERID TEXT`,
 *                                        `find PEERID`, `put NAME VALUE`,
 *                                        `get PEERID NAME`, `dht` and `quit`;
 *                                        with --echo, every data channel
 *                                        message goes back to its sender;
 *                                        the control socket answers the
 *                                        subcommands below
 *   hormiga-node [--json] peers|routing-table|find|put|get|stats|quit …
 *   hormiga-node [--json] share|send|get hormiga:…|transfers|pause|resume|cancel …
 *                                        ask the running node
 *                                        (hormiga-cli-control.h)
 */
#include <gio/gunixinputstream.h>
#include <glib-unix.h>
#include <stdio.h>

#include "hormiga-cli-contingency.h"
#include "hormiga-cli-control.h"
#include "hormiga-cli-files.h"
#include "hormiga-control-protocol.h"
#include "hormiga-control-server.h"
#include "hormiga-dht-error.h"
#include "hormiga-dht-message.h"
#include "hormiga-ice-server.h"
#include "hormiga-identity.h"
#include "hormiga-node.h"
#include "hormiga-peer-id.h"
#include "hormiga-protocol.h"
#include "hormiga-rtc-connector.h"
#include "hormiga-signaling-client.h"

typedef struct
{
  GMainLoop              *loop;
  HormigaNode            *hormiga;
  HormigaSignalingClient *client;       /* the node's */
  HormigaRtcConnector    *connector;    /* the node's */
  HormigaControlServer   *control;
  HormigaTransferManager *transfers;
  HormigaCliFiles        *files;
  HormigaCliContingency  *contingency;  /* (nullable): --contingents 0 */
  gboolean                leaving;
  GHashTable             *channels;     /* PeerID → HormigaDataChannel ("chat") */
  GDataInputStream       *input;
  GCancellable           *cancellable;
  guint                   next_sid;
  gboolean                echo;
} Node;

/* ---- data channels ------------------------------------------------------- */

static void
on_channel_open (HormigaDataChannel *channel,
                 gpointer            user_data)
{
  printf ("channel-open peer=%s label=%s\n", (const char *) user_data,
          hormiga_data_channel_get_label (channel));
  fflush (stdout);
}

static void
on_channel_message (HormigaDataChannel *channel,
                    GBytes             *data,
                    gboolean            is_text,
                    gpointer            user_data)
{
  gsize length = 0;
  const char *bytes = g_bytes_get_data (data, &length);
  g_autofree char *text = g_utf8_make_valid (bytes ? bytes : "", (gssize) length);

  printf ("channel-message from=%s bytes=%" G_GSIZE_FORMAT " text=%s\n",
          (const char *) user_data, length, text);
  fflush (stdout);
}

/* --echo: the message goes back on its channel with its kind (text or
 * binary, empty included); the line says what arrived. */
static void
on_channel_echo (HormigaDataChannel *channel,
                 GBytes             *data,
                 gboolean            is_text,
                 gpointer            user_data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *digest = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, data);
  gsize length = 0;
  const char *bytes = g_bytes_get_data (data, &length);
  gboolean sent;

  printf ("channel-echo from=%s kind=%s bytes=%" G_GSIZE_FORMAT " sha256=%s\n",
          (const char *) user_data, is_text ? "text" : "binary", length, digest);
  if (is_text)
    sent = hormiga_data_channel_send_text_len (channel, bytes, length, &error);
  else
    sent = hormiga_data_channel_send (channel, (const guint8 *) bytes, length, &error);
  if (!sent)
    printf ("error: echo: %s\n", error->message);
  fflush (stdout);
}

static void
on_channel_close (HormigaDataChannel *channel,
                  gpointer            user_data)
{
  printf ("channel-closed peer=%s\n", (const char *) user_data);
  fflush (stdout);
}

static void
free_peer_id (gpointer  data,
              GClosure *closure)
{
  g_free (data);
}

static void
track_channel (Node               *node,
               const char         *peer_id,
               HormigaDataChannel *channel)
{
  g_hash_table_replace (node->channels, g_strdup (peer_id), g_object_ref (channel));
  /* Each handler owns its copy of the PeerID. */
  g_signal_connect_data (channel, "open", G_CALLBACK (on_channel_open), g_strdup (peer_id),
                         free_peer_id, 0);
  g_signal_connect_data (channel, "message",
                         node->echo ? G_CALLBACK (on_channel_echo) : G_CALLBACK (on_channel_message),
                         g_strdup (peer_id), free_peer_id, 0);
  g_signal_connect_data (channel, "close", G_CALLBACK (on_channel_close), g_strdup (peer_id),
                         free_peer_id, 0);
}

typedef struct
{
  Node *node;
  char *peer_id;
} Incoming;

static void
on_remote_channel (HormigaPeerConnection *pc,
                   HormigaDataChannel    *channel,
                   gpointer               user_data)
{
  Incoming *incoming = user_data;

  /* ::open follows this signal, and prints channel-open. */
  track_channel (incoming->node, incoming->peer_id, channel);
}

static void
incoming_free (gpointer data,
               GClosure *closure)
{
  Incoming *incoming = data;

  g_free (incoming->peer_id);
  g_free (incoming);
}

/* CONNECTED means the peer's identity proof verified. */
static void
on_pc_state (HormigaPeerConnection *pc,
             guint                  state,
             gpointer               user_data)
{
  if (state != HORMIGA_PEER_CONNECTION_CONNECTED)
    return;
  printf ("peer-connected peer=%s\n",
          hormiga_peer_id_to_string (hormiga_peer_connection_get_remote_peer (pc)));
  fflush (stdout);
}

static void
on_pc_failed (HormigaPeerConnection *pc,
              const GError          *error,
              gpointer               user_data)
{
  printf ("peer-failed peer=%s: %s\n", (const char *) user_data, error->message);
  fflush (stdout);
}

static void
on_peer_connection (HormigaRtcConnector   *connector,
                    const char            *peer_id,
                    HormigaPeerConnection *pc,
                    gboolean               is_incoming,
                    gpointer               user_data)
{
  Incoming *incoming;

  g_signal_connect (pc, "state-changed", G_CALLBACK (on_pc_state), NULL);
  g_signal_connect_data (pc, "failed", G_CALLBACK (on_pc_failed), g_strdup (peer_id),
                         free_peer_id, 0);
  if (!is_incoming)
    return;
  incoming = g_new0 (Incoming, 1);
  incoming->node = user_data;
  incoming->peer_id = g_strdup (peer_id);
  g_signal_connect_data (pc, "data-channel", G_CALLBACK (on_remote_channel), incoming,
                         incoming_free, 0);
}

static void read_next_line (Node *node);

static void
on_left (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Node *node = user_data;

  hormiga_contingency_service_leave_finish (HORMIGA_CONTINGENCY_SERVICE (source), result, NULL);
  g_main_loop_quit (node->loop);
}

/* SIGTERM, SIGINT, `quit`: a graceful leave first (what we hold for others
 * goes to their next contingents), then the node stops; asked again while
 * leaving, it stops at once. */
static void
request_quit (Node *node)
{
  if (node->contingency == NULL || node->leaving)
    {
      g_main_loop_quit (node->loop);
      return;
    }
  node->leaving = TRUE;
  printf ("leaving\n");
  fflush (stdout);
  hormiga_contingency_service_leave_async (hormiga_cli_contingency_get_service (node->contingency),
                                           NULL, on_left, node);
}

static gboolean
on_quit_signal (gpointer user_data)
{
  request_quit (user_data);
  return G_SOURCE_CONTINUE;
}

static void
on_quit_requested (HormigaControlServer *control,
                   gpointer              user_data)
{
  request_quit (user_data);
}

static void
on_admitted (HormigaSignalingClient *client,
             const char             *peer_id,
             const char * const     *peers,
             gpointer                user_data)
{
  printf ("admitted %s url=%s bootstrap=%u\n", peer_id,
          hormiga_signaling_client_get_url (client), g_strv_length ((GStrv) peers));
  for (guint i = 0; peers[i] != NULL; i++)
    printf ("bootstrap-peer %s\n", peers[i]);
  fflush (stdout);
}

static void
on_signal_received (HormigaSignalingClient *client,
                    const char             *from,
                    const char             *sid,
                    GBytes                 *payload,
                    gpointer                user_data)
{
  gsize length = 0;
  const char *data = g_bytes_get_data (payload, &length);
  g_autofree char *text = NULL;

  /* WebRTC negotiation is the connector's; print the rest. */
  if (g_str_has_prefix (sid, "rtc-"))
    return;
  text = g_utf8_make_valid (data ? data : "", (gssize) length);
  printf ("signal from=%s sid=%s bytes=%" G_GSIZE_FORMAT " text=%s\n", from, sid, length, text);
  fflush (stdout);
}

static void
on_error_received (HormigaSignalingClient *client,
                   guint                   code,
                   const char             *message,
                   const char             *sid,
                   gpointer                user_data)
{
  printf ("server-error code=%u (%s)%s%s: %s\n", code,
          hormiga_protocol_error_to_string (code), sid ? " sid=" : "", sid ? sid : "", message);
  fflush (stdout);
}

static void
on_disconnected (HormigaSignalingClient *client,
                 const GError           *error,
                 gpointer                user_data)
{
  printf ("disconnected: %s\n", error ? error->message : "stopped");
  fflush (stdout);
}

/* ---- the DHT ----------------------------------------------------------------- */

static void
on_dht_ready (HormigaNode *hormiga,
              guint        contacts,
              gpointer     user_data)
{
  printf ("dht-ready contacts=%u\n", contacts);
  fflush (stdout);
}

/* What a find, put or get was about, for its answer line. */
typedef struct
{
  char *subject;
} Query;

static Query *
query_new (const char *subject)
{
  Query *query = g_new0 (Query, 1);

  query->subject = g_strdup (subject);
  return query;
}

static void
query_free (Query *query)
{
  g_free (query->subject);
  g_free (query);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Query, query_free)

static void
on_found (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(Query) query = user_data;
  g_autoptr(GError) error = NULL;
  guint hops = 0;

  if (hormiga_node_find_peer_finish (HORMIGA_NODE (source), result, &hops, &error))
    printf ("found %s hops=%u\n", query->subject, hops);
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    printf ("not-found %s\n", query->subject);
  fflush (stdout);
}

static void
on_put (GObject      *source,
        GAsyncResult *result,
        gpointer      user_data)
{
  g_autoptr(Query) query = user_data;
  g_autoptr(GError) error = NULL;
  guint stored = hormiga_node_put_finish (HORMIGA_NODE (source), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  printf ("put %s stored=%u\n", query->subject, stored);
  fflush (stdout);
}

static void
on_got (GObject      *source,
        GAsyncResult *result,
        gpointer      user_data)
{
  g_autoptr(Query) query = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) value = hormiga_node_get_finish (HORMIGA_NODE (source), result, NULL, &error);

  if (value != NULL)
    {
      gsize length = 0;
      const char *data = g_bytes_get_data (value, &length);
      g_autofree char *text = g_utf8_make_valid (data ? data : "", (gssize) length);

      printf ("got %s value=%s\n", query->subject, text);
    }
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    printf ("not-found %s\n", query->subject);
  fflush (stdout);
}

/* `dht`: one line, "dht " and a JSON object. */
static void
print_dht (Node *node)
{
  HormigaDht *dht = hormiga_node_get_dht (node->hormiga);
  HormigaNodeCounters counters;

  hormiga_node_get_counters (node->hormiga, &counters);
  printf ("dht {\"peer\":\"%s\",\"contacts\":%u,\"connections\":%u,\"max_connections\":%u,"
          "\"records\":%u,\"record_bytes\":%" G_GSIZE_FORMAT ",\"counters\":{"
          "\"connections_offered\":%" G_GUINT64_FORMAT ",\"connections_answered\":%" G_GUINT64_FORMAT ","
          "\"connections_failed\":%" G_GUINT64_FORMAT ",\"connections_lost\":%" G_GUINT64_FORMAT ","
          "\"connections_evicted\":%" G_GUINT64_FORMAT ","
          "\"messages_sent\":%" G_GUINT64_FORMAT ",\"messages_received\":%" G_GUINT64_FORMAT ","
          "\"messages_dropped\":%" G_GUINT64_FORMAT ","
          "\"connections_offered_overlay\":%" G_GUINT64_FORMAT ","
          "\"connections_answered_overlay\":%" G_GUINT64_FORMAT ","
          "\"overlay_fallbacks\":%" G_GUINT64_FORMAT ",\"signals_server\":%" G_GUINT64_FORMAT ","
          "\"signals_overlay\":%" G_GUINT64_FORMAT ",\"relays_forwarded\":%" G_GUINT64_FORMAT ","
          "\"relays_dropped\":%" G_GUINT64_FORMAT ","
          "\"connections_established\":%" G_GUINT64_FORMAT ","
          "\"connections_established_overlay\":%" G_GUINT64_FORMAT ","
          "\"lookups_proxied\":%" G_GUINT64_FORMAT ",\"proxy_failures\":%" G_GUINT64_FORMAT ","
          "\"lookups_served_as_proxy\":%" G_GUINT64_FORMAT ","
          "\"lookups_refused_as_proxy\":%" G_GUINT64_FORMAT "}}\n",
          hormiga_peer_id_to_string (hormiga_dht_get_peer_id (dht)),
          hormiga_dht_routing_table_get_size (hormiga_dht_get_routing_table (dht)),
          hormiga_node_get_n_connections (node->hormiga),
          hormiga_node_get_max_connections (node->hormiga),
          hormiga_dht_store_get_n_records (hormiga_dht_get_store (dht)),
          hormiga_dht_store_get_n_bytes (hormiga_dht_get_store (dht)),
          counters.connections_offered, counters.connections_answered,
          counters.connections_failed, counters.connections_lost, counters.connections_evicted,
          counters.messages_sent, counters.messages_received, counters.messages_dropped,
          counters.connections_offered_overlay, counters.connections_answered_overlay,
          counters.overlay_fallbacks, counters.signals_server, counters.signals_overlay,
          counters.relays_forwarded, counters.relays_dropped, counters.connections_established,
          counters.connections_established_overlay, counters.lookups_proxied,
          counters.proxy_failures, counters.lookups_served_as_proxy,
          counters.lookups_refused_as_proxy);
}

/* TRUE if the line was a DHT command (and answered or started). */
static gboolean
handle_dht_line (Node  *node,
                 GStrv  words)
{
  g_autoptr(GError) error = NULL;

  if (g_str_equal (words[0], "dht"))
    {
      print_dht (node);
      return TRUE;
    }

  if (g_str_equal (words[0], "find") && words[1] != NULL)
    {
      g_autoptr(HormigaPeerId) peer = hormiga_peer_id_parse (words[1], &error);

      if (peer == NULL)
        printf ("error: %s\n", error->message);
      else
        hormiga_node_find_peer_async (node->hormiga, peer, NULL, on_found, query_new (words[1]));
      return TRUE;
    }

  if (g_str_equal (words[0], "put") && words[1] != NULL)
    {
      const char *value = words[2] ? words[2] : "";

      if (strlen (words[1]) > HORMIGA_DHT_RECORD_MAX_NAME)
        printf ("error: a name has at most %u bytes\n", HORMIGA_DHT_RECORD_MAX_NAME);
      else if (strlen (value) > HORMIGA_DHT_RECORD_MAX_VALUE)
        printf ("error: a value has at most %u bytes\n", HORMIGA_DHT_RECORD_MAX_VALUE);
      else
        {
          g_autoptr(GBytes) bytes = g_bytes_new (value, strlen (value));

          hormiga_node_put_async (node->hormiga, words[1], bytes, NULL, on_put,
                                  query_new (words[1]));
        }
      return TRUE;
    }

  if (g_str_equal (words[0], "get") && words[1] != NULL && words[2] != NULL)
    {
      g_autoptr(HormigaPeerId) owner = hormiga_peer_id_parse (words[1], &error);

      if (owner == NULL)
        printf ("error: %s\n", error->message);
      else
        hormiga_node_get_async (node->hormiga, owner, words[2], NULL, on_got,
                                query_new (words[2]));
      return TRUE;
    }
  return FALSE;
}

static void
handle_line (Node       *node,
             const char *line)
{
  g_auto(GStrv) words = g_strsplit (line, " ", 3);
  g_autoptr(GError) error = NULL;

  if (words[0] == NULL || *words[0] == '\0')
    return;

  if (g_str_equal (words[0], "quit"))
    {
      request_quit (node);
      return;
    }

  if (g_str_equal (words[0], "signal") && words[1] != NULL)
    {
      const char *text = words[2] ? words[2] : "";
      g_autoptr(GBytes) payload = g_bytes_new (text, strlen (text));
      g_autofree char *sid = g_strdup_printf ("cli-%u", ++node->next_sid);

      if (!hormiga_signaling_client_send_signal (node->client, words[1], sid, payload, &error))
        printf ("error: %s\n", error->message);
      else
        printf ("sent sid=%s\n", sid);
      fflush (stdout);
      return;
    }

  if (g_str_equal (words[0], "connect") && words[1] != NULL)
    {
      HormigaPeerConnection *pc = hormiga_rtc_connector_connect (node->connector, words[1], &error);
      g_autoptr(HormigaDataChannel) channel = NULL;

      if (pc != NULL)
        channel = hormiga_peer_connection_create_data_channel (pc, "chat", NULL, &error);
      if (channel == NULL)
        printf ("error: %s\n", error->message);
      else
        {
          track_channel (node, words[1], channel);
          printf ("connecting peer=%s\n", words[1]);
        }
      fflush (stdout);
      return;
    }

  if (g_str_equal (words[0], "send") && words[1] != NULL)
    {
      HormigaDataChannel *channel = g_hash_table_lookup (node->channels, words[1]);

      if (channel == NULL)
        printf ("error: no data channel with %s; use connect first\n", words[1]);
      else if (!hormiga_data_channel_send_text (channel, words[2] ? words[2] : "", &error))
        printf ("error: %s\n", error->message);
      else
        printf ("sent peer=%s\n", words[1]);
      fflush (stdout);
      return;
    }

  if (hormiga_cli_files_handle_line (node->files, words))
    return;

  if (handle_dht_line (node, words))
    {
      fflush (stdout);
      return;
    }

  printf ("error: unknown command “%s”; commands: signal PEERID TEXT, connect PEERID, "
          "send PEERID TEXT, find PEERID, put NAME VALUE, get PEERID NAME, dht, share PATH, "
          "get hormiga:… [DIR], send-file PEERID PATH, pause|resume|cancel CID, transfers, "
          "quit\n", words[0]);
  fflush (stdout);
}

static void
on_line (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Node *node = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;

  line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), result,
                                                    NULL, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (line == NULL)
    {
      /* End of input: keep running as a daemon until a signal arrives. */
      if (error != NULL)
        g_printerr ("hormiga-node: stdin: %s\n", error->message);
      return;
    }

  handle_line (node, g_strstrip (line));
  read_next_line (node);
}

static void
read_next_line (Node *node)
{
  g_data_input_stream_read_line_async (node->input, G_PRIORITY_DEFAULT, node->cancellable,
                                       on_line, node);
}

typedef struct
{
  const char *control;
  const char *server;
  const char *ice_address;
  double      peer_timeout;
  gboolean    echo;
  gboolean    client_mode;
  guint       max_connections;
  guint       proxy_connections;
  guint       dht_k;
  const char *data_dir;
  const char *download_dir;
  gboolean    auto_accept;
  GStrv       accept_from;
  gboolean    keep_downloads;
  guint       give_up_s;
  guint       upload_limit;
  const char *name;
  GStrv       stun;
  GStrv       turn;
  gboolean    relay_only;
  HormigaContingencyConfig contingency;  /* r = 0: none */
} Options;

static int
run_node (HormigaIdentity *identity,
          const Options   *options)
{
  g_autoptr(GInputStream) stdin_stream = g_unix_input_stream_new (0, FALSE);
  g_autoptr(GError) error = NULL;
  HormigaDhtConfig config = HORMIGA_DHT_CONFIG_INIT;
  Node node = { 0 };
  guint sigint_source, sigterm_source;

  config.client_mode = options->client_mode;
  config.k = options->dht_k;
  node.hormiga = hormiga_node_new (identity, options->server, &config, NULL, &error);
  if (node.hormiga == NULL)
    {
      g_printerr ("hormiga-node: %s\n", error->message);
      return 1;
    }
  {
    g_autofree char *downloads = options->download_dir
                                   ? g_strdup (options->download_dir)
                                   : g_build_filename (options->data_dir, "downloads", NULL);
    g_autofree char *library = g_build_filename (options->data_dir, "library", NULL);

    node.transfers = hormiga_transfer_manager_new (node.hormiga, downloads, library);
    hormiga_transfer_manager_set_share_downloads (node.transfers, !options->keep_downloads);
    hormiga_transfer_manager_set_give_up (node.transfers, options->give_up_s * 1000);
    hormiga_transfer_manager_set_upload_limit (node.transfers, options->upload_limit);
    node.files = hormiga_cli_files_new (node.transfers, options->auto_accept,
                                        (const char * const *) options->accept_from);
    if (options->contingency.r > 0)
      node.contingency = hormiga_cli_contingency_new (node.hormiga, &options->contingency,
                                                      node.transfers, library);
  }
  node.control = hormiga_control_server_new (node.hormiga, options->control, NULL, &error);
  if (node.control == NULL)
    {
      g_printerr ("hormiga-node: %s\n", error->message);
      g_clear_pointer (&node.files, hormiga_cli_files_free);
      g_clear_pointer (&node.contingency, hormiga_cli_contingency_free);
      hormiga_transfer_manager_shutdown (node.transfers);
      g_clear_object (&node.transfers);
      g_clear_object (&node.hormiga);
      return 1;
    }
  hormiga_control_server_set_transfers (node.control, node.transfers);
  if (node.contingency != NULL)
    hormiga_control_server_set_contingency (node.control,
                                            hormiga_cli_contingency_get_service (node.contingency));
  printf ("peer-id %s\n", hormiga_peer_id_to_string (hormiga_identity_get_peer_id (identity)));
  printf ("control %s\n", options->control);
  fflush (stdout);

  node.echo = options->echo;
  node.loop = g_main_loop_new (NULL, FALSE);
  node.cancellable = g_cancellable_new ();
  node.input = g_data_input_stream_new (stdin_stream);
  node.client = hormiga_node_get_signaling_client (node.hormiga);
  node.connector = hormiga_node_get_connector (node.hormiga);
  if (options->ice_address != NULL)
    hormiga_node_set_local_address (node.hormiga, options->ice_address);
  hormiga_node_set_peer_timeout (node.hormiga, (guint) (options->peer_timeout * 1000));
  hormiga_node_set_max_connections (node.hormiga, options->max_connections);
  /* Checked with the options already. */
  hormiga_node_set_display_name (node.hormiga, options->name, NULL);
  hormiga_node_set_ice_servers (node.hormiga, (const char * const *) options->stun,
                                (const char * const *) options->turn, NULL);
  hormiga_node_set_relay_only (node.hormiga, options->relay_only);
  hormiga_node_set_proxy_connections (node.hormiga, options->proxy_connections);
  node.channels = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  g_signal_connect (node.connector, "peer-connection", G_CALLBACK (on_peer_connection), &node);
  g_signal_connect (node.hormiga, "dht-ready", G_CALLBACK (on_dht_ready), &node);
  g_signal_connect (node.control, "quit-requested", G_CALLBACK (on_quit_requested), &node);

  g_signal_connect (node.client, "admitted", G_CALLBACK (on_admitted), &node);
  g_signal_connect (node.client, "signal-received", G_CALLBACK (on_signal_received), &node);
  g_signal_connect (node.client, "error-received", G_CALLBACK (on_error_received), &node);
  g_signal_connect (node.client, "disconnected", G_CALLBACK (on_disconnected), &node);
  sigint_source = g_unix_signal_add (SIGINT, on_quit_signal, &node);
  sigterm_source = g_unix_signal_add (SIGTERM, on_quit_signal, &node);

  hormiga_node_start (node.hormiga);
  read_next_line (&node);
  g_main_loop_run (node.loop);

  g_source_remove (sigint_source);
  g_source_remove (sigterm_source);
  g_cancellable_cancel (node.cancellable);
  {
    GHashTableIter iter;
    gpointer channel;

    g_hash_table_iter_init (&iter, node.channels);
    while (g_hash_table_iter_next (&iter, NULL, &channel))
      g_signal_handlers_disconnect_by_func (channel, on_channel_close, NULL);
  }
  g_clear_pointer (&node.channels, g_hash_table_unref);
  /* The socket goes first: a client told the node stopped finds it gone. */
  hormiga_control_server_stop (node.control);
  /* Transfers stop first, saving what they verified. */
  g_clear_pointer (&node.files, hormiga_cli_files_free);
  g_clear_pointer (&node.contingency, hormiga_cli_contingency_free);
  hormiga_transfer_manager_shutdown (node.transfers);
  /* Ends the DHT's operations; their callbacks (which print nothing for a
   * cancelled one) run from the context, so let it run them. */
  hormiga_node_stop (node.hormiga);
  for (guint i = 0; i < 1000 && g_main_context_iteration (NULL, FALSE); i++)
    ;
  g_clear_object (&node.control);
  g_clear_object (&node.transfers);
  g_clear_object (&node.hormiga);
  g_clear_object (&node.input);
  g_clear_object (&node.cancellable);
  g_main_loop_unref (node.loop);
  return 0;
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *data_dir = NULL;
  g_autofree char *server = NULL;
  g_autofree char *ice_address = NULL;
  g_autofree char *control = NULL;
  g_autofree char *start_hint = NULL;
  double peer_timeout = 15;
  int max_connections = HORMIGA_NODE_DEFAULT_MAX_CONNECTIONS;
  int proxy_connections = HORMIGA_NODE_PROXY_CONNECTIONS;
  int dht_k = 20;
  gboolean client_mode = FALSE;
  Options run_options = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GOptionContext) options = NULL;
  g_autoptr(HormigaIdentity) identity = NULL;
  const char *command;
  gboolean version = FALSE;
  gboolean echo = FALSE;
  gboolean json = FALSE;
  g_autofree char *download_dir = NULL;
  g_autofree char *output = NULL;
  gboolean auto_accept = FALSE;
  gboolean keep_downloads = FALSE;
  int give_up = HORMIGA_TRANSFER_DEFAULT_GIVE_UP_MS / 1000;
  gint64 upload_limit = 0;
  g_autofree char *name = NULL;
  g_auto(GStrv) stun = NULL;
  g_auto(GStrv) turn = NULL;
  gboolean relay_only = FALSE;
  g_auto(GStrv) accept_from = NULL;
  int contingents = 2;
  double heartbeat = 5, detect = 15;
  gint64 quota = HORMIGA_CONTINGENCY_DEFAULT_MAX_BACKUP_BYTES;
  GOptionEntry entries[] = {
    { "data-dir", 'd', 0, G_OPTION_ARG_FILENAME, &data_dir,
      "Where the node keeps its identity (default $XDG_DATA_HOME/hormiga)", "DIR" },
    { "server", 's', 0, G_OPTION_ARG_STRING, &server,
      "hormiguero to join (default ws://127.0.0.1:8710/ws)", "URL" },
    { "ice-address", 0, 0, G_OPTION_ARG_STRING, &ice_address,
      "Gather host candidates on this IP address only (default: every interface)", "ADDR" },
    { "peer-timeout", 0, 0, G_OPTION_ARG_DOUBLE, &peer_timeout,
      "Report a peer lost after this many seconds of silence (default 15, at least 0.5)", "S" },
    { "echo", 0, 0, G_OPTION_ARG_NONE, &echo,
      "Send every data channel message back on its channel (interop tests)", NULL },
    { "client-mode", 0, 0, G_OPTION_ARG_NONE, &client_mode,
      "Use the DHT without serving it: stay out of other nodes' routing tables, store nothing",
      NULL },
    { "max-connections", 0, 0, G_OPTION_ARG_INT, &max_connections,
      "Keep at most this many peer connections open (default 32); the least recently used "
      "idle one closes first", "N" },
    { "proxy-below", 0, 0, G_OPTION_ARG_INT, &proxy_connections,
      "With fewer than this many connections to server-mode peers, send lookups to a lookup "
      "proxy (the first contingent, else the bootstrap peer) (default 3; 0: never)", "N" },
    { "dht-k", 0, 0, G_OPTION_ARG_INT, &dht_k,
      "DHT bucket size and replication factor (default 20; tests use less)", "K" },
    { "control", 'c', 0, G_OPTION_ARG_FILENAME, &control,
      "The running node's control socket (default DIR/control.sock, DIR from --data-dir); "
      "its directory must be yours alone", "PATH" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json,
      "Subcommands print one JSON document instead of text", NULL },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
      "get hormiga:…: download into this folder (default: the node's --download-dir)", "DIR" },
    { "download-dir", 0, 0, G_OPTION_ARG_FILENAME, &download_dir,
      "Where downloads and accepted offers go (default DIR/downloads)", "DIR" },
    { "auto-accept", 0, 0, G_OPTION_ARG_NONE, &auto_accept,
      "Accept every file a peer offers", NULL },
    { "accept-from", 0, 0, G_OPTION_ARG_STRING_ARRAY, &accept_from,
      "Accept the files this peer offers (repeat for more); others are declined", "PEERID" },
    { "no-share-downloads", 0, 0, G_OPTION_ARG_NONE, &keep_downloads,
      "Do not offer finished downloads to other peers", NULL },
    { "give-up", 0, 0, G_OPTION_ARG_INT, &give_up,
      "A download with no peer to ask fails after this many seconds (default 60)", "S" },
    { "name", 0, 0, G_OPTION_ARG_STRING, &name,
      "The display name peers see for this node (at most 64 bytes, no control characters)",
      "NAME" },
    { "stun", 0, 0, G_OPTION_ARG_STRING_ARRAY, &stun,
      "Gather server-reflexive candidates from this STUN server, stun:HOST[:PORT] (repeat for "
      "more; the first one that resolves is asked)", "URL" },
    { "turn", 0, 0, G_OPTION_ARG_STRING_ARRAY, &turn,
      "Relay through this TURN server too, turn:USER:PASSWORD@HOST[:PORT][?transport=udp|tcp] "
      "(repeat for more), besides those hormiguero gives", "URL" },
    { "relay-only", 0, 0, G_OPTION_ARG_NONE, &relay_only,
      "Connect only through TURN relays: peers never learn this node's addresses", NULL },
    { "upload-limit", 0, 0, G_OPTION_ARG_INT64, &upload_limit,
      "Serve file chunks to all peers together at most this fast, in KiB/s (default 0: no "
      "limit)", "KIB" },
    { "contingents", 0, 0, G_OPTION_ARG_INT, &contingents,
      "Keep this many contingency nodes, the nodes that back this one up (default 2, 1 to 8; "
      "0: none, and protect nobody)", "R" },
    { "heartbeat", 0, 0, G_OPTION_ARG_DOUBLE, &heartbeat,
      "Seconds between heartbeats to contingents and protected nodes (default 5)", "S" },
    { "failure-detection", 0, 0, G_OPTION_ARG_DOUBLE, &detect,
      "A contingent or protected node silent this long is gone (default 15); the ring is "
      "checked every twice this", "S" },
    { "backup-quota", 0, 0, G_OPTION_ARG_INT64, &quota,
      "Hold at most this many bytes for each protected node, and back up at most this much "
      "of our own (default 4 MiB)", "BYTES" },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", NULL },
    { NULL }
  };

  options = g_option_context_new ("[COMMAND [ARGUMENT…]] — a headless Hormiga node");
  g_option_context_set_description (options,
    "Commands:\n"
    "  id    print this node's PeerID (the identity is created on first start)\n"
    "  run   join hormiguero and the DHT and print events (default); stdin\n"
    "        takes `signal PEERID TEXT`, `connect PEERID` (open a data channel),\n"
    "        `send PEERID TEXT` (over it), `find PEERID` (a DHT lookup),\n"
    "        `put NAME VALUE` (a record of this node), `get PEERID NAME`,\n"
    "        `dht` (state and counters, as JSON), `share PATH` (prints its\n"
    "        hormiga: link), `get hormiga:… [DIR]` (download), `send-file\n"
    "        PEERID PATH` (offer), `pause|resume|cancel CID`, `transfers`\n"
    "        (as JSON), `hold-offers` (offers not taken at once by\n"
    "        --auto-accept or --accept-from wait, as `offer-waiting ID`,\n"
    "        instead of being declined), `accept ID [PATH…]` (a folder's\n"
    "        files or subfolders only, as its `offer-file` lines name them;\n"
    "        quote paths with spaces), `decline ID [REASON]` and `quit`; it\n"
    "        also listens on its control socket (--control) for the commands\n"
    "        below\n"
    "\n"
    "Commands for the node running with the same --data-dir or --control\n"
    "(text, or one JSON document with --json):\n"
    "  peers              its peer connections\n"
    "  routing-table      its DHT contacts, closest first\n"
    "  find PEERID        look a node up in the DHT\n"
    "  put NAME VALUE     store a record of the node\n"
    "  get PEERID NAME    read that node's record\n"
    "  stats              contacts, connections, records and counters\n"
    "  quit               stop it\n"
    "  share PATH         share a file or a folder; prints its hormiga: link\n"
    "  send PEERID PATH   offer a file to a peer; waits for its answer (exit 1\n"
    "                     and its reason if it declines)\n"
    "  get hormiga:… [-o DIR]\n"
    "                     download a link, showing the progress on stderr;\n"
    "                     prints the file's path (interrupted, the node goes on)\n"
    "  transfers          the node's downloads, one a line\n"
    "  pause|resume|cancel CID\n"
    "                     a download, by the content ID `transfers` shows\n"
    "\n"
    "Exit status: 0 done, 1 not found or failed, 2 wrong usage, 3 no node is\n"
    "running on the control socket.\n");
  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error))
    {
      g_printerr ("hormiga-node: %s\n", error->message);
      return 2;
    }

  if (version)
    {
      printf ("hormiga-node %s\n", PACKAGE_VERSION);
      return 0;
    }

  if (!(peer_timeout >= 0.5 && peer_timeout <= 3600))
    {
      g_printerr ("hormiga-node: --peer-timeout takes 0.5 to 3600 seconds\n");
      return 2;
    }
  if (max_connections < 1 || max_connections > 100000)
    {
      g_printerr ("hormiga-node: --max-connections takes 1 to 100000\n");
      return 2;
    }
  if (proxy_connections < 0 || proxy_connections > 100000)
    {
      g_printerr ("hormiga-node: --proxy-below takes 0 to 100000\n");
      return 2;
    }
  if (give_up < 1 || give_up > 86400)
    {
      g_printerr ("hormiga-node: --give-up takes 1 to 86400 seconds\n");
      return 2;
    }
  if (name != NULL && name[0] != '\0' && !hormiga_dht_message_check_name (name, -1, &error))
    {
      g_printerr ("hormiga-node: --name: %s\n", error->message);
      return 2;
    }
  for (guint l = 0; l < 2; l++)
    for (guint i = 0; (l == 0 ? stun : turn) != NULL && (l == 0 ? stun : turn)[i] != NULL; i++)
      {
        g_autoptr(HormigaIceServer) ice_server =
          hormiga_ice_server_parse_configured ((l == 0 ? stun : turn)[i],
                                               l == 0 ? HORMIGA_ICE_SERVER_STUN
                                                      : HORMIGA_ICE_SERVER_TURN, &error);

        if (ice_server == NULL)
          {
            g_printerr ("hormiga-node: --%s: %s\n", l == 0 ? "stun" : "turn", error->message);
            return 2;
          }
      }
  if (upload_limit < 0 || upload_limit > 1048576)
    {
      g_printerr ("hormiga-node: --upload-limit takes 0 (no limit) to 1048576 KiB/s\n");
      return 2;
    }
  if (dht_k < 1 || dht_k > 20)
    {
      g_printerr ("hormiga-node: --dht-k takes 1 to 20\n");
      return 2;
    }
  if (contingents < 0 || contingents > 8)
    {
      g_printerr ("hormiga-node: --contingents takes 0 to 8\n");
      return 2;
    }
  if (!(heartbeat >= 0.1 && heartbeat <= 600) || !(detect >= 2 * heartbeat && detect <= 3600))
    {
      g_printerr ("hormiga-node: --heartbeat takes 0.1 to 600 seconds, and --failure-detection "
                  "at least twice that, up to 3600\n");
      return 2;
    }
  if (quota < 1024 || quota > G_GINT64_CONSTANT (1) << 30)
    {
      g_printerr ("hormiga-node: --backup-quota takes 1024 bytes to 1 GiB\n");
      return 2;
    }

  command = argc > 1 ? argv[1] : "run";
  if (hormiga_cli_control_is_command (command))
    {
      if (control == NULL)
        {
          g_autofree char *dir = data_dir ? g_strdup (data_dir)
                                          : hormiga_identity_default_data_dir ();

          control = hormiga_control_default_path (dir);
        }
      start_hint = g_strdup_printf ("hormiga-node%s%s%s%s run", data_dir ? " --data-dir " : "",
                                    data_dir ? data_dir : "", !data_dir ? " --control " : "",
                                    !data_dir ? control : "");
      return hormiga_cli_control_run (control, json, output, argc - 1, argv + 1, start_hint);
    }
  if (argc > 2 || (!g_str_equal (command, "id") && !g_str_equal (command, "run")))
    {
      g_printerr ("hormiga-node: unknown command “%s”; see --help\n", command);
      return 2;
    }

  if (data_dir == NULL)
    data_dir = hormiga_identity_default_data_dir ();
  if (control == NULL)
    control = hormiga_control_default_path (data_dir);
  identity = hormiga_identity_load_or_create (data_dir, &error);
  if (identity == NULL)
    {
      g_printerr ("hormiga-node: %s\n", error->message);
      return 1;
    }

  if (g_str_equal (command, "id"))
    {
      printf ("%s\n", hormiga_peer_id_to_string (hormiga_identity_get_peer_id (identity)));
      return 0;
    }

  run_options.control = control;
  run_options.server = server ? server : "ws://127.0.0.1:8710/ws";
  run_options.ice_address = ice_address;
  run_options.peer_timeout = peer_timeout;
  run_options.echo = echo;
  run_options.client_mode = client_mode;
  run_options.max_connections = (guint) max_connections;
  run_options.proxy_connections = (guint) proxy_connections;
  run_options.dht_k = (guint) dht_k;
  run_options.data_dir = data_dir;
  run_options.download_dir = download_dir;
  run_options.auto_accept = auto_accept;
  run_options.accept_from = accept_from;
  run_options.keep_downloads = keep_downloads;
  run_options.give_up_s = (guint) give_up;
  run_options.upload_limit = (guint) upload_limit;
  run_options.name = name;
  run_options.stun = stun;
  run_options.turn = turn;
  run_options.relay_only = relay_only;
  {
    HormigaContingencyConfig contingency = HORMIGA_CONTINGENCY_CONFIG_INIT;

    contingency.r = (guint) contingents;
    contingency.heartbeat_interval_ms = (guint) (heartbeat * 1000);
    contingency.failure_detection_ms = (guint) (detect * 1000);
    contingency.repair_interval_ms = (guint) (detect * 2000);
    contingency.max_backup_bytes = (gsize) quota;
    run_options.contingency = contingency;
  }
  return run_node (identity, &run_options);
}
