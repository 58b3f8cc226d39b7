/* hormiga-transfer-item.h — one transfer as the application shows it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "hormiga-transfer.h"

G_BEGIN_DECLS

/* Which way the bytes go. */
typedef enum {
  HORMIGA_TRANSFER_DIRECTION_DOWNLOAD,  /* a file this node fetches */
  HORMIGA_TRANSFER_DIRECTION_UPLOAD,    /* a file this node sends */
} HormigaTransferDirection;

GType hormiga_transfer_direction_get_type (void);
#define HORMIGA_TYPE_TRANSFER_DIRECTION (hormiga_transfer_direction_get_type ())

#define HORMIGA_TYPE_TRANSFER_ITEM (hormiga_transfer_item_get_type ())
G_DECLARE_FINAL_TYPE (HormigaTransferItem, hormiga_transfer_item, HORMIGA, TRANSFER_ITEM, GObject)

/* The node thread's handle for it: what its actions take. */
guint                    hormiga_transfer_item_get_id        (HormigaTransferItem *self);
HormigaTransferDirection hormiga_transfer_item_get_direction (HormigaTransferItem *self);
/* A HormigaTransferState (hormiga-transfer.h). */
HormigaTransferState     hormiga_transfer_item_get_state     (HormigaTransferItem *self);
const char              *hormiga_transfer_item_get_name      (HormigaTransferItem *self);
/* 0 until known. */
guint64                  hormiga_transfer_item_get_size      (HormigaTransferItem *self);
guint64                  hormiga_transfer_item_get_received  (HormigaTransferItem *self);
/* Bytes per second; 0 when idle. */
double                   hormiga_transfer_item_get_speed     (HormigaTransferItem *self);
/* Seconds left; -1 when unknown. */
gint64                   hormiga_transfer_item_get_eta       (HormigaTransferItem *self);
/* Peers sending now. */
guint                    hormiga_transfer_item_get_n_sources (HormigaTransferItem *self);
/* Every peer that sent verified chunks (PeerIDs), NULL-terminated. */
const char * const      *hormiga_transfer_item_get_sources   (HormigaTransferItem *self);
/* Why it failed; NULL unless FAILED. */
const char              *hormiga_transfer_item_get_error     (HormigaTransferItem *self);
/* Where the file is once DONE, else NULL. */
const char              *hormiga_transfer_item_get_path      (HormigaTransferItem *self);
/* The folder it goes into. */
const char              *hormiga_transfer_item_get_folder    (HormigaTransferItem *self);
/* received / size, 0 to 1 (1 for an empty file that is done). */
double                   hormiga_transfer_item_get_fraction  (HormigaTransferItem *self);
/* LOOKING, DOWNLOADING or VERIFYING. */
gboolean                 hormiga_transfer_item_get_active    (HormigaTransferItem *self);

G_END_DECLS
