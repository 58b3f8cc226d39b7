/* hormiga-peer-row.h — one peer in the Peers list
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "hormiga-peer-item.h"

G_BEGIN_DECLS

#define HORMIGA_TYPE_PEER_ROW (hormiga_peer_row_get_type ())
G_DECLARE_FINAL_TYPE (HormigaPeerRow, hormiga_peer_row, HORMIGA, PEER_ROW, GtkWidget)

HormigaPeerItem *hormiga_peer_row_get_item (HormigaPeerRow  *self);
/* Shows @item and follows its changes; NULL for none. */
void             hormiga_peer_row_set_item (HormigaPeerRow  *self,
                                            HormigaPeerItem *item);

G_END_DECLS
