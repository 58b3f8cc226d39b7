/* hormiga-hormiguero.c — the signaling and bootstrap server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One SoupServer on the context given at construction. Each WebSocket on /ws
 * is a Peer: it is sent a challenge, proves its Ed25519 key with a join, is
 * admitted under the PeerID derived from that key, receives a bootstrap
 * sample, and may then send signals to other admitted peers. The server
 * stamps `from` itself and never looks inside a payload. docs/PROTOCOL.md
 * describes the exchange; every refusal is an `error` frame, and the ones
 * that end the connection also carry a close code.
 */
#include <sodium.h>
#include <libsoup/soup.h>

#include "hormiga-hormiguero.h"
#include "hormiga-identity.h"
#include "hormiga-message.h"
#include "hormiga-peer-id.h"
#include "hormiga-protocol.h"
#include "hormiga-token-bucket.h"
#include "hormiga-wire-error.h"

/* libsoup closes a connection by itself above this size; below it the server
 * answers an oversized frame with an error frame first. */
#define HARD_MAX_INCOMING_PAYLOAD (256 * 1024)

/* Pending TCP connections the kernel keeps for us (it caps this at
 * net.core.somaxconn). */
#define LISTEN_BACKLOG 4096

typedef enum {
  PEER_CHALLENGED,   /* challenge sent, waiting for join */
  PEER_ADMITTED,     /* welcome sent, in the peers table */
  PEER_CLOSING,      /* close sent; frames are ignored */
} PeerState;

typedef struct
{
  HormigaHormiguero       *server;     /* unowned */
  SoupWebsocketConnection *connection;
  PeerState                state;
  guint8                   nonce[HORMIGA_NONCE_LENGTH];
  HormigaPeerId           *peer_id;
  const char              *id;         /* text of peer_id; owned by it */
  guint                    index;      /* position in server->admitted */
  gboolean                 client;     /* joined in client mode: never in a sample */
  HormigaTokenBucket       bucket;
  guint64                  dropped;    /* frames dropped by the rate limit */
  gint64                   last_rate_error_us;
  gint64                   deadline_us;/* handshake deadline */
  gint64                   last_seen_us;
  gint64                   last_ping_us;
  guint64                  ping_seq;
  HormigaLeaveReason       leave_reason;
} Peer;

struct _HormigaHormiguero
{
  GObject               parent_instance;

  GMainContext         *context;
  SoupServer           *soup;
  GHashTable           *connections;  /* SoupWebsocketConnection → Peer (owned) */
  GHashTable           *by_id;        /* const char *id → Peer */
  GPtrArray            *admitted;     /* Peer, for sampling */
  GSource              *tick_source;
  GRand                *rand;
  char                 *address;
  guint16               port;
  HormigaServerMetrics  metrics;

  guint                 max_connections;
  guint                 handshake_timeout_ms;
  guint                 ping_interval_ms;
  guint                 pong_timeout_ms;
  double                rate;
  double                burst;
  guint                 bootstrap_sample;
  gsize                 max_frame_size;
  char                 *web_root;
  GPtrArray            *turn_urls;     /* NULL: no TURN credentials in welcomes */
  char                 *turn_secret;
  guint                 turn_ttl_s;
  char                 *anchor;        /* the server's own node, first in every sample */
};

G_DEFINE_FINAL_TYPE (HormigaHormiguero, hormiga_hormiguero, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_CONTEXT,
  PROP_MAX_CONNECTIONS,
  PROP_HANDSHAKE_TIMEOUT,
  PROP_PING_INTERVAL,
  PROP_PONG_TIMEOUT,
  PROP_RATE,
  PROP_BURST,
  PROP_BOOTSTRAP_SAMPLE,
  PROP_MAX_FRAME_SIZE,
  PROP_WEB_ROOT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  PEER_JOINED,
  PEER_LEFT,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void peer_kick (Peer *peer, HormigaProtocolError code, guint close_code, const char *message);

/* ---- sending ---------------------------------------------------------- */

static void
peer_send (Peer                 *peer,
           const HormigaMessage *message)
{
  HormigaHormiguero *self = peer->server;
  g_autoptr(GBytes) frame = NULL;

  if (soup_websocket_connection_get_state (peer->connection) != SOUP_WEBSOCKET_STATE_OPEN)
    return;

  frame = hormiga_message_encode (message);
  soup_websocket_connection_send_message (peer->connection, SOUP_WEBSOCKET_DATA_BINARY, frame);
  self->metrics.frames_out[message->type]++;
  self->metrics.bytes_out += g_bytes_get_size (frame);
}

static void
peer_send_error (Peer                 *peer,
                 HormigaProtocolError  code,
                 const char           *message,
                 const char           *sid)
{
  g_autoptr(HormigaMessage) error = hormiga_message_new_error (code, message, sid);

  if ((guint) code < HORMIGA_PROTOCOL_ERROR_MAX)
    peer->server->metrics.rejections[code]++;
  peer_send (peer, error);
}

/* ---- admitted set ----------------------------------------------------- */

static void
admitted_remove (HormigaHormiguero *self,
                 Peer              *peer)
{
  Peer *last;

  if (peer->state != PEER_ADMITTED)
    return;

  g_hash_table_remove (self->by_id, peer->id);
  last = g_ptr_array_index (self->admitted, self->admitted->len - 1);
  g_ptr_array_index (self->admitted, peer->index) = last;
  last->index = peer->index;
  g_ptr_array_set_size (self->admitted, self->admitted->len - 1);
  self->metrics.peers_connected--;
  self->metrics.peers_left[peer->leave_reason]++;
  g_signal_emit (self, signals[PEER_LEFT], 0, peer->id);
}

/* A uniform random sample of at most bootstrap_sample admitted peers other
 * than @peer and other than client-mode peers (partial Fisher–Yates over a
 * copy of the indices it needs), headed by the anchor when it is admitted.
 * A client-mode peer (a browser page) takes no part in routing, so a
 * newcomer would only join it through this server for nothing. */
static GPtrArray *
sample_peers (HormigaHormiguero *self,
              Peer              *peer)
{
  Peer *anchor = self->anchor ? g_hash_table_lookup (self->by_id, self->anchor) : NULL;
  GPtrArray *sample = g_ptr_array_new ();
  guint n = self->admitted->len;
  guint want = MIN (self->bootstrap_sample, n);
  g_autoptr(GHashTable) swapped = g_hash_table_new (NULL, NULL);

  for (guint i = 0; i < n && sample->len < want; i++)
    {
      guint j = g_rand_int_range (self->rand, (gint32) i, (gint32) n);
      gpointer at_i = g_hash_table_lookup (swapped, GUINT_TO_POINTER (i + 1));
      gpointer at_j = g_hash_table_lookup (swapped, GUINT_TO_POINTER (j + 1));
      Peer *chosen;

      /* Virtual swap of positions i and j; stored as index+1 so 0 means unset. */
      guint vi = at_i ? GPOINTER_TO_UINT (at_i) - 1 : i;
      guint vj = at_j ? GPOINTER_TO_UINT (at_j) - 1 : j;

      g_hash_table_insert (swapped, GUINT_TO_POINTER (j + 1), GUINT_TO_POINTER (vi + 1));
      chosen = g_ptr_array_index (self->admitted, vj);
      if (chosen != peer && !chosen->client)
        g_ptr_array_add (sample, (gpointer) chosen->id);
    }

  if (anchor != NULL && anchor != peer && self->bootstrap_sample > 0)
    {
      g_ptr_array_remove (sample, (gpointer) anchor->id);
      g_ptr_array_insert (sample, 0, (gpointer) anchor->id);
      if (sample->len > self->bootstrap_sample)
        g_ptr_array_set_size (sample, self->bootstrap_sample);
    }
  return sample;
}

/* A snapshot of every peer, so callers may close peers while walking it. */
static GPtrArray *
all_peers (HormigaHormiguero *self)
{
  GPtrArray *peers = g_ptr_array_sized_new (g_hash_table_size (self->connections));
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->connections);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (peers, value);
  return peers;
}

/* ---- closing ------------------------------------------------------------ */

static void
peer_close (Peer               *peer,
            guint               close_code,
            const char         *reason,
            HormigaLeaveReason  leave_reason)
{
  HormigaHormiguero *self = peer->server;

  if (peer->state == PEER_CLOSING)
    return;

  peer->leave_reason = leave_reason;
  admitted_remove (self, peer);
  peer->state = PEER_CLOSING;

  if (soup_websocket_connection_get_state (peer->connection) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (peer->connection, close_code, reason);
}

static void
peer_kick (Peer                 *peer,
           HormigaProtocolError  code,
           guint                 close_code,
           const char           *message)
{
  g_debug ("closing %s: %s", peer->id ? peer->id : "unadmitted connection", message);
  peer_send_error (peer, code, message, NULL);
  peer_close (peer, close_code, hormiga_protocol_error_to_string (code), HORMIGA_LEAVE_KICKED);
}

static void
peer_free (Peer *peer)
{
  g_signal_handlers_disconnect_by_data (peer->connection, peer);
  g_clear_object (&peer->connection);
  g_clear_pointer (&peer->peer_id, hormiga_peer_id_unref);
  g_free (peer);
}

/* ---- frames ------------------------------------------------------------- */

static void
handle_join (Peer                 *peer,
             const HormigaMessage *join)
{
  HormigaHormiguero *self = peer->server;
  guint8 transcript[HORMIGA_JOIN_TRANSCRIPT_LENGTH];
  g_autoptr(GPtrArray) sample = NULL;
  g_autoptr(HormigaMessage) welcome = NULL;
  HormigaPeerId *peer_id;
  Peer *previous;

  hormiga_protocol_join_transcript (peer->nonce, transcript);

  if (!hormiga_identity_verify (join->join.public_key, transcript, sizeof transcript,
                                join->join.signature))
    {
      peer_kick (peer, HORMIGA_PROTOCOL_ERROR_BAD_SIGNATURE, HORMIGA_CLOSE_BAD_SIGNATURE,
                 "the join signature does not verify with the given key over "
                 "\"" HORMIGA_JOIN_CONTEXT "\" followed by the challenge nonce");
      return;
    }

  peer_id = hormiga_peer_id_new_from_public_key (join->join.public_key);
  peer->peer_id = peer_id;
  peer->id = hormiga_peer_id_to_string (peer_id);

  /* The key is proven: a previous connection of the same PeerID gives way. */
  previous = g_hash_table_lookup (self->by_id, peer->id);
  if (previous != NULL)
    {
      peer_send_error (previous, HORMIGA_PROTOCOL_ERROR_REPLACED,
                       "another connection proved the same key and replaced this one", NULL);
      peer_close (previous, HORMIGA_CLOSE_REPLACED, "replaced", HORMIGA_LEAVE_REPLACED);
    }

  peer->client = join->join.client;
  sample = sample_peers (self, peer);
  peer->state = PEER_ADMITTED;
  peer->index = self->admitted->len;
  g_ptr_array_add (self->admitted, peer);
  g_hash_table_insert (self->by_id, (gpointer) peer->id, peer);
  self->metrics.peers_connected++;
  self->metrics.joins_total++;

  welcome = hormiga_message_new_welcome (peer->id, sample);
  if (self->turn_urls != NULL)
    {
      g_autofree char *username =
        g_strdup_printf ("%" G_GINT64_FORMAT ":%s",
                         g_get_real_time () / G_USEC_PER_SEC + self->turn_ttl_s, peer->id);
      g_autoptr(GHmac) hmac = g_hmac_new (G_CHECKSUM_SHA1, (const guchar *) self->turn_secret,
                                          strlen (self->turn_secret));
      guint8 digest[20];
      gsize length = sizeof digest;
      g_autofree char *credential = NULL;

      g_hmac_update (hmac, (const guchar *) username, (gssize) strlen (username));
      g_hmac_get_digest (hmac, digest, &length);
      credential = g_base64_encode (digest, length);
      hormiga_message_set_welcome_turn (welcome, self->turn_urls, username, credential);
    }
  peer_send (peer, welcome);
  g_signal_emit (self, signals[PEER_JOINED], 0, peer->id);
}

static void
handle_signal (Peer                 *peer,
               const HormigaMessage *signal)
{
  HormigaHormiguero *self = peer->server;
  g_autoptr(HormigaMessage) forward = NULL;
  Peer *target;

  if (signal->signal.from != NULL)
    {
      peer_send_error (peer, HORMIGA_PROTOCOL_ERROR_SPOOFED_FROM,
                       "the server sets `from`; leave it out of signals you send",
                       signal->signal.sid);
      return;
    }

  if (g_bytes_get_size (signal->signal.payload) > HORMIGA_SIGNAL_MAX_PAYLOAD)
    {
      g_autofree char *message =
        g_strdup_printf ("signal payload is %" G_GSIZE_FORMAT " bytes; the limit is %u",
                         g_bytes_get_size (signal->signal.payload), HORMIGA_SIGNAL_MAX_PAYLOAD);
      peer_send_error (peer, HORMIGA_PROTOCOL_ERROR_TOO_LARGE, message, signal->signal.sid);
      return;
    }

  target = g_hash_table_lookup (self->by_id, signal->signal.to);
  if (target == NULL)
    {
      g_autofree char *message = g_strdup_printf ("peer %s is not connected to this server",
                                                  signal->signal.to);
      peer_send_error (peer, HORMIGA_PROTOCOL_ERROR_UNKNOWN_PEER, message, signal->signal.sid);
      return;
    }

  forward = hormiga_message_new_signal (peer->id, signal->signal.to, signal->signal.sid,
                                        signal->signal.payload);
  peer_send (target, forward);
  self->metrics.signals_forwarded++;
}

static gboolean
peer_rate_allows (Peer   *peer,
                  gint64  now_us)
{
  if (hormiga_token_bucket_take (&peer->bucket, 1, now_us))
    return TRUE;

  peer->dropped++;
  if (peer->dropped > (guint64) peer->server->burst)
    {
      peer_kick (peer, HORMIGA_PROTOCOL_ERROR_RATE_LIMITED, HORMIGA_CLOSE_RATE_LIMITED,
                 "too many frames above the rate limit; slow down before reconnecting");
      return FALSE;
    }

  /* At most one error frame a second, so the answer is not a flood too. */
  if (now_us - peer->last_rate_error_us >= G_USEC_PER_SEC)
    {
      g_autofree char *message =
        g_strdup_printf ("rate limit is %.0f frames/s (burst %.0f); frames above it are dropped",
                         peer->server->rate, peer->server->burst);
      peer->last_rate_error_us = now_us;
      peer_send_error (peer, HORMIGA_PROTOCOL_ERROR_RATE_LIMITED, message, NULL);
    }
  return FALSE;
}

static void
on_message (SoupWebsocketConnection *connection,
            int                      data_type,
            GBytes                  *frame,
            gpointer                 user_data)
{
  Peer *peer = user_data;
  HormigaHormiguero *self = peer->server;
  gint64 now_us = g_get_monotonic_time ();
  gsize size = g_bytes_get_size (frame);
  g_autoptr(GError) error = NULL;
  g_autoptr(HormigaMessage) message = NULL;

  g_assert (peer->connection == connection);

  self->metrics.bytes_in += size;
  if (peer->state == PEER_CLOSING)
    return;

  peer->last_seen_us = now_us;

  if (!peer_rate_allows (peer, now_us))
    return;

  if (data_type != SOUP_WEBSOCKET_DATA_BINARY)
    {
      self->metrics.frames_in_invalid++;
      peer_kick (peer, HORMIGA_PROTOCOL_ERROR_MALFORMED, HORMIGA_CLOSE_MALFORMED,
                 "frames must be binary MessagePack envelopes, not text");
      return;
    }

  if (size > self->max_frame_size)
    {
      g_autofree char *text = g_strdup_printf ("frame is %" G_GSIZE_FORMAT " bytes; the limit is %"
                                               G_GSIZE_FORMAT, size, self->max_frame_size);
      self->metrics.frames_in_invalid++;
      peer_kick (peer, HORMIGA_PROTOCOL_ERROR_TOO_LARGE, HORMIGA_CLOSE_TOO_LARGE, text);
      return;
    }

  message = hormiga_message_decode_bytes (frame, NULL, &error);
  if (message == NULL)
    {
      g_autofree char *text = g_strdup_printf ("frame rejected: %s", error->message);

      self->metrics.frames_in_invalid++;
      if (g_error_matches (error, HORMIGA_WIRE_ERROR, HORMIGA_WIRE_ERROR_UNKNOWN_TYPE))
        /* A newer client may know more types: refuse this one and go on. */
        peer_send_error (peer, HORMIGA_PROTOCOL_ERROR_UNEXPECTED, text, NULL);
      else if (g_error_matches (error, HORMIGA_WIRE_ERROR, HORMIGA_WIRE_ERROR_UNSUPPORTED_VERSION))
        peer_kick (peer, HORMIGA_PROTOCOL_ERROR_UNSUPPORTED_VERSION, HORMIGA_CLOSE_PROTOCOL, text);
      else if (g_error_matches (error, HORMIGA_WIRE_ERROR, HORMIGA_WIRE_ERROR_TOO_LARGE))
        peer_kick (peer, HORMIGA_PROTOCOL_ERROR_TOO_LARGE, HORMIGA_CLOSE_TOO_LARGE, text);
      else
        peer_kick (peer, HORMIGA_PROTOCOL_ERROR_MALFORMED, HORMIGA_CLOSE_MALFORMED, text);
      return;
    }

  self->metrics.frames_in[message->type]++;

  if (peer->state == PEER_CHALLENGED)
    {
      if (message->type == HORMIGA_MESSAGE_JOIN)
        handle_join (peer, message);
      else
        peer_kick (peer, HORMIGA_PROTOCOL_ERROR_NOT_ADMITTED, HORMIGA_CLOSE_PROTOCOL,
                   "answer the challenge with a join before sending anything else");
      return;
    }

  switch (message->type)
    {
    case HORMIGA_MESSAGE_SIGNAL:
      handle_signal (peer, message);
      break;

    case HORMIGA_MESSAGE_PONG:
      /* last_seen_us is already updated. */
      break;

    case HORMIGA_MESSAGE_PING:
      {
        g_autoptr(HormigaMessage) pong = hormiga_message_new_pong (message->ping.seq);
        peer_send (peer, pong);
      }
      break;

    case HORMIGA_MESSAGE_ERROR:
      g_debug ("%s reports error %u: %s", peer->id, message->error.code, message->error.message);
      break;

    case HORMIGA_MESSAGE_JOIN:
    case HORMIGA_MESSAGE_CHALLENGE:
    case HORMIGA_MESSAGE_WELCOME:
    case HORMIGA_MESSAGE_N_TYPES:
    default:
      {
        g_autofree char *text = g_strdup_printf ("a client does not send `%s` once admitted",
                                                 hormiga_message_type_to_string (message->type));
        peer_send_error (peer, HORMIGA_PROTOCOL_ERROR_UNEXPECTED, text, NULL);
      }
      break;
    }
}

static void
on_closed (SoupWebsocketConnection *connection,
           gpointer                 user_data)
{
  Peer *peer = user_data;
  HormigaHormiguero *self = peer->server;

  if (peer->state != PEER_CLOSING)
    peer->leave_reason = HORMIGA_LEAVE_CLOSED;
  admitted_remove (self, peer);
  peer->state = PEER_CLOSING;
  self->metrics.connections_open--;
  g_hash_table_remove (self->connections, connection);
}

static void
on_error (SoupWebsocketConnection *connection,
          GError                  *error,
          gpointer                 user_data)
{
  Peer *peer = user_data;

  g_debug ("connection of %s: %s", peer->id ? peer->id : "unadmitted peer", error->message);
}

static void
on_websocket (SoupServer              *soup,
              SoupServerMessage       *msg,
              const char              *path,
              SoupWebsocketConnection *connection,
              gpointer                 user_data)
{
  HormigaHormiguero *self = user_data;
  g_autoptr(HormigaMessage) challenge = NULL;
  gint64 now_us = g_get_monotonic_time ();
  Peer *peer = g_new0 (Peer, 1);

  peer->server = self;
  peer->connection = g_object_ref (connection);
  peer->state = PEER_CHALLENGED;
  peer->deadline_us = now_us + (gint64) self->handshake_timeout_ms * 1000;
  peer->last_seen_us = now_us;
  peer->last_ping_us = now_us;
  hormiga_token_bucket_init (&peer->bucket, self->rate, self->burst, now_us);

  soup_websocket_connection_set_max_incoming_payload_size (connection,
                                                           MAX (HARD_MAX_INCOMING_PAYLOAD,
                                                                self->max_frame_size + 1));
  soup_websocket_connection_set_keepalive_interval (connection,
                                                    MAX (1, self->ping_interval_ms / 1000));
  /* libsoup ≥ 3.6 can also time out unanswered WebSocket pings. */
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (connection), "keepalive-pong-timeout"))
    g_object_set (connection, "keepalive-pong-timeout",
                  MAX (1u, self->pong_timeout_ms / 1000), NULL);

  g_signal_connect (connection, "message", G_CALLBACK (on_message), peer);
  g_signal_connect (connection, "closed", G_CALLBACK (on_closed), peer);
  g_signal_connect (connection, "error", G_CALLBACK (on_error), peer);
  g_hash_table_insert (self->connections, connection, peer);
  self->metrics.connections_total++;
  self->metrics.connections_open++;

  if (self->metrics.connections_open > self->max_connections)
    {
      peer_kick (peer, HORMIGA_PROTOCOL_ERROR_SERVER_FULL, HORMIGA_CLOSE_SERVER_FULL,
                 "the server has reached its connection limit; try again later");
      return;
    }

  randombytes_buf (peer->nonce, sizeof peer->nonce);
  challenge = hormiga_message_new_challenge (peer->nonce, "hormiguero/" PACKAGE_VERSION);
  peer_send (peer, challenge);
}

/* ---- timers ------------------------------------------------------------- */

static gboolean
on_tick (gpointer user_data)
{
  HormigaHormiguero *self = user_data;
  gint64 now_us = g_get_monotonic_time ();
  gint64 ping_us = (gint64) self->ping_interval_ms * 1000;
  gint64 dead_us = ping_us + (gint64) self->pong_timeout_ms * 1000;
  g_autoptr(GPtrArray) peers = all_peers (self);

  for (guint i = 0; i < peers->len; i++)
    {
      Peer *peer = g_ptr_array_index (peers, i);

      switch (peer->state)
        {
        case PEER_CHALLENGED:
          if (now_us >= peer->deadline_us)
            peer_kick (peer, HORMIGA_PROTOCOL_ERROR_HANDSHAKE_TIMEOUT, HORMIGA_CLOSE_HANDSHAKE_TIMEOUT,
                       "no valid join arrived in time after the challenge");
          break;

        case PEER_ADMITTED:
          if (now_us - peer->last_seen_us >= dead_us)
            {
              peer_send_error (peer, HORMIGA_PROTOCOL_ERROR_PONG_TIMEOUT,
                               "no frame or pong arrived in time; closing", NULL);
              peer_close (peer, HORMIGA_CLOSE_PONG_TIMEOUT, "pong-timeout",
                          HORMIGA_LEAVE_PONG_TIMEOUT);
            }
          else if (now_us - peer->last_seen_us >= ping_us && now_us - peer->last_ping_us >= ping_us)
            {
              g_autoptr(HormigaMessage) ping = hormiga_message_new_ping (++peer->ping_seq);
              peer->last_ping_us = now_us;
              peer_send (peer, ping);
            }
          break;

        case PEER_CLOSING:
        default:
          break;
        }
    }

  return G_SOURCE_CONTINUE;
}

/* ---- HTTP endpoints ----------------------------------------------------- */

static void
respond_text (SoupServerMessage *msg,
              guint              status,
              const char        *content_type,
              const char        *body)
{
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, content_type, SOUP_MEMORY_COPY, body, strlen (body));
}

static void
on_healthz (SoupServer        *soup,
            SoupServerMessage *msg,
            const char        *path,
            GHashTable        *query,
            gpointer           user_data)
{
  respond_text (msg, SOUP_STATUS_OK, "text/plain; charset=utf-8", "ok\n");
}

static void
on_metrics (SoupServer        *soup,
            SoupServerMessage *msg,
            const char        *path,
            GHashTable        *query,
            gpointer           user_data)
{
  HormigaHormiguero *self = user_data;
  g_autofree char *text = hormiga_server_metrics_render (&self->metrics);

  respond_text (msg, SOUP_STATUS_OK, "text/plain; version=0.0.4; charset=utf-8", text);
}

static void
on_static (SoupServer        *soup,
           SoupServerMessage *msg,
           const char        *path,
           GHashTable        *query,
           gpointer           user_data)
{
  HormigaHormiguero *self = user_data;
  const char *method = soup_server_message_get_method (msg);
  g_autoptr(GFile) root = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GBytes) contents = NULL;
  g_autofree char *content_type = NULL;
  g_autofree char *relative = NULL;

  if (g_strcmp0 (method, "GET") != 0 && g_strcmp0 (method, "HEAD") != 0)
    {
      respond_text (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "text/plain", "method not allowed\n");
      return;
    }

  if (self->web_root == NULL)
    {
      if (g_str_equal (path, "/"))
        respond_text (msg, SOUP_STATUS_OK, "text/plain; charset=utf-8",
                      "hormiguero " PACKAGE_VERSION ": Hormiga signaling server.\n"
                      "WebSocket: /ws  health: /healthz  metrics: /metrics\n");
      else
        respond_text (msg, SOUP_STATUS_NOT_FOUND, "text/plain", "not found\n");
      return;
    }

  /* Resolve inside the root and refuse anything that leaves it. */
  root = g_file_new_for_path (self->web_root);
  relative = g_strdup (path + strspn (path, "/"));
  if (*relative == '\0' || g_str_has_suffix (path, "/"))
    {
      g_autofree char *with_index = g_strconcat (relative, "index.html", NULL);
      g_free (relative);
      relative = g_steal_pointer (&with_index);
    }
  file = g_file_resolve_relative_path (root, relative);
  if (!g_file_has_prefix (file, root) ||
      g_file_query_file_type (file, G_FILE_QUERY_INFO_NONE, NULL) != G_FILE_TYPE_REGULAR)
    {
      respond_text (msg, SOUP_STATUS_NOT_FOUND, "text/plain", "not found\n");
      return;
    }

  contents = g_file_load_bytes (file, NULL, NULL, NULL);
  if (contents == NULL)
    {
      respond_text (msg, SOUP_STATUS_NOT_FOUND, "text/plain", "not found\n");
      return;
    }

  {
    g_autofree char *basename = g_file_get_basename (file);
    g_autofree char *guess = g_content_type_guess (basename, NULL, 0, NULL);
    g_autofree char *mime = g_content_type_get_mime_type (guess);
    content_type = g_strdup (mime ? mime : "application/octet-stream");
  }
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, content_type, SOUP_MEMORY_COPY,
                                    g_bytes_get_data (contents, NULL),
                                    g_bytes_get_size (contents));
}

/* ---- GObject ------------------------------------------------------------ */

static void
hormiga_hormiguero_constructed (GObject *object)
{
  HormigaHormiguero *self = HORMIGA_HORMIGUERO (object);
  guint tick_ms;

  G_OBJECT_CLASS (hormiga_hormiguero_parent_class)->constructed (object);

  if (self->context == NULL)
    self->context = g_main_context_ref_thread_default ();

  g_main_context_push_thread_default (self->context);
  self->soup = soup_server_new ("server-header", "hormiguero/" PACKAGE_VERSION, NULL);
  soup_server_add_websocket_handler (self->soup, "/ws", NULL, NULL, on_websocket, self, NULL);
  soup_server_add_handler (self->soup, "/healthz", on_healthz, self, NULL);
  soup_server_add_handler (self->soup, "/metrics", on_metrics, self, NULL);
  soup_server_add_handler (self->soup, NULL, on_static, self, NULL);
  g_main_context_pop_thread_default (self->context);

  tick_ms = MIN (self->handshake_timeout_ms, MIN (self->ping_interval_ms, self->pong_timeout_ms)) / 4;
  self->tick_source = g_timeout_source_new (CLAMP (tick_ms, 20, 1000));
  g_source_set_callback (self->tick_source, on_tick, self, NULL);
  g_source_set_static_name (self->tick_source, "[hormiguero] tick");
  g_source_attach (self->tick_source, self->context);
}

static void
hormiga_hormiguero_dispose (GObject *object)
{
  HormigaHormiguero *self = HORMIGA_HORMIGUERO (object);

  if (self->tick_source != NULL)
    {
      g_source_destroy (self->tick_source);
      g_clear_pointer (&self->tick_source, g_source_unref);
    }
  if (self->soup != NULL)
    soup_server_disconnect (self->soup);
  g_clear_pointer (&self->connections, g_hash_table_unref);
  g_clear_object (&self->soup);

  G_OBJECT_CLASS (hormiga_hormiguero_parent_class)->dispose (object);
}

static void
hormiga_hormiguero_finalize (GObject *object)
{
  HormigaHormiguero *self = HORMIGA_HORMIGUERO (object);

  g_clear_pointer (&self->by_id, g_hash_table_unref);
  g_clear_pointer (&self->admitted, g_ptr_array_unref);
  g_clear_pointer (&self->rand, g_rand_free);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_free (self->address);
  g_free (self->web_root);
  g_clear_pointer (&self->turn_urls, g_ptr_array_unref);
  g_free (self->turn_secret);
  g_free (self->anchor);

  G_OBJECT_CLASS (hormiga_hormiguero_parent_class)->finalize (object);
}

static void
hormiga_hormiguero_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  HormigaHormiguero *self = HORMIGA_HORMIGUERO (object);

  switch (prop_id)
    {
    case PROP_CONTEXT:           g_value_set_boxed (value, self->context); break;
    case PROP_MAX_CONNECTIONS:   g_value_set_uint (value, self->max_connections); break;
    case PROP_HANDSHAKE_TIMEOUT: g_value_set_uint (value, self->handshake_timeout_ms); break;
    case PROP_PING_INTERVAL:     g_value_set_uint (value, self->ping_interval_ms); break;
    case PROP_PONG_TIMEOUT:      g_value_set_uint (value, self->pong_timeout_ms); break;
    case PROP_RATE:              g_value_set_double (value, self->rate); break;
    case PROP_BURST:             g_value_set_double (value, self->burst); break;
    case PROP_BOOTSTRAP_SAMPLE:  g_value_set_uint (value, self->bootstrap_sample); break;
    case PROP_MAX_FRAME_SIZE:    g_value_set_uint (value, (guint) self->max_frame_size); break;
    case PROP_WEB_ROOT:          g_value_set_string (value, self->web_root); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hormiga_hormiguero_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  HormigaHormiguero *self = HORMIGA_HORMIGUERO (object);

  switch (prop_id)
    {
    case PROP_CONTEXT:
      self->context = g_value_dup_boxed (value);
      break;
    case PROP_MAX_CONNECTIONS:   self->max_connections = g_value_get_uint (value); break;
    case PROP_HANDSHAKE_TIMEOUT: self->handshake_timeout_ms = g_value_get_uint (value); break;
    case PROP_PING_INTERVAL:     self->ping_interval_ms = g_value_get_uint (value); break;
    case PROP_PONG_TIMEOUT:      self->pong_timeout_ms = g_value_get_uint (value); break;
    case PROP_RATE:              self->rate = g_value_get_double (value); break;
    case PROP_BURST:             self->burst = g_value_get_double (value); break;
    case PROP_BOOTSTRAP_SAMPLE:  self->bootstrap_sample = g_value_get_uint (value); break;
    case PROP_MAX_FRAME_SIZE:    self->max_frame_size = g_value_get_uint (value); break;
    case PROP_WEB_ROOT:
      g_free (self->web_root);
      self->web_root = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hormiga_hormiguero_class_init (HormigaHormigueroClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags construct = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS;

  object_class->constructed = hormiga_hormiguero_constructed;
  object_class->dispose = hormiga_hormiguero_dispose;
  object_class->finalize = hormiga_hormiguero_finalize;
  object_class->get_property = hormiga_hormiguero_get_property;
  object_class->set_property = hormiga_hormiguero_set_property;

  properties[PROP_CONTEXT] =
    g_param_spec_boxed ("context", NULL, NULL, G_TYPE_MAIN_CONTEXT, construct);
  properties[PROP_MAX_CONNECTIONS] =
    g_param_spec_uint ("max-connections", NULL, NULL, 1, G_MAXUINT,
                       HORMIGUERO_DEFAULT_MAX_CONNECTIONS, construct);
  properties[PROP_HANDSHAKE_TIMEOUT] =
    g_param_spec_uint ("handshake-timeout", NULL, NULL, 10, G_MAXUINT,
                       HORMIGUERO_DEFAULT_HANDSHAKE_TIMEOUT, construct);
  properties[PROP_PING_INTERVAL] =
    g_param_spec_uint ("ping-interval", NULL, NULL, 10, G_MAXUINT,
                       HORMIGUERO_DEFAULT_PING_INTERVAL, construct);
  properties[PROP_PONG_TIMEOUT] =
    g_param_spec_uint ("pong-timeout", NULL, NULL, 10, G_MAXUINT,
                       HORMIGUERO_DEFAULT_PONG_TIMEOUT, construct);
  properties[PROP_RATE] =
    g_param_spec_double ("rate", NULL, NULL, 0.001, G_MAXDOUBLE,
                         HORMIGUERO_DEFAULT_RATE, construct);
  properties[PROP_BURST] =
    g_param_spec_double ("burst", NULL, NULL, 1, G_MAXDOUBLE,
                         HORMIGUERO_DEFAULT_BURST, construct);
  properties[PROP_BOOTSTRAP_SAMPLE] =
    g_param_spec_uint ("bootstrap-sample", NULL, NULL, 0, HORMIGA_WELCOME_MAX_PEERS,
                       HORMIGUERO_DEFAULT_BOOTSTRAP_SAMPLE, construct);
  properties[PROP_MAX_FRAME_SIZE] =
    g_param_spec_uint ("max-frame-size", NULL, NULL, 1024, HORMIGA_WIRE_DEFAULT_MAX_FRAME_SIZE,
                       HORMIGA_WIRE_DEFAULT_MAX_FRAME_SIZE, construct);
  properties[PROP_WEB_ROOT] =
    g_param_spec_string ("web-root", NULL, NULL, NULL, construct);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * HormigaHormiguero::peer-joined:
   * @id: the PeerID text of the admitted peer
   */
  signals[PEER_JOINED] =
    g_signal_new ("peer-joined", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  /**
   * HormigaHormiguero::peer-left:
   * @id: the PeerID text of the peer that left
   */
  signals[PEER_LEFT] =
    g_signal_new ("peer-left", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  if (sodium_init () < 0)
    g_error ("libsodium failed to initialise");
}

static void
hormiga_hormiguero_init (HormigaHormiguero *self)
{
  self->connections = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) peer_free);
  self->by_id = g_hash_table_new (g_str_hash, g_str_equal);
  self->admitted = g_ptr_array_new ();
  self->rand = g_rand_new ();
}

HormigaHormiguero *
hormiga_hormiguero_new (GMainContext *context)
{
  return g_object_new (HORMIGA_TYPE_HORMIGUERO, "context", context, NULL);
}

void
hormiga_hormiguero_set_anchor (HormigaHormiguero *self,
                               const char        *peer_id)
{
  g_return_if_fail (HORMIGA_IS_HORMIGUERO (self));

  g_free (self->anchor);
  self->anchor = g_strdup (peer_id);
}

gboolean
hormiga_hormiguero_listen (HormigaHormiguero  *self,
                           const char         *address,
                           guint16             port,
                           GError            **error)
{
  g_autoptr(GInetAddress) inet = NULL;
  g_autoptr(GSocketAddress) socket_address = NULL;
  g_autoptr(GSocket) listener = NULL;
  GSList *listeners;
  gboolean ok;

  g_return_val_if_fail (HORMIGA_IS_HORMIGUERO (self), FALSE);
  g_return_val_if_fail (address != NULL, FALSE);

  inet = g_inet_address_new_from_string (address);
  if (inet == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "“%s” is not an IP address; give a literal such as 127.0.0.1 or ::1",
                   address);
      return FALSE;
    }

  socket_address = g_inet_socket_address_new (inet, port);

  /* Our own socket, for a listen backlog that absorbs a crowd arriving at
   * once (GLib's default of 10 makes the rest wait for SYN retries). */
  listener = g_socket_new (g_inet_address_get_family (inet), G_SOCKET_TYPE_STREAM,
                           G_SOCKET_PROTOCOL_TCP, error);
  if (listener == NULL)
    return FALSE;
  g_socket_set_listen_backlog (listener, LISTEN_BACKLOG);
  if (!g_socket_bind (listener, socket_address, TRUE, error) || !g_socket_listen (listener, error))
    return FALSE;

  g_main_context_push_thread_default (self->context);
  ok = soup_server_listen_socket (self->soup, listener, 0, error);
  g_main_context_pop_thread_default (self->context);
  if (!ok)
    return FALSE;

  listeners = soup_server_get_listeners (self->soup);
  for (GSList *l = listeners; l != NULL; l = l->next)
    {
      g_autoptr(GSocketAddress) local = g_socket_get_local_address (l->data, NULL);

      if (G_IS_INET_SOCKET_ADDRESS (local))
        self->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
    }
  g_slist_free (listeners);

  g_free (self->address);
  self->address = g_inet_address_to_string (inet);
  return TRUE;
}

void
hormiga_hormiguero_set_turn (HormigaHormiguero  *self,
                             const char * const *urls,
                             const char         *secret,
                             guint               ttl_s)
{
  g_return_if_fail (HORMIGA_IS_HORMIGUERO (self));
  g_return_if_fail (urls != NULL && urls[0] != NULL && g_strv_length ((GStrv) urls) <= 4);
  g_return_if_fail (secret != NULL && secret[0] != '\0' && ttl_s > 0);

  g_clear_pointer (&self->turn_urls, g_ptr_array_unref);
  self->turn_urls = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; urls[i] != NULL; i++)
    g_ptr_array_add (self->turn_urls, g_strdup (urls[i]));
  g_free (self->turn_secret);
  self->turn_secret = g_strdup (secret);
  self->turn_ttl_s = ttl_s;
}

guint16
hormiga_hormiguero_get_port (HormigaHormiguero *self)
{
  g_return_val_if_fail (HORMIGA_IS_HORMIGUERO (self), 0);

  return self->port;
}

char *
hormiga_hormiguero_dup_ws_url (HormigaHormiguero *self)
{
  g_return_val_if_fail (HORMIGA_IS_HORMIGUERO (self), NULL);

  if (self->address == NULL)
    return NULL;
  if (strchr (self->address, ':') != NULL)
    return g_strdup_printf ("ws://[%s]:%u/ws", self->address, self->port);
  return g_strdup_printf ("ws://%s:%u/ws", self->address, self->port);
}

guint
hormiga_hormiguero_get_n_peers (HormigaHormiguero *self)
{
  g_return_val_if_fail (HORMIGA_IS_HORMIGUERO (self), 0);

  return self->admitted->len;
}

const HormigaServerMetrics *
hormiga_hormiguero_get_metrics (HormigaHormiguero *self)
{
  g_return_val_if_fail (HORMIGA_IS_HORMIGUERO (self), NULL);

  return &self->metrics;
}

void
hormiga_hormiguero_shutdown (HormigaHormiguero *self)
{
  g_autoptr(GPtrArray) peers = NULL;

  g_return_if_fail (HORMIGA_IS_HORMIGUERO (self));

  peers = all_peers (self);
  for (guint i = 0; i < peers->len; i++)
    peer_close (g_ptr_array_index (peers, i), HORMIGA_CLOSE_GOING_AWAY,
                "server shutting down", HORMIGA_LEAVE_SHUTDOWN);
  soup_server_disconnect (self->soup);
}
