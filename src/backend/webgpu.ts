/**
 * tfjs's WebGPU backend in Node: `navigator.gpu` from the npm package
 * `webgpu` (Dawn, Chromium's WebGPU, shipping `dawn.node` for Linux, macOS
 * and Windows), then @tensorflow/tfjs-backend-webgpu on top. Any GPU with a
 * Vulkan, Metal or Direct3D 12 driver; on Linux without a GPU, Mesa's
 * software Vulkan driver (llvmpipe) gives a software adapter.
 *
 * Porting notes, where tfjs-backend-webgpu 4.22 needs help in Node:
 * - It cannot read a tensor synchronously: readSync draws through an
 *   OffscreenCanvas, which Node lacks. Everything ner runs on a backend reads
 *   with `await data()` (NerModel.decodeAsync, the trainer); the synchronous
 *   library calls (decode, predict, tagLines) do not work on webgpu, nor does
 *   tagging one sequence longer than 4,096 tokens (read in slices,
 *   synchronously: fusedForward.ts's slicedEmissions).
 * - Its Cast from int32 or bool to float32 only relabels the tensor: the GPU
 *   buffer keeps its i32 values, and the next program that reads it as f32
 *   either fails to compile (tf.layers' RNN transposes its cast mask: "type
 *   mismatch ... expected 'f32', got 'i32'") or reads integers' bits as
 *   floats (the CRF's one-hot tags). Here that cast converts the values
 *   (toFloatProgram), as the other backends do.
 * - Its AddN binds every input as a storage buffer, and devices allow 8 per
 *   shader stage: the gradient of a weight used at every time step sums
 *   dozens of terms. Here AddN adds at most ADDN_INPUTS at a time.
 */
import * as tf from '@tensorflow/tfjs';

/** What the adapter says of itself (GPUAdapterInfo), and whether it is software. */
export interface AdapterInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** A CPU implementation (llvmpipe, SwiftShader, WARP): slower than the wasm backend. */
  software: boolean;
}

/** How the `webgpu` package is loaded; replaced in tests. */
export type GpuProvider = () => Promise<{ gpu: GPULike; globals: Record<string, unknown> }>;

interface GPULike {
  requestAdapter(options?: { powerPreference?: string }): Promise<{ info?: Record<string, unknown>; isFallbackAdapter?: boolean } | null>;
}

// The package is an ES module; TypeScript's CommonJS output would turn `import()` into `require()`, which cannot load one.
const importModule = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<Record<string, unknown>>;

/** The `webgpu` package's navigator.gpu and the WebGPU globals (GPUBufferUsage, ...) tfjs needs. */
export const dawnProvider: GpuProvider = async () => {
  const dawn = (await importModule('webgpu')) as { create(flags: string[]): GPULike; globals: Record<string, unknown> };
  return { gpu: dawn.create([]), globals: dawn.globals };
};

/** Software adapters by what they report: Dawn's isFallbackAdapter, Mesa's `software` architecture, the known CPU renderers. */
export function isSoftwareAdapter(info: Record<string, unknown>, fallback: boolean | undefined): boolean {
  if (fallback === true || info.isFallbackAdapter === true) return true;
  const text = [info.architecture, info.device, info.description].map((v) => String(v ?? '')).join(' ');
  return /\bsoftware\b|llvmpipe|lavapipe|swiftshader|\bwarp\b|microsoft basic render/i.test(text);
}

/** Adapter info as the rest of ner reads it. */
export function adapterInfo(info: Record<string, unknown>, fallback: boolean | undefined): AdapterInfo {
  const field = (key: string) => (typeof info[key] === 'string' ? (info[key] as string) : '');
  return { vendor: field('vendor'), architecture: field('architecture'), device: field('device'), description: field('description'), software: isSoftwareAdapter(info, fallback) };
}

/** "mesa software (llvmpipe: Mesa 25.0.7 ...), a software adapter" */
export function describeAdapter(a: AdapterInfo): string {
  const what = [a.vendor, a.architecture].filter((s) => s !== '').join(' ') || 'unknown adapter';
  const detail = a.description || a.device;
  return `${what}${detail === '' ? '' : ` (${detail})`}${a.software ? ', a software adapter' : ''}`;
}

/**
 * Makes navigator.gpu from `provider`, asks it for an adapter and loads the
 * tfjs backend. Returns the adapter, or throws (no adapter, no package).
 * The caller decides whether a software adapter will do.
 */
export async function prepareWebGpu(provider: GpuProvider = dawnProvider): Promise<AdapterInfo> {
  const { gpu, globals } = await provider();
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (adapter === null) {
    throw new Error('WebGPU found no adapter (no GPU with a Vulkan, Metal or Direct3D 12 driver; on Linux without a GPU, Mesa\'s llvmpipe in mesa-vulkan-drivers gives a software one)');
  }
  Object.assign(globalThis, globals);
  const nav = (globalThis as unknown as { navigator?: Record<string, unknown> }).navigator;
  if (nav === undefined) Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  else if (nav.gpu === undefined) Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('@tensorflow/tfjs-backend-webgpu');
  return adapterInfo(adapter.info ?? {}, adapter.isFallbackAdapter);
}

/** What runWebGPUProgram needs of a program (tfjs-backend-webgpu's WebGPUProgram, which it does not export). */
interface WebGpuProgram {
  variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];
  size: boolean;
  getUserCode(): string;
}

interface WebGpuBackend {
  runWebGPUProgram(program: WebGpuProgram, inputs: tf.TensorInfo[], outputDtype: tf.DataType): tf.TensorInfo;
}

const WORKGROUP = 64;
/** WebGPU's limit on workgroups along one dimension. */
const MAX_WORKGROUPS = 65535;

/** Each value of an i32 buffer (int32, bool) as an f32: out[i] = f32(A[i]), one thread a value. */
function toFloatProgram(shape: number[]): WebGpuProgram {
  const size = shape.reduce((a, b) => a * b, 1);
  const groups = Math.ceil(size / WORKGROUP);
  // Beyond one row of workgroups, a square of them; the shader's global index counts across rows.
  const x = Math.min(groups, MAX_WORKGROUPS);
  return {
    variableNames: ['A'],
    outputShape: shape,
    shaderKey: 'ner_to_float',
    dispatchLayout: { x: shape.map((_, i) => i) },
    dispatch: [x, Math.ceil(groups / x), 1],
    workgroupSize: [WORKGROUP, 1, 1],
    size: true,
    getUserCode: () => `
      fn main(index : i32) {
        if (index < uniforms.size) {
          setOutputAtIndex(index, f32(A[index]));
        }
      }`,
  };
}

/** Inputs one AddN program binds at most: 8 storage buffers a stage (WebGPU's default limit), one for the output. */
const ADDN_INPUTS = 7;

let fixed = false;

/** The message for a synchronous read on webgpu in Node (see the porting notes). */
export const NO_SYNC_READS =
  'the webgpu backend cannot read tensors synchronously in Node (no OffscreenCanvas): use the asynchronous calls (NerModel.decodeAsync, tagLinesAsync, tagTokensAsync, evaluateModelAsync, await tensor.data())';

/** A synchronous read that cannot work says why, instead of "OffscreenCanvas is not defined". */
function explainSyncReads(): void {
  const backend = tf.findBackend('webgpu') as unknown as { readSync(dataId: object): unknown; nerExplained?: boolean } | null;
  if (backend === null || backend.nerExplained) return;
  const readSync = backend.readSync.bind(backend);
  backend.readSync = (dataId) => {
    try {
      return readSync(dataId);
    } catch (err) {
      if (err instanceof ReferenceError && /OffscreenCanvas/.test(err.message)) throw new Error(NO_SYNC_READS);
      throw err;
    }
  };
  backend.nerExplained = true;
}

/** Kernel fixes for tfjs-backend-webgpu (see the porting notes above); once the backend is registered. */
export function registerWebGpuFixes(): void {
  explainSyncReads();
  if (fixed) return;
  fixed = true;
  const addN = tf.getKernel('AddN', 'webgpu');
  if (addN !== undefined) {
    tf.unregisterKernel('AddN', 'webgpu');
    tf.registerKernel({
      ...addN,
      kernelFunc: (args) => {
        let terms = args.inputs as unknown as tf.TensorInfo[];
        const made: tf.TensorInfo[] = [];
        while (terms.length > ADDN_INPUTS) {
          const sums: tf.TensorInfo[] = [];
          for (let i = 0; i < terms.length; i += ADDN_INPUTS) {
            const group = terms.slice(i, i + ADDN_INPUTS);
            if (group.length === 1) sums.push(group[0]);
            else {
              const sum = addN.kernelFunc({ ...args, inputs: group as unknown as tf.NamedTensorInfoMap }) as tf.TensorInfo;
              made.push(sum);
              sums.push(sum);
            }
          }
          terms = sums;
        }
        const out = addN.kernelFunc({ ...args, inputs: terms as unknown as tf.NamedTensorInfoMap }) as tf.TensorInfo;
        for (const t of made) (args.backend as tf.KernelBackend).disposeData(t.dataId);
        return out;
      },
    });
  }
  const cast = tf.getKernel('Cast', 'webgpu');
  if (cast === undefined) return;
  tf.unregisterKernel('Cast', 'webgpu');
  tf.registerKernel({
    ...cast,
    kernelFunc: (args) => {
      const x = args.inputs.x as tf.TensorInfo;
      if (args.attrs?.dtype !== 'float32' || (x.dtype !== 'int32' && x.dtype !== 'bool')) return cast.kernelFunc(args);
      return (args.backend as unknown as WebGpuBackend).runWebGPUProgram(toFloatProgram([...x.shape]), [x], 'float32');
    },
  });
}
