/* hormiga-status-bar.h — the always visible line saying how the node is connected
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "hormiga-node-thread.h"

G_BEGIN_DECLS

#define HORMIGA_TYPE_STATUS_BAR (hormiga_status_bar_get_type ())
G_DECLARE_FINAL_TYPE (HormigaStatusBar, hormiga_status_bar, HORMIGA, STATUS_BAR, GtkWidget)

HormigaNodeThread *hormiga_status_bar_get_node (HormigaStatusBar  *self);
void               hormiga_status_bar_set_node (HormigaStatusBar  *self,
                                                HormigaNodeThread *node);
/* The main line, then the detail line if shown, separated by a newline. */
char              *hormiga_status_bar_dup_text (HormigaStatusBar  *self);

G_END_DECLS
