/* hormiga-peer-item.c — one peer as the application shows it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A plain GObject (no GTK): the node thread's list model holds one per
 * peer it is connected to or has in its DHT routing table, and updates
 * it in place, notifying only what changed, so that rows bound to it
 * follow without the list being rebuilt.
 */
#include <string.h>

#include "hormiga-peer-item-private.h"

G_DEFINE_ENUM_TYPE (HormigaPeerKind, hormiga_peer_kind,
  G_DEFINE_ENUM_VALUE (HORMIGA_PEER_KIND_KNOWN, "known"),
  G_DEFINE_ENUM_VALUE (HORMIGA_PEER_KIND_CONNECTING, "connecting"),
  G_DEFINE_ENUM_VALUE (HORMIGA_PEER_KIND_DIRECT, "direct"),
  G_DEFINE_ENUM_VALUE (HORMIGA_PEER_KIND_RELAYED, "relayed"))

G_DEFINE_ENUM_TYPE (HormigaPeerRole, hormiga_peer_role,
  G_DEFINE_ENUM_VALUE (HORMIGA_PEER_ROLE_NEIGHBOUR, "neighbour"),
  G_DEFINE_ENUM_VALUE (HORMIGA_PEER_ROLE_CONTINGENT, "contingent"),
  G_DEFINE_ENUM_VALUE (HORMIGA_PEER_ROLE_PROTECTED, "protected"),
  G_DEFINE_ENUM_VALUE (HORMIGA_PEER_ROLE_MUTUAL, "mutual"))

/* Every PeerID of an Ed25519 key starts so. */
#define PEER_ID_PREFIX "12D3KooW"

struct _HormigaPeerItem
{
  GObject           parent_instance;

  HormigaPeerState  state;
  char             *short_id;
  gboolean          transferring;
};

G_DEFINE_FINAL_TYPE (HormigaPeerItem, hormiga_peer_item, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_PEER_ID,
  PROP_SHORT_ID,
  PROP_CONNECTED,
  PROP_KIND,
  PROP_OVERLAY,
  PROP_INCOMING,
  PROP_BUCKET,
  PROP_IN_ROUTING_TABLE,
  PROP_ROLE,
  PROP_BYTES_SENT,
  PROP_BYTES_RECEIVED,
  PROP_CONNECTED_SINCE,
  PROP_RTT,
  PROP_TRANSFERRING,
  PROP_DISPLAY_NAME,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

void
_hormiga_peer_state_clear (HormigaPeerState *state)
{
  g_clear_pointer (&state->peer_id, g_free);
  g_clear_pointer (&state->display_name, g_free);
}

int
_hormiga_peer_state_compare (const HormigaPeerState *a,
                             const HormigaPeerState *b)
{
  if (a->bucket != b->bucket)
    return a->bucket > b->bucket ? -1 : 1;
  return strcmp (a->peer_id, b->peer_id);
}

int
_hormiga_peer_item_compare_state (HormigaPeerItem        *self,
                                  const HormigaPeerState *state)
{
  return _hormiga_peer_state_compare (&self->state, state);
}

static char *
make_short_id (const char *peer_id)
{
  const char *rest = peer_id;
  gsize length;

  if (g_str_has_prefix (rest, PEER_ID_PREFIX))
    rest += strlen (PEER_ID_PREFIX);
  length = strlen (rest);
  if (length <= 12)
    return g_strdup (rest);
  return g_strdup_printf ("%.6s…%s", rest, rest + length - 4);
}

HormigaPeerItem *
_hormiga_peer_item_new (const HormigaPeerState *state)
{
  HormigaPeerItem *self;

  g_return_val_if_fail (state != NULL && state->peer_id != NULL, NULL);

  self = g_object_new (HORMIGA_TYPE_PEER_ITEM, NULL);
  self->state = *state;
  self->state.peer_id = g_strdup (state->peer_id);
  self->state.display_name = g_strdup (state->display_name);
  self->short_id = make_short_id (state->peer_id);
  return self;
}

#define UPDATE_FIELD(field, prop)                                            \
  G_STMT_START {                                                             \
    if (self->state.field != state->field)                                   \
      {                                                                      \
        self->state.field = state->field;                                    \
        g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);        \
      }                                                                      \
  } G_STMT_END

void
_hormiga_peer_item_update (HormigaPeerItem        *self,
                           const HormigaPeerState *state)
{
  gboolean was_connected;

  g_return_if_fail (HORMIGA_IS_PEER_ITEM (self));
  g_return_if_fail (g_strcmp0 (self->state.peer_id, state->peer_id) == 0);

  was_connected = hormiga_peer_item_get_connected (self);
  g_object_freeze_notify (G_OBJECT (self));
  UPDATE_FIELD (kind, PROP_KIND);
  UPDATE_FIELD (overlay, PROP_OVERLAY);
  UPDATE_FIELD (incoming, PROP_INCOMING);
  UPDATE_FIELD (bucket, PROP_BUCKET);
  UPDATE_FIELD (in_routing_table, PROP_IN_ROUTING_TABLE);
  UPDATE_FIELD (role, PROP_ROLE);
  UPDATE_FIELD (bytes_sent, PROP_BYTES_SENT);
  UPDATE_FIELD (bytes_received, PROP_BYTES_RECEIVED);
  UPDATE_FIELD (connected_since, PROP_CONNECTED_SINCE);
  UPDATE_FIELD (rtt_ms, PROP_RTT);
  if (g_strcmp0 (self->state.display_name, state->display_name) != 0)
    {
      g_free (self->state.display_name);
      self->state.display_name = g_strdup (state->display_name);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DISPLAY_NAME]);
    }
  if (was_connected != hormiga_peer_item_get_connected (self))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONNECTED]);
  g_object_thaw_notify (G_OBJECT (self));
}

const char *
hormiga_peer_item_get_peer_id (HormigaPeerItem *self)
{
  g_return_val_if_fail (HORMIGA_IS_PEER_ITEM (self), NULL);
  return self->state.peer_id;
}

const char *
hormiga_peer_item_get_display_name (HormigaPeerItem *self)
{
  g_return_val_if_fail (HORMIGA_IS_PEER_ITEM (self), NULL);
  return self->state.display_name;
}

const char *
hormiga_peer_item_get_short_id (HormigaPeerItem *self)
{
  g_return_val_if_fail (HORMIGA_IS_PEER_ITEM (self), NULL);
  return self->short_id;
}

const guint8 *
hormiga_peer_item_get_key (HormigaPeerItem *self)
{
  g_return_val_if_fail (HORMIGA_IS_PEER_ITEM (self), NULL);
  return self->state.key;
}

gboolean
hormiga_peer_item_get_connected (HormigaPeerItem *self)
{
  g_return_val_if_fail (HORMIGA_IS_PEER_ITEM (self), FALSE);
  return self->state.kind == HORMIGA_PEER_KIND_DIRECT
         || self->state.kind == HORMIGA_PEER_KIND_RELAYED;
}

HormigaPeerKind
hormiga_peer_item_get_kind (HormigaPeerItem *self)
{
  g_return_val_if_fail (HORMIGA_IS_PEER_ITEM (self), HORMIGA_PEER_KIND_KNOWN);
  return self->state.kind;
}

gboolean
hormiga_peer_item_get_overlay (HormigaPeerItem *self)
{
  g_return_val_if_fail (HORMIGA_IS_PEER_ITEM (self), FALSE);
  return self->state.overlay;
}

gboolean
hormiga_peer_item_get_incoming (HormigaPeerItem *self)
{
  g_return_val_if_fail (HORMIGA_IS_PEER_ITEM (self), FALSE);
  return self->state.incoming;
}

guint
hormiga_peer_item_get_bucket (HormigaPeerItem *self)
{
  g_return_val_if_fail (HORMIGA_IS_PEER_ITEM (self), 0);
  return self->state.bucket;
}

gboolean
hormiga_peer_item_get_in_routing_table (HormigaPeerItem *self)
{
  g_return_val_if_fail (HORMIGA_IS_PEER_ITEM (self), FALSE);
  return self->state.in_routing_table;
}

HormigaPeerRole
hormiga_peer_item_get_role (HormigaPeerItem *self)
{
  g_return_val_if_fail (HORMIGA_IS_PEER_ITEM (self), HORMIGA_PEER_ROLE_NEIGHBOUR);
  return self->state.role;
}

guint64
hormiga_peer_item_get_bytes_sent (HormigaPeerItem *self)
{
  g_return_val_if_fail (HORMIGA_IS_PEER_ITEM (self), 0);
  return self->state.bytes_sent;
}

guint64
hormiga_peer_item_get_bytes_received (HormigaPeerItem *self)
{
  g_return_val_if_fail (HORMIGA_IS_PEER_ITEM (self), 0);
  return self->state.bytes_received;
}

gint64
hormiga_peer_item_get_connected_since (HormigaPeerItem *self)
{
  g_return_val_if_fail (HORMIGA_IS_PEER_ITEM (self), 0);
  return self->state.connected_since;
}

gint
hormiga_peer_item_get_rtt (HormigaPeerItem *self)
{
  g_return_val_if_fail (HORMIGA_IS_PEER_ITEM (self), -1);
  return self->state.rtt_ms;
}

gboolean
hormiga_peer_item_get_transferring (HormigaPeerItem *self)
{
  g_return_val_if_fail (HORMIGA_IS_PEER_ITEM (self), FALSE);
  return self->transferring;
}

void
_hormiga_peer_item_set_transferring (HormigaPeerItem *self,
                                     gboolean         transferring)
{
  g_return_if_fail (HORMIGA_IS_PEER_ITEM (self));

  transferring = !!transferring;
  if (self->transferring == transferring)
    return;
  self->transferring = transferring;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TRANSFERRING]);
}

static void
hormiga_peer_item_finalize (GObject *object)
{
  HormigaPeerItem *self = HORMIGA_PEER_ITEM (object);

  _hormiga_peer_state_clear (&self->state);
  g_free (self->short_id);

  G_OBJECT_CLASS (hormiga_peer_item_parent_class)->finalize (object);
}

static void
hormiga_peer_item_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  HormigaPeerItem *self = HORMIGA_PEER_ITEM (object);

  switch (prop_id)
    {
    case PROP_PEER_ID:          g_value_set_string (value, self->state.peer_id); break;
    case PROP_SHORT_ID:         g_value_set_string (value, self->short_id); break;
    case PROP_CONNECTED:        g_value_set_boolean (value, hormiga_peer_item_get_connected (self)); break;
    case PROP_KIND:             g_value_set_enum (value, self->state.kind); break;
    case PROP_OVERLAY:          g_value_set_boolean (value, self->state.overlay); break;
    case PROP_INCOMING:         g_value_set_boolean (value, self->state.incoming); break;
    case PROP_BUCKET:           g_value_set_uint (value, self->state.bucket); break;
    case PROP_IN_ROUTING_TABLE: g_value_set_boolean (value, self->state.in_routing_table); break;
    case PROP_ROLE:             g_value_set_enum (value, self->state.role); break;
    case PROP_BYTES_SENT:       g_value_set_uint64 (value, self->state.bytes_sent); break;
    case PROP_BYTES_RECEIVED:   g_value_set_uint64 (value, self->state.bytes_received); break;
    case PROP_CONNECTED_SINCE:  g_value_set_int64 (value, self->state.connected_since); break;
    case PROP_RTT:              g_value_set_int (value, self->state.rtt_ms); break;
    case PROP_TRANSFERRING:     g_value_set_boolean (value, self->transferring); break;
    case PROP_DISPLAY_NAME:     g_value_set_string (value, self->state.display_name); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hormiga_peer_item_class_init (HormigaPeerItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->finalize = hormiga_peer_item_finalize;
  object_class->get_property = hormiga_peer_item_get_property;

  properties[PROP_PEER_ID] = g_param_spec_string ("peer-id", NULL, NULL, NULL, flags);
  properties[PROP_SHORT_ID] = g_param_spec_string ("short-id", NULL, NULL, NULL, flags);
  properties[PROP_CONNECTED] = g_param_spec_boolean ("connected", NULL, NULL, FALSE, flags);
  properties[PROP_KIND] =
    g_param_spec_enum ("kind", NULL, NULL, HORMIGA_TYPE_PEER_KIND, HORMIGA_PEER_KIND_KNOWN, flags);
  properties[PROP_OVERLAY] = g_param_spec_boolean ("overlay", NULL, NULL, FALSE, flags);
  properties[PROP_INCOMING] = g_param_spec_boolean ("incoming", NULL, NULL, FALSE, flags);
  properties[PROP_BUCKET] = g_param_spec_uint ("bucket", NULL, NULL, 0, 256, 0, flags);
  properties[PROP_IN_ROUTING_TABLE] =
    g_param_spec_boolean ("in-routing-table", NULL, NULL, FALSE, flags);
  properties[PROP_ROLE] =
    g_param_spec_enum ("role", NULL, NULL, HORMIGA_TYPE_PEER_ROLE, HORMIGA_PEER_ROLE_NEIGHBOUR,
                       flags);
  properties[PROP_BYTES_SENT] =
    g_param_spec_uint64 ("bytes-sent", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  properties[PROP_BYTES_RECEIVED] =
    g_param_spec_uint64 ("bytes-received", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  properties[PROP_CONNECTED_SINCE] =
    g_param_spec_int64 ("connected-since", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_RTT] =
    g_param_spec_int ("rtt", NULL, NULL, -1, G_MAXINT, -1, flags);
  properties[PROP_TRANSFERRING] = g_param_spec_boolean ("transferring", NULL, NULL, FALSE, flags);
  properties[PROP_DISPLAY_NAME] = g_param_spec_string ("display-name", NULL, NULL, NULL, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
hormiga_peer_item_init (HormigaPeerItem *self)
{
}
