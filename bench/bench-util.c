/* bench-util.c — what several benchmarks share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "bench-util.h"

void
hormiga_bench_die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

/* $@env, else @name in the build tree next to this program (@subdir of
 * build/), else @name on $PATH. */
static char *
find_program (const char *env,
              const char *subdir,
              const char *name)
{
  const char *from_env = g_getenv (env);
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *dir = NULL;
  char *path;

  if (from_env != NULL)
    return g_strdup (from_env);
  if (self == NULL)
    return g_find_program_in_path (name);
  dir = g_path_get_dirname (self);
  path = g_build_filename (dir, "..", subdir, name, NULL);
  if (g_file_test (path, G_FILE_TEST_IS_EXECUTABLE))
    return path;
  g_free (path);
  return g_find_program_in_path (name);
}

char *
hormiga_bench_find_hormiguero (void)
{
  return find_program ("HORMIGUERO", "src/server", "hormiguero");
}

char *
hormiga_bench_find_hormiga_node (void)
{
  return find_program ("HORMIGA_NODE", "src/cli", "hormiga-node");
}

gboolean
hormiga_bench_wait (gboolean (*done) (gpointer data),
                    gpointer   data,
                    double     seconds)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);

  while (!done (data) && g_get_monotonic_time () < deadline)
    {
      GSource *tick = g_timeout_source_new (50);

      g_source_set_dummy_callback (tick);
      g_source_attach (tick, g_main_context_get_thread_default ());
      g_main_context_iteration (g_main_context_get_thread_default (), TRUE);
      g_source_destroy (tick);
      g_source_unref (tick);
    }
  return done (data);
}

typedef struct
{
  GSocket *socket;
  guint64  total;
} Reader;

static gpointer
tcp_reader (gpointer data)
{
  Reader *reader = data;
  g_autofree char *buffer = g_malloc (256 * 1024);
  guint64 got = 0;

  while (got < reader->total)
    {
      gssize n = g_socket_receive (reader->socket, buffer, 256 * 1024, NULL, NULL);
      if (n <= 0)
        break;
      got += (guint64) n;
    }
  return NULL;
}

double
hormiga_bench_tcp_baseline (gsize message_size,
                            gsize total)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocket) listener = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                              G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GSocket) client = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autofree char *message = g_malloc0 (message_size);
  Reader reader = { NULL, total };
  GThread *thread;
  gint64 start;
  guint64 sent = 0;

  g_socket_bind (listener, any, TRUE, NULL);
  g_socket_listen (listener, NULL);
  bound = g_socket_get_local_address (listener, NULL);
  g_socket_connect (client, bound, NULL, NULL);
  reader.socket = g_socket_accept (listener, NULL, NULL);

  start = g_get_monotonic_time ();
  thread = g_thread_new ("bench-tcp-reader", tcp_reader, &reader);
  while (sent < total)
    {
      gssize n = g_socket_send (client, message, message_size, NULL, NULL);
      if (n <= 0)
        break;
      sent += (guint64) n;
    }
  g_thread_join (thread);
  g_object_unref (reader.socket);
  return total / ((g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC) / 1e6;
}

#define COPY_BLOCK (256 * 1024)

typedef struct
{
  GSocket    *socket;
  const char *path;
  GError     *error;
} FileWriter;

static gpointer
tcp_file_writer (gpointer data)
{
  FileWriter *writer = data;
  g_autofree char *buffer = g_malloc (COPY_BLOCK);
  int fd = g_open (writer->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

  if (fd < 0)
    {
      g_set_error (&writer->error, G_IO_ERROR, g_io_error_from_errno (errno), "cannot create %s: %s",
                   writer->path, g_strerror (errno));
      return NULL;
    }
  for (;;)
    {
      gssize n = g_socket_receive (writer->socket, buffer, COPY_BLOCK, NULL, &writer->error);
      gssize done = 0;

      if (n <= 0)
        break;
      while (done < n)
        {
          ssize_t w = write (fd, buffer + done, (size_t) (n - done));

          if (w < 0 && errno == EINTR)
            continue;
          if (w < 0)
            {
              g_set_error (&writer->error, G_IO_ERROR, g_io_error_from_errno (errno),
                           "cannot write to %s: %s", writer->path, g_strerror (errno));
              close (fd);
              return NULL;
            }
          done += w;
        }
    }
  if (close (fd) < 0 && writer->error == NULL)
    g_set_error (&writer->error, G_IO_ERROR, g_io_error_from_errno (errno), "cannot write to %s: %s",
                 writer->path, g_strerror (errno));
  return NULL;
}

double
hormiga_bench_tcp_file_copy (const char *from,
                             const char *to,
                             GError    **error)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocket) listener = NULL;
  g_autoptr(GSocket) client = NULL;
  g_autoptr(GSocketAddress) bound = NULL;
  g_autofree char *buffer = g_malloc (COPY_BLOCK);
  FileWriter writer = { NULL, to, NULL };
  GThread *thread;
  guint64 total = 0;
  gint64 start;
  int fd = g_open (from, O_RDONLY | O_CLOEXEC, 0);

  if (fd < 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "cannot open %s: %s", from,
                   g_strerror (errno));
      return -1;
    }
  listener = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, error);
  client = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, error);
  if (listener == NULL || client == NULL || !g_socket_bind (listener, any, TRUE, error) ||
      !g_socket_listen (listener, error) ||
      (bound = g_socket_get_local_address (listener, error)) == NULL ||
      !g_socket_connect (client, bound, NULL, error) ||
      (writer.socket = g_socket_accept (listener, NULL, error)) == NULL)
    {
      close (fd);
      return -1;
    }

  start = g_get_monotonic_time ();
  thread = g_thread_new ("bench-tcp-writer", tcp_file_writer, &writer);
  for (;;)
    {
      ssize_t n = read (fd, buffer, COPY_BLOCK);
      gssize sent = 0;

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      while (sent < n)
        {
          gssize w = g_socket_send (client, buffer + sent, (gsize) (n - sent), NULL, NULL);

          if (w <= 0)
            break;
          sent += w;
        }
      total += (guint64) sent;
      if (sent < n)
        break;
    }
  close (fd);
  g_socket_shutdown (client, FALSE, TRUE, NULL);
  g_thread_join (thread);
  g_object_unref (writer.socket);
  if (writer.error != NULL)
    {
      g_propagate_error (error, writer.error);
      return -1;
    }
  return total / ((g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC) / 1e6;
}

void
hormiga_bench_remove_dir (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        hormiga_bench_remove_dir (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

int
hormiga_bench_compare_double (gconstpointer a,
                              gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

double
hormiga_bench_cpu_seconds (void)
{
  struct rusage usage;

  if (getrusage (RUSAGE_SELF, &usage) != 0)
    return 0;
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
         (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

double
hormiga_bench_percentile (GArray *values,
                          double  p)
{
  if (values->len == 0)
    return 0;
  g_array_sort (values, hormiga_bench_compare_double);
  return g_array_index (values, double, (gsize) (p * (values->len - 1)));
}

double
hormiga_bench_process_rss_mb (const char *pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%s/status", pid);
  g_autofree char *status = NULL;
  const char *line;

  if (pid == NULL || !g_file_get_contents (path, &status, NULL, NULL))
    return -1;
  line = strstr (status, "VmRSS:");
  return line ? g_ascii_strtod (line + strlen ("VmRSS:"), NULL) / 1024.0 : -1;
}

double
hormiga_bench_process_cpu_seconds (const char *pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%s/stat", pid);
  g_autofree char *stat = NULL;
  g_auto(GStrv) fields = NULL;
  const char *after_name;
  long ticks = sysconf (_SC_CLK_TCK);

  if (pid == NULL || !g_file_get_contents (path, &stat, NULL, NULL))
    return -1;
  /* The name, in parentheses, may hold spaces: count from its end. Then
   * state (3), …, utime (14), stime (15). */
  after_name = strrchr (stat, ')');
  if (after_name == NULL || ticks <= 0)
    return -1;
  fields = g_strsplit (after_name + 2, " ", 14);
  if (g_strv_length (fields) < 14)
    return -1;
  return (g_ascii_strtod (fields[11], NULL) + g_ascii_strtod (fields[12], NULL)) / (double) ticks;
}
