'use strict';
// Used by kernel_host.js: a backport of aws-cdk-lib 2.276.0's change to its reference pass,
// which stops at nested stages (core/lib/private/refs.js walks the tree with
// `iterateDfsPreorderStopAtStage`). The Python package of that version is not on the index
// this project installs from; an aws-cdk-lib of that version or later is left alone.
//
// Before it, `App.synth()` synthesizes each nested `Stage` (the stage's own reference pass,
// then its templates), then prepares the App itself, and that preparation walks the whole
// construct tree again, stages included, rendering every CloudFormation element of every
// stack a second time to look for references: about 0.1-0.15 s of kernel CPU per synth part,
// on the critical path. It can find nothing new there: each reference inside a stage was
// given its value by the stage's pass, and the stage's templates are already written, so
// nothing the App's pass could add there would reach them. Every other phase of a synthesis
// (validation, tree synthesis) already stops at nested stages.
//
// So when the refs.js of an aws-cdk-lib below 2.276.0 asks for its tree iteration, it gets
// one whose walk does not enter a stage below the construct it starts from, as 2.276.0's
// does; every other module's walk is CDK's own. (2.276.0 also made two cheaper walks stop at
// stages, the dependency pass and the search for nested stacks; they render nothing and are
// left as they are.) Nothing is wrapped around the functions that create constructs: the
// iteration is not on the stack when refs.js adds exports or parameters, so the creation
// traces CDK records are unchanged. APP_KERNEL_STAGE_REFS=off leaves the walk as it is.
const fs = require('fs');
const Module = require('module');
const path = require('path');

const REFS = path.join('core', 'lib', 'private', 'refs.js');
const ITERATION = './construct-iteration';
// The first aws-cdk-lib whose refs.js stops at nested stages itself.
const FIXED_IN = [2, 276, 0];
const nodeLoad = Module._load;

// Whether the package refs.js (at `refsFile`) belongs to is an aws-cdk-lib below FIXED_IN.
// Anything unreadable or unexpected counts as not.
function predatesTheChange(refsFile) {
  try {
    const manifest = path.join(path.dirname(refsFile), '..', '..', '..', 'package.json');
    const { name, version } = JSON.parse(fs.readFileSync(manifest, 'utf8'));
    const parts = /^(\d+)\.(\d+)\.(\d+)/.exec(version)?.slice(1).map(Number);
    if (name !== 'aws-cdk-lib' || parts === undefined) {
      return false;
    }
    const at = parts.findIndex((part, i) => part !== FIXED_IN[i]);
    return at >= 0 && parts[at] < FIXED_IN[at];
  } catch {
    return false;
  }
}

function stoppingAtStages(iteration, finders) {
  function* iterateDfsPreorder(root) {
    // CDK's own order (depth first, children in order), less what is below a nested stage.
    const stack = [root];
    for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
      if (next !== root && finders.STAGE_TYPE.isMarked(next)) {
        continue;
      }
      stack.push(...next.node.children.reverse());
      yield next;
    }
  }
  return Object.freeze({ ...iteration, iterateDfsPreorder });
}

function load(request, parent, isMain) {
  const loaded = nodeLoad.apply(this, arguments);
  if (request === ITERATION && parent?.filename?.endsWith(REFS)
      && typeof loaded?.iterateDfsPreorder === 'function' && predatesTheChange(parent.filename)) {
    const finders = nodeLoad.call(this, './core-construct-finders', parent, false);
    if (typeof finders?.STAGE_TYPE?.isMarked === 'function') {
      return stoppingAtStages(loaded, finders);
    }
  }
  return loaded;
}

if (process.env.APP_KERNEL_STAGE_REFS !== 'off') {
  Module._load = load;
}
