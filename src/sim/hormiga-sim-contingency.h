/* hormiga-sim-contingency.h — contingency nodes in hormiga-sim
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Drives the contingency core of every simulated node the way a node
 * would: candidates from the DHT routing table (the nodes closest to its
 * own key), a few signed records of its own put in the DHT and backed up
 * with a private blob, takeovers republished through the DHT. Measures
 * what survives departures: records lost, repair times, bytes held,
 * handoffs and takeovers.
 */
#pragma once

#include <glib.h>

#include "hormiga-sim-network.h"

G_BEGIN_DECLS

typedef struct _HormigaSimContingency HormigaSimContingency;

/* Enables contingency on @network (call before adding nodes); @nodes is
 * the simulator's array of every node ever made. */
HormigaSimContingency *hormiga_sim_contingency_new    (HormigaSimNetwork *network,
                                                       GPtrArray         *nodes,
                                                       guint              r,
                                                       guint              records_per_node);
void                   hormiga_sim_contingency_free   (HormigaSimContingency *sim);
/* @node leaves: with a word (its contingency core hands over first) or
 * without. */
void                   hormiga_sim_contingency_depart (HormigaSimContingency *sim,
                                                       HormigaSimNode        *node,
                                                       gboolean               graceful);
/* Looks every record of a departed owner up from random live nodes; runs
 * the network until the lookups end. */
void                   hormiga_sim_contingency_check  (HormigaSimContingency *sim);
/* The "contingency" object of the JSON line (caller frees). */
char                  *hormiga_sim_contingency_report (HormigaSimContingency *sim);
/* Records lost: the run failed. */
guint                  hormiga_sim_contingency_get_lost (HormigaSimContingency *sim);

G_END_DECLS
