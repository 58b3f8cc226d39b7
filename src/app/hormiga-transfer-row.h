/* hormiga-transfer-row.h — one transfer in the Transfers list
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "hormiga-transfer-item.h"

G_BEGIN_DECLS

#define HORMIGA_TYPE_TRANSFER_ROW (hormiga_transfer_row_get_type ())
G_DECLARE_FINAL_TYPE (HormigaTransferRow, hormiga_transfer_row, HORMIGA, TRANSFER_ROW, GtkWidget)

HormigaTransferItem *hormiga_transfer_row_get_item     (HormigaTransferRow  *self);
void                 hormiga_transfer_row_set_item     (HormigaTransferRow  *self,
                                                        HormigaTransferItem *item);
/* What the row shows now (tests): the progress bar's fraction and the
 * details line. */
double               hormiga_transfer_row_get_fraction (HormigaTransferRow  *self);
const char          *hormiga_transfer_row_get_details  (HormigaTransferRow  *self);

G_END_DECLS
