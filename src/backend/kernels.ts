/**
 * Kernels the project supplies where a tfjs backend lacks one or has one too
 * slow to train with. Each replacement computes exactly what the original
 * kernel's contract says; test/kernels.test.ts checks them against reference
 * results.
 *
 * UnsortedSegmentSum is the gradient of Gather, hence of every Embedding layer:
 * - wasm has no such kernel at all, so training an Embedding fails;
 * - cpu's version loops over every segment (every vocabulary entry) with whole
 *   tensor ops, which takes minutes per step on a 20k-word vocabulary.
 * A scatter-add over the rows the batch actually touched is O(rows * width).
 *
 * BatchMatMul and _FusedMatMul on wasm: with transposeA or transposeB (which
 * every matMul gradient uses) they run 3-14x slower than an explicit Transpose
 * followed by an untransposed product. The wrapper does exactly that and then
 * calls the original kernel, so results are the original kernel's.
 */
import * as tf from '@tensorflow/tfjs';
import { crfNllKernel } from '../model/crfFused';
import { lstmCellGradKernel, lstmCellKernel, lstmPreactivationKernel } from '../model/lstmCell';
import { registerJsKernel } from './jsKernels';

type TypedArray = Float32Array | Int32Array | Uint8Array;

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

interface SegmentSumArgs {
  inputs: { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
  attrs: { numSegments: number };
}

function segmentGeometry({ inputs, attrs }: SegmentSumArgs) {
  const { x, segmentIds } = inputs;
  const idsSize = tf.util.sizeFromShape(segmentIds.shape);
  // ids may be [N] or any leading shape of x; what remains of x's shape is one row.
  const innerShape = x.shape.slice(segmentIds.shape.length);
  const width = tf.util.sizeFromShape(innerShape);
  const outShape = [attrs.numSegments, ...innerShape];
  return { idsSize, width, outShape, dtype: x.dtype === 'int32' ? ('int32' as const) : ('float32' as const) };
}

// The backends' classes are not part of tfjs's public typings; these are the
// few members the kernels use (see tfjs-backend-wasm's backend_wasm.d.ts and
// tfjs-backend-cpu's backend_cpu.d.ts).
interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): TypedArray;
}
interface CpuBackendLike {
  data: { get(dataId: object): { values: TypedArray } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: TypedArray): tf.TensorInfo;
}

function wasmUnsortedSegmentSum(args: SegmentSumArgs & { backend: unknown }): tf.TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const { width, outShape, dtype } = segmentGeometry(args);
  // Allocate first: makeOutput may grow the wasm heap, which detaches earlier views of it.
  const out = backend.makeOutput(outShape, dtype);
  const outVals = backend.typedArrayFromHeap(out) as Float32Array | Int32Array;
  const xVals = backend.typedArrayFromHeap(args.inputs.x);
  const ids = backend.typedArrayFromHeap(args.inputs.segmentIds);
  scatterAddRows(xVals, ids, args.attrs.numSegments, width, outVals);
  return out;
}

function cpuUnsortedSegmentSum(args: SegmentSumArgs & { backend: unknown }): tf.TensorInfo {
  const backend = args.backend as CpuBackendLike;
  const { width, outShape, dtype } = segmentGeometry(args);
  const size = tf.util.sizeFromShape(outShape);
  const outVals = dtype === 'int32' ? new Int32Array(size) : new Float32Array(size);
  const xVals = backend.data.get(args.inputs.x.dataId).values;
  const ids = backend.data.get(args.inputs.segmentIds.dataId).values;
  scatterAddRows(xVals, ids, args.attrs.numSegments, width, outVals);
  return backend.makeTensorInfo(outShape, dtype, outVals);
}

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

function replaceKernel(kernelName: string, backendName: string, kernelFunc: (args: never) => tf.TensorInfo): void {
  if (tf.getKernel(kernelName, backendName) !== undefined) tf.unregisterKernel(kernelName, backendName);
  tf.registerKernel({ kernelName, backendName, kernelFunc: kernelFunc as unknown as tf.KernelFunc });
}

/**
 * Registers the project's kernels for a backend. Idempotent. Call after the
 * backend's package is loaded and before the first training step.
 */
export function registerProjectKernels(backendName: string): void {
  if (backendName === 'wasm' || backendName === 'cpu') {
    registerJsKernel(crfNllKernel, backendName);
    registerJsKernel(lstmPreactivationKernel, backendName);
    registerJsKernel(lstmCellKernel, backendName);
    registerJsKernel(lstmCellGradKernel, backendName);
  }
  if (backendName === 'wasm') {
    replaceKernel('UnsortedSegmentSum', 'wasm', wasmUnsortedSegmentSum);
    wrapMatMul('BatchMatMul');
    wrapMatMul('_FusedMatMul');
  }
  if (backendName === 'cpu') replaceKernel('UnsortedSegmentSum', 'cpu', cpuUnsortedSegmentSum);
}
