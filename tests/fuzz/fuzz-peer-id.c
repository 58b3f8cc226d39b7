/* fuzz-peer-id.c — libFuzzer target for PeerID parsing (text and bytes)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib.h>
#include <stdint.h>

#include "hormiga-identity-error.h"
#include "hormiga-peer-id.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
check_result (HormigaPeerId *id,
              GError        *error)
{
  if (id == NULL)
    {
      /* Every refusal is a clear identity error. */
      g_assert_nonnull (error);
      g_assert_true (error->domain == HORMIGA_IDENTITY_ERROR);
      g_assert_true (error->message != NULL && error->message[0] != '\0');
      /* Messages quote the input only when it is printable UTF-8. */
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
      return;
    }

  /* Whatever parses renders back to something that parses to the same id. */
  {
    g_autoptr(GError) again_error = NULL;
    g_autoptr(HormigaPeerId) again = hormiga_peer_id_parse (hormiga_peer_id_to_string (id),
                                                            &again_error);
    const guint8 *bytes;
    gsize length;
    g_autoptr(HormigaPeerId) from_bytes = NULL;

    g_assert_no_error (again_error);
    g_assert_true (hormiga_peer_id_equal (id, again));
    g_assert_cmpstr (hormiga_peer_id_to_string (id), ==, hormiga_peer_id_to_string (again));

    /* And its bytes parse to the same id too. */
    bytes = hormiga_peer_id_get_bytes (id, &length);
    g_assert_cmpuint (length, ==, HORMIGA_PEER_ID_LENGTH);
    from_bytes = hormiga_peer_id_new_from_bytes (bytes, length, &again_error);
    g_assert_no_error (again_error);
    g_assert_true (hormiga_peer_id_equal (id, from_bytes));
  }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *text = g_strndup ((const char *) data, size);
  g_autoptr(GError) text_error = NULL;
  g_autoptr(GError) bytes_error = NULL;
  g_autoptr(HormigaPeerId) from_text = NULL;
  g_autoptr(HormigaPeerId) from_bytes = NULL;

  from_text = hormiga_peer_id_parse (text, &text_error);
  check_result (from_text, text_error);

  from_bytes = hormiga_peer_id_new_from_bytes (data, size, &bytes_error);
  check_result (from_bytes, bytes_error);
  return 0;
}
