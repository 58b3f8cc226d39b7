/* hormiga-crc32c.c — the SCTP checksum (CRC32c)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <usrsctp.h>

#include "hormiga-crc32c.h"

#if defined(__x86_64__)
#include <nmmintrin.h>

__attribute__ ((target ("sse4.2")))
static guint32
crc32c_sse42 (const guint8 *data,
              gsize         length)
{
  guint64 crc = 0xffffffff;

  while (length >= 8)
    {
      guint64 word;

      memcpy (&word, data, 8);
      crc = _mm_crc32_u64 (crc, word);
      data += 8;
      length -= 8;
    }
  while (length-- > 0)
    crc = _mm_crc32_u8 ((guint32) crc, *data++);
  /* Reflected CRC: the inverted remainder, least significant byte first,
   * is the value usrsctp stores on little-endian machines. */
  return GUINT32_TO_LE (~(guint32) crc);
}
#endif

guint32
hormiga_crc32c (const guint8 *data,
                gsize         length)
{
#if defined(__x86_64__)
  static gsize has_sse42 = 0;

  if (g_once_init_enter (&has_sse42))
    g_once_init_leave (&has_sse42, __builtin_cpu_supports ("sse4.2") ? 2 : 1);
  if (has_sse42 == 2)
    return crc32c_sse42 (data, length);
#endif
  return usrsctp_crc32c ((void *) data, length);
}

void
hormiga_crc32c_stamp_sctp (guint8 *packet,
                           gsize   length)
{
  guint32 crc;

  g_return_if_fail (length >= 12);

  memset (packet + 8, 0, 4);
  crc = hormiga_crc32c (packet, length);
  memcpy (packet + 8, &crc, 4);
}
