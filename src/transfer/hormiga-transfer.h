/* hormiga-transfer.h — one download, and what a view shows of it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A HormigaTransfer fetches one file, named by its content ID, from every
 * peer that has it: it finds them in the DHT (and takes hints, such as the
 * peer that offered it), asks each for what it has, fetches the manifest
 * from one of them and checks it against the content ID, then pulls
 * chunks from all of them at once: a window of requests per peer, the
 * rarest chunk first when peers hold different parts, every chunk checked
 * against its hash before it is written to `NAME.part`, a peer that sends
 * a bad chunk dropped and the chunk fetched elsewhere, slow peers' chunks
 * asked of others near the end. What is verified is recorded in
 * `NAME.part.hormiga` next to it, so a download started again in the same
 * folder resumes from there. At the end the whole file is hashed once
 * more and renamed to a free name in the folder.
 *
 * Made by HormigaTransferManager, which carries its messages; its
 * properties change on the manager's context.
 */
#pragma once

#include <gio/gio.h>

#include "hormiga-content.h"
#include "hormiga-peer-id.h"

G_BEGIN_DECLS

typedef enum {
  HORMIGA_TRANSFER_LOOKING,      /* finding peers and the manifest */
  HORMIGA_TRANSFER_DOWNLOADING,
  HORMIGA_TRANSFER_VERIFYING,    /* the final whole-file check */
  HORMIGA_TRANSFER_PAUSED,
  HORMIGA_TRANSFER_DONE,
  HORMIGA_TRANSFER_FAILED,
  HORMIGA_TRANSFER_CANCELLED,
} HormigaTransferState;

const char *hormiga_transfer_state_to_string (HormigaTransferState state);

/**
 * HormigaTransferSource:
 * @peer: a peer the transfer took chunks from, or asked
 * @chunks: chunks it sent that checked out
 * @bytes: their bytes
 * @bad_chunks: chunks it sent that did not (it is dropped at the first)
 * @dropped: it is no longer asked (bad data, errors, gone)
 */
typedef struct
{
  HormigaPeerId *peer;
  guint64        chunks;
  guint64        bytes;
  guint          bad_chunks;
  gboolean       dropped;
} HormigaTransferSource;

void hormiga_transfer_source_free (HormigaTransferSource *source);

#define HORMIGA_TYPE_TRANSFER (hormiga_transfer_get_type ())
G_DECLARE_FINAL_TYPE (HormigaTransfer, hormiga_transfer, HORMIGA, TRANSFER, GObject)

const HormigaContentId *hormiga_transfer_get_content_id (HormigaTransfer *self);
/* The file's name (sanitised), from the manifest once known, else the link's. */
const char          *hormiga_transfer_get_name          (HormigaTransfer *self);
/* 0 until known. */
guint64              hormiga_transfer_get_size          (HormigaTransfer *self);
/* Bytes verified and written, including those found when resuming. */
guint64              hormiga_transfer_get_received      (HormigaTransfer *self);
/* Of those, the bytes that came over the network in this run. */
guint64              hormiga_transfer_get_downloaded    (HormigaTransfer *self);
/* Of those, the bytes a previous run had verified. */
guint64              hormiga_transfer_get_resumed       (HormigaTransfer *self);
HormigaTransferState hormiga_transfer_get_state         (HormigaTransfer *self);
/* Bytes per second over the last seconds; 0 when not downloading. */
double               hormiga_transfer_get_speed         (HormigaTransfer *self);
/* Seconds left at that speed; -1 when unknown. */
gint64               hormiga_transfer_get_eta           (HormigaTransfer *self);
/* Peers sending chunks now. */
guint                hormiga_transfer_get_n_sources     (HormigaTransfer *self);
/* Why it failed, for people; NULL unless FAILED. */
const char          *hormiga_transfer_get_error         (HormigaTransfer *self);
/* Where the file is once DONE, else NULL. */
const char          *hormiga_transfer_get_path          (HormigaTransfer *self);
/* The folder it downloads into. */
const char          *hormiga_transfer_get_folder        (HormigaTransfer *self);
/* Every peer it took chunks from or asked (HormigaTransferSource,
 * transfer full). */
GPtrArray           *hormiga_transfer_list_sources      (HormigaTransfer *self);

/* A peer to ask besides those the DHT names (the one that offered it). */
void                 hormiga_transfer_add_hint          (HormigaTransfer     *self,
                                                         const HormigaPeerId *peer);
void                 hormiga_transfer_pause             (HormigaTransfer *self);
void                 hormiga_transfer_resume            (HormigaTransfer *self);
/* Stops for good and deletes the partial file and its state. */
void                 hormiga_transfer_cancel            (HormigaTransfer *self);

G_END_DECLS
