// share.js — files this page shares, and serving them
//
// SPDX-License-Identifier: GPL-3.0-or-later
//
// SharedFile.prepare() hashes a File the person picked in chunks of
// 261,120 bytes, builds its manifest and content ID and its hormiga: link
// (docs/PROTOCOL.md, "File sharing"). The Library answers the requests of
// the files channel for what it holds: `want` with `have` state all,
// `get-manifest` with pieces of the manifest, `get-chunk` with the chunk,
// read from the File again and checked against its hash before it goes
// out. A peer may have 32 chunk requests waiting; beyond that it is
// answered `too-many-requests`. Chunks leave while the channel buffers less
// than 4 MiB; the rest wait for it to drain to 1 MiB.
//
// A file the page downloaded is shared the same way, from the Blob it
// keeps (SharedFile.fromDownload). The page serves only while it is open: closing it ends the sharing, and
// the provider records it stored expire within the hour.

import { bytesEqual, hex } from './bytes.js';
import { MAX_CHUNK_SIZE, chunkCount, encodeManifest, fileContentId, hash, makeLink, merkleRoot }
  from './content.js';
import { ShareCode, SHARE_MAX_PIECE } from './transfer-message.js';

export const MAX_SHARE_SIZE = 1024 * 1024 * 1024;
const MAX_WAITING_PER_PEER = 32;
const HIGH_WATER = 4 * 1024 * 1024;
const LOW_WATER = 1024 * 1024;

export class SharedFile {
  /* @progress(done, total) while hashing. */
  static async prepare(file, progress = () => {}) {
    if (file.size > MAX_SHARE_SIZE)
      throw new Error(`${file.name} has ${file.size} bytes; the browser node shares at most ` +
                      `${MAX_SHARE_SIZE} (the desktop application shares more)`);
    const chunk = MAX_CHUNK_SIZE;
    const count = chunkCount(file.size, chunk);
    const hashes = [];
    for (let index = 0; index < count; index++) {
      const start = index * chunk;
      const data = new Uint8Array(await file.slice(start, start + chunk).arrayBuffer());
      hashes.push(hash(data));
      progress(start + data.length, file.size);
    }
    const name = file.name || 'file';
    const mime = file.type && new TextEncoder().encode(file.type).length <= 127 ? file.type : null;
    const cid = fileContentId(file.size, chunk, merkleRoot(hashes));
    const manifest = encodeManifest({ name, size: file.size, chunk, hashes, mime });
    return new SharedFile(file, name, chunk, hashes, cid, manifest);
  }

  /* A finished Download (download.js): its Blob, with the manifest it
   * was checked against, so nothing is hashed again. */
  static fromDownload(download) {
    const { name, chunk, hashes } = download.manifest;
    return new SharedFile(download.blob, name, chunk, hashes, download.cid,
                          download.manifestBytes);
  }

  constructor(file, name, chunk, hashes, cid, manifest) {
    this.file = file;
    this.name = name;
    this.size = file.size;
    this.chunk = chunk;
    this.hashes = hashes;
    this.cid = cid;
    this.manifest = manifest;
    this.link = makeLink(cid, name, file.size);
  }

  /* Chunk @index, checked against its hash when it is read from a File
   * the person picked (it may change on disk); a Blob the page made itself
   * cannot change. */
  async readChunk(index) {
    const start = index * this.chunk;
    const data = new Uint8Array(await this.file.slice(start, start + this.chunk).arrayBuffer());
    if (this.file instanceof File && !bytesEqual(hash(data), this.hashes[index]))
      throw new Error('the shared file changed since it was shared');
    return data;
  }
}

export class Library {
  constructor(log) {
    this.log = log;
    this.files = new Map();     /* content ID hex → SharedFile */
    this.waiting = new Map();   /* PeerID → chunk requests being read or sent */
    this.served = 0;            /* chunks sent */
  }

  add(shared) {
    this.files.set(hex(shared.cid), shared);
  }

  get(cid) {
    return this.files.get(hex(cid));
  }

  /* Answers @request from @link through @channel (a FilesChannel). */
  async serve(channel, link, request) {
    const shared = request.cid !== undefined ? this.get(request.cid) : undefined;
    const error = (code, text) => channel.send(link, { t: 'error', id: request.id, code, text });
    if (shared === undefined) {
      error(ShareCode.NOT_FOUND, 'this node does not share that content');
      return;
    }
    switch (request.t) {
      case 'want':
        channel.send(link, { t: 'have', id: request.id, cid: shared.cid, state: 'all',
                             msize: shared.manifest.length });
        break;
      case 'get-manifest': {
        const total = shared.manifest.length;
        if (!(request.offset < total) || !(request.length >= 1 && request.length <= SHARE_MAX_PIECE)) {
          error(ShareCode.BAD_REQUEST, `the manifest has ${total} bytes`);
          return;
        }
        const data = shared.manifest.subarray(request.offset, request.offset + request.length);
        channel.send(link, { t: 'manifest', id: request.id, cid: shared.cid,
                             offset: request.offset, total, data });
        break;
      }
      case 'get-chunk':
        await this.serveChunk(channel, link, request, shared, error);
        break;
      default:
        error(ShareCode.BAD_REQUEST, `a ${request.t} is not valid here`);
    }
  }

  async serveChunk(channel, link, request, shared, error) {
    if (!(request.index < shared.hashes.length)) {
      error(ShareCode.BAD_REQUEST, `the file has ${shared.hashes.length} chunks`);
      return;
    }
    const waiting = this.waiting.get(link.peerId) ?? 0;
    if (waiting >= MAX_WAITING_PER_PEER) {
      error(ShareCode.TOO_MANY_REQUESTS, `at most ${MAX_WAITING_PER_PEER} chunk requests at once`);
      return;
    }
    this.waiting.set(link.peerId, waiting + 1);
    try {
      let data;
      try {
        data = await shared.readChunk(request.index);
      } catch (failure) {
        this.log(`chunk ${request.index} of ${shared.name}: ${failure.message}`);
        error(ShareCode.NOT_FOUND, failure.message);
        return;
      }
      await drained(link);
      if (channel.isCancelled(link, request.id))
        return;
      channel.send(link, { t: 'chunk', id: request.id, cid: shared.cid, index: request.index,
                           data });
      this.served++;
    } finally {
      const left = (this.waiting.get(link.peerId) ?? 1) - 1;
      if (left > 0)
        this.waiting.set(link.peerId, left);
      else
        this.waiting.delete(link.peerId);
    }
  }
}

/* Resolves once @link's files channel buffers less than HIGH_WATER. */
function drained(link) {
  const channel = link.session.files;
  if (link.closed || channel.bufferedAmount < HIGH_WATER)
    return Promise.resolve();
  channel.bufferedAmountLowThreshold = LOW_WATER;
  return new Promise((resolve) => {
    const done = () => {
      channel.removeEventListener('bufferedamountlow', done);
      channel.removeEventListener('close', done);
      resolve();
    };
    channel.addEventListener('bufferedamountlow', done);
    channel.addEventListener('close', done);
  });
}

