/* hormiga-transfer-row.c — one transfer in the Transfers list
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * An icon for its state, the name, a progress bar, a line with the bytes,
 * the speed, the time left and the peers sending, and the buttons that
 * apply: pause or resume and cancel while it runs, open the folder once it
 * is done. A failed transfer says why in that line. The buttons activate
 * the window's actions with the transfer's id. It follows its
 * HormigaTransferItem's notifications, so a recycled row or a changing
 * transfer updates in place.
 */
#include <glib/gi18n.h>

#include "hormiga-app-private.h"
#include "hormiga-transfer-row.h"

struct _HormigaTransferRow
{
  GtkWidget            parent_instance;

  HormigaTransferItem *item;

  GtkImage            *icon;
  GtkLabel            *name;
  GtkProgressBar      *progress;
  GtkLabel            *details;
  GtkButton           *pause_button;
  GtkButton           *resume_button;
  GtkButton           *cancel_button;
  GtkButton           *open_button;
};

G_DEFINE_FINAL_TYPE (HormigaTransferRow, hormiga_transfer_row, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_ITEM,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* The name after the target, or the button complains that it cannot
 * activate the action; none without an item. */
static void
set_action (GtkButton  *button,
            const char *name,
            guint       id)
{
  if (name != NULL)
    gtk_actionable_set_action_target_value (GTK_ACTIONABLE (button), g_variant_new_uint32 (id));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), name);
}

static void
update (HormigaTransferRow *self)
{
  static const char * const state_classes[] = { "looking", "downloading", "verifying", "paused",
                                                "done", "failed", "cancelled" };
  g_autofree char *details = NULL;
  g_autofree char *description = NULL;
  HormigaTransferState state;
  gboolean download;
  guint id;

  for (guint i = 0; i < G_N_ELEMENTS (state_classes); i++)
    gtk_widget_remove_css_class (GTK_WIDGET (self), state_classes[i]);

  if (self->item == NULL)
    {
      gtk_label_set_text (self->name, "");
      gtk_label_set_text (self->details, "");
      gtk_progress_bar_set_fraction (self->progress, 0);
      set_action (self->pause_button, NULL, 0);
      set_action (self->resume_button, NULL, 0);
      set_action (self->cancel_button, NULL, 0);
      set_action (self->open_button, NULL, 0);
      return;
    }

  state = hormiga_transfer_item_get_state (self->item);
  download = hormiga_transfer_item_get_direction (self->item) == HORMIGA_TRANSFER_DIRECTION_DOWNLOAD;
  id = hormiga_transfer_item_get_id (self->item);
  details = _hormiga_transfer_dup_details (self->item);

  if ((guint) state < G_N_ELEMENTS (state_classes))
    gtk_widget_add_css_class (GTK_WIDGET (self), state_classes[state]);
  gtk_image_set_from_icon_name (self->icon, _hormiga_transfer_item_state_icon (self->item));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->icon), _hormiga_transfer_item_state_label (self->item));
  gtk_label_set_text (self->name, hormiga_transfer_item_get_name (self->item));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->name), hormiga_transfer_item_get_path (self->item));
  gtk_progress_bar_set_fraction (self->progress, hormiga_transfer_item_get_fraction (self->item));
  gtk_widget_set_visible (GTK_WIDGET (self->progress),
                          state != HORMIGA_TRANSFER_FAILED && state != HORMIGA_TRANSFER_CANCELLED);
  gtk_label_set_text (self->details, details);

  set_action (self->pause_button, "win.pause-transfer", id);
  set_action (self->resume_button, "win.resume-transfer", id);
  set_action (self->cancel_button, "win.cancel-transfer", id);
  set_action (self->open_button, "win.open-transfer-folder", id);
  /* Uploads are only shown: the peer decides what it asks for. */
  gtk_widget_set_visible (GTK_WIDGET (self->pause_button),
                          download && hormiga_transfer_item_get_active (self->item)
                          && state != HORMIGA_TRANSFER_VERIFYING);
  gtk_widget_set_visible (GTK_WIDGET (self->resume_button),
                          download && state == HORMIGA_TRANSFER_PAUSED);
  gtk_widget_set_visible (GTK_WIDGET (self->cancel_button),
                          download && (hormiga_transfer_item_get_active (self->item)
                                       || state == HORMIGA_TRANSFER_PAUSED));
  gtk_widget_set_visible (GTK_WIDGET (self->open_button),
                          download && state == HORMIGA_TRANSFER_DONE);

  description = g_strdup_printf ("%s: %s", _hormiga_transfer_item_state_label (self->item),
                                 details);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  hormiga_transfer_item_get_name (self->item),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, description,
                                  -1);
}

static void
on_item_notify (HormigaTransferItem *item,
                GParamSpec          *pspec,
                gpointer             user_data)
{
  update (HORMIGA_TRANSFER_ROW (user_data));
}

HormigaTransferItem *
hormiga_transfer_row_get_item (HormigaTransferRow *self)
{
  g_return_val_if_fail (HORMIGA_IS_TRANSFER_ROW (self), NULL);
  return self->item;
}

void
hormiga_transfer_row_set_item (HormigaTransferRow  *self,
                               HormigaTransferItem *item)
{
  g_return_if_fail (HORMIGA_IS_TRANSFER_ROW (self));
  g_return_if_fail (item == NULL || HORMIGA_IS_TRANSFER_ITEM (item));

  if (self->item == item)
    return;
  if (self->item != NULL)
    g_signal_handlers_disconnect_by_data (self->item, self);
  g_set_object (&self->item, item);
  if (self->item != NULL)
    g_signal_connect_object (self->item, "notify", G_CALLBACK (on_item_notify), self, 0);
  update (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ITEM]);
}

double
hormiga_transfer_row_get_fraction (HormigaTransferRow *self)
{
  g_return_val_if_fail (HORMIGA_IS_TRANSFER_ROW (self), 0);
  return gtk_progress_bar_get_fraction (self->progress);
}

const char *
hormiga_transfer_row_get_details (HormigaTransferRow *self)
{
  g_return_val_if_fail (HORMIGA_IS_TRANSFER_ROW (self), NULL);
  return gtk_label_get_text (self->details);
}

static void
hormiga_transfer_row_dispose (GObject *object)
{
  HormigaTransferRow *self = HORMIGA_TRANSFER_ROW (object);

  if (self->item != NULL)
    g_signal_handlers_disconnect_by_data (self->item, self);
  g_clear_object (&self->item);
  _hormiga_widget_dispose_children (GTK_WIDGET (self), HORMIGA_TYPE_TRANSFER_ROW);

  G_OBJECT_CLASS (hormiga_transfer_row_parent_class)->dispose (object);
}

static void
hormiga_transfer_row_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  HormigaTransferRow *self = HORMIGA_TRANSFER_ROW (object);

  switch (prop_id)
    {
    case PROP_ITEM: g_value_set_object (value, self->item); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hormiga_transfer_row_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  HormigaTransferRow *self = HORMIGA_TRANSFER_ROW (object);

  switch (prop_id)
    {
    case PROP_ITEM: hormiga_transfer_row_set_item (self, g_value_get_object (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hormiga_transfer_row_class_init (HormigaTransferRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hormiga_transfer_row_dispose;
  object_class->get_property = hormiga_transfer_row_get_property;
  object_class->set_property = hormiga_transfer_row_set_property;

  properties[PROP_ITEM] =
    g_param_spec_object ("item", NULL, NULL, HORMIGA_TYPE_TRANSFER_ITEM,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               HORMIGA_RESOURCE_PATH "/ui/hormiga-transfer-row.ui");
  gtk_widget_class_bind_template_child (widget_class, HormigaTransferRow, icon);
  gtk_widget_class_bind_template_child (widget_class, HormigaTransferRow, name);
  gtk_widget_class_bind_template_child (widget_class, HormigaTransferRow, progress);
  gtk_widget_class_bind_template_child (widget_class, HormigaTransferRow, details);
  gtk_widget_class_bind_template_child (widget_class, HormigaTransferRow, pause_button);
  gtk_widget_class_bind_template_child (widget_class, HormigaTransferRow, resume_button);
  gtk_widget_class_bind_template_child (widget_class, HormigaTransferRow, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, HormigaTransferRow, open_button);
  gtk_widget_class_set_css_name (widget_class, "transferrow");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
hormiga_transfer_row_init (HormigaTransferRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
