// time.js — timeouts for promises
//
// SPDX-License-Identifier: GPL-3.0-or-later

export class TimeoutError extends Error {
  constructor(message) {
    super(message);
    this.name = 'TimeoutError';
  }
}

/* Settles as @promise does, or rejects with a TimeoutError after @ms. */
export function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((resolve, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`${what}: no answer in ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function nowSeconds() {
  return Math.floor(Date.now() / 1000);
}
