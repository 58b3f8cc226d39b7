/* hormiga-data-channel.c — a WebRTC data channel, with a browser-like API
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "hormiga-data-channel-private.h"
#include "hormiga-dcep.h"
#include "hormiga-rtc-error.h"
#include "hormiga-sdp.h"

struct _HormigaDataChannel
{
  GObject                  parent_instance;

  char                    *label;
  char                    *protocol;
  HormigaDcepChannelType   type;
  guint32                  reliability_parameter;
  guint16                  priority;
  gboolean                 negotiated;

  HormigaSctpAssociation  *association;
  gint                     id;
  guint64                  max_message_size;   /* the peer's; 0: unlimited */
  HormigaDataChannelState  state;
  gboolean                 reset_sent;
  guint64                  low_threshold;
  gboolean                 above_threshold;    /* since the last ::buffered-amount-low */
  GByteArray              *partial;            /* deprecated PPID 52/54 pieces so far */
};

/* What the deprecated partial PPIDs may add up to: our max-message-size. */
#define MAX_PARTIAL HORMIGA_SDP_MAX_MESSAGE_SIZE

G_DEFINE_FINAL_TYPE (HormigaDataChannel, hormiga_data_channel, G_TYPE_OBJECT)

enum {
  OPEN,
  MESSAGE,
  CLOSING,
  CLOSE,
  ERROR,
  BUFFERED_AMOUNT_LOW,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
set_closed (HormigaDataChannel *self)
{
  if (self->state == HORMIGA_DATA_CHANNEL_CLOSED)
    return;
  self->state = HORMIGA_DATA_CHANNEL_CLOSED;
  g_signal_emit (self, signals[CLOSE], 0);
}

static HormigaSctpReliability
reliability (HormigaDataChannel *self)
{
  HormigaSctpReliability result = { !hormiga_dcep_channel_type_is_ordered (self->type), -1, -1 };

  switch (self->type & 0x7f)
    {
    case HORMIGA_DCEP_PARTIAL_RELIABLE_REXMIT:
      result.max_retransmits = (gint) MIN (self->reliability_parameter, (guint32) G_MAXINT);
      break;
    case HORMIGA_DCEP_PARTIAL_RELIABLE_TIMED:
      result.max_lifetime_ms = (gint) MIN (self->reliability_parameter, (guint32) G_MAXINT);
      break;
    default:
      break;
    }
  return result;
}

static gboolean
send_message (HormigaDataChannel  *self,
              const guint8        *data,
              gsize                length,
              gboolean             is_text,
              GError             **error)
{
  HormigaSctpReliability how = reliability (self);
  static const guint8 zero = 0;
  gboolean zero_byte;
  HormigaPpid ppid;

  if (self->state != HORMIGA_DATA_CHANNEL_OPEN)
    {
      g_set_error (error, HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_CLOSED,
                   "data channel “%s” is not open", self->label);
      return FALSE;
    }
  if (self->max_message_size != 0 && length > self->max_message_size)
    {
      g_set_error (error, HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_MESSAGE_TOO_LARGE,
                   "a %" G_GSIZE_FORMAT "-byte message is larger than the %" G_GUINT64_FORMAT
                   " bytes the peer accepts", length, self->max_message_size);
      return FALSE;
    }

  ppid = hormiga_dcep_ppid_for_message (is_text, length, &zero_byte);
  if (!hormiga_sctp_association_send (self->association, (guint16) self->id, ppid, &how,
                                      zero_byte ? &zero : data, zero_byte ? 1 : length, error))
    return FALSE;
  if (hormiga_data_channel_get_buffered_amount (self) > self->low_threshold)
    self->above_threshold = TRUE;
  return TRUE;
}

gboolean
hormiga_data_channel_send (HormigaDataChannel  *self,
                           const guint8        *data,
                           gsize                length,
                           GError             **error)
{
  g_return_val_if_fail (HORMIGA_IS_DATA_CHANNEL (self), FALSE);
  g_return_val_if_fail (data != NULL || length == 0, FALSE);

  return send_message (self, data, length, FALSE, error);
}

gboolean
hormiga_data_channel_send_text (HormigaDataChannel  *self,
                                const char          *text,
                                GError             **error)
{
  g_return_val_if_fail (HORMIGA_IS_DATA_CHANNEL (self), FALSE);
  g_return_val_if_fail (text != NULL, FALSE);

  return send_message (self, (const guint8 *) text, strlen (text), TRUE, error);
}

gboolean
hormiga_data_channel_send_text_len (HormigaDataChannel  *self,
                                    const char          *text,
                                    gsize                length,
                                    GError             **error)
{
  g_return_val_if_fail (HORMIGA_IS_DATA_CHANNEL (self), FALSE);
  g_return_val_if_fail (text != NULL || length == 0, FALSE);

  return send_message (self, (const guint8 *) text, length, TRUE, error);
}

void
hormiga_data_channel_close (HormigaDataChannel *self)
{
  g_return_if_fail (HORMIGA_IS_DATA_CHANNEL (self));

  if (self->state == HORMIGA_DATA_CHANNEL_CLOSING || self->state == HORMIGA_DATA_CHANNEL_CLOSED)
    return;
  if (self->association == NULL || self->id < 0)
    {
      set_closed (self);
      return;
    }
  self->state = HORMIGA_DATA_CHANNEL_CLOSING;
  g_signal_emit (self, signals[CLOSING], 0);
  if (!self->reset_sent)
    {
      self->reset_sent = TRUE;
      hormiga_sctp_association_reset_stream (self->association, (guint16) self->id);
    }
}

const char *
hormiga_data_channel_get_label (HormigaDataChannel *self)
{
  g_return_val_if_fail (HORMIGA_IS_DATA_CHANNEL (self), NULL);
  return self->label;
}

const char *
hormiga_data_channel_get_protocol (HormigaDataChannel *self)
{
  g_return_val_if_fail (HORMIGA_IS_DATA_CHANNEL (self), NULL);
  return self->protocol;
}

gint
hormiga_data_channel_get_id (HormigaDataChannel *self)
{
  g_return_val_if_fail (HORMIGA_IS_DATA_CHANNEL (self), -1);
  return self->id;
}

gboolean
hormiga_data_channel_get_ordered (HormigaDataChannel *self)
{
  g_return_val_if_fail (HORMIGA_IS_DATA_CHANNEL (self), TRUE);
  return hormiga_dcep_channel_type_is_ordered (self->type);
}

HormigaDataChannelState
hormiga_data_channel_get_state (HormigaDataChannel *self)
{
  g_return_val_if_fail (HORMIGA_IS_DATA_CHANNEL (self), HORMIGA_DATA_CHANNEL_CLOSED);
  return self->state;
}

guint64
hormiga_data_channel_get_buffered_amount (HormigaDataChannel *self)
{
  g_return_val_if_fail (HORMIGA_IS_DATA_CHANNEL (self), 0);

  if (self->association == NULL || self->id < 0)
    return 0;
  return hormiga_sctp_association_get_buffered_amount (self->association, (guint16) self->id);
}

void
hormiga_data_channel_set_buffered_amount_low_threshold (HormigaDataChannel *self,
                                                        guint64             threshold)
{
  g_return_if_fail (HORMIGA_IS_DATA_CHANNEL (self));
  self->low_threshold = threshold;
}

/* ---- driven by the peer connection ---------------------------------------- */

HormigaDataChannel *
_hormiga_data_channel_new (const char             *label,
                           const char             *protocol,
                           HormigaDcepChannelType  type,
                           guint32                 reliability_parameter,
                           guint16                 priority,
                           gboolean                negotiated)
{
  HormigaDataChannel *self = g_object_new (HORMIGA_TYPE_DATA_CHANNEL, NULL);

  self->label = g_strdup (label ? label : "");
  self->protocol = g_strdup (protocol ? protocol : "");
  self->type = type;
  self->reliability_parameter = reliability_parameter;
  self->priority = priority;
  self->negotiated = negotiated;
  return self;
}

void
_hormiga_data_channel_attach (HormigaDataChannel     *self,
                              HormigaSctpAssociation *association,
                              guint16                 id,
                              guint64                 max_message_size)
{
  g_set_object (&self->association, association);
  self->id = id;
  self->max_message_size = max_message_size;
}

gboolean
_hormiga_data_channel_send_open (HormigaDataChannel  *self,
                                 GError             **error)
{
  HormigaDcepOpen open = { self->type, self->priority, self->reliability_parameter,
                           self->label, self->protocol };
  g_autoptr(GBytes) bytes = hormiga_dcep_encode_open (&open);
  HormigaSctpReliability reliable = { FALSE, -1, -1 };

  return hormiga_sctp_association_send (self->association, (guint16) self->id, HORMIGA_PPID_DCEP,
                                        &reliable, g_bytes_get_data (bytes, NULL),
                                        g_bytes_get_size (bytes), error);
}

void
_hormiga_data_channel_set_open (HormigaDataChannel *self)
{
  if (self->state != HORMIGA_DATA_CHANNEL_CONNECTING)
    return;
  self->state = HORMIGA_DATA_CHANNEL_OPEN;
  g_signal_emit (self, signals[OPEN], 0);
}

void
_hormiga_data_channel_receive (HormigaDataChannel *self,
                               guint32             ppid,
                               GBytes             *data)
{
  gboolean is_text, is_empty;

  if (self->state != HORMIGA_DATA_CHANNEL_OPEN && self->state != HORMIGA_DATA_CHANNEL_CLOSING)
    return;
  if (!hormiga_dcep_ppid_is_data (ppid, &is_text, &is_empty))
    {
      g_debug ("data channel %s: ignoring a message with PPID %u", self->label, ppid);
      return;
    }

  /* Very old browsers cut messages into PPID 52/54 pieces ended by an
   * ordinary 53/51 one (RFC 8831 §8, deprecated): join them. */
  if (ppid == HORMIGA_PPID_BINARY_PARTIAL || ppid == HORMIGA_PPID_STRING_PARTIAL)
    {
      if (self->partial == NULL)
        self->partial = g_byte_array_new ();
      if (self->partial->len + g_bytes_get_size (data) > MAX_PARTIAL)
        {
          g_debug ("data channel %s: a message in pieces outgrew %u bytes; dropped", self->label,
                   (guint) MAX_PARTIAL);
          g_clear_pointer (&self->partial, g_byte_array_unref);
          return;
        }
      g_byte_array_append (self->partial, g_bytes_get_data (data, NULL), g_bytes_get_size (data));
      return;
    }
  if (self->partial != NULL)
    {
      g_autoptr(GBytes) whole = NULL;

      if (!is_empty)
        g_byte_array_append (self->partial, g_bytes_get_data (data, NULL), g_bytes_get_size (data));
      whole = g_byte_array_free_to_bytes (g_steal_pointer (&self->partial));
      g_signal_emit (self, signals[MESSAGE], 0, whole, is_text);
      return;
    }

  if (is_empty)
    {
      g_autoptr(GBytes) empty = g_bytes_new (NULL, 0);
      g_signal_emit (self, signals[MESSAGE], 0, empty, is_text);
    }
  else
    g_signal_emit (self, signals[MESSAGE], 0, data, is_text);
}

void
_hormiga_data_channel_remote_reset (HormigaDataChannel *self)
{
  /* The peer closed: close our side too (RFC 8831 §6.7). */
  if (!self->reset_sent && self->association != NULL)
    {
      self->reset_sent = TRUE;
      if (self->state != HORMIGA_DATA_CHANNEL_CLOSING)
        {
          self->state = HORMIGA_DATA_CHANNEL_CLOSING;
          g_signal_emit (self, signals[CLOSING], 0);
        }
      hormiga_sctp_association_reset_stream (self->association, (guint16) self->id);
    }
  set_closed (self);
}

void
_hormiga_data_channel_buffered_amount_decreased (HormigaDataChannel *self,
                                                 guint64             amount)
{
  /* Emitted when the amount crosses the threshold going down, as browsers do. */
  if (amount <= self->low_threshold && self->above_threshold &&
      self->state == HORMIGA_DATA_CHANNEL_OPEN)
    {
      self->above_threshold = FALSE;
      g_signal_emit (self, signals[BUFFERED_AMOUNT_LOW], 0);
    }
}

void
_hormiga_data_channel_abort (HormigaDataChannel *self,
                             const GError       *error)
{
  if (self->state == HORMIGA_DATA_CHANNEL_CLOSED)
    return;
  if (error != NULL)
    g_signal_emit (self, signals[ERROR], 0, error);
  set_closed (self);
}

gboolean
_hormiga_data_channel_is_negotiated (HormigaDataChannel *self)
{
  return self->negotiated;
}

/* ---- GObject ------------------------------------------------------------------ */

static void
hormiga_data_channel_dispose (GObject *object)
{
  HormigaDataChannel *self = HORMIGA_DATA_CHANNEL (object);

  g_clear_object (&self->association);

  G_OBJECT_CLASS (hormiga_data_channel_parent_class)->dispose (object);
}

static void
hormiga_data_channel_finalize (GObject *object)
{
  HormigaDataChannel *self = HORMIGA_DATA_CHANNEL (object);

  g_free (self->label);
  g_free (self->protocol);
  g_clear_pointer (&self->partial, g_byte_array_unref);

  G_OBJECT_CLASS (hormiga_data_channel_parent_class)->finalize (object);
}

static void
hormiga_data_channel_class_init (HormigaDataChannelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hormiga_data_channel_dispose;
  object_class->finalize = hormiga_data_channel_finalize;

  /** HormigaDataChannel::open: messages can flow. */
  signals[OPEN] = g_signal_new ("open", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                NULL, NULL, G_TYPE_NONE, 0);
  /**
   * HormigaDataChannel::message:
   * @data: the message (possibly empty)
   * @is_text: whether it was sent as text
   */
  signals[MESSAGE] = g_signal_new ("message", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                   NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_BYTES, G_TYPE_BOOLEAN);
  /** HormigaDataChannel::closing: a close started on either side. */
  signals[CLOSING] = g_signal_new ("closing", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                   NULL, NULL, NULL, G_TYPE_NONE, 0);
  /** HormigaDataChannel::close: the channel is closed. */
  signals[CLOSE] = g_signal_new ("close", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                 NULL, NULL, G_TYPE_NONE, 0);
  /**
   * HormigaDataChannel::error:
   * @error: what went wrong; ::close follows
   */
  signals[ERROR] = g_signal_new ("error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                 NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
  /** HormigaDataChannel::buffered-amount-low: at or below the threshold. */
  signals[BUFFERED_AMOUNT_LOW] = g_signal_new ("buffered-amount-low", G_TYPE_FROM_CLASS (klass),
                                               G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                               G_TYPE_NONE, 0);
}

static void
hormiga_data_channel_init (HormigaDataChannel *self)
{
  self->id = -1;
  self->state = HORMIGA_DATA_CHANNEL_CONNECTING;
}
