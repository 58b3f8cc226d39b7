/* hormiga-sim-network.c — a simulated network for DHT cores, in virtual time
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "hormiga-sim-network.h"

/* Virtual time starts here (ms since the unix epoch): records carry real
 * looking expiry times. */
#define EPOCH_MS G_GINT64_CONSTANT (1800000000000)

typedef enum {
  EVENT_DELIVER,
  EVENT_TICK,
} EventKind;

typedef struct
{
  gint64          time;
  guint64         seq;
  EventKind       kind;
  HormigaSimNode *from;
  HormigaSimNode *to;
  GBytes         *bytes;
  guint64         tick_generation;
} Event;

struct _HormigaSimNode
{
  HormigaSimNetwork *network;
  HormigaDht        *dht;
  guint              index;
  gboolean           alive;
  guint64            tick_generation;  /* the tick event that counts */
  gint64             next_tick;
  gboolean           dirty;            /* sent something: check its tick */
};

struct _HormigaSimNetwork
{
  HormigaSimNetworkConfig config;
  HormigaDhtConfig        dht_config;
  GRand                  *rand;
  gint64                  now;
  guint64                 seq;
  guint64                 messages;
  GPtrArray              *heap;      /* Event, a binary min-heap on (time, seq) */
  GPtrArray              *nodes;     /* HormigaSimNode */
  GHashTable             *by_peer;   /* HormigaPeerId → HormigaSimNode */
  gboolean                in_node;   /* a node is running: its ticks are rescheduled after */
};

/* ---- the event heap -------------------------------------------------------- */

static gboolean
earlier (Event *a,
         Event *b)
{
  return a->time < b->time || (a->time == b->time && a->seq < b->seq);
}

static void
heap_push (HormigaSimNetwork *network,
           Event             *event)
{
  GPtrArray *heap = network->heap;
  guint i;

  event->seq = network->seq++;
  g_ptr_array_add (heap, event);
  for (i = heap->len - 1; i > 0;)
    {
      guint parent = (i - 1) / 2;

      if (!earlier (heap->pdata[i], heap->pdata[parent]))
        break;
      {
        gpointer swap = heap->pdata[i];
        heap->pdata[i] = heap->pdata[parent];
        heap->pdata[parent] = swap;
      }
      i = parent;
    }
}

static Event *
heap_pop (HormigaSimNetwork *network)
{
  GPtrArray *heap = network->heap;
  Event *top;
  guint i = 0;

  if (heap->len == 0)
    return NULL;
  top = heap->pdata[0];
  heap->pdata[0] = heap->pdata[heap->len - 1];
  g_ptr_array_set_size (heap, heap->len - 1);
  for (;;)
    {
      guint left = 2 * i + 1, right = left + 1, best = i;

      if (left < heap->len && earlier (heap->pdata[left], heap->pdata[best]))
        best = left;
      if (right < heap->len && earlier (heap->pdata[right], heap->pdata[best]))
        best = right;
      if (best == i)
        break;
      {
        gpointer swap = heap->pdata[i];
        heap->pdata[i] = heap->pdata[best];
        heap->pdata[best] = swap;
      }
      i = best;
    }
  return top;
}

static void
event_free (Event *event)
{
  g_clear_pointer (&event->bytes, g_bytes_unref);
  g_free (event);
}

/* ---- the DHT's I/O ---------------------------------------------------------- */

static guint
link_latency (HormigaSimNetwork *network,
              HormigaSimNode    *a,
              HormigaSimNode    *b)
{
  /* Stable per pair: a hash of the two indices picks the base latency. */
  guint lo = MIN (a->index, b->index), hi = MAX (a->index, b->index);
  guint32 h = (guint32) (lo * 2654435761u) ^ (guint32) (hi * 2246822519u) ^ network->config.seed;
  guint span = network->config.max_latency_ms - network->config.min_latency_ms;

  h ^= h >> 15;
  h *= 2246822519u;
  h ^= h >> 13;
  return network->config.min_latency_ms + (span > 0 ? h % (span + 1) : 0);
}

static void schedule_tick (HormigaSimNode *node,
                           gint64          delay);

/* A request sent since the node's tick was scheduled may time out before
 * it: bring the tick forward. */
static void
check_tick (HormigaSimNode *node)
{
  gint64 deadline = hormiga_dht_get_next_deadline (node->dht) - EPOCH_MS;

  if (node->alive && deadline < node->next_tick)
    schedule_tick (node, deadline - node->network->now);
}

static void
on_send (const HormigaPeerId *to,
         GBytes              *message,
         gpointer             user_data)
{
  HormigaSimNode *from = user_data;
  HormigaSimNetwork *network = from->network;
  HormigaSimNode *target = g_hash_table_lookup (network->by_peer, to);
  Event *event;

  network->messages++;
  from->dirty = TRUE;
  if (target == NULL || !target->alive)
    return;
  if (network->config.loss > 0 && g_rand_double (network->rand) < network->config.loss)
    return;
  event = g_new0 (Event, 1);
  event->kind = EVENT_DELIVER;
  event->time = network->now + link_latency (network, from, target) +
                g_rand_int_range (network->rand, 0, 3);
  event->from = from;
  event->to = target;
  event->bytes = g_bytes_ref (message);
  heap_push (network, event);
}

static gint64
on_now (gpointer user_data)
{
  HormigaSimNode *node = user_data;
  return EPOCH_MS + node->network->now;
}

static void
on_random (guint8   *out,
           gsize     length,
           gpointer  user_data)
{
  HormigaSimNode *node = user_data;

  for (gsize i = 0; i < length; i++)
    out[i] = (guint8) g_rand_int (node->network->rand);
}

static void
schedule_tick (HormigaSimNode *node,
               gint64          delay)
{
  Event *event = g_new0 (Event, 1);

  event->kind = EVENT_TICK;
  event->time = node->network->now + MAX (delay, 1);
  event->to = node;
  event->tick_generation = ++node->tick_generation;
  node->next_tick = event->time;
  heap_push (node->network, event);
}

static void
node_free (HormigaSimNode *node)
{
  g_clear_pointer (&node->dht, hormiga_dht_free);
  g_free (node);
}

/* ---- public API ---------------------------------------------------------------- */

HormigaSimNetwork *
hormiga_sim_network_new (const HormigaSimNetworkConfig *config,
                         const HormigaDhtConfig        *dht_config)
{
  HormigaSimNetwork *network = g_new0 (HormigaSimNetwork, 1);

  network->config = *config;
  network->dht_config = *dht_config;
  network->rand = g_rand_new_with_seed (config->seed);
  network->heap = g_ptr_array_new ();
  network->nodes = g_ptr_array_new_with_free_func ((GDestroyNotify) node_free);
  network->by_peer = g_hash_table_new ((GHashFunc) hormiga_peer_id_hash,
                                       (GEqualFunc) hormiga_peer_id_equal);
  return network;
}

void
hormiga_sim_network_free (HormigaSimNetwork *network)
{
  Event *event;

  while ((event = heap_pop (network)) != NULL)
    event_free (event);
  g_ptr_array_unref (network->heap);
  g_hash_table_unref (network->by_peer);
  g_ptr_array_unref (network->nodes);
  g_rand_free (network->rand);
  g_free (network);
}

HormigaSimNode *
hormiga_sim_network_add_node (HormigaSimNetwork *network)
{
  return hormiga_sim_network_add_node_with_config (network, &network->dht_config);
}

HormigaSimNode *
hormiga_sim_network_add_node_with_config (HormigaSimNetwork      *network,
                                          const HormigaDhtConfig *config)
{
  static const HormigaDhtIo io = { on_send, on_now, on_random };
  HormigaSimNode *node = g_new0 (HormigaSimNode, 1);
  guint8 seed[32];
  g_autoptr(HormigaIdentity) identity = NULL;

  for (guint i = 0; i < sizeof seed; i++)
    seed[i] = (guint8) g_rand_int (network->rand);
  identity = hormiga_identity_new_from_seed (seed);
  node->network = network;
  node->index = network->nodes->len;
  node->alive = TRUE;
  node->dht = hormiga_dht_new (identity, config, &io, node);
  g_ptr_array_add (network->nodes, node);
  g_hash_table_insert (network->by_peer, (gpointer) hormiga_dht_get_peer_id (node->dht), node);
  schedule_tick (node, network->dht_config.request_timeout_ms);
  return node;
}

void
hormiga_sim_network_kill (HormigaSimNetwork *network,
                          HormigaSimNode    *node)
{
  node->alive = FALSE;
  node->tick_generation++;
}

HormigaDht *
hormiga_sim_node_get_dht (HormigaSimNode *node)
{
  return node->dht;
}

gboolean
hormiga_sim_node_is_alive (HormigaSimNode *node)
{
  return node->alive;
}

void
hormiga_sim_network_run (HormigaSimNetwork *network,
                         gint64             until,
                         gboolean         (*done) (gpointer data),
                         gpointer           data)
{
  /* Operations started from outside since the last run. */
  for (guint i = 0; i < network->nodes->len; i++)
    {
      HormigaSimNode *node = g_ptr_array_index (network->nodes, i);

      if (node->dirty)
        {
          node->dirty = FALSE;
          check_tick (node);
        }
    }

  while (network->heap->len > 0 && (done == NULL || !done (data)))
    {
      Event *event = network->heap->pdata[0];

      if (event->time > until)
        break;
      event = heap_pop (network);
      network->now = MAX (network->now, event->time);
      if (event->to->alive)
        {
          if (event->kind == EVENT_DELIVER)
            hormiga_dht_receive (event->to->dht, hormiga_dht_get_peer_id (event->from->dht), NULL,
                                 event->bytes);
          else if (event->tick_generation == event->to->tick_generation)
            schedule_tick (event->to, hormiga_dht_tick (event->to->dht));
          if (event->to->dirty)
            {
              event->to->dirty = FALSE;
              check_tick (event->to);
            }
        }
      event_free (event);
    }
  network->now = MAX (network->now, MIN (until, network->heap->len > 0
                                                  ? ((Event *) network->heap->pdata[0])->time
                                                  : until));
}

gint64
hormiga_sim_network_get_time (HormigaSimNetwork *network)
{
  return network->now;
}

guint64
hormiga_sim_network_get_n_messages (HormigaSimNetwork *network)
{
  return network->messages;
}

GRand *
hormiga_sim_network_get_rand (HormigaSimNetwork *network)
{
  return network->rand;
}
