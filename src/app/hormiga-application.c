/* hormiga-application.c — the Hormiga desktop application
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Owns the node (a HormigaNodeThread) from startup to shutdown: it joins
 * the hormiguero given with --server, or else the one in GSettings
 * (`server-url`), with the identity in $HORMIGA_DATA_DIR or else
 * $XDG_DATA_HOME/hormiga. Windows show the node; app.about and app.quit
 * are the application's actions.
 */
#include <glib/gi18n.h>

#include "hormiga-app-private.h"
#include "hormiga-application.h"
#include "hormiga-identity.h"
#include "hormiga-window.h"

struct _HormigaApplication
{
  AdwApplication     parent_instance;

  char              *server_override;   /* --server */
  char              *ice_address;       /* --ice-address */
  GSettings         *settings;          /* NULL if the schema is not installed */
  HormigaNodeThread *node;
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
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
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

static const GActionEntry app_actions[] = {
  { .name = "quit", .activate = on_quit },
  { .name = "about", .activate = on_about },
};

static char *
dup_configured_url (HormigaApplication *self)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  if (self->server_override != NULL)
    return g_strdup (self->server_override);

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, APP_ID, TRUE);
  if (schema == NULL)
    {
      g_message ("The settings schema %s is not installed; no hormiguero is configured", APP_ID);
      return NULL;
    }
  self->settings = g_settings_new_full (schema, NULL, NULL);
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
  g_autofree char *url = NULL;
  g_autofree char *data_dir = NULL;

  G_APPLICATION_CLASS (hormiga_application_parent_class)->startup (application);

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions, G_N_ELEMENTS (app_actions),
                                   self);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.about", about_accels);

  url = dup_configured_url (self);
  data_dir = dup_data_dir ();
  self->node = hormiga_node_thread_new (url, data_dir);
  hormiga_node_thread_set_ice_address (self->node, self->ice_address);
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

static void
hormiga_application_shutdown (GApplication *application)
{
  HormigaApplication *self = HORMIGA_APPLICATION (application);
  GList *windows;

  /* Leave the network before the process ends. */
  if (self->node != NULL)
    hormiga_node_thread_stop (self->node);

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
  application_class->shutdown = hormiga_application_shutdown;
}

static void
hormiga_application_init (HormigaApplication *self)
{
  g_application_add_main_option_entries (G_APPLICATION (self), option_entries);
  g_application_set_option_context_summary (G_APPLICATION (self),
                                            _("Hormiga: a peer-to-peer network in which "
                                              "every user’s application is a node."));
}
