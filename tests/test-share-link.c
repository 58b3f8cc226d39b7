/* test-share-link.c — hormiga: links: round trips and rejections
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "hormiga-link.h"
#include "hormiga-share-error.h"

#define HEX "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

static void
cid_fill (HormigaContentId *cid)
{
  for (guint i = 0; i < HORMIGA_CONTENT_HASH_SIZE; i++)
    cid->bytes[i] = (guint8) (0x11 * (i % 16));
}

static void
test_round_trip (void)
{
  g_autoptr(HormigaLink) link = NULL;
  g_autoptr(HormigaLink) parsed = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *again = NULL;
  HormigaContentId cid;

  cid_fill (&cid);
  link = hormiga_link_new (&cid);
  text = hormiga_link_to_string (link);
  g_assert_cmpstr (text, ==, "hormiga:" HEX);

  link->name = g_strdup ("Vacaciones 2025 & más/ñ?.mp4");
  link->has_size = TRUE;
  link->size = G_MAXUINT64;
  link->has_kind = TRUE;
  link->kind = HORMIGA_MANIFEST_FOLDER;
  g_clear_pointer (&text, g_free);
  text = hormiga_link_to_string (link);
  g_assert_true (g_str_has_prefix (text, "hormiga:" HEX "?dn="));
  g_assert_true (g_str_has_suffix (text, "&xl=18446744073709551615&kind=folder"));
  g_assert_null (strchr (text, ' '));
  g_assert_null (strstr (text, "&m"));  /* the & in the name is escaped */

  parsed = hormiga_link_parse (text, &error);
  g_assert_no_error (error);
  g_assert_true (hormiga_content_id_equal (&parsed->cid, &cid));
  g_assert_cmpstr (parsed->name, ==, link->name);
  g_assert_true (parsed->has_size);
  g_assert_cmpuint (parsed->size, ==, G_MAXUINT64);
  g_assert_true (parsed->has_kind);
  g_assert_cmpint (parsed->kind, ==, HORMIGA_MANIFEST_FOLDER);
  again = hormiga_link_to_string (parsed);
  g_assert_cmpstr (again, ==, text);
}

static void
test_lenient (void)
{
  static const char *const ok[] = {
    "hormiga:" HEX,
    "  hormiga:" HEX "\n",
    "HORMIGA:00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF",
    "hormiga:" HEX "?",
    "hormiga:" HEX "?&",
    "hormiga:" HEX "?tr=udp%3A%2F%2Fx&foo&x.y=z",
    "hormiga:" HEX "#fragment",
  };

  for (guint i = 0; i < G_N_ELEMENTS (ok); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(HormigaLink) link = hormiga_link_parse (ok[i], &error);
      g_autofree char *text = NULL;

      g_assert_no_error (error);
      text = hormiga_link_to_string (link);
      g_assert_cmpstr (text, ==, "hormiga:" HEX);
    }

  {
    g_autoptr(GError) error = NULL;
    g_autoptr(HormigaLink) link = hormiga_link_parse ("hormiga:" HEX "?kind=file&xl=0&dn=a+b%20c",
                                                      &error);

    g_assert_no_error (error);
    g_assert_cmpstr (link->name, ==, "a b c");
    g_assert_true (link->has_size);
    g_assert_cmpuint (link->size, ==, 0);
    g_assert_cmpint (link->kind, ==, HORMIGA_MANIFEST_FILE);
  }
}

static void
test_rejections (void)
{
  g_autofree char *huge = NULL;
  struct {
    const char *text;
    const char *message;
  } bad[] = {
    { "", "not a hormiga: link" },
    { "https://example.org/", "not a hormiga: link" },
    { "magnet:?xt=urn:btih:" HEX, "not a hormiga: link" },
    { "hormiga:", "64 hexadecimal digits" },
    { "hormiga:" HEX "0", "64 hexadecimal digits" },
    { "hormiga:0011", "64 hexadecimal digits" },
    { "hormiga://" HEX, "64 hexadecimal digits" },
    { "hormiga:" "g0112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
      "64 hexadecimal digits" },
    { "hormiga:" HEX "?dn=a&dn=b", "twice" },
    { "hormiga:" HEX "?dn=", "empty" },
    { "hormiga:" HEX "?dn=%zz", "escape" },
    { "hormiga:" HEX "?dn=a%00b", "escape" },
    { "hormiga:" HEX "?dn=a%0Ab", "control" },
    { "hormiga:" HEX "?dn=%ff", "UTF-8" },
    { "hormiga:" HEX "?xl=", "whole number" },
    { "hormiga:" HEX "?xl=-1", "whole number" },
    { "hormiga:" HEX "?xl=1e6", "whole number" },
    { "hormiga:" HEX "?xl=18446744073709551616", "whole number" },
    { "hormiga:" HEX "?kind=dir", "kind" },
    { "hormiga:" HEX "?kind=file&kind=file", "twice" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(HormigaLink) link = hormiga_link_parse (bad[i].text, &error);

      g_assert_null (link);
      g_assert_error (error, HORMIGA_SHARE_ERROR, HORMIGA_SHARE_ERROR_BAD_LINK);
      if (strstr (error->message, bad[i].message) == NULL)
        g_error ("%s: \"%s\" does not mention \"%s\"", bad[i].text, error->message,
                 bad[i].message);
    }

  {
    g_autoptr(GError) error = NULL;
    g_autofree char *padding = g_strnfill (HORMIGA_LINK_MAX_LENGTH, 'a');
    g_autoptr(HormigaLink) link = NULL;

    huge = g_strconcat ("hormiga:" HEX "?x=", padding, NULL);
    link = hormiga_link_parse (huge, &error);
    g_assert_null (link);
    g_assert_error (error, HORMIGA_SHARE_ERROR, HORMIGA_SHARE_ERROR_BAD_LINK);
    g_assert_nonnull (strstr (error->message, "4096"));
  }
}

static void
test_for_manifest (void)
{
  g_autoptr(HormigaManifest) manifest = hormiga_manifest_new_folder ("Fotos\n2025");
  g_autoptr(HormigaLink) link = NULL;
  HormigaContentId cid, id;

  cid_fill (&cid);
  hormiga_manifest_add_entry (manifest, "a.jpg", 10, &cid);
  hormiga_manifest_add_entry (manifest, "b/c.jpg", 32, &cid);
  link = hormiga_link_new_for_manifest (manifest);
  g_assert_true (hormiga_manifest_get_id (manifest, &id));
  g_assert_true (hormiga_content_id_equal (&link->cid, &id));
  g_assert_cmpstr (link->name, ==, "Fotos2025");
  g_assert_true (link->has_size);
  g_assert_cmpuint (link->size, ==, 42);
  g_assert_true (link->has_kind);
  g_assert_cmpint (link->kind, ==, HORMIGA_MANIFEST_FOLDER);
}

static void
test_too_long_name (void)
{
  g_autoptr(HormigaLink) link = NULL;
  g_autofree char *text = NULL;
  GString *name = g_string_new (NULL);
  HormigaContentId cid;

  cid_fill (&cid);
  link = hormiga_link_new (&cid);
  for (guint i = 0; i < 400; i++)
    g_string_append (name, "\xf0\x9f\x90\x9c");
  link->name = g_string_free (name, FALSE);
  g_test_expect_message (G_LOG_DOMAIN, G_LOG_LEVEL_CRITICAL, "*shorten the name*");
  text = hormiga_link_to_string (link);
  g_test_assert_expected_messages ();
  g_assert_null (text);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/hormiga/share-link/round-trip", test_round_trip);
  g_test_add_func ("/hormiga/share-link/lenient", test_lenient);
  g_test_add_func ("/hormiga/share-link/rejections", test_rejections);
  g_test_add_func ("/hormiga/share-link/for-manifest", test_for_manifest);
  g_test_add_func ("/hormiga/share-link/too-long-name", test_too_long_name);
  return g_test_run ();
}
