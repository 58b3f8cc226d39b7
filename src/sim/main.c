/* main.c — hormiga-sim, the DHT core on a simulated network
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * N real DHT instances in one process (hormiga-sim-network.h). Nodes join
 * one after another, each bootstrapping from a few nodes already in, as
 * hormiguero's bootstrap sample would give them; every server-mode node
 * publishes its peer record. Then lookups of random live nodes from random
 * live nodes, spread over the run; with --churn-per-hour, nodes leave
 * without a word and new ones join meanwhile. Values put at the start are
 * read back at the end (records_lost). One JSON line on stdout.
 * With --contingency every node also runs a contingency core
 * (hormiga-sim-contingency.h); half the departures are then graceful.
 */
#include <stdio.h>

#include "hormiga-dht-error.h"
#include "hormiga-sim-contingency.h"
#include "hormiga-sim-network.h"

typedef struct
{
  HormigaSimNetwork *network;
  GPtrArray         *nodes;        /* HormigaSimNode, all ever made */
  guint              pending;      /* operations not finished yet */
  guint              succeeded;
  guint              failed;
  GArray            *hops;         /* guint */
  GArray            *messages;     /* guint */
  GArray            *durations;    /* gint64 */
  GPtrArray         *lookups;      /* Lookup, all started */
} Sim;

typedef struct
{
  Sim            *sim;
  HormigaPeerId  *target;
  HormigaSimNode *origin;
  gboolean        done;
} Lookup;

static void
lookup_free (Lookup *lookup)
{
  hormiga_peer_id_unref (lookup->target);
  g_free (lookup);
}

static HormigaSimNode *
random_live (Sim *sim)
{
  GRand *rand = hormiga_sim_network_get_rand (sim->network);

  for (;;)
    {
      HormigaSimNode *node = g_ptr_array_index (sim->nodes, g_rand_int_range (rand, 0, (gint32) sim->nodes->len));

      if (hormiga_sim_node_is_alive (node))
        return node;
    }
}

static void
on_bootstrapped (HormigaDht                  *dht,
                 GPtrArray                   *closest,
                 const HormigaDhtLookupStats *stats,
                 gpointer                     user_data)
{
  Sim *sim = user_data;
  sim->pending--;
}

static gboolean
none_pending (gpointer data)
{
  return ((Sim *) data)->pending == 0;
}

/* A node joins through up to 3 live nodes. */
static HormigaSimNode *
join (Sim *sim)
{
  HormigaSimNode *node = hormiga_sim_network_add_node (sim->network);
  guint live = 0;

  for (guint i = 0; i < sim->nodes->len; i++)
    live += hormiga_sim_node_is_alive (g_ptr_array_index (sim->nodes, i));
  for (guint i = 0; i < MIN (3u, live); i++)
    hormiga_dht_add_contact (hormiga_sim_node_get_dht (node),
                             hormiga_dht_get_peer_id (hormiga_sim_node_get_dht (random_live (sim))), NULL);
  g_ptr_array_add (sim->nodes, node);
  sim->pending++;
  hormiga_dht_bootstrap (hormiga_sim_node_get_dht (node), on_bootstrapped, sim);
  return node;
}

static void
on_found (HormigaDht                  *dht,
          GPtrArray                   *closest,
          const HormigaDhtLookupStats *stats,
          gpointer                     user_data)
{
  Lookup *lookup = user_data;
  Sim *sim = lookup->sim;
  gboolean found = closest->len > 0 && hormiga_peer_id_equal (g_ptr_array_index (closest, 0), lookup->target);

  if (found)
    sim->succeeded++;
  else
    sim->failed++;
  g_array_append_val (sim->hops, stats->hops);
  g_array_append_val (sim->messages, stats->messages);
  g_array_append_val (sim->durations, stats->duration_ms);
  sim->pending--;
  lookup->done = TRUE;
}

static void
start_lookup (Sim *sim)
{
  HormigaSimNode *from = random_live (sim);
  HormigaSimNode *to;
  Lookup *lookup = g_new0 (Lookup, 1);
  HormigaDhtKey target;

  do
    to = random_live (sim);
  while (to == from);
  lookup->sim = sim;
  lookup->origin = from;
  g_ptr_array_add (sim->lookups, lookup);
  lookup->target = hormiga_peer_id_ref ((HormigaPeerId *) hormiga_dht_get_peer_id (hormiga_sim_node_get_dht (to)));
  hormiga_dht_key_from_peer_id (&target, lookup->target);
  sim->pending++;
  hormiga_dht_find_node (hormiga_sim_node_get_dht (from), &target, on_found, lookup);
}

/* ---- values put at the start, read at the end -------------------------------- */

typedef struct
{
  Sim           *sim;
  guint          found;
  guint          lost;
} Values;

static void
on_put (HormigaDht   *dht,
        guint         stored,
        const GError *error,
        gpointer      user_data)
{
  ((Values *) user_data)->sim->pending--;
}

static void
on_got (HormigaDht                  *dht,
        HormigaDhtRecord            *record,
        const GError                *error,
        const HormigaDhtLookupStats *stats,
        gpointer                     user_data)
{
  Values *values = user_data;

  if (record != NULL)
    values->found++;
  else
    values->lost++;
  values->sim->pending--;
}

static guint
percentile_uint (GArray *array,
                 double  p)
{
  if (array->len == 0)
    return 0;
  return g_array_index (array, guint, MIN ((guint) (p * array->len), array->len - 1));
}

static gint64
percentile_int64 (GArray *array,
                  double  p)
{
  if (array->len == 0)
    return 0;
  return g_array_index (array, gint64, MIN ((guint) (p * array->len), array->len - 1));
}

static int
compare_uint (gconstpointer a,
              gconstpointer b)
{
  guint x = *(const guint *) a, y = *(const guint *) b;
  return x < y ? -1 : x > y;
}

static int
compare_int64 (gconstpointer a,
               gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;
  return x < y ? -1 : x > y;
}

static double
rss_mb (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return -1;
  line = strstr (status, "VmRSS:");
  return line ? g_ascii_strtod (line + 6, NULL) / 1024.0 : -1;
}

int
main (int    argc,
      char **argv)
{
  int n_nodes = 1000, n_lookups = 1000, k = 20, alpha = 3, n_values = 200;
  gboolean contingency = FALSE;
  int r = 2, records_per_node = 2;
  HormigaSimContingency *contingency_sim = NULL;
  double churn_per_hour = 0, loss = 0, hours = 1;
  guint seed = 1;
  g_autoptr(GOptionContext) options = g_option_context_new ("— the DHT core on a simulated network");
  g_autoptr(GError) error = NULL;
  HormigaSimNetworkConfig net_config = { 10, 150, 0, 1 };
  HormigaDhtConfig dht_config = HORMIGA_DHT_CONFIG_INIT;
  Sim sim = { 0 };
  Values values = { &sim, 0, 0 };
  g_autoptr(GPtrArray) value_keys = g_ptr_array_new_with_free_func (g_free);
  gint64 wall_start = g_get_monotonic_time ();
  gint64 phase_ms, start_ms;
  guint64 messages_before;
  GOptionEntry entries[] = {
    { "nodes", 'n', 0, G_OPTION_ARG_INT, &n_nodes, "Nodes (default 1000)", "N" },
    { "lookups", 'l', 0, G_OPTION_ARG_INT, &n_lookups, "Lookups (default 1000)", "N" },
    { "values", 0, 0, G_OPTION_ARG_INT, &n_values, "Values put at the start and read at the end (default 200)", "N" },
    { "k", 0, 0, G_OPTION_ARG_INT, &k, "Bucket size (default 20)", "K" },
    { "alpha", 0, 0, G_OPTION_ARG_INT, &alpha, "Parallel requests per lookup (default 3)", "A" },
    { "churn-per-hour", 0, 0, G_OPTION_ARG_DOUBLE, &churn_per_hour,
      "Fraction of the nodes replaced per simulated hour (default 0)", "F" },
    { "hours", 0, 0, G_OPTION_ARG_DOUBLE, &hours, "Simulated hours the lookups spread over (default 1)", "H" },
    { "loss", 0, 0, G_OPTION_ARG_DOUBLE, &loss, "Message loss probability (default 0)", "P" },
    { "seed", 0, 0, G_OPTION_ARG_INT, &seed, "Random seed (default 1)", "S" },
    { "contingency", 0, 0, G_OPTION_ARG_NONE, &contingency,
      "Run a contingency core on every node; half the departures are graceful", NULL },
    { "r", 0, 0, G_OPTION_ARG_INT, &r, "Contingents per node (default 2)", "R" },
    { "records-per-node", 0, 0, G_OPTION_ARG_INT, &records_per_node,
      "With --contingency: signed records each node owns (default 2)", "N" },
    { NULL }
  };

  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error) || n_nodes < 2 || n_lookups < 0 ||
      k < 1 || alpha < 1 || churn_per_hour < 0 || hours <= 0 || loss < 0 || loss >= 1 ||
      r < 1 || r > 8 || records_per_node < 0)
    {
      g_printerr ("hormiga-sim: %s\n", error ? error->message : "bad option; see --help");
      return 2;
    }

  net_config.loss = loss;
  net_config.seed = seed;
  dht_config.k = (guint) k;
  dht_config.alpha = (guint) alpha;
  dht_config.max_per_group_bucket = 0;
  dht_config.max_per_group_table = 0;
  sim.network = hormiga_sim_network_new (&net_config, &dht_config);
  sim.nodes = g_ptr_array_new ();
  sim.hops = g_array_new (FALSE, FALSE, sizeof (guint));
  sim.messages = g_array_new (FALSE, FALSE, sizeof (guint));
  sim.durations = g_array_new (FALSE, FALSE, sizeof (gint64));
  sim.lookups = g_ptr_array_new_with_free_func ((GDestroyNotify) lookup_free);
  if (contingency)
    contingency_sim = hormiga_sim_contingency_new (sim.network, sim.nodes, (guint) r, (guint) records_per_node);

  /* Joins, 20 per simulated second, then a minute to settle. */
  for (int i = 0; i < n_nodes; i++)
    {
      join (&sim);
      hormiga_sim_network_run (sim.network, hormiga_sim_network_get_time (sim.network) + 50, NULL, NULL);
    }
  hormiga_sim_network_run (sim.network, hormiga_sim_network_get_time (sim.network) + 60000, none_pending, &sim);
  hormiga_sim_network_run (sim.network, hormiga_sim_network_get_time (sim.network) + 10000, NULL, NULL);

  /* Values: immutable records from random nodes. */
  for (int i = 0; i < n_values; i++)
    {
      g_autofree char *text = g_strdup_printf ("value %d of run %u", i, seed);
      g_autoptr(GBytes) bytes = g_bytes_new (text, strlen (text));
      g_autoptr(HormigaDhtRecord) record =
        hormiga_dht_record_new_immutable (bytes, (guint64) (1800000000000 + hormiga_sim_network_get_time (sim.network)) / 1000 + 24 * 3600);

      g_ptr_array_add (value_keys, g_memdup2 (&record->key, sizeof record->key));
      sim.pending++;
      hormiga_dht_put_value (hormiga_sim_node_get_dht (random_live (&sim)), record, on_put, &values);
    }
  hormiga_sim_network_run (sim.network, hormiga_sim_network_get_time (sim.network) + 60000, none_pending, &sim);

  /* Lookups spread over the period, with churn meanwhile. */
  start_ms = hormiga_sim_network_get_time (sim.network);
  phase_ms = (gint64) (hours * 3600 * 1000);
  messages_before = hormiga_sim_network_get_n_messages (sim.network);
  {
    guint churn_events = (guint) (churn_per_hour * hours * n_nodes);
    guint steps = MAX ((guint) n_lookups, churn_events);
    guint lookups_done = 0, churn_done = 0;

    for (guint step = 0; step < steps; step++)
      {
        gint64 at = start_ms + phase_ms * (step + 1) / (steps + 1);

        hormiga_sim_network_run (sim.network, at, NULL, NULL);
        while (churn_done < (guint64) churn_events * (step + 1) / steps)
          {
            if (contingency_sim != NULL)
              hormiga_sim_contingency_depart (contingency_sim, random_live (&sim), churn_done % 2 == 1);
            else
              hormiga_sim_network_kill (sim.network, random_live (&sim));
            join (&sim);
            churn_done++;
          }
        while (lookups_done < (guint64) n_lookups * (step + 1) / steps)
          {
            start_lookup (&sim);
            lookups_done++;
          }
      }
  }
  hormiga_sim_network_run (sim.network, start_ms + phase_ms + 120000, none_pending, &sim);

  /* Read the values back from random live nodes. */
  for (guint i = 0; i < value_keys->len; i++)
    {
      sim.pending++;
      hormiga_dht_get_value (hormiga_sim_node_get_dht (random_live (&sim)), g_ptr_array_index (value_keys, i),
                             on_got, &values);
    }
  hormiga_sim_network_run (sim.network, hormiga_sim_network_get_time (sim.network) + 120000, none_pending, &sim);
  if (contingency_sim != NULL)
    hormiga_sim_contingency_check (contingency_sim);

  g_array_sort (sim.hops, compare_uint);
  g_array_sort (sim.messages, compare_uint);
  g_array_sort (sim.durations, compare_int64);
  {
    guint abandoned = 0, unfinished = 0;
    guint total;
    guint64 sum = 0;
    g_autofree char *contingency_report =
      contingency_sim != NULL ? hormiga_sim_contingency_report (contingency_sim) : NULL;

    /* A lookup whose node left before it ended is nobody's loss; one whose
     * node is still there and never heard back is a failure. */
    for (guint i = 0; i < sim.lookups->len; i++)
      {
        Lookup *lookup = g_ptr_array_index (sim.lookups, i);

        if (lookup->done)
          continue;
        if (hormiga_sim_node_is_alive (lookup->origin))
          unfinished++;
        else
          abandoned++;
      }
    sim.failed += unfinished;
    total = sim.succeeded + sim.failed;

    for (guint i = 0; i < sim.messages->len; i++)
      sum += g_array_index (sim.messages, guint, i);
    printf ("{\"sim\":\"dht\",\"nodes\":%d,\"k\":%d,\"alpha\":%d,\"churn_per_hour\":%.2f,\"hours\":%.2f,"
            "\"loss\":%.3f,\"lookups\":%u,\"success_rate\":%.4f,\"hops_p50\":%u,\"hops_p95\":%u,"
            "\"msgs_per_lookup\":%.1f,\"lookup_ms_p50\":%" G_GINT64_FORMAT ",\"lookup_ms_p95\":%" G_GINT64_FORMAT ","
            "\"values\":%u,\"records_lost\":%u,\"messages\":%" G_GUINT64_FORMAT ",\"rss_mb\":%.1f,\"wall_s\":%.1f,"
            "\"unfinished\":%u,\"abandoned\":%u%s%s%s}\n",
            n_nodes, k, alpha, churn_per_hour, hours, loss, total,
            total ? (double) sim.succeeded / total : 0.0,
            percentile_uint (sim.hops, 0.5), percentile_uint (sim.hops, 0.95),
            total ? (double) sum / total : 0.0,
            percentile_int64 (sim.durations, 0.5), percentile_int64 (sim.durations, 0.95),
            value_keys->len, values.lost,
            hormiga_sim_network_get_n_messages (sim.network) - messages_before, rss_mb (),
            (g_get_monotonic_time () - wall_start) / 1e6, unfinished, abandoned,
            contingency_report != NULL ? ",\"contingency\":" : "",
            contingency_report != NULL ? contingency_report : "", "");
  }

  g_array_unref (sim.hops);
  g_array_unref (sim.messages);
  g_array_unref (sim.durations);
  g_ptr_array_unref (sim.lookups);
  g_ptr_array_unref (sim.nodes);
  {
    guint contingency_lost = contingency_sim != NULL ? hormiga_sim_contingency_get_lost (contingency_sim) : 0;

    g_clear_pointer (&contingency_sim, hormiga_sim_contingency_free);
    hormiga_sim_network_free (sim.network);
    return values.lost == 0 && sim.failed == 0 && contingency_lost == 0 ? 0 : 1;
  }
}
