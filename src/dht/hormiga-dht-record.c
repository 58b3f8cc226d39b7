/* hormiga-dht-record.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "hormiga-dht-record.h"
