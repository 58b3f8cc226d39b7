/* test-transfer-network.c — files between real hormiga-node processes
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A hormiguero and `hormiga-node run` processes on 127.0.0.1, driven
 * through their stdin (`share`, `get`, `transfers`): files of awkward sizes
 * and 100 MB (24 MB under the sanitizers) cross byte for byte; three providers serve one downloader and
 * one of them is killed half way, the others finish it; a downloader killed
 * half way and started again in the same folders finishes without fetching
 * again what it had verified (the bytes are counted); a folder offered and
 * taken in part (`hold-offers`, `accept ID PATH…`) resumes the same way
 * after its downloader is killed, and only the part taken is ever written.
 * Waits are generous and only ever fail the test. Under the sanitizers
 * every node is about ten times slower: the large files are a quarter of
 * their size there (the same paths: still hundreds of chunks each).
 */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <errno.h>
#include <signal.h>
#include <sodium.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "hormiga-test-server.h"

#define STEP_TIMEOUT_MS 180000
#define CHUNK (255 * 1024)
#if defined(__SANITIZE_ADDRESS__)
#define LARGE_MB 48
#else
#define LARGE_MB 200
#endif

typedef struct
{
  guint             index;
  GSubprocess      *process;
  GDataInputStream *out;
  GOutputStream    *in;
  GPtrArray        *lines;
  char             *dir;
  char             *peer_id;
  GCancellable     *cancellable;
} NodeProcess;

static void read_next (NodeProcess *node);

static void
on_line (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  NodeProcess *node = user_data;
  char *line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), result,
                                                          NULL, NULL);

  if (line == NULL)
    return;
  if (g_str_has_prefix (line, "peer-id "))
    {
      g_free (node->peer_id);
      node->peer_id = g_strdup (line + strlen ("peer-id "));
    }
  g_ptr_array_add (node->lines, line);
  read_next (node);
}

static void
read_next (NodeProcess *node)
{
  g_data_input_stream_read_line_async (node->out, G_PRIORITY_DEFAULT, node->cancellable, on_line,
                                       node);
}

static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

/* A node whose files cannot grow past 1 MB: writing more fails (EFBIG), as
 * a full disk would, but in this process only. */
static void
die_with_parent_small_files (gpointer user_data)
{
  struct rlimit limit = { 1024 * 1024, 1024 * 1024 };

  prctl (PR_SET_PDEATHSIG, SIGKILL);
  signal (SIGXFSZ, SIG_IGN);
  setrlimit (RLIMIT_FSIZE, &limit);
}

/* Starts a node in @node->dir (made the first time), downloads going to
 * DIR/downloads. */
static void node_spawn_full (NodeProcess *node,
                             const char  *url,
                             gboolean     small_files);

static void
node_spawn (NodeProcess *node,
            const char  *url)
{
  node_spawn_full (node, url, FALSE);
}

static void
node_spawn_full (NodeProcess *node,
                 const char  *url,
                 gboolean     small_files)
{
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDIN_PIPE);
  g_autoptr(GError) error = NULL;

  if (node->dir == NULL)
    node->dir = g_dir_make_tmp ("hormiga-files-node-XXXXXX", NULL);
  node->lines = g_ptr_array_new_with_free_func (g_free);
  node->cancellable = g_cancellable_new ();
  g_subprocess_launcher_set_child_setup (launcher,
                                         small_files ? die_with_parent_small_files : die_with_parent,
                                         NULL, NULL);
  node->process = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("HORMIGA_NODE"),
                                               "--data-dir", node->dir, "--server", url,
                                               "--ice-address", "127.0.0.1", "--peer-timeout", "5",
                                               "run", NULL);
  g_assert_no_error (error);
  node->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (node->process));
  node->in = g_subprocess_get_stdin_pipe (node->process);
  read_next (node);
}

static void
node_say (NodeProcess *node,
          const char  *line)
{
  g_autofree char *text = g_strconcat (line, "\n", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (g_output_stream_write_all (node->in, text, strlen (text), NULL, NULL, &error));
  g_assert_no_error (error);
}

static const char *
node_find_line (NodeProcess *node,
                const char  *prefix)
{
  for (guint i = 0; i < node->lines->len; i++)
    if (g_str_has_prefix (g_ptr_array_index (node->lines, i), prefix))
      return g_ptr_array_index (node->lines, i);
  return NULL;
}

typedef struct { NodeProcess *node; const char *prefix; } LineWait;

static gboolean
has_line (gpointer data)
{
  LineWait *wait = data;

  return node_find_line (wait->node, wait->prefix) != NULL;
}

static const char *
node_expect (NodeProcess *node,
             const char  *prefix)
{
  LineWait wait = { node, prefix };

  if (!hormiga_test_wait_until (has_line, &wait, STEP_TIMEOUT_MS))
    {
      for (guint i = 0; i < node->lines->len; i++)
        g_printerr ("  node %u: %s\n", node->index, (const char *) g_ptr_array_index (node->lines, i));
      g_error ("node %u never printed a line starting “%s”", node->index, prefix);
    }
  return node_find_line (node, prefix);
}

/* Forgets the process (after quit or kill), keeping its folder. */
static void
node_forget (NodeProcess *node)
{
  g_cancellable_cancel (node->cancellable);
  g_clear_object (&node->cancellable);
  g_clear_object (&node->out);
  g_clear_object (&node->process);
  g_clear_pointer (&node->lines, g_ptr_array_unref);
}

static void
node_quit (NodeProcess *node)
{
  g_autoptr(GError) error = NULL;

  node_say (node, "quit");
  g_subprocess_wait (node->process, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (node->process));
  g_assert_cmpint (g_subprocess_get_exit_status (node->process), ==, 0);
  node_forget (node);
}

static void
node_kill (NodeProcess *node)
{
  g_autoptr(GError) error = NULL;

  g_subprocess_send_signal (node->process, SIGKILL);
  g_subprocess_wait (node->process, NULL, &error);
  g_assert_no_error (error);
  node_forget (node);
}

static void
node_free (NodeProcess *node)
{
  if (node->process != NULL)
    node_quit (node);
  hormiga_test_remove_tree (node->dir);
  g_free (node->dir);
  g_free (node->peer_id);
}

/* ---- files -------------------------------------------------------------------------- */

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
  g_autoptr(GError) error = NULL;
  g_autoptr(GMappedFile) mapped = g_mapped_file_new (path, FALSE, &error);
  const char *data;

  g_assert_no_error (error);
  data = g_mapped_file_get_contents (mapped);
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) (data ? data : ""),
                                      g_mapped_file_get_length (mapped));
}

/* `share PATH` on @node: its link (caller frees). */
static char *
share (NodeProcess *node,
       const char  *path)
{
  g_autofree char *line = g_strdup_printf ("share %s", path);

  g_ptr_array_set_size (node->lines, 0);
  node_say (node, line);
  return g_strdup (node_expect (node, "shared ") + strlen ("shared "));
}

static guint64
field (const char *line,
       const char *name)
{
  g_autofree char *key = g_strdup_printf (" %s=", name);
  const char *at = strstr (line, key);

  g_assert_nonnull (at);
  return g_ascii_strtoull (at + strlen (key), NULL, 10);
}

static gboolean
download_over (gpointer data)
{
  NodeProcess *node = data;

  return node_find_line (node, "downloaded ") != NULL ||
         node_find_line (node, "download-failed ") != NULL;
}

/* `get LINK` on @node, which must end `downloaded`; checks the file
 * against @original and returns the `downloaded` line (caller frees). */
static char *
download (NodeProcess *node,
          const char  *link,
          const char  *original)
{
  g_autofree char *line = g_strdup_printf ("get %s", link);
  g_autofree char *want = file_digest (original);
  g_autofree char *got = NULL;
  g_autofree char *path = NULL;
  const char *done;

  g_ptr_array_set_size (node->lines, 0);
  node_say (node, line);
  g_assert_true (hormiga_test_wait_until (download_over, node, STEP_TIMEOUT_MS));
  if (node_find_line (node, "download-failed ") != NULL)
    g_error ("node %u: %s", node->index, node_find_line (node, "download-failed "));
  done = node_find_line (node, "downloaded ");
  g_test_message ("%s", done);
  path = g_strndup (strstr (done, " path=") + strlen (" path="),
                    strcspn (strstr (done, " path=") + strlen (" path="), " "));
  got = file_digest (path);
  g_assert_cmpstr (got, ==, want);
  return g_strdup (done);
}

/* The `received` of @node's one transfer, from its `transfers` line. */
static guint64
received_now (NodeProcess *node)
{
  const char *line;
  const char *at;

  g_ptr_array_set_size (node->lines, 0);
  node_say (node, "transfers");
  line = node_expect (node, "transfers ");
  at = strstr (line, "\"received\":");
  return at ? g_ascii_strtoull (at + strlen ("\"received\":"), NULL, 10) : 0;
}

typedef struct
{
  NodeProcess *node;
  guint64      at_least;
} Progress;

static gboolean
progressed (gpointer data)
{
  Progress *progress = data;

  return received_now (progress->node) >= progress->at_least;
}

/* ---- tests -------------------------------------------------------------------------- */

static void
test_sizes (void)
{
  HormigaTestServer *server = hormiga_test_server_start (NULL);
  const char *url = hormiga_test_server_get_url (server);
  NodeProcess a = { 0 }, b = { 1 };
  const gsize sizes[] = { 0, 1, CHUNK, CHUNK + 1, LARGE_MB / 2 * 1024 * 1024 };

  node_spawn (&a, url);
  node_spawn (&b, url);
  node_expect (&a, "dht-ready ");
  node_expect (&b, "dht-ready ");
  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autofree char *name = g_strdup_printf ("size-%" G_GSIZE_FORMAT, sizes[i]);
      g_autofree char *path = make_file (a.dir, name, sizes[i]);
      g_autofree char *link = share (&a, path);
      gint64 start = g_get_monotonic_time ();
      g_autofree char *done = download (&b, link, path);

      g_assert_cmpuint (field (done, "size"), ==, sizes[i]);
      g_test_message ("%" G_GSIZE_FORMAT " bytes in %" G_GINT64_FORMAT " ms", sizes[i],
                      (g_get_monotonic_time () - start) / 1000);
    }

  /* A folder tree: every file arrives byte for byte, in its place. */
  {
    static const struct { const char *path; gsize size; } tree[] = {
      { "album/cover.jpg", 300 * 1024 }, { "album/empty", 0 },
      { "album/songs/one.ogg", 2 * 1024 * 1024 + 5 }, { "album/songs/notes/readme.txt", 10 },
    };
    g_autofree char *root = g_build_filename (a.dir, "album", NULL);
    g_autofree char *link = NULL;
    g_autofree char *line = NULL;
    g_autofree char *done_path = NULL;
    const char *done;

    for (guint i = 0; i < G_N_ELEMENTS (tree); i++)
      {
        g_autofree char *dir = g_path_get_dirname (tree[i].path);
        g_autofree char *full_dir = g_build_filename (a.dir, dir, NULL);
        g_autofree char *name = g_path_get_basename (tree[i].path);
        g_autofree char *path = NULL;

        g_mkdir_with_parents (full_dir, 0700);
        path = make_file (full_dir, name, tree[i].size);
      }
    link = share (&a, root);
    g_assert_nonnull (strstr (link, "kind=folder"));
    line = g_strdup_printf ("get %s", link);
    g_ptr_array_set_size (b.lines, 0);
    node_say (&b, line);
    g_assert_true (hormiga_test_wait_until (download_over, &b, STEP_TIMEOUT_MS));
    done = node_find_line (&b, "downloaded ");
    g_assert_nonnull (done);
    done_path = g_strndup (strstr (done, " path=") + strlen (" path="),
                           strcspn (strstr (done, " path=") + strlen (" path="), " "));
    for (guint i = 0; i < G_N_ELEMENTS (tree); i++)
      {
        g_autofree char *original = g_build_filename (a.dir, tree[i].path, NULL);
        g_autofree char *copy = g_build_filename (done_path, tree[i].path + strlen ("album/"), NULL);
        g_autofree char *want = file_digest (original);
        g_autofree char *got = file_digest (copy);

        g_assert_cmpstr (got, ==, want);
      }
    g_test_message ("a folder of %" G_GSIZE_FORMAT " files: %s", G_N_ELEMENTS (tree), done);
  }
  node_free (&a);
  node_free (&b);
  hormiga_test_server_stop (server);
}

/* Three providers; the second is killed once a quarter has arrived. */
static void
test_providers_one_killed (void)
{
  HormigaTestServer *server = hormiga_test_server_start (NULL);
  const char *url = hormiga_test_server_get_url (server);
  NodeProcess providers[3] = { { 0 }, { 1 }, { 2 } };
  NodeProcess downloader = { 3 };
  const gsize size = LARGE_MB * 1024 * 1024;
  g_autofree char *original = NULL;
  g_autofree char *link = NULL;
  g_autofree char *get = NULL;
  Progress progress = { &downloader, size / 4 };
  const char *done;
  guint serving = 0;

  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *path = NULL;
      g_autofree char *got = NULL;

      node_spawn (&providers[i], url);
      node_expect (&providers[i], "dht-ready ");
      if (i == 0)
        original = make_file (providers[0].dir, "big.bin", size);
      path = g_build_filename (providers[i].dir, "big.bin", NULL);
      if (i > 0)
        {
          g_autoptr(GFile) from = g_file_new_for_path (original);
          g_autoptr(GFile) to = g_file_new_for_path (path);

          g_assert_true (g_file_copy (from, to, G_FILE_COPY_NONE, NULL, NULL, NULL, NULL));
        }
      got = share (&providers[i], path);
      if (link == NULL)
        link = g_strdup (got);
      g_assert_cmpstr (got, ==, link);
    }
  node_spawn (&downloader, url);
  node_expect (&downloader, "dht-ready ");

  get = g_strdup_printf ("get %s", link);
  node_say (&downloader, get);
  node_expect (&downloader, "downloading ");
  g_assert_true (hormiga_test_wait_until (progressed, &progress, STEP_TIMEOUT_MS));
  g_test_message ("a quarter in: provider 1 is killed");
  node_kill (&providers[1]);

  done = node_expect (&downloader, "downloaded ");
  g_test_message ("%s", done);
  {
    g_autofree char *want = file_digest (original);
    const char *path = strstr (done, " path=") + strlen (" path=");
    g_autofree char *path_copy = g_strndup (path, strcspn (path, " "));
    g_autofree char *got = file_digest (path_copy);

    g_assert_cmpstr (got, ==, want);
  }
  /* Every provider served chunks: the one killed before it died. */
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *key = g_strdup_printf ("%s:", providers[i].peer_id);
      const char *at = strstr (done, key);

      if (at != NULL && g_ascii_strtoull (at + strlen (key), NULL, 10) > 0)
        serving++;
      else
        g_test_message ("provider %u sent nothing", i);
    }
  g_assert_cmpuint (serving, ==, 3);

  for (guint i = 0; i < 3; i++)
    node_free (&providers[i]);
  node_free (&downloader);
  hormiga_test_server_stop (server);
}

/* The downloader is paused half way, killed and started again: it takes
 * what it had verified from disk and downloads only the rest. */
static void
test_resume_after_kill (void)
{
  HormigaTestServer *server = hormiga_test_server_start (NULL);
  const char *url = hormiga_test_server_get_url (server);
  NodeProcess provider = { 0 }, downloader = { 1 };
  const gsize size = LARGE_MB * 1024 * 1024;
  g_autofree char *original = NULL;
  g_autofree char *link = NULL;
  g_autofree char *get = NULL;
  g_autofree char *done = NULL;
  g_autofree char *cid = NULL;
  g_autofree char *pause = NULL;
  Progress progress = { &downloader, size / 2 };
  guint64 had, resumed, downloaded;

  node_spawn (&provider, url);
  node_expect (&provider, "dht-ready ");
  original = make_file (provider.dir, "big.bin", size);
  link = share (&provider, original);
  node_spawn (&downloader, url);
  node_expect (&downloader, "dht-ready ");

  get = g_strdup_printf ("get %s", link);
  node_say (&downloader, get);
  {
    const char *downloading = node_expect (&downloader, "downloading ");

    cid = g_strndup (downloading + strlen ("downloading "), 64);
  }
  g_assert_true (hormiga_test_wait_until (progressed, &progress, STEP_TIMEOUT_MS));
  /* Paused half way (a fast download would otherwise finish before the
   * kill); the state file is written within a second: then it dies. */
  pause = g_strdup_printf ("pause %s", cid);
  node_say (&downloader, pause);
  node_expect (&downloader, "paused ");
  g_usleep (1500 * 1000);
  had = received_now (&downloader);
  g_assert_cmpuint (had, <, size);
  node_kill (&downloader);
  g_test_message ("killed at %" G_GUINT64_FORMAT " of %" G_GSIZE_FORMAT " bytes or more", had, size);

  node_spawn (&downloader, url);
  node_expect (&downloader, "dht-ready ");
  done = download (&downloader, link, original);
  resumed = field (done, "resumed");
  downloaded = field (done, "downloaded");
  g_test_message ("after the restart: %" G_GUINT64_FORMAT " bytes from disk, %" G_GUINT64_FORMAT
                  " downloaded", resumed, downloaded);
  g_assert_cmpuint (resumed, >=, had);
  g_assert_cmpuint (resumed + downloaded, ==, size);

  node_free (&provider);
  node_free (&downloader);
  hormiga_test_server_stop (server);
}

/* Every file under @dir, relative to @root, one a line, sorted. */
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

/* A folder is sent; the downloader holds the offer and takes a file and a
 * subfolder of it; paused half way, killed, started again and asked for
 * the offer's link, it resumes: the files it finished are not fetched
 * again, the one half done continues from its verified chunks, and the
 * part not taken is never written. Sizes: about 18 MB taken, enough for
 * a file to finish and another to be half done at the kill, small enough
 * for ASan. */
static void
test_folder_resume_after_kill (void)
{
  static const struct { const char *path; gsize size; gboolean taken; } tree[] = {
    { "a-first.bin", 2 * 1024 * 1024 + 7, TRUE },
    { "b-big.bin", 16 * 1024 * 1024 + 3, TRUE },
    { "c/notes.txt", 1000, TRUE },
    { "d-skip/other.bin", 3 * CHUNK, FALSE },
  };
  HormigaTestServer *server = hormiga_test_server_start (NULL);
  const char *url = hormiga_test_server_get_url (server);
  NodeProcess sender = { 0 }, downloader = { 1 };
  g_autofree char *root = NULL;
  g_autofree char *send = NULL;
  g_autofree char *accept = NULL;
  g_autofree char *cid = NULL;
  g_autofree char *link = NULL;
  g_autofree char *get = NULL;
  g_autofree char *pause = NULL;
  g_autofree char *downloads = NULL;
  g_autofree char *written = NULL;
  g_autofree char *done_path = NULL;
  const char *line;
  Progress progress = { &downloader, 0 };
  guint64 taken = 0, had, resumed, downloaded;

  node_spawn (&sender, url);
  node_spawn (&downloader, url);
  node_expect (&sender, "dht-ready ");
  node_expect (&downloader, "dht-ready ");
  root = g_build_filename (sender.dir, "album", NULL);
  for (guint i = 0; i < G_N_ELEMENTS (tree); i++)
    {
      g_autofree char *dir = g_path_get_dirname (tree[i].path);
      g_autofree char *full_dir = g_build_filename (root, dir, NULL);
      g_autofree char *name = g_path_get_basename (tree[i].path);
      g_autofree char *path = NULL;

      g_mkdir_with_parents (full_dir, 0700);
      path = make_file (full_dir, name, tree[i].size);
      taken += tree[i].taken ? tree[i].size : 0;
    }
  progress.at_least = taken / 2;

  node_say (&downloader, "hold-offers");
  node_expect (&downloader, "holding-offers");
  send = g_strdup_printf ("send-file %s %s", downloader.peer_id, root);
  node_say (&sender, send);
  line = node_expect (&downloader, "offer id=");
  g_assert_nonnull (strstr (line, " files=4 "));
  link = g_strdup (strstr (line, " link=") + strlen (" link="));
  {
    g_autofree char *skipped = g_strdup_printf ("offer-file id=1 size=%u path=d-skip/other.bin",
                                                3 * CHUNK);

    node_expect (&downloader, skipped);
  }
  node_expect (&downloader, "offer-waiting id=1");
  /* A path the folder does not have is refused; the offer still waits. */
  node_say (&downloader, "accept 1 a-first.bin nowhere/x");
  g_assert_nonnull (strstr (node_expect (&downloader, "error: "), "“nowhere/x” is neither a file nor a folder"));
  node_say (&downloader, "accept 1 a-first.bin 'b-big.bin' c");
  line = node_expect (&downloader, "offer-accepted ");
  cid = g_strndup (strstr (line, "downloading ") + strlen ("downloading "), 64);
  g_assert_cmpuint (field (line, "size"), ==, taken);
  g_assert_nonnull (strstr (node_expect (&sender, "sent "),
                            "accepted part=[\"a-first.bin\",\"b-big.bin\",\"c/notes.txt\"]"));

  g_assert_true (hormiga_test_wait_until (progressed, &progress, STEP_TIMEOUT_MS));
  /* Paused (a fast download would otherwise finish before the kill); the
   * state files are written within a second: then it dies. */
  pause = g_strdup_printf ("pause %s", cid);
  node_say (&downloader, pause);
  node_expect (&downloader, "paused ");
  g_usleep (1500 * 1000);
  had = received_now (&downloader);
  g_assert_cmpuint (had, <, taken);
  node_kill (&downloader);
  g_test_message ("killed at %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " bytes or more", had,
                  taken);

  /* Started again, the offer's link resumes the part taken. */
  node_spawn (&downloader, url);
  node_expect (&downloader, "dht-ready ");
  get = g_strdup_printf ("get %s", link);
  node_say (&downloader, get);
  g_assert_true (hormiga_test_wait_until (download_over, &downloader, STEP_TIMEOUT_MS));
  if (node_find_line (&downloader, "download-failed ") != NULL)
    g_error ("%s", node_find_line (&downloader, "download-failed "));
  line = node_find_line (&downloader, "downloaded ");
  g_test_message ("%s", line);
  resumed = field (line, "resumed");
  downloaded = field (line, "downloaded");
  g_test_message ("after the restart: %" G_GUINT64_FORMAT " bytes from disk, %" G_GUINT64_FORMAT
                  " downloaded", resumed, downloaded);
  g_assert_cmpuint (field (line, "size"), ==, taken);
  g_assert_cmpuint (resumed, >=, had);
  g_assert_cmpuint (resumed + downloaded, ==, taken);
  done_path = g_strndup (strstr (line, " path=") + strlen (" path="),
                         strcspn (strstr (line, " path=") + strlen (" path="), " "));
  for (guint i = 0; i < G_N_ELEMENTS (tree); i++)
    {
      g_autofree char *original = g_build_filename (root, tree[i].path, NULL);
      g_autofree char *copy = g_build_filename (done_path, tree[i].path, NULL);

      g_assert_cmpint (g_file_test (copy, G_FILE_TEST_EXISTS), ==, tree[i].taken);
      if (tree[i].taken)
        {
          g_autofree char *want = file_digest (original);
          g_autofree char *got = file_digest (copy);

          g_assert_cmpstr (got, ==, want);
        }
    }
  /* One folder, with the files taken and nothing else: no second copy, no
   * partial file, no state left (its deletion may take a moment). */
  downloads = g_build_filename (downloader.dir, "downloads", NULL);
  for (guint i = 0; i < 50; i++)
    {
      g_free (written);
      written = tree_text (downloads);
      if (g_str_equal (written, "album/a-first.bin\nalbum/b-big.bin\nalbum/c/notes.txt\n"))
        break;
      g_usleep (100 * 1000);
    }
  g_assert_cmpstr (written, ==, "album/a-first.bin\nalbum/b-big.bin\nalbum/c/notes.txt\n");

  node_free (&sender);
  node_free (&downloader);
  hormiga_test_server_stop (server);
}

/* The disk refuses to take the file: the download stops with an error that
 * says so, and the node goes on. */
static void
test_disk_error (void)
{
  HormigaTestServer *server = hormiga_test_server_start (NULL);
  const char *url = hormiga_test_server_get_url (server);
  NodeProcess provider = { 0 }, downloader = { 1 };
  g_autofree char *original = NULL;
  g_autofree char *link = NULL;
  g_autofree char *get = NULL;
  const char *failed;

  node_spawn (&provider, url);
  node_expect (&provider, "dht-ready ");
  original = make_file (provider.dir, "too-big.bin", 8 * 1024 * 1024);
  link = share (&provider, original);
  node_spawn_full (&downloader, url, TRUE);
  node_expect (&downloader, "dht-ready ");

  get = g_strdup_printf ("get %s", link);
  node_say (&downloader, get);
  g_assert_true (hormiga_test_wait_until (download_over, &downloader, STEP_TIMEOUT_MS));
  failed = node_find_line (&downloader, "download-failed ");
  g_assert_nonnull (failed);
  g_test_message ("%s", failed);
  g_assert_nonnull (strstr (failed, "too-big.bin"));
  g_assert_nonnull (strstr (failed, g_strerror (EFBIG)));

  /* Still up, and still answering. */
  g_ptr_array_set_size (downloader.lines, 0);
  node_say (&downloader, "transfers");
  g_assert_nonnull (strstr (node_expect (&downloader, "transfers "), "\"state\":\"failed\""));

  node_free (&provider);
  node_free (&downloader);
  hormiga_test_server_stop (server);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_assert_cmpint (sodium_init (), >=, 0);
  g_test_add_func ("/hormiga/transfer-network/sizes", test_sizes);
  g_test_add_func ("/hormiga/transfer-network/providers-one-killed", test_providers_one_killed);
  g_test_add_func ("/hormiga/transfer-network/resume-after-kill", test_resume_after_kill);
  g_test_add_func ("/hormiga/transfer-network/folder-resume-after-kill",
                   test_folder_resume_after_kill);
  g_test_add_func ("/hormiga/transfer-network/disk-error", test_disk_error);
  return g_test_run ();
}
