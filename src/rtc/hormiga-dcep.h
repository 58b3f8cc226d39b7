/* hormiga-dcep.h — Data Channel Establishment Protocol (RFC 8832) and PPIDs
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * DATA_CHANNEL_OPEN (RFC 8832 §5.1), all integers big-endian:
 *   offset size
 *    0      1   message type 0x03
 *    1      1   channel type (HormigaDcepChannelType)
 *    2      2   priority
 *    4      4   reliability parameter: retransmissions or milliseconds,
 *               0 for the reliable types
 *    8      2   label length L
 *   10      2   protocol length P
 *   12      L   label, UTF-8
 *   12+L    P   protocol, UTF-8
 * DATA_CHANNEL_ACK (§5.2): the single byte 0x02.
 * Both travel on the channel's own stream with PPID 50.
 *
 * Decoding is strict and the format canonical: a message decodes only if it
 * is exactly what hormiga_dcep_encode_open() / _encode_ack() would produce.
 * In particular:
 *  - an ACK with bytes after 0x02 is refused (every known sender emits one
 *    byte; an OPEN with extra bytes is refused as well, so both are treated
 *    alike);
 *  - the label and protocol lengths must add up to the message size exactly;
 *  - label and protocol must be UTF-8 without NUL (they become C strings) and
 *    each at most HORMIGA_DCEP_MAX_STRING bytes — our limit, the format
 *    allows 65,535.
 * Every refusal is HORMIGA_RTC_ERROR_DCEP_INVALID with the reason.
 * Sans-I/O: no state, no sockets.
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
  HORMIGA_PPID_STRING_EMPTY   = 56,  /* empty text, sent as one zero byte */
  HORMIGA_PPID_BINARY_EMPTY   = 57,  /* empty binary, sent as one zero byte */
} HormigaPpid;

typedef enum {
  HORMIGA_DCEP_MESSAGE_ACK  = 0x02,
  HORMIGA_DCEP_MESSAGE_OPEN = 0x03,
} HormigaDcepMessageType;

/* Bit 0x80 means unordered. */
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
/* Highest usable stream id: 65535 is reserved (RFC 8831 §6.5). */
#define HORMIGA_DCEP_MAX_STREAM 65534

/* Parameters of a DATA_CHANNEL_OPEN. Plain data: label and protocol are
 * owned, never NULL after decoding (empty strings instead); the encoder
 * reads NULL as empty. */
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

/* The OPEN for @open: known channel type, UTF-8 label and protocol of at most
 * HORMIGA_DCEP_MAX_STRING bytes each (anything else is a programmer error). */
GBytes          *hormiga_dcep_encode_open (const HormigaDcepOpen *open);
/* The one-byte ACK. */
GBytes          *hormiga_dcep_encode_ack  (void);

/* Decodes one DCEP message (the payload of a PPID 50 SCTP message). On
 * success *@type_out says which; for OPEN, *@open_out receives the parameters
 * (for ACK it is set to NULL). Either out pointer may be NULL. */
gboolean         hormiga_dcep_decode      (const guint8            *data,
                                           gsize                    length,
                                           HormigaDcepMessageType  *type_out,
                                           HormigaDcepOpen        **open_out,
                                           GError                 **error);

gboolean         hormiga_dcep_channel_type_is_ordered (HormigaDcepChannelType type);

/* The channel type and reliability parameter for browser-style options
 * (RTCDataChannelInit): a negative @max_retransmits / @max_lifetime_ms is
 * unset (use -1). Setting both is refused, as browsers refuse
 * maxRetransmits together with maxPacketLifeTime. */
gboolean         hormiga_dcep_channel_type_from_options (gboolean                 ordered,
                                                         gint                     max_retransmits,
                                                         gint                     max_lifetime_ms,
                                                         HormigaDcepChannelType  *type_out,
                                                         guint32                 *parameter_out,
                                                         GError                 **error);

/* Whether the side whose DTLS role is @dtls_client may open a channel on
 * stream @id: the DTLS client uses even ids, the server odd ones
 * (RFC 8832 §6), and 65535 is nobody's. To check a peer's OPEN, pass the
 * peer's role (the opposite of ours). */
gboolean         hormiga_dcep_stream_id_is_valid_for (guint16  id,
                                                      gboolean dtls_client);
/* hormiga_dcep_stream_id_is_valid_for() with our own role: whether @stream
 * is one we would open a channel on. */
gboolean         hormiga_dcep_stream_is_ours (guint16  stream,
                                              gboolean dtls_client);

/* Sending: the PPID for a message; an empty message travels as one zero byte
 * with PPID 56 (text) or 57 (binary), which *@send_zero_byte says. */
HormigaPpid      hormiga_dcep_ppid_for_message (gboolean  is_text,
                                                gsize     length,
                                                gboolean *send_zero_byte);

/* Receiving: what an SCTP message with this PPID carries. */
typedef enum {
  HORMIGA_PPID_KIND_INVALID,         /* not a data channel PPID: drop it */
  HORMIGA_PPID_KIND_DCEP,            /* 50: hand to hormiga_dcep_decode() */
  HORMIGA_PPID_KIND_TEXT,            /* 51 */
  HORMIGA_PPID_KIND_BINARY,          /* 53 */
  HORMIGA_PPID_KIND_TEXT_EMPTY,      /* 56: an empty message; ignore the payload */
  HORMIGA_PPID_KIND_BINARY_EMPTY,    /* 57: likewise */
  HORMIGA_PPID_KIND_TEXT_PARTIAL,    /* 54: a fragment; the message ends with a 51 */
  HORMIGA_PPID_KIND_BINARY_PARTIAL,  /* 52: a fragment; the message ends with a 53 */
} HormigaPpidKind;

HormigaPpidKind  hormiga_dcep_ppid_classify    (guint32   ppid);

/* A shorter view of hormiga_dcep_ppid_classify() for data: text or not, and
 * whether the payload stands for an empty message; FALSE for DCEP and
 * invalid PPIDs. The deprecated partial PPIDs 52/54 are reported as text or
 * binary data: they mark application-level fragments whose last piece
 * carries 51/53 (SCTP's own reassembly by EOR does not join them), so a
 * caller that must rebuild messages from old senders that fragment uses
 * hormiga_dcep_ppid_classify() and concatenates up to the final fragment.
 * Current browsers never send them. */
gboolean         hormiga_dcep_ppid_is_data     (guint32   ppid,
                                                gboolean *is_text,
                                                gboolean *is_empty);

G_END_DECLS
