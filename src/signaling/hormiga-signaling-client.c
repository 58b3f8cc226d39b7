/* hormiga-signaling-client.c — a node's connection to hormiguero
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * STOPPED → CONNECTING → JOINING → ADMITTED; on any loss WAITING → CONNECTING
 * after a delay drawn from [base/2, base], base doubling from reconnect-min
 * up to reconnect-max and reset on admission. The join proves the identity
 * key by signing HORMIGA_JOIN_CONTEXT ‖ nonce (docs/PROTOCOL.md).
 */
#include <libsoup/soup.h>

#include "hormiga-identity.h"
#include "hormiga-message.h"
#include "hormiga-peer-id.h"
#include "hormiga-protocol.h"
#include "hormiga-signaling-client.h"

G_DEFINE_QUARK (hormiga-signaling-error-quark, hormiga_signaling_error)

G_DEFINE_ENUM_TYPE (HormigaSignalingState, hormiga_signaling_state,
  G_DEFINE_ENUM_VALUE (HORMIGA_SIGNALING_STATE_STOPPED, "stopped"),
  G_DEFINE_ENUM_VALUE (HORMIGA_SIGNALING_STATE_CONNECTING, "connecting"),
  G_DEFINE_ENUM_VALUE (HORMIGA_SIGNALING_STATE_JOINING, "joining"),
  G_DEFINE_ENUM_VALUE (HORMIGA_SIGNALING_STATE_ADMITTED, "admitted"),
  G_DEFINE_ENUM_VALUE (HORMIGA_SIGNALING_STATE_WAITING, "waiting"))

#define DEFAULT_RECONNECT_MIN 250    /* ms */
#define DEFAULT_RECONNECT_MAX 30000  /* ms */

struct _HormigaSignalingClient
{
  GObject                  parent_instance;

  GMainContext            *context;
  char                    *url;
  HormigaIdentity         *identity;
  SoupSession             *session;
  SoupWebsocketConnection *connection;
  GCancellable            *cancellable;     /* of the pending connect */
  GSource                 *retry_source;
  GRand                   *rand;

  HormigaSignalingState    state;
  guint                    reconnect_min;
  guint                    reconnect_max;
  guint                    attempt;         /* failed attempts since the last admission */
  guint                    n_joins;
  GStrv                    bootstrap_peers;
  GStrv                    turn_urls;       /* from the last welcome, or NULL */
  char                    *turn_username;
  char                    *turn_credential;
  gboolean                 client_mode;
};

G_DEFINE_FINAL_TYPE (HormigaSignalingClient, hormiga_signaling_client, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_URL,
  PROP_IDENTITY,
  PROP_CONTEXT,
  PROP_STATE,
  PROP_RECONNECT_MIN,
  PROP_RECONNECT_MAX,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  ADMITTED,
  SIGNAL_RECEIVED,
  ERROR_RECEIVED,
  DISCONNECTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void connect_now (HormigaSignalingClient *self);

static void
set_state (HormigaSignalingClient *self,
           HormigaSignalingState   state)
{
  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
send_message (HormigaSignalingClient *self,
              const HormigaMessage   *message)
{
  g_autoptr(GBytes) frame = NULL;

  /* Closing (hormiguero went away, or its close frame is on its way):
   * ::closed comes next, and with it the reconnection; what we would have
   * sent is lost as on any lost connection. */
  if (soup_websocket_connection_get_state (self->connection) != SOUP_WEBSOCKET_STATE_OPEN)
    {
      g_debug ("signaling: a message dropped: the connection to hormiguero is closing");
      return;
    }
  frame = hormiga_message_encode (message);
  soup_websocket_connection_send_message (self->connection, SOUP_WEBSOCKET_DATA_BINARY, frame);
}

static gboolean
on_retry (gpointer user_data)
{
  HormigaSignalingClient *self = user_data;

  g_clear_pointer (&self->retry_source, g_source_unref);
  connect_now (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_reconnect (HormigaSignalingClient *self)
{
  guint64 base = self->reconnect_min;
  guint delay;

  for (guint i = 0; i < self->attempt && base < self->reconnect_max; i++)
    base *= 2;
  base = MIN (base, self->reconnect_max);
  delay = (guint) (base / 2 + g_rand_int_range (self->rand, 0, (gint32) (base / 2 + 1)));
  self->attempt++;

  g_debug ("signaling: reconnecting to %s in %u ms", self->url, delay);
  set_state (self, HORMIGA_SIGNALING_STATE_WAITING);
  self->retry_source = g_timeout_source_new (delay);
  g_source_set_callback (self->retry_source, on_retry, self, NULL);
  g_source_set_static_name (self->retry_source, "[hormiga] signaling reconnect");
  g_source_attach (self->retry_source, self->context);
}

/* Drops the connection (if any), tells listeners why, and schedules the next
 * attempt unless stopped. Takes ownership of @error. */
static void
lost (HormigaSignalingClient *self,
      GError                 *error)
{
  g_autoptr(GError) owned = error;

  if (self->connection != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->connection, self);
      if (soup_websocket_connection_get_state (self->connection) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close (self->connection, HORMIGA_CLOSE_NORMAL, NULL);
      g_clear_object (&self->connection);
    }

  if (self->state == HORMIGA_SIGNALING_STATE_STOPPED)
    return;

  g_signal_emit (self, signals[DISCONNECTED], 0, owned);
  /* A handler may have stopped the client. */
  if (self->state != HORMIGA_SIGNALING_STATE_STOPPED)
    schedule_reconnect (self);
}

static void
handle_challenge (HormigaSignalingClient *self,
                  const HormigaMessage   *challenge)
{
  guint8 transcript[HORMIGA_JOIN_TRANSCRIPT_LENGTH];
  guint8 signature[HORMIGA_SIGNATURE_LENGTH];
  g_autoptr(HormigaMessage) join = NULL;

  hormiga_protocol_join_transcript (challenge->challenge.nonce, transcript);
  hormiga_identity_sign (self->identity, transcript, sizeof transcript, signature);

  join = hormiga_message_new_join (hormiga_identity_get_public_key (self->identity), signature);
  join->join.client = self->client_mode;
  send_message (self, join);
}

static void
handle_welcome (HormigaSignalingClient *self,
                const HormigaMessage   *welcome)
{
  const char *own = hormiga_peer_id_to_string (hormiga_identity_get_peer_id (self->identity));
  GPtrArray *peers = welcome->welcome.peers;

  if (g_strcmp0 (welcome->welcome.peer_id, own) != 0)
    {
      lost (self, g_error_new (HORMIGA_SIGNALING_ERROR, HORMIGA_SIGNALING_ERROR_PROTOCOL,
                               "the server admitted us as %s, but our PeerID is %s",
                               welcome->welcome.peer_id, own));
      return;
    }

  g_strfreev (self->bootstrap_peers);
  self->bootstrap_peers = g_new0 (char *, (peers ? peers->len : 0) + 1);
  for (guint i = 0; peers != NULL && i < peers->len; i++)
    self->bootstrap_peers[i] = g_strdup (g_ptr_array_index (peers, i));

  g_clear_pointer (&self->turn_urls, g_strfreev);
  g_clear_pointer (&self->turn_username, g_free);
  g_clear_pointer (&self->turn_credential, g_free);
  if (welcome->welcome.turn_urls != NULL)
    {
      GPtrArray *urls = welcome->welcome.turn_urls;

      self->turn_urls = g_new0 (char *, urls->len + 1);
      for (guint i = 0; i < urls->len; i++)
        self->turn_urls[i] = g_strdup (g_ptr_array_index (urls, i));
      self->turn_username = g_strdup (welcome->welcome.turn_username);
      self->turn_credential = g_strdup (welcome->welcome.turn_credential);
    }

  self->attempt = 0;
  self->n_joins++;
  set_state (self, HORMIGA_SIGNALING_STATE_ADMITTED);
  g_signal_emit (self, signals[ADMITTED], 0, own, self->bootstrap_peers);
}

static void
on_message (SoupWebsocketConnection *connection,
            int                      data_type,
            GBytes                  *frame,
            gpointer                 user_data)
{
  HormigaSignalingClient *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(HormigaMessage) message = NULL;

  if (data_type != SOUP_WEBSOCKET_DATA_BINARY)
    {
      lost (self, g_error_new_literal (HORMIGA_SIGNALING_ERROR, HORMIGA_SIGNALING_ERROR_PROTOCOL,
                                       "the server sent a text frame; is this a hormiguero?"));
      return;
    }

  message = hormiga_message_decode_bytes (frame, NULL, &error);
  if (message == NULL)
    {
      /* A newer server may send types we do not know yet: skip them. */
      g_debug ("signaling: ignoring a frame from %s: %s", self->url, error->message);
      return;
    }

  switch (message->type)
    {
    case HORMIGA_MESSAGE_CHALLENGE:
      if (self->state == HORMIGA_SIGNALING_STATE_JOINING)
        handle_challenge (self, message);
      break;

    case HORMIGA_MESSAGE_WELCOME:
      if (self->state == HORMIGA_SIGNALING_STATE_JOINING)
        handle_welcome (self, message);
      break;

    case HORMIGA_MESSAGE_SIGNAL:
      if (self->state == HORMIGA_SIGNALING_STATE_ADMITTED && message->signal.from != NULL)
        g_signal_emit (self, signals[SIGNAL_RECEIVED], 0, message->signal.from,
                       message->signal.sid, message->signal.payload);
      break;

    case HORMIGA_MESSAGE_ERROR:
      g_signal_emit (self, signals[ERROR_RECEIVED], 0, message->error.code,
                     message->error.message, message->error.sid);
      break;

    case HORMIGA_MESSAGE_PING:
      {
        g_autoptr(HormigaMessage) pong = hormiga_message_new_pong (message->ping.seq);
        send_message (self, pong);
      }
      break;

    case HORMIGA_MESSAGE_PONG:
    case HORMIGA_MESSAGE_JOIN:
    case HORMIGA_MESSAGE_N_TYPES:
    default:
      break;
    }
}

static void
on_closed (SoupWebsocketConnection *connection,
           gpointer                 user_data)
{
  HormigaSignalingClient *self = user_data;
  gushort code = soup_websocket_connection_get_close_code (connection);
  const char *reason = soup_websocket_connection_get_close_data (connection);

  lost (self, g_error_new (HORMIGA_SIGNALING_ERROR, HORMIGA_SIGNALING_ERROR_CLOSED,
                           "the server closed the connection (code %u%s%s)", code,
                           reason && *reason ? ": " : "", reason ? reason : ""));
}

static void
on_connected (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(HormigaSignalingClient) self = user_data;
  g_autoptr(GError) error = NULL;
  SoupWebsocketConnection *connection;

  connection = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_object (&self->cancellable);

  if (connection == NULL)
    {
      lost (self, g_error_new (HORMIGA_SIGNALING_ERROR, HORMIGA_SIGNALING_ERROR_CONNECT,
                               "cannot open %s: %s", self->url, error->message));
      return;
    }

  self->connection = connection;
  /* Frames above the wire limit are refused by the decoder, not by libsoup,
   * so that a newer server's larger frame is skipped instead of fatal. */
  soup_websocket_connection_set_max_incoming_payload_size (connection, 256 * 1024);
  g_signal_connect (connection, "message", G_CALLBACK (on_message), self);
  g_signal_connect (connection, "closed", G_CALLBACK (on_closed), self);
  set_state (self, HORMIGA_SIGNALING_STATE_JOINING);
}

static void
connect_now (HormigaSignalingClient *self)
{
  g_autoptr(SoupMessage) msg = soup_message_new (SOUP_METHOD_GET, self->url);

  if (msg == NULL)
    {
      lost (self, g_error_new (HORMIGA_SIGNALING_ERROR, HORMIGA_SIGNALING_ERROR_CONNECT,
                               "“%s” is not a valid WebSocket URL (ws://HOST:PORT/ws)",
                               self->url));
      return;
    }

  set_state (self, HORMIGA_SIGNALING_STATE_CONNECTING);
  self->cancellable = g_cancellable_new ();
  g_main_context_push_thread_default (self->context);
  soup_session_websocket_connect_async (self->session, msg, NULL, NULL, G_PRIORITY_DEFAULT,
                                        self->cancellable, on_connected, g_object_ref (self));
  g_main_context_pop_thread_default (self->context);
}

/* ---- public API --------------------------------------------------------- */

HormigaSignalingClient *
hormiga_signaling_client_new (const char      *url,
                              HormigaIdentity *identity,
                              GMainContext    *context)
{
  g_return_val_if_fail (url != NULL, NULL);
  g_return_val_if_fail (HORMIGA_IS_IDENTITY (identity), NULL);

  return g_object_new (HORMIGA_TYPE_SIGNALING_CLIENT,
                       "url", url,
                       "identity", identity,
                       "context", context,
                       NULL);
}

void
hormiga_signaling_client_start (HormigaSignalingClient *self)
{
  g_return_if_fail (HORMIGA_IS_SIGNALING_CLIENT (self));

  if (self->state != HORMIGA_SIGNALING_STATE_STOPPED)
    return;
  self->attempt = 0;
  connect_now (self);
}

void
hormiga_signaling_client_stop (HormigaSignalingClient *self)
{
  g_return_if_fail (HORMIGA_IS_SIGNALING_CLIENT (self));

  set_state (self, HORMIGA_SIGNALING_STATE_STOPPED);
  if (self->cancellable != NULL)
    {
      g_cancellable_cancel (self->cancellable);
      g_clear_object (&self->cancellable);
    }
  if (self->retry_source != NULL)
    {
      g_source_destroy (self->retry_source);
      g_clear_pointer (&self->retry_source, g_source_unref);
    }
  lost (self, NULL);
}

gboolean
hormiga_signaling_client_send_signal (HormigaSignalingClient  *self,
                                      const char              *to,
                                      const char              *sid,
                                      GBytes                  *payload,
                                      GError                 **error)
{
  g_autoptr(HormigaMessage) message = NULL;

  g_return_val_if_fail (HORMIGA_IS_SIGNALING_CLIENT (self), FALSE);
  g_return_val_if_fail (to != NULL && sid != NULL && payload != NULL, FALSE);

  if (self->state != HORMIGA_SIGNALING_STATE_ADMITTED)
    {
      g_set_error (error, HORMIGA_SIGNALING_ERROR, HORMIGA_SIGNALING_ERROR_NOT_ADMITTED,
                   "not admitted by %s yet; wait for ::admitted before sending signals",
                   self->url);
      return FALSE;
    }

  if (strlen (to) > HORMIGA_PEER_ID_MAX_TEXT || *sid == '\0' ||
      strlen (sid) > HORMIGA_SID_MAX_LENGTH ||
      g_bytes_get_size (payload) > HORMIGA_SIGNAL_MAX_PAYLOAD)
    {
      g_set_error (error, HORMIGA_SIGNALING_ERROR, HORMIGA_SIGNALING_ERROR_INVALID,
                   "signal out of limits: `to` ≤ %u bytes, `sid` 1–%u bytes, payload ≤ %u bytes",
                   HORMIGA_PEER_ID_MAX_TEXT, HORMIGA_SID_MAX_LENGTH, HORMIGA_SIGNAL_MAX_PAYLOAD);
      return FALSE;
    }

  message = hormiga_message_new_signal (NULL, to, sid, payload);
  send_message (self, message);
  return TRUE;
}

void
hormiga_signaling_client_set_client_mode (HormigaSignalingClient *self,
                                          gboolean                client_mode)
{
  g_return_if_fail (HORMIGA_IS_SIGNALING_CLIENT (self));

  self->client_mode = !!client_mode;
}

HormigaSignalingState
hormiga_signaling_client_get_state (HormigaSignalingClient *self)
{
  g_return_val_if_fail (HORMIGA_IS_SIGNALING_CLIENT (self), HORMIGA_SIGNALING_STATE_STOPPED);

  return self->state;
}

gboolean
hormiga_signaling_client_get_turn (HormigaSignalingClient  *self,
                                   const char * const     **urls,
                                   const char             **username,
                                   const char             **credential)
{
  g_return_val_if_fail (HORMIGA_IS_SIGNALING_CLIENT (self), FALSE);

  if (self->turn_urls == NULL)
    return FALSE;
  if (urls != NULL)
    *urls = (const char * const *) self->turn_urls;
  if (username != NULL)
    *username = self->turn_username;
  if (credential != NULL)
    *credential = self->turn_credential;
  return TRUE;
}

HormigaIdentity *
hormiga_signaling_client_get_identity (HormigaSignalingClient *self)
{
  g_return_val_if_fail (HORMIGA_IS_SIGNALING_CLIENT (self), NULL);

  return self->identity;
}

const char *
hormiga_signaling_client_get_url (HormigaSignalingClient *self)
{
  g_return_val_if_fail (HORMIGA_IS_SIGNALING_CLIENT (self), NULL);

  return self->url;
}

const char * const *
hormiga_signaling_client_get_bootstrap_peers (HormigaSignalingClient *self)
{
  g_return_val_if_fail (HORMIGA_IS_SIGNALING_CLIENT (self), NULL);

  return (const char * const *) self->bootstrap_peers;
}

guint
hormiga_signaling_client_get_n_joins (HormigaSignalingClient *self)
{
  g_return_val_if_fail (HORMIGA_IS_SIGNALING_CLIENT (self), 0);

  return self->n_joins;
}

/* ---- GObject ------------------------------------------------------------ */

static void
hormiga_signaling_client_constructed (GObject *object)
{
  HormigaSignalingClient *self = HORMIGA_SIGNALING_CLIENT (object);

  G_OBJECT_CLASS (hormiga_signaling_client_parent_class)->constructed (object);

  if (self->context == NULL)
    self->context = g_main_context_ref_thread_default ();

  /* A SoupSession belongs to the context that is thread-default when it is made. */
  g_main_context_push_thread_default (self->context);
  self->session = soup_session_new_with_options ("user-agent", "hormiga/" PACKAGE_VERSION,
                                                 "timeout", 30,
                                                 NULL);
  g_main_context_pop_thread_default (self->context);
}

static void
hormiga_signaling_client_dispose (GObject *object)
{
  HormigaSignalingClient *self = HORMIGA_SIGNALING_CLIENT (object);

  if (self->state != HORMIGA_SIGNALING_STATE_STOPPED || self->connection != NULL)
    hormiga_signaling_client_stop (self);
  g_clear_object (&self->session);
  g_clear_object (&self->identity);

  G_OBJECT_CLASS (hormiga_signaling_client_parent_class)->dispose (object);
}

static void
hormiga_signaling_client_finalize (GObject *object)
{
  HormigaSignalingClient *self = HORMIGA_SIGNALING_CLIENT (object);

  g_free (self->url);
  g_strfreev (self->turn_urls);
  g_free (self->turn_username);
  g_free (self->turn_credential);
  g_strfreev (self->bootstrap_peers);
  g_clear_pointer (&self->rand, g_rand_free);
  g_clear_pointer (&self->context, g_main_context_unref);

  G_OBJECT_CLASS (hormiga_signaling_client_parent_class)->finalize (object);
}

static void
hormiga_signaling_client_get_property (GObject    *object,
                                       guint       prop_id,
                                       GValue     *value,
                                       GParamSpec *pspec)
{
  HormigaSignalingClient *self = HORMIGA_SIGNALING_CLIENT (object);

  switch (prop_id)
    {
    case PROP_URL:           g_value_set_string (value, self->url); break;
    case PROP_IDENTITY:      g_value_set_object (value, self->identity); break;
    case PROP_CONTEXT:       g_value_set_boxed (value, self->context); break;
    case PROP_STATE:         g_value_set_enum (value, self->state); break;
    case PROP_RECONNECT_MIN: g_value_set_uint (value, self->reconnect_min); break;
    case PROP_RECONNECT_MAX: g_value_set_uint (value, self->reconnect_max); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hormiga_signaling_client_set_property (GObject      *object,
                                       guint         prop_id,
                                       const GValue *value,
                                       GParamSpec   *pspec)
{
  HormigaSignalingClient *self = HORMIGA_SIGNALING_CLIENT (object);

  switch (prop_id)
    {
    case PROP_URL:           self->url = g_value_dup_string (value); break;
    case PROP_IDENTITY:      self->identity = g_value_dup_object (value); break;
    case PROP_CONTEXT:       self->context = g_value_dup_boxed (value); break;
    case PROP_RECONNECT_MIN: self->reconnect_min = g_value_get_uint (value); break;
    case PROP_RECONNECT_MAX: self->reconnect_max = g_value_get_uint (value); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hormiga_signaling_client_class_init (HormigaSignalingClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags construct = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS;

  object_class->constructed = hormiga_signaling_client_constructed;
  object_class->dispose = hormiga_signaling_client_dispose;
  object_class->finalize = hormiga_signaling_client_finalize;
  object_class->get_property = hormiga_signaling_client_get_property;
  object_class->set_property = hormiga_signaling_client_set_property;

  properties[PROP_URL] =
    g_param_spec_string ("url", NULL, NULL, NULL, construct);
  properties[PROP_IDENTITY] =
    g_param_spec_object ("identity", NULL, NULL, HORMIGA_TYPE_IDENTITY, construct);
  properties[PROP_CONTEXT] =
    g_param_spec_boxed ("context", NULL, NULL, G_TYPE_MAIN_CONTEXT, construct);
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, HORMIGA_TYPE_SIGNALING_STATE,
                       HORMIGA_SIGNALING_STATE_STOPPED,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_RECONNECT_MIN] =
    g_param_spec_uint ("reconnect-min", NULL, NULL, 1, G_MAXINT32 / 2,
                       DEFAULT_RECONNECT_MIN, construct);
  properties[PROP_RECONNECT_MAX] =
    g_param_spec_uint ("reconnect-max", NULL, NULL, 1, G_MAXINT32 / 2,
                       DEFAULT_RECONNECT_MAX, construct);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * HormigaSignalingClient::admitted:
   * @peer_id: our PeerID, as the server derived it
   * @peers: (array zero-terminated=1): the bootstrap sample
   */
  signals[ADMITTED] =
    g_signal_new ("admitted", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRV);
  /**
   * HormigaSignalingClient::signal-received:
   * @from: the sender's PeerID, stamped by the server
   * @sid: the sender's session id
   * @payload: the opaque payload
   */
  signals[SIGNAL_RECEIVED] =
    g_signal_new ("signal-received", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_BYTES);
  /**
   * HormigaSignalingClient::error-received:
   * @code: a HormigaProtocolError
   * @message: the server's explanation
   * @sid: (nullable): the signal the error refers to
   */
  signals[ERROR_RECEIVED] =
    g_signal_new ("error-received", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 3, G_TYPE_UINT, G_TYPE_STRING, G_TYPE_STRING);
  /**
   * HormigaSignalingClient::disconnected:
   * @error: why (HORMIGA_SIGNALING_ERROR); a reconnect follows unless stopped
   */
  signals[DISCONNECTED] =
    g_signal_new ("disconnected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
hormiga_signaling_client_init (HormigaSignalingClient *self)
{
  self->state = HORMIGA_SIGNALING_STATE_STOPPED;
  self->reconnect_min = DEFAULT_RECONNECT_MIN;
  self->reconnect_max = DEFAULT_RECONNECT_MAX;
  self->rand = g_rand_new ();
}
