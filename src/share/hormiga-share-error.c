/* hormiga-share-error.c — errors of the file sharing layer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "hormiga-share-error.h"

G_DEFINE_QUARK (hormiga-share-error-quark, hormiga_share_error)
