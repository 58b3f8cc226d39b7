/* hormiga-offer-dialog.h — a peer wants to send a file: accept or decline
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define HORMIGA_TYPE_OFFER_DIALOG (hormiga_offer_dialog_get_type ())
G_DECLARE_FINAL_TYPE (HormigaOfferDialog, hormiga_offer_dialog, HORMIGA, OFFER_DIALOG, AdwMessageDialog)

/* Responses: "decline", "accept". @id: the node thread's offer. */
GtkWidget  *hormiga_offer_dialog_new         (GtkWindow          *parent,
                                              guint               id,
                                              const char         *peer_id,
                                              const char         *name,
                                              guint64             size);
guint       hormiga_offer_dialog_get_offer_id (HormigaOfferDialog *self);
const char *hormiga_offer_dialog_get_peer_id  (HormigaOfferDialog *self);
const char *hormiga_offer_dialog_get_name     (HormigaOfferDialog *self);
guint64     hormiga_offer_dialog_get_size     (HormigaOfferDialog *self);

G_END_DECLS
