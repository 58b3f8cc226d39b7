/* hormiga-test-node.h — runs a real hormiga-node process for a test
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "hormiga-test-util.h"

G_BEGIN_DECLS

typedef struct _HormigaTestNode HormigaTestNode;

/* Starts $HORMIGA_NODE `run` against @server_url, with its identity in a
 * new temporary directory, host candidates on 127.0.0.1 only and a short
 * peer timeout; its output lines are read on the thread-default context.
 * Waits (iterating that context) until it prints its PeerID. The process
 * dies with the test. */
HormigaTestNode *hormiga_test_node_start       (const char      *server_url);
/* The same without waiting: its PeerID is NULL until it prints it. */
HormigaTestNode *hormiga_test_node_spawn       (const char      *server_url);
/* The same with more options (NULL-terminated; before `run`). */
HormigaTestNode *hormiga_test_node_spawn_with  (const char         *server_url,
                                                const char * const *options);
/* The same in @dir, an existing directory the caller keeps (a node that
 * starts again with the same identity and state). */
HormigaTestNode *hormiga_test_node_spawn_in    (const char         *server_url,
                                                const char         *dir,
                                                const char * const *options);
/* Its --data-dir (its identity and control socket are there). */
const char      *hormiga_test_node_get_dir     (HormigaTestNode *node);
/* Lines it printed so far. */
guint            hormiga_test_node_get_n_lines (HormigaTestNode *node);
/* The index of the first line at or after @from that starts with @prefix,
 * or -1. */
gint             hormiga_test_node_find_line   (HormigaTestNode *node,
                                                const char      *prefix,
                                                guint            from);
const char      *hormiga_test_node_get_peer_id (HormigaTestNode *node);
/* Writes @line (and a newline) to its stdin. */
void             hormiga_test_node_say         (HormigaTestNode *node,
                                                const char      *line);
/* Whether it printed a line starting with @prefix so far. */
gboolean         hormiga_test_node_has_line    (HormigaTestNode *node,
                                                const char      *prefix);
/* The @n-th line (from 0) it printed that starts with @prefix, or NULL
 * (transfer none: valid while the node is). */
const char      *hormiga_test_node_get_line    (HormigaTestNode *node,
                                                const char      *prefix,
                                                guint            n);
/* Iterates the thread-default context until it prints a line starting
 * with @prefix; fails the test, with its output, after @timeout_ms. */
void             hormiga_test_node_expect      (HormigaTestNode *node,
                                                const char      *prefix,
                                                guint            timeout_ms);
/* `quit`, then waits for a clean exit (0) and frees everything. */
void             hormiga_test_node_quit        (HormigaTestNode *node);
/* SIGTERM, then waits for a clean exit (0) and frees everything. */
void             hormiga_test_node_terminate   (HormigaTestNode *node);
/* SIGKILL: the node vanishes without a word; then frees everything. */
void             hormiga_test_node_kill        (HormigaTestNode *node);

G_END_DECLS
