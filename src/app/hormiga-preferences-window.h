/* hormiga-preferences-window.h — the application's preferences
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define HORMIGA_TYPE_PREFERENCES_WINDOW (hormiga_preferences_window_get_type ())
G_DECLARE_FINAL_TYPE (HormigaPreferencesWindow, hormiga_preferences_window, HORMIGA,
                      PREFERENCES_WINDOW, AdwPreferencesWindow)

/* Every row is bound to @settings (the io.github.hormiga.Hormiga schema):
 * what is changed here is written at once. */
GtkWidget *hormiga_preferences_window_new             (GtkWindow                *parent,
                                                       GSettings                *settings);
GSettings *hormiga_preferences_window_get_settings    (HormigaPreferencesWindow *self);
/* What the folder chooser does with the folder it was given: it becomes
 * the download folder. NULL goes back to the user's Downloads folder. */
void       hormiga_preferences_window_set_download_folder (HormigaPreferencesWindow *self,
                                                           GFile                    *folder);

G_END_DECLS
