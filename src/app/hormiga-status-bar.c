/* hormiga-status-bar.c — the always visible line saying how the node is connected
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One line for the state of the node (starting, connecting to which
 * hormiguero, admitted with which PeerID and how many peers it knows or,
 * once it has connections, how many peers it is connected to and how many
 * of them directly or through a TURN relay, offline and why), and a second one, shown only when the node uses its
 * built-in hormiguero, saying so and where. Everything is read from the
 * HormigaNodeThread's properties, which change on this thread only.
 */
#include <glib/gi18n.h>

#include "hormiga-app-private.h"
#include "hormiga-status-bar.h"

struct _HormigaStatusBar
{
  GtkWidget          parent_instance;

  HormigaNodeThread *node;

  GtkStack          *icon_stack;
  GtkSpinner        *spinner;
  GtkImage          *icon;
  GtkLabel          *label;
  GtkLabel          *detail;
};

G_DEFINE_FINAL_TYPE (HormigaStatusBar, hormiga_status_bar, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_NODE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* "127.0.0.1:PORT" out of "ws://127.0.0.1:PORT/ws"; the URL itself if it
 * does not parse. */
static char *
dup_host_and_port (const char *url)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);

  if (uri == NULL || g_uri_get_host (uri) == NULL)
    return g_strdup (url);
  if (g_uri_get_port (uri) < 0)
    return g_strdup (g_uri_get_host (uri));
  return g_strdup_printf ("%s:%d", g_uri_get_host (uri), g_uri_get_port (uri));
}

static void
show_icon (HormigaStatusBar *self,
           const char       *icon_name,
           const char       *style_class)
{
  static const char * const style_classes[] = { "success", "warning", "error" };

  for (guint i = 0; i < G_N_ELEMENTS (style_classes); i++)
    gtk_widget_remove_css_class (GTK_WIDGET (self->icon), style_classes[i]);
  if (style_class != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (self->icon), style_class);

  if (icon_name == NULL)
    {
      gtk_spinner_start (self->spinner);
      gtk_stack_set_visible_child (self->icon_stack, GTK_WIDGET (self->spinner));
      return;
    }
  gtk_spinner_stop (self->spinner);
  gtk_image_set_from_icon_name (self->icon, icon_name);
  gtk_stack_set_visible_child (self->icon_stack, GTK_WIDGET (self->icon));
}

static void
update (HormigaStatusBar *self)
{
  HormigaNodeThread *node = self->node;
  HormigaNodeState state = node ? hormiga_node_thread_get_state (node) : HORMIGA_NODE_STATE_STOPPED;
  const char *error_message = node ? hormiga_node_thread_get_error_message (node) : NULL;
  g_autofree char *text = NULL;
  g_autofree char *detail = NULL;

  if (error_message == NULL)
    error_message = _("unknown reason");

  switch (state)
    {
    case HORMIGA_NODE_STATE_STARTING:
      show_icon (self, NULL, NULL);
      text = g_strdup (_("Starting…"));
      break;

    case HORMIGA_NODE_STATE_CONNECTING:
      show_icon (self, NULL, NULL);
      /* Translators: %s is the address of a hormiguero, like ws://127.0.0.1:8710/ws */
      text = g_strdup_printf (_("Connecting to %s…"), hormiga_node_thread_get_server_url (node));
      break;

    case HORMIGA_NODE_STATE_ADMITTED:
      {
        guint n = hormiga_node_thread_get_n_known_peers (node);
        guint n_connected = hormiga_node_thread_get_n_connected (node);

        show_icon (self, "network-idle-symbolic", "success");
        if (n_connected == 0)
          text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                               /* Translators: %s is this node's PeerID, */
                                               /* %u how many peers hormiguero named */
                                               "Connected as %s (%u peer known)",
                                               "Connected as %s (%u peers known)", n),
                                  hormiga_node_thread_get_peer_id (node), n);
        else
          text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                               /* Translators: %s is this node's PeerID; */
                                               /* then how many peers it has a connection */
                                               /* to, how many of them are reached */
                                               /* directly, and how many through a TURN */
                                               /* relay */
                                               "Connected as %s: %u peer connected "
                                               "(%u direct, %u relayed)",
                                               "Connected as %s: %u peers connected "
                                               "(%u direct, %u relayed)", n_connected),
                                  hormiga_node_thread_get_peer_id (node), n_connected,
                                  hormiga_node_thread_get_n_direct (node),
                                  hormiga_node_thread_get_n_relayed (node));
      }
      break;

    case HORMIGA_NODE_STATE_OFFLINE:
      show_icon (self, "network-offline-symbolic", "warning");
      /* Translators: %s says why, like "the server closed the connection" */
      text = g_strdup_printf (_("Offline: %s"), error_message);
      break;

    case HORMIGA_NODE_STATE_FAILED:
      show_icon (self, "dialog-error-symbolic", "error");
      text = g_strdup_printf (_("Offline: %s"), error_message);
      break;

    case HORMIGA_NODE_STATE_STOPPED:
    default:
      show_icon (self, "network-offline-symbolic", NULL);
      text = g_strdup (_("Offline: the node is not running"));
      break;
    }

  if (node != NULL && hormiga_node_thread_get_embedded (node)
      && hormiga_node_thread_get_server_url (node) != NULL)
    {
      g_autofree char *where = dup_host_and_port (hormiga_node_thread_get_server_url (node));
      const char *reason = hormiga_node_thread_get_fallback_reason (node);

      if (reason != NULL)
        /* Translators: an address like 127.0.0.1:40123, then why it is used */
        detail = g_strdup_printf (_("Using a built-in hormiguero on %s (%s)"), where, reason);
      else
        detail = g_strdup_printf (_("Using a built-in hormiguero on %s"), where);
    }

  gtk_label_set_text (self->label, text);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->label), text);
  gtk_label_set_text (self->detail, detail ? detail : "");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->detail), detail);
  gtk_widget_set_visible (GTK_WIDGET (self->detail), detail != NULL);
}

static void
on_node_notify (HormigaNodeThread *node,
                GParamSpec        *pspec,
                gpointer           user_data)
{
  update (HORMIGA_STATUS_BAR (user_data));
}

HormigaNodeThread *
hormiga_status_bar_get_node (HormigaStatusBar *self)
{
  g_return_val_if_fail (HORMIGA_IS_STATUS_BAR (self), NULL);
  return self->node;
}

void
hormiga_status_bar_set_node (HormigaStatusBar  *self,
                             HormigaNodeThread *node)
{
  g_return_if_fail (HORMIGA_IS_STATUS_BAR (self));
  g_return_if_fail (node == NULL || HORMIGA_IS_NODE_THREAD (node));

  if (self->node == node)
    return;
  if (self->node != NULL)
    g_signal_handlers_disconnect_by_data (self->node, self);
  g_set_object (&self->node, node);
  if (self->node != NULL)
    g_signal_connect_object (self->node, "notify", G_CALLBACK (on_node_notify), self, 0);
  update (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NODE]);
}

char *
hormiga_status_bar_dup_text (HormigaStatusBar *self)
{
  g_return_val_if_fail (HORMIGA_IS_STATUS_BAR (self), NULL);

  if (!gtk_widget_get_visible (GTK_WIDGET (self->detail)))
    return g_strdup (gtk_label_get_text (self->label));
  return g_strdup_printf ("%s\n%s", gtk_label_get_text (self->label),
                          gtk_label_get_text (self->detail));
}

static void
hormiga_status_bar_dispose (GObject *object)
{
  HormigaStatusBar *self = HORMIGA_STATUS_BAR (object);

  if (self->node != NULL)
    g_signal_handlers_disconnect_by_data (self->node, self);
  g_clear_object (&self->node);
  _hormiga_widget_dispose_children (GTK_WIDGET (self), HORMIGA_TYPE_STATUS_BAR);

  G_OBJECT_CLASS (hormiga_status_bar_parent_class)->dispose (object);
}

static void
hormiga_status_bar_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  HormigaStatusBar *self = HORMIGA_STATUS_BAR (object);

  switch (prop_id)
    {
    case PROP_NODE: g_value_set_object (value, self->node); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hormiga_status_bar_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  HormigaStatusBar *self = HORMIGA_STATUS_BAR (object);

  switch (prop_id)
    {
    case PROP_NODE: hormiga_status_bar_set_node (self, g_value_get_object (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hormiga_status_bar_class_init (HormigaStatusBarClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hormiga_status_bar_dispose;
  object_class->get_property = hormiga_status_bar_get_property;
  object_class->set_property = hormiga_status_bar_set_property;

  properties[PROP_NODE] =
    g_param_spec_object ("node", NULL, NULL, HORMIGA_TYPE_NODE_THREAD,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               HORMIGA_RESOURCE_PATH "/ui/hormiga-status-bar.ui");
  gtk_widget_class_bind_template_child (widget_class, HormigaStatusBar, icon_stack);
  gtk_widget_class_bind_template_child (widget_class, HormigaStatusBar, spinner);
  gtk_widget_class_bind_template_child (widget_class, HormigaStatusBar, icon);
  gtk_widget_class_bind_template_child (widget_class, HormigaStatusBar, label);
  gtk_widget_class_bind_template_child (widget_class, HormigaStatusBar, detail);
  gtk_widget_class_set_css_name (widget_class, "statusbar");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_STATUS);
}

static void
hormiga_status_bar_init (HormigaStatusBar *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  update (self);
}
