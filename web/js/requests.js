// requests.js — our requests on a channel, waiting for their answers
//
// SPDX-License-Identifier: GPL-3.0-or-later
//
// The DHT and the files channels number their requests the same way (a
// 32-bit id, never 0) and match an answer to the request by the peer and
// the id, on the link it was sent on; a link that closes fails what was
// asked on it.

import { shortId } from './bytes.js';

export class PendingRequests {
  constructor() {
    this.nextId = 1;
    this.waiting = new Map();   /* "PeerID/id" → { resolve, reject, link } */
  }

  /* A new request on @link: its id, the promise of its answer, and
   * forget(), which stops waiting and says whether it still was. */
  open(link) {
    const id = this.nextId;
    this.nextId = this.nextId >= 0xffffffff ? 1 : this.nextId + 1;
    const key = `${link.peerId}/${id}`;
    const answer = new Promise((resolve, reject) => {
      this.waiting.set(key, { resolve, reject, link });
    });
    return { id, answer, forget: () => this.waiting.delete(key) };
  }

  /* Hands @message, from @link, to the request it answers, if any is
   * waiting (else it is late, or a second answer to a request sent again). */
  settle(link, message) {
    const key = `${link.peerId}/${message.id}`;
    const waiter = this.waiting.get(key);
    if (waiter === undefined || waiter.link !== link)
      return;
    this.waiting.delete(key);
    waiter.resolve(message);
  }

  linkClosed(link) {
    for (const [key, waiter] of this.waiting)
      if (waiter.link === link) {
        this.waiting.delete(key);
        waiter.reject(new Error(`the connection to ${shortId(link.peerId)} closed`));
      }
  }
}
