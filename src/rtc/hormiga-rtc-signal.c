/* hormiga-rtc-signal.c — what travels inside a `signal` payload for WebRTC
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <msgpack.h>

#include "hormiga-msgpack.h"
#include "hormiga-rtc-signal.h"
#include "hormiga-wire-error.h"
#include "hormiga-wire-limits.h"

static const char *type_names[] = {
  [HORMIGA_RTC_SIGNAL_OFFER] = "offer",
  [HORMIGA_RTC_SIGNAL_ANSWER] = "answer",
  [HORMIGA_RTC_SIGNAL_CANDIDATE] = "candidate",
  [HORMIGA_RTC_SIGNAL_END_OF_CANDIDATES] = "end-of-candidates",
  [HORMIGA_RTC_SIGNAL_BYE] = "bye",
};

void
hormiga_rtc_signal_free (HormigaRtcSignal *signal)
{
  if (signal == NULL)
    return;
  g_free (signal->text);
  g_free (signal);
}

static const char *
field_of (HormigaRtcSignalType type)
{
  switch (type)
    {
    case HORMIGA_RTC_SIGNAL_OFFER:
    case HORMIGA_RTC_SIGNAL_ANSWER:
      return "sdp";
    case HORMIGA_RTC_SIGNAL_CANDIDATE:
      return "candidate";
    case HORMIGA_RTC_SIGNAL_END_OF_CANDIDATES:
    case HORMIGA_RTC_SIGNAL_BYE:
    default:
      return NULL;
    }
}

GBytes *
hormiga_rtc_signal_encode (HormigaRtcSignalType  type,
                           const char           *text)
{
  GByteArray *buffer = g_byte_array_sized_new (256);
  const char *field = field_of (type);
  msgpack_packer packer;

  g_return_val_if_fail ((guint) type < G_N_ELEMENTS (type_names), NULL);
  g_return_val_if_fail ((field != NULL) == (text != NULL), NULL);

  msgpack_packer_init (&packer, buffer, hormiga_msgpack_append);
  msgpack_pack_map (&packer, field ? 3 : 2);
  hormiga_msgpack_pack_str (&packer, "v");
  msgpack_pack_uint64 (&packer, 1);
  hormiga_msgpack_pack_str (&packer, "t");
  hormiga_msgpack_pack_str (&packer, type_names[type]);
  if (field != NULL)
    {
      hormiga_msgpack_pack_str (&packer, field);
      hormiga_msgpack_pack_str (&packer, text);
    }
  return g_byte_array_free_to_bytes (buffer);
}

HormigaRtcSignal *
hormiga_rtc_signal_decode (GBytes  *payload,
                           GError **error)
{
  HormigaWireLimits limits = *hormiga_wire_limits_default ();
  g_autoptr(HormigaRtcSignal) signal = NULL;
  msgpack_unpacked unpacked;
  const msgpack_object_str *type_str = NULL;
  const msgpack_object_str *text = NULL;
  gboolean has_version = FALSE;
  const char *field;
  gsize length;
  const char *data = g_bytes_get_data (payload, &length);
  guint type;

  limits.max_string_length = HORMIGA_RTC_SIGNAL_MAX_SDP;
  limits.max_map_length = 8;
  if (!hormiga_wire_check ((const guint8 *) data, length, &limits, error))
    return NULL;

  msgpack_unpacked_init (&unpacked);
  if (msgpack_unpack_next (&unpacked, data, length, NULL) != MSGPACK_UNPACK_SUCCESS ||
      unpacked.data.type != MSGPACK_OBJECT_MAP)
    {
      msgpack_unpacked_destroy (&unpacked);
      g_set_error_literal (error, HORMIGA_WIRE_ERROR, HORMIGA_WIRE_ERROR_NOT_AN_ENVELOPE,
                           "a WebRTC signal is a MessagePack map with v and t");
      return NULL;
    }

  for (guint32 i = 0; i < unpacked.data.via.map.size; i++)
    {
      const msgpack_object *key = &unpacked.data.via.map.ptr[i].key;
      const msgpack_object *value = &unpacked.data.via.map.ptr[i].val;

      if (hormiga_msgpack_key_is (key, "v"))
        has_version = value->type == MSGPACK_OBJECT_POSITIVE_INTEGER && value->via.u64 == 1;
      else if (hormiga_msgpack_key_is (key, "t") && value->type == MSGPACK_OBJECT_STR)
        type_str = &value->via.str;
      else if ((hormiga_msgpack_key_is (key, "sdp") || hormiga_msgpack_key_is (key, "candidate")) && value->type == MSGPACK_OBJECT_STR)
        text = &value->via.str;
    }

  if (!has_version || type_str == NULL)
    {
      msgpack_unpacked_destroy (&unpacked);
      g_set_error_literal (error, HORMIGA_WIRE_ERROR, HORMIGA_WIRE_ERROR_NOT_AN_ENVELOPE,
                           "a WebRTC signal needs \"v\": 1 and a \"t\" string");
      return NULL;
    }

  for (type = 0; type < G_N_ELEMENTS (type_names); type++)
    if (type_str->size == strlen (type_names[type]) &&
        memcmp (type_str->ptr, type_names[type], type_str->size) == 0)
      break;
  if (type == G_N_ELEMENTS (type_names))
    {
      g_set_error (error, HORMIGA_WIRE_ERROR, HORMIGA_WIRE_ERROR_UNKNOWN_TYPE,
                   "unknown WebRTC signal type \"%.*s\"", (int) MIN (type_str->size, 32u),
                   type_str->ptr);
      msgpack_unpacked_destroy (&unpacked);
      return NULL;
    }

  signal = g_new0 (HormigaRtcSignal, 1);
  signal->type = type;
  field = field_of (type);
  if (field != NULL)
    {
      gsize limit = type == HORMIGA_RTC_SIGNAL_CANDIDATE ? HORMIGA_RTC_SIGNAL_MAX_CANDIDATE
                                                         : HORMIGA_RTC_SIGNAL_MAX_SDP;

      if (text == NULL || text->size == 0 || text->size > limit ||
          memchr (text->ptr, '\0', text->size) != NULL)
        {
          g_set_error (error, HORMIGA_WIRE_ERROR, HORMIGA_WIRE_ERROR_INVALID_FIELD,
                       "a WebRTC %s signal needs \"%s\": 1 to %" G_GSIZE_FORMAT " bytes of text",
                       type_names[type], field, limit);
          msgpack_unpacked_destroy (&unpacked);
          return NULL;
        }
      signal->text = g_strndup (text->ptr, text->size);
    }

  msgpack_unpacked_destroy (&unpacked);
  return g_steal_pointer (&signal);
}
