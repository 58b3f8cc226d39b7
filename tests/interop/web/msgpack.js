// msgpack.js — the MessagePack subset Hormiga's envelopes use
//
// SPDX-License-Identifier: GPL-3.0-or-later
//
// encode(): maps with string keys (in insertion order), non-negative
// integers, strings, Uint8Array (bin) and arrays, each in its shortest form,
// as docs/PROTOCOL.md asks. decode(): any of those plus nil, booleans,
// negative integers and floats; extension types are refused, like the C
// decoder does.

const utf8 = new TextEncoder();
const strict = new TextDecoder('utf-8', { fatal: true });

class Writer {
  constructor() {
    this.bytes = new Uint8Array(256);
    this.length = 0;
  }

  reserve(n) {
    if (this.length + n <= this.bytes.length)
      return;
    const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.length + n));
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }

  byte(b) {
    this.reserve(1);
    this.bytes[this.length++] = b;
  }

  uint(value, size) {
    this.reserve(size);
    for (let i = size - 1; i >= 0; i--) {
      this.bytes[this.length + i] = value % 256;
      value = Math.floor(value / 256);
    }
    this.length += size;
  }

  raw(data) {
    this.reserve(data.length);
    this.bytes.set(data, this.length);
    this.length += data.length;
  }

  // fix8 is the fix-form tag (or -1 for none); t8/t16/t32 the tags of the
  // wider forms (t8 = -1 where the type has no 8-bit form).
  header(n, fixLimit, fix, t8, t16, t32) {
    if (n < fixLimit)
      this.byte(fix | n);
    else if (t8 >= 0 && n < 0x100) {
      this.byte(t8);
      this.uint(n, 1);
    } else if (n < 0x10000) {
      this.byte(t16);
      this.uint(n, 2);
    } else {
      this.byte(t32);
      this.uint(n, 4);
    }
  }

  value(v) {
    if (typeof v === 'number') {
      if (!Number.isSafeInteger(v) || v < 0)
        throw new TypeError(`msgpack: only non-negative integers are encoded, not ${v}`);
      if (v < 0x80)
        this.byte(v);
      else if (v < 0x100) {
        this.byte(0xcc);
        this.uint(v, 1);
      } else if (v < 0x10000) {
        this.byte(0xcd);
        this.uint(v, 2);
      } else if (v < 0x100000000) {
        this.byte(0xce);
        this.uint(v, 4);
      } else {
        this.byte(0xcf);
        this.uint(v, 8);
      }
    } else if (typeof v === 'string') {
      const data = utf8.encode(v);
      this.header(data.length, 32, 0xa0, 0xd9, 0xda, 0xdb);
      this.raw(data);
    } else if (v instanceof Uint8Array) {
      this.header(v.length, 0, 0, 0xc4, 0xc5, 0xc6);
      this.raw(v);
    } else if (Array.isArray(v)) {
      this.header(v.length, 16, 0x90, -1, 0xdc, 0xdd);
      for (const item of v)
        this.value(item);
    } else if (v !== null && typeof v === 'object') {
      const entries = Object.entries(v).filter(([, value]) => value !== undefined);
      this.header(entries.length, 16, 0x80, -1, 0xde, 0xdf);
      for (const [key, value] of entries) {
        this.value(key);
        this.value(value);
      }
    } else {
      throw new TypeError(`msgpack: cannot encode ${typeof v}`);
    }
  }
}

export function encode(value) {
  const writer = new Writer();
  writer.value(value);
  return writer.bytes.slice(0, writer.length);
}

class Reader {
  constructor(bytes) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.offset = 0;
  }

  need(n) {
    if (this.offset + n > this.bytes.length)
      throw new RangeError(`msgpack: truncated at byte ${this.offset}, ${n} more needed`);
    const at = this.offset;
    this.offset += n;
    return at;
  }

  uint(size) {
    const at = this.need(size);
    let v = 0;
    for (let i = 0; i < size; i++)
      v = v * 256 + this.bytes[at + i];
    return v;
  }

  str(n) {
    const at = this.need(n);
    return strict.decode(this.bytes.subarray(at, at + n));
  }

  bin(n) {
    const at = this.need(n);
    return this.bytes.slice(at, at + n);
  }

  array(n, depth) {
    const items = [];
    for (let i = 0; i < n; i++)
      items.push(this.value(depth));
    return items;
  }

  map(n, depth) {
    const map = Object.create(null);
    for (let i = 0; i < n; i++) {
      const key = this.value(depth);
      if (typeof key !== 'string')
        throw new TypeError('msgpack: a map key is not a string');
      if (key in map)
        throw new TypeError(`msgpack: key "${key}" appears twice`);
      map[key] = this.value(depth);
    }
    return map;
  }

  value(depth = 0) {
    if (depth > 32)
      throw new RangeError('msgpack: nested too deep');
    const tag = this.uint(1);
    if (tag < 0x80) return tag;
    if (tag >= 0xe0) return tag - 0x100;
    if ((tag & 0xf0) === 0x80) return this.map(tag & 0x0f, depth + 1);
    if ((tag & 0xf0) === 0x90) return this.array(tag & 0x0f, depth + 1);
    if ((tag & 0xe0) === 0xa0) return this.str(tag & 0x1f);
    switch (tag) {
      case 0xc0: return null;
      case 0xc2: return false;
      case 0xc3: return true;
      case 0xc4: return this.bin(this.uint(1));
      case 0xc5: return this.bin(this.uint(2));
      case 0xc6: return this.bin(this.uint(4));
      case 0xca: return this.view.getFloat32(this.need(4));
      case 0xcb: return this.view.getFloat64(this.need(8));
      case 0xcc: return this.uint(1);
      case 0xcd: return this.uint(2);
      case 0xce: return this.uint(4);
      case 0xcf: return this.uint(8);
      case 0xd0: return this.view.getInt8(this.need(1));
      case 0xd1: return this.view.getInt16(this.need(2));
      case 0xd2: return this.view.getInt32(this.need(4));
      case 0xd3: return Number(this.view.getBigInt64(this.need(8)));
      case 0xd9: return this.str(this.uint(1));
      case 0xda: return this.str(this.uint(2));
      case 0xdb: return this.str(this.uint(4));
      case 0xdc: return this.array(this.uint(2), depth + 1);
      case 0xdd: return this.array(this.uint(4), depth + 1);
      case 0xde: return this.map(this.uint(2), depth + 1);
      case 0xdf: return this.map(this.uint(4), depth + 1);
      default:
        throw new TypeError(`msgpack: type 0x${tag.toString(16)} is not used by Hormiga`);
    }
  }
}

// Decodes exactly one object; bytes after it are an error.
export function decode(bytes) {
  const reader = new Reader(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes));
  const value = reader.value();
  if (reader.offset !== reader.bytes.length)
    throw new RangeError(`msgpack: ${reader.bytes.length - reader.offset} bytes after the object`);
  return value;
}
