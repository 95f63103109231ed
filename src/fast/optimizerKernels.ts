/**
 * The single-pass optimizer steps (Adam; SGD with momentum) and the sum of
 * squares behind gradient clipping, as kernels (train/optimizer.ts runs them
 * where the fast path says so): one pass over each variable's memory, in
 * JavaScript and in the SIMD module.
 */
import type { JsKernelSpec } from './jsKernels';

export const ADAM_STEP = 'NerAdamStep';
export const SUM_SQUARES = 'NerSumSquares';
export const MOMENTUM_STEP = 'NerMomentumStep';

export interface AdamAttrs {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** 1 - beta1^t and 1 - beta2^t at this step t (1-based). */
  correct1: number;
  correct2: number;
  /** Multiplies the gradient first: the clipping factor. */
  scale: number;
}

/**
 * One Adam update into `out`; m and v are updated IN PLACE, which is safe
 * because they belong to the optimizer alone (the value is not overwritten: a
 * snapshot of the weights may share it).
 */
export function adamStep(value: ArrayLike<number>, m: Float32Array, v: Float32Array, grad: ArrayLike<number>, a: AdamAttrs, out: Float32Array): void {
  for (let i = 0; i < out.length; i++) {
    const g = grad[i] * a.scale;
    const mi = a.beta1 * m[i] + (1 - a.beta1) * g;
    const vi = a.beta2 * v[i] + (1 - a.beta2) * g * g;
    m[i] = mi;
    v[i] = vi;
    out[i] = value[i] - (a.learningRate * (mi / a.correct1)) / (Math.sqrt(vi / a.correct2) + a.epsilon);
  }
}

/** Inputs value, m, v, grad; output the new value; m and v updated in place (see adamStep). */
export const adamStepKernel: JsKernelSpec<AdamAttrs> = {
  kernelName: ADAM_STEP,
  outputs: ({ value }) => [{ shape: value.shape.slice(), dtype: 'float32' }],
  compute: (x, [out], a) => adamStep(x.value, x.m as Float32Array, x.v as Float32Array, x.grad, a, out as Float32Array),
  simd: (k, x, [out], a) =>
    k.adam_step(x.value.ptr, x.m.ptr, x.v.ptr, x.grad.ptr, out.size, a.learningRate, a.beta1, a.beta2, a.epsilon, a.correct1, a.correct2, a.scale, out.ptr),
};

export interface MomentumAttrs {
  learningRate: number;
  momentum: number;
  /** Multiplies the gradient first: the clipping factor. */
  scale: number;
}

/** One step of SGD with momentum into `out`, as tf.train.momentum computes it; acc is updated IN PLACE (see adamStep). */
export function momentumStep(value: ArrayLike<number>, acc: Float32Array, grad: ArrayLike<number>, a: MomentumAttrs, out: Float32Array): void {
  for (let i = 0; i < out.length; i++) {
    const next = a.momentum * acc[i] + a.scale * grad[i];
    acc[i] = next;
    out[i] = value[i] - a.learningRate * next;
  }
}

/** Inputs value, acc, grad; output the new value; acc updated in place. */
export const momentumStepKernel: JsKernelSpec<MomentumAttrs> = {
  kernelName: MOMENTUM_STEP,
  outputs: ({ value }) => [{ shape: value.shape.slice(), dtype: 'float32' }],
  compute: (x, [out], a) => momentumStep(x.value, x.acc as Float32Array, x.grad, a, out as Float32Array),
  simd: (k, x, [out], a) => k.momentum_step(x.value.ptr, x.acc.ptr, x.grad.ptr, out.size, a.learningRate, a.momentum, a.scale, out.ptr),
};

/** Input x; output the scalar sum of its squares (float64 accumulation). */
export const sumSquaresKernel: JsKernelSpec<Record<string, never>> = {
  kernelName: SUM_SQUARES,
  outputs: () => [{ shape: [], dtype: 'float32' }],
  compute: (x, [out]) => {
    let sum = 0;
    for (let i = 0; i < x.x.length; i++) sum += x.x[i] * x.x[i];
    out[0] = sum;
  },
  simd: (k, x, [out]) => {
    out.view()[0] = k.sum_squares(x.x.ptr, x.x.size);
  },
};
