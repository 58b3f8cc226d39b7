/* test-rtc-connector.c — two nodes negotiate a data channel through hormiguero
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A real hormiguero process carries the offer, answer and candidates; ICE,
 * DTLS and SCTP then run directly between the two on 127.0.0.1.
 */
#include "hormiga-certificate.h"
#include "hormiga-identity.h"
#include "hormiga-peer-id.h"
#include "hormiga-rtc-connector.h"
#include "hormiga-rtc-error.h"
#include "hormiga-rtc-signal.h"
#include "hormiga-test-server.h"
#include "hormiga-wire-error.h"

typedef struct
{
  HormigaIdentity        *identity;
  HormigaCertificate     *certificate;
  HormigaSignalingClient *signaling;
  HormigaRtcConnector    *connector;
  gboolean                admitted;
  guint                   n_incoming;
  HormigaDataChannel     *remote_channel;
  GPtrArray              *messages;
  GArray                 *signal_types;  /* HormigaRtcSignalType, in arrival order */
  HormigaPeerConnection  *incoming_pc;
  GChecksum              *hash;           /* when set, messages are hashed, not kept */
  guint64                 hashed;
} Node;

static void
on_raw_signal (HormigaSignalingClient *client,
               const char             *from,
               const char             *sid,
               GBytes                 *payload,
               gpointer                user_data)
{
  Node *node = user_data;
  g_autoptr(HormigaRtcSignal) signal = hormiga_rtc_signal_decode (payload, NULL);

  if (signal != NULL)
    g_array_append_val (node->signal_types, signal->type);
}

static void
on_admitted (HormigaSignalingClient *client,
             const char             *peer_id,
             const char * const     *peers,
             gpointer                user_data)
{
  Node *node = user_data;
  node->admitted = TRUE;
}

static void
on_message (HormigaDataChannel *channel,
            GBytes             *data,
            gboolean            is_text,
            gpointer            user_data)
{
  Node *node = user_data;
  gsize length;
  const guint8 *bytes = g_bytes_get_data (data, &length);

  if (node->hash != NULL && !is_text)
    {
      g_checksum_update (node->hash, bytes, (gssize) length);
      node->hashed += length;
      return;
    }
  g_ptr_array_add (node->messages, g_bytes_ref (data));
}

static void
on_data_channel (HormigaPeerConnection *pc,
                 HormigaDataChannel    *channel,
                 gpointer               user_data)
{
  Node *node = user_data;

  g_set_object (&node->remote_channel, channel);
  g_signal_connect (channel, "message", G_CALLBACK (on_message), node);
}

static void
on_peer_connection (HormigaRtcConnector   *connector,
                    const char            *peer_id,
                    HormigaPeerConnection *pc,
                    gboolean               incoming,
                    gpointer               user_data)
{
  Node *node = user_data;

  g_signal_connect (pc, "data-channel", G_CALLBACK (on_data_channel), node);
  if (incoming)
    {
      node->n_incoming++;
      g_set_object (&node->incoming_pc, pc);
    }
}

static void
node_init (Node       *node,
           const char *url)
{
  g_autoptr(GError) error = NULL;

  memset (node, 0, sizeof *node);
  node->identity = hormiga_identity_generate ();
  node->certificate = hormiga_certificate_generate (&error);
  g_assert_no_error (error);
  node->messages = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  node->signal_types = g_array_new (FALSE, FALSE, sizeof (HormigaRtcSignalType));
  node->signaling = hormiga_signaling_client_new (url, node->identity, NULL);
  g_signal_connect (node->signaling, "signal-received", G_CALLBACK (on_raw_signal), node);
  g_signal_connect (node->signaling, "admitted", G_CALLBACK (on_admitted), node);
  node->connector = hormiga_rtc_connector_new (node->signaling, node->certificate, NULL);
  hormiga_rtc_connector_set_local_address (node->connector, "127.0.0.1");
  g_signal_connect (node->connector, "peer-connection", G_CALLBACK (on_peer_connection), node);
  hormiga_signaling_client_start (node->signaling);
}

static void
node_clear (Node *node)
{
  if (node->remote_channel != NULL)
    g_signal_handlers_disconnect_by_data (node->remote_channel, node);
  g_clear_object (&node->remote_channel);
  g_clear_object (&node->incoming_pc);
  g_clear_pointer (&node->hash, g_checksum_free);
  g_assert_finalize_object (node->connector);
  hormiga_signaling_client_stop (node->signaling);
  g_assert_finalize_object (node->signaling);
  g_object_unref (node->certificate);
  g_object_unref (node->identity);
  g_ptr_array_unref (node->messages);
  g_array_unref (node->signal_types);
}

static gboolean
both_admitted (gpointer data)
{
  Node *nodes = data;
  return nodes[0].admitted && nodes[1].admitted;
}

static gboolean
channel_open (gpointer data)
{
  return hormiga_data_channel_get_state (data) == HORMIGA_DATA_CHANNEL_OPEN;
}

static gboolean
got_message (gpointer data)
{
  Node *node = data;
  return node->messages->len >= 1;
}

/* ---- another route for the signals ------------------------------------------ */

typedef struct
{
  Node       *to;       /* the node the signals are for */
  const char *from;     /* the sender's PeerID */
  guint       carried;
} Carrier;

typedef struct
{
  Carrier *carrier;
  char    *sid;
  GBytes  *payload;
} Delivery;

static Carrier carriers[2];
static GQueue  deliveries = G_QUEUE_INIT;

static gboolean
carry (const char  *peer_id,
       const char  *sid,
       GBytes      *payload,
       gpointer     user_data,
       GError     **error)
{
  Carrier *carrier = user_data;
  Delivery *delivery = g_new0 (Delivery, 1);

  g_assert_cmpstr (peer_id, ==,
                   hormiga_peer_id_to_string (hormiga_identity_get_peer_id (carrier->to->identity)));
  delivery->carrier = carrier;
  delivery->sid = g_strdup (sid);
  delivery->payload = g_bytes_ref (payload);
  g_queue_push_tail (&deliveries, delivery);
  carrier->carried++;
  return TRUE;
}

/* Signals arrive later, as they would over the network; answers take the
 * carrier the other way. */
static gboolean
deliver (gpointer data)
{
  Delivery *delivery;

  while ((delivery = g_queue_pop_head (&deliveries)) != NULL)
    {
      Carrier *back = delivery->carrier == &carriers[0] ? &carriers[1] : &carriers[0];

      hormiga_rtc_connector_receive_signal (delivery->carrier->to->connector,
                                            delivery->carrier->from, delivery->sid,
                                            delivery->payload, carry, back, NULL);
      g_free (delivery->sid);
      g_bytes_unref (delivery->payload);
      g_free (delivery);
    }
  return G_SOURCE_CONTINUE;
}

/* A session started with connect_via() takes its route both ways: the
 * connection comes up with no signal through hormiguero at all. */
static void
test_channel_through_another_route (void)
{
  HormigaTestServer *server = hormiga_test_server_start (NULL);
  Node nodes[2];
  g_autoptr(GError) error = NULL;
  g_autoptr(HormigaDataChannel) channel = NULL;
  HormigaRtcConnectorCounters counters[2];
  HormigaPeerConnection *pc;
  guint source;

  node_init (&nodes[0], hormiga_test_server_get_url (server));
  node_init (&nodes[1], hormiga_test_server_get_url (server));
  g_assert_true (hormiga_test_wait_until (both_admitted, nodes, 5000));
  carriers[0] = (Carrier) { &nodes[1], hormiga_peer_id_to_string (hormiga_identity_get_peer_id (nodes[0].identity)), 0 };
  carriers[1] = (Carrier) { &nodes[0], hormiga_peer_id_to_string (hormiga_identity_get_peer_id (nodes[1].identity)), 0 };
  source = g_timeout_add (5, deliver, NULL);

  pc = hormiga_rtc_connector_connect_via (nodes[0].connector, carriers[1].from, carry, &carriers[0],
                                          NULL, &error);
  g_assert_no_error (error);
  g_assert_true (hormiga_rtc_connector_is_routed (nodes[0].connector, pc));
  channel = hormiga_peer_connection_create_data_channel (pc, "through-the-overlay", NULL, &error);
  g_assert_no_error (error);
  g_assert_true (hormiga_test_wait_until (channel_open, channel, 15000));
  g_assert_cmpuint (nodes[1].n_incoming, ==, 1);
  g_assert_true (hormiga_rtc_connector_is_routed (nodes[1].connector, nodes[1].incoming_pc));
  g_assert_true (hormiga_data_channel_send_text (channel, "por el hormiguero no", &error));
  g_assert_true (hormiga_test_wait_until (got_message, &nodes[1], 5000));

  /* Offer and candidates one way, answer and candidates the other; none
   * through hormiguero. */
  g_assert_cmpuint (carriers[0].carried, >=, 2);
  g_assert_cmpuint (carriers[1].carried, >=, 2);
  for (guint i = 0; i < 2; i++)
    {
      hormiga_rtc_connector_get_counters (nodes[i].connector, &counters[i]);
      g_assert_cmpuint (counters[i].signals_sent_server, ==, 0);
      g_assert_cmpuint (counters[i].signals_received_server, ==, 0);
      g_assert_cmpuint (nodes[i].signal_types->len, ==, 0);
    }
  g_assert_cmpuint (counters[0].signals_sent_other, ==, carriers[0].carried);
  g_assert_cmpuint (counters[1].signals_received_other, ==, carriers[0].carried);

  g_source_remove (source);
  g_clear_object (&channel);
  node_clear (&nodes[0]);
  node_clear (&nodes[1]);
  while (!g_queue_is_empty (&deliveries))
    {
      Delivery *delivery = g_queue_pop_head (&deliveries);

      g_free (delivery->sid);
      g_bytes_unref (delivery->payload);
      g_free (delivery);
    }
  hormiga_test_server_stop (server);
}

static void
test_channel_through_hormiguero (void)
{
  HormigaTestServer *server = hormiga_test_server_start (NULL);
  Node nodes[2];
  g_autoptr(GError) error = NULL;
  HormigaPeerConnection *pc;
  g_autoptr(HormigaDataChannel) channel = NULL;
  const char *b_id;

  node_init (&nodes[0], hormiga_test_server_get_url (server));
  node_init (&nodes[1], hormiga_test_server_get_url (server));
  g_assert_true (hormiga_test_wait_until (both_admitted, nodes, 5000));
  b_id = hormiga_peer_id_to_string (hormiga_identity_get_peer_id (nodes[1].identity));

  pc = hormiga_rtc_connector_connect (nodes[0].connector, b_id, &error);
  g_assert_no_error (error);
  channel = hormiga_peer_connection_create_data_channel (pc, "through-the-anthill", NULL, &error);
  g_assert_no_error (error);
  g_assert_true (hormiga_test_wait_until (channel_open, channel, 15000));
  g_assert_cmpuint (nodes[1].n_incoming, ==, 1);
  /* Host candidates on loopback only: the pair is direct, to 127.0.0.1,
   * and all through hormiguero. */
  g_assert_cmpstr (hormiga_ice_transport_get_selected_kind (hormiga_peer_connection_get_ice (pc)),
                   ==, "host");
  g_assert_cmpstr (hormiga_ice_transport_get_remote_address (hormiga_peer_connection_get_ice (pc)),
                   ==, "127.0.0.1");
  g_assert_false (hormiga_rtc_connector_is_routed (nodes[0].connector, pc));
  {
    HormigaRtcConnectorCounters counters;

    hormiga_rtc_connector_get_counters (nodes[0].connector, &counters);
    g_assert_cmpuint (counters.signals_sent_server, >=, 2);
    g_assert_cmpuint (counters.signals_received_server, >=, 2);
    g_assert_cmpuint (counters.signals_sent_other, ==, 0);
    g_assert_cmpuint (counters.signals_received_other, ==, 0);
  }
  g_assert_nonnull (nodes[1].remote_channel);
  g_assert_cmpstr (hormiga_data_channel_get_label (nodes[1].remote_channel), ==,
                   "through-the-anthill");

  g_assert_true (hormiga_data_channel_send_text (channel, "hola hormiga", &error));
  g_assert_true (hormiga_test_wait_until (got_message, &nodes[1], 5000));
  g_assert_cmpmem (g_bytes_get_data (g_ptr_array_index (nodes[1].messages, 0), NULL), 12,
                   "hola hormiga", 12);

  /* The description comes before any candidate, both ways, and every
   * candidate is followed by end-of-candidates. */
  g_assert_cmpuint (nodes[1].signal_types->len, >=, 3);
  g_assert_cmpint (g_array_index (nodes[1].signal_types, HormigaRtcSignalType, 0), ==,
                   HORMIGA_RTC_SIGNAL_OFFER);
  g_assert_cmpint (g_array_index (nodes[1].signal_types, HormigaRtcSignalType, 1), ==,
                   HORMIGA_RTC_SIGNAL_CANDIDATE);
  g_assert_cmpuint (nodes[0].signal_types->len, >=, 3);
  g_assert_cmpint (g_array_index (nodes[0].signal_types, HormigaRtcSignalType, 0), ==,
                   HORMIGA_RTC_SIGNAL_ANSWER);

  /* The server forwarded the negotiation and saw none of the data. */
  g_assert_cmpint (hormiga_test_server_metric (server, "hormiguero_signals_forwarded_total"), >=, 2);
  g_assert_cmpuint (hormiga_rtc_connector_get_n_sessions (nodes[0].connector), ==, 1);

  node_clear (&nodes[0]);
  node_clear (&nodes[1]);
  hormiga_test_server_stop (server);
}

/* ---- bulk: 100 MB with a hash check, flow-controlled -------------------- */

#define BULK_MESSAGE   (256 * 1024)
/* 104,857,600 bytes; a fifth of it under AddressSanitizer, whose slow
 * unwinder (needed by the leak suppressions) makes every allocation in
 * usrsctp and OpenSSL cost tens of microseconds. */
#if defined(__SANITIZE_ADDRESS__)
#define BULK_MESSAGES  80
#else
#define BULK_MESSAGES  400
#endif
#define BULK_HIGH      (4 * 1024 * 1024)
#define BULK_LOW       (1 * 1024 * 1024)

typedef struct
{
  HormigaDataChannel *channel;
  GRand              *rand;
  GChecksum          *hash;
  guint8             *message;
  guint               sent;
  guint               low_events;
  gboolean            low_above_threshold;  /* a ::buffered-amount-low with more than it */
} Sender;

static void
bulk_fill (Sender *sender)
{
  while (sender->sent < BULK_MESSAGES &&
         hormiga_data_channel_get_buffered_amount (sender->channel) < BULK_HIGH)
    {
      g_autoptr(GError) error = NULL;

      for (guint i = 0; i < BULK_MESSAGE / 4; i++)
        {
          guint32 word = g_rand_int (sender->rand);
          memcpy (sender->message + 4 * i, &word, 4);
        }
      g_assert_true (hormiga_data_channel_send (sender->channel, sender->message, BULK_MESSAGE,
                                                &error));
      g_assert_no_error (error);
      g_checksum_update (sender->hash, sender->message, BULK_MESSAGE);
      sender->sent++;
    }
}

static void
on_bulk_low (HormigaDataChannel *channel,
             gpointer            user_data)
{
  Sender *sender = user_data;

  sender->low_events++;
  if (hormiga_data_channel_get_buffered_amount (channel) > BULK_LOW)
    sender->low_above_threshold = TRUE;
  bulk_fill (sender);
}

static gboolean
bulk_received (gpointer data)
{
  Node *node = data;
  return node->hashed >= (guint64) BULK_MESSAGE * BULK_MESSAGES;
}

static gboolean
has_remote_channel (gpointer data)
{
  Node *node = data;
  return node->remote_channel != NULL;
}

static gboolean
channel_closed (gpointer data)
{
  return hormiga_data_channel_get_state (data) == HORMIGA_DATA_CHANNEL_CLOSED;
}

static void
test_bulk_through_hormiguero (void)
{
  HormigaTestServer *server = hormiga_test_server_start (NULL);
  Node nodes[2];
  g_autoptr(GError) error = NULL;
  HormigaPeerConnection *pc;
  g_autoptr(HormigaDataChannel) channel = NULL;
  g_autoptr(HormigaDataChannel) reply = NULL;
  HormigaDataChannel *reply_at_a;
  Sender sender = { 0 };

  node_init (&nodes[0], hormiga_test_server_get_url (server));
  node_init (&nodes[1], hormiga_test_server_get_url (server));
  g_assert_true (hormiga_test_wait_until (both_admitted, nodes, 5000));

  pc = hormiga_rtc_connector_connect (nodes[0].connector,
                                      hormiga_peer_id_to_string (hormiga_identity_get_peer_id (nodes[1].identity)),
                                      &error);
  g_assert_no_error (error);
  channel = hormiga_peer_connection_create_data_channel (pc, "bulk", NULL, &error);
  g_assert_no_error (error);
  g_assert_true (hormiga_test_wait_until (channel_open, channel, 15000));
  g_assert_true (hormiga_test_wait_until (has_remote_channel, &nodes[1], 5000));

  /* The answerer opens a channel of its own on the same connection. */
  reply = hormiga_peer_connection_create_data_channel (nodes[1].incoming_pc, "reply", NULL, &error);
  g_assert_no_error (error);
  g_assert_true (hormiga_test_wait_until (has_remote_channel, &nodes[0], 5000));
  reply_at_a = nodes[0].remote_channel;
  g_assert_cmpstr (hormiga_data_channel_get_label (reply_at_a), ==, "reply");

  /* 100 MB of random bytes, never more than 4 MiB buffered. */
  nodes[1].hash = g_checksum_new (G_CHECKSUM_SHA256);
  sender.channel = channel;
  sender.rand = g_rand_new_with_seed (42);
  sender.hash = g_checksum_new (G_CHECKSUM_SHA256);
  sender.message = g_malloc (BULK_MESSAGE);
  hormiga_data_channel_set_buffered_amount_low_threshold (channel, BULK_LOW);
  g_signal_connect (channel, "buffered-amount-low", G_CALLBACK (on_bulk_low), &sender);
  bulk_fill (&sender);
  g_assert_true (hormiga_test_wait_until (bulk_received, &nodes[1], 300000));
  g_assert_cmpuint (sender.sent, ==, BULK_MESSAGES);
  g_assert_cmpuint (nodes[1].hashed, ==, (guint64) BULK_MESSAGE * BULK_MESSAGES);
  g_assert_cmpstr (g_checksum_get_string (nodes[1].hash), ==, g_checksum_get_string (sender.hash));
  /* Flow control ran on the signal, and it fired only below the threshold. */
  g_assert_cmpuint (sender.low_events, >, 0);
  g_assert_false (sender.low_above_threshold);
  g_signal_handlers_disconnect_by_data (channel, &sender);

  /* The answerer closes its channel: both ends close. */
  hormiga_data_channel_close (reply);
  g_assert_true (hormiga_test_wait_until (channel_closed, reply_at_a, 5000));
  g_assert_true (hormiga_test_wait_until (channel_closed, reply, 5000));
  g_assert_cmpint (hormiga_data_channel_get_state (channel), ==, HORMIGA_DATA_CHANNEL_OPEN);

  g_rand_free (sender.rand);
  g_checksum_free (sender.hash);
  g_free (sender.message);
  node_clear (&nodes[0]);
  node_clear (&nodes[1]);
  hormiga_test_server_stop (server);
}

/* ---- several hormigueros ------------------------------------------------------ */

static gboolean
client_admitted (gpointer data)
{
  return hormiga_signaling_client_get_state (data) == HORMIGA_SIGNALING_STATE_ADMITTED;
}

static gboolean
pc_closed (gpointer data)
{
  return hormiga_peer_connection_get_state (data) == HORMIGA_PEER_CONNECTION_CLOSED;
}

/* x joins hormigueros one and two, y only two, z only one. x reaches y
 * through two once one says it does not know y; y reaches x through two
 * and is answered through it; x reaches z through one without asking two;
 * a peer neither knows is given up at once. */
static void
test_several_hormigueros (void)
{
  HormigaTestServer *one = hormiga_test_server_start (NULL);
  HormigaTestServer *two = hormiga_test_server_start (NULL);
  Node x, y, z;
  HormigaSignalingClient *extra;
  g_autoptr(GError) error = NULL;
  g_autoptr(HormigaDataChannel) to_y = NULL;
  g_autoptr(HormigaDataChannel) to_z = NULL;
  g_autoptr(HormigaDataChannel) from_y = NULL;
  g_autoptr(HormigaIdentity) nobody = hormiga_identity_generate ();
  g_autoptr(HormigaPeerConnection) to_nobody = NULL;
  HormigaRtcConnectorCounters counters;
  HormigaPeerConnection *pc;
  const char *x_id, *y_id, *z_id;

  node_init (&x, hormiga_test_server_get_url (one));
  node_init (&y, hormiga_test_server_get_url (two));
  node_init (&z, hormiga_test_server_get_url (one));
  extra = hormiga_signaling_client_new (hormiga_test_server_get_url (two), x.identity, NULL);
  hormiga_rtc_connector_add_signaling (x.connector, extra);
  hormiga_signaling_client_start (extra);
  g_assert_true (hormiga_test_wait_until (client_admitted, x.signaling, 5000));
  g_assert_true (hormiga_test_wait_until (client_admitted, extra, 5000));
  g_assert_true (hormiga_test_wait_until (client_admitted, y.signaling, 5000));
  g_assert_true (hormiga_test_wait_until (client_admitted, z.signaling, 5000));
  x_id = hormiga_peer_id_to_string (hormiga_identity_get_peer_id (x.identity));
  y_id = hormiga_peer_id_to_string (hormiga_identity_get_peer_id (y.identity));
  z_id = hormiga_peer_id_to_string (hormiga_identity_get_peer_id (z.identity));

  pc = hormiga_rtc_connector_connect (x.connector, y_id, &error);
  g_assert_no_error (error);
  to_y = hormiga_peer_connection_create_data_channel (pc, "por-el-segundo", NULL, &error);
  g_assert_no_error (error);
  g_assert_true (hormiga_test_wait_until (channel_open, to_y, 15000));
  g_assert_false (hormiga_rtc_connector_is_routed (x.connector, pc));
  hormiga_rtc_connector_get_counters (x.connector, &counters);
  g_assert_cmpuint (counters.sessions_moved, ==, 1);
  g_assert_cmpint (hormiga_test_server_metric (one, "hormiguero_signals_forwarded_total"), ==, 0);
  g_assert_cmpint (hormiga_test_server_metric (two, "hormiguero_signals_forwarded_total"), >=, 2);
  g_assert_cmpuint (y.n_incoming, ==, 1);

  pc = hormiga_rtc_connector_connect (y.connector, x_id, &error);
  g_assert_no_error (error);
  from_y = hormiga_peer_connection_create_data_channel (pc, "de-vuelta", NULL, &error);
  g_assert_no_error (error);
  g_assert_true (hormiga_test_wait_until (channel_open, from_y, 15000));
  g_assert_cmpuint (x.n_incoming, ==, 1);

  pc = hormiga_rtc_connector_connect (x.connector, z_id, &error);
  g_assert_no_error (error);
  to_z = hormiga_peer_connection_create_data_channel (pc, "por-el-primero", NULL, &error);
  g_assert_no_error (error);
  g_assert_true (hormiga_test_wait_until (channel_open, to_z, 15000));
  hormiga_rtc_connector_get_counters (x.connector, &counters);
  g_assert_cmpuint (counters.sessions_moved, ==, 1);

  /* Neither hormiguero knows it: closed after the second says so, long
   * before any ICE or setup timeout. */
  to_nobody = g_object_ref (hormiga_rtc_connector_connect (
    x.connector, hormiga_peer_id_to_string (hormiga_identity_get_peer_id (nobody)), &error));
  g_assert_no_error (error);
  g_assert_true (hormiga_test_wait_until (pc_closed, to_nobody, 3000));
  hormiga_rtc_connector_get_counters (x.connector, &counters);
  g_assert_cmpuint (counters.sessions_moved, ==, 2);

  g_clear_object (&to_y);
  g_clear_object (&to_z);
  g_clear_object (&from_y);
  node_clear (&z);
  node_clear (&y);
  node_clear (&x);
  hormiga_signaling_client_stop (extra);
  g_assert_finalize_object (extra);
  hormiga_test_server_stop (two);
  hormiga_test_server_stop (one);
}

static void
test_signal_codec (void)
{
  const char *sdp = "v=0\r\ns=-\r\n";
  g_autoptr(GBytes) offer = hormiga_rtc_signal_encode (HORMIGA_RTC_SIGNAL_OFFER, sdp);
  g_autoptr(GBytes) done = hormiga_rtc_signal_encode (HORMIGA_RTC_SIGNAL_END_OF_CANDIDATES, NULL);
  g_autoptr(HormigaRtcSignal) back = NULL;
  g_autoptr(HormigaRtcSignal) back_done = NULL;
  g_autoptr(GError) error = NULL;

  back = hormiga_rtc_signal_decode (offer, &error);
  g_assert_no_error (error);
  g_assert_cmpint (back->type, ==, HORMIGA_RTC_SIGNAL_OFFER);
  g_assert_cmpstr (back->text, ==, sdp);
  back_done = hormiga_rtc_signal_decode (done, &error);
  g_assert_no_error (error);
  g_assert_cmpint (back_done->type, ==, HORMIGA_RTC_SIGNAL_END_OF_CANDIDATES);
  g_assert_null (back_done->text);

  /* Golden bytes: {"v": 1, "t": "bye"}. */
  {
    g_autoptr(GBytes) bye = hormiga_rtc_signal_encode (HORMIGA_RTC_SIGNAL_BYE, NULL);
    static const guint8 expected[] = { 0x82, 0xa1, 'v', 0x01, 0xa1, 't', 0xa3, 'b', 'y', 'e' };

    g_assert_cmpmem (g_bytes_get_data (bye, NULL), g_bytes_get_size (bye), expected, sizeof expected);
  }

  /* Refusals: not a map, unknown type, missing text, oversized candidate. */
  {
    struct { const guint8 *data; gsize length; int code; } cases[] = {
      { (const guint8 *) "\x91\x01", 2, HORMIGA_WIRE_ERROR_NOT_AN_ENVELOPE },
      { (const guint8 *) "\x82\xa1v\x01\xa1t\xa3hey", 10, HORMIGA_WIRE_ERROR_UNKNOWN_TYPE },
      { (const guint8 *) "\x82\xa1v\x01\xa1t\xa5offer", 12, HORMIGA_WIRE_ERROR_INVALID_FIELD },
      { (const guint8 *) "\x81\xa1t\xa3""bye", 7, HORMIGA_WIRE_ERROR_NOT_AN_ENVELOPE },
      { (const guint8 *) "\xc1", 1, HORMIGA_WIRE_ERROR_MALFORMED },
    };

    for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
      {
        g_autoptr(GBytes) bytes = g_bytes_new (cases[i].data, cases[i].length);
        g_autoptr(HormigaRtcSignal) refused = hormiga_rtc_signal_decode (bytes, &error);

        g_assert_null (refused);
        g_assert_error (error, HORMIGA_WIRE_ERROR, cases[i].code);
        g_clear_error (&error);
      }
  }
  {
    g_autofree char *long_candidate = g_strnfill (HORMIGA_RTC_SIGNAL_MAX_CANDIDATE + 1, 'c');
    g_autoptr(GBytes) bytes = hormiga_rtc_signal_encode (HORMIGA_RTC_SIGNAL_CANDIDATE, long_candidate);
    g_autoptr(HormigaRtcSignal) refused = hormiga_rtc_signal_decode (bytes, &error);

    g_assert_null (refused);
    g_assert_error (error, HORMIGA_WIRE_ERROR, HORMIGA_WIRE_ERROR_INVALID_FIELD);
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/hormiga/rtc-connector/signal-codec", test_signal_codec);
  g_test_add_func ("/hormiga/rtc-connector/channel-through-another-route",
                   test_channel_through_another_route);
  g_test_add_func ("/hormiga/rtc-connector/channel-through-hormiguero",
                   test_channel_through_hormiguero);
  g_test_add_func ("/hormiga/rtc-connector/several-hormigueros", test_several_hormigueros);
  g_test_add_func ("/hormiga/rtc-connector/bulk-through-hormiguero", test_bulk_through_hormiguero);
  return g_test_run ();
}
