/* hormiga-control-server.h — a running node's control socket
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Listens on a Unix socket of mode 0600 in a directory only its owner can
 * enter, and answers the requests of hormiga-control-protocol.h with what
 * a HormigaNode knows or does: its connections, routing table, counters,
 * DHT lookups and records, and the files of its HormigaTransferManager
 * when it is given one. It refuses to start while another node answers
 * on the same path, replaces a stale socket file, and removes its own on
 * stop. Runs on the node's GMainContext; nothing blocks once started
 * (the liveness check at construction connects to a local socket, which
 * answers or fails at once).
 */
#pragma once

#include <gio/gio.h>

#include "hormiga-contingency-service.h"
#include "hormiga-node.h"
#include "hormiga-transfer-manager.h"

G_BEGIN_DECLS

#define HORMIGA_TYPE_CONTROL_SERVER (hormiga_control_server_get_type ())
G_DECLARE_FINAL_TYPE (HormigaControlServer, hormiga_control_server, HORMIGA, CONTROL_SERVER,
                      GObject)

/* Listens on @path (created, with its directory if missing, mode 0700).
 * Fails with HORMIGA_CONTROL_ERROR_IN_USE if a node answers there or the
 * path is not a socket, HORMIGA_CONTROL_ERROR_UNSAFE if the directory is
 * not its owner's alone, or a G_IO_ERROR. @context: NULL for the
 * thread-default one; the server must be used from the thread running it. */
HormigaControlServer *hormiga_control_server_new           (HormigaNode          *node,
                                                            const char           *path,
                                                            GMainContext         *context,
                                                            GError              **error);
const char           *hormiga_control_server_get_path      (HormigaControlServer *self);
/* The file service the share, send, download, transfers, pause, resume
 * and cancel operations use; without one (NULL, the default) they fail
 * with HORMIGA_CONTROL_ERROR_FAILED. Kept until the server is disposed. */
void                  hormiga_control_server_set_transfers (HormigaControlServer   *self,
                                                            HormigaTransferManager *transfers);
/* The contingency service `contingency` describes; without one (the
 * default) it fails with HORMIGA_CONTROL_ERROR_FAILED. */
void                  hormiga_control_server_set_contingency (HormigaControlServer      *self,
                                                              HormigaContingencyService *service);
/* Clients connected now (those refused for the limit not counted). */
guint                 hormiga_control_server_get_n_clients (HormigaControlServer *self);
/* Stops listening, removes the socket file (if it is still ours), closes
 * every client and cancels their operations. Final; dispose does it too. */
void                  hormiga_control_server_stop          (HormigaControlServer *self);

G_END_DECLS
