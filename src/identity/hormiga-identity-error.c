/* hormiga-identity-error.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "hormiga-identity-error.h"

G_DEFINE_QUARK (hormiga-identity-error-quark, hormiga_identity_error)
