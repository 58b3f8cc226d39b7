/* test-dht-proxy.c — a newly joined node's lookups through a lookup proxy
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A hormiguero and four `hormiga-node` processes on 127.0.0.1; one of them
 * puts a record. A fifth node joins in client mode (so that it publishes
 * nothing and gains no connections of its own accord): its bootstrap, a
 * find of a node it is not connected to and a read of the record each go
 * as one request to the peer it bootstrapped through, which runs them;
 * the answers are right, the newcomer still has that one connection, and
 * the counters of both sides say so (the proxy's, and no other node's,
 * grew by the newcomer's lookups). Then the newcomer offers a file to two
 * other nodes, which gives it three connections: its next read runs
 * itself, and no proxy serves anything more.
 */
#include <glib/gstdio.h>
#include <string.h>

#include "hormiga-test-node.h"
#include "hormiga-test-server.h"

#define N_NODES 4
/* Longest wait for one step, for the slowest build (ASan, loaded CI). */
#define STEP_TIMEOUT_MS 60000

typedef struct
{
  HormigaTestNode *node;
  const char      *prefix;
  guint            from;
} Wait;

static gboolean
has_line_from (gpointer user_data)
{
  Wait *wait = user_data;

  return hormiga_test_node_find_line (wait->node, wait->prefix, wait->from) >= 0;
}

/* Says @command and returns the first line starting with @prefix that
 * @node prints after it (transfer none). */
static const char *
ask (HormigaTestNode *node,
     const char      *command,
     const char      *prefix)
{
  Wait wait = { node, prefix, hormiga_test_node_get_n_lines (node) };
  gint index;

  hormiga_test_node_say (node, command);
  if (!hormiga_test_wait_until (has_line_from, &wait, STEP_TIMEOUT_MS))
    g_error ("no \"%s\" line after \"%s\" within %u ms", prefix, command, STEP_TIMEOUT_MS);
  index = hormiga_test_node_find_line (node, prefix, wait.from);
  return hormiga_test_node_get_line (node, "", (guint) index);
}

static guint64
counter (const char *line,
         const char *name)
{
  g_autofree char *key = g_strdup_printf ("\"%s\":", name);
  const char *at = strstr (line, key);

  if (at == NULL)
    g_error ("no %s in \"%s\"", name, line);
  return g_ascii_strtoull (at + strlen (key), NULL, 10);
}

static guint64
stat_of (HormigaTestNode *node,
         const char      *name)
{
  return counter (ask (node, "dht", "dht {"), name);
}

static void
test_newcomer_proxy (void)
{
  const char *options[] = { "--contingents", "0", NULL };
  const char *newcomer_options[] = { "--contingents", "0", "--client-mode", NULL };
  HormigaTestServer *server = hormiga_test_server_start (NULL);
  const char *url = hormiga_test_server_get_url (server);
  HormigaTestNode *nodes[N_NODES];
  guint64 served_before[N_NODES];
  HormigaTestNode *newcomer;
  g_autofree char *file = NULL;
  g_autofree char *get = NULL;
  const char *owner;
  const char *line;
  gint proxy = -1, others[2] = { -1, -1 };
  gint64 started = g_get_monotonic_time ();

  for (guint i = 0; i < N_NODES; i++)
    {
      nodes[i] = hormiga_test_node_spawn_with (url, options);
      hormiga_test_node_expect (nodes[i], "dht-ready", STEP_TIMEOUT_MS);
    }
  owner = hormiga_test_node_get_peer_id (nodes[0]);
  line = ask (nodes[0], "put status hola", "put status");
  g_assert_cmpuint (g_ascii_strtoull (strstr (line, "stored=") + strlen ("stored="), NULL, 10), >=, 1);
  for (guint i = 0; i < N_NODES; i++)
    served_before[i] = stat_of (nodes[i], "lookups_served_as_proxy");

  /* The newcomer's bootstrap went to one node, which is its proxy. */
  newcomer = hormiga_test_node_spawn_with (url, newcomer_options);
  hormiga_test_node_expect (newcomer, "dht-ready", STEP_TIMEOUT_MS);
  g_assert_cmpuint (stat_of (newcomer, "lookups_proxied"), ==, 1);
  for (guint i = 0; i < N_NODES; i++)
    {
      guint64 served = stat_of (nodes[i], "lookups_served_as_proxy") - served_before[i];

      g_assert_cmpuint (served, <=, 1);
      if (served == 1)
        {
          g_assert_cmpint (proxy, ==, -1);
          proxy = (gint) i;
        }
    }
  g_assert_cmpint (proxy, >=, 0);
  for (guint i = 0, n = 0; i < N_NODES; i++)
    if ((gint) i != proxy && n < 2)
      others[n++] = (gint) i;
  g_test_message ("the newcomer's proxy is node %d", proxy);

  /* A node it is not connected to, and the record: through the proxy. */
  {
    g_autofree char *find = g_strdup_printf ("find %s", hormiga_test_node_get_peer_id (nodes[others[0]]));
    g_autofree char *found = g_strdup_printf ("found %s", hormiga_test_node_get_peer_id (nodes[others[0]]));

    line = ask (newcomer, find, "found ");
    g_assert_true (g_str_has_prefix (line, found));
  }
  get = g_strdup_printf ("get %s status", owner);
  line = ask (newcomer, get, "got status");
  g_assert_cmpstr (line, ==, "got status value=hola");
  line = ask (newcomer, "dht", "dht {");
  g_assert_cmpuint (counter (line, "lookups_proxied"), ==, 3);
  g_assert_cmpuint (counter (line, "proxy_failures"), ==, 0);
  g_assert_cmpuint (counter (line, "connections"), ==, 1);
  for (guint i = 0; i < N_NODES; i++)
    g_assert_cmpuint (stat_of (nodes[i], "lookups_served_as_proxy") - served_before[i], ==,
                      (gint) i == proxy ? 3 : 0);

  /* Offers to two other nodes give it three connections: it looks up by
   * itself from then on. */
  file = g_build_filename (hormiga_test_node_get_dir (newcomer), "note.txt", NULL);
  g_assert_true (g_file_set_contents (file, "hola", -1, NULL));
  for (guint n = 0; n < 2; n++)
    {
      HormigaTestNode *to = nodes[others[n]];
      g_autofree char *send = g_strdup_printf ("send-file %s %s", hormiga_test_node_get_peer_id (to), file);
      Wait wait = { to, "offer id=", hormiga_test_node_get_n_lines (to) };

      hormiga_test_node_say (newcomer, send);
      g_assert_true (hormiga_test_wait_until (has_line_from, &wait, STEP_TIMEOUT_MS));
    }
  line = ask (newcomer, get, "got status");
  g_assert_cmpstr (line, ==, "got status value=hola");
  line = ask (newcomer, "dht", "dht {");
  g_assert_cmpuint (counter (line, "connections"), >=, 3);
  g_assert_cmpuint (counter (line, "lookups_proxied"), ==, 3);
  for (guint i = 0; i < N_NODES; i++)
    g_assert_cmpuint (stat_of (nodes[i], "lookups_served_as_proxy") - served_before[i], ==,
                      (gint) i == proxy ? 3 : 0);
  g_test_message ("%.1f s", (g_get_monotonic_time () - started) / 1e6);

  hormiga_test_node_quit (newcomer);
  for (guint i = 0; i < N_NODES; i++)
    hormiga_test_node_quit (nodes[i]);
  hormiga_test_server_stop (server);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/hormiga/dht-proxy/newcomer", test_newcomer_proxy);
  return g_test_run ();
}
