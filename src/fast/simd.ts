/**
 * The project's SIMD kernels (src/fast/wasm/kernels.c), instantiated on the wasm
 * backend's own memory so that they read and write tensors in place: a
 * pointer is a tensor's byte offset in that memory.
 */
import { KERNELS_WASM_BASE64 } from './wasm/kernelsBinary';

/** The exports of kernels.c; every pointer is a byte offset into tfjs's wasm memory. */
export interface SimdKernels {
  lstm_cell_forward(act: number, hPrev: number, cPrev: number, mask: number, B: number, H: number, h: number, c: number, gates: number, tanhC: number): void;
  lstm_cell_backward(
    dY: number,
    dhRec: number,
    dhCarry: number,
    dc: number,
    gates: number,
    tanhC: number,
    cPrev: number,
    mask: number,
    B: number,
    H: number,
    dz: number,
    dcPrev: number,
    dhCarryPrev: number,
  ): void;
  sum_squares(x: number, n: number): number;
  momentum_step(value: number, acc: number, grad: number, n: number, lr: number, momentum: number, scale: number, out: number): void;
  adam_step(
    value: number,
    m: number,
    v: number,
    grad: number,
    n: number,
    lr: number,
    beta1: number,
    beta2: number,
    epsilon: number,
    correct1: number,
    correct2: number,
    scale: number,
    out: number,
  ): void;
}

/** What of tfjs-backend-wasm's (untyped) module object is used here. */
interface WasmModuleLike {
  asm?: { memory?: WebAssembly.Memory };
  wasmExports?: { memory?: WebAssembly.Memory };
}

let compiled: WebAssembly.Module | undefined;

/**
 * Instantiates the kernels on the backend's memory; undefined when that memory
 * cannot be reached or the engine lacks WebAssembly SIMD (the JavaScript
 * kernels then run instead).
 */
export function instantiateSimdKernels(wasmModule: unknown): SimdKernels | undefined {
  const mod = wasmModule as WasmModuleLike;
  const memory = mod.asm?.memory ?? mod.wasmExports?.memory;
  if (!(memory instanceof WebAssembly.Memory)) return undefined;
  try {
    compiled ??= new WebAssembly.Module(Buffer.from(KERNELS_WASM_BASE64, 'base64'));
    const instance = new WebAssembly.Instance(compiled, { env: { memory } });
    return instance.exports as unknown as SimdKernels;
  } catch {
    return undefined;
  }
}
