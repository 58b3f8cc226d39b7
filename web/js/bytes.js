// bytes.js — small helpers over Uint8Array
//
// SPDX-License-Identifier: GPL-3.0-or-later

export const utf8 = new TextEncoder();

export function concatBytes(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

export function bytesEqual(a, b) {
  if (a.length !== b.length)
    return false;
  for (let i = 0; i < a.length; i++)
    if (a[i] !== b[i])
      return false;
  return true;
}

/* Bytewise order: negative, zero or positive, like memcmp. */
export function compareBytes(a, b) {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++)
    if (a[i] !== b[i])
      return a[i] - b[i];
  return a.length - b.length;
}

export function xor(a, b) {
  return Uint8Array.from(a, (byte, i) => byte ^ b[i]);
}

export function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/* null unless @text is an even number of hexadecimal digits. */
export function fromHex(text) {
  if (typeof text !== 'string' || text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text))
    return null;
  return Uint8Array.from(text.match(/../g) ?? [], (pair) => parseInt(pair, 16));
}

export async function sha256(bytes) {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
}

/* "12D3KooWAbcd…wxyz": enough of a PeerID for people to tell peers apart. */
export function shortId(peerId) {
  return peerId.length > 16 ? `${peerId.slice(0, 8)}…${peerId.slice(-6)}` : peerId;
}
