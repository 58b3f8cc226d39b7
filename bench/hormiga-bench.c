/* hormiga-bench.c — Hormiga's benchmarks; each prints one JSON line
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib.h>
#include <locale.h>
#include <stdio.h>

#include "hormiga-bench.h"

static const struct
{
  const char *name;
  int       (*run) (int argc, char **argv);
  const char *summary;
} benches[] = {
  { "signaling", hormiga_bench_signaling,
    "N clients join hormiguero, then signal each other for a fixed time" },
  { "datachannel", hormiga_bench_datachannel,
    "two node processes through hormiguero: setup, round trip, throughput, CPU" },
  { "datachannel-peer", hormiga_bench_datachannel_peer,
    "(the other process of `datachannel`)" },
  { "datachannel-local", hormiga_bench_datachannel_local,
    "two peer connections in one process: setup, round trip, throughput" },
  { "dht", hormiga_bench_dht,
    "hormiguero and 30 node processes: joins, lookups, puts, signals, memory, idle CPU" },
  { "transfer", hormiga_bench_transfer,
    "a file between node processes: throughput, CPU, 1 vs 3 providers" },
  { "contingency", hormiga_bench_contingency,
    "node processes leaving and crashing: handoff, takeover, bytes per handoff" },
  { "web", hormiga_bench_web,
    "a node process to the browser page in Chromium, next to page to page" },
#ifdef HORMIGA_BENCH_UI
  { "ui", hormiga_bench_ui,
    "the app's window under xvfb-run: frame gaps while it downloads 1 GiB, and idle" },
#endif
};

static void
usage (FILE *out)
{
  fprintf (out, "usage: hormiga-bench BENCH [OPTION…]\n\nbenchmarks:\n");
  for (guint i = 0; i < G_N_ELEMENTS (benches); i++)
    fprintf (out, "  %-18s %s\n", benches[i].name, benches[i].summary);
  fprintf (out, "\n`hormiga-bench BENCH --help` lists a benchmark's options.\n");
}

int
main (int    argc,
      char **argv)
{
  /* The locale's charset for --help; numbers stay "C" so the JSON is JSON. */
  setlocale (LC_ALL, "");
  setlocale (LC_NUMERIC, "C");

  if (argc < 2 || g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h"))
    {
      usage (argc < 2 ? stderr : stdout);
      return argc < 2 ? 2 : 0;
    }

  for (guint i = 0; i < G_N_ELEMENTS (benches); i++)
    if (g_str_equal (argv[1], benches[i].name))
      return benches[i].run (argc - 1, argv + 1);

  fprintf (stderr, "hormiga-bench: no benchmark called “%s”\n", argv[1]);
  usage (stderr);
  return 2;
}
