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
// were first loaded; a package the kernel has not loaded yet (its directory is made by its
// `load` request) is waited for. Loading a module early runs its top-level code earlier:
// aws-cdk-lib's modules define classes and require one another lazily. The list is written
// at exit to APP_KERNEL_PREWARM (atomically: parallel synth parts write the same list); `off`
// loads nothing ahead and records nothing.
const fs = require('fs');

const ROOT = /^(.*[/\\]jsii-kernel-[^/\\]+[/\\]node_modules[/\\])(.+)$/;
const file = process.env.APP_KERNEL_PREWARM === 'off' ? undefined : process.env.APP_KERNEL_PREWARM;
let queue;
let next = 0;
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

// Loads the next module of the list; false when there is nothing to load now (the list is
// done, or the next module's package is not loaded by the kernel yet).
function step() {
  if (queue === undefined) {
    queue = file ? read() : [];
  }
  const base = kernelRoot();
  while (base !== undefined && next < queue.length) {
    const relative = queue[next];
    const filename = base + relative;
    if (require.cache[filename] !== undefined) {
      next += 1;
      continue;
    }
    if (!fs.existsSync(base + packageOf(relative))) {
      return false;
    }
    next += 1;
    try {
      require(filename);
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
  if (!file || (queue !== undefined && next >= queue.length)) {
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
