/* test-dht.c — the DHT core on a simulated network, and fed bad input
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every node is a real HormigaDht; the network (hormiga-sim-network.h)
 * delivers the real encoded messages in virtual time.
 */
#include "hormiga-dht-error.h"
#include "hormiga-dht-message.h"
#include "hormiga-sim-network.h"

typedef struct
{
  HormigaSimNetwork *network;
  GPtrArray         *nodes;     /* HormigaSimNode */
  guint              pending;
} Net;

static void
on_joined (HormigaDht                  *dht,
           GPtrArray                   *closest,
           const HormigaDhtLookupStats *stats,
           gpointer                     user_data)
{
  ((Net *) user_data)->pending--;
}

static gboolean
settled (gpointer data)
{
  return ((Net *) data)->pending == 0;
}

static HormigaDht *
dht_of (Net  *net,
        guint i)
{
  return hormiga_sim_node_get_dht (g_ptr_array_index (net->nodes, i));
}

static void
run_until_settled (Net *net)
{
  hormiga_sim_network_run (net->network, hormiga_sim_network_get_time (net->network) + 600000,
                           settled, net);
  g_assert_cmpuint (net->pending, ==, 0);
}

static void
net_init (Net             *net,
          guint            n,
          HormigaDhtConfig *config)
{
  HormigaSimNetworkConfig net_config = { 5, 60, 0, 7 };
  HormigaDhtConfig defaults = HORMIGA_DHT_CONFIG_INIT;

  if (config == NULL)
    config = &defaults;
  config->max_per_group_bucket = 0;
  config->max_per_group_table = 0;
  net->network = hormiga_sim_network_new (&net_config, config);
  net->nodes = g_ptr_array_new ();
  net->pending = 0;
  for (guint i = 0; i < n; i++)
    {
      HormigaSimNode *node = hormiga_sim_network_add_node (net->network);

      /* Each joins through the node before it, as a bootstrap sample would. */
      if (i > 0)
        hormiga_dht_add_contact (hormiga_sim_node_get_dht (node), hormiga_dht_get_peer_id (dht_of (net, i - 1)), NULL);
      g_ptr_array_add (net->nodes, node);
      net->pending++;
      hormiga_dht_bootstrap (hormiga_sim_node_get_dht (node), on_joined, net);
      hormiga_sim_network_run (net->network, hormiga_sim_network_get_time (net->network) + 100, NULL, NULL);
    }
  run_until_settled (net);
}

static void
net_clear (Net *net)
{
  g_ptr_array_unref (net->nodes);
  hormiga_sim_network_free (net->network);
}

/* ---- lookups ---------------------------------------------------------------- */

typedef struct
{
  Net           *net;
  HormigaPeerId *target;
  guint          found;
  guint          missed;
  guint          max_hops;
} Finds;

static void
on_found (HormigaDht                  *dht,
          GPtrArray                   *closest,
          const HormigaDhtLookupStats *stats,
          gpointer                     user_data)
{
  Finds *finds = user_data;

  if (closest->len > 0 && hormiga_peer_id_equal (g_ptr_array_index (closest, 0), finds->target))
    finds->found++;
  else
    finds->missed++;
  finds->max_hops = MAX (finds->max_hops, stats->hops);
  finds->net->pending--;
}

static void
find_all (Net   *net,
          Finds *finds,
          guint  rounds)
{
  GRand *rand = g_rand_new_with_seed (5);

  for (guint round = 0; round < rounds; round++)
    {
      guint from, to;
      HormigaDhtKey key;

      do
        {
          from = g_rand_int_range (rand, 0, (gint32) net->nodes->len);
          to = g_rand_int_range (rand, 0, (gint32) net->nodes->len);
        }
      while (from == to || !hormiga_sim_node_is_alive (g_ptr_array_index (net->nodes, from)) ||
             !hormiga_sim_node_is_alive (g_ptr_array_index (net->nodes, to)));
      g_clear_pointer (&finds->target, hormiga_peer_id_unref);
      finds->target = hormiga_peer_id_ref ((HormigaPeerId *) hormiga_dht_get_peer_id (dht_of (net, to)));
      hormiga_dht_key_from_peer_id (&key, finds->target);
      net->pending++;
      hormiga_dht_find_node (dht_of (net, from), &key, on_found, finds);
      run_until_settled (net);
    }
  g_clear_pointer (&finds->target, hormiga_peer_id_unref);
  g_rand_free (rand);
}

static void
test_every_node_is_found (void)
{
  Net net;
  Finds finds = { &net, NULL, 0, 0, 0 };

  net_init (&net, 150, NULL);
  for (guint i = 0; i < net.nodes->len; i++)
    g_assert_cmpuint (hormiga_dht_routing_table_get_size (hormiga_dht_get_routing_table (dht_of (&net, i))), >=, 20);
  find_all (&net, &finds, 60);
  g_assert_cmpuint (finds.found, ==, 60);
  g_assert_cmpuint (finds.missed, ==, 0);
  g_assert_cmpuint (finds.max_hops, >=, 1);
  net_clear (&net);
}

/* A third of the nodes vanish without a word: lookups still find every
 * live node (failed contacts time out and leave the tables). */
static void
test_lookups_survive_departures (void)
{
  Net net;
  Finds finds = { &net, NULL, 0, 0, 0 };

  net_init (&net, 120, NULL);
  for (guint i = 0; i < net.nodes->len; i += 3)
    hormiga_sim_network_kill (net.network, g_ptr_array_index (net.nodes, i));
  find_all (&net, &finds, 40);
  g_assert_cmpuint (finds.found, ==, 40);
  net_clear (&net);
}

/* ---- values and providers --------------------------------------------------------- */

typedef struct
{
  Net              *net;
  guint             stored;
  GError           *put_error;
  HormigaDhtRecord *got;
  GError           *get_error;
  GPtrArray        *providers;
} Values;

static void
on_put (HormigaDht   *dht,
        guint         stored,
        const GError *error,
        gpointer      user_data)
{
  Values *values = user_data;

  values->stored = stored;
  g_clear_error (&values->put_error);
  if (error != NULL)
    values->put_error = g_error_copy (error);
  values->net->pending--;
}

static void
on_got (HormigaDht                  *dht,
        HormigaDhtRecord            *record,
        const GError                *error,
        const HormigaDhtLookupStats *stats,
        gpointer                     user_data)
{
  Values *values = user_data;

  g_clear_pointer (&values->got, hormiga_dht_record_unref);
  g_clear_error (&values->get_error);
  if (record != NULL)
    values->got = hormiga_dht_record_ref (record);
  if (error != NULL)
    values->get_error = g_error_copy (error);
  values->net->pending--;
}

static void
on_providers (HormigaDht                  *dht,
              GPtrArray                   *records,
              const HormigaDhtLookupStats *stats,
              gpointer                     user_data)
{
  Values *values = user_data;

  g_clear_pointer (&values->providers, g_ptr_array_unref);
  values->providers = g_ptr_array_new_with_free_func ((GDestroyNotify) hormiga_dht_record_unref);
  for (guint i = 0; i < records->len; i++)
    g_ptr_array_add (values->providers, hormiga_dht_record_ref (g_ptr_array_index (records, i)));
  values->net->pending--;
}

static guint64
now_s (Net *net)
{
  return (guint64) (G_GINT64_CONSTANT (1800000000000) + hormiga_sim_network_get_time (net->network)) / 1000;
}

static void
put_and_wait (Net              *net,
              guint             from,
              HormigaDhtRecord *record,
              Values           *values)
{
  net->pending++;
  hormiga_dht_put_value (dht_of (net, from), record, on_put, values);
  run_until_settled (net);
}

static void
get_and_wait (Net                 *net,
              guint                from,
              const HormigaDhtKey *key,
              Values              *values)
{
  net->pending++;
  hormiga_dht_get_value (dht_of (net, from), key, on_got, values);
  run_until_settled (net);
}

static void
test_values (void)
{
  Net net;
  Values values = { &net, 0, NULL, NULL, NULL, NULL };
  g_autoptr(HormigaIdentity) owner = hormiga_identity_generate ();
  g_autoptr(GBytes) first = g_bytes_new_static ("first", 5);
  g_autoptr(GBytes) second = g_bytes_new_static ("second", 6);
  g_autoptr(HormigaDhtRecord) v1 = NULL;
  g_autoptr(HormigaDhtRecord) v2 = NULL;
  g_autoptr(HormigaDhtRecord) blob = NULL;

  net_init (&net, 80, NULL);
  v1 = hormiga_dht_record_new_mutable (owner, "status", 1, now_s (&net) + 3600, first);
  v2 = hormiga_dht_record_new_mutable (owner, "status", 2, now_s (&net) + 3600, second);

  /* Put by one node, got by others far away. */
  put_and_wait (&net, 3, v1, &values);
  g_assert_no_error (values.put_error);
  g_assert_cmpuint (values.stored, >=, 20);
  get_and_wait (&net, 57, &v1->key, &values);
  g_assert_no_error (values.get_error);
  g_assert_nonnull (values.got);
  g_assert_true (g_bytes_equal (values.got->value, first));

  /* A newer version replaces it everywhere it was; the older is refused. */
  put_and_wait (&net, 10, v2, &values);
  g_assert_cmpuint (values.stored, >=, 20);
  get_and_wait (&net, 41, &v2->key, &values);
  g_assert_true (g_bytes_equal (values.got->value, second));
  put_and_wait (&net, 20, v1, &values);
  g_assert_cmpuint (values.stored, ==, 0);
  g_assert_error (values.put_error, HORMIGA_DHT_ERROR, HORMIGA_DHT_ERROR_UNAVAILABLE);
  get_and_wait (&net, 66, &v2->key, &values);
  g_assert_true (g_bytes_equal (values.got->value, second));

  /* Immutable values, addressed by their hash. */
  blob = hormiga_dht_record_new_immutable (first, now_s (&net) + 3600);
  put_and_wait (&net, 0, blob, &values);
  get_and_wait (&net, 79, &blob->key, &values);
  g_assert_true (g_bytes_equal (values.got->value, first));

  /* A key nobody stored. */
  {
    HormigaDhtKey nothing;

    hormiga_dht_key_hash (&nothing, (const guint8 *) "nothing", 7);
    get_and_wait (&net, 5, &nothing, &values);
    g_assert_null (values.got);
    g_assert_error (values.get_error, HORMIGA_DHT_ERROR, HORMIGA_DHT_ERROR_NOT_FOUND);
  }

  /* Every node's own peer record is there, under its DHT key. */
  {
    HormigaDhtKey key;
    g_autoptr(HormigaPeerId) owner_id = NULL;

    hormiga_dht_key_from_peer_id (&key, hormiga_dht_get_peer_id (dht_of (&net, 12)));
    get_and_wait (&net, 70, &key, &values);
    g_assert_nonnull (values.got);
    g_assert_cmpint (values.got->kind, ==, HORMIGA_DHT_RECORD_PEER);
    owner_id = hormiga_dht_record_dup_owner (values.got);
    g_assert_true (hormiga_peer_id_equal (owner_id, hormiga_dht_get_peer_id (dht_of (&net, 12))));
  }

  /* Providers: three nodes serve one content; a fourth finds all three. */
  {
    HormigaDhtKey content;

    hormiga_dht_key_hash (&content, (const guint8 *) "a file", 6);
    for (guint i = 30; i < 33; i++)
      {
        net.pending++;
        hormiga_dht_add_provider (dht_of (&net, i), &content, on_put, &values);
        run_until_settled (&net);
        g_assert_cmpuint (values.stored, >=, 20);
      }
    net.pending++;
    hormiga_dht_get_providers (dht_of (&net, 75), &content, on_providers, &values);
    run_until_settled (&net);
    g_assert_cmpuint (values.providers->len, ==, 3);
  }

  g_clear_pointer (&values.got, hormiga_dht_record_unref);
  g_clear_pointer (&values.providers, g_ptr_array_unref);
  g_clear_error (&values.put_error);
  g_clear_error (&values.get_error);
  net_clear (&net);
}

/* ---- client mode ---------------------------------------------------------------------- */

/* Nodes that ask a lookup enter the tables of those they asked, unless
 * they are in client mode. */
static guint
ask_and_count (Net                    *net,
               const HormigaDhtConfig *config)
{
  HormigaSimNode *node = hormiga_sim_network_add_node_with_config (net->network, config);
  HormigaDht *asker = hormiga_sim_node_get_dht (node);
  Finds finds = { net, NULL, 0, 0, 0 };
  HormigaDhtKey key;
  guint listed = 0;

  hormiga_dht_add_contact (asker, hormiga_dht_get_peer_id (dht_of (net, 0)), NULL);
  finds.target = hormiga_peer_id_ref ((HormigaPeerId *) hormiga_dht_get_peer_id (dht_of (net, 33)));
  hormiga_dht_key_from_peer_id (&key, finds.target);
  net->pending++;
  hormiga_dht_find_node (asker, &key, on_found, &finds);
  run_until_settled (net);
  g_assert_cmpuint (finds.found, ==, 1);
  for (guint i = 0; i < net->nodes->len; i++)
    listed += hormiga_dht_routing_table_contains (hormiga_dht_get_routing_table (dht_of (net, i)),
                                                  hormiga_dht_get_peer_id (asker));
  g_clear_pointer (&finds.target, hormiga_peer_id_unref);
  return listed;
}

static void
test_client_mode_stays_out (void)
{
  Net net;
  HormigaDhtConfig config = HORMIGA_DHT_CONFIG_INIT;

  net_init (&net, 60, NULL);
  config.max_per_group_bucket = 0;
  config.max_per_group_table = 0;
  g_assert_cmpuint (ask_and_count (&net, &config), >, 0);
  config.client_mode = TRUE;
  g_assert_cmpuint (ask_and_count (&net, &config), ==, 0);
  net_clear (&net);
}

/* ---- bad input -------------------------------------------------------------------------- */

typedef struct
{
  GPtrArray *sent;   /* GBytes */
  guint      relays;
  char      *relay_sid;
} Capture;

static void
capture_relay (const HormigaPeerId     *from,
               const HormigaDhtMessage *relay,
               gpointer                 user_data)
{
  Capture *capture = user_data;

  capture->relays++;
  g_free (capture->relay_sid);
  capture->relay_sid = g_strdup (relay->sid);
}

static void
capture_send (const HormigaPeerId *to,
              GBytes              *message,
              gpointer             user_data)
{
  g_ptr_array_add (((Capture *) user_data)->sent, g_bytes_ref (message));
}

static gint64
fixed_now (gpointer user_data)
{
  return G_GINT64_CONSTANT (1800000000000);
}

static void
counter_random (guint8  *out,
                gsize    length,
                gpointer user_data)
{
  for (gsize i = 0; i < length; i++)
    out[i] = (guint8) g_random_int ();
}

static HormigaDhtMessage *
last_reply (Capture *capture)
{
  g_autoptr(GError) error = NULL;
  HormigaDhtMessage *message;

  g_assert_cmpuint (capture->sent->len, >, 0);
  message = hormiga_dht_message_decode (g_ptr_array_index (capture->sent, capture->sent->len - 1), &error);
  g_assert_no_error (error);
  return message;
}

static void
never_called (HormigaDht                  *dht,
              GPtrArray                   *closest,
              const HormigaDhtLookupStats *stats,
              gpointer                     user_data)
{
  g_assert_not_reached ();
}

/* A DHT freed while it bootstraps ends silently and leaks nothing (the
 * ASan build checks). */
static void
test_free_while_bootstrapping (void)
{
  static const HormigaDhtIo io = { capture_send, fixed_now, counter_random, capture_relay };
  Capture capture = { g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref), 0, NULL };
  g_autoptr(HormigaIdentity) me = hormiga_identity_generate ();
  g_autoptr(HormigaIdentity) other = hormiga_identity_generate ();
  HormigaDht *dht = hormiga_dht_new (me, NULL, &io, &capture);

  hormiga_dht_add_contact (dht, hormiga_identity_get_peer_id (other), NULL);
  hormiga_dht_bootstrap (dht, never_called, NULL);
  g_assert_cmpuint (capture.sent->len, ==, 1);
  hormiga_dht_free (dht);
  g_ptr_array_unref (capture.sent);
}

static void
test_bad_input (void)
{
  static const HormigaDhtIo io = { capture_send, fixed_now, counter_random, capture_relay };
  Capture capture = { g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref), 0, NULL };
  g_autoptr(HormigaIdentity) me = hormiga_identity_generate ();
  g_autoptr(HormigaIdentity) other = hormiga_identity_generate ();
  g_autoptr(HormigaDht) dht = hormiga_dht_new (me, NULL, &io, &capture);
  const HormigaPeerId *from = hormiga_identity_get_peer_id (other);
  guint64 now = 1800000000;

  /* Garbage is dropped: no reply, no contact. */
  {
    g_autoptr(GBytes) junk = g_bytes_new_static ("\x81\xa1v\x05\xff", 5);

    hormiga_dht_receive (dht, from, NULL, junk);
    g_assert_cmpuint (capture.sent->len, ==, 0);
    g_assert_false (hormiga_dht_routing_table_contains (hormiga_dht_get_routing_table (dht), from));
  }

  /* A put of a forged record is answered with the reason, and nothing is stored. */
  {
    g_autoptr(GBytes) value = g_bytes_new_static ("v", 1);
    g_autoptr(HormigaDhtRecord) record = hormiga_dht_record_new_mutable (other, "x", 1, now + 60, value);
    g_autoptr(GByteArray) forged = g_byte_array_new ();
    g_autoptr(HormigaDhtMessage) put = hormiga_dht_message_new (HORMIGA_DHT_MESSAGE_PUT_VALUE, 9);
    g_autoptr(GBytes) bytes = NULL;
    g_autoptr(HormigaDhtMessage) reply = NULL;
    gsize length;
    const guint8 *data = g_bytes_get_data (record->encoded, &length);

    g_byte_array_append (forged, data, (guint) length);
    forged->data[length - 1] ^= 0x01;     /* the signature's last byte */
    put->record = g_bytes_new (forged->data, forged->len);
    bytes = hormiga_dht_message_encode (put);
    hormiga_dht_receive (dht, from, NULL, bytes);
    reply = last_reply (&capture);
    g_assert_cmpint (reply->type, ==, HORMIGA_DHT_MESSAGE_ERROR);
    g_assert_cmpuint (reply->id, ==, 9);
    g_assert_cmpuint (reply->code, ==, HORMIGA_DHT_ERROR_BAD_SIGNATURE);
    g_assert_cmpuint (hormiga_dht_store_get_n_records (hormiga_dht_get_store (dht)), ==, 0);
  }

  /* A provider record sent with put-value is refused, by name. */
  {
    HormigaDhtKey content;
    g_autoptr(HormigaDhtRecord) record = NULL;
    g_autoptr(HormigaDhtMessage) put = hormiga_dht_message_new (HORMIGA_DHT_MESSAGE_PUT_VALUE, 10);
    g_autoptr(GBytes) bytes = NULL;
    g_autoptr(HormigaDhtMessage) reply = NULL;

    hormiga_dht_key_hash (&content, (const guint8 *) "c", 1);
    record = hormiga_dht_record_new_provider (other, &content, 1, now + 60);
    put->record = g_bytes_ref (record->encoded);
    bytes = hormiga_dht_message_encode (put);
    hormiga_dht_receive (dht, from, NULL, bytes);
    reply = last_reply (&capture);
    g_assert_cmpuint (reply->code, ==, HORMIGA_DHT_ERROR_UNKNOWN_TYPE);
    g_assert_nonnull (strstr (reply->text, "add-provider"));
  }

  /* A response to nothing we asked is ignored. */
  {
    g_autoptr(HormigaDhtMessage) pong = hormiga_dht_message_new (HORMIGA_DHT_MESSAGE_PONG, 77);
    g_autoptr(GBytes) bytes = hormiga_dht_message_encode (pong);
    guint before = capture.sent->len;

    hormiga_dht_receive (dht, from, NULL, bytes);
    g_assert_cmpuint (capture.sent->len, ==, before);
  }

  /* A valid request is answered, and its sender becomes a contact. */
  {
    g_autoptr(HormigaDhtMessage) ping = hormiga_dht_message_new (HORMIGA_DHT_MESSAGE_PING, 5);
    g_autoptr(GBytes) bytes = hormiga_dht_message_encode (ping);
    g_autoptr(HormigaDhtMessage) reply = NULL;

    hormiga_dht_receive (dht, from, NULL, bytes);
    reply = last_reply (&capture);
    g_assert_cmpint (reply->type, ==, HORMIGA_DHT_MESSAGE_PONG);
    g_assert_cmpuint (reply->id, ==, 5);
    g_assert_true (hormiga_dht_routing_table_contains (hormiga_dht_get_routing_table (dht), from));
  }

  /* A relay goes to the owner's callback, not to the DHT. */
  {
    g_autoptr(HormigaDhtMessage) relay = hormiga_dht_message_new (HORMIGA_DHT_MESSAGE_RELAY, 0);
    g_autoptr(GBytes) bytes = NULL;
    guint before = capture.sent->len;

    relay->to = hormiga_peer_id_ref (hormiga_identity_get_peer_id (me));
    relay->from = hormiga_peer_id_ref ((HormigaPeerId *) from);
    relay->hops = 2;
    relay->sid = g_strdup ("rtc-1");
    relay->payload = g_bytes_new_static ("offer", 5);
    bytes = hormiga_dht_message_encode (relay);
    hormiga_dht_receive (dht, from, NULL, bytes);
    g_assert_cmpuint (capture.relays, ==, 1);
    g_assert_cmpstr (capture.relay_sid, ==, "rtc-1");
    g_assert_cmpuint (capture.sent->len, ==, before);
  }

  g_free (capture.relay_sid);
  g_ptr_array_unref (capture.sent);
}

/* Live nodes, other than @except, whose store holds @key. */
static guint
count_holders (Net                 *net,
               const HormigaDhtKey *key,
               guint                except)
{
  guint n = 0;

  for (guint i = 0; i < net->nodes->len; i++)
    if (i != except && hormiga_sim_node_is_alive (g_ptr_array_index (net->nodes, i)) &&
        hormiga_dht_store_get (hormiga_dht_get_store (dht_of (net, i)), key, now_s (net)) != NULL)
      n++;
  return n;
}

/* Every node that held a record of node 0 goes at once (k = 4): once the
 * transport tells node 0 they are lost, it puts the record again at the
 * nodes now closest, long before its hourly republish, and others read
 * it there. */
static void
test_holders_lost (void)
{
  Net net;
  Values values = { &net, 0, NULL, NULL, NULL, NULL };
  HormigaDhtConfig config = HORMIGA_DHT_CONFIG_INIT;
  g_autoptr(GBytes) text = g_bytes_new_static ("kept", 4);
  g_autoptr(HormigaDhtRecord) record = NULL;
  g_autoptr(GPtrArray) holders = g_ptr_array_new ();
  HormigaDht *owner;
  guint reader = 0;

  config.k = 4;
  net_init (&net, 40, &config);
  owner = dht_of (&net, 0);
  record = hormiga_dht_record_new_mutable (hormiga_sim_node_get_identity (g_ptr_array_index (net.nodes, 0)),
                                           "kept", 1, now_s (&net) + 24 * 3600, text);
  put_and_wait (&net, 0, record, &values);
  g_assert_no_error (values.put_error);
  for (guint i = 1; i < net.nodes->len; i++)
    if (hormiga_dht_store_get (hormiga_dht_get_store (dht_of (&net, i)), &record->key, now_s (&net)) != NULL)
      g_ptr_array_add (holders, GUINT_TO_POINTER (i));
  g_assert_cmpuint (holders->len, >=, 2);

  for (guint i = 0; i < holders->len; i++)
    {
      guint index = GPOINTER_TO_UINT (g_ptr_array_index (holders, i));

      hormiga_sim_network_kill (net.network, g_ptr_array_index (net.nodes, index));
      hormiga_dht_peer_lost (owner, hormiga_dht_get_peer_id (dht_of (&net, index)));
    }
  g_assert_cmpuint (count_holders (&net, &record->key, 0), ==, 0);

  /* A few seconds, far less than the hour between republishes. */
  hormiga_sim_network_run (net.network, hormiga_sim_network_get_time (net.network) + 10000, NULL, NULL);
  g_assert_cmpuint (count_holders (&net, &record->key, 0), >=, 2);

  while (reader == 0 || !hormiga_sim_node_is_alive (g_ptr_array_index (net.nodes, reader)))
    reader++;
  get_and_wait (&net, reader == 0 ? 1 : reader, &record->key, &values);
  g_assert_no_error (values.get_error);
  g_assert_nonnull (values.got);
  g_assert_true (g_bytes_equal (values.got->value, text));
  g_clear_pointer (&values.got, hormiga_dht_record_unref);
  net_clear (&net);
}

/* ---- lookup proxy ------------------------------------------------------------------------ */

typedef struct
{
  Net              *net;
  HormigaPeerId    *target;
  guint             found;
  guint             proxied;
  HormigaDhtRecord *got;
  guint             providers;
} Proxied;

static void
on_proxied_found (HormigaDht                  *dht,
                  GPtrArray                   *closest,
                  const HormigaDhtLookupStats *stats,
                  gpointer                     user_data)
{
  Proxied *p = user_data;

  if (closest->len > 0 && hormiga_peer_id_equal (g_ptr_array_index (closest, 0), p->target))
    p->found++;
  p->proxied += stats->proxied;
  p->net->pending--;
}

static void
on_proxied_got (HormigaDht                  *dht,
                HormigaDhtRecord            *record,
                const GError                *error,
                const HormigaDhtLookupStats *stats,
                gpointer                     user_data)
{
  Proxied *p = user_data;

  g_assert_no_error (error);
  g_clear_pointer (&p->got, hormiga_dht_record_unref);
  p->got = hormiga_dht_record_ref (record);
  p->found++;
  p->proxied += stats->proxied;
  p->net->pending--;
}

static void
on_proxied_providers (HormigaDht                  *dht,
                      GPtrArray                   *records,
                      const HormigaDhtLookupStats *stats,
                      gpointer                     user_data)
{
  Proxied *p = user_data;

  p->providers = records->len;
  p->proxied += stats->proxied;
  p->net->pending--;
}

/* A client-mode newcomer that knows one node asks it to run its lookups:
 * the answers are right, both sides count them, a peer asking too much
 * at once is told "busy" and runs the rest itself, and without a proxy
 * the lookups run here again. */
static void
test_proxy (void)
{
  Net net;
  Values values = { &net, 0, NULL, NULL, NULL, NULL };
  Proxied p = { &net, NULL, 0, 0, NULL, 0 };
  HormigaDhtConfig config = HORMIGA_DHT_CONFIG_INIT;
  HormigaDhtProxyStats asked, served;
  g_autoptr(GBytes) text = g_bytes_new_static ("by proxy", 8);
  g_autoptr(HormigaDhtRecord) record = NULL;
  HormigaDhtKey key, content;
  HormigaDht *newcomer, *proxy;

  net_init (&net, 60, NULL);
  proxy = dht_of (&net, 0);
  record = hormiga_dht_record_new_mutable (hormiga_sim_node_get_identity (g_ptr_array_index (net.nodes, 7)),
                                           "status", 1, now_s (&net) + 3600, text);
  put_and_wait (&net, 7, record, &values);
  g_assert_no_error (values.put_error);
  hormiga_dht_key_hash (&content, (const guint8 *) "shared", 6);
  for (guint i = 30; i < 33; i++)
    {
      net.pending++;
      hormiga_dht_add_provider (dht_of (&net, i), &content, on_put, &values);
      run_until_settled (&net);
    }

  config.client_mode = TRUE;
  config.max_per_group_bucket = 0;
  config.max_per_group_table = 0;
  newcomer = hormiga_sim_node_get_dht (hormiga_sim_network_add_node_with_config (net.network, &config));
  hormiga_dht_add_contact (newcomer, hormiga_dht_get_peer_id (proxy), NULL);
  hormiga_dht_set_proxy (newcomer, hormiga_dht_get_peer_id (proxy));
  g_assert_true (hormiga_peer_id_equal (hormiga_dht_get_proxy (newcomer), hormiga_dht_get_peer_id (proxy)));

  /* A node, a record and the providers, each in one request to the proxy. */
  p.target = hormiga_peer_id_ref ((HormigaPeerId *) hormiga_dht_get_peer_id (dht_of (&net, 44)));
  hormiga_dht_key_from_peer_id (&key, p.target);
  net.pending++;
  hormiga_dht_find_node (newcomer, &key, on_proxied_found, &p);
  run_until_settled (&net);
  g_assert_cmpuint (p.found, ==, 1);
  net.pending++;
  hormiga_dht_get_value (newcomer, &record->key, on_proxied_got, &p);
  run_until_settled (&net);
  g_assert_true (g_bytes_equal (p.got->value, text));
  net.pending++;
  hormiga_dht_get_providers (newcomer, &content, on_proxied_providers, &p);
  run_until_settled (&net);
  g_assert_cmpuint (p.providers, ==, 3);
  g_assert_cmpuint (p.proxied, ==, 3);
  hormiga_dht_get_proxy_stats (newcomer, &asked);
  hormiga_dht_get_proxy_stats (proxy, &served);
  g_assert_cmpuint (asked.lookups_proxied, ==, 3);
  g_assert_cmpuint (asked.proxy_failures, ==, 0);
  g_assert_cmpuint (served.lookups_served, ==, 3);
  g_assert_cmpuint (served.lookups_refused, ==, 0);
  g_assert_null (hormiga_dht_get_last_proxy_error (newcomer));

  /* Six at once: four run at the proxy, two are refused and run here;
   * all six find the record. */
  p.found = p.proxied = 0;
  for (guint i = 0; i < 6; i++)
    {
      net.pending++;
      hormiga_dht_get_value (newcomer, &record->key, on_proxied_got, &p);
    }
  run_until_settled (&net);
  g_assert_cmpuint (p.found, ==, 6);
  g_assert_cmpuint (p.proxied, ==, HORMIGA_DHT_PROXY_MAX_IN_FLIGHT);
  hormiga_dht_get_proxy_stats (newcomer, &asked);
  hormiga_dht_get_proxy_stats (proxy, &served);
  g_assert_cmpuint (asked.lookups_proxied, ==, 9);
  g_assert_cmpuint (asked.proxy_failures, ==, 6 - HORMIGA_DHT_PROXY_MAX_IN_FLIGHT);
  g_assert_cmpuint (served.lookups_served, ==, 3 + HORMIGA_DHT_PROXY_MAX_IN_FLIGHT);
  g_assert_cmpuint (served.lookups_refused, ==, 6 - HORMIGA_DHT_PROXY_MAX_IN_FLIGHT);
  g_assert_error ((GError *) hormiga_dht_get_last_proxy_error (newcomer), HORMIGA_DHT_ERROR,
                  HORMIGA_DHT_ERROR_BUSY);

  /* No proxy: the lookup runs here. */
  hormiga_dht_set_proxy (newcomer, NULL);
  p.found = p.proxied = 0;
  net.pending++;
  hormiga_dht_find_node (newcomer, &key, on_proxied_found, &p);
  run_until_settled (&net);
  g_assert_cmpuint (p.found, ==, 1);
  g_assert_cmpuint (p.proxied, ==, 0);
  hormiga_dht_get_proxy_stats (proxy, &served);
  g_assert_cmpuint (served.lookups_served, ==, 3 + HORMIGA_DHT_PROXY_MAX_IN_FLIGHT);

  g_clear_pointer (&p.target, hormiga_peer_id_unref);
  g_clear_pointer (&p.got, hormiga_dht_record_unref);
  g_clear_error (&values.put_error);
  net_clear (&net);
}

/* A node alone with its transport in the test's hands: what it sends,
 * to whom, on a clock the test moves. */
typedef struct
{
  GPtrArray *sent;     /* GBytes */
  GPtrArray *to;       /* HormigaPeerId */
  gint64     now;
} Wire;

static void
wire_send (const HormigaPeerId *to,
           GBytes              *message,
           gpointer             user_data)
{
  Wire *wire = user_data;

  g_ptr_array_add (wire->sent, g_bytes_ref (message));
  g_ptr_array_add (wire->to, hormiga_peer_id_ref ((HormigaPeerId *) to));
}

static gint64
wire_now (gpointer user_data)
{
  return ((Wire *) user_data)->now;
}

/* The last message sent to @to, decoded. */
static HormigaDhtMessage *
wire_last_to (Wire                *wire,
              const HormigaPeerId *to)
{
  for (guint i = wire->sent->len; i > 0; i--)
    if (hormiga_peer_id_equal (g_ptr_array_index (wire->to, i - 1), to))
      {
        g_autoptr(GError) error = NULL;
        HormigaDhtMessage *message = hormiga_dht_message_decode (g_ptr_array_index (wire->sent, i - 1),
                                                                 &error);

        g_assert_no_error (error);
        return message;
      }
  g_assert_not_reached ();
}

/* The last message sent, decoded, and whom it went to. */
static HormigaDhtMessage *
wire_last (Wire                 *wire,
           const HormigaPeerId **to)
{
  g_autoptr(GError) error = NULL;
  HormigaDhtMessage *message;

  g_assert_cmpuint (wire->sent->len, >, 0);
  message = hormiga_dht_message_decode (g_ptr_array_index (wire->sent, wire->sent->len - 1), &error);
  g_assert_no_error (error);
  *to = g_ptr_array_index (wire->to, wire->to->len - 1);
  return message;
}

typedef struct
{
  guint             calls;
  HormigaDhtRecord *record;
  GError           *error;
  gboolean          proxied;
} Got;

static void
on_wire_got (HormigaDht                  *dht,
             HormigaDhtRecord            *record,
             const GError                *error,
             const HormigaDhtLookupStats *stats,
             gpointer                     user_data)
{
  Got *got = user_data;

  got->calls++;
  g_clear_pointer (&got->record, hormiga_dht_record_unref);
  g_clear_error (&got->error);
  if (record != NULL)
    got->record = hormiga_dht_record_ref (record);
  if (error != NULL)
    got->error = g_error_copy (error);
  got->proxied = stats->proxied;
}

static void
deliver (HormigaDht          *dht,
         const HormigaPeerId *from,
         HormigaDhtMessage   *message)
{
  g_autoptr(GBytes) bytes = hormiga_dht_message_encode (message);

  hormiga_dht_receive (dht, from, NULL, bytes);
}

/* A proxy cannot forge records: a record whose signature does not verify,
 * one stored under another key, or silence, is refused with an error that
 * says so, and the lookup runs here, where the honest holder answers; that
 * proxy is not asked again for HORMIGA_DHT_PROXY_BAD_MS. */
static void
test_lying_proxy (void)
{
  static const HormigaDhtIo io = { wire_send, wire_now, counter_random, NULL };
  Wire wire = { g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref),
                g_ptr_array_new_with_free_func ((GDestroyNotify) hormiga_peer_id_unref),
                G_GINT64_CONSTANT (1800000000000) };
  g_autoptr(HormigaIdentity) me = hormiga_identity_generate ();
  g_autoptr(GPtrArray) liars = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(HormigaIdentity) holder = hormiga_identity_generate ();
  g_autoptr(HormigaIdentity) owner = hormiga_identity_generate ();
  g_autoptr(HormigaDht) dht = hormiga_dht_new (me, NULL, &io, &wire);
  g_autoptr(GBytes) text = g_bytes_new_static ("true", 4);
  g_autoptr(HormigaDhtRecord) record =
    hormiga_dht_record_new_mutable (owner, "status", 1, 1800000000 + 3600, text);
  g_autoptr(HormigaDhtRecord) other =
    hormiga_dht_record_new_mutable (owner, "another", 1, 1800000000 + 3600, text);
  const HormigaPeerId *holder_id = hormiga_identity_get_peer_id (holder);
  Got got = { 0, NULL, NULL, FALSE };
  HormigaDhtProxyStats stats;

  hormiga_dht_add_contact (dht, holder_id, NULL);

  for (guint round = 0; round < 3; round++)
    {
      const HormigaPeerId *liar_id;
      g_autoptr(HormigaDhtMessage) asked = NULL;
      g_autoptr(HormigaDhtMessage) step = NULL;
      g_autoptr(HormigaDhtMessage) answer = NULL;
      g_autoptr(HormigaDhtMessage) honest = NULL;
      const HormigaPeerId *to = NULL;
      const GError *error;

      g_ptr_array_add (liars, hormiga_identity_generate ());
      liar_id = hormiga_identity_get_peer_id (g_ptr_array_index (liars, round));
      hormiga_dht_set_proxy (dht, liar_id);
      hormiga_dht_get_value (dht, &record->key, on_wire_got, &got);
      asked = wire_last (&wire, &to);
      g_assert_cmpint (asked->type, ==, HORMIGA_DHT_MESSAGE_LOOKUP);
      g_assert_cmpint (asked->kind, ==, HORMIGA_DHT_MESSAGE_GET_VALUE);
      g_assert_true (hormiga_dht_key_equal (&asked->key, &record->key));
      g_assert_true (hormiga_peer_id_equal (to, liar_id));

      answer = hormiga_dht_message_new (HORMIGA_DHT_MESSAGE_VALUE, asked->id);
      if (round == 0)
        {
          /* The record, with its signature's last byte changed. */
          gsize length;
          const guint8 *data = g_bytes_get_data (record->encoded, &length);
          g_autofree guint8 *forged = g_memdup2 (data, length);

          forged[length - 1] ^= 0x01;
          answer->record = g_bytes_new (forged, length);
          deliver (dht, liar_id, answer);
        }
      else if (round == 1)
        {
          /* A genuine record of the same owner, for another name. */
          answer->record = g_bytes_ref (other->encoded);
          deliver (dht, liar_id, answer);
        }
      else
        {
          /* Nothing, past twice the request timeout. */
          wire.now += 2 * 5000 + 1;
          hormiga_dht_tick (dht);
        }

      error = hormiga_dht_get_last_proxy_error (dht);
      g_assert_nonnull (error);
      g_test_message ("refused: %s", error->message);
      g_assert_nonnull (strstr (error->message, hormiga_peer_id_to_string (liar_id)));
      if (round == 0)
        g_assert_error ((GError *) error, HORMIGA_DHT_ERROR, HORMIGA_DHT_ERROR_BAD_SIGNATURE);
      else if (round == 1)
        g_assert_error ((GError *) error, HORMIGA_DHT_ERROR, HORMIGA_DHT_ERROR_WRONG_KEY);
      else
        g_assert_error ((GError *) error, HORMIGA_DHT_ERROR, HORMIGA_DHT_ERROR_TIMEOUT);
      g_assert_cmpuint (got.calls, ==, round);

      /* The lookup now runs here: the holder is asked (the liar too, once
       * it has answered anything: a contact like others), and answers. */
      step = wire_last_to (&wire, holder_id);
      g_assert_cmpint (step->type, ==, HORMIGA_DHT_MESSAGE_GET_VALUE);
      honest = hormiga_dht_message_new (HORMIGA_DHT_MESSAGE_VALUE, step->id);
      honest->record = g_bytes_ref (record->encoded);
      deliver (dht, holder_id, honest);
      g_assert_cmpuint (got.calls, ==, round + 1);
      g_assert_no_error (got.error);
      g_assert_nonnull (got.record);
      g_assert_true (g_bytes_equal (got.record->value, text));
      g_assert_false (got.proxied);

      /* That proxy is not asked again, for a while. */
      g_assert_null (hormiga_dht_get_proxy (dht));
      hormiga_dht_set_proxy (dht, liar_id);
      g_assert_null (hormiga_dht_get_proxy (dht));
    }
  wire.now += HORMIGA_DHT_PROXY_BAD_MS;
  hormiga_dht_set_proxy (dht, hormiga_identity_get_peer_id (g_ptr_array_index (liars, 0)));
  g_assert_true (hormiga_peer_id_equal (hormiga_dht_get_proxy (dht),
                                        hormiga_identity_get_peer_id (g_ptr_array_index (liars, 0))));
  hormiga_dht_get_proxy_stats (dht, &stats);
  g_assert_cmpuint (stats.lookups_proxied, ==, 3);
  g_assert_cmpuint (stats.proxy_failures, ==, 3);

  g_clear_pointer (&got.record, hormiga_dht_record_unref);
  g_ptr_array_unref (wire.sent);
  g_ptr_array_unref (wire.to);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/hormiga/dht/every-node-is-found", test_every_node_is_found);
  g_test_add_func ("/hormiga/dht/lookups-survive-departures", test_lookups_survive_departures);
  g_test_add_func ("/hormiga/dht/values", test_values);
  g_test_add_func ("/hormiga/dht/holders-lost", test_holders_lost);
  g_test_add_func ("/hormiga/dht/client-mode", test_client_mode_stays_out);
  g_test_add_func ("/hormiga/dht/bad-input", test_bad_input);
  g_test_add_func ("/hormiga/dht/free-while-bootstrapping", test_free_while_bootstrapping);
  g_test_add_func ("/hormiga/dht/proxy", test_proxy);
  g_test_add_func ("/hormiga/dht/lying-proxy", test_lying_proxy);
  return g_test_run ();
}
