/* hormiga-sim-network.h — a simulated network for DHT cores, in virtual time
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every node is a real HormigaDht. Messages are real encoded bytes,
 * delivered after a latency drawn per link (stable for a pair of nodes,
 * plus jitter) unless lost or sent to a node that has left; each node's
 * tick() runs when it asked to. Time is virtual: nothing sleeps.
 * Optionally every node runs a HormigaContingency beside its DHT, on a
 * channel of its own over the same links.
 */
#pragma once

#include <glib.h>

#include "hormiga-contingency.h"
#include "hormiga-dht.h"

G_BEGIN_DECLS

typedef struct
{
  guint    min_latency_ms;    /* one way, 10 */
  guint    max_latency_ms;    /* one way, 150 */
  double   loss;              /* probability a message is lost, 0 */
  guint32  seed;
} HormigaSimNetworkConfig;

typedef struct _HormigaSimNetwork HormigaSimNetwork;
typedef struct _HormigaSimNode HormigaSimNode;

HormigaSimNetwork *hormiga_sim_network_new        (const HormigaSimNetworkConfig *config,
                                                   const HormigaDhtConfig        *dht_config);
void               hormiga_sim_network_free       (HormigaSimNetwork *network);

/* A new live node (its identity made from the network's seeded randomness). */
HormigaSimNode    *hormiga_sim_network_add_node   (HormigaSimNetwork *network);
/* The same with its own configuration (a client-mode node, say). */
HormigaSimNode    *hormiga_sim_network_add_node_with_config (HormigaSimNetwork      *network,
                                                             const HormigaDhtConfig *config);
/* The node leaves without a word: messages to it vanish. */
void               hormiga_sim_network_kill       (HormigaSimNetwork *network,
                                                   HormigaSimNode    *node);
HormigaDht        *hormiga_sim_node_get_dht       (HormigaSimNode    *node);
gboolean           hormiga_sim_node_is_alive      (HormigaSimNode    *node);

typedef void (*HormigaSimContingencyFunc) (HormigaSimNode                *node,
                                           const HormigaContingencyEvent *event,
                                           gpointer                       user_data);

/* Every node added from now on also runs a contingency core with @config;
 * its events go to @func. */
void               hormiga_sim_network_enable_contingency (HormigaSimNetwork              *network,
                                                           const HormigaContingencyConfig *config,
                                                           HormigaSimContingencyFunc       func,
                                                           gpointer                        user_data);
/* NULL unless contingency is enabled. */
HormigaContingency *hormiga_sim_node_get_contingency (HormigaSimNode *node);
/* A graceful leave: the contingency core leaves now, the node is gone
 * @after_ms later (sooner if hormiga_sim_network_kill() is called). */
void               hormiga_sim_network_leave      (HormigaSimNetwork *network,
                                                   HormigaSimNode    *node,
                                                   gint64             after_ms);
HormigaSimNode    *hormiga_sim_network_find       (HormigaSimNetwork   *network,
                                                   const HormigaPeerId *peer);
guint              hormiga_sim_node_get_index     (HormigaSimNode    *node);
HormigaIdentity   *hormiga_sim_node_get_identity  (HormigaSimNode    *node);

/* Runs events until virtual time @until (ms since the start) or until
 * @done(@data) says so (checked after each event; may be NULL). */
void               hormiga_sim_network_run        (HormigaSimNetwork *network,
                                                   gint64             until,
                                                   gboolean         (*done) (gpointer data),
                                                   gpointer           data);
/* Virtual ms since the start. */
gint64             hormiga_sim_network_get_time   (HormigaSimNetwork *network);
guint64            hormiga_sim_network_get_n_messages (HormigaSimNetwork *network);
/* Messages on the DHT channel (get_n_messages) and on the contingency one. */
guint64            hormiga_sim_network_get_n_contingency_messages (HormigaSimNetwork *network);
GRand             *hormiga_sim_network_get_rand   (HormigaSimNetwork *network);

G_END_DECLS
