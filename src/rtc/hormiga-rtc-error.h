/* hormiga-rtc-error.h — errors of the WebRTC (rtc) layer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define HORMIGA_RTC_ERROR (hormiga_rtc_error_quark ())

typedef enum {
  HORMIGA_RTC_ERROR_SDP_TOO_LARGE,        /* description above the size/line limits */
  HORMIGA_RTC_ERROR_SDP_INVALID,          /* not a valid SDP, or a field is malformed */
  HORMIGA_RTC_ERROR_SDP_UNSUPPORTED,      /* valid SDP without a usable data-channel section */
  HORMIGA_RTC_ERROR_DCEP_INVALID,         /* DCEP message malformed */
  HORMIGA_RTC_ERROR_CERTIFICATE,          /* certificate could not be made or read */
  HORMIGA_RTC_ERROR_FINGERPRINT,          /* fingerprint malformed or not matching */
  HORMIGA_RTC_ERROR_DTLS,                 /* DTLS handshake or record failure */
  HORMIGA_RTC_ERROR_SCTP,                 /* SCTP association failure */
  HORMIGA_RTC_ERROR_ICE,                  /* ICE failed or the peer vanished */
  HORMIGA_RTC_ERROR_MESSAGE_TOO_LARGE,    /* above the negotiated max-message-size */
  HORMIGA_RTC_ERROR_CLOSED,               /* the channel or connection is closed */
  HORMIGA_RTC_ERROR_IDENTITY,             /* the remote identity proof failed */
} HormigaRtcError;

GQuark hormiga_rtc_error_quark (void);

G_END_DECLS
