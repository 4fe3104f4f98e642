// Print cdk-dia's Graphviz description (DOT) of the stacks of one stage of a cloud assembly,
// without rendering it (so it needs no Graphviz): what `make diagram` renders and what
// tests/docs/test_diagram.py compares with the committed docs/images/architecture.dot.
//
// usage: node tools/diagram_dot.js <tree.json>   (tools/diagram.py passes one stage's tree)
// prints {"iconsBase": <cdk-dia's folder>, "dot": <the description>} as JSON.
'use strict';

const path = require('path');
const dia = require('cdk-dia');
const { GraphvizGenerator } = require('cdk-dia/dist/src/render/graphviz/GraphvizGenerator');
// cdk-dia's own ts-graphviz (its dependency, not one of this repository's).
const { toDot } = require(require.resolve('ts-graphviz', { paths: [require.resolve('cdk-dia')] }));

const [treePath] = process.argv.slice(2);
if (!treePath) {
  console.error('usage: node tools/diagram_dot.js <tree.json>');
  process.exit(2);
}
const iconsBase = path.dirname(require.resolve('cdk-dia/package.json'));
const tree = dia.TreeJsonLoader.load(path.resolve(treePath));
const generator = new dia.AwsDiagramGenerator(
  new dia.AwsEdgeResolver(),
  new dia.AwsIconSupplier(iconsBase),
);
// The cdk-dia CLI's defaults: collapse constructs, and clusters holding a single cluster.
// Every stack of the tree is drawn (false: no include list).
const diagram = generator.generate(tree, true, true, false, undefined);
process.stdout.write(JSON.stringify({ iconsBase, dot: toDot(new GraphvizGenerator().generate(diagram)) }));
