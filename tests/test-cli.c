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
  g_data_input_stream_read_line_async (node->out, G_PRIORITY_DEFAULT, NULL, on_line, node);
}

static NodeProcess *
node_start (const char *url)
{
  NodeProcess *node = g_new0 (NodeProcess, 1);
  g_autoptr(GError) error = NULL;

  node->dir = g_dir_make_tmp ("hormiga-node-XXXXXX", NULL);
  node->lines = g_ptr_array_new_with_free_func (g_free);
  node->process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDIN_PIPE,
                                    &error, g_getenv ("HORMIGA_NODE"), "--data-dir", node->dir,
                                    "--server", url, "--ice-address", "127.0.0.1", "run", NULL);
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
node_stop (NodeProcess *node)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *key = g_build_filename (node->dir, "identity.key", NULL);

  node_say (node, "quit");
  g_subprocess_wait (node->process, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (node->process));
  g_assert_cmpint (g_subprocess_get_exit_status (node->process), ==, 0);
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

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/hormiga/cli/id-is-stable", test_id_is_stable);
  g_test_add_func ("/hormiga/cli/corrupt-key-is-an-error", test_corrupt_key_is_an_error);
  g_test_add_func ("/hormiga/cli/two-nodes-talk", test_two_nodes_talk);
  return g_test_run ();
}
