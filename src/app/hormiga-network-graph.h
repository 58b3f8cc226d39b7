/* hormiga-network-graph.h — this node's world, drawn
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "hormiga-peer-item.h"

G_BEGIN_DECLS

#define HORMIGA_TYPE_NETWORK_GRAPH (hormiga_network_graph_get_type ())
G_DECLARE_FINAL_TYPE (HormigaNetworkGraph, hormiga_network_graph, HORMIGA, NETWORK_GRAPH, GtkWidget)

GtkWidget       *hormiga_network_graph_new              (void);

/* A GListModel of HormigaPeerItem (the node thread's); NULL for none. */
void             hormiga_network_graph_set_model        (HormigaNetworkGraph *self,
                                                         GListModel          *model);
GListModel      *hormiga_network_graph_get_model        (HormigaNetworkGraph *self);
/* This node's PeerID, drawn at the centre; NULL for none. */
void             hormiga_network_graph_set_self_peer_id (HormigaNetworkGraph *self,
                                                         const char          *peer_id);
const char      *hormiga_network_graph_get_self_peer_id (HormigaNetworkGraph *self);

/* What is drawn now (tests): peers (those leaving excluded), and lines for
 * open connections among them. */
guint            hormiga_network_graph_get_n_peers      (HormigaNetworkGraph *self);
guint            hormiga_network_graph_get_n_links      (HormigaNetworkGraph *self);
/* Lines pulsing now: connected peers that chunks move to or from. */
guint            hormiga_network_graph_get_n_pulses     (HormigaNetworkGraph *self);
/* Whether its frame clock callback runs (easing, pulses). */
gboolean         hormiga_network_graph_get_animating    (HormigaNetworkGraph *self);
/* The contingency chain's arrows drawn now (peers leaving excluded): from
 * this node to its contingents (@n_out) and from the peers it protects to
 * it (@n_in; either may be NULL). Returns both together. */
guint            hormiga_network_graph_get_n_chain_arrows (HormigaNetworkGraph *self,
                                                           guint               *n_out,
                                                           guint               *n_in);
/* The peer the keyboard focus ring is on, or NULL. */
HormigaPeerItem *hormiga_network_graph_get_focused_peer (HormigaNetworkGraph *self);
/* Moves the focus ring to @item, a peer of the model (or NULL). */
void             hormiga_network_graph_focus_peer       (HormigaNetworkGraph *self,
                                                         HormigaPeerItem     *item);
/* Opens the details of the focused peer (what Enter does); FALSE if none. */
gboolean         hormiga_network_graph_show_details     (HormigaNetworkGraph *self);
/* Where @item is drawn now, in widget coordinates; FALSE if it is not. */
gboolean         hormiga_network_graph_get_peer_position (HormigaNetworkGraph *self,
                                                          HormigaPeerItem     *item,
                                                          graphene_point_t    *point);

G_END_DECLS
