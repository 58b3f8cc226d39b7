/* bench-web.c — hormiga-bench web
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A file of --megabytes MiB (200 by default) from a `hormiga-node` process
 * to the browser node's page in headless Chromium, next to the same size
 * from one page to another (the same page code serving and downloading)
 * in the same run. The browser side is bench/web-bench.mjs, run the way the
 * Chromium tests run theirs: by tests/interop/chromium-interop.sh, which
 * installs playwright-core into the build tree and gives Chromium,
 * hormiguero and the node a network namespace of their own (Chromium
 * gathers no ICE candidates on loopback). This program finds the pieces
 * (the source tree it was built from, the build tree it sits in), starts
 * the script, passes its progress ("#" lines) to stderr and prints its one
 * JSON line: mb_per_s from node.download() to the saved Blob, and
 * transfer_mb_per_s from the first chunk request, for c_to_browser and for
 * the Chromium-to-Chromium baseline, each with its SHA-256 checked.
 *
 * It needs what the Chromium tests need (Debian's chromium, Node.js 20,
 * npm, unshare) and a build tree with the browser node's page.
 */
#include <gio/gio.h>
#include <stdio.h>

#include "bench-util.h"
#include "hormiga-bench.h"

static char *
build_dir (void)
{
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *dir = NULL;

  if (self == NULL)
    return NULL;
  dir = g_path_get_dirname (self);
  return g_path_get_dirname (dir);
}

static gboolean
run (int       megabytes,
     GString  *json,
     GError  **error)
{
  g_autofree char *build = build_dir ();
  g_autofree char *runner = g_build_filename (HORMIGA_SOURCE_DIR, "tests", "interop",
                                              "chromium-interop.sh", NULL);
  g_autofree char *script = g_build_filename (HORMIGA_SOURCE_DIR, "bench", "web-bench.mjs", NULL);
  g_autofree char *npm_dir = NULL;
  g_autofree char *site = NULL;
  g_autofree char *hormiguero = hormiga_bench_find_hormiguero ();
  g_autofree char *node = hormiga_bench_find_hormiga_node ();
  g_autofree char *size = g_strdup_printf ("%d", megabytes);
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  char *line;

  if (build == NULL || hormiguero == NULL || node == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           "cannot find the build tree, hormiguero or hormiga-node; run the "
                           "build tree's hormiga-bench, or set HORMIGUERO and HORMIGA_NODE");
      return FALSE;
    }
  npm_dir = g_build_filename (build, "tests", "interop", "npm", NULL);
  site = g_build_filename (build, "web", "site", NULL);
  if (!g_file_test (runner, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   "%s is missing: `web` runs from the source tree it was built from", runner);
      return FALSE;
    }

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_setenv (launcher, "HORMIGUERO", hormiguero, TRUE);
  g_subprocess_launcher_setenv (launcher, "HORMIGA_NODE", node, TRUE);
  g_subprocess_launcher_setenv (launcher, "BENCH_MEGABYTES", size, TRUE);
  g_subprocess_launcher_set_child_setup (launcher, hormiga_bench_die_with_parent, NULL, NULL);
  process = g_subprocess_launcher_spawn (launcher, error, runner, npm_dir, site, script, NULL);
  if (process == NULL)
    return FALSE;

  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  while ((line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, NULL)) != NULL)
    {
      if (line[0] == '{' && json->len == 0)
        g_string_append (json, line);
      else
        g_printerr ("%s\n", line);
      g_free (line);
    }
  if (!g_subprocess_wait_check (process, NULL, error))
    return FALSE;
  if (json->len == 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                           "web-bench.mjs printed no result");
      return FALSE;
    }
  return TRUE;
}

int
hormiga_bench_web (int    argc,
                   char **argv)
{
  int megabytes = 200;
  g_autoptr(GOptionContext) options =
    g_option_context_new ("— a node to a browser page, next to a page to a page");
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) json = g_string_new (NULL);
  GOptionEntry entries[] = {
    { "megabytes", 'm', 0, G_OPTION_ARG_INT, &megabytes,
      "MiB in each file (default 200; the page holds each download in memory, at most 1024)",
      "N" },
    { NULL }
  };

  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error) || megabytes < 1 ||
      megabytes > 1024)
    {
      g_printerr ("hormiga-bench web: %s\n",
                  error ? error->message : "--megabytes is 1 to 1024");
      return 2;
    }
  if (!run (megabytes, json, &error))
    {
      g_printerr ("hormiga-bench web: %s\n", error->message);
      return 1;
    }
  printf ("%s\n", json->str);
  return 0;
}
