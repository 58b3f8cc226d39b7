/* test-contingency.c — contingency cores on a virtual network, in virtual time
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A handful of HormigaContingency instances exchange real encoded messages
 * through a queue with a fixed 20 ms latency per message; time jumps from
 * one message or timer to the next. Nodes are named A, B, C… in ring
 * order (by DHT key), so A's successors are B, then C.
 */
#include <glib.h>
#include <string.h>

#include "hormiga-contingency.h"
#include "hormiga-contingency-error.h"
#include "hormiga-dht-key.h"

#define EPOCH_MS   G_GINT64_CONSTANT (1800000000000)
#define LATENCY_MS 20

typedef struct _Net Net;

typedef struct
{
  Net                *net;
  char                name;
  HormigaIdentity    *identity;
  HormigaContingency *core;
  gboolean            alive;
  GPtrArray          *takeovers;   /* HormigaPeerId of owners taken over */
  GPtrArray          *restored;    /* HormigaDhtRecord */
  GBytes             *restored_blob;
  gboolean            left;
} Node;

typedef struct
{
  gint64  time;
  guint64 seq;
  Node   *from;
  Node   *to;
  GBytes *bytes;
} Packet;

struct _Net
{
  gint64     now;
  guint64    seq;
  GPtrArray *nodes;     /* Node, ring order */
  GPtrArray *packets;   /* Packet, in send order */
  GPtrArray *log;       /* char*: "A leaving B" … */
  guint64    bytes_sent;
  GRand     *rand;
};

static Node *
node_of (Net                 *net,
         const HormigaPeerId *peer)
{
  for (guint i = 0; i < net->nodes->len; i++)
    {
      Node *node = g_ptr_array_index (net->nodes, i);

      if (hormiga_peer_id_equal (hormiga_identity_get_peer_id (node->identity), peer))
        return node;
    }
  return NULL;
}

static char
name_of (Net                 *net,
         const HormigaPeerId *peer)
{
  Node *node = peer != NULL ? node_of (net, peer) : NULL;

  return node != NULL ? node->name : '?';
}

static void
on_send (const HormigaPeerId *to,
         GBytes              *message,
         gpointer             user_data)
{
  Node *from = user_data;
  Node *target = node_of (from->net, to);
  Packet *packet;

  g_assert_true (from->alive);
  from->net->bytes_sent += g_bytes_get_size (message);
  if (target == NULL || !target->alive)
    return;
  packet = g_new0 (Packet, 1);
  packet->time = from->net->now + LATENCY_MS;
  packet->seq = from->net->seq++;
  packet->from = from;
  packet->to = target;
  packet->bytes = g_bytes_ref (message);
  g_ptr_array_add (from->net->packets, packet);
}

static gint64
on_now (gpointer user_data)
{
  return EPOCH_MS + ((Node *) user_data)->net->now;
}

static void
on_random (guint8   *out,
           gsize     length,
           gpointer  user_data)
{
  for (gsize i = 0; i < length; i++)
    out[i] = (guint8) g_rand_int (((Node *) user_data)->net->rand);
}

static void
on_event (HormigaContingency            *core,
          const HormigaContingencyEvent *event,
          gpointer                       user_data)
{
  Node *node = user_data;
  Net *net = node->net;
  char *line = NULL;

  switch (event->type)
    {
    case HORMIGA_CONTINGENCY_EVENT_CONTINGENT_LEAVING:
      line = g_strdup_printf ("%c leaving %c", node->name, name_of (net, event->peer));
      break;
    case HORMIGA_CONTINGENCY_EVENT_CONTINGENT_SUCCESSOR:
      line = g_strdup_printf ("%c successor %c->%c", node->name, name_of (net, event->peer),
                              name_of (net, event->next));
      break;
    case HORMIGA_CONTINGENCY_EVENT_HANDOFF_RECEIVED:
      line = g_strdup_printf ("%c handoff from %c of %c", node->name, name_of (net, event->peer),
                              name_of (net, event->owner));
      break;
    case HORMIGA_CONTINGENCY_EVENT_CONTINGENT_REPLACED:
      line = g_strdup_printf ("%c replaced %c->%c%s", node->name, name_of (net, event->peer),
                              name_of (net, event->next), event->handoff ? " by handoff" : "");
      break;
    case HORMIGA_CONTINGENCY_EVENT_CONTINGENT_SYNCED:
      line = g_strdup_printf ("%c synced %c", node->name, name_of (net, event->peer));
      break;
    case HORMIGA_CONTINGENCY_EVENT_CONTINGENT_LOST:
      line = g_strdup_printf ("%c lost %c", node->name, name_of (net, event->peer));
      break;
    case HORMIGA_CONTINGENCY_EVENT_CONTINGENT_REFUSED:
      line = g_strdup_printf ("%c refused by %c: %s", node->name, name_of (net, event->peer),
                              event->error->message);
      g_assert_true (event->error->domain == HORMIGA_CONTINGENCY_ERROR);
      break;
    case HORMIGA_CONTINGENCY_EVENT_TAKEOVER:
      line = g_strdup_printf ("%c takeover %c records=%u", node->name, name_of (net, event->owner),
                              event->records->len);
      g_ptr_array_add (node->takeovers, hormiga_peer_id_ref ((HormigaPeerId *) event->owner));
      break;
    case HORMIGA_CONTINGENCY_EVENT_TAKEOVER_ENDED:
      line = g_strdup_printf ("%c takeover-ended %c", node->name, name_of (net, event->owner));
      break;
    case HORMIGA_CONTINGENCY_EVENT_RESTORED:
      line = g_strdup_printf ("%c restored from %c records=%u", node->name, name_of (net, event->peer),
                              event->records->len);
      for (guint i = 0; i < event->records->len; i++)
        g_ptr_array_add (node->restored, hormiga_dht_record_ref (g_ptr_array_index (event->records, i)));
      g_clear_pointer (&node->restored_blob, g_bytes_unref);
      node->restored_blob = event->blob != NULL ? g_bytes_ref (event->blob) : NULL;
      break;
    case HORMIGA_CONTINGENCY_EVENT_REPAIRED:
      line = g_strdup_printf ("%c repaired in %" G_GINT64_FORMAT " ms", node->name, event->duration_ms);
      break;
    case HORMIGA_CONTINGENCY_EVENT_LEFT:
      line = g_strdup_printf ("%c left", node->name);
      node->left = TRUE;
      break;
    default:
      break;
    }
  if (line != NULL)
    {
      g_test_message ("%7.3f s  %s", net->now / 1000.0, line);
      g_ptr_array_add (net->log, line);
    }
}

static const HormigaContingencyIo io = { on_send, on_now, on_random, on_event };

static void
node_free (Node *node)
{
  g_clear_pointer (&node->core, hormiga_contingency_free);
  g_clear_object (&node->identity);
  g_ptr_array_unref (node->takeovers);
  g_ptr_array_unref (node->restored);
  g_clear_pointer (&node->restored_blob, g_bytes_unref);
  g_free (node);
}

static int
ring_compare (gconstpointer a,
              gconstpointer b)
{
  const Node *x = *(Node * const *) a, *y = *(Node * const *) b;

  return memcmp (hormiga_peer_id_get_dht_key (hormiga_identity_get_peer_id (x->identity)),
                 hormiga_peer_id_get_dht_key (hormiga_identity_get_peer_id (y->identity)), 32);
}

/* @n nodes named A… in ring order; node @i gets @configs[i] if given. */
static Net *
net_new (guint                           n,
         const HormigaContingencyConfig *config,
         const HormigaContingencyConfig *config_of_b)
{
  Net *net = g_new0 (Net, 1);

  net->rand = g_rand_new_with_seed (7);
  net->nodes = g_ptr_array_new_with_free_func ((GDestroyNotify) node_free);
  net->packets = g_ptr_array_new ();
  net->log = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < n; i++)
    {
      Node *node = g_new0 (Node, 1);
      guint8 seed[32] = { (guint8) (i + 1), 0x42 };

      node->net = net;
      node->identity = hormiga_identity_new_from_seed (seed);
      node->alive = TRUE;
      node->takeovers = g_ptr_array_new_with_free_func ((GDestroyNotify) hormiga_peer_id_unref);
      node->restored = g_ptr_array_new_with_free_func ((GDestroyNotify) hormiga_dht_record_unref);
      g_ptr_array_add (net->nodes, node);
    }
  g_ptr_array_sort (net->nodes, ring_compare);
  for (guint i = 0; i < n; i++)
    {
      Node *node = g_ptr_array_index (net->nodes, i);

      node->name = (char) ('A' + i);
      node->core = hormiga_contingency_new (node->identity, i == 1 && config_of_b ? config_of_b : config,
                                            &io, node);
    }
  return net;
}

static void
packet_free (Packet *packet)
{
  g_bytes_unref (packet->bytes);
  g_free (packet);
}

static void
net_free (Net *net)
{
  for (guint i = 0; i < net->packets->len; i++)
    packet_free (g_ptr_array_index (net->packets, i));
  g_ptr_array_unref (net->packets);
  g_ptr_array_unref (net->nodes);
  g_ptr_array_unref (net->log);
  g_rand_free (net->rand);
  g_free (net);
}

static Node *
node (Net  *net,
      char  name)
{
  return g_ptr_array_index (net->nodes, name - 'A');
}

static const HormigaPeerId *
peer (Net  *net,
      char  name)
{
  return hormiga_identity_get_peer_id (node (net, name)->identity);
}

/* Every live node but @self as candidates of @self. */
static void
give_candidates (Net *net)
{
  for (guint i = 0; i < net->nodes->len; i++)
    {
      Node *self = g_ptr_array_index (net->nodes, i);
      g_autoptr(GPtrArray) peers = g_ptr_array_new ();

      if (!self->alive)
        continue;
      for (guint j = 0; j < net->nodes->len; j++)
        {
          Node *other = g_ptr_array_index (net->nodes, j);

          if (other != self && other->alive)
            g_ptr_array_add (peers, (gpointer) hormiga_identity_get_peer_id (other->identity));
        }
      hormiga_contingency_set_candidates (self->core, peers);
    }
}

/* Runs messages and timers until virtual ms @until. */
static void
net_run (Net    *net,
         gint64  until)
{
  for (;;)
    {
      Packet *first = NULL;
      Node *timer = NULL;
      gint64 at = until;

      for (guint i = 0; i < net->packets->len; i++)
        {
          Packet *packet = g_ptr_array_index (net->packets, i);

          if (packet->time < at || (first != NULL && packet->time == at && packet->seq < first->seq) ||
              (first == NULL && packet->time == at))
            {
              first = packet;
              at = packet->time;
            }
        }
      for (guint i = 0; i < net->nodes->len; i++)
        {
          Node *candidate = g_ptr_array_index (net->nodes, i);
          gint64 deadline;

          if (!candidate->alive)
            continue;
          deadline = hormiga_contingency_get_next_deadline (candidate->core) - EPOCH_MS;
          if (deadline < at)
            {
              at = deadline;
              timer = candidate;
              first = NULL;
            }
        }
      if (first == NULL && timer == NULL)
        break;
      net->now = MAX (net->now, at);
      if (timer != NULL)
        hormiga_contingency_tick (timer->core);
      else
        {
          g_ptr_array_remove (net->packets, first);
          if (first->to->alive)
            hormiga_contingency_receive (first->to->core, hormiga_identity_get_peer_id (first->from->identity),
                                         first->bytes);
          packet_free (first);
        }
    }
  net->now = MAX (net->now, until);
}

static void
kill_node (Net  *net,
           char  name)
{
  Node *victim = node (net, name);

  victim->alive = FALSE;
  for (guint i = 0; i < net->packets->len; i++)
    {
      Packet *packet = g_ptr_array_index (net->packets, i);

      if (packet->from == victim || packet->to == victim)
        {
          g_ptr_array_remove_index (net->packets, i--);
          packet_free (packet);
        }
    }
}

static HormigaDhtRecord *
make_record (Node       *owner,
             const char *name,
             gsize       size)
{
  g_autofree guint8 *value = g_malloc (size);
  g_autoptr(GBytes) bytes = NULL;

  for (gsize i = 0; i < size; i++)
    value[i] = (guint8) (i + name[0]);
  bytes = g_bytes_new (value, size);
  return hormiga_dht_record_new_mutable (owner->identity, name, 1,
                                         (guint64) (EPOCH_MS + owner->net->now) / 1000 + 24 * 3600, bytes);
}

static void
put_records (Net  *net,
             char  name,
             guint n)
{
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *label = g_strdup_printf ("%c-record-%u", name, i);
      g_autoptr(HormigaDhtRecord) record = make_record (node (net, name), label, 200);
      g_autoptr(GError) error = NULL;

      g_assert_true (hormiga_contingency_put_record (node (net, name)->core, record, &error));
      g_assert_no_error (error);
    }
}

static guint
log_index (Net        *net,
           const char *line)
{
  for (guint i = 0; i < net->log->len; i++)
    if (g_str_equal (g_ptr_array_index (net->log, i), line))
      return i;
  g_error ("\"%s\" is not in the log", line);
  return 0;
}

/* The first line with @fragment. */
static guint
log_find (Net        *net,
          const char *fragment)
{
  for (guint i = 0; i < net->log->len; i++)
    if (strstr (g_ptr_array_index (net->log, i), fragment) != NULL)
      return i;
  g_error ("nothing with \"%s\" in the log", fragment);
  return 0;
}

static gboolean
logged (Net        *net,
        const char *line)
{
  for (guint i = 0; i < net->log->len; i++)
    if (g_str_equal (g_ptr_array_index (net->log, i), line))
      return TRUE;
  return FALSE;
}

/* @owner's contingents are exactly @names (rank order), each synced, and
 * each holds what @owner has (digest). */
static void
assert_contingents (Net        *net,
                    char        owner,
                    const char *names)
{
  g_autoptr(GPtrArray) list = hormiga_contingency_list_contingents (node (net, owner)->core);
  guint8 digest[32];

  hormiga_contingency_get_digest (node (net, owner)->core, digest);
  g_assert_cmpuint (list->len, ==, strlen (names));
  for (guint i = 0; i < list->len; i++)
    {
      HormigaContingentInfo *info = g_ptr_array_index (list, i);
      guint8 held[32];

      g_assert_cmpint (name_of (net, info->peer), ==, names[i]);
      g_assert_cmpuint (info->rank, ==, i);
      g_assert_cmpint (info->state, ==, HORMIGA_CONTINGENT_ACTIVE);
      g_assert_true (info->synced);
      g_assert_cmpmem (info->acked_digest, 32, digest, 32);
      g_assert_true (hormiga_contingency_get_held_digest (node (net, names[i])->core, peer (net, owner), held));
      g_assert_cmpmem (held, 32, digest, 32);
    }
}

static gboolean
took_over (Net  *net,
           char  who,
           char  owner)
{
  Node *n = node (net, who);

  for (guint i = 0; i < n->takeovers->len; i++)
    if (hormiga_peer_id_equal (g_ptr_array_index (n->takeovers, i), peer (net, owner)))
      return TRUE;
  return FALSE;
}

/* ---- the thesis's example ----------------------------------------------- */

static void
test_graceful_leave (void)
{
  HormigaContingencyConfig config = HORMIGA_CONTINGENCY_CONFIG_INIT;
  Net *net;
  guint step1, step2, step3, step4;
  g_autoptr(GPtrArray) b_records = NULL;

  config.r = 1;
  net = net_new (4, &config, NULL);
  for (char c = 'A'; c <= 'D'; c++)
    put_records (net, c, 3);
  give_candidates (net);
  net_run (net, 2000);
  /* A → B → C → D → A. */
  assert_contingents (net, 'A', "B");
  assert_contingents (net, 'B', "C");
  assert_contingents (net, 'C', "D");
  assert_contingents (net, 'D', "A");
  b_records = hormiga_contingency_dup_records (node (net, 'B')->core);

  hormiga_contingency_leave (node (net, 'B')->core);
  net_run (net, 3000);
  g_assert_true (node (net, 'B')->left);
  kill_node (net, 'B');
  net_run (net, 10000);

  /* The four steps, in order: B tells A it goes (1) and names C (2), C
   * gets A's backup from B (3), A's contingent is C, which already holds
   * what A has (4). */
  step1 = log_index (net, "A leaving B");
  step2 = log_index (net, "A successor B->C");
  step3 = log_index (net, "C handoff from B of A");
  step4 = log_index (net, "A replaced B->C by handoff");
  g_assert_cmpuint (step1, <, step2);
  g_assert_cmpuint (step2, <, step3);
  g_assert_cmpuint (step3, <, step4);
  assert_contingents (net, 'A', "C");
  /* B's own contingent took over at once (no silence to wait for). */
  g_assert_true (took_over (net, 'C', 'B'));
  g_assert_true (logged (net, "C takeover B records=3"));
  {
    g_autoptr(GPtrArray) held = hormiga_contingency_dup_held_records (node (net, 'C')->core, peer (net, 'B'));

    g_assert_cmpuint (held->len, ==, b_records->len);
  }
  /* The rest of the ring did not move. */
  assert_contingents (net, 'C', "D");
  assert_contingents (net, 'D', "A");
  net_free (net);
}

/* ---- a leave after the owner's contingents changed ------------------------ */

/* With r = 2, A → B, D while C is away; C comes back and A takes B, C. B
 * must then know that A has C: when B leaves it names D as A's new
 * contingent, and A's backup reaches D by handoff, not C a second time. */
static void
test_leave_after_change (void)
{
  Net *net = net_new (6, NULL, NULL);  /* r = 2 */

  for (char c = 'A'; c <= 'F'; c++)
    put_records (net, c, 2);
  node (net, 'C')->alive = FALSE;
  give_candidates (net);
  net_run (net, 2000);
  assert_contingents (net, 'A', "BD");

  node (net, 'C')->alive = TRUE;
  give_candidates (net);
  net_run (net, net->now + 2000);
  assert_contingents (net, 'A', "BC");
  assert_contingents (net, 'B', "CD");

  hormiga_contingency_leave (node (net, 'B')->core);
  net_run (net, net->now + 1000);
  g_assert_true (node (net, 'B')->left);
  kill_node (net, 'B');
  net_run (net, net->now + 10000);

  g_assert_cmpuint (log_index (net, "A successor B->D"), <, log_index (net, "D handoff from B of A"));
  g_assert_true (logged (net, "A replaced B->D by handoff"));
  g_assert_false (logged (net, "A successor B->C"));
  assert_contingents (net, 'A', "CD");
  net_free (net);
}

/* ---- a crash -------------------------------------------------------------- */

static void
test_crash (void)
{
  HormigaContingencyConfig config = HORMIGA_CONTINGENCY_CONFIG_INIT;
  Net *net;
  gint64 crash_at;

  config.r = 1;
  net = net_new (4, &config, NULL);
  for (char c = 'A'; c <= 'D'; c++)
    put_records (net, c, 2);
  give_candidates (net);
  net_run (net, 2000);
  assert_contingents (net, 'A', "B");

  crash_at = net->now;
  kill_node (net, 'B');
  net_run (net, crash_at + config.failure_detection_ms + config.repair_interval_ms);

  /* A noticed, chose its next successor and pushed its backup there. */
  g_assert_true (logged (net, "A lost B"));
  assert_contingents (net, 'A', "C");
  /* B's contingent, C, took over B's records. */
  g_assert_true (took_over (net, 'C', 'B'));
  g_assert_true (logged (net, "C takeover B records=2"));
  g_assert_false (took_over (net, 'D', 'B'));
  net_free (net);
}

/* ---- r = 2: two neighbours in one window ---------------------------------- */

static void
test_two_fail_together (void)
{
  Net *net = net_new (6, NULL, NULL);  /* r = 2 */
  gint64 crash_at;

  for (char c = 'A'; c <= 'F'; c++)
    put_records (net, c, 2);
  give_candidates (net);
  net_run (net, 2000);
  assert_contingents (net, 'A', "BC");
  assert_contingents (net, 'B', "CD");
  assert_contingents (net, 'C', "DE");

  crash_at = net->now;
  kill_node (net, 'B');
  kill_node (net, 'C');
  net_run (net, crash_at + 15000 + 30000);

  /* A has two contingents again; B's and C's records are in live hands. */
  assert_contingents (net, 'A', "DE");
  g_assert_true (took_over (net, 'D', 'B'));
  g_assert_true (took_over (net, 'D', 'C'));
  g_assert_true (took_over (net, 'E', 'C'));
  {
    g_autoptr(GPtrArray) held = hormiga_contingency_dup_held_records (node (net, 'D')->core, peer (net, 'B'));

    g_assert_cmpuint (held->len, ==, 2);
  }
  net_free (net);
}

/* ---- quotas ----------------------------------------------------------------- */

static void
test_quota (void)
{
  HormigaContingencyConfig config = HORMIGA_CONTINGENCY_CONFIG_INIT;
  HormigaContingencyConfig small = HORMIGA_CONTINGENCY_CONFIG_INIT;
  Net *net;
  g_autoptr(GError) error = NULL;
  g_autoptr(HormigaDhtRecord) big = NULL;
  guint refused;

  config.r = 1;
  small.r = 1;
  small.max_backup_bytes = 1024;
  net = net_new (4, &config, &small);
  put_records (net, 'A', 8);  /* about 2 KiB: above B's quota */
  give_candidates (net);
  net_run (net, 2000);

  refused = log_find (net, "A refused by B: ");
  g_assert_nonnull (strstr (g_ptr_array_index (net->log, refused),
                            "refused to be our contingent: a backup of 3.3"));
  g_assert_nonnull (strstr (g_ptr_array_index (net->log, refused),
                            "is above this node's quota of 1.0"));
  g_assert_nonnull (strstr (g_ptr_array_index (net->log, refused),
                            "per protected node; back up fewer records or a smaller private blob"));
  assert_contingents (net, 'A', "C");

  /* Our own quota: a record that would take the backup past it is refused
   * here, with a reason. */
  {
    HormigaContingencyConfig tiny = HORMIGA_CONTINGENCY_CONFIG_INIT;
    g_autoptr(HormigaContingency) core = NULL;

    tiny.max_backup_bytes = 2000;
    core = hormiga_contingency_new (node (net, 'D')->identity, &tiny, &io, node (net, 'D'));
    big = make_record (node (net, 'D'), "big", 4000);
    g_assert_false (hormiga_contingency_put_record (core, big, &error));
    g_assert_error (error, HORMIGA_CONTINGENCY_ERROR, HORMIGA_CONTINGENCY_ERROR_QUOTA);
    g_assert_nonnull (strstr (error->message, "contingents keep at most 2.0"));
    g_assert_nonnull (strstr (error->message, "per node, so back up fewer records or a smaller private blob"));
    g_clear_error (&error);
    /* And a record of another node is not ours to back up. */
    g_clear_pointer (&big, hormiga_dht_record_unref);
    big = make_record (node (net, 'A'), "not-mine", 10);
    g_assert_false (hormiga_contingency_put_record (core, big, &error));
    g_assert_error (error, HORMIGA_CONTINGENCY_ERROR, HORMIGA_CONTINGENCY_ERROR_BAD_RECORD);
  }
  net_free (net);
}

/* A contingent protects at most max_protected nodes. */
static void
test_full (void)
{
  HormigaContingencyConfig config = HORMIGA_CONTINGENCY_CONFIG_INIT;
  HormigaContingencyConfig one = HORMIGA_CONTINGENCY_CONFIG_INIT;
  Net *net;

  config.r = 2;
  one.r = 2;
  one.max_protected = 1;
  net = net_new (4, &config, &one);
  give_candidates (net);
  net_run (net, 2000);
  /* B protects one node only: A (its predecessor) got in first or D did. */
  {
    g_autoptr(GPtrArray) list = hormiga_contingency_list_protected (node (net, 'B')->core);

    g_assert_cmpuint (list->len, ==, 1);
  }
  {
    guint refused = log_find (net, "refused by B: ");

    g_assert_nonnull (strstr (g_ptr_array_index (net->log, refused),
                              "refused to be our contingent: this node already protects 1 nodes, "
                              "its limit; ask the next node on the ring"));
  }
  net_free (net);
}

/* ---- confidentiality ------------------------------------------------------------ */

static gboolean
contains (GBytes     *haystack,
          const char *needle)
{
  gsize size = 0;
  const guint8 *data = g_bytes_get_data (haystack, &size);

  return memmem (data, size, needle, strlen (needle)) != NULL;
}

static void
test_private_blob (void)
{
  static const char secret[] = "shares: /home/ana/fotos; peers I trust: 12D3KooWSecret";
  HormigaContingencyConfig config = HORMIGA_CONTINGENCY_CONFIG_INIT;
  Net *net;
  g_autoptr(GBytes) plaintext = g_bytes_new_static (secret, sizeof secret - 1);
  g_autoptr(GBytes) held = NULL;
  g_autoptr(GBytes) opened = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) big = NULL;

  config.r = 1;
  net = net_new (3, &config, NULL);
  g_assert_true (hormiga_contingency_set_private (node (net, 'A')->core, plaintext, &error));
  g_assert_no_error (error);
  give_candidates (net);
  net_run (net, 2000);
  assert_contingents (net, 'A', "B");

  /* B holds ciphertext only. */
  held = hormiga_contingency_dup_held_blob (node (net, 'B')->core, peer (net, 'A'));
  g_assert_nonnull (held);
  g_assert_cmpuint (g_bytes_get_size (held), ==, sizeof secret - 1 + 40);
  g_assert_false (contains (held, "/home/ana"));
  g_assert_false (contains (held, "Secret"));
  /* It does not open with B's key, nor C's; it does with A's. */
  g_assert_null (hormiga_contingency_open_private (node (net, 'B')->identity, held, &error));
  g_assert_error (error, HORMIGA_CONTINGENCY_ERROR, HORMIGA_CONTINGENCY_ERROR_DECRYPT);
  g_clear_error (&error);
  g_assert_null (hormiga_contingency_open_private (node (net, 'C')->identity, held, &error));
  g_assert_error (error, HORMIGA_CONTINGENCY_ERROR, HORMIGA_CONTINGENCY_ERROR_DECRYPT);
  g_clear_error (&error);
  opened = hormiga_contingency_open_private (node (net, 'A')->identity, held, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (opened, plaintext));
  /* A flipped bit is caught. */
  {
    gsize size = 0;
    g_autofree guint8 *copy = g_bytes_unref_to_data (g_bytes_ref (held), &size);
    g_autoptr(GBytes) tampered = NULL;

    copy[size / 2] ^= 1;
    tampered = g_bytes_new (copy, size);
    g_assert_null (hormiga_contingency_open_private (node (net, 'A')->identity, tampered, &error));
    g_assert_error (error, HORMIGA_CONTINGENCY_ERROR, HORMIGA_CONTINGENCY_ERROR_DECRYPT);
    g_clear_error (&error);
  }

  /* A blob of several chunks, then none at all. */
  {
    g_autofree guint8 *data = g_malloc (100000);

    for (guint i = 0; i < 100000; i++)
      data[i] = (guint8) g_rand_int (net->rand);
    big = g_bytes_new_take (g_steal_pointer (&data), 100000);
  }
  g_assert_true (hormiga_contingency_set_private (node (net, 'A')->core, big, &error));
  net_run (net, 4000);
  assert_contingents (net, 'A', "B");
  g_clear_pointer (&held, g_bytes_unref);
  held = hormiga_contingency_dup_held_blob (node (net, 'B')->core, peer (net, 'A'));
  g_assert_cmpuint (g_bytes_get_size (held), ==, 100040);
  g_assert_true (hormiga_contingency_set_private (node (net, 'A')->core, NULL, &error));
  net_run (net, 5000);
  assert_contingents (net, 'A', "B");
  g_assert_null (hormiga_contingency_dup_held_blob (node (net, 'B')->core, peer (net, 'A')));
  net_free (net);
}

/* ---- increments ------------------------------------------------------------------- */

static void
test_incremental (void)
{
  HormigaContingencyConfig config = HORMIGA_CONTINGENCY_CONFIG_INIT;
  Net *net;
  g_autoptr(HormigaDhtRecord) record = NULL;
  g_autoptr(HormigaDhtRecord) newer = NULL;
  g_autoptr(GError) error = NULL;
  guint64 before;

  config.r = 1;
  net = net_new (3, &config, NULL);
  put_records (net, 'A', 50);
  give_candidates (net);
  net_run (net, 2000);
  assert_contingents (net, 'A', "B");

  /* One changed record travels alone, not the fifty. */
  before = net->bytes_sent;
  record = make_record (node (net, 'A'), "A-record-7", 300);
  g_assert_true (hormiga_contingency_put_record (node (net, 'A')->core, record, &error) || error == NULL);
  net_run (net, 2500);
  g_assert_cmpuint (net->bytes_sent - before, <, 2000);
  /* The same slot again with a newer record, then removed. */
  {
    g_autoptr(GBytes) value = g_bytes_new_static ("x", 1);

    newer = hormiga_dht_record_new_mutable (node (net, 'A')->identity, "A-record-7", 2,
                                            (guint64) (EPOCH_MS + net->now) / 1000 + 3600, value);
  }
  g_assert_true (hormiga_contingency_put_record (node (net, 'A')->core, newer, &error));
  hormiga_contingency_remove_record (node (net, 'A')->core, newer);
  net_run (net, 3000);
  assert_contingents (net, 'A', "B");
  {
    g_autoptr(GPtrArray) held = hormiga_contingency_dup_held_records (node (net, 'B')->core, peer (net, 'A'));

    g_assert_cmpuint (held->len, ==, 49);
  }
  /* sync_records: the set becomes exactly two records. */
  {
    g_autoptr(GPtrArray) two = hormiga_contingency_dup_records (node (net, 'A')->core);
    g_autoptr(GPtrArray) held = NULL;

    g_ptr_array_set_size (two, 2);
    g_assert_true (hormiga_contingency_sync_records (node (net, 'A')->core, two, &error));
    net_run (net, 3500);
    assert_contingents (net, 'A', "B");
    held = hormiga_contingency_dup_held_records (node (net, 'B')->core, peer (net, 'A'));
    g_assert_cmpuint (held->len, ==, 2);
  }
  net_free (net);
}

/* ---- a node that comes back ----------------------------------------------------------- */

static void
test_restore (void)
{
  HormigaContingencyConfig config = HORMIGA_CONTINGENCY_CONFIG_INIT;
  Net *net;
  g_autoptr(GBytes) secret = g_bytes_new_static ("settings", 8);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) before = NULL;
  Node *a;

  config.r = 1;
  net = net_new (3, &config, NULL);
  put_records (net, 'A', 4);
  g_assert_true (hormiga_contingency_set_private (node (net, 'A')->core, secret, &error));
  give_candidates (net);
  net_run (net, 2000);
  assert_contingents (net, 'A', "B");
  before = hormiga_contingency_dup_records (node (net, 'A')->core);

  /* A crashes; B takes over; A comes back with the same key and nothing
   * else, gets its backup back and B stops. */
  kill_node (net, 'A');
  net_run (net, 25000);
  g_assert_true (took_over (net, 'B', 'A'));
  a = node (net, 'A');
  hormiga_contingency_free (a->core);
  a->core = hormiga_contingency_new (a->identity, &config, &io, a);
  a->alive = TRUE;
  give_candidates (net);
  net_run (net, 28000);
  g_assert_true (logged (net, "B takeover-ended A"));
  g_assert_true (logged (net, "A restored from B records=4"));
  g_assert_cmpuint (a->restored->len, ==, before->len);
  g_assert_nonnull (a->restored_blob);
  g_assert_true (g_bytes_equal (a->restored_blob, secret));
  g_assert_cmpuint (hormiga_contingency_get_seq (a->core), >, 4);
  assert_contingents (net, 'A', "B");
  net_free (net);
}

/* ---- hostile input ------------------------------------------------------------------- */

static void
test_bad_input (void)
{
  HormigaContingencyConfig config = HORMIGA_CONTINGENCY_CONFIG_INIT;
  Net *net;
  g_autoptr(GBytes) junk = g_bytes_new_static ("\x81\xa1v\x02", 4);

  config.r = 1;
  net = net_new (3, &config, NULL);
  put_records (net, 'A', 2);
  give_candidates (net);
  net_run (net, 2000);
  /* Junk is dropped; a backup from a node B does not protect is refused. */
  hormiga_contingency_receive (node (net, 'B')->core, peer (net, 'C'), junk);
  {
    g_autoptr(HormigaContingencyMessage) backup = hormiga_contingency_message_new (HORMIGA_CONTINGENCY_MESSAGE_BACKUP);
    g_autoptr(GBytes) bytes = NULL;
    g_autoptr(HormigaDhtRecord) record = make_record (node (net, 'A'), "forged", 10);

    backup->seq = 9;
    g_ptr_array_add (backup->records, g_bytes_ref (record->encoded));
    bytes = hormiga_contingency_message_encode (backup);
    /* C sends B a backup for itself holding a record of A: B does not
     * protect C, so nothing is kept. */
    hormiga_contingency_receive (node (net, 'B')->core, peer (net, 'C'), bytes);
    /* A handoff naming A as owner but carrying a record C signed is refused. */
  }
  {
    g_autoptr(HormigaContingencyMessage) handoff = hormiga_contingency_message_new (HORMIGA_CONTINGENCY_MESSAGE_HANDOFF);
    g_autoptr(GBytes) bytes = NULL;
    g_autoptr(HormigaDhtRecord) record = make_record (node (net, 'C'), "forged", 10);
    g_autoptr(GPtrArray) held = NULL;

    handoff->owner = hormiga_peer_id_ref ((HormigaPeerId *) peer (net, 'B'));
    handoff->seq = 100;
    handoff->reset = TRUE;
    g_ptr_array_add (handoff->records, g_bytes_ref (record->encoded));
    bytes = hormiga_contingency_message_encode (handoff);
    hormiga_contingency_receive (node (net, 'A')->core, peer (net, 'C'), bytes);
    held = hormiga_contingency_dup_held_records (node (net, 'A')->core, peer (net, 'B'));
    g_assert_null (held);
  }
  net_run (net, 3000);
  assert_contingents (net, 'A', "B");
  g_assert_null (hormiga_contingency_dup_held_records (node (net, 'B')->core, peer (net, 'C')) );
  net_free (net);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/hormiga/contingency/graceful-leave", test_graceful_leave);
  g_test_add_func ("/hormiga/contingency/leave-after-change", test_leave_after_change);
  g_test_add_func ("/hormiga/contingency/crash", test_crash);
  g_test_add_func ("/hormiga/contingency/two-fail-together", test_two_fail_together);
  g_test_add_func ("/hormiga/contingency/quota", test_quota);
  g_test_add_func ("/hormiga/contingency/full", test_full);
  g_test_add_func ("/hormiga/contingency/private-blob", test_private_blob);
  g_test_add_func ("/hormiga/contingency/incremental", test_incremental);
  g_test_add_func ("/hormiga/contingency/restore", test_restore);
  g_test_add_func ("/hormiga/contingency/bad-input", test_bad_input);
  return g_test_run ();
}
