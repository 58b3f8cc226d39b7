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
 * being set up, or starts one through hormiguero. A connection that fails
 * or closes tells the DHT that the peer is lost (after sending our
 * unanswered requests again, once, if the peer closed it). Beyond
 * max-connections (default 32), the least recently used connection that
 * has been idle for a request timeout and carries no request of ours in
 * flight is closed; while none qualifies, the node stays above the limit.
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
} HormigaNodeCounters;

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

/* Host candidates only on @address (tests use 127.0.0.1); before start. */
void                    hormiga_node_set_local_address   (HormigaNode            *self,
                                                          const char             *address);
/* See hormiga_rtc_connector_set_peer_timeout(). */
void                    hormiga_node_set_peer_timeout    (HormigaNode            *self,
                                                          guint                   timeout_ms);
void                    hormiga_node_set_max_connections (HormigaNode            *self,
                                                          guint                   max);
guint                   hormiga_node_get_max_connections (HormigaNode            *self);

HormigaIdentity        *hormiga_node_get_identity        (HormigaNode            *self);
HormigaSignalingClient *hormiga_node_get_signaling_client (HormigaNode           *self);
HormigaRtcConnector    *hormiga_node_get_connector       (HormigaNode            *self);
HormigaDht             *hormiga_node_get_dht             (HormigaNode            *self);

/* Peer connections the node tracks, open or being set up. */
guint                   hormiga_node_get_n_connections   (HormigaNode            *self);
void                    hormiga_node_get_counters        (HormigaNode            *self,
                                                          HormigaNodeCounters    *counters);

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

/* Where @owner's mutable record @name is stored (docs/PROTOCOL.md, "DHT
 * records"). */
void                    hormiga_node_mutable_key         (const HormigaPeerId    *owner,
                                                          const char             *name,
                                                          HormigaDhtKey          *key);

G_END_DECLS
