/* hormiga-cli-contingency.h — hormiga-node's contingency nodes
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs a HormigaContingencyService on the node, prints what it reports,
 * one line each on stdout (`contingency-assigned peer=… rank=…`, …;
 * README.md lists them), and backs up the node's private state: the
 * shares its library folder remembers (content ID → local path), which
 * only this node can read back.
 */
#pragma once

#include "hormiga-contingency-service.h"
#include "hormiga-transfer-manager.h"

G_BEGIN_DECLS

typedef struct _HormigaCliContingency HormigaCliContingency;

/* Before the node starts. @library: (nullable): the transfer manager's
 * library folder. */
HormigaCliContingency     *hormiga_cli_contingency_new   (HormigaNode                    *node,
                                                          const HormigaContingencyConfig *config,
                                                          HormigaTransferManager         *transfers,
                                                          const char                     *library);
void                       hormiga_cli_contingency_free  (HormigaCliContingency          *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HormigaCliContingency, hormiga_cli_contingency_free)

HormigaContingencyService *hormiga_cli_contingency_get_service (HormigaCliContingency *self);

/* The private blob's plaintext for the shares in @library (a key file,
 * one group per share); NULL when there is none. */
GBytes                    *hormiga_cli_contingency_read_library (const char *library);

G_END_DECLS
