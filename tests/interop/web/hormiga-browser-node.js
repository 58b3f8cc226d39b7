// hormiga-browser-node.js — a minimal Hormiga node in a web page
//
// SPDX-License-Identifier: GPL-3.0-or-later
//
// Just enough of docs/PROTOCOL.md for a browser to meet a C node: an Ed25519
// identity (WebCrypto) and its libp2p PeerID, the challenge/join/welcome
// handshake with hormiguero, WebRTC negotiation in `signal` envelopes, the
// identity binding on negotiated data channel 0, and the negotiated channels
// every connection carries: 1 "hormiga-dht", 2 "hormiga-files" and
// 3 "hormiga-contingency" (this page speaks none of them: what arrives there
// is ignored).

import { decode, encode } from './msgpack.js';

const utf8 = new TextEncoder();

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

export function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/* ---- identity ----------------------------------------------------------- */

const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

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

/* Identity multihash of the protobuf PublicKey {Type: Ed25519, Data: key}. */
export function peerIdFromKey(key) {
  if (!(key instanceof Uint8Array) || key.length !== 32)
    throw new TypeError('an Ed25519 public key has 32 bytes');
  return base58btc(concatBytes(Uint8Array.of(0x00, 0x24, 0x08, 0x01, 0x12, 0x20), key));
}

export class Identity {
  static async generate() {
    const pair = await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify']);
    const key = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey));
    return new Identity(pair.privateKey, key);
  }

  constructor(privateKey, publicKey) {
    this.privateKey = privateKey;
    this.publicKey = publicKey;
    this.peerId = peerIdFromKey(publicKey);
  }

  async sign(data) {
    return new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, this.privateKey, data));
  }

  static async verify(publicKey, signature, data) {
    const key = await crypto.subtle.importKey('raw', publicKey, { name: 'Ed25519' }, false,
                                              ['verify']);
    return crypto.subtle.verify({ name: 'Ed25519' }, key, signature, data);
  }
}

/* ---- signaling ---------------------------------------------------------- */

const JOIN_CONTEXT = utf8.encode('hormiga/join/v1:');

function nextMessage(socket, what) {
  return new Promise((resolve, reject) => {
    socket.onmessage = (event) => resolve(decode(new Uint8Array(event.data)));
    socket.onclose = (event) =>
      reject(new Error(`hormiguero closed the connection (${event.code} ${event.reason}) while ` +
                       `waiting for ${what}`));
    socket.onerror = () => reject(new Error(`WebSocket error while waiting for ${what}`));
  });
}

/* One admitted connection to hormiguero's /ws. */
export class Signaling {
  static async join(url, identity, log) {
    const socket = new WebSocket(url);
    socket.binaryType = 'arraybuffer';
    await new Promise((resolve, reject) => {
      socket.onopen = resolve;
      socket.onerror = () => reject(new Error(`cannot open ${url}`));
    });

    const challenge = await nextMessage(socket, 'the challenge');
    if (challenge.v !== 1 || challenge.t !== 'challenge' ||
        !(challenge.nonce instanceof Uint8Array) || challenge.nonce.length !== 32)
      throw new Error(`expected a challenge with a 32-byte nonce, got ${JSON.stringify(challenge)}`);
    const sig = await identity.sign(concatBytes(JOIN_CONTEXT, challenge.nonce));
    socket.send(encode({ v: 1, t: 'join', key: identity.publicKey, sig }));

    const welcome = await nextMessage(socket, 'the welcome');
    if (welcome.t !== 'welcome')
      throw new Error(`join refused: ${JSON.stringify(welcome)}`);
    if (welcome.id !== identity.peerId)
      throw new Error(`hormiguero says our PeerID is ${welcome.id}; we computed ${identity.peerId}`);
    log(`admitted as ${welcome.id} (server ${challenge.server ?? '?'}, ` +
        `${welcome.peers.length} other peers)`);
    return new Signaling(socket, identity, log);
  }

  constructor(socket, identity, log) {
    this.socket = socket;
    this.identity = identity;
    this.log = log;
    this.onsignal = null;       /* (from, sid, payload) */
    this.onfailure = null;      /* (error) */
    socket.onmessage = (event) => this.receive(new Uint8Array(event.data));
    socket.onclose = (event) =>
      this.onfailure?.(new Error(`hormiguero closed the connection: ${event.code} ${event.reason}`));
    socket.onerror = null;
  }

  receive(frame) {
    let message;
    try {
      message = decode(frame);
    } catch (error) {
      this.log(`undecodable frame ignored: ${error.message}`);
      return;
    }
    switch (message.t) {
      case 'ping':
        this.socket.send(encode({ v: 1, t: 'pong', seq: message.seq }));
        break;
      case 'signal':
        this.onsignal?.(message.from, message.sid, message.payload);
        break;
      case 'error':
        this.onfailure?.(new Error(`hormiguero error ${message.code}` +
                                   `${message.sid ? ` on ${message.sid}` : ''}: ${message.message}`));
        break;
      default:
        this.log(`ignored a ${message.t} message`);
    }
  }

  send(to, sid, payload) {
    this.socket.send(encode({ v: 1, t: 'signal', to, sid, payload }));
  }

  close() {
    this.socket.onclose = null;
    this.socket.close(1000);
  }
}

/* ---- identity binding (docs/PROTOCOL.md, "Identity binding") ----------- */

const BIND_DOMAIN = utf8.encode('hormiga/bind/v1');
const BIND_MAX_SIZE = 300;

function sdpAttribute(sdp, name) {
  const match = new RegExp(`^a=${name}:(.*?)\\s*$`, 'mi').exec(sdp);
  return match ? match[1] : null;
}

export function sha256FingerprintOf(sdp) {
  for (const line of sdp.split(/\r?\n/)) {
    const match = /^a=fingerprint:sha-256 ([0-9A-Fa-f:]+)\s*$/i.exec(line);
    if (!match)
      continue;
    const pairs = match[1].split(':');
    if (pairs.length !== 32 || pairs.some((p) => !/^[0-9A-Fa-f]{2}$/.test(p)))
      throw new Error(`malformed SHA-256 fingerprint ${match[1]}`);
    return Uint8Array.from(pairs, (p) => parseInt(p, 16));
  }
  throw new Error('the description has no a=fingerprint:sha-256 line');
}

export function bindTranscript(signerIsClient, clientFingerprint, serverFingerprint) {
  return concatBytes(BIND_DOMAIN, Uint8Array.of(signerIsClient ? 0x63 : 0x73),
                     clientFingerprint, serverFingerprint);
}

/* ---- one peer connection ------------------------------------------------ */

export function newSid() {
  return `rtc-${hex(crypto.getRandomValues(new Uint8Array(8)))}`;
}

export class PeerSession {
  constructor(signaling, peerId, sid, offerer, log) {
    this.signaling = signaling;
    this.identity = signaling.identity;
    this.peerId = peerId;
    this.sid = sid;
    this.offerer = offerer;
    this.log = (text) => log(`[${sid}] ${text}`);
    this.described = false;
    this.heldCandidates = [];
    this.chain = Promise.resolve();
    this.proofSent = false;
    this.peerProof = null;
    this.forgeBinding = false;   /* tests only: sign the wrong fingerprints */

    /* bound: both proofs done; failed: rejects on the first failure, at
     * any time, so callers can race it against whatever they wait for. */
    this.bound = new Promise((resolve, reject) => {
      this.resolveBound = resolve;
      this.rejectBound = reject;
    });
    this.failed = new Promise((resolve, reject) => {
      this.rejectFailed = reject;
    });
    this.bound.catch(() => {});
    this.failed.catch(() => {});

    this.pc = new RTCPeerConnection({ iceServers: [] });
    this.pc.onicecandidate = (event) => this.localCandidate(event.candidate);
    this.pc.onconnectionstatechange = () => {
      this.log(`connection ${this.pc.connectionState}`);
      if (this.pc.connectionState === 'failed')
        this.fail(new Error('the peer connection failed (ICE or DTLS)'));
    };

    /* The first channel the peer opens with DCEP. */
    this.remoteChannel = new Promise((resolve) => {
      this.pc.ondatachannel = (event) => {
        this.log(`the peer opened channel ${event.channel.id} "${event.channel.label}"`);
        resolve(event.channel);
      };
    });

    this.bind = this.pc.createDataChannel('hormiga-bind', { negotiated: true, id: 0 });
    this.bind.binaryType = 'arraybuffer';
    this.bind.onopen = () => this.sendProof().catch((error) => this.fail(error));
    this.bind.onmessage = (event) => this.checkProof(event.data).catch((error) => this.fail(error));
    /* Reserving stream 1 also keeps the browser's own channels off it. */
    this.dht = this.pc.createDataChannel('hormiga-dht', { negotiated: true, id: 1 });
    this.dht.binaryType = 'arraybuffer';
    this.files = this.pc.createDataChannel('hormiga-files', { negotiated: true, id: 2 });
    this.files.binaryType = 'arraybuffer';
    this.contingency = this.pc.createDataChannel('hormiga-contingency', { negotiated: true, id: 3 });
    this.contingency.binaryType = 'arraybuffer';
  }

  fail(error) {
    this.log(`failed: ${error.message}`);
    this.rejectBound(error);
    this.rejectFailed(error);
  }

  /* Resolves as @promise does, unless the session fails first. */
  guard(promise) {
    return Promise.race([promise, this.failed]);
  }

  signal(message) {
    this.signaling.send(this.peerId, this.sid, encode({ v: 1, ...message }));
  }

  /* Candidates wait until our description has gone out: the peer ignores
   * anything but an offer for a session it does not know. */
  localCandidate(candidate) {
    const message = candidate && candidate.candidate
      ? { t: 'candidate', candidate: candidate.candidate }
      : candidate ? null : { t: 'end-of-candidates' };
    if (message === null)
      return;
    if (message.t === 'candidate')
      this.log(`local ${message.candidate}`);
    if (this.described)
      this.signal(message);
    else
      this.heldCandidates.push(message);
  }

  sendDescription(type, sdp) {
    this.signal({ t: type, sdp });
    this.described = true;
    for (const message of this.heldCandidates)
      this.signal(message);
    this.heldCandidates = [];
  }

  enqueue(what, operation) {
    this.chain = this.chain.then(operation).catch((error) =>
      this.fail(new Error(`${what}: ${error.message}`)));
    return this.chain;
  }

  offer() {
    return this.enqueue('offer', async () => {
      await this.pc.setLocalDescription(await this.pc.createOffer());
      this.sendDescription('offer', this.pc.localDescription.sdp);
    });
  }

  /* The peer's rtc-signal payload for this session. */
  receive(payload) {
    let message;
    try {
      message = decode(payload);
    } catch (error) {
      this.log(`undecodable rtc signal dropped: ${error.message}`);
      return;
    }
    if (message.v !== 1) {
      this.log(`rtc signal of version ${message.v} dropped`);
      return;
    }
    switch (message.t) {
      case 'offer':
        if (this.offerer || this.pc.remoteDescription) {
          this.log('second offer ignored');
          return;
        }
        this.enqueue('answer', async () => {
          await this.pc.setRemoteDescription({ type: 'offer', sdp: message.sdp });
          await this.pc.setLocalDescription(await this.pc.createAnswer());
          this.sendDescription('answer', this.pc.localDescription.sdp);
        });
        break;
      case 'answer':
        this.enqueue('remote answer', () =>
          this.pc.setRemoteDescription({ type: 'answer', sdp: message.sdp }));
        break;
      case 'candidate':
        this.log(`remote ${message.candidate}`);
        this.enqueue('remote candidate', () =>
          this.pc.addIceCandidate({ candidate: message.candidate, sdpMid: '0', sdpMLineIndex: 0 }));
        break;
      case 'end-of-candidates':
        this.enqueue('end of candidates', async () => {
          try {
            await this.pc.addIceCandidate({ candidate: '', sdpMid: '0', sdpMLineIndex: 0 });
          } catch (error) {
            this.log(`end-of-candidates not passed on: ${error.message}`);
          }
        });
        break;
      case 'bye':
        this.fail(new Error('the peer sent bye'));
        break;
      default:
        this.log(`rtc signal of type ${message.t} ignored`);
    }
  }

  /* Who is the DTLS client: the side whose description says a=setup:active
   * (the answer's choice; no a=setup in an answer means active). Returns
   * the three things both transcripts are built from. */
  dtlsRoles() {
    const local = this.pc.localDescription;
    const remote = this.pc.remoteDescription;
    const answer = local.type === 'answer' ? local : remote;
    const setup = (sdpAttribute(answer.sdp, 'setup') ?? 'active').toLowerCase();
    if (setup !== 'active' && setup !== 'passive')
      throw new Error(`the answer says a=setup:${setup}`);
    const answererIsClient = setup === 'active';
    const weAreClient = answererIsClient === (local.type === 'answer');
    const ours = sha256FingerprintOf(local.sdp);
    const theirs = sha256FingerprintOf(remote.sdp);
    return {
      weAreClient,
      client: weAreClient ? ours : theirs,
      server: weAreClient ? theirs : ours,
    };
  }

  async sendProof() {
    const roles = this.dtlsRoles();
    this.role = roles.weAreClient ? 'client' : 'server';
    const transcript = bindTranscript(roles.weAreClient, roles.client, roles.server);
    if (this.forgeBinding)
      transcript[BIND_DOMAIN.length + 1] ^= 0x01;
    const sig = await this.identity.sign(transcript);
    this.bind.send(encode({ v: 1, t: 'bind', key: this.identity.publicKey, sig }));
    this.proofSent = true;
    this.log(`binding proof sent as the DTLS ${this.role}`);
    this.settle();
  }

  async checkProof(data) {
    if (this.peerProof !== null)
      throw new Error('identity binding: a second message on channel 0');
    this.peerProof = 'checking';
    if (!(data instanceof ArrayBuffer))
      throw new Error('identity binding: the proof came as text, not binary');
    if (data.byteLength > BIND_MAX_SIZE)
      throw new Error(`identity binding: the proof has ${data.byteLength} bytes; at most ` +
                      `${BIND_MAX_SIZE}`);
    const proof = decode(new Uint8Array(data));
    const keys = Object.keys(proof ?? {}).sort().join(',');
    if (keys !== 'key,sig,t,v' || proof.v !== 1 || proof.t !== 'bind' ||
        !(proof.key instanceof Uint8Array) || proof.key.length !== 32 ||
        !(proof.sig instanceof Uint8Array) || proof.sig.length !== 64)
      throw new Error(`identity binding: not a {v: 1, t: "bind", key, sig} map (keys ${keys})`);
    const presented = peerIdFromKey(proof.key);
    if (presented !== this.peerId)
      throw new Error(`identity binding: the peer is ${presented}, but this connection was ` +
                      `made for ${this.peerId}`);
    const roles = this.dtlsRoles();
    const transcript = bindTranscript(!roles.weAreClient, roles.client, roles.server);
    if (!await Identity.verify(proof.key, proof.sig, transcript))
      throw new Error(`identity binding: the signature of ${presented} does not cover the DTLS ` +
                      'fingerprints this side saw');
    this.peerProof = proof;
    this.log(`binding proof of ${presented} verified`);
    this.settle();
  }

  settle() {
    if (this.proofSent && this.peerProof !== null && this.peerProof !== 'checking')
      this.resolveBound();
  }

  close() {
    this.pc.close();
  }
}
