// download.js — one file, from its link to the browser's download
//
// SPDX-License-Identifier: GPL-3.0-or-later
//
// docs/PROTOCOL.md, "Providers, downloads and serving", as a browser can do
// it: look the providers up in the DHT, ask at most 16 of them with
// `want`, fetch the manifest in pieces from one that has the file and check
// it against the link's content ID, then fetch the chunks from every
// provider that has them, each with a window of requests (4 at first, one
// more per good chunk up to 32, halved on `busy`, `too-many-requests` or a
// request unanswered for 15 s). Every chunk is checked against its hash; a
// provider that sends a wrong one is not asked again. When all are in, the
// Merkle root of their hashes must give the link's content ID again; the
// file is then handed to the browser as a Blob.
//
// The whole file is kept in memory, so a download is refused above
// MAX_DOWNLOAD_SIZE. Once saved, the Blob stays while the page is open and
// the node offers it as a provider (node.js): every browser that has a
// file serves it.

import { bytesEqual, shortId } from './bytes.js';
import { chunkCount, decodeManifest, fileContentId, hash, merkleRoot, sanitizeName }
  from './content.js';
import { FilesChannel } from './files.js';
import { ShareCode, SHARE_MAX_PIECE } from './transfer-message.js';
import { sleep } from './time.js';

export const MAX_DOWNLOAD_SIZE = 1024 * 1024 * 1024;
const MAX_PROVIDERS = 16;
const REQUEST_TIMEOUT_MS = 15000;
const GIVE_UP_MS = 60000;
const LOOK_AGAIN_MS = 10000;
const FIRST_WINDOW = 4;
const MAX_WINDOW = 32;
const MAX_SILENT = 3;

export class Download extends EventTarget {
  /* @options.offerer: the Link of a peer that offered the file, asked
   * first, as a provider the DHT may not know of. */
  constructor(node, link, options = {}) {
    super();
    this.node = node;
    this.link = link;              /* parseLink()'s result */
    this.offerer = options.offerer ?? null;
    this.cid = link.cid;
    this.name = link.name ?? `${link.cidHex.slice(0, 12)}…`;
    this.size = link.size;
    this.received = 0;
    this.state = 'looking';        /* looking, manifest, chunks, done, failed */
    this.status = 'Looking for peers that have it';
    this.error = null;
    this.manifest = null;
    this.sources = [];
    this.blob = null;
  }

  update(state, status) {
    this.state = state;
    this.status = status;
    this.dispatchEvent(new Event('change'));
  }

  log(text) {
    this.node.log(`download ${this.link.cidHex.slice(0, 12)}: ${text}`);
  }

  async run() {
    try {
      const started = Date.now();
      for (;;) {
        this.sources = await this.findSources();
        if (this.sources.length > 0)
          break;
        if (Date.now() - started >= GIVE_UP_MS)
          throw new Error('no peer has this content');
        this.update('looking', 'No peer has it yet; looking again in 10 s');
        await sleep(LOOK_AGAIN_MS);
      }
      await this.fetchManifest();
      await this.fetchChunks();
      this.verify();
      this.save();
      this.update('done', `Saved as ${this.fileName}`);
    } catch (error) {
      this.error = error;
      this.log(`failed: ${error.message}`);
      this.update('failed', `Failed: ${error.message}`);
    }
    return this;
  }

  /* Providers that answered `want` with all or some of the file. */
  async findSources() {
    const providers = await this.node.dht.findProviders(this.cid, (text) =>
      this.update('looking', `Looking for peers that have it: ${text}`));
    if (this.offerer !== null && !providers.some((p) => p.peerId === this.offerer.peerId))
      providers.unshift({ peerId: this.offerer.peerId, via: undefined });
    const sources = [];
    await Promise.all(providers.slice(0, MAX_PROVIDERS).map(async (provider) => {
      try {
        const link = await this.node.overlay.connect(provider.peerId, { via: provider.via });
        const have = await this.node.files.request(link, { t: 'want', cid: this.cid },
                                                   REQUEST_TIMEOUT_MS);
        if (have.t !== 'have' || !FilesChannel.about(have, this.cid))
          throw new Error(`answered want with ${have.t}${have.text ? `: ${have.text}` : ''}`);
        if (have.state === 'none')
          throw new Error('does not have it (any more)');
        link.roles.add('provider');
        this.node.overlay.changed();
        sources.push({
          link, have, window: FIRST_WINDOW, inflight: 0, silent: 0, banned: false,
          dropped: false, chunks: 0,
        });
      } catch (error) {
        this.log(`provider ${shortId(provider.peerId)}: ${error.message}`);
      }
    }));
    this.log(`${sources.length} of ${providers.length} providers have it`);
    return sources;
  }

  async fetchManifest() {
    this.update('manifest', 'Fetching the list of chunks');
    for (const source of this.sources) {
      try {
        this.manifest = await this.manifestFrom(source);
        this.name = this.manifest.name;
        this.size = this.manifest.size;
        return;
      } catch (error) {
        source.banned = true;
        this.log(`manifest from ${shortId(source.link.peerId)}: ${error.message}`);
      }
    }
    throw new Error('no provider gave a manifest that matches the link');
  }

  async manifestFrom(source) {
    const total = source.have.msize;
    const bytes = new Uint8Array(total);
    for (let offset = 0; offset < total;) {
      const length = Math.min(SHARE_MAX_PIECE, total - offset);
      const piece = await this.node.files.request(source.link,
                                                  { t: 'get-manifest', cid: this.cid, offset, length },
                                                  REQUEST_TIMEOUT_MS);
      if (piece.t !== 'manifest' || !FilesChannel.about(piece, this.cid))
        throw new Error(`answered get-manifest with ${piece.t}` +
                        `${piece.text ? `: ${piece.text}` : ''}`);
      if (piece.total !== total || piece.offset !== offset || piece.data.length > length)
        throw new Error('sent a manifest piece that does not fit');
      bytes.set(piece.data, offset);
      offset += piece.data.length;
    }
    const manifest = decodeManifest(bytes, this.cid);
    if (manifest.size > MAX_DOWNLOAD_SIZE)
      throw new Error(`the file has ${manifest.size} bytes; the browser node keeps downloads in ` +
                      `memory and takes at most ${MAX_DOWNLOAD_SIZE}`);
    this.manifestBytes = bytes;
    return manifest;
  }

  hasChunk(source, index) {
    if (source.have.state === 'all')
      return true;
    const bits = source.have.bits;
    return (index >> 3) < bits.length && (bits[index >> 3] & (0x80 >> (index & 7))) !== 0;
  }

  chunkLength(index) {
    const { size, chunk } = this.manifest;
    const count = chunkCount(size, chunk);
    return index < count - 1 ? chunk : size - chunk * (count - 1);
  }

  fetchChunks() {
    const count = chunkCount(this.manifest.size, this.manifest.chunk);
    const missing = Array.from({ length: count }, (_, i) => i);
    this.chunks = new Array(count);
    this.hashes = new Array(count);   /* BLAKE2b of each chunk as it came */
    let done = 0;
    this.update('chunks', this.progressText());

    return new Promise((resolve, reject) => {
      const requeue = (index) => missing.unshift(index);

      const got = (source, index, message) => {
        if (message.t === 'error') {
          if (message.code === ShareCode.BUSY || message.code === ShareCode.TOO_MANY_REQUESTS) {
            source.window = Math.max(1, source.window >> 1);
          } else {
            source.dropped = true;
            this.log(`${shortId(source.link.peerId)}: error ${message.code} ${message.text}`);
          }
          requeue(index);
          return;
        }
        const data = message.data;
        const digest = message.t === 'chunk' && data?.length === this.chunkLength(index)
          ? hash(data) : null;
        if (message.t !== 'chunk' || !FilesChannel.about(message, this.cid) ||
            message.index !== index || digest === null ||
            !bytesEqual(digest, this.manifest.hashes[index])) {
          source.banned = true;
          this.log(`${shortId(source.link.peerId)} sent a wrong chunk ${index}; not asked again`);
          requeue(index);
          return;
        }
        source.silent = 0;
        source.window = Math.min(MAX_WINDOW, source.window + 1);
        if (this.chunks[index] === undefined) {
          source.chunks++;
          this.chunks[index] = data;
          this.hashes[index] = digest;
          this.received += data.length;
          done++;
          this.update('chunks', this.progressText());
        }
      };

      const failed = (source, index, error) => {
        source.window = Math.max(1, source.window >> 1);
        source.silent++;
        if (source.link.closed || source.silent >= MAX_SILENT) {
          source.dropped = true;
          this.log(`${shortId(source.link.peerId)} dropped: ${error.message}`);
        }
        requeue(index);
      };

      const pump = () => {
        if (done === count) {
          resolve();
          return;
        }
        const live = this.sources.filter((source) => !source.banned && !source.dropped);
        for (const source of live) {
          while (source.inflight < source.window) {
            const at = missing.findIndex((index) => this.hasChunk(source, index));
            if (at < 0)
              break;
            const [index] = missing.splice(at, 1);
            source.inflight++;
            this.node.files.request(source.link, { t: 'get-chunk', cid: this.cid, index },
                                    REQUEST_TIMEOUT_MS)
              .then((message) => got(source, index, message),
                    (error) => failed(source, index, error))
              .finally(() => {
                source.inflight--;
                pump();
              });
          }
        }
        if (live.every((source) => source.inflight === 0) && done < count)
          reject(new Error(live.length === 0
            ? 'every provider failed or sent wrong data'
            : `no provider has chunk ${missing[0]}`));
      };
      pump();
    });
  }

  progressText() {
    const size = this.manifest?.size ?? this.size;
    if (!size)
      return 'Downloading';
    const percent = Math.floor((this.received / size) * 100);
    return `Downloading: ${percent} % of ${formatBytes(size)} from ${this.sourceCount()} peers`;
  }

  /* [{ peerId, chunks }]: how many chunks each provider gave. */
  get sourceReport() {
    return this.sources.map((source) => ({ peerId: source.link.peerId, chunks: source.chunks }));
  }

  sourceCount() {
    return this.sources.filter((source) => !source.banned && !source.dropped).length;
  }

  /* The Merkle root of the hashes the chunks had as they came gives the
   * link's ID again (hashing 200 MB again in the page would take seconds:
   * BLAKE2b in JavaScript runs near 30 MB/s here). */
  verify() {
    const { size, chunk } = this.manifest;
    if (this.hashes.some((digest) => digest === undefined))
      throw new Error('a chunk is missing');
    const root = merkleRoot(this.hashes);
    if (!bytesEqual(fileContentId(size, chunk, root), this.cid))
      throw new Error('the chunks do not add up to the content ID of the link');
  }

  save() {
    this.fileName = sanitizeName(this.manifest.name);
    this.blob = new Blob(this.chunks, { type: this.manifest.mime ?? 'application/octet-stream' });
    this.chunks = null;
    this.hashes = null;
    const url = URL.createObjectURL(this.blob);
    const anchor = document.createElement('a');
    anchor.href = url;
    anchor.download = this.fileName;
    anchor.hidden = true;
    document.body.append(anchor);
    anchor.click();
    anchor.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  }
}

export function formatBytes(bytes) {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} bytes` : `${value.toFixed(1)} ${units[unit]}`;
}
