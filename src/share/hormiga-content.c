/* hormiga-content.c — content addressing: chunk hashes, Merkle root, IDs
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <sodium.h>
#include <string.h>

#include "hormiga-content.h"
#include "hormiga-share-codec-private.h"
#include "hormiga-share-error.h"

#define FILE_ID_PREFIX "hormiga/file/v1"

G_STATIC_ASSERT (crypto_generichash_BYTES == HORMIGA_CONTENT_HASH_SIZE);

gboolean
hormiga_content_id_equal (gconstpointer a,
                          gconstpointer b)
{
  const HormigaContentId *id_a = a;
  const HormigaContentId *id_b = b;

  return memcmp (id_a->bytes, id_b->bytes, HORMIGA_CONTENT_HASH_SIZE) == 0;
}

guint
hormiga_content_id_hash (gconstpointer id)
{
  const HormigaContentId *cid = id;
  guint hash;

  /* The bytes are a cryptographic hash already. */
  memcpy (&hash, cid->bytes, sizeof hash);
  return hash;
}

HormigaContentId *
hormiga_content_id_dup (const HormigaContentId *id)
{
  g_return_val_if_fail (id != NULL, NULL);

  return g_memdup2 (id, sizeof *id);
}

char *
hormiga_content_id_to_string (const HormigaContentId *id)
{
  static const char digits[] = "0123456789abcdef";
  char *text;

  g_return_val_if_fail (id != NULL, NULL);

  text = g_malloc (HORMIGA_CONTENT_HASH_SIZE * 2 + 1);
  for (guint i = 0; i < HORMIGA_CONTENT_HASH_SIZE; i++)
    {
      text[2 * i] = digits[id->bytes[i] >> 4];
      text[2 * i + 1] = digits[id->bytes[i] & 0xf];
    }
  text[HORMIGA_CONTENT_HASH_SIZE * 2] = '\0';
  return text;
}

gboolean
hormiga_content_id_parse (const char        *text,
                          HormigaContentId  *out,
                          GError           **error)
{
  HormigaContentId id;
  gsize length;

  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  length = strlen (text);
  for (gsize i = 0; i < length; i++)
    if (!g_ascii_isxdigit (text[i]))
      {
        g_set_error (error, HORMIGA_SHARE_ERROR, HORMIGA_SHARE_ERROR_MALFORMED,
                     "the content ID must be 64 hexadecimal digits (0-9, a-f); character %"
                     G_GSIZE_FORMAT " is not one", i + 1);
        return FALSE;
      }
  if (length != HORMIGA_CONTENT_HASH_SIZE * 2)
    {
      g_set_error (error, HORMIGA_SHARE_ERROR, HORMIGA_SHARE_ERROR_MALFORMED,
                   "the content ID must be 64 hexadecimal digits; got %" G_GSIZE_FORMAT,
                   length);
      return FALSE;
    }
  for (guint i = 0; i < HORMIGA_CONTENT_HASH_SIZE; i++)
    id.bytes[i] = (guint8) ((g_ascii_xdigit_value (text[2 * i]) << 4) |
                            g_ascii_xdigit_value (text[2 * i + 1]));
  *out = id;
  return TRUE;
}

guint64
hormiga_content_n_chunks (guint64 size,
                          guint32 chunk_size)
{
  g_return_val_if_fail (chunk_size > 0, 0);

  return size / chunk_size + (size % chunk_size != 0 ? 1 : 0);
}

guint32
hormiga_content_chunk_length (guint64 size,
                              guint32 chunk_size,
                              guint64 index)
{
  guint64 n = hormiga_content_n_chunks (size, chunk_size);

  if (index >= n)
    return 0;
  if (index + 1 < n)
    return chunk_size;
  return (guint32) (size - index * chunk_size);
}

void
hormiga_content_hash_chunk (const guint8 *data,
                            gsize         length,
                            guint8       *out)
{
  g_return_if_fail (data != NULL || length == 0);
  g_return_if_fail (out != NULL);

  _hormiga_share_init_sodium ();
  crypto_generichash (out, HORMIGA_CONTENT_HASH_SIZE, data, length, NULL, 0);
}

static void
hash_pair (const guint8 *left,
           const guint8 *right,
           guint8       *out)
{
  static const guint8 tag = 0x01;
  crypto_generichash_state state;

  crypto_generichash_init (&state, NULL, 0, HORMIGA_CONTENT_HASH_SIZE);
  crypto_generichash_update (&state, &tag, 1);
  crypto_generichash_update (&state, left, HORMIGA_CONTENT_HASH_SIZE);
  crypto_generichash_update (&state, right, HORMIGA_CONTENT_HASH_SIZE);
  crypto_generichash_final (&state, out, HORMIGA_CONTENT_HASH_SIZE);
}

void
hormiga_content_merkle_root (const guint8 *hashes,
                             guint         n_chunks,
                             guint8       *out)
{
  g_autofree guint8 *level = NULL;
  guint n;

  g_return_if_fail (hashes != NULL || n_chunks == 0);
  g_return_if_fail (out != NULL);

  _hormiga_share_init_sodium ();
  if (n_chunks == 0)
    {
      memset (out, 0, HORMIGA_CONTENT_HASH_SIZE);
      return;
    }
  if (n_chunks == 1)
    {
      memcpy (out, hashes, HORMIGA_CONTENT_HASH_SIZE);
      return;
    }

  /* The first level is built from @hashes, the later ones in place. */
  level = g_malloc ((gsize) (n_chunks / 2 + 1) * HORMIGA_CONTENT_HASH_SIZE);
  n = n_chunks;
  for (const guint8 *from = hashes; n > 1; from = level)
    {
      guint parents = 0;

      for (guint i = 0; i + 1 < n; i += 2)
        hash_pair (from + (gsize) i * HORMIGA_CONTENT_HASH_SIZE,
                   from + (gsize) (i + 1) * HORMIGA_CONTENT_HASH_SIZE,
                   level + (gsize) parents++ * HORMIGA_CONTENT_HASH_SIZE);
      if (n % 2 == 1)
        memmove (level + (gsize) parents++ * HORMIGA_CONTENT_HASH_SIZE,
                 from + (gsize) (n - 1) * HORMIGA_CONTENT_HASH_SIZE, HORMIGA_CONTENT_HASH_SIZE);
      n = parents;
    }
  memcpy (out, level, HORMIGA_CONTENT_HASH_SIZE);
}

gboolean
hormiga_content_file_id (const guint8     *hashes,
                         guint             n_chunks,
                         guint64           size,
                         guint32           chunk_size,
                         HormigaContentId *out)
{
  crypto_generichash_state state;
  guint8 root[HORMIGA_CONTENT_HASH_SIZE];
  guint8 size_le[8];
  guint8 chunk_le[4];

  g_return_val_if_fail (hashes != NULL || n_chunks == 0, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (chunk_size >= HORMIGA_CONTENT_MIN_CHUNK_SIZE &&
                        chunk_size <= HORMIGA_CONTENT_MAX_CHUNK_SIZE, FALSE);
  g_return_val_if_fail (n_chunks == hormiga_content_n_chunks (size, chunk_size), FALSE);

  for (guint i = 0; i < 8; i++)
    size_le[i] = (guint8) (size >> (8 * i));
  for (guint i = 0; i < 4; i++)
    chunk_le[i] = (guint8) (chunk_size >> (8 * i));
  hormiga_content_merkle_root (hashes, n_chunks, root);

  crypto_generichash_init (&state, NULL, 0, HORMIGA_CONTENT_HASH_SIZE);
  crypto_generichash_update (&state, (const guint8 *) FILE_ID_PREFIX, strlen (FILE_ID_PREFIX));
  crypto_generichash_update (&state, size_le, sizeof size_le);
  crypto_generichash_update (&state, chunk_le, sizeof chunk_le);
  crypto_generichash_update (&state, root, sizeof root);
  crypto_generichash_final (&state, out->bytes, HORMIGA_CONTENT_HASH_SIZE);
  return TRUE;
}
