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

G_END_DECLS
