/* hormiga-identity.c — a node's Ed25519 key pair and PeerID
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Key file DATA_DIR/identity.key, exactly 72 bytes:
 *   8 bytes   magic "HRMGKEY1"
 *   32 bytes  Ed25519 seed (the secret)
 *   32 bytes  Ed25519 public key derived from the seed (a consistency check)
 * Mode 0600 in a 0700 directory, written atomically, never overwritten.
 */
#include <errno.h>
#include <glib/gstdio.h>
#include <sodium.h>

#include "hormiga-identity.h"
#include "hormiga-identity-error.h"
#include "hormiga-peer-id.h"

#define KEY_FILE_MAGIC  "HRMGKEY1"
#define MAGIC_LENGTH    8
#define SEED_LENGTH     crypto_sign_SEEDBYTES
#define KEY_FILE_LENGTH (MAGIC_LENGTH + SEED_LENGTH + crypto_sign_PUBLICKEYBYTES)

struct _HormigaIdentity
{
  GObject        parent_instance;

  guint8         public_key[crypto_sign_PUBLICKEYBYTES];
  guint8        *secret_key;   /* crypto_sign_SECRETKEYBYTES, sodium_malloc'd */
  HormigaPeerId *peer_id;
};

G_DEFINE_FINAL_TYPE (HormigaIdentity, hormiga_identity, G_TYPE_OBJECT)

static void
hormiga_identity_finalize (GObject *object)
{
  HormigaIdentity *self = HORMIGA_IDENTITY (object);

  /* sodium_free wipes the memory before releasing it. */
  g_clear_pointer (&self->secret_key, sodium_free);
  g_clear_pointer (&self->peer_id, hormiga_peer_id_unref);

  G_OBJECT_CLASS (hormiga_identity_parent_class)->finalize (object);
}

static void
hormiga_identity_class_init (HormigaIdentityClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = hormiga_identity_finalize;

  if (sodium_init () < 0)
    g_error ("libsodium failed to initialise");
}

static void
hormiga_identity_init (HormigaIdentity *self)
{
  self->secret_key = sodium_malloc (crypto_sign_SECRETKEYBYTES);
  g_assert (self->secret_key != NULL);
}

HormigaIdentity *
hormiga_identity_new_from_seed (const guint8 seed[32])
{
  HormigaIdentity *self;

  g_return_val_if_fail (seed != NULL, NULL);

  self = g_object_new (HORMIGA_TYPE_IDENTITY, NULL);
  crypto_sign_seed_keypair (self->public_key, self->secret_key, seed);
  self->peer_id = hormiga_peer_id_new_from_public_key (self->public_key);
  return self;
}

HormigaIdentity *
hormiga_identity_generate (void)
{
  guint8 seed[SEED_LENGTH];
  HormigaIdentity *self;

  if (sodium_init () < 0)
    g_error ("libsodium failed to initialise");
  randombytes_buf (seed, sizeof seed);
  self = hormiga_identity_new_from_seed (seed);
  sodium_memzero (seed, sizeof seed);
  return self;
}

char *
hormiga_identity_default_data_dir (void)
{
  return g_build_filename (g_get_user_data_dir (), "hormiga", NULL);
}

static HormigaIdentity *
load_key_file (const char  *path,
               GError     **error)
{
  g_autofree char *contents = NULL;
  gsize length = 0;
  g_autoptr(GError) local_error = NULL;
  HormigaIdentity *self;

  if (!g_file_get_contents (path, &contents, &length, &local_error))
    {
      g_set_error (error, HORMIGA_IDENTITY_ERROR, HORMIGA_IDENTITY_ERROR_KEY_FILE,
                   "cannot read the key file: %s", local_error->message);
      return NULL;
    }

  if (length != KEY_FILE_LENGTH)
    {
      sodium_memzero (contents, length);
      g_set_error (error, HORMIGA_IDENTITY_ERROR, HORMIGA_IDENTITY_ERROR_KEY_FILE,
                   "key file %s is %" G_GSIZE_FORMAT " bytes, not %u: it is truncated or is "
                   "not a Hormiga key file. It was left as it is; restore it from a backup, "
                   "or move it away to start with a new identity (a new PeerID)",
                   path, length, (guint) KEY_FILE_LENGTH);
      return NULL;
    }

  if (memcmp (contents, KEY_FILE_MAGIC, MAGIC_LENGTH) != 0)
    {
      sodium_memzero (contents, length);
      g_set_error (error, HORMIGA_IDENTITY_ERROR, HORMIGA_IDENTITY_ERROR_KEY_FILE,
                   "key file %s does not start with “" KEY_FILE_MAGIC "”: it is not a Hormiga "
                   "key file. It was left as it is; move it away to start with a new identity",
                   path);
      return NULL;
    }

  self = hormiga_identity_new_from_seed ((const guint8 *) contents + MAGIC_LENGTH);
  if (sodium_memcmp (self->public_key, contents + MAGIC_LENGTH + SEED_LENGTH,
                     crypto_sign_PUBLICKEYBYTES) != 0)
    {
      sodium_memzero (contents, length);
      g_object_unref (self);
      g_set_error (error, HORMIGA_IDENTITY_ERROR, HORMIGA_IDENTITY_ERROR_KEY_FILE,
                   "key file %s is corrupt: its public key does not match its secret. It was "
                   "left as it is; restore it from a backup", path);
      return NULL;
    }

  sodium_memzero (contents, length);
  return self;
}

HormigaIdentity *
hormiga_identity_load_or_create (const char  *data_dir,
                                 GError     **error)
{
  g_autofree char *path = NULL;
  guint8 contents[KEY_FILE_LENGTH];
  guint8 seed[SEED_LENGTH];
  g_autoptr(HormigaIdentity) self = NULL;
  g_autoptr(GError) local_error = NULL;
  gboolean ok;

  g_return_val_if_fail (data_dir != NULL, NULL);

  path = g_build_filename (data_dir, HORMIGA_KEY_FILE_NAME, NULL);
  if (g_file_test (path, G_FILE_TEST_EXISTS))
    return load_key_file (path, error);

  if (g_mkdir_with_parents (data_dir, 0700) != 0)
    {
      int saved = errno;
      g_set_error (error, HORMIGA_IDENTITY_ERROR, HORMIGA_IDENTITY_ERROR_FAILED,
                   "cannot create the data directory %s: %s", data_dir, g_strerror (saved));
      return NULL;
    }

  if (sodium_init () < 0)
    g_error ("libsodium failed to initialise");
  randombytes_buf (seed, sizeof seed);
  self = hormiga_identity_new_from_seed (seed);

  memcpy (contents, KEY_FILE_MAGIC, MAGIC_LENGTH);
  memcpy (contents + MAGIC_LENGTH, seed, SEED_LENGTH);
  memcpy (contents + MAGIC_LENGTH + SEED_LENGTH, self->public_key, crypto_sign_PUBLICKEYBYTES);
  sodium_memzero (seed, sizeof seed);

  /* Atomic: a crash leaves either no file or a whole one. */
  ok = g_file_set_contents_full (path, (const char *) contents, sizeof contents,
                                 G_FILE_SET_CONTENTS_CONSISTENT, 0600, &local_error);
  sodium_memzero (contents, sizeof contents);
  if (!ok)
    {
      g_set_error (error, HORMIGA_IDENTITY_ERROR, HORMIGA_IDENTITY_ERROR_FAILED,
                   "cannot write the key file: %s", local_error->message);
      return NULL;
    }

  return g_steal_pointer (&self);
}

HormigaPeerId *
hormiga_identity_get_peer_id (HormigaIdentity *self)
{
  g_return_val_if_fail (HORMIGA_IS_IDENTITY (self), NULL);

  return self->peer_id;
}

const guint8 *
hormiga_identity_get_public_key (HormigaIdentity *self)
{
  g_return_val_if_fail (HORMIGA_IS_IDENTITY (self), NULL);

  return self->public_key;
}

void
hormiga_identity_sign (HormigaIdentity *self,
                       const guint8    *data,
                       gsize            length,
                       guint8           signature[64])
{
  g_return_if_fail (HORMIGA_IS_IDENTITY (self));
  g_return_if_fail (data != NULL || length == 0);
  g_return_if_fail (signature != NULL);

  crypto_sign_detached (signature, NULL, data, length, self->secret_key);
}

gboolean
hormiga_identity_verify (const guint8  public_key[32],
                         const guint8 *data,
                         gsize         length,
                         const guint8  signature[64])
{
  g_return_val_if_fail (public_key != NULL && signature != NULL, FALSE);
  g_return_val_if_fail (data != NULL || length == 0, FALSE);

  if (sodium_init () < 0)
    return FALSE;
  return crypto_sign_verify_detached (signature, data, length, public_key) == 0;
}
