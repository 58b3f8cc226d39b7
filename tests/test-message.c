/* test-message.c — envelopes: round trips, exact bytes, rejections
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "hormiga-message.h"
#include "hormiga-protocol.h"
#include "hormiga-wire-error.h"
#include "test-message-equal.h"
#include "test-msgpack-writer.h"

/* ---- helpers ----------------------------------------------------------- */

/* Encodes @message, decodes the result and checks every field survived and
 * that encoding is stable. Takes ownership of @message. */
static void
assert_round_trip (HormigaMessage *message)
{
  g_autoptr(HormigaMessage) owned = message;
  g_autoptr(HormigaMessage) decoded = NULL;
  g_autoptr(HormigaMessage) copy = NULL;
  g_autoptr(GBytes) frame = NULL;
  g_autoptr(GBytes) again = NULL;
  g_autoptr(GError) error = NULL;

  frame = hormiga_message_encode (owned);
  g_assert_nonnull (frame);
  decoded = hormiga_message_decode_bytes (frame, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (decoded);
  g_assert_true (hormiga_test_message_equal (owned, decoded));

  again = hormiga_message_encode (decoded);
  g_assert_true (g_bytes_equal (frame, again));

  copy = hormiga_message_copy (decoded);
  g_assert_true (hormiga_test_message_equal (copy, owned));
}

static void
assert_golden (HormigaMessage *message,
               const guint8   *expected,
               gsize           expected_length)
{
  g_autoptr(HormigaMessage) owned = message;
  g_autoptr(GBytes) frame = hormiga_message_encode (owned);
  g_autoptr(HormigaMessage) decoded = NULL;
  g_autoptr(GError) error = NULL;
  gsize length = 0;
  const guint8 *data = g_bytes_get_data (frame, &length);

  g_assert_cmpmem (data, length, expected, expected_length);

  decoded = hormiga_message_decode (expected, expected_length, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (hormiga_test_message_equal (owned, decoded));
}

/* Decodes @frame and asserts it fails with @code and a message containing
 * each of the NULL-terminated needles. */
static void
assert_rejected (GByteArray       *frame,
                 HormigaWireError  code,
                 ...)
{
  g_autoptr(HormigaMessage) message = NULL;
  g_autoptr(GError) error = NULL;
  const char *needle;
  va_list args;

  message = hormiga_message_decode (frame->data, frame->len, NULL, &error);
  g_assert_null (message);
  g_assert_error (error, HORMIGA_WIRE_ERROR, (gint) code);
  g_test_message ("rejected: %s", error->message);

  va_start (args, code);
  while ((needle = va_arg (args, const char *)) != NULL)
    {
      if (strstr (error->message, needle) == NULL)
        g_error ("\"%s\" is missing from the message \"%s\"", needle, error->message);
    }
  va_end (args);
}

static HormigaMessage *
decode_ok (GByteArray *frame)
{
  g_autoptr(GError) error = NULL;
  HormigaMessage *message = hormiga_message_decode (frame->data, frame->len, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (message);
  return message;
}

static void
fill_pattern (guint8 *data,
              gsize   length,
              guint8  start)
{
  for (gsize i = 0; i < length; i++)
    data[i] = (guint8) (start + i);
}

/* ---- names ------------------------------------------------------------- */

static void
test_type_names (void)
{
  static const char *const names[] = {
    "challenge", "join", "welcome", "signal", "error", "ping", "pong",
  };

  G_STATIC_ASSERT (G_N_ELEMENTS (names) == HORMIGA_MESSAGE_N_TYPES);
  for (guint i = 0; i < HORMIGA_MESSAGE_N_TYPES; i++)
    g_assert_cmpstr (hormiga_message_type_to_string (i), ==, names[i]);
  g_assert_cmpstr (hormiga_message_type_to_string (HORMIGA_MESSAGE_N_TYPES), ==, "unknown");
}

static void
test_protocol_error_names (void)
{
  static const char *const names[] = {
    NULL, "malformed", "too-large", "rate-limited", "bad-signature", "handshake-timeout",
    "unknown-peer", "not-admitted", "server-full", "replaced", "unexpected",
    "unsupported-version", "spoofed-from", "pong-timeout",
  };

  for (guint code = 1; code < G_N_ELEMENTS (names); code++)
    g_assert_cmpstr (hormiga_protocol_error_to_string (code), ==, names[code]);
  g_assert_cmpstr (hormiga_protocol_error_to_string (0), ==, "unknown");
  g_assert_cmpstr (hormiga_protocol_error_to_string (14), ==, "unknown");
  g_assert_cmpstr (hormiga_protocol_error_to_string (9999), ==, "unknown");
}

/* ---- round trips ------------------------------------------------------- */

static void
test_round_trip_challenge (void)
{
  guint8 nonce[HORMIGA_NONCE_LENGTH];

  fill_pattern (nonce, sizeof nonce, 0xf0);
  assert_round_trip (hormiga_message_new_challenge (nonce, "hormiguero/0.1.0"));
  assert_round_trip (hormiga_message_new_challenge (nonce, NULL));
  assert_round_trip (hormiga_message_new_challenge (nonce, ""));
}

static void
test_round_trip_join (void)
{
  guint8 key[HORMIGA_PUBLIC_KEY_LENGTH];
  guint8 sig[HORMIGA_SIGNATURE_LENGTH];

  fill_pattern (key, sizeof key, 1);
  fill_pattern (sig, sizeof sig, 200);
  assert_round_trip (hormiga_message_new_join (key, sig));
  {
    HormigaMessage *client = hormiga_message_new_join (key, sig);

    client->join.client = TRUE;
    assert_round_trip (client);
  }
}

static void
test_round_trip_welcome (void)
{
  g_autoptr(GPtrArray) peers = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *longest = g_strnfill (HORMIGA_PEER_ID_MAX_TEXT, 'P');

  assert_round_trip (hormiga_message_new_welcome ("12D3KooWself", NULL));
  assert_round_trip (hormiga_message_new_welcome ("12D3KooWself", peers));

  for (guint i = 0; i < HORMIGA_WELCOME_MAX_PEERS - 1; i++)
    g_ptr_array_add (peers, g_strdup_printf ("12D3KooWpeer%02u", i));
  g_ptr_array_add (peers, g_strdup (longest));
  g_assert_cmpuint (peers->len, ==, 64);
  assert_round_trip (hormiga_message_new_welcome (longest, peers));

  /* With TURN servers and short-lived credentials. */
  {
    g_autoptr(GPtrArray) urls = g_ptr_array_new_with_free_func (g_free);
    HormigaMessage *welcome = hormiga_message_new_welcome ("12D3KooWself", NULL);

    g_ptr_array_add (urls, g_strdup ("turn:127.0.0.1:3478?transport=udp"));
    g_ptr_array_add (urls, g_strdup ("turn:127.0.0.1:3478?transport=tcp"));
    hormiga_message_set_welcome_turn (welcome, urls, "1800000000:12D3KooWself", "c2VjcmV0");
    assert_round_trip (welcome);
  }
}

static void
test_round_trip_signal (void)
{
  g_autoptr(GBytes) empty = g_bytes_new (NULL, 0);
  static const char sdp[] = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\n\0\xff";
  g_autoptr(GBytes) payload = g_bytes_new (sdp, sizeof sdp - 1);
  g_autofree guint8 *big_data = g_malloc (HORMIGA_SIGNAL_MAX_PAYLOAD);
  g_autoptr(GBytes) big = NULL;
  g_autofree char *long_sid = g_strnfill (HORMIGA_SID_MAX_LENGTH, 's');
  g_autofree char *long_id = g_strnfill (HORMIGA_PEER_ID_MAX_TEXT, 'z');

  fill_pattern (big_data, HORMIGA_SIGNAL_MAX_PAYLOAD, 0);
  big = g_bytes_new_take (g_steal_pointer (&big_data), HORMIGA_SIGNAL_MAX_PAYLOAD);

  assert_round_trip (hormiga_message_new_signal (NULL, "12D3KooWto", "s1", payload));
  assert_round_trip (hormiga_message_new_signal ("12D3KooWfrom", "12D3KooWto", "s1", payload));
  assert_round_trip (hormiga_message_new_signal (NULL, "12D3KooWto", "s", empty));
  assert_round_trip (hormiga_message_new_signal (long_id, long_id, long_sid, payload));
  /* The largest payload, forwarded with the longest `from`, still fits. */
  assert_round_trip (hormiga_message_new_signal (long_id, long_id, long_sid, big));
}

static void
test_round_trip_error (void)
{
  g_autofree char *long_sid = g_strnfill (HORMIGA_SID_MAX_LENGTH, 'e');

  assert_round_trip (hormiga_message_new_error (HORMIGA_PROTOCOL_ERROR_UNKNOWN_PEER,
                                                "peer 12D3KooWx is not connected", "s9"));
  assert_round_trip (hormiga_message_new_error (HORMIGA_PROTOCOL_ERROR_MALFORMED, "", NULL));
  assert_round_trip (hormiga_message_new_error (G_MAXUINT, "ñandú ✓", long_sid));
  assert_round_trip (hormiga_message_new_error (0, "zero", NULL));
}

static void
test_round_trip_ping_pong (void)
{
  static const guint64 seqs[] = {
    0, 1, 127, 128, 255, 256, 65535, 65536, G_MAXUINT32, G_GUINT64_CONSTANT (1) << 32,
    G_MAXUINT64,
  };

  for (guint i = 0; i < G_N_ELEMENTS (seqs); i++)
    {
      assert_round_trip (hormiga_message_new_ping (seqs[i]));
      assert_round_trip (hormiga_message_new_pong (seqs[i]));
    }
}

static void
test_boxed (void)
{
  g_autoptr(GBytes) payload = g_bytes_new_static ("x", 1);
  g_autoptr(HormigaMessage) message = hormiga_message_new_signal ("a", "b", "c", payload);
  HormigaMessage *copy;

  g_assert_true (G_TYPE_IS_BOXED (HORMIGA_TYPE_MESSAGE));
  copy = g_boxed_copy (HORMIGA_TYPE_MESSAGE, message);
  g_assert_true (copy != message);
  g_assert_true (copy->signal.to != message->signal.to);
  g_assert_true (hormiga_test_message_equal (copy, message));
  g_boxed_free (HORMIGA_TYPE_MESSAGE, copy);

  /* Free accepts NULL, like g_free. */
  hormiga_message_free (NULL);
}

/* ---- exact bytes ------------------------------------------------------- */

/* These bytes were worked out by hand from the MessagePack specification,
 * not produced by the encoder: a change here is a wire-format change. */

static void
test_golden_ping (void)
{
  static const guint8 expected[] = {
    0x83,                                     /* map, 3 entries */
    0xa1, 'v', 0x01,                          /* "v": 1 */
    0xa1, 't', 0xa4, 'p', 'i', 'n', 'g',      /* "t": "ping" */
    0xa3, 's', 'e', 'q', 0x01,                /* "seq": 1 */
  };

  assert_golden (hormiga_message_new_ping (1), expected, sizeof expected);
}

static void
test_golden_pong (void)
{
  static const guint8 expected[] = {
    0x83,
    0xa1, 'v', 0x01,
    0xa1, 't', 0xa4, 'p', 'o', 'n', 'g',
    0xa3, 's', 'e', 'q',
    0xcf, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,  /* uint 64: 2^32 */
  };

  assert_golden (hormiga_message_new_pong (G_GUINT64_CONSTANT (1) << 32), expected,
                 sizeof expected);
}

static void
test_golden_signal (void)
{
  static const guint8 expected[] = {
    0x85,                                                  /* map, 5 entries */
    0xa1, 'v', 0x01,
    0xa1, 't', 0xa6, 's', 'i', 'g', 'n', 'a', 'l',
    0xa2, 't', 'o', 0xa2, 'a', 'b',                        /* "to": "ab" */
    0xa3, 's', 'i', 'd', 0xa2, 's', '1',                   /* "sid": "s1" */
    0xa7, 'p', 'a', 'y', 'l', 'o', 'a', 'd', 0xc4, 0x02, 0x00, 0xff, /* bin 8 */
  };
  g_autoptr(GBytes) payload = g_bytes_new ("\x00\xff", 2);

  assert_golden (hormiga_message_new_signal (NULL, "ab", "s1", payload), expected,
                 sizeof expected);
}

static void
test_golden_signal_from (void)
{
  static const guint8 expected[] = {
    0x86,                                                  /* map, 6 entries */
    0xa1, 'v', 0x01,
    0xa1, 't', 0xa6, 's', 'i', 'g', 'n', 'a', 'l',
    0xa2, 't', 'o', 0xa1, 'B',
    0xa4, 'f', 'r', 'o', 'm', 0xa1, 'A',                   /* "from" after "to" */
    0xa3, 's', 'i', 'd', 0xa1, 'x',
    0xa7, 'p', 'a', 'y', 'l', 'o', 'a', 'd', 0xc4, 0x00,   /* empty bin */
  };
  g_autoptr(GBytes) payload = g_bytes_new (NULL, 0);

  assert_golden (hormiga_message_new_signal ("A", "B", "x", payload), expected, sizeof expected);
}

static void
test_golden_error (void)
{
  static const guint8 expected[] = {
    0x84,
    0xa1, 'v', 0x01,
    0xa1, 't', 0xa5, 'e', 'r', 'r', 'o', 'r',
    0xa4, 'c', 'o', 'd', 'e', 0xcd, 0x01, 0x2c,            /* uint 16: 300 */
    0xa7, 'm', 'e', 's', 's', 'a', 'g', 'e', 0xa2, 'n', 'o',
  };

  assert_golden (hormiga_message_new_error (300, "no", NULL), expected, sizeof expected);
}

static void
test_golden_welcome (void)
{
  static const guint8 expected[] = {
    0x84,
    0xa1, 'v', 0x01,
    0xa1, 't', 0xa7, 'w', 'e', 'l', 'c', 'o', 'm', 'e',
    0xa2, 'i', 'd', 0xa1, 'A',
    0xa5, 'p', 'e', 'e', 'r', 's', 0x92, 0xa1, 'B', 0xa1, 'C', /* fixarray of 2 */
  };
  g_autoptr(GPtrArray) peers = g_ptr_array_new ();

  g_ptr_array_add (peers, "B");
  g_ptr_array_add (peers, "C");
  assert_golden (hormiga_message_new_welcome ("A", peers), expected, sizeof expected);
}

static void
test_golden_challenge (void)
{
  guint8 expected[] = {
    0x84,
    0xa1, 'v', 0x01,
    0xa1, 't', 0xa9, 'c', 'h', 'a', 'l', 'l', 'e', 'n', 'g', 'e',
    0xa5, 'n', 'o', 'n', 'c', 'e', 0xc4, 0x20,             /* bin 8, 32 bytes */
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
    16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31,
    0xa6, 's', 'e', 'r', 'v', 'e', 'r', 0xa3, 'h', '/', '1',
  };
  guint8 nonce[HORMIGA_NONCE_LENGTH];

  fill_pattern (nonce, sizeof nonce, 0);
  assert_golden (hormiga_message_new_challenge (nonce, "h/1"), expected, sizeof expected);
}

/* ---- decoding leniency ------------------------------------------------- */

static void
test_unknown_fields_ignored (void)
{
  g_autoptr(GByteArray) frame = g_byte_array_new ();
  g_autoptr(HormigaMessage) message = NULL;

  mp_envelope (frame, "ping", 4);
  mp_str (frame, "zzz");
  mp_array (frame, 2);
  mp_uint (frame, 1);
  mp_map (frame, 0);
  mp_str (frame, "seq");
  mp_uint (frame, 42);
  mp_str (frame, "sid");               /* a field of other types */
  mp_uint (frame, 7);
  mp_str (frame, "zzz");               /* duplicates of unknown keys are ignored too */
  mp_byte (frame, 0xc0);

  message = decode_ok (frame);
  g_assert_cmpint (message->type, ==, HORMIGA_MESSAGE_PING);
  g_assert_cmpuint (message->ping.seq, ==, 42);
}

static void
test_any_field_order (void)
{
  g_autoptr(GByteArray) frame = g_byte_array_new ();
  g_autoptr(HormigaMessage) message = NULL;

  mp_map (frame, 6);
  mp_str (frame, "payload");
  mp_bin (frame, (const guint8 *) "hi", 2);
  mp_str (frame, "sid");
  mp_str (frame, "q");
  mp_str (frame, "t");
  mp_str (frame, "signal");
  mp_str (frame, "from");
  mp_str (frame, "F");
  mp_str (frame, "to");
  mp_str (frame, "T");
  mp_str (frame, "v");
  mp_byte (frame, 0xcc);               /* 1, in a longer form than needed */
  mp_byte (frame, 0x01);

  message = decode_ok (frame);
  g_assert_cmpint (message->type, ==, HORMIGA_MESSAGE_SIGNAL);
  g_assert_cmpstr (message->signal.to, ==, "T");
  g_assert_cmpstr (message->signal.from, ==, "F");
  g_assert_cmpstr (message->signal.sid, ==, "q");
  g_assert_cmpmem (g_bytes_get_data (message->signal.payload, NULL),
                   g_bytes_get_size (message->signal.payload), "hi", 2);
}

/* ---- rejections -------------------------------------------------------- */

static void
test_not_an_envelope (void)
{
  g_autoptr(GByteArray) array = g_byte_array_new ();
  g_autoptr(GByteArray) scalar = g_byte_array_new ();
  g_autoptr(GByteArray) no_t = g_byte_array_new ();
  g_autoptr(GByteArray) no_v = g_byte_array_new ();
  g_autoptr(GByteArray) v_str = g_byte_array_new ();
  g_autoptr(GByteArray) v_negative = g_byte_array_new ();
  g_autoptr(GByteArray) t_uint = g_byte_array_new ();
  g_autoptr(GByteArray) int_key = g_byte_array_new ();
  g_autoptr(GByteArray) empty_map = g_byte_array_new ();

  mp_array (array, 2);
  mp_uint (array, 1);
  mp_str (array, "ping");
  assert_rejected (array, HORMIGA_WIRE_ERROR_NOT_AN_ENVELOPE, "array", NULL);

  mp_str (scalar, "ping");
  assert_rejected (scalar, HORMIGA_WIRE_ERROR_NOT_AN_ENVELOPE, "str", NULL);

  mp_map (no_t, 2);
  mp_str (no_t, "v");
  mp_uint (no_t, 1);
  mp_str (no_t, "seq");
  mp_uint (no_t, 1);
  assert_rejected (no_t, HORMIGA_WIRE_ERROR_NOT_AN_ENVELOPE, "\"t\"", NULL);

  mp_map (no_v, 2);
  mp_str (no_v, "t");
  mp_str (no_v, "ping");
  mp_str (no_v, "seq");
  mp_uint (no_v, 1);
  assert_rejected (no_v, HORMIGA_WIRE_ERROR_NOT_AN_ENVELOPE, "\"v\"", NULL);

  mp_map (v_str, 2);
  mp_str (v_str, "v");
  mp_str (v_str, "1");
  mp_str (v_str, "t");
  mp_str (v_str, "ping");
  assert_rejected (v_str, HORMIGA_WIRE_ERROR_NOT_AN_ENVELOPE, "\"v\"", "uint", "got str", NULL);

  mp_map (v_negative, 2);
  mp_str (v_negative, "v");
  mp_int64 (v_negative, -1);
  mp_str (v_negative, "t");
  mp_str (v_negative, "ping");
  assert_rejected (v_negative, HORMIGA_WIRE_ERROR_NOT_AN_ENVELOPE, "negative int -1", NULL);

  mp_map (t_uint, 2);
  mp_str (t_uint, "v");
  mp_uint (t_uint, 1);
  mp_str (t_uint, "t");
  mp_uint (t_uint, 5);
  assert_rejected (t_uint, HORMIGA_WIRE_ERROR_NOT_AN_ENVELOPE, "\"t\"", "uint 5", NULL);

  mp_envelope (int_key, "ping", 2);
  mp_str (int_key, "seq");
  mp_uint (int_key, 1);
  mp_uint (int_key, 3);
  mp_uint (int_key, 1);
  assert_rejected (int_key, HORMIGA_WIRE_ERROR_NOT_AN_ENVELOPE, "key 3", "must be str", NULL);

  mp_map (empty_map, 0);
  assert_rejected (empty_map, HORMIGA_WIRE_ERROR_NOT_AN_ENVELOPE, NULL);
}

static void
test_unsupported_version (void)
{
  static const guint64 versions[] = { 0, 2, 300, G_MAXUINT64 };

  for (guint i = 0; i < G_N_ELEMENTS (versions); i++)
    {
      g_autoptr(GByteArray) frame = g_byte_array_new ();
      g_autofree char *needle = g_strdup_printf ("version %" G_GUINT64_FORMAT ";", versions[i]);

      mp_map (frame, 3);
      mp_str (frame, "v");
      mp_uint (frame, versions[i]);
      /* A later version may have other types: the version is checked first. */
      mp_str (frame, "t");
      mp_str (frame, "hello-from-the-future");
      mp_str (frame, "seq");
      mp_uint (frame, 1);
      assert_rejected (frame, HORMIGA_WIRE_ERROR_UNSUPPORTED_VERSION, needle, "version 1", NULL);
    }
}

static void
test_unknown_type (void)
{
  g_autoptr(GByteArray) frame = g_byte_array_new ();
  g_autoptr(GByteArray) hostile = g_byte_array_new ();
  g_autoptr(GByteArray) case_differs = g_byte_array_new ();
  g_autofree char *long_name = g_strnfill (500, 'n');

  mp_envelope (frame, "offer", 1);
  mp_str (frame, "seq");
  mp_uint (frame, 1);
  assert_rejected (frame, HORMIGA_WIRE_ERROR_UNKNOWN_TYPE, "\"offer\"", NULL);

  /* Control characters are escaped and long names cut. */
  mp_envelope (hostile, "a\nb\"", 0);
  assert_rejected (hostile, HORMIGA_WIRE_ERROR_UNKNOWN_TYPE, "\"a\\x0ab\\x22\"", NULL);
  g_byte_array_set_size (hostile, 0);
  mp_envelope (hostile, long_name, 0);
  assert_rejected (hostile, HORMIGA_WIRE_ERROR_UNKNOWN_TYPE, "nnnn...\"", NULL);

  mp_envelope (case_differs, "Ping", 1);
  mp_str (case_differs, "seq");
  mp_uint (case_differs, 1);
  assert_rejected (case_differs, HORMIGA_WIRE_ERROR_UNKNOWN_TYPE, "\"Ping\"", NULL);
}

typedef struct
{
  const char *type;
  const char *missing;
} MissingCase;

/* Writes every field of @type except @skip, with valid values. */
static void
write_valid_fields (GByteArray *b,
                    const char *type,
                    const char *skip)
{
  static const guint8 zeros[64] = { 0 };
  struct { const char *type, *field; } all[] = {
    { "challenge", "nonce" }, { "join", "key" }, { "join", "sig" },
    { "welcome", "id" }, { "welcome", "peers" },
    { "signal", "to" }, { "signal", "sid" }, { "signal", "payload" },
    { "error", "code" }, { "error", "message" },
    { "ping", "seq" }, { "pong", "seq" },
  };
  guint n = 0;

  for (guint i = 0; i < G_N_ELEMENTS (all); i++)
    if (g_str_equal (all[i].type, type) && g_strcmp0 (all[i].field, skip) != 0)
      n++;
  mp_envelope (b, type, n);

  for (guint i = 0; i < G_N_ELEMENTS (all); i++)
    {
      const char *field = all[i].field;

      if (!g_str_equal (all[i].type, type) || g_strcmp0 (field, skip) == 0)
        continue;
      mp_str (b, field);
      if (g_str_equal (field, "nonce") || g_str_equal (field, "key"))
        mp_bin (b, zeros, 32);
      else if (g_str_equal (field, "sig"))
        mp_bin (b, zeros, 64);
      else if (g_str_equal (field, "payload"))
        mp_bin (b, zeros, 3);
      else if (g_str_equal (field, "peers"))
        mp_array (b, 0);
      else if (g_str_equal (field, "code") || g_str_equal (field, "seq"))
        mp_uint (b, 7);
      else
        mp_str (b, "x");
    }
}

static void
test_valid_fields_decode (void)
{
  static const char *const types[] = {
    "challenge", "join", "welcome", "signal", "error", "ping", "pong",
  };

  /* The helper the rejection tests build on gives valid frames. */
  for (guint i = 0; i < G_N_ELEMENTS (types); i++)
    {
      g_autoptr(GByteArray) frame = g_byte_array_new ();
      g_autoptr(HormigaMessage) message = NULL;

      write_valid_fields (frame, types[i], NULL);
      message = decode_ok (frame);
      g_assert_cmpstr (hormiga_message_type_to_string (message->type), ==, types[i]);
    }
}

static void
test_missing_field (void)
{
  static const MissingCase cases[] = {
    { "challenge", "nonce" },
    { "join", "key" },
    { "join", "sig" },
    { "welcome", "id" },
    { "welcome", "peers" },
    { "signal", "to" },
    { "signal", "sid" },
    { "signal", "payload" },
    { "error", "code" },
    { "error", "message" },
    { "ping", "seq" },
    { "pong", "seq" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GByteArray) frame = g_byte_array_new ();
      g_autofree char *type_needle = g_strdup_printf ("%s message", cases[i].type);
      g_autofree char *field_needle = g_strdup_printf ("\"%s\"", cases[i].missing);

      write_valid_fields (frame, cases[i].type, cases[i].missing);
      assert_rejected (frame, HORMIGA_WIRE_ERROR_MISSING_FIELD, type_needle, field_needle, NULL);
    }
}

/* Builds a frame of @type whose field @field has the value written by
 * @write_value; all other fields are valid. */
typedef void (*ValueWriter) (GByteArray *b);

static GByteArray *
frame_with_field (const char  *type,
                  const char  *field,
                  ValueWriter  write_value)
{
  GByteArray *b = g_byte_array_new ();

  write_valid_fields (b, type, field);
  /* One more entry in the envelope map (always a fixmap here). */
  g_assert_cmpuint (b->data[0] & 0xf0, ==, 0x80);
  b->data[0]++;
  mp_str (b, field);
  write_value (b);
  return b;
}

static void write_bin_31 (GByteArray *b) { mp_bin (b, NULL, 31); }
static void write_bin_33 (GByteArray *b) { mp_bin (b, NULL, 33); }
static void write_bin_63 (GByteArray *b) { mp_bin (b, NULL, 63); }
static void write_str_32 (GByteArray *b) { mp_str_fill (b, 'k', 32); }
static void write_empty_str (GByteArray *b) { mp_str (b, ""); }
static void write_sid_65 (GByteArray *b) { mp_str_fill (b, 's', HORMIGA_SID_MAX_LENGTH + 1); }
static void write_peer_129 (GByteArray *b) { mp_str_fill (b, 'p', HORMIGA_PEER_ID_MAX_TEXT + 1); }
static void write_nul_str (GByteArray *b) { mp_str_len (b, "s\0x", 3); }
static void write_uint_1 (GByteArray *b) { mp_uint (b, 1); }
static void write_negative (GByteArray *b) { mp_int64 (b, -5); }
static void write_nil (GByteArray *b) { mp_byte (b, 0xc0); }
static void write_float (GByteArray *b) { mp_byte (b, 0xcb); mp_be (b, 0, 8); }
static void write_too_big_for_guint (GByteArray *b) { mp_uint (b, (guint64) G_MAXUINT + 1); }
static void write_str_payload (GByteArray *b) { mp_str (b, "payload"); }
static void write_str_peers (GByteArray *b) { mp_str (b, "peer"); }

static void
write_65_peers (GByteArray *b)
{
  mp_array (b, HORMIGA_WELCOME_MAX_PEERS + 1);
  for (guint i = 0; i <= HORMIGA_WELCOME_MAX_PEERS; i++)
    mp_str (b, "p");
}

static void
write_turn_str (GByteArray *b)
{
  mp_str (b, "turn:x");
}

static void
write_turn_no_urls (GByteArray *b)
{
  mp_map (b, 2);
  mp_str (b, "username");
  mp_str (b, "u");
  mp_str (b, "credential");
  mp_str (b, "c");
}

static void
write_turn_5_urls (GByteArray *b)
{
  mp_map (b, 3);
  mp_str (b, "urls");
  mp_array (b, 5);
  for (guint i = 0; i < 5; i++)
    mp_str (b, "turn:x");
  mp_str (b, "username");
  mp_str (b, "u");
  mp_str (b, "credential");
  mp_str (b, "c");
}

static void
write_turn_no_credential (GByteArray *b)
{
  mp_map (b, 3);
  mp_str (b, "urls");
  mp_array (b, 1);
  mp_str (b, "turn:x");
  mp_str (b, "username");
  mp_str (b, "u");
  mp_str (b, "credential");
  mp_uint (b, 7);
}

static void
write_peers_with_uint (GByteArray *b)
{
  mp_array (b, 3);
  mp_str (b, "a");
  mp_str (b, "b");
  mp_uint (b, 9);
}

static void
write_peers_with_empty (GByteArray *b)
{
  mp_array (b, 1);
  mp_str (b, "");
}

typedef struct
{
  const char  *type;
  const char  *field;
  ValueWriter  value;
  const char  *needle;  /* besides the field name */
} InvalidCase;

static void
test_invalid_field (void)
{
  static const InvalidCase cases[] = {
    { "challenge", "nonce", write_bin_31, "bin of 32 bytes; got bin of 31 bytes" },
    { "challenge", "nonce", write_str_32, "bin of 32 bytes; got str of 32 bytes" },
    { "challenge", "server", write_uint_1, "got uint 1" },
    { "challenge", "server", write_nul_str, "NUL" },
    { "join", "key", write_bin_33, "bin of 32 bytes; got bin of 33 bytes" },
    { "join", "key", write_nil, "got nil" },
    { "join", "sig", write_bin_63, "bin of 64 bytes; got bin of 63 bytes" },
    { "join", "client", write_uint_1, "a bool; got uint 1" },
    { "welcome", "id", write_empty_str, "1 to 128 bytes; got str of 0 bytes" },
    { "welcome", "id", write_peer_129, "got str of 129 bytes" },
    { "welcome", "peers", write_65_peers, "at most 64 PeerIDs; got array of 65 elements" },
    { "welcome", "peers", write_str_peers, "got str of 4 bytes" },
    { "welcome", "peers", write_peers_with_uint, "\"peers[2]\"" },
    { "welcome", "peers", write_peers_with_empty, "\"peers[0]\"" },
    { "welcome", "turn", write_turn_str, "a map of urls, username and credential" },
    { "welcome", "turn", write_turn_no_urls, "1 to 4 TURN URLs" },
    { "welcome", "turn", write_turn_5_urls, "1 to 4 TURN URLs; got array of 5 elements" },
    { "welcome", "turn", write_turn_no_credential, "turn.credential" },
    { "signal", "to", write_peer_129, "1 to 128 bytes; got str of 129 bytes" },
    { "signal", "to", write_empty_str, "got str of 0 bytes" },
    { "signal", "from", write_empty_str, "got str of 0 bytes" },
    { "signal", "sid", write_sid_65, "1 to 64 bytes; got str of 65 bytes" },
    { "signal", "sid", write_empty_str, "1 to 64 bytes; got str of 0 bytes" },
    { "signal", "sid", write_nul_str, "NUL" },
    { "signal", "sid", write_uint_1, "got uint 1" },
    { "signal", "payload", write_str_payload, "must be bin; got str of 7 bytes" },
    { "error", "code", write_negative, "got negative int -5" },
    { "error", "code", write_too_big_for_guint, "got uint 4294967296" },
    { "error", "message", write_nil, "got nil" },
    { "error", "sid", write_sid_65, "got str of 65 bytes" },
    { "ping", "seq", write_negative, "got negative int -5" },
    { "pong", "seq", write_float, "got float" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GByteArray) frame = frame_with_field (cases[i].type, cases[i].field,
                                                      cases[i].value);
      g_autofree char *type_needle = g_strdup_printf ("%s message", cases[i].type);

      assert_rejected (frame, HORMIGA_WIRE_ERROR_INVALID_FIELD, type_needle, cases[i].field,
                       cases[i].needle, NULL);
    }
}

static void
test_duplicate_field (void)
{
  g_autoptr(GByteArray) field = g_byte_array_new ();
  g_autoptr(GByteArray) version = g_byte_array_new ();
  g_autoptr(GByteArray) type = g_byte_array_new ();

  /* write_valid_fields writes a "sid": this is a second one. */
  write_valid_fields (field, "signal", NULL);
  field->data[0]++;
  mp_str (field, "sid");
  mp_str (field, "other");
  assert_rejected (field, HORMIGA_WIRE_ERROR_INVALID_FIELD, "\"sid\" appears twice",
                   "signal message", NULL);

  mp_envelope (version, "ping", 2);
  mp_str (version, "seq");
  mp_uint (version, 1);
  mp_str (version, "v");
  mp_uint (version, 1);
  assert_rejected (version, HORMIGA_WIRE_ERROR_INVALID_FIELD, "\"v\" appears twice", NULL);

  mp_envelope (type, "ping", 2);
  mp_str (type, "seq");
  mp_uint (type, 1);
  mp_str (type, "t");
  mp_str (type, "pong");
  assert_rejected (type, HORMIGA_WIRE_ERROR_INVALID_FIELD, "\"t\" appears twice", NULL);
}

static void
test_huge_claimed_sizes (void)
{
  /* Each header announces far more than the frame holds; the decoder must
   * refuse before msgpack-c allocates for it. */
  struct { guint8 type; HormigaWireError code; } headers[] = {
    { 0xdd, HORMIGA_WIRE_ERROR_TOO_MANY_ITEMS },   /* array 32 */
    { 0xdf, HORMIGA_WIRE_ERROR_TOO_MANY_ITEMS },   /* map 32 */
    { 0xdb, HORMIGA_WIRE_ERROR_STRING_TOO_LONG },  /* str 32 */
    { 0xc6, HORMIGA_WIRE_ERROR_BINARY_TOO_LONG },  /* bin 32 */
  };

  for (guint i = 0; i < G_N_ELEMENTS (headers); i++)
    {
      g_autoptr(GByteArray) top = g_byte_array_new ();
      g_autoptr(GByteArray) nested = g_byte_array_new ();

      mp_byte (top, headers[i].type);
      mp_be (top, G_MAXUINT32, 4);
      assert_rejected (top, headers[i].code, "4294967295", NULL);

      /* As the payload of an otherwise valid signal. */
      write_valid_fields (nested, "signal", "payload");
      nested->data[0]++;
      mp_str (nested, "payload");
      mp_byte (nested, headers[i].type);
      mp_be (nested, G_MAXUINT32, 4);
      assert_rejected (nested, headers[i].code, "4294967295", NULL);
    }

  /* Within the count limits but beyond the bytes present: truncated. */
  {
    g_autoptr(GByteArray) frame = g_byte_array_new ();

    mp_array (frame, 1000);
    assert_rejected (frame, HORMIGA_WIRE_ERROR_MALFORMED, "truncated", NULL);
  }
}

static void
test_custom_limits (void)
{
  g_autoptr(HormigaMessage) ping = hormiga_message_new_ping (1);
  g_autoptr(GBytes) frame = hormiga_message_encode (ping);
  g_autoptr(GError) error = NULL;
  g_autoptr(HormigaMessage) decoded = NULL;
  HormigaWireLimits limits = *hormiga_wire_limits_default ();

  limits.max_frame_size = 15;
  decoded = hormiga_message_decode_bytes (frame, &limits, &error);
  g_assert_null (decoded);
  g_assert_error (error, HORMIGA_WIRE_ERROR, HORMIGA_WIRE_ERROR_TOO_LARGE);
  g_assert_nonnull (strstr (error->message, "16 bytes; the limit is 15"));
  g_clear_error (&error);

  limits.max_frame_size = 16;
  decoded = hormiga_message_decode_bytes (frame, &limits, &error);
  g_assert_no_error (error);
  g_assert_nonnull (decoded);
}

static void
test_empty_and_garbage (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HormigaMessage) message = NULL;

  message = hormiga_message_decode (NULL, 0, NULL, &error);
  g_assert_null (message);
  g_assert_error (error, HORMIGA_WIRE_ERROR, HORMIGA_WIRE_ERROR_MALFORMED);
  g_clear_error (&error);

  message = hormiga_message_decode ((const guint8 *) "{\"v\":1}", 7, NULL, &error);
  g_assert_null (message);
  g_assert_nonnull (error);
  g_assert_cmpuint (error->domain, ==, HORMIGA_WIRE_ERROR);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/hormiga/message/type-names", test_type_names);
  g_test_add_func ("/hormiga/message/protocol-error-names", test_protocol_error_names);

  g_test_add_func ("/hormiga/message/round-trip/challenge", test_round_trip_challenge);
  g_test_add_func ("/hormiga/message/round-trip/join", test_round_trip_join);
  g_test_add_func ("/hormiga/message/round-trip/welcome", test_round_trip_welcome);
  g_test_add_func ("/hormiga/message/round-trip/signal", test_round_trip_signal);
  g_test_add_func ("/hormiga/message/round-trip/error", test_round_trip_error);
  g_test_add_func ("/hormiga/message/round-trip/ping-pong", test_round_trip_ping_pong);
  g_test_add_func ("/hormiga/message/boxed", test_boxed);

  g_test_add_func ("/hormiga/message/golden/ping", test_golden_ping);
  g_test_add_func ("/hormiga/message/golden/pong", test_golden_pong);
  g_test_add_func ("/hormiga/message/golden/signal", test_golden_signal);
  g_test_add_func ("/hormiga/message/golden/signal-from", test_golden_signal_from);
  g_test_add_func ("/hormiga/message/golden/error", test_golden_error);
  g_test_add_func ("/hormiga/message/golden/welcome", test_golden_welcome);
  g_test_add_func ("/hormiga/message/golden/challenge", test_golden_challenge);

  g_test_add_func ("/hormiga/message/decode/unknown-fields-ignored", test_unknown_fields_ignored);
  g_test_add_func ("/hormiga/message/decode/any-field-order", test_any_field_order);
  g_test_add_func ("/hormiga/message/decode/valid-fields", test_valid_fields_decode);

  g_test_add_func ("/hormiga/message/reject/not-an-envelope", test_not_an_envelope);
  g_test_add_func ("/hormiga/message/reject/unsupported-version", test_unsupported_version);
  g_test_add_func ("/hormiga/message/reject/unknown-type", test_unknown_type);
  g_test_add_func ("/hormiga/message/reject/missing-field", test_missing_field);
  g_test_add_func ("/hormiga/message/reject/invalid-field", test_invalid_field);
  g_test_add_func ("/hormiga/message/reject/duplicate-field", test_duplicate_field);
  g_test_add_func ("/hormiga/message/reject/huge-claimed-sizes", test_huge_claimed_sizes);
  g_test_add_func ("/hormiga/message/reject/custom-limits", test_custom_limits);
  g_test_add_func ("/hormiga/message/reject/empty-and-garbage", test_empty_and_garbage);

  return g_test_run ();
}
