/* hormiga-wire-error.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "hormiga-wire-error.h"

G_DEFINE_QUARK (hormiga-wire-error-quark, hormiga_wire_error)
