/* bench-datachannel.c — hormiga-bench datachannel
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Two node processes on 127.0.0.1 that meet through a real hormiguero: this
 * one (the driver) and a child running `hormiga-bench datachannel-peer`.
 * Every connection is negotiated through hormiguero and proves identities
 * on channel 0, as in a node. Measures
 *   setup_ms      offer creation to channel open, median of --connections
 *   rtt_us        1-byte ping-pong, median of 1000
 *   mb_per_s_64k  one-way, 64 KiB messages, flow-controlled on buffered-amount
 *   mb_per_s_16k  the same with 16 KiB messages
 *   cpu_s_per_gb  CPU seconds of both processes per GB moved (64 KiB run)
 * and, in the same run, a TCP loopback connection moving the same bytes.
 */
#include <gio/gio.h>
#include <stdio.h>

#include "bench-util.h"
#include "hormiga-bench.h"
#include "hormiga-certificate.h"
#include "hormiga-identity.h"
#include "hormiga-peer-id.h"
#include "hormiga-rtc-connector.h"
#include "hormiga-signaling-client.h"


typedef struct
{
  HormigaIdentity        *identity;
  HormigaCertificate     *certificate;
  HormigaSignalingClient *client;
  HormigaRtcConnector    *connector;
  gboolean                admitted;

  /* driver */
  HormigaPeerConnection  *pc;
  HormigaDataChannel     *channel;
  guint                   pongs;
  char                   *report;       /* the peer's "got BYTES CPU_S" */
  guint64                 to_send;
  guint64                 sent;
  gsize                   message_size;
  guint8                 *message;

  /* peer */
  guint64                 received;
} Node;

static void
on_admitted (HormigaSignalingClient *client,
             const char             *peer_id,
             const char * const     *peers,
             gpointer                user_data)
{
  ((Node *) user_data)->admitted = TRUE;
}

static gboolean
is_admitted (gpointer data)
{
  return ((Node *) data)->admitted;
}

static gboolean
node_join (Node       *node,
           const char *url)
{
  g_autoptr(GError) error = NULL;

  node->identity = hormiga_identity_generate ();
  node->certificate = hormiga_certificate_generate (&error);
  if (node->certificate == NULL)
    {
      g_printerr ("hormiga-bench datachannel: %s\n", error->message);
      return FALSE;
    }
  node->client = hormiga_signaling_client_new (url, node->identity, NULL);
  node->connector = hormiga_rtc_connector_new (node->client, node->certificate, NULL);
  hormiga_rtc_connector_set_local_address (node->connector, "127.0.0.1");
  g_signal_connect (node->client, "admitted", G_CALLBACK (on_admitted), node);
  hormiga_signaling_client_start (node->client);
  return hormiga_bench_wait (is_admitted, node, 10);
}

/* ---- the peer process ------------------------------------------------------ */

static void
on_peer_message (HormigaDataChannel *channel,
                 GBytes             *data,
                 gboolean            is_text,
                 gpointer            user_data)
{
  Node *node = user_data;
  gsize length = g_bytes_get_size (data);

  if (is_text)
    {
      /* "done": everything before it has arrived (ordered channel). */
      g_autofree char *report = g_strdup_printf ("got %" G_GUINT64_FORMAT " %.6f", node->received,
                                                 hormiga_bench_cpu_seconds ());

      hormiga_data_channel_send_text (channel, report, NULL);
      node->received = 0;
    }
  else if (length == 1)
    hormiga_data_channel_send (channel, g_bytes_get_data (data, NULL), 1, NULL);
  else
    node->received += length;
}

static void
on_peer_channel (HormigaPeerConnection *pc,
                 HormigaDataChannel    *channel,
                 gpointer               user_data)
{
  g_signal_connect (channel, "message", G_CALLBACK (on_peer_message), user_data);
}

static void
on_peer_connection (HormigaRtcConnector   *connector,
                    const char            *peer_id,
                    HormigaPeerConnection *pc,
                    gboolean               incoming,
                    gpointer               user_data)
{
  g_signal_connect (pc, "data-channel", G_CALLBACK (on_peer_channel), user_data);
}

int
hormiga_bench_datachannel_peer (int    argc,
                                char **argv)
{
  Node node = { 0 };
  GMainLoop *loop;

  if (argc != 2)
    {
      g_printerr ("usage: hormiga-bench datachannel-peer URL (started by `datachannel`)\n");
      return 2;
    }
  if (!node_join (&node, argv[1]))
    return 1;
  g_signal_connect (node.connector, "peer-connection", G_CALLBACK (on_peer_connection), &node);
  printf ("peer-id %s\n", hormiga_peer_id_to_string (hormiga_identity_get_peer_id (node.identity)));
  fflush (stdout);
  /* Runs until the driver kills it (it also dies with its parent). */
  loop = g_main_loop_new (NULL, FALSE);
  g_main_loop_run (loop);
  return 0;
}

/* ---- the driver -------------------------------------------------------------- */

static gboolean
channel_open (gpointer data)
{
  Node *node = data;
  return hormiga_data_channel_get_state (node->channel) == HORMIGA_DATA_CHANNEL_OPEN;
}

static gboolean
got_pong (gpointer data)
{
  return ((Node *) data)->pongs > 0;
}

static gboolean
got_report (gpointer data)
{
  return ((Node *) data)->report != NULL;
}

static void
on_driver_message (HormigaDataChannel *channel,
                   GBytes             *data,
                   gboolean            is_text,
                   gpointer            user_data)
{
  Node *node = user_data;

  if (is_text)
    node->report = g_strndup (g_bytes_get_data (data, NULL), g_bytes_get_size (data));
  else
    node->pongs++;
}

static gboolean
connect_once (Node       *node,
              const char *peer_id,
              double     *setup_ms)
{
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();

  if (node->pc != NULL)
    {
      hormiga_peer_connection_close (node->pc);
      g_clear_object (&node->pc);
    }
  g_clear_object (&node->channel);
  node->pc = hormiga_rtc_connector_connect (node->connector, peer_id, &error);
  if (node->pc == NULL)
    {
      g_printerr ("hormiga-bench datachannel: %s\n", error->message);
      return FALSE;
    }
  g_object_ref (node->pc);
  node->channel = hormiga_peer_connection_create_data_channel (node->pc, "bench", NULL, &error);
  if (node->channel == NULL || !hormiga_bench_wait (channel_open, node, 10))
    {
      g_printerr ("hormiga-bench datachannel: the channel did not open\n");
      return FALSE;
    }
  *setup_ms = (g_get_monotonic_time () - start) / 1000.0;
  g_signal_connect (node->channel, "message", G_CALLBACK (on_driver_message), node);
  return TRUE;
}

static void
fill (Node *node)
{
  while (node->sent < node->to_send &&
         hormiga_data_channel_get_buffered_amount (node->channel) < HORMIGA_BENCH_HIGH_WATER)
    {
      if (!hormiga_data_channel_send (node->channel, node->message, node->message_size, NULL))
        return;
      node->sent += node->message_size;
    }
  if (node->sent >= node->to_send && node->to_send > 0)
    {
      node->to_send = 0;
      hormiga_data_channel_send_text (node->channel, "done", NULL);
    }
}

static void
on_low (HormigaDataChannel *channel,
        gpointer            user_data)
{
  fill (user_data);
}

/* One-way MB/s of @total bytes (rounded up to whole messages) in
 * @message_size messages; @cpu_s_per_gb: both processes' CPU meanwhile. */
static double
throughput (Node   *node,
            gsize   message_size,
            gsize   total,
            double *cpu_s_per_gb)
{
  double my_cpu = hormiga_bench_cpu_seconds ();
  double peer_cpu_before = 0, peer_cpu_after = 0;
  guint64 got = 0;
  gint64 start;
  gulong handler;

  /* The peer's CPU so far, from an empty round. */
  hormiga_data_channel_send_text (node->channel, "done", NULL);
  hormiga_bench_wait (got_report, node, 10);
  if (node->report != NULL)
    sscanf (node->report, "got %*u %lf", &peer_cpu_before);
  g_clear_pointer (&node->report, g_free);

  node->message_size = message_size;
  node->message = g_malloc0 (message_size);
  node->sent = 0;
  node->to_send = total;
  hormiga_data_channel_set_buffered_amount_low_threshold (node->channel, HORMIGA_BENCH_LOW_WATER);
  handler = g_signal_connect (node->channel, "buffered-amount-low", G_CALLBACK (on_low), node);

  start = g_get_monotonic_time ();
  fill (node);
  if (!hormiga_bench_wait (got_report, node, 300))
    g_printerr ("hormiga-bench datachannel: the peer did not confirm the transfer\n");
  else
    sscanf (node->report, "got %" G_GUINT64_FORMAT " %lf", &got, &peer_cpu_after);
  g_signal_handler_disconnect (node->channel, handler);
  g_clear_pointer (&node->message, g_free);
  g_clear_pointer (&node->report, g_free);
  *cpu_s_per_gb = (hormiga_bench_cpu_seconds () - my_cpu + (peer_cpu_after - peer_cpu_before)) /
           (node->sent / 1e9);
  if (got != node->sent)
    {
      g_printerr ("hormiga-bench datachannel: the peer got %" G_GUINT64_FORMAT " of %"
                  G_GUINT64_FORMAT " bytes\n", got, node->sent);
      return 0;
    }
  return got / ((g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC) / 1e6;
}

int
hormiga_bench_datachannel (int    argc,
                           char **argv)
{
  int megabytes = 200;
  int connections = 20;
  g_autoptr(GOptionContext) options = g_option_context_new ("— data channels between two processes");
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) setups = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) rtts = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GSubprocess) server = NULL;
  g_autoptr(GSubprocess) peer = NULL;
  g_autoptr(GDataInputStream) server_out = NULL;
  g_autoptr(GDataInputStream) peer_out = NULL;
  g_autofree char *hormiguero = hormiga_bench_find_hormiguero ();
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *line = NULL;
  g_autofree char *url = NULL;
  g_autofree char *peer_id = NULL;
  Node node = { 0 };
  double mb64, mb16, cpu64, cpu16, tcp64, tcp16;
  gsize total;
  GOptionEntry entries[] = {
    { "megabytes", 'm', 0, G_OPTION_ARG_INT, &megabytes, "MB per message size (default 200)", "N" },
    { "connections", 'c', 0, G_OPTION_ARG_INT, &connections, "Connections timed for setup (default 20)", "N" },
    { NULL }
  };

  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error) || megabytes < 1 || connections < 1)
    {
      g_printerr ("hormiga-bench datachannel: %s\n", error ? error->message : "bad option");
      return 2;
    }
  if (hormiguero == NULL || self == NULL)
    {
      g_printerr ("hormiga-bench datachannel: cannot find hormiguero; set HORMIGUERO\n");
      return 1;
    }
  total = (gsize) megabytes * 1000 * 1000;

  g_subprocess_launcher_set_child_setup (launcher, hormiga_bench_die_with_parent, NULL, NULL);
  server = g_subprocess_launcher_spawn (launcher, &error, hormiguero, "--no-node", "--listen", "127.0.0.1:0",
                                        "--rate", "1000000", "--burst", "1000000", NULL);
  if (server == NULL)
    {
      g_printerr ("hormiga-bench datachannel: %s\n", error->message);
      return 1;
    }
  server_out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (server));
  line = g_data_input_stream_read_line_utf8 (server_out, NULL, NULL, NULL);
  if (line == NULL || !g_str_has_prefix (line, "hormiguero listening on "))
    {
      g_printerr ("hormiga-bench datachannel: hormiguero did not start\n");
      return 1;
    }
  url = g_strdup (line + strlen ("hormiguero listening on "));

  peer = g_subprocess_launcher_spawn (launcher, &error, self, "datachannel-peer", url, NULL);
  if (peer == NULL)
    {
      g_printerr ("hormiga-bench datachannel: %s\n", error->message);
      return 1;
    }
  peer_out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (peer));
  g_clear_pointer (&line, g_free);
  line = g_data_input_stream_read_line_utf8 (peer_out, NULL, NULL, NULL);
  if (line == NULL || !g_str_has_prefix (line, "peer-id "))
    {
      g_printerr ("hormiga-bench datachannel: the peer process did not join\n");
      return 1;
    }
  peer_id = g_strdup (line + strlen ("peer-id "));

  if (!node_join (&node, url))
    {
      g_printerr ("hormiga-bench datachannel: hormiguero did not admit the driver\n");
      return 1;
    }

  for (int i = 0; i < connections; i++)
    {
      double ms;

      if (!connect_once (&node, peer_id, &ms))
        return 1;
      g_array_append_val (setups, ms);
    }

  for (int i = 0; i < 1000; i++)
    {
      gint64 start = g_get_monotonic_time ();
      double us;

      node.pongs = 0;
      hormiga_data_channel_send (node.channel, (const guint8 *) "p", 1, NULL);
      if (!hormiga_bench_wait (got_pong, &node, 5))
        {
          g_printerr ("hormiga-bench datachannel: no pong\n");
          return 1;
        }
      us = (double) (g_get_monotonic_time () - start);
      g_array_append_val (rtts, us);
    }

  mb64 = throughput (&node, 64 * 1024, total, &cpu64);
  mb16 = throughput (&node, 16 * 1024, total, &cpu16);
  g_subprocess_force_exit (peer);
  tcp64 = hormiga_bench_tcp_baseline (64 * 1024, total);
  tcp16 = hormiga_bench_tcp_baseline (16 * 1024, total);

  g_array_sort (setups, hormiga_bench_compare_double);
  g_array_sort (rtts, hormiga_bench_compare_double);
  printf ("{\"bench\":\"datachannel\",\"processes\":2,\"connections\":%d,\"megabytes\":%d,"
          "\"setup_ms\":%.2f,\"setup_ms_max\":%.2f,\"rtt_us\":%.0f,"
          "\"mb_per_s_64k\":%.1f,\"mb_per_s_16k\":%.1f,"
          "\"cpu_s_per_gb_64k\":%.2f,\"cpu_s_per_gb_16k\":%.2f,"
          "\"baseline\":{\"kind\":\"tcp-loopback\",\"tcp_mb_per_s_64k\":%.1f,\"tcp_mb_per_s_16k\":%.1f},"
          "\"ratio_to_tcp_64k\":%.3f,\"ratio_to_tcp_16k\":%.3f}\n",
          connections, megabytes,
          g_array_index (setups, double, setups->len / 2), g_array_index (setups, double, setups->len - 1),
          g_array_index (rtts, double, rtts->len / 2), mb64, mb16,
          cpu64, cpu16, tcp64, tcp16, mb64 / tcp64, mb16 / tcp16);

  if (node.pc != NULL)
    hormiga_peer_connection_close (node.pc);
  g_clear_object (&node.channel);
  g_clear_object (&node.pc);
  g_clear_object (&node.connector);
  hormiga_signaling_client_stop (node.client);
  g_clear_object (&node.client);
  g_clear_object (&node.certificate);
  g_clear_object (&node.identity);
  g_subprocess_force_exit (server);
  return mb64 > 0 && mb16 > 0 ? 0 : 1;
}
