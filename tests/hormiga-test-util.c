/* hormiga-test-util.c — helpers shared by the test programs
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib-object.h>

#include <glib/gstdio.h>

#include "hormiga-test-util.h"

gboolean
hormiga_test_wait_until (gboolean (*condition) (gpointer),
                         gpointer  user_data,
                         guint     timeout_ms)
{
  GMainContext *context = g_main_context_get_thread_default ();
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  if (context == NULL)
    context = g_main_context_default ();

  while (!condition (user_data))
    {
      if (g_get_monotonic_time () >= deadline)
        return condition (user_data);
      /* Wake at least every 10 ms to look at the clock. */
      {
        GSource *tick = g_timeout_source_new (10);
        g_source_set_dummy_callback (tick);
        g_source_attach (tick, context);
        g_main_context_iteration (context, TRUE);
        g_source_destroy (tick);
        g_source_unref (tick);
      }
    }
  return TRUE;
}

static gboolean
never (gpointer user_data)
{
  return FALSE;
}

void
hormiga_test_pause_ms (guint ms)
{
  hormiga_test_wait_until (never, NULL, ms);
}

void
hormiga_test_remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *entry;

  while (dir != NULL && (entry = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, entry, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        hormiga_test_remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}
