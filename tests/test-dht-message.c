/* test-dht-message.c — DHT messages: round trips, exact bytes, rejections
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "hormiga-dht-error.h"
#include "hormiga-dht-message.h"
#include "hormiga-identity.h"
#include "test-msgpack-writer.h"

/* ---- helpers ----------------------------------------------------------- */

/* The PeerID of the identity whose seed is 32 bytes of @n. */
static HormigaPeerId *
peer_new (guint8 n)
{
  guint8 seed[32];
  g_autoptr(HormigaIdentity) identity = NULL;

  memset (seed, n, sizeof seed);
  identity = hormiga_identity_new_from_seed (seed);
  return hormiga_peer_id_ref (hormiga_identity_get_peer_id (identity));
}

static void
add_nodes (HormigaDhtMessage *message,
           guint              n)
{
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (message->nodes, peer_new ((guint8) (i + 1)));
}

/* @size bytes, each @fill + its index. */
static GBytes *
record_new (gsize  size,
            guint8 fill)
{
  guint8 *data = g_malloc (size);

  for (gsize i = 0; i < size; i++)
    data[i] = (guint8) (fill + i);
  return g_bytes_new_take (data, size);
}

static void
set_key (HormigaDhtMessage *message)
{
  for (guint i = 0; i < HORMIGA_DHT_KEY_SIZE; i++)
    message->key.bytes[i] = (guint8) (0xa0 + i);
}

static gboolean
type_has_key (HormigaDhtMessageType type)
{
  return type == HORMIGA_DHT_MESSAGE_FIND_NODE || type == HORMIGA_DHT_MESSAGE_GET_VALUE ||
         type == HORMIGA_DHT_MESSAGE_GET_PROVIDERS;
}

static void
assert_messages_equal (const HormigaDhtMessage *a,
                       const HormigaDhtMessage *b)
{
  g_assert_cmpint (a->type, ==, b->type);
  g_assert_cmpuint (a->id, ==, b->id);
  g_assert_cmpint (!!a->client, ==, !!b->client);
  if (type_has_key (a->type))
    g_assert_cmpmem (a->key.bytes, HORMIGA_DHT_KEY_SIZE, b->key.bytes, HORMIGA_DHT_KEY_SIZE);

  g_assert_cmpuint (a->nodes->len, ==, b->nodes->len);
  for (guint i = 0; i < a->nodes->len; i++)
    g_assert_true (hormiga_peer_id_equal (g_ptr_array_index (a->nodes, i),
                                          g_ptr_array_index (b->nodes, i)));

  g_assert_true ((a->record == NULL) == (b->record == NULL));
  if (a->record != NULL)
    g_assert_true (g_bytes_equal (a->record, b->record));

  g_assert_cmpuint (a->records->len, ==, b->records->len);
  for (guint i = 0; i < a->records->len; i++)
    g_assert_true (g_bytes_equal (g_ptr_array_index (a->records, i),
                                  g_ptr_array_index (b->records, i)));

  g_assert_cmpuint (a->code, ==, b->code);
  g_assert_cmpstr (a->text, ==, b->text);
  g_assert_cmpstr (a->name, ==, b->name);
}

/* Encodes @message (taken), decodes it, checks every field survived and
 * that encoding the decoded message gives the same bytes. */
static void
assert_round_trip (HormigaDhtMessage *message)
{
  g_autoptr(HormigaDhtMessage) owned = message;
  g_autoptr(HormigaDhtMessage) decoded = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GBytes) again = NULL;
  g_autoptr(GError) error = NULL;

  bytes = hormiga_dht_message_encode (owned);
  g_assert_nonnull (bytes);
  g_assert_cmpuint (g_bytes_get_size (bytes), <=, HORMIGA_DHT_MESSAGE_MAX_SIZE);
  decoded = hormiga_dht_message_decode (bytes, &error);
  g_assert_no_error (error);
  g_assert_nonnull (decoded);
  assert_messages_equal (owned, decoded);

  again = hormiga_dht_message_encode (decoded);
  g_assert_true (g_bytes_equal (bytes, again));
}

static HormigaDhtMessage *
decode_array (GByteArray  *frame,
              GError     **error)
{
  g_autoptr(GBytes) bytes = g_bytes_new (frame->data, frame->len);

  return hormiga_dht_message_decode (bytes, error);
}

/* Decodes @frame (taken) and checks it fails with @code and a message that
 * contains @fragment. */
static void
assert_refused (GByteArray      *frame,
                int              code,
                const char      *fragment)
{
  g_autoptr(GByteArray) owned = frame;
  g_autoptr(GError) error = NULL;
  g_autoptr(HormigaDhtMessage) message = decode_array (owned, &error);

  g_assert_null (message);
  g_assert_error (error, HORMIGA_DHT_ERROR, code);
  g_test_message ("refused: %s", error->message);
  if (strstr (error->message, fragment) == NULL)
    g_error ("error \"%s\" does not contain \"%s\"", error->message, fragment);
}

/* A map of "v": 1, "t": @type, "id": 1 and @n_fields more entries. */
static GByteArray *
frame_new (const char *type,
           guint       n_fields)
{
  GByteArray *b = g_byte_array_new ();

  mp_envelope (b, type, 1 + n_fields);
  mp_str (b, "id");
  mp_uint (b, 1);
  return b;
}

static void
mp_peer (GByteArray *b,
         guint8      n)
{
  g_autoptr(HormigaPeerId) peer = peer_new (n);
  gsize length = 0;
  const guint8 *data = hormiga_peer_id_get_bytes (peer, &length);

  mp_bin (b, data, length);
}

/* ---- names -------------------------------------------------------------- */

static void
test_type_names (void)
{
  static const char *const names[] = {
    "ping", "pong", "find-node", "nodes", "get-value", "value", "put-value", "add-provider",
    "stored", "get-providers", "providers", "error", "relay", "hello", "lookup",
  };
  static const gboolean requests[] = {
    TRUE, FALSE, TRUE, FALSE, TRUE, FALSE, TRUE, TRUE, FALSE, TRUE, FALSE, FALSE, FALSE, FALSE,
    TRUE,
  };

  for (guint t = 0; t < G_N_ELEMENTS (names); t++)
    {
      g_assert_cmpstr (hormiga_dht_message_type_to_string (t), ==, names[t]);
      g_assert_cmpint (hormiga_dht_message_is_request (t), ==, requests[t]);
    }
  g_assert_cmpstr (hormiga_dht_message_type_to_string (G_N_ELEMENTS (names)), ==, "unknown");
  g_assert_false (hormiga_dht_message_is_request (G_N_ELEMENTS (names)));
}

static void
test_new (void)
{
  g_autoptr(HormigaDhtMessage) message = hormiga_dht_message_new (HORMIGA_DHT_MESSAGE_NODES, 9);

  g_assert_cmpint (message->type, ==, HORMIGA_DHT_MESSAGE_NODES);
  g_assert_cmpuint (message->id, ==, 9);
  g_assert_nonnull (message->nodes);
  g_assert_cmpuint (message->nodes->len, ==, 0);
  g_assert_nonnull (message->records);
  g_assert_cmpuint (message->records->len, ==, 0);
  g_assert_null (message->record);
  g_assert_null (message->text);
}

/* ---- round trips -------------------------------------------------------- */

static void
test_round_trip_requests (void)
{
  HormigaDhtMessage *m;

  m = hormiga_dht_message_new (HORMIGA_DHT_MESSAGE_PING, 0);
  assert_round_trip (m);
  m = hormiga_dht_message_new (HORMIGA_DHT_MESSAGE_PING, G_MAXUINT32);
  m->client = TRUE;
  assert_round_trip (m);

  for (guint i = 0; i < 2; i++)
    {
      static const HormigaDhtMessageType keyed[] = {
        HORMIGA_DHT_MESSAGE_FIND_NODE, HORMIGA_DHT_MESSAGE_GET_VALUE,
        HORMIGA_DHT_MESSAGE_GET_PROVIDERS,
      };

      for (guint k = 0; k < G_N_ELEMENTS (keyed); k++)
        {
          m = hormiga_dht_message_new (keyed[k], 1000 + k);
          m->client = i == 1;
          set_key (m);
          assert_round_trip (m);
        }

      m = hormiga_dht_message_new (HORMIGA_DHT_MESSAGE_PUT_VALUE, 70000);
      m->client = i == 1;
      m->record = record_new (HORMIGA_DHT_MESSAGE_MAX_RECORD, 3);
      assert_round_trip (m);

      m = hormiga_dht_message_new (HORMIGA_DHT_MESSAGE_ADD_PROVIDER, 5);
      m->client = i == 1;
      m->record = record_new (1, 0x42);
      assert_round_trip (m);
    }
}

static void
test_round_trip_responses (void)
{
  HormigaDhtMessage *m;

  m = hormiga_dht_message_new (HORMIGA_DHT_MESSAGE_PONG, 7);
  assert_round_trip (m);

  m = hormiga_dht_message_new (HORMIGA_DHT_MESSAGE_NODES, 8);
  assert_round_trip (m);
  m = hormiga_dht_message_new (HORMIGA_DHT_MESSAGE_NODES, 8);
  add_nodes (m, HORMIGA_DHT_MESSAGE_MAX_NODES);
  assert_round_trip (m);

  m = hormiga_dht_message_new (HORMIGA_DHT_MESSAGE_VALUE, 9);
  add_nodes (m, 3);
  assert_round_trip (m);
  m = hormiga_dht_message_new (HORMIGA_DHT_MESSAGE_VALUE, 9);
  m->record = record_new (HORMIGA_DHT_MESSAGE_MAX_RECORD, 0);
  add_nodes (m, HORMIGA_DHT_MESSAGE_MAX_NODES);
  assert_round_trip (m);

  m = hormiga_dht_message_new (HORMIGA_DHT_MESSAGE_STORED, 10);
  assert_round_trip (m);

  m = hormiga_dht_message_new (HORMIGA_DHT_MESSAGE_PROVIDERS, 11);
  assert_round_trip (m);
  m = hormiga_dht_message_new (HORMIGA_DHT_MESSAGE_PROVIDERS, 11);
  for (guint i = 0; i < HORMIGA_DHT_MESSAGE_MAX_RECORDS; i++)
    g_ptr_array_add (m->records, record_new (200 + i * 100, (guint8) i));
  add_nodes (m, HORMIGA_DHT_MESSAGE_MAX_NODES);
  assert_round_trip (m);

  m = hormiga_dht_message_new (HORMIGA_DHT_MESSAGE_ERROR, 12);
  m->code = HORMIGA_DHT_ERROR_STORAGE_FULL;
  m->text = g_strdup ("this node's store is full; ¡prueba otro!");
  assert_round_trip (m);
  m = hormiga_dht_message_new (HORMIGA_DHT_MESSAGE_ERROR, 12);
  m->code = G_MAXUINT32;
  m->text = g_strnfill (HORMIGA_DHT_MESSAGE_MAX_TEXT, 'x');
  assert_round_trip (m);
  m = hormiga_dht_message_new (HORMIGA_DHT_MESSAGE_ERROR, 12);
  m->text = g_strdup ("");
  assert_round_trip (m);
}

/* Fields that do not belong to the type are not written; an error's NULL
 * text is written as "". */
static void
test_encode_ignores_other_fields (void)
{
  g_autoptr(HormigaDhtMessage) m = hormiga_dht_message_new (HORMIGA_DHT_MESSAGE_PONG, 7);
  g_autoptr(HormigaDhtMessage) plain = hormiga_dht_message_new (HORMIGA_DHT_MESSAGE_PONG, 7);
  g_autoptr(HormigaDhtMessage) error_message = NULL;
  g_autoptr(HormigaDhtMessage) decoded = NULL;
  g_autoptr(GBytes) a = NULL;
  g_autoptr(GBytes) b = NULL;
  g_autoptr(GBytes) c = NULL;
  g_autoptr(GError) error = NULL;

  m->client = TRUE;
  set_key (m);
  m->record = record_new (10, 0);
  m->code = 3;
  m->text = g_strdup ("ignored");
  add_nodes (m, 2);
  a = hormiga_dht_message_encode (m);
  b = hormiga_dht_message_encode (plain);
  g_assert_true (g_bytes_equal (a, b));

  error_message = hormiga_dht_message_new (HORMIGA_DHT_MESSAGE_ERROR, 1);
  c = hormiga_dht_message_encode (error_message);
  decoded = hormiga_dht_message_decode (c, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (decoded->text, ==, "");
}

/* ---- exact bytes -------------------------------------------------------- */

static void
assert_golden (HormigaDhtMessage *message,
               const guint8      *expected,
               gsize              expected_length)
{
  g_autoptr(HormigaDhtMessage) owned = message;
  g_autoptr(GBytes) bytes = hormiga_dht_message_encode (owned);
  g_autoptr(GBytes) golden = g_bytes_new_static (expected, expected_length);
  g_autoptr(HormigaDhtMessage) decoded = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), expected,
                   expected_length);
  decoded = hormiga_dht_message_decode (golden, &error);
  g_assert_no_error (error);
  assert_messages_equal (owned, decoded);
}

static void
test_golden (void)
{
  static const guint8 ping[] = {
    0x83,                                      /* map, 3 entries */
    0xa1, 'v', 0x01,                           /* "v": 1 */
    0xa1, 't', 0xa4, 'p', 'i', 'n', 'g',       /* "t": "ping" */
    0xa2, 'i', 'd', 0x07,                      /* "id": 7 */
  };
  static const guint8 find_node[] = {
    0x85,
    0xa1, 'v', 0x01,
    0xa1, 't', 0xa9, 'f', 'i', 'n', 'd', '-', 'n', 'o', 'd', 'e',
    0xa2, 'i', 'd', 0xcd, 0x01, 0x2c,          /* "id": 300 */
    0xa6, 'c', 'l', 'i', 'e', 'n', 't', 0xc3,  /* "client": true */
    0xa3, 'k', 'e', 'y', 0xc4, 0x20,           /* "key": bin 8, 32 bytes */
    0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf,
    0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xbb, 0xbc, 0xbd, 0xbe, 0xbf,
  };
  static const guint8 error[] = {
    0x85,
    0xa1, 'v', 0x01,
    0xa1, 't', 0xa5, 'e', 'r', 'r', 'o', 'r',
    0xa2, 'i', 'd', 0x07,
    0xa4, 'c', 'o', 'd', 'e', 0x08,            /* "code": 8 (storage-full) */
    0xa4, 't', 'e', 'x', 't', 0xa4, 'f', 'u', 'l', 'l',
  };
  HormigaDhtMessage *m;

  assert_golden (hormiga_dht_message_new (HORMIGA_DHT_MESSAGE_PING, 7), ping, sizeof ping);
  G_STATIC_ASSERT (sizeof ping == 15);

  m = hormiga_dht_message_new (HORMIGA_DHT_MESSAGE_FIND_NODE, 300);
  m->client = TRUE;
  set_key (m);
  assert_golden (m, find_node, sizeof find_node);

  m = hormiga_dht_message_new (HORMIGA_DHT_MESSAGE_ERROR, 7);
  m->code = HORMIGA_DHT_ERROR_STORAGE_FULL;
  m->text = g_strdup ("full");
  assert_golden (m, error, sizeof error);
}

/* ---- what the decoder accepts ------------------------------------------- */

/* Any key order, any integer width, unknown keys (even repeated), and an
 * explicit "client": false. */
static void
test_decode_lenient (void)
{
  g_autoptr(GByteArray) b = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(HormigaDhtMessage) m = NULL;

  mp_map (b, 7);
  mp_str (b, "key");
  mp_bin (b, NULL, 32);
  mp_str (b, "later");
  mp_array (b, 2);
  mp_map (b, 0);
  mp_str (b, "x");
  mp_str (b, "id");
  mp_byte (b, 0xcf);
  mp_be (b, 42, 8);
  mp_str (b, "later");
  mp_uint (b, 1);
  mp_str (b, "t");
  mp_str (b, "get-value");
  mp_str (b, "client");
  mp_byte (b, 0xc2);
  mp_str (b, "v");
  mp_byte (b, 0xcd);
  mp_be (b, 1, 2);

  m = decode_array (b, &error);
  g_assert_no_error (error);
  g_assert_cmpint (m->type, ==, HORMIGA_DHT_MESSAGE_GET_VALUE);
  g_assert_cmpuint (m->id, ==, 42);
  g_assert_false (m->client);
  for (guint i = 0; i < HORMIGA_DHT_KEY_SIZE; i++)
    g_assert_cmpuint (m->key.bytes[i], ==, i);
}

/* ---- rejections --------------------------------------------------------- */

static void
test_refuse_not_a_map (void)
{
  GByteArray *b;

  b = g_byte_array_new ();
  assert_refused (b, HORMIGA_DHT_ERROR_MALFORMED, "empty");

  b = g_byte_array_new ();
  mp_array (b, 1);
  mp_uint (b, 1);
  assert_refused (b, HORMIGA_DHT_ERROR_MALFORMED, "a DHT message is a map");

  b = g_byte_array_new ();
  mp_str (b, "ping");
  assert_refused (b, HORMIGA_DHT_ERROR_MALFORMED, "got str of 4 bytes");

  b = g_byte_array_new ();
  mp_map (b, 1);
  mp_uint (b, 1);
  mp_uint (b, 1);
  assert_refused (b, HORMIGA_DHT_ERROR_MALFORMED, "keys must be str");

  /* Not MessagePack at all: a truncated str header. */
  b = g_byte_array_new ();
  mp_byte (b, 0xd9);
  assert_refused (b, HORMIGA_DHT_ERROR_MALFORMED, "truncated");
}

static void
test_refuse_version (void)
{
  GByteArray *b;

  b = g_byte_array_new ();
  mp_map (b, 2);
  mp_str (b, "t");
  mp_str (b, "ping");
  mp_str (b, "id");
  mp_uint (b, 1);
  assert_refused (b, HORMIGA_DHT_ERROR_MALFORMED, "needs \"v\": 1");

  b = g_byte_array_new ();
  mp_map (b, 3);
  mp_str (b, "v");
  mp_uint (b, 2);
  mp_str (b, "t");
  mp_str (b, "ping");
  mp_str (b, "id");
  mp_uint (b, 1);
  assert_refused (b, HORMIGA_DHT_ERROR_MALFORMED, "got uint 2");

  /* The version is checked before the type. */
  b = g_byte_array_new ();
  mp_map (b, 3);
  mp_str (b, "v");
  mp_str (b, "1");
  mp_str (b, "t");
  mp_str (b, "teleport");
  mp_str (b, "id");
  mp_uint (b, 1);
  assert_refused (b, HORMIGA_DHT_ERROR_MALFORMED, "got str of 1 byte");
}

static void
test_refuse_type (void)
{
  GByteArray *b;

  b = frame_new ("store", 0);
  assert_refused (b, HORMIGA_DHT_ERROR_UNKNOWN_TYPE, "type \"store\" is unknown");

  b = frame_new ("PING", 0);
  assert_refused (b, HORMIGA_DHT_ERROR_UNKNOWN_TYPE, "\"PING\"");

  /* Untrusted names are escaped and cut. */
  b = frame_new ("a\"b\nc", 0);
  assert_refused (b, HORMIGA_DHT_ERROR_UNKNOWN_TYPE, "\"a\\x22b\\x0ac\"");

  b = g_byte_array_new ();
  mp_map (b, 2);
  mp_str (b, "v");
  mp_uint (b, 1);
  mp_str (b, "id");
  mp_uint (b, 1);
  assert_refused (b, HORMIGA_DHT_ERROR_MALFORMED, "needs \"t\"");

  b = g_byte_array_new ();
  mp_map (b, 3);
  mp_str (b, "v");
  mp_uint (b, 1);
  mp_str (b, "t");
  mp_uint (b, 0);
  mp_str (b, "id");
  mp_uint (b, 1);
  assert_refused (b, HORMIGA_DHT_ERROR_MALFORMED, "got uint 0");
}

static void
test_refuse_id (void)
{
  GByteArray *b;

  for (guint t = 0; t <= HORMIGA_DHT_MESSAGE_ERROR; t++)
    {
      g_autofree char *expected =
        g_strdup_printf ("%s needs \"id\"", hormiga_dht_message_type_to_string (t));

      b = g_byte_array_new ();
      mp_envelope (b, hormiga_dht_message_type_to_string (t), 0);
      assert_refused (b, HORMIGA_DHT_ERROR_MALFORMED, expected);
    }

  b = g_byte_array_new ();
  mp_envelope (b, "ping", 1);
  mp_str (b, "id");
  mp_uint (b, (guint64) G_MAXUINT32 + 1);
  assert_refused (b, HORMIGA_DHT_ERROR_MALFORMED,
                  "a ping needs \"id\": a uint of at most 4294967295; got uint 4294967296");

  b = g_byte_array_new ();
  mp_envelope (b, "pong", 1);
  mp_str (b, "id");
  mp_byte (b, 0xff);
  assert_refused (b, HORMIGA_DHT_ERROR_MALFORMED, "got negative int -1");
}

static void
test_refuse_missing_fields (void)
{
  static const struct
  {
    const char *type;
    const char *message;
  } cases[] = {
    { "find-node", "a find-node needs \"key\": 32 bytes; it is missing" },
    { "get-value", "a get-value needs \"key\": 32 bytes; it is missing" },
    { "get-providers", "a get-providers needs \"key\": 32 bytes; it is missing" },
    { "put-value", "a put-value needs \"record\"" },
    { "add-provider", "an add-provider needs \"record\"" },
    { "nodes", "a nodes needs \"nodes\"" },
    { "value", "a value needs \"nodes\"" },
    { "providers", "a providers needs \"records\"" },
    { "error", "an error needs \"code\"" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    assert_refused (frame_new (cases[i].type, 0), HORMIGA_DHT_ERROR_MALFORMED, cases[i].message);

  {
    GByteArray *b = frame_new ("providers", 1);

    mp_str (b, "records");
    mp_array (b, 0);
    assert_refused (b, HORMIGA_DHT_ERROR_MALFORMED, "a providers needs \"nodes\"");
  }
  {
    GByteArray *b = frame_new ("error", 1);

    mp_str (b, "code");
    mp_uint (b, 1);
    assert_refused (b, HORMIGA_DHT_ERROR_MALFORMED, "an error needs \"text\"");
  }
}

/* A known field on a type that does not carry it. */
static void
test_refuse_foreign_fields (void)
{
  GByteArray *b;

  b = frame_new ("ping", 1);
  mp_str (b, "key");
  mp_bin (b, NULL, 32);
  assert_refused (b, HORMIGA_DHT_ERROR_MALFORMED, "a ping does not carry \"key\"");

  b = frame_new ("pong", 1);
  mp_str (b, "client");
  mp_byte (b, 0xc3);
  assert_refused (b, HORMIGA_DHT_ERROR_MALFORMED,
                  "a pong does not carry \"client\"; only requests do");

  b = frame_new ("find-node", 2);
  mp_str (b, "key");
  mp_bin (b, NULL, 32);
  mp_str (b, "nodes");
  mp_array (b, 0);
  assert_refused (b, HORMIGA_DHT_ERROR_MALFORMED, "a find-node does not carry \"nodes\"");

  b = frame_new ("nodes", 2);
  mp_str (b, "nodes");
  mp_array (b, 0);
  mp_str (b, "record");
  mp_bin (b, NULL, 4);
  assert_refused (b, HORMIGA_DHT_ERROR_MALFORMED, "a nodes does not carry \"record\"");

  b = frame_new ("stored", 1);
  mp_str (b, "text");
  mp_str (b, "ok");
  assert_refused (b, HORMIGA_DHT_ERROR_MALFORMED, "a stored does not carry \"text\"");
}

static void
test_refuse_wrong_types (void)
{
  GByteArray *b;

  b = frame_new ("find-node", 1);
  mp_str (b, "key");
  mp_bin (b, NULL, 31);
  assert_refused (b, HORMIGA_DHT_ERROR_MALFORMED,
                  "a find-node needs \"key\": 32 bytes; got bin of 31 bytes");

  b = frame_new ("get-providers", 1);
  mp_str (b, "key");
  mp_bin (b, NULL, 33);
  assert_refused (b, HORMIGA_DHT_ERROR_MALFORMED, "got bin of 33 bytes");

  b = frame_new ("get-value", 1);
  mp_str (b, "key");
  mp_str_fill (b, 'k', 32);
  assert_refused (b, HORMIGA_DHT_ERROR_MALFORMED, "got str of 32 bytes");

  b = frame_new ("ping", 1);
  mp_str (b, "client");
  mp_uint (b, 1);
  assert_refused (b, HORMIGA_DHT_ERROR_MALFORMED, "a ping needs \"client\": a bool; got uint 1");

  b = frame_new ("put-value", 1);
  mp_str (b, "record");
  mp_str (b, "abc");
  assert_refused (b, HORMIGA_DHT_ERROR_MALFORMED, "a put-value needs \"record\"");

  b = frame_new ("nodes", 1);
  mp_str (b, "nodes");
  mp_map (b, 0);
  assert_refused (b, HORMIGA_DHT_ERROR_MALFORMED, "got map of 0 entries");

  b = frame_new ("error", 2);
  mp_str (b, "code");
  mp_str (b, "8");
  mp_str (b, "text");
  mp_str (b, "x");
  assert_refused (b, HORMIGA_DHT_ERROR_MALFORMED, "an error needs \"code\"");

  b = frame_new ("error", 2);
  mp_str (b, "code");
  mp_uint (b, 8);
  mp_str (b, "text");
  mp_bin (b, (const guint8 *) "x", 1);
  assert_refused (b, HORMIGA_DHT_ERROR_MALFORMED, "an error needs \"text\"");
}

static void
test_refuse_nodes (void)
{
  static const guint8 not_ed25519[HORMIGA_PEER_ID_LENGTH] = { 0x00, 0x24, 0x08, 0x01, 0x12, 0x21 };
  GByteArray *b;

  b = frame_new ("nodes", 1);
  mp_str (b, "nodes");
  mp_array (b, 2);
  mp_peer (b, 1);
  mp_bin (b, NULL, 37);
  assert_refused (b, HORMIGA_DHT_ERROR_MALFORMED,
                  "\"nodes[1]\" in a nodes must be a PeerID, a bin of 38 bytes; got bin of 37 "
                  "bytes");

  b = frame_new ("value", 1);
  mp_str (b, "nodes");
  mp_array (b, 1);
  mp_str (b, "12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq");
  assert_refused (b, HORMIGA_DHT_ERROR_MALFORMED, "got str of 52 bytes");

  b = frame_new ("providers", 2);
  mp_str (b, "records");
  mp_array (b, 0);
  mp_str (b, "nodes");
  mp_array (b, 1);
  mp_bin (b, not_ed25519, sizeof not_ed25519);
  assert_refused (b, HORMIGA_DHT_ERROR_MALFORMED, "\"nodes[0]\" in a providers is not a valid PeerID");

  b = frame_new ("nodes", 1);
  mp_str (b, "nodes");
  mp_array (b, HORMIGA_DHT_MESSAGE_MAX_NODES + 1);
  for (guint i = 0; i <= HORMIGA_DHT_MESSAGE_MAX_NODES; i++)
    mp_peer (b, (guint8) (i + 1));
  assert_refused (b, HORMIGA_DHT_ERROR_TOO_LARGE,
                  "\"nodes\" in a nodes has 21 elements; the limit is 20");

  /* Far above the limit: refused by the structural check, before unpacking. */
  b = frame_new ("nodes", 1);
  mp_str (b, "nodes");
  mp_array (b, 1000);
  for (guint i = 0; i < 1000; i++)
    mp_bin (b, NULL, 38);
  assert_refused (b, HORMIGA_DHT_ERROR_TOO_LARGE, "1000 elements");
}

static void
test_refuse_records (void)
{
  GByteArray *b;

  b = frame_new ("put-value", 1);
  mp_str (b, "record");
  mp_bin (b, NULL, HORMIGA_DHT_MESSAGE_MAX_RECORD + 1);
  assert_refused (b, HORMIGA_DHT_ERROR_TOO_LARGE,
                  "\"record\" in a put-value is 20481 bytes; the limit for a record is 20480");

  b = frame_new ("value", 2);
  mp_str (b, "record");
  mp_bin (b, NULL, 0);
  mp_str (b, "nodes");
  mp_array (b, 0);
  assert_refused (b, HORMIGA_DHT_ERROR_MALFORMED, "got bin of 0 bytes");

  b = frame_new ("providers", 2);
  mp_str (b, "nodes");
  mp_array (b, 0);
  mp_str (b, "records");
  mp_array (b, HORMIGA_DHT_MESSAGE_MAX_RECORDS + 1);
  for (guint i = 0; i <= HORMIGA_DHT_MESSAGE_MAX_RECORDS; i++)
    mp_bin (b, NULL, 10);
  assert_refused (b, HORMIGA_DHT_ERROR_TOO_LARGE,
                  "\"records\" in a providers has 21 elements; the limit is 20");

  b = frame_new ("providers", 2);
  mp_str (b, "nodes");
  mp_array (b, 0);
  mp_str (b, "records");
  mp_array (b, 2);
  mp_bin (b, NULL, 10);
  mp_bin (b, NULL, HORMIGA_DHT_MESSAGE_MAX_RECORD + 1);
  assert_refused (b, HORMIGA_DHT_ERROR_TOO_LARGE, "\"records[1]\" in a providers is 20481 bytes");

  b = frame_new ("providers", 2);
  mp_str (b, "nodes");
  mp_array (b, 0);
  mp_str (b, "records");
  mp_array (b, 1);
  mp_uint (b, 5);
  assert_refused (b, HORMIGA_DHT_ERROR_MALFORMED, "needs \"records[0]\"");
}

static void
test_refuse_text (void)
{
  GByteArray *b;

  b = frame_new ("error", 2);
  mp_str (b, "code");
  mp_uint (b, 1);
  mp_str (b, "text");
  mp_str_len (b, "bad\0text", 8);
  assert_refused (b, HORMIGA_DHT_ERROR_MALFORMED, "\"text\" in an error contains a NUL byte");

  b = frame_new ("error", 2);
  mp_str (b, "code");
  mp_uint (b, 1);
  mp_str (b, "text");
  mp_str_fill (b, 'x', HORMIGA_DHT_MESSAGE_MAX_TEXT + 1);
  assert_refused (b, HORMIGA_DHT_ERROR_TOO_LARGE, "\"text\" in an error is 257 bytes");

  b = frame_new ("error", 2);
  mp_str (b, "code");
  mp_uint (b, 1);
  mp_str (b, "text");
  mp_str_len (b, "\xff\xfe", 2);
  assert_refused (b, HORMIGA_DHT_ERROR_MALFORMED, "not valid UTF-8");

  b = frame_new ("error", 2);
  mp_str (b, "code");
  mp_uint (b, 1);
  mp_str (b, "text");
  mp_str_fill (b, 'x', 5000);
  assert_refused (b, HORMIGA_DHT_ERROR_TOO_LARGE, "string at offset");
}

static void
test_refuse_duplicates (void)
{
  GByteArray *b;

  b = frame_new ("ping", 1);
  mp_str (b, "id");
  mp_uint (b, 2);
  assert_refused (b, HORMIGA_DHT_ERROR_MALFORMED, "\"id\" appears twice");

  b = frame_new ("ping", 1);
  mp_str (b, "v");
  mp_uint (b, 1);
  assert_refused (b, HORMIGA_DHT_ERROR_MALFORMED, "\"v\" appears twice");

  b = frame_new ("find-node", 2);
  mp_str (b, "key");
  mp_bin (b, NULL, 32);
  mp_str (b, "key");
  mp_bin (b, NULL, 32);
  assert_refused (b, HORMIGA_DHT_ERROR_MALFORMED, "\"key\" appears twice");

  /* A known field twice is refused even when the type does not carry it. */
  b = frame_new ("ping", 2);
  mp_str (b, "text");
  mp_str (b, "a");
  mp_str (b, "text");
  mp_str (b, "b");
  assert_refused (b, HORMIGA_DHT_ERROR_MALFORMED, "\"text\" appears twice");
}

static void
test_refuse_framing (void)
{
  GByteArray *b;

  b = frame_new ("ping", 0);
  mp_byte (b, 0xc0);
  assert_refused (b, HORMIGA_DHT_ERROR_MALFORMED, "1 byte(s) after the object");

  b = frame_new ("stored", 1);
  g_byte_array_set_size (b, b->len - 1);
  assert_refused (b, HORMIGA_DHT_ERROR_MALFORMED, "truncated");

  b = frame_new ("pong", 1);
  mp_str (b, "padding");
  mp_bin (b, NULL, HORMIGA_DHT_MESSAGE_MAX_SIZE);
  assert_refused (b, HORMIGA_DHT_ERROR_TOO_LARGE, "the limit is 65536");

  /* An extension object, even in an unknown field. */
  b = frame_new ("pong", 1);
  mp_str (b, "later");
  mp_byte (b, 0xd4);
  mp_byte (b, 0x01);
  mp_byte (b, 0x00);
  assert_refused (b, HORMIGA_DHT_ERROR_MALFORMED, "extension");
}

/* ---- encoder limits ----------------------------------------------------- */

static void
test_encode_limits (void)
{
  g_autoptr(HormigaDhtMessage) nodes = hormiga_dht_message_new (HORMIGA_DHT_MESSAGE_NODES, 1);
  g_autoptr(HormigaDhtMessage) put = hormiga_dht_message_new (HORMIGA_DHT_MESSAGE_PUT_VALUE, 1);
  g_autoptr(HormigaDhtMessage) providers =
    hormiga_dht_message_new (HORMIGA_DHT_MESSAGE_PROVIDERS, 1);
  g_autoptr(GBytes) bytes = NULL;

  add_nodes (nodes, HORMIGA_DHT_MESSAGE_MAX_NODES + 1);
  g_test_expect_message (NULL, G_LOG_LEVEL_CRITICAL, "*HORMIGA_DHT_MESSAGE_MAX_NODES*");
  bytes = hormiga_dht_message_encode (nodes);
  g_test_assert_expected_messages ();
  g_assert_null (bytes);

  /* put-value needs its record. */
  g_test_expect_message (NULL, G_LOG_LEVEL_CRITICAL, "*record_size_ok*");
  bytes = hormiga_dht_message_encode (put);
  g_test_assert_expected_messages ();
  g_assert_null (bytes);

  /* Twenty records of the largest size are within the field limits but do
   * not fit in one message. */
  for (guint i = 0; i < HORMIGA_DHT_MESSAGE_MAX_RECORDS; i++)
    g_ptr_array_add (providers->records, record_new (HORMIGA_DHT_MESSAGE_MAX_RECORD, 0));
  g_test_expect_message (NULL, G_LOG_LEVEL_CRITICAL, "*providers message would be*");
  bytes = hormiga_dht_message_encode (providers);
  g_test_assert_expected_messages ();
  g_assert_null (bytes);
}

/* ---- relay (signalling through the overlay) ------------------------------ */

static HormigaDhtMessage *
relay_new (void)
{
  HormigaDhtMessage *relay = hormiga_dht_message_new (HORMIGA_DHT_MESSAGE_RELAY, 0);

  relay->to = peer_new (1);
  relay->from = peer_new (2);
  relay->hops = 3;
  relay->sid = g_strdup ("rtc-0123456789abcdef");
  relay->payload = record_new (300, 7);
  return relay;
}

static void
test_relay (void)
{
  g_autoptr(HormigaDhtMessage) relay = relay_new ();
  g_autoptr(HormigaDhtMessage) back = NULL;
  g_autoptr(GBytes) bytes = hormiga_dht_message_encode (relay);
  g_autoptr(GBytes) again = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_false (hormiga_dht_message_is_request (HORMIGA_DHT_MESSAGE_RELAY));
  back = hormiga_dht_message_decode (bytes, &error);
  g_assert_no_error (error);
  g_assert_cmpint (back->type, ==, HORMIGA_DHT_MESSAGE_RELAY);
  g_assert_true (hormiga_peer_id_equal (back->to, relay->to));
  g_assert_true (hormiga_peer_id_equal (back->from, relay->from));
  g_assert_cmpuint (back->hops, ==, 3);
  g_assert_cmpstr (back->sid, ==, relay->sid);
  g_assert_true (g_bytes_equal (back->payload, relay->payload));
  again = hormiga_dht_message_encode (back);
  g_assert_true (g_bytes_equal (bytes, again));

  /* The largest payload fits in a message. */
  {
    g_autoptr(HormigaDhtMessage) big = relay_new ();
    g_autoptr(GBytes) encoded = NULL;

    g_bytes_unref (big->payload);
    big->payload = record_new (HORMIGA_DHT_RELAY_MAX_PAYLOAD, 1);
    encoded = hormiga_dht_message_encode (big);
    g_assert_nonnull (encoded);
  }
}

/* A relay frame with every field but @skip; the values go in as given. */
static GByteArray *
relay_frame (const char *skip,
             guint64     hops,
             const char *sid,
             gsize       to_length,
             gsize       payload_length)
{
  guint n = 5 - (skip != NULL);
  GByteArray *b = frame_new ("relay", n);

  if (g_strcmp0 (skip, "to") != 0)
    {
      g_autoptr(HormigaPeerId) peer = peer_new (1);
      gsize length = 0;
      const guint8 *data = hormiga_peer_id_get_bytes (peer, &length);

      mp_str (b, "to");
      mp_bin (b, data, MIN (length, to_length));
    }
  if (g_strcmp0 (skip, "from") != 0)
    {
      mp_str (b, "from");
      mp_peer (b, 2);
    }
  if (g_strcmp0 (skip, "hops") != 0)
    {
      mp_str (b, "hops");
      mp_uint (b, hops);
    }
  if (g_strcmp0 (skip, "sid") != 0)
    {
      mp_str (b, "sid");
      mp_str (b, sid);
    }
  if (g_strcmp0 (skip, "payload") != 0)
    {
      g_autoptr(GBytes) payload = record_new (MAX (payload_length, 1), 3);

      mp_str (b, "payload");
      mp_bin (b, g_bytes_get_data (payload, NULL), payload_length);
    }
  return b;
}

static void
test_refuse_relay (void)
{
  assert_refused (relay_frame ("to", 3, "s", 38, 10), HORMIGA_DHT_ERROR_MALFORMED, "needs \"to\"");
  assert_refused (relay_frame ("payload", 3, "s", 38, 10), HORMIGA_DHT_ERROR_MALFORMED,
                  "needs \"payload\"");
  assert_refused (relay_frame (NULL, 0, "s", 38, 10), HORMIGA_DHT_ERROR_MALFORMED,
                  "\"hops\": a uint from 1 to 8");
  assert_refused (relay_frame (NULL, 9, "s", 38, 10), HORMIGA_DHT_ERROR_MALFORMED,
                  "\"hops\": a uint from 1 to 8");
  assert_refused (relay_frame (NULL, 3, "", 38, 10), HORMIGA_DHT_ERROR_MALFORMED, "\"sid\"");
  assert_refused (relay_frame (NULL, 3, "s", 37, 10), HORMIGA_DHT_ERROR_MALFORMED,
                  "\"to\": a PeerID");
  assert_refused (relay_frame (NULL, 3, "s", 38, 0), HORMIGA_DHT_ERROR_MALFORMED, "\"payload\"");
  assert_refused (relay_frame (NULL, 3, "s", 38, HORMIGA_DHT_RELAY_MAX_PAYLOAD + 1),
                  HORMIGA_DHT_ERROR_TOO_LARGE, "the limit is 61440");
  {
    g_autofree char *long_sid = g_strnfill (HORMIGA_DHT_RELAY_MAX_SID + 1, 'x');

    assert_refused (relay_frame (NULL, 3, long_sid, 38, 10), HORMIGA_DHT_ERROR_MALFORMED,
                    "\"sid\"");
  }
}
/* ---- lookup (a lookup proxy) ----------------------------------------------- */

static void
test_lookup (void)
{
  static const HormigaDhtMessageType kinds[] = {
    HORMIGA_DHT_MESSAGE_FIND_NODE, HORMIGA_DHT_MESSAGE_GET_VALUE, HORMIGA_DHT_MESSAGE_GET_PROVIDERS,
  };

  g_assert_true (hormiga_dht_message_is_request (HORMIGA_DHT_MESSAGE_LOOKUP));
  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      g_autoptr(HormigaDhtMessage) lookup = hormiga_dht_message_new (HORMIGA_DHT_MESSAGE_LOOKUP, 40 + i);
      g_autoptr(HormigaDhtMessage) back = NULL;
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(GBytes) again = NULL;
      g_autoptr(GError) error = NULL;

      lookup->kind = kinds[i];
      lookup->client = i == 1;
      set_key (lookup);
      bytes = hormiga_dht_message_encode (lookup);
      back = hormiga_dht_message_decode (bytes, &error);
      g_assert_no_error (error);
      g_assert_cmpint (back->type, ==, HORMIGA_DHT_MESSAGE_LOOKUP);
      g_assert_cmpint (back->kind, ==, kinds[i]);
      g_assert_cmpuint (back->id, ==, 40 + i);
      g_assert_cmpint (back->client, ==, i == 1);
      g_assert_true (hormiga_dht_key_equal (&back->key, &lookup->key));
      again = hormiga_dht_message_encode (back);
      g_assert_true (g_bytes_equal (bytes, again));
    }

  /* Only the three lookups can be asked for. */
  {
    g_autoptr(HormigaDhtMessage) lookup = hormiga_dht_message_new (HORMIGA_DHT_MESSAGE_LOOKUP, 1);
    g_autoptr(GBytes) bytes = NULL;

    lookup->kind = HORMIGA_DHT_MESSAGE_PUT_VALUE;
    g_test_expect_message (NULL, G_LOG_LEVEL_CRITICAL, "*is_lookup_kind*");
    bytes = hormiga_dht_message_encode (lookup);
    g_test_assert_expected_messages ();
    g_assert_null (bytes);
  }
}

/* A lookup frame with "key" and "kind" (unless NULL) as given. */
static GByteArray *
lookup_frame (const char *kind,
              gsize       key_length)
{
  GByteArray *b = frame_new ("lookup", 1 + (kind != NULL));
  guint8 key[HORMIGA_DHT_KEY_SIZE + 1] = { 0 };

  mp_str (b, "key");
  mp_bin (b, key, key_length);
  if (kind != NULL)
    {
      mp_str (b, "kind");
      mp_str (b, kind);
    }
  return b;
}

static void
test_refuse_lookup (void)
{
  GByteArray *b;

  assert_refused (lookup_frame (NULL, HORMIGA_DHT_KEY_SIZE), HORMIGA_DHT_ERROR_MALFORMED,
                  "a lookup needs \"kind\"");
  assert_refused (lookup_frame ("put-value", HORMIGA_DHT_KEY_SIZE), HORMIGA_DHT_ERROR_MALFORMED,
                  "\"kind\": \"find-node\", \"get-value\" or \"get-providers\"; got str");
  assert_refused (lookup_frame ("lookup", HORMIGA_DHT_KEY_SIZE), HORMIGA_DHT_ERROR_MALFORMED,
                  "\"kind\"");
  assert_refused (lookup_frame ("FIND-NODE", HORMIGA_DHT_KEY_SIZE), HORMIGA_DHT_ERROR_MALFORMED,
                  "\"kind\"");
  assert_refused (lookup_frame ("find-node", HORMIGA_DHT_KEY_SIZE - 1), HORMIGA_DHT_ERROR_MALFORMED,
                  "\"key\": 32 bytes");
  {
    g_autofree char *long_kind = g_strnfill (HORMIGA_DHT_LOOKUP_MAX_KIND + 1, 'x');

    assert_refused (lookup_frame (long_kind, HORMIGA_DHT_KEY_SIZE), HORMIGA_DHT_ERROR_MALFORMED,
                    "\"kind\"");
  }

  /* "kind" as a number, and on a message that does not carry it. */
  b = frame_new ("lookup", 2);
  mp_str (b, "key");
  mp_bin (b, (const guint8 *) "0123456789abcdef0123456789abcdef", HORMIGA_DHT_KEY_SIZE);
  mp_str (b, "kind");
  mp_uint (b, 2);
  assert_refused (b, HORMIGA_DHT_ERROR_MALFORMED, "got uint 2");
  b = frame_new ("find-node", 2);
  mp_str (b, "key");
  mp_bin (b, (const guint8 *) "0123456789abcdef0123456789abcdef", HORMIGA_DHT_KEY_SIZE);
  mp_str (b, "kind");
  mp_str (b, "get-value");
  assert_refused (b, HORMIGA_DHT_ERROR_MALFORMED, "a find-node does not carry \"kind\"");
}


/* ---- hello (display names) ------------------------------------------------ */

static void
test_hello (void)
{
  /* {"v": 1, "t": "hello", "id": 0, "name": "Ana"}: 25 bytes. */
  static const guint8 golden[] = {
    0x84, 0xa1, 'v', 0x01, 0xa1, 't', 0xa5, 'h', 'e', 'l', 'l', 'o', 0xa2, 'i', 'd', 0x00,
    0xa4, 'n', 'a', 'm', 'e', 0xa3, 'A', 'n', 'a',
  };
  HormigaDhtMessage *hello = hormiga_dht_message_new (HORMIGA_DHT_MESSAGE_HELLO, 0);
  g_autoptr(HormigaDhtMessage) named = hormiga_dht_message_new (HORMIGA_DHT_MESSAGE_HELLO, 0);
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *longest = g_strnfill (HORMIGA_DHT_HELLO_MAX_NAME, 'x');

  g_assert_false (hormiga_dht_message_is_request (HORMIGA_DHT_MESSAGE_HELLO));
  /* Without a name, and with the longest one, of several scripts. */
  assert_round_trip (hello);
  named->name = g_strdup ("Ana");
  bytes = hormiga_dht_message_encode (named);
  g_assert_cmpmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), golden,
                   sizeof golden);
  hello = hormiga_dht_message_new (HORMIGA_DHT_MESSAGE_HELLO, 0);
  hello->name = g_strdup (longest);
  assert_round_trip (hello);
  hello = hormiga_dht_message_new (HORMIGA_DHT_MESSAGE_HELLO, 0);
  hello->name = g_strdup ("Hormiga de Ana · 蟻 🐜");
  assert_round_trip (hello);
}

static void
test_check_name (void)
{
  static const struct { const char *name; int code; const char *fragment; } bad[] = {
    { "", HORMIGA_DHT_ERROR_MALFORMED, "is empty" },
    { "line\nbreak", HORMIGA_DHT_ERROR_MALFORMED, "U+000A at byte 4" },
    { "tab\there", HORMIGA_DHT_ERROR_MALFORMED, "U+0009" },
    { "del\x7f", HORMIGA_DHT_ERROR_MALFORMED, "U+007F" },
    { "c1\xc2\x85", HORMIGA_DHT_ERROR_MALFORMED, "U+0085" },
    { "sep\xe2\x80\xa8", HORMIGA_DHT_ERROR_MALFORMED, "U+2028" },
    { "bad\xff", HORMIGA_DHT_ERROR_MALFORMED, "byte 3 is not" },
    { "\x1b[31mred", HORMIGA_DHT_ERROR_MALFORMED, "U+001B" },
  };
  g_autofree char *too_long = g_strnfill (HORMIGA_DHT_HELLO_MAX_NAME + 1, 'x');
  g_autoptr(GError) error = NULL;

  g_assert_true (hormiga_dht_message_check_name ("Ana", -1, NULL));
  g_assert_true (hormiga_dht_message_check_name ("a b", 3, NULL));
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_assert_false (hormiga_dht_message_check_name (bad[i].name, -1, &error));
      g_assert_error (error, HORMIGA_DHT_ERROR, bad[i].code);
      if (strstr (error->message, bad[i].fragment) == NULL)
        g_error ("error \"%s\" does not contain \"%s\"", error->message, bad[i].fragment);
      g_clear_error (&error);
    }
  g_assert_false (hormiga_dht_message_check_name (too_long, -1, &error));
  g_assert_error (error, HORMIGA_DHT_ERROR, HORMIGA_DHT_ERROR_TOO_LARGE);
  g_assert_nonnull (strstr (error->message, "at most 64 bytes"));
}

/* A hello frame whose "name" is @name (a str of @length bytes). */
static GByteArray *
hello_frame (const char *name,
             gsize       length)
{
  GByteArray *b = g_byte_array_new ();

  mp_envelope (b, "hello", 2);
  mp_str (b, "id");
  mp_uint (b, 0);
  mp_str (b, "name");
  mp_str_len (b, name, length);
  return b;
}

static void
test_refuse_hello (void)
{
  g_autofree char *too_long = g_strnfill (HORMIGA_DHT_HELLO_MAX_NAME + 1, 'x');
  GByteArray *b;

  assert_refused (hello_frame (too_long, strlen (too_long)), HORMIGA_DHT_ERROR_TOO_LARGE,
                  "\"name\" in a hello: a display name is at most 64 bytes of UTF-8; this one "
                  "is 65");
  assert_refused (hello_frame ("", 0), HORMIGA_DHT_ERROR_MALFORMED, "is empty");
  assert_refused (hello_frame ("a\nb", 3), HORMIGA_DHT_ERROR_MALFORMED, "U+000A");
  assert_refused (hello_frame ("a\0b", 3), HORMIGA_DHT_ERROR_MALFORMED, "U+0000");
  assert_refused (hello_frame ("\xe2\x80\xae" "evil", 7), HORMIGA_DHT_ERROR_MALFORMED,
                  "U+202E");

  /* Not a str. */
  b = g_byte_array_new ();
  mp_envelope (b, "hello", 2);
  mp_str (b, "id");
  mp_uint (b, 0);
  mp_str (b, "name");
  mp_uint (b, 7);
  assert_refused (b, HORMIGA_DHT_ERROR_MALFORMED, "a hello needs \"name\": a str");
  /* Only a hello carries it. */
  b = frame_new ("ping", 1);
  mp_str (b, "name");
  mp_str (b, "Ana");
  assert_refused (b, HORMIGA_DHT_ERROR_MALFORMED, "a ping does not carry \"name\"");
  /* A hello still needs its id. */
  b = g_byte_array_new ();
  mp_envelope (b, "hello", 0);
  assert_refused (b, HORMIGA_DHT_ERROR_MALFORMED, "a hello needs \"id\"");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/hormiga/dht-message/type-names", test_type_names);
  g_test_add_func ("/hormiga/dht-message/new", test_new);
  g_test_add_func ("/hormiga/dht-message/round-trip/requests", test_round_trip_requests);
  g_test_add_func ("/hormiga/dht-message/round-trip/responses", test_round_trip_responses);
  g_test_add_func ("/hormiga/dht-message/encode/ignores-other-fields",
                   test_encode_ignores_other_fields);
  g_test_add_func ("/hormiga/dht-message/encode/limits", test_encode_limits);
  g_test_add_func ("/hormiga/dht-message/golden", test_golden);
  g_test_add_func ("/hormiga/dht-message/decode/lenient", test_decode_lenient);
  g_test_add_func ("/hormiga/dht-message/refuse/not-a-map", test_refuse_not_a_map);
  g_test_add_func ("/hormiga/dht-message/refuse/version", test_refuse_version);
  g_test_add_func ("/hormiga/dht-message/refuse/type", test_refuse_type);
  g_test_add_func ("/hormiga/dht-message/refuse/id", test_refuse_id);
  g_test_add_func ("/hormiga/dht-message/refuse/missing-fields", test_refuse_missing_fields);
  g_test_add_func ("/hormiga/dht-message/refuse/foreign-fields", test_refuse_foreign_fields);
  g_test_add_func ("/hormiga/dht-message/refuse/wrong-types", test_refuse_wrong_types);
  g_test_add_func ("/hormiga/dht-message/refuse/nodes", test_refuse_nodes);
  g_test_add_func ("/hormiga/dht-message/refuse/records", test_refuse_records);
  g_test_add_func ("/hormiga/dht-message/refuse/text", test_refuse_text);
  g_test_add_func ("/hormiga/dht-message/refuse/duplicates", test_refuse_duplicates);
  g_test_add_func ("/hormiga/dht-message/refuse/framing", test_refuse_framing);
  g_test_add_func ("/hormiga/dht-message/relay", test_relay);
  g_test_add_func ("/hormiga/dht-message/refuse/relay", test_refuse_relay);
  g_test_add_func ("/hormiga/dht-message/hello", test_hello);
  g_test_add_func ("/hormiga/dht-message/check-name", test_check_name);
  g_test_add_func ("/hormiga/dht-message/refuse/hello", test_refuse_hello);
  g_test_add_func ("/hormiga/dht-message/lookup", test_lookup);
  g_test_add_func ("/hormiga/dht-message/refuse/lookup", test_refuse_lookup);

  return g_test_run ();
}
