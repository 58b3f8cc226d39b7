/* hormiga-peer-id.c — libp2p PeerIDs of Ed25519 keys
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Bytes: 0x00 (identity multihash) 0x24 (36 bytes follow)
 *        0x08 0x01 (protobuf field 1 KeyType = Ed25519)
 *        0x12 0x20 (protobuf field 2 Data, 32 bytes) + public key.
 * Text: base58btc of those 38 bytes (libp2p's legacy form, "12D3KooW…").
 */
#include <sodium.h>

#include "hormiga-base58.h"
#include "hormiga-identity-error.h"
#include "hormiga-peer-id.h"

#define KEY_OFFSET 6
/* Longest text we look at: far above the 52 characters of a PeerID. */
#define MAX_TEXT 128
/* Multibase prefixes (multiformats/multibase, multibase.csv; R is base45),
 * the first character of a PeerID in CID form. Neither '1' nor 'Q' is one. */
#define MULTIBASE_PREFIXES "079bBcCfFhkKmMpRtTuUvVzZ"
#define MULTIBASE_EMOJI    "\xf0\x9f\x9a\x80"  /* U+1F680, base256emoji */

static const guint8 ed25519_header[KEY_OFFSET] = { 0x00, 0x24, 0x08, 0x01, 0x12, 0x20 };

struct _HormigaPeerId
{
  gatomicrefcount ref_count;
  guint8          bytes[HORMIGA_PEER_ID_LENGTH];
  guint8          dht_key[crypto_hash_sha256_BYTES];
  char           *text;
};

G_DEFINE_BOXED_TYPE (HormigaPeerId, hormiga_peer_id, hormiga_peer_id_ref, hormiga_peer_id_unref)

static HormigaPeerId *
peer_id_new (const guint8 public_key[32])
{
  HormigaPeerId *self = g_new0 (HormigaPeerId, 1);

  g_atomic_ref_count_init (&self->ref_count);
  memcpy (self->bytes, ed25519_header, KEY_OFFSET);
  memcpy (self->bytes + KEY_OFFSET, public_key, 32);
  crypto_hash_sha256 (self->dht_key, self->bytes, sizeof self->bytes);
  /* The text is made when first asked for: most PeerIDs a DHT node decodes
   * are only compared and measured. */
  return self;
}

HormigaPeerId *
hormiga_peer_id_new_from_public_key (const guint8 public_key[32])
{
  g_return_val_if_fail (public_key != NULL, NULL);

  return peer_id_new (public_key);
}

static HormigaPeerId *
new_from_bytes (const guint8  *data,
                gsize          length,
                gboolean       check_point,
                GError       **error)
{
  if (length == 34 && data[0] == 0x12 && data[1] == 0x20)
    {
      /* Keys longer than 42 bytes are hashed: RSA and ECDSA ("Qm…"). */
      g_set_error_literal (error, HORMIGA_IDENTITY_ERROR, HORMIGA_IDENTITY_ERROR_UNSUPPORTED_KEY,
                           "this PeerID is a SHA-256 hash of a key (an RSA or ECDSA PeerID, "
                           "“Qm…”); only Ed25519 PeerIDs (“12D3KooW…”) are supported");
      return NULL;
    }

  if (length >= 4 && data[0] == 0x00 && data[2] == 0x08 && data[3] != 0x01)
    {
      g_set_error (error, HORMIGA_IDENTITY_ERROR, HORMIGA_IDENTITY_ERROR_UNSUPPORTED_KEY,
                   "PeerID of key type %u; only Ed25519 (type 1) is supported", data[3]);
      return NULL;
    }

  if (length != HORMIGA_PEER_ID_LENGTH)
    {
      g_set_error (error, HORMIGA_IDENTITY_ERROR, HORMIGA_IDENTITY_ERROR_INVALID_PEER_ID,
                   "a PeerID is %u bytes, not %" G_GSIZE_FORMAT, HORMIGA_PEER_ID_LENGTH, length);
      return NULL;
    }

  if (memcmp (data, ed25519_header, KEY_OFFSET) != 0)
    {
      g_set_error_literal (error, HORMIGA_IDENTITY_ERROR, HORMIGA_IDENTITY_ERROR_INVALID_PEER_ID,
                           "not an identity multihash of an Ed25519 public key "
                           "(expected it to start with 00 24 08 01 12 20)");
      return NULL;
    }

  if (check_point &&
      (sodium_init () < 0 || !crypto_core_ed25519_is_valid_point (data + KEY_OFFSET)))
    {
      g_set_error_literal (error, HORMIGA_IDENTITY_ERROR, HORMIGA_IDENTITY_ERROR_INVALID_KEY,
                           "the PeerID's public key is not a valid Ed25519 point");
      return NULL;
    }

  return peer_id_new (data + KEY_OFFSET);
}

HormigaPeerId *
hormiga_peer_id_new_from_bytes (const guint8  *data,
                                gsize          length,
                                GError       **error)
{
  g_return_val_if_fail (data != NULL || length == 0, NULL);

  return new_from_bytes (data, length, TRUE, error);
}

HormigaPeerId *
hormiga_peer_id_new_contact_from_bytes (const guint8  *data,
                                        gsize          length,
                                        GError       **error)
{
  g_return_val_if_fail (data != NULL || length == 0, NULL);

  return new_from_bytes (data, length, FALSE, error);
}

/* @text (at most MAX_TEXT bytes) in quotes for an error message, or a
 * placeholder if it is not printable UTF-8 (it comes from the network). */
static const char *
quoted_text (const char *text,
             char        buffer[MAX_TEXT + 16])
{
  if (!g_utf8_validate (text, -1, NULL))
    return "the text";
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    if (!g_unichar_isprint (g_utf8_get_char (p)))
      return "the text";
  g_snprintf (buffer, MAX_TEXT + 16, "“%s”", text);
  return buffer;
}

HormigaPeerId *
hormiga_peer_id_parse (const char  *text,
                       GError     **error)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) local_error = NULL;
  gsize text_length;
  gsize length;
  const guint8 *data;
  char quoted[MAX_TEXT + 16];

  g_return_val_if_fail (text != NULL, NULL);

  text_length = strnlen (text, MAX_TEXT + 1);
  if (text_length == 0)
    {
      g_set_error_literal (error, HORMIGA_IDENTITY_ERROR, HORMIGA_IDENTITY_ERROR_INVALID_PEER_ID,
                           "the PeerID is empty");
      return NULL;
    }
  if (text_length > MAX_TEXT)
    {
      g_set_error (error, HORMIGA_IDENTITY_ERROR, HORMIGA_IDENTITY_ERROR_INVALID_PEER_ID,
                   "the PeerID is longer than %u characters; an Ed25519 PeerID has 52", MAX_TEXT);
      return NULL;
    }

  /* The decoding rule of libp2p/specs peer-ids/peer-ids.md: text starting
   * with '1' or "Qm" is a bare base58btc multihash; text starting with a
   * multibase prefix is a CIDv1 ("bafz…", "k51…", …), which we do not take;
   * anything else is not a PeerID. */
  if (text[0] != '1' && !g_str_has_prefix (text, "Qm"))
    {
      if (strchr (MULTIBASE_PREFIXES, text[0]) != NULL
          || g_str_has_prefix (text, MULTIBASE_EMOJI))
        g_set_error_literal (error, HORMIGA_IDENTITY_ERROR, HORMIGA_IDENTITY_ERROR_INVALID_PEER_ID,
                             "PeerIDs in CID form are not supported; give the base58 form "
                             "(“12D3KooW…”)");
      else
        g_set_error (error, HORMIGA_IDENTITY_ERROR, HORMIGA_IDENTITY_ERROR_INVALID_PEER_ID,
                     "%s is not a PeerID: a PeerID starts with “12D3KooW” (Ed25519) "
                     "or “Qm” (other key types)", quoted_text (text, quoted));
      return NULL;
    }

  bytes = hormiga_base58_decode (text, MAX_TEXT, &local_error);
  if (bytes == NULL)
    {
      g_set_error (error, HORMIGA_IDENTITY_ERROR, HORMIGA_IDENTITY_ERROR_INVALID_PEER_ID,
                   "%s is not a PeerID: %s", quoted_text (text, quoted), local_error->message);
      return NULL;
    }

  data = g_bytes_get_data (bytes, &length);
  return hormiga_peer_id_new_from_bytes (data, length, error);
}

HormigaPeerId *
hormiga_peer_id_ref (HormigaPeerId *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
hormiga_peer_id_unref (HormigaPeerId *self)
{
  g_return_if_fail (self != NULL);

  if (g_atomic_ref_count_dec (&self->ref_count))
    {
      g_free (self->text);
      g_free (self);
    }
}

const char *
hormiga_peer_id_to_string (const HormigaPeerId *self)
{
  char *text;

  g_return_val_if_fail (self != NULL, NULL);

  text = g_atomic_pointer_get (&((HormigaPeerId *) self)->text);
  if (text == NULL)
    {
      /* Several threads may race here; one copy wins, the others go. */
      text = hormiga_base58_encode (self->bytes, sizeof self->bytes);
      if (!g_atomic_pointer_compare_and_exchange (&((HormigaPeerId *) self)->text, NULL, text))
        {
          g_free (text);
          text = g_atomic_pointer_get (&((HormigaPeerId *) self)->text);
        }
    }
  return text;
}

const guint8 *
hormiga_peer_id_get_bytes (const HormigaPeerId *self,
                           gsize               *length)
{
  g_return_val_if_fail (self != NULL, NULL);

  if (length != NULL)
    *length = sizeof self->bytes;
  return self->bytes;
}

const guint8 *
hormiga_peer_id_get_public_key (const HormigaPeerId *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->bytes + KEY_OFFSET;
}

const guint8 *
hormiga_peer_id_get_dht_key (const HormigaPeerId *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->dht_key;
}

gboolean
hormiga_peer_id_equal (const HormigaPeerId *a,
                       const HormigaPeerId *b)
{
  g_return_val_if_fail (a != NULL && b != NULL, FALSE);

  return memcmp (a->bytes, b->bytes, sizeof a->bytes) == 0;
}

guint
hormiga_peer_id_hash (const HormigaPeerId *self)
{
  guint hash;

  g_return_val_if_fail (self != NULL, 0);

  /* The DHT key is a uniform hash already. */
  memcpy (&hash, self->dht_key, sizeof hash);
  return hash;
}
