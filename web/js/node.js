// node.js — the browser node: identity, hormiguero, peers, DHT, downloads
//
// SPDX-License-Identifier: GPL-3.0-or-later
//
// What the page (ui.js) talks to. BrowserNode.start() loads the identity,
// joins hormiguero at /ws of the page's own origin, and connects to a few
// of the peers the welcome names, so that lookups have somewhere to start.
// It emits `change` when its peers change and `download` when one starts.
// share() hashes a file, serves it and stores a provider record for it;
// a finished download is served and announced the same way. A peer's
// offer of a file becomes an `offer` event; accepting it downloads the
// file with the peer as its first provider. sendFile() does the other
// way: it shares a file and offers it to a connected peer, which then
// fetches it from the page.
// setName() gives the node a display name, kept in localStorage and told
// to every peer in a `hello`; peers lists the names peers told it.
// When hormiguero's connection closes it joins again, with backoff.

import { hex, shortId } from './bytes.js';
import { DhtClient } from './dht-client.js';
import { checkDisplayName } from './dht-message.js';
import { signProviderRecord } from './dht-record.js';
import { Download, MAX_DOWNLOAD_SIZE } from './download.js';
import { FilesChannel, OFFER_TIMEOUT_MS } from './files.js';
import { Identity } from './identity.js';
import { parseLink } from './content.js';
import { Overlay } from './overlay.js';
import { Library, SharedFile } from './share.js';
import { CLOSE_REPLACED, Signaling } from './signaling.js';
import { nowSeconds } from './time.js';

export const BOOTSTRAP_CONNECTIONS = 3;
/* A page may close at any moment: its provider records live an hour and
 * are stored again every half hour while it stays open. */
export const PROVIDER_TTL_S = 3600;
export const PROVIDER_REPUBLISH_MS = 30 * 60 * 1000;
export const PROVIDER_RETRY_MS = 60 * 1000;
/* How long the page waits for the answer to its offer: the receiver's
 * person has two minutes (docs/PROTOCOL.md, "Offers"), and the reply some
 * seconds more to arrive. */
export const REPLY_TIMEOUT_MS = OFFER_TIMEOUT_MS + 15000;
const MAX_OFFER_NAME = 255;
const REJOIN_FIRST_MS = 1000;
const REJOIN_MAX_MS = 30000;
const NAME_KEY = 'hormiga-display-name';

export class BrowserNode extends EventTarget {
  /* options.url: hormiguero's WebSocket (default: /ws of this origin);
   * options.identity: an Identity (default: the one kept in IndexedDB);
   * options.bootstrap: how many welcome peers to connect to at once. */
  static async start(options = {}) {
    const node = new BrowserNode(options.log ?? ((text) => console.log(text)));
    await node.join(options);
    return node;
  }

  constructor(log) {
    super();
    this.log = log;
    this.state = 'starting';
    this.downloads = [];
    this.shared = [];
    this.offers = [];           /* Offers waiting for the person's answer */
    this.library = new Library(log);
    this.lastSeq = 0;
  }

  async join(options) {
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const url = options.url ?? `${scheme}//${location.host}/ws`;
    this.identity = options.identity ?? await Identity.load(this.log);
    this.url = url;
    this.signaling = await Signaling.join(url, this.identity, this.log);
    this.overlay = new Overlay(this.identity, this.signaling, this.log);
    this.overlay.setName(storedName(this.log));
    this.dht = new DhtClient(this.overlay, this.log);
    this.files = new FilesChannel(this.overlay, this.log);
    this.files.library = this.library;
    this.files.onoffer = (link, offer) => this.offered(link, offer);
    this.overlay.addEventListener('change', () => this.dispatchEvent(new Event('change')));
    this.admitted(this.signaling);

    const bootstrap = options.bootstrap ?? BOOTSTRAP_CONNECTIONS;
    for (const peerId of this.signaling.peers.slice(0, bootstrap))
      this.overlay.connect(peerId).catch((error) =>
        this.log(`bootstrap peer ${shortId(peerId)}: ${error.message}`));
  }

  admitted(signaling) {
    this.signaling = signaling;
    this.rejoins = 0;
    signaling.onfailure = (error) => this.lost(error);
    this.state = 'online';
    this.error = null;
    this.dispatchEvent(new Event('change'));
  }

  /* hormiguero's connection closed: join again after 1, 2, 4 … 30 s (with
   * jitter), unless another page with this identity took our place. The
   * connections to peers stay up meanwhile. */
  lost(error) {
    this.error = error;
    if (error.closeCode === CLOSE_REPLACED) {
      this.state = 'replaced';
      this.log('another page of this browser joined with the same identity; this one stops');
      this.dispatchEvent(new Event('change'));
      return;
    }
    const delay = Math.min(REJOIN_MAX_MS, REJOIN_FIRST_MS * 2 ** this.rejoins) *
      (0.75 + Math.random() / 2);
    this.rejoins++;
    this.state = 'offline';
    this.retryAt = Date.now() + delay;
    this.log(`${error.message}; joining again in ${Math.round(delay / 1000)} s`);
    this.dispatchEvent(new Event('change'));
    setTimeout(() => this.rejoin(), delay);
  }

  async rejoin() {
    let signaling;
    try {
      signaling = await Signaling.join(this.url, this.identity, this.log);
    } catch (error) {
      this.lost(error);
      return;
    }
    this.overlay.useSignaling(signaling);
    this.admitted(signaling);
  }

  get peerId() {
    return this.identity.peerId;
  }

  /* This node's display name, or null. */
  get name() {
    return this.overlay.name;
  }

  /* Sets this node's display name (empty: none), keeps it for the next
   * visit and tells every connected peer. Throws a WireError saying what
   * is wrong with a name the protocol refuses. */
  setName(text) {
    const name = text === '' ? null : checkDisplayName(text);
    try {
      if (name === null)
        localStorage.removeItem(NAME_KEY);
      else
        localStorage.setItem(NAME_KEY, name);
    } catch (error) {
      this.log(`the display name is not kept for the next visit: ${error.message}`);
    }
    this.overlay.setName(name);
    this.dispatchEvent(new Event('change'));
  }

  /* The peers this node is connected to: [{ peerId, name, roles, through,
   * relayedBy }], name the one it told (or null), relayedBy the node that
   * relayed the signals of a connection negotiated through the overlay. */
  get peers() {
    return this.overlay.connected.map((link) => ({
      peerId: link.peerId,
      name: this.overlay.names.get(link.peerId) ?? null,
      roles: [...link.roles],
      through: link.negotiatedThrough,
      relayedBy: link.relayedBy,
    }));
  }

  /* Starts downloading @text (a hormiga: link); throws a LinkError for a
   * link that does not parse. The Download reports through its events. */
  download(text) {
    return this.startDownload(parseLink(text));
  }

  startDownload(link, options = {}) {
    const download = new Download(this, link, options);
    this.downloads.push(download);
    this.dispatchEvent(new CustomEvent('download', { detail: download }));
    download.run().then(() => {
      if (download.state === 'done')
        this.provide(download);
    });
    return download;
  }

  /* @link's peer offers a file: the page asks the person through an
   * `offer` event whose detail (an Offer) they accept or decline. Resolves
   * with the answer for the reply: { accept, text }. */
  offered(link, offer) {
    const from = link.peerId;
    if (offer.kind !== 'file')
      return Promise.resolve({ accept: false, text: 'this browser node does not take folders ' +
                               'yet; the desktop application does' });
    if (offer.size > MAX_DOWNLOAD_SIZE)
      return Promise.resolve({ accept: false, text: `this browser node takes files of at most ` +
                               `${MAX_DOWNLOAD_SIZE} bytes` });
    return new Promise((resolve) => {
      const pending = new Offer(from, offer, (answer) => {
        this.offers = this.offers.filter((other) => other !== pending);
        this.dispatchEvent(new Event('change'));
        if (answer.accept) {
          this.startDownload({ cid: offer.cid, cidHex: hex(offer.cid), name: offer.name,
                               size: offer.size,
                               kind: 'file' }, { offerer: link });
        }
        resolve(answer);
      });
      setTimeout(() => pending.decline('not answered within ' +
                                       `${OFFER_TIMEOUT_MS / 1000} s`), OFFER_TIMEOUT_MS);
      this.offers.push(pending);
      this.dispatchEvent(new CustomEvent('offer', { detail: pending }));
    });
  }

  /* A finished download is served from the Blob the page keeps, and
   * announced like a file the person shared: the more pages hold a file,
   * the more peers serve it. */
  async provide(download) {
    if (this.library.get(download.cid) !== undefined)
      return;
    const shared = SharedFile.fromDownload(download);
    this.library.add(shared);
    this.shared.push(shared);
    let stored = 0;
    try {
      stored = await this.announce(shared);
    } catch (error) {
      this.log(`announcing ${shared.name}: ${error.message}`);
    }
    download.providing = stored;
    download.dispatchEvent(new Event('change'));
    this.keepAnnouncing(shared, stored > 0 ? PROVIDER_REPUBLISH_MS : PROVIDER_RETRY_MS);
  }

  /* Shares the File @file: resolves with { shared, stored }, the
   * SharedFile (its link) and how many nodes took its provider record.
   * @progress(text) says what it is doing. */
  async share(file, progress = () => {}) {
    const shared = await SharedFile.prepare(file, (done, total) =>
      progress(`Hashing: ${total ? Math.floor((done / total) * 100) : 100} %`));
    this.library.add(shared);
    this.shared.push(shared);
    progress('Announcing it in the DHT');
    const stored = await this.announce(shared);
    this.keepAnnouncing(shared, stored > 0 ? PROVIDER_REPUBLISH_MS : PROVIDER_RETRY_MS);
    return { shared, stored };
  }

  /* Offers the File @file to the connected peer @peerId: shares it (as
   * share() does, announcing it in the background), sends the `offer` and
   * resolves with the answer, { accept, text }; the peer then fetches the
   * chunks from the page. Throws when the file cannot be shared, the peer
   * is not connected, or no answer comes within REPLY_TIMEOUT_MS.
   * @progress(text) says what it is doing. */
  async sendFile(peerId, file, progress = () => {}) {
    if (this.overlay.connected.find((link) => link.peerId === peerId) === undefined)
      throw new Error(`${shortId(peerId)} is not connected`);
    const prepared = await SharedFile.prepare(file, (done, total) =>
      progress(`Hashing: ${total ? Math.floor((done / total) * 100) : 100} %`));
    let shared = this.library.get(prepared.cid);
    if (shared === undefined) {
      shared = prepared;
      this.library.add(shared);
      this.shared.push(shared);
      this.keepAnnouncing(shared, 0);
    }
    const link = this.overlay.connected.find((other) => other.peerId === peerId);
    if (link === undefined)
      throw new Error(`the connection to ${shortId(peerId)} closed`);
    progress(`Waiting for ${shortId(peerId)} to answer`);
    let answer;
    try {
      answer = await this.files.request(link, {
        t: 'offer', cid: shared.cid, kind: 'file', name: offerName(shared.name),
        size: shared.size, msize: shared.manifest.length,
      }, REPLY_TIMEOUT_MS);
    } catch (error) {
      throw new Error(`no answer: ${error.message}`);
    }
    if (answer.t === 'error')
      throw new Error(`${shortId(peerId)} refused the offer: ${answer.text}`);
    if (answer.t !== 'reply')
      throw new Error(`${shortId(peerId)} answered the offer with a ${answer.t}`);
    return { accept: answer.accept, text: answer.text ?? '' };
  }

  /* Announces @shared again after @delay: every half hour, or every minute
   * while no node has taken its record. */
  keepAnnouncing(shared, delay) {
    clearTimeout(shared.announcing);
    shared.announcing = setTimeout(async () => {
      let stored = 0;
      try {
        stored = await this.announce(shared);
      } catch (error) {
        this.log(`announcing ${shared.name}: ${error.message}`);
      }
      this.keepAnnouncing(shared, stored > 0 ? PROVIDER_REPUBLISH_MS : PROVIDER_RETRY_MS);
    }, delay);
  }

  async announce(shared) {
    const seq = Math.max(Date.now(), this.lastSeq + 1);
    this.lastSeq = seq;
    const record = await signProviderRecord(this.identity, shared.cid, seq,
                                            nowSeconds() + PROVIDER_TTL_S);
    return this.dht.addProvider(shared.cid, record);
  }
}

/* The display name kept from an earlier visit, or null. */
function storedName(log) {
  let name;
  try {
    name = localStorage.getItem(NAME_KEY);
  } catch {
    return null;
  }
  if (name === null)
    return null;
  try {
    return checkDisplayName(name);
  } catch (error) {
    log(`the kept display name is not used: ${error.message}`);
    return null;
  }
}

/* @name cut to the 255 bytes an offer carries, on a character boundary. */
function offerName(name) {
  const encoder = new TextEncoder();
  let cut = name;
  while (encoder.encode(cut).length > MAX_OFFER_NAME)
    cut = [...cut].slice(0, -1).join('');
  return cut || 'file';
}

/* A file a peer offers, waiting for the person: accept() or decline(). */
export class Offer extends EventTarget {
  constructor(from, offer, answered) {
    super();
    this.from = from;
    this.name = offer.name;
    this.size = offer.size;
    this.answered = answered;
    this.done = false;
  }

  accept() {
    this.settle({ accept: true });
  }

  decline(text = 'the person declined') {
    this.settle({ accept: false, text });
  }

  settle(answer) {
    if (this.done)
      return;
    this.done = true;
    this.answer = answer;
    this.answered(answer);
    this.dispatchEvent(new Event('change'));
  }
}
