/* test-app.c — the desktop application against a real hormiguero
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs the application as `hormiga --server URL` would, in this process,
 * under a display (xvfb-run in the suite) and a private D-Bus session
 * (dbus-run-session), and
 * watches its window's status bar until it says what the test waits for.
 * Then it saves a screenshot of the window, rendered from the widget tree,
 * into the build directory.
 *
 * /hormiga/app/peers runs it with real hormiga-node peers: one there
 * before the app, two more joining while it runs. It waits until the
 * status line, the peer model, the Network graph and the Peers list all
 * show the three, checks the graph's keyboard navigation and accessible
 * state, saves screenshot-network.png and screenshot-peers.png, and
 * reports the longest stall of the UI thread's main loop while the peers
 * joined.
 */
#include <glib/gstdio.h>

#include <adwaita.h>

#include "hormiga-application.h"
#include "hormiga-identity.h"
#include "hormiga-peer-id.h"
#include "hormiga-peer-row.h"
#include "hormiga-signaling-client.h"
#include "hormiga-test-node.h"
#include "hormiga-test-server.h"
#include "hormiga-window.h"

/* Generous: these only fail a broken test, never a slow machine. */
#define WAIT_MS 60000

typedef struct _Probe Probe;

struct _Probe
{
  HormigaApplication *application;
  char               *data_dir;
  char               *peer_id;          /* what the app must be admitted as */
  gboolean          (*ready) (Probe *probe, HormigaWindow *window, const char *status);
  const char         *screenshot_name;  /* in the build directory */
  char               *screenshot_path;

  gint64              deadline;
  char               *last_status;
  guint               n_frames;         /* drawn since ready */
  gboolean            about_shown;
  gboolean            timed_out;
};

static void
probe_init (Probe      *probe,
            const char *screenshot_name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HormigaIdentity) identity = NULL;

  probe->data_dir = g_dir_make_tmp ("hormiga-app-XXXXXX", &error);
  g_assert_no_error (error);
  /* The app loads the identity from $HORMIGA_DATA_DIR: make it now to know
   * the PeerID it must show. */
  identity = hormiga_identity_load_or_create (probe->data_dir, &error);
  g_assert_no_error (error);
  probe->peer_id = g_strdup (hormiga_peer_id_to_string (hormiga_identity_get_peer_id (identity)));
  g_setenv (HORMIGA_DATA_DIR_ENV, probe->data_dir, TRUE);

  probe->screenshot_name = screenshot_name;
  probe->screenshot_path = g_test_build_filename (G_TEST_BUILT, screenshot_name, NULL);
  g_unlink (probe->screenshot_path);
}

static void
probe_clear (Probe *probe)
{
  g_autofree char *key = g_build_filename (probe->data_dir, HORMIGA_KEY_FILE_NAME, NULL);

  g_unlink (key);
  g_rmdir (probe->data_dir);
  g_unsetenv (HORMIGA_DATA_DIR_ENV);
  g_free (probe->data_dir);
  g_free (probe->peer_id);
  g_free (probe->screenshot_path);
  g_free (probe->last_status);
}

/* The window as GTK would draw it now, into a PNG. */
static void
save_screenshot (GtkWidget  *widget,
                 const char *path)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GskRenderer *renderer = gtk_native_get_renderer (GTK_NATIVE (widget));

  g_assert_cmpint (width, >, 0);
  g_assert_cmpint (height, >, 0);
  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (snapshot);
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (renderer, node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("screenshot: %s (%d×%d)", path, width, height);
}

/* Loads the PNG back and counts its distinct colours: a blank or
 * single-colour image means nothing was drawn. */
static guint
count_colours (const char *path,
               int        *width,
               int        *height)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) texture = gdk_texture_new_from_filename (path, &error);
  g_autoptr(GHashTable) colours = g_hash_table_new (NULL, NULL);
  g_autofree guint32 *pixels = NULL;

  g_assert_no_error (error);
  *width = gdk_texture_get_width (texture);
  *height = gdk_texture_get_height (texture);
  pixels = g_new (guint32, (gsize) *width * *height);
  gdk_texture_download (texture, (guchar *) pixels, (gsize) *width * 4);
  for (gsize i = 0; i < (gsize) *width * *height; i++)
    g_hash_table_add (colours, GUINT_TO_POINTER (pixels[i]));
  return g_hash_table_size (colours);
}

static GtkWindow *
find_about_window (GtkApplication *application)
{
  for (GList *l = gtk_application_get_windows (application); l != NULL; l = l->next)
    if (ADW_IS_ABOUT_WINDOW (l->data))
      return l->data;
  return NULL;
}

static gboolean
on_frame (GtkWidget     *widget,
          GdkFrameClock *clock,
          gpointer       user_data)
{
  Probe *probe = user_data;

  probe->n_frames++;
  return probe->n_frames < 3 ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static gboolean
on_poll (gpointer user_data)
{
  Probe *probe = user_data;
  GtkApplication *application = GTK_APPLICATION (probe->application);
  GtkWindow *window = NULL;
  GtkWindow *about;

  for (GList *l = gtk_application_get_windows (application); l != NULL; l = l->next)
    if (HORMIGA_IS_WINDOW (l->data))
      window = l->data;

  if (g_get_monotonic_time () > probe->deadline)
    {
      probe->timed_out = TRUE;
      g_application_quit (G_APPLICATION (application));
      return G_SOURCE_REMOVE;
    }
  if (window == NULL || !gtk_widget_get_mapped (GTK_WIDGET (window)))
    return G_SOURCE_CONTINUE;

  g_free (probe->last_status);
  probe->last_status = hormiga_window_dup_status_text (HORMIGA_WINDOW (window));
  if (!probe->ready (probe, HORMIGA_WINDOW (window), probe->last_status))
    return G_SOURCE_CONTINUE;

  /* Ready: let a few frames lay out and draw the new status first. */
  if (probe->n_frames == 0)
    {
      probe->n_frames = 1;
      gtk_widget_add_tick_callback (GTK_WIDGET (window), on_frame, probe, NULL);
      return G_SOURCE_CONTINUE;
    }
  if (probe->n_frames < 3)
    return G_SOURCE_CONTINUE;

  if (!g_file_test (probe->screenshot_path, G_FILE_TEST_EXISTS))
    {
      save_screenshot (GTK_WIDGET (window), probe->screenshot_path);
      /* The shortcuts window that the primary menu and Ctrl+? open. */
      g_assert_nonnull (gtk_application_window_get_help_overlay (GTK_APPLICATION_WINDOW (window)));
    }

  /* The About window, through the same action as the menu and F1. */
  if (!probe->about_shown)
    {
      g_action_group_activate_action (G_ACTION_GROUP (application), "about", NULL);
      probe->about_shown = TRUE;
      return G_SOURCE_CONTINUE;
    }
  about = find_about_window (application);
  if (about == NULL)
    return G_SOURCE_CONTINUE;
  gtk_window_destroy (about);

  /* The same action as Ctrl+Q. */
  g_action_group_activate_action (G_ACTION_GROUP (application), "quit", NULL);
  return G_SOURCE_REMOVE;
}

static void
on_startup (GApplication *application,
            gpointer      user_data)
{
  /* The same pixels on every run: a fixed style, no animations. */
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                      ADW_COLOR_SCHEME_FORCE_LIGHT);
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);
}

/* Runs `hormiga --server URL` until @probe is done or times out. */
static void
run_app (Probe      *probe,
         const char *server_url)
{
  char *argv[] = { "hormiga", "--server", (char *) server_url, NULL };
  g_auto(GStrv) accels = NULL;
  int width, height;
  guint n_colours;
  int status;

  probe->application = hormiga_application_new ();
  /* One instance per test, whatever else runs on the bus. */
  g_application_set_flags (G_APPLICATION (probe->application), G_APPLICATION_NON_UNIQUE);
  g_signal_connect_after (probe->application, "startup", G_CALLBACK (on_startup), NULL);

  probe->deadline = g_get_monotonic_time () + (gint64) WAIT_MS * 1000;
  g_timeout_add (50, on_poll, probe);
  status = g_application_run (G_APPLICATION (probe->application), G_N_ELEMENTS (argv) - 1, argv);

  if (probe->timed_out)
    g_error ("the window did not show what was expected within %d s; its status said: %s",
             WAIT_MS / 1000, probe->last_status ? probe->last_status : "(no window)");
  g_assert_cmpint (status, ==, 0);

  accels = gtk_application_get_accels_for_action (GTK_APPLICATION (probe->application),
                                                  "app.quit");
  g_assert_true (g_strv_contains ((const char * const *) accels, "<Control>q"));
  g_clear_pointer (&accels, g_strfreev);
  accels = gtk_application_get_accels_for_action (GTK_APPLICATION (probe->application),
                                                  "app.about");
  g_assert_true (g_strv_contains ((const char * const *) accels, "F1"));
  g_assert_true (probe->about_shown);
  /* Shutdown stopped the node. */
  g_assert_nonnull (hormiga_application_get_node (probe->application));
  g_assert_cmpint (hormiga_node_thread_get_state (hormiga_application_get_node (probe->application)),
                   ==, HORMIGA_NODE_STATE_STOPPED);
  g_clear_object (&probe->application);

  g_assert_true (g_file_test (probe->screenshot_path, G_FILE_TEST_IS_REGULAR));
  n_colours = count_colours (probe->screenshot_path, &width, &height);
  g_test_message ("%s: %d×%d, %u colours", probe->screenshot_name, width, height, n_colours);
  g_assert_cmpint (width, >=, 360);
  g_assert_cmpint (height, >=, 360);
  g_assert_cmpuint (n_colours, >, 32);
}

static gboolean
ready_admitted (Probe         *probe,
                HormigaWindow *window,
                const char    *status)
{
  g_autofree char *expected = g_strdup_printf ("Connected as %s (1 peer known)", probe->peer_id);

  /* Once the DHT's bootstrap lookup is over too (the other peer only
   * signals, and never answers it): HormigaDht leaks a bootstrap's state
   * when it is freed during the lookup. */
  return g_str_equal (status, expected)
         && hormiga_node_thread_get_dht_ready (hormiga_window_get_node (window));
}

static gboolean
client_admitted (gpointer user_data)
{
  return hormiga_signaling_client_get_state (user_data) == HORMIGA_SIGNALING_STATE_ADMITTED;
}

/* The window shows that the app was admitted, with its PeerID and the
 * peer hormiguero told it about. */
static void
test_admitted (void)
{
  HormigaTestServer *server = hormiga_test_server_start (NULL);
  g_autoptr(HormigaIdentity) other = hormiga_identity_generate ();
  g_autoptr(HormigaSignalingClient) client =
    hormiga_signaling_client_new (hormiga_test_server_get_url (server), other, NULL);
  Probe probe = { .ready = ready_admitted };

  /* One peer there before us. */
  hormiga_signaling_client_start (client);
  g_assert_true (hormiga_test_wait_until (client_admitted, client, WAIT_MS));
  probe_init (&probe, "screenshot-window.png");
  run_app (&probe, hormiga_test_server_get_url (server));
  probe_clear (&probe);

  hormiga_signaling_client_stop (client);
  hormiga_test_server_stop (server);
}

static gboolean
ready_fallback (Probe         *probe,
                HormigaWindow *window,
                const char    *status)
{
  HormigaNodeThread *node = hormiga_window_get_node (window);
  const char *url = hormiga_node_thread_get_server_url (node);
  g_autofree char *expected = NULL;

  if (!hormiga_node_thread_get_embedded (node) || url == NULL)
    return FALSE;
  /* ws://127.0.0.1:PORT/ws → "…on 127.0.0.1:PORT (…" */
  g_assert_true (g_str_has_prefix (url, "ws://127.0.0.1:"));
  expected = g_strdup_printf ("Connected as %s (0 peers known)\n"
                              "Using a built-in hormiguero on %.*s (",
                              probe->peer_id, (int) (strlen (url) - strlen ("ws://") - strlen ("/ws")),
                              url + strlen ("ws://"));
  return g_str_has_prefix (status, expected) && strstr (status, "127.0.0.1:1") != NULL;
}

/* With a hormiguero that cannot be reached, the app starts its own, joins
 * it, and says so. */
static void
test_fallback (void)
{
  Probe probe = { .ready = ready_fallback };

  probe_init (&probe, "screenshot-window-built-in.png");
  run_app (&probe, "ws://127.0.0.1:1/ws");
  probe_clear (&probe);
}

/* ---- with hormiga-node peers ------------------------------------------------ */

#define N_PEERS 3
/* Main loop gaps are sampled with a timeout of this period. */
#define GAP_PERIOD_MS 10
/* A stall this long is a hang, not a slow machine: the UI thread must never
 * wait for the network. The measured figure is reported, not asserted. */
#define MAX_GAP_MS 5000

typedef enum {
  STAGE_FIRST_PEER,     /* connected to the peer that was there first */
  STAGE_ALL_PEERS,      /* the others joined: wait for all three everywhere */
  STAGE_NETWORK,        /* the Network view, drawn: keyboard, screenshot */
  STAGE_PEERS,          /* the Peers view, drawn: rows, screenshot */
  STAGE_DONE,
} Stage;

typedef struct
{
  HormigaApplication *application;
  HormigaTestServer  *server;
  HormigaTestNode    *nodes[N_PEERS];
  char               *data_dir;
  char               *peer_id;
  Stage               stage;
  guint               n_frames;
  gint64              deadline;
  gboolean            timed_out;
  char               *last_status;
  char               *network_path;
  char               *peers_path;

  /* Responsiveness while peers join. */
  gboolean            measuring;
  gint64              last_sample;
  gint64              worst_gap;
  guint               n_samples;
  guint               n_model_changes;
} Scene;

static gboolean
on_gap_sample (gpointer user_data)
{
  Scene *scene = user_data;
  gint64 now = g_get_monotonic_time ();

  if (!scene->measuring)
    return G_SOURCE_REMOVE;
  if (scene->last_sample != 0)
    scene->worst_gap = MAX (scene->worst_gap, now - scene->last_sample);
  scene->last_sample = now;
  scene->n_samples++;
  return G_SOURCE_CONTINUE;
}

static gboolean
on_scene_frame (GtkWidget     *widget,
                GdkFrameClock *clock,
                gpointer       user_data)
{
  Scene *scene = user_data;

  scene->n_frames++;
  return scene->n_frames < 3 ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

/* TRUE once the window has drawn three frames since the last call that
 * returned TRUE. */
static gboolean
frames_drawn (Scene     *scene,
              GtkWidget *window)
{
  if (scene->n_frames == 0)
    {
      scene->n_frames = 1;
      gtk_widget_add_tick_callback (window, on_scene_frame, scene, NULL);
      return FALSE;
    }
  if (scene->n_frames < 3)
    return FALSE;
  scene->n_frames = 0;
  return TRUE;
}

static void
on_peers_changed (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  gpointer    user_data)
{
  ((Scene *) user_data)->n_model_changes++;
}

static guint
count_peer_rows (GtkWidget *widget)
{
  guint n = 0;

  if (HORMIGA_IS_PEER_ROW (widget) && gtk_widget_get_mapped (widget)
      && hormiga_peer_row_get_item (HORMIGA_PEER_ROW (widget)) != NULL
      && hormiga_peer_item_get_connected (hormiga_peer_row_get_item (HORMIGA_PEER_ROW (widget))))
    n++;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    n += count_peer_rows (child);
  return n;
}

static void
check_graph_keyboard (HormigaNetworkGraph *graph)
{
  HormigaPeerItem *first, *second;
  guint n = hormiga_network_graph_get_n_peers (graph);
  guint steps = 1;

  gtk_test_accessible_assert_role (graph, GTK_ACCESSIBLE_ROLE_IMG);
  g_assert_true (gtk_test_accessible_has_property (GTK_ACCESSIBLE (graph), GTK_ACCESSIBLE_PROPERTY_LABEL));
  g_assert_true (gtk_widget_get_focusable (GTK_WIDGET (graph)));

  /* Tab enters on the first peer, moves to the next, leaves after the
   * last; Enter's action opens the details. */
  g_assert_true (gtk_widget_grab_focus (GTK_WIDGET (graph)));
  g_assert_null (hormiga_network_graph_get_focused_peer (graph));
  g_assert_true (gtk_widget_child_focus (GTK_WIDGET (graph), GTK_DIR_TAB_FORWARD));
  first = hormiga_network_graph_get_focused_peer (graph);
  g_assert_nonnull (first);
  g_assert_true (gtk_widget_child_focus (GTK_WIDGET (graph), GTK_DIR_TAB_FORWARD));
  second = hormiga_network_graph_get_focused_peer (graph);
  g_assert_nonnull (second);
  g_assert_true (first != second);
  steps++;
  while (gtk_widget_child_focus (GTK_WIDGET (graph), GTK_DIR_TAB_FORWARD))
    steps++;
  g_assert_cmpuint (steps, ==, n);
  g_assert_true (gtk_widget_child_focus (GTK_WIDGET (graph), GTK_DIR_TAB_BACKWARD));
  g_assert_true (hormiga_network_graph_show_details (graph));

  /* Back on the first peer for the screenshot. */
  hormiga_network_graph_focus_peer (graph, first);
  g_assert_true (hormiga_network_graph_get_focused_peer (graph) == first);
}

static gboolean
on_scene_poll (gpointer user_data)
{
  Scene *scene = user_data;
  GtkApplication *application = GTK_APPLICATION (scene->application);
  HormigaWindow *window = NULL;
  HormigaNodeThread *node;
  HormigaNetworkGraph *graph;
  g_autofree char *expected = NULL;

  for (GList *l = gtk_application_get_windows (application); l != NULL; l = l->next)
    if (HORMIGA_IS_WINDOW (l->data))
      window = l->data;

  if (g_get_monotonic_time () > scene->deadline)
    {
      scene->timed_out = TRUE;
      g_application_quit (G_APPLICATION (application));
      return G_SOURCE_REMOVE;
    }
  if (window == NULL || !gtk_widget_get_mapped (GTK_WIDGET (window)))
    return G_SOURCE_CONTINUE;

  node = hormiga_window_get_node (window);
  graph = hormiga_network_page_get_graph (hormiga_window_get_network_page (window));
  g_free (scene->last_status);
  scene->last_status = hormiga_window_dup_status_text (window);

  switch (scene->stage)
    {
    case STAGE_FIRST_PEER:
      if (hormiga_node_thread_get_n_connected (node) < 1)
        return G_SOURCE_CONTINUE;
      /* Two more peers join now, and find the app through hormiguero. */
      g_signal_connect (hormiga_node_thread_get_peers (node), "items-changed",
                        G_CALLBACK (on_peers_changed), scene);
      scene->measuring = TRUE;
      g_timeout_add (GAP_PERIOD_MS, on_gap_sample, scene);
      for (guint i = 1; i < N_PEERS; i++)
        scene->nodes[i] = hormiga_test_node_spawn (hormiga_test_server_get_url (scene->server));
      scene->stage = STAGE_ALL_PEERS;
      return G_SOURCE_CONTINUE;

    case STAGE_ALL_PEERS:
      expected = g_strdup_printf ("Connected as %s: %u peers connected (%u direct, 0 relayed)",
                                  scene->peer_id, N_PEERS, N_PEERS);
      if (hormiga_node_thread_get_n_connected (node) != N_PEERS
          || hormiga_network_graph_get_n_peers (graph) < N_PEERS
          || hormiga_network_graph_get_n_links (graph) != N_PEERS
          || !g_str_equal (scene->last_status, expected))
        return G_SOURCE_CONTINUE;
      scene->measuring = FALSE;
      for (guint i = 0; i < N_PEERS; i++)
        {
          g_assert_nonnull (hormiga_test_node_get_peer_id (scene->nodes[i]));
          g_assert_true (hormiga_test_node_has_line (scene->nodes[i], "admitted "));
        }
      hormiga_window_show_view (window, "network");
      scene->stage = STAGE_NETWORK;
      return G_SOURCE_CONTINUE;

    case STAGE_NETWORK:
      if (!frames_drawn (scene, GTK_WIDGET (window)))
        return G_SOURCE_CONTINUE;
      g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (graph)));
      g_assert_cmpuint (hormiga_network_graph_get_n_peers (graph), >=, N_PEERS);
      g_assert_cmpstr (hormiga_network_graph_get_self_peer_id (graph), ==, scene->peer_id);
      if (hormiga_network_graph_get_focused_peer (graph) == NULL)
        {
          check_graph_keyboard (graph);
          return G_SOURCE_CONTINUE;   /* draw the focus ring first */
        }
      save_screenshot (GTK_WIDGET (window), scene->network_path);
      hormiga_window_show_view (window, "peers");
      scene->stage = STAGE_PEERS;
      return G_SOURCE_CONTINUE;

    case STAGE_PEERS:
      if (!frames_drawn (scene, GTK_WIDGET (window)))
        return G_SOURCE_CONTINUE;
      {
        GtkListView *list = hormiga_peers_page_get_list_view (hormiga_window_get_peers_page (window));

        g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (list)));
        g_assert_cmpuint (count_peer_rows (GTK_WIDGET (list)), ==, N_PEERS);
      }
      save_screenshot (GTK_WIDGET (window), scene->peers_path);
      scene->stage = STAGE_DONE;
      g_action_group_activate_action (G_ACTION_GROUP (application), "quit", NULL);
      return G_SOURCE_REMOVE;

    case STAGE_DONE:
    default:
      return G_SOURCE_REMOVE;
    }
}

static void
assert_screenshot (const char *path)
{
  int width, height;
  guint n_colours = count_colours (path, &width, &height);

  g_test_message ("%s: %d×%d, %u colours", path, width, height, n_colours);
  g_assert_cmpint (width, >=, 360);
  g_assert_cmpint (height, >=, 360);
  g_assert_cmpuint (n_colours, >, 32);
}

static void
test_peers (void)
{
  Scene scene = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(HormigaIdentity) identity = NULL;
  g_autofree char *key = NULL;
  char *argv[] = { "hormiga", "--server", NULL, "--ice-address", "127.0.0.1", NULL };
  int status;

  scene.server = hormiga_test_server_start (NULL);
  scene.nodes[0] = hormiga_test_node_start (hormiga_test_server_get_url (scene.server));
  hormiga_test_node_expect (scene.nodes[0], "admitted ", WAIT_MS);

  scene.data_dir = g_dir_make_tmp ("hormiga-app-XXXXXX", &error);
  g_assert_no_error (error);
  identity = hormiga_identity_load_or_create (scene.data_dir, &error);
  g_assert_no_error (error);
  scene.peer_id = g_strdup (hormiga_peer_id_to_string (hormiga_identity_get_peer_id (identity)));
  g_setenv (HORMIGA_DATA_DIR_ENV, scene.data_dir, TRUE);
  scene.network_path = g_test_build_filename (G_TEST_BUILT, "screenshot-network.png", NULL);
  scene.peers_path = g_test_build_filename (G_TEST_BUILT, "screenshot-peers.png", NULL);
  g_unlink (scene.network_path);
  g_unlink (scene.peers_path);

  scene.application = hormiga_application_new ();
  g_application_set_flags (G_APPLICATION (scene.application), G_APPLICATION_NON_UNIQUE);
  g_signal_connect_after (scene.application, "startup", G_CALLBACK (on_startup), NULL);
  scene.deadline = g_get_monotonic_time () + (gint64) 2 * WAIT_MS * 1000;
  g_timeout_add (50, on_scene_poll, &scene);
  argv[2] = (char *) hormiga_test_server_get_url (scene.server);
  status = g_application_run (G_APPLICATION (scene.application), G_N_ELEMENTS (argv) - 1, argv);

  if (scene.timed_out)
    g_error ("the window did not show %u peers within %d s (stage %d); its status said: %s",
             N_PEERS, 2 * WAIT_MS / 1000, scene.stage,
             scene.last_status ? scene.last_status : "(no window)");
  g_assert_cmpint (status, ==, 0);
  g_assert_cmpint (scene.stage, ==, STAGE_DONE);

  /* The UI thread kept turning while the peers joined. */
  g_test_message ("while %u peers joined: %u main loop samples, longest gap %.1f ms "
                  "(sampled every %d ms); the peer model changed %u times",
                  N_PEERS - 1, scene.n_samples, scene.worst_gap / 1000.0, GAP_PERIOD_MS,
                  scene.n_model_changes);
  g_assert_cmpuint (scene.n_samples, >, 1);
  g_assert_cmpint (scene.worst_gap, <, (gint64) MAX_GAP_MS * 1000);
  g_assert_cmpuint (scene.n_model_changes, >=, 1);

  g_clear_object (&scene.application);
  assert_screenshot (scene.network_path);
  assert_screenshot (scene.peers_path);

  for (guint i = 0; i < N_PEERS; i++)
    hormiga_test_node_quit (scene.nodes[i]);
  hormiga_test_server_stop (scene.server);
  key = g_build_filename (scene.data_dir, HORMIGA_KEY_FILE_NAME, NULL);
  g_unlink (key);
  g_rmdir (scene.data_dir);
  g_unsetenv (HORMIGA_DATA_DIR_ENV);
  g_free (scene.data_dir);
  g_free (scene.peer_id);
  g_free (scene.last_status);
  g_free (scene.network_path);
  g_free (scene.peers_path);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  /* GtkApplication wants a session bus: the suite gives the test a private
   * one (dbus-run-session) and a display (xvfb-run). */
  if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL)
    g_test_message ("no D-Bus session bus: GTK will warn, and the warning is fatal");

  g_test_add_func ("/hormiga/app/admitted", test_admitted);
  g_test_add_func ("/hormiga/app/fallback", test_fallback);
  g_test_add_func ("/hormiga/app/peers", test_peers);
  return g_test_run ();
}
