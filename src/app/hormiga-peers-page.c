/* hormiga-peers-page.c — the Peers view: connected and known peers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A GtkListView over the node thread's peer model (closest DHT ring
 * first), one HormigaPeerRow per visible peer, recycled as the list
 * scrolls, so it scales to any number of peers. The model changes only
 * where peers come and go, so the selection and the scroll position stay.
 * Its empty state shows while the model is empty.
 */
#include "hormiga-app-private.h"
#include "hormiga-peer-row.h"
#include "hormiga-peers-page.h"

struct _HormigaPeersPage
{
  GtkWidget           parent_instance;

  HormigaNodeThread  *node;
  GtkSingleSelection *selection;

  GtkStack           *stack;
  AdwStatusPage      *status_page;
  GtkListView        *list_view;
};

G_DEFINE_FINAL_TYPE (HormigaPeersPage, hormiga_peers_page, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_NODE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
update (HormigaPeersPage *self)
{
  gboolean empty = self->node == NULL
                   || g_list_model_get_n_items (hormiga_node_thread_get_peers (self->node)) == 0;

  gtk_stack_set_visible_child_name (self->stack, empty ? "empty" : "list");
}

static void
on_items_changed (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  gpointer    user_data)
{
  update (HORMIGA_PEERS_PAGE (user_data));
}

HormigaNodeThread *
hormiga_peers_page_get_node (HormigaPeersPage *self)
{
  g_return_val_if_fail (HORMIGA_IS_PEERS_PAGE (self), NULL);
  return self->node;
}

void
hormiga_peers_page_set_node (HormigaPeersPage  *self,
                             HormigaNodeThread *node)
{
  g_return_if_fail (HORMIGA_IS_PEERS_PAGE (self));
  g_return_if_fail (node == NULL || HORMIGA_IS_NODE_THREAD (node));

  if (self->node == node)
    return;
  if (self->node != NULL)
    g_signal_handlers_disconnect_by_data (hormiga_node_thread_get_peers (self->node), self);
  g_set_object (&self->node, node);
  gtk_single_selection_set_model (self->selection,
                                  node ? hormiga_node_thread_get_peers (node) : NULL);
  if (self->node != NULL)
    g_signal_connect_object (hormiga_node_thread_get_peers (self->node), "items-changed",
                             G_CALLBACK (on_items_changed), self, 0);
  update (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NODE]);
}

GtkListView *
hormiga_peers_page_get_list_view (HormigaPeersPage *self)
{
  g_return_val_if_fail (HORMIGA_IS_PEERS_PAGE (self), NULL);
  return self->list_view;
}

static void
hormiga_peers_page_dispose (GObject *object)
{
  HormigaPeersPage *self = HORMIGA_PEERS_PAGE (object);

  if (self->node != NULL)
    g_signal_handlers_disconnect_by_data (hormiga_node_thread_get_peers (self->node), self);
  _hormiga_widget_dispose_children (GTK_WIDGET (self), HORMIGA_TYPE_PEERS_PAGE);
  g_clear_object (&self->selection);
  g_clear_object (&self->node);

  G_OBJECT_CLASS (hormiga_peers_page_parent_class)->dispose (object);
}

static void
hormiga_peers_page_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  HormigaPeersPage *self = HORMIGA_PEERS_PAGE (object);

  switch (prop_id)
    {
    case PROP_NODE: g_value_set_object (value, self->node); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hormiga_peers_page_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  HormigaPeersPage *self = HORMIGA_PEERS_PAGE (object);

  switch (prop_id)
    {
    case PROP_NODE: hormiga_peers_page_set_node (self, g_value_get_object (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hormiga_peers_page_class_init (HormigaPeersPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hormiga_peers_page_dispose;
  object_class->get_property = hormiga_peers_page_get_property;
  object_class->set_property = hormiga_peers_page_set_property;

  properties[PROP_NODE] =
    g_param_spec_object ("node", NULL, NULL, HORMIGA_TYPE_NODE_THREAD,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (HORMIGA_TYPE_PEER_ROW);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               HORMIGA_RESOURCE_PATH "/ui/hormiga-peers-page.ui");
  gtk_widget_class_bind_template_child (widget_class, HormigaPeersPage, stack);
  gtk_widget_class_bind_template_child (widget_class, HormigaPeersPage, status_page);
  gtk_widget_class_bind_template_child (widget_class, HormigaPeersPage, list_view);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
hormiga_peers_page_init (HormigaPeersPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->selection = gtk_single_selection_new (NULL);
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (self->selection));
  update (self);
}
