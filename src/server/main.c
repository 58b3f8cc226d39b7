/* main.c — hormiguero, the Hormiga signaling and bootstrap server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib-unix.h>
#include <stdio.h>

#include "hormiga-hormiguero.h"
#include "hormiga-identity.h"
#include "hormiga-node.h"
#include "hormiga-protocol.h"

/* The embedded node keeps more connections than a user's: every newcomer
 * starts from it. */
#define HORMIGUERO_DEFAULT_NODE_MAX_CONNECTIONS 64

static gboolean
on_quit_signal (gpointer user_data)
{
  GMainLoop *loop = user_data;

  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

static gboolean
parse_listen (const char  *listen,
              char       **address,
              guint16     *port,
              GError     **error)
{
  g_autoptr(GSocketConnectable) connectable = NULL;

  connectable = g_network_address_parse (listen, HORMIGA_DEFAULT_PORT, error);
  if (connectable == NULL)
    {
      g_prefix_error (error, "--listen %s: ", listen);
      return FALSE;
    }
  *address = g_strdup (g_network_address_get_hostname (G_NETWORK_ADDRESS (connectable)));
  *port = g_network_address_get_port (G_NETWORK_ADDRESS (connectable));
  if (g_str_equal (*address, "localhost"))
    {
      g_free (*address);
      *address = g_strdup ("127.0.0.1");
    }
  return TRUE;
}

/* A peer hormiguero must be a WebSocket URL (ws:// or wss://). */
static gboolean
check_peer_url (const char  *url,
                GError     **error)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, error);

  if (uri == NULL)
    {
      g_prefix_error (error, "--peer %s: ", url);
      return FALSE;
    }
  if (g_strcmp0 (g_uri_get_scheme (uri), "ws") != 0 &&
      g_strcmp0 (g_uri_get_scheme (uri), "wss") != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "--peer %s: not a WebSocket URL; give the ws:// or wss:// address of its /ws",
                   url);
      return FALSE;
    }
  return TRUE;
}

/* Whether @url names this hormiguero: its own listening address and port,
 * or loopback while it listens on loopback or every address. */
static gboolean
is_own_url (const char *url,
            const char *address,
            guint16     port)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  g_autoptr(GInetAddress) host = NULL;
  g_autoptr(GInetAddress) listen = g_inet_address_new_from_string (address);
  int uri_port;

  if (uri == NULL || g_uri_get_host (uri) == NULL)
    return FALSE;
  uri_port = g_uri_get_port (uri);
  if (uri_port < 0)
    uri_port = g_str_equal (g_uri_get_scheme (uri), "wss") ? 443 : 80;
  if (uri_port != port)
    return FALSE;
  if (g_ascii_strcasecmp (g_uri_get_host (uri), "localhost") == 0)
    host = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  else
    host = g_inet_address_new_from_string (g_uri_get_host (uri));
  if (host == NULL || listen == NULL)
    return FALSE;
  return g_inet_address_equal (host, listen) ||
         (g_inet_address_get_is_loopback (host) &&
          (g_inet_address_get_is_any (listen) || g_inet_address_get_is_loopback (listen)));
}

static gboolean
stop_client (gpointer user_data)
{
  hormiga_signaling_client_stop (user_data);
  return G_SOURCE_REMOVE;
}

/* A peer hormiguero that admits this node's identity on another connection
 * is this hormiguero itself (under another address), one listed twice, or
 * one whose node shares this node's identity (--node-data-dir): the two
 * connections would replace each other for ever. Leave it (from an idle:
 * the client is in the middle of reading that error). */
static void
on_peer_error (HormigaSignalingClient *client,
               guint                   code,
               const char             *message,
               const char             *sid,
               gpointer                user_data)
{
  if (code != HORMIGA_PROTOCOL_ERROR_REPLACED)
    return;
  g_printerr ("hormiguero: the peer hormiguero %s admitted this node's identity on another "
              "connection: it is this hormiguero itself, a --peer given twice, or a hormiguero "
              "whose node has the same identity (--node-data-dir); leaving it\n",
              hormiga_signaling_client_get_url (client));
  g_idle_add_full (G_PRIORITY_DEFAULT, stop_client, g_object_ref (client), g_object_unref);
}

static void
on_peer_admitted (HormigaSignalingClient *client,
                  const char             *peer_id,
                  const char * const     *peers,
                  gpointer                user_data)
{
  g_printerr ("hormiguero: joined the peer hormiguero %s (%u peers in its sample%s%s)\n",
              hormiga_signaling_client_get_url (client), g_strv_length ((GStrv) peers),
              peers[0] != NULL ? ", first " : "", peers[0] != NULL ? peers[0] : "");
}

static void
on_peer_disconnected (HormigaSignalingClient *client,
                      const GError           *error,
                      gpointer                user_data)
{
  if (error != NULL)
    g_printerr ("hormiguero: the peer hormiguero %s: %s; trying again\n",
                hormiga_signaling_client_get_url (client), error->message);
}

/* hormiguero's own DHT node: a stable, always-on peer that every newcomer
 * bootstraps from (it heads every welcome's sample). It joins this very
 * server over loopback, routes and stores like any server-mode node, and
 * relays signals through the overlay. With @peers it also joins each of
 * those hormigueros as an ordinary node, so the embedded nodes of peered
 * hormigueros are DHT peers of each other and their networks are one. */
static HormigaNode *
start_node (HormigaHormiguero  *server,
            const char         *address,
            const char         *data_dir,
            const char         *node_address,
            guint               max_connections,
            const char * const *peers,
            GError            **error)
{
  g_autoptr(HormigaIdentity) identity = NULL;
  g_autoptr(GInetAddress) listen = g_inet_address_new_from_string (address);
  g_autofree char *url = NULL;
  HormigaNode *node;
  const char *host = address;

  identity = data_dir != NULL ? hormiga_identity_load_or_create (data_dir, error)
                              : hormiga_identity_generate ();
  if (identity == NULL)
    return NULL;
  /* Listening on every address: join over loopback. */
  if (listen != NULL && g_inet_address_get_is_any (listen))
    host = g_inet_address_get_family (listen) == G_SOCKET_FAMILY_IPV6 ? "::1" : "127.0.0.1";
  url = g_strdup_printf (strchr (host, ':') ? "ws://[%s]:%u/ws" : "ws://%s:%u/ws", host,
                         hormiga_hormiguero_get_port (server));
  node = hormiga_node_new (identity, url, NULL, NULL, error);
  if (node == NULL)
    return NULL;
  if (node_address != NULL)
    hormiga_node_set_local_address (node, node_address);
  hormiga_node_set_max_connections (node, max_connections);
  for (guint i = 0; peers != NULL && peers[i] != NULL; i++)
    {
      HormigaSignalingClient *client = hormiga_node_add_server (node, peers[i]);

      g_signal_connect (client, "admitted", G_CALLBACK (on_peer_admitted), NULL);
      g_signal_connect (client, "disconnected", G_CALLBACK (on_peer_disconnected), NULL);
      g_signal_connect (client, "error-received", G_CALLBACK (on_peer_error), NULL);
    }
  hormiga_hormiguero_set_anchor (server,
                                 hormiga_peer_id_to_string (hormiga_identity_get_peer_id (identity)));
  hormiga_node_start (node);
  return node;
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *listen = NULL;
  g_autofree char *web_root = NULL;
  g_autofree char *address = NULL;
  g_autofree char *url = NULL;
  int max_connections = HORMIGUERO_DEFAULT_MAX_CONNECTIONS;
  int handshake_timeout = HORMIGUERO_DEFAULT_HANDSHAKE_TIMEOUT;
  int ping_interval = HORMIGUERO_DEFAULT_PING_INTERVAL;
  int pong_timeout = HORMIGUERO_DEFAULT_PONG_TIMEOUT;
  int bootstrap_sample = HORMIGUERO_DEFAULT_BOOTSTRAP_SAMPLE;
  double rate = HORMIGUERO_DEFAULT_RATE;
  double burst = HORMIGUERO_DEFAULT_BURST;
  g_auto(GStrv) turn_urls = NULL;
  g_autofree char *turn_secret_file = NULL;
  int turn_ttl = HORMIGUERO_DEFAULT_TURN_TTL;
  guint16 port = 0;
  gboolean version = FALSE;
  gboolean no_node = FALSE;
  gboolean no_web = FALSE;
  g_autofree char *node_data_dir = NULL;
  g_autofree char *node_address = NULL;
  int node_max_connections = HORMIGUERO_DEFAULT_NODE_MAX_CONNECTIONS;
  g_auto(GStrv) peers = NULL;
  g_autoptr(HormigaNode) node = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GOptionContext) options = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(HormigaHormiguero) server = NULL;
  GOptionEntry entries[] = {
    { "listen", 'l', 0, G_OPTION_ARG_STRING, &listen,
      "Address and port to listen on (default 127.0.0.1:8710; port 0 picks a free one)", "ADDR:PORT" },
    { "web-root", 0, 0, G_OPTION_ARG_FILENAME, &web_root,
      "Serve the files of DIR at / (default: the browser node's page, " HORMIGA_WEB_ROOT
      ", when it is installed)", "DIR" },
    { "no-web", 0, 0, G_OPTION_ARG_NONE, &no_web,
      "Serve no page at /, only a line saying what this server is", NULL },
    { "max-connections", 0, 0, G_OPTION_ARG_INT, &max_connections,
      "Most WebSocket connections at once (default 10000)", "N" },
    { "handshake-timeout", 0, 0, G_OPTION_ARG_INT, &handshake_timeout,
      "Milliseconds a new connection has to answer the challenge (default 10000)", "MS" },
    { "ping-interval", 0, 0, G_OPTION_ARG_INT, &ping_interval,
      "Milliseconds of silence before the server pings a peer (default 15000)", "MS" },
    { "pong-timeout", 0, 0, G_OPTION_ARG_INT, &pong_timeout,
      "Milliseconds a pinged peer has to answer (default 10000)", "MS" },
    { "rate", 0, 0, G_OPTION_ARG_DOUBLE, &rate,
      "Frames per second each peer may send (default 50)", "N" },
    { "burst", 0, 0, G_OPTION_ARG_DOUBLE, &burst,
      "Frames a peer may send at once above the rate (default 200)", "N" },
    { "bootstrap-sample", 0, 0, G_OPTION_ARG_INT, &bootstrap_sample,
      "Peers returned to a newly admitted peer (default 16, at most 64)", "N" },
    { "turn-url", 0, 0, G_OPTION_ARG_STRING_ARRAY, &turn_urls,
      "A TURN server to hand admitted peers, with short-lived credentials (repeat for up to 4; "
      "needs --turn-secret-file)", "turn:HOST:PORT?transport=udp|tcp" },
    { "turn-secret-file", 0, 0, G_OPTION_ARG_FILENAME, &turn_secret_file,
      "File holding the TURN server's static-auth-secret (coturn use-auth-secret)", "FILE" },
    { "turn-ttl", 0, 0, G_OPTION_ARG_INT, &turn_ttl,
      "Seconds the TURN credentials stay valid (default 43200)", "S" },
    { "no-node", 0, 0, G_OPTION_ARG_NONE, &no_node,
      "Do not run the embedded DHT node (newcomers then bootstrap from each other only)", NULL },
    { "node-data-dir", 0, 0, G_OPTION_ARG_FILENAME, &node_data_dir,
      "Keep the embedded node's identity in DIR (default: a new identity at every start)", "DIR" },
    { "node-address", 0, 0, G_OPTION_ARG_STRING, &node_address,
      "The embedded node's ICE host candidates only on ADDR (default: every address)", "ADDR" },
    { "node-max-connections", 0, 0, G_OPTION_ARG_INT, &node_max_connections,
      "Peer connections the embedded node keeps open (default 64)", "N" },
    { "peer", 0, 0, G_OPTION_ARG_STRING_ARRAY, &peers,
      "Serve one network with the hormiguero at URL: the embedded node joins it too and becomes "
      "a DHT peer of its node (repeat for each peer hormiguero)", "ws[s]://HOST:PORT/ws" },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", NULL },
    { NULL }
  };

  options = g_option_context_new ("— the Hormiga signaling and bootstrap server");
  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error))
    {
      g_printerr ("hormiguero: %s\n", error->message);
      return 2;
    }

  if (version)
    {
      printf ("hormiguero %s\n", PACKAGE_VERSION);
      return 0;
    }

  if (max_connections < 1 || handshake_timeout < 10 || ping_interval < 10 || pong_timeout < 10 ||
      rate <= 0 || burst < 1 || bootstrap_sample < 0 || bootstrap_sample > 64 ||
      node_max_connections < 1)
    {
      g_printerr ("hormiguero: an option is out of range; see --help\n");
      return 2;
    }

  if (!parse_listen (listen ? listen : "127.0.0.1:8710", &address, &port, &error))
    {
      g_printerr ("hormiguero: %s\n", error->message);
      return 2;
    }

  if (peers != NULL && no_node)
    {
      g_printerr ("hormiguero: --peer needs the embedded node: its node joins the peer "
                  "hormigueros; drop --no-node\n");
      return 2;
    }
  for (guint i = 0; peers != NULL && peers[i] != NULL; i++)
    if (!check_peer_url (peers[i], &error))
      {
        g_printerr ("hormiguero: %s\n", error->message);
        return 2;
      }

  if (web_root != NULL && no_web)
    {
      g_printerr ("hormiguero: --web-root and --no-web exclude each other\n");
      return 2;
    }
  if (web_root == NULL && !no_web &&
      g_file_test (HORMIGA_WEB_ROOT "/index.html", G_FILE_TEST_IS_REGULAR))
    web_root = g_strdup (HORMIGA_WEB_ROOT);

  if (web_root != NULL && !g_file_test (web_root, G_FILE_TEST_IS_DIR))
    {
      g_printerr ("hormiguero: --web-root %s is not a directory\n", web_root);
      return 2;
    }

  if ((turn_urls != NULL) != (turn_secret_file != NULL) ||
      (turn_urls != NULL && g_strv_length (turn_urls) > 4) || turn_ttl < 60)
    {
      g_printerr ("hormiguero: --turn-url (1 to 4) and --turn-secret-file go together, and "
                  "--turn-ttl is at least 60\n");
      return 2;
    }

  server = g_object_new (HORMIGA_TYPE_HORMIGUERO,
                         "max-connections", (guint) max_connections,
                         "handshake-timeout", (guint) handshake_timeout,
                         "ping-interval", (guint) ping_interval,
                         "pong-timeout", (guint) pong_timeout,
                         "rate", rate,
                         "burst", burst,
                         "bootstrap-sample", (guint) bootstrap_sample,
                         "web-root", web_root,
                         NULL);

  if (turn_secret_file != NULL)
    {
      g_autofree char *secret = NULL;

      if (!g_file_get_contents (turn_secret_file, &secret, NULL, &error))
        {
          g_printerr ("hormiguero: cannot read the TURN secret: %s\n", error->message);
          return 1;
        }
      g_strstrip (secret);
      if (secret[0] == '\0')
        {
          g_printerr ("hormiguero: the TURN secret file %s is empty\n", turn_secret_file);
          return 1;
        }
      hormiga_hormiguero_set_turn (server, (const char * const *) turn_urls, secret, (guint) turn_ttl);
    }

  /* Before the first line is printed: whoever reads it may stop us at once. */
  loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGINT, on_quit_signal, loop);
  g_unix_signal_add (SIGTERM, on_quit_signal, loop);

  if (!hormiga_hormiguero_listen (server, address, port, &error))
    {
      g_printerr ("hormiguero: cannot listen on %s:%u: %s\n", address, port, error->message);
      return 1;
    }

  for (guint i = 0; peers != NULL && peers[i] != NULL; i++)
    if (is_own_url (peers[i], address, hormiga_hormiguero_get_port (server)))
      {
        g_printerr ("hormiguero: --peer %s is this hormiguero itself; give the others\n",
                    peers[i]);
        return 2;
      }

  url = hormiga_hormiguero_dup_ws_url (server);
  /* The first line is read by scripts and tests: keep its shape. */
  printf ("hormiguero listening on %s\n", url);
  printf ("health: http://%s%s%s:%u/healthz  metrics: http://%s%s%s:%u/metrics\n",
          strchr (address, ':') ? "[" : "", address, strchr (address, ':') ? "]" : "",
          hormiga_hormiguero_get_port (server),
          strchr (address, ':') ? "[" : "", address, strchr (address, ':') ? "]" : "",
          hormiga_hormiguero_get_port (server));
  fflush (stdout);

  if (!no_node)
    {
      node = start_node (server, address, node_data_dir, node_address,
                         (guint) node_max_connections, (const char * const *) peers, &error);
      if (node == NULL)
        {
          g_printerr ("hormiguero: cannot start the embedded node: %s\n", error->message);
          return 1;
        }
      printf ("node: %s\n",
              hormiga_peer_id_to_string (hormiga_identity_get_peer_id (hormiga_node_get_identity (node))));
      fflush (stdout);
    }

  g_main_loop_run (loop);

  /* Say goodbye to every peer so they reconnect elsewhere at once. */
  if (node != NULL)
    hormiga_node_stop (node);
  hormiga_hormiguero_shutdown (server);
  g_timeout_add (200, on_quit_signal, loop);
  g_main_loop_run (loop);
  return 0;
}
