/* hormiga-application.c — the Hormiga desktop application
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Owns the node (a HormigaNodeThread) from startup to shutdown: it joins
 * the hormiguero given with --server, or else the one in GSettings
 * (`server-url`), with the identity in $HORMIGA_DATA_DIR or else
 * $XDG_DATA_HOME/hormiga. Windows show the node; app.about and app.quit
 * are the application's actions.
 *
 * Files a peer offers are the application's to ask about: a dialog over
 * the window, and a notification with the same two answers when the
 * window is not active (app.accept-offer and app.decline-offer, with the
 * offer's id as a string). Accepted files go to the `download-folder` in
 * GSettings, or the user's Downloads folder when it is empty. Whoever
 * sends a file that is accepted becomes a known peer (`known-peers`); with
 * `auto-accept-known` on, their next offers are accepted without asking.
 *
 * app.preferences (Ctrl+comma) opens the preferences, bound to the same
 * GSettings. While files move (the node's n-active-transfers), the
 * application asks the session not to suspend (gtk_application_inhibit).
 */
#include <glib/gi18n.h>

#include "hormiga-app-private.h"
#include "hormiga-application.h"
#include "hormiga-identity.h"
#include "hormiga-offer-dialog.h"
#include "hormiga-preferences-window.h"
#include "hormiga-window.h"

/* What a sender hears when its offer is declined here. */
#define DECLINE_REASON "the recipient declined"

struct _HormigaApplication
{
  AdwApplication     parent_instance;

  char              *server_override;   /* --server */
  char              *ice_address;       /* --ice-address */
  GSettings         *settings;          /* NULL if the schema is not installed */
  HormigaNodeThread *node;
  GHashTable        *offers;            /* offer id → HormigaOfferDialog, open */
  GHashTable        *offer_peers;       /* offer id → its sender's PeerID, unanswered */
  guint              inhibit_cookie;    /* while transfers run; 0 if none */
  gboolean           inhibited;
};

G_DEFINE_FINAL_TYPE (HormigaApplication, hormiga_application, ADW_TYPE_APPLICATION)

static const GOptionEntry option_entries[] = {
  { "server", 's', 0, G_OPTION_ARG_STRING, NULL,
    N_("Join the hormiguero at URL instead of the configured one"), N_("URL") },
  { "ice-address", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("Gather host candidates on this IP address only (default: every interface)"),
    N_("ADDR") },
  { "version", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Print the version and exit"), NULL },
  { NULL }
};

HormigaApplication *
hormiga_application_new (void)
{
  return g_object_new (HORMIGA_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_HANDLES_OPEN,
                       "resource-base-path", HORMIGA_RESOURCE_PATH,
                       NULL);
}

HormigaNodeThread *
hormiga_application_get_node (HormigaApplication *self)
{
  g_return_val_if_fail (HORMIGA_IS_APPLICATION (self), NULL);
  return self->node;
}

static void
on_quit (GSimpleAction *action,
         GVariant      *parameter,
         gpointer       user_data)
{
  g_application_quit (G_APPLICATION (user_data));
}

static void
on_about (GSimpleAction *action,
          GVariant      *parameter,
          gpointer       user_data)
{
  GtkApplication *application = GTK_APPLICATION (user_data);
  GtkWindow *about;

  about = g_object_new (ADW_TYPE_ABOUT_WINDOW,
                        "transient-for", gtk_application_get_active_window (application),
                        "application", application,
                        "application-name", _("Hormiga"),
                        "application-icon", APP_ID,
                        "developer-name", _("The Hormiga developers"),
                        "version", PACKAGE_VERSION,
                        "comments", _("A peer-to-peer network in which every user’s application "
                                      "is a node. Nodes meet through a hormiguero, then talk "
                                      "directly."),
                        "license-type", GTK_LICENSE_GPL_3_0,
                        /* Translators: your names, one per line */
                        "translator-credits", _("translator-credits"),
                        NULL);
  gtk_window_present (about);
}

char *
hormiga_application_dup_download_folder (HormigaApplication *self)
{
  g_autofree char *folder = NULL;

  g_return_val_if_fail (HORMIGA_IS_APPLICATION (self), NULL);

  if (self->settings != NULL)
    folder = g_settings_get_string (self->settings, "download-folder");
  if (folder == NULL || folder[0] == '\0')
    return NULL;
  return g_steal_pointer (&folder);
}

static void
on_preferences (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  HormigaApplication *self = HORMIGA_APPLICATION (user_data);
  GtkApplication *application = GTK_APPLICATION (self);
  GtkWidget *preferences;

  if (self->settings == NULL)
    return;
  for (GList *l = gtk_application_get_windows (application); l != NULL; l = l->next)
    if (HORMIGA_IS_PREFERENCES_WINDOW (l->data))
      {
        gtk_window_present (l->data);
        return;
      }
  preferences = hormiga_preferences_window_new (gtk_application_get_active_window (application),
                                                self->settings);
  gtk_window_set_application (GTK_WINDOW (preferences), application);
  gtk_window_present (GTK_WINDOW (preferences));
}

/* ---- offers -------------------------------------------------------------------- */

static gboolean
is_known_peer (HormigaApplication *self,
               const char         *peer_id)
{
  g_auto(GStrv) known = NULL;

  if (self->settings == NULL)
    return FALSE;
  known = g_settings_get_strv (self->settings, "known-peers");
  return g_strv_contains ((const char * const *) known, peer_id);
}

/* Accepted once: known from now on. */
static void
remember_peer (HormigaApplication *self,
               const char         *peer_id)
{
  g_auto(GStrv) known = NULL;
  g_autoptr(GStrvBuilder) builder = NULL;
  g_auto(GStrv) updated = NULL;

  if (self->settings == NULL || peer_id == NULL || is_known_peer (self, peer_id))
    return;
  known = g_settings_get_strv (self->settings, "known-peers");
  builder = g_strv_builder_new ();
  g_strv_builder_addv (builder, (const char **) known);
  g_strv_builder_add (builder, peer_id);
  updated = g_strv_builder_end (builder);
  g_settings_set_strv (self->settings, "known-peers", (const char * const *) updated);
}

static char *
offer_notification_id (guint id)
{
  return g_strdup_printf ("offer-%u", id);
}

/* The offer is answered: its dialog and notification go. */
static void
close_offer (HormigaApplication *self,
             guint               id)
{
  g_autofree char *notification = offer_notification_id (id);
  GtkWindow *dialog = g_hash_table_lookup (self->offers, GUINT_TO_POINTER (id));

  g_application_withdraw_notification (G_APPLICATION (self), notification);
  g_hash_table_remove (self->offer_peers, GUINT_TO_POINTER (id));
  if (dialog == NULL)
    return;
  g_hash_table_remove (self->offers, GUINT_TO_POINTER (id));
  g_signal_handlers_disconnect_by_data (dialog, self);
  gtk_window_destroy (dialog);
}

static gboolean
parse_offer_id (GVariant *parameter,
                guint    *id)
{
  guint64 value;

  if (!g_ascii_string_to_unsigned (g_variant_get_string (parameter, NULL), 10, 1, G_MAXUINT,
                                   &value, NULL))
    return FALSE;
  *id = (guint) value;
  return TRUE;
}

/* @paths: the part of a folder to take, NULL for all of it. */
static void
accept_offer (HormigaApplication *self,
              guint               id,
              const char * const *paths)
{
  g_autofree char *folder = hormiga_application_dup_download_folder (self);
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (paths != NULL)
    hormiga_node_thread_accept_offer_paths (self->node, id, folder, paths);
  else
    hormiga_node_thread_accept_offer (self->node, id, folder);
  remember_peer (self, g_hash_table_lookup (self->offer_peers, GUINT_TO_POINTER (id)));
  close_offer (self, id);
  if (HORMIGA_IS_WINDOW (window))
    hormiga_window_show_view (HORMIGA_WINDOW (window), "transfers");
}

static void
on_accept_offer (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  guint id;

  if (parse_offer_id (parameter, &id))
    accept_offer (HORMIGA_APPLICATION (user_data), id, NULL);
}

static void
on_decline_offer (GSimpleAction *action,
                  GVariant      *parameter,
                  gpointer       user_data)
{
  HormigaApplication *self = HORMIGA_APPLICATION (user_data);
  guint id;

  if (!parse_offer_id (parameter, &id))
    return;
  hormiga_node_thread_decline_offer (self->node, id, DECLINE_REASON);
  close_offer (self, id);
}

static void
on_offer_response (AdwMessageDialog *dialog,
                   const char       *response,
                   gpointer          user_data)
{
  HormigaApplication *self = HORMIGA_APPLICATION (user_data);
  guint offer_id = hormiga_offer_dialog_get_offer_id (HORMIGA_OFFER_DIALOG (dialog));
  g_autofree char *id = g_strdup_printf ("%u", offer_id);
  g_auto(GStrv) paths = hormiga_offer_dialog_dup_chosen_paths (HORMIGA_OFFER_DIALOG (dialog));

  /* The dialog closes itself. */
  g_hash_table_remove (self->offers, GUINT_TO_POINTER (offer_id));
  g_signal_handlers_disconnect_by_data (dialog, self);
  /* Part of a folder: only the dialog knows which (none: a refusal). */
  if (g_strcmp0 (response, "accept") == 0 && paths != NULL)
    {
      if (paths[0] != NULL)
        {
          accept_offer (self, offer_id, (const char * const *) paths);
          return;
        }
      response = "decline";
    }
  g_action_group_activate_action (G_ACTION_GROUP (self),
                                  g_strcmp0 (response, "accept") == 0 ? "accept-offer"
                                                                      : "decline-offer",
                                  g_variant_new_string (id));
}

static void
on_offer (HormigaNodeThread *node,
          guint              id,
          const char        *peer_id,
          const char        *name,
          guint64            size,
          GStrv              paths,
          GArray            *sizes,
          gpointer           user_data)
{
  HormigaApplication *self = HORMIGA_APPLICATION (user_data);
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));
  GtkWidget *dialog;

  /* A known peer, and the user trusts those: no question. */
  if (self->settings != NULL && g_settings_get_boolean (self->settings, "auto-accept-known")
      && is_known_peer (self, peer_id))
    {
      g_autofree char *folder = hormiga_application_dup_download_folder (self);
      g_autofree char *short_id = _hormiga_dup_short_peer_id (peer_id);
      g_autofree char *title = NULL;

      hormiga_node_thread_accept_offer (self->node, id, folder);
      if (HORMIGA_IS_WINDOW (window))
        {
          /* Translators: a known peer's file is accepted without asking;
           * then the peer's short PeerID */
          title = g_strdup_printf (_("Receiving “%s” from %s"), name, short_id);
          hormiga_window_add_toast (HORMIGA_WINDOW (window), adw_toast_new (title));
        }
      return;
    }

  g_hash_table_insert (self->offer_peers, GUINT_TO_POINTER (id), g_strdup (peer_id));
  if (window == NULL)
    {
      g_application_activate (G_APPLICATION (self));
      window = gtk_application_get_active_window (GTK_APPLICATION (self));
    }
  dialog = hormiga_offer_dialog_new (window, id, peer_id, name, size,
                                     (const char * const *) paths,
                                     sizes != NULL ? (const guint64 *) (gpointer) sizes->data : NULL);
  g_hash_table_insert (self->offers, GUINT_TO_POINTER (id), dialog);
  g_signal_connect (dialog, "response", G_CALLBACK (on_offer_response), self);
  gtk_window_present (GTK_WINDOW (dialog));

  /* Someone may not be looking. */
  if (window == NULL || !gtk_window_is_active (window))
    {
      g_autoptr(GNotification) notification = g_notification_new (_("Incoming File"));
      g_autofree char *notification_id = offer_notification_id (id);
      g_autofree char *target = g_strdup_printf ("%u", id);
      g_autofree char *short_id = NULL;
      g_autofree char *size_text = g_format_size (size);
      g_autofree char *body = NULL;

      short_id = g_strndup (peer_id + (g_str_has_prefix (peer_id, "12D3KooW") ? 8 : 0), 6);
      /* Translators: a notification: a peer (short PeerID) offers a file (name, size) */
      body = g_strdup_printf (_("%s… wants to send you “%s” (%s)."), short_id, name, size_text);
      g_notification_set_body (notification, body);
      g_notification_set_priority (notification, G_NOTIFICATION_PRIORITY_HIGH);
      g_notification_add_button_with_target (notification, _("Decline"), "app.decline-offer", "s",
                                             target);
      g_notification_add_button_with_target (notification, _("Accept"), "app.accept-offer", "s",
                                             target);
      g_application_send_notification (G_APPLICATION (self), notification_id, notification);
    }
}

static void
on_offer_closed (HormigaNodeThread *node,
                 guint              id,
                 gpointer           user_data)
{
  close_offer (HORMIGA_APPLICATION (user_data), id);
}

/* ---- suspend -------------------------------------------------------------------- */

static void
update_inhibit (HormigaApplication *self)
{
  gboolean busy = self->node != NULL && hormiga_node_thread_get_n_active_transfers (self->node) > 0;

  if (busy == self->inhibited)
    return;
  self->inhibited = busy;
  if (busy)
    /* Translators: why the computer should not suspend now */
    self->inhibit_cookie = gtk_application_inhibit (GTK_APPLICATION (self),
                                                    gtk_application_get_active_window (GTK_APPLICATION (self)),
                                                    GTK_APPLICATION_INHIBIT_SUSPEND,
                                                    _("Files are being transferred"));
  else if (self->inhibit_cookie != 0)
    {
      gtk_application_uninhibit (GTK_APPLICATION (self), self->inhibit_cookie);
      self->inhibit_cookie = 0;
    }
}

static void
on_active_transfers (HormigaNodeThread *node,
                     GParamSpec        *pspec,
                     gpointer           user_data)
{
  update_inhibit (HORMIGA_APPLICATION (user_data));
}

gboolean
hormiga_application_get_inhibited (HormigaApplication *self)
{
  g_return_val_if_fail (HORMIGA_IS_APPLICATION (self), FALSE);
  return self->inhibited;
}

static const GActionEntry app_actions[] = {
  { .name = "quit", .activate = on_quit },
  { .name = "about", .activate = on_about },
  { .name = "preferences", .activate = on_preferences },
  { .name = "accept-offer", .activate = on_accept_offer, .parameter_type = "s" },
  { .name = "decline-offer", .activate = on_decline_offer, .parameter_type = "s" },
};

static void
load_settings (HormigaApplication *self)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, APP_ID, TRUE);
  if (schema == NULL)
    {
      g_message ("The settings schema %s is not installed; the defaults are used", APP_ID);
      return;
    }
  self->settings = g_settings_new_full (schema, NULL, NULL);
}

/* The settings the node applies at once: read now, and again whenever one
 * changes. */
static void
on_node_setting_changed (GSettings  *settings,
                         const char *key,
                         gpointer    user_data)
{
  HormigaApplication *self = HORMIGA_APPLICATION (user_data);

  if (self->node == NULL)
    return;
  if (key == NULL || g_str_equal (key, "upload-limit"))
    hormiga_node_thread_set_upload_limit (self->node, g_settings_get_uint (settings,
                                                                           "upload-limit"));
  if (key == NULL || g_str_equal (key, "display-name"))
    {
      g_autofree char *name = g_settings_get_string (settings, "display-name");

      hormiga_node_thread_set_display_name (self->node, name);
    }
  if (key == NULL || g_str_equal (key, "stun-servers") || g_str_equal (key, "turn-servers"))
    {
      g_auto(GStrv) stun = g_settings_get_strv (settings, "stun-servers");
      g_auto(GStrv) turn = g_settings_get_strv (settings, "turn-servers");

      hormiga_node_thread_set_ice_servers (self->node, (const char * const *) stun,
                                           (const char * const *) turn);
    }
}

static char *
dup_configured_url (HormigaApplication *self)
{
  if (self->server_override != NULL)
    return g_strdup (self->server_override);
  if (self->settings == NULL)
    return NULL;
  return g_settings_get_string (self->settings, "server-url");
}

static char *
dup_data_dir (void)
{
  const char *dir = g_getenv (HORMIGA_DATA_DIR_ENV);

  if (dir != NULL && dir[0] != '\0')
    return g_strdup (dir);
  return hormiga_identity_default_data_dir ();
}

static int
hormiga_application_handle_local_options (GApplication *application,
                                          GVariantDict *options)
{
  HormigaApplication *self = HORMIGA_APPLICATION (application);

  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("hormiga %s\n", PACKAGE_VERSION);
      return 0;
    }
  g_variant_dict_lookup (options, "server", "s", &self->server_override);
  g_variant_dict_lookup (options, "ice-address", "s", &self->ice_address);
  return -1;
}

static void
hormiga_application_startup (GApplication *application)
{
  HormigaApplication *self = HORMIGA_APPLICATION (application);
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *about_accels[] = { "F1", NULL };
  static const char *preferences_accels[] = { "<Control>comma", NULL };
  static const char *publish_accels[] = { "<Control>o", NULL };
  static const char *open_link_accels[] = { "<Control>l", NULL };
  g_autofree char *url = NULL;
  g_autofree char *data_dir = NULL;
  g_autofree char *folder = NULL;

  G_APPLICATION_CLASS (hormiga_application_parent_class)->startup (application);

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions, G_N_ELEMENTS (app_actions),
                                   self);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.about", about_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.preferences",
                                         preferences_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "win.publish", publish_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "win.open-link",
                                         open_link_accels);

  load_settings (self);
  g_simple_action_set_enabled (G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (self),
                                                                            "preferences")),
                               self->settings != NULL);
  url = dup_configured_url (self);
  data_dir = dup_data_dir ();
  folder = hormiga_application_dup_download_folder (self);
  self->node = hormiga_node_thread_new (url, data_dir);
  hormiga_node_thread_set_ice_address (self->node, self->ice_address);
  hormiga_node_thread_set_download_folder (self->node, folder);
  if (self->settings != NULL)
    {
      hormiga_node_thread_set_contingents (self->node, g_settings_get_uint (self->settings,
                                                                            "contingents"));
      on_node_setting_changed (self->settings, NULL, self);
      g_signal_connect (self->settings, "changed", G_CALLBACK (on_node_setting_changed), self);
    }
  g_signal_connect (self->node, "offer", G_CALLBACK (on_offer), self);
  g_signal_connect (self->node, "offer-closed", G_CALLBACK (on_offer_closed), self);
  g_signal_connect (self->node, "notify::n-active-transfers", G_CALLBACK (on_active_transfers),
                    self);
  hormiga_node_thread_start (self->node);
}

static void
hormiga_application_activate (GApplication *application)
{
  HormigaApplication *self = HORMIGA_APPLICATION (application);
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (window == NULL)
    window = GTK_WINDOW (hormiga_window_new (ADW_APPLICATION (self), self->node));
  gtk_window_present (window);
}

/* `hormiga hormiga:…` and the desktop's handler for hormiga: links: each
 * link starts a download, as Open Link… would. */
static void
hormiga_application_open (GApplication  *application,
                          GFile        **files,
                          gint           n_files,
                          const char    *hint)
{
  GtkWindow *window;

  hormiga_application_activate (application);
  window = gtk_application_get_active_window (GTK_APPLICATION (application));
  for (gint i = 0; i < n_files; i++)
    {
      g_autofree char *uri = g_file_get_uri (files[i]);

      if (uri != NULL && g_str_has_prefix (uri, "hormiga:"))
        gtk_widget_activate_action (GTK_WIDGET (window), "win.download-link", "s", uri);
      else
        g_printerr (_("hormiga: %s is not a hormiga: link; only those can be opened\n"),
                    uri ? uri : "?");
    }
}

static void
hormiga_application_shutdown (GApplication *application)
{
  HormigaApplication *self = HORMIGA_APPLICATION (application);
  GList *windows;

  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_func (self->settings, on_node_setting_changed, self);
  /* Leave the network before the process ends. */
  if (self->node != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->node, self);
      hormiga_node_thread_stop (self->node);
      update_inhibit (self);
    }
  {
    GHashTableIter iter;
    gpointer dialog;

    g_hash_table_iter_init (&iter, self->offers);
    while (g_hash_table_iter_next (&iter, NULL, &dialog))
      g_signal_handlers_disconnect_by_data (dialog, self);
    g_hash_table_remove_all (self->offers);
    g_hash_table_remove_all (self->offer_peers);
  }

  while ((windows = gtk_application_get_windows (GTK_APPLICATION (self))) != NULL)
    gtk_window_destroy (windows->data);

  G_APPLICATION_CLASS (hormiga_application_parent_class)->shutdown (application);
}

static void
hormiga_application_dispose (GObject *object)
{
  HormigaApplication *self = HORMIGA_APPLICATION (object);

  g_clear_object (&self->node);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->offers, g_hash_table_unref);
  g_clear_pointer (&self->offer_peers, g_hash_table_unref);

  G_OBJECT_CLASS (hormiga_application_parent_class)->dispose (object);
}

static void
hormiga_application_finalize (GObject *object)
{
  HormigaApplication *self = HORMIGA_APPLICATION (object);

  g_free (self->server_override);
  g_free (self->ice_address);

  G_OBJECT_CLASS (hormiga_application_parent_class)->finalize (object);
}

static void
hormiga_application_class_init (HormigaApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *application_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = hormiga_application_dispose;
  object_class->finalize = hormiga_application_finalize;

  application_class->handle_local_options = hormiga_application_handle_local_options;
  application_class->startup = hormiga_application_startup;
  application_class->activate = hormiga_application_activate;
  application_class->open = hormiga_application_open;
  application_class->shutdown = hormiga_application_shutdown;
}

static void
hormiga_application_init (HormigaApplication *self)
{
  self->offers = g_hash_table_new (NULL, NULL);
  self->offer_peers = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  g_application_add_main_option_entries (G_APPLICATION (self), option_entries);
  g_application_set_option_context_summary (G_APPLICATION (self),
                                            _("Hormiga: a peer-to-peer network in which "
                                              "every user’s application is a node."));
}
