/* hormiga-transfer-offer.h — a file or folder a peer wants to send us
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * HormigaTransferManager::offer hands one over; whoever shows it to the
 * user (the application's prompt, the CLI's --auto-accept) accepts it,
 * accepts part of it (a folder's files, by path) or declines it.
 * Accepting starts the download, with the sender as its first source; an
 * offer left unanswered for HORMIGA_TRANSFER_OFFER_TIMEOUT_S is declined.
 * A folder's offer is handed over once its list of files has come from
 * the sender, so the list can be shown and chosen from.
 */
#pragma once

#include <gio/gio.h>

#include "hormiga-peer-id.h"
#include "hormiga-transfer.h"

G_BEGIN_DECLS

#define HORMIGA_TRANSFER_OFFER_TIMEOUT_S 120

#define HORMIGA_TYPE_TRANSFER_OFFER (hormiga_transfer_offer_get_type ())
G_DECLARE_FINAL_TYPE (HormigaTransferOffer, hormiga_transfer_offer, HORMIGA, TRANSFER_OFFER, GObject)

const HormigaPeerId *hormiga_transfer_offer_get_peer (HormigaTransferOffer *self);
/* Sanitised: safe to show and to use as a file name. */
const char          *hormiga_transfer_offer_get_name (HormigaTransferOffer *self);
guint64              hormiga_transfer_offer_get_size (HormigaTransferOffer *self);
/* The hormiga: link of what is offered. */
const char          *hormiga_transfer_offer_get_link (HormigaTransferOffer *self);
/* TRUE once accepted or declined (or timed out). */
gboolean             hormiga_transfer_offer_is_answered (HormigaTransferOffer *self);

/* A folder's files (0 for a file), in the folder's order: each one's path
 * relative to the folder, sanitised (as it would be written, '/' between
 * components), and its size. */
gboolean             hormiga_transfer_offer_is_folder     (HormigaTransferOffer *self);
guint                hormiga_transfer_offer_get_n_files   (HormigaTransferOffer *self);
const char          *hormiga_transfer_offer_get_file_path (HormigaTransferOffer *self,
                                                           guint                 index);
guint64              hormiga_transfer_offer_get_file_size (HormigaTransferOffer *self,
                                                           guint                 index);

/* Downloads it into @folder (NULL: the manager's); the transfer, or NULL
 * with an error (already answered, or the manager is gone) (transfer none). */
HormigaTransfer     *hormiga_transfer_offer_accept   (HormigaTransferOffer  *self,
                                                      const char            *folder,
                                                      GError               **error);
/* Downloads only the files of the folder that @paths name (NULL-terminated;
 * NULL: all): each path is one of get_file_path()'s, or a folder in it
 * (every file under it). The sender is told which were taken, and the
 * transfer's size is theirs. Errors leave the offer unanswered:
 * G_IO_ERROR_NOT_FOUND for a path that names nothing in the folder,
 * G_IO_ERROR_INVALID_ARGUMENT for an offer of a file or no path at all. */
HormigaTransfer     *hormiga_transfer_offer_accept_paths (HormigaTransferOffer *self,
                                                          const char           *folder,
                                                          const char * const   *paths,
                                                          GError              **error);
void                 hormiga_transfer_offer_decline  (HormigaTransferOffer  *self,
                                                      const char            *reason);

G_END_DECLS
