/* test-dcep.c — DCEP (RFC 8832) and PPIDs (RFC 8831 §8)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "hormiga-dcep.h"
#include "hormiga-rtc-error.h"

#include <string.h>

static void
assert_bytes (GBytes       *bytes,
              const guint8 *expected,
              gsize         length)
{
  g_assert_nonnull (bytes);
  g_assert_cmpmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), expected, length);
}

static void
test_golden_open (void)
{
  /* RFC 8832 §5.1 layout, by hand: reliable, priority 256, "chat", no protocol. */
  static const guint8 expected[] = { 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
                                     0x00, 0x04, 0x00, 0x00, 'c', 'h', 'a', 't' };
  HormigaDcepOpen open = { HORMIGA_DCEP_RELIABLE, 256, 0, (char *) "chat", (char *) "" };
  HormigaDcepOpen null_protocol = { HORMIGA_DCEP_RELIABLE, 256, 0, (char *) "chat", NULL };
  g_autoptr(GBytes) bytes = hormiga_dcep_encode_open (&open);
  g_autoptr(GBytes) same = hormiga_dcep_encode_open (&null_protocol);

  assert_bytes (bytes, expected, sizeof expected);
  assert_bytes (same, expected, sizeof expected);
}

static void
test_golden_partial (void)
{
  /* Unordered, at most 3 retransmissions, label "a", protocol "p". */
  static const guint8 rexmit[] = { 0x03, 0x81, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03,
                                   0x00, 0x01, 0x00, 0x01, 'a', 'p' };
  /* Ordered, lifetime 1500 ms (0x05dc), priority 512, label "t", protocol "json". */
  static const guint8 timed[] = { 0x03, 0x02, 0x02, 0x00, 0x00, 0x00, 0x05, 0xdc,
                                  0x00, 0x01, 0x00, 0x04, 't', 'j', 's', 'o', 'n' };
  /* Reliable unordered, largest reliability parameter, no label, no protocol. */
  static const guint8 bare[] = { 0x03, 0x80, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                 0x00, 0x00, 0x00, 0x00 };
  HormigaDcepOpen open_rexmit = { HORMIGA_DCEP_PARTIAL_RELIABLE_REXMIT_UNORDERED, 0, 3,
                                  (char *) "a", (char *) "p" };
  HormigaDcepOpen open_timed = { HORMIGA_DCEP_PARTIAL_RELIABLE_TIMED, 512, 1500,
                                 (char *) "t", (char *) "json" };
  HormigaDcepOpen open_bare = { HORMIGA_DCEP_RELIABLE_UNORDERED, 0xffff, 0xffffffff, NULL, NULL };
  g_autoptr(GBytes) bytes_rexmit = hormiga_dcep_encode_open (&open_rexmit);
  g_autoptr(GBytes) bytes_timed = hormiga_dcep_encode_open (&open_timed);
  g_autoptr(GBytes) bytes_bare = hormiga_dcep_encode_open (&open_bare);

  assert_bytes (bytes_rexmit, rexmit, sizeof rexmit);
  assert_bytes (bytes_timed, timed, sizeof timed);
  assert_bytes (bytes_bare, bare, sizeof bare);
}

static void
test_golden_ack (void)
{
  g_autoptr(GBytes) ack = hormiga_dcep_encode_ack ();
  g_autoptr(GError) error = NULL;
  HormigaDcepMessageType type = 0;
  HormigaDcepOpen *open = (HormigaDcepOpen *) 0x1;

  assert_bytes (ack, (const guint8 *) "\x02", 1);
  g_assert_true (hormiga_dcep_decode ((const guint8 *) "\x02", 1, &type, &open, &error));
  g_assert_no_error (error);
  g_assert_cmpint (type, ==, HORMIGA_DCEP_MESSAGE_ACK);
  g_assert_null (open);

  /* Both out pointers are optional. */
  g_assert_true (hormiga_dcep_decode ((const guint8 *) "\x02", 1, NULL, NULL, NULL));
}

static void
test_round_trip (void)
{
  const HormigaDcepChannelType types[] = {
    HORMIGA_DCEP_RELIABLE, HORMIGA_DCEP_RELIABLE_UNORDERED,
    HORMIGA_DCEP_PARTIAL_RELIABLE_REXMIT, HORMIGA_DCEP_PARTIAL_RELIABLE_REXMIT_UNORDERED,
    HORMIGA_DCEP_PARTIAL_RELIABLE_TIMED, HORMIGA_DCEP_PARTIAL_RELIABLE_TIMED_UNORDERED,
  };
  g_autofree char *longest = g_strnfill (HORMIGA_DCEP_MAX_STRING, 'l');
  /* 1,024 bytes of two-byte characters: the limit counts bytes. */
  g_autoptr(GString) longest_unicode = g_string_new (NULL);
  const char *strings[6];

  while (longest_unicode->len < HORMIGA_DCEP_MAX_STRING)
    g_string_append (longest_unicode, "ñ");
  g_assert_cmpuint (longest_unicode->len, ==, HORMIGA_DCEP_MAX_STRING);
  strings[0] = "";
  strings[1] = "chat";
  strings[2] = "hormiga/δεδομένα/データ/🐜";
  strings[3] = longest;
  strings[4] = longest_unicode->str;
  strings[5] = "with space and \"quotes\"";

  for (guint t = 0; t < G_N_ELEMENTS (types); t++)
    for (guint l = 0; l < G_N_ELEMENTS (strings); l++)
      for (guint p = 0; p < G_N_ELEMENTS (strings); p++)
        {
          HormigaDcepOpen open = { types[t], (guint16) (t * 100 + l), 0xdeadbeef - p,
                                   (char *) strings[l], (char *) strings[p] };
          g_autoptr(GBytes) bytes = hormiga_dcep_encode_open (&open);
          g_autoptr(HormigaDcepOpen) back = NULL;
          g_autoptr(GBytes) again = NULL;
          g_autoptr(GError) error = NULL;
          HormigaDcepMessageType type = 0;

          g_assert_cmpuint (g_bytes_get_size (bytes), ==,
                            HORMIGA_DCEP_HEADER + strlen (strings[l]) + strlen (strings[p]));
          g_assert_true (hormiga_dcep_decode (g_bytes_get_data (bytes, NULL),
                                              g_bytes_get_size (bytes), &type, &back, &error));
          g_assert_no_error (error);
          g_assert_cmpint (type, ==, HORMIGA_DCEP_MESSAGE_OPEN);
          g_assert_cmpint (back->channel_type, ==, types[t]);
          g_assert_cmpuint (back->priority, ==, t * 100 + l);
          g_assert_cmpuint (back->reliability_parameter, ==, 0xdeadbeef - p);
          g_assert_cmpstr (back->label, ==, strings[l]);
          g_assert_cmpstr (back->protocol, ==, strings[p]);

          again = hormiga_dcep_encode_open (back);
          g_assert_true (g_bytes_equal (bytes, again));
        }
}

static void
test_ordered (void)
{
  const HormigaDcepChannelType ordered[] = {
    HORMIGA_DCEP_RELIABLE, HORMIGA_DCEP_PARTIAL_RELIABLE_REXMIT,
    HORMIGA_DCEP_PARTIAL_RELIABLE_TIMED,
  };
  const HormigaDcepChannelType unordered[] = {
    HORMIGA_DCEP_RELIABLE_UNORDERED, HORMIGA_DCEP_PARTIAL_RELIABLE_REXMIT_UNORDERED,
    HORMIGA_DCEP_PARTIAL_RELIABLE_TIMED_UNORDERED,
  };

  for (guint i = 0; i < G_N_ELEMENTS (ordered); i++)
    g_assert_true (hormiga_dcep_channel_type_is_ordered (ordered[i]));
  for (guint i = 0; i < G_N_ELEMENTS (unordered); i++)
    g_assert_false (hormiga_dcep_channel_type_is_ordered (unordered[i]));
}

static void
check_rejected (const guint8 *data,
                gsize         length,
                const char   *fragment)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HormigaDcepOpen) open = NULL;
  HormigaDcepMessageType type;

  g_assert_false (hormiga_dcep_decode (data, length, &type, &open, &error));
  g_assert_error (error, HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_DCEP_INVALID);
  g_assert_null (open);
  if (strstr (error->message, fragment) == NULL)
    g_error ("“%s” does not mention “%s”", error->message, fragment);
  g_test_message ("%s", error->message);
}

/* An OPEN whose label is @label_length bytes of @fill and protocol "p". */
static guint8 *
make_open (gsize  label_length,
           guint8 fill,
           gsize *length_out)
{
  gsize length = HORMIGA_DCEP_HEADER + label_length + 1;
  guint8 *data = g_malloc0 (length);

  data[0] = HORMIGA_DCEP_MESSAGE_OPEN;
  data[8] = (guint8) (label_length >> 8);
  data[9] = (guint8) label_length;
  data[11] = 1;
  memset (data + HORMIGA_DCEP_HEADER, fill, label_length);
  data[length - 1] = 'p';
  *length_out = length;
  return data;
}

static void
test_rejects (void)
{
  static const guint8 good[] = { 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
                                 0x00, 0x04, 0x00, 0x00, 'c', 'h', 'a', 't' };
  guint8 bad[sizeof good + 1];

  check_rejected (good, 0, "empty");
  check_rejected (NULL, 0, "empty");
  check_rejected ((const guint8 *) "\x05", 1, "0x05");
  check_rejected ((const guint8 *) "\x00", 1, "0x00");
  check_rejected ((const guint8 *) "\x01\x00\x00", 3, "0x01");
  check_rejected ((const guint8 *) "\xff", 1, "0xff");
  check_rejected ((const guint8 *) "\x02\x00", 2, "2 bytes");
  for (gsize length = 1; length < HORMIGA_DCEP_HEADER; length++)
    check_rejected (good, length, "truncated");

  /* Label longer than what follows, and extra bytes after it. */
  check_rejected (good, sizeof good - 1, "the message has 3");
  check_rejected (good, HORMIGA_DCEP_HEADER, "the message has 0");
  memcpy (bad, good, sizeof good);
  bad[sizeof good] = 'x';
  check_rejected (bad, sizeof good + 1, "trailing data: 5 bytes");
  memcpy (bad, good, sizeof good);
  bad[8] = 0xff;  /* label length 65,284 */
  check_rejected (bad, sizeof good, "truncated");
  memcpy (bad, good, sizeof good);
  bad[11] = 0x01;  /* a protocol byte that is not there */
  check_rejected (bad, sizeof good, "truncated");

  /* Every byte value as channel type: exactly the six RFC types pass. */
  for (guint value = 0; value < 256; value++)
    {
      memcpy (bad, good, sizeof good);
      bad[1] = (guint8) value;
      if (value <= 0x02 || (value >= 0x80 && value <= 0x82))
        g_assert_true (hormiga_dcep_decode (bad, sizeof good, NULL, NULL, NULL));
      else
        check_rejected (bad, sizeof good, "channel type");
    }

  memcpy (bad, good, sizeof good);
  bad[13] = 0xff;
  check_rejected (bad, sizeof good, "label is not valid UTF-8");
  memcpy (bad, good, sizeof good);
  bad[13] = 0xc3;  /* a lead byte without its continuation */
  bad[14] = 'a';
  check_rejected (bad, sizeof good, "label is not valid UTF-8");
  memcpy (bad, good, sizeof good);
  bad[13] = 0;
  check_rejected (bad, sizeof good, "label holds a NUL");
  memcpy (bad, good, sizeof good);
  bad[9] = 3;   /* label "cha", protocol "t"… */
  bad[11] = 1;
  bad[15] = 0x80;  /* …that is a lone continuation byte */
  check_rejected (bad, sizeof good, "protocol is not valid UTF-8");

  {
    gsize length;
    g_autofree guint8 *fits = make_open (HORMIGA_DCEP_MAX_STRING, 'a', &length);
    g_autofree guint8 *big = make_open (HORMIGA_DCEP_MAX_STRING + 1, 'a', &length);
    g_autofree guint8 *huge = make_open (G_MAXUINT16, 'a', &length);

    g_assert_true (hormiga_dcep_decode (fits, HORMIGA_DCEP_HEADER + HORMIGA_DCEP_MAX_STRING + 1,
                                        NULL, NULL, NULL));
    check_rejected (big, HORMIGA_DCEP_HEADER + HORMIGA_DCEP_MAX_STRING + 2,
                    "label is 1025 bytes; the limit is 1024");
    check_rejected (huge, length, "label is 65535 bytes; the limit is 1024");
  }
  {
    /* Protocol above the limit, label empty. */
    gsize length = HORMIGA_DCEP_HEADER + HORMIGA_DCEP_MAX_STRING + 1;
    g_autofree guint8 *big = g_malloc0 (length);

    big[0] = HORMIGA_DCEP_MESSAGE_OPEN;
    big[10] = (guint8) ((HORMIGA_DCEP_MAX_STRING + 1) >> 8);
    big[11] = (guint8) (HORMIGA_DCEP_MAX_STRING + 1);
    memset (big + HORMIGA_DCEP_HEADER, 'p', HORMIGA_DCEP_MAX_STRING + 1);
    check_rejected (big, length, "protocol is 1025 bytes; the limit is 1024");
  }
}

static void
test_encode_refuses (void)
{
  g_autofree char *big = g_strnfill (HORMIGA_DCEP_MAX_STRING + 1, 'x');
  HormigaDcepOpen too_long = { HORMIGA_DCEP_RELIABLE, 0, 0, big, NULL };
  HormigaDcepOpen not_utf8 = { HORMIGA_DCEP_RELIABLE, 0, 0, NULL, (char *) "\xff" };
  HormigaDcepOpen unknown = { (HormigaDcepChannelType) 0x03, 0, 0, NULL, NULL };

  /* Programmer errors: each is a g_return_val_if_fail() critical. */
  g_test_expect_message (NULL, G_LOG_LEVEL_CRITICAL, "*string_is_encodable (open->label)*");
  g_assert_null (hormiga_dcep_encode_open (&too_long));
  g_test_assert_expected_messages ();
  g_test_expect_message (NULL, G_LOG_LEVEL_CRITICAL, "*string_is_encodable (open->protocol)*");
  g_assert_null (hormiga_dcep_encode_open (&not_utf8));
  g_test_assert_expected_messages ();
  g_test_expect_message (NULL, G_LOG_LEVEL_CRITICAL, "*channel_type_is_known*");
  g_assert_null (hormiga_dcep_encode_open (&unknown));
  g_test_assert_expected_messages ();
}

static void
test_options (void)
{
  HormigaDcepChannelType type;
  guint32 parameter;
  g_autoptr(GError) error = NULL;

  g_assert_true (hormiga_dcep_channel_type_from_options (TRUE, -1, -1, &type, &parameter, NULL));
  g_assert_cmpint (type, ==, HORMIGA_DCEP_RELIABLE);
  g_assert_cmpuint (parameter, ==, 0);
  g_assert_true (hormiga_dcep_channel_type_from_options (FALSE, -1, -1, &type, &parameter, NULL));
  g_assert_cmpint (type, ==, HORMIGA_DCEP_RELIABLE_UNORDERED);
  g_assert_cmpuint (parameter, ==, 0);
  g_assert_true (hormiga_dcep_channel_type_from_options (TRUE, 0, -1, &type, &parameter, NULL));
  g_assert_cmpint (type, ==, HORMIGA_DCEP_PARTIAL_RELIABLE_REXMIT);
  g_assert_cmpuint (parameter, ==, 0);
  g_assert_true (hormiga_dcep_channel_type_from_options (FALSE, 5, -1, &type, &parameter, NULL));
  g_assert_cmpint (type, ==, HORMIGA_DCEP_PARTIAL_RELIABLE_REXMIT_UNORDERED);
  g_assert_cmpuint (parameter, ==, 5);
  g_assert_true (hormiga_dcep_channel_type_from_options (TRUE, -1, 300, &type, &parameter, NULL));
  g_assert_cmpint (type, ==, HORMIGA_DCEP_PARTIAL_RELIABLE_TIMED);
  g_assert_cmpuint (parameter, ==, 300);
  g_assert_true (hormiga_dcep_channel_type_from_options (FALSE, -1, G_MAXINT, &type, &parameter,
                                                         NULL));
  g_assert_cmpint (type, ==, HORMIGA_DCEP_PARTIAL_RELIABLE_TIMED_UNORDERED);
  g_assert_cmpuint (parameter, ==, G_MAXINT);

  g_assert_false (hormiga_dcep_channel_type_from_options (TRUE, 1, 1, &type, &parameter, &error));
  g_assert_error (error, HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_DCEP_INVALID);
  g_assert_nonnull (strstr (error->message, "maxRetransmits"));
  g_assert_nonnull (strstr (error->message, "maxPacketLifeTime"));
  g_clear_error (&error);
  g_assert_false (hormiga_dcep_channel_type_from_options (FALSE, 0, 0, &type, &parameter, &error));
  g_assert_error (error, HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_DCEP_INVALID);
}

static void
test_stream_parity (void)
{
  /* The DTLS client opens on even ids, the server on odd ones. */
  g_assert_true (hormiga_dcep_stream_id_is_valid_for (0, TRUE));
  g_assert_true (hormiga_dcep_stream_id_is_valid_for (2, TRUE));
  g_assert_true (hormiga_dcep_stream_id_is_valid_for (HORMIGA_DCEP_MAX_STREAM, TRUE));
  g_assert_false (hormiga_dcep_stream_id_is_valid_for (1, TRUE));
  g_assert_false (hormiga_dcep_stream_id_is_valid_for (65533, TRUE));
  g_assert_true (hormiga_dcep_stream_id_is_valid_for (1, FALSE));
  g_assert_true (hormiga_dcep_stream_id_is_valid_for (65533, FALSE));
  g_assert_false (hormiga_dcep_stream_id_is_valid_for (0, FALSE));
  g_assert_false (hormiga_dcep_stream_id_is_valid_for (4, FALSE));
  /* 65535 is reserved: nobody's. */
  g_assert_cmpuint (HORMIGA_DCEP_MAX_STREAM, ==, 65534);
  g_assert_false (hormiga_dcep_stream_id_is_valid_for (65535, FALSE));
  g_assert_false (hormiga_dcep_stream_id_is_valid_for (65535, TRUE));

  for (guint id = 0; id <= G_MAXUINT16; id++)
    for (guint client = 0; client < 2; client++)
      g_assert_cmpint (hormiga_dcep_stream_is_ours ((guint16) id, client), ==,
                       hormiga_dcep_stream_id_is_valid_for ((guint16) id, client));
}

static void
test_ppid_send (void)
{
  gboolean zero = TRUE;

  g_assert_cmpint (HORMIGA_PPID_DCEP, ==, 50);
  g_assert_cmpint (HORMIGA_PPID_STRING, ==, 51);
  g_assert_cmpint (HORMIGA_PPID_BINARY_PARTIAL, ==, 52);
  g_assert_cmpint (HORMIGA_PPID_BINARY, ==, 53);
  g_assert_cmpint (HORMIGA_PPID_STRING_PARTIAL, ==, 54);
  g_assert_cmpint (HORMIGA_PPID_STRING_EMPTY, ==, 56);
  g_assert_cmpint (HORMIGA_PPID_BINARY_EMPTY, ==, 57);

  /* RFC 8831 §8: 56 is the empty string, 57 the empty binary message
   * (GStreamer's webrtcbin has them the other way round). */
  g_assert_cmpint (hormiga_dcep_ppid_for_message (TRUE, 0, &zero), ==, 56);
  g_assert_true (zero);
  g_assert_cmpint (hormiga_dcep_ppid_for_message (FALSE, 0, &zero), ==, 57);
  g_assert_true (zero);
  g_assert_cmpint (hormiga_dcep_ppid_for_message (TRUE, 3, &zero), ==, 51);
  g_assert_false (zero);
  zero = TRUE;
  g_assert_cmpint (hormiga_dcep_ppid_for_message (FALSE, 3, &zero), ==, 53);
  g_assert_false (zero);
  zero = TRUE;
  g_assert_cmpint (hormiga_dcep_ppid_for_message (TRUE, 1, &zero), ==, 51);
  g_assert_false (zero);
  zero = TRUE;
  g_assert_cmpint (hormiga_dcep_ppid_for_message (FALSE, G_MAXSIZE, &zero), ==, 53);
  g_assert_false (zero);
}

static void
test_ppid_receive (void)
{
  gboolean text, empty;

  g_assert_cmpint (hormiga_dcep_ppid_classify (50), ==, HORMIGA_PPID_KIND_DCEP);
  g_assert_cmpint (hormiga_dcep_ppid_classify (51), ==, HORMIGA_PPID_KIND_TEXT);
  g_assert_cmpint (hormiga_dcep_ppid_classify (52), ==, HORMIGA_PPID_KIND_BINARY_PARTIAL);
  g_assert_cmpint (hormiga_dcep_ppid_classify (53), ==, HORMIGA_PPID_KIND_BINARY);
  g_assert_cmpint (hormiga_dcep_ppid_classify (54), ==, HORMIGA_PPID_KIND_TEXT_PARTIAL);
  g_assert_cmpint (hormiga_dcep_ppid_classify (55), ==, HORMIGA_PPID_KIND_INVALID);
  g_assert_cmpint (hormiga_dcep_ppid_classify (56), ==, HORMIGA_PPID_KIND_TEXT_EMPTY);
  g_assert_cmpint (hormiga_dcep_ppid_classify (57), ==, HORMIGA_PPID_KIND_BINARY_EMPTY);
  g_assert_cmpint (hormiga_dcep_ppid_classify (0), ==, HORMIGA_PPID_KIND_INVALID);
  g_assert_cmpint (hormiga_dcep_ppid_classify (49), ==, HORMIGA_PPID_KIND_INVALID);
  g_assert_cmpint (hormiga_dcep_ppid_classify (58), ==, HORMIGA_PPID_KIND_INVALID);
  g_assert_cmpint (hormiga_dcep_ppid_classify (G_MAXUINT32), ==, HORMIGA_PPID_KIND_INVALID);
  /* Byte order matters: 51 seen big-endian on a little-endian host is not data. */
  g_assert_cmpint (hormiga_dcep_ppid_classify (0x33000000), ==, HORMIGA_PPID_KIND_INVALID);

  g_assert_true (hormiga_dcep_ppid_is_data (56, &text, &empty));
  g_assert_true (text && empty);
  g_assert_true (hormiga_dcep_ppid_is_data (57, &text, &empty));
  g_assert_true (!text && empty);
  g_assert_true (hormiga_dcep_ppid_is_data (51, &text, &empty));
  g_assert_true (text && !empty);
  g_assert_true (hormiga_dcep_ppid_is_data (53, &text, &empty));
  g_assert_true (!text && !empty);
  g_assert_true (hormiga_dcep_ppid_is_data (54, &text, &empty));
  g_assert_true (text && !empty);
  g_assert_true (hormiga_dcep_ppid_is_data (52, &text, &empty));
  g_assert_true (!text && !empty);
  g_assert_false (hormiga_dcep_ppid_is_data (50, &text, &empty));
  g_assert_false (hormiga_dcep_ppid_is_data (55, &text, &empty));
  g_assert_false (hormiga_dcep_ppid_is_data (0, &text, &empty));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/hormiga/dcep/golden-open", test_golden_open);
  g_test_add_func ("/hormiga/dcep/golden-partial", test_golden_partial);
  g_test_add_func ("/hormiga/dcep/golden-ack", test_golden_ack);
  g_test_add_func ("/hormiga/dcep/round-trip", test_round_trip);
  g_test_add_func ("/hormiga/dcep/ordered", test_ordered);
  g_test_add_func ("/hormiga/dcep/rejects", test_rejects);
  g_test_add_func ("/hormiga/dcep/encode-refuses", test_encode_refuses);
  g_test_add_func ("/hormiga/dcep/options", test_options);
  g_test_add_func ("/hormiga/dcep/stream-parity", test_stream_parity);
  g_test_add_func ("/hormiga/dcep/ppid-send", test_ppid_send);
  g_test_add_func ("/hormiga/dcep/ppid-receive", test_ppid_receive);
  return g_test_run ();
}
