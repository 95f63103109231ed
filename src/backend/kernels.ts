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
 */
import * as tf from '@tensorflow/tfjs';

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

function replaceKernel(kernelName: string, backendName: string, kernelFunc: (args: never) => tf.TensorInfo): void {
  if (tf.getKernel(kernelName, backendName) !== undefined) tf.unregisterKernel(kernelName, backendName);
  tf.registerKernel({ kernelName, backendName, kernelFunc: kernelFunc as unknown as tf.KernelFunc });
}

/**
 * Registers the project's kernels for a backend. Idempotent. Call after the
 * backend's package is loaded and before the first training step.
 */
export function registerProjectKernels(backendName: string): void {
  if (backendName === 'wasm') replaceKernel('UnsortedSegmentSum', 'wasm', wasmUnsortedSegmentSum);
  if (backendName === 'cpu') replaceKernel('UnsortedSegmentSum', 'cpu', cpuUnsortedSegmentSum);
}
