/**
 * The tree's shape, as scripts/structure.ts reads it: no import cycle between
 * folders of src/ (value imports; types may go either way), no function over
 * 120 lines. Then the script itself, on small trees made for it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MAX_FUNCTION_LINES, Structure, analyse } from '../scripts/structure';

const ROOT = path.join(__dirname, '..', '..');

const cycleText = (c: readonly string[]): string => [...c, c[0]].join(' -> ');

let cached: Structure | undefined;
const structure = (): Structure => (cached ??= analyse(ROOT));

test('src/ has no folder import cycle', () => {
  assert.deepEqual(
    structure().cycles.map(cycleText),
    [],
    'a new import cycle between folders of src/ (run node dist/scripts/structure.js to see the imports that make it)',
  );
});

test(`src/ has no function over ${MAX_FUNCTION_LINES} lines`, () => {
  assert.deepEqual(
    structure().longFunctions.map((f) => `${f.name} (${f.file}:${f.line}, ${f.lines} lines)`),
    [],
    `functions over ${MAX_FUNCTION_LINES} lines`,
  );
});

/** A throwaway repository: tsconfig.json plus the given files under it. */
function tree(files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ner-structure-'));
  fs.writeFileSync(path.join(root, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, module: 'commonjs' }, include: ['src/**/*.ts'] }));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    fs.writeFileSync(path.join(root, name), text);
  }
  return root;
}

test('structure: only value imports make edges', (t) => {
  const root = tree({
    'src/a/one.ts': [
      "import type { B } from '../b/two';",
      "import { type C } from '../c/three';",
      "import { D } from '../d/four';", // an interface: erased like `import type`
      "export type { E } from '../e/five';",
      "import { f } from '../f/six';",
      'export const x: B | C | D = f;',
    ].join('\n'),
    'src/b/two.ts': "import { x } from '../a/one';\nexport type B = typeof x;",
    'src/c/three.ts': "import '../a/one';\nexport type C = number;",
    'src/d/four.ts': "export { x } from '../a/one';\nexport interface D { n: number }",
    'src/e/five.ts': "import * as a from '../a/one';\nexport type E = typeof a;",
    'src/f/six.ts': 'export const f = 1;',
  });
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  const s = analyse(root);
  assert.deepEqual(
    s.edges.map((e) => `${e.from} -> ${e.to}`),
    ['a -> f', 'b -> a', 'c -> a', 'd -> a', 'e -> a'],
  );
  assert.deepEqual(s.cycles, []);
});

test('structure: finds cycles and long functions by name', (t) => {
  const body = (n: number): string => Array.from({ length: n }, (_, i) => `  const v${i} = ${i};`).join('\n');
  const root = tree({
    'src/a/one.ts': [
      "import { g } from '../b/two';",
      `export function f(): number {\n${body(118)}\n  return g();\n}`,
      `export function h(): number {\n${body(117)}\n  return 0;\n}`,
    ].join('\n'),
    'src/b/two.ts': [
      "import { f } from '../a/one';",
      `export const g = (): number => {\n${body(119)}\n  return 1;\n};`,
      `export class K {\n  m(): number {\n${body(200)}\n    return [1].map((n) => {\n${body(130)}\n      return n;\n    })[0] + f();\n  }\n}`,
    ].join('\n'),
  });
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  const s = analyse(root);
  assert.deepEqual(s.cycles, [['a', 'b']]);
  assert.deepEqual(s.components, [['a', 'b']]);
  // f is 121 lines, g 122, K.m and the arrow inside it more; h, at exactly 120, is not listed.
  assert.deepEqual(
    s.longFunctions.map((f) => `${f.file}:${f.line} ${f.name} ${f.lines}`),
    ['src/b/two.ts:125 K.m 335', 'src/b/two.ts:326 K.m.<arrow> 133', 'src/b/two.ts:2 g 122', 'src/a/one.ts:2 f 121'],
  );
});
