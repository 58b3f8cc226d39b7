/* hormiga-dht-error.c — errors of the DHT layer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "hormiga-dht-error.h"

G_DEFINE_QUARK (hormiga-dht-error-quark, hormiga_dht_error)
