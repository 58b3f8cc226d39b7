/* hormiga-dht-routing-table.h — Kademlia k-buckets
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Sans-I/O: time comes in as arguments. One bucket per common-prefix
 * length with our own key (0–255), each holding at most k contacts, least
 * recently seen first. A newcomer to a full bucket waits in the bucket's
 * replacement cache while the caller pings the oldest contact: only if the
 * oldest fails does the newcomer get its place, so long-lived nodes stay
 * and a flood of new identities cannot flush the table. Diversity limits
 * bound how many contacts share a network group (an address prefix the
 * caller chooses), per bucket and in the whole table.
 */
#pragma once

#include <glib.h>

#include "hormiga-dht-key.h"
#include "hormiga-peer-id.h"

G_BEGIN_DECLS

typedef struct
{
  HormigaPeerId *peer;
  HormigaDhtKey  key;
  char          *group;       /* network group, or NULL when unknown */
  gint64         last_seen;   /* ms, the caller's clock */
  guint          failures;    /* requests unanswered in a row */
} HormigaDhtContact;

typedef enum {
  HORMIGA_DHT_TABLE_ADDED,     /* new contact, in its bucket */
  HORMIGA_DHT_TABLE_UPDATED,   /* known contact, now the most recently seen */
  HORMIGA_DHT_TABLE_PENDING,   /* bucket full: ping *oldest; the newcomer waits */
  HORMIGA_DHT_TABLE_REFUSED,   /* ourselves, or beyond a diversity limit */
} HormigaDhtTableResult;

typedef struct _HormigaDhtRoutingTable HormigaDhtRoutingTable;

/* The network group of an IP address, for the diversity limits: its /16
 * (IPv4) or /32 (IPv6) prefix, "4:A.B" or "6:XXXXXXXX". NULL (no limit)
 * for loopback, private, link-local, shared (100.64/10) and unique local
 * addresses, where many honest nodes share a prefix, and for text that is
 * not an address (transfer full). */
char                   *hormiga_dht_network_group            (const char              *address);

/* @max_per_group_bucket, @max_per_group_table: 0 for no limit. */
HormigaDhtRoutingTable *hormiga_dht_routing_table_new        (const HormigaDhtKey     *self,
                                                              guint                    k,
                                                              guint                    max_per_group_bucket,
                                                              guint                    max_per_group_table);
void                    hormiga_dht_routing_table_free       (HormigaDhtRoutingTable  *table);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HormigaDhtRoutingTable, hormiga_dht_routing_table_free)

/* @peer answered or asked us something at @now. On PENDING, *@oldest (if
 * not NULL) receives the contact to ping (transfer none). */
HormigaDhtTableResult   hormiga_dht_routing_table_seen       (HormigaDhtRoutingTable  *table,
                                                              const HormigaPeerId     *peer,
                                                              const char              *group,
                                                              gint64                   now,
                                                              const HormigaPeerId    **oldest);
/* @peer did not answer. After @max_failures in a row it leaves the table
 * and the newest replacement of its bucket takes its place. Returns TRUE
 * if it was removed. */
gboolean                hormiga_dht_routing_table_failed     (HormigaDhtRoutingTable  *table,
                                                              const HormigaPeerId     *peer,
                                                              guint                    max_failures);
void                    hormiga_dht_routing_table_remove     (HormigaDhtRoutingTable  *table,
                                                              const HormigaPeerId     *peer);
gboolean                hormiga_dht_routing_table_contains   (HormigaDhtRoutingTable  *table,
                                                              const HormigaPeerId     *peer);

/* The @n contacts closest to @target, closest first (element-type
 * HormigaPeerId, transfer full). */
GPtrArray              *hormiga_dht_routing_table_closest    (HormigaDhtRoutingTable  *table,
                                                              const HormigaDhtKey     *target,
                                                              guint                    n);
/* Every contact (element-type HormigaDhtContact, transfer container; valid
 * until the table changes). */
GPtrArray              *hormiga_dht_routing_table_list       (HormigaDhtRoutingTable  *table);
guint                   hormiga_dht_routing_table_get_size   (HormigaDhtRoutingTable  *table);
/* Contacts in the bucket at common-prefix length @index. */
guint                   hormiga_dht_routing_table_bucket_size (HormigaDhtRoutingTable *table,
                                                               guint                   index);
/* Index of the deepest bucket with a contact; buckets up to it are the ones
 * worth refreshing. 0 when empty. */
guint                   hormiga_dht_routing_table_depth      (HormigaDhtRoutingTable  *table);
/* The time a bucket last saw a contact (0 if never). */
gint64                  hormiga_dht_routing_table_bucket_touched (HormigaDhtRoutingTable *table,
                                                                  guint                   index);

G_END_DECLS
