/* hormiga-dcep.c — Data Channel Establishment Protocol (RFC 8832) and PPIDs
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "hormiga-dcep.h"
#include "hormiga-rtc-error.h"

#include <string.h>

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
string_is_encodable (const char *text)
{
  return text == NULL ||
         (strlen (text) <= HORMIGA_DCEP_MAX_STRING && g_utf8_validate (text, -1, NULL));
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

  g_return_val_if_fail (string_is_encodable (open->label), NULL);
  g_return_val_if_fail (string_is_encodable (open->protocol), NULL);

  label_length = open->label ? strlen (open->label) : 0;
  protocol_length = open->protocol ? strlen (open->protocol) : 0;

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
  /* Checked first: g_utf8_validate_len() also refuses NUL, with a vaguer reason. */
  if (memchr (data, 0, length) != NULL)
    {
      g_set_error (error, HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_DCEP_INVALID,
                   "DCEP OPEN %s holds a NUL character, which we do not accept", what);
      return NULL;
    }
  if (!g_utf8_validate_len ((const char *) data, length, NULL))
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
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

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
                       "DCEP ACK must be the single byte 0x02, this one has %" G_GSIZE_FORMAT
                       " bytes", length);
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
                   "DCEP OPEN is truncated: it has %" G_GSIZE_FORMAT " of the %u header bytes",
                   length, HORMIGA_DCEP_HEADER);
      return FALSE;
    }
  if (!channel_type_is_known (data[1]))
    {
      g_set_error (error, HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_DCEP_INVALID,
                   "DCEP OPEN has unknown channel type 0x%02x (known: 0x00-0x02, 0x80-0x82)",
                   data[1]);
      return FALSE;
    }

  label_length = (gsize) data[8] << 8 | data[9];
  protocol_length = (gsize) data[10] << 8 | data[11];
  if (length - HORMIGA_DCEP_HEADER < label_length + protocol_length)
    {
      g_set_error (error, HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_DCEP_INVALID,
                   "DCEP OPEN is truncated: its %" G_GSIZE_FORMAT "-byte label and %"
                   G_GSIZE_FORMAT "-byte protocol need %" G_GSIZE_FORMAT " bytes after the "
                   "header, the message has %" G_GSIZE_FORMAT,
                   label_length, protocol_length, label_length + protocol_length,
                   length - HORMIGA_DCEP_HEADER);
      return FALSE;
    }
  if (length - HORMIGA_DCEP_HEADER > label_length + protocol_length)
    {
      g_set_error (error, HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_DCEP_INVALID,
                   "DCEP OPEN has trailing data: %" G_GSIZE_FORMAT " bytes follow the header, "
                   "its %" G_GSIZE_FORMAT "-byte label and %" G_GSIZE_FORMAT "-byte protocol "
                   "take %" G_GSIZE_FORMAT, length - HORMIGA_DCEP_HEADER,
                   label_length, protocol_length, label_length + protocol_length);
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

  g_return_val_if_fail (type_out != NULL, FALSE);
  g_return_val_if_fail (parameter_out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (max_retransmits >= 0 && max_lifetime_ms >= 0)
    {
      g_set_error_literal (error, HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_DCEP_INVALID,
                           "a channel limits either retransmissions (maxRetransmits) or "
                           "lifetime (maxPacketLifeTime), not both: unset one of them");
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
hormiga_dcep_stream_id_is_valid_for (guint16  id,
                                     gboolean dtls_client)
{
  return id <= HORMIGA_DCEP_MAX_STREAM && (id % 2 == 0) == !!dtls_client;
}

gboolean
hormiga_dcep_stream_is_ours (guint16  stream,
                             gboolean dtls_client)
{
  return hormiga_dcep_stream_id_is_valid_for (stream, dtls_client);
}

HormigaPpid
hormiga_dcep_ppid_for_message (gboolean  is_text,
                               gsize     length,
                               gboolean *send_zero_byte)
{
  g_return_val_if_fail (send_zero_byte != NULL, HORMIGA_PPID_BINARY);

  *send_zero_byte = length == 0;
  if (length == 0)
    return is_text ? HORMIGA_PPID_STRING_EMPTY : HORMIGA_PPID_BINARY_EMPTY;
  return is_text ? HORMIGA_PPID_STRING : HORMIGA_PPID_BINARY;
}

HormigaPpidKind
hormiga_dcep_ppid_classify (guint32 ppid)
{
  switch (ppid)
    {
    case HORMIGA_PPID_DCEP:
      return HORMIGA_PPID_KIND_DCEP;
    case HORMIGA_PPID_STRING:
      return HORMIGA_PPID_KIND_TEXT;
    case HORMIGA_PPID_BINARY:
      return HORMIGA_PPID_KIND_BINARY;
    case HORMIGA_PPID_STRING_EMPTY:
      return HORMIGA_PPID_KIND_TEXT_EMPTY;
    case HORMIGA_PPID_BINARY_EMPTY:
      return HORMIGA_PPID_KIND_BINARY_EMPTY;
    case HORMIGA_PPID_STRING_PARTIAL:
      return HORMIGA_PPID_KIND_TEXT_PARTIAL;
    case HORMIGA_PPID_BINARY_PARTIAL:
      return HORMIGA_PPID_KIND_BINARY_PARTIAL;
    default:
      return HORMIGA_PPID_KIND_INVALID;
    }
}

gboolean
hormiga_dcep_ppid_is_data (guint32   ppid,
                           gboolean *is_text,
                           gboolean *is_empty)
{
  g_return_val_if_fail (is_text != NULL, FALSE);
  g_return_val_if_fail (is_empty != NULL, FALSE);

  switch (hormiga_dcep_ppid_classify (ppid))
    {
    case HORMIGA_PPID_KIND_TEXT:
    case HORMIGA_PPID_KIND_TEXT_PARTIAL:
      *is_text = TRUE;
      *is_empty = FALSE;
      return TRUE;
    case HORMIGA_PPID_KIND_BINARY:
    case HORMIGA_PPID_KIND_BINARY_PARTIAL:
      *is_text = FALSE;
      *is_empty = FALSE;
      return TRUE;
    case HORMIGA_PPID_KIND_TEXT_EMPTY:
      *is_text = TRUE;
      *is_empty = TRUE;
      return TRUE;
    case HORMIGA_PPID_KIND_BINARY_EMPTY:
      *is_text = FALSE;
      *is_empty = TRUE;
      return TRUE;
    case HORMIGA_PPID_KIND_DCEP:
    case HORMIGA_PPID_KIND_INVALID:
    default:
      return FALSE;
    }
}
