/* test-cli.c — the hormiga-node command line, as a person runs it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <signal.h>

#include "hormiga-test-server.h"

static char *
run_node (const char  *data_dir,
          int         *exit_status,
          char       **stderr_text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) process = NULL;
  char *stdout_text = NULL;

  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                              &error, g_getenv ("HORMIGA_NODE"), "--data-dir", data_dir, "id",
                              NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &stdout_text, stderr_text, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  *exit_status = g_subprocess_get_exit_status (process);
  return stdout_text;
}

static void
test_id_is_stable (void)
{
  g_autofree char *dir = g_dir_make_tmp ("hormiga-cli-XXXXXX", NULL);
  g_autofree char *data_dir = g_build_filename (dir, "node", NULL);
  g_autofree char *key = g_build_filename (data_dir, "identity.key", NULL);
  g_autofree char *first = NULL, *second = NULL, *err1 = NULL, *err2 = NULL;
  int status = -1;
  GStatBuf st;

  first = run_node (data_dir, &status, &err1);
  g_assert_cmpint (status, ==, 0);
  g_assert_true (g_str_has_prefix (first, "12D3KooW"));
  g_assert_cmpuint (strlen (g_strstrip (first)), ==, 52);

  g_assert_cmpint (g_stat (key, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);

  second = run_node (data_dir, &status, &err2);
  g_assert_cmpint (status, ==, 0);
  g_assert_cmpstr (g_strstrip (second), ==, first);

  g_assert_cmpint (g_unlink (key), ==, 0);
  g_assert_cmpint (g_rmdir (data_dir), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

static void
test_corrupt_key_is_an_error (void)
{
  g_autofree char *dir = g_dir_make_tmp ("hormiga-cli-XXXXXX", NULL);
  g_autofree char *key = g_build_filename (dir, "identity.key", NULL);
  g_autofree char *out = NULL, *err = NULL, *after = NULL;
  g_autoptr(GError) error = NULL;
  int status = -1;

  g_assert_true (g_file_set_contents (key, "short", -1, &error));
  out = run_node (dir, &status, &err);
  g_assert_cmpint (status, ==, 1);
  g_assert_cmpstr (out, ==, "");
  g_assert_nonnull (strstr (err, key));

  /* The broken file is left for the person to inspect, never replaced. */
  g_assert_true (g_file_get_contents (key, &after, NULL, &error));
  g_assert_cmpstr (after, ==, "short");

  g_assert_cmpint (g_unlink (key), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

/* ---- two node processes ---------------------------------------------------- */

typedef struct
{
  GSubprocess      *process;
  GDataInputStream *out;
  GOutputStream    *in;
  GPtrArray        *lines;
  char             *dir;
  char             *peer_id;
  GCancellable     *cancellable;
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

/* @peer_timeout: seconds, as text for --peer-timeout. */
static NodeProcess *
node_start_with (const char *url,
                 const char *peer_timeout)
{
  NodeProcess *node = g_new0 (NodeProcess, 1);
  g_autoptr(GError) error = NULL;

  node->dir = g_dir_make_tmp ("hormiga-node-XXXXXX", NULL);
  node->lines = g_ptr_array_new_with_free_func (g_free);
  node->cancellable = g_cancellable_new ();
  node->process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDIN_PIPE,
                                    &error, g_getenv ("HORMIGA_NODE"), "--data-dir", node->dir,
                                    "--server", url, "--ice-address", "127.0.0.1",
                                    "--peer-timeout", peer_timeout, "run", NULL);
  g_assert_no_error (error);
  node->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (node->process));
  node->in = g_subprocess_get_stdin_pipe (node->process);
  read_next (node);
  return node;
}

static NodeProcess *
node_start (const char *url)
{
  return node_start_with (url, "15");
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

typedef struct { NodeProcess *node; const char *prefix; } LineWait;

static gboolean
has_line (gpointer data)
{
  LineWait *wait = data;

  for (guint i = 0; i < wait->node->lines->len; i++)
    if (g_str_has_prefix (g_ptr_array_index (wait->node->lines, i), wait->prefix))
      return TRUE;
  return FALSE;
}

static void
node_expect (NodeProcess *node,
             const char  *prefix)
{
  LineWait wait = { node, prefix };

  if (!hormiga_test_wait_until (has_line, &wait, 15000))
    {
      for (guint i = 0; i < node->lines->len; i++)
        g_printerr ("  %s\n", (const char *) g_ptr_array_index (node->lines, i));
      g_error ("hormiga-node never printed a line starting “%s”", prefix);
    }
}

static void
node_free (NodeProcess *node)
{
  g_autofree char *key = g_build_filename (node->dir, "identity.key", NULL);

  /* The pending read ends with CANCELLED and a NULL line. */
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

static void
node_stop (NodeProcess *node)
{
  g_autoptr(GError) error = NULL;

  node_say (node, "quit");
  g_subprocess_wait (node->process, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (node->process));
  g_assert_cmpint (g_subprocess_get_exit_status (node->process), ==, 0);
  node_free (node);
}

static void
test_two_nodes_talk (void)
{
  HormigaTestServer *server = hormiga_test_server_start (NULL);
  NodeProcess *a = node_start (hormiga_test_server_get_url (server));
  NodeProcess *b = node_start (hormiga_test_server_get_url (server));
  g_autofree char *connect = NULL;
  g_autofree char *send = NULL;
  g_autofree char *expected = NULL;

  node_expect (a, "admitted ");
  node_expect (b, "admitted ");
  g_assert_nonnull (b->peer_id);

  /* A opens a data channel to B through hormiguero, then talks over it. */
  connect = g_strdup_printf ("connect %s", b->peer_id);
  node_say (a, connect);
  node_expect (a, "channel-open ");
  node_expect (b, "channel-open ");
  send = g_strdup_printf ("send %s hola desde el hormiguero", b->peer_id);
  node_say (a, send);
  expected = g_strdup_printf ("channel-message from=%s bytes=24 text=hola desde el hormiguero",
                              a->peer_id);
  node_expect (b, expected);

  node_stop (a);
  node_stop (b);
  hormiga_test_server_stop (server);
}

/* B is killed (SIGKILL: no goodbye of any kind); A reports the loss once
 * its peer timeout passes. */
static void
test_killed_peer_is_detected (void)
{
  HormigaTestServer *server = hormiga_test_server_start (NULL);
  NodeProcess *a = node_start_with (hormiga_test_server_get_url (server), "3");
  NodeProcess *b = node_start (hormiga_test_server_get_url (server));
  g_autofree char *connect = NULL;
  g_autofree char *connected = NULL;
  g_autofree char *failed = NULL;
  g_autoptr(GError) error = NULL;

  node_expect (a, "admitted ");
  node_expect (b, "admitted ");
  connect = g_strdup_printf ("connect %s", b->peer_id);
  node_say (a, connect);
  /* The identity each side proved is the one it was reached by. */
  connected = g_strdup_printf ("peer-connected peer=%s", b->peer_id);
  node_expect (a, connected);
  g_free (connected);
  connected = g_strdup_printf ("peer-connected peer=%s", a->peer_id);
  node_expect (b, connected);
  node_expect (a, "channel-open ");

  g_subprocess_force_exit (b->process);
  g_subprocess_wait (b->process, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_signaled (b->process));

  failed = g_strdup_printf ("peer-failed peer=%s: the peer stopped answering", b->peer_id);
  node_expect (a, failed);
  node_expect (a, "channel-closed ");

  node_stop (a);
  node_free (b);
  hormiga_test_server_stop (server);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/hormiga/cli/id-is-stable", test_id_is_stable);
  g_test_add_func ("/hormiga/cli/corrupt-key-is-an-error", test_corrupt_key_is_an_error);
  g_test_add_func ("/hormiga/cli/two-nodes-talk", test_two_nodes_talk);
  g_test_add_func ("/hormiga/cli/killed-peer-is-detected", test_killed_peer_is_detected);
  return g_test_run ();
}
