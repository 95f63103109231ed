/**
 * Kernels written in plain JavaScript over typed arrays, registered for the
 * two backends whose tensors live in this process's memory: wasm (the wasm
 * heap) and cpu (JavaScript arrays). A kernel is a spec: how big its outputs
 * are, and a compute function that reads the inputs and fills the outputs;
 * this module adapts it to each backend's storage.
 */
import * as tf from '@tensorflow/tfjs';
import { SimdKernels, instantiateSimdKernels } from './simd';

export type TypedArray = Float32Array | Int32Array | Uint8Array;

export interface OutputSpec {
  shape: number[];
  dtype: 'float32' | 'int32';
}

export interface JsKernelSpec<Attrs> {
  kernelName: string;
  outputs(inputs: Record<string, tf.TensorInfo>, attrs: Attrs): OutputSpec[];
  /**
   * Fills every element of every output (wasm outputs start uninitialised).
   * Inputs must not be written to.
   */
  compute(inputs: Record<string, TypedArray>, outputs: Array<Float32Array | Int32Array>, attrs: Attrs): void;
  /**
   * For a spec that replaces a backend's own kernel: false hands the call to
   * that kernel (cases the spec does not cover). Default: always true.
   */
  accepts?(inputs: Record<string, tf.TensorInfo>, attrs: Attrs): boolean;
  /**
   * The same computation by the SIMD kernels (src/fast/wasm/kernels.c), used on
   * the wasm backend when they are loaded.
   */
  simd?(kernels: SimdKernels, inputs: Record<string, HeapRef>, outputs: HeapRef[], attrs: Attrs): void;
}

/** A tensor in wasm memory, for the SIMD kernels. */
export interface HeapRef {
  /** Byte offset in wasm memory. */
  ptr: number;
  /** Number of elements. */
  size: number;
  /** A Float32Array over it (taken after all allocation, so it stays valid for the call). */
  view(): Float32Array;
}

// The backends' classes are not in tfjs's public typings; these are the few
// members used here (see backend_wasm.d.ts and backend_cpu.d.ts).
interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): TypedArray;
  dataIdMap: { get(dataId: object): { memoryOffset: number } };
  wasm: unknown;
}

/** The SIMD kernels on the wasm backend's memory, once loaded (see registerJsKernel). */
let simd: SimdKernels | undefined;

/** Loads the SIMD kernels for the active wasm backend; false when they cannot run here. */
export function loadSimdKernels(): boolean {
  const backend = tf.backend() as unknown as Partial<WasmBackendLike>;
  simd = backend.wasm === undefined ? undefined : instantiateSimdKernels(backend.wasm);
  return simd !== undefined;
}
interface CpuBackendLike {
  data: { get(dataId: object): { values: TypedArray } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: TypedArray): tf.TensorInfo;
}

type KernelArgs<Attrs> = { inputs: Record<string, tf.TensorInfo>; backend: unknown; attrs: Attrs };

function wasmKernel<Attrs>(spec: JsKernelSpec<Attrs>) {
  return ({ inputs, backend, attrs }: KernelArgs<Attrs>): tf.TensorInfo | tf.TensorInfo[] => {
    const wasm = backend as WasmBackendLike;
    // Bring every input into wasm memory, then allocate every output, before
    // taking any view: both may grow the wasm heap, which detaches views taken
    // earlier. An input still on another backend (a model loaded before the
    // backend was chosen) moves on its first lookup, so look each one up now.
    for (const t of Object.values(inputs)) wasm.dataIdMap.get(t.dataId);
    const outs = spec.outputs(inputs, attrs).map((o) => wasm.makeOutput(o.shape, o.dtype));
    if (simd !== undefined && spec.simd !== undefined) {
      const ref = (t: tf.TensorInfo): HeapRef => ({
        ptr: wasm.dataIdMap.get(t.dataId).memoryOffset,
        size: tf.util.sizeFromShape(t.shape),
        view: () => wasm.typedArrayFromHeap(t) as Float32Array,
      });
      const inRefs: Record<string, HeapRef> = {};
      for (const [name, t] of Object.entries(inputs)) inRefs[name] = ref(t);
      spec.simd(simd, inRefs, outs.map(ref), attrs);
      return outs.length === 1 ? outs[0] : outs;
    }
    const outViews = outs.map((o) => wasm.typedArrayFromHeap(o) as Float32Array | Int32Array);
    const inViews: Record<string, TypedArray> = {};
    for (const [name, t] of Object.entries(inputs)) inViews[name] = wasm.typedArrayFromHeap(t);
    spec.compute(inViews, outViews, attrs);
    return outs.length === 1 ? outs[0] : outs;
  };
}

function cpuKernel<Attrs>(spec: JsKernelSpec<Attrs>) {
  return ({ inputs, backend, attrs }: KernelArgs<Attrs>): tf.TensorInfo | tf.TensorInfo[] => {
    const cpu = backend as CpuBackendLike;
    const specs = spec.outputs(inputs, attrs);
    const outViews = specs.map((o) => {
      const size = tf.util.sizeFromShape(o.shape);
      return o.dtype === 'int32' ? new Int32Array(size) : new Float32Array(size);
    });
    const inViews: Record<string, TypedArray> = {};
    for (const [name, t] of Object.entries(inputs)) inViews[name] = cpu.data.get(t.dataId).values;
    spec.compute(inViews, outViews, attrs);
    const outs = specs.map((o, i) => cpu.makeTensorInfo(o.shape, o.dtype, outViews[i]));
    return outs.length === 1 ? outs[0] : outs;
  };
}

/** Marks kernels registered from specs, so that registering twice never wraps one of ours as "the original". */
const FROM_SPEC = Symbol('ner js kernel');

/** Registers (or replaces) `spec` for a backend whose memory JavaScript can reach: 'wasm' or 'cpu'. */
export function registerJsKernel<Attrs>(spec: JsKernelSpec<Attrs>, backendName: 'wasm' | 'cpu'): void {
  const existing = tf.getKernel(spec.kernelName, backendName);
  const original = existing !== undefined && !(existing.kernelFunc as unknown as Record<symbol, unknown>)[FROM_SPEC] ? existing : undefined;
  const run = backendName === 'wasm' ? wasmKernel(spec) : cpuKernel(spec);
  const kernelFunc = (args: KernelArgs<Attrs>) =>
    original !== undefined && spec.accepts !== undefined && !spec.accepts(args.inputs, args.attrs)
      ? original.kernelFunc(args as unknown as Parameters<tf.KernelFunc>[0])
      : run(args);
  (kernelFunc as unknown as Record<symbol, unknown>)[FROM_SPEC] = original ?? true;
  if (existing !== undefined) tf.unregisterKernel(spec.kernelName, backendName);
  // The original's setupFunc stays: it binds what the original kernel calls into.
  tf.registerKernel({ ...original, kernelName: spec.kernelName, backendName, kernelFunc: kernelFunc as unknown as tf.KernelFunc });
}
