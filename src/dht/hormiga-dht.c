/* hormiga-dht.c — a Kademlia node, without I/O
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Requests carry a random 32-bit id; a response is matched by (sender, id).
 * Every lookup-based operation (find-node, get-value, get-providers, and the
 * lookups in front of put-value and add-provider) is an Operation driving a
 * HormigaDhtLookup; it lives until its callback has run and its last
 * request has been answered or has timed out.
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
  guint             pending_stores;
  guint             stored;
  gpointer          func;
  gpointer          user_data;
};

typedef enum {
  REQUEST_LOOKUP,     /* a lookup step of its operation */
  REQUEST_STORE,      /* put-value / add-provider of an OP_PUT */
  REQUEST_PING,       /* is the oldest contact of a full bucket alive? */
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
  request->deadline = now_ms (dht) + dht->config.request_timeout_ms;
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
  if (op->kind == OP_GET_VALUE && op->record != NULL)
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

static void
finish (Operation *op)
{
  HormigaDht *dht = op->dht;
  HormigaDhtLookupStats stats = { 0 };

  if (op->finished)
    return;
  op->finished = TRUE;
  stats_of (op, &stats);

  switch (op->kind)
    {
    case OP_FIND_NODE:
      {
        g_autoptr(GPtrArray) closest = hormiga_dht_lookup_result (op->lookup);

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

static void
pump (Operation *op)
{
  HormigaDht *dht = op->dht;
  const HormigaPeerId *next;

  if (op->finished || op->storing)
    return;
  while ((next = hormiga_dht_lookup_next (op->lookup)) != NULL)
    {
      HormigaDhtMessageType type = op->kind == OP_GET_VALUE     ? HORMIGA_DHT_MESSAGE_GET_VALUE
                                 : op->kind == OP_GET_PROVIDERS ? HORMIGA_DHT_MESSAGE_GET_PROVIDERS
                                                                : HORMIGA_DHT_MESSAGE_FIND_NODE;
      g_autoptr(HormigaDhtMessage) message = hormiga_dht_message_new (type, new_request_id (dht));

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

/* ---- requests we answer --------------------------------------------------- */

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
  if (response == NULL && request->kind != REQUEST_PING)
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
  hormiga_dht_find_node (dht, &dht->self_key, on_bootstrapped, bootstrap);
}

void
hormiga_dht_find_node (HormigaDht          *dht,
                       const HormigaDhtKey *target,
                       HormigaDhtNodesFunc  func,
                       gpointer             user_data)
{
  g_return_if_fail (dht != NULL && target != NULL);

  pump (operation_new (dht, OP_FIND_NODE, target, func, user_data));
}

void
hormiga_dht_get_value (HormigaDht           *dht,
                       const HormigaDhtKey  *key,
                       HormigaDhtRecordFunc  func,
                       gpointer              user_data)
{
  Operation *op;
  HormigaDhtRecord *local;

  g_return_if_fail (dht != NULL && key != NULL);

  op = operation_new (dht, OP_GET_VALUE, key, func, user_data);
  local = hormiga_dht_store_get (dht->store, key, now_s (dht));
  if (local != NULL)
    {
      op->record = hormiga_dht_record_ref (local);
      finish (op);
      return;
    }
  pump (op);
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
  Operation *op;

  g_return_if_fail (dht != NULL && content != NULL);

  op = operation_new (dht, OP_GET_PROVIDERS, content, func, user_data);
  op->providers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) hormiga_dht_record_unref);
  {
    g_autoptr(GPtrArray) local = hormiga_dht_store_get_providers (dht->store, content, now_s (dht),
                                                                  HORMIGA_DHT_MESSAGE_MAX_RECORDS);

    for (guint i = 0; i < local->len; i++)
      {
        HormigaDhtRecord *record = g_ptr_array_index (local, i);

        g_hash_table_replace (op->providers, g_base64_encode (record->owner, sizeof record->owner),
                              hormiga_dht_record_ref (record));
      }
  }
  pump (op);
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
  hormiga_dht_store_free (dht->store);
  hormiga_dht_routing_table_free (dht->table);
  hormiga_peer_id_unref (dht->self);
  g_object_unref (dht->identity);
  g_free (dht);
}
