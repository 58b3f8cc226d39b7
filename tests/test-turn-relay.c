/* test-turn-relay.c — two peer connections that may only talk through TURN
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A real coturn on 127.0.0.1 (tests/hormiga-test-turn.c); both peers use a
 * relay-only policy, so their only candidates are allocations on that
 * server and every datagram of ICE, DTLS and SCTP goes through it. The
 * descriptions and candidates are handed over directly, as in
 * test-peer-connection.c. Then two hormiga-node processes told of the
 * server by --turn alone (hormiguero gives none), relay-only, join through
 * hormiguero and talk through coturn.
 */
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include "hormiga-certificate.h"
#include "hormiga-identity.h"
#include "hormiga-node.h"
#include "hormiga-rtc-error.h"
#include "hormiga-peer-connection.h"
#include "hormiga-signaling-client.h"
#include "hormiga-test-node.h"
#include "hormiga-test-server.h"
#include "hormiga-test-turn.h"
#include "hormiga-test-util.h"

/* Generous bounds that fail the test, not measurements. */
#define CONNECT_TIMEOUT_MS 30000
#define TRANSFER_TIMEOUT_MS 60000

typedef struct _Peer Peer;

struct _Peer
{
  const char            *name;
  HormigaCertificate    *certificate;
  HormigaIdentity       *identity;
  HormigaPeerConnection *pc;
  Peer                  *other;
  GPtrArray             *candidates;  /* char *, every local candidate */
  GPtrArray             *channels;    /* HormigaDataChannel opened by the other side */
  GPtrArray             *messages;    /* GBytes, any channel */
  GArray                *is_text;     /* gboolean */
  GError                *failure;
};

typedef struct
{
  HormigaTestTurn *turn;
  Peer             peers[2];          /* peers[0] offers */
} Fixture;

static void
on_local_candidate (HormigaPeerConnection *pc,
                    const char            *candidate,
                    gpointer               user_data)
{
  Peer *peer = user_data;
  g_autoptr(GError) error = NULL;

  g_test_message ("%s: local %s", peer->name, candidate);
  g_ptr_array_add (peer->candidates, g_strdup (candidate));
  g_assert_true (hormiga_peer_connection_add_remote_candidate (peer->other->pc, candidate, &error));
  g_assert_no_error (error);
}

static void
on_gathering_done (HormigaPeerConnection *pc,
                   gpointer               user_data)
{
  Peer *peer = user_data;

  hormiga_peer_connection_remote_end_of_candidates (peer->other->pc);
}

static void
on_message (HormigaDataChannel *channel,
            GBytes             *data,
            gboolean            is_text,
            gpointer            user_data)
{
  Peer *peer = user_data;

  g_ptr_array_add (peer->messages, g_bytes_ref (data));
  g_array_append_val (peer->is_text, is_text);
}

static void
on_data_channel (HormigaPeerConnection *pc,
                 HormigaDataChannel    *channel,
                 gpointer               user_data)
{
  Peer *peer = user_data;

  g_ptr_array_add (peer->channels, g_object_ref (channel));
  g_signal_connect (channel, "message", G_CALLBACK (on_message), peer);
}

static void
on_failed (HormigaPeerConnection *pc,
           const GError          *error,
           gpointer               user_data)
{
  Peer *peer = user_data;

  g_test_message ("%s: failed: %s", peer->name, error->message);
  if (peer->failure == NULL)
    peer->failure = g_error_copy (error);
}

static void
peer_init (Peer                     *peer,
           const char               *name,
           Peer                     *other,
           HormigaTestTurn          *turn,
           HormigaIceRelayTransport  transport)
{
  g_autoptr(GError) error = NULL;
  HormigaIceTransport *ice;

  memset (peer, 0, sizeof *peer);
  peer->name = name;
  peer->other = other;
  peer->certificate = hormiga_certificate_generate (&error);
  g_assert_no_error (error);
  peer->identity = hormiga_identity_generate ();
  peer->pc = hormiga_peer_connection_new (NULL, peer->certificate, peer->identity);

  /* The socket that talks to the TURN server is on loopback, like it. */
  ice = hormiga_peer_connection_get_ice (peer->pc);
  g_assert_true (hormiga_ice_transport_add_local_address (ice, "127.0.0.1", &error));
  g_assert_no_error (error);
  g_assert_true (hormiga_ice_transport_add_relay (ice, "127.0.0.1", hormiga_test_turn_get_port (turn),
                                                  HORMIGA_TEST_TURN_USERNAME,
                                                  HORMIGA_TEST_TURN_PASSWORD, transport, &error));
  g_assert_no_error (error);
  hormiga_ice_transport_set_relay_only (ice, TRUE);

  peer->candidates = g_ptr_array_new_with_free_func (g_free);
  peer->channels = g_ptr_array_new_with_free_func (g_object_unref);
  peer->messages = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  peer->is_text = g_array_new (FALSE, FALSE, sizeof (gboolean));
  g_signal_connect (peer->pc, "local-candidate", G_CALLBACK (on_local_candidate), peer);
  g_signal_connect (peer->pc, "gathering-done", G_CALLBACK (on_gathering_done), peer);
  g_signal_connect (peer->pc, "data-channel", G_CALLBACK (on_data_channel), peer);
  g_signal_connect (peer->pc, "failed", G_CALLBACK (on_failed), peer);
}

static void
peer_clear (Peer *peer)
{
  g_signal_handlers_disconnect_by_data (peer->pc, peer);
  for (guint i = 0; i < peer->channels->len; i++)
    g_signal_handlers_disconnect_by_data (g_ptr_array_index (peer->channels, i), peer);
  hormiga_peer_connection_close (peer->pc);
  g_ptr_array_unref (peer->channels);
  g_assert_finalize_object (peer->pc);
  g_object_unref (peer->certificate);
  g_object_unref (peer->identity);
  g_ptr_array_unref (peer->candidates);
  g_ptr_array_unref (peer->messages);
  g_array_unref (peer->is_text);
  g_clear_error (&peer->failure);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  HormigaIceRelayTransport transport = GPOINTER_TO_UINT (data);

  fixture->turn = hormiga_test_turn_start ();
  peer_init (&fixture->peers[0], "offerer", &fixture->peers[1], fixture->turn, transport);
  peer_init (&fixture->peers[1], "answerer", &fixture->peers[0], fixture->turn, transport);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  if (fixture->peers[0].pc != NULL)
    peer_clear (&fixture->peers[0]);
  if (fixture->peers[1].pc != NULL)
    peer_clear (&fixture->peers[1]);
  hormiga_test_turn_stop (fixture->turn);
}

static gboolean
both_connected (gpointer data)
{
  Peer *peers = data;

  return hormiga_peer_connection_get_state (peers[0].pc) == HORMIGA_PEER_CONNECTION_CONNECTED &&
         hormiga_peer_connection_get_state (peers[1].pc) == HORMIGA_PEER_CONNECTION_CONNECTED;
}

static gboolean
any_failed (gpointer data)
{
  Peer *peers = data;

  return peers[0].failure != NULL || peers[1].failure != NULL;
}

static gboolean
connected_or_failed (gpointer data)
{
  return both_connected (data) || any_failed (data);
}

static void
negotiate (Peer peers[2])
{
  g_autoptr(GError) error = NULL;
  g_autofree char *offer = hormiga_peer_connection_create_offer (peers[0].pc, &error);
  g_autofree char *answer = NULL;

  g_assert_no_error (error);
  g_assert_true (hormiga_peer_connection_set_remote_description (peers[1].pc, HORMIGA_SDP_OFFER,
                                                                 offer, &error));
  g_assert_no_error (error);
  answer = hormiga_peer_connection_create_answer (peers[1].pc, &error);
  g_assert_no_error (error);
  g_assert_true (hormiga_peer_connection_set_remote_description (peers[0].pc, HORMIGA_SDP_ANSWER,
                                                                 answer, &error));
  g_assert_no_error (error);
}

typedef struct { Peer *peer; guint count; } Count;

static gboolean
has_channels (gpointer data)
{
  Count *count = data;

  return count->peer->channels->len >= count->count;
}

static gboolean
has_messages (gpointer data)
{
  Count *count = data;

  return count->peer->messages->len >= count->count;
}

/* Both counts of a Count[2] reached, or a failure. */
static gboolean
all_messages (gpointer data)
{
  Count *counts = data;

  return (has_messages (&counts[0]) && has_messages (&counts[1])) ||
         counts[0].peer->failure != NULL || counts[1].peer->failure != NULL;
}

typedef struct { HormigaDataChannel *channel; HormigaDataChannelState state; } StateWait;

static gboolean
channel_in_state (gpointer data)
{
  StateWait *wait = data;

  return hormiga_data_channel_get_state (wait->channel) == wait->state;
}

/* Message @index of direction @direction: bytes no other message has. */
static guint8
pattern (guint  direction,
         guint  index,
         gsize  offset)
{
  return (guint8) (offset * 31 + index * 7 + direction * 101 + (offset >> 8));
}

static const gsize sizes[] = { 1, 1000, 1200, 65536, 262144 };

static void
send_all (HormigaDataChannel *channel,
          guint               direction)
{
  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree guint8 *data = g_malloc (sizes[i]);
      g_autofree char *text = g_strdup_printf ("text %u of direction %u", i, direction);

      for (gsize j = 0; j < sizes[i]; j++)
        data[j] = pattern (direction, i, j);
      g_assert_true (hormiga_data_channel_send (channel, data, sizes[i], &error));
      g_assert_no_error (error);
      g_assert_true (hormiga_data_channel_send_text (channel, text, &error));
      g_assert_no_error (error);
    }
}

/* The messages arrive whole and in order, byte for byte. */
static void
check_all (Peer  *receiver,
           guint  direction)
{
  g_assert_cmpuint (receiver->messages->len, ==, 2 * G_N_ELEMENTS (sizes));
  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      GBytes *binary = g_ptr_array_index (receiver->messages, 2 * i);
      GBytes *text = g_ptr_array_index (receiver->messages, 2 * i + 1);
      g_autofree char *expected = g_strdup_printf ("text %u of direction %u", i, direction);
      const guint8 *bytes = g_bytes_get_data (binary, NULL);
      gsize text_size = 0;
      const char *text_data = g_bytes_get_data (text, &text_size);

      g_assert_false (g_array_index (receiver->is_text, gboolean, 2 * i));
      g_assert_cmpuint (g_bytes_get_size (binary), ==, sizes[i]);
      for (gsize j = 0; j < sizes[i]; j++)
        if (bytes[j] != pattern (direction, i, j))
          g_error ("message %u (%" G_GSIZE_FORMAT " bytes) differs at byte %" G_GSIZE_FORMAT,
                   i, sizes[i], j);
      g_assert_true (g_array_index (receiver->is_text, gboolean, 2 * i + 1));
      g_assert_cmpmem (text_data, text_size, expected, strlen (expected));
    }
}

static gsize
total_binary_bytes (void)
{
  gsize total = 0;

  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    total += sizes[i];
  return total;
}

typedef struct { HormigaTestTurn *turn; guint allocations; } UsageWait;

static gboolean
usage_logged (gpointer data)
{
  UsageWait *wait = data;
  HormigaTestTurnUsage usage;

  hormiga_test_turn_get_usage (wait->turn, &usage);
  return usage.allocations >= wait->allocations;
}

static void
test_relay (Fixture       *fixture,
            gconstpointer  data)
{
  Peer *peers = fixture->peers;
  g_autoptr(GError) error = NULL;
  g_autoptr(HormigaDataChannel) channel = NULL;
  HormigaDataChannel *remote;
  Count at_answerer = { &peers[1], 1 };
  Count to_both[2] = { { &peers[1], 2 * G_N_ELEMENTS (sizes) },
                       { &peers[0], 2 * G_N_ELEMENTS (sizes) } };
  StateWait open;
  UsageWait closed = { fixture->turn, 2 };
  HormigaTestTurnUsage usage;
  gsize payload = total_binary_bytes ();
  HormigaIceRelayTransport transport = GPOINTER_TO_UINT (data);

  channel = hormiga_peer_connection_create_data_channel (peers[0].pc, "through-turn", NULL, &error);
  g_assert_no_error (error);
  g_signal_connect (channel, "message", G_CALLBACK (on_message), &peers[0]);
  negotiate (peers);

  g_assert_true (hormiga_test_wait_until (connected_or_failed, peers, CONNECT_TIMEOUT_MS));
  g_assert_no_error (peers[0].failure);
  g_assert_no_error (peers[1].failure);

  /* Relay-only: nothing but relay candidates left either side, and the
   * selected pair is relayed on both. */
  for (guint p = 0; p < 2; p++)
    {
      HormigaIceTransport *ice = hormiga_peer_connection_get_ice (peers[p].pc);

      g_assert_cmpuint (peers[p].candidates->len, >=, 1);
      for (guint i = 0; i < peers[p].candidates->len; i++)
        g_assert_nonnull (strstr (g_ptr_array_index (peers[p].candidates, i), " typ relay"));
      g_assert_cmpstr (hormiga_ice_transport_get_selected_kind (ice), ==, "relay");
    }
  /* coturn made one allocation for each peer, reached over the transport
   * asked for. */
  g_assert_cmpuint (hormiga_test_turn_count_allocations (fixture->turn), ==, 2);
  if (transport == HORMIGA_ICE_RELAY_TCP)
    g_assert_cmpuint (hormiga_test_turn_count_tcp_clients (fixture->turn), >=, 2);
  else
    g_assert_cmpuint (hormiga_test_turn_count_tcp_clients (fixture->turn), ==, 0);

  open = (StateWait) { channel, HORMIGA_DATA_CHANNEL_OPEN };
  g_assert_true (hormiga_test_wait_until (channel_in_state, &open, CONNECT_TIMEOUT_MS));
  g_assert_true (hormiga_test_wait_until (has_channels, &at_answerer, CONNECT_TIMEOUT_MS));
  remote = g_ptr_array_index (peers[1].channels, 0);
  g_assert_cmpstr (hormiga_data_channel_get_label (remote), ==, "through-turn");

  /* Both ways at once, 256 KiB messages included. */
  send_all (channel, 0);
  send_all (remote, 1);
  g_assert_true (hormiga_test_wait_until (all_messages, to_both, TRANSFER_TIMEOUT_MS));
  check_all (&peers[1], 0);
  check_all (&peers[0], 1);
  g_assert_no_error (peers[0].failure);
  g_assert_no_error (peers[1].failure);
  g_assert_cmpstr (hormiga_ice_transport_get_selected_kind (hormiga_peer_connection_get_ice (peers[0].pc)),
                   ==, "relay");

  /* Closing the connections deletes the allocations; coturn then logs
   * what went through each. Each side's payload went client → server,
   * relay → relay and server → client, so every counter, summed over the
   * two allocations, holds both payloads at least. */
  g_signal_handlers_disconnect_by_data (channel, &peers[0]);
  g_clear_object (&channel);
  peer_clear (&peers[0]);
  peer_clear (&peers[1]);
  peers[0].pc = peers[1].pc = NULL;
  g_assert_true (hormiga_test_wait_until (usage_logged, &closed, CONNECT_TIMEOUT_MS));
  hormiga_test_turn_get_usage (fixture->turn, &usage);
  g_test_message ("coturn: %u allocations, clients sent %" G_GUINT64_FORMAT " B, received %"
                  G_GUINT64_FORMAT " B; relays sent %" G_GUINT64_FORMAT " B to peers, received %"
                  G_GUINT64_FORMAT " B", usage.allocations, usage.client_received,
                  usage.client_sent, usage.peer_sent, usage.peer_received);
  g_assert_cmpuint (usage.allocations, ==, 2);
  g_assert_cmpuint (hormiga_test_turn_count_released (fixture->turn), ==, 2);
  g_assert_cmpuint (usage.client_received, >=, 2 * payload);
  g_assert_cmpuint (usage.client_sent, >=, 2 * payload);
  g_assert_cmpuint (usage.peer_sent, >=, 2 * payload);
  g_assert_cmpuint (usage.peer_received, >=, 2 * payload);
}

/* ---- the ICE transport alone -------------------------------------------- */

typedef struct _Agent Agent;

struct _Agent
{
  HormigaIceTransport *ice;
  Agent               *peer;
  GPtrArray           *received;   /* GBytes */
};

static void
on_ice_candidate (HormigaIceTransport *ice,
                  const char          *candidate,
                  gpointer             user_data)
{
  Agent *agent = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (strstr (candidate, " typ relay"));
  g_assert_true (hormiga_ice_transport_add_remote_candidate (agent->peer->ice, candidate, &error));
  g_assert_no_error (error);
}

static void
on_ice_gathering_done (HormigaIceTransport *ice,
                       gpointer             user_data)
{
  Agent *agent = user_data;

  hormiga_ice_transport_remote_gathering_done (agent->peer->ice);
}

static void
on_ice_receive (const guint8 *data,
                gsize         length,
                gpointer      user_data)
{
  Agent *agent = user_data;

  g_ptr_array_add (agent->received, g_bytes_new (data, length));
}

static gboolean
ice_connected (gpointer data)
{
  Agent *agents = data;

  return hormiga_ice_transport_get_state (agents[0].ice) == HORMIGA_ICE_STATE_CONNECTED &&
         hormiga_ice_transport_get_state (agents[1].ice) == HORMIGA_ICE_STATE_CONNECTED;
}

static gboolean
ice_received (gpointer data)
{
  Agent *agents = data;

  return agents[0].received->len >= 1 && agents[1].received->len >= 1;
}

/* A relay-only agent using the TURN server on 127.0.0.1:@port. */
static void
agent_init (Agent      *agent,
            Agent      *peer,
            gboolean    controlling,
            guint16     port,
            const char *username,
            const char *credential)
{
  g_autoptr(GError) error = NULL;

  agent->peer = peer;
  agent->received = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  agent->ice = hormiga_ice_transport_new (NULL, controlling);
  g_assert_true (hormiga_ice_transport_add_local_address (agent->ice, "127.0.0.1", &error));
  g_assert_true (hormiga_ice_transport_add_relay (agent->ice, "127.0.0.1", port, username,
                                                  credential, HORMIGA_ICE_RELAY_UDP, &error));
  g_assert_no_error (error);
  hormiga_ice_transport_set_relay_only (agent->ice, TRUE);
  hormiga_ice_transport_set_receive (agent->ice, on_ice_receive, agent, NULL);
  g_signal_connect (agent->ice, "local-candidate", G_CALLBACK (on_ice_candidate), agent);
  g_signal_connect (agent->ice, "gathering-done", G_CALLBACK (on_ice_gathering_done), agent);
}

/* Connects the two agents, checks both selected a relayed pair, and sends
 * "ping" and "pong" across, checked on arrival. */
static void
agents_connect_and_exchange (Agent agents[2])
{
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < 2; i++)
    hormiga_ice_transport_set_remote_credentials (agents[1 - i].ice,
                                                  hormiga_ice_transport_get_local_ufrag (agents[i].ice),
                                                  hormiga_ice_transport_get_local_pwd (agents[i].ice));
  g_assert_true (hormiga_ice_transport_gather (agents[0].ice, &error));
  g_assert_true (hormiga_ice_transport_gather (agents[1].ice, &error));
  g_assert_no_error (error);

  g_assert_true (hormiga_test_wait_until (ice_connected, agents, CONNECT_TIMEOUT_MS));
  g_assert_cmpstr (hormiga_ice_transport_get_selected_kind (agents[0].ice), ==, "relay");
  g_assert_cmpstr (hormiga_ice_transport_get_selected_kind (agents[1].ice), ==, "relay");
  g_assert_true (hormiga_ice_transport_send (agents[0].ice, (const guint8 *) "ping", 4));
  g_assert_true (hormiga_ice_transport_send (agents[1].ice, (const guint8 *) "pong", 4));
  g_assert_true (hormiga_test_wait_until (ice_received, agents, CONNECT_TIMEOUT_MS));
  g_assert_cmpmem (g_bytes_get_data (g_ptr_array_index (agents[1].received, 0), NULL), 4, "ping", 4);
  g_assert_cmpmem (g_bytes_get_data (g_ptr_array_index (agents[0].received, 0), NULL), 4, "pong", 4);
}

typedef struct { HormigaTestTurn *turn; guint count; } ReleaseWait;

static gboolean
released (gpointer data)
{
  ReleaseWait *wait = data;

  return hormiga_test_turn_count_released (wait->turn) >= wait->count;
}

/* Dropping a transport deletes its allocation on the server at once (a
 * Refresh with lifetime 0) instead of leaving it there until it expires,
 * and libnice does not complain about live TURN refreshes. */
static void
test_ice_releases_allocations (void)
{
  HormigaTestTurn *turn = hormiga_test_turn_start ();
  Agent agents[2];
  ReleaseWait wait = { turn, 2 };
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < 2; i++)
    agent_init (&agents[i], &agents[1 - i], i == 0, hormiga_test_turn_get_port (turn),
                HORMIGA_TEST_TURN_USERNAME, HORMIGA_TEST_TURN_PASSWORD);
  agents_connect_and_exchange (agents);
  g_assert_cmpuint (hormiga_test_turn_count_released (turn), ==, 0);

  /* One closed first, one only dropped. */
  hormiga_ice_transport_close (agents[0].ice);
  for (guint i = 0; i < 2; i++)
    {
      g_signal_handlers_disconnect_by_data (agents[i].ice, &agents[i]);
      g_assert_finalize_object (agents[i].ice);
      g_ptr_array_unref (agents[i].received);
    }
  g_assert_true (hormiga_test_wait_until (released, &wait, CONNECT_TIMEOUT_MS));
  hormiga_test_turn_stop (turn);
}

/* ---- credentials from hormiguero --------------------------------------------- */

#define REST_SECRET "a secret shared by hormiguero and coturn"

static void
on_admitted (HormigaSignalingClient *client,
             const char             *peer_id,
             const char * const     *peers,
             gpointer                user_data)
{
  (*(guint *) user_data)++;
}

static gboolean
both_admitted (gpointer data)
{
  return *(guint *) data >= 2;
}

/* hormiguero hands each admitted peer TURN credentials made from the secret
 * it shares with coturn (coturn's REST API); two relay-only transports
 * carry data through coturn with them, so coturn accepted them. */
static void
test_credentials_from_hormiguero (void)
{
  HormigaTestTurn *turn = hormiga_test_turn_start_with_secret (REST_SECRET);
  g_autofree char *directory = g_dir_make_tmp ("hormiga-turn-secret-XXXXXX", NULL);
  g_autofree char *secret_file = g_build_filename (directory, "secret", NULL);
  g_autofree char *url = g_strdup_printf ("turn:127.0.0.1:%u?transport=udp",
                                          hormiga_test_turn_get_port (turn));
  const char *args[] = { "--turn-url", url, "--turn-secret-file", secret_file, NULL };
  HormigaTestServer *server = NULL;
  HormigaSignalingClient *clients[2];
  HormigaIdentity *identities[2];
  Agent agents[2];
  guint admitted = 0;
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_set_contents (secret_file, REST_SECRET "\n", -1, &error));
  server = hormiga_test_server_start (args);
  for (guint i = 0; i < 2; i++)
    {
      identities[i] = hormiga_identity_generate ();
      clients[i] = hormiga_signaling_client_new (hormiga_test_server_get_url (server), identities[i], NULL);
      g_signal_connect (clients[i], "admitted", G_CALLBACK (on_admitted), &admitted);
      hormiga_signaling_client_start (clients[i]);
    }
  g_assert_true (hormiga_test_wait_until (both_admitted, &admitted, CONNECT_TIMEOUT_MS));

  for (guint i = 0; i < 2; i++)
    {
      const char * const *urls = NULL;
      const char *username = NULL, *credential = NULL;
      const char *own = hormiga_peer_id_to_string (hormiga_identity_get_peer_id (identities[i]));
      g_autofree char *suffix = g_strconcat (":", own, NULL);
      gint64 expiry;
      guint port = 0;

      g_assert_true (hormiga_signaling_client_get_turn (clients[i], &urls, &username, &credential));
      g_assert_cmpstr (urls[0], ==, url);
      g_assert_null (urls[1]);
      /* "EXPIRY:PEERID", EXPIRY half a day ahead. */
      g_assert_true (g_str_has_suffix (username, suffix));
      expiry = g_ascii_strtoll (username, NULL, 10);
      g_assert_cmpint (expiry, >=, g_get_real_time () / G_USEC_PER_SEC + 43200 - 120);
      g_assert_cmpint (expiry, <=, g_get_real_time () / G_USEC_PER_SEC + 43200 + 5);
      g_assert_cmpint (sscanf (urls[0], "turn:127.0.0.1:%u", &port), ==, 1);
      agent_init (&agents[i], &agents[1 - i], i == 0, (guint16) port, username, credential);
    }
  agents_connect_and_exchange (agents);

  for (guint i = 0; i < 2; i++)
    {
      g_signal_handlers_disconnect_by_data (agents[i].ice, &agents[i]);
      hormiga_ice_transport_close (agents[i].ice);
      g_assert_finalize_object (agents[i].ice);
      g_ptr_array_unref (agents[i].received);
      g_signal_handlers_disconnect_by_data (clients[i], &admitted);
      hormiga_signaling_client_stop (clients[i]);
      g_assert_finalize_object (clients[i]);
      g_object_unref (identities[i]);
    }
  hormiga_test_server_stop (server);
  g_unlink (secret_file);
  g_rmdir (directory);
  hormiga_test_turn_stop (turn);
}

/* `hormiga-node peers --json` of @node, once it lists @peer_id open: its
 * output. */
static char *
peers_json_when_open (HormigaTestNode *node,
                      const char      *peer_id)
{
  g_autofree char *needle = g_strdup_printf ("{\"peer\":\"%s\",", peer_id);
  gint64 deadline = g_get_monotonic_time () + (gint64) CONNECT_TIMEOUT_MS * 1000;
  const char *argv[] = { g_getenv ("HORMIGA_NODE"), "--data-dir", hormiga_test_node_get_dir (node),
                         "--json", "peers", NULL };

  for (;;)
    {
      g_autofree char *out = NULL;
      g_autoptr(GError) error = NULL;
      const char *entry;

      g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, NULL, NULL,
                    &error);
      g_assert_no_error (error);
      entry = strstr (out, needle);
      if (entry != NULL && strstr (entry, "\"open\":true") != NULL)
        return g_steal_pointer (&out);
      if (g_get_monotonic_time () > deadline)
        {
          g_printerr ("%s never showed an open connection to %s; last: %s\n",
                      hormiga_test_node_get_peer_id (node), peer_id, out);
          /* Fails with what the node printed. */
          hormiga_test_node_expect (node, "peer-connected ", 1);
        }
      hormiga_test_pause_ms (200);
    }
}

/* Two nodes given coturn by --turn (one by name, one by address; the
 * server needs the credentials in the URL), relay-only: they connect
 * through hormiguero's bootstrap and again with `connect`, every path is
 * a relay, a message crosses, and coturn made the allocations. */
static void
test_node_options (void)
{
  HormigaTestTurn *turn = hormiga_test_turn_start ();
  HormigaTestServer *server = hormiga_test_server_start (NULL);
  g_autofree char *by_address = g_strdup_printf ("turn:" HORMIGA_TEST_TURN_USERNAME ":"
                                                 HORMIGA_TEST_TURN_PASSWORD "@127.0.0.1:%u",
                                                 hormiga_test_turn_get_port (turn));
  g_autofree char *by_name = g_strdup_printf ("turn:" HORMIGA_TEST_TURN_USERNAME ":"
                                              HORMIGA_TEST_TURN_PASSWORD "@localhost:%u",
                                              hormiga_test_turn_get_port (turn));
  const char *options_a[] = { "--turn", by_address, "--relay-only", NULL };
  const char *options_b[] = { "--turn", by_name, "--relay-only", NULL };
  HormigaTestNode *a, *b;
  g_autofree char *command = NULL;
  g_autofree char *expected = NULL;
  guint made;

  a = hormiga_test_node_spawn_with (hormiga_test_server_get_url (server), options_a);
  hormiga_test_node_expect (a, "dht-ready ", CONNECT_TIMEOUT_MS);
  b = hormiga_test_node_spawn_with (hormiga_test_server_get_url (server), options_b);
  hormiga_test_node_expect (b, "dht-ready ", CONNECT_TIMEOUT_MS);

  /* b's bootstrap connected it to a, through the relay. */
  for (guint i = 0; i < 2; i++)
    {
      HormigaTestNode *node = i == 0 ? b : a;
      g_autofree char *out = peers_json_when_open (node,
                                                   hormiga_test_node_get_peer_id (i == 0 ? a : b));

      g_test_message ("%s", out);
      g_assert_nonnull (strstr (out, "\"path\":\"relay\""));
      g_assert_null (strstr (out, "\"path\":\"host\""));
      g_assert_null (strstr (out, "\"path\":\"srflx\""));
    }

  /* A connection of its own, and a message on it. */
  command = g_strdup_printf ("connect %s", hormiga_test_node_get_peer_id (a));
  hormiga_test_node_say (b, command);
  hormiga_test_node_expect (b, "channel-open ", CONNECT_TIMEOUT_MS);
  g_free (command);
  command = g_strdup_printf ("send %s por el relé", hormiga_test_node_get_peer_id (a));
  hormiga_test_node_say (b, command);
  expected = g_strdup_printf ("channel-message from=%s", hormiga_test_node_get_peer_id (b));
  hormiga_test_node_expect (a, expected, CONNECT_TIMEOUT_MS);
  g_assert_nonnull (strstr (hormiga_test_node_get_line (a, expected, 0), "text=por el relé"));

  /* Each of the two connections took an allocation on each side, for our
   * user: nothing else could have carried them. */
  made = hormiga_test_turn_count_allocations (turn);
  g_test_message ("coturn made %u allocations", made);
  g_assert_cmpuint (made, >=, 4);
  hormiga_test_node_quit (a);
  hormiga_test_node_quit (b);
  hormiga_test_server_stop (server);
  hormiga_test_turn_stop (turn);
}

static void
on_node_ready (HormigaNode *node,
               guint        contacts,
               gpointer     user_data)
{
  (*(guint *) user_data)++;
}

static gboolean
is_positive (gpointer data)
{
  return *(guint *) data > 0;
}

typedef struct { HormigaNode *node; const HormigaPeerId *peer; } PathWait;

/* @node's open connection to @peer goes through a relay. */
static gboolean
relayed_to (gpointer data)
{
  PathWait *wait = data;
  g_autoptr(GPtrArray) connections = hormiga_node_list_connections (wait->node);

  for (guint i = 0; i < connections->len; i++)
    {
      HormigaNodeConnectionInfo *info = g_ptr_array_index (connections, i);

      if (info->open && hormiga_peer_id_equal (info->peer, wait->peer))
        return g_strcmp0 (info->path, "relay") == 0;
    }
  return FALSE;
}

/* A STUN Binding request (RFC 5389: type 0x0001, the magic cookie) came to
 * @socket; other datagrams are skipped. Never blocks. */
static gboolean
stun_binding_received (gpointer data)
{
  GSocket *socket = data;
  guint8 buffer[1500];
  gssize length;

  while ((length = g_socket_receive (socket, (char *) buffer, sizeof buffer, NULL, NULL)) > 0)
    if (length >= 20 && buffer[0] == 0x00 && buffer[1] == 0x01 &&
        buffer[4] == 0x21 && buffer[5] == 0x12 && buffer[6] == 0xa4 && buffer[7] == 0x42)
      return TRUE;
  return FALSE;
}

/* A relay-only node that joined with no TURN server is given one while it
 * runs: the next connection, a newcomer's, goes through it. A malformed
 * list is refused and changes nothing. The newcomer, given a STUN server
 * (a socket of the test's own), asks it for its address. */
static void
test_set_while_running (void)
{
  HormigaTestTurn *turn = hormiga_test_turn_start ();
  HormigaTestServer *server = hormiga_test_server_start (NULL);
  g_autofree char *url = g_strdup_printf ("turn:" HORMIGA_TEST_TURN_USERNAME ":"
                                          HORMIGA_TEST_TURN_PASSWORD "@127.0.0.1:%u",
                                          hormiga_test_turn_get_port (turn));
  const char *turn_servers[] = { url, NULL };
  const char *bad[] = { "turn:127.0.0.1", NULL };
  HormigaNode *nodes[2];
  guint ready[2] = { 0, 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) stun = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                                          G_SOCKET_PROTOCOL_UDP, &error);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any_port = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autofree char *stun_url = NULL;
  const char *stun_servers[] = { NULL, NULL };
  PathWait wait;

  g_assert_no_error (error);
  g_assert_true (g_socket_bind (stun, any_port, FALSE, &error));
  g_assert_no_error (error);
  g_socket_set_blocking (stun, FALSE);
  bound = g_socket_get_local_address (stun, &error);
  g_assert_no_error (error);
  stun_url = g_strdup_printf ("stun:127.0.0.1:%u",
                              g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  stun_servers[0] = stun_url;

  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(HormigaIdentity) identity = hormiga_identity_generate ();

      nodes[i] = hormiga_node_new (identity, hormiga_test_server_get_url (server), NULL, NULL,
                                   &error);
      g_assert_no_error (error);
      hormiga_node_set_local_address (nodes[i], "127.0.0.1");
      g_signal_connect (nodes[i], "dht-ready", G_CALLBACK (on_node_ready), &ready[i]);
    }
  hormiga_node_set_relay_only (nodes[0], TRUE);
  hormiga_node_start (nodes[0]);
  g_assert_true (hormiga_test_wait_until (is_positive, &ready[0], CONNECT_TIMEOUT_MS));

  g_assert_false (hormiga_node_set_ice_servers (nodes[0], NULL, bad, &error));
  g_assert_error (error, HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_ICE);
  g_test_message ("refused: %s", error->message);
  g_assert_nonnull (strstr (error->message, "TURN server 1: "));
  g_clear_error (&error);
  g_assert_true (hormiga_node_set_ice_servers (nodes[0], NULL, turn_servers, &error));
  g_assert_no_error (error);

  /* The newcomer's bootstrap connects to the first node. */
  g_assert_true (hormiga_node_set_ice_servers (nodes[1], stun_servers, NULL, &error));
  g_assert_no_error (error);
  hormiga_node_start (nodes[1]);
  g_assert_true (hormiga_test_wait_until (is_positive, &ready[1], CONNECT_TIMEOUT_MS));
  wait.node = nodes[0];
  wait.peer = hormiga_identity_get_peer_id (hormiga_node_get_identity (nodes[1]));
  g_assert_true (hormiga_test_wait_until (relayed_to, &wait, CONNECT_TIMEOUT_MS));
  g_assert_cmpuint (hormiga_test_turn_count_allocations (turn), >=, 1);
  g_assert_true (hormiga_test_wait_until (stun_binding_received, stun, CONNECT_TIMEOUT_MS));

  for (guint i = 0; i < 2; i++)
    hormiga_node_stop (nodes[i]);
  hormiga_test_pause_ms (100);
  for (guint i = 0; i < 2; i++)
    g_assert_finalize_object (nodes[i]);
  hormiga_test_server_stop (server);
  hormiga_test_turn_stop (turn);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/hormiga/turn-relay/udp", Fixture, GUINT_TO_POINTER (HORMIGA_ICE_RELAY_UDP),
              fixture_set_up, test_relay, fixture_tear_down);
  g_test_add ("/hormiga/turn-relay/tcp", Fixture, GUINT_TO_POINTER (HORMIGA_ICE_RELAY_TCP),
              fixture_set_up, test_relay, fixture_tear_down);
  g_test_add_func ("/hormiga/turn-relay/ice-releases-allocations", test_ice_releases_allocations);
  g_test_add_func ("/hormiga/turn-relay/credentials-from-hormiguero", test_credentials_from_hormiguero);
  g_test_add_func ("/hormiga/turn-relay/node-options", test_node_options);
  g_test_add_func ("/hormiga/turn-relay/set-while-running", test_set_while_running);
  return g_test_run ();
}
