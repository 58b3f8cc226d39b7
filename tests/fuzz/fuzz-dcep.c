/* fuzz-dcep.c — libFuzzer target for the DCEP decoder
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
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
      g_assert_true (error->message[0] != '\0');
      return 0;
    }

  /* The format is canonical: what decodes re-encodes to the same bytes. */
  if (type == HORMIGA_DCEP_MESSAGE_OPEN)
    {
      g_autoptr(GBytes) again = hormiga_dcep_encode_open (open);
      g_assert_cmpmem (g_bytes_get_data (again, NULL), g_bytes_get_size (again), data, size);
    }
  else
    g_assert_cmpuint (size, ==, 1);
  return 0;
}
