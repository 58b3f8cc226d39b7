/* hormiga-node.c — a Hormiga node: signaling, peer connections and the DHT
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each peer connection the node knows is a Link, kept under its Peer (the
 * PeerID at the other end). A peer usually has one link; two nodes that
 * connect to each other at the same moment get two, and both carry DHT
 * messages (whichever the peer used last) until the connection limit
 * closes the idle one. DHT messages for a peer with no open link wait in
 * the Peer's queue and leave, in order, on the first link whose DHT
 * channel opens. The Peer also keeps our requests until they are answered
 * or time out: the limit spares a link with one in flight, and they are
 * sent again (once) when the peer closes the link they went on.
 *
 * Nothing is torn down where it is noticed: a send can fail a connection
 * at once, and a close can come in the middle of a DHT call. A link that
 * ends is only marked (link_end()) and is forgotten from an idle source
 * (link_drop()); losses reach the DHT from another idle source, and
 * connections are closed from a third. So the DHT core is never
 * re-entered, and no link is freed under the code that uses it.
 *
 * Signalling through the overlay: a node that names a peer in a DHT
 * response (nodes, value, providers) is remembered as that peer's referrer;
 * a connection to the peer is then negotiated through the referrer, if the
 * node is still connected to it, by `relay` messages on the DHT channel.
 * A relay for someone else goes on to them if we are connected, else to
 * the connected node closest to them (if closer than us) while its hop
 * limit allows; one we cannot pass on is answered with a `bye` for its
 * session, so its sender falls back to hormiguero at once instead of
 * waiting for HORMIGA_NODE_OVERLAY_SETUP_TIMEOUT_MS.
 *
 * Display names: a node with one says it in a `hello` on every DHT channel
 * as it opens, and again on every open one when it changes (an empty hello
 * when it is cleared). The names heard are kept by PeerID, beyond the
 * connection, for at most HORMIGA_NODE_MAX_NAMES peers.
 *
 * STUN and TURN servers: those configured (set_ice_servers()) and those
 * hormiguero's last welcome named, with its short-lived credentials, in
 * that order. Host names are resolved once per run, off the dispatch
 * (GResolver); the connector gets the servers with an address, for the
 * connections made from then on, again whenever a list changes or a name
 * resolves.
 *
 * A lookup proxy while the node is new: before each lookup it starts
 * (find, get, providers; a client-mode node's bootstrap), the node counts
 * its open connections to peers in its routing table (server-mode peers:
 * client-mode ones never enter it); below proxy-connections
 * (HORMIGA_NODE_PROXY_CONNECTIONS by default; max-connections if lower),
 * the DHT sends the lookup as one request to the node's first contingent
 * (set by the contingency service), else to the first peer of its last
 * welcome (the peer it bootstrapped through; hormiguero's own node when
 * it runs one), else runs it itself. The DHT falls back to running it
 * itself when the proxy fails (hormiga-dht.h).
 */
#include <sodium.h>

#include "hormiga-certificate.h"
#include "hormiga-data-channel.h"
#include "hormiga-dht-error.h"
#include "hormiga-dht-message.h"
#include "hormiga-ice-server.h"
#include "hormiga-node.h"
#include "hormiga-peer-connection.h"
#include "hormiga-rtc-error.h"
#include "hormiga-rtc-signal.h"


typedef struct _Peer Peer;

typedef struct
{
  HormigaNode           *node;        /* unowned */
  Peer                  *peer;        /* unowned: the peer holds the link */
  HormigaPeerConnection *pc;
  HormigaDataChannel    *channel;     /* the negotiated "hormiga-dht" channel */
  gboolean               incoming;
  gboolean               overlay;     /* negotiated through the overlay */
  HormigaPeerId         *via;         /* overlay: the node its signals go through */
  char                  *group;       /* the peer's network group, for the DHT's diversity limits */
  gboolean               pinned;      /* someone else opened it: never evicted */
  gboolean               open;
  gboolean               ending;      /* link_end() was called: gone at the next idle */
  gboolean               was_open;
  gboolean               evicted;
  gint64                 last_used;   /* monotonic µs of the last message either way */
  gint64                 last_heard;  /* monotonic µs it opened or last brought a message */
  gint64                 opened_at;   /* real µs its channel opened */
  GSource               *setup_timeout;
  guint64                messages_sent;
  guint64                messages_received;
  guint64                bytes_sent;
  guint64                bytes_received;
  GPtrArray             *services;    /* HormigaDataChannel per registered service, in order */
} Link;

/* The way back for the signals of a session negotiated through the
 * overlay: the node that relayed them to us, or that we relay them
 * through. */
typedef struct
{
  HormigaNode   *node;       /* unowned: the connector, which holds routes, dies first */
  HormigaPeerId *via;
} Route;

struct _Peer
{
  HormigaPeerId *id;
  GPtrArray     *links;      /* Link, owned */
  GQueue         queue;      /* GBytes: DHT messages waiting for an open link */
  GHashTable    *requests;   /* our requests in flight: id → Request */
  GPtrArray     *waiting;    /* GTask of hormiga_node_connect_async() */
};

/* A channel every connection carries besides the DHT's. */
typedef struct
{
  guint16  id;
  char    *label;
} Service;

/* A request of ours the peer has not answered yet. */
typedef struct
{
  gint64   deadline;   /* monotonic ms: the DHT has given up on it by then */
  GBytes  *bytes;
  gboolean resent;
} Request;

/* A DHT call behind one of the _async methods. */
typedef struct
{
  HormigaNode   *node;       /* unowned: the task holds a reference */
  GTask         *task;
  HormigaPeerId *target;     /* find: whom we look for */
} Operation;

typedef struct
{
  GBytes *value;
  guint   hops;
} GetResult;

struct _HormigaNode
{
  GObject                 parent_instance;

  GMainContext           *context;
  HormigaIdentity        *identity;
  HormigaCertificate     *certificate;
  HormigaSignalingClient *signaling;
  GPtrArray              *servers;      /* HormigaSignalingClient: other hormigueros joined */
  HormigaRtcConnector    *connector;
  HormigaDht             *dht;
  HormigaDhtConfig        dht_config;

  GHashTable             *peers;        /* PeerID text → Peer */
  GHashTable             *lost;         /* PeerID text → HormigaPeerId: to report to the DHT */
  GSource                *lost_source;
  GPtrArray              *closing;      /* HormigaPeerConnection: to close from an idle */
  GSource                *closing_source;
  GPtrArray              *ending;       /* Link: ended, to forget from an idle */
  GSource                *ending_source;
  GSource                *tick_source;
  gint64                  tick_at;      /* when it fires, the DHT's clock (ms) */
  GPtrArray              *operations;   /* Operation in flight */
  GHashTable             *referrers;    /* PeerID text → HormigaPeerId that named it */
  GSource                *changed_source;
  GArray                 *services;     /* Service */
  gint64                  relay_second; /* monotonic s of the relays counted below */
  guint                   relays_in_second;

  guint                   max_connections;
  guint                   proxy_connections; /* below this many, lookups go to a proxy */
  guint64                 last_seq;     /* of our mutable records */
  gboolean                connecting;   /* inside our own hormiga_rtc_connector_connect() */
  HormigaPeerId          *routing_via;  /* set while a session through the overlay starts */
  HormigaPeerId          *bootstrap_peer; /* the first peer of the last welcome */
  HormigaPeerId          *contingent;   /* our first contingent, a lookup proxy */
  gboolean                stopped;
  HormigaNodeCounters     counters;
  char                   *display_name; /* ours, NULL for none */
  GHashTable             *names;        /* PeerID text → the display name it said */
  GPtrArray              *ice_configured; /* HormigaIceServer, as set */
  GPtrArray              *ice_welcome;    /* HormigaIceServer, from hormiguero's welcome */
  GHashTable             *ice_addresses;  /* host name → the IP address it resolved to */
  GHashTable             *ice_resolving;  /* host names being resolved */
  GCancellable           *ice_cancellable; /* of those resolutions */
};

G_DEFINE_FINAL_TYPE (HormigaNode, hormiga_node, G_TYPE_OBJECT)

enum {
  DHT_READY,
  CONNECTIONS_CHANGED,
  CHANNEL_OPEN,
  CHANNEL_CLOSED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void     enforce_limit (HormigaNode *self);
static void     ice_take_welcome (HormigaNode *self);
static gboolean link_ready    (Link        *link);
static void reschedule    (HormigaNode *self);

/* ---- idle work ------------------------------------------------------------ */

static GSource *
attach_idle (HormigaNode *self,
             GSourceFunc  func)
{
  GSource *source = g_idle_source_new ();

  g_source_set_callback (source, func, self, NULL);
  g_source_attach (source, self->context);
  return source;
}

static void
clear_source (GSource **source)
{
  if (*source == NULL)
    return;
  g_source_destroy (*source);
  g_clear_pointer (source, g_source_unref);
}

static gboolean
on_changed_idle (gpointer user_data)
{
  HormigaNode *self = user_data;

  g_clear_pointer (&self->changed_source, g_source_unref);
  g_signal_emit (self, signals[CONNECTIONS_CHANGED], 0);
  return G_SOURCE_REMOVE;
}

/* ::connections-changed, once for everything that changes before the next
 * idle. */
static void
connections_changed (HormigaNode *self)
{
  if (self->changed_source == NULL && !self->stopped)
    self->changed_source = attach_idle (self, on_changed_idle);
}

static void
close_pending_connections (HormigaNode *self)
{
  g_autoptr(GPtrArray) closing = g_steal_pointer (&self->closing);

  self->closing = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < closing->len; i++)
    hormiga_peer_connection_close (g_ptr_array_index (closing, i));
}

static gboolean
on_closing_idle (gpointer user_data)
{
  HormigaNode *self = user_data;

  g_clear_pointer (&self->closing_source, g_source_unref);
  close_pending_connections (self);
  return G_SOURCE_REMOVE;
}

static void
close_later (HormigaNode           *self,
             HormigaPeerConnection *pc)
{
  g_ptr_array_add (self->closing, g_object_ref (pc));
  if (self->closing_source == NULL)
    self->closing_source = attach_idle (self, on_closing_idle);
}

/* Peers whose last link went: their requests fail now, unless a new link
 * to them appeared meanwhile. */
static gboolean
on_lost_idle (gpointer user_data)
{
  HormigaNode *self = user_data;
  g_autoptr(GHashTable) lost = g_steal_pointer (&self->lost);
  GHashTableIter iter;
  gpointer key, peer;

  g_clear_pointer (&self->lost_source, g_source_unref);
  self->lost = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                      (GDestroyNotify) hormiga_peer_id_unref);
  g_hash_table_iter_init (&iter, lost);
  while (g_hash_table_iter_next (&iter, &key, &peer))
    if (self->dht != NULL && !g_hash_table_contains (self->peers, key))
      hormiga_dht_peer_lost (self->dht, peer);
  reschedule (self);
  return G_SOURCE_REMOVE;
}

static void
report_lost (HormigaNode         *self,
             const HormigaPeerId *peer)
{
  g_hash_table_replace (self->lost, g_strdup (hormiga_peer_id_to_string (peer)),
                        hormiga_peer_id_ref ((HormigaPeerId *) peer));
  if (self->lost_source == NULL)
    self->lost_source = attach_idle (self, on_lost_idle);
}

/* ---- peers and links ---------------------------------------------------------- */

static void
link_free (Link *link)
{
  HormigaNode *self = link->node;

  clear_source (&link->setup_timeout);
  g_clear_pointer (&link->via, hormiga_peer_id_unref);
  g_free (link->group);
  for (guint i = 0; i < link->services->len; i++)
    g_signal_handlers_disconnect_by_data (g_ptr_array_index (link->services, i), link);
  g_ptr_array_unref (link->services);
  g_signal_handlers_disconnect_by_data (link->channel, link);
  if (hormiga_peer_connection_get_state (link->pc) != HORMIGA_PEER_CONNECTION_CLOSED)
    close_later (self, link->pc);
  g_object_unref (link->channel);
  g_object_unref (link->pc);
  g_free (link);
}

static void
request_free (Request *request)
{
  g_bytes_unref (request->bytes);
  g_free (request);
}

/* Ends hormiga_node_connect_async() calls: with success, or @error. */
static void
peer_end_waiting (Peer         *peer,
                  const GError *error)
{
  g_autoptr(GPtrArray) waiting = g_steal_pointer (&peer->waiting);

  peer->waiting = g_ptr_array_new ();
  for (guint i = 0; i < waiting->len; i++)
    {
      g_autoptr(GTask) task = g_ptr_array_index (waiting, i);

      if (error != NULL)
        g_task_return_error (task, g_error_copy (error));
      else
        g_task_return_boolean (task, TRUE);
    }
}

static void
peer_free (Peer *peer)
{
  if (peer->waiting->len > 0)
    {
      g_autoptr(GError) error = g_error_new (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                             "the node has stopped");

      peer_end_waiting (peer, error);
    }
  g_ptr_array_unref (peer->waiting);
  g_ptr_array_unref (peer->links);
  g_queue_clear_full (&peer->queue, (GDestroyNotify) g_bytes_unref);
  g_hash_table_unref (peer->requests);
  hormiga_peer_id_unref (peer->id);
  g_free (peer);
}

static Peer *
peer_new (HormigaNode   *self,
          HormigaPeerId *id)
{
  Peer *peer = g_new0 (Peer, 1);

  peer->id = hormiga_peer_id_ref (id);
  peer->links = g_ptr_array_new_with_free_func ((GDestroyNotify) link_free);
  g_queue_init (&peer->queue);
  peer->requests = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) request_free);
  peer->waiting = g_ptr_array_new ();
  g_hash_table_insert (self->peers, g_strdup (hormiga_peer_id_to_string (id)), peer);
  return peer;
}

/* The open link to send on: of two, the one the peer used last. A link
 * the peer has closed looks open here until we hear of it; one it has
 * just sent on is alive (and a response then goes back the way its
 * request came). */
static Link *
open_link_of (Peer *peer)
{
  Link *best = NULL;

  for (guint i = 0; i < peer->links->len; i++)
    {
      Link *link = g_ptr_array_index (peer->links, i);

      if (link->open && (best == NULL || link->last_heard > best->last_heard))
        best = link;
    }
  return best;
}

/* Links open or being set up, not ended. */
static guint
live_links (Peer *peer)
{
  guint n = 0;

  for (guint i = 0; i < peer->links->len; i++)
    n += !((Link *) g_ptr_array_index (peer->links, i))->ending;
  return n;
}

static gint64
now_ms (void)
{
  return g_get_monotonic_time () / 1000;
}

/* Our requests to @peer that may still be answered. */
static gboolean
has_requests_in_flight (Peer *peer)
{
  GHashTableIter iter;
  gpointer request;
  gint64 now = now_ms ();

  g_hash_table_iter_init (&iter, peer->requests);
  while (g_hash_table_iter_next (&iter, NULL, &request))
    if (((Request *) request)->deadline <= now)
      g_hash_table_iter_remove (&iter);
  return g_hash_table_size (peer->requests) > 0;
}

/* Requests going out are remembered until answered or past their timeout:
 * the connection limit never closes a link with one in flight, and one
 * lost with a connection the peer closed is sent again. */
static void
note_message (HormigaNode *self,
              Peer        *peer,
              GBytes      *bytes,
              gboolean     outgoing)
{
  g_autoptr(HormigaDhtMessage) message = hormiga_dht_message_decode (bytes, NULL);

  if (message == NULL)
    return;
  if (!outgoing && message->nodes->len > 0)
    {
      if (g_hash_table_size (self->referrers) + message->nodes->len > HORMIGA_NODE_MAX_REFERRERS)
        g_hash_table_remove_all (self->referrers);
      for (guint i = 0; i < message->nodes->len; i++)
        {
          HormigaPeerId *named = g_ptr_array_index (message->nodes, i);

          if (!hormiga_peer_id_equal (named, peer->id))
            g_hash_table_replace (self->referrers, g_strdup (hormiga_peer_id_to_string (named)),
                                  hormiga_peer_id_ref (peer->id));
        }
    }
  if (outgoing && hormiga_dht_message_is_request (message->type))
    {
      Request *request = g_new0 (Request, 1);

      request->deadline = now_ms () + self->dht_config.request_timeout_ms;
      request->bytes = g_bytes_ref (bytes);
      g_hash_table_replace (peer->requests, GUINT_TO_POINTER (message->id), request);
    }
  else if (!outgoing && !hormiga_dht_message_is_request (message->type))
    g_hash_table_remove (peer->requests, GUINT_TO_POINTER (message->id));
}

/* Our display name (or none) to @link's peer. Not counted as use: it
 * must not keep an idle link from the connection limit. */
static void
send_hello (Link *link)
{
  HormigaNode *self = link->node;
  g_autoptr(HormigaDhtMessage) hello = hormiga_dht_message_new (HORMIGA_DHT_MESSAGE_HELLO, 0);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  gsize length;
  const guint8 *data;

  hello->name = g_strdup (self->display_name);
  bytes = hormiga_dht_message_encode (hello);
  data = g_bytes_get_data (bytes, &length);
  if (!hormiga_data_channel_send (link->channel, data, length, &error))
    {
      g_debug ("node: cannot tell %s our name: %s", hormiga_peer_id_to_string (link->peer->id),
               error->message);
      return;
    }
  link->messages_sent++;
  link->bytes_sent += length;
  self->counters.messages_sent++;
}

static void
send_on_link (Link   *link,
              GBytes *bytes)
{
  HormigaNode *self = link->node;
  g_autoptr(GError) error = NULL;
  gsize length;
  const guint8 *data = g_bytes_get_data (bytes, &length);

  if (!hormiga_data_channel_send (link->channel, data, length, &error))
    {
      g_debug ("node: cannot send a DHT message to %s: %s",
               hormiga_peer_id_to_string (link->peer->id), error->message);
      self->counters.messages_dropped++;
      return;
    }
  link->last_used = g_get_monotonic_time ();
  link->messages_sent++;
  link->bytes_sent += length;
  self->counters.messages_sent++;
}

static gboolean connect_to             (HormigaNode         *self,
                                        const HormigaPeerId *to);
static gboolean connect_through_server (HormigaNode         *self,
                                        const HormigaPeerId *to);

/* Our requests to @peer not yet answered, nor past their timeout, nor sent
 * twice already: they go again (transfer container). */
static GPtrArray *
take_unanswered (Peer *peer)
{
  GPtrArray *bytes = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  GHashTableIter iter;
  gpointer value;
  gint64 now = now_ms ();

  g_hash_table_iter_init (&iter, peer->requests);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Request *request = value;

      if (request->resent || request->deadline <= now)
        continue;
      request->resent = TRUE;
      g_ptr_array_add (bytes, g_bytes_ref (request->bytes));
    }
  return bytes;
}

static void link_end (Link     *link,
                      gboolean  evicted);

/* Connections being negotiated through @via, to which we have no open
 * link any more, cannot finish: their signals are lost. They end now, and
 * those we offered go through hormiguero at once (link_drop()). */
static void
end_routes_through (HormigaNode         *self,
                    const HormigaPeerId *via)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->peers);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Peer *peer = value;

      for (guint i = 0; i < peer->links->len; i++)
        {
          Link *link = g_ptr_array_index (peer->links, i);

          if (!link->open && !link->ending && link->via != NULL &&
              hormiga_peer_id_equal (link->via, via))
            {
              g_debug ("node: the connection with %s was negotiated through %s, now gone",
                       hormiga_peer_id_to_string (peer->id), hormiga_peer_id_to_string (via));
              link_end (link, FALSE);
            }
        }
    }
}

/* Forgets @link (from an idle: see link_end()) and closes its connection
 * (later). When an open link ended without our doing (the peer closed it:
 * its connection limit, say, which cannot know that a request of ours is
 * on its way), our unanswered requests go again, once, on another link or
 * a new connection. A peer left without links drops what it queued, and
 * the DHT hears that it is lost. */
static void
link_drop (Link *link)
{
  HormigaNode *self = link->node;
  Peer *peer = link->peer;
  gboolean was_open = link->was_open;
  gboolean evicted = link->evicted;
  gboolean overlay_failed = !link->was_open && link->overlay && !link->incoming;
  g_autoptr(GPtrArray) resend = NULL;

  if (!was_open)
    self->counters.connections_failed++;
  else if (evicted)
    self->counters.connections_evicted++;
  else
    self->counters.connections_lost++;
  g_ptr_array_remove (peer->links, link);
  connections_changed (self);

  /* The overlay did not set it up: hormiguero's turn, for what waits. */
  if (overlay_failed && !self->stopped && live_links (peer) == 0 &&
      !g_queue_is_empty (&peer->queue))
    {
      g_debug ("node: the overlay did not set up a connection with %s; through hormiguero now",
               hormiga_peer_id_to_string (peer->id));
      if (connect_through_server (self, peer->id))
        self->counters.overlay_fallbacks++;
    }

  if (was_open && !evicted && !self->stopped)
    resend = take_unanswered (peer);
  if (resend != NULL && resend->len > 0 &&
      (live_links (peer) > 0 || (connect_to (self, peer->id) && live_links (peer) > 0)))
    {
      Link *open = open_link_of (peer);

      g_debug ("node: sending %u requests to %s again", resend->len,
               hormiga_peer_id_to_string (peer->id));
      for (guint i = 0; i < resend->len; i++)
        {
          GBytes *bytes = g_ptr_array_index (resend, i);

          if (open != NULL)
            send_on_link (open, bytes);
          else if (g_queue_get_length (&peer->queue) < HORMIGA_NODE_MAX_QUEUED)
            g_queue_push_tail (&peer->queue, g_bytes_ref (bytes));
          else
            self->counters.messages_dropped++;
        }
    }
  if (open_link_of (peer) == NULL)
    end_routes_through (self, peer->id);
  if (peer->links->len > 0)
    return;

  self->counters.messages_dropped += g_queue_get_length (&peer->queue);
  if (peer->waiting->len > 0)
    {
      g_autoptr(GError) error =
        g_error_new (G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED, "no connection to %s could be set up",
                     hormiga_peer_id_to_string (peer->id));

      peer_end_waiting (peer, error);
    }
  report_lost (self, peer->id);
  g_hash_table_remove (self->peers, hormiga_peer_id_to_string (peer->id));
}

static gboolean
on_ending_idle (gpointer user_data)
{
  HormigaNode *self = user_data;
  g_autoptr(GPtrArray) ending = g_steal_pointer (&self->ending);

  g_clear_pointer (&self->ending_source, g_source_unref);
  self->ending = g_ptr_array_new ();
  for (guint i = 0; i < ending->len; i++)
    link_drop (g_ptr_array_index (ending, i));
  return G_SOURCE_REMOVE;
}

/* @link is done (its channel closed, it timed out, or the limit closes it):
 * nothing uses it from now on, and it is forgotten from an idle source. */
static void
link_end (Link     *link,
          gboolean  evicted)
{
  HormigaNode *self = link->node;

  if (link->ending)
    return;
  link->ending = TRUE;
  link->was_open = link->open;
  link->evicted = evicted;
  link->open = FALSE;
  clear_source (&link->setup_timeout);
  g_signal_handlers_disconnect_by_data (link->channel, link);
  g_ptr_array_add (self->ending, link);
  if (self->ending_source == NULL)
    self->ending_source = attach_idle (self, on_ending_idle);
}

static void
on_channel_open (HormigaDataChannel *channel,
                 gpointer            user_data)
{
  Link *link = user_data;
  Peer *peer = link->peer;

  link->open = TRUE;
  link->last_heard = g_get_monotonic_time ();
  link->last_used = g_get_monotonic_time ();
  link->opened_at = g_get_real_time ();
  link->group = hormiga_dht_network_group (
    hormiga_ice_transport_get_remote_address (hormiga_peer_connection_get_ice (link->pc)));
  clear_source (&link->setup_timeout);
  if (!link->incoming)
    {
      link->node->counters.connections_established++;
      link->node->counters.connections_established_overlay += link->overlay;
    }
  connections_changed (link->node);
  if (link->node->display_name != NULL)
    send_hello (link);
  while (!g_queue_is_empty (&peer->queue))
    {
      g_autoptr(GBytes) bytes = g_queue_pop_head (&peer->queue);

      send_on_link (link, bytes);
    }
  if (link_ready (link))
    peer_end_waiting (peer, NULL);
  enforce_limit (link->node);
}

static void
on_channel_message (HormigaDataChannel *channel,
                    GBytes             *data,
                    gboolean            is_text,
                    gpointer            user_data)
{
  Link *link = user_data;
  HormigaNode *self = link->node;
  HormigaPeerId *from = hormiga_peer_connection_get_remote_peer (link->pc);

  if (is_text || from == NULL || self->dht == NULL)
    {
      g_debug ("node: a text message on the DHT channel; dropped");
      return;
    }
  self->counters.messages_received++;
  link->messages_received++;
  link->bytes_received += g_bytes_get_size (data);
  link->last_heard = g_get_monotonic_time ();
  link->last_used = g_get_monotonic_time ();
  note_message (self, link->peer, data, FALSE);
  /* The DHT may answer, connect elsewhere and close idle links: @link is
   * not touched after this. */
  hormiga_dht_receive (self->dht, from, link->group, data);
  reschedule (self);
}

static void
on_channel_error (HormigaDataChannel *channel,
                  const GError       *error,
                  gpointer            user_data)
{
  Link *link = user_data;

  g_debug ("node: DHT channel with %s: %s", hormiga_peer_id_to_string (link->peer->id),
           error->message);
}

/* Failures, closes on either side and stream resets all end here: a
 * connection closing closes its channels. */
static void
on_channel_close (HormigaDataChannel *channel,
                  gpointer            user_data)
{
  link_end (user_data, FALSE);
}

/* The DHT channel and every service channel of @link are open. */
static gboolean
link_ready (Link *link)
{
  if (!link->open)
    return FALSE;
  for (guint i = 0; i < link->services->len; i++)
    if (hormiga_data_channel_get_state (g_ptr_array_index (link->services, i)) !=
        HORMIGA_DATA_CHANNEL_OPEN)
      return FALSE;
  return TRUE;
}

static void
on_service_open (HormigaDataChannel *channel,
                 gpointer            user_data)
{
  Link *link = user_data;

  g_signal_emit (link->node, signals[CHANNEL_OPEN], 0, link->peer->id, channel);
  if (link_ready (link))
    peer_end_waiting (link->peer, NULL);
}

/* Traffic on a service channel keeps the link from looking idle. */
static void
on_service_message (HormigaDataChannel *channel,
                    GBytes             *data,
                    gboolean            is_text,
                    gpointer            user_data)
{
  Link *link = user_data;

  link->last_used = g_get_monotonic_time ();
  link->last_heard = link->last_used;
}

static void
on_service_close (HormigaDataChannel *channel,
                  gpointer            user_data)
{
  Link *link = user_data;

  g_signal_handlers_disconnect_by_data (channel, link);
  g_signal_emit (link->node, signals[CHANNEL_CLOSED], 0, link->peer->id, channel);
}

static gboolean
on_setup_timeout (gpointer user_data)
{
  Link *link = user_data;

  g_debug ("node: the connection with %s did not open in %u ms; closing it",
           hormiga_peer_id_to_string (link->peer->id),
           link->overlay ? HORMIGA_NODE_OVERLAY_SETUP_TIMEOUT_MS : HORMIGA_NODE_SETUP_TIMEOUT_MS);
  g_clear_pointer (&link->setup_timeout, g_source_unref);
  link_end (link, FALSE);
  return G_SOURCE_REMOVE;
}

/* Every connection, whoever made it, gets the DHT channel: the peer
 * expects it on stream 1. */
static void
on_peer_connection (HormigaRtcConnector   *connector,
                    const char            *peer_id,
                    HormigaPeerConnection *pc,
                    gboolean               incoming,
                    gpointer               user_data)
{
  HormigaNode *self = user_data;
  HormigaDataChannelOptions options = HORMIGA_DATA_CHANNEL_OPTIONS_INIT;
  g_autoptr(HormigaDataChannel) channel = NULL;
  g_autoptr(HormigaPeerId) id = NULL;
  g_autoptr(GError) error = NULL;
  Peer *peer;
  Link *link;

  if (self->stopped)
    return;
  id = hormiga_peer_id_parse (peer_id, &error);
  options.negotiated = TRUE;
  options.id = HORMIGA_NODE_DHT_CHANNEL_ID;
  if (id != NULL)
    channel = hormiga_peer_connection_create_data_channel (pc, HORMIGA_NODE_DHT_CHANNEL_LABEL,
                                                           &options, &error);
  if (channel == NULL)
    {
      g_debug ("node: no DHT channel with %s: %s", peer_id, error->message);
      return;
    }

  peer = g_hash_table_lookup (self->peers, peer_id);
  if (peer == NULL)
    peer = peer_new (self, id);
  link = g_new0 (Link, 1);
  link->node = self;
  link->peer = peer;
  link->pc = g_object_ref (pc);
  link->channel = g_steal_pointer (&channel);
  link->incoming = incoming;
  link->overlay = hormiga_rtc_connector_is_routed (connector, pc);
  if (link->overlay && self->routing_via != NULL)
    link->via = hormiga_peer_id_ref (self->routing_via);
  link->pinned = !incoming && !self->connecting;
  link->last_used = g_get_monotonic_time ();
  link->setup_timeout = g_timeout_source_new (link->overlay ? HORMIGA_NODE_OVERLAY_SETUP_TIMEOUT_MS
                                                            : HORMIGA_NODE_SETUP_TIMEOUT_MS);
  g_source_set_callback (link->setup_timeout, on_setup_timeout, link, NULL);
  g_source_attach (link->setup_timeout, self->context);
  g_signal_connect (link->channel, "open", G_CALLBACK (on_channel_open), link);
  g_signal_connect (link->channel, "message", G_CALLBACK (on_channel_message), link);
  g_signal_connect (link->channel, "error", G_CALLBACK (on_channel_error), link);
  g_signal_connect (link->channel, "close", G_CALLBACK (on_channel_close), link);
  link->services = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < self->services->len; i++)
    {
      Service *service = &g_array_index (self->services, Service, i);
      HormigaDataChannel *extra;

      options.id = service->id;
      extra = hormiga_peer_connection_create_data_channel (pc, service->label, &options, &error);
      if (extra == NULL)
        {
          g_warning ("node: no %s channel with %s: %s", service->label, peer_id, error->message);
          g_clear_error (&error);
          continue;
        }
      g_signal_connect (extra, "open", G_CALLBACK (on_service_open), link);
      g_signal_connect (extra, "message", G_CALLBACK (on_service_message), link);
      g_signal_connect (extra, "close", G_CALLBACK (on_service_close), link);
      g_ptr_array_add (link->services, extra);
    }
  g_ptr_array_add (peer->links, link);

  if (incoming)
    {
      self->counters.connections_answered++;
      self->counters.connections_answered_overlay += link->overlay;
    }
  else
    {
      self->counters.connections_offered++;
      self->counters.connections_offered_overlay += link->overlay;
    }
  connections_changed (self);
  enforce_limit (self);
}

static guint
count_links (HormigaNode *self)
{
  GHashTableIter iter;
  gpointer value;
  guint n = 0;

  g_hash_table_iter_init (&iter, self->peers);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    n += live_links (value);
  return n;
}

/* Over the limit, the least recently used open link goes, if it has been
 * idle for a request timeout (the peer may be in the middle of a lookup
 * through us, and a request lost to a closing connection counts against
 * whoever sent it), is not the way to a peer with our requests in flight,
 * and was opened by the node or the peer, not by someone else through the
 * connector. Links to peers outside our routing table go first: those in
 * it are the ones our buckets need, and the ones lookups and relays go
 * through. Links being set up are never closed here: they carry what is
 * queued. If nothing qualifies, the node stays over the limit until
 * something does (checked again at every DHT tick and every new link). */
static void
enforce_limit (HormigaNode *self)
{
  guint n = count_links (self);
  gint64 idle_since = g_get_monotonic_time () -
                      (gint64) self->dht_config.request_timeout_ms * 1000;

  while (n > self->max_connections)
    {
      GHashTableIter iter;
      gpointer value;
      Link *victim = NULL;
      gboolean victim_needed = TRUE;
      HormigaDhtRoutingTable *table = self->dht ? hormiga_dht_get_routing_table (self->dht) : NULL;

      g_hash_table_iter_init (&iter, self->peers);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        {
          Peer *peer = value;
          gboolean needed = table != NULL && hormiga_dht_routing_table_contains (table, peer->id);
          guint open = 0;

          for (guint i = 0; i < peer->links->len; i++)
            open += ((Link *) g_ptr_array_index (peer->links, i))->open;
          if (open == 1 && has_requests_in_flight (peer))
            continue;
          for (guint i = 0; i < peer->links->len; i++)
            {
              Link *link = g_ptr_array_index (peer->links, i);

              if (!link->open || link->pinned || link->last_used > idle_since)
                continue;
              /* A second link to the same peer is never needed. */
              if (victim == NULL || (victim_needed && (!needed || open > 1)) ||
                  ((!needed || open > 1) == !victim_needed && link->last_used < victim->last_used))
                {
                  victim = link;
                  victim_needed = needed && open == 1;
                }
            }
        }
      if (victim == NULL)
        return;
      g_debug ("node: %u connections; closing the one with %s, the least recently used", n,
               hormiga_peer_id_to_string (victim->peer->id));
      link_end (victim, TRUE);
      n--;
    }
}

/* ---- the DHT's I/O ------------------------------------------------------------ */

/* ---- signalling through the overlay -------------------------------------------- */

static void
route_free (Route *route)
{
  hormiga_peer_id_unref (route->via);
  g_free (route);
}

static Route *
route_new (HormigaNode         *self,
           const HormigaPeerId *via)
{
  Route *route = g_new0 (Route, 1);

  route->node = self;
  route->via = hormiga_peer_id_ref ((HormigaPeerId *) via);
  return route;
}

static Link *
open_link_to (HormigaNode         *self,
              const HormigaPeerId *peer_id)
{
  Peer *peer = g_hash_table_lookup (self->peers, hormiga_peer_id_to_string (peer_id));

  return peer != NULL ? open_link_of (peer) : NULL;
}

/* The open link closest to @to by XOR distance, closer than @than (when
 * given), other than to @except. */
static Link *
closest_link (HormigaNode         *self,
              const HormigaPeerId *to,
              const HormigaPeerId *except,
              const HormigaPeerId *than)
{
  HormigaDhtKey target, best_key, key;
  GHashTableIter iter;
  gpointer value;
  Link *best = NULL;

  hormiga_dht_key_from_peer_id (&target, to);
  if (than != NULL)
    hormiga_dht_key_from_peer_id (&best_key, than);
  g_hash_table_iter_init (&iter, self->peers);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Peer *peer = value;
      Link *link = open_link_of (peer);

      if (link == NULL || (except != NULL && hormiga_peer_id_equal (peer->id, except)))
        continue;
      hormiga_dht_key_from_peer_id (&key, peer->id);
      if ((best == NULL && than == NULL) ||
          hormiga_dht_key_compare_distance (&target, &key, &best_key) < 0)
        {
          best = link;
          best_key = key;
        }
    }
  return best;
}

static void
send_relay (Link                *link,
            const HormigaPeerId *to,
            const HormigaPeerId *from,
            guint                hops,
            const char          *sid,
            GBytes              *payload)
{
  g_autoptr(HormigaDhtMessage) relay = hormiga_dht_message_new (HORMIGA_DHT_MESSAGE_RELAY, 0);
  g_autoptr(GBytes) bytes = NULL;

  relay->to = hormiga_peer_id_ref ((HormigaPeerId *) to);
  relay->from = hormiga_peer_id_ref ((HormigaPeerId *) from);
  relay->hops = hops;
  relay->sid = g_strdup (sid);
  relay->payload = g_bytes_ref (payload);
  bytes = hormiga_dht_message_encode (relay);
  send_on_link (link, bytes);
}

/* HormigaRtcSignalSendFunc of the sessions negotiated through the overlay:
 * through the node they came from or went through, or if that connection
 * is gone, the next best way. */
static gboolean
route_send (const char  *peer_id,
            const char  *sid,
            GBytes      *payload,
            gpointer     user_data,
            GError     **error)
{
  Route *route = user_data;
  HormigaNode *self = route->node;
  g_autoptr(HormigaPeerId) to = NULL;
  Link *link;

  if (self->stopped)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED, "the node has stopped");
      return FALSE;
    }
  to = hormiga_peer_id_parse (peer_id, error);
  if (to == NULL)
    return FALSE;
  link = open_link_to (self, to);
  if (link == NULL)
    link = open_link_to (self, route->via);
  if (link == NULL)
    link = closest_link (self, to, NULL, NULL);
  if (link == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                   "no connection left to relay signals to %s", peer_id);
      return FALSE;
    }
  send_relay (link, to, hormiga_identity_get_peer_id (self->identity),
              HORMIGA_NODE_RELAY_HOPS, sid, payload);
  self->counters.signals_overlay++;
  return TRUE;
}

/* The node that named @to, if we are still connected to it. */
static Link *
referrer_link (HormigaNode         *self,
               const HormigaPeerId *to)
{
  HormigaPeerId *referrer = g_hash_table_lookup (self->referrers, hormiga_peer_id_to_string (to));

  return referrer != NULL ? open_link_to (self, referrer) : NULL;
}

static gboolean
connect_through_server (HormigaNode         *self,
                        const HormigaPeerId *to)
{
  g_autoptr(GError) error = NULL;
  HormigaPeerConnection *pc;

  if (hormiga_signaling_client_get_state (self->signaling) != HORMIGA_SIGNALING_STATE_ADMITTED)
    {
      g_debug ("node: cannot reach %s: not admitted by hormiguero", hormiga_peer_id_to_string (to));
      return FALSE;
    }
  self->connecting = TRUE;
  pc = hormiga_rtc_connector_connect (self->connector, hormiga_peer_id_to_string (to), &error);
  self->connecting = FALSE;
  if (pc == NULL)
    {
      g_debug ("node: cannot connect to %s: %s", hormiga_peer_id_to_string (to), error->message);
      return FALSE;
    }
  return TRUE;
}

/* Starts a connection to @to (::peer-connection adds its link): through
 * the node that named it when we are connected to that node, else through
 * hormiguero; FALSE if none can start. */
static gboolean
connect_to (HormigaNode         *self,
            const HormigaPeerId *to)
{
  g_autoptr(GError) error = NULL;
  HormigaPeerConnection *pc;
  Link *via = referrer_link (self, to);

  if (via == NULL)
    return connect_through_server (self, to);
  self->connecting = TRUE;
  self->routing_via = via->peer->id;
  pc = hormiga_rtc_connector_connect_via (self->connector, hormiga_peer_id_to_string (to),
                                          route_send, route_new (self, via->peer->id),
                                          (GDestroyNotify) route_free, &error);
  self->routing_via = NULL;
  self->connecting = FALSE;
  if (pc == NULL)
    {
      g_debug ("node: cannot connect to %s: %s", hormiga_peer_id_to_string (to), error->message);
      return connect_through_server (self, to);
    }
  return TRUE;
}

/* Relays of others are passed on at most HORMIGA_NODE_MAX_RELAYS_PER_SECOND. */
static gboolean
relay_allowed (HormigaNode *self)
{
  gint64 second = g_get_monotonic_time () / G_USEC_PER_SEC;

  if (second != self->relay_second)
    {
      self->relay_second = second;
      self->relays_in_second = 0;
    }
  return self->relays_in_second++ < HORMIGA_NODE_MAX_RELAYS_PER_SECOND;
}

/* @from said its display name, or that it has none (HormigaDhtIo.hello). */
static void
dht_hello (const HormigaPeerId     *from,
           const HormigaDhtMessage *hello,
           gpointer                 user_data)
{
  HormigaNode *self = user_data;
  const char *key = hormiga_peer_id_to_string (from);

  if (g_strcmp0 (g_hash_table_lookup (self->names, key), hello->name) == 0)
    return;
  if (hello->name == NULL)
    g_hash_table_remove (self->names, key);
  else
    {
      if (!g_hash_table_contains (self->names, key) &&
          g_hash_table_size (self->names) >= HORMIGA_NODE_MAX_NAMES)
        {
          GHashTableIter iter;

          /* Full: one name heard before goes, whichever. */
          g_hash_table_iter_init (&iter, self->names);
          if (g_hash_table_iter_next (&iter, NULL, NULL))
            g_hash_table_iter_remove (&iter);
        }
      g_hash_table_insert (self->names, g_strdup (key), g_strdup (hello->name));
    }
  connections_changed (self);
}

/* A relay @from a node we are connected to (HormigaDhtIo.relay). */
static void
dht_relay (const HormigaPeerId     *from,
           const HormigaDhtMessage *relay,
           gpointer                 user_data)
{
  HormigaNode *self = user_data;
  const HormigaPeerId *me = hormiga_identity_get_peer_id (self->identity);
  g_autoptr(HormigaRtcSignal) signal = NULL;
  g_autoptr(GBytes) bye = NULL;
  Link *back, *next = NULL;

  if (self->stopped)
    return;
  if (hormiga_peer_id_equal (relay->to, me))
    {
      if (hormiga_peer_id_equal (relay->from, me))
        return;
      self->routing_via = (HormigaPeerId *) from;
      hormiga_rtc_connector_receive_signal (self->connector, hormiga_peer_id_to_string (relay->from),
                                            relay->sid, relay->payload, route_send,
                                            route_new (self, from), (GDestroyNotify) route_free);
      self->routing_via = NULL;
      return;
    }

  if (relay->hops > 1 && relay_allowed (self))
    {
      next = open_link_to (self, relay->to);
      if (next == NULL)
        next = closest_link (self, relay->to, from, me);
    }
  if (next != NULL && !hormiga_peer_id_equal (next->peer->id, from))
    {
      g_debug ("node: relaying %s's signal for %s to %s", hormiga_peer_id_to_string (relay->from),
               hormiga_peer_id_to_string (relay->to), hormiga_peer_id_to_string (next->peer->id));
      send_relay (next, relay->to, relay->from, relay->hops - 1, relay->sid, relay->payload);
      self->counters.relays_forwarded++;
      return;
    }

  /* Nowhere to go: the sender hears so with a bye for the session (unless
   * this is one), and tries hormiguero. */
  self->counters.relays_dropped++;
  g_debug ("node: cannot relay %s's signal for %s (hops %u)", hormiga_peer_id_to_string (relay->from),
           hormiga_peer_id_to_string (relay->to), relay->hops);
  signal = hormiga_rtc_signal_decode (relay->payload, NULL);
  back = open_link_to (self, from);
  if (signal == NULL || signal->type == HORMIGA_RTC_SIGNAL_BYE || back == NULL)
    return;
  bye = hormiga_rtc_signal_encode (HORMIGA_RTC_SIGNAL_BYE, NULL);
  send_relay (back, relay->from, relay->to, HORMIGA_NODE_RELAY_HOPS, relay->sid, bye);
}

static void
dht_send (const HormigaPeerId *to,
          GBytes              *message,
          gpointer             user_data)
{
  HormigaNode *self = user_data;
  Peer *peer = g_hash_table_lookup (self->peers, hormiga_peer_id_to_string (to));
  Link *link;

  if (peer == NULL || live_links (peer) == 0)
    {
      if (!self->stopped && connect_to (self, to))
        peer = g_hash_table_lookup (self->peers, hormiga_peer_id_to_string (to));
      if (peer == NULL || live_links (peer) == 0)
        {
          self->counters.messages_dropped++;
          g_debug ("node: cannot send to %s: lost", hormiga_peer_id_to_string (to));
          report_lost (self, to);
          return;
        }
    }

  note_message (self, peer, message, TRUE);
  link = open_link_of (peer);
  if (link != NULL)
    send_on_link (link, message);
  else if (g_queue_get_length (&peer->queue) < HORMIGA_NODE_MAX_QUEUED)
    g_queue_push_tail (&peer->queue, g_bytes_ref (message));
  else
    self->counters.messages_dropped++;
}

static gint64
dht_now (gpointer user_data)
{
  return g_get_real_time () / 1000;
}

static void
dht_random (guint8   *out,
            gsize     length,
            gpointer  user_data)
{
  randombytes_buf (out, length);
}

static gboolean on_tick (gpointer user_data);

static void
schedule_tick (HormigaNode *self,
               gint64       delay_ms)
{
  delay_ms = CLAMP (delay_ms, 1, G_MAXUINT);
  clear_source (&self->tick_source);
  self->tick_at = dht_now (self) + delay_ms;
  self->tick_source = g_timeout_source_new ((guint) delay_ms);
  g_source_set_callback (self->tick_source, on_tick, self, NULL);
  g_source_attach (self->tick_source, self->context);
}

/* After any call into the DHT: a request it just sent may want tick()
 * sooner than planned (a lookup stops waiting on a slow peer after a
 * second). */
static void
reschedule (HormigaNode *self)
{
  gint64 deadline;

  if (self->dht == NULL || self->tick_source == NULL)
    return;
  deadline = hormiga_dht_get_next_deadline (self->dht);
  if (deadline < self->tick_at)
    schedule_tick (self, deadline - dht_now (self));
}

static gboolean
on_tick (gpointer user_data)
{
  HormigaNode *self = user_data;

  g_clear_pointer (&self->tick_source, g_source_unref);
  schedule_tick (self, hormiga_dht_tick (self->dht));
  enforce_limit (self);
  return G_SOURCE_REMOVE;
}

/* ---- lookup proxy ------------------------------------------------------------------ */

/* Open connections to server-mode peers: those in our routing table. */
static guint
count_server_links (HormigaNode *self)
{
  HormigaDhtRoutingTable *table = hormiga_dht_get_routing_table (self->dht);
  GHashTableIter iter;
  gpointer value;
  guint n = 0;

  g_hash_table_iter_init (&iter, self->peers);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Peer *peer = value;

      if (!hormiga_dht_routing_table_contains (table, peer->id))
        continue;
      for (guint i = 0; i < peer->links->len; i++)
        {
          Link *link = g_ptr_array_index (peer->links, i);

          if (link->open && !link->ending)
            {
              n++;
              break;
            }
        }
    }
  return n;
}

/* Before a lookup: where it goes (see the top of this file). */
static void
choose_proxy (HormigaNode *self)
{
  const HormigaPeerId *proxy = NULL;

  /* A node that keeps fewer connections would never leave the proxy. */
  if (count_server_links (self) < MIN (self->proxy_connections, self->max_connections))
    proxy = self->contingent != NULL ? self->contingent : self->bootstrap_peer;
  hormiga_dht_set_proxy (self->dht, proxy);
}

/* ---- joining ----------------------------------------------------------------------- */

static void
on_bootstrapped (HormigaDht                  *dht,
                 GPtrArray                   *closest,
                 const HormigaDhtLookupStats *stats,
                 gpointer                     user_data)
{
  HormigaNode *self = user_data;
  guint contacts = hormiga_dht_routing_table_get_size (hormiga_dht_get_routing_table (dht));

  g_debug ("node: bootstrap done: %u contacts, %u requests, %" G_GINT64_FORMAT " ms", contacts,
           stats->messages, stats->duration_ms);
  g_signal_emit (self, signals[DHT_READY], 0, contacts);
}

static void
on_admitted (HormigaSignalingClient *signaling,
             const char             *peer_id,
             const char * const     *peers,
             gpointer                user_data)
{
  HormigaNode *self = user_data;
  guint added = 0;

  if (signaling == self->signaling && !self->stopped)
    ice_take_welcome (self);
  if (self->dht == NULL)
    return;
  for (guint i = 0; peers != NULL && peers[i] != NULL && added < HORMIGA_NODE_BOOTSTRAP_CONTACTS; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(HormigaPeerId) peer = hormiga_peer_id_parse (peers[i], &error);

      if (peer == NULL)
        {
          g_debug ("node: bootstrap peer %s refused: %s", peers[i], error->message);
          continue;
        }
      hormiga_dht_add_contact (self->dht, peer, NULL);
      if (added == 0)
        {
          g_clear_pointer (&self->bootstrap_peer, hormiga_peer_id_unref);
          self->bootstrap_peer = hormiga_peer_id_ref (peer);
        }
      added++;
    }
  /* on_bootstrapped may run before this returns (no contacts at all);
   * the node outlives the DHT, which ends running lookups silently. */
  choose_proxy (self);
  hormiga_dht_bootstrap (self->dht, on_bootstrapped, self);
  reschedule (self);
}

/* ---- STUN and TURN servers ------------------------------------------------------- */

typedef struct
{
  HormigaNode *node;      /* a reference */
  char        *host;
} Resolution;

static void ice_resolve (HormigaNode *self,
                         const char  *host);

/* Configured servers, then hormiguero's, those with an address (an IP
 * literal, or a name resolved already) to the connector; names not
 * resolved yet are looked up, and the list is made again when they are. */
static void
ice_rebuild (HormigaNode *self)
{
  GPtrArray *lists[] = { self->ice_configured, self->ice_welcome };
  g_autoptr(GPtrArray) ready =
    g_ptr_array_new_with_free_func ((GDestroyNotify) hormiga_ice_server_free);

  for (guint l = 0; l < G_N_ELEMENTS (lists); l++)
    for (guint i = 0; i < lists[l]->len; i++)
      {
        HormigaIceServer *server = g_ptr_array_index (lists[l], i);
        const char *address = g_hash_table_lookup (self->ice_addresses, server->host);
        HormigaIceServer *copy;

        if (address == NULL && !g_hostname_is_ip_address (server->host))
          {
            ice_resolve (self, server->host);
            continue;
          }
        copy = hormiga_ice_server_copy (server);
        if (address != NULL)
          {
            g_free (copy->host);
            copy->host = g_strdup (address);
          }
        g_ptr_array_add (ready, copy);
      }
  hormiga_rtc_connector_set_ice_servers (self->connector, ready);
}

static void
on_ice_resolved (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Resolution *resolution = user_data;
  HormigaNode *self = resolution->node;
  g_autoptr(GError) error = NULL;
  GList *addresses = g_resolver_lookup_by_name_finish (G_RESOLVER (object), result, &error);

  g_hash_table_remove (self->ice_resolving, resolution->host);
  if (addresses == NULL)
    g_debug ("node: STUN/TURN server %s not resolved: %s", resolution->host, error->message);
  else if (!self->stopped)
    {
      GInetAddress *address = addresses->data;

      /* IPv4 first: host candidates gather on it in most places. */
      for (GList *l = addresses; l != NULL; l = l->next)
        if (g_inet_address_get_family (l->data) == G_SOCKET_FAMILY_IPV4)
          {
            address = l->data;
            break;
          }
      g_hash_table_insert (self->ice_addresses, g_strdup (resolution->host),
                           g_inet_address_to_string (address));
      ice_rebuild (self);
    }
  g_resolver_free_addresses (addresses);
  g_object_unref (resolution->node);
  g_free (resolution->host);
  g_free (resolution);
}

/* Looks @host up once per run, off the dispatch. */
static void
ice_resolve (HormigaNode *self,
             const char  *host)
{
  g_autoptr(GResolver) resolver = NULL;
  Resolution *resolution;

  if (self->stopped || g_hash_table_contains (self->ice_resolving, host))
    return;
  g_hash_table_add (self->ice_resolving, g_strdup (host));
  resolution = g_new0 (Resolution, 1);
  resolution->node = g_object_ref (self);
  resolution->host = g_strdup (host);
  resolver = g_resolver_get_default ();
  g_main_context_push_thread_default (self->context);
  g_resolver_lookup_by_name_async (resolver, host, self->ice_cancellable, on_ice_resolved,
                                   resolution);
  g_main_context_pop_thread_default (self->context);
}

/* hormiguero's welcome named TURN servers (or none, this time). */
static void
ice_take_welcome (HormigaNode *self)
{
  const char * const *urls = NULL;
  const char *username = NULL, *credential = NULL;

  g_ptr_array_set_size (self->ice_welcome, 0);
  if (hormiga_signaling_client_get_turn (self->signaling, &urls, &username, &credential))
    for (guint i = 0; urls != NULL && urls[i] != NULL; i++)
      {
        g_autoptr(GError) error = NULL;
        g_autoptr(HormigaIceServer) server = hormiga_ice_server_parse (urls[i], &error);

        if (server == NULL || server->kind != HORMIGA_ICE_SERVER_TURN)
          {
            g_debug ("node: hormiguero's TURN server %u left out: %s", i,
                     server == NULL ? error->message : "not a turn: URL");
            continue;
          }
        if (server->username == NULL)
          {
            server->username = g_strdup (username);
            server->password = g_strdup (credential);
          }
        g_ptr_array_add (self->ice_welcome, g_steal_pointer (&server));
      }
  ice_rebuild (self);
}

gboolean
hormiga_node_set_ice_servers (HormigaNode         *self,
                              const char * const  *stun,
                              const char * const  *turn,
                              GError             **error)
{
  g_autoptr(GPtrArray) servers = NULL;
  const char * const *lists[] = { stun, turn };

  g_return_val_if_fail (HORMIGA_IS_NODE (self), FALSE);

  servers = g_ptr_array_new_with_free_func ((GDestroyNotify) hormiga_ice_server_free);
  for (guint l = 0; l < G_N_ELEMENTS (lists); l++)
    for (guint i = 0; lists[l] != NULL && lists[l][i] != NULL; i++)
      {
        g_autoptr(GError) local_error = NULL;
        HormigaIceServer *server =
          hormiga_ice_server_parse_configured (lists[l][i], l == 0 ? HORMIGA_ICE_SERVER_STUN
                                                                   : HORMIGA_ICE_SERVER_TURN,
                                               &local_error);

        if (server == NULL)
          {
            g_set_error (error, HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_ICE, "%s server %u: %s",
                         l == 0 ? "STUN" : "TURN", i + 1, local_error->message);
            return FALSE;
          }
        g_ptr_array_add (servers, server);
      }
  g_ptr_array_unref (self->ice_configured);
  self->ice_configured = g_steal_pointer (&servers);
  if (!self->stopped)
    ice_rebuild (self);
  return TRUE;
}

void
hormiga_node_set_relay_only (HormigaNode *self,
                             gboolean     relay_only)
{
  g_return_if_fail (HORMIGA_IS_NODE (self));
  hormiga_rtc_connector_set_relay_only (self->connector, relay_only);
}

/* ---- operations ---------------------------------------------------------------- */

static Operation *
operation_new (HormigaNode         *self,
               GCancellable        *cancellable,
               GAsyncReadyCallback  callback,
               gpointer             user_data,
               gpointer             source_tag)
{
  Operation *op = g_new0 (Operation, 1);

  op->node = self;
  op->task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (op->task, source_tag);
  g_ptr_array_add (self->operations, op);
  return op;
}

static void
operation_free (Operation *op)
{
  g_clear_object (&op->task);
  g_clear_pointer (&op->target, hormiga_peer_id_unref);
  g_free (op);
}

/* The operation leaves the table; the caller returns its task. */
static GTask *
operation_end (Operation *op)
{
  GTask *task = g_steal_pointer (&op->task);

  g_ptr_array_remove_fast (op->node->operations, op);
  operation_free (op);
  return task;
}

static void
get_result_free (GetResult *result)
{
  g_bytes_unref (result->value);
  g_free (result);
}

static void
on_found (HormigaDht                  *dht,
          GPtrArray                   *closest,
          const HormigaDhtLookupStats *stats,
          gpointer                     user_data)
{
  Operation *op = user_data;
  gboolean found = closest->len > 0 && hormiga_peer_id_equal (g_ptr_array_index (closest, 0), op->target);
  g_autofree char *target = g_strdup (hormiga_peer_id_to_string (op->target));
  g_autoptr(GTask) task = operation_end (op);

  if (found)
    g_task_return_int (task, stats->hops);
  else
    g_task_return_new_error (task, HORMIGA_DHT_ERROR, HORMIGA_DHT_ERROR_NOT_FOUND,
                             "the lookup for %s ended without reaching it (%u requests)", target,
                             stats->messages);
}

void
hormiga_node_find_peer_async (HormigaNode         *self,
                              const HormigaPeerId *peer,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  Operation *op;
  HormigaDhtKey key;

  g_return_if_fail (HORMIGA_IS_NODE (self));
  g_return_if_fail (peer != NULL);

  op = operation_new (self, cancellable, callback, user_data,
                      hormiga_node_find_peer_async);
  op->target = hormiga_peer_id_ref ((HormigaPeerId *) peer);
  if (self->dht == NULL)
    {
      g_autoptr(GTask) task = operation_end (op);

      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "the node has stopped");
      return;
    }
  if (hormiga_peer_id_equal (peer, hormiga_identity_get_peer_id (self->identity)))
    {
      g_autoptr(GTask) task = operation_end (op);

      g_task_return_int (task, 0);
      return;
    }
  hormiga_dht_key_from_peer_id (&key, peer);
  choose_proxy (self);
  hormiga_dht_find_node (self->dht, &key, on_found, op);
  reschedule (self);
}

static void
on_found_closest (HormigaDht                  *dht,
                  GPtrArray                   *closest,
                  const HormigaDhtLookupStats *stats,
                  gpointer                     user_data)
{
  Operation *op = user_data;
  g_autoptr(GTask) task = operation_end (op);
  GPtrArray *peers = g_ptr_array_new_with_free_func ((GDestroyNotify) hormiga_peer_id_unref);

  for (guint i = 0; i < closest->len; i++)
    g_ptr_array_add (peers, hormiga_peer_id_ref (g_ptr_array_index (closest, i)));
  g_task_return_pointer (task, peers, (GDestroyNotify) g_ptr_array_unref);
}

void
hormiga_node_find_closest_async (HormigaNode         *self,
                                 const HormigaDhtKey *key,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  Operation *op;

  g_return_if_fail (HORMIGA_IS_NODE (self));
  g_return_if_fail (key != NULL);

  op = operation_new (self, cancellable, callback, user_data, hormiga_node_find_closest_async);
  if (self->dht == NULL)
    {
      g_autoptr(GTask) task = operation_end (op);

      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "the node has stopped");
      return;
    }
  choose_proxy (self);
  hormiga_dht_find_node (self->dht, key, on_found_closest, op);
  reschedule (self);
}

GPtrArray *
hormiga_node_find_closest_finish (HormigaNode   *self,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == hormiga_node_find_closest_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
hormiga_node_publish_record (HormigaNode      *self,
                             HormigaDhtRecord *record)
{
  g_return_if_fail (HORMIGA_IS_NODE (self));
  g_return_if_fail (record != NULL);

  if (self->dht == NULL)
    return;
  hormiga_dht_put_value (self->dht, record, NULL, NULL);
  reschedule (self);
}

GPtrArray *
hormiga_node_dup_own_records (HormigaNode *self)
{
  g_return_val_if_fail (HORMIGA_IS_NODE (self), NULL);

  if (self->dht == NULL)
    return g_ptr_array_new_with_free_func ((GDestroyNotify) hormiga_dht_record_unref);
  return hormiga_dht_dup_own_records (self->dht);
}

gboolean
hormiga_node_find_peer_finish (HormigaNode   *self,
                               GAsyncResult  *result,
                               guint         *hops,
                               GError       **error)
{
  gssize value;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == hormiga_node_find_peer_async, FALSE);

  value = g_task_propagate_int (G_TASK (result), error);
  if (value < 0)
    return FALSE;
  if (hops != NULL)
    *hops = (guint) value;
  return TRUE;
}

static void
on_put (HormigaDht   *dht,
        guint         stored,
        const GError *error,
        gpointer      user_data)
{
  g_autoptr(GTask) task = operation_end (user_data);

  if (stored == 0)
    g_task_return_error (task, error ? g_error_copy (error)
                                     : g_error_new_literal (HORMIGA_DHT_ERROR,
                                                            HORMIGA_DHT_ERROR_UNAVAILABLE,
                                                            "no node took the record"));
  else
    g_task_return_int (task, stored);
}

void
hormiga_node_put_async (HormigaNode         *self,
                        const char          *name,
                        GBytes              *value,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(HormigaDhtRecord) record = NULL;
  Operation *op;
  guint64 now_s = (guint64) (g_get_real_time () / G_USEC_PER_SEC);
  guint64 seq;

  g_return_if_fail (HORMIGA_IS_NODE (self));
  g_return_if_fail (name != NULL && *name != '\0' && strlen (name) <= HORMIGA_DHT_RECORD_MAX_NAME);
  g_return_if_fail (g_utf8_validate (name, -1, NULL));
  g_return_if_fail (value != NULL && g_bytes_get_size (value) <= HORMIGA_DHT_RECORD_MAX_VALUE);

  op = operation_new (self, cancellable, callback, user_data,
                      hormiga_node_put_async);
  if (self->dht == NULL)
    {
      g_autoptr(GTask) task = operation_end (op);

      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "the node has stopped");
      return;
    }
  /* Milliseconds of the clock, so a restarted node still goes forward. */
  seq = MAX ((guint64) (g_get_real_time () / 1000), self->last_seq + 1);
  self->last_seq = seq;
  record = hormiga_dht_record_new_mutable (self->identity, name, seq,
                                           now_s + self->dht_config.record_ttl_s, value);
  hormiga_dht_put_value (self->dht, record, on_put, op);
  reschedule (self);
}

guint
hormiga_node_put_finish (HormigaNode   *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  gssize value;

  g_return_val_if_fail (g_task_is_valid (result, self), 0);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == hormiga_node_put_async, 0);

  value = g_task_propagate_int (G_TASK (result), error);
  return value < 0 ? 0 : (guint) value;
}

static void
on_got (HormigaDht                  *dht,
        HormigaDhtRecord            *record,
        const GError                *error,
        const HormigaDhtLookupStats *stats,
        gpointer                     user_data)
{
  g_autoptr(GTask) task = operation_end (user_data);
  GetResult *result;

  /* The key names one owner and name; only the kind is left to check (an
   * immutable record can be made to land on any key). */
  if (record == NULL || record->kind != HORMIGA_DHT_RECORD_MUTABLE)
    {
      g_task_return_new_error (task, HORMIGA_DHT_ERROR, HORMIGA_DHT_ERROR_NOT_FOUND, "%s",
                               error ? error->message : "the record found is not a mutable one");
      return;
    }
  result = g_new0 (GetResult, 1);
  result->value = g_bytes_ref (record->value);
  result->hops = stats->hops;
  g_task_return_pointer (task, result, (GDestroyNotify) get_result_free);
}

void
hormiga_node_get_async (HormigaNode         *self,
                        const HormigaPeerId *owner,
                        const char          *name,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  Operation *op;
  HormigaDhtKey key;

  g_return_if_fail (HORMIGA_IS_NODE (self));
  g_return_if_fail (owner != NULL && name != NULL);

  op = operation_new (self, cancellable, callback, user_data,
                      hormiga_node_get_async);
  if (self->dht == NULL)
    {
      g_autoptr(GTask) task = operation_end (op);

      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "the node has stopped");
      return;
    }
  hormiga_node_mutable_key (owner, name, &key);
  choose_proxy (self);
  hormiga_dht_get_value (self->dht, &key, on_got, op);
  reschedule (self);
}

GBytes *
hormiga_node_get_finish (HormigaNode   *self,
                         GAsyncResult  *result,
                         guint         *hops,
                         GError       **error)
{
  GetResult *got;
  GBytes *value;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == hormiga_node_get_async, NULL);

  got = g_task_propagate_pointer (G_TASK (result), error);
  if (got == NULL)
    return NULL;
  if (hops != NULL)
    *hops = got->hops;
  value = g_steal_pointer (&got->value);
  get_result_free (got);
  return value;
}

static void
on_provided (HormigaDht   *dht,
             guint         stored,
             const GError *error,
             gpointer      user_data)
{
  g_autoptr(GTask) task = operation_end (user_data);

  if (stored == 0)
    g_task_return_error (task, error ? g_error_copy (error)
                                     : g_error_new_literal (HORMIGA_DHT_ERROR,
                                                            HORMIGA_DHT_ERROR_UNAVAILABLE,
                                                            "no node took the provider record"));
  else
    g_task_return_int (task, stored);
}

void
hormiga_node_provide_async (HormigaNode         *self,
                            const HormigaDhtKey *content,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  Operation *op;

  g_return_if_fail (HORMIGA_IS_NODE (self));
  g_return_if_fail (content != NULL);

  op = operation_new (self, cancellable, callback, user_data, hormiga_node_provide_async);
  if (self->dht == NULL)
    {
      g_autoptr(GTask) task = operation_end (op);

      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "the node has stopped");
      return;
    }
  hormiga_dht_add_provider (self->dht, content, on_provided, op);
  reschedule (self);
}

guint
hormiga_node_provide_finish (HormigaNode   *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  gssize value;

  g_return_val_if_fail (g_task_is_valid (result, self), 0);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == hormiga_node_provide_async, 0);

  value = g_task_propagate_int (G_TASK (result), error);
  return value < 0 ? 0 : (guint) value;
}

static void
on_providers (HormigaDht                  *dht,
              GPtrArray                   *records,
              const HormigaDhtLookupStats *stats,
              gpointer                     user_data)
{
  g_autoptr(GTask) task = operation_end (user_data);
  GPtrArray *peers = g_ptr_array_new_with_free_func ((GDestroyNotify) hormiga_peer_id_unref);

  for (guint i = 0; records != NULL && i < records->len; i++)
    {
      HormigaDhtRecord *record = g_ptr_array_index (records, i);
      HormigaPeerId *peer;
      gboolean seen = FALSE;

      if (record->kind != HORMIGA_DHT_RECORD_PROVIDER)
        continue;
      peer = hormiga_peer_id_new_from_public_key (record->owner);
      for (guint j = 0; j < peers->len && !seen; j++)
        seen = hormiga_peer_id_equal (g_ptr_array_index (peers, j), peer);
      if (seen)
        hormiga_peer_id_unref (peer);
      else
        g_ptr_array_add (peers, peer);
    }
  g_task_return_pointer (task, peers, (GDestroyNotify) g_ptr_array_unref);
}

void
hormiga_node_find_providers_async (HormigaNode         *self,
                                   const HormigaDhtKey *content,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  Operation *op;

  g_return_if_fail (HORMIGA_IS_NODE (self));
  g_return_if_fail (content != NULL);

  op = operation_new (self, cancellable, callback, user_data, hormiga_node_find_providers_async);
  if (self->dht == NULL)
    {
      g_autoptr(GTask) task = operation_end (op);

      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "the node has stopped");
      return;
    }
  choose_proxy (self);
  hormiga_dht_get_providers (self->dht, content, on_providers, op);
  reschedule (self);
}

GPtrArray *
hormiga_node_find_providers_finish (HormigaNode   *self,
                                    GAsyncResult  *result,
                                    GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        hormiga_node_find_providers_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
hormiga_node_mutable_key (const HormigaPeerId *owner,
                          const char          *name,
                          HormigaDhtKey       *key)
{
  g_return_if_fail (owner != NULL && name != NULL && key != NULL);

  hormiga_dht_record_mutable_key (hormiga_peer_id_get_public_key (owner), name, key);
}

/* ---- lifecycle ---------------------------------------------------------------------- */

void
hormiga_node_start (HormigaNode *self)
{
  g_return_if_fail (HORMIGA_IS_NODE (self));
  g_return_if_fail (!self->stopped);

  hormiga_signaling_client_start (self->signaling);
  for (guint i = 0; i < self->servers->len; i++)
    hormiga_signaling_client_start (g_ptr_array_index (self->servers, i));
  schedule_tick (self, 0);
}

void
hormiga_node_stop (HormigaNode *self)
{
  g_autoptr(GPtrArray) operations = NULL;

  g_return_if_fail (HORMIGA_IS_NODE (self));

  if (self->stopped)
    return;
  self->stopped = TRUE;
  g_cancellable_cancel (self->ice_cancellable);
  clear_source (&self->tick_source);
  clear_source (&self->lost_source);
  clear_source (&self->changed_source);
  g_hash_table_remove_all (self->lost);

  /* Running lookups end silently with the DHT; their tasks are ours to end. */
  g_clear_pointer (&self->dht, hormiga_dht_free);
  operations = g_steal_pointer (&self->operations);
  self->operations = g_ptr_array_new ();
  for (guint i = 0; i < operations->len; i++)
    {
      Operation *op = g_ptr_array_index (operations, i);
      g_autoptr(GTask) task = g_steal_pointer (&op->task);

      operation_free (op);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "the node has stopped");
    }

  clear_source (&self->ending_source);
  g_ptr_array_set_size (self->ending, 0);
  g_hash_table_remove_all (self->peers);
  clear_source (&self->closing_source);
  close_pending_connections (self);
  hormiga_signaling_client_stop (self->signaling);
  for (guint i = 0; i < self->servers->len; i++)
    hormiga_signaling_client_stop (g_ptr_array_index (self->servers, i));
}

void
hormiga_node_set_local_address (HormigaNode *self,
                                const char  *address)
{
  g_return_if_fail (HORMIGA_IS_NODE (self));

  hormiga_rtc_connector_set_local_address (self->connector, address);
}

void
hormiga_node_set_peer_timeout (HormigaNode *self,
                               guint        timeout_ms)
{
  g_return_if_fail (HORMIGA_IS_NODE (self));

  hormiga_rtc_connector_set_peer_timeout (self->connector, timeout_ms);
}

gboolean
hormiga_node_set_display_name (HormigaNode  *self,
                               const char   *name,
                               GError      **error)
{
  GHashTableIter iter;
  gpointer value;

  g_return_val_if_fail (HORMIGA_IS_NODE (self), FALSE);

  if (name != NULL && name[0] == '\0')
    name = NULL;
  if (name != NULL && !hormiga_dht_message_check_name (name, -1, error))
    return FALSE;
  if (g_strcmp0 (name, self->display_name) == 0)
    return TRUE;
  g_free (self->display_name);
  self->display_name = g_strdup (name);
  g_hash_table_iter_init (&iter, self->peers);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Peer *peer = value;

      for (guint i = 0; i < peer->links->len; i++)
        {
          Link *link = g_ptr_array_index (peer->links, i);

          if (link->open && !link->ending)
            send_hello (link);
        }
    }
  return TRUE;
}

const char *
hormiga_node_get_display_name (HormigaNode *self)
{
  g_return_val_if_fail (HORMIGA_IS_NODE (self), NULL);
  return self->display_name;
}

char *
hormiga_node_dup_peer_name (HormigaNode         *self,
                            const HormigaPeerId *peer)
{
  g_return_val_if_fail (HORMIGA_IS_NODE (self), NULL);
  g_return_val_if_fail (peer != NULL, NULL);

  return g_strdup (g_hash_table_lookup (self->names, hormiga_peer_id_to_string (peer)));
}

void
hormiga_node_set_max_connections (HormigaNode *self,
                                  guint        max)
{
  g_return_if_fail (HORMIGA_IS_NODE (self));
  g_return_if_fail (max >= 1);

  self->max_connections = max;
  enforce_limit (self);
}

guint
hormiga_node_get_max_connections (HormigaNode *self)
{
  g_return_val_if_fail (HORMIGA_IS_NODE (self), 0);

  return self->max_connections;
}

HormigaSignalingClient *
hormiga_node_add_server (HormigaNode *self,
                         const char  *server_url)
{
  HormigaSignalingClient *client;

  g_return_val_if_fail (HORMIGA_IS_NODE (self), NULL);
  g_return_val_if_fail (server_url != NULL, NULL);
  g_return_val_if_fail (!self->stopped, NULL);

  client = hormiga_signaling_client_new (server_url, self->identity, self->context);
  hormiga_signaling_client_set_client_mode (client, self->dht_config.client_mode);
  g_ptr_array_add (self->servers, client);
  hormiga_rtc_connector_add_signaling (self->connector, client);
  g_signal_connect_after (client, "admitted", G_CALLBACK (on_admitted), self);
  return client;
}

HormigaIdentity *
hormiga_node_get_identity (HormigaNode *self)
{
  g_return_val_if_fail (HORMIGA_IS_NODE (self), NULL);

  return self->identity;
}

HormigaSignalingClient *
hormiga_node_get_signaling_client (HormigaNode *self)
{
  g_return_val_if_fail (HORMIGA_IS_NODE (self), NULL);

  return self->signaling;
}

HormigaRtcConnector *
hormiga_node_get_connector (HormigaNode *self)
{
  g_return_val_if_fail (HORMIGA_IS_NODE (self), NULL);

  return self->connector;
}

HormigaDht *
hormiga_node_get_dht (HormigaNode *self)
{
  g_return_val_if_fail (HORMIGA_IS_NODE (self), NULL);

  return self->dht;
}

guint
hormiga_node_get_n_connections (HormigaNode *self)
{
  g_return_val_if_fail (HORMIGA_IS_NODE (self), 0);

  return count_links (self);
}

void
hormiga_node_get_counters (HormigaNode         *self,
                           HormigaNodeCounters *counters)
{
  HormigaRtcConnectorCounters rtc;

  g_return_if_fail (HORMIGA_IS_NODE (self));
  g_return_if_fail (counters != NULL);

  *counters = self->counters;
  hormiga_rtc_connector_get_counters (self->connector, &rtc);
  counters->signals_server = rtc.signals_sent_server;
  if (self->dht != NULL)
    {
      HormigaDhtProxyStats proxy;

      hormiga_dht_get_proxy_stats (self->dht, &proxy);
      counters->lookups_proxied = proxy.lookups_proxied;
      counters->proxy_failures = proxy.proxy_failures;
      counters->lookups_served_as_proxy = proxy.lookups_served;
      counters->lookups_refused_as_proxy = proxy.lookups_refused;
    }
}

void
hormiga_node_set_proxy_connections (HormigaNode *self,
                                    guint        n)
{
  g_return_if_fail (HORMIGA_IS_NODE (self));

  self->proxy_connections = n;
}

void
hormiga_node_set_lookup_proxy (HormigaNode         *self,
                               const HormigaPeerId *peer)
{
  g_return_if_fail (HORMIGA_IS_NODE (self));

  if (peer == self->contingent ||
      (peer != NULL && self->contingent != NULL && hormiga_peer_id_equal (peer, self->contingent)))
    return;
  g_clear_pointer (&self->contingent, hormiga_peer_id_unref);
  if (peer != NULL)
    self->contingent = hormiga_peer_id_ref ((HormigaPeerId *) peer);
}

void
hormiga_node_add_channel (HormigaNode *self,
                          guint16      id,
                          const char  *label)
{
  Service service;

  g_return_if_fail (HORMIGA_IS_NODE (self));
  g_return_if_fail (id >= 2 && id < 1024);
  g_return_if_fail (label != NULL);
  g_return_if_fail (g_hash_table_size (self->peers) == 0);

  for (guint i = 0; i < self->services->len; i++)
    g_return_if_fail (g_array_index (self->services, Service, i).id != id);
  service.id = id;
  service.label = g_strdup (label);
  g_array_append_val (self->services, service);
}

HormigaDataChannel *
hormiga_node_get_channel (HormigaNode         *self,
                          const HormigaPeerId *peer,
                          guint16              id)
{
  Link *link;

  g_return_val_if_fail (HORMIGA_IS_NODE (self), NULL);
  g_return_val_if_fail (peer != NULL, NULL);

  link = open_link_to (self, peer);
  if (link == NULL)
    return NULL;
  for (guint i = 0; i < link->services->len; i++)
    {
      HormigaDataChannel *channel = g_ptr_array_index (link->services, i);

      if (hormiga_data_channel_get_id (channel) == id &&
          hormiga_data_channel_get_state (channel) == HORMIGA_DATA_CHANNEL_OPEN)
        return channel;
    }
  return NULL;
}

void
hormiga_node_connect_async (HormigaNode         *self,
                            const HormigaPeerId *peer,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Peer *known;
  Link *link;

  g_return_if_fail (HORMIGA_IS_NODE (self));
  g_return_if_fail (peer != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hormiga_node_connect_async);
  if (self->stopped)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "the node has stopped");
      return;
    }
  if (hormiga_peer_id_equal (peer, hormiga_identity_get_peer_id (self->identity)))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               "a node does not connect to itself");
      return;
    }
  link = open_link_to (self, peer);
  if (link != NULL && link_ready (link))
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  known = g_hash_table_lookup (self->peers, hormiga_peer_id_to_string (peer));
  if ((known == NULL || live_links (known) == 0) && !connect_to (self, peer))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                               "no way to reach %s: no connection can relay to it and "
                               "hormiguero has not admitted this node",
                               hormiga_peer_id_to_string (peer));
      return;
    }
  known = g_hash_table_lookup (self->peers, hormiga_peer_id_to_string (peer));
  g_assert (known != NULL);
  g_ptr_array_add (known->waiting, g_steal_pointer (&task));
}

gboolean
hormiga_node_connect_finish (HormigaNode   *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == hormiga_node_connect_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
hormiga_node_connection_info_free (HormigaNodeConnectionInfo *info)
{
  if (info == NULL)
    return;
  hormiga_peer_id_unref (info->peer);
  g_free (info->path);
  g_free (info->name);
  g_free (info);
}

GPtrArray *
hormiga_node_list_connections (HormigaNode *self)
{
  GPtrArray *list;
  GHashTableIter iter;
  gpointer value;

  g_return_val_if_fail (HORMIGA_IS_NODE (self), NULL);

  list = g_ptr_array_new_with_free_func ((GDestroyNotify) hormiga_node_connection_info_free);
  g_hash_table_iter_init (&iter, self->peers);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Peer *peer = value;

      for (guint i = 0; i < peer->links->len; i++)
        {
          Link *link = g_ptr_array_index (peer->links, i);
          HormigaNodeConnectionInfo *info;

          if (link->ending)
            continue;
          info = g_new0 (HormigaNodeConnectionInfo, 1);
          info->peer = hormiga_peer_id_ref (peer->id);
          info->open = link->open;
          info->incoming = link->incoming;
          info->overlay = link->overlay;
          info->path = g_strdup (hormiga_ice_transport_get_selected_kind (
                                   hormiga_peer_connection_get_ice (link->pc)));
          info->opened_at = link->open ? link->opened_at : 0;
          info->messages_sent = link->messages_sent;
          info->messages_received = link->messages_received;
          info->bytes_sent = link->bytes_sent;
          info->bytes_received = link->bytes_received;
          info->rtt_ms = hormiga_peer_connection_get_rtt (link->pc);
          info->name = g_strdup (g_hash_table_lookup (self->names,
                                                      hormiga_peer_id_to_string (peer->id)));
          g_ptr_array_add (list, info);
        }
    }
  return list;
}

HormigaNode *
hormiga_node_new (HormigaIdentity         *identity,
                  const char              *server_url,
                  const HormigaDhtConfig  *dht_config,
                  GMainContext            *context,
                  GError                 **error)
{
  static const HormigaDhtConfig defaults = HORMIGA_DHT_CONFIG_INIT;
  static const HormigaDhtIo io = { dht_send, dht_now, dht_random, dht_relay, dht_hello };
  g_autoptr(HormigaCertificate) certificate = NULL;
  HormigaNode *self;

  g_return_val_if_fail (HORMIGA_IS_IDENTITY (identity), NULL);
  g_return_val_if_fail (server_url != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  certificate = hormiga_certificate_generate (error);
  if (certificate == NULL)
    return NULL;
  if (sodium_init () < 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "libsodium failed to start");
      return NULL;
    }

  self = g_object_new (HORMIGA_TYPE_NODE, NULL);
  self->context = context ? g_main_context_ref (context) : g_main_context_ref_thread_default ();
  self->identity = g_object_ref (identity);
  self->certificate = g_steal_pointer (&certificate);
  self->dht_config = dht_config ? *dht_config : defaults;
  self->dht_config.request_stall_ms = MAX (self->dht_config.request_stall_ms,
                                           MIN (HORMIGA_NODE_MIN_REQUEST_STALL_MS,
                                                self->dht_config.request_timeout_ms));
  self->signaling = hormiga_signaling_client_new (server_url, identity, self->context);
  hormiga_signaling_client_set_client_mode (self->signaling, self->dht_config.client_mode);
  self->connector = hormiga_rtc_connector_new (self->signaling, self->certificate, self->context);
  self->dht = hormiga_dht_new (identity, &self->dht_config, &io, self);
  g_signal_connect (self->connector, "peer-connection", G_CALLBACK (on_peer_connection), self);
  /* After the owner's handlers: they hear of the admission before the DHT
   * reports anything about it. */
  g_signal_connect_after (self->signaling, "admitted", G_CALLBACK (on_admitted), self);
  return self;
}

static void
hormiga_node_dispose (GObject *object)
{
  HormigaNode *self = HORMIGA_NODE (object);

  if (self->signaling != NULL)
    {
      hormiga_node_stop (self);
      g_signal_handlers_disconnect_by_data (self->signaling, self);
      g_signal_handlers_disconnect_by_data (self->connector, self);
      for (guint i = 0; i < self->servers->len; i++)
        g_signal_handlers_disconnect_by_data (g_ptr_array_index (self->servers, i), self);
    }
  g_clear_object (&self->connector);
  g_clear_object (&self->signaling);
  g_ptr_array_set_size (self->servers, 0);
  g_clear_object (&self->certificate);
  g_clear_object (&self->identity);

  G_OBJECT_CLASS (hormiga_node_parent_class)->dispose (object);
}

static void
hormiga_node_finalize (GObject *object)
{
  HormigaNode *self = HORMIGA_NODE (object);

  g_hash_table_unref (self->peers);
  g_hash_table_unref (self->lost);
  g_ptr_array_unref (self->closing);
  g_ptr_array_unref (self->ending);
  g_ptr_array_unref (self->operations);
  g_hash_table_unref (self->referrers);
  g_hash_table_unref (self->names);
  g_free (self->display_name);
  g_ptr_array_unref (self->ice_configured);
  g_ptr_array_unref (self->ice_welcome);
  g_hash_table_unref (self->ice_addresses);
  g_hash_table_unref (self->ice_resolving);
  g_clear_object (&self->ice_cancellable);
  g_ptr_array_unref (self->servers);
  g_clear_pointer (&self->bootstrap_peer, hormiga_peer_id_unref);
  g_clear_pointer (&self->contingent, hormiga_peer_id_unref);
  for (guint i = 0; i < self->services->len; i++)
    g_free (g_array_index (self->services, Service, i).label);
  g_array_unref (self->services);
  g_clear_pointer (&self->context, g_main_context_unref);

  G_OBJECT_CLASS (hormiga_node_parent_class)->finalize (object);
}

static void
hormiga_node_class_init (HormigaNodeClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hormiga_node_dispose;
  object_class->finalize = hormiga_node_finalize;

  /**
   * HormigaNode::dht-ready:
   * @contacts: the routing table's size
   *
   * A bootstrap lookup (after each admission by hormiguero) has finished.
   */
  signals[DHT_READY] = g_signal_new ("dht-ready", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                     NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);

  /**
   * HormigaNode::connections-changed:
   *
   * A connection started, opened or ended (once per main loop iteration):
   * hormiga_node_list_connections() has changed.
   */
  signals[CONNECTIONS_CHANGED] = g_signal_new ("connections-changed", G_TYPE_FROM_CLASS (klass),
                                               G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                               G_TYPE_NONE, 0);

  /**
   * HormigaNode::channel-open:
   * @peer: the node at the other end
   * @channel: a channel of a service added with hormiga_node_add_channel()
   *
   * A service channel opened on a connection to @peer.
   */
  signals[CHANNEL_OPEN] = g_signal_new ("channel-open", G_TYPE_FROM_CLASS (klass),
                                        G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                                        HORMIGA_TYPE_PEER_ID, HORMIGA_TYPE_DATA_CHANNEL);
  /**
   * HormigaNode::channel-closed:
   * @peer: the node at the other end
   * @channel: the channel
   *
   * A service channel closed (its connection ended, or it was reset).
   */
  signals[CHANNEL_CLOSED] = g_signal_new ("channel-closed", G_TYPE_FROM_CLASS (klass),
                                          G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                                          HORMIGA_TYPE_PEER_ID, HORMIGA_TYPE_DATA_CHANNEL);
}

static void
hormiga_node_init (HormigaNode *self)
{
  self->max_connections = HORMIGA_NODE_DEFAULT_MAX_CONNECTIONS;
  self->proxy_connections = HORMIGA_NODE_PROXY_CONNECTIONS;
  self->peers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) peer_free);
  self->lost = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                      (GDestroyNotify) hormiga_peer_id_unref);
  self->closing = g_ptr_array_new_with_free_func (g_object_unref);
  self->ending = g_ptr_array_new ();
  self->operations = g_ptr_array_new ();
  self->referrers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                           (GDestroyNotify) hormiga_peer_id_unref);
  self->services = g_array_new (FALSE, TRUE, sizeof (Service));
  self->names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->ice_configured = g_ptr_array_new_with_free_func ((GDestroyNotify) hormiga_ice_server_free);
  self->ice_welcome = g_ptr_array_new_with_free_func ((GDestroyNotify) hormiga_ice_server_free);
  self->ice_addresses = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->ice_resolving = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->ice_cancellable = g_cancellable_new ();
  self->servers = g_ptr_array_new_with_free_func (g_object_unref);
}
