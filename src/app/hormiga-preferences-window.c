/* hormiga-preferences-window.c — the application's preferences
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Two pages of rows, each bound to its GSettings key with
 * g_settings_bind(): what the user changes is written at once, and a key
 * changed elsewhere shows at once. Who reads what:
 *
 * - download-folder: every download and accepted offer from then on (the
 *   window and the application read it when they start one); chosen with
 *   GtkFileChooserNative, so a sandbox goes through the portal.
 * - auto-accept-known: the next offer from a known peer.
 * - server-url: the node, at the next start; only a ws:// or wss://
 *   address is written, anything else is marked as an error.
 * - contingents: the node's contingency service, at the next start.
 * - display-name: the node, at once (peers connected hear it); only a name
 *   a hello can carry is written, anything else is marked as an error.
 * - upload-limit: the node's transfer manager, at once.
 * - stun-servers, turn-servers: the node, for the connections it makes
 *   from then on; only lists whose every server parses (and a TURN server
 *   with its credentials) are written, anything else is marked as an
 *   error, with the reason in the row's tooltip.
 */
#include <glib/gi18n.h>

#include "hormiga-app-private.h"
#include "hormiga-dht-message.h"
#include "hormiga-ice-server.h"
#include "hormiga-node-thread.h"
#include "hormiga-preferences-window.h"

struct _HormigaPreferencesWindow
{
  AdwPreferencesWindow  parent_instance;

  GSettings            *settings;
  GtkNativeDialog      *chooser;

  AdwEntryRow          *display_name_row;
  AdwActionRow         *download_folder_row;
  GtkButton            *reset_folder_button;
  GtkSwitch            *auto_accept_switch;
  GtkSpinButton        *upload_limit_spin;
  AdwEntryRow          *server_url_row;
  AdwEntryRow          *stun_row;
  AdwEntryRow          *turn_row;
  GtkSpinButton        *contingents_spin;
};

G_DEFINE_FINAL_TYPE (HormigaPreferencesWindow, hormiga_preferences_window,
                     ADW_TYPE_PREFERENCES_WINDOW)

enum {
  PROP_0,
  PROP_SETTINGS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

GtkWidget *
hormiga_preferences_window_new (GtkWindow *parent,
                                GSettings *settings)
{
  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  return g_object_new (HORMIGA_TYPE_PREFERENCES_WINDOW,
                       "transient-for", parent,
                       "settings", settings,
                       NULL);
}

GSettings *
hormiga_preferences_window_get_settings (HormigaPreferencesWindow *self)
{
  g_return_val_if_fail (HORMIGA_IS_PREFERENCES_WINDOW (self), NULL);
  return self->settings;
}

void
hormiga_preferences_window_set_download_folder (HormigaPreferencesWindow *self,
                                                GFile                    *folder)
{
  g_autofree char *path = NULL;

  g_return_if_fail (HORMIGA_IS_PREFERENCES_WINDOW (self));
  g_return_if_fail (folder == NULL || G_IS_FILE (folder));

  if (folder != NULL)
    path = g_file_get_path (folder);
  g_settings_set_string (self->settings, "download-folder", path != NULL ? path : "");
}

/* ---- mappings ------------------------------------------------------------ */

/* "" → "/home/…/Downloads (default)"; a folder as it is. */
static gboolean
folder_to_subtitle (GValue   *value,
                    GVariant *variant,
                    gpointer  user_data)
{
  const char *folder = g_variant_get_string (variant, NULL);

  if (folder[0] == '\0')
    {
      g_autofree char *fallback = hormiga_node_thread_default_download_folder ();

      /* Translators: the download folder when none is chosen: a path */
      g_value_take_string (value, g_strdup_printf (_("%s (default)"), fallback));
    }
  else
    g_value_set_string (value, folder);
  return TRUE;
}

static gboolean
folder_to_sensitive (GValue   *value,
                     GVariant *variant,
                     gpointer  user_data)
{
  g_value_set_boolean (value, g_variant_get_string (variant, NULL)[0] != '\0');
  return TRUE;
}

/* ["a", "b"] → "a, b" */
static gboolean
list_to_text (GValue   *value,
              GVariant *variant,
              gpointer  user_data)
{
  g_autofree const char **items = g_variant_get_strv (variant, NULL);

  g_value_take_string (value, g_strjoinv (", ", (char **) items));
  return TRUE;
}

/* "a, b c" → ["a", "b", "c"]: commas or spaces separate them. */
static GStrv
split_list (const char *text)
{
  g_auto(GStrv) words = g_regex_split_simple ("[\\s,]+", text != NULL ? text : "", 0, 0);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; words[i] != NULL; i++)
    if (words[i][0] != '\0')
      g_strv_builder_add (builder, words[i]);
  return g_strv_builder_end (builder);
}

/* NULL if every server of @text is one of @kind the node can use, else
 * why not (the first that is not). */
static char *
check_servers (const char           *text,
               HormigaIceServerKind  kind)
{
  g_auto(GStrv) items = split_list (text);

  for (guint i = 0; items[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(HormigaIceServer) server = hormiga_ice_server_parse_configured (items[i], kind,
                                                                               &error);

      if (server == NULL)
        return g_strdup (error->message);
    }
  return NULL;
}

/* Only a list of servers the node can use is written. */
static GVariant *
text_to_servers (const GValue       *value,
                 const GVariantType *expected_type,
                 gpointer            user_data)
{
  HormigaIceServerKind kind = GPOINTER_TO_INT (user_data);
  g_autofree char *problem = check_servers (g_value_get_string (value), kind);
  g_auto(GStrv) items = NULL;

  if (problem != NULL)
    return NULL;
  items = split_list (g_value_get_string (value));
  return g_variant_new_strv ((const char * const *) items, -1);
}

/* @user_data: the HormigaIceServerKind of the row's servers. */
static void
on_servers_changed (GtkEditable *editable,
                    gpointer     user_data)
{
  HormigaIceServerKind kind = GPOINTER_TO_INT (user_data);
  g_autofree char *problem = check_servers (gtk_editable_get_text (editable), kind);

  gtk_widget_set_tooltip_text (GTK_WIDGET (editable), problem);
  if (problem == NULL)
    gtk_widget_remove_css_class (GTK_WIDGET (editable), "error");
  else
    gtk_widget_add_css_class (GTK_WIDGET (editable), "error");
}

/* Only a ws:// or wss:// address (or none) is written; anything else is
 * marked as an error and left out of the settings. */
static gboolean
is_server_url (const char *text)
{
  g_autoptr(GUri) uri = NULL;

  if (text == NULL || text[0] == '\0')
    return TRUE;
  uri = g_uri_parse (text, G_URI_FLAGS_NONE, NULL);
  return uri != NULL && g_uri_get_host (uri) != NULL && g_uri_get_host (uri)[0] != '\0'
         && (g_str_equal (g_uri_get_scheme (uri), "ws") || g_str_equal (g_uri_get_scheme (uri), "wss"));
}

static GVariant *
text_to_server_url (const GValue       *value,
                    const GVariantType *expected_type,
                    gpointer            user_data)
{
  const char *text = g_value_get_string (value);

  if (!is_server_url (text))
    return NULL;
  return g_variant_new_string (text != NULL ? text : "");
}

static gboolean
string_to_text (GValue   *value,
                    GVariant *variant,
                    gpointer  user_data)
{
  g_value_set_string (value, g_variant_get_string (variant, NULL));
  return TRUE;
}

static void
on_server_url_changed (GtkEditable *editable,
                       gpointer     user_data)
{
  if (is_server_url (gtk_editable_get_text (editable)))
    gtk_widget_remove_css_class (GTK_WIDGET (editable), "error");
  else
    gtk_widget_add_css_class (GTK_WIDGET (editable), "error");
}

/* Only a name a hello can carry (or none) is written. */
static gboolean
is_display_name (const char *text)
{
  return text == NULL || text[0] == '\0' || hormiga_dht_message_check_name (text, -1, NULL);
}

static GVariant *
text_to_display_name (const GValue       *value,
                      const GVariantType *expected_type,
                      gpointer            user_data)
{
  const char *text = g_value_get_string (value);

  if (!is_display_name (text))
    return NULL;
  return g_variant_new_string (text != NULL ? text : "");
}

static void
on_display_name_changed (GtkEditable *editable,
                         gpointer     user_data)
{
  if (is_display_name (gtk_editable_get_text (editable)))
    gtk_widget_remove_css_class (GTK_WIDGET (editable), "error");
  else
    gtk_widget_add_css_class (GTK_WIDGET (editable), "error");
}

/* ---- the folder chooser ---------------------------------------------------- */

static void
on_chooser_response (GtkNativeDialog *chooser,
                     int              response,
                     gpointer         user_data)
{
  HormigaPreferencesWindow *self = HORMIGA_PREFERENCES_WINDOW (user_data);
  g_autoptr(GtkNativeDialog) owned = g_steal_pointer (&self->chooser);
  g_autoptr(GFile) folder = NULL;

  g_assert (owned == chooser);
  if (response != GTK_RESPONSE_ACCEPT)
    return;
  folder = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
  if (folder != NULL)
    hormiga_preferences_window_set_download_folder (self, folder);
}

static void
on_choose_folder (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  HormigaPreferencesWindow *self = HORMIGA_PREFERENCES_WINDOW (widget);
  g_autofree char *current = g_settings_get_string (self->settings, "download-folder");

  if (self->chooser != NULL)
    {
      gtk_native_dialog_destroy (self->chooser);
      g_clear_object (&self->chooser);
    }
  /* Translators: the title of the folder chooser */
  self->chooser = GTK_NATIVE_DIALOG (gtk_file_chooser_native_new (_("Download Folder"),
                                                                   GTK_WINDOW (self),
                                                                   GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                                                                   _("_Select"), _("_Cancel")));
  if (current[0] != '\0')
    {
      g_autoptr(GFile) file = g_file_new_for_path (current);

      gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (self->chooser), file, NULL);
    }
  gtk_native_dialog_set_modal (self->chooser, TRUE);
  g_signal_connect (self->chooser, "response", G_CALLBACK (on_chooser_response), self);
  gtk_native_dialog_show (self->chooser);
}

static void
on_reset_folder (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  hormiga_preferences_window_set_download_folder (HORMIGA_PREFERENCES_WINDOW (widget), NULL);
}

/* ---- the object ------------------------------------------------------------ */

static void
hormiga_preferences_window_constructed (GObject *object)
{
  HormigaPreferencesWindow *self = HORMIGA_PREFERENCES_WINDOW (object);

  G_OBJECT_CLASS (hormiga_preferences_window_parent_class)->constructed (object);

  g_assert (G_IS_SETTINGS (self->settings));
  g_settings_bind_with_mapping (self->settings, "display-name", self->display_name_row, "text",
                                G_SETTINGS_BIND_DEFAULT, string_to_text, text_to_display_name,
                                NULL, NULL);
  g_signal_connect (self->display_name_row, "changed", G_CALLBACK (on_display_name_changed), self);
  g_settings_bind_with_mapping (self->settings, "download-folder", self->download_folder_row,
                                "subtitle", G_SETTINGS_BIND_GET, folder_to_subtitle, NULL, NULL,
                                NULL);
  g_settings_bind_with_mapping (self->settings, "download-folder", self->reset_folder_button,
                                "sensitive", G_SETTINGS_BIND_GET, folder_to_sensitive, NULL,
                                NULL, NULL);
  g_settings_bind (self->settings, "auto-accept-known", self->auto_accept_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "upload-limit", self->upload_limit_spin, "value",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind_with_mapping (self->settings, "server-url", self->server_url_row, "text",
                                G_SETTINGS_BIND_DEFAULT, string_to_text, text_to_server_url,
                                NULL, NULL);
  g_signal_connect (self->server_url_row, "changed", G_CALLBACK (on_server_url_changed), self);
  g_settings_bind_with_mapping (self->settings, "stun-servers", self->stun_row, "text",
                                G_SETTINGS_BIND_DEFAULT, list_to_text, text_to_servers,
                                GINT_TO_POINTER (HORMIGA_ICE_SERVER_STUN), NULL);
  g_settings_bind_with_mapping (self->settings, "turn-servers", self->turn_row, "text",
                                G_SETTINGS_BIND_DEFAULT, list_to_text, text_to_servers,
                                GINT_TO_POINTER (HORMIGA_ICE_SERVER_TURN), NULL);
  g_signal_connect (self->stun_row, "changed", G_CALLBACK (on_servers_changed),
                    GINT_TO_POINTER (HORMIGA_ICE_SERVER_STUN));
  g_signal_connect (self->turn_row, "changed", G_CALLBACK (on_servers_changed),
                    GINT_TO_POINTER (HORMIGA_ICE_SERVER_TURN));
  g_settings_bind (self->settings, "contingents", self->contingents_spin, "value",
                   G_SETTINGS_BIND_DEFAULT);
}

static void
hormiga_preferences_window_dispose (GObject *object)
{
  HormigaPreferencesWindow *self = HORMIGA_PREFERENCES_WINDOW (object);

  if (self->chooser != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->chooser, self);
      gtk_native_dialog_destroy (self->chooser);
      g_clear_object (&self->chooser);
    }
  gtk_widget_dispose_template (GTK_WIDGET (self), HORMIGA_TYPE_PREFERENCES_WINDOW);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (hormiga_preferences_window_parent_class)->dispose (object);
}

static void
hormiga_preferences_window_get_property (GObject    *object,
                                         guint       prop_id,
                                         GValue     *value,
                                         GParamSpec *pspec)
{
  HormigaPreferencesWindow *self = HORMIGA_PREFERENCES_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SETTINGS: g_value_set_object (value, self->settings); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hormiga_preferences_window_set_property (GObject      *object,
                                         guint         prop_id,
                                         const GValue *value,
                                         GParamSpec   *pspec)
{
  HormigaPreferencesWindow *self = HORMIGA_PREFERENCES_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SETTINGS: self->settings = g_value_dup_object (value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hormiga_preferences_window_class_init (HormigaPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = hormiga_preferences_window_constructed;
  object_class->dispose = hormiga_preferences_window_dispose;
  object_class->get_property = hormiga_preferences_window_get_property;
  object_class->set_property = hormiga_preferences_window_set_property;

  properties[PROP_SETTINGS] =
    g_param_spec_object ("settings", NULL, NULL, G_TYPE_SETTINGS,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_install_action (widget_class, "preferences.choose-folder", NULL,
                                   on_choose_folder);
  gtk_widget_class_install_action (widget_class, "preferences.reset-folder", NULL,
                                   on_reset_folder);

  gtk_widget_class_set_template_from_resource (widget_class, HORMIGA_RESOURCE_PATH
                                               "/ui/hormiga-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, HormigaPreferencesWindow, display_name_row);
  gtk_widget_class_bind_template_child (widget_class, HormigaPreferencesWindow,
                                        download_folder_row);
  gtk_widget_class_bind_template_child (widget_class, HormigaPreferencesWindow,
                                        reset_folder_button);
  gtk_widget_class_bind_template_child (widget_class, HormigaPreferencesWindow,
                                        auto_accept_switch);
  gtk_widget_class_bind_template_child (widget_class, HormigaPreferencesWindow, upload_limit_spin);
  gtk_widget_class_bind_template_child (widget_class, HormigaPreferencesWindow, server_url_row);
  gtk_widget_class_bind_template_child (widget_class, HormigaPreferencesWindow, stun_row);
  gtk_widget_class_bind_template_child (widget_class, HormigaPreferencesWindow, turn_row);
  gtk_widget_class_bind_template_child (widget_class, HormigaPreferencesWindow, contingents_spin);
}

static void
hormiga_preferences_window_init (HormigaPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
