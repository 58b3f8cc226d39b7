/* test-sdp.c — session descriptions for data channels
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The Chromium and Firefox offers in tests/fuzz/corpus/fuzz-sdp/ are written
 * after what those browsers emit for a data-channel-only session.
 */
#include "hormiga-rtc-error.h"
#include "hormiga-sdp.h"

static char *
corpus (const char *name)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "fuzz", "corpus", "fuzz-sdp", name,
                                                 NULL);
  g_autoptr(GError) error = NULL;
  char *text = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, &error));
  g_assert_no_error (error);
  return text;
}

static HormigaSdp *
parse_ok (const char     *text,
          HormigaSdpType  type)
{
  g_autoptr(GError) error = NULL;
  HormigaSdp *sdp = hormiga_sdp_parse (text, strlen (text), type, &error);

  g_assert_no_error (error);
  g_assert_nonnull (sdp);
  return sdp;
}

static void
test_round_trip (void)
{
  g_autoptr(HormigaSdp) offer = hormiga_sdp_new (HORMIGA_SDP_OFFER);
  g_autoptr(HormigaSdp) back = NULL;
  g_autofree char *text = NULL;

  offer->ice_ufrag = g_strdup ("uFrg");
  offer->ice_pwd = g_strdup ("0123456789abcdefghij+/");
  for (guint i = 0; i < 32; i++)
    offer->fingerprint[i] = (guint8) (i * 8 + 1);
  g_ptr_array_add (offer->candidates,
                   g_strdup ("candidate:1 1 UDP 2122260223 127.0.0.1 40000 typ host"));
  offer->end_of_candidates = TRUE;

  text = hormiga_sdp_to_string (offer);
  g_assert_nonnull (strstr (text, "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"));
  g_assert_nonnull (strstr (text, "a=setup:actpass\r\n"));
  g_assert_nonnull (strstr (text, "a=max-message-size:262144\r\n"));
  g_assert_nonnull (strstr (text, "a=ice-options:trickle\r\n"));
  g_assert_nonnull (strstr (text, "a=fingerprint:sha-256 01:09:11:"));
  g_assert_true (g_str_has_suffix (text, "a=end-of-candidates\r\n"));

  back = parse_ok (text, HORMIGA_SDP_OFFER);
  g_assert_cmpstr (back->ice_ufrag, ==, "uFrg");
  g_assert_cmpstr (back->ice_pwd, ==, "0123456789abcdefghij+/");
  g_assert_cmpmem (back->fingerprint, 32, offer->fingerprint, 32);
  g_assert_cmpint (back->setup, ==, HORMIGA_SDP_SETUP_ACTPASS);
  g_assert_cmpstr (back->mid, ==, "0");
  g_assert_cmpuint (back->sctp_port, ==, 5000);
  g_assert_cmpuint (back->max_message_size, ==, 262144);
  g_assert_true (back->ice_trickle);
  g_assert_cmpuint (back->candidates->len, ==, 1);
  g_assert_true (back->end_of_candidates);
  g_assert_cmpuint (back->session_id, ==, offer->session_id);

  /* An answer defaults to active. */
  {
    g_autoptr(HormigaSdp) answer = hormiga_sdp_new (HORMIGA_SDP_ANSWER);
    g_assert_cmpint (answer->setup, ==, HORMIGA_SDP_SETUP_ACTIVE);
  }
}

static void
test_chromium_offer (void)
{
  g_autofree char *text = corpus ("chromium-offer");
  g_autoptr(HormigaSdp) sdp = parse_ok (text, HORMIGA_SDP_OFFER);
  g_autofree char *fingerprint = hormiga_sdp_fingerprint_to_string (sdp->fingerprint);

  g_assert_cmpstr (sdp->ice_ufrag, ==, "Xq9e");
  g_assert_cmpstr (sdp->ice_pwd, ==, "w5a8Nf0pVb8c3ZqUTq5WmS6y");
  g_assert_cmpstr (fingerprint, ==, "6B:8B:5D:EA:59:04:20:23:29:C8:87:1C:CC:87:32:BE:"
                                    "DD:8C:66:A5:8E:50:55:EA:4C:D6:A3:0F:05:B2:17:03");
  g_assert_cmpint (sdp->setup, ==, HORMIGA_SDP_SETUP_ACTPASS);
  g_assert_cmpuint (sdp->max_message_size, ==, 262144);
  g_assert_cmpuint (sdp->candidates->len, ==, 1);
  g_assert_nonnull (strstr (g_ptr_array_index (sdp->candidates, 0), ".local 54400 typ host"));
  g_assert_false (sdp->legacy);
  g_assert_cmpuint (sdp->session_id, ==, G_GUINT64_CONSTANT (4611731400430051336));
}

static void
test_firefox_offer (void)
{
  g_autofree char *text = corpus ("firefox-offer");
  g_autoptr(HormigaSdp) sdp = parse_ok (text, HORMIGA_SDP_OFFER);

  /* Session-level fingerprint and ice-options, LF line endings. */
  g_assert_true (sdp->ice_trickle);
  g_assert_cmpuint (sdp->fingerprint[0], ==, 0x0f);
  g_assert_cmpuint (sdp->max_message_size, ==, 1073741823);
  g_assert_cmpstr (sdp->ice_ufrag, ==, "5a1b2c3d");
}

static void
test_legacy_answer (void)
{
  g_autofree char *text = corpus ("legacy-answer");
  g_autoptr(HormigaSdp) sdp = parse_ok (text, HORMIGA_SDP_ANSWER);
  g_autofree char *again = NULL;

  g_assert_true (sdp->legacy);
  g_assert_cmpuint (sdp->sctp_port, ==, 5000);
  g_assert_cmpint (sdp->setup, ==, HORMIGA_SDP_SETUP_ACTIVE);
  g_assert_cmpstr (sdp->mid, ==, "data");
  /* Absent max-message-size means 64 KiB. */
  g_assert_cmpuint (sdp->max_message_size, ==, 65536);
  again = hormiga_sdp_to_string (sdp);
  g_assert_nonnull (strstr (again, "m=application 9 DTLS/SCTP 5000\r\n"));
  g_assert_nonnull (strstr (again, "a=sctpmap:5000 webrtc-datachannel 1024\r\n"));
}

static void
test_picks_data_section (void)
{
  g_autofree char *chromium = corpus ("chromium-offer");
  g_autofree char *media = NULL;
  g_autoptr(HormigaSdp) sdp = NULL;
  const char *m = strstr (chromium, "m=application");

  /* An audio and a video section before the data section are skipped,
   * attributes inside them included. */
  media = g_strdup_printf ("%.*sm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=ice-ufrag:zzzz\r\n"
                           "a=mid:audio\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:video\r\n%s",
                           (int) (m - chromium), chromium, m);
  sdp = parse_ok (media, HORMIGA_SDP_OFFER);
  g_assert_cmpstr (sdp->mid, ==, "0");
  g_assert_cmpstr (sdp->ice_ufrag, ==, "Xq9e");
}

static void
check_rejected (const char *text,
                int         code,
                const char *fragment)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HormigaSdp) sdp = hormiga_sdp_parse (text, strlen (text), HORMIGA_SDP_OFFER, &error);

  g_assert_null (sdp);
  g_assert_error (error, HORMIGA_RTC_ERROR, code);
  if (strstr (error->message, fragment) == NULL)
    g_error ("“%s” does not mention “%s”", error->message, fragment);
}

static char *
replace (const char *text,
         const char *from,
         const char *to)
{
  g_auto(GStrv) parts = g_strsplit (text, from, 2);

  g_assert_nonnull (parts[1]);
  return g_strconcat (parts[0], to, parts[1], NULL);
}

static void
test_rejects (void)
{
  g_autofree char *good = corpus ("chromium-offer");
  g_autofree char *huge = g_strnfill (HORMIGA_SDP_MAX_SIZE + 1, 'a');
  g_autofree char *long_line = NULL;
  GString *many = g_string_new ("v=0\r\n");
  struct { const char *from, *to; int code; const char *fragment; } cases[] = {
    { "v=0", "v=1", HORMIGA_RTC_ERROR_SDP_INVALID, "line 1" },
    { "s=-\r\n", "s=-\r\nbad line\r\n", HORMIGA_RTC_ERROR_SDP_INVALID, "line 4" },
    { "a=ice-ufrag:Xq9e\r\n", "", HORMIGA_RTC_ERROR_SDP_INVALID, "ice-ufrag" },
    { "a=ice-ufrag:Xq9e", "a=ice-ufrag:X", HORMIGA_RTC_ERROR_SDP_INVALID, "ice-ufrag" },
    { "a=ice-pwd:w5a8Nf0pVb8c3ZqUTq5WmS6y", "a=ice-pwd:short", HORMIGA_RTC_ERROR_SDP_INVALID, "ice-pwd" },
    { "a=fingerprint:sha-256 6B:8B", "a=fingerprint:sha-256 ZZ:8B", HORMIGA_RTC_ERROR_FINGERPRINT, "byte 1" },
    { "a=fingerprint:sha-256 6B:8B:5D:EA:59:04:20:23:29:C8:87:1C:CC:87:32:BE:DD:8C:66:A5:8E:50:55:EA:4C:D6:A3:0F:05:B2:17:03",
      "a=fingerprint:sha-1 6B:8B:5D:EA:59:04:20:23:29:C8:87:1C:CC:87:32:BE:DD:8C:66:A5",
      HORMIGA_RTC_ERROR_SDP_UNSUPPORTED, "sha-256" },
    { "a=setup:actpass", "a=setup:sideways", HORMIGA_RTC_ERROR_SDP_INVALID, "setup" },
    { "a=sctp-port:5000", "a=sctp-port:0", HORMIGA_RTC_ERROR_SDP_INVALID, "sctp-port" },
    { "a=sctp-port:5000", "a=sctp-port:70000", HORMIGA_RTC_ERROR_SDP_INVALID, "sctp-port" },
    { "a=max-message-size:262144", "a=max-message-size:abc", HORMIGA_RTC_ERROR_SDP_INVALID, "max-message-size" },
    { "a=max-message-size:262144", "a=max-message-size:99999999999999999999999", HORMIGA_RTC_ERROR_SDP_INVALID, "max-message-size" },
    { "m=application 9 UDP/DTLS/SCTP webrtc-datachannel", "m=audio 9 UDP/TLS/RTP/SAVPF 111", HORMIGA_RTC_ERROR_SDP_UNSUPPORTED, "data-channel" },
    { "o=- 4611731400430051336 2 IN IP4 127.0.0.1", "o=- x 2 IN IP4 127.0.0.1", HORMIGA_RTC_ERROR_SDP_INVALID, "o=" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = replace (good, cases[i].from, cases[i].to);
      check_rejected (text, cases[i].code, cases[i].fragment);
    }

  check_rejected ("", HORMIGA_RTC_ERROR_SDP_INVALID, "empty");
  check_rejected (huge, HORMIGA_RTC_ERROR_SDP_TOO_LARGE, "limit");
  for (guint i = 0; i < HORMIGA_SDP_MAX_LINES + 5; i++)
    g_string_append (many, "a=x\r\n");
  check_rejected (many->str, HORMIGA_RTC_ERROR_SDP_TOO_LARGE, "lines");
  g_string_free (many, TRUE);

  {
    g_autofree char *xs = g_strnfill (HORMIGA_SDP_MAX_LINE, 'x');
    long_line = g_strdup_printf ("v=0\r\na=%s\r\n", xs);
  }
  check_rejected (long_line, HORMIGA_RTC_ERROR_SDP_TOO_LARGE, "line 2");

  {
    GString *candidates = g_string_new (good);

    for (guint i = 0; i <= HORMIGA_SDP_MAX_CANDIDATES; i++)
      g_string_append_printf (candidates, "a=candidate:%u 1 udp 1 127.0.0.1 %u typ host\r\n",
                              i, 1000 + i);
    check_rejected (candidates->str, HORMIGA_RTC_ERROR_SDP_TOO_LARGE, "candidates");
    g_string_free (candidates, TRUE);
  }
}

static void
test_fingerprint_text (void)
{
  guint8 bytes[32];
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  g_assert_true (hormiga_sdp_fingerprint_parse ("ab:CD:ef:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:"
                                                "ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89",
                                                bytes, &error));
  g_assert_no_error (error);
  text = hormiga_sdp_fingerprint_to_string (bytes);
  g_assert_cmpstr (text, ==, "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:"
                             "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89");
  g_assert_false (hormiga_sdp_fingerprint_parse ("AB:CD", bytes, &error));
  g_assert_error (error, HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_FINGERPRINT);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/hormiga/sdp/round-trip", test_round_trip);
  g_test_add_func ("/hormiga/sdp/chromium-offer", test_chromium_offer);
  g_test_add_func ("/hormiga/sdp/firefox-offer", test_firefox_offer);
  g_test_add_func ("/hormiga/sdp/legacy-answer", test_legacy_answer);
  g_test_add_func ("/hormiga/sdp/picks-data-section", test_picks_data_section);
  g_test_add_func ("/hormiga/sdp/rejects", test_rejects);
  g_test_add_func ("/hormiga/sdp/fingerprint-text", test_fingerprint_text);
  return g_test_run ();
}
