'use strict';
// Used by kernel_host.js: while the jsii kernel waits for the Python side's next request, load
// the JavaScript modules the previous synth's kernel loaded, so that the request that needs
// one finds it loaded. A synth is one Python process ping-ponging with this one: whenever
// Python works (imports, building props), the kernel idles, and most of the kernel's module
// loading (a service's JavaScript the first time the app uses it, ~0.8 s per synth) can run
// then instead of while Python waits.
//
// The modules are the same files the kernel would require later, by the same paths (the
// kernel's node_modules under /tmp/jsii-kernel-XXXXXX, symlinks preserved), in the order they
// were first loaded; a module of a package the kernel has not loaded yet (its directory is
// made by its `load` request) waits for it, without holding up the others. Loading a
// module early runs its top-level code earlier: aws-cdk-lib's modules define classes and
// require one another lazily. The list is written at exit to APP_KERNEL_PREWARM (one file
// per app, see kernel_host.py; atomically: parallel synth parts write the same list); `off`
// loads nothing ahead and records nothing.
const fs = require('fs');

const ROOT = /^(.*[/\\]jsii-kernel-[^/\\]+[/\\]node_modules[/\\])(.+)$/;
const file = process.env.APP_KERNEL_PREWARM === 'off' ? undefined : process.env.APP_KERNEL_PREWARM;
let pending;
const present = new Set();
let root;
let polling;

function read() {
  try {
    const list = JSON.parse(fs.readFileSync(file, 'utf8'));
    return Array.isArray(list) ? list.filter((entry) => typeof entry === 'string') : [];
  } catch {
    return [];
  }
}

function kernelRoot() {
  if (root === undefined) {
    for (const key of Object.keys(require.cache)) {
      const match = ROOT.exec(key);
      if (match) {
        root = match[1];
        break;
      }
    }
  }
  return root;
}

function packageOf(relative) {
  const parts = relative.split(/[/\\]/);
  return parts.slice(0, relative.startsWith('@') ? 2 : 1).join('/');
}

// Loads the first module of the list that is not loaded yet and whose package the kernel has
// loaded; false when there is none now. A package's directory, once there, stays.
function step() {
  if (pending === undefined) {
    pending = file ? read() : [];
  }
  const base = kernelRoot();
  if (base === undefined) {
    return false;
  }
  const absent = new Set();
  for (let index = 0; index < pending.length; index += 1) {
    const relative = pending[index];
    if (require.cache[base + relative] !== undefined) {
      pending.splice(index, 1);
      index -= 1;
      continue;
    }
    const name = packageOf(relative);
    if (absent.has(name)) {
      continue;
    }
    if (!present.has(name)) {
      if (!fs.existsSync(base + name)) {
        absent.add(name);
        continue;
      }
      present.add(name);
    }
    pending.splice(index, 1);
    try {
      require(base + relative);
    } catch {
      // Gone or failing now: the kernel's own require meets it where it always did.
    }
    return true;
  }
  return false;
}

// A second description of the API pipe (stdin) that does not block, to see whether a request
// is waiting; undefined when the list is done or the pipe cannot be opened so.
function pollingFd() {
  if (!file || (pending !== undefined && pending.length === 0)) {
    return undefined;
  }
  if (polling === undefined) {
    try {
      polling = fs.openSync('/proc/self/fd/0', fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    } catch {
      polling = null;
    }
  }
  return polling === null ? undefined : polling;
}

function record() {
  const loaded = [];
  for (const key of Object.keys(require.cache)) {
    const match = ROOT.exec(key);
    if (match) {
      loaded.push(match[2]);
    }
  }
  if (!file || loaded.length === 0) {
    return;
  }
  const partial = `${file}.${process.pid}`;
  try {
    fs.writeFileSync(partial, JSON.stringify(loaded));
    fs.renameSync(partial, file);
  } catch {
    fs.rmSync(partial, { force: true });
  }
}

module.exports = { step, pollingFd, record };
