/* hormiga-application.h — the Hormiga desktop application
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "hormiga-node-thread.h"

G_BEGIN_DECLS

/* Environment variable that overrides the data directory (tests). */
#define HORMIGA_DATA_DIR_ENV "HORMIGA_DATA_DIR"

#define HORMIGA_TYPE_APPLICATION (hormiga_application_get_type ())
G_DECLARE_FINAL_TYPE (HormigaApplication, hormiga_application, HORMIGA, APPLICATION,
                      AdwApplication)

HormigaApplication *hormiga_application_new      (void);

/* The node, from startup to shutdown; NULL outside. */
HormigaNodeThread  *hormiga_application_get_node (HormigaApplication *self);
/* The `download-folder` setting; NULL when unset (the node's default). */
char               *hormiga_application_dup_download_folder (HormigaApplication *self);
/* TRUE while the application keeps the session from suspending (files
 * are moving). */
gboolean            hormiga_application_get_inhibited (HormigaApplication *self);

G_END_DECLS
