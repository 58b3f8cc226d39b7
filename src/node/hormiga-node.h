/* hormiga-node.h — a Hormiga node: signaling, peer connections and the DHT
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The facade the CLI and the application use. A node joins hormiguero
 * (HormigaSignalingClient), negotiates peer connections through it
 * (HormigaRtcConnector) and runs the Kademlia core (HormigaDht) over them:
 * every peer connection, whoever opened it, carries a negotiated data
 * channel with id 1, label "hormiga-dht", and each DHT message is one
 * binary message on it (docs/PROTOCOL.md, "DHT messages").
 *
 * Connections are made on demand: a DHT message for a peer goes on its open
 * channel, waits (at most HORMIGA_NODE_MAX_QUEUED messages) while one is
 * being set up, or starts one. A new connection is negotiated through the
 * overlay when the node has a connection that can relay its signals (the
 * node that named the peer in a DHT response, else the connected node
 * closest to it), through hormiguero otherwise, and through hormiguero
 * again if the overlay fails to set it up (docs/PROTOCOL.md, "Relay"). The
 * node passes on the relays of others to a node it is connected to, within
 * their hop limit. A connection that fails
 * or closes tells the DHT that the peer is lost (after sending our
 * unanswered requests again, once, if the peer closed it). Beyond
 * max-connections (default 32), the least recently used connection that
 * has been idle for a request timeout and carries no request of ours in
 * flight is closed; while none qualifies, the node stays above the limit.
 *
 * A node may have a display name (set_display_name()): it tells it to
 * every peer it connects to, in a `hello` on the DHT channel, and keeps
 * the names its peers tell it (list_connections(), dup_peer_name()).
 *
 * Everything runs on the GMainContext given at construction; call the
 * methods from the thread that runs it.
 */
#pragma once

#include <gio/gio.h>

#include "hormiga-dht.h"
#include "hormiga-identity.h"
#include "hormiga-peer-id.h"
#include "hormiga-rtc-connector.h"
#include "hormiga-signaling-client.h"
#include "hormiga-types.h"

G_BEGIN_DECLS

#define HORMIGA_NODE_DHT_CHANNEL_ID          1
#define HORMIGA_NODE_DHT_CHANNEL_LABEL       "hormiga-dht"
#define HORMIGA_NODE_DEFAULT_MAX_CONNECTIONS 32
/* DHT messages a connection being set up holds; later ones are dropped. */
#define HORMIGA_NODE_MAX_QUEUED              64
/* Bootstrap peers of hormiguero's welcome that become DHT contacts. */
#define HORMIGA_NODE_BOOTSTRAP_CONTACTS      3
/* A connection that has not opened its DHT channel by then is closed. */
#define HORMIGA_NODE_SETUP_TIMEOUT_MS        10000
/* The DHT's request_stall_ms is raised to this (at most to its request
 * timeout): the first request to a peer waits for a connection to be
 * negotiated through hormiguero, which takes more than the core's 1 s on
 * a loaded machine or a slow path, and a lookup must not give up on the
 * very node it looks for while its connection comes up. */
#define HORMIGA_NODE_MIN_REQUEST_STALL_MS    3000
/* A relay's hop limit when it leaves its first node: the node that named
 * the peer, then one more step. */
#define HORMIGA_NODE_RELAY_HOPS              3
/* A connection negotiated through the overlay that has not opened by then
 * is negotiated again through hormiguero. */
#define HORMIGA_NODE_OVERLAY_SETUP_TIMEOUT_MS 4000
/* Who named which peer, remembered for this many peers at most. */
#define HORMIGA_NODE_MAX_REFERRERS           4096
/* Display names heard from peers, kept for this many peers at most. */
#define HORMIGA_NODE_MAX_NAMES               4096
/* Relays of others passed on per second, at most. */
#define HORMIGA_NODE_MAX_RELAYS_PER_SECOND   200
/* Below this many open connections to server-mode peers (the default of
 * hormiga_node_set_proxy_connections()), the node's lookups go to a lookup
 * proxy: its first contingent, else the peer it bootstrapped through
 * (hormiga-dht.h, hormiga_dht_set_proxy()). */
#define HORMIGA_NODE_PROXY_CONNECTIONS       3

/**
 * HormigaNodeCounters:
 * @connections_offered: connections this node opened through hormiguero
 * @connections_answered: connections other nodes opened to this one
 * @connections_failed: connections that ended before their DHT channel
 *   opened (failed, timed out, refused, or the peer is not in hormiguero)
 * @connections_lost: open connections that ended other than by eviction
 *   (a failure, the peer timeout, or the peer closing them)
 * @connections_evicted: open connections closed to stay within
 *   max-connections
 * @messages_sent: DHT messages handed to a data channel
 * @messages_received: DHT messages received
 * @messages_dropped: DHT messages that never left: the queue was full, the
 *   connection failed first, or no connection could be started
 * @connections_offered_overlay: of @connections_offered, those negotiated
 *   through the overlay
 * @connections_answered_overlay: of @connections_answered, those
 *   negotiated through the overlay
 * @overlay_fallbacks: connections negotiated through hormiguero after the
 *   overlay failed to set them up
 * @connections_established: connections this node offered whose DHT
 *   channel opened
 * @connections_established_overlay: of those, the ones negotiated through
 *   the overlay
 * @signals_server: signalling messages (offers, answers, candidates, byes)
 *   sent through hormiguero
 * @signals_overlay: signalling messages sent as relays
 * @relays_forwarded: relays of others passed on
 * @relays_dropped: relays of others that could not be passed on (no
 *   connection to the addressee or closer to it, hop limit, rate limit)
 * @lookups_proxied: lookups of ours sent to a lookup proxy (while the node
 *   had fewer than HORMIGA_NODE_PROXY_CONNECTIONS connections)
 * @proxy_failures: of those, the ones the proxy failed (refused, silent,
 *   empty, or an answer that did not verify): they ran here instead
 * @lookups_served_as_proxy: lookups run for other peers as their proxy
 * @lookups_refused_as_proxy: lookups of other peers refused as over the
 *   proxy limits (hormiga-dht.h)
 */
typedef struct
{
  guint64 connections_offered;
  guint64 connections_answered;
  guint64 connections_failed;
  guint64 connections_lost;
  guint64 connections_evicted;
  guint64 messages_sent;
  guint64 messages_received;
  guint64 messages_dropped;
  guint64 connections_offered_overlay;
  guint64 connections_answered_overlay;
  guint64 overlay_fallbacks;
  guint64 connections_established;
  guint64 connections_established_overlay;
  guint64 signals_server;
  guint64 signals_overlay;
  guint64 relays_forwarded;
  guint64 relays_dropped;
  guint64 lookups_proxied;
  guint64 proxy_failures;
  guint64 lookups_served_as_proxy;
  guint64 lookups_refused_as_proxy;
} HormigaNodeCounters;

/**
 * HormigaNodeConnectionInfo:
 * @peer: the node at the other end
 * @open: its DHT channel is open (else it is being set up)
 * @incoming: the other node offered it
 * @overlay: negotiated through the overlay (else through hormiguero)
 * @path: (nullable): how the packets go, the local side of the selected
 *   ICE pair: "host", "srflx", "prflx" or "relay" (through TURN); NULL
 *   before one is selected
 * @opened_at: real time (µs) its DHT channel opened; 0 while being set up
 * @messages_sent: DHT messages sent on it
 * @messages_received: DHT messages received on it
 * @bytes_sent: their bytes
 * @bytes_received: their bytes
 * @rtt_ms: the SCTP association's smoothed round-trip time in ms, -1
 *   while unknown
 * @name: (nullable): the display name the peer told us, if any
 */
typedef struct
{
  HormigaPeerId *peer;
  gboolean       open;
  gboolean       incoming;
  gboolean       overlay;
  char          *path;
  gint64         opened_at;
  guint64        messages_sent;
  guint64        messages_received;
  guint64        bytes_sent;
  guint64        bytes_received;
  gint           rtt_ms;
  char          *name;
} HormigaNodeConnectionInfo;

void hormiga_node_connection_info_free (HormigaNodeConnectionInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HormigaNodeConnectionInfo, hormiga_node_connection_info_free)

#define HORMIGA_TYPE_NODE (hormiga_node_get_type ())
G_DECLARE_FINAL_TYPE (HormigaNode, hormiga_node, HORMIGA, NODE, GObject)

/* @server_url: hormiguero's WebSocket URL; @dht_config: NULL for the
 * defaults (client mode is set there; request_stall_ms is raised to
 * HORMIGA_NODE_MIN_REQUEST_STALL_MS); @context: NULL for the
 * thread-default context now. Fails only if no DTLS certificate can be
 * made. */
HormigaNode            *hormiga_node_new                 (HormigaIdentity        *identity,
                                                          const char             *server_url,
                                                          const HormigaDhtConfig *dht_config,
                                                          GMainContext           *context,
                                                          GError                **error);

/* Joins hormiguero (and rejoins after a loss); each admission adds up to
 * HORMIGA_NODE_BOOTSTRAP_CONTACTS peers of the welcome as DHT contacts and
 * bootstraps the DHT, then ::dht-ready. */
void                    hormiga_node_start               (HormigaNode            *self);
/* Leaves: closes every connection, stops the DHT (pending operations end
 * with G_IO_ERROR_CANCELLED) and the signaling client. Final. */
void                    hormiga_node_stop                (HormigaNode            *self);

/* Also joins the hormiguero at @server_url, as an ordinary node of its
 * network: each admission there adds bootstrap contacts from its welcome
 * too, offers that come through it are answered through it, and a
 * connection the node starts through hormiguero that its own hormiguero
 * does not know the peer of goes on through this one (see
 * hormiga_rtc_connector_add_signaling()). hormiguero's embedded node uses
 * it to join the networks of its peer hormigueros into one DHT. Before
 * start; returns the new client (transfer none), e.g. to watch it. */
HormigaSignalingClient *hormiga_node_add_server          (HormigaNode            *self,
                                                          const char             *server_url);

/* Host candidates only on @address (tests use 127.0.0.1); before start. */
void                    hormiga_node_set_local_address   (HormigaNode            *self,
                                                          const char             *address);
/* See hormiga_rtc_connector_set_peer_timeout(). */
void                    hormiga_node_set_peer_timeout    (HormigaNode            *self,
                                                          guint                   timeout_ms);
/* STUN servers (stun:HOST[:PORT]) and TURN servers
 * (turn:USER:PASSWORD@HOST[:PORT][?transport=udp|tcp], hormiga-ice-server.h)
 * for the connections made from now on, besides the TURN servers
 * hormiguero's welcome names; host names are resolved first. FALSE with
 * HORMIGA_RTC_ERROR_ICE saying which one is wrong and why (the servers set
 * before stay). */
gboolean                hormiga_node_set_ice_servers     (HormigaNode            *self,
                                                          const char * const     *stun,
                                                          const char * const     *turn,
                                                          GError                **error);
/* Connections made from now on use relayed candidates only: neither side
 * learns the other's addresses, and without a TURN server none connects. */
void                    hormiga_node_set_relay_only      (HormigaNode            *self,
                                                          gboolean                relay_only);
/* Our display name, told to every peer (at once to those connected);
 * NULL or "" for none. FALSE with a HORMIGA_DHT_ERROR saying why for a
 * name a hello cannot carry (hormiga_dht_message_check_name()). */
gboolean                hormiga_node_set_display_name    (HormigaNode            *self,
                                                          const char             *name,
                                                          GError                **error);
const char             *hormiga_node_get_display_name    (HormigaNode            *self);
/* The display name @peer last told us, or NULL (transfer full). */
char                   *hormiga_node_dup_peer_name       (HormigaNode            *self,
                                                          const HormigaPeerId    *peer);
void                    hormiga_node_set_max_connections (HormigaNode            *self,
                                                          guint                   max);
guint                   hormiga_node_get_max_connections (HormigaNode            *self);

HormigaIdentity        *hormiga_node_get_identity        (HormigaNode            *self);
HormigaSignalingClient *hormiga_node_get_signaling_client (HormigaNode           *self);
HormigaRtcConnector    *hormiga_node_get_connector       (HormigaNode            *self);
HormigaDht             *hormiga_node_get_dht             (HormigaNode            *self);

/* Peer connections the node tracks, open or being set up. */
guint                   hormiga_node_get_n_connections   (HormigaNode            *self);
/* One HormigaNodeConnectionInfo per connection, open or being set up
 * (transfer full). ::connections-changed says when to ask again. */
GPtrArray              *hormiga_node_list_connections    (HormigaNode            *self);
void                    hormiga_node_get_counters        (HormigaNode            *self,
                                                          HormigaNodeCounters    *counters);
/* The node's first contingent (or NULL): its lookup proxy while it has
 * few connections, before the peer it bootstrapped through. The
 * contingency service keeps it. */
void                    hormiga_node_set_lookup_proxy    (HormigaNode            *self,
                                                          const HormigaPeerId    *peer);
/* Below @n open connections to server-mode peers (or max-connections if
 * lower), lookups go to the lookup proxy (default
 * HORMIGA_NODE_PROXY_CONNECTIONS; 0: never). */
void                    hormiga_node_set_proxy_connections (HormigaNode          *self,
                                                            guint                 n);

/* Services: every connection (ours and the peers') also carries a
 * negotiated channel @id (2–1023) labelled @label; both sides must add the
 * same ones, before the node has any connection. ::channel-open and
 * ::channel-closed report them; traffic on them keeps a connection from
 * being closed as idle. */
void                    hormiga_node_add_channel         (HormigaNode            *self,
                                                          guint16                 id,
                                                          const char             *label);
/* The open channel @id on the connection to @peer, or NULL (transfer
 * none). */
HormigaDataChannel     *hormiga_node_get_channel         (HormigaNode            *self,
                                                          const HormigaPeerId    *peer,
                                                          guint16                 id);
/* Makes sure there is a connection to @peer with every channel open
 * (negotiating one through the overlay or hormiguero if need be): TRUE, or
 * FALSE with an error saying why none could be set up. */
void                    hormiga_node_connect_async       (HormigaNode            *self,
                                                          const HormigaPeerId    *peer,
                                                          GCancellable           *cancellable,
                                                          GAsyncReadyCallback     callback,
                                                          gpointer                user_data);
gboolean                hormiga_node_connect_finish      (HormigaNode            *self,
                                                          GAsyncResult           *result,
                                                          GError                **error);

/* Looks @peer up in the DHT: TRUE with the hops to it when the lookup
 * reached it, else FALSE with HORMIGA_DHT_ERROR_NOT_FOUND. */
void                    hormiga_node_find_peer_async     (HormigaNode            *self,
                                                          const HormigaPeerId    *peer,
                                                          GCancellable           *cancellable,
                                                          GAsyncReadyCallback     callback,
                                                          gpointer                user_data);
gboolean                hormiga_node_find_peer_finish    (HormigaNode            *self,
                                                          GAsyncResult           *result,
                                                          guint                  *hops,
                                                          GError                **error);

/* Stores @value under @name as a mutable record of this node (a sequence
 * number above any earlier one, the DHT's record lifetime); returns how
 * many nodes took it, or 0 and an error (HORMIGA_DHT_ERROR_UNAVAILABLE). */
void                    hormiga_node_put_async           (HormigaNode            *self,
                                                          const char             *name,
                                                          GBytes                 *value,
                                                          GCancellable           *cancellable,
                                                          GAsyncReadyCallback     callback,
                                                          gpointer                user_data);
guint                   hormiga_node_put_finish          (HormigaNode            *self,
                                                          GAsyncResult           *result,
                                                          GError                **error);

/* The value @owner stored under @name, or NULL with
 * HORMIGA_DHT_ERROR_NOT_FOUND; @hops: steps to the node that held it
 * (0 when this node did). */
void                    hormiga_node_get_async           (HormigaNode            *self,
                                                          const HormigaPeerId    *owner,
                                                          const char             *name,
                                                          GCancellable           *cancellable,
                                                          GAsyncReadyCallback     callback,
                                                          gpointer                user_data);
GBytes                 *hormiga_node_get_finish          (HormigaNode            *self,
                                                          GAsyncResult           *result,
                                                          guint                  *hops,
                                                          GError                **error);

/* Announces this node as a provider of @content (a signed provider
 * record, republished by the DHT while the node runs); returns how many
 * nodes took it, or 0 and an error. */
void                    hormiga_node_provide_async       (HormigaNode            *self,
                                                          const HormigaDhtKey    *content,
                                                          GCancellable           *cancellable,
                                                          GAsyncReadyCallback     callback,
                                                          gpointer                user_data);
guint                   hormiga_node_provide_finish      (HormigaNode            *self,
                                                          GAsyncResult           *result,
                                                          GError                **error);
/* The nodes that announced themselves as providers of @content (each
 * record's signature checked), without duplicates (element-type
 * HormigaPeerId, transfer full; may be empty, never NULL on success). */
void                    hormiga_node_find_providers_async (HormigaNode           *self,
                                                          const HormigaDhtKey    *content,
                                                          GCancellable           *cancellable,
                                                          GAsyncReadyCallback     callback,
                                                          gpointer                user_data);
GPtrArray              *hormiga_node_find_providers_finish (HormigaNode          *self,
                                                          GAsyncResult           *result,
                                                          GError                **error);

/* The live server-mode nodes closest to @key, after a DHT lookup, closest
 * first (element-type HormigaPeerId, transfer full; this node is not in
 * it). */
void                    hormiga_node_find_closest_async  (HormigaNode            *self,
                                                          const HormigaDhtKey    *key,
                                                          GCancellable           *cancellable,
                                                          GAsyncReadyCallback     callback,
                                                          gpointer                user_data);
GPtrArray              *hormiga_node_find_closest_finish (HormigaNode            *self,
                                                          GAsyncResult           *result,
                                                          GError                **error);
/* Stores a signed @record, ours or another node's (a contingent
 * republishing for a node that is gone), at the nodes closest to its key;
 * nothing to wait for. */
void                    hormiga_node_publish_record      (HormigaNode            *self,
                                                          HormigaDhtRecord       *record);
/* Our records the DHT keeps republishing (see hormiga_dht_dup_own_records();
 * empty once the node stopped). */
GPtrArray              *hormiga_node_dup_own_records     (HormigaNode            *self);
/* Where @owner's mutable record @name is stored (docs/PROTOCOL.md, "DHT
 * records"). */
void                    hormiga_node_mutable_key         (const HormigaPeerId    *owner,
                                                          const char             *name,
                                                          HormigaDhtKey          *key);

G_END_DECLS
