/* hormiga-contingency-error.c — errors of the contingency layer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "hormiga-contingency-error.h"

G_DEFINE_QUARK (hormiga-contingency-error-quark, hormiga_contingency_error)
