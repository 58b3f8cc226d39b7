/* fuzz-control-request.c — libFuzzer target for the control socket's decoders
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The input is what a client could write to a node's control socket. It
 * goes through the frame reader in chunks (sizes taken from the input's
 * first byte), and each frame through the request decoder, as the server
 * does; the whole input is also decoded as one request body and as one
 * reply body (the client's decoder). Every refusal is a control error
 * with a message; every request that decodes encodes to a frame that
 * decodes to the same request (paths absolute, links that parse).
 */
#include <glib.h>
#include <stdint.h>

#include "hormiga-control-protocol.h"
#include "hormiga-link.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
check_error (const GError *error)
{
  g_assert_nonnull (error);
  g_assert_true (error->domain == HORMIGA_CONTROL_ERROR);
  g_assert_true (error->code == HORMIGA_CONTROL_ERROR_TOO_LARGE ||
                 error->code == HORMIGA_CONTROL_ERROR_MALFORMED ||
                 error->code == HORMIGA_CONTROL_ERROR_UNSUPPORTED_VERSION ||
                 error->code == HORMIGA_CONTROL_ERROR_UNKNOWN_OP ||
                 error->code == HORMIGA_CONTROL_ERROR_INVALID_ARGUMENT);
  g_assert_true (error->message[0] != '\0');
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
}

static void
check_body (const guint8 *body,
            gsize         length)
{
  g_autoptr(GError) error = NULL;
  guint64 id = 0;
  g_autoptr(HormigaControlRequest) request = hormiga_control_request_decode (body, length, &id,
                                                                            &error);
  g_autoptr(GBytes) frame = NULL;
  g_autoptr(HormigaControlRequest) back = NULL;
  const guint8 *encoded;
  gsize encoded_length = 0;
  guint64 back_id = 0;

  if (request == NULL)
    {
      check_error (error);
      /* The error reply for it is a frame a client can read. */
      {
        g_autoptr(GBytes) reply_frame = hormiga_control_error_reply (id, (HormigaControlError)
                                                                     error->code, error->message);
        g_autoptr(HormigaControlReply) reply = NULL;
        g_autoptr(GError) reply_error = NULL;
        gsize reply_length = 0;
        const guint8 *reply_data = g_bytes_get_data (reply_frame, &reply_length);

        reply = hormiga_control_reply_decode (reply_data + HORMIGA_CONTROL_HEADER_SIZE,
                                              reply_length - HORMIGA_CONTROL_HEADER_SIZE,
                                              &reply_error);
        g_assert_no_error (reply_error);
        g_assert_cmpuint (reply->id, ==, id);
        g_assert_true (g_error_matches (reply->error, HORMIGA_CONTROL_ERROR, error->code));
      }
      return;
    }
  g_assert_no_error (error);
  g_assert_cmpuint (id, ==, request->id);

  frame = hormiga_control_request_encode (request);
  encoded = g_bytes_get_data (frame, &encoded_length);
  back = hormiga_control_request_decode (encoded + HORMIGA_CONTROL_HEADER_SIZE,
                                         encoded_length - HORMIGA_CONTROL_HEADER_SIZE, &back_id,
                                         &error);
  g_assert_no_error (error);
  g_assert_cmpuint (back->id, ==, request->id);
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
  /* Paths are absolute, and a link is one the link parser takes. */
  if (request->path != NULL)
    g_assert_true (g_path_is_absolute (request->path));
  if (request->folder != NULL)
    g_assert_true (g_path_is_absolute (request->folder));
  if (request->link != NULL)
    {
      g_autoptr(HormigaLink) link = hormiga_link_parse (request->link, NULL);

      g_assert_nonnull (link);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(HormigaControlReader) reader = hormiga_control_reader_new (HORMIGA_CONTROL_MAX_REQUEST);
  gsize chunk = size > 0 ? (gsize) data[0] % 64 + 1 : 1;
  gboolean stopped = FALSE;

  for (gsize offset = 0; offset < size && !stopped; offset += chunk)
    {
      hormiga_control_reader_push (reader, data + offset, MIN (chunk, size - offset));
      for (;;)
        {
          g_autoptr(GError) error = NULL;
          g_autoptr(GBytes) body = hormiga_control_reader_next (reader, &error);

          if (body == NULL)
            {
              if (error != NULL)
                {
                  g_assert_true (g_error_matches (error, HORMIGA_CONTROL_ERROR,
                                                  HORMIGA_CONTROL_ERROR_TOO_LARGE));
                  stopped = TRUE;
                }
              break;
            }
          g_assert_cmpuint (g_bytes_get_size (body), <=, HORMIGA_CONTROL_MAX_REQUEST);
          check_body (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
        }
    }

  check_body (data, size);

  {
    g_autoptr(GError) error = NULL;
    g_autoptr(HormigaControlReply) reply = hormiga_control_reply_decode (data, size, &error);

    if (reply == NULL)
      {
        g_assert_true (g_error_matches (error, HORMIGA_CONTROL_ERROR,
                                        HORMIGA_CONTROL_ERROR_MALFORMED));
        g_assert_true (g_utf8_validate (error->message, -1, NULL));
      }
    else
      g_assert_true ((reply->result != NULL) != (reply->error != NULL));
  }
  return 0;
}
