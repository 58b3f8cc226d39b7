/* hormiga-dcep.h — Data Channel Establishment Protocol (RFC 8832) and PPIDs
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * DATA_CHANNEL_OPEN (big-endian):
 *   0  message type 0x03
 *   1  channel type
 *   2  priority (16 bits)
 *   4  reliability parameter (32 bits)
 *   8  label length (16 bits)
 *  10  protocol length (16 bits)
 *  12  label, then protocol (UTF-8)
 * DATA_CHANNEL_ACK: the single byte 0x02.
 * Both travel on the channel's stream with PPID 50. Sans-I/O: no state.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Payload protocol identifiers (RFC 8831 §8). */
typedef enum {
  HORMIGA_PPID_DCEP           = 50,
  HORMIGA_PPID_STRING         = 51,
  HORMIGA_PPID_BINARY_PARTIAL = 52,  /* deprecated: accepted, never sent */
  HORMIGA_PPID_BINARY         = 53,
  HORMIGA_PPID_STRING_PARTIAL = 54,  /* deprecated: accepted, never sent */
  HORMIGA_PPID_STRING_EMPTY   = 56,
  HORMIGA_PPID_BINARY_EMPTY   = 57,
} HormigaPpid;

typedef enum {
  HORMIGA_DCEP_MESSAGE_ACK  = 0x02,
  HORMIGA_DCEP_MESSAGE_OPEN = 0x03,
} HormigaDcepMessageType;

typedef enum {
  HORMIGA_DCEP_RELIABLE                          = 0x00,
  HORMIGA_DCEP_RELIABLE_UNORDERED                = 0x80,
  HORMIGA_DCEP_PARTIAL_RELIABLE_REXMIT           = 0x01,
  HORMIGA_DCEP_PARTIAL_RELIABLE_REXMIT_UNORDERED = 0x81,
  HORMIGA_DCEP_PARTIAL_RELIABLE_TIMED            = 0x02,
  HORMIGA_DCEP_PARTIAL_RELIABLE_TIMED_UNORDERED  = 0x82,
} HormigaDcepChannelType;

/* Our limit on label and protocol, each (the format allows 65,535). */
#define HORMIGA_DCEP_MAX_STRING 1024
#define HORMIGA_DCEP_HEADER     12
/* Stream 65535 is reserved (RFC 8831 §6.5). */
#define HORMIGA_DCEP_MAX_STREAM 65534

typedef struct
{
  HormigaDcepChannelType channel_type;
  guint16                priority;
  guint32                reliability_parameter;
  char                  *label;
  char                  *protocol;
} HormigaDcepOpen;

void             hormiga_dcep_open_free   (HormigaDcepOpen *open);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HormigaDcepOpen, hormiga_dcep_open_free)

GBytes          *hormiga_dcep_encode_open (const HormigaDcepOpen *open);
GBytes          *hormiga_dcep_encode_ack  (void);

/* Decodes one DCEP message. For OPEN, @open_out receives the parameters.
 * Errors are HORMIGA_RTC_ERROR_DCEP_INVALID with what was wrong. */
gboolean         hormiga_dcep_decode      (const guint8            *data,
                                           gsize                    length,
                                           HormigaDcepMessageType  *type_out,
                                           HormigaDcepOpen        **open_out,
                                           GError                 **error);

gboolean         hormiga_dcep_channel_type_is_ordered (HormigaDcepChannelType type);

/* The channel type and reliability parameter for browser-style options:
 * at most one of @max_retransmits and @max_lifetime_ms is ≥ 0 (-1: unset). */
gboolean         hormiga_dcep_channel_type_from_options (gboolean                 ordered,
                                                         gint                     max_retransmits,
                                                         gint                     max_lifetime_ms,
                                                         HormigaDcepChannelType  *type_out,
                                                         guint32                 *parameter_out,
                                                         GError                 **error);

/* The DTLS client opens channels on even streams, the server on odd ones. */
gboolean         hormiga_dcep_stream_is_ours (guint16  stream,
                                              gboolean dtls_client);

/* The PPID for a message; an empty one travels as one zero byte with the
 * empty PPID, which *send_zero_byte says. */
HormigaPpid      hormiga_dcep_ppid_for_message (gboolean  is_text,
                                                gsize     length,
                                                gboolean *send_zero_byte);

/* What a received PPID carries: text or not, and whether the payload stands
 * for an empty message. FALSE for a PPID that is not a data PPID. */
gboolean         hormiga_dcep_ppid_is_data     (guint32   ppid,
                                                gboolean *is_text,
                                                gboolean *is_empty);

G_END_DECLS
