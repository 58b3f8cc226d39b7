/* hormiga-network-page.h — the Network view: this node's world
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "hormiga-network-graph.h"
#include "hormiga-node-thread.h"

G_BEGIN_DECLS

#define HORMIGA_TYPE_NETWORK_PAGE (hormiga_network_page_get_type ())
G_DECLARE_FINAL_TYPE (HormigaNetworkPage, hormiga_network_page, HORMIGA, NETWORK_PAGE, GtkWidget)

HormigaNodeThread *hormiga_network_page_get_node (HormigaNetworkPage *self);
void               hormiga_network_page_set_node (HormigaNetworkPage *self,
                                                  HormigaNodeThread  *node);
/* The graph (tests). */
HormigaNetworkGraph *hormiga_network_page_get_graph (HormigaNetworkPage *self);

G_END_DECLS
