/* hormiga-transfer-item.c — one transfer as the application shows it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A plain GObject (no GTK): the node thread's transfer model holds one per
 * transfer of the node and updates it in place from the snapshots the
 * node thread posts, notifying only what changed, so that rows bound to
 * it follow without the list being rebuilt.
 */
#include "hormiga-transfer-item-private.h"

G_DEFINE_ENUM_TYPE (HormigaTransferDirection, hormiga_transfer_direction,
  G_DEFINE_ENUM_VALUE (HORMIGA_TRANSFER_DIRECTION_DOWNLOAD, "download"),
  G_DEFINE_ENUM_VALUE (HORMIGA_TRANSFER_DIRECTION_UPLOAD, "upload"))

struct _HormigaTransferItem
{
  GObject                 parent_instance;

  HormigaTransferSnapshot snapshot;
};

G_DEFINE_FINAL_TYPE (HormigaTransferItem, hormiga_transfer_item, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_DIRECTION,
  PROP_STATE,
  PROP_NAME,
  PROP_SIZE,
  PROP_RECEIVED,
  PROP_SPEED,
  PROP_ETA,
  PROP_N_SOURCES,
  PROP_SOURCES,
  PROP_ERROR,
  PROP_PATH,
  PROP_FOLDER,
  PROP_FRACTION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

void
_hormiga_transfer_snapshot_clear (HormigaTransferSnapshot *snapshot)
{
  g_clear_pointer (&snapshot->name, g_free);
  g_clear_pointer (&snapshot->sources, g_strfreev);
  g_clear_pointer (&snapshot->error, g_free);
  g_clear_pointer (&snapshot->path, g_free);
  g_clear_pointer (&snapshot->folder, g_free);
}

HormigaTransferItem *
_hormiga_transfer_item_new (const HormigaTransferSnapshot *snapshot)
{
  HormigaTransferItem *self;

  g_return_val_if_fail (snapshot != NULL, NULL);

  self = g_object_new (HORMIGA_TYPE_TRANSFER_ITEM, NULL);
  self->snapshot = *snapshot;
  self->snapshot.name = g_strdup (snapshot->name);
  self->snapshot.sources = g_strdupv (snapshot->sources);
  self->snapshot.error = g_strdup (snapshot->error);
  self->snapshot.path = g_strdup (snapshot->path);
  self->snapshot.folder = g_strdup (snapshot->folder);
  return self;
}

#define UPDATE_FIELD(field, prop)                                            \
  G_STMT_START {                                                             \
    if (self->snapshot.field != snapshot->field)                             \
      {                                                                      \
        self->snapshot.field = snapshot->field;                              \
        g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);        \
      }                                                                      \
  } G_STMT_END

#define UPDATE_STRING(field, prop)                                           \
  G_STMT_START {                                                             \
    if (g_strcmp0 (self->snapshot.field, snapshot->field) != 0)              \
      {                                                                      \
        g_free (self->snapshot.field);                                       \
        self->snapshot.field = g_strdup (snapshot->field);                   \
        g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);        \
      }                                                                      \
  } G_STMT_END

static gboolean
strv_equal (const char * const *a,
            const char * const *b)
{
  if (a == NULL || b == NULL)
    return (a == NULL || a[0] == NULL) && (b == NULL || b[0] == NULL);
  return g_strv_equal (a, b);
}

void
_hormiga_transfer_item_update (HormigaTransferItem           *self,
                               const HormigaTransferSnapshot *snapshot)
{
  double fraction;

  g_return_if_fail (HORMIGA_IS_TRANSFER_ITEM (self));
  g_return_if_fail (self->snapshot.id == snapshot->id);

  fraction = hormiga_transfer_item_get_fraction (self);
  g_object_freeze_notify (G_OBJECT (self));
  UPDATE_FIELD (direction, PROP_DIRECTION);
  UPDATE_STRING (name, PROP_NAME);
  UPDATE_FIELD (size, PROP_SIZE);
  UPDATE_FIELD (received, PROP_RECEIVED);
  UPDATE_FIELD (speed, PROP_SPEED);
  UPDATE_FIELD (eta, PROP_ETA);
  UPDATE_FIELD (n_sources, PROP_N_SOURCES);
  if (!strv_equal ((const char * const *) self->snapshot.sources,
                   (const char * const *) snapshot->sources))
    {
      g_strfreev (self->snapshot.sources);
      self->snapshot.sources = g_strdupv (snapshot->sources);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SOURCES]);
    }
  UPDATE_STRING (error, PROP_ERROR);
  UPDATE_STRING (path, PROP_PATH);
  UPDATE_STRING (folder, PROP_FOLDER);
  UPDATE_FIELD (state, PROP_STATE);
  if (fraction != hormiga_transfer_item_get_fraction (self))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FRACTION]);
  g_object_thaw_notify (G_OBJECT (self));
}

guint
hormiga_transfer_item_get_id (HormigaTransferItem *self)
{
  g_return_val_if_fail (HORMIGA_IS_TRANSFER_ITEM (self), 0);
  return self->snapshot.id;
}

HormigaTransferDirection
hormiga_transfer_item_get_direction (HormigaTransferItem *self)
{
  g_return_val_if_fail (HORMIGA_IS_TRANSFER_ITEM (self), HORMIGA_TRANSFER_DIRECTION_DOWNLOAD);
  return self->snapshot.direction;
}

HormigaTransferState
hormiga_transfer_item_get_state (HormigaTransferItem *self)
{
  g_return_val_if_fail (HORMIGA_IS_TRANSFER_ITEM (self), HORMIGA_TRANSFER_LOOKING);
  return self->snapshot.state;
}

const char *
hormiga_transfer_item_get_name (HormigaTransferItem *self)
{
  g_return_val_if_fail (HORMIGA_IS_TRANSFER_ITEM (self), NULL);
  return self->snapshot.name;
}

guint64
hormiga_transfer_item_get_size (HormigaTransferItem *self)
{
  g_return_val_if_fail (HORMIGA_IS_TRANSFER_ITEM (self), 0);
  return self->snapshot.size;
}

guint64
hormiga_transfer_item_get_received (HormigaTransferItem *self)
{
  g_return_val_if_fail (HORMIGA_IS_TRANSFER_ITEM (self), 0);
  return self->snapshot.received;
}

double
hormiga_transfer_item_get_speed (HormigaTransferItem *self)
{
  g_return_val_if_fail (HORMIGA_IS_TRANSFER_ITEM (self), 0);
  return self->snapshot.speed;
}

gint64
hormiga_transfer_item_get_eta (HormigaTransferItem *self)
{
  g_return_val_if_fail (HORMIGA_IS_TRANSFER_ITEM (self), -1);
  return self->snapshot.eta;
}

guint
hormiga_transfer_item_get_n_sources (HormigaTransferItem *self)
{
  g_return_val_if_fail (HORMIGA_IS_TRANSFER_ITEM (self), 0);
  return self->snapshot.n_sources;
}

const char * const *
hormiga_transfer_item_get_sources (HormigaTransferItem *self)
{
  static const char * const none[] = { NULL };

  g_return_val_if_fail (HORMIGA_IS_TRANSFER_ITEM (self), NULL);
  return self->snapshot.sources ? (const char * const *) self->snapshot.sources : none;
}

const char *
hormiga_transfer_item_get_error (HormigaTransferItem *self)
{
  g_return_val_if_fail (HORMIGA_IS_TRANSFER_ITEM (self), NULL);
  return self->snapshot.error;
}

const char *
hormiga_transfer_item_get_path (HormigaTransferItem *self)
{
  g_return_val_if_fail (HORMIGA_IS_TRANSFER_ITEM (self), NULL);
  return self->snapshot.path;
}

const char *
hormiga_transfer_item_get_folder (HormigaTransferItem *self)
{
  g_return_val_if_fail (HORMIGA_IS_TRANSFER_ITEM (self), NULL);
  return self->snapshot.folder;
}

double
hormiga_transfer_item_get_fraction (HormigaTransferItem *self)
{
  g_return_val_if_fail (HORMIGA_IS_TRANSFER_ITEM (self), 0);

  if (self->snapshot.state == HORMIGA_TRANSFER_DONE)
    return 1.0;
  if (self->snapshot.size == 0)
    return 0.0;
  return CLAMP ((double) self->snapshot.received / (double) self->snapshot.size, 0.0, 1.0);
}

gboolean
hormiga_transfer_item_get_active (HormigaTransferItem *self)
{
  g_return_val_if_fail (HORMIGA_IS_TRANSFER_ITEM (self), FALSE);
  return self->snapshot.state == HORMIGA_TRANSFER_LOOKING
         || self->snapshot.state == HORMIGA_TRANSFER_DOWNLOADING
         || self->snapshot.state == HORMIGA_TRANSFER_VERIFYING;
}

static void
hormiga_transfer_item_finalize (GObject *object)
{
  HormigaTransferItem *self = HORMIGA_TRANSFER_ITEM (object);

  _hormiga_transfer_snapshot_clear (&self->snapshot);

  G_OBJECT_CLASS (hormiga_transfer_item_parent_class)->finalize (object);
}

static void
hormiga_transfer_item_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  HormigaTransferItem *self = HORMIGA_TRANSFER_ITEM (object);

  switch (prop_id)
    {
    case PROP_ID:        g_value_set_uint (value, self->snapshot.id); break;
    case PROP_DIRECTION: g_value_set_enum (value, self->snapshot.direction); break;
    case PROP_STATE:     g_value_set_int (value, self->snapshot.state); break;
    case PROP_NAME:      g_value_set_string (value, self->snapshot.name); break;
    case PROP_SIZE:      g_value_set_uint64 (value, self->snapshot.size); break;
    case PROP_RECEIVED:  g_value_set_uint64 (value, self->snapshot.received); break;
    case PROP_SPEED:     g_value_set_double (value, self->snapshot.speed); break;
    case PROP_ETA:       g_value_set_int64 (value, self->snapshot.eta); break;
    case PROP_N_SOURCES: g_value_set_uint (value, self->snapshot.n_sources); break;
    case PROP_SOURCES:   g_value_set_boxed (value, hormiga_transfer_item_get_sources (self)); break;
    case PROP_ERROR:     g_value_set_string (value, self->snapshot.error); break;
    case PROP_PATH:      g_value_set_string (value, self->snapshot.path); break;
    case PROP_FOLDER:    g_value_set_string (value, self->snapshot.folder); break;
    case PROP_FRACTION:  g_value_set_double (value, hormiga_transfer_item_get_fraction (self)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hormiga_transfer_item_class_init (HormigaTransferItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->finalize = hormiga_transfer_item_finalize;
  object_class->get_property = hormiga_transfer_item_get_property;

  properties[PROP_ID] = g_param_spec_uint ("id", NULL, NULL, 0, G_MAXUINT, 0, flags);
  properties[PROP_DIRECTION] =
    g_param_spec_enum ("direction", NULL, NULL, HORMIGA_TYPE_TRANSFER_DIRECTION,
                       HORMIGA_TRANSFER_DIRECTION_DOWNLOAD, flags);
  properties[PROP_STATE] =
    g_param_spec_int ("state", NULL, NULL, HORMIGA_TRANSFER_LOOKING, HORMIGA_TRANSFER_CANCELLED,
                      HORMIGA_TRANSFER_LOOKING, flags);
  properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, flags);
  properties[PROP_SIZE] = g_param_spec_uint64 ("size", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  properties[PROP_RECEIVED] =
    g_param_spec_uint64 ("received", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  properties[PROP_SPEED] = g_param_spec_double ("speed", NULL, NULL, 0, G_MAXDOUBLE, 0, flags);
  properties[PROP_ETA] = g_param_spec_int64 ("eta", NULL, NULL, -1, G_MAXINT64, -1, flags);
  properties[PROP_N_SOURCES] = g_param_spec_uint ("n-sources", NULL, NULL, 0, G_MAXUINT, 0, flags);
  properties[PROP_SOURCES] = g_param_spec_boxed ("sources", NULL, NULL, G_TYPE_STRV, flags);
  properties[PROP_ERROR] = g_param_spec_string ("error", NULL, NULL, NULL, flags);
  properties[PROP_PATH] = g_param_spec_string ("path", NULL, NULL, NULL, flags);
  properties[PROP_FOLDER] = g_param_spec_string ("folder", NULL, NULL, NULL, flags);
  properties[PROP_FRACTION] = g_param_spec_double ("fraction", NULL, NULL, 0, 1, 0, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
hormiga_transfer_item_init (HormigaTransferItem *self)
{
  self->snapshot.eta = -1;
}
