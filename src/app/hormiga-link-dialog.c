/* hormiga-link-dialog.c — asks for a hormiga: link to download
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * An entry checked with hormiga_link_parse() as the user types: the
 * Download response is enabled only for a valid link, and the line under
 * the entry says what the link names, or what is wrong with it. Enter
 * downloads a valid link.
 */
#include <glib/gi18n.h>

#include "hormiga-app-private.h"
#include "hormiga-link-dialog.h"
#include "hormiga-link.h"

struct _HormigaLinkDialog
{
  AdwMessageDialog  parent_instance;

  GtkEntry         *entry;
  GtkLabel         *hint;
  gboolean          valid;
};

G_DEFINE_FINAL_TYPE (HormigaLinkDialog, hormiga_link_dialog, ADW_TYPE_MESSAGE_DIALOG)

static void
on_changed (GtkEditable *editable,
            gpointer     user_data)
{
  HormigaLinkDialog *self = HORMIGA_LINK_DIALOG (user_data);
  const char *text = gtk_editable_get_text (editable);
  g_autoptr(GError) error = NULL;
  g_autoptr(HormigaLink) link = NULL;

  link = text[0] != '\0' ? hormiga_link_parse (text, &error) : NULL;
  self->valid = link != NULL;
  adw_message_dialog_set_response_enabled (ADW_MESSAGE_DIALOG (self), "download", self->valid);

  gtk_widget_remove_css_class (GTK_WIDGET (self->hint), "error");
  gtk_widget_remove_css_class (GTK_WIDGET (self->entry), "error");
  if (text[0] == '\0')
    gtk_label_set_text (self->hint, "");
  else if (link == NULL)
    {
      g_autofree char *message = g_strdup_printf ("%c%s", g_ascii_toupper (error->message[0]),
                                                  error->message + 1);

      gtk_label_set_text (self->hint, message);
      gtk_widget_add_css_class (GTK_WIDGET (self->hint), "error");
      gtk_widget_add_css_class (GTK_WIDGET (self->entry), "error");
    }
  else
    {
      g_autofree char *hint = NULL;

      if (link->name != NULL && link->has_size)
        {
          g_autofree char *size = g_format_size (link->size);

          /* Translators: what a link names: its file name and size */
          hint = g_strdup_printf (_("“%s”, %s"), link->name, size);
        }
      else if (link->name != NULL)
        hint = g_strdup_printf (_("“%s”"), link->name);
      else
        hint = g_strdup (_("A valid link"));
      gtk_label_set_text (self->hint, hint);
    }
}

static void
on_activate (GtkEntry *entry,
             gpointer  user_data)
{
  HormigaLinkDialog *self = HORMIGA_LINK_DIALOG (user_data);

  if (self->valid)
    adw_message_dialog_response (ADW_MESSAGE_DIALOG (self), "download");
}

GtkWidget *
hormiga_link_dialog_new (GtkWindow *parent)
{
  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);

  return g_object_new (HORMIGA_TYPE_LINK_DIALOG, "transient-for", parent, NULL);
}

const char *
hormiga_link_dialog_get_text (HormigaLinkDialog *self)
{
  g_return_val_if_fail (HORMIGA_IS_LINK_DIALOG (self), NULL);
  return gtk_editable_get_text (GTK_EDITABLE (self->entry));
}

void
hormiga_link_dialog_set_text (HormigaLinkDialog *self,
                              const char        *text)
{
  g_return_if_fail (HORMIGA_IS_LINK_DIALOG (self));
  gtk_editable_set_text (GTK_EDITABLE (self->entry), text ? text : "");
}

gboolean
hormiga_link_dialog_is_valid (HormigaLinkDialog *self)
{
  g_return_val_if_fail (HORMIGA_IS_LINK_DIALOG (self), FALSE);
  return self->valid;
}

static void
hormiga_link_dialog_class_init (HormigaLinkDialogClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               HORMIGA_RESOURCE_PATH "/ui/hormiga-link-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, HormigaLinkDialog, entry);
  gtk_widget_class_bind_template_child (widget_class, HormigaLinkDialog, hint);
  gtk_widget_class_bind_template_callback (widget_class, on_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_activate);
}

static void
hormiga_link_dialog_init (HormigaLinkDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  adw_message_dialog_set_response_enabled (ADW_MESSAGE_DIALOG (self), "download", FALSE);
}
