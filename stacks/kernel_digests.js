'use strict';
// Used by kernel_host.js: remembers the SHA-256 of the jsii tarballs the kernel loads, so that
// the next kernel does not hash them again. jsii's kernel finds a package's entry in its package
// cache by the digest of the package's tarball, which it computes on every `load`: aws-cdk-lib's
// is 38 MB and asset-awscli-v1's 21 MB, about 0.1 s of CPU per kernel, and every synth part
// starts one.
//
// kernel_host.py installs jsii's program with its digestFile calling the hook set here (see
// DIGEST_HOOK there). An entry is keyed by the file's path and what its inode says about its
// content: device, inode, size, modification and change times in nanoseconds. Any write to the
// file, or a new file at the path (a reinstall), changes the change time or the inode, and
// the change time cannot be set back from user space; so a tarball that changed is hashed
// again, and the kernel then looks for (or extracts) the entry of its new digest. The
// memo is a JSON file (APP_KERNEL_DIGESTS), written atomically at exit when an entry is new;
// `off` hashes every time.
const fs = require('fs');

const HOOK = Symbol.for('app.kernel.digestFile');
//: Entries kept: a few versions of each of the app's tarballs.
const LIMIT = 64;
const file = process.env.APP_KERNEL_DIGESTS === 'off' ? undefined : process.env.APP_KERNEL_DIGESTS;
let memo;
let changed = false;

function read() {
  try {
    const data = JSON.parse(fs.readFileSync(file, 'utf8'));
    if (data !== null && typeof data === 'object' && !Array.isArray(data)) {
      return data;
    }
  } catch {
    // Missing or unreadable: every digest is computed.
  }
  return {};
}

function keyOf(path, extra) {
  const stat = fs.statSync(path, { bigint: true });
  if (!stat.isFile()) {
    return undefined;
  }
  const identity = [stat.dev, stat.ino, stat.size, stat.mtimeNs, stat.ctimeNs].map(String);
  return JSON.stringify([path, ...identity, ...extra.map(String)]);
}

// digestFile(path, ...extra) as jsii computes it (`compute`), or what it computed for the same
// file before.
function digest(path, extra, compute) {
  let key;
  try {
    key = keyOf(path, extra);
  } catch {
    key = undefined;
  }
  if (key === undefined) {
    return compute();
  }
  if (memo === undefined) {
    memo = read();
  }
  const known = memo[key];
  if (typeof known === 'string' && /^[0-9a-f]{64}$/.test(known)) {
    return Buffer.from(known, 'hex');
  }
  const computed = compute();
  // Stat again: a file written while it was hashed is not remembered.
  if (keyOf(path, extra) === key) {
    delete memo[key];
    memo[key] = computed.toString('hex');
    changed = true;
  }
  return computed;
}

function record() {
  if (!changed) {
    return;
  }
  const keys = Object.keys(memo);
  const kept = Object.fromEntries(keys.slice(-LIMIT).map((key) => [key, memo[key]]));
  const partial = `${file}.${process.pid}`;
  try {
    fs.writeFileSync(partial, JSON.stringify(kept));
    fs.renameSync(partial, file);
  } catch {
    fs.rmSync(partial, { force: true });
  }
}

if (file) {
  globalThis[HOOK] = digest;
  process.on('exit', record);
}

module.exports = { digest, record };
