/* hormiga-test-server.c — runs a real hormiguero process for a test
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <libsoup/soup.h>
#include <signal.h>
#include <sys/prctl.h>

#include "hormiga-test-server.h"

struct _HormigaTestServer
{
  GSubprocess *process;
  char        *url;
  char        *node_id;
  guint16      port;
};

static const char *
hormiguero_path (void)
{
  const char *path = g_getenv ("HORMIGUERO");

  if (path == NULL)
    g_error ("HORMIGUERO is not set; run the tests with meson test");
  return path;
}

/* Runs in the child: if the test dies (a failed assertion aborts it), the
 * server dies with it instead of holding the test's output open. */
static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static HormigaTestServer *
start (const char         *listen,
       const char * const *extra_args)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GDataInputStream) out = NULL;
  g_autofree char *line = NULL;
  HormigaTestServer *server = g_new0 (HormigaTestServer, 1);
  gboolean has_listen = FALSE;
  gboolean wants_node = FALSE;
  const char *prefix = "hormiguero listening on ";

  g_ptr_array_add (argv, (gpointer) hormiguero_path ());
  for (guint i = 0; extra_args != NULL && extra_args[i] != NULL; i++)
    {
      has_listen |= g_str_has_prefix (extra_args[i], "--listen");
      wants_node |= g_str_has_prefix (extra_args[i], "--node-");
      g_ptr_array_add (argv, (gpointer) extra_args[i]);
    }
  if (!has_listen)
    {
      g_ptr_array_add (argv, (gpointer) "--listen");
      g_ptr_array_add (argv, (gpointer) listen);
    }
  if (!wants_node)
    g_ptr_array_add (argv, (gpointer) "--no-node");
  g_ptr_array_add (argv, NULL);

  {
    g_autoptr(GSubprocessLauncher) launcher =
      g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);

    g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
    server->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata,
                                                    &error);
  }
  g_assert_no_error (error);

  /* Blocking read of the first line: the server prints it once it listens. */
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (server->process));
  line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  g_assert_true (g_str_has_prefix (line, prefix));
  server->url = g_strdup (line + strlen (prefix));
  if (wants_node)
    {
      g_autofree char *health = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
      g_autofree char *node = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);

      g_assert_no_error (error);
      g_assert_nonnull (node);
      g_assert_true (g_str_has_prefix (node, "node: "));
      server->node_id = g_strdup (node + strlen ("node: "));
    }
  {
    g_autoptr(GUri) uri = g_uri_parse (server->url, G_URI_FLAGS_NONE, &error);
    g_assert_no_error (error);
    server->port = (guint16) g_uri_get_port (uri);
  }
  return server;
}

HormigaTestServer *
hormiga_test_server_start (const char * const *extra_args)
{
  return start ("127.0.0.1:0", extra_args);
}

HormigaTestServer *
hormiga_test_server_start_on (guint16             port,
                              const char * const *extra_args)
{
  g_autofree char *listen = g_strdup_printf ("127.0.0.1:%u", port);
  HormigaTestServer *server = NULL;

  /* The previous process may still hold the port for a moment. */
  for (guint attempt = 0; attempt < 50 && server == NULL; attempt++)
    {
      g_autoptr(GSocket) probe = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                               G_SOCKET_PROTOCOL_TCP, NULL);
      g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
      g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, port);

      if (g_socket_bind (probe, address, TRUE, NULL))
        {
          g_socket_close (probe, NULL);
          server = start (listen, extra_args);
        }
      else
        g_usleep (100 * 1000);
    }
  g_assert_nonnull (server);
  return server;
}

const char *
hormiga_test_server_get_url (HormigaTestServer *server)
{
  return server->url;
}

const char *
hormiga_test_server_get_node_id (HormigaTestServer *server)
{
  return server->node_id;
}

guint16
hormiga_test_server_get_port (HormigaTestServer *server)
{
  return server->port;
}

char *
hormiga_test_server_http_get (HormigaTestServer *server,
                              const char        *path,
                              guint             *status)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u%s", server->port, path);
  g_autoptr(SoupMessage) msg = soup_message_new (SOUP_METHOD_GET, url);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;

  body = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  if (status != NULL)
    *status = soup_message_get_status (msg);
  return g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
}

gint64
hormiga_test_server_metric (HormigaTestServer *server,
                            const char        *name_with_labels)
{
  g_autofree char *text = hormiga_test_server_http_get (server, "/metrics", NULL);
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  gsize name_length = strlen (name_with_labels);

  for (guint i = 0; lines[i] != NULL; i++)
    if (strncmp (lines[i], name_with_labels, name_length) == 0 && lines[i][name_length] == ' ')
      return g_ascii_strtoll (lines[i] + name_length + 1, NULL, 10);
  return -1;
}

gboolean
hormiga_test_server_is_alive (HormigaTestServer *server)
{
  return server->process != NULL && g_subprocess_get_identifier (server->process) != NULL;
}

void
hormiga_test_server_stop (HormigaTestServer *server)
{
  g_autoptr(GError) error = NULL;

  if (server == NULL)
    return;

  g_assert_true (hormiga_test_server_is_alive (server));
  g_subprocess_send_signal (server->process, SIGTERM);
  g_subprocess_wait (server->process, NULL, &error);
  g_assert_no_error (error);
  if (g_subprocess_get_if_signaled (server->process))
    g_error ("hormiguero was killed by signal %d", g_subprocess_get_term_sig (server->process));
  g_assert_true (g_subprocess_get_if_exited (server->process));
  g_assert_cmpint (g_subprocess_get_exit_status (server->process), ==, 0);

  g_clear_object (&server->process);
  g_free (server->url);
  g_free (server->node_id);
  g_free (server);
}
