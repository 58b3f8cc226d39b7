/* hormiga-peer-item.h — one peer as the application shows it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* How the node reaches a peer now. */
typedef enum {
  HORMIGA_PEER_KIND_KNOWN,       /* a DHT contact, no connection */
  HORMIGA_PEER_KIND_CONNECTING,  /* a connection is being set up */
  HORMIGA_PEER_KIND_DIRECT,      /* connected, packets go straight to the peer */
  HORMIGA_PEER_KIND_RELAYED,     /* connected through a TURN relay */
} HormigaPeerKind;

GType hormiga_peer_kind_get_type (void);
#define HORMIGA_TYPE_PEER_KIND (hormiga_peer_kind_get_type ())

/* What the peer is to this node: who protects whom (contingency). */
typedef enum {
  HORMIGA_PEER_ROLE_NEIGHBOUR,   /* a DHT neighbour */
  HORMIGA_PEER_ROLE_CONTINGENT,  /* it keeps a backup of this node */
  HORMIGA_PEER_ROLE_PROTECTED,   /* this node keeps a backup of it */
  HORMIGA_PEER_ROLE_MUTUAL,      /* both */
} HormigaPeerRole;

GType hormiga_peer_role_get_type (void);
#define HORMIGA_TYPE_PEER_ROLE (hormiga_peer_role_get_type ())

#define HORMIGA_PEER_ITEM_KEY_SIZE 32

#define HORMIGA_TYPE_PEER_ITEM (hormiga_peer_item_get_type ())
G_DECLARE_FINAL_TYPE (HormigaPeerItem, hormiga_peer_item, HORMIGA, PEER_ITEM, GObject)

/* Items are made and updated by HormigaNodeThread on its owner's thread;
 * they are read-only for everyone else. */
const char      *hormiga_peer_item_get_peer_id         (HormigaPeerItem *self);
/* The distinctive part of the PeerID, for display: "AbCdEf…WxYz". */
const char      *hormiga_peer_item_get_short_id        (HormigaPeerItem *self);
/* The name the peer told us it goes by, or NULL. */
const char      *hormiga_peer_item_get_display_name    (HormigaPeerItem *self);
/* The peer's 32-byte DHT key (SHA-256 of its PeerID); owned by @self. */
const guint8    *hormiga_peer_item_get_key             (HormigaPeerItem *self);
gboolean         hormiga_peer_item_get_connected       (HormigaPeerItem *self);
HormigaPeerKind  hormiga_peer_item_get_kind            (HormigaPeerItem *self);
/* The connection was negotiated through the overlay (else hormiguero). */
gboolean         hormiga_peer_item_get_overlay         (HormigaPeerItem *self);
/* The peer opened the connection. */
gboolean         hormiga_peer_item_get_incoming        (HormigaPeerItem *self);
/* The DHT distance ring: bits our keys share (0 = the farthest half). */
guint            hormiga_peer_item_get_bucket          (HormigaPeerItem *self);
gboolean         hormiga_peer_item_get_in_routing_table (HormigaPeerItem *self);
HormigaPeerRole  hormiga_peer_item_get_role            (HormigaPeerItem *self);
guint64          hormiga_peer_item_get_bytes_sent      (HormigaPeerItem *self);
guint64          hormiga_peer_item_get_bytes_received  (HormigaPeerItem *self);
/* Real time (µs) the connection opened; 0 while not connected. */
gint64           hormiga_peer_item_get_connected_since (HormigaPeerItem *self);
/* The connection's smoothed round-trip time (SCTP) in ms; -1 while
 * unknown or not connected. */
gint             hormiga_peer_item_get_rtt             (HormigaPeerItem *self);
/* A download is taking chunks from the peer, or an upload is sending it
 * chunks, now. */
gboolean         hormiga_peer_item_get_transferring    (HormigaPeerItem *self);

G_END_DECLS
