/* hormiga-transfers-page.c — the Transfers view: uploads and downloads
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * For now its empty state. The list of uploads and downloads replaces it once the node transfers files.
 */
#include "hormiga-app-private.h"
#include "hormiga-transfers-page.h"

struct _HormigaTransfersPage
{
  GtkWidget      parent_instance;

  AdwStatusPage *status_page;
};

G_DEFINE_FINAL_TYPE (HormigaTransfersPage, hormiga_transfers_page, GTK_TYPE_WIDGET)

static void
hormiga_transfers_page_dispose (GObject *object)
{
  _hormiga_widget_dispose_children (GTK_WIDGET (object), HORMIGA_TYPE_TRANSFERS_PAGE);

  G_OBJECT_CLASS (hormiga_transfers_page_parent_class)->dispose (object);
}

static void
hormiga_transfers_page_class_init (HormigaTransfersPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hormiga_transfers_page_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               HORMIGA_RESOURCE_PATH "/ui/hormiga-transfers-page.ui");
  gtk_widget_class_bind_template_child (widget_class, HormigaTransfersPage, status_page);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
hormiga_transfers_page_init (HormigaTransfersPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
