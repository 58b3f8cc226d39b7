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
  guint                   n_spoofed;  /* signals with sid "spoof": never, across rounds */
  char                   *last_from;
  char                   *last_sid;
  GBytes                 *last_payload;
  guint                   n_errors;
  guint                   last_error;
  char                   *last_error_sid;
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
  honest->n_spoofed += g_str_equal (sid, "spoof");
  g_free (honest->last_from);
  honest->last_from = g_strdup (from);
  g_free (honest->last_sid);
  honest->last_sid = g_strdup (sid);
  g_clear_pointer (&honest->last_payload, g_bytes_unref);
  honest->last_payload = g_bytes_ref (payload);
}

static void
on_honest_error (HormigaSignalingClient *client,
                 guint                   code,
                 const char             *message,
                 const char             *sid,
                 gpointer                user_data)
{
  Honest *honest = user_data;

  g_assert_cmpstr (message, !=, "");
  honest->n_errors++;
  honest->last_error = code;
  g_free (honest->last_error_sid);
  honest->last_error_sid = g_strdup (sid);
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
  g_free (honest->last_from);
  g_free (honest->last_sid);
  g_clear_pointer (&honest->last_payload, g_bytes_unref);
  g_free (honest->last_error_sid);
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

/* Iterates the main context for @ms, so that anything still on its way
 * (a duplicate, a signal that should not exist) has time to arrive. */
static void
settle (guint ms)
{
  gint64 until = g_get_monotonic_time () + (gint64) ms * 1000;

  while (g_get_monotonic_time () < until)
    g_main_context_iteration (NULL, FALSE);
}

/* Every client sends one signal to its pair partner (i ^ 1) and three around
 * the ring; then every signal must arrive exactly once, with the right sender,
 * sid and payload, and nothing else may arrive. */
static guint
exchange_signals (Crowd      *crowd,
                  const char *round)
{
  const guint offsets[] = { 0 /* pair partner */, 1, 2, 7 };

  for (guint i = 0; i < crowd->n; i++)
    {
      g_hash_table_remove_all (crowd->honest[i]->received);
      crowd->honest[i]->n_received = 0;
      crowd->honest[i]->n_errors = 0;
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
  settle (200);

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
    {
      g_assert_cmpuint (crowd->honest[i]->n_received, ==, G_N_ELEMENTS (offsets));
      g_assert_cmpuint (g_hash_table_size (crowd->honest[i]->received), ==, G_N_ELEMENTS (offsets));
      g_assert_cmpuint (crowd->honest[i]->n_errors, ==, 0);
    }
  return crowd->n * G_N_ELEMENTS (offsets);
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

/* Answers the challenge honestly, in client mode if @client; waits for
 * the welcome (messages[1]). */
static void
raw_join_as (Raw             *raw,
             HormigaIdentity *identity,
             gboolean         client)
{
  HormigaMessage *challenge = g_ptr_array_index (raw->messages, 0);
  guint8 transcript[HORMIGA_JOIN_TRANSCRIPT_LENGTH];
  guint8 signature[64];
  g_autoptr(HormigaMessage) join = NULL;

  g_assert_cmpint (challenge->type, ==, HORMIGA_MESSAGE_CHALLENGE);
  hormiga_protocol_join_transcript (challenge->challenge.nonce, transcript);
  hormiga_identity_sign (identity, transcript, sizeof transcript, signature);
  join = hormiga_message_new_join (hormiga_identity_get_public_key (identity), signature);
  join->join.client = client;
  raw_send_message (raw, join);
  g_assert_true (hormiga_test_wait_until (raw_has_messages_2, raw, 5000));
  g_assert_cmpint (((HormigaMessage *) g_ptr_array_index (raw->messages, 1))->type, ==,
                   HORMIGA_MESSAGE_WELCOME);
}

static void
raw_join (Raw             *raw,
          HormigaIdentity *identity)
{
  raw_join_as (raw, identity, FALSE);
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

static gboolean
honest_has_error (gpointer data)
{
  Honest *honest = data;
  return honest->n_errors > 0;
}

static gint64
rejections (HormigaTestServer *server,
            const char        *reason)
{
  g_autofree char *name = g_strdup_printf ("hormiguero_rejections_total{reason=\"%s\"}", reason);
  return hormiga_test_server_metric (server, name);
}

/* ---- cases ----------------------------------------------------------------- */

/* A peer that joins in client mode (a browser page) is admitted and can be
 * signalled, but no later welcome names it. */
static void
test_client_mode_not_sampled (void)
{
  HormigaTestServer *server = hormiga_test_server_start (NULL);
  const char *url = hormiga_test_server_get_url (server);
  g_autoptr(HormigaIdentity) page = hormiga_identity_generate ();
  g_autoptr(HormigaIdentity) node = hormiga_identity_generate ();
  g_autoptr(HormigaIdentity) newcomer = hormiga_identity_generate ();
  const char *node_id = hormiga_peer_id_to_string (hormiga_identity_get_peer_id (node));
  Raw *page_raw = raw_new (url);
  Raw *node_raw = raw_new (url);
  Raw *newcomer_raw = raw_new (url);
  HormigaMessage *welcome;

  raw_join_as (page_raw, page, TRUE);
  raw_join (node_raw, node);
  welcome = g_ptr_array_index (node_raw->messages, 1);
  g_assert_cmpuint (welcome->welcome.peers->len, ==, 0);
  raw_join (newcomer_raw, newcomer);
  welcome = g_ptr_array_index (newcomer_raw->messages, 1);
  g_assert_cmpuint (welcome->welcome.peers->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (welcome->welcome.peers, 0), ==, node_id);
  g_assert_cmpint (hormiga_test_server_metric (server, "hormiguero_peers_connected"), ==, 3);

  raw_free (newcomer_raw);
  raw_free (node_raw);
  raw_free (page_raw);
  hormiga_test_server_stop (server);
}

static void
test_two_peers (void)
{
  HormigaTestServer *server = hormiga_test_server_start (NULL);
  const char *url = hormiga_test_server_get_url (server);
  static const guint8 bytes[] = { 0x00, 0x01, 0x02, 'h', 'i', 0xff, 0x00 };
  g_autoptr(GBytes) payload = g_bytes_new_static (bytes, sizeof bytes);
  g_autoptr(HormigaIdentity) absent = hormiga_identity_generate ();
  const char *absent_id = hormiga_peer_id_to_string (hormiga_identity_get_peer_id (absent));
  g_autoptr(GError) error = NULL;
  Honest *a, *b;
  Crowd one_a, one_b;
  Crowd both;
  Honest *pair[2];

  /* A first, so B's bootstrap sample is exactly A. The welcome carries the
   * PeerID the server derived: on_honest_admitted compares it with ours. */
  a = honest_new (url);
  one_a = (Crowd) { &a, 1, 0 };
  g_assert_true (hormiga_test_wait_until (crowd_admitted, &one_a, 5000));
  b = honest_new (url);
  one_b = (Crowd) { &b, 1, 0 };
  g_assert_true (hormiga_test_wait_until (crowd_admitted, &one_b, 5000));
  g_assert_cmpuint (g_strv_length (a->bootstrap), ==, 0);
  g_assert_cmpuint (g_strv_length (b->bootstrap), ==, 1);
  g_assert_cmpstr (b->bootstrap[0], ==, a->id);
  g_assert_cmpstrv (hormiga_signaling_client_get_bootstrap_peers (b->client), b->bootstrap);

  /* A → B: `from` is stamped by the server; sid and binary payload intact. */
  g_assert_true (hormiga_signaling_client_send_signal (a->client, b->id, "s-1", payload, &error));
  g_assert_no_error (error);
  one_b.want = 1;
  g_assert_true (hormiga_test_wait_until (crowd_received, &one_b, 5000));
  g_assert_cmpstr (b->last_from, ==, a->id);
  g_assert_cmpstr (b->last_sid, ==, "s-1");
  g_assert_true (g_bytes_equal (b->last_payload, payload));

  /* And back. */
  g_assert_true (hormiga_signaling_client_send_signal (b->client, a->id, "s-2", payload, &error));
  g_assert_no_error (error);
  one_a.want = 1;
  g_assert_true (hormiga_test_wait_until (crowd_received, &one_a, 5000));
  g_assert_cmpstr (a->last_from, ==, b->id);
  g_assert_cmpstr (a->last_sid, ==, "s-2");
  g_assert_true (g_bytes_equal (a->last_payload, payload));

  /* To a PeerID nobody holds: unknown-peer, with the same sid; the sender
   * stays admitted and nobody receives anything. */
  g_assert_true (hormiga_signaling_client_send_signal (a->client, absent_id, "s-lost", payload,
                                                       &error));
  g_assert_no_error (error);
  g_assert_true (hormiga_test_wait_until (honest_has_error, a, 5000));
  g_assert_cmpuint (a->last_error, ==, HORMIGA_PROTOCOL_ERROR_UNKNOWN_PEER);
  g_assert_cmpstr (a->last_error_sid, ==, "s-lost");
  settle (100);
  g_assert_cmpuint (a->n_errors, ==, 1);
  g_assert_cmpuint (a->n_received, ==, 1);
  g_assert_cmpuint (b->n_received, ==, 1);
  g_assert_cmpuint (b->n_errors, ==, 0);
  g_assert_cmpint (hormiga_signaling_client_get_state (a->client), ==,
                   HORMIGA_SIGNALING_STATE_ADMITTED);

  /* Both still talk after the refusal. */
  pair[0] = a;
  pair[1] = b;
  both = (Crowd) { pair, 2, 0 };
  exchange_signals (&both, "after");
  g_assert_cmpint (hormiga_test_server_metric (server, "hormiguero_signals_forwarded_total"), ==,
                   2 + 2 * 4);
  g_assert_cmpint (rejections (server, "unknown-peer"), ==, 1);

  honest_free (a);
  honest_free (b);
  hormiga_test_server_stop (server);
}

static void
check_bootstrap_samples (Crowd *crowd)
{
  g_autoptr(GHashTable) ids = g_hash_table_new (g_str_hash, g_str_equal);
  guint by_size[17] = { 0 };

  for (guint i = 0; i < crowd->n; i++)
    g_hash_table_add (ids, crowd->honest[i]->id);

  for (guint i = 0; i < crowd->n; i++)
    {
      Honest *honest = crowd->honest[i];
      guint n = g_strv_length (honest->bootstrap);
      g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

      g_assert_cmpuint (n, <=, 16);
      by_size[n]++;
      for (guint j = 0; j < n; j++)
        {
          g_assert_cmpstr (honest->bootstrap[j], !=, honest->id);
          g_assert_true (g_hash_table_contains (ids, honest->bootstrap[j]));
          g_assert_true (g_hash_table_add (seen, honest->bootstrap[j]));
        }
    }

  /* Whatever the join order, the k-th peer admitted saw k others, so the
   * sizes are 0, 1, …, 15 once each and 16 for all the rest. */
  for (guint k = 0; k < 16; k++)
    g_assert_cmpuint (by_size[k], ==, 1);
  g_assert_cmpuint (by_size[16], ==, crowd->n - 16);
}

static void
test_200_clients (void)
{
  /* The defaults (50 frames/s, burst 200) leave room for this exchange. */
  HormigaTestServer *server = hormiga_test_server_start (NULL);
  Crowd *crowd = crowd_new (hormiga_test_server_get_url (server), N_HONEST);
  guint sent;

  g_assert_cmpint (hormiga_test_server_metric (server, "hormiguero_peers_connected"), ==, N_HONEST);
  g_assert_cmpint (hormiga_test_server_metric (server, "hormiguero_joins_total"), ==, N_HONEST);
  check_bootstrap_samples (crowd);

  sent = exchange_signals (crowd, "crowd");
  g_assert_cmpint (hormiga_test_server_metric (server, "hormiguero_signals_forwarded_total"), ==,
                   sent);
  g_assert_cmpint (hormiga_test_server_metric (server, "hormiguero_frames_in_total{type=\"signal\"}"),
                   ==, sent);
  g_assert_cmpint (hormiga_test_server_metric (server, "hormiguero_frames_out_total{type=\"signal\"}"),
                   ==, sent);

  crowd_free (crowd);
  hormiga_test_server_stop (server);
}

/* A frame that looks like a signal but whose payload nests 100 arrays deep. */
static GBytes *
deep_frame (const char *to)
{
  GByteArray *frame = g_byte_array_new ();
  guint8 header[2];

#define PUT_STR(text) G_STMT_START {                                          \
    gsize length_ = strlen (text);                                            \
    g_assert_cmpuint (length_, <, 256);                                       \
    header[0] = 0xd9; header[1] = (guint8) length_;                           \
    g_byte_array_append (frame, header, 2);                                   \
    g_byte_array_append (frame, (const guint8 *) (text), (guint) length_);    \
  } G_STMT_END

  g_byte_array_append (frame, (const guint8 *) "\x85", 1);      /* map of 5 */
  PUT_STR ("v");
  g_byte_array_append (frame, (const guint8 *) "\x01", 1);
  PUT_STR ("t");
  PUT_STR ("signal");
  PUT_STR ("to");
  PUT_STR (to);
  PUT_STR ("sid");
  PUT_STR ("deep");
  PUT_STR ("payload");
  for (guint i = 0; i < 100; i++)
    g_byte_array_append (frame, (const guint8 *) "\x91", 1);    /* array of 1 */
  g_byte_array_append (frame, (const guint8 *) "\xc0", 1);      /* nil */
#undef PUT_STR

  return g_byte_array_free_to_bytes (frame);
}

static void
test_hostile (void)
{
  /* The default limits: 50 frames/s, burst 200, 10 s to join. */
  HormigaTestServer *server = hormiga_test_server_start (NULL);
  const char *url = hormiga_test_server_get_url (server);
  Crowd *crowd = crowd_new (url, N_HONEST);
  g_autoptr(HormigaIdentity) mallory = hormiga_identity_generate ();
  Raw *raw;

  exchange_signals (crowd, "before");

  /* Garbage bytes. */
  raw = raw_new (url);
  raw_send (raw, (const guint8 *) "\xc1\xff\x00garbage", 10);
  expect_kicked (raw, HORMIGA_PROTOCOL_ERROR_MALFORMED, HORMIGA_CLOSE_MALFORMED);
  raw_free (raw);

  /* A text frame. */
  raw = raw_new (url);
  soup_websocket_connection_send_text (raw->connection, "{\"v\": 1, \"t\": \"join\"}");
  expect_kicked (raw, HORMIGA_PROTOCOL_ERROR_MALFORMED, HORMIGA_CLOSE_MALFORMED);
  raw_free (raw);

  /* An oversized frame (70,000 bytes; the limit is 65,536). */
  raw = raw_new (url);
  {
    g_autofree guint8 *big = g_malloc0 (70000);
    raw_send (raw, big, 70000);
  }
  expect_kicked (raw, HORMIGA_PROTOCOL_ERROR_TOO_LARGE, HORMIGA_CLOSE_TOO_LARGE);
  raw_free (raw);

  /* Deep nesting inside an envelope that otherwise looks right. */
  raw = raw_new (url);
  {
    g_autoptr(GBytes) deep = deep_frame (crowd->honest[0]->id);
    soup_websocket_connection_send_message (raw->connection, SOUP_WEBSOCKET_DATA_BINARY, deep);
  }
  expect_kicked (raw, HORMIGA_PROTOCOL_ERROR_MALFORMED, HORMIGA_CLOSE_MALFORMED);
  raw_free (raw);

  /* A join whose signature is wrong (mallory's key, another key's signature
   * over the right transcript). */
  raw = raw_new (url);
  {
    HormigaMessage *challenge = g_ptr_array_index (raw->messages, 0);
    g_autoptr(HormigaIdentity) other = hormiga_identity_generate ();
    guint8 transcript[HORMIGA_JOIN_TRANSCRIPT_LENGTH];
    guint8 signature[HORMIGA_SIGNATURE_LENGTH];
    g_autoptr(HormigaMessage) join = NULL;

    g_assert_cmpint (challenge->type, ==, HORMIGA_MESSAGE_CHALLENGE);
    hormiga_protocol_join_transcript (challenge->challenge.nonce, transcript);
    hormiga_identity_sign (other, transcript, sizeof transcript, signature);
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

  /* A spoofed `from` after a correct join: refused with the sid, the
   * connection stays open, the victim sees nothing (checked at the end). */
  raw = raw_new (url);
  raw_join (raw, mallory);
  {
    g_autoptr(GBytes) payload = g_bytes_new_static ("evil", 4);
    g_autoptr(HormigaMessage) signal = hormiga_message_new_signal (crowd->honest[1]->id,
                                                                   crowd->honest[0]->id,
                                                                   "spoof", payload);
    HormigaMessage *error = NULL;

    raw_send_message (raw, signal);
    g_assert_true (hormiga_test_wait_until (raw_has_error, raw, 5000));
    for (guint i = 0; i < raw->messages->len; i++)
      if (((HormigaMessage *) g_ptr_array_index (raw->messages, i))->type == HORMIGA_MESSAGE_ERROR)
        error = g_ptr_array_index (raw->messages, i);
    g_assert_nonnull (error);
    g_assert_cmpuint (error->error.code, ==, HORMIGA_PROTOCOL_ERROR_SPOOFED_FROM);
    g_assert_cmpstr (error->error.sid, ==, "spoof");
    settle (100);
    g_assert_false (raw->closed);
    g_assert_cmpint (soup_websocket_connection_get_state (raw->connection), ==,
                     SOUP_WEBSOCKET_STATE_OPEN);
  }

  /* The same connection floods: 1,000 frames at once, far above 50/s with a
   * burst of 200. Told once, then closed. */
  {
    g_autoptr(HormigaMessage) ping = hormiga_message_new_ping (1);
    for (guint i = 0; i < 1000; i++)
      raw_send_message (raw, ping);
  }
  g_assert_true (hormiga_test_wait_until (raw_is_closed, raw, 10000));
  g_assert_cmpuint (raw->close_code, ==, HORMIGA_CLOSE_RATE_LIMITED);
  {
    guint told = 0;

    for (guint i = 0; i < raw->messages->len; i++)
      {
        HormigaMessage *message = g_ptr_array_index (raw->messages, i);
        told += message->type == HORMIGA_MESSAGE_ERROR &&
                message->error.code == HORMIGA_PROTOCOL_ERROR_RATE_LIMITED;
      }
    /* The first dropped frame is answered, and so is the close. */
    g_assert_cmpuint (told, >=, 2);
    g_assert_cmpuint (raw_last_error (raw), ==, HORMIGA_PROTOCOL_ERROR_RATE_LIMITED);
  }
  raw_free (raw);

  /* A connection that never answers the challenge, on a server of its own
   * with a short handshake timeout. */
  {
    const char *args[] = { "--handshake-timeout", "300", NULL };
    HormigaTestServer *impatient = hormiga_test_server_start (args);
    gint64 start = g_get_monotonic_time ();

    raw = raw_new (hormiga_test_server_get_url (impatient));
    expect_kicked (raw, HORMIGA_PROTOCOL_ERROR_HANDSHAKE_TIMEOUT, HORMIGA_CLOSE_HANDSHAKE_TIMEOUT);
    g_assert_cmpint (g_get_monotonic_time () - start, >=, 250 * 1000);
    g_assert_cmpint (rejections (impatient, "handshake-timeout"), ==, 1);
    g_assert_cmpint (hormiga_test_server_metric (impatient, "hormiguero_connections_open"), ==, 0);
    raw_free (raw);
    hormiga_test_server_stop (impatient);
  }

  /* The honest crowd never noticed: nobody was dropped, nobody got the
   * spoofed signal, and every signal still arrives exactly once. */
  g_assert_true (hormiga_test_server_is_alive (server));
  exchange_signals (crowd, "after");
  for (guint i = 0; i < N_HONEST; i++)
    {
      g_assert_cmpuint (crowd->honest[i]->n_spoofed, ==, 0);
      g_assert_cmpuint (crowd->honest[i]->n_admitted, ==, 1);
      g_assert_cmpint (hormiga_signaling_client_get_state (crowd->honest[i]->client), ==,
                       HORMIGA_SIGNALING_STATE_ADMITTED);
    }

  /* And the server counted every refusal. */
  g_assert_cmpint (rejections (server, "malformed"), ==, 3);
  g_assert_cmpint (rejections (server, "too-large"), ==, 1);
  g_assert_cmpint (rejections (server, "bad-signature"), ==, 1);
  g_assert_cmpint (rejections (server, "not-admitted"), ==, 1);
  g_assert_cmpint (rejections (server, "unsupported-version"), ==, 1);
  g_assert_cmpint (rejections (server, "spoofed-from"), ==, 1);
  g_assert_cmpint (rejections (server, "rate-limited"), >=, 2);
  g_assert_cmpint (rejections (server, "unknown-peer"), ==, 0);
  g_assert_cmpint (rejections (server, "handshake-timeout"), ==, 0);
  g_assert_cmpint (hormiga_test_server_metric (server, "hormiguero_frames_in_invalid_total"), ==, 5);
  g_assert_cmpint (hormiga_test_server_metric (server, "hormiguero_peers_left_total{reason=\"kicked\"}"),
                   ==, 1);
  g_assert_cmpint (hormiga_test_server_metric (server, "hormiguero_signals_forwarded_total"), ==,
                   2 * 4 * N_HONEST);
  g_assert_cmpint (hormiga_test_server_metric (server, "hormiguero_peers_connected"), ==, N_HONEST);
  g_assert_cmpint (hormiga_test_server_metric (server, "hormiguero_connections_open"), ==, N_HONEST);

  crowd_free (crowd);
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
  guint first_count;

  raw_join (first, identity);
  second = raw_new (url);
  raw_join (second, identity);
  g_assert_cmpstr (((HormigaMessage *) g_ptr_array_index (second->messages, 1))->welcome.peer_id,
                   ==, id);
  expect_kicked (first, HORMIGA_PROTOCOL_ERROR_REPLACED, HORMIGA_CLOSE_REPLACED);
  first_count = first->messages->len;

  /* Signals for that PeerID reach the new connection, and only it. */
  g_assert_true (hormiga_test_wait_until (crowd_admitted, &one, 5000));
  {
    g_autoptr(GBytes) payload = g_bytes_new_static ("hi", 2);
    g_autoptr(GError) error = NULL;
    guint before = second->messages->len;
    RawCount more = { second, before };
    HormigaMessage *signal;

    g_assert_true (hormiga_signaling_client_send_signal (sender->client, id, "r", payload, &error));
    g_assert_no_error (error);
    g_assert_true (hormiga_test_wait_until (raw_has_more, &more, 5000));
    signal = g_ptr_array_index (second->messages, before);
    g_assert_cmpint (signal->type, ==, HORMIGA_MESSAGE_SIGNAL);
    g_assert_cmpstr (signal->signal.from, ==, sender->id);
    g_assert_cmpstr (signal->signal.sid, ==, "r");
    g_assert_true (g_bytes_equal (signal->signal.payload, payload));
  }
  settle (100);
  g_assert_cmpuint (first->messages->len, ==, first_count);
  g_assert_cmpuint (sender->n_errors, ==, 0);
  g_assert_false (second->closed);
  g_assert_cmpint (hormiga_test_server_metric (server, "hormiguero_peers_left_total{reason=\"replaced\"}"),
                   ==, 1);
  g_assert_cmpint (hormiga_test_server_metric (server, "hormiguero_peers_connected"), ==, 2);

  raw_free (first);
  raw_free (second);
  honest_free (sender);
  hormiga_test_server_stop (server);
}

typedef struct { HormigaTestServer *server; gint64 want; } OpenCount;

static gboolean
connections_open_is (gpointer data)
{
  OpenCount *count = data;
  return hormiga_test_server_metric (count->server, "hormiguero_connections_open") == count->want;
}

static void
test_server_full (void)
{
  const char *args[] = { "--max-connections", "3", NULL };
  HormigaTestServer *server = hormiga_test_server_start (args);
  const char *url = hormiga_test_server_get_url (server);
  OpenCount two = { server, 2 };
  Raw *raws[4];
  Raw *later;

  for (guint i = 0; i < 3; i++)
    {
      raws[i] = raw_new (url);
      g_assert_cmpint (((HormigaMessage *) g_ptr_array_index (raws[i]->messages, 0))->type, ==,
                       HORMIGA_MESSAGE_CHALLENGE);
    }

  /* The 4th is refused. (Not 1013: libsoup, like any RFC 6455 client, refuses
   * that code in a close frame; docs/PROTOCOL.md.) */
  raws[3] = raw_new (url);
  expect_kicked (raws[3], HORMIGA_PROTOCOL_ERROR_SERVER_FULL, HORMIGA_CLOSE_SERVER_FULL);
  g_assert_cmpuint (raws[3]->messages->len, ==, 1);
  for (guint i = 0; i < 3; i++)
    g_assert_false (raws[i]->closed);
  g_assert_cmpint (rejections (server, "server-full"), ==, 1);

  /* Once one leaves there is room again. */
  raw_free (raws[0]);
  raw_free (raws[3]);
  g_assert_true (hormiga_test_wait_until (connections_open_is, &two, 5000));
  later = raw_new (url);
  g_assert_cmpint (((HormigaMessage *) g_ptr_array_index (later->messages, 0))->type, ==,
                   HORMIGA_MESSAGE_CHALLENGE);

  raw_free (later);
  raw_free (raws[1]);
  raw_free (raws[2]);
  hormiga_test_server_stop (server);
}

static gboolean
deadline_passed (gpointer data)
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
  gboolean pinged = FALSE;
  gint64 admitted_at, deadline;

  raw_join (raw, silent);
  g_assert_true (hormiga_test_wait_until (crowd_admitted, &one, 5000));
  admitted_at = g_get_monotonic_time ();

  /* The raw client is pinged, never answers, and is closed. */
  expect_kicked (raw, HORMIGA_PROTOCOL_ERROR_PONG_TIMEOUT, HORMIGA_CLOSE_PONG_TIMEOUT);
  for (guint i = 0; i < raw->messages->len; i++)
    pinged |= ((HormigaMessage *) g_ptr_array_index (raw->messages, i))->type ==
              HORMIGA_MESSAGE_PING;
  g_assert_true (pinged);

  /* The honest client answers every ping and stays for well over a second. */
  deadline = admitted_at + 1500 * 1000;
  hormiga_test_wait_until (deadline_passed, &deadline, 3000);
  g_assert_cmpint (hormiga_signaling_client_get_state (honest->client), ==,
                   HORMIGA_SIGNALING_STATE_ADMITTED);
  g_assert_cmpuint (honest->n_admitted, ==, 1);
  g_assert_cmpuint (hormiga_signaling_client_get_n_joins (honest->client), ==, 1);
  g_assert_cmpint (hormiga_test_server_metric (server, "hormiguero_peers_left_total{reason=\"pong-timeout\"}"),
                   ==, 1);
  g_assert_cmpint (hormiga_test_server_metric (server, "hormiguero_peers_connected"), ==, 1);
  g_assert_cmpint (hormiga_test_server_metric (server, "hormiguero_frames_in_total{type=\"pong\"}"),
                   >=, 2);

  raw_free (raw);
  honest_free (honest);
  hormiga_test_server_stop (server);
}

/* GET @path exactly as written, over a plain socket: an HTTP client library
 * would remove the dot segments before the server saw them. */
static guint
raw_http_status (HormigaTestServer *server,
                 const char        *path,
                 char             **body)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *request = g_strdup_printf ("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                              "Connection: close\r\n\r\n", path);
  g_autoptr(GByteArray) response = g_byte_array_new ();
  g_autofree char *text = NULL;
  guint8 buffer[4096];
  gssize n;
  guint status = 0;

  connection = g_socket_client_connect_to_host (client, "127.0.0.1",
                                                hormiga_test_server_get_port (server), NULL, &error);
  g_assert_no_error (error);
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)), request,
                             strlen (request), NULL, NULL, &error);
  g_assert_no_error (error);
  while ((n = g_input_stream_read (g_io_stream_get_input_stream (G_IO_STREAM (connection)),
                                   buffer, sizeof buffer, NULL, &error)) > 0)
    g_byte_array_append (response, buffer, (guint) n);
  g_assert_no_error (error);

  text = g_strndup ((const char *) response->data, response->len);
  g_assert_true (g_str_has_prefix (text, "HTTP/1.1 "));
  status = (guint) g_ascii_strtoull (text + strlen ("HTTP/1.1 "), NULL, 10);
  if (body != NULL)
    *body = g_strdup (strstr (text, "\r\n\r\n") ? strstr (text, "\r\n\r\n") + 4 : "");
  return status;
}

static void
test_http (void)
{
  g_autofree char *root = g_dir_make_tmp ("hormiga-web-XXXXXX", NULL);
  g_autofree char *index = g_build_filename (root, "index.html", NULL);
  g_autofree char *outside = g_strconcat (root, "-secret", NULL);
  g_autofree char *outside_name = g_path_get_basename (outside);
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
         "hormiguero_connections_open ", "hormiguero_connections_total ",
         "hormiguero_peers_connected ", "hormiguero_joins_total ",
         "hormiguero_frames_in_total{type=\"signal\"} ", "hormiguero_frames_in_invalid_total ",
         "hormiguero_frames_out_total{type=\"welcome\"} ",
         "hormiguero_bytes_in_total ", "hormiguero_bytes_out_total ",
         "hormiguero_signals_forwarded_total ",
         "hormiguero_rejections_total{reason=\"malformed\"} ",
         "hormiguero_rejections_total{reason=\"rate-limited\"} ",
         "hormiguero_rejections_total{reason=\"handshake-timeout\"} ",
         "hormiguero_peers_left_total{reason=\"pong-timeout\"} ",
         "hormiguero_peers_left_total{reason=\"replaced\"} ",
         "# TYPE hormiguero_peers_connected gauge\n",
         "# TYPE hormiguero_signals_forwarded_total counter\n", NULL };
       *name != NULL; name++)
    if (strstr (body, *name) == NULL)
      g_error ("/metrics lacks %s", *name);
  g_clear_pointer (&body, g_free);

  body = hormiga_test_server_http_get (plain, "/", &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_nonnull (strstr (body, "hormiguero"));
  g_clear_pointer (&body, g_free);
  body = hormiga_test_server_http_get (plain, "/nonexistent", &status);
  g_assert_cmpuint (status, ==, 404);
  g_clear_pointer (&body, g_free);
  hormiga_test_server_stop (plain);

  /* A web root, and a secret file right next to it. */
  g_assert_true (g_file_set_contents (index, "<h1>hormiga</h1>", -1, NULL));
  g_assert_true (g_file_set_contents (outside, "secret", -1, NULL));
  server = hormiga_test_server_start (args);
  body = hormiga_test_server_http_get (server, "/", &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpstr (body, ==, "<h1>hormiga</h1>");
  g_clear_pointer (&body, g_free);
  body = hormiga_test_server_http_get (server, "/index.html", &status);
  g_assert_cmpuint (status, ==, 200);
  g_clear_pointer (&body, g_free);
  body = hormiga_test_server_http_get (server, "/nonexistent", &status);
  g_assert_cmpuint (status, ==, 404);
  g_clear_pointer (&body, g_free);

  /* Nothing outside the root, however the path is spelled. */
  for (const char * const *path = (const char * const[]) {
         "/../../../../etc/passwd", "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
         "/./../../../../../etc/passwd", "/sub/../../../../etc/passwd", NULL };
       *path != NULL; path++)
    {
      status = raw_http_status (server, *path, &body);
      if (status != 404)
        g_error ("GET %s answered %u, not 404", *path, status);
      g_assert_null (strstr (body, "root:"));
      g_clear_pointer (&body, g_free);
    }
  /* libsoup itself refuses encoded slashes (400) before the handler runs. */
  status = raw_http_status (server, "/..%2f..%2f..%2f..%2fetc%2fpasswd", &body);
  g_assert_true (status == 400 || status == 404);
  g_assert_null (strstr (body, "root:"));
  g_clear_pointer (&body, g_free);
  {
    g_autofree char *sibling = g_strdup_printf ("/../%s", outside_name);

    status = raw_http_status (server, sibling, &body);
    g_assert_cmpuint (status, ==, 404);
    g_assert_null (strstr (body, "secret"));
    g_clear_pointer (&body, g_free);
  }
  hormiga_test_server_stop (server);

  g_assert_cmpint (g_remove (outside), ==, 0);
  g_assert_cmpint (g_remove (index), ==, 0);
  g_assert_cmpint (g_rmdir (root), ==, 0);
}

int
main (int    argc,
      char **argv)
{
#ifdef __SANITIZE_ADDRESS__
  /* tests/lsan.supp names libsoup 3.2's leaked server socket by a frame that
   * only the slow unwinder finds; `make test-asan` sets this, and so do we
   * for the hormiguero processes when meson test runs us directly. */
  if (g_getenv ("ASAN_OPTIONS") == NULL)
    g_setenv ("ASAN_OPTIONS", "fast_unwind_on_malloc=0", TRUE);
#endif

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/hormiga/hormiguero/two-peers", test_two_peers);
  g_test_add_func ("/hormiga/hormiguero/client-mode-not-sampled", test_client_mode_not_sampled);
  g_test_add_func ("/hormiga/hormiguero/200-clients", test_200_clients);
  g_test_add_func ("/hormiga/hormiguero/hostile", test_hostile);
  g_test_add_func ("/hormiga/hormiguero/replace", test_replace);
  g_test_add_func ("/hormiga/hormiguero/server-full", test_server_full);
  g_test_add_func ("/hormiga/hormiguero/pong-timeout", test_pong_timeout);
  g_test_add_func ("/hormiga/hormiguero/http", test_http);
  return g_test_run ();
}
