/* hormiga-network-page.c — the Network view: this node's world
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The graph of this node's peers (HormigaNetworkGraph) once the node is
 * admitted and knows any; until then a status page that follows the node:
 * connecting, joined with no peers yet, or offline and why.
 */
#include <glib/gi18n.h>

#include "hormiga-app-private.h"
#include "hormiga-network-graph.h"
#include "hormiga-network-page.h"

struct _HormigaNetworkPage
{
  GtkWidget          parent_instance;

  HormigaNodeThread *node;

  GtkStack            *stack;
  AdwStatusPage       *status_page;
  HormigaNetworkGraph *graph;
};

G_DEFINE_FINAL_TYPE (HormigaNetworkPage, hormiga_network_page, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_NODE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
update (HormigaNetworkPage *self)
{
  HormigaNodeState state = self->node ? hormiga_node_thread_get_state (self->node)
                                      : HORMIGA_NODE_STATE_STOPPED;
  const char *icon_name = "network-offline-symbolic";
  const char *title = NULL;
  g_autofree char *description = NULL;

  switch (state)
    {
    case HORMIGA_NODE_STATE_STARTING:
    case HORMIGA_NODE_STATE_CONNECTING:
      icon_name = "network-workgroup-symbolic";
      title = _("Joining the Network");
      description = g_strdup (_("Hormiga is introducing this node to a hormiguero, the "
                                "meeting point where peers find each other."));
      break;

    case HORMIGA_NODE_STATE_ADMITTED:
      {
        guint n = hormiga_node_thread_get_n_known_peers (self->node);

        icon_name = "network-workgroup-symbolic";
        title = _("On the Network");
        if (n == 0)
          description = g_strdup (_("Hormiguero knows no other peers yet. Your neighbours "
                                    "will appear here as they join."));
        else
          description = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                      "Hormiguero introduced this node to %u "
                                                      "peer. Your neighbours will appear here "
                                                      "as connections open.",
                                                      "Hormiguero introduced this node to %u "
                                                      "peers. Your neighbours will appear here "
                                                      "as connections open.", n), n);
      }
      break;

    case HORMIGA_NODE_STATE_OFFLINE:
    case HORMIGA_NODE_STATE_FAILED:
      title = _("Offline");
      description = g_strdup (hormiga_node_thread_get_error_message (self->node));
      break;

    case HORMIGA_NODE_STATE_STOPPED:
    default:
      title = _("Offline");
      description = g_strdup (_("The node is not running."));
      break;
    }

  adw_status_page_set_icon_name (self->status_page, icon_name);
  adw_status_page_set_title (self->status_page, title);
  adw_status_page_set_description (self->status_page, description);

  hormiga_network_graph_set_self_peer_id (self->graph, self->node
                                          ? hormiga_node_thread_get_peer_id (self->node)
                                          : NULL);
  gtk_stack_set_visible_child_name (self->stack,
                                    state == HORMIGA_NODE_STATE_ADMITTED
                                    && g_list_model_get_n_items (
                                         hormiga_node_thread_get_peers (self->node)) > 0
                                    ? "graph" : "status");
}

static void
on_items_changed (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  gpointer    user_data)
{
  update (HORMIGA_NETWORK_PAGE (user_data));
}

static void
on_node_state (HormigaNodeThread *node,
               GParamSpec        *pspec,
               gpointer           user_data)
{
  update (HORMIGA_NETWORK_PAGE (user_data));
}

HormigaNodeThread *
hormiga_network_page_get_node (HormigaNetworkPage *self)
{
  g_return_val_if_fail (HORMIGA_IS_NETWORK_PAGE (self), NULL);
  return self->node;
}

void
hormiga_network_page_set_node (HormigaNetworkPage *self,
                               HormigaNodeThread  *node)
{
  g_return_if_fail (HORMIGA_IS_NETWORK_PAGE (self));
  g_return_if_fail (node == NULL || HORMIGA_IS_NODE_THREAD (node));

  if (self->node == node)
    return;
  if (self->node != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->node, self);
      g_signal_handlers_disconnect_by_data (hormiga_node_thread_get_peers (self->node), self);
    }
  g_set_object (&self->node, node);
  hormiga_network_graph_set_model (self->graph, node ? hormiga_node_thread_get_peers (node) : NULL);
  /* The state is notified after everything else changed with it. */
  if (self->node != NULL)
    {
      g_signal_connect_object (self->node, "notify::state", G_CALLBACK (on_node_state), self, 0);
      g_signal_connect_object (hormiga_node_thread_get_peers (self->node), "items-changed",
                               G_CALLBACK (on_items_changed), self, 0);
    }
  update (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NODE]);
}

static void
hormiga_network_page_dispose (GObject *object)
{
  HormigaNetworkPage *self = HORMIGA_NETWORK_PAGE (object);

  if (self->node != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->node, self);
      g_signal_handlers_disconnect_by_data (hormiga_node_thread_get_peers (self->node), self);
    }
  g_clear_object (&self->node);
  _hormiga_widget_dispose_children (GTK_WIDGET (self), HORMIGA_TYPE_NETWORK_PAGE);

  G_OBJECT_CLASS (hormiga_network_page_parent_class)->dispose (object);
}

static void
hormiga_network_page_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  HormigaNetworkPage *self = HORMIGA_NETWORK_PAGE (object);

  switch (prop_id)
    {
    case PROP_NODE: g_value_set_object (value, self->node); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hormiga_network_page_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  HormigaNetworkPage *self = HORMIGA_NETWORK_PAGE (object);

  switch (prop_id)
    {
    case PROP_NODE: hormiga_network_page_set_node (self, g_value_get_object (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

HormigaNetworkGraph *
hormiga_network_page_get_graph (HormigaNetworkPage *self)
{
  g_return_val_if_fail (HORMIGA_IS_NETWORK_PAGE (self), NULL);
  return self->graph;
}

static void
hormiga_network_page_class_init (HormigaNetworkPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hormiga_network_page_dispose;
  object_class->get_property = hormiga_network_page_get_property;
  object_class->set_property = hormiga_network_page_set_property;

  properties[PROP_NODE] =
    g_param_spec_object ("node", NULL, NULL, HORMIGA_TYPE_NODE_THREAD,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (HORMIGA_TYPE_NETWORK_GRAPH);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               HORMIGA_RESOURCE_PATH "/ui/hormiga-network-page.ui");
  gtk_widget_class_bind_template_child (widget_class, HormigaNetworkPage, stack);
  gtk_widget_class_bind_template_child (widget_class, HormigaNetworkPage, status_page);
  gtk_widget_class_bind_template_child (widget_class, HormigaNetworkPage, graph);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
hormiga_network_page_init (HormigaNetworkPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  update (self);
}
