/* test-control.c — the control socket: its decoder, and its server in this process
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The decoder's refusals, the frame reader, the JSON writer; then a
 * HormigaControlServer over a node that never joins a network, driven by
 * raw clients on the same main context: answers, garbage, the limits and
 * the socket file's rules.
 */
#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>

#include "hormiga-control-protocol.h"
#include "hormiga-control-server.h"
#include "hormiga-dht-record.h"
#include "hormiga-json.h"
#include "hormiga-msgpack.h"
#include "hormiga-test-util.h"
#include "hormiga-transfer-manager.h"

#define WAIT_MS 20000

static HormigaIdentity *
test_identity (guint8 n)
{
  guint8 seed[32];

  memset (seed, n, sizeof seed);
  return hormiga_identity_new_from_seed (seed);
}

/* ---- the decoder -------------------------------------------------------------------- */

/* A request body from pairs of (key, value) written by @pack. */
typedef void (*PackFunc) (msgpack_packer *packer);

static GBytes *
pack_body (PackFunc pack)
{
  GByteArray *body = g_byte_array_new ();
  msgpack_packer packer;

  msgpack_packer_init (&packer, body, hormiga_msgpack_append);
  pack (&packer);
  return g_byte_array_free_to_bytes (body);
}

static void
kv_uint (msgpack_packer *p, const char *key, guint64 value)
{
  hormiga_msgpack_pack_str (p, key);
  msgpack_pack_uint64 (p, value);
}

static void
kv_str (msgpack_packer *p, const char *key, const char *value)
{
  hormiga_msgpack_pack_str (p, key);
  hormiga_msgpack_pack_str (p, value);
}

static void pack_not_map (msgpack_packer *p) { msgpack_pack_array (p, 0); }
static void pack_no_version (msgpack_packer *p)
{ msgpack_pack_map (p, 2); kv_uint (p, "id", 3); kv_str (p, "op", "stats"); }
static void pack_version_2 (msgpack_packer *p)
{ msgpack_pack_map (p, 3); kv_uint (p, "v", 2); kv_uint (p, "id", 3); kv_str (p, "op", "stats"); }
static void pack_unknown_op (msgpack_packer *p)
{ msgpack_pack_map (p, 3); kv_uint (p, "v", 1); kv_uint (p, "id", 3); kv_str (p, "op", "reboot"); }
static void pack_unknown_field (msgpack_packer *p)
{
  msgpack_pack_map (p, 4); kv_uint (p, "v", 1); kv_uint (p, "id", 3); kv_str (p, "op", "stats");
  kv_str (p, "colour", "red");
}
static void pack_twice (msgpack_packer *p)
{
  msgpack_pack_map (p, 4); kv_uint (p, "v", 1); kv_uint (p, "id", 3); kv_str (p, "op", "stats");
  kv_str (p, "op", "peers");
}
static void pack_bad_peer (msgpack_packer *p)
{
  msgpack_pack_map (p, 4); kv_uint (p, "v", 1); kv_uint (p, "id", 3); kv_str (p, "op", "find");
  kv_str (p, "peer", "12D3KooWnot-a-peer");
}
static void pack_find_no_peer (msgpack_packer *p)
{ msgpack_pack_map (p, 3); kv_uint (p, "v", 1); kv_uint (p, "id", 3); kv_str (p, "op", "find"); }
static void pack_stats_with_name (msgpack_packer *p)
{
  msgpack_pack_map (p, 4); kv_uint (p, "v", 1); kv_uint (p, "id", 3); kv_str (p, "op", "stats");
  kv_str (p, "name", "x");
}
static void pack_long_name (msgpack_packer *p)
{
  char name[HORMIGA_DHT_RECORD_MAX_NAME + 2];

  memset (name, 'n', sizeof name - 1);
  name[sizeof name - 1] = '\0';
  msgpack_pack_map (p, 5); kv_uint (p, "v", 1); kv_uint (p, "id", 3); kv_str (p, "op", "put");
  kv_str (p, "name", name);
  hormiga_msgpack_pack_str (p, "value");
  hormiga_msgpack_pack_bin (p, "v", 1);
}
static void pack_value_str (msgpack_packer *p)
{
  msgpack_pack_map (p, 5); kv_uint (p, "v", 1); kv_uint (p, "id", 3); kv_str (p, "op", "put");
  kv_str (p, "name", "n"); kv_str (p, "value", "text");
}
static void pack_big_value (msgpack_packer *p)
{
  g_autofree guint8 *value = g_malloc0 (HORMIGA_DHT_RECORD_MAX_VALUE + 1);

  msgpack_pack_map (p, 5); kv_uint (p, "v", 1); kv_uint (p, "id", 3); kv_str (p, "op", "put");
  kv_str (p, "name", "n");
  hormiga_msgpack_pack_str (p, "value");
  hormiga_msgpack_pack_bin (p, value, HORMIGA_DHT_RECORD_MAX_VALUE + 1);
}
static void pack_name_nul (msgpack_packer *p)
{
  msgpack_pack_map (p, 5); kv_uint (p, "v", 1); kv_uint (p, "id", 3); kv_str (p, "op", "put");
  hormiga_msgpack_pack_str (p, "name");
  msgpack_pack_str (p, 3);
  msgpack_pack_str_body (p, "a\0b", 3);
  hormiga_msgpack_pack_str (p, "value");
  hormiga_msgpack_pack_bin (p, "v", 1);
}
static void pack_id_negative (msgpack_packer *p)
{
  msgpack_pack_map (p, 3); kv_uint (p, "v", 1); hormiga_msgpack_pack_str (p, "id");
  msgpack_pack_int64 (p, -1); kv_str (p, "op", "stats");
}
static void pack_trailing (msgpack_packer *p)
{
  msgpack_pack_map (p, 3); kv_uint (p, "v", 1); kv_uint (p, "id", 3); kv_str (p, "op", "stats");
  msgpack_pack_nil (p);
}
static void pack_deep (msgpack_packer *p)
{
  msgpack_pack_map (p, 4); kv_uint (p, "v", 1); kv_uint (p, "id", 3); kv_str (p, "op", "stats");
  hormiga_msgpack_pack_str (p, "x");
  for (guint i = 0; i < 10; i++)
    msgpack_pack_array (p, 1);
  msgpack_pack_nil (p);
}

/* ---- the file operations' fields ---- */

#define A_LINK "hormiga:abababababababababababababababababababababababababababababababab"
#define A_CID  "abababababababababababababababababababababababababababababababab"

static void pack_share_no_path (msgpack_packer *p)
{ msgpack_pack_map (p, 3); kv_uint (p, "v", 1); kv_uint (p, "id", 3); kv_str (p, "op", "share"); }
static void pack_share_relative (msgpack_packer *p)
{
  msgpack_pack_map (p, 4); kv_uint (p, "v", 1); kv_uint (p, "id", 3); kv_str (p, "op", "share");
  kv_str (p, "path", "notes.txt");
}
static void pack_share_long_path (msgpack_packer *p)
{
  char path[HORMIGA_CONTROL_MAX_PATH + 2];

  memset (path, 'p', sizeof path - 1);
  path[0] = '/';
  path[sizeof path - 1] = '\0';
  msgpack_pack_map (p, 4); kv_uint (p, "v", 1); kv_uint (p, "id", 3); kv_str (p, "op", "share");
  kv_str (p, "path", path);
}
static void pack_share_path_nul (msgpack_packer *p)
{
  msgpack_pack_map (p, 4); kv_uint (p, "v", 1); kv_uint (p, "id", 3); kv_str (p, "op", "share");
  hormiga_msgpack_pack_str (p, "path");
  msgpack_pack_str (p, 6);
  msgpack_pack_str_body (p, "/a\0/b", 6);
}
static void pack_share_path_bin (msgpack_packer *p)
{
  msgpack_pack_map (p, 4); kv_uint (p, "v", 1); kv_uint (p, "id", 3); kv_str (p, "op", "share");
  hormiga_msgpack_pack_str (p, "path");
  hormiga_msgpack_pack_bin (p, "/tmp/x", 6);
}
static void pack_share_folder (msgpack_packer *p)
{
  msgpack_pack_map (p, 5); kv_uint (p, "v", 1); kv_uint (p, "id", 3); kv_str (p, "op", "share");
  kv_str (p, "path", "/tmp/x"); kv_str (p, "folder", "/tmp");
}
static void pack_send_no_peer (msgpack_packer *p)
{
  msgpack_pack_map (p, 4); kv_uint (p, "v", 1); kv_uint (p, "id", 3); kv_str (p, "op", "send");
  kv_str (p, "path", "/tmp/x");
}
static void pack_download_not_link (msgpack_packer *p)
{
  msgpack_pack_map (p, 4); kv_uint (p, "v", 1); kv_uint (p, "id", 3); kv_str (p, "op", "download");
  kv_str (p, "link", "magnet:?xt=urn:btih:00");
}
static void pack_download_bad_cid (msgpack_packer *p)
{
  msgpack_pack_map (p, 4); kv_uint (p, "v", 1); kv_uint (p, "id", 3); kv_str (p, "op", "download");
  kv_str (p, "link", "hormiga:zz");
}
static void pack_download_long_link (msgpack_packer *p)
{
  g_autoptr(GString) link = g_string_new (A_LINK "?dn=");

  while (link->len <= HORMIGA_CONTROL_MAX_PATH)
    g_string_append_c (link, 'n');
  msgpack_pack_map (p, 4); kv_uint (p, "v", 1); kv_uint (p, "id", 3); kv_str (p, "op", "download");
  kv_str (p, "link", link->str);
}
static void pack_download_relative_folder (msgpack_packer *p)
{
  msgpack_pack_map (p, 5); kv_uint (p, "v", 1); kv_uint (p, "id", 3); kv_str (p, "op", "download");
  kv_str (p, "link", A_LINK); kv_str (p, "folder", "downloads");
}
static void pack_download_no_link (msgpack_packer *p)
{
  msgpack_pack_map (p, 4); kv_uint (p, "v", 1); kv_uint (p, "id", 3); kv_str (p, "op", "download");
  kv_str (p, "folder", "/tmp");
}
static void pack_transfers_with_link (msgpack_packer *p)
{
  msgpack_pack_map (p, 4); kv_uint (p, "v", 1); kv_uint (p, "id", 3);
  kv_str (p, "op", "transfers"); kv_str (p, "link", A_LINK);
}
static void pack_pause_bad_cid (msgpack_packer *p)
{
  msgpack_pack_map (p, 4); kv_uint (p, "v", 1); kv_uint (p, "id", 3); kv_str (p, "op", "pause");
  kv_str (p, "cid", "abab");
}
static void pack_cancel_no_cid (msgpack_packer *p)
{ msgpack_pack_map (p, 3); kv_uint (p, "v", 1); kv_uint (p, "id", 3); kv_str (p, "op", "cancel"); }
static void pack_resume_cid_uint (msgpack_packer *p)
{
  msgpack_pack_map (p, 4); kv_uint (p, "v", 1); kv_uint (p, "id", 3); kv_str (p, "op", "resume");
  kv_uint (p, "cid", 7);
}

static void
test_decode_rejections (void)
{
  struct {
    PackFunc            pack;
    HormigaControlError code;
    guint64             id;
    const char         *says;
  } cases[] = {
    { pack_not_map, HORMIGA_CONTROL_ERROR_MALFORMED, 0, "a request is a map" },
    { pack_no_version, HORMIGA_CONTROL_ERROR_MALFORMED, 3, "“v”" },
    { pack_version_2, HORMIGA_CONTROL_ERROR_UNSUPPORTED_VERSION, 3, "version 1" },
    { pack_unknown_op, HORMIGA_CONTROL_ERROR_UNKNOWN_OP, 3, "\"reboot\"" },
    { pack_unknown_field, HORMIGA_CONTROL_ERROR_MALFORMED, 3, "\"colour\"" },
    { pack_twice, HORMIGA_CONTROL_ERROR_MALFORMED, 3, "twice" },
    { pack_bad_peer, HORMIGA_CONTROL_ERROR_INVALID_ARGUMENT, 3, "not a PeerID" },
    { pack_find_no_peer, HORMIGA_CONTROL_ERROR_INVALID_ARGUMENT, 3, "needs the field “peer”" },
    { pack_stats_with_name, HORMIGA_CONTROL_ERROR_INVALID_ARGUMENT, 3, "takes no field “name”" },
    { pack_long_name, HORMIGA_CONTROL_ERROR_INVALID_ARGUMENT, 3, "1 to 256 bytes" },
    { pack_value_str, HORMIGA_CONTROL_ERROR_MALFORMED, 3, "must be a bin" },
    { pack_big_value, HORMIGA_CONTROL_ERROR_INVALID_ARGUMENT, 3, "at most 16384 bytes" },
    { pack_name_nul, HORMIGA_CONTROL_ERROR_INVALID_ARGUMENT, 3, "without NUL" },
    { pack_id_negative, HORMIGA_CONTROL_ERROR_MALFORMED, 0, "“id” must be a uint" },
    { pack_trailing, HORMIGA_CONTROL_ERROR_MALFORMED, 0, "within the limits" },
    { pack_deep, HORMIGA_CONTROL_ERROR_MALFORMED, 0, "within the limits" },
    { pack_share_no_path, HORMIGA_CONTROL_ERROR_INVALID_ARGUMENT, 3, "needs the field “path”" },
    { pack_share_relative, HORMIGA_CONTROL_ERROR_INVALID_ARGUMENT, 3,
      "“path” must be an absolute path" },
    { pack_share_long_path, HORMIGA_CONTROL_ERROR_INVALID_ARGUMENT, 3, "1 to 4096 bytes" },
    { pack_share_path_nul, HORMIGA_CONTROL_ERROR_INVALID_ARGUMENT, 3, "without NUL" },
    { pack_share_path_bin, HORMIGA_CONTROL_ERROR_MALFORMED, 3, "“path” must be a str" },
    { pack_share_folder, HORMIGA_CONTROL_ERROR_INVALID_ARGUMENT, 3, "takes no field “folder”" },
    { pack_send_no_peer, HORMIGA_CONTROL_ERROR_INVALID_ARGUMENT, 3, "needs the field “peer”" },
    { pack_download_not_link, HORMIGA_CONTROL_ERROR_INVALID_ARGUMENT, 3,
      "“link”: not a hormiga: link" },
    { pack_download_bad_cid, HORMIGA_CONTROL_ERROR_INVALID_ARGUMENT, 3,
      "is not a hormiga: link: the content ID must be 64 hexadecimal digits" },
    { pack_download_long_link, HORMIGA_CONTROL_ERROR_INVALID_ARGUMENT, 3, "1 to 4096 bytes" },
    { pack_download_relative_folder, HORMIGA_CONTROL_ERROR_INVALID_ARGUMENT, 3,
      "“folder” must be an absolute path" },
    { pack_download_no_link, HORMIGA_CONTROL_ERROR_INVALID_ARGUMENT, 3,
      "needs the field “link”" },
    { pack_transfers_with_link, HORMIGA_CONTROL_ERROR_INVALID_ARGUMENT, 3,
      "takes no field “link”" },
    { pack_pause_bad_cid, HORMIGA_CONTROL_ERROR_INVALID_ARGUMENT, 3, "must be a content ID" },
    { pack_cancel_no_cid, HORMIGA_CONTROL_ERROR_INVALID_ARGUMENT, 3, "needs the field “cid”" },
    { pack_resume_cid_uint, HORMIGA_CONTROL_ERROR_MALFORMED, 3, "“cid” must be a str" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GBytes) body = pack_body (cases[i].pack);
      g_autoptr(GError) error = NULL;
      g_autoptr(HormigaControlRequest) request = NULL;
      gsize length = 0;
      const guint8 *data = g_bytes_get_data (body, &length);
      guint64 id = 99;

      request = hormiga_control_request_decode (data, length, &id, &error);
      g_test_message ("case %u: %s", i, error ? error->message : "(decoded)");
      g_assert_null (request);
      g_assert_error (error, HORMIGA_CONTROL_ERROR, (gint) cases[i].code);
      g_assert_cmpuint (id, ==, cases[i].id);
      g_assert_nonnull (strstr (error->message, cases[i].says));
    }

  /* Not MessagePack at all, and nothing. */
  {
    g_autoptr(GError) error = NULL;
    guint64 id = 99;

    g_assert_null (hormiga_control_request_decode ((const guint8 *) "\xc1", 1, &id, &error));
    g_assert_error (error, HORMIGA_CONTROL_ERROR, HORMIGA_CONTROL_ERROR_MALFORMED);
    g_assert_cmpuint (id, ==, 0);
    g_clear_error (&error);
    g_assert_null (hormiga_control_request_decode (NULL, 0, &id, &error));
    g_assert_error (error, HORMIGA_CONTROL_ERROR, HORMIGA_CONTROL_ERROR_MALFORMED);
  }
}

static void
test_decode_round_trip (void)
{
  g_autoptr(HormigaIdentity) identity = test_identity (7);
  const HormigaPeerId *peer = hormiga_identity_get_peer_id (identity);

  /* Every operation, and a download both with and without a folder. */
  for (guint op = HORMIGA_CONTROL_OP_PEERS; op <= HORMIGA_CONTROL_OP_CANCEL + 1; op++)
    {
      gboolean with_folder = op > HORMIGA_CONTROL_OP_CANCEL;
      g_autoptr(HormigaControlRequest) request =
        hormiga_control_request_new (G_MAXUINT64 - op,
                                     with_folder ? HORMIGA_CONTROL_OP_DOWNLOAD : op);
      g_autoptr(HormigaControlRequest) back = NULL;
      g_autoptr(GBytes) frame = NULL;
      g_autoptr(GError) error = NULL;
      gsize length = 0;
      const guint8 *data;
      guint64 id = 0;

      if (with_folder)
        request->folder = g_strdup ("/home/hormiga/Descargas ñ");
      if (op == HORMIGA_CONTROL_OP_FIND || op == HORMIGA_CONTROL_OP_GET ||
          op == HORMIGA_CONTROL_OP_SEND)
        request->peer = hormiga_peer_id_ref ((HormigaPeerId *) peer);
      if (op == HORMIGA_CONTROL_OP_PUT || op == HORMIGA_CONTROL_OP_GET)
        request->name = g_strdup ("saludo ñ");
      if (op == HORMIGA_CONTROL_OP_PUT)
        request->value = g_bytes_new ("\0\1hola", 6);
      if (op == HORMIGA_CONTROL_OP_SHARE || op == HORMIGA_CONTROL_OP_SEND)
        request->path = g_strdup ("/tmp/canción.ogg");
      if (op == HORMIGA_CONTROL_OP_DOWNLOAD || with_folder)
        request->link = g_strdup (A_LINK "?dn=canci%C3%B3n.ogg&xl=5");
      if (op == HORMIGA_CONTROL_OP_PAUSE || op == HORMIGA_CONTROL_OP_RESUME ||
          op == HORMIGA_CONTROL_OP_CANCEL)
        {
          HormigaContentId cid;

          g_assert_true (hormiga_content_id_parse (A_CID, &cid, NULL));
          request->cid = hormiga_content_id_dup (&cid);
        }

      frame = hormiga_control_request_encode (request);
      data = g_bytes_get_data (frame, &length);
      g_assert_cmpuint (length, >, HORMIGA_CONTROL_HEADER_SIZE);
      g_assert_cmpuint ((guint32) (data[0] << 24 | data[1] << 16 | data[2] << 8 | data[3]), ==,
                        length - HORMIGA_CONTROL_HEADER_SIZE);
      back = hormiga_control_request_decode (data + HORMIGA_CONTROL_HEADER_SIZE,
                                             length - HORMIGA_CONTROL_HEADER_SIZE, &id, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (back->id, ==, request->id);
      g_assert_cmpuint (id, ==, request->id);
      g_assert_cmpint (back->op, ==, request->op);
      g_assert_true ((back->peer == NULL) == (request->peer == NULL));
      if (back->peer != NULL)
        g_assert_true (hormiga_peer_id_equal (back->peer, request->peer));
      g_assert_cmpstr (back->name, ==, request->name);
      g_assert_true ((back->value == NULL) == (request->value == NULL));
      if (back->value != NULL)
        g_assert_true (g_bytes_equal (back->value, request->value));
      g_assert_cmpstr (back->path, ==, request->path);
      g_assert_cmpstr (back->link, ==, request->link);
      g_assert_cmpstr (back->folder, ==, request->folder);
      g_assert_true ((back->cid == NULL) == (request->cid == NULL));
      if (back->cid != NULL)
        g_assert_true (hormiga_content_id_equal (back->cid, request->cid));
    }
}

/* Frames cut anywhere come out whole; a header above the limit stops. */
static void
test_reader (void)
{
  g_autoptr(HormigaControlRequest) request = hormiga_control_request_new (5, HORMIGA_CONTROL_OP_STATS);
  g_autoptr(GBytes) frame = hormiga_control_request_encode (request);
  gsize length = 0;
  const guint8 *data = g_bytes_get_data (frame, &length);
  g_autoptr(GByteArray) stream = g_byte_array_new ();

  for (guint i = 0; i < 3; i++)
    g_byte_array_append (stream, data, (guint) length);

  for (gsize cut = 1; cut <= stream->len; cut++)
    {
      g_autoptr(HormigaControlReader) reader = hormiga_control_reader_new (64);
      guint frames = 0;

      for (gsize offset = 0; offset < stream->len; offset += cut)
        {
          g_autoptr(GError) error = NULL;
          GBytes *body;

          hormiga_control_reader_push (reader, stream->data + offset,
                                       MIN (cut, stream->len - offset));
          while ((body = hormiga_control_reader_next (reader, &error)) != NULL)
            {
              g_assert_cmpuint (g_bytes_get_size (body), ==, length - HORMIGA_CONTROL_HEADER_SIZE);
              g_assert_cmpmem (g_bytes_get_data (body, NULL), g_bytes_get_size (body),
                               data + HORMIGA_CONTROL_HEADER_SIZE,
                               length - HORMIGA_CONTROL_HEADER_SIZE);
              g_bytes_unref (body);
              frames++;
            }
          g_assert_no_error (error);
        }
      g_assert_cmpuint (frames, ==, 3);
      g_assert_cmpuint (hormiga_control_reader_get_buffered (reader), ==, 0);
    }

  {
    g_autoptr(HormigaControlReader) reader = hormiga_control_reader_new (HORMIGA_CONTROL_MAX_REQUEST);
    g_autoptr(GError) error = NULL;

    hormiga_control_reader_push (reader, (const guint8 *) "hello world\n", 12);
    g_assert_null (hormiga_control_reader_next (reader, &error));
    g_assert_error (error, HORMIGA_CONTROL_ERROR, HORMIGA_CONTROL_ERROR_TOO_LARGE);
    g_assert_nonnull (strstr (error->message, "1751477356 bytes"));
    g_assert_nonnull (strstr (error->message, "4-byte big-endian length"));
  }
}

static void
pack_json_sample (msgpack_packer *p)
{
  msgpack_pack_map (p, 7);
  kv_str (p, "quote\"back\\slash", "line\nfeed\ttab\x01\x7f ñ");
  hormiga_msgpack_pack_str (p, "bad");
  msgpack_pack_str (p, 4);
  msgpack_pack_str_body (p, "a\xff\0b", 4);
  hormiga_msgpack_pack_str (p, "bin");
  hormiga_msgpack_pack_bin (p, "hola", 4);
  hormiga_msgpack_pack_str (p, "list");
  msgpack_pack_array (p, 4);
  msgpack_pack_nil (p);
  msgpack_pack_true (p);
  msgpack_pack_int64 (p, -5);
  msgpack_pack_double (p, 0.5);
  hormiga_msgpack_pack_str (p, "big");
  msgpack_pack_uint64 (p, G_MAXUINT64);
  msgpack_pack_uint32 (p, 7);
  msgpack_pack_false (p);
  hormiga_msgpack_pack_str (p, "nan");
  msgpack_pack_double (p, NAN);
}

static void
test_json (void)
{
  g_autoptr(GBytes) body = pack_body (pack_json_sample);
  g_autoptr(GString) out = g_string_new (NULL);
  msgpack_unpacked unpacked;
  size_t offset = 0;

  msgpack_unpacked_init (&unpacked);
  g_assert_cmpint (msgpack_unpack_next (&unpacked, g_bytes_get_data (body, NULL),
                                        g_bytes_get_size (body), &offset), ==,
                   MSGPACK_UNPACK_SUCCESS);
  hormiga_json_append_msgpack (out, &unpacked.data);
  msgpack_unpacked_destroy (&unpacked);
  g_assert_cmpstr (out->str, ==,
                   "{\"quote\\\"back\\\\slash\":\"line\\nfeed\\ttab\\u0001\\u007f ñ\","
                   "\"bad\":\"a\\ufffd\\u0000b\",\"bin\":\"aG9sYQ==\","
                   "\"list\":[null,true,-5,0.5],\"big\":18446744073709551615,"
                   "\"uint 7\":false,\"nan\":null}");
}

/* ---- the server ---------------------------------------------------------------------- */

typedef struct
{
  char                 *dir;
  char                 *path;
  HormigaNode          *node;
  HormigaControlServer *server;
  HormigaTransferManager *transfers;   /* the files fixture's */
  guint                 quits;
} Fixture;

static void
on_quit_requested (HormigaControlServer *server,
                   gpointer              user_data)
{
  Fixture *fixture = user_data;

  fixture->quits++;
}

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(HormigaIdentity) identity = test_identity (1);
  g_autoptr(GError) error = NULL;

  fixture->dir = g_dir_make_tmp ("hormiga-control-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->path = g_build_filename (fixture->dir, "control.sock", NULL);
  /* Never started: it joins nothing, and answers from its own state. */
  fixture->node = hormiga_node_new (identity, "ws://127.0.0.1:9/ws", NULL, NULL, &error);
  g_assert_no_error (error);
  fixture->server = hormiga_control_server_new (fixture->node, fixture->path, NULL, &error);
  g_assert_no_error (error);
  g_signal_connect (fixture->server, "quit-requested", G_CALLBACK (on_quit_requested), fixture);
}

/* The node has a file service, downloading into DIR/downloads. */
static void
fixture_setup_files (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autofree char *downloads = NULL;

  fixture_setup (fixture, data);
  downloads = g_build_filename (fixture->dir, "downloads", NULL);
  fixture->transfers = hormiga_transfer_manager_new (fixture->node, downloads, NULL);
  hormiga_control_server_set_transfers (fixture->server, fixture->transfers);
}

static void
drain (void)
{
  for (guint i = 0; i < 1000 && g_main_context_iteration (NULL, FALSE); i++)
    ;
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  if (fixture->server != NULL)
    {
      hormiga_control_server_stop (fixture->server);
      drain ();
      g_assert_false (g_file_test (fixture->path, G_FILE_TEST_EXISTS));
      g_assert_finalize_object (fixture->server);
    }
  if (fixture->transfers != NULL)
    {
      hormiga_transfer_manager_shutdown (fixture->transfers);
      drain ();
      g_assert_finalize_object (fixture->transfers);
    }
  hormiga_node_stop (fixture->node);
  drain ();
  g_assert_finalize_object (fixture->node);
  g_rmdir (fixture->dir);
  g_free (fixture->path);
  g_free (fixture->dir);
}

/* A raw client: whatever it writes, it collects the replies. */
typedef struct
{
  GSocketConnection    *connection;
  HormigaControlReader *reader;
  GPtrArray            *replies;   /* HormigaControlReply */
  GCancellable         *cancellable;
  guint8                buffer[4096];
  gboolean              eof;
  gboolean              done;      /* no read pending */
} TestClient;

static void test_client_read (TestClient *client);

static void
on_test_read (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  TestClient *client = user_data;
  g_autoptr(GError) error = NULL;
  gssize got = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);
  GBytes *body;

  if (got <= 0)
    {
      client->eof = TRUE;
      client->done = TRUE;
      return;
    }
  hormiga_control_reader_push (client->reader, client->buffer, (gsize) got);
  while ((body = hormiga_control_reader_next (client->reader, &error)) != NULL)
    {
      HormigaControlReply *reply = hormiga_control_reply_decode (g_bytes_get_data (body, NULL),
                                                                 g_bytes_get_size (body), &error);

      g_assert_no_error (error);
      g_ptr_array_add (client->replies, reply);
      g_bytes_unref (body);
    }
  g_assert_no_error (error);
  test_client_read (client);
}

static void
test_client_read (TestClient *client)
{
  g_input_stream_read_async (g_io_stream_get_input_stream (G_IO_STREAM (client->connection)),
                             client->buffer, sizeof client->buffer, G_PRIORITY_DEFAULT,
                             client->cancellable, on_test_read, client);
}

static TestClient *
test_client_new (const char *path)
{
  TestClient *client = g_new0 (TestClient, 1);
  g_autoptr(GSocketClient) socket_client = g_socket_client_new ();
  g_autoptr(GSocketAddress) address = g_unix_socket_address_new (path);
  g_autoptr(GError) error = NULL;

  /* A listening Unix socket takes the connection at once (the backlog). */
  client->connection = g_socket_client_connect (socket_client, G_SOCKET_CONNECTABLE (address),
                                                NULL, &error);
  g_assert_no_error (error);
  client->reader = hormiga_control_reader_new (HORMIGA_CONTROL_MAX_RESPONSE);
  client->replies = g_ptr_array_new_with_free_func ((GDestroyNotify) hormiga_control_reply_free);
  client->cancellable = g_cancellable_new ();
  test_client_read (client);
  return client;
}

static gboolean
client_done (gpointer data)
{
  return ((TestClient *) data)->done;
}

static void
test_client_free (TestClient *client)
{
  g_cancellable_cancel (client->cancellable);
  g_assert_true (hormiga_test_wait_until (client_done, client, WAIT_MS));
  g_io_stream_close (G_IO_STREAM (client->connection), NULL, NULL);
  g_object_unref (client->connection);
  g_object_unref (client->cancellable);
  hormiga_control_reader_free (client->reader);
  g_ptr_array_unref (client->replies);
  g_free (client);
}

static void
test_client_write (TestClient   *client,
                   const void   *data,
                   gsize         length)
{
  g_autoptr(GError) error = NULL;
  GOutputStream *output = g_io_stream_get_output_stream (G_IO_STREAM (client->connection));

  /* Small writes to a Unix socket fit its buffer; nothing waits. */
  g_assert_true (g_output_stream_write_all (output, data, length, NULL, NULL, &error));
  g_assert_no_error (error);
}

static void
test_client_send (TestClient                  *client,
                  const HormigaControlRequest *request)
{
  g_autoptr(GBytes) frame = hormiga_control_request_encode (request);

  test_client_write (client, g_bytes_get_data (frame, NULL), g_bytes_get_size (frame));
}

typedef struct { TestClient *client; guint n; } ReplyWait;

static gboolean
has_replies (gpointer data)
{
  ReplyWait *wait = data;

  return wait->client->replies->len >= wait->n || wait->client->eof;
}

static HormigaControlReply *
test_client_wait_reply (TestClient *client,
                        guint       index)
{
  ReplyWait wait = { client, index + 1 };

  g_assert_true (hormiga_test_wait_until (has_replies, &wait, WAIT_MS));
  g_assert_cmpuint (client->replies->len, >, index);
  return g_ptr_array_index (client->replies, index);
}

static HormigaControlReply *
ask (TestClient             *client,
     HormigaControlRequest  *request)
{
  guint index = client->replies->len;
  HormigaControlReply *reply;

  test_client_send (client, request);
  reply = test_client_wait_reply (client, index);
  g_assert_cmpuint (reply->id, ==, request->id);
  return reply;
}

static void
test_server_answers (Fixture       *fixture,
                     gconstpointer  data)
{
  TestClient *client = test_client_new (fixture->path);
  HormigaIdentity *identity = hormiga_node_get_identity (fixture->node);
  const char *me = hormiga_peer_id_to_string (hormiga_identity_get_peer_id (identity));
  HormigaControlReply *reply;
  const msgpack_object *value;
  GStatBuf st;

  g_assert_cmpint (g_stat (fixture->path, &st), ==, 0);
  g_assert_true (S_ISSOCK (st.st_mode));
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);

  {
    g_autoptr(HormigaControlRequest) request =
      hormiga_control_request_new (1, HORMIGA_CONTROL_OP_STATS);

    reply = ask (client, request);
    g_assert_no_error (reply->error);
    value = hormiga_control_map_lookup (reply->result, "peer");
    g_assert_nonnull (value);
    g_assert_cmpmem (value->via.str.ptr, value->via.str.size, me, strlen (me));
    value = hormiga_control_map_lookup (reply->result, "counters");
    g_assert_nonnull (value);
    g_assert_nonnull (hormiga_control_map_lookup (value, "messages_sent"));
  }
  {
    g_autoptr(HormigaControlRequest) request =
      hormiga_control_request_new (2, HORMIGA_CONTROL_OP_PEERS);

    reply = ask (client, request);
    g_assert_no_error (reply->error);
    value = hormiga_control_map_lookup (reply->result, "peers");
    g_assert_nonnull (value);
    g_assert_cmpint (value->type, ==, MSGPACK_OBJECT_ARRAY);
    g_assert_cmpuint (value->via.array.size, ==, 0);
  }
  {
    g_autoptr(HormigaControlRequest) request =
      hormiga_control_request_new (3, HORMIGA_CONTROL_OP_ROUTING_TABLE);

    reply = ask (client, request);
    g_assert_no_error (reply->error);
    value = hormiga_control_map_lookup (reply->result, "size");
    g_assert_nonnull (value);
    g_assert_cmpuint (value->via.u64, ==, 0);
  }
  {
    g_autoptr(HormigaControlRequest) request =
      hormiga_control_request_new (4, HORMIGA_CONTROL_OP_FIND);

    request->peer = hormiga_peer_id_ref ((HormigaPeerId *) hormiga_identity_get_peer_id (identity));
    reply = ask (client, request);
    g_assert_no_error (reply->error);
    value = hormiga_control_map_lookup (reply->result, "hops");
    g_assert_nonnull (value);
    g_assert_cmpuint (value->via.u64, ==, 0);
  }
  /* Another node, unreachable from a node with no contacts. */
  {
    g_autoptr(HormigaControlRequest) request =
      hormiga_control_request_new (5, HORMIGA_CONTROL_OP_FIND);
    g_autoptr(HormigaIdentity) other = test_identity (2);

    request->peer = hormiga_peer_id_ref ((HormigaPeerId *) hormiga_identity_get_peer_id (other));
    reply = ask (client, request);
    g_assert_nonnull (reply->error);
    g_assert_null (reply->result);
    g_assert_true (reply->error->code == HORMIGA_CONTROL_ERROR_NOT_FOUND ||
                   reply->error->code == HORMIGA_CONTROL_ERROR_FAILED);
    g_assert_nonnull (strstr (reply->error->message, "did not reach"));
  }
  test_client_free (client);
}

/* Without a file service, the file operations say so. */
static void
test_server_no_files (Fixture       *fixture,
                      gconstpointer  data)
{
  TestClient *client = test_client_new (fixture->path);
  g_autoptr(HormigaControlRequest) request =
    hormiga_control_request_new (1, HORMIGA_CONTROL_OP_TRANSFERS);
  HormigaControlReply *reply = ask (client, request);

  g_assert_error (reply->error, HORMIGA_CONTROL_ERROR, HORMIGA_CONTROL_ERROR_FAILED);
  g_assert_nonnull (strstr (reply->error->message, "does not share files"));
  test_client_free (client);
}

static char *
result_text (const HormigaControlReply *reply,
             const char                *key)
{
  const msgpack_object *value;

  g_assert_no_error (reply->error);
  value = hormiga_control_map_lookup (reply->result, key);
  g_assert_nonnull (value);
  g_assert_cmpint (value->type, ==, MSGPACK_OBJECT_STR);
  return g_strndup (value->via.str.ptr, value->via.str.size);
}

/* share, download, transfers, pause, resume, cancel on a node that joins
 * nothing: the download looks for peers until it is cancelled. */
static void
test_server_files (Fixture       *fixture,
                   gconstpointer  data)
{
  TestClient *client = test_client_new (fixture->path);
  g_autofree char *file = g_build_filename (fixture->dir, "notas de campo.txt", NULL);
  g_autofree char *missing = g_build_filename (fixture->dir, "missing.txt", NULL);
  g_autofree char *folder = g_build_filename (fixture->dir, "elsewhere", NULL);
  g_autofree char *link = NULL, *cid = NULL, *text = NULL;
  g_autoptr(GError) error = NULL;
  HormigaControlReply *reply;
  const msgpack_object *list, *transfer;

  g_assert_true (g_file_set_contents (file, "hormigas en fila\n", -1, &error));
  g_assert_no_error (error);

  {
    g_autoptr(HormigaControlRequest) request =
      hormiga_control_request_new (1, HORMIGA_CONTROL_OP_SHARE);

    request->path = g_strdup (file);
    reply = ask (client, request);
    link = result_text (reply, "link");
    g_assert_true (g_str_has_prefix (link, "hormiga:"));
    g_assert_nonnull (strstr (link, "dn=notas%20de%20campo.txt"));
    text = result_text (reply, "path");
    g_assert_cmpstr (text, ==, file);
    g_clear_pointer (&text, g_free);
  }
  {
    g_autoptr(HormigaControlRequest) request =
      hormiga_control_request_new (2, HORMIGA_CONTROL_OP_SHARE);

    request->path = g_strdup (missing);
    reply = ask (client, request);
    g_assert_error (reply->error, HORMIGA_CONTROL_ERROR, HORMIGA_CONTROL_ERROR_FAILED);
    g_assert_nonnull (strstr (reply->error->message, missing));
    g_assert_nonnull (strstr (reply->error->message, "No such file"));
  }
  {
    g_autoptr(HormigaControlRequest) request =
      hormiga_control_request_new (3, HORMIGA_CONTROL_OP_TRANSFERS);

    reply = ask (client, request);
    g_assert_no_error (reply->error);
    list = hormiga_control_map_lookup (reply->result, "transfers");
    g_assert_nonnull (list);
    g_assert_cmpint (list->type, ==, MSGPACK_OBJECT_ARRAY);
    g_assert_cmpuint (list->via.array.size, ==, 0);
  }

  /* Content nobody here has, into a folder of its own. */
  {
    g_autoptr(HormigaControlRequest) request =
      hormiga_control_request_new (4, HORMIGA_CONTROL_OP_DOWNLOAD);

    request->link = g_strdup (A_LINK "?dn=lejos.bin");
    request->folder = g_strdup (folder);
    reply = ask (client, request);
    cid = result_text (reply, "cid");
    g_assert_cmpstr (cid, ==, A_CID);
    text = result_text (reply, "folder");
    g_assert_cmpstr (text, ==, folder);
    g_clear_pointer (&text, g_free);
    text = result_text (reply, "name");
    g_assert_cmpstr (text, ==, "lejos.bin");
    g_clear_pointer (&text, g_free);
    text = result_text (reply, "state");
    g_assert_cmpstr (text, ==, "looking");
    g_clear_pointer (&text, g_free);
  }
  {
    g_autoptr(HormigaControlRequest) request =
      hormiga_control_request_new (5, HORMIGA_CONTROL_OP_TRANSFERS);
    const char *keys[] = { "cid", "name", "state", "size", "received", "downloaded", "resumed",
                           "speed", "eta", "folder", "path", "error", "sources" };
    const msgpack_object *value;

    reply = ask (client, request);
    g_assert_no_error (reply->error);
    g_assert_cmpuint (hormiga_control_map_lookup (reply->result, "total")->via.u64, ==, 1);
    list = hormiga_control_map_lookup (reply->result, "transfers");
    g_assert_cmpuint (list->via.array.size, ==, 1);
    transfer = &list->via.array.ptr[0];
    g_assert_cmpint (transfer->type, ==, MSGPACK_OBJECT_MAP);
    g_assert_cmpuint (transfer->via.map.size, ==, G_N_ELEMENTS (keys));
    for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
      g_assert_nonnull (hormiga_control_map_lookup (transfer, keys[i]));
    g_assert_cmpint (hormiga_control_map_lookup (transfer, "path")->type, ==, MSGPACK_OBJECT_NIL);
    g_assert_cmpint (hormiga_control_map_lookup (transfer, "error")->type, ==, MSGPACK_OBJECT_NIL);
    value = hormiga_control_map_lookup (transfer, "eta");
    g_assert_cmpint (value->type, ==, MSGPACK_OBJECT_NEGATIVE_INTEGER);
    g_assert_cmpint (value->via.i64, ==, -1);
    g_assert_cmpint (hormiga_control_map_lookup (transfer, "sources")->type, ==,
                     MSGPACK_OBJECT_ARRAY);
  }

  /* pause, resume, cancel it; a content ID with no transfer is not found. */
  {
    struct { HormigaControlOp op; const char *state; } steps[] = {
      { HORMIGA_CONTROL_OP_PAUSE, "paused" },
      { HORMIGA_CONTROL_OP_RESUME, NULL },
      { HORMIGA_CONTROL_OP_CANCEL, "cancelled" },
    };

    for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
      {
        g_autoptr(HormigaControlRequest) request = hormiga_control_request_new (6 + i, steps[i].op);
        HormigaContentId parsed;

        g_assert_true (hormiga_content_id_parse (cid, &parsed, NULL));
        request->cid = hormiga_content_id_dup (&parsed);
        reply = ask (client, request);
        text = result_text (reply, "state");
        if (steps[i].state != NULL)
          g_assert_cmpstr (text, ==, steps[i].state);
        else
          g_assert_cmpstr (text, !=, "paused");
        g_clear_pointer (&text, g_free);
      }
  }
  {
    g_autoptr(HormigaControlRequest) request =
      hormiga_control_request_new (9, HORMIGA_CONTROL_OP_PAUSE);
    HormigaContentId other;

    memset (&other, 0xcd, sizeof other);
    request->cid = hormiga_content_id_dup (&other);
    reply = ask (client, request);
    g_assert_error (reply->error, HORMIGA_CONTROL_ERROR, HORMIGA_CONTROL_ERROR_NOT_FOUND);
    g_assert_nonnull (strstr (reply->error->message, "cdcdcdcd"));
  }
  test_client_free (client);
  g_unlink (file);
  /* The cancelled download left nothing behind but its folder. */
  g_rmdir (folder);
  {
    g_autofree char *downloads = g_build_filename (fixture->dir, "downloads", NULL);

    g_rmdir (downloads);
  }
}

/* Text on the socket reads as a huge frame: told so, then closed; the
 * server goes on. */
static void
test_server_garbage (Fixture       *fixture,
                     gconstpointer  data)
{
  TestClient *client = test_client_new (fixture->path);
  HormigaControlReply *reply;

  test_client_write (client, "hello world\n", 12);
  reply = test_client_wait_reply (client, 0);
  g_assert_error (reply->error, HORMIGA_CONTROL_ERROR, HORMIGA_CONTROL_ERROR_TOO_LARGE);
  g_assert_cmpuint (reply->id, ==, 0);
  g_assert_nonnull (strstr (reply->error->message, "4-byte big-endian length"));
  g_assert_true (hormiga_test_wait_until (client_done, client, WAIT_MS));
  g_assert_true (client->eof);
  test_client_free (client);

  client = test_client_new (fixture->path);
  {
    g_autoptr(HormigaControlRequest) request =
      hormiga_control_request_new (9, HORMIGA_CONTROL_OP_STATS);

    reply = ask (client, request);
    g_assert_no_error (reply->error);
  }
  test_client_free (client);
}

/* A bad frame with a sound header costs only its own reply. */
static void
test_server_bad_frames (Fixture       *fixture,
                        gconstpointer  data)
{
  TestClient *client = test_client_new (fixture->path);
  g_autoptr(GBytes) unknown = pack_body (pack_unknown_op);
  static const guint8 junk[] = { 0, 0, 0, 3, 0xc1, 0xc1, 0xc1 };
  guint8 header[4] = { 0, 0, 0, (guint8) g_bytes_get_size (unknown) };
  HormigaControlReply *reply;

  test_client_write (client, junk, sizeof junk);
  reply = test_client_wait_reply (client, 0);
  g_assert_error (reply->error, HORMIGA_CONTROL_ERROR, HORMIGA_CONTROL_ERROR_MALFORMED);
  g_assert_cmpuint (reply->id, ==, 0);

  test_client_write (client, header, sizeof header);
  test_client_write (client, g_bytes_get_data (unknown, NULL), g_bytes_get_size (unknown));
  reply = test_client_wait_reply (client, 1);
  g_assert_error (reply->error, HORMIGA_CONTROL_ERROR, HORMIGA_CONTROL_ERROR_UNKNOWN_OP);
  g_assert_cmpuint (reply->id, ==, 3);
  g_assert_nonnull (strstr (reply->error->message, "peers, routing-table"));

  {
    g_autoptr(HormigaControlRequest) request =
      hormiga_control_request_new (10, HORMIGA_CONTROL_OP_STATS);

    reply = ask (client, request);
    g_assert_no_error (reply->error);
  }
  g_assert_false (client->eof);
  test_client_free (client);
}

/* More requests at once than the limit: each gets a reply, the ones
 * beyond it "busy". */
static void
test_server_busy (Fixture       *fixture,
                  gconstpointer  data)
{
  TestClient *client = test_client_new (fixture->path);
  HormigaIdentity *identity = hormiga_node_get_identity (fixture->node);
  g_autoptr(GByteArray) burst = g_byte_array_new ();
  guint n = HORMIGA_CONTROL_MAX_IN_FLIGHT * 3;
  guint busy = 0, ok = 0;
  GHashTable *ids = g_hash_table_new (g_direct_hash, g_direct_equal);

  for (guint i = 1; i <= n; i++)
    {
      g_autoptr(HormigaControlRequest) request = hormiga_control_request_new (i, HORMIGA_CONTROL_OP_FIND);
      g_autoptr(GBytes) frame = NULL;

      request->peer = hormiga_peer_id_ref ((HormigaPeerId *) hormiga_identity_get_peer_id (identity));
      frame = hormiga_control_request_encode (request);
      g_byte_array_append (burst, g_bytes_get_data (frame, NULL), (guint) g_bytes_get_size (frame));
    }
  test_client_write (client, burst->data, burst->len);
  test_client_wait_reply (client, n - 1);
  for (guint i = 0; i < n; i++)
    {
      HormigaControlReply *reply = g_ptr_array_index (client->replies, i);

      g_hash_table_add (ids, GUINT_TO_POINTER ((guint) reply->id));
      if (reply->error != NULL)
        {
          g_assert_error (reply->error, HORMIGA_CONTROL_ERROR, HORMIGA_CONTROL_ERROR_BUSY);
          g_assert_nonnull (strstr (reply->error->message, "wait for a reply"));
          busy++;
        }
      else
        ok++;
    }
  g_assert_cmpuint (g_hash_table_size (ids), ==, n);
  g_assert_cmpuint (ok, >=, HORMIGA_CONTROL_MAX_IN_FLIGHT);
  g_assert_cmpuint (busy, >=, 1);
  g_hash_table_unref (ids);
  test_client_free (client);
}

typedef struct { HormigaControlServer *server; guint n; } ClientsWait;

static gboolean
has_clients (gpointer data)
{
  ClientsWait *wait = data;

  return hormiga_control_server_get_n_clients (wait->server) == wait->n;
}

static void
test_server_max_clients (Fixture       *fixture,
                         gconstpointer  data)
{
  TestClient *clients[HORMIGA_CONTROL_MAX_CLIENTS];
  ClientsWait wait = { fixture->server, 0 };
  TestClient *extra;
  HormigaControlReply *reply;

  /* One at a time: the listen backlog is shorter than the limit. */
  for (guint i = 0; i < HORMIGA_CONTROL_MAX_CLIENTS; i++)
    {
      clients[i] = test_client_new (fixture->path);
      wait.n = i + 1;
      g_assert_true (hormiga_test_wait_until (has_clients, &wait, WAIT_MS));
    }

  extra = test_client_new (fixture->path);
  reply = test_client_wait_reply (extra, 0);
  g_assert_error (reply->error, HORMIGA_CONTROL_ERROR, HORMIGA_CONTROL_ERROR_BUSY);
  g_assert_nonnull (strstr (reply->error->message, "clients are connected"));
  g_assert_true (hormiga_test_wait_until (client_done, extra, WAIT_MS));
  test_client_free (extra);

  /* One leaves, another comes in. */
  test_client_free (clients[0]);
  wait.n = HORMIGA_CONTROL_MAX_CLIENTS - 1;
  g_assert_true (hormiga_test_wait_until (has_clients, &wait, WAIT_MS));
  clients[0] = test_client_new (fixture->path);
  {
    g_autoptr(HormigaControlRequest) request =
      hormiga_control_request_new (1, HORMIGA_CONTROL_OP_PEERS);

    reply = ask (clients[0], request);
    g_assert_no_error (reply->error);
  }
  for (guint i = 0; i < HORMIGA_CONTROL_MAX_CLIENTS; i++)
    test_client_free (clients[i]);
}

static void
test_server_quit (Fixture       *fixture,
                  gconstpointer  data)
{
  TestClient *client = test_client_new (fixture->path);
  g_autoptr(HormigaControlRequest) request = hormiga_control_request_new (1, HORMIGA_CONTROL_OP_QUIT);
  HormigaControlReply *reply = ask (client, request);

  g_assert_no_error (reply->error);
  drain ();
  g_assert_cmpuint (fixture->quits, ==, 1);
  /* The owner stops the server; the client sees the end. */
  hormiga_control_server_stop (fixture->server);
  g_assert_true (hormiga_test_wait_until (client_done, client, WAIT_MS));
  g_assert_true (client->eof);
  g_assert_false (g_file_test (fixture->path, G_FILE_TEST_EXISTS));
  test_client_free (client);
}

/* The rules of the socket file. */
static void
test_server_socket_file (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HormigaControlServer) second = NULL;
  g_autofree char *open_dir = g_build_filename (fixture->dir, "open", NULL);
  g_autofree char *open_path = g_build_filename (open_dir, "control.sock", NULL);
  g_autofree char *file_path = g_build_filename (fixture->dir, "file.sock", NULL);
  g_autofree char *stale_path = g_build_filename (fixture->dir, "stale.sock", NULL);
  g_autofree char *deep_path = g_build_filename (fixture->dir, "deep", "er", "control.sock", NULL);
  g_autofree char *long_name = g_strnfill (120, 'x');
  g_autofree char *long_path = g_build_filename (fixture->dir, long_name, NULL);

  /* A live node keeps its socket. */
  second = hormiga_control_server_new (fixture->node, fixture->path, NULL, &error);
  g_assert_null (second);
  g_assert_error (error, HORMIGA_CONTROL_ERROR, HORMIGA_CONTROL_ERROR_IN_USE);
  g_assert_nonnull (strstr (error->message, "another hormiga-node is running"));
  g_assert_true (g_file_test (fixture->path, G_FILE_TEST_EXISTS));
  g_clear_error (&error);

  /* A file that is not a socket is left alone. */
  g_assert_true (g_file_set_contents (file_path, "mine", -1, &error));
  second = hormiga_control_server_new (fixture->node, file_path, NULL, &error);
  g_assert_null (second);
  g_assert_error (error, HORMIGA_CONTROL_ERROR, HORMIGA_CONTROL_ERROR_IN_USE);
  g_assert_nonnull (strstr (error->message, "not a socket"));
  g_assert_cmpint (g_unlink (file_path), ==, 0);
  g_clear_error (&error);

  /* A stale socket (nobody listens) is replaced. */
  {
    g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM,
                                              G_SOCKET_PROTOCOL_DEFAULT, &error);
    g_autoptr(GSocketAddress) address = g_unix_socket_address_new (stale_path);

    g_assert_no_error (error);
    g_assert_true (g_socket_bind (socket, address, FALSE, &error));
    g_assert_no_error (error);
    g_socket_close (socket, NULL);
    g_assert_true (g_file_test (stale_path, G_FILE_TEST_EXISTS));
  }
  second = hormiga_control_server_new (fixture->node, stale_path, NULL, &error);
  g_assert_no_error (error);
  hormiga_control_server_stop (second);
  g_assert_false (g_file_test (stale_path, G_FILE_TEST_EXISTS));
  g_clear_object (&second);

  /* A missing directory is made private. */
  second = hormiga_control_server_new (fixture->node, deep_path, NULL, &error);
  g_assert_no_error (error);
  {
    g_autofree char *parent = g_path_get_dirname (deep_path);
    g_autofree char *grandparent = g_path_get_dirname (parent);
    GStatBuf st;

    g_assert_cmpint (g_stat (parent, &st), ==, 0);
    g_assert_cmpint (st.st_mode & 0777, ==, 0700);
    g_clear_object (&second);   /* dispose stops it */
    g_assert_false (g_file_test (deep_path, G_FILE_TEST_EXISTS));
    g_assert_cmpint (g_rmdir (parent), ==, 0);
    g_assert_cmpint (g_rmdir (grandparent), ==, 0);
  }

  /* A directory others can enter is refused. */
  g_assert_cmpint (g_mkdir (open_dir, 0755), ==, 0);
  g_assert_cmpint (g_chmod (open_dir, 0755), ==, 0);
  second = hormiga_control_server_new (fixture->node, open_path, NULL, &error);
  g_assert_null (second);
  g_assert_error (error, HORMIGA_CONTROL_ERROR, HORMIGA_CONTROL_ERROR_UNSAFE);
  g_assert_nonnull (strstr (error->message, "chmod 700"));
  g_assert_cmpint (g_rmdir (open_dir), ==, 0);
  g_clear_error (&error);

  /* sun_path has room for 107 bytes. */
  second = hormiga_control_server_new (fixture->node, long_path, NULL, &error);
  g_assert_null (second);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FILENAME_TOO_LONG);
  g_clear_error (&error);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/hormiga/control/decode-rejections", test_decode_rejections);
  g_test_add_func ("/hormiga/control/decode-round-trip", test_decode_round_trip);
  g_test_add_func ("/hormiga/control/reader", test_reader);
  g_test_add_func ("/hormiga/control/json", test_json);
  g_test_add ("/hormiga/control/server/answers", Fixture, NULL, fixture_setup,
              test_server_answers, fixture_teardown);
  g_test_add ("/hormiga/control/server/garbage", Fixture, NULL, fixture_setup,
              test_server_garbage, fixture_teardown);
  g_test_add ("/hormiga/control/server/bad-frames", Fixture, NULL, fixture_setup,
              test_server_bad_frames, fixture_teardown);
  g_test_add ("/hormiga/control/server/busy", Fixture, NULL, fixture_setup,
              test_server_busy, fixture_teardown);
  g_test_add ("/hormiga/control/server/max-clients", Fixture, NULL, fixture_setup,
              test_server_max_clients, fixture_teardown);
  g_test_add ("/hormiga/control/server/quit", Fixture, NULL, fixture_setup,
              test_server_quit, fixture_teardown);
  g_test_add ("/hormiga/control/server/socket-file", Fixture, NULL, fixture_setup,
              test_server_socket_file, fixture_teardown);
  g_test_add ("/hormiga/control/server/no-files", Fixture, NULL, fixture_setup,
              test_server_no_files, fixture_teardown);
  g_test_add ("/hormiga/control/server/files", Fixture, NULL, fixture_setup_files,
              test_server_files, fixture_teardown);
  return g_test_run ();
}
