/* bench-signaling.c — hormiga-bench signaling
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Starts hormiguero (or uses --server), joins N clients, then for
 * --duration seconds every client sends signals to random other clients as
 * fast as it can with at most --inflight of its own on their way: each one
 * that arrives lets its sender send the next. Prints one JSON line with join
 * rate, signal rate, forward latency, the server's memory and the bytes a
 * join costs, next to a baseline measured in the same run: as many frames of
 * the same size, as many in flight, through a plain TCP relay on loopback
 * (kernel and one hop, no WebSocket, no MessagePack, no lookup).
 */
#include <gio/gio.h>
#include <libsoup/soup.h>
#include <stdio.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <signal.h>

#include "bench-util.h"
#include "hormiga-bench.h"
#include "hormiga-identity.h"
#include "hormiga-peer-id.h"
#include "hormiga-signaling-client.h"

#define PAYLOAD_SIZE 200

typedef struct _Bench Bench;

typedef struct
{
  Bench                  *bench;
  guint                   index;
  HormigaSignalingClient *client;
  HormigaIdentity        *identity;
  char                   *id;
  guint                   in_flight;  /* signals sent and not yet arrived */
} Client;

struct _Bench
{
  GPtrArray  *clients;
  GHashTable *by_id;         /* PeerID text → Client */
  guint       inflight;      /* most signals in flight per client */
  guint       n_admitted;
  gboolean    running;
  guint64     received;
  guint64     sent;
  guint64     errors;
  guint64     seq;
  GArray     *latencies_us;  /* gint64 */
  GRand      *rand;
};

/* ---- helpers ------------------------------------------------------------- */

static int
compare_gint64 (gconstpointer a,
                gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;
  return x < y ? -1 : x > y;
}

static double
percentile_ms (GArray *values,
               double  p)
{
  gsize index;

  if (values->len == 0)
    return 0;
  g_array_sort (values, compare_gint64);
  index = (gsize) (p * (values->len - 1));
  return g_array_index (values, gint64, index) / 1000.0;
}

static void
raise_file_limit (void)
{
  struct rlimit limit;

  if (getrlimit (RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max)
    {
      limit.rlim_cur = limit.rlim_max;
      setrlimit (RLIMIT_NOFILE, &limit);
    }
}

static guint64
metric (guint16     port,
        const char *name)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u/metrics", port);
  g_autoptr(SoupMessage) msg = soup_message_new (SOUP_METHOD_GET, url);
  g_autoptr(GBytes) body = soup_session_send_and_read (session, msg, NULL, NULL);
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  gsize length = strlen (name);

  if (body == NULL)
    return 0;
  text = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (strncmp (lines[i], name, length) == 0 && lines[i][length] == ' ')
      return g_ascii_strtoull (lines[i] + length + 1, NULL, 10);
  return 0;
}

static double
process_rss_mb (const char *pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%s/status", pid);
  g_autofree char *status = NULL;
  const char *line;

  if (pid == NULL || !g_file_get_contents (path, &status, NULL, NULL))
    return -1;
  line = strstr (status, "VmRSS:");
  return line ? g_ascii_strtod (line + 6, NULL) / 1024.0 : -1;
}

/* ---- the signaling clients ------------------------------------------------- */

/* One signal of PAYLOAD_SIZE bytes, stamped with the time it leaves, to a
 * random client other than @from. */
static void
send_one (Bench  *bench,
          Client *from)
{
  guint n = bench->clients->len;
  guint to = (from->index + 1 + (guint) g_rand_int_range (bench->rand, 0, (gint32) n - 1)) % n;
  Client *target = g_ptr_array_index (bench->clients, to);
  guint8 payload[PAYLOAD_SIZE] = { 0 };
  gint64 now = g_get_monotonic_time ();
  char sid[24];
  g_autoptr(GBytes) bytes = NULL;

  memcpy (payload, &now, sizeof now);
  g_snprintf (sid, sizeof sid, "%" G_GUINT64_FORMAT, bench->seq++);
  bytes = g_bytes_new (payload, sizeof payload);
  if (hormiga_signaling_client_send_signal (from->client, target->id, sid, bytes, NULL))
    {
      bench->sent++;
      from->in_flight++;
    }
  else
    bench->errors++;
}

/* Sends until @client has its full window on the way. */
static void
fill_window (Bench  *bench,
             Client *client)
{
  guint64 errors = bench->errors;

  while (bench->running && client->in_flight < bench->inflight && bench->errors == errors)
    send_one (bench, client);
}

static void
on_admitted (HormigaSignalingClient *client,
             const char             *peer_id,
             const char * const     *peers,
             gpointer                user_data)
{
  Client *self = user_data;
  self->bench->n_admitted++;
}

static void
on_signal (HormigaSignalingClient *client,
           const char             *from,
           const char             *sid,
           GBytes                 *payload,
           gpointer                user_data)
{
  Client *self = user_data;
  Bench *bench = self->bench;
  Client *sender = g_hash_table_lookup (bench->by_id, from);
  gint64 sent_at, latency;

  if (sender == NULL || g_bytes_get_size (payload) != PAYLOAD_SIZE)
    {
      bench->errors++;
      return;
    }
  sender->in_flight--;
  if (!bench->running)
    return;

  memcpy (&sent_at, g_bytes_get_data (payload, NULL), sizeof sent_at);
  latency = g_get_monotonic_time () - sent_at;
  g_array_append_val (bench->latencies_us, latency);
  bench->received++;
  fill_window (bench, sender);
}

static void
on_error (HormigaSignalingClient *client,
          guint                   code,
          const char             *message,
          const char             *sid,
          gpointer                user_data)
{
  Client *self = user_data;
  self->bench->errors++;
}

static gboolean
iterate_until (gboolean (*done) (Bench *),
               Bench     *bench,
               gint64     deadline_us)
{
  while (!done (bench) && g_get_monotonic_time () < deadline_us)
    {
      GSource *tick = g_timeout_source_new (20);
      g_source_set_dummy_callback (tick);
      g_source_attach (tick, NULL);
      g_main_context_iteration (NULL, TRUE);
      g_source_destroy (tick);
      g_source_unref (tick);
    }
  return done (bench);
}

static gboolean
all_admitted (Bench *bench)
{
  return bench->n_admitted >= bench->clients->len;
}

static gboolean
never (Bench *bench)
{
  return FALSE;
}

/* ---- baseline: a TCP relay on loopback -------------------------------------- */

/* Frames are a 4-byte big-endian length and a PAYLOAD_SIZE payload whose first
 * 8 bytes are the send time, the same payload the signals carry. */
#define FRAME_SIZE (4 + PAYLOAD_SIZE)

typedef struct
{
  GSocket *in;
  GSocket *out;
} Relay;

static gboolean
write_all (GSocket      *socket,
           const guint8 *buffer,
           gsize         length)
{
  gsize done = 0;

  while (done < length)
    {
      gssize n = g_socket_send (socket, (const char *) buffer + done, length - done, NULL, NULL);
      if (n <= 0)
        return FALSE;
      done += (gsize) n;
    }
  return TRUE;
}

/* Reads what is there, walks the length prefixes and forwards each complete
 * frame with a send of its own, as a relay of messages would (without
 * decoding or looking anything up). */
static gpointer
relay_thread (gpointer data)
{
  Relay *relay = data;
  g_autofree guint8 *buffer = g_malloc (64 * 1024);
  gsize have = 0;

  for (;;)
    {
      gssize n = g_socket_receive (relay->in, (char *) buffer + have, 64 * 1024 - have, NULL, NULL);
      gsize complete = 0;

      if (n <= 0)
        break;
      have += (gsize) n;
      while (have - complete >= 4)
        {
          guint32 length;

          memcpy (&length, buffer + complete, sizeof length);
          length = GUINT32_FROM_BE (length);
          if (have - complete < 4 + (gsize) length)
            break;
          if (!write_all (relay->out, buffer + complete, 4 + (gsize) length))
            goto done;
          complete += 4 + length;
        }
      memmove (buffer, buffer + complete, have - complete);
      have -= complete;
    }
done:
  g_socket_shutdown (relay->out, FALSE, TRUE, NULL);
  return NULL;
}

typedef struct
{
  GSocket  *socket;
  GMutex    lock;
  GCond     cond;
  guint     window;      /* frames allowed in flight */
  guint     in_flight;
  gboolean  stop;
} Sender;

/* Keeps the window full: takes whatever room there is, then sends those
 * frames one send each (a client sends one signal per call), each stamped
 * as it leaves. The relay thus has `window` frames on their way, as
 * hormiguero has clients × inflight. */
static gpointer
sender_thread (gpointer data)
{
  Sender *sender = data;
  guint8 frame[FRAME_SIZE] = { 0 };
  guint32 length = GUINT32_TO_BE (PAYLOAD_SIZE);

  memcpy (frame, &length, sizeof length);
  for (;;)
    {
      guint room;

      g_mutex_lock (&sender->lock);
      while (!sender->stop && sender->in_flight >= sender->window)
        g_cond_wait (&sender->cond, &sender->lock);
      if (sender->stop)
        {
          g_mutex_unlock (&sender->lock);
          break;
        }
      room = sender->window - sender->in_flight;
      sender->in_flight += room;
      g_mutex_unlock (&sender->lock);

      for (guint i = 0; i < room; i++)
        {
          gint64 now = g_get_monotonic_time ();

          memcpy (frame + 4, &now, sizeof now);
          if (!write_all (sender->socket, frame, sizeof frame))
            goto done;
        }
    }
done:
  g_socket_shutdown (sender->socket, FALSE, TRUE, NULL);
  return NULL;
}

static GSocket *
listen_loopback (guint16 *port)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  GSocket *socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                  G_SOCKET_PROTOCOL_TCP, NULL);

  if (socket == NULL || !g_socket_bind (socket, any, TRUE, NULL) || !g_socket_listen (socket, NULL))
    g_error ("hormiga-bench signaling: cannot listen on loopback for the baseline");
  bound = g_socket_get_local_address (socket, NULL);
  *port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  return socket;
}

static GSocket *
connect_loopback (guint16 port)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, port);
  GSocket *socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                  G_SOCKET_PROTOCOL_TCP, NULL);

  if (socket == NULL || !g_socket_connect (socket, address, NULL, NULL))
    g_error ("hormiga-bench signaling: cannot connect on loopback for the baseline");
  g_socket_set_option (socket, IPPROTO_TCP, TCP_NODELAY, 1, NULL);
  return socket;
}

static GSocket *
accept_nodelay (GSocket *listener)
{
  GSocket *socket = g_socket_accept (listener, NULL, NULL);

  if (socket == NULL)
    g_error ("hormiga-bench signaling: cannot accept on loopback for the baseline");
  g_socket_set_option (socket, IPPROTO_TCP, TCP_NODELAY, 1, NULL);
  return socket;
}

/* Relays @count frames (at most @max_duration_s seconds) with @window in
 * flight, and reports the rate and the sender → receiver latency. */
static void
run_baseline (guint    window,
              guint64  count,
              double   max_duration_s,
              double  *signals_per_s,
              double  *p50_ms,
              double  *p99_ms)
{
  guint16 in_port, out_port;
  g_autoptr(GSocket) in_listener = listen_loopback (&in_port);
  g_autoptr(GSocket) out_listener = listen_loopback (&out_port);
  g_autoptr(GSocket) to_relay = connect_loopback (in_port);
  g_autoptr(GSocket) from_relay = connect_loopback (out_port);
  g_autoptr(GArray) latencies = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autofree guint8 *buffer = g_malloc (64 * 1024);
  Relay relay = { accept_nodelay (in_listener), accept_nodelay (out_listener) };
  Sender sender = { to_relay, { 0 }, { 0 }, window, 0, FALSE };
  GThread *relay_worker, *sender_worker;
  gint64 start = g_get_monotonic_time ();
  gint64 end = start + (gint64) (max_duration_s * G_USEC_PER_SEC);
  gint64 last = start;
  guint64 received = 0;
  gsize have = 0;
  gboolean counting = TRUE;

  g_mutex_init (&sender.lock);
  g_cond_init (&sender.cond);
  relay_worker = g_thread_new ("bench-relay", relay_thread, &relay);
  sender_worker = g_thread_new ("bench-sender", sender_thread, &sender);

  /* Until the sender stops and the relay has passed on everything. */
  for (;;)
    {
      gssize n = g_socket_receive (from_relay, (char *) buffer + have, 64 * 1024 - have, NULL, NULL);
      gint64 now = g_get_monotonic_time ();
      gsize at = 0;
      guint arrived = 0;

      if (n <= 0)
        break;
      have += (gsize) n;
      for (; have - at >= FRAME_SIZE; at += FRAME_SIZE, arrived++)
        if (counting)
          {
            gint64 sent_at, latency;

            memcpy (&sent_at, buffer + at + 4, sizeof sent_at);
            latency = now - sent_at;
            g_array_append_val (latencies, latency);
            received++;
            last = now;
            counting = received < count && now < end;
          }
      memmove (buffer, buffer + at, have - at);
      have -= at;

      g_mutex_lock (&sender.lock);
      sender.in_flight -= arrived;
      sender.stop |= !counting;
      g_cond_signal (&sender.cond);
      g_mutex_unlock (&sender.lock);
    }

  g_thread_join (sender_worker);
  g_thread_join (relay_worker);
  g_object_unref (relay.in);
  g_object_unref (relay.out);
  g_mutex_clear (&sender.lock);
  g_cond_clear (&sender.cond);

  *signals_per_s = last > start ? received / ((last - start) / (double) G_USEC_PER_SEC) : 0;
  *p50_ms = percentile_ms (latencies, 0.50);
  *p99_ms = percentile_ms (latencies, 0.99);
}

/* ---- main -------------------------------------------------------------------- */

int
hormiga_bench_signaling (int    argc,
                         char **argv)
{
  int n_clients = 1000;
  int inflight = 8;
  double duration_s = 10;
  g_autofree char *server_url = NULL;
  g_autoptr(GOptionContext) options = g_option_context_new ("— signaling benchmark");
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) server = NULL;
  g_autofree char *url = NULL;
  guint16 port = 0;
  Bench bench = { 0 };
  gint64 start, joined_at, phase_start;
  guint64 bytes_before = 0, bytes_after_join = 0;
  double joins_per_s, signals_per_s, rss_mb = -1;
  double base_rate, base_p50, base_p99;
  g_autofree char *rss_text = g_strdup ("null");
  g_autofree char *bytes_per_join_text = g_strdup ("null");
  GOptionEntry entries[] = {
    { "clients", 'n', 0, G_OPTION_ARG_INT, &n_clients, "Clients (default 1000)", "N" },
    { "duration", 'd', 0, G_OPTION_ARG_DOUBLE, &duration_s, "Seconds of signaling (default 10)", "S" },
    { "inflight", 0, 0, G_OPTION_ARG_INT, &inflight, "Signals in flight per client (default 8)", "N" },
    { "server", 0, 0, G_OPTION_ARG_STRING, &server_url, "Use this hormiguero instead of starting one", "URL" },
    { NULL }
  };

  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error))
    {
      g_printerr ("hormiga-bench signaling: %s\n", error->message);
      return 2;
    }
  if (n_clients < 2 || inflight < 1 || duration_s <= 0)
    {
      g_printerr ("hormiga-bench signaling: needs --clients ≥ 2, --inflight ≥ 1, --duration > 0\n");
      return 2;
    }

  raise_file_limit ();

  if (server_url == NULL)
    {
      g_autofree char *path = hormiga_bench_find_hormiguero ();
      g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
      g_autoptr(GDataInputStream) out = NULL;
      g_autofree char *line = NULL;
      g_autoptr(GUri) uri = NULL;

      if (path == NULL)
        {
          g_printerr ("hormiga-bench signaling: cannot find hormiguero; set HORMIGUERO\n");
          return 1;
        }
      g_subprocess_launcher_set_child_setup (launcher, hormiga_bench_die_with_parent, NULL, NULL);
      /* No effective rate limit: this measures forwarding, not the limiter. */
      server = g_subprocess_launcher_spawn (launcher, &error, path, "--no-node", "--listen", "127.0.0.1:0",
                                            "--rate", "1000000", "--burst", "1000000",
                                            "--max-connections", "1000000", NULL);
      if (server == NULL)
        {
          g_printerr ("hormiga-bench signaling: %s\n", error->message);
          return 1;
        }
      out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (server));
      line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
      if (line == NULL || !g_str_has_prefix (line, "hormiguero listening on "))
        {
          g_printerr ("hormiga-bench signaling: hormiguero did not start\n");
          return 1;
        }
      url = g_strdup (line + strlen ("hormiguero listening on "));
      uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
      port = uri ? (guint16) g_uri_get_port (uri) : 0;
    }
  else
    {
      g_autoptr(GUri) uri = g_uri_parse (server_url, G_URI_FLAGS_NONE, NULL);

      url = g_strdup (server_url);
      port = uri ? (guint16) g_uri_get_port (uri) : 0;
    }

  bench.clients = g_ptr_array_new ();
  bench.by_id = g_hash_table_new (g_str_hash, g_str_equal);
  bench.inflight = (guint) inflight;
  bench.latencies_us = g_array_new (FALSE, FALSE, sizeof (gint64));
  bench.rand = g_rand_new ();

  /* Phase 1: joins. Identities are made first so only joining is timed. */
  for (int i = 0; i < n_clients; i++)
    {
      Client *client = g_new0 (Client, 1);

      client->bench = &bench;
      client->index = (guint) i;
      client->identity = hormiga_identity_generate ();
      client->id = g_strdup (hormiga_peer_id_to_string (hormiga_identity_get_peer_id (client->identity)));
      client->client = g_object_new (HORMIGA_TYPE_SIGNALING_CLIENT, "url", url,
                                     "identity", client->identity, "reconnect-min", 100, NULL);
      g_signal_connect (client->client, "admitted", G_CALLBACK (on_admitted), client);
      g_signal_connect (client->client, "signal-received", G_CALLBACK (on_signal), client);
      g_signal_connect (client->client, "error-received", G_CALLBACK (on_error), client);
      g_ptr_array_add (bench.clients, client);
      g_hash_table_insert (bench.by_id, client->id, client);
    }

  if (port != 0)
    bytes_before = metric (port, "hormiguero_bytes_in_total") + metric (port, "hormiguero_bytes_out_total");
  start = g_get_monotonic_time ();
  for (guint i = 0; i < bench.clients->len; i++)
    hormiga_signaling_client_start (((Client *) g_ptr_array_index (bench.clients, i))->client);
  if (!iterate_until (all_admitted, &bench, start + 60 * G_USEC_PER_SEC))
    {
      g_printerr ("hormiga-bench signaling: only %u of %d clients joined in 60 s\n",
                  bench.n_admitted, n_clients);
      return 1;
    }
  joined_at = g_get_monotonic_time ();
  joins_per_s = n_clients / ((joined_at - start) / (double) G_USEC_PER_SEC);
  if (port != 0)
    bytes_after_join = metric (port, "hormiguero_bytes_in_total") + metric (port, "hormiguero_bytes_out_total");

  /* Phase 2: every client keeps its window of signals on the way. */
  bench.running = TRUE;
  phase_start = g_get_monotonic_time ();
  for (guint i = 0; i < bench.clients->len; i++)
    fill_window (&bench, g_ptr_array_index (bench.clients, i));
  iterate_until (never, &bench, phase_start + (gint64) (duration_s * G_USEC_PER_SEC));
  bench.running = FALSE;
  signals_per_s = bench.received / ((g_get_monotonic_time () - phase_start) / (double) G_USEC_PER_SEC);

  if (server != NULL)
    rss_mb = process_rss_mb (g_subprocess_get_identifier (server));

  /* Unknown (a server we did not start, or no /metrics) is null. */
  if (rss_mb >= 0)
    rss_text = g_strdup_printf ("%.1f", rss_mb);
  if (port != 0 && bytes_after_join > bytes_before)
    bytes_per_join_text = g_strdup_printf ("%.1f", (bytes_after_join - bytes_before) / (double) n_clients);

  /* The baseline: as many frames of the same size, as many in flight, at
   * most as long. */
  run_baseline ((guint) (n_clients * inflight), MAX (bench.received, 1), duration_s,
                &base_rate, &base_p50, &base_p99);

  printf ("{\"bench\":\"signaling\",\"clients\":%d,\"duration_s\":%.1f,"
          "\"inflight_per_client\":%d,\"payload_bytes\":%d,\"rate_limit\":\"%s\","
          "\"joins_per_s\":%.1f,\"signals\":%" G_GUINT64_FORMAT ",\"signals_per_s\":%.1f,"
          "\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"server_rss_mb\":%s,\"bytes_per_join\":%s,"
          "\"errors\":%" G_GUINT64_FORMAT ","
          "\"baseline\":{\"kind\":\"tcp-loopback-relay\",\"signals_per_s\":%.1f,"
          "\"p50_ms\":%.3f,\"p99_ms\":%.3f},\"ratio_to_baseline\":%.3f}\n",
          n_clients, duration_s, inflight, PAYLOAD_SIZE,
          server != NULL ? "disabled-for-bench" : "as-configured-on-server",
          joins_per_s, bench.received, signals_per_s,
          percentile_ms (bench.latencies_us, 0.50), percentile_ms (bench.latencies_us, 0.99),
          rss_text, bytes_per_join_text,
          bench.errors, base_rate, base_p50, base_p99,
          base_rate > 0 ? signals_per_s / base_rate : 0.0);
  fflush (stdout);

  for (guint i = 0; i < bench.clients->len; i++)
    {
      Client *client = g_ptr_array_index (bench.clients, i);

      hormiga_signaling_client_stop (client->client);
      g_object_unref (client->client);
      g_object_unref (client->identity);
      g_free (client->id);
      g_free (client);
    }
  g_ptr_array_unref (bench.clients);
  g_hash_table_unref (bench.by_id);
  g_array_unref (bench.latencies_us);
  g_rand_free (bench.rand);

  if (server != NULL)
    {
      g_subprocess_send_signal (server, SIGTERM);
      g_subprocess_wait (server, NULL, NULL);
    }
  return 0;
}
