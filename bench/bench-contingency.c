/* bench-contingency.c — hormiga-bench contingency
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Contingency nodes between real processes on 127.0.0.1: a hormiguero
 * without a node of its own and --nodes `hormiga-node` processes, each
 * keeping --contingents contingents (2) with heartbeats every --heartbeat
 * seconds (0.5) and --failure-detection seconds (2) of silence taken for
 * a crash, shorter than the nodes' defaults (5 and 15) so the run stays
 * short. Every node puts --records values (3) in the DHT and shares a
 * small file, so its backup holds its peer record, its values, a provider
 * record and an encrypted private blob, as a node in use would.
 *
 * Before each round the bench waits until the ring is settled: every
 * node's contingents are the nodes that follow it clockwise on the key
 * ring, all in sync, and each of them holds the node's backup with the
 * node's digest and a blob (asked on the control sockets). Then:
 *
 *   --rounds graceful leaves: a random node B gets SIGTERM. For each
 *     owner A that B protected (r of them), from the signal to A's lines:
 *       handoff_notice_ms  `contingency-leaving peer=B` (steps 1 and 2)
 *       handoff_ms         `contingency-replaced peer=B next=C handoff=1`:
 *                          C holds A's backup, from B, with A's digest
 *                          (step 4; A prints C synced at the same moment)
 *       handoff_repair_ms  A's `contingency-repaired`: r contingents in
 *                          sync again, however they got there
 *     handoff_received_ms, to C's `contingency-handoff from=B owner=A`
 *     (step 3). Not every leave hands off: A may push its backup itself
 *     (`handoff=0`), B may name as C a node A already has, which
 *     replaces nothing (named_existing_contingent: B's list of A's
 *     contingents comes from A's assigns), or A may say no
 *     `contingency-replaced` at all and repair from its candidates
 *     (not_replaced). handoff_ms counts only real handoffs; handoff_share
 *     is their share of the owners of the nodes that left. leave_ms runs
 *     from the signal to B's exit. handoff_bytes is what B held for A and
 *     handed on (the `bytes` of A's entry among B's protected nodes:
 *     records and blob), with handoff_blob_bytes and handoff_records.
 *   --crashes crashes, after the leaves: a random node B gets SIGKILL.
 *     From the kill:
 *       detect_ms          each owner's `contingency-lost peer=B`
 *       crash_repair_ms    that owner's next `contingency-repaired`
 *       takeover_ms        each of B's contingents'
 *                          `contingency-takeover owner=B`
 *
 * After each round a new node (a new identity) joins so that there are
 * always --nodes of them, and puts its values and shares its file.
 *
 * Baseline, in the same run: before each graceful leave, once the ring is
 * settled, a node that is neither B nor one of its owners puts a value in
 * the DHT (`put`, the same name every time so its backup keeps its size),
 * timed from the command to its answer: a plain DHT store between the
 * same nodes over the same connections. (Not before a crash: the nodes
 * still count the last crashed node among their contacts for a while, and
 * a put that asks it waits for its timeout.)
 */
#include <errno.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "bench-util.h"
#include "hormiga-bench.h"
#include "hormiga-control-client.h"
#include "hormiga-dht-key.h"
#include "hormiga-peer-id.h"

/* Longest wait for a process to start, a node to join or a put. */
#define STEP_TIMEOUT_S 60.0
/* Longest wait for the ring to settle before a round. */
#define SETTLE_TIMEOUT_S 60.0
#define SETTLE_POLL_S 0.2
/* Characters of random hex in each value a node puts. */
#define VALUE_LENGTH 96

typedef struct
{
  char  *text;
  gint64 at; /* monotonic µs it was read */
} Line;

typedef struct
{
  guint                index;
  char                *name; /* "node 3" */
  GSubprocess         *process;
  GDataInputStream    *out;
  GOutputStream       *in;
  GPtrArray           *lines; /* Line, all of them */
  GCancellable        *cancellable;
  char                *dir;
  char                *peer_id;
  HormigaDhtKey        key;
  HormigaControlReply *state; /* (nullable): its last `contingency` */
  gboolean             eof;
  gint64               eof_at;
} Proc;

typedef struct
{
  GRand     *rand;
  char      *node_program;
  char      *url;
  char      *base_dir;
  int        r;
  int        records;
  char      *heartbeat;
  char      *detection;
  gboolean   verbose;
  guint      next_index;
  Proc      *server;
  GPtrArray *nodes; /* Proc, the live ones */

  /* The results, in ms unless named otherwise. */
  GArray *handoff_ms;
  GArray *handoff_notice_ms;
  GArray *handoff_received_ms;
  GArray *handoff_repair_ms;
  GArray *leave_ms;
  GArray *handoff_bytes;
  GArray *handoff_blob_bytes;
  GArray *handoff_records;
  guint   replacements;
  guint   not_replaced;
  guint   named_existing;
  GArray *detect_ms;
  GArray *crash_repair_ms;
  GArray *takeover_ms;
  GArray *settle_ms;
  GArray *put_ms;
  GArray *put_stored;
  guint   rounds_failed;
  guint   unsettled_rounds;
} Bench;

static void
line_free (gpointer data)
{
  Line *line = data;

  g_free (line->text);
  g_free (line);
}

static void
append (GArray *values, double value)
{
  g_array_append_val (values, value);
}

/* ---- processes ------------------------------------------------------------- */

static void read_next (Proc *proc);

static void
on_line (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Proc  *proc = user_data;
  gint64 now = g_get_monotonic_time ();
  g_autoptr (GError) error = NULL;
  char *text = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), result,
                                                          NULL, &error);
  Line *line;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (text == NULL)
    {
      proc->eof = TRUE;
      proc->eof_at = now;
      return;
    }
  if (proc->peer_id == NULL && g_str_has_prefix (text, "peer-id "))
    proc->peer_id = g_strdup (text + strlen ("peer-id "));
  line = g_new0 (Line, 1);
  line->text = text;
  line->at = now;
  g_ptr_array_add (proc->lines, line);
  read_next (proc);
}

static void
read_next (Proc *proc)
{
  g_data_input_stream_read_line_async (proc->out, G_PRIORITY_DEFAULT, proc->cancellable, on_line,
                                       proc);
}

static Proc *
proc_spawn (const char *const *argv, const char *name, guint index, char *dir, GError **error)
{
  g_autoptr (GSubprocessLauncher) launcher
      = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDIN_PIPE);
  GSubprocess *process;
  Proc        *proc;

  g_subprocess_launcher_set_child_setup (launcher, hormiga_bench_die_with_parent, NULL, NULL);
  process = g_subprocess_launcher_spawnv (launcher, argv, error);
  if (process == NULL)
    return NULL;
  proc = g_new0 (Proc, 1);
  proc->index = index;
  proc->name = g_strdup (name);
  proc->process = process;
  proc->dir = dir;
  proc->lines = g_ptr_array_new_with_free_func (line_free);
  proc->cancellable = g_cancellable_new ();
  proc->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  proc->in = g_subprocess_get_stdin_pipe (process);
  read_next (proc);
  return proc;
}

static gboolean
proc_ended (gpointer data)
{
  return ((Proc *)data)->eof;
}

/* Waits up to @seconds for @proc to close its output, then kills it if
 * need be, and reaps it. */
static void
proc_reap (Proc *proc, double seconds)
{
  hormiga_bench_wait (proc_ended, proc, seconds);
  if (!proc->eof)
    {
      g_printerr ("hormiga-bench contingency: %s did not end; killing it\n", proc->name);
      g_subprocess_force_exit (proc->process);
    }
  g_subprocess_wait (proc->process, NULL, NULL);
}

static void
proc_free (Proc *proc)
{
  g_cancellable_cancel (proc->cancellable);
  g_object_unref (proc->cancellable);
  g_object_unref (proc->out);
  g_object_unref (proc->process);
  g_ptr_array_unref (proc->lines);
  g_clear_pointer (&proc->state, hormiga_control_reply_free);
  if (proc->dir != NULL)
    hormiga_bench_remove_dir (proc->dir);
  g_free (proc->dir);
  g_free (proc->peer_id);
  g_free (proc->name);
  g_free (proc);
}

/* Writes @command and a newline; returns the monotonic µs just before. */
static gint64
proc_say (Proc *proc, const char *command)
{
  g_autofree char *text = g_strconcat (command, "\n", NULL);
  gint64           start = g_get_monotonic_time ();

  if (!g_output_stream_write_all (proc->in, text, strlen (text), NULL, NULL, NULL))
    g_printerr ("hormiga-bench contingency: %s does not read its input\n", proc->name);
  return start;
}

/* The first line of @proc from line @from on starting with @prefix. */
static const Line *
proc_find (Proc *proc, guint from, const char *prefix)
{
  for (guint i = from; i < proc->lines->len; i++)
    {
      const Line *line = g_ptr_array_index (proc->lines, i);

      if (g_str_has_prefix (line->text, prefix))
        return line;
    }
  return NULL;
}

static guint
proc_index_of (Proc *proc, const Line *line)
{
  guint index = 0;

  g_ptr_array_find (proc->lines, line, &index);
  return index;
}

typedef struct
{
  Proc       *proc;
  guint       from;
  const char *a;
  const char *b;
} LineWait;

static gboolean
has_line (gpointer data)
{
  LineWait *wait = data;

  return proc_find (wait->proc, wait->from, wait->a) != NULL
         || (wait->b != NULL && proc_find (wait->proc, wait->from, wait->b) != NULL)
         || wait->proc->eof;
}

/* The first line from line @from on starting with @a or @b (may be NULL),
 * waiting for it up to STEP_TIMEOUT_S; NULL if none came. */
static const Line *
proc_expect (Proc *proc, guint from, const char *a, const char *b)
{
  LineWait    wait = { proc, from, a, b };
  const Line *line;

  hormiga_bench_wait (has_line, &wait, STEP_TIMEOUT_S);
  line = proc_find (proc, from, a);
  if (line == NULL && b != NULL)
    line = proc_find (proc, from, b);
  return line;
}

static void
proc_dump (Proc *proc, guint from)
{
  g_printerr ("hormiga-bench contingency: %s (%s) printed:\n", proc->name,
              proc->peer_id ? proc->peer_id : "no PeerID yet");
  for (guint i = from; i < proc->lines->len; i++)
    g_printerr ("  %s\n", ((const Line *)g_ptr_array_index (proc->lines, i))->text);
}

static gboolean
never (gpointer data)
{
  return FALSE;
}

/* ---- the control socket ------------------------------------------------------- */

/* @proc's `contingency` reply; NULL if it does not answer. */
static HormigaControlReply *
ask_contingency (Proc *proc)
{
  g_autofree char *socket = g_build_filename (proc->dir, "control.sock", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (HormigaControlClient) client = hormiga_control_client_connect (socket, 10, &error);
  g_autoptr (HormigaControlRequest) request = NULL;
  HormigaControlReply *reply;

  if (client == NULL)
    return NULL;
  request = hormiga_control_request_new (1, HORMIGA_CONTROL_OP_CONTINGENCY);
  reply = hormiga_control_client_call (client, request, &error);
  if (reply != NULL && reply->result == NULL)
    g_clear_pointer (&reply, hormiga_control_reply_free);
  return reply;
}

static char *
text_field (const msgpack_object *map, const char *key)
{
  const msgpack_object *value = hormiga_control_map_lookup (map, key);

  if (value == NULL || value->type != MSGPACK_OBJECT_STR)
    return NULL;
  return g_strndup (value->via.str.ptr, value->via.str.size);
}

static guint64
u64_field (const msgpack_object *map, const char *key)
{
  const msgpack_object *value = hormiga_control_map_lookup (map, key);

  return value != NULL && value->type == MSGPACK_OBJECT_POSITIVE_INTEGER ? value->via.u64 : 0;
}

static gboolean
bool_field (const msgpack_object *map, const char *key)
{
  const msgpack_object *value = hormiga_control_map_lookup (map, key);

  return value != NULL && value->type == MSGPACK_OBJECT_BOOLEAN && value->via.boolean;
}

static gboolean
text_field_is (const msgpack_object *map, const char *key, const char *expected)
{
  g_autofree char *text = text_field (map, key);

  return g_strcmp0 (text, expected) == 0;
}

/* The entry of the array @array of @proc's last state whose "peer" is
 * @peer, or NULL. */
static const msgpack_object *
entry_for (Proc *proc, const char *array, const char *peer)
{
  const msgpack_object *list;

  if (proc->state == NULL)
    return NULL;
  list = hormiga_control_map_lookup (proc->state->result, array);
  if (list == NULL || list->type != MSGPACK_OBJECT_ARRAY)
    return NULL;
  for (guint32 i = 0; i < list->via.array.size; i++)
    if (text_field_is (&list->via.array.ptr[i], "peer", peer))
      return &list->via.array.ptr[i];
  return NULL;
}

static guint
array_size (Proc *proc, const char *array)
{
  const msgpack_object *list;

  if (proc->state == NULL)
    return 0;
  list = hormiga_control_map_lookup (proc->state->result, array);
  return list != NULL && list->type == MSGPACK_OBJECT_ARRAY ? list->via.array.size : 0;
}

/* ---- the ring ------------------------------------------------------------------ */

/* (@a − @origin) mod 2²⁵⁶ compared with (@b − @origin) mod 2²⁵⁶. */
static int
compare_clockwise (const HormigaDhtKey *origin, const HormigaDhtKey *a, const HormigaDhtKey *b)
{
  guint8 da[HORMIGA_DHT_KEY_SIZE], db[HORMIGA_DHT_KEY_SIZE];
  int    borrow_a = 0, borrow_b = 0;

  for (int i = HORMIGA_DHT_KEY_SIZE - 1; i >= 0; i--)
    {
      int va = a->bytes[i] - origin->bytes[i] - borrow_a;
      int vb = b->bytes[i] - origin->bytes[i] - borrow_b;

      borrow_a = va < 0;
      borrow_b = vb < 0;
      da[i] = (guint8)(va + (borrow_a ? 256 : 0));
      db[i] = (guint8)(vb + (borrow_b ? 256 : 0));
    }
  return memcmp (da, db, HORMIGA_DHT_KEY_SIZE);
}

static int
compare_from (gconstpointer a, gconstpointer b, gpointer origin)
{
  return compare_clockwise (origin, &(*(Proc *const *)a)->key, &(*(Proc *const *)b)->key);
}

/* The nodes that follow @node clockwise, nearest first. */
static GPtrArray *
successors (Bench *bench, Proc *node)
{
  GPtrArray *after = g_ptr_array_new ();

  for (guint i = 0; i < bench->nodes->len; i++)
    if (g_ptr_array_index (bench->nodes, i) != node)
      g_ptr_array_add (after, g_ptr_array_index (bench->nodes, i));
  g_ptr_array_sort_with_data (after, compare_from, &node->key);
  return after;
}

/* Asks every node; TRUE when each one's contingents are its r successors,
 * active and in sync, its backup holds at least its values, peer record
 * and provider record, and r nodes hold it with its digest and a blob.
 * Otherwise @why says what is missing. */
static gboolean
ring_settled (Bench *bench, GString *why)
{
  guint n = bench->nodes->len;
  guint min_records = (guint)bench->records + 2;

  g_string_truncate (why, 0);
  for (guint i = 0; i < n; i++)
    {
      Proc *node = g_ptr_array_index (bench->nodes, i);

      g_clear_pointer (&node->state, hormiga_control_reply_free);
      node->state = ask_contingency (node);
      if (node->state == NULL)
        {
          g_string_printf (why, "%s does not answer on its control socket", node->name);
          return FALSE;
        }
    }
  for (guint i = 0; i < n; i++)
    {
      Proc *node = g_ptr_array_index (bench->nodes, i);
      g_autoptr (GPtrArray) after = successors (bench, node);
      g_autofree char *digest = text_field (node->state->result, "digest");
      guint            holders = 0;

      if (array_size (node, "contingents") != (guint)bench->r)
        {
          g_string_printf (why, "%s has %u contingents", node->name,
                           array_size (node, "contingents"));
          return FALSE;
        }
      for (guint j = 0; j < (guint)bench->r; j++)
        {
          Proc                 *next = g_ptr_array_index (after, j);
          const msgpack_object *entry = entry_for (node, "contingents", next->peer_id);

          if (entry == NULL || !bool_field (entry, "synced")
              || !text_field_is (entry, "state", "active"))
            {
              g_string_printf (why, "%s is not yet an active contingent of %s in sync", next->name,
                               node->name);
              return FALSE;
            }
        }
      if (u64_field (node->state->result, "records") < min_records)
        {
          g_string_printf (why, "%s backs up %" G_GUINT64_FORMAT " records", node->name,
                           u64_field (node->state->result, "records"));
          return FALSE;
        }
      for (guint k = 0; k < n; k++)
        {
          const msgpack_object *held
              = entry_for (g_ptr_array_index (bench->nodes, k), "protected", node->peer_id);
          g_autofree char *held_digest = held != NULL ? text_field (held, "digest") : NULL;

          holders += held != NULL && bool_field (held, "has_blob")
                     && g_strcmp0 (digest, held_digest) == 0;
        }
      if (holders < (guint)bench->r)
        {
          g_string_printf (why, "%u nodes hold %s's backup with its blob", holders, node->name);
          return FALSE;
        }
    }
  return TRUE;
}

/* Waits for ring_settled(); FALSE after SETTLE_TIMEOUT_S (the nodes' last
 * states are kept either way). */
static gboolean
settle (Bench *bench)
{
  g_autoptr (GString) why = g_string_new (NULL);
  gint64 start = g_get_monotonic_time ();
  gint64 deadline = start + (gint64)(SETTLE_TIMEOUT_S * G_USEC_PER_SEC);

  while (!ring_settled (bench, why))
    {
      if (g_get_monotonic_time () > deadline)
        {
          g_printerr ("hormiga-bench contingency: the ring did not settle in %.0f s: %s\n",
                      SETTLE_TIMEOUT_S, why->str);
          bench->unsettled_rounds++;
          return FALSE;
        }
      hormiga_bench_wait (never, NULL, SETTLE_POLL_S);
    }
  append (bench->settle_ms, (g_get_monotonic_time () - start) / 1000.0);
  return TRUE;
}

/* The nodes that count @node among their contingents, in sync. */
static GPtrArray *
owners_of (Bench *bench, Proc *node)
{
  GPtrArray *owners = g_ptr_array_new ();

  for (guint i = 0; i < bench->nodes->len; i++)
    {
      Proc                 *owner = g_ptr_array_index (bench->nodes, i);
      const msgpack_object *entry = entry_for (owner, "contingents", node->peer_id);

      if (owner != node && entry != NULL && bool_field (entry, "synced"))
        g_ptr_array_add (owners, owner);
    }
  return owners;
}

/* The nodes @node counts among its contingents. */
static GPtrArray *
contingents_of (Bench *bench, Proc *node)
{
  GPtrArray *held = g_ptr_array_new ();

  for (guint i = 0; i < bench->nodes->len; i++)
    {
      Proc *other = g_ptr_array_index (bench->nodes, i);

      if (other != node && entry_for (node, "contingents", other->peer_id) != NULL)
        g_ptr_array_add (held, other);
    }
  return held;
}

static Proc *
node_by_peer (Bench *bench, const char *peer_id, gsize length)
{
  for (guint i = 0; i < bench->nodes->len; i++)
    {
      Proc *node = g_ptr_array_index (bench->nodes, i);

      if (strlen (node->peer_id) == length && strncmp (node->peer_id, peer_id, length) == 0)
        return node;
    }
  return NULL;
}

/* ---- hormiguero and the nodes ---------------------------------------------------- */

static gboolean
server_start (Bench *bench, GError **error)
{
  g_autofree char *hormiguero = hormiga_bench_find_hormiguero ();
  const char      *argv[] = { hormiguero, "--listen", "127.0.0.1:0", "--no-node", NULL };
  const char      *prefix = "hormiguero listening on ";
  const Line      *line;

  if (hormiguero == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   "cannot find hormiguero; set HORMIGUERO");
      return FALSE;
    }
  bench->server = proc_spawn (argv, "hormiguero", 0, NULL, error);
  if (bench->server == NULL)
    return FALSE;
  line = proc_expect (bench->server, 0, prefix, NULL);
  if (line == NULL)
    {
      proc_dump (bench->server, 0);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "hormiguero did not start");
      return FALSE;
    }
  bench->url = g_strdup (line->text + strlen (prefix));
  return TRUE;
}

static char *
random_hex (Bench *bench, guint length)
{
  GString *text = g_string_sized_new (length);

  for (guint i = 0; i < length; i++)
    g_string_append_c (text, "0123456789abcdef"[g_rand_int_range (bench->rand, 0, 16)]);
  return g_string_free (text, FALSE);
}

/* `put @name` of a random value from @node, timed into the baseline when
 * @timed; FALSE if no answer came. */
static gboolean
node_put (Bench *bench, Proc *node, const char *name, gboolean timed)
{
  g_autofree char *value = random_hex (bench, VALUE_LENGTH);
  g_autofree char *command = g_strdup_printf ("put %s %s", name, value);
  g_autofree char *answer = g_strdup_printf ("put %s stored=", name);
  guint            from = node->lines->len;
  gint64           sent = proc_say (node, command);
  const Line      *line = proc_expect (node, from, answer, "error: ");

  if (line == NULL || !g_str_has_prefix (line->text, answer))
    {
      g_printerr ("hormiga-bench contingency: %s: no answer to `put %s`%s%s\n", node->name, name,
                  line ? ": " : "", line ? line->text : "");
      return FALSE;
    }
  if (timed)
    {
      append (bench->put_ms, (line->at - sent) / 1000.0);
      append (bench->put_stored, (double)g_ascii_strtoull (line->text + strlen (answer), NULL, 10));
      if (bench->verbose)
        g_printerr ("hormiga-bench contingency: %s put a value in %.2f ms\n", node->name,
                    (line->at - sent) / 1000.0);
    }
  return TRUE;
}

/* Starts a node, waits for its `dht-ready`, has it put its values and
 * share a small file. */
static gboolean
node_start (Bench *bench, GError **error)
{
  char            *dir = g_build_filename (bench->base_dir, "node-XXXXXX", NULL);
  g_autofree char *r = g_strdup_printf ("%d", bench->r);
  const char      *argv[] = { bench->node_program,
                              "--data-dir",
                              dir,
                              "--server",
                              bench->url,
                              "--ice-address",
                              "127.0.0.1",
                              "--peer-timeout",
                              "5",
                              "--contingents",
                              r,
                              "--heartbeat",
                              bench->heartbeat,
                              "--failure-detection",
                              bench->detection,
                              "run",
                              NULL };
  guint            index = bench->next_index++;
  g_autofree char *name = g_strdup_printf ("node %u", index);
  g_autofree char *file = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *share = NULL;
  g_autoptr (HormigaPeerId) peer = NULL;
  const Line *line;
  guint       from;
  Proc       *node;

  if (g_mkdtemp (dir) == NULL)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "cannot create %s: %s", dir,
                   g_strerror (errno));
      g_free (dir);
      return FALSE;
    }
  node = proc_spawn (argv, name, index, dir, error);
  if (node == NULL)
    {
      hormiga_bench_remove_dir (dir);
      g_free (dir);
      return FALSE;
    }
  g_ptr_array_add (bench->nodes, node);
  line = proc_expect (node, 0, "dht-ready", NULL);
  if (line == NULL || node->peer_id == NULL
      || (peer = hormiga_peer_id_parse (node->peer_id, NULL)) == NULL)
    {
      proc_dump (node, 0);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "%s (%s) did not join the DHT within %.0f s", name, bench->node_program,
                   STEP_TIMEOUT_S);
      return FALSE;
    }
  hormiga_dht_key_from_peer_id (&node->key, peer);

  for (int i = 0; i < bench->records; i++)
    {
      g_autofree char *value_name = g_strdup_printf ("record-%d", i);

      if (!node_put (bench, node, value_name, FALSE))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s could not put its values", name);
          return FALSE;
        }
    }

  /* What it shares is its private state: the blob its contingents hold. */
  file = g_build_filename (dir, "notes.txt", NULL);
  contents = random_hex (bench, 1024);
  if (!g_file_set_contents (file, contents, -1, error))
    return FALSE;
  share = g_strdup_printf ("share %s", file);
  from = node->lines->len;
  proc_say (node, share);
  line = proc_expect (node, from, "shared ", "share-failed ");
  if (line == NULL || !g_str_has_prefix (line->text, "shared "))
    {
      proc_dump (node, 0);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s could not share a file", name);
      return FALSE;
    }
  if (bench->verbose)
    g_printerr ("hormiga-bench contingency: %s joined as %s\n", name, node->peer_id);
  return TRUE;
}

/* Takes @node out of the network's list, reaps it and starts another. */
static gboolean
replace_node (Bench *bench, Proc *node, GError **error)
{
  guint index = 0;

  if (g_ptr_array_find (bench->nodes, node, &index))
    g_ptr_array_steal_index_fast (bench->nodes, index);
  proc_reap (node, 10);
  proc_free (node);
  return node_start (bench, error);
}

/* Asks every node to quit, then hormiguero; kills what does not end. */
static void
bench_stop (Bench *bench)
{
  for (guint i = 0; i < bench->nodes->len; i++)
    {
      Proc *node = g_ptr_array_index (bench->nodes, i);

      if (!node->eof)
        g_subprocess_send_signal (node->process, SIGTERM);
    }
  for (guint i = 0; i < bench->nodes->len; i++)
    proc_reap (g_ptr_array_index (bench->nodes, i), 10);
  if (bench->server != NULL)
    {
      g_subprocess_send_signal (bench->server->process, SIGTERM);
      proc_reap (bench->server, 5);
    }
  g_ptr_array_set_size (bench->nodes, 0);
  g_clear_pointer (&bench->server, proc_free);
  if (bench->base_dir != NULL)
    hormiga_bench_remove_dir (bench->base_dir);
}

/* ---- rounds ------------------------------------------------------------------------------ */

/* What a round waits for: a line on one node, from line @from on. */
typedef struct
{
  Proc       *proc;
  guint       from;
  char       *prefix;
  const Line *line;
} Expect;

static void
expect_clear (gpointer data)
{
  g_free (((Expect *)data)->prefix);
}

static void
expect_add (GArray *expects, Proc *proc, guint from, const char *prefix)
{
  Expect expect = { proc, from, g_strdup (prefix), NULL };

  g_array_append_val (expects, expect);
}

static gboolean
all_seen (gpointer data)
{
  GArray  *expects = data;
  gboolean all = TRUE;

  for (guint i = 0; i < expects->len; i++)
    {
      Expect *expect = &g_array_index (expects, Expect, i);

      if (expect->line == NULL)
        expect->line = proc_find (expect->proc, expect->from, expect->prefix);
      all &= expect->line != NULL;
    }
  return all;
}

static GArray *
expects_new (void)
{
  GArray *expects = g_array_new (FALSE, FALSE, sizeof (Expect));

  g_array_set_clear_func (expects, expect_clear);
  return expects;
}

/* Picks a node that r owners or at least one count as a contingent in
 * sync; NULL if none does. */
static Proc *
pick_contingent (Bench *bench, GPtrArray **owners)
{
  guint n = bench->nodes->len;
  guint start = (guint)g_rand_int_range (bench->rand, 0, (gint32)n);

  for (guint i = 0; i < n; i++)
    {
      Proc *node = g_ptr_array_index (bench->nodes, (start + i) % n);
      g_autoptr (GPtrArray) found = owners_of (bench, node);

      if (found->len > 0)
        {
          *owners = g_steal_pointer (&found);
          return node;
        }
    }
  return NULL;
}

/* The baseline: a plain DHT store by a random node that is neither
 * @subject nor one of its @owners, so that no backup the round measures
 * changes. */
static void
baseline_put (Bench *bench, Proc *subject, GPtrArray *owners)
{
  g_autoptr (GPtrArray) others = g_ptr_array_new ();

  for (guint i = 0; i < bench->nodes->len; i++)
    {
      Proc *node = g_ptr_array_index (bench->nodes, i);

      if (node != subject && !g_ptr_array_find (owners, node, NULL))
        g_ptr_array_add (others, node);
    }
  if (others->len > 0)
    node_put (bench,
              g_ptr_array_index (others, g_rand_int_range (bench->rand, 0, (gint32)others->len)),
              "baseline", TRUE);
}

/* One graceful leave: SIGTERM to a contingent, the handoffs timed. */
static gboolean
handoff_round (Bench *bench, guint round, GError **error)
{
  g_autoptr (GPtrArray) owners = NULL;
  g_autoptr (GArray) expects = expects_new ();
  g_autoptr (GArray) repaired = expects_new ();
  g_autoptr (GArray) from = g_array_new (FALSE, FALSE, sizeof (guint));
  Proc    *leaving;
  gint64   signalled;
  gboolean complete;

  settle (bench);
  leaving = pick_contingent (bench, &owners);
  if (leaving == NULL)
    {
      g_printerr ("hormiga-bench contingency: round %u: no node is anyone's contingent in sync\n",
                  round);
      bench->rounds_failed++;
      return TRUE;
    }
  baseline_put (bench, leaving, owners);
  for (guint i = 0; i < bench->nodes->len; i++)
    {
      guint n_lines = ((Proc *)g_ptr_array_index (bench->nodes, i))->lines->len;

      g_array_append_val (from, n_lines);
    }
  for (guint i = 0; i < owners->len; i++)
    {
      Proc            *owner = g_ptr_array_index (owners, i);
      g_autofree char *replaced
          = g_strdup_printf ("contingency-replaced peer=%s ", leaving->peer_id);

      expect_add (expects, owner, owner->lines->len, replaced);
      expect_add (repaired, owner, owner->lines->len, "contingency-repaired ");
    }

  signalled = g_get_monotonic_time ();
  g_subprocess_send_signal (leaving->process, SIGTERM);
  /* Every owner is whole again at its `contingency-repaired`; its
   * `contingency-replaced` comes before, if at all. */
  complete = hormiga_bench_wait (all_seen, repaired, STEP_TIMEOUT_S);
  all_seen (expects);
  hormiga_bench_wait (proc_ended, leaving, 10);
  if (leaving->eof)
    append (bench->leave_ms, (leaving->eof_at - signalled) / 1000.0);

  for (guint i = 0; i < expects->len; i++)
    {
      Expect               *expect = &g_array_index (expects, Expect, i);
      Proc                 *owner = expect->proc;
      const msgpack_object *held = entry_for (leaving, "protected", owner->peer_id);
      g_autofree char *notice = g_strdup_printf ("contingency-leaving peer=%s", leaving->peer_id);
      const Line      *line;
      const char      *next, *end;
      Proc            *successor;
      gboolean         had;

      if ((line = g_array_index (repaired, Expect, i).line) != NULL)
        append (bench->handoff_repair_ms, (line->at - signalled) / 1000.0);
      if (expect->line == NULL)
        {
          g_printerr ("hormiga-bench contingency: round %u: %s did not say who replaced %s%s\n",
                      round, owner->name, leaving->name,
                      line != NULL ? "" : ", nor that it was whole again");
          if (bench->verbose || line == NULL)
            proc_dump (owner, expect->from);
          bench->not_replaced++;
          continue;
        }
      bench->replacements++;
      if ((line = proc_find (owner, expect->from, notice)) != NULL)
        append (bench->handoff_notice_ms, (line->at - signalled) / 1000.0);
      if (held != NULL)
        {
          append (bench->handoff_bytes, (double)u64_field (held, "bytes"));
          append (bench->handoff_blob_bytes, (double)u64_field (held, "blob_bytes"));
          append (bench->handoff_records, (double)u64_field (held, "records"));
        }

      /* C, the node B named, and step 3 there: when B's copy of A's
       * backup arrived. */
      next = strstr (expect->line->text, " next=");
      successor = NULL;
      if (next != NULL)
        {
          next += strlen (" next=");
          end = strchr (next, ' ');
          successor = node_by_peer (bench, next, end != NULL ? (gsize)(end - next) : strlen (next));
        }
      if (successor != NULL)
        {
          g_autofree char *received = g_strdup_printf ("contingency-handoff from=%s owner=%s",
                                                       leaving->peer_id, owner->peer_id);
          guint            successor_from = 0;

          g_ptr_array_find (bench->nodes, successor, &successor_from);
          if ((line = proc_find (successor, g_array_index (from, guint, successor_from), received))
              != NULL)
            append (bench->handoff_received_ms, (line->at - signalled) / 1000.0);
        }

      /* A handoff: C is new to A and holds what B handed it. Not one: A
       * pushed its backup itself (handoff=0), or B named a node A already
       * had (B's list of A's contingents, from A's last assign, was out of
       * date), which replaces nothing. */
      had = successor != NULL && entry_for (owner, "contingents", successor->peer_id) != NULL;
      if (had)
        bench->named_existing++;
      else if (g_str_has_suffix (expect->line->text, " handoff=1"))
        append (bench->handoff_ms, (expect->line->at - signalled) / 1000.0);
      if (bench->verbose)
        g_printerr ("hormiga-bench contingency: round %u: %s left; %s: %s after %.1f ms%s\n", round,
                    leaving->name, owner->name, expect->line->text,
                    (expect->line->at - signalled) / 1000.0,
                    had ? " (a contingent it had already)" : "");
    }
  if (!complete)
    bench->rounds_failed++;

  return replace_node (bench, leaving, error);
}

/* One crash: SIGKILL to a node, detection, repair and takeover timed. */
static gboolean
crash_round (Bench *bench, guint round, GError **error)
{
  g_autoptr (GPtrArray) owners = NULL;
  g_autoptr (GPtrArray) holders = NULL;
  g_autoptr (GArray) lost = expects_new ();
  g_autoptr (GArray) taken = expects_new ();
  g_autofree char *lost_prefix = NULL;
  g_autofree char *takeover_prefix = NULL;
  Proc            *victim;
  gint64           killed;
  gboolean         complete;

  settle (bench);
  victim = pick_contingent (bench, &owners);
  if (victim == NULL)
    {
      g_printerr ("hormiga-bench contingency: crash %u: no node is anyone's contingent in sync\n",
                  round);
      bench->rounds_failed++;
      return TRUE;
    }
  holders = contingents_of (bench, victim);
  lost_prefix = g_strdup_printf ("contingency-lost peer=%s", victim->peer_id);
  takeover_prefix = g_strdup_printf ("contingency-takeover owner=%s ", victim->peer_id);
  for (guint i = 0; i < owners->len; i++)
    {
      Proc *owner = g_ptr_array_index (owners, i);

      expect_add (lost, owner, owner->lines->len, lost_prefix);
    }
  for (guint i = 0; i < holders->len; i++)
    {
      Proc *holder = g_ptr_array_index (holders, i);

      expect_add (taken, holder, holder->lines->len, takeover_prefix);
    }

  killed = g_get_monotonic_time ();
  g_subprocess_force_exit (victim->process);
  complete = hormiga_bench_wait (all_seen, lost, STEP_TIMEOUT_S);
  complete &= hormiga_bench_wait (all_seen, taken, STEP_TIMEOUT_S);

  /* Each owner's repair: its next `contingency-repaired` after the loss. */
  {
    g_autoptr (GArray) repaired = expects_new ();

    for (guint i = 0; i < lost->len; i++)
      {
        Expect *expect = &g_array_index (lost, Expect, i);

        if (expect->line != NULL)
          expect_add (repaired, expect->proc, proc_index_of (expect->proc, expect->line) + 1,
                      "contingency-repaired ");
      }
    complete &= hormiga_bench_wait (all_seen, repaired, STEP_TIMEOUT_S);
    for (guint i = 0; i < repaired->len; i++)
      {
        Expect *expect = &g_array_index (repaired, Expect, i);

        if (expect->line != NULL)
          append (bench->crash_repair_ms, (expect->line->at - killed) / 1000.0);
      }
  }
  for (guint i = 0; i < lost->len; i++)
    {
      Expect *expect = &g_array_index (lost, Expect, i);

      if (expect->line != NULL)
        {
          append (bench->detect_ms, (expect->line->at - killed) / 1000.0);
          if (bench->verbose)
            proc_dump (expect->proc, expect->from);
        }
      else
        {
          g_printerr ("hormiga-bench contingency: crash %u: %s did not notice %s's crash\n", round,
                      expect->proc->name, victim->name);
          proc_dump (expect->proc, expect->from);
        }
    }
  for (guint i = 0; i < taken->len; i++)
    {
      Expect *expect = &g_array_index (taken, Expect, i);

      if (expect->line != NULL)
        append (bench->takeover_ms, (expect->line->at - killed) / 1000.0);
      else
        g_printerr ("hormiga-bench contingency: crash %u: %s did not take over %s\n", round,
                    expect->proc->name, victim->name);
    }
  if (bench->verbose)
    g_printerr ("hormiga-bench contingency: crash %u: %s killed; %u owners noticed, %u contingents "
                "took over\n",
                round, victim->name, owners->len, holders->len);
  if (!complete)
    bench->rounds_failed++;
  return replace_node (bench, victim, error);
}

/* ---- the benchmark --------------------------------------------------------------- */

static double
p (GArray *values, double share)
{
  return hormiga_bench_percentile (values, share);
}

int
hormiga_bench_contingency (int argc, char **argv)
{
  int    n_nodes = 8, rounds = 20, crashes = 5, r = 2, records = 3;
  double heartbeat = 0.5, detection = 2;
  gint64 seed = 0;
  g_autoptr (GOptionContext) options
      = g_option_context_new ("— contingency nodes between node processes: handoff and takeover");
  g_autoptr (GError) error = NULL;
  Bench        bench = { 0 };
  gint64       start = g_get_monotonic_time (), phase;
  int          status = 1;
  GOptionEntry entries[] = {
    { "nodes", 'n', 0, G_OPTION_ARG_INT, &n_nodes, "hormiga-node processes (default 8)", "N" },
    { "rounds", 'r', 0, G_OPTION_ARG_INT, &rounds, "Graceful leaves (default 20)", "R" },
    { "crashes", 'c', 0, G_OPTION_ARG_INT, &crashes, "Crashes (default 5)", "C" },
    { "contingents", 0, 0, G_OPTION_ARG_INT, &r, "The nodes' --contingents (default 2)", "R" },
    { "heartbeat", 0, 0, G_OPTION_ARG_DOUBLE, &heartbeat,
      "The nodes' --heartbeat in seconds (default 0.5; theirs is 5)", "S" },
    { "failure-detection", 0, 0, G_OPTION_ARG_DOUBLE, &detection,
      "The nodes' --failure-detection in seconds (default 2; theirs is 15)", "S" },
    { "records", 0, 0, G_OPTION_ARG_INT, &records, "Values each node puts (default 3)", "V" },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &bench.verbose, "Print every round on stderr", NULL },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, "Seed for the choices (default: random)", "S" },
    { NULL }
  };

  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error))
    {
      g_printerr ("hormiga-bench contingency: %s\n", error->message);
      return 2;
    }
  if (r < 1 || r > 8 || n_nodes < r + 2 || rounds < 0 || crashes < 0 || rounds + crashes < 1
      || records < 0 || records > 60 || heartbeat <= 0 || detection <= heartbeat)
    {
      g_printerr ("hormiga-bench contingency: --contingents takes 1 to 8, --nodes at least "
                  "--contingents + 2, --rounds and --crashes 0 or more (not both 0), --records 0 "
                  "to 60, --failure-detection more than --heartbeat\n");
      return 2;
    }
  if (seed == 0)
    seed = g_get_real_time ();
  /* A node that died must not take the bench with it when told something. */
  signal (SIGPIPE, SIG_IGN);

  bench.r = r;
  bench.records = records;
  bench.heartbeat = g_strdup_printf ("%g", heartbeat);
  bench.detection = g_strdup_printf ("%g", detection);
  bench.rand = g_rand_new_with_seed ((guint32)seed);
  bench.nodes = g_ptr_array_new_with_free_func ((GDestroyNotify)proc_free);
  bench.handoff_ms = g_array_new (FALSE, FALSE, sizeof (double));
  bench.handoff_notice_ms = g_array_new (FALSE, FALSE, sizeof (double));
  bench.handoff_received_ms = g_array_new (FALSE, FALSE, sizeof (double));
  bench.handoff_repair_ms = g_array_new (FALSE, FALSE, sizeof (double));
  bench.leave_ms = g_array_new (FALSE, FALSE, sizeof (double));
  bench.handoff_bytes = g_array_new (FALSE, FALSE, sizeof (double));
  bench.handoff_blob_bytes = g_array_new (FALSE, FALSE, sizeof (double));
  bench.handoff_records = g_array_new (FALSE, FALSE, sizeof (double));
  bench.detect_ms = g_array_new (FALSE, FALSE, sizeof (double));
  bench.crash_repair_ms = g_array_new (FALSE, FALSE, sizeof (double));
  bench.takeover_ms = g_array_new (FALSE, FALSE, sizeof (double));
  bench.settle_ms = g_array_new (FALSE, FALSE, sizeof (double));
  bench.put_ms = g_array_new (FALSE, FALSE, sizeof (double));
  bench.put_stored = g_array_new (FALSE, FALSE, sizeof (double));
  bench.node_program = hormiga_bench_find_hormiga_node ();
  if (bench.node_program == NULL)
    {
      g_printerr ("hormiga-bench contingency: cannot find hormiga-node; set HORMIGA_NODE\n");
      goto out;
    }
  bench.base_dir = g_dir_make_tmp ("hormiga-bench-contingency-XXXXXX", &error);
  if (bench.base_dir == NULL || !server_start (&bench, &error))
    {
      g_printerr ("hormiga-bench contingency: %s\n", error->message);
      goto out;
    }

  phase = g_get_monotonic_time ();
  for (int i = 0; i < n_nodes; i++)
    if (!node_start (&bench, &error))
      {
        g_printerr ("hormiga-bench contingency: %s\n", error->message);
        goto out;
      }
  if (!settle (&bench))
    goto out;
  g_printerr ("hormiga-bench contingency: %d nodes joined and settled in %.1f s\n", n_nodes,
              (g_get_monotonic_time () - phase) / (double)G_USEC_PER_SEC);

  phase = g_get_monotonic_time ();
  for (int i = 0; i < rounds; i++)
    if (!handoff_round (&bench, (guint)i, &error))
      {
        g_printerr ("hormiga-bench contingency: %s\n", error->message);
        goto out;
      }
  g_printerr ("hormiga-bench contingency: %d graceful leaves in %.1f s\n", rounds,
              (g_get_monotonic_time () - phase) / (double)G_USEC_PER_SEC);

  phase = g_get_monotonic_time ();
  for (int i = 0; i < crashes; i++)
    if (!crash_round (&bench, (guint)i, &error))
      {
        g_printerr ("hormiga-bench contingency: %s\n", error->message);
        goto out;
      }
  g_printerr ("hormiga-bench contingency: %d crashes in %.1f s\n", crashes,
              (g_get_monotonic_time () - phase) / (double)G_USEC_PER_SEC);

  {
    double handoff_p50 = p (bench.handoff_ms, 0.5);
    double put_p50 = p (bench.put_ms, 0.5);

    printf (
        "{\"bench\":\"contingency\",\"nodes\":%d,\"contingents\":%d,\"heartbeat_s\":%g,"
        "\"failure_detection_s\":%g,\"repair_interval_s\":%g,\"records_per_node\":%d,"
        "\"seed\":%" G_GINT64_FORMAT ",\"rounds\":%d,\"crashes\":%d,\"rounds_failed\":%u,"
        "\"rounds_unsettled\":%u,\"settle_ms_p50\":%.0f,"
        "\"replacements\":%u,\"not_replaced\":%u,\"handoffs\":%u,"
        "\"handoff_ms_p50\":%.1f,\"handoff_ms_p95\":%.1f,"
        "\"handoff_notice_ms_p50\":%.1f,\"handoff_received_ms_p50\":%.1f,"
        "\"handoff_repair_ms_p50\":%.1f,\"handoff_repair_ms_p95\":%.1f,"
        "\"handoff_share\":%.3f,\"named_existing_contingent\":%u,\"leave_ms_p50\":%.1f,\"leave_ms_"
        "p95\":%.1f,"
        "\"handoff_bytes_p50\":%.0f,\"handoff_bytes_max\":%.0f,"
        "\"handoff_blob_bytes_p50\":%.0f,\"handoff_records_p50\":%.0f,"
        "\"takeovers\":%u,\"takeover_ms_p50\":%.1f,\"takeover_ms_p95\":%.1f,"
        "\"detect_ms_p50\":%.1f,\"detect_ms_p95\":%.1f,"
        "\"crash_repair_ms_p50\":%.1f,\"crash_repair_ms_p95\":%.1f,\"wall_s\":%.1f,"
        "\"baseline\":{\"kind\":\"dht-put\",\"puts\":%u,\"ms_p50\":%.2f,"
        "\"ms_p95\":%.2f,\"stored_p50\":%.0f},\"handoff_to_put_ratio\":%.2f}\n",
        n_nodes, r, heartbeat, detection, 2 * detection, records, seed, rounds, crashes,
        bench.rounds_failed, bench.unsettled_rounds, p (bench.settle_ms, 0.5), bench.replacements,
        bench.not_replaced, bench.handoff_ms->len, handoff_p50, p (bench.handoff_ms, 0.95),
        p (bench.handoff_notice_ms, 0.5), p (bench.handoff_received_ms, 0.5),
        p (bench.handoff_repair_ms, 0.5), p (bench.handoff_repair_ms, 0.95),
        bench.replacements + bench.not_replaced > 0
            ? (double)bench.handoff_ms->len / (bench.replacements + bench.not_replaced)
            : 0.0,
        bench.named_existing, p (bench.leave_ms, 0.5), p (bench.leave_ms, 0.95),
        p (bench.handoff_bytes, 0.5), p (bench.handoff_bytes, 1.0),
        p (bench.handoff_blob_bytes, 0.5), p (bench.handoff_records, 0.5), bench.takeover_ms->len,
        p (bench.takeover_ms, 0.5), p (bench.takeover_ms, 0.95), p (bench.detect_ms, 0.5),
        p (bench.detect_ms, 0.95), p (bench.crash_repair_ms, 0.5), p (bench.crash_repair_ms, 0.95),
        (g_get_monotonic_time () - start) / (double)G_USEC_PER_SEC, bench.put_ms->len, put_p50,
        p (bench.put_ms, 0.95), p (bench.put_stored, 0.5),
        put_p50 > 0 ? handoff_p50 / put_p50 : 0.0);
    fflush (stdout);
  }
  status = 0;

out:
  bench_stop (&bench);
  g_ptr_array_unref (bench.nodes);
  g_rand_free (bench.rand);
  g_array_unref (bench.handoff_ms);
  g_array_unref (bench.handoff_notice_ms);
  g_array_unref (bench.handoff_received_ms);
  g_array_unref (bench.handoff_repair_ms);
  g_array_unref (bench.leave_ms);
  g_array_unref (bench.handoff_bytes);
  g_array_unref (bench.handoff_blob_bytes);
  g_array_unref (bench.handoff_records);
  g_array_unref (bench.detect_ms);
  g_array_unref (bench.crash_repair_ms);
  g_array_unref (bench.takeover_ms);
  g_array_unref (bench.settle_ms);
  g_array_unref (bench.put_ms);
  g_array_unref (bench.put_stored);
  g_free (bench.node_program);
  g_free (bench.url);
  g_free (bench.base_dir);
  g_free (bench.heartbeat);
  g_free (bench.detection);
  return status;
}
