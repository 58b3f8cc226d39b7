/* hormiga-cli-control.h — the hormiga-node subcommands that ask a running node
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   peers, routing-table, find PEERID, put NAME VALUE, get PEERID NAME,
 *   stats, quit, share PATH, send PEERID PATH, get hormiga:… [-o DIR],
 *   transfers, pause CID, resume CID, cancel CID
 *
 * `get hormiga:…` starts the download in the node, then asks for the
 * node's transfers every 200 ms, showing the progress on stderr, until it
 * is over; it prints the file's path (or, with --json, the transfer).
 *
 * Each prints text for a person, or one JSON document with --json (its
 * result, or {"error": CODE, "message": TEXT}), and exits with one of the
 * statuses below.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  HORMIGA_CLI_EXIT_OK      = 0,   /* done */
  HORMIGA_CLI_EXIT_FAILED  = 1,   /* not found, or the operation failed */
  HORMIGA_CLI_EXIT_USAGE   = 2,   /* wrong arguments */
  HORMIGA_CLI_EXIT_NO_NODE = 3,   /* no node is running on the socket */
} HormigaCliExit;

/* Read timeout of a subcommand, seconds: lookups end well before. */
#define HORMIGA_CLI_CONTROL_TIMEOUT_S 120

/* TRUE if @name is one of the subcommands above. */
gboolean       hormiga_cli_control_is_command (const char  *name);
/* Runs the subcommand @argv[0] with its arguments @argv[1…] against the
 * node listening on @path. @output: (nullable): `get hormiga:…`'s folder
 * (-o DIR), relative to the working directory. @start_hint says how to
 * start that node, for the message when none runs. */
HormigaCliExit hormiga_cli_control_run        (const char  *path,
                                               gboolean     json,
                                               const char  *output,
                                               int          argc,
                                               char       **argv,
                                               const char  *start_hint);

G_END_DECLS
