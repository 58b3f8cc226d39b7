/* hormiga-dcep.c — Data Channel Establishment Protocol (RFC 8832) and PPIDs
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "hormiga-dcep.h"
#include "hormiga-rtc-error.h"

void
hormiga_dcep_open_free (HormigaDcepOpen *open)
{
  if (open == NULL)
    return;
  g_free (open->label);
  g_free (open->protocol);
  g_free (open);
}

static gboolean
channel_type_is_known (guint type)
{
  switch (type)
    {
    case HORMIGA_DCEP_RELIABLE:
    case HORMIGA_DCEP_RELIABLE_UNORDERED:
    case HORMIGA_DCEP_PARTIAL_RELIABLE_REXMIT:
    case HORMIGA_DCEP_PARTIAL_RELIABLE_REXMIT_UNORDERED:
    case HORMIGA_DCEP_PARTIAL_RELIABLE_TIMED:
    case HORMIGA_DCEP_PARTIAL_RELIABLE_TIMED_UNORDERED:
      return TRUE;
    default:
      return FALSE;
    }
}

GBytes *
hormiga_dcep_encode_open (const HormigaDcepOpen *open)
{
  gsize label_length, protocol_length;
  guint8 *data;

  g_return_val_if_fail (open != NULL, NULL);
  g_return_val_if_fail (channel_type_is_known (open->channel_type), NULL);

  label_length = open->label ? strlen (open->label) : 0;
  protocol_length = open->protocol ? strlen (open->protocol) : 0;
  g_return_val_if_fail (label_length <= HORMIGA_DCEP_MAX_STRING, NULL);
  g_return_val_if_fail (protocol_length <= HORMIGA_DCEP_MAX_STRING, NULL);

  data = g_malloc (HORMIGA_DCEP_HEADER + label_length + protocol_length);
  data[0] = HORMIGA_DCEP_MESSAGE_OPEN;
  data[1] = (guint8) open->channel_type;
  data[2] = (guint8) (open->priority >> 8);
  data[3] = (guint8) open->priority;
  data[4] = (guint8) (open->reliability_parameter >> 24);
  data[5] = (guint8) (open->reliability_parameter >> 16);
  data[6] = (guint8) (open->reliability_parameter >> 8);
  data[7] = (guint8) open->reliability_parameter;
  data[8] = (guint8) (label_length >> 8);
  data[9] = (guint8) label_length;
  data[10] = (guint8) (protocol_length >> 8);
  data[11] = (guint8) protocol_length;
  if (label_length > 0)
    memcpy (data + HORMIGA_DCEP_HEADER, open->label, label_length);
  if (protocol_length > 0)
    memcpy (data + HORMIGA_DCEP_HEADER + label_length, open->protocol, protocol_length);
  return g_bytes_new_take (data, HORMIGA_DCEP_HEADER + label_length + protocol_length);
}

GBytes *
hormiga_dcep_encode_ack (void)
{
  static const guint8 ack = HORMIGA_DCEP_MESSAGE_ACK;

  return g_bytes_new (&ack, 1);
}

static char *
take_string (const guint8  *data,
             gsize          length,
             const char    *what,
             GError       **error)
{
  if (length > HORMIGA_DCEP_MAX_STRING)
    {
      g_set_error (error, HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_DCEP_INVALID,
                   "DCEP OPEN %s is %" G_GSIZE_FORMAT " bytes; the limit is %u", what, length,
                   HORMIGA_DCEP_MAX_STRING);
      return NULL;
    }
  if (memchr (data, 0, length) != NULL || !g_utf8_validate_len ((const char *) data, length, NULL))
    {
      g_set_error (error, HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_DCEP_INVALID,
                   "DCEP OPEN %s is not valid UTF-8 text", what);
      return NULL;
    }
  return g_strndup ((const char *) data, length);
}

gboolean
hormiga_dcep_decode (const guint8            *data,
                     gsize                    length,
                     HormigaDcepMessageType  *type_out,
                     HormigaDcepOpen        **open_out,
                     GError                 **error)
{
  g_autoptr(HormigaDcepOpen) open = NULL;
  gsize label_length, protocol_length;

  g_return_val_if_fail (data != NULL || length == 0, FALSE);

  if (length == 0)
    {
      g_set_error_literal (error, HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_DCEP_INVALID,
                           "empty DCEP message");
      return FALSE;
    }

  switch (data[0])
    {
    case HORMIGA_DCEP_MESSAGE_ACK:
      /* RFC 8832 §5.2: the ACK is one byte; more is malformed. */
      if (length != 1)
        {
          g_set_error (error, HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_DCEP_INVALID,
                       "DCEP ACK is 1 byte, not %" G_GSIZE_FORMAT, length);
          return FALSE;
        }
      if (type_out != NULL)
        *type_out = HORMIGA_DCEP_MESSAGE_ACK;
      if (open_out != NULL)
        *open_out = NULL;
      return TRUE;

    case HORMIGA_DCEP_MESSAGE_OPEN:
      break;

    default:
      g_set_error (error, HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_DCEP_INVALID,
                   "unknown DCEP message type 0x%02x (0x02 is ACK, 0x03 is OPEN)", data[0]);
      return FALSE;
    }

  if (length < HORMIGA_DCEP_HEADER)
    {
      g_set_error (error, HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_DCEP_INVALID,
                   "DCEP OPEN is truncated: %" G_GSIZE_FORMAT " bytes, the header alone is %u",
                   length, HORMIGA_DCEP_HEADER);
      return FALSE;
    }
  if (!channel_type_is_known (data[1]))
    {
      g_set_error (error, HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_DCEP_INVALID,
                   "DCEP OPEN has unknown channel type 0x%02x", data[1]);
      return FALSE;
    }

  label_length = (gsize) data[8] << 8 | data[9];
  protocol_length = (gsize) data[10] << 8 | data[11];
  if (HORMIGA_DCEP_HEADER + label_length + protocol_length != length)
    {
      g_set_error (error, HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_DCEP_INVALID,
                   "DCEP OPEN announces a %" G_GSIZE_FORMAT "-byte label and a %" G_GSIZE_FORMAT
                   "-byte protocol, but carries %" G_GSIZE_FORMAT " bytes after its header",
                   label_length, protocol_length, length - HORMIGA_DCEP_HEADER);
      return FALSE;
    }

  open = g_new0 (HormigaDcepOpen, 1);
  open->channel_type = data[1];
  open->priority = (guint16) (data[2] << 8 | data[3]);
  open->reliability_parameter = (guint32) data[4] << 24 | (guint32) data[5] << 16 |
                                (guint32) data[6] << 8 | data[7];
  open->label = take_string (data + HORMIGA_DCEP_HEADER, label_length, "label", error);
  if (open->label == NULL)
    return FALSE;
  open->protocol = take_string (data + HORMIGA_DCEP_HEADER + label_length, protocol_length,
                                "protocol", error);
  if (open->protocol == NULL)
    return FALSE;

  if (type_out != NULL)
    *type_out = HORMIGA_DCEP_MESSAGE_OPEN;
  if (open_out != NULL)
    *open_out = g_steal_pointer (&open);
  return TRUE;
}

gboolean
hormiga_dcep_channel_type_is_ordered (HormigaDcepChannelType type)
{
  return (type & 0x80) == 0;
}

gboolean
hormiga_dcep_channel_type_from_options (gboolean                 ordered,
                                        gint                     max_retransmits,
                                        gint                     max_lifetime_ms,
                                        HormigaDcepChannelType  *type_out,
                                        guint32                 *parameter_out,
                                        GError                 **error)
{
  guint type;
  guint32 parameter = 0;

  if (max_retransmits >= 0 && max_lifetime_ms >= 0)
    {
      g_set_error_literal (error, HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_DCEP_INVALID,
                           "a channel limits retransmissions or lifetime, not both");
      return FALSE;
    }

  if (max_retransmits >= 0)
    {
      type = HORMIGA_DCEP_PARTIAL_RELIABLE_REXMIT;
      parameter = (guint32) max_retransmits;
    }
  else if (max_lifetime_ms >= 0)
    {
      type = HORMIGA_DCEP_PARTIAL_RELIABLE_TIMED;
      parameter = (guint32) max_lifetime_ms;
    }
  else
    type = HORMIGA_DCEP_RELIABLE;

  if (!ordered)
    type |= 0x80;
  *type_out = type;
  *parameter_out = parameter;
  return TRUE;
}

gboolean
hormiga_dcep_stream_is_ours (guint16  stream,
                             gboolean dtls_client)
{
  return stream <= HORMIGA_DCEP_MAX_STREAM && (stream % 2 == 0) == !!dtls_client;
}

HormigaPpid
hormiga_dcep_ppid_for_message (gboolean  is_text,
                               gsize     length,
                               gboolean *send_zero_byte)
{
  *send_zero_byte = length == 0;
  if (length == 0)
    return is_text ? HORMIGA_PPID_STRING_EMPTY : HORMIGA_PPID_BINARY_EMPTY;
  return is_text ? HORMIGA_PPID_STRING : HORMIGA_PPID_BINARY;
}

gboolean
hormiga_dcep_ppid_is_data (guint32   ppid,
                           gboolean *is_text,
                           gboolean *is_empty)
{
  switch (ppid)
    {
    case HORMIGA_PPID_STRING:
    case HORMIGA_PPID_STRING_PARTIAL:
      *is_text = TRUE;
      *is_empty = FALSE;
      return TRUE;
    case HORMIGA_PPID_BINARY:
    case HORMIGA_PPID_BINARY_PARTIAL:
      *is_text = FALSE;
      *is_empty = FALSE;
      return TRUE;
    case HORMIGA_PPID_STRING_EMPTY:
      *is_text = TRUE;
      *is_empty = TRUE;
      return TRUE;
    case HORMIGA_PPID_BINARY_EMPTY:
      *is_text = FALSE;
      *is_empty = TRUE;
      return TRUE;
    default:
      return FALSE;
    }
}
