/* hormiga-certificate.c — the DTLS certificate of a node run
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Decisions:
 * - ECDSA P-256 with a SHA-256 signature: what Chromium and Firefox make;
 *   generating one takes ~0.25 ms (RSA-2048 keys take 100–400 ms).
 * - A fresh certificate for every run, never stored: the identity of a node
 *   is its Ed25519 key, the certificate only binds the DTLS session to the
 *   fingerprint in the signed session description.
 * - Serial: 127 random bits (RFC 5280 wants a positive integer of at most
 *   20 octets; CA/B asks for at least 64 random bits).
 * - Subject = issuer = CN "hormiga-" and 8 random hex digits, as Firefox
 *   uses a random name: certificates of different runs do not look alike.
 * - Valid from a day ago (peers with a slow clock) to 30 days ahead, as
 *   browsers do. Peers check only the fingerprint, not the dates, so a run
 *   longer than that keeps working.
 */
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/rand.h>

#include "hormiga-certificate-private.h"
#include "hormiga-rtc-error.h"
#include "hormiga-sdp.h"

#define VALID_BEFORE_S (24 * 3600)
#define VALID_AFTER_S  (30 * 24 * 3600)

struct _HormigaCertificate
{
  GObject   parent_instance;

  EVP_PKEY *key;
  X509     *x509;
  guint8    fingerprint[HORMIGA_FINGERPRINT_LENGTH];
};

G_DEFINE_FINAL_TYPE (HormigaCertificate, hormiga_certificate, G_TYPE_OBJECT)

static void
hormiga_certificate_finalize (GObject *object)
{
  HormigaCertificate *self = HORMIGA_CERTIFICATE (object);

  g_clear_pointer (&self->x509, X509_free);
  g_clear_pointer (&self->key, EVP_PKEY_free);

  G_OBJECT_CLASS (hormiga_certificate_parent_class)->finalize (object);
}

static void
hormiga_certificate_class_init (HormigaCertificateClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = hormiga_certificate_finalize;
}

static void
hormiga_certificate_init (HormigaCertificate *self)
{
}

/* Every entry of OpenSSL's error queue of this thread, oldest (the cause)
 * first; empties the queue. */
static char *
take_openssl_errors (void)
{
  GString *text = g_string_new (NULL);
  const char *data = NULL;
  int flags = 0;
  unsigned long code;

  while ((code = ERR_get_error_all (NULL, NULL, NULL, &data, &flags)) != 0)
    {
      char entry[256];

      ERR_error_string_n (code, entry, sizeof entry);
      g_string_append_printf (text, "%s%s", text->len > 0 ? "; " : "", entry);
      if ((flags & ERR_TXT_STRING) != 0 && data != NULL && *data != '\0')
        g_string_append_printf (text, " (%s)", data);
    }
  ERR_clear_error ();

  if (text->len == 0)
    g_string_append (text, "OpenSSL gave no reason");
  return g_string_free (text, FALSE);
}

static void
set_openssl_error (GError     **error,
                   const char  *step)
{
  g_autofree char *detail = take_openssl_errors ();

  g_set_error (error, HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_CERTIFICATE,
               "cannot make the DTLS certificate: %s failed: %s. WebRTC connections need "
               "it; check that OpenSSL 3 and its default provider are installed and that "
               "the system's random number generator works",
               step, detail);
}

gboolean
hormiga_certificate_fingerprint_of_x509 (X509   *certificate,
                                         guint8  out[32])
{
  unsigned int length = 0;

  g_return_val_if_fail (certificate != NULL && out != NULL, FALSE);

  return X509_digest (certificate, EVP_sha256 (), out, &length) == 1 && length == 32;
}

HormigaCertificate *
hormiga_certificate_generate (GError **error)
{
  g_autoptr(HormigaCertificate) self = g_object_new (HORMIGA_TYPE_CERTIFICATE, NULL);
  guint8 serial_bytes[16];
  g_autofree char *common_name = NULL;
  BIGNUM *serial = NULL;
  X509_NAME *name;
  gboolean ok;

  ERR_clear_error ();
  self->key = EVP_EC_gen ("P-256");
  if (self->key == NULL)
    {
      set_openssl_error (error, "generating the ECDSA P-256 key");
      return NULL;
    }

  self->x509 = X509_new ();
  if (self->x509 == NULL)
    {
      set_openssl_error (error, "allocating the X.509 certificate");
      return NULL;
    }
  if (RAND_bytes (serial_bytes, sizeof serial_bytes) != 1)
    {
      set_openssl_error (error, "drawing a random serial number");
      return NULL;
    }
  serial_bytes[0] &= 0x7f;  /* positive */
  serial = BN_bin2bn (serial_bytes, sizeof serial_bytes, NULL);

  /* A random name, so certificates of different runs never look alike. */
  common_name = g_strdup_printf ("hormiga-%02x%02x%02x%02x", serial_bytes[1], serial_bytes[2],
                                 serial_bytes[3], serial_bytes[4]);
  name = X509_get_subject_name (self->x509);

  ok = serial != NULL &&
       X509_set_version (self->x509, X509_VERSION_3) == 1 &&
       BN_to_ASN1_INTEGER (serial, X509_get_serialNumber (self->x509)) != NULL &&
       X509_gmtime_adj (X509_getm_notBefore (self->x509), -VALID_BEFORE_S) != NULL &&
       X509_gmtime_adj (X509_getm_notAfter (self->x509), VALID_AFTER_S) != NULL &&
       X509_set_pubkey (self->x509, self->key) == 1 &&
       X509_NAME_add_entry_by_txt (name, "CN", MBSTRING_UTF8,
                                   (const unsigned char *) common_name, -1, -1, 0) == 1 &&
       X509_set_issuer_name (self->x509, name) == 1 &&
       X509_sign (self->x509, self->key, EVP_sha256 ()) > 0;
  BN_free (serial);
  if (!ok)
    {
      set_openssl_error (error, "filling in and signing the X.509 certificate");
      return NULL;
    }

  if (!hormiga_certificate_fingerprint_of_x509 (self->x509, self->fingerprint))
    {
      set_openssl_error (error, "computing the SHA-256 fingerprint");
      return NULL;
    }

  return g_steal_pointer (&self);
}

const guint8 *
hormiga_certificate_get_fingerprint (HormigaCertificate *self)
{
  g_return_val_if_fail (HORMIGA_IS_CERTIFICATE (self), NULL);

  return self->fingerprint;
}

char *
hormiga_certificate_dup_fingerprint_string (HormigaCertificate *self)
{
  g_return_val_if_fail (HORMIGA_IS_CERTIFICATE (self), NULL);

  return hormiga_sdp_fingerprint_to_string (self->fingerprint);
}

gboolean
hormiga_certificate_fingerprint_equal (const guint8 a[32],
                                       const guint8 b[32])
{
  g_return_val_if_fail (a != NULL && b != NULL, FALSE);

  return CRYPTO_memcmp (a, b, HORMIGA_FINGERPRINT_LENGTH) == 0;
}

X509 *
_hormiga_certificate_get_x509 (HormigaCertificate *self)
{
  g_return_val_if_fail (HORMIGA_IS_CERTIFICATE (self), NULL);

  return self->x509;
}

EVP_PKEY *
_hormiga_certificate_get_key (HormigaCertificate *self)
{
  g_return_val_if_fail (HORMIGA_IS_CERTIFICATE (self), NULL);

  return self->key;
}
