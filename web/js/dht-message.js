// dht-message.js — the DHT messages of channel 1
//
// SPDX-License-Identifier: GPL-3.0-or-later
//
// docs/PROTOCOL.md, "DHT messages". encodeDhtMessage() writes the fields in
// the canonical order; decodeDhtMessage() applies the message limits
// (64 KiB, str 1 KiB, 64 elements per array, 32 entries per map) and checks
// every field this node reads. A message that fails throws a WireError
// whose text names the field. checkDisplayName() holds a `hello`'s name to
// the rules of the C decoder: 1 to 64 bytes of UTF-8 without control,
// line-separator or bidirectional-control characters.

import { isPeerIdBytes } from './identity.js';
import { WireError, decodeLimited, encode, expectMap, isBin, isText, isUint } from './wire.js';

export const DHT_MAX_MESSAGE = 65536;
export const DHT_MAX_NODES = 20;
export const DHT_MAX_RECORDS = 20;
export const DHT_RECORD_MAX_SIZE = 20480;
export const DHT_RELAY_MAX_HOPS = 8;
export const DHT_RELAY_MAX_PAYLOAD = 61440;
export const DHT_HELLO_MAX_NAME = 64;

export const DhtError = Object.freeze({
  MALFORMED: 1,
  UNKNOWN_TYPE: 2,
  TOO_LARGE: 3,
  STORAGE_FULL: 8,
  TIMEOUT: 9,
  NOT_FOUND: 10,
  UNAVAILABLE: 11,
});

const ORDER = ['v', 't', 'id', 'client', 'key', 'record', 'records', 'nodes', 'code', 'text',
               'to', 'from', 'hops', 'sid', 'payload', 'name', 'kind'];

const REQUESTS = new Set(['ping', 'find-node', 'get-value', 'put-value', 'add-provider',
                          'get-providers']);
const RESPONSES = new Set(['pong', 'nodes', 'value', 'stored', 'providers', 'error']);

const LIMITS = {
  what: 'DHT message',
  maxSize: DHT_MAX_MESSAGE,
  maxStr: 1024,
  maxBin: 65536,
  maxArray: 64,
  maxMap: 32,
};

export function isDhtRequest(type) {
  return REQUESTS.has(type);
}

export function isDhtResponse(type) {
  return RESPONSES.has(type);
}

/* @fields holds v-less fields by name; they come out in canonical order. */
export function encodeDhtMessage(fields) {
  const message = { v: 1 };
  for (const key of ORDER.slice(1))
    if (fields[key] !== undefined && !(key === 'client' && fields[key] !== true))
      message[key] = fields[key];
  const bytes = encode(message);
  if (bytes.length > DHT_MAX_MESSAGE)
    throw new WireError(`a ${fields.t} of ${bytes.length} bytes is above the ${DHT_MAX_MESSAGE}-` +
                        'byte limit');
  return bytes;
}

/* Controls (category Cc), U+2028, U+2029 and the bidirectional controls
 * that could make one name read as another. */
const REFUSED_IN_NAME = /[\p{Cc}\u2028\u2029\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/u;

/* @name (a string, or the raw bytes of a str) as a display name: throws a
 * WireError that says what is wrong with it, or returns it as a string. */
export function checkDisplayName(name) {
  let bytes = name;
  if (typeof name === 'string') {
    if (!name.isWellFormed())
      throw new WireError('a display name must be UTF-8; this one holds a lone surrogate');
    bytes = new TextEncoder().encode(name);
  }
  if (bytes.length === 0)
    throw new WireError(`a display name is 1 to ${DHT_HELLO_MAX_NAME} bytes; this one is empty ` +
                        '(leave it out for none)');
  if (bytes.length > DHT_HELLO_MAX_NAME)
    throw new WireError(`a display name is at most ${DHT_HELLO_MAX_NAME} bytes of UTF-8; ` +
                        `this one is ${bytes.length}`);
  let text;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new WireError('a display name must be UTF-8; this one is not');
  }
  let at = 0;
  for (const c of text) {
    if (REFUSED_IN_NAME.test(c)) {
      const code = c.codePointAt(0).toString(16).toUpperCase().padStart(4, '0');
      throw new WireError('a display name must not hold control characters; ' +
                          `U+${code} at byte ${at} is one`);
    }
    at += new TextEncoder().encode(c).length;
  }
  return text;
}

function fail(message, text) {
  throw new WireError(`a ${message.t} ${text}`);
}

function checkNodes(message) {
  const nodes = message.nodes;
  if (!Array.isArray(nodes))
    fail(message, 'needs "nodes": an array of PeerIDs');
  if (nodes.length > DHT_MAX_NODES)
    fail(message, `has ${nodes.length} "nodes"; the limit is ${DHT_MAX_NODES}`);
  for (const node of nodes)
    if (!isPeerIdBytes(node))
      fail(message, 'has an element of "nodes" that is not the 38 bytes of an Ed25519 PeerID');
}

function checkRecords(message) {
  const records = message.records;
  if (!Array.isArray(records))
    fail(message, 'needs "records": an array of bin');
  if (records.length > DHT_MAX_RECORDS)
    fail(message, `has ${records.length} "records"; the limit is ${DHT_MAX_RECORDS}`);
  for (const record of records)
    if (!isBin(record, 1, DHT_RECORD_MAX_SIZE))
      fail(message, `has a record that is not bin of 1 to ${DHT_RECORD_MAX_SIZE} bytes`);
}

/* A hello's "name" as the bytes it came as: @msgpack/msgpack would replace
 * what is not UTF-8 where the C decoder refuses it. */
function helloName(bytes, message) {
  if (message.name === undefined)
    return undefined;
  if (typeof message.name !== 'string')
    fail(message, 'needs "name" to be a str of 1 to 64 bytes of UTF-8 without control characters');
  const raw = decodeLimited(bytes, { ...LIMITS, rawStrings: true }).name;
  try {
    return checkDisplayName(raw);
  } catch (error) {
    fail(message, `has a bad "name": ${error.message}`);
  }
}

export function decodeDhtMessage(bytes) {
  const message = expectMap(decodeLimited(bytes, LIMITS), 'DHT message');
  if (message.v !== 1)
    throw new WireError(`DHT message of version ${message.v}; this node speaks 1`);
  if (typeof message.t !== 'string')
    throw new WireError('DHT message without a str "t"');
  if (!isUint(message.id, 0xffffffff))
    fail(message, 'needs "id": a uint up to 2^32-1');
  switch (message.t) {
    case 'ping':
    case 'pong':
    case 'stored':
      break;
    case 'find-node':
    case 'get-value':
    case 'get-providers':
      if (!isBin(message.key, 32, 32))
        fail(message, 'needs "key": 32 bytes');
      break;
    case 'put-value':
    case 'add-provider':
      if (!isBin(message.record, 1, DHT_RECORD_MAX_SIZE))
        fail(message, `needs "record": bin of 1 to ${DHT_RECORD_MAX_SIZE} bytes`);
      break;
    case 'nodes':
      checkNodes(message);
      break;
    case 'value':
      checkNodes(message);
      if (message.record !== undefined && !isBin(message.record, 1, DHT_RECORD_MAX_SIZE))
        fail(message, `has a "record" that is not bin of 1 to ${DHT_RECORD_MAX_SIZE} bytes`);
      break;
    case 'providers':
      checkNodes(message);
      checkRecords(message);
      break;
    case 'error':
      if (!isUint(message.code, 0xffffffff) || !isText(message.text, 0, 256))
        fail(message, 'needs "code" (a uint) and "text" (str up to 256 bytes)');
      break;
    case 'relay':
      if (!isPeerIdBytes(message.to) || !isPeerIdBytes(message.from))
        fail(message, 'needs "to" and "from": the 38 bytes of a PeerID each');
      if (!isUint(message.hops, DHT_RELAY_MAX_HOPS) || message.hops < 1)
        fail(message, `needs "hops": 1 to ${DHT_RELAY_MAX_HOPS}`);
      if (!isText(message.sid, 1, 64))
        fail(message, 'needs "sid": str of 1 to 64 bytes');
      if (!isBin(message.payload, 1, DHT_RELAY_MAX_PAYLOAD))
        fail(message, `needs "payload": bin of 1 to ${DHT_RELAY_MAX_PAYLOAD} bytes`);
      break;
    case 'hello':
      message.name = helloName(bytes, message);
      break;
    default:
      throw new WireError(`DHT message of unknown type "${message.t.slice(0, 64)}"`);
  }
  return message;
}
