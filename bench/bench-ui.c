/* bench-ui.c — hormiga-bench ui
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The application's responsiveness while it downloads a large file. It
 * runs the app's window in this process, as `hormiga --server URL` would,
 * on an X display (without one it runs itself again under
 * `dbus-run-session -- xvfb-run`, drawing with cairo, GL disabled, as
 * the tests do), with a hormiguero (--no-node) and one
 * `hormiga-node run` that shares a random file of --megabytes MiB (1 GiB
 * by default). The window shows its Transfers view; a tick callback on it
 * records the time between frames of its frame clock, the UI thread's
 * heartbeat (about 16.7 ms at 60 Hz):
 *   baseline            --idle-seconds (5) with the app admitted and idle
 *   transfer            from the first byte received to DONE (the final
 *                       whole-file check included), after `win.download-link`
 * Each: frames, worst_frame_gap_ms, p99_frame_gap_ms, median_frame_gap_ms;
 * and the download's mb_per_s. A stall of the UI thread shows as a gap.
 */
#include <errno.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include <adwaita.h>

#include "bench-util.h"
#include "hormiga-application.h"
#include "hormiga-bench.h"
#include "hormiga-node-thread.h"
#include "hormiga-transfer-item.h"
#include "hormiga-window.h"

#define STEP_TIMEOUT_S 120.0
#define INNER_ENV      "HORMIGA_BENCH_UI_INNER"
#define MIB            (1024 * 1024)

/* ---- a child process, read line by line ---------------------------------------- */

typedef struct
{
  GSubprocess      *process;
  GDataInputStream *out;
  GOutputStream    *in;
  GPtrArray        *lines;    /* char * */
  GCancellable     *cancellable;
  gboolean          eof;
} Proc;

static void read_next (Proc *proc);

static void
on_line (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Proc *proc = user_data;
  g_autoptr(GError) error = NULL;
  char *line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), result,
                                                          NULL, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (line == NULL)
    {
      proc->eof = TRUE;
      return;
    }
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
  proc->process = process;
  proc->lines = g_ptr_array_new_with_free_func (g_free);
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

static void
proc_stop (Proc    *proc,
           gboolean ask)
{
  if (proc == NULL)
    return;
  if (ask)
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
  g_free (proc);
}

typedef struct
{
  Proc       *proc;
  const char *prefix;
  const char *failure;
  const char *found;
} LineWait;

static gboolean
has_line (gpointer data)
{
  LineWait *wait = data;

  for (guint i = 0; i < wait->proc->lines->len && wait->found == NULL; i++)
    {
      const char *line = g_ptr_array_index (wait->proc->lines, i);

      if (g_str_has_prefix (line, wait->prefix)
          || (wait->failure != NULL && g_str_has_prefix (line, wait->failure)))
        wait->found = line;
    }
  return wait->found != NULL || wait->proc->eof;
}

/* The first line starting with @prefix (or @failure), or NULL. */
static const char *
proc_expect (Proc       *proc,
             const char *prefix,
             const char *failure,
             double      seconds)
{
  LineWait wait = { proc, prefix, failure, NULL };

  hormiga_bench_wait (has_line, &wait, seconds);
  return wait.found;
}

/* ---- frames ------------------------------------------------------------------ */

typedef struct
{
  GArray *gaps;              /* double, ms */
  gint64  last_frame;
} Frames;

typedef struct
{
  HormigaApplication *application;
  const char         *link;
  double              idle_seconds;
  guint64             size;
  gboolean            timed_out;
  char               *error;

  enum { WAIT_ADMITTED, IDLE, DOWNLOADING, TRANSFERRING, FINISHED } stage;
  gint64              stage_deadline;
  gint64              idle_until;
  gint64              first_byte_at;
  gint64              done_at;
  Frames              idle;
  Frames              transfer;
  Frames             *recording;     /* NULL: none */
  guint               tick_id;
} Run;

static gboolean
on_tick (GtkWidget     *widget,
         GdkFrameClock *clock,
         gpointer       user_data)
{
  Run *run = user_data;
  gint64 now = gdk_frame_clock_get_frame_time (clock);
  Frames *frames = run->recording;

  if (frames == NULL)
    return G_SOURCE_CONTINUE;
  if (frames->last_frame != 0)
    {
      double gap = (now - frames->last_frame) / 1000.0;

      g_array_append_val (frames->gaps, gap);
    }
  frames->last_frame = now;
  return G_SOURCE_CONTINUE;
}

static HormigaTransferItem *
find_download (HormigaNodeThread *node)
{
  GListModel *transfers = hormiga_node_thread_get_transfers (node);

  for (guint i = 0; i < g_list_model_get_n_items (transfers); i++)
    {
      g_autoptr(HormigaTransferItem) item = g_list_model_get_item (transfers, i);

      if (hormiga_transfer_item_get_direction (item) == HORMIGA_TRANSFER_DIRECTION_DOWNLOAD)
        return item;
    }
  return NULL;
}

static void
finish (Run        *run,
        const char *error)
{
  if (error != NULL && run->error == NULL)
    run->error = g_strdup (error);
  run->recording = NULL;
  run->stage = FINISHED;
  g_application_quit (G_APPLICATION (run->application));
}

static gboolean
on_poll (gpointer user_data)
{
  Run *run = user_data;
  HormigaWindow *window = NULL;
  HormigaNodeThread *node;
  HormigaTransferItem *download;
  gint64 now = g_get_monotonic_time ();

  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (run->application)); l != NULL;
       l = l->next)
    if (HORMIGA_IS_WINDOW (l->data))
      window = l->data;
  if (run->stage == FINISHED)
    return G_SOURCE_REMOVE;
  if (now > run->stage_deadline)
    {
      run->timed_out = TRUE;
      finish (run, "a step took too long");
      return G_SOURCE_REMOVE;
    }
  if (window == NULL || !gtk_widget_get_mapped (GTK_WIDGET (window)))
    return G_SOURCE_CONTINUE;
  node = hormiga_window_get_node (window);

  switch (run->stage)
    {
    case WAIT_ADMITTED:
      if (hormiga_node_thread_get_state (node) != HORMIGA_NODE_STATE_ADMITTED
          || !hormiga_node_thread_get_dht_ready (node) || hormiga_node_thread_get_n_connected (node) < 1)
        return G_SOURCE_CONTINUE;
      hormiga_window_show_view (window, "transfers");
      run->tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (window), on_tick, run, NULL);
      run->recording = &run->idle;
      run->idle_until = now + (gint64) (run->idle_seconds * G_USEC_PER_SEC);
      run->stage = IDLE;
      return G_SOURCE_CONTINUE;

    case IDLE:
      if (now < run->idle_until)
        return G_SOURCE_CONTINUE;
      run->recording = NULL;
      g_printerr ("hormiga-bench ui: idle for %.0f s (%u frames); the app downloads the file\n",
                  run->idle_seconds, run->idle.gaps->len);
      gtk_widget_activate_action (GTK_WIDGET (window), "win.download-link", "s", run->link);
      run->stage = DOWNLOADING;
      run->stage_deadline = now + (gint64) (STEP_TIMEOUT_S * G_USEC_PER_SEC);
      return G_SOURCE_CONTINUE;

    case DOWNLOADING:
      download = find_download (node);
      if (download == NULL || hormiga_transfer_item_get_received (download) == 0)
        {
          if (download != NULL && hormiga_transfer_item_get_state (download) == HORMIGA_TRANSFER_FAILED)
            finish (run, hormiga_transfer_item_get_error (download));
          return G_SOURCE_CONTINUE;
        }
      run->first_byte_at = now;
      run->recording = &run->transfer;
      run->stage = TRANSFERRING;
      /* At 1 MB/s at worst. */
      run->stage_deadline = now + (gint64) (STEP_TIMEOUT_S + run->size / 1e6) * G_USEC_PER_SEC;
      return G_SOURCE_CONTINUE;

    case TRANSFERRING:
      download = find_download (node);
      if (download == NULL)
        {
          finish (run, "the download vanished");
          return G_SOURCE_REMOVE;
        }
      switch (hormiga_transfer_item_get_state (download))
        {
        case HORMIGA_TRANSFER_DONE:
          run->done_at = now;
          if (hormiga_transfer_item_get_received (download) != run->size)
            finish (run, "the download ended short");
          else
            finish (run, NULL);
          return G_SOURCE_REMOVE;
        case HORMIGA_TRANSFER_FAILED:
        case HORMIGA_TRANSFER_CANCELLED:
          finish (run, hormiga_transfer_item_get_error (download)
                         ? hormiga_transfer_item_get_error (download) : "the download stopped");
          return G_SOURCE_REMOVE;
        default:
          return G_SOURCE_CONTINUE;
        }

    case FINISHED:
    default:
      return G_SOURCE_REMOVE;
    }
}

static void
on_startup (GApplication *application,
            gpointer      user_data)
{
  const char *folder = user_data;
  g_autoptr(GSettings) settings = g_settings_new (g_application_get_application_id (application));

  g_settings_set_string (settings, "download-folder", folder);
}

typedef struct
{
  double worst, p99, median;
  guint  n;
} Summary;

static Summary
summarize (GArray *gaps)
{
  Summary summary = { 0 };

  summary.n = gaps->len;
  summary.p99 = hormiga_bench_percentile (gaps, 0.99);
  summary.median = hormiga_bench_percentile (gaps, 0.5);
  for (guint i = 0; i < gaps->len; i++)
    summary.worst = MAX (summary.worst, g_array_index (gaps, double, i));
  return summary;
}

/* ---- the run ----------------------------------------------------------------- */

/* Again, under a display and a session bus of their own. */
static int
run_under_display (int    argc,
                   char **argv)
{
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *xvfb_run = g_find_program_in_path ("xvfb-run");
  g_autofree char *dbus_run_session = g_find_program_in_path ("dbus-run-session");
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  int status = 0;

  if (self == NULL || xvfb_run == NULL || dbus_run_session == NULL)
    {
      g_printerr ("hormiga-bench ui: no display (DISPLAY) and no xvfb-run and dbus-run-session "
                  "to make one\n");
      return 1;
    }
  g_ptr_array_add (args, dbus_run_session);
  g_ptr_array_add (args, "--");
  g_ptr_array_add (args, xvfb_run);
  g_ptr_array_add (args, "-a");
  g_ptr_array_add (args, "-s");
  g_ptr_array_add (args, "-screen 0 1280x800x24");
  g_ptr_array_add (args, self);
  g_ptr_array_add (args, "ui");
  for (int i = 1; i < argc; i++)
    g_ptr_array_add (args, argv[i]);
  g_ptr_array_add (args, NULL);
  g_setenv (INNER_ENV, "1", TRUE);
  /* Xvfb has no GPU: GL would be Mesa's software rasterizer on the same
   * cores. Draw with cairo, as the tests do. */
  g_setenv ("GSK_RENDERER", "cairo", FALSE);
  g_setenv ("GDK_DEBUG", "gl-disable", FALSE);
  if (!g_spawn_sync (NULL, (char **) args->pdata, NULL, G_SPAWN_CHILD_INHERITS_STDIN, NULL, NULL,
                     NULL, NULL, &status, &error))
    {
      g_printerr ("hormiga-bench ui: %s\n", error->message);
      return 1;
    }
  return g_spawn_check_wait_status (status, NULL) ? 0 : 1;
}

/* A file of @size random bytes. */
static gboolean
write_random_file (const char *path,
                   guint64     size,
                   GError    **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileOutputStream) out = g_file_replace (file, NULL, FALSE, G_FILE_CREATE_NONE, NULL, error);
  g_autofree guint32 *block = g_new (guint32, MIB / 4);
  g_autoptr(GRand) rand = g_rand_new ();

  if (out == NULL)
    return FALSE;
  for (guint64 done = 0; done < size; done += MIB)
    {
      for (guint i = 0; i < MIB / 4; i++)
        block[i] = g_rand_int (rand);
      if (!g_output_stream_write_all (G_OUTPUT_STREAM (out), block, MIN (MIB, size - done), NULL,
                                      NULL, error))
        return FALSE;
    }
  return g_output_stream_close (G_OUTPUT_STREAM (out), NULL, error);
}

static void
use_build_tree_schemas (void)
{
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *dir = NULL;
  g_autofree char *schemas = NULL;
  g_autofree char *compiled = NULL;

  if (self == NULL || g_getenv ("GSETTINGS_SCHEMA_DIR") != NULL)
    return;
  dir = g_path_get_dirname (self);
  schemas = g_build_filename (dir, "..", "data", NULL);
  compiled = g_build_filename (schemas, "gschemas.compiled", NULL);
  if (g_file_test (compiled, G_FILE_TEST_EXISTS))
    g_setenv ("GSETTINGS_SCHEMA_DIR", schemas, TRUE);
}

int
hormiga_bench_ui (int    argc,
                  char **argv)
{
  int megabytes = 1024;
  double idle_seconds = 5;
  GOptionEntry entries[] = {
    { "megabytes", 0, 0, G_OPTION_ARG_INT, &megabytes, "Size of the file in MiB (1024)", "N" },
    { "idle-seconds", 0, 0, G_OPTION_ARG_DOUBLE, &idle_seconds,
      "Seconds measured idle, as the baseline (5)", "S" },
    { NULL }
  };
  g_autoptr(GOptionContext) options = g_option_context_new ("— the app's frames while it downloads");
  /* As given, for running again under a display (parsing takes options out). */
  g_auto(GStrv) given = g_strdupv (argv);
  g_autoptr(GError) error = NULL;
  g_autofree char *hormiguero = hormiga_bench_find_hormiguero ();
  g_autofree char *node_program = hormiga_bench_find_hormiga_node ();
  g_autofree char *base = NULL;
  g_autofree char *node_dir = NULL;
  g_autofree char *app_dir = NULL;
  g_autofree char *downloads = NULL;
  g_autofree char *file = NULL;
  g_autofree char *url = NULL;
  g_autofree char *link = NULL;
  g_autofree char *share = NULL;
  Proc *server = NULL, *node = NULL;
  Run run = { 0 };
  const char *line;
  int status = 1;

  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error) || megabytes < 1 || idle_seconds <= 0)
    {
      g_printerr ("hormiga-bench ui: %s\n", error ? error->message : "bad option");
      return 2;
    }
  if (g_getenv ("DISPLAY") == NULL && g_getenv (INNER_ENV) == NULL)
    return run_under_display (g_strv_length (given), given);
  if (hormiguero == NULL || node_program == NULL)
    {
      g_printerr ("hormiga-bench ui: cannot find hormiguero or hormiga-node; set HORMIGUERO and "
                  "HORMIGA_NODE\n");
      return 1;
    }

  /* The app's settings in memory, its identity and downloads here. */
  use_build_tree_schemas ();
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  base = g_dir_make_tmp ("hormiga-bench-ui-XXXXXX", &error);
  if (base == NULL)
    goto out;
  node_dir = g_build_filename (base, "node", NULL);
  app_dir = g_build_filename (base, "app", NULL);
  downloads = g_build_filename (base, "downloads", NULL);
  file = g_build_filename (base, "miel.bin", NULL);
  g_mkdir (node_dir, 0700);
  g_mkdir (app_dir, 0700);
  g_mkdir (downloads, 0700);
  g_setenv (HORMIGA_DATA_DIR_ENV, app_dir, TRUE);

  g_printerr ("hormiga-bench ui: writing %d MiB of random bytes\n", megabytes);
  run.size = (guint64) megabytes * MIB;
  if (!write_random_file (file, run.size, &error))
    goto out;

  {
    const char *server_argv[] = { hormiguero, "--no-node", "--listen", "127.0.0.1:0",
                                  "--rate", "1000000", "--burst", "1000000", NULL };

    if ((server = proc_spawn (server_argv, &error)) == NULL)
      goto out;
    if ((line = proc_expect (server, "hormiguero listening on ", NULL, STEP_TIMEOUT_S)) == NULL)
      {
        g_set_error (&error, G_IO_ERROR, G_IO_ERROR_FAILED, "hormiguero did not start");
        goto out;
      }
    url = g_strdup (line + strlen ("hormiguero listening on "));
  }
  {
    const char *node_argv[] = { node_program, "--data-dir", node_dir, "--server", url,
                                "--ice-address", "127.0.0.1", "run", NULL };

    if ((node = proc_spawn (node_argv, &error)) == NULL)
      goto out;
    if (proc_expect (node, "dht-ready ", NULL, STEP_TIMEOUT_S) == NULL)
      {
        g_set_error (&error, G_IO_ERROR, G_IO_ERROR_FAILED, "hormiga-node did not join");
        goto out;
      }
  }
  g_printerr ("hormiga-bench ui: hormiga-node shares the file\n");
  share = g_strdup_printf ("share %s\n", file);
  g_output_stream_write_all (node->in, share, strlen (share), NULL, NULL, NULL);
  if ((line = proc_expect (node, "shared ", "share-failed ", 600)) == NULL
      || !g_str_has_prefix (line, "shared "))
    {
      g_set_error (&error, G_IO_ERROR, G_IO_ERROR_FAILED, "hormiga-node could not share: %s",
                   line ? line : "no answer");
      goto out;
    }
  link = g_strdup (line + strlen ("shared "));

  {
    char *app_argv[] = { "hormiga", "--server", url, "--ice-address", "127.0.0.1", NULL };

    run.application = hormiga_application_new ();
    run.link = link;
    run.idle_seconds = idle_seconds;
    run.idle.gaps = g_array_new (FALSE, FALSE, sizeof (double));
    run.transfer.gaps = g_array_new (FALSE, FALSE, sizeof (double));
    run.stage_deadline = g_get_monotonic_time () + (gint64) (STEP_TIMEOUT_S * G_USEC_PER_SEC);
    g_application_set_flags (G_APPLICATION (run.application), G_APPLICATION_NON_UNIQUE);
    g_signal_connect_after (run.application, "startup", G_CALLBACK (on_startup), downloads);
    g_timeout_add (50, on_poll, &run);
    g_printerr ("hormiga-bench ui: the app starts\n");
    g_application_run (G_APPLICATION (run.application), G_N_ELEMENTS (app_argv) - 1, app_argv);
    g_clear_object (&run.application);
  }

  if (run.error != NULL || run.done_at == 0)
    {
      g_set_error (&error, G_IO_ERROR, G_IO_ERROR_FAILED, "the download failed: %s",
                   run.error ? run.error : "the app stopped");
      goto out;
    }

  {
    Summary idle = summarize (run.idle.gaps);
    Summary transfer = summarize (run.transfer.gaps);
    double seconds = (run.done_at - run.first_byte_at) / 1e6;

    printf ("{\"bench\":\"ui\",\"megabytes\":%d,\"seconds\":%.2f,\"mb_per_s\":%.1f,"
            "\"frames\":%u,\"worst_frame_gap_ms\":%.1f,\"p99_frame_gap_ms\":%.1f,"
            "\"median_frame_gap_ms\":%.1f,"
            "\"baseline\":{\"idle_seconds\":%.1f,\"frames\":%u,\"worst_frame_gap_ms\":%.1f,"
            "\"p99_frame_gap_ms\":%.1f,\"median_frame_gap_ms\":%.1f}}\n",
            megabytes, seconds, run.size / 1e6 / seconds, transfer.n, transfer.worst, transfer.p99,
            transfer.median, idle_seconds, idle.n, idle.worst, idle.p99, idle.median);
    fflush (stdout);
    status = 0;
  }

out:
  if (error != NULL)
    g_printerr ("hormiga-bench ui: %s\n", error->message);
  proc_stop (node, TRUE);
  proc_stop (server, FALSE);
  g_free (run.error);
  g_clear_pointer (&run.idle.gaps, g_array_unref);
  g_clear_pointer (&run.transfer.gaps, g_array_unref);
  if (base != NULL)
    hormiga_bench_remove_dir (base);
  return status;
}
