// transfer-message.js — the messages of the files channel (2)
//
// SPDX-License-Identifier: GPL-3.0-or-later
//
// docs/PROTOCOL.md, "Transfer messages": one canonical MessagePack map per
// message, at most 262,144 bytes, `v`, `t`, `id` and then the fields of the
// type in the table's order, nothing else. The C decoder refuses anything
// else, so encodeTransferMessage() writes exactly that; the decoder checks
// the limits and every field this node reads.

import { WireError, decodeLimited, encode, expectMap, isBin, isText, isUint } from './wire.js';

export const SHARE_MAX_MESSAGE = 262144;
export const SHARE_MAX_PIECE = 245760;
export const SHARE_MAX_CHUNK = 261120;
export const SHARE_MAX_BITS = 65536;
export const SHARE_MAX_ENTRY_BITS = 12500;

export const ShareCode = Object.freeze({
  NOT_FOUND: 1,
  BUSY: 2,
  BAD_REQUEST: 3,
  TOO_MANY_REQUESTS: 4,
  INTERNAL: 5,
});

const FIELDS = {
  want: ['cid'],
  have: ['cid', 'state', 'bits', 'msize'],
  'get-manifest': ['cid', 'offset', 'length'],
  manifest: ['cid', 'offset', 'total', 'data'],
  'get-chunk': ['cid', 'index'],
  chunk: ['cid', 'index', 'data'],
  offer: ['cid', 'kind', 'name', 'size', 'msize'],
  reply: ['accept', 'text', 'entries'],
  error: ['code', 'text'],
  cancel: [],
};

const LIMITS = {
  what: 'transfer message',
  maxSize: SHARE_MAX_MESSAGE,
  maxStr: 1024,
  maxBin: SHARE_MAX_MESSAGE,
  maxArray: 0,
  maxMap: 32,
};

export function encodeTransferMessage(fields) {
  const order = FIELDS[fields.t];
  if (order === undefined)
    throw new WireError(`no transfer message is called ${fields.t}`);
  const message = { v: 1, t: fields.t, id: fields.id };
  for (const key of order)
    if (fields[key] !== undefined)
      message[key] = fields[key];
  return encode(message);
}

function fail(message, text) {
  throw new WireError(`a ${String(message.t).slice(0, 32)} ${text}`);
}

export function decodeTransferMessage(bytes) {
  const message = expectMap(decodeLimited(bytes, LIMITS), 'transfer message');
  const keys = Object.keys(message);
  if (keys[0] !== 'v' || keys[1] !== 't' || keys[2] !== 'id')
    throw new WireError('transfer message: its first entries must be "v", "t" and "id"');
  if (message.v !== 1)
    throw new WireError(`transfer message of version ${message.v}; this node speaks 1`);
  const order = FIELDS[message.t];
  if (order === undefined)
    throw new WireError(`transfer message of unknown type "${String(message.t).slice(0, 64)}"`);
  if (!isUint(message.id, 0xffffffff))
    fail(message, 'needs "id": a uint up to 2^32-1');
  const unknown = keys.slice(3).filter((key) => !order.includes(key));
  if (unknown.length > 0)
    fail(message, `does not carry ${unknown.map((key) => `"${key}"`).join(', ')}`);
  if (order.includes('cid') && !isBin(message.cid, 32, 32))
    fail(message, 'needs "cid": 32 bytes');
  switch (message.t) {
    case 'have':
      if (!['all', 'some', 'none'].includes(message.state))
        fail(message, 'needs "state": all, some or none');
      if ((message.state === 'some') !== (message.bits !== undefined))
        fail(message, 'carries "bits" with state some, and only then');
      if (message.bits !== undefined && !isBin(message.bits, 1, SHARE_MAX_BITS))
        fail(message, `has "bits" that are not 1 to ${SHARE_MAX_BITS} bytes`);
      if ((message.state !== 'none') !== (message.msize !== undefined) ||
          (message.msize !== undefined && !(isUint(message.msize, 16777216) && message.msize > 0)))
        fail(message, 'needs "msize" (1 to 16 MiB) with state all or some, and only then');
      break;
    case 'manifest':
      if (!isUint(message.offset) || !isUint(message.total, 16777216) || message.total < 1 ||
          !isBin(message.data, 1, SHARE_MAX_PIECE) ||
          message.offset + message.data.length > message.total)
        fail(message, 'needs "offset", "total" (1 to 16 MiB) and "data" (1 to 245,760 bytes) ' +
             'that fits inside "total"');
      break;
    case 'chunk':
      if (!isUint(message.index, 0xffffffff) || !isBin(message.data, 0, SHARE_MAX_CHUNK))
        fail(message, `needs "index" and "data" (0 to ${SHARE_MAX_CHUNK} bytes)`);
      break;
    case 'reply':
      if (typeof message.accept !== 'boolean' ||
          (message.text !== undefined && !isText(message.text, 0, 256)))
        fail(message, 'needs "accept" (a bool) and, if any, "text" (str up to 256 bytes)');
      if (message.entries !== undefined &&
          (!message.accept || !isBin(message.entries, 1, SHARE_MAX_ENTRY_BITS)))
        fail(message, `carries "entries" (1 to ${SHARE_MAX_ENTRY_BITS} bytes) only when it accepts`);
      break;
    case 'error':
      if (!isUint(message.code, 0xffffffff) || !isText(message.text, 0, 256))
        fail(message, 'needs "code" (a uint) and "text" (str up to 256 bytes)');
      break;
    default:
      break;
  }
  return message;
}
