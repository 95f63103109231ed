/**
 * Which kernels the project registers for each backend, and so which fused
 * parts the backend's fast path has (fastPath.ts): the project's own (the
 * fused LSTM steps, the CRF loss, the character CNN's max-pool and the
 * single-pass Adam, defined in this folder) and replacements where a tfjs backend lacks a kernel or has
 * one too slow to train with. Each replacement computes exactly what the
 * original kernel's contract says; test/kernels.test.ts checks them against
 * reference results.
 *
 * UnsortedSegmentSum is the gradient of Gather, hence of every Embedding layer:
 * - wasm has no such kernel at all, so training an Embedding fails;
 * - cpu's version loops over every segment (every vocabulary entry) with whole
 *   tensor ops, which takes minutes per step on a 20k-word vocabulary.
 * A scatter-add over the rows the batch actually touched is O(rows * width).
 *
 * GatherV2 (the embedding lookup) on wasm: ~4 ms for a few hundred rows; a
 * row copy in JavaScript is ~100x faster.
 *
 * BatchMatMul and _FusedMatMul on wasm: with transposeA or transposeB (which
 * every matMul gradient uses) they run 3-14x slower than an explicit Transpose
 * followed by an untransposed product. The wrapper does exactly that and then
 * calls the original kernel, so results are the original kernel's.
 */
import * as tf from '@tensorflow/tfjs';
import { charCnnGradKernel, charCnnKernel } from './charKernels';
import { crfNllKernel } from './crfFused';
import { adamStepKernel, momentumStepKernel, sumSquaresKernel } from './optimizerKernels';
import { lstmCellGradKernel, lstmCellInferenceKernel, lstmCellKernel, splitRowBlocksKernel } from './lstmCell';
import { JsKernelSpec, TypedArray, loadSimdKernels, registerJsKernel } from './jsKernels';
import { REFERENCE_PATH, setFastPath } from './fastPath';

/**
 * out[segmentIds[i], :] += x[i, :], with out of shape [numSegments, width] and zero elsewhere.
 * Ids outside [0, numSegments) are dropped, as TensorFlow's kernel does.
 */
export function scatterAddRows(
  x: TypedArray,
  segmentIds: TypedArray,
  numSegments: number,
  width: number,
  out: Float32Array | Int32Array,
): void {
  out.fill(0);
  const n = segmentIds.length;
  for (let i = 0; i < n; i++) {
    const s = segmentIds[i];
    if (s < 0 || s >= numSegments) continue;
    const src = i * width;
    const dst = s * width;
    for (let j = 0; j < width; j++) out[dst + j] += x[src + j];
  }
}

const dtypeOf = (t: tf.TensorInfo) => (t.dtype === 'int32' ? ('int32' as const) : ('float32' as const));

/** The gradient of every embedding lookup; see the module comment. */
const unsortedSegmentSumKernel: JsKernelSpec<{ numSegments: number }> = {
  kernelName: 'UnsortedSegmentSum',
  outputs: ({ x, segmentIds }, { numSegments }) => [{ shape: [numSegments, ...x.shape.slice(segmentIds.shape.length)], dtype: dtypeOf(x) }],
  compute: ({ x, segmentIds }, [out], { numSegments }) => scatterAddRows(x, segmentIds, numSegments, x.length / Math.max(1, segmentIds.length), out),
};

/** Copies row ids[i] of x into row i of out: a gather along axis 0. Throws on an id outside x. */
export function gatherRows(x: TypedArray, ids: TypedArray, rows: number, width: number, out: Float32Array | Int32Array): void {
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (id < 0 || id >= rows) throw new Error(`GatherV2: index ${id} is not in [0, ${rows - 1}]`);
    out.set(x.subarray(id * width, (id + 1) * width), i * width);
  }
}

/**
 * Embedding lookups: wasm's GatherV2 spends ~4 ms on 576 rows of 100 whatever
 * the table size; copying the rows is ~100x faster. Other axes go to the original.
 */
const gatherKernel: JsKernelSpec<{ axis: number; batchDims: number }> = {
  kernelName: 'GatherV2',
  accepts: ({ x }, { axis, batchDims }) => axis === 0 && batchDims === 0 && (x.dtype === 'float32' || x.dtype === 'int32'),
  outputs: ({ x, indices }) => [{ shape: [...indices.shape, ...x.shape.slice(1)], dtype: dtypeOf(x) }],
  compute: ({ x, indices }, [out]) => {
    if (indices.length === 0) return;
    const width = out.length / indices.length;
    gatherRows(x, indices, width > 0 ? x.length / width : 0, width, out);
  },
};

interface MatMulArgs {
  inputs: { a: tf.TensorInfo; b: tf.TensorInfo } & Record<string, tf.TensorInfo>;
  backend: { disposeData(dataId: object): void };
  attrs: { transposeA: boolean; transposeB: boolean } & Record<string, unknown>;
}

/** Wraps a wasm matMul kernel so that transposed operands are transposed explicitly first. */
function transposeFirst(original: tf.KernelFunc, transpose: tf.KernelFunc): (args: MatMulArgs) => tf.TensorInfo {
  return (args) => {
    const { transposeA, transposeB } = args.attrs;
    if (!transposeA && !transposeB) return original(args as unknown as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
    const temporaries: tf.TensorInfo[] = [];
    const swapLastTwo = (x: tf.TensorInfo): tf.TensorInfo => {
      const rank = x.shape.length;
      const perm = [...Array(rank - 2).keys(), rank - 1, rank - 2];
      const t = transpose({ inputs: { x }, backend: args.backend, attrs: { perm } } as unknown as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
      temporaries.push(t);
      return t;
    };
    const inputs = { ...args.inputs, a: transposeA ? swapLastTwo(args.inputs.a) : args.inputs.a, b: transposeB ? swapLastTwo(args.inputs.b) : args.inputs.b };
    const attrs = { ...args.attrs, transposeA: false, transposeB: false };
    try {
      return original({ ...args, inputs, attrs } as unknown as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
    } finally {
      for (const t of temporaries) args.backend.disposeData(t.dataId);
    }
  };
}

/** Marks kernels this module installed, so registering twice never wraps a wrapper. */
const PROJECT_KERNEL = Symbol('ner project kernel');

function wrapMatMul(kernelName: string): void {
  const original = tf.getKernel(kernelName, 'wasm');
  const transpose = tf.getKernel('Transpose', 'wasm');
  if (original === undefined || transpose === undefined) return;
  if ((original.kernelFunc as unknown as Record<symbol, boolean>)[PROJECT_KERNEL]) return;
  const wrapped = Object.assign(transposeFirst(original.kernelFunc, transpose.kernelFunc), { [PROJECT_KERNEL]: true });
  tf.unregisterKernel(kernelName, 'wasm');
  // Keep the original setupFunc: it binds the wasm function the original kernel calls.
  tf.registerKernel({ ...original, kernelFunc: wrapped as unknown as tf.KernelFunc });
}

/**
 * Registers the project's kernels for a backend, and records (fastPath.ts) which of
 * its fast paths may run there. Idempotent. Call after the
 * backend's package is loaded and before the first training step.
 */
export function registerProjectKernels(backendName: string): void {
  let optimizerStep = false;
  if (backendName === 'wasm' || backendName === 'cpu') {
    registerJsKernel(crfNllKernel, backendName);
    registerJsKernel(splitRowBlocksKernel, backendName);
    registerJsKernel(lstmCellKernel, backendName);
    registerJsKernel(lstmCellInferenceKernel, backendName);
    registerJsKernel(lstmCellGradKernel, backendName);
    registerJsKernel(unsortedSegmentSumKernel, backendName);
    registerJsKernel(charCnnKernel, backendName);
    registerJsKernel(charCnnGradKernel, backendName);
  }
  if (backendName === 'wasm') {
    // The single-pass optimizer steps pay only with SIMD (see train/optimizer.ts).
    const steps = [adamStepKernel, momentumStepKernel, sumSquaresKernel] as Array<JsKernelSpec<never>>;
    if (loadSimdKernels()) {
      for (const k of steps) registerJsKernel(k, 'wasm');
      optimizerStep = true;
    } else {
      for (const k of steps) if (tf.getKernel(k.kernelName, 'wasm')) tf.unregisterKernel(k.kernelName, 'wasm');
    }
    registerJsKernel(gatherKernel, 'wasm');
    wrapMatMul('BatchMatMul');
    wrapMatMul('_FusedMatMul');
  }
  const fused = backendName === 'wasm' || backendName === 'cpu';
  setFastPath(backendName, fused ? { lstm: true, crfLoss: true, charCnn: true, optimizerStep } : REFERENCE_PATH);
}
