/**
 * Which tfjs backend to run, decided from what the user asked for and what is
 * installed. Pure, so the rules can be tested without any native package.
 */
import { UsageError } from '../errors';

/** What `--backend` accepts. */
export type BackendRequest = 'auto' | 'tensorflow' | 'wasm' | 'cpu';
export const BACKEND_REQUESTS: readonly BackendRequest[] = ['auto', 'tensorflow', 'wasm', 'cpu'];

/** What actually runs. `tensorflow-gpu` is libtensorflow with CUDA, via @tensorflow/tfjs-node-gpu. */
export type BackendName = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';

/** Which optional packages can be loaded in this process. */
export interface Availability {
  tfjsNode: boolean;
  tfjsNodeGpu: boolean;
  wasm: boolean;
}

export interface BackendChoice {
  name: BackendName;
  /** The npm package to load for it, if any beyond @tensorflow/tfjs. */
  pkg?: '@tensorflow/tfjs-node' | '@tensorflow/tfjs-node-gpu' | '@tensorflow/tfjs-backend-wasm';
  /** The tfjs backend name to pass to tf.setBackend. */
  tfName: 'tensorflow' | 'wasm' | 'cpu';
}

const GPU_HINT =
  'install it next to ner (npm install @tensorflow/tfjs-node-gpu@4.22.0; it needs CUDA 11.2 and cuDNN 8.1 on Linux x64)';

const CHOICES: Record<BackendName, BackendChoice> = {
  'tensorflow-gpu': { name: 'tensorflow-gpu', pkg: '@tensorflow/tfjs-node-gpu', tfName: 'tensorflow' },
  tensorflow: { name: 'tensorflow', pkg: '@tensorflow/tfjs-node', tfName: 'tensorflow' },
  wasm: { name: 'wasm', pkg: '@tensorflow/tfjs-backend-wasm', tfName: 'wasm' },
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
      throw new UsageError(`--gpu needs the tensorflow backend, but --backend ${request} was given`);
    }
    if (!available.tfjsNodeGpu) {
      throw new UsageError(`--gpu needs @tensorflow/tfjs-node-gpu, which is not installed: ${GPU_HINT}`);
    }
    return [CHOICES['tensorflow-gpu']];
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
    case 'cpu':
      return [CHOICES.cpu];
    case 'auto': {
      const out: BackendChoice[] = [];
      // Never both native packages: loading the two in one process breaks model saving.
      if (available.tfjsNode) out.push(CHOICES.tensorflow);
      else if (available.tfjsNodeGpu) out.push(CHOICES['tensorflow-gpu']);
      if (available.wasm) out.push(CHOICES.wasm);
      out.push(CHOICES.cpu);
      return out;
    }
    default:
      throw new UsageError(`unknown backend '${String(request)}' (expected one of ${BACKEND_REQUESTS.join(', ')})`);
  }
}
