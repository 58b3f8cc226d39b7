/* hormiga-rtc-signal.h — what travels inside a `signal` payload for WebRTC
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One MessagePack map per payload, checked by hormiga_wire_check first:
 *   {"v": 1, "t": "offer"|"answer", "sdp": str}
 *   {"v": 1, "t": "candidate", "candidate": str}
 *   {"v": 1, "t": "end-of-candidates"}
 *   {"v": 1, "t": "bye"}
 * docs/PROTOCOL.md, "WebRTC negotiation", lists the limits.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* SDP text carried in one signal: the signal payload limit minus headroom. */
#define HORMIGA_RTC_SIGNAL_MAX_SDP       (56 * 1024)
#define HORMIGA_RTC_SIGNAL_MAX_CANDIDATE 1024

typedef enum {
  HORMIGA_RTC_SIGNAL_OFFER,
  HORMIGA_RTC_SIGNAL_ANSWER,
  HORMIGA_RTC_SIGNAL_CANDIDATE,
  HORMIGA_RTC_SIGNAL_END_OF_CANDIDATES,
  HORMIGA_RTC_SIGNAL_BYE,
} HormigaRtcSignalType;

typedef struct
{
  HormigaRtcSignalType type;
  char                *text;   /* the SDP or the candidate; NULL otherwise */
} HormigaRtcSignal;

void     hormiga_rtc_signal_free   (HormigaRtcSignal *signal);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HormigaRtcSignal, hormiga_rtc_signal_free)

/* @text: the SDP or candidate, NULL for the other types. */
GBytes           *hormiga_rtc_signal_encode (HormigaRtcSignalType  type,
                                             const char           *text);
/* HORMIGA_WIRE_ERROR on malformed MessagePack, unknown types, missing or
 * oversized fields. */
HormigaRtcSignal *hormiga_rtc_signal_decode (GBytes               *payload,
                                             GError              **error);

G_END_DECLS
