// Bundles src/browser/index.ts and @tensorflow/tfjs into dist/browser/ner.js
// (one IIFE exposing `ner`), with Node's built-in modules replaced by a stub.
import { build } from 'esbuild';
import { builtinModules } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const stub = path.join(root, 'src', 'browser', 'nodeStub.ts');
const alias = {};
for (const name of builtinModules) {
  alias[name] = stub;
  alias[`node:${name}`] = stub;
}

await build({
  entryPoints: [path.join(root, 'src', 'browser', 'index.ts')],
  outfile: path.join(root, 'dist', 'browser', 'ner.js'),
  bundle: true,
  format: 'iife',
  globalName: 'ner',
  platform: 'browser',
  target: 'es2020',
  minify: true,
  sourcemap: false,
  alias,
  logLevel: 'warning',
});
