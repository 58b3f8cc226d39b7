/* hormiga-dht-lookup.h — one iterative Kademlia lookup, as a state machine
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Sans-I/O: the caller asks next() for peers to query (at most α in
 * flight), reports each answer with responded() or each silence with
 * failed() (or, for a slow one, stalled() first), and stops when
 * is_done(): the k closest candidates not known to have failed or stalled
 * have all answered. Candidates remember how many steps
 * away from the caller they were learnt (the caller's own contacts are at
 * 1), which gives the lookup's hop count.
 */
#pragma once

#include <glib.h>

#include "hormiga-dht-key.h"
#include "hormiga-peer-id.h"

G_BEGIN_DECLS

typedef struct _HormigaDhtLookup HormigaDhtLookup;

HormigaDhtLookup *hormiga_dht_lookup_new        (const HormigaDhtKey  *target,
                                                 guint                 k,
                                                 guint                 alpha);
void              hormiga_dht_lookup_free       (HormigaDhtLookup     *lookup);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HormigaDhtLookup, hormiga_dht_lookup_free)

const HormigaDhtKey *hormiga_dht_lookup_get_target (HormigaDhtLookup *lookup);

/* Candidates learnt from @from (NULL: our own table); known ones and
 * @exclude (ourselves) are skipped. */
void              hormiga_dht_lookup_add        (HormigaDhtLookup     *lookup,
                                                 GPtrArray            *peers,
                                                 const HormigaPeerId  *from,
                                                 const HormigaPeerId  *exclude);
/* The next peer to query now (transfer none; it is marked in flight), or
 * NULL when α are in flight or nobody useful is left. */
const HormigaPeerId *hormiga_dht_lookup_next    (HormigaDhtLookup     *lookup);
/* @peer answered, with @closer (may be NULL) as further candidates. */
void              hormiga_dht_lookup_responded  (HormigaDhtLookup     *lookup,
                                                 const HormigaPeerId  *peer,
                                                 GPtrArray            *closer,
                                                 const HormigaPeerId  *exclude);
void              hormiga_dht_lookup_failed     (HormigaDhtLookup     *lookup,
                                                 const HormigaPeerId  *peer);
/* @peer is slow: it stops counting in α and in the termination rule (as
 * if failed), but an answer that comes later is still taken. The node
 * whose key is the target is the exception: the lookup waits for it until
 * it answers or fails. */
void              hormiga_dht_lookup_stalled    (HormigaDhtLookup     *lookup,
                                                 const HormigaPeerId  *peer);
gboolean          hormiga_dht_lookup_is_done    (HormigaDhtLookup     *lookup);
/* The up to k closest peers that answered, closest first (transfer full). */
GPtrArray        *hormiga_dht_lookup_result     (HormigaDhtLookup     *lookup);
/* Steps from us to @peer (1 for our own contacts; 0 if unknown). */
guint             hormiga_dht_lookup_get_depth  (HormigaDhtLookup     *lookup,
                                                 const HormigaPeerId  *peer);
guint             hormiga_dht_lookup_get_n_queried (HormigaDhtLookup  *lookup);
guint             hormiga_dht_lookup_get_in_flight (HormigaDhtLookup  *lookup);

G_END_DECLS
