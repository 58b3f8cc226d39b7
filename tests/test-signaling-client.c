/* test-signaling-client.c — HormigaSignalingClient against a real hormiguero
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "hormiga-identity.h"
#include "hormiga-message.h"
#include "hormiga-peer-id.h"
#include "hormiga-protocol.h"
#include "hormiga-signaling-client.h"
#include "hormiga-test-server.h"

typedef struct
{
  HormigaSignalingClient *client;
  HormigaIdentity        *identity;
  guint                   n_admitted;
  guint                   n_disconnected;
  GError                 *last_disconnect;
  GPtrArray              *signals;       /* "from|sid|payload" */
  guint                   last_error_code;
  char                   *last_error_sid;
} Probe;

static void
on_admitted (HormigaSignalingClient *client,
             const char             *peer_id,
             const char * const     *peers,
             gpointer                user_data)
{
  Probe *probe = user_data;

  g_assert_cmpstr (peer_id, ==,
                   hormiga_peer_id_to_string (hormiga_identity_get_peer_id (probe->identity)));
  probe->n_admitted++;
}

static void
on_disconnected (HormigaSignalingClient *client,
                 const GError           *error,
                 gpointer                user_data)
{
  Probe *probe = user_data;

  g_assert_nonnull (error);
  g_assert_true (error->domain == HORMIGA_SIGNALING_ERROR);
  g_clear_error (&probe->last_disconnect);
  probe->last_disconnect = g_error_copy (error);
  probe->n_disconnected++;
}

static void
on_signal_received (HormigaSignalingClient *client,
                    const char             *from,
                    const char             *sid,
                    GBytes                 *payload,
                    gpointer                user_data)
{
  Probe *probe = user_data;
  gsize length;
  const char *data = g_bytes_get_data (payload, &length);

  g_ptr_array_add (probe->signals,
                   g_strdup_printf ("%s|%s|%.*s", from, sid, (int) length, data ? data : ""));
}

static void
on_error_received (HormigaSignalingClient *client,
                   guint                   code,
                   const char             *message,
                   const char             *sid,
                   gpointer                user_data)
{
  Probe *probe = user_data;

  g_assert_nonnull (message);
  g_assert_cmpstr (message, !=, "");
  probe->last_error_code = code;
  g_free (probe->last_error_sid);
  probe->last_error_sid = g_strdup (sid);
}

static Probe *
probe_new (const char *url)
{
  Probe *probe = g_new0 (Probe, 1);

  probe->identity = hormiga_identity_generate ();
  probe->signals = g_ptr_array_new_with_free_func (g_free);
  probe->client = g_object_new (HORMIGA_TYPE_SIGNALING_CLIENT,
                                "url", url,
                                "identity", probe->identity,
                                "reconnect-min", 20,
                                "reconnect-max", 200,
                                NULL);
  g_signal_connect (probe->client, "admitted", G_CALLBACK (on_admitted), probe);
  g_signal_connect (probe->client, "disconnected", G_CALLBACK (on_disconnected), probe);
  g_signal_connect (probe->client, "signal-received", G_CALLBACK (on_signal_received), probe);
  g_signal_connect (probe->client, "error-received", G_CALLBACK (on_error_received), probe);
  return probe;
}

static void
probe_free (Probe *probe)
{
  hormiga_signaling_client_stop (probe->client);
  g_assert_finalize_object (probe->client);
  g_assert_finalize_object (probe->identity);
  g_ptr_array_unref (probe->signals);
  g_clear_error (&probe->last_disconnect);
  g_free (probe->last_error_sid);
  g_free (probe);
}

static gboolean
joined_once (gpointer user_data)
{
  Probe *probe = user_data;
  return probe->n_admitted >= 1;
}

static gboolean
joined_twice (gpointer user_data)
{
  Probe *probe = user_data;
  return probe->n_admitted >= 2;
}

static gboolean
disconnected_once (gpointer user_data)
{
  Probe *probe = user_data;
  return probe->n_disconnected >= 1;
}

static gboolean
disconnected_thrice (gpointer user_data)
{
  Probe *probe = user_data;
  return probe->n_disconnected >= 3;
}

static gboolean
never (gpointer user_data)
{
  return FALSE;
}

static gboolean
got_signal (gpointer user_data)
{
  Probe *probe = user_data;
  return probe->signals->len >= 1;
}

static gboolean
got_error (gpointer user_data)
{
  Probe *probe = user_data;
  return probe->last_error_code != 0;
}

static const char *
probe_id (Probe *probe)
{
  return hormiga_peer_id_to_string (hormiga_identity_get_peer_id (probe->identity));
}

static void
test_join_and_signal (void)
{
  HormigaTestServer *server = hormiga_test_server_start (NULL);
  Probe *a = probe_new (hormiga_test_server_get_url (server));
  Probe *b = probe_new (hormiga_test_server_get_url (server));
  g_autoptr(GBytes) payload = g_bytes_new_static ("offer", 5);
  g_autoptr(GError) error = NULL;
  g_autofree char *expected = NULL;

  g_assert_cmpint (hormiga_signaling_client_get_state (a->client), ==,
                   HORMIGA_SIGNALING_STATE_STOPPED);
  hormiga_signaling_client_start (a->client);
  g_assert_true (hormiga_test_wait_until (joined_once, a, 5000));
  hormiga_signaling_client_start (b->client);
  g_assert_true (hormiga_test_wait_until (joined_once, b, 5000));
  g_assert_cmpint (hormiga_signaling_client_get_state (b->client), ==,
                   HORMIGA_SIGNALING_STATE_ADMITTED);
  g_assert_cmpuint (hormiga_signaling_client_get_n_joins (b->client), ==, 1);

  /* b joined after a, so a is in b's bootstrap sample. */
  g_assert_true (g_strv_contains (hormiga_signaling_client_get_bootstrap_peers (b->client),
                                  probe_id (a)));

  g_assert_true (hormiga_signaling_client_send_signal (a->client, probe_id (b), "s1", payload,
                                                       &error));
  g_assert_no_error (error);
  g_assert_true (hormiga_test_wait_until (got_signal, b, 5000));
  expected = g_strdup_printf ("%s|s1|offer", probe_id (a));
  g_assert_cmpstr (g_ptr_array_index (b->signals, 0), ==, expected);

  /* A PeerID that is not connected is answered with unknown-peer. */
  {
    g_autoptr(HormigaIdentity) absent = hormiga_identity_generate ();
    const char *absent_id = hormiga_peer_id_to_string (hormiga_identity_get_peer_id (absent));

    g_assert_true (hormiga_signaling_client_send_signal (a->client, absent_id, "s2", payload,
                                                         &error));
    g_assert_true (hormiga_test_wait_until (got_error, a, 5000));
    g_assert_cmpuint (a->last_error_code, ==, HORMIGA_PROTOCOL_ERROR_UNKNOWN_PEER);
    g_assert_cmpstr (a->last_error_sid, ==, "s2");
  }

  probe_free (a);
  probe_free (b);
  hormiga_test_server_stop (server);
}

/* A client in client mode says so when it joins: those who join after it
 * are not told of it, those who join after a server-mode one are. */
static void
test_client_mode (void)
{
  HormigaTestServer *server = hormiga_test_server_start (NULL);
  Probe *client = probe_new (hormiga_test_server_get_url (server));
  Probe *server_mode = probe_new (hormiga_test_server_get_url (server));
  Probe *late = probe_new (hormiga_test_server_get_url (server));
  const char * const *sample;

  hormiga_signaling_client_set_client_mode (client->client, TRUE);
  hormiga_signaling_client_start (client->client);
  g_assert_true (hormiga_test_wait_until (joined_once, client, 5000));
  hormiga_signaling_client_start (server_mode->client);
  g_assert_true (hormiga_test_wait_until (joined_once, server_mode, 5000));
  hormiga_signaling_client_start (late->client);
  g_assert_true (hormiga_test_wait_until (joined_once, late, 5000));
  sample = hormiga_signaling_client_get_bootstrap_peers (late->client);
  g_assert_nonnull (sample);
  g_assert_true (g_strv_contains (sample, probe_id (server_mode)));
  g_assert_false (g_strv_contains (sample, probe_id (client)));
  probe_free (client);
  probe_free (server_mode);
  probe_free (late);
  hormiga_test_server_stop (server);
}

static void
test_refuses_before_admission_and_out_of_limits (void)
{
  HormigaTestServer *server = hormiga_test_server_start (NULL);
  Probe *a = probe_new (hormiga_test_server_get_url (server));
  g_autoptr(GBytes) payload = g_bytes_new_static ("x", 1);
  g_autoptr(GBytes) huge = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *long_sid = g_strnfill (HORMIGA_SID_MAX_LENGTH + 1, 's');

  g_assert_false (hormiga_signaling_client_send_signal (a->client, "12D3KooWx", "s", payload,
                                                        &error));
  g_assert_error (error, HORMIGA_SIGNALING_ERROR, HORMIGA_SIGNALING_ERROR_NOT_ADMITTED);
  g_clear_error (&error);

  hormiga_signaling_client_start (a->client);
  g_assert_true (hormiga_test_wait_until (joined_once, a, 5000));

  g_assert_false (hormiga_signaling_client_send_signal (a->client, probe_id (a), long_sid,
                                                        payload, &error));
  g_assert_error (error, HORMIGA_SIGNALING_ERROR, HORMIGA_SIGNALING_ERROR_INVALID);
  g_clear_error (&error);

  g_assert_false (hormiga_signaling_client_send_signal (a->client, probe_id (a), "", payload,
                                                        &error));
  g_assert_error (error, HORMIGA_SIGNALING_ERROR, HORMIGA_SIGNALING_ERROR_INVALID);
  g_clear_error (&error);

  huge = g_bytes_new_take (g_malloc0 (HORMIGA_SIGNAL_MAX_PAYLOAD + 1), HORMIGA_SIGNAL_MAX_PAYLOAD + 1);
  g_assert_false (hormiga_signaling_client_send_signal (a->client, probe_id (a), "s", huge,
                                                        &error));
  g_assert_error (error, HORMIGA_SIGNALING_ERROR, HORMIGA_SIGNALING_ERROR_INVALID);

  probe_free (a);
  hormiga_test_server_stop (server);
}

static void
test_reconnects_after_server_restart (void)
{
  HormigaTestServer *server = hormiga_test_server_start (NULL);
  guint16 port = hormiga_test_server_get_port (server);
  Probe *a = probe_new (hormiga_test_server_get_url (server));
  Probe *b = NULL;
  g_autoptr(GBytes) payload = g_bytes_new_static ("again", 5);
  g_autoptr(GError) error = NULL;

  hormiga_signaling_client_start (a->client);
  g_assert_true (hormiga_test_wait_until (joined_once, a, 5000));

  /* The server goes away: the client notices and waits to retry. */
  hormiga_test_server_stop (server);
  g_assert_true (hormiga_test_wait_until (disconnected_once, a, 5000));
  g_assert_error (a->last_disconnect, HORMIGA_SIGNALING_ERROR, HORMIGA_SIGNALING_ERROR_CLOSED);
  g_assert_cmpint (hormiga_signaling_client_get_state (a->client), !=,
                   HORMIGA_SIGNALING_STATE_ADMITTED);

  /* A new server on the same port: the client joins again by itself. */
  server = hormiga_test_server_start_on (port, NULL);
  g_assert_true (hormiga_test_wait_until (joined_twice, a, 10000));
  g_assert_cmpuint (hormiga_signaling_client_get_n_joins (a->client), ==, 2);
  g_assert_cmpint (hormiga_test_server_metric (server, "hormiguero_peers_connected"), ==, 1);

  /* And it is reachable again. */
  b = probe_new (hormiga_test_server_get_url (server));
  hormiga_signaling_client_start (b->client);
  g_assert_true (hormiga_test_wait_until (joined_once, b, 5000));
  g_assert_true (hormiga_signaling_client_send_signal (b->client, probe_id (a), "r1", payload,
                                                       &error));
  g_assert_no_error (error);
  g_assert_true (hormiga_test_wait_until (got_signal, a, 5000));

  probe_free (a);
  probe_free (b);
  hormiga_test_server_stop (server);
}

static void
test_retries_when_nothing_listens (void)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autofree char *url = NULL;
  Probe *a;

  /* A port that was free a moment ago and that nobody listens on. */
  g_assert_true (g_socket_bind (socket, any, FALSE, NULL));
  bound = g_socket_get_local_address (socket, NULL);
  url = g_strdup_printf ("ws://127.0.0.1:%u/ws",
                         g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));

  a = probe_new (url);
  hormiga_signaling_client_start (a->client);
  g_assert_true (hormiga_test_wait_until (disconnected_thrice, a, 10000));
  g_assert_error (a->last_disconnect, HORMIGA_SIGNALING_ERROR, HORMIGA_SIGNALING_ERROR_CONNECT);
  g_assert_cmpuint (a->n_admitted, ==, 0);

  /* Stopping ends the retries: nothing more is reported. */
  hormiga_signaling_client_stop (a->client);
  g_assert_cmpint (hormiga_signaling_client_get_state (a->client), ==,
                   HORMIGA_SIGNALING_STATE_STOPPED);
  {
    guint before = a->n_disconnected;
    g_assert_false (hormiga_test_wait_until (never, NULL, 300));
    g_assert_cmpuint (a->n_disconnected, ==, before);
  }
  probe_free (a);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/hormiga/signaling-client/join-and-signal", test_join_and_signal);
  g_test_add_func ("/hormiga/signaling-client/client-mode", test_client_mode);
  g_test_add_func ("/hormiga/signaling-client/refuses", test_refuses_before_admission_and_out_of_limits);
  g_test_add_func ("/hormiga/signaling-client/reconnects-after-server-restart",
                   test_reconnects_after_server_restart);
  g_test_add_func ("/hormiga/signaling-client/retries-when-nothing-listens",
                   test_retries_when_nothing_listens);
  return g_test_run ();
}
