/* bench-transfer.c — hormiga-bench transfer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * File sharing between `hormiga-node run` processes on 127.0.0.1 that meet
 * through a real hormiguero (--no-node: they bootstrap from each other),
 * driven through their stdin as a person would drive them. A random file
 * of --megabytes MiB is shared by node A (`share PATH`) and fetched by
 * node B (`get LINK DIR`):
 *   seconds, mb_per_s   from writing `get` to reading `downloaded`: finding
 *                       the provider, the manifest, every chunk and the
 *                       final whole-file check
 *   lookup_s            from `get` to B's first received bytes (B's
 *                       `transfers` is polled every POLL_MS)
 *   transfer_s, transfer_mb_per_s   from there to `downloaded`
 *   verify_s            from B's first `verifying` to `downloaded`
 *   cpu_s_per_gb        CPU seconds of A and B together (/proc), per GB
 * and the SHA-256 of what arrived against the original. Baseline, in the
 * same run: the same file copied through a TCP connection on 127.0.0.1 to
 * a thread that writes it to disk (tcp_mb_per_s).
 *
 * Then one downloader and several providers: B fetches a file of
 * --providers-test-megabytes MiB shared by A alone (mb_per_s_1), then
 * another one shared by A, C and D, each from its own copy (mb_per_s_3),
 * with the chunks each provider sent (chunks_1, chunks_3).
 *
 * Sizes are in MiB (1,048,576 bytes); speeds in MB (10⁶ bytes) per second.
 */
#include <errno.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <stdio.h>

#include "bench-util.h"
#include "hormiga-bench.h"

#define STEP_TIMEOUT_S 60.0
#define POLL_MS        100
#define MIB            (1024 * 1024)

typedef struct
{
  char  *text;
  gint64 at;        /* monotonic µs it was read */
} Line;

typedef struct _Download Download;

typedef struct
{
  char             *name;      /* "hormiguero", "node A" */
  GSubprocess      *process;
  const char       *pid;
  GDataInputStream *out;
  GOutputStream    *in;
  GPtrArray        *lines;     /* Line */
  guint             next;      /* lines before it were matched or skipped */
  GCancellable     *cancellable;
  char             *dir;
  char             *peer_id;
  gboolean          eof;
  Download         *watch;     /* a download whose `transfers` lines to read */
} Proc;

/* What polling `transfers` tells of one download. */
struct _Download
{
  const char *cid;
  gint64      first_bytes_at;  /* monotonic µs; 0 until seen */
  gint64      verifying_at;
};

typedef struct
{
  char      *base_dir;
  char      *node_program;
  char      *url;
  Proc      *server;
  GPtrArray *nodes;            /* Proc */
} Bench;

static void
line_free (gpointer data)
{
  Line *line = data;

  g_free (line->text);
  g_free (line);
}

/* ---- processes -------------------------------------------------------------- */

static void read_next (Proc *proc);

/* The `transfers` line @text: the first time @download shows received
 * bytes, and the first time it shows state verifying. */
static void
watch_transfers (Download   *download,
                 const char *text,
                 gint64      at)
{
  g_autofree char *key = g_strdup_printf ("{\"cid\":\"%s\"", download->cid);
  const char *object = strstr (text, key);
  const char *end, *state, *received;

  if (object == NULL)
    return;
  end = strstr (object + 1, "{\"cid\":");
  state = strstr (object, "\"state\":\"");
  received = strstr (object, "\"received\":");
  if (state != NULL && (end == NULL || state < end) && download->verifying_at == 0 &&
      (g_str_has_prefix (state + strlen ("\"state\":\""), "verifying") ||
       g_str_has_prefix (state + strlen ("\"state\":\""), "done")))
    download->verifying_at = at;
  if (received != NULL && (end == NULL || received < end) && download->first_bytes_at == 0 &&
      g_ascii_strtoull (received + strlen ("\"received\":"), NULL, 10) > 0)
    download->first_bytes_at = at;
}

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
  if (g_str_has_prefix (text, "transfers "))
    {
      /* Polling answers are read here and not kept. */
      if (proc->watch != NULL)
        watch_transfers (proc->watch, text, now);
      g_free (text);
      read_next (proc);
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

static gboolean
proc_ended (gpointer data)
{
  return ((Proc *) data)->eof;
}

/* Tells @proc to quit (a node) or kills it (hormiguero), waits for it, and
 * frees it. */
static void
proc_stop (Proc *proc)
{
  if (proc == NULL)
    return;
  if (proc->dir != NULL)
    {
      g_output_stream_write_all (proc->in, "quit\n", 5, NULL, NULL, NULL);
      hormiga_bench_wait (proc_ended, proc, 10);
    }
  if (!proc->eof)
    g_subprocess_force_exit (proc->process);
  g_subprocess_wait (proc->process, NULL, NULL);
  g_cancellable_cancel (proc->cancellable);
  g_object_unref (proc->cancellable);
  g_object_unref (proc->out);
  g_object_unref (proc->process);
  g_ptr_array_unref (proc->lines);
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
    g_printerr ("hormiga-bench transfer: %s does not read its input\n", proc->name);
  return start;
}

typedef struct
{
  Proc       *proc;
  const char *prefixes[3];
  const Line *found;
} LineWait;

static gboolean
has_line (gpointer data)
{
  LineWait *wait = data;

  for (guint i = wait->proc->next; i < wait->proc->lines->len && wait->found == NULL; i++)
    {
      const Line *line = g_ptr_array_index (wait->proc->lines, i);

      for (guint p = 0; wait->prefixes[p] != NULL; p++)
        if (g_str_has_prefix (line->text, wait->prefixes[p]))
          {
            wait->found = line;
            wait->proc->next = i + 1;
            break;
          }
    }
  return wait->found != NULL || wait->proc->eof;
}

/* The next line of @proc starting with @a or @b (may be NULL), waiting up
 * to @seconds; the lines before it are skipped. NULL if none came. */
static const Line *
proc_expect (Proc       *proc,
             const char *a,
             const char *b,
             double      seconds)
{
  LineWait wait = { proc, { a, b, NULL }, NULL };

  hormiga_bench_wait (has_line, &wait, seconds);
  return wait.found;
}

static void
proc_dump (Proc *proc)
{
  g_printerr ("hormiga-bench transfer: %s (process %s) printed:\n", proc->name, proc->pid);
  for (guint i = 0; i < proc->lines->len; i++)
    g_printerr ("  %s\n", ((const Line *) g_ptr_array_index (proc->lines, i))->text);
}

/* ---- hormiguero and the nodes ---------------------------------------------------- */

static gboolean
server_start (Bench   *bench,
              GError **error)
{
  g_autofree char *hormiguero = hormiga_bench_find_hormiguero ();
  const char *argv[] = { hormiguero, "--no-node", "--listen", "127.0.0.1:0",
                         "--rate", "1000000", "--burst", "1000000", NULL };
  const char *prefix = "hormiguero listening on ";
  const Line *line;

  if (hormiguero == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "cannot find hormiguero; set HORMIGUERO");
      return FALSE;
    }
  bench->server = proc_spawn (argv, "hormiguero", NULL, error);
  if (bench->server == NULL)
    return FALSE;
  line = proc_expect (bench->server, prefix, NULL, STEP_TIMEOUT_S);
  if (line == NULL)
    {
      proc_dump (bench->server);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "hormiguero (%s) did not start", hormiguero);
      return FALSE;
    }
  bench->url = g_strdup (line->text + strlen (prefix));
  return TRUE;
}

/* Starts a node and waits until it has joined the DHT. */
static Proc *
node_start (Bench      *bench,
            const char *letter,
            GError    **error)
{
  g_autofree char *template = g_strdup_printf ("node-%s-XXXXXX", letter);
  char *dir = g_build_filename (bench->base_dir, template, NULL);
  const char *argv[] = { bench->node_program, "--data-dir", dir, "--server", bench->url,
                         "--ice-address", "127.0.0.1", "run", NULL };
  g_autofree char *name = g_strdup_printf ("node %s", letter);
  Proc *node;

  if (g_mkdtemp (dir) == NULL)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "cannot create %s: %s", dir,
                   g_strerror (errno));
      g_free (dir);
      return NULL;
    }
  node = proc_spawn (argv, name, dir, error);
  if (node == NULL)
    {
      g_free (dir);
      return NULL;
    }
  g_ptr_array_add (bench->nodes, node);
  if (proc_expect (node, "dht-ready ", NULL, STEP_TIMEOUT_S) == NULL || node->peer_id == NULL)
    {
      proc_dump (node);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "%s (%s) %s", name, bench->node_program,
                   node->eof ? "ended before it joined the DHT" : "did not join the DHT in time");
      return NULL;
    }
  return node;
}

/* `share PATH` on @node; the link, or NULL. */
static char *
node_share (Proc       *node,
            const char *path,
            GError    **error)
{
  g_autofree char *command = g_strdup_printf ("share %s", path);
  const Line *line;

  proc_say (node, command);
  line = proc_expect (node, "shared ", "share-failed ", 600);
  if (line == NULL || !g_str_has_prefix (line->text, "shared "))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s could not share %s: %s", node->name,
                   path, line ? line->text : "no answer");
      return NULL;
    }
  return g_strdup (line->text + strlen ("shared "));
}

/* ---- files --------------------------------------------------------------------------- */

/* Writes @size random bytes to @path; their SHA-256 in @sha256. */
static gboolean
write_random_file (const char *path,
                   guint64     size,
                   char      **sha256,
                   GError    **error)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileOutputStream) out = g_file_replace (file, NULL, FALSE, G_FILE_CREATE_NONE, NULL,
                                                     error);
  g_autofree guint64 *block = g_malloc (MIB);
  /* xorshift64*: fast, and random enough that nothing compresses it. */
  guint64 state = (guint64) g_get_real_time () ^ ((guint64) g_random_int () << 32) ^ 0x9e3779b97f4a7c15u;

  if (out == NULL)
    return FALSE;
  for (guint64 done = 0; done < size; done += MIB)
    {
      gsize length = (gsize) MIN ((guint64) MIB, size - done);

      for (gsize i = 0; i < MIB / sizeof (guint64); i++)
        {
          state ^= state >> 12;
          state ^= state << 25;
          state ^= state >> 27;
          block[i] = state * 0x2545f4914f6cdd1du;
        }
      g_checksum_update (checksum, (const guint8 *) block, length);
      if (!g_output_stream_write_all (G_OUTPUT_STREAM (out), block, length, NULL, NULL, error))
        return FALSE;
    }
  if (!g_output_stream_close (G_OUTPUT_STREAM (out), NULL, error))
    return FALSE;
  *sha256 = g_strdup (g_checksum_get_string (checksum));
  return TRUE;
}

static char *
file_sha256 (const char *path,
             GError    **error)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileInputStream) in = g_file_read (file, NULL, error);
  g_autofree guint8 *block = g_malloc (MIB);
  gssize n;

  if (in == NULL)
    return NULL;
  while ((n = g_input_stream_read (G_INPUT_STREAM (in), block, MIB, NULL, error)) > 0)
    g_checksum_update (checksum, block, (gsize) n);
  if (n < 0)
    return NULL;
  return g_strdup (g_checksum_get_string (checksum));
}

/* ---- one download ---------------------------------------------------------------------- */

typedef struct
{
  double seconds;          /* `get` to `downloaded` */
  double lookup_s;         /* `get` to the first bytes */
  double transfer_s;       /* the first bytes to `downloaded` */
  double verify_s;         /* verifying to `downloaded` */
  double cpu_s;            /* of every node given, meanwhile */
  char  *sources;          /* PEER:chunks,… */
} Result;

static gboolean
poll_transfers (gpointer user_data)
{
  proc_say (user_data, "transfers");
  return G_SOURCE_CONTINUE;
}

/* B (@downloader) fetches @link into @folder, polling its `transfers`;
 * checks the SHA-256 of what arrived against @sha256 and deletes it.
 * @cpu_nodes: the processes whose CPU time is counted (NULL-terminated). */
static gboolean
download (Proc          *downloader,
          const char    *link,
          const char    *folder,
          const char    *sha256,
          Proc * const  *cpu_nodes,
          Result        *result,
          GError       **error)
{
  g_autofree char *command = g_strdup_printf ("get %s %s", link, folder);
  g_autofree char *cid = g_strndup (link + strlen ("hormiga:"), 64);
  g_autofree char *done_prefix = g_strdup_printf ("downloaded %s ", cid);
  g_autofree char *failed_prefix = g_strdup_printf ("download-failed %s ", cid);
  g_autofree char *path = NULL;
  g_autofree char *got = NULL;
  Download watch = { cid, 0, 0 };
  double cpu_before = 0, cpu_after = 0;
  const Line *line;
  const char *at, *end;
  gint64 start;
  guint poll;

  for (guint i = 0; cpu_nodes[i] != NULL; i++)
    cpu_before += hormiga_bench_process_cpu_seconds (cpu_nodes[i]->pid);
  downloader->watch = &watch;
  start = proc_say (downloader, command);
  poll = g_timeout_add (POLL_MS, poll_transfers, downloader);
  line = proc_expect (downloader, done_prefix, failed_prefix, 3600);
  g_source_remove (poll);
  for (guint i = 0; cpu_nodes[i] != NULL; i++)
    cpu_after += hormiga_bench_process_cpu_seconds (cpu_nodes[i]->pid);
  downloader->watch = NULL;
  if (line == NULL || !g_str_has_prefix (line->text, done_prefix))
    {
      proc_dump (downloader);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "the download of %s failed: %s", cid,
                   line ? line->text : "no answer");
      return FALSE;
    }
  result->seconds = (line->at - start) / (double) G_USEC_PER_SEC;
  result->lookup_s = watch.first_bytes_at ? (watch.first_bytes_at - start) / (double) G_USEC_PER_SEC : -1;
  result->transfer_s = watch.first_bytes_at ? (line->at - watch.first_bytes_at) / (double) G_USEC_PER_SEC : -1;
  result->verify_s = watch.verifying_at ? (line->at - watch.verifying_at) / (double) G_USEC_PER_SEC : -1;
  result->cpu_s = cpu_after - cpu_before;

  at = strstr (line->text, " path=");
  end = at ? strstr (at, " size=") : NULL;
  if (end == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot read “%s”", line->text);
      return FALSE;
    }
  path = g_strndup (at + strlen (" path="), (gsize) (end - at - strlen (" path=")));
  at = strstr (line->text, " sources=");
  result->sources = g_strdup (at ? at + strlen (" sources=") : "");
  got = file_sha256 (path, error);
  if (got == NULL)
    return FALSE;
  if (!g_str_equal (got, sha256))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "%s has SHA-256 %s; the file shared has %s", path, got, sha256);
      return FALSE;
    }
  g_unlink (path);
  return TRUE;
}

/* "[n,n,n]": the chunks each of @providers sent, from @sources. */
static char *
chunks_of (const char   *sources,
           Proc * const *providers)
{
  g_auto(GStrv) parts = g_strsplit (sources, ",", -1);
  GString *out = g_string_new ("[");

  for (guint p = 0; providers[p] != NULL; p++)
    {
      guint64 chunks = 0;

      for (guint i = 0; parts[i] != NULL; i++)
        {
          const char *colon = strrchr (parts[i], ':');

          if (colon != NULL && strncmp (parts[i], providers[p]->peer_id, (gsize) (colon - parts[i])) == 0 &&
              strlen (providers[p]->peer_id) == (gsize) (colon - parts[i]))
            chunks = g_ascii_strtoull (colon + 1, NULL, 10);
        }
      g_string_append_printf (out, "%s%" G_GUINT64_FORMAT, p > 0 ? "," : "", chunks);
    }
  g_string_append_c (out, ']');
  return g_string_free (out, FALSE);
}

static gboolean
never (gpointer data)
{
  return FALSE;
}

/* ---- the bench ------------------------------------------------------------------------------ */

static void
bench_clear (Bench *bench)
{
  if (bench->nodes != NULL)
    for (guint i = 0; i < bench->nodes->len; i++)
      proc_stop (g_ptr_array_index (bench->nodes, i));
  g_clear_pointer (&bench->nodes, g_ptr_array_unref);
  g_clear_pointer (&bench->server, proc_stop);
  if (bench->base_dir != NULL)
    hormiga_bench_remove_dir (bench->base_dir);
  g_clear_pointer (&bench->base_dir, g_free);
  g_clear_pointer (&bench->node_program, g_free);
  g_clear_pointer (&bench->url, g_free);
}

static gboolean
run (Bench   *bench,
     int      megabytes,
     int      providers_megabytes,
     GString *json,
     GError **error)
{
  g_autofree char *file = g_build_filename (bench->base_dir, "random.bin", NULL);
  g_autofree char *tcp_copy = g_build_filename (bench->base_dir, "tcp-copy.bin", NULL);
  g_autofree char *folder = g_build_filename (bench->base_dir, "downloads", NULL);
  g_autofree char *sha256 = NULL;
  g_autofree char *link = NULL;
  guint64 size = (guint64) megabytes * MIB;
  Result main_run = { 0 };
  Proc *a, *b;
  double tcp;

  g_printerr ("hormiga-bench transfer: hormiguero and nodes A, B\n");
  if (!server_start (bench, error) ||
      (a = node_start (bench, "A", error)) == NULL ||
      (b = node_start (bench, "B", error)) == NULL)
    return FALSE;

  g_printerr ("hormiga-bench transfer: writing %d MiB of random bytes\n", megabytes);
  if (!write_random_file (file, size, &sha256, error))
    return FALSE;
  g_printerr ("hormiga-bench transfer: A shares them\n");
  if ((link = node_share (a, file, error)) == NULL)
    return FALSE;
  /* `shared` comes once the file is hashed; its provider record is stored
   * in the DHT after that. A lookup that misses it looks again 10 s later. */
  hormiga_bench_wait (never, NULL, 1);

  g_printerr ("hormiga-bench transfer: B downloads them\n");
  {
    Proc *cpu_nodes[] = { a, b, NULL };

    if (!download (b, link, folder, sha256, cpu_nodes, &main_run, error))
      return FALSE;
  }
  g_printerr ("hormiga-bench transfer: %.1f MB/s (%.2f s, the first bytes after %.2f s, "
              "the final check %.2f s)\n", size / main_run.seconds / 1e6, main_run.seconds,
              main_run.lookup_s, main_run.verify_s);

  g_printerr ("hormiga-bench transfer: the same file through TCP on loopback\n");
  tcp = hormiga_bench_tcp_file_copy (file, tcp_copy, error);
  g_unlink (tcp_copy);
  if (tcp < 0)
    return FALSE;

  g_string_append_printf (json, "{\"bench\":\"transfer\",\"processes\":2,\"megabytes\":%d,"
                          "\"bytes\":%" G_GUINT64_FORMAT ",\"seconds\":%.2f,\"mb_per_s\":%.1f,"
                          "\"lookup_s\":%.2f,\"transfer_s\":%.2f,\"transfer_mb_per_s\":%.1f,"
                          "\"verify_s\":%.2f,\"cpu_s_per_gb\":%.2f,\"sha256_ok\":true,"
                          "\"baseline\":{\"kind\":\"tcp-loopback-file-copy\",\"tcp_mb_per_s\":%.1f},"
                          "\"ratio_to_tcp\":%.3f",
                          megabytes, size, main_run.seconds, size / main_run.seconds / 1e6,
                          main_run.lookup_s, main_run.transfer_s,
                          main_run.transfer_s > 0 ? size / main_run.transfer_s / 1e6 : 0,
                          main_run.verify_s, main_run.cpu_s / (size / 1e9), tcp,
                          size / main_run.seconds / 1e6 / tcp);
  g_unlink (file);
  g_free (main_run.sources);

  if (providers_megabytes > 0)
    {
      g_autofree char *one = g_build_filename (bench->base_dir, "one.bin", NULL);
      g_autofree char *three = g_build_filename (bench->base_dir, "three.bin", NULL);
      g_autofree char *one_sha = NULL;
      g_autofree char *three_sha = NULL;
      g_autofree char *one_link = NULL;
      g_autofree char *three_link = NULL;
      g_autofree char *chunks_1 = NULL;
      g_autofree char *chunks_3 = NULL;
      guint64 psize = (guint64) providers_megabytes * MIB;
      Result r1 = { 0 }, r3 = { 0 };
      Proc *c, *d;

      g_printerr ("hormiga-bench transfer: nodes C, D; two files of %d MiB\n", providers_megabytes);
      if ((c = node_start (bench, "C", error)) == NULL ||
          (d = node_start (bench, "D", error)) == NULL ||
          !write_random_file (one, psize, &one_sha, error) ||
          !write_random_file (three, psize, &three_sha, error))
        return FALSE;
      {
        Proc *providers[] = { a, c, d };

        /* Each provider shares its own copy. */
        for (guint i = 0; i < G_N_ELEMENTS (providers); i++)
          {
            g_autofree char *copy = g_build_filename (providers[i]->dir, "three.bin", NULL);
            g_autoptr(GFile) from = g_file_new_for_path (three);
            g_autoptr(GFile) to = g_file_new_for_path (copy);
            g_autofree char *got = NULL;

            if (!g_file_copy (from, to, G_FILE_COPY_OVERWRITE, NULL, NULL, NULL, error) ||
                (got = node_share (providers[i], copy, error)) == NULL)
              return FALSE;
            if (three_link == NULL)
              three_link = g_steal_pointer (&got);
          }
      }
      if ((one_link = node_share (a, one, error)) == NULL)
        return FALSE;
      /* Let the provider records reach the DHT. */
      hormiga_bench_wait (never, NULL, 2);
      {
        Proc *cpu_nodes[] = { a, b, c, d, NULL };
        Proc *providers[] = { a, c, d, NULL };

        g_printerr ("hormiga-bench transfer: B downloads from A alone\n");
        if (!download (b, one_link, folder, one_sha, cpu_nodes, &r1, error))
          return FALSE;
        g_printerr ("hormiga-bench transfer: %.1f MB/s\n", psize / r1.seconds / 1e6);
        g_printerr ("hormiga-bench transfer: B downloads from A, C and D\n");
        if (!download (b, three_link, folder, three_sha, cpu_nodes, &r3, error))
          return FALSE;
        g_printerr ("hormiga-bench transfer: %.1f MB/s (%s)\n", psize / r3.seconds / 1e6, r3.sources);
        chunks_1 = chunks_of (r1.sources, providers);
        chunks_3 = chunks_of (r3.sources, providers);
      }
      g_string_append_printf (json, ",\"providers_megabytes\":%d,\"mb_per_s_1\":%.1f,"
                              "\"mb_per_s_3\":%.1f,\"transfer_mb_per_s_1\":%.1f,"
                              "\"transfer_mb_per_s_3\":%.1f,\"chunks_1\":%s,\"chunks_3\":%s",
                              providers_megabytes, psize / r1.seconds / 1e6, psize / r3.seconds / 1e6,
                              r1.transfer_s > 0 ? psize / r1.transfer_s / 1e6 : 0,
                              r3.transfer_s > 0 ? psize / r3.transfer_s / 1e6 : 0,
                              chunks_1, chunks_3);
      g_free (r1.sources);
      g_free (r3.sources);
    }
  g_string_append_c (json, '}');
  return TRUE;
}

int
hormiga_bench_transfer (int    argc,
                        char **argv)
{
  int megabytes = 1024;
  int providers_megabytes = 256;
  g_autoptr(GOptionContext) options = g_option_context_new ("— file sharing between node processes");
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) json = g_string_new (NULL);
  Bench bench = { 0 };
  gboolean ok;
  GOptionEntry entries[] = {
    { "megabytes", 'm', 0, G_OPTION_ARG_INT, &megabytes,
      "MiB in the file of the main run (default 1024)", "N" },
    { "providers-test-megabytes", 'p', 0, G_OPTION_ARG_INT, &providers_megabytes,
      "MiB in the files of the 1 vs 3 providers runs, 0 to skip them (default 256)", "M" },
    { NULL }
  };

  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error) || megabytes < 1 ||
      providers_megabytes < 0)
    {
      g_printerr ("hormiga-bench transfer: %s\n", error ? error->message : "bad option");
      return 2;
    }
  bench.node_program = hormiga_bench_find_hormiga_node ();
  if (bench.node_program == NULL)
    {
      g_printerr ("hormiga-bench transfer: cannot find hormiga-node; set HORMIGA_NODE\n");
      return 1;
    }
  bench.base_dir = g_dir_make_tmp ("hormiga-bench-transfer-XXXXXX", &error);
  if (bench.base_dir == NULL)
    {
      g_printerr ("hormiga-bench transfer: %s\n", error->message);
      g_free (bench.node_program);
      return 1;
    }
  bench.nodes = g_ptr_array_new ();

  ok = run (&bench, megabytes, providers_megabytes, json, &error);
  bench_clear (&bench);
  if (!ok)
    {
      g_printerr ("hormiga-bench transfer: %s\n", error->message);
      return 1;
    }
  printf ("%s\n", json->str);
  return 0;
}
