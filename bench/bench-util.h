/* bench-util.h — what several benchmarks share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Throughput runs keep the sender's buffered amount between these: refill
 * up to HIGH when ::buffered-amount-low says it fell to LOW. */
#define HORMIGA_BENCH_HIGH_WATER (4 * 1024 * 1024)
#define HORMIGA_BENCH_LOW_WATER  (1 * 1024 * 1024)

/* Child setup for g_subprocess_launcher: the child dies with the bench. */
void     hormiga_bench_die_with_parent (gpointer user_data);

/* $HORMIGUERO, else the build tree's, else the installed one; NULL if none. */
char    *hormiga_bench_find_hormiguero (void);

/* $HORMIGA_NODE, else the build tree's, else the installed one; NULL if none. */
char    *hormiga_bench_find_hormiga_node (void);

/* Iterates the thread-default context until @done or @seconds pass;
 * returns what @done says at the end. */
gboolean hormiga_bench_wait            (gboolean (*done) (gpointer data),
                                        gpointer   data,
                                        double     seconds);

/* MB/s of @total bytes written in @message_size pieces over a TCP
 * connection on 127.0.0.1 to a reader thread. */
double   hormiga_bench_tcp_baseline    (gsize message_size,
                                        gsize total);

/* MB/s of copying the file @from to @to through a TCP connection on
 * 127.0.0.1: this thread reads @from and sends it, a writer thread
 * receives it and writes @to. -1 (with @error set) if a file fails. */
double   hormiga_bench_tcp_file_copy   (const char *from,
                                        const char *to,
                                        GError    **error);

/* Deletes @path and everything under it (symbolic links are not followed). */
void     hormiga_bench_remove_dir      (const char *path);

int      hormiga_bench_compare_double  (gconstpointer a,
                                        gconstpointer b);

/* User + system CPU seconds of this process so far. */
double   hormiga_bench_cpu_seconds     (void);

/* The value below which a share @p (0 to 1) of @values (doubles) lie,
 * nearest rank below; sorts @values. 0 if empty. */
double   hormiga_bench_percentile      (GArray *values,
                                        double  p);

/* VmRSS in MB of the process @pid (decimal text); -1 if it is gone. */
double   hormiga_bench_process_rss_mb  (const char *pid);

/* User + system CPU seconds of the process @pid so far; -1 if it is gone. */
double   hormiga_bench_process_cpu_seconds (const char *pid);

G_END_DECLS
