/* test-crc32c.c — our SCTP checksum against usrsctp's and RFC test vectors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <usrsctp.h>

#include "hormiga-crc32c.h"

/* RFC 3720 B.4: 32 bytes of zeros → aa 36 91 8a (as stored). */
static void
test_known_vector (void)
{
  guint8 zeros[32] = { 0 };
  guint8 ascending[32];
  guint32 crc;
  guint8 stored[4];

  crc = hormiga_crc32c (zeros, sizeof zeros);
  memcpy (stored, &crc, 4);
  g_assert_cmpuint (stored[0], ==, 0xaa);
  g_assert_cmpuint (stored[1], ==, 0x36);
  g_assert_cmpuint (stored[2], ==, 0x91);
  g_assert_cmpuint (stored[3], ==, 0x8a);

  /* 00 01 … 1f → 4e 79 dd 46 */
  for (guint i = 0; i < 32; i++)
    ascending[i] = (guint8) i;
  crc = hormiga_crc32c (ascending, sizeof ascending);
  memcpy (stored, &crc, 4);
  g_assert_cmpuint (stored[0], ==, 0x4e);
  g_assert_cmpuint (stored[1], ==, 0x79);
  g_assert_cmpuint (stored[2], ==, 0xdd);
  g_assert_cmpuint (stored[3], ==, 0x46);
}

/* Every length from 0 to 1300 (all tails of the 8-byte loop), random
 * content, unaligned starts: the same as usrsctp's table version. */
static void
test_matches_usrsctp (void)
{
  g_autofree guint8 *buffer = g_malloc (1400);
  GRand *rand = g_rand_new_with_seed (7);

  for (guint i = 0; i < 1400; i++)
    buffer[i] = (guint8) g_rand_int (rand);
  for (gsize length = 0; length <= 1300; length++)
    for (gsize offset = 0; offset < 3; offset++)
      g_assert_cmphex (hormiga_crc32c (buffer + offset, length), ==,
                       usrsctp_crc32c (buffer + offset, length));
  g_rand_free (rand);
}

static void
test_stamp (void)
{
  guint8 packet[64];

  for (guint i = 0; i < sizeof packet; i++)
    packet[i] = (guint8) (i * 7);
  hormiga_crc32c_stamp_sctp (packet, sizeof packet);
  {
    guint8 copy[64];
    guint32 crc, stored;

    memcpy (copy, packet, sizeof copy);
    memset (copy + 8, 0, 4);
    crc = usrsctp_crc32c (copy, sizeof copy);
    memcpy (&stored, packet + 8, 4);
    g_assert_cmphex (stored, ==, crc);
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/hormiga/crc32c/known-vector", test_known_vector);
  g_test_add_func ("/hormiga/crc32c/matches-usrsctp", test_matches_usrsctp);
  g_test_add_func ("/hormiga/crc32c/stamp", test_stamp);
  return g_test_run ();
}
