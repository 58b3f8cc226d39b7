/* test-hostile-peer.c — real peer connections against peers that cheat
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A "half" is a fake endpoint built from the real ICE and DTLS transports
 * (and, for a hostile peer, a real SCTP association) facing one real
 * HormigaPeerConnection on 127.0.0.1. Two halves joined back to back make
 * a man in the middle that terminates DTLS on both sides and relays the
 * SCTP packets between them; one half with an SCTP association is a peer
 * that completes the handshakes and then sends what it likes.
 */
#include "hormiga-certificate.h"
#include "hormiga-dcep.h"
#include "hormiga-dtls-transport.h"
#include "hormiga-identity-binding.h"
#include "hormiga-peer-connection.h"
#include "hormiga-rtc-error.h"
#include "hormiga-sctp-association.h"
#include "hormiga-test-util.h"

typedef struct _Half Half;

typedef struct
{
  guint   stream;
  guint   ppid;
  GBytes *data;
} Received;

struct _Half
{
  HormigaCertificate     *certificate;
  HormigaIceTransport    *ice;
  HormigaDtlsTransport   *dtls;
  HormigaSctpAssociation *sctp;        /* hostile peer: its own association */
  HormigaIdentity        *identity;    /* hostile peer: proves this identity */
  HormigaPeerConnection  *pc;          /* the real connection it faces */
  Half                   *twin;        /* man in the middle: relays SCTP to it */
  gboolean                dtls_client;
  guint8                  pc_fingerprint[32];
  GPtrArray              *received;    /* Received, hostile peer */
};

static void
received_free (Received *received)
{
  g_bytes_unref (received->data);
  g_free (received);
}

/* ---- plumbing ---------------------------------------------------------------- */

static void
on_sctp_output (const guint8 *packet,
                gsize         length,
                gpointer      user_data)
{
  Half *half = user_data;

  if (half->dtls != NULL && hormiga_dtls_transport_get_state (half->dtls) == HORMIGA_DTLS_STATE_CONNECTED)
    hormiga_dtls_transport_send (half->dtls, packet, length, NULL);
}

static void
on_sctp_message (HormigaSctpAssociation *sctp,
                 guint                   stream,
                 guint                   ppid,
                 GBytes                 *data,
                 gpointer                user_data)
{
  Half *half = user_data;
  Received *received = g_new0 (Received, 1);

  received->stream = stream;
  received->ppid = ppid;
  received->data = g_bytes_ref (data);
  g_ptr_array_add (half->received, received);
}

static void
on_dtls_output (const guint8 *data,
                gsize         length,
                gpointer      user_data)
{
  Half *half = user_data;
  hormiga_ice_transport_send (half->ice, data, length);
}

/* Decrypted SCTP packets: to our association, or across to the twin's
 * DTLS session (the relay of a man in the middle). */
static void
on_dtls_receive (const guint8 *data,
                 gsize         length,
                 gpointer      user_data)
{
  Half *half = user_data;

  if (half->sctp != NULL)
    hormiga_sctp_association_input (half->sctp, data, length);
  else if (half->twin != NULL && half->twin->dtls != NULL &&
           hormiga_dtls_transport_get_state (half->twin->dtls) == HORMIGA_DTLS_STATE_CONNECTED)
    hormiga_dtls_transport_send (half->twin->dtls, data, length, NULL);
}

static void
on_dtls_connected (HormigaDtlsTransport *dtls,
                   gpointer              user_data)
{
  Half *half = user_data;
  g_autoptr(GError) error = NULL;

  if (half->identity == NULL)
    return;
  half->sctp = hormiga_sctp_association_new (NULL);
  hormiga_sctp_association_set_output (half->sctp, on_sctp_output, half, NULL);
  g_signal_connect (half->sctp, "message", G_CALLBACK (on_sctp_message), half);
  g_assert_true (hormiga_sctp_association_start (half->sctp, &error));
  g_assert_no_error (error);
}

static void
on_ice_receive (const guint8 *data,
                gsize         length,
                gpointer      user_data)
{
  Half *half = user_data;

  if (half->dtls != NULL)
    hormiga_dtls_transport_input (half->dtls, data, length);
}

static void
on_ice_state (HormigaIceTransport *ice,
              guint                state,
              gpointer             user_data)
{
  Half *half = user_data;

  if (state != HORMIGA_ICE_STATE_CONNECTED || half->dtls != NULL)
    return;
  half->dtls = hormiga_dtls_transport_new (NULL, half->certificate, half->dtls_client,
                                           half->pc_fingerprint);
  hormiga_dtls_transport_set_output (half->dtls, on_dtls_output, half, NULL);
  hormiga_dtls_transport_set_receive (half->dtls, on_dtls_receive, half, NULL);
  g_signal_connect (half->dtls, "connected", G_CALLBACK (on_dtls_connected), half);
  hormiga_dtls_transport_start (half->dtls);
}

/* Candidates cross directly between the half and its real peer. */
static void
on_half_candidate (HormigaIceTransport *ice,
                   const char          *candidate,
                   gpointer             user_data)
{
  Half *half = user_data;
  hormiga_peer_connection_add_remote_candidate (half->pc, candidate, NULL);
}

static void
on_half_gathered (HormigaIceTransport *ice,
                  gpointer             user_data)
{
  Half *half = user_data;
  hormiga_peer_connection_remote_end_of_candidates (half->pc);
}

static void
on_pc_candidate (HormigaPeerConnection *pc,
                 const char            *candidate,
                 gpointer               user_data)
{
  Half *half = user_data;
  hormiga_ice_transport_add_remote_candidate (half->ice, candidate, NULL);
}

static void
on_pc_gathered (HormigaPeerConnection *pc,
                gpointer               user_data)
{
  Half *half = user_data;
  hormiga_ice_transport_remote_gathering_done (half->ice);
}

static void
half_init (Half                  *half,
           HormigaPeerConnection *pc,
           HormigaIdentity       *identity,
           gboolean               controlling)
{
  g_autoptr(GError) error = NULL;

  memset (half, 0, sizeof *half);
  half->pc = pc;
  half->identity = identity ? g_object_ref (identity) : NULL;
  half->received = g_ptr_array_new_with_free_func ((GDestroyNotify) received_free);
  half->certificate = hormiga_certificate_generate (&error);
  g_assert_no_error (error);
  half->ice = hormiga_ice_transport_new (NULL, controlling);
  g_assert_true (hormiga_ice_transport_add_local_address (half->ice, "127.0.0.1", &error));
  hormiga_ice_transport_set_receive (half->ice, on_ice_receive, half, NULL);
  g_signal_connect (half->ice, "state-changed", G_CALLBACK (on_ice_state), half);
  g_signal_connect (half->ice, "local-candidate", G_CALLBACK (on_half_candidate), half);
  g_signal_connect (half->ice, "gathering-done", G_CALLBACK (on_half_gathered), half);
  g_signal_connect (pc, "local-candidate", G_CALLBACK (on_pc_candidate), half);
  g_signal_connect (pc, "gathering-done", G_CALLBACK (on_pc_gathered), half);
}

static void
half_clear (Half *half)
{
  g_signal_handlers_disconnect_by_data (half->pc, half);
  if (half->sctp != NULL)
    {
      g_signal_handlers_disconnect_by_data (half->sctp, half);
      hormiga_sctp_association_close (half->sctp);
      hormiga_sctp_association_set_output (half->sctp, NULL, NULL, NULL);
    }
  if (half->dtls != NULL)
    {
      g_signal_handlers_disconnect_by_data (half->dtls, half);
      hormiga_dtls_transport_set_output (half->dtls, NULL, NULL, NULL);
      hormiga_dtls_transport_set_receive (half->dtls, NULL, NULL, NULL);
    }
  g_signal_handlers_disconnect_by_data (half->ice, half);
  hormiga_ice_transport_set_receive (half->ice, NULL, NULL, NULL);
  hormiga_ice_transport_close (half->ice);
  g_clear_object (&half->sctp);
  g_clear_object (&half->dtls);
  g_clear_object (&half->ice);
  g_clear_object (&half->certificate);
  g_clear_object (&half->identity);
  g_ptr_array_unref (half->received);
}

static HormigaSdp *
half_description (Half           *half,
                  HormigaSdpType  type)
{
  HormigaSdp *sdp = hormiga_sdp_new (type);

  sdp->ice_ufrag = g_strdup (hormiga_ice_transport_get_local_ufrag (half->ice));
  sdp->ice_pwd = g_strdup (hormiga_ice_transport_get_local_pwd (half->ice));
  memcpy (sdp->fingerprint, hormiga_certificate_get_fingerprint (half->certificate), 32);
  return sdp;
}

/* The real connection offers; the half answers as the DTLS client. */
static void
half_answer (Half *half)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *offer = hormiga_peer_connection_create_offer (half->pc, &error);
  g_autoptr(HormigaSdp) remote = NULL;
  g_autoptr(HormigaSdp) answer = NULL;
  g_autofree char *text = NULL;

  g_assert_no_error (error);
  remote = hormiga_sdp_parse (offer, strlen (offer), HORMIGA_SDP_OFFER, &error);
  g_assert_no_error (error);
  memcpy (half->pc_fingerprint, remote->fingerprint, 32);
  half->dtls_client = TRUE;
  hormiga_ice_transport_set_remote_credentials (half->ice, remote->ice_ufrag, remote->ice_pwd);
  g_assert_true (hormiga_ice_transport_gather (half->ice, &error));
  answer = half_description (half, HORMIGA_SDP_ANSWER);
  answer->setup = HORMIGA_SDP_SETUP_ACTIVE;
  text = hormiga_sdp_to_string (answer);
  g_assert_true (hormiga_peer_connection_set_remote_description (half->pc, HORMIGA_SDP_ANSWER,
                                                                 text, &error));
  g_assert_no_error (error);
}

/* The half offers; the real connection answers (active: the DTLS client). */
static void
half_offer (Half *half)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HormigaSdp) offer = half_description (half, HORMIGA_SDP_OFFER);
  g_autofree char *text = hormiga_sdp_to_string (offer);
  g_autofree char *answer = NULL;
  g_autoptr(HormigaSdp) remote = NULL;

  g_assert_true (hormiga_ice_transport_gather (half->ice, &error));
  g_assert_true (hormiga_peer_connection_set_remote_description (half->pc, HORMIGA_SDP_OFFER,
                                                                 text, &error));
  answer = hormiga_peer_connection_create_answer (half->pc, &error);
  g_assert_no_error (error);
  remote = hormiga_sdp_parse (answer, strlen (answer), HORMIGA_SDP_ANSWER, &error);
  g_assert_no_error (error);
  g_assert_cmpint (remote->setup, ==, HORMIGA_SDP_SETUP_ACTIVE);
  memcpy (half->pc_fingerprint, remote->fingerprint, 32);
  half->dtls_client = FALSE;
  hormiga_ice_transport_set_remote_credentials (half->ice, remote->ice_ufrag, remote->ice_pwd);
}

/* ---- the real side ------------------------------------------------------------- */

typedef struct
{
  HormigaCertificate    *certificate;
  HormigaIdentity       *identity;
  HormigaPeerConnection *pc;
  GError                *failure;
  GPtrArray             *channels;   /* opened by the peer */
  GPtrArray             *texts;      /* char *, any channel */
} Real;

static void
on_failed (HormigaPeerConnection *pc,
           const GError          *error,
           gpointer               user_data)
{
  Real *real = user_data;

  if (real->failure == NULL)
    real->failure = g_error_copy (error);
}

static void
on_text (HormigaDataChannel *channel,
         GBytes             *data,
         gboolean            is_text,
         gpointer            user_data)
{
  Real *real = user_data;
  g_ptr_array_add (real->texts, g_strndup (g_bytes_get_data (data, NULL), g_bytes_get_size (data)));
}

static void
on_data_channel (HormigaPeerConnection *pc,
                 HormigaDataChannel    *channel,
                 gpointer               user_data)
{
  Real *real = user_data;

  g_ptr_array_add (real->channels, g_object_ref (channel));
  g_signal_connect (channel, "message", G_CALLBACK (on_text), real);
}

static void
real_init (Real *real)
{
  g_autoptr(GError) error = NULL;

  memset (real, 0, sizeof *real);
  real->certificate = hormiga_certificate_generate (&error);
  g_assert_no_error (error);
  real->identity = hormiga_identity_generate ();
  real->pc = hormiga_peer_connection_new (NULL, real->certificate, real->identity);
  g_assert_true (hormiga_ice_transport_add_local_address (hormiga_peer_connection_get_ice (real->pc),
                                                          "127.0.0.1", &error));
  real->channels = g_ptr_array_new_with_free_func (g_object_unref);
  real->texts = g_ptr_array_new_with_free_func (g_free);
  g_signal_connect (real->pc, "failed", G_CALLBACK (on_failed), real);
  g_signal_connect (real->pc, "data-channel", G_CALLBACK (on_data_channel), real);
}

static void
real_clear (Real *real)
{
  for (guint i = 0; i < real->channels->len; i++)
    g_signal_handlers_disconnect_by_data (g_ptr_array_index (real->channels, i), real);
  g_signal_handlers_disconnect_by_data (real->pc, real);
  hormiga_peer_connection_close (real->pc);
  g_ptr_array_unref (real->channels);
  g_ptr_array_unref (real->texts);
  g_assert_finalize_object (real->pc);
  g_object_unref (real->certificate);
  g_object_unref (real->identity);
  g_clear_error (&real->failure);
}

static gboolean
both_failed (gpointer data)
{
  Real *reals = data;
  return reals[0].failure != NULL && reals[1].failure != NULL;
}

/* ---- man in the middle ------------------------------------------------------------ */

/* A and B each run DTLS with the relay, which hands the SCTP packets
 * across: the association between A and B comes up, and each side's
 * identity proof covers a certificate of the relay that the other side
 * never saw. Both refuse, and say why. */
static void
test_relay_in_the_middle (void)
{
  Real reals[2];
  Half halves[2];

  real_init (&reals[0]);
  real_init (&reals[1]);
  /* Each side expects the other, as a node would from signaling. */
  hormiga_peer_connection_set_expected_peer (reals[0].pc, hormiga_identity_get_peer_id (reals[1].identity));
  hormiga_peer_connection_set_expected_peer (reals[1].pc, hormiga_identity_get_peer_id (reals[0].identity));
  half_init (&halves[0], reals[0].pc, NULL, FALSE);
  half_init (&halves[1], reals[1].pc, NULL, TRUE);
  halves[0].twin = &halves[1];
  halves[1].twin = &halves[0];

  half_answer (&halves[0]);   /* A offers to the relay */
  half_offer (&halves[1]);    /* the relay offers to B */

  g_assert_true (hormiga_test_wait_until (both_failed, reals, 30000));
  for (guint i = 0; i < 2; i++)
    {
      g_assert_error (reals[i].failure, HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_IDENTITY);
      g_assert_nonnull (strstr (reals[i].failure->message, "man in the middle"));
      g_assert_null (hormiga_peer_connection_get_remote_peer (reals[i].pc));
      g_assert_cmpuint (reals[i].channels->len, ==, 0);
    }

  half_clear (&halves[0]);
  half_clear (&halves[1]);
  real_clear (&reals[0]);
  real_clear (&reals[1]);
}

/* ---- bad input from a peer that passed the handshakes ------------------------------- */

static gboolean
half_sctp_up (gpointer data)
{
  Half *half = data;
  return half->sctp != NULL && hormiga_sctp_association_get_state (half->sctp) == HORMIGA_SCTP_STATE_CONNECTED;
}

static gboolean
real_connected (gpointer data)
{
  Real *real = data;
  return hormiga_peer_connection_get_state (real->pc) == HORMIGA_PEER_CONNECTION_CONNECTED;
}

typedef struct { Half *half; guint stream; guint ppid; } Expect;

static gboolean
half_got (gpointer data)
{
  Expect *expect = data;

  for (guint i = 0; i < expect->half->received->len; i++)
    {
      Received *received = g_ptr_array_index (expect->half->received, i);

      if (received->stream == expect->stream && received->ppid == expect->ppid)
        return TRUE;
    }
  return FALSE;
}

typedef struct { Real *real; guint channels; guint texts; } RealCount;

static gboolean
real_has (gpointer data)
{
  RealCount *count = data;
  return count->real->channels->len >= count->channels && count->real->texts->len >= count->texts;
}

static void
hostile_send (Half         *half,
              guint16       stream,
              guint32       ppid,
              const guint8 *data,
              gsize         length)
{
  static const HormigaSctpReliability reliable = { FALSE, -1, -1 };
  g_autoptr(GError) error = NULL;

  g_assert_true (hormiga_sctp_association_send (half->sctp, stream, ppid, &reliable, data, length,
                                                &error));
  g_assert_no_error (error);
}

/* Wires two real connections directly, for the bystander. */
static void
on_bystander_candidate (HormigaPeerConnection *pc,
                        const char            *candidate,
                        gpointer               other)
{
  hormiga_peer_connection_add_remote_candidate (other, candidate, NULL);
}

static void
test_bad_input_after_handshake (void)
{
  Real real, bystanders[2];
  Half hostile;
  g_autoptr(HormigaIdentity) mallory = hormiga_identity_generate ();
  g_autoptr(HormigaDataChannel) first = NULL;
  g_autoptr(HormigaDataChannel) bystander_channel = NULL;
  g_autoptr(GError) error = NULL;
  RealCount after = { &real, 1, 1 };
  RealCount bystander_got = { &bystanders[1], 1, 1 };
  Expect ack = { &hostile, 1, HORMIGA_PPID_DCEP };
  Expect first_text = { &hostile, 1, HORMIGA_PPID_STRING };

  /* A connection between two honest peers, in the same process, that the
   * attack must not disturb. */
  real_init (&bystanders[0]);
  real_init (&bystanders[1]);
  g_signal_connect (bystanders[0].pc, "local-candidate", G_CALLBACK (on_bystander_candidate), bystanders[1].pc);
  g_signal_connect (bystanders[1].pc, "local-candidate", G_CALLBACK (on_bystander_candidate), bystanders[0].pc);
  bystander_channel = hormiga_peer_connection_create_data_channel (bystanders[0].pc, "calm", NULL, &error);
  {
    g_autofree char *offer = hormiga_peer_connection_create_offer (bystanders[0].pc, &error);
    g_autofree char *answer = NULL;

    g_assert_true (hormiga_peer_connection_set_remote_description (bystanders[1].pc, HORMIGA_SDP_OFFER, offer, &error));
    answer = hormiga_peer_connection_create_answer (bystanders[1].pc, &error);
    g_assert_true (hormiga_peer_connection_set_remote_description (bystanders[0].pc, HORMIGA_SDP_ANSWER, answer, &error));
    g_assert_no_error (error);
  }

  /* The hostile peer completes ICE, DTLS, SCTP and a valid identity proof. */
  real_init (&real);
  hormiga_peer_connection_set_expected_peer (real.pc, hormiga_identity_get_peer_id (mallory));
  first = hormiga_peer_connection_create_data_channel (real.pc, "first", NULL, &error);
  g_assert_no_error (error);
  half_init (&hostile, real.pc, mallory, FALSE);
  half_answer (&hostile);
  g_assert_true (hormiga_test_wait_until (half_sctp_up, &hostile, 15000));
  {
    g_autoptr(GBytes) proof = hormiga_identity_binding_encode (mallory, TRUE,
                                                               hormiga_certificate_get_fingerprint (hostile.certificate),
                                                               hostile.pc_fingerprint);
    hostile_send (&hostile, 0, HORMIGA_PPID_BINARY, g_bytes_get_data (proof, NULL), g_bytes_get_size (proof));
  }
  g_assert_true (hormiga_test_wait_until (real_connected, &real, 10000));
  /* The real side opened "first" on stream 1 (it is the DTLS server). */
  g_assert_true (hormiga_test_wait_until (half_got, &ack, 5000));
  {
    g_autoptr(GBytes) dcep_ack = hormiga_dcep_encode_ack ();
    hostile_send (&hostile, 1, HORMIGA_PPID_DCEP, g_bytes_get_data (dcep_ack, NULL), 1);
  }

  /* Garbage datagrams that look like DTLS, or like nothing. */
  {
    guint8 garbage[1200];
    GRand *rand = g_rand_new_with_seed (3);

    for (guint i = 0; i < 30; i++)
      {
        gsize length = 1 + g_rand_int_range (rand, 0, sizeof garbage);

        for (gsize j = 0; j < length; j++)
          garbage[j] = (guint8) g_rand_int (rand);
        if (i % 2 == 0 && length > 13)
          {
            garbage[0] = 23;       /* application data */
            garbage[1] = 0xfe;     /* DTLS 1.2 */
            garbage[2] = 0xfd;
          }
        hormiga_ice_transport_send (hostile.ice, garbage, length);
      }
    g_rand_free (rand);
  }
  /* SCTP packets cut short, inside valid DTLS records. */
  {
    static const guint8 truncated[] = { 0x13, 0x88, 0x13, 0x88, 0x00, 0x00, 0x00 };
    static const guint8 bad_chunk[] = { 0x13, 0x88, 0x13, 0x88, 0, 0, 0, 1, 0, 0, 0, 0,
                                        0x00, 0x03, 0xff, 0xff, 0x00 };

    hormiga_dtls_transport_send (hostile.dtls, truncated, sizeof truncated, NULL);
    hormiga_dtls_transport_send (hostile.dtls, bad_chunk, sizeof bad_chunk, NULL);
  }
  /* DCEP that must be refused: a truncated OPEN, an OPEN on the real
   * side's parity, an OPEN on stream 0, and data on a stream with no
   * channel. */
  {
    static const guint8 short_open[] = { 0x03, 0x00, 0x00 };
    static const guint8 unknown_type[] = { 0x09, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                           0x00, 0x00, 0x00, 0x00 };
    HormigaDcepOpen open = { HORMIGA_DCEP_RELIABLE, 0, 0, (char *) "wrong-parity", NULL };
    g_autoptr(GBytes) open_bytes = hormiga_dcep_encode_open (&open);

    hostile_send (&hostile, 4, HORMIGA_PPID_DCEP, short_open, sizeof short_open);
    hostile_send (&hostile, 8, HORMIGA_PPID_DCEP, unknown_type, sizeof unknown_type);
    hostile_send (&hostile, 5, HORMIGA_PPID_DCEP, g_bytes_get_data (open_bytes, NULL),
                  g_bytes_get_size (open_bytes));
    hostile_send (&hostile, 0, HORMIGA_PPID_DCEP, g_bytes_get_data (open_bytes, NULL),
                  g_bytes_get_size (open_bytes));
    hostile_send (&hostile, 10, HORMIGA_PPID_STRING, (const guint8 *) "nobody", 6);
  }

  /* Then a proper channel: the connection still works both ways. */
  {
    HormigaDcepOpen open = { HORMIGA_DCEP_RELIABLE, 0, 0, (char *) "after", NULL };
    g_autoptr(GBytes) open_bytes = hormiga_dcep_encode_open (&open);

    hostile_send (&hostile, 6, HORMIGA_PPID_DCEP, g_bytes_get_data (open_bytes, NULL),
                  g_bytes_get_size (open_bytes));
    /* In the deprecated pieces (PPID 54, 54, then 51), joined on arrival. */
    hostile_send (&hostile, 6, HORMIGA_PPID_STRING_PARTIAL, (const guint8 *) "still", 5);
    hostile_send (&hostile, 6, HORMIGA_PPID_STRING_PARTIAL, (const guint8 *) " ", 1);
    hostile_send (&hostile, 6, HORMIGA_PPID_STRING, (const guint8 *) "here", 4);
  }
  g_assert_true (hormiga_test_wait_until (real_has, &after, 10000));
  g_assert_cmpuint (real.channels->len, ==, 1);
  g_assert_cmpstr (hormiga_data_channel_get_label (g_ptr_array_index (real.channels, 0)), ==, "after");
  g_assert_cmpstr (g_ptr_array_index (real.texts, 0), ==, "still here");
  g_assert_true (hormiga_data_channel_send_text (first, "and back", &error));
  g_assert_no_error (error);
  g_assert_true (hormiga_test_wait_until (half_got, &first_text, 5000));
  g_assert_null (real.failure);
  g_assert_cmpint (hormiga_peer_connection_get_state (real.pc), ==, HORMIGA_PEER_CONNECTION_CONNECTED);

  /* The bystanders never noticed. */
  g_assert_true (hormiga_test_wait_until (real_connected, &bystanders[0], 15000));
  g_assert_true (hormiga_data_channel_send_text (bystander_channel, "calm", &error));
  g_assert_true (hormiga_test_wait_until (real_has, &bystander_got, 5000));
  g_assert_cmpstr (g_ptr_array_index (bystanders[1].texts, 0), ==, "calm");
  g_assert_null (bystanders[0].failure);
  g_assert_null (bystanders[1].failure);

  half_clear (&hostile);
  real_clear (&real);
  g_signal_handlers_disconnect_by_func (bystanders[0].pc, on_bystander_candidate, bystanders[1].pc);
  g_signal_handlers_disconnect_by_func (bystanders[1].pc, on_bystander_candidate, bystanders[0].pc);
  real_clear (&bystanders[0]);
  real_clear (&bystanders[1]);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/hormiga/hostile-peer/relay-in-the-middle", test_relay_in_the_middle);
  g_test_add_func ("/hormiga/hostile-peer/bad-input-after-handshake", test_bad_input_after_handshake);
  return g_test_run ();
}
