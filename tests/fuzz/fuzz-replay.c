/* fuzz-replay.c — runs a libFuzzer target over the files of a corpus folder
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Linked with each fuzz target into a plain program, so the test suite proves
 * the target builds with any compiler and its seeds pass under the sanitizers.
 */
#include <glib.h>
#include <stdint.h>
#include <stdio.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
main (int argc, char **argv)
{
  guint n_files = 0;

  if (argc < 2)
    {
      g_printerr ("usage: %s CORPUS-DIR|FILE…\n", argv[0]);
      return 2;
    }

  for (int i = 1; i < argc; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GDir) dir = g_dir_open (argv[i], 0, &error);
      const char *name;

      if (dir == NULL)
        {
          g_autofree char *contents = NULL;
          gsize length = 0;

          if (!g_file_get_contents (argv[i], &contents, &length, &error))
            {
              g_printerr ("%s\n", error->message);
              return 1;
            }
          LLVMFuzzerTestOneInput ((const uint8_t *) contents, length);
          n_files++;
          continue;
        }

      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *path = g_build_filename (argv[i], name, NULL);
          g_autofree char *contents = NULL;
          gsize length = 0;

          if (!g_file_get_contents (path, &contents, &length, &error))
            {
              g_printerr ("%s\n", error->message);
              return 1;
            }
          LLVMFuzzerTestOneInput ((const uint8_t *) contents, length);
          n_files++;
        }
    }

  if (n_files == 0)
    {
      g_printerr ("no corpus files found\n");
      return 1;
    }

  printf ("replayed %u corpus files\n", n_files);
  return 0;
}
