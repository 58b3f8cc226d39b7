/* hormiga-bench.h — the benchmarks of hormiga-bench
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

int hormiga_bench_signaling        (int argc, char **argv);
int hormiga_bench_datachannel_local (int argc, char **argv);
int hormiga_bench_datachannel      (int argc, char **argv);
int hormiga_bench_datachannel_peer (int argc, char **argv);
int hormiga_bench_dht              (int argc, char **argv);
int hormiga_bench_transfer         (int argc, char **argv);
int hormiga_bench_web              (int argc, char **argv);
int hormiga_bench_contingency      (int argc, char **argv);
int hormiga_bench_ui               (int argc, char **argv);

G_END_DECLS
