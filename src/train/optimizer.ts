/**
 * Adam (Kingma & Ba, 2015) with gradient-norm clipping (Pascanu et al., 2013),
 * exactly as tf.train.adam computes it (same epsilon 1e-7, same bias correction).
 *
 * Where the backend runs the project's JavaScript kernels, a step is one pass
 * over each variable's memory (clip scale, moments, bias correction and update
 * together) instead of ~12 tensor ops; on wasm that made the optimizer 3-4x
 * faster, and it is most of a step's cost for large vocabularies, whose whole
 * embedding matrix Adam updates every step. Elsewhere, tf.train.adam runs.
 */
import * as tf from '@tensorflow/tfjs';
import { JsKernelSpec, kernelAvailable } from '../backend/jsKernels';

export const ADAM_STEP = 'NerAdamStep';
export const SUM_SQUARES = 'NerSumSquares';

export interface AdamAttrs {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** beta1^t and beta2^t for this step t (1-based). */
  accBeta1: number;
  accBeta2: number;
  /** Multiplies the gradient first: the clipping factor. */
  scale: number;
}

/** One Adam update of one variable, in place on the given output arrays. */
export function adamStep(
  value: ArrayLike<number>,
  m: ArrayLike<number>,
  v: ArrayLike<number>,
  grad: ArrayLike<number>,
  a: AdamAttrs,
  out: { value: Float32Array; m: Float32Array; v: Float32Array },
): void {
  const correct1 = 1 - a.accBeta1;
  const correct2 = 1 - a.accBeta2;
  const keep1 = 1 - a.beta1;
  const keep2 = 1 - a.beta2;
  const { value: newValue, m: newM, v: newV } = out;
  for (let i = 0; i < newValue.length; i++) {
    const g = grad[i] * a.scale;
    const mi = a.beta1 * m[i] + keep1 * g;
    const vi = a.beta2 * v[i] + keep2 * g * g;
    newM[i] = mi;
    newV[i] = vi;
    newValue[i] = value[i] - (a.learningRate * (mi / correct1)) / (Math.sqrt(vi / correct2) + a.epsilon);
  }
}

export const adamKernel: JsKernelSpec<AdamAttrs> = {
  kernelName: ADAM_STEP,
  outputs: (inputs) => {
    const shape = inputs.value.shape.slice();
    return [0, 1, 2].map(() => ({ shape, dtype: 'float32' as const }));
  },
  compute: (x, [value, m, v], attrs) =>
    adamStep(x.value, x.m, x.v, x.grad, attrs, { value: value as Float32Array, m: m as Float32Array, v: v as Float32Array }),
};

export const sumSquaresKernel: JsKernelSpec<Record<string, never>> = {
  kernelName: SUM_SQUARES,
  outputs: () => [{ shape: [], dtype: 'float32' }],
  compute: (x, [out]) => {
    let sum = 0;
    const values = x.x;
    for (let i = 0; i < values.length; i++) sum += values[i] * values[i];
    out[0] = sum;
  },
};

/** Scales gradients so their global L2 norm is at most `maxNorm`, with tensor ops. */
export function clipByGlobalNorm(grads: tf.NamedTensorMap, maxNorm: number): tf.NamedTensorMap {
  return tf.tidy(() => {
    const names = Object.keys(grads);
    const norm = tf.sqrt(tf.addN(names.map((n) => tf.sum(tf.square(grads[n])))));
    const scale = tf.minimum(1, tf.div(maxNorm, tf.add(norm, 1e-6)));
    const out: tf.NamedTensorMap = {};
    for (const n of names) out[n] = tf.mul(grads[n], scale);
    return out;
  });
}

export interface TrainingOptimizer {
  /**
   * Clips (if configured) and applies one update; does not dispose `grads`.
   * A variable without a gradient (the loss did not depend on it, e.g. CRF
   * transitions on a batch of one-token sentences) gets a zero gradient: Adam
   * still moves it by its momentum, as in PyTorch, and tf.train.adam, which
   * keeps its moments by position in the gradient list, stays aligned.
   */
  step(grads: tf.NamedTensorMap): void;
  dispose(): void;
}

/** `grads` with a zero gradient for every variable it lacks, in `variables`' order. */
function complete(grads: tf.NamedTensorMap, variables: tf.Variable[]): { all: tf.NamedTensorMap; added: tf.Tensor[] } {
  const all: tf.NamedTensorMap = {};
  const added: tf.Tensor[] = [];
  for (const v of variables) {
    let g = grads[v.name];
    if (g === undefined) {
      g = tf.zerosLike(v);
      added.push(g);
    }
    all[v.name] = g;
  }
  for (const name of Object.keys(grads)) {
    if (!(name in all)) throw new Error(`optimizer: gradient for unknown variable ${name}`);
  }
  return { all, added };
}

export interface AdamOptions {
  learningRate: number;
  /** 0 = no clipping. */
  clipNorm: number;
  beta1?: number;
  beta2?: number;
}

const EPSILON = 1e-7; // tf.train.adam's default on float32 backends

class FusedAdam implements TrainingOptimizer {
  private readonly moments = new Map<string, { m: tf.Tensor; v: tf.Tensor }>();
  private t = 0;
  private readonly beta1: number;
  private readonly beta2: number;

  constructor(
    private readonly variables: tf.Variable[],
    private readonly options: AdamOptions,
  ) {
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
  }

  private clipScale(grads: tf.NamedTensorMap): number {
    if (this.options.clipNorm <= 0) return 1;
    let sumSquares = 0;
    for (const g of Object.values(grads)) {
      const s = tf.engine().runKernel(SUM_SQUARES, { x: g }) as tf.Tensor;
      sumSquares += s.dataSync()[0];
      s.dispose();
    }
    return Math.min(1, this.options.clipNorm / (Math.sqrt(sumSquares) + 1e-6));
  }

  step(partial: tf.NamedTensorMap): void {
    const { all: grads, added } = complete(partial, this.variables);
    this.t += 1;
    const attrs: AdamAttrs = {
      learningRate: this.options.learningRate,
      beta1: this.beta1,
      beta2: this.beta2,
      epsilon: EPSILON,
      accBeta1: this.beta1 ** this.t,
      accBeta2: this.beta2 ** this.t,
      scale: this.clipScale(grads),
    };
    for (const variable of this.variables) {
      const name = variable.name;
      const grad = grads[name];
      let state = this.moments.get(name);
      // Moments outlive the step, which may run inside a caller's tf.tidy: keep them.
      if (state === undefined) {
        state = { m: tf.keep(tf.zerosLike(variable)), v: tf.keep(tf.zerosLike(variable)) };
        this.moments.set(name, state);
      }
      const [value, m, v] = tf.engine().runKernel(
        ADAM_STEP,
        { value: variable, m: state.m, v: state.v, grad },
        attrs as unknown as tf.NamedAttrMap,
      ) as tf.Tensor[];
      variable.assign(value);
      value.dispose();
      tf.dispose([state.m, state.v]);
      this.moments.set(name, { m: tf.keep(m), v: tf.keep(v) });
    }
    tf.dispose(added);
  }

  dispose(): void {
    for (const { m, v } of this.moments.values()) tf.dispose([m, v]);
    this.moments.clear();
  }
}

class ReferenceAdam implements TrainingOptimizer {
  private readonly adam: tf.Optimizer;

  constructor(
    private readonly variables: tf.Variable[],
    private readonly options: AdamOptions,
  ) {
    this.adam = tf.train.adam(options.learningRate, options.beta1, options.beta2, EPSILON);
  }

  step(partial: tf.NamedTensorMap): void {
    const { all: grads, added } = complete(partial, this.variables);
    if (this.options.clipNorm <= 0) {
      this.adam.applyGradients(grads);
    } else {
      const clipped = clipByGlobalNorm(grads, this.options.clipNorm);
      this.adam.applyGradients(clipped);
      tf.dispose(Object.values(clipped));
    }
    tf.dispose(added);
  }

  dispose(): void {
    this.adam.dispose();
  }
}

/**
 * Adam over `variables` (keyed by variable name, as tf.variableGrads keys its
 * gradients). Fused where the backend has the kernels, unless `reference`.
 */
export function makeAdam(variables: tf.Variable[], options: AdamOptions, reference = false): TrainingOptimizer {
  if (!reference && kernelAvailable(ADAM_STEP) && kernelAvailable(SUM_SQUARES)) {
    return new FusedAdam(variables, options);
  }
  return new ReferenceAdam(variables, options);
}
