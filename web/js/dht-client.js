// dht-client.js — Kademlia lookups of a client-mode node
//
// SPDX-License-Identifier: GPL-3.0-or-later
//
// A browser comes and goes, so it takes no part in storing records or in
// other nodes' routing tables: every request says `client: true`
// (docs/PROTOCOL.md, "DHT messages"). What it does is look things up:
// findProviders() walks towards a content ID, asking the α closest nodes it
// knows of at a time with `get-providers`, adding the nodes each answer
// names (and connecting to them through the node that named them), until
// it has providers and the closest nodes have all answered, or no node is
// left to ask. closestNodes() walks the same way with `find-node`, and
// addProvider() stores a provider record at the nodes it ends with.

import { compareBytes, shortId, xor } from './bytes.js';
import { DhtError, encodeDhtMessage, isDhtRequest } from './dht-message.js';
import { verifyProviderRecord } from './dht-record.js';
import { PendingRequests } from './requests.js';
import { dhtKeyOfPeer, peerIdBytes, peerIdText } from './identity.js';
import { nowSeconds, withTimeout } from './time.js';

export const DHT_K = 20;
export const DHT_ALPHA = 3;
export const DHT_REQUEST_TIMEOUT_MS = 10000;

export class DhtClient {
  constructor(overlay, log) {
    this.overlay = overlay;
    this.log = log;
    this.pending = new PendingRequests();
    overlay.ondht = (link, message) => this.receive(link, message);
    const previous = overlay.onlinkclosed;
    overlay.onlinkclosed = (link) => {
      previous?.(link);
      this.pending.linkClosed(link);
    };
  }

  receive(link, message) {
    if (isDhtRequest(message.t)) {
      if (message.client === true)
        link.roles.add('client');
      this.overlay.answerAsClient(link, message);
      return;
    }
    this.pending.settle(link, message);
  }

  /* The response to a request of @fields (t and its fields) sent on @link. */
  request(link, fields) {
    const { id, answer, forget } = this.pending.open(link);
    try {
      link.sendDht(encodeDhtMessage({ ...fields, id, client: true }));
    } catch (error) {
      forget();
      return Promise.reject(error);
    }
    return withTimeout(answer, DHT_REQUEST_TIMEOUT_MS,
                       `${fields.t} to ${shortId(link.peerId)}`)
      .finally(forget);
  }

  /* Providers of the 32-byte @key: [{ peerId, via }], via the PeerID of the
   * node that named it (connected, so it can relay our offer). @progress
   * (text) says what the lookup is doing. */
  async findProviders(key, progress = () => {}) {
    const { providers } = await this.lookup(key, 'get-providers', progress);
    return providers;
  }

  /* The nodes closest to @key that answered a find-node, closest first. */
  async closestNodes(key, progress = () => {}) {
    const { closest } = await this.lookup(key, 'find-node', progress);
    return closest;
  }

  /* Stores the provider record @record at the nodes closest to @key;
   * resolves with how many stored it. */
  async addProvider(key, record, progress = () => {}) {
    const nodes = await this.closestNodes(key, progress);
    let stored = 0;
    await Promise.all(nodes.map(async (peerId) => {
      try {
        const link = await this.overlay.connect(peerId);
        const answer = await this.request(link, { t: 'add-provider', record });
        if (answer.t !== 'stored')
          throw new Error(`answered ${answer.t}${answer.text ? `: ${answer.text}` : ''}`);
        stored++;
      } catch (error) {
        this.log(`add-provider at ${shortId(peerId)}: ${error.message}`);
      }
    }));
    this.log(`provider record stored at ${stored} of ${nodes.length} nodes`);
    return stored;
  }

  /* An iterative lookup of @key with @type requests (get-providers or
   * find-node): { providers, closest }. A get-providers lookup ends once it
   * has providers and the α closest nodes have answered. */
  async lookup(key, type, progress) {
    const candidates = new Map();   /* PeerID → { peerId, distance, via, state } */
    const providers = new Map();    /* PeerID → { peerId, via } */
    const me = this.overlay.identity.peerId;

    const add = async (peerId, via) => {
      if (peerId === me || candidates.has(peerId))
        return;
      const bytes = peerIdBytes(peerId);
      if (bytes === null)
        return;
      const entry = { peerId, distance: null, via, state: 'new' };
      candidates.set(peerId, entry);
      entry.distance = xor(await dhtKeyOfPeer(bytes), key);
    };

    for (const link of this.overlay.connected)
      if (!link.roles.has('client'))
        await add(link.peerId, undefined);
    for (const peerId of this.overlay.signaling.peers)
      await add(peerId, undefined);

    const expected = type === 'get-providers' ? 'providers' : 'nodes';
    const ask = async (entry) => {
      try {
        const link = await this.overlay.connect(entry.peerId, { via: entry.via });
        const answer = await this.request(link, { t: type, key });
        if (answer.t === 'error' && answer.code === DhtError.UNAVAILABLE) {
          link.roles.add('client');   /* another browser, say */
          this.overlay.changed();
        }
        if (answer.t !== expected)
          throw new Error(`answered ${answer.t}${answer.text ? `: ${answer.text}` : ''}`);
        link.roles.add('dht');
        this.overlay.changed();
        for (const record of answer.records ?? []) {
          try {
            const provider = await verifyProviderRecord(record, key, nowSeconds());
            if (!providers.has(provider.peerId) && provider.peerId !== me)
              providers.set(provider.peerId, { peerId: provider.peerId, via: entry.peerId });
          } catch (error) {
            this.log(`a provider record from ${shortId(entry.peerId)} refused: ${error.message}`);
          }
        }
        for (const node of answer.nodes)
          await add(peerIdText(node), entry.peerId);
        entry.state = 'done';
      } catch (error) {
        this.log(`${type} to ${shortId(entry.peerId)}: ${error.message}`);
        entry.state = 'failed';
      }
    };

    const sorted = () => [...candidates.values()]
      .filter((entry) => entry.distance !== null)
      .sort((a, b) => compareBytes(a.distance, b.distance));
    const inflight = new Set();
    for (;;) {
      const closest = sorted().filter((entry) => entry.state !== 'failed').slice(0, DHT_K);
      if (providers.size > 0 && closest.slice(0, DHT_ALPHA).every((entry) => entry.state === 'done'))
        break;
      while (inflight.size < DHT_ALPHA) {
        const next = closest.find((entry) => entry.state === 'new');
        if (next === undefined)
          break;
        next.state = 'asking';
        progress(`asking ${shortId(next.peerId)}`);
        const asking = ask(next).finally(() => inflight.delete(asking));
        inflight.add(asking);
      }
      if (inflight.size === 0)
        break;
      await Promise.race(inflight);
    }
    const answered = sorted().filter((entry) => entry.state === 'done');
    this.log(`${type} lookup: ${providers.size} providers, ${answered.length} nodes answered`);
    return {
      providers: [...providers.values()],
      closest: answered.slice(0, DHT_K).map((entry) => entry.peerId),
    };
  }
}
