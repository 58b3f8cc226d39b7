/* fuzz-rtc-signal.c — libFuzzer target for WebRTC signal payloads
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib.h>
#include <stdint.h>

#include "hormiga-rtc-signal.h"
#include "hormiga-wire-error.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GBytes) bytes = g_bytes_new (data, size);
  g_autoptr(GError) error = NULL;
  g_autoptr(HormigaRtcSignal) signal = hormiga_rtc_signal_decode (bytes, &error);

  if (signal == NULL)
    {
      g_assert_true (error != NULL && error->domain == HORMIGA_WIRE_ERROR);
      g_assert_true (error->message[0] != '\0');
      return 0;
    }

  /* What decodes encodes again and decodes to the same signal. */
  {
    g_autoptr(GBytes) again = hormiga_rtc_signal_encode (signal->type, signal->text);
    g_autoptr(HormigaRtcSignal) back = hormiga_rtc_signal_decode (again, &error);

    g_assert_no_error (error);
    g_assert_cmpint (back->type, ==, signal->type);
    g_assert_cmpstr (back->text, ==, signal->text);
  }
  return 0;
}
