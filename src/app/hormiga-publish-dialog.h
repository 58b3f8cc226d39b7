/* hormiga-publish-dialog.h — shows the link of a file just published
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define HORMIGA_TYPE_PUBLISH_DIALOG (hormiga_publish_dialog_get_type ())
G_DECLARE_FINAL_TYPE (HormigaPublishDialog, hormiga_publish_dialog, HORMIGA, PUBLISH_DIALOG, AdwMessageDialog)

/* Responses: "close", "copy" (puts the link on the clipboard). */
GtkWidget  *hormiga_publish_dialog_new      (GtkWindow            *parent,
                                             const char           *name,
                                             const char           *link);
const char *hormiga_publish_dialog_get_link (HormigaPublishDialog *self);

G_END_DECLS
