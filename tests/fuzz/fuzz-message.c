/* fuzz-message.c — libFuzzer target for hormiga_message_decode()
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every input either decodes, and then survives encode → decode unchanged,
 * or is refused with a HORMIGA_WIRE_ERROR that carries a message.
 */
#include <stdint.h>
#include <stdlib.h>

#include "hormiga-wire-error.h"
#include "../test-message-equal.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HormigaMessage) message = NULL;
  g_autoptr(HormigaMessage) again = NULL;
  g_autoptr(GBytes) frame = NULL;

  message = hormiga_message_decode (data, size, NULL, &error);
  if (message == NULL)
    {
      if (error == NULL || error->domain != HORMIGA_WIRE_ERROR ||
          error->message == NULL || error->message[0] == '\0')
        abort ();
      return 0;
    }
  if (error != NULL)
    abort ();

  /* The encoding is never longer than the input (it drops unknown fields
   * and uses the shortest forms), so it is within the limits too. */
  frame = hormiga_message_encode (message);
  if (g_bytes_get_size (frame) > size)
    abort ();
  again = hormiga_message_decode_bytes (frame, NULL, &error);
  if (again == NULL)
    {
      g_printerr ("re-encoded message does not decode: %s\n", error->message);
      abort ();
    }
  if (!hormiga_test_message_equal (message, again))
    abort ();

  return 0;
}
