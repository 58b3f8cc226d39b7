/* hormiga-cli-files.h — hormiga-node's file sharing on stdin
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The lines `share PATH`, `get hormiga:… [DIR]`, `send-file PEERID PATH`,
 * `pause CID`, `resume CID`, `cancel CID`, `transfers`, `hold-offers`,
 * `accept ID [PATH…]` and `decline ID [REASON]` of a running node, and the
 * events of its transfers and offers, one line each on stdout (README.md
 * lists them). Offers are accepted from the peers given (or from everyone
 * with auto-accept); the others are declined, or, after `hold-offers`,
 * wait for `accept` (a folder's files may be chosen by path) or
 * `decline`.
 */
#pragma once

#include "hormiga-transfer-manager.h"

G_BEGIN_DECLS

typedef struct _HormigaCliFiles HormigaCliFiles;

HormigaCliFiles *hormiga_cli_files_new         (HormigaTransferManager *manager,
                                                gboolean                auto_accept,
                                                const char * const     *accept_from);
void             hormiga_cli_files_free        (HormigaCliFiles        *files);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HormigaCliFiles, hormiga_cli_files_free)

/* TRUE if @words (a stdin line split in at most three) was a file command. */
gboolean         hormiga_cli_files_handle_line (HormigaCliFiles        *files,
                                                GStrv                   words);

/* One JSON array describing every transfer. */
char            *hormiga_cli_files_transfers_json (HormigaTransferManager *manager);

G_END_DECLS
