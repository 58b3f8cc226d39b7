/* hormiga-transfers-page.h — the Transfers view
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "hormiga-node-thread.h"

G_BEGIN_DECLS

#define HORMIGA_TYPE_TRANSFERS_PAGE (hormiga_transfers_page_get_type ())
G_DECLARE_FINAL_TYPE (HormigaTransfersPage, hormiga_transfers_page, HORMIGA, TRANSFERS_PAGE, GtkWidget)

HormigaNodeThread *hormiga_transfers_page_get_node      (HormigaTransfersPage *self);
void               hormiga_transfers_page_set_node      (HormigaTransfersPage *self,
                                                         HormigaNodeThread    *node);
GtkListView       *hormiga_transfers_page_get_list_view (HormigaTransfersPage *self);

G_END_DECLS
