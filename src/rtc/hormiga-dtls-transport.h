/* hormiga-dtls-transport.h — DTLS 1.2 over a datagram transport (OpenSSL 3)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Datagrams from the peer enter through hormiga_dtls_transport_input();
 * datagrams for the peer leave through the output function, one DTLS flight
 * fragment or record per call, never above HORMIGA_DTLS_MTU bytes. Decrypted
 * application data leaves through the receive function. Handshake
 * retransmissions run from GLib timeouts on the transport's context. The
 * peer's certificate must have the SHA-256 fingerprint given at
 * construction (from its SDP); otherwise the handshake fails with
 * HORMIGA_RTC_ERROR_FINGERPRINT.
 */
#pragma once

#include <gio/gio.h>

#include "hormiga-types.h"

G_BEGIN_DECLS

/* Largest datagram the transport emits: the largest UDP payload that fits
 * the IPv6 minimum MTU (1280 − 40 − 8). */
#define HORMIGA_DTLS_MTU 1232

typedef void (*HormigaDtlsDataFunc) (const guint8 *data,
                                     gsize         length,
                                     gpointer      user_data);

typedef enum {
  HORMIGA_DTLS_STATE_NEW,
  HORMIGA_DTLS_STATE_CONNECTING,
  HORMIGA_DTLS_STATE_CONNECTED,
  HORMIGA_DTLS_STATE_CLOSED,
  HORMIGA_DTLS_STATE_FAILED,
} HormigaDtlsState;

#define HORMIGA_TYPE_DTLS_TRANSPORT (hormiga_dtls_transport_get_type ())
G_DECLARE_FINAL_TYPE (HormigaDtlsTransport, hormiga_dtls_transport, HORMIGA, DTLS_TRANSPORT, GObject)

/* @client: TRUE when this side is DTLS client (a=setup:active).
 * @remote_fingerprint: SHA-256 of the peer's certificate, 32 bytes. */
HormigaDtlsTransport *hormiga_dtls_transport_new          (GMainContext        *context,
                                                           HormigaCertificate  *certificate,
                                                           gboolean             client,
                                                           const guint8         remote_fingerprint[32]);

/* Encrypted datagrams for the peer. */
void                  hormiga_dtls_transport_set_output   (HormigaDtlsTransport *self,
                                                           HormigaDtlsDataFunc   output,
                                                           gpointer              user_data,
                                                           GDestroyNotify        destroy);
/* Decrypted application data from the peer. */
void                  hormiga_dtls_transport_set_receive  (HormigaDtlsTransport *self,
                                                           HormigaDtlsDataFunc   receive,
                                                           gpointer              user_data,
                                                           GDestroyNotify        destroy);

/* Starts the handshake: the client sends its first flight, the server
 * waits for it. ::connected or ::failed follows. */
void                  hormiga_dtls_transport_start        (HormigaDtlsTransport *self);

/* One datagram from the peer. */
void                  hormiga_dtls_transport_input        (HormigaDtlsTransport *self,
                                                           const guint8         *data,
                                                           gsize                 length);

/* Encrypts @data as one record (at most HORMIGA_DTLS_MTU minus overhead). */
gboolean              hormiga_dtls_transport_send         (HormigaDtlsTransport *self,
                                                           const guint8         *data,
                                                           gsize                 length,
                                                           GError              **error);

/* Sends close_notify and closes. */
void                  hormiga_dtls_transport_close        (HormigaDtlsTransport *self);

HormigaDtlsState      hormiga_dtls_transport_get_state    (HormigaDtlsTransport *self);
/* The SHA-256 fingerprint the peer presented; NULL before the handshake. */
const guint8         *hormiga_dtls_transport_get_remote_fingerprint (HormigaDtlsTransport *self);

G_END_DECLS
