/* hormiga-sdp.h — session descriptions for WebRTC data channels (RFC 8841/8839)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Plain data, sans-I/O: no sockets, no globals. The parser keeps what a
 * data-channel session needs from the first `m=application … UDP/DTLS/SCTP
 * webrtc-datachannel` section (TCP/DTLS/SCTP too), or the legacy
 * `m=application … DTLS/SCTP <port>` form with `a=sctpmap:<port>
 * webrtc-datachannel [streams]`, and ignores other sections (audio, video, a
 * second data section) and unknown attributes. ice-ufrag, ice-pwd,
 * ice-options, fingerprint and setup may stand at session level; the data
 * section's own lines override them.
 *
 * Limits of hormiga_sdp_parse():
 *  - HORMIGA_RTC_ERROR_SDP_TOO_LARGE: more than 65,536 bytes
 *    (HORMIGA_SDP_MAX_SIZE), more than 1,000 lines (HORMIGA_SDP_MAX_LINES), a
 *    line above 4,096 bytes without its line ending (HORMIGA_SDP_MAX_LINE),
 *    more than 64 candidates (HORMIGA_SDP_MAX_CANDIDATES) or one above 1,024
 *    bytes (HORMIGA_SDP_MAX_CANDIDATE).
 *  - HORMIGA_RTC_ERROR_SDP_INVALID: not UTF-8 or contains NUL, first line not
 *    `v=0`, a second `v=`, a line not `x=value` with one lower-case letter, a
 *    CR inside a line, an o= line without numeric session id and version,
 *    ice-ufrag not 4–256 ice-chars (ALPHA / DIGIT / "+" / "/"), ice-pwd not
 *    22–256 ice-chars, setup not actpass/active/passive, mid not 1–32 token
 *    characters (HORMIGA_SDP_MAX_MID), sctp-port or legacy port not 1–65535,
 *    max-message-size not a decimal number below 2^64, a legacy section
 *    without a matching a=sctpmap, a missing ice-ufrag, ice-pwd or
 *    fingerprint. Each message names the line number or the field.
 *  - HORMIGA_RTC_ERROR_FINGERPRINT: a sha-256 fingerprint that is not 32
 *    colon-separated hex pairs.
 *  - HORMIGA_RTC_ERROR_SDP_UNSUPPORTED: no data-channel section, or only
 *    fingerprints of algorithms other than sha-256.
 * Lines may end with CRLF or LF; empty lines are skipped. Candidates are kept
 * verbatim ("candidate:…", without "a="). docs/PROTOCOL.md, "Session
 * descriptions (SDP)", has the same rules with an example.
 */
#pragma once

#include <glib-object.h>

#include "hormiga-types.h"

G_BEGIN_DECLS

#define HORMIGA_SDP_MAX_SIZE            65536
#define HORMIGA_SDP_MAX_LINES           1000
#define HORMIGA_SDP_MAX_LINE            4096
#define HORMIGA_SDP_MAX_CANDIDATES      64
#define HORMIGA_SDP_MAX_CANDIDATE       1024
#define HORMIGA_SDP_MAX_MID             32
/* a=max-message-size (RFC 8841 §6): what we offer is Chromium's limit. A
 * description without the attribute means 65,536; 0 means the peer sets no
 * limit. Never send a message above the peer's value. */
#define HORMIGA_SDP_MAX_MESSAGE_SIZE    262144
#define HORMIGA_SDP_DEFAULT_MESSAGE_SIZE 65536

typedef enum {
  HORMIGA_SDP_OFFER,
  HORMIGA_SDP_ANSWER,
} HormigaSdpType;

typedef enum {
  HORMIGA_SDP_SETUP_ACTPASS,
  HORMIGA_SDP_SETUP_ACTIVE,
  HORMIGA_SDP_SETUP_PASSIVE,
} HormigaSdpSetup;

typedef struct _HormigaSdp HormigaSdp;

/* Fields are public: set them directly after hormiga_sdp_new(). Strings and
 * the candidates array are owned by the struct (g_free'd by
 * hormiga_sdp_free()). hormiga_sdp_to_string() writes them as they are:
 * ice_ufrag, ice_pwd and mid must satisfy the limits above. */
struct _HormigaSdp
{
  HormigaSdpType   type;
  guint64          session_id;          /* o= line; 0 when parsed without one */
  guint64          session_version;
  char            *ice_ufrag;
  char            *ice_pwd;
  gboolean         ice_trickle;         /* a=ice-options:trickle */
  gboolean         ice_lite;            /* session-level a=ice-lite */
  guint8           fingerprint[32];     /* SHA-256 of the DTLS certificate */
  HormigaSdpSetup  setup;
  char            *mid;                 /* 1–32 token chars; also the BUNDLE group */
  guint16          sctp_port;           /* a=sctp-port, or the legacy fmt; 5000 */
  guint64          max_message_size;    /* 0: unlimited */
  gboolean         legacy;              /* DTLS/SCTP + a=sctpmap */
  GPtrArray       *candidates;          /* (element-type utf8) "candidate:…", ≤ 64 */
  gboolean         end_of_candidates;   /* a=end-of-candidates (RFC 8838) */
};

#define HORMIGA_TYPE_SDP (hormiga_sdp_get_type ())
GType        hormiga_sdp_get_type   (void);

/* An empty description with our defaults: mid "0", port 5000, offer
 * max-message-size, trickle on, setup actpass for offers and active for
 * answers, a random session id. Credentials and fingerprint are to be set. */
HormigaSdp  *hormiga_sdp_new        (HormigaSdpType     type);
HormigaSdp  *hormiga_sdp_copy       (const HormigaSdp  *sdp);
void         hormiga_sdp_free       (HormigaSdp        *sdp);

/* The complete description, CRLF line endings, as Chromium expects:
 * v=, o=, s=, t=, BUNDLE group, msid-semantic, [ice-lite], the m-line
 * (legacy form when sdp->legacy), c=, ice-ufrag, ice-pwd, [ice-options:trickle],
 * fingerprint:sha-256, setup, mid, sctp-port (or sctpmap), max-message-size,
 * the candidates and [end-of-candidates]. */
char        *hormiga_sdp_to_string  (const HormigaSdp  *sdp);

/* Parses @length bytes of @text (no NUL needed) as a description of @type.
 * Returns NULL with @error set on any of the errors listed at the top. A
 * missing a=setup means actpass in an offer and active in an answer. */
HormigaSdp  *hormiga_sdp_parse      (const char        *text,
                                     gsize              length,
                                     HormigaSdpType     type,
                                     GError           **error);

/* "AB:CD:…" (32 hex pairs, case-insensitive, colon-separated; exactly 95
 * characters) ⇄ bytes. Parsing fails with HORMIGA_RTC_ERROR_FINGERPRINT;
 * formatting writes upper-case hex. Used by the DTLS layer too. */
gboolean     hormiga_sdp_fingerprint_parse     (const char   *text,
                                                guint8        out[32],
                                                GError      **error);
char        *hormiga_sdp_fingerprint_to_string (const guint8  fingerprint[32]);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HormigaSdp, hormiga_sdp_free)

G_END_DECLS
