// overlay.js — this node's peer connections
//
// SPDX-License-Identifier: GPL-3.0-or-later
//
// Opens and accepts the WebRTC connections of docs/PROTOCOL.md and hands
// what arrives on their DHT (1) and files (2) channels to whoever set
// ondht / onfiles. A connection to a node we learnt of from another node
// is negotiated through the overlay first, as the C node does
// (src/node/hormiga-node.c): the offer, answer and candidates travel as
// `relay` messages on the DHT channel of the connection to the node that
// named it, with `hops` 3. A session negotiated that way that has not
// opened its channels within 4 s, that gets a `bye` or whose relaying
// connection ends, is started again through hormiguero.
//
// This node is in client mode: it passes no relay on. A relay for another
// node is answered with a `bye` relay, so its sender falls back at once.

import { shortId } from './bytes.js';
import { DhtError, decodeDhtMessage, encodeDhtMessage } from './dht-message.js';
import { peerIdBytes, peerIdText } from './identity.js';
import { PeerSession, decodeRtcSignal, newSid } from './peer-session.js';
import { withTimeout } from './time.js';
import { encode } from './wire.js';

export const OVERLAY_SETUP_TIMEOUT_MS = 4000;
export const HORMIGUERO_SETUP_TIMEOUT_MS = 20000;
const RELAY_HOPS = 3;
const MAX_SESSIONS = 64;
/* DHT messages kept from a session not yet a Link (a peer's hello can
 * arrive before this side has seen every channel open). */
const MAX_EARLY_MESSAGES = 16;
/* Display names heard in `hello`s, by PeerID (docs/PROTOCOL.md, "Hello"). */
export const MAX_NAMES = 4096;

/* A connected peer: identity verified, channels 1 and 2 open. */
export class Link {
  constructor(session, negotiatedThrough, relayedBy) {
    this.session = session;
    this.peerId = session.peerId;
    this.negotiatedThrough = negotiatedThrough;   /* 'hormiguero' or 'overlay' */
    this.relayedBy = relayedBy;                   /* through the overlay: the relaying PeerID */
    this.roles = new Set();                       /* 'dht', 'client', 'provider' */
    this.closed = false;
  }

  sendDht(bytes) {
    if (this.closed || this.session.dht.readyState !== 'open')
      throw new Error(`the connection to ${shortId(this.peerId)} is closed`);
    this.session.dht.send(bytes);
  }

  sendFiles(bytes) {
    if (this.closed || this.session.files.readyState !== 'open')
      throw new Error(`the connection to ${shortId(this.peerId)} is closed`);
    this.session.files.send(bytes);
  }

  /* Bytes waiting in the files channel's send buffer. */
  get filesBuffered() {
    return this.session.files.bufferedAmount;
  }
}

function channelOpen(session, channel) {
  if (channel.readyState === 'open')
    return Promise.resolve();
  return new Promise((resolve) => channel.addEventListener('open', resolve, { once: true }));
}

function ready(session) {
  return session.guard(Promise.all([session.bound, channelOpen(session, session.dht),
                                    channelOpen(session, session.files)]));
}

export class Overlay extends EventTarget {
  constructor(identity, signaling, log) {
    super();
    this.identity = identity;
    this.signaling = signaling;
    this.log = log;
    this.links = new Map();      /* PeerID → Link, the newest per peer */
    this.sessions = new Map();   /* "PeerID/sid" → PeerSession not yet a Link */
    this.pending = new Map();    /* PeerID → Promise<Link> */
    this.ondht = null;           /* (link, message): a request or response */
    this.onfiles = null;         /* (link, bytes) */
    this.onlinkclosed = null;    /* (link) */
    this.name = null;            /* this node's display name, told in hellos */
    this.names = new Map();      /* PeerID → the display name it told us */

    this.useSignaling(signaling);
  }

  /* hormiguero's connection: the first, or a new one after it closed.
   * Sessions negotiated through the old one fail at once. */
  useSignaling(signaling) {
    const old = this.signaling;
    this.signaling = signaling;
    signaling.onsignal = (from, sid, payload) => this.signal(from, sid, payload, signaling);
    signaling.onerror = (code, message, sid) => {
      for (const session of this.sessions.values())
        if (session.sid === sid)
          session.fail(new Error(`hormiguero: ${message}`));
    };
    if (old !== signaling)
      for (const session of this.sessions.values())
        if (session.route === old)
          session.fail(new Error('the connection to hormiguero closed'));
  }

  get connected() {
    return [...this.links.values()];
  }

  /* A Link to @peerId, made if there is none: through the overlay when
   * @options.via (a PeerID) is connected, else (or when that fails) through
   * hormiguero. */
  connect(peerId, options = {}) {
    const link = this.links.get(peerId);
    if (link !== undefined && !link.closed)
      return Promise.resolve(link);
    if (peerId === this.identity.peerId)
      return Promise.reject(new Error('that is this node'));
    let pending = this.pending.get(peerId);
    if (pending === undefined) {
      pending = this.establish(peerId, options.via).finally(() => this.pending.delete(peerId));
      this.pending.set(peerId, pending);
    }
    return pending;
  }

  async establish(peerId, via) {
    const relay = via !== undefined ? this.links.get(via) : undefined;
    if (relay !== undefined && !relay.closed) {
      try {
        return await this.attempt(peerId, this.relayRoute(relay), OVERLAY_SETUP_TIMEOUT_MS,
                                  'overlay');
      } catch (error) {
        this.log(`${shortId(peerId)} through ${shortId(via)} failed (${error.message}); ` +
                 'trying hormiguero');
      }
    }
    return this.attempt(peerId, this.signaling, HORMIGUERO_SETUP_TIMEOUT_MS, 'hormiguero');
  }

  async attempt(peerId, route, timeoutMs, through) {
    const session = this.newSession(route, peerId, newSid(), true);
    if (route.link !== undefined)
      this.watchRelay(session, route.link);
    session.offer();
    try {
      await withTimeout(ready(session), timeoutMs, `connecting to ${shortId(peerId)}`);
    } catch (error) {
      session.close();
      throw error;
    } finally {
      this.sessions.delete(`${peerId}/${session.sid}`);
    }
    return this.addLink(session, through, route.link?.peerId ?? null);
  }

  newSession(route, peerId, sid, offerer) {
    if (this.sessions.size >= MAX_SESSIONS)
      throw new Error(`${MAX_SESSIONS} connections are being negotiated already`);
    const session = new PeerSession(route, this.identity, peerId, sid, offerer, this.log,
                                    { iceServers: this.signaling.iceServers() });
    this.sessions.set(`${peerId}/${sid}`, session);
    session.early = [];
    session.dht.onmessage = (event) => {
      if (session.early.length < MAX_EARLY_MESSAGES)
        session.early.push(event.data);
    };
    return session;
  }

  /* A session negotiated through @link ends with it. */
  watchRelay(session, link) {
    const check = () => {
      if (link.closed)
        session.fail(new Error(`the relaying connection to ${shortId(link.peerId)} closed`));
    };
    link.session.failed.catch(check);
  }

  addLink(session, through, relayedBy) {
    const link = new Link(session, through, relayedBy);
    const previous = this.links.get(link.peerId);
    this.links.set(link.peerId, link);
    session.dht.onmessage = (event) => this.dhtMessage(link, event.data);
    session.files.onmessage = (event) => {
      if (event.data instanceof ArrayBuffer)
        this.onfiles?.(link, new Uint8Array(event.data));
      else
        this.log(`a text message on ${shortId(link.peerId)}'s files channel dropped`);
    };
    const close = () => {
      if (link.closed)
        return;
      link.closed = true;
      if (this.links.get(link.peerId) === link)
        this.links.delete(link.peerId);
      this.onlinkclosed?.(link);
      this.changed();
    };
    session.failed.catch(close);
    session.dht.addEventListener('close', close);
    session.files.addEventListener('close', close);
    if (this.name !== null)
      this.sendHello(link);
    this.log(`connected to ${link.peerId} through ${through}` +
             (relayedBy ? ` (signals relayed by ${shortId(relayedBy)})` : ''));
    if (previous !== undefined && previous !== link)
      this.log(`a second connection to ${shortId(link.peerId)}; the newer one carries messages`);
    this.changed();
    for (const data of session.early.splice(0))
      this.dhtMessage(link, data);
    return link;
  }

  changed() {
    this.dispatchEvent(new Event('change'));
  }

  /* This node's display name (checked by the caller), or null for none:
   * told to every connected peer, and to each new one as it connects. */
  setName(name) {
    if (name === this.name)
      return;
    this.name = name;
    for (const link of this.links.values())
      this.sendHello(link);
  }

  sendHello(link) {
    try {
      link.sendDht(encodeDhtMessage({ t: 'hello', id: 0, name: this.name ?? undefined }));
    } catch (error) {
      this.log(`cannot tell ${shortId(link.peerId)} this node's name: ${error.message}`);
    }
  }

  /* @peerId's hello: its name, or undefined for none. */
  heard(peerId, name) {
    if (this.names.get(peerId) === name)
      return;
    this.names.delete(peerId);
    if (name !== undefined) {
      if (this.names.size >= MAX_NAMES)
        this.names.delete(this.names.keys().next().value);
      this.names.set(peerId, name);
    }
    this.changed();
  }

  /* Signals for @from's session @sid, that came by @route. */
  signal(from, sid, payload, route) {
    const key = `${from}/${sid}`;
    let session = this.sessions.get(key);
    if (session === undefined) {
      let message;
      try {
        message = decodeRtcSignal(payload);
      } catch (error) {
        this.log(`undecodable signal from ${shortId(from)} dropped: ${error.message}`);
        return;
      }
      if (message.t !== 'offer')
        return;   /* for a session that ended or is not ours */
      try {
        session = this.newSession(route, from, sid, false);
      } catch (error) {
        this.log(`offer from ${shortId(from)} dropped: ${error.message}`);
        return;
      }
      const through = route === this.signaling ? 'hormiguero' : 'overlay';
      if (route.link !== undefined)
        this.watchRelay(session, route.link);
      withTimeout(ready(session), HORMIGUERO_SETUP_TIMEOUT_MS, `${shortId(from)}'s offer`)
        .then(() => this.addLink(session, through, route.link?.peerId ?? null))
        .catch((error) => {
          this.log(`offer from ${shortId(from)} failed: ${error.message}`);
          session.close();
        })
        .finally(() => this.sessions.delete(key));
    }
    session.receive(payload);
  }

  /* The route of a session negotiated through @link: relays with hops 3. */
  relayRoute(link) {
    return {
      link,
      send: (to, sid, payload) => link.sendDht(encodeDhtMessage({
        t: 'relay', id: 0, to: peerIdBytes(to), from: this.identity.peerIdBytes,
        hops: RELAY_HOPS, sid, payload,
      })),
    };
  }

  dhtMessage(link, data) {
    if (!(data instanceof ArrayBuffer)) {
      this.log(`a text message on ${shortId(link.peerId)}'s DHT channel dropped`);
      return;
    }
    let message;
    try {
      message = decodeDhtMessage(new Uint8Array(data));
    } catch (error) {
      this.log(`from ${shortId(link.peerId)}: ${error.message}; dropped`);
      return;
    }
    if (message.t === 'relay')
      this.relay(link, message);
    else if (message.t === 'hello')
      this.heard(link.peerId, message.name);
    else
      this.ondht?.(link, message);
  }

  relay(link, message) {
    const to = peerIdText(message.to);
    const from = peerIdText(message.from);
    if (to === this.identity.peerId) {
      this.signal(from, message.sid, message.payload, this.relayRoute(link));
      return;
    }
    let type;
    try {
      type = decodeRtcSignal(message.payload).t;
    } catch {
      type = null;
    }
    if (type === 'bye')
      return;
    try {
      link.sendDht(encodeDhtMessage({
        t: 'relay', id: 0, to: message.from, from: message.to, hops: RELAY_HOPS,
        sid: message.sid, payload: encode({ v: 1, t: 'bye' }),
      }));
    } catch (error) {
      this.log(`cannot refuse a relay: ${error.message}`);
    }
  }

  /* Answers a DHT request as a client-mode node, which keeps no routing
   * table and stores nothing. */
  answerAsClient(link, request) {
    const reply = request.t === 'ping'
      ? { t: 'pong', id: request.id }
      : { t: 'error', id: request.id, code: DhtError.UNAVAILABLE,
          text: 'a browser node in client mode has no routing table and stores nothing' };
    try {
      link.sendDht(encodeDhtMessage(reply));
    } catch (error) {
      this.log(`cannot answer ${shortId(link.peerId)}: ${error.message}`);
    }
  }
}
