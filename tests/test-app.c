/* test-app.c — the desktop application against a real hormiguero
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs the application as `hormiga --server URL` would, in this process,
 * under a display (xvfb-run in the suite) and a private D-Bus session
 * (dbus-run-session), and
 * watches its window's status bar until it says what the test waits for.
 * Then it saves a screenshot of the window, rendered from the widget tree,
 * into the build directory. /hormiga/app/admitted also opens the
 * preferences (app.preferences), drives every row both ways against
 * GSettings and saves screenshot-preferences.png.
 *
 * /hormiga/app/peers runs it with five real hormiga-node peers: one there
 * before the app, four more joining while it runs. It waits until the
 * status line, the peer model, the Network graph and the Peers list all
 * show the five, and the graph draws the contingency chain (every node
 * keeps two contingents, its successors on the key ring: two arrows from
 * this node, two to it), checks the graph's keyboard navigation and accessible
 * state, saves screenshot-network.png and screenshot-peers.png, and
 * reports the longest stall of the UI thread's main loop while the peers
 * joined.
 *
 * /hormiga/app/pulses shows a Network graph in a window of its own: beads
 * pulse along the line of a connected peer that is transferring, redrawn
 * through the frame clock only while they do, and stand still without
 * animations (screenshot-pulses.png).
 *
 * /hormiga/app/files runs it with a peer of the test's own, a HormigaNode
 * and HormigaTransferManager on this thread (the CLI does not share files
 * yet): the app downloads a file the peer shares through the Open Link
 * dialog, and the Transfers row shows it whole (screenshot-transfers.png);
 * the peer sends the app a file, the offer dialog shows it
 * (screenshot-offer.png) and, accepted, it arrives; the peer offers a
 * folder of five files in two subfolders, and the test leaves a file and
 * a whole subfolder through the dialog's checks, as a user clicks them
 * (screenshot-offer-folder.png): only the chosen files arrive, and the
 * Transfers view shows the folder with their size; the app publishes a
 * file, its link is shown, and the peer downloads it with that link; the
 * app sends the peer a file. Every file is checked byte for byte. Once
 * the peer is known (its offer accepted) and auto-accept is on, its next
 * file arrives without a question. The Transfers view lists what the app
 * served the peer as an upload, and the file the app sends the peer is
 * dropped on the peer's row in the Peers list.
 *
 * /hormiga/app/offer-large shows the offer of a folder of two thousand
 * files: closed folders, rows only for what is on screen, a folder's
 * check taking or leaving its fifty files (screenshot-offer-large.png).
 *
 * /hormiga/app/open-link starts the app as `hormiga --server URL
 * hormiga:…` with a link a real hormiga-node published, then runs the
 * program itself, `hormiga hormiga:…`, as the desktop's handler would: it
 * hands its link to the running instance over D-Bus; a third link comes
 * through org.freedesktop.Application.Open, as the desktop opens links
 * (DBusActivatable). Every file arrives byte for byte.
 */
#include <glib/gstdio.h>

#include <adwaita.h>

#include "hormiga-application.h"
#include "hormiga-identity.h"
#include "hormiga-link.h"
#include "hormiga-link-dialog.h"
#include "hormiga-offer-dialog.h"
#include "hormiga-peer-id.h"
#include "hormiga-peer-item-private.h"
#include "hormiga-peer-row.h"
#include "hormiga-preferences-window.h"
#include "hormiga-publish-dialog.h"
#include "hormiga-signaling-client.h"
#include "hormiga-test-node.h"
#include "hormiga-test-server.h"
#include "hormiga-transfer-manager.h"
#include "hormiga-transfer-row.h"
#include "hormiga-window.h"

/* Generous: these only fail a broken test, never a slow machine. */
#define WAIT_MS 60000

static void           assert_screenshot (const char *path);
static GtkDropTarget *find_drop_target  (GtkWidget  *widget);

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
  gboolean            about_closed;
  gboolean            preferences_shown;
  guint               n_preferences_frames;
  char               *preferences_path;  /* its screenshot */
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
  g_free (probe->preferences_path);
  g_free (probe->last_status);
}

/* The window as GTK would draw it now, into a PNG. FALSE if it has
 * something to redraw (its render node is gone until the next frame, so
 * the picture would be empty): try again after a frame. */
static gboolean
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
  if (node == NULL)
    {
      g_test_message ("screenshot: %s is being redrawn; again after a frame", path);
      return FALSE;
    }
  texture = gsk_renderer_render_texture (renderer, node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("screenshot: %s (%d×%d)", path, width, height);
  return TRUE;
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
on_preferences_frame (GtkWidget     *widget,
                      GdkFrameClock *clock,
                      gpointer       user_data)
{
  Probe *probe = user_data;

  probe->n_preferences_frames++;
  return probe->n_preferences_frames < 3 ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

/* The row titled @title under @widget. */
static GtkWidget *
find_row (GtkWidget  *widget,
          const char *title)
{
  if (ADW_IS_PREFERENCES_ROW (widget)
      && g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)), title) == 0)
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *row = find_row (child, title);

      if (row != NULL)
        return row;
    }
  return NULL;
}

/* The first widget of @type under @widget. */
static gpointer
find_descendant (GtkWidget *widget,
                 GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      gpointer found = find_descendant (child, type);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static void
assert_setting (GSettings  *settings,
                const char *key,
                const char *expected)
{
  g_autofree char *value = g_settings_get_string (settings, key);

  g_assert_cmpstr (value, ==, expected);
}

/* The rows show the settings and write them back, both ways. */
static void
check_preferences (HormigaPreferencesWindow *preferences)
{
  GSettings *settings = hormiga_preferences_window_get_settings (preferences);
  GtkWidget *row;
  GtkSwitch *toggle;
  GtkSpinButton *spin;
  g_autoptr(GFile) folder = NULL;
  g_autofree char *path = NULL;
  g_autofree char *fallback = NULL;
  g_auto(GStrv) servers = NULL;

  /* The hormiguero the app was started with is not written to the
   * settings: the row shows the configured one. */
  row = find_row (GTK_WIDGET (preferences), "Address (ws:// or wss://)");
  g_assert_nonnull (row);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (row)), ==, "ws://127.0.0.1:8710/ws");
  /* Only a WebSocket address is written. */
  gtk_editable_set_text (GTK_EDITABLE (row), "http://192.0.2.7/ws");
  g_assert_true (gtk_widget_has_css_class (row, "error"));
  assert_setting (settings, "server-url", "ws://127.0.0.1:8710/ws");
  gtk_editable_set_text (GTK_EDITABLE (row), "wss://192.0.2.7/ws");
  g_assert_false (gtk_widget_has_css_class (row, "error"));
  assert_setting (settings, "server-url", "wss://192.0.2.7/ws");

  row = find_row (GTK_WIDGET (preferences), "Display Name");
  gtk_editable_set_text (GTK_EDITABLE (row), "Reina");
  assert_setting (settings, "display-name", "Reina");
  g_assert_false (gtk_widget_has_css_class (row, "error"));
  /* Only a name a hello can carry is written: not 65 bytes, nor a tab. */
  gtk_editable_set_text (GTK_EDITABLE (row),
                         "Reina de todas las hormigas del hormiguero, la que manda en todas");
  g_assert_true (gtk_widget_has_css_class (row, "error"));
  assert_setting (settings, "display-name", "Reina");
  gtk_editable_set_text (GTK_EDITABLE (row), "Reina\tmadre");
  g_assert_true (gtk_widget_has_css_class (row, "error"));
  assert_setting (settings, "display-name", "Reina");
  gtk_editable_set_text (GTK_EDITABLE (row), "Reina madre 🐜");
  g_assert_false (gtk_widget_has_css_class (row, "error"));
  assert_setting (settings, "display-name", "Reina madre 🐜");

  row = find_row (GTK_WIDGET (preferences), "Accept Files From Known Peers");
  toggle = find_descendant (row, GTK_TYPE_SWITCH);
  g_assert_false (gtk_switch_get_active (toggle));
  g_settings_set_boolean (settings, "auto-accept-known", TRUE);
  g_assert_true (gtk_switch_get_active (toggle));
  gtk_switch_set_active (toggle, FALSE);
  g_assert_false (g_settings_get_boolean (settings, "auto-accept-known"));

  row = find_row (GTK_WIDGET (preferences), "Upload Limit");
  spin = find_descendant (row, GTK_TYPE_SPIN_BUTTON);
  gtk_spin_button_set_value (spin, 512);
  g_assert_cmpuint (g_settings_get_uint (settings, "upload-limit"), ==, 512);
  g_settings_reset (settings, "upload-limit");
  g_assert_cmpfloat (gtk_spin_button_get_value (spin), ==, 0);

  row = find_row (GTK_WIDGET (preferences), "Number of Contingents");
  spin = find_descendant (row, GTK_TYPE_SPIN_BUTTON);
  g_assert_cmpfloat (gtk_spin_button_get_value (spin), ==, 2);
  gtk_spin_button_set_value (spin, 3);
  g_assert_cmpuint (g_settings_get_uint (settings, "contingents"), ==, 3);

  row = find_row (GTK_WIDGET (preferences), "STUN Servers");
  gtk_editable_set_text (GTK_EDITABLE (row), "stun:192.0.2.1:3478, stun:192.0.2.2:3478");
  servers = g_settings_get_strv (settings, "stun-servers");
  g_assert_cmpstrv (servers, ((const char *[]) { "stun:192.0.2.1:3478", "stun:192.0.2.2:3478",
                                                 NULL }));
  /* A list with one server the node cannot use is not written, and the
   * row says why. */
  gtk_editable_set_text (GTK_EDITABLE (row), "stun:192.0.2.1:3478, turn:192.0.2.3");
  g_assert_true (gtk_widget_has_css_class (row, "error"));
  g_assert_nonnull (strstr (gtk_widget_get_tooltip_text (row), "a STUN server starts with stun:"));
  g_clear_pointer (&servers, g_strfreev);
  servers = g_settings_get_strv (settings, "stun-servers");
  g_assert_cmpuint (g_strv_length (servers), ==, 2);

  row = find_row (GTK_WIDGET (preferences), "TURN Servers");
  gtk_editable_set_text (GTK_EDITABLE (row), "turn:192.0.2.3:3478");
  g_assert_true (gtk_widget_has_css_class (row, "error"));
  g_assert_nonnull (strstr (gtk_widget_get_tooltip_text (row), "needs its credentials"));
  g_clear_pointer (&servers, g_strfreev);
  servers = g_settings_get_strv (settings, "turn-servers");
  g_assert_cmpuint (g_strv_length (servers), ==, 0);
  gtk_editable_set_text (GTK_EDITABLE (row), "turn:reina:miel%40@192.0.2.3:3478?transport=tcp");
  g_assert_false (gtk_widget_has_css_class (row, "error"));
  g_assert_null (gtk_widget_get_tooltip_text (row));
  g_clear_pointer (&servers, g_strfreev);
  servers = g_settings_get_strv (settings, "turn-servers");
  g_assert_cmpuint (g_strv_length (servers), ==, 1);
  g_assert_cmpstr (servers[0], ==, "turn:reina:miel%40@192.0.2.3:3478?transport=tcp");

  /* The folder the chooser gives, then back to the default. */
  row = find_row (GTK_WIDGET (preferences), "Download Folder");
  fallback = hormiga_node_thread_default_download_folder ();
  g_assert_true (g_str_has_prefix (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), fallback));
  path = g_build_filename (g_get_tmp_dir (), "hormiga-elsewhere", NULL);
  folder = g_file_new_for_path (path);
  hormiga_preferences_window_set_download_folder (preferences, folder);
  assert_setting (settings, "download-folder", path);
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), ==, path);
  g_assert_true (gtk_widget_activate_action (row, "preferences.reset-folder", NULL));
  assert_setting (settings, "download-folder", "");
  g_assert_true (g_str_has_prefix (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), fallback));
}

/* A GtkShortcutsShortcut for @action under @widget. */
static gboolean
has_shortcut (GtkWidget  *widget,
              const char *action)
{
  if (GTK_IS_SHORTCUTS_SHORTCUT (widget))
    {
      g_autofree char *name = NULL;

      g_object_get (widget, "action-name", &name, NULL);
      if (g_strcmp0 (name, action) == 0)
        return TRUE;
    }
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (has_shortcut (child, action))
      return TRUE;
  return FALSE;
}

static HormigaPreferencesWindow *
find_preferences_window (GtkApplication *application)
{
  for (GList *l = gtk_application_get_windows (application); l != NULL; l = l->next)
    if (HORMIGA_IS_PREFERENCES_WINDOW (l->data))
      return l->data;
  return NULL;
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
      /* The shortcuts window that the primary menu and Ctrl+? open lists
       * the preferences. */
      GtkShortcutsWindow *overlay =
        gtk_application_window_get_help_overlay (GTK_APPLICATION_WINDOW (window));

      if (!save_screenshot (GTK_WIDGET (window), probe->screenshot_path))
        return G_SOURCE_CONTINUE;
      g_assert_nonnull (overlay);
      g_assert_true (has_shortcut (GTK_WIDGET (overlay), "app.preferences"));
      g_assert_true (has_shortcut (GTK_WIDGET (overlay), "app.quit"));
    }

  /* The About window, through the same action as the menu and F1. */
  if (!probe->about_shown)
    {
      g_action_group_activate_action (G_ACTION_GROUP (application), "about", NULL);
      probe->about_shown = TRUE;
      return G_SOURCE_CONTINUE;
    }
  if (!probe->about_closed)
    {
      about = find_about_window (application);
      if (about == NULL)
        return G_SOURCE_CONTINUE;
      gtk_window_destroy (about);
      probe->about_closed = TRUE;
    }

  /* The preferences, through the same action as the menu and Ctrl+comma,
   * once (the first test that gets here). */
  if (probe->preferences_path != NULL && !probe->preferences_shown)
    {
      HormigaPreferencesWindow *preferences = find_preferences_window (application);

      if (preferences == NULL)
        {
          g_action_group_activate_action (G_ACTION_GROUP (application), "preferences", NULL);
          preferences = find_preferences_window (application);
          g_assert_nonnull (preferences);
          check_preferences (preferences);
          gtk_widget_add_tick_callback (GTK_WIDGET (preferences), on_preferences_frame, probe,
                                        NULL);
          return G_SOURCE_CONTINUE;
        }
      if (probe->n_preferences_frames < 3)
        return G_SOURCE_CONTINUE;
      if (!save_screenshot (GTK_WIDGET (preferences), probe->preferences_path))
        return G_SOURCE_CONTINUE;
      /* A second activation shows the same window. */
      g_action_group_activate_action (G_ACTION_GROUP (application), "preferences", NULL);
      g_assert_true (find_preferences_window (application) == preferences);
      gtk_window_destroy (GTK_WINDOW (preferences));
      probe->preferences_shown = TRUE;
    }

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
                                                  "app.preferences");
  g_assert_true (g_strv_contains ((const char * const *) accels, "<Control>comma"));
  g_clear_pointer (&accels, g_strfreev);
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
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  const char * const keys[] = { "display-name", "auto-accept-known", "upload-limit",
                                "contingents", "stun-servers", "download-folder", "server-url" };

  /* One peer there before us. */
  hormiga_signaling_client_start (client);
  g_assert_true (hormiga_test_wait_until (client_admitted, client, WAIT_MS));
  probe_init (&probe, "screenshot-window.png");
  probe.preferences_path = g_test_build_filename (G_TEST_BUILT, "screenshot-preferences.png", NULL);
  g_unlink (probe.preferences_path);
  run_app (&probe, hormiga_test_server_get_url (server));
  g_assert_true (probe.preferences_shown);
  assert_screenshot (probe.preferences_path);
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    g_settings_reset (settings, keys[i]);
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

#define N_PEERS 5
/* The app's contingents (the GSettings default), and the peers it
 * protects: with six nodes on the key ring, its two predecessors. */
#define N_CHAIN 2
/* The chain must hold this long before the screenshot. */
#define CHAIN_SETTLED_MS 1500
/* Main loop gaps are sampled with a timeout of this period. */
#define GAP_PERIOD_MS 10
/* A stall this long is a hang, not a slow machine: the UI thread must never
 * wait for the network. The measured figure is reported, not asserted. */
#define MAX_GAP_MS 5000

typedef enum {
  STAGE_FIRST_PEER,     /* connected to the peer that was there first */
  STAGE_ALL_PEERS,      /* the others joined: wait for all five everywhere, and the chain */
  STAGE_NETWORK,        /* the Network view, drawn: keyboard, screenshot */
  STAGE_PEERS,          /* the Peers view, drawn: rows, screenshot */
  STAGE_DROP,           /* the Network view again: a file dropped on a peer */
  STAGE_DROPPED,        /* the peer's answer */
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
  char               *drop_path;        /* the file dropped on a peer */
  char               *last_toast;
  guint               n_chain_out;      /* arrows last counted in the graph */
  guint               n_chain_in;
  gint64              chain_since;      /* monotonic µs it has been as expected */

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

/* What the first peer of the peers scene calls itself. */
#define PEER_NAME "Obrera de la puerta"

/* The title of the Peers list's row for @peer_id, or NULL. */
static const char *
peer_row_title (GtkWidget  *widget,
                const char *peer_id)
{
  if (HORMIGA_IS_PEER_ROW (widget) && hormiga_peer_row_get_item (HORMIGA_PEER_ROW (widget)) != NULL
      && g_strcmp0 (hormiga_peer_item_get_peer_id (hormiga_peer_row_get_item (HORMIGA_PEER_ROW (widget))),
                    peer_id) == 0)
    return gtk_label_get_text (find_descendant (widget, GTK_TYPE_LABEL));
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      const char *title = peer_row_title (child, peer_id);

      if (title != NULL)
        return title;
    }
  return NULL;
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
      {
        guint n_out, n_in;

        hormiga_network_graph_get_n_chain_arrows (graph, &n_out, &n_in);
        scene->n_chain_out = n_out;
        scene->n_chain_in = n_in;
        /* Settled: a node may pick a contingent before it knows the whole
         * ring, and release it a moment later. */
        if (n_out != N_CHAIN || n_in != N_CHAIN)
          {
            scene->chain_since = 0;
            return G_SOURCE_CONTINUE;
          }
        if (scene->chain_since == 0)
          scene->chain_since = g_get_monotonic_time ();
        if (g_get_monotonic_time () - scene->chain_since < CHAIN_SETTLED_MS * 1000)
          return G_SOURCE_CONTINUE;
      }
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
      /* The screenshot shows the chain as it settled; if it moved since,
       * wait for it again. */
      {
        guint n_out, n_in;

        hormiga_network_graph_get_n_chain_arrows (graph, &n_out, &n_in);
        if (n_out != N_CHAIN || n_in != N_CHAIN)
          {
            g_test_message ("the chain moved (%u arrows out, %u in): waiting again", n_out, n_in);
            scene->chain_since = 0;
            scene->stage = STAGE_ALL_PEERS;
            return G_SOURCE_CONTINUE;
          }
      }
      if (hormiga_network_graph_get_focused_peer (graph) == NULL)
        {
          check_graph_keyboard (graph);
          return G_SOURCE_CONTINUE;   /* draw the focus ring first */
        }
      if (!save_screenshot (GTK_WIDGET (window), scene->network_path))
        return G_SOURCE_CONTINUE;
      hormiga_window_show_view (window, "peers");
      scene->stage = STAGE_PEERS;
      return G_SOURCE_CONTINUE;

    case STAGE_DROPPED:
      /* hormiga-node declines offers unless told whom to take them from:
       * the answer comes back from the peer the file was dropped on. */
      if (g_strcmp0 (scene->last_toast, hormiga_window_get_last_toast (window)) != 0)
        {
          g_free (scene->last_toast);
          scene->last_toast = g_strdup (hormiga_window_get_last_toast (window));
          g_test_message ("toast: %s", scene->last_toast);
        }
      if (!g_str_has_prefix (hormiga_window_get_last_toast (window), "“gota.txt” declined: "))
        return G_SOURCE_CONTINUE;
      {
        guint n_offered = 0;

        for (guint i = 0; i < N_PEERS; i++)
          if (hormiga_test_node_has_line (scene->nodes[i], "offer-declined from="))
            {
              g_assert_cmpstr (hormiga_test_node_get_peer_id (scene->nodes[i]), ==,
                               hormiga_peer_item_get_peer_id (
                                 hormiga_network_graph_get_focused_peer (graph)));
              n_offered++;
            }
        g_assert_cmpuint (n_offered, ==, 1);
      }
      scene->stage = STAGE_DONE;
      g_action_group_activate_action (G_ACTION_GROUP (application), "quit", NULL);
      return G_SOURCE_REMOVE;

    case STAGE_PEERS:
      if (!frames_drawn (scene, GTK_WIDGET (window)))
        return G_SOURCE_CONTINUE;
      {
        GtkListView *list = hormiga_peers_page_get_list_view (hormiga_window_get_peers_page (window));

        g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (list)));
        g_assert_cmpuint (count_peer_rows (GTK_WIDGET (list)), ==, N_PEERS);
        /* The first peer goes by a name: its row says it. */
        if (g_strcmp0 (peer_row_title (GTK_WIDGET (list),
                                       hormiga_test_node_get_peer_id (scene->nodes[0])),
                       PEER_NAME) != 0)
          return G_SOURCE_CONTINUE;
      }
      if (!save_screenshot (GTK_WIDGET (window), scene->peers_path))
        return G_SOURCE_CONTINUE;
      /* Back to the graph, after the screenshots: the drop's toasts. */
      hormiga_window_show_view (window, "network");
      scene->stage = STAGE_DROP;
      return G_SOURCE_CONTINUE;

    case STAGE_DROP:
      if (!frames_drawn (scene, GTK_WIDGET (window)))
        return G_SOURCE_CONTINUE;
      /* A file dropped on a peer of the graph is offered to it; dropped
       * where no peer is, it is refused. */
      {
        GtkDropTarget *target = find_drop_target (GTK_WIDGET (graph));
        graphene_point_t point;
        g_autoptr(GFile) file = g_file_new_for_path (scene->drop_path);
        GValue value = G_VALUE_INIT;
        gboolean accepted = TRUE;

        g_assert_nonnull (target);
        g_assert_true (hormiga_network_graph_get_peer_position (
                         graph, hormiga_network_graph_get_focused_peer (graph), &point));
        g_value_init (&value, GDK_TYPE_FILE_LIST);
        g_value_take_boxed (&value,
                            gdk_file_list_new_from_list (&(GSList) { .data = file, .next = NULL }));
        g_signal_emit_by_name (target, "drop", &value, 1.0, 1.0, &accepted);
        g_assert_false (accepted);
        g_signal_emit_by_name (target, "drop", &value, (double) point.x, (double) point.y,
                               &accepted);
        g_assert_true (accepted);
        g_value_unset (&value);
        g_assert_true (g_str_has_prefix (hormiga_window_get_last_toast (window),
                                         "Offering “gota.txt” to "));
      }
      scene->stage = STAGE_DROPPED;
      return G_SOURCE_CONTINUE;

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
  scene.nodes[0] = hormiga_test_node_spawn_with (hormiga_test_server_get_url (scene.server),
                                                 (const char *[]) { "--name", PEER_NAME, NULL });
  hormiga_test_node_expect (scene.nodes[0], "admitted ", WAIT_MS);

  scene.data_dir = g_dir_make_tmp ("hormiga-app-XXXXXX", &error);
  g_assert_no_error (error);
  identity = hormiga_identity_load_or_create (scene.data_dir, &error);
  g_assert_no_error (error);
  scene.peer_id = g_strdup (hormiga_peer_id_to_string (hormiga_identity_get_peer_id (identity)));
  g_setenv (HORMIGA_DATA_DIR_ENV, scene.data_dir, TRUE);
  scene.network_path = g_test_build_filename (G_TEST_BUILT, "screenshot-network.png", NULL);
  scene.peers_path = g_test_build_filename (G_TEST_BUILT, "screenshot-peers.png", NULL);
  scene.drop_path = g_build_filename (scene.data_dir, "gota.txt", NULL);
  g_file_set_contents (scene.drop_path, "una gota de miel\n", -1, &error);
  g_assert_no_error (error);
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
    g_error ("the window did not show %u peers and the chain within %d s (stage %d, "
             "%u arrows out, %u in); its status said: %s",
             N_PEERS, 2 * WAIT_MS / 1000, scene.stage, scene.n_chain_out, scene.n_chain_in,
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
  g_unlink (scene.drop_path);
  g_free (scene.drop_path);
  g_free (scene.last_toast);
  g_rmdir (scene.data_dir);
  g_unsetenv (HORMIGA_DATA_DIR_ENV);
  g_free (scene.data_dir);
  g_free (scene.peer_id);
  g_free (scene.last_status);
  g_free (scene.network_path);
  g_free (scene.peers_path);
}

/* ---- pulses on the graph ------------------------------------------------------ */

/* The graph as drawn now, or NULL while it has something to redraw. */
static GBytes *
render_pixels (GtkWidget *widget)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  guchar *pixels;

  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (snapshot);
  if (node == NULL)
    return NULL;
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (gtk_widget_get_native (widget)),
                                         node, &GRAPHENE_RECT_INIT (0, 0, width, height));
  pixels = g_malloc ((gsize) width * height * 4);
  gdk_texture_download (texture, pixels, (gsize) width * 4);
  return g_bytes_new_take (pixels, (gsize) width * height * 4);
}

static GBytes *
wait_render (GtkWidget *widget)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) WAIT_MS * 1000;
  GBytes *pixels;

  while ((pixels = render_pixels (widget)) == NULL)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }
  return pixels;
}

typedef gboolean (*GraphCheck) (HormigaNetworkGraph *graph);

static gboolean
graph_settled (HormigaNetworkGraph *graph)
{
  return gtk_widget_get_mapped (GTK_WIDGET (graph)) && !hormiga_network_graph_get_animating (graph)
         && hormiga_network_graph_get_n_peers (graph) == 2;
}

static void
wait_graph (HormigaNetworkGraph *graph,
            GraphCheck           check,
            const char          *what)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) WAIT_MS * 1000;

  while (!check (graph))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("the graph never %s", what);
      g_main_context_iteration (NULL, TRUE);
    }
}

static gboolean
on_pulse_wait (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
wait_ms (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, on_pulse_wait, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

static HormigaPeerItem *
pulse_peer_new (const char      *peer_id,
                HormigaPeerKind  kind,
                guint            bucket,
                guint8           angle_byte)
{
  HormigaPeerState state = {
    .peer_id = (char *) peer_id,
    .kind = kind,
    .bucket = bucket,
    .rtt_ms = -1,
  };

  memset (state.key, 0x21, sizeof state.key);
  state.key[8] = angle_byte;
  return _hormiga_peer_item_new (&state);
}

/* Pulses run along the line of a connected peer that chunks move to or
 * from, redrawn through the frame clock only while one pulses; without
 * animations the line is marked and the clock stays still. */
static void
test_pulses (void)
{
  g_autoptr(GListStore) store = g_list_store_new (HORMIGA_TYPE_PEER_ITEM);
  g_autoptr(HormigaPeerItem) direct =
    pulse_peer_new ("12D3KooWPulseDirectAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", HORMIGA_PEER_KIND_DIRECT,
                    0, 0x10);
  g_autoptr(HormigaPeerItem) known =
    pulse_peer_new ("12D3KooWPulseKnownBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB", HORMIGA_PEER_KIND_KNOWN, 1,
                    0x90);
  g_autoptr(GBytes) before = NULL;
  g_autoptr(GBytes) after = NULL;
  g_autoptr(GBytes) still = NULL;
  HormigaNetworkGraph *graph;
  GtkWidget *window;

  gtk_init ();
  adw_init ();
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                      ADW_COLOR_SCHEME_FORCE_LIGHT);
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", TRUE, NULL);

  g_list_store_append (store, direct);
  g_list_store_append (store, known);
  window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (window), 520, 480);
  graph = HORMIGA_NETWORK_GRAPH (hormiga_network_graph_new ());
  hormiga_network_graph_set_model (graph, G_LIST_MODEL (store));
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (graph));
  gtk_window_present (GTK_WINDOW (window));

  /* Peers eased in, then the clock stops: nothing moves. */
  wait_graph (graph, graph_settled, "settled");
  g_assert_cmpuint (hormiga_network_graph_get_n_pulses (graph), ==, 0);
  before = wait_render (GTK_WIDGET (graph));
  wait_ms (300);
  after = wait_render (GTK_WIDGET (graph));
  g_assert_true (g_bytes_equal (before, after));
  g_clear_pointer (&before, g_bytes_unref);
  g_clear_pointer (&after, g_bytes_unref);

  /* A peer without a connection has no line to pulse on. */
  _hormiga_peer_item_set_transferring (known, TRUE);
  g_assert_cmpuint (hormiga_network_graph_get_n_pulses (graph), ==, 0);
  g_assert_false (hormiga_network_graph_get_animating (graph));

  /* A connected one pulses, and the pulses move from frame to frame. */
  _hormiga_peer_item_set_transferring (direct, TRUE);
  g_assert_cmpuint (hormiga_network_graph_get_n_pulses (graph), ==, 1);
  g_assert_true (hormiga_network_graph_get_animating (graph));
  before = wait_render (GTK_WIDGET (graph));
  wait_ms (350);
  g_assert_true (hormiga_network_graph_get_animating (graph));
  after = wait_render (GTK_WIDGET (graph));
  g_assert_false (g_bytes_equal (before, after));
  {
    g_autofree char *path = g_test_build_filename (G_TEST_BUILT, "screenshot-pulses.png", NULL);

    while (!save_screenshot (window, path))
      g_main_context_iteration (NULL, TRUE);
    assert_screenshot (path);
  }

  /* Done: the clock stops at its next frame. */
  _hormiga_peer_item_set_transferring (direct, FALSE);
  g_assert_cmpuint (hormiga_network_graph_get_n_pulses (graph), ==, 0);
  wait_graph (graph, graph_settled, "stopped pulsing");
  still = wait_render (GTK_WIDGET (graph));
  g_assert_false (g_bytes_equal (still, after));

  /* Without animations: a still mark on the line, no frame clock. */
  g_clear_pointer (&before, g_bytes_unref);
  g_clear_pointer (&after, g_bytes_unref);
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);
  _hormiga_peer_item_set_transferring (direct, TRUE);
  g_assert_cmpuint (hormiga_network_graph_get_n_pulses (graph), ==, 1);
  g_assert_false (hormiga_network_graph_get_animating (graph));
  wait_ms (50);
  before = wait_render (GTK_WIDGET (graph));
  g_assert_false (g_bytes_equal (before, still));
  wait_ms (300);
  after = wait_render (GTK_WIDGET (graph));
  g_assert_true (g_bytes_equal (before, after));
  g_assert_false (hormiga_network_graph_get_animating (graph));

  gtk_window_destroy (GTK_WINDOW (window));
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* ---- files, with an in-process peer -------------------------------------------- */

/* The peer: a HormigaNode with its HormigaTransferManager. It runs on the
 * app's node thread (hormiga_node_thread_invoke()): usrsctp is
 * process-wide, so every peer connection of the process must share one
 * context. Its objects are touched only there; what the test reads is
 * copied under the lock. */
typedef struct
{
  HormigaNodeThread      *thread;
  char                   *url;
  char                   *dir;

  /* the node thread only */
  HormigaNode            *node;
  HormigaTransferManager *manager;
  HormigaTransfer        *fetch;        /* what it downloads from the app */
  HormigaTransfer        *received;     /* what the app sent it */

  GMutex                  lock;
  gboolean                ready;
  gboolean                stopped;
  gboolean                accept_offers;
  char                   *peer_id;
  char                   *link;         /* of what it shared */
  gboolean                sent_done;
  gboolean                sent_accepted;
  char                   *sent_error;
  GStrv                   sent_paths;   /* what the app took of a folder */
  HormigaTransferState    fetch_state;
  char                   *fetch_path;
  char                   *fetch_error;
  HormigaTransferState    received_state;
  char                   *received_path;
} Peer;

/* A step for the node thread: the peer and its arguments. */
typedef struct
{
  Peer *peer;
  char *path;
  char *text;
} PeerOp;

static PeerOp *
peer_op_new (Peer       *peer,
             const char *path,
             const char *text)
{
  PeerOp *op = g_new0 (PeerOp, 1);

  op->peer = peer;
  op->path = g_strdup (path);
  op->text = g_strdup (text);
  return op;
}

static void
peer_op_free (gpointer data)
{
  PeerOp *op = data;

  g_free (op->path);
  g_free (op->text);
  g_free (op);
}

static void
peer_run (Peer        *peer,
          GSourceFunc  func,
          const char  *path,
          const char  *text)
{
  hormiga_node_thread_invoke (peer->thread, func, peer_op_new (peer, path, text), peer_op_free);
}

static void
on_peer_dht_ready (HormigaNode *node,
                   guint        contacts,
                   gpointer     user_data)
{
  Peer *peer = user_data;

  g_mutex_lock (&peer->lock);
  peer->ready = TRUE;
  g_mutex_unlock (&peer->lock);
}

static void
on_peer_transfer_notify (HormigaTransfer *transfer,
                         GParamSpec      *pspec,
                         gpointer         user_data)
{
  Peer *peer = user_data;

  g_mutex_lock (&peer->lock);
  if (transfer == peer->fetch)
    {
      peer->fetch_state = hormiga_transfer_get_state (transfer);
      g_free (peer->fetch_path);
      peer->fetch_path = g_strdup (hormiga_transfer_get_path (transfer));
      g_free (peer->fetch_error);
      peer->fetch_error = g_strdup (hormiga_transfer_get_error (transfer));
    }
  if (transfer == peer->received)
    {
      peer->received_state = hormiga_transfer_get_state (transfer);
      g_free (peer->received_path);
      peer->received_path = g_strdup (hormiga_transfer_get_path (transfer));
    }
  g_mutex_unlock (&peer->lock);
}

static gboolean
on_peer_offer (HormigaTransferManager *manager,
               HormigaTransferOffer   *offer,
               gpointer                user_data)
{
  Peer *peer = user_data;
  g_autoptr(GError) error = NULL;
  gboolean accept;

  g_mutex_lock (&peer->lock);
  accept = peer->accept_offers;
  g_mutex_unlock (&peer->lock);
  if (!accept)
    return FALSE;
  peer->received = g_object_ref (hormiga_transfer_offer_accept (offer, NULL, &error));
  g_assert_no_error (error);
  g_signal_connect (peer->received, "notify", G_CALLBACK (on_peer_transfer_notify), peer);
  return TRUE;
}

static gboolean
peer_start_op (gpointer data)
{
  PeerOp *op = data;
  Peer *peer = op->peer;
  g_autoptr(HormigaIdentity) identity = hormiga_identity_generate ();
  g_autoptr(GError) error = NULL;

  /* The context is the node thread's (its thread-default one). */
  peer->node = hormiga_node_new (identity, peer->url, NULL, NULL, &error);
  g_assert_no_error (error);
  hormiga_node_set_local_address (peer->node, "127.0.0.1");
  peer->manager = hormiga_transfer_manager_new (peer->node, peer->dir, NULL);
  g_signal_connect (peer->manager, "offer", G_CALLBACK (on_peer_offer), peer);
  g_signal_connect (peer->node, "dht-ready", G_CALLBACK (on_peer_dht_ready), peer);
  g_mutex_lock (&peer->lock);
  peer->peer_id = g_strdup (hormiga_peer_id_to_string (hormiga_identity_get_peer_id (identity)));
  g_mutex_unlock (&peer->lock);
  hormiga_node_start (peer->node);
  return G_SOURCE_REMOVE;
}

static void
on_peer_shared (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  Peer *peer = user_data;
  g_autoptr(GError) error = NULL;
  char *link = hormiga_transfer_manager_share_finish (HORMIGA_TRANSFER_MANAGER (object), result,
                                                      &error);

  g_assert_no_error (error);
  g_mutex_lock (&peer->lock);
  peer->link = link;
  g_mutex_unlock (&peer->lock);
}

static gboolean
peer_share_op (gpointer data)
{
  PeerOp *op = data;
  g_autoptr(GFile) file = g_file_new_for_path (op->path);

  hormiga_transfer_manager_share_async (op->peer->manager, file, NULL, on_peer_shared, op->peer);
  return G_SOURCE_REMOVE;
}

static void
on_peer_sent (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  Peer *peer = user_data;
  g_autoptr(GError) error = NULL;
  GStrv paths = NULL;
  gboolean accepted = hormiga_transfer_manager_send_finish_paths (HORMIGA_TRANSFER_MANAGER (object),
                                                                  result, &paths, &error);

  g_mutex_lock (&peer->lock);
  peer->sent_done = TRUE;
  peer->sent_accepted = accepted;
  peer->sent_error = error ? g_strdup (error->message) : NULL;
  g_strfreev (peer->sent_paths);
  peer->sent_paths = paths;
  g_mutex_unlock (&peer->lock);
}

/* Sends op->path to the PeerID op->text. */
static gboolean
peer_send_op (gpointer data)
{
  PeerOp *op = data;
  g_autoptr(GFile) file = g_file_new_for_path (op->path);
  g_autoptr(HormigaPeerId) to = hormiga_peer_id_parse (op->text, NULL);

  g_assert_nonnull (to);
  hormiga_transfer_manager_send_async (op->peer->manager, to, file, NULL, on_peer_sent, op->peer);
  return G_SOURCE_REMOVE;
}

/* Downloads the link op->text. */
static gboolean
peer_download_op (gpointer data)
{
  PeerOp *op = data;
  Peer *peer = op->peer;
  g_autoptr(GError) error = NULL;

  peer->fetch = g_object_ref (hormiga_transfer_manager_download (peer->manager, op->text, NULL,
                                                                 &error));
  g_assert_no_error (error);
  g_signal_connect (peer->fetch, "notify", G_CALLBACK (on_peer_transfer_notify), peer);
  on_peer_transfer_notify (peer->fetch, NULL, peer);
  return G_SOURCE_REMOVE;
}

static gboolean
peer_release_op (gpointer data)
{
  PeerOp *op = data;
  Peer *peer = op->peer;

  g_clear_object (&peer->manager);
  g_assert_finalize_object (peer->node);
  peer->node = NULL;
  g_mutex_lock (&peer->lock);
  peer->stopped = TRUE;
  g_mutex_unlock (&peer->lock);
  return G_SOURCE_REMOVE;
}

static gboolean
peer_stop_op (gpointer data)
{
  PeerOp *op = data;
  Peer *peer = op->peer;
  GSource *source;

  if (peer->fetch != NULL)
    g_signal_handlers_disconnect_by_data (peer->fetch, peer);
  if (peer->received != NULL)
    g_signal_handlers_disconnect_by_data (peer->received, peer);
  g_clear_object (&peer->fetch);
  g_clear_object (&peer->received);
  hormiga_transfer_manager_shutdown (peer->manager);
  hormiga_node_stop (peer->node);
  /* Released once the idle sources its stop left have run. */
  source = g_timeout_source_new (200);
  g_source_set_callback (source, peer_release_op, peer_op_new (peer, NULL, NULL), peer_op_free);
  g_source_attach (source, g_main_context_get_thread_default ());
  g_source_unref (source);
  return G_SOURCE_REMOVE;
}

static gboolean
peer_flag (Peer     *peer,
           gboolean *flag)
{
  gboolean value;

  g_mutex_lock (&peer->lock);
  value = *flag;
  g_mutex_unlock (&peer->lock);
  return value;
}

static void
peer_clear (Peer *peer)
{
  hormiga_test_remove_tree (peer->dir);
  g_free (peer->dir);
  g_free (peer->url);
  g_free (peer->peer_id);
  g_free (peer->link);
  g_free (peer->sent_error);
  g_strfreev (peer->sent_paths);
  g_free (peer->fetch_path);
  g_free (peer->fetch_error);
  g_free (peer->received_path);
  g_mutex_clear (&peer->lock);
}

static char *
make_file (const char *dir,
           const char *name,
           gsize       size)
{
  g_autofree guint8 *data = g_malloc (MAX (size, 1));
  char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  for (gsize i = 0; i < size; i++)
    data[i] = (guint8) g_random_int ();
  g_file_set_contents (path, (const char *) data, (gssize) size, &error);
  g_assert_no_error (error);
  return path;
}

static char *
file_digest (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize length;

  g_file_get_contents (path, &contents, &length, &error);
  g_assert_no_error (error);
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, length);
}

/* A notification server of the test's own on the private session bus:
 * the application notifies offers when its window is not active (it never
 * is under xvfb-run, with no window manager). */
typedef struct
{
  guint  owner_id;
  guint  object_id;
  guint  n_notified;
  guint  n_closed;
  char  *last_summary;
  char  *last_body;
  GStrv  last_actions;
} Notifications;

static const char notifications_xml[] =
  "<node><interface name='org.freedesktop.Notifications'>"
  "<method name='Notify'><arg type='s' direction='in'/><arg type='u' direction='in'/>"
  "<arg type='s' direction='in'/><arg type='s' direction='in'/><arg type='s' direction='in'/>"
  "<arg type='as' direction='in'/><arg type='a{sv}' direction='in'/><arg type='i' direction='in'/>"
  "<arg type='u' direction='out'/></method>"
  "<method name='CloseNotification'><arg type='u' direction='in'/></method>"
  "<method name='GetCapabilities'><arg type='as' direction='out'/></method>"
  "<signal name='ActionInvoked'><arg type='u'/><arg type='s'/></signal>"
  "<signal name='NotificationClosed'><arg type='u'/><arg type='u'/></signal>"
  "</interface></node>";

static void
on_notifications_call (GDBusConnection       *connection,
                       const char            *sender,
                       const char            *object_path,
                       const char            *interface_name,
                       const char            *method_name,
                       GVariant              *parameters,
                       GDBusMethodInvocation *invocation,
                       gpointer               user_data)
{
  Notifications *notifications = user_data;

  if (g_str_equal (method_name, "Notify"))
    {
      const char *summary, *body;

      g_free (notifications->last_summary);
      g_free (notifications->last_body);
      g_strfreev (notifications->last_actions);
      g_variant_get (parameters, "(&su&s&s&s^as@a{sv}i)", NULL, NULL, NULL, &summary, &body,
                     &notifications->last_actions, NULL, NULL);
      notifications->last_summary = g_strdup (summary);
      notifications->last_body = g_strdup (body);
      notifications->n_notified++;
      g_dbus_method_invocation_return_value (invocation,
                                             g_variant_new ("(u)", notifications->n_notified));
    }
  else if (g_str_equal (method_name, "CloseNotification"))
    {
      notifications->n_closed++;
      g_dbus_method_invocation_return_value (invocation, NULL);
    }
  else
    {
      const char *none[] = { "body", "actions", NULL };

      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(^as)", none));
    }
}

static void
notifications_start (Notifications *notifications)
{
  static const GDBusInterfaceVTable vtable = { .method_call = on_notifications_call };
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_autoptr(GDBusNodeInfo) info = NULL;

  g_assert_no_error (error);
  info = g_dbus_node_info_new_for_xml (notifications_xml, &error);
  g_assert_no_error (error);
  notifications->object_id =
    g_dbus_connection_register_object (bus, "/org/freedesktop/Notifications", info->interfaces[0],
                                       &vtable, notifications, NULL, &error);
  g_assert_no_error (error);
  notifications->owner_id = g_bus_own_name_on_connection (bus, "org.freedesktop.Notifications",
                                                          G_BUS_NAME_OWNER_FLAGS_NONE, NULL,
                                                          NULL, NULL, NULL);
}

static void
notifications_stop (Notifications *notifications)
{
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);

  g_bus_unown_name (notifications->owner_id);
  g_dbus_connection_unregister_object (bus, notifications->object_id);
  g_free (notifications->last_summary);
  g_free (notifications->last_body);
  g_strfreev (notifications->last_actions);
}

typedef enum {
  FILES_START,          /* the window is up: the peer starts on the node thread */
  FILES_READY,          /* the app admitted, its DHT and the peer's ready */
  FILES_SHARING,        /* the peer shares a file */
  FILES_DOWNLOADING,    /* the app downloads it through Open Link */
  FILES_SHOWN,          /* the Transfers view, drawn: rows, screenshot */
  FILES_OFFERED,        /* the peer sends a file: the offer dialog */
  FILES_RECEIVING,      /* accepted: it arrives */
  FILES_FOLDER_OFFERED, /* the peer sends a folder: its files, checked */
  FILES_FOLDER_CHOSEN,  /* some left: the dialog drawn again, accepted */
  FILES_FOLDER_RECEIVING, /* only the chosen files arrive */
  FILES_AUTO_ACCEPTED,  /* a known peer's second file, accepted without asking */
  FILES_PUBLISHING,     /* the app publishes a file: its link */
  FILES_FETCHED,        /* the peer downloads it from the app: the upload */
  FILES_DROPPING,       /* a file dropped on the peer's row in the Peers list */
  FILES_SENDING,        /* so the app sends it to the peer */
  FILES_STOPPING,       /* the peer leaves */
  FILES_DONE,
} FilesStage;

typedef struct
{
  HormigaApplication *application;
  HormigaTestServer  *server;
  Peer                peer;
  char               *data_dir;
  char               *download_dir;
  char               *work_dir;         /* the app's files to publish and send */
  FilesStage          stage;
  guint               n_frames;
  gint64              deadline;
  gboolean            timed_out;
  char               *last_status;

  char               *shared_path;      /* the peer's, downloaded by the app */
  char               *offered_path;     /* the peer's, sent to the app */
  char               *published_path;   /* the app's, fetched by the peer */
  char               *sent_path;        /* the app's, sent to the peer */
  char               *second_path;      /* the peer's, sent once it is known */
  char               *folder_path;      /* the peer's folder, part of it taken */
  GSettings          *settings;

  Notifications       notifications;
  gboolean            offer_notified;   /* the window was not active */
  char               *transfers_path;   /* screenshots */
  char               *offer_path;
  char               *offer_folder_path;
  guint               n_pulse_polls;    /* polls that saw the peer transferring */
} Files;

static gboolean
on_files_frame (GtkWidget     *widget,
                GdkFrameClock *clock,
                gpointer       user_data)
{
  Files *files = user_data;

  files->n_frames++;
  return files->n_frames < 3 ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static gboolean
files_frames_drawn (Files     *files,
                    GtkWidget *window)
{
  if (files->n_frames == 0)
    {
      files->n_frames = 1;
      gtk_widget_add_tick_callback (window, on_files_frame, files, NULL);
      return FALSE;
    }
  if (files->n_frames < 3)
    return FALSE;
  files->n_frames = 0;
  return TRUE;
}

static gpointer
find_toplevel (GType type)
{
  GListModel *toplevels = gtk_window_get_toplevels ();  /* transfer none */

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWidget) window = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (window, type) && gtk_widget_get_mapped (window))
        return window;
    }
  return NULL;
}

/* The transfer named @name once it is over; fails the test if it failed. */
static HormigaTransferItem *
finished_transfer (HormigaNodeThread *node,
                   const char        *name)
{
  GListModel *model = hormiga_node_thread_get_transfers (node);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(HormigaTransferItem) item = g_list_model_get_item (model, i);

      if (g_strcmp0 (hormiga_transfer_item_get_name (item), name) != 0
          || hormiga_transfer_item_get_direction (item) != HORMIGA_TRANSFER_DIRECTION_DOWNLOAD)
        continue;
      if (hormiga_transfer_item_get_state (item) == HORMIGA_TRANSFER_FAILED)
        g_error ("the download of %s failed: %s", name, hormiga_transfer_item_get_error (item));
      if (hormiga_transfer_item_get_state (item) == HORMIGA_TRANSFER_DONE)
        return item;
    }
  return NULL;
}

/* The peer model's item for @peer_id, or NULL. */
static HormigaPeerItem *
find_peer_item (HormigaNodeThread *node,
                const char        *peer_id)
{
  GListModel *model = hormiga_node_thread_get_peers (node);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(HormigaPeerItem) item = g_list_model_get_item (model, i);

      if (g_str_equal (hormiga_peer_item_get_peer_id (item), peer_id))
        return item;   /* the model keeps it */
    }
  return NULL;
}

/* The mapped row of @peer_id in the Peers list. */
static HormigaPeerRow *
find_peer_row (GtkWidget  *widget,
               const char *peer_id)
{
  if (HORMIGA_IS_PEER_ROW (widget) && gtk_widget_get_mapped (widget)
      && hormiga_peer_row_get_item (HORMIGA_PEER_ROW (widget)) != NULL
      && g_strcmp0 (hormiga_peer_item_get_peer_id (hormiga_peer_row_get_item (HORMIGA_PEER_ROW (widget))),
                    peer_id) == 0)
    return HORMIGA_PEER_ROW (widget);
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      HormigaPeerRow *row = find_peer_row (child, peer_id);

      if (row != NULL)
        return row;
    }
  return NULL;
}

static GtkDropTarget *
find_drop_target (GtkWidget *widget)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GObject) controller = g_list_model_get_item (controllers, i);

      if (GTK_IS_DROP_TARGET (controller))
        return GTK_DROP_TARGET (controller);
    }
  return NULL;
}

/* The upload of @name, if the app has served any of it. */
static HormigaTransferItem *
find_upload (HormigaNodeThread *node,
             const char        *name)
{
  GListModel *model = hormiga_node_thread_get_transfers (node);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(HormigaTransferItem) item = g_list_model_get_item (model, i);

      if (hormiga_transfer_item_get_direction (item) == HORMIGA_TRANSFER_DIRECTION_UPLOAD
          && g_strcmp0 (hormiga_transfer_item_get_name (item), name) == 0)
        return item;
    }
  return NULL;
}

static void
assert_same_file (const char *got,
                  const char *want)
{
  g_autofree char *a = file_digest (got);
  g_autofree char *b = file_digest (want);

  g_assert_cmpstr (a, ==, b);
}

static HormigaTransferRow *
find_transfer_row (GtkWidget *widget,
                   guint      id)
{
  if (HORMIGA_IS_TRANSFER_ROW (widget) && gtk_widget_get_mapped (widget)
      && hormiga_transfer_row_get_item (HORMIGA_TRANSFER_ROW (widget)) != NULL
      && hormiga_transfer_item_get_id (hormiga_transfer_row_get_item (HORMIGA_TRANSFER_ROW (widget))) == id)
    return HORMIGA_TRANSFER_ROW (widget);
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      HormigaTransferRow *row = find_transfer_row (child, id);

      if (row != NULL)
        return row;
    }
  return NULL;
}

/* The window and, centred over it, @dialog, as one picture. */
static void
save_window_with_dialog (GtkWidget  *window,
                         GtkWidget  *dialog,
                         const char *path)
{
  g_autoptr(GdkPaintable) back = gtk_widget_paintable_new (window);
  g_autoptr(GdkPaintable) front = gtk_widget_paintable_new (dialog);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  int width = gtk_widget_get_width (window);
  int height = gtk_widget_get_height (window);
  int dialog_width = gtk_widget_get_width (dialog);
  int dialog_height = gtk_widget_get_height (dialog);
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GskRenderer *renderer = gtk_native_get_renderer (GTK_NATIVE (window));

  gdk_paintable_snapshot (back, snapshot, width, height);
  /* Dimmed behind, as a modal dialog leaves it. */
  gtk_snapshot_append_color (snapshot, &(GdkRGBA) { 0, 0, 0, 0.3 },
                             &GRAPHENE_RECT_INIT (0, 0, width, height));
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT ((width - dialog_width) / 2.f,
                                                          (height - dialog_height) / 2.f));
  gdk_paintable_snapshot (front, snapshot, dialog_width, dialog_height);
  gtk_snapshot_restore (snapshot);
  node = gtk_snapshot_free_to_node (snapshot);
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, width, height));
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("screenshot: %s (%d×%d, dialog %d×%d)", path, width, height, dialog_width,
                  dialog_height);
}

/* The peer's folder: five files of distinct sizes in two subfolders. */
static const struct {
  const char *path;
  gsize       size;
} folder_files[] = {
  { "leeme.txt",     1000 },
  { "fotos/uno.jpg", 3000 },
  { "fotos/dos.jpg", 4000 },
  { "notas/a.txt",    500 },
  { "notas/b.txt",    700 },
};

static char *
make_folder (const char *dir,
             const char *name)
{
  char *path = g_build_filename (dir, name, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (folder_files); i++)
    {
      g_autofree char *file = g_build_filename (path, folder_files[i].path, NULL);
      g_autofree char *parent = g_path_get_dirname (file);

      g_assert_cmpint (g_mkdir_with_parents (parent, 0700), ==, 0);
      g_free (make_file (path, folder_files[i].path, folder_files[i].size));
    }
  return path;
}

/* Every file and folder under @dir, relative to it, sorted. */
static void
list_tree (const char *dir,
           const char *prefix,
           GPtrArray  *found)
{
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  const char *name;

  g_assert_nonnull (handle);
  while ((name = g_dir_read_name (handle)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      char *relative = prefix != NULL ? g_strconcat (prefix, "/", name, NULL) : g_strdup (name);

      g_ptr_array_add (found, relative);
      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        list_tree (path, relative, found);
    }
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/* The mapped check button whose accessible name is @name, under @widget. */
static GtkCheckButton *
find_check (GtkWidget  *widget,
            const char *name)
{
  if (GTK_IS_CHECK_BUTTON (widget) && gtk_widget_get_mapped (widget))
    {
      g_autofree char *mismatch =
        gtk_test_accessible_check_property (GTK_ACCESSIBLE (widget),
                                            GTK_ACCESSIBLE_PROPERTY_LABEL, name);

      if (mismatch == NULL)
        return GTK_CHECK_BUTTON (widget);
    }
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkCheckButton *check = find_check (child, name);

      if (check != NULL)
        return check;
    }
  return NULL;
}

/* Clicks the row's check of @name, as a user does. */
static GtkCheckButton *
activate_check (GtkWidget  *dialog,
                const char *name)
{
  GtkCheckButton *check = find_check (dialog, name);

  g_assert_nonnull (check);
  g_assert_true (gtk_widget_activate (GTK_WIDGET (check)));
  return check;
}

static void
assert_check (GtkWidget             *dialog,
              const char            *name,
              GtkAccessibleTristate  state)
{
  GtkCheckButton *check = find_check (dialog, name);
  g_autofree char *mismatch = NULL;

  g_assert_nonnull (check);
  g_assert_cmpint (gtk_check_button_get_active (check), ==, state == GTK_ACCESSIBLE_TRISTATE_TRUE);
  g_assert_cmpint (gtk_check_button_get_inconsistent (check), ==,
                   state == GTK_ACCESSIBLE_TRISTATE_MIXED);
  mismatch = gtk_test_accessible_check_state (GTK_ACCESSIBLE (check),
                                              GTK_ACCESSIBLE_STATE_CHECKED, state);
  g_assert_null (mismatch);
}

static gboolean
on_files_poll (gpointer user_data)
{
  Files *files = user_data;
  GtkApplication *application = GTK_APPLICATION (files->application);
  HormigaWindow *window = NULL;
  HormigaNodeThread *node;

  for (GList *l = gtk_application_get_windows (application); l != NULL; l = l->next)
    if (HORMIGA_IS_WINDOW (l->data))
      window = l->data;

  if (g_get_monotonic_time () > files->deadline)
    {
      files->timed_out = TRUE;
      g_application_quit (G_APPLICATION (application));
      return G_SOURCE_REMOVE;
    }
  if (window == NULL || !gtk_widget_get_mapped (GTK_WIDGET (window)))
    return G_SOURCE_CONTINUE;

  node = hormiga_window_get_node (window);
  g_free (files->last_status);
  files->last_status = hormiga_window_dup_status_text (window);

  /* While chunks move to or from the peer, its line in the graph pulses. */
  {
    GListModel *peers = hormiga_node_thread_get_peers (node);
    HormigaNetworkGraph *graph =
      hormiga_network_page_get_graph (hormiga_window_get_network_page (window));

    for (guint i = 0; i < g_list_model_get_n_items (peers); i++)
      {
        g_autoptr(HormigaPeerItem) item = g_list_model_get_item (peers, i);

        if (hormiga_peer_item_get_transferring (item) && hormiga_peer_item_get_connected (item))
          {
            g_assert_cmpuint (hormiga_network_graph_get_n_pulses (graph), >=, 1);
            files->n_pulse_polls++;
          }
      }
  }

  switch (files->stage)
    {
    case FILES_START:
      files->peer.thread = node;
      peer_run (&files->peer, peer_start_op, NULL, NULL);
      files->stage = FILES_READY;
      return G_SOURCE_CONTINUE;

    case FILES_READY:
      if (hormiga_node_thread_get_state (node) != HORMIGA_NODE_STATE_ADMITTED
          || !hormiga_node_thread_get_dht_ready (node)
          || !peer_flag (&files->peer, &files->peer.ready))
        return G_SOURCE_CONTINUE;
      files->shared_path = make_file (files->peer.dir, "mapa del hormiguero.bin",
                                      HORMIGA_CONTENT_CHUNK_SIZE * 5 + 1234);
      peer_run (&files->peer, peer_share_op, files->shared_path, NULL);
      files->stage = FILES_SHARING;
      return G_SOURCE_CONTINUE;

    case FILES_SHARING:
      {
        HormigaLinkDialog *dialog;
        g_autofree char *link = NULL;

        g_mutex_lock (&files->peer.lock);
        link = g_strdup (files->peer.link);
        g_mutex_unlock (&files->peer.lock);
        if (link == NULL)
          return G_SOURCE_CONTINUE;
        dialog = find_toplevel (HORMIGA_TYPE_LINK_DIALOG);
        if (dialog == NULL)
          {
            /* The Open Link action, as the menu and Ctrl+L start it. */
            g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.open-link", NULL));
            return G_SOURCE_CONTINUE;
          }
        /* The entry checks what is typed. */
        hormiga_link_dialog_set_text (dialog, "hormiga:not-a-link");
        g_assert_false (hormiga_link_dialog_is_valid (dialog));
        g_assert_false (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (dialog),
                                                                 "download"));
        hormiga_link_dialog_set_text (dialog, link);
        g_assert_true (hormiga_link_dialog_is_valid (dialog));
        g_assert_true (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (dialog),
                                                                "download"));
        /* As the Download button does. */
        adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "download");
        gtk_window_destroy (GTK_WINDOW (dialog));
        files->stage = FILES_DOWNLOADING;
        return G_SOURCE_CONTINUE;
      }

    case FILES_DOWNLOADING:
      {
        HormigaTransferItem *item = finished_transfer (node, "mapa del hormiguero.bin");
        HormigaPeerItem *peer = find_peer_item (node, files->peer.peer_id);

        if (item == NULL)
          return G_SOURCE_CONTINUE;
        /* The Peers list counts the file's bytes as traffic from the peer
         * (its next refresh). */
        if (peer == NULL
            || hormiga_peer_item_get_bytes_received (peer) < hormiga_transfer_item_get_size (item))
          return G_SOURCE_CONTINUE;
        g_assert_true (g_str_has_prefix (hormiga_transfer_item_get_path (item),
                                         files->download_dir));
        assert_same_file (hormiga_transfer_item_get_path (item), files->shared_path);
        g_assert_cmpuint (hormiga_transfer_item_get_received (item), ==,
                          hormiga_transfer_item_get_size (item));
        g_assert_cmpfloat (hormiga_transfer_item_get_fraction (item), ==, 1.0);
        g_assert_cmpstrv (hormiga_transfer_item_get_sources (item),
                          ((const char *[]) { files->peer.peer_id, NULL }));
        /* The download switched the window to the Transfers view. */
        g_assert_cmpstr (adw_view_stack_get_visible_child_name (
                           ADW_VIEW_STACK (gtk_widget_get_ancestor (
                             GTK_WIDGET (hormiga_window_get_transfers_page (window)),
                             ADW_TYPE_VIEW_STACK))), ==, "transfers");
        files->stage = FILES_SHOWN;
        return G_SOURCE_CONTINUE;
      }

    case FILES_SHOWN:
      {
        HormigaTransferItem *item = finished_transfer (node, "mapa del hormiguero.bin");
        GtkListView *list = hormiga_transfers_page_get_list_view (hormiga_window_get_transfers_page (window));
        HormigaTransferRow *row;
        g_autofree char *toast = NULL;

        if (!files_frames_drawn (files, GTK_WIDGET (window)))
          return G_SOURCE_CONTINUE;
        row = find_transfer_row (GTK_WIDGET (list), hormiga_transfer_item_get_id (item));
        g_assert_nonnull (row);
        g_assert_cmpfloat (hormiga_transfer_row_get_fraction (row), ==, 1.0);
        g_test_message ("row: %s", hormiga_transfer_row_get_details (row));
        g_assert_true (g_str_has_suffix (hormiga_transfer_row_get_details (row), "from 1 peer"));
        toast = g_strdup_printf ("“%s” downloaded", hormiga_transfer_item_get_name (item));
        g_assert_cmpstr (hormiga_window_get_last_toast (window), ==, toast);
        if (!save_screenshot (GTK_WIDGET (window), files->transfers_path))
          return G_SOURCE_CONTINUE;

        /* The peer sends the app a file. */
        files->offered_path = make_file (files->peer.dir, "regalo.txt", 70000);
        peer_run (&files->peer, peer_send_op, files->offered_path,
                  hormiga_node_thread_get_peer_id (node));
        files->stage = FILES_OFFERED;
        return G_SOURCE_CONTINUE;
      }

    case FILES_OFFERED:
      {
        HormigaOfferDialog *dialog = find_toplevel (HORMIGA_TYPE_OFFER_DIALOG);

        if (dialog == NULL || !files_frames_drawn (files, GTK_WIDGET (dialog)))
          return G_SOURCE_CONTINUE;
        g_assert_cmpstr (hormiga_offer_dialog_get_name (dialog), ==, "regalo.txt");
        g_assert_cmpuint (hormiga_offer_dialog_get_size (dialog), ==, 70000);
        g_assert_cmpstr (hormiga_offer_dialog_get_peer_id (dialog), ==,
                         files->peer.peer_id);
        save_window_with_dialog (GTK_WIDGET (window), GTK_WIDGET (dialog), files->offer_path);
        /* Not looking: the same question as a notification, with both answers. */
        files->offer_notified = files->notifications.n_notified > 0;
        if (files->offer_notified)
          {
            g_test_message ("notification: %s: %s", files->notifications.last_summary,
                            files->notifications.last_body);
            g_assert_cmpstr (files->notifications.last_summary, ==, "Incoming File");
            g_assert_nonnull (strstr (files->notifications.last_body, "“regalo.txt”"));
            /* Action ids and labels, in pairs. */
            g_assert_cmpuint (g_strv_length (files->notifications.last_actions), ==, 4);
          }
        else
          g_assert_true (gtk_window_is_active (GTK_WINDOW (window)));
        /* As the Accept button does: the response, and the dialog closes. */
        adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "accept");
        gtk_window_destroy (GTK_WINDOW (dialog));
        files->stage = FILES_RECEIVING;
        return G_SOURCE_CONTINUE;
      }

    case FILES_RECEIVING:
      {
        HormigaTransferItem *item;

        if (!peer_flag (&files->peer, &files->peer.sent_done))
          return G_SOURCE_CONTINUE;
        g_assert_null (files->peer.sent_error);
        g_assert_true (files->peer.sent_accepted);
        item = finished_transfer (node, "regalo.txt");
        if (item == NULL)
          return G_SOURCE_CONTINUE;
        g_assert_true (g_str_has_prefix (hormiga_transfer_item_get_path (item), files->download_dir));
        assert_same_file (hormiga_transfer_item_get_path (item), files->offered_path);
        g_assert_null (find_toplevel (HORMIGA_TYPE_OFFER_DIALOG));
        /* The answered offer's notification is withdrawn. */
        if (files->offer_notified)
          g_assert_cmpuint (files->notifications.n_closed, >=, 1);

        /* The peer offers a folder. */
        g_mutex_lock (&files->peer.lock);
        files->peer.sent_done = FALSE;
        g_mutex_unlock (&files->peer.lock);
        files->folder_path = make_folder (files->peer.dir, "álbum");
        peer_run (&files->peer, peer_send_op, files->folder_path,
                  hormiga_node_thread_get_peer_id (node));
        files->stage = FILES_FOLDER_OFFERED;
        return G_SOURCE_CONTINUE;
      }

    case FILES_FOLDER_OFFERED:
      {
        HormigaOfferDialog *dialog = find_toplevel (HORMIGA_TYPE_OFFER_DIALOG);
        GtkWidget *widget = GTK_WIDGET (dialog);
        const char *every[] = { "fotos", "notas", "leeme.txt", "uno.jpg", "dos.jpg", "a.txt",
                                "b.txt" };

        if (dialog == NULL || !files_frames_drawn (files, widget))
          return G_SOURCE_CONTINUE;
        g_assert_true (hormiga_offer_dialog_is_folder (dialog));
        g_assert_cmpstr (hormiga_offer_dialog_get_name (dialog), ==, "álbum");
        g_assert_cmpuint (hormiga_offer_dialog_get_size (dialog), ==, 9200);
        g_assert_cmpstr (hormiga_offer_dialog_get_chosen_text (dialog), ==,
                         "5 of 5 files chosen (9.2\u00a0kB)");
        g_assert_true (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (dialog),
                                                                "accept"));
        /* A small folder opens expanded, everything chosen. */
        for (guint i = 0; i < G_N_ELEMENTS (every); i++)
          assert_check (widget, every[i], GTK_ACCESSIBLE_TRISTATE_TRUE);

        /* One photo left: its folder is chosen in part. */
        activate_check (widget, "dos.jpg");
        assert_check (widget, "dos.jpg", GTK_ACCESSIBLE_TRISTATE_FALSE);
        assert_check (widget, "uno.jpg", GTK_ACCESSIBLE_TRISTATE_TRUE);
        assert_check (widget, "fotos", GTK_ACCESSIBLE_TRISTATE_MIXED);
        /* A whole folder left: everything in it. */
        activate_check (widget, "notas");
        assert_check (widget, "notas", GTK_ACCESSIBLE_TRISTATE_FALSE);
        assert_check (widget, "a.txt", GTK_ACCESSIBLE_TRISTATE_FALSE);
        assert_check (widget, "b.txt", GTK_ACCESSIBLE_TRISTATE_FALSE);
        g_assert_cmpstr (hormiga_offer_dialog_get_chosen_text (dialog), ==,
                         "2 of 5 files chosen (4.0\u00a0kB)");

        /* Nothing chosen: nothing to accept. */
        activate_check (widget, "leeme.txt");
        activate_check (widget, "uno.jpg");
        assert_check (widget, "fotos", GTK_ACCESSIBLE_TRISTATE_FALSE);
        g_assert_cmpstr (hormiga_offer_dialog_get_chosen_text (dialog), ==, "No file chosen");
        g_assert_false (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (dialog),
                                                                 "accept"));
        activate_check (widget, "leeme.txt");
        activate_check (widget, "uno.jpg");
        assert_check (widget, "fotos", GTK_ACCESSIBLE_TRISTATE_MIXED);
        /* Enter on a row toggles its check too: the last row, leeme.txt
         * (after fotos and its two photos, notas and its two notes). */
        {
          GtkWidget *list = find_descendant (widget, GTK_TYPE_LIST_VIEW);

          g_assert_nonnull (list);
          g_assert_true (gtk_widget_activate_action (list, "list.activate-item", "u", 6));
          assert_check (widget, "leeme.txt", GTK_ACCESSIBLE_TRISTATE_FALSE);
          g_assert_true (gtk_widget_activate_action (list, "list.activate-item", "u", 6));
          assert_check (widget, "leeme.txt", GTK_ACCESSIBLE_TRISTATE_TRUE);
        }
        g_assert_cmpstr (hormiga_offer_dialog_get_chosen_text (dialog), ==,
                         "2 of 5 files chosen (4.0\u00a0kB)");
        g_assert_true (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (dialog),
                                                                "accept"));
        files->stage = FILES_FOLDER_CHOSEN;
        return G_SOURCE_CONTINUE;
      }

    case FILES_FOLDER_CHOSEN:
      {
        HormigaOfferDialog *dialog = find_toplevel (HORMIGA_TYPE_OFFER_DIALOG);

        g_assert_nonnull (dialog);
        if (!files_frames_drawn (files, GTK_WIDGET (dialog)))
          return G_SOURCE_CONTINUE;
        save_window_with_dialog (GTK_WIDGET (window), GTK_WIDGET (dialog),
                                 files->offer_folder_path);
        /* As the Accept button does. */
        adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "accept");
        gtk_window_destroy (GTK_WINDOW (dialog));
        files->stage = FILES_FOLDER_RECEIVING;
        return G_SOURCE_CONTINUE;
      }

    case FILES_FOLDER_RECEIVING:
      {
        HormigaTransferItem *item;
        GtkListView *list = hormiga_transfers_page_get_list_view (
                              hormiga_window_get_transfers_page (window));
        HormigaTransferRow *row;
        g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func (g_free);
        g_autoptr(GPtrArray) told = g_ptr_array_new ();
        const char *taken[] = { "fotos/uno.jpg", "leeme.txt" };

        if (!peer_flag (&files->peer, &files->peer.sent_done))
          return G_SOURCE_CONTINUE;
        g_assert_null (files->peer.sent_error);
        g_assert_true (files->peer.sent_accepted);
        item = finished_transfer (node, "álbum");
        if (item == NULL)
          return G_SOURCE_CONTINUE;
        /* The sender was told which files were taken. */
        g_assert_nonnull (files->peer.sent_paths);
        for (guint i = 0; files->peer.sent_paths[i] != NULL; i++)
          g_ptr_array_add (told, files->peer.sent_paths[i]);
        g_ptr_array_sort (told, compare_strings);
        g_assert_cmpuint (told->len, ==, G_N_ELEMENTS (taken));
        for (guint i = 0; i < told->len; i++)
          g_assert_cmpstr (g_ptr_array_index (told, i), ==, taken[i]);

        /* Only the chosen files are written, byte for byte. */
        g_assert_cmpuint (hormiga_transfer_item_get_size (item), ==, 4000);
        g_assert_cmpuint (hormiga_transfer_item_get_received (item), ==, 4000);
        g_assert_true (g_str_has_prefix (hormiga_transfer_item_get_path (item), files->download_dir));
        list_tree (hormiga_transfer_item_get_path (item), NULL, found);
        g_ptr_array_sort (found, compare_strings);
        g_assert_cmpuint (found->len, ==, 3);
        g_assert_cmpstr (g_ptr_array_index (found, 0), ==, "fotos");
        for (guint i = 0; i < G_N_ELEMENTS (taken); i++)
          {
            g_autofree char *got = g_build_filename (hormiga_transfer_item_get_path (item),
                                                     taken[i], NULL);
            g_autofree char *want = g_build_filename (files->folder_path, taken[i], NULL);

            g_assert_cmpstr (g_ptr_array_index (found, i + 1), ==, taken[i]);
            assert_same_file (got, want);
          }

        /* The Transfers view shows the folder with the chosen size. */
        row = find_transfer_row (GTK_WIDGET (list), hormiga_transfer_item_get_id (item));
        if (row == NULL)
          return G_SOURCE_CONTINUE;   /* not drawn yet */
        g_test_message ("folder row: %s", hormiga_transfer_row_get_details (row));
        g_assert_true (g_str_has_prefix (hormiga_transfer_row_get_details (row), "4.0\u00a0kB"));

        /* Accepted once, the peer is known; with auto-accept on, its next
         * file comes in without a question. */
        {
          g_auto(GStrv) known = g_settings_get_strv (files->settings, "known-peers");

          g_assert_cmpstrv (known, ((const char *[]) { files->peer.peer_id, NULL }));
        }
        g_settings_set_boolean (files->settings, "auto-accept-known", TRUE);
        g_mutex_lock (&files->peer.lock);
        files->peer.sent_done = FALSE;
        g_mutex_unlock (&files->peer.lock);
        files->second_path = make_file (files->peer.dir, "otro regalo.bin", 90000);
        peer_run (&files->peer, peer_send_op, files->second_path,
                  hormiga_node_thread_get_peer_id (node));
        files->stage = FILES_AUTO_ACCEPTED;
        return G_SOURCE_CONTINUE;
      }

    case FILES_AUTO_ACCEPTED:
      {
        HormigaTransferItem *item;
        g_autoptr(GFile) file = NULL;
        g_autofree char *uri = NULL;
        g_autofree char *toast = NULL;

        g_assert_null (find_toplevel (HORMIGA_TYPE_OFFER_DIALOG));
        if (!peer_flag (&files->peer, &files->peer.sent_done))
          return G_SOURCE_CONTINUE;
        g_assert_null (files->peer.sent_error);
        g_assert_true (files->peer.sent_accepted);
        item = finished_transfer (node, "otro regalo.bin");
        if (item == NULL)
          return G_SOURCE_CONTINUE;
        g_assert_true (g_str_has_prefix (hormiga_transfer_item_get_path (item), files->download_dir));
        assert_same_file (hormiga_transfer_item_get_path (item), files->second_path);
        toast = g_strdup_printf ("“%s” downloaded", "otro regalo.bin");
        g_assert_cmpstr (hormiga_window_get_last_toast (window), ==, toast);

        /* The app publishes a file of its own, as Publish File… does once
         * the file is chosen. */
        files->published_path = make_file (files->work_dir, "notas.txt", 40000);
        file = g_file_new_for_path (files->published_path);
        uri = g_file_get_uri (file);
        g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.publish-uri", "s", uri));
        files->stage = FILES_PUBLISHING;
        return G_SOURCE_CONTINUE;
      }

    case FILES_PUBLISHING:
      {
        HormigaPublishDialog *dialog = find_toplevel (HORMIGA_TYPE_PUBLISH_DIALOG);
        g_autoptr(HormigaLink) link = NULL;
        g_autoptr(GError) error = NULL;

        if (dialog == NULL)
          return G_SOURCE_CONTINUE;
        g_test_message ("published: %s", hormiga_publish_dialog_get_link (dialog));
        link = hormiga_link_parse (hormiga_publish_dialog_get_link (dialog), &error);
        g_assert_no_error (error);
        g_assert_cmpstr (link->name, ==, "notas.txt");
        g_assert_true (link->has_size);
        g_assert_cmpuint (link->size, ==, 40000);
        g_assert_cmpstr (hormiga_window_get_last_toast (window), ==, "“notas.txt” published");

        /* The link works: the peer fetches the file from the app. */
        peer_run (&files->peer, peer_download_op, NULL, hormiga_publish_dialog_get_link (dialog));
        /* As the Copy Link button does. */
        adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "copy");
        gtk_window_destroy (GTK_WINDOW (dialog));
        g_assert_cmpstr (hormiga_window_get_last_toast (window), ==, "Link copied");
        files->stage = FILES_FETCHED;
        return G_SOURCE_CONTINUE;
      }

    case FILES_FETCHED:
      {
        HormigaTransferState state;
        g_autofree char *path = NULL;

        g_mutex_lock (&files->peer.lock);
        state = files->peer.fetch_state;
        path = g_strdup (files->peer.fetch_path);
        if (state == HORMIGA_TRANSFER_FAILED)
          g_error ("the peer could not fetch the published file: %s", files->peer.fetch_error);
        g_mutex_unlock (&files->peer.lock);
        if (state != HORMIGA_TRANSFER_DONE)
          return G_SOURCE_CONTINUE;
        assert_same_file (path, files->published_path);

        /* The Transfers view lists the upload: every byte, to the peer. */
        {
          HormigaTransferItem *upload = find_upload (node, "notas.txt");
          GtkListView *list = hormiga_transfers_page_get_list_view (
                                hormiga_window_get_transfers_page (window));
          HormigaTransferRow *row;

          if (upload == NULL || hormiga_transfer_item_get_received (upload) < 40000)
            return G_SOURCE_CONTINUE;
          g_assert_cmpuint (hormiga_transfer_item_get_size (upload), ==, 40000);
          g_assert_cmpuint (hormiga_transfer_item_get_received (upload), ==, 40000);
          g_assert_cmpstrv (hormiga_transfer_item_get_sources (upload),
                            ((const char *[]) { files->peer.peer_id, NULL }));
          g_assert_null (hormiga_transfer_item_get_path (upload));
          hormiga_window_show_view (window, "transfers");
          row = find_transfer_row (GTK_WIDGET (list), hormiga_transfer_item_get_id (upload));
          if (row == NULL)
            return G_SOURCE_CONTINUE;   /* not drawn yet */
          g_test_message ("upload row: %s", hormiga_transfer_row_get_details (row));
          g_assert_nonnull (strstr (hormiga_transfer_row_get_details (row), " sent to "));
          g_assert_cmpfloat (hormiga_transfer_row_get_fraction (row), ==, 1.0);
          /* An upload is no download: no "downloaded" toast. */
          g_assert_cmpstr (hormiga_window_get_last_toast (window), !=, "“notas.txt” downloaded");
        }

        hormiga_window_show_view (window, "peers");
        files->stage = FILES_DROPPING;
        return G_SOURCE_CONTINUE;
      }

    case FILES_DROPPING:
      {
        GtkListView *list = hormiga_peers_page_get_list_view (hormiga_window_get_peers_page (window));
        HormigaPeerRow *row;
        GtkDropTarget *target;
        g_autoptr(GFile) file = NULL;
        GValue value = G_VALUE_INIT;
        gboolean accepted = FALSE;

        if (!files_frames_drawn (files, GTK_WIDGET (window)))
          return G_SOURCE_CONTINUE;
        row = find_peer_row (GTK_WIDGET (list), files->peer.peer_id);
        if (row == NULL)
          return G_SOURCE_CONTINUE;
        target = find_drop_target (GTK_WIDGET (row));
        g_assert_nonnull (target);
        g_assert_true (gdk_content_formats_contain_gtype (gtk_drop_target_get_formats (target),
                                                          GDK_TYPE_FILE_LIST));

        /* The app sends the peer a file dropped on its row, as the drop
         * target hands it over at the end of a drag. */
        g_mutex_lock (&files->peer.lock);
        files->peer.accept_offers = TRUE;
        g_mutex_unlock (&files->peer.lock);
        files->sent_path = make_file (files->work_dir, "para ti.txt", 30000);
        file = g_file_new_for_path (files->sent_path);
        g_value_init (&value, GDK_TYPE_FILE_LIST);
        g_value_take_boxed (&value,
                            gdk_file_list_new_from_list (&(GSList) { .data = file, .next = NULL }));
        g_signal_emit_by_name (target, "drop", &value, 20.0, 10.0, &accepted);
        g_value_unset (&value);
        g_assert_true (accepted);
        g_assert_true (g_str_has_prefix (hormiga_window_get_last_toast (window),
                                         "Offering “para ti.txt” to "));
        files->stage = FILES_SENDING;
        return G_SOURCE_CONTINUE;
      }

    case FILES_SENDING:
      {
        const char *toast = hormiga_window_get_last_toast (window);
        HormigaTransferState state;
        g_autofree char *path = NULL;

        g_mutex_lock (&files->peer.lock);
        state = files->peer.received_state;
        path = g_strdup (files->peer.received_path);
        g_mutex_unlock (&files->peer.lock);
        if (state != HORMIGA_TRANSFER_DONE || toast == NULL
            || !g_str_has_prefix (toast, "Sent “para ti.txt” — "))
          return G_SOURCE_CONTINUE;
        g_test_message ("toast: %s", toast);
        assert_same_file (path, files->sent_path);
        /* The peer leaves while the node thread still runs. */
        peer_run (&files->peer, peer_stop_op, NULL, NULL);
        files->stage = FILES_STOPPING;
        return G_SOURCE_CONTINUE;
      }

    case FILES_STOPPING:
      {
        if (!peer_flag (&files->peer, &files->peer.stopped))
          return G_SOURCE_CONTINUE;
        files->stage = FILES_DONE;
        g_action_group_activate_action (G_ACTION_GROUP (application), "quit", NULL);
        return G_SOURCE_REMOVE;
      }

    case FILES_DONE:
    default:
      return G_SOURCE_REMOVE;
    }
}

static void
test_files (void)
{
  Files files = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GSettings) settings = NULL;
  char *argv[] = { "hormiga", "--server", NULL, "--ice-address", "127.0.0.1", NULL };
  int status;

  files.server = hormiga_test_server_start (NULL);
  notifications_start (&files.notifications);
  g_mutex_init (&files.peer.lock);
  files.peer.url = g_strdup (hormiga_test_server_get_url (files.server));
  files.peer.dir = g_dir_make_tmp ("hormiga-app-peer-XXXXXX", &error);
  g_assert_no_error (error);

  files.data_dir = g_dir_make_tmp ("hormiga-app-XXXXXX", &error);
  g_assert_no_error (error);
  files.download_dir = g_dir_make_tmp ("hormiga-app-downloads-XXXXXX", &error);
  g_assert_no_error (error);
  files.work_dir = g_dir_make_tmp ("hormiga-app-files-XXXXXX", &error);
  g_assert_no_error (error);
  g_setenv (HORMIGA_DATA_DIR_ENV, files.data_dir, TRUE);
  /* The memory settings backend is the process's: the app reads this. */
  settings = g_settings_new (APP_ID);
  files.settings = settings;
  g_settings_set_string (settings, "download-folder", files.download_dir);
  files.transfers_path = g_test_build_filename (G_TEST_BUILT, "screenshot-transfers.png", NULL);
  files.offer_path = g_test_build_filename (G_TEST_BUILT, "screenshot-offer.png", NULL);
  files.offer_folder_path = g_test_build_filename (G_TEST_BUILT, "screenshot-offer-folder.png",
                                                   NULL);
  g_unlink (files.transfers_path);
  g_unlink (files.offer_path);
  g_unlink (files.offer_folder_path);

  files.application = hormiga_application_new ();
  g_application_set_flags (G_APPLICATION (files.application), G_APPLICATION_NON_UNIQUE);
  g_signal_connect_after (files.application, "startup", G_CALLBACK (on_startup), NULL);
  files.deadline = g_get_monotonic_time () + (gint64) 2 * WAIT_MS * 1000;
  g_timeout_add (50, on_files_poll, &files);
  argv[2] = (char *) hormiga_test_server_get_url (files.server);
  status = g_application_run (G_APPLICATION (files.application), G_N_ELEMENTS (argv) - 1, argv);

  if (files.timed_out)
    g_error ("the files test did not finish within %d s (stage %d); the status said: %s",
             2 * WAIT_MS / 1000, files.stage, files.last_status ? files.last_status : "(no window)");
  g_assert_cmpint (status, ==, 0);
  g_assert_cmpint (files.stage, ==, FILES_DONE);
  /* Stopping the node emptied the model. */
  g_assert_cmpuint (g_list_model_get_n_items (hormiga_node_thread_get_transfers (
                      hormiga_application_get_node (files.application))), ==, 0);
  g_clear_object (&files.application);
  assert_screenshot (files.transfers_path);
  assert_screenshot (files.offer_path);
  assert_screenshot (files.offer_folder_path);
  /* The upload to the peer stays active for 3 s after its last chunk:
   * seen from FILES_FETCHED until the peer leaves. */
  g_test_message ("the peer was transferring in %u polls", files.n_pulse_polls);
  g_assert_cmpuint (files.n_pulse_polls, >, 0);

  g_settings_reset (settings, "download-folder");
  g_settings_reset (settings, "known-peers");
  g_settings_reset (settings, "auto-accept-known");
  g_free (files.second_path);
  peer_clear (&files.peer);
  notifications_stop (&files.notifications);
  hormiga_test_server_stop (files.server);
  hormiga_test_remove_tree (files.data_dir);
  hormiga_test_remove_tree (files.download_dir);
  hormiga_test_remove_tree (files.work_dir);
  g_unsetenv (HORMIGA_DATA_DIR_ENV);
  g_free (files.data_dir);
  g_free (files.download_dir);
  g_free (files.work_dir);
  g_free (files.last_status);
  g_free (files.shared_path);
  g_free (files.offered_path);
  g_free (files.published_path);
  g_free (files.sent_path);
  g_free (files.transfers_path);
  g_free (files.offer_path);
  g_free (files.offer_folder_path);
  g_free (files.folder_path);
}

/* ---- a large folder offered ------------------------------------------------------ */

static guint
count_mapped_checks (GtkWidget *widget)
{
  guint n = GTK_IS_CHECK_BUTTON (widget) && gtk_widget_get_mapped (widget) ? 1 : 0;

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    n += count_mapped_checks (child);
  return n;
}

/* Two thousand files: twenty folders of fifty, a thousand loose files.
 * The folders stay closed, rows are made only for what is on screen, and
 * a folder's check still takes or leaves its fifty files. */
static void
test_offer_large (void)
{
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) sizes = g_array_new (FALSE, FALSE, sizeof (guint64));
  g_auto(GStrv) chosen = NULL;
  guint64 total = 0;
  GtkWidget *dialog;
  guint n_checks;

  gtk_init ();
  adw_init ();
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                      ADW_COLOR_SCHEME_FORCE_LIGHT);
  for (guint i = 0; i < 2000; i++)
    {
      guint64 size = 1000;

      g_ptr_array_add (paths, i < 1000 ? g_strdup_printf ("carpeta %02u/foto %04u.jpg", i / 50, i)
                                       : g_strdup_printf ("nota %04u.txt", i));
      g_array_append_val (sizes, size);
      total += size;
    }
  g_ptr_array_add (paths, NULL);
  dialog = hormiga_offer_dialog_new (NULL, 1, "12D3KooWLargeFolderAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                                     "grande", total, (const char * const *) paths->pdata,
                                     (const guint64 *) (gpointer) sizes->data);
  gtk_window_present (GTK_WINDOW (dialog));
  g_bytes_unref (wait_render (dialog));

  g_assert_cmpstr (hormiga_offer_dialog_get_chosen_text (HORMIGA_OFFER_DIALOG (dialog)), ==,
                   "2000 of 2000 files chosen (2.0\u00a0MB)");
  {
    g_autofree char *path = g_test_build_filename (G_TEST_BUILT, "screenshot-offer-large.png", NULL);

    while (!save_screenshot (dialog, path))
      g_main_context_iteration (NULL, TRUE);
  }
  n_checks = count_mapped_checks (dialog);
  g_test_message ("%u rows made for 1020 entries", n_checks);
  g_assert_cmpuint (n_checks, >=, 3);
  g_assert_cmpuint (n_checks, <, 1020);
  /* Closed: the folder's files have no rows yet. */
  g_assert_null (find_check (dialog, "foto 0000.jpg"));
  activate_check (dialog, "carpeta 00");
  assert_check (dialog, "carpeta 00", GTK_ACCESSIBLE_TRISTATE_FALSE);
  g_assert_cmpstr (hormiga_offer_dialog_get_chosen_text (HORMIGA_OFFER_DIALOG (dialog)), ==,
                   "1950 of 2000 files chosen (1.9\u00a0MB)");
  chosen = hormiga_offer_dialog_dup_chosen_paths (HORMIGA_OFFER_DIALOG (dialog));
  g_assert_cmpuint (g_strv_length (chosen), ==, 19 + 1000);
  g_assert_cmpstr (chosen[0], ==, "carpeta 01");

  gtk_window_destroy (GTK_WINDOW (dialog));
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* ---- opening hormiga: links -------------------------------------------------------- */

/* A session manager of the test's own on the private bus, on a thread and
 * connection of its own: GtkApplication calls it synchronously (at startup,
 * to inhibit), which would deadlock against a handler on this thread. */
typedef struct
{
  GThread      *thread;
  GMainContext *context;
  GMainLoop    *loop;
  GMutex        lock;
  gboolean      ready;
  guint         n_inhibit;
  guint         n_uninhibit;
  guint         last_flags;
  char         *last_reason;
} Session;

static const char session_xml[] =
  "<node><interface name='org.gnome.SessionManager'>"
  "<method name='RegisterClient'><arg type='s' direction='in'/><arg type='s' direction='in'/>"
  "<arg type='o' direction='out'/></method>"
  "<method name='Inhibit'><arg type='s' direction='in'/><arg type='u' direction='in'/>"
  "<arg type='s' direction='in'/><arg type='u' direction='in'/>"
  "<arg type='u' direction='out'/></method>"
  "<method name='Uninhibit'><arg type='u' direction='in'/></method>"
  "<method name='IsInhibited'><arg type='u' direction='in'/><arg type='b' direction='out'/></method>"
  "</interface></node>";

static void
on_session_call (GDBusConnection       *connection,
                 const char            *sender,
                 const char            *object_path,
                 const char            *interface_name,
                 const char            *method_name,
                 GVariant              *parameters,
                 GDBusMethodInvocation *invocation,
                 gpointer               user_data)
{
  Session *session = user_data;

  g_mutex_lock (&session->lock);
  if (g_str_equal (method_name, "RegisterClient"))
    g_dbus_method_invocation_return_value (invocation,
                                           g_variant_new ("(o)", "/org/gnome/SessionManager/Client1"));
  else if (g_str_equal (method_name, "Inhibit"))
    {
      const char *reason;

      g_variant_get (parameters, "(su&su)", NULL, NULL, &reason, &session->last_flags);
      g_free (session->last_reason);
      session->last_reason = g_strdup (reason);
      session->n_inhibit++;
      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(u)", session->n_inhibit));
    }
  else if (g_str_equal (method_name, "Uninhibit"))
    {
      session->n_uninhibit++;
      g_dbus_method_invocation_return_value (invocation, NULL);
    }
  else
    g_dbus_method_invocation_return_value (invocation,
                                           g_variant_new ("(b)", session->n_inhibit > session->n_uninhibit));
  g_mutex_unlock (&session->lock);
}

static void
on_session_name (GDBusConnection *connection,
                 const char      *name,
                 gpointer         user_data)
{
  Session *session = user_data;

  g_mutex_lock (&session->lock);
  session->ready = TRUE;
  g_mutex_unlock (&session->lock);
}

static gpointer
session_main (gpointer data)
{
  static const GDBusInterfaceVTable vtable = { .method_call = on_session_call };
  Session *session = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) bus = NULL;
  g_autoptr(GDBusNodeInfo) info = g_dbus_node_info_new_for_xml (session_xml, &error);
  g_autofree char *address = g_dbus_address_get_for_bus_sync (G_BUS_TYPE_SESSION, NULL, &error);
  guint object_id, owner_id;

  g_assert_no_error (error);
  g_main_context_push_thread_default (session->context);
  bus = g_dbus_connection_new_for_address_sync (address,
                                                G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT
                                                | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                NULL, NULL, &error);
  g_assert_no_error (error);
  object_id = g_dbus_connection_register_object (bus, "/org/gnome/SessionManager",
                                                 info->interfaces[0], &vtable, session, NULL,
                                                 &error);
  g_assert_no_error (error);
  owner_id = g_bus_own_name_on_connection (bus, "org.gnome.SessionManager",
                                           G_BUS_NAME_OWNER_FLAGS_NONE, on_session_name, NULL,
                                           session, NULL);
  g_main_loop_run (session->loop);
  g_bus_unown_name (owner_id);
  g_dbus_connection_unregister_object (bus, object_id);
  g_dbus_connection_flush_sync (bus, NULL, NULL);
  g_dbus_connection_close_sync (bus, NULL, NULL);
  g_main_context_pop_thread_default (session->context);
  return NULL;
}

static gboolean
session_ready (gpointer user_data)
{
  Session *session = user_data;
  gboolean ready;

  g_mutex_lock (&session->lock);
  ready = session->ready;
  g_mutex_unlock (&session->lock);
  return ready;
}

static void
session_start (Session *session)
{
  g_mutex_init (&session->lock);
  session->context = g_main_context_new ();
  session->loop = g_main_loop_new (session->context, FALSE);
  session->thread = g_thread_new ("session-manager", session_main, session);
  g_assert_true (hormiga_test_wait_until (session_ready, session, WAIT_MS));
}

static gboolean
quit_session (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

static void
session_stop (Session *session)
{
  g_main_context_invoke (session->context, quit_session, session->loop);
  g_thread_join (session->thread);
  g_main_loop_unref (session->loop);
  g_main_context_unref (session->context);
  g_mutex_clear (&session->lock);
  g_free (session->last_reason);
}

static guint
session_count (Session *session,
               guint   *counter)
{
  guint value;

  g_mutex_lock (&session->lock);
  value = *counter;
  g_mutex_unlock (&session->lock);
  return value;
}

/* One link on the command line, one from a second instance, one through
 * org.freedesktop.Application.Open. */
#define N_LINKS 3

typedef struct
{
  HormigaApplication *application;
  HormigaTestNode    *node;
  char               *links[N_LINKS];   /* the node's, from its `share` */
  char               *paths[N_LINKS];   /* what it shares */
  gboolean            opened;           /* org.freedesktop.Application.Open answered */
  char               *download_dir;
  GSubprocess        *second;           /* `hormiga LINK`, a second instance */
  gboolean            second_done;
  Session             session;
  gboolean            was_inhibited;    /* while the files came */
  gint64              deadline;
  gboolean            timed_out;
  gboolean            done;
} Opening;

static void
on_second_exited (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Opening *opening = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (g_subprocess_wait_check_finish (G_SUBPROCESS (object), result, &error));
  g_assert_no_error (error);
  opening->second_done = TRUE;
}

static void
on_opened (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  Opening *opening = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (object), result,
                                                              &error);

  g_assert_no_error (error);
  opening->opened = TRUE;
}

static gboolean
on_opening_poll (gpointer user_data)
{
  Opening *opening = user_data;
  GtkApplication *application = GTK_APPLICATION (opening->application);
  HormigaWindow *window = NULL;
  HormigaNodeThread *node = hormiga_application_get_node (opening->application);
  HormigaTransferItem *items[N_LINKS];

  for (GList *l = gtk_application_get_windows (application); l != NULL; l = l->next)
    if (HORMIGA_IS_WINDOW (l->data))
      window = l->data;
  if (g_get_monotonic_time () > opening->deadline)
    {
      opening->timed_out = TRUE;
      g_application_quit (G_APPLICATION (application));
      return G_SOURCE_REMOVE;
    }
  /* The link on the command line opened the window. */
  if (window == NULL)
    return G_SOURCE_CONTINUE;

  /* The desktop's handler: a second `hormiga LINK` hands the link to this
   * instance over D-Bus (org.gtk.Application.Open) and exits. */
  if (opening->second == NULL)
    {
      g_autoptr(GError) error = NULL;

      opening->second = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error,
                                          g_getenv ("HORMIGA_APP"), opening->links[1], NULL);
      g_assert_no_error (error);
      g_subprocess_wait_check_async (opening->second, NULL, on_second_exited, opening);

      /* DBusActivatable=true: what the desktop itself calls. */
      g_dbus_connection_call (g_application_get_dbus_connection (G_APPLICATION (application)),
                              APP_ID,
                              g_application_get_dbus_object_path (G_APPLICATION (application)),
                              "org.freedesktop.Application", "Open",
                              g_variant_new ("(^as@a{sv})", (const char *[]) { opening->links[2], NULL },
                                             g_variant_new_array (G_VARIANT_TYPE ("{sv}"), NULL, 0)),
                              NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, on_opened, opening);
      return G_SOURCE_CONTINUE;
    }

  if (hormiga_application_get_inhibited (opening->application))
    opening->was_inhibited = TRUE;
  for (guint i = 0; i < N_LINKS; i++)
    {
      g_autofree char *name = g_path_get_basename (opening->paths[i]);

      items[i] = finished_transfer (node, name);
      if (items[i] == NULL)
        return G_SOURCE_CONTINUE;
    }
  if (!opening->second_done || !opening->opened)
    return G_SOURCE_CONTINUE;
  /* Done: the session may suspend again. */
  if (hormiga_application_get_inhibited (opening->application)
      || session_count (&opening->session, &opening->session.n_uninhibit) == 0)
    return G_SOURCE_CONTINUE;
  for (guint i = 0; i < N_LINKS; i++)
    {
      g_test_message ("downloaded %s", hormiga_transfer_item_get_path (items[i]));
      g_assert_true (g_str_has_prefix (hormiga_transfer_item_get_path (items[i]),
                                       opening->download_dir));
      assert_same_file (hormiga_transfer_item_get_path (items[i]), opening->paths[i]);
      g_assert_cmpstrv (hormiga_transfer_item_get_sources (items[i]),
                        ((const char *[]) { hormiga_test_node_get_peer_id (opening->node), NULL }));
    }
  opening->done = TRUE;
  g_action_group_activate_action (G_ACTION_GROUP (application), "quit", NULL);
  return G_SOURCE_REMOVE;
}

static gboolean
node_shared_all (gpointer user_data)
{
  return hormiga_test_node_get_line (user_data, "shared ", N_LINKS - 1) != NULL;
}

/* `hormiga --server URL hormiga:…` downloads the link a real hormiga-node
 * published; a second `hormiga hormiga:…` hands its link to the running
 * instance, which downloads it too. Both arrive byte for byte. */
static void
test_open_link (void)
{
  Opening opening = { 0 };
  HormigaTestServer *server = hormiga_test_server_start (NULL);
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autoptr(GError) error = NULL;
  g_autofree char *data_dir = NULL;
  g_autofree char *work_dir = NULL;
  char *argv[] = { "hormiga", "--server", NULL, "--ice-address", "127.0.0.1", NULL, NULL };
  int status;

  if (g_getenv ("HORMIGA_APP") == NULL)
    {
      g_test_fail_printf ("$HORMIGA_APP must name the hormiga program");
      return;
    }
  opening.node = hormiga_test_node_start (hormiga_test_server_get_url (server));
  work_dir = g_dir_make_tmp ("hormiga-app-shared-XXXXXX", &error);
  g_assert_no_error (error);
  opening.paths[0] = make_file (work_dir, "semillas.bin", HORMIGA_CONTENT_CHUNK_SIZE * 2 + 77);
  opening.paths[1] = make_file (work_dir, "hojas.bin", 123456);
  opening.paths[2] = make_file (work_dir, "raíces.bin", 4321);
  for (guint i = 0; i < N_LINKS; i++)
    {
      g_autofree char *line = g_strdup_printf ("share %s", opening.paths[i]);

      hormiga_test_node_say (opening.node, line);
    }
  g_assert_true (hormiga_test_wait_until (node_shared_all, opening.node, WAIT_MS));
  /* Which line is which file: a link names its file. */
  for (guint i = 0; i < N_LINKS; i++)
    {
      const char *link = hormiga_test_node_get_line (opening.node, "shared ", i) + strlen ("shared ");
      g_autoptr(HormigaLink) parsed = hormiga_link_parse (link, &error);

      g_assert_no_error (error);
      for (guint j = 0; j < N_LINKS; j++)
        {
          g_autofree char *name = g_path_get_basename (opening.paths[j]);

          if (g_str_equal (parsed->name, name))
            opening.links[j] = g_strdup (link);
        }
    }
  for (guint i = 0; i < N_LINKS; i++)
    g_assert_nonnull (opening.links[i]);

  data_dir = g_dir_make_tmp ("hormiga-app-XXXXXX", &error);
  g_assert_no_error (error);
  opening.download_dir = g_dir_make_tmp ("hormiga-app-downloads-XXXXXX", &error);
  g_assert_no_error (error);
  g_setenv (HORMIGA_DATA_DIR_ENV, data_dir, TRUE);
  g_settings_set_string (settings, "download-folder", opening.download_dir);

  /* While files come, the app asks the session manager not to suspend. */
  session_start (&opening.session);

  /* A unique instance this time: it owns the application's name on the
   * test's private bus, so the second one finds it. */
  opening.application = hormiga_application_new ();
  g_signal_connect_after (opening.application, "startup", G_CALLBACK (on_startup), NULL);
  opening.deadline = g_get_monotonic_time () + (gint64) WAIT_MS * 1000;
  g_timeout_add (50, on_opening_poll, &opening);
  argv[2] = (char *) hormiga_test_server_get_url (server);
  argv[5] = opening.links[0];
  status = g_application_run (G_APPLICATION (opening.application), G_N_ELEMENTS (argv) - 1, argv);

  if (opening.timed_out)
    g_error ("the links were not downloaded within %d s", WAIT_MS / 1000);
  g_assert_cmpint (status, ==, 0);
  g_assert_true (opening.done);
  g_clear_object (&opening.application);
  g_clear_object (&opening.second);
  g_assert_true (opening.was_inhibited);
  g_test_message ("session: %u inhibit, %u uninhibit, flags %u, “%s”",
                  opening.session.n_inhibit, opening.session.n_uninhibit,
                  opening.session.last_flags, opening.session.last_reason);
  g_assert_cmpuint (session_count (&opening.session, &opening.session.n_inhibit), >=, 1);
  g_assert_cmpuint (opening.session.n_uninhibit, ==, opening.session.n_inhibit);
  g_assert_true (opening.session.last_flags & GTK_APPLICATION_INHIBIT_SUSPEND);
  g_assert_cmpstr (opening.session.last_reason, ==, "Files are being transferred");
  session_stop (&opening.session);

  g_settings_reset (settings, "download-folder");
  hormiga_test_node_quit (opening.node);
  hormiga_test_server_stop (server);
  hormiga_test_remove_tree (data_dir);
  hormiga_test_remove_tree (work_dir);
  hormiga_test_remove_tree (opening.download_dir);
  g_unsetenv (HORMIGA_DATA_DIR_ENV);
  for (guint i = 0; i < N_LINKS; i++)
    {
      g_free (opening.links[i]);
      g_free (opening.paths[i]);
    }
  g_free (opening.download_dir);
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
  g_test_add_func ("/hormiga/app/pulses", test_pulses);
  g_test_add_func ("/hormiga/app/files", test_files);
  g_test_add_func ("/hormiga/app/offer-large", test_offer_large);
  g_test_add_func ("/hormiga/app/open-link", test_open_link);
  return g_test_run ();
}
