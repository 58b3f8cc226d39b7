// dht-record.js — provider records: decode and verify
//
// SPDX-License-Identifier: GPL-3.0-or-later
//
// docs/PROTOCOL.md, "DHT records". A browser node reads only provider
// records (who has a content ID), and checks each as a holder would: the
// size and structure limits, exactly the fields of the kind in order, the
// canonical encoding, the expiry, and the owner's Ed25519 signature over
// "hormiga/record/v1" 00 and the record without its `sig`.

import { bytesEqual, concatBytes, utf8 } from './bytes.js';
import { peerIdFromKey, verifyEd25519 } from './identity.js';
import { WireError, decodeLimited, encode, expectMap, isBin, isUint } from './wire.js';

const RECORD_MAX_SIZE = 20480;
const RECORD_MAX_TTL_S = 172800;
const SIGNED_PREFIX = concatBytes(utf8.encode('hormiga/record/v1'), Uint8Array.of(0));
const SIG_HEADER = Uint8Array.of(0xa3, 0x73, 0x69, 0x67, 0xc4, 0x40);
const PROVIDER_FIELDS = ['v', 'kind', 'key', 'owner', 'seq', 'expires', 'sig'];
const LIMITS = {
  what: 'DHT record',
  maxSize: RECORD_MAX_SIZE,
  maxStr: RECORD_MAX_SIZE,
  maxBin: RECORD_MAX_SIZE,
  maxArray: 64,
  maxMap: 20,
};

function refuse(text) {
  throw new WireError(`DHT record: ${text}`);
}

/* { key, owner, peerId, seq, expires } of a provider record that checks out
 * for @key at @nowSeconds, or a WireError saying which rule it broke. */
export async function verifyProviderRecord(bytes, key, nowSeconds) {
  const record = expectMap(decodeLimited(bytes, LIMITS), 'DHT record');
  const fields = Object.keys(record);
  if (record.v !== 1)
    refuse(`version ${record.v}; this node reads 1`);
  if (record.kind !== 'provider')
    refuse(`kind ${String(record.kind).slice(0, 32)} where a provider was expected`);
  if (fields.join(',') !== PROVIDER_FIELDS.join(','))
    refuse(`a provider record has exactly ${PROVIDER_FIELDS.join(', ')}, in that order; ` +
           `got ${fields.join(', ')}`);
  if (!isBin(record.key, 32, 32) || !isBin(record.owner, 32, 32) || !isBin(record.sig, 64, 64) ||
      !isUint(record.seq) || !isUint(record.expires, 0xffffffffffff))
    refuse('a field has the wrong type or size');
  if (!bytesEqual(encode(record), bytes))
    refuse('not in canonical form');
  if (record.expires <= nowSeconds || record.expires > nowSeconds + RECORD_MAX_TTL_S)
    refuse(`expires at ${record.expires}, outside (now, now + 48 h]`);
  if (!bytesEqual(record.key, key))
    refuse('stored under another key than the one looked up');
  const length = bytes.length;
  if (!bytesEqual(bytes.subarray(length - 70, length - 64), SIG_HEADER))
    refuse('"sig" is not its last entry');
  const signed = concatBytes(SIGNED_PREFIX, Uint8Array.of(bytes[0] - 1),
                             bytes.subarray(1, length - 70));
  if (!await verifyEd25519(record.owner, record.sig, signed))
    refuse('the signature does not verify');
  return {
    key: record.key,
    owner: record.owner,
    peerId: peerIdFromKey(record.owner),
    seq: record.seq,
    expires: record.expires,
  };
}

/* The encoded provider record saying that @identity provides @key. */
export async function signProviderRecord(identity, key, seq, expires) {
  const unsigned = { v: 1, kind: 'provider', key, owner: identity.publicKey, seq, expires };
  const body = encode(unsigned);
  const sig = await identity.sign(concatBytes(SIGNED_PREFIX, body));
  const bytes = encode({ ...unsigned, sig });
  if (bytes.length > RECORD_MAX_SIZE)
    throw new WireError(`a provider record of ${bytes.length} bytes`);
  return bytes;
}
