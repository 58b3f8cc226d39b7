/* hormiga-identity.h — a node's Ed25519 key pair and PeerID
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "hormiga-types.h"

G_BEGIN_DECLS

#define HORMIGA_KEY_FILE_NAME "identity.key"

#define HORMIGA_TYPE_IDENTITY (hormiga_identity_get_type ())
G_DECLARE_FINAL_TYPE (HormigaIdentity, hormiga_identity, HORMIGA, IDENTITY, GObject)

/* A fresh random key pair, not stored anywhere. */
HormigaIdentity *hormiga_identity_generate        (void);
/* The key pair of a 32-byte Ed25519 seed (tests, known vectors). */
HormigaIdentity *hormiga_identity_new_from_seed   (const guint8 seed[32]);

/* Loads DATA_DIR/identity.key, creating it (mode 0600, directory 0700) on
 * first start. A key file that exists but is truncated or corrupt is an error
 * (HORMIGA_IDENTITY_ERROR_KEY_FILE) and is never replaced. */
HormigaIdentity *hormiga_identity_load_or_create  (const char  *data_dir,
                                                   GError     **error);

/* The default data directory: $XDG_DATA_HOME/hormiga. */
char            *hormiga_identity_default_data_dir (void);

HormigaPeerId   *hormiga_identity_get_peer_id     (HormigaIdentity *self);
const guint8    *hormiga_identity_get_public_key  (HormigaIdentity *self);

/* Detached Ed25519 signature of @data into @signature (64 bytes). */
void             hormiga_identity_sign            (HormigaIdentity *self,
                                                   const guint8    *data,
                                                   gsize            length,
                                                   guint8           signature[64]);

/* A 32-byte secret for @purpose (a short ASCII label), which only the
 * holder of the private key can make: BLAKE2b-256 keyed with the Ed25519
 * seed, over "hormiga/derive/v1" 00 @purpose. */
void             hormiga_identity_derive_key      (HormigaIdentity *self,
                                                   const char      *purpose,
                                                   guint8           key[32]);

/* Verifies a detached Ed25519 signature made by @public_key. */
gboolean         hormiga_identity_verify          (const guint8     public_key[32],
                                                   const guint8    *data,
                                                   gsize            length,
                                                   const guint8     signature[64]);

G_END_DECLS
