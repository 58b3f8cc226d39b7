/* hormiga-test-util.h — helpers shared by the test programs
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Iterates the thread-default context until @condition returns TRUE or
 * @timeout_ms passes; returns the last value of @condition. */
gboolean           hormiga_test_wait_until        (gboolean          (*condition) (gpointer),
                                                   gpointer            user_data,
                                                   guint               timeout_ms);

/* Iterates the thread-default context for @ms (output of child processes
 * keeps coming in meanwhile). */
void               hormiga_test_pause_ms          (guint               ms);
/* Removes @path and everything under it, without following symbolic
 * links (a test's own temporary folder). */
void               hormiga_test_remove_tree       (const char         *path);

G_END_DECLS
