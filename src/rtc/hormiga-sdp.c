/* hormiga-sdp.c — session descriptions for WebRTC data channels (RFC 8841/8839)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "hormiga-rtc-error.h"
#include "hormiga-sdp.h"

#include <string.h>

G_DEFINE_BOXED_TYPE (HormigaSdp, hormiga_sdp, hormiga_sdp_copy, hormiga_sdp_free)

HormigaSdp *
hormiga_sdp_new (HormigaSdpType type)
{
  HormigaSdp *sdp = g_new0 (HormigaSdp, 1);

  sdp->type = type;
  /* RFC 4566: a session id should be an NTP timestamp or random; keep it
   * below 2^62 so every parser reads it as a positive number. */
  sdp->session_id = ((guint64) g_random_int () << 30 ^ g_random_int ()) & G_GUINT64_CONSTANT (0x3fffffffffffffff);
  sdp->session_version = 2;
  sdp->ice_trickle = TRUE;
  sdp->setup = type == HORMIGA_SDP_OFFER ? HORMIGA_SDP_SETUP_ACTPASS : HORMIGA_SDP_SETUP_ACTIVE;
  sdp->mid = g_strdup ("0");
  sdp->sctp_port = 5000;
  sdp->max_message_size = HORMIGA_SDP_MAX_MESSAGE_SIZE;
  sdp->candidates = g_ptr_array_new_with_free_func (g_free);
  return sdp;
}

HormigaSdp *
hormiga_sdp_copy (const HormigaSdp *sdp)
{
  HormigaSdp *copy;

  g_return_val_if_fail (sdp != NULL, NULL);

  copy = g_memdup2 (sdp, sizeof *sdp);
  copy->ice_ufrag = g_strdup (sdp->ice_ufrag);
  copy->ice_pwd = g_strdup (sdp->ice_pwd);
  copy->mid = g_strdup (sdp->mid);
  copy->candidates = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < sdp->candidates->len; i++)
    g_ptr_array_add (copy->candidates, g_strdup (g_ptr_array_index (sdp->candidates, i)));
  return copy;
}

void
hormiga_sdp_free (HormigaSdp *sdp)
{
  if (sdp == NULL)
    return;
  g_free (sdp->ice_ufrag);
  g_free (sdp->ice_pwd);
  g_free (sdp->mid);
  g_ptr_array_unref (sdp->candidates);
  g_free (sdp);
}

static const char *
setup_to_string (HormigaSdpSetup setup)
{
  switch (setup)
    {
    case HORMIGA_SDP_SETUP_ACTIVE:  return "active";
    case HORMIGA_SDP_SETUP_PASSIVE: return "passive";
    case HORMIGA_SDP_SETUP_ACTPASS:
    default:                        return "actpass";
    }
}

/* At most @max bytes of @text for an error message, C-escaped so that a
 * message never carries a cut UTF-8 sequence or control characters. */
static char *
quote (const char *text,
       gsize       max)
{
  g_autofree char *head = g_strndup (text, max);

  return g_strescape (head, NULL);
}

char *
hormiga_sdp_fingerprint_to_string (const guint8 fingerprint[32])
{
  GString *text = g_string_sized_new (96);

  for (guint i = 0; i < 32; i++)
    g_string_append_printf (text, i ? ":%02X" : "%02X", fingerprint[i]);
  return g_string_free (text, FALSE);
}

gboolean
hormiga_sdp_fingerprint_parse (const char  *text,
                               guint8       out[32],
                               GError     **error)
{
  g_return_val_if_fail (text != NULL, FALSE);

  if (strlen (text) != 95)
    {
      g_set_error (error, HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_FINGERPRINT,
                   "a SHA-256 fingerprint is 32 hex pairs separated by colons (95 characters), "
                   "not %" G_GSIZE_FORMAT " characters", strlen (text));
      return FALSE;
    }
  for (guint i = 0; i < 32; i++)
    {
      int high = g_ascii_xdigit_value (text[3 * i]);
      int low = g_ascii_xdigit_value (text[3 * i + 1]);

      if (high < 0 || low < 0 || (i < 31 && text[3 * i + 2] != ':'))
        {
          g_autofree char *bad = quote (text + 3 * i, i < 31 ? 3 : 2);

          g_set_error (error, HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_FINGERPRINT,
                       "fingerprint byte %u (“%s”) is not a hex pair followed by “:”", i + 1,
                       bad);
          return FALSE;
        }
      out[i] = (guint8) (high << 4 | low);
    }
  return TRUE;
}

char *
hormiga_sdp_to_string (const HormigaSdp *sdp)
{
  GString *out;
  g_autofree char *fingerprint = NULL;

  g_return_val_if_fail (sdp != NULL, NULL);
  g_return_val_if_fail (sdp->ice_ufrag != NULL && sdp->ice_pwd != NULL, NULL);
  g_return_val_if_fail (sdp->mid != NULL && sdp->candidates != NULL, NULL);

  out = g_string_sized_new (1024);
  fingerprint = hormiga_sdp_fingerprint_to_string (sdp->fingerprint);
  g_string_append_printf (out,
                          "v=0\r\n"
                          "o=- %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " IN IP4 127.0.0.1\r\n"
                          "s=-\r\n"
                          "t=0 0\r\n"
                          "a=group:BUNDLE %s\r\n"
                          "a=msid-semantic: WMS\r\n",
                          sdp->session_id, sdp->session_version, sdp->mid);
  if (sdp->ice_lite)
    g_string_append (out, "a=ice-lite\r\n");
  if (sdp->legacy)
    g_string_append_printf (out, "m=application 9 DTLS/SCTP %u\r\n", sdp->sctp_port);
  else
    g_string_append (out, "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n");
  g_string_append_printf (out,
                          "c=IN IP4 0.0.0.0\r\n"
                          "a=ice-ufrag:%s\r\n"
                          "a=ice-pwd:%s\r\n",
                          sdp->ice_ufrag, sdp->ice_pwd);
  if (sdp->ice_trickle)
    g_string_append (out, "a=ice-options:trickle\r\n");
  g_string_append_printf (out,
                          "a=fingerprint:sha-256 %s\r\n"
                          "a=setup:%s\r\n"
                          "a=mid:%s\r\n",
                          fingerprint, setup_to_string (sdp->setup), sdp->mid);
  if (sdp->legacy)
    g_string_append_printf (out, "a=sctpmap:%u webrtc-datachannel 1024\r\n", sdp->sctp_port);
  else
    g_string_append_printf (out, "a=sctp-port:%u\r\n", sdp->sctp_port);
  g_string_append_printf (out, "a=max-message-size:%" G_GUINT64_FORMAT "\r\n",
                          sdp->max_message_size);
  for (guint i = 0; i < sdp->candidates->len; i++)
    g_string_append_printf (out, "a=%s\r\n", (const char *) g_ptr_array_index (sdp->candidates, i));
  if (sdp->end_of_candidates)
    g_string_append (out, "a=end-of-candidates\r\n");
  return g_string_free (out, FALSE);
}

/* ---- parsing ---------------------------------------------------------------- */

/* Transport attributes may stand at session level and be overridden in the
 * media section (RFC 8839 §5, RFC 8122 §5). */
typedef struct
{
  char            *ufrag;
  char            *pwd;
  gboolean         has_options;
  gboolean         trickle;
  gboolean         has_fingerprint;
  gboolean         fingerprint_unsupported;
  guint8           fingerprint[32];
  gboolean         has_setup;
  HormigaSdpSetup  setup;
} Transport;

static void
transport_clear (Transport *transport)
{
  g_free (transport->ufrag);
  g_free (transport->pwd);
}

static gboolean
fail (GError     **error,
      int          code,
      guint        line,
      const char  *format,
      ...) G_GNUC_PRINTF (4, 5);

static gboolean
fail (GError     **error,
      int          code,
      guint        line,
      const char  *format,
      ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  if (line > 0)
    g_set_error (error, HORMIGA_RTC_ERROR, code, "SDP line %u: %s", line, text);
  else
    g_set_error (error, HORMIGA_RTC_ERROR, code, "SDP: %s", text);
  return FALSE;
}

static gboolean
is_ice_chars (const char *text,
              gsize       min,
              gsize       max)
{
  gsize length = strlen (text);

  if (length < min || length > max)
    return FALSE;
  for (const char *p = text; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '+' && *p != '/')
      return FALSE;
  return TRUE;
}

/* RFC 4566 token: what a=mid and a=group:BUNDLE can carry unquoted. */
static gboolean
is_token (const char *text,
          gsize       max)
{
  gsize length = strlen (text);

  if (length == 0 || length > max)
    return FALSE;
  for (const char *p = text; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr ("!#$%&'*+-.^_`{|}~", *p) == NULL)
      return FALSE;
  return TRUE;
}

static gboolean
parse_number (const char *text,
              guint64     max,
              guint64    *out)
{
  return g_ascii_string_to_unsigned (text, 10, 0, max, out, NULL);
}

/* Handles the attributes that may stand at either level. */
static gboolean
parse_transport_attribute (Transport   *transport,
                           const char  *name,
                           const char  *value,
                           guint        line,
                           GError     **error)
{
  if (g_str_equal (name, "ice-ufrag"))
    {
      if (value == NULL || !is_ice_chars (value, 4, 256))
        return fail (error, HORMIGA_RTC_ERROR_SDP_INVALID, line,
                     "ice-ufrag must be 4 to 256 letters, digits, “+” or “/”");
      g_free (transport->ufrag);
      transport->ufrag = g_strdup (value);
    }
  else if (g_str_equal (name, "ice-pwd"))
    {
      if (value == NULL || !is_ice_chars (value, 22, 256))
        return fail (error, HORMIGA_RTC_ERROR_SDP_INVALID, line,
                     "ice-pwd must be 22 to 256 letters, digits, “+” or “/”");
      g_free (transport->pwd);
      transport->pwd = g_strdup (value);
    }
  else if (g_str_equal (name, "ice-options"))
    {
      g_auto(GStrv) options = g_strsplit (value ? value : "", " ", -1);

      /* The media section's list replaces the session's (RFC 8839 §5.6). */
      transport->has_options = TRUE;
      transport->trickle = g_strv_contains ((const char * const *) options, "trickle");
    }
  else if (g_str_equal (name, "fingerprint"))
    {
      const char *space = value ? strchr (value, ' ') : NULL;
      g_autofree char *algorithm = NULL;

      if (space == NULL)
        return fail (error, HORMIGA_RTC_ERROR_FINGERPRINT, line,
                     "a=fingerprint needs an algorithm and a value");
      algorithm = g_ascii_strdown (value, space - value);
      if (!g_str_equal (algorithm, "sha-256"))
        {
          /* Another algorithm may sit beside a sha-256 line: remember only. */
          transport->fingerprint_unsupported = TRUE;
          return TRUE;
        }
      {
        GError *local = NULL;

        if (!hormiga_sdp_fingerprint_parse (space + 1, transport->fingerprint, &local))
          {
            fail (error, HORMIGA_RTC_ERROR_FINGERPRINT, line, "%s", local->message);
            g_error_free (local);
            return FALSE;
          }
      }
      transport->has_fingerprint = TRUE;
    }
  else if (g_str_equal (name, "setup"))
    {
      if (g_strcmp0 (value, "actpass") == 0)
        transport->setup = HORMIGA_SDP_SETUP_ACTPASS;
      else if (g_strcmp0 (value, "active") == 0)
        transport->setup = HORMIGA_SDP_SETUP_ACTIVE;
      else if (g_strcmp0 (value, "passive") == 0)
        transport->setup = HORMIGA_SDP_SETUP_PASSIVE;
      else
        return fail (error, HORMIGA_RTC_ERROR_SDP_INVALID, line,
                     "a=setup must be actpass, active or passive");
      transport->has_setup = TRUE;
    }
  return TRUE;
}

HormigaSdp *
hormiga_sdp_parse (const char      *text,
                   gsize            length,
                   HormigaSdpType   type,
                   GError         **error)
{
  g_autoptr(HormigaSdp) sdp = NULL;
  g_autofree char *copy = NULL;
  g_auto(GStrv) lines = NULL;
  Transport session = { 0 }, media = { 0 };
  gboolean seen_version = FALSE;
  enum { SESSION, DATA, OTHER } section = SESSION;
  gboolean found_data = FALSE, sctpmap_seen = FALSE, has_max_message_size = FALSE;
  guint n_lines;
  gboolean ok = FALSE;

  g_return_val_if_fail (text != NULL || length == 0, NULL);

  if (length > HORMIGA_SDP_MAX_SIZE)
    {
      fail (error, HORMIGA_RTC_ERROR_SDP_TOO_LARGE, 0,
            "the description is %" G_GSIZE_FORMAT " bytes; the limit is %u", length,
            HORMIGA_SDP_MAX_SIZE);
      return NULL;
    }
  if (memchr (text, '\0', length) != NULL || !g_utf8_validate_len (text, length, NULL))
    {
      fail (error, HORMIGA_RTC_ERROR_SDP_INVALID, 0, "the description is not UTF-8 text");
      return NULL;
    }

  copy = g_strndup (text, length);
  lines = g_strsplit (copy, "\n", HORMIGA_SDP_MAX_LINES + 2);
  n_lines = g_strv_length (lines);
  if (n_lines == 0)
    {
      fail (error, HORMIGA_RTC_ERROR_SDP_INVALID, 0, "the description is empty");
      return NULL;
    }
  if (n_lines > HORMIGA_SDP_MAX_LINES + (lines[n_lines - 1][0] == '\0' ? 1 : 0))
    {
      fail (error, HORMIGA_RTC_ERROR_SDP_TOO_LARGE, 0, "more than %u lines",
            HORMIGA_SDP_MAX_LINES);
      return NULL;
    }

  sdp = hormiga_sdp_new (type);
  /* Parsing is deterministic: no o= line leaves the origin at 0. */
  sdp->session_id = 0;
  sdp->session_version = 0;
  sdp->max_message_size = HORMIGA_SDP_DEFAULT_MESSAGE_SIZE;
  sdp->ice_trickle = FALSE;
  g_clear_pointer (&sdp->mid, g_free);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *line = lines[i];
      guint number = i + 1;
      gsize line_length = strlen (line);
      char kind;
      char *value;

      if (line_length > 0 && line[line_length - 1] == '\r')
        line[--line_length] = '\0';
      if (line_length == 0)
        continue;
      if (line_length > HORMIGA_SDP_MAX_LINE)
        {
          fail (error, HORMIGA_RTC_ERROR_SDP_TOO_LARGE, number,
                "%" G_GSIZE_FORMAT " bytes; the limit is %u", line_length, HORMIGA_SDP_MAX_LINE);
          goto out;
        }
      if (line_length < 2 || !g_ascii_islower (line[0]) || line[1] != '=')
        {
          g_autofree char *bad = quote (line, 40);

          fail (error, HORMIGA_RTC_ERROR_SDP_INVALID, number,
                "“%s” is not a “x=value” line (one lower-case letter, “=”, value)", bad);
          goto out;
        }
      /* RFC 4566 text excludes CR; a stray one would survive into what we
       * write and split the line for a stricter reader. */
      if (memchr (line, '\r', line_length) != NULL)
        {
          fail (error, HORMIGA_RTC_ERROR_SDP_INVALID, number,
                "a carriage return inside the line (lines end with CRLF or LF)");
          goto out;
        }
      kind = line[0];
      value = line + 2;

      if (!seen_version)
        {
          if (kind != 'v' || !g_str_equal (value, "0"))
            {
              fail (error, HORMIGA_RTC_ERROR_SDP_INVALID, number,
                    "a description starts with “v=0”");
              goto out;
            }
          seen_version = TRUE;
          continue;
        }
      if (kind == 'v')
        {
          fail (error, HORMIGA_RTC_ERROR_SDP_INVALID, number,
                "a second “v=” line: one description at a time");
          goto out;
        }

      if (kind == 'm')
        {
          g_auto(GStrv) fields = g_strsplit (value, " ", -1);
          guint n = g_strv_length (fields);

          section = OTHER;
          if (found_data || n < 4 || !g_str_equal (fields[0], "application"))
            continue;
          if (g_str_equal (fields[2], "UDP/DTLS/SCTP") || g_str_equal (fields[2], "TCP/DTLS/SCTP"))
            {
              if (!g_str_equal (fields[3], "webrtc-datachannel"))
                continue;
              sdp->legacy = FALSE;
            }
          else if (g_str_equal (fields[2], "DTLS/SCTP"))
            {
              guint64 port;

              if (!parse_number (fields[3], G_MAXUINT16, &port) || port == 0)
                {
                  fail (error, HORMIGA_RTC_ERROR_SDP_INVALID, number,
                        "legacy SCTP port “%.16s” is not 1 to 65535", fields[3]);
                  goto out;
                }
              sdp->legacy = TRUE;
              sdp->sctp_port = (guint16) port;
            }
          else
            continue;
          section = DATA;
          found_data = TRUE;
          continue;
        }

      if (kind == 'o' && section == SESSION)
        {
          g_auto(GStrv) fields = g_strsplit (value, " ", -1);

          if (g_strv_length (fields) != 6 ||
              !parse_number (fields[1], G_MAXUINT64, &sdp->session_id) ||
              !parse_number (fields[2], G_MAXUINT64, &sdp->session_version))
            {
              fail (error, HORMIGA_RTC_ERROR_SDP_INVALID, number,
                    "o= must be “USER SESSION-ID VERSION IN IP4|IP6 ADDRESS” with numbers");
              goto out;
            }
          continue;
        }

      if (kind != 'a' || section == OTHER)
        continue;

      {
        char *colon = strchr (value, ':');
        g_autofree char *name = colon ? g_strndup (value, colon - value) : g_strdup (value);
        const char *attribute_value = colon ? colon + 1 : NULL;
        Transport *transport = section == SESSION ? &session : &media;

        if (section == SESSION && g_str_equal (name, "ice-lite"))
          sdp->ice_lite = TRUE;
        if (!parse_transport_attribute (transport, name, attribute_value, number, error))
          goto out;
        if (section != DATA)
          continue;

        if (g_str_equal (name, "mid"))
          {
            if (attribute_value == NULL || !is_token (attribute_value, HORMIGA_SDP_MAX_MID))
              {
                fail (error, HORMIGA_RTC_ERROR_SDP_INVALID, number,
                      "a=mid must be 1 to %u letters, digits or “!#$%%&'*+-.^_`{|}~”",
                      HORMIGA_SDP_MAX_MID);
                goto out;
              }
            g_free (sdp->mid);
            sdp->mid = g_strdup (attribute_value);
          }
        else if (g_str_equal (name, "sctp-port") && !sdp->legacy)
          {
            guint64 port;

            if (attribute_value == NULL || !parse_number (attribute_value, G_MAXUINT16, &port) ||
                port == 0)
              {
                fail (error, HORMIGA_RTC_ERROR_SDP_INVALID, number,
                      "a=sctp-port must be 1 to 65535");
                goto out;
              }
            sdp->sctp_port = (guint16) port;
          }
        else if (g_str_equal (name, "sctpmap") && sdp->legacy)
          {
            g_auto(GStrv) fields = g_strsplit (attribute_value ? attribute_value : "", " ", -1);
            guint64 port = 0;

            /* a=sctpmap:<port> webrtc-datachannel [<streams>], port as in the m-line */
            if (g_strv_length (fields) < 2 || g_strv_length (fields) > 3 ||
                !parse_number (fields[0], G_MAXUINT16, &port) || port != sdp->sctp_port ||
                !g_str_equal (fields[1], "webrtc-datachannel"))
              {
                fail (error, HORMIGA_RTC_ERROR_SDP_INVALID, number,
                      "a=sctpmap must be “%u webrtc-datachannel [STREAMS]” for this section",
                      sdp->sctp_port);
                goto out;
              }
            sctpmap_seen = TRUE;
          }
        else if (g_str_equal (name, "max-message-size"))
          {
            if (attribute_value == NULL ||
                !parse_number (attribute_value, G_MAXUINT64, &sdp->max_message_size))
              {
                fail (error, HORMIGA_RTC_ERROR_SDP_INVALID, number,
                      "a=max-message-size must be a decimal number of bytes below 2^64 "
                      "(0: no limit)");
                goto out;
              }
            has_max_message_size = TRUE;
          }
        else if (g_str_equal (name, "candidate"))
          {
            if (sdp->candidates->len >= HORMIGA_SDP_MAX_CANDIDATES)
              {
                fail (error, HORMIGA_RTC_ERROR_SDP_TOO_LARGE, number,
                      "more than %u candidates", HORMIGA_SDP_MAX_CANDIDATES);
                goto out;
              }
            if (strlen (value) > HORMIGA_SDP_MAX_CANDIDATE)
              {
                fail (error, HORMIGA_RTC_ERROR_SDP_TOO_LARGE, number,
                      "a candidate longer than %u bytes", HORMIGA_SDP_MAX_CANDIDATE);
                goto out;
              }
            g_ptr_array_add (sdp->candidates, g_strdup (value));
          }
        else if (g_str_equal (name, "end-of-candidates"))
          sdp->end_of_candidates = TRUE;
      }
    }

  if (!seen_version)
    {
      fail (error, HORMIGA_RTC_ERROR_SDP_INVALID, 0, "the description is empty");
      goto out;
    }
  if (!found_data)
    {
      fail (error, HORMIGA_RTC_ERROR_SDP_UNSUPPORTED, 0,
            "the description has no data-channel (m=application … webrtc-datachannel) section");
      goto out;
    }
  if (sdp->legacy && !sctpmap_seen)
    {
      fail (error, HORMIGA_RTC_ERROR_SDP_INVALID, 0,
            "a legacy DTLS/SCTP section needs “a=sctpmap:%u webrtc-datachannel”",
            sdp->sctp_port);
      goto out;
    }

  sdp->ice_ufrag = g_strdup (media.ufrag ? media.ufrag : session.ufrag);
  sdp->ice_pwd = g_strdup (media.pwd ? media.pwd : session.pwd);
  sdp->ice_trickle = media.has_options ? media.trickle : session.trickle;
  if (sdp->ice_ufrag == NULL)
    {
      fail (error, HORMIGA_RTC_ERROR_SDP_INVALID, 0,
            "a=ice-ufrag is missing (neither at session level nor in the data section)");
      goto out;
    }
  if (sdp->ice_pwd == NULL)
    {
      fail (error, HORMIGA_RTC_ERROR_SDP_INVALID, 0,
            "a=ice-pwd is missing (neither at session level nor in the data section)");
      goto out;
    }
  if (media.has_fingerprint)
    memcpy (sdp->fingerprint, media.fingerprint, 32);
  else if (session.has_fingerprint)
    memcpy (sdp->fingerprint, session.fingerprint, 32);
  else if (media.fingerprint_unsupported || session.fingerprint_unsupported)
    {
      fail (error, HORMIGA_RTC_ERROR_SDP_UNSUPPORTED, 0,
            "the description's fingerprint is not sha-256, the only algorithm accepted");
      goto out;
    }
  else
    {
      fail (error, HORMIGA_RTC_ERROR_SDP_INVALID, 0,
            "a=fingerprint is missing (neither at session level nor in the data section)");
      goto out;
    }
  if (media.has_setup || session.has_setup)
    sdp->setup = media.has_setup ? media.setup : session.setup;
  else
    sdp->setup = type == HORMIGA_SDP_OFFER ? HORMIGA_SDP_SETUP_ACTPASS : HORMIGA_SDP_SETUP_ACTIVE;
  if (sdp->mid == NULL)
    sdp->mid = g_strdup ("0");
  if (!has_max_message_size)
    sdp->max_message_size = HORMIGA_SDP_DEFAULT_MESSAGE_SIZE;
  ok = TRUE;

out:
  transport_clear (&session);
  transport_clear (&media);
  return ok ? g_steal_pointer (&sdp) : NULL;
}
