/* hormiga-transfer-private.h — between a transfer and its manager
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "hormiga-link.h"
#include "hormiga-manifest.h"
#include "hormiga-node.h"
#include "hormiga-share-message.h"
#include "hormiga-transfer-offer.h"
#include "hormiga-transfer.h"

G_BEGIN_DECLS

typedef struct _HormigaTransferManager HormigaTransferManager;

/* ---- the manager, for its transfers ---- */

/* Sends @request to @peer on the files channel, giving it its id; FALSE if
 * no such channel is open. A response, or its loss, comes back through
 * _hormiga_transfer_response() and _hormiga_transfer_request_lost(). */
gboolean         _hormiga_transfer_manager_request (HormigaTransferManager *manager,
                                                    const HormigaPeerId    *peer,
                                                    HormigaShareMessage    *request,
                                                    HormigaTransfer        *transfer);
/* We no longer want the answer to @id (a `cancel` goes out). */
void             _hormiga_transfer_manager_cancel  (HormigaTransferManager *manager,
                                                    const HormigaPeerId    *peer,
                                                    guint32                 id);
HormigaNode     *_hormiga_transfer_manager_get_node (HormigaTransferManager *manager);
/* @transfer finished into @path: the manager shares it from now on (when
 * downloads are shared). */
void             _hormiga_transfer_manager_done    (HormigaTransferManager *manager,
                                                    HormigaTransfer        *transfer,
                                                    const char             *path,
                                                    const HormigaManifest  *manifest,
                                                    GBytes                 *encoded);
/* Answers the offer @id of @peer (a `reply`; @entries: the folder's
 * entries taken, NULL: all). */
void             _hormiga_transfer_manager_reply   (HormigaTransferManager *manager,
                                                    const HormigaPeerId    *peer,
                                                    guint32                 id,
                                                    gboolean                accept,
                                                    const char             *text,
                                                    GBytes                 *entries);
/* Sends @request (get-manifest) for an offer; the answer, or NULL when the
 * channel closes, comes back through _hormiga_transfer_offer_response(). */
gboolean         _hormiga_transfer_manager_request_for_offer (HormigaTransferManager *manager,
                                                              const HormigaPeerId    *peer,
                                                              HormigaShareMessage    *request,
                                                              HormigaTransferOffer   *offer);
/* The offer is ready to be shown (::offer). */
void             _hormiga_transfer_manager_present (HormigaTransferManager *manager,
                                                    HormigaTransferOffer   *offer);
/* Downloads a folder whose manifest an offer fetched, @selected of it
 * (one bit per entry; NULL: all). */
HormigaTransfer *_hormiga_transfer_manager_download_offered (HormigaTransferManager *manager,
                                                             const char             *link,
                                                             const char             *folder,
                                                             GBytes                 *encoded,
                                                             GBytes                 *selected,
                                                             GError                **error);
/* Milliseconds without any peer after which a download gives up. */
guint            _hormiga_transfer_manager_get_give_up_ms (HormigaTransferManager *manager);

/* ---- an offer, for its manager ---- */

HormigaTransferOffer *_hormiga_transfer_offer_new (HormigaTransferManager *manager,
                                                   const HormigaPeerId    *peer,
                                                   guint32                 id,
                                                   const HormigaLink      *link,
                                                   guint64                 msize);
/* A folder's offer: fetches its manifest from the sender, then presents it. */
void             _hormiga_transfer_offer_fetch    (HormigaTransferOffer *self);
void             _hormiga_transfer_offer_response (HormigaTransferOffer *self,
                                                   HormigaShareMessage  *response);
/* The manager goes: the offer can no longer be answered. */
void             _hormiga_transfer_offer_orphan (HormigaTransferOffer *self);

/* ---- a transfer, for its manager ---- */

HormigaTransfer *_hormiga_transfer_new        (HormigaTransferManager *manager,
                                               const HormigaLink      *link,
                                               const char             *folder);
/* Before start: the folder's manifest (taken) an offer fetched, and the
 * entries accepted (one bit each; NULL: all). */
void             _hormiga_transfer_set_offered (HormigaTransfer       *self,
                                                HormigaManifest       *manifest,
                                                GBytes                *encoded,
                                                GBytes                *selected);
void             _hormiga_transfer_start      (HormigaTransfer        *self);
void             _hormiga_transfer_response   (HormigaTransfer        *self,
                                               const HormigaPeerId    *peer,
                                               guint32                 id,
                                               HormigaShareMessage    *response);
void             _hormiga_transfer_request_lost (HormigaTransfer      *self,
                                                 const HormigaPeerId  *peer,
                                                 guint32               id);
/* For serving others what is verified so far: NULL until the manifest is
 * known. */
const HormigaManifest *_hormiga_transfer_get_manifest (HormigaTransfer *self);
GBytes          *_hormiga_transfer_get_encoded_manifest (HormigaTransfer *self);
const char      *_hormiga_transfer_get_part_path (HormigaTransfer        *self);
gboolean         _hormiga_transfer_has_chunk  (HormigaTransfer        *self,
                                               guint64                 index);
/* The verified chunks, one bit each, most significant first (transfer full). */
GBytes          *_hormiga_transfer_dup_bits   (HormigaTransfer        *self);
/* The manager goes: stop without touching the files. */
void             _hormiga_transfer_shutdown   (HormigaTransfer        *self);

G_END_DECLS
