/* bench-datachannel-local.c — hormiga-bench datachannel-local
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Two peer connections in one process, one thread, on 127.0.0.1: real
 * libnice, DTLS and usrsctp, descriptions handed over directly. Measures
 * setup (offer to open channel), 1-byte round trips, and one-way throughput
 * with 64 KiB and 16 KiB messages, flow-controlled on the buffered amount;
 * the baseline is the same bytes over a TCP loopback connection in the same
 * run. Both peers share one core here, so this is a lower bound for two
 * processes.
 */
#include <gio/gio.h>
#include <stdio.h>

#include "bench-util.h"
#include "hormiga-bench.h"
#include "hormiga-certificate.h"
#include "hormiga-identity.h"
#include "hormiga-peer-connection.h"


typedef struct _Side Side;

struct _Side
{
  HormigaCertificate    *certificate;
  HormigaIdentity       *identity;
  HormigaPeerConnection *pc;
  Side                  *other;
  HormigaDataChannel    *remote_channel;
};

typedef struct
{
  Side                sides[2];
  HormigaDataChannel *channel;     /* opened by sides[0] */
  guint64             received;
  guint64             to_send;
  guint64             sent;
  gsize               message_size;
  guint8             *message;
  guint               pongs;
} Bench;

static Bench *the_bench;

static void
on_candidate (HormigaPeerConnection *pc,
              const char            *candidate,
              gpointer               user_data)
{
  Side *side = user_data;
  hormiga_peer_connection_add_remote_candidate (side->other->pc, candidate, NULL);
}

static void
on_gathered (HormigaPeerConnection *pc,
             gpointer               user_data)
{
  Side *side = user_data;
  hormiga_peer_connection_remote_end_of_candidates (side->other->pc);
}

static void
on_remote_message (HormigaDataChannel *channel,
                   GBytes             *data,
                   gboolean            is_text,
                   gpointer            user_data)
{
  Bench *bench = the_bench;

  if (g_bytes_get_size (data) == 1)
    {
      /* Ping: answer on the same channel. */
      hormiga_data_channel_send (channel, g_bytes_get_data (data, NULL), 1, NULL);
      return;
    }
  bench->received += g_bytes_get_size (data);
}

static void
on_pong (HormigaDataChannel *channel,
         GBytes             *data,
         gboolean            is_text,
         gpointer            user_data)
{
  the_bench->pongs++;
}

static void
on_data_channel (HormigaPeerConnection *pc,
                 HormigaDataChannel    *channel,
                 gpointer               user_data)
{
  Side *side = user_data;

  side->remote_channel = g_object_ref (channel);
  g_signal_connect (channel, "message", G_CALLBACK (on_remote_message), side);
}

static void
fill (Bench *bench)
{
  while (bench->sent < bench->to_send &&
         hormiga_data_channel_get_buffered_amount (bench->channel) < HORMIGA_BENCH_HIGH_WATER)
    {
      if (!hormiga_data_channel_send (bench->channel, bench->message, bench->message_size, NULL))
        return;
      bench->sent += bench->message_size;
    }
}

static void
on_low (HormigaDataChannel *channel,
        gpointer            user_data)
{
  fill (user_data);
}

static void
iterate (void)
{
  g_main_context_iteration (NULL, TRUE);
}

static gboolean
wait_for (gboolean (*done) (Bench *),
          Bench     *bench,
          double     seconds)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);

  while (!done (bench) && g_get_monotonic_time () < deadline)
    {
      GSource *tick = g_timeout_source_new (50);
      g_source_set_dummy_callback (tick);
      g_source_attach (tick, NULL);
      iterate ();
      g_source_destroy (tick);
      g_source_unref (tick);
    }
  return done (bench);
}

static gboolean
channel_open (Bench *bench)
{
  return hormiga_data_channel_get_state (bench->channel) == HORMIGA_DATA_CHANNEL_OPEN &&
         bench->sides[1].remote_channel != NULL;
}

static gboolean
all_received (Bench *bench)
{
  return bench->received >= bench->to_send;
}

/* ---- one connection ------------------------------------------------------- */

static gboolean
setup (Bench  *bench,
       double *setup_ms)
{
  g_autofree char *offer = NULL;
  g_autofree char *answer = NULL;
  gint64 start;

  for (guint i = 0; i < 2; i++)
    {
      Side *side = &bench->sides[i];

      side->other = &bench->sides[1 - i];
      side->certificate = hormiga_certificate_generate (NULL);
      side->identity = hormiga_identity_generate ();
      side->pc = hormiga_peer_connection_new (NULL, side->certificate, side->identity);
      hormiga_ice_transport_add_local_address (hormiga_peer_connection_get_ice (side->pc),
                                               "127.0.0.1", NULL);
      g_signal_connect (side->pc, "local-candidate", G_CALLBACK (on_candidate), side);
      g_signal_connect (side->pc, "gathering-done", G_CALLBACK (on_gathered), side);
      g_signal_connect (side->pc, "data-channel", G_CALLBACK (on_data_channel), side);
    }

  /* Certificates are made per run, before the clock starts, as a node does. */
  start = g_get_monotonic_time ();
  bench->channel = hormiga_peer_connection_create_data_channel (bench->sides[0].pc, "bench", NULL,
                                                               NULL);
  offer = hormiga_peer_connection_create_offer (bench->sides[0].pc, NULL);
  hormiga_peer_connection_set_remote_description (bench->sides[1].pc, HORMIGA_SDP_OFFER, offer, NULL);
  answer = hormiga_peer_connection_create_answer (bench->sides[1].pc, NULL);
  hormiga_peer_connection_set_remote_description (bench->sides[0].pc, HORMIGA_SDP_ANSWER, answer, NULL);
  if (!wait_for (channel_open, bench, 10))
    return FALSE;
  *setup_ms = (g_get_monotonic_time () - start) / 1000.0;
  return TRUE;
}

static void
teardown (Bench *bench)
{
  for (guint i = 0; i < 2; i++)
    {
      Side *side = &bench->sides[i];

      g_signal_handlers_disconnect_by_data (side->pc, side);
      if (side->remote_channel != NULL)
        g_signal_handlers_disconnect_by_data (side->remote_channel, side);
      hormiga_peer_connection_close (side->pc);
      g_clear_object (&side->remote_channel);
      g_clear_object (&side->pc);
      g_clear_object (&side->certificate);
      g_clear_object (&side->identity);
    }
  g_clear_object (&bench->channel);
}

static double
throughput (Bench *bench,
            gsize  message_size,
            gsize  total)
{
  gint64 start;
  gulong handler;

  bench->message_size = message_size;
  bench->message = g_malloc0 (message_size);
  bench->received = 0;
  bench->sent = 0;
  bench->to_send = total;
  hormiga_data_channel_set_buffered_amount_low_threshold (bench->channel, HORMIGA_BENCH_LOW_WATER);
  handler = g_signal_connect (bench->channel, "buffered-amount-low", G_CALLBACK (on_low), bench);

  start = g_get_monotonic_time ();
  fill (bench);
  wait_for (all_received, bench, 120);
  g_signal_handler_disconnect (bench->channel, handler);
  g_clear_pointer (&bench->message, g_free);
  return bench->received / ((g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC) / 1e6;
}

/* ---- main ------------------------------------------------------------------------ */

static gboolean
got_pong (Bench *bench)
{
  return bench->pongs > 0;
}

int
hormiga_bench_datachannel_local (int    argc,
                                 char **argv)
{
  int megabytes = 200;
  int connections = 20;
  g_autoptr(GOptionContext) options = g_option_context_new ("— data channels in one process");
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) setups = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) rtts = g_array_new (FALSE, FALSE, sizeof (double));
  Bench bench = { 0 };
  double mb64, mb16, tcp64, tcp16;
  GOptionEntry entries[] = {
    { "megabytes", 'm', 0, G_OPTION_ARG_INT, &megabytes, "MB per message size (default 200)", "N" },
    { "connections", 'c', 0, G_OPTION_ARG_INT, &connections, "Connections timed for setup (default 20)", "N" },
    { NULL }
  };

  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error) || megabytes < 1 || connections < 1)
    {
      g_printerr ("hormiga-bench datachannel-local: %s\n", error ? error->message : "bad option");
      return 2;
    }
  the_bench = &bench;

  for (int i = 0; i < connections; i++)
    {
      double ms;

      if (!setup (&bench, &ms))
        {
          g_printerr ("hormiga-bench datachannel-local: connection %d did not open\n", i);
          return 1;
        }
      g_array_append_val (setups, ms);
      if (i + 1 < connections)
        teardown (&bench);
    }

  /* Round trips of one byte on the last connection. */
  g_signal_connect (bench.channel, "message", G_CALLBACK (on_pong), &bench);
  for (int i = 0; i < 200; i++)
    {
      gint64 start = g_get_monotonic_time ();
      double us;

      bench.pongs = 0;
      hormiga_data_channel_send (bench.channel, (const guint8 *) "p", 1, NULL);
      wait_for (got_pong, &bench, 5);
      us = (double) (g_get_monotonic_time () - start);
      g_array_append_val (rtts, us);
    }

  mb64 = throughput (&bench, 64 * 1024, (gsize) megabytes * 1000 * 1000);
  mb16 = throughput (&bench, 16 * 1024, (gsize) megabytes * 1000 * 1000);
  teardown (&bench);
  tcp64 = hormiga_bench_tcp_baseline (64 * 1024, (gsize) megabytes * 1000 * 1000);
  tcp16 = hormiga_bench_tcp_baseline (16 * 1024, (gsize) megabytes * 1000 * 1000);

  g_array_sort (setups, hormiga_bench_compare_double);
  g_array_sort (rtts, hormiga_bench_compare_double);
  printf ("{\"bench\":\"datachannel-local\",\"processes\":1,\"connections\":%d,\"megabytes\":%d,"
          "\"setup_ms\":%.2f,\"rtt_us\":%.0f,\"mb_per_s_64k\":%.1f,\"mb_per_s_16k\":%.1f,"
          "\"baseline\":{\"kind\":\"tcp-loopback\",\"mb_per_s_64k\":%.1f,\"mb_per_s_16k\":%.1f},"
          "\"ratio_to_tcp_64k\":%.3f}\n",
          connections, megabytes, g_array_index (setups, double, setups->len / 2),
          g_array_index (rtts, double, rtts->len / 2), mb64, mb16, tcp64, tcp16, mb64 / tcp64);
  return 0;
}
