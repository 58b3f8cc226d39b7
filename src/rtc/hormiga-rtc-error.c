/* hormiga-rtc-error.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "hormiga-rtc-error.h"

G_DEFINE_QUARK (hormiga-rtc-error-quark, hormiga_rtc_error)
