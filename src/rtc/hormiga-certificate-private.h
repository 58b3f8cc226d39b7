/* hormiga-certificate-private.h — what the DTLS transport needs of a certificate
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "hormiga-certificate.h"

G_BEGIN_DECLS

X509     *_hormiga_certificate_get_x509  (HormigaCertificate *self);
EVP_PKEY *_hormiga_certificate_get_key   (HormigaCertificate *self);

/* SHA-256 fingerprint of any certificate (the peer's). */
gboolean  hormiga_certificate_fingerprint_of_x509 (X509   *certificate,
                                                   guint8  out[32]);

G_END_DECLS
