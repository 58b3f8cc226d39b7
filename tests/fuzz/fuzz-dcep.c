/* fuzz-dcep.c — libFuzzer target for the DCEP decoder
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every input either fails with a HORMIGA_RTC_ERROR and a message, or is a
 * canonical message: re-encoding gives the same bytes, and decoding those
 * gives the same fields.
 */
#include <glib.h>
#include <stdint.h>

#include "hormiga-dcep.h"
#include "hormiga-rtc-error.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HormigaDcepOpen) open = NULL;
  HormigaDcepMessageType type;

  if (!hormiga_dcep_decode (data, size, &type, &open, &error))
    {
      g_assert_nonnull (error);
      g_assert_true (error->domain == HORMIGA_RTC_ERROR);
      g_assert_cmpint (error->code, ==, HORMIGA_RTC_ERROR_DCEP_INVALID);
      g_assert_true (error->message != NULL && error->message[0] != '\0');
      g_assert_null (open);
      return 0;
    }
  g_assert_no_error (error);

  if (type == HORMIGA_DCEP_MESSAGE_OPEN)
    {
      g_autoptr(GBytes) again = NULL;
      g_autoptr(HormigaDcepOpen) back = NULL;
      HormigaDcepMessageType type_back;

      g_assert_nonnull (open);
      g_assert_true (g_utf8_validate (open->label, -1, NULL));
      g_assert_true (g_utf8_validate (open->protocol, -1, NULL));

      again = hormiga_dcep_encode_open (open);
      g_assert_cmpmem (g_bytes_get_data (again, NULL), g_bytes_get_size (again), data, size);

      g_assert_true (hormiga_dcep_decode (g_bytes_get_data (again, NULL),
                                          g_bytes_get_size (again), &type_back, &back, NULL));
      g_assert_cmpint (type_back, ==, HORMIGA_DCEP_MESSAGE_OPEN);
      g_assert_cmpint (back->channel_type, ==, open->channel_type);
      g_assert_cmpuint (back->priority, ==, open->priority);
      g_assert_cmpuint (back->reliability_parameter, ==, open->reliability_parameter);
      g_assert_cmpstr (back->label, ==, open->label);
      g_assert_cmpstr (back->protocol, ==, open->protocol);
    }
  else
    {
      g_autoptr(GBytes) ack = hormiga_dcep_encode_ack ();

      g_assert_cmpint (type, ==, HORMIGA_DCEP_MESSAGE_ACK);
      g_assert_null (open);
      g_assert_cmpmem (g_bytes_get_data (ack, NULL), g_bytes_get_size (ack), data, size);
    }
  return 0;
}
