/* hormiga-network-graph-private.h — the Network graph's layout, alone
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A peer to place: its bucket (the number of leading bits its key shares
 * with this node's) and its angle from its key; the layout writes its
 * place on the unit circle. */
typedef struct
{
  guint       bucket;
  double      angle;     /* [0, 2π) */
  const char *tie;       /* orders equal angles (the PeerID) */
  double      x, y;      /* out */
} HormigaGraphPlace;

/* The angle of a peer, from bytes 8 to 11 of its 32-byte DHT key. */
double  _hormiga_network_graph_key_angle (const guint8      *key);

/* Places every peer on a ring by its bucket, at its own angle. Rings are
 * spread evenly between 0.38 and 1 over the buckets present, the closest
 * (highest bucket) inside; on a ring, a peer closer than 18° (or a fair
 * share of the ring when it holds more than 20) to the one before it, by
 * angle, is pushed on to that gap. So a peer keeps its place while others
 * come and go on the rings present, unless one comes within the gap before
 * it. Returns the ring radii, innermost first (@n_rings of them; free with
 * g_free()). */
double *_hormiga_network_graph_layout    (HormigaGraphPlace *places,
                                          guint              n_places,
                                          guint             *n_rings);

G_END_DECLS
