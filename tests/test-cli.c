/* test-cli.c — the hormiga-node command line, as a person runs it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gio/gio.h>
#include <glib/gstdio.h>

static char *
run_node (const char  *data_dir,
          int         *exit_status,
          char       **stderr_text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) process = NULL;
  char *stdout_text = NULL;

  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                              &error, g_getenv ("HORMIGA_NODE"), "--data-dir", data_dir, "id",
                              NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &stdout_text, stderr_text, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  *exit_status = g_subprocess_get_exit_status (process);
  return stdout_text;
}

static void
test_id_is_stable (void)
{
  g_autofree char *dir = g_dir_make_tmp ("hormiga-cli-XXXXXX", NULL);
  g_autofree char *data_dir = g_build_filename (dir, "node", NULL);
  g_autofree char *key = g_build_filename (data_dir, "identity.key", NULL);
  g_autofree char *first = NULL, *second = NULL, *err1 = NULL, *err2 = NULL;
  int status = -1;
  GStatBuf st;

  first = run_node (data_dir, &status, &err1);
  g_assert_cmpint (status, ==, 0);
  g_assert_true (g_str_has_prefix (first, "12D3KooW"));
  g_assert_cmpuint (strlen (g_strstrip (first)), ==, 52);

  g_assert_cmpint (g_stat (key, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);

  second = run_node (data_dir, &status, &err2);
  g_assert_cmpint (status, ==, 0);
  g_assert_cmpstr (g_strstrip (second), ==, first);

  g_assert_cmpint (g_unlink (key), ==, 0);
  g_assert_cmpint (g_rmdir (data_dir), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

static void
test_corrupt_key_is_an_error (void)
{
  g_autofree char *dir = g_dir_make_tmp ("hormiga-cli-XXXXXX", NULL);
  g_autofree char *key = g_build_filename (dir, "identity.key", NULL);
  g_autofree char *out = NULL, *err = NULL, *after = NULL;
  g_autoptr(GError) error = NULL;
  int status = -1;

  g_assert_true (g_file_set_contents (key, "short", -1, &error));
  out = run_node (dir, &status, &err);
  g_assert_cmpint (status, ==, 1);
  g_assert_cmpstr (out, ==, "");
  g_assert_nonnull (strstr (err, key));

  /* The broken file is left for the person to inspect, never replaced. */
  g_assert_true (g_file_get_contents (key, &after, NULL, &error));
  g_assert_cmpstr (after, ==, "short");

  g_assert_cmpint (g_unlink (key), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/hormiga/cli/id-is-stable", test_id_is_stable);
  g_test_add_func ("/hormiga/cli/corrupt-key-is-an-error", test_corrupt_key_is_an_error);
  return g_test_run ();
}
