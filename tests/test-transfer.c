/* test-transfer.c — sharing files between nodes, in one process
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Real HormigaNodes on one main context, joined through a real hormiguero,
 * each with a HormigaTransferManager: files of every awkward size cross
 * byte for byte; three providers all serve one downloader; a provider that
 * sends corrupt chunks (a node of the test's own, speaking the files
 * protocol) is caught and the file still comes out right; a manifest with
 * a hostile name cannot write outside the download folder; a download
 * stopped half way resumes without fetching again what it had, and so does
 * a folder's; an offered file is accepted and arrives; of an offered
 * folder, only the files chosen are written; two nodes with more than one
 * connection between them, each taking a different one as its newest,
 * still hear each other; with an upload limit, the bytes served over any
 * window stay within the limit and one burst, also across a change of the
 * limit, and the file still arrives whole.
 */
#include <glib/gstdio.h>
#include <sodium.h>
#include <string.h>

#include "hormiga-certificate.h"
#include "hormiga-content-hasher.h"
#include "hormiga-link.h"
#include "hormiga-share-message.h"
#include "hormiga-test-server.h"
#include "hormiga-transfer-manager.h"

#define STEP_TIMEOUT_MS 120000

typedef struct
{
  HormigaNode            *node;
  HormigaTransferManager *manager;
  char                   *dir;
  guint                   ready;
} Peer;

static gboolean
is_ready (gpointer data)
{
  return ((Peer *) data)->ready > 0;
}

static void
on_dht_ready (HormigaNode *node,
              guint        contacts,
              gpointer     user_data)
{
  ((Peer *) user_data)->ready++;
}

/* With @manager, a transfer manager; without, only the files channel (for
 * a provider of the test's own). */
static void on_liar_channel (HormigaNode        *node,
                             HormigaPeerId      *peer,
                             HormigaDataChannel *channel,
                             gpointer            user_data);

/* @liar: (nullable): with it, the files channel is served by the test's
 * own provider, from the first connection on. */
static void
peer_start_full (Peer       *peer,
                 const char *url,
                 gboolean    manager,
                 gpointer    liar)
{
  g_autoptr(HormigaIdentity) identity = hormiga_identity_generate ();
  g_autoptr(GError) error = NULL;

  peer->dir = g_dir_make_tmp ("hormiga-transfer-XXXXXX", &error);
  g_assert_no_error (error);
  peer->node = hormiga_node_new (identity, url, NULL, NULL, &error);
  g_assert_no_error (error);
  hormiga_node_set_local_address (peer->node, "127.0.0.1");
  if (manager)
    peer->manager = hormiga_transfer_manager_new (peer->node, peer->dir, NULL);
  else
    hormiga_node_add_channel (peer->node, HORMIGA_SHARE_CHANNEL_ID, HORMIGA_SHARE_CHANNEL_LABEL);
  if (liar != NULL)
    g_signal_connect (peer->node, "channel-open", G_CALLBACK (on_liar_channel), liar);
  g_signal_connect (peer->node, "dht-ready", G_CALLBACK (on_dht_ready), peer);
  hormiga_node_start (peer->node);
  g_assert_true (hormiga_test_wait_until (is_ready, peer, 30000));
}

static void
peer_start (Peer       *peer,
            const char *url,
            gboolean    manager)
{
  peer_start_full (peer, url, manager, NULL);
}

static void
peer_stop (Peer *peer)
{
  if (peer->manager != NULL)
    {
      hormiga_transfer_manager_shutdown (peer->manager);
      g_clear_object (&peer->manager);
    }
  hormiga_node_stop (peer->node);
  for (guint i = 0; i < 100; i++)
    g_main_context_iteration (NULL, FALSE);
  g_assert_finalize_object (peer->node);
  hormiga_test_remove_tree (peer->dir);
  g_free (peer->dir);
}

/* ---- files ---------------------------------------------------------------------- */

static char *
make_file (const char *dir,
           const char *name,
           gsize       size)
{
  g_autofree guint8 *data = g_malloc (MAX (size, 1));
  char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  randombytes_buf (data, size);
  g_file_set_contents (path, (const char *) data, (gssize) size, &error);
  g_assert_no_error (error);
  return path;
}

static char *
file_digest (const char *path)
{
  g_autoptr(GMappedFile) mapped = g_mapped_file_new (path, FALSE, NULL);

  g_assert_nonnull (mapped);
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256,
                                      (const guchar *) (g_mapped_file_get_contents (mapped)
                                                        ? g_mapped_file_get_contents (mapped) : ""),
                                      g_mapped_file_get_length (mapped));
}

typedef struct
{
  char   *link;
  GError *error;
  gboolean done;
} Shared;

static void
on_shared (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  Shared *shared = user_data;

  shared->link = hormiga_transfer_manager_share_finish (HORMIGA_TRANSFER_MANAGER (object), result,
                                                        &shared->error);
  shared->done = TRUE;
}

static gboolean
shared_done (gpointer data)
{
  return ((Shared *) data)->done;
}

static char *
share (Peer       *peer,
       const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  Shared shared = { 0 };

  hormiga_transfer_manager_share_async (peer->manager, file, NULL, on_shared, &shared);
  g_assert_true (hormiga_test_wait_until (shared_done, &shared, 30000));
  g_assert_no_error (shared.error);
  g_assert_true (g_str_has_prefix (shared.link, "hormiga:"));
  return shared.link;
}

static gboolean
transfer_over (gpointer data)
{
  HormigaTransferState state = hormiga_transfer_get_state (data);

  return state == HORMIGA_TRANSFER_DONE || state == HORMIGA_TRANSFER_FAILED ||
         state == HORMIGA_TRANSFER_CANCELLED;
}

/* Downloads @link at @peer and checks the file against @original. */
static HormigaTransfer *
download_and_check (Peer       *peer,
                    const char *link,
                    const char *original)
{
  g_autoptr(GError) error = NULL;
  HormigaTransfer *transfer = hormiga_transfer_manager_download (peer->manager, link, NULL, &error);
  g_autofree char *want = file_digest (original);
  g_autofree char *got = NULL;

  g_assert_no_error (error);
  g_assert_true (hormiga_test_wait_until (transfer_over, transfer, STEP_TIMEOUT_MS));
  if (hormiga_transfer_get_state (transfer) != HORMIGA_TRANSFER_DONE)
    g_error ("the download of %s failed: %s", link, hormiga_transfer_get_error (transfer));
  g_assert_true (g_str_has_prefix (hormiga_transfer_get_path (transfer), peer->dir));
  got = file_digest (hormiga_transfer_get_path (transfer));
  g_assert_cmpstr (got, ==, want);
  return transfer;
}

/* ---- sizes ---------------------------------------------------------------------- */

static void
test_sizes (void)
{
  HormigaTestServer *server = hormiga_test_server_start (NULL);
  Peer a = { 0 }, b = { 0 };
  const gsize sizes[] = { 0, 1, HORMIGA_CONTENT_CHUNK_SIZE, HORMIGA_CONTENT_CHUNK_SIZE + 1,
                          3 * 1024 * 1024 + 17 };

  peer_start (&a, hormiga_test_server_get_url (server), TRUE);
  peer_start (&b, hormiga_test_server_get_url (server), TRUE);
  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autofree char *name = g_strdup_printf ("file-%" G_GSIZE_FORMAT ".bin", sizes[i]);
      g_autofree char *path = make_file (a.dir, name, sizes[i]);
      g_autofree char *link = share (&a, path);
      HormigaTransfer *transfer = download_and_check (&b, link, path);
      g_autofree char *base = g_path_get_basename (hormiga_transfer_get_path (transfer));

      g_test_message ("%" G_GSIZE_FORMAT " bytes: %s", sizes[i], link);
      g_assert_cmpstr (base, ==, name);
      g_assert_cmpuint (hormiga_transfer_get_received (transfer), ==, sizes[i]);
      g_assert_cmpuint (hormiga_transfer_get_size (transfer), ==, sizes[i]);
    }
  /* A finished download is shared in turn. */
  g_assert_cmpuint (hormiga_transfer_manager_get_n_shares (b.manager), ==, G_N_ELEMENTS (sizes));
  g_assert_cmpuint (hormiga_transfer_manager_get_bytes_served (a.manager), >,
                    3 * 1024 * 1024 + 2 * HORMIGA_CONTENT_CHUNK_SIZE);
  peer_stop (&a);
  peer_stop (&b);
  hormiga_test_server_stop (server);
}

/* ---- more than one connection ------------------------------------------------------------- */

/* An in-process connection between two nodes' identities, beside the
 * nodes' own, with the files channel on it. */
typedef struct
{
  HormigaPeerConnection *pc[2];
  HormigaDataChannel    *channel[2];
} Extra;

static void
on_extra_candidate (HormigaPeerConnection *pc,
                    const char            *candidate,
                    gpointer               other)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (hormiga_peer_connection_add_remote_candidate (other, candidate, &error));
  g_assert_no_error (error);
}

static void
on_extra_gathered (HormigaPeerConnection *pc,
                   gpointer               other)
{
  hormiga_peer_connection_remote_end_of_candidates (other);
}

static gboolean
extra_open (gpointer data)
{
  Extra *extra = data;

  return extra->channel[0] != NULL &&
         hormiga_data_channel_get_state (extra->channel[0]) == HORMIGA_DATA_CHANNEL_OPEN &&
         hormiga_data_channel_get_state (extra->channel[1]) == HORMIGA_DATA_CHANNEL_OPEN;
}

static gboolean
extra_connected (gpointer data)
{
  Extra *extra = data;

  return hormiga_peer_connection_get_state (extra->pc[0]) == HORMIGA_PEER_CONNECTION_CONNECTED &&
         hormiga_peer_connection_get_state (extra->pc[1]) == HORMIGA_PEER_CONNECTION_CONNECTED;
}

static void
extra_connect (Extra *extra,
               Peer  *a,
               Peer  *b)
{
  Peer *peers[2] = { a, b };
  HormigaDataChannelOptions options = HORMIGA_DATA_CHANNEL_OPTIONS_INIT;
  g_autoptr(GError) error = NULL;
  g_autofree char *offer = NULL;
  g_autofree char *answer = NULL;

  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(HormigaCertificate) certificate = hormiga_certificate_generate (&error);

      g_assert_no_error (error);
      extra->pc[i] = hormiga_peer_connection_new (NULL, certificate,
                                                  hormiga_node_get_identity (peers[i]->node));
      g_assert_true (hormiga_ice_transport_add_local_address (
                       hormiga_peer_connection_get_ice (extra->pc[i]), "127.0.0.1", &error));
    }
  for (guint i = 0; i < 2; i++)
    {
      g_signal_connect (extra->pc[i], "local-candidate", G_CALLBACK (on_extra_candidate),
                        extra->pc[1 - i]);
      g_signal_connect (extra->pc[i], "gathering-done", G_CALLBACK (on_extra_gathered),
                        extra->pc[1 - i]);
    }
  offer = hormiga_peer_connection_create_offer (extra->pc[0], &error);
  g_assert_no_error (error);
  g_assert_true (hormiga_peer_connection_set_remote_description (extra->pc[1], HORMIGA_SDP_OFFER,
                                                                 offer, &error));
  answer = hormiga_peer_connection_create_answer (extra->pc[1], &error);
  g_assert_no_error (error);
  g_assert_true (hormiga_peer_connection_set_remote_description (extra->pc[0], HORMIGA_SDP_ANSWER,
                                                                 answer, &error));
  g_assert_true (hormiga_test_wait_until (extra_connected, extra, 30000));
  options.negotiated = TRUE;
  options.id = HORMIGA_SHARE_CHANNEL_ID;
  for (guint i = 0; i < 2; i++)
    {
      extra->channel[i] = hormiga_peer_connection_create_data_channel (
                            extra->pc[i], HORMIGA_SHARE_CHANNEL_LABEL, &options, &error);
      g_assert_no_error (error);
    }
  g_assert_true (hormiga_test_wait_until (extra_open, extra, 30000));
}

static void
extra_close (Extra *extra)
{
  for (guint i = 0; i < 2; i++)
    {
      g_signal_handlers_disconnect_by_data (extra->pc[i], extra->pc[1 - i]);
      g_clear_object (&extra->channel[i]);
    }
  for (guint i = 0; i < 2; i++)
    {
      hormiga_peer_connection_close (extra->pc[i]);
      g_clear_object (&extra->pc[i]);
    }
}

static void
on_connected (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (hormiga_node_connect_finish (HORMIGA_NODE (object), result, &error));
  g_assert_no_error (error);
  *(gboolean *) user_data = TRUE;
}

static gboolean
is_true (gpointer data)
{
  return *(gboolean *) data;
}

/* Two nodes that connect to each other at the same moment get two
 * connections, and each may take a different one as its newest. Here a
 * hears of connection 1 and then 2, b of 2 and then 1: each sends on the
 * one the other heard of first. Files still cross both ways; and when
 * those connections close, the nodes' own one carries on. */
static void
test_two_connections (void)
{
  HormigaTestServer *server = hormiga_test_server_start (NULL);
  Peer a = { 0 }, b = { 0 };
  Extra one = { 0 }, two = { 0 };
  HormigaPeerId *a_id, *b_id;
  gboolean connected = FALSE;

  peer_start (&a, hormiga_test_server_get_url (server), TRUE);
  peer_start (&b, hormiga_test_server_get_url (server), TRUE);
  a_id = hormiga_identity_get_peer_id (hormiga_node_get_identity (a.node));
  b_id = hormiga_identity_get_peer_id (hormiga_node_get_identity (b.node));
  /* The nodes' own connection first, so that it is the oldest on both. */
  hormiga_node_connect_async (a.node, b_id, NULL, on_connected, &connected);
  g_assert_true (hormiga_test_wait_until (is_true, &connected, 30000));
  extra_connect (&one, &a, &b);
  extra_connect (&two, &a, &b);
  g_signal_emit_by_name (a.node, "channel-open", b_id, one.channel[0]);
  g_signal_emit_by_name (a.node, "channel-open", b_id, two.channel[0]);
  g_signal_emit_by_name (b.node, "channel-open", a_id, two.channel[1]);
  g_signal_emit_by_name (b.node, "channel-open", a_id, one.channel[1]);

  for (guint round = 0; round < 2; round++)
    {
      g_autofree char *name_a = g_strdup_printf ("from-a-%u.bin", round);
      g_autofree char *name_b = g_strdup_printf ("from-b-%u.bin", round);
      g_autofree char *path_a = make_file (a.dir, name_a, 2 * HORMIGA_CONTENT_CHUNK_SIZE + 5);
      g_autofree char *path_b = make_file (b.dir, name_b, HORMIGA_CONTENT_CHUNK_SIZE + 9);
      g_autofree char *link_a = share (&a, path_a);
      g_autofree char *link_b = share (&b, path_b);

      download_and_check (&b, link_a, path_a);
      download_and_check (&a, link_b, path_b);
      if (round == 0)
        {
          /* Each node's newest closes first, then the other extra one. */
          g_signal_emit_by_name (a.node, "channel-closed", b_id, two.channel[0]);
          g_signal_emit_by_name (b.node, "channel-closed", a_id, one.channel[1]);
          g_signal_emit_by_name (a.node, "channel-closed", b_id, one.channel[0]);
          g_signal_emit_by_name (b.node, "channel-closed", a_id, two.channel[1]);
          extra_close (&one);
          extra_close (&two);
        }
    }
  peer_stop (&a);
  peer_stop (&b);
  hormiga_test_server_stop (server);
}

/* ---- the upload limit -------------------------------------------------------------- */

#define LIMIT_BEFORE_KIB 1024
#define LIMIT_AFTER_KIB  384
#define LIMIT_CHANGE_AT  (512 * 1024)

typedef struct
{
  gint64  at;
  guint64 served;
} Sample;

typedef struct
{
  HormigaTransferManager *uploader;
  HormigaTransfer        *transfer;
  GArray                 *samples;
  guint                   changed_at;   /* index of the sample taken when the limit changed */
} Pacing;

/* Every main loop iteration: how much the uploader has served by now. The
 * manager sends on this thread, so no chunk leaves between reading the
 * clock and reading the counter. */
static gboolean
sample_until_over (gpointer data)
{
  Pacing *pacing = data;
  Sample sample = { g_get_monotonic_time (),
                    hormiga_transfer_manager_get_bytes_served (pacing->uploader) };

  g_array_append_val (pacing->samples, sample);
  if (pacing->changed_at == 0 && sample.served >= LIMIT_CHANGE_AT)
    {
      pacing->changed_at = pacing->samples->len - 1;
      hormiga_transfer_manager_set_upload_limit (pacing->uploader, LIMIT_AFTER_KIB);
    }
  return pacing->transfer == NULL || transfer_over (pacing->transfer);
}

/* Over every window between two samples of [@from, @to], at most
 * @kib_per_s × the window + one burst left. */
static void
check_windows (GArray *samples,
               guint   from,
               guint   to,
               guint   kib_per_s)
{
  double worst = -G_MAXDOUBLE;

  for (guint i = from; i <= to; i++)
    for (guint j = i + 1; j <= to; j++)
      {
        const Sample *a = &g_array_index (samples, Sample, i);
        const Sample *b = &g_array_index (samples, Sample, j);
        double allowed = (double) kib_per_s * 1024 * (double) (b->at - a->at) / G_USEC_PER_SEC
                         + HORMIGA_TRANSFER_UPLOAD_BURST;

        worst = MAX (worst, (double) (b->served - a->served) - allowed);
        if ((double) (b->served - a->served) > allowed)
          g_error ("%" G_GUINT64_FORMAT " bytes served in %.3f s at %u KiB/s; at most %.0f "
                   "may", b->served - a->served, (double) (b->at - a->at) / G_USEC_PER_SEC,
                   kib_per_s, allowed);
      }
  g_test_message ("%u samples at %u KiB/s: the closest window was %.0f bytes under its bound",
                  to - from + 1, kib_per_s, -worst);
}

static void
test_upload_limit (void)
{
  HormigaTestServer *server = hormiga_test_server_start (NULL);
  Peer a = { 0 }, b = { 0 };
  g_autofree char *path = NULL;
  g_autofree char *link = NULL;
  g_autofree char *want = NULL;
  g_autofree char *got = NULL;
  g_autoptr(GError) error = NULL;
  Pacing pacing = { 0 };
  const Sample *last;
  const gsize size = 6 * HORMIGA_CONTENT_CHUNK_SIZE;

  peer_start (&a, hormiga_test_server_get_url (server), TRUE);
  peer_start (&b, hormiga_test_server_get_url (server), TRUE);
  hormiga_transfer_manager_set_upload_limit (a.manager, LIMIT_BEFORE_KIB);
  g_assert_cmpuint (hormiga_transfer_manager_get_upload_limit (a.manager), ==, LIMIT_BEFORE_KIB);
  path = make_file (a.dir, "limited.bin", size);
  link = share (&a, path);

  pacing.uploader = a.manager;
  pacing.samples = g_array_new (FALSE, FALSE, sizeof (Sample));
  pacing.transfer = hormiga_transfer_manager_download (b.manager, link, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (hormiga_test_wait_until (sample_until_over, &pacing, STEP_TIMEOUT_MS));
  g_assert_cmpint (hormiga_transfer_get_state (pacing.transfer), ==, HORMIGA_TRANSFER_DONE);
  want = file_digest (path);
  got = file_digest (hormiga_transfer_get_path (pacing.transfer));
  g_assert_cmpstr (got, ==, want);

  /* The limit changed part way, and what was served after the change
   * counts against the new limit from that moment on. */
  last = &g_array_index (pacing.samples, Sample, pacing.samples->len - 1);
  g_assert_cmpuint (pacing.changed_at, >, 0);
  g_assert_cmpuint (last->served, >=, size);
  g_assert_cmpuint (last->served - g_array_index (pacing.samples, Sample, pacing.changed_at).served,
                    >, 2 * HORMIGA_TRANSFER_UPLOAD_BURST);
  check_windows (pacing.samples, 0, pacing.changed_at, LIMIT_BEFORE_KIB);
  check_windows (pacing.samples, pacing.changed_at, pacing.samples->len - 1, LIMIT_AFTER_KIB);

  g_array_unref (pacing.samples);
  peer_stop (&a);
  peer_stop (&b);
  hormiga_test_server_stop (server);
}

/* ---- several providers -------------------------------------------------------------------- */

static void
test_three_providers (void)
{
  HormigaTestServer *server = hormiga_test_server_start (NULL);
  Peer providers[3] = { { 0 } }, downloader = { 0 };
  g_autofree char *original = NULL;
  g_autofree char *link = NULL;
  g_autoptr(GPtrArray) sources = NULL;
  HormigaTransfer *transfer;
  guint serving = 0;

  for (guint i = 0; i < 3; i++)
    {
      peer_start (&providers[i], hormiga_test_server_get_url (server), TRUE);
      if (i == 0)
        original = make_file (providers[0].dir, "shared.bin", 24 * 1024 * 1024);
      else
        {
          g_autofree char *copy = g_build_filename (providers[i].dir, "shared.bin", NULL);
          g_autoptr(GFile) from = g_file_new_for_path (original);
          g_autoptr(GFile) to = g_file_new_for_path (copy);

          g_assert_true (g_file_copy (from, to, G_FILE_COPY_NONE, NULL, NULL, NULL, NULL));
        }
      {
        g_autofree char *path = g_build_filename (providers[i].dir, "shared.bin", NULL);
        g_autofree char *got = share (&providers[i], path);

        if (link == NULL)
          link = g_strdup (got);
        g_assert_cmpstr (got, ==, link);
      }
    }
  peer_start (&downloader, hormiga_test_server_get_url (server), TRUE);
  transfer = download_and_check (&downloader, link, original);

  sources = hormiga_transfer_list_sources (transfer);
  for (guint i = 0; i < sources->len; i++)
    {
      HormigaTransferSource *source = g_ptr_array_index (sources, i);

      g_test_message ("source %s: %" G_GUINT64_FORMAT " chunks, %" G_GUINT64_FORMAT " bytes",
                      hormiga_peer_id_to_string (source->peer), source->chunks, source->bytes);
      serving += source->chunks > 0;
      g_assert_cmpuint (source->bad_chunks, ==, 0);
    }
  g_assert_cmpuint (serving, ==, 3);
  for (guint i = 0; i < 3; i++)
    peer_stop (&providers[i]);
  peer_stop (&downloader);
  hormiga_test_server_stop (server);
}

/* ---- a liar ---------------------------------------------------------------------------------- */

typedef struct
{
  HormigaManifest *manifest;
  GBytes          *encoded;
  char            *path;
  gboolean         honest;
  guint            lies;
} Liar;

/* Serves the real manifest, and every chunk with one bit flipped (unless
 * honest). */
static void
on_liar_message (HormigaDataChannel *channel,
                 GBytes             *data,
                 gboolean            is_text,
                 gpointer            user_data)
{
  Liar *liar = user_data;
  g_autoptr(HormigaShareMessage) request = hormiga_share_message_decode (data, NULL);
  g_autoptr(HormigaShareMessage) response = NULL;
  g_autoptr(GBytes) bytes = NULL;

  if (request == NULL)
    return;
  switch (request->type)
    {
    case HORMIGA_SHARE_MESSAGE_WANT:
      response = hormiga_share_message_new (HORMIGA_SHARE_MESSAGE_HAVE, request->id);
      response->cid = request->cid;
      response->state = HORMIGA_SHARE_HAVE_ALL;
      response->msize = g_bytes_get_size (liar->encoded);
      break;
    case HORMIGA_SHARE_MESSAGE_GET_MANIFEST:
      response = hormiga_share_message_new (HORMIGA_SHARE_MESSAGE_MANIFEST, request->id);
      response->cid = request->cid;
      response->offset = request->offset;
      response->total = g_bytes_get_size (liar->encoded);
      response->data = g_bytes_new_from_bytes (liar->encoded, request->offset,
                                               MIN (request->length,
                                                    response->total - request->offset));
      break;
    case HORMIGA_SHARE_MESSAGE_GET_CHUNK:
      {
        g_autoptr(GMappedFile) mapped = g_mapped_file_new (liar->path, FALSE, NULL);
        guint32 length = hormiga_manifest_get_chunk_length (liar->manifest, request->index);
        guint8 *chunk = g_memdup2 (g_mapped_file_get_contents (mapped) +
                                   (gsize) request->index * liar->manifest->chunk_size, length);

        if (!liar->honest)
          {
            chunk[length / 2] ^= 0x40;
            liar->lies++;
          }
        response = hormiga_share_message_new (HORMIGA_SHARE_MESSAGE_CHUNK, request->id);
        response->cid = request->cid;
        response->index = request->index;
        response->data = g_bytes_new_take (chunk, length);
      }
      break;
    default:
      return;
    }
  bytes = hormiga_share_message_encode (response);
  hormiga_data_channel_send (channel, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), NULL);
}

static void
on_liar_channel (HormigaNode        *node,
                 HormigaPeerId      *peer,
                 HormigaDataChannel *channel,
                 gpointer            user_data)
{
  g_signal_connect (channel, "message", G_CALLBACK (on_liar_message), user_data);
}

static void
on_provided (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  gboolean *done = user_data;

  g_assert_cmpuint (hormiga_node_provide_finish (HORMIGA_NODE (object), result, NULL), >=, 1);
  *done = TRUE;
}

/* A provider of the test's own that lies about the chunks; optionally with
 * a manifest of @name. Returns the link. */
static char *
liar_start (Peer       *peer,
            Liar       *liar,
            const char *url,
            const char *path,
            const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GMappedFile) mapped = g_mapped_file_new (path, FALSE, &error);
  g_autoptr(HormigaContentHasher) hasher = hormiga_content_hasher_new (HORMIGA_CONTENT_CHUNK_SIZE);
  g_autoptr(GBytes) hashes = NULL;
  g_autoptr(HormigaLink) link = NULL;
  HormigaContentId cid;
  HormigaDhtKey key;
  gboolean provided = FALSE;

  g_assert_no_error (error);
  hormiga_content_hasher_update (hasher, (const guint8 *) g_mapped_file_get_contents (mapped),
                                 g_mapped_file_get_length (mapped));
  hashes = hormiga_content_hasher_finish (hasher, &cid);
  liar->manifest = hormiga_manifest_new_file (name, g_mapped_file_get_length (mapped),
                                              HORMIGA_CONTENT_CHUNK_SIZE, hashes, NULL);
  liar->encoded = hormiga_manifest_encode (liar->manifest);
  liar->path = g_strdup (path);

  peer_start_full (peer, url, FALSE, liar);
  memcpy (key.bytes, cid.bytes, sizeof key.bytes);
  hormiga_node_provide_async (peer->node, &key, NULL, on_provided, &provided);
  g_assert_true (hormiga_test_wait_until (is_true, &provided, 30000));
  link = hormiga_link_new_for_manifest (liar->manifest);
  return hormiga_link_to_string (link);
}

static void
liar_clear (Liar *liar)
{
  hormiga_manifest_free (liar->manifest);
  g_bytes_unref (liar->encoded);
  g_free (liar->path);
}

static void
test_corrupt_provider (void)
{
  HormigaTestServer *server = hormiga_test_server_start (NULL);
  Peer honest = { 0 }, bad = { 0 }, downloader = { 0 };
  Liar liar = { 0 };
  g_autofree char *original = NULL;
  g_autofree char *link = NULL;
  g_autofree char *honest_link = NULL;
  g_autoptr(GPtrArray) sources = NULL;
  HormigaTransfer *transfer;
  guint banned = 0;

  /* The liar comes first, so the downloader knows of it from the start. */
  {
    g_autofree char *dir = g_dir_make_tmp ("hormiga-liar-XXXXXX", NULL);

    original = make_file (dir, "truth.bin", 6 * 1024 * 1024);
    link = liar_start (&bad, &liar, hormiga_test_server_get_url (server), original, "truth.bin");
  }
  peer_start (&honest, hormiga_test_server_get_url (server), TRUE);
  honest_link = share (&honest, original);
  g_assert_cmpstr (honest_link, ==, link);
  peer_start (&downloader, hormiga_test_server_get_url (server), TRUE);

  transfer = download_and_check (&downloader, link, original);
  sources = hormiga_transfer_list_sources (transfer);
  for (guint i = 0; i < sources->len; i++)
    {
      HormigaTransferSource *source = g_ptr_array_index (sources, i);

      g_test_message ("source %s: %" G_GUINT64_FORMAT " good chunks, %u bad, %s",
                      hormiga_peer_id_to_string (source->peer), source->chunks, source->bad_chunks,
                      source->dropped ? "dropped" : "kept");
      if (source->bad_chunks > 0)
        {
          banned++;
          g_assert_true (source->dropped);
          g_assert_cmpuint (source->chunks, ==, 0);
        }
    }
  g_test_message ("the liar sent %u corrupt chunks", liar.lies);
  g_assert_cmpuint (liar.lies, >=, 1);
  g_assert_cmpuint (banned, ==, 1);

  peer_stop (&honest);
  peer_stop (&bad);
  peer_stop (&downloader);
  g_unlink (original);
  {
    g_autofree char *dir = g_path_get_dirname (original);

    g_rmdir (dir);
  }
  liar_clear (&liar);
  hormiga_test_server_stop (server);
}

/* A manifest names the file "../../x" (the name is not part of a file's
 * content ID, so a provider can say anything): the file lands in the
 * download folder under a safe name. */
static void
test_hostile_names (void)
{
  static const char *names[] = { "../../escaped", "/etc/passwd-copy", "line\nbreak", ".." };
  HormigaTestServer *server = hormiga_test_server_start (NULL);
  Peer downloader = { 0 };

  peer_start (&downloader, hormiga_test_server_get_url (server), TRUE);
  hormiga_transfer_manager_set_give_up (downloader.manager, 10000);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      Peer bad = { 0 };
      Liar liar = { .honest = TRUE };
      g_autofree char *dir = g_dir_make_tmp ("hormiga-liar-XXXXXX", NULL);
      g_autofree char *original = make_file (dir, "payload", 1000 + i);
      g_autofree char *link = liar_start (&bad, &liar, hormiga_test_server_get_url (server),
                                          original, names[i]);
      g_autoptr(GError) error = NULL;
      HormigaTransfer *transfer = hormiga_transfer_manager_download (downloader.manager, link, NULL,
                                                                     &error);
      g_autofree char *folder = NULL;
      g_autofree char *base = NULL;
      g_autofree char *parent = NULL;
      g_autofree char *escaped_name = g_strescape (names[i], NULL);

      g_assert_no_error (error);
      g_assert_true (hormiga_test_wait_until (transfer_over, transfer, STEP_TIMEOUT_MS));
      if (hormiga_transfer_get_state (transfer) != HORMIGA_TRANSFER_DONE)
        g_error ("“%s”: %s", escaped_name, hormiga_transfer_get_error (transfer));
      parent = g_path_get_dirname (hormiga_transfer_get_path (transfer));
      g_assert_cmpstr (parent, ==, downloader.dir);
      base = g_path_get_basename (hormiga_transfer_get_path (transfer));
      g_assert_cmpstr (base, ==, hormiga_transfer_get_name (transfer));
      g_assert_null (strchr (base, '\n'));
      g_assert_null (strchr (base, '/'));
      g_assert_cmpstr (base, !=, "..");
      g_assert_cmpstr (base, !=, ".");
      folder = g_path_get_dirname (downloader.dir);
      g_assert_false (g_file_test ("/etc/passwd-copy", G_FILE_TEST_EXISTS));
      {
        g_autofree char *escaped = g_build_filename (folder, "escaped", NULL);
        g_autofree char *escaped_part = g_build_filename (folder, "escaped.part", NULL);

        g_assert_false (g_file_test (escaped, G_FILE_TEST_EXISTS));
        g_assert_false (g_file_test (escaped_part, G_FILE_TEST_EXISTS));
      }
      g_test_message ("“%s” became “%s”", escaped_name, base);
      peer_stop (&bad);
      g_unlink (original);
      g_rmdir (dir);
      liar_clear (&liar);
    }
  peer_stop (&downloader);
  hormiga_test_server_stop (server);
}

/* ---- what is on disk -------------------------------------------------------------- */

/* Every file under @dir, relative to @root, sorted, one a line. */
static void
list_tree (const char *root,
           const char *dir,
           GPtrArray  *out)
{
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  const char *entry;

  while (handle != NULL && (entry = g_dir_read_name (handle)) != NULL)
    {
      g_autofree char *child = g_build_filename (dir, entry, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        list_tree (root, child, out);
      else
        g_ptr_array_add (out, g_strdup (child + strlen (root) + 1));
    }
}

static int
compare_paths (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static char *
tree_text (const char *root)
{
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  GString *out = g_string_new (NULL);

  list_tree (root, root, files);
  g_ptr_array_sort (files, compare_paths);
  for (guint i = 0; i < files->len; i++)
    g_string_append_printf (out, "%s\n", (const char *) g_ptr_array_index (files, i));
  return g_string_free (out, FALSE);
}

typedef struct { const char *root; const char *expected; } TreeWait;

static gboolean
tree_is (gpointer data)
{
  TreeWait *wait = data;
  g_autofree char *text = tree_text (wait->root);

  return g_str_equal (text, wait->expected);
}

/* ---- resume ------------------------------------------------------------------------------------ */

static gboolean
half_received (gpointer data)
{
  HormigaTransfer *transfer = data;
  guint64 size = hormiga_transfer_get_size (transfer);

  return size > 0 && hormiga_transfer_get_received (transfer) >= size / 2;
}

/* Stops @peer's file service and node (the app quits; what it verified
 * stays on disk with its state) and starts a new node with a new manager
 * on the same download folder. A new node, so that the files channel is
 * added to one that never had it. */
static void
peer_restart (Peer       *peer,
              const char *url)
{
  g_autoptr(HormigaIdentity) identity = hormiga_identity_generate ();
  g_autoptr(GError) error = NULL;

  hormiga_transfer_manager_shutdown (peer->manager);
  g_clear_object (&peer->manager);
  for (guint i = 0; i < 200; i++)
    g_main_context_iteration (NULL, FALSE);
  hormiga_node_stop (peer->node);
  for (guint i = 0; i < 100; i++)
    g_main_context_iteration (NULL, FALSE);
  g_assert_finalize_object (peer->node);
  peer->ready = 0;
  peer->node = hormiga_node_new (identity, url, NULL, NULL, &error);
  g_assert_no_error (error);
  hormiga_node_set_local_address (peer->node, "127.0.0.1");
  peer->manager = hormiga_transfer_manager_new (peer->node, peer->dir, NULL);
  g_signal_connect (peer->node, "dht-ready", G_CALLBACK (on_dht_ready), peer);
  hormiga_node_start (peer->node);
  g_assert_true (hormiga_test_wait_until (is_ready, peer, 30000));
}

static void
test_resume (void)
{
  HormigaTestServer *server = hormiga_test_server_start (NULL);
  Peer provider = { 0 }, downloader = { 0 };
  g_autofree char *original = NULL;
  g_autofree char *link = NULL;
  g_autoptr(GError) error = NULL;
  HormigaTransfer *first;
  HormigaTransfer *second;
  guint64 had, size;

  peer_start (&provider, hormiga_test_server_get_url (server), TRUE);
  original = make_file (provider.dir, "big.bin", 40 * 1024 * 1024);
  link = share (&provider, original);
  peer_start (&downloader, hormiga_test_server_get_url (server), TRUE);

  first = hormiga_transfer_manager_download (downloader.manager, link, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (hormiga_test_wait_until (half_received, first, STEP_TIMEOUT_MS));
  /* The downloader's file service stops (the app quits): what it verified
   * stays on disk with its state. */
  g_object_ref (first);
  hormiga_transfer_manager_shutdown (downloader.manager);
  had = hormiga_transfer_get_received (first);
  size = hormiga_transfer_get_size (first);
  g_object_unref (first);
  g_test_message ("stopped at %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " bytes", had, size);
  g_assert_cmpuint (had, <, size);

  /* A new one, same folder: it resumes. */
  peer_restart (&downloader, hormiga_test_server_get_url (server));
  second = download_and_check (&downloader, link, original);
  g_test_message ("resumed %" G_GUINT64_FORMAT " bytes, downloaded %" G_GUINT64_FORMAT,
                  hormiga_transfer_get_resumed (second), hormiga_transfer_get_downloaded (second));
  g_assert_cmpuint (hormiga_transfer_get_resumed (second), >=, size / 3);
  g_assert_cmpuint (hormiga_transfer_get_resumed (second) + hormiga_transfer_get_downloaded (second),
                    ==, size);
  peer_stop (&provider);
  peer_stop (&downloader);
  hormiga_test_server_stop (server);
}

/* A folder's download stopped half way resumes the same way: the files
 * done are not fetched again, the one half done continues from its
 * verified chunks, and the folder comes out whole, in the same place. */
static void
test_resume_folder (void)
{
  static const struct { const char *path; gsize size; } tree[] = {
    { "a.bin", 1024 * 1024 + 3 }, { "b/big.bin", 5 * 1024 * 1024 + 5 }, { "b/c.txt", 10 },
  };
  HormigaTestServer *server = hormiga_test_server_start (NULL);
  Peer provider = { 0 }, downloader = { 0 };
  g_autofree char *root = NULL;
  g_autofree char *link = NULL;
  g_autofree char *written = NULL;
  g_autoptr(GError) error = NULL;
  HormigaTransfer *first;
  HormigaTransfer *second;
  guint64 had, size = 0;

  peer_start (&provider, hormiga_test_server_get_url (server), TRUE);
  root = g_build_filename (provider.dir, "carpeta", NULL);
  for (guint i = 0; i < G_N_ELEMENTS (tree); i++)
    {
      g_autofree char *dir = g_path_get_dirname (tree[i].path);
      g_autofree char *full_dir = g_build_filename (root, dir, NULL);
      g_autofree char *name = g_path_get_basename (tree[i].path);
      g_autofree char *made = NULL;

      g_mkdir_with_parents (full_dir, 0700);
      made = make_file (full_dir, name, tree[i].size);
      size += tree[i].size;
    }
  link = share (&provider, root);
  peer_start (&downloader, hormiga_test_server_get_url (server), TRUE);

  first = hormiga_transfer_manager_download (downloader.manager, link, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (hormiga_test_wait_until (half_received, first, STEP_TIMEOUT_MS));
  g_assert_cmpuint (hormiga_transfer_get_size (first), ==, size);
  /* Paused, then stopped once its state files are written (within a
   * second; a save in flight when the node stops is not waited for). */
  hormiga_transfer_pause (first);
  {
    gint64 until = g_get_monotonic_time () + 1500 * 1000;

    while (g_get_monotonic_time () < until)
      g_main_context_iteration (NULL, FALSE);
  }
  g_object_ref (first);
  had = hormiga_transfer_get_received (first);
  hormiga_transfer_manager_shutdown (downloader.manager);
  g_object_unref (first);
  g_test_message ("stopped at %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " bytes", had, size);
  g_assert_cmpuint (had, <, size);

  peer_restart (&downloader, hormiga_test_server_get_url (server));
  second = hormiga_transfer_manager_download (downloader.manager, link, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (hormiga_test_wait_until (transfer_over, second, STEP_TIMEOUT_MS));
  if (hormiga_transfer_get_state (second) != HORMIGA_TRANSFER_DONE)
    g_error ("the folder's download failed: %s", hormiga_transfer_get_error (second));
  g_test_message ("resumed %" G_GUINT64_FORMAT " bytes, downloaded %" G_GUINT64_FORMAT,
                  hormiga_transfer_get_resumed (second), hormiga_transfer_get_downloaded (second));
  g_assert_cmpuint (hormiga_transfer_get_resumed (second), >=, had);
  g_assert_cmpuint (hormiga_transfer_get_resumed (second) + hormiga_transfer_get_downloaded (second),
                    ==, size);
  for (guint i = 0; i < G_N_ELEMENTS (tree); i++)
    {
      g_autofree char *original = g_build_filename (root, tree[i].path, NULL);
      g_autofree char *copy = g_build_filename (hormiga_transfer_get_path (second), tree[i].path,
                                                NULL);
      g_autofree char *want = file_digest (original);
      g_autofree char *got = file_digest (copy);

      g_assert_cmpstr (got, ==, want);
    }
  /* In the folder the first run made, and nothing else is left. */
  {
    TreeWait wait = { downloader.dir, "carpeta/a.bin\ncarpeta/b/big.bin\ncarpeta/b/c.txt\n" };

    hormiga_test_wait_until (tree_is, &wait, 10000);
    written = tree_text (downloader.dir);
    g_assert_cmpstr (written, ==, wait.expected);
  }
  peer_stop (&provider);
  peer_stop (&downloader);
  hormiga_test_server_stop (server);
}

/* ---- offers ---------------------------------------------------------------------------------- */

typedef struct
{
  HormigaTransfer *transfer;
  gboolean         accept;
  guint            offers;
  const char      *const *paths;   /* a folder: the paths to take */
} Inbox;

/* The paths of a folder offer, one a line, for comparing. */
static char *
offer_files (HormigaTransferOffer *offer)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < hormiga_transfer_offer_get_n_files (offer); i++)
    g_string_append_printf (out, "%s %" G_GUINT64_FORMAT "\n",
                            hormiga_transfer_offer_get_file_path (offer, i),
                            hormiga_transfer_offer_get_file_size (offer, i));
  return g_string_free (out, FALSE);
}

static gboolean
on_offer (HormigaTransferManager *manager,
          HormigaTransferOffer   *offer,
          gpointer                user_data)
{
  Inbox *inbox = user_data;
  g_autoptr(GError) error = NULL;

  inbox->offers++;
  if (hormiga_transfer_offer_is_folder (offer))
    {
      static const char *const unknown[] = { "a.txt", "nope/x", NULL };
      static const char *const nothing[] = { NULL };
      static const char *const upwards[] = { "../..", NULL };
      g_autofree char *files = offer_files (offer);

      g_assert_cmpstr (hormiga_transfer_offer_get_name (offer), ==, "album");
      g_assert_cmpstr (files, ==, "a.txt 3000\ndocs/b.bin 522241\ndocs/c.txt 10\n"
                                  "music/d.ogg 400000\nmusic/e.ogg 100\n");
      g_assert_cmpuint (hormiga_transfer_offer_get_size (offer), ==,
                        3000 + 522241 + 10 + 400000 + 100);
      /* A path that names nothing in the folder, no path at all: refused,
       * and the offer still waits. */
      g_assert_null (hormiga_transfer_offer_accept_paths (offer, NULL, unknown, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
      g_assert_nonnull (strstr (error->message, "“nope/x” is neither a file nor a folder in “album”"));
      g_clear_error (&error);
      g_assert_null (hormiga_transfer_offer_accept_paths (offer, NULL, nothing, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
      g_clear_error (&error);
      g_assert_null (hormiga_transfer_offer_accept_paths (offer, NULL, upwards, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
      g_clear_error (&error);
      g_assert_false (hormiga_transfer_offer_is_answered (offer));
      inbox->transfer = hormiga_transfer_offer_accept_paths (offer, NULL, inbox->paths, &error);
      g_assert_no_error (error);
      g_assert_true (hormiga_transfer_offer_is_answered (offer));
      return TRUE;
    }
  g_assert_cmpstr (hormiga_transfer_offer_get_name (offer), ==, "regalo.txt");
  g_assert_cmpuint (hormiga_transfer_offer_get_size (offer), ==, 5000);
  g_assert_cmpuint (hormiga_transfer_offer_get_n_files (offer), ==, 0);
  if (!inbox->accept)
    {
      hormiga_transfer_offer_decline (offer, "no, gracias");
      return TRUE;
    }
  {
    static const char *const some[] = { "regalo.txt", NULL };

    /* A file is taken whole or not at all. */
    g_assert_null (hormiga_transfer_offer_accept_paths (offer, NULL, some, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
    g_clear_error (&error);
  }
  inbox->transfer = hormiga_transfer_offer_accept (offer, NULL, &error);
  g_assert_no_error (error);
  return TRUE;
}

typedef struct
{
  gboolean done;
  gboolean accepted;
  GError  *error;
  GStrv    paths;
} Sent;

static void
on_sent (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  Sent *sent = user_data;

  g_clear_pointer (&sent->paths, g_strfreev);
  sent->accepted = hormiga_transfer_manager_send_finish_paths (HORMIGA_TRANSFER_MANAGER (object),
                                                               result, &sent->paths, &sent->error);
  sent->done = TRUE;
}

static gboolean
sent_done (gpointer data)
{
  return ((Sent *) data)->done;
}

static void
test_offer (void)
{
  HormigaTestServer *server = hormiga_test_server_start (NULL);
  Peer sender = { 0 }, receiver = { 0 };
  Inbox inbox = { NULL, FALSE, 0 };
  Sent sent = { 0 };
  g_autofree char *path = NULL;
  g_autoptr(GFile) file = NULL;
  const HormigaPeerId *to;

  peer_start (&sender, hormiga_test_server_get_url (server), TRUE);
  peer_start (&receiver, hormiga_test_server_get_url (server), TRUE);
  g_signal_connect (receiver.manager, "offer", G_CALLBACK (on_offer), &inbox);
  path = make_file (sender.dir, "regalo.txt", 5000);
  file = g_file_new_for_path (path);
  to = hormiga_identity_get_peer_id (hormiga_node_get_identity (receiver.node));

  /* Declined: the sender hears why. */
  hormiga_transfer_manager_send_async (sender.manager, to, file, NULL, on_sent, &sent);
  g_assert_true (hormiga_test_wait_until (sent_done, &sent, 30000));
  g_assert_false (sent.accepted);
  g_assert_nonnull (sent.error);
  g_assert_nonnull (strstr (sent.error->message, "no, gracias"));
  g_clear_error (&sent.error);

  /* Accepted: the file arrives. */
  inbox.accept = TRUE;
  sent.done = FALSE;
  hormiga_transfer_manager_send_async (sender.manager, to, file, NULL, on_sent, &sent);
  g_assert_true (hormiga_test_wait_until (sent_done, &sent, 30000));
  g_assert_no_error (sent.error);
  g_assert_true (sent.accepted);
  g_assert_cmpuint (inbox.offers, ==, 2);
  g_assert_nonnull (inbox.transfer);
  g_assert_true (hormiga_test_wait_until (transfer_over, inbox.transfer, STEP_TIMEOUT_MS));
  g_assert_cmpint (hormiga_transfer_get_state (inbox.transfer), ==, HORMIGA_TRANSFER_DONE);
  {
    g_autofree char *want = file_digest (path);
    g_autofree char *got = file_digest (hormiga_transfer_get_path (inbox.transfer));

    g_assert_cmpstr (got, ==, want);
  }
  g_assert_null (sent.paths);

  /* A folder, of which the receiver takes a file and a subfolder: only
   * those are written, byte for byte, and the sender hears which. */
  {
    static const struct { const char *path; gsize size; gboolean taken; } tree[] = {
      { "a.txt", 3000, TRUE }, { "docs/b.bin", 2 * 255 * 1024 + 1, FALSE },
      { "docs/c.txt", 10, FALSE }, { "music/d.ogg", 400000, TRUE }, { "music/e.ogg", 100, TRUE },
    };
    static const char *const chosen[] = { "a.txt", "music/", NULL };
    g_autofree char *root = g_build_filename (sender.dir, "album", NULL);
    g_autoptr(GFile) folder = g_file_new_for_path (root);
    g_autoptr(GString) expected = g_string_new ("album/a.txt\nalbum/music/d.ogg\nalbum/music/e.ogg\n"
                                                 "regalo.txt\n");
    g_autofree char *written = NULL;
    g_autofree char *sent_paths = NULL;
    guint64 taken = 0;

    for (guint i = 0; i < G_N_ELEMENTS (tree); i++)
      {
        g_autofree char *dir = g_path_get_dirname (tree[i].path);
        g_autofree char *full_dir = g_build_filename (root, dir, NULL);
        g_autofree char *name = g_path_get_basename (tree[i].path);
        g_autofree char *made = NULL;

        g_mkdir_with_parents (full_dir, 0700);
        made = make_file (full_dir, name, tree[i].size);
        taken += tree[i].taken ? tree[i].size : 0;
      }
    inbox.transfer = NULL;
    inbox.paths = chosen;
    sent.done = FALSE;
    hormiga_transfer_manager_send_async (sender.manager, to, folder, NULL, on_sent, &sent);
    g_assert_true (hormiga_test_wait_until (sent_done, &sent, 30000));
    g_assert_no_error (sent.error);
    g_assert_true (sent.accepted);
    g_assert_nonnull (sent.paths);
    sent_paths = g_strjoinv (",", sent.paths);
    g_assert_cmpstr (sent_paths, ==, "a.txt,music/d.ogg,music/e.ogg");
    g_assert_cmpuint (inbox.offers, ==, 3);
    g_assert_nonnull (inbox.transfer);
    g_assert_cmpuint (hormiga_transfer_get_size (inbox.transfer), ==, taken);
    g_assert_true (hormiga_test_wait_until (transfer_over, inbox.transfer, STEP_TIMEOUT_MS));
    if (hormiga_transfer_get_state (inbox.transfer) != HORMIGA_TRANSFER_DONE)
      g_error ("the folder's download failed: %s", hormiga_transfer_get_error (inbox.transfer));
    g_assert_cmpuint (hormiga_transfer_get_size (inbox.transfer), ==, taken);
    g_assert_cmpuint (hormiga_transfer_get_received (inbox.transfer), ==, taken);
    g_assert_cmpuint (hormiga_transfer_get_downloaded (inbox.transfer), ==, taken);
    g_assert_cmpuint (hormiga_transfer_get_resumed (inbox.transfer), ==, 0);
    for (guint i = 0; i < G_N_ELEMENTS (tree); i++)
      {
        g_autofree char *original = g_build_filename (root, tree[i].path, NULL);
        g_autofree char *copy = g_build_filename (hormiga_transfer_get_path (inbox.transfer),
                                                  tree[i].path, NULL);

        g_assert_cmpint (g_file_test (copy, G_FILE_TEST_EXISTS), ==, tree[i].taken);
        if (tree[i].taken)
          {
            g_autofree char *want = file_digest (original);
            g_autofree char *got = file_digest (copy);

            g_assert_cmpstr (got, ==, want);
          }
      }
    /* Nothing else in the download folder: no partial file, no state (its
     * deletion runs in a worker thread), no folder for what was not taken. */
    {
      TreeWait wait = { receiver.dir, expected->str };

      hormiga_test_wait_until (tree_is, &wait, 10000);
    }
    written = tree_text (receiver.dir);
    g_assert_cmpstr (written, ==, expected->str);
  }
  g_clear_pointer (&sent.paths, g_strfreev);
  peer_stop (&sender);
  peer_stop (&receiver);
  hormiga_test_server_stop (server);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_assert_cmpint (sodium_init (), >=, 0);
  g_test_add_func ("/hormiga/transfer/sizes", test_sizes);
  g_test_add_func ("/hormiga/transfer/three-providers", test_three_providers);
  g_test_add_func ("/hormiga/transfer/two-connections", test_two_connections);
  g_test_add_func ("/hormiga/transfer/upload-limit", test_upload_limit);
  g_test_add_func ("/hormiga/transfer/corrupt-provider", test_corrupt_provider);
  g_test_add_func ("/hormiga/transfer/hostile-names", test_hostile_names);
  g_test_add_func ("/hormiga/transfer/resume", test_resume);
  g_test_add_func ("/hormiga/transfer/resume-folder", test_resume_folder);
  g_test_add_func ("/hormiga/transfer/offer", test_offer);
  return g_test_run ();
}
