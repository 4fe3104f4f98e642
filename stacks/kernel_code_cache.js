'use strict';
// Preloaded into the jsii kernel's Node processes (`--require`, see kernel_code_cache.py): keeps
// V8's compiled code of every CommonJS module the kernel loads (aws-cdk-lib, cdk-nag, the
// kernel itself) in a directory, so that the next synth deserializes it instead of compiling
// the same megabytes of JavaScript again.
//
// Node's own compile cache (NODE_COMPILE_CACHE) cannot do it: it keys entries by file path,
// and the kernel loads every package from a fresh random directory (/tmp/jsii-kernel-XXXXXX,
// symlinks preserved). Here an entry is keyed by the module's source text (SHA-1), and V8
// checks the rest (its version and flags) when it reads an entry back: a rejected or missing
// entry is compiled as Node would and written when the process exits. Nothing else changes:
// the same wrapper, the same file name (stack traces), the same require; any module this does
// not handle (ES modules, a hashbang, a syntax error) goes to Node's own loader.
const crypto = require('crypto');
const fs = require('fs');
const Module = require('module');
const path = require('path');
const vm = require('vm');

const root = process.env.APP_KERNEL_CODE_CACHE;
// One directory per Node version and architecture, so that two of them never overwrite each
// other's entries (V8 would reject the other's).
const directory = root ? path.join(root, `${process.version}-${process.arch}`) : undefined;
const nodeCompile = Module.prototype._compile;
const WRAPPER_LENGTH = Module.wrapper[0].length;
const unwritten = [];

function requireFunction(module) {
  // What Node's makeRequireFunction gives a CommonJS module.
  const require = (id) => module.require(id);
  require.resolve = (request, options) => Module._resolveFilename(request, module, false, options);
  require.resolve.paths = (request) => Module._resolveLookupPaths(request, module);
  require.main = process.mainModule;
  require.extensions = Module._extensions;
  require.cache = Module._cache;
  return require;
}

function compile(content, filename, format) {
  if ((format !== undefined && format !== 'commonjs') || content.startsWith('#!')) {
    return nodeCompile.call(this, content, filename, format);
  }
  const entry = path.join(directory, crypto.createHash('sha1').update(content).digest('hex'));
  let cachedData;
  try {
    cachedData = fs.readFileSync(entry);
  } catch {
    cachedData = undefined;
  }
  let script;
  try {
    script = new vm.Script(Module.wrap(content), {
      filename,
      // Columns of the module's first line as Node reports them (stack traces), not shifted
      // by the wrapper's text.
      columnOffset: -WRAPPER_LENGTH,
      cachedData,
      importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
    });
  } catch {
    // ES module syntax in a .js file, or a real error: Node's loader handles or reports it.
    return nodeCompile.call(this, content, filename, format);
  }
  if (cachedData === undefined || script.cachedDataRejected) {
    unwritten.push([entry, script]);
  }
  const wrapper = script.runInThisContext({ displayErrors: true });
  return wrapper.call(
    this.exports, this.exports, requireFunction(this), this, filename, path.dirname(filename),
  );
}

function writeEntries() {
  // At exit the scripts have run: their code cache includes the functions compiled since.
  if (unwritten.length === 0) {
    return;
  }
  try {
    fs.mkdirSync(directory, { recursive: true });
  } catch {
    return;
  }
  for (const [entry, script] of unwritten) {
    // Another synth may write the same entry at the same time: rename is atomic.
    const partial = `${entry}.${process.pid}`;
    try {
      fs.writeFileSync(partial, script.createCachedData());
      fs.renameSync(partial, entry);
    } catch {
      fs.rmSync(partial, { force: true });
    }
  }
}

// With source maps on, Node's own compile also records each module's source map (stack traces
// then point into the original sources): left to Node.
if (directory && !process.sourceMapsEnabled) {
  Module.prototype._compile = compile;
  process.on('exit', writeEntries);
}
