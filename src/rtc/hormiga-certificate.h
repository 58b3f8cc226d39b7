/* hormiga-certificate.h — the DTLS certificate of a node run
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * ECDSA P-256 key and self-signed X.509 certificate (SHA-256 signature),
 * made fresh for every run, as browsers do. Peers recognise it by its
 * SHA-256 fingerprint, carried in the session description.
 */
#pragma once

#include <glib-object.h>

#include "hormiga-types.h"

G_BEGIN_DECLS

#define HORMIGA_FINGERPRINT_LENGTH 32

#define HORMIGA_TYPE_CERTIFICATE (hormiga_certificate_get_type ())
G_DECLARE_FINAL_TYPE (HormigaCertificate, hormiga_certificate, HORMIGA, CERTIFICATE, GObject)

HormigaCertificate *hormiga_certificate_generate               (GError            **error);

/* SHA-256 of the DER certificate, 32 bytes; owned by @self. */
const guint8       *hormiga_certificate_get_fingerprint        (HormigaCertificate *self);
/* "AB:CD:…" (95 characters), as a=fingerprint:sha-256 carries it. */
char               *hormiga_certificate_dup_fingerprint_string (HormigaCertificate *self);

/* Constant-time comparison of two fingerprints. */
gboolean            hormiga_certificate_fingerprint_equal      (const guint8 a[32],
                                                                const guint8 b[32]);

G_END_DECLS
