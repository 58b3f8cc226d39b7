/* hormiga-offer-dialog.h — a peer wants to send a file or folder: accept or decline
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define HORMIGA_TYPE_OFFER_DIALOG (hormiga_offer_dialog_get_type ())
G_DECLARE_FINAL_TYPE (HormigaOfferDialog, hormiga_offer_dialog, HORMIGA, OFFER_DIALOG, AdwMessageDialog)

/* Responses: "decline", "accept". @id: the node thread's offer. A folder's
 * offer has its files' @paths (relative to it, NULL-terminated) and
 * @sizes; a file's has NULL for both. */
GtkWidget  *hormiga_offer_dialog_new         (GtkWindow          *parent,
                                              guint               id,
                                              const char         *peer_id,
                                              const char         *name,
                                              guint64             size,
                                              const char * const *paths,
                                              const guint64      *sizes);
guint       hormiga_offer_dialog_get_offer_id (HormigaOfferDialog *self);
const char *hormiga_offer_dialog_get_peer_id  (HormigaOfferDialog *self);
const char *hormiga_offer_dialog_get_name     (HormigaOfferDialog *self);
guint64     hormiga_offer_dialog_get_size     (HormigaOfferDialog *self);
gboolean    hormiga_offer_dialog_is_folder    (HormigaOfferDialog *self);
/* A folder's: how many files and bytes are chosen, as the dialog says it. */
const char *hormiga_offer_dialog_get_chosen_text (HormigaOfferDialog *self);
/* What to accept of a folder (as hormiga_node_thread_accept_offer_paths()
 * takes it): NULL for a file or every file of the folder. */
GStrv       hormiga_offer_dialog_dup_chosen_paths (HormigaOfferDialog *self);

G_END_DECLS
