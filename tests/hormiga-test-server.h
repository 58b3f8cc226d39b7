/* hormiga-test-server.h — runs a real hormiguero process for a test
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "hormiga-test-util.h"

G_BEGIN_DECLS

typedef struct _HormigaTestServer HormigaTestServer;

/* Starts $HORMIGUERO (or the build's hormiguero) on 127.0.0.1 with the
 * NULL-terminated @extra_args, waits until it prints its URL, and returns.
 * `--listen` defaults to 127.0.0.1:0 unless @extra_args gives one. The
 * embedded DHT node runs only if @extra_args has a `--node-…` option (for
 * example `--node-address=127.0.0.1`); otherwise `--no-node` keeps the
 * server to its signalling, as most tests count its peers. Aborts the
 * test if the server does not come up within 10 s. */
HormigaTestServer *hormiga_test_server_start      (const char * const *extra_args);
/* Same, listening on @port exactly (for restart tests). */
HormigaTestServer *hormiga_test_server_start_on   (guint16             port,
                                                   const char * const *extra_args);

const char        *hormiga_test_server_get_url    (HormigaTestServer *server);  /* ws://…/ws */
guint16            hormiga_test_server_get_port   (HormigaTestServer *server);
/* The embedded node's PeerID, or NULL when it does not run. */
const char        *hormiga_test_server_get_node_id (HormigaTestServer *server);
/* http://127.0.0.1:PORT + @path, fetched synchronously; returns the body. */
char              *hormiga_test_server_http_get   (HormigaTestServer *server,
                                                   const char        *path,
                                                   guint             *status);
/* The value of one metric line (exact name with labels), or -1 if absent. */
gint64             hormiga_test_server_metric     (HormigaTestServer *server,
                                                   const char        *name_with_labels);
/* SIGTERM, wait for exit; asserts the process exits 0 (no crash). */
void               hormiga_test_server_stop       (HormigaTestServer *server);
/* True while the process is alive. */
gboolean           hormiga_test_server_is_alive   (HormigaTestServer *server);

G_END_DECLS
