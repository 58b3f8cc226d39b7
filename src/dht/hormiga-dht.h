/* hormiga-dht.h — a Kademlia node, without I/O
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The protocol core of the DHT: routing table, lookups, the RPCs of
 * hormiga-dht-message.h and the store of hormiga-dht-store.h. It sends
 * through a function it is given, reads the time from another and takes
 * its randomness from a third, and runs only when called: receive() for a
 * message, tick() for timers (it says when it wants the next). The same
 * code runs in a node (messages on a data channel) and in hormiga-sim
 * (thousands of instances on a simulated network in one process). No
 * globals; every instance is independent.
 */
#pragma once

#include <glib.h>

#include "hormiga-dht-key.h"
#include "hormiga-dht-message.h"
#include "hormiga-dht-record.h"
#include "hormiga-dht-routing-table.h"
#include "hormiga-dht-store.h"
#include "hormiga-identity.h"
#include "hormiga-peer-id.h"

G_BEGIN_DECLS

typedef struct _HormigaDht HormigaDht;

/**
 * HormigaDhtIo:
 * @send: hand @message to @to (the caller owns the transport; a message to
 *   a peer it cannot reach is dropped, and peer_lost() says so)
 * @now: milliseconds since the unix epoch (real or simulated)
 * @random: @length random bytes
 * @relay: (nullable): a relay message (signalling through the overlay,
 *   hormiga-dht-message.h) arrived from @from; the DHT does not route them,
 *   its owner does. NULL: relays are dropped.
 * @hello: (nullable): a hello (a display name, or none) arrived from
 *   @from; the DHT keeps no names, its owner does. NULL: hellos are
 *   dropped.
 */
typedef struct
{
  void   (*send)   (const HormigaPeerId *to,
                    GBytes              *message,
                    gpointer             user_data);
  gint64 (*now)    (gpointer             user_data);
  void   (*random) (guint8              *out,
                    gsize                length,
                    gpointer             user_data);
  void   (*relay)  (const HormigaPeerId *from,
                    const HormigaDhtMessage *relay,
                    gpointer             user_data);
  void   (*hello)  (const HormigaPeerId *from,
                    const HormigaDhtMessage *hello,
                    gpointer             user_data);
} HormigaDhtIo;

typedef struct
{
  guint    k;                      /* bucket size and replication, 20 */
  guint    alpha;                  /* requests in flight per lookup, 3 */
  guint    request_timeout_ms;     /* 5,000 */
  guint    request_stall_ms;       /* a lookup stops waiting on a slow peer, 1,000 */
  guint    max_failures;           /* unanswered requests before a contact goes, 2 */
  gboolean client_mode;            /* ask, but stay out of others' tables */
  guint    refresh_interval_ms;    /* a bucket untouched this long is refreshed, 10 min */
  guint    record_ttl_s;           /* our own records' lifetime, 24 h */
  guint    republish_interval_ms;  /* our own records are put again this often, 1 h */
  guint    max_per_group_bucket;   /* diversity, 2 (0: no limit) */
  guint    max_per_group_table;    /* diversity, 3 (0: no limit) */
  gsize    store_max_bytes;        /* 64 MiB */
  gsize    store_max_bytes_per_peer; /* 1 MiB */
} HormigaDhtConfig;

#define HORMIGA_DHT_CONFIG_INIT { 20, 3, 5000, 1000, 2, FALSE, 600000, 86400, 3600000, 2, 3, \
                                  HORMIGA_DHT_STORE_DEFAULT_MAX_BYTES,                 \
                                  HORMIGA_DHT_STORE_DEFAULT_MAX_BYTES_PER_PEER }

typedef struct
{
  guint    hops;         /* steps to the node that answered it (closest node, or the value's
                          * holder); 1 when a proxy answered */
  guint    messages;     /* requests sent */
  gint64   duration_ms;
  gboolean proxied;      /* a lookup proxy ran it for us (and its answer verified) */
} HormigaDhtLookupStats;

/* A lookup proxy (docs/PROTOCOL.md, "lookup"): a node runs whole lookups
 * for the peers that ask, at most this many at a time for one peer, at
 * most this many for all of them, and at most HORMIGA_DHT_PROXY_RATE a
 * second per peer (HORMIGA_DHT_PROXY_BURST after a quiet spell); beyond
 * that it answers "busy". Rates are kept for this many peers at most. */
#define HORMIGA_DHT_PROXY_MAX_IN_FLIGHT  4
#define HORMIGA_DHT_PROXY_MAX_TOTAL      64
#define HORMIGA_DHT_PROXY_RATE           2
#define HORMIGA_DHT_PROXY_BURST          8
#define HORMIGA_DHT_PROXY_MAX_CLIENTS    1024
/* A proxy that failed us other than by being busy or finding nothing is
 * not asked again for this long (10 min); this many are remembered. */
#define HORMIGA_DHT_PROXY_BAD_MS         600000
#define HORMIGA_DHT_PROXY_MAX_BAD        64

/**
 * HormigaDhtProxyStats:
 * @lookups_proxied: our lookups sent to a proxy
 * @proxy_failures: of those, the ones the proxy failed (an error, no
 *   answer in time, an answer that did not verify, or an empty one): they
 *   ran here instead
 * @lookups_served: lookups run for other peers as their proxy
 * @lookups_refused: lookups of other peers refused as over the limits
 */
typedef struct
{
  guint64 lookups_proxied;
  guint64 proxy_failures;
  guint64 lookups_served;
  guint64 lookups_refused;
} HormigaDhtProxyStats;

typedef void (*HormigaDhtNodesFunc)   (HormigaDht                  *dht,
                                       GPtrArray                   *closest,
                                       const HormigaDhtLookupStats *stats,
                                       gpointer                     user_data);
typedef void (*HormigaDhtRecordFunc)  (HormigaDht                  *dht,
                                       HormigaDhtRecord            *record,
                                       const GError                *error,
                                       const HormigaDhtLookupStats *stats,
                                       gpointer                     user_data);
typedef void (*HormigaDhtRecordsFunc) (HormigaDht                  *dht,
                                       GPtrArray                   *records,
                                       const HormigaDhtLookupStats *stats,
                                       gpointer                     user_data);
typedef void (*HormigaDhtPutFunc)     (HormigaDht                  *dht,
                                       guint                        stored,
                                       const GError                *error,
                                       gpointer                     user_data);

HormigaDht        *hormiga_dht_new              (HormigaIdentity         *identity,
                                                 const HormigaDhtConfig  *config,
                                                 const HormigaDhtIo      *io,
                                                 gpointer                 user_data);
void               hormiga_dht_free             (HormigaDht              *dht);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HormigaDht, hormiga_dht_free)

const HormigaPeerId *hormiga_dht_get_peer_id    (HormigaDht              *dht);
HormigaDhtRoutingTable *hormiga_dht_get_routing_table (HormigaDht        *dht);
HormigaDhtStore   *hormiga_dht_get_store        (HormigaDht              *dht);
/* The records of ours the DHT keeps republishing (peer record, provider
 * records, values put by us) that have not expired (element-type
 * HormigaDhtRecord, transfer full). */
GPtrArray         *hormiga_dht_dup_own_records  (HormigaDht              *dht);

/* What our peer record says (opaque strings; NULL: none). */
void               hormiga_dht_set_addresses    (HormigaDht              *dht,
                                                 const char * const      *addresses);

/* A server-mode peer we can talk to (bootstrap, or any connection);
 * @group: its network group for the diversity limits, or NULL. */
void               hormiga_dht_add_contact      (HormigaDht              *dht,
                                                 const HormigaPeerId     *peer,
                                                 const char              *group);
/* One message from @from. Bad messages are dropped (and answered with an
 * error when they were requests). */
void               hormiga_dht_receive          (HormigaDht              *dht,
                                                 const HormigaPeerId     *from,
                                                 const char              *group,
                                                 GBytes                  *message);
/* The transport lost @peer: its requests fail now, not at their timeout;
 * a record of ours that has lost half of the nodes it was stored at is
 * put again within two seconds. */
void               hormiga_dht_peer_lost        (HormigaDht              *dht,
                                                 const HormigaPeerId     *peer);
/* Timeouts, refreshes, republishing, expiry. Returns the ms until it wants
 * to run again. */
gint64             hormiga_dht_tick             (HormigaDht              *dht);

/* When (ms since the epoch) tick() wants to run at the latest: a driver
 * that scheduled tick() earlier checks this after calling anything else
 * (a request sent since has its own deadline). */
gint64             hormiga_dht_get_next_deadline (HormigaDht             *dht);

/* The node our next find-node, get-value, get-providers and (in client
 * mode) bootstrap lookups go to as one lookup request, or NULL (the
 * default): they run
 * here. Its answer is checked as a direct one (records must verify and be
 * stored under the key asked); when it fails, does not verify, is empty or
 * does not come in twice the request timeout, the lookup runs here. A
 * proxy whose answer did not verify, that answered an error other than
 * busy, or that did not answer, is not asked again for
 * HORMIGA_DHT_PROXY_BAD_MS (setting it leaves no proxy). The contacts a
 * proxied bootstrap brings enter the routing table, as a bootstrap
 * sample's do. Lookups in front of puts, refreshes and, in
 * server mode, lookups of our own key (the bootstrap's included) always
 * run here. */
void               hormiga_dht_set_proxy        (HormigaDht              *dht,
                                                 const HormigaPeerId     *proxy);
const HormigaPeerId *hormiga_dht_get_proxy      (HormigaDht              *dht);
void               hormiga_dht_get_proxy_stats  (HormigaDht              *dht,
                                                 HormigaDhtProxyStats    *stats);
/* Why the last proxied lookup that failed did (NULL if none has). */
const GError      *hormiga_dht_get_last_proxy_error (HormigaDht          *dht);

/* Self-lookup to fill the buckets, then (server mode) our peer record. */
void               hormiga_dht_bootstrap        (HormigaDht              *dht,
                                                 HormigaDhtNodesFunc      func,
                                                 gpointer                 user_data);
void               hormiga_dht_find_node        (HormigaDht              *dht,
                                                 const HormigaDhtKey     *target,
                                                 HormigaDhtNodesFunc      func,
                                                 gpointer                 user_data);
/* The record under @key, or NULL with HORMIGA_DHT_ERROR_NOT_FOUND. */
void               hormiga_dht_get_value        (HormigaDht              *dht,
                                                 const HormigaDhtKey     *key,
                                                 HormigaDhtRecordFunc     func,
                                                 gpointer                 user_data);
/* Stores @record at the k nodes closest to its key (and here, in server
 * mode); @func gets how many took it. Our own records (owner = us) are
 * republished until they expire. */
void               hormiga_dht_put_value        (HormigaDht              *dht,
                                                 HormigaDhtRecord        *record,
                                                 HormigaDhtPutFunc        func,
                                                 gpointer                 user_data);
/* Announces that we serve @content (a provider record, republished). */
void               hormiga_dht_add_provider     (HormigaDht              *dht,
                                                 const HormigaDhtKey     *content,
                                                 HormigaDhtPutFunc        func,
                                                 gpointer                 user_data);
void               hormiga_dht_get_providers    (HormigaDht              *dht,
                                                 const HormigaDhtKey     *content,
                                                 HormigaDhtRecordsFunc    func,
                                                 gpointer                 user_data);

G_END_DECLS
