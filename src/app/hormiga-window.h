/* hormiga-window.h — the main window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "hormiga-network-page.h"
#include "hormiga-node-thread.h"
#include "hormiga-peers-page.h"
#include "hormiga-transfers-page.h"

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
HormigaTransfersPage *hormiga_window_get_transfers_page (HormigaWindow *self);

/* Shows @toast (transfer full, floating is fine) over the views. */
void           hormiga_window_add_toast       (HormigaWindow     *self,
                                               AdwToast          *toast);
/* The title of the last toast shown (tests), NULL if none. */
const char    *hormiga_window_get_last_toast  (HormigaWindow     *self);

/* Window actions, also reachable from the header bar's menu, the Peers
 * list and the Network view:
 *   win.publish                  choose a file, share it, show its link
 *   win.publish-uri (s)          the same for a file:// URI
 *   win.open-link                ask for a hormiga: link and download it
 *   win.download-link (s)        download that link
 *   win.send-file (s)            choose a file and offer it to that PeerID
 *   win.send-uri ((ss))          offer the file at a URI to a PeerID
 *   win.pause-transfer (u), win.resume-transfer (u),
 *   win.cancel-transfer (u), win.open-transfer-folder (u)
 */

G_END_DECLS
G_END_DECLS
