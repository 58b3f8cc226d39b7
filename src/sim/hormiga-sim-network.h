/* hormiga-sim-network.h — a simulated network for DHT cores, in virtual time
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every node is a real HormigaDht. Messages are real encoded bytes,
 * delivered after a latency drawn per link (stable for a pair of nodes,
 * plus jitter) unless lost or sent to a node that has left; each node's
 * tick() runs when it asked to. Time is virtual: nothing sleeps.
 */
#pragma once

#include <glib.h>

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

/* Runs events until virtual time @until (ms since the start) or until
 * @done(@data) says so (checked after each event; may be NULL). */
void               hormiga_sim_network_run        (HormigaSimNetwork *network,
                                                   gint64             until,
                                                   gboolean         (*done) (gpointer data),
                                                   gpointer           data);
/* Virtual ms since the start. */
gint64             hormiga_sim_network_get_time   (HormigaSimNetwork *network);
guint64            hormiga_sim_network_get_n_messages (HormigaSimNetwork *network);
GRand             *hormiga_sim_network_get_rand   (HormigaSimNetwork *network);

G_END_DECLS
