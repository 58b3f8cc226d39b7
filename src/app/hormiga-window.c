/* hormiga-window.c — the main window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A header bar with the view switcher and the primary menu, the status
 * bar, and the Network, Peers and Transfers views in an AdwViewStack (a
 * switcher bar at the bottom takes over when the window is narrow).
 */
#include "hormiga-app-private.h"
#include "hormiga-network-page.h"
#include "hormiga-peers-page.h"
#include "hormiga-status-bar.h"
#include "hormiga-transfers-page.h"
#include "hormiga-window.h"

struct _HormigaWindow
{
  AdwApplicationWindow  parent_instance;

  HormigaNodeThread    *node;

  HormigaStatusBar     *status_bar;
  AdwViewStack         *stack;
  HormigaNetworkPage   *network_page;
  HormigaPeersPage     *peers_page;
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

static void
hormiga_window_constructed (GObject *object)
{
  HormigaWindow *self = HORMIGA_WINDOW (object);

  G_OBJECT_CLASS (hormiga_window_parent_class)->constructed (object);

  hormiga_status_bar_set_node (self->status_bar, self->node);
  hormiga_network_page_set_node (self->network_page, self->node);
  hormiga_peers_page_set_node (self->peers_page, self->node);
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

static void
hormiga_window_dispose (GObject *object)
{
  HormigaWindow *self = HORMIGA_WINDOW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), HORMIGA_TYPE_WINDOW);
  g_clear_object (&self->node);

  G_OBJECT_CLASS (hormiga_window_parent_class)->dispose (object);
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
  object_class->get_property = hormiga_window_get_property;
  object_class->set_property = hormiga_window_set_property;

  properties[PROP_NODE] =
    g_param_spec_object ("node", NULL, NULL, HORMIGA_TYPE_NODE_THREAD,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (HORMIGA_TYPE_STATUS_BAR);
  g_type_ensure (HORMIGA_TYPE_NETWORK_PAGE);
  g_type_ensure (HORMIGA_TYPE_PEERS_PAGE);
  g_type_ensure (HORMIGA_TYPE_TRANSFERS_PAGE);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               HORMIGA_RESOURCE_PATH "/ui/hormiga-window.ui");
  gtk_widget_class_bind_template_child (widget_class, HormigaWindow, status_bar);
  gtk_widget_class_bind_template_child (widget_class, HormigaWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, HormigaWindow, network_page);
  gtk_widget_class_bind_template_child (widget_class, HormigaWindow, peers_page);
}

static void
hormiga_window_init (HormigaWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
