// ui.js — the page: this node, its peers, links to open, files to share
//
// SPDX-License-Identifier: GPL-3.0-or-later
//
// Starts the BrowserNode, keeps the page in step with it and sets its
// display name from the field that shows it. Everything a peer sends that
// ends up on screen (names too) goes through textContent, never HTML.
// window.hormiga exposes the node (and a promise of it) to the console and
// to tests.

import { shortId } from './bytes.js';
import { LinkError } from './content.js';
import { formatBytes } from './download.js';
import { BrowserNode } from './node.js';
import { WireError } from './wire.js';

const $ = (id) => document.getElementById(id);

const ROLE_NAMES = {
  dht: 'DHT node',
  provider: 'provider',
  client: 'client',
};

function roleText(peer) {
  const roles = peer.roles.map((role) => ROLE_NAMES[role] ?? role);
  if (roles.length === 0)
    roles.push('peer');
  const through = peer.relayedBy ? `the overlay (relayed by ${shortId(peer.relayedBy)})`
    : peer.through;
  return `${roles.join(', ')} · through ${through}`;
}

/* A peer that takes offers: a node that answers DHT requests or serves
 * files, and is no browser page. */
function isFullNode(peer) {
  return (peer.roles.includes('dht') || peer.roles.includes('provider')) &&
    !peer.roles.includes('client');
}

/* "Send file…": picking a file offers it to @peer. */
function sendControl(node, peer) {
  const label = document.createElement('label');
  label.className = 'send';
  const input = document.createElement('input');
  input.type = 'file';
  input.className = 'send-file';
  input.setAttribute('aria-label', `Send a file to ${peer.name ?? shortId(peer.peerId)}`);
  input.addEventListener('change', () => {
    const file = input.files?.[0];
    input.value = '';
    if (file !== undefined)
      sendFile(node, peer.peerId, file);
  });
  label.append('Send file… ', input);
  return label;
}

/* Offers @file to @peerId and shows how it goes in the list of sends. */
async function sendFile(node, peerId, file) {
  const item = document.createElement('li');
  const status = document.createElement('span');
  status.className = 'status';
  status.setAttribute('role', 'status');
  item.append(status);
  $('sends').prepend(item);
  $('sends').hidden = false;
  const to = shortId(peerId);
  const say = (text) => {
    status.textContent = `${file.name} to ${to}: ${text}`;
  };
  say('preparing');
  try {
    const answer = await node.sendFile(peerId, file, say);
    item.className = answer.accept ? 'state-accepted' : 'state-declined';
    say(answer.accept
      ? 'accepted; this page serves it to the peer while it stays open'
      : `declined${answer.text ? `: ${answer.text}` : ''}`);
  } catch (error) {
    item.className = 'state-failed';
    say(`not sent: ${error.message}`);
  }
}

function showPeers(node) {
  const list = $('peers');
  const peers = node.peers.sort((a, b) => a.peerId.localeCompare(b.peerId));
  list.replaceChildren(...peers.map((peer) => {
    const item = document.createElement('li');
    const id = document.createElement('code');
    id.className = 'peer-id';
    id.textContent = shortId(peer.peerId);
    id.title = peer.peerId;
    const who = document.createElement('span');
    who.className = 'who';
    if (peer.name !== null) {
      const name = document.createElement('span');
      name.className = 'peer-name';
      name.textContent = peer.name;
      who.append(name);
    }
    who.append(id);
    const role = document.createElement('span');
    role.className = 'role';
    role.textContent = roleText(peer);
    item.dataset.peer = peer.peerId;
    item.append(who, role);
    if (isFullNode(peer))
      item.append(sendControl(node, peer));
    return item;
  }));
  $('peer-count').textContent = String(peers.length);
  $('no-peers').hidden = peers.length > 0;
}

function showNode(node) {
  $('node-id').textContent = node.peerId;
  const status = {
    online: 'Joined the network',
    offline: `Offline: ${node.error?.message}. Joining again shortly; connected peers stay ` +
      'connected.',
    replaced: 'Stopped: another tab or window of this browser joined the network with the ' +
      'same identity. Reload this page to use it here instead.',
  };
  $('node-status').textContent = status[node.state] ?? node.state;
  $('open-button').disabled = node.state === 'replaced';
  $('share-button').disabled = node.state === 'replaced' || sharing;
  showPeers(node);
}

/* A peer's offer: who, what, Accept and Decline; gone once answered (by
 * the person, or declined by itself after two minutes). */
function showOffer(offer) {
  const item = document.createElement('li');
  const text = document.createElement('span');
  text.className = 'offer-text';
  text.textContent = `${shortId(offer.from)} offers ${offer.name} (${formatBytes(offer.size)})`;
  text.title = offer.from;
  const accept = document.createElement('button');
  accept.className = 'accept';
  accept.textContent = 'Accept';
  accept.setAttribute('aria-label', `Accept ${offer.name}`);
  accept.addEventListener('click', () => offer.accept());
  const decline = document.createElement('button');
  decline.className = 'decline';
  decline.textContent = 'Decline';
  decline.setAttribute('aria-label', `Decline ${offer.name}`);
  decline.addEventListener('click', () => offer.decline());
  item.append(text, accept, decline);
  $('offers').prepend(item);
  $('offers-section').hidden = false;
  offer.addEventListener('change', () => {
    item.remove();
    $('offers-section').hidden = $('offers').childElementCount === 0;
  });
}

function showDownload(download) {
  const item = document.createElement('li');
  const name = document.createElement('span');
  name.className = 'name';
  const progress = document.createElement('progress');
  progress.max = 1;
  const status = document.createElement('span');
  status.className = 'status';
  status.setAttribute('role', 'status');
  item.append(name, progress, status);
  $('downloads').prepend(item);

  const update = () => {
    item.className = `state-${download.state}`;
    name.textContent = download.name;
    status.textContent = download.providing > 0
      ? `${download.status}; this page serves it to peers while it stays open`
      : download.status;
    const size = download.manifest?.size;
    if (download.state === 'done') {
      progress.value = 1;
    } else if (download.state === 'chunks' && size) {
      progress.value = download.received / size;
    } else if (download.state === 'failed') {
      progress.value = 0;
    } else {
      progress.removeAttribute('value');   /* indeterminate */
    }
    progress.setAttribute('aria-label', `${download.name}: ${download.status}`);
  };
  download.addEventListener('change', update);
  update();
}

function openLink(node, event) {
  event.preventDefault();
  const input = $('link-input');
  const error = $('link-error');
  try {
    node.download(input.value);
    input.value = '';
    error.hidden = true;
  } catch (failure) {
    if (!(failure instanceof LinkError))
      throw failure;
    error.textContent = `That is not a link Hormiga can open: ${failure.message}.`;
    error.hidden = false;
    input.focus();
  }
}

/* Sets the node's display name from its field; a name the protocol
 * refuses stays in the field with the reason below it. */
function saveName(node, event) {
  event.preventDefault();
  const input = $('name-input');
  const error = $('name-error');
  try {
    node.setName(input.value);
    error.hidden = true;
    input.removeAttribute('aria-invalid');
  } catch (failure) {
    if (!(failure instanceof WireError))
      throw failure;
    error.textContent = `That name cannot be used: ${failure.message}.`;
    error.hidden = false;
    input.setAttribute('aria-invalid', 'true');
    input.focus();
  }
}

let sharing = false;

function showShared(shared, stored) {
  const item = document.createElement('li');
  const name = document.createElement('span');
  name.className = 'name';
  name.textContent = `${shared.name} (${formatBytes(shared.size)})`;
  const copy = document.createElement('button');
  copy.type = 'button';
  copy.textContent = 'Copy link';
  copy.setAttribute('aria-label', `Copy the link of ${shared.name}`);
  const link = document.createElement('code');
  link.className = 'link';
  link.textContent = shared.link;
  const note = document.createElement('span');
  note.className = 'note';
  note.textContent = stored > 0
    ? `Announced to ${stored} ${stored === 1 ? 'node' : 'nodes'}`
    : 'No DHT node has taken its announcement yet, so peers cannot find it; ' +
      'it is tried again every minute';
  copy.addEventListener('click', () => {
    navigator.clipboard?.writeText(shared.link).then(
      () => { copy.textContent = 'Copied'; },
      () => { copy.textContent = 'Select the link to copy it'; });
  });
  item.append(name, copy, link, note);
  $('shared').prepend(item);
}

async function shareFile(node, event) {
  event.preventDefault();
  const input = $('share-input');
  const status = $('share-status');
  const file = input.files?.[0];
  if (file === undefined)
    return;
  sharing = true;
  showNode(node);
  try {
    const { shared, stored } = await node.share(file, (text) => {
      status.textContent = `${file.name}: ${text}`;
    });
    input.value = '';
    status.textContent = `${shared.name} is shared; give its link to whoever should have it.`;
    showShared(shared, stored);
  } catch (error) {
    status.textContent = `Could not share ${file.name}: ${error.message}`;
  } finally {
    sharing = false;
    showNode(node);
  }
}

async function main() {
  const log = (text) => console.log(text);
  let node;
  try {
    node = await BrowserNode.start({ log });
  } catch (error) {
    $('node-status').textContent = `Could not join the network: ${error.message}`;
    throw error;
  }
  node.addEventListener('change', () => showNode(node));
  node.addEventListener('download', (event) => showDownload(event.detail));
  node.addEventListener('offer', (event) => showOffer(event.detail));
  $('open-form').addEventListener('submit', (event) => openLink(node, event));
  $('share-form').addEventListener('submit', (event) => shareFile(node, event));
  $('name-form').addEventListener('submit', (event) => saveName(node, event));
  $('name-input').value = node.name ?? '';
  $('name-button').disabled = false;
  showNode(node);
  return node;
}

const started = main();
started.catch(() => {});
window.hormiga = { started };
started.then((node) => {
  window.hormiga.node = node;
});
