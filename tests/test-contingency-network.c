/* test-contingency-network.c — contingency nodes between hormiga-node processes
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Real processes on loopback with one contingent each (r = 1, the thesis's
 * successor list), heartbeats every 0.5 s and a node silent for 2 s taken
 * for gone:
 *
 *   /contingency-network/thesis-leave  A → B → C; B leaves on SIGTERM: A
 *       hears (1) that B goes and (2) that C succeeds it, C receives A's
 *       backup from B (3), A's contingent is C (4), and C holds exactly
 *       what A holds (digests). What C holds of A's private state is
 *       ciphertext only A's key opens.
 *   /contingency-network/crash         B is SIGKILLed: A notices within
 *       the detection time, assigns C, and C takes B's records over.
 *   /contingency-network/restore       A is SIGKILLed, loses its library
 *       (what it shares) and starts again with the same identity: its
 *       contingent's copy is newer than A's own, A restores it and shares
 *       the same file again.
 */
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

#include "hormiga-contingency-error.h"
#include "hormiga-contingency.h"
#include "hormiga-control-client.h"
#include "hormiga-dht-key.h"
#include "hormiga-identity.h"
#include "hormiga-test-node.h"
#include "hormiga-test-server.h"

#define START_MS   30000
/* Joining, lookups and the first backups: generous for the sanitizer build. */
#define SETTLE_MS  60000

static const char * const node_options[] = {
  "--contingents", "1", "--heartbeat", "0.5", "--failure-detection", "2", NULL
};

/* ---- asking a node ------------------------------------------------------------------- */

static HormigaControlReply *
ask_contingency (HormigaTestNode *node)
{
  g_autofree char *socket = g_build_filename (hormiga_test_node_get_dir (node), "control.sock", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(HormigaControlClient) client = hormiga_control_client_connect (socket, 30, &error);
  g_autoptr(HormigaControlRequest) request = NULL;
  HormigaControlReply *reply;

  g_assert_no_error (error);
  request = hormiga_control_request_new (1, HORMIGA_CONTROL_OP_CONTINGENCY);
  reply = hormiga_control_client_call (client, request, &error);
  g_assert_no_error (error);
  g_assert_no_error (reply->error);
  g_assert_nonnull (reply->result);
  return reply;
}

static char *
text_field (const msgpack_object *map,
            const char           *key)
{
  const msgpack_object *value = hormiga_control_map_lookup (map, key);

  if (value == NULL || value->type != MSGPACK_OBJECT_STR)
    return NULL;
  return g_strndup (value->via.str.ptr, value->via.str.size);
}

static guint64
u64_field (const msgpack_object *map,
           const char           *key)
{
  const msgpack_object *value = hormiga_control_map_lookup (map, key);

  return value != NULL && value->type == MSGPACK_OBJECT_POSITIVE_INTEGER ? value->via.u64 : 0;
}

static gboolean
bool_field (const msgpack_object *map,
            const char           *key)
{
  const msgpack_object *value = hormiga_control_map_lookup (map, key);

  return value != NULL && value->type == MSGPACK_OBJECT_BOOLEAN && value->via.boolean;
}

/* The entry of @array (a field of @map) whose "peer" is @peer, or NULL. */
static const msgpack_object *
entry_for (const msgpack_object *map,
           const char           *array,
           const char           *peer)
{
  const msgpack_object *list = hormiga_control_map_lookup (map, array);

  if (list == NULL || list->type != MSGPACK_OBJECT_ARRAY)
    return NULL;
  for (guint32 i = 0; i < list->via.array.size; i++)
    {
      g_autofree char *id = text_field (&list->via.array.ptr[i], "peer");

      if (g_strcmp0 (id, peer) == 0)
        return &list->via.array.ptr[i];
    }
  return NULL;
}

/* ---- waiting ----------------------------------------------------------------------------- */

/* @owner's only contingent is @contingent, synced, and @contingent holds
 * @owner's backup with the same digest (and, if @with_blob, a blob). */
static gboolean
protects (HormigaTestNode *owner,
          HormigaTestNode *contingent,
          guint            min_records,
          gboolean         with_blob)
{
  g_autoptr(HormigaControlReply) mine = ask_contingency (owner);
  g_autoptr(HormigaControlReply) theirs = ask_contingency (contingent);
  const msgpack_object *contingents = hormiga_control_map_lookup (mine->result, "contingents");
  const msgpack_object *first, *held;
  g_autofree char *first_peer = NULL;
  g_autofree char *digest = text_field (mine->result, "digest");
  g_autofree char *held_digest = NULL;

  if (contingents == NULL || contingents->type != MSGPACK_OBJECT_ARRAY ||
      contingents->via.array.size != 1)
    return FALSE;
  first = &contingents->via.array.ptr[0];
  first_peer = text_field (first, "peer");
  if (g_strcmp0 (first_peer, hormiga_test_node_get_peer_id (contingent)) != 0 ||
      !bool_field (first, "synced") || u64_field (mine->result, "records") < min_records)
    return FALSE;
  held = entry_for (theirs->result, "protected", hormiga_test_node_get_peer_id (owner));
  if (held == NULL || (with_blob && !bool_field (held, "has_blob")))
    return FALSE;
  held_digest = text_field (held, "digest");
  return digest != NULL && g_strcmp0 (digest, held_digest) == 0;
}

static void
wait_protects (HormigaTestNode *owner,
               HormigaTestNode *contingent,
               guint            min_records,
               gboolean         with_blob)
{
  gint64 deadline = g_get_monotonic_time () + SETTLE_MS * 1000;

  while (!protects (owner, contingent, min_records, with_blob))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("%s never became the synced contingent of %s",
                 hormiga_test_node_get_peer_id (contingent), hormiga_test_node_get_peer_id (owner));
      hormiga_test_pause_ms (200);
    }
}

/* ---- the ring ------------------------------------------------------------------------------- */

/* Distance clockwise from @from to @to on the key ring, compared. */
static int
compare_clockwise (const HormigaDhtKey *origin,
                   const HormigaDhtKey *a,
                   const HormigaDhtKey *b)
{
  guint8 da[HORMIGA_DHT_KEY_SIZE], db[HORMIGA_DHT_KEY_SIZE];
  int borrow_a = 0, borrow_b = 0;

  for (int i = HORMIGA_DHT_KEY_SIZE - 1; i >= 0; i--)
    {
      int va = a->bytes[i] - origin->bytes[i] - borrow_a;
      int vb = b->bytes[i] - origin->bytes[i] - borrow_b;

      borrow_a = va < 0;
      borrow_b = vb < 0;
      da[i] = (guint8) (va + (borrow_a ? 256 : 0));
      db[i] = (guint8) (vb + (borrow_b ? 256 : 0));
    }
  return memcmp (da, db, HORMIGA_DHT_KEY_SIZE);
}

static void
key_of (HormigaTestNode *node,
        HormigaDhtKey   *key)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HormigaPeerId) peer = hormiga_peer_id_parse (hormiga_test_node_get_peer_id (node), &error);

  g_assert_no_error (error);
  hormiga_dht_key_from_peer_id (key, peer);
}

/* Three nodes, named so that A → B → C → A clockwise. */
static void
start_ring (const char       *url,
            HormigaTestNode **a,
            HormigaTestNode **b,
            HormigaTestNode **c)
{
  HormigaTestNode *nodes[3];
  HormigaDhtKey keys[3];

  for (guint i = 0; i < 3; i++)
    nodes[i] = hormiga_test_node_spawn_with (url, node_options);
  for (guint i = 0; i < 3; i++)
    {
      hormiga_test_node_expect (nodes[i], "peer-id ", START_MS);
      key_of (nodes[i], &keys[i]);
    }
  *a = nodes[0];
  if (compare_clockwise (&keys[0], &keys[1], &keys[2]) < 0)
    *b = nodes[1], *c = nodes[2];
  else
    *b = nodes[2], *c = nodes[1];
  for (guint i = 0; i < 3; i++)
    hormiga_test_node_expect (nodes[i], "dht-ready", START_MS);
}

/* ---- the private blob ------------------------------------------------------------------------ */

/* What @holder keeps of @owner's private state: ciphertext in which the
 * plaintext @secret does not appear, that @holder's key cannot open and
 * @owner's key opens to text holding @secret. */
static void
assert_blob_confidential (HormigaTestNode *holder,
                          HormigaTestNode *owner,
                          const char      *secret)
{
  g_autoptr(HormigaControlReply) reply = ask_contingency (holder);
  const msgpack_object *held = entry_for (reply->result, "protected", hormiga_test_node_get_peer_id (owner));
  const msgpack_object *blob;
  g_autoptr(GBytes) sealed = NULL;
  g_autoptr(GBytes) opened = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(HormigaIdentity) holder_key = NULL;
  g_autoptr(HormigaIdentity) owner_key = NULL;
  g_autofree char *text = NULL;

  g_assert_nonnull (held);
  blob = hormiga_control_map_lookup (held, "blob");
  g_assert_nonnull (blob);
  g_assert_cmpint (blob->type, ==, MSGPACK_OBJECT_BIN);
  g_assert_cmpuint (blob->via.bin.size, >, strlen (secret));
  g_assert_null (memmem (blob->via.bin.ptr, blob->via.bin.size, secret, strlen (secret)));
  sealed = g_bytes_new (blob->via.bin.ptr, blob->via.bin.size);

  holder_key = hormiga_identity_load_or_create (hormiga_test_node_get_dir (holder), &error);
  g_assert_no_error (error);
  opened = hormiga_contingency_open_private (holder_key, sealed, &error);
  g_assert_error (error, HORMIGA_CONTINGENCY_ERROR, HORMIGA_CONTINGENCY_ERROR_DECRYPT);
  g_assert_null (opened);
  g_clear_error (&error);

  owner_key = hormiga_identity_load_or_create (hormiga_test_node_get_dir (owner), &error);
  g_assert_no_error (error);
  opened = hormiga_contingency_open_private (owner_key, sealed, &error);
  g_assert_no_error (error);
  text = g_strndup (g_bytes_get_data (opened, NULL), g_bytes_get_size (opened));
  g_assert_nonnull (strstr (text, secret));
}

/* ---- tests ---------------------------------------------------------------------------------------- */

static gint
expect_after (HormigaTestNode *node,
              const char      *prefix,
              guint            from)
{
  gint64 deadline = g_get_monotonic_time () + SETTLE_MS * 1000;
  gint at;

  while ((at = hormiga_test_node_find_line (node, prefix, from)) < 0)
    {
      if (g_get_monotonic_time () > deadline)
        hormiga_test_node_expect (node, prefix, 0);   /* fails, with the node's output */
      hormiga_test_pause_ms (50);
    }
  return at;
}

static void
test_thesis_leave (void)
{
  HormigaTestServer *server = hormiga_test_server_start (NULL);
  const char *url = hormiga_test_server_get_url (server);
  HormigaTestNode *a, *b, *c;
  g_autofree char *secret = g_strdup_printf ("hormiga-secret-%08x", g_random_int ());
  g_autofree char *folder = NULL;
  g_autofree char *file = NULL;
  g_autofree char *line = NULL;
  g_autofree char *b_id = NULL;
  g_autofree char *c_id = NULL;
  g_autoptr(GError) error = NULL;
  gint leaving, successor, replaced;
  guint from;

  start_ring (url, &a, &b, &c);
  b_id = g_strdup (hormiga_test_node_get_peer_id (b));
  c_id = g_strdup (hormiga_test_node_get_peer_id (c));

  /* A's state: a value in the DHT, and a share whose local path is
   * private (it names the secret). */
  hormiga_test_node_say (a, "put greeting hola");
  hormiga_test_node_expect (a, "put greeting", SETTLE_MS);
  folder = g_build_filename (hormiga_test_node_get_dir (a), secret, NULL);
  g_assert_cmpint (g_mkdir (folder, 0700), ==, 0);
  file = g_build_filename (folder, "notes.txt", NULL);
  g_file_set_contents (file, "what A shares", -1, &error);
  g_assert_no_error (error);
  line = g_strdup_printf ("share %s", file);
  hormiga_test_node_say (a, line);
  hormiga_test_node_expect (a, "shared ", SETTLE_MS);

  /* A → B with everything: the peer record, the value, the provider
   * record, the blob. */
  wait_protects (a, b, 3, TRUE);
  assert_blob_confidential (b, a, secret);

  from = hormiga_test_node_get_n_lines (a);
  hormiga_test_node_terminate (b);

  {
    g_autofree char *p1 = g_strdup_printf ("contingency-leaving peer=%s", b_id);
    g_autofree char *p2 = g_strdup_printf ("contingency-successor peer=%s next=%s", b_id, c_id);
    g_autofree char *p3 = g_strdup_printf ("contingency-handoff from=%s owner=%s", b_id,
                                           hormiga_test_node_get_peer_id (a));
    g_autofree char *p4 = g_strdup_printf ("contingency-replaced peer=%s next=%s handoff=1", b_id, c_id);

    leaving = expect_after (a, p1, from);
    successor = expect_after (a, p2, from);
    expect_after (c, p3, 0);
    replaced = expect_after (a, p4, from);
    g_assert_cmpint (leaving, <, successor);
    g_assert_cmpint (successor, <, replaced);
  }
  /* (4): A → C, and C holds exactly A's backup, the blob still sealed. */
  wait_protects (a, c, 3, TRUE);
  assert_blob_confidential (c, a, secret);

  g_free (line);
  line = g_strdup_printf ("get %s greeting", hormiga_test_node_get_peer_id (a));
  hormiga_test_node_say (c, line);
  hormiga_test_node_expect (c, "got greeting value=hola", SETTLE_MS);

  hormiga_test_node_quit (a);
  hormiga_test_node_quit (c);
  hormiga_test_server_stop (server);
}

static void
test_crash (void)
{
  HormigaTestServer *server = hormiga_test_server_start (NULL);
  HormigaTestNode *a, *b, *c;
  g_autofree char *b_id = NULL;
  g_autofree char *lost = NULL;
  g_autofree char *takeover = NULL;
  gint64 killed_at, noticed_at, repaired_at;

  start_ring (hormiga_test_server_get_url (server), &a, &b, &c);
  b_id = g_strdup (hormiga_test_node_get_peer_id (b));
  hormiga_test_node_say (b, "put fate crashes");
  hormiga_test_node_expect (b, "put fate", SETTLE_MS);
  wait_protects (a, b, 1, FALSE);
  wait_protects (b, c, 2, FALSE);

  killed_at = g_get_monotonic_time ();
  hormiga_test_node_kill (b);

  lost = g_strdup_printf ("contingency-lost peer=%s", b_id);
  hormiga_test_node_expect (a, lost, SETTLE_MS);
  noticed_at = g_get_monotonic_time ();
  takeover = g_strdup_printf ("contingency-takeover owner=%s records=2", b_id);
  hormiga_test_node_expect (c, takeover, SETTLE_MS);
  wait_protects (a, c, 1, FALSE);
  repaired_at = g_get_monotonic_time ();
  g_test_message ("crash noticed after %.1f s, A -> C after %.1f s",
                  (noticed_at - killed_at) / 1e6, (repaired_at - killed_at) / 1e6);

  /* B's value is still there for anyone. */
  g_free (lost);
  lost = g_strdup_printf ("get %s fate", b_id);
  hormiga_test_node_say (a, lost);
  hormiga_test_node_expect (a, "got fate value=crashes", SETTLE_MS);

  hormiga_test_node_quit (a);
  hormiga_test_node_quit (c);
  hormiga_test_server_stop (server);
}

static gboolean
has_share_file (gpointer user_data)
{
  const char *library = user_data;
  g_autoptr(GDir) dir = g_dir_open (library, 0, NULL);
  const char *entry;

  while (dir != NULL && (entry = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (entry, ".share"))
      return TRUE;
  return FALSE;
}

static void
test_restore (void)
{
  HormigaTestServer *server = hormiga_test_server_start (NULL);
  const char *url = hormiga_test_server_get_url (server);
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("hormiga-test-restore-XXXXXX", &error);
  g_autofree char *files = NULL;
  g_autofree char *file = NULL;
  g_autofree char *line = NULL;
  g_autofree char *library = NULL;
  g_autofree char *a_id = NULL;
  g_autofree char *expected = NULL;
  HormigaTestNode *a, *b, *c, *holder = NULL;
  gint64 deadline;

  g_assert_no_error (error);
  a = hormiga_test_node_spawn_in (url, dir, node_options);
  b = hormiga_test_node_spawn_with (url, node_options);
  c = hormiga_test_node_spawn_with (url, node_options);
  hormiga_test_node_expect (a, "dht-ready", START_MS);
  hormiga_test_node_expect (b, "dht-ready", START_MS);
  hormiga_test_node_expect (c, "dht-ready", START_MS);
  a_id = g_strdup (hormiga_test_node_get_peer_id (a));

  files = g_build_filename (dir, "files", NULL);
  g_assert_cmpint (g_mkdir (files, 0700), ==, 0);
  file = g_build_filename (files, "kept.txt", NULL);
  g_file_set_contents (file, "A shares this, and shares it again after losing its library", -1, &error);
  g_assert_no_error (error);
  line = g_strdup_printf ("share %s", file);
  hormiga_test_node_say (a, line);
  hormiga_test_node_expect (a, "shared ", SETTLE_MS);

  /* A's contingent, whichever it is, holds the share in A's blob. */
  deadline = g_get_monotonic_time () + SETTLE_MS * 1000;
  while (holder == NULL)
    {
      if (protects (a, b, 2, TRUE))
        holder = b;
      else if (protects (a, c, 2, TRUE))
        holder = c;
      else if (g_get_monotonic_time () > deadline)
        g_error ("no contingent of A ever held its blob");
      else
        hormiga_test_pause_ms (200);
    }

  hormiga_test_node_kill (a);
  library = g_build_filename (dir, "library", NULL);
  hormiga_test_remove_tree (library);
  g_assert_false (g_file_test (library, G_FILE_TEST_EXISTS));

  a = hormiga_test_node_spawn_in (url, dir, node_options);
  hormiga_test_node_expect (a, "peer-id ", START_MS);
  g_assert_cmpstr (hormiga_test_node_get_peer_id (a), ==, a_id);
  expected = g_strdup_printf ("contingency-restored from=%s", hormiga_test_node_get_peer_id (holder));
  hormiga_test_node_expect (a, expected, SETTLE_MS);
  {
    const char *restored = hormiga_test_node_get_line (a, expected, 0);
    const char *blob = strstr (restored, " blob=");

    g_assert_nonnull (blob);
    g_assert_cmpuint (g_ascii_strtoull (blob + strlen (" blob="), NULL, 10), >, 0);
  }
  hormiga_test_node_expect (a, "contingency-reshared hormiga:", SETTLE_MS);
  /* The library's entry is written by the transfer manager's disk thread,
   * after the share is announced. */
  if (!hormiga_test_wait_until (has_share_file, library, SETTLE_MS))
    g_error ("A's library never remembered the share again");

  hormiga_test_node_quit (a);
  hormiga_test_node_quit (b);
  hormiga_test_node_quit (c);
  hormiga_test_server_stop (server);
  hormiga_test_remove_tree (dir);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* A node that died makes writing to it fail the test with its output,
   * not kill the test silently. */
  signal (SIGPIPE, SIG_IGN);

  g_test_add_func ("/contingency-network/thesis-leave", test_thesis_leave);
  g_test_add_func ("/contingency-network/crash", test_crash);
  g_test_add_func ("/contingency-network/restore", test_restore);

  return g_test_run ();
}
