/* hormiga-window.c — the main window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A header bar with the view switcher, the Share menu (publish a file,
 * open a link) and the primary menu, the status bar, and the Network,
 * Peers and Transfers views in an AdwViewStack (a switcher bar at the
 * bottom takes over when the window is narrow), under a toast overlay.
 * The window's actions choose files (GtkFileChooserNative, so a sandbox
 * uses the portal), ask for links and hand the work to the node thread;
 * what comes back is shown as toasts and dialogs.
 */
#include <string.h>

#include <glib/gi18n.h>

#include "hormiga-app-private.h"
#include "hormiga-application.h"
#include "hormiga-link-dialog.h"
#include "hormiga-network-page.h"
#include "hormiga-peers-page.h"
#include "hormiga-publish-dialog.h"
#include "hormiga-status-bar.h"
#include "hormiga-transfers-page.h"
#include "hormiga-window.h"

struct _HormigaWindow
{
  AdwApplicationWindow  parent_instance;

  HormigaNodeThread    *node;
  GCancellable         *cancellable;
  GtkNativeDialog      *chooser;      /* the file chooser open now, if any */
  char                 *chooser_peer; /* whom the chosen file goes to, if sending */
  char                 *last_toast;

  AdwToastOverlay      *toast_overlay;
  HormigaStatusBar     *status_bar;
  AdwViewStack         *stack;
  HormigaNetworkPage   *network_page;
  HormigaPeersPage     *peers_page;
  HormigaTransfersPage *transfers_page;
};

G_DEFINE_FINAL_TYPE (HormigaWindow, hormiga_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_NODE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

HormigaWindow *
hormiga_window_new (AdwApplication    *application,
                    HormigaNodeThread *node)
{
  g_return_val_if_fail (ADW_IS_APPLICATION (application), NULL);
  g_return_val_if_fail (HORMIGA_IS_NODE_THREAD (node), NULL);

  return g_object_new (HORMIGA_TYPE_WINDOW,
                       "application", application,
                       "node", node,
                       NULL);
}

HormigaNodeThread *
hormiga_window_get_node (HormigaWindow *self)
{
  g_return_val_if_fail (HORMIGA_IS_WINDOW (self), NULL);
  return self->node;
}

char *
hormiga_window_dup_status_text (HormigaWindow *self)
{
  g_return_val_if_fail (HORMIGA_IS_WINDOW (self), NULL);
  return hormiga_status_bar_dup_text (self->status_bar);
}

void
hormiga_window_add_toast (HormigaWindow *self,
                          AdwToast      *toast)
{
  g_return_if_fail (HORMIGA_IS_WINDOW (self));
  g_return_if_fail (ADW_IS_TOAST (toast));

  g_free (self->last_toast);
  self->last_toast = g_strdup (adw_toast_get_title (toast));
  if (self->toast_overlay != NULL)
    adw_toast_overlay_add_toast (self->toast_overlay, toast);
  else
    g_object_unref (g_object_ref_sink (toast));
}

const char *
hormiga_window_get_last_toast (HormigaWindow *self)
{
  g_return_val_if_fail (HORMIGA_IS_WINDOW (self), NULL);
  return self->last_toast;
}

static void
toast (HormigaWindow *self,
       const char    *title)
{
  AdwToast *toast = adw_toast_new (title);

  adw_toast_set_timeout (toast, 5);
  hormiga_window_add_toast (self, toast);
}

/* The download folder in the settings, or NULL for the node's default. */
static char *
dup_download_folder (HormigaWindow *self)
{
  GtkApplication *application = gtk_window_get_application (GTK_WINDOW (self));

  if (!HORMIGA_IS_APPLICATION (application))
    return NULL;
  return hormiga_application_dup_download_folder (HORMIGA_APPLICATION (application));
}

/* ---- publish ------------------------------------------------------------------- */

typedef struct
{
  HormigaWindow *window;
  char          *name;
  char          *peer_id;
} Pending;

static Pending *
pending_new (HormigaWindow *self,
             GFile         *file,
             const char    *peer_id)
{
  Pending *pending = g_new0 (Pending, 1);

  pending->window = g_object_ref (self);
  pending->name = g_file_get_basename (file);
  pending->peer_id = g_strdup (peer_id);
  return pending;
}

static void
pending_free (Pending *pending)
{
  g_object_unref (pending->window);
  g_free (pending->name);
  g_free (pending->peer_id);
  g_free (pending);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Pending, pending_free)

static void
on_publish_response (AdwMessageDialog *dialog,
                     const char       *response,
                     gpointer          user_data)
{
  HormigaWindow *self = HORMIGA_WINDOW (user_data);

  if (g_strcmp0 (response, "copy") == 0)
    toast (self, _("Link copied"));
}

static void
on_shared (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(Pending) pending = user_data;
  HormigaWindow *self = pending->window;
  g_autoptr(GError) error = NULL;
  g_autofree char *link = hormiga_node_thread_share_finish (HORMIGA_NODE_THREAD (object), result,
                                                            &error);
  g_autofree char *title = NULL;
  GtkWidget *dialog;

  if (g_cancellable_is_cancelled (self->cancellable))
    return;
  if (link == NULL)
    {
      /* Translators: a file could not be shared, and why */
      title = g_strdup_printf (_("Could not publish “%s”: %s"), pending->name, error->message);
      toast (self, title);
      return;
    }
  /* Translators: a file is shared now */
  title = g_strdup_printf (_("“%s” published"), pending->name);
  toast (self, title);
  dialog = hormiga_publish_dialog_new (GTK_WINDOW (self), pending->name, link);
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_publish_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
publish_file (HormigaWindow *self,
              GFile         *file)
{
  hormiga_node_thread_share_async (self->node, file, NULL, on_shared,
                                   pending_new (self, file, NULL));
}

/* ---- send ---------------------------------------------------------------------- */

static void
on_sent (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(Pending) pending = user_data;
  HormigaWindow *self = pending->window;
  g_autoptr(GError) error = NULL;
  g_autofree char *peer = _hormiga_dup_short_peer_id (pending->peer_id);
  g_autofree char *title = NULL;

  if (g_cancellable_is_cancelled (self->cancellable))
    return;
  if (hormiga_node_thread_send_finish (HORMIGA_NODE_THREAD (object), result, &error))
    /* Translators: a peer accepted a file we offered; then its PeerID */
    title = g_strdup_printf (_("Sent “%s” — %s accepted"), pending->name, peer);
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED))
    {
      /* The peer's reason follows "PEERID declined: ". */
      const char *reason = strstr (error->message, "declined: ");

      reason = reason != NULL ? reason + strlen ("declined: ") : error->message;
      /* Translators: a peer declined a file we offered; then its reason */
      title = g_strdup_printf (_("“%s” declined: %s"), pending->name, reason);
    }
  else
    /* Translators: a file could not be offered to a peer, and why */
    title = g_strdup_printf (_("Could not send “%s”: %s"), pending->name, error->message);
  toast (self, title);
}

static void
send_file (HormigaWindow *self,
           const char    *peer_id,
           GFile         *file)
{
  g_autofree char *name = g_file_get_basename (file);
  g_autofree char *peer = _hormiga_dup_short_peer_id (peer_id);
  g_autofree char *title = NULL;

  /* Translators: a file is being offered to a peer (its short PeerID) */
  title = g_strdup_printf (_("Offering “%s” to %s…"), name, peer);
  toast (self, title);
  hormiga_node_thread_send_async (self->node, peer_id, file, NULL, on_sent,
                                  pending_new (self, file, peer_id));
}

/* ---- choosing a file ----------------------------------------------------------- */

static void
on_chooser_response (GtkNativeDialog *chooser,
                     int              response,
                     gpointer         user_data)
{
  HormigaWindow *self = HORMIGA_WINDOW (user_data);
  g_autoptr(GtkNativeDialog) owned = g_steal_pointer (&self->chooser);
  g_autofree char *peer_id = g_steal_pointer (&self->chooser_peer);
  g_autoptr(GFile) file = NULL;

  g_assert (owned == chooser);
  if (response != GTK_RESPONSE_ACCEPT)
    return;
  file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
  if (file == NULL)
    return;
  if (peer_id != NULL)
    send_file (self, peer_id, file);
  else
    publish_file (self, file);
}

/* @peer_id: NULL to publish the file chosen, else whom to send it to. */
static void
choose_file (HormigaWindow *self,
             const char    *title,
             const char    *accept,
             const char    *peer_id)
{
  if (self->chooser != NULL)
    {
      gtk_native_dialog_destroy (self->chooser);
      g_clear_object (&self->chooser);
    }
  self->chooser = GTK_NATIVE_DIALOG (gtk_file_chooser_native_new (title, GTK_WINDOW (self),
                                                                   GTK_FILE_CHOOSER_ACTION_OPEN,
                                                                   accept, _("_Cancel")));
  g_free (self->chooser_peer);
  self->chooser_peer = g_strdup (peer_id);
  gtk_native_dialog_set_modal (self->chooser, TRUE);
  g_signal_connect (self->chooser, "response", G_CALLBACK (on_chooser_response), self);
  gtk_native_dialog_show (self->chooser);
}

/* ---- actions ------------------------------------------------------------------- */

static void
on_publish (GtkWidget  *widget,
            const char *action_name,
            GVariant   *parameter)
{
  /* Translators: the title of the file chooser */
  choose_file (HORMIGA_WINDOW (widget), _("Publish File"), _("_Publish"), NULL);
}

static void
on_publish_uri (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  g_autoptr(GFile) file = g_file_new_for_uri (g_variant_get_string (parameter, NULL));

  publish_file (HORMIGA_WINDOW (widget), file);
}

static void
on_send_file (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  /* Translators: the title of the file chooser */
  choose_file (HORMIGA_WINDOW (widget), _("Send File"), _("_Send"),
               g_variant_get_string (parameter, NULL));
}

static void
on_send_uri (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  const char *peer_id, *uri;
  g_autoptr(GFile) file = NULL;

  g_variant_get (parameter, "(&s&s)", &peer_id, &uri);
  file = g_file_new_for_uri (uri);
  send_file (HORMIGA_WINDOW (widget), peer_id, file);
}

static void
on_download_started (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(HormigaWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  guint id = hormiga_node_thread_download_finish (HORMIGA_NODE_THREAD (object), result, &error);
  g_autofree char *title = NULL;

  if (g_cancellable_is_cancelled (self->cancellable))
    return;
  if (id == 0)
    {
      /* Translators: a link could not be downloaded, and why */
      title = g_strdup_printf (_("Cannot download: %s"), error->message);
      toast (self, title);
      return;
    }
  hormiga_window_show_view (self, "transfers");
}

static void
download_link (HormigaWindow *self,
               const char    *link)
{
  g_autofree char *folder = dup_download_folder (self);

  hormiga_node_thread_download_async (self->node, link, folder, NULL, on_download_started,
                                      g_object_ref (self));
}

static void
on_download_link (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  download_link (HORMIGA_WINDOW (widget), g_variant_get_string (parameter, NULL));
}

static void
on_link_response (AdwMessageDialog *dialog,
                  const char       *response,
                  gpointer          user_data)
{
  HormigaWindow *self = HORMIGA_WINDOW (user_data);

  if (g_strcmp0 (response, "download") == 0
      && hormiga_link_dialog_is_valid (HORMIGA_LINK_DIALOG (dialog)))
    download_link (self, hormiga_link_dialog_get_text (HORMIGA_LINK_DIALOG (dialog)));
}

static void
on_open_link (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  HormigaWindow *self = HORMIGA_WINDOW (widget);
  GtkWidget *dialog = hormiga_link_dialog_new (GTK_WINDOW (self));

  g_signal_connect_object (dialog, "response", G_CALLBACK (on_link_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
on_transfer_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  HormigaWindow *self = HORMIGA_WINDOW (widget);
  guint id = g_variant_get_uint32 (parameter);

  if (g_str_equal (action_name, "win.pause-transfer"))
    hormiga_node_thread_pause_transfer (self->node, id);
  else if (g_str_equal (action_name, "win.resume-transfer"))
    hormiga_node_thread_resume_transfer (self->node, id);
  else if (g_str_equal (action_name, "win.cancel-transfer"))
    hormiga_node_thread_cancel_transfer (self->node, id);
}

static void
on_open_transfer_folder (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  HormigaWindow *self = HORMIGA_WINDOW (widget);
  HormigaTransferItem *item = hormiga_node_thread_lookup_transfer (self->node,
                                                                  g_variant_get_uint32 (parameter));
  g_autofree char *folder = NULL;
  g_autofree char *uri = NULL;

  if (item == NULL)
    return;
  if (hormiga_transfer_item_get_folder (item) != NULL)
    folder = g_strdup (hormiga_transfer_item_get_folder (item));
  else if (hormiga_transfer_item_get_path (item) != NULL)
    folder = g_path_get_dirname (hormiga_transfer_item_get_path (item));
  else
    return;
  uri = g_filename_to_uri (folder, NULL, NULL);
  if (uri == NULL)
    return;
  /* GtkFileLauncher needs GTK 4.10; gtk_show_uri() goes through the
   * OpenURI portal in a sandbox too. */
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_show_uri (GTK_WINDOW (self), uri, GDK_CURRENT_TIME);
  G_GNUC_END_IGNORE_DEPRECATIONS
}

/* ---- the node's news ----------------------------------------------------------- */

static void
on_transfer_finished (HormigaNodeThread   *node,
                      HormigaTransferItem *item,
                      gpointer             user_data)
{
  HormigaWindow *self = HORMIGA_WINDOW (user_data);
  g_autofree char *title = NULL;
  AdwToast *done;

  /* Translators: a download is complete */
  title = g_strdup_printf (_("“%s” downloaded"), hormiga_transfer_item_get_name (item));
  done = adw_toast_new (title);
  adw_toast_set_timeout (done, 5);
  adw_toast_set_button_label (done, _("Open Folder"));
  adw_toast_set_action_name (done, "win.open-transfer-folder");
  adw_toast_set_action_target_value (done, g_variant_new_uint32 (hormiga_transfer_item_get_id (item)));
  hormiga_window_add_toast (self, done);
}

static void
hormiga_window_constructed (GObject *object)
{
  HormigaWindow *self = HORMIGA_WINDOW (object);

  G_OBJECT_CLASS (hormiga_window_parent_class)->constructed (object);

  hormiga_status_bar_set_node (self->status_bar, self->node);
  hormiga_network_page_set_node (self->network_page, self->node);
  hormiga_peers_page_set_node (self->peers_page, self->node);
  hormiga_transfers_page_set_node (self->transfers_page, self->node);
  g_signal_connect_object (self->node, "transfer-finished", G_CALLBACK (on_transfer_finished),
                           self, 0);
}

void
hormiga_window_show_view (HormigaWindow *self,
                          const char    *name)
{
  g_return_if_fail (HORMIGA_IS_WINDOW (self));
  g_return_if_fail (name != NULL);

  adw_view_stack_set_visible_child_name (self->stack, name);
}

HormigaNetworkPage *
hormiga_window_get_network_page (HormigaWindow *self)
{
  g_return_val_if_fail (HORMIGA_IS_WINDOW (self), NULL);
  return self->network_page;
}

HormigaPeersPage *
hormiga_window_get_peers_page (HormigaWindow *self)
{
  g_return_val_if_fail (HORMIGA_IS_WINDOW (self), NULL);
  return self->peers_page;
}

HormigaTransfersPage *
hormiga_window_get_transfers_page (HormigaWindow *self)
{
  g_return_val_if_fail (HORMIGA_IS_WINDOW (self), NULL);
  return self->transfers_page;
}

static void
hormiga_window_dispose (GObject *object)
{
  HormigaWindow *self = HORMIGA_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  if (self->chooser != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->chooser, self);
      gtk_native_dialog_destroy (self->chooser);
      g_clear_object (&self->chooser);
    }
  if (self->node != NULL)
    g_signal_handlers_disconnect_by_data (self->node, self);
  gtk_widget_dispose_template (GTK_WIDGET (self), HORMIGA_TYPE_WINDOW);
  g_clear_object (&self->node);

  G_OBJECT_CLASS (hormiga_window_parent_class)->dispose (object);
}

static void
hormiga_window_finalize (GObject *object)
{
  HormigaWindow *self = HORMIGA_WINDOW (object);

  g_clear_object (&self->cancellable);
  g_free (self->chooser_peer);
  g_free (self->last_toast);

  G_OBJECT_CLASS (hormiga_window_parent_class)->finalize (object);
}

static void
hormiga_window_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  HormigaWindow *self = HORMIGA_WINDOW (object);

  switch (prop_id)
    {
    case PROP_NODE: g_value_set_object (value, self->node); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hormiga_window_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  HormigaWindow *self = HORMIGA_WINDOW (object);

  switch (prop_id)
    {
    case PROP_NODE: self->node = g_value_dup_object (value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hormiga_window_class_init (HormigaWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = hormiga_window_constructed;
  object_class->dispose = hormiga_window_dispose;
  object_class->finalize = hormiga_window_finalize;
  object_class->get_property = hormiga_window_get_property;
  object_class->set_property = hormiga_window_set_property;

  properties[PROP_NODE] =
    g_param_spec_object ("node", NULL, NULL, HORMIGA_TYPE_NODE_THREAD,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_install_action (widget_class, "win.publish", NULL, on_publish);
  gtk_widget_class_install_action (widget_class, "win.publish-uri", "s", on_publish_uri);
  gtk_widget_class_install_action (widget_class, "win.open-link", NULL, on_open_link);
  gtk_widget_class_install_action (widget_class, "win.download-link", "s", on_download_link);
  gtk_widget_class_install_action (widget_class, "win.send-file", "s", on_send_file);
  gtk_widget_class_install_action (widget_class, "win.send-uri", "(ss)", on_send_uri);
  gtk_widget_class_install_action (widget_class, "win.pause-transfer", "u", on_transfer_action);
  gtk_widget_class_install_action (widget_class, "win.resume-transfer", "u", on_transfer_action);
  gtk_widget_class_install_action (widget_class, "win.cancel-transfer", "u", on_transfer_action);
  gtk_widget_class_install_action (widget_class, "win.open-transfer-folder", "u",
                                   on_open_transfer_folder);

  g_type_ensure (HORMIGA_TYPE_STATUS_BAR);
  g_type_ensure (HORMIGA_TYPE_NETWORK_PAGE);
  g_type_ensure (HORMIGA_TYPE_PEERS_PAGE);
  g_type_ensure (HORMIGA_TYPE_TRANSFERS_PAGE);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               HORMIGA_RESOURCE_PATH "/ui/hormiga-window.ui");
  gtk_widget_class_bind_template_child (widget_class, HormigaWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, HormigaWindow, status_bar);
  gtk_widget_class_bind_template_child (widget_class, HormigaWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, HormigaWindow, network_page);
  gtk_widget_class_bind_template_child (widget_class, HormigaWindow, peers_page);
  gtk_widget_class_bind_template_child (widget_class, HormigaWindow, transfers_page);
}

static void
hormiga_window_init (HormigaWindow *self)
{
  self->cancellable = g_cancellable_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
  /* The development profile looks it: libadwaita's striped header bar. */
  if (g_str_equal (PROFILE, "development"))
    gtk_widget_add_css_class (GTK_WIDGET (self), "devel");
}
