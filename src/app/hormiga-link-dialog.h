/* hormiga-link-dialog.h — asks for a hormiga: link to download
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define HORMIGA_TYPE_LINK_DIALOG (hormiga_link_dialog_get_type ())
G_DECLARE_FINAL_TYPE (HormigaLinkDialog, hormiga_link_dialog, HORMIGA, LINK_DIALOG, AdwMessageDialog)

/* Responses: "cancel", "download" (enabled while the text is a valid
 * link). */
GtkWidget  *hormiga_link_dialog_new      (GtkWindow         *parent);
/* What is typed, as is. */
const char *hormiga_link_dialog_get_text (HormigaLinkDialog *self);
void        hormiga_link_dialog_set_text (HormigaLinkDialog *self,
                                          const char        *text);
/* TRUE while the text parses as a hormiga: link. */
gboolean    hormiga_link_dialog_is_valid (HormigaLinkDialog *self);

G_END_DECLS
