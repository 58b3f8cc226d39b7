/* test-sctp-association.c — two usrsctp associations wired back to back
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Packets between the two travel through a queue drained from the main loop,
 * as they would through DTLS and a socket, never synchronously.
 */
#include "hormiga-rtc-error.h"
#include "hormiga-test-util.h"
#include "hormiga-sctp-association.h"

typedef struct _Side Side;

struct _Side
{
  HormigaSctpAssociation *association;
  Side                   *peer;
  GQueue                  inbox;        /* GBytes packets waiting for this side */
  guint                   drain_id;
  gboolean                connected;
  gboolean                closed;
  GError                 *close_error;
  GPtrArray              *messages;     /* GBytes */
  GArray                 *streams;      /* guint */
  GArray                 *ppids;        /* guint */
  GArray                 *resets;       /* guint */
  guint64                 decreased;
  gboolean                drop_output;
};

static gboolean
drain (gpointer user_data)
{
  Side *side = user_data;
  GBytes *packet;

  side->drain_id = 0;
  while ((packet = g_queue_pop_head (&side->inbox)) != NULL)
    {
      gsize length;
      const guint8 *data = g_bytes_get_data (packet, &length);

      hormiga_sctp_association_input (side->association, data, length);
      g_bytes_unref (packet);
    }
  return G_SOURCE_REMOVE;
}

static void
on_output (const guint8 *packet,
           gsize         length,
           gpointer      user_data)
{
  Side *from = user_data;
  Side *to = from->peer;

  g_assert_cmpuint (length, <=, HORMIGA_SCTP_MAX_PACKET);
  if (from->drop_output)
    return;
  g_queue_push_tail (&to->inbox, g_bytes_new (packet, length));
  if (to->drain_id == 0)
    to->drain_id = g_idle_add (drain, to);
}

static void
on_connected (HormigaSctpAssociation *association,
              gpointer                user_data)
{
  Side *side = user_data;
  side->connected = TRUE;
}

static void
on_message (HormigaSctpAssociation *association,
            guint                   stream,
            guint                   ppid,
            GBytes                 *data,
            gpointer                user_data)
{
  Side *side = user_data;

  g_ptr_array_add (side->messages, g_bytes_ref (data));
  g_array_append_val (side->streams, stream);
  g_array_append_val (side->ppids, ppid);
}

static void
on_stream_reset (HormigaSctpAssociation *association,
                 guint                   stream,
                 gpointer                user_data)
{
  Side *side = user_data;
  g_array_append_val (side->resets, stream);
}

static void
on_decreased (HormigaSctpAssociation *association,
              guint                   stream,
              guint64                 amount,
              gpointer                user_data)
{
  Side *side = user_data;
  side->decreased++;
}

static void
on_closed (HormigaSctpAssociation *association,
           const GError           *error,
           gpointer                user_data)
{
  Side *side = user_data;

  side->closed = TRUE;
  g_clear_error (&side->close_error);
  side->close_error = error ? g_error_copy (error) : NULL;
}

static void
side_init (Side *side,
           Side *peer)
{
  memset (side, 0, sizeof *side);
  side->peer = peer;
  g_queue_init (&side->inbox);
  side->messages = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  side->streams = g_array_new (FALSE, FALSE, sizeof (guint));
  side->ppids = g_array_new (FALSE, FALSE, sizeof (guint));
  side->resets = g_array_new (FALSE, FALSE, sizeof (guint));
  side->association = hormiga_sctp_association_new (NULL);
  hormiga_sctp_association_set_output (side->association, on_output, side, NULL);
  g_signal_connect (side->association, "connected", G_CALLBACK (on_connected), side);
  g_signal_connect (side->association, "message", G_CALLBACK (on_message), side);
  g_signal_connect (side->association, "stream-reset", G_CALLBACK (on_stream_reset), side);
  g_signal_connect (side->association, "buffered-amount-decreased", G_CALLBACK (on_decreased),
                    side);
  g_signal_connect (side->association, "closed", G_CALLBACK (on_closed), side);
}

static void
side_clear (Side *side)
{
  /* Nothing more travels to or from this side. */
  hormiga_sctp_association_set_output (side->association, NULL, NULL, NULL);
  g_clear_handle_id (&side->drain_id, g_source_remove);
  g_queue_clear_full (&side->inbox, (GDestroyNotify) g_bytes_unref);
  g_assert_finalize_object (side->association);
  g_ptr_array_unref (side->messages);
  g_array_unref (side->streams);
  g_array_unref (side->ppids);
  g_array_unref (side->resets);
  g_clear_error (&side->close_error);
}

static gboolean
both_connected (gpointer data)
{
  Side *sides = data;
  return sides[0].connected && sides[1].connected;
}

typedef struct { Side *side; guint count; } Count;

static gboolean
has_messages (gpointer data)
{
  Count *count = data;
  return count->side->messages->len >= count->count;
}

static gboolean
has_reset (gpointer data)
{
  Side *side = data;
  return side->resets->len > 0;
}

static gboolean
is_closed (gpointer data)
{
  Side *side = data;
  return side->closed;
}

static void
connect_pair (Side sides[2])
{
  g_autoptr(GError) error = NULL;

  side_init (&sides[0], &sides[1]);
  side_init (&sides[1], &sides[0]);
  g_assert_true (hormiga_sctp_association_start (sides[0].association, &error));
  g_assert_no_error (error);
  g_assert_true (hormiga_sctp_association_start (sides[1].association, &error));
  g_assert_no_error (error);
  g_assert_true (hormiga_test_wait_until (both_connected, sides, 10000));
  g_assert_cmpint (hormiga_sctp_association_get_state (sides[0].association), ==,
                   HORMIGA_SCTP_STATE_CONNECTED);
}

static GBytes *
pattern (gsize  length,
         guint8 seed)
{
  guint8 *data = g_malloc (length);

  for (gsize i = 0; i < length; i++)
    data[i] = (guint8) (seed + i * 7 + (i >> 8));
  return g_bytes_new_take (data, length);
}

static void
test_connect_and_messages (void)
{
  Side sides[2];
  const gsize sizes[] = { 1, 2, 1000, 1171, 1172, 65535, 65536, 200000, 262144 };
  Count count = { &sides[1], G_N_ELEMENTS (sizes) };
  g_autoptr(GError) error = NULL;

  connect_pair (sides);

  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autoptr(GBytes) message = pattern (sizes[i], (guint8) i);
      g_assert_true (hormiga_sctp_association_send (sides[0].association, (guint16) (i * 2), 53 + i,
                                                    NULL, g_bytes_get_data (message, NULL),
                                                    sizes[i], &error));
      g_assert_no_error (error);
    }

  g_assert_true (hormiga_test_wait_until (has_messages, &count, 10000));
  g_assert_cmpuint (sides[1].messages->len, ==, G_N_ELEMENTS (sizes));
  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autoptr(GBytes) expected = pattern (sizes[i], (guint8) i);

      /* Different streams may be delivered in any order: find it by stream. */
      for (guint j = 0; j < sides[1].messages->len; j++)
        if (g_array_index (sides[1].streams, guint, j) == i * 2)
          {
            g_assert_cmpuint (g_array_index (sides[1].ppids, guint, j), ==, 53 + i);
            g_assert_true (g_bytes_equal (g_ptr_array_index (sides[1].messages, j), expected));
          }
    }

  side_clear (&sides[0]);
  side_clear (&sides[1]);
}

static void
test_many_streams_in_order (void)
{
  Side sides[2];
  Count count = { &sides[0], 100 * 5 };
  g_autoptr(GError) error = NULL;

  connect_pair (sides);

  /* 100 streams, 5 ordered messages each, from side 1 to side 0. */
  for (guint round = 0; round < 5; round++)
    for (guint stream = 1; stream <= 199; stream += 2)
      {
        guint8 body[2] = { (guint8) stream, (guint8) round };
        g_assert_true (hormiga_sctp_association_send (sides[1].association, (guint16) stream, 53,
                                                      NULL, body, sizeof body, &error));
      }

  g_assert_true (hormiga_test_wait_until (has_messages, &count, 10000));
  {
    guint next_round[256] = { 0 };

    for (guint i = 0; i < sides[0].messages->len; i++)
      {
        const guint8 *body = g_bytes_get_data (g_ptr_array_index (sides[0].messages, i), NULL);
        guint stream = g_array_index (sides[0].streams, guint, i);

        g_assert_cmpuint (body[0], ==, stream);
        g_assert_cmpuint (body[1], ==, next_round[stream]);
        next_round[stream]++;
      }
  }

  side_clear (&sides[0]);
  side_clear (&sides[1]);
}

static void
test_buffered_amount (void)
{
  Side sides[2];
  g_autoptr(GBytes) message = pattern (262144, 9);
  Count count = { &sides[1], 32 };
  g_autoptr(GError) error = NULL;
  gsize peak = 0;

  connect_pair (sides);

  /* 8 MiB at once: more than the 1 MiB SCTP buffer, so some waits here. */
  for (guint i = 0; i < 32; i++)
    {
      g_assert_true (hormiga_sctp_association_send (sides[0].association, 0, 53, NULL,
                                                    g_bytes_get_data (message, NULL),
                                                    g_bytes_get_size (message), &error));
      peak = MAX (peak, hormiga_sctp_association_get_buffered_amount (sides[0].association, 0));
    }
  g_assert_cmpuint (peak, >, 0);

  g_assert_true (hormiga_test_wait_until (has_messages, &count, 30000));
  g_assert_cmpuint (hormiga_sctp_association_get_buffered_amount (sides[0].association, 0), ==, 0);
  g_assert_cmpuint (sides[0].decreased, >, 0);
  for (guint i = 0; i < 32; i++)
    g_assert_true (g_bytes_equal (g_ptr_array_index (sides[1].messages, i), message));

  side_clear (&sides[0]);
  side_clear (&sides[1]);
}

static void
test_stream_reset_and_close (void)
{
  Side sides[2];

  connect_pair (sides);

  hormiga_sctp_association_reset_stream (sides[0].association, 6);
  g_assert_true (hormiga_test_wait_until (has_reset, &sides[1], 5000));
  g_assert_cmpuint (g_array_index (sides[1].resets, guint, 0), ==, 6);

  /* An abort reaches the peer, which reports the association gone. */
  hormiga_sctp_association_close (sides[0].association);
  g_assert_true (sides[0].closed);
  g_assert_true (hormiga_test_wait_until (is_closed, &sides[1], 5000));
  g_assert_nonnull (sides[1].close_error);
  g_assert_error (sides[1].close_error, HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_SCTP);

  side_clear (&sides[0]);
  side_clear (&sides[1]);
}

static void
test_bad_packets (void)
{
  Side sides[2];
  Count count = { &sides[1], 1 };
  g_autoptr(GError) error = NULL;
  guint8 garbage[1200];

  connect_pair (sides);

  /* Truncated, random, and bit-flipped packets are dropped by the checksum
   * and header checks; the association carries on. */
  for (guint i = 0; i < sizeof garbage; i++)
    garbage[i] = (guint8) g_test_rand_int_range (0, 256);
  for (gsize length = 0; length < 64; length++)
    hormiga_sctp_association_input (sides[1].association, garbage, length);
  for (guint i = 0; i < 200; i++)
    hormiga_sctp_association_input (sides[1].association, garbage,
                                    (gsize) g_test_rand_int_range (12, sizeof garbage));

  g_assert_true (hormiga_sctp_association_send (sides[0].association, 0, 51, NULL,
                                                (const guint8 *) "still here", 10, &error));
  g_assert_true (hormiga_test_wait_until (has_messages, &count, 5000));
  g_assert_false (sides[1].closed);

  side_clear (&sides[0]);
  side_clear (&sides[1]);
}

static void
test_refuses (void)
{
  Side sides[2];
  g_autoptr(GError) error = NULL;
  HormigaSctpAssociation *lonely = hormiga_sctp_association_new (NULL);

  g_assert_false (hormiga_sctp_association_send (lonely, 0, 51, NULL, (const guint8 *) "x", 1,
                                                 &error));
  g_assert_error (error, HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_CLOSED);
  g_clear_error (&error);
  g_assert_finalize_object (lonely);

  connect_pair (sides);
  g_assert_false (hormiga_sctp_association_send (sides[0].association, HORMIGA_SCTP_MAX_STREAMS,
                                                 51, NULL, (const guint8 *) "x", 1, &error));
  g_assert_error (error, HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_SCTP);
  g_clear_error (&error);
  g_assert_false (hormiga_sctp_association_send (sides[0].association, 0, 51, NULL,
                                                 (const guint8 *) "", 0, &error));
  g_assert_error (error, HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_SCTP);

  side_clear (&sides[0]);
  side_clear (&sides[1]);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/hormiga/sctp-association/connect-and-messages", test_connect_and_messages);
  g_test_add_func ("/hormiga/sctp-association/many-streams-in-order", test_many_streams_in_order);
  g_test_add_func ("/hormiga/sctp-association/buffered-amount", test_buffered_amount);
  g_test_add_func ("/hormiga/sctp-association/stream-reset-and-close", test_stream_reset_and_close);
  g_test_add_func ("/hormiga/sctp-association/bad-packets", test_bad_packets);
  g_test_add_func ("/hormiga/sctp-association/refuses", test_refuses);
  return g_test_run ();
}
