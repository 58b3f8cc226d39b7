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
test_round_trip_answer (void)
{
  g_autoptr(HormigaSdp) answer = hormiga_sdp_new (HORMIGA_SDP_ANSWER);
  g_autoptr(HormigaSdp) back = NULL;
  g_autoptr(HormigaSdp) copy = NULL;
  g_autofree char *text = NULL;

  answer->ice_ufrag = g_strdup ("hOrM");
  answer->ice_pwd = g_strdup ("Z3pW8f0kLq7YcR2vB9nT4xEa");
  memset (answer->fingerprint, 0xa5, sizeof answer->fingerprint);
  answer->setup = HORMIGA_SDP_SETUP_PASSIVE;
  answer->ice_trickle = FALSE;
  answer->ice_lite = TRUE;
  answer->max_message_size = 0;
  answer->sctp_port = 5001;
  answer->session_version = 7;
  g_free (answer->mid);
  answer->mid = g_strdup ("data");

  text = hormiga_sdp_to_string (answer);
  g_assert_true (g_str_has_prefix (text, "v=0\r\no=- "));
  g_assert_nonnull (strstr (text, "\r\ns=-\r\nt=0 0\r\na=group:BUNDLE data\r\n"));
  g_assert_nonnull (strstr (text, "a=ice-lite\r\n"));
  g_assert_null (strstr (text, "a=ice-options"));
  g_assert_nonnull (strstr (text, "a=setup:passive\r\na=mid:data\r\na=sctp-port:5001\r\n"));
  g_assert_nonnull (strstr (text, "a=max-message-size:0\r\n"));
  g_assert_null (strstr (text, "a=end-of-candidates"));
  /* CRLF everywhere, no bare LF. */
  for (const char *p = strchr (text, '\n'); p != NULL; p = strchr (p + 1, '\n'))
    g_assert_cmpint (p[-1], ==, '\r');

  back = parse_ok (text, HORMIGA_SDP_ANSWER);
  g_assert_cmpint (back->type, ==, HORMIGA_SDP_ANSWER);
  g_assert_cmpint (back->setup, ==, HORMIGA_SDP_SETUP_PASSIVE);
  g_assert_false (back->ice_trickle);
  g_assert_true (back->ice_lite);
  /* 0 stays 0: the peer sets no limit. */
  g_assert_cmpuint (back->max_message_size, ==, 0);
  g_assert_cmpuint (back->sctp_port, ==, 5001);
  g_assert_cmpstr (back->mid, ==, "data");
  g_assert_cmpuint (back->session_id, ==, answer->session_id);
  g_assert_cmpuint (back->session_version, ==, 7);
  g_assert_cmpmem (back->fingerprint, 32, answer->fingerprint, 32);
  g_assert_cmpuint (back->candidates->len, ==, 0);
  g_assert_false (back->end_of_candidates);

  /* The boxed copy is deep. */
  copy = g_boxed_copy (HORMIGA_TYPE_SDP, back);
  g_assert_true (copy->mid != back->mid);
  g_assert_cmpstr (copy->mid, ==, back->mid);
  g_assert_true (copy->candidates != back->candidates);
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
test_lf_only (void)
{
  g_autofree char *text = corpus ("chromium-offer");
  g_auto(GStrv) lines = g_strsplit (text, "\r\n", -1);
  g_autofree char *lf = g_strjoinv ("\n", lines);
  g_autoptr(HormigaSdp) sdp = NULL;

  g_assert_null (strchr (lf, '\r'));
  sdp = parse_ok (lf, HORMIGA_SDP_OFFER);
  g_assert_cmpstr (sdp->ice_ufrag, ==, "Xq9e");
  g_assert_cmpstr (sdp->mid, ==, "0");
  g_assert_cmpuint (sdp->candidates->len, ==, 1);
  g_assert_cmpuint (sdp->max_message_size, ==, 262144);
}

static void
test_session_level (void)
{
  /* Session-level transport attributes apply unless the data section
   * overrides them (RFC 8839 §5, RFC 8122 §5). */
  const char *text =
    "v=0\n"
    "o=- 5 1 IN IP4 0.0.0.0\n"
    "s=-\n"
    "t=0 0\n"
    "a=ice-ufrag:sess\n"
    "a=ice-pwd:sessionsessionsession12\n"
    "a=ice-options:trickle\n"
    "a=fingerprint:sha-256 00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:"
    "00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00\n"
    "a=setup:passive\n"
    "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\n"
    "a=ice-ufrag:medi\n"
    "a=ice-options:ice2\n"
    "a=fingerprint:sha-1 00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00\n"
    "a=fingerprint:sha-256 FF:FF:FF:FF:FF:FF:FF:FF:FF:FF:FF:FF:FF:FF:FF:FF:"
    "FF:FF:FF:FF:FF:FF:FF:FF:FF:FF:FF:FF:FF:FF:FF:FF\n"
    "a=sctp-port:5000\n"
    "a=unknown-attribute:whatever\n";
  g_autoptr(HormigaSdp) sdp = parse_ok (text, HORMIGA_SDP_ANSWER);

  g_assert_cmpstr (sdp->ice_ufrag, ==, "medi");
  g_assert_cmpstr (sdp->ice_pwd, ==, "sessionsessionsession12");
  g_assert_false (sdp->ice_trickle);
  g_assert_cmpuint (sdp->fingerprint[0], ==, 0xff);
  g_assert_cmpint (sdp->setup, ==, HORMIGA_SDP_SETUP_PASSIVE);
  /* No a=mid: "0"; no a=max-message-size: 64 KiB. */
  g_assert_cmpstr (sdp->mid, ==, "0");
  g_assert_cmpuint (sdp->max_message_size, ==, HORMIGA_SDP_DEFAULT_MESSAGE_SIZE);
  g_assert_cmpuint (sdp->session_id, ==, 5);
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
  g_autoptr(HormigaSdp) av = NULL;
  g_autofree char *av_text = corpus ("audio-video-data-offer");
  const char *m = strstr (chromium, "m=application");

  /* An audio and a video section before the data section are skipped,
   * attributes inside them included. */
  media = g_strdup_printf ("%.*sm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=ice-ufrag:zzzz\r\n"
                           "a=mid:audio\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:video\r\n%s",
                           (int) (m - chromium), chromium, m);
  sdp = parse_ok (media, HORMIGA_SDP_OFFER);
  g_assert_cmpstr (sdp->mid, ==, "0");
  g_assert_cmpstr (sdp->ice_ufrag, ==, "Xq9e");

  /* A browser offer with audio, video and data, bundled. */
  av = parse_ok (av_text, HORMIGA_SDP_OFFER);
  g_assert_cmpstr (av->mid, ==, "2");
  g_assert_cmpuint (av->candidates->len, ==, 2);
  g_assert_true (g_str_has_prefix (g_ptr_array_index (av->candidates, 1), "candidate:435653019 1 tcp"));
  g_assert_cmpuint (av->session_id, ==, 2890844526);
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
    { "o=- 4611731400430051336 2 IN IP4 127.0.0.1", "o=- x 2 IN IP4 127.0.0.1", HORMIGA_RTC_ERROR_SDP_INVALID, "line 2" },
    { "v=0\r\n", "", HORMIGA_RTC_ERROR_SDP_INVALID, "v=0" },
    { "t=0 0\r\n", "t=0 0\r\nv=0\r\n", HORMIGA_RTC_ERROR_SDP_INVALID, "line 5" },
    { "s=-\r\n", "s=-\r\nA=x\r\n", HORMIGA_RTC_ERROR_SDP_INVALID, "line 4" },
    { "s=-\r\n", "s=-\r\nab=x\r\n", HORMIGA_RTC_ERROR_SDP_INVALID, "line 4" },
    { "s=-\r\n", "s=-\r\ns\r\n", HORMIGA_RTC_ERROR_SDP_INVALID, "line 4" },
    { "a=mid:0", "a=mid:has space", HORMIGA_RTC_ERROR_SDP_INVALID, "a=mid" },
    { "a=mid:0", "a=mid:0123456789012345678901234567890123", HORMIGA_RTC_ERROR_SDP_INVALID, "line 16" },
    { "a=mid:0", "a=mid:0\r9", HORMIGA_RTC_ERROR_SDP_INVALID, "carriage return" },
    { "a=ice-pwd:w5a8Nf0pVb8c3ZqUTq5WmS6y\r\n", "", HORMIGA_RTC_ERROR_SDP_INVALID, "ice-pwd" },
    { "a=ice-pwd:w5a8Nf0pVb8c3ZqUTq5WmS6y", "a=ice-pwd:w5a8Nf0pVb8c3ZqUTq5Wm-6y", HORMIGA_RTC_ERROR_SDP_INVALID, "line 12" },
    { "a=fingerprint:sha-256 6B", "a=fingerprint:sha-256 6B:8B:5D:EA\r\na=x:6B", HORMIGA_RTC_ERROR_FINGERPRINT, "line 14" },
    { "a=fingerprint:sha-256 6B:8B", "a=fingerprint:sha-256 6B 8B", HORMIGA_RTC_ERROR_FINGERPRINT, "byte 1" },
    { "a=fingerprint:sha-256 6B", "a=fingerprint:sha-256\r\na=x:6B", HORMIGA_RTC_ERROR_FINGERPRINT, "algorithm" },
    { "a=fingerprint:", "a=x-fingerprint:", HORMIGA_RTC_ERROR_SDP_INVALID, "a=fingerprint is missing" },
    { "a=sctp-port:5000", "a=sctp-port:-1", HORMIGA_RTC_ERROR_SDP_INVALID, "line 17" },
    { "a=max-message-size:262144", "a=max-message-size:-1", HORMIGA_RTC_ERROR_SDP_INVALID, "line 18" },
    { "a=max-message-size:262144", "a=max-message-size:18446744073709551616", HORMIGA_RTC_ERROR_SDP_INVALID, "2^64" },
    { "UDP/DTLS/SCTP webrtc-datachannel", "UDP/DTLS/SCTP 5000", HORMIGA_RTC_ERROR_SDP_UNSUPPORTED, "no data-channel" },
    { "UDP/DTLS/SCTP webrtc-datachannel", "DTLS/SCTP 0", HORMIGA_RTC_ERROR_SDP_INVALID, "line 8" },
    { "UDP/DTLS/SCTP webrtc-datachannel", "DTLS/SCTP 5000", HORMIGA_RTC_ERROR_SDP_INVALID, "a=sctpmap" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = replace (good, cases[i].from, cases[i].to);
      check_rejected (text, cases[i].code, cases[i].fragment);
    }

  check_rejected ("", HORMIGA_RTC_ERROR_SDP_INVALID, "empty");
  check_rejected ("\r\n\n", HORMIGA_RTC_ERROR_SDP_INVALID, "empty");
  {
    /* NUL and invalid UTF-8 are refused before anything else. */
    g_autoptr(GError) error = NULL;

    g_assert_null (hormiga_sdp_parse ("v=0\0\n", 5, HORMIGA_SDP_OFFER, &error));
    g_assert_error (error, HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_SDP_INVALID);
    g_clear_error (&error);
    g_assert_null (hormiga_sdp_parse ("v=0\n\xff\n", 6, HORMIGA_SDP_OFFER, &error));
    g_assert_error (error, HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_SDP_INVALID);
  }
  {
    /* A legacy section's sctpmap names the m-line's port and protocol. */
    g_autofree char *legacy = corpus ("legacy-answer");
    g_autofree char *bad_port = replace (legacy, "a=sctpmap:5000", "a=sctpmap:5001");
    g_autofree char *bad_proto = replace (legacy, "5000 webrtc-datachannel", "5000 other");

    check_rejected (bad_port, HORMIGA_RTC_ERROR_SDP_INVALID, "line 12");
    check_rejected (bad_proto, HORMIGA_RTC_ERROR_SDP_INVALID, "sctpmap");
  }
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
    /* Exactly at the limits is fine: a 4,096-byte line, 1,000 lines. */
    g_autofree char *xs = g_strnfill (HORMIGA_SDP_MAX_LINE - 2, 'x');
    g_autofree char *at_limit = g_strdup_printf ("%sa=%s\r\n", good, xs);
    GString *lines = g_string_new (good);
    g_autoptr(HormigaSdp) sdp = parse_ok (at_limit, HORMIGA_SDP_OFFER);
    g_autoptr(HormigaSdp) sdp2 = NULL;
    guint n = 0;

    for (const char *p = good; *p != '\0'; p++)
      n += *p == '\n';
    for (; n < HORMIGA_SDP_MAX_LINES; n++)
      g_string_append (lines, "a=x\r\n");
    sdp2 = parse_ok (lines->str, HORMIGA_SDP_OFFER);
    g_string_append (lines, "a=x\r\n");
    check_rejected (lines->str, HORMIGA_RTC_ERROR_SDP_TOO_LARGE, "1000 lines");
    g_string_free (lines, TRUE);
  }

  {
    g_autofree char *xs = g_strnfill (HORMIGA_SDP_MAX_CANDIDATE, 'x');
    g_autofree char *long_candidate = g_strdup_printf ("%sa=candidate:%s\r\n", good, xs);

    check_rejected (long_candidate, HORMIGA_RTC_ERROR_SDP_TOO_LARGE, "line 19");
  }

  {
    GString *candidates = g_string_new (good);

    for (guint i = 0; i <= HORMIGA_SDP_MAX_CANDIDATES; i++)
      g_string_append_printf (candidates, "a=candidate:%u 1 udp 1 127.0.0.1 %u typ host\r\n",
                              i, 1000 + i);
    check_rejected (candidates->str, HORMIGA_RTC_ERROR_SDP_TOO_LARGE, "candidates");
    g_string_free (candidates, TRUE);
  }
  {
    /* 64 candidates are fine. */
    GString *candidates = g_string_new (good);
    g_autoptr(HormigaSdp) sdp = NULL;

    for (guint i = 1; i < HORMIGA_SDP_MAX_CANDIDATES; i++)
      g_string_append_printf (candidates, "a=candidate:%u 1 udp 1 127.0.0.1 %u typ host\r\n",
                              i, 1000 + i);
    sdp = parse_ok (candidates->str, HORMIGA_SDP_OFFER);
    g_assert_cmpuint (sdp->candidates->len, ==, HORMIGA_SDP_MAX_CANDIDATES);
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
  g_clear_error (&error);

  /* Right length, wrong separator / digit: the message names the byte. */
  g_assert_false (hormiga_sdp_fingerprint_parse ("AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:"
                                                 "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01-23:45:67:89",
                                                 bytes, &error));
  g_assert_error (error, HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_FINGERPRINT);
  g_assert_nonnull (strstr (error->message, "byte 28"));
  g_clear_error (&error);
  g_assert_false (hormiga_sdp_fingerprint_parse ("AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:"
                                                 "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:8g",
                                                 bytes, &error));
  g_assert_nonnull (strstr (error->message, "byte 32"));
  g_clear_error (&error);
  /* A cut multi-byte character is escaped, never copied into the message. */
  g_assert_false (hormiga_sdp_fingerprint_parse ("AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:"
                                                 "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:\xc3\xa9",
                                                 bytes, &error));
  g_assert_nonnull (strstr (error->message, "\\303\\251"));
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
  g_clear_error (&error);

  /* Every byte value round-trips. */
  for (guint i = 0; i < 32; i++)
    bytes[i] = (guint8) (i * 37 + 200);
  {
    g_autofree char *formatted = hormiga_sdp_fingerprint_to_string (bytes);
    guint8 back[32];

    g_assert_cmpuint (strlen (formatted), ==, 95);
    g_assert_true (hormiga_sdp_fingerprint_parse (formatted, back, &error));
    g_assert_no_error (error);
    g_assert_cmpmem (back, 32, bytes, 32);
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/hormiga/sdp/round-trip", test_round_trip);
  g_test_add_func ("/hormiga/sdp/round-trip-answer", test_round_trip_answer);
  g_test_add_func ("/hormiga/sdp/chromium-offer", test_chromium_offer);
  g_test_add_func ("/hormiga/sdp/lf-only", test_lf_only);
  g_test_add_func ("/hormiga/sdp/session-level", test_session_level);
  g_test_add_func ("/hormiga/sdp/firefox-offer", test_firefox_offer);
  g_test_add_func ("/hormiga/sdp/legacy-answer", test_legacy_answer);
  g_test_add_func ("/hormiga/sdp/picks-data-section", test_picks_data_section);
  g_test_add_func ("/hormiga/sdp/rejects", test_rejects);
  g_test_add_func ("/hormiga/sdp/fingerprint-text", test_fingerprint_text);
  return g_test_run ();
}
