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
  EVENT_KILL,
} EventKind;

/* What a message or tick is for. */
typedef enum {
  CHANNEL_DHT,
  CHANNEL_CONTINGENCY,
  N_CHANNELS
} Channel;

typedef struct
{
  gint64          time;
  guint64         seq;
  EventKind       kind;
  HormigaSimNode *from;
  HormigaSimNode *to;
  GBytes         *bytes;
  guint64         tick_generation;
  Channel         channel;
} Event;

struct _HormigaSimNode
{
  HormigaSimNetwork *network;
  HormigaDht        *dht;
  HormigaContingency *contingency;
  HormigaIdentity   *identity;
  guint              index;
  gboolean           alive;
  guint64            tick_generation[N_CHANNELS];  /* the tick event that counts */
  gint64             next_tick[N_CHANNELS];
  gboolean           dirty;            /* sent something: check its ticks */
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
  gboolean                contingency;
  guint64                 contingency_messages;
  HormigaContingencyConfig contingency_config;
  HormigaSimContingencyFunc contingency_func;
  gpointer                contingency_data;
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
                           Channel         channel,
                           gint64          delay);

/* A request sent since the node's tick was scheduled may time out before
 * it: bring the tick forward. */
static void
check_tick (HormigaSimNode *node)
{
  gint64 deadline = hormiga_dht_get_next_deadline (node->dht) - EPOCH_MS;

  if (node->alive && deadline < node->next_tick[CHANNEL_DHT])
    schedule_tick (node, CHANNEL_DHT, deadline - node->network->now);
  if (node->contingency != NULL && node->alive)
    {
      deadline = hormiga_contingency_get_next_deadline (node->contingency);
      deadline = deadline >= G_MAXINT64 / 2 ? G_MAXINT64 / 4 : deadline - EPOCH_MS;
      if (deadline < node->next_tick[CHANNEL_CONTINGENCY])
        schedule_tick (node, CHANNEL_CONTINGENCY, deadline - node->network->now);
    }
}

static void
send_on (HormigaSimNode      *from,
         Channel              channel,
         const HormigaPeerId *to,
         GBytes              *message)
{
  HormigaSimNetwork *network = from->network;
  HormigaSimNode *target = g_hash_table_lookup (network->by_peer, to);
  Event *event;

  if (channel == CHANNEL_CONTINGENCY)
    network->contingency_messages++;
  else
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
  event->channel = channel;
  heap_push (network, event);
}

static void
on_send (const HormigaPeerId *to,
         GBytes              *message,
         gpointer             user_data)
{
  send_on (user_data, CHANNEL_DHT, to, message);
}

static void
on_contingency_send (const HormigaPeerId *to,
                     GBytes              *message,
                     gpointer             user_data)
{
  send_on (user_data, CHANNEL_CONTINGENCY, to, message);
}

static void
on_contingency_event (HormigaContingency            *contingency,
                      const HormigaContingencyEvent *event,
                      gpointer                       user_data)
{
  HormigaSimNode *node = user_data;

  if (node->network->contingency_func != NULL)
    node->network->contingency_func (node, event, node->network->contingency_data);
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
               Channel         channel,
               gint64          delay)
{
  Event *event = g_new0 (Event, 1);

  event->kind = EVENT_TICK;
  event->time = node->network->now + MAX (delay, 1);
  event->to = node;
  event->channel = channel;
  event->tick_generation = ++node->tick_generation[channel];
  node->next_tick[channel] = event->time;
  heap_push (node->network, event);
}

static void
node_free (HormigaSimNode *node)
{
  g_clear_pointer (&node->contingency, hormiga_contingency_free);
  g_clear_pointer (&node->dht, hormiga_dht_free);
  g_clear_object (&node->identity);
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
  node->identity = g_object_ref (identity);
  node->dht = hormiga_dht_new (identity, config, &io, node);
  g_ptr_array_add (network->nodes, node);
  g_hash_table_insert (network->by_peer, (gpointer) hormiga_dht_get_peer_id (node->dht), node);
  schedule_tick (node, CHANNEL_DHT, network->dht_config.request_timeout_ms);
  if (network->contingency)
    {
      static const HormigaContingencyIo contingency_io = {
        on_contingency_send, on_now, on_random, on_contingency_event
      };

      node->contingency = hormiga_contingency_new (identity, &network->contingency_config,
                                                   &contingency_io, node);
      schedule_tick (node, CHANNEL_CONTINGENCY,
                     hormiga_contingency_get_next_deadline (node->contingency) - on_now (node));
    }
  return node;
}

void
hormiga_sim_network_kill (HormigaSimNetwork *network,
                          HormigaSimNode    *node)
{
  node->alive = FALSE;
  for (guint i = 0; i < N_CHANNELS; i++)
    node->tick_generation[i]++;
}

void
hormiga_sim_network_enable_contingency (HormigaSimNetwork              *network,
                                        const HormigaContingencyConfig *config,
                                        HormigaSimContingencyFunc       func,
                                        gpointer                        user_data)
{
  static const HormigaContingencyConfig defaults = HORMIGA_CONTINGENCY_CONFIG_INIT;

  network->contingency = TRUE;
  network->contingency_config = config != NULL ? *config : defaults;
  network->contingency_func = func;
  network->contingency_data = user_data;
}

HormigaContingency *
hormiga_sim_node_get_contingency (HormigaSimNode *node)
{
  return node->contingency;
}

void
hormiga_sim_network_leave (HormigaSimNetwork *network,
                           HormigaSimNode    *node,
                           gint64             after_ms)
{
  Event *event;

  if (node->contingency != NULL)
    {
      hormiga_contingency_leave (node->contingency);
      check_tick (node);
    }
  event = g_new0 (Event, 1);
  event->kind = EVENT_KILL;
  event->time = network->now + MAX (after_ms, 1);
  event->to = node;
  heap_push (network, event);
}

HormigaSimNode *
hormiga_sim_network_find (HormigaSimNetwork   *network,
                          const HormigaPeerId *peer)
{
  return g_hash_table_lookup (network->by_peer, peer);
}

HormigaIdentity *
hormiga_sim_node_get_identity (HormigaSimNode *node)
{
  return node->identity;
}

guint
hormiga_sim_node_get_index (HormigaSimNode *node)
{
  return node->index;
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
          if (event->kind == EVENT_KILL)
            hormiga_sim_network_kill (network, event->to);
          else if (event->kind == EVENT_DELIVER && event->channel == CHANNEL_CONTINGENCY)
            hormiga_contingency_receive (event->to->contingency, hormiga_dht_get_peer_id (event->from->dht),
                                         event->bytes);
          else if (event->kind == EVENT_DELIVER)
            hormiga_dht_receive (event->to->dht, hormiga_dht_get_peer_id (event->from->dht), NULL,
                                 event->bytes);
          else if (event->tick_generation != event->to->tick_generation[event->channel])
            ;
          else if (event->channel == CHANNEL_CONTINGENCY)
            {
              gint64 delay = hormiga_contingency_tick (event->to->contingency);

              schedule_tick (event->to, CHANNEL_CONTINGENCY, MIN (delay, G_MAXINT64 / 4));
            }
          else
            schedule_tick (event->to, CHANNEL_DHT, hormiga_dht_tick (event->to->dht));
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

guint64
hormiga_sim_network_get_n_contingency_messages (HormigaSimNetwork *network)
{
  return network->contingency_messages;
}

GRand *
hormiga_sim_network_get_rand (HormigaSimNetwork *network)
{
  return network->rand;
}
