/* test-share-message.c — file sharing messages: round trips, limits, rejections
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "hormiga-share-error.h"
#include "hormiga-share-message.h"
#include "test-msgpack-writer.h"

/* ---- helpers ----------------------------------------------------------- */

static GBytes *
bytes_new (gsize  size,
           guint8 fill)
{
  guint8 *data = g_malloc (size + 1);

  for (gsize i = 0; i < size; i++)
    data[i] = (guint8) (fill + i);
  return g_bytes_new_take (data, size);
}

/* A message of @type with every field of its type set. */
static HormigaShareMessage *
full_message (HormigaShareMessageType type)
{
  HormigaShareMessage *message = hormiga_share_message_new (type, 0xdeadbeef);

  memset (message->cid.bytes, 0xc1, sizeof message->cid.bytes);
  switch (type)
    {
    case HORMIGA_SHARE_MESSAGE_HAVE:
      message->state = HORMIGA_SHARE_HAVE_SOME;
      message->bits = bytes_new (3, 0xf0);
      message->msize = 1234;
      break;
    case HORMIGA_SHARE_MESSAGE_GET_MANIFEST:
      message->offset = 245760;
      message->length = HORMIGA_SHARE_MAX_PIECE;
      break;
    case HORMIGA_SHARE_MESSAGE_MANIFEST:
      message->offset = 10;
      message->total = 1000;
      message->data = bytes_new (990, 1);
      break;
    case HORMIGA_SHARE_MESSAGE_GET_CHUNK:
      message->index = G_MAXUINT32;
      break;
    case HORMIGA_SHARE_MESSAGE_CHUNK:
      message->index = 7;
      message->data = bytes_new (1000, 2);
      break;
    case HORMIGA_SHARE_MESSAGE_ERROR:
      message->code = HORMIGA_SHARE_CODE_BUSY;
      message->text = g_strdup ("try later");
      break;
    case HORMIGA_SHARE_MESSAGE_OFFER:
      message->kind = HORMIGA_MANIFEST_FOLDER;
      message->name = g_strdup ("Fotos \xf0\x9f\x90\x9c");
      message->size = G_MAXUINT64;
      message->msize = HORMIGA_MANIFEST_MAX_SIZE;
      break;
    case HORMIGA_SHARE_MESSAGE_REPLY:
      message->accept = TRUE;
      message->text = g_strdup ("gracias");
      message->entries = bytes_new (2, 0x80);
      break;
    case HORMIGA_SHARE_MESSAGE_WANT:
    case HORMIGA_SHARE_MESSAGE_CANCEL:
    default:
      break;
    }
  return message;
}

static void
assert_messages_equal (const HormigaShareMessage *a,
                       const HormigaShareMessage *b)
{
  g_assert_cmpint (a->type, ==, b->type);
  g_assert_cmpuint (a->id, ==, b->id);
  g_assert_cmpint (a->state, ==, b->state);
  g_assert_true ((a->bits == NULL) == (b->bits == NULL));
  if (a->bits != NULL)
    g_assert_true (g_bytes_equal (a->bits, b->bits));
  g_assert_cmpuint (a->msize, ==, b->msize);
  g_assert_cmpuint (a->offset, ==, b->offset);
  g_assert_cmpuint (a->length, ==, b->length);
  g_assert_cmpuint (a->total, ==, b->total);
  g_assert_true ((a->data == NULL) == (b->data == NULL));
  if (a->data != NULL)
    g_assert_true (g_bytes_equal (a->data, b->data));
  g_assert_cmpuint (a->index, ==, b->index);
  g_assert_cmpuint (a->code, ==, b->code);
  g_assert_cmpstr (a->text, ==, b->text);
  g_assert_cmpint (a->kind, ==, b->kind);
  g_assert_cmpstr (a->name, ==, b->name);
  g_assert_cmpuint (a->size, ==, b->size);
  g_assert_cmpint (a->accept, ==, b->accept);
  g_assert_true ((a->entries == NULL) == (b->entries == NULL));
  if (a->entries != NULL)
    g_assert_true (g_bytes_equal (a->entries, b->entries));
}

static HormigaShareMessage *
round_trip (const HormigaShareMessage *message)
{
  g_autoptr(GBytes) encoded = hormiga_share_message_encode (message);
  g_autoptr(GBytes) again = NULL;
  g_autoptr(GError) error = NULL;
  HormigaShareMessage *decoded;

  g_assert_nonnull (encoded);
  g_assert_cmpuint (g_bytes_get_size (encoded), <=, HORMIGA_SHARE_MAX_MESSAGE);
  decoded = hormiga_share_message_decode (encoded, &error);
  g_assert_no_error (error);
  g_assert_nonnull (decoded);
  again = hormiga_share_message_encode (decoded);
  g_assert_true (g_bytes_equal (again, encoded));
  return decoded;
}

/* ---- round trips ------------------------------------------------------- */

static void
test_round_trips (void)
{
  for (guint t = HORMIGA_SHARE_MESSAGE_WANT; t <= HORMIGA_SHARE_MESSAGE_REPLY; t++)
    {
      g_autoptr(HormigaShareMessage) message = full_message (t);
      g_autoptr(HormigaShareMessage) decoded = round_trip (message);

      if (t != HORMIGA_SHARE_MESSAGE_WANT && t != HORMIGA_SHARE_MESSAGE_HAVE &&
          t != HORMIGA_SHARE_MESSAGE_GET_MANIFEST && t != HORMIGA_SHARE_MESSAGE_MANIFEST &&
          t != HORMIGA_SHARE_MESSAGE_GET_CHUNK && t != HORMIGA_SHARE_MESSAGE_CHUNK &&
          t != HORMIGA_SHARE_MESSAGE_OFFER)
        memset (message->cid.bytes, 0, sizeof message->cid.bytes);
      g_assert_cmpmem (decoded->cid.bytes, 32, message->cid.bytes, 32);
      assert_messages_equal (message, decoded);
    }
}

static void
test_have_states (void)
{
  for (guint s = HORMIGA_SHARE_HAVE_NONE; s <= HORMIGA_SHARE_HAVE_ALL; s++)
    {
      g_autoptr(HormigaShareMessage) message = hormiga_share_message_new (HORMIGA_SHARE_MESSAGE_HAVE, 1);
      g_autoptr(HormigaShareMessage) decoded = NULL;

      message->state = s;
      if (s == HORMIGA_SHARE_HAVE_SOME)
        message->bits = bytes_new (1, 0xa0);
      if (s != HORMIGA_SHARE_HAVE_NONE)
        message->msize = 99;
      decoded = round_trip (message);
      assert_messages_equal (message, decoded);
    }
}

static void
test_types (void)
{
  g_assert_true (hormiga_share_message_is_request (HORMIGA_SHARE_MESSAGE_WANT));
  g_assert_true (hormiga_share_message_is_request (HORMIGA_SHARE_MESSAGE_GET_MANIFEST));
  g_assert_true (hormiga_share_message_is_request (HORMIGA_SHARE_MESSAGE_GET_CHUNK));
  g_assert_true (hormiga_share_message_is_request (HORMIGA_SHARE_MESSAGE_OFFER));
  g_assert_false (hormiga_share_message_is_request (HORMIGA_SHARE_MESSAGE_HAVE));
  g_assert_false (hormiga_share_message_is_request (HORMIGA_SHARE_MESSAGE_CANCEL));
  g_assert_false (hormiga_share_message_is_request (HORMIGA_SHARE_MESSAGE_ERROR));
  g_assert_false (hormiga_share_message_is_request (99));
  g_assert_cmpstr (hormiga_share_message_type_to_string (HORMIGA_SHARE_MESSAGE_GET_MANIFEST),
                   ==, "get-manifest");
  g_assert_cmpstr (hormiga_share_message_type_to_string (99), ==, "unknown");
  g_assert_cmpstr (hormiga_share_code_to_string (HORMIGA_SHARE_CODE_TOO_MANY_REQUESTS), ==,
                   "too-many-requests");
  g_assert_cmpstr (hormiga_share_code_to_string (77), ==, "unknown");
}

static void
test_largest_chunk_fits (void)
{
  g_autoptr(HormigaShareMessage) message = hormiga_share_message_new (HORMIGA_SHARE_MESSAGE_CHUNK,
                                                                      G_MAXUINT32);
  g_autoptr(HormigaShareMessage) decoded = NULL;
  g_autoptr(GBytes) encoded = NULL;

  message->index = G_MAXUINT32;
  message->data = bytes_new (HORMIGA_CONTENT_CHUNK_SIZE, 9);
  encoded = hormiga_share_message_encode (message);
  g_assert_nonnull (encoded);
  g_test_message ("a %u-byte chunk is a %" G_GSIZE_FORMAT "-byte message",
                  HORMIGA_CONTENT_CHUNK_SIZE, g_bytes_get_size (encoded));
  g_assert_cmpuint (g_bytes_get_size (encoded), <=, HORMIGA_SHARE_MAX_MESSAGE);
  g_assert_cmpuint (g_bytes_get_size (encoded), <=, 262144);
  decoded = round_trip (message);
  assert_messages_equal (message, decoded);

  /* The largest manifest piece fits too. */
  {
    g_autoptr(HormigaShareMessage) piece = hormiga_share_message_new (HORMIGA_SHARE_MESSAGE_MANIFEST,
                                                                      G_MAXUINT32);
    g_autoptr(HormigaShareMessage) piece_decoded = NULL;

    piece->offset = HORMIGA_MANIFEST_MAX_SIZE - HORMIGA_SHARE_MAX_PIECE;
    piece->total = HORMIGA_MANIFEST_MAX_SIZE;
    piece->data = bytes_new (HORMIGA_SHARE_MAX_PIECE, 3);
    piece_decoded = round_trip (piece);
    assert_messages_equal (piece, piece_decoded);
  }
}

static void
test_bits (void)
{
  g_autoptr(HormigaShareMessage) message = hormiga_share_message_new (HORMIGA_SHARE_MESSAGE_HAVE, 1);
  g_autoptr(GError) error = NULL;
  const guint8 bits[2] = { 0xa0, 0x80 };  /* chunks 0, 2 and 8 */

  message->state = HORMIGA_SHARE_HAVE_SOME;
  message->bits = g_bytes_new (bits, sizeof bits);
  message->msize = 10;
  g_assert_true (hormiga_share_message_has_chunk (message, 0));
  g_assert_false (hormiga_share_message_has_chunk (message, 1));
  g_assert_true (hormiga_share_message_has_chunk (message, 2));
  g_assert_true (hormiga_share_message_has_chunk (message, 8));
  g_assert_false (hormiga_share_message_has_chunk (message, 9));
  g_assert_false (hormiga_share_message_has_chunk (message, 1000));

  g_assert_true (hormiga_share_message_check_bits (message, 9, &error));
  g_assert_true (hormiga_share_message_check_bits (message, 16, &error));
  g_assert_no_error (error);
  g_assert_false (hormiga_share_message_check_bits (message, 8, &error));
  g_assert_error (error, HORMIGA_SHARE_ERROR, HORMIGA_SHARE_ERROR_MALFORMED);
  g_clear_error (&error);
  g_assert_false (hormiga_share_message_check_bits (message, 17, &error));
  g_assert_error (error, HORMIGA_SHARE_ERROR, HORMIGA_SHARE_ERROR_MALFORMED);
  g_clear_error (&error);
  /* Bit 8 set but only 8 chunks… with 2 bytes: 9..15 padding must be 0. */
  {
    const guint8 padded[2] = { 0x00, 0x40 };  /* chunk 9 */

    g_bytes_unref (message->bits);
    message->bits = g_bytes_new (padded, sizeof padded);
    g_assert_false (hormiga_share_message_check_bits (message, 9, &error));
    g_assert_error (error, HORMIGA_SHARE_ERROR, HORMIGA_SHARE_ERROR_MALFORMED);
    g_assert_nonnull (strstr (error->message, "zero"));
  }
}

/* ---- rejections -------------------------------------------------------- */

/* {"v": 1, "t": @type, "id": 7, …@n_fields more}. */
static GByteArray *
msg (const char *type,
     guint       n_fields)
{
  GByteArray *b = g_byte_array_new ();

  mp_map (b, 3 + n_fields);
  mp_str (b, "v");
  mp_uint (b, 1);
  mp_str (b, "t");
  mp_str (b, type);
  mp_str (b, "id");
  mp_uint (b, 7);
  return b;
}

static void
cid (GByteArray *b)
{
  mp_str (b, "cid");
  mp_bin (b, NULL, 32);
}

static void
assert_rejected (GByteArray *b,
                 gint        code,
                 const char *fragment)
{
  g_autoptr(GBytes) bytes = g_bytes_new (b->data, b->len);
  g_autoptr(GError) error = NULL;
  g_autoptr(HormigaShareMessage) message = hormiga_share_message_decode (bytes, &error);

  g_assert_null (message);
  g_assert_error (error, HORMIGA_SHARE_ERROR, code);
  if (strstr (error->message, fragment) == NULL)
    g_error ("\"%s\" does not mention \"%s\"", error->message, fragment);
  g_byte_array_unref (b);
}

static void
assert_accepted (GByteArray *b)
{
  g_autoptr(GBytes) bytes = g_bytes_new (b->data, b->len);
  g_autoptr(GError) error = NULL;
  g_autoptr(HormigaShareMessage) message = hormiga_share_message_decode (bytes, &error);

  g_assert_no_error (error);
  g_assert_nonnull (message);
  g_byte_array_unref (b);
}

static void
test_reject_envelope (void)
{
  GByteArray *b;

  b = g_byte_array_new ();
  mp_array (b, 3);
  mp_uint (b, 1);
  mp_str (b, "want");
  mp_uint (b, 1);
  assert_rejected (b, HORMIGA_SHARE_ERROR_MALFORMED, "is a map whose first fields are \"v\", \"t\"");

  b = g_byte_array_new ();
  mp_map (b, 3);
  mp_str (b, "v");
  mp_uint (b, 2);
  mp_str (b, "t");
  mp_str (b, "want");
  mp_str (b, "id");
  mp_uint (b, 1);
  assert_rejected (b, HORMIGA_SHARE_ERROR_UNKNOWN_TYPE, "version 2 is unknown");

  b = g_byte_array_new ();
  mp_map (b, 3);
  mp_str (b, "v");
  mp_str (b, "1");
  mp_str (b, "t");
  mp_str (b, "want");
  mp_str (b, "id");
  mp_uint (b, 1);
  assert_rejected (b, HORMIGA_SHARE_ERROR_MALFORMED, "\"v\" in a file sharing message must be a uint");

  b = msg ("steal", 0);
  assert_rejected (b, HORMIGA_SHARE_ERROR_UNKNOWN_TYPE, "type \"steal\" is unknown");

  b = g_byte_array_new ();
  mp_map (b, 3);
  mp_str (b, "v");
  mp_uint (b, 1);
  mp_str (b, "t");
  mp_uint (b, 0);
  mp_str (b, "id");
  mp_uint (b, 1);
  assert_rejected (b, HORMIGA_SHARE_ERROR_MALFORMED, "\"t\"");

  /* id: missing, too large, negative. */
  b = g_byte_array_new ();
  mp_map (b, 2);
  mp_str (b, "v");
  mp_uint (b, 1);
  mp_str (b, "t");
  mp_str (b, "cancel");
  assert_rejected (b, HORMIGA_SHARE_ERROR_MALFORMED, "a cancel needs \"id\"; it is missing");

  b = g_byte_array_new ();
  mp_map (b, 3);
  mp_str (b, "v");
  mp_uint (b, 1);
  mp_str (b, "t");
  mp_str (b, "cancel");
  mp_str (b, "id");
  mp_uint (b, (guint64) G_MAXUINT32 + 1);
  assert_rejected (b, HORMIGA_SHARE_ERROR_MALFORMED, "\"id\" in a cancel must be a uint of at most 4294967295");

  /* Missing, duplicate, unknown, out of order, not-str keys. */
  b = msg ("want", 0);
  assert_rejected (b, HORMIGA_SHARE_ERROR_MALFORMED, "a want needs \"cid\"; it is missing");
  b = msg ("want", 2);
  cid (b);
  cid (b);
  assert_rejected (b, HORMIGA_SHARE_ERROR_MALFORMED, "\"cid\" appears twice in a want");
  b = msg ("want", 2);
  cid (b);
  mp_str (b, "please");
  mp_uint (b, 1);
  assert_rejected (b, HORMIGA_SHARE_ERROR_MALFORMED, "a want has an unknown field \"please\"");
  b = msg ("cancel", 1);
  cid (b);
  assert_rejected (b, HORMIGA_SHARE_ERROR_MALFORMED, "a cancel has an unknown field \"cid\"");
  b = msg ("get-chunk", 2);
  mp_str (b, "index");
  mp_uint (b, 1);
  cid (b);
  assert_rejected (b, HORMIGA_SHARE_ERROR_MALFORMED, "\"index\" is out of order in a get-chunk");
  b = msg ("want", 2);
  cid (b);
  mp_uint (b, 1);
  mp_uint (b, 1);
  assert_rejected (b, HORMIGA_SHARE_ERROR_MALFORMED, "keys must be str");

  /* Trailing bytes; empty; above the message limit; not canonical. */
  b = msg ("want", 1);
  cid (b);
  mp_byte (b, 0xc0);
  assert_rejected (b, HORMIGA_SHARE_ERROR_MALFORMED, "file sharing message: ");
  b = g_byte_array_new ();
  assert_rejected (b, HORMIGA_SHARE_ERROR_MALFORMED, "file sharing message: ");
  b = msg ("chunk", 3);
  cid (b);
  mp_str (b, "index");
  mp_uint (b, 0);
  mp_str (b, "data");
  mp_bin (b, NULL, HORMIGA_SHARE_MAX_MESSAGE);
  assert_rejected (b, HORMIGA_SHARE_ERROR_TOO_LARGE, "the limit is 262144");
  b = msg ("get-chunk", 2);
  cid (b);
  mp_str (b, "index");
  mp_byte (b, 0xce);
  mp_be (b, 5, 4);
  assert_rejected (b, HORMIGA_SHARE_ERROR_MALFORMED, "not in canonical form");
}

static void
test_reject_fields (void)
{
  GByteArray *b;
  g_autofree char *long_text = g_strnfill (HORMIGA_SHARE_MAX_TEXT + 1, 't');
  g_autofree char *long_name = g_strnfill (HORMIGA_MANIFEST_MAX_NAME + 1, 'n');

  /* cid */
  b = msg ("want", 1);
  mp_str (b, "cid");
  mp_bin (b, NULL, 31);
  assert_rejected (b, HORMIGA_SHARE_ERROR_MALFORMED, "\"cid\" in a want must be a bin of 32 bytes; got bin of 31 bytes");
  b = msg ("want", 1);
  mp_str (b, "cid");
  mp_str (b, "00");
  assert_rejected (b, HORMIGA_SHARE_ERROR_MALFORMED, "\"cid\" in a want must be a bin of 32 bytes");

  /* have: state, bits, msize */
  b = msg ("have", 2);
  cid (b);
  mp_str (b, "state");
  mp_str (b, "most");
  assert_rejected (b, HORMIGA_SHARE_ERROR_MALFORMED, "\"state\" in a have must be the str \"all\", \"some\" or \"none\"");
  b = msg ("have", 2);
  cid (b);
  mp_str (b, "state");
  mp_str (b, "all");
  assert_rejected (b, HORMIGA_SHARE_ERROR_MALFORMED, "a have with state \"all\" lacks \"msize\"");
  b = msg ("have", 3);
  cid (b);
  mp_str (b, "state");
  mp_str (b, "none");
  mp_str (b, "msize");
  mp_uint (b, 10);
  assert_rejected (b, HORMIGA_SHARE_ERROR_MALFORMED, "a have with state \"none\" carries \"msize\"");
  b = msg ("have", 3);
  cid (b);
  mp_str (b, "state");
  mp_str (b, "some");
  mp_str (b, "msize");
  mp_uint (b, 10);
  assert_rejected (b, HORMIGA_SHARE_ERROR_MALFORMED, "a have with state \"some\" lacks \"bits\"");
  b = msg ("have", 4);
  cid (b);
  mp_str (b, "state");
  mp_str (b, "all");
  mp_str (b, "bits");
  mp_bin (b, NULL, 1);
  mp_str (b, "msize");
  mp_uint (b, 10);
  assert_rejected (b, HORMIGA_SHARE_ERROR_MALFORMED, "a have with state \"all\" carries \"bits\"");
  b = msg ("have", 4);
  cid (b);
  mp_str (b, "state");
  mp_str (b, "some");
  mp_str (b, "bits");
  mp_bin (b, NULL, 0);
  mp_str (b, "msize");
  mp_uint (b, 10);
  assert_rejected (b, HORMIGA_SHARE_ERROR_MALFORMED, "\"bits\" in a have must be a bin of 1 to 65536 bytes");
  b = msg ("have", 4);
  cid (b);
  mp_str (b, "state");
  mp_str (b, "some");
  mp_str (b, "bits");
  mp_bin (b, NULL, HORMIGA_SHARE_MAX_BITS + 1);
  mp_str (b, "msize");
  mp_uint (b, 10);
  assert_rejected (b, HORMIGA_SHARE_ERROR_TOO_LARGE, "\"bits\" in a have is 65537 bytes; the limit is 65536");
  b = msg ("have", 3);
  cid (b);
  mp_str (b, "state");
  mp_str (b, "all");
  mp_str (b, "msize");
  mp_uint (b, 0);
  assert_rejected (b, HORMIGA_SHARE_ERROR_MALFORMED, "\"msize\" in a have must be a uint from 1 to 16777216");
  b = msg ("have", 3);
  cid (b);
  mp_str (b, "state");
  mp_str (b, "all");
  mp_str (b, "msize");
  mp_uint (b, HORMIGA_MANIFEST_MAX_SIZE + 1);
  assert_rejected (b, HORMIGA_SHARE_ERROR_MALFORMED, "\"msize\"");
  b = msg ("have", 4);
  cid (b);
  mp_str (b, "state");
  mp_str (b, "some");
  mp_str (b, "msize");
  mp_uint (b, 10);
  mp_str (b, "bits");
  mp_bin (b, NULL, 1);
  assert_rejected (b, HORMIGA_SHARE_ERROR_MALFORMED, "\"bits\" is out of order in a have");

  /* get-manifest: offset, length */
  for (guint i = 0; i < 3; i++)
    {
      const guint64 offsets[] = { 0, HORMIGA_MANIFEST_MAX_SIZE, 0 };
      const guint64 lengths[] = { 0, 1, HORMIGA_SHARE_MAX_PIECE + 1 };

      b = msg ("get-manifest", 3);
      cid (b);
      mp_str (b, "offset");
      mp_uint (b, offsets[i]);
      mp_str (b, "length");
      mp_uint (b, lengths[i]);
      assert_rejected (b, HORMIGA_SHARE_ERROR_MALFORMED, i == 1 ? "\"offset\" in a get-manifest must be a uint from 0 to 16777215"
                                                                : "\"length\" in a get-manifest must be a uint from 1 to 245760");
    }

  /* manifest: total, data, and the piece within the total */
  b = msg ("manifest", 4);
  cid (b);
  mp_str (b, "offset");
  mp_uint (b, 0);
  mp_str (b, "total");
  mp_uint (b, 0);
  mp_str (b, "data");
  mp_bin (b, NULL, 1);
  assert_rejected (b, HORMIGA_SHARE_ERROR_MALFORMED, "\"total\" in a manifest must be a uint from 1 to 16777216");
  b = msg ("manifest", 4);
  cid (b);
  mp_str (b, "offset");
  mp_uint (b, 0);
  mp_str (b, "total");
  mp_uint (b, 10);
  mp_str (b, "data");
  mp_bin (b, NULL, 0);
  assert_rejected (b, HORMIGA_SHARE_ERROR_MALFORMED, "\"data\" in a manifest must be a bin of 1 to 245760 bytes");
  b = msg ("manifest", 4);
  cid (b);
  mp_str (b, "offset");
  mp_uint (b, 0);
  mp_str (b, "total");
  mp_uint (b, HORMIGA_MANIFEST_MAX_SIZE);
  mp_str (b, "data");
  mp_bin (b, NULL, HORMIGA_SHARE_MAX_PIECE + 1);
  assert_rejected (b, HORMIGA_SHARE_ERROR_TOO_LARGE, "\"data\" in a manifest is 245761 bytes; the limit is 245760");
  b = msg ("manifest", 4);
  cid (b);
  mp_str (b, "offset");
  mp_uint (b, 5);
  mp_str (b, "total");
  mp_uint (b, 10);
  mp_str (b, "data");
  mp_bin (b, NULL, 6);
  assert_rejected (b, HORMIGA_SHARE_ERROR_MALFORMED, "goes past the end of a manifest of 10 bytes");
  b = msg ("manifest", 4);
  cid (b);
  mp_str (b, "offset");
  mp_uint (b, 10);
  mp_str (b, "total");
  mp_uint (b, 10);
  mp_str (b, "data");
  mp_bin (b, NULL, 1);
  assert_rejected (b, HORMIGA_SHARE_ERROR_MALFORMED, "goes past the end");

  /* get-chunk, chunk: index, data */
  b = msg ("get-chunk", 2);
  cid (b);
  mp_str (b, "index");
  mp_uint (b, (guint64) G_MAXUINT32 + 1);
  assert_rejected (b, HORMIGA_SHARE_ERROR_MALFORMED, "\"index\" in a get-chunk must be a uint of at most 4294967295");
  b = msg ("chunk", 3);
  cid (b);
  mp_str (b, "index");
  mp_uint (b, 0);
  mp_str (b, "data");
  mp_bin (b, NULL, HORMIGA_SHARE_MAX_CHUNK + 1);
  assert_rejected (b, HORMIGA_SHARE_ERROR_TOO_LARGE, "\"data\" in a chunk is 261121 bytes; the limit is 261120");
  b = msg ("chunk", 3);
  cid (b);
  mp_str (b, "index");
  mp_uint (b, 0);
  mp_str (b, "data");
  mp_str (b, "x");
  assert_rejected (b, HORMIGA_SHARE_ERROR_MALFORMED, "\"data\" in a chunk must be a bin");
  b = msg ("chunk", 3);
  cid (b);
  mp_str (b, "index");
  mp_uint (b, 0);
  mp_str (b, "data");
  mp_bin (b, NULL, 0);
  assert_accepted (b);

  /* error: code, text */
  b = msg ("error", 2);
  mp_str (b, "code");
  mp_int64 (b, -1);
  mp_str (b, "text");
  mp_str (b, "");
  assert_rejected (b, HORMIGA_SHARE_ERROR_MALFORMED, "\"code\" in an error must be a uint");
  b = msg ("error", 2);
  mp_str (b, "code");
  mp_uint (b, 1);
  mp_str (b, "text");
  mp_str (b, long_text);
  assert_rejected (b, HORMIGA_SHARE_ERROR_TOO_LARGE, "\"text\" in an error is 257 bytes; the limit is 256");
  b = msg ("error", 2);
  mp_str (b, "code");
  mp_uint (b, 1);
  mp_str (b, "text");
  mp_str_len (b, "a\0b", 3);
  assert_rejected (b, HORMIGA_SHARE_ERROR_MALFORMED, "\"text\" in an error contains a NUL byte");
  b = msg ("error", 1);
  mp_str (b, "code");
  mp_uint (b, 1);
  assert_rejected (b, HORMIGA_SHARE_ERROR_MALFORMED, "an error needs \"text\"");

  /* offer: kind, name, size, msize */
  {
    struct { const char *kind; const char *name; gsize name_length; gint code; const char *fragment; } cases[] = {
      { "link", "a", 1, HORMIGA_SHARE_ERROR_UNKNOWN_TYPE, "\"kind\" \"link\" in an offer is unknown" },
      { "file", "", 0, HORMIGA_SHARE_ERROR_MALFORMED, "\"name\" in an offer must be a str of 1 to 255 bytes" },
      { "file", long_name, HORMIGA_MANIFEST_MAX_NAME + 1, HORMIGA_SHARE_ERROR_TOO_LARGE, "\"name\" in an offer is 256 bytes" },
      { "file", "../\0etc", 7, HORMIGA_SHARE_ERROR_MALFORMED, "\"name\" in an offer contains a NUL" },
    };

    for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
      {
        b = msg ("offer", 5);
        cid (b);
        mp_str (b, "kind");
        mp_str (b, cases[i].kind);
        mp_str (b, "name");
        mp_str_len (b, cases[i].name, cases[i].name_length);
        mp_str (b, "size");
        mp_uint (b, 1);
        mp_str (b, "msize");
        mp_uint (b, 100);
        assert_rejected (b, cases[i].code, cases[i].fragment);
      }
  }
  b = msg ("offer", 5);
  cid (b);
  mp_str (b, "kind");
  mp_bin (b, NULL, 1);
  mp_str (b, "name");
  mp_str (b, "a");
  mp_str (b, "size");
  mp_uint (b, 1);
  mp_str (b, "msize");
  mp_uint (b, 100);
  assert_rejected (b, HORMIGA_SHARE_ERROR_MALFORMED, "\"kind\" in an offer must be the str \"file\" or \"folder\"");
  b = msg ("offer", 5);
  cid (b);
  mp_str (b, "kind");
  mp_str (b, "file");
  mp_str (b, "name");
  mp_str (b, "a");
  mp_str (b, "size");
  mp_str (b, "1");
  mp_str (b, "msize");
  mp_uint (b, 100);
  assert_rejected (b, HORMIGA_SHARE_ERROR_MALFORMED, "\"size\" in an offer must be a uint");

  /* reply: accept, text */
  b = msg ("reply", 1);
  mp_str (b, "accept");
  mp_uint (b, 1);
  assert_rejected (b, HORMIGA_SHARE_ERROR_MALFORMED, "\"accept\" in a reply must be a bool; got uint 1");
  b = msg ("reply", 0);
  assert_rejected (b, HORMIGA_SHARE_ERROR_MALFORMED, "a reply needs \"accept\"");
  b = msg ("reply", 2);
  mp_str (b, "text");
  mp_str (b, "no");
  mp_str (b, "accept");
  mp_byte (b, 0xc2);
  assert_rejected (b, HORMIGA_SHARE_ERROR_MALFORMED, "\"text\" is out of order in a reply");
  b = msg ("reply", 1);
  mp_str (b, "accept");
  mp_byte (b, 0xc2);
  assert_accepted (b);
}

/* A reply that takes part of a folder: its entries, checked against the
 * folder; the largest folder's fit; a decline cannot carry them. */
static void
test_entries (void)
{
  g_autoptr(HormigaShareMessage) message = hormiga_share_message_new (HORMIGA_SHARE_MESSAGE_REPLY, 3);
  g_autoptr(HormigaShareMessage) decoded = NULL;
  g_autoptr(HormigaShareMessage) whole = hormiga_share_message_new (HORMIGA_SHARE_MESSAGE_REPLY, 4);
  g_autoptr(GError) error = NULL;
  const guint8 two[2] = { 0x40, 0x80 };   /* entries 1 and 8 of 9 */
  const guint8 none[2] = { 0, 0 };
  GByteArray *b;

  message->accept = TRUE;
  message->entries = g_bytes_new (two, sizeof two);
  g_assert_true (hormiga_share_message_check_entries (message, 9, &error));
  g_assert_no_error (error);
  g_assert_true (hormiga_share_message_check_entries (message, 16, &error));
  g_assert_no_error (error);
  g_assert_false (hormiga_share_message_check_entries (message, 8, &error));
  g_assert_error (error, HORMIGA_SHARE_ERROR, HORMIGA_SHARE_ERROR_MALFORMED);
  g_assert_nonnull (strstr (error->message, "a folder of 8 files needs 1"));
  g_clear_error (&error);
  g_assert_false (hormiga_share_message_check_entries (message, 17, &error));
  g_assert_error (error, HORMIGA_SHARE_ERROR, HORMIGA_SHARE_ERROR_MALFORMED);
  g_clear_error (&error);
  /* Bit 8 of a folder of 12 is in range; of one of 8+1 the padding is not. */
  g_clear_pointer (&message->entries, g_bytes_unref);
  message->entries = g_bytes_new (none, sizeof none);
  g_assert_false (hormiga_share_message_check_entries (message, 12, &error));
  g_assert_error (error, HORMIGA_SHARE_ERROR, HORMIGA_SHARE_ERROR_MALFORMED);
  g_assert_nonnull (strstr (error->message, "takes no file"));
  g_clear_error (&error);
  {
    const guint8 padded[2] = { 0x00, 0x40 };   /* bit 9 of a folder of 9 */

    g_clear_pointer (&message->entries, g_bytes_unref);
    message->entries = g_bytes_new (padded, sizeof padded);
    g_assert_false (hormiga_share_message_check_entries (message, 9, &error));
    g_assert_error (error, HORMIGA_SHARE_ERROR, HORMIGA_SHARE_ERROR_MALFORMED);
    g_assert_nonnull (strstr (error->message, "past the last of 9 files"));
    g_clear_error (&error);
  }

  /* A reply without entries (every earlier reply) takes everything. */
  whole->accept = TRUE;
  decoded = round_trip (whole);
  g_assert_null (decoded->entries);
  g_assert_true (hormiga_share_message_check_entries (decoded, 5, &error));
  g_assert_no_error (error);
  g_clear_pointer (&decoded, hormiga_share_message_free);

  /* The largest folder's entries fit in a message. */
  g_clear_pointer (&message->entries, g_bytes_unref);
  message->entries = bytes_new (HORMIGA_SHARE_MAX_ENTRY_BITS, 1);
  message->text = g_strdup ("only these");
  decoded = round_trip (message);
  g_assert_true (g_bytes_equal (decoded->entries, message->entries));

  /* Rejected: a decline with entries, too many, not a bin, out of order. */
  b = msg ("reply", 2);
  mp_str (b, "accept");
  mp_byte (b, 0xc2);
  mp_str (b, "entries");
  mp_bin (b, two, sizeof two);
  assert_rejected (b, HORMIGA_SHARE_ERROR_MALFORMED, "a reply that declines carries \"entries\"");
  {
    g_autofree guint8 *big = g_malloc0 (HORMIGA_SHARE_MAX_ENTRY_BITS + 1);

    b = msg ("reply", 2);
    mp_str (b, "accept");
    mp_byte (b, 0xc3);
    mp_str (b, "entries");
    mp_bin (b, big, HORMIGA_SHARE_MAX_ENTRY_BITS + 1);
    assert_rejected (b, HORMIGA_SHARE_ERROR_TOO_LARGE, "\"entries\" in a reply is 12501 bytes");
  }
  b = msg ("reply", 2);
  mp_str (b, "accept");
  mp_byte (b, 0xc3);
  mp_str (b, "entries");
  mp_str (b, "ab");
  assert_rejected (b, HORMIGA_SHARE_ERROR_MALFORMED, "\"entries\" in a reply must be a bin");
  b = msg ("reply", 2);
  mp_str (b, "accept");
  mp_byte (b, 0xc3);
  mp_str (b, "entries");
  mp_bin (b, NULL, 0);
  assert_rejected (b, HORMIGA_SHARE_ERROR_MALFORMED, "\"entries\" in a reply must be a bin of 1");
  b = msg ("reply", 3);
  mp_str (b, "accept");
  mp_byte (b, 0xc3);
  mp_str (b, "entries");
  mp_bin (b, two, sizeof two);
  mp_str (b, "text");
  mp_str (b, "x");
  assert_rejected (b, HORMIGA_SHARE_ERROR_MALFORMED, "out of order in a reply");
  b = msg ("reply", 2);
  mp_str (b, "accept");
  mp_byte (b, 0xc3);
  mp_str (b, "entries");
  mp_bin (b, two, sizeof two);
  assert_accepted (b);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/hormiga/share-message/round-trips", test_round_trips);
  g_test_add_func ("/hormiga/share-message/have-states", test_have_states);
  g_test_add_func ("/hormiga/share-message/types", test_types);
  g_test_add_func ("/hormiga/share-message/largest-chunk-fits", test_largest_chunk_fits);
  g_test_add_func ("/hormiga/share-message/bits", test_bits);
  g_test_add_func ("/hormiga/share-message/entries", test_entries);
  g_test_add_func ("/hormiga/share-message/reject-envelope", test_reject_envelope);
  g_test_add_func ("/hormiga/share-message/reject-fields", test_reject_fields);
  return g_test_run ();
}
