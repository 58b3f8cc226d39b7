/* test-node.c — HormigaNode: the DHT over peer connections, in one process
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Six nodes on one main context, joined through a real hormiguero, with a
 * limit of two connections each. Lookups open connections on demand; once
 * idle for a request timeout (5 s), the links beyond the limit close;
 * lookups and records keep working, reconnecting as needed. Two nodes
 * tell each other their display names, and changes, as they happen.
 */
#include <gio/gio.h>

#include "hormiga-dht-error.h"
#include "hormiga-node.h"
#include "hormiga-test-server.h"

#define N_NODES         6
#define MAX_CONNECTIONS 2

typedef struct
{
  HormigaNode *nodes[N_NODES];
  guint        ready[N_NODES];    /* ::dht-ready emissions */
  guint        pending;           /* async calls not yet answered */
  guint        found;
  guint        hops;
  guint        stored;
  guint        got;
} Fixture;

static void
on_dht_ready (HormigaNode *node,
              guint        contacts,
              gpointer     user_data)
{
  guint *ready = user_data;

  (*ready)++;
}

static gboolean
is_ready (gpointer data)
{
  return *(guint *) data > 0;
}

static gboolean
nothing_pending (gpointer data)
{
  return ((Fixture *) data)->pending == 0;
}

static void
on_found (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  Fixture *fixture = user_data;
  g_autoptr(GError) error = NULL;
  guint hops = 0;

  if (hormiga_node_find_peer_finish (HORMIGA_NODE (source), result, &hops, &error))
    {
      fixture->found++;
      fixture->hops += hops;
    }
  else
    g_test_message ("a lookup failed: %s", error->message);
  fixture->pending--;
}

/* Each node in turn looks up all the others at once. */
static void
find_all (Fixture *fixture)
{
  fixture->found = fixture->hops = 0;
  for (guint a = 0; a < N_NODES; a++)
    {
      for (guint b = 0; b < N_NODES; b++)
        if (a != b)
          {
            HormigaIdentity *target = hormiga_node_get_identity (fixture->nodes[b]);

            fixture->pending++;
            hormiga_node_find_peer_async (fixture->nodes[a], hormiga_identity_get_peer_id (target),
                                          NULL, on_found, fixture);
          }
      g_assert_true (hormiga_test_wait_until (nothing_pending, fixture, 60000));
    }
  g_test_message ("%u of %u lookups found their node, %u hops in all", fixture->found,
                  N_NODES * (N_NODES - 1), fixture->hops);
  g_assert_cmpuint (fixture->found, ==, N_NODES * (N_NODES - 1));
}

static guint
max_connections_now (Fixture *fixture)
{
  guint most = 0;

  for (guint i = 0; i < N_NODES; i++)
    most = MAX (most, hormiga_node_get_n_connections (fixture->nodes[i]));
  return most;
}

static gboolean
within_limit (gpointer data)
{
  return max_connections_now (data) <= MAX_CONNECTIONS;
}

static void
on_put (GObject      *source,
        GAsyncResult *result,
        gpointer      user_data)
{
  Fixture *fixture = user_data;
  g_autoptr(GError) error = NULL;

  fixture->stored = hormiga_node_put_finish (HORMIGA_NODE (source), result, &error);
  g_assert_no_error (error);
  fixture->pending--;
}

static void
on_got (GObject      *source,
        GAsyncResult *result,
        gpointer      user_data)
{
  Fixture *fixture = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) value = hormiga_node_get_finish (HORMIGA_NODE (source), result, NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (value, NULL), g_bytes_get_size (value), "verde", 5);
  fixture->got++;
  fixture->pending--;
}

static void
on_provided (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Fixture *fixture = user_data;
  g_autoptr(GError) error = NULL;

  fixture->stored = hormiga_node_provide_finish (HORMIGA_NODE (source), result, &error);
  g_assert_no_error (error);
  fixture->pending--;
}

/* The one provider is node 1. */
static void
on_providers (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Fixture *fixture = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) providers = hormiga_node_find_providers_finish (HORMIGA_NODE (source),
                                                                       result, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (providers->len, ==, 1);
  g_assert_true (hormiga_peer_id_equal (g_ptr_array_index (providers, 0),
                                        hormiga_identity_get_peer_id (hormiga_node_get_identity (fixture->nodes[1]))));
  fixture->got++;
  fixture->pending--;
}

static void
on_not_got (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Fixture *fixture = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) value = hormiga_node_get_finish (HORMIGA_NODE (source), result, NULL, &error);

  g_assert_null (value);
  g_assert_error (error, HORMIGA_DHT_ERROR, HORMIGA_DHT_ERROR_NOT_FOUND);
  fixture->pending--;
}

static void
test_connection_limit (void)
{
  HormigaTestServer *server = hormiga_test_server_start (NULL);
  g_autoptr(GBytes) value = g_bytes_new_static ("verde", 5);
  HormigaPeerId *owner;
  Fixture fixture = { 0 };
  guint64 evicted = 0;

  for (guint i = 0; i < N_NODES; i++)
    {
      g_autoptr(HormigaIdentity) identity = hormiga_identity_generate ();
      g_autoptr(GError) error = NULL;

      fixture.nodes[i] = hormiga_node_new (identity, hormiga_test_server_get_url (server),
                                           NULL, NULL, &error);
      g_assert_no_error (error);
      hormiga_node_set_local_address (fixture.nodes[i], "127.0.0.1");
      hormiga_node_set_max_connections (fixture.nodes[i], MAX_CONNECTIONS);
      g_signal_connect (fixture.nodes[i], "dht-ready", G_CALLBACK (on_dht_ready),
                        &fixture.ready[i]);
      hormiga_node_start (fixture.nodes[i]);
      g_assert_true (hormiga_test_wait_until (is_ready, &fixture.ready[i], 30000));
    }

  /* Lookups open whatever connections they need, beyond the limit while
   * they run; once idle, the extra ones close. */
  find_all (&fixture);
  g_test_message ("after the lookups: at most %u connections per node",
                  max_connections_now (&fixture));
  g_assert_true (hormiga_test_wait_until (within_limit, &fixture, 30000));
  for (guint i = 0; i < N_NODES; i++)
    {
      HormigaNodeCounters counters;

      hormiga_node_get_counters (fixture.nodes[i], &counters);
      evicted += counters.connections_evicted;
      g_assert_cmpuint (counters.messages_sent, >, 0);
      g_assert_cmpuint (counters.messages_received, >, 0);
      g_assert_cmpuint (counters.connections_offered + counters.connections_answered, >, 0);
    }
  g_test_message ("%" G_GUINT64_FORMAT " connections closed by the limit", evicted);
  g_assert_cmpuint (evicted, >, 0);

  /* With most connections gone, everything still works. */
  find_all (&fixture);

  fixture.pending = 1;
  hormiga_node_put_async (fixture.nodes[0], "color", value, NULL, on_put, &fixture);
  g_assert_true (hormiga_test_wait_until (nothing_pending, &fixture, 30000));
  g_assert_cmpuint (fixture.stored, >=, 1);
  owner = hormiga_identity_get_peer_id (hormiga_node_get_identity (fixture.nodes[0]));
  for (guint i = 1; i < N_NODES; i++)
    {
      fixture.pending += 2;
      hormiga_node_get_async (fixture.nodes[i], owner, "color", NULL, on_got, &fixture);
      hormiga_node_get_async (fixture.nodes[i], owner, "colour", NULL, on_not_got, &fixture);
    }
  g_assert_true (hormiga_test_wait_until (nothing_pending, &fixture, 30000));
  g_assert_cmpuint (fixture.got, ==, N_NODES - 1);

  /* Node 1 provides some content; every other node finds it as a provider. */
  {
    HormigaDhtKey content;

    hormiga_dht_key_hash (&content, (const guint8 *) "contenido", 9);
    fixture.pending = 1;
    hormiga_node_provide_async (fixture.nodes[1], &content, NULL, on_provided, &fixture);
    g_assert_true (hormiga_test_wait_until (nothing_pending, &fixture, 30000));
    g_assert_cmpuint (fixture.stored, >=, 1);
    fixture.got = 0;
    for (guint i = 0; i < N_NODES; i++)
      if (i != 1)
        {
          fixture.pending++;
          hormiga_node_find_providers_async (fixture.nodes[i], &content, NULL, on_providers,
                                             &fixture);
        }
    g_assert_true (hormiga_test_wait_until (nothing_pending, &fixture, 30000));
    g_assert_cmpuint (fixture.got, ==, N_NODES - 1);
  }

  for (guint i = 0; i < N_NODES; i++)
    hormiga_node_stop (fixture.nodes[i]);
  /* What the stops closed finishes on the context. */
  for (guint i = 0; i < 100; i++)
    g_main_context_iteration (NULL, FALSE);
  for (guint i = 0; i < N_NODES; i++)
    g_assert_finalize_object (fixture.nodes[i]);
  hormiga_test_server_stop (server);
}

/* ---- service channels ---------------------------------------------------------- */

typedef struct
{
  guint      opened;
  guint      closed;
  GPtrArray *received;   /* GBytes */
  gboolean   connected;
  GError    *error;
  gboolean   done;
} ServiceWatch;

static void
on_service_message (HormigaDataChannel *channel,
                    GBytes             *data,
                    gboolean            is_text,
                    gpointer            user_data)
{
  ServiceWatch *watch = user_data;

  g_ptr_array_add (watch->received, g_bytes_ref (data));
}

static void
on_service_open (HormigaNode        *node,
                 HormigaPeerId      *peer,
                 HormigaDataChannel *channel,
                 gpointer            user_data)
{
  ServiceWatch *watch = user_data;

  g_assert_cmpint (hormiga_data_channel_get_id (channel), ==, 2);
  g_assert_cmpstr (hormiga_data_channel_get_label (channel), ==, "hormiga-test");
  watch->opened++;
  g_signal_connect (channel, "message", G_CALLBACK (on_service_message), watch);
}

static void
on_service_closed (HormigaNode        *node,
                   HormigaPeerId      *peer,
                   HormigaDataChannel *channel,
                   gpointer            user_data)
{
  ServiceWatch *watch = user_data;

  g_signal_handlers_disconnect_by_data (channel, watch);
  watch->closed++;
}

static void
on_connected (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  ServiceWatch *watch = user_data;

  watch->connected = hormiga_node_connect_finish (HORMIGA_NODE (source), result, &watch->error);
  watch->done = TRUE;
}

static gboolean
watch_done (gpointer data)
{
  return ((ServiceWatch *) data)->done;
}

static gboolean
watch_received (gpointer data)
{
  return ((ServiceWatch *) data)->received->len > 0;
}

static gboolean
watch_closed (gpointer data)
{
  return ((ServiceWatch *) data)->closed > 0;
}

typedef struct
{
  HormigaNode         *node;
  const HormigaPeerId *peer;
  const char          *name;
} NameWait;

/* @node knows @peer by @name (NULL: by none), and says so in the
 * connection list too. */
static gboolean
name_is (gpointer data)
{
  NameWait *wait = data;
  g_autofree char *name = hormiga_node_dup_peer_name (wait->node, wait->peer);
  g_autoptr(GPtrArray) connections = NULL;

  if (g_strcmp0 (name, wait->name) != 0)
    return FALSE;
  connections = hormiga_node_list_connections (wait->node);
  for (guint i = 0; i < connections->len; i++)
    {
      HormigaNodeConnectionInfo *info = g_ptr_array_index (connections, i);

      if (hormiga_peer_id_equal (info->peer, wait->peer))
        g_assert_cmpstr (info->name, ==, wait->name);
    }
  return TRUE;
}

/* A channel of our own on every connection: connect_async() opens one, it
 * carries messages, and it closes with the connection. Connecting to a
 * node hormiguero does not know fails with a reason. */
static void
test_service_channel (void)
{
  HormigaTestServer *server = hormiga_test_server_start (NULL);
  HormigaNode *nodes[2];
  guint ready[2] = { 0, 0 };
  ServiceWatch watch[2] = { { 0 }, { 0 } };
  ServiceWatch stranger = { 0 };
  g_autoptr(HormigaIdentity) nobody = hormiga_identity_generate ();
  g_autoptr(GError) error = NULL;
  HormigaDataChannel *channel;
  const HormigaPeerId *b;

  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(HormigaIdentity) identity = hormiga_identity_generate ();

      watch[i].received = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
      nodes[i] = hormiga_node_new (identity, hormiga_test_server_get_url (server), NULL, NULL,
                                   &error);
      g_assert_no_error (error);
      hormiga_node_set_local_address (nodes[i], "127.0.0.1");
      hormiga_node_add_channel (nodes[i], 2, "hormiga-test");
      if (i == 1)
        g_assert_true (hormiga_node_set_display_name (nodes[i], "Bea", NULL));
      g_signal_connect (nodes[i], "channel-open", G_CALLBACK (on_service_open), &watch[i]);
      g_signal_connect (nodes[i], "channel-closed", G_CALLBACK (on_service_closed), &watch[i]);
      g_signal_connect (nodes[i], "dht-ready", G_CALLBACK (on_dht_ready), &ready[i]);
      hormiga_node_start (nodes[i]);
      g_assert_true (hormiga_test_wait_until (is_ready, &ready[i], 30000));
    }

  b = hormiga_identity_get_peer_id (hormiga_node_get_identity (nodes[1]));
  hormiga_node_connect_async (nodes[0], b, NULL, on_connected, &watch[0]);
  g_assert_true (hormiga_test_wait_until (watch_done, &watch[0], 30000));
  g_assert_no_error (watch[0].error);
  g_assert_true (watch[0].connected);
  channel = hormiga_node_get_channel (nodes[0], b, 2);
  g_assert_nonnull (channel);
  g_assert_null (hormiga_node_get_channel (nodes[0], b, 3));
  g_assert_cmpuint (watch[0].opened, >=, 1);
  g_assert_true (hormiga_data_channel_send (channel, (const guint8 *) "hormiguita", 10, &error));
  g_assert_no_error (error);
  g_assert_true (hormiga_test_wait_until (watch_received, &watch[1], 10000));
  g_assert_cmpmem (g_bytes_get_data (g_ptr_array_index (watch[1].received, 0), NULL), 10,
                   "hormiguita", 10);

  /* Display names: the one b had before it connected, then a's as a sets,
   * changes and clears it; a name a hello cannot carry is refused. */
  {
    NameWait wait = { nodes[1], hormiga_identity_get_peer_id (hormiga_node_get_identity (nodes[0])),
                      NULL };
    NameWait back = { nodes[0], b, "Bea" };
    const char *const names[] = { "Ana", "Ana María 🐜", NULL };

    g_assert_true (hormiga_test_wait_until (name_is, &back, 10000));
    for (guint i = 0; i < G_N_ELEMENTS (names); i++)
      {
        g_assert_true (hormiga_node_set_display_name (nodes[0], names[i] ? names[i] : "", &error));
        g_assert_no_error (error);
        wait.name = names[i];
        if (!hormiga_test_wait_until (name_is, &wait, 10000))
          g_error ("b never heard a's name become %s", names[i] ? names[i] : "none");
      }
    g_assert_false (hormiga_node_set_display_name (nodes[0], "a\tb", &error));
    g_assert_error (error, HORMIGA_DHT_ERROR, HORMIGA_DHT_ERROR_MALFORMED);
    g_clear_error (&error);
    g_assert_null (hormiga_node_get_display_name (nodes[0]));
    g_assert_cmpstr (hormiga_node_get_display_name (nodes[1]), ==, "Bea");
  }

  /* Already connected: at once. */
  watch[0].done = FALSE;
  hormiga_node_connect_async (nodes[0], b, NULL, on_connected, &watch[0]);
  g_assert_true (hormiga_test_wait_until (watch_done, &watch[0], 1000));
  g_assert_true (watch[0].connected);

  /* Nobody by that name: hormiguero says so, and the call fails. */
  hormiga_node_connect_async (nodes[0], hormiga_identity_get_peer_id (nobody), NULL, on_connected,
                              &stranger);
  g_assert_true (hormiga_test_wait_until (watch_done, &stranger, 30000));
  g_assert_false (stranger.connected);
  g_assert_nonnull (stranger.error);
  g_test_message ("connecting to an unknown node: %s", stranger.error->message);
  g_clear_error (&stranger.error);

  /* The peer leaves: its channel closes on our side. */
  hormiga_node_stop (nodes[1]);
  g_assert_true (hormiga_test_wait_until (watch_closed, &watch[0], 30000));

  hormiga_node_stop (nodes[0]);
  for (guint i = 0; i < 100; i++)
    g_main_context_iteration (NULL, FALSE);
  for (guint i = 0; i < 2; i++)
    {
      g_assert_finalize_object (nodes[i]);
      g_ptr_array_unref (watch[i].received);
    }
  hormiga_test_server_stop (server);
}

/* Stopping with lookups still running ends them with CANCELLED. */
static void
on_cancelled (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  guint *pending = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_false (hormiga_node_find_peer_finish (HORMIGA_NODE (source), result, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  (*pending)--;
}

static gboolean
zero (gpointer data)
{
  return *(guint *) data == 0;
}

static void
test_stop_cancels (void)
{
  HormigaTestServer *server = hormiga_test_server_start (NULL);
  g_autoptr(HormigaIdentity) identity = hormiga_identity_generate ();
  g_autoptr(HormigaIdentity) other = hormiga_identity_generate ();
  g_autoptr(GError) error = NULL;
  HormigaNode *node = hormiga_node_new (identity, hormiga_test_server_get_url (server), NULL, NULL,
                                        &error);
  guint pending = 1;

  g_assert_no_error (error);
  /* Not started: nobody to ask, so the lookup waits on its bootstrap
   * contact, which cannot be reached; stop ends it. */
  hormiga_dht_add_contact (hormiga_node_get_dht (node), hormiga_identity_get_peer_id (other), NULL);
  hormiga_node_find_peer_async (node, hormiga_identity_get_peer_id (other), NULL, on_cancelled,
                                &pending);
  hormiga_node_stop (node);
  g_assert_true (hormiga_test_wait_until (zero, &pending, 5000));
  g_assert_null (hormiga_node_get_dht (node));
  g_assert_finalize_object (node);
  hormiga_test_server_stop (server);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/hormiga/node/connection-limit", test_connection_limit);
  g_test_add_func ("/hormiga/node/stop-cancels", test_stop_cancels);
  g_test_add_func ("/hormiga/node/service-channel", test_service_channel);
  return g_test_run ();
}
