/* hormiga-control-client.h — asks a running node through its control socket
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The other end of hormiga-control-server.h, for the `hormiga-node`
 * subcommands: a program with nothing else to do, so its calls block
 * (with a timeout) instead of running a main loop.
 */
#pragma once

#include <gio/gio.h>

#include "hormiga-control-protocol.h"

G_BEGIN_DECLS

#define HORMIGA_TYPE_CONTROL_CLIENT (hormiga_control_client_get_type ())
G_DECLARE_FINAL_TYPE (HormigaControlClient, hormiga_control_client, HORMIGA, CONTROL_CLIENT,
                      GObject)

/* Connects to the node listening on @path; HORMIGA_CONTROL_ERROR_NO_NODE
 * when none does (no socket file, or nobody behind it). Every later read
 * or write gives up after @timeout_s seconds (0: never). */
HormigaControlClient *hormiga_control_client_connect     (const char                  *path,
                                                          guint                        timeout_s,
                                                          GError                     **error);
/* Sends @request and returns the node's reply to it (a failed reply has
 * its error in ->error); NULL with an error if none came. */
HormigaControlReply  *hormiga_control_client_call        (HormigaControlClient        *self,
                                                          const HormigaControlRequest *request,
                                                          GError                     **error);
/* Waits until the node closes the connection (after quit: it has removed
 * its socket by then). */
gboolean              hormiga_control_client_wait_closed (HormigaControlClient        *self,
                                                          GError                     **error);

G_END_DECLS
