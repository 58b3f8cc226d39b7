/* test-node-thread.c — the application's node thread, without GTK
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include <glib/gstdio.h>
#include <sodium.h>

#include "hormiga-dht-key.h"
#include "hormiga-identity.h"
#include "hormiga-node-thread.h"
#include "hormiga-peer-id.h"
#include "hormiga-signaling-client.h"
#include "hormiga-test-node.h"
#include "hormiga-test-server.h"
#include "hormiga-transfer-manager.h"

/* Generous: these only fail a broken test, never a slow machine. */
#define WAIT_MS 20000

typedef struct
{
  char              *data_dir;
  char              *peer_id;      /* what the node must be admitted as */
  HormigaNodeThread *node;
  GThread           *ui_thread;
  guint              n_notifies;
  guint              n_notifies_off_thread;
  GPtrArray         *states;       /* every state notified, in order */
  guint              n_items_changed;
  guint              n_items_changed_off_thread;
  guint              n_removed;    /* items the peer model dropped, in all */
} Fixture;

static void
on_notify (GObject    *object,
           GParamSpec *pspec,
           gpointer    user_data)
{
  Fixture *fixture = user_data;

  fixture->n_notifies++;
  if (g_thread_self () != fixture->ui_thread)
    fixture->n_notifies_off_thread++;
  if (g_str_equal (pspec->name, "state"))
    g_ptr_array_add (fixture->states,
                     GUINT_TO_POINTER (hormiga_node_thread_get_state (HORMIGA_NODE_THREAD (object))));
}

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HormigaIdentity) identity = NULL;

  fixture->data_dir = g_dir_make_tmp ("hormiga-node-thread-XXXXXX", &error);
  g_assert_no_error (error);
  identity = hormiga_identity_load_or_create (fixture->data_dir, &error);
  g_assert_no_error (error);
  fixture->peer_id =
    g_strdup (hormiga_peer_id_to_string (hormiga_identity_get_peer_id (identity)));
  fixture->ui_thread = g_thread_self ();
  fixture->states = g_ptr_array_new ();
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autofree char *key = g_build_filename (fixture->data_dir, HORMIGA_KEY_FILE_NAME, NULL);

  if (fixture->node != NULL)
    {
      hormiga_node_thread_stop (fixture->node);
      g_assert_finalize_object (fixture->node);
    }
  g_assert_cmpuint (fixture->n_notifies_off_thread, ==, 0);
  g_assert_cmpuint (fixture->n_items_changed_off_thread, ==, 0);
  g_ptr_array_unref (fixture->states);
  g_unlink (key);
  g_rmdir (fixture->data_dir);
  g_free (fixture->data_dir);
  g_free (fixture->peer_id);
}

static void
on_items_changed (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  gpointer    user_data)
{
  Fixture *fixture = user_data;

  fixture->n_items_changed++;
  fixture->n_removed += removed;
  if (g_thread_self () != fixture->ui_thread)
    fixture->n_items_changed_off_thread++;
}

static void
start_node (Fixture    *fixture,
            const char *url,
            guint       start_timeout)
{
  fixture->node = g_object_new (HORMIGA_TYPE_NODE_THREAD,
                                "configured-url", url,
                                "data-dir", fixture->data_dir,
                                "start-timeout", start_timeout,
                                "ice-address", "127.0.0.1",
                                NULL);
  g_signal_connect (fixture->node, "notify", G_CALLBACK (on_notify), fixture);
  g_signal_connect (hormiga_node_thread_get_peers (fixture->node), "items-changed",
                    G_CALLBACK (on_items_changed), fixture);
  hormiga_node_thread_start (fixture->node);
}

static gboolean
admitted (gpointer user_data)
{
  Fixture *fixture = user_data;

  return hormiga_node_thread_get_state (fixture->node) == HORMIGA_NODE_STATE_ADMITTED;
}

static gboolean
dht_ready (gpointer user_data)
{
  Fixture *fixture = user_data;

  return hormiga_node_thread_get_dht_ready (fixture->node);
}

static gboolean
offline (gpointer user_data)
{
  Fixture *fixture = user_data;

  return hormiga_node_thread_get_state (fixture->node) == HORMIGA_NODE_STATE_OFFLINE;
}

static gboolean
failed (gpointer user_data)
{
  Fixture *fixture = user_data;

  return hormiga_node_thread_get_state (fixture->node) == HORMIGA_NODE_STATE_FAILED;
}

static gboolean
client_admitted (gpointer user_data)
{
  return hormiga_signaling_client_get_state (user_data) == HORMIGA_SIGNALING_STATE_ADMITTED;
}

static gboolean
client_lost (gpointer user_data)
{
  return hormiga_signaling_client_get_state (user_data) == HORMIGA_SIGNALING_STATE_WAITING;
}

static void
assert_fell_back (Fixture    *fixture,
                  const char *configured_url)
{
  const char *url;

  g_assert_true (hormiga_test_wait_until (admitted, fixture, WAIT_MS));
  url = hormiga_node_thread_get_server_url (fixture->node);
  g_assert_true (hormiga_node_thread_get_embedded (fixture->node));
  g_assert_nonnull (url);
  g_assert_true (g_str_has_prefix (url, "ws://127.0.0.1:"));
  g_assert_true (g_str_has_suffix (url, "/ws"));
  if (configured_url != NULL)
    g_assert_cmpstr (url, !=, configured_url);
  g_assert_nonnull (hormiga_node_thread_get_fallback_reason (fixture->node));
  g_assert_cmpstr (hormiga_node_thread_get_peer_id (fixture->node), ==, fixture->peer_id);
  g_assert_null (hormiga_node_thread_get_error_message (fixture->node));
}

/* Joins the configured hormiguero, reports its PeerID and the size of the
 * bootstrap sample, and every notification arrives on this thread. */
static void
test_admitted (Fixture       *fixture,
               gconstpointer  data)
{
  HormigaTestServer *server = hormiga_test_server_start (NULL);
  g_autoptr(HormigaIdentity) other = hormiga_identity_generate ();
  g_autoptr(HormigaSignalingClient) client =
    hormiga_signaling_client_new (hormiga_test_server_get_url (server), other, NULL);

  /* Someone already there, so the sample is not empty. */
  hormiga_signaling_client_start (client);
  g_assert_true (hormiga_test_wait_until (client_admitted, client, WAIT_MS));

  start_node (fixture, hormiga_test_server_get_url (server),
              HORMIGA_NODE_THREAD_DEFAULT_START_TIMEOUT);
  g_assert_true (hormiga_test_wait_until (admitted, fixture, WAIT_MS));

  g_assert_cmpstr (hormiga_node_thread_get_peer_id (fixture->node), ==, fixture->peer_id);
  g_assert_cmpstr (hormiga_node_thread_get_server_url (fixture->node), ==,
                   hormiga_test_server_get_url (server));
  g_assert_cmpuint (hormiga_node_thread_get_n_known_peers (fixture->node), ==, 1);
  g_assert_false (hormiga_node_thread_get_embedded (fixture->node));
  g_assert_null (hormiga_node_thread_get_fallback_reason (fixture->node));
  g_assert_null (hormiga_node_thread_get_error_message (fixture->node));
  g_assert_cmpint (hormiga_test_server_metric (server, "hormiguero_peers_connected"), ==, 2);

  /* STARTING, CONNECTING, ADMITTED, in that order. */
  g_assert_cmpuint (fixture->states->len, >=, 3);
  g_assert_cmpuint (GPOINTER_TO_UINT (g_ptr_array_index (fixture->states, 0)), ==,
                    HORMIGA_NODE_STATE_STARTING);
  g_assert_cmpuint (GPOINTER_TO_UINT (g_ptr_array_index (fixture->states, 1)), ==,
                    HORMIGA_NODE_STATE_CONNECTING);
  g_assert_cmpuint (GPOINTER_TO_UINT (g_ptr_array_index (fixture->states,
                                                         fixture->states->len - 1)), ==,
                    HORMIGA_NODE_STATE_ADMITTED);
  g_assert_cmpuint (fixture->n_notifies_off_thread, ==, 0);

  /* The DHT's bootstrap lookup ends (the other peer answers no DHT
   * request: it only signals), and only then is the node stopped, so
   * that no lookup is cut short (HormigaDht leaks a bootstrap's state
   * when it is freed during the lookup). */
  g_assert_true (hormiga_test_wait_until (dht_ready, fixture, 60000));

  /* Stopping leaves hormiguero and says so at once. */
  hormiga_node_thread_stop (fixture->node);
  g_assert_cmpint (hormiga_node_thread_get_state (fixture->node), ==, HORMIGA_NODE_STATE_STOPPED);
  g_assert_null (hormiga_node_thread_get_server_url (fixture->node));

  hormiga_signaling_client_stop (client);
  hormiga_test_server_stop (server);
}

/* A configured hormiguero that refuses connections: the node starts its
 * own and joins it, and others can join it too. */
static void
test_fallback_unreachable (Fixture       *fixture,
                           gconstpointer  data)
{
  const char *unreachable = "ws://127.0.0.1:1/ws";
  g_autoptr(HormigaIdentity) other = hormiga_identity_generate ();
  g_autoptr(HormigaSignalingClient) client = NULL;
  const char * const *sample;

  start_node (fixture, unreachable, HORMIGA_NODE_THREAD_DEFAULT_START_TIMEOUT);
  assert_fell_back (fixture, unreachable);
  g_assert_nonnull (strstr (hormiga_node_thread_get_fallback_reason (fixture->node),
                            "127.0.0.1:1"));
  g_assert_cmpuint (hormiga_node_thread_get_n_known_peers (fixture->node), ==, 0);

  /* The built-in hormiguero serves other nodes, and knows ours. */
  client = hormiga_signaling_client_new (hormiga_node_thread_get_server_url (fixture->node),
                                         other, NULL);
  hormiga_signaling_client_start (client);
  g_assert_true (hormiga_test_wait_until (client_admitted, client, WAIT_MS));
  sample = hormiga_signaling_client_get_bootstrap_peers (client);
  g_assert_nonnull (sample);
  g_assert_true (g_strv_contains (sample, fixture->peer_id));

  /* Stopping the node stops its hormiguero: the other node loses it. */
  hormiga_node_thread_stop (fixture->node);
  g_assert_true (hormiga_test_wait_until (client_lost, client, WAIT_MS));
  hormiga_signaling_client_stop (client);
}

static void
test_no_server (Fixture       *fixture,
                gconstpointer  data)
{
  start_node (fixture, "", HORMIGA_NODE_THREAD_DEFAULT_START_TIMEOUT);
  assert_fell_back (fixture, NULL);
  g_assert_cmpstr (hormiga_node_thread_get_fallback_reason (fixture->node), ==,
                   "no hormiguero is configured");
}

/* A hormiguero that accepts TCP connections but never answers: after the
 * start timeout the node uses its own. */
static void
test_fallback_silent (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autofree char *url = NULL;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                         &error);
  g_assert_no_error (error);
  g_socket_bind (socket, address, TRUE, &error);
  g_assert_no_error (error);
  g_socket_listen (socket, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  url = g_strdup_printf ("ws://127.0.0.1:%u/ws",
                         g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));

  start_node (fixture, url, 300);
  assert_fell_back (fixture, url);
  g_assert_nonnull (strstr (hormiga_node_thread_get_fallback_reason (fixture->node),
                            "did not admit"));
}

/* After a first admission a lost hormiguero is reported, not replaced, and
 * the node joins again when it is back. */
static void
test_server_lost (Fixture       *fixture,
                  gconstpointer  data)
{
  HormigaTestServer *server = hormiga_test_server_start (NULL);
  guint16 port = hormiga_test_server_get_port (server);
  g_autofree char *url = g_strdup (hormiga_test_server_get_url (server));

  start_node (fixture, url, HORMIGA_NODE_THREAD_DEFAULT_START_TIMEOUT);
  g_assert_true (hormiga_test_wait_until (admitted, fixture, WAIT_MS));

  hormiga_test_server_stop (server);
  g_assert_true (hormiga_test_wait_until (offline, fixture, WAIT_MS));
  g_assert_nonnull (hormiga_node_thread_get_error_message (fixture->node));
  g_assert_false (hormiga_node_thread_get_embedded (fixture->node));
  g_assert_cmpstr (hormiga_node_thread_get_server_url (fixture->node), ==, url);

  server = hormiga_test_server_start_on (port, NULL);
  g_assert_true (hormiga_test_wait_until (admitted, fixture, WAIT_MS));
  g_assert_false (hormiga_node_thread_get_embedded (fixture->node));
  g_assert_null (hormiga_node_thread_get_error_message (fixture->node));

  hormiga_node_thread_stop (fixture->node);
  hormiga_test_server_stop (server);
}

/* A damaged key file is never replaced: the node fails and says where. */
static void
test_bad_identity (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *key = g_build_filename (fixture->data_dir, HORMIGA_KEY_FILE_NAME, NULL);

  g_file_set_contents (key, "not a key", -1, &error);
  g_assert_no_error (error);

  start_node (fixture, "", HORMIGA_NODE_THREAD_DEFAULT_START_TIMEOUT);
  g_assert_true (hormiga_test_wait_until (failed, fixture, WAIT_MS));
  g_assert_nonnull (strstr (hormiga_node_thread_get_error_message (fixture->node), key));
  g_assert_null (hormiga_node_thread_get_server_url (fixture->node));
}

/* Stopping at once, before the thread has done anything, and dropping the
 * last reference while it runs, both end the thread. */
static void
test_stop_at_once (Fixture       *fixture,
                   gconstpointer  data)
{
  for (guint i = 0; i < 20; i++)
    {
      HormigaNodeThread *node = hormiga_node_thread_new ("", fixture->data_dir);

      hormiga_node_thread_start (node);
      if (i % 2 == 0)
        hormiga_node_thread_stop (node);
      g_assert_finalize_object (node);
    }

  /* Copies posted before the stop are dropped: it stays STOPPED. */
  start_node (fixture, "", HORMIGA_NODE_THREAD_DEFAULT_START_TIMEOUT);
  g_assert_true (hormiga_test_wait_until (admitted, fixture, WAIT_MS));
  hormiga_node_thread_stop (fixture->node);
  g_assert_false (hormiga_test_wait_until (admitted, fixture, 300));
  g_assert_cmpint (hormiga_node_thread_get_state (fixture->node), ==, HORMIGA_NODE_STATE_STOPPED);

  /* And it can start again. */
  hormiga_node_thread_start (fixture->node);
  g_assert_true (hormiga_test_wait_until (admitted, fixture, WAIT_MS));
}

/* Longest wait for the peers steps (three node processes, ASan). */
#define PEERS_WAIT_MS 60000
#define N_PEERS 3

typedef struct { Fixture *fixture; guint n; } CountWait;

static gboolean
n_connected_is (gpointer user_data)
{
  CountWait *wait = user_data;

  return hormiga_node_thread_get_n_connected (wait->fixture->node) == wait->n;
}

static gboolean
never (gpointer user_data)
{
  return FALSE;
}

static HormigaPeerItem *
find_item (GListModel *model,
           const char *peer_id)
{
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(HormigaPeerItem) item = g_list_model_get_item (model, i);

      if (g_str_equal (hormiga_peer_item_get_peer_id (item), peer_id))
        return item;   /* the model keeps it */
    }
  return NULL;
}

static gboolean
all_exchanged (gpointer user_data)
{
  GListModel *model = user_data;

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(HormigaPeerItem) item = g_list_model_get_item (model, i);

      if (hormiga_peer_item_get_connected (item)
          && (hormiga_peer_item_get_bytes_sent (item) == 0
              || hormiga_peer_item_get_bytes_received (item) == 0
              || hormiga_peer_item_get_rtt (item) < 0))
        return FALSE;
    }
  return TRUE;
}

/* With three hormiga-node processes on the hormiguero, the node connects
 * to each (its DHT bootstrap), and its peer model lists them as direct
 * connections with their DHT ring, traffic and round-trip time, sorted closest ring first.
 * The periodic refreshes update the same items in place; a node that
 * vanishes changes only its own entry.
 *
 * The node is killed rather than told to quit: a quitting node's `bye` can
 * reach the connector while it is still dropping the failed session from
 * an idle source, and the connector then removes that source by id, which
 * only works on the default context (see hormiga-rtc-connector.c,
 * session_free()). */
typedef struct
{
  HormigaTestNode **nodes;
  guint             n_nodes;
  char             *leaving;
  char             *takeover;
} LeaveWait;

/* Some node heard our leave as an owner, and some as a contingent. */
static gboolean
leave_heard (gpointer user_data)
{
  LeaveWait *wait = user_data;
  gboolean leaving = FALSE, takeover = FALSE;

  for (guint i = 0; i < wait->n_nodes; i++)
    {
      leaving = leaving || hormiga_test_node_has_line (wait->nodes[i], wait->leaving);
      takeover = takeover || hormiga_test_node_has_line (wait->nodes[i], wait->takeover);
    }
  return leaving && takeover;
}

static gboolean
chain_complete (gpointer user_data)
{
  GListModel *model = user_data;
  guint contingents = 0, protected = 0, mutual = 0;

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(HormigaPeerItem) item = g_list_model_get_item (model, i);

      switch (hormiga_peer_item_get_role (item))
        {
        case HORMIGA_PEER_ROLE_CONTINGENT: contingents++; break;
        case HORMIGA_PEER_ROLE_PROTECTED:  protected++; break;
        case HORMIGA_PEER_ROLE_MUTUAL:     mutual++; break;
        case HORMIGA_PEER_ROLE_NEIGHBOUR:  break;
        }
    }
  return contingents == 1 && protected == 1 && mutual == 1;
}

typedef struct
{
  HormigaPeerItem *item;
  const char      *name;
} NameWait;

static gboolean
item_name_is (gpointer user_data)
{
  NameWait *wait = user_data;

  return g_strcmp0 (hormiga_peer_item_get_display_name (wait->item), wait->name) == 0;
}

/* `hormiga-node peers --json` of @node lists @peer_id with @name, within
 * PEERS_WAIT_MS. */
static void
assert_named_at (HormigaTestNode *node,
                 const char      *peer_id,
                 const char      *name)
{
  g_autofree char *needle = g_strdup_printf ("{\"peer\":\"%s\",\"name\":\"%s\",", peer_id, name);
  gint64 deadline = g_get_monotonic_time () + (gint64) PEERS_WAIT_MS * 1000;
  const char *argv[] = { g_getenv ("HORMIGA_NODE"), "--data-dir", hormiga_test_node_get_dir (node),
                         "--json", "peers", NULL };

  for (;;)
    {
      g_autofree char *out = NULL;
      g_autoptr(GError) error = NULL;
      int status = 0;

      g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, NULL, &status,
                    &error);
      g_assert_no_error (error);
      if (strstr (out, needle) != NULL)
        return;
      if (g_get_monotonic_time () > deadline)
        g_error ("the peer never showed %s; last: %s", needle, out);
      hormiga_test_pause_ms (200);
    }
}

static void
test_peers (Fixture       *fixture,
            gconstpointer  data)
{
  HormigaTestServer *server = hormiga_test_server_start (NULL);
  HormigaTestNode *nodes[N_PEERS];
  HormigaPeerItem *items[N_PEERS];
  g_autoptr(HormigaPeerId) own = hormiga_peer_id_parse (fixture->peer_id, NULL);
  CountWait wait = { fixture, N_PEERS };
  HormigaDhtKey own_key;
  GListModel *model;
  guint n_removed;

  for (guint i = 0; i < N_PEERS; i++)
    {
      g_autofree char *name = g_strdup_printf ("Nodo %u", i);
      const char *options[] = { "--name", name, NULL };

      nodes[i] = hormiga_test_node_spawn_with (hormiga_test_server_get_url (server), options);
      hormiga_test_node_expect (nodes[i], "admitted ", PEERS_WAIT_MS);
    }

  start_node (fixture, hormiga_test_server_get_url (server),
              HORMIGA_NODE_THREAD_DEFAULT_START_TIMEOUT);
  hormiga_node_thread_set_display_name (fixture->node, "Hormiga de prueba");
  model = hormiga_node_thread_get_peers (fixture->node);
  g_assert_true (hormiga_test_wait_until (admitted, fixture, PEERS_WAIT_MS));
  if (!hormiga_test_wait_until (n_connected_is, &wait, PEERS_WAIT_MS))
    g_error ("connected to %u peers of %u", hormiga_node_thread_get_n_connected (fixture->node),
             N_PEERS);
  g_assert_cmpuint (hormiga_node_thread_get_n_direct (fixture->node), ==, N_PEERS);
  g_assert_cmpuint (hormiga_node_thread_get_n_relayed (fixture->node), ==, 0);
  g_assert_true (hormiga_test_wait_until (all_exchanged, model, PEERS_WAIT_MS));

  hormiga_dht_key_from_peer_id (&own_key, own);
  for (guint i = 0; i < N_PEERS; i++)
    {
      g_autoptr(HormigaPeerId) peer = hormiga_peer_id_parse (hormiga_test_node_get_peer_id (nodes[i]),
                                                             NULL);
      HormigaDhtKey key;

      items[i] = find_item (model, hormiga_test_node_get_peer_id (nodes[i]));
      g_assert_nonnull (items[i]);
      g_assert_true (hormiga_peer_item_get_connected (items[i]));
      g_assert_cmpint (hormiga_peer_item_get_kind (items[i]), ==, HORMIGA_PEER_KIND_DIRECT);
      g_assert_cmpint (hormiga_peer_item_get_connected_since (items[i]), >, 0);
      /* The SCTP association's smoothed RTT, on loopback. */
      g_test_message ("RTT to %s: %d ms", hormiga_peer_item_get_short_id (items[i]),
                      hormiga_peer_item_get_rtt (items[i]));
      g_assert_cmpint (hormiga_peer_item_get_rtt (items[i]), >=, 0);
      g_assert_cmpint (hormiga_peer_item_get_rtt (items[i]), <, 1000);
      hormiga_dht_key_from_peer_id (&key, peer);
      g_assert_cmpmem (hormiga_peer_item_get_key (items[i]), HORMIGA_PEER_ITEM_KEY_SIZE,
                       key.bytes, sizeof key.bytes);
      g_assert_cmpuint (hormiga_peer_item_get_bucket (items[i]), ==,
                        hormiga_dht_key_common_prefix (&own_key, &key));
      g_assert_true (g_str_has_suffix (hormiga_test_node_get_peer_id (nodes[i]),
                                       g_utf8_strchr (hormiga_peer_item_get_short_id (items[i]),
                                                      -1, 0x2026) + strlen ("…")));
    }

  /* Each peer's name, and ours at each peer, changed while connected. */
  for (guint i = 0; i < N_PEERS; i++)
    {
      g_autofree char *name = g_strdup_printf ("Nodo %u", i);
      NameWait named = { items[i], name };

      if (!hormiga_test_wait_until (item_name_is, &named, PEERS_WAIT_MS))
        g_error ("%s never showed its name", hormiga_peer_item_get_short_id (items[i]));
    }
  assert_named_at (nodes[0], fixture->peer_id, "Hormiga de prueba");
  hormiga_node_thread_set_display_name (fixture->node, "Otra hormiga");
  assert_named_at (nodes[0], fixture->peer_id, "Otra hormiga");

  /* Closest ring first, then by PeerID. */
  for (guint i = 1; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(HormigaPeerItem) a = g_list_model_get_item (model, i - 1);
      g_autoptr(HormigaPeerItem) b = g_list_model_get_item (model, i);

      g_assert_cmpuint (hormiga_peer_item_get_bucket (a), >=, hormiga_peer_item_get_bucket (b));
      if (hormiga_peer_item_get_bucket (a) == hormiga_peer_item_get_bucket (b))
        g_assert_cmpstr (hormiga_peer_item_get_peer_id (a), <, hormiga_peer_item_get_peer_id (b));
    }

  /* The contingency chain: on a ring of four nodes with two contingents
   * each, this node's two successors back it up and it backs up its two
   * predecessors; one of the three peers is both. */
  if (!hormiga_test_wait_until (chain_complete, model, PEERS_WAIT_MS))
    {
      for (guint i = 0; i < N_PEERS; i++)
        g_printerr ("%s: role %d\n", hormiga_peer_item_get_short_id (items[i]),
                    hormiga_peer_item_get_role (items[i]));
      g_error ("the chain never showed two contingents and two protected nodes");
    }

  /* Two refreshes later: the same items, nothing removed. */
  n_removed = fixture->n_removed;
  hormiga_test_wait_until (never, NULL, 4500);
  g_assert_cmpuint (fixture->n_removed, ==, n_removed);
  for (guint i = 0; i < N_PEERS; i++)
    g_assert_true (find_item (model, hormiga_test_node_get_peer_id (nodes[i])) == items[i]);

  /* One vanishes (killed: no goodbye): its connection ends within the peer
   * timeout; the others keep their items. */
  hormiga_test_node_kill (nodes[N_PEERS - 1]);
  wait.n = N_PEERS - 1;
  g_assert_true (hormiga_test_wait_until (n_connected_is, &wait, PEERS_WAIT_MS));
  for (guint i = 0; i + 1 < N_PEERS; i++)
    {
      g_assert_true (find_item (model, hormiga_test_node_get_peer_id (nodes[i])) == items[i]);
      g_assert_true (hormiga_peer_item_get_connected (items[i]));
    }
  g_test_message ("items-changed emitted %u times, %u items removed in all",
                  fixture->n_items_changed, fixture->n_removed);

  /* Stopping empties the model, after a graceful leave: the nodes this
   * one protected hear that it goes, the ones that protect it take its
   * records over at once. */
  hormiga_node_thread_stop (fixture->node);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 0);
  g_assert_cmpuint (hormiga_node_thread_get_n_connected (fixture->node), ==, 0);
  {
    LeaveWait leave = { nodes, N_PEERS - 1, NULL, NULL };

    leave.leaving = g_strdup_printf ("contingency-leaving peer=%s", fixture->peer_id);
    leave.takeover = g_strdup_printf ("contingency-takeover owner=%s", fixture->peer_id);
    if (!hormiga_test_wait_until (leave_heard, &leave, PEERS_WAIT_MS))
      g_error ("no peer heard the node leave");
    g_free (leave.leaving);
    g_free (leave.takeover);
  }

  for (guint i = 0; i + 1 < N_PEERS; i++)
    hormiga_test_node_quit (nodes[i]);
  hormiga_test_server_stop (server);
}

typedef struct
{
  gboolean  done;
  guint     id;
  GError   *error;
} Download;

static void
on_download_started (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  Download *download = user_data;

  download->id = hormiga_node_thread_download_finish (HORMIGA_NODE_THREAD (object), result,
                                                      &download->error);
  download->done = TRUE;
}

static gboolean
download_done (gpointer user_data)
{
  return ((Download *) user_data)->done;
}

/* A link that is none is refused with an error and no transfer: id 0, as
 * the callers test. */
static void
test_bad_link (Fixture       *fixture,
               gconstpointer  data)
{
  Download download = { 0 };

  start_node (fixture, "", HORMIGA_NODE_THREAD_DEFAULT_START_TIMEOUT);
  hormiga_node_thread_download_async (fixture->node, "hormiga:not-a-link", fixture->data_dir,
                                      NULL, on_download_started, &download);
  g_assert_true (hormiga_test_wait_until (download_done, &download, 10000));
  g_assert_cmpuint (download.id, ==, 0);
  g_assert_nonnull (download.error);
  g_test_message ("refused: %s", download.error->message);
  g_assert_cmpuint (g_list_model_get_n_items (hormiga_node_thread_get_transfers (fixture->node)),
                    ==, 0);
  g_clear_error (&download.error);
}

typedef struct
{
  gboolean  done;
  char     *link;
  GError   *error;
} Shared;

static void
on_shared (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  Shared *shared = user_data;

  shared->link = hormiga_node_thread_share_finish (HORMIGA_NODE_THREAD (object), result,
                                                   &shared->error);
  shared->done = TRUE;
}

static gboolean
shared_done (gpointer user_data)
{
  return ((Shared *) user_data)->done;
}

#define UPLOAD_LIMIT_KIB 256

/* An upload limit set while the node runs holds back what it serves at
 * once: a peer cannot download 4 chunks faster than the limit allows after
 * one burst (a lower bound, which no slow machine can break), and the file
 * arrives whole. */
static void
test_upload_limit (Fixture       *fixture,
                   gconstpointer  data)
{
  HormigaTestServer *server = hormiga_test_server_start (NULL);
  const gsize size = 4 * HORMIGA_CONTENT_CHUNK_SIZE;
  g_autofree guint8 *bytes = g_malloc (size);
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("hormiga-upload-limit-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "limited.bin", NULL);
  g_autofree char *out = g_build_filename (dir, "downloads", NULL);
  g_autofree char *command = NULL;
  g_autofree char *got_path = NULL;
  g_autofree char *got = NULL;
  g_autoptr(GFile) file = g_file_new_for_path (path);
  HormigaTestNode *peer;
  Shared shared = { 0 };
  const char *line, *from, *to;
  double elapsed_s, minimum_s;
  gsize got_size = 0;
  gint64 start;

  g_assert_no_error (error);
  randombytes_buf (bytes, size);
  g_assert_true (g_file_set_contents (path, (const char *) bytes, (gssize) size, NULL));
  g_assert_cmpint (g_mkdir (out, 0700), ==, 0);

  start_node (fixture, hormiga_test_server_get_url (server),
              HORMIGA_NODE_THREAD_DEFAULT_START_TIMEOUT);
  g_assert_true (hormiga_test_wait_until (admitted, fixture, WAIT_MS));
  g_assert_true (hormiga_test_wait_until (dht_ready, fixture, WAIT_MS));
  hormiga_node_thread_set_upload_limit (fixture->node, UPLOAD_LIMIT_KIB);
  hormiga_node_thread_share_async (fixture->node, file, NULL, on_shared, &shared);
  g_assert_true (hormiga_test_wait_until (shared_done, &shared, WAIT_MS));
  g_assert_no_error (shared.error);

  peer = hormiga_test_node_start (hormiga_test_server_get_url (server));
  hormiga_test_node_expect (peer, "admitted ", WAIT_MS);
  command = g_strdup_printf ("get %s %s", shared.link, out);
  start = g_get_monotonic_time ();
  hormiga_test_node_say (peer, command);
  hormiga_test_node_expect (peer, "downloaded ", 3 * WAIT_MS);
  elapsed_s = (double) (g_get_monotonic_time () - start) / G_USEC_PER_SEC;
  minimum_s = (double) (size - HORMIGA_TRANSFER_UPLOAD_BURST) / (UPLOAD_LIMIT_KIB * 1024);
  g_test_message ("%" G_GSIZE_FORMAT " bytes at %u KiB/s in %.2f s; at least %.2f s",
                  size, UPLOAD_LIMIT_KIB, elapsed_s, minimum_s);
  g_assert_cmpfloat (elapsed_s, >=, minimum_s);

  line = hormiga_test_node_get_line (peer, "downloaded ", 0);
  from = strstr (line, " path=");
  to = from != NULL ? strstr (from, " size=") : NULL;
  g_assert_nonnull (to);
  got_path = g_strndup (from + strlen (" path="), (gsize) (to - from - strlen (" path=")));
  g_assert_true (g_file_get_contents (got_path, &got, &got_size, NULL));
  g_assert_cmpmem (got, got_size, bytes, size);

  hormiga_test_node_quit (peer);
  hormiga_node_thread_stop (fixture->node);
  hormiga_test_server_stop (server);
  g_free (shared.link);
  hormiga_test_remove_tree (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_assert_cmpint (sodium_init (), >=, 0);

#define ADD(path, func) \
  g_test_add ("/hormiga/node-thread/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("admitted", test_admitted);
  ADD ("fallback-unreachable", test_fallback_unreachable);
  ADD ("no-server", test_no_server);
  ADD ("fallback-silent", test_fallback_silent);
  ADD ("server-lost", test_server_lost);
  ADD ("bad-identity", test_bad_identity);
  ADD ("stop-at-once", test_stop_at_once);
  ADD ("peers", test_peers);
  ADD ("bad-link", test_bad_link);
  ADD ("upload-limit", test_upload_limit);
#undef ADD

  return g_test_run ();
}
