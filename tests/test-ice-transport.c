/* test-ice-transport.c — two libnice agents on 127.0.0.1
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "hormiga-ice-transport.h"
#include "hormiga-rtc-error.h"
#include "hormiga-test-util.h"

typedef struct _Agent Agent;

struct _Agent
{
  HormigaIceTransport *ice;
  Agent               *peer;
  gboolean             gathered;
  guint                n_candidates;
  GPtrArray           *received;
};

static void
on_local_candidate (HormigaIceTransport *ice,
                    const char          *candidate,
                    gpointer             user_data)
{
  Agent *agent = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (g_str_has_prefix (candidate, "candidate:"));
  /* Only loopback was allowed. */
  g_assert_nonnull (strstr (candidate, " 127.0.0.1 "));
  agent->n_candidates++;
  g_assert_true (hormiga_ice_transport_add_remote_candidate (agent->peer->ice, candidate, &error));
  g_assert_no_error (error);
}

static void
on_gathering_done (HormigaIceTransport *ice,
                   gpointer             user_data)
{
  Agent *agent = user_data;

  agent->gathered = TRUE;
  hormiga_ice_transport_remote_gathering_done (agent->peer->ice);
}

static void
on_receive (const guint8 *data,
            gsize         length,
            gpointer      user_data)
{
  Agent *agent = user_data;
  g_ptr_array_add (agent->received, g_bytes_new (data, length));
}

static void
agent_init (Agent    *agent,
            Agent    *peer,
            gboolean  controlling)
{
  g_autoptr(GError) error = NULL;

  memset (agent, 0, sizeof *agent);
  agent->peer = peer;
  agent->received = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  agent->ice = hormiga_ice_transport_new (NULL, controlling);
  g_assert_true (hormiga_ice_transport_add_local_address (agent->ice, "127.0.0.1", &error));
  g_assert_no_error (error);
  hormiga_ice_transport_set_receive (agent->ice, on_receive, agent, NULL);
  g_signal_connect (agent->ice, "local-candidate", G_CALLBACK (on_local_candidate), agent);
  g_signal_connect (agent->ice, "gathering-done", G_CALLBACK (on_gathering_done), agent);
}

static void
agent_clear (Agent *agent)
{
  hormiga_ice_transport_close (agent->ice);
  g_assert_finalize_object (agent->ice);
  g_ptr_array_unref (agent->received);
}

static gboolean
both_connected (gpointer data)
{
  Agent *agents = data;
  return hormiga_ice_transport_get_state (agents[0].ice) == HORMIGA_ICE_STATE_CONNECTED &&
         hormiga_ice_transport_get_state (agents[1].ice) == HORMIGA_ICE_STATE_CONNECTED;
}

static gboolean
both_received (gpointer data)
{
  Agent *agents = data;
  return agents[0].received->len >= 1 && agents[1].received->len >= 1;
}

static void
connect_pair (Agent agents[2])
{
  g_autoptr(GError) error = NULL;

  agent_init (&agents[0], &agents[1], TRUE);
  agent_init (&agents[1], &agents[0], FALSE);

  /* Credentials are what the SDP carries. */
  for (guint i = 0; i < 2; i++)
    {
      const char *ufrag = hormiga_ice_transport_get_local_ufrag (agents[i].ice);
      const char *pwd = hormiga_ice_transport_get_local_pwd (agents[i].ice);

      g_assert_cmpuint (strlen (ufrag), >=, 4);
      g_assert_cmpuint (strlen (pwd), >=, 22);
      hormiga_ice_transport_set_remote_credentials (agents[1 - i].ice, ufrag, pwd);
    }

  g_assert_true (hormiga_ice_transport_gather (agents[0].ice, &error));
  g_assert_true (hormiga_ice_transport_gather (agents[1].ice, &error));
  g_assert_no_error (error);
  g_assert_true (hormiga_test_wait_until (both_connected, agents, 10000));
}

static void
test_connect_and_send (void)
{
  Agent agents[2];

  connect_pair (agents);
  g_assert_true (agents[0].gathered && agents[1].gathered);
  g_assert_cmpuint (agents[0].n_candidates, >=, 1);
  g_assert_cmpstr (hormiga_ice_transport_get_selected_kind (agents[0].ice), ==, "host");

  g_assert_true (hormiga_ice_transport_send (agents[0].ice, (const guint8 *) "\x17ping", 5));
  g_assert_true (hormiga_ice_transport_send (agents[1].ice, (const guint8 *) "\x17pong", 5));
  g_assert_true (hormiga_test_wait_until (both_received, agents, 5000));
  g_assert_cmpmem (g_bytes_get_data (g_ptr_array_index (agents[1].received, 0), NULL), 5,
                   "\x17ping", 5);
  g_assert_cmpmem (g_bytes_get_data (g_ptr_array_index (agents[0].received, 0), NULL), 5,
                   "\x17pong", 5);

  agent_clear (&agents[0]);
  agent_clear (&agents[1]);
}

static void
test_refuses_bad_candidates (void)
{
  g_autoptr(HormigaIceTransport) ice = hormiga_ice_transport_new (NULL, TRUE);
  g_autofree char *long_line = g_strnfill (2000, 'x');
  const char *bad[] = {
    "",
    "not-a-candidate",
    "candidate:",
    "candidate:1 1 udp",
    "candidate:1 1 udp 2122260223 999.1.1.1 5000 typ host",
    "candidate:1 1 udp 2122260223 127.0.0.1 notaport typ host",
    NULL
  };

  for (guint i = 0; bad[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_false (hormiga_ice_transport_add_remote_candidate (ice, bad[i], &error));
      g_assert_error (error, HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_ICE);
    }

  {
    g_autoptr(GError) error = NULL;
    g_autofree char *line = g_strconcat ("candidate:", long_line, NULL);

    g_assert_false (hormiga_ice_transport_add_remote_candidate (ice, line, &error));
    g_assert_error (error, HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_ICE);
  }

  {
    g_autoptr(GError) error = NULL;

    g_assert_false (hormiga_ice_transport_add_relay (ice, "turn.example", 3478, "u", "p",
                                                     HORMIGA_ICE_RELAY_UDP, &error));
    g_assert_error (error, HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_ICE);
  }

  /* An mDNS candidate is accepted for resolution; closing cancels it. */
  {
    g_autoptr(GError) error = NULL;

    g_assert_true (hormiga_ice_transport_add_remote_candidate (
      ice, "candidate:1 1 udp 2122260223 1f9b6e3a-2c4d-4e5f-8a7b-123456789abc.local 54321 typ host",
      &error));
    g_assert_no_error (error);
  }
  hormiga_ice_transport_close (ice);
}

/* The peer's description may arrive after the session ended: a closed
 * transport ignores it (libnice has no stream left to give it to). The
 * test runs with fatal warnings: a critical from libnice would abort it. */
static void
test_closed_ignores_remote (void)
{
  g_autoptr(HormigaIceTransport) ice = hormiga_ice_transport_new (NULL, TRUE);
  g_autoptr(GError) error = NULL;

  hormiga_ice_transport_close (ice);
  hormiga_ice_transport_set_remote_credentials (ice, "abcd", "0123456789abcdefghijkl");
  g_assert_false (hormiga_ice_transport_add_remote_candidate (
    ice, "candidate:1 1 udp 2122260223 127.0.0.1 5000 typ host", &error));
  g_assert_error (error, HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_ICE);
  hormiga_ice_transport_remote_gathering_done (ice);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/hormiga/ice-transport/connect-and-send", test_connect_and_send);
  g_test_add_func ("/hormiga/ice-transport/refuses-bad-candidates", test_refuses_bad_candidates);
  g_test_add_func ("/hormiga/ice-transport/closed-ignores-remote", test_closed_ignores_remote);
  return g_test_run ();
}
