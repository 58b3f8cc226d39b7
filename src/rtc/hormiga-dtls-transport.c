/* hormiga-dtls-transport.c — DTLS 1.2 over a datagram transport (OpenSSL 3)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Reads go through a memory BIO (one datagram written, then SSL_read or
 * SSL_do_handshake consumes it); writes go through a small BIO of our own
 * whose every write is one datagram handed to the output function, so
 * flights are never merged past the MTU. Certificate checking is ours: the
 * chain is self-signed by design, and what matters is that the leaf's
 * SHA-256 fingerprint is the one the peer announced in its SDP.
 */
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "hormiga-certificate.h"
#include "hormiga-certificate-private.h"
#include "hormiga-dtls-transport.h"
#include "hormiga-rtc-error.h"
#include "hormiga-sdp.h"

/* What Chromium and Firefox offer for DTLS 1.2 with ECDSA certificates. */
#define CIPHER_LIST "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305:" \
                    "ECDHE-ECDSA-AES256-GCM-SHA384"
#define GROUPS_LIST "X25519:P-256"

struct _HormigaDtlsTransport
{
  GObject              parent_instance;

  GMainContext        *context;
  HormigaCertificate  *certificate;
  gboolean             client;
  guint8               expected_fingerprint[32];
  guint8               remote_fingerprint[32];
  gboolean             has_remote_fingerprint;
  gboolean             fingerprint_mismatch;

  SSL_CTX             *ctx;
  SSL                 *ssl;
  BIO                 *read_bio;      /* owned by ssl */
  HormigaDtlsState     state;
  GSource             *timer;

  HormigaDtlsDataFunc  output;
  gpointer             output_data;
  GDestroyNotify       output_destroy;
  HormigaDtlsDataFunc  receive;
  gpointer             receive_data;
  GDestroyNotify       receive_destroy;
};

G_DEFINE_FINAL_TYPE (HormigaDtlsTransport, hormiga_dtls_transport, G_TYPE_OBJECT)

enum {
  CONNECTED,
  FAILED,
  CLOSED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static int ssl_index = -1;
static BIO_METHOD *output_method;

static void update_timer (HormigaDtlsTransport *self);

/* ---- errors --------------------------------------------------------------- */

/* The OpenSSL error queue as one line, and the queue cleared. */
static char *
take_openssl_errors (void)
{
  GString *text = g_string_new (NULL);
  unsigned long code;

  while ((code = ERR_get_error ()) != 0)
    {
      char buffer[256];

      ERR_error_string_n (code, buffer, sizeof buffer);
      if (text->len > 0)
        g_string_append (text, "; ");
      g_string_append (text, buffer);
    }
  if (text->len == 0)
    g_string_append (text, "no detail from OpenSSL");
  return g_string_free (text, FALSE);
}

static void
fail (HormigaDtlsTransport *self,
      GError               *error)
{
  g_autoptr(GError) owned = error;

  if (self->state == HORMIGA_DTLS_STATE_FAILED || self->state == HORMIGA_DTLS_STATE_CLOSED)
    return;

  self->state = HORMIGA_DTLS_STATE_FAILED;
  if (self->timer != NULL)
    {
      g_source_destroy (self->timer);
      g_clear_pointer (&self->timer, g_source_unref);
    }
  g_signal_emit (self, signals[FAILED], 0, owned);
}

/* ---- the output BIO ------------------------------------------------------- */

static int
output_bio_write (BIO        *bio,
                  const char *data,
                  int         length)
{
  HormigaDtlsTransport *self = BIO_get_data (bio);

  if (length <= 0)
    return 0;
  if (self != NULL && self->output != NULL)
    self->output ((const guint8 *) data, (gsize) length, self->output_data);
  return length;
}

static long
output_bio_ctrl (BIO  *bio,
                 int   command,
                 long  number,
                 void *pointer)
{
  switch (command)
    {
    case BIO_CTRL_FLUSH:
      return 1;
    case BIO_CTRL_DGRAM_QUERY_MTU:
      return HORMIGA_DTLS_MTU;
    case BIO_CTRL_WPENDING:
    case BIO_CTRL_PENDING:
      return 0;
    default:
      return 0;
    }
}

static int
output_bio_create (BIO *bio)
{
  BIO_set_init (bio, 1);
  return 1;
}

static void
init_openssl_once (void)
{
  static gsize initialised = 0;

  if (g_once_init_enter (&initialised))
    {
      ssl_index = SSL_get_ex_new_index (0, (void *) "hormiga-dtls-transport", NULL, NULL, NULL);
      output_method = BIO_meth_new (BIO_get_new_index () | BIO_TYPE_SOURCE_SINK, "hormiga-dtls");
      BIO_meth_set_write (output_method, output_bio_write);
      BIO_meth_set_ctrl (output_method, output_bio_ctrl);
      BIO_meth_set_create (output_method, output_bio_create);
      g_once_init_leave (&initialised, 1);
    }
}

/* ---- certificate check ---------------------------------------------------- */

static int
on_verify (int             preverify_ok,
           X509_STORE_CTX *store)
{
  SSL *ssl = X509_STORE_CTX_get_ex_data (store, SSL_get_ex_data_X509_STORE_CTX_idx ());
  HormigaDtlsTransport *self = SSL_get_ex_data (ssl, ssl_index);
  X509 *certificate = X509_STORE_CTX_get_current_cert (store);

  /* Self-signed certificates fail OpenSSL's chain checks by design; only
   * the leaf's fingerprint counts. */
  if (X509_STORE_CTX_get_error_depth (store) != 0)
    return 1;
  if (certificate == NULL ||
      !hormiga_certificate_fingerprint_of_x509 (certificate, self->remote_fingerprint))
    {
      self->fingerprint_mismatch = TRUE;
      return 0;
    }

  self->has_remote_fingerprint = TRUE;
  if (!hormiga_certificate_fingerprint_equal (self->remote_fingerprint,
                                              self->expected_fingerprint))
    {
      self->fingerprint_mismatch = TRUE;
      return 0;
    }
  return 1;
}

/* ---- driving OpenSSL ------------------------------------------------------ */

static void
deliver_records (HormigaDtlsTransport *self)
{
  guint8 buffer[16384];

  while (self->state == HORMIGA_DTLS_STATE_CONNECTED)
    {
      int n;

      ERR_clear_error ();
      n = SSL_read (self->ssl, buffer, sizeof buffer);
      if (n > 0)
        {
          if (self->receive != NULL)
            self->receive (buffer, (gsize) n, self->receive_data);
          /* Usually one record per datagram: skip the read that would only
           * say WANT_READ. */
          if (BIO_ctrl_pending (self->read_bio) == 0 && !SSL_has_pending (self->ssl))
            return;
          continue;
        }

      switch (SSL_get_error (self->ssl, n))
        {
        case SSL_ERROR_WANT_READ:
        case SSL_ERROR_WANT_WRITE:
          return;

        case SSL_ERROR_ZERO_RETURN:
          self->state = HORMIGA_DTLS_STATE_CLOSED;
          g_signal_emit (self, signals[CLOSED], 0);
          return;

        default:
          {
            g_autofree char *detail = take_openssl_errors ();
            fail (self, g_error_new (HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_DTLS,
                                     "DTLS read failed: %s", detail));
          }
          return;
        }
    }
}

static void
continue_handshake (HormigaDtlsTransport *self)
{
  int result;

  ERR_clear_error ();
  result = SSL_do_handshake (self->ssl);
  if (result == 1)
    {
      if (self->timer != NULL)
        {
          g_source_destroy (self->timer);
          g_clear_pointer (&self->timer, g_source_unref);
        }
      /* The verify callback ran, unless the peer sent no certificate. */
      if (!self->has_remote_fingerprint)
        {
          fail (self, g_error_new_literal (HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_FINGERPRINT,
                                           "the DTLS peer presented no certificate"));
          return;
        }
      self->state = HORMIGA_DTLS_STATE_CONNECTED;
      g_signal_emit (self, signals[CONNECTED], 0);
      deliver_records (self);
      return;
    }

  switch (SSL_get_error (self->ssl, result))
    {
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE:
      update_timer (self);
      return;

    default:
      {
        g_autofree char *detail = take_openssl_errors ();

        if (self->fingerprint_mismatch)
          {
            g_autofree char *expected = hormiga_sdp_fingerprint_to_string (self->expected_fingerprint);
            g_autofree char *got = hormiga_sdp_fingerprint_to_string (self->remote_fingerprint);

            fail (self, g_error_new (HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_FINGERPRINT,
                                     "the DTLS peer's certificate has fingerprint %s, but its "
                                     "session description announced %s: someone between the "
                                     "peers may have changed the description", got, expected));
          }
        else
          fail (self, g_error_new (HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_DTLS,
                                   "DTLS handshake failed: %s", detail));
      }
      return;
    }
}

static gboolean
on_timer (gpointer user_data)
{
  HormigaDtlsTransport *self = user_data;

  g_clear_pointer (&self->timer, g_source_unref);
  if (self->state != HORMIGA_DTLS_STATE_CONNECTING)
    return G_SOURCE_REMOVE;

  ERR_clear_error ();
  if (DTLSv1_handle_timeout (self->ssl) < 0)
    {
      g_autofree char *detail = take_openssl_errors ();
      fail (self, g_error_new (HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_DTLS,
                               "the DTLS handshake timed out: %s", detail));
      return G_SOURCE_REMOVE;
    }
  update_timer (self);
  return G_SOURCE_REMOVE;
}

static void
update_timer (HormigaDtlsTransport *self)
{
  struct timeval timeout = { 0 };
  guint ms;

  if (self->timer != NULL)
    {
      g_source_destroy (self->timer);
      g_clear_pointer (&self->timer, g_source_unref);
    }
  if (self->state != HORMIGA_DTLS_STATE_CONNECTING || !DTLSv1_get_timeout (self->ssl, &timeout))
    return;

  ms = (guint) (timeout.tv_sec * 1000 + timeout.tv_usec / 1000);
  self->timer = g_timeout_source_new (MAX (ms, 1));
  g_source_set_callback (self->timer, on_timer, self, NULL);
  g_source_set_static_name (self->timer, "[hormiga] dtls retransmit");
  g_source_attach (self->timer, self->context);
}

/* ---- public API ------------------------------------------------------------ */

HormigaDtlsTransport *
hormiga_dtls_transport_new (GMainContext       *context,
                            HormigaCertificate *certificate,
                            gboolean            client,
                            const guint8        remote_fingerprint[32])
{
  HormigaDtlsTransport *self;
  BIO *write_bio;

  g_return_val_if_fail (HORMIGA_IS_CERTIFICATE (certificate), NULL);
  g_return_val_if_fail (remote_fingerprint != NULL, NULL);

  init_openssl_once ();

  self = g_object_new (HORMIGA_TYPE_DTLS_TRANSPORT, NULL);
  self->context = context ? g_main_context_ref (context) : g_main_context_ref_thread_default ();
  self->certificate = g_object_ref (certificate);
  self->client = client;
  memcpy (self->expected_fingerprint, remote_fingerprint, 32);

  self->ctx = SSL_CTX_new (DTLS_method ());
  g_assert (self->ctx != NULL);
  SSL_CTX_set_min_proto_version (self->ctx, DTLS1_2_VERSION);
  SSL_CTX_set_cipher_list (self->ctx, CIPHER_LIST);
  SSL_CTX_set1_groups_list (self->ctx, GROUPS_LIST);
  SSL_CTX_set_read_ahead (self->ctx, 1);
  SSL_CTX_set_verify (self->ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, on_verify);
  SSL_CTX_set_verify_depth (self->ctx, 4);
  if (SSL_CTX_use_certificate (self->ctx, _hormiga_certificate_get_x509 (certificate)) != 1 ||
      SSL_CTX_use_PrivateKey (self->ctx, _hormiga_certificate_get_key (certificate)) != 1)
    g_error ("OpenSSL refused the node's own certificate: %s", take_openssl_errors ());

  self->ssl = SSL_new (self->ctx);
  g_assert (self->ssl != NULL);
  SSL_set_ex_data (self->ssl, ssl_index, self);
  SSL_set_options (self->ssl, SSL_OP_NO_QUERY_MTU);
  /* The BIO is the datagram: the MTU is the datagram's size. */
  SSL_set_mtu (self->ssl, HORMIGA_DTLS_MTU);

  self->read_bio = BIO_new (BIO_s_mem ());
  BIO_set_mem_eof_return (self->read_bio, -1);
  write_bio = BIO_new (output_method);
  BIO_set_data (write_bio, self);
  SSL_set_bio (self->ssl, self->read_bio, write_bio);

  if (client)
    SSL_set_connect_state (self->ssl);
  else
    SSL_set_accept_state (self->ssl);

  return self;
}

static void
set_func (HormigaDtlsDataFunc  *slot_func,
          gpointer             *slot_data,
          GDestroyNotify       *slot_destroy,
          HormigaDtlsDataFunc   func,
          gpointer              data,
          GDestroyNotify        destroy)
{
  if (*slot_destroy != NULL)
    (*slot_destroy) (*slot_data);
  *slot_func = func;
  *slot_data = data;
  *slot_destroy = destroy;
}

void
hormiga_dtls_transport_set_output (HormigaDtlsTransport *self,
                                   HormigaDtlsDataFunc   output,
                                   gpointer              user_data,
                                   GDestroyNotify        destroy)
{
  g_return_if_fail (HORMIGA_IS_DTLS_TRANSPORT (self));

  set_func (&self->output, &self->output_data, &self->output_destroy, output, user_data, destroy);
}

void
hormiga_dtls_transport_set_receive (HormigaDtlsTransport *self,
                                    HormigaDtlsDataFunc   receive,
                                    gpointer              user_data,
                                    GDestroyNotify        destroy)
{
  g_return_if_fail (HORMIGA_IS_DTLS_TRANSPORT (self));

  set_func (&self->receive, &self->receive_data, &self->receive_destroy, receive, user_data,
            destroy);
}

void
hormiga_dtls_transport_start (HormigaDtlsTransport *self)
{
  g_return_if_fail (HORMIGA_IS_DTLS_TRANSPORT (self));
  g_return_if_fail (self->state == HORMIGA_DTLS_STATE_NEW);

  self->state = HORMIGA_DTLS_STATE_CONNECTING;
  if (self->client)
    continue_handshake (self);
}

void
hormiga_dtls_transport_input (HormigaDtlsTransport *self,
                              const guint8         *data,
                              gsize                 length)
{
  g_autoptr(HormigaDtlsTransport) hold = NULL;

  g_return_if_fail (HORMIGA_IS_DTLS_TRANSPORT (self));

  /* A DTLS record starts with a content type of 20–63 (RFC 7983); anything
   * else on this path is not ours. */
  if (length == 0 || data[0] < 20 || data[0] > 63)
    {
      g_debug ("dtls: dropping a %" G_GSIZE_FORMAT "-byte datagram that is not DTLS", length);
      return;
    }
  if (self->state != HORMIGA_DTLS_STATE_CONNECTING && self->state != HORMIGA_DTLS_STATE_CONNECTED)
    return;

  hold = g_object_ref (self);
  BIO_write (self->read_bio, data, (int) MIN (length, (gsize) G_MAXINT));
  if (self->state == HORMIGA_DTLS_STATE_CONNECTING)
    continue_handshake (self);
  else
    deliver_records (self);

  /* Whatever OpenSSL did not consume (a broken record) is dropped. */
  if (self->read_bio != NULL && self->state != HORMIGA_DTLS_STATE_FAILED)
    (void) BIO_reset (self->read_bio);
}

gboolean
hormiga_dtls_transport_send (HormigaDtlsTransport  *self,
                             const guint8          *data,
                             gsize                  length,
                             GError               **error)
{
  int written;

  g_return_val_if_fail (HORMIGA_IS_DTLS_TRANSPORT (self), FALSE);

  if (self->state != HORMIGA_DTLS_STATE_CONNECTED)
    {
      g_set_error_literal (error, HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_CLOSED,
                           "the DTLS transport is not connected");
      return FALSE;
    }
  if (length == 0 || length > G_MAXINT)
    {
      g_set_error (error, HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_DTLS,
                   "a DTLS record carries 1 to %d bytes, not %" G_GSIZE_FORMAT, G_MAXINT, length);
      return FALSE;
    }

  ERR_clear_error ();
  written = SSL_write (self->ssl, data, (int) length);
  if (written != (int) length)
    {
      g_autofree char *detail = take_openssl_errors ();
      g_set_error (error, HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_DTLS,
                   "DTLS write failed: %s", detail);
      return FALSE;
    }
  return TRUE;
}

void
hormiga_dtls_transport_close (HormigaDtlsTransport *self)
{
  g_return_if_fail (HORMIGA_IS_DTLS_TRANSPORT (self));

  if (self->timer != NULL)
    {
      g_source_destroy (self->timer);
      g_clear_pointer (&self->timer, g_source_unref);
    }
  if (self->state == HORMIGA_DTLS_STATE_CONNECTED)
    {
      ERR_clear_error ();
      SSL_shutdown (self->ssl);
      ERR_clear_error ();
    }
  if (self->state != HORMIGA_DTLS_STATE_CLOSED && self->state != HORMIGA_DTLS_STATE_FAILED)
    {
      self->state = HORMIGA_DTLS_STATE_CLOSED;
      g_signal_emit (self, signals[CLOSED], 0);
    }
}

HormigaDtlsState
hormiga_dtls_transport_get_state (HormigaDtlsTransport *self)
{
  g_return_val_if_fail (HORMIGA_IS_DTLS_TRANSPORT (self), HORMIGA_DTLS_STATE_CLOSED);

  return self->state;
}

const guint8 *
hormiga_dtls_transport_get_remote_fingerprint (HormigaDtlsTransport *self)
{
  g_return_val_if_fail (HORMIGA_IS_DTLS_TRANSPORT (self), NULL);

  return self->has_remote_fingerprint ? self->remote_fingerprint : NULL;
}

/* ---- GObject ---------------------------------------------------------------- */

static void
hormiga_dtls_transport_dispose (GObject *object)
{
  HormigaDtlsTransport *self = HORMIGA_DTLS_TRANSPORT (object);

  if (self->timer != NULL)
    {
      g_source_destroy (self->timer);
      g_clear_pointer (&self->timer, g_source_unref);
    }
  hormiga_dtls_transport_set_output (self, NULL, NULL, NULL);
  hormiga_dtls_transport_set_receive (self, NULL, NULL, NULL);
  g_clear_object (&self->certificate);

  G_OBJECT_CLASS (hormiga_dtls_transport_parent_class)->dispose (object);
}

static void
hormiga_dtls_transport_finalize (GObject *object)
{
  HormigaDtlsTransport *self = HORMIGA_DTLS_TRANSPORT (object);

  g_clear_pointer (&self->ssl, SSL_free);   /* frees both BIOs */
  self->read_bio = NULL;
  g_clear_pointer (&self->ctx, SSL_CTX_free);
  g_clear_pointer (&self->context, g_main_context_unref);

  G_OBJECT_CLASS (hormiga_dtls_transport_parent_class)->finalize (object);
}

static void
hormiga_dtls_transport_class_init (HormigaDtlsTransportClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hormiga_dtls_transport_dispose;
  object_class->finalize = hormiga_dtls_transport_finalize;

  /** HormigaDtlsTransport::connected: the handshake finished and the peer's
   * fingerprint matched. */
  signals[CONNECTED] =
    g_signal_new ("connected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 0);
  /**
   * HormigaDtlsTransport::failed:
   * @error: why (HORMIGA_RTC_ERROR_DTLS or _FINGERPRINT)
   */
  signals[FAILED] =
    g_signal_new ("failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
  /** HormigaDtlsTransport::closed: closed by either side. */
  signals[CLOSED] =
    g_signal_new ("closed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 0);
}

static void
hormiga_dtls_transport_init (HormigaDtlsTransport *self)
{
  self->state = HORMIGA_DTLS_STATE_NEW;
}
