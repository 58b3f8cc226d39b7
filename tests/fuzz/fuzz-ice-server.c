/* fuzz-ice-server.c — libFuzzer target for STUN and TURN server URLs
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * hormiguero's welcome carries TURN URLs, so they are network input. The
 * input is taken as text up to its first NUL. Every input either fails
 * with HORMIGA_RTC_ERROR_ICE and a message, or is a server whose parts are
 * within their limits and whose printed form (without the password)
 * parses again to the same kind, host and port.
 */
#include <glib.h>
#include <stdint.h>
#include <string.h>

#include "hormiga-ice-server.h"
#include "hormiga-rtc-error.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *text = g_strndup ((const char *) data, size);
  g_autoptr(GError) error = NULL;
  g_autoptr(HormigaIceServer) server = hormiga_ice_server_parse (text, &error);
  g_autoptr(HormigaIceServer) again = NULL;
  g_autofree char *printed = NULL;

  if (server == NULL)
    {
      g_assert_error (error, HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_ICE);
      g_assert_true (error->message[0] != '\0');
      return 0;
    }
  g_assert_no_error (error);
  g_assert_nonnull (server->host);
  g_assert_true (server->host[0] != '\0');
  g_assert_cmpuint (server->port, >=, 1);
  g_assert_true ((server->username == NULL) == (server->password == NULL));
  if (server->username != NULL)
    {
      g_assert_cmpuint (strlen (server->username), <=, HORMIGA_ICE_SERVER_MAX_CREDENTIAL);
      g_assert_cmpuint (strlen (server->password), <=, HORMIGA_ICE_SERVER_MAX_CREDENTIAL);
    }

  /* Without credentials (the printed form hides them) it parses back. */
  g_clear_pointer (&server->username, g_free);
  g_clear_pointer (&server->password, g_free);
  printed = hormiga_ice_server_to_string (server);
  again = hormiga_ice_server_parse (printed, &error);
  g_assert_no_error (error);
  g_assert_cmpint (again->kind, ==, server->kind);
  g_assert_cmpstr (again->host, ==, server->host);
  g_assert_cmpuint (again->port, ==, server->port);
  return 0;
}
