/* hormiga-share-name.c — making names peers send safe to write
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "hormiga-share-name.h"

/* An extension longer than this is not kept when a name is cut. */
#define MAX_KEPT_EXTENSION 32

static gboolean
is_control (gunichar c)
{
  return c < 0x20 || (c >= 0x7f && c <= 0x9f);
}

/* The longest prefix of @text (@length bytes, valid UTF-8) of at most @max
 * bytes that ends on a character boundary: its length. */
static gsize
utf8_cut (const char *text,
          gsize       length,
          gsize       max)
{
  const char *end;

  if (length <= max)
    return length;
  end = text + max;
  /* Back up to the start of the character @end falls in (or after). */
  while (end > text && ((guchar) *end & 0xc0) == 0x80)
    end--;
  return (gsize) (end - text);
}

static void
trim (GString *name)
{
  gsize start = 0;

  while (start < name->len && name->str[start] == ' ')
    start++;
  g_string_erase (name, 0, (gssize) start);
  while (name->len > 0 && (name->str[name->len - 1] == ' ' || name->str[name->len - 1] == '.'))
    g_string_truncate (name, name->len - 1);
}

/* Where the extension of @name starts (its '.'), or NULL: the last '.',
 * unless it starts the name. */
static const char *
find_extension (const char *name)
{
  const char *dot = strrchr (name, '.');

  return dot != NULL && dot != name && dot[1] != '\0' ? dot : NULL;
}

char *
hormiga_share_sanitize_name (const char *name)
{
  g_autofree char *valid = NULL;
  g_autoptr(GString) clean = NULL;

  if (name == NULL)
    return g_strdup (HORMIGA_SHARE_FALLBACK_NAME);

  valid = g_utf8_make_valid (name, -1);
  clean = g_string_sized_new (strlen (valid));
  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (is_control (c))
        continue;
      if (c == '/' || c == '\\')
        g_string_append_c (clean, '_');
      else
        g_string_append_unichar (clean, c);
    }
  trim (clean);

  if (clean->len > HORMIGA_SHARE_NAME_MAX)
    {
      const char *extension = find_extension (clean->str);
      gsize extension_length = extension != NULL ? strlen (extension) : 0;
      g_autofree char *kept = NULL;
      gsize stem;

      if (extension_length > MAX_KEPT_EXTENSION)
        extension_length = 0;
      kept = g_strdup (clean->str + clean->len - extension_length);
      stem = utf8_cut (clean->str, clean->len - extension_length,
                       HORMIGA_SHARE_NAME_MAX - extension_length);
      g_string_truncate (clean, stem);
      trim (clean);
      g_string_append (clean, kept);
      trim (clean);
    }

  if (clean->len == 0 || strcmp (clean->str, ".") == 0 || strcmp (clean->str, "..") == 0)
    return g_strdup (HORMIGA_SHARE_FALLBACK_NAME);
  return g_string_free (g_steal_pointer (&clean), FALSE);
}

char *
hormiga_share_sanitize_path (const char *relative)
{
  g_auto(GStrv) components = NULL;
  g_autoptr(GPtrArray) kept = NULL;
  guint first;

  if (relative == NULL)
    return g_strdup (HORMIGA_SHARE_FALLBACK_NAME);

  components = g_strsplit (relative, "/", -1);
  kept = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; components[i] != NULL; i++)
    {
      const char *component = components[i];

      if (component[0] == '\0' || strcmp (component, ".") == 0 ||
          strcmp (component, "..") == 0)
        continue;
      g_ptr_array_add (kept, hormiga_share_sanitize_name (component));
    }
  if (kept->len == 0)
    return g_strdup (HORMIGA_SHARE_FALLBACK_NAME);

  first = kept->len > HORMIGA_SHARE_PATH_MAX_DEPTH ? kept->len - HORMIGA_SHARE_PATH_MAX_DEPTH : 0;
  g_ptr_array_add (kept, NULL);
  return g_strjoinv (G_DIR_SEPARATOR_S, (char **) kept->pdata + first);
}

static gboolean
taken (const char *dir,
       const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);

  /* A dangling symlink counts: writing through it would land elsewhere. */
  return g_file_test (path, G_FILE_TEST_EXISTS | G_FILE_TEST_IS_SYMLINK);
}

char *
hormiga_share_free_name (const char *dir,
                         const char *name)
{
  const char *extension;
  g_autofree char *stem = NULL;

  g_return_val_if_fail (dir != NULL, NULL);
  g_return_val_if_fail (name != NULL && name[0] != '\0', NULL);

  if (!taken (dir, name))
    return g_strdup (name);

  extension = find_extension (name);
  if (extension == NULL || strlen (extension) > MAX_KEPT_EXTENSION)
    extension = name + strlen (name);
  stem = g_strndup (name, extension - name);

  for (guint64 n = 1; ; n++)
    {
      g_autofree char *suffix = g_strdup_printf (" (%" G_GUINT64_FORMAT ")%s", n, extension);
      gsize suffix_length = strlen (suffix);
      gsize stem_length = utf8_cut (stem, strlen (stem),
                                    suffix_length < HORMIGA_SHARE_NAME_MAX
                                    ? HORMIGA_SHARE_NAME_MAX - suffix_length : 0);
      g_autofree char *candidate = g_strdup_printf ("%.*s%s", (int) stem_length, stem, suffix);

      if (!taken (dir, candidate))
        return g_steal_pointer (&candidate);
    }
}
