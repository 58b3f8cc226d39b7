// wire.js — MessagePack for every Hormiga message, with limits
//
// SPDX-License-Identifier: GPL-3.0-or-later
//
// encode() writes maps in the insertion order of the object's keys and every
// integer, str, bin, array and map header in its shortest form: what
// docs/PROTOCOL.md calls canonical, as long as callers build objects in the
// order the protocol lists the fields and leave absent fields out.
//
// decodeLimited() checks the frame's size before decoding and hands
// @msgpack/msgpack the limits of the message kind, so a hostile peer cannot
// make the page allocate more than the protocol allows. Extension types are
// refused, as the C decoders refuse them. What decodes still has to be
// checked field by field by the caller.

import { Decoder, encode as msgpackEncode } from '@msgpack/msgpack';

export class WireError extends Error {
  constructor(message) {
    super(message);
    this.name = 'WireError';
  }
}

export function encode(value) {
  return msgpackEncode(value, { ignoreUndefined: true });
}

/* limits: { what, maxSize, maxStr, maxBin, maxArray, maxMap, rawStrings }; with
 * rawStrings, str values (not map keys) come out as their bytes. */
export function decodeLimited(bytes, limits) {
  if (!(bytes instanceof Uint8Array))
    throw new WireError(`${limits.what}: expected binary data`);
  if (bytes.length === 0)
    throw new WireError(`${limits.what}: empty message`);
  if (bytes.length > limits.maxSize)
    throw new WireError(`${limits.what}: ${bytes.length} bytes; the limit is ${limits.maxSize}`);
  const decoder = new Decoder({
    maxStrLength: limits.maxStr,
    maxBinLength: limits.maxBin,
    maxArrayLength: limits.maxArray,
    maxMapLength: limits.maxMap,
    maxExtLength: 0,
    rawStrings: limits.rawStrings ?? false,
  });
  try {
    return decoder.decode(bytes);
  } catch (error) {
    throw new WireError(`${limits.what}: ${error.message}`);
  }
}

/* The map @value as a plain object, or a WireError naming @what. */
export function expectMap(value, what) {
  if (value === null || typeof value !== 'object' || Array.isArray(value) ||
      value instanceof Uint8Array)
    throw new WireError(`${what}: not a map`);
  return value;
}

export function isUint(value, max = Number.MAX_SAFE_INTEGER) {
  return Number.isSafeInteger(value) && value >= 0 && value <= max;
}

export function isBin(value, min, max) {
  return value instanceof Uint8Array && value.length >= min && value.length <= max;
}

export function isText(value, min, max) {
  if (typeof value !== 'string' || value.includes('\0'))
    return false;
  const length = new TextEncoder().encode(value).length;
  return length >= min && length <= max;
}
