/* hormiga-sctp-association.h — an SCTP association over a packet transport
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Wraps one usrsctp AF_CONN socket. Packets come in through
 * hormiga_sctp_association_input() (from DTLS) and leave through the output
 * function (to DTLS); nothing here touches the network. Messages are kept
 * whole (explicit EOR on send, reassembly by MSG_EOR on receive).
 *
 * usrsctp keeps process-wide state, so every association of a process must
 * run on the same GMainContext (the first association's); its timers run
 * from one GLib timeout there while any association exists.
 */
#pragma once

#include <gio/gio.h>

#include "hormiga-types.h"

G_BEGIN_DECLS

/* SCTP settings (docs/ARCHITECTURE.md, "SCTP"). */
#define HORMIGA_SCTP_PORT            5000
#define HORMIGA_SCTP_MAX_STREAMS     1024
#define HORMIGA_SCTP_BUFFER_SIZE     (1024 * 1024)
/* Path MTU given to usrsctp. With AF_CONN usrsctp adds the 12-byte common
 * header on top, so packets are at most 1195 bytes; DTLS adds at most 37
 * (AES-GCM record), which gives 1232-byte datagrams: the largest UDP payload
 * that fits the IPv6 minimum MTU of 1280. */
#define HORMIGA_SCTP_PATH_MTU        1183
#define HORMIGA_SCTP_MAX_PACKET      (HORMIGA_SCTP_PATH_MTU + 12)
#define HORMIGA_SCTP_SACK_DELAY_MS   20
#define HORMIGA_SCTP_RTO_MIN_MS      200
#define HORMIGA_SCTP_RTO_MAX_MS      10000
#define HORMIGA_SCTP_RTO_INITIAL_MS  1000

/* Called for every outgoing SCTP packet, synchronously. */
typedef void (*HormigaSctpOutputFunc) (const guint8 *packet,
                                       gsize         length,
                                       gpointer      user_data);

typedef enum {
  HORMIGA_SCTP_STATE_NEW,
  HORMIGA_SCTP_STATE_CONNECTING,
  HORMIGA_SCTP_STATE_CONNECTED,
  HORMIGA_SCTP_STATE_CLOSED,
} HormigaSctpState;

/**
 * HormigaSctpReliability:
 * How a message is delivered: @unordered, and at most one of
 * @max_retransmits / @max_lifetime_ms set (≥ 0); -1 means unset.
 */
typedef struct
{
  gboolean unordered;
  gint     max_retransmits;
  gint     max_lifetime_ms;
} HormigaSctpReliability;

#define HORMIGA_TYPE_SCTP_ASSOCIATION (hormiga_sctp_association_get_type ())
G_DECLARE_FINAL_TYPE (HormigaSctpAssociation, hormiga_sctp_association, HORMIGA, SCTP_ASSOCIATION, GObject)

HormigaSctpAssociation *hormiga_sctp_association_new       (GMainContext           *context);

void              hormiga_sctp_association_set_output      (HormigaSctpAssociation *self,
                                                            HormigaSctpOutputFunc   output,
                                                            gpointer                user_data,
                                                            GDestroyNotify          destroy);

/* Heartbeat interval in ms (default 10,000), before start(): heartbeats
 * keep packets coming from a live but idle peer, so silence means loss. */
void              hormiga_sctp_association_set_heartbeat_interval (HormigaSctpAssociation *self,
                                                                   guint                   interval_ms);

/* Binds port 5000 and connects to the peer's port 5000; both sides call it
 * (simultaneous open, RFC 8841 §9.3). ::connected follows. */
gboolean          hormiga_sctp_association_start           (HormigaSctpAssociation *self,
                                                            GError                **error);

/* Feeds one SCTP packet received from the peer. */
void              hormiga_sctp_association_input           (HormigaSctpAssociation *self,
                                                            const guint8           *packet,
                                                            gsize                   length);

/* Queues one whole message on @stream with @ppid. Messages the SCTP buffer
 * cannot take yet stay queued here, counted by get_buffered_amount(). */
gboolean          hormiga_sctp_association_send            (HormigaSctpAssociation       *self,
                                                            guint16                       stream,
                                                            guint32                       ppid,
                                                            const HormigaSctpReliability *reliability,
                                                            const guint8                 *data,
                                                            gsize                         length,
                                                            GError                      **error);

/* Bytes queued on @stream that usrsctp has not taken yet. */
gsize             hormiga_sctp_association_get_buffered_amount (HormigaSctpAssociation *self,
                                                                guint16                 stream);

/* Resets the outgoing side of @stream (closes a data channel). */
void              hormiga_sctp_association_reset_stream    (HormigaSctpAssociation *self,
                                                            guint16                 stream);

/* Aborts the association; ::closed follows if it was not closed already. */
void              hormiga_sctp_association_close           (HormigaSctpAssociation *self);

HormigaSctpState  hormiga_sctp_association_get_state       (HormigaSctpAssociation *self);
/* The smoothed round-trip time of the primary path (SCTP_STATUS), in ms;
 * -1 unless connected. */
gint              hormiga_sctp_association_get_rtt         (HormigaSctpAssociation *self);

G_END_DECLS
