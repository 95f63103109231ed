/**
 * Which tfjs backend to run, decided from what the user asked for and what is
 * installed. Pure, so the rules can be tested without any native package.
 */
import { UsageError } from '../errors';

/** What `--backend` accepts. */
export type BackendRequest = 'auto' | 'tensorflow' | 'wasm' | 'webgpu' | 'cpu';
export const BACKEND_REQUESTS: readonly BackendRequest[] = ['auto', 'tensorflow', 'wasm', 'webgpu', 'cpu'];

/**
 * What actually runs. `tensorflow-gpu` is libtensorflow with CUDA, via
 * @tensorflow/tfjs-node-gpu; `webgpu` is tfjs-backend-webgpu on Dawn (the
 * npm package `webgpu`), on any GPU with Vulkan, Metal or Direct3D 12.
 */
export type BackendName = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'webgpu' | 'cpu';

/** Which optional packages can be loaded in this process. */
export interface Availability {
  tfjsNode: boolean;
  tfjsNodeGpu: boolean;
  wasm: boolean;
  /** Both `webgpu` (Dawn) and @tensorflow/tfjs-backend-webgpu. */
  webgpu: boolean;
}

export interface BackendChoice {
  name: BackendName;
  /** The npm package to load for it, if any beyond @tensorflow/tfjs. */
  pkg?: '@tensorflow/tfjs-node' | '@tensorflow/tfjs-node-gpu' | '@tensorflow/tfjs-backend-wasm';
  /** The tfjs backend name to pass to tf.setBackend. */
  tfName: 'tensorflow' | 'wasm' | 'webgpu' | 'cpu';
  /**
   * What it must find once started, or be skipped: a CUDA device
   * (tfjs-node-gpu runs on the CPU without one), a hardware WebGPU adapter
   * (not llvmpipe or SwiftShader, which the wasm backend outruns).
   */
  requires?: 'cuda' | 'hardware-adapter';
}

const GPU_HINT =
  'install @tensorflow/tfjs-node-gpu@4.22.0 next to ner (CUDA 11.2 and cuDNN 8.1 on Linux x64), or reinstall ner with its optional packages for WebGPU (webgpu and @tensorflow/tfjs-backend-webgpu)';

const CHOICES: Record<BackendName, BackendChoice> = {
  'tensorflow-gpu': { name: 'tensorflow-gpu', pkg: '@tensorflow/tfjs-node-gpu', tfName: 'tensorflow' },
  tensorflow: { name: 'tensorflow', pkg: '@tensorflow/tfjs-node', tfName: 'tensorflow' },
  wasm: { name: 'wasm', pkg: '@tensorflow/tfjs-backend-wasm', tfName: 'wasm' },
  webgpu: { name: 'webgpu', tfName: 'webgpu' },
  cpu: { name: 'cpu', tfName: 'cpu' },
};

/**
 * The backends to try, best first. `auto` lists every fallback so that a
 * native package which is installed but fails to load (no libtensorflow, wrong
 * CUDA) still leaves a working run; an explicit request lists only itself.
 *
 * Throws UsageError when the request cannot be met by anything installed.
 */
export function backendCandidates(request: BackendRequest, gpu: boolean, available: Availability): BackendChoice[] {
  if (gpu) {
    if (request === 'wasm' || request === 'cpu') {
      throw new UsageError(`--gpu runs on tensorflow (CUDA) or webgpu, but --backend ${request} was given`);
    }
    // CUDA through libtensorflow when it sees a device, else a hardware WebGPU adapter.
    const out: BackendChoice[] = [];
    if (request !== 'webgpu' && available.tfjsNodeGpu) out.push({ ...CHOICES['tensorflow-gpu'], requires: 'cuda' });
    if (request !== 'tensorflow' && available.webgpu) out.push({ ...CHOICES.webgpu, requires: 'hardware-adapter' });
    if (out.length === 0) {
      const which = request === 'tensorflow' ? '@tensorflow/tfjs-node-gpu' : request === 'webgpu' ? 'webgpu and @tensorflow/tfjs-backend-webgpu' : '@tensorflow/tfjs-node-gpu, or webgpu and @tensorflow/tfjs-backend-webgpu';
      throw new UsageError(`--gpu needs ${which}, which ${request === 'auto' ? 'are' : 'is'} not installed: ${GPU_HINT}`);
    }
    return out;
  }
  switch (request) {
    case 'tensorflow':
      // tfjs-node-gpu also runs on the CPU when no device is found, so either package serves.
      if (available.tfjsNode) return [CHOICES.tensorflow];
      if (available.tfjsNodeGpu) return [CHOICES['tensorflow-gpu']];
      throw new UsageError(
        '--backend tensorflow needs @tensorflow/tfjs-node, which is not installed or could not fetch libtensorflow ' +
          '(npm install @tensorflow/tfjs-node@4.22.0); use --backend auto to fall back to wasm',
      );
    case 'wasm':
      if (!available.wasm) throw new UsageError('--backend wasm needs @tensorflow/tfjs-backend-wasm, which is not installed');
      return [CHOICES.wasm];
    case 'webgpu':
      if (!available.webgpu) throw new UsageError(`--backend webgpu needs the packages webgpu and @tensorflow/tfjs-backend-webgpu, which are not installed (ner's optional dependencies)`);
      return [CHOICES.webgpu];
    case 'cpu':
      return [CHOICES.cpu];
    case 'auto': {
      const out: BackendChoice[] = [];
      // Never both native packages: loading the two in one process breaks model saving.
      if (available.tfjsNode) out.push(CHOICES.tensorflow);
      else if (available.tfjsNodeGpu) out.push(CHOICES['tensorflow-gpu']);
      // Not webgpu: its speed on a hardware adapter is not measured yet, and on a software one wasm is faster.
      if (available.wasm) out.push(CHOICES.wasm);
      out.push(CHOICES.cpu);
      return out;
    }
    default:
      throw new UsageError(`unknown backend '${String(request)}' (expected one of ${BACKEND_REQUESTS.join(', ')})`);
  }
}
