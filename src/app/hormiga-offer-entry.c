/* hormiga-offer-entry.c — a file or folder of an offered folder, chosen or not
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The offer dialog's tree: a folder counts its files and bytes, and how
 * many of them are chosen, so that its check shows all, none or some
 * without walking what is under it. Choosing a folder chooses everything
 * in it; the folders above count again, up to the root.
 */
#include "hormiga-offer-entry.h"

struct _HormigaOfferEntry
{
  GObject            parent_instance;

  HormigaOfferEntry *parent;        /* not owned: it owns us through its children */
  char              *path;
  const char        *name;          /* in path */
  GListStore        *children;      /* NULL: a file */
  guint              n_subfolders;  /* first in children */

  guint              n_files;
  guint64            size;
  guint              n_chosen;
  guint64            chosen_size;
};

G_DEFINE_FINAL_TYPE (HormigaOfferEntry, hormiga_offer_entry, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_CHOSEN,
  PROP_INCONSISTENT,
  PROP_N_CHOSEN,
  PROP_CHOSEN_SIZE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static HormigaOfferEntry *
entry_new (HormigaOfferEntry *parent,
           const char        *path,
           gboolean           folder)
{
  HormigaOfferEntry *self = g_object_new (HORMIGA_TYPE_OFFER_ENTRY, NULL);
  const char *slash;

  self->parent = parent;
  self->path = g_strdup (path);
  slash = strrchr (self->path, '/');
  self->name = slash != NULL ? slash + 1 : self->path;
  if (folder)
    self->children = g_list_store_new (HORMIGA_TYPE_OFFER_ENTRY);
  return self;
}

/* The folder @path (created, with the folders above it, if new). */
static HormigaOfferEntry *
tree_folder (GHashTable        *folders,
             HormigaOfferEntry *root,
             const char        *path)
{
  HormigaOfferEntry *folder = g_hash_table_lookup (folders, path);
  g_autofree char *above = NULL;
  HormigaOfferEntry *parent;
  const char *slash;

  if (folder != NULL)
    return folder;
  slash = strrchr (path, '/');
  above = slash != NULL ? g_strndup (path, (gsize) (slash - path)) : NULL;
  parent = above != NULL ? tree_folder (folders, root, above) : root;
  folder = entry_new (parent, path, TRUE);
  g_list_store_insert (parent->children, parent->n_subfolders++, folder);
  g_hash_table_insert (folders, folder->path, folder);
  g_object_unref (folder);   /* its parent keeps it */
  return folder;
}

HormigaOfferEntry *
hormiga_offer_entry_new_tree (const char * const *paths,
                              const guint64      *sizes,
                              guint               n_files)
{
  HormigaOfferEntry *root;
  g_autoptr(GHashTable) folders = NULL;

  g_return_val_if_fail (n_files == 0 || (paths != NULL && sizes != NULL), NULL);

  root = entry_new (NULL, "", TRUE);
  folders = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < n_files; i++)
    {
      const char *slash = strrchr (paths[i], '/');
      g_autofree char *above = slash != NULL ? g_strndup (paths[i], (gsize) (slash - paths[i]))
                                             : NULL;
      HormigaOfferEntry *parent = above != NULL ? tree_folder (folders, root, above) : root;
      g_autoptr(HormigaOfferEntry) file = entry_new (parent, paths[i], FALSE);

      file->n_files = file->n_chosen = 1;
      file->size = file->chosen_size = sizes[i];
      g_list_store_append (parent->children, file);
      for (HormigaOfferEntry *folder = parent; folder != NULL; folder = folder->parent)
        {
          folder->n_files++;
          folder->n_chosen++;
          folder->size += sizes[i];
          folder->chosen_size += sizes[i];
        }
    }
  return root;
}

const char *
hormiga_offer_entry_get_name (HormigaOfferEntry *self)
{
  g_return_val_if_fail (HORMIGA_IS_OFFER_ENTRY (self), NULL);
  return self->name;
}

const char *
hormiga_offer_entry_get_path (HormigaOfferEntry *self)
{
  g_return_val_if_fail (HORMIGA_IS_OFFER_ENTRY (self), NULL);
  return self->path;
}

gboolean
hormiga_offer_entry_is_folder (HormigaOfferEntry *self)
{
  g_return_val_if_fail (HORMIGA_IS_OFFER_ENTRY (self), FALSE);
  return self->children != NULL;
}

GListModel *
hormiga_offer_entry_get_children (HormigaOfferEntry *self)
{
  g_return_val_if_fail (HORMIGA_IS_OFFER_ENTRY (self), NULL);
  return self->children != NULL ? G_LIST_MODEL (self->children) : NULL;
}

guint
hormiga_offer_entry_get_n_files (HormigaOfferEntry *self)
{
  g_return_val_if_fail (HORMIGA_IS_OFFER_ENTRY (self), 0);
  return self->n_files;
}

guint64
hormiga_offer_entry_get_size (HormigaOfferEntry *self)
{
  g_return_val_if_fail (HORMIGA_IS_OFFER_ENTRY (self), 0);
  return self->size;
}

guint
hormiga_offer_entry_get_n_chosen (HormigaOfferEntry *self)
{
  g_return_val_if_fail (HORMIGA_IS_OFFER_ENTRY (self), 0);
  return self->n_chosen;
}

guint64
hormiga_offer_entry_get_chosen_size (HormigaOfferEntry *self)
{
  g_return_val_if_fail (HORMIGA_IS_OFFER_ENTRY (self), 0);
  return self->chosen_size;
}

gboolean
hormiga_offer_entry_get_chosen (HormigaOfferEntry *self)
{
  g_return_val_if_fail (HORMIGA_IS_OFFER_ENTRY (self), FALSE);
  return self->n_files > 0 && self->n_chosen == self->n_files;
}

gboolean
hormiga_offer_entry_get_inconsistent (HormigaOfferEntry *self)
{
  g_return_val_if_fail (HORMIGA_IS_OFFER_ENTRY (self), FALSE);
  return self->n_chosen > 0 && self->n_chosen < self->n_files;
}

/* New counts, and a notification for each property that changed. */
static void
entry_count (HormigaOfferEntry *self,
             guint              n_chosen,
             guint64            chosen_size)
{
  gboolean was_chosen = hormiga_offer_entry_get_chosen (self);
  gboolean was_inconsistent = hormiga_offer_entry_get_inconsistent (self);
  gboolean more_size = chosen_size != self->chosen_size;

  if (n_chosen == self->n_chosen && !more_size)
    return;
  g_object_freeze_notify (G_OBJECT (self));
  if (n_chosen != self->n_chosen)
    {
      self->n_chosen = n_chosen;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_CHOSEN]);
    }
  if (more_size)
    {
      self->chosen_size = chosen_size;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CHOSEN_SIZE]);
    }
  if (was_chosen != hormiga_offer_entry_get_chosen (self))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CHOSEN]);
  if (was_inconsistent != hormiga_offer_entry_get_inconsistent (self))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_INCONSISTENT]);
  g_object_thaw_notify (G_OBJECT (self));
}

static void
entry_choose_all (HormigaOfferEntry *self,
                  gboolean           chosen)
{
  if (self->children != NULL)
    for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->children)); i++)
      {
        g_autoptr(HormigaOfferEntry) child = g_list_model_get_item (G_LIST_MODEL (self->children), i);

        entry_choose_all (child, chosen);
      }
  entry_count (self, chosen ? self->n_files : 0, chosen ? self->size : 0);
}

void
hormiga_offer_entry_set_chosen (HormigaOfferEntry *self,
                                gboolean           chosen)
{
  guint n_before;
  guint64 size_before;

  g_return_if_fail (HORMIGA_IS_OFFER_ENTRY (self));

  n_before = self->n_chosen;
  size_before = self->chosen_size;
  entry_choose_all (self, chosen);
  for (HormigaOfferEntry *folder = self->parent; folder != NULL; folder = folder->parent)
    entry_count (folder, folder->n_chosen - n_before + self->n_chosen,
                 folder->chosen_size - size_before + self->chosen_size);
}

static void
entry_collect (HormigaOfferEntry *self,
               GStrvBuilder      *builder)
{
  if (self->n_chosen == 0)
    return;
  if (self->n_chosen == self->n_files)
    {
      g_strv_builder_add (builder, self->path);
      return;
    }
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->children)); i++)
    {
      g_autoptr(HormigaOfferEntry) child = g_list_model_get_item (G_LIST_MODEL (self->children), i);

      entry_collect (child, builder);
    }
}

GStrv
hormiga_offer_entry_dup_chosen_paths (HormigaOfferEntry *self)
{
  g_autoptr(GStrvBuilder) builder = NULL;

  g_return_val_if_fail (HORMIGA_IS_OFFER_ENTRY (self), NULL);

  if (hormiga_offer_entry_get_chosen (self))
    return NULL;
  builder = g_strv_builder_new ();
  entry_collect (self, builder);
  return g_strv_builder_end (builder);
}

static void
hormiga_offer_entry_dispose (GObject *object)
{
  HormigaOfferEntry *self = HORMIGA_OFFER_ENTRY (object);

  /* A row may still hold a child: it must not reach up to us. */
  if (self->children != NULL)
    for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->children)); i++)
      {
        g_autoptr(HormigaOfferEntry) child = g_list_model_get_item (G_LIST_MODEL (self->children), i);

        child->parent = NULL;
      }
  g_clear_object (&self->children);

  G_OBJECT_CLASS (hormiga_offer_entry_parent_class)->dispose (object);
}

static void
hormiga_offer_entry_finalize (GObject *object)
{
  HormigaOfferEntry *self = HORMIGA_OFFER_ENTRY (object);

  g_free (self->path);

  G_OBJECT_CLASS (hormiga_offer_entry_parent_class)->finalize (object);
}

static void
hormiga_offer_entry_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  HormigaOfferEntry *self = HORMIGA_OFFER_ENTRY (object);

  switch (prop_id)
    {
    case PROP_CHOSEN:       g_value_set_boolean (value, hormiga_offer_entry_get_chosen (self)); break;
    case PROP_INCONSISTENT: g_value_set_boolean (value, hormiga_offer_entry_get_inconsistent (self)); break;
    case PROP_N_CHOSEN:     g_value_set_uint (value, self->n_chosen); break;
    case PROP_CHOSEN_SIZE:  g_value_set_uint64 (value, self->chosen_size); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hormiga_offer_entry_class_init (HormigaOfferEntryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->dispose = hormiga_offer_entry_dispose;
  object_class->finalize = hormiga_offer_entry_finalize;
  object_class->get_property = hormiga_offer_entry_get_property;

  properties[PROP_CHOSEN] = g_param_spec_boolean ("chosen", NULL, NULL, FALSE, flags);
  properties[PROP_INCONSISTENT] = g_param_spec_boolean ("inconsistent", NULL, NULL, FALSE, flags);
  properties[PROP_N_CHOSEN] = g_param_spec_uint ("n-chosen", NULL, NULL, 0, G_MAXUINT, 0, flags);
  properties[PROP_CHOSEN_SIZE] =
    g_param_spec_uint64 ("chosen-size", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
hormiga_offer_entry_init (HormigaOfferEntry *self)
{
}
