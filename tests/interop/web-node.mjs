// web-node.mjs — the browser node's page downloads what a C node shares,
// and a C node downloads what the page shares or sends
//
// SPDX-License-Identifier: GPL-3.0-or-later
//
// Run by chromium-interop.sh inside a network namespace of its own.
// hormiguero serves the browser node's site at / and runs its embedded DHT
// node, with --bootstrap-sample 1 so that a newcomer's welcome names that
// node only. Two hormiga-node processes join; one shares a file of random
// bytes (3 MiB and a bit, so 13 chunks, the last one short), the other a
// copy of it. The page, loaded from hormiguero's /:
//
//   - derives the content IDs and the PeerID of docs/PROTOCOL.md's examples;
//   - refuses hostile transfer and DHT messages (a hello with a bad name
//     among them), records, manifests and links;
//   - refuses a malformed link with a message on the page;
//   - opens the shared link, which the other node shares too (the same
//     bytes, so the same content ID): it finds both providers through the DHT
//     (asking hormiguero's node, the only peer it knows, then the nodes it
//     names), connects to them through the overlay (signals relayed by
//     hormiguero's node), fetches and checks the manifest and every chunk,
//     some from each provider, and hands the file to the browser's
//     download, which playwright captures: its SHA-256 must be the shared
//     file's;
//   - shares a file of random bytes picked in its file field: the page
//     shows its link, the other hormiga-node downloads it (`get LINK DIR`),
//     finding the page's provider record in the DHT and fetching every chunk
//     from the page, and the copy's SHA-256 must be the page's file's;
//   - lists both nodes by the names their hellos told it; refuses a bad
//     name in its own name field, saying why; a name set there reaches a
//     node (`hormiga-node --data-dir DIR --json peers`), and so does a
//     change of it;
//   - asks about a file that hormiga-node offers it: declined on the page,
//     the node hears the reason; offered again and accepted, the page
//     downloads it from that node, with its SHA-256;
//   - sends a file through the "Send file…" control of a node's line in
//     its peers: the other node, which takes offers only from the peers it
//     was told to, declines, and the page shows why;
//   - sees the sharer go from its peers when it stops (SIGTERM); restarted
//     in the same data directory (the same identity, its library) and told
//     to accept the page's offers, the page finds it again through the DHT,
//     tells it its name as the connection opens, and downloads a file it
//     shared before it stopped, with its SHA-256;
//     then sends it a file, which it accepts and fetches from the page
//     (`downloaded … sources=PAGE:N`), with the SHA-256 of the page's file;
//   - when hormiguero stops, says it is offline, and joins again by itself
//     once hormiguero is back on the same port.
//
// Output is TAP; any failure or timeout exits non-zero.

import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
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
  sha256,
  startHormiguero,
  startNode,
  withTimeout,
} from './harness.mjs';

const FILE_SIZE = 3 * 1024 * 1024 + 12345;
const PUBLISHED_SIZE = 1024 * 1024 + 777;
const OFFERED_SIZE = 1024 * 1024;
const SENT_SIZE = 512 * 1024 + 99;
const AGAIN_SIZE = 300 * 1000;
const DOWNLOAD_TIMEOUT_MS = 60_000;
const TEST_KEY = '1ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e';

/* What the page's modules compute for docs/PROTOCOL.md's examples. */
async function protocolVectors(page) {
  const got = await page.evaluate(async (testKey) => {
    const content = await import('./js/content.js');
    const identity = await import('./js/identity.js');
    const bytes = await import('./js/bytes.js');
    const { hash, merkleRoot, fileContentId } = content;
    const hola = new TextEncoder().encode('hola');
    const key = bytes.fromHex(testKey);
    return {
      empty: bytes.hex(fileContentId(0, 261120, merkleRoot([]))),
      hola: bytes.hex(fileContentId(4, 261120, merkleRoot([hash(hola)]))),
      peerId: identity.peerIdFromKey(key),
      roundTrip: bytes.hex(identity.peerIdBytes(identity.peerIdFromKey(key))),
    };
  }, TEST_KEY);
  check(got.empty === '62dd37f09a82ccd8f253a460dbababcd5c0870261e7c071b1459067f06342c5a',
        'the page derives the empty file\'s content ID', got.empty);
  check(got.hola === 'fe9f49fd0b74f978d0b1a8f60b83b179cf4a13902fe2e7c1fd084cfbe17fe93d',
        'the page derives the content ID of "hola"', got.hola);
  check(got.peerId === '12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq' &&
        got.roundTrip === `002408011220${TEST_KEY}`,
        'the page derives the libp2p test vector\'s PeerID', JSON.stringify(got));
}

/* Hostile input the page's decoders must refuse, each with a message that
 * names what was wrong, and never crash the page. */
async function decodersRefuse(page) {
  const refusals = await page.evaluate(async () => {
    const { encode } = await import('@msgpack/msgpack');
    const { decodeTransferMessage } = await import('./js/transfer-message.js');
    const { decodeDhtMessage } = await import('./js/dht-message.js');
    const { verifyProviderRecord } = await import('./js/dht-record.js');
    const { decodeManifest, parseLink } = await import('./js/content.js');
    const cid = new Uint8Array(32);
    const attempt = (what, run) => {
      try {
        run();
        return `${what}: accepted`;
      } catch (error) {
        return `${what}: ${error.message}`;
      }
    };
    const attemptAsync = async (what, run) => {
      try {
        await run();
        return `${what}: accepted`;
      } catch (error) {
        return `${what}: ${error.message}`;
      }
    };
    return [
      attempt('oversized transfer message', () => decodeTransferMessage(new Uint8Array(262145))),
      attempt('transfer fields out of order', () => decodeTransferMessage(
        encode({ t: 'chunk', v: 1, id: 1, cid, index: 0, data: new Uint8Array(1) }))),
      attempt('chunk above the limit', () => decodeTransferMessage(
        encode({ v: 1, t: 'chunk', id: 1, cid, index: 0, data: new Uint8Array(261121) }))),
      attempt('a reply that declines with entries', () => decodeTransferMessage(
        encode({ v: 1, t: 'reply', id: 1, accept: false, entries: new Uint8Array(1) }))),
      attempt('a DHT node that is no PeerID', () => decodeDhtMessage(
        encode({ v: 1, t: 'nodes', id: 1, nodes: [new Uint8Array(37)] }))),
      attempt('21 DHT nodes', () => decodeDhtMessage(
        encode({ v: 1, t: 'nodes', id: 1, nodes: Array(21).fill(new Uint8Array(38)) }))),
      await attemptAsync('a provider record with a bad signature', () => verifyProviderRecord(
        encode({ v: 1, kind: 'provider', key: cid, owner: new Uint8Array(32).fill(7), seq: 1,
                 expires: Math.floor(Date.now() / 1000) + 60, sig: new Uint8Array(64) }),
        cid, Math.floor(Date.now() / 1000))),
      attempt('a manifest of another content ID', () => decodeManifest(
        encode({ v: 1, kind: 'file', name: 'x', size: 4, chunk: 261120,
                 hashes: new Uint8Array(32) }), cid)),
      attempt('a hello whose name holds a bidirectional control', () => decodeDhtMessage(
        encode({ v: 1, t: 'hello', id: 0, name: 'Nodo\u202Eevil' }))),
      attempt('a hello whose name is not UTF-8', () => {
        const bytes = encode({ v: 1, t: 'hello', id: 0, name: 'ab' });
        bytes.set([0xc3, 0x28], bytes.length - 2);
        return decodeDhtMessage(bytes);
      }),
      attempt('a link given dn twice', () => parseLink(`hormiga:${'0'.repeat(64)}?dn=a&dn=b`)),
    ];
  });
  const expected = [
    /262145 bytes; the limit is 262144/,
    /first entries must be "v", "t" and "id"/,
    /"data" \(0 to 261120 bytes\)/,
    /carries "entries" \(1 to 12500 bytes\) only when it accepts/,
    /not the 38 bytes of an Ed25519 PeerID/,
    /21 "nodes"; the limit is 20/,
    /the signature does not verify/,
    /does not match the link's content ID/,
    /bad "name": .*U\+202E at byte 4 is one/,
    /bad "name": a display name must be UTF-8/,
    /"dn" twice/,
  ];
  for (const [i, refusal] of refusals.entries())
    check(expected[i].test(refusal), `the page refuses ${refusal.split(':')[0]}`, refusal);
}

async function refusesBadLink(page) {
  await page.fill('#link-input', 'hormiga:not-a-content-id');
  await page.click('#open-button');
  const error = page.locator('#link-error');
  await error.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  const text = await error.textContent();
  check(/64 hexadecimal digits/.test(text), 'a malformed link is refused on the page', text);
}

/* What `hormiga-node --data-dir DIR --json peers` says @node heard from
 * @peerId: its entry, or undefined. */
function peerEntry(node, peerId) {
  return new Promise((resolve, reject) => {
    execFile(env.HORMIGA_NODE, ['--data-dir', node.dataDir, '--json', 'peers'],
             (error, stdout) => {
               if (error) {
                 reject(error);
                 return;
               }
               try {
                 resolve(JSON.parse(stdout).peers.find((peer) => peer.peer === peerId));
               } catch (failure) {
                 reject(new Error(`peers --json: ${failure.message}: ${stdout}`));
               }
             });
  });
}

/* @node's entry for @peerId once it carries the display name @name (or
 * the last entry seen when it does not within STEP_TIMEOUT_MS). */
async function heardName(node, peerId, name) {
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  for (;;) {
    const entry = await peerEntry(node, peerId);
    if (entry?.name === name || Date.now() > deadline)
      return entry;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/* The page lists @nodes ({ id, name }) by the names they told it; its own
 * name, set in its field, reaches @node, and so does a new one. */
async function displayNames(page, nodes, node, pageId) {
  for (const { id, name } of nodes) {
    const shown = page.locator(`#peers li[data-peer="${id}"] .peer-name`);
    await shown.waitFor({ state: 'attached', timeout: STEP_TIMEOUT_MS });
    const text = await shown.textContent();
    check(text === name, `the page lists a node by its name, ${name}`, text);
  }

  await page.fill('#name-input', 'Página\u2067 de prueba');
  await page.click('#name-button');
  const error = page.locator('#name-error');
  await error.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  const refused = await error.textContent();
  check(/U\+2067 at byte 7 is one/.test(refused) &&
        await page.evaluate(() => window.hormiga.node.name) === null,
        'the page refuses a name with a bidirectional control, saying why', refused);

  for (const name of ['Página de prueba', 'Otra página']) {
    await page.fill('#name-input', name);
    await page.click('#name-button');
    const entry = await heardName(node, pageId, name);
    check(entry?.name === name, `the node hears the page's name, ${name}`, JSON.stringify(entry));
  }
  check(await page.locator('#name-error').isHidden(), 'an accepted name clears the refusal');
}

/* The page shares a file; @node downloads it from the page. */
async function publishes(page, node, tmp, pageId) {
  const original = crypto.randomBytes(PUBLISHED_SIZE);
  const name = 'desde el navegador.dat';
  await page.setInputFiles('#share-input', { name, mimeType: 'application/octet-stream',
                                              buffer: original });
  await page.click('#share-button');
  const linkCode = page.locator('#shared li .link').first();
  await linkCode.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  const link = await linkCode.textContent();
  check(/^hormiga:[0-9a-f]{64}\?dn=desde%20el%20navegador\.dat&xl=1049353&kind=file$/.test(link),
        'the page shows the shared file\'s link', link);
  const note = await page.locator('#shared li .note').first().textContent();
  check(/^Announced to [1-9]/.test(note), 'the page stored its provider record in the DHT', note);

  const into = fs.mkdtempSync(path.join(tmp, 'from-the-page-'));
  const started = Date.now();
  const finished = /^(downloaded|download-failed) .*/;
  const before = node.matching(finished).length;   /* its earlier download */
  node.write(`get ${link} ${into}\n`);
  const [done] = await withTimeout(
    node.waitFor(finished, 'the download of the page\'s file', before + 1),
    DOWNLOAD_TIMEOUT_MS, 'the C node downloads the page\'s file');
  diag(`the C node downloaded ${PUBLISHED_SIZE} bytes from the page in ` +
       `${(Date.now() - started) / 1000} s`);
  const saved = /path=(.*) size=/.exec(done)?.[1];
  check(saved !== undefined && path.basename(saved) === name,
        'the C node saved the page\'s file under its name', done);
  const copy = saved !== undefined && fs.existsSync(saved) ? fs.readFileSync(saved) : Buffer.alloc(0);
  check(copy.length === original.length && sha256(copy) === sha256(original),
        'the C node\'s copy of the page\'s file has its SHA-256',
        `${copy.length} bytes, ${sha256(copy)}; shared ${original.length}, ${sha256(original)}`);
  check(new RegExp(` sources=${pageId}:5$`).test(done),
        'the C node fetched all 5 chunks from the page', done);
  const served = await page.evaluate(() => window.hormiga.node.library.served);
  check(served >= 5, `the page served the file's 5 chunks (it sent ${served})`);
}

/* @node offers the page a file: the page asks; declined, then offered
 * again and accepted, the page downloads it from @node. */
async function takesOffers(page, node, nodeId, tmp, pageId) {
  const original = crypto.randomBytes(OFFERED_SIZE);
  const offered = path.join(fs.mkdtempSync(path.join(tmp, 'offered-')), 'ofrecido.bin');
  fs.writeFileSync(offered, original);
  const answer = new RegExp(`^(sent|send-failed) ${pageId}.*`);
  const prompt = page.locator('#offers li');

  node.write(`send-file ${pageId} ${offered}\n`);
  await prompt.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  const text = await prompt.locator('.offer-text').textContent();
  check(/offers ofrecido\.bin \(1\.0 MiB\)$/.test(text), 'the page shows the offer', text);
  await prompt.locator('button.decline').click();
  const [declined] = await node.waitFor(answer, 'the answer to its first offer');
  check(/^send-failed .*declined: the person declined/.test(declined),
        'declining on the page declines the offer, saying why', declined);
  check(await prompt.count() === 0, 'the answered offer leaves the page');

  const downloaded = page.waitForEvent('download', { timeout: DOWNLOAD_TIMEOUT_MS });
  node.write(`send-file ${pageId} ${offered}\n`);
  await prompt.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  await prompt.locator('button.accept').click();
  const [accepted] = await node.waitFor(answer, 'the answer to its second offer', 2);
  check(/^sent .* accepted$/.test(accepted), 'accepting on the page accepts the offer', accepted);
  const download = await downloaded;
  const saved = path.join(tmp, 'offered-copy');
  await download.saveAs(saved);
  const copy = fs.readFileSync(saved);
  check(download.suggestedFilename() === 'ofrecido.bin' &&
        sha256(copy) === sha256(original),
        'the page downloads the accepted offer, with its SHA-256',
        `${download.suggestedFilename()}: ${sha256(copy)}; offered ${sha256(original)}`);
  const report = await page.evaluate(() => window.hormiga.node.downloads.at(-1).sourceReport);
  check(report.some((source) => source.peerId === nodeId && source.chunks > 0),
        'the page fetched the offered file from the node that offered it',
        JSON.stringify(report));
}

/* The page offers a file to @node, through the "Send file…" control of
 * its line in the list of peers. Resolves with the text the page shows
 * once the offer is answered. */
async function sendFrom(page, node, nodeId, name, bytes) {
  const control = page.locator(`#peers li[data-peer="${nodeId}"] input.send-file`);
  await control.waitFor({ state: 'attached', timeout: STEP_TIMEOUT_MS });
  await control.setInputFiles({ name, mimeType: 'application/octet-stream', buffer: bytes });
  const outcome = page.locator('#sends li', { hasText: name }).locator('.status');
  await page.waitForFunction((text) => [...document.querySelectorAll('#sends li')].some(
    (item) => item.textContent.includes(text) && /state-(accepted|declined|failed)/.test(item.className)),
                             name, { timeout: STEP_TIMEOUT_MS });
  return outcome.textContent();
}

/* A node that takes offers only from the peers it was told to declines
 * the page's offer; the page shows why. */
async function sendIsDeclined(page, node, nodeId, pageId) {
  const declined = node.waitFor(/^offer-declined from=(\S+)$/, 'the page\'s offer');
  const shown = await sendFrom(page, node, nodeId, 'rechazado.bin', crypto.randomBytes(1000));
  const [, from] = await declined;
  check(from === pageId, 'the node declines the page\'s offer', from);
  check(/^rechazado\.bin to .*: declined: this node takes offers only from peers it was told to/
    .test(shown), 'the page shows why the node declined its offer', shown);
}

/* @node (the page in its --accept-from) takes the page's offer and
 * fetches the file from the page. */
async function sendIsAccepted(page, node, nodeId, pageId) {
  const original = crypto.randomBytes(SENT_SIZE);
  const finished = /^(downloaded|download-failed) .*/;
  const before = node.matching(finished).length;
  const offer = node.waitFor(/^offer id=\d+ from=(\S+) name=(.*) size=(\d+) files=\d+ link=(\S+)$/,
                             'the page\'s offer');
  const shown = await sendFrom(page, node, nodeId, 'enviado.bin', original);
  const [, from, name, size] = await offer;
  check(from === pageId && name === 'enviado.bin' && Number(size) === SENT_SIZE,
        'the node hears the page\'s offer, with its name and size', `${from} ${name} ${size}`);
  check(/^enviado\.bin to .*: accepted/.test(shown), 'the page shows the offer accepted', shown);
  const [done] = await withTimeout(node.waitFor(finished, 'the download of the offered file',
                                                before + 1),
                                   DOWNLOAD_TIMEOUT_MS, 'the node downloads the offered file');
  const saved = /path=(.*) size=/.exec(done)?.[1];
  const copy = saved !== undefined && fs.existsSync(saved) ? fs.readFileSync(saved) : Buffer.alloc(0);
  check(sha256(copy) === sha256(original) && copy.length === original.length,
        'the node\'s copy of the file the page sent has its SHA-256',
        `${copy.length} bytes, ${sha256(copy)}; sent ${original.length}, ${sha256(original)}`);
  check(new RegExp(` sources=${pageId}:${Math.ceil(SENT_SIZE / 261120)}$`).test(done),
        'the node fetched every chunk of the sent file from the page', done);
}

/* @node stops (SIGTERM) and starts again in the same data directory, with
 * the page in its --accept-from: the page sees it go, then connects to it
 * again to download a file it shared before it stopped. Resolves with the
 * new process. */
async function nodeRestarts(page, node, nodeId, tmp, server, pageId) {
  const original = crypto.randomBytes(AGAIN_SIZE);
  const filePath = path.join(fs.mkdtempSync(path.join(tmp, 'again-')), 'otra vez.bin');
  fs.writeFileSync(filePath, original);
  node.write(`share ${filePath}\n`);
  const [, link] = await node.waitFor(/^shared (hormiga:\S+)$/, 'the link of a second file', 2);

  node.process.kill('SIGTERM');
  await withTimeout(node.exited, STEP_TIMEOUT_MS, 'the node stops');
  await page.waitForFunction((id) => document.querySelector(`#peers li[data-peer="${id}"]`) === null,
                             nodeId, { timeout: STEP_TIMEOUT_MS });
  const gone = await page.evaluate((id) => window.hormiga.node.peers.some((peer) => peer.peerId === id),
                                   nodeId);
  check(!gone, 'the page drops a node that stops from its peers');

  const again = startNode(tmp, node.name, server, { dataDir: node.dataDir,
                                                    args: ['--accept-from', pageId] });
  const [, sameId] = await again.waitFor(/^peer-id (\S+)$/, 'its PeerID');
  check(sameId === nodeId, 'the restarted node has its identity', sameId);
  await again.waitFor(/^dht-ready /, 'the end of its DHT bootstrap');

  const downloaded = page.waitForEvent('download', { timeout: DOWNLOAD_TIMEOUT_MS });
  await page.fill('#link-input', link);
  await page.click('#open-button');
  const download = await downloaded;
  const saved = path.join(tmp, 'again-copy');
  await download.saveAs(saved);
  const copy = fs.readFileSync(saved);
  check(sha256(copy) === sha256(original),
        'the page downloads what the restarted node shares, with its SHA-256',
        `${sha256(copy)}; shared ${sha256(original)}`);
  const report = await page.evaluate(() => window.hormiga.node.downloads.at(-1).sourceReport);
  check(report.length === 1 && report[0].peerId === nodeId && report[0].chunks > 0,
        'the page fetched it from the restarted node', JSON.stringify(report));
  const name = await page.evaluate(() => window.hormiga.node.name);
  const entry = await heardName(again, pageId, name);
  check(name !== null && entry?.name === name,
        'the page tells a node its name as their connection opens', JSON.stringify(entry));
  return again;
}

/* hormiguero stops and starts again on the same port: the page notices,
 * says so, and joins again by itself. Resolves with the new hormiguero. */
async function rejoins(page, server, webRoot) {
  server.child.process.kill('SIGTERM');
  await withTimeout(server.child.exited, STEP_TIMEOUT_MS, 'hormiguero stops');
  check(server.child.exitCode === 0, 'hormiguero stopped cleanly on SIGTERM',
        `exit ${server.child.exitSignal ?? server.child.exitCode}`);
  await page.waitForFunction(() => window.hormiga.node.state === 'offline', null,
                             { timeout: STEP_TIMEOUT_MS });
  const offline = await page.locator('#node-status').textContent();
  check(/^Offline: .*Joining again shortly/.test(offline),
        'the page says it is offline when hormiguero stops', offline);
  const port = new URL(server.http).port;
  const again = new Child('hormiguero', env.HORMIGUERO,
                          ['--no-node', '--listen', `127.0.0.1:${port}`, '--web-root', webRoot]);
  await again.waitFor(/^hormiguero listening on /, 'its listening address');
  await page.waitForFunction(() => window.hormiga.node.state === 'online', null,
                             { timeout: STEP_TIMEOUT_MS });
  const online = await page.locator('#node-status').textContent();
  check(online === 'Joined the network', 'the page joins the restarted hormiguero by itself',
        online);
  return again;
}

async function main() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hormiga-web-'));
  const children = [];
  let browser = null;
  try {
    const webRoot = makeWebRoot(tmp);
    const server = await startHormiguero(webRoot,
                                         ['--bootstrap-sample', '1',
                                          '--node-address', env.INTEROP_ICE_ADDRESS]);
    children.push(server.child);
    const sharer = startNode(tmp, 'sharer', server);
    const other = startNode(tmp, 'other', server);
    children.push(sharer, other);
    const [, sharerId] = await sharer.waitFor(/^peer-id (\S+)$/, 'its PeerID');
    const [, otherId] = await other.waitFor(/^peer-id (\S+)$/, 'its PeerID');
    await sharer.waitFor(/^dht-ready /, 'the end of its DHT bootstrap');
    await other.waitFor(/^dht-ready /, 'the end of its DHT bootstrap');

    const original = crypto.randomBytes(FILE_SIZE);
    const filePath = path.join(tmp, 'hormigas en el jardín.bin');
    fs.writeFileSync(filePath, original);
    sharer.write(`share ${filePath}\n`);
    const [, link] = await sharer.waitFor(/^shared (hormiga:\S+)$/, 'the shared link');
    /* The other node shares a copy of the same bytes: the same content ID,
     * a second provider. */
    const copyPath = path.join(fs.mkdtempSync(path.join(tmp, 'copy-')), path.basename(filePath));
    fs.writeFileSync(copyPath, original);
    other.write(`share ${copyPath}\n`);
    const [, otherLink] = await other.waitFor(/^shared (hormiga:\S+)$/, 'its link to the copy');
    check(otherLink === link, 'the same bytes shared by two nodes have one link', otherLink);

    browser = await launchChromium();
    const context = await browser.newContext({ acceptDownloads: true });
    const page = await context.newPage();
    page.on('console', (message) => diag(`page: ${message.text()}`));
    page.on('pageerror', (error) => diag(`page error: ${error.message}`));
    await page.goto(server.http);
    await page.waitForFunction(() => window.hormiga !== undefined, null,
                               { timeout: STEP_TIMEOUT_MS });
    const pageId = await withTimeout(page.evaluate(async () => (await window.hormiga.started).peerId),
                                     STEP_TIMEOUT_MS, 'the page joins the network');
    check(/^12D3KooW/.test(pageId), `the page joined as ${pageId}`);
    check(await page.locator('#node-id').textContent() === pageId, 'the page shows its PeerID');

    await protocolVectors(page);
    await decodersRefuse(page);
    await refusesBadLink(page);

    const started = Date.now();
    const downloaded = page.waitForEvent('download', { timeout: DOWNLOAD_TIMEOUT_MS });
    await page.fill('#link-input', link);
    await page.click('#open-button');
    const download = await downloaded;
    const saved = path.join(tmp, 'downloaded');
    await download.saveAs(saved);
    diag(`the page downloaded ${FILE_SIZE} bytes in ${(Date.now() - started) / 1000} s`);

    check(download.suggestedFilename() === path.basename(filePath),
          'the download has the shared file\'s name', download.suggestedFilename());
    const copy = fs.readFileSync(saved);
    check(copy.length === original.length && sha256(copy) === sha256(original),
          'the downloaded file\'s SHA-256 is the shared file\'s',
          `${copy.length} bytes, ${sha256(copy)}; shared ${original.length}, ${sha256(original)}`);

    const status = await page.locator('#downloads li .status').first().textContent();
    check(/^Saved as /.test(status), 'the page says the download is saved', status);
    const peers = await page.evaluate(() => window.hormiga.node.peers);
    diag(`the page's peers: ${JSON.stringify(peers)}`);
    const provider = peers.find((peer) => peer.peerId === sharerId);
    check(provider !== undefined && provider.roles.includes('provider'),
          'the page lists the sharer as a provider', JSON.stringify(peers));
    check(provider?.through === 'overlay',
          'the connection to the sharer was negotiated through the overlay',
          JSON.stringify(provider));
    const report = await page.evaluate(() => window.hormiga.node.downloads[0].sourceReport);
    diag(`chunks per provider: ${JSON.stringify(report)}`);
    const from = (peerId) => report.find((source) => source.peerId === peerId)?.chunks ?? 0;
    check(report.length === 2 && from(sharerId) > 0 && from(otherId) > 0 &&
          from(sharerId) + from(otherId) === 13,
          'the page fetched the 13 chunks from both providers', JSON.stringify(report));
    const listed = await page.locator('#peers li').count();
    check(listed === peers.length && listed >= 2, `the page lists its ${listed} peers`);

    await displayNames(page, [{ id: sharerId, name: 'Nodo sharer' },
                              { id: otherId, name: 'Nodo other' }], other, pageId);
    await publishes(page, other, tmp, pageId);
    await takesOffers(page, other, otherId, tmp, pageId);
    await sendIsDeclined(page, other, otherId, pageId);
    const restarted = await nodeRestarts(page, sharer, sharerId, tmp, server, pageId);
    children.push(restarted);
    await sendIsAccepted(page, restarted, sharerId, pageId);
    children.push(await rejoins(page, server, webRoot));
    await context.close();
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
