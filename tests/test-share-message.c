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
  return g_test_run ();
}
