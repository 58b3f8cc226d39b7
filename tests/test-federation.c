/* test-federation.c — several hormigueros serving one network
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Two real hormiguero processes on 127.0.0.1, A and B, each with its
 * embedded node; A runs with `--peer B`, so its node also joins B as an
 * ordinary node and the two embedded nodes are DHT peers. One hormiga-node
 * joins A, another joins B: they share no hormiguero, yet the node on A
 * finds the node on B, connects to it through the overlay (relays through
 * the embedded nodes; no hormiguero could carry their signals), and each
 * reads the record the other put. A third hormiguero, C, peers with none:
 * the node on A cannot reach the node on C, and says so.
 */
#include <glib/gstdio.h>
#include <string.h>
#include <sys/wait.h>

#include "hormiga-test-node.h"
#include "hormiga-test-server.h"

/* Longest wait for one step, for the slowest build (ASan, loaded CI). */
#define STEP_TIMEOUT_MS 60000

/* Lines starting with @prefix it printed so far. */
static guint
count_lines (HormigaTestNode *node,
             const char      *prefix)
{
  guint n = 0;

  while (hormiga_test_node_get_line (node, prefix, n) != NULL)
    n++;
  return n;
}

static const char *
last_line (HormigaTestNode *node,
           const char      *prefix)
{
  guint n = count_lines (node, prefix);

  return n > 0 ? hormiga_test_node_get_line (node, prefix, n - 1) : NULL;
}

typedef struct
{
  HormigaTestNode *node;
  const char      *prefix;
  guint            seen;
} NewLine;

static gboolean
has_new_line (gpointer user_data)
{
  NewLine *wait = user_data;

  return count_lines (wait->node, wait->prefix) > wait->seen;
}

/* Says @command to @node and waits for a new line starting with @prefix
 * or @other; returns the line (transfer none). */
static const char *
ask (HormigaTestNode *node,
     const char      *command,
     const char      *prefix,
     const char      *other)
{
  NewLine first = { node, prefix, count_lines (node, prefix) };
  NewLine second = { node, other, count_lines (node, other) };
  gint64 deadline = g_get_monotonic_time () + STEP_TIMEOUT_MS * G_TIME_SPAN_MILLISECOND;

  hormiga_test_node_say (node, command);
  while (g_get_monotonic_time () < deadline)
    {
      if (has_new_line (&first))
        return last_line (node, prefix);
      if (has_new_line (&second))
        return last_line (node, other);
      hormiga_test_wait_until (has_new_line, &first, 50);
    }
  g_error ("“%s” had no answer starting “%s” or “%s” in %u ms", command, prefix, other,
           STEP_TIMEOUT_MS);
  return NULL;
}

/* `find PEER` until found: the two networks become one in the first
 * seconds, while the embedded node of A joins B and bootstraps there. */
static void
find (HormigaTestNode *node,
      const char      *peer)
{
  g_autofree char *command = g_strconcat ("find ", peer, NULL);
  g_autofree char *found = g_strconcat ("found ", peer, NULL);
  g_autofree char *not_found = g_strconcat ("not-found ", peer, NULL);
  gint64 deadline = g_get_monotonic_time () + STEP_TIMEOUT_MS * G_TIME_SPAN_MILLISECOND;

  while (!g_str_has_prefix (ask (node, command, found, not_found), "found "))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (200 * 1000);
    }
}

/* The control socket's `peers` answer as JSON. */
static char *
peers_json (HormigaTestNode *node)
{
  const char *control = last_line (node, "control ");
  const char *argv[] = { g_getenv ("HORMIGA_NODE"), "--control", NULL, "--json", "peers", NULL };
  g_autoptr(GError) error = NULL;
  char *out = NULL;
  int status = 0;

  g_assert_nonnull (control);
  argv[2] = control + strlen ("control ");
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out, NULL,
                &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  return out;
}

/* The value of @key ("overlay", …) in the entry of @peer in a `peers`
 * answer; fails if there is no open connection to @peer. */
static gboolean
connection_flag (const char *json,
                 const char *peer,
                 const char *key)
{
  g_autofree char *needle = g_strdup_printf ("\"peer\":\"%s\"", peer);
  g_autofree char *field = g_strdup_printf ("\"%s\":", key);
  const char *entry = json;

  /* Two nodes that reached for each other at once may have two
   * connections: the open one counts. */
  while ((entry = strstr (entry, needle)) != NULL)
    {
      g_autofree char *object = g_strndup (entry, strcspn (entry, "}"));
      const char *value = strstr (object, field);

      entry += strlen (needle);
      if (strstr (object, "\"open\":true") == NULL || value == NULL)
        continue;
      return g_str_has_prefix (value + strlen (field), "true");
    }
  g_error ("no open connection to %s in %s", peer, json);
  return FALSE;
}

static gboolean
b_admits_three (gpointer user_data)
{
  return hormiga_test_server_metric (user_data, "hormiguero_peers_connected") == 3;
}

/* B and the node on B first, so that the node on B only answers: the
 * connection between the two nodes is the one the node on A opens. */
static void
test_one_network (void)
{
  const char *node_args[] = { "--node-address=127.0.0.1", NULL };
  HormigaTestServer *b_server = hormiga_test_server_start (node_args);
  HormigaTestNode *b = hormiga_test_node_start (hormiga_test_server_get_url (b_server));
  g_autofree char *peer_arg = g_strconcat ("--peer=", hormiga_test_server_get_url (b_server), NULL);
  const char *peered_args[] = { "--node-address=127.0.0.1", peer_arg, NULL };
  HormigaTestServer *a_server = NULL;
  HormigaTestServer *c_server = hormiga_test_server_start (node_args);
  HormigaTestNode *a = NULL;
  HormigaTestNode *c = hormiga_test_node_start (hormiga_test_server_get_url (c_server));
  const char *a_id, *b_id = hormiga_test_node_get_peer_id (b);
  g_autofree char *a_json = NULL;
  g_autofree char *b_json = NULL;
  g_autofree char *command = NULL;
  g_autofree char *not_found = NULL;
  const char *line;
  gint64 start;

  hormiga_test_node_expect (b, "dht-ready ", STEP_TIMEOUT_MS);
  hormiga_test_node_expect (c, "dht-ready ", STEP_TIMEOUT_MS);
  start = g_get_monotonic_time ();
  a_server = hormiga_test_server_start (peered_args);
  a = hormiga_test_node_start (hormiga_test_server_get_url (a_server));
  a_id = hormiga_test_node_get_peer_id (a);
  hormiga_test_node_expect (a, "dht-ready ", STEP_TIMEOUT_MS);

  /* B admits its own node, the node on B and A's node; A only its own
   * node and the node on A. */
  g_assert_true (hormiga_test_wait_until (b_admits_three, b_server, STEP_TIMEOUT_MS));
  g_assert_cmpint (hormiga_test_server_metric (a_server, "hormiguero_peers_connected"), ==, 2);

  /* The node on A finds B's embedded node, then the node on B. */
  find (a, hormiga_test_server_get_node_id (b_server));
  find (a, b_id);
  g_test_message ("the node on A found the node on B %.1f s after A started",
                  (double) (g_get_monotonic_time () - start) / G_USEC_PER_SEC);

  /* The node on A connected to the node on B through the overlay: no
   * hormiguero knows both. */
  a_json = peers_json (a);
  b_json = peers_json (b);
  g_assert_true (connection_flag (a_json, b_id, "overlay"));
  g_assert_false (connection_flag (a_json, b_id, "incoming"));
  g_assert_true (connection_flag (b_json, a_id, "overlay"));
  g_assert_true (connection_flag (b_json, a_id, "incoming"));

  /* A record of each side is read on the other. */
  line = ask (b, "put saludo hola-desde-B", "put saludo ", "error");
  g_assert_true (g_str_has_prefix (line, "put saludo stored="));
  g_assert_cmpstr (line, !=, "put saludo stored=0");
  command = g_strdup_printf ("get %s saludo", b_id);
  line = ask (a, command, "got saludo ", "not-found saludo");
  g_assert_cmpstr (line, ==, "got saludo value=hola-desde-B");
  line = ask (a, "put respuesta hola-desde-A", "put respuesta ", "error");
  g_assert_cmpstr (line, !=, "put respuesta stored=0");
  g_clear_pointer (&command, g_free);
  command = g_strdup_printf ("get %s respuesta", a_id);
  line = ask (b, command, "got respuesta ", "not-found respuesta");
  g_assert_cmpstr (line, ==, "got respuesta value=hola-desde-A");

  /* C peers with nobody: no lookup from A reaches its node. */
  g_clear_pointer (&command, g_free);
  command = g_strconcat ("find ", hormiga_test_node_get_peer_id (c), NULL);
  not_found = g_strconcat ("not-found ", hormiga_test_node_get_peer_id (c), NULL);
  line = ask (a, command, not_found, "found ");
  g_assert_cmpstr (line, ==, not_found);

  hormiga_test_node_quit (c);
  hormiga_test_node_quit (b);
  hormiga_test_node_quit (a);
  hormiga_test_server_stop (c_server);
  hormiga_test_server_stop (a_server);
  hormiga_test_server_stop (b_server);
}

/* hormiguero with @args (NULL-terminated, after the program) must refuse
 * to start (exit 2) and say @reason on stderr. */
static void
assert_refused (const char * const *args,
                const char         *reason)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status = 0;

  g_ptr_array_add (argv, (gpointer) g_getenv ("HORMIGUERO"));
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err,
                &status, &error);
  g_assert_no_error (error);
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 2);
  g_assert_cmpstr (out, ==, "");
  if (strstr (err, reason) == NULL)
    g_error ("hormiguero said “%s”, not “%s”", err, reason);
}

static void
test_refused_peers (void)
{
  g_autoptr(GSocket) probe = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                           G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any_port = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *listen = NULL;
  g_autofree char *itself = NULL;
  guint16 port;

  {
    const char *args[] = { "--no-node", "--peer=ws://127.0.0.1:1/ws", NULL };
    assert_refused (args, "--peer needs the embedded node");
  }
  {
    const char *args[] = { "--peer=http://127.0.0.1:1/ws", NULL };
    assert_refused (args, "not a WebSocket URL");
  }

  /* A free port, then hormiguero on it, told to peer with itself. */
  g_assert_true (g_socket_bind (probe, any_port, TRUE, &error));
  g_assert_no_error (error);
  bound = g_socket_get_local_address (probe, &error);
  g_assert_no_error (error);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_socket_close (probe, NULL);
  listen = g_strdup_printf ("--listen=127.0.0.1:%u", port);
  itself = g_strdup_printf ("--peer=ws://localhost:%u/ws", port);
  {
    const char *args[] = { listen, itself, NULL };
    assert_refused (args, "is this hormiguero itself");
  }
}

typedef struct
{
  HormigaTestServer *server;
  gint64             at_least;
} Replaced;

static gint64
replaced (HormigaTestServer *server)
{
  return hormiga_test_server_metric (server, "hormiguero_peers_left_total{reason=\"replaced\"}");
}

static gboolean
replaced_at_least (gpointer user_data)
{
  Replaced *wait = user_data;

  return replaced (wait->server) >= wait->at_least;
}

static gboolean
never (gpointer user_data)
{
  return FALSE;
}

/* B's node has the identity of A's node (one --node-data-dir) and B peers
 * with A: at A, B's node and A's node replace each other's admission. B
 * hears it once, says so and leaves A, and the replacing stops. */
static void
test_same_identity (void)
{
  g_autofree char *dir = g_dir_make_tmp ("hormiga-federation-XXXXXX", NULL);
  g_autofree char *data_dir = g_strconcat ("--node-data-dir=", dir, NULL);
  g_autofree char *key = g_build_filename (dir, "identity.key", NULL);
  const char *a_args[] = { "--node-address=127.0.0.1", data_dir, NULL };
  HormigaTestServer *a_server = hormiga_test_server_start (a_args);
  g_autofree char *peer_arg = g_strconcat ("--peer=", hormiga_test_server_get_url (a_server), NULL);
  const char *b_args[] = { "--node-address=127.0.0.1", data_dir, peer_arg, NULL };
  HormigaTestServer *b_server = hormiga_test_server_start (b_args);
  Replaced wait = { a_server, 2 };
  gint64 settled;

  g_assert_cmpstr (hormiga_test_server_get_node_id (a_server), ==,
                   hormiga_test_server_get_node_id (b_server));
  /* B's node replaces A's at A, A's node comes back and replaces B's. */
  g_assert_true (hormiga_test_wait_until (replaced_at_least, &wait, STEP_TIMEOUT_MS));
  hormiga_test_wait_until (never, NULL, 1000);
  settled = replaced (a_server);
  /* Reconnecting after each replacement takes at most 250 ms. */
  hormiga_test_wait_until (never, NULL, 2000);
  g_assert_cmpint (replaced (a_server), ==, settled);
  g_assert_cmpint (hormiga_test_server_metric (a_server, "hormiguero_peers_connected"), ==, 1);

  hormiga_test_server_stop (b_server);
  hormiga_test_server_stop (a_server);
  g_assert_cmpint (g_unlink (key), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/hormiga/federation/one-network", test_one_network);
  g_test_add_func ("/hormiga/federation/refused-peers", test_refused_peers);
  g_test_add_func ("/hormiga/federation/same-identity", test_same_identity);
  return g_test_run ();
}
