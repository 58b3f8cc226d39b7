// web-bench.mjs — the browser side of `hormiga-bench web`
//
// SPDX-License-Identifier: GPL-3.0-or-later
//
// Run by tests/interop/chromium-interop.sh (so inside a network namespace
// of its own, with Chromium, hormiguero and hormiga-node all there), which
// bench-web.c starts; BENCH_MEGABYTES says the size. Uses the Chromium
// tests' harness (tests/interop/harness.mjs) for processes, hormiguero, the
// web root and Chromium.
//
// hormiguero (its node named in every welcome) and one hormiga-node; two
// pages of the browser node, each in a browser context of its own.
//   1. The node shares a random file of N MiB; page 2 downloads its link.
//   2. Page 1 shares another random file of N MiB (picked in its file
//      field); page 2 downloads its link, from page 1 alone: the same page
//      code on both ends, the Chromium-to-Chromium baseline.
// Each download is timed inside page 2 from node.download() to the state
// `done` (the lookup, the manifest, every chunk checked, the Merkle check,
// the Blob), and from its first chunk request to `done`; the saved file's
// SHA-256 is checked against the original. Last, the page's BLAKE2b
// (JavaScript, one chunk at a time) is timed alone: every chunk that
// arrives is hashed, so it bounds both. peak_rss_mb is the most resident
// memory Chromium, hormiguero and the node held together (the sum of their
// VmRSS, so pages shared between processes count once per process; sampled
// every 0.5 s from /proc) while the files moved. Progress lines start with "#";
// the result is one JSON line.

import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import {
  diag,
  env,
  launchChromium,
  makeWebRoot,
  openNodePage,
  sha256,
  startHormiguero,
  startNode,
} from '../tests/interop/harness.mjs';

const MIB = 1024 * 1024;
const DOWNLOAD_TIMEOUT_MS = 30 * 60 * 1000;

/* A file of @megabytes MiB of random bytes at @where; resolves with its
 * SHA-256. */
function randomFile(where, megabytes) {
  const hash = crypto.createHash('sha256');
  const fd = fs.openSync(where, 'w');
  for (let i = 0; i < megabytes; i++) {
    const block = crypto.randomBytes(MIB);
    hash.update(block);
    fs.writeSync(fd, block);
  }
  fs.closeSync(fd);
  return hash.digest('hex');
}

/* The resident memory in MB of this process's descendants (Chromium's
 * processes, hormiguero and the node), from /proc. */
function descendantsRssMb() {
  const parents = new Map();
  const rss = new Map();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry))
      continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parents.set(Number(entry), Number(fields[1]));
      rss.set(Number(entry), Number(fields[21]) * 4096);
    } catch {
      /* gone meanwhile */
    }
  }
  let total = 0;
  for (const [pid, bytes] of rss) {
    for (let up = parents.get(pid); up !== undefined && up > 1; up = parents.get(up))
      if (up === process.pid) {
        total += bytes;
        break;
      }
  }
  return total / 1e6;
}

/* Page @page downloads @link; resolves with the page's timings and what
 * the saved file hashes to. */
async function timedDownload(page, link, tmp, name) {
  const captured = page.waitForEvent('download', { timeout: DOWNLOAD_TIMEOUT_MS });
  const result = await page.evaluate(async (text) => {
    const node = window.hormiga.node;
    const started = performance.now();
    let firstChunk = 0;
    const download = node.download(text);
    await new Promise((resolve) => {
      const changed = () => {
        if (download.state === 'chunks' && firstChunk === 0)
          firstChunk = performance.now();
        if (download.state === 'done' || download.state === 'failed')
          resolve();
      };
      download.addEventListener('change', changed);
      changed();
    });
    const done = performance.now();
    return {
      state: download.state,
      error: download.error?.message ?? null,
      bytes: download.manifest?.size ?? 0,
      seconds: (done - started) / 1000,
      transferSeconds: (done - firstChunk) / 1000,
      sources: download.sourceReport,
    };
  }, link);
  if (result.state !== 'done')
    throw new Error(`page 2's download of ${name} failed: ${result.error}`);
  const saved = path.join(tmp, `saved-${name}`);
  await (await captured).saveAs(saved);
  const copy = crypto.createHash('sha256');
  for await (const piece of fs.createReadStream(saved))
    copy.update(piece);
  result.sha256 = copy.digest('hex');
  fs.rmSync(saved);
  return result;
}

function summary(result, sha, idOf) {
  return {
    bytes: result.bytes,
    seconds: Number(result.seconds.toFixed(2)),
    mb_per_s: Number((result.bytes / result.seconds / 1e6).toFixed(1)),
    transfer_mb_per_s: Number((result.bytes / result.transferSeconds / 1e6).toFixed(1)),
    sha256_ok: result.sha256 === sha,
    chunks: Object.fromEntries(result.sources.map((source) => [idOf(source.peerId),
                                                               source.chunks])),
  };
}

async function main() {
  const megabytes = Number(process.env.BENCH_MEGABYTES ?? 200);
  if (!Number.isInteger(megabytes) || megabytes < 1)
    throw new Error(`BENCH_MEGABYTES must be a whole number of MiB; got ${megabytes}`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hormiga-bench-web-'));
  const children = [];
  let browser = null;
  try {
    const webRoot = makeWebRoot(tmp);
    const server = await startHormiguero(webRoot, ['--bootstrap-sample', '1',
                                                   '--node-address', env.INTEROP_ICE_ADDRESS]);
    children.push(server.child);
    const sharer = startNode(tmp, 'node', server);
    children.push(sharer);
    const [, sharerId] = await sharer.waitFor(/^peer-id (\S+)$/, 'its PeerID');
    await sharer.waitFor(/^dht-ready /, 'the end of its DHT bootstrap');

    const fromNode = path.join(tmp, 'from the node.bin');
    const fromNodeSha = randomFile(fromNode, megabytes);
    sharer.write(`share ${fromNode}\n`);
    const [, nodeLink] = await sharer.waitFor(/^shared (hormiga:\S+)$/, 'the shared link');

    browser = await launchChromium();
    let peakRss = 0;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, descendantsRssMb());
    }, 500);
    const one = await openNodePage(await browser.newContext(), server, 'page 1');
    const two = await openNodePage(await browser.newContext({ acceptDownloads: true }), server,
                                   'page 2');
    const idOf = (peerId) => (peerId === sharerId ? 'node' : peerId === one.peerId ? 'page 1'
      : peerId);

    diag(`page 2 downloads ${megabytes} MiB from the node`);
    const c = await timedDownload(two.page, nodeLink, tmp, 'from-node');

    const fromPage = path.join(tmp, 'from page 1.bin');
    const fromPageSha = randomFile(fromPage, megabytes);
    const hashing = Date.now();
    await one.page.setInputFiles('#share-input', fromPage);
    await one.page.click('#share-button');
    const linkCode = one.page.locator('#shared li .link').first();
    await linkCode.waitFor({ state: 'visible', timeout: DOWNLOAD_TIMEOUT_MS });
    const shareSeconds = (Date.now() - hashing) / 1000;
    const pageLink = await linkCode.textContent();
    diag(`page 2 downloads ${megabytes} MiB from page 1`);
    const b = await timedDownload(two.page, pageLink, tmp, 'from-page');

    clearInterval(sampler);
    peakRss = Math.max(peakRss, descendantsRssMb());

    /* What bounds both: the page's BLAKE2b (JavaScript), each chunk hashed
     * as it arrives. */
    const blake2b = await two.page.evaluate(async () => {
      const { hash, MAX_CHUNK_SIZE } = await import('./js/content.js');
      const chunk = new Uint8Array(MAX_CHUNK_SIZE);
      for (let at = 0; at < chunk.length; at += 65536)
        crypto.getRandomValues(chunk.subarray(at, at + 65536));
      const rounds = 128;
      const started = performance.now();
      for (let i = 0; i < rounds; i++)
        hash(chunk);
      return (rounds * chunk.length) / ((performance.now() - started) / 1000) / 1e6;
    });

    console.log(JSON.stringify({
      bench: 'web',
      megabytes,
      chromium: browser.version(),
      c_to_browser: summary(c, fromNodeSha, idOf),
      baseline: {
        kind: 'chromium-to-chromium, the same page code on both ends',
        ...summary(b, fromPageSha, idOf),
        share_hash_s: Number(shareSeconds.toFixed(2)),
      },
      page_blake2b_mb_per_s: Number(blake2b.toFixed(1)),
      peak_rss_mb: Math.round(peakRss),
    }));
  } finally {
    await browser?.close().catch(() => {});
    for (const child of children)
      child.kill();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

try {
  await main();
} catch (error) {
  console.log(`Bail out! ${error.stack ?? error.message}`);
  process.exit(1);
}
