/* test-certificate.c — the DTLS certificate of a node run
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <openssl/x509.h>

#include "hormiga-certificate.h"
#include "hormiga-certificate-private.h"

static void
test_generate (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HormigaCertificate) certificate = hormiga_certificate_generate (&error);
  g_autofree char *text = NULL;
  X509 *x509;
  EVP_PKEY *key;
  char group[64] = "";
  guint8 again[32];

  g_assert_no_error (error);
  x509 = _hormiga_certificate_get_x509 (certificate);
  key = _hormiga_certificate_get_key (certificate);

  /* ECDSA on P-256, signed with SHA-256, self-signed and valid now. */
  g_assert_cmpint (EVP_PKEY_get_base_id (key), ==, EVP_PKEY_EC);
  g_assert_cmpint (EVP_PKEY_get_group_name (key, group, sizeof group, NULL), ==, 1);
  g_assert_cmpstr (group, ==, "prime256v1");
  g_assert_cmpint (X509_get_signature_nid (x509), ==, NID_ecdsa_with_SHA256);
  g_assert_cmpint (X509_verify (x509, key), ==, 1);
  g_assert_cmpint (X509_cmp_current_time (X509_get0_notBefore (x509)), <, 0);
  g_assert_cmpint (X509_cmp_current_time (X509_get0_notAfter (x509)), >, 0);

  /* The fingerprint is SHA-256 of the DER, in the SDP's text form. */
  g_assert_true (hormiga_certificate_fingerprint_of_x509 (x509, again));
  g_assert_cmpmem (again, 32, hormiga_certificate_get_fingerprint (certificate), 32);
  text = hormiga_certificate_dup_fingerprint_string (certificate);
  g_assert_cmpuint (strlen (text), ==, 95);
  for (guint i = 0; i < 32; i++)
    {
      char expected[3];

      g_snprintf (expected, sizeof expected, "%02X", again[i]);
      g_assert_cmpmem (text + 3 * i, 2, expected, 2);
      if (i < 31)
        g_assert_cmpint (text[3 * i + 2], ==, ':');
    }
}

static void
test_round_trip_der (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HormigaCertificate) certificate = hormiga_certificate_generate (&error);
  unsigned char *der = NULL;
  const unsigned char *cursor;
  int length;
  X509 *parsed;
  guint8 fingerprint[32];

  length = i2d_X509 (_hormiga_certificate_get_x509 (certificate), &der);
  g_assert_cmpint (length, >, 0);
  cursor = der;
  parsed = d2i_X509 (NULL, &cursor, length);
  g_assert_nonnull (parsed);
  g_assert_true (hormiga_certificate_fingerprint_of_x509 (parsed, fingerprint));
  g_assert_true (hormiga_certificate_fingerprint_equal (fingerprint,
                                                        hormiga_certificate_get_fingerprint (certificate)));
  X509_free (parsed);
  OPENSSL_free (der);
}

static void
test_every_run_differs (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HormigaCertificate) a = hormiga_certificate_generate (&error);
  g_autoptr(HormigaCertificate) b = hormiga_certificate_generate (&error);

  g_assert_no_error (error);
  g_assert_false (hormiga_certificate_fingerprint_equal (hormiga_certificate_get_fingerprint (a),
                                                         hormiga_certificate_get_fingerprint (b)));
  g_assert_cmpint (ASN1_INTEGER_cmp (X509_get0_serialNumber (_hormiga_certificate_get_x509 (a)),
                                     X509_get0_serialNumber (_hormiga_certificate_get_x509 (b))),
                   !=, 0);
  g_assert_finalize_object (g_steal_pointer (&a));
  g_assert_finalize_object (g_steal_pointer (&b));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/hormiga/certificate/generate", test_generate);
  g_test_add_func ("/hormiga/certificate/round-trip-der", test_round_trip_der);
  g_test_add_func ("/hormiga/certificate/every-run-differs", test_every_run_differs);
  return g_test_run ();
}
