'use strict';
// The jsii kernel (jsii's own lib/program.js, APP_JSII_PROGRAM) run in the Node process the
// Python runtime starts (JSII_RUNTIME, see kernel_host.py), instead of in a child of jsii's
// launcher: the launcher relays every request and response between its pipes and the kernel's
// API socket (fd 3), two more process hops per round trip. Here the kernel's reads of fd 3 come
// from stdin and its writes go to stdout, the pipes the host reads and writes; everything else
// the kernel and the JavaScript it runs print goes to stderr as the launcher sends it (one JSON
// line per chunk, {"stdout": base64} or {"stderr": base64}), so stdout carries the API only.
const fs = require('fs');
const { Writable } = require('stream');
const prewarm = require('./kernel_prewarm.js');
// Sets the hook the installed program's digestFile calls (kernel_host.py).
require('./kernel_digests.js');
// Node's module resolution without the work it repeats for the kernel's requires.
require('./kernel_resolve.js');
// The reference pass stops at nested stages (a backport of aws-cdk-lib 2.276.0's refs.js).
require('./kernel_stage_refs.js');

const API_FD = 3;
const readSync = fs.readSync;
const writeSync = fs.writeSync;
const pause = new Int32Array(new SharedArrayBuffer(4));

function retried(operation) {
  // The kernel's own reads do not retry EAGAIN (its API socket blocks); these pipes may not.
  for (;;) {
    try {
      return operation();
    } catch (error) {
      if (error.code !== 'EAGAIN') {
        throw error;
      }
      Atomics.wait(pause, 0, 0, 1);
    }
  }
}

function forward(kind, data) {
  const line = Buffer.from(`${JSON.stringify({ [kind]: data.toString('base64') })}\n`);
  for (let at = 0; at < line.length; ) {
    at += retried(() => writeSync(2, line, at));
  }
}

function bytesOf(data, args) {
  // fs.writeSync(fd, buffer[, offset[, length]]) or (fd, string[, position[, encoding]]).
  if (typeof data === 'string') {
    return Buffer.from(data, typeof args[1] === 'string' ? args[1] : 'utf8');
  }
  const view = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const offset = typeof args[0] === 'number' ? args[0] : 0;
  const length = typeof args[1] === 'number' ? args[1] : view.length - offset;
  return view.subarray(offset, offset + length);
}

fs.readSync = function readApi(fd, ...args) {
  if (fd !== API_FD) {
    return readSync.call(this, fd, ...args);
  }
  // Idle until the next request: load what the kernel will need (kernel_prewarm.js).
  const polling = prewarm.pollingFd();
  if (polling !== undefined) {
    for (;;) {
      try {
        return readSync.call(this, polling, ...args);
      } catch (error) {
        if (error.code !== 'EAGAIN') {
          throw error;
        }
      }
      if (!prewarm.step()) {
        break;
      }
    }
  }
  return retried(() => readSync.call(this, 0, ...args));
};

fs.writeSync = function writeApi(fd, data, ...args) {
  if (fd === API_FD) {
    return retried(() => writeSync.call(this, 1, data, ...args));
  }
  if (fd === 1 || fd === 2) {
    const bytes = bytesOf(data, args);
    forward(fd === 1 ? 'stdout' : 'stderr', bytes);
    return bytes.length;
  }
  return writeSync.call(this, fd, data, ...args);
};

// Replaced before anything (console included) opens them, so that stdout stays the API's.
for (const [name, fd] of [['stdout', 1], ['stderr', 2]]) {
  const stream = new Writable({
    write(chunk, encoding, callback) {
      forward(name, Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk, encoding));
      callback();
    },
  });
  stream.fd = fd;
  stream.isTTY = false;
  Object.defineProperty(process, name, { configurable: true, enumerable: true, get: () => stream });
}

// jsii's kernel links its packages' directories into its node_modules when symlinks are
// preserved, and copies every file of them otherwise; it reads the flag from process.execArgv,
// where the launcher puts it, while here it comes in NODE_OPTIONS.
const nodeOptions = (process.env.NODE_OPTIONS || '').split(/\s+/);
if (nodeOptions.includes('--preserve-symlinks') && !process.execArgv.includes('--preserve-symlinks')) {
  process.execArgv.push('--preserve-symlinks');
}

process.on('exit', prewarm.record);
require(process.env.APP_JSII_PROGRAM);
