// identity.js — this browser node's Ed25519 identity and PeerIDs
//
// SPDX-License-Identifier: GPL-3.0-or-later
//
// A PeerID is the libp2p one (docs/PROTOCOL.md, "Identity"): the identity
// multihash of the protobuf PublicKey {Type: Ed25519, Data: key}, 38 bytes,
// written in base58btc. The key pair is made by WebCrypto with a private
// key that cannot be exported, and kept in IndexedDB (a CryptoKey is
// stored as it is, not its bytes), so the page has the same PeerID on every
// visit from the same browser profile.

import { concatBytes, sha256, bytesEqual } from './bytes.js';

const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const PEER_ID_PREFIX = Uint8Array.of(0x00, 0x24, 0x08, 0x01, 0x12, 0x20);
export const PEER_ID_LENGTH = 38;
const PEER_ID_MAX_TEXT = 128;

export function base58btc(bytes) {
  const digits = [];   /* little-endian base-58 digits */
  for (const byte of bytes) {
    let carry = byte;
    for (let i = 0; i < digits.length; i++) {
      carry += digits[i] * 256;
      digits[i] = carry % 58;
      carry = Math.floor(carry / 58);
    }
    while (carry > 0) {
      digits.push(carry % 58);
      carry = Math.floor(carry / 58);
    }
  }
  let text = '';
  for (const byte of bytes) {
    if (byte !== 0)
      break;
    text += '1';
  }
  for (let i = digits.length - 1; i >= 0; i--)
    text += BASE58[digits[i]];
  return text;
}

/* null unless @text is base58btc. */
export function base58btcDecode(text) {
  const bytes = [];   /* little-endian */
  for (const char of text) {
    let carry = BASE58.indexOf(char);
    if (carry < 0)
      return null;
    for (let i = 0; i < bytes.length; i++) {
      carry += bytes[i] * 58;
      bytes[i] = carry & 0xff;
      carry >>= 8;
    }
    while (carry > 0) {
      bytes.push(carry & 0xff);
      carry >>= 8;
    }
  }
  for (const char of text) {
    if (char !== '1')
      break;
    bytes.push(0);
  }
  return Uint8Array.from(bytes.reverse());
}

/* The 38 bytes of the PeerID of an Ed25519 public key. */
export function peerIdBytesFromKey(key) {
  if (!(key instanceof Uint8Array) || key.length !== 32)
    throw new TypeError('an Ed25519 public key has 32 bytes');
  return concatBytes(PEER_ID_PREFIX, key);
}

export function peerIdFromKey(key) {
  return base58btc(peerIdBytesFromKey(key));
}

export function isPeerIdBytes(bytes) {
  return bytes instanceof Uint8Array && bytes.length === PEER_ID_LENGTH &&
    bytesEqual(bytes.subarray(0, PEER_ID_PREFIX.length), PEER_ID_PREFIX);
}

/* PeerID text → its 38 bytes; null for anything but an Ed25519 PeerID. */
export function peerIdBytes(text) {
  if (typeof text !== 'string' || text.length === 0 || text.length > PEER_ID_MAX_TEXT)
    return null;
  const bytes = base58btcDecode(text);
  return bytes !== null && isPeerIdBytes(bytes) ? bytes : null;
}

/* 38 PeerID bytes → text; null if they are not an Ed25519 PeerID. */
export function peerIdText(bytes) {
  return isPeerIdBytes(bytes) ? base58btc(bytes) : null;
}

/* A node's DHT key: SHA-256 of its PeerID bytes. */
export function dhtKeyOfPeer(bytes) {
  return sha256(bytes);
}

export async function verifyEd25519(publicKey, signature, data) {
  const key = await crypto.subtle.importKey('raw', publicKey, { name: 'Ed25519' }, false,
                                            ['verify']);
  return crypto.subtle.verify({ name: 'Ed25519' }, key, signature, data);
}

/* ---- IndexedDB ------------------------------------------------------------ */

const DATABASE = 'hormiga';
const STORE = 'identity';
const KEY = 'ed25519';

function request(operation) {
  return new Promise((resolve, reject) => {
    operation.onsuccess = () => resolve(operation.result);
    operation.onerror = () => reject(operation.error);
  });
}

function openDatabase() {
  const opening = indexedDB.open(DATABASE, 1);
  opening.onupgradeneeded = () => opening.result.createObjectStore(STORE);
  return request(opening);
}

export class Identity {
  /* A new key pair, kept nowhere: for tests that want a fresh PeerID. */
  static async generate() {
    const pair = await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify']);
    return Identity.fromPair(pair);
  }

  /* The key pair kept in this browser profile, made on first use. Falls
   * back to a key for this visit only when IndexedDB is unavailable (a
   * private window may refuse it), and says so through @log. */
  static async load(log = () => {}) {
    let database;
    try {
      database = await openDatabase();
    } catch (error) {
      log(`IndexedDB is unavailable (${error?.message ?? error}): this visit has a new PeerID`);
      return Identity.generate();
    }
    try {
      const read = database.transaction(STORE, 'readonly').objectStore(STORE).get(KEY);
      const stored = await request(read);
      if (stored?.privateKey instanceof CryptoKey && stored?.publicKey instanceof CryptoKey)
        return Identity.fromPair(stored);
      const pair = await crypto.subtle.generateKey({ name: 'Ed25519' }, false,
                                                   ['sign', 'verify']);
      const write = database.transaction(STORE, 'readwrite').objectStore(STORE).put(
        { privateKey: pair.privateKey, publicKey: pair.publicKey }, KEY);
      await request(write);
      return Identity.fromPair(pair);
    } finally {
      database.close();
    }
  }

  static async fromPair(pair) {
    const key = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey));
    return new Identity(pair.privateKey, key);
  }

  constructor(privateKey, publicKey) {
    this.privateKey = privateKey;
    this.publicKey = publicKey;
    this.peerIdBytes = peerIdBytesFromKey(publicKey);
    this.peerId = base58btc(this.peerIdBytes);
  }

  async sign(data) {
    return new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, this.privateKey, data));
  }
}
