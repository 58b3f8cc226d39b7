// web-peers.mjs — browser nodes serve each other, through the overlay
//
// SPDX-License-Identifier: GPL-3.0-or-later
//
// Run by chromium-interop.sh inside a network namespace of its own.
// hormiguero runs without its embedded node (--no-node), so the only DHT
// nodes are two hormiga-node processes, and a signal relayed on a DHT
// channel is relayed by one of them. Two pages, each in a browser context
// of its own (so two identities, two IndexedDB stores), join from
// hormiguero's / in client mode: the welcome names no page, so a page meets
// the other only through a lookup and the overlay.
//
//   - The sharer node and page 1 share the same bytes (2 MiB and a bit, so
//     9 chunks): one link, two providers.
//   - Page 2 opens the link: it finds both providers in the DHT, connects
//     to page 1 through the overlay (its offer, answer and candidates
//     relayed on the DHT channels by a hormiga-node, not by hormiguero:
//     both pages say so, and name the node that relayed, the one that gave
//     page 2 page 1's provider record), fetches chunks
//     from the sharer and from page 1 at once, and saves the file, whose
//     SHA-256 must be the shared file's.
//   - Page 1 then signs its identity binding over a DTLS fingerprint it did
//     not see: page 2 refuses the new connection, saying why.
//   - Page 2 offers what it downloaded as a provider. Once the sharer
//     has stopped and page 1 has closed, the other hormiga-node downloads
//     the link: every chunk comes from page 2.
//
// Output is TAP; any failure or timeout exits non-zero.

import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import {
  STEP_TIMEOUT_MS,
  check,
  diag,
  finish,
  launchChromium,
  makeWebRoot,
  openNodePage,
  sha256,
  startHormiguero,
  startNode,
  withTimeout,
} from './harness.mjs';

const FILE_SIZE = 2 * 1024 * 1024 + 4321;
const CHUNKS = 9;
const DOWNLOAD_TIMEOUT_MS = 45_000;

/* Page @page shares @bytes as @name; resolves with its link. */
async function share(page, name, bytes) {
  await page.setInputFiles('#share-input', { name, mimeType: 'application/octet-stream',
                                              buffer: bytes });
  await page.click('#share-button');
  const linkCode = page.locator('#shared li .link').first();
  await linkCode.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  const note = await page.locator('#shared li .note').first().textContent();
  check(/^Announced to [1-9]/.test(note), 'page 1 stored its provider record in the DHT', note);
  return linkCode.textContent();
}

/* How the connection of @page to @peerId was set up. */
async function connectionTo(page, peerId) {
  const peers = await page.evaluate(() => window.hormiga.node.peers);
  return peers.find((peer) => peer.peerId === peerId) ?? { missing: peers };
}

/* Page 1 signs its identity binding over a DTLS fingerprint it did not
 * see; page 2, connecting to it again, must refuse the connection and say
 * why, and keep the connection it has. */
async function refusesForgedBinding(one, two) {
  await one.page.evaluate(async () => {
    const { PeerSession } = await import('./js/peer-session.js');
    const sendProof = PeerSession.prototype.sendProof;
    PeerSession.prototype.sendProof = function forged() {
      this.forgeBinding = true;
      return sendProof.call(this);
    };
  });
  const refusal = await two.page.evaluate(async (peerId) => {
    const { overlay } = window.hormiga.node;
    try {
      await overlay.attempt(peerId, overlay.signaling, 10000, 'hormiguero');
      return 'accepted';
    } catch (error) {
      return error.message;
    }
  }, one.peerId);
  check(/^identity binding: the signature of 12D3KooW\S+ does not cover the DTLS fingerprints /
          .test(refusal),
        'page 2 refuses a binding signed over another DTLS fingerprint, saying why', refusal);
  const kept = await connectionTo(two.page, one.peerId);
  check(kept.through === 'overlay', 'page 2 keeps its verified connection to page 1',
        JSON.stringify(kept));
}

async function main() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hormiga-web-peers-'));
  const children = [];
  let browser = null;
  try {
    const webRoot = makeWebRoot(tmp);
    const server = await startHormiguero(webRoot, ['--no-node']);
    children.push(server.child);
    const sharer = startNode(tmp, 'sharer', server);
    const other = startNode(tmp, 'other', server);
    children.push(sharer, other);
    const [, sharerId] = await sharer.waitFor(/^peer-id (\S+)$/, 'its PeerID');
    const [, otherId] = await other.waitFor(/^peer-id (\S+)$/, 'its PeerID');
    await sharer.waitFor(/^dht-ready /, 'the end of its DHT bootstrap');
    await other.waitFor(/^dht-ready /, 'the end of its DHT bootstrap');

    const original = crypto.randomBytes(FILE_SIZE);
    const name = 'de hormiga a hormiga.bin';
    const filePath = path.join(tmp, name);
    fs.writeFileSync(filePath, original);
    sharer.write(`share ${filePath}\n`);
    const [, link] = await sharer.waitFor(/^shared (hormiga:\S+)$/, 'the shared link');

    browser = await launchChromium();
    const first = await browser.newContext();
    const second = await browser.newContext({ acceptDownloads: true });
    const one = await openNodePage(first, server, 'page 1');
    const two = await openNodePage(second, server, 'page 2');
    /* Page 2 joined after page 1: its welcome names the nodes, not page 1. */
    const welcomed = await two.page.evaluate(() => window.hormiga.node.signaling.peers);
    const nodes = [sharerId, otherId];
    check(welcomed.length === 2 && welcomed.every((peerId) => nodes.includes(peerId)),
          'hormiguero\'s welcome names the two nodes and not the other page',
          JSON.stringify(welcomed));
    check(/^12D3KooW/.test(one.peerId) && /^12D3KooW/.test(two.peerId) &&
          one.peerId !== two.peerId,
          'two browser contexts join as two identities', `${one.peerId} ${two.peerId}`);

    const pageLink = await share(one.page, name, original);
    check(pageLink === link, 'page 1 and the sharer have one link for the same bytes',
          `${pageLink} ${link}`);

    const started = Date.now();
    const downloaded = two.page.waitForEvent('download', { timeout: DOWNLOAD_TIMEOUT_MS });
    await two.page.fill('#link-input', link);
    await two.page.click('#open-button');
    const download = await downloaded;
    const saved = path.join(tmp, 'downloaded');
    await download.saveAs(saved);
    diag(`page 2 downloaded ${FILE_SIZE} bytes in ${(Date.now() - started) / 1000} s`);
    const copy = fs.readFileSync(saved);
    check(copy.length === original.length && sha256(copy) === sha256(original),
          'page 2\'s download has the shared file\'s SHA-256',
          `${copy.length} bytes, ${sha256(copy)}; shared ${original.length}, ${sha256(original)}`);

    const report = await two.page.evaluate(() => window.hormiga.node.downloads[0].sourceReport);
    diag(`chunks per provider: ${JSON.stringify(report)}`);
    const from = (peerId) => report.find((source) => source.peerId === peerId)?.chunks ?? 0;
    check(from(sharerId) > 0 && from(one.peerId) > 0 &&
          from(sharerId) + from(one.peerId) === CHUNKS,
          `page 2 fetched the ${CHUNKS} chunks from the sharer and page 1 at once`,
          JSON.stringify(report));
    const served = await one.page.evaluate(() => window.hormiga.node.library.served);
    check(served === from(one.peerId), `page 1 served the ${served} chunks page 2 counts from it`);

    const twoToOne = await connectionTo(two.page, one.peerId);
    check(twoToOne.through === 'overlay' && nodes.includes(twoToOne.relayedBy),
          'page 2 reached page 1 through the overlay, signals relayed by a hormiga-node',
          JSON.stringify(twoToOne));
    diag(`the signals were relayed by ${twoToOne.relayedBy === sharerId ? 'the sharer'
      : 'the other hormiga-node'}`);
    const oneToTwo = await connectionTo(one.page, two.peerId);
    check(oneToTwo.through === 'overlay' && oneToTwo.relayedBy === twoToOne.relayedBy,
          'page 1 took page 2\'s offer through the overlay, from the same node',
          JSON.stringify(oneToTwo));

    await refusesForgedBinding(one, two);

    /* Page 2 serves what it downloaded. */
    await two.page.waitForFunction(() => window.hormiga.node.downloads[0].providing !== undefined,
                                   null, { timeout: STEP_TIMEOUT_MS });
    const providing = await two.page.evaluate(() => window.hormiga.node.downloads[0].providing);
    check(providing > 0, `page 2 announced its copy as a provider (${providing} nodes took it)`);
    const status = await two.page.locator('#downloads li .status').first().textContent();
    check(/^Saved as .*serves it to peers/.test(status), 'page 2 says it serves its copy', status);

    sharer.process.kill('SIGTERM');
    await withTimeout(sharer.exited, STEP_TIMEOUT_MS, 'the sharer stops');
    await first.close();
    const into = fs.mkdtempSync(path.join(tmp, 'third-'));
    const third = Date.now();
    other.write(`get ${link} ${into}\n`);
    const [done] = await withTimeout(other.waitFor(/^(downloaded|download-failed) .*/,
                                                   'the third download'),
                                     DOWNLOAD_TIMEOUT_MS, 'the other node downloads the link');
    diag(`the other node downloaded it in ${(Date.now() - third) / 1000} s`);
    const thirdPath = /path=(.*) size=/.exec(done)?.[1];
    const thirdCopy = thirdPath !== undefined && fs.existsSync(thirdPath)
      ? fs.readFileSync(thirdPath) : Buffer.alloc(0);
    check(sha256(thirdCopy) === sha256(original),
          'the other node\'s copy has the shared file\'s SHA-256', done);
    check(new RegExp(` sources=${two.peerId}:${CHUNKS}$`).test(done),
          `the other node fetched all ${CHUNKS} chunks from page 2`, done);
    await second.close();
  } catch (error) {
    check(false, 'the run completes', error.stack ?? error.message);
  } finally {
    await browser?.close().catch(() => {});
    for (const child of children)
      child.kill();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  finish();
}

await main();
