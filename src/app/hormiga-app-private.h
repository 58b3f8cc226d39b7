/* hormiga-app-private.h — helpers shared by the application's widgets
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define HORMIGA_RESOURCE_PATH "/io/github/hormiga/Hormiga"

/* For the dispose of a GtkWidget subclass built from a template: clears
 * the template's pointers, then unparents whatever children remain. */
static inline void
_hormiga_widget_dispose_children (GtkWidget *widget,
                                  GType      widget_type)
{
  GtkWidget *child;

  gtk_widget_dispose_template (widget, widget_type);
  while ((child = gtk_widget_get_first_child (widget)) != NULL)
    gtk_widget_unparent (child);
}

G_END_DECLS
