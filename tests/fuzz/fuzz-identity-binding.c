/* fuzz-identity-binding.c — libFuzzer target for the identity-binding proof
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every input either fails with HORMIGA_RTC_ERROR_IDENTITY and a message,
 * or is a proof whose key really signed the transcript of the fixed
 * fingerprints below (the seed corpus holds one, made with the identity of
 * seed 0x42…).
 */
#include <glib.h>
#include <stdint.h>

#include "hormiga-identity-binding.h"
#include "hormiga-rtc-error.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  static const guint8 seed[32] = { [0 ... 31] = 0x42 };
  guint8 client[32], server[32];
  g_autoptr(GError) error = NULL;
  g_autoptr(HormigaPeerId) peer = NULL;

  memset (client, 0x11, sizeof client);
  memset (server, 0x22, sizeof server);
  peer = hormiga_identity_binding_verify (data, size, TRUE, client, server, NULL, &error);
  if (peer == NULL)
    {
      g_assert_nonnull (error);
      g_assert_true (error->domain == HORMIGA_RTC_ERROR);
      g_assert_cmpint (error->code, ==, HORMIGA_RTC_ERROR_IDENTITY);
      g_assert_true (g_str_has_prefix (error->message, "identity binding: "));
      return 0;
    }
  g_assert_no_error (error);
  g_assert_cmpuint (size, <=, HORMIGA_IDENTITY_BINDING_MAX_SIZE);

  /* Only the seed identity signed such a transcript; the same bytes do not
   * verify as the server's proof. */
  {
    g_autoptr(HormigaIdentity) identity = hormiga_identity_new_from_seed (seed);
    g_autoptr(HormigaPeerId) again = NULL;

    g_assert_true (hormiga_peer_id_equal (peer, hormiga_identity_get_peer_id (identity)));
    again = hormiga_identity_binding_verify (data, size, FALSE, client, server, NULL, &error);
    g_assert_null (again);
    g_assert_error (error, HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_IDENTITY);
  }
  return 0;
}
