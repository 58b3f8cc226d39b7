/* hormiga-wire-error.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "hormiga-wire-error.h"

G_DEFINE_QUARK (hormiga-wire-error-quark, hormiga_wire_error)

gboolean
hormiga_wire_error_is_over_limit (const GError *error)
{
  return error != NULL && error->domain == HORMIGA_WIRE_ERROR &&
         (error->code == HORMIGA_WIRE_ERROR_TOO_LARGE ||
          error->code == HORMIGA_WIRE_ERROR_STRING_TOO_LONG ||
          error->code == HORMIGA_WIRE_ERROR_BINARY_TOO_LONG ||
          error->code == HORMIGA_WIRE_ERROR_TOO_MANY_ITEMS);
}
