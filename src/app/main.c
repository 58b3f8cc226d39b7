/* main.c — hormiga, the desktop application
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <locale.h>

#include <glib/gi18n.h>

#include "hormiga-application.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(HormigaApplication) application = NULL;
  const char *localedir = g_getenv ("HORMIGA_LOCALEDIR");

  /* HORMIGA_LOCALEDIR lets an uninstalled build find its translations. */
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, localedir != NULL ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  application = hormiga_application_new ();
  return g_application_run (G_APPLICATION (application), argc, argv);
}
