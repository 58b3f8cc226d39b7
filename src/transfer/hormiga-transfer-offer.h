/* hormiga-transfer-offer.h — a file a peer wants to send us
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * HormigaTransferManager::offer hands one over; whoever shows it to the
 * user (the application's prompt, the CLI's --auto-accept) accepts or
 * declines it. Accepting starts the download, with the sender as its
 * first source; an offer left unanswered for HORMIGA_TRANSFER_OFFER_TIMEOUT_S
 * is declined.
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

/* Downloads it into @folder (NULL: the manager's); the transfer, or NULL
 * with an error (already answered, or the manager is gone) (transfer none). */
HormigaTransfer     *hormiga_transfer_offer_accept   (HormigaTransferOffer  *self,
                                                      const char            *folder,
                                                      GError               **error);
void                 hormiga_transfer_offer_decline  (HormigaTransferOffer  *self,
                                                      const char            *reason);

G_END_DECLS
