/* hormiga-publish-dialog.c — shows the link of a file just published
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The hormiga: link in a selectable label, and a Copy Link response that
 * puts it on the clipboard.
 */
#include <glib/gi18n.h>

#include "hormiga-app-private.h"
#include "hormiga-publish-dialog.h"

struct _HormigaPublishDialog
{
  AdwMessageDialog  parent_instance;

  char             *name;
  char             *link;

  GtkLabel         *link_label;
};

G_DEFINE_FINAL_TYPE (HormigaPublishDialog, hormiga_publish_dialog, ADW_TYPE_MESSAGE_DIALOG)

enum {
  PROP_0,
  PROP_NAME,
  PROP_LINK,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

GtkWidget *
hormiga_publish_dialog_new (GtkWindow  *parent,
                            const char *name,
                            const char *link)
{
  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (link != NULL, NULL);

  return g_object_new (HORMIGA_TYPE_PUBLISH_DIALOG,
                       "transient-for", parent,
                       "name", name,
                       "link", link,
                       NULL);
}

const char *
hormiga_publish_dialog_get_link (HormigaPublishDialog *self)
{
  g_return_val_if_fail (HORMIGA_IS_PUBLISH_DIALOG (self), NULL);
  return self->link;
}

static void
hormiga_publish_dialog_response (AdwMessageDialog *dialog,
                                 const char       *response)
{
  HormigaPublishDialog *self = HORMIGA_PUBLISH_DIALOG (dialog);

  if (g_strcmp0 (response, "copy") == 0)
    gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)), self->link);

  /* libadwaita 1.2 has no default handler. */
  if (ADW_MESSAGE_DIALOG_CLASS (hormiga_publish_dialog_parent_class)->response != NULL)
    ADW_MESSAGE_DIALOG_CLASS (hormiga_publish_dialog_parent_class)->response (dialog, response);
}

static void
hormiga_publish_dialog_constructed (GObject *object)
{
  HormigaPublishDialog *self = HORMIGA_PUBLISH_DIALOG (object);

  G_OBJECT_CLASS (hormiga_publish_dialog_parent_class)->constructed (object);

  /* Translators: the body of the dialog that shows a published file's link */
  adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (self),
                                  _("Anyone with this link can download “%s” from this "
                                    "computer while Hormiga runs, and from every peer that "
                                    "downloads it."),
                                  self->name ? self->name : "");
  gtk_label_set_text (self->link_label, self->link);
}

static void
hormiga_publish_dialog_finalize (GObject *object)
{
  HormigaPublishDialog *self = HORMIGA_PUBLISH_DIALOG (object);

  g_free (self->name);
  g_free (self->link);

  G_OBJECT_CLASS (hormiga_publish_dialog_parent_class)->finalize (object);
}

static void
hormiga_publish_dialog_get_property (GObject    *object,
                                     guint       prop_id,
                                     GValue     *value,
                                     GParamSpec *pspec)
{
  HormigaPublishDialog *self = HORMIGA_PUBLISH_DIALOG (object);

  switch (prop_id)
    {
    case PROP_NAME: g_value_set_string (value, self->name); break;
    case PROP_LINK: g_value_set_string (value, self->link); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hormiga_publish_dialog_set_property (GObject      *object,
                                     guint         prop_id,
                                     const GValue *value,
                                     GParamSpec   *pspec)
{
  HormigaPublishDialog *self = HORMIGA_PUBLISH_DIALOG (object);

  switch (prop_id)
    {
    case PROP_NAME: self->name = g_value_dup_string (value); break;
    case PROP_LINK: self->link = g_value_dup_string (value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hormiga_publish_dialog_class_init (HormigaPublishDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  AdwMessageDialogClass *dialog_class = ADW_MESSAGE_DIALOG_CLASS (klass);
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS;

  object_class->constructed = hormiga_publish_dialog_constructed;
  object_class->finalize = hormiga_publish_dialog_finalize;
  object_class->get_property = hormiga_publish_dialog_get_property;
  object_class->set_property = hormiga_publish_dialog_set_property;
  dialog_class->response = hormiga_publish_dialog_response;

  properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, flags);
  properties[PROP_LINK] = g_param_spec_string ("link", NULL, NULL, NULL, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               HORMIGA_RESOURCE_PATH "/ui/hormiga-publish-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, HormigaPublishDialog, link_label);
}

static void
hormiga_publish_dialog_init (HormigaPublishDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
