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
 *   library calls (decode, predict, tagLines) do not work on webgpu.
 * - Its Transpose of int32 tensors emits WGSL that Dawn rejects (an i32 value
 *   written to an f32 output), and leaves garbage: int32 is transposed as
 *   float32 here (exact below 2^24, which ids and tags are).
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

let fixed = false;

/** Kernel fixes for tfjs-backend-webgpu (see the porting notes above); once the backend is registered. */
export function registerWebGpuFixes(): void {
  if (fixed) return;
  fixed = true;
  const transpose = tf.getKernel('Transpose', 'webgpu');
  const cast = tf.getKernel('Cast', 'webgpu');
  if (transpose === undefined || cast === undefined) return;
  tf.unregisterKernel('Transpose', 'webgpu');
  tf.registerKernel({
    kernelName: 'Transpose',
    backendName: 'webgpu',
    kernelFunc: (args) => {
      const x = args.inputs.x as tf.TensorInfo;
      if (x.dtype !== 'int32') return transpose.kernelFunc(args);
      const run = (kernel: tf.KernelConfig, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap) => kernel.kernelFunc({ inputs, backend: args.backend, attrs }) as tf.TensorInfo;
      const asFloat = run(cast, { x }, { dtype: 'float32' });
      const moved = run(transpose, { x: asFloat }, args.attrs as tf.NamedAttrMap);
      const out = run(cast, { x: moved }, { dtype: 'int32' });
      for (const t of [asFloat, moved]) (args.backend as tf.KernelBackend).disposeData(t.dataId);
      return out;
    },
  });
}
