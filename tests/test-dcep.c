/* test-dcep.c — DCEP (RFC 8832) and PPIDs (RFC 8831 §8)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "hormiga-dcep.h"
#include "hormiga-rtc-error.h"

static void
test_golden_open (void)
{
  /* RFC 8832 §5.1 layout, by hand: reliable, priority 256, "chat", no protocol. */
  static const guint8 expected[] = { 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
                                     0x00, 0x04, 0x00, 0x00, 'c', 'h', 'a', 't' };
  HormigaDcepOpen open = { HORMIGA_DCEP_RELIABLE, 256, 0, (char *) "chat", (char *) "" };
  g_autoptr(GBytes) bytes = hormiga_dcep_encode_open (&open);

  g_assert_cmpmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), expected,
                   sizeof expected);
}

static void
test_golden_partial (void)
{
  /* Unordered, at most 3 retransmissions, label "a", protocol "p". */
  static const guint8 expected[] = { 0x03, 0x81, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03,
                                     0x00, 0x01, 0x00, 0x01, 'a', 'p' };
  HormigaDcepOpen open = { HORMIGA_DCEP_PARTIAL_RELIABLE_REXMIT_UNORDERED, 0, 3,
                           (char *) "a", (char *) "p" };
  g_autoptr(GBytes) bytes = hormiga_dcep_encode_open (&open);
  g_autoptr(GBytes) ack = hormiga_dcep_encode_ack ();

  g_assert_cmpmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), expected,
                   sizeof expected);
  g_assert_cmpmem (g_bytes_get_data (ack, NULL), g_bytes_get_size (ack), "\x02", 1);
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
  const char *labels[] = { "", "chat", "hormiga/δεδομένα/データ", NULL };

  for (guint t = 0; t < G_N_ELEMENTS (types); t++)
    for (guint l = 0; l < 4; l++)
      {
        HormigaDcepOpen open = { types[t], (guint16) (t * 100), 0xdeadbeef,
                                 (char *) (l < 3 ? labels[l] : longest), (char *) "proto" };
        g_autoptr(GBytes) bytes = hormiga_dcep_encode_open (&open);
        g_autoptr(HormigaDcepOpen) back = NULL;
        g_autoptr(GError) error = NULL;
        HormigaDcepMessageType type;

        g_assert_true (hormiga_dcep_decode (g_bytes_get_data (bytes, NULL),
                                            g_bytes_get_size (bytes), &type, &back, &error));
        g_assert_no_error (error);
        g_assert_cmpint (type, ==, HORMIGA_DCEP_MESSAGE_OPEN);
        g_assert_cmpint (back->channel_type, ==, types[t]);
        g_assert_cmpuint (back->priority, ==, t * 100);
        g_assert_cmpuint (back->reliability_parameter, ==, 0xdeadbeef);
        g_assert_cmpstr (back->label, ==, open.label);
        g_assert_cmpstr (back->protocol, ==, "proto");
        g_assert_cmpint (hormiga_dcep_channel_type_is_ordered (types[t]), ==, (types[t] & 0x80) == 0);
      }

  {
    HormigaDcepMessageType type;
    HormigaDcepOpen *open = (HormigaDcepOpen *) 0x1;
    g_autoptr(GError) error = NULL;

    g_assert_true (hormiga_dcep_decode ((const guint8 *) "\x02", 1, &type, &open, &error));
    g_assert_cmpint (type, ==, HORMIGA_DCEP_MESSAGE_ACK);
    g_assert_null (open);
  }
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
}

static void
test_rejects (void)
{
  static const guint8 good[] = { 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
                                 0x00, 0x04, 0x00, 0x00, 'c', 'h', 'a', 't' };
  guint8 bad[sizeof good + 1];

  check_rejected (good, 0, "empty");
  check_rejected ((const guint8 *) "\x05", 1, "0x05");
  check_rejected ((const guint8 *) "\x02\x00", 2, "ACK");
  for (gsize length = 1; length < 12; length++)
    check_rejected (good, length, "truncated");

  /* Label longer than what follows, and extra bytes after it. */
  check_rejected (good, sizeof good - 1, "carries");
  memcpy (bad, good, sizeof good);
  bad[sizeof good] = 'x';
  check_rejected (bad, sizeof good + 1, "carries");

  memcpy (bad, good, sizeof good);
  bad[1] = 0x03;
  check_rejected (bad, sizeof good, "channel type");

  memcpy (bad, good, sizeof good);
  bad[13] = 0xff;
  check_rejected (bad, sizeof good, "UTF-8");

  {
    gsize length = 12 + HORMIGA_DCEP_MAX_STRING + 1;
    g_autofree guint8 *big = g_malloc0 (length);

    big[0] = 0x03;
    big[8] = (guint8) ((HORMIGA_DCEP_MAX_STRING + 1) >> 8);
    big[9] = (guint8) (HORMIGA_DCEP_MAX_STRING + 1);
    memset (big + 12, 'a', HORMIGA_DCEP_MAX_STRING + 1);
    check_rejected (big, length, "limit");
  }
}

static void
test_options (void)
{
  HormigaDcepChannelType type;
  guint32 parameter;
  g_autoptr(GError) error = NULL;

  g_assert_true (hormiga_dcep_channel_type_from_options (TRUE, -1, -1, &type, &parameter, NULL));
  g_assert_cmpint (type, ==, HORMIGA_DCEP_RELIABLE);
  g_assert_true (hormiga_dcep_channel_type_from_options (FALSE, 5, -1, &type, &parameter, NULL));
  g_assert_cmpint (type, ==, HORMIGA_DCEP_PARTIAL_RELIABLE_REXMIT_UNORDERED);
  g_assert_cmpuint (parameter, ==, 5);
  g_assert_true (hormiga_dcep_channel_type_from_options (TRUE, -1, 300, &type, &parameter, NULL));
  g_assert_cmpint (type, ==, HORMIGA_DCEP_PARTIAL_RELIABLE_TIMED);
  g_assert_cmpuint (parameter, ==, 300);
  g_assert_false (hormiga_dcep_channel_type_from_options (TRUE, 1, 1, &type, &parameter, &error));
  g_assert_error (error, HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_DCEP_INVALID);

  g_assert_true (hormiga_dcep_stream_is_ours (0, TRUE));
  g_assert_true (hormiga_dcep_stream_is_ours (2, TRUE));
  g_assert_false (hormiga_dcep_stream_is_ours (1, TRUE));
  g_assert_true (hormiga_dcep_stream_is_ours (1, FALSE));
  g_assert_false (hormiga_dcep_stream_is_ours (4, FALSE));
  g_assert_false (hormiga_dcep_stream_is_ours (65535, FALSE));
}

static void
test_ppids (void)
{
  gboolean zero, text, empty;

  /* RFC 8831 §8: 56 is the empty string, 57 the empty binary message. */
  g_assert_cmpint (hormiga_dcep_ppid_for_message (TRUE, 0, &zero), ==, 56);
  g_assert_true (zero);
  g_assert_cmpint (hormiga_dcep_ppid_for_message (FALSE, 0, &zero), ==, 57);
  g_assert_true (zero);
  g_assert_cmpint (hormiga_dcep_ppid_for_message (TRUE, 3, &zero), ==, 51);
  g_assert_false (zero);
  g_assert_cmpint (hormiga_dcep_ppid_for_message (FALSE, 3, &zero), ==, 53);

  g_assert_true (hormiga_dcep_ppid_is_data (56, &text, &empty));
  g_assert_true (text && empty);
  g_assert_true (hormiga_dcep_ppid_is_data (57, &text, &empty));
  g_assert_true (!text && empty);
  g_assert_true (hormiga_dcep_ppid_is_data (51, &text, &empty));
  g_assert_true (text && !empty);
  g_assert_true (hormiga_dcep_ppid_is_data (53, &text, &empty));
  g_assert_true (!text && !empty);
  g_assert_false (hormiga_dcep_ppid_is_data (50, &text, &empty));
  g_assert_false (hormiga_dcep_ppid_is_data (0, &text, &empty));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/hormiga/dcep/golden-open", test_golden_open);
  g_test_add_func ("/hormiga/dcep/golden-partial", test_golden_partial);
  g_test_add_func ("/hormiga/dcep/round-trip", test_round_trip);
  g_test_add_func ("/hormiga/dcep/rejects", test_rejects);
  g_test_add_func ("/hormiga/dcep/options", test_options);
  g_test_add_func ("/hormiga/dcep/ppids", test_ppids);
  return g_test_run ();
}
