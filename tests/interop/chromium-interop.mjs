// chromium-interop.mjs — Debian's Chromium against a real hormiga-node
//
// SPDX-License-Identifier: GPL-3.0-or-later
//
// Run by chromium-interop.sh inside a network namespace of its own. Starts
// hormiguero (which serves the browser node's site and, under interop/, the
// test page of web/ here, built on the site's modules), headless Chromium
// through playwright-core, and for each run a fresh `hormiga-node --echo`:
//
//   1. the page offers to the node;
//   2. the node offers to the page (`connect PAGE_PEERID` on its stdin).
//
// In each run the page waits for the identity binding on channel 0, sends
// text, binary, empty text, empty binary, one zero byte, and 256 KiB of text
// and of binary on a data channel, and collects the node's echoes. Every
// message must come back intact with its kind, and the node's own report of
// what it received (kind, size, SHA-256) must match what the page sent.
//
//   3. the page offers but signs a binding over the wrong fingerprints: the
//      node must fail the connection and open no channel.
//
// Output is TAP; any failure or timeout exits non-zero.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import {
  Child,
  STEP_TIMEOUT_MS,
  check,
  diag,
  env,
  finish,
  launchChromium,
  makeWebRoot,
  startHormiguero,
  withTimeout,
} from './harness.mjs';

const RUN_TIMEOUT_MS = 60_000;
const MESSAGE_COUNT = 7;   /* messages() in web/interop.js */

/* ---- runs ---------------------------------------------------------------------- */

/* A fresh node and page, both admitted by hormiguero; body(node, page, ids)
 * does the rest. The node must then quit cleanly (under ASan: no leaks). */
async function withNodeAndPage(browser, server, tmp, title, body) {
  const dataDir = fs.mkdtempSync(path.join(tmp, 'node-'));
  const node = new Child('hormiga-node', env.HORMIGA_NODE,
                         ['--data-dir', dataDir, '--server', server.url,
                          '--ice-address', env.INTEROP_ICE_ADDRESS, '--echo', 'run']);
  const context = await browser.newContext();
  try {
    const [, nodeId] = await node.waitFor(/^peer-id (\S+)$/, 'its PeerID');
    await node.waitFor(/^admitted /, 'admission by hormiguero');

    const page = await context.newPage();
    page.on('console', (message) => diag(`page: ${message.text()}`));
    page.on('pageerror', (error) => diag(`page error: ${error.message}`));
    await page.goto(`${server.http}interop/index.html`);
    await page.waitForFunction(() => window.interop !== undefined, null,
                               { timeout: STEP_TIMEOUT_MS });
    const pageId = await withTimeout(page.evaluate(() => window.interop.join()),
                                     STEP_TIMEOUT_MS, 'the page joins hormiguero');
    diag(`${title}: page ${pageId}, node ${nodeId}`);

    await withTimeout(body(node, page, { nodeId, pageId }), RUN_TIMEOUT_MS, title);

    node.write('quit\n');
    await withTimeout(node.exited, STEP_TIMEOUT_MS, `${node.name} quits`);
    check(node.exitCode === 0, `${title}: hormiga-node exited cleanly`,
          `exit ${node.exitSignal ?? node.exitCode}`);
  } finally {
    node.kill();
    await context.close().catch(() => {});
  }
}

/* Text, binary, empty, 256 KiB, both ways, with one side offering. */
async function exchangeRun(node, page, ids, title, pageOffers) {
  const { nodeId, pageId } = ids;
  let report;
  if (pageOffers) {
    report = await page.evaluate((peer) => window.interop.offer(peer), nodeId);
  } else {
    const answered = page.evaluate(() => window.interop.answer());
    node.write(`connect ${pageId}\n`);
    report = await answered;
  }

  check(report.remote === nodeId && report.peerId === pageId,
        `${title}: the page talked to the node's PeerID`, JSON.stringify(report));
  check(report.label === (pageOffers ? 'interop' : 'chat') && report.channelId !== 0,
        `${title}: the data channel is "${report.label}" on stream ${report.channelId}, ` +
        'not the binding channel');
  diag(`${title}: the page was the DTLS ${report.dtlsRole}`);
  await node.waitFor(new RegExp(`^peer-connected peer=${pageId}$`),
                     'peer-connected (the page\'s binding proof verified)');
  check(true, `${title}: the node verified the page's identity binding`);
  check(report.results.length === MESSAGE_COUNT, `${title}: ${MESSAGE_COUNT} messages sent`);
  const opened = node.matching(new RegExp(`^channel-open peer=${pageId} label=(\\S+)$`));
  check(opened.length === 1 && opened[0][1] === report.label,
        `${title}: the node opened the same channel, once`,
        opened.map((match) => match[0]).join('\n'));

  /* What the node says it received, in order. */
  await node.waitFor(/^channel-echo /, `${MESSAGE_COUNT} echo lines`, MESSAGE_COUNT);
  const received = node.matching(
    /^channel-echo from=(\S+) kind=(text|binary) bytes=(\d+) sha256=([0-9a-f]{64})$/);
  for (const [i, sent] of report.results.entries()) {
    const got = received[i];
    const arrived = got !== undefined && got[1] === pageId && got[2] === sent.kind &&
      Number(got[3]) === sent.bytes && got[4] === sent.sha256;
    check(arrived, `${title}: page → node: ${sent.name} (${sent.kind}, ${sent.bytes} bytes) ` +
          'arrived intact', `sent ${JSON.stringify(sent)}; node saw ${got?.[0]}`);
    check(sent.intact, `${title}: node → page: ${sent.name} came back intact as ` +
          `${sent.echo.kind}`, `sent ${JSON.stringify(sent)}`);
  }
  check(received.length === MESSAGE_COUNT,
        `${title}: the node received exactly ${MESSAGE_COUNT} messages`,
        `it received ${received.length}`);
  const trouble = node.lines.filter((line) => /^(error|peer-failed|server-error)/.test(line));
  check(trouble.length === 0, `${title}: the node reported no error`, trouble.join('\n'));
}

/* The page signs fingerprints it did not see: the node must fail the
 * connection and open nothing. */
async function forgedBindingRun(node, page, ids, title) {
  const { nodeId, pageId } = ids;
  page.evaluate((peer) => window.interop.offer(peer, { forgeBinding: true }), nodeId)
    .catch(() => {});
  const [failure] = await node.waitFor(new RegExp(`^peer-failed peer=${pageId}: .*`),
                                       'the node refusing the forged binding');
  check(/identity binding/.test(failure) && /does not cover the DTLS fingerprints/.test(failure),
        `${title}: the node refused the forged proof`, failure);
  const opened = node.lines.filter((line) =>
    /^(peer-connected|channel-open|channel-echo|channel-message)/.test(line));
  check(opened.length === 0, `${title}: no channel opened, nothing delivered`,
        opened.join('\n'));
}

/* ---- main ----------------------------------------------------------------------- */

async function main() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hormiga-interop-'));
  let hormiguero = null;
  let browser = null;
  try {
    const server = await startHormiguero(makeWebRoot(tmp), ['--no-node']);
    hormiguero = server.child;
    browser = await launchChromium();

    const runs = [
      ['Chromium offers', (node, page, ids, title) => exchangeRun(node, page, ids, title, true)],
      ['hormiga-node offers', (node, page, ids, title) => exchangeRun(node, page, ids, title, false)],
      ['forged binding', forgedBindingRun],
    ];
    for (const [title, body] of runs) {
      try {
        await withNodeAndPage(browser, server, tmp, title,
                              (node, page, ids) => body(node, page, ids, title));
      } catch (error) {
        check(false, `${title}: the run completes`, error.stack ?? error.message);
      }
    }
  } catch (error) {
    check(false, 'the test harness starts', error.stack ?? error.message);
  } finally {
    await browser?.close().catch(() => {});
    hormiguero?.kill();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  finish();
}

await main();
