/* hormiga-dht-record.h — what the DHT stores: signed and content-addressed records
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Four kinds, each stored under a key that follows from its content, so a
 * holder can check a record without trusting whoever sent it:
 *   peer       a node's reachable addresses; key = the owner's DHT key
 *              (SHA-256 of its PeerID bytes); signed by the owner; newer
 *              seq wins
 *   mutable    a named value; key = SHA-256("hormiga/mutable/v1" ‖ owner
 *              public key ‖ name); signed; newer seq wins
 *   immutable  a value; key = SHA-256(value); not signed
 *   provider   "the owner serves this content"; key = the content's key;
 *              signed; one per (key, owner), newer seq wins
 * Each carries an expiry (unix seconds, at most 48 h ahead). The encoding
 * and the signed bytes are in docs/PROTOCOL.md, "DHT records".
 */
#pragma once

#include <glib.h>

#include "hormiga-dht-key.h"
#include "hormiga-identity.h"
#include "hormiga-peer-id.h"

G_BEGIN_DECLS

#define HORMIGA_DHT_RECORD_MAX_VALUE    (16 * 1024)
#define HORMIGA_DHT_RECORD_MAX_NAME     256
#define HORMIGA_DHT_RECORD_MAX_TTL_S    (48 * 3600)
#define HORMIGA_DHT_RECORD_MAX_ADDRESSES 16
#define HORMIGA_DHT_RECORD_MAX_ADDRESS  256

typedef enum {
  HORMIGA_DHT_RECORD_PEER,
  HORMIGA_DHT_RECORD_MUTABLE,
  HORMIGA_DHT_RECORD_IMMUTABLE,
  HORMIGA_DHT_RECORD_PROVIDER,
} HormigaDhtRecordKind;

/**
 * HormigaDhtRecord:
 * @kind: which of the four
 * @key: where it is stored
 * @owner: the signer's Ed25519 public key (zero for immutable)
 * @name: mutable: its name (UTF-8, 1–256 bytes); NULL otherwise
 * @seq: peer, mutable, provider: the owner's sequence number; 0 for immutable
 * @expires: unix seconds
 * @value: peer: empty (see @addresses); mutable, immutable: the value
 *   (≤ 16 KiB); provider: empty
 * @addresses: peer: NULL-terminated reachable addresses (≤ 16, each ≤ 256
 *   bytes; opaque strings to the DHT); NULL otherwise
 * @encoded: the exact bytes that travel (and were signed)
 *
 * Immutable once made; reference counted (a GBoxed).
 */
typedef struct
{
  HormigaDhtRecordKind kind;
  HormigaDhtKey        key;
  guint8               owner[32];
  char                *name;
  guint64              seq;
  guint64              expires;
  GBytes              *value;
  char               **addresses;
  GBytes              *encoded;
} HormigaDhtRecord;

GType             hormiga_dht_record_get_type (void);
HormigaDhtRecord *hormiga_dht_record_ref      (HormigaDhtRecord *record);
void              hormiga_dht_record_unref    (HormigaDhtRecord *record);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HormigaDhtRecord, hormiga_dht_record_unref)

HormigaDhtRecord *hormiga_dht_record_new_peer      (HormigaIdentity      *identity,
                                                    guint64               seq,
                                                    guint64               expires,
                                                    const char * const   *addresses);
HormigaDhtRecord *hormiga_dht_record_new_mutable   (HormigaIdentity      *identity,
                                                    const char           *name,
                                                    guint64               seq,
                                                    guint64               expires,
                                                    GBytes               *value);
HormigaDhtRecord *hormiga_dht_record_new_immutable (GBytes               *value,
                                                    guint64               expires);
HormigaDhtRecord *hormiga_dht_record_new_provider  (HormigaIdentity      *identity,
                                                    const HormigaDhtKey  *content,
                                                    guint64               seq,
                                                    guint64               expires);

/* Decodes and checks everything a holder can check: limits, the key
 * derivation, the signature, and that it has not expired at @now nor
 * expires more than 48 h after it. NULL with HORMIGA_DHT_ERROR
 * (MALFORMED, UNKNOWN_TYPE, TOO_LARGE, BAD_SIGNATURE, WRONG_KEY, EXPIRED). */
HormigaDhtRecord *hormiga_dht_record_decode        (GBytes               *encoded,
                                                    guint64               now,
                                                    GError              **error);

/* Where the mutable record @name of @owner (an Ed25519 public key) is
 * stored: SHA-256("hormiga/mutable/v1" ‖ owner ‖ name). */
void              hormiga_dht_record_mutable_key   (const guint8            owner[32],
                                                    const char             *name,
                                                    HormigaDhtKey          *key);

/* The owner as a PeerID (NULL for immutable records); transfer full. */
HormigaPeerId    *hormiga_dht_record_dup_owner     (const HormigaDhtRecord *record);

/* TRUE when @record replaces @held: same kind, key and owner, higher seq. */
gboolean          hormiga_dht_record_supersedes    (const HormigaDhtRecord *record,
                                                    const HormigaDhtRecord *held);

G_END_DECLS
