/* test-hormiguero.c — the real hormiguero process, honest and hostile clients
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Honest clients are HormigaSignalingClients; hostile ones are raw libsoup
 * WebSockets that send whatever the case needs. Every case checks the error
 * frame and the close code the protocol documents (docs/PROTOCOL.md).
 */
#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include "hormiga-identity.h"
#include "hormiga-message.h"
#include "hormiga-peer-id.h"
#include "hormiga-protocol.h"
#include "hormiga-signaling-client.h"
#include "hormiga-test-server.h"

#define N_HONEST 200

/* ---- honest clients ------------------------------------------------------ */

typedef struct
{
  HormigaSignalingClient *client;
  HormigaIdentity        *identity;
  char                   *id;
  guint                   n_admitted;
  GHashTable             *received;   /* "from|sid|payload" → count */
  guint                   n_received;
  guint                   last_error;
  GStrv                   bootstrap;
} Honest;

static void
on_honest_admitted (HormigaSignalingClient *client,
                    const char             *peer_id,
                    const char * const     *peers,
                    gpointer                user_data)
{
  Honest *honest = user_data;

  g_assert_cmpstr (peer_id, ==, honest->id);
  honest->n_admitted++;
  g_strfreev (honest->bootstrap);
  honest->bootstrap = g_strdupv ((GStrv) peers);
}

static void
on_honest_signal (HormigaSignalingClient *client,
                  const char             *from,
                  const char             *sid,
                  GBytes                 *payload,
                  gpointer                user_data)
{
  Honest *honest = user_data;
  gsize length;
  const char *data = g_bytes_get_data (payload, &length);
  char *key = g_strdup_printf ("%s|%s|%.*s", from, sid, (int) length, data ? data : "");

  g_hash_table_insert (honest->received, key,
                       GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (honest->received,
                                                                                key)) + 1));
  honest->n_received++;
}

static void
on_honest_error (HormigaSignalingClient *client,
                 guint                   code,
                 const char             *message,
                 const char             *sid,
                 gpointer                user_data)
{
  Honest *honest = user_data;
  honest->last_error = code;
}

static Honest *
honest_new (const char *url)
{
  Honest *honest = g_new0 (Honest, 1);

  honest->identity = hormiga_identity_generate ();
  honest->id = g_strdup (hormiga_peer_id_to_string (hormiga_identity_get_peer_id (honest->identity)));
  honest->received = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  honest->client = hormiga_signaling_client_new (url, honest->identity, NULL);
  g_signal_connect (honest->client, "admitted", G_CALLBACK (on_honest_admitted), honest);
  g_signal_connect (honest->client, "signal-received", G_CALLBACK (on_honest_signal), honest);
  g_signal_connect (honest->client, "error-received", G_CALLBACK (on_honest_error), honest);
  hormiga_signaling_client_start (honest->client);
  return honest;
}

static void
honest_free (Honest *honest)
{
  hormiga_signaling_client_stop (honest->client);
  g_assert_finalize_object (honest->client);
  g_object_unref (honest->identity);
  g_hash_table_unref (honest->received);
  g_strfreev (honest->bootstrap);
  g_free (honest->id);
  g_free (honest);
}

typedef struct
{
  Honest **honest;
  guint    n;
  guint    want;   /* signals expected per client, or admissions */
} Crowd;

static gboolean
crowd_admitted (gpointer data)
{
  Crowd *crowd = data;

  for (guint i = 0; i < crowd->n; i++)
    if (crowd->honest[i]->n_admitted < 1)
      return FALSE;
  return TRUE;
}

static gboolean
crowd_received (gpointer data)
{
  Crowd *crowd = data;

  for (guint i = 0; i < crowd->n; i++)
    if (crowd->honest[i]->n_received < crowd->want)
      return FALSE;
  return TRUE;
}

/* Every client sends one signal to its pair partner and two around the ring;
 * then every signal must arrive exactly once, with the right sender. */
static void
exchange_signals (Crowd      *crowd,
                  const char *round)
{
  const guint offsets[] = { 0 /* pair partner */, 1, 7 };

  for (guint i = 0; i < crowd->n; i++)
    {
      g_hash_table_remove_all (crowd->honest[i]->received);
      crowd->honest[i]->n_received = 0;
    }

  for (guint i = 0; i < crowd->n; i++)
    for (guint k = 0; k < G_N_ELEMENTS (offsets); k++)
      {
        guint to = offsets[k] == 0 ? (i ^ 1) : (i + offsets[k]) % crowd->n;
        g_autofree char *sid = g_strdup_printf ("%s-%u-%u", round, i, k);
        g_autofree char *text = g_strdup_printf ("payload %u→%u", i, to);
        g_autoptr(GBytes) payload = g_bytes_new (text, strlen (text));
        g_autoptr(GError) error = NULL;

        g_assert_true (hormiga_signaling_client_send_signal (crowd->honest[i]->client,
                                                             crowd->honest[to]->id, sid, payload,
                                                             &error));
        g_assert_no_error (error);
      }

  crowd->want = G_N_ELEMENTS (offsets);
  g_assert_true (hormiga_test_wait_until (crowd_received, crowd, 30000));
  /* Let any duplicate arrive before counting. */
  {
    gint64 settle = g_get_monotonic_time () + 200 * 1000;
    while (g_get_monotonic_time () < settle)
      g_main_context_iteration (NULL, FALSE);
  }

  for (guint i = 0; i < crowd->n; i++)
    for (guint k = 0; k < G_N_ELEMENTS (offsets); k++)
      {
        guint to = offsets[k] == 0 ? (i ^ 1) : (i + offsets[k]) % crowd->n;
        g_autofree char *key = g_strdup_printf ("%s|%s-%u-%u|payload %u→%u", crowd->honest[i]->id,
                                                round, i, k, i, to);
        guint count = GPOINTER_TO_UINT (g_hash_table_lookup (crowd->honest[to]->received, key));

        if (count != 1)
          g_error ("signal %s arrived %u times at client %u", key, count, to);
      }
  for (guint i = 0; i < crowd->n; i++)
    g_assert_cmpuint (crowd->honest[i]->n_received, ==, G_N_ELEMENTS (offsets));
}

static Crowd *
crowd_new (const char *url,
           guint       n)
{
  Crowd *crowd = g_new0 (Crowd, 1);

  crowd->n = n;
  crowd->honest = g_new0 (Honest *, n);
  for (guint i = 0; i < n; i++)
    crowd->honest[i] = honest_new (url);
  g_assert_true (hormiga_test_wait_until (crowd_admitted, crowd, 30000));
  return crowd;
}

static void
crowd_free (Crowd *crowd)
{
  for (guint i = 0; i < crowd->n; i++)
    honest_free (crowd->honest[i]);
  g_free (crowd->honest);
  g_free (crowd);
}

/* ---- raw (hostile) clients ------------------------------------------------- */

typedef struct
{
  SoupSession             *session;
  SoupWebsocketConnection *connection;
  GPtrArray               *messages;     /* HormigaMessage received */
  gboolean                 connect_done;
  gboolean                 closed;
  gushort                  close_code;
  gboolean                 answer_pings;
} Raw;

static void
on_raw_message (SoupWebsocketConnection *connection,
                int                      type,
                GBytes                  *frame,
                gpointer                 user_data)
{
  Raw *raw = user_data;
  g_autoptr(GError) error = NULL;
  HormigaMessage *message = hormiga_message_decode_bytes (frame, NULL, &error);

  g_assert_no_error (error);
  if (raw->answer_pings && message->type == HORMIGA_MESSAGE_PING)
    {
      g_autoptr(HormigaMessage) pong = hormiga_message_new_pong (message->ping.seq);
      g_autoptr(GBytes) bytes = hormiga_message_encode (pong);
      soup_websocket_connection_send_message (connection, SOUP_WEBSOCKET_DATA_BINARY, bytes);
    }
  g_ptr_array_add (raw->messages, message);
}

static void
on_raw_closed (SoupWebsocketConnection *connection,
               gpointer                 user_data)
{
  Raw *raw = user_data;

  raw->closed = TRUE;
  raw->close_code = soup_websocket_connection_get_close_code (connection);
}

static void
on_raw_connected (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Raw *raw = user_data;
  g_autoptr(GError) error = NULL;

  raw->connection = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);
  g_assert_no_error (error);
  soup_websocket_connection_set_max_incoming_payload_size (raw->connection, 256 * 1024);
  g_signal_connect (raw->connection, "message", G_CALLBACK (on_raw_message), raw);
  g_signal_connect (raw->connection, "closed", G_CALLBACK (on_raw_closed), raw);
  raw->connect_done = TRUE;
}

static gboolean
raw_connect_done (gpointer data)
{
  Raw *raw = data;
  return raw->connect_done;
}

static gboolean
raw_has_messages_1 (gpointer data)
{
  Raw *raw = data;
  return raw->messages->len >= 1;
}

static gboolean
raw_has_messages_2 (gpointer data)
{
  Raw *raw = data;
  return raw->messages->len >= 2;
}

static gboolean
raw_is_closed (gpointer data)
{
  Raw *raw = data;
  return raw->closed;
}

/* Connects and waits for the challenge (messages[0]). */
static Raw *
raw_new (const char *url)
{
  Raw *raw = g_new0 (Raw, 1);
  g_autoptr(SoupMessage) msg = soup_message_new (SOUP_METHOD_GET, url);

  raw->messages = g_ptr_array_new_with_free_func ((GDestroyNotify) hormiga_message_free);
  raw->session = soup_session_new ();
  soup_session_websocket_connect_async (raw->session, msg, NULL, NULL, G_PRIORITY_DEFAULT, NULL,
                                        on_raw_connected, raw);
  g_assert_true (hormiga_test_wait_until (raw_connect_done, raw, 5000));
  g_assert_true (hormiga_test_wait_until (raw_has_messages_1, raw, 5000));
  return raw;
}

static void
raw_free (Raw *raw)
{
  if (raw->connection != NULL)
    {
      g_signal_handlers_disconnect_by_data (raw->connection, raw);
      if (soup_websocket_connection_get_state (raw->connection) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close (raw->connection, HORMIGA_CLOSE_NORMAL, NULL);
      g_object_unref (raw->connection);
    }
  g_object_unref (raw->session);
  g_ptr_array_unref (raw->messages);
  g_free (raw);
}

static void
raw_send (Raw          *raw,
          const guint8 *data,
          gsize         length)
{
  g_autoptr(GBytes) bytes = g_bytes_new (data, length);
  soup_websocket_connection_send_message (raw->connection, SOUP_WEBSOCKET_DATA_BINARY, bytes);
}

static void
raw_send_message (Raw            *raw,
                  HormigaMessage *message)
{
  g_autoptr(GBytes) bytes = hormiga_message_encode (message);
  soup_websocket_connection_send_message (raw->connection, SOUP_WEBSOCKET_DATA_BINARY, bytes);
}

/* Answers the challenge honestly; waits for the welcome (messages[1]). */
static void
raw_join (Raw             *raw,
          HormigaIdentity *identity)
{
  HormigaMessage *challenge = g_ptr_array_index (raw->messages, 0);
  guint8 transcript[HORMIGA_JOIN_TRANSCRIPT_LENGTH];
  guint8 signature[64];
  g_autoptr(HormigaMessage) join = NULL;

  g_assert_cmpint (challenge->type, ==, HORMIGA_MESSAGE_CHALLENGE);
  hormiga_protocol_join_transcript (challenge->challenge.nonce, transcript);
  hormiga_identity_sign (identity, transcript, sizeof transcript, signature);
  join = hormiga_message_new_join (hormiga_identity_get_public_key (identity), signature);
  raw_send_message (raw, join);
  g_assert_true (hormiga_test_wait_until (raw_has_messages_2, raw, 5000));
  g_assert_cmpint (((HormigaMessage *) g_ptr_array_index (raw->messages, 1))->type, ==,
                   HORMIGA_MESSAGE_WELCOME);
}

/* The last error frame the raw client got, or 0. */
static guint
raw_last_error (Raw *raw)
{
  for (guint i = raw->messages->len; i > 0; i--)
    {
      HormigaMessage *message = g_ptr_array_index (raw->messages, i - 1);

      if (message->type == HORMIGA_MESSAGE_ERROR)
        {
          g_assert_cmpstr (message->error.message, !=, "");
          return message->error.code;
        }
    }
  return 0;
}

static gboolean
raw_has_error (gpointer data)
{
  return raw_last_error (data) != 0;
}

typedef struct { Raw *raw; guint count; } RawCount;

static gboolean
raw_has_more (gpointer data)
{
  RawCount *count = data;
  return count->raw->messages->len > count->count;
}

static void
expect_kicked (Raw  *raw,
               guint error_code,
               guint close_code)
{
  g_assert_true (hormiga_test_wait_until (raw_is_closed, raw, 10000));
  g_assert_cmpuint (raw_last_error (raw), ==, error_code);
  g_assert_cmpuint (raw->close_code, ==, close_code);
}

static gint64
rejections (HormigaTestServer *server,
            const char        *reason)
{
  g_autofree char *name = g_strdup_printf ("hormiguero_rejections_total{reason=\"%s\"}", reason);
  return hormiga_test_server_metric (server, name);
}

/* ---- cases ----------------------------------------------------------------- */

static void
test_crowd (void)
{
  const char *args[] = { "--rate", "1000", "--burst", "1000", NULL };
  HormigaTestServer *server = hormiga_test_server_start (args);
  Crowd *crowd = crowd_new (hormiga_test_server_get_url (server), N_HONEST);

  g_assert_cmpint (hormiga_test_server_metric (server, "hormiguero_peers_connected"), ==, N_HONEST);

  /* Bootstrap samples: bounded, never the client itself, no duplicates, and
   * full (16) for everyone admitted after the first 16. Clients join in
   * any order, so only the counts are certain. */
  {
    guint empty = 0, full = 0;

    for (guint i = 0; i < N_HONEST; i++)
      {
        guint n = g_strv_length (crowd->honest[i]->bootstrap);

        empty += n == 0;
        full += n == 16;
      }
    g_assert_cmpuint (empty, <=, 1);
    g_assert_cmpuint (full, >=, N_HONEST - 16);
  }
  for (guint i = 0; i < N_HONEST; i++)
    {
      Honest *honest = crowd->honest[i];
      guint n = g_strv_length (honest->bootstrap);
      g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

      g_assert_cmpuint (n, <=, 16);
      for (guint j = 0; j < n; j++)
        {
          g_assert_cmpstr (honest->bootstrap[j], !=, honest->id);
          g_assert_true (g_hash_table_add (seen, honest->bootstrap[j]));
        }
    }

  exchange_signals (crowd, "crowd");
  g_assert_cmpint (hormiga_test_server_metric (server, "hormiguero_signals_forwarded_total"), ==,
                   3 * N_HONEST);

  crowd_free (crowd);
  hormiga_test_server_stop (server);
}

static void
test_hostile (void)
{
  const char *args[] = { "--rate", "100", "--burst", "100", NULL };
  HormigaTestServer *server = hormiga_test_server_start (args);
  const char *url = hormiga_test_server_get_url (server);
  Crowd *crowd = crowd_new (url, N_HONEST);
  g_autoptr(HormigaIdentity) mallory = hormiga_identity_generate ();
  Raw *raw;

  /* Garbage bytes. */
  raw = raw_new (url);
  raw_send (raw, (const guint8 *) "\xc1\xff\x00garbage", 10);
  expect_kicked (raw, HORMIGA_PROTOCOL_ERROR_MALFORMED, HORMIGA_CLOSE_MALFORMED);
  raw_free (raw);

  /* A text frame. */
  raw = raw_new (url);
  soup_websocket_connection_send_text (raw->connection, "{\"hello\": 1}");
  expect_kicked (raw, HORMIGA_PROTOCOL_ERROR_MALFORMED, HORMIGA_CLOSE_MALFORMED);
  raw_free (raw);

  /* An oversized frame (70,000 bytes). */
  raw = raw_new (url);
  {
    g_autofree guint8 *big = g_malloc0 (70000);
    raw_send (raw, big, 70000);
  }
  expect_kicked (raw, HORMIGA_PROTOCOL_ERROR_TOO_LARGE, HORMIGA_CLOSE_TOO_LARGE);
  raw_free (raw);

  /* Deep nesting: a map holding 100 nested arrays. */
  raw = raw_new (url);
  {
    guint8 deep[1 + 2 + 2 + 100];

    deep[0] = 0x81;              /* map of 1 */
    deep[1] = 0xa1; deep[2] = 'x';
    for (guint i = 0; i < 100; i++)
      deep[3 + i] = 0x91;        /* array of 1 */
    deep[103] = 0xc0;            /* nil */
    raw_send (raw, deep, 104);
  }
  expect_kicked (raw, HORMIGA_PROTOCOL_ERROR_MALFORMED, HORMIGA_CLOSE_MALFORMED);
  raw_free (raw);

  /* A join whose signature is wrong (signed with another key). */
  raw = raw_new (url);
  {
    g_autoptr(HormigaIdentity) other = hormiga_identity_generate ();
    guint8 signature[64];
    g_autoptr(HormigaMessage) join = NULL;

    hormiga_identity_sign (other, (const guint8 *) "anything", 8, signature);
    join = hormiga_message_new_join (hormiga_identity_get_public_key (mallory), signature);
    raw_send_message (raw, join);
  }
  expect_kicked (raw, HORMIGA_PROTOCOL_ERROR_BAD_SIGNATURE, HORMIGA_CLOSE_BAD_SIGNATURE);
  raw_free (raw);

  /* A signal before joining. */
  raw = raw_new (url);
  {
    g_autoptr(GBytes) payload = g_bytes_new_static ("x", 1);
    g_autoptr(HormigaMessage) signal = hormiga_message_new_signal (NULL, crowd->honest[0]->id,
                                                                   "early", payload);
    raw_send_message (raw, signal);
  }
  expect_kicked (raw, HORMIGA_PROTOCOL_ERROR_NOT_ADMITTED, HORMIGA_CLOSE_PROTOCOL);
  raw_free (raw);

  /* An envelope of version 2. */
  raw = raw_new (url);
  {
    /* {"v": 2, "t": "ping", "seq": 1} */
    static const guint8 v2[] = { 0x83, 0xa1, 'v', 0x02, 0xa1, 't', 0xa4, 'p', 'i', 'n', 'g',
                                 0xa3, 's', 'e', 'q', 0x01 };
    raw_send (raw, v2, sizeof v2);
  }
  expect_kicked (raw, HORMIGA_PROTOCOL_ERROR_UNSUPPORTED_VERSION, HORMIGA_CLOSE_PROTOCOL);
  raw_free (raw);

  /* A spoofed `from`: refused, the connection stays, the victim sees nothing. */
  raw = raw_new (url);
  raw_join (raw, mallory);
  {
    g_autoptr(GBytes) payload = g_bytes_new_static ("evil", 4);
    g_autoptr(HormigaMessage) signal = hormiga_message_new_signal (crowd->honest[1]->id,
                                                                   crowd->honest[0]->id,
                                                                   "spoof", payload);
    guint before = crowd->honest[0]->n_received;

    raw_send_message (raw, signal);
    g_assert_true (hormiga_test_wait_until (raw_has_error, raw, 5000));
    g_assert_cmpuint (raw_last_error (raw), ==, HORMIGA_PROTOCOL_ERROR_SPOOFED_FROM);
    g_assert_false (raw->closed);
    g_assert_cmpuint (crowd->honest[0]->n_received, ==, before);
  }

  /* The same connection now floods: 2,000 frames at once, far above 100/s. */
  {
    g_autoptr(HormigaMessage) ping = hormiga_message_new_ping (1);
    for (guint i = 0; i < 2000; i++)
      raw_send_message (raw, ping);
  }
  g_assert_true (hormiga_test_wait_until (raw_is_closed, raw, 10000));
  g_assert_cmpuint (raw->close_code, ==, HORMIGA_CLOSE_RATE_LIMITED);
  {
    gboolean told = FALSE;

    for (guint i = 0; i < raw->messages->len; i++)
      {
        HormigaMessage *message = g_ptr_array_index (raw->messages, i);
        told |= message->type == HORMIGA_MESSAGE_ERROR &&
                message->error.code == HORMIGA_PROTOCOL_ERROR_RATE_LIMITED;
      }
    g_assert_true (told);
  }
  raw_free (raw);

  /* The honest crowd is unaffected, and the server counted every refusal. */
  g_assert_true (hormiga_test_server_is_alive (server));
  exchange_signals (crowd, "after");
  g_assert_cmpint (rejections (server, "malformed"), ==, 3);
  g_assert_cmpint (rejections (server, "too-large"), ==, 1);
  g_assert_cmpint (rejections (server, "bad-signature"), ==, 1);
  g_assert_cmpint (rejections (server, "not-admitted"), ==, 1);
  g_assert_cmpint (rejections (server, "unsupported-version"), ==, 1);
  g_assert_cmpint (rejections (server, "spoofed-from"), ==, 1);
  g_assert_cmpint (rejections (server, "rate-limited"), >=, 1);
  g_assert_cmpint (hormiga_test_server_metric (server, "hormiguero_peers_connected"), ==, N_HONEST);

  crowd_free (crowd);
  hormiga_test_server_stop (server);
}

static void
test_handshake_timeout (void)
{
  const char *args[] = { "--handshake-timeout", "300", NULL };
  HormigaTestServer *server = hormiga_test_server_start (args);
  Raw *raw = raw_new (hormiga_test_server_get_url (server));

  /* Say nothing after the challenge. */
  expect_kicked (raw, HORMIGA_PROTOCOL_ERROR_HANDSHAKE_TIMEOUT, HORMIGA_CLOSE_HANDSHAKE_TIMEOUT);
  g_assert_cmpint (rejections (server, "handshake-timeout"), ==, 1);

  raw_free (raw);
  hormiga_test_server_stop (server);
}

static void
test_replace (void)
{
  HormigaTestServer *server = hormiga_test_server_start (NULL);
  const char *url = hormiga_test_server_get_url (server);
  g_autoptr(HormigaIdentity) identity = hormiga_identity_generate ();
  const char *id = hormiga_peer_id_to_string (hormiga_identity_get_peer_id (identity));
  Raw *first = raw_new (url);
  Raw *second;
  Honest *sender = honest_new (url);
  Crowd one = { &sender, 1, 0 };

  raw_join (first, identity);
  second = raw_new (url);
  raw_join (second, identity);
  expect_kicked (first, HORMIGA_PROTOCOL_ERROR_REPLACED, HORMIGA_CLOSE_REPLACED);

  /* Signals for that PeerID reach the new connection. */
  g_assert_true (hormiga_test_wait_until (crowd_admitted, &one, 5000));
  {
    g_autoptr(GBytes) payload = g_bytes_new_static ("hi", 2);
    g_autoptr(GError) error = NULL;
    guint before = second->messages->len;
    RawCount more = { second, before };

    g_assert_true (hormiga_signaling_client_send_signal (sender->client, id, "r", payload, &error));
    g_assert_true (hormiga_test_wait_until (raw_has_more, &more, 5000));
    g_assert_cmpint (((HormigaMessage *) g_ptr_array_index (second->messages, before))->type, ==,
                     HORMIGA_MESSAGE_SIGNAL);
  }
  g_assert_cmpint (hormiga_test_server_metric (server, "hormiguero_peers_left_total{reason=\"replaced\"}"),
                   ==, 1);

  raw_free (first);
  raw_free (second);
  honest_free (sender);
  hormiga_test_server_stop (server);
}

static void
test_server_full (void)
{
  const char *args[] = { "--max-connections", "3", NULL };
  HormigaTestServer *server = hormiga_test_server_start (args);
  const char *url = hormiga_test_server_get_url (server);
  Raw *raws[4];

  for (guint i = 0; i < 3; i++)
    raws[i] = raw_new (url);
  raws[3] = raw_new (url);
  expect_kicked (raws[3], HORMIGA_PROTOCOL_ERROR_SERVER_FULL, HORMIGA_CLOSE_SERVER_FULL);
  for (guint i = 0; i < 3; i++)
    g_assert_false (raws[i]->closed);

  for (guint i = 0; i < 4; i++)
    raw_free (raws[i]);
  hormiga_test_server_stop (server);
}

static gboolean
after_one_second (gpointer data)
{
  gint64 *deadline = data;
  return g_get_monotonic_time () >= *deadline;
}

static void
test_pong_timeout (void)
{
  const char *args[] = { "--ping-interval", "200", "--pong-timeout", "200", NULL };
  HormigaTestServer *server = hormiga_test_server_start (args);
  const char *url = hormiga_test_server_get_url (server);
  g_autoptr(HormigaIdentity) silent = hormiga_identity_generate ();
  Raw *raw = raw_new (url);
  Honest *honest = honest_new (url);
  Crowd one = { &honest, 1, 0 };
  gint64 deadline;

  raw_join (raw, silent);
  g_assert_true (hormiga_test_wait_until (crowd_admitted, &one, 5000));

  /* The raw client never answers pings and is closed; the honest one does. */
  expect_kicked (raw, HORMIGA_PROTOCOL_ERROR_PONG_TIMEOUT, HORMIGA_CLOSE_PONG_TIMEOUT);
  deadline = g_get_monotonic_time () + G_USEC_PER_SEC;
  hormiga_test_wait_until (after_one_second, &deadline, 2000);
  g_assert_cmpint (hormiga_signaling_client_get_state (honest->client), ==,
                   HORMIGA_SIGNALING_STATE_ADMITTED);
  g_assert_cmpuint (honest->n_admitted, ==, 1);
  g_assert_cmpint (hormiga_test_server_metric (server, "hormiguero_peers_left_total{reason=\"pong-timeout\"}"),
                   ==, 1);
  g_assert_cmpint (hormiga_test_server_metric (server, "hormiguero_peers_connected"), ==, 1);

  raw_free (raw);
  honest_free (honest);
  hormiga_test_server_stop (server);
}

static void
test_http (void)
{
  g_autofree char *root = g_dir_make_tmp ("hormiga-web-XXXXXX", NULL);
  g_autofree char *index = g_build_filename (root, "index.html", NULL);
  const char *args[] = { "--web-root", root, NULL };
  HormigaTestServer *plain = hormiga_test_server_start (NULL);
  HormigaTestServer *server;
  g_autofree char *body = NULL;
  guint status = 0;

  body = hormiga_test_server_http_get (plain, "/healthz", &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpstr (body, ==, "ok\n");
  g_clear_pointer (&body, g_free);

  body = hormiga_test_server_http_get (plain, "/metrics", &status);
  g_assert_cmpuint (status, ==, 200);
  for (const char * const *name = (const char * const[]) {
         "hormiguero_connections_open ", "hormiguero_peers_connected ",
         "hormiguero_frames_in_total{type=\"signal\"} ", "hormiguero_frames_out_total{type=\"welcome\"} ",
         "hormiguero_bytes_in_total ", "hormiguero_bytes_out_total ",
         "hormiguero_signals_forwarded_total ", "hormiguero_rejections_total{reason=\"malformed\"} ",
         "hormiguero_peers_left_total{reason=\"pong-timeout\"} ", NULL };
       *name != NULL; name++)
    if (strstr (body, *name) == NULL)
      g_error ("/metrics lacks %s", *name);
  g_clear_pointer (&body, g_free);

  body = hormiga_test_server_http_get (plain, "/", &status);
  g_assert_cmpuint (status, ==, 200);
  g_clear_pointer (&body, g_free);
  body = hormiga_test_server_http_get (plain, "/nothing-here", &status);
  g_assert_cmpuint (status, ==, 404);
  g_clear_pointer (&body, g_free);
  hormiga_test_server_stop (plain);

  g_assert_true (g_file_set_contents (index, "<h1>hormiga</h1>", -1, NULL));
  server = hormiga_test_server_start (args);
  body = hormiga_test_server_http_get (server, "/", &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpstr (body, ==, "<h1>hormiga</h1>");
  g_clear_pointer (&body, g_free);
  body = hormiga_test_server_http_get (server, "/%2e%2e/%2e%2e/etc/passwd", &status);
  g_assert_cmpuint (status, ==, 404);
  g_clear_pointer (&body, g_free);
  body = hormiga_test_server_http_get (server, "/../../../../etc/passwd", &status);
  g_assert_cmpuint (status, !=, 200);
  hormiga_test_server_stop (server);

  g_assert_cmpint (g_remove (index), ==, 0);
  g_assert_cmpint (g_rmdir (root), ==, 0);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/hormiga/hormiguero/crowd", test_crowd);
  g_test_add_func ("/hormiga/hormiguero/hostile", test_hostile);
  g_test_add_func ("/hormiga/hormiguero/handshake-timeout", test_handshake_timeout);
  g_test_add_func ("/hormiga/hormiguero/replace", test_replace);
  g_test_add_func ("/hormiga/hormiguero/server-full", test_server_full);
  g_test_add_func ("/hormiga/hormiguero/pong-timeout", test_pong_timeout);
  g_test_add_func ("/hormiga/hormiguero/http", test_http);
  return g_test_run ();
}
