/* hormiga-peers-page.c — the Peers view: connected and known peers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * For now its empty state. The list of connected and known peers replaces it once the node reports them.
 */
#include "hormiga-app-private.h"
#include "hormiga-peers-page.h"

struct _HormigaPeersPage
{
  GtkWidget      parent_instance;

  AdwStatusPage *status_page;
};

G_DEFINE_FINAL_TYPE (HormigaPeersPage, hormiga_peers_page, GTK_TYPE_WIDGET)

static void
hormiga_peers_page_dispose (GObject *object)
{
  _hormiga_widget_dispose_children (GTK_WIDGET (object), HORMIGA_TYPE_PEERS_PAGE);

  G_OBJECT_CLASS (hormiga_peers_page_parent_class)->dispose (object);
}

static void
hormiga_peers_page_class_init (HormigaPeersPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hormiga_peers_page_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               HORMIGA_RESOURCE_PATH "/ui/hormiga-peers-page.ui");
  gtk_widget_class_bind_template_child (widget_class, HormigaPeersPage, status_page);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
hormiga_peers_page_init (HormigaPeersPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
