// interop.js — what the Chromium interop test asks of the page
//
// SPDX-License-Identifier: GPL-3.0-or-later
//
// The test driver (tests/interop/chromium-interop.mjs) calls, through
// Playwright:
//
//   interop.join()        → this page's PeerID, once admitted by hormiguero
//   interop.offer(PEERID) → offer to a C node, then run the exchange
//   interop.answer()      → answer the first offer that arrives, then run it
//
// The exchange waits for the identity binding on channel 0, sends every
// message of messages() on the data channel, and collects what the C node
// (hormiga-node --echo) sends back. It reports each message's kind, size and
// SHA-256 as sent and as echoed; the driver decides whether that passes.

import { bytesEqual, fromHex, hex } from '../js/bytes.js';
import { Identity, peerIdFromKey } from '../js/identity.js';
import { PeerSession, decodeRtcSignal, newSid } from '../js/peer-session.js';
import { Signaling } from '../js/signaling.js';

const MAX_MESSAGE_SIZE = 262144;
const utf8 = new TextEncoder();

const state = {
  signaling: null,
  identity: null,
  failure: null,
  sessions: new Map(),     /* "from/sid" → PeerSession */
  offers: [],              /* incoming sessions not yet taken by answer() */
  offerWaiters: [],
};

function log(text) {
  console.log(text);
}

/* The libp2p peer-id spec's test vector (docs/PROTOCOL.md, "Identity"). */
function checkPeerIdDerivation() {
  const key = fromHex('1ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e');
  const expected = '12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq';
  const derived = peerIdFromKey(key);
  if (derived !== expected)
    throw new Error(`PeerID derivation is wrong: ${derived}, expected ${expected}`);
}

function route(from, sid, payload) {
  const key = `${from}/${sid}`;
  let session = state.sessions.get(key);
  if (session === undefined) {
    let type;
    try {
      type = decodeRtcSignal(payload).t;
    } catch (error) {
      log(`undecodable signal from ${from} dropped: ${error.message}`);
      return;
    }
    if (type !== 'offer') {
      log(`${type} from ${from} for unknown session ${sid} ignored`);
      return;
    }
    session = new PeerSession(state.signaling, state.identity, from, sid, false, log);
    state.sessions.set(key, session);
    const waiter = state.offerWaiters.shift();
    if (waiter)
      waiter(session);
    else
      state.offers.push(session);
  }
  session.receive(payload);
}

async function join() {
  checkPeerIdDerivation();
  state.identity = await Identity.generate();
  state.signaling = await Signaling.join(`ws://${location.host}/ws`, state.identity, log);
  state.signaling.onsignal = route;
  state.signaling.onfailure = (error) => {
    state.failure = error;
    for (const session of state.sessions.values())
      session.fail(error);
  };
  return state.identity.peerId;
}

/* Deterministic pseudo-random bytes (xorshift32), so a failure repeats. */
function patternBytes(length, seed) {
  const bytes = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    bytes[i] = x & 0xff;
  }
  return bytes;
}

/* Exactly MAX_MESSAGE_SIZE bytes of UTF-8 with 1-, 2-, 3- and 4-byte
 * characters, so SCTP fragments split characters. */
function largeText() {
  const unit = 'añ€🐜';   /* 1 + 2 + 3 + 4 = 10 bytes */
  const text = unit.repeat(Math.floor(MAX_MESSAGE_SIZE / 10)) + 'hola';
  if (utf8.encode(text).length !== MAX_MESSAGE_SIZE)
    throw new Error('largeText() is not 262144 bytes');
  return text;
}

export function messages() {
  return [
    { name: 'text', data: 'hola desde Chromium: ñandú, hormiga 🐜' },
    { name: 'binary', data: Uint8Array.from({ length: 256 }, (_, i) => i) },
    { name: 'empty text', data: '' },
    { name: 'empty binary', data: new Uint8Array(0) },
    { name: 'one zero byte', data: Uint8Array.of(0) },
    { name: '256 KiB text', data: largeText() },
    { name: '256 KiB binary', data: patternBytes(MAX_MESSAGE_SIZE, 0x1234567) },
  ];
}

async function describe(data) {
  const text = typeof data === 'string';
  const bytes = text ? utf8.encode(data) : new Uint8Array(data);
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return { kind: text ? 'text' : 'binary', bytes: bytes.length, sha256: hex(digest), raw: bytes };
}

function waitOpen(session, channel) {
  if (channel.readyState === 'open')
    return Promise.resolve();
  return session.guard(new Promise((resolve, reject) => {
    channel.onopen = resolve;
    channel.onclose = () => reject(new Error(`channel "${channel.label}" closed before opening`));
  }));
}

async function exchange(session, channel) {
  await session.guard(session.bound);
  await waitOpen(session, channel);
  log(`channel ${channel.id} "${channel.label}" open; max message size ` +
      `${session.pc.sctp?.maxMessageSize}`);

  channel.binaryType = 'arraybuffer';
  const outgoing = messages();
  const echoes = [];
  const allEchoed = session.guard(new Promise((resolve, reject) => {
    channel.onmessage = (event) => {
      echoes.push(event.data);
      if (echoes.length === outgoing.length)
        resolve();
    };
    channel.onclose = () =>
      reject(new Error(`channel closed after ${echoes.length} of ${outgoing.length} echoes`));
  }));
  for (const message of outgoing)
    channel.send(message.data);
  await allEchoed;

  const results = [];
  for (let i = 0; i < outgoing.length; i++) {
    const sent = await describe(outgoing[i].data);
    const echo = await describe(echoes[i]);
    results.push({
      name: outgoing[i].name,
      kind: sent.kind,
      bytes: sent.bytes,
      sha256: sent.sha256,
      echo: { kind: echo.kind, bytes: echo.bytes, sha256: echo.sha256 },
      intact: sent.kind === echo.kind && bytesEqual(sent.raw, echo.raw),
    });
  }
  return {
    peerId: state.identity.peerId,
    remote: session.peerId,
    sid: session.sid,
    offerer: session.offerer,
    dtlsRole: session.role,
    label: channel.label,
    channelId: channel.id,
    results,
  };
}

/* options.forgeBinding: sign a transcript with a wrong client fingerprint,
 * as a man in the middle's certificate would make it; the node must refuse. */
async function offer(peerId, options = {}) {
  if (state.failure)
    throw state.failure;
  const session = new PeerSession(state.signaling, state.identity, peerId, newSid(), true, log);
  session.forgeBinding = options.forgeBinding === true;
  state.sessions.set(`${peerId}/${session.sid}`, session);
  const channel = session.pc.createDataChannel('interop');
  await session.offer();
  return exchange(session, channel);
}

async function answer() {
  if (state.failure)
    throw state.failure;
  const session = state.offers.shift() ??
    await new Promise((resolve) => state.offerWaiters.push(resolve));
  const channel = await session.guard(session.remoteChannel);
  return exchange(session, channel);
}

window.interop = { join, offer, answer };
