/**
 * Which implementation runs: the one switch of the fast path. The project's
 * fused kernels (the LSTM steps, the CRF loss, the masked max-pool, the
 * single-pass optimizer steps) exist on some backends only; `registerProjectKernels`
 * records, per backend, which of them it installed, and every fast path asks
 * `fastPath()` rather than tfjs's kernel registry. Where a part is off, the
 * model runs the reference implementation: tf.layers' graph and plain tf ops,
 * the path of the `tensorflow` backend and of the browser.
 */
import * as tf from '@tensorflow/tfjs';

export interface FastPath {
  /** Fused LSTM steps: the fused forward pass (and its slices for long inputs), the fused character LSTM. */
  readonly lstm: boolean;
  /** The fused forward-backward kernel for the CRF loss. */
  readonly crfLoss: boolean;
  /** The character CNN and its max-pool as one kernel each way. */
  readonly charCnn: boolean;
  /** The single-pass optimizer steps, Adam and SGD with momentum, with the clipping norm (they pay only with SIMD). */
  readonly optimizerStep: boolean;
}

/** Every part off: tf.layers' graph and plain tf ops. */
export const REFERENCE_PATH: FastPath = Object.freeze({ lstm: false, crfLoss: false, charCnn: false, optimizerStep: false });

const paths = new Map<string, FastPath>();

/** Records the fast path of a backend (tfjs's name for it: wasm, cpu, tensorflow); called by registerProjectKernels, and by tests that want the reference path. */
export function setFastPath(backendName: string, path: FastPath): void {
  paths.set(backendName, Object.freeze({ ...path }));
}

/** The implementations for the active backend (tests switch backends with tf.setBackend, so this follows it). */
export function fastPath(): FastPath {
  return paths.get(tf.getBackend()) ?? REFERENCE_PATH;
}
