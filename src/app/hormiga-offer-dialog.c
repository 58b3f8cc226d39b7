/* hormiga-offer-dialog.c — a peer wants to send a file or folder: accept or decline
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Who sends it (identicon and short PeerID, the whole one in the
 * tooltip), the file's name and size, and the two answers. The
 * application acts on the response and closes the dialog when the offer
 * is answered elsewhere (the notification, or the offer timing out).
 *
 * A folder's files are listed as a tree, every file chosen at first: a
 * list view (it makes rows only for what is on screen, so two thousand
 * files cost no more than ten) over a GtkTreeListModel of
 * HormigaOfferEntry, subfolders expanded when the folder is small. Each
 * row has a check, the name and the size; a subfolder's check takes or
 * leaves everything in it and shows when only part is chosen. Enter on a
 * row, or Space on its check, toggles it. Under the tree, how many files
 * and bytes are chosen; Accept needs at least one.
 */
#include <glib/gi18n.h>

#include "hormiga-app-private.h"
#include "hormiga-dht-key.h"
#include "hormiga-identicon.h"
#include "hormiga-offer-dialog.h"
#include "hormiga-offer-entry.h"
#include "hormiga-peer-id.h"

struct _HormigaOfferDialog
{
  AdwMessageDialog  parent_instance;

  guint             offer_id;
  char             *peer_id;
  char             *name;
  guint64           size;

  HormigaOfferEntry *root;          /* a folder's files, NULL for a file */

  HormigaIdenticon *identicon;
  GtkLabel         *sender;
  GtkWidget        *files_box;
  GtkScrolledWindow *files_scroller;
  GtkListView      *files_view;
  GtkLabel         *chosen_label;
};

/* Folders this small open expanded. */
#define EXPAND_FILES_MAX 64
/* Rows the tree shows without scrolling; more, and it is as tall as it
 * gets from the start (its natural height is not known before the rows
 * are made). */
#define SHOWN_ROWS_MAX 10

G_DEFINE_FINAL_TYPE (HormigaOfferDialog, hormiga_offer_dialog, ADW_TYPE_MESSAGE_DIALOG)

enum {
  PROP_0,
  PROP_OFFER_ID,
  PROP_PEER_ID,
  PROP_NAME,
  PROP_SIZE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* ---- a folder's tree ------------------------------------------------------------ */

static void
update_chosen (HormigaOfferDialog *self)
{
  guint n_files = hormiga_offer_entry_get_n_files (self->root);
  guint n_chosen = hormiga_offer_entry_get_n_chosen (self->root);
  g_autofree char *size = g_format_size (hormiga_offer_entry_get_chosen_size (self->root));
  g_autofree char *text = NULL;

  if (n_chosen == 0)
    /* Translators: under an offered folder's files, when none is checked */
    text = g_strdup (_("No file chosen"));
  else
    /* Translators: under an offered folder's files: how many are checked,
     * of how many, and their size */
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u of %u file chosen (%s)",
                                         "%u of %u files chosen (%s)", n_files),
                            n_chosen, n_files, size);
  gtk_label_set_text (self->chosen_label, text);
  adw_message_dialog_set_response_enabled (ADW_MESSAGE_DIALOG (self), "accept", n_chosen > 0);
}

static void
on_root_chosen (HormigaOfferEntry  *root,
                GParamSpec         *pspec,
                HormigaOfferDialog *self)
{
  update_chosen (self);
}

static GListModel *
create_children (gpointer item,
                 gpointer user_data)
{
  GListModel *children = hormiga_offer_entry_get_children (HORMIGA_OFFER_ENTRY (item));

  return children != NULL ? g_object_ref (children) : NULL;
}

static void
on_check_toggled (GtkCheckButton *check,
                  gpointer        user_data)
{
  HormigaOfferEntry *entry = g_object_get_data (G_OBJECT (check), "hormiga-offer-entry");

  if (entry != NULL)
    hormiga_offer_entry_set_chosen (entry, gtk_check_button_get_active (check));
}

/* The row's check shows its entry: all, none, or some (a folder). */
static void
sync_check (GtkCheckButton    *check,
            HormigaOfferEntry *entry)
{
  g_signal_handlers_block_by_func (check, on_check_toggled, NULL);
  gtk_check_button_set_active (check, hormiga_offer_entry_get_chosen (entry));
  gtk_check_button_set_inconsistent (check, hormiga_offer_entry_get_inconsistent (entry));
  g_signal_handlers_unblock_by_func (check, on_check_toggled, NULL);
}

static void
on_entry_chosen (HormigaOfferEntry *entry,
                 GParamSpec        *pspec,
                 GtkCheckButton    *check)
{
  sync_check (check, entry);
}

/* expander > box > check, icon, name, size */
static void
setup_row (GtkSignalListItemFactory *factory,
           GtkListItem              *item,
           gpointer                  user_data)
{
  GtkWidget *expander = gtk_tree_expander_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
  GtkWidget *check = gtk_check_button_new ();
  GtkWidget *icon = gtk_image_new ();
  GtkWidget *name = gtk_label_new (NULL);
  GtkWidget *size = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (name), 0);
  gtk_label_set_ellipsize (GTK_LABEL (name), PANGO_ELLIPSIZE_MIDDLE);
  gtk_widget_set_hexpand (name, TRUE);
  gtk_label_set_xalign (GTK_LABEL (size), 1);
  gtk_widget_add_css_class (size, "dim-label");
  gtk_widget_add_css_class (size, "numeric");
  g_signal_connect (check, "toggled", G_CALLBACK (on_check_toggled), NULL);
  gtk_box_append (GTK_BOX (box), check);
  gtk_box_append (GTK_BOX (box), icon);
  gtk_box_append (GTK_BOX (box), name);
  gtk_box_append (GTK_BOX (box), size);
  gtk_tree_expander_set_child (GTK_TREE_EXPANDER (expander), box);
  gtk_list_item_set_child (item, expander);
}

static void
bind_row (GtkSignalListItemFactory *factory,
          GtkListItem              *item,
          gpointer                  user_data)
{
  GtkTreeListRow *row = gtk_list_item_get_item (item);
  g_autoptr(HormigaOfferEntry) entry = gtk_tree_list_row_get_item (row);
  GtkWidget *expander = gtk_list_item_get_child (item);
  GtkWidget *box = gtk_tree_expander_get_child (GTK_TREE_EXPANDER (expander));
  GtkWidget *check = gtk_widget_get_first_child (box);
  GtkWidget *icon = gtk_widget_get_next_sibling (check);
  GtkWidget *name = gtk_widget_get_next_sibling (icon);
  GtkWidget *size = gtk_widget_get_next_sibling (name);
  g_autofree char *size_text = g_format_size (hormiga_offer_entry_get_size (entry));
  gboolean folder = hormiga_offer_entry_is_folder (entry);

  gtk_tree_expander_set_list_row (GTK_TREE_EXPANDER (expander), row);
  gtk_image_set_from_icon_name (GTK_IMAGE (icon),
                                folder ? "folder-symbolic" : "text-x-generic-symbolic");
  gtk_label_set_text (GTK_LABEL (name), hormiga_offer_entry_get_name (entry));
  gtk_label_set_text (GTK_LABEL (size), size_text);
  gtk_accessible_update_property (GTK_ACCESSIBLE (check),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, hormiga_offer_entry_get_name (entry),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, size_text,
                                  -1);
  g_object_set_data_full (G_OBJECT (check), "hormiga-offer-entry", g_object_ref (entry),
                          g_object_unref);
  sync_check (GTK_CHECK_BUTTON (check), entry);
  g_signal_connect (entry, "notify::chosen", G_CALLBACK (on_entry_chosen), check);
  g_signal_connect (entry, "notify::inconsistent", G_CALLBACK (on_entry_chosen), check);
}

static void
unbind_row (GtkSignalListItemFactory *factory,
            GtkListItem              *item,
            gpointer                  user_data)
{
  GtkWidget *expander = gtk_list_item_get_child (item);
  GtkWidget *box = gtk_tree_expander_get_child (GTK_TREE_EXPANDER (expander));
  GtkWidget *check = gtk_widget_get_first_child (box);
  HormigaOfferEntry *entry = g_object_get_data (G_OBJECT (check), "hormiga-offer-entry");

  if (entry != NULL)
    g_signal_handlers_disconnect_by_data (entry, check);
  g_object_set_data (G_OBJECT (check), "hormiga-offer-entry", NULL);
  gtk_tree_expander_set_list_row (GTK_TREE_EXPANDER (expander), NULL);
}

/* Enter on a row: its check toggles. */
static void
on_files_activate (GtkListView *view,
                   guint        position,
                   gpointer     user_data)
{
  GListModel *model = G_LIST_MODEL (gtk_list_view_get_model (view));
  g_autoptr(GtkTreeListRow) row = g_list_model_get_item (model, position);
  g_autoptr(HormigaOfferEntry) entry = NULL;

  if (row == NULL)
    return;
  entry = gtk_tree_list_row_get_item (row);
  hormiga_offer_entry_set_chosen (entry, !hormiga_offer_entry_get_chosen (entry));
}

static void
dialog_set_files (HormigaOfferDialog *self,
                  const char * const *paths,
                  const guint64      *sizes)
{
  guint n_files = g_strv_length ((char **) paths);
  g_autoptr(GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();
  g_autofree char *size = g_format_size (self->size);
  GtkTreeListModel *tree;

  self->root = hormiga_offer_entry_new_tree (paths, sizes, n_files);
  tree = gtk_tree_list_model_new (g_object_ref (hormiga_offer_entry_get_children (self->root)),
                                  FALSE, n_files <= EXPAND_FILES_MAX, create_children, NULL,
                                  NULL);
  g_signal_connect (factory, "setup", G_CALLBACK (setup_row), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row), NULL);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_row), NULL);
  if (g_list_model_get_n_items (G_LIST_MODEL (tree)) > SHOWN_ROWS_MAX)
    gtk_scrolled_window_set_min_content_height (
      self->files_scroller, gtk_scrolled_window_get_max_content_height (self->files_scroller));
  gtk_list_view_set_factory (self->files_view, factory);
  gtk_list_view_set_model (self->files_view,
                           GTK_SELECTION_MODEL (gtk_no_selection_new (G_LIST_MODEL (tree))));
  g_signal_connect (self->files_view, "activate", G_CALLBACK (on_files_activate), NULL);

  /* Translators: a dialog's title: a peer offers a folder */
  adw_message_dialog_set_heading (ADW_MESSAGE_DIALOG (self), _("Incoming Folder"));
  /* Translators: the body of an incoming folder's offer: its name, how
   * many files it has and their size */
  adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (self),
                                  g_dngettext (GETTEXT_PACKAGE,
                                               "A peer wants to send you the folder “%s” (%u file, %s). Choose what to take.",
                                               "A peer wants to send you the folder “%s” (%u files, %s). Choose what to take.",
                                               n_files),
                                  self->name, n_files, size);
  gtk_widget_set_visible (self->files_box, TRUE);
  g_signal_connect_object (self->root, "notify::n-chosen", G_CALLBACK (on_root_chosen), self, 0);
  g_signal_connect_object (self->root, "notify::chosen-size", G_CALLBACK (on_root_chosen), self,
                           0);
  update_chosen (self);
}

GtkWidget *
hormiga_offer_dialog_new (GtkWindow          *parent,
                          guint               id,
                          const char         *peer_id,
                          const char         *name,
                          guint64             size,
                          const char * const *paths,
                          const guint64      *sizes)
{
  HormigaOfferDialog *self;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (peer_id != NULL && name != NULL, NULL);
  g_return_val_if_fail (paths == NULL || sizes != NULL, NULL);

  self = g_object_new (HORMIGA_TYPE_OFFER_DIALOG,
                       "transient-for", parent,
                       "offer-id", id,
                       "peer-id", peer_id,
                       "name", name,
                       "size", size,
                       NULL);
  /* An empty folder has nothing to choose from: a plain question. */
  if (paths != NULL && paths[0] != NULL)
    dialog_set_files (self, paths, sizes);
  return GTK_WIDGET (self);
}

guint
hormiga_offer_dialog_get_offer_id (HormigaOfferDialog *self)
{
  g_return_val_if_fail (HORMIGA_IS_OFFER_DIALOG (self), 0);
  return self->offer_id;
}

const char *
hormiga_offer_dialog_get_peer_id (HormigaOfferDialog *self)
{
  g_return_val_if_fail (HORMIGA_IS_OFFER_DIALOG (self), NULL);
  return self->peer_id;
}

const char *
hormiga_offer_dialog_get_name (HormigaOfferDialog *self)
{
  g_return_val_if_fail (HORMIGA_IS_OFFER_DIALOG (self), NULL);
  return self->name;
}

guint64
hormiga_offer_dialog_get_size (HormigaOfferDialog *self)
{
  g_return_val_if_fail (HORMIGA_IS_OFFER_DIALOG (self), 0);
  return self->size;
}

gboolean
hormiga_offer_dialog_is_folder (HormigaOfferDialog *self)
{
  g_return_val_if_fail (HORMIGA_IS_OFFER_DIALOG (self), FALSE);
  return self->root != NULL;
}

const char *
hormiga_offer_dialog_get_chosen_text (HormigaOfferDialog *self)
{
  g_return_val_if_fail (HORMIGA_IS_OFFER_DIALOG (self), NULL);
  return self->root != NULL ? gtk_label_get_text (self->chosen_label) : NULL;
}

GStrv
hormiga_offer_dialog_dup_chosen_paths (HormigaOfferDialog *self)
{
  g_return_val_if_fail (HORMIGA_IS_OFFER_DIALOG (self), NULL);
  return self->root != NULL ? hormiga_offer_entry_dup_chosen_paths (self->root) : NULL;
}

static void
hormiga_offer_dialog_constructed (GObject *object)
{
  HormigaOfferDialog *self = HORMIGA_OFFER_DIALOG (object);
  g_autofree char *short_id = _hormiga_dup_short_peer_id (self->peer_id);
  g_autofree char *size = g_format_size (self->size);
  g_autoptr(HormigaPeerId) peer = hormiga_peer_id_parse (self->peer_id, NULL);

  G_OBJECT_CLASS (hormiga_offer_dialog_parent_class)->constructed (object);

  /* Translators: the body of an incoming offer: the file's name and size */
  adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (self),
                                  _("A peer wants to send you “%s” (%s)."), self->name, size);
  gtk_label_set_text (self->sender, short_id);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->sender), self->peer_id);
  if (peer != NULL)
    {
      HormigaDhtKey key;

      hormiga_dht_key_from_peer_id (&key, peer);
      hormiga_identicon_set_key (self->identicon, key.bytes);
    }
}

static void
hormiga_offer_dialog_dispose (GObject *object)
{
  HormigaOfferDialog *self = HORMIGA_OFFER_DIALOG (object);

  /* The rows go before the entries they show. */
  if (self->files_view != NULL)
    gtk_list_view_set_model (self->files_view, NULL);
  g_clear_object (&self->root);

  G_OBJECT_CLASS (hormiga_offer_dialog_parent_class)->dispose (object);
}

static void
hormiga_offer_dialog_finalize (GObject *object)
{
  HormigaOfferDialog *self = HORMIGA_OFFER_DIALOG (object);

  g_free (self->peer_id);
  g_free (self->name);

  G_OBJECT_CLASS (hormiga_offer_dialog_parent_class)->finalize (object);
}

static void
hormiga_offer_dialog_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  HormigaOfferDialog *self = HORMIGA_OFFER_DIALOG (object);

  switch (prop_id)
    {
    case PROP_OFFER_ID: g_value_set_uint (value, self->offer_id); break;
    case PROP_PEER_ID:  g_value_set_string (value, self->peer_id); break;
    case PROP_NAME:     g_value_set_string (value, self->name); break;
    case PROP_SIZE:     g_value_set_uint64 (value, self->size); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hormiga_offer_dialog_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  HormigaOfferDialog *self = HORMIGA_OFFER_DIALOG (object);

  switch (prop_id)
    {
    case PROP_OFFER_ID: self->offer_id = g_value_get_uint (value); break;
    case PROP_PEER_ID:  self->peer_id = g_value_dup_string (value); break;
    case PROP_NAME:     self->name = g_value_dup_string (value); break;
    case PROP_SIZE:     self->size = g_value_get_uint64 (value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hormiga_offer_dialog_class_init (HormigaOfferDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS;

  object_class->constructed = hormiga_offer_dialog_constructed;
  object_class->dispose = hormiga_offer_dialog_dispose;
  object_class->finalize = hormiga_offer_dialog_finalize;
  object_class->get_property = hormiga_offer_dialog_get_property;
  object_class->set_property = hormiga_offer_dialog_set_property;

  properties[PROP_OFFER_ID] = g_param_spec_uint ("offer-id", NULL, NULL, 0, G_MAXUINT, 0, flags);
  properties[PROP_PEER_ID] = g_param_spec_string ("peer-id", NULL, NULL, NULL, flags);
  properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, flags);
  properties[PROP_SIZE] = g_param_spec_uint64 ("size", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (HORMIGA_TYPE_IDENTICON);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               HORMIGA_RESOURCE_PATH "/ui/hormiga-offer-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, HormigaOfferDialog, identicon);
  gtk_widget_class_bind_template_child (widget_class, HormigaOfferDialog, sender);
  gtk_widget_class_bind_template_child (widget_class, HormigaOfferDialog, files_box);
  gtk_widget_class_bind_template_child (widget_class, HormigaOfferDialog, files_scroller);
  gtk_widget_class_bind_template_child (widget_class, HormigaOfferDialog, files_view);
  gtk_widget_class_bind_template_child (widget_class, HormigaOfferDialog, chosen_label);
}

static void
hormiga_offer_dialog_init (HormigaOfferDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
