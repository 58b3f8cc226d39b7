/* hormiga-offer-entry.h — a file or folder of an offered folder, chosen or not
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define HORMIGA_TYPE_OFFER_ENTRY (hormiga_offer_entry_get_type ())
G_DECLARE_FINAL_TYPE (HormigaOfferEntry, hormiga_offer_entry, HORMIGA, OFFER_ENTRY, GObject)

/* The folder of @n_files files (each one's path relative to the folder,
 * '/' between components, and its size), every file chosen: its root,
 * whose path is "". */
HormigaOfferEntry *hormiga_offer_entry_new_tree        (const char * const *paths,
                                                        const guint64      *sizes,
                                                        guint               n_files);

/* The last component of the path. */
const char        *hormiga_offer_entry_get_name        (HormigaOfferEntry  *self);
const char        *hormiga_offer_entry_get_path        (HormigaOfferEntry  *self);
gboolean           hormiga_offer_entry_is_folder       (HormigaOfferEntry  *self);
/* A folder's entries (HormigaOfferEntry), subfolders first; NULL for a file. */
GListModel        *hormiga_offer_entry_get_children    (HormigaOfferEntry  *self);
/* A folder's: of every file under it. */
guint              hormiga_offer_entry_get_n_files     (HormigaOfferEntry  *self);
guint64            hormiga_offer_entry_get_size        (HormigaOfferEntry  *self);
guint              hormiga_offer_entry_get_n_chosen    (HormigaOfferEntry  *self);
guint64            hormiga_offer_entry_get_chosen_size (HormigaOfferEntry  *self);

/* Every file of it chosen ("chosen"), or some but not all ("inconsistent"). */
gboolean           hormiga_offer_entry_get_chosen      (HormigaOfferEntry  *self);
gboolean           hormiga_offer_entry_get_inconsistent (HormigaOfferEntry *self);
/* Chooses or leaves a file, or every file of a folder; the folders above
 * it count again. */
void               hormiga_offer_entry_set_chosen      (HormigaOfferEntry  *self,
                                                        gboolean            chosen);

/* What to ask for: the fewest paths that name the chosen files (a folder
 * whose files are all chosen, by its own path); NULL when every file of
 * @self is chosen, an empty list when none is. */
GStrv              hormiga_offer_entry_dup_chosen_paths (HormigaOfferEntry *self);

G_END_DECLS
