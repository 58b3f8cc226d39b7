/* hormiga-peer-row.c — one peer in the Peers list
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Identicon, the name the peer goes by (else its short PeerID), then its
 * short PeerID (when named), role and DHT ring, how the connection was
 * negotiated, bytes exchanged, and a pill saying how the peer is reached
 * (styled by kind in style.css). It follows its HormigaPeerItem's
 * notifications, so a recycled row or a changed peer updates in place.
 * Files dropped on it are offered to its peer (win.send-uri).
 */
#include "hormiga-app-private.h"
#include "hormiga-identicon.h"
#include "hormiga-peer-row.h"

struct _HormigaPeerRow
{
  GtkWidget         parent_instance;

  HormigaPeerItem  *item;

  HormigaIdenticon *identicon;
  GtkLabel         *title;
  GtkLabel         *details;
  GtkLabel         *traffic;
  GtkLabel         *kind;
  GtkButton        *send_button;
};

G_DEFINE_FINAL_TYPE (HormigaPeerRow, hormiga_peer_row, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_ITEM,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
update (HormigaPeerRow *self)
{
  static const char * const kind_classes[] = { "known", "connecting", "direct", "relayed" };
  g_autofree char *details = NULL;
  g_autofree char *traffic = NULL;
  g_autofree char *summary = NULL;
  const char *name;
  HormigaPeerKind kind;

  for (guint i = 0; i < G_N_ELEMENTS (kind_classes); i++)
    gtk_widget_remove_css_class (GTK_WIDGET (self->kind), kind_classes[i]);
  gtk_widget_remove_css_class (GTK_WIDGET (self->kind), "overlay");

  if (self->item == NULL)
    {
      hormiga_identicon_set_key (self->identicon, NULL);
      gtk_label_set_text (self->title, "");
      gtk_label_set_text (self->details, "");
      gtk_label_set_text (self->traffic, "");
      gtk_label_set_text (self->kind, "");
      gtk_actionable_set_action_name (GTK_ACTIONABLE (self->send_button), NULL);
      return;
    }

  kind = hormiga_peer_item_get_kind (self->item);
  details = _hormiga_peer_dup_details (self->item);
  name = hormiga_peer_item_get_display_name (self->item);
  if (name != NULL)
    {
      char *with_id = g_strdup_printf ("%s · %s", hormiga_peer_item_get_short_id (self->item),
                                       details);

      g_free (details);
      details = with_id;
    }
  traffic = _hormiga_peer_dup_traffic (self->item);
  summary = _hormiga_peer_dup_summary (self->item);

  hormiga_identicon_set_key (self->identicon, hormiga_peer_item_get_key (self->item));
  gtk_label_set_text (self->title, name != NULL ? name : hormiga_peer_item_get_short_id (self->item));
  /* A PeerID reads best in monospace; a name as its owner wrote it. */
  if (name != NULL)
    gtk_widget_remove_css_class (GTK_WIDGET (self->title), "monospace");
  else
    gtk_widget_add_css_class (GTK_WIDGET (self->title), "monospace");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->title), hormiga_peer_item_get_peer_id (self->item));
  gtk_label_set_text (self->details, details);
  gtk_label_set_text (self->traffic, traffic);
  gtk_widget_set_visible (GTK_WIDGET (self->traffic), kind != HORMIGA_PEER_KIND_KNOWN);
  gtk_label_set_text (self->kind, _hormiga_peer_kind_label (kind));
  gtk_actionable_set_action_target_value (GTK_ACTIONABLE (self->send_button),
                                          g_variant_new_string (hormiga_peer_item_get_peer_id (self->item)));
  /* The name after the target, or the button complains it cannot
   * activate the action. */
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->send_button), "win.send-file");
  if ((guint) kind < G_N_ELEMENTS (kind_classes))
    gtk_widget_add_css_class (GTK_WIDGET (self->kind), kind_classes[kind]);
  if (hormiga_peer_item_get_overlay (self->item) && kind != HORMIGA_PEER_KIND_KNOWN)
    gtk_widget_add_css_class (GTK_WIDGET (self->kind), "overlay");

  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  name != NULL ? name : hormiga_peer_item_get_short_id (self->item),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, summary,
                                  -1);
}

static void
on_item_notify (HormigaPeerItem *item,
                GParamSpec      *pspec,
                gpointer         user_data)
{
  update (HORMIGA_PEER_ROW (user_data));
}

HormigaPeerItem *
hormiga_peer_row_get_item (HormigaPeerRow *self)
{
  g_return_val_if_fail (HORMIGA_IS_PEER_ROW (self), NULL);
  return self->item;
}

void
hormiga_peer_row_set_item (HormigaPeerRow  *self,
                           HormigaPeerItem *item)
{
  g_return_if_fail (HORMIGA_IS_PEER_ROW (self));
  g_return_if_fail (item == NULL || HORMIGA_IS_PEER_ITEM (item));

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

static gboolean
on_drop (GtkDropTarget *target,
         const GValue  *value,
         double         x,
         double         y,
         gpointer       user_data)
{
  HormigaPeerRow *self = HORMIGA_PEER_ROW (user_data);

  if (self->item == NULL)
    return FALSE;
  return _hormiga_send_dropped_files (GTK_WIDGET (self),
                                      hormiga_peer_item_get_peer_id (self->item), value);
}

static void
hormiga_peer_row_dispose (GObject *object)
{
  HormigaPeerRow *self = HORMIGA_PEER_ROW (object);

  if (self->item != NULL)
    g_signal_handlers_disconnect_by_data (self->item, self);
  g_clear_object (&self->item);
  _hormiga_widget_dispose_children (GTK_WIDGET (self), HORMIGA_TYPE_PEER_ROW);

  G_OBJECT_CLASS (hormiga_peer_row_parent_class)->dispose (object);
}

static void
hormiga_peer_row_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  HormigaPeerRow *self = HORMIGA_PEER_ROW (object);

  switch (prop_id)
    {
    case PROP_ITEM: g_value_set_object (value, self->item); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hormiga_peer_row_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  HormigaPeerRow *self = HORMIGA_PEER_ROW (object);

  switch (prop_id)
    {
    case PROP_ITEM: hormiga_peer_row_set_item (self, g_value_get_object (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hormiga_peer_row_class_init (HormigaPeerRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hormiga_peer_row_dispose;
  object_class->get_property = hormiga_peer_row_get_property;
  object_class->set_property = hormiga_peer_row_set_property;

  properties[PROP_ITEM] =
    g_param_spec_object ("item", NULL, NULL, HORMIGA_TYPE_PEER_ITEM,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (HORMIGA_TYPE_IDENTICON);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               HORMIGA_RESOURCE_PATH "/ui/hormiga-peer-row.ui");
  gtk_widget_class_bind_template_child (widget_class, HormigaPeerRow, identicon);
  gtk_widget_class_bind_template_child (widget_class, HormigaPeerRow, title);
  gtk_widget_class_bind_template_child (widget_class, HormigaPeerRow, details);
  gtk_widget_class_bind_template_child (widget_class, HormigaPeerRow, traffic);
  gtk_widget_class_bind_template_child (widget_class, HormigaPeerRow, kind);
  gtk_widget_class_bind_template_child (widget_class, HormigaPeerRow, send_button);
  gtk_widget_class_set_css_name (widget_class, "peerrow");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
hormiga_peer_row_init (HormigaPeerRow *self)
{
  GtkDropTarget *target = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);

  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect (target, "drop", G_CALLBACK (on_drop), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (target));
}
