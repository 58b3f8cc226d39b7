/* hormiga-transfer-item-private.h — what HormigaNodeThread sets on its items
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "hormiga-transfer-item.h"

G_BEGIN_DECLS

/* A transfer as the node thread saw it: a plain copy, made on the node
 * thread and applied on the UI thread. */
typedef struct
{
  guint                    id;
  HormigaTransferDirection direction;
  HormigaTransferState     state;
  char                    *name;
  guint64                  size;
  guint64                  received;
  double                   speed;
  gint64                   eta;
  guint                    n_sources;
  GStrv                    sources;
  char                    *error;
  char                    *path;
  char                    *folder;
} HormigaTransferSnapshot;

void                 _hormiga_transfer_snapshot_clear (HormigaTransferSnapshot       *snapshot);

HormigaTransferItem *_hormiga_transfer_item_new       (const HormigaTransferSnapshot *snapshot);
/* Takes the snapshot's values, notifying those that changed (state last).
 * The id never changes. */
void                 _hormiga_transfer_item_update    (HormigaTransferItem           *self,
                                                       const HormigaTransferSnapshot *snapshot);

G_END_DECLS
