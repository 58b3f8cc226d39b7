/* hormiga-identity-error.h — errors of the identity layer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define HORMIGA_IDENTITY_ERROR (hormiga_identity_error_quark ())

typedef enum {
  HORMIGA_IDENTITY_ERROR_INVALID_PEER_ID,  /* text or bytes are not a PeerID we accept */
  HORMIGA_IDENTITY_ERROR_UNSUPPORTED_KEY,  /* a valid PeerID of a key type other than Ed25519 */
  HORMIGA_IDENTITY_ERROR_INVALID_KEY,      /* public key bytes are not a valid Ed25519 point */
  HORMIGA_IDENTITY_ERROR_KEY_FILE,         /* key file unreadable, truncated, or corrupt */
  HORMIGA_IDENTITY_ERROR_FAILED,           /* libsodium or the file system failed otherwise */
} HormigaIdentityError;

GQuark hormiga_identity_error_quark (void);

G_END_DECLS
