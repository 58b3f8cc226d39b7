/* hormiga-test-node.c — runs a real hormiga-node process for a test
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

#include "hormiga-test-node.h"

/* Its PeerID comes first, as soon as the identity is loaded. */
#define START_TIMEOUT_MS 30000

struct _HormigaTestNode
{
  GSubprocess      *process;
  GDataInputStream *out;
  GOutputStream    *in;
  GPtrArray        *lines;
  GCancellable     *cancellable;
  char             *dir;
  char             *peer_id;
  gboolean          eof;
  gboolean          keep_dir;
};

typedef struct
{
  GPtrArray    *lines;      /* shared with the node: outlives it if need be */
  GCancellable *cancellable;
  char        **peer_id;
  gboolean     *eof;
} Reader;

static void read_next (GDataInputStream *out, Reader *reader);

static void
reader_free (Reader *reader)
{
  g_ptr_array_unref (reader->lines);
  g_object_unref (reader->cancellable);
  g_free (reader);
}

static void
on_line (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Reader *reader = user_data;
  char *line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), result,
                                                          NULL, NULL);

  if (line == NULL || g_cancellable_is_cancelled (reader->cancellable))
    {
      /* Not cancelled: the node is still there to be told. */
      if (!g_cancellable_is_cancelled (reader->cancellable))
        *reader->eof = TRUE;
      g_free (line);
      reader_free (reader);
      return;
    }
  if (g_str_has_prefix (line, "peer-id ") && *reader->peer_id == NULL)
    *reader->peer_id = g_strdup (line + strlen ("peer-id "));
  g_ptr_array_add (reader->lines, line);
  read_next (G_DATA_INPUT_STREAM (source), reader);
}

static void
read_next (GDataInputStream *out,
           Reader           *reader)
{
  g_data_input_stream_read_line_async (out, G_PRIORITY_DEFAULT, reader->cancellable, on_line,
                                       reader);
}

/* A failed test aborts: its nodes must not outlive it. */
static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static void
dump (HormigaTestNode *node)
{
  g_printerr ("hormiga-node %s printed:\n", node->peer_id ? node->peer_id : "?");
  for (guint i = 0; i < node->lines->len; i++)
    g_printerr ("  %s\n", (const char *) g_ptr_array_index (node->lines, i));
}

static gboolean
has_peer_id (gpointer user_data)
{
  return ((HormigaTestNode *) user_data)->peer_id != NULL;
}

HormigaTestNode *
hormiga_test_node_spawn (const char *server_url)
{
  return hormiga_test_node_spawn_with (server_url, NULL);
}

static HormigaTestNode *spawn (const char         *server_url,
                               const char         *dir,
                               const char * const *options);

HormigaTestNode *
hormiga_test_node_spawn_with (const char         *server_url,
                              const char * const *options)
{
  return spawn (server_url, NULL, options);
}

HormigaTestNode *
hormiga_test_node_spawn_in (const char         *server_url,
                            const char         *dir,
                            const char * const *options)
{
  return spawn (server_url, dir, options);
}

static HormigaTestNode *
spawn (const char         *server_url,
       const char         *dir,
       const char * const *options)
{
  HormigaTestNode *node = g_new0 (HormigaTestNode, 1);
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDIN_PIPE);
  g_autoptr(GError) error = NULL;
  const char *program = g_getenv ("HORMIGA_NODE");
  Reader *reader;

  g_assert_nonnull (program);
  if (dir != NULL)
    {
      node->dir = g_strdup (dir);
      node->keep_dir = TRUE;
    }
  else
    node->dir = g_dir_make_tmp ("hormiga-test-node-XXXXXX", &error);
  g_assert_no_error (error);
  node->lines = g_ptr_array_new_with_free_func (g_free);
  node->cancellable = g_cancellable_new ();
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  {
    g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
    g_auto(GStrv) argv = NULL;

    g_strv_builder_add_many (builder, program, "--data-dir", node->dir, "--server", server_url,
                             "--ice-address", "127.0.0.1", "--peer-timeout", "5", NULL);
    for (guint i = 0; options != NULL && options[i] != NULL; i++)
      g_strv_builder_add (builder, options[i]);
    g_strv_builder_add (builder, "run");
    argv = g_strv_builder_end (builder);
    node->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv, &error);
  }
  g_assert_no_error (error);
  node->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (node->process));
  node->in = g_subprocess_get_stdin_pipe (node->process);

  reader = g_new0 (Reader, 1);
  reader->lines = g_ptr_array_ref (node->lines);
  reader->cancellable = g_object_ref (node->cancellable);
  reader->peer_id = &node->peer_id;
  reader->eof = &node->eof;
  read_next (node->out, reader);
  return node;
}

HormigaTestNode *
hormiga_test_node_start (const char *server_url)
{
  HormigaTestNode *node = hormiga_test_node_spawn (server_url);

  if (!hormiga_test_wait_until (has_peer_id, node, START_TIMEOUT_MS))
    {
      dump (node);
      g_error ("hormiga-node did not print its PeerID");
    }
  return node;
}

const char *
hormiga_test_node_get_peer_id (HormigaTestNode *node)
{
  return node->peer_id;
}

const char *
hormiga_test_node_get_dir (HormigaTestNode *node)
{
  return node->dir;
}

guint
hormiga_test_node_get_n_lines (HormigaTestNode *node)
{
  return node->lines->len;
}

gint
hormiga_test_node_find_line (HormigaTestNode *node,
                             const char      *prefix,
                             guint            from)
{
  for (guint i = from; i < node->lines->len; i++)
    if (g_str_has_prefix (g_ptr_array_index (node->lines, i), prefix))
      return (gint) i;
  return -1;
}

void
hormiga_test_node_say (HormigaTestNode *node,
                       const char      *line)
{
  g_autofree char *text = g_strconcat (line, "\n", NULL);
  g_autoptr(GError) error = NULL;

  g_output_stream_write_all (node->in, text, strlen (text), NULL, NULL, &error);
  g_assert_no_error (error);
}

gboolean
hormiga_test_node_has_line (HormigaTestNode *node,
                            const char      *prefix)
{
  for (guint i = 0; i < node->lines->len; i++)
    if (g_str_has_prefix (g_ptr_array_index (node->lines, i), prefix))
      return TRUE;
  return FALSE;
}

const char *
hormiga_test_node_get_line (HormigaTestNode *node,
                            const char      *prefix,
                            guint            n)
{
  for (guint i = 0; i < node->lines->len; i++)
    if (g_str_has_prefix (g_ptr_array_index (node->lines, i), prefix) && n-- == 0)
      return g_ptr_array_index (node->lines, i);
  return NULL;
}

typedef struct { HormigaTestNode *node; const char *prefix; } LineWait;

static gboolean
line_seen (gpointer user_data)
{
  LineWait *wait = user_data;

  return hormiga_test_node_has_line (wait->node, wait->prefix);
}

void
hormiga_test_node_expect (HormigaTestNode *node,
                          const char      *prefix,
                          guint            timeout_ms)
{
  LineWait wait = { node, prefix };

  if (!hormiga_test_wait_until (line_seen, &wait, timeout_ms))
    {
      dump (node);
      g_error ("hormiga-node never printed a line starting “%s”", prefix);
    }
}

static void
node_free (HormigaTestNode *node)
{
  g_cancellable_cancel (node->cancellable);
  g_object_unref (node->cancellable);
  g_object_unref (node->out);
  g_object_unref (node->process);
  g_ptr_array_unref (node->lines);
  if (!node->keep_dir)
    hormiga_test_remove_tree (node->dir);
  g_free (node->dir);
  g_free (node->peer_id);
  g_free (node);
}

static gboolean
output_ended (gpointer user_data)
{
  return ((HormigaTestNode *) user_data)->eof;
}

void
hormiga_test_node_quit (HormigaTestNode *node)
{
  g_autoptr(GError) error = NULL;

  hormiga_test_node_say (node, "quit");
  /* Read up to the end: a node blocked writing to a full pipe never ends. */
  if (!hormiga_test_wait_until (output_ended, node, START_TIMEOUT_MS))
    {
      dump (node);
      g_error ("hormiga-node did not end on quit");
    }
  g_subprocess_wait (node->process, NULL, &error);
  g_assert_no_error (error);
  if (!g_subprocess_get_if_exited (node->process) || g_subprocess_get_exit_status (node->process) != 0)
    {
      dump (node);
      g_error ("hormiga-node did not exit cleanly");
    }
  node_free (node);
}

void
hormiga_test_node_terminate (HormigaTestNode *node)
{
  g_autoptr(GError) error = NULL;

  g_subprocess_send_signal (node->process, SIGTERM);
  /* Its last lines (what it did while leaving) are read up to the end. */
  if (!hormiga_test_wait_until (output_ended, node, START_TIMEOUT_MS))
    {
      dump (node);
      g_error ("hormiga-node did not end on SIGTERM");
    }
  g_subprocess_wait (node->process, NULL, &error);
  g_assert_no_error (error);
  if (!g_subprocess_get_if_exited (node->process) || g_subprocess_get_exit_status (node->process) != 0)
    {
      dump (node);
      g_error ("hormiga-node did not exit cleanly on SIGTERM");
    }
  node_free (node);
}

void
hormiga_test_node_kill (HormigaTestNode *node)
{
  g_autoptr(GError) error = NULL;

  g_subprocess_send_signal (node->process, SIGKILL);
  g_subprocess_wait (node->process, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_signaled (node->process));
  node_free (node);
}
