/**
 * A worker thread's backend: the main thread's wasm or cpu backend, started
 * as backend/index.ts starts it (tfjs's prod mode, the gradient fixes, the
 * package, the project's kernels), without a helper thread of its own.
 * Each worker has its own tfjs and its own wasm memory.
 */
import * as tf from '@tensorflow/tfjs';
import { registerGradientFixes } from './gradients';
import { registerProjectKernels } from './kernels';

export async function startWorkerBackend(backend: 'wasm' | 'cpu', who: string): Promise<void> {
  tf.enableProdMode();
  registerGradientFixes();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  if (backend === 'wasm') require('@tensorflow/tfjs-backend-wasm');
  if (!(await tf.setBackend(backend))) throw new Error(`the ${who} could not start the ${backend} backend`);
  await tf.ready();
  registerProjectKernels(backend);
}
