/* hormiga-link.c — the hormiga: link a person pastes
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "hormiga-link.h"
#include "hormiga-share-error.h"

#define PREFIX HORMIGA_LINK_SCHEME ":"

/* A display name: valid UTF-8 without control characters. */
static gboolean
name_ok (const char *name)
{
  if (!g_utf8_validate (name, -1, NULL))
    return FALSE;
  for (const char *p = name; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c < 0x20 || (c >= 0x7f && c <= 0x9f))
        return FALSE;
    }
  return TRUE;
}

/* @name without the characters name_ok() refuses; NULL if none is left. */
static char *
display_name (const char *name)
{
  GString *clean = g_string_new (NULL);

  if (g_utf8_validate (name, -1, NULL))
    for (const char *p = name; *p != '\0'; p = g_utf8_next_char (p))
      {
        gunichar c = g_utf8_get_char (p);

        if (!(c < 0x20 || (c >= 0x7f && c <= 0x9f)))
          g_string_append_unichar (clean, c);
      }
  if (clean->len == 0)
    {
      g_string_free (clean, TRUE);
      return NULL;
    }
  return g_string_free (clean, FALSE);
}

HormigaLink *
hormiga_link_new (const HormigaContentId *cid)
{
  HormigaLink *link;

  g_return_val_if_fail (cid != NULL, NULL);

  link = g_new0 (HormigaLink, 1);
  link->cid = *cid;
  return link;
}

HormigaLink *
hormiga_link_new_for_manifest (const HormigaManifest *manifest)
{
  g_autoptr(HormigaLink) link = NULL;
  HormigaContentId cid;

  g_return_val_if_fail (manifest != NULL, NULL);

  if (!hormiga_manifest_get_id (manifest, &cid))
    return NULL;
  link = hormiga_link_new (&cid);
  link->name = display_name (manifest->name);
  link->has_size = TRUE;
  link->size = hormiga_manifest_get_total_size (manifest);
  link->has_kind = TRUE;
  link->kind = manifest->kind;
  return g_steal_pointer (&link);
}

void
hormiga_link_free (HormigaLink *link)
{
  if (link == NULL)
    return;

  g_free (link->name);
  g_free (link);
}

static gboolean
bad_link (GError     **error,
          const char  *format,
          ...) G_GNUC_PRINTF (2, 3);

static gboolean
bad_link (GError     **error,
          const char  *format,
          ...)
{
  va_list args;

  va_start (args, format);
  g_propagate_error (error, g_error_new_valist (HORMIGA_SHARE_ERROR,
                                                HORMIGA_SHARE_ERROR_BAD_LINK, format, args));
  va_end (args);
  return FALSE;
}

static gboolean
parse_size (const char *text,
            guint64    *out)
{
  guint64 value = 0;

  if (text[0] == '\0')
    return FALSE;
  for (const char *p = text; *p != '\0'; p++)
    {
      guint digit;

      if (!g_ascii_isdigit (*p))
        return FALSE;
      digit = (guint) (*p - '0');
      if (value > (G_MAXUINT64 - digit) / 10)
        return FALSE;
      value = value * 10 + digit;
    }
  *out = value;
  return TRUE;
}

static gboolean
parse_param (HormigaLink  *link,
             const char   *param,
             guint        *seen,
             GError      **error)
{
  const char *equals = strchr (param, '=');
  g_autofree char *key = NULL;
  const char *value;
  guint bit;

  if (param[0] == '\0')
    return TRUE;  /* "?&dn=…", "…&": nothing */
  key = equals != NULL ? g_strndup (param, equals - param) : g_strdup (param);
  value = equals != NULL ? equals + 1 : "";

  if (strcmp (key, "dn") == 0)
    bit = 1;
  else if (strcmp (key, "xl") == 0)
    bit = 2;
  else if (strcmp (key, "kind") == 0)
    bit = 4;
  else
    return TRUE;  /* a later version's: ignored */

  if (*seen & bit)
    return bad_link (error, "the link has \"%s\" twice; it may have it once", key);
  *seen |= bit;

  if (bit == 1)
    {
      /* '+' is a space in forms; links escape spaces as %20, but accept it. */
      g_autofree char *plus = g_strdelimit (g_strdup (value), "+", ' ');
      g_autofree char *name = g_uri_unescape_string (plus, NULL);

      if (name == NULL)
        return bad_link (error, "the link's name (dn) has a bad %%-escape or an escaped NUL");
      if (name[0] == '\0')
        return bad_link (error, "the link's name (dn) is empty; leave dn out instead");
      if (!name_ok (name))
        return bad_link (error, "the link's name (dn) is not valid UTF-8 text (it has invalid "
                         "bytes or control characters)");
      link->name = g_steal_pointer (&name);
    }
  else if (bit == 2)
    {
      if (!parse_size (value, &link->size))
        return bad_link (error, "the link's size (xl) must be a whole number of bytes, at most "
                         "%" G_GUINT64_FORMAT, G_MAXUINT64);
      link->has_size = TRUE;
    }
  else
    {
      if (strcmp (value, "file") == 0)
        link->kind = HORMIGA_MANIFEST_FILE;
      else if (strcmp (value, "folder") == 0)
        link->kind = HORMIGA_MANIFEST_FOLDER;
      else
        return bad_link (error, "the link's kind must be \"file\" or \"folder\"");
      link->has_kind = TRUE;
    }
  return TRUE;
}

/**
 * hormiga_link_parse:
 * @text: what a person pasted
 * @error: return location for a #HORMIGA_SHARE_ERROR_BAD_LINK
 *
 * Parses `hormiga:<64 hex digits>[?dn=…&xl=…&kind=…]`: the scheme in any
 * case, the content ID in either case, each known parameter at most once,
 * unknown ones and a #fragment ignored.
 *
 * Returns: (transfer full) (nullable): the link
 */
HormigaLink *
hormiga_link_parse (const char  *text,
                    GError     **error)
{
  g_autoptr(HormigaLink) link = NULL;
  g_autofree char *copy = NULL;
  g_autofree char *hex = NULL;
  g_auto(GStrv) params = NULL;
  HormigaContentId cid;
  const char *rest;
  char *query;
  char *hash;
  guint seen = 0;
  gsize length;

  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  length = strlen (text);
  if (length > HORMIGA_LINK_MAX_LENGTH)
    {
      bad_link (error, "the link is %" G_GSIZE_FORMAT " bytes; a hormiga: link is at most %u",
                length, (guint) HORMIGA_LINK_MAX_LENGTH);
      return NULL;
    }
  copy = g_strstrip (g_strdup (text));
  if (g_ascii_strncasecmp (copy, PREFIX, strlen (PREFIX)) != 0)
    {
      bad_link (error, "not a hormiga: link (it must start with \"hormiga:\")");
      return NULL;
    }
  rest = copy + strlen (PREFIX);

  hash = strchr (rest, '#');
  if (hash != NULL)
    *hash = '\0';
  query = strchr (rest, '?');
  hex = query != NULL ? g_strndup (rest, query - rest) : g_strdup (rest);
  if (strlen (hex) != HORMIGA_CONTENT_HASH_SIZE * 2 ||
      !hormiga_content_id_parse (hex, &cid, NULL))
    {
      bad_link (error, "the content ID must be 64 hexadecimal digits right after "
                "\"hormiga:\"");
      return NULL;
    }

  link = hormiga_link_new (&cid);
  if (query != NULL)
    {
      params = g_strsplit (query + 1, "&", -1);
      for (guint i = 0; params[i] != NULL; i++)
        if (!parse_param (link, params[i], &seen, error))
          return NULL;
    }
  return g_steal_pointer (&link);
}

char *
hormiga_link_to_string (const HormigaLink *link)
{
  g_autofree char *hex = NULL;
  GString *text;
  char separator = '?';

  g_return_val_if_fail (link != NULL, NULL);
  g_return_val_if_fail (link->name == NULL || name_ok (link->name), NULL);

  hex = hormiga_content_id_to_string (&link->cid);
  text = g_string_new (PREFIX);
  g_string_append (text, hex);
  if (link->name != NULL && link->name[0] != '\0')
    {
      g_autofree char *escaped = g_uri_escape_string (link->name, NULL, FALSE);

      g_string_append_printf (text, "%cdn=%s", separator, escaped);
      separator = '&';
    }
  if (link->has_size)
    {
      g_string_append_printf (text, "%cxl=%" G_GUINT64_FORMAT, separator, link->size);
      separator = '&';
    }
  if (link->has_kind)
    g_string_append_printf (text, "%ckind=%s", separator,
                            hormiga_manifest_kind_to_string (link->kind));

  if (text->len > HORMIGA_LINK_MAX_LENGTH)
    {
      g_critical ("%s: the link would be %" G_GSIZE_FORMAT " bytes; the limit is %u (shorten "
                  "the name)", G_STRFUNC, text->len, (guint) HORMIGA_LINK_MAX_LENGTH);
      g_string_free (text, TRUE);
      return NULL;
    }
  return g_string_free (text, FALSE);
}
