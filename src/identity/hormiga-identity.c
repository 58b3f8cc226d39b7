/* hormiga-identity.c — a node's Ed25519 key pair and PeerID
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Key file DATA_DIR/identity.key, exactly 72 bytes:
 *   8 bytes   magic "HRMGKEY1"
 *   32 bytes  Ed25519 seed (the secret)
 *   32 bytes  Ed25519 public key derived from the seed (a consistency check)
 * Mode 0600 in a 0700 directory, never overwritten: written to a temporary
 * file in the same directory, flushed, then hard-linked into place (link()
 * fails instead of replacing a key file another node created meanwhile).
 * A key file readable by others is still loaded, after its mode is tightened
 * to 0600 and a g_message says so (not a warning: the key works, and a
 * warning would abort programs run with fatal warnings).
 */
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sodium.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* Reads at most KEY_FILE_LENGTH + 1 bytes of @path into @contents: enough to
 * tell a right-sized file from any other without reading a huge one. A file
 * that others may read is tightened to 0600 and still loaded. */
static gboolean
read_key_file (const char  *path,
               guint8       contents[KEY_FILE_LENGTH + 1],
               gsize       *length,
               goffset     *file_size,
               GError     **error)
{
  struct stat st;
  int fd;

  /* O_NONBLOCK: a FIFO in its place must not hang us (fstat refuses it). */
  fd = g_open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0);
  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, HORMIGA_IDENTITY_ERROR, HORMIGA_IDENTITY_ERROR_KEY_FILE,
                   "cannot open the key file %s: %s", path, g_strerror (saved));
      return FALSE;
    }

  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      g_set_error (error, HORMIGA_IDENTITY_ERROR, HORMIGA_IDENTITY_ERROR_KEY_FILE,
                   "key file %s is not a regular file; move it away to start with a new "
                   "identity (a new PeerID)", path);
      close (fd);
      return FALSE;
    }
  *file_size = st.st_size;

  if ((st.st_mode & 0077) != 0)
    {
      if (fchmod (fd, 0600) == 0)
        {
          g_message ("key file %s could be read by other users (mode %04o); it is now 0600",
                     path, (guint) (st.st_mode & 07777));
        }
      else
        {
          int saved = errno;
          g_message ("key file %s can be read by other users (mode %04o) and could not be "
                     "made 0600: %s", path, (guint) (st.st_mode & 07777), g_strerror (saved));
        }
    }

  *length = 0;
  while (*length < KEY_FILE_LENGTH + 1)
    {
      gssize n = read (fd, contents + *length, KEY_FILE_LENGTH + 1 - *length);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved = errno;
          g_set_error (error, HORMIGA_IDENTITY_ERROR, HORMIGA_IDENTITY_ERROR_KEY_FILE,
                       "cannot read the key file %s: %s", path, g_strerror (saved));
          close (fd);
          return FALSE;
        }
      if (n == 0)
        break;
      *length += (gsize) n;
    }

  close (fd);
  return TRUE;
}

static HormigaIdentity *
identity_from_key_file (const char    *path,
                        const guint8  *contents,
                        gsize          length,
                        goffset        file_size,
                        GError       **error)
{
  HormigaIdentity *self;

  if (length != KEY_FILE_LENGTH)
    {
      /* Only KEY_FILE_LENGTH + 1 bytes were read of a longer file. */
      goffset size = (length > KEY_FILE_LENGTH) ? MAX (file_size, (goffset) length)
                                                : (goffset) length;

      g_set_error (error, HORMIGA_IDENTITY_ERROR, HORMIGA_IDENTITY_ERROR_KEY_FILE,
                   "key file %s is %" G_GOFFSET_FORMAT " bytes, not %u: it is truncated or is "
                   "not a Hormiga key file. It was left as it is; restore it from a backup, "
                   "or move it away to start with a new identity (a new PeerID)",
                   path, size, (guint) KEY_FILE_LENGTH);
      return NULL;
    }

  if (memcmp (contents, KEY_FILE_MAGIC, MAGIC_LENGTH) != 0)
    {
      g_set_error (error, HORMIGA_IDENTITY_ERROR, HORMIGA_IDENTITY_ERROR_KEY_FILE,
                   "key file %s does not start with “" KEY_FILE_MAGIC "”: it is not a Hormiga "
                   "key file. It was left as it is; move it away to start with a new identity",
                   path);
      return NULL;
    }

  self = hormiga_identity_new_from_seed (contents + MAGIC_LENGTH);
  if (sodium_memcmp (self->public_key, contents + MAGIC_LENGTH + SEED_LENGTH,
                     crypto_sign_PUBLICKEYBYTES) != 0)
    {
      g_object_unref (self);
      g_set_error (error, HORMIGA_IDENTITY_ERROR, HORMIGA_IDENTITY_ERROR_KEY_FILE,
                   "key file %s is corrupt: its public key does not match its secret. It was "
                   "left as it is; restore it from a backup", path);
      return NULL;
    }

  return self;
}

static HormigaIdentity *
load_key_file (const char  *path,
               GError     **error)
{
  guint8 contents[KEY_FILE_LENGTH + 1];
  gsize length = 0;
  goffset file_size = 0;
  HormigaIdentity *self = NULL;

  if (read_key_file (path, contents, &length, &file_size, error))
    self = identity_from_key_file (path, contents, length, file_size, error);
  sodium_memzero (contents, sizeof contents);
  return self;
}

static gboolean
write_all (int            fd,
           const guint8  *data,
           gsize          length)
{
  while (length > 0)
    {
      gssize n = write (fd, data, length);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      data += n;
      length -= (gsize) n;
    }
  return TRUE;
}

/* Writes @contents to a new temporary file in @data_dir, mode 0600, flushed
 * to disk, and returns its path. */
static char *
write_temporary (const char    *data_dir,
                 const guint8  *contents,
                 gsize          length,
                 GError       **error)
{
  g_autofree char *tmp_path = g_build_filename (data_dir, HORMIGA_KEY_FILE_NAME ".new-XXXXXX",
                                                NULL);
  int fd;
  int saved;

  fd = g_mkstemp_full (tmp_path, O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      saved = errno;
      g_set_error (error, HORMIGA_IDENTITY_ERROR, HORMIGA_IDENTITY_ERROR_FAILED,
                   "cannot create a key file in %s: %s", data_dir, g_strerror (saved));
      return NULL;
    }

  if (!write_all (fd, contents, length) || fsync (fd) != 0)
    {
      saved = errno;
      close (fd);
      g_unlink (tmp_path);
      g_set_error (error, HORMIGA_IDENTITY_ERROR, HORMIGA_IDENTITY_ERROR_FAILED,
                   "cannot write the key file %s: %s", tmp_path, g_strerror (saved));
      return NULL;
    }

  if (close (fd) != 0)
    {
      saved = errno;
      g_unlink (tmp_path);
      g_set_error (error, HORMIGA_IDENTITY_ERROR, HORMIGA_IDENTITY_ERROR_FAILED,
                   "cannot write the key file %s: %s", tmp_path, g_strerror (saved));
      return NULL;
    }

  return g_steal_pointer (&tmp_path);
}

HormigaIdentity *
hormiga_identity_load_or_create (const char  *data_dir,
                                 GError     **error)
{
  g_autofree char *path = NULL;
  g_autofree char *tmp_path = NULL;
  guint8 contents[KEY_FILE_LENGTH];
  guint8 seed[SEED_LENGTH];
  g_autoptr(HormigaIdentity) self = NULL;
  int saved;

  g_return_val_if_fail (data_dir != NULL, NULL);

  path = g_build_filename (data_dir, HORMIGA_KEY_FILE_NAME, NULL);
  if (g_file_test (path, G_FILE_TEST_EXISTS))
    return load_key_file (path, error);

  if (g_mkdir_with_parents (data_dir, 0700) != 0)
    {
      saved = errno;
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

  tmp_path = write_temporary (data_dir, contents, sizeof contents, error);
  sodium_memzero (contents, sizeof contents);
  if (tmp_path == NULL)
    return NULL;

  /* link() puts the whole file in place atomically and, unlike rename(),
   * fails if a key file appeared meanwhile (another node sharing the data
   * directory started at the same time): then that one is loaded. */
  if (link (tmp_path, path) != 0)
    {
      saved = errno;
      if (saved == EEXIST)
        {
          g_unlink (tmp_path);
          return load_key_file (path, error);
        }
      /* A file system without hard links: rename(), which would replace a
       * file created since the check above. */
      if (g_rename (tmp_path, path) != 0)
        {
          saved = errno;
          g_unlink (tmp_path);
          g_set_error (error, HORMIGA_IDENTITY_ERROR, HORMIGA_IDENTITY_ERROR_FAILED,
                       "cannot create the key file %s: %s", path, g_strerror (saved));
          return NULL;
        }
      return g_steal_pointer (&self);
    }

  g_unlink (tmp_path);
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

void
hormiga_identity_derive_key (HormigaIdentity *self,
                             const char      *purpose,
                             guint8           key[32])
{
  static const char domain[] = "hormiga/derive/v1";  /* and its NUL */
  crypto_generichash_state state;

  g_return_if_fail (HORMIGA_IS_IDENTITY (self));
  g_return_if_fail (purpose != NULL && key != NULL);

  /* libsodium's Ed25519 secret key starts with the seed. */
  crypto_generichash_init (&state, self->secret_key, SEED_LENGTH, 32);
  crypto_generichash_update (&state, (const guint8 *) domain, sizeof domain);
  crypto_generichash_update (&state, (const guint8 *) purpose, strlen (purpose));
  crypto_generichash_final (&state, key, 32);
  sodium_memzero (&state, sizeof state);
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
