/* hormiga-contingency-message.c — the contingency protocol on the wire
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * As the DHT codec: hormiga_wire_check() bounds the raw bytes, msgpack-c
 * unpacks them, and message_from_map() checks every field against the
 * tables below. Nothing of the msgpack zone outlives the decode call.
 */
#include <msgpack.h>
#include <string.h>

#include "hormiga-contingency-error.h"
#include "hormiga-contingency-message.h"
#include "hormiga-dht-message.h"
#include "hormiga-msgpack.h"
#include "hormiga-wire-error.h"
#include "hormiga-wire-limits.h"

#define VERSION 1
#define N_TYPES (HORMIGA_CONTINGENCY_MESSAGE_RESTORE + 1)

G_STATIC_ASSERT (HORMIGA_CONTINGENCY_MESSAGE_MAX_RECORD == HORMIGA_DHT_RECORD_MAX_SIZE);

/* The fields after "v" and "t", in the order they are encoded. */
typedef enum {
  FIELD_OWNER,
  FIELD_RANK,
  FIELD_PEERS,
  FIELD_NEXT,
  FIELD_SEQ,
  FIELD_RESET,
  FIELD_MORE,
  FIELD_RECORDS,
  FIELD_REMOVED,
  FIELD_BLOB_SIZE,
  FIELD_BLOB_OFFSET,
  FIELD_BLOB,
  FIELD_DIGEST,
  FIELD_BYTES,
  FIELD_CODE,
  FIELD_TEXT,
  N_FIELDS
} Field;

#define BIT(f) (1u << (f))

static const char *const field_names[N_FIELDS] = {
  [FIELD_OWNER] = "owner",
  [FIELD_RANK] = "rank",
  [FIELD_PEERS] = "peers",
  [FIELD_NEXT] = "next",
  [FIELD_SEQ] = "seq",
  [FIELD_RESET] = "reset",
  [FIELD_MORE] = "more",
  [FIELD_RECORDS] = "records",
  [FIELD_REMOVED] = "removed",
  [FIELD_BLOB_SIZE] = "blob-size",
  [FIELD_BLOB_OFFSET] = "blob-offset",
  [FIELD_BLOB] = "blob",
  [FIELD_DIGEST] = "digest",
  [FIELD_BYTES] = "bytes",
  [FIELD_CODE] = "code",
  [FIELD_TEXT] = "text",
};

static const char *const field_expected[N_FIELDS] = {
  [FIELD_OWNER] = "a PeerID, a bin of " G_STRINGIFY (HORMIGA_PEER_ID_LENGTH) " bytes",
  [FIELD_RANK] = "a uint from 0 to 7",
  [FIELD_PEERS] = "an array of 1 to 8 PeerIDs",
  [FIELD_NEXT] = "a PeerID, a bin of " G_STRINGIFY (HORMIGA_PEER_ID_LENGTH) " bytes",
  [FIELD_SEQ] = "a uint",
  [FIELD_RESET] = "a bool",
  [FIELD_MORE] = "a bool",
  [FIELD_RECORDS] = "an array of at most 64 encoded records",
  [FIELD_REMOVED] = "an array of at most 256 slots",
  [FIELD_BLOB_SIZE] = "a uint of at most 1048576",
  [FIELD_BLOB_OFFSET] = "a uint",
  [FIELD_BLOB] = "a bin of 1 to 32768 bytes",
  [FIELD_DIGEST] = G_STRINGIFY (HORMIGA_CONTINGENCY_DIGEST_SIZE) " bytes",
  [FIELD_BYTES] = "a uint",
  [FIELD_CODE] = "a uint of at most 4294967295",
  [FIELD_TEXT] = "a str of at most 256 bytes",
};

typedef struct
{
  const char *name;
  guint       required;
  guint       optional;
} TypeSpec;

#define BLOB_FIELDS (BIT (FIELD_BLOB_SIZE) | BIT (FIELD_BLOB_OFFSET) | BIT (FIELD_BLOB))
#define PARTS       (BIT (FIELD_RESET) | BIT (FIELD_MORE) | BIT (FIELD_RECORDS) | BLOB_FIELDS)

static const TypeSpec type_specs[N_TYPES] = {
  [HORMIGA_CONTINGENCY_MESSAGE_ASSIGN] =
    { "assign", BIT (FIELD_RANK) | BIT (FIELD_PEERS) | BIT (FIELD_SEQ) | BIT (FIELD_BYTES), 0 },
  [HORMIGA_CONTINGENCY_MESSAGE_ASSIGNED] =
    { "assigned", BIT (FIELD_SEQ) | BIT (FIELD_DIGEST) | BIT (FIELD_BYTES), 0 },
  [HORMIGA_CONTINGENCY_MESSAGE_REFUSED] =
    { "refused", BIT (FIELD_CODE) | BIT (FIELD_TEXT), BIT (FIELD_OWNER) },
  [HORMIGA_CONTINGENCY_MESSAGE_BACKUP] =
    { "backup", BIT (FIELD_SEQ), PARTS | BIT (FIELD_REMOVED) },
  [HORMIGA_CONTINGENCY_MESSAGE_BACKUP_ACK] =
    { "backup-ack", BIT (FIELD_SEQ) | BIT (FIELD_DIGEST) | BIT (FIELD_BYTES), 0 },
  [HORMIGA_CONTINGENCY_MESSAGE_HEARTBEAT] = { "heartbeat", 0, BIT (FIELD_SEQ) },
  [HORMIGA_CONTINGENCY_MESSAGE_LEAVE] = { "leave", 0, BIT (FIELD_NEXT) },
  [HORMIGA_CONTINGENCY_MESSAGE_HANDOFF] =
    { "handoff", BIT (FIELD_OWNER) | BIT (FIELD_SEQ), PARTS },
  [HORMIGA_CONTINGENCY_MESSAGE_HANDOFF_ACK] =
    { "handoff-ack", BIT (FIELD_OWNER) | BIT (FIELD_SEQ) | BIT (FIELD_DIGEST) | BIT (FIELD_BYTES), 0 },
  [HORMIGA_CONTINGENCY_MESSAGE_RELEASE] = { "release", 0, 0 },
  [HORMIGA_CONTINGENCY_MESSAGE_RESTORE_REQUEST] = { "restore-request", 0, 0 },
  [HORMIGA_CONTINGENCY_MESSAGE_RESTORE] = { "restore", BIT (FIELD_SEQ), PARTS },
};

const char *
hormiga_contingency_message_type_to_string (HormigaContingencyMessageType type)
{
  if ((guint) type >= N_TYPES)
    return "unknown";
  return type_specs[type].name;
}

void
hormiga_contingency_slot_of_record (HormigaContingencySlot *slot,
                                    const HormigaDhtRecord *record)
{
  g_return_if_fail (slot != NULL && record != NULL);

  slot->bytes[0] = (guint8) record->kind;
  memcpy (slot->bytes + 1, record->key.bytes, HORMIGA_DHT_KEY_SIZE);
}

/* ---- construction ------------------------------------------------------ */

HormigaContingencyMessage *
hormiga_contingency_message_new (HormigaContingencyMessageType type)
{
  HormigaContingencyMessage *message;

  g_return_val_if_fail ((guint) type < N_TYPES, NULL);

  message = g_new0 (HormigaContingencyMessage, 1);
  message->type = type;
  message->peers = g_ptr_array_new_with_free_func ((GDestroyNotify) hormiga_peer_id_unref);
  message->records = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  message->removed = g_array_new (FALSE, FALSE, sizeof (HormigaContingencySlot));
  return message;
}

void
hormiga_contingency_message_free (HormigaContingencyMessage *message)
{
  if (message == NULL)
    return;

  g_clear_pointer (&message->owner, hormiga_peer_id_unref);
  g_clear_pointer (&message->peers, g_ptr_array_unref);
  g_clear_pointer (&message->next, hormiga_peer_id_unref);
  g_clear_pointer (&message->records, g_ptr_array_unref);
  g_clear_pointer (&message->removed, g_array_unref);
  g_clear_pointer (&message->blob, g_bytes_unref);
  g_free (message->text);
  g_free (message);
}

/* ---- encoding ---------------------------------------------------------- */

static guint
count_bits (guint bits)
{
  guint n = 0;

  for (; bits != 0; bits &= bits - 1)
    n++;
  return n;
}

static gboolean
slot_ok (const HormigaContingencySlot *slot)
{
  return slot->bytes[0] <= HORMIGA_DHT_RECORD_PROVIDER;
}

static void
pack_peer (msgpack_packer      *packer,
           const HormigaPeerId *peer)
{
  gsize size = 0;
  const guint8 *data = hormiga_peer_id_get_bytes (peer, &size);

  hormiga_msgpack_pack_bin (packer, data, size);
}

static void
pack_bytes (msgpack_packer *packer,
            GBytes         *bytes)
{
  gsize size = 0;
  const void *data = g_bytes_get_data (bytes, &size);

  hormiga_msgpack_pack_bin (packer, data, size);
}

/**
 * hormiga_contingency_message_encode:
 * @message: a message within the limits of hormiga-contingency-message.h
 *
 * Encodes @message as one map: "v", "t", then the fields of its type in
 * the order of the Field enum (docs/PROTOCOL.md, "Contingency"). "reset"
 * and "more" are written only when TRUE, "records" and "removed" only when
 * not empty, "next" only when set; the blob fields only when @blob_set
 * ("blob-size" alone when it is 0). Every header takes its shortest form,
 * so equal messages give equal bytes.
 *
 * Returns: (transfer full) (nullable): the message; %NULL (with a critical
 *   warning) if a field is beyond its limit or the whole is above
 *   %HORMIGA_CONTINGENCY_MESSAGE_MAX_SIZE
 */
GBytes *
hormiga_contingency_message_encode (const HormigaContingencyMessage *message)
{
  g_autoptr(GByteArray) buffer = NULL;
  const TypeSpec *spec;
  msgpack_packer packer;
  guint allowed, fields;
  const char *text;

  g_return_val_if_fail (message != NULL, NULL);
  g_return_val_if_fail ((guint) message->type < N_TYPES, NULL);

  spec = &type_specs[message->type];
  allowed = spec->required | spec->optional;
  text = message->text != NULL ? message->text : "";
  fields = spec->required;
  if ((allowed & BIT (FIELD_RESET)) && message->reset)
    fields |= BIT (FIELD_RESET);
  if ((allowed & BIT (FIELD_MORE)) && message->more)
    fields |= BIT (FIELD_MORE);
  if ((spec->optional & BIT (FIELD_OWNER)) && message->owner != NULL)
    fields |= BIT (FIELD_OWNER);
  if ((spec->optional & BIT (FIELD_SEQ)) && message->has_seq)
    fields |= BIT (FIELD_SEQ);
  if ((allowed & BIT (FIELD_NEXT)) && message->next != NULL)
    fields |= BIT (FIELD_NEXT);
  if ((allowed & BIT (FIELD_RECORDS)) && message->records->len > 0)
    fields |= BIT (FIELD_RECORDS);
  if ((allowed & BIT (FIELD_REMOVED)) && message->removed->len > 0)
    fields |= BIT (FIELD_REMOVED);
  if ((allowed & BLOB_FIELDS) && message->blob_set)
    fields |= message->blob_size == 0 ? BIT (FIELD_BLOB_SIZE) : BLOB_FIELDS;

  if (fields & BIT (FIELD_OWNER))
    g_return_val_if_fail (message->owner != NULL, NULL);
  if (fields & BIT (FIELD_RANK))
    g_return_val_if_fail (message->rank < HORMIGA_CONTINGENCY_MESSAGE_MAX_PEERS, NULL);
  if (fields & BIT (FIELD_PEERS))
    g_return_val_if_fail (message->peers->len >= 1 &&
                          message->peers->len <= HORMIGA_CONTINGENCY_MESSAGE_MAX_PEERS, NULL);
  if (fields & BIT (FIELD_RECORDS))
    {
      g_return_val_if_fail (message->records->len <= HORMIGA_CONTINGENCY_MESSAGE_MAX_RECORDS, NULL);
      for (guint i = 0; i < message->records->len; i++)
        {
          gsize size = g_bytes_get_size (g_ptr_array_index (message->records, i));

          g_return_val_if_fail (size > 0 && size <= HORMIGA_CONTINGENCY_MESSAGE_MAX_RECORD, NULL);
        }
    }
  if (fields & BIT (FIELD_REMOVED))
    {
      g_return_val_if_fail (message->removed->len <= HORMIGA_CONTINGENCY_MESSAGE_MAX_REMOVED, NULL);
      for (guint i = 0; i < message->removed->len; i++)
        g_return_val_if_fail (slot_ok (&g_array_index (message->removed, HormigaContingencySlot, i)), NULL);
    }
  if (fields & BIT (FIELD_BLOB_SIZE))
    g_return_val_if_fail (message->blob_size <= HORMIGA_CONTINGENCY_MAX_BLOB, NULL);
  if (fields & BIT (FIELD_BLOB))
    {
      gsize size = message->blob != NULL ? g_bytes_get_size (message->blob) : 0;

      g_return_val_if_fail (size > 0 && size <= HORMIGA_CONTINGENCY_MAX_BLOB_CHUNK, NULL);
      g_return_val_if_fail (message->blob_offset + size <= message->blob_size, NULL);
    }
  if (fields & BIT (FIELD_TEXT))
    g_return_val_if_fail (strlen (text) <= HORMIGA_CONTINGENCY_MESSAGE_MAX_TEXT &&
                          g_utf8_validate (text, -1, NULL), NULL);

  buffer = g_byte_array_sized_new (64);
  msgpack_packer_init (&packer, buffer, hormiga_msgpack_append);
  msgpack_pack_map (&packer, 2 + count_bits (fields));
  hormiga_msgpack_pack_str (&packer, "v");
  msgpack_pack_uint64 (&packer, VERSION);
  hormiga_msgpack_pack_str (&packer, "t");
  hormiga_msgpack_pack_str (&packer, spec->name);

  for (Field f = 0; f < N_FIELDS; f++)
    {
      if (!(fields & BIT (f)))
        continue;

      hormiga_msgpack_pack_str (&packer, field_names[f]);
      switch (f)
        {
        case FIELD_OWNER:
          pack_peer (&packer, message->owner);
          break;
        case FIELD_RANK:
          msgpack_pack_uint64 (&packer, message->rank);
          break;
        case FIELD_PEERS:
          msgpack_pack_array (&packer, message->peers->len);
          for (guint i = 0; i < message->peers->len; i++)
            pack_peer (&packer, g_ptr_array_index (message->peers, i));
          break;
        case FIELD_NEXT:
          pack_peer (&packer, message->next);
          break;
        case FIELD_SEQ:
          msgpack_pack_uint64 (&packer, message->seq);
          break;
        case FIELD_RESET:
        case FIELD_MORE:
          msgpack_pack_true (&packer);
          break;
        case FIELD_RECORDS:
          msgpack_pack_array (&packer, message->records->len);
          for (guint i = 0; i < message->records->len; i++)
            pack_bytes (&packer, g_ptr_array_index (message->records, i));
          break;
        case FIELD_REMOVED:
          msgpack_pack_array (&packer, message->removed->len);
          for (guint i = 0; i < message->removed->len; i++)
            hormiga_msgpack_pack_bin (&packer, g_array_index (message->removed, HormigaContingencySlot, i).bytes,
                                      HORMIGA_CONTINGENCY_SLOT_SIZE);
          break;
        case FIELD_BLOB_SIZE:
          msgpack_pack_uint64 (&packer, message->blob_size);
          break;
        case FIELD_BLOB_OFFSET:
          msgpack_pack_uint64 (&packer, message->blob_offset);
          break;
        case FIELD_BLOB:
          pack_bytes (&packer, message->blob);
          break;
        case FIELD_DIGEST:
          hormiga_msgpack_pack_bin (&packer, message->digest, HORMIGA_CONTINGENCY_DIGEST_SIZE);
          break;
        case FIELD_BYTES:
          msgpack_pack_uint64 (&packer, message->bytes);
          break;
        case FIELD_CODE:
          msgpack_pack_uint64 (&packer, message->code);
          break;
        case FIELD_TEXT:
          hormiga_msgpack_pack_str (&packer, text);
          break;
        case N_FIELDS:
        default:
          g_assert_not_reached ();
        }
    }

  if (buffer->len > HORMIGA_CONTINGENCY_MESSAGE_MAX_SIZE)
    {
      g_critical ("%s: this %s message would be %u bytes; the limit is %u (send fewer records "
                  "per message)", G_STRFUNC, spec->name, buffer->len,
                  (guint) HORMIGA_CONTINGENCY_MESSAGE_MAX_SIZE);
      return NULL;
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&buffer));
}

/* ---- decoding ---------------------------------------------------------- */

static const char *
article (const char *name)
{
  return strchr ("aeiou", name[0]) != NULL ? "an" : "a";
}

/* "an assign needs "rank": a uint from 0 to 7; got uint 9". */
static gboolean
set_wrong (GError               **error,
           HormigaContingencyError code,
           const char            *type,
           const char            *field,
           const char            *expected,
           const msgpack_object  *got)
{
  g_autofree char *description = hormiga_msgpack_describe (got);

  g_set_error (error, HORMIGA_CONTINGENCY_ERROR, code, "%s %s needs \"%s\": %s; got %s",
               article (type), type, field, expected, description);
  return FALSE;
}

static gboolean
set_too_many (GError    **error,
              const char *type,
              const char *field,
              guint       count,
              guint       limit)
{
  g_set_error (error, HORMIGA_CONTINGENCY_ERROR, HORMIGA_CONTINGENCY_ERROR_TOO_LARGE,
               "\"%s\" in %s %s has %u elements; the limit is %u", field, article (type), type,
               count, limit);
  return FALSE;
}

static HormigaPeerId *
get_peer (const msgpack_object  *object,
          const char            *type,
          const char            *field,
          GError               **error)
{
  g_autoptr(GError) local_error = NULL;
  HormigaPeerId *peer;

  if (object->type != MSGPACK_OBJECT_BIN || object->via.bin.size != HORMIGA_PEER_ID_LENGTH)
    {
      set_wrong (error, HORMIGA_CONTINGENCY_ERROR_MALFORMED, type, field,
                 field_expected[FIELD_OWNER], object);
      return NULL;
    }
  peer = hormiga_peer_id_new_contact_from_bytes ((const guint8 *) object->via.bin.ptr,
                                                 object->via.bin.size, &local_error);
  if (peer == NULL)
    g_set_error (error, HORMIGA_CONTINGENCY_ERROR, HORMIGA_CONTINGENCY_ERROR_MALFORMED,
                 "\"%s\" in %s %s is not a valid PeerID: %s", field, article (type), type,
                 local_error->message);
  return peer;
}

static gboolean
get_uint (const msgpack_object  *object,
          const char            *type,
          Field                  field,
          guint64                max,
          guint64               *out,
          GError               **error)
{
  if (object->type != MSGPACK_OBJECT_POSITIVE_INTEGER || object->via.u64 > max)
    return set_wrong (error, HORMIGA_CONTINGENCY_ERROR_MALFORMED, type, field_names[field],
                      field_expected[field], object);
  *out = object->via.u64;
  return TRUE;
}

static gboolean
get_true (const msgpack_object  *object,
          const char            *type,
          Field                  field,
          gboolean              *out,
          GError               **error)
{
  if (object->type != MSGPACK_OBJECT_BOOLEAN)
    return set_wrong (error, HORMIGA_CONTINGENCY_ERROR_MALFORMED, type, field_names[field],
                      field_expected[field], object);
  *out = object->via.boolean;
  return TRUE;
}

static gboolean
get_peers (const msgpack_object  *object,
           const char            *type,
           GPtrArray             *peers,
           GError               **error)
{
  if (object->type != MSGPACK_OBJECT_ARRAY || object->via.array.size == 0)
    return set_wrong (error, HORMIGA_CONTINGENCY_ERROR_MALFORMED, type, "peers",
                      field_expected[FIELD_PEERS], object);
  if (object->via.array.size > HORMIGA_CONTINGENCY_MESSAGE_MAX_PEERS)
    return set_too_many (error, type, "peers", object->via.array.size,
                         HORMIGA_CONTINGENCY_MESSAGE_MAX_PEERS);
  for (guint32 i = 0; i < object->via.array.size; i++)
    {
      g_autofree char *name = g_strdup_printf ("peers[%u]", i);
      HormigaPeerId *peer = get_peer (&object->via.array.ptr[i], type, name, error);

      if (peer == NULL)
        return FALSE;
      g_ptr_array_add (peers, peer);
    }
  return TRUE;
}

static gboolean
get_records (const msgpack_object  *object,
             const char            *type,
             GPtrArray             *records,
             GError               **error)
{
  if (object->type != MSGPACK_OBJECT_ARRAY)
    return set_wrong (error, HORMIGA_CONTINGENCY_ERROR_MALFORMED, type, "records",
                      field_expected[FIELD_RECORDS], object);
  if (object->via.array.size > HORMIGA_CONTINGENCY_MESSAGE_MAX_RECORDS)
    return set_too_many (error, type, "records", object->via.array.size,
                         HORMIGA_CONTINGENCY_MESSAGE_MAX_RECORDS);
  for (guint32 i = 0; i < object->via.array.size; i++)
    {
      const msgpack_object *element = &object->via.array.ptr[i];

      if (element->type != MSGPACK_OBJECT_BIN || element->via.bin.size == 0)
        {
          g_autofree char *description = hormiga_msgpack_describe (element);

          g_set_error (error, HORMIGA_CONTINGENCY_ERROR, HORMIGA_CONTINGENCY_ERROR_MALFORMED,
                       "\"records[%u]\" in %s %s must be an encoded record, a bin of 1 to %u "
                       "bytes; got %s", i, article (type), type,
                       (guint) HORMIGA_CONTINGENCY_MESSAGE_MAX_RECORD, description);
          return FALSE;
        }
      if (element->via.bin.size > HORMIGA_CONTINGENCY_MESSAGE_MAX_RECORD)
        {
          g_set_error (error, HORMIGA_CONTINGENCY_ERROR, HORMIGA_CONTINGENCY_ERROR_TOO_LARGE,
                       "\"records[%u]\" in %s %s is %u bytes; the limit for a record is %u",
                       i, article (type), type, element->via.bin.size,
                       (guint) HORMIGA_CONTINGENCY_MESSAGE_MAX_RECORD);
          return FALSE;
        }
      g_ptr_array_add (records, g_bytes_new (element->via.bin.ptr, element->via.bin.size));
    }
  return TRUE;
}

static gboolean
get_removed (const msgpack_object  *object,
             const char            *type,
             GArray                *removed,
             GError               **error)
{
  if (object->type != MSGPACK_OBJECT_ARRAY)
    return set_wrong (error, HORMIGA_CONTINGENCY_ERROR_MALFORMED, type, "removed",
                      field_expected[FIELD_REMOVED], object);
  if (object->via.array.size > HORMIGA_CONTINGENCY_MESSAGE_MAX_REMOVED)
    return set_too_many (error, type, "removed", object->via.array.size,
                         HORMIGA_CONTINGENCY_MESSAGE_MAX_REMOVED);
  for (guint32 i = 0; i < object->via.array.size; i++)
    {
      const msgpack_object *element = &object->via.array.ptr[i];
      HormigaContingencySlot slot;

      if (element->type != MSGPACK_OBJECT_BIN || element->via.bin.size != HORMIGA_CONTINGENCY_SLOT_SIZE ||
          (guint8) element->via.bin.ptr[0] > HORMIGA_DHT_RECORD_PROVIDER)
        {
          g_autofree char *description = hormiga_msgpack_describe (element);

          g_set_error (error, HORMIGA_CONTINGENCY_ERROR, HORMIGA_CONTINGENCY_ERROR_MALFORMED,
                       "\"removed[%u]\" in %s %s must be a slot, a bin of %u bytes: a record "
                       "kind from 0 to 3, then a key; got %s", i, article (type), type,
                       HORMIGA_CONTINGENCY_SLOT_SIZE, description);
          return FALSE;
        }
      memcpy (slot.bytes, element->via.bin.ptr, HORMIGA_CONTINGENCY_SLOT_SIZE);
      g_array_append_val (removed, slot);
    }
  return TRUE;
}

static gboolean
get_text (const msgpack_object  *object,
          const char            *type,
          char                 **out,
          GError               **error)
{
  if (object->type != MSGPACK_OBJECT_STR)
    return set_wrong (error, HORMIGA_CONTINGENCY_ERROR_MALFORMED, type, "text",
                      field_expected[FIELD_TEXT], object);
  if (object->via.str.size > HORMIGA_CONTINGENCY_MESSAGE_MAX_TEXT)
    {
      g_set_error (error, HORMIGA_CONTINGENCY_ERROR, HORMIGA_CONTINGENCY_ERROR_TOO_LARGE,
                   "\"text\" in %s %s is %u bytes; the limit is %u", article (type), type,
                   object->via.str.size, HORMIGA_CONTINGENCY_MESSAGE_MAX_TEXT);
      return FALSE;
    }
  if (memchr (object->via.str.ptr, '\0', object->via.str.size) != NULL)
    {
      g_set_error (error, HORMIGA_CONTINGENCY_ERROR, HORMIGA_CONTINGENCY_ERROR_MALFORMED,
                   "\"text\" in %s %s contains a NUL byte; text must not", article (type), type);
      return FALSE;
    }
  *out = g_strndup (object->via.str.ptr, object->via.str.size);
  return TRUE;
}

static gboolean
get_field (HormigaContingencyMessage  *message,
           Field                       f,
           const msgpack_object       *value,
           GError                    **error)
{
  const char *type = type_specs[message->type].name;
  guint64 number = 0;

  switch (f)
    {
    case FIELD_OWNER:
      return (message->owner = get_peer (value, type, "owner", error)) != NULL;
    case FIELD_NEXT:
      return (message->next = get_peer (value, type, "next", error)) != NULL;
    case FIELD_RANK:
      if (!get_uint (value, type, f, HORMIGA_CONTINGENCY_MESSAGE_MAX_PEERS - 1, &number, error))
        return FALSE;
      message->rank = (guint) number;
      return TRUE;
    case FIELD_PEERS:
      return get_peers (value, type, message->peers, error);
    case FIELD_SEQ:
      message->has_seq = TRUE;
      return get_uint (value, type, f, G_MAXUINT64, &message->seq, error);
    case FIELD_RESET:
      return get_true (value, type, f, &message->reset, error);
    case FIELD_MORE:
      return get_true (value, type, f, &message->more, error);
    case FIELD_RECORDS:
      return get_records (value, type, message->records, error);
    case FIELD_REMOVED:
      return get_removed (value, type, message->removed, error);
    case FIELD_BLOB_SIZE:
      if (value->type == MSGPACK_OBJECT_POSITIVE_INTEGER && value->via.u64 > HORMIGA_CONTINGENCY_MAX_BLOB)
        {
          g_set_error (error, HORMIGA_CONTINGENCY_ERROR, HORMIGA_CONTINGENCY_ERROR_TOO_LARGE,
                       "\"blob-size\" in %s %s is %" G_GUINT64_FORMAT " bytes; the limit for the "
                       "private blob is %u", article (type), type, (guint64) value->via.u64,
                       (guint) HORMIGA_CONTINGENCY_MAX_BLOB);
          return FALSE;
        }
      message->blob_set = TRUE;
      return get_uint (value, type, f, HORMIGA_CONTINGENCY_MAX_BLOB, &message->blob_size, error);
    case FIELD_BLOB_OFFSET:
      return get_uint (value, type, f, G_MAXUINT64, &message->blob_offset, error);
    case FIELD_BLOB:
      if (value->type != MSGPACK_OBJECT_BIN || value->via.bin.size == 0)
        return set_wrong (error, HORMIGA_CONTINGENCY_ERROR_MALFORMED, type, "blob",
                          field_expected[f], value);
      if (value->via.bin.size > HORMIGA_CONTINGENCY_MAX_BLOB_CHUNK)
        {
          g_set_error (error, HORMIGA_CONTINGENCY_ERROR, HORMIGA_CONTINGENCY_ERROR_TOO_LARGE,
                       "\"blob\" in %s %s is %u bytes; a message carries at most %u of it",
                       article (type), type, value->via.bin.size,
                       (guint) HORMIGA_CONTINGENCY_MAX_BLOB_CHUNK);
          return FALSE;
        }
      message->blob = g_bytes_new (value->via.bin.ptr, value->via.bin.size);
      return TRUE;
    case FIELD_DIGEST:
      if (value->type != MSGPACK_OBJECT_BIN || value->via.bin.size != HORMIGA_CONTINGENCY_DIGEST_SIZE)
        return set_wrong (error, HORMIGA_CONTINGENCY_ERROR_MALFORMED, type, "digest",
                          field_expected[f], value);
      memcpy (message->digest, value->via.bin.ptr, HORMIGA_CONTINGENCY_DIGEST_SIZE);
      return TRUE;
    case FIELD_BYTES:
      return get_uint (value, type, f, G_MAXUINT64, &message->bytes, error);
    case FIELD_CODE:
      if (!get_uint (value, type, f, G_MAXUINT32, &number, error))
        return FALSE;
      message->code = (guint) number;
      return TRUE;
    case FIELD_TEXT:
      return get_text (value, type, &message->text, error);
    case N_FIELDS:
    default:
      g_assert_not_reached ();
    }
}

static HormigaContingencyMessage *
message_from_map (const msgpack_object  *root,
                  GError               **error)
{
  const msgpack_object *version = NULL;
  const msgpack_object *type_name = NULL;
  const msgpack_object *values[N_FIELDS] = { NULL };
  g_autoptr(HormigaContingencyMessage) message = NULL;
  const msgpack_object_map *map;
  const TypeSpec *spec;
  const char *type;
  guint t, present = 0;

  if (root->type != MSGPACK_OBJECT_MAP)
    {
      g_autofree char *description = hormiga_msgpack_describe (root);

      g_set_error (error, HORMIGA_CONTINGENCY_ERROR, HORMIGA_CONTINGENCY_ERROR_MALFORMED,
                   "a contingency message is a map with \"v\" and \"t\"; got %s", description);
      return NULL;
    }

  map = &root->via.map;
  for (guint32 i = 0; i < map->size; i++)
    {
      const msgpack_object *key = &map->ptr[i].key;
      const msgpack_object **slot = NULL;
      const char *name = NULL;

      if (key->type != MSGPACK_OBJECT_STR)
        {
          g_autofree char *description = hormiga_msgpack_describe (key);

          g_set_error (error, HORMIGA_CONTINGENCY_ERROR, HORMIGA_CONTINGENCY_ERROR_MALFORMED,
                       "key %u of the contingency message is %s; keys must be str", i, description);
          return NULL;
        }
      if (hormiga_msgpack_key_is (key, "v"))
        slot = &version, name = "v";
      else if (hormiga_msgpack_key_is (key, "t"))
        slot = &type_name, name = "t";
      else
        for (Field f = 0; f < N_FIELDS && slot == NULL; f++)
          if (hormiga_msgpack_key_is (key, field_names[f]))
            slot = &values[f], name = field_names[f];

      if (slot == NULL)
        continue;  /* unknown: a later version's optional field */
      if (*slot != NULL)
        {
          g_set_error (error, HORMIGA_CONTINGENCY_ERROR, HORMIGA_CONTINGENCY_ERROR_MALFORMED,
                       "\"%s\" appears twice in the contingency message; each key may appear once",
                       name);
          return NULL;
        }
      *slot = &map->ptr[i].val;
    }

  if (version == NULL || version->type != MSGPACK_OBJECT_POSITIVE_INTEGER || version->via.u64 != VERSION)
    {
      g_autofree char *description = version != NULL ? hormiga_msgpack_describe (version) : NULL;

      g_set_error (error, HORMIGA_CONTINGENCY_ERROR, HORMIGA_CONTINGENCY_ERROR_MALFORMED,
                   "a contingency message needs \"v\": 1 (the only version this node speaks); got %s",
                   description != NULL ? description : "none");
      return NULL;
    }
  if (type_name == NULL || type_name->type != MSGPACK_OBJECT_STR)
    {
      g_autofree char *description = type_name != NULL ? hormiga_msgpack_describe (type_name) : NULL;

      g_set_error (error, HORMIGA_CONTINGENCY_ERROR, HORMIGA_CONTINGENCY_ERROR_MALFORMED,
                   "a contingency message needs \"t\": a str naming its type; got %s",
                   description != NULL ? description : "none");
      return NULL;
    }
  for (t = 0; t < N_TYPES; t++)
    if (hormiga_msgpack_key_is (type_name, type_specs[t].name))
      break;
  if (t == N_TYPES)
    {
      g_autofree char *quoted = hormiga_msgpack_quote_text (type_name->via.str.ptr, type_name->via.str.size);

      g_set_error (error, HORMIGA_CONTINGENCY_ERROR, HORMIGA_CONTINGENCY_ERROR_UNKNOWN_TYPE,
                   "contingency message type %s is unknown; this node knows assign, assigned, "
                   "refused, backup, backup-ack, heartbeat, leave, handoff, handoff-ack, release, "
                   "restore-request and restore", quoted);
      return NULL;
    }
  spec = &type_specs[t];
  type = spec->name;

  for (Field f = 0; f < N_FIELDS; f++)
    {
      if (values[f] != NULL)
        present |= BIT (f);
      if (values[f] != NULL && !((spec->required | spec->optional) & BIT (f)))
        {
          g_set_error (error, HORMIGA_CONTINGENCY_ERROR, HORMIGA_CONTINGENCY_ERROR_MALFORMED,
                       "%s %s does not carry \"%s\"", article (type), type, field_names[f]);
          return NULL;
        }
      if (values[f] == NULL && (spec->required & BIT (f)))
        {
          g_set_error (error, HORMIGA_CONTINGENCY_ERROR, HORMIGA_CONTINGENCY_ERROR_MALFORMED,
                       "%s %s needs \"%s\": %s; it is missing", article (type), type,
                       field_names[f], field_expected[f]);
          return NULL;
        }
    }

  message = hormiga_contingency_message_new (t);
  for (Field f = 0; f < N_FIELDS; f++)
    if (values[f] != NULL && !get_field (message, f, values[f], error))
      return NULL;

  /* The blob: "blob-size" alone only to say there is none; otherwise all
   * three, and the chunk inside the whole. */
  if ((present & BLOB_FIELDS) != 0 && (present & BLOB_FIELDS) != BLOB_FIELDS &&
      !((present & BLOB_FIELDS) == BIT (FIELD_BLOB_SIZE) && message->blob_size == 0))
    {
      g_set_error (error, HORMIGA_CONTINGENCY_ERROR, HORMIGA_CONTINGENCY_ERROR_MALFORMED,
                   "%s %s carries part of the private blob without all of \"blob-size\", "
                   "\"blob-offset\" and \"blob\" (\"blob-size\": 0 alone says there is none)",
                   article (type), type);
      return NULL;
    }
  if (message->blob != NULL &&
      (message->blob_offset > message->blob_size ||
       g_bytes_get_size (message->blob) > message->blob_size - message->blob_offset))
    {
      g_set_error (error, HORMIGA_CONTINGENCY_ERROR, HORMIGA_CONTINGENCY_ERROR_MALFORMED,
                   "\"blob\" in %s %s runs past \"blob-size\": %" G_GSIZE_FORMAT " bytes at offset %"
                   G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT, article (type), type,
                   g_bytes_get_size (message->blob), message->blob_offset, message->blob_size);
      return NULL;
    }
  return g_steal_pointer (&message);
}

/* Looser than the field limits, so that a field slightly over its limit
 * gets an error naming it; tight enough that msgpack-c never unpacks much. */
static const HormigaWireLimits message_limits = {
  .max_frame_size = HORMIGA_CONTINGENCY_MESSAGE_MAX_SIZE,
  .max_depth = 4,
  .max_string_length = 1024,
  .max_binary_length = HORMIGA_CONTINGENCY_MESSAGE_MAX_SIZE,
  .max_array_length = 512,
  .max_map_length = 32,
  .max_total_items = 1024,
};

/**
 * hormiga_contingency_message_decode:
 * @bytes: one data channel message
 * @error: return location for a #HORMIGA_CONTINGENCY_ERROR
 *
 * Decodes one contingency message. Everything docs/PROTOCOL.md
 * ("Contingency") does not allow is refused: TOO_LARGE for a size or count
 * above its limit, UNKNOWN_TYPE for a "t" this version does not know,
 * MALFORMED for the rest.
 *
 * Returns: (transfer full) (nullable): the message, or %NULL with @error set
 */
HormigaContingencyMessage *
hormiga_contingency_message_decode (GBytes  *bytes,
                                    GError **error)
{
  g_autoptr(GError) wire_error = NULL;
  msgpack_unpacked unpacked;
  msgpack_unpack_return status;
  HormigaContingencyMessage *message;
  size_t offset = 0;
  gsize length = 0;
  const guint8 *data;

  g_return_val_if_fail (bytes != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  data = g_bytes_get_data (bytes, &length);
  if (!hormiga_wire_check (data, length, &message_limits, &wire_error))
    {
      gboolean too_large = hormiga_wire_error_is_over_limit (wire_error);

      g_set_error (error, HORMIGA_CONTINGENCY_ERROR,
                   too_large ? HORMIGA_CONTINGENCY_ERROR_TOO_LARGE : HORMIGA_CONTINGENCY_ERROR_MALFORMED,
                   "contingency message: %s", wire_error->message);
      return NULL;
    }

  msgpack_unpacked_init (&unpacked);
  status = msgpack_unpack_next (&unpacked, (const char *) data, length, &offset);
  if (status != MSGPACK_UNPACK_SUCCESS || offset != length)
    {
      msgpack_unpacked_destroy (&unpacked);
      g_set_error (error, HORMIGA_CONTINGENCY_ERROR, HORMIGA_CONTINGENCY_ERROR_MALFORMED,
                   "msgpack-c could not unpack the %" G_GSIZE_FORMAT "-byte contingency message "
                   "(status %d at offset %" G_GSIZE_FORMAT ") although it passed the wire check",
                   length, (int) status, (gsize) offset);
      return NULL;
    }
  message = message_from_map (&unpacked.data, error);
  msgpack_unpacked_destroy (&unpacked);
  return message;
}
