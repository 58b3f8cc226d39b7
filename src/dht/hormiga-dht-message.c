/* hormiga-dht-message.c — the DHT RPCs on the wire
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Decoding happens in three steps, like the envelope's: hormiga_wire_check()
 * bounds the raw bytes, msgpack-c unpacks them, and message_from_map() checks
 * every field against the table below. Nothing of the msgpack zone outlives
 * the decode call: PeerIDs, records and text are copied.
 */
#include <msgpack.h>
#include <string.h>

#include "hormiga-msgpack.h"
#include "hormiga-dht-error.h"
#include "hormiga-dht-message.h"
#include "hormiga-wire-error.h"
#include "hormiga-wire-limits.h"

#define VERSION 1
#define N_TYPES (HORMIGA_DHT_MESSAGE_LOOKUP + 1)

/* The fields after "v" and "t", in the order they are encoded. */
typedef enum {
  FIELD_ID,
  FIELD_CLIENT,
  FIELD_KEY,
  FIELD_RECORD,
  FIELD_RECORDS,
  FIELD_NODES,
  FIELD_CODE,
  FIELD_TEXT,
  FIELD_TO,
  FIELD_FROM,
  FIELD_HOPS,
  FIELD_SID,
  FIELD_PAYLOAD,
  FIELD_NAME,
  FIELD_KIND,
  N_FIELDS
} Field;

#define BIT(f) (1u << (f))

static const char *const field_names[N_FIELDS] = {
  [FIELD_ID] = "id",
  [FIELD_CLIENT] = "client",
  [FIELD_KEY] = "key",
  [FIELD_RECORD] = "record",
  [FIELD_RECORDS] = "records",
  [FIELD_NODES] = "nodes",
  [FIELD_CODE] = "code",
  [FIELD_TEXT] = "text",
  [FIELD_TO] = "to",
  [FIELD_FROM] = "from",
  [FIELD_HOPS] = "hops",
  [FIELD_SID] = "sid",
  [FIELD_PAYLOAD] = "payload",
  [FIELD_NAME] = "name",
  [FIELD_KIND] = "kind",
};

typedef struct
{
  const char *name;
  guint       required;  /* BIT()s of the fields the type must carry */
  guint       optional;  /* … and of those it may carry */
} TypeSpec;

#define REQUEST BIT (FIELD_CLIENT)

static const TypeSpec type_specs[N_TYPES] = {
  [HORMIGA_DHT_MESSAGE_PING] = { "ping", BIT (FIELD_ID), REQUEST },
  [HORMIGA_DHT_MESSAGE_PONG] = { "pong", BIT (FIELD_ID), 0 },
  [HORMIGA_DHT_MESSAGE_FIND_NODE] = { "find-node", BIT (FIELD_ID) | BIT (FIELD_KEY), REQUEST },
  [HORMIGA_DHT_MESSAGE_NODES] = { "nodes", BIT (FIELD_ID) | BIT (FIELD_NODES), 0 },
  [HORMIGA_DHT_MESSAGE_GET_VALUE] = { "get-value", BIT (FIELD_ID) | BIT (FIELD_KEY), REQUEST },
  [HORMIGA_DHT_MESSAGE_VALUE] = { "value", BIT (FIELD_ID) | BIT (FIELD_NODES),
                                  BIT (FIELD_RECORD) },
  [HORMIGA_DHT_MESSAGE_PUT_VALUE] = { "put-value", BIT (FIELD_ID) | BIT (FIELD_RECORD),
                                      REQUEST },
  [HORMIGA_DHT_MESSAGE_ADD_PROVIDER] = { "add-provider", BIT (FIELD_ID) | BIT (FIELD_RECORD),
                                         REQUEST },
  [HORMIGA_DHT_MESSAGE_STORED] = { "stored", BIT (FIELD_ID), 0 },
  [HORMIGA_DHT_MESSAGE_GET_PROVIDERS] = { "get-providers", BIT (FIELD_ID) | BIT (FIELD_KEY),
                                          REQUEST },
  [HORMIGA_DHT_MESSAGE_PROVIDERS] = { "providers",
                                      BIT (FIELD_ID) | BIT (FIELD_RECORDS) | BIT (FIELD_NODES),
                                      0 },
  [HORMIGA_DHT_MESSAGE_ERROR] = { "error", BIT (FIELD_ID) | BIT (FIELD_CODE) | BIT (FIELD_TEXT),
                                  0 },
  [HORMIGA_DHT_MESSAGE_RELAY] = { "relay",
                                  BIT (FIELD_ID) | BIT (FIELD_TO) | BIT (FIELD_FROM) |
                                  BIT (FIELD_HOPS) | BIT (FIELD_SID) | BIT (FIELD_PAYLOAD),
                                  0 },
  [HORMIGA_DHT_MESSAGE_HELLO] = { "hello", BIT (FIELD_ID), BIT (FIELD_NAME) },
  [HORMIGA_DHT_MESSAGE_LOOKUP] = { "lookup", BIT (FIELD_ID) | BIT (FIELD_KEY) | BIT (FIELD_KIND),
                                   REQUEST },
};

/* The lookups a lookup request may ask for. */
static gboolean
is_lookup_kind (HormigaDhtMessageType kind)
{
  return kind == HORMIGA_DHT_MESSAGE_FIND_NODE || kind == HORMIGA_DHT_MESSAGE_GET_VALUE ||
         kind == HORMIGA_DHT_MESSAGE_GET_PROVIDERS;
}

const char *
hormiga_dht_message_type_to_string (HormigaDhtMessageType type)
{
  if ((guint) type >= N_TYPES)
    return "unknown";
  return type_specs[type].name;
}

gboolean
hormiga_dht_message_is_request (HormigaDhtMessageType type)
{
  return (guint) type < N_TYPES && (type_specs[type].optional & REQUEST) != 0;
}

/* ---- construction ------------------------------------------------------ */

HormigaDhtMessage *
hormiga_dht_message_new (HormigaDhtMessageType type,
                         guint32               id)
{
  HormigaDhtMessage *message;

  g_return_val_if_fail ((guint) type < N_TYPES, NULL);

  message = g_new0 (HormigaDhtMessage, 1);
  message->type = type;
  message->id = id;
  message->nodes = g_ptr_array_new_with_free_func ((GDestroyNotify) hormiga_peer_id_unref);
  message->records = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  return message;
}

void
hormiga_dht_message_free (HormigaDhtMessage *message)
{
  if (message == NULL)
    return;

  g_clear_pointer (&message->nodes, g_ptr_array_unref);
  g_clear_pointer (&message->record, g_bytes_unref);
  g_clear_pointer (&message->records, g_ptr_array_unref);
  g_free (message->text);
  g_clear_pointer (&message->to, hormiga_peer_id_unref);
  g_clear_pointer (&message->from, hormiga_peer_id_unref);
  g_free (message->sid);
  g_clear_pointer (&message->payload, g_bytes_unref);
  g_free (message->name);
  g_free (message);
}

/* ---- display names ----------------------------------------------------- */

gboolean
hormiga_dht_message_check_name (const char  *name,
                                gssize       length,
                                GError     **error)
{
  gsize size;
  const char *end;

  g_return_val_if_fail (name != NULL || length == 0, FALSE);

  size = length < 0 ? strlen (name) : (gsize) length;
  if (size == 0)
    {
      g_set_error_literal (error, HORMIGA_DHT_ERROR, HORMIGA_DHT_ERROR_MALFORMED,
                           "a display name is 1 to " G_STRINGIFY (HORMIGA_DHT_HELLO_MAX_NAME)
                           " bytes; this one is empty (leave it out for none)");
      return FALSE;
    }
  if (size > HORMIGA_DHT_HELLO_MAX_NAME)
    {
      g_set_error (error, HORMIGA_DHT_ERROR, HORMIGA_DHT_ERROR_TOO_LARGE,
                   "a display name is at most %u bytes of UTF-8; this one is %" G_GSIZE_FORMAT,
                   HORMIGA_DHT_HELLO_MAX_NAME, size);
      return FALSE;
    }
  end = memchr (name, '\0', size);
  if (end != NULL)
    {
      g_set_error (error, HORMIGA_DHT_ERROR, HORMIGA_DHT_ERROR_MALFORMED,
                   "a display name must not hold control characters; U+0000 at byte %"
                   G_GSIZE_FORMAT " is one", (gsize) (end - name));
      return FALSE;
    }
  if (!g_utf8_validate_len (name, size, &end))
    {
      g_set_error (error, HORMIGA_DHT_ERROR, HORMIGA_DHT_ERROR_MALFORMED,
                   "a display name must be UTF-8; byte %" G_GSIZE_FORMAT " is not",
                   (gsize) (end - name));
      return FALSE;
    }
  for (const char *p = name; p < name + size; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      GUnicodeType type = g_unichar_type (c);

      /* Controls, line breaks, and the bidirectional controls that could
       * make a name read as another one. */
      if (type == G_UNICODE_CONTROL || type == G_UNICODE_LINE_SEPARATOR ||
          type == G_UNICODE_PARAGRAPH_SEPARATOR || c == 0x061C || c == 0x200E || c == 0x200F ||
          (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069))
        {
          g_set_error (error, HORMIGA_DHT_ERROR, HORMIGA_DHT_ERROR_MALFORMED,
                       "a display name must not hold control characters; U+%04X at byte %"
                       G_GSIZE_FORMAT " is one", c, (gsize) (p - name));
          return FALSE;
        }
    }
  return TRUE;
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
record_size_ok (GBytes *record)
{
  gsize size = record != NULL ? g_bytes_get_size (record) : 0;

  return size > 0 && size <= HORMIGA_DHT_MESSAGE_MAX_RECORD;
}

/**
 * hormiga_dht_message_encode:
 * @message: a message within the limits of hormiga-dht-message.h
 *
 * Encodes @message as one map: "v", "t", then the fields of its type in the
 * order of the Field enum (docs/PROTOCOL.md, "DHT messages"). "client" is
 * written only when TRUE, "record" in a value only when set; an error's
 * %NULL text is written as "". Fields that do not belong to the type are not
 * written. Every header takes its shortest form, so equal messages give equal
 * bytes, and decoding then encoding again gives the same bytes.
 *
 * Returns: (transfer full) (nullable): the message; %NULL (with a critical
 *   warning) if a field is beyond its limit or the result is above
 *   %HORMIGA_DHT_MESSAGE_MAX_SIZE (twenty provider records near the record
 *   limit do not fit)
 */
GBytes *
hormiga_dht_message_encode (const HormigaDhtMessage *message)
{
  g_autoptr(GByteArray) buffer = NULL;
  const TypeSpec *spec;
  guint n_nodes, n_records;
  msgpack_packer packer;
  guint fields;
  const char *text;

  g_return_val_if_fail (message != NULL, NULL);
  g_return_val_if_fail ((guint) message->type < N_TYPES, NULL);

  spec = &type_specs[message->type];
  n_nodes = message->nodes != NULL ? message->nodes->len : 0;
  n_records = message->records != NULL ? message->records->len : 0;
  text = message->text != NULL ? message->text : "";

  fields = spec->required;
  if ((spec->optional & BIT (FIELD_CLIENT)) && message->client)
    fields |= BIT (FIELD_CLIENT);
  if ((spec->optional & BIT (FIELD_RECORD)) && message->record != NULL)
    fields |= BIT (FIELD_RECORD);
  if ((spec->optional & BIT (FIELD_NAME)) && message->name != NULL)
    fields |= BIT (FIELD_NAME);

  if (fields & BIT (FIELD_NODES))
    {
      g_return_val_if_fail (n_nodes <= HORMIGA_DHT_MESSAGE_MAX_NODES, NULL);
      for (guint i = 0; i < n_nodes; i++)
        g_return_val_if_fail (g_ptr_array_index (message->nodes, i) != NULL, NULL);
    }
  if (fields & BIT (FIELD_RECORDS))
    {
      g_return_val_if_fail (n_records <= HORMIGA_DHT_MESSAGE_MAX_RECORDS, NULL);
      for (guint i = 0; i < n_records; i++)
        g_return_val_if_fail (record_size_ok (g_ptr_array_index (message->records, i)), NULL);
    }
  if (fields & BIT (FIELD_RECORD))
    g_return_val_if_fail (record_size_ok (message->record), NULL);
  if (fields & BIT (FIELD_TEXT))
    {
      g_return_val_if_fail (strlen (text) <= HORMIGA_DHT_MESSAGE_MAX_TEXT, NULL);
      g_return_val_if_fail (g_utf8_validate (text, -1, NULL), NULL);
    }
  if (fields & BIT (FIELD_TO))
    {
      g_return_val_if_fail (message->to != NULL && message->from != NULL, NULL);
      g_return_val_if_fail (message->hops >= 1 && message->hops <= HORMIGA_DHT_RELAY_MAX_HOPS, NULL);
      g_return_val_if_fail (message->sid != NULL && message->sid[0] != '\0' &&
                            strlen (message->sid) <= HORMIGA_DHT_RELAY_MAX_SID &&
                            g_utf8_validate (message->sid, -1, NULL), NULL);
      g_return_val_if_fail (message->payload != NULL && g_bytes_get_size (message->payload) > 0 &&
                            g_bytes_get_size (message->payload) <= HORMIGA_DHT_RELAY_MAX_PAYLOAD,
                            NULL);
    }
  if (fields & BIT (FIELD_KIND))
    g_return_val_if_fail (is_lookup_kind (message->kind), NULL);

  if (fields & BIT (FIELD_NAME))
    g_return_val_if_fail (hormiga_dht_message_check_name (message->name, -1, NULL), NULL);

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
        case FIELD_ID:
          msgpack_pack_uint64 (&packer, message->id);
          break;

        case FIELD_CLIENT:
          msgpack_pack_true (&packer);
          break;

        case FIELD_KEY:
          hormiga_msgpack_pack_bin (&packer, message->key.bytes, HORMIGA_DHT_KEY_SIZE);
          break;

        case FIELD_RECORD:
          {
            gsize size = 0;
            const void *data = g_bytes_get_data (message->record, &size);

            hormiga_msgpack_pack_bin (&packer, data, size);
          }
          break;

        case FIELD_RECORDS:
          msgpack_pack_array (&packer, n_records);
          for (guint i = 0; i < n_records; i++)
            {
              gsize size = 0;
              const void *data = g_bytes_get_data (g_ptr_array_index (message->records, i), &size);

              hormiga_msgpack_pack_bin (&packer, data, size);
            }
          break;

        case FIELD_NODES:
          msgpack_pack_array (&packer, n_nodes);
          for (guint i = 0; i < n_nodes; i++)
            {
              gsize size = 0;
              const guint8 *data =
                hormiga_peer_id_get_bytes (g_ptr_array_index (message->nodes, i), &size);

              hormiga_msgpack_pack_bin (&packer, data, size);
            }
          break;

        case FIELD_CODE:
          msgpack_pack_uint64 (&packer, message->code);
          break;

        case FIELD_TEXT:
          hormiga_msgpack_pack_str (&packer, text);
          break;

        case FIELD_TO:
        case FIELD_FROM:
          {
            gsize size = 0;
            const guint8 *data = hormiga_peer_id_get_bytes (f == FIELD_TO ? message->to
                                                                           : message->from, &size);

            hormiga_msgpack_pack_bin (&packer, data, size);
          }
          break;

        case FIELD_HOPS:
          msgpack_pack_uint64 (&packer, message->hops);
          break;

        case FIELD_SID:
          hormiga_msgpack_pack_str (&packer, message->sid);
          break;

        case FIELD_PAYLOAD:
          {
            gsize size = 0;
            const void *data = g_bytes_get_data (message->payload, &size);

            hormiga_msgpack_pack_bin (&packer, data, size);
          }
          break;

        case FIELD_NAME:
          hormiga_msgpack_pack_str (&packer, message->name);
          break;

        case FIELD_KIND:
          hormiga_msgpack_pack_str (&packer, type_specs[message->kind].name);
          break;

        case N_FIELDS:
        default:
          g_assert_not_reached ();
        }
    }

  if (buffer->len > HORMIGA_DHT_MESSAGE_MAX_SIZE)
    {
      g_critical ("%s: this %s message would be %u bytes; the limit is %u (send fewer or "
                  "smaller records)", G_STRFUNC, spec->name, buffer->len,
                  (guint) HORMIGA_DHT_MESSAGE_MAX_SIZE);
      return NULL;
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&buffer));
}

/* ---- decoding ---------------------------------------------------------- */

/* "a ping", "an add-provider", "an error". */
static const char *
article (const char *name)
{
  return strchr ("aeiou", name[0]) != NULL ? "an" : "a";
}

/* "a find-node needs "key": 32 bytes; got bin of 31 bytes". */
static gboolean
set_wrong (GError               **error,
           HormigaDhtError        code,
           const char            *type,
           const char            *field,
           const char            *expected,
           const msgpack_object  *got)
{
  g_autofree char *description = hormiga_msgpack_describe (got);

  g_set_error (error, HORMIGA_DHT_ERROR, code, "%s %s needs \"%s\": %s; got %s",
               article (type), type, field, expected, description);
  return FALSE;
}

static gboolean
get_uint32 (const msgpack_object  *object,
            const char            *type,
            const char            *field,
            guint32               *out,
            GError               **error)
{
  if (object->type != MSGPACK_OBJECT_POSITIVE_INTEGER || object->via.u64 > G_MAXUINT32)
    return set_wrong (error, HORMIGA_DHT_ERROR_MALFORMED, type, field,
                      "a uint of at most 4294967295", object);
  *out = (guint32) object->via.u64;
  return TRUE;
}

/* An encoded record: a bin of 1 to HORMIGA_DHT_MESSAGE_MAX_RECORD bytes. */
static GBytes *
get_record (const msgpack_object  *object,
            const char            *type,
            const char            *field,
            GError               **error)
{
  if (object->type != MSGPACK_OBJECT_BIN || object->via.bin.size == 0)
    {
      g_autofree char *expected =
        g_strdup_printf ("an encoded record, a bin of 1 to %u bytes",
                         (guint) HORMIGA_DHT_MESSAGE_MAX_RECORD);

      set_wrong (error, HORMIGA_DHT_ERROR_MALFORMED, type, field, expected, object);
      return NULL;
    }
  if (object->via.bin.size > HORMIGA_DHT_MESSAGE_MAX_RECORD)
    {
      g_set_error (error, HORMIGA_DHT_ERROR, HORMIGA_DHT_ERROR_TOO_LARGE,
                   "\"%s\" in %s %s is %u bytes; the limit for a record is %u",
                   field, article (type), type, object->via.bin.size,
                   (guint) HORMIGA_DHT_MESSAGE_MAX_RECORD);
      return NULL;
    }
  return g_bytes_new (object->via.bin.ptr, object->via.bin.size);
}

/* An array of at most @max elements; the elements are checked by the caller. */
static gboolean
check_array (const msgpack_object  *object,
             const char            *type,
             const char            *field,
             guint                  max,
             const char            *expected,
             GError               **error)
{
  if (object->type != MSGPACK_OBJECT_ARRAY)
    return set_wrong (error, HORMIGA_DHT_ERROR_MALFORMED, type, field, expected, object);
  if (object->via.array.size > max)
    {
      g_set_error (error, HORMIGA_DHT_ERROR, HORMIGA_DHT_ERROR_TOO_LARGE,
                   "\"%s\" in %s %s has %u elements; the limit is %u",
                   field, article (type), type, object->via.array.size, max);
      return FALSE;
    }
  return TRUE;
}

static gboolean
get_nodes (const msgpack_object  *object,
           const char            *type,
           GPtrArray             *nodes,
           GError               **error)
{
  static const char expected[] =
    "an array of at most " G_STRINGIFY (HORMIGA_DHT_MESSAGE_MAX_NODES) " PeerIDs, each a bin of "
    G_STRINGIFY (HORMIGA_PEER_ID_LENGTH) " bytes";

  if (!check_array (object, type, "nodes", HORMIGA_DHT_MESSAGE_MAX_NODES, expected, error))
    return FALSE;

  for (guint32 i = 0; i < object->via.array.size; i++)
    {
      const msgpack_object *element = &object->via.array.ptr[i];
      g_autoptr(GError) local_error = NULL;
      HormigaPeerId *peer;

      if (element->type != MSGPACK_OBJECT_BIN || element->via.bin.size != HORMIGA_PEER_ID_LENGTH)
        {
          g_autofree char *description = hormiga_msgpack_describe (element);

          g_set_error (error, HORMIGA_DHT_ERROR, HORMIGA_DHT_ERROR_MALFORMED,
                       "\"nodes[%u]\" in %s %s must be a PeerID, a bin of %u bytes; got %s",
                       i, article (type), type, HORMIGA_PEER_ID_LENGTH, description);
          return FALSE;
        }
      peer = hormiga_peer_id_new_contact_from_bytes ((const guint8 *) element->via.bin.ptr,
                                                     element->via.bin.size, &local_error);
      if (peer == NULL)
        {
          g_set_error (error, HORMIGA_DHT_ERROR, HORMIGA_DHT_ERROR_MALFORMED,
                       "\"nodes[%u]\" in %s %s is not a valid PeerID: %s",
                       i, article (type), type, local_error->message);
          return FALSE;
        }
      g_ptr_array_add (nodes, peer);
    }
  return TRUE;
}

static gboolean
get_records (const msgpack_object  *object,
             const char            *type,
             GPtrArray             *records,
             GError               **error)
{
  static const char expected[] =
    "an array of at most " G_STRINGIFY (HORMIGA_DHT_MESSAGE_MAX_RECORDS) " encoded records";

  if (!check_array (object, type, "records", HORMIGA_DHT_MESSAGE_MAX_RECORDS, expected, error))
    return FALSE;

  for (guint32 i = 0; i < object->via.array.size; i++)
    {
      g_autofree char *element = g_strdup_printf ("records[%u]", i);
      GBytes *record = get_record (&object->via.array.ptr[i], type, element, error);

      if (record == NULL)
        return FALSE;
      g_ptr_array_add (records, record);
    }
  return TRUE;
}

static gboolean
get_text (const msgpack_object  *object,
          const char            *type,
          char                 **out,
          GError               **error)
{
  static const char expected[] =
    "a str of at most " G_STRINGIFY (HORMIGA_DHT_MESSAGE_MAX_TEXT) " bytes";

  if (object->type != MSGPACK_OBJECT_STR)
    return set_wrong (error, HORMIGA_DHT_ERROR_MALFORMED, type, "text", expected, object);
  if (object->via.str.size > HORMIGA_DHT_MESSAGE_MAX_TEXT)
    {
      g_set_error (error, HORMIGA_DHT_ERROR, HORMIGA_DHT_ERROR_TOO_LARGE,
                   "\"text\" in %s %s is %u bytes; the limit is %u",
                   article (type), type, object->via.str.size, HORMIGA_DHT_MESSAGE_MAX_TEXT);
      return FALSE;
    }
  if (memchr (object->via.str.ptr, '\0', object->via.str.size) != NULL)
    {
      g_set_error (error, HORMIGA_DHT_ERROR, HORMIGA_DHT_ERROR_MALFORMED,
                   "\"text\" in %s %s contains a NUL byte; text must not", article (type), type);
      return FALSE;
    }
  *out = g_strndup (object->via.str.ptr, object->via.str.size);
  return TRUE;
}

static HormigaDhtMessage *
message_from_map (const msgpack_object  *root,
                  GError               **error)
{
  const msgpack_object *version = NULL;
  const msgpack_object *type_name = NULL;
  const msgpack_object *values[N_FIELDS] = { NULL };
  g_autoptr(HormigaDhtMessage) message = NULL;
  const msgpack_object_map *map;
  const TypeSpec *spec;
  const char *type;
  guint t;

  if (root->type != MSGPACK_OBJECT_MAP)
    {
      g_autofree char *description = hormiga_msgpack_describe (root);

      g_set_error (error, HORMIGA_DHT_ERROR, HORMIGA_DHT_ERROR_MALFORMED,
                   "a DHT message is a map with \"v\", \"t\" and \"id\"; got %s", description);
      return NULL;
    }

  /* First pass: every key is a str and no known key appears twice. */
  map = &root->via.map;
  for (guint32 i = 0; i < map->size; i++)
    {
      const msgpack_object *key = &map->ptr[i].key;
      const msgpack_object **slot = NULL;
      const char *name = NULL;

      if (key->type != MSGPACK_OBJECT_STR)
        {
          g_autofree char *description = hormiga_msgpack_describe (key);

          g_set_error (error, HORMIGA_DHT_ERROR, HORMIGA_DHT_ERROR_MALFORMED,
                       "key %u of the DHT message is %s; keys must be str", i, description);
          return NULL;
        }

      if (hormiga_msgpack_key_is (key, "v"))
        {
          slot = &version;
          name = "v";
        }
      else if (hormiga_msgpack_key_is (key, "t"))
        {
          slot = &type_name;
          name = "t";
        }
      else
        {
          for (Field f = 0; f < N_FIELDS && slot == NULL; f++)
            if (hormiga_msgpack_key_is (key, field_names[f]))
              {
                slot = &values[f];
                name = field_names[f];
              }
        }

      if (slot == NULL)
        continue;  /* unknown: a later version's optional field */
      if (*slot != NULL)
        {
          g_set_error (error, HORMIGA_DHT_ERROR, HORMIGA_DHT_ERROR_MALFORMED,
                       "\"%s\" appears twice in the DHT message; each key may appear once", name);
          return NULL;
        }
      *slot = &map->ptr[i].val;
    }

  if (version == NULL || version->type != MSGPACK_OBJECT_POSITIVE_INTEGER ||
      version->via.u64 != VERSION)
    {
      g_autofree char *description = version != NULL ? hormiga_msgpack_describe (version) : NULL;

      g_set_error (error, HORMIGA_DHT_ERROR, HORMIGA_DHT_ERROR_MALFORMED,
                   "a DHT message needs \"v\": 1 (the only version this node speaks); got %s",
                   description != NULL ? description : "none");
      return NULL;
    }

  if (type_name == NULL || type_name->type != MSGPACK_OBJECT_STR)
    {
      g_autofree char *description = type_name != NULL ? hormiga_msgpack_describe (type_name) : NULL;

      g_set_error (error, HORMIGA_DHT_ERROR, HORMIGA_DHT_ERROR_MALFORMED,
                   "a DHT message needs \"t\": a str naming its type; got %s",
                   description != NULL ? description : "none");
      return NULL;
    }

  for (t = 0; t < N_TYPES; t++)
    if (hormiga_msgpack_key_is (type_name, type_specs[t].name))
      break;
  if (t == N_TYPES)
    {
      g_autofree char *quoted = hormiga_msgpack_quote_text (type_name->via.str.ptr, type_name->via.str.size);

      g_set_error (error, HORMIGA_DHT_ERROR, HORMIGA_DHT_ERROR_UNKNOWN_TYPE,
                   "DHT message type %s is unknown; this node knows ping, pong, find-node, "
                   "nodes, get-value, value, put-value, add-provider, stored, get-providers, "
                   "providers, error, relay, hello and lookup", quoted);
      return NULL;
    }
  spec = &type_specs[t];
  type = spec->name;

  /* Which fields may be there, and which must. */
  for (Field f = 0; f < N_FIELDS; f++)
    {
      guint bit = BIT (f);

      if (values[f] != NULL && !((spec->required | spec->optional) & bit))
        {
          g_set_error (error, HORMIGA_DHT_ERROR, HORMIGA_DHT_ERROR_MALFORMED,
                       "%s %s does not carry \"%s\"%s", article (type), type, field_names[f],
                       f == FIELD_CLIENT ? "; only requests do" : "");
          return NULL;
        }
      if (values[f] == NULL && (spec->required & bit))
        {
          static const char *const expected[N_FIELDS] = {
            [FIELD_ID] = "a uint of at most 4294967295",
            [FIELD_KEY] = G_STRINGIFY (HORMIGA_DHT_KEY_SIZE) " bytes",
            [FIELD_RECORD] = "an encoded record",
            [FIELD_RECORDS] = "an array of encoded records",
            [FIELD_NODES] = "an array of PeerIDs",
            [FIELD_CODE] = "a uint",
            [FIELD_TEXT] = "a str",
            [FIELD_TO] = "a PeerID",
            [FIELD_FROM] = "a PeerID",
            [FIELD_HOPS] = "a uint from 1 to 8",
            [FIELD_SID] = "a str of 1 to 64 bytes",
            [FIELD_PAYLOAD] = "a bin of 1 to 61440 bytes",
            [FIELD_NAME] = "a str of 1 to 64 bytes",
            [FIELD_KIND] = "\"find-node\", \"get-value\" or \"get-providers\"",
          };

          g_set_error (error, HORMIGA_DHT_ERROR, HORMIGA_DHT_ERROR_MALFORMED,
                       "%s %s needs \"%s\": %s; it is missing", article (type), type,
                       field_names[f], expected[f]);
          return NULL;
        }
    }

  message = hormiga_dht_message_new (t, 0);
  for (Field f = 0; f < N_FIELDS; f++)
    {
      const msgpack_object *value = values[f];

      if (value == NULL)
        continue;

      switch (f)
        {
        case FIELD_ID:
          if (!get_uint32 (value, type, "id", &message->id, error))
            return NULL;
          break;

        case FIELD_CLIENT:
          if (value->type != MSGPACK_OBJECT_BOOLEAN)
            {
              set_wrong (error, HORMIGA_DHT_ERROR_MALFORMED, type, "client", "a bool", value);
              return NULL;
            }
          message->client = value->via.boolean;
          break;

        case FIELD_KEY:
          if (value->type != MSGPACK_OBJECT_BIN || value->via.bin.size != HORMIGA_DHT_KEY_SIZE)
            {
              set_wrong (error, HORMIGA_DHT_ERROR_MALFORMED, type, "key",
                         G_STRINGIFY (HORMIGA_DHT_KEY_SIZE) " bytes", value);
              return NULL;
            }
          memcpy (message->key.bytes, value->via.bin.ptr, HORMIGA_DHT_KEY_SIZE);
          break;

        case FIELD_RECORD:
          message->record = get_record (value, type, "record", error);
          if (message->record == NULL)
            return NULL;
          break;

        case FIELD_RECORDS:
          if (!get_records (value, type, message->records, error))
            return NULL;
          break;

        case FIELD_NODES:
          if (!get_nodes (value, type, message->nodes, error))
            return NULL;
          break;

        case FIELD_CODE:
          {
            guint32 code = 0;

            if (!get_uint32 (value, type, "code", &code, error))
              return NULL;
            message->code = code;
          }
          break;

        case FIELD_TEXT:
          if (!get_text (value, type, &message->text, error))
            return NULL;
          break;

        case FIELD_TO:
        case FIELD_FROM:
          {
            g_autoptr(GError) local_error = NULL;
            HormigaPeerId *peer = NULL;

            if (value->type == MSGPACK_OBJECT_BIN && value->via.bin.size == HORMIGA_PEER_ID_LENGTH)
              peer = hormiga_peer_id_new_contact_from_bytes ((const guint8 *) value->via.bin.ptr,
                                                             value->via.bin.size, &local_error);
            if (peer == NULL)
              {
                set_wrong (error, HORMIGA_DHT_ERROR_MALFORMED, type, field_names[f],
                           "a PeerID, a bin of " G_STRINGIFY (HORMIGA_PEER_ID_LENGTH) " bytes",
                           value);
                return NULL;
              }
            if (f == FIELD_TO)
              message->to = peer;
            else
              message->from = peer;
          }
          break;

        case FIELD_HOPS:
          if (value->type != MSGPACK_OBJECT_POSITIVE_INTEGER || value->via.u64 < 1 ||
              value->via.u64 > HORMIGA_DHT_RELAY_MAX_HOPS)
            {
              set_wrong (error, HORMIGA_DHT_ERROR_MALFORMED, type, "hops", "a uint from 1 to 8",
                         value);
              return NULL;
            }
          message->hops = (guint) value->via.u64;
          break;

        case FIELD_SID:
          if (value->type != MSGPACK_OBJECT_STR || value->via.str.size == 0 ||
              value->via.str.size > HORMIGA_DHT_RELAY_MAX_SID ||
              memchr (value->via.str.ptr, '\0', value->via.str.size) != NULL ||
              !g_utf8_validate (value->via.str.ptr, value->via.str.size, NULL))
            {
              set_wrong (error, HORMIGA_DHT_ERROR_MALFORMED, type, "sid",
                         "a str of 1 to 64 bytes of UTF-8 without NUL", value);
              return NULL;
            }
          message->sid = g_strndup (value->via.str.ptr, value->via.str.size);
          break;

        case FIELD_PAYLOAD:
          if (value->type != MSGPACK_OBJECT_BIN || value->via.bin.size == 0)
            {
              set_wrong (error, HORMIGA_DHT_ERROR_MALFORMED, type, "payload",
                         "a bin of 1 to 61440 bytes", value);
              return NULL;
            }
          if (value->via.bin.size > HORMIGA_DHT_RELAY_MAX_PAYLOAD)
            {
              g_set_error (error, HORMIGA_DHT_ERROR, HORMIGA_DHT_ERROR_TOO_LARGE,
                           "\"payload\" in a relay is %u bytes; the limit is %u",
                           value->via.bin.size, (guint) HORMIGA_DHT_RELAY_MAX_PAYLOAD);
              return NULL;
            }
          message->payload = g_bytes_new (value->via.bin.ptr, value->via.bin.size);
          break;

        case FIELD_NAME:
          {
            g_autoptr(GError) local_error = NULL;

            if (value->type != MSGPACK_OBJECT_STR)
              {
                set_wrong (error, HORMIGA_DHT_ERROR_MALFORMED, type, "name",
                           "a str of 1 to 64 bytes of UTF-8 without control characters", value);
                return NULL;
              }
            if (!hormiga_dht_message_check_name (value->via.str.ptr, value->via.str.size,
                                                 &local_error))
              {
                g_set_error (error, HORMIGA_DHT_ERROR, local_error->code, "\"name\" in a hello: %s",
                             local_error->message);
                return NULL;
              }
            message->name = g_strndup (value->via.str.ptr, value->via.str.size);
          }
          break;

        case FIELD_KIND:
          {
            guint k = N_TYPES;

            if (value->type == MSGPACK_OBJECT_STR &&
                value->via.str.size <= HORMIGA_DHT_LOOKUP_MAX_KIND)
              for (k = 0; k < N_TYPES; k++)
                if (is_lookup_kind (k) && hormiga_msgpack_key_is (value, type_specs[k].name))
                  break;
            if (k == N_TYPES)
              {
                set_wrong (error, HORMIGA_DHT_ERROR_MALFORMED, type, "kind",
                           "\"find-node\", \"get-value\" or \"get-providers\"", value);
                return NULL;
              }
            message->kind = k;
          }
          break;

        case N_FIELDS:
        default:
          g_assert_not_reached ();
        }
    }

  return g_steal_pointer (&message);
}

/* The structural pre-check: looser than the field limits, so that a field
 * slightly over its limit gets an error naming the field, yet tight enough
 * that msgpack-c never unpacks much. Unknown keys may hold nested values of
 * a later version. */
static const HormigaWireLimits message_limits = {
  .max_frame_size = HORMIGA_DHT_MESSAGE_MAX_SIZE,
  .max_depth = 4,
  .max_string_length = 1024,
  .max_binary_length = HORMIGA_DHT_MESSAGE_MAX_SIZE,
  .max_array_length = 64,
  .max_map_length = 32,
  .max_total_items = 512,
};

/**
 * hormiga_dht_message_decode:
 * @bytes: one data channel message
 * @error: return location for a #HORMIGA_DHT_ERROR
 *
 * Decodes one DHT message. Everything docs/PROTOCOL.md ("DHT messages")
 * does not allow is refused: %HORMIGA_DHT_ERROR_TOO_LARGE for a size or
 * count above its limit, %HORMIGA_DHT_ERROR_UNKNOWN_TYPE for a "t" this
 * version does not know, %HORMIGA_DHT_ERROR_MALFORMED for the rest.
 *
 * Returns: (transfer full) (nullable): the message, or %NULL with @error set
 */
HormigaDhtMessage *
hormiga_dht_message_decode (GBytes  *bytes,
                            GError **error)
{
  g_autoptr(GError) wire_error = NULL;
  msgpack_unpacked unpacked;
  msgpack_unpack_return status;
  HormigaDhtMessage *message;
  size_t offset = 0;
  gsize length = 0;
  const guint8 *data;

  g_return_val_if_fail (bytes != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  data = g_bytes_get_data (bytes, &length);
  if (!hormiga_wire_check (data, length, &message_limits, &wire_error))
    {
      gboolean too_large = hormiga_wire_error_is_over_limit (wire_error);

      g_set_error (error, HORMIGA_DHT_ERROR,
                   too_large ? HORMIGA_DHT_ERROR_TOO_LARGE : HORMIGA_DHT_ERROR_MALFORMED,
                   "DHT message: %s", wire_error->message);
      return NULL;
    }

  msgpack_unpacked_init (&unpacked);
  status = msgpack_unpack_next (&unpacked, (const char *) data, length, &offset);
  if (status != MSGPACK_UNPACK_SUCCESS || offset != length)
    {
      /* The wire check passed, so this is msgpack-c running out of memory
       * or disagreeing with the checker: report, do not guess. */
      msgpack_unpacked_destroy (&unpacked);
      g_set_error (error, HORMIGA_DHT_ERROR, HORMIGA_DHT_ERROR_MALFORMED,
                   "msgpack-c could not unpack the %" G_GSIZE_FORMAT "-byte DHT message (status "
                   "%d at offset %" G_GSIZE_FORMAT ") although it passed the wire check",
                   length, (int) status, (gsize) offset);
      return NULL;
    }

  message = message_from_map (&unpacked.data, error);
  msgpack_unpacked_destroy (&unpacked);
  return message;
}
