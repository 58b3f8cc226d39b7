// content.js — content IDs, manifests and hormiga: links
//
// SPDX-License-Identifier: GPL-3.0-or-later
//
// docs/PROTOCOL.md, "File sharing". Every hash is unkeyed BLAKE2b-256.
// A file's content ID follows from its size, chunk size and the Merkle root
// of its chunk hashes, so a manifest that matches the link's content ID
// names every chunk's hash, and a chunk that hashes to its entry is the
// one the sharer published.

import { blake2b } from '@noble/hashes/blake2.js';

import { bytesEqual, concatBytes, fromHex, hex, utf8 } from './bytes.js';
import { WireError, decodeLimited, encode, expectMap, isBin, isText, isUint } from './wire.js';

export const HASH_LENGTH = 32;
export const MIN_CHUNK_SIZE = 16384;
export const MAX_CHUNK_SIZE = 261120;
export const MANIFEST_MAX_SIZE = 16777216;
export const LINK_MAX_LENGTH = 4096;

const FILE_PREFIX = utf8.encode('hormiga/file/v1');
const MANIFEST_LIMITS = {
  what: 'manifest',
  maxSize: MANIFEST_MAX_SIZE,
  maxStr: 8192,
  maxBin: MANIFEST_MAX_SIZE,
  maxArray: 100001,
  maxMap: 16,
};

export function hash(bytes) {
  return blake2b(bytes, { dkLen: HASH_LENGTH });
}

export function merkleRoot(hashes) {
  if (hashes.length === 0)
    return new Uint8Array(HASH_LENGTH);
  let level = hashes;
  while (level.length > 1) {
    const next = [];
    for (let i = 0; i + 1 < level.length; i += 2)
      next.push(hash(concatBytes(Uint8Array.of(0x01), level[i], level[i + 1])));
    if (level.length % 2 === 1)
      next.push(level[level.length - 1]);
    level = next;
  }
  return level[0];
}

export function fileContentId(size, chunk, root) {
  const fields = new Uint8Array(12);
  const view = new DataView(fields.buffer);
  view.setBigUint64(0, BigInt(size), true);
  view.setUint32(8, chunk, true);
  return hash(concatBytes(FILE_PREFIX, fields, root));
}

export function chunkCount(size, chunk) {
  return Math.ceil(size / chunk);
}

/* The hashes field of a manifest, one 32-byte hash per chunk. */
export function splitHashes(bytes) {
  const hashes = [];
  for (let at = 0; at < bytes.length; at += HASH_LENGTH)
    hashes.push(bytes.subarray(at, at + HASH_LENGTH));
  return hashes;
}

/* A file manifest that matches @cid: { name, size, chunk, hashes, mime }.
 * Folders are refused: this node downloads single files. */
export function decodeManifest(bytes, cid) {
  const manifest = expectMap(decodeLimited(bytes, MANIFEST_LIMITS), 'manifest');
  const fields = Object.keys(manifest);
  if (fields[0] !== 'v' || fields[1] !== 'kind')
    throw new WireError('manifest: its first two entries must be "v" and "kind"');
  if (manifest.v !== 1)
    throw new WireError(`manifest of version ${manifest.v}; this node reads 1`);
  if (manifest.kind === 'folder')
    throw new WireError('the link names a folder; the browser node downloads single files');
  if (manifest.kind !== 'file')
    throw new WireError(`manifest of unknown kind "${String(manifest.kind).slice(0, 32)}"`);
  const expected = ['v', 'kind', 'name', 'size', 'chunk', 'hashes'];
  if (manifest.mime !== undefined)
    expected.push('mime');
  if (fields.join(',') !== expected.join(','))
    throw new WireError(`manifest: a file manifest has ${expected.join(', ')}, in that order; ` +
                        `got ${fields.join(', ')}`);
  if (!isText(manifest.name, 1, 255))
    throw new WireError('manifest: "name" must be 1 to 255 bytes of UTF-8 without NUL');
  if (!isUint(manifest.size))
    throw new WireError('manifest: "size" is not a uint this browser can count');
  if (!isUint(manifest.chunk, MAX_CHUNK_SIZE) || manifest.chunk < MIN_CHUNK_SIZE)
    throw new WireError(`manifest: "chunk" must be ${MIN_CHUNK_SIZE} to ${MAX_CHUNK_SIZE}`);
  const count = chunkCount(manifest.size, manifest.chunk);
  if (!isBin(manifest.hashes, count * HASH_LENGTH, count * HASH_LENGTH))
    throw new WireError(`manifest: "hashes" must be ${count} hashes of 32 bytes for ` +
                        `${manifest.size} bytes in chunks of ${manifest.chunk}`);
  if (manifest.mime !== undefined && !isText(manifest.mime, 1, 127))
    throw new WireError('manifest: "mime" must be 1 to 127 bytes without NUL');
  if (!bytesEqual(encode(manifest), bytes))
    throw new WireError('manifest: not in canonical form');
  const hashes = splitHashes(manifest.hashes);
  const id = fileContentId(manifest.size, manifest.chunk, merkleRoot(hashes));
  if (!bytesEqual(id, cid))
    throw new WireError("the manifest does not match the link's content ID");
  return {
    name: manifest.name,
    size: manifest.size,
    chunk: manifest.chunk,
    hashes,
    mime: manifest.mime ?? null,
  };
}

export class LinkError extends Error {
  constructor(message) {
    super(message);
    this.name = 'LinkError';
  }
}

function percentDecode(text) {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    throw new LinkError('the link\'s "dn" is not valid percent-encoded UTF-8');
  }
}

/* hormiga:<64 hex>?dn=NAME&xl=SIZE&kind=file|folder → { cid, cidHex, name,
 * size, kind }; the optional parts are null when absent. */
export function parseLink(text) {
  if (typeof text !== 'string')
    throw new LinkError('not a hormiga: link');
  const link = text.trim();
  if (link.length > LINK_MAX_LENGTH)
    throw new LinkError(`the link has ${link.length} characters; at most ${LINK_MAX_LENGTH}`);
  if (!/^hormiga:/i.test(link))
    throw new LinkError('not a hormiga: link');
  const [body] = link.slice('hormiga:'.length).split('#', 1);
  const question = body.indexOf('?');
  const idText = question < 0 ? body : body.slice(0, question);
  const query = question < 0 ? '' : body.slice(question + 1);
  const cid = idText.length === 64 ? fromHex(idText) : null;
  if (cid === null)
    throw new LinkError('the content ID must be 64 hexadecimal digits');
  const result = { cid, cidHex: hex(cid), name: null, size: null, kind: null };
  const seen = new Set();
  for (const part of query.split('&')) {
    if (part === '')
      continue;
    const equals = part.indexOf('=');
    const key = equals < 0 ? part : part.slice(0, equals);
    const value = equals < 0 ? '' : part.slice(equals + 1);
    if (!['dn', 'xl', 'kind'].includes(key))
      continue;
    if (seen.has(key))
      throw new LinkError(`the link gives "${key}" twice`);
    seen.add(key);
    if (key === 'dn') {
      result.name = percentDecode(value);
      if (/[\u0000-\u001f\u007f]/.test(result.name))
        throw new LinkError('the link\'s "dn" holds control characters');
    } else if (key === 'xl') {
      if (!/^[0-9]{1,20}$/.test(value))
        throw new LinkError('the link\'s "xl" must be a size in bytes');
      result.size = Number(value);
    } else {
      if (value !== 'file' && value !== 'folder')
        throw new LinkError('the link\'s "kind" must be file or folder');
      result.kind = value;
    }
  }
  return result;
}

/* A single safe file name for what a peer called @name (as the C node's
 * hormiga_share_sanitize_name()): no control characters, no separators,
 * not empty, ".", "..", at most 255 bytes keeping the extension. */
export function sanitizeName(name) {
  let clean = String(name ?? '')
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, '')
    .replace(/[/\\]/g, '_')
    .trim()
    .replace(/\.+$/, '');
  if (clean === '' || clean === '.' || clean === '..')
    clean = 'download';
  while (utf8.encode(clean).length > 255) {
    const dot = clean.lastIndexOf('.');
    const extension = dot > 0 && clean.length - dot <= 16 ? clean.slice(dot) : '';
    clean = [...clean.slice(0, clean.length - extension.length)].slice(0, -1).join('') + extension;
  }
  return clean;
}

/* The canonical encoding of a file manifest (fields in the protocol's
 * order, mime last and only when there is one). */
export function encodeManifest({ name, size, chunk, hashes, mime }) {
  const manifest = { v: 1, kind: 'file', name, size, chunk, hashes: concatBytes(...hashes) };
  if (mime)
    manifest.mime = mime;
  const bytes = encode(manifest);
  if (bytes.length > MANIFEST_MAX_SIZE)
    throw new WireError(`the manifest would have ${bytes.length} bytes; at most ` +
                        `${MANIFEST_MAX_SIZE}`);
  return bytes;
}

/* Percent-encodes every byte of @text's UTF-8 but A–Z a–z 0–9 - . _ ~. */
function percentEncode(text) {
  return Array.from(utf8.encode(text), (byte) => {
    const char = String.fromCharCode(byte);
    return /[A-Za-z0-9\-._~]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }).join('');
}

/* hormiga:<cid>?dn=NAME&xl=SIZE&kind=file, as writers write it. */
export function makeLink(cid, name, size) {
  return `hormiga:${hex(cid)}?dn=${percentEncode(name)}&xl=${size}&kind=file`;
}
