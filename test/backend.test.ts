import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { PackageLoader, backendCandidates, describeBackend, initBackend } from '../src/backend';
import { UsageError } from '../src/errors';

const none = { tfjsNode: false, tfjsNodeGpu: false, wasm: false, webgpu: false };
const all = { tfjsNode: true, tfjsNodeGpu: true, wasm: true, webgpu: true };
const names = (request: Parameters<typeof backendCandidates>[0], gpu: boolean, available = none) =>
  backendCandidates(request, gpu, available).map((c) => c.name);

describe('backend selection rules', () => {
  test('auto prefers tensorflow, then wasm, then cpu', () => {
    assert.deepEqual(names('auto', false, { ...none, tfjsNode: true, wasm: true }), ['tensorflow', 'wasm', 'cpu']);
    assert.deepEqual(names('auto', false, { ...none, wasm: true }), ['wasm', 'cpu']);
    assert.deepEqual(names('auto', false), ['cpu']);
    assert.deepEqual(names('auto', false, all), ['tensorflow', 'wasm', 'cpu'], 'never webgpu: unmeasured on hardware, slower than wasm in software');
  });

  test('auto never loads both native packages', () => {
    assert.deepEqual(names('auto', false, { ...all, webgpu: false }), ['tensorflow', 'wasm', 'cpu']);
    assert.deepEqual(names('auto', false, { ...none, tfjsNodeGpu: true }), ['tensorflow-gpu', 'cpu']);
  });

  test('--gpu tries CUDA through tfjs-node-gpu, then a hardware WebGPU adapter, and nothing on the CPU', () => {
    const candidates = backendCandidates('auto', true, all);
    assert.deepEqual(candidates.map((c) => [c.name, c.requires]), [['tensorflow-gpu', 'cuda'], ['webgpu', 'hardware-adapter']]);
    assert.deepEqual(names('auto', true, { ...none, tfjsNodeGpu: true }), ['tensorflow-gpu']);
    assert.deepEqual(names('auto', true, { ...none, webgpu: true }), ['webgpu']);
    assert.deepEqual(names('tensorflow', true, all), ['tensorflow-gpu']);
    assert.deepEqual(names('webgpu', true, all), ['webgpu']);
  });

  test('--gpu with neither GPU package, or with wasm/cpu, is a usage error', () => {
    assert.throws(() => names('auto', true, { ...none, tfjsNode: true, wasm: true }), (e: unknown) => e instanceof UsageError && /tfjs-node-gpu, or webgpu and @tensorflow\/tfjs-backend-webgpu/.test(e.message));
    assert.throws(() => names('wasm', true, all), /--gpu runs on tensorflow \(CUDA\) or webgpu, but --backend wasm was given/);
    assert.throws(() => names('cpu', true, { ...none, tfjsNodeGpu: true }), /--backend cpu/);
  });

  test('explicit choices are honoured or refused', () => {
    assert.deepEqual(names('tensorflow', false, { ...none, tfjsNode: true }), ['tensorflow']);
    assert.deepEqual(names('tensorflow', false, { ...none, tfjsNodeGpu: true }), ['tensorflow-gpu']);
    assert.throws(() => names('tensorflow', false, { ...none, wasm: true }), /@tensorflow\/tfjs-node/);
    assert.deepEqual(names('wasm', false, { ...none, wasm: true }), ['wasm']);
    assert.throws(() => names('wasm', false), /tfjs-backend-wasm/);
    assert.deepEqual(names('cpu', false, all), ['cpu']);
    assert.deepEqual(names('webgpu', false, { ...none, webgpu: true }), ['webgpu']);
    assert.throws(() => names('webgpu', false, { ...none, wasm: true }), /--backend webgpu needs the packages webgpu and @tensorflow\/tfjs-backend-webgpu/);
  });
});

/**
 * A loader that pretends the native packages are installed. "Loading" tfjs-node-gpu
 * registers a stand-in `tensorflow` backend (a cpu backend reporting a GPU), the
 * way the real package registers its NodeJSKernelBackend; "loading" tfjs-node fails
 * the way it does when libtensorflow is missing.
 */
function fakeLoader(opts: { node?: 'ok' | 'broken'; gpu?: boolean; device?: boolean; webgpu?: boolean }): PackageLoader & { loaded: string[] } {
  const loaded: string[] = [];
  return {
    loaded,
    isInstalled: (pkg) =>
      (pkg === '@tensorflow/tfjs-node' && opts.node !== undefined) ||
      (pkg === '@tensorflow/tfjs-node-gpu' && opts.gpu === true) ||
      ((pkg === 'webgpu' || pkg === '@tensorflow/tfjs-backend-webgpu') && opts.webgpu === true) ||
      pkg === '@tensorflow/tfjs-backend-wasm',
    load: (pkg) => {
      loaded.push(pkg);
      if (pkg === '@tensorflow/tfjs-node' && opts.node === 'broken') {
        throw new Error('libtensorflow.so.2: cannot open shared object file: No such file or directory\n    at Module._extensions');
      }
      if (pkg === '@tensorflow/tfjs-node-gpu' || pkg === '@tensorflow/tfjs-node') {
        const cpuFactory = tf.findBackendFactory('cpu') as () => tf.KernelBackend;
        if (tf.findBackendFactory('tensorflow') !== null) tf.removeBackend('tensorflow');
        tf.registerBackend('tensorflow', () => Object.assign(cpuFactory(), { isUsingGpuDevice: opts.device === true }));
      }
      if (pkg === '@tensorflow/tfjs-backend-wasm') require(pkg);
    },
  };
}

describe('backend start-up', () => {
  after(async () => {
    if (tf.findBackendFactory('tensorflow') !== null) tf.removeBackend('tensorflow');
    await tf.setBackend('cpu');
  });

  test('--gpu starts tensorflow-gpu and reports the CUDA device', async () => {
    const info = await initBackend({ gpu: true }, fakeLoader({ gpu: true, device: true }));
    assert.equal(info.name, 'tensorflow-gpu');
    assert.equal(info.usingGpu, true);
    assert.equal(tf.getBackend(), 'tensorflow');
    assert.deepEqual(info.warnings, []);
    assert.match(describeBackend(info), /tensorflow-gpu \(CUDA GPU\)/);
  });

  test('--gpu with no visible CUDA device and no WebGPU is an error that says so', async () => {
    await assert.rejects(initBackend({ gpu: true }, fakeLoader({ gpu: true, device: false })), (e: unknown) => e instanceof UsageError && /^--gpu could not start: tensorflow-gpu: @tensorflow\/tfjs-node-gpu found no CUDA device$/.test(e.message));
  });

  test('--gpu never settles for a software WebGPU adapter', async () => {
    const software = async () => ({ gpu: { requestAdapter: async () => ({ info: { vendor: 'mesa', architecture: 'software', description: 'llvmpipe: Mesa 25.0.7' }, isFallbackAdapter: true }) }, globals: {} });
    await assert.rejects(
      initBackend({ gpu: true }, { ...fakeLoader({ gpu: true, device: false, webgpu: true }), gpu: software }),
      (e: unknown) => e instanceof UsageError && /found no CUDA device; webgpu: only mesa software \(llvmpipe: Mesa 25\.0\.7\), a software adapter, which is slower than the wasm backend/.test(e.message),
    );
  });

  test('auto skips a tfjs-node whose libtensorflow is missing and says why', async () => {
    const loader = fakeLoader({ node: 'broken' });
    const info = await initBackend({ backend: 'auto' }, loader);
    assert.equal(info.name, 'wasm');
    assert.equal(tf.getBackend(), 'wasm');
    assert.deepEqual(loader.loaded, ['@tensorflow/tfjs-node', '@tensorflow/tfjs-backend-wasm']);
    assert.match(info.skipped[0], /^tensorflow: libtensorflow\.so\.2: cannot open/);
    assert.doesNotMatch(info.skipped[0], /\n/, 'one line, no stack');
  });

  test('an explicit backend that cannot start is a usage error, not a silent fallback', async () => {
    await assert.rejects(initBackend({ backend: 'tensorflow' }, fakeLoader({ node: 'broken' })), (e: unknown) => e instanceof UsageError && /could not start/.test(e.message));
  });

  test('auto with tfjs-node working picks tensorflow', async () => {
    const info = await initBackend({ backend: 'auto' }, fakeLoader({ node: 'ok' }));
    assert.equal(info.name, 'tensorflow');
    assert.equal(info.usingGpu, false);
  });
});
