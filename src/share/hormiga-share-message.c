/* hormiga-share-message.c — the file transfer protocol on the wire
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Like the manifest: hormiga_wire_check() bounds the bytes, msgpack-c
 * unpacks them, the fields are matched in their one order and checked one
 * by one, and the message encoded again must give back the same bytes
 * (compared as it is encoded, without a copy). Nothing of the msgpack zone
 * outlives the decode call; "data" and "bits" are slices of the bytes
 * decoded (a chunk is not copied), which they keep alive.
 */
#include <msgpack.h>
#include <string.h>

#include "hormiga-msgpack.h"
#include "hormiga-share-codec-private.h"
#include "hormiga-share-error.h"
#include "hormiga-share-message.h"

#define VERSION 1
#define N_TYPES (HORMIGA_SHARE_MESSAGE_REPLY + 1)

/* Every field after "v", "t" and "id", in the order they are encoded; each
 * type uses a subset. */
typedef enum {
  FIELD_CID,
  FIELD_STATE,
  FIELD_BITS,
  FIELD_KIND,
  FIELD_NAME,
  FIELD_SIZE,
  FIELD_MSIZE,
  FIELD_OFFSET,
  FIELD_LENGTH,
  FIELD_TOTAL,
  FIELD_INDEX,
  FIELD_DATA,
  FIELD_CODE,
  FIELD_ACCEPT,
  FIELD_TEXT,
  FIELD_ENTRIES,
  N_FIELDS
} Field;

#define BIT(f) (1u << (f))

static const char *const field_names[N_FIELDS] = {
  [FIELD_CID] = "cid",
  [FIELD_STATE] = "state",
  [FIELD_BITS] = "bits",
  [FIELD_KIND] = "kind",
  [FIELD_NAME] = "name",
  [FIELD_SIZE] = "size",
  [FIELD_MSIZE] = "msize",
  [FIELD_OFFSET] = "offset",
  [FIELD_LENGTH] = "length",
  [FIELD_TOTAL] = "total",
  [FIELD_INDEX] = "index",
  [FIELD_DATA] = "data",
  [FIELD_CODE] = "code",
  [FIELD_ACCEPT] = "accept",
  [FIELD_TEXT] = "text",
  [FIELD_ENTRIES] = "entries",
};

typedef struct
{
  const char *name;
  gboolean    request;
  guint       fields;    /* BIT()s of the fields it may carry */
  guint       optional;  /* … and of those it need not */
} TypeSpec;

static const TypeSpec type_specs[N_TYPES] = {
  [HORMIGA_SHARE_MESSAGE_WANT] = { "want", TRUE, BIT (FIELD_CID), 0 },
  [HORMIGA_SHARE_MESSAGE_HAVE] = { "have", FALSE,
                                   BIT (FIELD_CID) | BIT (FIELD_STATE) | BIT (FIELD_BITS) |
                                   BIT (FIELD_MSIZE),
                                   BIT (FIELD_BITS) | BIT (FIELD_MSIZE) },
  [HORMIGA_SHARE_MESSAGE_GET_MANIFEST] = { "get-manifest", TRUE,
                                           BIT (FIELD_CID) | BIT (FIELD_OFFSET) |
                                           BIT (FIELD_LENGTH), 0 },
  [HORMIGA_SHARE_MESSAGE_MANIFEST] = { "manifest", FALSE,
                                       BIT (FIELD_CID) | BIT (FIELD_OFFSET) | BIT (FIELD_TOTAL) |
                                       BIT (FIELD_DATA), 0 },
  [HORMIGA_SHARE_MESSAGE_GET_CHUNK] = { "get-chunk", TRUE, BIT (FIELD_CID) | BIT (FIELD_INDEX),
                                        0 },
  [HORMIGA_SHARE_MESSAGE_CHUNK] = { "chunk", FALSE,
                                    BIT (FIELD_CID) | BIT (FIELD_INDEX) | BIT (FIELD_DATA), 0 },
  [HORMIGA_SHARE_MESSAGE_ERROR] = { "error", FALSE, BIT (FIELD_CODE) | BIT (FIELD_TEXT), 0 },
  [HORMIGA_SHARE_MESSAGE_CANCEL] = { "cancel", FALSE, 0, 0 },
  [HORMIGA_SHARE_MESSAGE_OFFER] = { "offer", TRUE,
                                    BIT (FIELD_CID) | BIT (FIELD_KIND) | BIT (FIELD_NAME) |
                                    BIT (FIELD_SIZE) | BIT (FIELD_MSIZE), 0 },
  [HORMIGA_SHARE_MESSAGE_REPLY] = { "reply", FALSE,
                                    BIT (FIELD_ACCEPT) | BIT (FIELD_TEXT) | BIT (FIELD_ENTRIES),
                                    BIT (FIELD_TEXT) | BIT (FIELD_ENTRIES) },
};

static const char *const have_states[] = {
  [HORMIGA_SHARE_HAVE_NONE] = "none",
  [HORMIGA_SHARE_HAVE_SOME] = "some",
  [HORMIGA_SHARE_HAVE_ALL] = "all",
};

const char *
hormiga_share_message_type_to_string (HormigaShareMessageType type)
{
  if ((guint) type >= N_TYPES)
    return "unknown";
  return type_specs[type].name;
}

gboolean
hormiga_share_message_is_request (HormigaShareMessageType type)
{
  return (guint) type < N_TYPES && type_specs[type].request;
}

const char *
hormiga_share_code_to_string (guint32 code)
{
  switch (code)
    {
    case HORMIGA_SHARE_CODE_NOT_FOUND:
      return "not-found";
    case HORMIGA_SHARE_CODE_BUSY:
      return "busy";
    case HORMIGA_SHARE_CODE_BAD_REQUEST:
      return "bad-request";
    case HORMIGA_SHARE_CODE_TOO_MANY_REQUESTS:
      return "too-many-requests";
    case HORMIGA_SHARE_CODE_INTERNAL:
      return "internal";
    default:
      return "unknown";
    }
}

/* ---- construction ------------------------------------------------------ */

HormigaShareMessage *
hormiga_share_message_new (HormigaShareMessageType type,
                           guint32                 id)
{
  HormigaShareMessage *message;

  g_return_val_if_fail ((guint) type < N_TYPES, NULL);

  message = g_new0 (HormigaShareMessage, 1);
  message->type = type;
  message->id = id;
  return message;
}

void
hormiga_share_message_free (HormigaShareMessage *message)
{
  if (message == NULL)
    return;

  g_clear_pointer (&message->bits, g_bytes_unref);
  g_clear_pointer (&message->data, g_bytes_unref);
  g_clear_pointer (&message->entries, g_bytes_unref);
  g_free (message->text);
  g_free (message->name);
  g_free (message);
}

/* ---- bits -------------------------------------------------------------- */

gboolean
hormiga_share_message_check_bits (const HormigaShareMessage  *message,
                                  guint64                     n_chunks,
                                  GError                    **error)
{
  const guint8 *bits;
  gsize size = 0;
  guint64 expected = n_chunks / 8 + (n_chunks % 8 != 0 ? 1 : 0);

  g_return_val_if_fail (message != NULL && message->type == HORMIGA_SHARE_MESSAGE_HAVE, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (message->state != HORMIGA_SHARE_HAVE_SOME)
    return TRUE;
  bits = message->bits != NULL ? g_bytes_get_data (message->bits, &size) : NULL;
  if (size != expected)
    {
      g_set_error (error, HORMIGA_SHARE_ERROR, HORMIGA_SHARE_ERROR_MALFORMED,
                   "\"bits\" in a have is %" G_GSIZE_FORMAT " bytes; content of %"
                   G_GUINT64_FORMAT " chunks needs %" G_GUINT64_FORMAT, size, n_chunks,
                   expected);
      return FALSE;
    }
  if (n_chunks % 8 != 0 && (bits[size - 1] & (0xffu >> (n_chunks % 8))) != 0)
    {
      g_set_error (error, HORMIGA_SHARE_ERROR, HORMIGA_SHARE_ERROR_MALFORMED,
                   "\"bits\" in a have sets bits past the last of %" G_GUINT64_FORMAT
                   " chunks; those must be zero", n_chunks);
      return FALSE;
    }
  return TRUE;
}

gboolean
hormiga_share_message_check_entries (const HormigaShareMessage  *message,
                                     guint64                     n_entries,
                                     GError                    **error)
{
  const guint8 *bits;
  gsize size = 0;
  guint64 expected = n_entries / 8 + (n_entries % 8 != 0 ? 1 : 0);
  gboolean any = FALSE;

  g_return_val_if_fail (message != NULL && message->type == HORMIGA_SHARE_MESSAGE_REPLY, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (message->entries == NULL)
    return TRUE;
  bits = g_bytes_get_data (message->entries, &size);
  if (size != expected)
    {
      g_set_error (error, HORMIGA_SHARE_ERROR, HORMIGA_SHARE_ERROR_MALFORMED,
                   "\"entries\" in a reply is %" G_GSIZE_FORMAT " bytes; a folder of %"
                   G_GUINT64_FORMAT " files needs %" G_GUINT64_FORMAT, size, n_entries,
                   expected);
      return FALSE;
    }
  if (n_entries % 8 != 0 && (bits[size - 1] & (0xffu >> (n_entries % 8))) != 0)
    {
      g_set_error (error, HORMIGA_SHARE_ERROR, HORMIGA_SHARE_ERROR_MALFORMED,
                   "\"entries\" in a reply sets bits past the last of %" G_GUINT64_FORMAT
                   " files; those must be zero", n_entries);
      return FALSE;
    }
  for (gsize i = 0; i < size && !any; i++)
    any = bits[i] != 0;
  if (!any)
    {
      g_set_error_literal (error, HORMIGA_SHARE_ERROR, HORMIGA_SHARE_ERROR_MALFORMED,
                           "\"entries\" in a reply takes no file; a reply that takes none "
                           "declines");
      return FALSE;
    }
  return TRUE;
}

gboolean
hormiga_share_message_has_chunk (const HormigaShareMessage *message,
                                 guint64                    index)
{
  const guint8 *bits;
  gsize size = 0;

  g_return_val_if_fail (message != NULL && message->type == HORMIGA_SHARE_MESSAGE_HAVE, FALSE);

  if (message->state != HORMIGA_SHARE_HAVE_SOME || message->bits == NULL)
    return FALSE;
  bits = g_bytes_get_data (message->bits, &size);
  if (index / 8 >= size)
    return FALSE;
  return (bits[index / 8] & (0x80u >> (index % 8))) != 0;
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

/* The fields @message carries: its type's, minus the optional ones unset. */
static guint
message_fields (const HormigaShareMessage *message)
{
  const TypeSpec *spec = &type_specs[message->type];
  guint fields = spec->fields;

  if (message->type == HORMIGA_SHARE_MESSAGE_HAVE)
    {
      if (message->state != HORMIGA_SHARE_HAVE_SOME)
        fields &= ~BIT (FIELD_BITS);
      if (message->state == HORMIGA_SHARE_HAVE_NONE)
        fields &= ~BIT (FIELD_MSIZE);
    }
  if (message->type == HORMIGA_SHARE_MESSAGE_REPLY && message->text == NULL)
    fields &= ~BIT (FIELD_TEXT);
  if (message->type == HORMIGA_SHARE_MESSAGE_REPLY && message->entries == NULL)
    fields &= ~BIT (FIELD_ENTRIES);
  return fields;
}

static gboolean
text_ok (const char *text,
         gsize       min,
         gsize       max)
{
  gsize length = text != NULL ? strlen (text) : 0;

  return text != NULL && length >= min && length <= max &&
         g_utf8_validate_len (text, length, NULL);
}

static gboolean
bytes_ok (GBytes *bytes,
          gsize   min,
          gsize   max)
{
  gsize size = bytes != NULL ? g_bytes_get_size (bytes) : 0;

  return bytes != NULL && size >= min && size <= max;
}

/* Whether @message's fields are within the limits; a critical warning
 * names the first that is not. */
static gboolean
fields_ok (const HormigaShareMessage *message,
           guint                      fields)
{
  if (fields & BIT (FIELD_STATE))
    g_return_val_if_fail ((guint) message->state <= HORMIGA_SHARE_HAVE_ALL, FALSE);
  if (fields & BIT (FIELD_BITS))
    g_return_val_if_fail (bytes_ok (message->bits, 1, HORMIGA_SHARE_MAX_BITS), FALSE);
  if (fields & BIT (FIELD_KIND))
    g_return_val_if_fail (message->kind == HORMIGA_MANIFEST_FILE ||
                          message->kind == HORMIGA_MANIFEST_FOLDER, FALSE);
  if (fields & BIT (FIELD_NAME))
    g_return_val_if_fail (text_ok (message->name, 1, HORMIGA_MANIFEST_MAX_NAME), FALSE);
  if (fields & BIT (FIELD_MSIZE))
    g_return_val_if_fail (message->msize >= 1 && message->msize <= HORMIGA_MANIFEST_MAX_SIZE,
                          FALSE);
  if (fields & BIT (FIELD_LENGTH))
    g_return_val_if_fail (message->length >= 1 && message->length <= HORMIGA_SHARE_MAX_PIECE,
                          FALSE);
  if (message->type == HORMIGA_SHARE_MESSAGE_GET_MANIFEST)
    g_return_val_if_fail (message->offset < HORMIGA_MANIFEST_MAX_SIZE, FALSE);
  if (message->type == HORMIGA_SHARE_MESSAGE_MANIFEST)
    {
      g_return_val_if_fail (message->total >= 1 && message->total <= HORMIGA_MANIFEST_MAX_SIZE,
                            FALSE);
      g_return_val_if_fail (bytes_ok (message->data, 1, HORMIGA_SHARE_MAX_PIECE), FALSE);
      g_return_val_if_fail (message->offset < message->total &&
                            g_bytes_get_size (message->data) <= message->total - message->offset,
                            FALSE);
    }
  if (message->type == HORMIGA_SHARE_MESSAGE_CHUNK)
    g_return_val_if_fail (bytes_ok (message->data, 0, HORMIGA_SHARE_MAX_CHUNK), FALSE);
  if (fields & BIT (FIELD_TEXT))
    g_return_val_if_fail (text_ok (message->text, 0, HORMIGA_SHARE_MAX_TEXT) ||
                          (message->type == HORMIGA_SHARE_MESSAGE_ERROR &&
                           message->text == NULL), FALSE);
  if (fields & BIT (FIELD_ENTRIES))
    g_return_val_if_fail (message->accept &&
                          bytes_ok (message->entries, 1, HORMIGA_SHARE_MAX_ENTRY_BITS), FALSE);
  return TRUE;
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
 * hormiga_share_message_encode:
 * @message: a message within the limits of hormiga-share-message.h
 *
 * Encodes @message as one map: "v", "t", "id", then the fields of its type
 * in the order of docs/PROTOCOL.md ("File sharing"). A have writes "bits"
 * only with state some and "msize" only with state some or all; a reply
 * writes "text" only when set; an error's %NULL text is written as "".
 * Every header takes its shortest form, so equal messages give equal bytes.
 *
 * Returns: (transfer full) (nullable): the message; %NULL (with a critical
 *   warning) if a field is beyond its limit
 */
/* Packs @message (its fields already checked) into @packer. */
static void
pack_message (const HormigaShareMessage *message,
              guint                      fields,
              msgpack_packer            *packer)
{
  const TypeSpec *spec = &type_specs[message->type];

  msgpack_pack_map (packer, 3 + count_bits (fields));
  hormiga_msgpack_pack_str (packer, "v");
  msgpack_pack_uint64 (packer, VERSION);
  hormiga_msgpack_pack_str (packer, "t");
  hormiga_msgpack_pack_str (packer, spec->name);
  hormiga_msgpack_pack_str (packer, "id");
  msgpack_pack_uint64 (packer, message->id);

  for (Field f = 0; f < N_FIELDS; f++)
    {
      if (!(fields & BIT (f)))
        continue;

      hormiga_msgpack_pack_str (packer, field_names[f]);
      switch (f)
        {
        case FIELD_CID:
          hormiga_msgpack_pack_bin (packer, message->cid.bytes, HORMIGA_CONTENT_HASH_SIZE);
          break;
        case FIELD_STATE:
          hormiga_msgpack_pack_str (packer, have_states[message->state]);
          break;
        case FIELD_BITS:
          pack_bytes (packer, message->bits);
          break;
        case FIELD_KIND:
          hormiga_msgpack_pack_str (packer, hormiga_manifest_kind_to_string (message->kind));
          break;
        case FIELD_NAME:
          hormiga_msgpack_pack_str (packer, message->name);
          break;
        case FIELD_SIZE:
          msgpack_pack_uint64 (packer, message->size);
          break;
        case FIELD_MSIZE:
          msgpack_pack_uint64 (packer, message->msize);
          break;
        case FIELD_OFFSET:
          msgpack_pack_uint64 (packer, message->offset);
          break;
        case FIELD_LENGTH:
          msgpack_pack_uint64 (packer, message->length);
          break;
        case FIELD_TOTAL:
          msgpack_pack_uint64 (packer, message->total);
          break;
        case FIELD_INDEX:
          msgpack_pack_uint64 (packer, message->index);
          break;
        case FIELD_DATA:
          pack_bytes (packer, message->data);
          break;
        case FIELD_CODE:
          msgpack_pack_uint64 (packer, message->code);
          break;
        case FIELD_ACCEPT:
          if (message->accept)
            msgpack_pack_true (packer);
          else
            msgpack_pack_false (packer);
          break;
        case FIELD_TEXT:
          hormiga_msgpack_pack_str (packer, message->text != NULL ? message->text : "");
          break;
        case FIELD_ENTRIES:
          pack_bytes (packer, message->entries);
          break;
        case N_FIELDS:
        default:
          g_assert_not_reached ();
        }
    }
}

/**
 * hormiga_share_message_encode:
 * @message: a message within the limits of hormiga-share-message.h
 *
 * Encodes @message as one map: "v", "t", "id", then the fields of its type
 * in the order of docs/PROTOCOL.md ("File sharing"). A have writes "bits"
 * only with state some and "msize" only with state some or all; a reply
 * writes "text" only when set; an error's %NULL text is written as "".
 * Every header takes its shortest form, so equal messages give equal bytes.
 *
 * Returns: (transfer full) (nullable): the message; %NULL (with a critical
 *   warning) if a field is beyond its limit
 */
GBytes *
hormiga_share_message_encode (const HormigaShareMessage *message)
{
  g_autoptr(GByteArray) buffer = NULL;
  msgpack_packer packer;
  guint fields;

  g_return_val_if_fail (message != NULL, NULL);
  g_return_val_if_fail ((guint) message->type < N_TYPES, NULL);

  fields = message_fields (message);
  if (!fields_ok (message, fields))
    return NULL;

  buffer = g_byte_array_sized_new (message->data != NULL ? 96 + g_bytes_get_size (message->data)
                                                         : 96);
  msgpack_packer_init (&packer, buffer, hormiga_msgpack_append);
  pack_message (message, fields, &packer);

  /* The limits above keep every message within this; a chunk of
   * HORMIGA_SHARE_MAX_CHUNK bytes is about 170 bytes from it. */
  g_assert (buffer->len <= HORMIGA_SHARE_MAX_MESSAGE);
  return g_byte_array_free_to_bytes (g_steal_pointer (&buffer));
}

/* A msgpack "writer" that compares what it is given with the bytes a
 * message was decoded from, instead of copying it: a decoded chunk's data
 * points into those bytes and is not compared with itself. */
typedef struct
{
  const guint8 *data;
  gsize         length;
  gsize         offset;
  gboolean      differs;
} Comparer;

static int
compare_append (void       *user_data,
                const char *buffer,
                size_t      length)
{
  Comparer *comparer = user_data;

  if (comparer->differs || length > comparer->length - comparer->offset)
    comparer->differs = TRUE;
  else if ((const guint8 *) buffer != comparer->data + comparer->offset &&
           memcmp (buffer, comparer->data + comparer->offset, length) != 0)
    comparer->differs = TRUE;
  else
    comparer->offset += length;
  return 0;
}

/* Whether @message encodes to exactly the @length bytes at @data. */
static gboolean
encodes_to (const HormigaShareMessage *message,
            const guint8              *data,
            gsize                      length)
{
  Comparer comparer = { data, length, 0, FALSE };
  msgpack_packer packer;
  guint fields = message_fields (message);

  if (!fields_ok (message, fields))
    return FALSE;
  msgpack_packer_init (&packer, &comparer, compare_append);
  pack_message (message, fields, &packer);
  return !comparer.differs && comparer.offset == length;
}

/* ---- decoding ---------------------------------------------------------- */

/* "a want", "an offer". */
static const char *
article (const char *name)
{
  return strchr ("aeiou", name[0]) != NULL ? "an" : "a";
}

static gboolean
get_bin (GBytes                *input,
         const msgpack_object  *object,
         const char            *what,
         const char            *field,
         gsize                  min,
         gsize                  max,
         GBytes               **out,
         GError               **error)
{
  if (object->type != MSGPACK_OBJECT_BIN || object->via.bin.size < min)
    {
      g_autofree char *expected = g_strdup_printf ("a bin of %" G_GSIZE_FORMAT " to %"
                                                   G_GSIZE_FORMAT " bytes", min, max);

      return _hormiga_share_set_wrong (error, what, field, expected, object);
    }
  if (object->via.bin.size > max)
    {
      g_set_error (error, HORMIGA_SHARE_ERROR, HORMIGA_SHARE_ERROR_TOO_LARGE,
                   "\"%s\" in %s is %u bytes; the limit is %" G_GSIZE_FORMAT,
                   field, what, object->via.bin.size, max);
      return FALSE;
    }
  /* msgpack-c points into the input: keep a slice of it, no copy. */
  {
    gsize length;
    const guint8 *base = g_bytes_get_data (input, &length);
    const guint8 *at = (const guint8 *) object->via.bin.ptr;

    if (base != NULL && at >= base && at + object->via.bin.size <= base + length)
      *out = g_bytes_new_from_bytes (input, (gsize) (at - base), object->via.bin.size);
    else
      *out = g_bytes_new (object->via.bin.ptr, object->via.bin.size);
  }
  return TRUE;
}

static gboolean
get_range (const msgpack_object  *object,
           const char            *what,
           const char            *field,
           guint64                min,
           guint64                max,
           guint64               *out,
           GError               **error)
{
  if (object->type != MSGPACK_OBJECT_POSITIVE_INTEGER || object->via.u64 < min ||
      object->via.u64 > max)
    {
      g_autofree char *expected = g_strdup_printf ("a uint from %" G_GUINT64_FORMAT " to %"
                                                   G_GUINT64_FORMAT, min, max);

      return _hormiga_share_set_wrong (error, what, field, expected, object);
    }
  *out = object->via.u64;
  return TRUE;
}

static gboolean
get_field (GBytes                *input,
           HormigaShareMessage   *message,
           Field                  f,
           const msgpack_object  *value,
           const char            *what,
           GError               **error)
{
  const char *field = field_names[f];
  guint64 number = 0;

  switch (f)
    {
    case FIELD_CID:
      return _hormiga_share_get_hash (value, what, field, message->cid.bytes, error);

    case FIELD_STATE:
      if (value->type == MSGPACK_OBJECT_STR)
        for (guint s = 0; s < G_N_ELEMENTS (have_states); s++)
          if (hormiga_msgpack_key_is (value, have_states[s]))
            {
              message->state = s;
              return TRUE;
            }
      return _hormiga_share_set_wrong (error, what, field,
                                       "the str \"all\", \"some\" or \"none\"", value);

    case FIELD_BITS:
      return get_bin (input, value, what, field, 1, HORMIGA_SHARE_MAX_BITS, &message->bits, error);

    case FIELD_KIND:
      if (value->type != MSGPACK_OBJECT_STR)
        return _hormiga_share_set_wrong (error, what, field, "the str \"file\" or \"folder\"",
                                         value);
      if (hormiga_msgpack_key_is (value, "file"))
        message->kind = HORMIGA_MANIFEST_FILE;
      else if (hormiga_msgpack_key_is (value, "folder"))
        message->kind = HORMIGA_MANIFEST_FOLDER;
      else
        {
          g_autofree char *quoted = hormiga_msgpack_quote_text (value->via.str.ptr,
                                                                value->via.str.size);

          g_set_error (error, HORMIGA_SHARE_ERROR, HORMIGA_SHARE_ERROR_UNKNOWN_TYPE,
                       "\"kind\" %s in %s is unknown; this node knows \"file\" and \"folder\"",
                       quoted, what);
          return FALSE;
        }
      return TRUE;

    case FIELD_NAME:
      return _hormiga_share_get_text (value, what, field, 1, HORMIGA_MANIFEST_MAX_NAME,
                                      &message->name, error);

    case FIELD_SIZE:
      return _hormiga_share_get_uint (value, what, field, G_MAXUINT64, &message->size, error);

    case FIELD_MSIZE:
      return get_range (value, what, field, 1, HORMIGA_MANIFEST_MAX_SIZE, &message->msize,
                        error);

    case FIELD_OFFSET:
      return get_range (value, what, field, 0, HORMIGA_MANIFEST_MAX_SIZE - 1, &message->offset,
                        error);

    case FIELD_LENGTH:
      if (!get_range (value, what, field, 1, HORMIGA_SHARE_MAX_PIECE, &number, error))
        return FALSE;
      message->length = (guint32) number;
      return TRUE;

    case FIELD_TOTAL:
      return get_range (value, what, field, 1, HORMIGA_MANIFEST_MAX_SIZE, &message->total,
                        error);

    case FIELD_INDEX:
      if (!_hormiga_share_get_uint (value, what, field, G_MAXUINT32, &number, error))
        return FALSE;
      message->index = (guint32) number;
      return TRUE;

    case FIELD_DATA:
      if (message->type == HORMIGA_SHARE_MESSAGE_MANIFEST)
        return get_bin (input, value, what, field, 1, HORMIGA_SHARE_MAX_PIECE, &message->data, error);
      return get_bin (input, value, what, field, 0, HORMIGA_SHARE_MAX_CHUNK, &message->data, error);

    case FIELD_CODE:
      if (!_hormiga_share_get_uint (value, what, field, G_MAXUINT32, &number, error))
        return FALSE;
      message->code = (guint32) number;
      return TRUE;

    case FIELD_ACCEPT:
      if (value->type != MSGPACK_OBJECT_BOOLEAN)
        return _hormiga_share_set_wrong (error, what, field, "a bool", value);
      message->accept = value->via.boolean;
      return TRUE;

    case FIELD_TEXT:
      return _hormiga_share_get_text (value, what, field, 0, HORMIGA_SHARE_MAX_TEXT,
                                      &message->text, error);

    case FIELD_ENTRIES:
      return get_bin (input, value, what, field, 1, HORMIGA_SHARE_MAX_ENTRY_BITS,
                      &message->entries, error);

    case N_FIELDS:
    default:
      g_assert_not_reached ();
    }
  return FALSE;
}

static HormigaShareMessage *
message_from_object (GBytes                *input,
                     const msgpack_object  *root,
                     GError               **error)
{
  g_autoptr(HormigaShareMessage) message = NULL;
  const msgpack_object *values[3 + N_FIELDS];
  const char *names[3 + N_FIELDS];
  Field slots[3 + N_FIELDS];
  g_autofree char *what = NULL;
  const msgpack_object_map *map;
  const msgpack_object *version, *type_name;
  const TypeSpec *spec;
  guint n_names = 0, optional = 0;
  guint64 id = 0;
  guint t;

  if (root->type != MSGPACK_OBJECT_MAP || root->via.map.size < 2 ||
      !hormiga_msgpack_key_is (&root->via.map.ptr[0].key, "v") ||
      !hormiga_msgpack_key_is (&root->via.map.ptr[1].key, "t"))
    {
      g_autofree char *description = hormiga_msgpack_describe (root);

      g_set_error (error, HORMIGA_SHARE_ERROR, HORMIGA_SHARE_ERROR_MALFORMED,
                   "a file sharing message is a map whose first fields are \"v\", \"t\" and "
                   "\"id\"; got %s", description);
      return NULL;
    }
  map = &root->via.map;
  version = &map->ptr[0].val;
  type_name = &map->ptr[1].val;

  if (version->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
    {
      _hormiga_share_set_wrong (error, "a file sharing message", "v", "a uint", version);
      return NULL;
    }
  if (version->via.u64 != VERSION)
    {
      g_set_error (error, HORMIGA_SHARE_ERROR, HORMIGA_SHARE_ERROR_UNKNOWN_TYPE,
                   "file sharing message version %" G_GUINT64_FORMAT " is unknown; this node "
                   "speaks version 1", (guint64) version->via.u64);
      return NULL;
    }
  if (type_name->type != MSGPACK_OBJECT_STR)
    {
      _hormiga_share_set_wrong (error, "a file sharing message", "t", "a str naming its type",
                                type_name);
      return NULL;
    }
  for (t = 0; t < N_TYPES; t++)
    if (hormiga_msgpack_key_is (type_name, type_specs[t].name))
      break;
  if (t == N_TYPES)
    {
      g_autofree char *quoted = hormiga_msgpack_quote_text (type_name->via.str.ptr,
                                                            type_name->via.str.size);

      g_set_error (error, HORMIGA_SHARE_ERROR, HORMIGA_SHARE_ERROR_UNKNOWN_TYPE,
                   "file sharing message type %s is unknown; this node knows want, have, "
                   "get-manifest, manifest, get-chunk, chunk, error, cancel, offer and reply",
                   quoted);
      return NULL;
    }
  spec = &type_specs[t];
  what = g_strdup_printf ("%s %s", article (spec->name), spec->name);

  names[n_names++] = "v";
  names[n_names++] = "t";
  names[n_names++] = "id";
  for (Field f = 0; f < N_FIELDS; f++)
    if (spec->fields & BIT (f))
      {
        if (spec->optional & BIT (f))
          optional |= 1u << n_names;
        slots[n_names] = f;
        names[n_names++] = field_names[f];
      }
  if (!_hormiga_share_match_fields (map, what, names, n_names, optional, values, error))
    return NULL;

  message = hormiga_share_message_new (t, 0);
  if (!_hormiga_share_get_uint (values[2], what, "id", G_MAXUINT32, &id, error))
    return NULL;
  message->id = (guint32) id;
  for (guint i = 3; i < n_names; i++)
    if (values[i] != NULL && !get_field (input, message, slots[i], values[i], what, error))
      return NULL;

  /* What one field says about another. */
  if (t == HORMIGA_SHARE_MESSAGE_HAVE)
    {
      gboolean has_bits = message->bits != NULL;
      gboolean has_msize = message->msize != 0;
      const char *state = have_states[message->state];

      if (has_bits != (message->state == HORMIGA_SHARE_HAVE_SOME))
        {
          g_set_error (error, HORMIGA_SHARE_ERROR, HORMIGA_SHARE_ERROR_MALFORMED,
                       "a have with state \"%s\" %s \"bits\"; only state \"some\" has them",
                       state, has_bits ? "carries" : "lacks");
          return NULL;
        }
      if (has_msize != (message->state != HORMIGA_SHARE_HAVE_NONE))
        {
          g_set_error (error, HORMIGA_SHARE_ERROR, HORMIGA_SHARE_ERROR_MALFORMED,
                       "a have with state \"%s\" %s \"msize\"; states \"all\" and \"some\" "
                       "have it, \"none\" does not", state, has_msize ? "carries" : "lacks");
          return NULL;
        }
    }
  if (t == HORMIGA_SHARE_MESSAGE_REPLY && message->entries != NULL && !message->accept)
    {
      g_set_error_literal (error, HORMIGA_SHARE_ERROR, HORMIGA_SHARE_ERROR_MALFORMED,
                           "a reply that declines carries \"entries\"; only one that accepts "
                           "part of a folder does");
      return NULL;
    }
  if (t == HORMIGA_SHARE_MESSAGE_MANIFEST &&
      (message->offset >= message->total ||
       g_bytes_get_size (message->data) > message->total - message->offset))
    {
      g_set_error (error, HORMIGA_SHARE_ERROR, HORMIGA_SHARE_ERROR_MALFORMED,
                   "a manifest piece of %" G_GSIZE_FORMAT " bytes at offset %" G_GUINT64_FORMAT
                   " goes past the end of a manifest of %" G_GUINT64_FORMAT " bytes",
                   g_bytes_get_size (message->data), message->offset, message->total);
      return NULL;
    }
  return g_steal_pointer (&message);
}

/* Looser than the field limits where that lets a field slightly over its
 * limit get an error naming it; no message nests. */
static const HormigaWireLimits message_limits = {
  .max_frame_size = HORMIGA_SHARE_MAX_MESSAGE,
  .max_depth = 2,
  .max_string_length = 1024,
  .max_binary_length = HORMIGA_SHARE_MAX_MESSAGE,
  .max_array_length = 16,
  .max_map_length = 32,
  .max_total_items = 256,
};

/**
 * hormiga_share_message_decode:
 * @bytes: one data channel message
 * @error: return location for a #HORMIGA_SHARE_ERROR
 *
 * Decodes one file sharing message. Everything docs/PROTOCOL.md ("File
 * sharing") does not allow is refused: %HORMIGA_SHARE_ERROR_TOO_LARGE for a
 * size above its limit, %HORMIGA_SHARE_ERROR_UNKNOWN_TYPE for a version,
 * "t" or "kind" this version does not know, %HORMIGA_SHARE_ERROR_MALFORMED
 * for the rest, including bytes that are not the canonical encoding.
 *
 * Returns: (transfer full) (nullable): the message, or %NULL with @error set
 */
HormigaShareMessage *
hormiga_share_message_decode (GBytes  *bytes,
                              GError **error)
{
  g_autoptr(HormigaShareMessage) message = NULL;
  msgpack_unpacked unpacked;
  const guint8 *data;
  gsize length = 0;

  g_return_val_if_fail (bytes != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  data = g_bytes_get_data (bytes, &length);
  msgpack_unpacked_init (&unpacked);
  if (_hormiga_share_unpack (data, length, &message_limits, "file sharing message", &unpacked,
                             error))
    message = message_from_object (bytes, &unpacked.data, error);
  msgpack_unpacked_destroy (&unpacked);
  if (message == NULL)
    return NULL;

  if (!encodes_to (message, data, length))
    {
      g_set_error (error, HORMIGA_SHARE_ERROR, HORMIGA_SHARE_ERROR_MALFORMED,
                   "the %s message is not in canonical form; every integer and every str, "
                   "bin and map header must take its shortest form",
                   type_specs[message->type].name);
      return NULL;
    }
  return g_steal_pointer (&message);
}
