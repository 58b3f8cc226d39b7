// files.js — requests and answers on the files channel (2)
//
// SPDX-License-Identifier: GPL-3.0-or-later
//
// Matches each response to the request it answers (by connection and `id`)
// and answers what peers ask of this node: `want`, `get-manifest` and
// `get-chunk` go to the library of what this page shares (share.js), or
// are answered `not-found` without one; an `offer` goes to whoever set
// onoffer (node.js, which asks the person and declines by itself after
// OFFER_TIMEOUT_MS), and its `reply` goes back when they answer; it is
// declined at once when 16 offers wait already, or when nobody listens.

import { bytesEqual, shortId } from './bytes.js';
import { ShareCode, decodeTransferMessage, encodeTransferMessage } from './transfer-message.js';
import { withTimeout } from './time.js';

const REQUESTS = new Set(['want', 'get-manifest', 'get-chunk', 'offer']);
export const OFFER_TIMEOUT_MS = 120000;
export const MAX_OFFERS_WAITING = 16;

export class FilesChannel {
  constructor(overlay, log) {
    this.overlay = overlay;
    this.log = log;
    this.nextId = 1;
    this.waiting = new Map();   /* "PeerID/id" → { resolve, reject, link } */
    this.cancelled = new WeakMap();   /* Link → Set of request ids cancelled */
    this.library = null;        /* a share.js Library, once something is shared */
    this.onoffer = null;        /* (link, offer) → Promise of { accept, text } */
    this.offersWaiting = 0;
    overlay.onfiles = (link, bytes) => this.receive(link, bytes);
    const previous = overlay.onlinkclosed;
    overlay.onlinkclosed = (link) => {
      previous?.(link);
      for (const [key, waiter] of this.waiting)
        if (waiter.link === link) {
          this.waiting.delete(key);
          waiter.reject(new Error(`the connection to ${shortId(link.peerId)} closed`));
        }
    };
  }

  receive(link, bytes) {
    let message;
    try {
      message = decodeTransferMessage(bytes);
    } catch (error) {
      this.log(`from ${shortId(link.peerId)}: ${error.message}; dropped`);
      return;
    }
    if (REQUESTS.has(message.t)) {
      this.answer(link, message);
      return;
    }
    if (message.t === 'cancel') {
      const ids = this.cancelled.get(link) ?? new Set();
      if (ids.size < 1024)
        ids.add(message.id);
      this.cancelled.set(link, ids);
      return;
    }
    const key = `${link.peerId}/${message.id}`;
    const waiter = this.waiting.get(key);
    if (waiter === undefined || waiter.link !== link)
      return;
    this.waiting.delete(key);
    waiter.resolve(message);
  }

  answer(link, request) {
    if (request.t === 'offer') {
      this.offered(link, request);
    } else if (this.library !== null) {
      this.library.serve(this, link, request).catch((error) =>
        this.log(`serving ${shortId(link.peerId)}: ${error.message}`));
    } else {
      this.send(link, { t: 'error', id: request.id, code: ShareCode.NOT_FOUND,
                        text: 'this browser node shares nothing' });
    }
  }

  /* Asks onoffer about @offer and replies with its answer. */
  async offered(link, offer) {
    const decline = (text) => this.send(link, { t: 'reply', id: offer.id, accept: false, text });
    if (this.onoffer === null) {
      decline('this browser node does not take offers; send it a link instead');
      return;
    }
    if (this.offersWaiting >= MAX_OFFERS_WAITING) {
      decline('too many offers waiting for an answer');
      return;
    }
    this.offersWaiting++;
    let answer;
    try {
      answer = await this.onoffer(link, offer);
    } catch (error) {
      answer = { accept: false, text: error.message };
    } finally {
      this.offersWaiting--;
    }
    if (answer.accept)
      this.send(link, { t: 'reply', id: offer.id, accept: true });
    else
      decline(answer.text.slice(0, 256));
  }

  /* Whether @link's peer sent `cancel` for its request @id (forgotten
   * once asked: ids are the peer's, and it may use one again). */
  isCancelled(link, id) {
    return this.cancelled.get(link)?.delete(id) ?? false;
  }

  send(link, fields) {
    try {
      link.sendFiles(encodeTransferMessage(fields));
    } catch (error) {
      this.log(`cannot send a ${fields.t} to ${shortId(link.peerId)}: ${error.message}`);
    }
  }

  /* The response (or error) to the request @fields, within @timeoutMs. */
  request(link, fields, timeoutMs) {
    const id = this.nextId;
    this.nextId = this.nextId >= 0xffffffff ? 1 : this.nextId + 1;
    const key = `${link.peerId}/${id}`;
    const answer = new Promise((resolve, reject) => {
      this.waiting.set(key, { resolve, reject, link });
    });
    try {
      link.sendFiles(encodeTransferMessage({ ...fields, id }));
    } catch (error) {
      this.waiting.delete(key);
      return Promise.reject(error);
    }
    return withTimeout(answer, timeoutMs, `${fields.t} to ${shortId(link.peerId)}`)
      .catch((error) => {
        if (this.waiting.delete(key))
          this.send(link, { t: 'cancel', id });
        throw error;
      })
      .finally(() => this.waiting.delete(key));
  }

  /* Whether @message answers a request about @cid. */
  static about(message, cid) {
    return message.cid !== undefined && bytesEqual(message.cid, cid);
  }
}
