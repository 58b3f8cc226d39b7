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

  if (incoming)
    {
      node->n_incoming++;
      g_signal_connect (pc, "data-channel", G_CALLBACK (on_data_channel), node);
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
  g_test_add_func ("/hormiga/rtc-connector/channel-through-hormiguero",
                   test_channel_through_hormiguero);
  return g_test_run ();
}
