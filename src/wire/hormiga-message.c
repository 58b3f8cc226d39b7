/* hormiga-message.c — encoding and strict decoding of envelopes
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Decoding happens in three steps: hormiga_wire_check() bounds the raw bytes,
 * msgpack-c unpacks them into a zone, and message_from_object() turns the
 * object tree into a HormigaMessage, checking every field. Nothing of the
 * zone outlives the decode call: strings and payloads are copied.
 */
#include "hormiga-msgpack.h"
#include "hormiga-message.h"

#include <msgpack.h>
#include <string.h>

#include "hormiga-wire-error.h"

G_DEFINE_BOXED_TYPE (HormigaMessage, hormiga_message, hormiga_message_copy, hormiga_message_free)

#define MAX_FIELDS 4

typedef struct
{
  const char *name;
  /* Field names in encoding order; NULL-padded. */
  const char *fields[MAX_FIELDS];
} TypeSpec;

static const TypeSpec type_specs[HORMIGA_MESSAGE_N_TYPES] = {
  [HORMIGA_MESSAGE_CHALLENGE] = { "challenge", { "nonce", "server" } },
  [HORMIGA_MESSAGE_JOIN]      = { "join", { "key", "sig", "client" } },
  [HORMIGA_MESSAGE_WELCOME]   = { "welcome", { "id", "peers", "turn" } },
  [HORMIGA_MESSAGE_SIGNAL]    = { "signal", { "to", "from", "sid", "payload" } },
  [HORMIGA_MESSAGE_ERROR]     = { "error", { "code", "message", "sid" } },
  [HORMIGA_MESSAGE_PING]      = { "ping", { "seq" } },
  [HORMIGA_MESSAGE_PONG]      = { "pong", { "seq" } },
};

/* Indices into the fields found for each type (same order as type_specs). */
enum { CHALLENGE_NONCE, CHALLENGE_SERVER };
enum { JOIN_KEY, JOIN_SIG, JOIN_CLIENT };
enum { WELCOME_ID, WELCOME_PEERS, WELCOME_TURN };

#define TURN_MAX_URLS   4
#define TURN_MAX_STRING 256
enum { SIGNAL_TO, SIGNAL_FROM, SIGNAL_SID, SIGNAL_PAYLOAD };
enum { ERROR_CODE, ERROR_MESSAGE, ERROR_SID };
enum { PING_SEQ };

/**
 * hormiga_message_type_to_string:
 * @type: a message type
 *
 * Returns: (transfer none): the name @type has on the wire (the "t" field),
 *   or "unknown" for a value outside #HormigaMessageType.
 */
const char *
hormiga_message_type_to_string (HormigaMessageType type)
{
  if ((guint) type >= HORMIGA_MESSAGE_N_TYPES)
    return "unknown";
  return type_specs[type].name;
}

/* ---- construction ------------------------------------------------------ */

static HormigaMessage *
message_new (HormigaMessageType type)
{
  HormigaMessage *message = g_new0 (HormigaMessage, 1);

  message->type = type;
  return message;
}

HormigaMessage *
hormiga_message_new_challenge (const guint8  nonce[HORMIGA_NONCE_LENGTH],
                               const char   *server)
{
  HormigaMessage *message;

  g_return_val_if_fail (nonce != NULL, NULL);

  message = message_new (HORMIGA_MESSAGE_CHALLENGE);
  memcpy (message->challenge.nonce, nonce, HORMIGA_NONCE_LENGTH);
  message->challenge.server = g_strdup (server);
  return message;
}

HormigaMessage *
hormiga_message_new_join (const guint8  public_key[HORMIGA_PUBLIC_KEY_LENGTH],
                          const guint8  signature[HORMIGA_SIGNATURE_LENGTH])
{
  HormigaMessage *message;

  g_return_val_if_fail (public_key != NULL, NULL);
  g_return_val_if_fail (signature != NULL, NULL);

  message = message_new (HORMIGA_MESSAGE_JOIN);
  memcpy (message->join.public_key, public_key, HORMIGA_PUBLIC_KEY_LENGTH);
  memcpy (message->join.signature, signature, HORMIGA_SIGNATURE_LENGTH);
  return message;
}

static GPtrArray *
copy_string_array (GPtrArray *strings)
{
  GPtrArray *copy = g_ptr_array_new_full (strings != NULL ? strings->len : 0, g_free);

  for (guint i = 0; strings != NULL && i < strings->len; i++)
    g_ptr_array_add (copy, g_strdup (g_ptr_array_index (strings, i)));
  return copy;
}

HormigaMessage *
hormiga_message_new_welcome (const char *peer_id,
                             GPtrArray  *peers)
{
  HormigaMessage *message;

  g_return_val_if_fail (peer_id != NULL, NULL);

  message = message_new (HORMIGA_MESSAGE_WELCOME);
  message->welcome.peer_id = g_strdup (peer_id);
  message->welcome.peers = copy_string_array (peers);
  return message;
}

void
hormiga_message_set_welcome_turn (HormigaMessage *message,
                                  GPtrArray      *urls,
                                  const char     *username,
                                  const char     *credential)
{
  g_return_if_fail (message != NULL && message->type == HORMIGA_MESSAGE_WELCOME);
  g_return_if_fail (urls != NULL && urls->len >= 1 && urls->len <= TURN_MAX_URLS);
  g_return_if_fail (username != NULL && credential != NULL);

  g_clear_pointer (&message->welcome.turn_urls, g_ptr_array_unref);
  g_free (message->welcome.turn_username);
  g_free (message->welcome.turn_credential);
  message->welcome.turn_urls = copy_string_array (urls);
  message->welcome.turn_username = g_strdup (username);
  message->welcome.turn_credential = g_strdup (credential);
}

HormigaMessage *
hormiga_message_new_signal (const char *from,
                            const char *to,
                            const char *sid,
                            GBytes     *payload)
{
  HormigaMessage *message;

  g_return_val_if_fail (to != NULL, NULL);
  g_return_val_if_fail (sid != NULL, NULL);
  g_return_val_if_fail (payload != NULL, NULL);

  message = message_new (HORMIGA_MESSAGE_SIGNAL);
  message->signal.from = g_strdup (from);
  message->signal.to = g_strdup (to);
  message->signal.sid = g_strdup (sid);
  message->signal.payload = g_bytes_ref (payload);
  return message;
}

HormigaMessage *
hormiga_message_new_error (guint       code,
                           const char *text,
                           const char *sid)
{
  HormigaMessage *message;

  g_return_val_if_fail (text != NULL, NULL);

  message = message_new (HORMIGA_MESSAGE_ERROR);
  message->error.code = code;
  message->error.message = g_strdup (text);
  message->error.sid = g_strdup (sid);
  return message;
}

HormigaMessage *
hormiga_message_new_ping (guint64 seq)
{
  HormigaMessage *message = message_new (HORMIGA_MESSAGE_PING);

  message->ping.seq = seq;
  return message;
}

HormigaMessage *
hormiga_message_new_pong (guint64 seq)
{
  HormigaMessage *message = message_new (HORMIGA_MESSAGE_PONG);

  message->ping.seq = seq;
  return message;
}

HormigaMessage *
hormiga_message_copy (const HormigaMessage *message)
{
  HormigaMessage *copy;

  g_return_val_if_fail (message != NULL, NULL);

  copy = g_memdup2 (message, sizeof *message);
  switch (message->type)
    {
    case HORMIGA_MESSAGE_CHALLENGE:
      copy->challenge.server = g_strdup (message->challenge.server);
      break;

    case HORMIGA_MESSAGE_WELCOME:
      copy->welcome.peer_id = g_strdup (message->welcome.peer_id);
      copy->welcome.peers = copy_string_array (message->welcome.peers);
      copy->welcome.turn_urls = message->welcome.turn_urls ? copy_string_array (message->welcome.turn_urls) : NULL;
      copy->welcome.turn_username = g_strdup (message->welcome.turn_username);
      copy->welcome.turn_credential = g_strdup (message->welcome.turn_credential);
      break;

    case HORMIGA_MESSAGE_SIGNAL:
      copy->signal.from = g_strdup (message->signal.from);
      copy->signal.to = g_strdup (message->signal.to);
      copy->signal.sid = g_strdup (message->signal.sid);
      if (message->signal.payload != NULL)
        copy->signal.payload = g_bytes_ref (message->signal.payload);
      break;

    case HORMIGA_MESSAGE_ERROR:
      copy->error.message = g_strdup (message->error.message);
      copy->error.sid = g_strdup (message->error.sid);
      break;

    case HORMIGA_MESSAGE_JOIN:
    case HORMIGA_MESSAGE_PING:
    case HORMIGA_MESSAGE_PONG:
    case HORMIGA_MESSAGE_N_TYPES:
    default:
      break;
    }
  return copy;
}

void
hormiga_message_free (HormigaMessage *message)
{
  if (message == NULL)
    return;

  switch (message->type)
    {
    case HORMIGA_MESSAGE_CHALLENGE:
      g_free (message->challenge.server);
      break;

    case HORMIGA_MESSAGE_WELCOME:
      g_free (message->welcome.peer_id);
      g_clear_pointer (&message->welcome.peers, g_ptr_array_unref);
      g_clear_pointer (&message->welcome.turn_urls, g_ptr_array_unref);
      g_free (message->welcome.turn_username);
      g_free (message->welcome.turn_credential);
      break;

    case HORMIGA_MESSAGE_SIGNAL:
      g_free (message->signal.from);
      g_free (message->signal.to);
      g_free (message->signal.sid);
      g_clear_pointer (&message->signal.payload, g_bytes_unref);
      break;

    case HORMIGA_MESSAGE_ERROR:
      g_free (message->error.message);
      g_free (message->error.sid);
      break;

    case HORMIGA_MESSAGE_JOIN:
    case HORMIGA_MESSAGE_PING:
    case HORMIGA_MESSAGE_PONG:
    case HORMIGA_MESSAGE_N_TYPES:
    default:
      break;
    }
  g_free (message);
}

/* ---- encoding ---------------------------------------------------------- */

/* msgpack_packer writes through this into a GByteArray: GLib aborts on
 * out-of-memory, so encoding has no failure path (msgpack_sbuffer would
 * report it through every pack call instead). */
static int
write_to_byte_array (void       *data,
                     const char *buf,
                     size_t      len)
{
  g_byte_array_append (data, (const guint8 *) buf, len);
  return 0;
}

/* Starts the envelope map: its size, then "v" and "t". */
static void
pack_envelope (msgpack_packer     *packer,
               HormigaMessageType  type,
               size_t              n_fields)
{
  msgpack_pack_map (packer, 2 + n_fields);
  hormiga_msgpack_pack_str (packer, "v");
  msgpack_pack_uint64 (packer, HORMIGA_WIRE_VERSION);
  hormiga_msgpack_pack_str (packer, "t");
  hormiga_msgpack_pack_str (packer, type_specs[type].name);
}

/**
 * hormiga_message_encode:
 * @message: a message
 *
 * Encodes @message as one envelope: a map holding "v", "t", then the fields
 * of the type in the order docs/PROTOCOL.md lists them, optional fields left
 * out when unset. Integers, strings and binaries use their shortest
 * MessagePack form, so equal messages always give equal bytes.
 *
 * Returns: (transfer full): the frame
 */
GBytes *
hormiga_message_encode (const HormigaMessage *message)
{
  GByteArray *buffer;
  msgpack_packer packer;

  g_return_val_if_fail (message != NULL, NULL);
  g_return_val_if_fail ((guint) message->type < HORMIGA_MESSAGE_N_TYPES, NULL);

  buffer = g_byte_array_sized_new (64);
  msgpack_packer_init (&packer, buffer, write_to_byte_array);

  switch (message->type)
    {
    case HORMIGA_MESSAGE_CHALLENGE:
      pack_envelope (&packer, message->type, message->challenge.server != NULL ? 2 : 1);
      hormiga_msgpack_pack_str (&packer, "nonce");
      hormiga_msgpack_pack_bin (&packer, message->challenge.nonce, HORMIGA_NONCE_LENGTH);
      if (message->challenge.server != NULL)
        {
          hormiga_msgpack_pack_str (&packer, "server");
          hormiga_msgpack_pack_str (&packer, message->challenge.server);
        }
      break;

    case HORMIGA_MESSAGE_JOIN:
      pack_envelope (&packer, message->type, message->join.client ? 3 : 2);
      hormiga_msgpack_pack_str (&packer, "key");
      hormiga_msgpack_pack_bin (&packer, message->join.public_key, HORMIGA_PUBLIC_KEY_LENGTH);
      hormiga_msgpack_pack_str (&packer, "sig");
      hormiga_msgpack_pack_bin (&packer, message->join.signature, HORMIGA_SIGNATURE_LENGTH);
      if (message->join.client)
        {
          hormiga_msgpack_pack_str (&packer, "client");
          msgpack_pack_true (&packer);
        }
      break;

    case HORMIGA_MESSAGE_WELCOME:
      {
        GPtrArray *peers = message->welcome.peers;
        guint n_peers = peers != NULL ? peers->len : 0;

        GPtrArray *urls = message->welcome.turn_urls;

        pack_envelope (&packer, message->type, urls != NULL ? 3 : 2);
        hormiga_msgpack_pack_str (&packer, "id");
        hormiga_msgpack_pack_str (&packer, message->welcome.peer_id);
        hormiga_msgpack_pack_str (&packer, "peers");
        msgpack_pack_array (&packer, n_peers);
        for (guint i = 0; i < n_peers; i++)
          hormiga_msgpack_pack_str (&packer, g_ptr_array_index (peers, i));
        if (urls != NULL)
          {
            /* As a browser's RTCIceServer: {urls, username, credential}. */
            hormiga_msgpack_pack_str (&packer, "turn");
            msgpack_pack_map (&packer, 3);
            hormiga_msgpack_pack_str (&packer, "urls");
            msgpack_pack_array (&packer, urls->len);
            for (guint i = 0; i < urls->len; i++)
              hormiga_msgpack_pack_str (&packer, g_ptr_array_index (urls, i));
            hormiga_msgpack_pack_str (&packer, "username");
            hormiga_msgpack_pack_str (&packer, message->welcome.turn_username);
            hormiga_msgpack_pack_str (&packer, "credential");
            hormiga_msgpack_pack_str (&packer, message->welcome.turn_credential);
          }
      }
      break;

    case HORMIGA_MESSAGE_SIGNAL:
      {
        gsize size = 0;
        const void *data = NULL;

        if (message->signal.payload != NULL)
          data = g_bytes_get_data (message->signal.payload, &size);

        pack_envelope (&packer, message->type, message->signal.from != NULL ? 4 : 3);
        hormiga_msgpack_pack_str (&packer, "to");
        hormiga_msgpack_pack_str (&packer, message->signal.to);
        if (message->signal.from != NULL)
          {
            hormiga_msgpack_pack_str (&packer, "from");
            hormiga_msgpack_pack_str (&packer, message->signal.from);
          }
        hormiga_msgpack_pack_str (&packer, "sid");
        hormiga_msgpack_pack_str (&packer, message->signal.sid);
        hormiga_msgpack_pack_str (&packer, "payload");
        hormiga_msgpack_pack_bin (&packer, data, size);
      }
      break;

    case HORMIGA_MESSAGE_ERROR:
      pack_envelope (&packer, message->type, message->error.sid != NULL ? 3 : 2);
      hormiga_msgpack_pack_str (&packer, "code");
      msgpack_pack_uint64 (&packer, message->error.code);
      hormiga_msgpack_pack_str (&packer, "message");
      hormiga_msgpack_pack_str (&packer, message->error.message);
      if (message->error.sid != NULL)
        {
          hormiga_msgpack_pack_str (&packer, "sid");
          hormiga_msgpack_pack_str (&packer, message->error.sid);
        }
      break;

    case HORMIGA_MESSAGE_PING:
    case HORMIGA_MESSAGE_PONG:
      pack_envelope (&packer, message->type, 1);
      hormiga_msgpack_pack_str (&packer, "seq");
      msgpack_pack_uint64 (&packer, message->ping.seq);
      break;

    case HORMIGA_MESSAGE_N_TYPES:
    default:
      g_assert_not_reached ();
    }

  return g_byte_array_free_to_bytes (buffer);
}

/* ---- decoding ---------------------------------------------------------- */

static gboolean
set_invalid (GError               **error,
             const char            *type,
             const char            *field,
             const char            *expected,
             const msgpack_object  *got)
{
  g_autofree char *description = hormiga_msgpack_describe (got);

  g_set_error (error, HORMIGA_WIRE_ERROR, HORMIGA_WIRE_ERROR_INVALID_FIELD,
               "field \"%s\" of the %s message must be %s; got %s",
               field, type, expected, description);
  return FALSE;
}

static gboolean
check_present (const msgpack_object  *object,
               const char            *type,
               const char            *field,
               GError               **error)
{
  if (object != NULL)
    return TRUE;

  g_set_error (error, HORMIGA_WIRE_ERROR, HORMIGA_WIRE_ERROR_MISSING_FIELD,
               "the %s message has no \"%s\" field; it is required", type, field);
  return FALSE;
}

static gboolean
get_bin_exact (const msgpack_object  *object,
               const char            *type,
               const char            *field,
               guint8                *out,
               gsize                  size,
               GError               **error)
{
  if (!check_present (object, type, field, error))
    return FALSE;

  if (object->type != MSGPACK_OBJECT_BIN || object->via.bin.size != size)
    {
      g_autofree char *expected = g_strdup_printf ("bin of %" G_GSIZE_FORMAT " bytes", size);
      return set_invalid (error, type, field, expected, object);
    }

  memcpy (out, object->via.bin.ptr, size);
  return TRUE;
}

static gboolean
get_bytes (const msgpack_object  *object,
           const char            *type,
           const char            *field,
           GBytes               **out,
           GError               **error)
{
  if (!check_present (object, type, field, error))
    return FALSE;

  if (object->type != MSGPACK_OBJECT_BIN)
    return set_invalid (error, type, field, "bin", object);

  *out = g_bytes_new (object->via.bin.ptr, object->via.bin.size);
  return TRUE;
}

/* A str of @min_length to @max_length bytes without NUL bytes. @object may
 * be NULL for an optional field: then *out stays NULL. */
static gboolean
get_string (const msgpack_object  *object,
            const char            *type,
            const char            *field,
            gsize                  min_length,
            gsize                  max_length,
            char                 **out,
            GError               **error)
{
  g_autofree char *expected = NULL;
  gsize length;

  g_assert (object != NULL);

  if (max_length == G_MAXSIZE)
    expected = g_strdup ("a str");
  else if (min_length == 0)
    expected = g_strdup_printf ("a str of at most %" G_GSIZE_FORMAT " bytes", max_length);
  else
    expected = g_strdup_printf ("a str of %" G_GSIZE_FORMAT " to %" G_GSIZE_FORMAT " bytes",
                                min_length, max_length);

  if (object->type != MSGPACK_OBJECT_STR)
    return set_invalid (error, type, field, expected, object);

  length = object->via.str.size;
  if (length < min_length || length > max_length)
    return set_invalid (error, type, field, expected, object);

  if (memchr (object->via.str.ptr, '\0', length) != NULL)
    {
      g_set_error (error, HORMIGA_WIRE_ERROR, HORMIGA_WIRE_ERROR_INVALID_FIELD,
                   "field \"%s\" of the %s message contains a NUL byte; text fields must not",
                   field, type);
      return FALSE;
    }

  *out = g_strndup (object->via.str.ptr, length);
  return TRUE;
}

static gboolean
get_required_string (const msgpack_object  *object,
                     const char            *type,
                     const char            *field,
                     gsize                  min_length,
                     gsize                  max_length,
                     char                 **out,
                     GError               **error)
{
  return check_present (object, type, field, error) &&
         get_string (object, type, field, min_length, max_length, out, error);
}

static gboolean
get_optional_string (const msgpack_object  *object,
                     const char            *type,
                     const char            *field,
                     gsize                  min_length,
                     gsize                  max_length,
                     char                 **out,
                     GError               **error)
{
  return object == NULL ||
         get_string (object, type, field, min_length, max_length, out, error);
}

static gboolean
get_optional_bool (const msgpack_object  *object,
                   const char            *type,
                   const char            *field,
                   gboolean              *out,
                   GError               **error)
{
  if (object == NULL)
    return TRUE;
  if (object->type != MSGPACK_OBJECT_BOOLEAN)
    return set_invalid (error, type, field, "a bool", object);
  *out = object->via.boolean;
  return TRUE;
}

static gboolean
get_uint (const msgpack_object  *object,
          const char            *type,
          const char            *field,
          guint64                max_value,
          guint64               *out,
          GError               **error)
{
  if (!check_present (object, type, field, error))
    return FALSE;

  if (object->type != MSGPACK_OBJECT_POSITIVE_INTEGER || object->via.u64 > max_value)
    {
      g_autofree char *expected = NULL;

      if (max_value == G_MAXUINT64)
        expected = g_strdup ("a uint");
      else
        expected = g_strdup_printf ("a uint of at most %" G_GUINT64_FORMAT, max_value);
      return set_invalid (error, type, field, expected, object);
    }

  *out = object->via.u64;
  return TRUE;
}

static gboolean
get_peer_list (const msgpack_object  *object,
               const char            *type,
               const char            *field,
               GPtrArray            **out,
               GError               **error)
{
  g_autoptr(GPtrArray) peers = NULL;

  if (!check_present (object, type, field, error))
    return FALSE;

  if (object->type != MSGPACK_OBJECT_ARRAY || object->via.array.size > HORMIGA_WELCOME_MAX_PEERS)
    return set_invalid (error, type, field,
                        "an array of at most " G_STRINGIFY (HORMIGA_WELCOME_MAX_PEERS) " PeerIDs",
                        object);

  peers = g_ptr_array_new_full (object->via.array.size, g_free);
  for (guint32 i = 0; i < object->via.array.size; i++)
    {
      g_autofree char *element = g_strdup_printf ("%s[%u]", field, i);
      char *peer = NULL;

      if (!get_string (&object->via.array.ptr[i], type, element, 1, HORMIGA_PEER_ID_MAX_TEXT,
                       &peer, error))
        return FALSE;
      g_ptr_array_add (peers, peer);
    }

  *out = g_steal_pointer (&peers);
  return TRUE;
}

/* welcome's optional "turn": {urls: [str], username: str, credential: str}. */
static gboolean
get_turn (const msgpack_object  *object,
          const char            *type,
          HormigaMessage        *message,
          GError               **error)
{
  const msgpack_object *urls = NULL, *username = NULL, *credential = NULL;
  g_autoptr(GPtrArray) list = NULL;

  if (object == NULL)
    return TRUE;
  if (object->type != MSGPACK_OBJECT_MAP)
    return set_invalid (error, type, "turn", "a map of urls, username and credential", object);
  for (guint32 i = 0; i < object->via.map.size; i++)
    {
      const msgpack_object *key = &object->via.map.ptr[i].key;
      const msgpack_object *value = &object->via.map.ptr[i].val;

      if (hormiga_msgpack_key_is (key, "urls"))
        urls = value;
      else if (hormiga_msgpack_key_is (key, "username"))
        username = value;
      else if (hormiga_msgpack_key_is (key, "credential"))
        credential = value;
    }
  if (urls == NULL || urls->type != MSGPACK_OBJECT_ARRAY || urls->via.array.size < 1 ||
      urls->via.array.size > TURN_MAX_URLS)
    return set_invalid (error, type, "turn.urls", "an array of 1 to 4 TURN URLs",
                        urls != NULL ? urls : object);
  list = g_ptr_array_new_with_free_func (g_free);
  for (guint32 i = 0; i < urls->via.array.size; i++)
    {
      g_autofree char *element = g_strdup_printf ("turn.urls[%u]", i);
      char *url = NULL;

      if (!get_string (&urls->via.array.ptr[i], type, element, 1, TURN_MAX_STRING, &url, error))
        return FALSE;
      g_ptr_array_add (list, url);
    }
  if (!get_required_string (username, type, "turn.username", 1, TURN_MAX_STRING,
                            &message->welcome.turn_username, error) ||
      !get_required_string (credential, type, "turn.credential", 1, TURN_MAX_STRING,
                            &message->welcome.turn_credential, error))
    return FALSE;
  message->welcome.turn_urls = g_steal_pointer (&list);
  return TRUE;
}

static HormigaMessage *
message_from_object (const msgpack_object  *root,
                     GError               **error)
{
  const msgpack_object *version = NULL;
  const msgpack_object *type_name = NULL;
  const msgpack_object *fields[MAX_FIELDS] = { NULL };
  const msgpack_object_map *map;
  g_autoptr(HormigaMessage) message = NULL;
  const char *type = NULL;
  guint64 value = 0;
  guint t;

  if (root->type != MSGPACK_OBJECT_MAP)
    {
      g_autofree char *description = hormiga_msgpack_describe (root);

      g_set_error (error, HORMIGA_WIRE_ERROR, HORMIGA_WIRE_ERROR_NOT_AN_ENVELOPE,
                   "frame holds %s; an envelope is a map with \"v\" and \"t\"", description);
      return NULL;
    }

  /* First pass: keys are all str, and "v" and "t" are there once. */
  map = &root->via.map;
  for (guint32 i = 0; i < map->size; i++)
    {
      const msgpack_object *key = &map->ptr[i].key;

      if (key->type != MSGPACK_OBJECT_STR)
        {
          g_autofree char *description = hormiga_msgpack_describe (key);

          g_set_error (error, HORMIGA_WIRE_ERROR, HORMIGA_WIRE_ERROR_NOT_AN_ENVELOPE,
                       "key %u of the map is %s; envelope keys must be str", i, description);
          return NULL;
        }

      if (hormiga_msgpack_key_is (key, "v") || hormiga_msgpack_key_is (key, "t"))
        {
          const msgpack_object **slot = hormiga_msgpack_key_is (key, "v") ? &version : &type_name;

          if (*slot != NULL)
            {
              g_set_error (error, HORMIGA_WIRE_ERROR, HORMIGA_WIRE_ERROR_INVALID_FIELD,
                           "field \"%s\" appears twice in the envelope; each field may appear "
                           "once", hormiga_msgpack_key_is (key, "v") ? "v" : "t");
              return NULL;
            }
          *slot = &map->ptr[i].val;
        }
    }

  if (version == NULL)
    {
      g_set_error_literal (error, HORMIGA_WIRE_ERROR, HORMIGA_WIRE_ERROR_NOT_AN_ENVELOPE,
                           "map has no \"v\" (protocol version) field; it is not a Hormiga "
                           "envelope");
      return NULL;
    }

  if (version->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
    {
      g_autofree char *description = hormiga_msgpack_describe (version);

      g_set_error (error, HORMIGA_WIRE_ERROR, HORMIGA_WIRE_ERROR_NOT_AN_ENVELOPE,
                   "envelope field \"v\" must be a uint; got %s", description);
      return NULL;
    }

  if (version->via.u64 != HORMIGA_WIRE_VERSION)
    {
      g_set_error (error, HORMIGA_WIRE_ERROR, HORMIGA_WIRE_ERROR_UNSUPPORTED_VERSION,
                   "envelope is protocol version %" G_GUINT64_FORMAT "; this peer speaks only "
                   "version %d", (guint64) version->via.u64, HORMIGA_WIRE_VERSION);
      return NULL;
    }

  if (type_name == NULL)
    {
      g_set_error_literal (error, HORMIGA_WIRE_ERROR, HORMIGA_WIRE_ERROR_NOT_AN_ENVELOPE,
                           "envelope has no \"t\" (message type) field");
      return NULL;
    }

  if (type_name->type != MSGPACK_OBJECT_STR)
    {
      g_autofree char *description = hormiga_msgpack_describe (type_name);

      g_set_error (error, HORMIGA_WIRE_ERROR, HORMIGA_WIRE_ERROR_NOT_AN_ENVELOPE,
                   "envelope field \"t\" must be a str naming the message type; got %s",
                   description);
      return NULL;
    }

  for (t = 0; t < HORMIGA_MESSAGE_N_TYPES; t++)
    if (hormiga_msgpack_key_is (type_name, type_specs[t].name))
      break;

  if (t == HORMIGA_MESSAGE_N_TYPES)
    {
      g_autofree char *quoted = hormiga_msgpack_quote_text (type_name->via.str.ptr, type_name->via.str.size);

      g_set_error (error, HORMIGA_WIRE_ERROR, HORMIGA_WIRE_ERROR_UNKNOWN_TYPE,
                   "message type %s is unknown; this peer knows challenge, join, welcome, "
                   "signal, error, ping and pong", quoted);
      return NULL;
    }
  type = type_specs[t].name;

  /* Second pass: the fields of this type. Others are ignored. */
  for (guint32 i = 0; i < map->size; i++)
    {
      for (guint f = 0; f < MAX_FIELDS && type_specs[t].fields[f] != NULL; f++)
        {
          if (!hormiga_msgpack_key_is (&map->ptr[i].key, type_specs[t].fields[f]))
            continue;

          if (fields[f] != NULL)
            {
              g_set_error (error, HORMIGA_WIRE_ERROR, HORMIGA_WIRE_ERROR_INVALID_FIELD,
                           "field \"%s\" appears twice in the %s message; each field may "
                           "appear once", type_specs[t].fields[f], type);
              return NULL;
            }
          fields[f] = &map->ptr[i].val;
        }
    }

  message = message_new (t);
  switch (message->type)
    {
    case HORMIGA_MESSAGE_CHALLENGE:
      if (!get_bin_exact (fields[CHALLENGE_NONCE], type, "nonce", message->challenge.nonce,
                          HORMIGA_NONCE_LENGTH, error) ||
          !get_optional_string (fields[CHALLENGE_SERVER], type, "server", 0, G_MAXSIZE,
                                &message->challenge.server, error))
        return NULL;
      break;

    case HORMIGA_MESSAGE_JOIN:
      if (!get_bin_exact (fields[JOIN_KEY], type, "key", message->join.public_key,
                          HORMIGA_PUBLIC_KEY_LENGTH, error) ||
          !get_bin_exact (fields[JOIN_SIG], type, "sig", message->join.signature,
                          HORMIGA_SIGNATURE_LENGTH, error) ||
          !get_optional_bool (fields[JOIN_CLIENT], type, "client", &message->join.client, error))
        return NULL;
      break;

    case HORMIGA_MESSAGE_WELCOME:
      if (!get_required_string (fields[WELCOME_ID], type, "id", 1, HORMIGA_PEER_ID_MAX_TEXT,
                                &message->welcome.peer_id, error) ||
          !get_peer_list (fields[WELCOME_PEERS], type, "peers", &message->welcome.peers, error) ||
          !get_turn (fields[WELCOME_TURN], type, message, error))
        return NULL;
      break;

    case HORMIGA_MESSAGE_SIGNAL:
      if (!get_required_string (fields[SIGNAL_TO], type, "to", 1, HORMIGA_PEER_ID_MAX_TEXT,
                                &message->signal.to, error) ||
          !get_optional_string (fields[SIGNAL_FROM], type, "from", 1, HORMIGA_PEER_ID_MAX_TEXT,
                                &message->signal.from, error) ||
          !get_required_string (fields[SIGNAL_SID], type, "sid", 1, HORMIGA_SID_MAX_LENGTH,
                                &message->signal.sid, error) ||
          !get_bytes (fields[SIGNAL_PAYLOAD], type, "payload", &message->signal.payload, error))
        return NULL;
      break;

    case HORMIGA_MESSAGE_ERROR:
      if (!get_uint (fields[ERROR_CODE], type, "code", G_MAXUINT, &value, error) ||
          !get_required_string (fields[ERROR_MESSAGE], type, "message", 0, G_MAXSIZE,
                                &message->error.message, error) ||
          !get_optional_string (fields[ERROR_SID], type, "sid", 1, HORMIGA_SID_MAX_LENGTH,
                                &message->error.sid, error))
        return NULL;
      message->error.code = (guint) value;
      break;

    case HORMIGA_MESSAGE_PING:
    case HORMIGA_MESSAGE_PONG:
      if (!get_uint (fields[PING_SEQ], type, "seq", G_MAXUINT64, &message->ping.seq, error))
        return NULL;
      break;

    case HORMIGA_MESSAGE_N_TYPES:
    default:
      g_assert_not_reached ();
    }

  return g_steal_pointer (&message);
}

/**
 * hormiga_message_decode:
 * @data: (array length=length): one frame
 * @length: its size in bytes
 * @limits: (nullable): the limits to enforce; %NULL for the defaults
 * @error: return location for a #HORMIGA_WIRE_ERROR
 *
 * Decodes one envelope. The frame must hold exactly one MessagePack map
 * within @limits; docs/PROTOCOL.md lists what each error code means.
 *
 * Returns: (transfer full) (nullable): the message, or %NULL with @error set
 */
HormigaMessage *
hormiga_message_decode (const guint8             *data,
                        gsize                     length,
                        const HormigaWireLimits  *limits,
                        GError                  **error)
{
  msgpack_unpacked unpacked;
  msgpack_unpack_return status;
  HormigaMessage *message;
  size_t offset = 0;

  g_return_val_if_fail (data != NULL || length == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!hormiga_wire_check (data, length, limits, error))
    return NULL;

  msgpack_unpacked_init (&unpacked);
  status = msgpack_unpack_next (&unpacked, (const char *) data, length, &offset);
  if (status != MSGPACK_UNPACK_SUCCESS || offset != length)
    {
      /* hormiga_wire_check() accepted it, so this is msgpack-c running out
       * of memory or disagreeing with the checker: report, do not guess. */
      msgpack_unpacked_destroy (&unpacked);
      g_set_error (error, HORMIGA_WIRE_ERROR, HORMIGA_WIRE_ERROR_MALFORMED,
                   "msgpack-c could not unpack the %" G_GSIZE_FORMAT "-byte frame (status %d "
                   "at offset %" G_GSIZE_FORMAT ") although it passed the wire check",
                   length, (int) status, (gsize) offset);
      return NULL;
    }

  message = message_from_object (&unpacked.data, error);
  msgpack_unpacked_destroy (&unpacked);
  return message;
}

HormigaMessage *
hormiga_message_decode_bytes (GBytes                   *bytes,
                              const HormigaWireLimits  *limits,
                              GError                  **error)
{
  gsize length = 0;
  const guint8 *data;

  g_return_val_if_fail (bytes != NULL, NULL);

  data = g_bytes_get_data (bytes, &length);
  return hormiga_message_decode (data, length, limits, error);
}
