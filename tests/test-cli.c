/* test-cli.c — the hormiga-node command line, as a person runs it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

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

/* A test that fails leaves no node behind. */
static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

/* @peer_timeout: seconds, as text for --peer-timeout; @control: the
 * control socket, NULL for the default (DATA-DIR/control.sock); @extra:
 * (nullable): more options. */
static NodeProcess *
node_start_args (const char         *url,
                 const char         *peer_timeout,
                 const char         *control,
                 const char * const *extra)
{
  NodeProcess *node = g_new0 (NodeProcess, 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDIN_PIPE);
  g_auto(GStrv) args = NULL;

  node->dir = g_dir_make_tmp ("hormiga-node-XXXXXX", NULL);
  node->lines = g_ptr_array_new_with_free_func (g_free);
  node->cancellable = g_cancellable_new ();
  g_strv_builder_add_many (builder, g_getenv ("HORMIGA_NODE"), "--data-dir", node->dir,
                           "--server", url, "--ice-address", "127.0.0.1",
                           "--peer-timeout", peer_timeout, NULL);
  if (control != NULL)
    g_strv_builder_add_many (builder, "--control", control, NULL);
  if (extra != NULL)
    g_strv_builder_addv (builder, (const char **) extra);
  g_strv_builder_add (builder, "run");
  args = g_strv_builder_end (builder);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  node->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) args, &error);
  g_assert_no_error (error);
  node->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (node->process));
  node->in = g_subprocess_get_stdin_pipe (node->process);
  read_next (node);
  return node;
}

static NodeProcess *
node_start_full (const char *url,
                 const char *peer_timeout,
                 const char *control)
{
  return node_start_args (url, peer_timeout, control, NULL);
}

static NodeProcess *
node_start_with (const char *url,
                 const char *peer_timeout)
{
  return node_start_full (url, peer_timeout, NULL);
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
  /* The pending read ends with CANCELLED and a NULL line. */
  g_cancellable_cancel (node->cancellable);
  g_object_unref (node->cancellable);
  g_object_unref (node->out);
  g_object_unref (node->process);
  g_ptr_array_unref (node->lines);
  /* Its identity, its socket (a killed node leaves it behind), its
   * downloads and the library of what it shared. */
  hormiga_test_remove_tree (node->dir);
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

/* ---- the control socket ------------------------------------------------------- */

#define POLL_LIMIT_MS 60000

/* Starts `hormiga-node ARGS…` in @cwd (NULL: ours), its output in pipes. */
static GSubprocess *
spawn_client_va (const char *cwd,
                 const char *first,
                 va_list     ap)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) args = NULL;
  GSubprocess *process;

  g_strv_builder_add (builder, g_getenv ("HORMIGA_NODE"));
  for (const char *arg = first; arg != NULL; arg = va_arg (ap, const char *))
    g_strv_builder_add (builder, arg);
  args = g_strv_builder_end (builder);

  if (cwd != NULL)
    g_subprocess_launcher_set_cwd (launcher, cwd);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) args, &error);
  g_assert_no_error (error);
  return process;
}

static GSubprocess *
spawn_client (const char *cwd,
              const char *first,
              ...)
{
  GSubprocess *process;
  va_list ap;

  va_start (ap, first);
  process = spawn_client_va (cwd, first, ap);
  va_end (ap);
  return process;
}

/* Waits for @process to end; returns its exit status, and its output. */
static int
finish_client (GSubprocess  *process,
               char        **out,
               char        **err)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *stdout_text = NULL, *stderr_text = NULL;

  g_subprocess_communicate_utf8 (process, NULL, NULL, &stdout_text, &stderr_text, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  if (out != NULL)
    *out = g_steal_pointer (&stdout_text);
  if (err != NULL)
    *err = g_steal_pointer (&stderr_text);
  return g_subprocess_get_exit_status (process);
}

/* Runs `hormiga-node ARGS…` in @cwd to its end; returns its exit status. */
static int
run_client_in (const char  *cwd,
               char       **out,
               char       **err,
               const char  *first,
               ...)
{
  g_autoptr(GSubprocess) process = NULL;
  va_list ap;

  va_start (ap, first);
  process = spawn_client_va (cwd, first, ap);
  va_end (ap);
  return finish_client (process, out, err);
}

/* Runs `hormiga-node ARGS…` to its end; returns its exit status. */
static int
run_client (char       **out,
            char       **err,
            const char  *first,
            ...)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) args = NULL;
  g_autofree char *stdout_text = NULL, *stderr_text = NULL;
  va_list ap;

  g_strv_builder_add (builder, g_getenv ("HORMIGA_NODE"));
  va_start (ap, first);
  for (const char *arg = first; arg != NULL; arg = va_arg (ap, const char *))
    g_strv_builder_add (builder, arg);
  va_end (ap);
  args = g_strv_builder_end (builder);

  process = g_subprocess_newv ((const char * const *) args,
                               G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                               &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &stdout_text, &stderr_text, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  if (out != NULL)
    *out = g_steal_pointer (&stdout_text);
  if (err != NULL)
    *err = g_steal_pointer (&stderr_text);
  return g_subprocess_get_exit_status (process);
}

/* Asks the node on @control for `@command --json` until its output holds
 * every string of @needles (NULL-terminated); returns that output. */
static char *
poll_json (const char         *control,
           const char         *command,
           const char * const *needles)
{
  gint64 deadline = g_get_monotonic_time () + POLL_LIMIT_MS * 1000;
  char *out = NULL;

  for (;;)
    {
      g_autofree char *err = NULL;
      int status;
      gboolean all = TRUE;

      g_clear_pointer (&out, g_free);
      status = run_client (&out, &err, "--control", control, "--json", command, NULL);
      g_assert_cmpint (status, ==, 0);
      for (guint i = 0; needles[i] != NULL; i++)
        all = all && strstr (out, needles[i]) != NULL;
      if (all)
        return out;
      if (g_get_monotonic_time () > deadline)
        g_error ("`%s --json` never showed what was expected; last: %s", command, out);
      hormiga_test_pause_ms (250);
    }
}

/* The number after "KEY": in a JSON text. */
static guint64
json_number (const char *json,
             const char *key)
{
  g_autofree char *quoted = g_strdup_printf ("\"%s\":", key);
  const char *at = strstr (json, quoted);

  g_assert_nonnull (at);
  return g_ascii_strtoull (at + strlen (quoted), NULL, 10);
}

static gboolean
process_exited (gpointer data)
{
  return g_subprocess_get_identifier (data) == NULL;
}

/* Three nodes, each with its own control socket; the subcommands ask them
 * what they know and make them act, and one of them is stopped by `quit`. */
static void
test_control_socket (void)
{
  HormigaTestServer *server = hormiga_test_server_start (NULL);
  const char *url = hormiga_test_server_get_url (server);
  g_autofree char *dir = g_dir_make_tmp ("hormiga-ctl-XXXXXX", NULL);
  g_autofree char *sock_a = g_build_filename (dir, "a.sock", NULL);
  g_autofree char *sock_b = g_build_filename (dir, "b.sock", NULL);
  g_autofree char *sock_c = g_build_filename (dir, "c.sock", NULL);
  g_autofree char *sock_none = g_build_filename (dir, "none.sock", NULL);
  NodeProcess *a, *b, *c;
  g_autoptr(GError) error = NULL;
  char *out = NULL, *err = NULL;
  int status;

  /* No node yet: exit 3, and how to start one. */
  status = run_client (&out, &err, "--control", sock_none, "peers", NULL);
  g_assert_cmpint (status, ==, 3);
  g_assert_cmpstr (out, ==, "");
  g_assert_nonnull (strstr (err, "no node is running"));
  g_assert_nonnull (strstr (err, "start one with `hormiga-node --control"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  status = run_client (&out, &err, "--control", sock_none, "--json", "stats", NULL);
  g_assert_cmpint (status, ==, 3);
  g_assert_true (g_str_has_prefix (out, "{\"error\":\"no-node\",\"message\":\"no node is running"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* A display name a hello cannot carry is refused before anything starts. */
  status = run_client (&out, &err, "--name", "line\nbreak", "--control", sock_none, "peers",
                       NULL);
  g_assert_cmpint (status, ==, 2);
  g_assert_nonnull (strstr (err, "--name: a display name must not hold control characters"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  {
    const char *name_a[] = { "--name", "Ana", NULL };
    const char *name_b[] = { "--name", "Hormiga de Bea", NULL };

    a = node_start_args (url, "15", sock_a, name_a);
    node_expect (a, "dht-ready ");
    b = node_start_args (url, "15", sock_b, name_b);
    node_expect (b, "dht-ready ");
  }
  c = node_start_full (url, "15", sock_c);
  node_expect (c, "dht-ready ");
  node_expect (c, "control ");
  {
    GStatBuf st;

    g_assert_cmpint (g_stat (sock_c, &st), ==, 0);
    g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  }

  /* c joined last, with a and b in its bootstrap sample; each told it its
   * name, and c, which has none, is listed without one. */
  {
    g_autofree char *named_a = g_strdup_printf ("{\"peer\":\"%s\",\"name\":\"Ana\",", a->peer_id);
    g_autofree char *named_b = g_strdup_printf ("{\"peer\":\"%s\",\"name\":\"Hormiga de Bea\",",
                                                b->peer_id);
    g_autofree char *unnamed_c = g_strdup_printf ("{\"peer\":\"%s\",\"name\":null,", c->peer_id);
    const char *needles[] = { named_a, named_b, "\"open\":true", NULL };
    const char *needles_a[] = { unnamed_c, "\"open\":true", NULL };

    out = poll_json (sock_c, "peers", needles);
    g_assert_true (g_str_has_prefix (out, "{\"peers\":[{\"peer\":"));
    g_clear_pointer (&out, g_free);
    status = run_client (&out, NULL, "--control", sock_c, "peers", NULL);
    g_assert_cmpint (status, ==, 0);
    g_assert_nonnull (strstr (out, a->peer_id));
    g_assert_nonnull (strstr (out, "  “Ana”  "));
    g_clear_pointer (&out, g_free);
    out = poll_json (sock_a, "peers", needles_a);
    g_clear_pointer (&out, g_free);
  }
  {
    const char *needles[] = { a->peer_id, "\"bucket\":", NULL };

    out = poll_json (sock_c, "routing-table", needles);
    g_assert_cmpuint (json_number (out, "size"), >=, 1);
    g_clear_pointer (&out, g_free);
  }

  /* A lookup of a from c. */
  status = run_client (&out, &err, "--control", sock_c, "find", a->peer_id, NULL);
  g_assert_cmpint (status, ==, 0);
  g_assert_true (g_str_has_prefix (out, "found "));
  g_assert_nonnull (strstr (out, a->peer_id));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  status = run_client (&out, &err, "--control", sock_c, "--json", "find", b->peer_id, NULL);
  g_assert_cmpint (status, ==, 0);
  g_assert_nonnull (strstr (out, "\"hops\":"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* a puts a record once it knows other nodes; c reads it back. */
  {
    const char *needles[] = { c->peer_id, NULL };

    out = poll_json (sock_a, "routing-table", needles);
    g_clear_pointer (&out, g_free);
  }
  status = run_client (&out, &err, "--control", sock_a, "put", "greeting", "hola, “hormiga”", NULL);
  g_assert_cmpint (status, ==, 0);
  g_assert_true (g_str_has_prefix (out, "put greeting stored="));
  g_assert_cmpuint (g_ascii_strtoull (out + strlen ("put greeting stored="), NULL, 10), >=, 1);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  status = run_client (&out, &err, "--control", sock_c, "get", a->peer_id, "greeting", NULL);
  g_assert_cmpint (status, ==, 0);
  g_assert_cmpstr (out, ==, "hola, “hormiga”\n");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  status = run_client (&out, &err, "--control", sock_b, "--json", "get", a->peer_id, "greeting",
                       NULL);
  g_assert_cmpint (status, ==, 0);
  g_assert_nonnull (strstr (out, "\"text\":\"hola, “hormiga”\""));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  /* A record nobody put: exit 1, and why. */
  status = run_client (&out, &err, "--control", sock_c, "get", a->peer_id, "nothing", NULL);
  g_assert_cmpint (status, ==, 1);
  g_assert_nonnull (strstr (err, "has no record"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* The counters moved. */
  status = run_client (&out, &err, "--control", sock_c, "--json", "stats", NULL);
  g_assert_cmpint (status, ==, 0);
  g_assert_cmpuint (json_number (out, "messages_sent"), >, 0);
  g_assert_cmpuint (json_number (out, "messages_received"), >, 0);
  g_assert_cmpuint (json_number (out, "contacts"), >=, 1);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* Wrong usage: exit 2, nothing sent. */
  status = run_client (&out, &err, "--control", sock_c, "find", "not-a-peer", NULL);
  g_assert_cmpint (status, ==, 2);
  g_assert_nonnull (strstr (err, "not a PeerID"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  status = run_client (&out, &err, "--control", sock_c, "put", "lonely", NULL);
  g_assert_cmpint (status, ==, 2);
  g_assert_nonnull (strstr (err, "usage: "));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* Garbage on b's socket gets an error reply; b carries on. */
  {
    g_autoptr(GSocketClient) client = g_socket_client_new ();
    g_autoptr(GSocketAddress) address = g_unix_socket_address_new (sock_b);
    g_autoptr(GSocketConnection) connection = NULL;
    g_autoptr(GByteArray) reply = g_byte_array_new ();
    guint8 buffer[1024];
    gssize got;

    g_socket_client_set_timeout (client, 60);
    connection = g_socket_client_connect (client, G_SOCKET_CONNECTABLE (address), NULL, &error);
    g_assert_no_error (error);
    g_assert_true (g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)),
                                              "hello world\n", 12, NULL, NULL, &error));
    g_assert_no_error (error);
    /* The node replies, then closes: the stream cannot be framed after it. */
    while ((got = g_input_stream_read (g_io_stream_get_input_stream (G_IO_STREAM (connection)),
                                       buffer, sizeof buffer, NULL, &error)) > 0)
      g_byte_array_append (reply, buffer, (guint) got);
    g_assert_no_error (error);
    g_assert_cmpuint (reply->len, >, 4);
    g_assert_cmpuint ((guint32) (reply->data[0] << 24 | reply->data[1] << 16 |
                                 reply->data[2] << 8 | reply->data[3]), ==, reply->len - 4);
    g_assert_nonnull (memmem (reply->data, reply->len, "too-large", 9));
  }
  status = run_client (&out, &err, "--control", sock_b, "stats", NULL);
  g_assert_cmpint (status, ==, 0);
  g_assert_true (g_str_has_prefix (out, "peer "));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* A second daemon on a's socket is refused; a stays. */
  {
    g_autofree char *other = g_dir_make_tmp ("hormiga-node-XXXXXX", NULL);
    g_autofree char *key = g_build_filename (other, "identity.key", NULL);

    status = run_client (&out, &err, "--data-dir", other, "--control", sock_a, "--server", url,
                         "run", NULL);
    g_assert_cmpint (status, ==, 1);
    g_assert_nonnull (strstr (err, "another hormiga-node is running with the control socket"));
    g_assert_true (g_file_test (sock_a, G_FILE_TEST_EXISTS));
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
    g_unlink (key);
    g_rmdir (other);
  }

  /* quit stops a: it exits 0 and its socket is gone. */
  status = run_client (&out, &err, "--control", sock_a, "quit", NULL);
  g_assert_cmpint (status, ==, 0);
  g_assert_nonnull (strstr (out, a->peer_id));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_false (g_file_test (sock_a, G_FILE_TEST_EXISTS));
  g_assert_true (hormiga_test_wait_until (process_exited, a->process, POLL_LIMIT_MS));
  g_subprocess_wait (a->process, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (a->process));
  g_assert_cmpint (g_subprocess_get_exit_status (a->process), ==, 0);
  status = run_client (&out, &err, "--control", sock_a, "peers", NULL);
  g_assert_cmpint (status, ==, 3);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  node_free (a);

  /* The stdin commands still stop the others; their sockets go too. */
  node_stop (b);
  node_stop (c);
  g_assert_false (g_file_test (sock_b, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (sock_c, G_FILE_TEST_EXISTS));
  g_assert_cmpint (g_rmdir (dir), ==, 0);
  hormiga_test_server_stop (server);
}

/* ---- files through the control socket ------------------------------------------ */

/* @size random bytes in @path; returns their SHA-256 (hex). */
static char *
write_random_file (const char *path,
                   gsize       size)
{
  g_autoptr(GRand) rand = g_rand_new ();
  g_autofree guint32 *data = g_new (guint32, size / 4 + 1);
  g_autoptr(GError) error = NULL;

  for (gsize i = 0; i < size / 4 + 1; i++)
    data[i] = g_rand_int (rand);
  g_assert_true (g_file_set_contents (path, (const char *) data, (gssize) size, &error));
  g_assert_no_error (error);
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) data, size);
}

static char *
file_sha256 (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *data = NULL;
  gsize length = 0;

  g_assert_true (g_file_get_contents (path, &data, &length, &error));
  g_assert_no_error (error);
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) data, length);
}

/* Three nodes with the file service: a shares and sends; b downloads a's
 * link and takes what a sends (--accept-from a); c takes nothing, then
 * holds offers and takes one file of a folder a sends, and cannot find
 * content nobody has. */
static void
test_files (void)
{
  HormigaTestServer *server = hormiga_test_server_start (NULL);
  const char *url = hormiga_test_server_get_url (server);
  g_autofree char *dir = g_dir_make_tmp ("hormiga-files-XXXXXX", NULL);
  g_autofree char *sock_a = g_build_filename (dir, "a.sock", NULL);
  g_autofree char *sock_b = g_build_filename (dir, "b.sock", NULL);
  g_autofree char *sock_c = g_build_filename (dir, "c.sock", NULL);
  g_autofree char *inbox = g_build_filename (dir, "b-inbox", NULL);
  g_autofree char *first = g_build_filename (dir, "hormigas.bin", NULL);
  g_autofree char *second = g_build_filename (dir, "segundo envío.bin", NULL);
  g_autofree char *first_sha = NULL, *second_sha = NULL;
  g_autofree char *link = NULL, *got = NULL;
  g_autoptr(GSubprocess) lost = NULL;
  NodeProcess *a, *b, *c;
  char *out = NULL, *err = NULL;
  int status;

  first_sha = write_random_file (first, 3 * 1024 * 1024 + 12345);
  second_sha = write_random_file (second, 700 * 1024 + 1);

  a = node_start_args (url, "15", sock_a, NULL);
  node_expect (a, "dht-ready ");
  {
    const char * const extra[] = { "--give-up", "5", NULL };

    c = node_start_args (url, "15", sock_c, extra);
    node_expect (c, "dht-ready ");
  }

  /* Content nobody has: c gives up after 5 s of looking (--give-up). It
   * runs while the rest of the test does. */
  lost = spawn_client (NULL, "--control", sock_c, "get",
                       "hormiga:cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd"
                       "?dn=perdido.bin", NULL);

  {
    const char * const extra[] = { "--accept-from", a->peer_id, "--download-dir", inbox, NULL };

    b = node_start_args (url, "15", sock_b, extra);
    node_expect (b, "dht-ready ");
  }

  /* share, with a path relative to the client's folder: the link alone. */
  status = run_client_in (dir, &out, &err, "--control", sock_a, "share", "hormigas.bin", NULL);
  g_assert_cmpint (status, ==, 0);
  g_assert_true (g_str_has_prefix (out, "hormiga:"));
  g_assert_nonnull (strstr (out, "dn=hormigas.bin"));
  g_assert_cmpuint (strlen (out), ==, strcspn (out, "\n") + 1);
  link = g_strndup (out, strcspn (out, "\n"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  status = run_client (&out, &err, "--control", sock_a, "--json", "share", first, NULL);
  g_assert_cmpint (status, ==, 0);
  {
    g_autofree char *expected = g_strdup_printf ("{\"link\":\"%s\",", link);

    g_assert_true (g_str_has_prefix (out, expected));
  }
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* b downloads it into a folder relative to the client's: the path on
   * stdout, the progress on stderr, the same bytes. */
  status = run_client_in (dir, &out, &err, "--control", sock_b, "get", link, "-o", "fetched",
                          NULL);
  g_test_message ("get: %s", err);
  g_assert_cmpint (status, ==, 0);
  got = g_build_filename (dir, "fetched", "hormigas.bin", NULL);
  g_assert_cmpstr (g_strstrip (out), ==, got);
  g_assert_nonnull (strstr (err, "hormigas.bin: "));
  {
    g_autofree char *sha = file_sha256 (got);

    g_assert_cmpstr (sha, ==, first_sha);
  }
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* b's transfers: done, all of it from a. */
  status = run_client (&out, &err, "--control", sock_b, "--json", "transfers", NULL);
  g_assert_cmpint (status, ==, 0);
  g_test_message ("transfers: %s", out);
  g_assert_true (g_str_has_prefix (out, "{\"total\":1,\"transfers\":[{\"cid\":\""));
  g_assert_nonnull (strstr (out, "\"state\":\"done\""));
  g_assert_cmpuint (json_number (out, "size"), ==, 3 * 1024 * 1024 + 12345);
  g_assert_cmpuint (json_number (out, "received"), ==, 3 * 1024 * 1024 + 12345);
  g_assert_nonnull (strstr (out, "\"error\":null"));
  {
    g_autofree char *from_a = g_strdup_printf ("{\"peer\":\"%s\",\"chunks\":", a->peer_id);
    const char *at = strstr (out, from_a);

    g_assert_nonnull (at);
    g_assert_cmpuint (g_ascii_strtoull (at + strlen (from_a), NULL, 10), >, 0);
    g_assert_cmpuint (json_number (at, "bytes"), ==, 3 * 1024 * 1024 + 12345);
  }
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  status = run_client (&out, &err, "--control", sock_b, "transfers", NULL);
  g_assert_cmpint (status, ==, 0);
  g_assert_true (g_str_has_prefix (out, "1 transfer\n"));
  g_assert_nonnull (strstr (out, "  done  100%  "));
  g_assert_nonnull (strstr (out, got));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* --json get: the final transfer (the same content again: at once). */
  status = run_client_in (dir, &out, &err, "--control", sock_b, "--json", "get", link, "-o",
                          "fetched", NULL);
  g_assert_cmpint (status, ==, 0);
  g_assert_true (g_str_has_prefix (out, "{\"cid\":\""));
  g_assert_nonnull (strstr (out, "\"state\":\"done\""));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* a sends to b, which takes files from a: accepted, and it lands in b's
   * download folder. */
  status = run_client (&out, &err, "--control", sock_a, "send", b->peer_id, second, NULL);
  g_test_message ("send: %s %s", out, err);
  g_assert_cmpint (status, ==, 0);
  g_assert_nonnull (strstr (out, "accepted"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  {
    g_autofree char *landed = g_build_filename (inbox, "segundo envío.bin", NULL);
    g_autofree char *path_field = g_strdup_printf ("\"path\":\"%s\"", landed);
    const char *needles[] = { path_field, NULL };
    g_autofree char *sha = NULL;

    out = poll_json (sock_b, "transfers", needles);
    g_clear_pointer (&out, g_free);
    sha = file_sha256 (landed);
    g_assert_cmpstr (sha, ==, second_sha);
  }

  /* To c, which takes files from nobody: declined, with c's reason. */
  status = run_client (&out, &err, "--control", sock_a, "send", c->peer_id, second, NULL);
  g_assert_cmpint (status, ==, 1);
  g_assert_cmpstr (out, ==, "");
  g_assert_nonnull (strstr (err, "declined"));
  g_assert_nonnull (strstr (err, "--accept-from"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  status = run_client (&out, &err, "--control", sock_a, "--json", "send", c->peer_id, second,
                       NULL);
  g_assert_cmpint (status, ==, 1);
  g_assert_true (g_str_has_prefix (out, "{\"error\":\"failed\",\"message\":"));
  g_assert_nonnull (strstr (out, "declined"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* A folder to c, which now holds offers: it takes one file of it from
   * its stdin, and `send` says which. */
  {
    g_autofree char *folder = g_build_filename (dir, "carpeta", NULL);
    g_autofree char *one = g_build_filename (folder, "uno.txt", NULL);
    g_autofree char *two = g_build_filename (folder, "dos", "dos.txt", NULL);
    g_autofree char *two_dir = g_path_get_dirname (two);
    g_autoptr(GSubprocess) sending = NULL;
    g_autofree char *accept = NULL;
    const char *waiting = NULL;

    g_mkdir_with_parents (two_dir, 0700);
    g_free (write_random_file (one, 1000));
    g_free (write_random_file (two, 2000));
    node_say (c, "hold-offers");
    node_expect (c, "holding-offers");
    sending = spawn_client (NULL, "--control", sock_a, "send", c->peer_id, folder, NULL);
    node_expect (c, "offer-waiting id=");
    for (guint i = 0; i < c->lines->len && waiting == NULL; i++)
      if (g_str_has_prefix (g_ptr_array_index (c->lines, i), "offer-waiting id="))
        waiting = g_ptr_array_index (c->lines, i);
    accept = g_strdup_printf ("accept %s dos/dos.txt", waiting + strlen ("offer-waiting id="));
    node_say (c, accept);
    node_expect (c, "offer-accepted ");
    status = finish_client (sending, &out, &err);
    g_test_message ("send: %s %s", out, err);
    g_assert_cmpint (status, ==, 0);
    {
      g_autofree char *expected = g_strdup_printf ("%s accepted 1 file of the folder:\n"
                                                   "  dos/dos.txt\n", c->peer_id);

      g_assert_cmpstr (out, ==, expected);
    }
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
  }

  /* Bad input. */
  status = run_client (&out, &err, "--control", sock_a, "share", "/nonexistent/hormigas.bin",
                       NULL);
  g_assert_cmpint (status, ==, 1);
  g_assert_nonnull (strstr (err, "/nonexistent/hormigas.bin"));
  g_assert_nonnull (strstr (err, "No such file"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  status = run_client (&out, &err, "--control", sock_b, "get", "hormiga:zz", NULL);
  g_assert_cmpint (status, ==, 2);
  g_assert_nonnull (strstr (err, "not a hormiga: link"));
  g_assert_nonnull (strstr (err, "64 hexadecimal digits"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  status = run_client (&out, &err, "--control", sock_a, "-o", dir, "share", first, NULL);
  g_assert_cmpint (status, ==, 2);
  g_assert_nonnull (strstr (err, "-o DIR goes with"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  status = run_client (&out, &err, "--control", sock_a, "send", "not-a-peer", first, NULL);
  g_assert_cmpint (status, ==, 2);
  g_assert_nonnull (strstr (err, "not a PeerID"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  status = run_client (&out, &err, "--control", sock_b, "cancel", "abc", NULL);
  g_assert_cmpint (status, ==, 2);
  g_assert_nonnull (strstr (err, "64 hexadecimal digits"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* The lost download ends, failed, and says why. */
  status = finish_client (lost, &out, &err);
  g_test_message ("lost: %s", err);
  g_assert_cmpint (status, ==, 1);
  g_assert_cmpstr (out, ==, "");
  g_assert_nonnull (strstr (err, "perdido.bin: looking for peers"));
  g_assert_nonnull (strstr (err, "the download failed: no peer has this content"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  node_stop (a);
  node_stop (b);
  node_stop (c);
  hormiga_test_remove_tree (dir);
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
  g_test_add_func ("/hormiga/cli/control-socket", test_control_socket);
  g_test_add_func ("/hormiga/cli/files", test_files);
  return g_test_run ();
}
