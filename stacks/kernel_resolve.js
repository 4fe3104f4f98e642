'use strict';
// Used by kernel_host.js: resolves the jsii kernel's `require` calls as Node does, without
// the work Node repeats for them. A kernel resolves about 3,500 requests per synth (every
// module of aws-cdk-lib and cdk-nag it loads), about 0.25-0.35 s of CPU, and two parts of
// that are waste:
//
// - Before anything else, Node tries a request as a self-reference of the package the
//   requiring file is in, walking up from the file to find that package's package.json,
//   although a relative request ('./x', '../x', '.', '..') can never be one. Such a request
//   is resolved here against the requiring file's folder, as Node resolves it, without that
//   step.
// - A bare request ('aws-cdk-lib/aws-ec2', 'constructs') is resolved again for every
//   folder it is made from, and Node 22 parses the target package's `exports` again on each
//   of them (aws-cdk-lib's has 377 entries): cdk-nag's rules make the same few requests from
//   dozens of folders. The answer depends on the package the request is made from (its
//   package.json, its node_modules) and on the folders above it; it is remembered per
//   package and request, for requests made from a folder with no package.json or
//   node_modules of its own between it and the package's root (checked once per folder).
//   From any other folder Node resolves the request itself.
//
// Anything else (absolute paths, '#imports', built-ins, other requests starting with '.',
// a request with options, the main module) goes to Node as it is; so does a relative
// request Node's own way must answer, so that a module not found is reported as Node
// reports it, with its require stack. What the memo assumes, as the kernel's loading
// allows: lookup paths follow from a module's folder (nothing edits `module.paths` or
// NODE_PATH while the kernel runs), and no package appears on disk after a request for it
// was answered. APP_KERNEL_RESOLVE=off leaves every request to Node.
const fs = require('fs');
const Module = require('module');
const path = require('path');

const NODE_MODULES = `${path.sep}node_modules${path.sep}`;
const nodeResolve = Module._resolveFilename;
// A parent without a file: Node then skips the self-reference step, and takes the lookup
// path from the options.
const NO_FILE = new Module('', null);
const bare = new Map();
const plainFolders = new Map();

// Node's own test (lib/internal/modules/cjs/loader.js): what it resolves against the
// requiring file's folder alone.
function isRelative(request) {
  return request === '.' || request === '..'
    || request.startsWith('./') || request.startsWith('../')
    || (path.sep === '\\' && (request.startsWith('.\\') || request.startsWith('..\\')));
}

// The folder of the package `folder` is in (the last node_modules/<name> or
// node_modules/@scope/<name> of its path), or undefined outside node_modules.
function packageRootOf(folder) {
  const at = folder.lastIndexOf(NODE_MODULES);
  if (at < 0) {
    return undefined;
  }
  const names = folder.slice(at + NODE_MODULES.length).split(path.sep);
  const length = names[0].startsWith('@') ? 2 : 1;
  if (names.length < length || names[length - 1] === '') {
    return undefined;
  }
  return folder.slice(0, at + NODE_MODULES.length) + names.slice(0, length).join(path.sep);
}

// Whether a bare request from `folder` resolves as it does from `root`: no folder from
// `folder` up to `root` (excluded) has a package.json or a node_modules of its own.
function resolvesAsRoot(folder, root) {
  let plain = plainFolders.get(folder);
  if (plain === undefined) {
    plain = true;
    for (let at = folder; at.length > root.length; at = path.dirname(at)) {
      if (fs.existsSync(path.join(at, 'package.json'))
          || fs.existsSync(path.join(at, 'node_modules'))) {
        plain = false;
        break;
      }
    }
    plainFolders.set(folder, plain);
  }
  return plain;
}

function resolveFilename(request, parent, isMain, options) {
  if (options !== undefined || isMain || typeof request !== 'string' || !parent?.filename
      || Module.isBuiltin(request)) {
    return nodeResolve.apply(this, arguments);
  }
  const folder = path.dirname(parent.filename);
  if (isRelative(request)) {
    try {
      return nodeResolve.call(this, request, NO_FILE, false, { paths: [folder] });
    } catch {
      return nodeResolve.apply(this, arguments);
    }
  }
  if (path.isAbsolute(request) || request.startsWith('#') || request.startsWith('.')) {
    return nodeResolve.apply(this, arguments);
  }
  const root = packageRootOf(folder);
  if (root === undefined || !resolvesAsRoot(folder, root)) {
    return nodeResolve.apply(this, arguments);
  }
  const key = `${root}\0${request}`;
  let filename = bare.get(key);
  if (filename === undefined) {
    filename = nodeResolve.apply(this, arguments);
    bare.set(key, filename);
  }
  return filename;
}

if (process.env.APP_KERNEL_RESOLVE !== 'off') {
  Module._resolveFilename = resolveFilename;
}
