// Bundles src/browser/index.ts and @tensorflow/tfjs into dist/browser/ner.js
// (one IIFE exposing `ner`). Nothing the page loads may import a Node
// built-in module: esbuild fails the build if one does, naming the import.
import { build } from 'esbuild';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');

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
  logLevel: 'warning',
});
