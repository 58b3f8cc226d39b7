/* hormiga-transfers-page.c — the Transfers view: uploads and downloads
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A GtkListView over the node thread's transfer model (in the order they
 * started), one HormigaTransferRow per visible transfer, recycled as the
 * list scrolls. Its empty state, with the buttons to publish a file or
 * open a link, shows while the model is empty.
 */
#include "hormiga-app-private.h"
#include "hormiga-transfer-row.h"
#include "hormiga-transfers-page.h"

struct _HormigaTransfersPage
{
  GtkWidget           parent_instance;

  HormigaNodeThread  *node;
  GtkNoSelection     *selection;

  GtkStack           *stack;
  AdwStatusPage      *status_page;
  GtkListView        *list_view;
};

G_DEFINE_FINAL_TYPE (HormigaTransfersPage, hormiga_transfers_page, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_NODE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
update (HormigaTransfersPage *self)
{
  gboolean empty = self->node == NULL
                   || g_list_model_get_n_items (hormiga_node_thread_get_transfers (self->node)) == 0;

  gtk_stack_set_visible_child_name (self->stack, empty ? "empty" : "list");
}

static void
on_items_changed (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  gpointer    user_data)
{
  update (HORMIGA_TRANSFERS_PAGE (user_data));
}

HormigaNodeThread *
hormiga_transfers_page_get_node (HormigaTransfersPage *self)
{
  g_return_val_if_fail (HORMIGA_IS_TRANSFERS_PAGE (self), NULL);
  return self->node;
}

void
hormiga_transfers_page_set_node (HormigaTransfersPage *self,
                                 HormigaNodeThread    *node)
{
  g_return_if_fail (HORMIGA_IS_TRANSFERS_PAGE (self));
  g_return_if_fail (node == NULL || HORMIGA_IS_NODE_THREAD (node));

  if (self->node == node)
    return;
  if (self->node != NULL)
    g_signal_handlers_disconnect_by_data (hormiga_node_thread_get_transfers (self->node), self);
  g_set_object (&self->node, node);
  gtk_no_selection_set_model (self->selection,
                              node ? hormiga_node_thread_get_transfers (node) : NULL);
  if (self->node != NULL)
    g_signal_connect_object (hormiga_node_thread_get_transfers (self->node), "items-changed",
                             G_CALLBACK (on_items_changed), self, 0);
  update (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NODE]);
}

GtkListView *
hormiga_transfers_page_get_list_view (HormigaTransfersPage *self)
{
  g_return_val_if_fail (HORMIGA_IS_TRANSFERS_PAGE (self), NULL);
  return self->list_view;
}

static void
hormiga_transfers_page_dispose (GObject *object)
{
  HormigaTransfersPage *self = HORMIGA_TRANSFERS_PAGE (object);

  if (self->node != NULL)
    g_signal_handlers_disconnect_by_data (hormiga_node_thread_get_transfers (self->node), self);
  _hormiga_widget_dispose_children (GTK_WIDGET (self), HORMIGA_TYPE_TRANSFERS_PAGE);
  g_clear_object (&self->selection);
  g_clear_object (&self->node);

  G_OBJECT_CLASS (hormiga_transfers_page_parent_class)->dispose (object);
}

static void
hormiga_transfers_page_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  HormigaTransfersPage *self = HORMIGA_TRANSFERS_PAGE (object);

  switch (prop_id)
    {
    case PROP_NODE: g_value_set_object (value, self->node); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hormiga_transfers_page_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  HormigaTransfersPage *self = HORMIGA_TRANSFERS_PAGE (object);

  switch (prop_id)
    {
    case PROP_NODE: hormiga_transfers_page_set_node (self, g_value_get_object (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hormiga_transfers_page_class_init (HormigaTransfersPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hormiga_transfers_page_dispose;
  object_class->get_property = hormiga_transfers_page_get_property;
  object_class->set_property = hormiga_transfers_page_set_property;

  properties[PROP_NODE] =
    g_param_spec_object ("node", NULL, NULL, HORMIGA_TYPE_NODE_THREAD,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (HORMIGA_TYPE_TRANSFER_ROW);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               HORMIGA_RESOURCE_PATH "/ui/hormiga-transfers-page.ui");
  gtk_widget_class_bind_template_child (widget_class, HormigaTransfersPage, stack);
  gtk_widget_class_bind_template_child (widget_class, HormigaTransfersPage, status_page);
  gtk_widget_class_bind_template_child (widget_class, HormigaTransfersPage, list_view);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
hormiga_transfers_page_init (HormigaTransfersPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->selection = gtk_no_selection_new (NULL);
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (self->selection));
  update (self);
}
