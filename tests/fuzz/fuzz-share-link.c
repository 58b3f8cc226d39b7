/* fuzz-share-link.c — libFuzzer target for hormiga: links
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The input is taken as text up to its first NUL. Every input either fails
 * with HORMIGA_SHARE_ERROR_BAD_LINK and a UTF-8 message, or is a link whose
 * name is displayable text and whose printed form parses back to the same
 * link and prints the same again.
 */
#include <glib.h>
#include <stdint.h>
#include <string.h>

#include "hormiga-link.h"
#include "hormiga-share-error.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
assert_same (const HormigaLink *a,
             const HormigaLink *b)
{
  g_assert_true (hormiga_content_id_equal (&a->cid, &b->cid));
  g_assert_cmpstr (a->name, ==, b->name);
  g_assert_cmpint (a->has_size, ==, b->has_size);
  g_assert_cmpuint (a->size, ==, b->size);
  g_assert_cmpint (a->has_kind, ==, b->has_kind);
  if (a->has_kind)
    g_assert_cmpint (a->kind, ==, b->kind);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *text = g_strndup ((const char *) data, size);
  g_autoptr(GError) error = NULL;
  g_autoptr(HormigaLink) link = hormiga_link_parse (text, &error);
  g_autoptr(HormigaLink) again = NULL;
  g_autofree char *printed = NULL;
  g_autofree char *reprinted = NULL;

  if (link == NULL)
    {
      g_assert_error (error, HORMIGA_SHARE_ERROR, HORMIGA_SHARE_ERROR_BAD_LINK);
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
      return 0;
    }
  g_assert_no_error (error);

  if (link->name != NULL)
    {
      g_assert_true (g_utf8_validate (link->name, -1, NULL));
      g_assert_cmpuint (strlen (link->name), >=, 1);
      for (const char *p = link->name; *p != '\0'; p = g_utf8_next_char (p))
        {
          gunichar c = g_utf8_get_char (p);

          g_assert_false (c < 0x20 || (c >= 0x7f && c <= 0x9f));
        }
    }

  /* A link that parsed may print longer than 4096 bytes (its name escaped
   * from raw UTF-8); only one that prints within the limit must round-trip. */
  if (link->name != NULL && strlen (link->name) * 3 + 200 > HORMIGA_LINK_MAX_LENGTH)
    return 0;
  printed = hormiga_link_to_string (link);
  g_assert_nonnull (printed);
  again = hormiga_link_parse (printed, &error);
  g_assert_no_error (error);
  assert_same (link, again);
  reprinted = hormiga_link_to_string (again);
  g_assert_cmpstr (reprinted, ==, printed);
  return 0;
}
