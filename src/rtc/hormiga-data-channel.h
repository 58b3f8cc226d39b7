/* hormiga-data-channel.h — a WebRTC data channel, with a browser-like API
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "hormiga-types.h"

G_BEGIN_DECLS

typedef enum {
  HORMIGA_DATA_CHANNEL_CONNECTING,
  HORMIGA_DATA_CHANNEL_OPEN,
  HORMIGA_DATA_CHANNEL_CLOSING,
  HORMIGA_DATA_CHANNEL_CLOSED,
} HormigaDataChannelState;

/**
 * HormigaDataChannelOptions:
 * As RTCDataChannelInit: at most one of @max_retransmits and
 * @max_lifetime_ms is ≥ 0 (-1 is unset); @negotiated channels are agreed
 * out of band and use the fixed @id on both sides.
 */
typedef struct
{
  gboolean    ordered;
  gint        max_retransmits;
  gint        max_lifetime_ms;
  const char *protocol;
  gboolean    negotiated;
  guint16     id;
} HormigaDataChannelOptions;

#define HORMIGA_DATA_CHANNEL_OPTIONS_INIT { TRUE, -1, -1, NULL, FALSE, 0 }

#define HORMIGA_TYPE_DATA_CHANNEL (hormiga_data_channel_get_type ())
G_DECLARE_FINAL_TYPE (HormigaDataChannel, hormiga_data_channel, HORMIGA, DATA_CHANNEL, GObject)

/* Sends one binary message (0 bytes allowed, up to the peer's
 * max-message-size). */
gboolean                hormiga_data_channel_send        (HormigaDataChannel  *self,
                                                          const guint8        *data,
                                                          gsize                length,
                                                          GError             **error);
gboolean                hormiga_data_channel_send_text   (HormigaDataChannel  *self,
                                                          const char          *text,
                                                          GError             **error);
/* Text of @length bytes (it may hold NUL bytes, as a browser's may). */
gboolean                hormiga_data_channel_send_text_len (HormigaDataChannel  *self,
                                                            const char          *text,
                                                            gsize                length,
                                                            GError             **error);
/* Resets the outgoing stream; ::close follows once the peer resets too. */
void                    hormiga_data_channel_close       (HormigaDataChannel  *self);

const char             *hormiga_data_channel_get_label   (HormigaDataChannel  *self);
const char             *hormiga_data_channel_get_protocol (HormigaDataChannel *self);
/* The SCTP stream id; -1 until assigned. */
gint                    hormiga_data_channel_get_id      (HormigaDataChannel  *self);
gboolean                hormiga_data_channel_get_ordered (HormigaDataChannel  *self);
HormigaDataChannelState hormiga_data_channel_get_state   (HormigaDataChannel  *self);
guint64                 hormiga_data_channel_get_buffered_amount (HormigaDataChannel *self);
void                    hormiga_data_channel_set_buffered_amount_low_threshold (HormigaDataChannel *self,
                                                                                guint64             threshold);

G_END_DECLS
