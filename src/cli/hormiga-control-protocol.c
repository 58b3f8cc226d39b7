/* hormiga-control-protocol.c — the control socket's messages
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Requests are decoded like the network's messages: hormiga_wire_check()
 * walks the bytes within structural limits before msgpack-c unpacks them,
 * then every field is checked by name, type and value, and anything else
 * is refused with an error naming the field.
 */
#include <string.h>

#include "hormiga-control-protocol.h"
#include "hormiga-dht-record.h"
#include "hormiga-link.h"
#include "hormiga-msgpack.h"
#include "hormiga-wire-error.h"
#include "hormiga-wire-limits.h"

G_DEFINE_QUARK (hormiga-control-error-quark, hormiga_control_error)

static const char * const error_names[] = {
  [HORMIGA_CONTROL_ERROR_TOO_LARGE] = "too-large",
  [HORMIGA_CONTROL_ERROR_MALFORMED] = "malformed",
  [HORMIGA_CONTROL_ERROR_UNSUPPORTED_VERSION] = "unsupported-version",
  [HORMIGA_CONTROL_ERROR_UNKNOWN_OP] = "unknown-op",
  [HORMIGA_CONTROL_ERROR_INVALID_ARGUMENT] = "invalid-argument",
  [HORMIGA_CONTROL_ERROR_BUSY] = "busy",
  [HORMIGA_CONTROL_ERROR_NOT_FOUND] = "not-found",
  [HORMIGA_CONTROL_ERROR_FAILED] = "failed",
  [HORMIGA_CONTROL_ERROR_NO_NODE] = "no-node",
  [HORMIGA_CONTROL_ERROR_IN_USE] = "in-use",
  [HORMIGA_CONTROL_ERROR_UNSAFE] = "unsafe",
};

const char *
hormiga_control_error_to_string (HormigaControlError code)
{
  if ((guint) code >= G_N_ELEMENTS (error_names) || error_names[code] == NULL)
    return "failed";
  return error_names[code];
}

HormigaControlError
hormiga_control_error_from_string (const char *name,
                                   gsize       length)
{
  for (guint i = 0; i < G_N_ELEMENTS (error_names); i++)
    if (error_names[i] != NULL && strlen (error_names[i]) == length &&
        memcmp (error_names[i], name, length) == 0)
      return (HormigaControlError) i;
  return HORMIGA_CONTROL_ERROR_FAILED;
}

static const char * const op_names[] = {
  [HORMIGA_CONTROL_OP_PEERS] = "peers",
  [HORMIGA_CONTROL_OP_ROUTING_TABLE] = "routing-table",
  [HORMIGA_CONTROL_OP_FIND] = "find",
  [HORMIGA_CONTROL_OP_PUT] = "put",
  [HORMIGA_CONTROL_OP_GET] = "get",
  [HORMIGA_CONTROL_OP_STATS] = "stats",
  [HORMIGA_CONTROL_OP_QUIT] = "quit",
  [HORMIGA_CONTROL_OP_SHARE] = "share",
  [HORMIGA_CONTROL_OP_SEND] = "send",
  [HORMIGA_CONTROL_OP_DOWNLOAD] = "download",
  [HORMIGA_CONTROL_OP_TRANSFERS] = "transfers",
  [HORMIGA_CONTROL_OP_PAUSE] = "pause",
  [HORMIGA_CONTROL_OP_RESUME] = "resume",
  [HORMIGA_CONTROL_OP_CANCEL] = "cancel",
  [HORMIGA_CONTROL_OP_CONTINGENCY] = "contingency",
};

const char *
hormiga_control_op_to_string (HormigaControlOp op)
{
  g_return_val_if_fail ((guint) op < G_N_ELEMENTS (op_names), NULL);

  return op_names[op];
}

char *
hormiga_control_default_path (const char *data_dir)
{
  g_return_val_if_fail (data_dir != NULL, NULL);

  return g_build_filename (data_dir, "control.sock", NULL);
}

/* Which fields each operation needs, and which it may have. */
enum {
  FIELD_PEER = 1 << 0,
  FIELD_NAME = 1 << 1,
  FIELD_VALUE = 1 << 2,
  FIELD_PATH = 1 << 3,
  FIELD_LINK = 1 << 4,
  FIELD_FOLDER = 1 << 5,
  FIELD_CID = 1 << 6,
};

static const guint op_fields[] = {
  [HORMIGA_CONTROL_OP_PEERS] = 0,
  [HORMIGA_CONTROL_OP_ROUTING_TABLE] = 0,
  [HORMIGA_CONTROL_OP_FIND] = FIELD_PEER,
  [HORMIGA_CONTROL_OP_PUT] = FIELD_NAME | FIELD_VALUE,
  [HORMIGA_CONTROL_OP_GET] = FIELD_PEER | FIELD_NAME,
  [HORMIGA_CONTROL_OP_STATS] = 0,
  [HORMIGA_CONTROL_OP_QUIT] = 0,
  [HORMIGA_CONTROL_OP_SHARE] = FIELD_PATH,
  [HORMIGA_CONTROL_OP_SEND] = FIELD_PEER | FIELD_PATH,
  [HORMIGA_CONTROL_OP_DOWNLOAD] = FIELD_LINK,
  [HORMIGA_CONTROL_OP_TRANSFERS] = 0,
  [HORMIGA_CONTROL_OP_PAUSE] = FIELD_CID,
  [HORMIGA_CONTROL_OP_RESUME] = FIELD_CID,
  [HORMIGA_CONTROL_OP_CANCEL] = FIELD_CID,
  [HORMIGA_CONTROL_OP_CONTINGENCY] = 0,
};

static const guint op_optional_fields[G_N_ELEMENTS (op_names)] = {
  [HORMIGA_CONTROL_OP_DOWNLOAD] = FIELD_FOLDER,
};

G_STATIC_ASSERT (G_N_ELEMENTS (op_fields) == G_N_ELEMENTS (op_names));

HormigaControlRequest *
hormiga_control_request_new (guint64          id,
                             HormigaControlOp op)
{
  HormigaControlRequest *request;

  g_return_val_if_fail ((guint) op < G_N_ELEMENTS (op_names), NULL);

  request = g_new0 (HormigaControlRequest, 1);
  request->id = id;
  request->op = op;
  return request;
}

void
hormiga_control_request_free (HormigaControlRequest *request)
{
  if (request == NULL)
    return;
  g_clear_pointer (&request->peer, hormiga_peer_id_unref);
  g_clear_pointer (&request->value, g_bytes_unref);
  g_free (request->name);
  g_free (request->path);
  g_free (request->link);
  g_free (request->folder);
  g_free (request->cid);
  g_free (request);
}

/* ---- frames ----------------------------------------------------------------- */

static GByteArray *
frame_begin (msgpack_packer *packer)
{
  GByteArray *frame = g_byte_array_sized_new (64);
  static const guint8 header[HORMIGA_CONTROL_HEADER_SIZE] = { 0 };

  g_byte_array_append (frame, header, sizeof header);
  msgpack_packer_init (packer, frame, hormiga_msgpack_append);
  return frame;
}

static GBytes *
frame_end (GByteArray *frame)
{
  guint32 length = (guint32) (frame->len - HORMIGA_CONTROL_HEADER_SIZE);

  frame->data[0] = (guint8) (length >> 24);
  frame->data[1] = (guint8) (length >> 16);
  frame->data[2] = (guint8) (length >> 8);
  frame->data[3] = (guint8) length;
  return g_byte_array_free_to_bytes (frame);
}

GBytes *
hormiga_control_request_encode (const HormigaControlRequest *request)
{
  msgpack_packer packer;
  GByteArray *frame;
  guint fields;

  g_return_val_if_fail (request != NULL, NULL);
  g_return_val_if_fail ((guint) request->op < G_N_ELEMENTS (op_names), NULL);

  fields = op_fields[request->op];
  g_return_val_if_fail (!(fields & FIELD_PEER) || request->peer != NULL, NULL);
  g_return_val_if_fail (!(fields & FIELD_NAME) || request->name != NULL, NULL);
  g_return_val_if_fail (!(fields & FIELD_VALUE) || request->value != NULL, NULL);
  g_return_val_if_fail (!(fields & FIELD_PATH) || request->path != NULL, NULL);
  g_return_val_if_fail (!(fields & FIELD_LINK) || request->link != NULL, NULL);
  g_return_val_if_fail (!(fields & FIELD_CID) || request->cid != NULL, NULL);
  /* An optional field goes out when it is set. */
  if ((op_optional_fields[request->op] & FIELD_FOLDER) && request->folder != NULL)
    fields |= FIELD_FOLDER;

  frame = frame_begin (&packer);
  msgpack_pack_map (&packer, 3 + !!(fields & FIELD_PEER) + !!(fields & FIELD_NAME) +
                             !!(fields & FIELD_VALUE) + !!(fields & FIELD_PATH) +
                             !!(fields & FIELD_LINK) + !!(fields & FIELD_FOLDER) +
                             !!(fields & FIELD_CID));
  hormiga_msgpack_pack_str (&packer, "v");
  msgpack_pack_uint32 (&packer, HORMIGA_CONTROL_VERSION);
  hormiga_msgpack_pack_str (&packer, "id");
  msgpack_pack_uint64 (&packer, request->id);
  hormiga_msgpack_pack_str (&packer, "op");
  hormiga_msgpack_pack_str (&packer, op_names[request->op]);
  if (fields & FIELD_PEER)
    {
      hormiga_msgpack_pack_str (&packer, "peer");
      hormiga_msgpack_pack_str (&packer, hormiga_peer_id_to_string (request->peer));
    }
  if (fields & FIELD_NAME)
    {
      hormiga_msgpack_pack_str (&packer, "name");
      hormiga_msgpack_pack_str (&packer, request->name);
    }
  if (fields & FIELD_VALUE)
    {
      gsize length = 0;
      const void *data = g_bytes_get_data (request->value, &length);

      hormiga_msgpack_pack_str (&packer, "value");
      hormiga_msgpack_pack_bin (&packer, data, length);
    }
  if (fields & FIELD_PATH)
    {
      hormiga_msgpack_pack_str (&packer, "path");
      hormiga_msgpack_pack_str (&packer, request->path);
    }
  if (fields & FIELD_LINK)
    {
      hormiga_msgpack_pack_str (&packer, "link");
      hormiga_msgpack_pack_str (&packer, request->link);
    }
  if (fields & FIELD_FOLDER)
    {
      hormiga_msgpack_pack_str (&packer, "folder");
      hormiga_msgpack_pack_str (&packer, request->folder);
    }
  if (fields & FIELD_CID)
    {
      g_autofree char *hex = hormiga_content_id_to_string (request->cid);

      hormiga_msgpack_pack_str (&packer, "cid");
      hormiga_msgpack_pack_str (&packer, hex);
    }
  return frame_end (frame);
}

/* ---- request decoding --------------------------------------------------------- */

/* Looser than the fields' limits, so that a field a little over its limit
 * gets an error naming it; tight enough that msgpack-c unpacks little. */
static const HormigaWireLimits request_limits = {
  .max_frame_size = HORMIGA_CONTROL_MAX_REQUEST,
  .max_depth = 3,
  .max_string_length = 2 * HORMIGA_CONTROL_MAX_PATH,
  .max_binary_length = HORMIGA_CONTROL_MAX_REQUEST,
  .max_array_length = 16,
  .max_map_length = 16,
  .max_total_items = 128,
};

static gboolean
text_field (const char         *field,
            const msgpack_object *object,
            gsize               max_length,
            char              **out,
            GError            **error)
{
  g_autofree char *got = NULL;

  if (object->type != MSGPACK_OBJECT_STR)
    {
      got = hormiga_msgpack_describe (object);
      g_set_error (error, HORMIGA_CONTROL_ERROR, HORMIGA_CONTROL_ERROR_MALFORMED,
                   "the field “%s” must be a str; got %s", field, got);
      return FALSE;
    }
  if (object->via.str.size == 0 || object->via.str.size > max_length)
    {
      g_set_error (error, HORMIGA_CONTROL_ERROR, HORMIGA_CONTROL_ERROR_INVALID_ARGUMENT,
                   "the field “%s” takes 1 to %" G_GSIZE_FORMAT " bytes; got %u", field,
                   max_length, object->via.str.size);
      return FALSE;
    }
  if (memchr (object->via.str.ptr, '\0', object->via.str.size) != NULL ||
      !g_utf8_validate (object->via.str.ptr, object->via.str.size, NULL))
    {
      g_set_error (error, HORMIGA_CONTROL_ERROR, HORMIGA_CONTROL_ERROR_INVALID_ARGUMENT,
                   "the field “%s” must be UTF-8 text without NUL characters", field);
      return FALSE;
    }
  *out = g_strndup (object->via.str.ptr, object->via.str.size);
  return TRUE;
}

/* An absolute path: UTF-8, no NUL, within the limit. */
static gboolean
path_field (const char           *field,
            const msgpack_object *object,
            char                **out,
            GError              **error)
{
  g_autofree char *path = NULL;

  if (!text_field (field, object, HORMIGA_CONTROL_MAX_PATH, &path, error))
    return FALSE;
  if (!g_path_is_absolute (path))
    {
      g_autofree char *quoted = hormiga_msgpack_quote_text (path, strlen (path));

      g_set_error (error, HORMIGA_CONTROL_ERROR, HORMIGA_CONTROL_ERROR_INVALID_ARGUMENT,
                   "the field “%s” must be an absolute path (the node does not know the "
                   "client's working directory); got %s", field, quoted);
      return FALSE;
    }
  *out = g_steal_pointer (&path);
  return TRUE;
}

static gboolean
request_from_map (const msgpack_object   *map,
                  HormigaControlRequest **out,
                  guint64                *id,
                  GError                **error)
{
  g_autoptr(HormigaControlRequest) request = g_new0 (HormigaControlRequest, 1);
  const msgpack_object *version = NULL, *id_object = NULL, *op = NULL;
  const msgpack_object *peer = NULL, *name = NULL, *value = NULL;
  const msgpack_object *path = NULL, *link = NULL, *folder = NULL, *cid = NULL;
  g_autofree char *got = NULL;
  gboolean op_known = FALSE;
  guint fields, optional;

  if (map->type != MSGPACK_OBJECT_MAP)
    {
      got = hormiga_msgpack_describe (map);
      g_set_error (error, HORMIGA_CONTROL_ERROR, HORMIGA_CONTROL_ERROR_MALFORMED,
                   "a request is a map with “v”, “id” and “op”; got %s", got);
      return FALSE;
    }

  /* The id first, so that every later error can name the request. */
  for (guint32 i = 0; i < map->via.map.size; i++)
    if (hormiga_msgpack_key_is (&map->via.map.ptr[i].key, "id") &&
        map->via.map.ptr[i].val.type == MSGPACK_OBJECT_POSITIVE_INTEGER)
      *id = map->via.map.ptr[i].val.via.u64;

  for (guint32 i = 0; i < map->via.map.size; i++)
    {
      const msgpack_object *key = &map->via.map.ptr[i].key;
      const msgpack_object *val = &map->via.map.ptr[i].val;
      const msgpack_object **slot;

      if (hormiga_msgpack_key_is (key, "v"))
        slot = &version;
      else if (hormiga_msgpack_key_is (key, "id"))
        slot = &id_object;
      else if (hormiga_msgpack_key_is (key, "op"))
        slot = &op;
      else if (hormiga_msgpack_key_is (key, "peer"))
        slot = &peer;
      else if (hormiga_msgpack_key_is (key, "name"))
        slot = &name;
      else if (hormiga_msgpack_key_is (key, "value"))
        slot = &value;
      else if (hormiga_msgpack_key_is (key, "path"))
        slot = &path;
      else if (hormiga_msgpack_key_is (key, "link"))
        slot = &link;
      else if (hormiga_msgpack_key_is (key, "folder"))
        slot = &folder;
      else if (hormiga_msgpack_key_is (key, "cid"))
        slot = &cid;
      else
        {
          g_autofree char *quoted = NULL;

          if (key->type == MSGPACK_OBJECT_STR)
            quoted = hormiga_msgpack_quote_text (key->via.str.ptr, key->via.str.size);
          else
            quoted = hormiga_msgpack_describe (key);
          g_set_error (error, HORMIGA_CONTROL_ERROR, HORMIGA_CONTROL_ERROR_MALFORMED,
                       "a request has no field %s; its fields are v, id, op, peer, name, "
                       "value, path, link, folder and cid", quoted);
          return FALSE;
        }
      if (*slot != NULL)
        {
          g_set_error (error, HORMIGA_CONTROL_ERROR, HORMIGA_CONTROL_ERROR_MALFORMED,
                       "the field “%.*s” appears twice", (int) key->via.str.size,
                       key->via.str.ptr);
          return FALSE;
        }
      *slot = val;
    }

  if (version == NULL || id_object == NULL || op == NULL)
    {
      g_set_error (error, HORMIGA_CONTROL_ERROR, HORMIGA_CONTROL_ERROR_MALFORMED,
                   "a request needs the field “%s”",
                   version == NULL ? "v" : id_object == NULL ? "id" : "op");
      return FALSE;
    }
  if (version->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
    {
      got = hormiga_msgpack_describe (version);
      g_set_error (error, HORMIGA_CONTROL_ERROR, HORMIGA_CONTROL_ERROR_MALFORMED,
                   "the field “v” must be a uint; got %s", got);
      return FALSE;
    }
  if (version->via.u64 != HORMIGA_CONTROL_VERSION)
    {
      g_set_error (error, HORMIGA_CONTROL_ERROR, HORMIGA_CONTROL_ERROR_UNSUPPORTED_VERSION,
                   "this node speaks version %u of the control protocol, not %" G_GUINT64_FORMAT
                   "; use the hormiga-node program of the same build",
                   HORMIGA_CONTROL_VERSION, (guint64) version->via.u64);
      return FALSE;
    }
  if (id_object->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
    {
      got = hormiga_msgpack_describe (id_object);
      g_set_error (error, HORMIGA_CONTROL_ERROR, HORMIGA_CONTROL_ERROR_MALFORMED,
                   "the field “id” must be a uint; got %s", got);
      return FALSE;
    }
  request->id = id_object->via.u64;

  if (op->type != MSGPACK_OBJECT_STR)
    {
      got = hormiga_msgpack_describe (op);
      g_set_error (error, HORMIGA_CONTROL_ERROR, HORMIGA_CONTROL_ERROR_MALFORMED,
                   "the field “op” must be a str; got %s", got);
      return FALSE;
    }
  for (guint i = 0; i < G_N_ELEMENTS (op_names); i++)
    if (strlen (op_names[i]) == op->via.str.size &&
        memcmp (op_names[i], op->via.str.ptr, op->via.str.size) == 0)
      {
        request->op = (HormigaControlOp) i;
        op_known = TRUE;
      }
  if (!op_known)
    {
      g_autofree char *quoted = hormiga_msgpack_quote_text (op->via.str.ptr, op->via.str.size);

      g_set_error (error, HORMIGA_CONTROL_ERROR, HORMIGA_CONTROL_ERROR_UNKNOWN_OP,
                   "unknown operation %s; the operations are peers, routing-table, find, put, "
                   "get, stats, quit, share, send, download, transfers, pause, resume, "
                   "cancel and contingency", quoted);
      return FALSE;
    }

  fields = op_fields[request->op];
  optional = op_optional_fields[request->op];
  {
    struct { const msgpack_object *object; guint field; const char *name; } given[] = {
      { peer, FIELD_PEER, "peer" }, { name, FIELD_NAME, "name" }, { value, FIELD_VALUE, "value" },
      { path, FIELD_PATH, "path" }, { link, FIELD_LINK, "link" },
      { folder, FIELD_FOLDER, "folder" }, { cid, FIELD_CID, "cid" },
    };

    for (guint i = 0; i < G_N_ELEMENTS (given); i++)
      {
        if (given[i].object != NULL && !((fields | optional) & given[i].field))
          {
            g_set_error (error, HORMIGA_CONTROL_ERROR, HORMIGA_CONTROL_ERROR_INVALID_ARGUMENT,
                         "the operation %s takes no field “%s”", op_names[request->op],
                         given[i].name);
            return FALSE;
          }
        if (given[i].object == NULL && (fields & given[i].field))
          {
            g_set_error (error, HORMIGA_CONTROL_ERROR, HORMIGA_CONTROL_ERROR_INVALID_ARGUMENT,
                         "the operation %s needs the field “%s”", op_names[request->op],
                         given[i].name);
            return FALSE;
          }
      }
  }

  if (peer != NULL)
    {
      g_autofree char *text = NULL;
      g_autoptr(GError) parse_error = NULL;

      /* A PeerID's text is 52 characters; leave room for a clear error. */
      if (!text_field ("peer", peer, 128, &text, error))
        return FALSE;
      request->peer = hormiga_peer_id_parse (text, &parse_error);
      if (request->peer == NULL)
        {
          g_set_error (error, HORMIGA_CONTROL_ERROR, HORMIGA_CONTROL_ERROR_INVALID_ARGUMENT,
                       "the field “peer” is not a PeerID: %s", parse_error->message);
          return FALSE;
        }
    }
  if (name != NULL && !text_field ("name", name, HORMIGA_DHT_RECORD_MAX_NAME, &request->name,
                                   error))
    return FALSE;
  if (value != NULL)
    {
      if (value->type != MSGPACK_OBJECT_BIN)
        {
          got = hormiga_msgpack_describe (value);
          g_set_error (error, HORMIGA_CONTROL_ERROR, HORMIGA_CONTROL_ERROR_MALFORMED,
                       "the field “value” must be a bin; got %s", got);
          return FALSE;
        }
      if (value->via.bin.size > HORMIGA_DHT_RECORD_MAX_VALUE)
        {
          g_set_error (error, HORMIGA_CONTROL_ERROR, HORMIGA_CONTROL_ERROR_INVALID_ARGUMENT,
                       "a value has at most %u bytes; got %u", HORMIGA_DHT_RECORD_MAX_VALUE,
                       value->via.bin.size);
          return FALSE;
        }
      request->value = g_bytes_new (value->via.bin.ptr, value->via.bin.size);
    }
  if (path != NULL && !path_field ("path", path, &request->path, error))
    return FALSE;
  if (folder != NULL && !path_field ("folder", folder, &request->folder, error))
    return FALSE;
  if (link != NULL)
    {
      g_autoptr(HormigaLink) parsed = NULL;
      g_autoptr(GError) parse_error = NULL;

      if (!text_field ("link", link, HORMIGA_CONTROL_MAX_PATH, &request->link, error))
        return FALSE;
      parsed = hormiga_link_parse (request->link, &parse_error);
      if (parsed == NULL)
        {
          /* The link parser's own words start with "not a hormiga: link"
           * when the scheme is wrong. */
          if (g_str_has_prefix (parse_error->message, "not a hormiga: link"))
            g_set_error (error, HORMIGA_CONTROL_ERROR, HORMIGA_CONTROL_ERROR_INVALID_ARGUMENT,
                         "the field “link”: %s", parse_error->message);
          else
            g_set_error (error, HORMIGA_CONTROL_ERROR, HORMIGA_CONTROL_ERROR_INVALID_ARGUMENT,
                         "the field “link” is not a hormiga: link: %s", parse_error->message);
          return FALSE;
        }
    }
  if (cid != NULL)
    {
      g_autofree char *text = NULL;
      HormigaContentId parsed;

      /* 64 hexadecimal digits; leave room for a clear error. */
      if (!text_field ("cid", cid, 256, &text, error))
        return FALSE;
      if (!hormiga_content_id_parse (text, &parsed, NULL))
        {
          g_autofree char *quoted = hormiga_msgpack_quote_text (text, strlen (text));

          g_set_error (error, HORMIGA_CONTROL_ERROR, HORMIGA_CONTROL_ERROR_INVALID_ARGUMENT,
                       "the field “cid” must be a content ID, 64 hexadecimal digits (as "
                       "`transfers` lists them); got %s", quoted);
          return FALSE;
        }
      request->cid = hormiga_content_id_dup (&parsed);
    }

  *out = g_steal_pointer (&request);
  return TRUE;
}

HormigaControlRequest *
hormiga_control_request_decode (const guint8  *data,
                                gsize          length,
                                guint64       *id,
                                GError       **error)
{
  g_autoptr(GError) wire_error = NULL;
  HormigaControlRequest *request = NULL;
  msgpack_unpacked unpacked;
  msgpack_unpack_return status;
  size_t offset = 0;
  guint64 unused_id;

  g_return_val_if_fail (data != NULL || length == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (id == NULL)
    id = &unused_id;
  *id = 0;

  if (!hormiga_wire_check (data, length, &request_limits, &wire_error))
    {
      g_set_error (error, HORMIGA_CONTROL_ERROR,
                   g_error_matches (wire_error, HORMIGA_WIRE_ERROR, HORMIGA_WIRE_ERROR_TOO_LARGE)
                     ? HORMIGA_CONTROL_ERROR_TOO_LARGE : HORMIGA_CONTROL_ERROR_MALFORMED,
                   "the request is not one MessagePack map within the limits: %s",
                   wire_error->message);
      return NULL;
    }

  msgpack_unpacked_init (&unpacked);
  status = msgpack_unpack_next (&unpacked, (const char *) data, length, &offset);
  if (status != MSGPACK_UNPACK_SUCCESS || offset != length)
    {
      msgpack_unpacked_destroy (&unpacked);
      g_set_error (error, HORMIGA_CONTROL_ERROR, HORMIGA_CONTROL_ERROR_MALFORMED,
                   "msgpack-c could not unpack the %" G_GSIZE_FORMAT "-byte request (status %d)"
                   " although it passed the wire check", length, (int) status);
      return NULL;
    }
  request_from_map (&unpacked.data, &request, id, error);
  msgpack_unpacked_destroy (&unpacked);
  return request;
}

/* ---- the stream reader ---------------------------------------------------------- */

struct _HormigaControlReader
{
  GByteArray *buffer;
  gsize       consumed;   /* bytes at the start of buffer already returned */
  gsize       max_frame;
};

HormigaControlReader *
hormiga_control_reader_new (gsize max_frame)
{
  HormigaControlReader *reader = g_new0 (HormigaControlReader, 1);

  g_return_val_if_fail (max_frame > 0 && max_frame <= G_MAXUINT32, NULL);

  reader->buffer = g_byte_array_new ();
  reader->max_frame = max_frame;
  return reader;
}

void
hormiga_control_reader_free (HormigaControlReader *reader)
{
  if (reader == NULL)
    return;
  g_byte_array_unref (reader->buffer);
  g_free (reader);
}

void
hormiga_control_reader_push (HormigaControlReader *reader,
                             const guint8         *data,
                             gsize                 length)
{
  g_return_if_fail (reader != NULL);
  g_return_if_fail (data != NULL || length == 0);

  /* Drop what has been returned before growing. */
  if (reader->consumed > 0)
    {
      g_byte_array_remove_range (reader->buffer, 0, (guint) reader->consumed);
      reader->consumed = 0;
    }
  if (length > 0)
    g_byte_array_append (reader->buffer, data, (guint) length);
}

GBytes *
hormiga_control_reader_next (HormigaControlReader  *reader,
                             GError               **error)
{
  const guint8 *p;
  gsize available;
  guint32 length;
  GBytes *body;

  g_return_val_if_fail (reader != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  available = reader->buffer->len - reader->consumed;
  if (available < HORMIGA_CONTROL_HEADER_SIZE)
    return NULL;
  p = reader->buffer->data + reader->consumed;
  length = ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
  if (length > reader->max_frame)
    {
      g_set_error (error, HORMIGA_CONTROL_ERROR, HORMIGA_CONTROL_ERROR_TOO_LARGE,
                   "a frame of %u bytes is above the limit of %" G_GSIZE_FORMAT " (frames are a "
                   "4-byte big-endian length and one MessagePack map; see docs/PROTOCOL.md, "
                   "“Control socket”)", length, reader->max_frame);
      return NULL;
    }
  if (available - HORMIGA_CONTROL_HEADER_SIZE < length)
    return NULL;
  body = g_bytes_new (p + HORMIGA_CONTROL_HEADER_SIZE, length);
  reader->consumed += HORMIGA_CONTROL_HEADER_SIZE + length;
  return body;
}

gsize
hormiga_control_reader_get_buffered (HormigaControlReader *reader)
{
  g_return_val_if_fail (reader != NULL, 0);

  return reader->buffer->len - reader->consumed;
}

/* ---- replies ---------------------------------------------------------------------- */

GByteArray *
hormiga_control_reply_begin (msgpack_packer *packer,
                             guint64         id)
{
  GByteArray *frame;

  g_return_val_if_fail (packer != NULL, NULL);

  frame = frame_begin (packer);
  msgpack_pack_map (packer, 4);
  hormiga_msgpack_pack_str (packer, "v");
  msgpack_pack_uint32 (packer, HORMIGA_CONTROL_VERSION);
  hormiga_msgpack_pack_str (packer, "id");
  msgpack_pack_uint64 (packer, id);
  hormiga_msgpack_pack_str (packer, "ok");
  msgpack_pack_true (packer);
  hormiga_msgpack_pack_str (packer, "result");
  return frame;
}

GBytes *
hormiga_control_reply_end (GByteArray *frame)
{
  g_return_val_if_fail (frame != NULL && frame->len > HORMIGA_CONTROL_HEADER_SIZE, NULL);

  return frame_end (frame);
}

GBytes *
hormiga_control_error_reply (guint64             id,
                             HormigaControlError code,
                             const char         *message)
{
  msgpack_packer packer;
  GByteArray *frame;
  g_autofree char *valid = NULL;

  g_return_val_if_fail (message != NULL, NULL);

  valid = g_utf8_make_valid (message, -1);
  frame = frame_begin (&packer);
  msgpack_pack_map (&packer, 5);
  hormiga_msgpack_pack_str (&packer, "v");
  msgpack_pack_uint32 (&packer, HORMIGA_CONTROL_VERSION);
  hormiga_msgpack_pack_str (&packer, "id");
  msgpack_pack_uint64 (&packer, id);
  hormiga_msgpack_pack_str (&packer, "ok");
  msgpack_pack_false (&packer);
  hormiga_msgpack_pack_str (&packer, "error");
  hormiga_msgpack_pack_str (&packer, hormiga_control_error_to_string (code));
  hormiga_msgpack_pack_str (&packer, "message");
  hormiga_msgpack_pack_str (&packer, valid);
  return frame_end (frame);
}

static const HormigaWireLimits reply_limits = {
  .max_frame_size = HORMIGA_CONTROL_MAX_RESPONSE,
  .max_depth = 6,
  .max_string_length = 64 * 1024,
  .max_binary_length = 64 * 1024,
  .max_array_length = 16384,
  .max_map_length = 64,
  .max_total_items = 1 << 20,
};

const msgpack_object *
hormiga_control_map_lookup (const msgpack_object *map,
                            const char           *key)
{
  g_return_val_if_fail (map != NULL && key != NULL, NULL);

  if (map->type != MSGPACK_OBJECT_MAP)
    return NULL;
  for (guint32 i = 0; i < map->via.map.size; i++)
    if (hormiga_msgpack_key_is (&map->via.map.ptr[i].key, key))
      return &map->via.map.ptr[i].val;
  return NULL;
}

HormigaControlReply *
hormiga_control_reply_decode (const guint8  *data,
                              gsize          length,
                              GError       **error)
{
  g_autoptr(GError) wire_error = NULL;
  g_autoptr(HormigaControlReply) reply = g_new0 (HormigaControlReply, 1);
  const msgpack_object *version, *id, *ok;
  size_t offset = 0;

  g_return_val_if_fail (data != NULL || length == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  msgpack_unpacked_init (&reply->unpacked);
  if (!hormiga_wire_check (data, length, &reply_limits, &wire_error))
    {
      g_set_error (error, HORMIGA_CONTROL_ERROR, HORMIGA_CONTROL_ERROR_MALFORMED,
                   "the node's reply is not one MessagePack map within the limits: %s",
                   wire_error->message);
      return NULL;
    }
  /* msgpack-c's str and bin objects point into the bytes it unpacks. */
  reply->data = g_memdup2 (data, length);
  if (msgpack_unpack_next (&reply->unpacked, (const char *) reply->data, length, &offset) !=
        MSGPACK_UNPACK_SUCCESS || offset != length)
    {
      g_set_error (error, HORMIGA_CONTROL_ERROR, HORMIGA_CONTROL_ERROR_MALFORMED,
                   "msgpack-c could not unpack the node's %" G_GSIZE_FORMAT "-byte reply", length);
      return NULL;
    }

  version = hormiga_control_map_lookup (&reply->unpacked.data, "v");
  id = hormiga_control_map_lookup (&reply->unpacked.data, "id");
  ok = hormiga_control_map_lookup (&reply->unpacked.data, "ok");
  if (version == NULL || version->type != MSGPACK_OBJECT_POSITIVE_INTEGER ||
      version->via.u64 != HORMIGA_CONTROL_VERSION || id == NULL ||
      id->type != MSGPACK_OBJECT_POSITIVE_INTEGER || ok == NULL ||
      ok->type != MSGPACK_OBJECT_BOOLEAN)
    {
      g_set_error (error, HORMIGA_CONTROL_ERROR, HORMIGA_CONTROL_ERROR_MALFORMED,
                   "the node's reply lacks “v” = %u, “id” or “ok”; is it a hormiga-node of "
                   "another version?", HORMIGA_CONTROL_VERSION);
      return NULL;
    }
  reply->id = id->via.u64;

  if (ok->via.boolean)
    {
      reply->result = hormiga_control_map_lookup (&reply->unpacked.data, "result");
      if (reply->result == NULL || reply->result->type != MSGPACK_OBJECT_MAP)
        {
          g_set_error (error, HORMIGA_CONTROL_ERROR, HORMIGA_CONTROL_ERROR_MALFORMED,
                       "the node's reply has no “result” map");
          return NULL;
        }
    }
  else
    {
      const msgpack_object *code = hormiga_control_map_lookup (&reply->unpacked.data, "error");
      const msgpack_object *message = hormiga_control_map_lookup (&reply->unpacked.data,
                                                                  "message");
      g_autofree char *text = NULL;

      if (code == NULL || code->type != MSGPACK_OBJECT_STR || message == NULL ||
          message->type != MSGPACK_OBJECT_STR)
        {
          g_set_error (error, HORMIGA_CONTROL_ERROR, HORMIGA_CONTROL_ERROR_MALFORMED,
                       "the node's error reply lacks “error” or “message”");
          return NULL;
        }
      text = g_utf8_make_valid (message->via.str.ptr, message->via.str.size);
      reply->error = g_error_new_literal (HORMIGA_CONTROL_ERROR,
                                          hormiga_control_error_from_string (code->via.str.ptr,
                                                                             code->via.str.size),
                                          text);
    }
  return g_steal_pointer (&reply);
}

void
hormiga_control_reply_free (HormigaControlReply *reply)
{
  if (reply == NULL)
    return;
  msgpack_unpacked_destroy (&reply->unpacked);
  g_clear_error (&reply->error);
  g_free (reply->data);
  g_free (reply);
}
