/* hormiga-window.h — the main window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "hormiga-network-page.h"
#include "hormiga-node-thread.h"
#include "hormiga-peers-page.h"

G_BEGIN_DECLS

#define HORMIGA_TYPE_WINDOW (hormiga_window_get_type ())
G_DECLARE_FINAL_TYPE (HormigaWindow, hormiga_window, HORMIGA, WINDOW, AdwApplicationWindow)

HormigaWindow *hormiga_window_new             (AdwApplication    *application,
                                               HormigaNodeThread *node);

HormigaNodeThread *hormiga_window_get_node    (HormigaWindow     *self);
/* What the status bar says now (its main line, then its detail line if
 * shown, separated by a newline). */
char          *hormiga_window_dup_status_text (HormigaWindow     *self);
/* Shows the view "network", "peers" or "transfers". */
void           hormiga_window_show_view       (HormigaWindow     *self,
                                               const char        *name);
HormigaNetworkPage *hormiga_window_get_network_page (HormigaWindow *self);
HormigaPeersPage   *hormiga_window_get_peers_page   (HormigaWindow *self);

G_END_DECLS
