/* hormiga-types.h — forward declarations of every Hormiga type
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef struct _HormigaPeerId           HormigaPeerId;
typedef struct _HormigaIdentity         HormigaIdentity;
typedef struct _HormigaMessage          HormigaMessage;
typedef struct _HormigaWireLimits       HormigaWireLimits;
typedef struct _HormigaSignalingClient  HormigaSignalingClient;
typedef struct _HormigaHormiguero       HormigaHormiguero;
typedef struct _HormigaTokenBucket      HormigaTokenBucket;
typedef struct _HormigaCertificate      HormigaCertificate;
typedef struct _HormigaDtlsTransport    HormigaDtlsTransport;
typedef struct _HormigaSctpAssociation  HormigaSctpAssociation;

G_END_DECLS
