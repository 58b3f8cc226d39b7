/* test-dtls-transport.c — two DTLS transports back to back, then SCTP over them
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Datagrams between the two travel through queues drained from the main
 * loop, as they would through a socket.
 */
#include "hormiga-certificate.h"
#include "hormiga-dtls-transport.h"
#include "hormiga-rtc-error.h"
#include "hormiga-test-util.h"
#include "hormiga-sctp-association.h"

typedef struct _End End;

struct _End
{
  HormigaCertificate     *certificate;
  HormigaDtlsTransport   *dtls;
  HormigaSctpAssociation *sctp;        /* optional, over dtls */
  End                    *peer;
  GQueue                  inbox;       /* GBytes datagrams for this end */
  guint                   drain_id;
  guint                   drop_next;   /* datagrams from this end to lose */
  gboolean                connected;
  GError                 *failure;
  GPtrArray              *received;    /* GBytes: DTLS application data, or SCTP messages */
};

static gboolean
drain (gpointer user_data)
{
  End *end = user_data;
  GBytes *datagram;

  end->drain_id = 0;
  while ((datagram = g_queue_pop_head (&end->inbox)) != NULL)
    {
      gsize length;
      const guint8 *data = g_bytes_get_data (datagram, &length);

      hormiga_dtls_transport_input (end->dtls, data, length);
      g_bytes_unref (datagram);
    }
  return G_SOURCE_REMOVE;
}

static void
on_dtls_output (const guint8 *data,
                gsize         length,
                gpointer      user_data)
{
  End *from = user_data;
  End *to = from->peer;

  g_assert_cmpuint (length, <=, HORMIGA_DTLS_MTU);
  if (from->drop_next > 0)
    {
      from->drop_next--;
      return;
    }
  g_queue_push_tail (&to->inbox, g_bytes_new (data, length));
  if (to->drain_id == 0)
    to->drain_id = g_idle_add (drain, to);
}

static void
on_dtls_receive (const guint8 *data,
                 gsize         length,
                 gpointer      user_data)
{
  End *end = user_data;

  if (end->sctp != NULL)
    hormiga_sctp_association_input (end->sctp, data, length);
  else
    g_ptr_array_add (end->received, g_bytes_new (data, length));
}

static void
on_connected (HormigaDtlsTransport *dtls,
              gpointer              user_data)
{
  End *end = user_data;
  end->connected = TRUE;
}

static void
on_failed (HormigaDtlsTransport *dtls,
           const GError         *error,
           gpointer              user_data)
{
  End *end = user_data;

  g_assert_null (end->failure);
  end->failure = g_error_copy (error);
}

static void
end_init (End                *end,
          End                *peer,
          HormigaCertificate *own,
          const guint8       *expected_peer_fingerprint,
          gboolean            client)
{
  end->certificate = g_object_ref (own);
  end->peer = peer;
  g_queue_init (&end->inbox);
  end->received = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  end->dtls = hormiga_dtls_transport_new (NULL, own, client, expected_peer_fingerprint);
  hormiga_dtls_transport_set_output (end->dtls, on_dtls_output, end, NULL);
  hormiga_dtls_transport_set_receive (end->dtls, on_dtls_receive, end, NULL);
  g_signal_connect (end->dtls, "connected", G_CALLBACK (on_connected), end);
  g_signal_connect (end->dtls, "failed", G_CALLBACK (on_failed), end);
}

static void
end_clear (End *end)
{
  if (end->sctp != NULL)
    {
      hormiga_sctp_association_set_output (end->sctp, NULL, NULL, NULL);
      g_assert_finalize_object (end->sctp);
    }
  hormiga_dtls_transport_set_output (end->dtls, NULL, NULL, NULL);
  g_clear_handle_id (&end->drain_id, g_source_remove);
  g_queue_clear_full (&end->inbox, (GDestroyNotify) g_bytes_unref);
  g_assert_finalize_object (end->dtls);
  g_object_unref (end->certificate);
  g_ptr_array_unref (end->received);
  g_clear_error (&end->failure);
}

static gboolean
both_connected (gpointer data)
{
  End *ends = data;
  return ends[0].connected && ends[1].connected;
}

static gboolean
failed (gpointer data)
{
  End *end = data;
  return end->failure != NULL;
}

typedef struct { End *end; guint count; } Count;

static gboolean
received (gpointer data)
{
  Count *count = data;
  return count->end->received->len >= count->count;
}

/* ends[0] is the DTLS client. */
static void
pair_init (End                 ends[2],
           HormigaCertificate *client_certificate,
           HormigaCertificate *server_certificate,
           const guint8       *client_expects,
           const guint8       *server_expects)
{
  memset (ends, 0, 2 * sizeof (End));
  end_init (&ends[0], &ends[1], client_certificate, client_expects, TRUE);
  end_init (&ends[1], &ends[0], server_certificate, server_expects, FALSE);
}

static void
test_handshake_and_data (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HormigaCertificate) a = hormiga_certificate_generate (&error);
  g_autoptr(HormigaCertificate) b = hormiga_certificate_generate (&error);
  End ends[2];
  Count count = { &ends[1], 3 };
  Count back = { &ends[0], 1 };

  g_assert_no_error (error);
  pair_init (ends, a, b, hormiga_certificate_get_fingerprint (b),
             hormiga_certificate_get_fingerprint (a));
  hormiga_dtls_transport_start (ends[1].dtls);
  hormiga_dtls_transport_start (ends[0].dtls);
  g_assert_true (hormiga_test_wait_until (both_connected, ends, 10000));

  /* Each side saw the other's certificate. */
  g_assert_cmpmem (hormiga_dtls_transport_get_remote_fingerprint (ends[0].dtls), 32,
                   hormiga_certificate_get_fingerprint (b), 32);
  g_assert_cmpmem (hormiga_dtls_transport_get_remote_fingerprint (ends[1].dtls), 32,
                   hormiga_certificate_get_fingerprint (a), 32);

  g_assert_true (hormiga_dtls_transport_send (ends[0].dtls, (const guint8 *) "one", 3, &error));
  g_assert_true (hormiga_dtls_transport_send (ends[0].dtls, (const guint8 *) "two", 3, &error));
  {
    guint8 big[1100];
    memset (big, 0x5a, sizeof big);
    g_assert_true (hormiga_dtls_transport_send (ends[0].dtls, big, sizeof big, &error));
  }
  g_assert_true (hormiga_dtls_transport_send (ends[1].dtls, (const guint8 *) "back", 4, &error));
  g_assert_no_error (error);
  g_assert_true (hormiga_test_wait_until (received, &count, 5000));
  g_assert_true (hormiga_test_wait_until (received, &back, 5000));
  g_assert_cmpmem (g_bytes_get_data (g_ptr_array_index (ends[1].received, 0), NULL), 3, "one", 3);
  g_assert_cmpuint (g_bytes_get_size (g_ptr_array_index (ends[1].received, 2)), ==, 1100);
  g_assert_cmpmem (g_bytes_get_data (g_ptr_array_index (ends[0].received, 0), NULL), 4, "back", 4);

  end_clear (&ends[0]);
  end_clear (&ends[1]);
}

static void
test_fingerprint_mismatch (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HormigaCertificate) a = hormiga_certificate_generate (&error);
  g_autoptr(HormigaCertificate) b = hormiga_certificate_generate (&error);
  g_autoptr(HormigaCertificate) mallory = hormiga_certificate_generate (&error);
  End ends[2];

  /* The client was told (by a tampered description) to expect mallory. */
  pair_init (ends, a, b, hormiga_certificate_get_fingerprint (mallory),
             hormiga_certificate_get_fingerprint (a));
  hormiga_dtls_transport_start (ends[1].dtls);
  hormiga_dtls_transport_start (ends[0].dtls);
  g_assert_true (hormiga_test_wait_until (failed, &ends[0], 10000));
  g_assert_error (ends[0].failure, HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_FINGERPRINT);
  g_assert_nonnull (strstr (ends[0].failure->message, "announced"));
  g_assert_false (ends[0].connected);
  g_assert_cmpint (hormiga_dtls_transport_get_state (ends[0].dtls), ==, HORMIGA_DTLS_STATE_FAILED);
  g_assert_false (hormiga_dtls_transport_send (ends[0].dtls, (const guint8 *) "x", 1, &error));
  g_assert_error (error, HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_CLOSED);

  end_clear (&ends[0]);
  end_clear (&ends[1]);
}

static void
test_lost_flight_is_retransmitted (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HormigaCertificate) a = hormiga_certificate_generate (&error);
  g_autoptr(HormigaCertificate) b = hormiga_certificate_generate (&error);
  End ends[2];

  pair_init (ends, a, b, hormiga_certificate_get_fingerprint (b),
             hormiga_certificate_get_fingerprint (a));
  ends[0].drop_next = 1;  /* the first ClientHello is lost */
  hormiga_dtls_transport_start (ends[1].dtls);
  hormiga_dtls_transport_start (ends[0].dtls);
  g_assert_true (hormiga_test_wait_until (both_connected, ends, 10000));

  end_clear (&ends[0]);
  end_clear (&ends[1]);
}

static void
test_garbage_is_dropped (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HormigaCertificate) a = hormiga_certificate_generate (&error);
  g_autoptr(HormigaCertificate) b = hormiga_certificate_generate (&error);
  End ends[2];
  Count count = { &ends[1], 1 };
  guint8 garbage[1200];

  pair_init (ends, a, b, hormiga_certificate_get_fingerprint (b),
             hormiga_certificate_get_fingerprint (a));
  hormiga_dtls_transport_start (ends[1].dtls);
  hormiga_dtls_transport_start (ends[0].dtls);
  g_assert_true (hormiga_test_wait_until (both_connected, ends, 10000));

  /* Random records of every content type, truncated headers, non-DTLS bytes. */
  for (guint round = 0; round < 300; round++)
    {
      gsize length = (gsize) g_test_rand_int_range (0, sizeof garbage);

      for (gsize i = 0; i < length; i++)
        garbage[i] = (guint8) g_test_rand_int_range (0, 256);
      if (length > 0)
        garbage[0] = (guint8) (round % 3 == 0 ? 23 : g_test_rand_int_range (0, 256));
      if (length > 2)
        {
          garbage[1] = 0xfe;
          garbage[2] = 0xfd;  /* DTLS 1.2 */
        }
      hormiga_dtls_transport_input (ends[1].dtls, garbage, length);
    }

  g_assert_null (ends[1].failure);
  g_assert_true (hormiga_dtls_transport_send (ends[0].dtls, (const guint8 *) "ok", 2, &error));
  g_assert_true (hormiga_test_wait_until (received, &count, 5000));

  end_clear (&ends[0]);
  end_clear (&ends[1]);
}

/* ---- SCTP over DTLS ------------------------------------------------------ */

static void
on_sctp_output (const guint8 *packet,
                gsize         length,
                gpointer      user_data)
{
  End *end = user_data;
  g_autoptr(GError) error = NULL;

  if (hormiga_dtls_transport_get_state (end->dtls) == HORMIGA_DTLS_STATE_CONNECTED)
    {
      hormiga_dtls_transport_send (end->dtls, packet, length, &error);
      g_assert_no_error (error);
    }
}

static void
on_sctp_message (HormigaSctpAssociation *sctp,
                 guint                   stream,
                 guint                   ppid,
                 GBytes                 *data,
                 gpointer                user_data)
{
  End *end = user_data;
  g_ptr_array_add (end->received, g_bytes_ref (data));
}

static gboolean
sctp_both_up (gpointer data)
{
  End *ends = data;
  return hormiga_sctp_association_get_state (ends[0].sctp) == HORMIGA_SCTP_STATE_CONNECTED &&
         hormiga_sctp_association_get_state (ends[1].sctp) == HORMIGA_SCTP_STATE_CONNECTED;
}

static void
test_sctp_over_dtls (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HormigaCertificate) a = hormiga_certificate_generate (&error);
  g_autoptr(HormigaCertificate) b = hormiga_certificate_generate (&error);
  g_autoptr(GBytes) big = NULL;
  End ends[2];
  Count count = { &ends[1], 16 };
  guint8 *data = g_malloc (262144);

  for (gsize i = 0; i < 262144; i++)
    data[i] = (guint8) (i * 31 + 7);
  big = g_bytes_new_take (data, 262144);

  pair_init (ends, a, b, hormiga_certificate_get_fingerprint (b),
             hormiga_certificate_get_fingerprint (a));
  for (guint i = 0; i < 2; i++)
    {
      ends[i].sctp = hormiga_sctp_association_new (NULL);
      hormiga_sctp_association_set_output (ends[i].sctp, on_sctp_output, &ends[i], NULL);
      g_signal_connect (ends[i].sctp, "message", G_CALLBACK (on_sctp_message), &ends[i]);
    }
  hormiga_dtls_transport_start (ends[1].dtls);
  hormiga_dtls_transport_start (ends[0].dtls);
  g_assert_true (hormiga_test_wait_until (both_connected, ends, 10000));

  for (guint i = 0; i < 2; i++)
    {
      g_assert_true (hormiga_sctp_association_start (ends[i].sctp, &error));
      g_assert_no_error (error);
    }
  g_assert_true (hormiga_test_wait_until (sctp_both_up, ends, 10000));

  /* 4 MiB in 256 KiB messages, checked byte for byte. */
  for (guint i = 0; i < 16; i++)
    g_assert_true (hormiga_sctp_association_send (ends[0].sctp, 0, 53, NULL,
                                                  g_bytes_get_data (big, NULL),
                                                  g_bytes_get_size (big), &error));
  g_assert_true (hormiga_test_wait_until (received, &count, 30000));
  for (guint i = 0; i < 16; i++)
    g_assert_true (g_bytes_equal (g_ptr_array_index (ends[1].received, i), big));

  end_clear (&ends[0]);
  end_clear (&ends[1]);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/hormiga/dtls-transport/handshake-and-data", test_handshake_and_data);
  g_test_add_func ("/hormiga/dtls-transport/fingerprint-mismatch", test_fingerprint_mismatch);
  g_test_add_func ("/hormiga/dtls-transport/lost-flight-is-retransmitted",
                   test_lost_flight_is_retransmitted);
  g_test_add_func ("/hormiga/dtls-transport/garbage-is-dropped", test_garbage_is_dropped);
  g_test_add_func ("/hormiga/dtls-transport/sctp-over-dtls", test_sctp_over_dtls);
  return g_test_run ();
}
