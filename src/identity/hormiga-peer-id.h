/* hormiga-peer-id.h — libp2p PeerIDs of Ed25519 keys
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A PeerID is the identity multihash (code 0x00) of the protobuf-encoded
 * public key {Type: Ed25519 (1), Data: 32 bytes}; its text form is base58btc
 * and starts with "12D3KooW". Immutable and reference counted.
 */
#pragma once

#include "hormiga-types.h"

G_BEGIN_DECLS

/* Bytes of an Ed25519 PeerID: 2 (multihash header) + 4 (protobuf) + 32 (key). */
#define HORMIGA_PEER_ID_LENGTH 38

#define HORMIGA_TYPE_PEER_ID (hormiga_peer_id_get_type ())
GType           hormiga_peer_id_get_type        (void);

HormigaPeerId  *hormiga_peer_id_new_from_public_key (const guint8 public_key[32]);
/* Parses the multihash bytes of a PeerID. */
HormigaPeerId  *hormiga_peer_id_new_from_bytes  (const guint8  *data,
                                                 gsize          length,
                                                 GError       **error);
/* Parses the base58btc text form. */
/* As new_from_bytes(), without checking that the key is a valid Ed25519
 * point (the costly part): for contacts a DHT response names, which are
 * only measured by distance until a connection makes them prove the key. */
HormigaPeerId  *hormiga_peer_id_new_contact_from_bytes (const guint8  *data,
                                                        gsize          length,
                                                        GError       **error);
HormigaPeerId  *hormiga_peer_id_parse           (const char    *text,
                                                 GError       **error);

HormigaPeerId  *hormiga_peer_id_ref             (HormigaPeerId *self);
void            hormiga_peer_id_unref           (HormigaPeerId *self);

/* The base58btc text; owned by @self. */
const char     *hormiga_peer_id_to_string       (const HormigaPeerId *self);
/* The HORMIGA_PEER_ID_LENGTH multihash bytes; owned by @self. */
const guint8   *hormiga_peer_id_get_bytes       (const HormigaPeerId *self,
                                                 gsize               *length);
/* The 32-byte Ed25519 public key; owned by @self. */
const guint8   *hormiga_peer_id_get_public_key  (const HormigaPeerId *self);
/* The 32-byte DHT key: SHA-256 of the PeerID bytes; owned by @self. */
const guint8   *hormiga_peer_id_get_dht_key     (const HormigaPeerId *self);

gboolean        hormiga_peer_id_equal           (const HormigaPeerId *a,
                                                 const HormigaPeerId *b);
guint           hormiga_peer_id_hash            (const HormigaPeerId *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HormigaPeerId, hormiga_peer_id_unref)

G_END_DECLS
