/* hormiga-peers-page.h — the Peers view: connected and known peers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define HORMIGA_TYPE_PEERS_PAGE (hormiga_peers_page_get_type ())
G_DECLARE_FINAL_TYPE (HormigaPeersPage, hormiga_peers_page, HORMIGA, PEERS_PAGE, GtkWidget)

G_END_DECLS
