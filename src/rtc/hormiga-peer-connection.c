/* hormiga-peer-connection.c — ICE + DTLS + SCTP + data channels, one peer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * ICE connected → DTLS handshake (client exactly when our a=setup is
 * active) → SCTP association over DTLS (both sides connect) → channels:
 * the DTLS client opens channels on even streams, the server on odd ones.
 * DCEP (PPID 50) opens channels in-band; data PPIDs go to the channel of
 * their stream; a stream reset from the peer closes that channel.
 *
 * Stream 0 is the negotiated identity-binding channel: the connection is
 * CONNECTED, and channels open, only once the peer's proof verifies
 * (hormiga-identity-binding.h). Until then the peer's other messages wait.
 */
#include "hormiga-certificate.h"
#include "hormiga-data-channel-private.h"
#include "hormiga-dcep.h"
#include "hormiga-dtls-transport.h"
#include "hormiga-identity-binding.h"
#include "hormiga-peer-connection.h"
#include "hormiga-rtc-error.h"
#include "hormiga-sctp-association.h"

/* Datagrams kept from before ICE reports "connected" on our side. */
#define MAX_EARLY_DATAGRAMS 32
/* Messages of the peer's other streams held until its proof verifies. */
#define MAX_HELD_MESSAGES 256
#define BINDING_TIMEOUT_MS 10000
#define DEFAULT_PEER_TIMEOUT_MS 15000

typedef struct
{
  guint   stream;
  guint   ppid;
  GBytes *data;
} Held;

struct _HormigaPeerConnection
{
  GObject                     parent_instance;

  GMainContext               *context;
  HormigaCertificate         *certificate;
  HormigaIceTransport        *ice;
  HormigaDtlsTransport       *dtls;
  HormigaSctpAssociation     *sctp;
  HormigaPeerConnectionState  state;

  HormigaSdp                 *local;
  HormigaSdp                 *remote;
  gboolean                    offerer;
  gboolean                    gathering_started;
  gboolean                    dtls_client;

  GQueue                      early;      /* GBytes: datagrams that beat our ICE "connected" */
  GHashTable                 *channels;   /* stream id → HormigaDataChannel (ref) */
  GPtrArray                  *pending;    /* HormigaDataChannel waiting for SCTP */
  guint16                     next_stream;

  HormigaIdentity            *identity;
  HormigaPeerId              *expected;   /* whom this connection is for, or NULL */
  HormigaPeerId              *remote_peer; /* once its proof verified */
  GQueue                      held;       /* Held: the peer's messages before that */
  GSource                    *binding_timeout;

  guint                       peer_timeout_ms;
  gint64                      last_receive; /* monotonic µs of the last datagram */
  GSource                    *liveness;
  GSource                    *teardown;
};

G_DEFINE_FINAL_TYPE (HormigaPeerConnection, hormiga_peer_connection, G_TYPE_OBJECT)

enum {
  LOCAL_CANDIDATE,
  GATHERING_DONE,
  DATA_CHANNEL,
  STATE_CHANGED,
  FAILED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
set_state (HormigaPeerConnection      *self,
           HormigaPeerConnectionState  state)
{
  if (self->state == state)
    return;
  self->state = state;
  g_signal_emit (self, signals[STATE_CHANGED], 0, (guint) state);
}

static void
held_free (Held *held)
{
  g_bytes_unref (held->data);
  g_free (held);
}

static void
clear_source (GSource **source)
{
  if (*source == NULL)
    return;
  g_source_destroy (*source);
  g_clear_pointer (source, g_source_unref);
}

static void
stop_timers (HormigaPeerConnection *self)
{
  clear_source (&self->binding_timeout);
  clear_source (&self->liveness);
  clear_source (&self->teardown);
}

static GSource *
add_timeout (HormigaPeerConnection *self,
             guint                  interval_ms,
             GSourceFunc            func)
{
  GSource *source = g_timeout_source_new (interval_ms);

  g_source_set_callback (source, func, self, NULL);
  g_source_attach (source, self->context);
  return source;
}

/* After a failure: abort the association (the peer learns at once) and
 * end DTLS, outside the callbacks that reported it. */
static gboolean
teardown (gpointer user_data)
{
  HormigaPeerConnection *self = user_data;

  g_clear_pointer (&self->teardown, g_source_unref);
  if (self->sctp != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->sctp, self);
      hormiga_sctp_association_close (self->sctp);
    }
  if (self->dtls != NULL)
    hormiga_dtls_transport_close (self->dtls);
  return G_SOURCE_REMOVE;
}

static void
fail (HormigaPeerConnection *self,
      GError                *error)
{
  g_autoptr(GError) owned = error;
  GHashTableIter iter;
  gpointer channel;

  if (self->state == HORMIGA_PEER_CONNECTION_FAILED || self->state == HORMIGA_PEER_CONNECTION_CLOSED)
    return;

  g_debug ("peer connection failed: %s", owned->message);
  stop_timers (self);
  g_hash_table_iter_init (&iter, self->channels);
  while (g_hash_table_iter_next (&iter, NULL, &channel))
    _hormiga_data_channel_abort (channel, owned);
  for (guint i = 0; i < self->pending->len; i++)
    _hormiga_data_channel_abort (g_ptr_array_index (self->pending, i), owned);
  set_state (self, HORMIGA_PEER_CONNECTION_FAILED);
  g_signal_emit (self, signals[FAILED], 0, owned);

  if (self->teardown == NULL)
    {
      self->teardown = g_idle_source_new ();
      g_source_set_callback (self->teardown, teardown, self, NULL);
      g_source_attach (self->teardown, self->context);
    }
}

/* ---- channels -------------------------------------------------------------- */

static guint64
remote_max_message_size (HormigaPeerConnection *self)
{
  return self->remote ? self->remote->max_message_size : HORMIGA_SDP_DEFAULT_MESSAGE_SIZE;
}

/* Streams taken by an open channel or by a negotiated one still pending:
 * DCEP never picks them. */
static gboolean
stream_in_use (HormigaPeerConnection *self,
               guint16                stream)
{
  if (g_hash_table_contains (self->channels, GINT_TO_POINTER (stream)))
    return TRUE;
  for (guint i = 0; i < self->pending->len; i++)
    {
      HormigaDataChannel *channel = g_ptr_array_index (self->pending, i);

      if (_hormiga_data_channel_is_negotiated (channel) &&
          hormiga_data_channel_get_id (channel) == stream)
        return TRUE;
    }
  return FALSE;
}

static gboolean
open_channel (HormigaPeerConnection  *self,
              HormigaDataChannel     *channel,
              GError                **error)
{
  gint id = hormiga_data_channel_get_id (channel);

  if (!_hormiga_data_channel_is_negotiated (channel))
    {
      /* Our parity, the lowest free stream. */
      while (self->next_stream < HORMIGA_SCTP_MAX_STREAMS &&
             stream_in_use (self, self->next_stream))
        self->next_stream += 2;
      if (self->next_stream >= HORMIGA_SCTP_MAX_STREAMS)
        {
          g_set_error (error, HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_SCTP,
                       "all %u streams are in use", HORMIGA_SCTP_MAX_STREAMS);
          return FALSE;
        }
      id = self->next_stream;
      self->next_stream += 2;
    }

  _hormiga_data_channel_attach (channel, self->sctp, (guint16) id, remote_max_message_size (self));
  g_hash_table_insert (self->channels, GINT_TO_POINTER (id), g_object_ref (channel));

  if (_hormiga_data_channel_is_negotiated (channel))
    {
      _hormiga_data_channel_set_open (channel);
      return TRUE;
    }
  return _hormiga_data_channel_send_open (channel, error);
}

static void
handle_dcep (HormigaPeerConnection *self,
             guint                  stream,
             GBytes                *data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HormigaDcepOpen) open = NULL;
  HormigaDcepMessageType type;
  HormigaDataChannel *channel;
  gsize length;
  const guint8 *bytes = g_bytes_get_data (data, &length);

  if (!hormiga_dcep_decode (bytes, length, &type, &open, &error))
    {
      g_debug ("peer connection: stream %u: %s; resetting it", stream, error->message);
      hormiga_sctp_association_reset_stream (self->sctp, (guint16) stream);
      return;
    }

  if (stream == HORMIGA_IDENTITY_BINDING_STREAM)
    {
      g_debug ("peer connection: DCEP on stream 0, the identity-binding channel; ignored");
      return;
    }
  channel = g_hash_table_lookup (self->channels, GUINT_TO_POINTER (stream));
  if (type == HORMIGA_DCEP_MESSAGE_ACK)
    {
      if (channel != NULL)
        _hormiga_data_channel_set_open (channel);
      return;
    }

  /* An OPEN on a stream in use, of our own parity, or reserved (65535) is
   * refused (RFC 8832 §6). */
  if (channel != NULL || !hormiga_dcep_stream_id_is_valid_for ((guint16) stream, !self->dtls_client))
    {
      g_debug ("peer connection: refusing OPEN on stream %u", stream);
      hormiga_sctp_association_reset_stream (self->sctp, (guint16) stream);
      return;
    }

  {
    g_autoptr(HormigaDataChannel) created =
      _hormiga_data_channel_new (open->label, open->protocol, open->channel_type,
                                 open->reliability_parameter, open->priority, FALSE);
    g_autoptr(GBytes) ack = hormiga_dcep_encode_ack ();
    HormigaSctpReliability reliable = { FALSE, -1, -1 };

    _hormiga_data_channel_attach (created, self->sctp, (guint16) stream,
                                  remote_max_message_size (self));
    g_hash_table_insert (self->channels, GUINT_TO_POINTER (stream), g_object_ref (created));
    if (!hormiga_sctp_association_send (self->sctp, (guint16) stream, HORMIGA_PPID_DCEP, &reliable,
                                        g_bytes_get_data (ack, NULL), g_bytes_get_size (ack),
                                        &error))
      g_debug ("peer connection: cannot acknowledge stream %u: %s", stream, error->message);
    g_signal_emit (self, signals[DATA_CHANNEL], 0, created);
    _hormiga_data_channel_set_open (created);
  }
}

/* ---- SCTP ----------------------------------------------------------------- */

static void
on_sctp_output (const guint8 *packet,
                gsize         length,
                gpointer      user_data)
{
  HormigaPeerConnection *self = user_data;

  if (self->dtls != NULL &&
      hormiga_dtls_transport_get_state (self->dtls) == HORMIGA_DTLS_STATE_CONNECTED)
    {
      g_autoptr(GError) error = NULL;

      if (!hormiga_dtls_transport_send (self->dtls, packet, length, &error))
        g_debug ("peer connection: %s", error->message);
    }
}

static void dispatch (HormigaPeerConnection *self,
                      guint                  stream,
                      guint                  ppid,
                      GBytes                *data);

/* Client's and server's fingerprints, as this side saw them. */
static void
fingerprints (HormigaPeerConnection *self,
              const guint8         **client,
              const guint8         **server)
{
  const guint8 *local = hormiga_certificate_get_fingerprint (self->certificate);

  *client = self->dtls_client ? local : self->remote->fingerprint;
  *server = self->dtls_client ? self->remote->fingerprint : local;
}

static gboolean
on_binding_timeout (gpointer user_data)
{
  HormigaPeerConnection *self = user_data;

  g_clear_pointer (&self->binding_timeout, g_source_unref);
  fail (self, g_error_new (HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_IDENTITY,
                           "identity binding: the peer sent no proof within %u s of the "
                           "association coming up", BINDING_TIMEOUT_MS / 1000));
  return G_SOURCE_REMOVE;
}

static void
send_proof (HormigaPeerConnection *self)
{
  static const HormigaSctpReliability reliable = { FALSE, -1, -1 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) proof = NULL;
  const guint8 *client, *server;

  fingerprints (self, &client, &server);
  proof = hormiga_identity_binding_encode (self->identity, self->dtls_client, client, server);
  if (!hormiga_sctp_association_send (self->sctp, HORMIGA_IDENTITY_BINDING_STREAM,
                                      HORMIGA_PPID_BINARY, &reliable,
                                      g_bytes_get_data (proof, NULL), g_bytes_get_size (proof),
                                      &error))
    fail (self, g_steal_pointer (&error));
}

static void
on_verified (HormigaPeerConnection *self)
{
  g_autoptr(GPtrArray) pending = g_steal_pointer (&self->pending);

  self->pending = g_ptr_array_new_with_free_func (g_object_unref);
  set_state (self, HORMIGA_PEER_CONNECTION_CONNECTED);
  /* Negotiated channels first, so that DCEP picks streams around them. */
  for (guint pass = 0; pass < 2; pass++)
    for (guint i = 0; i < pending->len; i++)
      {
        g_autoptr(GError) error = NULL;
        HormigaDataChannel *channel = g_ptr_array_index (pending, i);

        if (_hormiga_data_channel_is_negotiated (channel) != (pass == 0))
          continue;
        if (!open_channel (self, channel, &error))
          _hormiga_data_channel_abort (channel, error);
      }

  while (!g_queue_is_empty (&self->held) && self->state == HORMIGA_PEER_CONNECTION_CONNECTED)
    {
      Held *held = g_queue_pop_head (&self->held);

      dispatch (self, held->stream, held->ppid, held->data);
      held_free (held);
    }
}

static void
on_sctp_connected (HormigaSctpAssociation *sctp,
                   gpointer                user_data)
{
  HormigaPeerConnection *self = user_data;

  self->binding_timeout = add_timeout (self, BINDING_TIMEOUT_MS, on_binding_timeout);
  send_proof (self);
}

static void
receive_proof (HormigaPeerConnection *self,
               guint                  ppid,
               GBytes                *data)
{
  g_autoptr(GError) error = NULL;
  const guint8 *client, *server;
  gsize length;
  const guint8 *bytes = g_bytes_get_data (data, &length);

  if (self->remote_peer != NULL)
    {
      fail (self, g_error_new_literal (HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_IDENTITY,
                                       "identity binding: a second message on channel 0"));
      return;
    }
  if (ppid != HORMIGA_PPID_BINARY)
    {
      fail (self, g_error_new (HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_IDENTITY,
                               "identity binding: the proof must be binary (PPID 53), not PPID %u",
                               ppid));
      return;
    }
  fingerprints (self, &client, &server);
  self->remote_peer = hormiga_identity_binding_verify (bytes, length, !self->dtls_client, client,
                                                       server, self->expected, &error);
  if (self->remote_peer == NULL)
    {
      fail (self, g_steal_pointer (&error));
      return;
    }
  clear_source (&self->binding_timeout);
  on_verified (self);
}

static void
dispatch (HormigaPeerConnection *self,
          guint                  stream,
          guint                  ppid,
          GBytes                *data)
{
  HormigaDataChannel *channel;

  if (ppid == HORMIGA_PPID_DCEP)
    {
      handle_dcep (self, stream, data);
      return;
    }
  channel = g_hash_table_lookup (self->channels, GUINT_TO_POINTER (stream));
  if (channel != NULL)
    _hormiga_data_channel_receive (channel, ppid, data);
  else
    g_debug ("peer connection: message on stream %u, which has no channel", stream);
}

static void
on_sctp_message (HormigaSctpAssociation *sctp,
                 guint                   stream,
                 guint                   ppid,
                 GBytes                 *data,
                 gpointer                user_data)
{
  HormigaPeerConnection *self = user_data;
  Held *held;

  if (stream == HORMIGA_IDENTITY_BINDING_STREAM && ppid != HORMIGA_PPID_DCEP)
    {
      receive_proof (self, ppid, data);
      return;
    }
  if (self->remote_peer != NULL)
    {
      dispatch (self, stream, ppid, data);
      return;
    }
  if (g_queue_get_length (&self->held) >= MAX_HELD_MESSAGES)
    {
      fail (self, g_error_new (HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_IDENTITY,
                               "identity binding: the peer sent more than %u messages before "
                               "its proof", MAX_HELD_MESSAGES));
      return;
    }
  held = g_new (Held, 1);
  held->stream = stream;
  held->ppid = ppid;
  held->data = g_bytes_ref (data);
  g_queue_push_tail (&self->held, held);
}

static void
on_sctp_stream_reset (HormigaSctpAssociation *sctp,
                      guint                   stream,
                      gpointer                user_data)
{
  HormigaPeerConnection *self = user_data;
  g_autoptr(HormigaDataChannel) channel = NULL;

  if (!g_hash_table_steal_extended (self->channels, GUINT_TO_POINTER (stream), NULL,
                                    (gpointer *) &channel))
    return;
  _hormiga_data_channel_remote_reset (channel);
}

static void
on_sctp_buffered (HormigaSctpAssociation *sctp,
                  guint                   stream,
                  guint64                 amount,
                  gpointer                user_data)
{
  HormigaPeerConnection *self = user_data;
  HormigaDataChannel *channel = g_hash_table_lookup (self->channels, GUINT_TO_POINTER (stream));

  if (channel != NULL)
    _hormiga_data_channel_buffered_amount_decreased (channel, amount);
}

static void
on_sctp_closed (HormigaSctpAssociation *sctp,
                const GError           *error,
                gpointer                user_data)
{
  HormigaPeerConnection *self = user_data;

  fail (self, error ? g_error_copy (error)
                    : g_error_new_literal (HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_CLOSED,
                                           "the peer closed the association"));
}

/* ---- DTLS ----------------------------------------------------------------- */

static void
on_dtls_output (const guint8 *data,
                gsize         length,
                gpointer      user_data)
{
  HormigaPeerConnection *self = user_data;

  hormiga_ice_transport_send (self->ice, data, length);
}

static void
on_dtls_receive (const guint8 *data,
                 gsize         length,
                 gpointer      user_data)
{
  HormigaPeerConnection *self = user_data;

  if (self->sctp != NULL)
    hormiga_sctp_association_input (self->sctp, data, length);
}

static gboolean
on_liveness (gpointer user_data)
{
  HormigaPeerConnection *self = user_data;
  gint64 silent_ms = (g_get_monotonic_time () - self->last_receive) / 1000;

  if (silent_ms < self->peer_timeout_ms)
    return G_SOURCE_CONTINUE;
  g_clear_pointer (&self->liveness, g_source_unref);
  fail (self, g_error_new (HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_ICE,
                           "the peer stopped answering: nothing received for %" G_GINT64_FORMAT
                           " ms (the limit is %u ms)", silent_ms, self->peer_timeout_ms));
  return G_SOURCE_REMOVE;
}

static void
on_dtls_connected (HormigaDtlsTransport *dtls,
                   gpointer              user_data)
{
  HormigaPeerConnection *self = user_data;
  g_autoptr(GError) error = NULL;

  /* SCTP heartbeats answer well within the limit from a live, idle peer;
   * the check runs a few times per limit. */
  self->last_receive = g_get_monotonic_time ();
  self->liveness = add_timeout (self, MAX (self->peer_timeout_ms / 5, 100), on_liveness);
  self->sctp = hormiga_sctp_association_new (self->context);
  hormiga_sctp_association_set_heartbeat_interval (self->sctp,
                                                   MAX (self->peer_timeout_ms / 3, 200));
  hormiga_sctp_association_set_output (self->sctp, on_sctp_output, self, NULL);
  g_signal_connect (self->sctp, "connected", G_CALLBACK (on_sctp_connected), self);
  g_signal_connect (self->sctp, "message", G_CALLBACK (on_sctp_message), self);
  g_signal_connect (self->sctp, "stream-reset", G_CALLBACK (on_sctp_stream_reset), self);
  g_signal_connect (self->sctp, "buffered-amount-decreased", G_CALLBACK (on_sctp_buffered), self);
  g_signal_connect (self->sctp, "closed", G_CALLBACK (on_sctp_closed), self);
  if (!hormiga_sctp_association_start (self->sctp, &error))
    fail (self, g_steal_pointer (&error));
}

static void
on_dtls_failed (HormigaDtlsTransport *dtls,
                const GError         *error,
                gpointer              user_data)
{
  fail (user_data, g_error_copy (error));
}

/* ---- ICE -------------------------------------------------------------------- */

static void
on_ice_receive (const guint8 *data,
                gsize         length,
                gpointer      user_data)
{
  HormigaPeerConnection *self = user_data;

  self->last_receive = g_get_monotonic_time ();
  if (self->dtls != NULL)
    hormiga_dtls_transport_input (self->dtls, data, length);
  else if (g_queue_get_length (&self->early) < MAX_EARLY_DATAGRAMS)
    /* The peer's ICE finished first and its DTLS flight is already here:
     * keep it rather than wait a second for the retransmission. */
    g_queue_push_tail (&self->early, g_bytes_new (data, length));
}

static void
on_ice_state (HormigaIceTransport *ice,
              guint                state,
              gpointer             user_data)
{
  HormigaPeerConnection *self = user_data;

  if (state == HORMIGA_ICE_STATE_FAILED)
    {
      fail (self, g_error_new_literal (HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_ICE,
                                       "ICE found no working path to the peer, or lost it"));
      return;
    }
  if (state != HORMIGA_ICE_STATE_CONNECTED || self->dtls != NULL || self->remote == NULL)
    return;

  self->dtls = hormiga_dtls_transport_new (self->context, self->certificate, self->dtls_client,
                                           self->remote->fingerprint);
  hormiga_dtls_transport_set_output (self->dtls, on_dtls_output, self, NULL);
  hormiga_dtls_transport_set_receive (self->dtls, on_dtls_receive, self, NULL);
  g_signal_connect (self->dtls, "connected", G_CALLBACK (on_dtls_connected), self);
  g_signal_connect (self->dtls, "failed", G_CALLBACK (on_dtls_failed), self);
  hormiga_dtls_transport_start (self->dtls);

  while (!g_queue_is_empty (&self->early) && self->dtls != NULL)
    {
      g_autoptr(GBytes) datagram = g_queue_pop_head (&self->early);
      gsize length;
      const guint8 *data = g_bytes_get_data (datagram, &length);

      hormiga_dtls_transport_input (self->dtls, data, length);
    }
}

static void
on_ice_candidate (HormigaIceTransport *ice,
                  const char          *candidate,
                  gpointer             user_data)
{
  g_signal_emit (user_data, signals[LOCAL_CANDIDATE], 0, candidate);
}

static void
on_ice_gathering_done (HormigaIceTransport *ice,
                       gpointer             user_data)
{
  g_signal_emit (user_data, signals[GATHERING_DONE], 0);
}

/* ---- descriptions ------------------------------------------------------------ */

static char *
make_local (HormigaPeerConnection  *self,
            HormigaSdpType          type,
            GError                **error)
{
  g_clear_pointer (&self->local, hormiga_sdp_free);
  self->local = hormiga_sdp_new (type);
  self->local->ice_ufrag = g_strdup (hormiga_ice_transport_get_local_ufrag (self->ice));
  self->local->ice_pwd = g_strdup (hormiga_ice_transport_get_local_pwd (self->ice));
  memcpy (self->local->fingerprint, hormiga_certificate_get_fingerprint (self->certificate), 32);
  if (type == HORMIGA_SDP_ANSWER)
    self->local->setup = self->dtls_client ? HORMIGA_SDP_SETUP_ACTIVE : HORMIGA_SDP_SETUP_PASSIVE;

  if (!self->gathering_started)
    {
      if (!hormiga_ice_transport_gather (self->ice, error))
        return NULL;
      self->gathering_started = TRUE;
    }
  set_state (self, HORMIGA_PEER_CONNECTION_CONNECTING);
  return hormiga_sdp_to_string (self->local);
}

char *
hormiga_peer_connection_create_offer (HormigaPeerConnection  *self,
                                      GError                **error)
{
  g_return_val_if_fail (HORMIGA_IS_PEER_CONNECTION (self), NULL);

  self->offerer = TRUE;
  hormiga_ice_transport_set_controlling (self->ice, TRUE);
  return make_local (self, HORMIGA_SDP_OFFER, error);
}

char *
hormiga_peer_connection_create_answer (HormigaPeerConnection  *self,
                                       GError                **error)
{
  g_return_val_if_fail (HORMIGA_IS_PEER_CONNECTION (self), NULL);

  if (self->remote == NULL || self->offerer)
    {
      g_set_error_literal (error, HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_SDP_INVALID,
                           "an answer needs a remote offer first");
      return NULL;
    }
  return make_local (self, HORMIGA_SDP_ANSWER, error);
}

gboolean
hormiga_peer_connection_set_remote_description (HormigaPeerConnection  *self,
                                                HormigaSdpType          type,
                                                const char             *text,
                                                GError                **error)
{
  g_autoptr(HormigaSdp) remote = NULL;

  g_return_val_if_fail (HORMIGA_IS_PEER_CONNECTION (self), FALSE);
  g_return_val_if_fail (text != NULL, FALSE);

  if ((type == HORMIGA_SDP_ANSWER) != self->offerer)
    {
      g_set_error_literal (error, HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_SDP_INVALID,
                           type == HORMIGA_SDP_ANSWER ? "an answer without our offer"
                                                      : "an offer after we offered");
      return FALSE;
    }
  remote = hormiga_sdp_parse (text, strlen (text), type, error);
  if (remote == NULL)
    return FALSE;

  /* RFC 5763: the offer is actpass; the answer picks. We answer active. */
  if (type == HORMIGA_SDP_ANSWER)
    {
      if (remote->setup == HORMIGA_SDP_SETUP_ACTPASS)
        {
          g_set_error_literal (error, HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_SDP_INVALID,
                               "an answer must say a=setup:active or passive, not actpass");
          return FALSE;
        }
      self->dtls_client = remote->setup == HORMIGA_SDP_SETUP_PASSIVE;
    }
  else
    self->dtls_client = remote->setup != HORMIGA_SDP_SETUP_ACTIVE;
  /* Stream 0 is the identity-binding channel. */
  self->next_stream = self->dtls_client ? 2 : 1;

  hormiga_ice_transport_set_remote_credentials (self->ice, remote->ice_ufrag, remote->ice_pwd);
  for (guint i = 0; i < remote->candidates->len; i++)
    {
      g_autoptr(GError) candidate_error = NULL;

      if (!hormiga_ice_transport_add_remote_candidate (self->ice,
                                                       g_ptr_array_index (remote->candidates, i),
                                                       &candidate_error))
        g_debug ("peer connection: %s", candidate_error->message);
    }
  if (remote->end_of_candidates)
    hormiga_ice_transport_remote_gathering_done (self->ice);

  g_clear_pointer (&self->remote, hormiga_sdp_free);
  self->remote = g_steal_pointer (&remote);

  /* ICE may already be up if the peer's checks arrived first. */
  if (hormiga_ice_transport_get_state (self->ice) == HORMIGA_ICE_STATE_CONNECTED)
    on_ice_state (self->ice, HORMIGA_ICE_STATE_CONNECTED, self);
  return TRUE;
}

gboolean
hormiga_peer_connection_add_remote_candidate (HormigaPeerConnection  *self,
                                              const char             *candidate,
                                              GError                **error)
{
  g_return_val_if_fail (HORMIGA_IS_PEER_CONNECTION (self), FALSE);

  return hormiga_ice_transport_add_remote_candidate (self->ice, candidate, error);
}

void
hormiga_peer_connection_remote_end_of_candidates (HormigaPeerConnection *self)
{
  g_return_if_fail (HORMIGA_IS_PEER_CONNECTION (self));

  hormiga_ice_transport_remote_gathering_done (self->ice);
}

HormigaDataChannel *
hormiga_peer_connection_create_data_channel (HormigaPeerConnection            *self,
                                             const char                       *label,
                                             const HormigaDataChannelOptions  *options,
                                             GError                          **error)
{
  static const HormigaDataChannelOptions defaults = HORMIGA_DATA_CHANNEL_OPTIONS_INIT;
  g_autoptr(HormigaDataChannel) channel = NULL;
  HormigaDcepChannelType type;
  guint32 parameter;

  g_return_val_if_fail (HORMIGA_IS_PEER_CONNECTION (self), NULL);

  if (options == NULL)
    options = &defaults;
  if (label != NULL && strlen (label) > HORMIGA_DCEP_MAX_STRING)
    {
      g_set_error (error, HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_DCEP_INVALID,
                   "a channel label has at most %u bytes", HORMIGA_DCEP_MAX_STRING);
      return NULL;
    }
  if (options->negotiated && options->id == HORMIGA_IDENTITY_BINDING_STREAM)
    {
      g_set_error_literal (error, HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_DCEP_INVALID,
                           "stream 0 is the identity-binding channel; pick another id");
      return NULL;
    }
  if (!hormiga_dcep_channel_type_from_options (options->ordered, options->max_retransmits,
                                               options->max_lifetime_ms, &type, &parameter, error))
    return NULL;
  if (self->state == HORMIGA_PEER_CONNECTION_FAILED || self->state == HORMIGA_PEER_CONNECTION_CLOSED)
    {
      g_set_error_literal (error, HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_CLOSED,
                           "the peer connection is closed");
      return NULL;
    }

  channel = _hormiga_data_channel_new (label, options->protocol, type, parameter, 0,
                                       options->negotiated);
  if (options->negotiated)
    _hormiga_data_channel_attach (channel, NULL, options->id, 0);

  if (self->state == HORMIGA_PEER_CONNECTION_CONNECTED)
    {
      if (!open_channel (self, channel, error))
        return NULL;
    }
  else
    g_ptr_array_add (self->pending, g_object_ref (channel));
  return g_steal_pointer (&channel);
}

void
hormiga_peer_connection_close (HormigaPeerConnection *self)
{
  GHashTableIter iter;
  gpointer channel;

  g_return_if_fail (HORMIGA_IS_PEER_CONNECTION (self));

  if (self->state == HORMIGA_PEER_CONNECTION_CLOSED)
    return;
  stop_timers (self);
  g_hash_table_iter_init (&iter, self->channels);
  while (g_hash_table_iter_next (&iter, NULL, &channel))
    _hormiga_data_channel_abort (channel, NULL);
  for (guint i = 0; i < self->pending->len; i++)
    _hormiga_data_channel_abort (g_ptr_array_index (self->pending, i), NULL);
  if (self->sctp != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->sctp, self);
      hormiga_sctp_association_close (self->sctp);
    }
  if (self->dtls != NULL)
    hormiga_dtls_transport_close (self->dtls);
  hormiga_ice_transport_close (self->ice);
  set_state (self, HORMIGA_PEER_CONNECTION_CLOSED);
}

HormigaPeerConnectionState
hormiga_peer_connection_get_state (HormigaPeerConnection *self)
{
  g_return_val_if_fail (HORMIGA_IS_PEER_CONNECTION (self), HORMIGA_PEER_CONNECTION_CLOSED);

  return self->state;
}

gint
hormiga_peer_connection_get_rtt (HormigaPeerConnection *self)
{
  g_return_val_if_fail (HORMIGA_IS_PEER_CONNECTION (self), -1);

  return self->sctp != NULL ? hormiga_sctp_association_get_rtt (self->sctp) : -1;
}

HormigaIceTransport *
hormiga_peer_connection_get_ice (HormigaPeerConnection *self)
{
  g_return_val_if_fail (HORMIGA_IS_PEER_CONNECTION (self), NULL);

  return self->ice;
}

void
hormiga_peer_connection_set_expected_peer (HormigaPeerConnection *self,
                                           const HormigaPeerId   *peer)
{
  g_return_if_fail (HORMIGA_IS_PEER_CONNECTION (self));

  g_clear_pointer (&self->expected, hormiga_peer_id_unref);
  if (peer != NULL)
    self->expected = hormiga_peer_id_ref ((HormigaPeerId *) peer);
}

HormigaPeerId *
hormiga_peer_connection_get_remote_peer (HormigaPeerConnection *self)
{
  g_return_val_if_fail (HORMIGA_IS_PEER_CONNECTION (self), NULL);

  return self->remote_peer;
}

void
hormiga_peer_connection_set_peer_timeout (HormigaPeerConnection *self,
                                          guint                  timeout_ms)
{
  g_return_if_fail (HORMIGA_IS_PEER_CONNECTION (self));
  g_return_if_fail (timeout_ms >= 500);

  self->peer_timeout_ms = timeout_ms;
}

HormigaPeerConnection *
hormiga_peer_connection_new (GMainContext       *context,
                             HormigaCertificate *certificate,
                             HormigaIdentity    *identity)
{
  HormigaPeerConnection *self;

  g_return_val_if_fail (HORMIGA_IS_CERTIFICATE (certificate), NULL);
  g_return_val_if_fail (HORMIGA_IS_IDENTITY (identity), NULL);

  self = g_object_new (HORMIGA_TYPE_PEER_CONNECTION, NULL);
  self->identity = g_object_ref (identity);
  self->context = context ? g_main_context_ref (context) : g_main_context_ref_thread_default ();
  self->certificate = g_object_ref (certificate);
  self->ice = hormiga_ice_transport_new (self->context, FALSE);
  hormiga_ice_transport_set_receive (self->ice, on_ice_receive, self, NULL);
  g_signal_connect (self->ice, "state-changed", G_CALLBACK (on_ice_state), self);
  g_signal_connect (self->ice, "local-candidate", G_CALLBACK (on_ice_candidate), self);
  g_signal_connect (self->ice, "gathering-done", G_CALLBACK (on_ice_gathering_done), self);
  return self;
}

/* ---- GObject ------------------------------------------------------------------ */

static void
hormiga_peer_connection_dispose (GObject *object)
{
  HormigaPeerConnection *self = HORMIGA_PEER_CONNECTION (object);

  stop_timers (self);
  if (self->ice != NULL)
    {
      hormiga_peer_connection_close (self);
      g_signal_handlers_disconnect_by_data (self->ice, self);
      hormiga_ice_transport_set_receive (self->ice, NULL, NULL, NULL);
    }
  if (self->sctp != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->sctp, self);
      hormiga_sctp_association_set_output (self->sctp, NULL, NULL, NULL);
    }
  if (self->dtls != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->dtls, self);
      hormiga_dtls_transport_set_output (self->dtls, NULL, NULL, NULL);
      hormiga_dtls_transport_set_receive (self->dtls, NULL, NULL, NULL);
    }
  g_clear_pointer (&self->channels, g_hash_table_unref);
  g_clear_pointer (&self->pending, g_ptr_array_unref);
  g_clear_object (&self->sctp);
  g_clear_object (&self->dtls);
  g_clear_object (&self->ice);
  g_clear_object (&self->certificate);
  g_clear_object (&self->identity);

  G_OBJECT_CLASS (hormiga_peer_connection_parent_class)->dispose (object);
}

static void
hormiga_peer_connection_finalize (GObject *object)
{
  HormigaPeerConnection *self = HORMIGA_PEER_CONNECTION (object);

  g_clear_pointer (&self->local, hormiga_sdp_free);
  g_clear_pointer (&self->remote, hormiga_sdp_free);
  g_queue_clear_full (&self->early, (GDestroyNotify) g_bytes_unref);
  g_queue_clear_full (&self->held, (GDestroyNotify) held_free);
  g_clear_pointer (&self->expected, hormiga_peer_id_unref);
  g_clear_pointer (&self->remote_peer, hormiga_peer_id_unref);
  g_clear_pointer (&self->context, g_main_context_unref);

  G_OBJECT_CLASS (hormiga_peer_connection_parent_class)->finalize (object);
}

static void
hormiga_peer_connection_class_init (HormigaPeerConnectionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hormiga_peer_connection_dispose;
  object_class->finalize = hormiga_peer_connection_finalize;

  /** HormigaPeerConnection::local-candidate: @candidate: "candidate:…" for the peer. */
  signals[LOCAL_CANDIDATE] = g_signal_new ("local-candidate", G_TYPE_FROM_CLASS (klass),
                                           G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE,
                                           1, G_TYPE_STRING);
  /** HormigaPeerConnection::gathering-done: send end-of-candidates. */
  signals[GATHERING_DONE] = g_signal_new ("gathering-done", G_TYPE_FROM_CLASS (klass),
                                          G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /** HormigaPeerConnection::data-channel: @channel: the peer opened it. */
  signals[DATA_CHANNEL] = g_signal_new ("data-channel", G_TYPE_FROM_CLASS (klass),
                                        G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                                        HORMIGA_TYPE_DATA_CHANNEL);
  /** HormigaPeerConnection::state-changed: @state: a HormigaPeerConnectionState. */
  signals[STATE_CHANGED] = g_signal_new ("state-changed", G_TYPE_FROM_CLASS (klass),
                                         G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                                         G_TYPE_UINT);
  /** HormigaPeerConnection::failed: @error: why. */
  signals[FAILED] = g_signal_new ("failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
hormiga_peer_connection_init (HormigaPeerConnection *self)
{
  self->state = HORMIGA_PEER_CONNECTION_NEW;
  g_queue_init (&self->early);
  g_queue_init (&self->held);
  self->peer_timeout_ms = DEFAULT_PEER_TIMEOUT_MS;
  self->channels = g_hash_table_new_full (NULL, NULL, NULL, g_object_unref);
  self->pending = g_ptr_array_new_with_free_func (g_object_unref);
}
