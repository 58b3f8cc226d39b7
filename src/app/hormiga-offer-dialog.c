/* hormiga-offer-dialog.c — a peer wants to send a file: accept or decline
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Who sends it (identicon and short PeerID, the whole one in the
 * tooltip), the file's name and size, and the two answers. The
 * application acts on the response and closes the dialog when the offer
 * is answered elsewhere (the notification, or the offer timing out).
 */
#include <glib/gi18n.h>

#include "hormiga-app-private.h"
#include "hormiga-dht-key.h"
#include "hormiga-identicon.h"
#include "hormiga-offer-dialog.h"
#include "hormiga-peer-id.h"

struct _HormigaOfferDialog
{
  AdwMessageDialog  parent_instance;

  guint             offer_id;
  char             *peer_id;
  char             *name;
  guint64           size;

  HormigaIdenticon *identicon;
  GtkLabel         *sender;
};

G_DEFINE_FINAL_TYPE (HormigaOfferDialog, hormiga_offer_dialog, ADW_TYPE_MESSAGE_DIALOG)

enum {
  PROP_0,
  PROP_OFFER_ID,
  PROP_PEER_ID,
  PROP_NAME,
  PROP_SIZE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

GtkWidget *
hormiga_offer_dialog_new (GtkWindow  *parent,
                          guint       id,
                          const char *peer_id,
                          const char *name,
                          guint64     size)
{
  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (peer_id != NULL && name != NULL, NULL);

  return g_object_new (HORMIGA_TYPE_OFFER_DIALOG,
                       "transient-for", parent,
                       "offer-id", id,
                       "peer-id", peer_id,
                       "name", name,
                       "size", size,
                       NULL);
}

guint
hormiga_offer_dialog_get_offer_id (HormigaOfferDialog *self)
{
  g_return_val_if_fail (HORMIGA_IS_OFFER_DIALOG (self), 0);
  return self->offer_id;
}

const char *
hormiga_offer_dialog_get_peer_id (HormigaOfferDialog *self)
{
  g_return_val_if_fail (HORMIGA_IS_OFFER_DIALOG (self), NULL);
  return self->peer_id;
}

const char *
hormiga_offer_dialog_get_name (HormigaOfferDialog *self)
{
  g_return_val_if_fail (HORMIGA_IS_OFFER_DIALOG (self), NULL);
  return self->name;
}

guint64
hormiga_offer_dialog_get_size (HormigaOfferDialog *self)
{
  g_return_val_if_fail (HORMIGA_IS_OFFER_DIALOG (self), 0);
  return self->size;
}

static void
hormiga_offer_dialog_constructed (GObject *object)
{
  HormigaOfferDialog *self = HORMIGA_OFFER_DIALOG (object);
  g_autofree char *short_id = _hormiga_dup_short_peer_id (self->peer_id);
  g_autofree char *size = g_format_size (self->size);
  g_autoptr(HormigaPeerId) peer = hormiga_peer_id_parse (self->peer_id, NULL);

  G_OBJECT_CLASS (hormiga_offer_dialog_parent_class)->constructed (object);

  /* Translators: the body of an incoming offer: the file's name and size */
  adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (self),
                                  _("A peer wants to send you “%s” (%s)."), self->name, size);
  gtk_label_set_text (self->sender, short_id);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->sender), self->peer_id);
  if (peer != NULL)
    {
      HormigaDhtKey key;

      hormiga_dht_key_from_peer_id (&key, peer);
      hormiga_identicon_set_key (self->identicon, key.bytes);
    }
}

static void
hormiga_offer_dialog_finalize (GObject *object)
{
  HormigaOfferDialog *self = HORMIGA_OFFER_DIALOG (object);

  g_free (self->peer_id);
  g_free (self->name);

  G_OBJECT_CLASS (hormiga_offer_dialog_parent_class)->finalize (object);
}

static void
hormiga_offer_dialog_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  HormigaOfferDialog *self = HORMIGA_OFFER_DIALOG (object);

  switch (prop_id)
    {
    case PROP_OFFER_ID: g_value_set_uint (value, self->offer_id); break;
    case PROP_PEER_ID:  g_value_set_string (value, self->peer_id); break;
    case PROP_NAME:     g_value_set_string (value, self->name); break;
    case PROP_SIZE:     g_value_set_uint64 (value, self->size); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hormiga_offer_dialog_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  HormigaOfferDialog *self = HORMIGA_OFFER_DIALOG (object);

  switch (prop_id)
    {
    case PROP_OFFER_ID: self->offer_id = g_value_get_uint (value); break;
    case PROP_PEER_ID:  self->peer_id = g_value_dup_string (value); break;
    case PROP_NAME:     self->name = g_value_dup_string (value); break;
    case PROP_SIZE:     self->size = g_value_get_uint64 (value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hormiga_offer_dialog_class_init (HormigaOfferDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS;

  object_class->constructed = hormiga_offer_dialog_constructed;
  object_class->finalize = hormiga_offer_dialog_finalize;
  object_class->get_property = hormiga_offer_dialog_get_property;
  object_class->set_property = hormiga_offer_dialog_set_property;

  properties[PROP_OFFER_ID] = g_param_spec_uint ("offer-id", NULL, NULL, 0, G_MAXUINT, 0, flags);
  properties[PROP_PEER_ID] = g_param_spec_string ("peer-id", NULL, NULL, NULL, flags);
  properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, flags);
  properties[PROP_SIZE] = g_param_spec_uint64 ("size", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (HORMIGA_TYPE_IDENTICON);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               HORMIGA_RESOURCE_PATH "/ui/hormiga-offer-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, HormigaOfferDialog, identicon);
  gtk_widget_class_bind_template_child (widget_class, HormigaOfferDialog, sender);
}

static void
hormiga_offer_dialog_init (HormigaOfferDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
