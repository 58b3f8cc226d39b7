/* hormiga-dht-message.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "hormiga-dht-message.h"
