/* hormiga-contingency-service.h — contingency nodes on a running HormigaNode
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Drives the contingency core (HormigaContingency, src/contingency/) with a
 * node's connections: its messages travel on a negotiated channel of every
 * connection (id 3, label "hormiga-contingency"), a message for a peer
 * without a connection waits while one is set up (hormiga_node_connect_async),
 * candidates come from a DHT lookup of our own key, the backup follows the
 * records the node's DHT republishes (checked every second), and a
 * takeover republishes the records of a node that is gone through the
 * node's DHT. Create it before the node starts (it adds the channel); it
 * starts once the node has joined (::dht-ready).
 *
 * Signals: ::event (a const HormigaContingencyEvent *, valid during the
 * emission) for everything the core reports, ::changed when what the
 * core's list functions return may have changed (at most once a second
 * besides events).
 *
 * Everything runs on the node's GMainContext.
 */
#pragma once

#include <gio/gio.h>

#include "hormiga-contingency.h"
#include "hormiga-node.h"

G_BEGIN_DECLS

#define HORMIGA_CONTINGENCY_CHANNEL_ID    3
#define HORMIGA_CONTINGENCY_CHANNEL_LABEL "hormiga-contingency"
/* The node's own records are compared with the backup this often. */
#define HORMIGA_CONTINGENCY_SYNC_MS       1000
/* Messages (and bytes) held for a peer while its connection is set up;
 * later ones are dropped (the heartbeats notice). */
#define HORMIGA_CONTINGENCY_MAX_QUEUED    256
#define HORMIGA_CONTINGENCY_MAX_QUEUED_BYTES (16 * 1024 * 1024)

#define HORMIGA_TYPE_CONTINGENCY_SERVICE (hormiga_contingency_service_get_type ())
G_DECLARE_FINAL_TYPE (HormigaContingencyService, hormiga_contingency_service, HORMIGA,
                      CONTINGENCY_SERVICE, GObject)

/* @config: NULL for the defaults. */
HormigaContingencyService *hormiga_contingency_service_new (HormigaNode                    *node,
                                                            const HormigaContingencyConfig *config);
HormigaNode        *hormiga_contingency_service_get_node  (HormigaContingencyService *self);
/* The core, to read its state (contingents, protected nodes, backup). */
HormigaContingency *hormiga_contingency_service_get_contingency (HormigaContingencyService *self);
/* The node has joined, a first contingent has said what it holds for us
 * (a newer copy of our backup was restored first), and the backup follows
 * the node's records. Set the private blob only from then on, or a
 * restored one is ignored. */
gboolean            hormiga_contingency_service_is_running (HormigaContingencyService *self);
/* See hormiga_contingency_set_private(). */
gboolean            hormiga_contingency_service_set_private (HormigaContingencyService *self,
                                                             GBytes                    *plaintext,
                                                             GError                   **error);
/* Graceful leave: hands what we hold to the owners' next successors, tells
 * owners and contingents, and completes once every handoff is acknowledged
 * or the core's leave timeout passed (at once if the service never ran).
 * The node can then stop. Never fails. */
void                hormiga_contingency_service_leave_async  (HormigaContingencyService *self,
                                                              GCancellable              *cancellable,
                                                              GAsyncReadyCallback        callback,
                                                              gpointer                   user_data);
gboolean            hormiga_contingency_service_leave_finish (HormigaContingencyService *self,
                                                              GAsyncResult              *result,
                                                              GError                   **error);

G_END_DECLS
