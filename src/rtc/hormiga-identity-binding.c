/* hormiga-identity-binding.c — proof that an identity ran a DTLS session
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <msgpack.h>

#include "hormiga-msgpack.h"
#include "hormiga-identity-binding.h"
#include "hormiga-rtc-error.h"
#include "hormiga-wire-limits.h"

#define DOMAIN "hormiga/bind/v1"

void
hormiga_identity_binding_transcript (gboolean     signer_is_client,
                                     const guint8 client_fingerprint[32],
                                     const guint8 server_fingerprint[32],
                                     guint8       transcript[HORMIGA_IDENTITY_BINDING_TRANSCRIPT_SIZE])
{
  G_STATIC_ASSERT (sizeof DOMAIN - 1 + 1 + 32 + 32 == HORMIGA_IDENTITY_BINDING_TRANSCRIPT_SIZE);

  memcpy (transcript, DOMAIN, sizeof DOMAIN - 1);
  transcript[sizeof DOMAIN - 1] = signer_is_client ? 'c' : 's';
  memcpy (transcript + sizeof DOMAIN, client_fingerprint, 32);
  memcpy (transcript + sizeof DOMAIN + 32, server_fingerprint, 32);
}

GBytes *
hormiga_identity_binding_encode (HormigaIdentity *identity,
                                 gboolean         we_are_client,
                                 const guint8     client_fingerprint[32],
                                 const guint8     server_fingerprint[32])
{
  guint8 transcript[HORMIGA_IDENTITY_BINDING_TRANSCRIPT_SIZE];
  guint8 signature[64];
  GByteArray *buffer = g_byte_array_sized_new (128);
  msgpack_packer packer;

  g_return_val_if_fail (HORMIGA_IS_IDENTITY (identity), NULL);

  hormiga_identity_binding_transcript (we_are_client, client_fingerprint, server_fingerprint,
                                       transcript);
  hormiga_identity_sign (identity, transcript, sizeof transcript, signature);

  msgpack_packer_init (&packer, buffer, hormiga_msgpack_append);
  msgpack_pack_map (&packer, 4);
  hormiga_msgpack_pack_str (&packer, "v");
  msgpack_pack_uint64 (&packer, 1);
  hormiga_msgpack_pack_str (&packer, "t");
  hormiga_msgpack_pack_str (&packer, "bind");
  hormiga_msgpack_pack_str (&packer, "key");
  msgpack_pack_bin (&packer, 32);
  msgpack_pack_bin_body (&packer, hormiga_identity_get_public_key (identity), 32);
  hormiga_msgpack_pack_str (&packer, "sig");
  msgpack_pack_bin (&packer, 64);
  msgpack_pack_bin_body (&packer, signature, 64);
  return g_byte_array_free_to_bytes (buffer);
}

static HormigaPeerId *
check (const msgpack_object *map,
       gboolean              peer_is_client,
       const guint8          client_fingerprint[32],
       const guint8          server_fingerprint[32],
       const HormigaPeerId  *expected,
       GError              **error)
{
  const msgpack_object_bin *key = NULL;
  const msgpack_object_bin *sig = NULL;
  gboolean version = FALSE, type = FALSE;
  guint8 transcript[HORMIGA_IDENTITY_BINDING_TRANSCRIPT_SIZE];
  g_autoptr(HormigaPeerId) presented = NULL;

  if (map->type != MSGPACK_OBJECT_MAP || map->via.map.size != 4)
    {
      g_set_error_literal (error, HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_IDENTITY,
                           "identity binding: the proof is not a map of v, t, key and sig");
      return NULL;
    }
  for (guint32 i = 0; i < map->via.map.size; i++)
    {
      const msgpack_object *k = &map->via.map.ptr[i].key;
      const msgpack_object *v = &map->via.map.ptr[i].val;

      if (hormiga_msgpack_key_is (k, "v"))
        version = v->type == MSGPACK_OBJECT_POSITIVE_INTEGER && v->via.u64 == 1;
      else if (hormiga_msgpack_key_is (k, "t"))
        type = v->type == MSGPACK_OBJECT_STR && v->via.str.size == 4 &&
               memcmp (v->via.str.ptr, "bind", 4) == 0;
      else if (hormiga_msgpack_key_is (k, "key") && v->type == MSGPACK_OBJECT_BIN && v->via.bin.size == 32)
        key = &v->via.bin;
      else if (hormiga_msgpack_key_is (k, "sig") && v->type == MSGPACK_OBJECT_BIN && v->via.bin.size == 64)
        sig = &v->via.bin;
    }
  if (!version || !type)
    {
      g_set_error_literal (error, HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_IDENTITY,
                           "identity binding: the proof needs \"v\": 1 and \"t\": \"bind\"");
      return NULL;
    }
  if (key == NULL || sig == NULL)
    {
      g_set_error_literal (error, HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_IDENTITY,
                           "identity binding: the proof needs a 32-byte \"key\" and a 64-byte "
                           "\"sig\"");
      return NULL;
    }

  presented = hormiga_peer_id_new_from_public_key ((const guint8 *) key->ptr);
  if (expected != NULL && !hormiga_peer_id_equal (presented, expected))
    {
      g_set_error (error, HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_IDENTITY,
                   "identity binding: the peer is %s, but this connection was made for %s",
                   hormiga_peer_id_to_string (presented), hormiga_peer_id_to_string (expected));
      return NULL;
    }

  hormiga_identity_binding_transcript (peer_is_client, client_fingerprint, server_fingerprint,
                                       transcript);
  if (!hormiga_identity_verify ((const guint8 *) key->ptr, transcript, sizeof transcript,
                                (const guint8 *) sig->ptr))
    {
      g_set_error (error, HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_IDENTITY,
                   "identity binding: the signature of %s does not cover the DTLS fingerprints "
                   "this side saw: a man in the middle, or a peer that signed the wrong "
                   "certificates", hormiga_peer_id_to_string (presented));
      return NULL;
    }
  return g_steal_pointer (&presented);
}

HormigaPeerId *
hormiga_identity_binding_verify (const guint8         *data,
                                 gsize                 length,
                                 gboolean              peer_is_client,
                                 const guint8          client_fingerprint[32],
                                 const guint8          server_fingerprint[32],
                                 const HormigaPeerId  *expected,
                                 GError              **error)
{
  HormigaWireLimits limits = *hormiga_wire_limits_default ();
  g_autoptr(GError) local_error = NULL;
  msgpack_unpacked unpacked;
  HormigaPeerId *peer;
  size_t offset = 0;

  g_return_val_if_fail (data != NULL || length == 0, NULL);

  limits.max_frame_size = HORMIGA_IDENTITY_BINDING_MAX_SIZE;
  limits.max_depth = 1;
  limits.max_map_length = 4;
  limits.max_string_length = 16;
  limits.max_binary_length = 64;
  if (!hormiga_wire_check (data, length, &limits, &local_error))
    {
      g_set_error (error, HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_IDENTITY,
                   "identity binding: the proof is malformed: %s", local_error->message);
      return NULL;
    }

  msgpack_unpacked_init (&unpacked);
  if (msgpack_unpack_next (&unpacked, (const char *) data, length, &offset) !=
        MSGPACK_UNPACK_SUCCESS || offset != length)
    {
      msgpack_unpacked_destroy (&unpacked);
      g_set_error_literal (error, HORMIGA_RTC_ERROR, HORMIGA_RTC_ERROR_IDENTITY,
                           "identity binding: the proof is not one MessagePack map");
      return NULL;
    }
  peer = check (&unpacked.data, peer_is_client, client_fingerprint, server_fingerprint, expected,
                error);
  msgpack_unpacked_destroy (&unpacked);
  return peer;
}
