import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { KERNELS_C_SHA256 } from '../src/fast/wasm/kernelsBinary';

const REPO = path.join(__dirname, '..', '..');
const hasClang = spawnSync('sh', ['-c', 'command -v clang && command -v wasm-ld'], { encoding: 'utf8' }).status === 0;

// The SIMD kernels ship prebuilt (src/fast/wasm/kernelsBinary.ts) so installing needs no compiler;
// their behaviour is tested against the JavaScript and tf.layers paths everywhere.
// This checks that the committed binary is what src/fast/wasm/kernels.c builds to.
test('the committed wasm kernels are built from src/fast/wasm/kernels.c', { skip: hasClang ? false : 'clang and lld are not installed (apt-get install clang lld)' }, () => {
  const r = spawnSync(path.join(REPO, 'scripts', 'build-wasm.sh'), ['--check'], { cwd: REPO, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
});

// Without clang (as in CI): the generated file records the hash of the source it was built from,
// so an edit of kernels.c without a rebuild is caught here.
test('src/fast/wasm/kernelsBinary.ts was generated from the src/fast/wasm/kernels.c in the tree (its recorded sha256)', () => {
  const source = readFileSync(path.join(REPO, 'src', 'fast', 'wasm', 'kernels.c'));
  const actual = createHash('sha256').update(source).digest('hex');
  assert.equal(actual, KERNELS_C_SHA256, 'src/fast/wasm/kernelsBinary.ts is stale: run scripts/build-wasm.sh (needs clang and lld)');
});
