// harness.mjs — what the Chromium tests share: TAP, child processes,
// hormiguero, the web root and Chromium
//
// SPDX-License-Identifier: GPL-3.0-or-later
//
// Used by chromium-interop.mjs, web-node.mjs and web-peers.mjs, all run by
// chromium-interop.sh inside a network namespace of their own.

import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

export const CHROMIUM = '/usr/bin/chromium';
export const STEP_TIMEOUT_MS = 30_000;

export const env = (() => {
  const { HORMIGUERO, HORMIGA_NODE, INTEROP_NPM_DIR, INTEROP_ICE_ADDRESS, INTEROP_WEB_SITE } =
    process.env;
  const wanted = { HORMIGUERO, HORMIGA_NODE, INTEROP_NPM_DIR, INTEROP_ICE_ADDRESS,
                   INTEROP_WEB_SITE };
  for (const [name, value] of Object.entries(wanted))
    if (!value) {
      console.log(`Bail out! ${name} is not set; run this through chromium-interop.sh`);
      process.exit(1);
    }
  return wanted;
})();

const require = createRequire(path.join(env.INTEROP_NPM_DIR, 'package.json'));
export const { chromium } = require('playwright-core');

/* ---- TAP ------------------------------------------------------------------ */

let tests = 0;
let failures = 0;

export function diag(text) {
  for (const line of String(text).split('\n'))
    console.log(`# ${line}`);
}

export function check(condition, description, detail) {
  tests++;
  if (condition)
    console.log(`ok ${tests} - ${description}`);
  else {
    failures++;
    console.log(`not ok ${tests} - ${description}`);
    if (detail !== undefined)
      diag(detail);
  }
  return condition;
}

/* Prints the plan and the summary and exits: non-zero on any failure, or
 * when nothing was checked. */
export function finish() {
  console.log(`1..${tests}`);
  diag(`${tests - failures} passed, ${failures} failed`);
  process.exit(failures === 0 && tests > 0 ? 0 : 1);
}

/* ---- helpers ---------------------------------------------------------------- */

export function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms / 1000} s: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/* A child process whose stdout lines can be waited for. */
export class Child {
  constructor(name, program, args) {
    this.name = name;
    this.lines = [];
    this.waiters = [];
    this.finished = false;
    this.process = spawn(program, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.exited = new Promise((resolve) => {
      const finish = (code, signal, why) => {
        if (this.finished)
          return;
        this.finished = true;
        this.exitCode = code;
        this.exitSignal = signal;
        for (const waiter of this.waiters)
          waiter.reject(new Error(`${name} ${why} while waiting for ${waiter.what}`));
        this.waiters = [];
        resolve();
      };
      this.process.on('exit', (code, signal) => finish(code, signal, `exited (${signal ?? code})`));
      this.process.on('error', (error) => {
        diag(`${name}: ${error.message}`);
        finish(null, null, `failed: ${error.message}`);
      });
    });
    this.process.stdin.on('error', (error) => diag(`${name} stdin: ${error.message}`));
    this.splitLines(this.process.stdout, (line) => this.stdoutLine(line));
    this.splitLines(this.process.stderr, (line) => diag(`${name} stderr: ${line}`));
  }

  splitLines(stream, callback) {
    let buffer = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk) => {
      buffer += chunk;
      let newline;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        callback(buffer.slice(0, newline));
        buffer = buffer.slice(newline + 1);
      }
    });
  }

  stdoutLine(line) {
    diag(`${this.name}: ${line.length > 300 ? `${line.slice(0, 300)}…` : line}`);
    this.lines.push(line);
    this.waiters = this.waiters.filter((waiter) => !waiter.test());
  }

  /* Resolves with the match of the count-th line matching pattern. */
  waitFor(pattern, what, count = 1) {
    const promise = new Promise((resolve, reject) => {
      const waiter = {
        what,
        reject,
        test: () => {
          const matches = this.matching(pattern);
          if (matches.length < count)
            return false;
          resolve(matches[count - 1]);
          return true;
        },
      };
      if (this.finished)
        reject(new Error(`${this.name} has exited; ${what} never came`));
      else if (!waiter.test())
        this.waiters.push(waiter);
    });
    return withTimeout(promise, STEP_TIMEOUT_MS, `${this.name}: ${what}`);
  }

  matching(pattern) {
    return this.lines.map((line) => pattern.exec(line)).filter((match) => match !== null);
  }

  write(text) {
    this.process.stdin.write(text);
  }

  kill() {
    if (!this.finished)
      this.process.kill('SIGKILL');
  }
}

export function sha256(bytes) {
  return crypto.createHash('sha256').update(bytes).digest('hex');
}

/* ---- hormiguero, hormiga-node, the web root, Chromium ------------------------- */

/* A hormiga-node called @name (its display name "Nodo @name"), with a
 * data folder in @tmp, joined to @server (startHormiguero's result); its
 * commands go to its stdin. */
/* A hormiga-node in a new data directory, or in @options.dataDir (the
 * same identity and library as the node that ran there), with
 * @options.args more. The Child keeps its dataDir. */
export function startNode(tmp, name, server, options = {}) {
  const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(tmp, `${name}-`));
  const child = new Child(name, env.HORMIGA_NODE,
                          ['--data-dir', dataDir, '--server', server.url,
                           '--ice-address', env.INTEROP_ICE_ADDRESS,
                           /* Told to the page in hellos. */
                           '--name', `Nodo ${name}`, ...(options.args ?? []), 'run']);
  child.dataDir = dataDir;
  return child;
}

/* A web root in @tmp: the browser node's built site (web/, assembled by
 * build-aux/web-site.sh) plus, under interop/, this folder's test page. */
export function makeWebRoot(tmp) {
  const root = path.join(tmp, 'web-root');
  if (!fs.existsSync(path.join(env.INTEROP_WEB_SITE, 'index.html')))
    throw new Error(`${env.INTEROP_WEB_SITE} has no page: build with npm installed ` +
                    '(build-aux/install-deps.sh)');
  fs.cpSync(env.INTEROP_WEB_SITE, root, { recursive: true });
  fs.cpSync(path.join(path.dirname(new URL(import.meta.url).pathname), 'web'),
            path.join(root, 'interop'), { recursive: true });
  return root;
}

/* hormiguero on a free loopback port serving @webRoot; extra arguments
 * after. Resolves with { child, url, http }. */
export async function startHormiguero(webRoot, extra = []) {
  const child = new Child('hormiguero', env.HORMIGUERO,
                          ['--listen', '127.0.0.1:0', '--web-root', webRoot, ...extra]);
  const [, url] = await child.waitFor(/^hormiguero listening on (ws:\/\/\S+\/ws)$/,
                                      'its listening address');
  return { child, url, http: url.replace(/^ws:/, 'http:').replace(/ws$/, '') };
}

/* Chromium does not need the GLib and allocator debugging the C tests set. */
function browserEnvironment() {
  const copy = { ...process.env };
  for (const name of ['G_DEBUG', 'G_SLICE', 'MALLOC_CHECK_', 'ASAN_OPTIONS', 'LSAN_OPTIONS',
                      'UBSAN_OPTIONS'])
    delete copy[name];
  return copy;
}

/* A page of @context on hormiguero's / (@server), joined to the network:
 * resolves with { page, peerId }. The page's console goes to the TAP
 * output, prefixed with @name. */
export async function openNodePage(context, server, name = 'page') {
  const page = await context.newPage();
  page.on('console', (message) => diag(`${name}: ${message.text()}`));
  page.on('pageerror', (error) => diag(`${name} error: ${error.message}`));
  await page.goto(server.http);
  await page.waitForFunction(() => window.hormiga !== undefined, null,
                             { timeout: STEP_TIMEOUT_MS });
  const peerId = await withTimeout(page.evaluate(async () => (await window.hormiga.started).peerId),
                                   STEP_TIMEOUT_MS, `${name} joins the network`);
  return { page, peerId };
}

export async function launchChromium() {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',                                   /* we run as (namespace) root */
      '--disable-features=WebRtcHideLocalIpsWithMdns',  /* real IP host candidates */
    ],
    env: browserEnvironment(),
    timeout: STEP_TIMEOUT_MS,
  });
  diag(`Chromium ${browser.version()}`);
  return browser;
}
