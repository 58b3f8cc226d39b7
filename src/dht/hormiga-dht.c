/* hormiga-dht.c — a Kademlia node, without I/O
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Requests carry a random 32-bit id; a response is matched by (sender, id).
 * Every lookup-based operation (find-node, get-value, get-providers, and the
 * lookups in front of put-value and add-provider) is an Operation driving a
 * HormigaDhtLookup; it lives until its callback has run and its last
 * request has been answered or has timed out.
 *
 * Lookup proxy: with a proxy set, a find-node, get-value or get-providers
 * Operation first sends one `lookup` request to it (REQUEST_PROXY) and
 * takes its answer if it verifies; otherwise the same Operation pumps its
 * lookup here. The other way, a `lookup` request from a peer starts an
 * Operation that answers that peer (served_for) when it finishes, instead
 * of calling a callback; ProxyClient keeps each such peer's count in
 * flight and its rate.
 */
#include "hormiga-dht.h"
#include "hormiga-dht-error.h"
#include "hormiga-dht-lookup.h"
#include "hormiga-dht-message.h"

typedef enum {
  OP_FIND_NODE,
  OP_GET_VALUE,
  OP_GET_PROVIDERS,
  OP_PUT,             /* lookup, then put-value or add-provider to the closest */
} OpKind;

typedef struct _Operation Operation;

struct _Operation
{
  HormigaDht       *dht;
  guint             refs;        /* the table's while running, one per request */
  OpKind            kind;
  gboolean          finished;
  gboolean          storing;     /* OP_PUT: the stores are out */
  HormigaDhtLookup *lookup;
  gint64            started;
  guint             messages;
  guint             best_hops;   /* OP_GET_VALUE: where the value was */
  HormigaDhtRecord *record;      /* OP_GET_VALUE: found; OP_PUT: to store */
  GHashTable       *providers;   /* OP_GET_PROVIDERS: owner hex → record */
  HormigaPeerId    *proxy;       /* the proxy that answered it (or is asked); NULL: runs here */
  GPtrArray        *proxy_nodes; /* OP_FIND_NODE: the proxy's answer */
  HormigaPeerId    *served_for;  /* we are its proxy: the answer goes to this peer … */
  guint32           served_id;   /* … with this id */
  guint             pending_stores;
  guint             stored;
  gpointer          func;
  gpointer          user_data;
};

typedef enum {
  REQUEST_LOOKUP,     /* a lookup step of its operation */
  REQUEST_STORE,      /* put-value / add-provider of an OP_PUT */
  REQUEST_PING,       /* is the oldest contact of a full bucket alive? */
  REQUEST_PROXY,      /* a whole lookup, asked of our proxy */
} RequestKind;

typedef struct
{
  guint32        id;
  RequestKind    kind;
  HormigaPeerId *peer;
  gint64         deadline;
  gint64         stall_at;  /* lookup steps: when to stop waiting on it for α */
  Operation     *op;       /* NULL for pings */
} Request;

typedef struct
{
  HormigaDhtRecord *record;
  gint64            next_publish;
  GPtrArray        *holders;    /* HormigaPeerId: where it was last stored */
} OwnRecord;

/* When half of a record's holders are gone, it is put again this soon
 * (losses that come together make one put). */
#define HOLDERS_LOST_DELAY_MS 2000

/* A peer we run lookups for: how many are in flight, and its rate (a
 * token bucket of HORMIGA_DHT_PROXY_BURST, HORMIGA_DHT_PROXY_RATE a
 * second). */
typedef struct
{
  guint  in_flight;
  double tokens;
  gint64 filled_at;
} ProxyClient;

struct _HormigaDht
{
  HormigaIdentity        *identity;
  HormigaPeerId          *self;
  HormigaDhtKey           self_key;
  HormigaDhtConfig        config;
  HormigaDhtIo            io;
  gpointer                user_data;

  HormigaDhtRoutingTable *table;
  HormigaDhtStore        *store;
  GHashTable             *requests;     /* id → Request */
  GPtrArray              *operations;   /* running Operations */
  GPtrArray              *own;          /* OwnRecord: ours, republished */
  GPtrArray              *bootstraps;   /* Bootstrap in flight (freed with the DHT) */
  char                  **addresses;
  guint64                 peer_seq;
  gint64                  next_refresh;
  gint64                  next_expire;
  gint64                  next_deadline;  /* no later than the earliest request deadline */

  HormigaPeerId          *proxy;        /* our lookups go there first; NULL: here */
  HormigaDhtProxyStats    proxy_stats;
  GError                 *proxy_error;  /* why the last proxied lookup failed */
  GHashTable             *proxy_clients; /* PeerID text → ProxyClient */
  GHashTable             *bad_proxies;  /* PeerID text → gint64 ms: not asked again until then */
  guint                   proxy_in_flight;
};

/* ---- helpers ------------------------------------------------------------ */

static gint64
now_ms (HormigaDht *dht)
{
  return dht->io.now (dht->user_data);
}

static guint64
now_s (HormigaDht *dht)
{
  return (guint64) (now_ms (dht) / 1000);
}

static guint32
new_request_id (HormigaDht *dht)
{
  guint32 id;

  do
    dht->io.random ((guint8 *) &id, sizeof id, dht->user_data);
  while (id == 0 || g_hash_table_contains (dht->requests, GUINT_TO_POINTER (id)));
  return id;
}

static void
send_message (HormigaDht          *dht,
              const HormigaPeerId *to,
              HormigaDhtMessage   *message)
{
  g_autoptr(GBytes) bytes = hormiga_dht_message_encode (message);

  dht->io.send (to, bytes, dht->user_data);
}

static void
request_free (Request *request)
{
  hormiga_peer_id_unref (request->peer);
  g_free (request);
}

static void
operation_unref (Operation *op)
{
  if (--op->refs > 0)
    return;
  g_clear_pointer (&op->lookup, hormiga_dht_lookup_free);
  g_clear_pointer (&op->record, hormiga_dht_record_unref);
  g_clear_pointer (&op->providers, g_hash_table_unref);
  g_clear_pointer (&op->proxy, hormiga_peer_id_unref);
  g_clear_pointer (&op->proxy_nodes, g_ptr_array_unref);
  g_clear_pointer (&op->served_for, hormiga_peer_id_unref);
  g_free (op);
}

/* Sends @message to @peer as a request and remembers it. */
static void
send_request (HormigaDht          *dht,
              const HormigaPeerId *peer,
              HormigaDhtMessage   *message,
              RequestKind          kind,
              Operation           *op)
{
  Request *request = g_new0 (Request, 1);

  request->id = message->id;
  request->kind = kind;
  request->peer = hormiga_peer_id_ref ((HormigaPeerId *) peer);
  /* A proxy runs a whole lookup: it has twice as long. */
  request->deadline = now_ms (dht) + dht->config.request_timeout_ms * (kind == REQUEST_PROXY ? 2 : 1);
  request->stall_at = kind == REQUEST_LOOKUP ? now_ms (dht) + dht->config.request_stall_ms
                                             : G_MAXINT64;
  request->op = op;
  if (op != NULL)
    {
      op->refs++;
      op->messages++;
    }
  message->client = dht->config.client_mode;
  g_hash_table_insert (dht->requests, GUINT_TO_POINTER (request->id), request);
  dht->next_deadline = MIN (dht->next_deadline, MIN (request->deadline, request->stall_at));
  send_message (dht, peer, message);
}

static void
stats_of (Operation             *op,
          HormigaDhtLookupStats *stats)
{
  g_autoptr(GPtrArray) result = hormiga_dht_lookup_result (op->lookup);

  stats->messages = op->messages;
  stats->duration_ms = now_ms (op->dht) - op->started;
  stats->proxied = op->proxy != NULL;
  if (stats->proxied)
    stats->hops = 1;
  else if (op->kind == OP_GET_VALUE && op->record != NULL)
    stats->hops = op->best_hops;
  else
    stats->hops = result->len > 0 ? hormiga_dht_lookup_get_depth (op->lookup, g_ptr_array_index (result, 0)) : 0;
}

/* ---- routing-table upkeep ----------------------------------------------- */

static void
contact_seen (HormigaDht          *dht,
              const HormigaPeerId *peer,
              const char          *group)
{
  const HormigaPeerId *oldest = NULL;

  if (hormiga_dht_routing_table_seen (dht->table, peer, group, now_ms (dht), &oldest) ==
      HORMIGA_DHT_TABLE_PENDING)
    {
      /* Is the oldest still there? Ask once; only silence evicts it. */
      GHashTableIter iter;
      gpointer value;
      g_autoptr(HormigaDhtMessage) ping = NULL;

      g_hash_table_iter_init (&iter, dht->requests);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        {
          Request *request = value;

          if (request->kind == REQUEST_PING && hormiga_peer_id_equal (request->peer, oldest))
            return;
        }
      ping = hormiga_dht_message_new (HORMIGA_DHT_MESSAGE_PING, new_request_id (dht));
      send_request (dht, oldest, ping, REQUEST_PING, NULL);
    }
}

/* ---- operations ---------------------------------------------------------- */

static void pump (Operation *op);

static Operation *
operation_new (HormigaDht          *dht,
               OpKind               kind,
               const HormigaDhtKey *target,
               gpointer             func,
               gpointer             user_data)
{
  Operation *op = g_new0 (Operation, 1);
  g_autoptr(GPtrArray) initial = NULL;

  op->dht = dht;
  op->refs = 1;
  op->kind = kind;
  op->func = func;
  op->user_data = user_data;
  op->started = now_ms (dht);
  op->lookup = hormiga_dht_lookup_new (target, dht->config.k, dht->config.alpha);
  initial = hormiga_dht_routing_table_closest (dht->table, target, dht->config.k);
  hormiga_dht_lookup_add (op->lookup, initial, NULL, dht->self);
  g_ptr_array_add (dht->operations, op);
  return op;
}

static int
compare_distance (gconstpointer a,
                  gconstpointer b,
                  gpointer      target)
{
  HormigaDhtKey key_a, key_b;

  hormiga_dht_key_from_peer_id (&key_a, *(HormigaPeerId * const *) a);
  hormiga_dht_key_from_peer_id (&key_b, *(HormigaPeerId * const *) b);
  return hormiga_dht_key_compare_distance (target, &key_a, &key_b);
}

/* We ran @op for a peer, as its proxy: its answer is the response its
 * lookup's own request would get (nodes, value, providers), with the
 * lookup's result: the closest nodes that answered (the asker left out,
 * ourselves in if we are a server-mode node among them), the record,
 * the providers. */
static void
answer_served (Operation *op)
{
  HormigaDht *dht = op->dht;
  const HormigaDhtKey *target = hormiga_dht_lookup_get_target (op->lookup);
  g_autoptr(GPtrArray) found = hormiga_dht_lookup_result (op->lookup);
  g_autoptr(GPtrArray) nodes = g_ptr_array_new ();
  g_autoptr(HormigaDhtMessage) reply = NULL;
  guint max = MIN (dht->config.k, HORMIGA_DHT_MESSAGE_MAX_NODES);
  ProxyClient *client;

  for (guint i = 0; i < found->len; i++)
    if (!hormiga_peer_id_equal (g_ptr_array_index (found, i), op->served_for))
      g_ptr_array_add (nodes, g_ptr_array_index (found, i));
  if (!dht->config.client_mode)
    g_ptr_array_add (nodes, dht->self);
  g_ptr_array_sort_with_data (nodes, compare_distance, (gpointer) target);

  switch (op->kind)
    {
    case OP_FIND_NODE:
      reply = hormiga_dht_message_new (HORMIGA_DHT_MESSAGE_NODES, op->served_id);
      break;

    case OP_GET_VALUE:
      reply = hormiga_dht_message_new (HORMIGA_DHT_MESSAGE_VALUE, op->served_id);
      if (op->record != NULL)
        reply->record = g_bytes_ref (op->record->encoded);
      break;

    case OP_GET_PROVIDERS:
      {
        GHashTableIter iter;
        gpointer record;

        reply = hormiga_dht_message_new (HORMIGA_DHT_MESSAGE_PROVIDERS, op->served_id);
        g_hash_table_iter_init (&iter, op->providers);
        while (g_hash_table_iter_next (&iter, NULL, &record) &&
               reply->records->len < HORMIGA_DHT_MESSAGE_MAX_RECORDS)
          g_ptr_array_add (reply->records, g_bytes_ref (((HormigaDhtRecord *) record)->encoded));
      }
      break;

    case OP_PUT:
    default:
      g_assert_not_reached ();
    }
  for (guint i = 0; i < nodes->len && i < max; i++)
    g_ptr_array_add (reply->nodes, hormiga_peer_id_ref (g_ptr_array_index (nodes, i)));
  send_message (dht, op->served_for, reply);

  client = g_hash_table_lookup (dht->proxy_clients, hormiga_peer_id_to_string (op->served_for));
  if (client != NULL && client->in_flight > 0)
    client->in_flight--;
  dht->proxy_in_flight--;
}

static void
finish (Operation *op)
{
  HormigaDht *dht = op->dht;
  HormigaDhtLookupStats stats = { 0 };

  if (op->finished)
    return;
  op->finished = TRUE;
  stats_of (op, &stats);

  if (op->served_for != NULL)
    {
      answer_served (op);
      g_ptr_array_remove_fast (dht->operations, op);
      operation_unref (op);
      return;
    }

  switch (op->kind)
    {
    case OP_FIND_NODE:
      {
        g_autoptr(GPtrArray) closest = op->proxy_nodes != NULL ? g_ptr_array_ref (op->proxy_nodes)
                                                               : hormiga_dht_lookup_result (op->lookup);

        if (op->func != NULL)
          ((HormigaDhtNodesFunc) op->func) (dht, closest, &stats, op->user_data);
      }
      break;

    case OP_GET_VALUE:
      {
        g_autoptr(GError) error = NULL;

        if (op->record == NULL)
          error = g_error_new_literal (HORMIGA_DHT_ERROR, HORMIGA_DHT_ERROR_NOT_FOUND,
                                       "no node near the key holds a record for it");
        if (op->func != NULL)
          ((HormigaDhtRecordFunc) op->func) (dht, op->record, error, &stats, op->user_data);
      }
      break;

    case OP_GET_PROVIDERS:
      {
        g_autoptr(GPtrArray) records = g_ptr_array_new ();
        GHashTableIter iter;
        gpointer record;

        g_hash_table_iter_init (&iter, op->providers);
        while (g_hash_table_iter_next (&iter, NULL, &record))
          g_ptr_array_add (records, record);
        if (op->func != NULL)
          ((HormigaDhtRecordsFunc) op->func) (dht, records, &stats, op->user_data);
      }
      break;

    case OP_PUT:
      {
        g_autoptr(GError) error = NULL;

        if (op->stored == 0)
          error = g_error_new_literal (HORMIGA_DHT_ERROR, HORMIGA_DHT_ERROR_UNAVAILABLE,
                                       "no node took the record");
        if (op->func != NULL)
          ((HormigaDhtPutFunc) op->func) (dht, op->stored, error, op->user_data);
      }
      break;
    }

  g_ptr_array_remove_fast (dht->operations, op);
  operation_unref (op);
}

static OwnRecord *
find_own (HormigaDht             *dht,
          const HormigaDhtRecord *record)
{
  for (guint i = 0; i < dht->own->len; i++)
    {
      OwnRecord *own = g_ptr_array_index (dht->own, i);

      if (own->record->kind == record->kind && hormiga_dht_key_equal (&own->record->key, &record->key))
        return own;
    }
  return NULL;
}

/* OP_PUT, once the closest nodes are known: store at each. */
static void
start_stores (Operation *op)
{
  HormigaDht *dht = op->dht;
  g_autoptr(GPtrArray) closest = hormiga_dht_lookup_result (op->lookup);
  g_autoptr(GError) error = NULL;
  OwnRecord *own;

  op->storing = TRUE;
  /* Ours: remember where it went, to put it again when they go. */
  if (memcmp (op->record->owner, hormiga_identity_get_public_key (dht->identity), 32) == 0 &&
      (own = find_own (dht, op->record)) != NULL)
    {
      g_ptr_array_set_size (own->holders, 0);
      for (guint i = 0; i < closest->len; i++)
        g_ptr_array_add (own->holders, hormiga_peer_id_ref (g_ptr_array_index (closest, i)));
    }
  /* A server-mode node that is itself among the k closest keeps it too. */
  if (!dht->config.client_mode)
    {
      gboolean among = closest->len < dht->config.k;

      if (!among)
        {
          HormigaDhtKey last;

          hormiga_dht_key_from_peer_id (&last, g_ptr_array_index (closest, closest->len - 1));
          among = hormiga_dht_key_compare_distance (&op->record->key, &dht->self_key, &last) < 0;
        }
      if (among && hormiga_dht_store_put (dht->store, op->record, NULL, now_s (dht), &error))
        op->stored++;
    }
  for (guint i = 0; i < closest->len; i++)
    {
      g_autoptr(HormigaDhtMessage) message =
        hormiga_dht_message_new (op->record->kind == HORMIGA_DHT_RECORD_PROVIDER
                                   ? HORMIGA_DHT_MESSAGE_ADD_PROVIDER
                                   : HORMIGA_DHT_MESSAGE_PUT_VALUE,
                                 new_request_id (dht));

      message->record = g_bytes_ref (op->record->encoded);
      op->pending_stores++;
      send_request (dht, g_ptr_array_index (closest, i), message, REQUEST_STORE, op);
    }
  if (op->pending_stores == 0)
    finish (op);
}

/* The request a lookup step of @kind sends (and a proxy is asked to run). */
static HormigaDhtMessageType
request_type (OpKind kind)
{
  return kind == OP_GET_VALUE     ? HORMIGA_DHT_MESSAGE_GET_VALUE
       : kind == OP_GET_PROVIDERS ? HORMIGA_DHT_MESSAGE_GET_PROVIDERS
                                  : HORMIGA_DHT_MESSAGE_FIND_NODE;
}

static HormigaDhtMessageType
response_type (OpKind kind)
{
  return kind == OP_GET_VALUE     ? HORMIGA_DHT_MESSAGE_VALUE
       : kind == OP_GET_PROVIDERS ? HORMIGA_DHT_MESSAGE_PROVIDERS
                                  : HORMIGA_DHT_MESSAGE_NODES;
}

static void
pump (Operation *op)
{
  HormigaDht *dht = op->dht;
  const HormigaPeerId *next;

  if (op->finished || op->storing || op->proxy != NULL)
    return;
  while ((next = hormiga_dht_lookup_next (op->lookup)) != NULL)
    {
      g_autoptr(HormigaDhtMessage) message = hormiga_dht_message_new (request_type (op->kind),
                                                                      new_request_id (dht));

      message->key = *hormiga_dht_lookup_get_target (op->lookup);
      send_request (dht, next, message, REQUEST_LOOKUP, op);
    }
  if (hormiga_dht_lookup_get_in_flight (op->lookup) == 0 && hormiga_dht_lookup_is_done (op->lookup))
    {
      if (op->kind == OP_PUT)
        start_stores (op);
      else
        finish (op);
    }
}

/* ---- lookups: here or through a proxy ----------------------------------------- */

static Operation *
get_value_new (HormigaDht          *dht,
               const HormigaDhtKey *key,
               gpointer             func,
               gpointer             user_data)
{
  Operation *op = operation_new (dht, OP_GET_VALUE, key, func, user_data);
  HormigaDhtRecord *local = hormiga_dht_store_get (dht->store, key, now_s (dht));

  if (local != NULL)
    op->record = hormiga_dht_record_ref (local);
  return op;
}

static Operation *
get_providers_new (HormigaDht          *dht,
                   const HormigaDhtKey *content,
                   gpointer             func,
                   gpointer             user_data)
{
  Operation *op = operation_new (dht, OP_GET_PROVIDERS, content, func, user_data);
  g_autoptr(GPtrArray) local = hormiga_dht_store_get_providers (dht->store, content, now_s (dht),
                                                                HORMIGA_DHT_MESSAGE_MAX_RECORDS);

  op->providers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) hormiga_dht_record_unref);
  for (guint i = 0; i < local->len; i++)
    {
      HormigaDhtRecord *record = g_ptr_array_index (local, i);

      g_hash_table_replace (op->providers, g_base64_encode (record->owner, sizeof record->owner),
                            hormiga_dht_record_ref (record));
    }
  return op;
}

/* Sends @op to our proxy as one lookup request. */
static void
ask_proxy (Operation *op)
{
  HormigaDht *dht = op->dht;
  g_autoptr(HormigaDhtMessage) message = hormiga_dht_message_new (HORMIGA_DHT_MESSAGE_LOOKUP,
                                                                  new_request_id (dht));

  message->kind = request_type (op->kind);
  message->key = *hormiga_dht_lookup_get_target (op->lookup);
  op->proxy = hormiga_peer_id_ref (dht->proxy);
  dht->proxy_stats.lookups_proxied++;
  send_request (dht, dht->proxy, message, REQUEST_PROXY, op);
}

/* Starts @op: done at once if the store had its value, else through our
 * proxy if we have one and @may_proxy, else here. */
static void
run (Operation *op,
     gboolean   may_proxy)
{
  if (op->kind == OP_GET_VALUE && op->record != NULL)
    finish (op);
  else if (may_proxy && op->dht->proxy != NULL)
    ask_proxy (op);
  else
    pump (op);
}

/* A provider record from @bytes for the content @op looks for. */
static HormigaDhtRecord *
decode_provider (Operation  *op,
                 GBytes     *bytes,
                 GError    **error)
{
  g_autoptr(HormigaDhtRecord) record = hormiga_dht_record_decode (bytes, now_s (op->dht), error);

  if (record == NULL)
    return NULL;
  if (record->kind != HORMIGA_DHT_RECORD_PROVIDER ||
      !hormiga_dht_key_equal (&record->key, hormiga_dht_lookup_get_target (op->lookup)))
    {
      g_set_error_literal (error, HORMIGA_DHT_ERROR, HORMIGA_DHT_ERROR_WRONG_KEY,
                           "it is not a provider record for the content asked");
      return NULL;
    }
  return g_steal_pointer (&record);
}

static void
add_provider_record (Operation        *op,
                     HormigaDhtRecord *record)
{
  char *owner = g_base64_encode (record->owner, sizeof record->owner);
  HormigaDhtRecord *held = g_hash_table_lookup (op->providers, owner);

  if (held == NULL || hormiga_dht_record_supersedes (record, held))
    g_hash_table_replace (op->providers, owner, hormiga_dht_record_ref (record));
  else
    g_free (owner);
}

/* Checks the proxy's answer as a direct one would be, and takes it. An
 * empty answer is refused too: a proxy could hold back what it found, so
 * the lookup is made here before saying there is nothing. */
static gboolean
take_proxy_answer (Operation          *op,
                   HormigaDhtMessage  *response,
                   GError            **error)
{
  HormigaDht *dht = op->dht;
  const HormigaDhtKey *target = hormiga_dht_lookup_get_target (op->lookup);
  const char *proxy = hormiga_peer_id_to_string (op->proxy);
  g_autoptr(GError) local_error = NULL;

  if (response == NULL)
    {
      g_set_error (error, HORMIGA_DHT_ERROR, HORMIGA_DHT_ERROR_TIMEOUT,
                   "the lookup proxy %s did not answer within %u ms", proxy,
                   dht->config.request_timeout_ms * 2);
      return FALSE;
    }
  if (response->type == HORMIGA_DHT_MESSAGE_ERROR)
    {
      g_set_error (error, HORMIGA_DHT_ERROR,
                   response->code >= HORMIGA_DHT_ERROR_MALFORMED &&
                   response->code <= HORMIGA_DHT_ERROR_BUSY ? (int) response->code
                                                            : HORMIGA_DHT_ERROR_MALFORMED,
                   "the lookup proxy %s refused the lookup: %s", proxy,
                   response->text != NULL ? response->text : "no reason given");
      return FALSE;
    }
  if (response->type != response_type (op->kind))
    {
      g_set_error (error, HORMIGA_DHT_ERROR, HORMIGA_DHT_ERROR_MALFORMED,
                   "the lookup proxy %s answered a %s lookup with a %s message", proxy,
                   hormiga_dht_message_type_to_string (request_type (op->kind)),
                   hormiga_dht_message_type_to_string (response->type));
      return FALSE;
    }

  switch (op->kind)
    {
    case OP_FIND_NODE:
      if (response->nodes->len == 0)
        {
          g_set_error (error, HORMIGA_DHT_ERROR, HORMIGA_DHT_ERROR_NOT_FOUND,
                       "the lookup proxy %s named no node", proxy);
          return FALSE;
        }
      op->proxy_nodes = g_ptr_array_new_with_free_func ((GDestroyNotify) hormiga_peer_id_unref);
      for (guint i = 0; i < response->nodes->len; i++)
        {
          HormigaPeerId *node = g_ptr_array_index (response->nodes, i);

          if (!hormiga_peer_id_equal (node, dht->self))
            g_ptr_array_add (op->proxy_nodes, hormiga_peer_id_ref (node));
        }
      return TRUE;

    case OP_GET_VALUE:
      {
        g_autoptr(HormigaDhtRecord) record = NULL;

        if (response->record == NULL)
          {
            g_set_error (error, HORMIGA_DHT_ERROR, HORMIGA_DHT_ERROR_NOT_FOUND,
                         "the lookup proxy %s found no record under the key", proxy);
            return FALSE;
          }
        record = hormiga_dht_record_decode (response->record, now_s (dht), &local_error);
        if (record == NULL)
          {
            g_set_error (error, HORMIGA_DHT_ERROR, local_error->code,
                         "the lookup proxy %s answered a record that does not verify: %s", proxy,
                         local_error->message);
            return FALSE;
          }
        if (!hormiga_dht_key_equal (&record->key, target))
          {
            g_set_error (error, HORMIGA_DHT_ERROR, HORMIGA_DHT_ERROR_WRONG_KEY,
                         "the lookup proxy %s answered a record stored under another key than "
                         "the one asked", proxy);
            return FALSE;
          }
        op->record = g_steal_pointer (&record);
      }
      return TRUE;

    case OP_GET_PROVIDERS:
      {
        g_autoptr(GPtrArray) records =
          g_ptr_array_new_with_free_func ((GDestroyNotify) hormiga_dht_record_unref);

        if (response->records->len == 0)
          {
            g_set_error (error, HORMIGA_DHT_ERROR, HORMIGA_DHT_ERROR_NOT_FOUND,
                         "the lookup proxy %s found no provider", proxy);
            return FALSE;
          }
        for (guint i = 0; i < response->records->len; i++)
          {
            HormigaDhtRecord *record = decode_provider (op, g_ptr_array_index (response->records, i),
                                                        &local_error);

            if (record == NULL)
              {
                g_set_error (error, HORMIGA_DHT_ERROR, local_error->code,
                             "the lookup proxy %s answered a provider record (%u) that does not "
                             "verify: %s", proxy, i, local_error->message);
                return FALSE;
              }
            g_ptr_array_add (records, record);
          }
        for (guint i = 0; i < records->len; i++)
          add_provider_record (op, g_ptr_array_index (records, i));
      }
      return TRUE;

    case OP_PUT:
    default:
      g_assert_not_reached ();
    }
}

static gboolean
bad_proxy_expired (gpointer key,
                   gpointer value,
                   gpointer now)
{
  return *(gint64 *) value <= *(gint64 *) now;
}

static void
on_proxy_answer (Operation         *op,
                 HormigaDhtMessage *response)
{
  HormigaDht *dht = op->dht;
  g_autoptr(GError) error = NULL;

  if (op->finished)
    return;
  if (take_proxy_answer (op, response, &error))
    {
      finish (op);
      return;
    }
  g_debug ("dht: %s; the lookup runs here instead", error->message);
  dht->proxy_stats.proxy_failures++;
  /* Busy, or nothing found, may be true; a proxy that said anything else
   * that did not hold, or nothing at all, is not asked again. */
  if (!g_error_matches (error, HORMIGA_DHT_ERROR, HORMIGA_DHT_ERROR_BUSY) &&
      !g_error_matches (error, HORMIGA_DHT_ERROR, HORMIGA_DHT_ERROR_NOT_FOUND))
    {
      gint64 now = now_ms (dht);

      if (g_hash_table_size (dht->bad_proxies) >= HORMIGA_DHT_PROXY_MAX_BAD)
        g_hash_table_foreach_remove (dht->bad_proxies, bad_proxy_expired, &now);
      if (g_hash_table_size (dht->bad_proxies) < HORMIGA_DHT_PROXY_MAX_BAD)
        g_hash_table_replace (dht->bad_proxies, g_strdup (hormiga_peer_id_to_string (op->proxy)),
                              g_memdup2 (&(gint64) { now + HORMIGA_DHT_PROXY_BAD_MS },
                                         sizeof (gint64)));
      if (dht->proxy != NULL && hormiga_peer_id_equal (dht->proxy, op->proxy))
        g_clear_pointer (&dht->proxy, hormiga_peer_id_unref);
    }
  g_clear_error (&dht->proxy_error);
  dht->proxy_error = g_steal_pointer (&error);
  g_clear_pointer (&op->proxy, hormiga_peer_id_unref);
  g_clear_pointer (&op->proxy_nodes, g_ptr_array_unref);
  pump (op);
}

/* ---- requests we answer --------------------------------------------------- */

static gboolean
proxy_client_is_idle (gpointer key,
                      gpointer value,
                      gpointer user_data)
{
  return ((ProxyClient *) value)->in_flight == 0;
}

/* Whether we run one more lookup for @from (then counted in flight). */
static gboolean
proxy_admit (HormigaDht           *dht,
             const HormigaPeerId  *from,
             GError              **error)
{
  const char *name = hormiga_peer_id_to_string (from);
  ProxyClient *client = g_hash_table_lookup (dht->proxy_clients, name);
  gint64 now = now_ms (dht);

  if (dht->proxy_in_flight >= HORMIGA_DHT_PROXY_MAX_TOTAL)
    {
      g_set_error (error, HORMIGA_DHT_ERROR, HORMIGA_DHT_ERROR_BUSY,
                   "this node runs %u lookups for other peers already, its limit: run it "
                   "yourself", dht->proxy_in_flight);
      return FALSE;
    }
  if (client == NULL)
    {
      if (g_hash_table_size (dht->proxy_clients) >= HORMIGA_DHT_PROXY_MAX_CLIENTS)
        g_hash_table_foreach_remove (dht->proxy_clients, proxy_client_is_idle, NULL);
      if (g_hash_table_size (dht->proxy_clients) >= HORMIGA_DHT_PROXY_MAX_CLIENTS)
        {
          g_set_error (error, HORMIGA_DHT_ERROR, HORMIGA_DHT_ERROR_BUSY,
                       "this node runs lookups for %u peers already, its limit: run it yourself",
                       HORMIGA_DHT_PROXY_MAX_CLIENTS);
          return FALSE;
        }
      client = g_new0 (ProxyClient, 1);
      client->tokens = HORMIGA_DHT_PROXY_BURST;
      client->filled_at = now;
      g_hash_table_insert (dht->proxy_clients, g_strdup (name), client);
    }
  client->tokens = MIN (HORMIGA_DHT_PROXY_BURST,
                        client->tokens +
                        (double) (now - client->filled_at) * HORMIGA_DHT_PROXY_RATE / 1000.0);
  client->filled_at = now;
  if (client->in_flight >= HORMIGA_DHT_PROXY_MAX_IN_FLIGHT)
    {
      g_set_error (error, HORMIGA_DHT_ERROR, HORMIGA_DHT_ERROR_BUSY,
                   "%u lookups of yours are running here already, the limit: run it yourself",
                   client->in_flight);
      return FALSE;
    }
  if (client->tokens < 1)
    {
      g_set_error (error, HORMIGA_DHT_ERROR, HORMIGA_DHT_ERROR_BUSY,
                   "you asked for more than %u lookups a second (%u at once after a pause), "
                   "the limit: run it yourself", HORMIGA_DHT_PROXY_RATE, HORMIGA_DHT_PROXY_BURST);
      return FALSE;
    }
  client->tokens -= 1;
  client->in_flight++;
  dht->proxy_in_flight++;
  return TRUE;
}

static void reply_error (HormigaDht          *dht,
                         const HormigaPeerId *to,
                         guint32              id,
                         const GError        *error);

/* @from asks us to run a whole lookup for it: we do, within the limits,
 * and answer when it is done (answer_served()); beyond them, "busy". */
static void
serve_lookup (HormigaDht          *dht,
              const HormigaPeerId *from,
              HormigaDhtMessage   *request)
{
  g_autoptr(GError) error = NULL;
  Operation *op;

  if (!proxy_admit (dht, from, &error))
    {
      g_debug ("dht: a lookup for %s refused: %s", hormiga_peer_id_to_string (from), error->message);
      dht->proxy_stats.lookups_refused++;
      reply_error (dht, from, request->id, error);
      return;
    }
  dht->proxy_stats.lookups_served++;
  switch (request->kind)
    {
    case HORMIGA_DHT_MESSAGE_GET_VALUE:
      op = get_value_new (dht, &request->key, NULL, NULL);
      break;

    case HORMIGA_DHT_MESSAGE_GET_PROVIDERS:
      op = get_providers_new (dht, &request->key, NULL, NULL);
      break;

    case HORMIGA_DHT_MESSAGE_FIND_NODE:
    default:
      op = operation_new (dht, OP_FIND_NODE, &request->key, NULL, NULL);
      break;
    }
  op->served_for = hormiga_peer_id_ref ((HormigaPeerId *) from);
  op->served_id = request->id;
  run (op, FALSE);
}

static void
reply_error (HormigaDht          *dht,
             const HormigaPeerId *to,
             guint32              id,
             const GError        *error)
{
  g_autoptr(HormigaDhtMessage) reply = hormiga_dht_message_new (HORMIGA_DHT_MESSAGE_ERROR, id);

  reply->code = error->domain == HORMIGA_DHT_ERROR ? (guint) error->code : HORMIGA_DHT_ERROR_MALFORMED;
  reply->text = g_utf8_make_valid (error->message, MIN (strlen (error->message), 200));
  send_message (dht, to, reply);
}

static void
add_closest (HormigaDht          *dht,
             HormigaDhtMessage   *reply,
             const HormigaDhtKey *target,
             const HormigaPeerId *asker)
{
  g_autoptr(GPtrArray) closest =
    hormiga_dht_routing_table_closest (dht->table, target,
                                       MIN (dht->config.k, HORMIGA_DHT_MESSAGE_MAX_NODES) + 1);

  for (guint i = 0; i < closest->len && reply->nodes->len < MIN (dht->config.k, HORMIGA_DHT_MESSAGE_MAX_NODES); i++)
    if (!hormiga_peer_id_equal (g_ptr_array_index (closest, i), asker))
      g_ptr_array_add (reply->nodes, hormiga_peer_id_ref (g_ptr_array_index (closest, i)));
}

static void
answer (HormigaDht          *dht,
        const HormigaPeerId *from,
        HormigaDhtMessage   *request)
{
  g_autoptr(HormigaDhtMessage) reply = NULL;
  g_autoptr(GError) error = NULL;

  switch (request->type)
    {
    case HORMIGA_DHT_MESSAGE_PING:
      reply = hormiga_dht_message_new (HORMIGA_DHT_MESSAGE_PONG, request->id);
      break;

    case HORMIGA_DHT_MESSAGE_FIND_NODE:
      reply = hormiga_dht_message_new (HORMIGA_DHT_MESSAGE_NODES, request->id);
      add_closest (dht, reply, &request->key, from);
      break;

    case HORMIGA_DHT_MESSAGE_GET_VALUE:
      {
        HormigaDhtRecord *record = hormiga_dht_store_get (dht->store, &request->key, now_s (dht));

        reply = hormiga_dht_message_new (HORMIGA_DHT_MESSAGE_VALUE, request->id);
        if (record != NULL)
          reply->record = g_bytes_ref (record->encoded);
        add_closest (dht, reply, &request->key, from);
      }
      break;

    case HORMIGA_DHT_MESSAGE_GET_PROVIDERS:
      {
        g_autoptr(GPtrArray) records =
          hormiga_dht_store_get_providers (dht->store, &request->key, now_s (dht),
                                           HORMIGA_DHT_MESSAGE_MAX_RECORDS);

        reply = hormiga_dht_message_new (HORMIGA_DHT_MESSAGE_PROVIDERS, request->id);
        for (guint i = 0; i < records->len; i++)
          g_ptr_array_add (reply->records,
                           g_bytes_ref (((HormigaDhtRecord *) g_ptr_array_index (records, i))->encoded));
        add_closest (dht, reply, &request->key, from);
      }
      break;

    case HORMIGA_DHT_MESSAGE_PUT_VALUE:
    case HORMIGA_DHT_MESSAGE_ADD_PROVIDER:
      {
        g_autoptr(HormigaDhtRecord) record = hormiga_dht_record_decode (request->record, now_s (dht), &error);
        gboolean provider = request->type == HORMIGA_DHT_MESSAGE_ADD_PROVIDER;

        if (record != NULL && provider != (record->kind == HORMIGA_DHT_RECORD_PROVIDER))
          {
            g_clear_pointer (&record, hormiga_dht_record_unref);
            error = g_error_new (HORMIGA_DHT_ERROR, HORMIGA_DHT_ERROR_UNKNOWN_TYPE,
                                 provider ? "add-provider takes a provider record"
                                          : "put-value takes peer, mutable or immutable records; "
                                            "provider records go with add-provider");
          }
        if (record == NULL ||
            !hormiga_dht_store_put (dht->store, record, from, now_s (dht), &error))
          {
            reply_error (dht, from, request->id, error);
            return;
          }
        reply = hormiga_dht_message_new (HORMIGA_DHT_MESSAGE_STORED, request->id);
      }
      break;

    case HORMIGA_DHT_MESSAGE_LOOKUP:
      serve_lookup (dht, from, request);
      return;

    default:
      g_assert_not_reached ();
    }
  send_message (dht, from, reply);
}

/* ---- responses --------------------------------------------------------------- */

static void
on_lookup_response (Operation           *op,
                    const HormigaPeerId *from,
                    HormigaDhtMessage   *response)
{
  HormigaDht *dht = op->dht;

  if (op->finished || op->storing)
    return;

  if (op->kind == OP_GET_VALUE && response->type == HORMIGA_DHT_MESSAGE_VALUE &&
      response->record != NULL && op->record == NULL)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(HormigaDhtRecord) record = hormiga_dht_record_decode (response->record, now_s (dht), &error);

      if (record != NULL && hormiga_dht_key_equal (&record->key, hormiga_dht_lookup_get_target (op->lookup)))
        {
          op->record = g_steal_pointer (&record);
          op->best_hops = hormiga_dht_lookup_get_depth (op->lookup, from);
          hormiga_dht_lookup_responded (op->lookup, from, NULL, dht->self);
          finish (op);
          return;
        }
      g_debug ("dht: a value from %s refused: %s", hormiga_peer_id_to_string (from),
               error ? error->message : "it is stored under another key");
    }

  if (op->kind == OP_GET_PROVIDERS && response->type == HORMIGA_DHT_MESSAGE_PROVIDERS)
    for (guint i = 0; i < response->records->len; i++)
      {
        g_autoptr(GError) error = NULL;
        g_autoptr(HormigaDhtRecord) record =
          hormiga_dht_record_decode (g_ptr_array_index (response->records, i), now_s (dht), &error);

        if (record != NULL && record->kind == HORMIGA_DHT_RECORD_PROVIDER &&
            hormiga_dht_key_equal (&record->key, hormiga_dht_lookup_get_target (op->lookup)))
          {
            char *owner = g_base64_encode (record->owner, sizeof record->owner);
            HormigaDhtRecord *held = g_hash_table_lookup (op->providers, owner);

            if (held == NULL || hormiga_dht_record_supersedes (record, held))
              g_hash_table_replace (op->providers, owner, g_steal_pointer (&record));
            else
              g_free (owner);
          }
      }

  hormiga_dht_lookup_responded (op->lookup, from, response->nodes, dht->self);
}

static void
request_done (HormigaDht        *dht,
              Request           *request,
              HormigaDhtMessage *response)
{
  Operation *op = request->op;

  if (response == NULL)
    g_debug ("dht: request %u to %s failed", request->id, hormiga_peer_id_to_string (request->peer));
  if (response == NULL && request->kind != REQUEST_PING && request->kind != REQUEST_PROXY)
    hormiga_dht_routing_table_failed (dht->table, request->peer, dht->config.max_failures);

  switch (request->kind)
    {
    case REQUEST_PING:
      /* Silence evicts at once: the newcomer has been waiting. */
      if (response == NULL)
        hormiga_dht_routing_table_failed (dht->table, request->peer, 1);
      break;

    case REQUEST_LOOKUP:
      if (response != NULL && response->type != HORMIGA_DHT_MESSAGE_ERROR)
        on_lookup_response (op, request->peer, response);
      else if (!op->finished)
        hormiga_dht_lookup_failed (op->lookup, request->peer);
      pump (op);
      break;

    case REQUEST_PROXY:
      on_proxy_answer (op, response);
      break;

    case REQUEST_STORE:
      op->pending_stores--;
      if (response != NULL && response->type == HORMIGA_DHT_MESSAGE_STORED)
        op->stored++;
      else if (response != NULL && response->type == HORMIGA_DHT_MESSAGE_ERROR)
        g_debug ("dht: %s did not store: %s", hormiga_peer_id_to_string (request->peer),
                 response->text ? response->text : "?");
      if (op->pending_stores == 0)
        finish (op);
      break;
    }
  if (op != NULL)
    operation_unref (op);
}

/* ---- public API ------------------------------------------------------------------ */

void
hormiga_dht_receive (HormigaDht          *dht,
                     const HormigaPeerId *from,
                     const char          *group,
                     GBytes              *bytes)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HormigaDhtMessage) message = NULL;

  g_return_if_fail (dht != NULL && from != NULL && bytes != NULL);

  message = hormiga_dht_message_decode (bytes, &error);
  if (message == NULL)
    {
      g_debug ("dht: a message from %s refused: %s", hormiga_peer_id_to_string (from), error->message);
      return;
    }

  if (message->type == HORMIGA_DHT_MESSAGE_RELAY)
    {
      if (dht->io.relay != NULL)
        dht->io.relay (from, message, dht->user_data);
      return;
    }
  if (message->type == HORMIGA_DHT_MESSAGE_HELLO)
    {
      if (dht->io.hello != NULL)
        dht->io.hello (from, message, dht->user_data);
      return;
    }
  if (hormiga_dht_message_is_request (message->type))
    {
      if (!message->client)
        contact_seen (dht, from, group);
      answer (dht, from, message);
      return;
    }

  {
    Request *request = g_hash_table_lookup (dht->requests, GUINT_TO_POINTER (message->id));

    if (request == NULL || !hormiga_peer_id_equal (request->peer, from))
      {
        g_debug ("dht: %s answered a request we did not send it", hormiga_peer_id_to_string (from));
        return;
      }
    g_hash_table_steal (dht->requests, GUINT_TO_POINTER (message->id));
    contact_seen (dht, from, group);
    request_done (dht, request, message);
    request_free (request);
  }
}

void
hormiga_dht_peer_lost (HormigaDht          *dht,
                       const HormigaPeerId *peer)
{
  g_autoptr(GPtrArray) lost = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer value;

  g_return_if_fail (dht != NULL && peer != NULL);

  g_hash_table_iter_init (&iter, dht->requests);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (hormiga_peer_id_equal (((Request *) value)->peer, peer))
      {
        g_ptr_array_add (lost, value);
        g_hash_table_iter_steal (&iter);
      }
  for (guint i = 0; i < lost->len; i++)
    {
      request_done (dht, g_ptr_array_index (lost, i), NULL);
      request_free (g_ptr_array_index (lost, i));
    }

  /* Our records it held: when half of a record's holders are gone, the
   * record is put again soon, at the nodes closest to it now, rather than
   * at the next hourly republish (by then the rest may be gone too). */
  for (guint i = 0; i < dht->own->len; i++)
    {
      OwnRecord *own = g_ptr_array_index (dht->own, i);

      for (guint j = 0; j < own->holders->len; j++)
        if (hormiga_peer_id_equal (g_ptr_array_index (own->holders, j), peer))
          {
            g_ptr_array_remove_index_fast (own->holders, j);
            if (own->holders->len <= dht->config.k / 2)
              {
                gint64 soon = now_ms (dht) + HOLDERS_LOST_DELAY_MS;

                own->next_publish = MIN (own->next_publish, soon);
                dht->next_deadline = MIN (dht->next_deadline, soon);
              }
            break;
          }
    }
}

static void
put_own (HormigaDht       *dht,
         HormigaDhtRecord *record)
{
  /* Newer versions replace older ones of the same record. */
  OwnRecord *own = find_own (dht, record);

  if (own == NULL)
    {
      own = g_new0 (OwnRecord, 1);
      own->holders = g_ptr_array_new_with_free_func ((GDestroyNotify) hormiga_peer_id_unref);
      g_ptr_array_add (dht->own, own);
    }
  g_clear_pointer (&own->record, hormiga_dht_record_unref);
  own->record = hormiga_dht_record_ref (record);
  own->next_publish = now_ms (dht) + dht->config.republish_interval_ms;
}

static void
own_record_free (OwnRecord *own)
{
  g_ptr_array_unref (own->holders);
  hormiga_dht_record_unref (own->record);
  g_free (own);
}

static void
start_put (HormigaDht        *dht,
           HormigaDhtRecord  *record,
           HormigaDhtPutFunc  func,
           gpointer           user_data)
{
  Operation *op = operation_new (dht, OP_PUT, &record->key, func, user_data);

  op->record = hormiga_dht_record_ref (record);
  pump (op);
}

gint64
hormiga_dht_tick (HormigaDht *dht)
{
  gint64 now, next;
  g_autoptr(GPtrArray) expired = g_ptr_array_new ();
  g_autoptr(GPtrArray) stalled = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer value;

  g_return_val_if_fail (dht != NULL, G_MAXINT64);

  now = now_ms (dht);
  next = now + MIN (dht->config.request_timeout_ms, dht->config.refresh_interval_ms);

  g_hash_table_iter_init (&iter, dht->requests);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Request *request = value;

      if (request->deadline <= now)
        {
          g_ptr_array_add (expired, request);
          g_hash_table_iter_steal (&iter);
          continue;
        }
      next = MIN (next, request->deadline);
      if (request->stall_at <= now)
        {
          /* Slow: the lookup goes on without it, and still hears it. */
          request->stall_at = G_MAXINT64;
          if (!request->op->finished)
            {
              hormiga_dht_lookup_stalled (request->op->lookup, request->peer);
              g_ptr_array_add (stalled, request->op);
            }
        }
      else
        next = MIN (next, request->stall_at);
    }
  for (guint i = 0; i < stalled->len; i++)
    pump (g_ptr_array_index (stalled, i));
  for (guint i = 0; i < expired->len; i++)
    {
      request_done (dht, g_ptr_array_index (expired, i), NULL);
      request_free (g_ptr_array_index (expired, i));
    }

  /* Buckets nobody touched for a while: look up a random key in each. */
  if (now >= dht->next_refresh && hormiga_dht_routing_table_get_size (dht->table) > 0)
    {
      guint depth = hormiga_dht_routing_table_depth (dht->table);

      for (guint index = 0; index <= depth && index < HORMIGA_DHT_KEY_BITS; index++)
        if (now - hormiga_dht_routing_table_bucket_touched (dht->table, index) >= dht->config.refresh_interval_ms)
          {
            guint8 random_bytes[HORMIGA_DHT_KEY_SIZE];
            HormigaDhtKey target;

            dht->io.random (random_bytes, sizeof random_bytes, dht->user_data);
            hormiga_dht_key_random_in_bucket (&dht->self_key, index, random_bytes, &target);
            pump (operation_new (dht, OP_FIND_NODE, &target, NULL, NULL));
          }
      dht->next_refresh = now + dht->config.refresh_interval_ms;
    }
  next = MIN (next, dht->next_refresh);

  /* Our records, put again before holders drop them; the peer record is
   * made anew (a fresh expiry and sequence number). */
  for (guint i = 0; i < dht->own->len; i++)
    {
      OwnRecord *own = g_ptr_array_index (dht->own, i);

      if (own->next_publish > now)
        {
          next = MIN (next, own->next_publish);
          continue;
        }
      if (own->record->kind == HORMIGA_DHT_RECORD_PEER)
        {
          HormigaDhtRecord *fresh =
            hormiga_dht_record_new_peer (dht->identity, ++dht->peer_seq,
                                         now_s (dht) + dht->config.record_ttl_s,
                                         (const char * const *) dht->addresses);

          hormiga_dht_record_unref (own->record);
          own->record = fresh;
        }
      else if (own->record->expires <= now_s (dht))
        {
          g_ptr_array_remove_index_fast (dht->own, i--);
          continue;
        }
      own->next_publish = now + dht->config.republish_interval_ms;
      start_put (dht, own->record, NULL, NULL);
    }

  if (now >= dht->next_expire)
    {
      hormiga_dht_store_expire (dht->store, now_s (dht));
      dht->next_expire = now + 60000;
    }
  next = MIN (next, dht->next_expire);
  dht->next_deadline = next;
  return MAX (next - now, 1);
}

gint64
hormiga_dht_get_next_deadline (HormigaDht *dht)
{
  g_return_val_if_fail (dht != NULL, G_MAXINT64);

  return dht->next_deadline;
}

static void
publish_peer_record (HormigaDht *dht)
{
  g_autoptr(HormigaDhtRecord) record =
    hormiga_dht_record_new_peer (dht->identity, ++dht->peer_seq,
                                 now_s (dht) + dht->config.record_ttl_s,
                                 (const char * const *) dht->addresses);

  put_own (dht, record);
  start_put (dht, record, NULL, NULL);
}

typedef struct
{
  HormigaDhtNodesFunc func;
  gpointer            user_data;
} Bootstrap;

static void
on_bootstrapped (HormigaDht                  *dht,
                 GPtrArray                   *closest,
                 const HormigaDhtLookupStats *stats,
                 gpointer                     user_data)
{
  g_autofree Bootstrap *bootstrap = user_data;
  guint index;

  /* Ours again before the callback, which may free the DHT. */
  if (g_ptr_array_find (dht->bootstraps, bootstrap, &index))
    g_ptr_array_steal_index_fast (dht->bootstraps, index);
  /* A proxy ran it: the nodes it names are our first contacts, as a
   * bootstrap sample's are (those that do not answer leave the table). */
  if (stats->proxied)
    for (guint i = 0; i < closest->len; i++)
      contact_seen (dht, g_ptr_array_index (closest, i), NULL);
  if (!dht->config.client_mode)
    publish_peer_record (dht);
  if (bootstrap->func != NULL)
    bootstrap->func (dht, closest, stats, bootstrap->user_data);
}

void
hormiga_dht_bootstrap (HormigaDht          *dht,
                       HormigaDhtNodesFunc  func,
                       gpointer             user_data)
{
  Bootstrap *bootstrap = g_new0 (Bootstrap, 1);

  g_return_if_fail (dht != NULL);

  bootstrap->func = func;
  bootstrap->user_data = user_data;
  g_ptr_array_add (dht->bootstraps, bootstrap);
  /* A server-mode node meets its neighbours itself: they must learn of it,
   * it must hear from each of them (a proxy names those that answered it
   * in time), and its peer record goes to them next anyway. A client-mode
   * node only needs contacts, which its proxy can find. */
  run (operation_new (dht, OP_FIND_NODE, &dht->self_key, on_bootstrapped, bootstrap),
       dht->config.client_mode);
}

void
hormiga_dht_find_node (HormigaDht          *dht,
                       const HormigaDhtKey *target,
                       HormigaDhtNodesFunc  func,
                       gpointer             user_data)
{
  g_return_if_fail (dht != NULL && target != NULL);

  /* Our own key (our neighbours: contingency candidates, say), in server
   * mode: asked of them ourselves, as at the bootstrap. */
  run (operation_new (dht, OP_FIND_NODE, target, func, user_data),
       dht->config.client_mode || !hormiga_dht_key_equal (target, &dht->self_key));
}

void
hormiga_dht_get_value (HormigaDht           *dht,
                       const HormigaDhtKey  *key,
                       HormigaDhtRecordFunc  func,
                       gpointer              user_data)
{
  g_return_if_fail (dht != NULL && key != NULL);

  run (get_value_new (dht, key, func, user_data), TRUE);
}

void
hormiga_dht_put_value (HormigaDht        *dht,
                       HormigaDhtRecord  *record,
                       HormigaDhtPutFunc  func,
                       gpointer           user_data)
{
  g_return_if_fail (dht != NULL && record != NULL);

  if (memcmp (record->owner, hormiga_identity_get_public_key (dht->identity), 32) == 0)
    put_own (dht, record);
  start_put (dht, record, func, user_data);
}

void
hormiga_dht_add_provider (HormigaDht          *dht,
                          const HormigaDhtKey *content,
                          HormigaDhtPutFunc    func,
                          gpointer             user_data)
{
  g_autoptr(HormigaDhtRecord) record = NULL;

  g_return_if_fail (dht != NULL && content != NULL);

  record = hormiga_dht_record_new_provider (dht->identity, content, (guint64) now_ms (dht),
                                            now_s (dht) + dht->config.record_ttl_s);
  put_own (dht, record);
  start_put (dht, record, func, user_data);
}

void
hormiga_dht_get_providers (HormigaDht            *dht,
                           const HormigaDhtKey   *content,
                           HormigaDhtRecordsFunc  func,
                           gpointer               user_data)
{
  g_return_if_fail (dht != NULL && content != NULL);

  run (get_providers_new (dht, content, func, user_data), TRUE);
}

void
hormiga_dht_set_proxy (HormigaDht          *dht,
                       const HormigaPeerId *proxy)
{
  g_return_if_fail (dht != NULL);

  if (proxy != NULL && hormiga_peer_id_equal (proxy, dht->self))
    proxy = NULL;
  if (proxy != NULL)
    {
      const gint64 *until = g_hash_table_lookup (dht->bad_proxies, hormiga_peer_id_to_string (proxy));

      if (until != NULL && *until > now_ms (dht))
        proxy = NULL;
      else if (until != NULL)
        g_hash_table_remove (dht->bad_proxies, hormiga_peer_id_to_string (proxy));
    }
  if (proxy == dht->proxy || (proxy != NULL && dht->proxy != NULL &&
                              hormiga_peer_id_equal (proxy, dht->proxy)))
    return;
  g_clear_pointer (&dht->proxy, hormiga_peer_id_unref);
  if (proxy != NULL)
    dht->proxy = hormiga_peer_id_ref ((HormigaPeerId *) proxy);
}

const HormigaPeerId *
hormiga_dht_get_proxy (HormigaDht *dht)
{
  g_return_val_if_fail (dht != NULL, NULL);

  return dht->proxy;
}

void
hormiga_dht_get_proxy_stats (HormigaDht           *dht,
                             HormigaDhtProxyStats *stats)
{
  g_return_if_fail (dht != NULL && stats != NULL);

  *stats = dht->proxy_stats;
}

const GError *
hormiga_dht_get_last_proxy_error (HormigaDht *dht)
{
  g_return_val_if_fail (dht != NULL, NULL);

  return dht->proxy_error;
}

void
hormiga_dht_add_contact (HormigaDht          *dht,
                         const HormigaPeerId *peer,
                         const char          *group)
{
  g_return_if_fail (dht != NULL && peer != NULL);

  if (!hormiga_peer_id_equal (peer, dht->self))
    contact_seen (dht, peer, group);
}

void
hormiga_dht_set_addresses (HormigaDht         *dht,
                           const char * const *addresses)
{
  g_return_if_fail (dht != NULL);

  g_strfreev (dht->addresses);
  dht->addresses = g_strdupv ((char **) addresses);
}

const HormigaPeerId *
hormiga_dht_get_peer_id (HormigaDht *dht)
{
  return dht->self;
}

HormigaDhtRoutingTable *
hormiga_dht_get_routing_table (HormigaDht *dht)
{
  return dht->table;
}

HormigaDhtStore *
hormiga_dht_get_store (HormigaDht *dht)
{
  return dht->store;
}

GPtrArray *
hormiga_dht_dup_own_records (HormigaDht *dht)
{
  GPtrArray *records = g_ptr_array_new_with_free_func ((GDestroyNotify) hormiga_dht_record_unref);
  guint64 now = now_s (dht);

  g_return_val_if_fail (dht != NULL, records);

  for (guint i = 0; i < dht->own->len; i++)
    {
      OwnRecord *own = g_ptr_array_index (dht->own, i);

      if (own->record->expires > now)
        g_ptr_array_add (records, hormiga_dht_record_ref (own->record));
    }
  return records;
}

HormigaDht *
hormiga_dht_new (HormigaIdentity        *identity,
                 const HormigaDhtConfig *config,
                 const HormigaDhtIo     *io,
                 gpointer                user_data)
{
  static const HormigaDhtConfig defaults = HORMIGA_DHT_CONFIG_INIT;
  HormigaDht *dht;

  g_return_val_if_fail (HORMIGA_IS_IDENTITY (identity), NULL);
  g_return_val_if_fail (io != NULL && io->send != NULL && io->now != NULL && io->random != NULL, NULL);

  dht = g_new0 (HormigaDht, 1);
  dht->identity = g_object_ref (identity);
  dht->self = hormiga_peer_id_ref (hormiga_identity_get_peer_id (identity));
  hormiga_dht_key_from_peer_id (&dht->self_key, dht->self);
  dht->config = config ? *config : defaults;
  dht->config.k = MIN (MAX (dht->config.k, 1), HORMIGA_DHT_MESSAGE_MAX_NODES);
  dht->config.alpha = MAX (dht->config.alpha, 1);
  dht->io = *io;
  dht->user_data = user_data;
  dht->table = hormiga_dht_routing_table_new (&dht->self_key, dht->config.k,
                                              dht->config.max_per_group_bucket,
                                              dht->config.max_per_group_table);
  dht->store = hormiga_dht_store_new (dht->config.store_max_bytes,
                                      dht->config.store_max_bytes_per_peer,
                                      HORMIGA_DHT_STORE_DEFAULT_MAX_PROVIDERS);
  dht->requests = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) request_free);
  dht->operations = g_ptr_array_new ();
  dht->own = g_ptr_array_new_with_free_func ((GDestroyNotify) own_record_free);
  dht->bootstraps = g_ptr_array_new_with_free_func (g_free);
  dht->proxy_clients = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  dht->bad_proxies = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  /* Sequence numbers start from the clock, so a restart never goes back. */
  dht->peer_seq = (guint64) now_ms (dht);
  dht->next_refresh = now_ms (dht) + dht->config.refresh_interval_ms;
  dht->next_expire = now_ms (dht) + 60000;
  dht->next_deadline = MIN (dht->next_refresh, dht->next_expire);
  return dht;
}

void
hormiga_dht_free (HormigaDht *dht)
{
  GHashTableIter iter;
  gpointer value;

  if (dht == NULL)
    return;
  /* Pending requests hold their operations; running ones end silently. */
  g_hash_table_iter_init (&iter, dht->requests);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (((Request *) value)->op != NULL)
      operation_unref (((Request *) value)->op);
  g_hash_table_unref (dht->requests);
  for (guint i = 0; i < dht->operations->len; i++)
    operation_unref (g_ptr_array_index (dht->operations, i));
  g_ptr_array_unref (dht->operations);
  g_ptr_array_unref (dht->own);
  g_ptr_array_unref (dht->bootstraps);
  g_strfreev (dht->addresses);
  g_clear_pointer (&dht->proxy, hormiga_peer_id_unref);
  g_clear_error (&dht->proxy_error);
  g_hash_table_unref (dht->proxy_clients);
  g_hash_table_unref (dht->bad_proxies);
  hormiga_dht_store_free (dht->store);
  hormiga_dht_routing_table_free (dht->table);
  hormiga_peer_id_unref (dht->self);
  g_object_unref (dht->identity);
  g_free (dht);
}
