/* test-dht-network.c — the DHT between real hormiga-node processes
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A hormiguero and thirty `hormiga-node` processes on 127.0.0.1, talking
 * DHT over WebRTC data channels: every node finds every other one, a
 * record one node puts is read by all the others, and after ten nodes
 * leave (some quit, some are killed) the twenty left still find each other
 * and the record. Once a node has its first connections, the next ones are
 * negotiated through the overlay: at least 80% of the connections the
 * nodes offered beyond their first three through hormiguero went through
 * the overlay. hormiguero runs its own node, which heads every welcome's
 * bootstrap sample; it is found like the others. Waits are generous and only ever fail the test; the other
 * figures (hops, records, connections, signals, times) are printed.
 *
 * Contingency, the chaos run: every node stores a value of its own and
 * keeps two contingents (heartbeats every 0.5 s, 2 s of silence means
 * gone, the ring checked every 4 s). The ten leave one at a time with a
 * repair interval between them, quitting (a graceful leave) and killed in
 * turns; afterwards every one of the thirty values, the departed nodes'
 * included, must still be read from two of the nodes left: records_lost
 * is 0. The run prints records_total, records_lost and the owners' repair
 * times (from noticing a loss or a leave to two synced contingents again).
 *
 * The nodes run with k = 4 (bucket size and replication; the default is
 * 20): with 20, each node would know nearly all the others and hold every
 * record, and nothing would cross more than one hop. With 4, lookups take
 * one to three hops, and a record lives on several nodes, at least one of
 * which is left after ten go.
 */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <sys/prctl.h>

#include "hormiga-test-server.h"

#define N_NODES 30
#define N_STOPPED 10
/* Connections a node may negotiate through hormiguero before the overlay
 * is expected to take over: its bootstrap contacts. */
#define FIRST_CONNECTIONS 3
#define MIN_OVERLAY_SHARE 0.8
/* Longest wait for one step, for the slowest build (ASan, loaded CI). */
#define STEP_TIMEOUT_MS 120000
#define GREETING "hola hormigas, desde el hormiguero"
#define DHT_K "4"
/* The contingency timing of the nodes: a repair interval is twice the
 * detection time. Thirty sanitized processes are slow enough to take
 * a busy node's short silence for a departure: twice as slow there. */
#if defined(__SANITIZE_ADDRESS__)
#define HEARTBEAT_S "1"
#define DETECTION_S "4"
#define REPAIR_INTERVAL_MS 8000
/* A sanitized node starting thirty lookups at once, each setting up
 * connections, can be off the CPU for more than 5 s on two cores. */
#define PEER_TIMEOUT_S "15"
#else
#define HEARTBEAT_S "0.5"
#define DETECTION_S "2"
#define REPAIR_INTERVAL_MS 4000
#define PEER_TIMEOUT_S "5"
#endif

typedef struct
{
  guint             index;
  GSubprocess      *process;
  GDataInputStream *out;
  GOutputStream    *in;
  GPtrArray        *lines;
  char             *dir;
  char             *peer_id;
  GCancellable     *cancellable;
  gboolean          stopped;
} NodeProcess;

static void read_next (NodeProcess *node);

static void
on_line (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  NodeProcess *node = user_data;
  char *line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), result,
                                                          NULL, NULL);

  if (line == NULL)
    return;
  if (g_str_has_prefix (line, "peer-id "))
    node->peer_id = g_strdup (line + strlen ("peer-id "));
  g_ptr_array_add (node->lines, line);
  read_next (node);
}

static void
read_next (NodeProcess *node)
{
  g_data_input_stream_read_line_async (node->out, G_PRIORITY_DEFAULT, node->cancellable, on_line,
                                       node);
}

/* A failed test aborts: its nodes must not outlive it. */
static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static NodeProcess *
node_start (const char *url,
            guint       index)
{
  NodeProcess *node = g_new0 (NodeProcess, 1);
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDIN_PIPE);
  g_autoptr(GError) error = NULL;

  node->index = index;
  node->dir = g_dir_make_tmp ("hormiga-dht-node-XXXXXX", NULL);
  node->lines = g_ptr_array_new_with_free_func (g_free);
  node->cancellable = g_cancellable_new ();
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  node->process = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("HORMIGA_NODE"),
                                               "--data-dir", node->dir, "--server", url,
                                               "--ice-address", "127.0.0.1", "--peer-timeout", PEER_TIMEOUT_S,
                                               "--dht-k", DHT_K, "--heartbeat", HEARTBEAT_S,
                                               "--failure-detection", DETECTION_S, "run", NULL);
  g_assert_no_error (error);
  node->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (node->process));
  node->in = g_subprocess_get_stdin_pipe (node->process);
  read_next (node);
  return node;
}

static void
node_say (NodeProcess *node,
          const char  *line)
{
  g_autofree char *text = g_strconcat (line, "\n", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (g_output_stream_write_all (node->in, text, strlen (text), NULL, NULL, &error));
  g_assert_no_error (error);
}

static const char *
node_find_line (NodeProcess *node,
                const char  *prefix)
{
  for (guint i = 0; i < node->lines->len; i++)
    if (g_str_has_prefix (g_ptr_array_index (node->lines, i), prefix))
      return g_ptr_array_index (node->lines, i);
  return NULL;
}

static void
node_dump (NodeProcess *node)
{
  g_printerr ("node %u (%s) printed:\n", node->index, node->peer_id ? node->peer_id : "?");
  for (guint i = 0; i < node->lines->len; i++)
    g_printerr ("  %s\n", (const char *) g_ptr_array_index (node->lines, i));
}

typedef struct { NodeProcess *node; const char *prefix; } LineWait;

static gboolean
has_line (gpointer data)
{
  LineWait *wait = data;

  return node_find_line (wait->node, wait->prefix) != NULL;
}

/* The first line starting with @prefix, waiting for it if need be. */
static const char *
node_expect (NodeProcess *node,
             const char  *prefix)
{
  LineWait wait = { node, prefix };

  if (!hormiga_test_wait_until (has_line, &wait, STEP_TIMEOUT_MS))
    {
      node_dump (node);
      g_error ("node %u never printed a line starting “%s”", node->index, prefix);
    }
  return node_find_line (node, prefix);
}

static void
node_free (NodeProcess *node)
{
  g_autofree char *key = g_build_filename (node->dir, "identity.key", NULL);

  g_cancellable_cancel (node->cancellable);
  g_object_unref (node->cancellable);
  g_object_unref (node->out);
  g_object_unref (node->process);
  g_ptr_array_unref (node->lines);
  g_unlink (key);
  g_rmdir (node->dir);
  g_free (node->dir);
  g_free (node->peer_id);
  g_free (node);
}

static gboolean
process_exited (gpointer data)
{
  return g_subprocess_get_identifier (data) == NULL;
}

/* Reads everyone's output while @node ends: a node blocked writing to a
 * full pipe would never end. */
static void
node_wait_exit (NodeProcess *node)
{
  g_autoptr(GError) error = NULL;

  if (!hormiga_test_wait_until (process_exited, node->process, STEP_TIMEOUT_MS))
    {
      node_dump (node);
      g_error ("node %u did not end", node->index);
    }
  g_subprocess_wait (node->process, NULL, &error);
  g_assert_no_error (error);
}

/* `quit`: the node must leave cleanly (under ASan, without leaks). */
static void
node_quit (NodeProcess *node)
{
  g_autoptr(GError) error = NULL;

  node_say (node, "quit");
  node_wait_exit (node);
  g_subprocess_wait (node->process, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (node->process));
  g_assert_cmpint (g_subprocess_get_exit_status (node->process), ==, 0);
  node->stopped = TRUE;
}

static void
node_kill (NodeProcess *node)
{
  g_autoptr(GError) error = NULL;

  g_subprocess_send_signal (node->process, SIGKILL);
  node_wait_exit (node);
  g_subprocess_wait (node->process, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_signaled (node->process));
  node->stopped = TRUE;
}

/* ---- rounds ------------------------------------------------------------------ */

typedef struct
{
  NodeProcess  *asker;
  NodeProcess **nodes;
  guint         n_nodes;
} Round;

/* @asker has answered its finds for every other node. */
static gboolean
finds_answered (gpointer data)
{
  Round *round = data;

  for (guint b = 0; b < round->n_nodes; b++)
    {
      g_autofree char *found = NULL, *missed = NULL;

      if (round->nodes[b] == round->asker)
        continue;
      found = g_strdup_printf ("found %s ", round->nodes[b]->peer_id);
      missed = g_strdup_printf ("not-found %s", round->nodes[b]->peer_id);
      if (node_find_line (round->asker, found) == NULL &&
          node_find_line (round->asker, missed) == NULL)
        return FALSE;
    }
  return TRUE;
}

/* Each node in turn looks up all the others at once; every lookup must
 * find its node. Prints the hops. */
static void
find_all (const char   *title,
          NodeProcess **nodes,
          guint         n_nodes)
{
  guint histogram[8] = { 0 };
  guint found = 0, total = 0, max_hops = 0, sum_hops = 0;
  gint64 start = g_get_monotonic_time ();
  gint64 took_ms;

  for (guint a = 0; a < n_nodes; a++)
    {
      Round round = { nodes[a], nodes, n_nodes };

      g_ptr_array_set_size (nodes[a]->lines, 0);
      for (guint b = 0; b < n_nodes; b++)
        if (a != b)
          {
            g_autofree char *find = g_strdup_printf ("find %s", nodes[b]->peer_id);

            node_say (nodes[a], find);
          }
      if (!hormiga_test_wait_until (finds_answered, &round, STEP_TIMEOUT_MS))
        {
          node_dump (nodes[a]);
          g_error ("%s: node %u's lookups did not all end within %u s", title, nodes[a]->index,
                   STEP_TIMEOUT_MS / 1000);
        }
    }
  took_ms = (g_get_monotonic_time () - start) / 1000;

  for (guint a = 0; a < n_nodes; a++)
    for (guint b = 0; b < n_nodes; b++)
      {
        g_autofree char *prefix = NULL;
        const char *line;
        guint hops;

        if (a == b)
          continue;
        total++;
        prefix = g_strdup_printf ("found %s hops=", nodes[b]->peer_id);
        line = node_find_line (nodes[a], prefix);
        if (line == NULL)
          {
            g_test_message ("%s: node %u did not find node %u", title, nodes[a]->index,
                            nodes[b]->index);
            continue;
          }
        found++;
        hops = (guint) g_ascii_strtoull (line + strlen (prefix), NULL, 10);
        histogram[MIN (hops, G_N_ELEMENTS (histogram) - 1)]++;
        sum_hops += hops;
        max_hops = MAX (max_hops, hops);
      }

  g_test_message ("%s: %u of %u lookups found their node in %" G_GINT64_FORMAT " ms; hops: "
                  "mean %.2f, max %u; 1 hop: %u, 2 hops: %u, 3 hops: %u, more: %u",
                  title, found, total, took_ms, found ? (double) sum_hops / found : 0.0, max_hops,
                  histogram[1], histogram[2], histogram[3],
                  found - histogram[1] - histogram[2] - histogram[3]);
  if (found != total)
    {
      for (guint a = 0; a < n_nodes; a++)
        node_dump (nodes[a]);
    }
  g_assert_cmpuint (found, ==, total);
}

typedef struct
{
  NodeProcess **nodes;
  guint         n_nodes;
  const char   *name;
} GetRound;

static gboolean
gets_answered (gpointer data)
{
  GetRound *round = data;
  g_autofree char *got = g_strdup_printf ("got %s ", round->name);
  g_autofree char *missed = g_strdup_printf ("not-found %s", round->name);

  for (guint i = 0; i < round->n_nodes; i++)
    if (node_find_line (round->nodes[i], got) == NULL &&
        node_find_line (round->nodes[i], missed) == NULL)
      return FALSE;
  return TRUE;
}

/* Every node in @nodes gets @owner's record @name; all must read GREETING. */
static void
get_all (const char   *title,
         const char   *owner,
         const char   *name,
         NodeProcess **nodes,
         guint         n_nodes)
{
  GetRound round = { nodes, n_nodes, name };
  g_autofree char *get = g_strdup_printf ("get %s %s", owner, name);
  g_autofree char *expected = g_strdup_printf ("got %s value=%s", name, GREETING);
  gint64 start = g_get_monotonic_time ();
  guint got = 0;

  for (guint i = 0; i < n_nodes; i++)
    {
      g_ptr_array_set_size (nodes[i]->lines, 0);
      node_say (nodes[i], get);
    }
  if (!hormiga_test_wait_until (gets_answered, &round, STEP_TIMEOUT_MS))
    {
      for (guint i = 0; i < n_nodes; i++)
        node_dump (nodes[i]);
      g_error ("%s: not every get ended within %u s", title, STEP_TIMEOUT_MS / 1000);
    }
  for (guint i = 0; i < n_nodes; i++)
    {
      const char *line = node_find_line (nodes[i], "got ");

      if (line != NULL && g_str_equal (line, expected))
        got++;
      else
        node_dump (nodes[i]);
    }
  g_test_message ("%s: %u of %u nodes read the record in %" G_GINT64_FORMAT " ms", title, got,
                  n_nodes, (g_get_monotonic_time () - start) / 1000);
  g_assert_cmpuint (got, ==, n_nodes);
}

/* Each node puts its own value v<index> = "value of <index>". */
static void
put_values (NodeProcess **nodes,
            guint         n_nodes)
{
  for (guint i = 0; i < n_nodes; i++)
    {
      g_autofree char *put = g_strdup_printf ("put v%u value of %u", nodes[i]->index, nodes[i]->index);

      node_say (nodes[i], put);
    }
  for (guint i = 0; i < n_nodes; i++)
    {
      g_autofree char *stored = g_strdup_printf ("put v%u stored=", nodes[i]->index);

      node_expect (nodes[i], stored);
    }
}

typedef struct
{
  NodeProcess  *asker;
  NodeProcess **owners;
  guint         n_owners;
} ValuesRound;

static gboolean
values_answered (gpointer data)
{
  ValuesRound *round = data;

  for (guint i = 0; i < round->n_owners; i++)
    {
      g_autofree char *got = g_strdup_printf ("got v%u value=", round->owners[i]->index);
      g_autofree char *missed = g_strdup_printf ("not-found v%u", round->owners[i]->index);

      if (node_find_line (round->asker, got) == NULL && node_find_line (round->asker, missed) == NULL)
        return FALSE;
    }
  return TRUE;
}

/* @asker reads every owner's value; returns how many it could not. */
static guint
values_lost (NodeProcess  *asker,
             NodeProcess **owners,
             guint         n_owners)
{
  ValuesRound round = { asker, owners, n_owners };
  guint lost = 0;

  g_ptr_array_set_size (asker->lines, 0);
  for (guint i = 0; i < n_owners; i++)
    {
      g_autofree char *get = g_strdup_printf ("get %s v%u", owners[i]->peer_id, owners[i]->index);

      node_say (asker, get);
    }
  if (!hormiga_test_wait_until (values_answered, &round, STEP_TIMEOUT_MS))
    {
      node_dump (asker);
      g_error ("node %u did not finish its gets within %u s", asker->index, STEP_TIMEOUT_MS / 1000);
    }
  for (guint i = 0; i < n_owners; i++)
    {
      g_autofree char *expected = g_strdup_printf ("got v%u value=value of %u", owners[i]->index,
                                                   owners[i]->index);

      if (node_find_line (asker, expected) == NULL)
        {
          g_test_message ("node %u could not read v%u of node %u (%s)", asker->index,
                          owners[i]->index, owners[i]->index,
                          owners[i]->stopped ? "gone" : "still there");
          lost++;
        }
    }
  return lost;
}

static int
compare_i64 (gconstpointer a,
             gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

/* The "contingency-repaired ms=" figures the nodes printed from line
 * @from[i] on, sorted. */
static GArray *
repair_times (NodeProcess **nodes,
              const guint  *from,
              guint         n_nodes)
{
  GArray *ms = g_array_new (FALSE, FALSE, sizeof (gint64));

  for (guint i = 0; i < n_nodes; i++)
    {
      if (nodes[i]->stopped)
        continue;
      for (guint j = from[i]; j < nodes[i]->lines->len; j++)
        {
          const char *line = g_ptr_array_index (nodes[i]->lines, j);
          gint64 value;

          if (!g_str_has_prefix (line, "contingency-repaired ms="))
            continue;
          value = g_ascii_strtoll (line + strlen ("contingency-repaired ms="), NULL, 10);
          g_array_append_val (ms, value);
        }
    }
  g_array_sort (ms, compare_i64);
  return ms;
}

static double
percentile_s (GArray *sorted,
              double  p)
{
  if (sorted->len == 0)
    return 0;
  return g_array_index (sorted, gint64, MIN (sorted->len - 1, (guint) (p * sorted->len))) / 1000.0;
}

static guint64
counter (const char *line,
         const char *name)
{
  g_autofree char *key = g_strdup_printf ("\"%s\":", name);
  const char *at = strstr (line, key);

  g_assert_nonnull (at);
  return g_ascii_strtoull (at + strlen (key), NULL, 10);
}

/* Asks each node for its `dht` line, prints them, and returns the share of
 * the connections the nodes offered and set up, beyond each node's first
 * FIRST_CONNECTIONS through hormiguero, that were negotiated through the
 * overlay. Attempts that never connected (to nodes that are gone) are not
 * connections and do not count. */
static double
print_state (const char   *title,
             NodeProcess **nodes,
             guint         n_nodes)
{
  guint64 overlay = 0, server = 0, beyond = 0, signals_server = 0, signals_overlay = 0;
  guint64 forwarded = 0, fallbacks = 0;

  for (guint i = 0; i < n_nodes; i++)
    {
      g_ptr_array_set_size (nodes[i]->lines, 0);
      node_say (nodes[i], "dht");
    }
  for (guint i = 0; i < n_nodes; i++)
    {
      const char *line = node_expect (nodes[i], "dht {");
      guint64 offered = counter (line, "connections_established");
      guint64 offered_overlay = counter (line, "connections_established_overlay");

      g_assert_nonnull (strstr (line, "\"connections\":"));
      g_test_message ("%s: node %u: %s", title, nodes[i]->index, line + strlen ("dht "));
      overlay += offered_overlay;
      server += offered - offered_overlay;
      beyond += offered - offered_overlay - MIN (FIRST_CONNECTIONS, offered - offered_overlay);
      signals_server += counter (line, "signals_server");
      signals_overlay += counter (line, "signals_overlay");
      forwarded += counter (line, "relays_forwarded");
      fallbacks += counter (line, "overlay_fallbacks");
    }
  g_test_message ("%s: connections offered and set up: %" G_GUINT64_FORMAT " through the overlay, %"
                  G_GUINT64_FORMAT " through hormiguero (%" G_GUINT64_FORMAT " beyond each "
                  "node's first %u); %" G_GUINT64_FORMAT " attempts went to hormiguero after the "
                  "overlay failed; signals: %"
                  G_GUINT64_FORMAT " through hormiguero (%.1f per node), %" G_GUINT64_FORMAT
                  " as relays, %" G_GUINT64_FORMAT " relays passed on; overlay share %.3f",
                  title, overlay, server, beyond, FIRST_CONNECTIONS, fallbacks, signals_server,
                  (double) signals_server / n_nodes, signals_overlay, forwarded,
                  overlay + beyond > 0 ? (double) overlay / (double) (overlay + beyond) : 1.0);
  return overlay + beyond > 0 ? (double) overlay / (double) (overlay + beyond) : 1.0;
}

/* @node looks up hormiguero's own node, which every newcomer bootstraps
 * from. */
static void
find_server_node (NodeProcess *node,
                  const char  *server_node)
{
  g_autofree char *find = g_strdup_printf ("find %s", server_node);
  g_autofree char *found = g_strdup_printf ("found %s hops=", server_node);

  g_ptr_array_set_size (node->lines, 0);
  node_say (node, find);
  g_test_message ("node %u: %s", node->index, node_expect (node, found));
}

static void
test_thirty_nodes (void)
{
  const char *server_args[] = { "--node-address=127.0.0.1", NULL };
  HormigaTestServer *server = hormiga_test_server_start (server_args);
  const char *server_node = hormiga_test_server_get_node_id (server);
  const char *url = hormiga_test_server_get_url (server);
  NodeProcess *nodes[N_NODES];
  NodeProcess *left[N_NODES];
  g_autofree char *put = NULL;
  g_autofree char *owner = NULL;
  const char *line;
  guint n_left = 0, stored, records_lost, askers = 0;
  guint repaired_from[N_NODES];
  gint64 start = g_get_monotonic_time ();
  double share;

  /* One after another, each bootstrapping from those before it. */
  for (guint i = 0; i < N_NODES; i++)
    {
      nodes[i] = node_start (url, i);
      line = node_expect (nodes[i], "dht-ready ");
      g_assert_nonnull (nodes[i]->peer_id);
      g_test_message ("node %u %s: %s", i, nodes[i]->peer_id, line);
    }
  g_test_message ("%u nodes joined in %" G_GINT64_FORMAT " ms", N_NODES,
                  (g_get_monotonic_time () - start) / 1000);

  find_all ("all thirty", nodes, N_NODES);
  g_assert_nonnull (server_node);
  find_server_node (nodes[1], server_node);
  find_server_node (nodes[N_NODES - 1], server_node);

  /* Node 0 puts a record; every other node reads it. */
  put = g_strdup_printf ("put greeting %s", GREETING);
  g_ptr_array_set_size (nodes[0]->lines, 0);
  node_say (nodes[0], put);
  line = node_expect (nodes[0], "put greeting stored=");
  stored = (guint) g_ascii_strtoull (line + strlen ("put greeting stored="), NULL, 10);
  g_test_message ("node 0 put its record; %u nodes stored it", stored);
  g_assert_cmpuint (stored, >=, 1);
  owner = g_strdup (nodes[0]->peer_id);
  get_all ("get from the others", owner, "greeting", nodes + 1, N_NODES - 1);
  share = print_state ("thirty nodes", nodes, N_NODES);
  g_assert_cmpfloat (share, >=, MIN_OVERLAY_SHARE);

  /* Every node stores a value its contingents back up. */
  put_values (nodes, N_NODES);
  hormiga_test_pause_ms (REPAIR_INTERVAL_MS);

  /* Ten leave one at a time, a repair interval apart: the record's owner
   * and every third node quit, every third killed, in turns. */
  for (guint i = 0; i < N_NODES; i++)
    repaired_from[i] = nodes[i]->lines->len;
  for (guint i = 0, stopped = 0; stopped < N_STOPPED; i += 3, stopped++)
    {
      if (stopped % 2 == 0)
        node_quit (nodes[i]);
      else
        node_kill (nodes[i]);
      hormiga_test_pause_ms (REPAIR_INTERVAL_MS);
    }
  {
    g_autoptr(GArray) repairs = repair_times (nodes, repaired_from, N_NODES);

    records_lost = 0;
    for (guint i = 0; i < N_NODES; i++)
      if (!nodes[i]->stopped)
        {
          records_lost += values_lost (nodes[i], nodes, N_NODES);
          if (++askers == 2)
            break;
        }
    g_test_message ("{\"records_total\":%u,\"records_lost\":%u,\"repairs\":%u,"
                    "\"repair_s_p50\":%.2f,\"repair_s_p95\":%.2f}",
                    N_NODES, records_lost, repairs->len, percentile_s (repairs, 0.5),
                    percentile_s (repairs, 0.95));
    g_assert_cmpuint (records_lost, ==, 0);
    g_assert_cmpuint (repairs->len, >, 0);
  }
  for (guint i = 0; i < N_NODES; i++)
    if (!nodes[i]->stopped)
      left[n_left++] = nodes[i];
  g_test_message ("%u nodes quit or were killed; %u left", N_STOPPED, n_left);

  find_all ("twenty left", left, n_left);
  find_server_node (left[n_left - 1], server_node);
  get_all ("get after the owner left", owner, "greeting", left, n_left);
  share = print_state ("twenty nodes", left, n_left);
  g_assert_cmpfloat (share, >=, MIN_OVERLAY_SHARE);

  for (guint i = 0; i < n_left; i++)
    node_quit (left[i]);
  for (guint i = 0; i < N_NODES; i++)
    node_free (nodes[i]);
  hormiga_test_server_stop (server);
  g_test_message ("the whole test took %" G_GINT64_FORMAT " ms",
                  (g_get_monotonic_time () - start) / 1000);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* A node that died makes writing to it fail the test with its output,
   * not kill the test silently. */
  signal (SIGPIPE, SIG_IGN);
  g_test_add_func ("/hormiga/dht-network/thirty-nodes", test_thirty_nodes);
  return g_test_run ();
}
