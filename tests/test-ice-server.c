/* test-ice-server.c — STUN and TURN server URLs
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The forms a person writes and hormiguero's welcome carries parse to
 * their parts; everything else is refused with a message that says what
 * is wrong and never repeats a password.
 */
#include <string.h>

#include "hormiga-ice-server.h"
#include "hormiga-rtc-error.h"

static void
test_good (void)
{
  static const struct
  {
    const char              *url;
    HormigaIceServerKind     kind;
    const char              *host;
    guint16                  port;
    const char              *username;
    const char              *password;
    HormigaIceRelayTransport transport;
  } cases[] = {
    { "stun:stun.example.org", HORMIGA_ICE_SERVER_STUN, "stun.example.org", 3478, NULL, NULL, 0 },
    { "STUN:192.0.2.1:19302", HORMIGA_ICE_SERVER_STUN, "192.0.2.1", 19302, NULL, NULL, 0 },
    { "stun:[2001:db8::1]:3479", HORMIGA_ICE_SERVER_STUN, "2001:db8::1", 3479, NULL, NULL, 0 },
    { "turn:ana:secreto@turn.example.org", HORMIGA_ICE_SERVER_TURN, "turn.example.org", 3478,
      "ana", "secreto", HORMIGA_ICE_RELAY_UDP },
    { "turn:ana:se%3Acr%40eto@127.0.0.1:5349?transport=tcp", HORMIGA_ICE_SERVER_TURN, "127.0.0.1",
      5349, "ana", "se:cr@eto", HORMIGA_ICE_RELAY_TCP },
    { "turn:127.0.0.1:3478?transport=udp", HORMIGA_ICE_SERVER_TURN, "127.0.0.1", 3478, NULL, NULL,
      HORMIGA_ICE_RELAY_UDP },
    { "turn:1700000000%3A12D3KooW:c2VjcmV0@[::1]", HORMIGA_ICE_SERVER_TURN, "::1", 3478,
      "1700000000:12D3KooW", "c2VjcmV0", HORMIGA_ICE_RELAY_UDP },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(HormigaIceServer) server = hormiga_ice_server_parse (cases[i].url, &error);
      g_autoptr(HormigaIceServer) copy = NULL;
      g_autofree char *text = NULL;

      g_assert_no_error (error);
      g_assert_cmpint (server->kind, ==, cases[i].kind);
      g_assert_cmpstr (server->host, ==, cases[i].host);
      g_assert_cmpuint (server->port, ==, cases[i].port);
      g_assert_cmpstr (server->username, ==, cases[i].username);
      g_assert_cmpstr (server->password, ==, cases[i].password);
      if (server->kind == HORMIGA_ICE_SERVER_TURN)
        g_assert_cmpint (server->transport, ==, cases[i].transport);
      copy = hormiga_ice_server_copy (server);
      g_assert_cmpstr (copy->host, ==, server->host);
      g_assert_cmpstr (copy->password, ==, server->password);
      text = hormiga_ice_server_to_string (server);
      g_test_message ("%s → %s", cases[i].url, text);
      if (cases[i].password != NULL)
        g_assert_null (strstr (text, cases[i].password));
    }
}

static void
test_refused (void)
{
  g_autofree char *a600 = g_strnfill (600, 'a');
  g_autofree char *u257 = g_strnfill (257, 'u');
  g_autofree char *long_url = g_strdup_printf ("stun:%s.example", a600);
  g_autofree char *long_user = g_strdup_printf ("turn:%s:p@h", u257);
  static const struct { const char *url; const char *fragment; } cases[] = {
    { "", "the address is empty" },
    { "http://turn.example.org", "neither stun: nor turn:" },
    { "turns:ana:secreto@turn.example.org", "over TLS" },
    { "stun://stun.example.org", "no // after the scheme" },
    { "stun:", "the host is missing" },
    { "stun::3478", "the host is missing" },
    { "stun:host:0", "the port must be a number from 1 to 65535" },
    { "stun:host:65536", "the port must be a number from 1 to 65535" },
    { "stun:host:12a", "the port must be a number from 1 to 65535" },
    { "stun:2001:db8::1", "an IPv6 address goes in brackets" },
    { "stun:[2001:db8::1", "needs its closing ]" },
    { "stun:[example.org]", "only an IPv6 address goes in brackets" },
    { "stun:[::1]x", "only :PORT may follow the host" },
    { "stun:ho_st", "a host name holds only letters" },
    { "stun:host?transport=udp", "a STUN server takes no ?query" },
    { "stun:ana@host", "a STUN server takes no USER@" },
    { "turn:host?transport=sctp", "?transport=udp or ?transport=tcp" },
    { "turn:ana@host", "USER:PASSWORD@, with both" },
    { "turn::secreto@host", "the TURN user name is empty" },
    { "turn:ana:@host", "the TURN password is empty" },
    { "turn:ana:se%2@host", "bad %XX escape" },
    { "turn:ana:se%00x@host", "bad %XX escape" },
    { "turn:ana:se cr@host", "byte 11 is a space" },
    { "turn:ana:se\ncr@host", "a control or not ASCII" },
    { "turn:ana:señor@host", "not ASCII" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(HormigaIceServer) server = hormiga_ice_server_parse (cases[i].url, &error);

      g_assert_null (server);
      g_assert_error (error, HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_ICE);
      g_test_message ("%s: %s", cases[i].url, error->message);
      if (strstr (error->message, cases[i].fragment) == NULL)
        g_error ("“%s”: error “%s” does not say “%s”", cases[i].url, error->message,
                 cases[i].fragment);
      /* Nothing after the user name is repeated. */
      g_assert_null (strstr (error->message, "secreto"));
    }

  {
    g_autoptr(GError) error = NULL;

    g_assert_null (hormiga_ice_server_parse (long_url, &error));
    g_assert_nonnull (strstr (error->message, "at most 512"));
    g_clear_error (&error);
    g_assert_null (hormiga_ice_server_parse (long_user, &error));
    g_assert_nonnull (strstr (error->message, "the TURN user name is 257 bytes; at most 256"));
  }
}

/* What a person configures: the kind the list is for, and a TURN server
 * with its credentials. */
static void
test_configured (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HormigaIceServer) server = NULL;

  server = hormiga_ice_server_parse_configured ("turn:a:b@h", HORMIGA_ICE_SERVER_TURN, &error);
  g_assert_no_error (error);
  g_assert_null (hormiga_ice_server_parse_configured ("turn:h", HORMIGA_ICE_SERVER_TURN, &error));
  g_assert_nonnull (strstr (error->message, "needs its credentials"));
  g_clear_error (&error);
  g_assert_null (hormiga_ice_server_parse_configured ("turn:a:b@h", HORMIGA_ICE_SERVER_STUN,
                                                      &error));
  g_assert_nonnull (strstr (error->message, "a STUN server starts with stun:"));
  g_clear_error (&error);
  g_assert_null (hormiga_ice_server_parse_configured ("stun:h", HORMIGA_ICE_SERVER_TURN, &error));
  g_assert_nonnull (strstr (error->message, "a TURN server starts with turn:"));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/hormiga/ice-server/good", test_good);
  g_test_add_func ("/hormiga/ice-server/refused", test_refused);
  g_test_add_func ("/hormiga/ice-server/configured", test_configured);
  return g_test_run ();
}
