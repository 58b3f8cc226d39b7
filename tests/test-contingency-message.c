/* test-contingency-message.c — the contingency codec: round trips and every rejection
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib.h>
#include <string.h>

#include "hormiga-contingency-error.h"
#include "hormiga-contingency-message.h"
#include "hormiga-identity.h"
#include "test-msgpack-writer.h"

static HormigaPeerId *
peer_of (guint8 n)
{
  guint8 seed[32] = { n };
  g_autoptr(HormigaIdentity) identity = hormiga_identity_new_from_seed (seed);

  return hormiga_peer_id_ref (hormiga_identity_get_peer_id (identity));
}

static const guint8 *
peer_bytes (guint8 n)
{
  static guint8 bytes[4][HORMIGA_PEER_ID_LENGTH];
  g_autoptr(HormigaPeerId) peer = peer_of (n);

  memcpy (bytes[n % 4], hormiga_peer_id_get_bytes (peer, NULL), HORMIGA_PEER_ID_LENGTH);
  return bytes[n % 4];
}

static HormigaContingencyMessage *
round_trip (HormigaContingencyMessage *message)
{
  g_autoptr(GBytes) bytes = hormiga_contingency_message_encode (message);
  g_autoptr(GError) error = NULL;
  HormigaContingencyMessage *back;
  g_autoptr(GBytes) again = NULL;

  g_assert_nonnull (bytes);
  back = hormiga_contingency_message_decode (bytes, &error);
  g_assert_no_error (error);
  g_assert_nonnull (back);
  g_assert_cmpint (back->type, ==, message->type);
  again = hormiga_contingency_message_encode (back);
  g_assert_true (g_bytes_equal (bytes, again));
  return back;
}

static void
test_round_trips (void)
{
  g_autoptr(HormigaPeerId) a = peer_of (1);
  g_autoptr(HormigaPeerId) b = peer_of (2);
  guint8 blob[100];

  for (guint i = 0; i < sizeof blob; i++)
    blob[i] = (guint8) (i * 7);

  {
    g_autoptr(HormigaContingencyMessage) m = hormiga_contingency_message_new (HORMIGA_CONTINGENCY_MESSAGE_ASSIGN);
    g_autoptr(HormigaContingencyMessage) back = NULL;

    m->rank = 1;
    g_ptr_array_add (m->peers, hormiga_peer_id_ref (a));
    g_ptr_array_add (m->peers, hormiga_peer_id_ref (b));
    m->seq = 12345678901ull;
    m->bytes = 4096;
    back = round_trip (m);
    g_assert_cmpuint (back->rank, ==, 1);
    g_assert_cmpuint (back->peers->len, ==, 2);
    g_assert_true (hormiga_peer_id_equal (g_ptr_array_index (back->peers, 1), b));
    g_assert_cmpuint (back->seq, ==, 12345678901ull);
    g_assert_cmpuint (back->bytes, ==, 4096);
  }
  {
    g_autoptr(HormigaContingencyMessage) m = hormiga_contingency_message_new (HORMIGA_CONTINGENCY_MESSAGE_BACKUP);
    g_autoptr(HormigaContingencyMessage) back = NULL;
    HormigaContingencySlot slot = { { 3, 9 } };

    m->seq = 7;
    m->reset = TRUE;
    m->more = TRUE;
    g_ptr_array_add (m->records, g_bytes_new_static ("record", 6));
    g_array_append_val (m->removed, slot);
    m->blob_set = TRUE;
    m->blob_size = 1000;
    m->blob_offset = 900;
    m->blob = g_bytes_new (blob, sizeof blob);
    back = round_trip (m);
    g_assert_true (back->reset && back->more && back->blob_set);
    g_assert_cmpuint (back->records->len, ==, 1);
    g_assert_cmpuint (back->removed->len, ==, 1);
    g_assert_cmpmem (g_array_index (back->removed, HormigaContingencySlot, 0).bytes, 33, slot.bytes, 33);
    g_assert_cmpuint (back->blob_size, ==, 1000);
    g_assert_cmpuint (back->blob_offset, ==, 900);
    g_assert_true (g_bytes_equal (back->blob, m->blob));
  }
  {
    /* No blob: "blob-size" 0 alone. */
    g_autoptr(HormigaContingencyMessage) m = hormiga_contingency_message_new (HORMIGA_CONTINGENCY_MESSAGE_RESTORE);
    g_autoptr(HormigaContingencyMessage) back = NULL;

    m->seq = 3;
    m->blob_set = TRUE;
    back = round_trip (m);
    g_assert_true (back->blob_set);
    g_assert_cmpuint (back->blob_size, ==, 0);
    g_assert_null (back->blob);
    g_assert_false (back->reset);
  }
  {
    g_autoptr(HormigaContingencyMessage) m = hormiga_contingency_message_new (HORMIGA_CONTINGENCY_MESSAGE_HANDOFF_ACK);
    g_autoptr(HormigaContingencyMessage) back = NULL;

    m->owner = hormiga_peer_id_ref (a);
    m->seq = 2;
    memset (m->digest, 0xab, sizeof m->digest);
    m->bytes = 77;
    back = round_trip (m);
    g_assert_true (hormiga_peer_id_equal (back->owner, a));
    g_assert_cmpmem (back->digest, 32, m->digest, 32);
  }
  {
    g_autoptr(HormigaContingencyMessage) m = hormiga_contingency_message_new (HORMIGA_CONTINGENCY_MESSAGE_LEAVE);
    g_autoptr(HormigaContingencyMessage) back = NULL;
    g_autoptr(HormigaContingencyMessage) bare = hormiga_contingency_message_new (HORMIGA_CONTINGENCY_MESSAGE_LEAVE);
    g_autoptr(HormigaContingencyMessage) bare_back = NULL;

    m->next = hormiga_peer_id_ref (b);
    back = round_trip (m);
    g_assert_true (hormiga_peer_id_equal (back->next, b));
    bare_back = round_trip (bare);
    g_assert_null (bare_back->next);
  }
  {
    g_autoptr(HormigaContingencyMessage) owner_beat = hormiga_contingency_message_new (HORMIGA_CONTINGENCY_MESSAGE_HEARTBEAT);
    g_autoptr(HormigaContingencyMessage) beat = hormiga_contingency_message_new (HORMIGA_CONTINGENCY_MESSAGE_HEARTBEAT);
    g_autoptr(HormigaContingencyMessage) back1 = NULL;
    g_autoptr(HormigaContingencyMessage) back2 = NULL;
    g_autoptr(GBytes) bytes = hormiga_contingency_message_encode (beat);

    owner_beat->has_seq = TRUE;
    owner_beat->seq = 0;
    back1 = round_trip (owner_beat);
    g_assert_true (back1->has_seq);
    back2 = round_trip (beat);
    g_assert_false (back2->has_seq);
    /* {"v": 1, "t": "heartbeat"}: 16 bytes. */
    g_assert_cmpuint (g_bytes_get_size (bytes), ==, 16);
  }
  {
    g_autoptr(HormigaContingencyMessage) m = hormiga_contingency_message_new (HORMIGA_CONTINGENCY_MESSAGE_REFUSED);
    g_autoptr(HormigaContingencyMessage) back = NULL;

    m->code = HORMIGA_CONTINGENCY_ERROR_QUOTA;
    m->text = g_strdup ("over quota");
    back = round_trip (m);
    g_assert_cmpuint (back->code, ==, HORMIGA_CONTINGENCY_ERROR_QUOTA);
    g_assert_cmpstr (back->text, ==, "over quota");
    g_assert_null (back->owner);
    g_clear_pointer (&back, hormiga_contingency_message_free);
    m->owner = hormiga_peer_id_ref (a);  /* a handoff of a's backup refused */
    back = round_trip (m);
    g_assert_true (hormiga_peer_id_equal (back->owner, a));
  }
  for (guint t = HORMIGA_CONTINGENCY_MESSAGE_ASSIGN; t <= HORMIGA_CONTINGENCY_MESSAGE_RESTORE; t++)
    g_assert_cmpstr (hormiga_contingency_message_type_to_string (t), !=, "unknown");
}

/* Fields in another order, wider integers, unknown keys and explicit
 * false/empty values still decode. */
static void
test_decode_lenient (void)
{
  g_autoptr(GByteArray) b = g_byte_array_new ();
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(HormigaContingencyMessage) m = NULL;

  mp_map (b, 7);
  mp_str (b, "records");
  mp_array (b, 0);
  mp_str (b, "later");
  mp_map (b, 0);
  mp_str (b, "seq");
  mp_byte (b, 0xcf);
  mp_be (b, 9, 8);
  mp_str (b, "reset");
  mp_byte (b, 0xc2);
  mp_str (b, "t");
  mp_str (b, "backup");
  mp_str (b, "v");
  mp_uint (b, 1);
  mp_str (b, "more");
  mp_byte (b, 0xc3);
  bytes = g_byte_array_free_to_bytes (g_steal_pointer (&b));
  m = hormiga_contingency_message_decode (bytes, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (m->seq, ==, 9);
  g_assert_false (m->reset);
  g_assert_true (m->more);
}

/* ---- rejections --------------------------------------------------------- */

static void
expect (GByteArray *b,
        int         code,
        const char *fragment)
{
  g_autoptr(GBytes) bytes = g_bytes_new (b->data, b->len);
  g_autoptr(GError) error = NULL;
  g_autoptr(HormigaContingencyMessage) m = hormiga_contingency_message_decode (bytes, &error);

  g_assert_null (m);
  g_assert_error (error, HORMIGA_CONTINGENCY_ERROR, code);
  if (strstr (error->message, fragment) == NULL)
    g_error ("expected \"%s\" in: %s", fragment, error->message);
  g_byte_array_set_size (b, 0);
}

static void
test_refuse_structure (void)
{
  g_autoptr(GByteArray) b = g_byte_array_new ();

  mp_array (b, 0);
  expect (b, HORMIGA_CONTINGENCY_ERROR_MALFORMED, "is a map");
  mp_byte (b, 0xc1);
  expect (b, HORMIGA_CONTINGENCY_ERROR_MALFORMED, "contingency message:");
  mp_envelope (b, "heartbeat", 0);
  mp_byte (b, 0x00);
  expect (b, HORMIGA_CONTINGENCY_ERROR_MALFORMED, "contingency message:");
  mp_map (b, 1);
  mp_str (b, "t");
  mp_str (b, "heartbeat");
  expect (b, HORMIGA_CONTINGENCY_ERROR_MALFORMED, "needs \"v\": 1");
  mp_map (b, 2);
  mp_str (b, "v");
  mp_uint (b, 2);
  mp_str (b, "t");
  mp_str (b, "heartbeat");
  expect (b, HORMIGA_CONTINGENCY_ERROR_MALFORMED, "got uint 2");
  mp_map (b, 1);
  mp_str (b, "v");
  mp_uint (b, 1);
  expect (b, HORMIGA_CONTINGENCY_ERROR_MALFORMED, "needs \"t\"");
  mp_envelope (b, "takeover", 0);
  expect (b, HORMIGA_CONTINGENCY_ERROR_UNKNOWN_TYPE, "\"takeover\" is unknown");
  mp_map (b, 3);
  mp_str (b, "v");
  mp_uint (b, 1);
  mp_str (b, "t");
  mp_str (b, "heartbeat");
  mp_uint (b, 5);
  mp_uint (b, 5);
  expect (b, HORMIGA_CONTINGENCY_ERROR_MALFORMED, "keys must be str");
  mp_envelope (b, "release", 2);
  mp_str (b, "next");
  mp_bin (b, peer_bytes (1), HORMIGA_PEER_ID_LENGTH);
  mp_str (b, "next");
  mp_bin (b, peer_bytes (1), HORMIGA_PEER_ID_LENGTH);
  expect (b, HORMIGA_CONTINGENCY_ERROR_MALFORMED, "\"next\" appears twice");
  mp_envelope (b, "release", 1);
  mp_str (b, "next");
  mp_bin (b, peer_bytes (1), HORMIGA_PEER_ID_LENGTH);
  expect (b, HORMIGA_CONTINGENCY_ERROR_MALFORMED, "a release does not carry \"next\"");
  mp_envelope (b, "assigned", 2);
  mp_str (b, "seq");
  mp_uint (b, 1);
  mp_str (b, "bytes");
  mp_uint (b, 1);
  expect (b, HORMIGA_CONTINGENCY_ERROR_MALFORMED, "an assigned needs \"digest\": 32 bytes; it is missing");
  /* The whole message above 64 KiB. */
  mp_envelope (b, "heartbeat", 1);
  mp_str (b, "later");
  mp_bin (b, NULL, 70000);
  expect (b, HORMIGA_CONTINGENCY_ERROR_TOO_LARGE, "contingency message:");
}

static void
assign_with (GByteArray *b,
             guint64     rank,
             guint       n_peers,
             gboolean    bad_peer)
{
  mp_envelope (b, "assign", 4);
  mp_str (b, "rank");
  mp_uint (b, rank);
  mp_str (b, "peers");
  mp_array (b, n_peers);
  for (guint i = 0; i < n_peers; i++)
    mp_bin (b, bad_peer ? NULL : peer_bytes (1), HORMIGA_PEER_ID_LENGTH);
  mp_str (b, "seq");
  mp_uint (b, 0);
  mp_str (b, "bytes");
  mp_uint (b, 0);
}

static void
test_refuse_fields (void)
{
  g_autoptr(GByteArray) b = g_byte_array_new ();

  assign_with (b, 8, 1, FALSE);
  expect (b, HORMIGA_CONTINGENCY_ERROR_MALFORMED, "\"rank\": a uint from 0 to 7; got uint 8");
  assign_with (b, 0, 0, FALSE);
  expect (b, HORMIGA_CONTINGENCY_ERROR_MALFORMED, "\"peers\": an array of 1 to 8 PeerIDs");
  assign_with (b, 0, 9, FALSE);
  expect (b, HORMIGA_CONTINGENCY_ERROR_TOO_LARGE, "\"peers\" in an assign has 9 elements; the limit is 8");
  assign_with (b, 0, 1, TRUE);
  expect (b, HORMIGA_CONTINGENCY_ERROR_MALFORMED, "\"peers[0]\" in an assign is not a valid PeerID");

  mp_envelope (b, "leave", 1);
  mp_str (b, "next");
  mp_bin (b, peer_bytes (1), 37);
  expect (b, HORMIGA_CONTINGENCY_ERROR_MALFORMED, "a leave needs \"next\": a PeerID");

  mp_envelope (b, "backup-ack", 3);
  mp_str (b, "seq");
  mp_uint (b, 1);
  mp_str (b, "digest");
  mp_bin (b, NULL, 31);
  mp_str (b, "bytes");
  mp_uint (b, 1);
  expect (b, HORMIGA_CONTINGENCY_ERROR_MALFORMED, "\"digest\": 32 bytes; got bin of 31 bytes");

  mp_envelope (b, "backup", 1);
  mp_str (b, "seq");
  mp_str (b, "1");
  expect (b, HORMIGA_CONTINGENCY_ERROR_MALFORMED, "\"seq\": a uint");

  mp_envelope (b, "backup", 2);
  mp_str (b, "seq");
  mp_uint (b, 1);
  mp_str (b, "reset");
  mp_uint (b, 1);
  expect (b, HORMIGA_CONTINGENCY_ERROR_MALFORMED, "\"reset\": a bool");

  mp_envelope (b, "refused", 2);
  mp_str (b, "code");
  mp_uint (b, G_MAXUINT32 + 1ull);
  mp_str (b, "text");
  mp_str (b, "x");
  expect (b, HORMIGA_CONTINGENCY_ERROR_MALFORMED, "\"code\": a uint of at most 4294967295");

  mp_envelope (b, "refused", 2);
  mp_str (b, "code");
  mp_uint (b, 4);
  mp_str (b, "text");
  mp_str_fill (b, 'x', 257);
  expect (b, HORMIGA_CONTINGENCY_ERROR_TOO_LARGE, "\"text\" in a refused is 257 bytes; the limit is 256");

  mp_envelope (b, "refused", 2);
  mp_str (b, "code");
  mp_uint (b, 4);
  mp_str (b, "text");
  mp_str_len (b, "a\0b", 3);
  expect (b, HORMIGA_CONTINGENCY_ERROR_MALFORMED, "contains a NUL byte");

  mp_envelope (b, "handoff", 1);
  mp_str (b, "seq");
  mp_uint (b, 1);
  expect (b, HORMIGA_CONTINGENCY_ERROR_MALFORMED, "a handoff needs \"owner\"");

  mp_envelope (b, "handoff", 3);
  mp_str (b, "owner");
  mp_bin (b, peer_bytes (1), HORMIGA_PEER_ID_LENGTH);
  mp_str (b, "seq");
  mp_uint (b, 1);
  mp_str (b, "removed");
  mp_array (b, 0);
  expect (b, HORMIGA_CONTINGENCY_ERROR_MALFORMED, "a handoff does not carry \"removed\"");
}

static void
backup_with_records (GByteArray *b,
                     guint       n,
                     gsize       size)
{
  mp_envelope (b, "backup", 2);
  mp_str (b, "seq");
  mp_uint (b, 1);
  mp_str (b, "records");
  mp_array (b, n);
  for (guint i = 0; i < n; i++)
    mp_bin (b, NULL, size);
}

static void
test_refuse_records (void)
{
  g_autoptr(GByteArray) b = g_byte_array_new ();

  backup_with_records (b, 65, 1);
  expect (b, HORMIGA_CONTINGENCY_ERROR_TOO_LARGE, "\"records\" in a backup has 65 elements; the limit is 64");
  backup_with_records (b, 1, 0);
  expect (b, HORMIGA_CONTINGENCY_ERROR_MALFORMED, "\"records[0]\" in a backup must be an encoded record");
  backup_with_records (b, 1, 20481);
  expect (b, HORMIGA_CONTINGENCY_ERROR_TOO_LARGE, "\"records[0]\" in a backup is 20481 bytes; the limit for a record is 20480");
  mp_envelope (b, "backup", 2);
  mp_str (b, "seq");
  mp_uint (b, 1);
  mp_str (b, "records");
  mp_str (b, "x");
  expect (b, HORMIGA_CONTINGENCY_ERROR_MALFORMED, "\"records\": an array");

  mp_envelope (b, "backup", 2);
  mp_str (b, "seq");
  mp_uint (b, 1);
  mp_str (b, "removed");
  mp_array (b, 257);
  for (guint i = 0; i < 257; i++)
    mp_bin (b, NULL, 33);
  expect (b, HORMIGA_CONTINGENCY_ERROR_TOO_LARGE, "\"removed\" in a backup has 257 elements; the limit is 256");
  mp_envelope (b, "backup", 2);
  mp_str (b, "seq");
  mp_uint (b, 1);
  mp_str (b, "removed");
  mp_array (b, 1);
  mp_bin (b, NULL, 32);
  expect (b, HORMIGA_CONTINGENCY_ERROR_MALFORMED, "\"removed[0]\" in a backup must be a slot");
  {
    guint8 slot[33] = { 4 };

    mp_envelope (b, "backup", 2);
    mp_str (b, "seq");
    mp_uint (b, 1);
    mp_str (b, "removed");
    mp_array (b, 1);
    mp_bin (b, slot, sizeof slot);
    expect (b, HORMIGA_CONTINGENCY_ERROR_MALFORMED, "a record kind from 0 to 3");
  }
}

static void
backup_with_blob (GByteArray *b,
                  gint64      size,
                  gint64      offset,
                  gssize      chunk)
{
  mp_envelope (b, "backup", 1 + (size >= 0) + (offset >= 0) + (chunk >= 0));
  mp_str (b, "seq");
  mp_uint (b, 1);
  if (size >= 0)
    {
      mp_str (b, "blob-size");
      mp_uint (b, (guint64) size);
    }
  if (offset >= 0)
    {
      mp_str (b, "blob-offset");
      mp_uint (b, (guint64) offset);
    }
  if (chunk >= 0)
    {
      mp_str (b, "blob");
      mp_bin (b, NULL, (gsize) chunk);
    }
}

static void
test_refuse_blob (void)
{
  g_autoptr(GByteArray) b = g_byte_array_new ();

  backup_with_blob (b, 100, -1, 10);
  expect (b, HORMIGA_CONTINGENCY_ERROR_MALFORMED, "without all of \"blob-size\", \"blob-offset\" and \"blob\"");
  backup_with_blob (b, 100, 0, -1);
  expect (b, HORMIGA_CONTINGENCY_ERROR_MALFORMED, "without all of");
  backup_with_blob (b, -1, 0, 10);
  expect (b, HORMIGA_CONTINGENCY_ERROR_MALFORMED, "without all of");
  backup_with_blob (b, 100, -1, -1);
  expect (b, HORMIGA_CONTINGENCY_ERROR_MALFORMED, "(\"blob-size\": 0 alone says there is none)");
  backup_with_blob (b, 100, 95, 10);
  expect (b, HORMIGA_CONTINGENCY_ERROR_MALFORMED, "\"blob\" in a backup runs past \"blob-size\": 10 bytes at offset 95 of 100");
  backup_with_blob (b, 100, 0, 0);
  expect (b, HORMIGA_CONTINGENCY_ERROR_MALFORMED, "\"blob\": a bin of 1 to 32768 bytes");
  backup_with_blob (b, 40000, 0, 32769);
  expect (b, HORMIGA_CONTINGENCY_ERROR_TOO_LARGE, "a message carries at most 32768 of it");
  backup_with_blob (b, 1048577, 0, 10);
  expect (b, HORMIGA_CONTINGENCY_ERROR_TOO_LARGE, "\"blob-size\" in a backup is 1048577 bytes; the limit for the private blob is 1048576");
  backup_with_blob (b, 0, 0, -1);
  expect (b, HORMIGA_CONTINGENCY_ERROR_MALFORMED, "without all of");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/hormiga/contingency-message/round-trips", test_round_trips);
  g_test_add_func ("/hormiga/contingency-message/decode-lenient", test_decode_lenient);
  g_test_add_func ("/hormiga/contingency-message/refuse-structure", test_refuse_structure);
  g_test_add_func ("/hormiga/contingency-message/refuse-fields", test_refuse_fields);
  g_test_add_func ("/hormiga/contingency-message/refuse-records", test_refuse_records);
  g_test_add_func ("/hormiga/contingency-message/refuse-blob", test_refuse_blob);
  return g_test_run ();
}
