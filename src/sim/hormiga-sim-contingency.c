/* hormiga-sim-contingency.c — contingency nodes in hormiga-sim
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>

#include "hormiga-sim-contingency.h"

#define CANDIDATES 16
#define PRIVATE_BLOB_SIZE 256

typedef struct
{
  HormigaSimNode   *owner;
  HormigaDhtRecord *record;
  gboolean          found;
} OwnedRecord;

typedef struct
{
  HormigaSimNode *owner;
  gint64          since;   /* when one of its contingents departed */
} PendingRepair;

struct _HormigaSimContingency
{
  HormigaSimNetwork *network;
  GPtrArray         *nodes;
  guint              records_per_node;
  GHashTable        *published;  /* HormigaSimNode → TRUE: records made and put */
  GPtrArray         *records;    /* OwnedRecord */
  GHashTable        *departed;   /* HormigaSimNode → TRUE */
  GPtrArray         *repairs;    /* PendingRepair */
  GArray            *repair_ms;  /* gint64 */
  guint              handoffs;
  guint              takeovers;
  guint              republished;
  guint              pending;
  guint              lost;
  guint              unprotected;
  guint              checked;
};

static void
owned_record_free (OwnedRecord *owned)
{
  hormiga_dht_record_unref (owned->record);
  g_free (owned);
}

static gint64
now_ms (HormigaSimContingency *sim)
{
  return G_GINT64_CONSTANT (1800000000000) + hormiga_sim_network_get_time (sim->network);
}

/* Its records and private blob, once its DHT has joined (its first
 * request for candidates). */
static void
publish (HormigaSimContingency *sim,
         HormigaSimNode        *node)
{
  HormigaDht *dht = hormiga_sim_node_get_dht (node);
  HormigaContingency *contingency = hormiga_sim_node_get_contingency (node);
  guint8 blob[PRIVATE_BLOB_SIZE];
  g_autoptr(GBytes) plaintext = NULL;

  g_hash_table_add (sim->published, node);
  for (guint i = 0; i < sim->records_per_node; i++)
    {
      g_autofree char *name = g_strdup_printf ("sim/%u/%u", hormiga_sim_node_get_index (node), i);
      g_autofree char *text = g_strdup_printf ("value %u of node %u, %064u", i, hormiga_sim_node_get_index (node), i);
      g_autoptr(GBytes) value = g_bytes_new (text, strlen (text));
      g_autoptr(HormigaDhtRecord) record =
        hormiga_dht_record_new_mutable (hormiga_sim_node_get_identity (node), name, 1,
                                        (guint64) now_ms (sim) / 1000 + 24 * 3600, value);
      OwnedRecord *owned = g_new0 (OwnedRecord, 1);

      owned->owner = node;
      owned->record = hormiga_dht_record_ref (record);
      g_ptr_array_add (sim->records, owned);
      hormiga_dht_put_value (dht, record, NULL, NULL);
      if (!hormiga_contingency_put_record (contingency, record, NULL))
        g_warning ("a simulated record was not backed up");
    }
  for (guint i = 0; i < sizeof blob; i++)
    blob[i] = (guint8) (i ^ hormiga_sim_node_get_index (node));
  plaintext = g_bytes_new (blob, sizeof blob);
  hormiga_contingency_set_private (contingency, plaintext, NULL);
}

static void
give_candidates (HormigaSimContingency *sim,
                 HormigaSimNode        *node)
{
  HormigaDht *dht = hormiga_sim_node_get_dht (node);
  HormigaDhtKey self;
  g_autoptr(GPtrArray) closest = NULL;

  hormiga_dht_key_from_peer_id (&self, hormiga_dht_get_peer_id (dht));
  closest = hormiga_dht_routing_table_closest (hormiga_dht_get_routing_table (dht), &self, CANDIDATES);
  hormiga_contingency_set_candidates (hormiga_sim_node_get_contingency (node), closest);
}

static void
republish (HormigaSimContingency *sim,
           HormigaSimNode        *node,
           GPtrArray             *records)
{
  for (guint i = 0; i < records->len; i++)
    hormiga_dht_put_value (hormiga_sim_node_get_dht (node), g_ptr_array_index (records, i), NULL, NULL);
  sim->republished += records->len;
}

static void
on_event (HormigaSimNode                *node,
          const HormigaContingencyEvent *event,
          gpointer                       user_data)
{
  HormigaSimContingency *sim = user_data;

  switch (event->type)
    {
    case HORMIGA_CONTINGENCY_EVENT_NEED_CANDIDATES:
      if (!g_hash_table_contains (sim->published, node))
        publish (sim, node);
      give_candidates (sim, node);
      break;

    case HORMIGA_CONTINGENCY_EVENT_TAKEOVER:
      sim->takeovers++;
      republish (sim, node, event->records);
      break;

    case HORMIGA_CONTINGENCY_EVENT_REPUBLISH:
      republish (sim, node, event->records);
      break;

    case HORMIGA_CONTINGENCY_EVENT_HANDOFF_RECEIVED:
      sim->handoffs++;
      break;

    case HORMIGA_CONTINGENCY_EVENT_REPAIRED:
      for (guint i = 0; i < sim->repairs->len; i++)
        {
          PendingRepair *repair = g_ptr_array_index (sim->repairs, i);

          if (repair->owner != node)
            continue;
          {
            gint64 ms = hormiga_sim_network_get_time (sim->network) - repair->since;

            g_array_append_val (sim->repair_ms, ms);
          }
          g_ptr_array_remove_index_fast (sim->repairs, i--);
        }
      break;

    case HORMIGA_CONTINGENCY_EVENT_LEFT:
      hormiga_sim_network_kill (sim->network, node);
      break;

    default:
      break;
    }
}

HormigaSimContingency *
hormiga_sim_contingency_new (HormigaSimNetwork *network,
                             GPtrArray         *nodes,
                             guint              r,
                             guint              records_per_node)
{
  HormigaSimContingency *sim = g_new0 (HormigaSimContingency, 1);
  HormigaContingencyConfig config = HORMIGA_CONTINGENCY_CONFIG_INIT;

  sim->network = network;
  sim->nodes = g_ptr_array_ref (nodes);
  sim->records_per_node = records_per_node;
  sim->published = g_hash_table_new (NULL, NULL);
  sim->records = g_ptr_array_new_with_free_func ((GDestroyNotify) owned_record_free);
  sim->departed = g_hash_table_new (NULL, NULL);
  sim->repairs = g_ptr_array_new_with_free_func (g_free);
  sim->repair_ms = g_array_new (FALSE, FALSE, sizeof (gint64));
  config.r = r;
  hormiga_sim_network_enable_contingency (network, &config, on_event, sim);
  return sim;
}

void
hormiga_sim_contingency_free (HormigaSimContingency *sim)
{
  g_ptr_array_unref (sim->nodes);
  g_hash_table_unref (sim->published);
  g_ptr_array_unref (sim->records);
  g_hash_table_unref (sim->departed);
  g_ptr_array_unref (sim->repairs);
  g_array_unref (sim->repair_ms);
  g_free (sim);
}

void
hormiga_sim_contingency_depart (HormigaSimContingency *sim,
                                HormigaSimNode        *node,
                                gboolean               graceful)
{
  HormigaContingency *contingency = hormiga_sim_node_get_contingency (node);
  g_autoptr(GPtrArray) protected = hormiga_contingency_list_protected (contingency);

  /* Every owner that had it as a contingent has a repair to make. */
  for (guint i = 0; i < protected->len; i++)
    {
      HormigaProtectedInfo *info = g_ptr_array_index (protected, i);
      HormigaSimNode *owner = hormiga_sim_network_find (sim->network, info->peer);
      g_autoptr(GPtrArray) contingents = NULL;

      if (owner == NULL || !hormiga_sim_node_is_alive (owner) || !info->assigned)
        continue;
      contingents = hormiga_contingency_list_contingents (hormiga_sim_node_get_contingency (owner));
      for (guint j = 0; j < contingents->len; j++)
        if (hormiga_peer_id_equal (((HormigaContingentInfo *) g_ptr_array_index (contingents, j))->peer,
                                   hormiga_dht_get_peer_id (hormiga_sim_node_get_dht (node))))
          {
            PendingRepair *repair = g_new0 (PendingRepair, 1);

            repair->owner = owner;
            repair->since = hormiga_sim_network_get_time (sim->network);
            g_ptr_array_add (sim->repairs, repair);
            break;
          }
    }
  g_hash_table_add (sim->departed, node);
  if (graceful)
    hormiga_sim_network_leave (sim->network, node,
                               hormiga_contingency_get_config (contingency)->leave_timeout_ms + 1);
  else
    hormiga_sim_network_kill (sim->network, node);
}

static HormigaSimNode *
random_live (HormigaSimContingency *sim)
{
  GRand *rand = hormiga_sim_network_get_rand (sim->network);

  for (;;)
    {
      HormigaSimNode *node = g_ptr_array_index (sim->nodes, g_rand_int_range (rand, 0, (gint32) sim->nodes->len));

      if (hormiga_sim_node_is_alive (node))
        return node;
    }
}

typedef struct
{
  HormigaSimContingency *sim;
  OwnedRecord           *owned;
  gboolean               held;   /* a live contingent holds it */
} Check;

static void
on_got (HormigaDht                  *dht,
        HormigaDhtRecord            *record,
        const GError                *error,
        const HormigaDhtLookupStats *stats,
        gpointer                     user_data)
{
  g_autofree Check *check = user_data;
  HormigaSimContingency *sim = check->sim;

  check->owned->found = record != NULL && record->kind == HORMIGA_DHT_RECORD_MUTABLE &&
                        record->seq >= check->owned->record->seq;
  if (!check->owned->found && !check->held)
    sim->lost++;
  sim->pending--;
}

static gboolean
none_pending (gpointer data)
{
  return ((HormigaSimContingency *) data)->pending == 0;
}

void
hormiga_sim_contingency_check (HormigaSimContingency *sim)
{
  g_autoptr(GHashTable) held = g_hash_table_new ((GHashFunc) g_bytes_hash, (GEqualFunc) g_bytes_equal);
  g_autoptr(GPtrArray) keep = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  guint64 now_s = (guint64) now_ms (sim) / 1000;

  /* What live contingents hold for departed owners. */
  for (guint i = 0; i < sim->nodes->len; i++)
    {
      HormigaSimNode *node = g_ptr_array_index (sim->nodes, i);
      g_autoptr(GPtrArray) protected = NULL;

      if (!hormiga_sim_node_is_alive (node))
        continue;
      protected = hormiga_contingency_list_protected (hormiga_sim_node_get_contingency (node));
      for (guint j = 0; j < protected->len; j++)
        {
          HormigaProtectedInfo *info = g_ptr_array_index (protected, j);
          HormigaSimNode *owner = hormiga_sim_network_find (sim->network, info->peer);
          GPtrArray *records;

          if (owner == NULL || hormiga_sim_node_is_alive (owner))
            continue;
          records = hormiga_contingency_dup_held_records (hormiga_sim_node_get_contingency (node), info->peer);
          for (guint k = 0; k < records->len; k++)
            g_hash_table_add (held, ((HormigaDhtRecord *) g_ptr_array_index (records, k))->encoded);
          g_ptr_array_add (keep, records);
        }
    }

  for (guint i = 0; i < sim->records->len; i++)
    {
      OwnedRecord *owned = g_ptr_array_index (sim->records, i);
      Check *check;

      if (hormiga_sim_node_is_alive (owned->owner) || owned->record->expires <= now_s)
        continue;
      sim->checked++;
      check = g_new0 (Check, 1);
      check->sim = sim;
      check->owned = owned;
      check->held = g_hash_table_contains (held, owned->record->encoded);
      sim->unprotected += !check->held;
      sim->pending++;
      hormiga_dht_get_value (hormiga_sim_node_get_dht (random_live (sim)), &owned->record->key, on_got, check);
    }
  hormiga_sim_network_run (sim->network, hormiga_sim_network_get_time (sim->network) + 120000, none_pending, sim);
}

static int
compare_int64 (gconstpointer a,
               gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;
  return x < y ? -1 : x > y;
}

static double
percentile_s (GArray *array,
              double  p)
{
  if (array->len == 0)
    return 0;
  return g_array_index (array, gint64, MIN ((guint) (p * array->len), array->len - 1)) / 1000.0;
}

char *
hormiga_sim_contingency_report (HormigaSimContingency *sim)
{
  guint64 held_bytes = 0;
  guint live = 0;

  for (guint i = 0; i < sim->nodes->len; i++)
    {
      HormigaSimNode *node = g_ptr_array_index (sim->nodes, i);
      g_autoptr(GPtrArray) protected = NULL;

      if (!hormiga_sim_node_is_alive (node))
        continue;
      live++;
      protected = hormiga_contingency_list_protected (hormiga_sim_node_get_contingency (node));
      for (guint j = 0; j < protected->len; j++)
        held_bytes += ((HormigaProtectedInfo *) g_ptr_array_index (protected, j))->bytes;
    }
  g_array_sort (sim->repair_ms, compare_int64);
  return g_strdup_printf ("{\"r\":%u,\"records_total\":%u,\"records_departed\":%u,\"records_lost\":%u,"
                          "\"records_unprotected\":%u,\"repairs\":%u,\"repairs_unfinished\":%u,"
                          "\"repair_s_p50\":%.1f,\"repair_s_p95\":%.1f,\"backup_bytes_per_node\":%.0f,"
                          "\"handoffs\":%u,\"takeovers\":%u,\"records_republished\":%u,"
                          "\"messages\":%" G_GUINT64_FORMAT "}",
                          hormiga_contingency_get_config (hormiga_sim_node_get_contingency (
                            g_ptr_array_index (sim->nodes, 0)))->r,
                          sim->records->len, sim->checked, sim->lost, sim->unprotected,
                          sim->repair_ms->len, sim->repairs->len,
                          percentile_s (sim->repair_ms, 0.5), percentile_s (sim->repair_ms, 0.95),
                          live > 0 ? (double) held_bytes / live : 0.0,
                          sim->handoffs, sim->takeovers, sim->republished,
                          hormiga_sim_network_get_n_contingency_messages (sim->network));
}

guint
hormiga_sim_contingency_get_lost (HormigaSimContingency *sim)
{
  return sim->lost;
}
