import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const REPO = path.join(__dirname, '..', '..');
const hasClang = spawnSync('sh', ['-c', 'command -v clang && command -v wasm-ld'], { encoding: 'utf8' }).status === 0;

// The SIMD kernels ship prebuilt (src/wasm/kernelsBinary.ts) so installing needs no compiler;
// their behaviour is tested against the JavaScript and tf.layers paths everywhere.
// This checks that the committed binary is what src/wasm/kernels.c builds to.
test('the committed wasm kernels are built from src/wasm/kernels.c', { skip: hasClang ? false : 'clang and lld are not installed (apt-get install clang lld)' }, () => {
  const r = spawnSync(path.join(REPO, 'scripts', 'build-wasm.sh'), ['--check'], { cwd: REPO, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
});
