/* hormiga-rtc-connector.c — peer connections negotiated through hormiguero
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "hormiga-certificate.h"
#include "hormiga-ice-server.h"
#include "hormiga-protocol.h"
#include "hormiga-rtc-connector.h"
#include "hormiga-rtc-error.h"
#include "hormiga-rtc-signal.h"

/* A hormiguero the connector signals through: the node's own first, then
 * those added with hormiga_rtc_connector_add_signaling(). */
typedef struct
{
  HormigaSignalingClient *client;
  gulong                  signal_handler;
  gulong                  error_handler;
} Server;

struct _HormigaRtcConnector
{
  GObject                 parent_instance;

  GMainContext           *context;
  HormigaSignalingClient *signaling;    /* the first of servers */
  GArray                 *servers;      /* Server */
  HormigaCertificate     *certificate;
  char                   *local_address;
  guint                   peer_timeout_ms;
  GPtrArray              *ice_servers;  /* HormigaIceServer, hosts resolved */
  gboolean                relay_only;
  GHashTable             *sessions;     /* "peer/sid" → Session */
  HormigaRtcConnectorCounters counters;
};

typedef struct
{
  HormigaRtcConnector   *connector;   /* unowned */
  char                  *peer_id;
  char                  *sid;
  char                  *key;
  HormigaPeerConnection *pc;
  gboolean               described;     /* our offer or answer went out */
  GPtrArray             *held;          /* candidates gathered before that */
  gboolean               held_end;      /* and end-of-candidates */
  GSource               *removal;       /* idle source dropping a failed session */
  gboolean               bye_sent;
  gboolean               peer_gone;     /* hormiguero says the peer is not connected */
  HormigaSignalingClient *signaling;    /* unowned: the hormiguero its signals go through */
  GPtrArray             *sent;          /* GBytes: our signals, while the peer has not answered */
  HormigaRtcSignalSendFunc route;       /* NULL: through hormiguero */
  gpointer               route_data;
  GDestroyNotify         route_destroy;
} Session;

G_DEFINE_FINAL_TYPE (HormigaRtcConnector, hormiga_rtc_connector, G_TYPE_OBJECT)

enum {
  PEER_CONNECTION,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
session_free (Session *session)
{
  /* On the connector's context, which need not be the default one. */
  if (session->removal != NULL)
    {
      g_source_destroy (session->removal);
      g_source_unref (session->removal);
    }
  g_signal_handlers_disconnect_by_data (session->pc, session);
  hormiga_peer_connection_close (session->pc);
  g_object_unref (session->pc);
  g_free (session->peer_id);
  g_free (session->sid);
  g_free (session->key);
  g_ptr_array_unref (session->held);
  g_clear_pointer (&session->sent, g_ptr_array_unref);
  if (session->route_destroy != NULL)
    session->route_destroy (session->route_data);
  g_free (session);
}

static void
send_payload (Session *session,
              GBytes  *payload)
{
  HormigaRtcConnector *self = session->connector;
  g_autoptr(GError) error = NULL;
  gboolean sent;

  if (session->route != NULL)
    sent = session->route (session->peer_id, session->sid, payload, session->route_data, &error);
  else
    sent = hormiga_signaling_client_send_signal (session->signaling, session->peer_id,
                                                 session->sid, payload, &error);
  /* Kept in case this hormiguero does not know the peer and the next one
   * must hear the whole negotiation again. */
  if (session->sent != NULL)
    g_ptr_array_add (session->sent, g_bytes_ref (payload));
  if (!sent)
    {
      g_debug ("connector: cannot signal %s: %s", session->peer_id, error->message);
      return;
    }
  if (session->route != NULL)
    self->counters.signals_sent_other++;
  else
    self->counters.signals_sent_server++;
}

static void
send_to_peer (Session              *session,
              HormigaRtcSignalType  type,
              const char           *text)
{
  g_autoptr(GBytes) payload = hormiga_rtc_signal_encode (type, text);

  send_payload (session, payload);
}

/* Gathering starts while the description is made, so the first candidates
 * exist before it is sent: they wait here, as the peer cannot use a
 * candidate of a session it does not know yet. */
static void
on_local_candidate (HormigaPeerConnection *pc,
                    const char            *candidate,
                    gpointer               user_data)
{
  Session *session = user_data;

  if (!session->described)
    g_ptr_array_add (session->held, g_strdup (candidate));
  else
    send_to_peer (session, HORMIGA_RTC_SIGNAL_CANDIDATE, candidate);
}

static void
on_gathering_done (HormigaPeerConnection *pc,
                   gpointer               user_data)
{
  Session *session = user_data;

  if (!session->described)
    session->held_end = TRUE;
  else
    send_to_peer (session, HORMIGA_RTC_SIGNAL_END_OF_CANDIDATES, NULL);
}

/* Sends our offer or answer, then what gathering produced meanwhile. */
static void
send_description (Session              *session,
                  HormigaRtcSignalType  type,
                  const char           *sdp)
{
  send_to_peer (session, type, sdp);
  session->described = TRUE;
  for (guint i = 0; i < session->held->len; i++)
    send_to_peer (session, HORMIGA_RTC_SIGNAL_CANDIDATE, g_ptr_array_index (session->held, i));
  g_ptr_array_set_size (session->held, 0);
  if (session->held_end)
    send_to_peer (session, HORMIGA_RTC_SIGNAL_END_OF_CANDIDATES, NULL);
}

static gboolean
remove_session (gpointer user_data)
{
  Session *session = user_data;

  g_clear_pointer (&session->removal, g_source_unref);
  g_hash_table_remove (session->connector->sessions, session->key);
  return G_SOURCE_REMOVE;
}

/* A session that ends tells the peer (unless hormiguero said it is gone)
 * and leaves the table, after the emission that reported it. */
static void
end_session (Session *session)
{
  GSource *source;

  if (!session->bye_sent && !session->peer_gone)
    send_to_peer (session, HORMIGA_RTC_SIGNAL_BYE, NULL);
  session->bye_sent = TRUE;
  if (session->removal != NULL)
    return;
  source = g_idle_source_new ();
  g_source_set_callback (source, remove_session, session, NULL);
  g_source_attach (source, session->connector->context);
  session->removal = source;
}

static void
on_pc_failed (HormigaPeerConnection *pc,
              const GError          *error,
              gpointer               user_data)
{
  Session *session = user_data;

  g_debug ("connector: connection with %s failed: %s", session->peer_id, error->message);
  end_session (session);
}

/* The owner closed the connection (hormiga_peer_connection_close). */
static void
on_pc_state (HormigaPeerConnection *pc,
             guint                  state,
             gpointer               user_data)
{
  if (state == HORMIGA_PEER_CONNECTION_CLOSED)
    end_session (user_data);
}

static void
apply_ice_servers (HormigaRtcConnector *self,
                   HormigaIceTransport *ice)
{
  gboolean stun = FALSE;

  for (guint i = 0; self->ice_servers != NULL && i < self->ice_servers->len; i++)
    {
      const HormigaIceServer *server = g_ptr_array_index (self->ice_servers, i);
      g_autoptr(GError) error = NULL;

      if (server->kind == HORMIGA_ICE_SERVER_STUN && !stun)
        {
          hormiga_ice_transport_set_stun_server (ice, server->host, server->port);
          stun = TRUE;
        }
      else if (server->kind == HORMIGA_ICE_SERVER_TURN &&
               !hormiga_ice_transport_add_relay (ice, server->host, server->port,
                                                 server->username, server->password,
                                                 server->transport, &error))
        g_debug ("connector: %s", error->message);
    }
  if (self->relay_only)
    hormiga_ice_transport_set_relay_only (ice, TRUE);
}

static Session *
session_new (HormigaRtcConnector     *self,
             HormigaSignalingClient  *signaling,
             const char              *peer_id,
             const char              *sid,
             GError                 **error)
{
  g_autoptr(HormigaPeerId) expected = hormiga_peer_id_parse (peer_id, error);
  Session *session;

  if (expected == NULL)
    return NULL;
  session = g_new0 (Session, 1);

  session->connector = self;
  session->signaling = signaling;
  session->peer_id = g_strdup (peer_id);
  session->sid = g_strdup (sid);
  session->key = g_strconcat (peer_id, "/", sid, NULL);
  session->held = g_ptr_array_new_with_free_func (g_free);
  session->pc = hormiga_peer_connection_new (self->context, self->certificate,
                                             hormiga_signaling_client_get_identity (self->signaling));
  hormiga_peer_connection_set_expected_peer (session->pc, expected);
  if (self->peer_timeout_ms != 0)
    hormiga_peer_connection_set_peer_timeout (session->pc, self->peer_timeout_ms);
  if (self->local_address != NULL)
    hormiga_ice_transport_add_local_address (hormiga_peer_connection_get_ice (session->pc),
                                             self->local_address, NULL);
  apply_ice_servers (self, hormiga_peer_connection_get_ice (session->pc));
  g_signal_connect (session->pc, "local-candidate", G_CALLBACK (on_local_candidate), session);
  g_signal_connect (session->pc, "gathering-done", G_CALLBACK (on_gathering_done), session);
  g_signal_connect (session->pc, "failed", G_CALLBACK (on_pc_failed), session);
  g_signal_connect (session->pc, "state-changed", G_CALLBACK (on_pc_state), session);
  g_hash_table_insert (self->sessions, session->key, session);
  return session;
}

/* A signal from @from, through the hormiguero of @signaling (@route NULL)
 * or another way: an offer starts a session that takes that way back. */
static void
handle_signal (HormigaRtcConnector      *self,
               HormigaSignalingClient   *signaling,
               const char               *from,
               const char               *sid,
               GBytes                   *payload,
               HormigaRtcSignalSendFunc  route,
               gpointer                  route_data,
               GDestroyNotify            route_destroy)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HormigaRtcSignal) signal = hormiga_rtc_signal_decode (payload, &error);
  g_autofree char *key = g_strconcat (from, "/", sid, NULL);
  Session *session;

  if (signal == NULL)
    {
      g_debug ("connector: signal from %s refused: %s", from, error->message);
      if (route_destroy != NULL)
        route_destroy (route_data);
      return;
    }

  session = g_hash_table_lookup (self->sessions, key);
  if (session == NULL)
    {
      g_autofree char *answer = NULL;

      if (signal->type != HORMIGA_RTC_SIGNAL_OFFER)
        {
          g_debug ("connector: %s sent a %d for an unknown session", from, signal->type);
          if (route_destroy != NULL)
            route_destroy (route_data);
          return;
        }
      session = session_new (self, signaling, from, sid, &error);
      if (session == NULL)
        {
          g_debug ("connector: offer from %s refused: %s", from, error->message);
          if (route_destroy != NULL)
            route_destroy (route_data);
          return;
        }
      session->route = route;
      session->route_data = route_data;
      session->route_destroy = route_destroy;
      if (!hormiga_peer_connection_set_remote_description (session->pc, HORMIGA_SDP_OFFER,
                                                           signal->text, &error) ||
          (answer = hormiga_peer_connection_create_answer (session->pc, &error)) == NULL)
        {
          g_debug ("connector: offer from %s refused: %s", from, error->message);
          send_to_peer (session, HORMIGA_RTC_SIGNAL_BYE, NULL);
          g_hash_table_remove (self->sessions, key);
          return;
        }
      send_description (session, HORMIGA_RTC_SIGNAL_ANSWER, answer);
      g_signal_emit (self, signals[PEER_CONNECTION], 0, from, session->pc, TRUE);
      return;
    }
  if (route_destroy != NULL)
    route_destroy (route_data);
  /* The peer heard us: no other hormiguero will be asked. */
  g_clear_pointer (&session->sent, g_ptr_array_unref);

  switch (signal->type)
    {
    case HORMIGA_RTC_SIGNAL_ANSWER:
      if (!hormiga_peer_connection_set_remote_description (session->pc, HORMIGA_SDP_ANSWER,
                                                           signal->text, &error))
        g_debug ("connector: answer from %s refused: %s", from, error->message);
      break;
    case HORMIGA_RTC_SIGNAL_CANDIDATE:
      if (!hormiga_peer_connection_add_remote_candidate (session->pc, signal->text, &error))
        g_debug ("connector: candidate from %s refused: %s", from, error->message);
      break;
    case HORMIGA_RTC_SIGNAL_END_OF_CANDIDATES:
      hormiga_peer_connection_remote_end_of_candidates (session->pc);
      break;
    case HORMIGA_RTC_SIGNAL_BYE:
      g_hash_table_remove (self->sessions, key);
      break;
    case HORMIGA_RTC_SIGNAL_OFFER:
    default:
      g_debug ("connector: %s sent a second offer on session %s; ignored", from, sid);
      break;
    }
}

static void
on_signal_received (HormigaSignalingClient *signaling,
                    const char             *from,
                    const char             *sid,
                    GBytes                 *payload,
                    gpointer                user_data)
{
  HormigaRtcConnector *self = user_data;

  self->counters.signals_received_server++;
  handle_signal (self, signaling, from, sid, payload, NULL, NULL, NULL);
}

void
hormiga_rtc_connector_receive_signal (HormigaRtcConnector      *self,
                                      const char               *from,
                                      const char               *sid,
                                      GBytes                   *payload,
                                      HormigaRtcSignalSendFunc  send,
                                      gpointer                  user_data,
                                      GDestroyNotify            destroy)
{
  g_return_if_fail (HORMIGA_IS_RTC_CONNECTOR (self));
  g_return_if_fail (from != NULL && sid != NULL && payload != NULL && send != NULL);

  self->counters.signals_received_other++;
  handle_signal (self, NULL, from, sid, payload, send, user_data, destroy);
}

/* The hormiguero after @signaling that has admitted us, or NULL. */
static HormigaSignalingClient *
next_server (HormigaRtcConnector    *self,
             HormigaSignalingClient *signaling)
{
  gboolean after = FALSE;

  for (guint i = 0; i < self->servers->len; i++)
    {
      HormigaSignalingClient *client = g_array_index (self->servers, Server, i).client;

      if (after && hormiga_signaling_client_get_state (client) == HORMIGA_SIGNALING_STATE_ADMITTED)
        return client;
      after |= client == signaling;
    }
  return NULL;
}

/* A signal to a peer a hormiguero does not know: a negotiation we started
 * that the peer has not answered goes to the next hormiguero, from its
 * offer on; otherwise it cannot go on, and its connection closes now
 * rather than wait. Only the first error for the session counts: the
 * hormiguero answers each of its signals. */
static void
on_error_received (HormigaSignalingClient *signaling,
                   guint                   code,
                   const char             *message,
                   const char             *sid,
                   gpointer                user_data)
{
  HormigaRtcConnector *self = user_data;
  GHashTableIter iter;
  gpointer value;

  if (sid == NULL || code != HORMIGA_PROTOCOL_ERROR_UNKNOWN_PEER)
    return;
  g_hash_table_iter_init (&iter, self->sessions);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Session *session = value;
      HormigaSignalingClient *next;

      if (!g_str_equal (session->sid, sid) || session->peer_gone || session->route != NULL ||
          session->signaling != signaling)
        continue;
      next = session->sent != NULL ? next_server (self, signaling) : NULL;
      if (next != NULL)
        {
          g_autoptr(GPtrArray) sent = g_steal_pointer (&session->sent);

          g_debug ("connector: %s is not connected to %s; trying %s", session->peer_id,
                   hormiga_signaling_client_get_url (signaling),
                   hormiga_signaling_client_get_url (next));
          session->signaling = next;
          session->sent = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
          self->counters.sessions_moved++;
          for (guint i = 0; i < sent->len; i++)
            send_payload (session, g_ptr_array_index (sent, i));
          return;
        }
      g_debug ("connector: %s is not connected to hormiguero; closing session %s",
               session->peer_id, sid);
      session->peer_gone = TRUE;
      hormiga_peer_connection_close (session->pc);
      return;
    }
}

/* Offers a connection to @peer_id, through @signaling (the first hormiguero
 * to try) or @send. */
static HormigaPeerConnection *
start_session (HormigaRtcConnector       *self,
               HormigaSignalingClient    *signaling,
               const char                *peer_id,
               HormigaRtcSignalSendFunc   send,
               gpointer                   user_data,
               GDestroyNotify             destroy,
               GError                   **error)
{
  g_autofree char *sid = g_strdup_printf ("rtc-%08x%08x", g_random_int (), g_random_int ());
  g_autofree char *offer = NULL;
  Session *session;

  session = session_new (self, signaling, peer_id, sid, error);
  if (session == NULL)
    {
      if (destroy != NULL)
        destroy (user_data);
      return NULL;
    }
  session->route = send;
  session->route_data = user_data;
  session->route_destroy = destroy;
  /* With more than one hormiguero, the peer may be at any. */
  if (send == NULL && self->servers->len > 1)
    session->sent = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  offer = hormiga_peer_connection_create_offer (session->pc, error);
  if (offer == NULL || strlen (offer) > HORMIGA_RTC_SIGNAL_MAX_SDP)
    {
      if (offer != NULL)
        g_set_error_literal (error, HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_SDP_TOO_LARGE,
                             "the offer does not fit in one signal");
      g_hash_table_remove (self->sessions, session->key);
      return NULL;
    }
  send_description (session, HORMIGA_RTC_SIGNAL_OFFER, offer);
  g_signal_emit (self, signals[PEER_CONNECTION], 0, peer_id, session->pc, FALSE);
  return session->pc;
}

HormigaPeerConnection *
hormiga_rtc_connector_connect_via (HormigaRtcConnector       *self,
                                   const char                *peer_id,
                                   HormigaRtcSignalSendFunc   send,
                                   gpointer                   user_data,
                                   GDestroyNotify             destroy,
                                   GError                   **error)
{
  g_return_val_if_fail (HORMIGA_IS_RTC_CONNECTOR (self), NULL);
  g_return_val_if_fail (peer_id != NULL, NULL);

  return start_session (self, self->signaling, peer_id, send, user_data, destroy, error);
}

HormigaPeerConnection *
hormiga_rtc_connector_connect (HormigaRtcConnector  *self,
                               const char           *peer_id,
                               GError              **error)
{
  return hormiga_rtc_connector_connect_via (self, peer_id, NULL, NULL, NULL, error);
}

void
hormiga_rtc_connector_get_counters (HormigaRtcConnector         *self,
                                    HormigaRtcConnectorCounters *counters)
{
  g_return_if_fail (HORMIGA_IS_RTC_CONNECTOR (self));
  g_return_if_fail (counters != NULL);

  *counters = self->counters;
}

gboolean
hormiga_rtc_connector_is_routed (HormigaRtcConnector   *self,
                                 HormigaPeerConnection *pc)
{
  GHashTableIter iter;
  gpointer value;

  g_return_val_if_fail (HORMIGA_IS_RTC_CONNECTOR (self), FALSE);

  g_hash_table_iter_init (&iter, self->sessions);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (((Session *) value)->pc == pc)
      return ((Session *) value)->route != NULL;
  return FALSE;
}
void
hormiga_rtc_connector_set_local_address (HormigaRtcConnector *self,
                                         const char          *address)
{
  g_return_if_fail (HORMIGA_IS_RTC_CONNECTOR (self));

  g_free (self->local_address);
  self->local_address = g_strdup (address);
}

void
hormiga_rtc_connector_set_ice_servers (HormigaRtcConnector *self,
                                       GPtrArray           *servers)
{
  g_return_if_fail (HORMIGA_IS_RTC_CONNECTOR (self));

  g_clear_pointer (&self->ice_servers, g_ptr_array_unref);
  if (servers == NULL || servers->len == 0)
    return;
  self->ice_servers = g_ptr_array_new_with_free_func ((GDestroyNotify) hormiga_ice_server_free);
  for (guint i = 0; i < servers->len; i++)
    g_ptr_array_add (self->ice_servers, hormiga_ice_server_copy (g_ptr_array_index (servers, i)));
}

void
hormiga_rtc_connector_set_relay_only (HormigaRtcConnector *self,
                                      gboolean             relay_only)
{
  g_return_if_fail (HORMIGA_IS_RTC_CONNECTOR (self));
  self->relay_only = relay_only;
}

void
hormiga_rtc_connector_set_peer_timeout (HormigaRtcConnector *self,
                                        guint                timeout_ms)
{
  g_return_if_fail (HORMIGA_IS_RTC_CONNECTOR (self));
  g_return_if_fail (timeout_ms >= 500);

  self->peer_timeout_ms = timeout_ms;
}

guint
hormiga_rtc_connector_get_n_sessions (HormigaRtcConnector *self)
{
  g_return_val_if_fail (HORMIGA_IS_RTC_CONNECTOR (self), 0);

  return g_hash_table_size (self->sessions);
}

HormigaRtcConnector *
hormiga_rtc_connector_new (HormigaSignalingClient *signaling,
                           HormigaCertificate     *certificate,
                           GMainContext           *context)
{
  HormigaRtcConnector *self;

  g_return_val_if_fail (HORMIGA_IS_SIGNALING_CLIENT (signaling), NULL);
  g_return_val_if_fail (HORMIGA_IS_CERTIFICATE (certificate), NULL);

  self = g_object_new (HORMIGA_TYPE_RTC_CONNECTOR, NULL);
  self->context = context ? g_main_context_ref (context) : g_main_context_ref_thread_default ();
  self->signaling = signaling;
  self->certificate = g_object_ref (certificate);
  hormiga_rtc_connector_add_signaling (self, signaling);
  return self;
}

void
hormiga_rtc_connector_add_signaling (HormigaRtcConnector    *self,
                                     HormigaSignalingClient *signaling)
{
  Server server;

  g_return_if_fail (HORMIGA_IS_RTC_CONNECTOR (self));
  g_return_if_fail (HORMIGA_IS_SIGNALING_CLIENT (signaling));

  for (guint i = 0; i < self->servers->len; i++)
    g_return_if_fail (g_array_index (self->servers, Server, i).client != signaling);
  server.client = g_object_ref (signaling);
  server.signal_handler = g_signal_connect (signaling, "signal-received",
                                            G_CALLBACK (on_signal_received), self);
  server.error_handler = g_signal_connect (signaling, "error-received",
                                           G_CALLBACK (on_error_received), self);
  g_array_append_val (self->servers, server);
}

static void
hormiga_rtc_connector_dispose (GObject *object)
{
  HormigaRtcConnector *self = HORMIGA_RTC_CONNECTOR (object);

  for (guint i = 0; self->servers != NULL && i < self->servers->len; i++)
    {
      Server *server = &g_array_index (self->servers, Server, i);

      g_clear_signal_handler (&server->signal_handler, server->client);
      g_clear_signal_handler (&server->error_handler, server->client);
      g_clear_object (&server->client);
    }
  g_clear_pointer (&self->sessions, g_hash_table_unref);
  g_clear_pointer (&self->servers, g_array_unref);
  self->signaling = NULL;
  g_clear_object (&self->certificate);

  G_OBJECT_CLASS (hormiga_rtc_connector_parent_class)->dispose (object);
}

static void
hormiga_rtc_connector_finalize (GObject *object)
{
  HormigaRtcConnector *self = HORMIGA_RTC_CONNECTOR (object);

  g_free (self->local_address);
  g_clear_pointer (&self->ice_servers, g_ptr_array_unref);
  g_clear_pointer (&self->context, g_main_context_unref);

  G_OBJECT_CLASS (hormiga_rtc_connector_parent_class)->finalize (object);
}

static void
hormiga_rtc_connector_class_init (HormigaRtcConnectorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hormiga_rtc_connector_dispose;
  object_class->finalize = hormiga_rtc_connector_finalize;

  /**
   * HormigaRtcConnector::peer-connection:
   * @peer_id: the other node
   * @pc: the connection (owned by the connector)
   * @incoming: TRUE when the other node offered
   */
  signals[PEER_CONNECTION] =
    g_signal_new ("peer-connection", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 3, G_TYPE_STRING, HORMIGA_TYPE_PEER_CONNECTION,
                  G_TYPE_BOOLEAN);
}

static void
hormiga_rtc_connector_init (HormigaRtcConnector *self)
{
  self->sessions = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                          (GDestroyNotify) session_free);
  self->servers = g_array_new (FALSE, TRUE, sizeof (Server));
}
