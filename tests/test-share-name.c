/* test-share-name.c — names and paths from peers made safe
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "hormiga-share-name.h"

static void
assert_name (const char *input,
             const char *expected)
{
  g_autofree char *name = hormiga_share_sanitize_name (input);

  g_assert_cmpstr (name, ==, expected);
}

static void
assert_path (const char *input,
             const char *expected)
{
  g_autofree char *path = hormiga_share_sanitize_path (input);
  g_autofree char *want = g_strdup (expected);

  g_strdelimit (want, "/", G_DIR_SEPARATOR);
  g_assert_cmpstr (path, ==, want);
  g_assert_false (g_path_is_absolute (path));
}

static void
test_sanitize_name (void)
{
  assert_name ("report.pdf", "report.pdf");
  assert_name (NULL, "download");
  assert_name ("", "download");
  assert_name (".", "download");
  assert_name ("..", "download");
  assert_name ("...", "download");
  assert_name ("   ", "download");
  assert_name ("../../x", ".._.._x");
  assert_name ("/etc/passwd", "_etc_passwd");
  assert_name ("a\\b", "a_b");
  assert_name ("a\nb", "ab");
  assert_name ("a\tb\rc\x7f" "d", "abcd");
  assert_name ("a\xc2\x85" "b\xc2\x9f" "c", "abc");  /* U+0085, U+009F */
  assert_name ("  spaced name . ", "spaced name");
  assert_name ("trailing...", "trailing");
  assert_name (".hidden", ".hidden");
  /* Invalid UTF-8 becomes U+FFFD. */
  assert_name ("bad\xff" "byte", "bad\xef\xbf\xbd" "byte");
  /* Right-to-left text and emoji are kept. */
  assert_name ("\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d.txt", "\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d.txt");
  assert_name ("\xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7 \xf0\x9f\x90\x9c.png",
               "\xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7 \xf0\x9f\x90\x9c.png");
}

static void
test_sanitize_long_name (void)
{
  g_autoptr(GString) input = g_string_new (NULL);
  g_autofree char *name = NULL;
  g_autofree char *plain = NULL;

  /* 300 ant emoji (4 bytes each) and an extension. */
  for (guint i = 0; i < 300; i++)
    g_string_append (input, "\xf0\x9f\x90\x9c");
  g_string_append (input, ".tar.gz");
  name = hormiga_share_sanitize_name (input->str);
  g_assert_cmpuint (strlen (name), <=, 255);
  g_assert_true (g_utf8_validate (name, -1, NULL));
  g_assert_true (g_str_has_suffix (name, "\xf0\x9f\x90\x9c.gz"));

  /* No extension: cut at 255 bytes. */
  {
    g_autofree char *long_text = g_strnfill (1000, 'y');

    plain = hormiga_share_sanitize_name (long_text);
    g_assert_cmpuint (strlen (plain), ==, 255);
  }
}

static void
test_sanitize_path (void)
{
  g_autoptr(GString) deep = g_string_new (NULL);
  g_autofree char *path = NULL;
  g_auto(GStrv) parts = NULL;

  assert_path ("docs/report.pdf", "docs/report.pdf");
  assert_path ("../../x", "x");
  assert_path ("/etc/passwd", "etc/passwd");
  assert_path ("a/./b//c/../d", "a/b/c/d");
  assert_path ("", "download");
  assert_path ("/", "download");
  assert_path ("../..", "download");
  assert_path (NULL, "download");
  assert_path ("dir\\..\\x/y\n", "dir_.._x/y");
  assert_path ("a/ /b", "a/download/b");

  for (guint i = 0; i < 40; i++)
    g_string_append_printf (deep, "d%u/", i);
  g_string_append (deep, "file");
  path = hormiga_share_sanitize_path (deep->str);
  parts = g_strsplit (path, G_DIR_SEPARATOR_S, -1);
  g_assert_cmpuint (g_strv_length (parts), ==, HORMIGA_SHARE_PATH_MAX_DEPTH);
  g_assert_cmpstr (parts[HORMIGA_SHARE_PATH_MAX_DEPTH - 1], ==, "file");
}

static void
touch (const char *dir,
       const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  int fd = g_open (path, O_CREAT | O_WRONLY | O_EXCL, 0644);

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (close (fd), ==, 0);
}

static void
remove_all (const char *dir)
{
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  const char *name;

  while ((name = g_dir_read_name (handle)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      g_assert_cmpint (g_unlink (path), ==, 0);
    }
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

static void
test_free_name (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("hormiga-names-XXXXXX", &error);
  g_autofree char *long_name = NULL;
  char *name;

  g_assert_no_error (error);

  name = hormiga_share_free_name (dir, "photo.jpg");
  g_assert_cmpstr (name, ==, "photo.jpg");
  g_free (name);

  touch (dir, "photo.jpg");
  name = hormiga_share_free_name (dir, "photo.jpg");
  g_assert_cmpstr (name, ==, "photo (1).jpg");
  g_free (name);

  touch (dir, "photo (1).jpg");
  name = hormiga_share_free_name (dir, "photo.jpg");
  g_assert_cmpstr (name, ==, "photo (2).jpg");
  g_free (name);

  touch (dir, "README");
  name = hormiga_share_free_name (dir, "README");
  g_assert_cmpstr (name, ==, "README (1)");
  g_free (name);

  touch (dir, ".bashrc");
  name = hormiga_share_free_name (dir, ".bashrc");
  g_assert_cmpstr (name, ==, ".bashrc (1)");
  g_free (name);

  touch (dir, "archive.tar.gz");
  name = hormiga_share_free_name (dir, "archive.tar.gz");
  g_assert_cmpstr (name, ==, "archive.tar (1).gz");
  g_free (name);

  /* A dangling symlink is taken. */
  {
    g_autofree char *link = g_build_filename (dir, "dangling", NULL);

    g_assert_cmpint (symlink ("/nonexistent/hormiga", link), ==, 0);
    name = hormiga_share_free_name (dir, "dangling");
    g_assert_cmpstr (name, ==, "dangling (1)");
    g_free (name);
  }

  /* The result stays within 255 bytes. */
  {
    g_autofree char *zs = g_strnfill (251, 'z');

    long_name = g_strconcat (zs, ".txt", NULL);
  }
  touch (dir, long_name);
  name = hormiga_share_free_name (dir, long_name);
  g_assert_cmpuint (strlen (name), ==, 255);
  g_assert_true (g_str_has_suffix (name, "z (1).txt"));
  g_free (name);

  remove_all (dir);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/hormiga/share-name/sanitize-name", test_sanitize_name);
  g_test_add_func ("/hormiga/share-name/sanitize-long-name", test_sanitize_long_name);
  g_test_add_func ("/hormiga/share-name/sanitize-path", test_sanitize_path);
  g_test_add_func ("/hormiga/share-name/free-name", test_free_name);
  return g_test_run ();
}
