/* hormiga-crc32c.h — the SCTP checksum (CRC32c, RFC 9260 appendix B)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * usrsctp computes it with a table, byte by byte; with checksum offload
 * enabled it leaves outgoing packets to us, and we use the CPU's crc32
 * instruction where there is one (SSE4.2), the table otherwise. Incoming
 * packets are not checked again: DTLS has authenticated them already.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The checksum of @length bytes, in the byte order it is written into
 * the packet (memcpy it to offset 8). Same result as usrsctp_crc32c(). */
guint32 hormiga_crc32c (const guint8 *data,
                        gsize         length);

/* Fills the checksum field of an SCTP packet (at least 12 bytes). */
void    hormiga_crc32c_stamp_sctp (guint8 *packet,
                                   gsize   length);

G_END_DECLS
