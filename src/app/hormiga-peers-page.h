/* hormiga-peers-page.h — the Peers view: connected and known peers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "hormiga-node-thread.h"

G_BEGIN_DECLS

#define HORMIGA_TYPE_PEERS_PAGE (hormiga_peers_page_get_type ())
G_DECLARE_FINAL_TYPE (HormigaPeersPage, hormiga_peers_page, HORMIGA, PEERS_PAGE, GtkWidget)

HormigaNodeThread *hormiga_peers_page_get_node      (HormigaPeersPage  *self);
/* Lists @node's peers (its list model, unchanged); NULL for none. */
void               hormiga_peers_page_set_node      (HormigaPeersPage  *self,
                                                     HormigaNodeThread *node);
/* The list view (tests). */
GtkListView       *hormiga_peers_page_get_list_view (HormigaPeersPage  *self);

G_END_DECLS
