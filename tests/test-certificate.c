/* test-certificate.c — the DTLS certificate of a node run
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "hormiga-certificate.h"
#include "hormiga-certificate-private.h"
#include "hormiga-rtc-error.h"

static HormigaCertificate *
generate (void)
{
  g_autoptr(GError) error = NULL;
  HormigaCertificate *certificate = hormiga_certificate_generate (&error);

  g_assert_no_error (error);
  g_assert_true (HORMIGA_IS_CERTIFICATE (certificate));
  return certificate;
}

static char *
name_entry (const X509_NAME *name,
            int              nid)
{
  char text[256];

  g_assert_cmpint (X509_NAME_get_text_by_NID (name, nid, text, sizeof text), >, 0);
  return g_strdup (text);
}

static void
test_generate (void)
{
  HormigaCertificate *certificate = generate ();
  X509 *x509 = _hormiga_certificate_get_x509 (certificate);
  EVP_PKEY *key = _hormiga_certificate_get_key (certificate);
  g_autofree char *subject_cn = NULL;
  g_autofree char *issuer_cn = NULL;
  BIGNUM *serial;
  char group[64] = "";
  int days = 0, seconds = 0;

  /* ECDSA on P-256, signed with SHA-256 by its own key. */
  g_assert_cmpint (EVP_PKEY_get_base_id (key), ==, EVP_PKEY_EC);
  g_assert_cmpint (EVP_PKEY_get_group_name (key, group, sizeof group, NULL), ==, 1);
  g_assert_cmpstr (group, ==, "prime256v1");
  g_assert_cmpint (X509_get_signature_nid (x509), ==, NID_ecdsa_with_SHA256);
  g_assert_cmpint (X509_verify (x509, key), ==, 1);
  g_assert_cmpint (X509_check_private_key (x509, key), ==, 1);
  g_assert_cmpint (X509_get_version (x509), ==, X509_VERSION_3);

  /* Self-signed: subject and issuer are the same random name. */
  g_assert_cmpint (X509_NAME_cmp (X509_get_subject_name (x509), X509_get_issuer_name (x509)),
                   ==, 0);
  subject_cn = name_entry (X509_get_subject_name (x509), NID_commonName);
  issuer_cn = name_entry (X509_get_issuer_name (x509), NID_commonName);
  g_assert_cmpstr (subject_cn, ==, issuer_cn);
  g_assert_true (g_str_has_prefix (subject_cn, "hormiga-"));
  g_assert_cmpuint (strlen (subject_cn), ==, strlen ("hormiga-") + 8);

  /* A positive serial of more than 64 bits (127 random bits: the test
   * fails by chance with probability 2^-63). */
  serial = ASN1_INTEGER_to_BN (X509_get0_serialNumber (x509), NULL);
  g_assert_nonnull (serial);
  g_assert_false (BN_is_negative (serial));
  g_assert_cmpint (BN_num_bits (serial), >, 64);
  BN_free (serial);

  /* Valid now: from a day ago to 30 days ahead. */
  g_assert_cmpint (X509_cmp_current_time (X509_get0_notBefore (x509)), <, 0);
  g_assert_cmpint (X509_cmp_current_time (X509_get0_notAfter (x509)), >, 0);
  g_assert_cmpint (ASN1_TIME_diff (&days, &seconds, X509_get0_notBefore (x509),
                                   X509_get0_notAfter (x509)), ==, 1);
  g_assert_cmpint (days, ==, 31);
  g_assert_cmpint (ABS (seconds), <=, 2);

  g_assert_finalize_object (certificate);
}

static void
test_fingerprint (void)
{
  HormigaCertificate *certificate = generate ();
  const guint8 *fingerprint = hormiga_certificate_get_fingerprint (certificate);
  g_autofree char *text = hormiga_certificate_dup_fingerprint_string (certificate);
  guint8 again[32];
  guint8 direct[EVP_MAX_MD_SIZE];
  unsigned int direct_length = 0;

  /* Computed once: the same bytes every time. */
  g_assert_nonnull (fingerprint);
  g_assert_true (fingerprint == hormiga_certificate_get_fingerprint (certificate));

  /* SHA-256 of the DER encoding. */
  g_assert_cmpint (X509_digest (_hormiga_certificate_get_x509 (certificate), EVP_sha256 (),
                                direct, &direct_length), ==, 1);
  g_assert_cmpmem (direct, direct_length, fingerprint, 32);
  g_assert_true (hormiga_certificate_fingerprint_of_x509 (_hormiga_certificate_get_x509 (certificate),
                                                          again));
  g_assert_cmpmem (again, 32, fingerprint, 32);

  /* "XX:" 31 times then "XX", upper-case hex, as a=fingerprint:sha-256. */
  g_assert_cmpuint (strlen (text), ==, 95);
  for (guint i = 0; i < 32; i++)
    {
      char expected[3];

      g_snprintf (expected, sizeof expected, "%02X", fingerprint[i]);
      g_assert_cmpmem (text + 3 * i, 2, expected, 2);
      g_assert_true (g_ascii_isxdigit (text[3 * i]) && !g_ascii_islower (text[3 * i]));
      g_assert_true (g_ascii_isxdigit (text[3 * i + 1]) && !g_ascii_islower (text[3 * i + 1]));
      if (i < 31)
        g_assert_cmpint (text[3 * i + 2], ==, ':');
    }

  g_assert_finalize_object (certificate);
}

static void
test_round_trip_der (void)
{
  HormigaCertificate *certificate = generate ();
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
  g_assert_true (cursor == der + length);
  g_assert_true (hormiga_certificate_fingerprint_of_x509 (parsed, fingerprint));
  g_assert_true (hormiga_certificate_fingerprint_equal (fingerprint,
                                                        hormiga_certificate_get_fingerprint (certificate)));
  X509_free (parsed);
  OPENSSL_free (der);

  g_assert_finalize_object (certificate);
}

static void
test_fingerprint_equal (void)
{
  guint8 a[32], b[32];

  for (guint i = 0; i < 32; i++)
    a[i] = (guint8) (i * 7 + 3);
  memcpy (b, a, sizeof b);
  g_assert_true (hormiga_certificate_fingerprint_equal (a, b));
  g_assert_true (hormiga_certificate_fingerprint_equal (a, a));

  /* One bit off anywhere, first byte or last, is a different fingerprint. */
  for (guint i = 0; i < 32; i++)
    {
      memcpy (b, a, sizeof b);
      b[i] ^= 0x01;
      g_assert_false (hormiga_certificate_fingerprint_equal (a, b));
      b[i] ^= 0x81;
      g_assert_false (hormiga_certificate_fingerprint_equal (a, b));
    }
}

static void
test_every_run_differs (void)
{
  HormigaCertificate *a = generate ();
  HormigaCertificate *b = generate ();
  g_autofree char *a_cn = name_entry (X509_get_subject_name (_hormiga_certificate_get_x509 (a)),
                                      NID_commonName);
  g_autofree char *b_cn = name_entry (X509_get_subject_name (_hormiga_certificate_get_x509 (b)),
                                      NID_commonName);

  g_assert_false (hormiga_certificate_fingerprint_equal (hormiga_certificate_get_fingerprint (a),
                                                         hormiga_certificate_get_fingerprint (b)));
  g_assert_cmpint (ASN1_INTEGER_cmp (X509_get0_serialNumber (_hormiga_certificate_get_x509 (a)),
                                     X509_get0_serialNumber (_hormiga_certificate_get_x509 (b))),
                   !=, 0);
  g_assert_cmpint (EVP_PKEY_eq (_hormiga_certificate_get_key (a), _hormiga_certificate_get_key (b)),
                   !=, 1);
  g_assert_cmpstr (a_cn, !=, b_cn);

  g_assert_finalize_object (a);
  g_assert_finalize_object (b);
}

/* When OpenSSL cannot make the key, the error names the step and carries
 * OpenSSL's reason, and OpenSSL's error queue is left empty. The failure is
 * forced in a subprocess: no algorithm implementation matches the properties. */
static void
test_error (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(HormigaCertificate) certificate = NULL;

      g_assert_cmpint (EVP_set_default_properties (NULL, "provider=hormiga-test-none"), ==, 1);
      certificate = hormiga_certificate_generate (&error);
      g_assert_null (certificate);
      g_assert_error (error, HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_CERTIFICATE);
      g_test_message ("%s", error->message);
      g_assert_nonnull (strstr (error->message, "cannot make the DTLS certificate"));
      g_assert_nonnull (strstr (error->message, "P-256 key failed: error:"));
      g_assert_cmpuint (ERR_peek_error (), ==, 0);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

/* ---- DTLS 1.2 handshake between two raw OpenSSL endpoints ---------------- */

typedef struct {
  SSL_CTX  *ctx;
  SSL      *ssl;
  BIO      *in;             /* memory BIO: what the peer sent */
  BIO      *out;            /* memory BIO: what this end sends */
  gboolean  done;
  guint     peer_certificates_seen;
  gboolean  peer_certificates_differ;
  guint8    peer_fingerprint[32];
} Endpoint;

static int endpoint_index = -1;

/* Accepts any certificate (they are self-signed) and records the leaf's
 * fingerprint, as the DTLS transport does before comparing it with the SDP.
 * OpenSSL calls it twice for a self-signed leaf (first with
 * X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT): both calls must see one certificate. */
static int
record_peer (int             preverify_ok,
             X509_STORE_CTX *store)
{
  SSL *ssl = X509_STORE_CTX_get_ex_data (store, SSL_get_ex_data_X509_STORE_CTX_idx ());
  Endpoint *endpoint = SSL_get_ex_data (ssl, endpoint_index);

  g_assert (endpoint != NULL);
  if (X509_STORE_CTX_get_error_depth (store) == 0)
    {
      guint8 fingerprint[32];

      g_assert (hormiga_certificate_fingerprint_of_x509 (X509_STORE_CTX_get_current_cert (store),
                                                         fingerprint));
      if (endpoint->peer_certificates_seen > 0 &&
          !hormiga_certificate_fingerprint_equal (fingerprint, endpoint->peer_fingerprint))
        endpoint->peer_certificates_differ = TRUE;
      memcpy (endpoint->peer_fingerprint, fingerprint, sizeof fingerprint);
      endpoint->peer_certificates_seen++;
    }
  return 1;
}

static void
endpoint_init (Endpoint           *endpoint,
               HormigaCertificate *certificate,
               gboolean            client)
{
  memset (endpoint, 0, sizeof *endpoint);

  endpoint->ctx = SSL_CTX_new (DTLS_method ());
  g_assert_nonnull (endpoint->ctx);
  g_assert_cmpint (SSL_CTX_set_min_proto_version (endpoint->ctx, DTLS1_2_VERSION), ==, 1);
  g_assert_cmpint (SSL_CTX_set_cipher_list (endpoint->ctx, "ECDHE-ECDSA-AES128-GCM-SHA256"), ==, 1);
  g_assert_cmpint (SSL_CTX_set1_groups_list (endpoint->ctx, "P-256"), ==, 1);
  g_assert_cmpint (SSL_CTX_use_certificate (endpoint->ctx,
                                            _hormiga_certificate_get_x509 (certificate)), ==, 1);
  g_assert_cmpint (SSL_CTX_use_PrivateKey (endpoint->ctx,
                                           _hormiga_certificate_get_key (certificate)), ==, 1);
  g_assert_cmpint (SSL_CTX_check_private_key (endpoint->ctx), ==, 1);
  SSL_CTX_set_verify (endpoint->ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                      record_peer);

  endpoint->ssl = SSL_new (endpoint->ctx);
  g_assert_nonnull (endpoint->ssl);
  SSL_set_ex_data (endpoint->ssl, endpoint_index, endpoint);
  SSL_set_options (endpoint->ssl, SSL_OP_NO_QUERY_MTU);
  SSL_set_mtu (endpoint->ssl, 1200);

  endpoint->in = BIO_new (BIO_s_mem ());
  endpoint->out = BIO_new (BIO_s_mem ());
  BIO_set_mem_eof_return (endpoint->in, -1);
  BIO_up_ref (endpoint->out);  /* ours, besides the SSL's */
  SSL_set_bio (endpoint->ssl, endpoint->in, endpoint->out);

  if (client)
    SSL_set_connect_state (endpoint->ssl);
  else
    SSL_set_accept_state (endpoint->ssl);
}

static void
endpoint_clear (Endpoint *endpoint)
{
  SSL_free (endpoint->ssl);  /* frees both BIOs but our reference to out */
  BIO_free (endpoint->out);
  SSL_CTX_free (endpoint->ctx);
}

static void
endpoint_step (Endpoint *endpoint)
{
  int ret;

  if (endpoint->done)
    return;
  ret = SSL_do_handshake (endpoint->ssl);
  if (ret == 1)
    {
      endpoint->done = TRUE;
      return;
    }

  switch (SSL_get_error (endpoint->ssl, ret))
    {
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE:
      break;
    default:
      {
        char reason[256] = "";

        ERR_error_string_n (ERR_get_error (), reason, sizeof reason);
        g_error ("DTLS handshake failed: %s", reason);
      }
    }
}

/* Moves what @from wrote into @to's input; returns the number of bytes. */
static gsize
transfer (Endpoint *from,
          Endpoint *to)
{
  char *data = NULL;
  long length = BIO_get_mem_data (from->out, &data);

  if (length <= 0)
    return 0;
  g_assert_cmpint (BIO_write (to->in, data, (int) length), ==, length);
  g_assert_cmpint (BIO_reset (from->out), ==, 1);
  return (gsize) length;
}

static void
test_dtls_handshake (void)
{
  HormigaCertificate *client_certificate = generate ();
  HormigaCertificate *server_certificate = generate ();
  Endpoint client, server;
  char received[16] = "";
  guint round;

  if (endpoint_index < 0)
    endpoint_index = SSL_get_ex_new_index (0, (void *) "test-certificate", NULL, NULL, NULL);
  endpoint_init (&client, client_certificate, TRUE);
  endpoint_init (&server, server_certificate, FALSE);

  for (round = 0; round < 20 && !(client.done && server.done); round++)
    {
      endpoint_step (&client);
      transfer (&client, &server);
      endpoint_step (&server);
      transfer (&server, &client);
    }
  g_assert_true (client.done);
  g_assert_true (server.done);
  g_test_message ("handshake done in %u rounds", round);

  /* DTLS 1.2, authenticated by the ECDSA certificates. */
  g_assert_cmpint (SSL_version (client.ssl), ==, DTLS1_2_VERSION);
  g_assert_cmpint (SSL_CIPHER_get_auth_nid (SSL_get_current_cipher (client.ssl)), ==,
                   NID_auth_ecdsa);

  /* Each side saw the other's certificate, by its fingerprint. */
  g_assert_cmpuint (client.peer_certificates_seen, >=, 1);
  g_assert_cmpuint (server.peer_certificates_seen, >=, 1);
  g_assert_false (client.peer_certificates_differ);
  g_assert_false (server.peer_certificates_differ);
  g_assert_cmpmem (client.peer_fingerprint, 32,
                   hormiga_certificate_get_fingerprint (server_certificate), 32);
  g_assert_cmpmem (server.peer_fingerprint, 32,
                   hormiga_certificate_get_fingerprint (client_certificate), 32);

  /* And the keys work: one record each way. */
  g_assert_cmpint (SSL_write (client.ssl, "ping", 4), ==, 4);
  transfer (&client, &server);
  g_assert_cmpint (SSL_read (server.ssl, received, sizeof received), ==, 4);
  g_assert_cmpmem (received, 4, "ping", 4);
  g_assert_cmpint (SSL_write (server.ssl, "pong", 4), ==, 4);
  transfer (&server, &client);
  g_assert_cmpint (SSL_read (client.ssl, received, sizeof received), ==, 4);
  g_assert_cmpmem (received, 4, "pong", 4);

  endpoint_clear (&client);
  endpoint_clear (&server);
  g_assert_cmpuint (ERR_peek_error (), ==, 0);
  g_assert_finalize_object (client_certificate);
  g_assert_finalize_object (server_certificate);
}

/* ---- cost ------------------------------------------------------------------ */

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/hormiga/certificate/generate", test_generate);
  g_test_add_func ("/hormiga/certificate/fingerprint", test_fingerprint);
  g_test_add_func ("/hormiga/certificate/round-trip-der", test_round_trip_der);
  g_test_add_func ("/hormiga/certificate/fingerprint-equal", test_fingerprint_equal);
  g_test_add_func ("/hormiga/certificate/every-run-differs", test_every_run_differs);
  g_test_add_func ("/hormiga/certificate/error", test_error);
  g_test_add_func ("/hormiga/certificate/dtls-handshake", test_dtls_handshake);
  return g_test_run ();
}
