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
import { PendingRequests } from './requests.js';
import { ShareCode, decodeTransferMessage, encodeTransferMessage } from './transfer-message.js';
import { withTimeout } from './time.js';

const REQUESTS = new Set(['want', 'get-manifest', 'get-chunk', 'offer']);
export const OFFER_TIMEOUT_MS = 120000;
export const MAX_OFFERS_WAITING = 16;

export class FilesChannel {
  constructor(overlay, log) {
    this.overlay = overlay;
    this.log = log;
    this.pending = new PendingRequests();
    this.cancelled = new WeakMap();   /* Link → Set of request ids cancelled */
    this.library = null;        /* a share.js Library, once something is shared */
    this.onoffer = null;        /* (link, offer) → Promise of { accept, text } */
    this.offersWaiting = 0;
    overlay.onfiles = (link, bytes) => this.receive(link, bytes);
    const previous = overlay.onlinkclosed;
    overlay.onlinkclosed = (link) => {
      previous?.(link);
      this.pending.linkClosed(link);
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
    this.pending.settle(link, message);
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
    const { id, answer, forget } = this.pending.open(link);
    try {
      link.sendFiles(encodeTransferMessage({ ...fields, id }));
    } catch (error) {
      forget();
      return Promise.reject(error);
    }
    return withTimeout(answer, timeoutMs, `${fields.t} to ${shortId(link.peerId)}`)
      .catch((error) => {
        if (forget())
          this.send(link, { t: 'cancel', id });
        throw error;
      })
      .finally(forget);
  }

  /* Whether @message answers a request about @cid. */
  static about(message, cid) {
    return message.cid !== undefined && bytesEqual(message.cid, cid);
  }
}
