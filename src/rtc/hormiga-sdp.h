/* hormiga-sdp.h — session descriptions for WebRTC data channels (RFC 8841/8839)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Plain data, sans-I/O. The parser keeps what a data-channel session needs
 * from the first `m=application … webrtc-datachannel` section (or the legacy
 * `DTLS/SCTP <port>` form with `a=sctpmap`) and ignores other sections and
 * unknown attributes. Limits (HORMIGA_RTC_ERROR_SDP_TOO_LARGE beyond them):
 * 65,536 bytes, 1,000 lines, 4,096 bytes a line, 64 candidates of at most
 * 1,024 bytes each. docs/PROTOCOL.md, "Session descriptions", has the rest.
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
/* What we offer: Chromium's limit. Absent in a description means 65,536;
 * 0 means no limit. */
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

struct _HormigaSdp
{
  HormigaSdpType   type;
  guint64          session_id;
  guint64          session_version;
  char            *ice_ufrag;
  char            *ice_pwd;
  gboolean         ice_trickle;
  gboolean         ice_lite;
  guint8           fingerprint[32];     /* SHA-256 of the DTLS certificate */
  HormigaSdpSetup  setup;
  char            *mid;
  guint16          sctp_port;
  guint64          max_message_size;    /* 0: unlimited */
  gboolean         legacy;              /* DTLS/SCTP + a=sctpmap */
  GPtrArray       *candidates;          /* (element-type utf8) "candidate:…" */
  gboolean         end_of_candidates;
};

#define HORMIGA_TYPE_SDP (hormiga_sdp_get_type ())
GType        hormiga_sdp_get_type   (void);

/* An empty description with our defaults: mid "0", port 5000, offer
 * max-message-size, trickle on, setup actpass for offers and active for
 * answers, a random session id. Credentials and fingerprint are to be set. */
HormigaSdp  *hormiga_sdp_new        (HormigaSdpType     type);
HormigaSdp  *hormiga_sdp_copy       (const HormigaSdp  *sdp);
void         hormiga_sdp_free       (HormigaSdp        *sdp);

/* The text, CRLF line endings, as browsers expect. */
char        *hormiga_sdp_to_string  (const HormigaSdp  *sdp);

HormigaSdp  *hormiga_sdp_parse      (const char        *text,
                                     gsize              length,
                                     HormigaSdpType     type,
                                     GError           **error);

/* "AB:CD:…" (32 bytes, case-insensitive) ⇄ bytes. */
gboolean     hormiga_sdp_fingerprint_parse     (const char   *text,
                                                guint8        out[32],
                                                GError      **error);
char        *hormiga_sdp_fingerprint_to_string (const guint8  fingerprint[32]);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HormigaSdp, hormiga_sdp_free)

G_END_DECLS
