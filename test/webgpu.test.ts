/**
 * The webgpu backend (tfjs-backend-webgpu on Dawn) against wasm, through the
 * command line: the same losses epoch by epoch, and a model trained on either
 * tags the same on the other. Runs wherever Dawn finds an adapter; in CI that
 * is Mesa's software one (llvmpipe, mesa-vulkan-drivers from
 * bookworm-backports, see .ci/run). Elsewhere it skips and says why.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO, ner } from './helpers/cli';

/** The adapter Dawn finds here, as `ner` describes it, or why there is none. */
function probe(): { adapter?: string; missing?: string } {
  const script = `require(${JSON.stringify(path.join(REPO, 'dist', 'src', 'backend', 'webgpu.js'))}).prepareWebGpu().then((a) => console.log(JSON.stringify(a)), (e) => console.log(JSON.stringify({ error: e.message })))`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 60_000 });
  const last = r.stdout.trim().split('\n').pop() ?? '';
  try {
    const result = JSON.parse(last) as { error?: string; description?: string };
    return result.error === undefined ? { adapter: result.description ?? 'an adapter' } : { missing: `no WebGPU adapter: ${result.error}` };
  } catch {
    return { missing: `no WebGPU adapter (the probe printed ${JSON.stringify(r.stderr.slice(0, 200))})` };
  }
}

const found = probe();

/** Per-epoch losses as `ner train` prints them (4 decimals). */
const losses = (stdout: string) => [...stdout.matchAll(/^epoch\s+\d+\/\d+\s+loss (\S+)/gm)].map((m) => Number(m[1]));

describe(`the webgpu backend${found.adapter === undefined ? '' : ` (${found.adapter})`}`, { skip: found.missing }, () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ner-webgpu-test-'));
  const data = path.join(tmp, 'train.conll');
  const text = path.join(tmp, 'text.txt');
  // No dropout: wasm runs the fused forward pass, which draws its masks time-major, and webgpu runs
  // tf.layers' graph, which draws them batch-major; the same arithmetic, different masks.
  const small = ['--epochs', '3', '--embedding-dim', '16', '--hidden-size', '12', '--char-size', '10', '--seed', '3', '--lr', '0.05', '--dropout', '0'];
  const trained: Record<string, { stdout: string; dir: string }> = {};

  before(() => {
    // A slice of the sample corpus: a few seconds an epoch on a software adapter.
    const sample = fs.readFileSync(path.join(REPO, 'data', 'sample', 'train.conll'), 'utf8').split('\n\n').slice(0, 40).join('\n\n');
    fs.writeFileSync(data, `${sample}\n`);
    fs.writeFileSync(text, 'Angela Merkel visited Paris.\nSiemens opened an office in Berlin.\n');
    for (const backend of ['wasm', 'webgpu']) {
      const dir = path.join(tmp, `model-${backend}`);
      const r = ner(['train', '--data', data, '--out', dir, '--backend', backend, '--threads', '1', ...small]);
      assert.equal(r.code, 0, r.stderr.slice(-2000));
      trained[backend] = { stdout: r.stdout, dir };
    }
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  test('training: per-epoch losses equal wasm\'s within 1e-3', () => {
    const [wasm, webgpu] = [losses(trained.wasm.stdout), losses(trained.webgpu.stdout)];
    assert.equal(wasm.length, 3);
    assert.equal(webgpu.length, 3);
    webgpu.forEach((l, i) => assert.ok(Math.abs(l - wasm[i]) <= 1e-3, `epoch ${i + 1}: webgpu ${l}, wasm ${wasm[i]}`));
  });

  test('a model trained on one backend tags the same on the other; eval runs on webgpu', () => {
    for (const from of ['wasm', 'webgpu']) {
      const outputs = ['wasm', 'webgpu'].map((backend) => {
        const r = ner(['predict', '--model', trained[from].dir, '--input', text, '--backend', backend, '--output-format', 'json']);
        assert.equal(r.code, 0, r.stderr.slice(-2000));
        return (r.stdout.trim().split('\n').map((l) => JSON.parse(l)) as Array<{ tags: string[] }>).map((s) => s.tags);
      });
      assert.deepEqual(outputs[1], outputs[0], `model trained on ${from}`);
    }
    const evaluated = ner(['eval', '--model', trained.webgpu.dir, '--data', data, '--backend', 'webgpu']);
    assert.equal(evaluated.code, 0, evaluated.stderr.slice(-2000));
    assert.match(evaluated.stdout, /accuracy:/);
  });

  test('the backend line names the adapter; a software one comes with a warning', () => {
    const r = ner(['predict', '--model', trained.wasm.dir, '--input', text, '--backend', 'webgpu']);
    assert.match(r.stderr, /^backend: webgpu on .+/m);
    if (/software adapter/.test(r.stderr)) assert.match(r.stderr, /ner: warning: webgpu runs on .*software adapter: expect it to be slower than --backend wasm/);
  });
});
