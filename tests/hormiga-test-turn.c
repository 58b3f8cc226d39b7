/* hormiga-test-turn.c — runs a real TURN server (coturn) for a test
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <sys/prctl.h>

#include "hormiga-test-turn.h"

/* How long coturn gets to answer on its port. */
#define READY_TIMEOUT_US (20 * G_USEC_PER_SEC)
/* Fresh ports tried if coturn dies at start (another process took it). */
#define START_ATTEMPTS 3

struct _HormigaTestTurn
{
  GSubprocess *process;
  char        *directory;
  char        *log_path;
  guint16      port;
  char        *secret;      /* REST credentials (use-auth-secret), or NULL: the static user */
};

static const char *
turnserver_path (void)
{
  const char *path = g_getenv ("TURNSERVER");
  static char *found;

  if (path != NULL && *path != '\0')
    return path;
  if (found == NULL)
    found = g_find_program_in_path ("turnserver");
  if (found == NULL)
    g_error ("turnserver (Debian package coturn) is not installed; "
             "build-aux/install-deps.sh installs it");
  return found;
}

/* Runs in the child: if the test dies (a failed assertion aborts it), the
 * server dies with it. */
static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static GSocketAddress *
loopback_address (guint16 port)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);

  return g_inet_socket_address_new (loopback, port);
}

/* A port free on 127.0.0.1 for both UDP and TCP right now. */
static guint16
free_port (void)
{
  for (guint attempt = 0; attempt < 100; attempt++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GSocket) udp = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                                             G_SOCKET_PROTOCOL_UDP, &error);
      g_autoptr(GSocket) tcp = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                             G_SOCKET_PROTOCOL_TCP, &error);
      g_autoptr(GSocketAddress) any = loopback_address (0);
      g_autoptr(GSocketAddress) bound = NULL;
      g_autoptr(GSocketAddress) same = NULL;
      guint16 port;

      g_assert_no_error (error);
      g_assert_true (g_socket_bind (udp, any, FALSE, &error));
      g_assert_no_error (error);
      bound = g_socket_get_local_address (udp, &error);
      g_assert_no_error (error);
      port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
      same = loopback_address (port);
      if (g_socket_bind (tcp, same, TRUE, NULL))
        return port;
    }
  g_error ("no port free for both UDP and TCP on 127.0.0.1");
}

static gboolean
is_running (HormigaTestTurn *turn)
{
  return g_subprocess_get_identifier (turn->process) != NULL;
}

/* One STUN Binding request (RFC 8489) over UDP; TRUE if the answer with
 * our transaction id arrives within 200 ms. */
static gboolean
answers_stun (guint16 port)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                                            G_SOCKET_PROTOCOL_UDP, NULL);
  g_autoptr(GSocketAddress) server = loopback_address (port);
  guint8 request[20] = { 0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42 };
  guint8 answer[512];
  gssize length;

  for (guint i = 8; i < sizeof request; i++)
    request[i] = (guint8) g_random_int_range (0, 256);
  if (socket == NULL ||
      g_socket_send_to (socket, server, (const char *) request, sizeof request, NULL, NULL) !=
        (gssize) sizeof request)
    return FALSE;
  g_socket_set_timeout (socket, 0);
  if (!g_socket_condition_timed_wait (socket, G_IO_IN, 200 * 1000, NULL, NULL))
    return FALSE;
  length = g_socket_receive (socket, (char *) answer, sizeof answer, NULL, NULL);
  /* Binding success response, same magic cookie and transaction id. */
  return length >= 20 && answer[0] == 0x01 && answer[1] == 0x01 &&
         memcmp (answer + 4, request + 4, 16) == 0;
}

static gboolean
accepts_tcp (guint16 port)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GSocketAddress) server = loopback_address (port);

  return socket != NULL && g_socket_connect (socket, server, NULL, NULL);
}

static void
remove_directory (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir == NULL)
    return;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *file = g_build_filename (path, name, NULL);
      g_unlink (file);
    }
  g_rmdir (path);
}

static void
dump_log (HormigaTestTurn *turn)
{
  g_autofree char *log = hormiga_test_turn_read_log (turn);

  g_test_message ("turnserver log (%s):\n%s", turn->log_path, log);
}

/* Spawns coturn on a fresh port; TRUE once it answers there. */
static gboolean
try_start (HormigaTestTurn *turn)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                                                       G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr(GError) error = NULL;
  g_autofree char *config = g_build_filename (turn->directory, "turnserver.conf", NULL);
  g_autofree char *database = g_build_filename (turn->directory, "turndb", NULL);
  g_autofree char *pid_file = g_build_filename (turn->directory, "turnserver.pid", NULL);
  g_autofree char *port = NULL;
  g_autofree char *auth = NULL;
  gint64 deadline;

  turn->port = free_port ();
  port = g_strdup_printf ("%u", turn->port);
  if (turn->secret != NULL)
    auth = g_strdup_printf ("--static-auth-secret=%s", turn->secret);
  /* An empty configuration file, so /etc/turnserver.conf is not read. */
  g_assert_true (g_file_set_contents (config, "", 0, &error));
  g_assert_no_error (error);

  {
    const char * const argv[] = {
      turnserver_path (),
      "-c", config,
      "--listening-ip", "127.0.0.1",
      "--relay-ip", "127.0.0.1",
      "--listening-port", port,
      "--allow-loopback-peers",
      turn->secret ? "--use-auth-secret" : "--lt-cred-mech",
      turn->secret ? auth : "--user",
      turn->secret ? "--lt-cred-mech" : HORMIGA_TEST_TURN_USERNAME ":" HORMIGA_TEST_TURN_PASSWORD,
      "--realm", HORMIGA_TEST_TURN_REALM,
      "--fingerprint",
      "--verbose",
      "--no-tls", "--no-dtls", "--no-cli", "--no-rfc5780",
      "--no-software-attribute",
      "--userdb", database,
      "--log-file", turn->log_path,
      "--simple-log",
      "--no-stdout-log",
      "--pidfile", pid_file,
      NULL
    };

    g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
    turn->process = g_subprocess_launcher_spawnv (launcher, argv, &error);
    g_assert_no_error (error);
  }

  deadline = g_get_monotonic_time () + READY_TIMEOUT_US;
  while (g_get_monotonic_time () < deadline && is_running (turn))
    {
      if (answers_stun (turn->port) && accepts_tcp (turn->port))
        return TRUE;
      /* answers_stun waited up to 200 ms already; pace the retries. */
      g_usleep (20 * 1000);
    }

  dump_log (turn);
  if (is_running (turn))
    g_subprocess_force_exit (turn->process);
  g_subprocess_wait (turn->process, NULL, NULL);
  g_clear_object (&turn->process);
  return FALSE;
}

HormigaTestTurn *
hormiga_test_turn_start (void)
{
  return hormiga_test_turn_start_with_secret (NULL);
}

HormigaTestTurn *
hormiga_test_turn_start_with_secret (const char *secret)
{
  g_autoptr(GError) error = NULL;
  HormigaTestTurn *turn = g_new0 (HormigaTestTurn, 1);

  turn->secret = g_strdup (secret);
  turn->directory = g_dir_make_tmp ("hormiga-turn-XXXXXX", &error);
  g_assert_no_error (error);
  turn->log_path = g_build_filename (turn->directory, "turnserver.log", NULL);

  for (guint attempt = 0; attempt < START_ATTEMPTS; attempt++)
    if (try_start (turn))
      {
        g_test_message ("turnserver on 127.0.0.1:%u, log %s", turn->port, turn->log_path);
        return turn;
      }
  g_error ("turnserver did not come up on 127.0.0.1 in %u attempts", START_ATTEMPTS);
}

guint16
hormiga_test_turn_get_port (HormigaTestTurn *turn)
{
  return turn->port;
}

char *
hormiga_test_turn_read_log (HormigaTestTurn *turn)
{
  char *contents = NULL;

  if (!g_file_get_contents (turn->log_path, &contents, NULL, NULL))
    return g_strdup ("");
  return contents;
}

guint
hormiga_test_turn_count_allocations (HormigaTestTurn *turn)
{
  g_autofree char *log = hormiga_test_turn_read_log (turn);
  g_auto(GStrv) lines = g_strsplit (log, "\n", -1);
  guint count = 0;

  for (guint i = 0; lines[i] != NULL; i++)
    if (strstr (lines[i], "username=<" HORMIGA_TEST_TURN_USERNAME ">") != NULL &&
        strstr (lines[i], ": new, realm=<" HORMIGA_TEST_TURN_REALM ">") != NULL)
      count++;
  return count;
}

guint
hormiga_test_turn_count_released (HormigaTestTurn *turn)
{
  g_autofree char *log = hormiga_test_turn_read_log (turn);
  g_auto(GStrv) lines = g_strsplit (log, "\n", -1);
  g_autoptr(GHashTable) sessions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *session = strstr (lines[i], "session ");
      const char *end = session ? strchr (session, ':') : NULL;

      if (end != NULL &&
          strstr (end, ": refreshed, realm=<" HORMIGA_TEST_TURN_REALM ">, username=<"
                  HORMIGA_TEST_TURN_USERNAME ">, lifetime=0") == end)
        g_hash_table_add (sessions, g_strndup (session, (gsize) (end - session)));
    }
  return g_hash_table_size (sessions);
}

guint
hormiga_test_turn_count_tcp_clients (HormigaTestTurn *turn)
{
  g_autofree char *table = NULL;
  g_auto(GStrv) lines = NULL;
  /* "sl local_address rem_address st …", addresses as hex "0100007F:0D96",
   * state 01 = ESTABLISHED. */
  g_autofree char *remote = g_strdup_printf ("0100007F:%04X", turn->port);
  guint count = 0;

  g_assert_true (g_file_get_contents ("/proc/net/tcp", &table, NULL, NULL));
  lines = g_strsplit (table, "\n", -1);
  for (guint i = 1; lines[i] != NULL; i++)
    {
      g_auto(GStrv) fields = g_strsplit_set (g_strstrip (lines[i]), " ", -1);
      const char *columns[4] = { NULL };
      guint n = 0;

      for (guint j = 0; fields[j] != NULL && n < G_N_ELEMENTS (columns); j++)
        if (*fields[j] != '\0')
          columns[n++] = fields[j];
      if (n == G_N_ELEMENTS (columns) && g_str_equal (columns[2], remote) &&
          g_str_equal (columns[3], "01"))
        count++;
    }
  return count;
}

/* "… rp=1, rb=2, sp=3, sb=4" */
static gboolean
parse_counters (const char *text,
                guint64     counters[4])
{
  const char *names[] = { "rp=", "rb=", "sp=", "sb=" };

  for (guint i = 0; i < 4; i++)
    {
      const char *at = strstr (text, names[i]);

      if (at == NULL)
        return FALSE;
      counters[i] = g_ascii_strtoull (at + 3, NULL, 10);
      text = at + 3;
    }
  return TRUE;
}

void
hormiga_test_turn_get_usage (HormigaTestTurn      *turn,
                             HormigaTestTurnUsage *usage)
{
  g_autofree char *log = hormiga_test_turn_read_log (turn);
  g_auto(GStrv) lines = g_strsplit (log, "\n", -1);

  memset (usage, 0, sizeof *usage);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *peer_usage = strstr (lines[i], ": peer usage: realm=<" HORMIGA_TEST_TURN_REALM ">");
      const char *client_usage = strstr (lines[i], ": usage: realm=<" HORMIGA_TEST_TURN_REALM ">");
      guint64 counters[4];

      if (strstr (lines[i], "=<" HORMIGA_TEST_TURN_USERNAME ">") == NULL)
        continue;
      if (peer_usage != NULL && parse_counters (peer_usage, counters))
        {
          usage->peer_received += counters[1];
          usage->peer_sent += counters[3];
        }
      else if (client_usage != NULL && parse_counters (client_usage, counters))
        {
          usage->allocations++;
          usage->client_received += counters[1];
          usage->client_sent += counters[3];
        }
    }
}

void
hormiga_test_turn_stop (HormigaTestTurn *turn)
{
  g_autoptr(GError) error = NULL;

  if (turn == NULL)
    return;

  if (!is_running (turn))
    dump_log (turn);
  g_assert_true (is_running (turn));
  g_subprocess_send_signal (turn->process, SIGKILL);
  g_subprocess_wait (turn->process, NULL, &error);
  g_assert_no_error (error);

  g_clear_object (&turn->process);
  remove_directory (turn->directory);
  g_free (turn->directory);
  g_free (turn->secret);
  g_free (turn->log_path);
  g_free (turn);
}
