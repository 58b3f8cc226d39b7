/* hormiga-data-channel-private.h — what the peer connection drives
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "hormiga-data-channel.h"
#include "hormiga-dcep.h"
#include "hormiga-sctp-association.h"

G_BEGIN_DECLS

HormigaDataChannel *_hormiga_data_channel_new            (const char             *label,
                                                          const char             *protocol,
                                                          HormigaDcepChannelType  type,
                                                          guint32                 reliability_parameter,
                                                          guint16                 priority,
                                                          gboolean                negotiated);

/* Binds the channel to its stream on a live association. */
void                _hormiga_data_channel_attach         (HormigaDataChannel     *self,
                                                          HormigaSctpAssociation *association,
                                                          guint16                 id,
                                                          guint64                 max_message_size);
/* Sends DATA_CHANNEL_OPEN (channels we open and did not negotiate). */
gboolean            _hormiga_data_channel_send_open      (HormigaDataChannel     *self,
                                                          GError                **error);
/* The channel is usable: ACK received, OPEN accepted, or negotiated. */
void                _hormiga_data_channel_set_open       (HormigaDataChannel     *self);
void                _hormiga_data_channel_receive        (HormigaDataChannel     *self,
                                                          guint32                 ppid,
                                                          GBytes                 *data);
/* The peer reset its outgoing side of our stream. */
void                _hormiga_data_channel_remote_reset   (HormigaDataChannel     *self);
void                _hormiga_data_channel_buffered_amount_decreased (HormigaDataChannel *self,
                                                                     guint64             amount);
/* The association is gone: closed, with @error if it failed. */
void                _hormiga_data_channel_abort          (HormigaDataChannel     *self,
                                                          const GError           *error);
gboolean            _hormiga_data_channel_is_negotiated  (HormigaDataChannel     *self);

G_END_DECLS
