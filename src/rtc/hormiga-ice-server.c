/* hormiga-ice-server.c — STUN and TURN server addresses
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A URL may come from hormiguero's welcome, so it is checked like any
 * network input: bounded, printable ASCII only, every part checked before
 * anything is copied. Messages never repeat a password.
 */
#include <gio/gio.h>
#include <string.h>

#include "hormiga-ice-server.h"
#include "hormiga-rtc-error.h"

#define FORMS "stun:HOST[:PORT] or turn:USER:PASSWORD@HOST[:PORT][?transport=udp|tcp]"

static gboolean
fail (GError     **error,
      const char  *format,
      ...) G_GNUC_PRINTF (2, 3);

static gboolean
fail (GError     **error,
      const char  *format,
      ...)
{
  g_autofree char *why = NULL;
  va_list args;

  va_start (args, format);
  why = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_ICE, "%s; write " FORMS, why);
  return FALSE;
}

void
hormiga_ice_server_free (HormigaIceServer *server)
{
  if (server == NULL)
    return;
  g_free (server->host);
  g_free (server->username);
  if (server->password != NULL)
    memset (server->password, 0, strlen (server->password));
  g_free (server->password);
  g_free (server);
}

HormigaIceServer *
hormiga_ice_server_copy (const HormigaIceServer *server)
{
  HormigaIceServer *copy;

  g_return_val_if_fail (server != NULL, NULL);

  copy = g_new0 (HormigaIceServer, 1);
  *copy = *server;
  copy->host = g_strdup (server->host);
  copy->username = g_strdup (server->username);
  copy->password = g_strdup (server->password);
  return copy;
}

char *
hormiga_ice_server_to_string (const HormigaIceServer *server)
{
  gboolean v6;

  g_return_val_if_fail (server != NULL, NULL);

  v6 = strchr (server->host, ':') != NULL;
  return g_strdup_printf ("%s:%s%s%s%s%s:%u%s", server->kind == HORMIGA_ICE_SERVER_STUN ? "stun" : "turn",
                          server->username != NULL ? server->username : "",
                          server->username != NULL ? ":…@" : "",
                          v6 ? "[" : "", server->host, v6 ? "]" : "", server->port,
                          server->kind == HORMIGA_ICE_SERVER_TURN &&
                          server->transport == HORMIGA_ICE_RELAY_TCP ? "?transport=tcp" : "");
}

/* A user name or password: %XX escapes allowed, none of them a NUL. */
static char *
unescape_credential (const char  *start,
                     const char  *end,
                     const char  *what,
                     GError     **error)
{
  g_autofree char *escaped = g_strndup (start, (gsize) (end - start));
  g_autofree char *text = NULL;

  if (escaped[0] == '\0')
    {
      fail (error, "the TURN %s is empty", what);
      return NULL;
    }
  text = g_uri_unescape_string (escaped, NULL);
  if (text == NULL)
    {
      fail (error, "the TURN %s has a bad %%XX escape", what);
      return NULL;
    }
  if (strlen (text) > HORMIGA_ICE_SERVER_MAX_CREDENTIAL)
    {
      fail (error, "the TURN %s is %" G_GSIZE_FORMAT " bytes; at most %u", what, strlen (text),
            HORMIGA_ICE_SERVER_MAX_CREDENTIAL);
      return NULL;
    }
  return g_steal_pointer (&text);
}

static gboolean
parse_port (const char  *start,
            const char  *end,
            guint16     *port,
            GError     **error)
{
  guint64 value = 0;

  if (start == end || end - start > 5)
    return fail (error, "the port must be a number from 1 to 65535");
  for (const char *p = start; p < end; p++)
    {
      if (!g_ascii_isdigit (*p))
        return fail (error, "the port must be a number from 1 to 65535");
      value = value * 10 + (guint64) (*p - '0');
    }
  if (value < 1 || value > 65535)
    return fail (error, "the port must be a number from 1 to 65535");
  *port = (guint16) value;
  return TRUE;
}

/* HOST[:PORT] or [IPV6][:PORT], between @start and @end. */
static gboolean
parse_host_port (const char        *start,
                 const char        *end,
                 HormigaIceServer  *server,
                 GError           **error)
{
  const char *host_end;
  const char *port_start = NULL;
  g_autofree char *host = NULL;

  if (start == end)
    return fail (error, "the host is missing");
  if (*start == '[')
    {
      const char *close = memchr (start, ']', (gsize) (end - start));

      if (close == NULL)
        return fail (error, "an IPv6 address needs its closing ]");
      host = g_strndup (start + 1, (gsize) (close - start - 1));
      if (!g_hostname_is_ip_address (host) || strchr (host, ':') == NULL)
        return fail (error, "only an IPv6 address goes in brackets");
      if (close + 1 < end)
        {
          if (close[1] != ':')
            return fail (error, "only :PORT may follow the host");
          port_start = close + 2;
        }
    }
  else
    {
      const char *colon = memchr (start, ':', (gsize) (end - start));

      host_end = colon != NULL ? colon : end;
      if (colon != NULL)
        {
          if (memchr (colon + 1, ':', (gsize) (end - colon - 1)) != NULL)
            return fail (error, "an IPv6 address goes in brackets, [::1]:3478");
          port_start = colon + 1;
        }
      if (host_end == start)
        return fail (error, "the host is missing");
      if (host_end - start > 253)
        return fail (error, "the host name is longer than 253 bytes");
      for (const char *p = start; p < host_end; p++)
        if (!g_ascii_isalnum (*p) && *p != '-' && *p != '.')
          return fail (error, "a host name holds only letters, digits, '-' and '.'");
      host = g_strndup (start, (gsize) (host_end - start));
    }
  server->port = HORMIGA_ICE_SERVER_DEFAULT_PORT;
  if (port_start != NULL && !parse_port (port_start, end, &server->port, error))
    return FALSE;
  server->host = g_steal_pointer (&host);
  return TRUE;
}

HormigaIceServer *
hormiga_ice_server_parse (const char  *url,
                          GError     **error)
{
  g_autoptr(HormigaIceServer) server = g_new0 (HormigaIceServer, 1);
  const char *rest, *end, *query, *at;
  gsize length;

  g_return_val_if_fail (url != NULL, NULL);

  length = strlen (url);
  if (length == 0)
    {
      fail (error, "the address is empty");
      return NULL;
    }
  if (length > HORMIGA_ICE_SERVER_MAX_URL)
    {
      fail (error, "the address is %" G_GSIZE_FORMAT " bytes; at most %u", length,
            HORMIGA_ICE_SERVER_MAX_URL);
      return NULL;
    }
  for (gsize i = 0; i < length; i++)
    if ((guchar) url[i] <= 0x20 || (guchar) url[i] >= 0x7f)
      {
        fail (error, "byte %" G_GSIZE_FORMAT " is a space, a control or not ASCII (escape it "
              "as %%XX in a user name or password)", i);
        return NULL;
      }

  if (g_ascii_strncasecmp (url, "stun:", 5) == 0)
    {
      server->kind = HORMIGA_ICE_SERVER_STUN;
      rest = url + 5;
    }
  else if (g_ascii_strncasecmp (url, "turn:", 5) == 0)
    {
      server->kind = HORMIGA_ICE_SERVER_TURN;
      rest = url + 5;
    }
  else if (g_ascii_strncasecmp (url, "turns:", 6) == 0 || g_ascii_strncasecmp (url, "stuns:", 6) == 0)
    {
      fail (error, "STUN and TURN over TLS (stuns:, turns:) are not supported");
      return NULL;
    }
  else
    {
      fail (error, "the address starts with neither stun: nor turn:");
      return NULL;
    }
  if (g_str_has_prefix (rest, "//"))
    {
      fail (error, "no // after the scheme");
      return NULL;
    }

  end = url + length;
  query = strchr (rest, '?');
  if (query != NULL)
    {
      if (server->kind == HORMIGA_ICE_SERVER_STUN)
        {
          fail (error, "a STUN server takes no ?query");
          return NULL;
        }
      if (g_ascii_strcasecmp (query + 1, "transport=udp") == 0)
        server->transport = HORMIGA_ICE_RELAY_UDP;
      else if (g_ascii_strcasecmp (query + 1, "transport=tcp") == 0)
        server->transport = HORMIGA_ICE_RELAY_TCP;
      else
        {
          fail (error, "the only query a TURN server takes is ?transport=udp or ?transport=tcp");
          return NULL;
        }
      end = query;
    }

  at = g_strrstr_len (rest, end - rest, "@");
  if (at != NULL)
    {
      const char *colon;

      if (server->kind == HORMIGA_ICE_SERVER_STUN)
        {
          fail (error, "a STUN server takes no USER@");
          return NULL;
        }
      colon = memchr (rest, ':', (gsize) (at - rest));
      if (colon == NULL)
        {
          fail (error, "the TURN credentials are USER:PASSWORD@, with both");
          return NULL;
        }
      server->username = unescape_credential (rest, colon, "user name", error);
      if (server->username == NULL)
        return NULL;
      server->password = unescape_credential (colon + 1, at, "password", error);
      if (server->password == NULL)
        return NULL;
      rest = at + 1;
    }

  if (!parse_host_port (rest, end, server, error))
    return NULL;
  return g_steal_pointer (&server);
}

HormigaIceServer *
hormiga_ice_server_parse_configured (const char            *url,
                                     HormigaIceServerKind   kind,
                                     GError               **error)
{
  g_autoptr(HormigaIceServer) server = hormiga_ice_server_parse (url, error);

  if (server == NULL)
    return NULL;
  if (server->kind != kind)
    {
      fail (error, kind == HORMIGA_ICE_SERVER_STUN ? "a STUN server starts with stun:"
                                                   : "a TURN server starts with turn:");
      return NULL;
    }
  if (kind == HORMIGA_ICE_SERVER_TURN && server->username == NULL)
    {
      fail (error, "a TURN server needs its credentials, turn:USER:PASSWORD@HOST");
      return NULL;
    }
  return g_steal_pointer (&server);
}
