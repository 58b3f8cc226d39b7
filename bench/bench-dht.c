/* bench-dht.c — hormiga-bench dht
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The DHT between real processes on 127.0.0.1: a hormiguero with its
 * embedded node, then --nodes `hormiga-node` processes (k = --k, 4 by
 * default as in tests/test-dht-network.c, so lookups take several hops),
 * joining one after another, each once the one before it printed
 * `dht-ready`. They are driven through their stdin, one command at a time
 * in the whole network, each timed from writing it to reading its answer:
 *   join_ms           start of the process to `dht-ready`
 *   lookup_ms         `find` from a random node for a random other one
 *   put_ms            `put` of a new record from a random node
 * then, from every node's `dht` line (after the joins, and at the end):
 *   server_signals_per_join  signals the nodes sent through hormiguero, per node
 *   overlay_share     of the connections the nodes set up beyond their first
 *                     three through hormiguero, the share negotiated through
 *                     the overlay (as tests/test-dht-network.c counts it)
 *   connections_per_lookup   connections the nodes set up during the lookups,
 *                     per lookup
 * from hormiguero's /metrics: server_forwarded_per_join, every signal it
 * passed on (its own node's included), per node; and from /proc: the
 * memory of the nodes and of hormiguero at the end, and their CPU while
 * nobody asks anything for --idle-seconds.
 *
 * Baseline, in the same run: a `find` for a peer the asker is connected to
 * and has among its contacts: a random pair whose untimed `find` said
 * "hops=1" (the peer was asked directly) is timed on a second `find`, so
 * the peer and the others the lookup asks have just answered over open
 * data channels: the cost of the requests and answers alone, with no
 * connection to set up and no hop to discover.
 *
 * Newcomers, after the puts: --newcomers client-mode nodes without
 * contingents join one at a time, each times its first `find` (of a random
 * node of the network) and leaves; every other one runs with
 * `--proxy-below 0`, so half send that lookup through their lookup proxy
 * (the peer they bootstrapped through) and half run it themselves:
 *   newcomer_first_lookup_ms   p50 of each half, side by side
 *   newcomer_lookups_proxied   lookups the proxied half sent to a proxy
 *                              (their bootstrap and their find each)
 *
 * Lookups are not warmed up unless --warmup says so: a node opens the
 * connections a lookup needs (through the overlay) as it goes, and the
 * timed lookups pay for that; connections_per_lookup says how often.
 */
#include <errno.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <signal.h>
#include <stdio.h>

#include "bench-util.h"
#include "hormiga-bench.h"

/* Longest wait for one process or one answer. */
#define STEP_TIMEOUT_S 60.0
/* Connections a node negotiates through hormiguero before the overlay is
 * expected to take over (its bootstrap contacts): as in the test. */
#define FIRST_CONNECTIONS 3
#define BASELINE_FINDS 100

typedef struct
{
  char  *text;
  gint64 at;       /* monotonic µs it was read */
} Line;

typedef struct
{
  guint             index;
  char             *name;      /* "hormiguero", "node 3" */
  GSubprocess      *process;
  const char       *pid;
  GDataInputStream *out;
  GOutputStream    *in;
  GPtrArray        *lines;     /* Line */
  GCancellable     *cancellable;
  char             *dir;
  char             *peer_id;
  gboolean          eof;
} Proc;

/* Sums over the nodes' `dht` lines. */
typedef struct
{
  guint64 signals_server;
  guint64 established;
  guint64 overlay;
  guint64 beyond;   /* through hormiguero, beyond each node's first FIRST_CONNECTIONS */
} Counters;

typedef struct
{
  GRand      *rand;
  char       *node_program;
  char       *url;
  char       *base_dir;
  guint16     port;
  int         k;
  gboolean    verbose;
  Proc       *server;
  GPtrArray  *nodes;       /* Proc */
} Bench;

static void
line_free (gpointer data)
{
  Line *line = data;

  g_free (line->text);
  g_free (line);
}

/* ---- processes ------------------------------------------------------------- */

static void read_next (Proc *proc);

static void
on_line (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Proc *proc = user_data;
  gint64 now = g_get_monotonic_time ();
  g_autoptr(GError) error = NULL;
  char *text = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), result,
                                                          NULL, &error);
  Line *line;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (text == NULL)
    {
      proc->eof = TRUE;
      return;
    }
  if (proc->peer_id == NULL && g_str_has_prefix (text, "peer-id "))
    proc->peer_id = g_strdup (text + strlen ("peer-id "));
  line = g_new0 (Line, 1);
  line->text = text;
  line->at = now;
  g_ptr_array_add (proc->lines, line);
  read_next (proc);
}

static void
read_next (Proc *proc)
{
  g_data_input_stream_read_line_async (proc->out, G_PRIORITY_DEFAULT, proc->cancellable, on_line,
                                       proc);
}

static Proc *
proc_spawn (const char * const *argv,
            const char         *name,
            guint               index,
            char               *dir,
            GError            **error)
{
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDIN_PIPE);
  GSubprocess *process;
  Proc *proc;

  g_subprocess_launcher_set_child_setup (launcher, hormiga_bench_die_with_parent, NULL, NULL);
  process = g_subprocess_launcher_spawnv (launcher, argv, error);
  if (process == NULL)
    return NULL;
  proc = g_new0 (Proc, 1);
  proc->index = index;
  proc->name = g_strdup (name);
  proc->process = process;
  proc->pid = g_subprocess_get_identifier (process);
  proc->dir = dir;
  proc->lines = g_ptr_array_new_with_free_func (line_free);
  proc->cancellable = g_cancellable_new ();
  proc->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  proc->in = g_subprocess_get_stdin_pipe (process);
  read_next (proc);
  return proc;
}

static void
remove_dir (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        remove_dir (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

static gboolean
proc_ended (gpointer data)
{
  return ((Proc *) data)->eof;
}

/* Waits up to @seconds for @proc to close its output, then kills it if
 * need be, and reaps it. */
static void
proc_reap (Proc  *proc,
           double seconds)
{
  hormiga_bench_wait (proc_ended, proc, seconds);
  if (!proc->eof)
    {
      g_printerr ("hormiga-bench dht: %s (process %s) did not end; killing it\n", proc->name,
                  proc->pid);
      g_subprocess_force_exit (proc->process);
    }
  g_subprocess_wait (proc->process, NULL, NULL);
}

static void
proc_free (Proc *proc)
{
  g_cancellable_cancel (proc->cancellable);
  g_object_unref (proc->cancellable);
  g_object_unref (proc->out);
  g_object_unref (proc->process);
  g_ptr_array_unref (proc->lines);
  if (proc->dir != NULL)
    remove_dir (proc->dir);
  g_free (proc->dir);
  g_free (proc->peer_id);
  g_free (proc->name);
  g_free (proc);
}

/* Writes @command and a newline; returns the monotonic µs just before. */
static gint64
proc_say (Proc       *proc,
          const char *command)
{
  g_autofree char *text = g_strconcat (command, "\n", NULL);
  gint64 start = g_get_monotonic_time ();

  if (!g_output_stream_write_all (proc->in, text, strlen (text), NULL, NULL, NULL))
    g_printerr ("hormiga-bench dht: node %u does not read its input\n", proc->index);
  return start;
}

typedef struct
{
  Proc       *proc;
  const char *prefixes[3];
} LineWait;

static const Line *
proc_find_line (Proc               *proc,
                const char * const *prefixes)
{
  for (guint i = 0; i < proc->lines->len; i++)
    {
      const Line *line = g_ptr_array_index (proc->lines, i);

      for (guint p = 0; prefixes[p] != NULL; p++)
        if (g_str_has_prefix (line->text, prefixes[p]))
          return line;
    }
  return NULL;
}

static gboolean
has_line (gpointer data)
{
  LineWait *wait = data;

  return proc_find_line (wait->proc, wait->prefixes) != NULL || wait->proc->eof;
}

/* The first line since the last proc_forget() starting with @a or @b (may
 * be NULL), waiting for it up to STEP_TIMEOUT_S; NULL if none came. */
static const Line *
proc_expect (Proc       *proc,
             const char *a,
             const char *b)
{
  LineWait wait = { proc, { a, b, NULL } };

  hormiga_bench_wait (has_line, &wait, STEP_TIMEOUT_S);
  return proc_find_line (proc, wait.prefixes);
}

static void
proc_forget (Proc *proc)
{
  g_ptr_array_set_size (proc->lines, 0);
}

static void
proc_dump (Proc *proc)
{
  g_printerr ("hormiga-bench dht: %s (process %s) printed:\n", proc->name, proc->pid);
  for (guint i = 0; i < proc->lines->len; i++)
    g_printerr ("  %s\n", ((const Line *) g_ptr_array_index (proc->lines, i))->text);
}

/* ---- hormiguero and the nodes ------------------------------------------------ */

static gboolean
server_start (Bench   *bench,
              GError **error)
{
  g_autofree char *hormiguero = hormiga_bench_find_hormiguero ();
  const char *argv[] = { hormiguero, "--listen", "127.0.0.1:0", "--node-address=127.0.0.1", NULL };
  const char *prefix = "hormiguero listening on ";
  const Line *line;
  g_autoptr(GUri) uri = NULL;

  if (hormiguero == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "cannot find hormiguero; set HORMIGUERO");
      return FALSE;
    }
  bench->server = proc_spawn (argv, "hormiguero", 0, NULL, error);
  if (bench->server == NULL)
    return FALSE;
  /* Its first line, then the health line, then `node: PEERID`. */
  line = proc_expect (bench->server, "node: ", NULL);
  if (line == NULL || bench->server->lines->len < 3 ||
      !g_str_has_prefix (((const Line *) g_ptr_array_index (bench->server->lines, 0))->text, prefix))
    {
      proc_dump (bench->server);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "hormiguero did not start with its node");
      return FALSE;
    }
  bench->url = g_strdup (((const Line *) g_ptr_array_index (bench->server->lines, 0))->text +
                         strlen (prefix));
  bench->server->peer_id = g_strdup (line->text + strlen ("node: "));
  uri = g_uri_parse (bench->url, G_URI_FLAGS_NONE, error);
  if (uri == NULL)
    return FALSE;
  bench->port = (guint16) g_uri_get_port (uri);
  proc_forget (bench->server);
  return TRUE;
}

/* Starts node @index and waits for its `dht-ready`; @join_ms: how long
 * that took from the start of the process. */
static gboolean
node_join (Bench   *bench,
           guint    index,
           double  *join_ms,
           GError **error)
{
  char *dir = g_build_filename (bench->base_dir, "node-XXXXXX", NULL);
  g_autofree char *k = g_strdup_printf ("%d", bench->k);
  const char *argv[] = { bench->node_program, "--data-dir", dir, "--server", bench->url,
                         "--ice-address", "127.0.0.1", "--dht-k", k, "run", NULL };
  g_autofree char *name = g_strdup_printf ("node %u", index);
  gint64 start = g_get_monotonic_time ();
  const Line *line;
  Proc *node;

  if (g_mkdtemp (dir) == NULL)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "cannot create %s: %s", dir,
                   g_strerror (errno));
      g_free (dir);
      return FALSE;
    }
  node = proc_spawn (argv, name, index, dir, error);
  if (node == NULL)
    {
      remove_dir (dir);
      g_free (dir);
      return FALSE;
    }
  g_ptr_array_add (bench->nodes, node);
  line = proc_expect (node, "dht-ready ", NULL);
  if (line == NULL || node->peer_id == NULL)
    {
      proc_dump (node);
      if (node->eof)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                     "node %u (%s) ended before it joined the DHT", index, bench->node_program);
      else
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                     "node %u (%s) did not join the DHT within %.0f s", index,
                     node->peer_id ? node->peer_id : "no PeerID", STEP_TIMEOUT_S);
      return FALSE;
    }
  *join_ms = (line->at - start) / 1000.0;
  return TRUE;
}

static Proc *
node_at (Bench *bench,
         guint  index)
{
  return g_ptr_array_index (bench->nodes, index);
}

/* Two different random nodes. */
static void
pick_pair (Bench  *bench,
           Proc  **a,
           Proc  **b)
{
  guint n = bench->nodes->len;
  guint i = (guint) g_rand_int_range (bench->rand, 0, (gint32) n);
  guint j = (i + 1 + (guint) g_rand_int_range (bench->rand, 0, (gint32) n - 1)) % n;

  *a = node_at (bench, i);
  *b = node_at (bench, j);
}

/* `find` of @target's PeerID from @asker, timed; FALSE if not found (or no
 * answer within STEP_TIMEOUT_S). */
static gboolean
timed_find (Bench  *bench,
            Proc   *asker,
            Proc   *target,
            double *ms,
            guint  *hops)
{
  g_autofree char *command = g_strdup_printf ("find %s", target->peer_id);
  g_autofree char *found = g_strdup_printf ("found %s hops=", target->peer_id);
  g_autofree char *missed = g_strdup_printf ("not-found %s", target->peer_id);
  const Line *line;
  gint64 start;

  proc_forget (asker);
  start = proc_say (asker, command);
  line = proc_expect (asker, found, missed);
  *ms = line != NULL ? (line->at - start) / 1000.0 : STEP_TIMEOUT_S * 1000;
  if (line == NULL || !g_str_has_prefix (line->text, found))
    return FALSE;
  *hops = (guint) g_ascii_strtoull (line->text + strlen (found), NULL, 10);
  if (bench->verbose)
    g_printerr ("hormiga-bench dht: node %u found node %u in %.2f ms, %u hops\n", asker->index,
                target->index, *ms, *hops);
  return TRUE;
}

static guint64
counter (const char *line,
         const char *name)
{
  g_autofree char *key = g_strdup_printf ("\"%s\":", name);
  const char *at = strstr (line, key);

  return at != NULL ? g_ascii_strtoull (at + strlen (key), NULL, 10) : 0;
}

/* Every node's `dht` line, summed as tests/test-dht-network.c does. */
static gboolean
read_counters (Bench    *bench,
               Counters *sums)
{
  memset (sums, 0, sizeof *sums);
  for (guint i = 0; i < bench->nodes->len; i++)
    {
      proc_forget (node_at (bench, i));
      proc_say (node_at (bench, i), "dht");
    }
  for (guint i = 0; i < bench->nodes->len; i++)
    {
      const Line *line = proc_expect (node_at (bench, i), "dht {", NULL);
      guint64 established, overlay, server;

      if (line == NULL)
        {
          g_printerr ("hormiga-bench dht: node %u did not answer `dht`\n", i);
          return FALSE;
        }
      established = counter (line->text, "connections_established");
      overlay = counter (line->text, "connections_established_overlay");
      server = established - MIN (overlay, established);
      sums->established += established;
      sums->overlay += overlay;
      sums->beyond += server - MIN (FIRST_CONNECTIONS, server);
      sums->signals_server += counter (line->text, "signals_server");
    }
  return TRUE;
}

static double
overlay_share (const Counters *sums)
{
  return sums->overlay + sums->beyond > 0
           ? (double) sums->overlay / (double) (sums->overlay + sums->beyond)
           : 1.0;
}

/* A counter of hormiguero's /metrics; 0 if it cannot be read. */
static guint64
server_metric (Bench      *bench,
               const char *name)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u/metrics", bench->port);
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

static gboolean
never (gpointer data)
{
  return FALSE;
}

/* Asks every node to quit, then hormiguero; kills what does not end. */
static void
bench_stop (Bench *bench)
{
  for (guint i = 0; i < bench->nodes->len; i++)
    if (!node_at (bench, i)->eof)
      proc_say (node_at (bench, i), "quit");
  for (guint i = 0; i < bench->nodes->len; i++)
    proc_reap (node_at (bench, i), 10);
  if (bench->server != NULL)
    {
      g_subprocess_send_signal (bench->server->process, SIGTERM);
      proc_reap (bench->server, 5);
    }
  g_ptr_array_set_size (bench->nodes, 0);
  g_clear_pointer (&bench->server, proc_free);
  if (bench->base_dir != NULL)
    remove_dir (bench->base_dir);
}

/* A newcomer joins, times its first `find` of a random node of the
 * network, reads its `dht` line and leaves. @proxy_below: its
 * --proxy-below ("0": it runs its lookups itself). */
static gboolean
newcomer_find (Bench      *bench,
               guint       index,
               const char *proxy_below,
               double     *ms,
               guint64    *proxied)
{
  char *dir = g_build_filename (bench->base_dir, "newcomer-XXXXXX", NULL);
  g_autofree char *k = g_strdup_printf ("%d", bench->k);
  const char *argv[] = { bench->node_program, "--data-dir", dir, "--server", bench->url,
                         "--ice-address", "127.0.0.1", "--dht-k", k, "--client-mode",
                         "--contingents", "0", "--proxy-below", proxy_below, "run", NULL };
  g_autofree char *name = g_strdup_printf ("newcomer %u", index);
  g_autoptr(GError) error = NULL;
  const Line *line;
  gboolean found = FALSE;
  guint hops = 0;
  Proc *node;

  if (g_mkdtemp (dir) == NULL)
    {
      g_printerr ("hormiga-bench dht: cannot create %s: %s\n", dir, g_strerror (errno));
      g_free (dir);
      return FALSE;
    }
  node = proc_spawn (argv, name, index, dir, &error);
  if (node == NULL)
    {
      g_printerr ("hormiga-bench dht: %s\n", error->message);
      remove_dir (dir);
      g_free (dir);
      return FALSE;
    }
  line = proc_expect (node, "dht-ready ", NULL);
  if (line != NULL && node->peer_id != NULL)
    {
      Proc *target = node_at (bench, (guint) g_rand_int_range (bench->rand, 0,
                                                               (gint32) bench->nodes->len));

      found = timed_find (bench, node, target, ms, &hops);
      proc_forget (node);
      proc_say (node, "dht");
      line = proc_expect (node, "dht {", NULL);
      *proxied = line != NULL ? counter (line->text, "lookups_proxied") : 0;
    }
  else
    proc_dump (node);
  proc_say (node, "quit");
  proc_reap (node, 10);
  proc_free (node);
  return found;
}

/* ---- the benchmark --------------------------------------------------------------- */

int
hormiga_bench_dht (int    argc,
                   char **argv)
{
  int n_nodes = 30, lookups = 300, puts = 30, idle_seconds = 10, k = 4, warmup = 0, newcomers = 20;
  gint64 seed = 0;
  g_autoptr(GOptionContext) options = g_option_context_new ("— the DHT between node processes");
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) join_ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) lookup_ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) lookup_hops = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) put_ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) put_stored = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) base_ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) base_hops = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) cpu_before = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) newcomer_proxy_ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) newcomer_own_ms = g_array_new (FALSE, FALSE, sizeof (double));
  guint64 newcomer_proxied = 0;
  Bench bench = { 0 };
  Counters joined, after_lookups, end;
  guint found = 0, stored_ok = 0, base_found = 0;
  double rss = 0, idle_cpu = 0, server_cpu_before, server_idle_cpu, server_rss;
  guint64 forwarded_at_join, forwarded;
  gint64 start = g_get_monotonic_time (), phase;
  int status = 1;
  GOptionEntry entries[] = {
    { "nodes", 'n', 0, G_OPTION_ARG_INT, &n_nodes, "hormiga-node processes (default 30)", "N" },
    { "lookups", 'l', 0, G_OPTION_ARG_INT, &lookups, "Timed lookups (default 300)", "L" },
    { "puts", 'p', 0, G_OPTION_ARG_INT, &puts, "Timed puts (default 30)", "P" },
    { "idle-seconds", 's', 0, G_OPTION_ARG_INT, &idle_seconds,
      "Seconds without commands for the idle CPU (default 10)", "S" },
    { "k", 'k', 0, G_OPTION_ARG_INT, &k, "The nodes' --dht-k (default 4, as the network test)", "K" },
    { "newcomers", 0, 0, G_OPTION_ARG_INT, &newcomers,
      "Nodes that join, time their first lookup and leave; half through a lookup proxy "
      "(default 20)", "N" },
    { "warmup", 'w', 0, G_OPTION_ARG_INT, &warmup,
      "Untimed lookups per node before the timed ones (default 0)", "W" },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &bench.verbose,
      "Print every timed find and put on stderr", NULL },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, "Seed for the random pairs (default: random)", "S" },
    { NULL }
  };

  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error))
    {
      g_printerr ("hormiga-bench dht: %s\n", error->message);
      return 2;
    }
  if (n_nodes < 2 || lookups < 1 || puts < 1 || idle_seconds < 1 || k < 1 || k > 20 || warmup < 0 ||
      newcomers < 0)
    {
      g_printerr ("hormiga-bench dht: --nodes takes at least 2, --lookups, --puts and "
                  "--idle-seconds at least 1, --k 1 to 20, --warmup and --newcomers 0 or more\n");
      return 2;
    }
  if (seed == 0)
    seed = g_get_real_time ();
  /* A node that died must not take the bench with it when told something. */
  signal (SIGPIPE, SIG_IGN);

  bench.k = k;
  bench.rand = g_rand_new_with_seed ((guint32) seed);
  bench.nodes = g_ptr_array_new_with_free_func ((GDestroyNotify) proc_free);
  bench.node_program = hormiga_bench_find_hormiga_node ();
  if (bench.node_program == NULL)
    {
      g_printerr ("hormiga-bench dht: cannot find hormiga-node; set HORMIGA_NODE\n");
      goto out;
    }
  bench.base_dir = g_dir_make_tmp ("hormiga-bench-dht-XXXXXX", &error);
  if (bench.base_dir == NULL)
    {
      g_printerr ("hormiga-bench dht: %s\n", error->message);
      goto out;
    }
  if (!server_start (&bench, &error))
    {
      g_printerr ("hormiga-bench dht: %s\n", error->message);
      goto out;
    }

  /* Joins, one after another. */
  phase = g_get_monotonic_time ();
  for (int i = 0; i < n_nodes; i++)
    {
      double ms;

      if (!node_join (&bench, (guint) i, &ms, &error))
        {
          g_printerr ("hormiga-bench dht: %s\n", error->message);
          goto out;
        }
      g_array_append_val (join_ms, ms);
    }
  g_printerr ("hormiga-bench dht: %d nodes joined in %.1f s\n", n_nodes,
              (g_get_monotonic_time () - phase) / (double) G_USEC_PER_SEC);
  if (!read_counters (&bench, &joined))
    goto out;
  forwarded_at_join = server_metric (&bench, "hormiguero_signals_forwarded_total");

  /* Warm-up: each node looks up --warmup others, all at once. */
  for (guint i = 0; i < bench.nodes->len && warmup > 0; i++)
    {
      Proc *asker = node_at (&bench, i);

      proc_forget (asker);
      for (int w = 0; w < warmup; w++)
        {
          Proc *target = node_at (&bench, (i + 1 + (guint) w) % bench.nodes->len);
          g_autofree char *command = g_strdup_printf ("find %s", target->peer_id);

          proc_say (asker, command);
        }
      for (int w = 0; w < warmup; w++)
        {
          Proc *target = node_at (&bench, (i + 1 + (guint) w) % bench.nodes->len);
          g_autofree char *found_prefix = g_strdup_printf ("found %s ", target->peer_id);
          g_autofree char *missed = g_strdup_printf ("not-found %s", target->peer_id);

          proc_expect (asker, found_prefix, missed);
        }
    }

  /* Lookups, one at a time. */
  phase = g_get_monotonic_time ();
  for (int i = 0; i < lookups; i++)
    {
      Proc *asker, *target;
      double ms;
      guint hops = 0;

      pick_pair (&bench, &asker, &target);
      if (timed_find (&bench, asker, target, &ms, &hops))
        {
          double h = hops;

          found++;
          g_array_append_val (lookup_ms, ms);
          g_array_append_val (lookup_hops, h);
        }
      else
        g_printerr ("hormiga-bench dht: node %u did not find node %u\n", asker->index,
                    target->index);
    }
  g_printerr ("hormiga-bench dht: %u of %d lookups found their node in %.1f s\n", found, lookups,
              (g_get_monotonic_time () - phase) / (double) G_USEC_PER_SEC);
  if (!read_counters (&bench, &after_lookups))
    goto out;

  /* Puts, one at a time, each of a new record. */
  phase = g_get_monotonic_time ();
  for (int i = 0; i < puts; i++)
    {
      Proc *owner = node_at (&bench, (guint) g_rand_int_range (bench.rand, 0, n_nodes));
      g_autofree char *command = g_strdup_printf ("put bench-%d value-%d-%08x", i, i,
                                                  g_rand_int (bench.rand));
      g_autofree char *answer = g_strdup_printf ("put bench-%d stored=", i);
      const Line *line;
      gint64 sent;

      proc_forget (owner);
      sent = proc_say (owner, command);
      line = proc_expect (owner, answer, "error: ");
      if (line != NULL && g_str_has_prefix (line->text, answer))
        {
          double ms = (line->at - sent) / 1000.0;
          double stored = (double) g_ascii_strtoull (line->text + strlen (answer), NULL, 10);

          stored_ok += stored > 0;
          if (bench.verbose)
            g_printerr ("hormiga-bench dht: node %u put a record in %.2f ms, %.0f stored it\n",
                        owner->index, ms, stored);
          g_array_append_val (put_ms, ms);
          g_array_append_val (put_stored, stored);
        }
      else
        g_printerr ("hormiga-bench dht: node %u: no answer to `%s`%s%s\n", owner->index, command,
                    line ? ": " : "", line ? line->text : "");
    }
  g_printerr ("hormiga-bench dht: %d puts in %.1f s\n", puts,
              (g_get_monotonic_time () - phase) / (double) G_USEC_PER_SEC);

  /* Newcomers: the first lookup of a node that just joined, through its
   * proxy or by itself, in turns. */
  phase = g_get_monotonic_time ();
  for (int i = 0; i < newcomers; i++)
    {
      gboolean through_proxy = i % 2 == 0;
      guint64 proxied = 0;
      double ms;

      if (newcomer_find (&bench, (guint) (n_nodes + i), through_proxy ? "3" : "0", &ms, &proxied))
        g_array_append_val (through_proxy ? newcomer_proxy_ms : newcomer_own_ms, ms);
      else
        g_printerr ("hormiga-bench dht: newcomer %d did not find its node\n", i);
      if (through_proxy)
        newcomer_proxied += proxied;
    }
  if (newcomers > 0)
    g_printerr ("hormiga-bench dht: %d newcomers in %.1f s\n", newcomers,
                (g_get_monotonic_time () - phase) / (double) G_USEC_PER_SEC);

  /* Baseline: a find of a peer just found, over open connections. */
  for (int i = 0, tries = 0; i < BASELINE_FINDS && tries < 20 * BASELINE_FINDS; tries++)
    {
      Proc *asker, *target;
      double ms;
      guint hops = 0;

      pick_pair (&bench, &asker, &target);
      /* Untimed: connects (if need be) and tells whether @target is one
       * of @asker's contacts, asked directly (1 hop); if not, another
       * pair is drawn. */
      if (!timed_find (&bench, asker, target, &ms, &hops) || hops != 1)
        continue;
      i++;
      if (timed_find (&bench, asker, target, &ms, &hops))
        {
          double h = hops;

          base_found++;
          g_array_append_val (base_ms, ms);
          g_array_append_val (base_hops, h);
        }
    }

  if (!read_counters (&bench, &end))
    goto out;
  forwarded = server_metric (&bench, "hormiguero_signals_forwarded_total");

  /* Idle: nobody asks anything for --idle-seconds. */
  for (guint i = 0; i < bench.nodes->len; i++)
    {
      double cpu = hormiga_bench_process_cpu_seconds (node_at (&bench, i)->pid);

      g_array_append_val (cpu_before, cpu);
    }
  server_cpu_before = hormiga_bench_process_cpu_seconds (bench.server->pid);
  phase = g_get_monotonic_time ();
  hormiga_bench_wait (never, NULL, idle_seconds);
  {
    double seconds = (g_get_monotonic_time () - phase) / (double) G_USEC_PER_SEC;

    for (guint i = 0; i < bench.nodes->len; i++)
      {
        const char *pid = node_at (&bench, i)->pid;

        idle_cpu += (hormiga_bench_process_cpu_seconds (pid) - g_array_index (cpu_before, double, i)) /
                    seconds * 100;
        rss += hormiga_bench_process_rss_mb (pid);
      }
    server_idle_cpu = (hormiga_bench_process_cpu_seconds (bench.server->pid) - server_cpu_before) /
                      seconds * 100;
    server_rss = hormiga_bench_process_rss_mb (bench.server->pid);
  }

  {
    double lookup_p50 = hormiga_bench_percentile (lookup_ms, 0.5);
    double base_p50 = hormiga_bench_percentile (base_ms, 0.5);

    printf ("{\"bench\":\"dht\",\"nodes\":%d,\"k\":%d,\"lookups\":%d,\"puts\":%d,"
            "\"warmup_lookups_per_node\":%d,\"idle_seconds\":%d,\"seed\":%" G_GINT64_FORMAT ","
            "\"join_ms_p50\":%.1f,\"join_ms_p95\":%.1f,\"join_ms_max\":%.1f,"
            "\"lookup_ms_p50\":%.2f,\"lookup_ms_p95\":%.2f,\"lookup_success_rate\":%.3f,"
            "\"lookup_hops_p50\":%.0f,\"lookup_hops_max\":%.0f,"
            "\"connections_per_lookup\":%.2f,"
            "\"put_ms_p50\":%.2f,\"put_ms_p95\":%.2f,\"put_stored_p50\":%.0f,"
            "\"put_success_rate\":%.3f,"
            "\"server_signals_per_join\":%.1f,\"server_signals_per_join_at_join\":%.1f,"
            "\"server_forwarded_per_join\":%.1f,\"server_forwarded_per_join_at_join\":%.1f,"
            "\"overlay_share\":%.3f,\"overlay_share_at_join\":%.3f,"
            "\"connections_established\":%" G_GUINT64_FORMAT ",\"connections_overlay\":%"
            G_GUINT64_FORMAT ",\"connections_server_beyond_first\":%" G_GUINT64_FORMAT ","
            "\"rss_mb_per_node\":%.1f,\"idle_cpu_pct_per_node\":%.2f,"
            "\"server_rss_mb\":%.1f,\"server_idle_cpu_pct\":%.2f,\"wall_s\":%.1f,"
            "\"baseline\":{\"kind\":\"find-of-a-connected-peer\",\"finds\":%d,"
            "\"ms_p50\":%.2f,\"ms_p95\":%.2f,\"hops_p50\":%.0f,\"success_rate\":%.3f},"
            "\"ratio_to_baseline\":%.2f,"
            "\"newcomers\":%d,\"newcomer_first_lookup_ms_p50\":{\"proxy\":%.2f,\"own\":%.2f},"
            "\"newcomer_first_lookup_ms_p95\":{\"proxy\":%.2f,\"own\":%.2f},"
            "\"newcomer_lookups_proxied\":%" G_GUINT64_FORMAT "}\n",
            n_nodes, k, lookups, puts, warmup, idle_seconds, seed,
            hormiga_bench_percentile (join_ms, 0.5), hormiga_bench_percentile (join_ms, 0.95),
            hormiga_bench_percentile (join_ms, 1.0),
            lookup_p50, hormiga_bench_percentile (lookup_ms, 0.95), (double) found / lookups,
            hormiga_bench_percentile (lookup_hops, 0.5), hormiga_bench_percentile (lookup_hops, 1.0),
            (double) (after_lookups.established - joined.established) / lookups,
            hormiga_bench_percentile (put_ms, 0.5), hormiga_bench_percentile (put_ms, 0.95),
            hormiga_bench_percentile (put_stored, 0.5), (double) stored_ok / puts,
            (double) end.signals_server / n_nodes, (double) joined.signals_server / n_nodes,
            (double) forwarded / n_nodes, (double) forwarded_at_join / n_nodes,
            overlay_share (&end), overlay_share (&joined),
            end.established, end.overlay, end.beyond,
            rss / n_nodes, idle_cpu / n_nodes, server_rss, server_idle_cpu,
            (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC,
            BASELINE_FINDS, base_p50, hormiga_bench_percentile (base_ms, 0.95),
            hormiga_bench_percentile (base_hops, 0.5), (double) base_found / BASELINE_FINDS,
            base_p50 > 0 ? lookup_p50 / base_p50 : 0.0,
            newcomers, hormiga_bench_percentile (newcomer_proxy_ms, 0.5),
            hormiga_bench_percentile (newcomer_own_ms, 0.5),
            hormiga_bench_percentile (newcomer_proxy_ms, 0.95),
            hormiga_bench_percentile (newcomer_own_ms, 0.95), newcomer_proxied);
    fflush (stdout);
  }
  status = 0;

out:
  bench_stop (&bench);
  g_ptr_array_unref (bench.nodes);
  g_rand_free (bench.rand);
  g_free (bench.node_program);
  g_free (bench.url);
  g_free (bench.base_dir);
  return status;
}
