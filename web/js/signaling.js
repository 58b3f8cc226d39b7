// signaling.js — the connection to hormiguero's /ws
//
// SPDX-License-Identifier: GPL-3.0-or-later
//
// docs/PROTOCOL.md, "Signaling server": the challenge / join / welcome
// handshake, `signal` envelopes both ways, `ping` answered with `pong`.
// Frames are decoded with the envelope limits (64 KiB, str 4 KiB, 64 peers)
// and anything that does not decode is logged and dropped.

import { concatBytes, utf8 } from './bytes.js';
import { decodeLimited, encode, expectMap, isBin, isText } from './wire.js';

const JOIN_CONTEXT = utf8.encode('hormiga/join/v1:');
const SIGNAL_MAX_PAYLOAD = 61440;
export const CLOSE_REPLACED = 4004;
const ENVELOPE_LIMITS = {
  what: 'hormiguero frame',
  maxSize: 65536,
  maxStr: 4096,
  maxBin: 65536,
  maxArray: 1024,
  maxMap: 64,
};

function decodeEnvelope(data) {
  return expectMap(decodeLimited(new Uint8Array(data), ENVELOPE_LIMITS), 'hormiguero frame');
}

function nextMessage(socket, what) {
  return new Promise((resolve, reject) => {
    socket.onmessage = (event) => {
      try {
        resolve(decodeEnvelope(event.data));
      } catch (error) {
        reject(error);
      }
    };
    socket.onclose = (event) =>
      reject(new Error(`hormiguero closed the connection (${event.code} ${event.reason}) while ` +
                       `waiting for ${what}`));
    socket.onerror = () => reject(new Error(`WebSocket error while waiting for ${what}`));
  });
}

/* One admitted connection to hormiguero. */
export class Signaling {
  static async join(url, identity, log) {
    const socket = new WebSocket(url);
    socket.binaryType = 'arraybuffer';
    await new Promise((resolve, reject) => {
      socket.onopen = resolve;
      socket.onerror = () => reject(new Error(`cannot open ${url}`));
    });

    const challenge = await nextMessage(socket, 'the challenge');
    if (challenge.v !== 1 || challenge.t !== 'challenge' || !isBin(challenge.nonce, 32, 32))
      throw new Error('expected a challenge with a 32-byte nonce from hormiguero, got a ' +
                      `${challenge.t} message`);
    const sig = await identity.sign(concatBytes(JOIN_CONTEXT, challenge.nonce));
    /* A browser is always a client-mode node: hormiguero names it in no
     * newcomer's bootstrap sample. */
    socket.send(encode({ v: 1, t: 'join', key: identity.publicKey, sig, client: true }));

    const welcome = await nextMessage(socket, 'the welcome');
    if (welcome.t !== 'welcome')
      throw new Error(`join refused: ${welcome.t} ${welcome.code ?? ''} ${welcome.message ?? ''}`);
    if (welcome.id !== identity.peerId)
      throw new Error(`hormiguero says our PeerID is ${welcome.id}; we computed ${identity.peerId}`);
    const peers = Array.isArray(welcome.peers)
      ? welcome.peers.filter((peer) => isText(peer, 1, 128)).slice(0, 64)
      : [];
    log(`admitted as ${welcome.id} (server ${challenge.server ?? '?'}, ` +
        `${peers.length} other peers)`);
    return new Signaling(socket, identity, peers, welcome.turn, log);
  }

  constructor(socket, identity, peers, turn, log) {
    this.socket = socket;
    this.identity = identity;
    this.peers = peers;          /* the welcome's sample of admitted peers */
    this.turn = turn ?? null;    /* RTCIceServer-shaped, or null */
    this.log = log;
    this.onsignal = null;        /* (from, sid, payload) */
    this.onerror = null;         /* (code, message, sid): an error envelope */
    this.onfailure = null;       /* (error): the connection is gone */
    socket.onmessage = (event) => this.receive(event.data);
    socket.onclose = (event) => {
      const error = new Error(`hormiguero closed the connection: ${event.code} ${event.reason}`);
      error.closeCode = event.code;
      this.onfailure?.(error);
    };
    socket.onerror = null;
  }

  /* RTCPeerConnection's iceServers: the welcome's TURN server, if any. */
  iceServers() {
    const turn = this.turn;
    if (turn === null || !Array.isArray(turn.urls) || turn.urls.length === 0 ||
        !turn.urls.every((url) => isText(url, 1, 256)))
      return [];
    return [{ urls: turn.urls, username: turn.username, credential: turn.credential }];
  }

  receive(data) {
    let message;
    try {
      message = decodeEnvelope(data);
    } catch (error) {
      this.log(`undecodable frame from hormiguero dropped: ${error.message}`);
      return;
    }
    switch (message.t) {
      case 'ping':
        this.socket.send(encode({ v: 1, t: 'pong', seq: message.seq }));
        break;
      case 'signal':
        if (!isText(message.from, 1, 128) || !isText(message.sid, 1, 64) ||
            !isBin(message.payload, 0, SIGNAL_MAX_PAYLOAD)) {
          this.log('a signal without a valid from, sid or payload dropped');
          return;
        }
        this.onsignal?.(message.from, message.sid, message.payload);
        break;
      case 'error':
        this.log(`hormiguero error ${message.code}${message.sid ? ` on ${message.sid}` : ''}: ` +
                 `${message.message}`);
        if (this.onerror)
          this.onerror(message.code, message.message, message.sid);
        else
          this.onfailure?.(new Error(`hormiguero error ${message.code}: ${message.message}`));
        break;
      case 'pong':
        break;
      default:
        this.log(`ignored a ${message.t} message from hormiguero`);
    }
  }

  /* The route of a session negotiated through hormiguero. */
  send(to, sid, payload) {
    if (payload.length > SIGNAL_MAX_PAYLOAD)
      throw new Error(`a signal payload of ${payload.length} bytes is above the ` +
                      `${SIGNAL_MAX_PAYLOAD}-byte limit`);
    this.socket.send(encode({ v: 1, t: 'signal', to, sid, payload }));
  }

  close() {
    this.socket.onclose = null;
    this.socket.close(1000);
  }
}
