// peer-session.js — one WebRTC connection to another node, and its binding
//
// SPDX-License-Identifier: GPL-3.0-or-later
//
// docs/PROTOCOL.md, "WebRTC negotiation through hormiguero" and "Identity
// binding (channel 0)": offer, answer and trickled candidates travel as
// MessagePack maps through a *route* (hormiguero's `signal`s, or `relay`
// messages through another node: anything with send(to, sid, payload)); once
// the association is up each side proves on negotiated channel 0 that its
// Ed25519 identity ran this DTLS session. Every connection also carries the
// negotiated channels 1 "hormiga-dht", 2 "hormiga-files" and
// 3 "hormiga-contingency"; they open once the binding is verified.

import { concatBytes, hex, utf8 } from './bytes.js';
import { peerIdFromKey, verifyEd25519 } from './identity.js';
import { decodeLimited, encode, expectMap } from './wire.js';

/* ---- identity binding ----------------------------------------------------- */

const BIND_DOMAIN = utf8.encode('hormiga/bind/v1');
const BIND_MAX_SIZE = 300;
const BIND_LIMITS = {
  what: 'identity binding', maxSize: BIND_MAX_SIZE, maxStr: 64, maxBin: 64, maxArray: 0, maxMap: 4,
};

/* An rtc signal: the payload of a `signal` or a `relay`, at most 60 KiB,
 * strings up to 57,344 bytes, at most 8 keys. */
const RTC_SIGNAL_LIMITS = {
  what: 'rtc signal', maxSize: 61440, maxStr: 57344, maxBin: 0, maxArray: 0, maxMap: 8,
};

export function decodeRtcSignal(payload) {
  return expectMap(decodeLimited(payload, RTC_SIGNAL_LIMITS), 'rtc signal');
}

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
  /* @route: send(to, sid, payload) for this session's signals;
   * @options.iceServers: RTCPeerConnection's (a TURN server). */
  constructor(route, identity, peerId, sid, offerer, log, options = {}) {
    this.route = route;
    this.identity = identity;
    this.peerId = peerId;
    this.sid = sid;
    this.offerer = offerer;
    this.log = (text) => log(`[${sid}] ${text}`);
    this.described = false;
    this.heldCandidates = [];
    this.chain = Promise.resolve();
    this.proofSent = false;
    this.peerProof = null;
    this.offerTaken = false;
    this.forgeBinding = false;   /* tests only: sign the wrong fingerprints */
    this.error = null;           /* the first failure */
    this.onfailure = null;       /* (error), once */

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
    /* Both descriptions are set. Channel 0 may open before the promise of
     * the last setRemoteDescription() or setLocalDescription() settles, and
     * until then the description is null. */
    this.negotiated = new Promise((resolve) => {
      this.resolveNegotiated = resolve;
    });

    this.pc = new RTCPeerConnection({ iceServers: options.iceServers ?? [] });
    this.pc.onicecandidate = (event) => this.localCandidate(event.candidate);
    this.pc.onconnectionstatechange = () => {
      this.log(`connection ${this.pc.connectionState}`);
      if (this.pc.connectionState === 'failed')
        this.fail(new Error('the peer connection failed (ICE or DTLS)'));
      else if (this.pc.connectionState === 'closed')
        this.fail(new Error('the peer connection closed'));
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
    if (this.error)
      return;
    this.error = error;
    this.log(`failed: ${error.message}`);
    this.rejectBound(error);
    this.rejectFailed(error);
    this.onfailure?.(error);
  }

  /* Resolves as @promise does, unless the session fails first. */
  guard(promise) {
    return Promise.race([promise, this.failed]);
  }

  signal(message) {
    try {
      this.route.send(this.peerId, this.sid, encode({ v: 1, ...message }));
    } catch (error) {
      this.fail(new Error(`cannot send the ${message.t}: ${error.message}`));
    }
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
      message = decodeRtcSignal(payload);
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
        if (this.offerer || this.offerTaken) {
          this.log('second offer ignored');
          return;
        }
        this.offerTaken = true;
        this.enqueue('answer', async () => {
          await this.pc.setRemoteDescription({ type: 'offer', sdp: message.sdp });
          await this.pc.setLocalDescription(await this.pc.createAnswer());
          this.sendDescription('answer', this.pc.localDescription.sdp);
          this.resolveNegotiated();
        });
        break;
      case 'answer':
        this.enqueue('remote answer', async () => {
          await this.pc.setRemoteDescription({ type: 'answer', sdp: message.sdp });
          this.resolveNegotiated();
        });
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
    await this.guard(this.negotiated);
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
    const proof = expectMap(decodeLimited(new Uint8Array(data), BIND_LIMITS), 'identity binding');
    const keys = Object.keys(proof ?? {}).sort().join(',');
    if (keys !== 'key,sig,t,v' || proof.v !== 1 || proof.t !== 'bind' ||
        !(proof.key instanceof Uint8Array) || proof.key.length !== 32 ||
        !(proof.sig instanceof Uint8Array) || proof.sig.length !== 64)
      throw new Error(`identity binding: not a {v: 1, t: "bind", key, sig} map (keys ${keys})`);
    const presented = peerIdFromKey(proof.key);
    if (presented !== this.peerId)
      throw new Error(`identity binding: the peer is ${presented}, but this connection was ` +
                      `made for ${this.peerId}`);
    await this.guard(this.negotiated);
    const roles = this.dtlsRoles();
    const transcript = bindTranscript(!roles.weAreClient, roles.client, roles.server);
    if (!await verifyEd25519(proof.key, proof.sig, transcript))
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
    this.fail(new Error('closed by this side'));
  }
}
