/* hormiga-peer-item-private.h — what HormigaNodeThread sets on its items
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "hormiga-peer-item.h"

G_BEGIN_DECLS

/* A peer as the node thread saw it: a plain copy, made on the node thread
 * and applied on the UI thread. */
typedef struct
{
  char            *peer_id;
  guint8           key[HORMIGA_PEER_ITEM_KEY_SIZE];
  HormigaPeerKind  kind;
  gboolean         overlay;
  gboolean         incoming;
  guint            bucket;
  gboolean         in_routing_table;
  HormigaPeerRole  role;
  guint64          bytes_sent;
  guint64          bytes_received;
  gint64           connected_since;
  gint             rtt_ms;        /* -1: unknown */
  char            *display_name;  /* what the peer calls itself; NULL: nothing */
} HormigaPeerState;

void             _hormiga_peer_state_clear (HormigaPeerState       *state);
/* The list's order: closest ring first, then by PeerID. */
int              _hormiga_peer_state_compare (const HormigaPeerState *a,
                                              const HormigaPeerState *b);

HormigaPeerItem *_hormiga_peer_item_new    (const HormigaPeerState *state);
/* Takes the new state's values, notifying those that changed. The PeerID
 * and key never change. */
void             _hormiga_peer_item_update (HormigaPeerItem        *self,
                                            const HormigaPeerState *state);
/* Set by HormigaNodeThread from its transfers (not part of the state). */
void             _hormiga_peer_item_set_transferring (HormigaPeerItem *self,
                                                      gboolean         transferring);
/* As _hormiga_peer_state_compare() against an item. */
int              _hormiga_peer_item_compare_state (HormigaPeerItem        *self,
                                                   const HormigaPeerState *state);

G_END_DECLS
