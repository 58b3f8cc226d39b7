/* test-peer-connection.c — two peer connections in one process, on 127.0.0.1
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Descriptions and candidates are handed over directly (the signaling
 * client's job in a node); everything below them is real: libnice on
 * loopback, DTLS, SCTP, DCEP.
 */
#include "hormiga-certificate.h"
#include "hormiga-identity.h"
#include "hormiga-peer-connection.h"
#include "hormiga-rtc-error.h"
#include "hormiga-test-util.h"

typedef struct _Peer Peer;

struct _Peer
{
  HormigaCertificate    *certificate;
  HormigaIdentity       *identity;
  HormigaPeerConnection *pc;
  Peer                  *other;
  GPtrArray             *channels;    /* HormigaDataChannel opened by the other side */
  GPtrArray             *messages;    /* GBytes, any channel */
  GArray                *is_text;     /* gboolean */
  GError                *failure;
};

static void
on_local_candidate (HormigaPeerConnection *pc,
                    const char            *candidate,
                    gpointer               user_data)
{
  Peer *peer = user_data;
  g_autoptr(GError) error = NULL;

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

  if (peer->failure == NULL)
    peer->failure = g_error_copy (error);
}

static void
peer_init (Peer *peer,
           Peer *other)
{
  g_autoptr(GError) error = NULL;

  memset (peer, 0, sizeof *peer);
  peer->other = other;
  peer->certificate = hormiga_certificate_generate (&error);
  g_assert_no_error (error);
  peer->identity = hormiga_identity_generate ();
  peer->pc = hormiga_peer_connection_new (NULL, peer->certificate, peer->identity);
  g_assert_true (hormiga_ice_transport_add_local_address (hormiga_peer_connection_get_ice (peer->pc),
                                                          "127.0.0.1", &error));
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
  g_ptr_array_unref (peer->messages);
  g_array_unref (peer->is_text);
  g_clear_error (&peer->failure);
}

static gboolean
both_connected (gpointer data)
{
  Peer *peers = data;
  return hormiga_peer_connection_get_state (peers[0].pc) == HORMIGA_PEER_CONNECTION_CONNECTED &&
         hormiga_peer_connection_get_state (peers[1].pc) == HORMIGA_PEER_CONNECTION_CONNECTED;
}

/* peers[0] offers. The answer is made only after the offer is applied. */
static void
negotiate (Peer  peers[2],
           char *(*tamper) (const char *))
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
  g_assert_nonnull (strstr (answer, "a=setup:active"));
  if (tamper != NULL)
    {
      char *changed = tamper (answer);
      g_free (answer);
      answer = changed;
    }
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

typedef struct { HormigaDataChannel *channel; HormigaDataChannelState state; } StateWait;

static gboolean
channel_in_state (gpointer data)
{
  StateWait *wait = data;
  return hormiga_data_channel_get_state (wait->channel) == wait->state;
}

static void
test_channels_both_ways (void)
{
  Peer peers[2];
  g_autoptr(GError) error = NULL;
  g_autoptr(HormigaDataChannel) early = NULL;
  g_autoptr(HormigaDataChannel) late = NULL;
  Count at_answerer = { &peers[1], 1 };
  Count at_offerer = { &peers[0], 1 };
  const gsize sizes[] = { 0, 1, 1000, 65536, 262144 };
  Count messages = { &peers[1], 2 * G_N_ELEMENTS (sizes) };
  StateWait open_wait;

  peer_init (&peers[0], &peers[1]);
  peer_init (&peers[1], &peers[0]);

  /* A channel made before negotiation waits for the association. */
  early = hormiga_peer_connection_create_data_channel (peers[0].pc, "early", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (hormiga_data_channel_get_state (early), ==, HORMIGA_DATA_CHANNEL_CONNECTING);

  hormiga_peer_connection_set_expected_peer (peers[0].pc,
                                             hormiga_identity_get_peer_id (peers[1].identity));
  negotiate (peers, NULL);
  g_assert_true (hormiga_test_wait_until (both_connected, peers, 15000));
  /* Each side knows whose identity ran the other end of DTLS. */
  g_assert_true (hormiga_peer_id_equal (hormiga_peer_connection_get_remote_peer (peers[0].pc),
                                        hormiga_identity_get_peer_id (peers[1].identity)));
  g_assert_true (hormiga_peer_id_equal (hormiga_peer_connection_get_remote_peer (peers[1].pc),
                                        hormiga_identity_get_peer_id (peers[0].identity)));
  open_wait = (StateWait) { early, HORMIGA_DATA_CHANNEL_OPEN };
  g_assert_true (hormiga_test_wait_until (channel_in_state, &open_wait, 5000));
  g_assert_true (hormiga_test_wait_until (has_channels, &at_answerer, 5000));
  g_assert_cmpstr (hormiga_data_channel_get_label (g_ptr_array_index (peers[1].channels, 0)), ==,
                   "early");
  /* The offerer is the DTLS server here: odd stream ids. The answerer's
   * first is 2: stream 0 is the identity-binding channel. */
  g_assert_cmpint (hormiga_data_channel_get_id (early) % 2, ==, 1);

  /* The answerer opens one too. */
  late = hormiga_peer_connection_create_data_channel (peers[1].pc, "late", NULL, &error);
  g_assert_no_error (error);
  g_assert_true (hormiga_test_wait_until (has_channels, &at_offerer, 5000));
  g_assert_cmpint (hormiga_data_channel_get_id (late), ==, 2);

  /* Every size class, binary and text, checked byte for byte. */
  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autofree guint8 *data = g_malloc (sizes[i] + 1);
      g_autofree char *text = g_strnfill (sizes[i], 'a' + (char) i);

      for (gsize j = 0; j < sizes[i]; j++)
        data[j] = (guint8) (j * 13 + i);
      g_assert_true (hormiga_data_channel_send (early, data, sizes[i], &error));
      g_assert_no_error (error);
      g_assert_true (hormiga_data_channel_send_text (early, text, &error));
      g_assert_no_error (error);
    }
  g_assert_true (hormiga_test_wait_until (has_messages, &messages, 15000));
  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      GBytes *binary = g_ptr_array_index (peers[1].messages, 2 * i);
      GBytes *text = g_ptr_array_index (peers[1].messages, 2 * i + 1);
      const guint8 *bytes = g_bytes_get_data (binary, NULL);

      g_assert_cmpuint (g_bytes_get_size (binary), ==, sizes[i]);
      g_assert_false (g_array_index (peers[1].is_text, gboolean, 2 * i));
      for (gsize j = 0; j < sizes[i]; j++)
        g_assert_cmpuint (bytes[j], ==, (guint8) (j * 13 + i));
      g_assert_cmpuint (g_bytes_get_size (text), ==, sizes[i]);
      g_assert_true (g_array_index (peers[1].is_text, gboolean, 2 * i + 1));
    }

  /* Text may hold NUL bytes (a browser's may). */
  {
    static const char with_nul[] = "nul\0in text";
    Count one_more = { &peers[1], 2 * G_N_ELEMENTS (sizes) + 1 };
    GBytes *got;

    g_assert_true (hormiga_data_channel_send_text_len (early, with_nul, sizeof with_nul - 1, &error));
    g_assert_no_error (error);
    g_assert_true (hormiga_test_wait_until (has_messages, &one_more, 5000));
    got = g_ptr_array_index (peers[1].messages, 2 * G_N_ELEMENTS (sizes));
    g_assert_cmpmem (g_bytes_get_data (got, NULL), g_bytes_get_size (got), with_nul,
                     sizeof with_nul - 1);
    g_assert_true (g_array_index (peers[1].is_text, gboolean, 2 * G_N_ELEMENTS (sizes)));
  }

  /* Above the peer's max-message-size: refused with a clear error. */
  {
    g_autofree guint8 *big = g_malloc0 (262145);

    g_assert_false (hormiga_data_channel_send (early, big, 262145, &error));
    g_assert_error (error, HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_MESSAGE_TOO_LARGE);
    g_clear_error (&error);
  }

  /* Closing one side closes both. */
  hormiga_data_channel_close (early);
  open_wait = (StateWait) { g_ptr_array_index (peers[1].channels, 0), HORMIGA_DATA_CHANNEL_CLOSED };
  g_assert_true (hormiga_test_wait_until (channel_in_state, &open_wait, 5000));
  open_wait = (StateWait) { early, HORMIGA_DATA_CHANNEL_CLOSED };
  g_assert_true (hormiga_test_wait_until (channel_in_state, &open_wait, 5000));
  g_assert_false (hormiga_data_channel_send_text (early, "late", &error));
  g_assert_error (error, HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_CLOSED);

  g_assert_null (peers[0].failure);
  g_assert_null (peers[1].failure);
  peer_clear (&peers[0]);
  peer_clear (&peers[1]);
}

static void
test_many_channels (void)
{
  Peer peers[2];
  g_autoptr(GPtrArray) mine = g_ptr_array_new_with_free_func (g_object_unref);
  Count channels = { &peers[1], 120 };
  Count messages = { &peers[1], 120 };
  g_autoptr(GError) error = NULL;

  peer_init (&peers[0], &peers[1]);
  peer_init (&peers[1], &peers[0]);
  negotiate (peers, NULL);
  g_assert_true (hormiga_test_wait_until (both_connected, peers, 15000));

  for (guint i = 0; i < 120; i++)
    {
      g_autofree char *label = g_strdup_printf ("channel-%u", i);
      HormigaDataChannelOptions options = HORMIGA_DATA_CHANNEL_OPTIONS_INIT;

      options.ordered = i % 2 == 0;
      g_ptr_array_add (mine, hormiga_peer_connection_create_data_channel (peers[0].pc, label,
                                                                          &options, &error));
      g_assert_no_error (error);
    }
  g_assert_true (hormiga_test_wait_until (has_channels, &channels, 15000));
  for (guint i = 0; i < 120; i++)
    {
      StateWait open = { g_ptr_array_index (mine, i), HORMIGA_DATA_CHANNEL_OPEN };
      g_autofree char *text = g_strdup_printf ("hello %u", i);

      g_assert_true (hormiga_test_wait_until (channel_in_state, &open, 5000));
      g_assert_true (hormiga_data_channel_send_text (g_ptr_array_index (mine, i), text, &error));
    }
  g_assert_true (hormiga_test_wait_until (has_messages, &messages, 15000));

  peer_clear (&peers[0]);
  peer_clear (&peers[1]);
}

/* A signaling path that swaps the answer's fingerprint for another's. */
static char *
swap_fingerprint (const char *answer)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HormigaCertificate) mallory = hormiga_certificate_generate (&error);
  g_autofree char *fingerprint = hormiga_certificate_dup_fingerprint_string (mallory);
  g_auto(GStrv) lines = g_strsplit (answer, "\r\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], "a=fingerprint:"))
      {
        g_free (lines[i]);
        lines[i] = g_strconcat ("a=fingerprint:sha-256 ", fingerprint, NULL);
      }
  return g_strjoinv ("\r\n", lines);
}

static gboolean
offerer_failed (gpointer data)
{
  Peer *peers = data;
  return peers[0].failure != NULL;
}

static void
test_man_in_the_middle (void)
{
  Peer peers[2];
  g_autoptr(GError) error = NULL;
  g_autoptr(HormigaDataChannel) channel = NULL;

  peer_init (&peers[0], &peers[1]);
  peer_init (&peers[1], &peers[0]);
  channel = hormiga_peer_connection_create_data_channel (peers[0].pc, "secret", NULL, &error);
  negotiate (peers, swap_fingerprint);

  g_assert_true (hormiga_test_wait_until (offerer_failed, peers, 15000));
  g_assert_error (peers[0].failure, HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_FINGERPRINT);
  g_assert_nonnull (strstr (peers[0].failure->message, "fingerprint"));
  g_assert_cmpint (hormiga_peer_connection_get_state (peers[0].pc), ==, HORMIGA_PEER_CONNECTION_FAILED);
  g_assert_cmpint (hormiga_data_channel_get_state (channel), ==, HORMIGA_DATA_CHANNEL_CLOSED);
  g_assert_cmpuint (peers[1].channels->len, ==, 0);

  peer_clear (&peers[0]);
  peer_clear (&peers[1]);
}

static gboolean
both_failed (gpointer data)
{
  Peer *peers = data;
  return peers[0].failure != NULL && peers[1].failure != NULL;
}

/* The offerer expects someone else: its check fails and says who is who;
 * the answerer learns through the aborted association; no channel opens. */
static void
test_wrong_peer (void)
{
  Peer peers[2];
  g_autoptr(GError) error = NULL;
  g_autoptr(HormigaIdentity) someone_else = hormiga_identity_generate ();
  g_autoptr(HormigaDataChannel) channel = NULL;

  peer_init (&peers[0], &peers[1]);
  peer_init (&peers[1], &peers[0]);
  hormiga_peer_connection_set_expected_peer (peers[0].pc,
                                             hormiga_identity_get_peer_id (someone_else));
  channel = hormiga_peer_connection_create_data_channel (peers[0].pc, "secret", NULL, &error);
  g_assert_no_error (error);
  negotiate (peers, NULL);

  g_assert_true (hormiga_test_wait_until (both_failed, peers, 15000));
  g_assert_error (peers[0].failure, HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_IDENTITY);
  g_assert_nonnull (strstr (peers[0].failure->message,
                            hormiga_peer_id_to_string (hormiga_identity_get_peer_id (peers[1].identity))));
  g_assert_nonnull (strstr (peers[0].failure->message,
                            hormiga_peer_id_to_string (hormiga_identity_get_peer_id (someone_else))));
  g_assert_null (hormiga_peer_connection_get_remote_peer (peers[0].pc));
  g_assert_cmpint (hormiga_data_channel_get_state (channel), ==, HORMIGA_DATA_CHANNEL_CLOSED);
  g_assert_cmpuint (peers[1].channels->len, ==, 0);

  peer_clear (&peers[0]);
  peer_clear (&peers[1]);
}

/* Stream 0 belongs to the binding. */
static void
test_stream_zero_reserved (void)
{
  Peer peers[2];
  g_autoptr(GError) error = NULL;
  HormigaDataChannelOptions options = HORMIGA_DATA_CHANNEL_OPTIONS_INIT;
  g_autoptr(HormigaDataChannel) channel = NULL;

  peer_init (&peers[0], &peers[1]);
  peer_init (&peers[1], &peers[0]);
  options.negotiated = TRUE;
  options.id = 0;
  channel = hormiga_peer_connection_create_data_channel (peers[0].pc, "mine", &options, &error);
  g_assert_null (channel);
  g_assert_error (error, HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_DCEP_INVALID);
  peer_clear (&peers[0]);
  peer_clear (&peers[1]);
}

/* One side vanishes without a word (its connection object is dropped
 * with nothing sent, as a killed process would): the other reports the
 * loss once its peer timeout passes. */
static void
test_peer_lost (void)
{
  Peer peers[2];
  Peer *survivor = &peers[0];

  peer_init (&peers[0], &peers[1]);
  peer_init (&peers[1], &peers[0]);
  hormiga_peer_connection_set_peer_timeout (peers[0].pc, 1500);
  negotiate (peers, NULL);
  g_assert_true (hormiga_test_wait_until (both_connected, peers, 15000));

  /* Silence: the vanished side's ICE stops sending and answering. */
  g_signal_handlers_disconnect_by_data (peers[1].pc, &peers[1]);
  hormiga_ice_transport_close (hormiga_peer_connection_get_ice (peers[1].pc));

  g_assert_true (hormiga_test_wait_until (offerer_failed, peers, 30000));
  g_assert_error (survivor->failure, HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_ICE);
  g_assert_cmpint (hormiga_peer_connection_get_state (survivor->pc), ==,
                   HORMIGA_PEER_CONNECTION_FAILED);

  peer_clear (&peers[0]);
  peer_clear (&peers[1]);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/hormiga/peer-connection/channels-both-ways", test_channels_both_ways);
  g_test_add_func ("/hormiga/peer-connection/many-channels", test_many_channels);
  g_test_add_func ("/hormiga/peer-connection/man-in-the-middle", test_man_in_the_middle);
  g_test_add_func ("/hormiga/peer-connection/wrong-peer", test_wrong_peer);
  g_test_add_func ("/hormiga/peer-connection/stream-zero-reserved", test_stream_zero_reserved);
  g_test_add_func ("/hormiga/peer-connection/peer-lost", test_peer_lost);
  return g_test_run ();
}
