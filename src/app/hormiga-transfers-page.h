/* hormiga-transfers-page.h — the Transfers view: uploads and downloads
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define HORMIGA_TYPE_TRANSFERS_PAGE (hormiga_transfers_page_get_type ())
G_DECLARE_FINAL_TYPE (HormigaTransfersPage, hormiga_transfers_page, HORMIGA, TRANSFERS_PAGE, GtkWidget)

G_END_DECLS
